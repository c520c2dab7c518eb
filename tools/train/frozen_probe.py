#!/usr/bin/python3
"""Frozen-feature baseline: ImageNet MobileNetV2 (tflite_mobilenet.py, float
weights dequantised from the int8 per-channel file) as a fixed feature
extractor, a ridge regression on top, BIQ2021's official split.

    /usr/bin/python3 tools/train/frozen_probe.py extract --max-minutes 22   # repeat until done
    /usr/bin/python3 tools/train/frozen_probe.py fit

extract: global-average-pooled outputs of every stage end (c16 .. c320) and
of the final 1280-channel layer, for each BIQ2021 image at its native 512x512
(the 11 smaller ones resized to 512x512, PIL bicubic) and each CLIVE test image
as it is (1,160 are 500x500; 1024.JPG is 640x960 and 1113.JPG 608x608, taken
as they are too: the pooled features have the same width at any size), one thread,
torch.inference_mode(), batch 1, channels-last.
Cached as float32 .npy per chunk of 500 images in /work/cache/biq-feats/
(`<set>-<k>.npy` + `<set>-<k>.txt` listing the images); done chunks are
skipped, so it can be stopped and rerun.

fit: standardise, sklearn Ridge with alpha chosen by 5-fold CV (shuffled,
seed 0, R^2) on the 10,000 training images only; SRCC/PLCC (Pearson of the raw
prediction, no logistic mapping) on the 2,000 official test images for
  (a) final layer (1280),
  (b) final + c96 + c320 (1696)  -- the intermediates fixed before measuring,
  (c) final + c32 + c96 (1408)   -- the other pair the brief names, for reference.
Then CLIVE SRCC of the same train-fitted ridges, once: a cross-dataset number,
nothing is chosen by it.

Measured 2026-12-06 (2 CPU cores shared with other builds, 1 thread, Debian torch 1.13):
  extract: 27 chunks, 1,394 s of chunk time (23.2 min; BIQ2021 1,281 s, ~0.107 s
    per 512x512 image; CLIVE 113 s), in three runs of <= 22 min (the first two
    chunks ran before OpenBLAS was held to one thread)
  fit: 2 min 9 s wall-clock
                               alpha   CV R^2  BIQ2021 test SRCC  PLCC
  (a) final (1280)             3.16e3  0.653   0.7868             0.8065
  (b) final+c96+c320 (1696)    3.16e3  0.677   0.8077             0.8209
  (c) final+c32+c96 (1408)     3.16e3  0.675   0.8073             0.8213
  cross-dataset, train-fitted ridges, measured once: CLIVE (1,162) SRCC
  (a) 0.6790, (b) 0.6962, (c) 0.6981 (PLCC 0.7077, 0.7207, 0.7216)
"""
import argparse
import os
import sys
import time

# one core: torch.set_num_threads(1) does not reach the BLAS that Debian's torch
# uses for the 1x1 convolutions (OpenBLAS starts a thread per core on import)
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iqa_data as D  # noqa: E402

TAPS = ("c16", "c24", "c32", "c64", "c96", "c160", "c320", "final")
WIDTH = {"c16": 16, "c24": 24, "c32": 32, "c64": 64, "c96": 96, "c160": 160, "c320": 320, "final": 1280}
CHUNK = 500


def _cols(taps):
    """Column indices of the named taps in the cached [n, 1992] arrays."""
    out, start = [], 0
    for t in TAPS:
        if t in taps:
            out.extend(range(start, start + WIDTH[t]))
        start += WIDTH[t]
    return np.asarray(out)


def _sets(args):
    tr, ytr = D.biq2021_train(args.biq)
    te, yte = D.biq2021_test(args.biq)
    cl, ycl = D.clive(args.clive)
    # BIQ2021: train then test, at 512x512; CLIVE as it is
    return {"biq": (tr + te, np.concatenate([ytr, yte]), 512, len(tr)),
            "clive": (cl, ycl, None, 0)}


def _rel(paths):
    return [os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p)) for p in paths]


