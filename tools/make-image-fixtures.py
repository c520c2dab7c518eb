#!/usr/bin/python3
"""Generate the image decode / CLIP preprocessing fixtures for tests/test-image.c.

Run with Debian's interpreter (it has PIL 9.4 and numpy):

    /usr/bin/python3 tools/make-image-fixtures.py [tests/fixtures/images]

Everything is synthetic and deterministic (fixed seeds): smooth gradients,
a few shapes and a little noise, so that JPEG and resampling behave as on
photos without shipping any photo.  For every good image the reference is
the pipeline of the authors' scorer, done with PIL:

    Image.open(p) -> ImageOps.exif_transpose -> convert("RGB")
    -> CLIPImageProcessor (shortest side -> size with PIL bicubic, long side
       int(size*long/short), centre crop, /255, (x - mean) / std)

written as raw little-endian float32 [3, size, size] (.f32) and the plain
RGB8 decode as raw bytes (.rgb), or, for the big decodes that would bloat
the repository, as a SHA-256 of those bytes.  manifest.json lists it all.

For the big JPEG the engine decodes at a DCT reduction; PIL models that
with Image.draft(), which drives the same libjpeg(-turbo) scaling, but only
offers 1/1, 1/2, 1/4 and 1/8.  TurboJPEG also offers 3/8, 5/8, ...; for a
target where the engine picks such a factor there is no PIL reference, so
the manifest only records the expected factor and size.
"""

import hashlib
import io
import json
import os
import struct
import sys
import warnings
import zlib
from fractions import Fraction

import numpy as np
from PIL import Image, ImageOps

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# tjGetScalingFactors() of libjpeg-turbo 2.1, reductions only (num < denom).
TJ_REDUCTIONS = [Fraction(n, 8) for n in range(1, 8)]


def synth(w, h, seed, noise=5.0):
    """Natural-ish RGB content: gradients, soft shapes, a little noise."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    img = np.stack([
        128 + 100 * np.sin(u * 3.1 + seed) * np.cos(v * 2.3),
        40 + 180 * u,
        30 + 190 * v * (1 - 0.3 * u),
    ], -1)
    for _ in range(4):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rad = rng.uniform(0.1, 0.3) * min(w, h)
        col = rng.uniform(0, 255, 3)
        m = (x - cx) ** 2 + (y - cy) ** 2 < rad ** 2
        img[m] = 0.5 * img[m] + 0.5 * col
    x0, y0 = int(rng.uniform(0, w * 0.6)), int(rng.uniform(0, h * 0.6))
    img[y0:y0 + max(h // 4, 1), x0:x0 + max(w // 3, 1)] = rng.uniform(0, 255, 3)
    img += rng.normal(0, noise, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def raw_png(w, h, bit_depth, colour_type, rows):
    """A PNG by hand, for what PIL cannot write (16-bit RGB) and for hostile files."""
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\0" + r for r in rows))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def adam7_png(rgb):
    """An interlaced 8-bit RGB PNG (PIL cannot write Adam7)."""
    h, w, _ = rgb.shape
    raw = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                           (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = rgb[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\0" + r.tobytes() for r in sub)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw))
            + png_chunk(b"IEND", b""))


def clip_preprocess(im, size):
    """HF CLIPImageProcessor on a PIL RGB image (transformers' semantics)."""
    w, h = im.size
    # get_resize_output_image_size(default_to_square=False): int() truncates
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    im = im.resize((nw, nh), Image.BICUBIC)  # PIL returns a copy when the size is equal
    a = np.asarray(im)
    top, left = (nh - size) // 2, (nw - size) // 2
    a = a[top:top + size, left:left + size]
    # rescale: float64 * (1/255) -> float32; normalize in float32
    x = (a.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)).astype("<f4")


