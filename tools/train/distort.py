#!/usr/bin/python3
"""A KADID-10k-like distortion generator (issue 8), deterministic given a seed.

Every type has five levels: level 1 is meant to be barely visible on a
224-px crop of a photograph, level 5 severe; level 0 is the identity.  The
strengths of the levels sit in LEVELS (calibrated with make_dataset.py
--report: the mean pseudo-MOS must fall with the level for every type).
A sample may also carry a jitter in "level space" (e.g. level 2.8..3.2),
interpolated geometrically between the tabulated strengths, so that targets
are continuous.

    out_u8, params = distort(img_u8, "gaussian_blur", 3, rng)
    out_u8, plist = apply(img_u8, [("jpeg", 2), ("white_noise", 1)], seed=7)

params = {"type", "level", "strength", "unit", ...type-specific extras}.
All images are RGB uint8 [H, W, 3]; internally float32 in [0, 1].
"""
import io

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)

# type: (strengths for levels 1..5, unit, stage, family)
# Strengths from tools/train/calibrate_levels.py (mean pseudo-MOS over crops of
# the train photos 4.55 / 3.95 / 3.3 / 2.6 / 1.95).  Types that cannot get that
# bad within their physical range (saturation_down stops at grey, ~3.3;
# chromatic_aberration at 10 px, vignette at 0.95, colour_cast at 0.6,
# saturation_up at 6x: ~2.5-3.0) have their upper levels spread evenly over
# what they reach; pixelate uses whole-pixel blocks.
# stage orders a combination like a capture/processing pipeline:
# 0 optics, 1 exposure/tone, 2 colour, 3 sensor noise, 4 processing, 5 compression.
LEVELS = {
    "gaussian_blur":        ([0.55, 0.75, 1.09, 1.81, 4.23], "sigma px", 0, "blur"),
    "lens_blur":            ([0.82, 1.3, 1.97, 3.33, 7.6], "disk radius px", 0, "blur"),
    "motion_blur":          ([1.73, 3.24, 5.38, 10.2, 29.0], "length px", 0, "blur"),
    "chromatic_aberration": ([1.7, 3.5, 5.5, 7.5, 10.0], "corner shift px", 0, "optics"),
    "vignette":             ([0.35, 0.6, 0.75, 0.86, 0.95], "corner falloff", 0, "optics"),
    "brighten":             ([1.124, 1.286, 1.517, 1.97, 3.126], "gamma", 1, "tone"),
    "darken":               ([1.119, 1.269, 1.469, 1.807, 2.553], "gamma", 1, "tone"),
    "overexposure":         ([0.217, 0.442, 0.72, 1.132, 1.875], "stops", 1, "tone"),
    "underexposure":        ([0.236, 0.509, 0.862, 1.413, 2.394], "stops", 1, "tone"),
    "contrast_down":        ([0.866, 0.735, 0.621, 0.474, 0.267], "contrast factor", 1, "tone"),
    "contrast_up":          ([1.151, 1.315, 1.539, 1.971, 3.313], "contrast factor", 1, "tone"),
    "saturation_down":      ([0.7, 0.45, 0.25, 0.1, 0.0], "saturation factor", 2, "colour"),
    "saturation_up":        ([1.35, 1.9, 2.9, 4.3, 6.0], "saturation factor", 2, "colour"),
    "colour_cast":          ([0.09, 0.21, 0.33, 0.45, 0.6], "channel gain", 2, "colour"),
    "white_noise":          ([0.0274, 0.0465, 0.0721, 0.1175, 0.2309], "sigma", 3, "noise"),
    "colour_noise":         ([0.0595, 0.112, 0.166, 0.243, 0.35], "chroma sigma", 3, "noise"),
    "impulse_noise":        ([0.0012, 0.0042, 0.0102, 0.0261, 0.0874], "pixel fraction", 3, "noise"),
    "speckle_noise":        ([0.0524, 0.0962, 0.161, 0.29, 0.63], "sigma", 3, "noise"),
    "oversharpen":          ([1.21, 2.54, 4.8, 8.0, 12.0], "unsharp amount", 4, "processing"),
    "jitter":               ([0.83, 1.84, 3.02, 4.8, 7.0], "displacement px", 4, "processing"),
    "pixelate":             ([2, 3, 5, 7, 12], "block px", 4, "processing"),
    "quantisation":         ([20, 12, 8, 5, 3], "levels per channel", 4, "processing"),
    "jpeg":                 ([47, 20, 11, 6, 3], "quality", 5, "compression"),
    "jpeg2000":             ([11.2, 22.5, 45.4, 105.0, 276.0], "compression ratio", 5, "compression"),
}
TYPES = list(LEVELS)

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


