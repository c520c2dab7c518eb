#!/usr/bin/python3
"""The shipped default model's tower as a training checkpoint again: the
inverse of v5_export.py's tower, so that a session can go on from the model
in the repository when the checkpoints of /work/cache are gone (they do not
outlive a machine, and legs 1-3 took about 3.5 hours of these 2 cores).

    /usr/bin/python3 tools/train/v5_import.py --model data/models/rali-default.rali \
        --run /work/cache/v5-import

Writes RUN/ckpt.pt in finetune.py's format (model, a fresh optimiser and
scheduler at step 0, RNG states) and RUN/val.txt (the same 1,000 held-out
training photos as every leg: finetune.split, seed 20261206), which
finetune.py resumes as a new leg and v5_features.py / v5_joint.py read as
--ckpt.  What comes from where:

- the tower's 52 convolutions: the .rali's mobilenet.* tensors (its fp16
  weights widened to fp32: exactly the weights the engine runs);
- checked before anything is written: the PyTorch tower's pooled features
  through the file's visual_projection against ralifmt's reference forward
  of the file (itself checked against the C engine by tests/) on the
  bundled samples;
- the leg's own MOS regressor (proj 1696 -> 256, reg 256 -> 1) is not in a
  .rali (the head replaced it): refitted here on --fit-n training photos'
  pooled features at --size, as in a fresh leg's start (feat_mean/feat_std
  from those features) and then closed form: proj = their first 256
  principal axes (standardised), reg = ridge on those coordinates, its
  alpha by 5-fold cross-validation on the same training photos.  Its
  validation SRCC is printed (the 1,000 held-out photos, or --val-n of them)
  to set beside the leg's own (0.846 for leg 3 at 448 px): the regressor is
  what v5_features keeps as `pred` and what --distill aims at."""
import argparse
import glob
import hashlib
import json
import os
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import finetune as FT  # noqa: E402
import ralifmt  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402
import v5_export as VE  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def tower_state(w, cfg, net):
    """net's tower.convs.* from the .rali's mobilenet.* tensors (v5_export.tower_tensors inverted)."""
    if cfg.get("tower") != VE.TOWER:
        raise SystemExit(f"not the v5 tower: {cfg.get('tower')}")
    names = VE.tower_weight_names(cfg)
    st = net.state_dict()
    if len(names) != 52 or any(f"tower.convs.{i}.weight" not in st for i in range(52)):
        raise SystemExit(f"{len(names)} tower weights for the checkpoint's 52 convolutions")
    for i, n in enumerate(names):
        wt, b = torch.from_numpy(w[n]), torch.from_numpy(w[n[:-len("weight")] + "bias"])
        if wt.shape != st[f"tower.convs.{i}.weight"].shape or b.shape != st[f"tower.convs.{i}.bias"].shape:
            raise SystemExit(f"{n}: {tuple(wt.shape)} in the file, {tuple(st[f'tower.convs.{i}.weight'].shape)} "
                             "in the graph")
        st[f"tower.convs.{i}.weight"], st[f"tower.convs.{i}.bias"] = wt, b
    net.load_state_dict(st)


