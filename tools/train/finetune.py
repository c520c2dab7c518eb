#!/usr/bin/python3
"""v5, first leg: fine-tune the ImageNet MobileNetV2 tower end to end on
BIQ2021 MOS (resumable; see tools/train/V5-NOTES.md for the measurements).

    /usr/bin/python3 tools/train/finetune.py --minutes 85       # rerun to continue
    /usr/bin/python3 tools/train/finetune.py --evaluate-test    # once, at the very end

Split: BIQ2021's official training split (10,000) -> 1,000 validation images
held out by image (numpy RandomState(--seed) permutation, its first 1,000,
in that order),
their names written to RUN/val.txt and checked on every rerun; the other 9,000
are trained on. The official test split (2,000) is read only by
--evaluate-test. CLIVE is never read here.

Model (V5Net; state dict keys):
  tower.convs.{0..51}.weight/.bias  the 52 convolutions of the TFLite graph in
        file order (tflite_mobilenet.MobileNetV2; the 1001-class logits conv is
        dropped), batch norm folded in, no BN anywhere, all trainable
  feat_mean, feat_std  [1696] fixed buffers: the pooled features' mean/std on
        128 training crops at the start, concatenated c96 (96) | c320 (320) |
        final (1280), each global-average-pooled
  proj.weight [256, 1696], proj.bias [256]   the D=256 embedding
        emb = proj((feat - feat_mean) / feat_std)
  reg.weight [1, 256], reg.bias [1]          z = reg(emb), standardised MOS
  mos_mean, mos_std  scalars (training images' MOS): MOS = z * mos_std + mos_mean

Training: random --crop x --crop crops of the photos at --size x --size
(512 by default, the photos' own size; the 11 of other sizes and, with
--size, all of them resized with PIL bicubic, as frozen_probe.py) +
horizontal flips, RGB scaled to [-1, 1]; validation on the whole photo at
--size, fp32.  Leg 3 (v5.5) trained the whole photo at 448 px, the engine's
input size (--size 448 --crop 448).
Loss = MSE(z, target z) + --rank-weight * (1 - PLCC within the batch)
(the differentiable Pearson loss: scale-free, no margin to tune), and with
--series S, + --series-weight * a hinge over S synthetic series per step: a
well-rated training photo (z >= --series-min-z) cropped like the batch, then
one SERIES_TYPES distortion at each of --series-levels (distort.py), each copy
to score --series-margin below the one before (the order of a defect's
severity, which MOS alone never shows the tower). AdamW
(weight decay --wd on weights, none on biases), --lr-tower for the tower,
--lr-head for proj/reg, linear warm-up then cosine to 0 over --total-steps
(kept in the checkpoint; a rerun continues the same schedule). bf16 autocast
on the CPU (master weights fp32); ReLU6 as clamp (torch 1.13 has no bf16
backward for the in-place hardtanh). Images are decoded from JPEG per batch in
the main process (~2-3 ms each, <1 % of a step).

Checkpoint RUN/ckpt.pt (model, optimiser, scheduler, step, RNG states) every
--ckpt-minutes and at the end (also on SIGTERM/SIGINT). Curve RUN/curve.jsonl:
one row per --log-steps (step, train loss, images/s, wall time) and per
validation (val SRCC/PLCC every --val-minutes on a fixed subset, the first
--val-n = 500 validation images (the list is in random order), and on all 1,000
at the end of each leg: a full pass at 512 costs ~0.3 s/image under load).
"""
import argparse
import json
import os
import signal
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import distort as DI  # noqa: E402
import iqa_data as D  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402

TAPS = ("c96", "c320", "final")
# the synthetic series' distortions (--series): the defects of real photographs
# that only ever lower quality as they grow (not brightening, contrast or
# saturation, which can help a dull photo)
SERIES_TYPES = ("gaussian_blur", "lens_blur", "motion_blur", "white_noise", "colour_noise", "jpeg",
                "underexposure", "overexposure", "darken")
FEAT_DIM = 96 + 320 + 1280
SIZE = 512


