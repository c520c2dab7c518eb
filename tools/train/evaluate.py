#!/usr/bin/python3
"""Evaluates a .rali model with the C engine against human opinion scores,
beside BRISQUE, and writes docs/EVALUATION.md with plots.

    /usr/bin/python3 tools/train/evaluate.py --model data/models/rali-default.rali --rali build/app/rali --out docs

Sets (tools/train/iqa_data.py; hashes checked by `iqa_data.py --check`):
  BIQ2021 official test split (2,000 photos; in domain: the model trained on
  9,000 photos of the training split and chose K, τ on 1,000 others), and
  CLIVE's 1,162 test photos (cross-dataset: never trained on, never used to
  choose anything; its 535 BMP files are written as lossless PNG for the
  engine, which does not read BMP).
Every RALI number is `rali score --json --backend cpu` output.  BRISQUE is
OpenCV contrib's with its LIVE model (/usr/share/opencv4/quality), on the
same files.  Faithfulness: the labels of tools/train/biq-test-labels.csv (by
eye, blind to MOS, before scoring) against the defects the top-3 listed
descriptors name (v5_describe.DEFECT_OF, by their sentences).  Bokeh and
low-key: the labelled test photos, each against a mildly blurred and a
darkened version of itself.  Nothing here writes a per-image score file:
BIQ2021's and CLIVE's scores stay outside the repository."""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageFilter
from scipy.stats import pearsonr, spearmanr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iqa_data as D  # noqa: E402
import v5_describe as VD  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LABELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "biq-test-labels.csv")
DEFECTS = ("blur", "motion_blur", "noise", "underexposed", "overexposed", "colour_cast")
# published SRCC on CLIVE (DATA.md: pyiqa's table, models trained on KonIQ; RALI paper Table 2)
PUBLISHED = [("BRISQUE", 0.31), ("NIQE", 0.45), ("CNNIQA (0.7 M, from scratch)", 0.61), ("WaDIQaM-NR", 0.67),
             ("HyperIQA (ImageNet ResNet-50)", 0.755), ("DBCNN (ImageNet VGG)", 0.76), ("CLIP-IQA+", 0.81),
             ("TOPIQ-NR", 0.81), ("RALI (CLIP ViT-L/14 + RL reasoning)", 0.876)]


sha = D._sha16     # the first 16 hex digits of the file's SHA-256


def engine(args, files, tag):
    """{file: JSON row} from the C engine, cached per model hash (and per
    output format: "near" rows carry near_copies_weight; "all" rows list
    the top 3 whatever their weight, --min-weight 0, so that a row does not
    depend on the listing cut the binary was built with: shown() applies
    SHOWN_MIN_WEIGHT, or any other cut, here)."""
    cache = os.path.join(args.work, f"engine-{tag}-{sha(args.model)}-near-all.jsonl")
    rows = {}
    if os.path.exists(cache):
        for line in open(cache, encoding="utf-8"):
            r = json.loads(line)
            rows[r["path"]] = r
    todo = [f for f in files if f not in rows]
    t0 = time.time()
    for k in range(0, len(todo), 400):
        p = subprocess.run([args.rali, "score", "--json", "--top", "3", "--min-weight", "0", "--backend", "cpu",
                            "--model", args.model]
                           + todo[k:k + 400], capture_output=True, text=True, check=False)
        with open(cache, "a", encoding="utf-8") as fh:
            for line in p.stdout.splitlines():
                r = json.loads(line)
                rows[r["path"]] = r
                fh.write(line + "\n")
        print(f"  {tag}: {min(k + 400, len(todo))}/{len(todo)} scored ({time.time() - t0:.0f} s)", flush=True)
    bad = [f for f in files if "score" not in rows.get(f, {})]
    if bad:
        raise SystemExit(f"the engine failed on {len(bad)} files, e.g. {bad[:2]}")
    return rows


