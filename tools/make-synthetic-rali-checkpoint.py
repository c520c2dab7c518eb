#!/usr/bin/python3
"""Writes a small synthetic checkpoint in the layout of the released RALI
checkpoint (DESIGN.md), for testing tools/convert-rali.py, plus the scores an
independent PyTorch implementation of the released scorer computes from
those files (never from a .rali file).

    /usr/bin/python3 tools/make-synthetic-rali-checkpoint.py OUTDIR
        [--safetensors] [--pca-compress 0|zlib:N|gzip:N] [--hidden-act quick_gelu|gelu]
        [--preprocessor] [--ckpt-extra-objects] [--full-override] [--seed N]

OUTDIR/
  best/config.json             HF CLIPConfig (vision + a tiny text tower)
  best/pytorch_model.bin       torch.save of the whole CLIPModel state dict
   (or best/model.safetensors  with --safetensors; position_ids stored as I64)
  best/preprocessor_config.json  only with --preprocessor (non-CLIP mean/std)
  pca.pkl                      joblib.dump of a sklearn PCA fitted on features
  basis.npz                    vectors [K, k], scores [K] (before fine-tuning)
  checkpoints/ckpt.pt          {"state_dict": {clip.* (some vision weights
                               perturbed: they must override best/), clip text
                               keys, scorer.pca_scale, scorer.pca_components,
                               scorer.prototypes, scorer.proto_scores,
                               scorer.logit_scale}, "epoch": ...}
  images/*.png                 3 deterministic test images
  reference.json               per image: score, similarities, prototype order

Sizes: ViT 32 px / patch 8, width 64, 2 layers, 4 heads, mlp 128,
projection D = 32; PCA k = 16; K = 24 prototypes; τ = 1/17.5."""
import argparse
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ralifmt  # noqa: E402

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
ALT_MEAN, ALT_STD = [0.5, 0.45, 0.4], [0.25, 0.3, 0.35]

VISION = dict(image_size=32, patch_size=8, width=64, layers=2, heads=4, mlp_size=128, projection_dim=32,
              layer_norm_eps=1e-5)
TEXT = dict(hidden_size=32, intermediate_size=64, num_attention_heads=2, num_hidden_layers=1, vocab_size=99,
            max_position_embeddings=16)
PCA_K, N_PROTO, LOGIT_SCALE = 16, 24, 17.5
MIN_GAP = 2e-3  # top-6 similarities must be this far apart, so the order is robust to fp32


def rand_tensor(name, shape, g):
    fan_in = shape[-1] if len(shape) > 1 else 1
    if len(shape) == 4:
        fan_in = shape[1] * shape[2] * shape[3]
    if name.endswith(("layer_norm1.weight", "layer_norm2.weight", "layrnorm.weight", "layernorm.weight",
                      "final_layer_norm.weight")):
        return 1.0 + 0.2 * torch.randn(shape, generator=g)
    if len(shape) == 1:
        return 0.1 * torch.randn(shape, generator=g)
    return torch.randn(shape, generator=g) / fan_in ** 0.5


def text_tensor_names():
    C, F_, V, T = (TEXT["hidden_size"], TEXT["intermediate_size"], TEXT["vocab_size"],
                   TEXT["max_position_embeddings"])
    n = {"text_model.embeddings.token_embedding.weight": (V, C),
         "text_model.embeddings.position_embedding.weight": (T, C),
         "text_model.final_layer_norm.weight": (C,), "text_model.final_layer_norm.bias": (C,),
         "text_projection.weight": (VISION["projection_dim"], C)}
    for l in range(TEXT["num_hidden_layers"]):
        p = f"text_model.encoder.layers.{l}"
        for ln in ("layer_norm1", "layer_norm2"):
            n[f"{p}.{ln}.weight"], n[f"{p}.{ln}.bias"] = (C,), (C,)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            n[f"{p}.self_attn.{proj}.weight"], n[f"{p}.self_attn.{proj}.bias"] = (C, C), (C,)
        n[f"{p}.mlp.fc1.weight"], n[f"{p}.mlp.fc1.bias"] = (F_, C), (F_,)
        n[f"{p}.mlp.fc2.weight"], n[f"{p}.mlp.fc2.bias"] = (C, F_), (C,)
    return n


