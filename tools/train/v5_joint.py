#!/usr/bin/python3
"""v5, leg 4: the tower fine-tuned *through* the head (resumable).

    /usr/bin/python3 tools/train/v5_joint.py --ckpt /work/cache/v5-run3/ckpt-step3600.pt \
        --head /work/cache/v5.5/cand-l3-rg-s0/head.pkl --run /work/cache/v5-run4 --minutes 55
    /usr/bin/python3 tools/train/v5_joint.py ... --finish FEATS   # after v5_features.py on RUN/ckpt-end.pt

Legs 1-3 (finetune.py) trained the tower on MOS through a linear regressor;
the head (v5_head.py) was then fitted on its frozen features, and its
softmax over 48 prototypes ranks the validation photos ~0.02 worse than the
regressor it replaced (V5-NOTES v5.5): the tower never saw the head.  Here
the tower and the head's projection are trained together on the head's own
loss (v5_head.fit's terms, the same weights):
  (1 - cos(ẑ(f), z_text)) x (defect weight)       alignment to the photo's own text
  + λ (score(f) - MOS)² / var(MOS)                 the head's score, Σ softmax(ẑ·ĉ/τ) score_i
  + ρ (1 - PLCC(score, MOS) in the batch)
  + W · cross-entropy of the summed weight of the photo's own description group
while the text space, the prototypes, their scores and texts stay those of
--head (so a prototype still says what its members were and were rated).
Photos: BIQ2021's 9,000 training photos (finetune.split, val.txt checked)
and the synthetic leg's 1,080 distorted copies at --synthetic-weight (as the
head was fitted), the whole photo at --size with horizontal flips, bf16
autocast on the tower as finetune.py.  The 1,000 validation photos are read
only to measure (every --val-minutes on the first --val-n).

RUN/ckpt.pt (tower + projection + optimisers + step) every --ckpt-minutes
and at the end; RUN/ckpt-end.pt in finetune.py's format (its proj/reg are
leg 3's, unused by the head) for v5_features.py and v5_export.py;
RUN/head-joint.pkl: --head with the trained projection.  --finish FEATS
(v5_features.py's output for RUN/ckpt-end.pt) refits that head's monotone
score map on the new training features and reports its validation numbers
as v5_head.py does."""
import argparse
import json
import os
import pickle
import signal
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy.stats import pearsonr, spearmanr  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import finetune as FT  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402
import v5_describe as VD  # noqa: E402
import v5_head as VH  # noqa: E402


def photos(args, h):
    """Training items: (path, MOS 1..5, text vector, loss weight, alignment
    weight, group label or -1) for the real photos then the synthetic ones."""
    ns = argparse.Namespace(biq=args.biq, seed=args.seed, n_val=1000, run=args.split_run)
    tr_p, tr_y, va_p, va_y = FT.split(ns)
    names = [os.path.basename(p) for p in tr_p]
    if len(h["labels"]) != len(names):
        raise SystemExit(f"--head has {len(h['labels'])} labels for {len(names)} training photos")
    t, j = VH.measured_texts(os.path.join(args.measure, "measure-train.jsonl"), names, tr_y)
    paths, mos, texts, judg, sw = list(tr_p), list(1 + 4 * tr_y), t, j, [1.0] * len(tr_p)
    group_of = np.asarray(h["group_of"])
    glab = [int(group_of[k]) if k >= 0 else -1 for k in h["labels"]]
    if args.synthetic_weight > 0:
        rows = [json.loads(l) for l in open(os.path.join(args.measure, "synthetic.jsonl"), encoding="utf-8")]
        sy_y = np.array([r["mos"] for r in rows])
        t, j = VH.measured_texts(os.path.join(args.measure, "measure-synthetic.jsonl"),
                        [os.path.basename(r["path"]) for r in rows], sy_y)
        paths += [r["path"] for r in rows]
        mos += list(1 + 4 * sy_y)
        texts += t
        judg += j
        sw += [args.synthetic_weight] * len(rows)
        glab += [-1] * len(rows)
    ts = h["ts"]
    zt = ts.project(ts.raw(texts).astype(np.float32)).astype(np.float32)
    aw = np.array([h.get("align_weight", 1.0) * (h.get("defect_weight", 1.0) if VD.names_defect(q) else 1.0)
                   for q in judg], np.float32)
    return dict(paths=paths, mos=np.array(mos, np.float32), zt=zt, sw=np.array(sw, np.float32), aw=aw,
                glab=np.array(glab), val_paths=va_p, val_mos=1 + 4 * va_y)


