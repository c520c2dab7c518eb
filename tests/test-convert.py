#!/usr/bin/python3
"""Round trip of tools/convert-rali.py on synthetic checkpoints in the
released RALI layout (tools/make-synthetic-rali-checkpoint.py):

  * variants: best/pytorch_model.bin or best/model.safetensors; pca.pkl
    uncompressed, zlib or gzip (joblib compress=3); quick_gelu (HF default,
    left out of config.json) or gelu; CLIP or preprocessor_config.json
    mean/std; ckpt.pt partly or fully overriding best/, with non-tensor
    objects that torch's weights_only refuses; ckpt.pt in checkpoints/ or
    next to best/;
  * the .rali, loaded with ralifmt and run through the PyTorch reference
    (ralifmt.clip_vision_forward + rali_head), and, when the rali binary is
    given, `rali score --json --top 5 --max-overlap 1 --min-weight 0` (the plain nearest) and `rali info`: scores within 1e-3 of
    reference.json (computed from the checkpoint files, not the .rali) and
    the top-5 prototype order identical;
  * descriptors and their provenance; f16 output;
  * refusals: missing pieces, inconsistent shapes, malicious pickles
    (pca.pkl, ckpt.pt, pytorch_model.bin) that would run os.system: the
    converter exits non-zero naming the problem and the marker file the
    payload would create never appears.

    /usr/bin/python3 tests/test-convert.py [RALI_BINARY] [SOURCE_ROOT] [--keep]"""
import argparse
import importlib.util
import json
import os
import pickle
import pickletools
import shutil
import subprocess
import sys
import tempfile

from collections import OrderedDict

import joblib
import numpy as np
import torch

argv = [a for a in sys.argv[1:] if a != "--keep"]
KEEP = "--keep" in sys.argv
RALI = argv[0] if argv and argv[0] else None
ROOT = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TOOLS = os.path.join(ROOT, "tools")
sys.path.insert(0, TOOLS)
import ralifmt  # noqa: E402

PY = sys.executable
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    return p.returncode, p.stdout, p.stderr


def generate(d, *flags):
    rc, out, err = run([PY, os.path.join(TOOLS, "make-synthetic-rali-checkpoint.py"), d, *flags])
    if not check(rc == 0, f"generator {' '.join(flags) or '(defaults)'}: exit 0"):
        print(out, err)
        sys.exit(1)
    with open(os.path.join(d, "reference.json")) as f:
        return json.load(f)


def convert(d, out, *flags):
    return run([PY, os.path.join(TOOLS, "convert-rali.py"), d, "-o", out, *flags])


