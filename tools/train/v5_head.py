#!/usr/bin/python3
"""v5 head: the text space of the rule-based descriptions of BIQ2021's
training photos, its prototypes, and the tower's projection aligned to it.

    /usr/bin/python3 tools/train/v5_head.py --out /work/cache/v5-head            # grid of K and τ, on val
    /usr/bin/python3 tools/train/v5_head.py --out /work/cache/v5-head --K 64 --tau 0.05 --save

As RALI does, with our descriptions in place of the reasoning model's:
  text t  -> TF-IDF vector T (unigrams and bigrams)  -> ((T - μ)/σ) Pᵀ, L2-normalised: z_text
  K-means on the training photos' z_text: prototypes c_i; score_i = the
  members' mean human MOS (1..5), descriptor_i = the sentence of each aspect
  state most of its members have, then the verdict of score_i
  (--descriptor-text majority; v5.0/v5.1 shipped "nearest": the member text
  nearest c_i, which can state what few members have: v5.2's "overexposed ...
  blurred ... bad" prototype gathered blurred and dark photos and named
  overexposure on 49 of 369 labelled test photos that were not).
The image side: the fine-tuned tower's pooled features x (v5_features.py),
standardised as the tower was trained, and a linear projection
  f = W x + b   (f lives in the TF-IDF space: the engine's embedding)
trained on the 9,000 training photos with
  (1 - cos(ẑ(f), z_text))                      alignment to the photo's own text
  + λ (score(f) - MOS)² / var(MOS)             the head's score: Σ softmax(ẑ·ĉ/τ) score_i
  + ρ (1 - PLCC(score, MOS) in the batch)
  [+ W · cross-entropy of the summed weight of the photo's own description
     group, --route-group W with --bands: v5.5]
W starts from the ridge regression of T on x.  K and τ are chosen on the
1,000 held-out validation photos: the best SRCC among the settings whose
median top-3 listed weight (distinct prototypes, as the engine lists them)
is at least 50 %.  The monotone score map (logistic) is fitted on the
training photos' head scores."""
import argparse
import json
import os
import pickle
import sys

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy.stats import pearsonr, spearmanr  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import text as TX  # noqa: E402
import v5_describe as VD  # noqa: E402

ASPECTS = ("exposure", "colour", "focus", "noise")
STATES = [(a, s) for a in ASPECTS for s in VD.SENT[a]]
MAX_COSINE = 0.6          # engine/rali.h RALI_DISTINCT_MAX_COSINE
TOP = 3


def partial_feats(out, split):
    """The chunks v5_features.py has written so far, in split order (a
    prefix of the split): for fitting while the extraction still runs."""
    import v5_features as VF
    paths, mos = VF.split_paths(split, argparse.Namespace(biq="/work/cache/biq2021", seed=20261206,
                                                          run="/work/cache/v5-run", out=out))
    parts = os.path.join(out, f"parts-{split}")
    got = []
    while os.path.exists(os.path.join(parts, f"{len(got) * 250:06d}.npz")):
        got.append(np.load(os.path.join(parts, f"{len(got) * 250:06d}.npz")))
    x = np.concatenate([g["feats"] for g in got])
    n = len(x)
    print(f"{split}: {n} of {len(paths)} photos extracted so far; fitting on those")
    return dict(feats=x, pred=np.concatenate([g["pred"] for g in got]), mos=mos[:n],
                names=np.array([os.path.basename(p) for p in paths[:n]]))


def strip_verdict(t):
    return t[:t.rindex(" Overall quality is ")] if " Overall quality is " in t else t


def measured_texts(measure_file, names, mos01):
    """Each photo's rule-based description and judgement (v5_describe) from
    its measurements in measure_file (measure-*.jsonl) and its MOS (0..1)."""
    rows = {}
    for line in open(measure_file, encoding="utf-8"):
        r = json.loads(line)
        rows[r["name"]] = r
    missing = [n for n in names if n not in rows]
    if missing:
        raise SystemExit(f"{measure_file}: {len(missing)} photos not measured yet (e.g. {missing[0]})")
    out = [VD.describe(rows[n]["m"], m) for n, m in zip(names, mos01)]
    return [t for t, _ in out], [j for _, j in out]