def pooled(net, paths, size, what):
    out, t0 = [], time.time()
    with torch.no_grad():
        for k in range(0, len(paths), 8):
            x = FT.to_tensor(np.stack([FT.load_image(p, size) for p in paths[k:k + 8]]))
            out.append(net.pooled(x).numpy())
            if (k // 8) % 25 == 24:
                print(f"  {what}: {k + 8}/{len(paths)} in {time.time() - t0:.0f} s", flush=True)
    return np.concatenate(out).astype(np.float64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "rali-default.rali"))
    ap.add_argument("--run", required=True, help="the new leg's run directory (RUN/ckpt.pt, RUN/val.txt)")
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--size", type=int, default=0, help="input size for the regressor's features (0: the model's)")
    ap.add_argument("--fit-n", type=int, default=3000, help="training photos the regressor is fitted on")
    ap.add_argument("--val-n", type=int, default=1000, help="held-out photos its SRCC is printed for (0: none)")
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.fit_n < 256:
        ap.error(f"--fit-n {args.fit_n}: the projection takes 256 principal axes, so at least 256 photos")
    torch.set_num_threads(args.threads)
    ckpt = os.path.join(args.run, "ckpt.pt")
    if os.path.exists(ckpt):
        raise SystemExit(f"{ckpt} exists: refusing to replace a run's checkpoint")
    os.makedirs(args.run, exist_ok=True)
    w, cfg = ralifmt.load_rali(args.model)
    size = args.size or int(cfg["image_size"])
    net = FT.V5Net(TM.DEFAULT_TFLITE)
    tower_state(w, cfg, net)
    net.eval()

    # the check: the same weights, the same photos, PyTorch against the reference forward
    samples = sorted(glob.glob(os.path.join(ROOT, "data", "samples", "*.jpg")))[:4]
    with torch.no_grad():
        x = FT.to_tensor(np.stack([FT.load_image(p, size) for p in samples])).contiguous()
        p = net.pooled(x).numpy()[:, VE.ENGINE_ORDER]
        mine = p @ w["visual_projection.weight"].T
        ref = ralifmt.mobilenet_v2_forward({k: torch.from_numpy(v) for k, v in w.items()}, cfg, x).numpy()
    rel = np.abs(mine - ref).max() / np.abs(ref).max()
    print(f"check on {len(samples)} samples at {size} px: max |Δ embedding| / max |embedding| = {rel:.2e}")
    if not rel < 1e-4:
        raise SystemExit("the imported tower does not reproduce the file's forward: not written")

    # the regressor, refitted on training photos (the held-out 1,000 never)
    ns = argparse.Namespace(biq=args.biq, seed=args.seed, n_val=1000, run=args.run)
    tr_p, tr_y, va_p, va_y = FT.split(ns)
    pick = np.sort(np.random.RandomState(args.seed + 11).permutation(len(tr_p))[:args.fit_n])
    f = pooled(net, [tr_p[i] for i in pick], size, "fit")
    y = tr_y[pick]
    fm, fs = f.mean(0), f.std(0) + 1e-3
    z = (f - fm) / fs
    _, _, vt = np.linalg.svd(z - z.mean(0), full_matrices=False)
    C = vt[:256]                                   # [256, 1696]
    u = z @ C.T
    mu, sd = float(tr_y.mean()), float(tr_y.std())
    t = (y - mu) / sd
    from sklearn.linear_model import RidgeCV
    r = RidgeCV(alphas=np.logspace(-2, 4, 13), cv=5).fit(u, t)
    print(f"regressor: ridge alpha {r.alpha_:g} (5-fold on {len(pick)} training photos)")
    sd_ = net.state_dict()
    sd_["feat_mean"], sd_["feat_std"] = torch.tensor(fm, dtype=torch.float32), torch.tensor(fs, dtype=torch.float32)
    sd_["proj.weight"], sd_["proj.bias"] = torch.tensor(C, dtype=torch.float32), torch.zeros(256)
    sd_["reg.weight"] = torch.tensor(r.coef_[None, :], dtype=torch.float32)
    sd_["reg.bias"] = torch.tensor([r.intercept_], dtype=torch.float32)
    sd_["mos_mean"], sd_["mos_std"] = torch.tensor(mu), torch.tensor(sd)
    net.load_state_dict(sd_)
    row = {"model": os.path.relpath(args.model, ROOT), "sha256": hashlib.sha256(open(args.model, "rb").read()).hexdigest(),
           "size": size, "fit_n": len(pick), "alpha": float(r.alpha_), "check_rel": float(rel)}
    if args.val_n:
        from scipy.stats import pearsonr, spearmanr
        fv = pooled(net, va_p[:args.val_n], size, "val")
        with torch.no_grad():
            zv = net.reg(net.proj((torch.tensor(fv, dtype=torch.float32) - net.feat_mean) / net.feat_std)).squeeze(1)
        pv = zv.numpy() * sd + mu
        row.update(val_n=len(fv), val_srcc=float(spearmanr(pv, va_y[:len(fv)])[0]),
                   val_plcc=float(pearsonr(pv, va_y[:len(fv)])[0]))
        print(f"regressor on {len(fv)} held-out photos: SRCC {row['val_srcc']:.4f}, PLCC {row['val_plcc']:.4f}")

    # a fresh optimiser and schedule with finetune.py's default rates, as a new run starts
    fa = argparse.Namespace(lr_tower=1e-4, lr_head=1e-3, wd=1e-2)
    opt = FT.make_optimiser(net, fa)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, FT.lr_lambda(1, 0))
    torch.manual_seed(args.seed)
    FT.save(ckpt, net, opt, sched, 0, 1, 0.0)
    with open(os.path.join(args.run, "import.json"), "w") as fh:
        fh.write(json.dumps(row) + "\n")
    print(f"wrote {ckpt} (step 0) and {os.path.join(args.run, 'import.json')}")


if __name__ == "__main__":
    main()
