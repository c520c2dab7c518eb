#!/usr/bin/python3
"""Trains the default model (issue 8): a conv-stem ViT aligned
contrastively to the PCA text representation of each image's rule-based
description, plus a loss on the head's score against the pseudo-MOS.

    /usr/bin/python3 tools/train/train.py --data /work/cache/rali-train --minutes 80

Resumable: state goes to DATA/run/ckpt.pt every few minutes and at the
end; a second call continues where the first stopped (same seed, same
text space).  Prints the learning curve per distortion type on val."""
import argparse
import json
import os
import pickle
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import model as M  # noqa: E402
import text as TX  # noqa: E402

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)


def load_split(root, split):
    """Images [n,224,224,3] (memmap) and metadata of the finished prefix:
    make_dataset.py writes meta.jsonl as the contiguous prefix of finished
    chunks, so training can start while the rest is still generated."""
    d = os.path.join(root, split)
    meta = [json.loads(l) for l in open(os.path.join(d, "meta.jsonl"))]
    n = len(meta)
    imgs = np.memmap(os.path.join(d, "images.u8"), np.uint8, "r")
    n = min(n, imgs.size // (224 * 224 * 3))
    return imgs[: n * 224 * 224 * 3].reshape(n, 224, 224, 3), meta[:n]


class Pool:
    """Several image memmaps [n_i,224,224,3] indexed as one array: the
    training split of DATA plus any --extra-train splits (fresh crops of
    the same training photographs, projected into the same text space)."""
    def __init__(self, parts):
        self.parts = parts
        self.ends = np.cumsum([len(p) for p in parts])

    def __len__(self):
        return int(self.ends[-1])

    def __getitem__(self, idx):
        part = np.searchsorted(self.ends, idx, side="right")
        out = np.empty((len(idx), 224, 224, 3), np.uint8)
        for k, p in enumerate(self.parts):
            sel = part == k
            if sel.any():
                out[sel] = p[idx[sel] - (self.ends[k] - len(p))]
        return out


def to_tensor(batch_u8, flip=None, vflip=None, transpose=None):
    """Normalised NCHW tensor; the optional boolean masks apply a horizontal
    flip, a vertical flip and a transpose to the chosen images.  Together
    these are the 8 symmetries of the square, none of which changes a
    distortion's pseudo-MOS or description (nothing in describe.py names a
    side of the picture)."""
    x = torch.from_numpy(((batch_u8.astype(np.float32) / 255.0 - MEAN) / STD).transpose(0, 3, 1, 2).copy())
    if flip is not None:
        x[flip] = x[flip].flip(-1)
    if vflip is not None:
        x[vflip] = x[vflip].flip(-2)
    if transpose is not None:
        x[transpose] = x[transpose].transpose(-1, -2)
    return x


def text_space(root, train_meta, val_meta, out):
    path = os.path.join(out, "text.pkl")
    if os.path.exists(path):
        return pickle.load(open(path, "rb"))
    t0 = time.time()
    texts = [m["description"] for m in train_meta]
    mos = np.array([m["mos"] for m in train_meta], np.float32)
    ts = TX.TextSpace().fit(texts)
    z = ts.project(ts.raw(texts))
    zv = ts.project(ts.raw([m["description"] for m in val_meta]))
    mv = np.array([m["mos"] for m in val_meta], np.float32)
    r, K, tau, c, sc, d = TX.choose(z, mos, texts, zv, mv)
    print(f"text space: {ts.dim} terms -> PCA {ts.k}; K={K}, tau={tau}, text-side val SRCC {r:.4f} "
          f"({time.time() - t0:.0f}s)")
    state = dict(ts=ts, K=K, tau=tau, protos=c, proto_scores=sc, descriptors=d, text_srcc=r)
    pickle.dump(state, open(path, "wb"))
    return state


def series_groups(meta):
    """make_dataset.py writes a series split as runs of 6 images, levels 0..5
    of one type on one crop; returns the start index of every complete run."""
    starts = [i for i in range(0, len(meta) - 5, 6)
              if [meta[i + k].get("series_level") for k in range(6)] == list(range(6))
              and len({meta[i + k]["series"] for k in range(6)}) == 1]
    return np.array(starts, np.int64)


def rank_loss(score, mos, groups, margin_per_mos=0.1):
    """Within each series (one crop, one type, levels 0..5), a version with a
    higher pseudo-MOS must score higher, by a margin proportional to the
    difference.  The content is the same, so only the distortion can explain
    the order: this is what pair comparison and monotonicity ask of the model."""
    s = score.view(groups, 6)
    m = mos.view(groups, 6)
    dm = m[:, :, None] - m[:, None, :]
    ds = s[:, :, None] - s[:, None, :]
    sel = dm > 0.02
    if not sel.any():
        return score.sum() * 0
    return F.relu(margin_per_mos * dm - ds)[sel].mean()


def head_predictions(net, imgs, idx, head, bs=100):
    """The head's raw scores of the images imgs[idx], in batches of bs
    (the caller puts net in eval mode)."""
    preds = []
    with torch.no_grad():
        for i in range(0, len(idx), bs):
            preds.append(M.head_scores(net(to_tensor(imgs[idx[i:i + bs]])), *head)[0].numpy())
    return np.concatenate(preds)


def series_monotonicity(net, imgs, meta, starts, head, bs=96):
    """Share of validation series whose score strictly falls at every level,
    and whose Spearman correlation with the level is <= -0.8."""
    from scipy.stats import spearmanr
    net.eval()
    idx = (starts[:, None] + np.arange(6)).reshape(-1)
    p = head_predictions(net, imgs, idx, head, bs).reshape(-1, 6)
    net.train()
    strict = np.mean(np.all(np.diff(p, axis=1) < 0, axis=1))
    loose = np.mean([spearmanr(r, np.arange(6)).correlation <= -0.8 for r in p])
    return float(strict), float(loose)


def evaluate(net, imgs, meta, head, n=1500, bs=100):
    from scipy.stats import spearmanr
    net.eval()
    idx = np.arange(min(n, len(meta)))
    pred = head_predictions(net, imgs, idx, head, bs)
    mos = np.array([meta[i]["mos"] for i in idx])
    res = {"all": spearmanr(pred, mos).correlation}
    types = sorted({meta[i]["type"] for i in idx})
    for t in types:
        sel = np.array([meta[i]["type"] == t for i in idx])
        if sel.sum() > 10 and np.std(mos[sel]) > 0:
            res[t] = spearmanr(pred[sel], mos[sel]).correlation
    net.train()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/cache/rali-train")
    ap.add_argument("--minutes", type=float, default=80)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--total-steps", type=int, default=12000, help="length of the LR schedule")
    ap.add_argument("--cycle-minutes", type=float, default=None,
                    help="resume with a warm restart: the LR rises to --lr over 100 steps and follows a cosine "
                         "over this call's wall-clock time (robust to a shared machine) instead of --total-steps")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--width", type=int, default=192)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--series-groups", type=int, default=0,
                    help="per step, add this many level-0..5 series from DATA/train_series with a ranking "
                         "loss (make_dataset.py --splits train_series); 0 = off, as v1 and v2 were trained")
    ap.add_argument("--rank-weight", type=float, default=1.0)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--extra-train", action="append", default=[], metavar="DIR",
                    help="pool DIR/train (more crops of the training photographs, make_dataset.py with another "
                         "seed) with DATA/train; the text space stays DATA's")
    ap.add_argument("--dihedral", action="store_true",
                    help="augment with all 8 flips/transposes of the square instead of horizontal flips only")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = os.path.join(args.data, "run")
    os.makedirs(out, exist_ok=True)

    imgs, meta = load_split(args.data, "train")
    vimgs, vmeta = load_split(args.data, "val")
    n_wanted = json.load(open(os.path.join(args.data, "train", "info.json"))).get("n", len(meta))
    print(f"train {len(meta)} val {len(vmeta)}")
    txt = text_space(args.data, meta, vmeta, out)
    ts = txt["ts"]
    # the text target of every training image, in the standardised PCA space
    def targets(meta):
        z = torch.from_numpy(ts.project(ts.raw([m["description"] for m in meta])).astype(np.float32))
        return z, torch.tensor([m["mos"] for m in meta], dtype=torch.float32)

    z_text, mos = targets(meta)
    if args.extra_train:
        parts, metas = [imgs], [meta]
        for d in args.extra_train:
            e_imgs, e_meta = load_split(d, "train")
            parts.append(e_imgs)
            metas.append(e_meta)
            print(f"extra train {d}: {len(e_meta)}")
        meta = [m for ms in metas for m in ms]
        imgs = Pool(parts)
        z_text, mos = targets(meta)
        n_wanted = len(meta)  # pooled splits are not reloaded while they grow
    head = M.head_tensors(ts, txt, float(txt["tau"]))
    def load_train_series():
        """the finished prefix of DATA/train_series: images, metadata, series starts, text targets, MOS"""
        simgs, smeta = load_split(args.data, "train_series")
        return (simgs, smeta, series_groups(smeta)) + targets(smeta)

    if args.series_groups:
        simgs, smeta, s_starts, sz_text, smos = load_train_series()
        s_wanted = json.load(open(os.path.join(args.data, "train_series", "info.json")))["n"]
        print(f"train series: {len(s_starts)} complete series of 6 levels")
    vs_starts = None
    if os.path.exists(os.path.join(args.data, "val_series", "meta.jsonl")):
        vsimgs, vsmeta = load_split(args.data, "val_series")
        vs_starts = series_groups(vsmeta)

    torch.manual_seed(0)
    W = args.width
    net = M.ConvStemViT(stem=(W // 8, W // 4, W // 2, W), width=W, layers=args.layers, heads=W // 32,
                        mlp=4 * W, proj=ts.dim)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.05)
    step, rng_state, curve = 0, None, []
    ck = os.path.join(out, "ckpt.pt")
    if os.path.exists(ck):
        s = torch.load(ck)
        net.load_state_dict(s["model"])
        opt.load_state_dict(s["opt"])
        step, rng_state, curve = s["step"], s["rng"], s["curve"]
        print(f"resumed at step {step}")
    rng = np.random.default_rng(1234)
    if rng_state is not None:
        rng.bit_generator.state = rng_state

    def save():
        torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step,
                    "rng": rng.bit_generator.state, "curve": curve, "cfg": net.cfg}, ck + ".tmp")
        os.replace(ck + ".tmp", ck)

    t_end = time.time() + args.minutes * 60
    t_save = time.time()
    t0, seen = time.time(), 0
    step0 = step
    net.train()
    while time.time() < t_end:
        if args.cycle_minutes:
            frac = min(1.0, (time.time() - t0) / (args.cycle_minutes * 60))
            lr = args.lr * min(1.0, (step - step0 + 1) / 100) * 0.5 * (1 + np.cos(np.pi * frac))
        else:
            lr = args.lr * min(1.0, (step + 1) / 300) * 0.5 * (1 + np.cos(np.pi * min(step, args.total_steps) / args.total_steps))
        for g in opt.param_groups:
            g["lr"] = max(lr, args.lr * 0.02)
        idx = np.sort(rng.choice(len(meta), args.batch, replace=False))
        batch_u8, zt, y = imgs[idx], z_text[idx], mos[idx]
        if args.series_groups:
            g = np.sort(rng.choice(len(s_starts), args.series_groups, replace=False))
            sidx = (s_starts[g][:, None] + np.arange(6)).reshape(-1)
            batch_u8 = np.concatenate([simgs[sidx], batch_u8])
            zt, y = torch.cat([sz_text[sidx], zt]), torch.cat([smos[sidx], y])
        n_img = len(batch_u8)
        flips = rng.random((3 if args.dihedral else 1, n_img)) < 0.5
        x = to_tensor(batch_u8, *(torch.from_numpy(f) for f in flips))
        # bf16 autocast: ~4x faster on CPUs with AVX-512 BF16 / AMX (measured
        # 14 -> 54 img/s here); master weights and the head stay fp32
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            f = net(x)
        score, z = M.head_scores(f.float(), *head)
        # InfoNCE with soft targets: images whose descriptions coincide are not negatives
        logits = z @ zt.T / 0.07
        target = torch.softmax(zt @ zt.T / 0.05, dim=-1)
        l_nce = -(target * F.log_softmax(logits, dim=-1)).sum(-1).mean()
        l_score = F.mse_loss(score, y)
        loss = l_nce + l_score
        l_rank = torch.zeros(())
        if args.series_groups:
            n_s = args.series_groups * 6
            l_rank = rank_loss(score[:n_s], y[:n_s], args.series_groups)
            loss = loss + args.rank_weight * l_rank
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        seen += n_img
        if step % 50 == 0:
            print(f"step {step} lr {lr:.2e} nce {l_nce.item():.3f} score-mse {l_score.item():.3f} "
                  f"rank {l_rank.item():.4f} "
                  f"{seen / (time.time() - t0):.1f} img/s", flush=True)
        if step % 200 == 0 and len(meta) < n_wanted:
            imgs, meta = load_split(args.data, "train")  # more has been generated meanwhile
            z_text, mos = targets(meta)
        if step % 200 == 0 and args.series_groups and len(smeta) < s_wanted:
            simgs, smeta, s_starts, sz_text, smos = load_train_series()
        if step % args.eval_every == 0:
            r = evaluate(net, vimgs, vmeta, head)
            if vs_starts is not None and len(vs_starts):
                r["series_strict"], r["series_loose"] = series_monotonicity(net, vsimgs, vsmeta, vs_starts, head)
            curve.append({"step": step, **{k: float(v) for k, v in r.items()}})
            print("val SRCC " + " ".join(f"{k}={v:.2f}" for k, v in r.items()), flush=True)
        if time.time() - t_save > 300:
            save()
            t_save = time.time()
    save()
    json.dump(curve, open(os.path.join(out, "curve.json"), "w"), indent=1)
    print(f"stopped at step {step}")


if __name__ == "__main__":
    main()