def load(out, split):
    f = os.path.join(out, f"feats-{split}.npz")
    d = np.load(f) if os.path.exists(f) else partial_feats(out, split)
    names = [str(n) for n in d["names"]]
    mos01 = d["mos"].astype(np.float64)
    texts, judg = measured_texts(os.path.join(out, f"measure-{split}.jsonl"), names, mos01)
    return dict(x=d["feats"].astype(np.float32), pred=d["pred"], mos=1 + 4 * mos01, mos01=mos01,
                texts=texts, judg=judg, names=names)


def composition(judg, labels, K):
    """[K, states] share of each judgement state among a prototype's members
    (the engine lists prototypes whose rows differ: cosine < 0.6)."""
    H = np.zeros((K, len(STATES)))
    for j, k in zip(judg, labels):
        for a in ASPECTS:
            H[k, STATES.index((a, j[a]))] += 1
    return H / np.maximum(H.sum(1, keepdims=True), 1e-12)


def listed(sims, rows):
    """The engine's listing (rali_head_score_distinct): prototypes by
    similarity, keeping each whose row has cosine < 0.6 to every one kept."""
    R = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    C = R @ R.T
    out = []
    for s in sims:
        kept = []
        for i in np.argsort(-s, kind="stable"):
            if all(C[i, k] < MAX_COSINE for k in kept):
                kept.append(int(i))
                if len(kept) == TOP:
                    break
        out.append(kept)
    return out


class Head(torch.nn.Module):
    def __init__(self, W, b, ts, protos, scores, tau, learn_scores=False):
        super().__init__()
        self.W = torch.nn.Parameter(torch.tensor(W, dtype=torch.float32))
        self.b = torch.nn.Parameter(torch.tensor(b, dtype=torch.float32))
        self.register_buffer("mu", torch.tensor(ts.mu, dtype=torch.float32))
        self.register_buffer("sigma", torch.tensor(ts.sigma, dtype=torch.float32))
        self.register_buffer("P", torch.tensor(ts.pca.components_, dtype=torch.float32))
        self.register_buffer("C", F.normalize(torch.tensor(protos, dtype=torch.float32), dim=1))
        if learn_scores:
            self.s = torch.nn.Parameter(torch.tensor(scores, dtype=torch.float32))
        else:
            self.register_buffer("s", torch.tensor(scores, dtype=torch.float32))
        self.tau = tau

    def forward(self, x):
        f = x @ self.W.T + self.b
        z = F.normalize(((f - self.mu) / self.sigma) @ self.P.T, dim=1)
        sims = z @ self.C.T
        w = torch.softmax(sims / self.tau, dim=1)
        return f, z, sims, w, w @ self.s


