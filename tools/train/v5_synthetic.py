#!/usr/bin/python3
"""v5's synthetic leg: BIQ2021 *training* photos that people rated highly,
distorted with the defects real photos have, as level series, so that the
head sees each defect on content it also sees clean, and learns that more of
a defect is worse (the monotonicity the ordering test checks).

    /usr/bin/python3 tools/train/v5_synthetic.py --out /work/cache/v5-head     # -> OUT/synthetic/, OUT/synthetic.jsonl

Photos: the training split only (finetune.split; never the 1,000 validation
or the official test photos), MOS >= --min-mos (0..1), --photos of them
drawn with a fixed seed.  Each gets one defect type (in turn through TYPES)
at levels 1, 3 and 5 of tools/train/distort.py (PNG, lossless; the "jpeg"
type is a real JPEG round trip).  Its target is the photo's own MOS scaled
by the full-reference pseudo-MOS of tools/train/pseudo_mos.py (1..5):
  mos' = mos * (pseudo - 1) / 4
so an invisible change keeps the human score and the strongest level falls
towards 0.  The descriptions come from the same measurements as the real
photos' (v5_describe.py); nothing is told the distortion's name."""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import distort as DI  # noqa: E402
import pseudo_mos as PM  # noqa: E402

TYPES = ("gaussian_blur", "lens_blur", "motion_blur", "white_noise", "colour_noise", "underexposure",
         "overexposure", "darken", "brighten", "colour_cast", "jpeg", "contrast_down")
LEVELS = (1, 3, 5)


def main():
    import argparse as _a
    import finetune as FT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--run", default="/work/cache/v5-run")
    ap.add_argument("--out", default="/work/cache/v5-head")
    ap.add_argument("--photos", type=int, default=360)
    ap.add_argument("--min-mos", type=float, default=0.75)
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args()
    tr_p, tr_y, _, _ = FT.split(_a.Namespace(biq=args.biq, seed=args.seed, n_val=1000, run=args.run))
    good = np.flatnonzero(tr_y >= args.min_mos)
    pick = np.random.RandomState(args.seed + 11).permutation(good)[:args.photos]
    d = os.path.join(args.out, "synthetic")
    os.makedirs(d, exist_ok=True)
    jl = os.path.join(args.out, "synthetic.jsonl")
    done = {json.loads(l)["path"] for l in open(jl)} if os.path.exists(jl) else set()
    with open(jl, "a") as fh:
        for n, i in enumerate(pick):
            t = TYPES[n % len(TYPES)]
            src = FT.load_image(tr_p[i])
            stem = os.path.splitext(os.path.basename(tr_p[i]))[0]
            for lv in LEVELS:
                out = os.path.join(d, f"{stem}-{t}-{lv}.png")
                if out in done:
                    continue
                img, params = DI.apply(src, [(t, lv)], seed=args.seed + n * 7 + lv)
                pm, _ = PM.pseudo_mos(src, img)
                Image.fromarray(img).save(out)
                fh.write(json.dumps({"path": out, "source": os.path.basename(tr_p[i]), "type": t, "level": lv,
                                     "pseudo_mos": round(pm, 4), "source_mos": float(tr_y[i]),
                                     "mos": float(tr_y[i]) * (pm - 1) / 4}) + "\n")
            if n % 50 == 0:
                print(f"{n}/{len(pick)}", flush=True)
    print(f"{len(pick)} photos x {len(LEVELS)} levels -> {jl}")


if __name__ == "__main__":
    main()