def brisque(args, files, tag):
    import cv2
    cache = os.path.join(args.work, f"brisque-{tag}.json")
    out = json.load(open(cache)) if os.path.exists(cache) else {}
    base = "/usr/share/opencv4/quality"
    q = cv2.quality.QualityBRISQUE_create(f"{base}/brisque_model_live.yml", f"{base}/brisque_range_live.yml")
    for i, f in enumerate(x for x in files if x not in out):
        out[f] = -float(q.compute(cv2.imread(f))[0])   # lower is better: negated
        if i % 500 == 499:
            json.dump(out, open(cache, "w"))
    json.dump(out, open(cache, "w"))
    return out


def clive_files(args):
    paths, mos = D.clive(args.clive)
    out = []
    conv = os.path.join(args.work, "clive-png")
    os.makedirs(conv, exist_ok=True)
    for p in paths:
        if p.lower().endswith(".bmp"):
            q = os.path.join(conv, os.path.basename(p)[:-4] + ".png")
            if not os.path.exists(q):
                Image.open(p).convert("RGB").save(q)
            p = q
        out.append(p)
    return out, mos


def corr(a, b):
    return float(spearmanr(a, b)[0]), float(pearsonr(a, b)[0])


def top3_weight(r, near=False):
    """The top 3 listed descriptors' share of the softmax; near: with the
    near-copies each stands for (near_copies_weight)."""
    return sum(d.get("weight", 0.0) + (d["near_copies_weight"] if near else 0.0) for d in shown(r))


sys.path.insert(0, os.path.join(ROOT, "tools"))
import ralifmt  # noqa: E402

SHOWN_MIN_WEIGHT = ralifmt.shown_min_weight(ROOT)   # engine/rali.h: the detail view and rali score stop there


def shown(r):
    """The descriptors the detail view draws of the top 3: the first, then
    those that carry SHOWN_MIN_WEIGHT or more of the score themselves (rali
    score lists no others by default)."""
    ds = r.get("descriptors", [])[:3]
    return [ds[i] for i in ralifmt.stop_at_weight(list(range(len(ds))), [d.get("weight", 0.0) for d in ds],
                                                  SHOWN_MIN_WEIGHT)]


def named(r, mode="top3"):
    """The defects a result names: in its top 3 listed descriptors, its top
    one, those of the top 3 the detail view draws (shown), or its
    one-sentence summary (the sentences a majority of the softmax weight
    agrees on)."""
    if mode == "summary":
        return VD.defects_named(r.get("summary", ""))
    out = set()
    for d in shown(r)[:1 if mode == "top1" else 3]:
        out |= VD.defects_named(d["text"])
    return out


def faithfulness(by_name, mode="top3", labels_csv=LABELS):
    labels = list(csv.DictReader(open(labels_csv, encoding="utf-8")))
    hit, miss, fa, n_all, per = 0, 0, 0, 0, {}
    for lab in labels:
        r = by_name.get(lab["name"])
        if r is None or lab["defect"] == "unsure":
            continue
        n_all += 1
        have = {lab["defect"], lab.get("second") or ""} - {"", "none"}
        said = named(r, mode) - {"compression"}
        if VD.false_claims(said, have):
            fa += 1
        if lab["defect"] in DEFECTS:
            ok = VD.names_label(said, lab["defect"])
            hit += ok
            miss += not ok
            per.setdefault(lab["defect"], [0, 0])[0 if ok else 1] += 1
    w = [[d.get("weight", 0.0) for d in shown(by_name[lab["name"]])] + [0, 0, 0]
         for lab in labels if lab["name"] in by_name]
    return dict(mode=mode, labelled=n_all, defect_photos=hit + miss, named=hit / max(hit + miss, 1),
                false_alarm=fa / max(n_all, 1), per_defect=per,
                median_weight_by_rank=[float(np.median([x[i] for x in w])) for i in range(3)])


def random_part(labels_csv):
    """The names of the test labels' random part: every row but part two's,
    whose notes start with "part2-enriched;" (LABELS.md)."""
    return {r["name"] for r in csv.DictReader(open(labels_csv, encoding="utf-8"))
            if not r["note"].startswith("part2-enriched")}


