#!/usr/bin/python3
"""A candidate model's reasons on the by-eye labels of BIQ2021 *training*
photos (tools/train/biq-train-labels.csv), or of photos held out from
training (--labels val: tools/train/biq-val-labels.csv, 400 of the v5 legs'
1,000 validation photos, in two parts of 200: --positions 0-199 chose v5.5's
and v5.6's listing cut and v5.6's head, 200-399 were labelled afterwards),
scored by the C engine: how often
its first descriptor, the descriptors the detail view lists (the first, then
those carrying RALI_SHOWN_MIN_WEIGHT or more: evaluate.shown) and its top 3
name the labelled defect, and on how many labelled photos they name a defect
the photo does not have.  These are the conditions the v5.5-v5.6 rules
(V5-NOTES.md) put on a head before it ships; they read photos of the
official training split only, never the test split's labels or CLIVE.
--cuts W,W,... also reports the listed descriptors at other listing cuts
than RALI_SHOWN_MIN_WEIGHT (the rule that chose the cut, V5-NOTES.md).

    listed_check.py --model FILE.rali [--labels train|val] [--positions A-B]
                    [--cuts 0.02,0.05] [--rali build/app/rali] [--biq DIR]
"""
import argparse
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as EV  # noqa: E402
import iqa_data as D  # noqa: E402

LABELS = {"train": os.path.join(HERE, "biq-train-labels.csv"), "val": os.path.join(HERE, "biq-val-labels.csv")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--rali", default=os.path.join(EV.ROOT, "build", "app", "rali"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--work", default="/work/cache/v5-listed")
    ap.add_argument("--labels", choices=sorted(LABELS), default="train")
    ap.add_argument("--cuts", default="", help="listing cuts to report besides RALI_SHOWN_MIN_WEIGHT")
    ap.add_argument("--positions", metavar="A-B",
                    help="only the labelled photos whose sample position (the note's #N) is in A..B")
    args = ap.parse_args()
    labels_csv = LABELS[args.labels]
    os.makedirs(args.work, exist_ok=True)
    paths, _ = D.biq2021_train(args.biq)
    by_base = {os.path.basename(p): p for p in paths}
    names = [r["name"] for r in csv.DictReader(open(labels_csv, encoding="utf-8"))
             if in_positions(r, args.positions)]
    files = [by_base[n] for n in names]
    rows = EV.engine(args, files, args.labels + "-labels")
    by_name = {os.path.basename(f): rows[f] for f in files}
    out = {}
    for mode in ("top1", "shown", "top3"):
        f = EV.faithfulness(by_name, mode, labels_csv)
        out[mode] = dict(named=round(f["named"], 4), false_alarm=round(f["false_alarm"], 4),
                         labelled=f["labelled"], defect_photos=f["defect_photos"])
    engine_cut = EV.SHOWN_MIN_WEIGHT
    cuts = {}
    for w in [float(c) for c in args.cuts.split(",") if c]:
        EV.SHOWN_MIN_WEIGHT = w  # evaluate.shown reads it
        f = EV.faithfulness(by_name, "shown", labels_csv)
        cuts[str(w)] = dict(named=round(f["named"], 4), false_alarm=round(f["false_alarm"], 4))
    EV.SHOWN_MIN_WEIGHT = engine_cut
    print(json.dumps(dict(model=args.model, sha=EV.sha(args.model), labels=args.labels, positions=args.positions,
                          shown_min_weight=engine_cut, **out, **({"cuts": cuts} if cuts else {}))))


def in_positions(row, positions):
    """Whether a label row's sample position (its note starts with #N) is in
    the range A-B (every row when positions is None)."""
    if not positions:
        return True
    lo, hi = (int(x) for x in positions.split("-"))
    m = re.match(r"#(\d+)", row["note"])
    if not m:
        raise SystemExit(f"{row['name']}: its note has no #N position")
    return lo <= int(m.group(1)) <= hi


if __name__ == "__main__":
    main()
