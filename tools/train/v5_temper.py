#!/usr/bin/python3
"""Serves a fitted v5 head at another softmax temperature: the same
projection, prototypes, scores and texts, a new τ, and the monotone score
map refitted on the training photos' head scores at that τ (as v5_head.py
fits it at the τ it trained with).

    /usr/bin/python3 tools/train/v5_temper.py --head /work/cache/v5.8-448/head-s0.pkl \
        --feats /work/cache/v5.8-448 --tau 0.04 -o /work/cache/v5.9/head-t0.04.pkl

Why a head trained at one τ is served at another: the routing term trains
which description group carries the weight, and the score within a group
comes from its verdict bands, which rank best mixed sharply (V5-NOTES,
v5.9). The head pickle keeps the τ it was trained at as trained_tau.

--feats is the v5_head.py --out folder the head was fitted from (its
features and measurements); --no-synthetic when the head was fitted
without the synthetic leg (the score map is fitted on what the head was)."""
import argparse
import os
import pickle
import sys

import numpy as np
from scipy.stats import pearsonr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import export as EX  # noqa: E402
import ralifmt  # noqa: E402
import v5_head as VH  # noqa: E402

MAP_KEYS = ("low", "high", "centre", "width")


def photos(b, feats, synthetic):
    """The training photos (with the synthetic leg's copies when the head
    was fitted on them) and the validation photos, standardised as b was."""
    tr, va = VH.load(feats, "train"), VH.load(feats, "val")
    if synthetic:
        sy = VH.load(feats, "synthetic")
        tr = {k: np.concatenate([tr[k], sy[k]]) for k in ("x", "mos")}
    for d in (tr, va):
        d["xm"], d["xs"] = b["xm"], b["xs"]
    return tr, va


def check_map(b, tr, what):
    """The map b's projection gives at b's τ must be the stored one: the same
    photos, the same fit (else --feats or --no-synthetic is not what the head
    was fitted on)."""
    again = EX.fit_score_map(VH.evaluate_scores(b, tr).astype(np.float64), tr["mos"])
    if b.get("score_map") and not np.allclose([again[k] for k in MAP_KEYS], [b["score_map"][k] for k in MAP_KEYS],
                                              rtol=1e-4):
        raise SystemExit(f"{what}: the score map refitted at τ {b['tau']} ({again}) is not the stored one "
                         f"({b['score_map']}): --feats or --no-synthetic is not what the head was fitted on")


def serve(b, tr, va, tau, what):
    """b served at tau: its score map refitted on the training photos' head
    scores; prints the validation numbers and returns b."""
    b.setdefault("trained_tau", b["tau"])
    b["tau"] = tau
    b["train_scores"] = VH.evaluate_scores(b, tr)
    b["score_map"] = EX.fit_score_map(b["train_scores"].astype(np.float64), tr["mos"])
    ev = VH.evaluate(VH.Head(b["head"]["W"], b["head"]["b"], b["ts"], b["protos"], b["scores"], b["tau"]),
                     va, b["rows"], b["xm"], b["xs"])
    vm = ralifmt.apply_score_map(b["score_map"], ev["score"])
    print(f"{what}: trained at τ {b['trained_tau']}, served at {tau}: val SRCC {ev['srcc']:.4f}, "
          f"PLCC {pearsonr(vm, va['mos'])[0]:.4f} after the map {b['score_map']}, median top-3 weight "
          f"{ev['top3_median']:.3f}")
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--head", required=True)
    ap.add_argument("--feats", required=True, help="the v5_head.py --out folder the head was fitted from")
    ap.add_argument("--tau", type=float, required=True)
    ap.add_argument("--no-synthetic", dest="synthetic", action="store_false")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    if not 0 < args.tau <= 1:
        raise SystemExit(f"--tau {args.tau}: must be in (0, 1]")
    b = pickle.load(open(args.head, "rb"))
    tr, va = photos(b, args.feats, args.synthetic)
    check_map(b, tr, args.head)
    serve(b, tr, va, args.tau, args.head)
    with open(args.output, "wb") as fh:
        pickle.dump(b, fh)


if __name__ == "__main__":
    main()