def fit(tr, ts, protos, scores, tau, args, log=print, share=None, labels=None, group_of=None):
    xm, xs = tr["xm"], tr["xs"]
    X = (tr["x"] - xm) / xs
    T = ts.raw(tr["texts"]).astype(np.float64)
    # ridge init: T ≈ X Wᵀ + b
    A = np.concatenate([X, np.ones((len(X), 1), np.float32)], 1).astype(np.float64)
    G = A.T @ A + args.ridge * np.eye(A.shape[1])
    Wb = np.linalg.solve(G, A.T @ T).T
    learn = getattr(args, "learn_scores", None) is not None
    head = Head(Wb[:, :-1], Wb[:, -1], ts, protos, scores, tau, learn_scores=learn)
    # --learn-scores MU: each prototype's score is trained with the projection,
    # pulled towards its members' mean MOS by MU x (members' share) so that the
    # verdict a prototype states stays what its members were rated
    s0 = torch.tensor(scores, dtype=torch.float32)
    share = torch.tensor(np.full(len(scores), 1.0 / len(scores)) if share is None else share, dtype=torch.float32)
    Xt = torch.tensor(X)
    zt = torch.tensor(ts.project(T.astype(np.float32)), dtype=torch.float32)
    # the score terms' target: the human MOS, or with --distill A a mix with
    # the tower's own regressor's prediction (a smoother target than MOS)
    y = torch.tensor(tr.get("target", tr["mos"]), dtype=torch.float32)
    sw = torch.tensor(tr.get("weight", np.ones(len(y))), dtype=torch.float32)   # per-photo loss weight
    # the alignment's own weight per photo: --align-weight for all, times
    # --defect-weight for photos whose measurements find a defect (a minority
    # the score terms alone let the head describe as clean)
    has_defect = np.array([VD.names_defect(j) for j in tr["judg"]])
    aw = torch.tensor(args.align_weight * np.where(has_defect, args.defect_weight, 1.0), dtype=torch.float32)
    # --route W: cross-entropy of the softmax over prototypes towards the
    # prototype a photo's own text belongs to (labels; -1 for photos outside
    # the clusters).  The cosine alignment alone lets the projection drift to
    # the prototype nearest the mean of bad photos (the largest low band), so
    # a dark, badly rated photo was shown a blur sentence: this trains the
    # ranking the user is shown, not only the direction
    route = getattr(args, "route", 0.0)
    lab = torch.tensor(np.full(len(X), -1) if labels is None else labels, dtype=torch.long)
    # --route-group W: the same, but towards the photo's description group as
    # a whole (the summed softmax weight of its bands): which group is listed
    # first is trained, while how the weight is shared among the group's
    # bands is left to the score terms (routing to one band pulls every score
    # towards the three band means)
    route_group = getattr(args, "route_group", 0.0)
    if route_group:
        if group_of is None:
            raise SystemExit("--route-group needs --bands")
        member = F.one_hot(torch.tensor(group_of, dtype=torch.long)).float()        # [K, G]
        glab = torch.tensor([group_of[k] if k >= 0 else -1 for k in lab.tolist()], dtype=torch.long)
    var = y.var()
    opt = torch.optim.Adam(head.parameters(), lr=args.lr, weight_decay=0)
    g = torch.Generator().manual_seed(args.seed)
    n = len(Xt)
    # --series-rank W: each synthetic series (a real photo, then its copies by
    # rising level of one distortion) scored in order, a hinge of margin 0.1
    # on each consecutive pair: the order the sample checks need, without
    # absolute pseudo-MOS targets for the copies
    series_rank = getattr(args, "series_rank", 0.0)
    pairs = torch.tensor(tr.get("series_pairs", np.zeros((0, 2), int)), dtype=torch.long)
    in_series = torch.unique(pairs)   # the photos of the series
    for ep in range(args.epochs):
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for k in range(0, n, args.batch):
            idx = perm[k:k + args.batch]
            _, z, sims, _, s = head(Xt[idx])
            wi = sw[idx] / sw[idx].mean()
            align = ((1 - (z * zt[idx]).sum(1)) * wi * aw[idx]).mean()
            mse = (((s - y[idx]) ** 2) * wi).mean() / var
            sc, yc = s - s.mean(), y[idx] - y[idx].mean()
            rank = 1 - (sc * yc).sum() / (sc.norm() * yc.norm() + 1e-8)
            loss = align + args.lam * mse + args.rho * rank
            if series_rank and len(pairs):
                su = torch.zeros(n)
                su[in_series] = head(Xt[in_series])[4]
                loss = loss + series_rank * F.relu(0.1 - (su[pairs[:, 0]] - su[pairs[:, 1]])).mean()
            keep = lab[idx] >= 0
            if route and keep.any():
                loss = loss + route * F.cross_entropy(sims[keep] / tau, lab[idx][keep])
            if route_group and keep.any():
                pg = torch.softmax(sims[keep] / tau, dim=1) @ member
                loss = loss + route_group * F.nll_loss(torch.log(pg + 1e-9), glab[idx][keep])
            if learn:
                loss = loss + args.learn_scores * (share * (head.s - s0) ** 2).sum() / var
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        if ep % 10 == 9 or ep == args.epochs - 1:
            log(f"    epoch {ep + 1}: loss {tot / n:.4f}")
    return head


def evaluate(head, d, rows, xm, xs):
    with torch.no_grad():
        f, z, sims, w, s = head(torch.tensor((d["x"] - xm) / xs))
    s, w, sims = s.numpy().astype(np.float64), w.numpy(), sims.numpy()
    lst = listed(sims, rows)
    top3 = np.array([w[i, k].sum() for i, k in enumerate(lst)])
    top1 = np.array([w[i].max() for i in range(len(w))])
    return dict(srcc=float(spearmanr(s, d["mos"])[0]), plcc=float(pearsonr(s, d["mos"])[0]),
                top3_median=float(np.median(top3)), top1_median=float(np.median(top1)),
                score=s, listed=lst, weights=w, f=f.numpy(), z=z.numpy())


def aspect_agreement(ev, d, labels_judg):
    """Per aspect: how often the top listed prototype's majority state is the
    photo's own measured state (the alignment, read as a person would)."""
    out = {}
    for a in ASPECTS:
        ok = [labels_judg[l[0]][a] == j[a] for l, j in zip(ev["listed"], d["judg"])]
        out[a] = float(np.mean(ok))
    return out