class _Conv(TM.TFConv2d):
    """TFConv2d whose ReLU6 is an out-of-place clamp (bf16 backward exists),
    with an optional batch norm before it (the from-scratch tower only)."""

    def forward(self, x):
        act, self.activation = self.activation, None
        try:
            y = super().forward(x)
        finally:
            self.activation = act
        bn = self._modules.get("bn")
        if bn is not None:
            y = bn(y)
        return y.clamp(0.0, 6.0) if act == "RELU6" else y


class V5Net(nn.Module):
    def __init__(self, tflite, dim=256, scratch=False):
        super().__init__()
        self.tower = TM.MobileNetV2(tflite)
        t = self.tower
        n_used = 1 + max(ci for kind, _, _, ci in t.steps[:t.final_step + 1] if kind == "conv")
        t.convs = nn.ModuleList(list(t.convs)[:n_used])      # drop the logits conv
        t.steps = t.steps[:t.final_step + 1]
        for c in t.convs:
            c.__class__ = _Conv
        if scratch:
            # the same graph, nothing kept from ImageNet: He-normal weights
            # (fan-out, as torchvision's MobileNetV2), zero biases, and a batch
            # norm after every convolution, since the ImageNet file's are
            # folded away and a 53-layer net without any trains poorly.  BN
            # folds into the convolutions at export, so the engine runs the
            # same ops either way.
            torch.manual_seed(20261207)
            for c in t.convs:
                nn.init.kaiming_normal_(c.weight, mode="fan_out")
                nn.init.zeros_(c.bias)
                c.bn = nn.BatchNorm2d(c.out_channels)
        self.register_buffer("feat_mean", torch.zeros(FEAT_DIM))
        self.register_buffer("feat_std", torch.ones(FEAT_DIM))
        self.proj = nn.Linear(FEAT_DIM, dim)
        self.reg = nn.Linear(dim, 1)
        self.register_buffer("mos_mean", torch.tensor(0.0))
        self.register_buffer("mos_std", torch.tensor(1.0))

    def pooled(self, x):
        f = self.tower.features(x, TAPS)
        return torch.cat([f[k].float() for k in TAPS], 1)

    def embed(self, x):
        return self.proj((self.pooled(x) - self.feat_mean) / self.feat_std)

    def forward(self, x):
        """-> standardised MOS z [N]; MOS = z * mos_std + mos_mean."""
        return self.reg(self.embed(x)).squeeze(1)


def load_image(path, size=SIZE):
    im = Image.open(path).convert("RGB")
    if im.size != (size, size):
        im = im.resize((size, size), Image.BICUBIC)
    return np.asarray(im)


def to_tensor(batch_u8):
    """[N,H,W,3] uint8 -> [N,3,H,W] float in [-1, 1], channels-last."""
    x = torch.from_numpy(np.ascontiguousarray(batch_u8)).permute(0, 3, 1, 2).float()
    return (x / 127.5 - 1.0).contiguous(memory_format=torch.channels_last)


def train_batch(paths, z, step, args):
    """Deterministic in (seed, step): epoch permutation, crops and flips."""
    per_epoch = len(paths) // args.batch
    epoch, k = divmod(step, per_epoch)
    order = np.random.RandomState(args.seed + 1 + epoch).permutation(len(paths))
    idx = order[k * args.batch:(k + 1) * args.batch]
    rng = np.random.RandomState((args.seed * 1_000_003 + step) % 2**32)
    out = np.empty((len(idx), args.crop, args.crop, 3), np.uint8)
    for j, i in enumerate(idx):
        a = load_image(paths[i], args.size)
        y0, x0 = rng.randint(0, args.size - args.crop + 1, size=2)
        a = a[y0:y0 + args.crop, x0:x0 + args.crop]
        out[j] = a[:, ::-1] if rng.rand() < 0.5 else a
    return to_tensor(out), torch.from_numpy(z[idx]).float(), epoch


