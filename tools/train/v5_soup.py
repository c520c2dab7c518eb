#!/usr/bin/python3
"""One v5 head from several fitted with the same clustering and different
training seeds (v5_head.py --cluster-seed C --seed S --save): their
prototypes, scores, texts and text space are identical, so their
projections (W, b) are averaged into one head of the same form, served at
--tau with its score map refitted on the training photos (v5_temper.py).

    /usr/bin/python3 tools/train/v5_soup.py --feats /work/cache/v5.8-448 --tau 0.05 \
        -o /work/cache/v5.9s/head-soup.pkl HEAD-s0.pkl HEAD-s1.pkl HEAD-s2.pkl HEAD-s3.pkl

Why: for one clustering the training seed alone spreads the heads' held-out
SRCC by 0.024 (the batch order of 40 epochs of Adam); the averaged
projection ranks as well as the ensemble of the heads' scores (V5-NOTES,
v5.9, fourth try)."""
import argparse
import os
import pickle
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import v5_temper as VT  # noqa: E402

# what must be equal for the projections to live in one space
SHARED = ("protos", "scores", "rows", "xm", "xs", "tau", "K", "groups", "bands")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("heads", nargs="+")
    ap.add_argument("--feats", required=True, help="the v5_head.py --out folder the heads were fitted from")
    ap.add_argument("--tau", type=float, required=True)
    ap.add_argument("--no-synthetic", dest="synthetic", action="store_false")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    if len(args.heads) < 2:
        raise SystemExit("give two or more heads to average")
    if not 0 < args.tau <= 1:
        raise SystemExit(f"--tau {args.tau}: must be in (0, 1]")
    hs = [pickle.load(open(p, "rb")) for p in args.heads]
    b = hs[0]
    for p, h in zip(args.heads[1:], hs[1:]):
        for k in SHARED:
            if not np.array_equal(np.asarray(h[k]), np.asarray(b[k])):
                raise SystemExit(f"{p}: its {k} differs from {args.heads[0]}'s: not the same clustering")
        if not np.array_equal(h["ts"].pca.components_, b["ts"].pca.components_):
            raise SystemExit(f"{p}: its text space differs from {args.heads[0]}'s: not the same clustering")
        # a tied majority state could be written either way before v5_head.py
        # broke ties in sorted order: the first head's texts are the ones kept
        differ = [i for i, (x, y) in enumerate(zip(h["descr"], b["descr"])) if x != y]
        if differ:
            print(f"{p}: prototypes {differ} have other texts (a tied majority); {args.heads[0]}'s are kept")
    tr, va = VT.photos(b, args.feats, args.synthetic)
    for p, h in zip(args.heads, hs):
        VT.check_map(h, tr, p)
    b["head"] = {k: np.mean([h["head"][k] for h in hs], 0).astype(b["head"][k].dtype) for k in b["head"]}
    b["averaged_from"] = [os.path.basename(p) for p in args.heads]
    b["trained_tau"] = b["tau"]   # the map is refitted below even at the same τ: a new projection
    VT.serve(b, tr, va, args.tau, f"mean of {len(hs)} projections")
    with open(args.output, "wb") as fh:
        pickle.dump(b, fh)


if __name__ == "__main__":
    main()