def load_converter():
    """The converter's safe readers (tools/safe_load.py)."""
    spec = importlib.util.spec_from_file_location("safe_load", os.path.join(TOOLS, "safe_load.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def python_check(label, model, d, ref, score_tol=1e-3, order=True):
    """The .rali through the PyTorch reference (ralifmt), vs reference.json."""
    t, cfg = ralifmt.load_rali(model)
    check(cfg["activation"] == ref["activation"], f"{label}: activation {cfg['activation']}")
    check(np.allclose(cfg["image_mean"], ref["image_mean"]) and np.allclose(cfg["image_std"], ref["image_std"]),
          f"{label}: mean/std {cfg['image_mean']} {cfg['image_std']}")
    check(abs(cfg["temperature"] - ref["temperature"]) < 1e-9, f"{label}: temperature {cfg['temperature']:.6g}")
    check((cfg["projection_dim"], cfg["pca_dim"], cfg["prototypes"]) == (ref["D"], ref["k"], ref["K"]),
          f"{label}: D, k, K = {cfg['projection_dim']}, {cfg['pca_dim']}, {cfg['prototypes']}")
    w = {k: torch.from_numpy(v) for k, v in t.items()}
    S = cfg["image_size"]
    imgs = [r["path"] for r in ref["images"]]
    pix = np.stack([ralifmt.clip_preprocess(ralifmt.open_image_as_engine(os.path.join(d, p), S), S,
                                            cfg["image_mean"], cfg["image_std"]) for p in imgs])
    with torch.no_grad():
        f = ralifmt.clip_vision_forward(w, cfg, torch.from_numpy(pix))
        score, sims = ralifmt.rali_head(w, cfg, f)
    for i, r in enumerate(ref["images"]):
        sd = abs(float(score[i]) - r["score"])
        check(sd <= score_tol, f"{label}: python {r['path']} score {float(score[i]):.6f} vs ref {r['score']:.6f} "
              f"(|diff| {sd:.2g} <= {score_tol:g})")
        if order:
            got = [int(j) for j in np.argsort(-sims[i].numpy(), kind="stable")[:5]]
            check(got == r["top5"], f"{label}: python {r['path']} top-5 {got} == {r['top5']}")
    return cfg


def rali_info(label, model, expect):
    if not RALI:
        return None
    rc, out, err = run([RALI, "info", "--model", model])
    check(rc == 0, f"{label}: rali info exit 0 {err.strip()[:200]}")
    for e in expect:
        check(e in out, f"{label}: rali info shows {e!r}")
    return out


def rali_score(label, model, d, ref, score_tol=1e-3, order=True, texts=None):
    if not RALI:
        return
    imgs = [os.path.join(d, r["path"]) for r in ref["images"]]
    rc, out, err = run([RALI, "score", "--model", model, "--json", "--top", "5", "--max-overlap", "1", "--min-weight", "0",
                        *imgs])
    if rc != 0 and "unknown command" in err:
        print(f"skip {label}: this rali has no 'score' command yet")
        return
    check(rc == 0, f"{label}: rali score exit 0 {err.strip()[:300]}")
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    check(len(rows) == len(imgs), f"{label}: rali score printed {len(rows)} lines for {len(imgs)} images")
    by_path = {r.get("path"): r for r in rows}
    for p, r in zip(imgs, ref["images"]):
        g = by_path.get(p)
        if not check(g is not None and "score" in g, f"{label}: rali score has a score for {r['path']}"):
            continue
        sd = abs(g["score"] - r["score"])
        check(sd <= score_tol, f"{label}: rali {r['path']} score {g['score']:.6f} vs ref {r['score']:.6f} "
              f"(|diff| {sd:.2g} <= {score_tol:g})")
        idx = [x.get("index") for x in g.get("descriptors", [])]
        if order:
            check(idx == r["top5"], f"{label}: rali {r['path']} top-5 {idx} == {r['top5']}")
        if texts is not None and idx and None not in idx:
            check([x["text"] for x in g["descriptors"]] == [texts[i] for i in idx],
                  f"{label}: rali {r['path']} descriptor texts are the supplied ones")


def refuses(label, d, out, expect, *flags, marker=None):
    rc, so, se = convert(d, out, *flags)
    msg = se.strip().splitlines()[-1] if se.strip() else "(no message)"
    check(rc != 0, f"{label}: converter exits non-zero ({rc}): {msg[:240]}")
    for e in expect:
        check(e in se, f"{label}: message names {e!r}")
    check(not os.path.exists(out), f"{label}: no output file left behind")
    if marker:
        check(not os.path.exists(marker), f"{label}: payload did not run (no {os.path.basename(marker)})")
    return se


def copy_variant(src, dst):
    shutil.copytree(src, dst)
    return dst


def edit_ckpt(d, fn):
    """Our own synthetic file: trusted, so a plain torch.load is fine here."""
    p = os.path.join(d, "checkpoints", "ckpt.pt")
    ck = torch.load(p, map_location="cpu")
    fn(ck["state_dict"])
    torch.save(ck, p)


class Payload:
    """Unpickling this runs `touch MARKER`."""
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def globals_named(path):
    """Static scan (no execution): module.name pairs a pickle stream names."""
    names, strings = set(), []
    with open(path, "rb") as f:
        for op, arg, _ in pickletools.genops(f):
            if op.name in ("GLOBAL", "INST"):
                names.add(arg.replace(" ", "."))
            elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                strings.append(arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.add(f"{strings[-2]}.{strings[-1]}")
    return names


def main():
    tmp = tempfile.mkdtemp(prefix="rali-convert-")
    print(f"work dir {tmp}; rali binary: {RALI or '(none: CLI checks skipped)'}")
    try:
        variants = {
            "bin-raw": ["--pca-compress", "0"],
            "st-zlib": ["--safetensors", "--pca-compress", "3"],
            "bin-gzip-gelu": ["--pca-compress", "gzip:3", "--hidden-act", "gelu", "--preprocessor",
                              "--ckpt-extra-objects", "--full-override"],
        }
        refs = {}
        for name, flags in variants.items():
            d = os.path.join(tmp, name)
            ref = refs[name] = generate(d, *flags)
            if name == "st-zlib":  # ckpt.pt next to best/ instead of checkpoints/
                os.rename(os.path.join(d, "checkpoints", "ckpt.pt"), os.path.join(d, "ckpt.pt"))
                os.rmdir(os.path.join(d, "checkpoints"))
            out = os.path.join(tmp, name + ".rali")
            rc, so, se = convert(d, out, "--dtype", "f32")
            if not check(rc == 0, f"{name}: converter exit 0 {se.strip()[-300:]}"):
                print(so)
                continue
            check("scorer.prototypes" in so and "mean_" in so and "dropped (text tower" in so,
                  f"{name}: converter lists the keys it found")
            if name == "bin-gzip-gelu":
                check("argparse.Namespace" in so and "inert placeholders" in so,
                      f"{name}: non-tensor objects in ckpt.pt kept inert (weights_only fallback)")
                check("(gzip," in so, f"{name}: gzip-compressed pca.pkl recognised")
            if name == "st-zlib":
                check("(zlib," in so, f"{name}: zlib-compressed pca.pkl recognised")
            cfg = python_check(name, out, d, ref)
            check(cfg["descriptors"] is None and cfg["descriptor_provenance"] == "none",
                  f"{name}: no texts -> descriptors null, provenance none")
            check("convert-rali.py" in cfg["source"] and "sha256 of ckpt.pt" in cfg["source"],
                  f"{name}: source records the checkpoint and its hash")
            if not name.startswith("st"):
                # the override matters: the tuned projection is ckpt.pt's, not best/'s
                best = torch.load(os.path.join(d, "best", "pytorch_model.bin"), map_location="cpu")
                t, _ = ralifmt.load_rali(out)
                check(not np.allclose(t["visual_projection.weight"], best["visual_projection.weight"].numpy()),
                      f"{name}: visual_projection comes from ckpt.pt (differs from best/)")
            rali_info(name, out, ["convert-rali.py", "descriptors:  none"])
            rali_score(name, out, d, ref)

        # ---- the restricted readers agree with the real loaders (on our own, trusted files)
        conv = load_converter()
        for name in variants:
            d = os.path.join(tmp, name)
            pk = os.path.join(d, "pca.pkl")
            mine, info = conv.load_joblib_pickle(pk, "pca.pkl")
            theirs = joblib.load(pk)
            same = all(np.array_equal(getattr(mine, a), getattr(theirs, a)) and
                       getattr(mine, a).dtype == getattr(theirs, a).dtype
                       for a in ("mean_", "components_", "explained_variance_", "singular_values_"))
            check(same and mine.n_components_ == theirs.n_components_,
                  f"{name}: restricted joblib reader == joblib.load ({info['compression']}, {info['arrays']} arrays)")
        theirs = joblib.load(os.path.join(tmp, "bin-raw", "pca.pkl"))
        for proto in (2, 4, 5):
            pk = os.path.join(tmp, f"plain-{proto}.pkl")
            with open(pk, "wb") as f:
                pickle.dump(theirs, f, protocol=proto)
            mine, _ = conv.load_joblib_pickle(pk, "plain.pkl")
            check(np.array_equal(mine.mean_, theirs.mean_) and np.array_equal(mine.components_, theirs.components_),
                  f"restricted reader: plain pickle protocol {proto} of the PCA (not joblib) reads the same arrays")
        st = os.path.join(tmp, "bf16.safetensors")
        vals = torch.randn(3, 5)
        raw = {"w": vals.bfloat16().view(torch.int16).numpy().tobytes(), "h": vals.half().numpy().tobytes(),
               "i": torch.arange(4).numpy().tobytes()}
        hdr = {"__metadata__": {"format": "pt"}}
        off = 0
        for n, dt, shape in (("w", "BF16", [3, 5]), ("h", "F16", [3, 5]), ("i", "I64", [4])):
            hdr[n] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw[n])]}
            off += len(raw[n])
        hb = json.dumps(hdr).encode()
        with open(st, "wb") as f:
            f.write(len(hb).to_bytes(8, "little") + hb + raw["w"] + raw["h"] + raw["i"])
        r = conv.read_safetensors(st, "bf16.safetensors")
        check(np.array_equal(r["w"], vals.bfloat16().float().numpy()) and np.array_equal(r["h"], vals.half().numpy())
              and r["i"].tolist() == [0, 1, 2, 3], "safetensors reader: BF16, F16 and I64 tensors")
        odd = os.path.join(tmp, "odd.pt")
        base_t = torch.arange(60, dtype=torch.float32).reshape(6, 10)
        odd_sd = OrderedDict(t=base_t.t(), sl=base_t[2:5, 3:7], h=base_t.half()[1], b=base_t.bfloat16()[:, 1],
                             i=torch.arange(5), e=torch.zeros(0, 3), s=torch.tensor(1.5))
        torch.save({"state_dict": odd_sd, "f": 0.5, "ns": argparse.Namespace(a=1)}, odd)
        got, neutral = conv.read_torch_zip(odd, "odd.pt")
        check(neutral == ["argparse.Namespace"] and got["f"] == 0.5,
              f"restricted torch reader: non-tensors kept, placeholders {neutral}")
        check(all(got["state_dict"][k].dtype == (torch.float32 if v.dtype == torch.bfloat16 else v.dtype)
                  and torch.equal(got["state_dict"][k], v.float() if v.dtype == torch.bfloat16 else v)
                  for k, v in odd_sd.items()),
              "restricted torch reader: views, slices, f16, bf16, int64, empty and 0-d tensors == torch.load")

        # ---- f16 tower
        d, ref = os.path.join(tmp, "bin-raw"), refs["bin-raw"]
        out = os.path.join(tmp, "f16.rali")
        rc, so, se = convert(d, out, "--dtype", "f16")
        if check(rc == 0, f"f16: converter exit 0 {se.strip()[-200:]}"):
            t, _ = ralifmt.load_safetensors(out)
            check(t["visual_projection.weight"].dtype == np.float16 and t["rali.prototypes"].dtype == np.float32,
                  "f16: tower stored F16, head F32")
            python_check("f16", out, d, ref, score_tol=1e-2, order=False)
            rali_score("f16", out, d, ref, score_tol=1e-2, order=False)

        # ---- descriptors and provenance
        K = ref["K"]
        texts = [f"synthetic descriptor {i}: {'sharp soft noisy clean'.split()[i % 4]}" for i in range(K)]
        dfile = os.path.join(tmp, "descriptors.txt")
        with open(dfile, "w") as f:
            f.write("\n".join(texts) + "\n")
        out = os.path.join(tmp, "desc.rali")
        refuses("descriptors without provenance", d, out, ["--descriptor-provenance"], "--descriptors", dfile)
        short = os.path.join(tmp, "short.txt")
        with open(short, "w") as f:
            f.write("\n".join(texts[:-1]) + "\n")
        refuses("descriptors: K-1 lines", d, out, ["lines", f"K = {K}"], "--descriptors", short,
                "--descriptor-provenance", "rule-based")
        refuses("provenance without descriptors", d, out, ["without --descriptors"],
                "--descriptor-provenance", "rl-derived")
        for prov in ("rule-based", "rl-derived"):
            rc, so, se = convert(d, out, "--descriptors", dfile, "--descriptor-provenance", prov,
                                 "--name", "synthetic RALI", "--score-range", "0", "1")
            if check(rc == 0, f"descriptors {prov}: converter exit 0 {se.strip()[-200:]}"):
                _, cfg = ralifmt.load_rali(out)
                check(cfg["descriptors"] == texts and cfg["descriptor_provenance"] == prov
                      and cfg["name"] == "synthetic RALI", f"descriptors {prov}: texts, provenance and name stored")
                rali_info(f"descriptors {prov}", out, [f"descriptors:  {prov}", "synthetic RALI"])
                rali_score(f"descriptors {prov}", out, d, ref, texts=texts)
                os.unlink(out)

        # ---- ckpt.pt variants that still convert
        base = os.path.join(tmp, "bin-raw")
        c = copy_variant(base, os.path.join(tmp, "ddp"))
        p = os.path.join(c, "checkpoints", "ckpt.pt")
        ck = torch.load(p, map_location="cpu")
        ck["state_dict"] = OrderedDict(("module." + k, v) for k, v in ck["state_dict"].items())
        torch.save(ck, p)
        out = os.path.join(tmp, "ddp.rali")
        rc, so, se = convert(c, out)
        if check(rc == 0 and "stripping it" in so, "ckpt.pt with DataParallel 'module.' prefixes converts"):
            python_check("ddp", out, c, ref)
        c = copy_variant(base, os.path.join(tmp, "logscale"))
        edit_ckpt(c, lambda sd: sd.__setitem__("scorer.logit_scale", torch.tensor(2.6592)))
        rc, so, se = convert(c, out)
        check(rc == 0 and "WARNING: logit_scale 2.6592 is small enough to be a log value" in so
              and abs(ralifmt.load_rali(out)[1]["temperature"] - 1 / 2.6592) < 1e-6,
              "logit_scale 2.6592: follows DESIGN.md (τ = 1/logit_scale) and warns that it may be a log")
        rc, so, se = convert(c, out, "--logit-scale-is-log")
        check(rc == 0 and abs(ralifmt.load_rali(out)[1]["temperature"] - np.exp(-2.6592)) < 1e-6,
              "--logit-scale-is-log: τ = exp(-logit_scale)")
        os.unlink(out)

        # ---- missing pieces
        out = os.path.join(tmp, "bad.rali")
        base = os.path.join(tmp, "bin-raw")
        c = copy_variant(base, os.path.join(tmp, "no-pca"))
        os.unlink(os.path.join(c, "pca.pkl"))
        refuses("missing pca.pkl", c, out, ["pca.pkl"])
        c = copy_variant(base, os.path.join(tmp, "no-ckpt"))
        shutil.rmtree(os.path.join(c, "checkpoints"))
        refuses("missing ckpt.pt", c, out, ["ckpt.pt"])
        c = copy_variant(base, os.path.join(tmp, "no-weights"))
        os.unlink(os.path.join(c, "best", "pytorch_model.bin"))
        refuses("missing best/ weights", c, out, ["pytorch_model.bin", "model.safetensors"])
        c = copy_variant(base, os.path.join(tmp, "no-config"))
        os.unlink(os.path.join(c, "best", "config.json"))
        refuses("missing best/config.json", c, out, ["config.json"])
        c = copy_variant(base, os.path.join(tmp, "no-protos"))
        edit_ckpt(c, lambda sd: sd.pop("scorer.prototypes"))
        refuses("missing scorer.prototypes", c, out, ["scorer.prototypes"])
        c = copy_variant(base, os.path.join(tmp, "no-logit"))
        edit_ckpt(c, lambda sd: sd.pop("scorer.logit_scale"))
        refuses("missing scorer.logit_scale", c, out, ["scorer.logit_scale"])
        c = copy_variant(base, os.path.join(tmp, "two-ckpts"))
        shutil.copy(os.path.join(c, "checkpoints", "ckpt.pt"), os.path.join(c, "ckpt.pt"))
        refuses("two ckpt.pt candidates", c, out, ["more than one candidate"])
        c = copy_variant(base, os.path.join(tmp, "unknown-scorer"))
        edit_ckpt(c, lambda sd: sd.__setitem__("scorer.bias", torch.zeros(1)))
        refuses("unknown scorer.* key", c, out, ["scorer.bias"])

        # ---- inconsistent shapes
        def widen(key, axis):
            def f(sd):
                v = sd[key]
                sd[key] = torch.cat([v, v.narrow(axis, 0, 1)], dim=axis)
            return f

        for label, fn, expect in [
            ("prototypes k != pca k", widen("scorer.prototypes", 1), ["scorer.prototypes", "k = "]),
            ("proto_scores K != prototypes K", widen("scorer.proto_scores", 0), ["scorer.proto_scores"]),
            ("pca_components D != projection D", widen("scorer.pca_components", 1), ["scorer.pca_components", "D"]),
            ("pca_scale D", widen("scorer.pca_scale", 0), ["scorer.pca_scale"]),
            ("clip.* override of the wrong shape", widen("clip.visual_projection.weight", 0),
             ["visual_projection.weight", "shape"]),
        ]:
            c = copy_variant(base, os.path.join(tmp, "shape-" + label.split()[0]))
            edit_ckpt(c, fn)
            refuses(f"shape: {label}", c, out, expect)
        c = copy_variant(base, os.path.join(tmp, "shape-layers"))
        cj = os.path.join(c, "best", "config.json")
        with open(cj) as f:
            hc = json.load(f)
        hc["vision_config"]["num_hidden_layers"] = 3
        with open(cj, "w") as f:
            json.dump(hc, f)
        refuses("shape: config.json says 3 layers, weights have 2", c, out, ["missing", "3 layers"])
        hc["vision_config"]["num_hidden_layers"] = 2
        hc["vision_config"]["hidden_size"] = 48
        hc["vision_config"]["num_attention_heads"] = 4
        with open(cj, "w") as f:
            json.dump(hc, f)
        refuses("shape: config.json width 48, weights 64", c, out, ["shape", "width 48"])
        c = copy_variant(base, os.path.join(tmp, "shape-basis"))
        z = dict(np.load(os.path.join(c, "basis.npz")))
        np.savez(os.path.join(c, "basis.npz"), vectors=z["vectors"][:, :5], scores=z["scores"])
        refuses("shape: basis.npz vectors", c, out, ["basis.npz", "--ignore-basis"])
        rc, _, _ = convert(c, out, "--ignore-basis")
        check(rc == 0, "shape: basis.npz mismatch converts with --ignore-basis")
        if os.path.exists(out):
            os.unlink(out)
        from sklearn.decomposition import PCA
        c = copy_variant(base, os.path.join(tmp, "shape-mean"))
        p = PCA(n_components=4).fit(np.random.RandomState(0).randn(50, 20))
        joblib.dump(p, os.path.join(c, "pca.pkl"))
        refuses("shape: pca.pkl mean_ of another D", c, out, ["mean_", "D = 32"])

        # ---- malicious pickles
        markers = iter(os.path.join(tmp, f"PWNED-{i}") for i in range(100))
        marker = next(markers)
        c = copy_variant(base, os.path.join(tmp, "evil-pca"))
        with open(os.path.join(c, "pca.pkl"), "wb") as f:
            pickle.dump(Payload(marker), f)
        check(any(n.endswith(".system") for n in globals_named(os.path.join(c, "pca.pkl"))),
              "malicious pca.pkl really names os.system (static scan)")
        refuses("malicious pca.pkl (pickle -> os.system)", c, out, ["pca.pkl", "system"], marker=marker)
        marker = next(markers)
        joblib.dump({"mean_": np.zeros(32), "x": Payload(marker)}, os.path.join(c, "pca.pkl"), compress=3)
        refuses("malicious pca.pkl (joblib zlib, payload beside a valid mean_)", c, out, ["pca.pkl", "system"],
                marker=marker)
        marker = next(markers)
        # the classic gadget chain, protocol 0: getattr(__import__('os'), 'system')('touch ...')
        with open(os.path.join(c, "pca.pkl"), "wb") as f:
            f.write(b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V"
                    + f"touch {marker}".encode() + b"\ntR.")
        refuses("malicious pca.pkl (getattr/__import__ gadget)", c, out, ["pca.pkl", "getattr"], marker=marker)
        marker = next(markers)
        c = copy_variant(base, os.path.join(tmp, "evil-ckpt"))
        ck = torch.load(os.path.join(c, "checkpoints", "ckpt.pt"), map_location="cpu")
        ck["hook"] = Payload(marker)
        torch.save(ck, os.path.join(c, "checkpoints", "ckpt.pt"))
        refuses("malicious ckpt.pt (os.system beside a valid state_dict)", c, out, ["ckpt.pt", "system"],
                marker=marker)
        marker = next(markers)
        c = copy_variant(base, os.path.join(tmp, "evil-bin"))
        sd = torch.load(os.path.join(c, "best", "pytorch_model.bin"), map_location="cpu")
        sd["evil"] = Payload(marker)
        torch.save(sd, os.path.join(c, "best", "pytorch_model.bin"))
        refuses("malicious best/pytorch_model.bin", c, out, ["pytorch_model.bin", "system"], marker=marker)
    finally:
        if KEEP:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"{len(failures)} failure(s)" if failures else "all convert checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
