#!/usr/bin/python3
"""Checks v5_describe's judgements against the by-eye labels of BIQ2021
*training* photos (tools/train/biq-train-labels.csv; never the test labels):
per defect, how many labelled photos the describer names it for (recall) and
how many photos without it it names it for (false alarms), and for each
threshold the same over a sweep, so that a threshold is chosen by looking at
the table.

    /usr/bin/python3 tools/train/v5_calibrate.py [--sweep]"""
import argparse
import csv
import glob
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import v5_describe as VD  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = "/work/cache/v5-head/measure-train-labels.jsonl"


def biq_path(biq, name):
    p = os.path.join(biq, "Images", name)
    return p if os.path.exists(p) else glob.glob(os.path.join(biq, "**", name), recursive=True)[0]


def measured(biq):
    labels = [r for r in csv.DictReader(open(os.path.join(HERE, "biq-train-labels.csv"), encoding="utf-8"))
              if r["defect"] != "unsure"]
    have = {}
    if os.path.exists(CACHE):
        VD.upgrade(CACHE, lambda name: biq_path(biq, name))
        have = {json.loads(l)["name"]: json.loads(l)["m"] for l in open(CACHE)}
    with open(CACHE, "a") as fh:
        for r in labels:
            if r["name"] not in have:
                p = biq_path(biq, r["name"])
                have[r["name"]] = VD.measure(np.asarray(Image.open(p).convert("RGB")))
                fh.write(json.dumps({"name": r["name"], "m": have[r["name"]]}) + "\n")
    return labels, have


def training_mos(biq):
    """{file name: MOS 0..1} of the official training split (the describer
    reads the rating as evidence, as it does for the head's texts)."""
    import iqa_data
    paths, mos = iqa_data.biq2021_train(biq)
    return {os.path.basename(p): float(y) for p, y in zip(paths, mos)}


def table(labels, m, mos):
    """Per defect: (named, labelled, false alarms, photos without it); a false
    alarm is a claim that could name the defect on a photo where it fits
    none of the labels (v5_describe.false_claims)."""
    claims = []
    for r in labels:
        j = VD.judge(m[r["name"]], mos.get(r["name"]))
        claims.append({VD.claim_of(a, s) for a, s in j.items()} - {None})
    out = {}
    for d in ("blur", "motion_blur", "noise", "underexposed", "overexposed", "colour_cast"):
        has = np.array([d in (r["defect"], r["second"]) for r in labels])
        said = np.array([VD.names_label(c, d) for c in claims])
        wrong = np.array([any(VD.claim_fits(x, d) for x in VD.false_claims(c, {r["defect"], r["second"]}))
                          for c, r in zip(claims, labels)])
        out[d] = (int((has & said).sum()), int(has.sum()), int((~has & wrong).sum()), int((~has).sum()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    labels, m = measured(args.biq)
    mos = training_mos(args.biq)
    print(f"{len(labels)} labelled training photos")
    for d, (tp, n, fp, nn) in table(labels, m, mos).items():
        print(f"  {d:13s} named {tp:3d}/{n:3d} ({tp / max(n, 1):.0%})   false alarms {fp:3d}/{nn} ({fp / max(nn, 1):.1%})")
    if args.sweep:
        base = dict(VD.T)
        for k in base:
            for f in (0.6, 0.8, 1.25, 1.6):
                VD.T.update(base)
                VD.T[k] = base[k] * f
                t = table(labels, m, mos)
                print(f"{k}={VD.T[k]:.3g}: " + "  ".join(f"{d[:6]} {tp}/{n} fa {fp}" for d, (tp, n, fp, nn) in t.items()))
        VD.T.update(base)


if __name__ == "__main__":
    main()
