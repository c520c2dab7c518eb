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


def val_features(net, data):
    import train as TR
    imgs, meta = TR.load_split(data, "val")
    feats = []
    with torch.no_grad():
        for i in range(0, len(meta), 100):
            feats.append(net(TR.to_tensor(imgs[i:i + 100])))
    return torch.cat(feats), np.array([m["mos"] for m in meta])


def composition(data, ts, protos):
    """[K,T] share of each kind of image among each prototype's training
    members (T = "pristine" and the distortion types; an image with two
    distortions counts half to each), and the T labels.  Members are the
    training texts assigned to their nearest centre, as K-means left them.
    The engine compares prototypes by these rows to list distinct
    descriptors: the describer words one defect in many ways, so two
    centres far apart in the text space can still gather the same images."""
    import json
    meta = [json.loads(l) for l in open(os.path.join(data, "train", "meta.jsonl"))]
    z = ts.project(ts.raw([m["description"] for m in meta]))
    label = np.concatenate([np.argmin(((z[i:i + 2000, None, :] - protos[None]) ** 2).sum(-1), axis=1)
                            for i in range(0, len(z), 2000)])
    kinds = ["pristine"] + sorted({d["type"] for m in meta for d in m["distortions"]})
    H = np.zeros((len(protos), len(kinds)))
    for m, k in zip(meta, label):
        ds = m["distortions"]
        if not ds:
            H[k, 0] += 1
        for d in ds:
            H[k, kinds.index(d["type"])] += 1 / len(ds)
    H /= np.maximum(H.sum(1, keepdims=True), 1e-12)
    return H.astype(np.float32), kinds


def fit_score_map(raw, mos, lo=1.0, hi=5.0):
    """The VQEG-style monotone logistic from the head's raw score to the
    pseudo-MOS, least squares on the validation images:
    y = low + (high - low) / (1 + exp(-(x - centre) / width)), width > 0 and
    lo <= low < high <= hi.  The raw score averages 256 prototypes with
    softmax weights, which squeezes it towards the middle (v1: sample photos
    within 3.0-3.7 of 1-5); the map spreads it back to the prototypes' own
    units without changing any ranking."""
    from scipy.optimize import least_squares
    x0 = [float(mos.min()), float(mos.max()), float(np.median(raw)), float(max(raw.std(), 1e-3))]

    def resid(p):
        return p[0] + (p[1] - p[0]) / (1 + np.exp(-(raw - p[2]) / p[3])) - mos
    r = least_squares(resid, x0, bounds=([lo, lo, -np.inf, 1e-4], [hi, hi, np.inf, np.inf]))
    low, high, centre, width = (float(v) for v in r.x)
    if not high > low:
        raise SystemExit(f"score map fit is not increasing: {r.x}")
    return dict(type="logistic", low=low, high=high, centre=centre, width=width)


def calibrate_tau(f, mos, ts, txt, tau_train):
    """The head's temperature, chosen on the validation images (never the
    test pictures): the image tower's features through the head at each τ,
    keeping the best SRCC against the pseudo-MOS.  Ranking changes with τ
    because the prototypes' scores are averaged with softmax(s/τ) weights.
    Among the temperatures within 0.01 SRCC of the best, the lowest wins: a
    larger τ averages the prototypes more evenly and squeezes every score
    towards the mean, which a person reading the number cannot use."""
    from scipy.stats import spearmanr
    results = []
    for tau in (0.02, 0.05, 0.1, 0.2, 0.4, 0.8):
        s, _ = M.head_scores(f, *M.head_tensors(ts, txt, tau))
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
    ap.add_argument("--crop-select-grid", type=int, default=0,
                    help="take the --crops most detailed of a G x G candidate grid (0: the fixed grid)")
    ap.add_argument("--crop-select-scale", type=int, default=4,
                    help="measure the candidates' detail on luma summed over F x F blocks")
    ap.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    ap.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                    help="keep the training temperature instead of choosing it on val images, and no score map")
    args = ap.parse_args()
    run = os.path.join(args.data, "run")
    ck = torch.load(os.path.join(run, "ckpt.pt"))
    txt = pickle.load(open(os.path.join(run, "text.pkl"), "rb"))
    cfg = ck["cfg"]
    net = M.ConvStemViT.from_checkpoint(ck)
    t = net.export_tensors()
    ts = txt["ts"]
    t["rali.pca.mean"] = ts.mu.astype(np.float32)
    t["rali.pca.scale"] = ts.sigma.astype(np.float32)
    t["rali.pca.components"] = ts.pca.components_.astype(np.float32)
    t["rali.prototypes"] = txt["protos"].astype(np.float32)
    t["rali.prototype_scores"] = txt["proto_scores"].astype(np.float32)
    K = len(txt["proto_scores"])
    t["rali.prototype_composition"], kinds = composition(args.data, ts, txt["protos"])
    tau = float(txt["tau"])
    score_map = None
    if args.calibrate:
        f, mos = val_features(net, args.data)
        tau = calibrate_tau(f, mos, ts, txt, tau)
        raw = M.head_scores(f, *M.head_tensors(ts, txt, tau))[0].numpy().astype(np.float64)
        score_map = fit_score_map(raw, mos)
        mapped = ralifmt.apply_score_map(score_map, raw)
        print(f"score map {score_map}: val raw {raw.min():.2f}..{raw.max():.2f} -> {mapped.min():.2f}..{mapped.max():.2f}, "
              f"PLCC {np.corrcoef(raw, mos)[0, 1]:.4f} -> {np.corrcoef(mapped, mos)[0, 1]:.4f}")
    config = dict(cfg, name="Rali Studio default (small conv-stem ViT, rule-based descriptors)",
                  source=f"trained by tools/train/run.sh on distorted crops of Debian-packaged photographs "
                         f"(data/models/SOURCES.md), step {ck['step']}, exported "
                         f"{datetime.date.today().isoformat()}; not the paper's model",
                  image_mean=MEAN, image_std=STD, pca_dim=int(ts.k), prototypes=K,
                  temperature=tau, score_min=1.0, score_max=5.0,
                  descriptors=list(txt["descriptors"]), descriptor_provenance="rule-based",
                  composition_labels=kinds,
                  crops=args.crops, crop_short_side=args.crop_short_side)
    if score_map:
        config["score_map"] = score_map
    if args.crop_select_grid:
        config.update(crop_select="detail", crop_select_grid=args.crop_select_grid,
                      crop_select_scale=args.crop_select_scale)
    ralifmt.save_rali(args.output, t, config, np.float16 if args.dtype == "f16" else np.float32)
    print(f"{args.output}: {os.path.getsize(args.output) / 1e6:.1f} MB, {K} prototypes, step {ck['step']}")


if __name__ == "__main__":
    main()
