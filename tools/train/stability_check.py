#!/usr/bin/python3
"""How much a model's score and first reason move when the frame changes a
little: the 1,000 validation photos (held out of BIQ2021's training split,
the legs' val.txt: never the test split, never CLIVE), each scored by the C
engine as it is and changed losslessly by jpegtran: mirrored, and with 16
pixels (3 % of the width; a whole MCU, so nothing is re-encoded) cut from
the left and from the right edge.  A photographer who shoots a scene twice
with the framing moved a little should see the same verdict and the same
reason; V5-NOTES.md ("v5.8 under a mirror and small crops") has v5.8's.

    stability_check.py FILE.rali [FILE.rali ...] [--val RUN/val.txt] [--rali build/app/rali]

One JSON row per model and change: the score change on the model's scale
(mean, median, 90th percentile, largest; how many photos move by more than
0.1), the first descriptor kept, and SRCC against MOS as they are, changed,
and the two averaged.  The changed photos and the engine's rows (cached per model, as
evaluate.py's) are kept under --work."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from scipy.stats import spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as EV  # noqa: E402
import iqa_data  # noqa: E402

# name -> jpegtran's arguments before -outfile
CHANGES = {
    "mirror": ["-flip", "horizontal", "-perfect"],
    "crop-left-16": ["-crop", "496x512+16+0"],
    "crop-right-16": ["-crop", "496x512+0+0"],
}


def changed_copies(paths, work):
    """{change: {original path: changed copy}} for the photos jpegtran can
    change losslessly (512 x 512 ones for the crops; -perfect for the mirror)"""
    out = {}
    for name, how in CHANGES.items():
        os.makedirs(os.path.join(work, name), exist_ok=True)
        got = {}
        for p in paths:
            o = os.path.join(work, name, os.path.basename(p).replace(" ", "_").replace("(", "").replace(")", ""))
            if not os.path.exists(o):
                r = subprocess.run(["jpegtran", *how, "-outfile", o, p], capture_output=True)
                if r.returncode != 0 and os.path.exists(o):
                    os.unlink(o)
            if os.path.exists(o) and os.path.getsize(o) > 0:
                got[p] = o
        out[name] = got
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--val", default="/work/cache/v5-import/val.txt",
                    help="the held-out names, one a line (finetune.py's RUN/val.txt)")
    ap.add_argument("--seed", type=int, default=20261206,
                    help="without --val's file: finetune.split's seed, whose first 1,000 are the validation photos")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--rali", default=os.path.join(HERE, "..", "..", "build", "app", "rali"))
    ap.add_argument("--work", default="/work/cache/v5-stability")
    args = ap.parse_args()
    paths, mos = iqa_data.biq2021_train(args.biq)
    if os.path.exists(args.val):
        by_name = {os.path.basename(p): i for i, p in enumerate(paths)}
        idx = [by_name[n.strip()] for n in open(args.val, encoding="utf-8") if n.strip()]
    else:
        idx = list(np.random.RandomState(args.seed).permutation(len(paths))[:1000])
    vp = [paths[i] for i in idx]
    y = {paths[i]: mos[i] for i in idx}
    copies = changed_copies(vp, args.work)
    for model in args.models:
        # the C engine's rows, cached per model as val_check.py's are
        margs = argparse.Namespace(**vars(args), model=model)
        base = EV.engine(margs, vp, "val")
        for name, got in copies.items():
            orig = [p for p in vp if p in got]
            ch = EV.engine(margs, [got[p] for p in orig], "stability-" + name)
            a = np.array([base[p]["score"] for p in orig])
            b = np.array([ch[got[p]]["score"] for p in orig])
            m = np.array([y[p] for p in orig])
            d = np.abs(a - b)
            first = np.mean([base[p]["descriptors"][0]["text"] == ch[got[p]]["descriptors"][0]["text"] for p in orig])
            print(json.dumps(dict(
                model=model, sha=EV.sha(model), change=name, n=len(orig),
                mean=round(float(d.mean()), 4), median=round(float(np.median(d)), 4),
                p90=round(float(np.quantile(d, 0.9)), 4), largest=round(float(d.max()), 4),
                over_0_1=int((d > 0.1).sum()), same_first=round(float(first), 4),
                srcc=round(float(spearmanr(a, m)[0]), 4), srcc_changed=round(float(spearmanr(b, m)[0]), 4),
                srcc_averaged=round(float(spearmanr((a + b) / 2, m)[0]), 4))), flush=True)


if __name__ == "__main__":
    main()