# ---------------------------------------------------------------- helpers
def to_f(img_u8):
    return img_u8.astype(np.float32) / 255.0


def to_u8(x):
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def srgb_to_linear(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x):
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def luma(x):
    return x @ LUMA


def strength_for(dtype, level, jitter=0.0):
    """Strength of `dtype` at `level` (1..5) moved by `jitter` in level units
    (geometric interpolation between tabulated levels; extrapolates at the ends)."""
    s = LEVELS[dtype][0]
    t = min(max(level + jitter, 0.6), 5.4) - 1.0
    i = int(min(max(np.floor(t), 0), 3))
    a, b = float(s[i]), float(s[i + 1])
    f = t - i
    if a > 0 and b > 0:
        return float(a * (b / a) ** f)
    return float(np.clip(a + (b - a) * f, min(s), max(s)))  # saturation_down reaches 0: stay in range


def _remap(x, mx, my, interp):
    return cv2.remap(x, mx.astype(np.float32), my.astype(np.float32), interp, borderMode=cv2.BORDER_REFLECT)


# ---------------------------------------------------------------- distortions
# Each takes float32 RGB [H,W,3] in [0,1], a strength and a numpy Generator,
# returns (float image, extras dict).

def gaussian_blur(x, s, rng):
    return cv2.GaussianBlur(x, (0, 0), s, borderType=cv2.BORDER_REFLECT), {}


def disk_kernel(r):
    """Antialiased disk of radius r (8x supersampled coverage)."""
    R = int(np.ceil(r))
    n = 2 * R + 1
    ss = 8
    g = (np.arange(n * ss) + 0.5) / ss - (R + 0.5)
    yy, xx = np.meshgrid(g, g, indexing="ij")
    inside = (xx * xx + yy * yy <= r * r).astype(np.float32)
    k = inside.reshape(n, ss, n, ss).mean(axis=(1, 3))
    return k / k.sum()


def lens_blur(x, s, rng):
    return cv2.filter2D(x, -1, disk_kernel(s), borderType=cv2.BORDER_REFLECT), {}


def motion_kernel(length, angle_deg):
    """A straight, centred line of `length` px at `angle_deg`, bilinear-splatted
    from 64 samples per px (no shift, no sideways spread)."""
    R = int(np.ceil(length / 2.0)) + 1
    k = np.zeros((2 * R + 1, 2 * R + 1), np.float64)
    t = np.linspace(-length / 2.0, length / 2.0, max(2, int(64 * length)))
    xs = R + t * np.cos(np.radians(angle_deg))
    ys = R + t * np.sin(np.radians(angle_deg))
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = xs - x0, ys - y0
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(k, (y0 + dy, x0 + dx), w)
    return (k / k.sum()).astype(np.float32)


def motion_blur(x, s, rng):
    angle = float(rng.uniform(0, 180))
    return cv2.filter2D(x, -1, motion_kernel(s, angle), borderType=cv2.BORDER_REFLECT), {"angle_deg": round(angle, 1)}