def defect_agreement(ev, d, maj):
    """On photos whose measurements find a defect: how often the first listed
    prototype's majority judgement names that defect; on the others, how
    often it names one anyway (validation photos, measured, no labels)."""
    hit = n = fa = m = 0
    for l, j in zip(ev["listed"], d["judg"]):
        have = {VD.DEFECT_OF[(a, j[a])] for a in ASPECTS if (a, j[a]) in VD.DEFECT_OF} - {"compression"}
        said = {VD.DEFECT_OF[(a, maj[l[0]][a])] for a in ASPECTS if (a, maj[l[0]][a]) in VD.DEFECT_OF} - {"compression"}
        if have:
            n += 1
            hit += bool(have & said)
        else:
            m += 1
            fa += bool(said)
    return dict(named=round(hit / max(n, 1), 3), false=round(fa / max(m, 1), 3), n_defect=n)


def majority_judg(judg, labels, K):
    out = []
    for k in range(K):
        mem = [j for j, l in zip(judg, labels) if l == k]
        # ties go to the first state in sorted order: a set's order follows
        # the process's string hashing, so two runs of one seed could write
        # different texts for a tied group (v5.8's group 15 is one)
        out.append({a: max(sorted(set(m[a] for m in mem)), key=[m[a] for m in mem].count) if mem else ""
                    for a in ASPECTS})
    return out


def cluster_seed(args):
    """The seed of the text space and its K-means (--cluster-seed), apart from
    the projection's initial order and batches (--seed): which of the two
    makes the heads of one setting differ (V5-NOTES, v5.9)."""
    cs = getattr(args, "cluster_seed", None)
    return args.seed if cs is None else cs


def build(tr, K, tau, args, log=print):
    # --cluster-real-only: the text space and its prototypes from the real
    # training photos alone; the synthetic leg's series still train the
    # projection (v5.2's prototype 29 was built mostly from over-exposed series
    # and caught real blurred and dark photos)
    everything = np.ones(len(tr["texts"]), bool)
    real = np.asarray(tr.get("real", everything)) if getattr(args, "cluster_real_only", False) else everything
    rtexts = [t for t, r in zip(tr["texts"], real) if r]
    ts = TX.TextSpace(max_features=args.max_features, k=args.pca_dim, seed=cluster_seed(args)).fit(rtexts)
    z = ts.project(ts.raw(rtexts))
    rmos = tr["mos"][real]
    rjudg = [j for j, r in zip(tr["judg"], real) if r]
    if getattr(args, "bands", 0):
        protos, scores, labels, rows, maj, assign, group_of = banded_prototypes(z, rtexts, rmos, rjudg, K,
                                                                                 args.bands, args)
        K, descr = len(protos), [""] * len(protos)   # texts below, from the majority states
    else:
        group_of = None
        protos, _, descr, labels = TX.prototypes(z, tr["mos01"][real], rtexts, K, seed=cluster_seed(args))
        scores = np.array([rmos[labels == i].mean() if np.any(labels == i) else rmos.mean()
                           for i in range(K)], np.float32)
    full = np.full(len(real), -1)
    full[np.flatnonzero(real)] = labels
    if getattr(args, "route_synthetic", False) and getattr(args, "bands", 0) and not real.all():
        # the distorted copies are routed too: a darkened photo to the dark
        # group's band of its (lowered) rating, not to whichever band scores it
        other = np.flatnonzero(~real)
        full[other] = assign([tr["texts"][i] for i in other], tr["mos"][other])
    head = fit(tr, ts, protos, scores, tau, args, log, share=np.bincount(labels[labels >= 0], minlength=K) / len(labels),
               labels=full, group_of=group_of)
    if head.s.requires_grad:
        scores = np.clip(head.s.detach().numpy(), 1.0, 5.0).astype(np.float32)
        with torch.no_grad():
            head.s.copy_(torch.tensor(scores))
    if not getattr(args, "bands", 0):
        rows = composition(rjudg, labels, K)
        maj = majority_judg(rjudg, labels, K)
    if getattr(args, "descriptor_text", "majority") == "majority" or getattr(args, "bands", 0):
        descr = [majority_text(m, (sc - 1) / 4) if m[ASPECTS[0]] else t for m, sc, t in zip(maj, scores, descr)]
    return dict(ts=ts, protos=protos, scores=scores, descr=descr, labels=labels, head=head, rows=rows, maj=maj)


