#!/usr/bin/python3
"""CLI contract tests for `rali embed` / `rali score` / `rali info`:
numbers vs the PyTorch reference of tools/make-fixture.py, CSV, shards,
hostile images and malformed model files.

    test-cli.py RALI_BINARY SOURCE_ROOT"""
import csv
import io
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(sys.argv[2], "tools"))
import ralifmt  # noqa: E402

RALI, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
# The PyTorch references decode with PIL, whose draft() is libjpeg's DCT-scaled
# decode.  At 1/8 the engine's own decoder (engine/image/jpeg-eighth.c) drops
# 4:2:0 chroma's higher terms, so the numerics run on libjpeg-turbo, as the
# references were made; test_jpeg_eighth() runs the engine's default, and
# tests/test-jpeg-eighth.c checks that decoder's pixels against libjpeg-turbo.
os.environ["RALI_JPEG_DECODER"] = "libjpeg"
FIX = os.path.join(ROOT, "tests", "fixtures")
MIN_WEIGHT = ralifmt.shown_min_weight(ROOT)   # rali score --min-weight's default
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, cwd=ROOT):
    p = subprocess.run([RALI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def jsonl(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def test_jpeg_eighth():
    """The tiny models read the 1,024-px samples at 1/8 DCT scale: with the
    engine's default decoder the embeddings must move (the fast path ran:
    4:2:0 chroma without its higher terms), and only a little."""
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    images = [os.path.join(ROOT, "data", "samples", f) for f in ("castle.jpg", "fig-bowl.jpg")]
    out = {}
    for decoder in ("libjpeg", "eighth"):
        p = subprocess.run([RALI, "embed", "--json", "--backend", "cpu", "--model", model, *images],
                           capture_output=True, text=True, timeout=300, env=dict(os.environ, RALI_JPEG_DECODER=decoder))
        check(p.returncode == 0, f"jpeg-eighth: embed with the {decoder} decoder exit 0 ({p.stderr.strip()[:200]})")
        out[decoder] = np.array([r["embedding"] for r in jsonl(p.stdout)])
    d = np.abs(out["eighth"] - out["libjpeg"]).max() if out["eighth"].shape == out["libjpeg"].shape else np.inf
    check(0 < d <= 5e-3, f"jpeg-eighth: embeddings with the engine's 1/8 decoder differ from libjpeg-turbo's "
          f"by max|diff| {d:.3g} (in (0, 5e-3])")


def test_numerics(variant):
    model = os.path.join(FIX, variant + ".rali")
    ref, meta = ralifmt.load_safetensors(os.path.join(FIX, variant + ".ref.safetensors"))
    images = json.loads(meta["images"])
    rc, out, err = run("embed", "--json", "--backend", "cpu", "--model", model, *images)
    check(rc == 0, f"{variant}: embed exit 0 ({err.strip()[:200]})")
    rows = jsonl(out)
    check([r["path"] for r in rows] == images, f"{variant}: one embedding per image, in order")
    f = ref["file_features"]
    e_ref = f / np.linalg.norm(f, axis=1, keepdims=True)
    got = np.array([r["embedding"] for r in rows], dtype=np.float64)
    d = np.abs(got - e_ref)
    tol = 1e-5 + 1e-4 * np.abs(e_ref)
    worst = np.unravel_index(np.argmax(d - tol), d.shape)
    check(got.shape == e_ref.shape and np.all(d <= tol),
          f"{variant}: embeddings vs PyTorch, max|diff| {d.max():.3g} at {worst} (atol 1e-5, rtol 1e-4)")

    rc, out, err = run("score", "--json", "--top", "5", "--max-overlap", "1", "--min-weight", "0", "--backend", "cpu",
                       "--model", model, *images)
    rows = jsonl(out)
    check(rc == 0 and len(rows) == len(images), f"{variant}: score exit 0, one line per image")
    sd = max(abs(r["score"] - s) for r, s in zip(rows, ref["scores"]))
    check(sd <= 1e-3, f"{variant}: scores vs PyTorch head, max|diff| {sd:.3g} (<= 1e-3)")
    for r, sims in zip(rows, ref["similarities"]):
        order = list(np.argsort(-sims, kind="stable")[:5])
        got_order = [d["index"] for d in r["descriptors"]]
        check(got_order == order, f"{variant}: {os.path.basename(r['path'])} descriptor order {got_order} == {order}")
        check(all("text" in d and "similarity" in d and "score" in d for d in r["descriptors"]),
              f"{variant}: descriptor fields present")
    check_distinct(variant, model, images, ref["similarities"])
    return images


def check_distinct(variant, model, images, ref_sims, max_cosine=0.6, top=5):
    """`rali score` lists distinct descriptors by default: the reference
    selection (ralifmt.select_distinct over the PyTorch head's ranking,
    stopping where a descriptor after the first carries less than MIN_WEIGHT of
    the softmax: --min-weight's default) gives the same prototypes, and none
    of them overlaps an earlier one."""
    w, cfg = ralifmt.load_rali(model)[:2]
    overlap = ralifmt.prototype_overlap(w, cfg)
    rc, out, err = run("score", "--json", "--top", str(top), "--backend", "cpu", "--model", model, *images)
    rows = jsonl(out)
    check(rc == 0 and len(rows) == len(images), f"{variant}: default score exit 0 ({err.strip()[:200]})")
    near_diff, near_max, total = 0.0, 0.0, []
    for r, sims in zip(rows, ref_sims):
        p = np.exp((sims - sims.max()) / cfg["temperature"])
        p /= p.sum()
        want = ralifmt.select_distinct(np.argsort(-sims, kind="stable"), overlap, max_cosine, top)
        want = ralifmt.stop_at_weight(want, p, MIN_WEIGHT)
        got = [d["index"] for d in r["descriptors"]]
        worst = max((overlap[a, b] for i, a in enumerate(got) for b in got[:i]), default=-1)
        check(got == want and worst < max_cosine,
              f"{variant}: {os.path.basename(r['path'])} distinct descriptors {got} == reference {want}, "
              f"largest overlap {worst:.2f} < {max_cosine}")
        # each listed reason with the weight of the near-copies it stands for
        ref_near = ralifmt.near_copies_weights(got, p, overlap, max_cosine)
        for d, n in zip(r["descriptors"], ref_near):
            near_diff = max(near_diff, abs(d["near_copies_weight"] - n))
            near_max = max(near_max, d["near_copies_weight"])
        total.append(sum(d["weight"] + d["near_copies_weight"] for d in r["descriptors"]))
    check(near_diff < 1e-4 and all(t <= 1 + 1e-5 for t in total),
          f"{variant}: near_copies_weight is the reference's (each prototype left out goes to the first listed one "
          f"it overlaps by >= {max_cosine}; largest {near_max:.3f}), max|diff| {near_diff:.2g}; listed reasons and "
          f"their near-copies carry {min(total):.3f}-{max(total):.3f} of the score")


def test_distinct_by_composition(images):
    """A model with member compositions: descriptors are distinct by kind."""
    variant = "tiny-quickgelu"
    ref, _ = ralifmt.load_safetensors(os.path.join(FIX, variant + ".ref.safetensors"))
    tmp = tempfile.mkdtemp()
    try:
        model = os.path.join(tmp, "composition.rali")
        K = ralifmt.load_rali(os.path.join(FIX, variant + ".rali"))[1]["prototypes"]
        groups = [i % 3 for i in range(K)]
        ralifmt.with_composition(os.path.join(FIX, variant + ".rali"), model, *ralifmt.one_hot_composition(groups))
        rc, out, _ = run("info", "--model", model)
        check(rc == 0 and "member composition over 3 kinds" in out, "info names the composition")
        check_distinct(variant + "+composition", model, images, ref["similarities"])
        rc, out, _ = run("score", "--json", "--top", "5", "--min-weight", "0", "--model", model, *images)
        kinds = [[groups[d["index"]] for d in r["descriptors"]] for r in jsonl(out)]
        check(rc == 0 and all(len(k) == 3 and len(set(k)) == 3 for k in kinds),
              f"one-hot compositions over 3 kinds: 3 descriptors per image, one of each kind ({kinds[:3]})")
        rc, out, _ = run("score", "--json", "--top", "5", "--max-overlap", "1", "--min-weight", "0", "--model", model,
                         *images)
        check(rc == 0 and all(len(r["descriptors"]) == 5 for r in jsonl(out)), "--max-overlap 1 lists the plain top 5")
        for bad in ("-0.1", "1.5", "nan"):
            rc, out, err = run("score", "--max-overlap", bad, "--model", model, *images)
            check(rc == 1 and "max-overlap" in err and not out, f"--max-overlap {bad} refused with exit 1")
    finally:
        shutil.rmtree(tmp)


def test_crops_follow_detail():
    """crop_select "detail" looks where the detail is: one photo pasted into
    the left or the right half of a flat grey canvas gives the embedding of
    the photo's half either way (the grey half's crops are never picked)."""
    from PIL import Image
    model = os.path.join(FIX, "tiny-convstem-detail.rali")
    photo = Image.open(os.path.join(ROOT, "data", "samples", "castle.jpg")).convert("RGB").resize((96, 96))
    tmp = tempfile.mkdtemp()
    try:
        paths = []
        for side in (0, 96):
            canvas = Image.new("RGB", (192, 96), (128, 128, 128))
            canvas.paste(photo, (side, 0))
            paths.append(os.path.join(tmp, f"at-{side}.png"))
            canvas.save(paths[-1])
        rc, out, err = run("embed", "--json", "--backend", "cpu", "--model", model, *paths)
        rows = jsonl(out)
        w, cfg = ralifmt.load_rali(model)
        w = {k: torch.from_numpy(v) for k, v in w.items()}
        views = [ralifmt.preprocess_for_model(p, cfg) for p in paths]
        flat = [int((np.ptp(v.reshape(len(v), 3, -1), axis=2).max(1) < 1e-6).sum()) for v in views]
        with torch.no_grad():
            f = torch.stack([ralifmt.clip_vision_forward(w, cfg, torch.from_numpy(v)).mean(0) for v in views])
        e_ref = torch.nn.functional.normalize(f, dim=-1).numpy()
        got = np.array([r["embedding"] for r in rows]) if rc == 0 and len(rows) == 2 else np.zeros_like(e_ref)
        d = np.abs(got - e_ref).max()
        check(flat == [0, 0] and d <= 1e-4,
              f"detail crops avoid the flat half (flat crops picked: {flat}, want [0, 0]) and the engine picks "
              f"the same ones: max|diff| vs PyTorch {d:.3g}; {err.strip()[:160]}")
    finally:
        shutil.rmtree(tmp)


def test_weights(images):
    """Each listed descriptor carries its prototype's softmax weight, the
    share of the score it made: in [0, 1], falling down the list (the list
    is by similarity, and the softmax is monotone in it), as PyTorch has it."""
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    rc, out, _ = run("score", "--json", "--top", "5", "--max-overlap", "1", "--min-weight", "0", "--backend", "cpu",
                     "--model", model, *images)
    rows = jsonl(out)
    ws = [[d["weight"] for d in r["descriptors"]] for r in rows]
    check(rc == 0 and rows and all(len(w) == 5 and all(0 <= x <= 1 for x in w) and
                                  all(a >= b for a, b in zip(w, w[1:])) for w in ws),
          f"--json: every descriptor has a weight in [0, 1], falling down the list ({ws[:1]})")
    w, cfg = ralifmt.load_rali(model)
    feats = np.array([r["embedding"] for r in jsonl(run("embed", "--json", "--backend", "cpu", "--model", model,
                                                        *images)[1])])
    # the head works on f, not e: take f from the reference dump's file features
    ref, _ = ralifmt.load_safetensors(os.path.join(FIX, "tiny-quickgelu.ref.safetensors"))
    f = torch.from_numpy(ref["file_features"].astype(np.float32))
    tw = {k: torch.from_numpy(v) for k, v in w.items()}
    x = torch.nn.functional.normalize(((f - tw["rali.pca.mean"]) / tw["rali.pca.scale"].abs()) @ tw["rali.pca.components"].T, dim=-1)
    s = x @ torch.nn.functional.normalize(tw["rali.prototypes"], dim=-1).T
    p = torch.softmax(s / cfg["temperature"], dim=-1)
    want = [sorted(pi.tolist(), reverse=True)[:5] for pi in p]
    d = max(abs(a - b) for gw, ww in zip(ws, want) for a, b in zip(gw, ww)) if len(ws) == len(want) else 1
    check(feats.shape[0] == len(want) and d < 1e-4, f"--json weights are PyTorch's softmax, max|diff| {d:.2g}")
    check(all(x["near_copies_weight"] == 0 for r in rows for x in r["descriptors"]),
          "--max-overlap 1 leaves nothing out: no near-copies' weight")
    # --min-weight W: after the first, only descriptors that carry W or more
    # (a W inside the weights' range, so that lists of several lengths occur;
    # half-way between two printed weights, so that no rounding decides)
    rest = sorted(set(x for w_ in ws for x in w_[1:]))
    if len(rest) >= 2:
        cut = (rest[len(rest) // 2 - 1] + rest[len(rest) // 2]) / 2
        rc, out, err = run("score", "--json", "--top", "5", "--max-overlap", "1", "--min-weight", repr(cut),
                           "--backend", "cpu", "--model", model, *images)
        got = [[d["weight"] for d in r["descriptors"]] for r in jsonl(out)]
        want_cut = [w_[:1] + [x for x in w_[1:] if x >= cut] for w_ in ws]
        check(rc == 0 and [len(g) for g in got] == [len(w_) for w_ in want_cut],
              f"--min-weight {cut:.3g}: the list stops where the weight falls below it "
              f"({[len(g) for g in got]} descriptors, want {[len(w_) for w_ in want_cut]}) {err.strip()[:120]}")
    for bad in ("-0.1", "1.5", "nan", "x"):
        rc, out, err = run("score", "--min-weight", bad, "--model", model, *images)
        check(rc == 1 and "min-weight" in err and not out, f"--min-weight {bad} refused with exit 1")
    rc, out, _ = run("score", "--csv", "--top", "2", "--min-weight", "0", "--model", model, *images)
    rows = list(csv.reader(io.StringIO(out)))
    h = rows[0]
    cw = [[float(r[h.index(f"weight_{i}")]) for i in (1, 2)] for r in rows[1:]]
    check(all(0 <= a <= 1 and 0 <= b <= a for a, b in cw), f"--csv: weight_1 >= weight_2, both in [0, 1] ({cw[:1]})")


def test_csv_and_shards(images):
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    rc, out, _ = run("score", "--csv", "--top", "2", "--model", model, *images)
    rows = list(csv.reader(io.StringIO(out)))
    check(rc == 0 and rows[0][:4] == ["path", "score", "descriptor_1", "similarity_1"] and
          rows[0][-3:] == ["error", "path_bytes", "summary"],
          f"csv header {rows[0] if rows else None}")
    check(len(rows) == len(images) + 1 and all(len(r) == len(rows[0]) for r in rows), "csv: one row per image, same width")
    check(all(0 <= float(r[1]) <= 1 for r in rows[1:]), "csv: scores parse as numbers in [0,1]")
    folder = os.path.join(FIX, "images")
    seen = []
    for i in range(3):
        rc, out, _ = run("score", "--json", "--shard", f"{i}/3", "--model", model, folder)
        seen.append([r["path"] for r in jsonl(out)])
    rc, out, _ = run("score", "--json", "--model", model, folder)
    whole = sorted(r["path"] for r in jsonl(out))
    merged = sorted(p for s in seen for p in s)
    check(merged == whole and len(set(merged)) == len(merged), f"shards 0/3,1/3,2/3 partition the {len(whole)} files")
    rc, out, _ = run("score", "--json", "--shard", "1/3", "--model", model, folder)
    check([r["path"] for r in jsonl(out)] == seen[1], "shard is deterministic")
    for bad in ("3/3", "a/2", "1/0", "1"):
        rc, _, err = run("score", "--shard", bad, "--model", model, folder)
        check(rc == 1 and "--shard" in err, f"--shard {bad} refused with exit 1")


def test_hostile_images(good):
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(FIX, "images")
        cases = {
            "empty.jpg": "empty",
            "truncated.jpg": "truncated",
            "badcrc.png": "CRC",
            "huge-header.jpg": "60000x60000",
            "huge-header.png": "60000x60000",
        }
        for name in cases:
            shutil.copy(os.path.join(src, name), os.path.join(tmp, name))
        os.mkdir(os.path.join(tmp, "x.jpg"))
        missing = os.path.join(tmp, "missing.jpg")
        paths = [good[0]] + [os.path.join(tmp, n) for n in cases] + [os.path.join(tmp, "x.jpg"), missing, good[-1]]
        rc, out, err = run("score", "--json", "--model", model, *paths)
        rows = {r["path"]: r for r in jsonl(out)}
        check(rc == 2, f"hostile batch exits 2 (got {rc})")
        check("score" in rows.get(good[0], {}) and "score" in rows.get(good[-1], {}),
              "good files around the bad ones are still scored")
        for name, needle in cases.items():
            r = rows.get(os.path.join(tmp, name), {})
            msg = r.get("error", "")
            check(name in msg and needle.lower() in msg.lower(), f"{name}: error names file and problem: {msg!r}")
        for p, needle in ((os.path.join(tmp, "x.jpg"), "directory"), (missing, "no such")):
            msg = rows.get(p, {}).get("error", "")
            check(os.path.basename(p) in msg and needle in msg.lower(), f"{os.path.basename(p)}: {msg!r}")
        # a folder walk: the directory named x.jpg is a folder, the rest are files
        rc, out, _ = run("embed", "--json", "--model", model, tmp)
        check(rc == 2 and len(jsonl(out)) == len(cases), "folder walk reports each bad file once, exit 2")
    finally:
        shutil.rmtree(tmp)


def corrupt_models():
    """(name, bytes, expected substring) for malformed model files."""
    good = open(os.path.join(FIX, "tiny-quickgelu.rali"), "rb").read()
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + n])
    data = good[8 + n:]

    def build(h, d=data):
        hb = json.dumps(h).encode()
        return struct.pack("<Q", len(hb)) + hb + d

    def edit(fn):
        h = json.loads(json.dumps(header))
        fn(h)
        return build(h)

    name = "vision_model.encoder.layers.1.mlp.fc1.weight"
    cfg = json.loads(header["__metadata__"]["rali.config"])
    yield "empty", b"", "too short"
    yield "short-header", struct.pack("<Q", 10 ** 9) + b"{}", "header length"
    yield "not-json", struct.pack("<Q", 5) + b"{{{{{", "not valid JSON"
    yield "no-metadata", edit(lambda h: h.pop("__metadata__")), "__metadata__"
    yield "missing-tensor", edit(lambda h: h.pop(name)), name + " is missing"
    yield "bad-shape", edit(lambda h: h[name].update(shape=[7, 64])), "shape"
    yield "offset-past-end", edit(lambda h: h[name].update(data_offsets=[len(data) - 4, len(data) + 65532])), "past the end"
    yield "bad-dtype", edit(lambda h: h[name].update(dtype="I64")), "dtype"
    yield "truncated", good[:len(good) // 2], "past the end"
    bad_cfg = dict(cfg, width=65)
    yield "bad-config", edit(lambda h: h["__metadata__"].update({"rali.config": json.dumps(bad_cfg)})), "divisible"
    yield "unknown-act", edit(lambda h: h["__metadata__"].update(
        {"rali.config": json.dumps(dict(cfg, activation="relu"))})), "activation"
    for tag, extra, needle in (("crops-6-fixed", dict(crops=6, crop_short_side=48), "1, 4, 5 or 9"),
                               ("crop-select-unknown", dict(crops=5, crop_short_side=48, crop_select="saliency"),
                                "crop_select"),
                               ("crop-select-no-grid", dict(crops=5, crop_short_side=48, crop_select="detail"),
                                "crop_select_grid"),
                               ("crop-select-too-many", dict(crops=10, crop_short_side=48, crop_select="detail",
                                                             crop_select_grid=3), "3x3"),
                               ("crop-select-scale", dict(crops=5, crop_short_side=48, crop_select="detail",
                                                          crop_select_grid=3, crop_select_scale=16), "less than 3 blocks")):
        yield tag, edit(lambda h, x=extra: h["__metadata__"].update({"rali.config": json.dumps(dict(cfg, **x))})), needle
    logistic = dict(type="logistic", low=0.1, high=0.9, centre=0.5, width=0.1)
    for tag, smap, needle in (("score-map-type", dict(logistic, type="isotonic"), "logistic"),
                              ("score-map-width", dict(logistic, width=0), "'width'"),
                              ("score-map-falling", dict(logistic, low=0.9, high=0.1), "keep the ranking"),
                              ("score-map-missing", {"type": "logistic", "low": 0.1}, "'high' missing")):
        yield tag, edit(lambda h, m=smap: h["__metadata__"].update(
            {"rali.config": json.dumps(dict(cfg, score_map=m))})), needle
    yield "composition-labels", edit(lambda h: h["__metadata__"].update(
        {"rali.config": json.dumps(dict(cfg, composition_labels=["a", 3]))})), "composition_labels[1]"
    yield "composition-missing", edit(lambda h: h["__metadata__"].update(
        {"rali.config": json.dumps(dict(cfg, composition_labels=["a", "b"]))})), "rali.prototype_composition is missing"
    b, _ = header[name]["data_offsets"]
    nan_data = bytearray(data)
    nan_data[b:b + 4] = struct.pack("<f", float("nan"))
    yield "nan-weight", build(header, bytes(nan_data)), "non-finite"
    inf_data = bytearray(data)
    inf_data[b + 8:b + 12] = struct.pack("<f", float("-inf"))
    yield "inf-weight", build(header, bytes(inf_data)), "non-finite"
    other = "vision_model.encoder.layers.0.mlp.fc1.weight"
    yield "overlapping-tensors", edit(lambda h: h[other].update(data_offsets=h[name]["data_offsets"])), "overlap"
    for tag, extra, needle in (("unknown-stem", dict(stem={"type": "resnet", "channels": [8]}), "stem type"),
                               ("width-2^31", dict(width=2 ** 31), "'width' = 2147483648 out of range"),
                               ("layers-1e9", dict(layers=10 ** 9), "'layers'"),
                               ("image-size-2^30", dict(image_size=2 ** 30), "'image_size'"),
                               ("prototypes-2^31", dict(prototypes=2 ** 31 - 1), "'prototypes'")):
        yield tag, edit(lambda h, x=extra: h["__metadata__"].update({"rali.config": json.dumps(dict(cfg, **x))})), needle
    yield from corrupt_mobilenet_models()


def corrupt_mobilenet_models():
    """(name, bytes, expected substring) for malformed MobileNetV2 towers
    ("tower" in rali.config), from the tiny-mobilenet fixture."""
    good = open(os.path.join(FIX, "tiny-mobilenet.rali"), "rb").read()
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + n])
    data = good[8 + n:]
    cfg = json.loads(header["__metadata__"]["rali.config"])

    def edit(fn):
        h = json.loads(json.dumps(header))
        fn(h)
        hb = json.dumps(h).encode()
        return struct.pack("<Q", len(hb)) + hb + data

    def with_cfg(**changes):
        c = json.loads(json.dumps(cfg))
        tower = changes.pop("tower", {})
        c["tower"] = dict(c["tower"], **tower) if isinstance(tower, dict) else tower
        c.update(changes)
        return edit(lambda h: h["__metadata__"].update({"rali.config": json.dumps(c)}))

    rows = cfg["tower"]["blocks"]
    for tag, blob, needle in (
            ("tower-type", with_cfg(tower=dict(type="resnet50")), 'tower type must be "mobilenet_v2", not resnet50'),
            ("tower-not-object", with_cfg(tower="mobilenet_v2"), "'tower' must be an object"),
            ("tower-stride-3", with_cfg(tower=dict(blocks=rows[:1] + [[6, 12, 2, 3]] + rows[2:])),
             "tower.blocks[1] s (stride) = 3 out of range [1, 2]"),
            ("tower-channels-2^31", with_cfg(tower=dict(blocks=rows[:1] + [[6, 2 ** 31, 2, 2]] + rows[2:])),
             "tower.blocks[1] c (channels) = 2147483648 out of range"),
            ("tower-stem-2^31", with_cfg(tower=dict(stem=2 ** 31)), "tower.stem = 2147483648 out of range"),
            ("tower-final-0", with_cfg(tower=dict(final=0)), "tower.final = 0 out of range"),
            ("tower-repeats", with_cfg(tower=dict(blocks=rows[:2] + [[6, 16, 10 ** 6, 2]])),
             "tower.blocks[2] n (repeats) = 1000000 out of range"),
            ("tower-rows", with_cfg(tower=dict(blocks=[[1, 8, 1, 1]] * 65)), "1 to 64 rows"),
            ("tower-row-short", with_cfg(tower=dict(blocks=[[1, 8, 1]])), "tower.blocks[0] must be [t, c, n, s]"),
            ("tower-expansion", with_cfg(tower=dict(blocks=rows[:2] + [[64, 4000, 2, 2]])), "is more than 8192"),
            ("tower-tap-range", with_cfg(tower=dict(pool_taps=[5])), "tower.pool_taps[0] (a block index) = 5 out of range"),
            ("tower-image-size", with_cfg(image_size=4096), "too large for a mobilenet_v2 tower"),
            ("tower-huge-map", with_cfg(image_size=2048, tower=dict(stem=512)), "largest activation map"),
            ("tower-with-vit-stem", with_cfg(stem={"type": "conv", "channels": [8]}), "'stem' is the ViT's"),
            ("tower-wrong-shape", edit(lambda h: h["mobilenet.blocks.1.dw.weight"].update(shape=[48, 1, 9, 1])),
             "mobilenet.blocks.1.dw.weight has shape [48,1,9,1], the config needs [48,1,3,3]"),
            ("tower-missing-expand", edit(lambda h: h.pop("mobilenet.blocks.3.expand.weight")),
             "mobilenet.blocks.3.expand.weight is missing"),
            ("tower-projection-shape", edit(lambda h: h["visual_projection.weight"].update(shape=[44, 16])),
             "visual_projection.weight has shape [44,16], the config needs [16,44]")):
        yield tag, blob, needle


def test_bad_models(good):
    tmp = tempfile.mkdtemp()
    try:
        for name, blob, needle in corrupt_models():
            path = os.path.join(tmp, name + ".rali")
            open(path, "wb").write(blob)
            rc, out, err = run("embed", "--json", "--model", path, good[0])
            # refused before anything the header sizes is allocated: the
            # largest child so far (RUSAGE_CHILDREN) stays small
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            check(rc == 1 and path in err and needle in err and not out and peak < 512,
                  f"model {name}: exit 1, message names file and problem: {err.strip()[:160]!r} "
                  f"(peak RSS so far {peak:.0f} MiB)")
        rc, _, err = run("embed", "--model", tmp, good[0])
        check(rc == 1 and "directory" in err, "a directory as model is refused")
    finally:
        shutil.rmtree(tmp)


def test_vulkan_matches_cpu():
    """`rali embed --backend vulkan` equals `--backend cpu` on the samples
    (lavapipe in CI): fp32 within 1e-3 relative."""
    samples = os.path.join(ROOT, "data", "samples")
    for variant in ("tiny-quickgelu", "tiny-convstem", "tiny-mobilenet"):
        model = os.path.join(FIX, variant + ".rali")
        rc, out_v, err = run("embed", "--json", "--backend", "vulkan", "--model", model, samples)
        if rc == 1 and "vulkan" in err.lower():
            print(f"skip vulkan comparison: {err.strip()[:200]}")
            return
        rc_c, out_c, _ = run("embed", "--json", "--backend", "cpu", "--model", model, samples)
        v = {r["path"]: np.array(r["embedding"]) for r in jsonl(out_v)}
        c = {r["path"]: np.array(r["embedding"]) for r in jsonl(out_c)}
        worst = max(np.max(np.abs(v[p] - c[p]) / (1e-4 + np.abs(c[p]))) for p in c) if c and v.keys() == c.keys() else 1
        check(rc == 0 and rc_c == 0 and len(c) >= 10 and v.keys() == c.keys() and worst <= 1e-3,
              f"{variant}: vulkan vs cpu embeddings on {len(c)} samples, worst relative diff {worst:.2g}")


def test_info():
    rc, out, _ = run("info", "--model", os.path.join(FIX, "tiny-quickgelu.rali"))
    check(rc == 0 and "ViT 32x32/8" in out and "rule-based" in out and "sha256:" in out, "info describes the model")
    check("backend:" not in out, "info without --backend makes no engine")
    rc, out, _ = run("info", os.path.join(FIX, "tiny-mobilenet.rali"))
    arch = [l for l in out.splitlines() if l.startswith("architecture:")]
    check(rc == 0 and arch == ["architecture: MobileNetV2, stem 8, 5 blocks, final 32 + pooled block 2 (44 features), "
                               "input 28 px, projection 16"], f"info describes a MobileNetV2 tower: {arch}")
    rc, out, err = run("info", "--backend", "cpu", "--model", os.path.join(FIX, "tiny-quickgelu.rali"))
    check(rc == 0 and "backend:      cpu: " in out and "OpenBLAS" in out and "thread" in out,
          f"info --backend cpu names BLAS and threads: {[l for l in out.splitlines() if 'backend' in l]}")
    # model files as PATHs: each is described, a missing one is named and the others still described
    a, b = os.path.join(FIX, "tiny-quickgelu.rali"), os.path.join(FIX, "tiny-convstem.rali")
    missing = os.path.join(FIX, "no-such-model.rali")
    rc, out, err = run("info", a, missing, b)
    models = [l.split(None, 1)[1] for l in out.splitlines() if l.startswith("model:")]
    check(rc == 1 and models == [a, b] and "no-such-model.rali" in err and "stem:" in out,
          f"info FILE...: each file described, the missing one named, exit 1 (got {rc}, {models}, {err.strip()!r})")
    rc, out, err = run("info", a)
    check(rc == 0 and f"model:        {a}" in out, "info FILE describes that file, not the default")
    rc, out, err = run("info", "--model", a, b)
    check(rc == 1 and out == "" and "not both" in err, f"info --model with a FILE is refused ({rc}, {err.strip()!r})")
    rc, out, err = run("bench", a)
    check(rc == 1 and out == "" and "--model" in err and "tiny-quickgelu.rali" in err,
          f"bench refuses a stray PATH instead of ignoring it ({rc}, {err.strip()!r})")


def test_max_megapixels():
    """--max-megapixels: the decompression-bomb limit, checked on the header"""
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    sample = os.path.join(ROOT, "data", "samples", "castle.jpg")  # 1024x681
    rc, out, err = run("embed", "--json", "--max-megapixels", "0.1", "--model", model, sample)
    rows = jsonl(out)
    msg = rows[0].get("error", "") if len(rows) == 1 else ""
    check(rc == 2 and "castle.jpg" in msg and "1024x681" in msg and "100000" in msg,
          f"--max-megapixels 0.1: the sample fails with its size named, exit 2 (got {rc}, {msg!r})")
    rc, out, err = run("score", "--json", "--max-megapixels", "0.7", "--model", model, sample)
    check(rc == 0 and "score" in jsonl(out)[0], "--max-megapixels 0.7 takes the 0.70 MP sample")
    for bad in ("0", "-1", "nan", "x"):
        rc, out, err = run("embed", "--max-megapixels", bad, "--model", model, sample)
        check(rc == 1 and "max-megapixels" in err and not out, f"--max-megapixels {bad} refused with exit 1")


def test_extreme_aspect():
    """Aspect-ratio bombs: a 60000x1 strip is within any pixel limit, but its
    shortest side scaled to the model's size is 224 x 13 million.  The crops
    are resampled alone (never the whole resized image): the same bytes as
    the full resize (vs PyTorch on a strip it can afford) at bounded memory."""
    from PIL import Image
    import resource
    tmp = tempfile.mkdtemp()
    try:
        rng = np.random.default_rng(7)
        strips = []
        for w, h in ((1500, 3), (3, 1500)):
            strips.append(os.path.join(tmp, f"strip-{w}x{h}.png"))
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(strips[-1])
        for variant in ("tiny-convstem", "tiny-convstem-detail"):
            model = os.path.join(FIX, variant + ".rali")
            rc, out, err = run("embed", "--json", "--backend", "cpu", "--model", model, *strips)
            rows = jsonl(out)
            w, cfg = ralifmt.load_rali(model)
            w = {k: torch.from_numpy(v) for k, v in w.items()}
            with torch.no_grad():
                f = torch.stack([ralifmt.clip_vision_forward(w, cfg, torch.from_numpy(
                    ralifmt.preprocess_for_model(p, cfg))).mean(0) for p in strips])
            e_ref = torch.nn.functional.normalize(f, dim=-1).numpy()
            got = np.array([r["embedding"] for r in rows]) if rc == 0 and len(rows) == 2 else np.zeros_like(e_ref)
            d = np.abs(got - e_ref).max()
            check(d <= 1e-4, f"{variant}: 1500x3 and 3x1500 strips embed as PyTorch does, max|diff| {d:.3g}; "
                  f"{err.strip()[:160]}")
        bombs = []
        for w, h in ((60000, 1), (1, 120000)):
            bombs.append(os.path.join(tmp, f"bomb-{w}x{h}.png"))
            Image.new("RGB", (w, h), (90, 120, 150)).save(bombs[-1])
        for model in (os.path.join(ROOT, "data", "models", "rali-default.rali"),
                      os.path.join(FIX, "tiny-convstem-detail.rali"), os.path.join(FIX, "tiny-quickgelu.rali")):
            for bomb in bombs:
                p = subprocess.Popen([RALI, "score", "--json", "--backend", "cpu", "--model", model, bomb],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = p.communicate(timeout=300)
                peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                rows = jsonl(out.decode())
                check(p.returncode == 0 and len(rows) == 1 and "score" in rows[0],
                      f"{os.path.basename(bomb)} with {os.path.basename(model)} is scored ({err.decode()[:160]!r})")
                # RUSAGE_CHILDREN is the largest child so far: every earlier run stayed below it too
                check(peak < 1024, f"{os.path.basename(bomb)}: peak RSS of the runs so far {peak:.0f} MiB < 1 GiB")
    finally:
        shutil.rmtree(tmp)


def test_non_utf8_names():
    """A Latin-1 file name (old archives, camera cards) must not make the
    output unreadable: JSON and CSV stay UTF-8, "path" is the display name
    and "path_bytes" (base64) the exact name, which opens the file."""
    import base64
    from PIL import Image
    model = os.path.join(FIX, "tiny-quickgelu.rali")
    tmp = tempfile.mkdtemp()
    try:
        tmpb = os.fsencode(tmp)
        good = tmpb + b"/latin1-\xe9t\xe9.jpg"
        bad = tmpb + b"/cass\xe9.png"
        Image.new("RGB", (64, 48), (200, 30, 30)).save(os.fsdecode(good))
        open(bad, "wb").write(b"not a png")
        plain = tmpb + b"/plain.jpg"
        shutil.copy(good, plain)
        for args in (("score", "--json"), ("embed", "--json")):
            p = subprocess.run([RALI, *args, "--model", model, tmpb], capture_output=True, timeout=300)
            try:
                rows = [json.loads(l.decode("utf-8")) for l in p.stdout.splitlines() if l.strip()]
            except (UnicodeDecodeError, ValueError) as e:
                rows = []
                check(False, f"{args[0]} --json: every line is UTF-8 JSON ({e})")
            by = {base64.b64decode(r["path_bytes"]) if "path_bytes" in r else os.fsencode(r["path"]): r for r in rows}
            check(p.returncode == 2 and set(by) == {good, bad, plain},
                  f"{args[0]} --json: path_bytes gives back the exact names ({sorted(by)}, exit {p.returncode})")
            check("path_bytes" not in by.get(plain, {"path_bytes": 1}), f"{args[0]} --json: no path_bytes for a UTF-8 name")
            g, b = by.get(good, {}), by.get(bad, {})
            check(g.get("path", "").endswith("latin1-\ufffdt\ufffd.jpg") and ("score" in g or "embedding" in g),
                  f"{args[0]} --json: the Latin-1 photo is read and shown by its display name ({g.get('path')!r})")
            check("cass\ufffd.png" in b.get("error", ""), f"{args[0]} --json: the error names the file ({b.get('error')!r})")
        p = subprocess.run([RALI, "score", "--csv", "--top", "2", "--model", model, tmpb], capture_output=True,
                           timeout=300)
        try:
            rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"))))
        except UnicodeDecodeError as e:
            rows = [[]]
            check(False, f"score --csv is UTF-8 ({e})")
        check(rows[0][-3:] == ["error", "path_bytes", "summary"] and all(len(r) == len(rows[0]) for r in rows),
              f"csv: error, path_bytes and summary are the last columns of every row ({rows[0]})")
        by = {base64.b64decode(r[-2]) if r[-2] else os.fsencode(r[0]): r for r in rows[1:]}
        check(set(by) == {good, bad, plain} and by[good][1] != "" and "cass\ufffd.png" in by[bad][-3],
              f"csv: path_bytes gives back the exact names, the photo has a score, the bad file its error")
    finally:
        shutil.rmtree(tmp)


# ---- why: the descriptors' consensus and the tiles (engine/head/explain.h) ----

def consensus_reference(texts, scores, weights):
    """The rule of engine/head/consensus.c, written again: sentences split at
    . ! ? ; (followed by white space or the end) and line breaks, compared
    case-folded with white space collapsed; support = the weight of the
    prototypes that say it; a strict majority leads, defects (effect < 0)
    first, worst first, then by support; the summary joins up to 3."""
    import re
    acc, order = {}, 0
    for i, t in enumerate(texts):
        seen = set()
        for part in re.split(r"[.!?;](?=\s|$)|[\r\n]", t or ""):
            part = part.strip().rstrip(".!?;").strip()
            if not part:
                continue
            key = " ".join(part.split()).casefold()
            if key not in acc:
                acc[key] = {"text": part, "support": 0.0, "scores": [], "order": order}
                order += 1
            if key not in seen:
                seen.add(key)
                acc[key]["support"] += weights[i]
                acc[key]["scores"].append(scores[i])
    mean_all = sum(scores) / len(scores)
    out = []
    for a in acc.values():
        if len(a["scores"]) == len(texts) and len(texts) > 1:
            continue
        a["effect"] = sum(a["scores"]) / len(a["scores"]) - mean_all
        a["majority"] = a["support"] > 0.5
        out.append(a)
    out.sort(key=lambda a: (not a["majority"], not (a["majority"] and a["effect"] < 0),
                            a["effect"] if a["majority"] and a["effect"] < 0 else -a["support"], a["order"]))
    maj = [a for a in out if a["majority"]][:3]
    return " ".join(a["text"][0].upper() + a["text"][1:] + "." for a in maj), out


def test_summary():
    """"summary" in --json and --csv: the consensus over all K prototypes'
    softmax weights, as the rule computes it from PyTorch's weights; a
    model without texts says so."""
    model = os.path.join(FIX, "tiny-sentences.rali")
    samples = sorted(os.path.join(ROOT, "data", "samples", f) for f in os.listdir(os.path.join(ROOT, "data", "samples"))
                     if f.endswith(".jpg"))[:4]
    rc, out, err = run("score", "--json", "--backend", "cpu", "--model", model, *samples)
    rows = jsonl(out)
    w, cfg = ralifmt.load_rali(model)
    tw = {k: torch.from_numpy(v) for k, v in w.items()}
    bad, shown = [], []
    for r in rows:
        with torch.no_grad():
            f = ralifmt.vision_forward(tw, cfg, torch.from_numpy(ralifmt.preprocess_for_model(r["path"], cfg))).mean(0)
            _, sims = ralifmt.rali_head(tw, cfg, f[None])
            p = torch.softmax(sims[0].double() / cfg["temperature"], dim=-1).tolist()
        want, _ = consensus_reference(cfg["descriptors"], w["rali.prototype_scores"].tolist(), p)
        shown.append(r.get("summary"))
        if r.get("summary") != want:
            bad.append((os.path.basename(r["path"]), r.get("summary"), want))
    check(rc == 0 and len(rows) == len(samples) and not bad and all(shown),
          f"--json summary is the consensus of all K prototypes ({shown[:2]}; {bad[:2]})")
    keys = list(rows[0].keys()) if rows else []
    check(keys[:3] == ["path", "score", "descriptors"] and keys[-1] == "summary",
          f"summary comes after the old members ({keys})")
    rc, out, _ = run("score", "--csv", "--top", "2", "--backend", "cpu", "--model", model, *samples)
    table = list(csv.DictReader(io.StringIO(out)))
    check(rc == 0 and [t["summary"] for t in table] == shown, "--csv: the same summary in its last column")
    tmp = tempfile.mkdtemp()
    try:
        cfg2 = dict(cfg)
        del cfg2["descriptors"]
        cfg2["descriptor_provenance"] = "none"
        bare = os.path.join(tmp, "no-texts.rali")
        ralifmt.save_rali(bare, w, cfg2)
        rc, out, _ = run("score", "--json", "--model", bare, samples[0])
        r = jsonl(out)[0] if rc == 0 else {}
        top = max(r.get("descriptors", []), key=lambda d: d["weight"], default={"index": -1})
        check(r.get("summary", "").startswith(f"This model has no descriptor texts; prototype #{top['index']} "),
              f"no descriptor texts: the summary says so and names the strongest prototype ({r.get('summary')!r})")
    finally:
        shutil.rmtree(tmp)


def tile_reference(path, cfg, tw, cols, rows):
    """engine/head/tiles.c written again: cells partition the photo, each is
    scored on a square of side max(cell w, h, S) (at most the short side)
    around its centre, a window of one PIL bicubic resize by S / T; returns
    [(x, y, w, h, score, top)]."""
    import math
    from PIL import Image, ImageOps
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    W, H = img.size
    S = cfg["image_size"]
    out, views = [], []
    for r in range(rows):
        for c in range(cols):
            cx, cw = c * W // cols, (c + 1) * W // cols - c * W // cols
            cy, ch = r * H // rows, (r + 1) * H // rows - r * H // rows
            T = min(max(cw, ch, S), min(W, H))
            x = min(max(cx + cw // 2 - T // 2, 0), W - T)
            y = min(max(cy + ch // 2 - T // 2, 0), H - T)
            s = S / T
            nw, nh = max(int(math.floor(W * s + 0.5)), S), max(int(math.floor(H * s + 0.5)), S)
            wx = min(max(int(math.floor(x * s + 0.5)), 0), nw - S)
            wy = min(max(int(math.floor(y * s + 0.5)), 0), nh - S)
            a = np.asarray(img.resize((nw, nh), Image.BICUBIC).crop((wx, wy, wx + S, wy + S)), np.float32) / 255.0
            a = (a - np.array(cfg["image_mean"], np.float32)) / np.array(cfg["image_std"], np.float32)
            views.append(a.transpose(2, 0, 1))
            out.append([x, y, T, T])
    with torch.no_grad():
        f = ralifmt.vision_forward(tw, cfg, torch.from_numpy(np.stack(views).copy()))
        score, sims = ralifmt.rali_head(tw, cfg, f)
    return [o + [float(score[i]), int(sims[i].argmax())] for i, o in enumerate(out)]


def test_tiles():
    """--tiles N: an N x N grid of tiles per photo in --json, each {x, y, w,
    h, score, descriptor, weight, index}, scored as PyTorch scores the same
    squares; --tiles auto takes rali-studio's grid; bad values refused."""
    model = os.path.join(FIX, "tiny-sentences.rali")
    w, cfg = ralifmt.load_rali(model)
    tw = {k: torch.from_numpy(v) for k, v in w.items()}
    photo = os.path.join(ROOT, "data", "samples", "castle.jpg")
    odd = os.path.join(FIX, "images", "orient-6.jpg")
    for n in (2, 3):
        rc, out, err = run("score", "--json", "--tiles", str(n), "--backend", "cpu", "--model", model, photo, odd)
        rows = jsonl(out)
        check(rc == 0 and len(rows) == 2 and all(len(r.get("tiles", [])) == n * n for r in rows),
              f"--tiles {n}: {n * n} tiles per photo ({err.strip()[:200]})")
        worst, same_top, keys = 0.0, True, set()
        for r in rows:
            ref = tile_reference(r["path"], cfg, tw, n, n)
            for t, ref_t in zip(r["tiles"], ref):
                keys |= {tuple(t.keys())}
                same_top &= [t["x"], t["y"], t["w"], t["h"]] == ref_t[:4] and t["index"] == ref_t[5]
                same_top &= t["descriptor"] == cfg["descriptors"][t["index"]] and 0 < t["weight"] <= 1
                worst = max(worst, abs(t["score"] - ref_t[4]))
        check(same_top and worst < 1e-4 and keys == {("x", "y", "w", "h", "score", "descriptor", "weight", "index")},
              f"--tiles {n}: squares, scores (max|diff| {worst:.2g}) and top descriptors as PyTorch has them "
              f"(orient-6.jpg: in the rotated photo's pixels)")
    rc, out, _ = run("score", "--json", "--tiles", "auto", "--backend", "cpu", "--model", model, photo)
    t = jsonl(out)[0]["tiles"] if rc == 0 else []
    ref = tile_reference(photo, cfg, tw, 6, 6)
    check(rc == 0 and [[x["x"], x["y"], x["w"], x["h"]] for x in t] == [r[:4] for r in ref],
          f"--tiles auto: the app's grid, 6 x 6 for a 32 px model ({len(t)} tiles)")
    rc, out, _ = run("score", "--json", "--model", model, photo)
    check(rc == 0 and "tiles" not in jsonl(out)[0], "no --tiles, no tiles")
    for bad in ("1", "9", "x", "3x3", ""):
        rc, out, err = run("score", "--json", "--tiles", bad, "--model", model, photo)
        check(rc == 1 and "--tiles" in err and not out, f"--tiles {bad!r} refused with exit 1")
    for args in (("score", "--csv"), ("embed", "--json")):
        rc, out, err = run(*args, "--tiles", "3", "--model", model, photo)
        check(rc == 1 and "--tiles" in err and not out, f"{' '.join(args)} --tiles refused with exit 1")


def test_whole_frame(images):
    """A whole-frame model ("frame": "whole"): every photo at its own shape,
    against PyTorch (above); the same scores one photo per batch as in mixed
    batches (rali_engine_run_files forwards runs of one shape); a panorama
    beyond 3:1 cut to 3:1 in the middle, as ralifmt.frame_shape; info says
    so; a ViT or a multi-crop model with "frame": "whole" is refused."""
    model = os.path.join(FIX, "tiny-mobilenet-frame.rali")
    rc, out, _ = run("info", model)
    check(rc == 0 and "the whole frame (cut to at most 3:1), shortest side to 28 px" in out
          and "a 3:2 photo to 42 x 28" in out, "info describes the whole-frame preprocessing")
    score = lambda *a: {r["path"]: r["score"] for r in jsonl(run("score", "--json", "--backend", "cpu", "--model",
                                                                     model, *a, *images)[1])}
    one, mixed = score("--batch", "1"), score("--batch", "4")
    check(len(one) == len(images) and all(abs(one[p] - mixed[p]) <= 1e-6 for p in images),
          "whole frame: the same scores one photo per batch and in batches of mixed shapes")
    from PIL import Image
    tmp = tempfile.mkdtemp()
    try:
        rng = np.random.default_rng(7)
        pano = os.path.join(tmp, "pano.png")
        # 4:1, with a bright band at each end that the 3:1 cut leaves out
        a = rng.integers(0, 256, (30, 120, 3), dtype=np.uint8)
        a[:, :15] = 255
        a[:, -15:] = 255
        Image.fromarray(a).save(pano)
        check(ralifmt.frame_shape(120, 30, 28) == (90, 30, 84, 28), "ralifmt.frame_shape cuts 120x30 to 90x30")
        w, cfg = ralifmt.load_rali(model)
        px = ralifmt.preprocess_for_model(pano, cfg)
        cut = a[:, 15:105]
        check(np.allclose(ralifmt.preprocess_for_model(pano, cfg),
                          ralifmt.frame_preprocess(Image.fromarray(cut), 28, cfg["image_mean"], cfg["image_std"])[None]),
              "the reference's cut is the middle 90x30")
        f = ralifmt.vision_forward({k: torch.from_numpy(v) for k, v in w.items()}, cfg, torch.from_numpy(px))
        e_ref = (f / f.norm(dim=1, keepdim=True)).numpy()[0]
        rc, out, err = run("embed", "--json", "--backend", "cpu", "--model", model, pano)
        got = np.array(jsonl(out)[0]["embedding"]) if rc == 0 else np.zeros_like(e_ref)
        check(rc == 0 and np.abs(got - e_ref).max() <= 1e-5 + 1e-4 * np.abs(e_ref).max(),
              f"a 4:1 panorama, cut to 3:1, vs PyTorch: max|diff| {np.abs(got - e_ref).max():.3g}")
        for name, bad, extra, why in (("vit", "tiny-quickgelu", {}, "fully convolutional"),
                                      ("crops", "tiny-mobilenet", dict(crops=5, crop_short_side=48), "crops")):
            bw, bcfg = ralifmt.load_rali(os.path.join(FIX, bad + ".rali"))
            bcfg.update(extra, frame="whole")
            path = os.path.join(tmp, name + ".rali")
            ralifmt.save_rali(path, bw, bcfg)
            rc, out, err = run("info", path)
            check(rc != 0 and "frame" in err and why in err and name + ".rali" in err,
                  f"frame \"whole\" refused on a {name} model: {err.strip()[:160]!r}")
    finally:
        shutil.rmtree(tmp)


def main():
    images = test_numerics("tiny-quickgelu")
    test_jpeg_eighth()
    test_numerics("tiny-gelu-f16")
    test_numerics("tiny-convstem")
    test_numerics("tiny-convstem-detail")
    test_numerics("tiny-mobilenet")
    test_numerics("tiny-mobilenet-frame")
    test_whole_frame(images)
    test_crops_follow_detail()
    test_csv_and_shards(images)
    test_weights(images)
    test_hostile_images(images)
    test_bad_models(images)
    test_distinct_by_composition(images)
    test_info()
    test_max_megapixels()
    test_extreme_aspect()
    test_non_utf8_names()
    test_summary()
    test_tiles()
    test_vulkan_matches_cpu()
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


main()
