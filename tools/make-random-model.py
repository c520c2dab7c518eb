#!/usr/bin/python3
"""Writes a .rali file with random weights of a given shape, for benchmarks
(never for scoring: its numbers mean nothing): CLIP-shaped ViTs, or the
default model's MobileNetV2 tower at 512 px (tools/train/v5_export.py's
shape).  No head: `rali bench` and `rali embed` run it, `rali score` does not.

    /usr/bin/python3 tools/make-random-model.py --preset vit-b16 -o /tmp/vit-b16.rali
"""
import argparse

import numpy as np

import ralifmt

PRESETS = {
    "vit-b16": dict(image_size=224, patch_size=16, width=768, layers=12, heads=12, mlp_size=3072,
                    projection_dim=512),
    "vit-l14-336": dict(image_size=336, patch_size=14, width=1024, layers=24, heads=16, mlp_size=4096,
                        projection_dim=768),
    "small": dict(image_size=224, patch_size=16, width=256, layers=6, heads=8, mlp_size=1024,
                  projection_dim=256),
    "mobilenet-v2-512": dict(image_size=512, projection_dim=256,
                             tower=dict(type="mobilenet_v2", stem=32,
                                        blocks=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                                                [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]],
                                        final=1280, pool_taps=[12, 16])),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=PRESETS, default="vit-b16")
    ap.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    cfg = dict(PRESETS[args.preset], name=f"random {args.preset}", source="random weights (benchmark only)")
    if "tower" in cfg:  # TensorFlow's [-1, 1] inputs
        cfg.update(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    else:
        cfg.update(activation="quick_gelu", layer_norm_eps=1e-5,
                   image_mean=[0.48145466, 0.4578275, 0.40821073], image_std=[0.26862954, 0.26130258, 0.27577711])
    rng = np.random.default_rng(0)
    t = {}
    for name, shape in ralifmt.tower_tensor_names(cfg).items():
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        t[name] = (rng.standard_normal(shape, dtype=np.float32) / np.sqrt(fan_in)).astype(np.float32)
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or "layrnorm.weight" in name \
                or "layernorm.weight" in name:
            t[name] = np.ones(shape, np.float32)
    ralifmt.save_rali(args.output, t, cfg, np.float16 if args.dtype == "f16" else np.float32)
    print(f"{args.output}: {sum(v.size for v in t.values())} parameters")


if __name__ == "__main__":
    main()
