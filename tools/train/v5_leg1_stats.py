#!/usr/bin/python3
"""Leg 1's feature standardisation, rebuilt, into a copy of a checkpoint.

v5_head.py standardises the pooled features with the checkpoint's
feat_mean/feat_std before fitting the head's projection, and v5_export.py
folds the same two into the exported projection.  Legs 1-3 carried the
statistics leg 1 made at its fresh start (finetune.py: 128 training crops of
384 px from the 512-px photos, the ImageNet tower, seed 20261206 + 7) as
fixed buffers, and every shipped head (v5.1-v5.5) was fitted with them.  A
checkpoint made by v5_import.py has the fine-tuned tower's own statistics
instead (about 1.8x smaller standard deviations), and heads fitted with those
rank the validation photos ~0.017 SRCC worse (V5-NOTES.md, 2026-12-07).  This
recomputes leg 1's statistics exactly as finetune.py did and writes CKPT with
them in place of SRC's; the tower and everything else are SRC's.

    v5_leg1_stats.py SRC.pt CKPT.pt [--biq DIR]
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finetune as FT  # noqa: E402


def leg1_statistics(biq, seed=20261206):
    """(feat_mean, feat_std) of finetune.py's fresh start with its default arguments."""
    with tempfile.TemporaryDirectory() as run:   # split() writes the validation list there
        args = argparse.Namespace(biq=biq, seed=seed, n_val=1000, run=run, batch=16, crop=384, size=512)
        tr_p, tr_y, _, _ = FT.split(args)
    tr_z = ((tr_y - tr_y.mean()) / tr_y.std()).astype(np.float32)
    model = FT.V5Net(FT.TM.DEFAULT_TFLITE).to(memory_format=torch.channels_last)
    return FT.feature_statistics(model, tr_p, tr_z, args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src")
    ap.add_argument("ckpt")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    args = ap.parse_args()
    torch.set_num_threads(2)
    st = torch.load(args.src)
    old = st["model"]["feat_std"].clone()
    st["model"]["feat_mean"], st["model"]["feat_std"] = leg1_statistics(args.biq)
    ratio = (st["model"]["feat_std"] / old).numpy()
    print(f"feat_std leg 1 / {os.path.basename(args.src)}'s: median {np.median(ratio):.3f}, "
          f"5-95 % {np.percentile(ratio, 5):.3f}-{np.percentile(ratio, 95):.3f}")
    torch.save(st, args.ckpt)


if __name__ == "__main__":
    main()
