#!/usr/bin/python3
"""Exports default model v5 to the .rali format: the fine-tuned MobileNetV2
tower (finetune.py's checkpoint) and the head fitted by v5_head.py --save.

    /usr/bin/python3 tools/train/v5_export.py --ckpt /work/cache/v5-run/ckpt-step1165.pt \
        --head /work/cache/v5-head/head.pkl -o data/models/rali-default.rali

Folding (no new op in the engine):
  the tower's 52 convolutions -> mobilenet.* tensors in ralifmt's table order
  (stem, then per block expand / dw / project, then final), batch norm
  already folded in the TFLite file;
  x = (p - feat_mean) / feat_std and f = W x + b  ->  f = W' p' + c with
  W' = (W / feat_std) with its columns in the engine's pooled order
  (final | c96 | c320, pool_taps = [12, 16]; finetune.py pools c96 | c320 |
  final), c = b - W (feat_mean / feat_std); the head subtracts pca.mean
  first, so c is folded into it: pca.mean' = μ - c.
Checked here before writing: ralifmt's reference forward of the written
file against finetune.V5Net + the head on photos given with --check."""
import argparse
import datetime
import os
import pickle
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import finetune as FT  # noqa: E402
import ralifmt  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402
import v5_head as VH  # noqa: E402

TOWER = dict(type="mobilenet_v2", stem=32,
             blocks=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                     [6, 160, 3, 2], [6, 320, 1, 1]],
             final=1280, pool_taps=[12, 16])


# the engine's pooled order (final | c96 | c320) from finetune's (c96 | c320 | final)
ENGINE_ORDER = np.concatenate([np.arange(416, 1696), np.arange(0, 96), np.arange(96, 416)])


def tower_weight_names(cfg):
    """the tower's convolution weights, mobilenet.*.weight, in ralifmt's table
    order: the order of finetune.V5Net's tower.convs"""
    return [n for n in ralifmt.mobilenet_tensor_names(cfg) if n.startswith("mobilenet.") and n.endswith(".weight")]


def tower_tensors(state, cfg):
    convs = [(state[f"tower.convs.{i}.weight"].numpy(), state[f"tower.convs.{i}.bias"].numpy())
             for i in range(52)]
    names = tower_weight_names(cfg)
    if len(names) != len(convs):
        raise SystemExit(f"{len(convs)} convolutions for {len(names)} tower weights")
    shapes = ralifmt.mobilenet_tensor_names(cfg)
    t = {}
    for n, (w, b) in zip(names, convs):
        if tuple(w.shape) != tuple(shapes[n]):
            raise SystemExit(f"{n}: checkpoint shape {w.shape}, table {shapes[n]}")
        t[n], t[n[:-len("weight")] + "bias"] = w, b
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckpt", default="/work/cache/v5-run/ckpt-step1165.pt")
    ap.add_argument("--head", default="/work/cache/v5-head/head.pkl")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    ap.add_argument("--crops", type=int, default=0, help="fixed crop grid (1, 4, 5, 9) at --crop-short-side; 0: none")
    ap.add_argument("--crop-short-side", type=int, default=512)
    ap.add_argument("--image-size", type=int, default=512,
                    help="the tower's input: the photo's short side in pixels (v5_input_size.py compares them)")
    ap.add_argument("--frame", choices=("centre", "whole"), default="centre",
                    help="the tower's input: CLIP's centre square, or the whole frame at the same scale (its short side "
                         "at --image-size; engine/rali.h rali_frame_shape)")
    ap.add_argument("--version", default="v5.3", help="the model's version, in its name")
    ap.add_argument("--check", nargs="*", default=[], help="photos for the PyTorch check")
    args = ap.parse_args()
    ck = torch.load(args.ckpt)
    st = ck["model"]
    h = pickle.load(open(args.head, "rb"))
    ts, K = h["ts"], int(h["K"])
    W, b = h["head"]["W"].astype(np.float64), h["head"]["b"].astype(np.float64)
    fm, fs = st["feat_mean"].numpy().astype(np.float64), st["feat_std"].numpy().astype(np.float64)
    Wp = (W / fs[None, :])[:, ENGINE_ORDER]
    c = b - W @ (fm / fs)
    D = W.shape[0]
    labels = [f"{a}: {s}" for a, s in VH.STATES]
    score_map = h.get("score_map")
    dw = h.get("defect_weight", 1.0)
    # a head served at another temperature than it trained at (v5_temper.py)
    served = f" (trained at {h['trained_tau']})" if h.get("trained_tau", h["tau"]) != h["tau"] else ""
    shape = f"K={K} ({h['groups']} description groups x {h['bands']} MOS bands)" if h.get("bands") else f"K={K}"
    frame = ", the whole frame" if args.frame == "whole" else ""
    cfg = dict(name=f"Rali Studio default {args.version} (MobileNetV2 at {args.image_size} px{frame}, rule-based "
                    f"descriptors)",
               source=f"ImageNet MobileNetV2 (TensorFlow, Apache-2.0) fine-tuned on BIQ2021's training "
                      f"split (human MOS) by tools/train/finetune.py, step {ck['step']}; head by "
                      f"tools/train/v5_head.py ({shape}, tau={h['tau']}{served}, defect weight {dw:g}); exported "
                      f"{datetime.date.today().isoformat()}; not the paper's model",
               image_size=args.image_size, projection_dim=D, tower=TOWER,
               image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5],
               pca_dim=int(ts.k), prototypes=K, temperature=float(h["tau"]), score_min=1.0, score_max=5.0,
               descriptors=list(h["descr"]), descriptor_provenance="rule-based", composition_labels=labels)
    if score_map:
        cfg["score_map"] = score_map
    if args.crops:
        cfg.update(crops=args.crops, crop_short_side=args.crop_short_side)
    if args.frame == "whole":
        cfg["frame"] = "whole"
    t = tower_tensors(st, cfg)
    t["visual_projection.weight"] = Wp
    t["rali.pca.mean"] = ts.mu - c
    t["rali.pca.scale"] = ts.sigma
    t["rali.pca.components"] = ts.pca.components_
    t["rali.prototypes"] = h["protos"]
    t["rali.prototype_scores"] = h["scores"]
    t["rali.prototype_composition"] = h["rows"]
    ralifmt.save_rali(args.output, t, cfg, np.float16 if args.dtype == "f16" else np.float32)
    print(f"{args.output}: {os.path.getsize(args.output) / 1e6:.1f} MB, K={K}, D={D}, tau={h['tau']}")

    if args.check:
        w, cfg2 = ralifmt.load_rali(args.output)
        w = {k: torch.from_numpy(v) for k, v in w.items()}
        net = FT.V5Net(TM.DEFAULT_TFLITE)
        net.load_state_dict(st)
        net.eval()
        head = VH.Head(h["head"]["W"], h["head"]["b"], ts, h["protos"], h["scores"], h["tau"])
        with torch.no_grad():
            x = FT.to_tensor(np.stack([FT.load_image(p) for p in args.check])).contiguous()
            ref_f = head((net.pooled(x) - net.feat_mean) / net.feat_std)[0]
            f = ralifmt.mobilenet_v2_forward(w, cfg2, x)
        # compare in the head's standardised space (what the scores see)
        zr = (ref_f.numpy() - ts.mu) / ts.sigma
        zf = (f.numpy() - w["rali.pca.mean"].numpy()) / ts.sigma
        print(f"check on {len(args.check)} photos: max |Δ standardised embedding| {np.abs(zr - zf).max():.2e} "
              f"(scale {np.abs(zr).max():.2f})")


if __name__ == "__main__":
    main()