def hf_config(act):
    vc = dict(hidden_size=VISION["width"], image_size=VISION["image_size"], intermediate_size=VISION["mlp_size"],
              num_attention_heads=VISION["heads"], num_hidden_layers=VISION["layers"],
              patch_size=VISION["patch_size"], projection_dim=VISION["projection_dim"],
              model_type="clip_vision_model")
    # like HF's save_pretrained (use_diff): defaults (quick_gelu, 1e-5) are left out
    if act != "quick_gelu":
        vc["hidden_act"] = act
    tc = dict(TEXT, projection_dim=VISION["projection_dim"], model_type="clip_text_model")
    return {"_name_or_path": "synthetic-rali-clip", "architectures": ["CLIPModel"], "initializer_factor": 1.0,
            "logit_scale_init_value": 2.6592, "model_type": "clip", "projection_dim": VISION["projection_dim"],
            "text_config": tc, "vision_config": vc, "torch_dtype": "float32", "transformers_version": "4.31.0"}


def save_hf_safetensors(path, sd):
    """HF-style model.safetensors: F32 weights, I64 buffers, {"format": "pt"}."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(sd):
        a = sd[name].numpy()
        dt = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        b = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_hf_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        dt = {"F32": "<f4", "I64": "<i8"}[t["dtype"]]
        b, e = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype=dt).astype(dt[1:]).reshape(t["shape"]).copy())
    return out


def make_images(outdir, seed):
    """Three deterministic RGB PNGs of different sizes and aspect ratios."""
    from PIL import Image
    rs = np.random.RandomState(seed)
    os.makedirs(os.path.join(outdir, "images"), exist_ok=True)
    paths = []
    for i, (w, h) in enumerate([(48, 40), (37, 64), (33, 33)]):
        low = rs.rand(4, 4, 3) * 255
        img = Image.fromarray(low.astype(np.uint8)).resize((w, h), Image.BILINEAR)
        a = np.asarray(img, np.float32)
        yy, xx = np.mgrid[0:h, 0:w]
        a[..., i] += 60 * np.sin(xx / (2.0 + i)) * np.cos(yy / (3.0 + i))
        a += rs.randn(h, w, 3) * 12
        rel = f"images/synthetic-{i}.png"
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(os.path.join(outdir, rel))
        paths.append(rel)
    return paths


def random_pixels(n, g):
    """Feature-fitting inputs: normalised noise at a few scales."""
    S = VISION["image_size"]
    coarse = torch.nn.functional.interpolate(torch.randn(n, 3, 4, 4, generator=g), size=(S, S), mode="bilinear",
                                             align_corners=False)
    return 1.2 * coarse + 0.4 * torch.randn(n, 3, S, S, generator=g) + 0.5 * torch.randn(n, 3, 1, 1, generator=g)


def generate(args, seed):
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    import joblib

    g = torch.Generator().manual_seed(seed)
    rs = np.random.RandomState(seed)
    rcfg = dict(VISION, activation=args.hidden_act)
    S, P = VISION["image_size"], VISION["patch_size"]
    T = (S // P) ** 2 + 1

    # ---- the HF CLIPModel (best/)
    best = OrderedDict()
    for n, shape in ralifmt.vision_tensor_names(rcfg).items():
        best[n] = rand_tensor(n, shape, g).float()
    best["vision_model.embeddings.class_embedding"] *= 10
    best["vision_model.embeddings.position_ids"] = torch.arange(T, dtype=torch.int64)[None]
    for n, shape in text_tensor_names().items():
        best[n] = rand_tensor(n, shape, g).float()
    best["text_model.embeddings.position_ids"] = torch.arange(TEXT["max_position_embeddings"],
                                                              dtype=torch.int64)[None]
    best["logit_scale"] = torch.tensor(2.6592)

    # ---- ckpt.pt's clip.*: the fine-tuned tower.  By default only some of it
    # (layer 1, post-LN, projection) differs and is stored, so both sources matter.
    L = VISION["layers"]
    tuned = [n for n in ralifmt.vision_tensor_names(rcfg)
             if n.startswith(f"vision_model.encoder.layers.{L - 1}.") or "post_layernorm" in n
             or n == "visual_projection.weight"]
    clip_sd = OrderedDict()
    for n in (ralifmt.vision_tensor_names(rcfg) if args.full_override else tuned):
        v = best[n].clone()
        if n in tuned:
            v = v + 0.3 * v.std() * torch.randn(v.shape, generator=g) + (0.05 if v.dim() == 1 else 0)
        clip_sd["clip." + n] = v
    clip_sd["clip.vision_model.embeddings.position_ids"] = best["vision_model.embeddings.position_ids"].clone()
    clip_sd["clip.text_model.final_layer_norm.weight"] = best["text_model.final_layer_norm.weight"] * 1.1
    clip_sd["clip.text_projection.weight"] = best["text_projection.weight"] * 0.9
    clip_sd["clip.logit_scale"] = torch.tensor(3.1)
    tower = {n: best[n] for n in ralifmt.vision_tensor_names(rcfg)}
    tower.update({n[5:]: v for n, v in clip_sd.items() if n[5:] in tower})

    # ---- pca.pkl / basis.npz: fitted on the tuned tower's features
    with torch.no_grad():
        Fx = ralifmt.clip_vision_forward(tower, rcfg, random_pixels(400, g)).double().numpy()
    Fx += rs.randn(*Fx.shape) * 0.05 * Fx.std(0)
    pca = PCA(n_components=PCA_K, random_state=0).fit(Fx)
    sigma0 = np.sqrt(Fx.var(0))
    sigma0[sigma0 < 1e-10] = 1.0
    Z = ((Fx - pca.mean_) / sigma0) @ pca.components_.T
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    km = KMeans(n_clusters=N_PROTO, n_init=4, random_state=0).fit(Z)
    vectors = km.cluster_centers_.astype(np.float32)
    scores0 = rs.uniform(0.05, 0.95, N_PROTO).astype(np.float32)

    # ---- scorer.*: the head after fine-tuning
    sigma = (sigma0 * (1 + 0.05 * rs.randn(sigma0.size))).astype(np.float32)
    sigma[[3, 17]] *= -1  # the released head takes |σ|
    comps = (pca.components_ + 0.02 * rs.randn(*pca.components_.shape)).astype(np.float32)
    protos = (vectors + 0.05 * rs.randn(*vectors.shape)).astype(np.float32)
    pscores = np.clip(scores0 + 0.02 * rs.randn(N_PROTO), 0, 1).astype(np.float32)
    scorer = OrderedDict([("scorer.pca_scale", torch.from_numpy(sigma)),
                          ("scorer.pca_components", torch.from_numpy(comps)),
                          ("scorer.prototypes", torch.from_numpy(protos)),
                          ("scorer.proto_scores", torch.from_numpy(pscores)),
                          ("scorer.logit_scale", torch.tensor(LOGIT_SCALE))])

    # ---- write the layout
    out = args.outdir
    os.makedirs(os.path.join(out, "best"), exist_ok=True)
    os.makedirs(os.path.join(out, "checkpoints"), exist_ok=True)
    for stale in ("pytorch_model.bin", "model.safetensors", "preprocessor_config.json"):
        if os.path.exists(os.path.join(out, "best", stale)):
            os.unlink(os.path.join(out, "best", stale))
    with open(os.path.join(out, "best", "config.json"), "w") as f:
        json.dump(hf_config(args.hidden_act), f, indent=2)
    mean, std = CLIP_MEAN, CLIP_STD
    if args.preprocessor:
        mean, std = ALT_MEAN, ALT_STD
        with open(os.path.join(out, "best", "preprocessor_config.json"), "w") as f:
            json.dump({"crop_size": {"height": S, "width": S}, "do_center_crop": True, "do_convert_rgb": True,
                       "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": mean,
                       "image_processor_type": "CLIPImageProcessor", "image_std": std, "resample": 3,
                       "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": S}}, f, indent=2)
    if args.safetensors:
        save_hf_safetensors(os.path.join(out, "best", "model.safetensors"), best)
    else:
        torch.save(best, os.path.join(out, "best", "pytorch_model.bin"))
    ckpt = {"state_dict": OrderedDict(list(clip_sd.items()) + list(scorer.items())), "epoch": 12,
            "best_val": 0.875}
    if args.ckpt_extra_objects:
        # what real training scripts leave in checkpoints; weights_only refuses these
        ckpt["args"] = argparse.Namespace(lr=1e-5, batch_size=64, run="synthetic")
        ckpt["metrics"] = {"srcc": np.float64(0.91), "plcc": np.float32(0.93)}
    torch.save(ckpt, os.path.join(out, "checkpoints", "ckpt.pt"))
    comp = args.pca_compress
    if comp == "none":
        comp_arg = 0
    elif comp.isdigit():
        comp_arg = int(comp)  # joblib: 0 = uncompressed, N = zlib level N
    else:
        method, _, level = comp.partition(":")
        comp_arg = (method, int(level or 3))
    joblib.dump(pca, os.path.join(out, "pca.pkl"), compress=comp_arg)
    np.savez(os.path.join(out, "basis.npz"), vectors=vectors, scores=scores0)
    images = make_images(out, seed + 7)
    return images, mean, std


def reference(args, images, mean, std):
    """The released scorer, straight from the checkpoint files (trusted: we
    just wrote them), in PyTorch + float64 numpy.  Independent of the .rali
    format and of the converter."""
    import joblib
    out = args.outdir
    if args.safetensors:
        best = read_hf_safetensors(os.path.join(out, "best", "model.safetensors"))
    else:
        best = torch.load(os.path.join(out, "best", "pytorch_model.bin"), map_location="cpu")
    ckpt = torch.load(os.path.join(out, "checkpoints", "ckpt.pt"), map_location="cpu")
    sd = ckpt["state_dict"]
    pca = joblib.load(os.path.join(out, "pca.pkl"))
    with open(os.path.join(out, "best", "config.json")) as f:
        hc = json.load(f)
    vc = hc["vision_config"]
    cfg = dict(image_size=vc["image_size"], patch_size=vc["patch_size"], width=vc["hidden_size"],
               layers=vc["num_hidden_layers"], heads=vc["num_attention_heads"],
               activation=vc.get("hidden_act", "quick_gelu"), layer_norm_eps=vc.get("layer_norm_eps", 1e-5))
    w = {k: v.float() for k, v in best.items() if k.startswith("vision_model.") or k == "visual_projection.weight"}
    for k, v in sd.items():
        if k.startswith("clip.") and k[5:] in w:
            w[k[5:]] = v.float()
    S = cfg["image_size"]
    pix = np.stack([ralifmt.clip_preprocess(ralifmt.open_image_as_engine(os.path.join(out, p), S), S, mean, std)
                    for p in images])
    with torch.no_grad():
        f = ralifmt.clip_vision_forward(w, cfg, torch.from_numpy(pix)).double().numpy()
    mu = np.asarray(pca.mean_, np.float64)
    sigma = np.abs(sd["scorer.pca_scale"].double().numpy())
    Pm = sd["scorer.pca_components"].double().numpy()
    C = sd["scorer.prototypes"].double().numpy()
    sc = sd["scorer.proto_scores"].double().numpy()
    tau = 1.0 / float(sd["scorer.logit_scale"])
    x = ((f - mu) / sigma) @ Pm.T
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    c = C / np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
    s = x @ c.T
    e = np.exp((s - s.max(1, keepdims=True)) / tau)
    wts = e / e.sum(1, keepdims=True)
    score = wts @ sc
    rows = []
    for i, p in enumerate(images):
        order = [int(j) for j in np.argsort(-s[i], kind="stable")]
        top6 = s[i][order[:6]]
        rows.append(dict(path=p, score=float(score[i]), similarities=[float(v) for v in s[i]], order=order,
                         top5=order[:5], min_gap_top6=float(np.min(top6[:-1] - top6[1:])),
                         features=[float(v) for v in f[i]]))
    return dict(images=rows, temperature=tau, image_mean=mean, image_std=std, activation=cfg["activation"],
                D=int(Pm.shape[1]), k=int(Pm.shape[0]), K=int(C.shape[0]),
                note="computed from best/ + checkpoints/ckpt.pt + pca.pkl by tools/make-synthetic-rali-checkpoint.py "
                     "(PyTorch vision forward, float64 head), not from a .rali file")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--safetensors", action="store_true", help="best/model.safetensors instead of pytorch_model.bin")
    ap.add_argument("--pca-compress", default="0", help="joblib compress for pca.pkl: 0 (none), N (zlib level N), zlib:N or gzip:N")
    ap.add_argument("--hidden-act", default="quick_gelu", choices=["quick_gelu", "gelu"])
    ap.add_argument("--preprocessor", action="store_true", help="write preprocessor_config.json with non-CLIP mean/std")
    ap.add_argument("--ckpt-extra-objects", action="store_true",
                    help="put an argparse.Namespace and numpy scalars in ckpt.pt (as training scripts do)")
    ap.add_argument("--full-override", action="store_true", help="ckpt.pt holds every clip.vision_model.* tensor")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for attempt in range(20):
        images, mean, std = generate(args, args.seed + 1000 * attempt)
        ref = reference(args, images, mean, std)
        gap = min(r["min_gap_top6"] for r in ref["images"])
        if gap >= MIN_GAP:
            break
        print(f"attempt {attempt}: top-6 similarities only {gap:.2g} apart; regenerating")
    else:
        sys.exit("could not make a checkpoint with well-separated prototype similarities")
    ref["seed"] = args.seed + 1000 * attempt
    with open(os.path.join(args.outdir, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"wrote {args.outdir}: scores {[round(r['score'], 4) for r in ref['images']]}, "
          f"top5 {[r['top5'] for r in ref['images']]}, min top-6 gap {gap:.3g}, τ {ref['temperature']:.4g}")


if __name__ == "__main__":
    main()