def batch_of(d, step, args):
    n = len(d["paths"])
    per_epoch = n // args.batch
    epoch, k = divmod(step, per_epoch)
    idx = np.random.RandomState(args.seed + 7 + epoch).permutation(n)[k * args.batch:(k + 1) * args.batch]
    rng = np.random.RandomState((args.seed * 1_000_033 + step) % 2**32)
    ims = []
    for i in idx:
        a = FT.load_image(d["paths"][i], args.size)
        ims.append(a[:, ::-1] if rng.rand() < 0.5 else a)
    return idx, FT.to_tensor(np.stack(ims)), epoch


def head_scores(net, head, paths, size, bs=8):
    net.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(paths), bs):
            x = FT.to_tensor(np.stack([FT.load_image(p, size) for p in paths[k:k + bs]]))
            out.append(head((net.pooled(x) - net.feat_mean) / net.feat_std)[4])
    net.train()
    return torch.cat(out).numpy().astype(np.float64)


def finish(args, h):
    """The head with the trained projection on v5_features.py's features of
    ckpt-end.pt: score map on the training photos, validation numbers."""
    import export as EX
    import ralifmt
    jh = pickle.load(open(os.path.join(args.run, "head-joint.pkl"), "rb"))
    tr, va = VH.load(args.finish, "train"), VH.load(args.finish, "val")
    if args.synthetic_weight > 0:
        sy = VH.load(args.finish, "synthetic")
        tr = {k: (np.concatenate([tr[k], sy[k]]) if isinstance(tr[k], np.ndarray) else tr[k] + sy[k]) for k in tr}
    st = torch.load(os.path.join(args.run, "ckpt-end.pt"))["model"]
    xm, xs = st["feat_mean"].numpy(), st["feat_std"].numpy()
    tr["xm"], tr["xs"] = xm, xs
    head = VH.Head(jh["head"]["W"], jh["head"]["b"], jh["ts"], jh["protos"], jh["scores"], jh["tau"])
    ev = VH.evaluate(head, va, jh["rows"], xm, xs)
    row = dict(joint=True, val_srcc=round(ev["srcc"], 4), val_plcc=round(ev["plcc"], 4),
               top3_median=round(ev["top3_median"], 3), top1_median=round(ev["top1_median"], 3),
               defects=VH.defect_agreement(ev, va, jh["maj"]))
    print("  " + json.dumps(row), flush=True)
    jh.update(val=row, xm=xm, xs=xs, train_mos=tr["mos"])
    jh["train_scores"] = VH.evaluate_scores(jh, tr)
    jh["score_map"] = EX.fit_score_map(jh["train_scores"].astype(np.float64), tr["mos"])
    vm = ralifmt.apply_score_map(jh["score_map"], ev["score"])
    print(f"score map {jh['score_map']}: val PLCC {ev['plcc']:.4f} -> {pearsonr(vm, va['mos'])[0]:.4f}")
    with open(os.path.join(args.finish, "head.pkl"), "wb") as fh:
        pickle.dump(jh, fh)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckpt", default="/work/cache/v5-run3/ckpt-step3600.pt", help="the tower to start from")
    ap.add_argument("--head", default="/work/cache/v5.5/cand-l3-rg-s0/head.pkl", help="v5_head.py --save output")
    ap.add_argument("--run", default="/work/cache/v5-run4")
    ap.add_argument("--split-run", default="/work/cache/v5-run", help="the run whose val.txt fixes the split")
    ap.add_argument("--measure", default="/work/cache/v5-head", help="measure-*.jsonl and synthetic.jsonl")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--size", type=int, default=448)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--total-steps", type=int, default=1200)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--lr-tower", type=float, default=2e-5)
    ap.add_argument("--lr-head", type=float, default=1e-4)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--lam", type=float, default=3.0)
    ap.add_argument("--rho", type=float, default=1.0)
    ap.add_argument("--route-group", type=float, default=1.0)
    ap.add_argument("--synthetic-weight", type=float, default=0.3)
    ap.add_argument("--minutes", type=float, default=55.0)
    ap.add_argument("--val-minutes", type=float, default=15.0)
    ap.add_argument("--val-n", type=int, default=250)
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--finish", metavar="FEATS", help="refit the score map on these features; no training")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    h = pickle.load(open(args.head, "rb"))
    if "group_of" not in h:
        # v5_head.py --bands keeps each group's bands together: prototype k is
        # band k % B of group k // B (checked: the bands share the group's row)
        B = int(h["bands"])
        h["group_of"] = np.arange(int(h["K"])) // B
        rows = h["rows"]
        if not all((rows[k] == rows[(k // B) * B]).all() for k in range(len(rows))):
            raise SystemExit("--head: the prototypes are not in group order")
    if args.finish:
        finish(args, h)
        return
    os.makedirs(args.run, exist_ok=True)
    d = photos(args, h)
    var = float(np.var(d["mos"]))
    net = FT.V5Net(TM.DEFAULT_TFLITE).to(memory_format=torch.channels_last)
    start = torch.load(args.ckpt)
    net.load_state_dict(start["model"])
    head = VH.Head(h["head"]["W"], h["head"]["b"], h["ts"], h["protos"], h["scores"], h["tau"])
    member = F.one_hot(torch.tensor(h["group_of"], dtype=torch.long)).float()
    tw = [p for p in net.tower.parameters()]
    opt = torch.optim.AdamW([{"params": [p for p in tw if p.dim() > 1], "lr": args.lr_tower, "weight_decay": args.wd},
                             {"params": [p for p in tw if p.dim() <= 1], "lr": args.lr_tower, "weight_decay": 0.0},
                             {"params": list(head.parameters()), "lr": args.lr_head, "weight_decay": 0.0}])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, FT.lr_lambda(args.total_steps, args.warmup))
    step, wall = 0, 0.0
    ck = os.path.join(args.run, "ckpt.pt")
    if os.path.exists(ck):
        s = torch.load(ck)
        net.load_state_dict(s["model"])
        head.load_state_dict(s["head"])
        opt.load_state_dict(s["opt"])
        sched.load_state_dict(s["sched"])
        step, wall = s["step"], s["wall"]
        print(f"resumed at step {step}", flush=True)
    curve = open(os.path.join(args.run, "curve.jsonl"), "a")

    def save():
        torch.save(dict(model=net.state_dict(), head=head.state_dict(), opt=opt.state_dict(),
                        sched=sched.state_dict(), step=step, wall=wall, args=vars(args)), ck + ".tmp")
        os.replace(ck + ".tmp", ck)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    def validate():
        s = head_scores(net, head, d["val_paths"][:args.val_n], args.size)
        y = d["val_mos"][:args.val_n]
        r = dict(step=step, val_n=args.val_n, head_val_srcc=round(float(spearmanr(s, y)[0]), 4),
                 head_val_plcc=round(float(pearsonr(s, y)[0]), 4), wall=round(wall))
        curve.write(json.dumps(r) + "\n")
        curve.flush()
        print(json.dumps(r), flush=True)

    if step == 0:
        validate()
    t0 = time.time()
    w0 = wall
    last_val = last_ck = t_log = time.time()
    zt, sw, aw = torch.tensor(d["zt"]), torch.tensor(d["sw"]), torch.tensor(d["aw"])
    y_all, glab = torch.tensor(d["mos"]), torch.tensor(d["glab"], dtype=torch.long)
    net.train()
    while step < args.total_steps and not stop and (time.time() - t0) / 60 < args.minutes:
        idx, x, epoch = batch_of(d, step, args)
        idx = torch.tensor(idx)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            p = net.pooled(x)
        _, z, sims, _, s = head((p.float() - net.feat_mean) / net.feat_std)
        wi = sw[idx] / sw[idx].mean()
        y = y_all[idx]
        align = ((1 - (z * zt[idx]).sum(1)) * wi * aw[idx]).mean()
        mse = (((s - y) ** 2) * wi).mean() / var
        sc, yc = s - s.mean(), y - y.mean()
        rank = 1 - (sc * yc).sum() / (sc.norm() * yc.norm() + 1e-8)
        loss = align + args.lam * mse + args.rho * rank
        keep = glab[idx] >= 0
        if args.route_group and keep.any():
            pg = torch.softmax(sims[keep] / head.tau, dim=1) @ member
            loss = loss + args.route_group * F.nll_loss(torch.log(pg + 1e-9), glab[idx][keep])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        wall = w0 + time.time() - t0
        if step % 10 == 0:
            r = dict(step=step, epoch=epoch, loss=round(loss.item(), 4), align=round(align.item(), 4),
                     mse=round(mse.item(), 4), rank=round(rank.item(), 4),
                     img_s=round(10 * args.batch / max(1e-9, time.time() - t_log), 2))
            t_log = time.time()
            curve.write(json.dumps(r) + "\n")
            curve.flush()
            print(json.dumps(r), flush=True)
        if time.time() - last_ck > args.ckpt_minutes * 60:
            save()
            last_ck = time.time()
        if time.time() - last_val > args.val_minutes * 60:
            validate()
            last_val = time.time()
    save()
    if step >= args.total_steps:
        validate()
        torch.save({"model": net.state_dict(), "step": start["step"] + step, "total_steps": start["step"] + step,
                    "joint_steps": step, "from": args.ckpt}, os.path.join(args.run, "ckpt-end.pt"))
        jh = dict(h)
        jh["head"] = {k: v.detach().numpy() for k, v in head.state_dict().items()}
        with open(os.path.join(args.run, "head-joint.pkl"), "wb") as fh:
            pickle.dump(jh, fh)
        print("leg done: ckpt-end.pt, head-joint.pkl", flush=True)


if __name__ == "__main__":
    main()
