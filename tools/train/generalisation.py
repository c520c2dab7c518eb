#!/usr/bin/python3
"""Where the default model's errors come from (issue 8): the head's SRCC
against the pseudo-MOS on crops it was trained on, on new crops of the same
training photographs, and on the validation photographs, plus the SRCC
within each validation photograph (is it a per-photo offset, or the
ordering itself?).  PyTorch, from a train.py checkpoint.

    /usr/bin/python3 tools/train/generalisation.py --data /work/cache/rali-ds \\
        --fresh /work/cache/rali-ds2 [--ckpt CKPT] [--n 3000]

--fresh: a dataset made by make_dataset.py from the same photographs with
another --seed (new crops, new distortions)."""
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
    ap.add_argument("--n", type=int, default=3000, help="train and fresh crops to score")
    ap.add_argument("--tau", type=float, default=0.4)
    ap.add_argument("--threads", type=int, default=2)
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
    for name, root, split in sets:
        imgs, meta = T.load_split(root, split)
        idx = np.arange(len(meta)) if split == "val" else np.sort(rng.choice(len(meta), min(a.n, len(meta)), replace=False))
        p = T.head_predictions(net, imgs, idx, head)
        y = np.array([meta[i]["mos"] for i in idx])
        print(f"{name}: SRCC {spearmanr(p, y).correlation:.3f} on {len(idx)} crops")
    photo = np.array([meta[i]["photo"] for i in idx])
    within = [spearmanr(p[photo == u], y[photo == u]).correlation for u in sorted(set(photo)) if (photo == u).sum() > 20]
    q = p.copy()
    for u in set(photo):
        s = photo == u
        q[s] += y[s].mean() - p[s].mean()
    print(f"within each validation photograph: mean SRCC {np.mean(within):.3f} (min {np.min(within):.3f}, "
          f"max {np.max(within):.3f}, {len(within)} photos); with each photo's mean error removed: "
          f"SRCC {spearmanr(q, y).correlation:.3f}")


if __name__ == "__main__":
    main()
