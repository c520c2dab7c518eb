#!/usr/bin/python3
"""Converts the released RALI checkpoint into one .rali model file.

    /usr/bin/python3 tools/convert-rali.py CKPT_DIR -o OUT.rali
        [--descriptors FILE --descriptor-provenance rule-based|rl-derived]
        [--dtype f32|f16] [--name NAME] [--score-range MIN MAX]
        [--hf-dir DIR] [--ckpt FILE] [--pca FILE] [--basis FILE] [--ignore-basis]
        [--logit-scale-is-log]

CKPT_DIR is the release's layout (DESIGN.md): a Hugging Face CLIPModel folder
`best/` (config.json + model.safetensors or pytorch_model.bin, optionally
preprocessor_config.json), `pca.pkl` (joblib pickle of a sklearn PCA),
`basis.npz` (vectors, scores) and `checkpoints/ckpt.pt` (a dict whose
`state_dict` holds clip.* and scorer.*).  `checkpoints/best/`, `ckpt.pt` next
to best/, or explicit paths (--hf-dir/--ckpt/--pca/--basis) work too.

Every tensor comes from the one MAPPING table below.  The converter prints
every key it finds, grouped by file, and what it did with it; it refuses,
naming the problem, when a piece is missing or shapes disagree.

No code from a model file is ever run: safetensors are parsed by hand;
.bin/.pt files are read with torch.load(weights_only=True), or, when that
refuses non-tensor objects (torch 1.13's even refuses a plain float), by our
own reader of torch's zip format whose unpickler resolves only tensor
rebuilding, OrderedDict and numpy's array reconstruction and maps every other
class to an inert placeholder (never torch.load(pickle_module=...): Debian's
torch 1.13.0 silently ignores that argument); pca.pkl is read by our own
reimplementation of joblib's format (NumpyArrayWrapper + raw array bytes,
optionally zlib/gzip/bz2/xz compressed) on a restricted unpickler that lets
through only numpy's reconstruction helpers.  A file that names os.system and
the like is refused outright.

Run with Debian's /usr/bin/python3 (torch 1.13, numpy)."""
import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ralifmt  # noqa: E402
from safe_load import (ConversionError, Opaque, _is_torch_tensor, check_neutralised, die,  # noqa: E402
                       load_joblib_pickle, read_safetensors, say, to_numpy, torch_load, warn)

# --------------------------------------------------------------------------
# THE mapping: everything the .rali file holds, and where it comes from.
#
#   target   tensor name in the .rali file, "config:KEY" for a rali.config
#            value, DROP for keys that are read and deliberately not used,
#            "check:..." for values only used to cross-check
#   source   best      best/ model weights (HF CLIPModel state dict)
#            config    best/config.json
#            preproc   best/preprocessor_config.json (optional)
#            ckpt      ckpt.pt['state_dict']
#            pca       pca.pkl (attribute of the unpickled PCA object)
#            basis     basis.npz
#   key      name in the source ('*' matches the rest of a dotted name; the
#            matched part is substituted into the target)
#   how      what is done with it
# For a key, the FIRST matching row of its source wins, so DROP rows come
# before the vision_model.* rows.  Rows of source ckpt that give a tensor
# also given by best override it (ckpt.pt's clip.* is the fine-tuned tower).
DROP = "DROP"
MAPPING = [
    # target                       source     key                                   how
    (DROP,                         "best",    "*.embeddings.position_ids",          "buffer (0..T-1), not a weight"),
    (DROP,                         "best",    "text_model.*",                       "text tower: not needed"),
    (DROP,                         "best",    "text_projection.weight",             "text tower: not needed"),
    (DROP,                         "best",    "logit_scale",                        "CLIP's image-text scale: not the scorer's"),
    ("vision_model.*",             "best",    "vision_model.*",                     "as is, float32"),
    ("visual_projection.weight",   "best",    "visual_projection.weight",           "as is, float32 [D, C]"),
    (DROP,                         "ckpt",    "clip.*.embeddings.position_ids",     "buffer, not a weight"),
    (DROP,                         "ckpt",    "clip.text_model.*",                  "text tower: not needed"),
    (DROP,                         "ckpt",    "clip.text_projection.weight",        "text tower: not needed"),
    (DROP,                         "ckpt",    "clip.logit_scale",                   "CLIP's image-text scale: not the scorer's"),
    ("vision_model.*",             "ckpt",    "clip.vision_model.*",                "overrides best/"),
    ("visual_projection.weight",   "ckpt",    "clip.visual_projection.weight",      "overrides best/"),
    ("rali.pca.scale",             "ckpt",    "scorer.pca_scale",                   "σ [D], as stored (the head uses |σ|)"),
    ("rali.pca.components",        "ckpt",    "scorer.pca_components",              "P [k, D]"),
    ("rali.prototypes",            "ckpt",    "scorer.prototypes",                  "[K, k] (the head normalises them)"),
    ("rali.prototype_scores",      "ckpt",    "scorer.proto_scores",                "[K], RALI's 0-1 scale"),
    ("config:temperature",         "ckpt",    "scorer.logit_scale",                 "τ = 1/logit_scale (DESIGN.md)"),
    ("rali.pca.mean",              "pca",     "mean_",                              "μ [D] (pca.pkl is its only source)"),
    ("check:pca.components",       "pca",     "components_",                        "shape vs scorer.pca_components (pre-fine-tuning P)"),
    ("check:pca.scale",            "pca",     "var_",                               "sqrt(var_) vs |σ| (pre-fine-tuning σ), if present"),
    ("check:prototypes",           "basis",   "vectors",                            "shape vs scorer.prototypes (pre-fine-tuning)"),
    ("check:prototype_scores",     "basis",   "scores",                             "shape vs scorer.proto_scores (pre-fine-tuning)"),
    ("config:image_size",          "config",  "vision_config.image_size",           "int (HF default 224)"),
    ("config:patch_size",          "config",  "vision_config.patch_size",           "int (HF default 32)"),
    ("config:width",               "config",  "vision_config.hidden_size",          "int (HF default 768)"),
    ("config:layers",              "config",  "vision_config.num_hidden_layers",    "int (HF default 12)"),
    ("config:heads",               "config",  "vision_config.num_attention_heads",  "int (HF default 12)"),
    ("config:mlp_size",            "config",  "vision_config.intermediate_size",    "int (HF default 3072)"),
    ("config:activation",          "config",  "vision_config.hidden_act",           "quick_gelu|gelu (HF default quick_gelu)"),
    ("config:layer_norm_eps",      "config",  "vision_config.layer_norm_eps",       "float (HF default 1e-5)"),
    ("config:projection_dim",      "config",  "projection_dim",                     "int, top level (HF default 512)"),
    ("config:image_mean",          "preproc", "image_mean",                         "3 floats, else OpenAI CLIP's"),
    ("config:image_std",           "preproc", "image_std",                          "3 floats, else OpenAI CLIP's"),
]

