#!/usr/bin/python3
"""Low-key and bokeh photos among the by-eye *training* labels
(tools/train/biq-train-labels.csv): does a model, run by the C engine, score
each above its darkened (linear light x 0.5) and mildly blurred (Gaussian
sigma 1.5 px) copy?  The same variants as evaluate.py's test-split check, on
training photos, so that a head setting can be compared on them without
reading the test labels.

    /usr/bin/python3 tools/train/lowkey_check.py MODEL.rali [--rali build/app/rali]

The copies are made once into --work (PNG, lossless)."""
import argparse
import csv
import json
import os
import subprocess

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))


def darken(img, factor=0.5):
    """Linear light x factor, back to sRGB (as evaluate.py and the CI test)."""
    a = np.asarray(img, np.float64) / 255
    lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4) * factor
    s = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return Image.fromarray(np.round(s * 255).astype(np.uint8))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--rali", default=os.path.join(HERE, "..", "..", "build", "app", "rali"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--work", default="/work/cache/v5.4/lk")
    args = ap.parse_args()
    labs = [r for r in csv.DictReader(open(os.path.join(HERE, "biq-train-labels.csv"), encoding="utf-8"))
            if r["lowkey"] == "yes" or r["bokeh"] == "yes"]
    os.makedirs(args.work, exist_ok=True)
    for r in labs:
        stem = os.path.join(args.work, os.path.splitext(r["name"])[0])
        if not os.path.exists(stem + "-2.png"):
            im = Image.open(os.path.join(args.biq, "Images", r["name"])).convert("RGB")
            im.save(stem + "-0.png")
            im.filter(ImageFilter.GaussianBlur(1.5)).save(stem + "-1.png")
            darken(im).save(stem + "-2.png")
    p = subprocess.run([args.rali, "score", "--json", "--backend", "cpu", "--model", args.model, args.work],
                       capture_output=True, text=True, check=True)
    score = {os.path.basename(json.loads(x)["path"]): json.loads(x)["score"] for x in p.stdout.splitlines()}
    for kind in ("lowkey", "bokeh"):
        rows = [r for r in labs if r[kind] == "yes"]
        s = np.array([[score[os.path.splitext(r["name"])[0] + f"-{k}.png"] for k in range(3)] for r in rows])
        print(f"{kind}: {len(rows)} training photos, above blurred {np.mean(s[:, 0] > s[:, 1]):.3f}, "
              f"above darkened {np.mean(s[:, 0] > s[:, 2]):.3f}")


if __name__ == "__main__":
    main()