def tj_choice(w, h, min_short):
    """The engine's rule (engine/image/image.c pick_jpeg_scale), which is PIL's
    draft(): the largest 1/s, s in 8, 4, 2, with both sides >= s * min_short."""
    if min_short <= 0:
        return Fraction(1)
    ratio = min(w // min_short, h // min_short)
    for s in (8, 4, 2):
        if ratio >= s:
            return Fraction(1, s)
    return Fraction(1)


class Writer:
    def __init__(self, out):
        self.out = out
        self.images = []
        self.hostile = []
        self.resize = []

    def path(self, name):
        return os.path.join(self.out, name)

    def save_bytes(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)

    def reference(self, name, clip_sizes, min_short_side=0, draft=None, hash_rgb=False,
                  tolerance=0, note=None):
        """Decode name with PIL as the reference pipeline does and write its refs."""
        im = Image.open(self.path(name))
        dct = [1, 1]
        if draft is not None:
            before = im.size
            im.draft("RGB", draft)
            # PIL's draft picks 1/s; recover s from the reduced size
            dct = None
            for s in (8, 4, 2, 1):
                if im.size == (-(-before[0] // s), -(-before[1] // s)):
                    dct = [1, s]
                    break
            want = tj_choice(before[0], before[1], min_short_side)
            assert Fraction(*dct) == want, (name, dct, want)
        orientation = im.getexif().get(0x0112, 1)
        im = ImageOps.exif_transpose(im).convert("RGB")
        rgb = np.asarray(im).tobytes()
        stem = name if min_short_side == 0 else f"{name}.min{min_short_side}"
        entry = {"file": name, "min_short_side": min_short_side,
                 "width": im.size[0], "height": im.size[1], "orientation": orientation,
                 "dct": dct, "rgb": None, "rgb_sha256": hashlib.sha256(rgb).hexdigest(),
                 "rgb_tolerance": tolerance, "clip": []}
        if not hash_rgb:
            entry["rgb"] = stem + ".rgb"
            self.save_bytes(entry["rgb"], rgb)
        for size in clip_sizes:
            ref = f"{stem}.s{size}.f32"
            self.save_bytes(ref, clip_preprocess(im, size).tobytes())
            entry["clip"].append({"size": size, "file": ref})
        if note:
            entry["note"] = note
        self.images.append(entry)

    def scale_only(self, name, min_short_side):
        """A DCT choice PIL's draft cannot make: expected factor and size only."""
        with Image.open(self.path(name)) as im:
            w, h = im.size
        f = tj_choice(w, h, min_short_side)
        sw, sh = -(-w * f.numerator // f.denominator), -(-h * f.numerator // f.denominator)
        self.images.append({"file": name, "min_short_side": min_short_side, "width": sw,
                            "height": sh, "orientation": 1, "dct": [f.numerator, f.denominator],
                            "rgb": None, "rgb_sha256": None, "rgb_tolerance": 0, "clip": [],
                            "note": "no PIL reference: draft() only does 1/2^n"})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "images")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    w = Writer(out)
    # PIL nags that P images with byte transparency should become RGBA; the
    # reference pipeline converts to RGB, which is what we want to model.
    warnings.filterwarnings("ignore", "Palette images with Transparency")

    # ---- PNG ----
    Image.fromarray(synth(97, 61, 1)).save(w.path("rgb-odd.png"))
    w.reference("rgb-odd.png", [48])

    a16 = synth(64, 40, 2).astype(np.uint16) * 257 + np.random.RandomState(2).randint(0, 257, (40, 64, 3)).astype(np.uint16)
    a16 = a16.astype(">u2")
    w.save_bytes("rgb16.png", raw_png(64, 40, 16, 2, [a16[i].tobytes() for i in range(40)]))
    w.reference("rgb16.png", [48])

    pal = Image.fromarray(synth(80, 50, 3)).quantize(colors=40, dither=Image.Dither.NONE)
    trns = bytes([255] * 40)
    trns = trns[:5] + b"\x00\x40\x80" + trns[8:]  # some palette entries transparent
    pal.save(w.path("palette.png"), transparency=trns)
    w.reference("palette.png", [48])

    rgb = synth(50, 70, 4)
    alpha = np.linspace(0, 255, 50 * 70).reshape(70, 50).astype(np.uint8)
    la = np.stack([rgb[:, :, 1], alpha], -1)
    Image.fromarray(la, "LA").save(w.path("grey-alpha.png"))
    w.reference("grey-alpha.png", [48])

    rgba = np.concatenate([synth(70, 45, 5), alpha.T[:45, :70, None]], -1)
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(w.path("rgba.png"))
    w.reference("rgba.png", [48])

    grey = Image.fromarray(synth(45, 33, 6)[:, :, 0])
    grey.save(w.path("grey-trns.png"), transparency=77)
    w.reference("grey-trns.png", [48])

    g4 = (synth(33, 21, 7)[:, :, 2] >> 4).astype(np.uint8)
    rows = [bytes((int(r[i]) << 4) | (int(r[i + 1]) if i + 1 < 33 else 0) for i in range(0, 33, 2)) for r in g4]
    w.save_bytes("grey4.png", raw_png(33, 21, 4, 0, rows))
    w.reference("grey4.png", [48])

    w.save_bytes("interlaced.png", adam7_png(synth(37, 23, 15)))
    w.reference("interlaced.png", [])

    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(synth(40, 24, 16)).save(w.path("orient-6.png"), exif=exif.tobytes())
    w.reference("orient-6.png", [], note="EXIF in a PNG eXIf chunk")

    # ---- JPEG ----
    Image.fromarray(synth(160, 120, 8)).save(w.path("rgb.jpg"), quality=88)
    w.reference("rgb.jpg", [48, 224])

    Image.fromarray(synth(90, 60, 9)[:, :, 1]).save(w.path("grey.jpg"), quality=90)
    w.reference("grey.jpg", [48])

    # two extraneous bytes before SOS: libjpeg warns, PIL decodes anyway
    g = open(w.path("grey.jpg"), "rb").read()
    sos = g.find(b"\xff\xda")
    w.save_bytes("warning.jpg", g[:sos] + b"\0\0" + g[sos:])
    w.reference("warning.jpg", [], note="libjpeg warns about extraneous bytes; PIL accepts it")

    s = synth(64, 48, 10).astype(np.int32)
    k = np.clip(255 - s.max(-1) + 30, 0, 255)
    cmyk = np.stack([255 - s[:, :, 0], 255 - s[:, :, 1], 255 - s[:, :, 2], k], -1)
    cmyk = np.clip(cmyk - k[:, :, None] // 2 * np.array([1, 1, 1, 0]), 0, 255).astype(np.uint8)
    Image.fromarray(cmyk, "CMYK").save(w.path("cmyk.jpg"), quality=92)
    w.reference("cmyk.jpg", [48], tolerance=2,
                note="PIL opens Adobe CMYK inverted; convert('RGB') is nk - nk*C/255")

    base = Image.fromarray(synth(40, 24, 11))
    for o in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        base.save(w.path(f"orient-{o}.jpg"), quality=90, exif=exif.tobytes())
        w.reference(f"orient-{o}.jpg", [24])

    Image.fromarray(synth(1000, 700, 12, noise=2.0)).save(w.path("large.jpg"), quality=80)
    w.reference("large.jpg", [48], hash_rgb=True)
    w.reference("large.jpg", [96], min_short_side=350, draft=(500, 350), hash_rgb=True)
    w.reference("large.jpg", [48], min_short_side=175, draft=(250, 175), hash_rgb=True)
    w.reference("large.jpg", [48], min_short_side=224, draft=(224, 224), hash_rgb=True)
    w.reference("large.jpg", [24], min_short_side=88, draft=(88, 88), hash_rgb=True)

    # ---- hostile ----
    def hostile(name, data, code):
        w.save_bytes(name, data)
        w.hostile.append({"file": name, "error": code})

    hostile("empty.jpg", b"", "DECODE")
    jpg = open(w.path("rgb.jpg"), "rb").read()
    hostile("truncated.jpg", jpg[: len(jpg) * 3 // 5], "DECODE")
    # truncated after a harmless warning: TurboJPEG reports only the first
    # warning's text, so truncation must be noticed another way
    wj = open(w.path("warning.jpg"), "rb").read()
    hostile("truncated-after-warning.jpg", wj[: len(wj) * 3 // 4], "DECODE")
    hostile("corrupt.jpg", b"\xff\xd8\xff\xe0" + bytes(np.random.RandomState(13).randint(0, 256, 300, dtype=np.uint8)), "DECODE")
    hostile("not-an-image.jpg", b"this is a text file, not a JPEG\n", "UNSUPPORTED")

    # SOF0 patched to claim 60000 x 60000; everything else is a valid small JPEG
    small = io.BytesIO()
    Image.fromarray(synth(16, 16, 14)).save(small, "JPEG", quality=50)
    b = bytearray(small.getvalue())
    sof = b.find(b"\xff\xc0")
    struct.pack_into(">HH", b, sof + 5, 60000, 60000)
    hostile("huge-header.jpg", bytes(b), "TOO_LARGE")

    p = bytearray(raw_png(8, 8, 8, 2, [bytes(24)] * 8))
    idat = p.find(b"IDAT")
    n = struct.unpack(">I", p[idat - 4: idat])[0]
    p[idat + 4 + n] ^= 0x5A  # IDAT CRC no longer matches
    hostile("badcrc.png", bytes(p), "DECODE")

    # IHDR claims 60000 x 60000 RGB with a valid CRC; a tiny IDAT follows
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    hostile("huge-header.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(100))) + png_chunk(b"IEND", b""), "TOO_LARGE")

    png = open(w.path("rgb-odd.png"), "rb").read()
    hostile("truncated.png", png[: len(png) // 2], "DECODE")
    # a directory named x.jpg is made by the test at run time (IO)

    # PIL must refuse these too (or at least not be a valid image); badcrc.png
    # is the one PIL accepts: it does not check IDAT CRCs, libpng does.
    for h in w.hostile:
        try:
            with Image.open(w.path(h["file"])) as im:
                if im.size == (60000, 60000):
                    continue
                im.load()
            assert h["file"] == "badcrc.png", h
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            pass

    # ---- resize: random RGB8, PIL bicubic, must match bit for bit ----
    rng = np.random.RandomState(99)
    for (iw, ih), (ow, oh) in [((123, 77), (50, 31)), ((20, 13), (48, 31)),
                               ((64, 40), (29, 40)), ((64, 40), (64, 17)),
                               ((120, 90), (7, 5)), ((5, 3), (17, 11)),
                               ((1, 1), (3, 2))]:
        src = rng.randint(0, 256, (ih, iw, 3)).astype(np.uint8)
        dst = np.asarray(Image.fromarray(src).resize((ow, oh), Image.BICUBIC))
        stem = f"resize-{iw}x{ih}-{ow}x{oh}"
        w.save_bytes(stem + ".in.rgb", src.tobytes())
        w.save_bytes(stem + ".out.rgb", dst.tobytes())
        w.resize.append({"in": stem + ".in.rgb", "in_w": iw, "in_h": ih,
                         "out": stem + ".out.rgb", "out_w": ow, "out_h": oh})

    manifest = {"generator": "tools/make-image-fixtures.py", "pil": Image.__version__,
                "clip_mean": CLIP_MEAN, "clip_std": CLIP_STD,
                "images": w.images, "hostile": w.hostile, "resize": w.resize}
    with open(w.path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(w.path(f)) for f in os.listdir(out))
    print(f"wrote {len(os.listdir(out))} files, {total / 1e6:.2f} MB, to {out}")


if __name__ == "__main__":
    main()
