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


def calibrate_tau(net, ts, txt, data, tau_train):
    """The head's temperature, chosen on the validation images (never the
    test pictures): the image tower's features through the head at each τ,
    keeping the best SRCC against the pseudo-MOS.  Ranking changes with τ
    because the prototypes' scores are averaged with softmax(s/τ) weights.
    Among the temperatures within 0.01 SRCC of the best, the lowest wins: a
    larger τ averages the prototypes more evenly and squeezes every score
    towards the mean, which a person reading the number cannot use."""
    from scipy.stats import spearmanr
    import train as TR
    imgs, meta = TR.load_split(data, "val")
    mos = np.array([m["mos"] for m in meta])
    feats = []
    with torch.no_grad():
        for i in range(0, len(meta), 100):
            feats.append(net(TR.to_tensor(imgs[i:i + 100])))
    f = torch.cat(feats)
    results = []
    for tau in (0.02, 0.05, 0.1, 0.2, 0.4, 0.8):
        head = (torch.from_numpy(ts.mu.astype(np.float32)), torch.from_numpy(ts.sigma.astype(np.float32)),
                torch.from_numpy(ts.pca.components_.astype(np.float32)), torch.from_numpy(txt["protos"]),
                torch.from_numpy(txt["proto_scores"]), tau)
        s, _ = M.head_scores(f, *head)
        r = spearmanr(s.numpy(), mos).correlation
        print(f"  tau {tau:.2f}: val SRCC {r:.4f}, score range {s.min().item():.2f}..{s.max().item():.2f}")
        results.append((tau, r))
    top = max(r for _, r in results)
    tau = min(t for t, r in results if r >= top - 0.01)
    print(f"temperature {tau} (best val SRCC {top:.4f}; trained with {tau_train})")
    return tau


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/cache/rali-train")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--crops", type=int, default=5)
    ap.add_argument("--crop-short-side", type=int, default=1024)
    ap.add_argument("--crop-select-grid", type=int, default=4,
                    help="take the --crops most detailed of a G x G candidate grid (0: the fixed grid)")
    ap.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    ap.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                    help="keep the training temperature instead of choosing it on val images")
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
    tau = float(txt["tau"])
    if args.calibrate:
        tau = calibrate_tau(net, ts, txt, args.data, tau)
    config = dict(cfg, name="Rali Studio default (small conv-stem ViT, rule-based descriptors)",
                  source=f"trained by tools/train/run.sh on distorted crops of Debian-packaged photographs "
                         f"(data/models/SOURCES.md), step {ck['step']}, exported "
                         f"{datetime.date.today().isoformat()}; not the paper's model",
                  image_mean=MEAN, image_std=STD, pca_dim=int(ts.k), prototypes=K,
                  temperature=tau, score_min=1.0, score_max=5.0,
                  descriptors=list(txt["descriptors"]), descriptor_provenance="rule-based",
                  crops=args.crops, crop_short_side=args.crop_short_side)
    if args.crop_select_grid:
        config.update(crop_select="detail", crop_select_grid=args.crop_select_grid)
    ralifmt.save_rali(args.output, t, config, np.float16 if args.dtype == "f16" else np.float32)
    print(f"{args.output}: {os.path.getsize(args.output) / 1e6:.1f} MB, {K} prototypes, step {ck['step']}")


if __name__ == "__main__":
    main()