def series_batch(paths, good, step, args):
    """--series photos among good (indices of training photos), each cropped
    and flipped as train_batch does, then distorted by one SERIES_TYPES type at
    each of --series-levels: [series * levels, ...] in that order.
    Deterministic in (seed, step)."""
    rng = np.random.RandomState((args.seed * 7_000_003 + step) % 2**32)
    out = []
    for _ in range(args.series):
        a = load_image(paths[good[rng.randint(len(good))]], args.size)
        y0, x0 = rng.randint(0, args.size - args.crop + 1, size=2)
        a = np.ascontiguousarray(a[y0:y0 + args.crop, x0:x0 + args.crop])
        if rng.rand() < 0.5:
            a = np.ascontiguousarray(a[:, ::-1])
        t = SERIES_TYPES[rng.randint(len(SERIES_TYPES))]
        seed = int(rng.randint(2**31))
        out += [DI.distort(a, t, lv, np.random.default_rng(seed))[0] for lv in args.series_levels]
    return to_tensor(np.stack(out))


def series_hinge(z, n_levels, margin):
    """Mean hinge over each series' consecutive levels: a photo must score at
    least margin (in standardised MOS) above its next, more distorted copy."""
    z = z.view(-1, n_levels)
    return torch.relu(margin - (z[:, :-1] - z[:, 1:])).mean()


def predict(model, paths, bs=8, size=SIZE):
    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(paths), bs):
            x = to_tensor(np.stack([load_image(p, size) for p in paths[k:k + bs]]))
            out.append(model(x) * model.mos_std + model.mos_mean)
    model.train()
    return torch.cat(out).numpy().astype(np.float64)


def correlations(pred, mos):
    from scipy.stats import pearsonr, spearmanr
    return float(spearmanr(pred, mos)[0]), float(pearsonr(pred, mos)[0])


def plcc_loss(p, t):
    p, t = p - p.mean(), t - t.mean()
    return 1.0 - (p * t).sum() / (p.norm() * t.norm() + 1e-8)


def split(args):
    paths, mos = D.biq2021_train(args.biq)
    perm = np.random.RandomState(args.seed).permutation(len(paths))
    val_idx, tr_idx = perm[:args.n_val], np.sort(perm[args.n_val:])   # val in random order
    names = [os.path.basename(paths[i]) for i in val_idx]
    vfile = os.path.join(args.run, "val.txt")
    if os.path.exists(vfile):
        with open(vfile, encoding="utf-8") as fh:
            if fh.read().split("\n")[:-1] != names:
                raise SystemExit(f"{vfile} differs from the split of seed {args.seed}: refusing")
    else:
        with open(vfile, "w", encoding="utf-8") as fh:
            fh.write("\n".join(names) + "\n")
    assert not set(names) & {os.path.basename(paths[i]) for i in tr_idx}
    return ([paths[i] for i in tr_idx], mos[tr_idx], [paths[i] for i in val_idx], mos[val_idx])