HF_VISION_DEFAULTS = dict(image_size=224, patch_size=32, hidden_size=768, num_hidden_layers=12,
                          num_attention_heads=12, intermediate_size=3072, hidden_act="quick_gelu",
                          layer_norm_eps=1e-5, num_channels=3)
HF_PROJECTION_DIM_DEFAULT = 512
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# what the C loader accepts (engine/nn/model.c parse_config), checked here first
CONFIG_RANGES = dict(image_size=(1, 4096), patch_size=(1, 256), width=(1, 16384), layers=(1, 256),
                     heads=(1, 1024), mlp_size=(1, 65536), projection_dim=(1, 16384))

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def describe(v):
    if isinstance(v, np.ndarray):
        return f"{v.dtype}{list(v.shape)}"
    if _is_torch_tensor(v):
        return f"tensor {str(v.dtype).replace('torch.', '')}{list(v.shape)}"
    if isinstance(v, (int, float, str, bool)) or v is None:
        s = repr(v)
        return s if len(s) <= 60 else s[:57] + "..."
    if isinstance(v, dict):
        return f"dict ({len(v)} entries)"
    if isinstance(v, (list, tuple)):
        return f"{type(v).__name__} ({len(v)} items)"
    if isinstance(v, Opaque):
        return f"<{v._qualname}> (inert placeholder)"
    if isinstance(v, np.generic):
        return f"numpy {v.dtype} {v!r}"
    return type(v).__name__


# --------------------------------------------------------------------------
# locating the pieces

def locate(args):
    root = args.ckpt_dir

    def pick(opt, what, names, required, isdir=False):
        if opt:
            ok = os.path.isdir(opt) if isdir else os.path.isfile(opt)
            if not ok:
                die(f"{what}: {opt} does not exist")
            return opt
        cands = [os.path.join(root, *n.split("/")) for n in names]
        found = [c for c in cands if (os.path.isdir(c) if isdir else os.path.isfile(c))]
        if not found:
            if required:
                die(f"{what} is missing: looked for {', '.join(cands)}")
            return None
        if len(found) > 1:
            die(f"{what}: more than one candidate ({', '.join(found)}); say which with an option")
        return found[0]

    if not os.path.isdir(root):
        die(f"{root} is not a directory")
    return dict(
        hf=pick(args.hf_dir, "best/ (Hugging Face CLIPModel folder; --hf-dir)", ["best", "checkpoints/best"],
                True, isdir=True),
        ckpt=pick(args.ckpt, "ckpt.pt (--ckpt)", ["checkpoints/ckpt.pt", "ckpt.pt"], True),
        pca=pick(args.pca, "pca.pkl (--pca)", ["pca.pkl", "checkpoints/pca.pkl"], True),
        basis=None if args.ignore_basis else
        pick(args.basis, "basis.npz (--basis)", ["basis.npz", "checkpoints/basis.npz"], False),
    )


