"""A hostile-file corpus, made in a folder by make_corpus(): the files that
a folder of years of photos and camera cards holds sooner or later.  Used by
test-hostile.py (`rali score` over it) and test-app.py's "hostile" scenario
(the app over it).

make_corpus(folder, srcdir) returns {relative path (bytes): expectation},
an expectation being ("score",) or ("error", needle): the file must get a
score, or an error that names the file and contains needle (lower case);
("any",): either, as long as nothing crashes."""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with_ihdr(w, h, bits=8, colour=2):
    ihdr = struct.pack(">IIBBBBB", w, h, bits, colour, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _tiff_orientation(value, loop=False):
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, value, 0) + struct.pack("<I", 8 if loop else 0)
    return b"II" + struct.pack("<HI", 42, 8) + ifd


def _jpeg_with_exif(jpeg, tiff):
    seg = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + jpeg[2:]


def _find_marker(data, marker):
    i = data.find(b"\xff" + bytes([marker]))
    assert i >= 0
    return i


def make_corpus(folder, srcdir):
    rng = np.random.default_rng(19)
    fix = os.path.join(srcdir, "tests", "fixtures")
    photo = Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).resize((256, 192))
    b = io.BytesIO()
    photo.save(b, "JPEG", quality=90)
    jpeg = b.getvalue()
    out = {}

    def put(name, data, expect):
        p = os.path.join(os.fsencode(folder), name)
        with open(p, "wb") as f:
            f.write(data)
        out[name] = expect

    put(b"good.jpg", jpeg, ("score",))
    put(b"zero-bytes.jpg", b"", ("error", "empty"))
    # truncated at many offsets: inside the headers, in the scan, just before EOI
    sos = _find_marker(jpeg, 0xDA)
    for cut in sorted({1, 2, 3, 20, sos // 2, sos, sos + 8, (sos + len(jpeg)) // 2, len(jpeg) - 2}):
        put(b"truncated-%05d.jpg" % cut, jpeg[:cut], ("error", ""))
    # corrupt Huffman tables: the DHT segment's code counts and symbols overwritten
    dht = _find_marker(jpeg, 0xC4)
    bad = bytearray(jpeg)
    for i in range(dht + 5, dht + 5 + 16):
        bad[i] = 0xFF
    put(b"bad-huffman.jpg", bytes(bad), ("error", ""))
    bad = bytearray(jpeg)
    bad[dht + 21:dht + 40] = bytes(19)
    put(b"bad-huffman-symbols.jpg", bytes(bad), ("any",))  # decodes to garbage: libjpeg cannot tell
    # PNG: bad CRC, a 60000x60000 header, 16-bit samples (good), a palette (good)
    good_png = io.BytesIO()
    photo.save(good_png, "PNG")
    png = bytearray(good_png.getvalue())
    png[29] ^= 0xFF  # the IHDR CRC
    put(b"bad-crc.png", bytes(png), ("error", "crc"))
    put(b"huge-ihdr.png", _png_with_ihdr(60000, 60000), ("error", "60000x60000"))
    b16 = io.BytesIO()
    Image.fromarray(rng.integers(0, 65535, (64, 80), dtype=np.uint16)).save(b16, "PNG")
    put(b"grey-16bit.png", b16.getvalue(), ("score",))
    pal = io.BytesIO()
    photo.convert("P").save(pal, "PNG")
    put(b"palette.png", pal.getvalue(), ("score",))
    # CMYK JPEG (good)
    cmyk = io.BytesIO()
    photo.convert("CMYK").save(cmyk, "JPEG")
    put(b"cmyk.jpg", cmyk.getvalue(), ("score",))
    # EXIF: a bogus orientation and a looping IFD chain are ignored (good)
    put(b"exif-orientation-9.jpg", _jpeg_with_exif(jpeg, _tiff_orientation(9)), ("score",))
    put(b"exif-ifd-loop.jpg", _jpeg_with_exif(jpeg, _tiff_orientation(6, loop=True)), ("score",))
    # wrong extension: a PNG named .jpg is read by its content; text is refused
    put(b"png-named.jpg", good_png.getvalue(), ("score",))
    put(b"text-named.jpg", b"this is not an image\n" * 10, ("error", "not a jpeg or png"))
    put(b"gif-named.png", b"GIF89a" + bytes(40), ("error", "gif"))
    # a non-UTF-8 name (Latin-1)
    put(b"latin1-\xe9t\xe9.jpg", jpeg, ("score",))
    # a camera raw file whose preview is garbage
    dng = bytearray(open(os.path.join(fix, "raw", "tiny.dng"), "rb").read())
    soi = dng.find(b"\xff\xd8\xff")
    if soi >= 0:
        for i in range(soi + 3, min(len(dng), soi + 400)):
            dng[i] = (dng[i] * 7 + 13) & 0xFF
    put(b"garbage-preview.dng", bytes(dng), ("error", ""))
    # not files: a folder named x.jpg (walked as a folder: holds one photo),
    # a symbolic link loop, a FIFO named like a photo
    os.mkdir(os.path.join(folder, "x.jpg"))
    put(b"x.jpg/inside.jpg", jpeg, ("score",))
    os.mkdir(os.path.join(folder, "loop"))
    os.symlink("..", os.path.join(folder, "loop", "up"))
    os.mkfifo(os.path.join(folder, "fifo.jpg"))
    out[b"fifo.jpg"] = ("error", "not a regular file")
    # unreadable (meaningless for root, who reads everything)
    put(b"unreadable.jpg", jpeg, ("error", "permission") if os.geteuid() != 0 else ("score",))
    os.chmod(os.path.join(folder, "unreadable.jpg"), 0)
    return out
