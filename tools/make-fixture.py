#!/usr/bin/python3
"""Builds the tiny random CLIP-style and MobileNetV2 models the tests use,
and the PyTorch reference for them: preprocessed inputs (PIL), every
block's activations, the pooled output, the features, and the RALI head's
scores.

    /usr/bin/python3 tools/make-fixture.py [--out tests/fixtures] [--variant NAME] IMAGE...

Writes, per variant, NAME.rali and NAME.ref.safetensors (tensors: pixels,
embeddings, layer.N, pooled, features, scores, similarities; for a
MobileNetV2 stem, block.N and final (NHWC) instead of embeddings and
layer.N; metadata: the image paths)."""
import argparse
import json
import os

import numpy as np
import torch

import ralifmt

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
TF_MEAN = [0.5, 0.5, 0.5]  # TensorFlow's [-1, 1] inputs
TF_STD = [0.5, 0.5, 0.5]

VARIANTS = {
    # quick_gelu like OpenAI CLIP, F32 weights, with a RALI head
    "tiny-quickgelu": dict(image_size=32, patch_size=8, width=64, layers=2, heads=4, mlp_size=256,
                           projection_dim=48, activation="quick_gelu", dtype="F32"),
    # gelu, F16 weights, odd token grid (5x5 patches), non-power-of-two sizes
    "tiny-gelu-f16": dict(image_size=40, patch_size=8, width=72, layers=3, heads=6, mlp_size=200,
                          projection_dim=40, activation="gelu", dtype="F16"),
    # our default model's shape: a conv stem (two 3x3/2 convs + 1x1) instead of the patch conv
    "tiny-convstem": dict(image_size=32, patch_size=4, width=48, layers=2, heads=4, mlp_size=96,
                          projection_dim=32, activation="gelu", dtype="F32", stem=[8, 12],
                          crops=5, crop_short_side=48),
    # the same shape, its 5 crops the most detailed of a 4x4 candidate grid (crop_select "detail",
    # detail measured on 2x2 blocks),
    # and a logistic score_map on the head
    "tiny-convstem-detail": dict(image_size=32, patch_size=4, width=48, layers=2, heads=4, mlp_size=96,
                                 projection_dim=32, activation="gelu", dtype="F32", stem=[8, 12],
                                 crops=5, crop_short_side=48, crop_select="detail", crop_select_grid=4,
                                 crop_select_scale=2,
                                 score_map=dict(type="logistic", low=0.1, high=0.9, centre=0.7, width=0.05)),
    # the next default model's tower: a MobileNetV2 (TF SAME padding, ReLU6, one pooled tap); 28 px so
    # that the SAME padding's odd pixel lands after the end at stride 2 (28 -> 14 -> 7) and not (7 -> 4)
    "tiny-mobilenet": dict(image_size=28, projection_dim=16, pca_dim=12, dtype="F32",
                           tower=dict(type="mobilenet_v2", stem=8, blocks=[[1, 8, 1, 1], [6, 12, 2, 2], [6, 16, 2, 2]],
                                      final=32, pool_taps=[2])),
    # the same tower reading the whole frame ("frame": "whole"): every image its own input shape, so the
    # reference is per image (pixels@I, stem@I, block.N@I, final@I, pooled@I, features@I; shapes [n, 2])
    "tiny-mobilenet-frame": dict(image_size=28, projection_dim=16, pca_dim=12, dtype="F32", frame="whole",
                                 tower=dict(type="mobilenet_v2", stem=8,
                                            blocks=[[1, 8, 1, 1], [6, 12, 2, 2], [6, 16, 2, 2]],
                                            final=32, pool_taps=[2])),
}


