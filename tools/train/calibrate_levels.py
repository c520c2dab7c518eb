#!/usr/bin/python3
"""Calibrates distort.LEVELS: for every type, the strengths at which the mean
pseudo-MOS over random crops of the TRAIN photographs (same crop sampler as
the dataset) reaches the targets of levels 1..5, within each type's
physical range (e.g. saturation_down stops at grey, saturation 0).

    nice -n 10 /usr/bin/python3 tools/train/calibrate_levels.py

Prints the mean pseudo-MOS curve per type and a LEVELS table to paste into
distort.py.  Levels then mean the same visual damage across types, as far
as the pseudo-MOS can tell; where a type cannot reach a target within its
range, its last levels are spread over what it can reach.
"""
import multiprocessing as mp
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import distort as DI  # noqa: E402
import make_dataset as MD  # noqa: E402
import photos as PH  # noqa: E402
import pseudo_mos as PM  # noqa: E402

TARGETS = [4.55, 3.95, 3.3, 2.6, 1.95]
N = 12
# search range per type: (least severe, most severe, integer?)
RANGE = {
    "gaussian_blur": (0.3, 8.0, False), "lens_blur": (0.5, 10.0, False), "motion_blur": (1.5, 32.0, False),
    "chromatic_aberration": (0.3, 10.0, False), "vignette": (0.05, 0.95, False),
    "brighten": (1.05, 4.0, False), "darken": (1.05, 4.5, False),
    "overexposure": (0.1, 4.0, False), "underexposure": (0.1, 4.5, False),
    "contrast_down": (0.97, 0.08, False), "contrast_up": (1.05, 4.0, False),
    "saturation_down": (0.95, 0.0, False), "saturation_up": (1.1, 6.0, False), "colour_cast": (0.02, 0.6, False),
    "white_noise": (0.004, 0.25, False), "colour_noise": (0.005, 0.35, False), "impulse_noise": (0.0003, 0.25, False),
    "speckle_noise": (0.01, 0.8, False), "oversharpen": (0.2, 12.0, False), "jitter": (0.3, 7.0, False),
    "pixelate": (1.2, 14.0, False), "quantisation": (64, 2, True), "jpeg": (90, 2, True),
    "jpeg2000": (10.0, 450.0, False),
}


def grid(t):
    a, b, integer = RANGE[t]
    if a > 0 and b > 0:
        g = np.geomspace(a, b, N)
    else:
        g = np.linspace(a, b, N)
    if integer:
        g = np.unique(np.round(g).astype(int))[:: 1 if a < b else -1]
    return [float(x) for x in g]


def _eval(args):
    t, crops = args
    out = []
    for s in grid(t):
        ms = []
        for k, c in enumerate(crops):
            x, _ = DI.FUNCS[t](DI.to_f(c), s, np.random.default_rng(k))
            ms.append(PM.pseudo_mos(c, DI.to_u8(x))[0])
        out.append(float(np.mean(ms)))
    return t, out


def invert(g, m, target, integer):
    """Strength at which the (made monotone) mean curve m over grid g crosses target."""
    m = np.minimum.accumulate(np.array(m))
    if target >= m[0]:
        return g[0]
    if target <= m[-1]:
        return None
    j = int(np.argmax(m < target)) - 1
    f = (m[j] - target) / (m[j] - m[j + 1])
    a, b = g[j], g[j + 1]
    v = a * (b / a) ** f if (a > 0 and b > 0 and not integer) else a + (b - a) * f
    return int(round(v)) if integer else float(v)


def main():
    cache = "/work/cache/rali-train"
    photo_dir = MD.cache_photos(cache)
    MD._init_worker(photo_dir)
    crops = []
    for j, r in enumerate(PH.photos("train")):
        rng = np.random.default_rng([777, j])
        crops.append(MD.choose_crop(rng, MD._PHOTOS[r["id"]])[0])
    with mp.get_context("fork").Pool(2) as pool:
        res = dict(pool.imap_unordered(_eval, [(t, crops) for t in DI.TYPES]))
    print(f"{len(crops)} crops; targets {TARGETS}")
    table = {}
    for t in DI.TYPES:
        g, m = grid(t), res[t]
        integer = RANGE[t][2]
        print(f"{t:21s} " + " ".join(f"{s:g}:{v:.2f}" for s, v in zip(g, m)))
        lv = [invert(g, m, T, integer) for T in TARGETS]
        # unreachable targets: spread the remaining levels up to the end of the range
        if None in lv:
            k = lv.index(None)
            last = lv[k - 1] if k > 0 else g[0]
            end = g[-1]
            for i in range(k, 5):
                f = (i - k + 1) / (5 - k)
                if last > 0 and end > 0 and not integer:
                    lv[i] = float(last * (end / last) ** f)
                else:
                    lv[i] = last + (end - last) * f
                    lv[i] = int(round(lv[i])) if integer else float(lv[i])
        # strictly increasing severity
        for i in range(1, 5):
            if lv[i] == lv[i - 1]:
                lv[i] = lv[i] + (1 if RANGE[t][0] < RANGE[t][1] else -1) if integer else lv[i] * 1.05
        table[t] = [round(v, 4) if not integer else int(v) for v in lv]
    print("\nLEVELS strengths (paste into distort.py):")
    for t in DI.TYPES:
        print(f"    {t!r}: {table[t]},")


if __name__ == "__main__":
    main()
