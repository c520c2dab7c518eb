#!/usr/bin/python3
"""Evaluates a .rali model with the C engine on held-out pictures, beside
BRISQUE (OpenCV contrib, trained on LIVE human opinion scores), and writes
docs/EVALUATION.md with plots.

    /usr/bin/python3 tools/train/evaluate.py --model data/models/rali-default.rali \
        --rali build/app/rali --photos 24 --out docs

For each test-split photo (tools/train/photos.py: never seen in training)
one crop of 640x480 at native or mildly reduced resolution (shortest side
to at most 1024, as the engine does) is distorted with every type at levels
1..5; pristine + distorted are written as PNG (lossless), scored by
`rali score --json` and by BRISQUE, and compared with the pseudo-MOS
(pseudo_mos.py)."""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
from PIL import Image
from scipy.stats import pearsonr, spearmanr

sys.path.insert(0, os.path.dirname(__file__))
import distort as DI  # noqa: E402
import photos as PH  # noqa: E402
import pseudo_mos as PM  # noqa: E402

CROP_W, CROP_H = 640, 480

# the describer's key term for each type (describe.py); a descriptor
# "names" the distortion when one of these matches it
KEYS = {
    "gaussian_blur": r"gaussian blur|\bblur", "lens_blur": r"defocus|\bblur", "motion_blur": r"motion blur",
    "chromatic_aberration": r"fring", "vignette": r"vignett", "brighten": r"too bright|overexpos|washed",
    "darken": r"too dark|underexpos", "overexposure": r"overexpos|too bright|clipped",
    "underexposure": r"underexpos|too dark", "contrast_down": r"low contrast|flat",
    "contrast_up": r"harsh contrast|crushed", "saturation_down": r"washed-out|desaturat|muted",
    "saturation_up": r"oversaturat", "colour_cast": r"colou?r cast|tint",
    "white_noise": r"(?<!low )\bnoise\b(?! is low| is absent)|grain", "colour_noise": r"colou?r noise|chroma",
    "impulse_noise": r"impulse|salt", "speckle_noise": r"speckle|noise\b(?! is low)",
    "oversharpen": r"oversharpen|halo", "jitter": r"jitter", "pixelate": r"pixelat|block",
    "quantisation": r"banding|posteri", "jpeg": r"jpeg|block", "jpeg2000": r"ringing|jpeg ?2000|blur",
}


