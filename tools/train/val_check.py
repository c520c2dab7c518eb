#!/usr/bin/python3
"""C-engine ranking of the 1,000 validation photos (the photos every v5 leg
and head held out of BIQ2021's official training split: --val, the legs'
val.txt) by .rali files: SRCC and PLCC against MOS over all of them, and SRCC
within each of BIQ2021's three sources (ss01 authentic gallery photos, ss02
capture-time defects, ss03 Unsplash), so that a head that only separates the
sources is seen.  The rules of V5-NOTES.md (v5.5 on) compare heads by these
numbers; the test split and CLIVE are never read here.

    val_check.py FILE.rali [FILE.rali ...] [--val RUN/val.txt] [--rali build/app/rali]

The engine's rows are cached per model (evaluate.engine) under --work."""
import argparse
import json
import os
import sys

import numpy as np
from scipy.stats import pearsonr, spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as EV  # noqa: E402
import iqa_data  # noqa: E402

SOURCES = ("ss01", "ss02", "ss03")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--val", default="/work/cache/v5-import/val.txt")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--rali", default=os.path.join(HERE, "..", "..", "build", "app", "rali"))
    ap.add_argument("--work", default="/work/cache/v5-val")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    paths, mos = iqa_data.biq2021_train(args.biq)
    by_name = {os.path.basename(p): (p, y) for p, y in zip(paths, mos)}
    names = [line.strip() for line in open(args.val) if line.strip()]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SystemExit(f"{args.val}: {len(missing)} names not in BIQ2021's training split (e.g. {missing[0]})")
    vp = [by_name[n][0] for n in names]
    y = np.array([by_name[n][1] for n in names])
    src = np.array([n[:4] for n in names])
    for model in args.models:
        # the C engine's rows, cached per model as evaluate.py's and listed_check.py's are
        rows = EV.engine(argparse.Namespace(**vars(args), model=model), vp, "val")
        s = np.array([rows[p]["score"] for p in vp])
        row = dict(model=model, sha=EV.sha(model), n=len(s), srcc=round(float(spearmanr(s, y)[0]), 4),
                   plcc=round(float(pearsonr(s, y)[0]), 4))
        for k in SOURCES:
            sel = src == k
            row[k] = dict(n=int(sel.sum()), srcc=round(float(spearmanr(s[sel], y[sel])[0]), 4))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
