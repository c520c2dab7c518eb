#!/usr/bin/python3
"""C-engine ranking of the 1,000 validation photos (the photos every v5 leg
and head held out of BIQ2021's official training split: --val, the legs'
val.txt) by .rali files: SRCC and PLCC against MOS over all of them, and SRCC
within each of BIQ2021's three sources (ss01 authentic gallery photos, ss02
capture-time defects, ss03 Unsplash), so that a head that only separates the
sources is seen.  The rules of V5-NOTES.md (v5.5 on) compare heads by these
numbers; the test split and CLIVE are never read here.

    val_check.py FILE.rali [FILE.rali ...] [--val RUN/val.txt] [--rali build/app/rali]

Scores are cached per model (sha256) under --work."""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
from scipy.stats import pearsonr, spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import iqa_data  # noqa: E402

SOURCES = ("ss01", "ss02", "ss03")


def scores(args, model, paths):
    sha = hashlib.sha256(open(model, "rb").read()).hexdigest()[:16]
    cache = os.path.join(args.work, f"val-scores-{sha}.json")
    if os.path.exists(cache):
        got = json.load(open(cache))
        if len(got) == len(paths):
            return np.array(got), sha
    out = subprocess.run([args.rali, "score", "--json", "--backend", "cpu", "--threads", "2", "--model", model] + paths,
                         capture_output=True, text=True, check=True).stdout
    by_path = {}
    for line in out.splitlines():
        r = json.loads(line)
        if "score" not in r:
            raise SystemExit(f"{model}: {r.get('path')}: no score ({r.get('error', 'unknown error')})")
        by_path[r["path"]] = r["score"]
    s = [by_path[p] for p in paths]
    json.dump(s, open(cache, "w"))
    return np.array(s), sha


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
        s, sha = scores(args, model, vp)
        row = dict(model=model, sha=sha, n=len(s), srcc=round(float(spearmanr(s, y)[0]), 4),
                   plcc=round(float(pearsonr(s, y)[0]), 4))
        for k in SOURCES:
            sel = src == k
            row[k] = dict(n=int(sel.sum()), srcc=round(float(spearmanr(s[sel], y[sel])[0]), 4))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