def load_hf_weights(hf):
    names = os.listdir(hf)
    order = ["model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json",
             "pytorch_model.bin"]
    present = [n for n in order if n in names]
    if not present:
        die(f"best/ ({hf}) holds no model weights: expected model.safetensors or pytorch_model.bin "
            f"(found: {', '.join(sorted(names)) or 'nothing'})")
    choice = present[0]
    if len(present) > 1:
        say(f"  best/ has {', '.join(present)}; using {choice} (safetensors preferred: no pickle)")
    files = [choice]
    if choice.endswith(".index.json"):
        with open(os.path.join(hf, choice)) as f:
            wm = json.load(f).get("weight_map", {})
        files = sorted(set(wm.values()))
        for s in files:
            if os.path.basename(s) != s or not os.path.isfile(os.path.join(hf, s)):
                die(f"best/{choice} names shard {s!r}, which is missing")
    sd, hashes = {}, {}
    for fn in files:
        p = os.path.join(hf, fn)
        hashes[fn] = sha256(p)
        if fn.endswith(".safetensors"):
            part = read_safetensors(p, f"best/{fn}")
        else:
            obj, neutral = torch_load(p, f"best/{fn}")
            check_neutralised(f"best/{fn}", neutral)
            if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
                obj = obj["state_dict"]
            if not isinstance(obj, dict):
                die(f"best/{fn} is not a state dict (got {describe(obj)})")
            part = {k: v for k, v in obj.items() if _is_torch_tensor(v)}
            other = [k for k in obj if k not in part]
            if other:
                die(f"best/{fn}: entries that are not tensors: {', '.join(map(str, other[:10]))}")
        dup = set(part) & set(sd)
        if dup:
            die(f"best/: tensor {sorted(dup)[0]} appears in more than one shard")
        sd.update(part)
    return sd, files, hashes


def read_hf_config(hf):
    p = os.path.join(hf, "config.json")
    if not os.path.isfile(p):
        die(f"best/config.json is missing ({p})")
    with open(p) as f:
        try:
            top = json.load(f)
        except ValueError as e:
            die(f"best/config.json is not JSON ({e})")
    if not isinstance(top, dict):
        die("best/config.json is not a JSON object")
    mt = top.get("model_type")
    if mt not in ("clip", "clip_vision_model", None):
        warn(f"best/config.json has model_type {mt!r}, not 'clip'; reading it as a CLIP config anyway")
    if mt == "clip_vision_model":
        vc = dict(top)
    else:
        vc = dict(top.get("vision_config") or {})
        vc.update(top.get("vision_config_dict") or {})  # older configs; HF gives it precedence
    if not vc and mt != "clip_vision_model":
        warn("best/config.json has no vision_config: using Hugging Face's CLIPVisionConfig defaults")
    return top, vc


def read_preprocessor(hf, image_size):
    p = os.path.join(hf, "preprocessor_config.json")
    if not os.path.isfile(p):
        return None
    with open(p) as f:
        try:
            pc = json.load(f)
        except ValueError as e:
            die(f"best/preprocessor_config.json is not JSON ({e})")
    if not isinstance(pc, dict):
        die("best/preprocessor_config.json is not a JSON object")
    say(f"best/preprocessor_config.json: {', '.join(f'{k}={v!r}' for k, v in pc.items())}")

    def edge(v, key):
        if isinstance(v, int):
            return v
        if isinstance(v, dict):
            if "shortest_edge" in v:
                return v["shortest_edge"]
            if "height" in v and "width" in v:
                if v["height"] != v["width"]:
                    die(f"preprocessor_config.json: {key} {v} is not square")
                return v["height"]
        die(f"preprocessor_config.json: cannot read {key} = {v!r}")

    if "size" in pc:
        if isinstance(pc["size"], dict) and "shortest_edge" not in pc["size"]:
            die(f"preprocessor_config.json: size {pc['size']} resizes to a fixed shape, not the shortest "
                "edge as CLIP does; the engine cannot reproduce that")
        s = edge(pc["size"], "size")
        if s != image_size:
            die(f"preprocessor_config.json: size {s} disagrees with config.json image_size {image_size}")
    if "crop_size" in pc:
        c = edge(pc["crop_size"], "crop_size")
        if c != image_size:
            die(f"preprocessor_config.json: crop_size {c} disagrees with config.json image_size {image_size}")
    for key in ("do_center_crop", "do_resize", "do_rescale", "do_normalize"):
        if pc.get(key, True) is not True:
            die(f"preprocessor_config.json: {key} = {pc[key]!r}; the engine always resizes, centre-crops, "
                "rescales by 1/255 and normalises as CLIP does")
    if pc.get("resample", 3) != 3:
        die(f"preprocessor_config.json: resample = {pc['resample']} (the engine uses PIL bicubic = 3)")
    if abs(pc.get("rescale_factor", 1 / 255) - 1 / 255) > 1e-9:
        die(f"preprocessor_config.json: rescale_factor {pc['rescale_factor']} is not 1/255")
    out = {}
    for key in ("image_mean", "image_std"):
        v = pc.get(key)
        if v is None:
            continue
        if not (isinstance(v, list) and len(v) == 3 and all(isinstance(x, (int, float)) for x in v)):
            die(f"preprocessor_config.json: {key} must be 3 numbers, not {v!r}")
        out[key] = [float(x) for x in v]
    return out