def make_eval_set(n_photos, out_dir, seed=7):
    os.makedirs(out_dir, exist_ok=True)
    meta_path = os.path.join(out_dir, "meta.json")
    if os.path.exists(meta_path):
        return json.load(open(meta_path))
    rng = np.random.default_rng(seed)
    test = PH.photos("test")
    rows = []
    for p in test[:n_photos]:
        img = Image.open(PH.resolve(p["path"])).convert("RGB")
        w, h = img.size
        s = min(w, h)
        if s > 1024:  # as the engine's multi-crop preprocessing: mild reduction only
            img = img.resize((w * 1024 // s, h * 1024 // s) if w >= h else (w * 1024 // s, h * 1024 // s),
                             Image.BICUBIC)
            w, h = img.size
        cw, ch = min(CROP_W, w), min(CROP_H, h)
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        ref = np.asarray(img.crop((x0, y0, x0 + cw, y0 + ch)))
        name = f"{p['id']}_pristine_0.png"
        Image.fromarray(ref).save(os.path.join(out_dir, name))
        rows.append(dict(file=name, photo=p["id"], type="pristine", level=0, mos=5.0))
        for t in DI.TYPES:
            for lv in range(1, 6):
                d, _ = DI.distort(ref, t, lv, np.random.default_rng(int(rng.integers(1 << 31))))
                name = f"{p['id']}_{t}_{lv}.png"
                Image.fromarray(d).save(os.path.join(out_dir, name))
                rows.append(dict(file=name, photo=p["id"], type=t, level=lv, mos=float(PM.pseudo_mos(ref, d)[0])))
        print(f"  {p['id']}: {len(rows)} images so far", flush=True)
    json.dump(rows, open(meta_path, "w"))
    return rows


def engine_scores(rali, model, out_dir, rows):
    t0 = time.time()
    p = subprocess.run([rali, "score", "--json", "--top", "3", "--backend", "cpu", "--model", model, out_dir],
                       capture_output=True, text=True, check=False)
    secs = time.time() - t0
    by = {os.path.basename(json.loads(l)["path"]): json.loads(l) for l in p.stdout.splitlines() if l.strip()}
    missing = [r["file"] for r in rows if "score" not in by.get(r["file"], {})]
    if missing:
        raise SystemExit(f"engine failed on {len(missing)} files, e.g. {missing[:3]}: {p.stderr[-500:]}")
    return by, secs


def brisque_scores(out_dir, rows):
    import cv2
    base = "/usr/share/opencv4/quality"
    model, rng = f"{base}/brisque_model_live.yml", f"{base}/brisque_range_live.yml"
    if not (os.path.exists(model) and hasattr(cv2, "quality")):
        return None
    q = cv2.quality.QualityBRISQUE_create(model, rng)
    out = {}
    for r in rows:
        img = cv2.imread(os.path.join(out_dir, r["file"]))
        out[r["file"]] = -float(q.compute(img)[0])  # BRISQUE: lower is better; negate to compare
    return out


def corr(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan"), float("nan")
    return spearmanr(a, b).correlation, pearsonr(a, b)[0]


def monotonic_share(rows, score):
    """Share of (photo, type) series whose score strictly falls with level 0..5."""
    ser = {}
    pristine = {r["photo"]: score[r["file"]] for r in rows if r["type"] == "pristine"}
    for r in rows:
        if r["type"] != "pristine":
            ser.setdefault((r["photo"], r["type"]), {0: pristine[r["photo"]]})[r["level"]] = score[r["file"]]
    strict = [all(s[l + 1] < s[l] for l in range(5)) for s in ser.values()]
    loose = [spearmanr(range(6), [s[l] for l in range(6)]).correlation <= -0.8 for s in ser.values()]
    return float(np.mean(strict)), float(np.mean(loose)), len(ser)


def bokeh_check(args, rows, score):
    """Issue 8: intentional bokeh in a pristine photograph must score as good
    quality.  The sample photos (data/samples, whole pictures, none of them
    in training) include two shallow-depth-of-field shots; each score is put
    beside the held-out crops' scores: the share of pristine crops and of
    level-3 distorted crops that score below it."""
    samples = os.path.join(os.path.dirname(__file__), "..", "..", "data", "samples")
    p = subprocess.run([args.rali, "score", "--json", "--backend", "cpu", "--model", args.model, samples],
                       capture_output=True, text=True, check=False)
    pristine = np.array([score[r["file"]] for r in rows if r["type"] == "pristine"])
    level3 = np.array([score[r["file"]] for r in rows if r["level"] == 3])
    out = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if "score" not in r:
            continue
        name = os.path.basename(r["path"])
        out.append(dict(photo=name, bokeh="bokeh" in name, score=r["score"],
                        below_pristine=float((pristine < r["score"]).mean()),
                        below_level3=float((level3 < r["score"]).mean()),
                        top=r["descriptors"][0]["text"] if r.get("descriptors") else ""))
    return sorted(out, key=lambda x: -x["score"])


BOKEH_CRITERION = ("no bokeh photo is the lowest-scoring sample photo, and each scores above at least 80% "
                   "of the held-out crops at distortion level 3")


def bokeh_reads_good(bk):
    lowest = min(bk, key=lambda x: x["score"])
    return not lowest["bokeh"] and all(x["below_level3"] >= 0.8 for x in bk if x["bokeh"])


def summary(res):
    """The summary paragraph, from the numbers (so that it cannot go stale)."""
    r, b = res["rali"], res["brisque"]
    mono = res["monotonic_rali"]
    pt = {t: v["rali"][0] for t, v in res["per_type"].items()}
    best = sorted(pt, key=lambda t: -pt[t])[:4]
    worst = sorted(pt, key=lambda t: pt[t])[:4]
    ahead = b and r[0] > b[0]
    met = [r[0] >= 0.85, mono[0] >= 0.9, res["descriptor_top3"] >= 0.7]
    txt = (f"SRCC {r[0]:.2f} against the pseudo-MOS on held-out pictures (target 0.85), "
           f"{'ahead of' if ahead else 'behind'} BRISQUE ({b[0]:.2f}) overall; strictly monotonic in "
           f"{mono[0]:.0%} of series (target 90%); top-3 descriptors name the applied distortion in "
           f"{res['descriptor_top3']:.0%} of distorted images (target 70%). "
           f"Best types: {', '.join(f'{t} {pt[t]:.2f}' for t in best)}; worst: "
           f"{', '.join(f'{t} {pt[t]:.2f}' for t in worst)}. ")
    bk = res.get("bokeh") or []
    if bk:
        ranks = [i + 1 for i, x in enumerate(bk) if x["bokeh"]]
        worst = min((x for x in bk if x["bokeh"]), key=lambda x: x["below_level3"], default=None)
        if worst:
            ok = bokeh_reads_good(bk)
            txt += (f"Intentional bokeh {'reads' if ok else 'is not yet read'} as good quality (criterion: "
                    f"{BOKEH_CRITERION}): the bokeh sample photos rank "
                    f"{', '.join(map(str, ranks))} of {len(bk)} sample photos, and {worst['photo']} scores above "
                    f"{worst['below_level3']:.0%} of the held-out crops at distortion level 3. ")
    txt += ("Every target is met." if all(met) else
            f"{3 - sum(met)} of the 3 targets of issue 8 are not met: this is what the model is, not what we want.")
    return txt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="data/models/rali-default.rali")
    ap.add_argument("--rali", default="build/app/rali")
    ap.add_argument("--photos", type=int, default=24)
    ap.add_argument("--cache", default="/work/cache/rali-eval")
    ap.add_argument("--out", default="docs")
    ap.add_argument("--curve", default="/work/cache/rali-ds/run/curve.json", help="learning curve from train.py")
    args = ap.parse_args()
    rows = make_eval_set(args.photos, args.cache)
    eng, secs = engine_scores(args.rali, args.model, args.cache, rows)
    score = {f: v["score"] for f, v in eng.items()}
    br = brisque_scores(args.cache, rows)
    mos = np.array([r["mos"] for r in rows])
    res = {"n_images": len(rows), "n_photos": len({r["photo"] for r in rows}), "engine_seconds": secs}
    res["rali"] = corr([score[r["file"]] for r in rows], mos)
    res["brisque"] = corr([br[r["file"]] for r in rows], mos) if br else None
    per_type = {}
    for t in DI.TYPES:
        sel = [r for r in rows if r["type"] in (t, "pristine")]
        m = [r["mos"] for r in sel]
        per_type[t] = dict(rali=corr([score[r["file"]] for r in sel], m),
                           brisque=corr([br[r["file"]] for r in sel], m) if br else None)
    res["per_type"] = per_type
    res["monotonic_rali"] = monotonic_share(rows, score)
    res["monotonic_brisque"] = monotonic_share(rows, br) if br else None
    hit1 = hit3 = n = 0
    for r in rows:
        if r["type"] == "pristine":
            continue
        texts = [d["text"].lower() for d in eng[r["file"]]["descriptors"]]
        key = re.compile(KEYS[r["type"]], re.I)
        n += 1
        hit1 += bool(key.search(texts[0]))
        hit3 += any(key.search(t) for t in texts)
    res["descriptor_top1"], res["descriptor_top3"] = hit1 / n, hit3 / n
    res["bokeh"] = bokeh_check(args, rows, score)
    os.makedirs(args.out, exist_ok=True)
    json.dump(res, open(os.path.join(args.out, "evaluation.json"), "w"), indent=1)
    write_scores(rows, score, br, os.path.join(args.out, "evaluation-scores.csv"))
    plots(rows, score, br, args.out, res, args.curve)
    write_report(res, args, os.path.join(args.out, "EVALUATION.md"))
    print(json.dumps({k: v for k, v in res.items() if k != "per_type"}, indent=1))
    return res


def write_scores(rows, score, br, path):
    """Every held-out image's pseudo-MOS beside the engine's and BRISQUE's
    scores, so that any other statistic can be computed from the report."""
    import csv
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "photo", "type", "level", "pseudo_mos", "rali", "brisque_negated"])
        for r in rows:
            w.writerow([r["file"], r["photo"], r["type"], r["level"], f"{r['mos']:.4f}", f"{score[r['file']]:.6f}",
                        f"{br[r['file']]:.4f}" if br else ""])