def chromatic_aberration(x, s, rng):
    """Lateral CA: red magnified, blue shrunk about a centre near the crop
    centre; `s` is the red/blue shift in px at the crop corner."""
    h, w = x.shape[:2]
    cx = w / 2 + rng.uniform(-0.15, 0.15) * w
    cy = h / 2 + rng.uniform(-0.15, 0.15) * h
    rmax = np.hypot(max(cx, w - cx), max(cy, h - cy))
    k = s / rmax
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = x.copy()
    for ch, sign in ((0, 1.0), (2, -1.0)):
        f = 1.0 / (1.0 + sign * k)
        out[..., ch] = _remap(x[..., ch], cx + (xx - cx) * f, cy + (yy - cy) * f, cv2.INTER_LINEAR)
    return out, {}


def vignette(x, s, rng):
    """Radial falloff in linear light, 1 - s at the crop corners (r^2 law)."""
    h, w = x.shape[:2]
    cx = w / 2 + rng.uniform(-0.1, 0.1) * w
    cy = h / 2 + rng.uniform(-0.1, 0.1) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (0.25 * (w * w + h * h))
    m = np.clip(1.0 - s * r2, 0.05, 1.0)[..., None]
    return linear_to_srgb(srgb_to_linear(x) * m), {}


def brighten(x, g, rng):
    return np.power(x, 1.0 / g), {}


def darken(x, g, rng):
    return np.power(x, g), {}


def overexposure(x, stops, rng):
    return linear_to_srgb(srgb_to_linear(x) * 2.0 ** stops), {}


def underexposure(x, stops, rng):
    return linear_to_srgb(srgb_to_linear(x) * 2.0 ** -stops), {}


def contrast_down(x, c, rng):
    m = float(luma(x).mean())
    return m + (x - m) * c, {}


def contrast_up(x, c, rng):
    m = float(luma(x).mean())
    return m + (x - m) * c, {}


def saturation_down(x, f, rng):
    y = luma(x)[..., None]
    return y + (x - y) * f, {}


def saturation_up(x, f, rng):
    y = luma(x)[..., None]
    return y + (x - y) * f, {}


CASTS = {"warm": (1, 0, -1), "cool": (-1, 0, 1), "green": (-0.5, 1, -0.5), "magenta": (0.5, -1, 0.5)}


def colour_cast(x, s, rng):
    """White-balance error: channel gains in linear light, luminance kept."""
    name = sorted(CASTS)[int(rng.integers(len(CASTS)))]
    gains = 1.0 + s * np.array(CASTS[name], np.float32)
    gains = gains / float(gains @ np.array([0.2126, 0.7152, 0.0722], np.float32))
    return linear_to_srgb(srgb_to_linear(x) * gains), {"cast": name}


def white_noise(x, s, rng):
    return x + rng.normal(0, s, x.shape).astype(np.float32), {}


def colour_noise(x, s, rng):
    """Noise in the chroma (Cb, Cr) only, luma untouched."""
    h, w = x.shape[:2]
    cb = rng.normal(0, s, (h, w)).astype(np.float32)
    cr = rng.normal(0, s, (h, w)).astype(np.float32)
    # YCbCr (BT.601) inverse for the chroma part
    d = np.stack([1.402 * cr, -0.344136 * cb - 0.714136 * cr, 1.772 * cb], axis=-1)
    return x + d, {}


def impulse_noise(x, p, rng):
    h, w = x.shape[:2]
    u = rng.random((h, w))
    out = x.copy()
    out[u < p / 2] = 0.0
    out[(u >= p / 2) & (u < p)] = 1.0
    return out, {}


def speckle_noise(x, s, rng):
    return x * (1.0 + rng.normal(0, s, x.shape).astype(np.float32)), {}


def oversharpen(x, a, rng):
    return x + a * (x - cv2.GaussianBlur(x, (0, 0), 1.2, borderType=cv2.BORDER_REFLECT)), {}


def jitter(x, a, rng):
    """Every pixel fetched from a random offset in [-a, a]^2 (nearest)."""
    h, w = x.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = rng.uniform(-a, a, (h, w)).astype(np.float32)
    dy = rng.uniform(-a, a, (h, w)).astype(np.float32)
    return _remap(x, xx + dx, yy + dy, cv2.INTER_NEAREST), {}


