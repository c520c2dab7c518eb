#!/usr/bin/python3
"""Low-key and bokeh photos among the by-eye *training* labels
(tools/train/biq-train-labels.csv): does a model, run by the C engine, score
each above its darkened (linear light x 0.5) and mildly blurred (Gaussian
sigma 1.5 px) copy?  The same variants as evaluate.py's test-split check
(evaluate.variant_images), on training photos, so that a head setting can be
compared on them without reading the test labels.

    /usr/bin/python3 tools/train/lowkey_check.py MODEL.rali [--rali build/app/rali]

The copies are made once into --work (PNG, lossless)."""
import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as EV  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--rali", default=os.path.join(HERE, "..", "..", "build", "app", "rali"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--work", default="/work/cache/v5.4/lk")
    args = ap.parse_args()
    labels = [r for r in csv.DictReader(open(os.path.join(HERE, "biq-train-labels.csv"), encoding="utf-8"))
              if r["lowkey"] == "yes" or r["bokeh"] == "yes"]
    files, meta = EV.variant_images(labels, lambda name: os.path.join(args.biq, "Images", name), args.work)
    p = subprocess.run([args.rali, "score", "--json", "--backend", "cpu", "--model", args.model] + files,
                       capture_output=True, text=True, check=True)
    score = {json.loads(x)["path"]: json.loads(x)["score"] for x in p.stdout.splitlines()}
    for kind in ("lowkey", "bokeh"):
        rows = [m for m in meta if m[kind]]
        s = np.array([[score[f"{m['stem']}-{k}.png"] for k in ("orig", "blur", "dark")] for m in rows])
        print(f"{kind}: {len(rows)} training photos, above blurred {np.mean(s[:, 0] > s[:, 1]):.3f}, "
              f"above darkened {np.mean(s[:, 0] > s[:, 2]):.3f}")


if __name__ == "__main__":
    main()
