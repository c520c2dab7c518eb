#!/usr/bin/python3
"""The shipped default model orders fixed distorted images as expected, on
the bundled sample photographs, reads intentional bokeh and a low-key photo
as better than blurred and darkened copies of themselves, and gives every
listed descriptor a weight.

    test-default-model.py RALI_BINARY SOURCE_ROOT

The images are made here, deterministically (PIL + seeded numpy), from
data/samples; `rali score` runs with no --model, so this also checks that
the default model is found from the build tree.

What is required is what this model version does reliably (measured; see
docs/EVALUATION.md): for Gaussian blur, pristine > mild > strong; for white
noise and JPEG only that strong is below pristine and mild.  v5 (the
MobileNetV2 fine-tuned on BIQ2021, head with the synthetic leg at 0.3)
passes every check here; without its synthetic leg the same tower failed
four (forest-stream noise and JPEG, dandelion-bokeh and bridge-night
against their darkened copies: tools/train/V5-NOTES.md).  Tighten the
orders as the model improves.
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageFilter

RALI, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
MODEL = os.path.join(ROOT, "data", "models", "rali-default.rali")


def noise(img, sigma, seed):
    a = np.asarray(img, np.float32)
    a = a + np.random.default_rng(seed).normal(0, sigma, a.shape)
    return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))


def jpeg(img, q):
    b = io.BytesIO()
    img.save(b, "JPEG", quality=q)
    return Image.open(io.BytesIO(b.getvalue())).convert("RGB")


# (series, required orders as (better level, worse level) pairs)
ORDERS = {
    "white noise": [(0, 2), (1, 2)],
    "gaussian blur": [(0, 1), (1, 2)],
    "jpeg": [(0, 2), (1, 2)],
}
SERIES = {
    "white noise": lambda im, lv: noise(im, (0, 6, 30)[lv], 1),
    "gaussian blur": lambda im, lv: im.filter(ImageFilter.GaussianBlur((0, 1.2, 4.0)[lv])) if lv else im,
    "jpeg": lambda im, lv: jpeg(im, (100, 30, 5)[lv]) if lv else im,
}
PHOTOS = ["castle.jpg", "forest-stream.jpg", "mountain-trail.jpg"]


def check_distinct(rows, folder, env):
    """The shipped model carries its prototypes' member compositions, and the
    default descriptors are the reference selection (ralifmt.select_distinct)
    over the full ranking: no two of them gather the same kinds of images."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import ralifmt
    w, cfg = ralifmt.load_rali(MODEL)
    if not cfg.get("composition_labels"):
        print("FAIL the default model has no prototype composition")
        return 1
    overlap = ralifmt.prototype_overlap(w, cfg)
    r = subprocess.run([RALI, "score", "--json", "--top", str(cfg["prototypes"]), "--max-overlap", "1",
                        "--min-weight", "0", "--backend", "cpu", folder], capture_output=True, text=True, env=env,
                       timeout=600)
    full = {json.loads(l)["path"]: json.loads(l)["descriptors"] for l in r.stdout.splitlines() if l.strip()}
    ranked = {p: [d["index"] for d in ds] for p, ds in full.items()}
    weight = {p: {d["index"]: d["weight"] for d in ds} for p, ds in full.items()}
    cut = ralifmt.shown_min_weight(ROOT)   # --min-weight's default

    def want(p):
        # the distinct selection, stopping where a descriptor after the first
        # carries less than --min-weight's default
        return ralifmt.stop_at_weight(ralifmt.select_distinct(ranked.get(p, []), overlap, 0.6, 3), weight[p], cut)
    bad = [p for p, row in rows.items() if [d["index"] for d in row["descriptors"]] != want(p)]
    shown = [d["index"] for row in rows.values() for d in row["descriptors"]]
    print(f"{'ok  ' if not bad and r.returncode == 0 else 'FAIL'} distinct descriptors equal the reference "
          f"selection on {len(rows) - len(bad)}/{len(rows)} images ({len(set(shown))} prototypes shown)")
    return int(bool(bad) or r.returncode != 0)


def darken(img, factor=0.5):
    """Linear light x factor, back to sRGB."""
    a = np.asarray(img, np.float64) / 255
    lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4) * factor
    s = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return Image.fromarray(np.round(s * 255).astype(np.uint8))


# intentional shallow depth of field and a low-key night scene: pristine, so each
# must score above a mildly blurred and a darkened version of itself
INTENT = ["dandelion-bokeh.jpg", "ladybird-bokeh.jpg", "bridge-night.jpg"]