# --------------------------------------------------------------------------

def rows(source):
    return [r for r in MAPPING if r[1] == source]


def match(source, key):
    """First MAPPING row of `source` whose key pattern matches: (target, how)."""
    for target, src, pat, how in rows(source):
        if "*" in pat:
            pre, post = pat.split("*", 1)
            if key.startswith(pre) and key.endswith(post) and len(key) >= len(pre) + len(post):
                rest = key[len(pre):len(key) - len(post)] if post else key[len(pre):]
                return (target.replace("*", rest) if target != DROP else DROP), how
        elif key == pat:
            return target, how
    return None, None


def exact_rows(source, prefix):
    return {pat: target for target, src, pat, how in rows(source) if target.startswith(prefix)}


def source_key(target):
    """(source, key) of the one MAPPING row that gives `target`."""
    found = [(src, key) for t, src, key, how in MAPPING if t == target]
    assert len(found) == 1, target
    return found[0]


def config_key(target):
    return source_key("config:" + target)


def build_config(top, vc, preproc):
    cfg, notes = {}, []

    def from_hf(target, conv):
        src, key = config_key(target)
        if key.startswith("vision_config."):
            k = key.split(".", 1)[1]
            present = k in vc
            v = vc.get(k, HF_VISION_DEFAULTS[k])
        else:
            present = key in top
            v = top.get(key, HF_PROJECTION_DIM_DEFAULT)
        try:
            cfg[target] = conv(v)
        except (TypeError, ValueError):
            die(f"best/config.json: {key} = {v!r} is not valid")
        notes.append(f"{target}={cfg[target]!r} ({key}{'' if present else ', HF default'})")

    for t in ("image_size", "patch_size", "width", "layers", "heads", "mlp_size", "projection_dim"):
        from_hf(t, int)
    from_hf("activation", str)
    from_hf("layer_norm_eps", float)
    if vc.get("num_channels", 3) != 3:
        die(f"best/config.json: num_channels {vc['num_channels']} (only RGB models)")
    if "projection_dim" in vc and int(vc["projection_dim"]) != cfg["projection_dim"]:
        notes.append(f"(vision_config.projection_dim {vc['projection_dim']} ignored: CLIPModel uses the top level)")
    if cfg["activation"] not in ("quick_gelu", "gelu"):
        die(f"best/config.json: hidden_act {cfg['activation']!r}: the engine implements quick_gelu and gelu (erf)")
    for t in ("image_mean", "image_std"):
        if preproc and t in preproc:
            cfg[t] = preproc[t]
            notes.append(f"{t}={cfg[t]} (preprocessor_config.json)")
        else:
            cfg[t] = CLIP_MEAN if t == "image_mean" else CLIP_STD
            notes.append(f"{t}={cfg[t]} (OpenAI CLIP's)")
    for k, (lo, hi) in CONFIG_RANGES.items():
        if not lo <= cfg[k] <= hi:
            die(f"config: {k} = {cfg[k]} is out of the range the engine accepts [{lo}, {hi}]")
    if not 0 <= cfg["layer_norm_eps"] <= 1:
        die(f"config: layer_norm_eps {cfg['layer_norm_eps']} out of [0, 1]")
    if cfg["image_size"] % cfg["patch_size"]:
        die(f"config: image_size {cfg['image_size']} is not a multiple of patch_size {cfg['patch_size']}")
    if cfg["width"] % cfg["heads"]:
        die(f"config: hidden_size {cfg['width']} is not divisible by num_attention_heads {cfg['heads']}")
    if (cfg["image_size"] // cfg["patch_size"]) ** 2 + 1 > 16384:
        die("config: too many tokens for the engine")
    if not all(-10 <= x <= 10 for x in cfg["image_mean"]) or not all(1e-6 <= x <= 100 for x in cfg["image_std"]):
        die("config: image_mean/image_std out of range")
    return cfg, notes


def print_keys(title, items):
    """items: list of (key, description, action)."""
    say(f"{title}: {len(items)} keys")
    w = max((len(k) for k, _, _ in items), default=0)
    for k, d, a in items:
        say(f"  {k:<{w}}  {d:<24}  {a}")


def convert(args):
    torch_mod = __import__("torch")
    torch_mod.set_grad_enabled(False)
    paths = locate(args)
    hf = paths["hf"]
    say("pieces:")
    for k, p in paths.items():
        say(f"  {k:<6} {p if p else '(not found: optional, cross-check skipped)'}")
    say()

    # ---- best/: config + weights
    top, vc = read_hf_config(hf)
    say(f"best/config.json: model_type={top.get('model_type')!r}, architectures={top.get('architectures')!r}, "
        f"vision_config keys: {', '.join(sorted(vc)) or '(none)'}")
    img = vc.get("image_size", HF_VISION_DEFAULTS["image_size"])
    if not isinstance(img, int):
        die(f"best/config.json: vision_config.image_size = {img!r} is not an integer")
    cfg, notes = build_config(top, vc, read_preprocessor(hf, img))
    for n in notes:
        say(f"  config {n}")
    best_sd, best_files, best_hashes = load_hf_weights(hf)
    vision = {}
    listing, unknown = [], []
    for k in sorted(best_sd):
        target, how = match("best", k)
        if target is None:
            unknown.append(k)
            listing.append((k, describe(best_sd[k]), "UNKNOWN: not in the mapping, not used"))
        elif target == DROP:
            listing.append((k, describe(best_sd[k]), f"dropped ({how})"))
        else:
            vision[target] = ("best", to_numpy(best_sd[k]))
            listing.append((k, describe(best_sd[k]), f"-> {target}"))
    print_keys(f"best/{' + '.join(best_files)}", listing)
    if unknown:
        warn(f"best/ has {len(unknown)} keys the mapping does not know (first: {unknown[0]}); "
             "they are not part of a CLIPModel vision tower and are ignored")
    del best_sd
    say()

    # ---- ckpt.pt
    ckpt_obj, neutral = torch_load(paths["ckpt"], "ckpt.pt")
    check_neutralised("ckpt.pt", neutral)
    if not isinstance(ckpt_obj, dict):
        die(f"ckpt.pt holds {describe(ckpt_obj)}, not a dict with a 'state_dict'")
    say("ckpt.pt: top-level keys: " + ", ".join(f"{k} ({describe(v)})" for k, v in ckpt_obj.items()))
    if isinstance(ckpt_obj.get("state_dict"), dict):
        sd = ckpt_obj["state_dict"]
    elif any(str(k).startswith("scorer.") for k in ckpt_obj):
        say("  (no 'state_dict' entry; the top level itself holds scorer.* keys, using it)")
        sd = ckpt_obj
    else:
        die("ckpt.pt has no 'state_dict' dict (top-level keys: "
            f"{', '.join(map(str, ckpt_obj)) or 'none'})")
    if sd and all(str(k).startswith("module.") for k in sd):
        say("  (every state_dict key starts with 'module.' (DataParallel); stripping it)")
        sd = {k[len("module."):]: v for k, v in sd.items()}
    head_src, temp_src = {}, None
    listing, unknown_scorer = [], []
    head_rows = exact_rows("ckpt", "rali.")
    for k in sorted(sd, key=str):
        v = sd[k]
        if not isinstance(k, str) or not _is_torch_tensor(v):
            listing.append((str(k), describe(v), "not a tensor: ignored"))
            continue
        target, how = match("ckpt", k)
        if target is None:
            if k.startswith("scorer."):
                unknown_scorer.append(k)
            listing.append((k, describe(v), "UNKNOWN: not in the mapping"))
        elif target == DROP:
            listing.append((k, describe(v), f"dropped ({how})"))
        elif target == "config:temperature":
            temp_src = to_numpy(v)
            listing.append((k, describe(v), f"-> temperature ({how})"))
        elif target.startswith("rali."):
            head_src[target] = to_numpy(v)
            listing.append((k, describe(v), f"-> {target}"))
        else:
            had = target in vision
            vision[target] = ("ckpt", to_numpy(v))
            listing.append((k, describe(v), f"-> {target}" + (" (overrides best/)" if had else " (not in best/)")))
    print_keys("ckpt.pt state_dict", listing)
    if unknown_scorer and not args.allow_unknown_scorer_keys:
        die(f"ckpt.pt has scorer keys the mapping does not know: {', '.join(unknown_scorer)}; the released "
            "head may use them, so the conversion could be wrong (--allow-unknown-scorer-keys to go on anyway)")
    for target in head_rows.values():
        if target not in head_src:
            key = [p for p, t in head_rows.items() if t == target][0]
            die(f"ckpt.pt state_dict has no {key} (needed for {target})")
    if temp_src is None:
        die("ckpt.pt state_dict has no scorer.logit_scale (needed for the temperature τ)")
    n_over = sum(1 for s, _ in vision.values() if s == "ckpt")
    say(f"  {n_over} vision tensors come from ckpt.pt, {len(vision) - n_over} from best/")
    say()

    # ---- pca.pkl
    pca_obj, info = load_joblib_pickle(paths["pca"], "pca.pkl")
    check_neutralised("pca.pkl", info["neutralised"])
    if isinstance(pca_obj, Opaque):
        attrs = {k: v for k, v in pca_obj.__dict__.items() if k not in ("_args", "_kwargs")}
        kind = pca_obj._qualname
    elif isinstance(pca_obj, dict):
        attrs, kind = pca_obj, "dict"
    else:
        die(f"pca.pkl holds {describe(pca_obj)}, not a PCA object")
    say(f"pca.pkl: {kind} ({info['compression']}, {info['arrays']} joblib arrays), attributes:")
    pca_rows = {pat: target for target, src, pat, how in rows("pca")}
    for k in sorted(attrs, key=str):
        t = pca_rows.get(k)
        say(f"  {str(k):<28} {describe(attrs[k]):<24} {('-> ' + t) if t else ''}")
    mean_key = source_key("rali.pca.mean")[1]
    if mean_key not in attrs:
        die(f"pca.pkl has no {mean_key} (the mean μ); it holds {kind} with "
            f"{', '.join(map(str, attrs)) or 'no attributes'}")
    mu = attrs[mean_key]
    if not isinstance(mu, np.ndarray) or mu.dtype.kind not in "fiu":
        die(f"pca.pkl: {mean_key} is {describe(mu)}, not a numeric array")
    head = {"rali.pca.mean": mu.astype(np.float32)}
    head.update(head_src)
    say()

    # ---- shapes: vision tower vs config
    expected = ralifmt.vision_tensor_names(cfg)
    got = {k: v for k, (_, v) in vision.items()}
    missing = [k for k in expected if k not in got]
    if missing:
        die(f"vision tensor {missing[0]} is missing from best/ and ckpt.pt ({len(missing)} missing; config.json "
            f"says {cfg['layers']} layers)")
    extra = [k for k in got if k not in expected]
    if extra:
        die(f"tensor {extra[0]} is not part of the vision tower config.json describes "
            f"({cfg['layers']} layers; {len(extra)} extra tensors)")
    for k, shape in expected.items():
        if tuple(got[k].shape) != tuple(shape):
            die(f"{k} ({vision[k][0]}) has shape {list(got[k].shape)}, config.json needs {list(shape)} "
                f"(image_size {cfg['image_size']}, patch {cfg['patch_size']}, width {cfg['width']}, "
                f"mlp {cfg['mlp_size']}, projection_dim {cfg['projection_dim']})")

    # ---- shapes: head
    D = cfg["projection_dim"]
    P, protos, pscores, sigma = (head["rali.pca.components"], head["rali.prototypes"],
                                 head["rali.prototype_scores"], head["rali.pca.scale"])
    if P.ndim != 2 or P.shape[1] != D:
        die(f"scorer.pca_components has shape {list(P.shape)}: needs [k, D] with D = {D}, the "
            "visual_projection output size")
    k = P.shape[0]
    if not 1 <= k <= D:
        die(f"scorer.pca_components: k = {k} must be between 1 and D = {D}")
    if mu.shape != (D,):
        die(f"pca.pkl mean_ has shape {list(mu.shape)}, the visual projection gives D = {D}")
    if sigma.shape != (D,):
        die(f"scorer.pca_scale has shape {list(sigma.shape)}, needs [{D}] (D)")
    if protos.ndim != 2 or protos.shape[1] != k:
        die(f"scorer.prototypes has shape {list(protos.shape)}: needs [K, k] with k = {k} "
            "(rows of scorer.pca_components)")
    K = protos.shape[0]
    if not 1 <= K <= 1 << 20:
        die(f"scorer.prototypes: K = {K} prototypes")
    if pscores.shape != (K,):
        die(f"scorer.proto_scores has shape {list(pscores.shape)}, needs [{K}] (one per prototype)")
    if temp_src.size != 1:
        die(f"scorer.logit_scale has shape {list(temp_src.shape)}, needs one number")
    for name, a in {**got, **head, "scorer.logit_scale": temp_src}.items():
        if not np.all(np.isfinite(a)):
            die(f"{name} holds non-finite values")
    if np.min(np.abs(sigma)) < 1e-10:
        die(f"scorer.pca_scale has |σ| = {np.min(np.abs(sigma)):.3g} at {int(np.argmin(np.abs(sigma)))}: "
            "dividing by it is undefined")
    if np.any(sigma < 0):
        say(f"note: scorer.pca_scale has {int(np.sum(sigma < 0))} negative entries; the head uses |σ| as "
            "the released scorer does")

    # ---- cross-checks against the pre-fine-tuning pieces
    pc = attrs.get(source_key("check:pca.components")[1])
    if isinstance(pc, np.ndarray):
        if pc.shape != P.shape:
            warn(f"pca.pkl components_ {list(pc.shape)} and scorer.pca_components {list(P.shape)} differ in "
                 "shape; using ckpt.pt's")
        else:
            say(f"check: scorer.pca_components vs pca.pkl components_: max |Δ| "
                f"{np.max(np.abs(P - pc)):.3g} (fine-tuning)")
    var = attrs.get(source_key("check:pca.scale")[1])
    if isinstance(var, np.ndarray) and var.shape == (D,):
        s0 = np.sqrt(var)
        s0[s0 < 1e-10] = 1
        say(f"check: |scorer.pca_scale| vs sqrt(pca.pkl var_): max rel |Δ| "
            f"{np.max(np.abs(np.abs(sigma) - s0) / s0):.3g}")
    if paths["basis"]:
        try:
            with np.load(paths["basis"], allow_pickle=False) as z:
                basis = {n: z[n] for n in z.files}
        except Exception as e:
            die(f"basis.npz cannot be read without pickle ({type(e).__name__}: {e}); --ignore-basis to skip it")
        say("basis.npz: " + ", ".join(f"{n} {describe(v)}" for n, v in basis.items()))
        vkey, skey = source_key("check:prototypes")[1], source_key("check:prototype_scores")[1]
        vec, sc = basis.get(vkey), basis.get(skey)
        if vec is None or sc is None:
            die(f"basis.npz lacks {vkey if vec is None else skey}; --ignore-basis to skip it")
        if vec.shape == protos.shape:
            say(f"check: scorer.prototypes vs basis.npz vectors: max |Δ| {np.max(np.abs(protos - vec)):.3g}")
        elif vec.shape == (K, D):
            say(f"check: basis.npz vectors are [K, D] = {list(vec.shape)} (not in PCA space); K agrees")
        else:
            die(f"basis.npz vectors {list(vec.shape)} disagree with scorer.prototypes {list(protos.shape)}: "
                "pieces of different runs? (--ignore-basis to convert anyway)")
        if sc.shape != (K,):
            die(f"basis.npz scores {list(sc.shape)} disagree with scorer.proto_scores [{K}] "
                "(--ignore-basis to convert anyway)")
        say(f"check: scorer.proto_scores vs basis.npz scores: max |Δ| {np.max(np.abs(pscores - sc)):.3g}")

    # ---- temperature
    ls = float(temp_src.reshape(-1)[0])
    if args.logit_scale_is_log:
        tau = math.exp(-ls)
        say(f"temperature: scorer.logit_scale = {ls:.6g} taken as a log (--logit-scale-is-log): τ = exp(-{ls:.6g})"
            f" = {tau:.6g}")
    else:
        if ls <= 0:
            die(f"scorer.logit_scale = {ls:.6g}: τ = 1/logit_scale needs a positive value "
                "(if it is stored as a log, pass --logit-scale-is-log)")
        tau = 1.0 / ls
        say(f"temperature: scorer.logit_scale = {ls:.6g} -> τ = 1/logit_scale = {tau:.6g} (DESIGN.md)")
        if ls <= 5:
            warn(f"logit_scale {ls:.6g} is small enough to be a log value, as CLIP stores its own "
                 f"(log(1/0.07) = 2.659); following DESIGN.md (τ = 1/logit_scale = {tau:.4g}); if the released "
                 f"scorer applies exp(), rerun with --logit-scale-is-log (τ would be {math.exp(-ls):.4g})")
    if not 1e-6 <= tau <= 1e6:
        die(f"temperature τ = {tau:.3g} is outside what the engine accepts [1e-6, 1e6]")

    # ---- score range, descriptors
    lo, hi = args.score_range
    if not hi > lo:
        die(f"--score-range: max {hi} must be greater than min {lo}")
    if pscores.min() < lo - 1e-6 or pscores.max() > hi + 1e-6:
        warn(f"prototype scores span [{pscores.min():.4g}, {pscores.max():.4g}], outside the declared range "
             f"[{lo}, {hi}] (--score-range)")
    descriptors, provenance = None, "none"
    if args.descriptors:
        if not args.descriptor_provenance:
            die("--descriptors needs --descriptor-provenance rule-based|rl-derived: say where the texts come "
                "from (the release ships none; use rl-derived only for the authors' own texts)")
        with open(args.descriptors, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if len(lines) != K:
            die(f"--descriptors {args.descriptors}: {len(lines)} lines, the checkpoint has K = {K} prototypes "
                "(one text per line, in prototype order)")
        empty = [i for i, s in enumerate(lines) if not s.strip()]
        if empty:
            die(f"--descriptors {args.descriptors}: line {empty[0] + 1} is empty")
        descriptors, provenance = [s.strip() for s in lines], args.descriptor_provenance
    elif args.descriptor_provenance:
        die("--descriptor-provenance given without --descriptors")

    ckpt_hash = sha256(paths["ckpt"])
    src = (f"converted from RALI checkpoint {os.path.abspath(args.ckpt_dir)} by tools/convert-rali.py; "
           f"sha256 of ckpt.pt {ckpt_hash}; "
           + "; ".join(f"best/{n} {h}" for n, h in best_hashes.items())
           + f"; pca.pkl {sha256(paths['pca'])}")
    if paths["basis"]:
        src += f"; basis.npz {sha256(paths['basis'])}"
    rcfg = dict(name=args.name or f"RALI ({os.path.basename(os.path.abspath(args.ckpt_dir))}, converted)",
                source=src, **cfg, pca_dim=int(k), prototypes=int(K), temperature=float(tau),
                score_min=float(lo), score_max=float(hi), descriptor_provenance=provenance,
                descriptors=descriptors)

    # ---- write: vision tower in --dtype, the (tiny) head always float32
    vdt = np.float16 if args.dtype == "f16" else np.float32
    tensors = {}
    for n in expected:
        a = got[n].astype(np.float32)
        if vdt == np.float16 and np.max(np.abs(a)) > 65504:
            die(f"{n}: values up to {np.max(np.abs(a)):.3g} do not fit float16; use --dtype f32")
        tensors[n] = np.ascontiguousarray(a.astype(vdt))
    for n in ralifmt.head_tensor_names(rcfg):
        tensors[n] = np.ascontiguousarray(head[n].astype(np.float32))
    out = args.output
    tmp = out + ".partial"
    ralifmt.save_safetensors(tmp, tensors, {"rali.config": json.dumps(rcfg)})
    # read it back the way the tests do, then publish
    t2, c2 = ralifmt.load_rali(tmp)
    want = {**ralifmt.vision_tensor_names(c2), **ralifmt.head_tensor_names(c2)}
    if set(t2) != set(want) or any(tuple(t2[n].shape) != tuple(s) for n, s in want.items()):
        os.unlink(tmp)
        die("internal: the written file does not match its own config")
    os.replace(tmp, out)
    n_params = sum(v.size for v in tensors.values())
    say()
    say(f"wrote {out}: {n_params} parameters ({args.dtype} tower, f32 head), ViT {cfg['image_size']}/"
        f"{cfg['patch_size']} width {cfg['width']} x{cfg['layers']}, D={D}, k={k}, K={K}, τ={tau:.6g}, "
        f"scores {lo}..{hi}, descriptors: {provenance}"
        + ("" if descriptors else " (no texts: prototypes are labelled by number and score)"))
    say(f"sha256 {sha256(out)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="mapping (target <- source key):\n" + "\n".join(
                                     f"  {t:<26} <- {s:<7} {k:<38} {h}" for t, s, k, h in MAPPING))
    ap.add_argument("ckpt_dir", metavar="CKPT_DIR")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.rali")
    ap.add_argument("--descriptors", metavar="FILE", help="one descriptor text per prototype, one per line")
    ap.add_argument("--descriptor-provenance", choices=["rule-based", "rl-derived"],
                    help="where the --descriptors texts come from (required with --descriptors)")
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32", help="vision tower weights (head stays f32)")
    ap.add_argument("--name", help="model name shown by rali info")
    ap.add_argument("--score-range", nargs=2, type=float, default=[0.0, 1.0], metavar=("MIN", "MAX"),
                    help="the scale of the prototype scores (RALI: 0 1)")
    ap.add_argument("--hf-dir", help="the Hugging Face CLIPModel folder (default CKPT_DIR/best)")
    ap.add_argument("--ckpt", help="ckpt.pt (default CKPT_DIR/checkpoints/ckpt.pt or CKPT_DIR/ckpt.pt)")
    ap.add_argument("--pca", help="pca.pkl (default CKPT_DIR/pca.pkl)")
    ap.add_argument("--basis", help="basis.npz (default CKPT_DIR/basis.npz; optional, cross-check only)")
    ap.add_argument("--ignore-basis", action="store_true", help="skip the basis.npz cross-check")
    ap.add_argument("--logit-scale-is-log", action="store_true",
                    help="τ = exp(-logit_scale) instead of DESIGN.md's 1/logit_scale")
    ap.add_argument("--allow-unknown-scorer-keys", action="store_true",
                    help="convert even if ckpt.pt has scorer.* keys the mapping does not know")
    args = ap.parse_args(argv)
    try:
        convert(args)
    except ConversionError as e:
        print(f"convert-rali: error: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
