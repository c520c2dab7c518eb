#!/usr/bin/python3
"""How well a tower checkpoint's own MOS regressor orders synthetic series of
held-out photos: the first --n photos of RUN/val.txt (BIQ2021 training split,
never trained on), each distorted by every finetune.SERIES_TYPES type at
levels 0-5 (distort.py; seeded by photo and type), the whole photo at --size.
Prints, per type and over all, the share of consecutive levels whose copy
scores strictly lower than the one before, and the mean drop from level 0
to 5 in MOS.

    /usr/bin/python3 tools/train/series_check.py --ckpt RUN/ckpt.pt --val RUN/val.txt [--n 60]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import distort as DI  # noqa: E402
import finetune as FT  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--val", required=True, help="the run's val.txt (held-out photo names, in order)")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--size", type=int, default=448)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = FT.V5Net(FT.TM.DEFAULT_TFLITE).to(memory_format=torch.channels_last)
    model.load_state_dict(torch.load(args.ckpt)["model"])
    model.eval()
    paths, _ = FT.D.biq2021_train(args.biq)
    by_name = {os.path.basename(p): p for p in paths}
    with open(args.val, encoding="utf-8") as fh:
        names = fh.read().split("\n")[:args.n]
    levels = list(range(6))
    ordered = {t: [] for t in FT.SERIES_TYPES}
    drop = {t: [] for t in FT.SERIES_TYPES}
    with torch.no_grad():
        for i, name in enumerate(names):
            a = FT.load_image(by_name[name], args.size)
            for j, t in enumerate(FT.SERIES_TYPES):
                copies = [DI.distort(a, t, lv, np.random.default_rng(1000 * i + j))[0] for lv in levels]
                z = model(FT.to_tensor(np.stack(copies))) * model.mos_std + model.mos_mean
                z = z.numpy().astype(np.float64)
                ordered[t] += list(z[1:] < z[:-1])
                drop[t].append(float(z[0] - z[-1]))
    rows = {t: {"ordered": round(float(np.mean(ordered[t])), 4), "drop_0_to_5": round(float(np.mean(drop[t])), 4)}
            for t in FT.SERIES_TYPES}
    allo = float(np.mean([x for t in FT.SERIES_TYPES for x in ordered[t]]))
    print(json.dumps({"ckpt": args.ckpt, "photos": len(names), "levels": levels, "ordered": round(allo, 4),
                      "by_type": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