def feature_statistics(model, tr_p, tr_z, args):
    """A fresh leg's feature standardisation: the pooled features' mean and
    standard deviation (+ 1e-3) on 128 training crops (batches drawn with seed + 7)."""
    with torch.no_grad():
        rs = np.random.RandomState(args.seed + 7)
        f = torch.cat([model.pooled(train_batch(tr_p, tr_z, int(s), args)[0])
                       for s in rs.choice(len(tr_p) // args.batch, 128 // args.batch, replace=False)])
    return f.mean(0), f.std(0) + 1e-3


def lr_lambda(total, warmup):
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1.0 + np.cos(np.pi * min(1.0, (step - warmup) / max(1, total - warmup))))
    return f


def make_optimiser(model, args):
    groups = []
    for name, mods, lr in (("tower", [model.tower], args.lr_tower), ("head", [model.proj, model.reg], args.lr_head)):
        params = [p for m in mods for p in m.parameters()]
        groups.append({"params": [p for p in params if p.dim() > 1], "lr": lr, "weight_decay": args.wd, "name": name})
        groups.append({"params": [p for p in params if p.dim() <= 1], "lr": lr, "weight_decay": 0.0, "name": name})
    return torch.optim.AdamW(groups)


def save(path, model, opt, sched, step, total, wall):
    state = {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
             "step": step, "total_steps": total, "train_wall_s": wall,
             "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state()}}
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--run", default="/work/cache/v5-run", help="run dir (outside the repository)")
    ap.add_argument("--tflite", default=TM.DEFAULT_TFLITE)
    ap.add_argument("--minutes", type=float, default=85.0, help="stop cleanly after this long")
    ap.add_argument("--total-steps", type=int, default=4000, help="cosine length (all legs)")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=384)
    ap.add_argument("--size", type=int, default=SIZE,
                    help="photos resized to SIZE x SIZE before cropping; validation and --evaluate-test "
                         "read the whole photo at this size (the engine's input size)")
    ap.add_argument("--lr-tower", type=float, default=1e-4)
    ap.add_argument("--lr-head", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--rank-weight", type=float, default=1.0)
    ap.add_argument("--n-val", type=int, default=1000)
    ap.add_argument("--val-n", type=int, default=500, help="periodic validation on the first N val images")
    ap.add_argument("--end-val-n", type=int, default=0, help="end-of-leg validation: first N (0: all)")
    ap.add_argument("--val-minutes", type=float, default=15.0)
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--log-steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--evaluate-test", action="store_true", help="score the official test split once; no training")
    ap.add_argument("--scratch", action="store_true",
                    help="the same MobileNetV2 graph from random weights, with batch norm (the comparison tower)")
    ap.add_argument("--stop-step", type=int, default=0, help="end the leg at this step (0: --total-steps)")
    ap.add_argument("--series", type=int, default=0,
                    help="synthetic series per step: well-rated training photos distorted at --series-levels, "
                         "ranked by a hinge (0: none, the MOS loss alone)")
    ap.add_argument("--series-levels", type=lambda v: [int(x) for x in v.split(",")], default=[0, 2, 4])
    ap.add_argument("--series-weight", type=float, default=1.0)
    ap.add_argument("--series-margin", type=float, default=0.2, help="in standardised MOS")
    ap.add_argument("--series-min-z", type=float, default=0.5,
                    help="series start from training photos at least this far above the mean MOS (in sd)")
    ap.add_argument("--keep-val-ckpts", action="store_true",
                    help="also keep RUN/ckpt-stepN.pt at each periodic validation (to pick a step by validation)")
    args = ap.parse_args()
    if not 0 < args.crop <= args.size:
        ap.error(f"--crop {args.crop} must be in 1..--size {args.size}")
    torch.set_num_threads(args.threads)
    os.makedirs(args.run, exist_ok=True)
    ckpt = os.path.join(args.run, "ckpt.pt")
    curve = os.path.join(args.run, "curve.jsonl")
    tr_p, tr_y, va_p, va_y = split(args)
    model = V5Net(args.tflite, scratch=args.scratch).to(memory_format=torch.channels_last)

    if args.evaluate_test:
        model.load_state_dict(torch.load(ckpt)["model"])
        te_p, te_y = D.biq2021_test(args.biq)
        t0 = time.time()
        srcc, plcc = correlations(predict(model, te_p, size=args.size), te_y)
        row = {"test_srcc": srcc, "test_plcc": plcc, "n": len(te_p), "size": args.size, "step": torch.load(ckpt)["step"],
               "seconds": round(time.time() - t0, 1), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        print(json.dumps(row))
        with open(os.path.join(args.run, "test.jsonl"), "a") as fh:
            fh.write(json.dumps(row) + "\n")
        return 0

    mu, sd = float(tr_y.mean()), float(tr_y.std())
    tr_z = ((tr_y - mu) / sd).astype(np.float32)
    opt = make_optimiser(model, args)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(args.total_steps, args.warmup))
    step, wall = 0, 0.0
    if os.path.exists(ckpt):
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        if st["step"] > 0:
            opt.load_state_dict(st["opt"])
            sched.load_state_dict(st["sched"])
        # a step-0 checkpoint (v5_import.py's) has no optimiser history: the
        # rates and schedule are this leg's arguments
        step, wall = st["step"], st["train_wall_s"]
        torch.set_rng_state(st["rng"]["torch"])
        np.random.set_state(st["rng"]["numpy"])
        if st["total_steps"] != args.total_steps:
            print(f"note: --total-steps {args.total_steps} (checkpoint had {st['total_steps']})")
        print(f"resumed at step {step} ({wall / 60:.1f} min trained)", flush=True)
    else:
        torch.manual_seed(args.seed)
        model.proj.reset_parameters()
        model.reg.reset_parameters()
        with torch.no_grad():
            fm, fs = feature_statistics(model, tr_p, tr_z, args)
            model.feat_mean.copy_(fm)
            model.feat_std.copy_(fs)
            model.mos_mean.fill_(mu)
            model.mos_std.fill_(sd)
        print(f"fresh start: {len(tr_p)} train / {len(va_p)} val images, MOS mean {mu:.4f} sd {sd:.4f}", flush=True)

    stop = {"flag": False}

    def on_signal(signum, frame):
        stop["flag"] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def validate(n):
        t0 = time.time()
        n = n or len(va_p)
        srcc, plcc = correlations(predict(model, va_p[:n], size=args.size), va_y[:n])
        return {"val_srcc": round(srcc, 4), "val_plcc": round(plcc, 4), "val_n": n, "size": args.size,
                "val_s": round(time.time() - t0, 1)}

    def log(row):
        row.update({"step": step, "lr_tower": opt.param_groups[0]["lr"], "train_wall_s": round(wall, 1),
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        print(json.dumps(row), flush=True)
        with open(curve, "a") as fh:
            fh.write(json.dumps(row) + "\n")

    start = time.time()
    last_ckpt = last_val = start
    acc = dict.fromkeys(("loss", "mse", "rank", "series", "n", "imgs", "secs"), 0.0)
    good = np.flatnonzero(tr_z >= args.series_min_z)
    if args.series:
        print(f"series: {args.series} per step from {len(good)} training photos, levels {args.series_levels}, "
              f"weight {args.series_weight}, margin {args.series_margin}", flush=True)
    model.train()
    end_step = min(args.total_steps, args.stop_step or args.total_steps)
    while step < end_step and not stop["flag"]:
        if time.time() - start > args.minutes * 60:
            break
        t0 = time.time()
        x, t, _ = train_batch(tr_p, tr_z, step, args)
        if args.series:
            x = torch.cat([x, series_batch(tr_p, good, step, args)]).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            z = model(x).float()
        zs, z = z[len(t):], z[:len(t)]
        mse = torch.mean((z - t) ** 2)
        rank = plcc_loss(z, t)
        loss = mse + args.rank_weight * rank
        series = series_hinge(zs, len(args.series_levels), args.series_margin) if args.series else torch.zeros(())
        loss = loss + args.series_weight * series
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        dt = time.time() - t0
        wall += dt
        for k, v in (("loss", loss.item()), ("mse", mse.item()), ("rank", rank.item()), ("series", series.item())):
            acc[k] += v
        acc["n"] += 1
        acc["imgs"] += len(x)
        acc["secs"] += dt
        if step % args.log_steps == 0:
            log({"epoch": round(step * args.batch / len(tr_p), 3), "train_loss": round(acc["loss"] / acc["n"], 4),
                 "train_mse": round(acc["mse"] / acc["n"], 4), "train_rank": round(acc["rank"] / acc["n"], 4),
                 "train_series": round(acc["series"] / acc["n"], 4),
                 "img_s": round(acc["imgs"] / acc["secs"], 2)})
            acc = dict.fromkeys(acc, 0.0)
        if time.time() - last_val > args.val_minutes * 60:
            log(validate(args.val_n))
            if args.keep_val_ckpts:
                save(os.path.join(args.run, f"ckpt-step{step}.pt"), model, opt, sched, step, args.total_steps, wall)
            last_val = time.time()
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save(ckpt, model, opt, sched, step, args.total_steps, wall)
            last_ckpt = time.time()
    save(ckpt, model, opt, sched, step, args.total_steps, wall)
    log(validate(args.end_val_n) | {"end_of_leg": True})
    save(ckpt, model, opt, sched, step, args.total_steps, wall)
    print(f"stopped at step {step}/{args.total_steps}; checkpoint {ckpt}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