def banded_prototypes(z, texts, mos, judg, G, B, args):
    """--bands B: prototypes per (description group x quality band).  K-means
    on the verdict-free texts makes G groups that differ in what is wrong
    with a photo; each group's members are split into B bands by their MOS
    (quantiles within the group).  A prototype is one band of one group: its
    centre the members' mean text vector (verdict included), its score their
    mean MOS, its majority states (build() writes the text from them and the
    score's verdict) and composition row the group's (so the engine lists one band per group and
    counts the others as its near-copies).  The description then comes from
    the defect and the number from a finer quality axis than G clusters."""
    from sklearn.cluster import KMeans
    plain = [strip_verdict(t) for t in texts]
    tsd = TX.TextSpace(max_features=args.max_features, k=args.pca_dim, seed=cluster_seed(args)).fit(plain)
    km = KMeans(G, n_init=4, random_state=cluster_seed(args)).fit(tsd.project(tsd.raw(plain)))
    groups = km.labels_
    index, edges_of = {}, {}
    gmaj = majority_judg(judg, groups, G)
    grows = composition(judg, groups, G)
    protos, scores, rows, maj, group_of = [], [], [], [], []
    labels = np.full(len(texts), -1)
    for g in range(G):
        idx = np.flatnonzero(groups == g)
        if len(idx) == 0:
            continue
        edges = np.quantile(mos[idx], np.linspace(0, 1, B + 1)[1:-1])
        edges_of[g] = edges
        band = np.searchsorted(edges, mos[idx], side="right")
        for b in range(B):
            mem = idx[band == b]
            if len(mem) == 0:
                continue
            c = z[mem].mean(0)
            labels[mem] = index[(g, b)] = len(protos)
            protos.append(c / max(np.linalg.norm(c), 1e-12))
            scores.append(mos[mem].mean())
            rows.append(grows[g])
            maj.append(gmaj[g])
            group_of.append(g)
    def assign(other_texts, other_mos):
        """The prototype each other photo's text falls in: its group by the
        nearest K-means centre of its verdict-free text, its band by its MOS
        against that group's quantile edges (-1 where that band is empty)."""
        plain = [strip_verdict(t) for t in other_texts]
        g = km.predict(tsd.project(tsd.raw(plain)))
        return np.array([index.get((gi, int(np.searchsorted(edges_of[gi], m, side="right"))), -1)
                         for gi, m in zip(g, other_mos)])

    return (np.array(protos, np.float32), np.array(scores, np.float32), labels, np.array(rows), maj, assign,
            np.array(group_of))


