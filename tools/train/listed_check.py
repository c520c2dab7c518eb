#!/usr/bin/python3
"""A candidate model's reasons on the by-eye labels of BIQ2021 *training*
photos (tools/train/biq-train-labels.csv), scored by the C engine: how often
its first descriptor, the descriptors the detail view lists (the first, then
those carrying RALI_SHOWN_MIN_WEIGHT or more: evaluate.shown) and its top 3
name the labelled defect, and on how many labelled photos they name a defect
the photo does not have.  These are the conditions the v5.5-v5.6 rules
(V5-NOTES.md) put on a head before it ships; they read training photos
only, never the test split's labels or CLIVE.

    listed_check.py --model FILE.rali [--rali build/app/rali] [--biq DIR]
"""
import argparse
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as EV  # noqa: E402
import iqa_data as D  # noqa: E402

TRAIN_LABELS = os.path.join(HERE, "biq-train-labels.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--rali", default=os.path.join(EV.ROOT, "build", "app", "rali"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--work", default="/work/cache/v5-listed")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    paths, _ = D.biq2021_train(args.biq)
    by_base = {os.path.basename(p): p for p in paths}
    names = [r["name"] for r in csv.DictReader(open(TRAIN_LABELS, encoding="utf-8"))]
    files = [by_base[n] for n in names]
    rows = EV.engine(args, files, "train-labels")
    by_name = {os.path.basename(f): rows[f] for f in files}
    out = {}
    for mode in ("top1", "shown", "top3"):
        f = EV.faithfulness(by_name, mode, TRAIN_LABELS)
        out[mode] = dict(named=round(f["named"], 4), false_alarm=round(f["false_alarm"], 4),
                         labelled=f["labelled"], defect_photos=f["defect_photos"])
    print(json.dumps(dict(model=args.model, sha=EV.sha(args.model), shown_min_weight=EV.SHOWN_MIN_WEIGHT, **out)))


if __name__ == "__main__":
    main()
