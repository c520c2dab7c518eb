#!/usr/bin/python3
"""Exports the trained default model to the .rali format.

    /usr/bin/python3 tools/train/export.py --data /work/cache/rali-train -o data/models/rali-default.rali

Batch norms are folded into the stem convolutions (model.export_tensors),
the head comes from the text space (μ, σ, PCA components, K-means
prototypes with their mean pseudo-MOS and descriptor texts)."""
import argparse
import datetime
import os
import pickle
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import model as M  # noqa: E402
import ralifmt  # noqa: E402

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/cache/rali-train")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--crops", type=int, default=5)
    ap.add_argument("--crop-short-side", type=int, default=1024)
    ap.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    args = ap.parse_args()
    run = os.path.join(args.data, "run")
    ck = torch.load(os.path.join(run, "ckpt.pt"))
    txt = pickle.load(open(os.path.join(run, "text.pkl"), "rb"))
    cfg = ck["cfg"]
    st = cfg["stem"]["channels"]
    net = M.ConvStemViT(image_size=cfg["image_size"], stem=st, width=cfg["width"], layers=cfg["layers"],
                        heads=cfg["heads"], mlp=cfg["mlp_size"], proj=cfg["projection_dim"])
    net.load_state_dict(ck["model"])
    net.eval()
    t = net.export_tensors()
    ts = txt["ts"]
    t["rali.pca.mean"] = ts.mu.astype(np.float32)
    t["rali.pca.scale"] = ts.sigma.astype(np.float32)
    t["rali.pca.components"] = ts.pca.components_.astype(np.float32)
    t["rali.prototypes"] = txt["protos"].astype(np.float32)
    t["rali.prototype_scores"] = txt["proto_scores"].astype(np.float32)
    K = len(txt["proto_scores"])
    config = dict(cfg, name="Rali Studio default (small conv-stem ViT, rule-based descriptors)",
                  source=f"trained by tools/train/run.sh on distorted crops of Debian-packaged photographs "
                         f"(data/models/SOURCES.md), step {ck['step']}, exported "
                         f"{datetime.date.today().isoformat()}; not the paper's model",
                  image_mean=MEAN, image_std=STD, pca_dim=int(ts.k), prototypes=K,
                  temperature=float(txt["tau"]), score_min=1.0, score_max=5.0,
                  descriptors=list(txt["descriptors"]), descriptor_provenance="rule-based",
                  crops=args.crops, crop_short_side=args.crop_short_side)
    ralifmt.save_rali(args.output, t, config, np.float16 if args.dtype == "f16" else np.float32)
    print(f"{args.output}: {os.path.getsize(args.output) / 1e6:.1f} MB, {K} prototypes, step {ck['step']}")


if __name__ == "__main__":
    main()