def check_intent_and_weights(env):
    tmp = tempfile.mkdtemp()
    for p in INTENT:
        im = Image.open(os.path.join(ROOT, "data", "samples", p)).convert("RGB")
        im.save(os.path.join(tmp, p[:-4] + "-0-pristine.png"))
        # the samples are 1024 px wide; the model sees them at 512, where this is sigma 1 px
        im.filter(ImageFilter.GaussianBlur(2.0)).save(os.path.join(tmp, p[:-4] + "-1-blurred.png"))
        darken(im).save(os.path.join(tmp, p[:-4] + "-2-darkened.png"))
    r = subprocess.run([RALI, "score", "--json", "--top", "5", "--backend", "cpu", tmp],
                       capture_output=True, text=True, env=env, timeout=600)
    c = subprocess.run([RALI, "score", "--csv", "--top", "5", "--backend", "cpu", tmp],
                       capture_output=True, text=True, env=env, timeout=600)
    if r.returncode or c.returncode:
        print(f"FAIL rali score exit {r.returncode}/{c.returncode}: {r.stderr[-300:]}{c.stderr[-300:]}")
        return 1
    rows = {os.path.basename(json.loads(l)["path"]): json.loads(l) for l in r.stdout.splitlines() if l.strip()}
    failures = 0
    for p in INTENT:
        s = [rows[p[:-4] + k]["score"] for k in ("-0-pristine.png", "-1-blurred.png", "-2-darkened.png")]
        ok = s[0] > s[1] and s[0] > s[2]
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {p}: pristine {s[0]:.3f} > blurred {s[1]:.3f} and darkened {s[2]:.3f}")
    import csv
    bad = []
    for name, row in rows.items():
        w = [d.get("weight") for d in row["descriptors"]]
        if not w or any(x is None or not 0 <= x <= 1 for x in w) or any(a < b for a, b in zip(w, w[1:])):
            bad.append(f"{name} json {w}")
    table = list(csv.DictReader(c.stdout.splitlines()))
    for t in table:
        w = [float(t[f"weight_{i}"]) for i in range(1, 6) if t.get(f"weight_{i}")]
        if len(w) != len(rows[os.path.basename(t["path"])]["descriptors"]) or \
                any(not 0 <= x <= 1 for x in w) or any(a < b for a, b in zip(w, w[1:])):
            bad.append(f"{t['path']} csv {w}")
    ok = not bad and len(table) == len(rows) == 3 * len(INTENT)
    print(f"{'ok  ' if ok else 'FAIL'} every descriptor of {len(rows)} images carries a weight in [0, 1], "
          f"falling down the list, in --json and --csv {bad[:3]}")
    return failures + (not ok)


def main():
    if not os.path.exists(MODEL):
        print(f"no default model at {MODEL}")
        return 77
    tmp = tempfile.mkdtemp()
    expect = []
    for p in PHOTOS:
        im = Image.open(os.path.join(ROOT, "data", "samples", p)).convert("RGB")
        for name, f in SERIES.items():
            files = []
            for lv in range(3):
                out = os.path.join(tmp, f"{p[:-4]}-{name.replace(' ', '_')}-{lv}.png")
                f(im, lv).save(out)
                files.append(out)
            expect.append((p, name, files))
    env = dict(os.environ, RALI_MODEL="")
    r = subprocess.run([RALI, "score", "--json", "--top", "3", "--backend", "cpu", tmp],
                       capture_output=True, text=True, env=env, timeout=600)
    rows = {json.loads(l)["path"]: json.loads(l) for l in r.stdout.splitlines() if l.strip()}
    failures = 0
    if r.returncode != 0:
        print(f"FAIL rali score exit {r.returncode}: {r.stderr[-400:]}")
        return 1
    for p, name, files in expect:
        s = [rows[f]["score"] for f in files]
        ok = all(s[a] > s[b] for a, b in ORDERS[name])
        failures += not ok
        want = ", ".join(f"{('pristine', 'mild', 'strong')[a]} > {('pristine', 'mild', 'strong')[b]}"
                         for a, b in ORDERS[name])
        print(f"{'ok  ' if ok else 'FAIL'} {p} {name}: pristine {s[0]:.3f}, mild {s[1]:.3f}, strong {s[2]:.3f}"
              f" (requires {want})")
    failures += check_distinct(rows, tmp, env)
    failures += check_intent_and_weights(env)
    print(f"{len(expect) - failures} passed, {failures} failed")
    return 1 if failures else 0


sys.exit(main())