def majority_text(maj, mos01):
    """A prototype's description: its members' majority state per aspect, then
    the verdict of its score (0..1)."""
    return VD.text_of(maj, mos01)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/work/cache/v5-head")
    ap.add_argument("--ckpt", default="/work/cache/v5-run/ckpt-step1165.pt")
    ap.add_argument("--K", type=int, action="append")
    ap.add_argument("--tau", type=float, action="append")
    ap.add_argument("--pca-dim", type=int, default=24)
    ap.add_argument("--max-features", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--rho", type=float, default=1.0)
    ap.add_argument("--ridge", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cluster-seed", type=int, help="the text space's and K-means' seed (default: --seed)")
    ap.add_argument("--synthetic", action="store_true", help="train on the synthetic leg's photos too (v5_synthetic.py)")
    ap.add_argument("--no-text-verdict", dest="text_verdict", action="store_false",
                    help="leave the verdict sentence out of the texts (the text space then clusters by defect)")
    ap.add_argument("--synthetic-weight", type=float, default=1.0,
                    help="loss weight of a synthetic photo relative to a real one")
    ap.add_argument("--synthetic-type-weight", action="append", metavar="TYPE=W",
                    help="that weight for one distortion type's series instead (e.g. darken=1)")
    ap.add_argument("--descriptor-text", choices=("majority", "nearest"), default="majority",
                    help="a prototype's text: its members' majority states (v5.2), or the member text nearest "
                         "its centre (v5.0, v5.1)")
    ap.add_argument("--cluster-real-only", action="store_true",
                    help="build the text space and prototypes from the real training photos only")
    ap.add_argument("--learn-scores", type=float, metavar="MU",
                    help="train the prototypes' scores too, pulled to their members' mean MOS by MU")
    ap.add_argument("--bands", type=int, default=0, metavar="B",
                    help="prototypes per (verdict-free description group x MOS band): K groups, B bands each")
    ap.add_argument("--route", type=float, default=0.0, metavar="W",
                    help="weight of a cross-entropy term routing each real photo to its own text's prototype")
    ap.add_argument("--route-group", type=float, default=0.0, metavar="W",
                    help="cross-entropy towards the photo's own description group (its bands' summed weight)")
    ap.add_argument("--route-synthetic", action="store_true",
                    help="--route the synthetic series too, each to the prototype its own text and rating fall in")
    ap.add_argument("--distill", type=float, default=0.0, metavar="A",
                    help="score terms towards (1 - A) MOS + A x the tower regressor's prediction")
    ap.add_argument("--distill-synthetic", action="store_true",
                    help="--distill the synthetic leg's copies too (v5.6b; breaks the level ordering)")
    ap.add_argument("--synthetic-shift", action="store_true",
                    help="with --distill: a synthetic copy's target is the regressor's prediction for its source "
                         "minus the level's pseudo-MOS drop")
    ap.add_argument("--synthetic-drop", type=float, default=1.0, metavar="F",
                    help="a synthetic copy's target: its source's MOS lowered by F x the level's pseudo-MOS drop")
    ap.add_argument("--series-rank", type=float, default=0.0, metavar="W",
                    help="hinge loss keeping each synthetic series (source, then rising levels) in order")
    ap.add_argument("--save", action="store_true", help="keep the (single) setting in OUT/head.pkl")
    ap.add_argument("--align-weight", type=float, default=1.0, help="the alignment term's weight")
    ap.add_argument("--defect-weight", type=float, default=1.0,
                    help="times that for photos whose measurements find a defect")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    st = torch.load(args.ckpt)["model"]
    tr, va = load(args.out, "train"), load(args.out, "val")
    if args.synthetic:
        sy = load(args.out, "synthetic")
        tr["weight"] = np.ones(len(tr["mos"]))
        sy["weight"] = np.full(len(sy["mos"]), args.synthetic_weight)
        # --synthetic-type-weight TYPE=W: one distortion type's series at its own
        # weight (a file is SOURCE-TYPE-LEVEL.png, v5_synthetic.py)
        for spec in args.synthetic_type_weight or []:
            kind, w = spec.split("=")
            of_kind = np.array([n.rsplit("-", 2)[1] == kind for n in sy["names"]])
            if not of_kind.any():
                raise SystemExit(f"--synthetic-type-weight: no synthetic series of type {kind!r}")
            sy["weight"][of_kind] = float(w)
        tr["real"], sy["real"] = np.ones(len(tr["mos"]), bool), np.zeros(len(sy["mos"]), bool)
        print(f"synthetic leg: {len(sy['names'])} distorted training photos")
        tr = {k: (np.concatenate([tr[k], sy[k]]) if isinstance(tr[k], np.ndarray) else tr[k] + sy[k]) for k in tr}
    for d in (tr, va):
        d["xm"], d["xs"] = st["feat_mean"].numpy(), st["feat_std"].numpy()
    # the synthetic leg's series, in the order its copies follow the real photos in tr
    rows = ([json.loads(l) for l in open(os.path.join(args.out, "synthetic.jsonl"), encoding="utf-8")]
            if args.synthetic else [])
    n_real = len(tr["mos"]) - len(rows)
    if args.series_rank and args.synthetic:
        at = {nm: i for i, nm in enumerate(tr["names"][:n_real])}
        series = {}
        for i, r in enumerate(rows):
            if r["source"] in at:
                series.setdefault((r["source"], r["type"]), []).append((r["level"], n_real + i))
        pairs = []
        for (src, _), copies in series.items():
            chain = [at[src]] + [i for _, i in sorted(copies)]
            pairs += list(zip(chain[:-1], chain[1:]))
        tr["series_pairs"] = np.array(pairs)
        print(f"series ranking: {len(series)} series, {len(pairs)} ordered pairs")
    if args.synthetic_drop != 1.0 and args.synthetic:
        # a distorted copy's target: its source's MOS lowered by F x the
        # level's pseudo-MOS drop (1: the pseudo-MOS itself, as v5.5)
        tr["mos"] = tr["mos"].copy()
        for i, r in enumerate(rows):
            tr["mos"][n_real + i] = 1 + 4 * (r["source_mos"] - args.synthetic_drop * (r["source_mos"] - r["mos"]))
    if args.distill:
        # pred: finetune.V5Net's regressor on the same photo, in BIQ2021's 0-1 MOS scale.
        # The synthetic leg's copies keep their own targets unless
        # --distill-synthetic: the regressor never learned the distortion
        # levels' order, and a head distilled on them too broke the sample
        # ordering checks (V5-NOTES, v5.6b)
        mix = (1 - args.distill) * tr["mos"] + args.distill * (1 + 4 * tr["pred"].astype(np.float64))
        real = np.asarray(tr.get("real", np.ones(len(mix), bool)))
        tr["target"] = mix if args.distill_synthetic else np.where(real, mix, tr["mos"])
        if args.synthetic_shift and args.synthetic:
            # a distorted copy: the regressor's prediction for its pristine
            # source, lowered by the level's drop in pseudo-MOS (source MOS -
            # copy MOS), so the series keeps its order on the regressor's scale
            pred_of = {n: p for n, p, r in zip(tr["names"], tr["pred"], real) if r}
            for i, r in enumerate(rows):
                if r["source"] in pred_of:
                    tr["target"][n_real + i] = 1 + 4 * (pred_of[r["source"]] + r["mos"] - r["source_mos"])
    if not args.text_verdict:
        for d in (tr, va):
            d["texts"] = [strip_verdict(t) for t in d["texts"]]
    print(f"tower alone (reg): val SRCC {spearmanr(va['pred'], va['mos'])[0]:.4f} "
          f"PLCC {pearsonr(va['pred'], va['mos'])[0]:.4f}")
    print(f"{len(set(tr['texts']))} distinct training texts")
    results = []
    for K in args.K or [32, 64, 128]:
        for tau in args.tau or [0.03, 0.05, 0.07, 0.1]:
            print(f"K={K} tau={tau}", flush=True)
            b = build(tr, K, tau, args)
            ev = evaluate(b["head"], va, b["rows"], tr["xm"], tr["xs"])
            agree = aspect_agreement(ev, va, b["maj"])
            row = dict(K=K, tau=tau, val_srcc=round(ev["srcc"], 4), val_plcc=round(ev["plcc"], 4),
                       top3_median=round(ev["top3_median"], 3), top1_median=round(ev["top1_median"], 3),
                       agree={a: round(v, 3) for a, v in agree.items()},
                       defects=defect_agreement(ev, va, b["maj"]), text_verdict=args.text_verdict)
            print("  " + json.dumps(row), flush=True)
            results.append(row)
            with open(os.path.join(args.out, "grid.jsonl"), "a") as fh:
                fh.write(json.dumps(dict(row, args={k: v for k, v in vars(args).items() if k not in ("K", "tau")})) + "\n")
            if args.save:
                b["head"] = {k: v.detach().numpy() for k, v in b["head"].state_dict().items()}
                b.update(K=len(b["protos"]), groups=K, bands=args.bands, tau=tau, val=row, xm=tr["xm"], xs=tr["xs"], train_mos=tr["mos"],
                         defect_weight=args.defect_weight, align_weight=args.align_weight)
                b["train_scores"] = evaluate_scores(b, tr)
                import export as EX
                b["score_map"] = EX.fit_score_map(b["train_scores"].astype(np.float64), tr["mos"])
                vs = evaluate_scores(b, va)
                import ralifmt
                vm = ralifmt.apply_score_map(b["score_map"], vs.astype(np.float64))
                print(f"score map {b['score_map']}: val PLCC {pearsonr(vs, va['mos'])[0]:.4f} -> "
                      f"{pearsonr(vm, va['mos'])[0]:.4f}, range {vm.min():.2f}..{vm.max():.2f}")
                with open(os.path.join(args.out, "head.pkl"), "wb") as fh:
                    pickle.dump(b, fh)
    ok = [r for r in results if r["top3_median"] >= 0.5]
    if ok:
        best = max(ok, key=lambda r: r["val_srcc"])
        print(f"chosen: K={best['K']} tau={best['tau']} (val SRCC {best['val_srcc']}, median top-3 {best['top3_median']})")


def evaluate_scores(b, tr):
    h = Head(b["head"]["W"], b["head"]["b"], b["ts"], b["protos"], b["scores"], b["tau"])
    with torch.no_grad():
        return h(torch.tensor((tr["x"] - tr["xm"]) / tr["xs"]))[4].numpy()


if __name__ == "__main__":
    main()