def extract(args):
    import torch
    import tflite_mobilenet as TM
    torch.set_num_threads(1)
    os.makedirs(args.cache, exist_ok=True)
    net = TM.MobileNetV2(args.tflite).eval().to(memory_format=torch.channels_last)
    t_start = time.time()
    log = open(os.path.join(args.cache, "extract.log"), "a")
    last_chunk_s = 0.0
    for name, (paths, _, size, _) in _sets(args).items():
        for k in range(0, len(paths), CHUNK):
            stem = os.path.join(args.cache, f"{name}-{k // CHUNK:03d}")
            if os.path.exists(stem + ".npy"):
                continue
            elapsed = time.time() - t_start
            if elapsed + 1.2 * last_chunk_s > args.max_minutes * 60:
                print(f"stopping after {elapsed / 60:.1f} min (budget); rerun to continue")
                return 2
            t0 = time.time()
            part = paths[k:k + CHUNK]
            feats = np.zeros((len(part), sum(WIDTH.values())), np.float32)
            with torch.inference_mode():
                for i, p in enumerate(part):
                    x = TM.load_rgb(p, size)
                    x = x.contiguous(memory_format=torch.channels_last)
                    f = net.features(x, TAPS)
                    feats[i] = torch.cat([f[t][0] for t in TAPS]).numpy()
            np.save(stem + ".tmp.npy", feats)
            with open(stem + ".txt", "w") as fh:
                fh.write("\n".join(_rel(part)) + "\n")
            os.replace(stem + ".tmp.npy", stem + ".npy")
            last_chunk_s = time.time() - t0
            msg = f"{name} chunk {k // CHUNK:03d}: {len(part)} images in {last_chunk_s:.1f} s"
            print(msg, flush=True)
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}\n")
            log.flush()
    print("all chunks done")
    return 0


def _load(args, name, paths):
    out = []
    for k in range(0, len(paths), CHUNK):
        stem = os.path.join(args.cache, f"{name}-{k // CHUNK:03d}")
        if not os.path.exists(stem + ".npy"):
            raise FileNotFoundError(f"{stem}.npy missing: run extract first")
        with open(stem + ".txt") as fh:
            listed = fh.read().split("\n")[:-1]
        if listed != _rel(paths[k:k + CHUNK]):
            raise ValueError(f"{stem}.txt does not match the loader's order")
        out.append(np.load(stem + ".npy"))
    return np.concatenate(out)


def fit(args):
    from scipy.stats import pearsonr, spearmanr
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    t0 = time.time()
    sets = _sets(args)
    paths, y, _, n_train = sets["biq"]
    X = _load(args, "biq", paths)
    Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    cpaths, ycl = sets["clive"][0], sets["clive"][1]
    Xcl = _load(args, "clive", cpaths)
    variants = [("a", "final", ("final",)),
                ("b", "final+c96+c320", ("final", "c96", "c320")),
                ("c", "final+c32+c96", ("final", "c32", "c96"))]
    alphas = np.logspace(-2, 5, 15)
    fitted = []
    print(f"BIQ2021 train {len(ytr)}, test {len(yte)}; ridge alpha grid 1e-2..1e5 (15), 5-fold CV on train")
    for key, label, taps in variants:
        cols = _cols(taps)
        gs = GridSearchCV(make_pipeline(StandardScaler(), Ridge()), {"ridge__alpha": alphas},
                          cv=KFold(5, shuffle=True, random_state=0), n_jobs=1)
        gs.fit(Xtr[:, cols], ytr)
        p = gs.predict(Xte[:, cols])
        srcc, plcc = spearmanr(p, yte)[0], pearsonr(p, yte)[0]
        print(f"({key}) {label:16s} dim {len(cols):4d} alpha {gs.best_params_['ridge__alpha']:.3g}"
              f" (CV R^2 {gs.best_score_:.3f}): BIQ2021 test SRCC {srcc:.4f} PLCC {plcc:.4f}")
        fitted.append((key, label, cols, gs))
    print("cross-dataset, measured once, nothing chosen by it:")
    for key, label, cols, gs in fitted:
        p = gs.predict(Xcl[:, cols])
        print(f"({key}) {label:16s} CLIVE (1,162) SRCC {spearmanr(p, ycl)[0]:.4f}"
              f" PLCC {pearsonr(p, ycl)[0]:.4f}")
    print(f"fit time {time.time() - t0:.1f} s")
    return 0


def main():
    ap = argparse.ArgumentParser(description="frozen MobileNetV2 features + ridge on BIQ2021")
    ap.add_argument("cmd", choices=("extract", "fit"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--clive", default="/work/cache/iqa-dataset/ChallengeDB_release")
    ap.add_argument("--cache", default="/work/cache/biq-feats")
    ap.add_argument("--tflite", default=None, help="default: the int8 per-channel file")
    ap.add_argument("--max-minutes", type=float, default=22.0,
                    help="extract: stop before a chunk that would end past this")
    args = ap.parse_args()
    if args.tflite is None:
        import tflite_mobilenet as TM
        args.tflite = TM.DEFAULT_TFLITE
    return extract(args) if args.cmd == "extract" else fit(args)


if __name__ == "__main__":
    sys.exit(main())
