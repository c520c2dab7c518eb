#!/usr/bin/python3
"""v5 head, step 1: the fine-tuned tower's pooled features of every photo the
head is fitted on, cached outside the repository (resumable, by chunks).

    /usr/bin/python3 tools/train/v5_features.py --ckpt /work/cache/v5-run/ckpt-step1165.pt \
        --out /work/cache/v5-head --split train --split val

A photo's row is the tower's pooled c96 | c320 | final vector (1,696 values,
before finetune.V5Net's feat_mean/feat_std standardisation) of the whole
512x512 photo in fp32, exactly what the engine's tower computes; the
leg's own MOS prediction (reg) is kept beside it as the reference the head
must match.  Splits: train / val as finetune.split() makes them (the held-out
1,000 are never fitted on by the head either, only used to choose τ, K and the
score map); "synthetic" = the distorted photos listed in OUT/synthetic.jsonl
(v5_synthetic.py).  The official test split is not read here."""
import argparse
import json
import os
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finetune as FT  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402


def split_paths(split, args):
    if split == "synthetic":
        rows = [json.loads(l) for l in open(os.path.join(args.out, "synthetic.jsonl"), encoding="utf-8")]
        return [r["path"] for r in rows], np.array([r["mos"] for r in rows])
    ns = argparse.Namespace(biq=args.biq, seed=args.seed, n_val=1000, run=args.run)
    tr_p, tr_y, va_p, va_y = FT.split(ns)
    return (tr_p, tr_y) if split == "train" else (va_p, va_y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckpt", default="/work/cache/v5-run/ckpt-step1165.pt")
    ap.add_argument("--run", default="/work/cache/v5-run", help="finetune run dir (its val.txt is checked)")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--out", default="/work/cache/v5-head")
    ap.add_argument("--split", action="append", choices=("train", "val", "synthetic"), required=True)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=FT.SIZE,
                    help="the photo resized to SIZE x SIZE (PIL bicubic) for the tower (v5_input_size.py)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    model = FT.V5Net(TM.DEFAULT_TFLITE).to(memory_format=torch.channels_last)
    st = torch.load(args.ckpt)
    model.load_state_dict(st["model"])
    model.eval()
    for split in args.split:
        paths, mos = split_paths(split, args)
        parts = os.path.join(args.out, f"parts-{split}")
        os.makedirs(parts, exist_ok=True)
        t0 = time.time()
        for c0 in range(0, len(paths), args.chunk):
            part = os.path.join(parts, f"{c0:06d}.npz")
            if os.path.exists(part):
                continue
            feats, pred = [], []
            with torch.no_grad():
                for k in range(c0, min(c0 + args.chunk, len(paths)), 8):
                    batch = paths[k:min(k + 8, c0 + args.chunk)]
                    x = FT.to_tensor(np.stack([FT.load_image(p, args.size) for p in batch]))
                    f = model.pooled(x)
                    feats.append(f.numpy())
                    z = model.reg(model.proj((f - model.feat_mean) / model.feat_std)).squeeze(1)
                    pred.append((z * model.mos_std + model.mos_mean).numpy())
            np.savez(part + ".tmp.npz", feats=np.concatenate(feats), pred=np.concatenate(pred))
            os.replace(part + ".tmp.npz", part)
            print(f"{split}: {min(c0 + args.chunk, len(paths))}/{len(paths)} in {time.time() - t0:.0f} s", flush=True)
        chunks = [np.load(os.path.join(parts, f"{c0:06d}.npz")) for c0 in range(0, len(paths), args.chunk)]
        np.savez(os.path.join(args.out, f"feats-{split}.npz"), feats=np.concatenate([c["feats"] for c in chunks]),
                 pred=np.concatenate([c["pred"] for c in chunks]), mos=mos,
                 names=np.array([os.path.basename(p) for p in paths]), step=st["step"], size=args.size)
        print(f"{split}: done, {len(paths)} photos", flush=True)


if __name__ == "__main__":
    main()
