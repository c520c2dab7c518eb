#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/TARGET/) and
tests/fuzz/tiny-jpeg.inc, from the test fixtures and small inputs made
here.  Deterministic; the outputs are committed.  The regression inputs
that fuzzing found (corpus/TARGET/regress-*) are kept.

    /usr/bin/python3 tools/fuzz/make-seeds.py"""
import io
import os
import struct
import sys

import numpy as np
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ralifmt  # noqa: E402

FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tiff_orientation(value, big_endian=False, loop=False):
    """A TIFF header with one IFD holding Orientation (and, with loop, a
    next-IFD offset pointing back at itself)."""
    e = ">" if big_endian else "<"
    head = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, value, 0)
    ifd += struct.pack(e + "I", 8 if loop else 0)
    return head + ifd


def main():
    for target in os.listdir(OUT) if os.path.isdir(OUT) else ():
        for name in os.listdir(os.path.join(OUT, target)):
            if not name.startswith("regress-"):
                os.remove(os.path.join(OUT, target, name))
    rng = np.random.default_rng(20261206)

    # jpeg, png: a hint byte, then the file
    for name in ("grey.jpg", "cmyk.jpg", "corrupt.jpg", "grey4.png", "grey-trns.png", "interlaced.png",
                 "badcrc.png", "huge-header.jpg"):
        put(name[-3:].replace("jpg", "jpeg"), name, bytes([56]) + open(os.path.join(FIX, "images", name), "rb").read())
    for mode, ext, kw in (("RGB", "jpg", {"quality": 80, "progressive": True}), ("L", "png", {}),
                          ("RGBA", "png", {}), ("I;16", "png", {}), ("P", "png", {})):
        rgb = Image.fromarray(rng.integers(0, 255, (9, 13, 3), dtype=np.uint8))
        im = (Image.fromarray(rng.integers(0, 65535, (9, 13), dtype=np.uint16)) if mode == "I;16"
              else rgb.convert(mode))
        b = io.BytesIO()
        im.save(b, "JPEG" if ext == "jpg" else "PNG", **kw)
        put(ext.replace("jpg", "jpeg"), f"made-{mode.replace(';', '')}.{ext}", bytes([3]) + b.getvalue())

    # exif: TIFF payloads (the target wraps them in an APP1 segment)
    for v in (1, 3, 6, 8, 0, 9, 65535):
        put("exif", f"orientation-{v}.tiff", tiff_orientation(v))
    put("exif", "orientation-6-be.tiff", tiff_orientation(6, big_endian=True))
    put("exif", "loop.tiff", tiff_orientation(6, loop=True))

    # the 8x6 JPEG the exif target builds on, without its SOI marker
    b = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(b, "JPEG", quality=90)
    jpeg = b.getvalue()
    assert jpeg[:2] == b"\xff\xd8"
    with open(os.path.join(ROOT, "tests", "fuzz", "tiny-jpeg.inc"), "w") as f:
        f.write("/* made by tools/fuzz/make-seeds.py */\n")
        body = jpeg[2:]
        for i in range(0, len(body), 16):
            f.write(" ".join(f"0x{c:02x}," for c in body[i:i + 16]) + "\n")

    # raw: the DNG fixtures
    for name in ("tiny.dng", "no-preview.dng"):
        put("raw", name, open(os.path.join(FIX, "raw", name), "rb").read())

    # raw-reply: replies as rali-raw-preview writes them (engine/image/raw-preview-helper.c):
    # "RRP1", then 'J' flip size:u64 JPEG / 'B' flip width height RGB8 / 'E' code size message
    # (a generator of their own, so that the other seeds stay as they were)
    rr = np.random.default_rng(19)
    for flip in (0, 6):
        b = io.BytesIO()
        Image.fromarray(rr.integers(0, 255, (12, 16, 3), dtype=np.uint8)).save(b, "JPEG", quality=85)
        put("raw-reply", f"jpeg-flip{flip}.reply", b"RRP1J" + struct.pack("<IQ", flip, len(b.getvalue())) + b.getvalue())
    for flip, (w, h) in ((3, (4, 3)), (5, (5, 2))):
        put("raw-reply", f"bitmap-flip{flip}.reply",
            b"RRP1B" + struct.pack("<III", flip, w, h) + rr.integers(0, 255, w * h * 3, dtype=np.uint8).tobytes())
    for name, code, msg in (("error-named", 2, b"fuzz.dng: no embedded preview"),
                            ("error-unnamed", 7, b"LibRaw: unsupported file format \xff")):
        put("raw-reply", name + ".reply", b"RRP1E" + struct.pack("<II", code, len(msg)) + msg)

    # model: a tiny random model with a head (width 8, one layer)
    cfg = {"image_size": 8, "patch_size": 4, "width": 8, "layers": 1, "heads": 2, "mlp_size": 16,
           "activation": "quick_gelu", "layer_norm_eps": 1e-5, "projection_dim": 4,
           "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    ralifmt_tiny(cfg, rng)

    # sidecar: XMP as the other tools write it, then the decision byte
    darktable = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
                 b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                 b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
                 b'xmlns:darktable="http://darktable.sf.net/" xmp:Rating="3" darktable:xmp_version="5">'
                 b'<darktable:colorlabels><rdf:Seq><rdf:li>0</rdf:li><rdf:li>2</rdf:li></rdf:Seq>'
                 b'</darktable:colorlabels></rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>')
    put("sidecar", "darktable.xmp", darktable + bytes([0x2b]))
    put("sidecar", "empty.xmp", bytes([0x07]))
    put("sidecar", "not-xml.xmp", b"<x:xmpmeta><rdf:RDF" + bytes([0x11]))

    # walker: (op, arg) pairs
    put("walker", "flat", bytes([0, 1, 0, 2, 1, 3, 0, 7]))
    put("walker", "nested-loop", bytes([2, 0, 2, 1, 0, 0, 4, 0, 4, 1, 3, 0, 5, 0, 6, 0]))
    put("walker", "odd-names", bytes([0, 0xe9, 0, 0xff, 2, 0x80, 0, 0x0a, 3, 0, 7, 2]))


def ralifmt_tiny(cfg, rng):
    """A tiny CLIP-shaped .rali with a head, from ralifmt's name table."""
    cfg = dict(cfg)
    k, K = 3, 4
    cfg.update({"temperature": 0.07, "score_min": 0.0, "score_max": 1.0, "pca_dim": k, "prototypes": K,
                "descriptors": [f"d{i}" for i in range(K)], "descriptor_provenance": "rule-based",
                "name": "fuzz seed", "source": "tools/fuzz/make-seeds.py"})
    tensors = {}
    for name, shape in {**ralifmt.vision_tensor_names(cfg), **ralifmt.head_tensor_names(cfg)}.items():
        tensors[name] = rng.standard_normal(shape).astype(np.float32) * 0.1
    d = os.path.join(OUT, "model")
    os.makedirs(d, exist_ok=True)
    ralifmt.save_rali(os.path.join(d, "tiny.rali"), tensors, cfg)


main()