def variant_images(labels, path_of, vdir):
    """Each labelled bokeh / low-key photo (rows of a labels CSV) beside a
    mildly blurred (Gaussian, σ = 1.5 px at 512 px) and a darkened (linear
    light x 0.5) version of itself, all three written as PNG into vdir (once):
    the files, and per photo its name, kinds and file stem."""
    os.makedirs(vdir, exist_ok=True)
    files, meta = [], []
    for lab in labels:
        im = Image.open(path_of(lab["name"])).convert("RGB")
        stem = os.path.join(vdir, os.path.splitext(lab["name"])[0])
        a = np.asarray(im).astype(np.float64) / 255
        lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4) * 0.5
        dark = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
        made = {"orig": im, "blur": im.filter(ImageFilter.GaussianBlur(1.5)),
                "dark": Image.fromarray(np.round(dark * 255).astype(np.uint8))}
        for k, v in made.items():
            if not os.path.exists(f"{stem}-{k}.png"):
                v.save(f"{stem}-{k}.png")
        files += [f"{stem}-{k}.png" for k in made]
        meta.append(dict(name=lab["name"], bokeh=lab["bokeh"] == "yes", lowkey=lab["lowkey"] == "yes", stem=stem))
    return files, meta


def variants(args, biq_by_name):
    """The labelled bokeh / low-key test photos against their blurred and
    darkened versions (variant_images), scored by the engine."""
    labels = [r for r in csv.DictReader(open(LABELS, encoding="utf-8")) if r["bokeh"] == "yes" or r["lowkey"] == "yes"]
    files, meta = variant_images(labels, biq_by_name.__getitem__, os.path.join(args.work, "variants"))
    sc = engine(args, files, "variants")
    for m in meta:
        m.update({k: sc[f"{m['stem']}-{k}.png"]["score"] for k in ("orig", "blur", "dark")})
    return meta


def speed(args):
    """Photos per second end to end (24 MP JPEG in, score out) on this
    machine, over 16 copies of one 6000x4000 JPEG made from a sample."""
    d = os.path.join(args.work, "speed")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(ROOT, "data", "samples", "castle.jpg")
    big = os.path.join(d, "p00.jpg")
    if not os.path.exists(big):
        Image.open(src).convert("RGB").resize((6000, 4000), Image.BICUBIC).save(big, quality=92)
    files = [big] + [os.path.join(d, f"p{i:02d}.jpg") for i in range(1, 16)]
    for f in files[1:]:
        if not os.path.exists(f):
            os.link(big, f)
    best, load = None, os.getloadavg()[0]
    for _ in range(2):
        t0 = time.time()
        subprocess.run([args.rali, "score", "--json", "--backend", "cpu", "--model", args.model] + files,
                       capture_output=True, check=True)
        dt = time.time() - t0
        best = dt if best is None else min(best, dt)
    return dict(photos=len(files), seconds=round(best, 2), photos_per_s=round(len(files) / best, 1),
                megapixels=24, model_bytes=os.path.getsize(args.model),
                load_average=round(load, 2))


def plots(out, sets):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(2, 2, figsize=(10, 8.4))
    for i, (tag, s) in enumerate(sets.items()):
        ax[i, 0].scatter(s["mos"], s["rali"], s=3, alpha=0.35)
        ax[i, 0].set(xlabel=f"{tag} MOS", ylabel="Rali Studio default (C engine)",
                     title=f"{tag}: SRCC {s['res']['rali'][0]:.3f}")
        ax[i, 1].scatter(s["mos"], -np.asarray(s["brisque"]), s=3, alpha=0.35, color="tab:orange")
        ax[i, 1].set(xlabel=f"{tag} MOS", ylabel="BRISQUE (lower = better)",
                     title=f"{tag}: BRISQUE SRCC {s['res']['brisque'][0]:.3f}")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "evaluation-scatter.png"), dpi=80)
    plt.close(fig)


def curve_rows(paths):
    """The rows of one tower's curve, over the runs it was trained in."""
    paths = [paths] if isinstance(paths, str) else paths or []
    return [json.loads(line) for p in paths if os.path.exists(p) for line in open(p)]


