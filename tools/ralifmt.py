"""The .rali model format (safetensors + rali.config) and a PyTorch reference
of the vision towers (CLIP's ViT, MobileNetV2), shared by the fixture maker,
the converter and the trainer.  Run everything with Debian's /usr/bin/python3 (torch 1.13)."""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16"}


def save_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (float32/float16). Writes the
    safetensors layout: u64 header length, JSON header, raw LE data."""
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {a.dtype} not supported")
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        if n > size - 8:  # f.read(n) would allocate n bytes first
            raise ValueError(f"{path}: safetensors header length {n} is past the end of the file ({size} bytes)")
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        dt = {"F32": np.float32, "F16": np.float16}[t["dtype"]]
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype=np.dtype(dt).newbyteorder("<")).reshape(t["shape"])
    return out, meta


def save_rali(path, tensors, config, dtype=np.float32):
    """config: the rali.config dict (see DESIGN.md)."""
    conv = {k: np.asarray(v, dtype=np.float32).astype(dtype) for k, v in tensors.items()}
    save_safetensors(path, conv, {"rali.config": json.dumps(config)})


def load_rali(path):
    t, meta = load_safetensors(path)
    return {k: v.astype(np.float32) for k, v in t.items()}, json.loads(meta["rali.config"])


def vision_tensor_names(cfg):
    """name -> shape, exactly the table engine/nn/model.c checks."""
    C, P, F_, D = cfg["width"], cfg["patch_size"], cfg["mlp_size"], cfg["projection_dim"]
    G = cfg["image_size"] // P
    T = G * G + 1
    vm = "vision_model"
    names = {}
    stem = (cfg.get("stem") or {}).get("channels") or []
    cin = 3
    for i, cout in enumerate(stem):
        names[f"{vm}.embeddings.stem.{i}.weight"] = (cout, cin, 3, 3)
        names[f"{vm}.embeddings.stem.{i}.bias"] = (cout,)
        cin = cout
    if stem:
        names[f"{vm}.embeddings.patch_embedding.weight"] = (C, cin, 1, 1)
        names[f"{vm}.embeddings.patch_embedding.bias"] = (C,)
    else:
        names[f"{vm}.embeddings.patch_embedding.weight"] = (C, 3, P, P)
    names.update({
        f"{vm}.embeddings.class_embedding": (C,),
        f"{vm}.embeddings.position_embedding.weight": (T, C),
        f"{vm}.pre_layrnorm.weight": (C,), f"{vm}.pre_layrnorm.bias": (C,),
        f"{vm}.post_layernorm.weight": (C,), f"{vm}.post_layernorm.bias": (C,),
        "visual_projection.weight": (D, C),
    })
    for l in range(cfg["layers"]):
        p = f"{vm}.encoder.layers.{l}"
        for ln in ("layer_norm1", "layer_norm2"):
            names[f"{p}.{ln}.weight"] = (C,)
            names[f"{p}.{ln}.bias"] = (C,)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            names[f"{p}.self_attn.{proj}.weight"] = (C, C)
            names[f"{p}.self_attn.{proj}.bias"] = (C,)
        names[f"{p}.mlp.fc1.weight"] = (F_, C)
        names[f"{p}.mlp.fc1.bias"] = (F_,)
        names[f"{p}.mlp.fc2.weight"] = (C, F_)
        names[f"{p}.mlp.fc2.bias"] = (C,)
    return names


def mobilenet_blocks(cfg):
    """The flat list of MobileNetV2 blocks of a config's "tower" (as
    engine/nn/model.c rali_cnn_blocks): dicts t, cin, cexp, cout, stride."""
    tw = cfg["tower"]
    out, cin = [], tw["stem"]
    for t, c, n, s in tw["blocks"]:
        for i in range(n):
            out.append(dict(t=t, cin=cin, cexp=t * cin, cout=c, stride=s if i == 0 else 1))
            cin = c
    return out


def mobilenet_tensor_names(cfg):
    """name -> shape of a MobileNetV2 tower (the table engine/nn/model.c checks)."""
    tw = cfg["tower"]
    blocks = mobilenet_blocks(cfg)
    names = {"mobilenet.stem.weight": (tw["stem"], 3, 3, 3), "mobilenet.stem.bias": (tw["stem"],)}
    for i, b in enumerate(blocks):
        p = f"mobilenet.blocks.{i}"
        if b["t"] != 1:
            names[f"{p}.expand.weight"] = (b["cexp"], b["cin"], 1, 1)
            names[f"{p}.expand.bias"] = (b["cexp"],)
        names[f"{p}.dw.weight"] = (b["cexp"], 1, 3, 3)
        names[f"{p}.dw.bias"] = (b["cexp"],)
        names[f"{p}.project.weight"] = (b["cout"], b["cexp"], 1, 1)
        names[f"{p}.project.bias"] = (b["cout"],)
    names["mobilenet.final.weight"] = (tw["final"], blocks[-1]["cout"], 1, 1)
    names["mobilenet.final.bias"] = (tw["final"],)
    pooled = tw["final"] + sum(blocks[i]["cout"] for i in tw.get("pool_taps") or [])
    names["visual_projection.weight"] = (cfg["projection_dim"], pooled)
    return names


def tower_tensor_names(cfg):
    """name -> shape of the config's vision tower, ViT or MobileNetV2."""
    return mobilenet_tensor_names(cfg) if cfg.get("tower") else vision_tensor_names(cfg)


