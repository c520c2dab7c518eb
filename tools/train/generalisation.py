#!/usr/bin/python3
"""Where the default model's errors come from (issue 8): the head's SRCC
against the pseudo-MOS on crops it was trained on, on new crops of the same
training photographs, and on the validation photographs, plus the SRCC
within each validation photograph (is it a per-photo offset, or the
ordering itself?).  PyTorch, from a train.py checkpoint.

    /usr/bin/python3 tools/train/generalisation.py --data /work/cache/rali-ds \\
        --fresh /work/cache/rali-ds2 [--ckpt CKPT] [--n 3000] [--probes]

--fresh: a dataset made by make_dataset.py from the same photographs with
another --seed (new crops, new distortions).

--probes: would other features generalise to new photographs better than
the head does?  A ridge regression to the pseudo-MOS is fitted on the
training crops from the network's features at each depth (the stem, each
block's class token and patch-token mean, the final embedding) and from two
hand-made no-reference feature sets (BRISQUE's 36 natural-scene statistics,
OpenCV; the describer's image statistics measured on the distorted crop,
make_dataset.py's "stats"), and scored on the validation photographs.  The
ridge strength is chosen by 4-fold cross-validation grouped by photograph
on the training crops, never on validation.  The hand-made sets also get a
gradient-boosted regressor, as they are not linear in quality."""
import argparse
import os
import pickle
import sys

import numpy as np
import torch
from scipy.stats import spearmanr

sys.path.insert(0, os.path.dirname(__file__))
import model as M  # noqa: E402
import train as T  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/cache/rali-ds")
    ap.add_argument("--fresh", default=None)
    ap.add_argument("--ckpt", default=None, help="default: DATA/run/ckpt.pt")
    ap.add_argument("--n", type=int, default=3000, help="train and fresh crops to score (and to fit the probes on)")
    ap.add_argument("--tau", type=float, default=0.4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probes", action="store_true", help="ridge probes of other features (above)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt or os.path.join(a.data, "run", "ckpt.pt"))
    txt = pickle.load(open(os.path.join(a.data, "run", "text.pkl"), "rb"))
    net = M.ConvStemViT.from_checkpoint(ck)
    head = M.head_tensors(txt["ts"], txt, a.tau)
    rng = np.random.default_rng(0)
    print(f"checkpoint step {ck['step']}, head temperature {a.tau}")
    sets = [("training crops (seen in training)", a.data, "train")]
    if a.fresh:
        sets.append(("new crops of the training photographs", a.fresh, "train"))
    sets.append(("validation photographs", a.data, "val"))
    feats, samples = {}, {}  # with --probes: the features of the first training set and of val, from one forward
    for name, root, split in sets:
        imgs, meta = T.load_split(root, split)
        idx = np.arange(len(meta)) if split == "val" else np.sort(rng.choice(len(meta), min(a.n, len(meta)), replace=False))
        if a.probes and root == a.data and split not in feats:
            feats[split], samples[split] = features(net, imgs, meta, idx), (meta, idx)
            p = M.head_scores(torch.from_numpy(feats[split]["embedding"]), *head)[0].numpy()
        else:
            p = T.head_predictions(net, imgs, idx, head)
        y = np.array([meta[i]["mos"] for i in idx])
        print(f"{name}: SRCC {spearmanr(p, y).correlation:.3f} on {len(idx)} crops")
    photo = np.array([meta[i]["photo"] for i in idx])
    units = [u for u in sorted(set(photo)) if (photo == u).sum() > 20]
    within = [spearmanr(p[photo == u], y[photo == u]).correlation for u in units]
    q = p.copy()
    for u in set(photo):
        s = photo == u
        q[s] += y[s].mean() - p[s].mean()
    print(f"within each validation photograph: mean SRCC {np.mean(within):.3f} (min {np.min(within):.3f}, "
          f"max {np.max(within):.3f}, {len(within)} photos); with each photo's mean error removed: "
          f"SRCC {spearmanr(q, y).correlation:.3f}")
    # does the ordering fail on plain content?  make_dataset.py's "texture": mean Sobel magnitude of the crop
    texture = np.array([meta[i]["texture"] for i in idx])
    tex = [texture[photo == u].mean() for u in units]
    print(f"Spearman between a validation photograph's mean crop texture and its within-photo SRCC: "
          f"{spearmanr(tex, within).correlation:.3f}")
    if a.probes:
        probes(feats["train"], samples["train"], feats["val"], samples["val"])


def features(net, imgs, meta, idx, bs=100):
    """{name: [len(idx), d]}: the network's taps and embedding, BRISQUE's
    features and the describer's statistics of the crops imgs[idx]."""
    import cv2
    out = {}
    with torch.no_grad():
        for i in range(0, len(idx), bs):
            taps = {}
            taps["embedding"] = net(T.to_tensor(imgs[idx[i:i + bs]]), taps)
            for k, v in taps.items():
                out.setdefault(k, []).append(v.numpy())
    f = {k: np.concatenate(v) for k, v in out.items()}
    bgr = (np.ascontiguousarray(imgs[i][:, :, ::-1]) for i in idx)
    # OpenCV's BRISQUE returns NaN statistics where its distribution fits fail (one validation crop
    # of 1,500 in /work/cache/rali-ds); they enter the probe as 0
    f["BRISQUE statistics (hand-made)"] = np.nan_to_num(
        np.array([np.asarray(cv2.quality.QualityBRISQUE_computeFeatures(b)).ravel() for b in bgr]))
    keys = sorted(meta[idx[0]]["stats"])
    f["describer statistics (hand-made)"] = np.array([[meta[i]["stats"][k] for k in keys] for i in idx])
    return f


def probes(ft, train, fv, val):
    """Ridge probes (above) of the features ft of the training crops train =
    (meta, idx), scored on the features fv of the validation crops val."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GroupKFold
    (tm, tidx), (vm, vidx) = train, val
    yt = np.array([tm[i]["mos"] for i in tidx])
    yv = np.array([vm[i]["mos"] for i in vidx])
    groups = np.array([tm[i]["photo"] for i in tidx])
    print(f"probes: fitted on {len(tidx)} training crops ({len(set(groups))} photographs), "
          f"SRCC on {len(vidx)} validation crops")
    folds = list(GroupKFold(4).split(ft["embedding"], yt, groups))
    for name in ft:
        mu, sd = ft[name].mean(0), ft[name].std(0) + 1e-6
        xt, xv = (ft[name] - mu) / sd, (fv[name] - mu) / sd

        def cv(alpha):
            return np.mean([spearmanr(Ridge(alpha=alpha).fit(xt[a], yt[a]).predict(xt[b]), yt[b]).correlation
                            for a, b in folds])
        alpha = max((1.0, 10.0, 100.0, 1000.0, 10000.0), key=cv)
        r = Ridge(alpha=alpha).fit(xt, yt)
        line = (f"  {name:34s} ridge (alpha {alpha:g}): train {spearmanr(r.predict(xt), yt).correlation:.3f}, "
                f"validation {spearmanr(r.predict(xv), yv).correlation:.3f}")
        if "hand-made" in name:
            g = HistGradientBoostingRegressor(max_iter=300, random_state=0).fit(xt, yt)
            line += f"; boosted trees: validation {spearmanr(g.predict(xv), yv).correlation:.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