def crops_note(model):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import ralifmt
    c = ralifmt.load_rali(model)[1]
    if not c.get("crops"):
        return "CLIP's single centre crop"
    how = (f"the {c['crops']} most detailed (on {c.get('crop_select_scale', 1)}x{c.get('crop_select_scale', 1)}-pixel "
           f"blocks) of {c['crop_select_grid']}x{c['crop_select_grid']} candidates"
           if c.get("crop_select") == "detail" else f"{c['crops']} crops on a fixed grid")
    return f"{how} of {c['image_size']} px per image, features averaged" + (
        "; a logistic score map fitted on validation images" if c.get("score_map") else "")


def fmt(x):
    return "n/a" if x is None or x != x else f"{x:.3f}"


def write_report(res, args, path):
    r, b = res["rali"], res["brisque"]
    mono, mono_b = res["monotonic_rali"], res["monotonic_brisque"]
    L = ["# Evaluation of the default model", "",
         "Produced by `tools/train/evaluate.py` (command below); every RALI number is the **C engine's** "
         "score (`rali score --json --backend cpu`), not PyTorch's.", "",
         "```", f"/usr/bin/python3 tools/train/evaluate.py --model {args.model} --rali {args.rali} "
         f"--photos {args.photos} --out {args.out}", "```", "",
         f"Held-out set: {res['n_photos']} test-split photographs (never seen in training; split by source picture, "
         f"tools/train/photos.py), one {CROP_W}x{CROP_H} crop each at native or mildly reduced resolution, "
         f"pristine + {len(DI.TYPES)} distortion types x 5 levels = {res['n_images']} PNG images. Target: the pseudo-MOS "
         "of tools/train/pseudo_mos.py (full-reference, 1-5; see tools/train/TARGETS.md). The C engine scored "
         f"them in {res['engine_seconds']:.0f} s on this 2-core machine, with the preprocessing the model file "
         f"declares ({crops_note(args.model)}).", "",
         "BRISQUE is OpenCV contrib's implementation with its model trained on LIVE human opinion scores "
         "(`/usr/share/opencv4/quality/brisque_model_live.yml`); nobody here wrote or trained it.", "",
         "Every image's pseudo-MOS and both scores: `evaluation-scores.csv` beside this file "
         "(BRISQUE negated, so that higher is better for both).", "",
         "## Summary", "", summary(res), "",
         "Caveat on descriptor faithfulness: the match is by key-term regular expressions; a distortion too "
         "faint to be visible is deliberately not named by the describer, and such images count as misses.", "",
         "## Overall", "", "| | SRCC | PLCC | target |", "|---|---|---|---|",
         f"| Rali Studio default (C engine) | {fmt(r[0])} | {fmt(r[1])} | SRCC >= 0.85, ahead of BRISQUE |",
         f"| BRISQUE (LIVE) | {fmt(b[0]) if b else 'n/a'} | {fmt(b[1]) if b else 'n/a'} | |", "",
         "PLCC is the plain Pearson correlation of the engine's scores (no logistic fit here; a model whose file "
         "has a score map was fitted on validation images, never on these).", "",
         "## Monotonicity", "",
         "Share of (photo, type) series, levels 0 (pristine) to 5, whose score strictly falls at every step, "
         "and (looser) whose Spearman correlation with the level is <= -0.8.", "",
         "| | strictly falling | SRCC <= -0.8 | series | target |", "|---|---|---|---|---|",
         f"| Rali Studio default | {mono[0]:.1%} | {mono[1]:.1%} | {mono[2]} | >= 90% |"]
    if mono_b:
        L.append(f"| BRISQUE (LIVE) | {mono_b[0]:.1%} | {mono_b[1]:.1%} | {mono_b[2]} | |")
    L += ["", "## Descriptor faithfulness", "",
          "How often the top descriptor (top-3 descriptors) names the distortion actually applied, by the "
          "describer's key terms (regular expressions in `KEYS` of evaluate.py), on all distorted images. "
          "The descriptors are what `rali score --top 3` lists by default: the nearest *distinct* prototypes "
          "(one is left out when its member composition has cosine >= 0.6 with one listed before it; "
          "`--max-overlap`, chosen on validation crops):", "",
          f"- top-1: {res['descriptor_top1']:.1%}", f"- top-3: {res['descriptor_top3']:.1%} (target >= 70%)", "",
          "## Per distortion type (SRCC against pseudo-MOS, pristine included)", "",
          "| type | RALI SRCC | BRISQUE SRCC |", "|---|---|---|"]
    for t, v in res["per_type"].items():
        L.append(f"| {t} | {fmt(v['rali'][0])} | {fmt(v['brisque'][0]) if v['brisque'] else 'n/a'} |")
    L += ["", "![scatter](evaluation-scatter.png)", "", "![per type](evaluation-per-type.png)", ""]
    if res.get("bokeh"):
        L += ["## Intentional bokeh in pristine photographs", "",
              "The sample photos (`data/samples`, whole pictures never used in training), scored by the C engine. "
              "A shallow depth of field is not a defect: the two bokeh shots should score like the other pristine "
              "photographs. 'Above pristine' is the share of the held-out pristine crops scoring below the photo, "
              "'above level 3' the share of held-out crops at distortion level 3 scoring below it.", "",
              "| photo | bokeh | score | above pristine | above level 3 | top descriptor |", "|---|---|---|---|---|---|"]
        for x in res["bokeh"]:
            L.append(f"| {x['photo']} | {'yes' if x['bokeh'] else ''} | {x['score']:.2f} | {x['below_pristine']:.0%} | "
                     f"{x['below_level3']:.0%} | {x['top']} |")
        L.append("")
    if os.path.exists(os.path.join(args.out, "evaluation-curve.png")):
        L += ["## Learning curve (validation SRCC, PyTorch, during training)", "",
              "![learning curve](evaluation-curve.png)", ""]
    open(path, "w").write("\n".join(L) + "\n")


