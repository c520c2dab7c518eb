#!/usr/bin/python3
"""Writes a tiny DNG for the RAW tests: a 32x32 16-bit RGGB mosaic of a
colour gradient plus, in IFD0 as cameras do, a 160x120 baseline JPEG
preview of the same gradient (with a red square top left, so that a
rotation would show).  Orientation 6 (90° clockwise) when --rotate.

    make-tiny-dng.py OUT.dng [--rotate] [--no-preview]

--no-preview leaves the JPEG out (IFD0 is then the raw image itself), for
the "no embedded preview" error."""

import io
import struct
import sys

from PIL import Image

W, H = 160, 120
RAW = 32


def preview_jpeg():
    img = Image.new("RGB", (W, H))
    px = img.load()
    for y in range(H):
        for x in range(W):
            px[x, y] = (40 + x, 60 + y, 200 - x // 2)
    for y in range(20):
        for x in range(20):
            px[x, y] = (255, 0, 0)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def main():
    path = sys.argv[1]
    orientation = 6 if "--rotate" in sys.argv else 1
    jpeg = preview_jpeg()
    mosaic = b"".join(struct.pack("<H", (x * 1000 + y * 500) & 0xFFFF) for y in range(RAW) for x in range(RAW))

    # layout: header, IFD0, raw IFD, then data blobs
    entries0, entries1 = [], []
    blobs = []  # (key, bytes)

    def e(lst, tag, typ, count, value):
        lst.append((tag, typ, count, value))

    SHORT, LONG, ASCII, BYTE, RATIONAL, SRATIONAL = 3, 4, 2, 1, 5, 10
    make, model = b"Rali\0", b"Tiny DNG\0"
    e(entries0, 254, LONG, 1, 1)                  # NewSubFileType: reduced resolution
    e(entries0, 256, LONG, 1, W)
    e(entries0, 257, LONG, 1, H)
    e(entries0, 258, SHORT, 3, ("blob", "bps"))
    e(entries0, 259, SHORT, 1, 7)                 # JPEG
    e(entries0, 262, SHORT, 1, 6)                 # YCbCr
    e(entries0, 271, ASCII, len(make), ("blob", "make"))
    e(entries0, 272, ASCII, len(model), ("blob", "model"))
    e(entries0, 273, LONG, 1, ("blob", "jpeg"))   # StripOffsets
    e(entries0, 274, SHORT, 1, orientation)
    e(entries0, 277, SHORT, 1, 3)
    e(entries0, 278, LONG, 1, H)
    e(entries0, 279, LONG, 1, len(jpeg))
    e(entries0, 330, LONG, 1, ("ifd1", None))     # SubIFDs
    e(entries0, 50706, BYTE, 4, bytes([1, 4, 0, 0]))  # DNGVersion 1.4
    e(entries0, 50708, ASCII, len(model), ("blob", "model"))  # UniqueCameraModel
    e(entries0, 50721, SRATIONAL, 9, ("blob", "matrix"))      # ColorMatrix1 (identity)
    e(entries0, 50778, SHORT, 1, 21)              # CalibrationIlluminant1: D65

    e(entries1, 254, LONG, 1, 0)
    e(entries1, 256, LONG, 1, RAW)
    e(entries1, 257, LONG, 1, RAW)
    e(entries1, 258, SHORT, 1, 16)
    e(entries1, 259, SHORT, 1, 1)
    e(entries1, 262, SHORT, 1, 32803)             # CFA
    e(entries1, 273, LONG, 1, ("blob", "raw"))
    e(entries1, 277, SHORT, 1, 1)
    e(entries1, 278, LONG, 1, RAW)
    e(entries1, 279, LONG, 1, len(mosaic))
    e(entries1, 33421, SHORT, 2, bytes(struct.pack("<HH", 2, 2)))  # CFARepeatPatternDim
    e(entries1, 33422, BYTE, 4, bytes([0, 1, 1, 2]))               # CFAPattern RGGB
    e(entries1, 50717, LONG, 1, 65535)            # WhiteLevel

    blob_data = {
        "bps": struct.pack("<HHH", 8, 8, 8),
        "make": make, "model": model,
        "matrix": b"".join(struct.pack("<ii", 1 if i % 4 == 0 else 0, 1) for i in range(9)),
        "jpeg": jpeg, "raw": mosaic,
    }

    def ifd_size(n):
        return 2 + 12 * n + 4

    off0 = 8
    off1 = off0 + ifd_size(len(entries0))
    pos = off1 + ifd_size(len(entries1))
    offsets = {}
    order = ["bps", "make", "model", "matrix", "jpeg", "raw"]
    for k in order:
        pos += pos & 1
        offsets[k] = pos
        pos += len(blob_data[k])

    def pack_ifd(entries):
        out = struct.pack("<H", len(entries))
        for tag, typ, count, value in sorted(entries):
            if isinstance(value, tuple):
                kind, key = value
                v = offsets[key] if kind == "blob" else off1
                out += struct.pack("<HHII", tag, typ, count, v)
            elif isinstance(value, bytes):
                out += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
            elif typ == SHORT:
                out += struct.pack("<HHIHH", tag, typ, count, value, 0)
            else:
                out += struct.pack("<HHII", tag, typ, count, value)
        return out + struct.pack("<I", 0)

    data = bytearray(b"II*\0" + struct.pack("<I", off0))
    data += pack_ifd(entries0)
    data += pack_ifd(entries1)
    for k in order:
        if len(data) & 1:
            data += b"\0"
        assert len(data) == offsets[k], (k, len(data), offsets[k])
        data += blob_data[k]
    if "--no-preview" in sys.argv:
        data = no_preview(mosaic, make, model)
    with open(path, "wb") as f:
        f.write(data)


def no_preview(mosaic, make, model):
    """IFD0 is the raw mosaic; no other image."""
    tags = [
        (254, 4, 1, struct.pack("<I", 0)), (256, 4, 1, struct.pack("<I", RAW)), (257, 4, 1, struct.pack("<I", RAW)),
        (258, 3, 1, struct.pack("<HH", 16, 0)), (259, 3, 1, struct.pack("<HH", 1, 0)),
        (262, 3, 1, struct.pack("<HH", 32803, 0)), (271, 2, len(make), None), (272, 2, len(model), None),
        (273, 4, 1, None), (277, 3, 1, struct.pack("<HH", 1, 0)), (278, 4, 1, struct.pack("<I", RAW)),
        (279, 4, 1, struct.pack("<I", len(mosaic))), (33421, 3, 2, struct.pack("<HH", 2, 2)),
        (33422, 1, 4, bytes([0, 1, 1, 2])), (50706, 1, 4, bytes([1, 4, 0, 0])),
        (50708, 2, len(model), None), (50717, 4, 1, struct.pack("<I", 65535)),
    ]
    pos = 8 + 2 + 12 * len(tags) + 4
    off_make, off_model = pos, pos + len(make)
    off_raw = off_model + len(model)
    off_raw += off_raw & 1
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(tags)))
    for tag, typ, count, value in tags:
        if value is None:
            value = struct.pack("<I", {271: off_make, 272: off_model, 50708: off_model, 273: off_raw}[tag])
        out += struct.pack("<HHI", tag, typ, count) + value
    out += struct.pack("<I", 0) + make + model
    out += b"\0" * (off_raw - len(out))
    return bytes(out + mosaic)


if __name__ == "__main__":
    main()