def make_model(name, spec, seed):
    g = torch.Generator().manual_seed(seed)
    if spec.get("tower"):
        cfg = dict(name=name, source="random weights from tools/make-fixture.py (test fixture)",
                   image_size=spec["image_size"], projection_dim=spec["projection_dim"], tower=spec["tower"],
                   image_mean=TF_MEAN, image_std=TF_STD)
    else:
        cfg = dict(name=name, source="random weights from tools/make-fixture.py (test fixture)",
                   image_size=spec["image_size"], patch_size=spec["patch_size"], width=spec["width"],
                   layers=spec["layers"], heads=spec["heads"], mlp_size=spec["mlp_size"],
                   projection_dim=spec["projection_dim"], activation=spec["activation"],
                   layer_norm_eps=1e-5, image_mean=CLIP_MEAN, image_std=CLIP_STD)
    cfg.update(pca_dim=spec.get("pca_dim", 16), prototypes=12, temperature=0.05, score_min=0.0, score_max=1.0,
               descriptor_provenance="rule-based")
    if spec.get("stem"):
        cfg["stem"] = {"type": "conv", "channels": spec["stem"]}
    if spec.get("crops"):
        cfg["crops"], cfg["crop_short_side"] = spec["crops"], spec["crop_short_side"]
    if spec.get("score_map"):
        cfg["score_map"] = spec["score_map"]
    if spec.get("frame"):
        cfg["frame"] = spec["frame"]
    if spec.get("crop_select"):
        cfg["crop_select"], cfg["crop_select_grid"] = spec["crop_select"], spec["crop_select_grid"]
        cfg["crop_select_scale"] = spec.get("crop_select_scale", 1)
    cfg["descriptors"] = [f"fixture descriptor {i}: " + ["sharp", "blurry", "noisy", "dark", "bright",
                          "flat", "vivid", "soft", "blocky", "clean", "hazy", "crisp"][i % 12]
                          for i in range(cfg["prototypes"])]
    t = {}
    for n, shape in {**ralifmt.tower_tensor_names(cfg), **ralifmt.head_tensor_names(cfg)}.items():
        fan_in = shape[-1] if len(shape) > 1 else 1
        if len(shape) == 4:
            fan_in = shape[1] * shape[2] * shape[3]
        if n.endswith("layer_norm1.weight") or n.endswith("layer_norm2.weight") or "layrnorm.weight" in n \
                or n.endswith("layernorm.weight"):
            v = 1.0 + 0.2 * torch.randn(shape, generator=g)
        elif n == "rali.pca.scale":
            v = 0.5 + torch.rand(shape, generator=g)  # |σ| is used; keep it away from 0
            v[::3] *= -1  # the head must take |σ|
        elif n == "rali.prototype_scores":
            v = torch.rand(shape, generator=g)
        elif len(shape) == 1:
            v = 0.1 * torch.randn(shape, generator=g)
        else:
            v = torch.randn(shape, generator=g) / fan_in ** 0.5
        t[n] = v.numpy().astype(np.float32)
    if spec.get("tower"):
        # He-like gains, and a stem and expansions strong enough that ReLU6 clips at 6 now and then
        for n in t:
            if n.endswith(".weight") and n.startswith("mobilenet."):
                t[n] *= (4.0 if n == "mobilenet.stem.weight" or ".expand." in n else 2.0 if ".final." in n
                         else 1.0 if ".dw." in n else 0.7)
        return cfg, t
    # make the class token and positions matter
    t["vision_model.embeddings.class_embedding"] *= 10
    if spec.get("stem"):
        for n in t:
            if ".stem." in n and n.endswith(".weight"):
                t[n] *= 2 ** 0.5  # He init: keep ReLU activations from fading
    return cfg, t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures"))
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS),
                    help="only this variant (repeatable; default: all)")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_grad_enabled(False)
    for seed, (name, spec) in enumerate(VARIANTS.items()):
        if args.variant and name not in args.variant:
            continue
        cfg, t = make_model(name, spec, 1234 + seed)
        dtype = np.float16 if spec["dtype"] == "F16" else np.float32
        path = os.path.join(args.out, name + ".rali")
        ralifmt.save_rali(path, t, cfg, dtype)
        # the reference runs on exactly the weights the engine will see
        w = {k: torch.from_numpy(v) for k, v in ralifmt.load_rali(path)[0].items()}
        views = [ralifmt.preprocess_for_model(p, cfg) for p in args.images]
        V = views[0].shape[0]
        if cfg.get("frame") == "whole":
            # one forward per image: each has its own shape
            ref = {"shapes": np.array([v.shape[2:] for v in views], np.float32)}
            fs = []
            for i, v in enumerate(views):
                ref[f"pixels@{i}"] = v

                def trace(stage, x, i=i):
                    ref[f"{stage}@{i}"] = x.numpy().copy()

                fs.append(ralifmt.vision_forward(w, cfg, torch.from_numpy(v), trace))
            f = torch.cat(fs)
        else:
            pix = np.concatenate(views)  # [files*V, 3, S, S]
            ref = {"pixels": pix}

            def trace(stage, x):
                ref[stage] = x.numpy().copy()

            f = ralifmt.vision_forward(w, cfg, torch.from_numpy(pix), trace)
        # a file's feature is the mean over its views (crops)
        f = f.view(len(args.images), V, -1).mean(dim=1)
        ref["file_features"] = f.numpy()
        score, sims = ralifmt.rali_head(w, cfg, f)
        ref["scores"] = score.numpy()
        ref["similarities"] = sims.numpy()
        rel = [os.path.relpath(p, os.path.join(args.out, "..", "..")) for p in args.images]
        ralifmt.save_safetensors(os.path.join(args.out, name + ".ref.safetensors"),
                                 {k: np.asarray(v, np.float32) for k, v in ref.items()},
                                 {"images": json.dumps(rel)})
        print(f"{name}: {sum(v.size for v in t.values())} params, S={cfg['image_size']}, views={V}, images={len(rel)}, "
              f"scores={np.round(ref['scores'], 4).tolist()}")


if __name__ == "__main__":
    main()