def pixelate(x, b, rng):
    """Blocks of b x b px (b rounded to an integer >= 2): area-average down, nearest up."""
    b = max(2, int(round(b)))
    h, w = x.shape[:2]
    small = cv2.resize(x, (max(1, round(w / b)), max(1, round(h / b))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST), {"block": b}


def quantisation(x, n, rng):
    n = max(2, int(round(n)))
    return np.round(x * (n - 1)) / (n - 1), {"levels": n}


def jpeg(x, q, rng):
    q = max(1, int(round(q)))
    buf = io.BytesIO()
    Image.fromarray(to_u8(x)).save(buf, "JPEG", quality=q)
    return to_f(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))), {"quality": q, "bytes": buf.tell()}


def jpeg2000(x, ratio, rng):
    buf = io.BytesIO()
    Image.fromarray(to_u8(x)).save(buf, "JPEG2000", quality_mode="rates", quality_layers=[float(ratio)], irreversible=True)
    n = buf.tell()
    return to_f(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))), {"bytes": n}


FUNCS = {name: globals()[name] for name in TYPES}


# ---------------------------------------------------------------- API
def distort(img_u8, dtype, level, rng, jitter_levels=0.0):
    """Applies one distortion. level 0 returns the image unchanged."""
    if level == 0:
        return img_u8.copy(), {"type": dtype, "level": 0, "strength": None, "unit": LEVELS[dtype][1]}
    s = strength_for(dtype, level, jitter_levels)
    out, extra = FUNCS[dtype](to_f(img_u8), s, rng)
    params = {"type": dtype, "level": int(level), "strength": round(s, 5), "unit": LEVELS[dtype][1]}
    params.update(extra)
    return to_u8(out), params


def apply(img_u8, spec, seed, jitter_levels=None):
    """Applies a list of (type, level) in pipeline-stage order, seeded.
    jitter_levels: optional list of per-distortion level jitters."""
    rng = np.random.default_rng(seed)
    order = sorted(range(len(spec)), key=lambda i: (LEVELS[spec[i][0]][2], i))
    out, plist = img_u8, []
    for i in order:
        t, lv = spec[i]
        j = 0.0 if jitter_levels is None else jitter_levels[i]
        out, p = distort(out, t, lv, rng, j)
        plist.append(p)
    return out, plist


def random_spec(rng, p_pristine=0.10, p_combo=0.15):
    """A random distortion spec: [] (pristine), one type, or two types of
    different families; levels uniform 1..5, jitter U(-0.35, 0.35)."""
    u = rng.random()
    if u < p_pristine:
        return [], []
    if u < p_pristine + p_combo:
        a = TYPES[int(rng.integers(len(TYPES)))]
        rest = [t for t in TYPES if LEVELS[t][3] != LEVELS[a][3]]
        b = rest[int(rng.integers(len(rest)))]
        spec = [(a, int(rng.integers(1, 6))), (b, int(rng.integers(1, 6)))]
    else:
        spec = [(TYPES[int(rng.integers(len(TYPES)))], int(rng.integers(1, 6)))]
    jit = [float(rng.uniform(-0.35, 0.35)) for _ in spec]
    return spec, jit


if __name__ == "__main__":
    import sys
    print(len(TYPES), "types:", ", ".join(TYPES))
    img = np.asarray(Image.open(sys.argv[1] if len(sys.argv) > 1 else
                                "/usr/lib/python3/dist-packages/skimage/data/coffee.png").convert("RGB"))[:224, :224]
    for t in TYPES:
        a, pa = distort(img, t, 3, np.random.default_rng(1))
        b, pb = distort(img, t, 3, np.random.default_rng(1))
        assert np.array_equal(a, b) and pa == pb, t
        print(f"{t:22s} {pa}")
