"""docs/EVALUATION.md from evaluate.py's numbers (every sentence with a
number is made from the numbers, so that the page cannot go stale)."""
import numpy as np

TARGETS = dict(clive=0.75, biq=0.85, named=0.70, false_alarm=0.15, weight=0.50)


def f3(x):
    return f"{x:.3f}"


def pct(x):
    return f"{100 * x:.0f} %"


def met(ok):
    return "met" if ok else "**not met**"


def write(res, args, path):
    b, c, fa, sp = res["biq2021"], res["clive"], res["faithfulness"], res["speed"]
    v = res["variants"]
    cut = f"{res['listing_min_weight'] * 100:g} %"   # rali score's --min-weight default
    L = []
    L.append("# Evaluation of the default model\n")
    L.append("Produced by `tools/train/evaluate.py` (command below). Every Rali Studio number is the **C engine's** "
             "score (`rali score --json --backend cpu`), not PyTorch's, of the model file "
             f"`{res['model']['file']}` (sha256 {res['model']['sha256_16']}...).\n")
    L.append("```\n/usr/bin/python3 tools/train/evaluate.py --model data/models/rali-default.rali "
             "--rali build/app/rali --out docs\n```\n")
    L.append("Data (`tools/train/iqa_data.py --check` verifies every file against `tools/train/iqa-hashes.txt`; "
             "no image or score file is in this repository):\n")
    L.append(f"- **BIQ2021 test** (in domain): the official test split, {b['n']} photos. The model trained on "
             "9,000 photos of the official training split; 1,000 others of that split chose the head's K and τ.")
    L.append(f"- **CLIVE** (cross-dataset): the {c['n']} test photos of the LIVE In-the-Wild Challenge; never "
             "trained on and never used to choose anything. Its BMP files are scored as lossless PNG copies "
             "(the engine does not read BMP).\n")
    L.append("BRISQUE is OpenCV contrib's implementation with its LIVE model "
             "(`/usr/share/opencv4/quality/brisque_model_live.yml`), run here on the same files.\n")
    L.append("## Against human opinion (SRCC / PLCC)\n")
    L.append("| | BIQ2021 test | CLIVE | target |")
    L.append("|---|---|---|---|")
    L.append(f"| Rali Studio default (C engine) | {f3(b['rali'][0])} / {f3(b['rali'][1])} | "
             f"{f3(c['rali'][0])} / {f3(c['rali'][1])} | BIQ2021 ≥ {TARGETS['biq']} ({met(b['rali'][0] >= TARGETS['biq'])}); "
             f"CLIVE ≥ {TARGETS['clive']} ({met(c['rali'][0] >= TARGETS['clive'])}) |")
    L.append(f"| BRISQUE (LIVE), run here | {f3(b['brisque'][0])} / {f3(b['brisque'][1])} | "
             f"{f3(c['brisque'][0])} / {f3(c['brisque'][1])} | |\n")
    L.append("PLCC is the plain Pearson correlation of the scores as the engine prints them (the model's own "
             "logistic score map, fitted on training photos; no fit on these).\n")
    L.append("Published SRCC on CLIVE for comparison (models trained on KonIQ-10k; pyiqa's benchmark table and "
             "the RALI paper, as listed in `../shared/DATA.md`; not run here):\n")
    L.append("| model | CLIVE SRCC |")
    L.append("|---|---|")
    import evaluate as EV
    for name, s in EV.PUBLISHED:
        L.append(f"| {name} | {s} |")
    L.append(f"| **Rali Studio default** (this file, trained on BIQ2021) | **{f3(c['rali'][0])}** |\n")
    L.append("![scatter](evaluation-scatter.png)\n")
    L.append("## The explanation is the reason\n")
    L.append("Each listed descriptor's `weight` is its share of the softmax that makes the score "
             "(`rali score --json`, the CSV's `weight_N`, the detail view). The top 3 listed descriptors carry:\n")
    L.append(f"- BIQ2021 test: median {pct(b['top3_weight_median'])}, 10th percentile {pct(b['top3_weight_p10'])}")
    L.append(f"- CLIVE: median {pct(c['top3_weight_median'])}, 10th percentile {pct(c['top3_weight_p10'])} "
             f"(target: median ≥ 50 %, {met(min(b['top3_weight_median'], c['top3_weight_median']) >= TARGETS['weight'])})\n")
    L.append("The list is of *distinct* descriptors: a prototype that overlaps one already listed (its member "
             "composition, cosine ≥ 0.6) is left out as its near-copy, and its weight goes to that one "
             "(`near_copies_weight`). With this head the nearest prototypes are mostly one description with several "
             "verdicts, so the first listed stands for most of the score. With their near-copies the top 3 carry: "
             f"BIQ2021 test median {pct(b['top3_near_weight_median'])} (10th percentile "
             f"{pct(b['top3_near_weight_p10'])}), CLIVE median {pct(c['top3_near_weight_median'])} (10th percentile "
             f"{pct(c['top3_near_weight_p10'])}). The detail view draws a reason only while it carries {cut} or more "
             f"itself (the first always): a median of {b['n_shown_median']:.0f} reason(s) per BIQ2021 test photo.\n")
    L.append("## Do the descriptors name the real defect?\n")
    L.append(f"`tools/train/biq-test-labels.csv`: {fa['labelled']} BIQ2021 test photos labelled by eye before "
             "scoring, blind to MOS (`tools/train/LABELS.md`), {0} of them with a visible main defect. A descriptor "
             "names a defect by its sentence (`v5_describe.DEFECT_OF`). The two blur sentences (\"soft: fine "
             "detail is not crisp\", \"blurred and fine detail is lost\") name no cause, so they name a photo "
             "labelled blur or motion blur and are a false alarm on any other (`v5_describe.claim_fits`; until v5.1 "
             "the blur sentences said \"out of focus\" and counted for blur alone, and until v5.3 a camera-shake "
             "sentence named motion blur only). JPEG blocking is not one of the labels and is not counted either "
             "way.\n".format(fa["defect_photos"]))
    L.append(f"- The top 3 descriptors name the labelled defect: **{pct(fa['named'])}** of the {fa['defect_photos']} "
             f"defect photos (target ≥ 70 %, {met(fa['named'] >= TARGETS['named'])})")
    L.append(f"- They name a defect the photo does not have (false alarm): **{pct(fa['false_alarm'])}** of all "
             f"{fa['labelled']} labelled photos (target ≤ 15 %, {met(fa['false_alarm'] <= TARGETS['false_alarm'])})\n")
    rp = res.get("faithfulness_random_part")
    if rp:
        L.append(f"Part one of the labels ({rp['labelled']} photos) is a random sample of the test split; part two "
                 "was picked for defects and for bokeh and low-key photos, the hard cases for false alarms. On the "
                 f"random part alone the same descriptors name {pct(rp['named'])} of its {rp['defect_photos']} "
                 f"defect photos, with false alarms on {pct(rp['false_alarm'])} of its photos: what a random "
                 "photo of this kind can expect.\n")
    t1, sm = res["faithfulness_top1"], res["faithfulness_summary"]
    mw = fa["median_weight_by_rank"]
    L.append("The top 3 are the descriptors `rali score` lists: the distinct ones, and after the first only those "
             f"that carry {cut} of the score or more (`--min-weight`, where the detail view stops too: a descriptor "
             "with a weight of 1e-9 did not make the score and is not a reason). They carry median weights of "
             f"{mw[0]:.3g}, {mw[1]:.3g} and {mw[2]:.3g} (first, second, third; 0 where fewer are listed). "
             "What the score rests on:\n")
    L.append(f"- the first descriptor alone names the labelled defect in {pct(t1['named'])} of the defect photos, "
             f"with false alarms on {pct(t1['false_alarm'])} of all labelled photos;")
    L.append(f"- the one-sentence summary (`\"summary\"` in `rali score --json`: the sentences that more than half "
             f"of the softmax weight agrees on) names it in {pct(sm['named'])}, with false alarms on "
             f"{pct(sm['false_alarm'])};")
    sh = res["faithfulness_shown"]
    L.append(f"- the reasons the detail view draws (of the top 3, the first and those carrying {cut} or more: the "
             f"list above) name it in {pct(sh['named'])}, with false alarms on {pct(sh['false_alarm'])}.\n")
    per1 = t1["per_defect"]
    never = [d for d, (h, m) in sorted(per1.items()) if h == 0]
    L.append(f"The first descriptor is the reason the score rests on (with its near-copies it carries the whole "
             f"score, above). It names {pct(t1['named'])} of the labelled defects; "
             + (f"it never names {', '.join(d.replace('_', ' ') for d in never)}, " if never else "")
             + "and where it misses it mostly describes a clean photo and lowers the verdict. The student cannot "
             "name what its teacher misses: the rule-based describer it learned from, on the by-eye labels of "
             "training photos (`tools/train/v5_calibrate.py`, the same counting), names "
             + ", ".join(f"{d.replace('_', ' ')} {pct(t['named'] / max(t['labelled'], 1))} "
                         f"({t['named']}/{t['labelled']}; false alarms {t['false']}/{t['without']})"
                         for d, t in res.get("teacher", {}).items()) + ".\n")
    L.append("| labelled defect | named (first) | missed (first) |")
    L.append("|---|---|---|")
    for d, (h, m) in sorted(per1.items()):
        L.append(f"| {d} | {h} | {m} |")
    L.append("")
    L.append("| labelled defect | named (top 3) | missed (top 3) |")
    L.append("|---|---|---|")
    for d, (h, m) in sorted(fa["per_defect"].items()):
        L.append(f"| {d} | {h} | {m} |")
    L.append("")
    L.append("## Intentional bokeh and low-key photos\n")
    for kind in ("bokeh", "lowkey"):
        rows = [r for r in v if r[kind]]
        if not rows:
            continue
        above_blur = np.mean([r["orig"] > r["blur"] for r in rows])
        above_dark = np.mean([r["orig"] > r["dark"] for r in rows])
        L.append(f"- {len(rows)} labelled {'shallow depth-of-field' if kind == 'bokeh' else 'low-key'} test photos: "
                 f"the photo scores above its mildly blurred version (Gaussian σ 1.5 px) in {pct(above_blur)} of "
                 f"cases and above its darkened version (linear light × 0.5) in {pct(above_dark)}; median score "
                 f"{np.median([r['orig'] for r in rows]):.2f} against {b['score_median']:.2f} for all test photos.")
    L.append("")
    L.append("## Speed and size\n")
    L.append(f"{sp['photos']} JPEGs of {sp['megapixels']} MP (6000×4000), decoded, scored and described by "
             f"`rali score` on the CPU backend of this 2-core machine: {sp['seconds']} s, "
             f"**{sp['photos_per_s']} photos/s** (best of 2 runs; load average {sp['load_average']} when it started: other jobs "
             f"shared the cores, so this is a lower bound; target ≥ 20 photos/s). Model file: {sp['model_bytes'] / 1e6:.1f} MB.\n")
    if res.get("curve_plot"):
        L.append("## Learning curves: ImageNet start against from scratch\n")
        t = res.get("towers", {})
        ft, sc = t.get("finetuned"), t.get("scratch")
        same = t.get("finetuned_same_steps", ft)
        if ft and sc:
            win = "the ImageNet start" if same["val_srcc"] >= sc["val_srcc"] else "the from-scratch tower"
            L.append(f"The same MobileNetV2 graph, trained by `tools/train/finetune.py` on the same 9,000 photos with "
                     f"the same schedule for the same {same['step']:,} steps of 16 crops: from the ImageNet weights it "
                     f"reaches validation SRCC **{same['val_srcc']:.3f}** (all 1,000 held-out photos), from random "
                     f"weights (He-normal, a batch norm after every convolution, tower lr 1e-3; `--scratch`) "
                     f"**{sc['val_srcc']:.3f}** at step {sc['step']:,}. {win[0].upper() + win[1:]} wins on "
                     "validation and is what v5 ships. Squares: the end of each leg on all 1,000 validation "
                     "photos; circles: the periodic check on the first 500.\n")
            if ft["step"] != same["step"]:
                legs = len(args.curve or [])
                last = (f"over leg 2, then leg 3 on the whole photo at {ft['size']} px (a warm restart of the cosine, "
                        "annealed to zero again)" if legs >= 3 and ft.get("size", 512) != 512 else "over the second leg")
                L.append(f"The shipped tower is the ImageNet start trained on to step {ft['step']:,}, its cosine "
                         f"annealed to zero {last}: validation SRCC **{ft['val_srcc']:.3f}** / PLCC "
                         f"{ft['val_plcc']:.3f} on all {ft['val_n']:,} held-out photos"
                         f" at {ft.get('size', 512)} px.\n")
        L.append("![curve](evaluation-curve.png)\n")
    rows = res.get("input_size") or []
    if rows:
        L.append("## Input size\n")
        L.append("The tower's own MOS regressor on the 1,000 validation photos resized to each size "
                 "(`tools/train/v5_input_size.py`; leg 2's tower, trained on 384-px crops at the photos' own 512-px "
                 "scale, which chose 448 px; leg 3 then trained it at 448 px), and the C engine's end-to-end speed with the model exported at that size (16 JPEGs of "
                 "24 MP, as above; load average when each started in brackets):\n")
        L.append("| input (short side) | val SRCC | val PLCC | photos/s |")
        L.append("|---|---|---|---|")
        for r in rows:
            L.append(f"| {r['size']} px | {r['val_srcc']:.4f} | {r['val_plcc']:.4f} | {r['photos_per_s']} "
                     f"({r['load_average']}) |")
        L.append("")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(L) + "\n")