def plots(rows, score, br, out, res=None, curve=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2 if br else 1, figsize=(10 if br else 5, 4.2), squeeze=False)
    mos = [r["mos"] for r in rows]
    ax[0, 0].scatter(mos, [score[r["file"]] for r in rows], s=3, alpha=0.4)
    ax[0, 0].set(xlabel="pseudo-MOS", ylabel="RALI default (C engine)", title="Rali Studio default model")
    if br:
        ax[0, 1].scatter(mos, [-br[r["file"]] for r in rows], s=3, alpha=0.4, color="tab:orange")
        ax[0, 1].set(xlabel="pseudo-MOS", ylabel="BRISQUE (lower = better)", title="BRISQUE (LIVE)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "evaluation-scatter.png"), dpi=90)
    plt.close(fig)
    if res:
        types = list(res["per_type"])
        fig, ax = plt.subplots(figsize=(11, 4))
        x = np.arange(len(types))
        ax.bar(x - 0.2, [res["per_type"][t]["rali"][0] for t in types], 0.4, label="Rali Studio default")
        if br:
            ax.bar(x + 0.2, [res["per_type"][t]["brisque"][0] for t in types], 0.4, label="BRISQUE (LIVE)")
        ax.set_xticks(x, types, rotation=60, ha="right", fontsize=8)
        ax.set(ylabel="SRCC vs pseudo-MOS", ylim=(-0.5, 1))
        ax.axhline(0, color="k", lw=0.5)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "evaluation-per-type.png"), dpi=90)
        plt.close(fig)
    if curve:
        plot_curve(curve, out)


def plot_curve(curve, out):
    """Validation SRCC per step (thick: all types, thin: each type), and
    from the series-ranking leg on, the share of validation series that
    fall with the level (dashed: strictly, dotted: Spearman <= -0.8)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if not os.path.exists(curve):
        return
    c = json.load(open(curve))
    if not c:
        return
    fig, ax = plt.subplots(figsize=(8, 4))
    steps = [e["step"] for e in c]
    series = {"series_strict": ("val series strictly falling", "--"), "series_loose": ("val series SRCC <= -0.8", ":")}
    for k in sorted({k for e in c for k in e if k != "step"}):
        y = [e.get(k, np.nan) for e in c]
        if k in series:
            ax.plot(steps, y, lw=2, ls=series[k][1], color="tab:red", label=series[k][0])
        else:
            ax.plot(steps, y, lw=2.5 if k == "all" else 0.8, label="val SRCC" if k == "all" else None,
                    color="k" if k == "all" else None, alpha=1 if k == "all" else 0.5)
    ax.set(xlabel="step", ylabel="val SRCC (thin: per type)", ylim=(-0.2, 1))
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "evaluation-curve.png"), dpi=90)
    plt.close(fig)

if __name__ == "__main__":
    main()