def head_tensor_names(cfg):
    D, k, K = cfg["projection_dim"], cfg["pca_dim"], cfg["prototypes"]
    names = {"rali.pca.mean": (D,), "rali.pca.scale": (D,), "rali.pca.components": (k, D),
             "rali.prototypes": (K, k), "rali.prototype_scores": (K,)}
    if cfg.get("composition_labels"):
        names["rali.prototype_composition"] = (K, len(cfg["composition_labels"]))
    return names


def prototype_overlap(w, cfg):
    """[K,K] cosines between prototypes as the engine's selection
    (rali_model_overlap_rows) takes them: of their member compositions when the model has them,
    else of their centres in the PCA space."""
    A = np.asarray(w["rali.prototype_composition" if cfg.get("composition_labels") else "rali.prototypes"],
                   np.float64)
    A = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    return A @ A.T


def with_composition(src, dst, comp, labels):
    """Copies the .rali file src to dst with a prototype composition comp
    [K,T] (float32) named by labels [T]: the header gains the tensor and
    composition_labels, the other tensors' bytes are kept as they are."""
    blob = open(src, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header, data = json.loads(blob[8:8 + n]), blob[8 + n:]
    cfg = json.loads(header["__metadata__"]["rali.config"])
    comp = np.ascontiguousarray(comp, np.float32)
    assert comp.shape == (cfg["prototypes"], len(labels))
    header["rali.prototype_composition"] = {"dtype": "F32", "shape": list(comp.shape),
                                            "data_offsets": [len(data), len(data) + comp.nbytes]}
    cfg["composition_labels"] = list(labels)
    header["__metadata__"]["rali.config"] = json.dumps(cfg)
    hb = json.dumps(header).encode()
    open(dst, "wb").write(struct.pack("<Q", len(hb)) + hb + data + comp.tobytes())


def one_hot_composition(groups):
    """[K,T] rows that are all of kind groups[i]: two prototypes overlap fully or not at all."""
    comp = np.zeros((len(groups), max(groups) + 1), np.float32)
    comp[np.arange(len(groups)), groups] = 1
    return comp, [f"kind{i}" for i in range(comp.shape[1])]


def select_distinct(ranked, overlap, max_cosine, n):
    """Reference of rali_select_distinct: walk the prototype indices in
    ranked (by descending similarity), keep one unless its overlap with one
    already kept is >= max_cosine, stop at n."""
    kept = []
    for i in ranked:
        if len(kept) == n:
            break
        if max_cosine >= 1 or all(overlap[i, j] < max_cosine for j in kept):
            kept.append(i)
    return kept


def shown_min_weight(root):
    """engine/rali.h's RALI_SHOWN_MIN_WEIGHT (rali score --min-weight's
    default, where the detail view's list stops), read from the header so
    that the tests follow it."""
    import re
    with open(os.path.join(root, "engine", "rali.h"), encoding="utf-8") as fh:
        m = re.search(r"^#define RALI_SHOWN_MIN_WEIGHT ([0-9.]+)$", fh.read(), re.M)
    if not m:
        raise ValueError("engine/rali.h: no RALI_SHOWN_MIN_WEIGHT")
    return float(m.group(1))


def stop_at_weight(kept, weight_of, min_weight):
    """Reference of rali score's --min-weight: the first kept prototype, then
    the next ones while each carries at least min_weight (weight_of[i] is
    prototype i's softmax weight)."""
    out = kept[:1]
    for i in kept[1:]:
        if weight_of[i] < min_weight:
            break
        out.append(i)
    return out


def near_copies_weights(kept, weights, overlap, max_cosine):
    """Reference of rali_head_score_distinct's near_weight: each prototype
    not kept adds its softmax weight to the first kept one (in list order)
    it overlaps by >= max_cosine; none when max_cosine >= 1."""
    near = [0.0] * len(kept)
    if max_cosine >= 1:
        return near
    for i in range(len(weights)):
        if i in kept:
            continue
        for t, j in enumerate(kept):
            if overlap[i, j] >= max_cosine:
                near[t] += float(weights[i])
                break
    return near


def clip_vision_forward(w, cfg, pixels, trace=None):
    """Reference forward with torch modules/functionals, in float64-free fp32.
    w: dict name -> torch tensor; pixels [B,3,S,S].  Returns f [B,D]
    (unnormalised, CLIP get_image_features).  trace(stage, tensor)."""
    vm = "vision_model"
    C, P, H = cfg["width"], cfg["patch_size"], cfg["heads"]
    eps = cfg["layer_norm_eps"]
    act = cfg["activation"]
    B = pixels.shape[0]
    stem = (cfg.get("stem") or {}).get("channels") or []
    if stem:
        x = pixels
        for i in range(len(stem)):
            x = F.relu(F.conv2d(x, w[f"{vm}.embeddings.stem.{i}.weight"], w[f"{vm}.embeddings.stem.{i}.bias"],
                                stride=2, padding=1))
        x = F.conv2d(x, w[f"{vm}.embeddings.patch_embedding.weight"], w[f"{vm}.embeddings.patch_embedding.bias"])
    else:
        x = F.conv2d(pixels, w[f"{vm}.embeddings.patch_embedding.weight"], stride=P)  # [B,C,G,G]
    x = x.flatten(2).transpose(1, 2)  # [B,G*G,C]
    cls = w[f"{vm}.embeddings.class_embedding"].expand(B, 1, C)
    x = torch.cat([cls, x], dim=1) + w[f"{vm}.embeddings.position_embedding.weight"]
    x = F.layer_norm(x, (C,), w[f"{vm}.pre_layrnorm.weight"], w[f"{vm}.pre_layrnorm.bias"], eps)
    if trace:
        trace("embeddings", x)
    T = x.shape[1]
    Dh = C // H
    for l in range(cfg["layers"]):
        p = f"{vm}.encoder.layers.{l}"
        h = F.layer_norm(x, (C,), w[f"{p}.layer_norm1.weight"], w[f"{p}.layer_norm1.bias"], eps)
        # HF CLIPAttention: q scaled by Dh^-0.5, softmax(q kᵀ) v
        q = F.linear(h, w[f"{p}.self_attn.q_proj.weight"], w[f"{p}.self_attn.q_proj.bias"]) * Dh ** -0.5
        k = F.linear(h, w[f"{p}.self_attn.k_proj.weight"], w[f"{p}.self_attn.k_proj.bias"])
        v = F.linear(h, w[f"{p}.self_attn.v_proj.weight"], w[f"{p}.self_attn.v_proj.bias"])
        q, k, v = (t.view(B, T, H, Dh).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(a, w[f"{p}.self_attn.out_proj.weight"], w[f"{p}.self_attn.out_proj.bias"])
        h = F.layer_norm(x, (C,), w[f"{p}.layer_norm2.weight"], w[f"{p}.layer_norm2.bias"], eps)
        h = F.linear(h, w[f"{p}.mlp.fc1.weight"], w[f"{p}.mlp.fc1.bias"])
        h = h * torch.sigmoid(1.702 * h) if act == "quick_gelu" else F.gelu(h)
        x = x + F.linear(h, w[f"{p}.mlp.fc2.weight"], w[f"{p}.mlp.fc2.bias"])
        if trace:
            trace(f"layer.{l}", x)
    pooled = F.layer_norm(x[:, 0], (C,), w[f"{vm}.post_layernorm.weight"], w[f"{vm}.post_layernorm.bias"], eps)
    if trace:
        trace("pooled", pooled)
    f = F.linear(pooled, w["visual_projection.weight"])
    if trace:
        trace("features", f)
    return f


def tf_same_conv3x3(x, weight, bias, stride, groups=1):
    """A 3x3 convolution with TensorFlow's SAME padding along each axis:
    total = max((ceil(n/s) - 1)*s + 3 - n, 0), total//2 before, the rest
    (the odd pixel) after."""
    pads = []
    for n in (x.shape[3], x.shape[2]):  # F.pad wants (left, right, top, bottom)
        total = max((-(-n // stride) - 1) * stride + 3 - n, 0)
        pads += [total // 2, total - total // 2]
    return F.conv2d(F.pad(x, pads), weight, bias, stride=stride, groups=groups)


def relu6(x):
    return F.hardtanh(x, 0.0, 6.0)


def mobilenet_v2_forward(w, cfg, pixels, trace=None):
    """Reference forward of a "tower": {"type": "mobilenet_v2"} model (the
    graph of tools/train/tflite_mobilenet.py: batch norm folded, TF SAME
    padding, ReLU6), fp32.  w: dict name -> torch tensor; pixels [B,3,S,S].
    Returns f [B,D] (unnormalised).  trace(stage, tensor): "stem",
    "block.N", "final" as NHWC [B,H,W,C] (the engine's layout), "pooled"
    [B, final + taps], "features" [B,D]."""
    tw = cfg["tower"]
    taps = tw.get("pool_taps") or []

    def nhwc(t):
        return t.permute(0, 2, 3, 1).contiguous()

    x = relu6(tf_same_conv3x3(pixels, w["mobilenet.stem.weight"], w["mobilenet.stem.bias"], 2))
    if trace:
        trace("stem", nhwc(x))
    tapped = {}
    for i, b in enumerate(mobilenet_blocks(cfg)):
        p = f"mobilenet.blocks.{i}"
        h = x
        if b["t"] != 1:
            h = relu6(F.conv2d(h, w[f"{p}.expand.weight"], w[f"{p}.expand.bias"]))
        h = relu6(tf_same_conv3x3(h, w[f"{p}.dw.weight"], w[f"{p}.dw.bias"], b["stride"], groups=b["cexp"]))
        h = F.conv2d(h, w[f"{p}.project.weight"], w[f"{p}.project.bias"])
        x = h + x if b["stride"] == 1 and b["cin"] == b["cout"] else h
        if i in taps:
            tapped[i] = x.mean(dim=(2, 3))
        if trace:
            trace(f"block.{i}", nhwc(x))
    x = relu6(F.conv2d(x, w["mobilenet.final.weight"], w["mobilenet.final.bias"]))
    if trace:
        trace("final", nhwc(x))
    pooled = torch.cat([x.mean(dim=(2, 3))] + [tapped[i] for i in taps], dim=1)
    if trace:
        trace("pooled", pooled)
    f = F.linear(pooled, w["visual_projection.weight"])
    if trace:
        trace("features", f)
    return f


def vision_forward(w, cfg, pixels, trace=None):
    """The config's vision tower: CLIP's ViT, or a MobileNetV2 ("tower")."""
    if cfg.get("tower"):
        return mobilenet_v2_forward(w, cfg, pixels, trace)
    return clip_vision_forward(w, cfg, pixels, trace)


def apply_score_map(m, score):
    """A model's logistic score_map (engine/head/head.c) on a torch tensor or a
    numpy array of raw head scores."""
    exp = torch.exp if isinstance(score, torch.Tensor) else np.exp
    return m["low"] + (m["high"] - m["low"]) / (1 + exp(-(score - m["centre"]) / m["width"]))


def rali_head(w, cfg, f):
    """The released scorer's head on unnormalised features f [B,D]:
    standardise, PCA-project, normalise, cosine to prototypes, softmax(s/τ),
    then the optional logistic score_map.  Returns (score [B], similarities [B,K])."""
    x = (f - w["rali.pca.mean"]) / w["rali.pca.scale"].abs()
    x = x @ w["rali.pca.components"].T
    x = F.normalize(x, dim=-1)
    c = F.normalize(w["rali.prototypes"], dim=-1)
    s = x @ c.T
    p = torch.softmax(s / cfg["temperature"], dim=-1)
    score = p @ w["rali.prototype_scores"]
    m = cfg.get("score_map")
    if m:  # our default model's calibration (engine/head/head.c)
        score = apply_score_map(m, score)
    return score, s


def clip_preprocess(img, size, mean, std):
    """HF CLIPImageProcessor on a PIL RGB image -> numpy [3,size,size]."""
    from PIL import Image
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    img = img.crop((left, top, left + size, top + size))
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = (a - np.array(mean, np.float32)) / np.array(std, np.float32)
    return a.transpose(2, 0, 1).copy()


FRAME_MAX_ASPECT = 3  # engine/rali.h RALI_FRAME_MAX_ASPECT


def frame_shape(w, h, size):
    """engine/image/preprocess.c rali_frame_shape: (crop_w, crop_h, out_w, out_h)
    of a whole-frame model's input for a w x h photo: the long side cut to
    FRAME_MAX_ASPECT times the short one, then CLIP's resize, uncropped."""
    cw, ch = max(w, 1), max(h, 1)
    if cw > ch * FRAME_MAX_ASPECT:
        cw = ch * FRAME_MAX_ASPECT
    elif ch > cw * FRAME_MAX_ASPECT:
        ch = cw * FRAME_MAX_ASPECT
    short, long = min(cw, ch), max(cw, ch)
    nl = min(max(int(size * long / short), size), size * FRAME_MAX_ASPECT)  # CLIP's long side (clip_preprocess)
    return (cw, ch, size, nl) if cw <= ch else (cw, ch, nl, size)


def frame_preprocess(img, size, mean, std):
    """A whole-frame model's preprocessing of a PIL RGB image -> numpy
    [3, out_h, out_w] (rali_preprocess_frame)."""
    from PIL import Image
    w, h = img.size
    cw, ch, ow, oh = frame_shape(w, h, size)
    if (cw, ch) != (w, h):
        x0, y0 = (w - cw) // 2, (h - ch) // 2
        img = img.crop((x0, y0, x0 + cw, y0 + ch))
    img = img.resize((ow, oh), Image.BICUBIC)
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = (a - np.array(mean, np.float32)) / np.array(std, np.float32)
    return a.transpose(2, 0, 1).copy()


def crop_grid(n, W, H, S):
    """Top-left corners, exactly as engine/image/crops.c rali_crop_grid."""
    g = {1: 1, 4: 2, 5: 2, 9: 3}[n]
    out = []
    if g == 1 or n == 5:
        out.append(((W - S) // 2, (H - S) // 2))
    if g > 1:
        for j in range(g):
            for i in range(g):
                out.append((i * (W - S) // (g - 1), j * (H - S) // (g - 1)))
    return out


def crop_select_detail(n, g, rgb, S, f=1):
    """Top-left corners, exactly as engine/image/crops.c rali_crop_select_detail:
    integer luma summed over f x f blocks, then the n of g x g candidate
    crops with the largest sum of |4-neighbour Laplacian| over the interior
    of their block window (ties: earlier first), in grid order.
    rgb: uint8 [H,W,3]."""
    H, W = rgb.shape[:2]
    c = rgb.astype(np.int64)
    Y = (77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8
    Hc, Wc = H // f, W // f
    Y = Y[:Hc * f, :Wc * f].reshape(Hc, f, Wc, f).sum((1, 3))
    lap = np.abs(4 * Y[1:-1, 1:-1] - Y[1:-1, :-2] - Y[1:-1, 2:] - Y[:-2, 1:-1] - Y[2:, 1:-1])
    cand, detail = [], []
    for j in range(g):
        for i in range(g):
            x, y = (i * (W - S) // (g - 1), j * (H - S) // (g - 1)) if g > 1 else ((W - S) // 2, (H - S) // 2)
            cand.append((x, y))
            # lap[v, u] is the Laplacian at block (u+1, v+1): the block window's interior
            detail.append(int(lap[y // f:(y + S) // f - 2, x // f:(x + S) // f - 2].sum()))
    order = sorted(range(len(cand)), key=lambda k: (-detail[k], k))[:n]
    return [cand[k] for k in sorted(order)]


def multi_crop_preprocess(img, size, short_side, n, mean, std, select_grid=0, select_scale=1):
    """Our default model's preprocessing (engine/image/crops.c): shortest side to
    short_side when larger (to size when smaller), n crops on a fixed grid,
    or the n most detailed of a select_grid x select_grid grid.
    Returns numpy [n,3,size,size]."""
    from PIL import Image
    w, h = img.size
    s, l = min(w, h), max(w, h)
    target = short_side if s > short_side else size if s < size else s
    ns, nl = target, target * l // s
    nw, nh = (ns, nl) if w <= h else (nl, ns)
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BICUBIC)
    rgb = np.asarray(img)
    corners = crop_select_detail(n, select_grid, rgb, size, select_scale) if select_grid else crop_grid(n, nw, nh, size)
    a = rgb.astype(np.float32) / 255.0
    a = (a - np.array(mean, np.float32)) / np.array(std, np.float32)
    a = a.transpose(2, 0, 1)
    return np.stack([a[:, y:y + size, x:x + size] for x, y in corners]).copy()


def preprocess_for_model(path, cfg):
    """The engine's whole preprocessing of one file for a model config:
    [views,3,S,S] ([1,3,H,W] for a whole-frame model)."""
    S = cfg["image_size"]
    if cfg.get("frame") == "whole":
        img = open_image_as_engine(path, S)
        return frame_preprocess(img, S, cfg["image_mean"], cfg["image_std"])[None]
    if cfg.get("crops"):
        img = open_image_as_engine(path, cfg["crop_short_side"])
        grid = cfg.get("crop_select_grid", 0) if cfg.get("crop_select") == "detail" else 0
        return multi_crop_preprocess(img, S, cfg["crop_short_side"], cfg["crops"], cfg["image_mean"], cfg["image_std"],
                                     grid, cfg.get("crop_select_scale", 1))
    img = open_image_as_engine(path, S)
    return clip_preprocess(img, S, cfg["image_mean"], cfg["image_std"])[None]


def open_image_as_engine(path, size):
    """PIL decode the way the engine decodes: JPEG at the same DCT reduction
    (draft keeps both sides >= size, i.e. the shortest side), EXIF
    orientation applied, RGB."""
    from PIL import Image, ImageOps
    img = Image.open(path)
    if img.format == "JPEG":
        img.draft("RGB", (size, size))
    img = ImageOps.exif_transpose(img)
    return img.convert("RGB")