def plot_curve(curve, out, scratch=None):
    """The towers' learning curves: validation SRCC (points: the first 500
    validation photos; the last, filled: all 1,000) and the training loss,
    of the fine-tuned ImageNet tower (curve) and, when its run exists, the
    from-scratch tower of the same graph and cost (scratch)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = [(p, label, col) for p, label, col in ((curve, "fine-tuned ImageNet tower", "tab:blue"),
                                                  (scratch, "from scratch (same graph, same steps)", "tab:orange"))
            if curve_rows(p)]
    if not runs:
        return False
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax2 = ax.twinx()
    lo = 0.6
    for path, label, col in runs:
        rows = curve_rows(path)
        val = [r for r in rows if "val_srcc" in r]
        tr = [r for r in rows if "train_loss" in r]
        ax.plot([r["step"] for r in val], [r["val_srcc"] for r in val], "o-", color=col, label=f"val SRCC, {label}")
        ends = [r for r in val if r.get("end_of_leg")]
        ax.plot([r["step"] for r in ends], [r["val_srcc"] for r in ends], "s", color=col, ms=8)
        ax2.plot([r["step"] for r in tr], [r["train_loss"] for r in tr], color=col, lw=0.5, alpha=0.35)
        lo = min([lo] + [r["val_srcc"] - 0.05 for r in val])
    ax.axhline(0.7933, color="gray", ls=":", label="frozen ImageNet features + ridge (same val)")
    ax2.set_ylabel("train loss (thin lines)")
    ax.set(xlabel="step (16 crops each)", ylabel="SRCC vs MOS, validation", ylim=(max(lo, -0.2), 0.9))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "evaluation-curve.png"), dpi=80)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "rali-default.rali"))
    ap.add_argument("--rali", default=os.path.join(ROOT, "build", "app", "rali"))
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--clive", default="/work/cache/iqa-dataset/ChallengeDB_release")
    ap.add_argument("--work", default="/work/cache/v5-eval")
    ap.add_argument("--curve", action="append",
                    help="the shipped tower's curve, one file per run it was trained in, in order "
                         "(default /work/cache/v5-run/curve.jsonl)")
    ap.add_argument("--scratch-curve", default="/work/cache/v5-scratch/curve.jsonl",
                    help="the from-scratch comparison tower's curve (finetune.py --scratch)")
    ap.add_argument("--input-size", default="",
                    help="v5_input_size.py's rows (RUN/input-size.jsonl) for the input-size section")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"))
    ap.add_argument("--keep-curves", metavar="JSON",
                    help="when no curve file is on this machine (the legs' runs stay outside the repository and "
                         "go with the machine they ran on): the towers' numbers, the curve plot and the input-size "
                         "rows of an earlier run's evaluation.json, kept as they were measured; everything else "
                         "is measured again")
    args = ap.parse_args()
    args.curve = args.curve or ["/work/cache/v5-run/curve.jsonl"]
    os.makedirs(args.work, exist_ok=True)
    bp, bm = D.biq2021_test(args.biq)
    cp, cm = clive_files(args)
    sets, res = {}, {}
    for tag, files, mos in (("BIQ2021 test", bp, bm), ("CLIVE", cp, cm)):
        key = tag.split()[0].lower()
        t0 = time.time()
        rows = engine(args, files, key)
        secs = time.time() - t0
        br = brisque(args, files, key)
        r = np.array([rows[f]["score"] for f in files])
        b = np.array([br[f] for f in files])
        w = np.array([top3_weight(rows[f]) for f in files])
        wn = np.array([top3_weight(rows[f], near=True) for f in files])
        res[key] = dict(n=len(files), rali=corr(r, mos), brisque=corr(b, mos), top3_weight_median=float(np.median(w)),
                        top3_weight_p10=float(np.percentile(w, 10)), top3_near_weight_median=float(np.median(wn)),
                        top3_near_weight_p10=float(np.percentile(wn, 10)),
                        n_shown_median=float(np.median([len(shown(rows[f])) for f in files])),
                        score_range=[float(r.min()), float(r.max())], score_median=float(np.median(r)))
        sets[tag] = dict(mos=mos, rali=r, brisque=b, res=res[key], rows=rows, files=files)
        print(tag, json.dumps(res[key]), f"({secs:.0f} s)", flush=True)
    biq_by_name = {os.path.basename(f): f for f in bp}
    by_name = {os.path.basename(f): sets["BIQ2021 test"]["rows"][f] for f in bp}
    res["faithfulness"] = faithfulness(by_name, "top3")
    res["faithfulness_top1"] = faithfulness(by_name, "top1")
    res["faithfulness_shown"] = faithfulness(by_name, "shown")
    res["faithfulness_summary"] = faithfulness(by_name, "summary")
    # the first part of the test labels is a random sample of the split, the
    # second was picked for defects and for bokeh / low-key photos (LABELS.md):
    # the false-alarm rate of a random photo is the first part's
    rand = random_part(LABELS)
    res["faithfulness_random_part"] = faithfulness({n: r for n, r in by_name.items() if n in rand}, "shown")
    res["listing_min_weight"] = SHOWN_MIN_WEIGHT
    res["variants"] = variants(args, biq_by_name)
    res["speed"] = speed(args)
    res["model"] = dict(file=os.path.relpath(args.model, ROOT), sha256_16=sha(args.model))
    plots(args.out, sets)
    res["curve_plot"] = plot_curve(args.curve, args.out, args.scratch_curve)
    res["towers"] = {}
    for key, path in (("finetuned", args.curve), ("scratch", args.scratch_curve)):
        ends = [r for r in curve_rows(path) if r.get("end_of_leg")]
        if ends:
            res["towers"][key] = dict(step=ends[-1]["step"], val_srcc=ends[-1]["val_srcc"],
                                      val_plcc=ends[-1]["val_plcc"], val_n=ends[-1]["val_n"],
                                      size=ends[-1].get("size", 512))
    sc = res["towers"].get("scratch")
    same = [r for r in curve_rows(args.curve) if r.get("end_of_leg") and sc and r["step"] == sc["step"]]
    if same:   # the fine-tuned tower at the comparison tower's step (the same cost)
        res["towers"]["finetuned_same_steps"] = dict(step=same[-1]["step"], val_srcc=same[-1]["val_srcc"],
                                                     val_plcc=same[-1]["val_plcc"], val_n=same[-1]["val_n"])
    # the teacher: the rule-based describer on the by-eye *training* labels
    import v5_calibrate as VC
    labels, meas = VC.measured(args.biq)
    res["teacher"] = {d: dict(named=tp, labelled=n, false=fp, without=nn)
                      for d, (tp, n, fp, nn) in VC.table(labels, meas, VC.training_mos(args.biq)).items()}
    res["input_size"] = ([json.loads(line) for line in open(args.input_size)]
                         if args.input_size and os.path.exists(args.input_size) else [])
    if args.keep_curves and not curve_rows(args.curve):
        old = json.load(open(args.keep_curves))
        res["curve_plot"], res["towers"] = old.get("curve_plot", False), old.get("towers", {})
        res["input_size"] = res["input_size"] or old.get("input_size", [])
        print(f"curves, towers and input size kept from {args.keep_curves}", flush=True)
    # aggregates only: no per-photo scores of BIQ2021 or CLIVE in the repository
    out = dict(res, variants={k: dict(n=len(rows), above_blurred=float(np.mean([r["orig"] > r["blur"] for r in rows])),
                                      above_darkened=float(np.mean([r["orig"] > r["dark"] for r in rows])))
                              for k in ("bokeh", "lowkey") for rows in [[r for r in res["variants"] if r[k]]]})
    json.dump(out, open(os.path.join(args.out, "evaluation.json"), "w"), indent=1)
    import evaluate_report as ER
    ER.write(res, args, os.path.join(args.out, "EVALUATION.md"))
    print(json.dumps({k: v for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()
