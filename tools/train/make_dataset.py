#!/usr/bin/python3
"""Generates the training / evaluation cache for the default model (issue 8).

For each split: N samples of random 224x224 crops (scale 0.35..1.0 of
native resolution: a 224..640-px window resized to 224 with PIL bicubic,
never the whole photo squeezed to 224) of that split's photographs,
distorted with a random type and level (~10 % pristine, ~15 % combinations
of two types of different families), each with its pseudo-MOS, params,
measured statistics and rule-based description.  For the test split also a
"series" set: for each test photo, C crops, and for each single type the
levels 0..5 on the SAME crop with the same noise seed (monotonicity).
The same series can be made for the train and val photos (splits
train_series, val_series): train.py's ranking loss and the validation
monotonicity curve use them.

Output (outside the repository; never commit it), per split directory:
    images.u8    uint8 memmap [N, 224, 224, 3]   (raw, C order, RGB)
    meta.jsonl   one JSON object per image, in index order (only the
                 contiguous prefix of finished chunks while generating)
    info.json    N, seed, generator version
    chunks/      per-chunk meta (resumability: finished chunks are skipped)

    nice -n 10 /usr/bin/python3 tools/train/make_dataset.py                # all splits + series
    /usr/bin/python3 tools/train/make_dataset.py --splits val --n-val 200   # a small one
    /usr/bin/python3 tools/train/make_dataset.py --calibrate                # level table on train photos
    /usr/bin/python3 tools/train/make_dataset.py --report                   # DATA-REPORT.md + examples.png

Every sample is a pure function of (seed, split, index): reruns, resumes and
any number of workers give the same bytes.
"""
import argparse
import collections
import json
import multiprocessing as mp
import os
import sys
import time

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import describe as DE  # noqa: E402
import distort as DI  # noqa: E402
import photos as PH  # noqa: E402
import pseudo_mos as PM  # noqa: E402
import synthetic as SY  # noqa: E402

VERSION = 1
SIZE = 224
SPLIT_CODE = {"train": 1, "val": 2, "test": 3, "test_series": 4, "calibrate": 5, "train_series": 6, "val_series": 7}
CHUNK = 250
TEXTURE_MIN = 0.025   # mean Sobel magnitude (luma 0..1) under which a crop counts as flat
FLAT_KEEP = 0.2       # a flat crop is still kept with this probability (skies exist)

_PHOTOS = {}  # id -> uint8 array (memmap of the decoded cache)


# ---------------------------------------------------------------- photos
def cache_photos(root):
    """Decodes every photograph once to ROOT/photos/<id>.npy (RGB uint8)."""
    d = os.path.join(root, "photos")
    os.makedirs(d, exist_ok=True)
    for r in PH.photos():
        f = os.path.join(d, r["id"] + ".npy")
        if not os.path.exists(f):
            a = np.asarray(Image.open(r["file"]).convert("RGB"))
            np.save(f + ".tmp.npy", a)
            os.replace(f + ".tmp.npy", f)
    return d


def synthetic_ids(n, seed):
    return [f"dl-{seed}-{i:04d}" for i in range(n)]


def _make_synthetic(task):
    import cv2
    cv2.setNumThreads(1)
    f, seed, srcs = task
    np.save(f + ".tmp.npy", SY.dead_leaves(seed, srcs))
    os.replace(f + ".tmp.npy", f)
    return f


def cache_synthetic(root, n, seed, pool):
    """n procedural pristine pictures (synthetic.py) in ROOT/photos, coloured
    from the training photographs only (never val/test)."""
    d = os.path.join(root, "photos")
    ids = synthetic_ids(n, seed)
    missing = [(i, os.path.join(d, pid + ".npy")) for i, pid in enumerate(ids)
               if not os.path.exists(os.path.join(d, pid + ".npy"))]
    if not missing:
        return ids
    srcs = [np.load(os.path.join(d, r["id"] + ".npy"), mmap_mode="r")[::8, ::8].copy() for r in PH.photos("train")]
    todo = [(f, int(np.random.SeedSequence([seed, 99, i]).generate_state(1)[0]), srcs) for i, f in missing]
    t0 = time.time()
    for k, _ in enumerate(pool.imap_unordered(_make_synthetic, todo)):
        if k % 50 == 49:
            print(f"[synthetic] {k + 1}/{len(todo)} pictures ({time.time() - t0:.0f}s)", flush=True)
    return ids


def _init_worker(photo_dir, extra_ids=()):
    import cv2
    cv2.setNumThreads(1)
    for pid in [r["id"] for r in PH.photos()] + list(extra_ids):
        _PHOTOS[pid] = np.load(os.path.join(photo_dir, pid + ".npy"), mmap_mode="r")


def texture(img_u8):
    import cv2
    y = PM.y_of(img_u8) / 255.0
    return float(np.hypot(cv2.Sobel(y, cv2.CV_64F, 1, 0), cv2.Sobel(y, cv2.CV_64F, 0, 1)).mean())


def choose_crop(rng, img):
    """A random 224-px crop at scale U(0.35, 1.0) of native resolution (window
    of 224/scale px, capped by the photo's short side), preferring textured
    places; returns (crop uint8, info dict)."""
    h, w = img.shape[:2]
    scale = float(rng.uniform(0.35, 1.0))
    S = int(min(round(SIZE / scale), h, w))
    for attempt in range(4):
        y = int(rng.integers(0, h - S + 1))
        x = int(rng.integers(0, w - S + 1))
        patch = np.ascontiguousarray(img[y:y + S, x:x + S])
        if S != SIZE:
            patch = np.asarray(Image.fromarray(patch).resize((SIZE, SIZE), Image.BICUBIC))
        tex = texture(patch)
        if tex >= TEXTURE_MIN or attempt == 3 or rng.random() < FLAT_KEEP:
            break
    flip = bool(rng.random() < 0.5)
    if flip:
        patch = patch[:, ::-1]
    return np.ascontiguousarray(patch), {"crop": [x, y, S], "scale": round(SIZE / S, 4), "flip": flip,
                                         "texture": round(tex, 4)}


def sample_seed(seed, split, i):
    return int(np.random.SeedSequence([seed, SPLIT_CODE[split], i]).generate_state(1)[0])


# ---------------------------------------------------------------- one sample
def render(ref, spec, jit, dseed, info):
    """Distorts ref by spec, scores and describes it; returns (image, meta)."""
    dist, plist = DI.apply(ref, spec, dseed, jit)
    mos, comp = PM.pseudo_mos(ref, dist)
    if len(spec) <= 1:
        parts = [mos] * len(spec)
    else:
        parts = [PM.pseudo_mos(ref, DI.apply(ref, [s], dseed, [j])[0])[0] for s, j in zip(spec, jit)]
    st_ref, st = DE.stats(ref), DE.stats(dist)
    text = DE.describe(plist, parts, mos, st_ref, st, dseed)
    types = [p["type"] for p in plist]
    meta = dict(info)
    meta.update({
        "type": "+".join(types) if types else "pristine",
        "level": max([p["level"] for p in plist], default=0),
        "distortions": plist,
        "mos": round(mos, 4),
        "parts_mos": [round(m, 4) for m in parts],
        "components": comp,
        "stats": st,
        "stats_ref": st_ref,
        "description": text,
    })
    return dist, meta


def make_sample(split, i, seed, ids):
    s = sample_seed(seed, split, i)
    rng = np.random.default_rng(s)
    pid = ids[int(rng.integers(len(ids)))]
    ref, info = choose_crop(rng, _PHOTOS[pid])
    spec, jit = DI.random_spec(rng)
    info = {"i": i, "split": split, "photo": pid, **info, "seed": s}
    return render(ref, spec, jit, s + 1, info)


def series_units(ids, crops):
    return [(pid, k) for pid in ids for k in range(crops)]


def make_series_unit(split, u, pid, k, pidx, seed):
    """All types x levels 0..5 on one crop; index base u * len(TYPES) * 6."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, SPLIT_CODE[split], pidx, k]))
    ref, info = choose_crop(rng, _PHOTOS[pid])
    out = []
    n = 0
    for ti, t in enumerate(DI.TYPES):
        dseed = int(np.random.SeedSequence([seed, SPLIT_CODE[split], pidx, k, ti]).generate_state(1)[0])
        for lv in range(6):
            i = (u * len(DI.TYPES) + ti) * 6 + lv
            spec = [(t, lv)] if lv > 0 else []
            img, meta = render(ref, spec, [0.0] * len(spec), dseed,
                               {"i": i, "split": split, "photo": pid, **info, "seed": dseed,
                                "series": f"{pid}/{k}/{t}", "series_type": t, "series_level": lv})
            out.append((i, img, meta))
            n += 1
    return out


# ---------------------------------------------------------------- chunks
def _work(task):
    kind, split, out_dir, c, lo, hi, seed, ids, n_total, extra = task
    t0 = time.time()
    imgs = np.memmap(os.path.join(out_dir, "images.u8"), np.uint8, "r+", shape=(n_total, SIZE, SIZE, 3))
    metas = []
    if kind == "random":
        for i in range(lo, hi):
            img, meta = make_sample(split, i, seed, ids)
            imgs[i] = img
            metas.append(meta)
    else:
        units, pidx = extra
        for u in range(lo, hi):
            pid, k = units[u]
            for i, img, meta in make_series_unit(split, u, pid, k, pidx[pid], seed):
                imgs[i] = img
                metas.append(meta)
    imgs.flush()
    del imgs
    f = os.path.join(out_dir, "chunks", f"{c:05d}.jsonl")
    with open(f + ".tmp", "w") as fh:
        for m in metas:
            fh.write(json.dumps(m, separators=(",", ":")) + "\n")
    os.replace(f + ".tmp", f)
    return c, len(metas), time.time() - t0


def _rebuild_meta(out_dir, n_chunks):
    """meta.jsonl = the contiguous prefix of finished chunks."""
    done = 0
    with open(os.path.join(out_dir, "meta.jsonl.tmp"), "w") as fo:
        for c in range(n_chunks):
            f = os.path.join(out_dir, "chunks", f"{c:05d}.jsonl")
            if not os.path.exists(f):
                break
            with open(f) as fi:
                fo.write(fi.read())
            done = c + 1
    os.replace(os.path.join(out_dir, "meta.jsonl.tmp"), os.path.join(out_dir, "meta.jsonl"))
    return done


def _prepare(out_dir, n, seed, kind):
    os.makedirs(os.path.join(out_dir, "chunks"), exist_ok=True)
    info_f = os.path.join(out_dir, "info.json")
    info = {"n": n, "seed": seed, "version": VERSION, "kind": kind, "shape": [n, SIZE, SIZE, 3],
            "dtype": "uint8", "types": DI.TYPES}
    if os.path.exists(info_f):
        old = json.load(open(info_f))
        if {k: old.get(k) for k in ("n", "seed", "version", "kind")} != {k: info[k] for k in ("n", "seed", "version", "kind")}:
            sys.exit(f"{out_dir} holds a different dataset ({old}); remove it or choose another --out")
    else:
        json.dump(info, open(info_f, "w"), indent=1)
    f = os.path.join(out_dir, "images.u8")
    want = n * SIZE * SIZE * 3
    if not os.path.exists(f) or os.path.getsize(f) != want:
        with open(f, "ab") as fh:
            fh.truncate(want)


def generate(root, split, n, seed, workers, pool, crops=2, ids=None):
    """ids: the pictures to crop (default: the split's photographs)."""
    series = split.endswith("_series")
    synthetic = ids is not None
    if ids is None:
        ids = [r["id"] for r in PH.photos(split[: -len("_series")] if series else split)]
    out_dir = os.path.join(root, split)
    if series:
        units = series_units(ids, crops)
        per = len(DI.TYPES) * 6
        n = len(units) * per
        pidx = {pid: j for j, pid in enumerate(ids)}
        bounds = [(c, c, c + 1) for c in range(len(units))]
        extra = (units, pidx)
        kind = f"series:{crops}"
    else:
        bounds = [(c, lo, min(lo + CHUNK, n)) for c, lo in enumerate(range(0, n, CHUNK))]
        extra = None
        kind = f"random:synthetic{len(ids)}" if synthetic else "random"
    _prepare(out_dir, n, seed, kind)
    todo = [b for b in bounds if not os.path.exists(os.path.join(out_dir, "chunks", f"{b[0]:05d}.jsonl"))]
    print(f"[{split}] {len(ids)} photos, {n} images in {len(bounds)} chunks, {len(bounds) - len(todo)} already done"
          f" -> {out_dir}", flush=True)
    t0 = time.time()
    done_imgs = 0
    tasks = [("random" if extra is None else "series", split, out_dir, c, lo, hi, seed, ids, n, extra) for c, lo, hi in todo]
    for c, k, dt in pool.imap_unordered(_work, tasks):
        done_imgs += k
        el = time.time() - t0
        prefix = _rebuild_meta(out_dir, len(bounds))
        print(f"[{split}] chunk {c} done ({k} images, {dt:.0f}s); {done_imgs} new images in {el:.0f}s = "
              f"{done_imgs / el:.1f}/s; meta.jsonl prefix {prefix}/{len(bounds)} chunks", flush=True)
    _rebuild_meta(out_dir, len(bounds))


# ---------------------------------------------------------------- calibration & report
def _calib_unit(args):
    pid, pidx, seed = args
    rows = []
    for i, img, meta in make_series_unit("calibrate", pidx, pid, 0, pidx, seed):
        rows.append((meta["series_type"], meta["series_level"], meta["mos"], meta["photo"]))
    return rows


def level_table(rows):
    """{type: [mean mos at level 0..5]} and the list of non-monotonic types."""
    acc = collections.defaultdict(list)
    for t, lv, m, *_ in rows:
        acc[(t, lv)].append(m)
    table = {t: [float(np.mean(acc[(t, lv)])) if acc[(t, lv)] else float("nan") for lv in range(6)] for t in DI.TYPES}
    bad = [t for t, v in table.items() if not all(v[k + 1] < v[k] for k in range(5))]
    return table, bad


def print_table(table, bad, fh=sys.stdout):
    fh.write("| type | L0 | L1 | L2 | L3 | L4 | L5 | monotonic |\n|---|---|---|---|---|---|---|---|\n")
    for t, v in table.items():
        fh.write(f"| {t} | " + " | ".join(f"{x:.2f}" for x in v) + f" | {'no' if t in bad else 'yes'} |\n")


def calibrate(root, seed, pool):
    ids = [r["id"] for r in PH.photos("train")]
    t0 = time.time()
    rows = [r for part in pool.imap_unordered(_calib_unit, [(pid, j, seed) for j, pid in enumerate(ids)]) for r in part]
    table, bad = level_table(rows)
    print(f"calibration on {len(ids)} train crops ({len(rows)} images, {time.time() - t0:.0f}s): mean pseudo-MOS per level")
    print_table(table, bad)
    print("non-monotonic:", bad or "none")


def load_meta(root, split):
    f = os.path.join(root, split, "meta.jsonl")
    return [json.loads(l) for l in open(f)] if os.path.exists(f) else []


def contact_sheet(root, path, cell=80):
    """One row per type, levels 0..5, all on one test-series crop with mixed
    content (edges and smooth areas, mid exposure, colourful).  Cells show
    the centre `cell` px at native pixels, except vignette and chromatic
    aberration, whose effect is at the corners: those show the whole crop
    resized to `cell` px."""
    meta = load_meta(root, "test_series")
    if not meta:
        sys.exit("no test_series yet")
    n = len(meta)
    imgs = np.memmap(os.path.join(root, "test_series", "images.u8"), np.uint8, "r", shape=(n, SIZE, SIZE, 3))
    per = len(DI.TYPES) * 6
    units = n // per

    cats = {r["id"]: r["category"] for r in PH.photos()}

    o = (SIZE - cell) // 2

    def fit(u):
        centre = DE.stats(np.ascontiguousarray(imgs[u * per, o:o + cell, o:o + cell]))
        ok = 0.06 < centre["edge_density"] < 0.25 and 0.3 < centre["mean_lum"] < 0.7
        everyday = cats[meta[u * per]["photo"]] in ("object", "architecture", "people_animal", "landscape")
        return (ok and everyday, centre["edge_density"] * min(centre["colourfulness"], 30.0))
    best = max(range(units), key=fit)
    lab = 190
    sheet = Image.new("RGB", (lab + 6 * cell, 14 + len(DI.TYPES) * cell), "white")
    d = ImageDraw.Draw(sheet)
    for lv in range(6):
        d.text((lab + lv * cell + 4, 2), f"level {lv}", fill="black")
    for ti, t in enumerate(DI.TYPES):
        y = 14 + ti * cell
        whole = t in ("vignette", "chromatic_aberration")
        for lv in range(6):
            i = (best * len(DI.TYPES) + ti) * 6 + lv
            a = np.asarray(imgs[i])
            tile = Image.fromarray(a).resize((cell, cell), Image.LANCZOS) if whole else Image.fromarray(a[o:o + cell, o:o + cell])
            sheet.paste(tile, (lab + lv * cell, y))
            d.text((lab + lv * cell + 3, y + cell - 12), f"{meta[i]['mos']:.2f}", fill="yellow")
        d.text((4, y + cell // 2 - 6), t + (" (whole crop)" if whole else ""), fill="black")
    sheet.save(path, optimize=True)
    return meta[best * per]["photo"]


def report(root, out_md, sheet_path):
    lines = ["# Data report (generated by `tools/train/make_dataset.py --report`)", ""]
    lines.append(f"Cache: `{root}`. Photographs per split: " + ", ".join(
        f"{s} {len(PH.photos(s))}" for s in ("train", "val", "test")) + ".")
    lines.append("")
    detail = "train" if len(load_meta(root, "train")) >= 1000 else "val"
    for split in ("train", "val", "test"):
        meta = load_meta(root, split)
        if not meta:
            continue
        mos = np.array([m["mos"] for m in meta])
        kinds = collections.Counter("pristine" if m["type"] == "pristine" else ("combo" if "+" in m["type"] else "single")
                                    for m in meta)
        lines += [f"## {split}: {len(meta)} samples", "",
                  f"pristine {kinds['pristine']}, single {kinds['single']}, combination {kinds['combo']}; "
                  f"pseudo-MOS mean {mos.mean():.2f}, sd {mos.std():.2f}, quartiles "
                  + ", ".join(f"{q:.2f}" for q in np.percentile(mos, [25, 50, 75])) + "; quality words: "
                  + ", ".join(f"{w} {c}" for w, c in sorted(collections.Counter(PM.quality_word(x) for x in mos).items())), ""]
        hist = np.histogram(mos, bins=8, range=(1, 5))[0]
        lines += ["pseudo-MOS histogram (1..5, 8 bins): " + " ".join(str(h) for h in hist), ""]
        if split != detail:
            continue
        cnt = collections.Counter((m["type"], m["level"]) for m in meta if "+" not in m["type"])
        acc = collections.defaultdict(list)
        for m in meta:
            if "+" not in m["type"] and m["type"] != "pristine":
                acc[(m["type"], m["level"])].append(m["mos"])
        lines += ["### single distortions: count and mean ± sd pseudo-MOS per level", "",
                  "| type | L1 | L2 | L3 | L4 | L5 | monotonic |", "|---|---|---|---|---|---|---|"]
        bad = []
        for t in DI.TYPES:
            means = [np.mean(acc[(t, lv)]) if acc[(t, lv)] else np.nan for lv in range(1, 6)]
            mono = all(means[k + 1] < means[k] for k in range(4))
            if not mono:
                bad.append(t)
            lines.append(f"| {t} | " + " | ".join(
                f"{cnt[(t, lv)]}: {np.mean(acc[(t, lv)]):.2f} ± {np.std(acc[(t, lv)]):.2f}" if acc[(t, lv)] else "0"
                for lv in range(1, 6)) + f" | {'yes' if mono else '**no**'} |")
        lines += ["", f"pristine: {cnt[('pristine', 0)]} samples. Non-monotonic types: {', '.join(bad) or 'none'}.", ""]
        flat = [m for m in meta if m["stats_ref"]["edge_density"] < 0.01]
        fp = [m for m in flat if m["type"] == "pristine"]
        fb = [m["mos"] for m in flat if m["type"] in ("gaussian_blur", "lens_blur", "motion_blur")]
        tb = [m["mos"] for m in meta if m["stats_ref"]["edge_density"] >= 0.05
              and m["type"] in ("gaussian_blur", "lens_blur", "motion_blur")]
        lines += ["### featureless crops (out-of-focus background, sky): edge density < 1 %", "",
                  f"{len(flat)} of {len(meta)} samples ({100 * len(flat) / len(meta):.1f} %). Pristine ones: {len(fp)}, "
                  "all pseudo-MOS 5.00 (their own reference), e.g. \"" + (fp[0]["description"] if fp else "-") + "\". "
                  f"Blur on such crops: mean pseudo-MOS {np.mean(fb) if fb else float('nan'):.2f} over {len(fb)} samples, "
                  f"against {np.mean(tb) if tb else float('nan'):.2f} on textured crops (edge density >= 5 %): "
                  "blur that removes nothing is not penalised.", ""]
        lines += [f"### three example descriptions per type ({split})", ""]
        seen = collections.defaultdict(list)
        for m in meta:
            t = m["type"] if "+" not in m["type"] else "combination"
            if len(seen[t]) < 3:
                seen[t].append(m)
        for t in ["pristine"] + DI.TYPES + ["combination"]:
            lines.append(f"- **{t}**")
            for m in seen[t]:
                lines.append(f"  - (L{m['level']}, MOS {m['mos']:.2f}) {m['description']}")
        lines.append("")
    smeta = load_meta(root, "test_series")
    if smeta:
        rows = [(m["series_type"], m["series_level"], m["mos"]) for m in smeta]
        table, bad = level_table(rows)
        ser = collections.defaultdict(list)
        for m in smeta:
            ser[m["series"]].append((m["series_level"], m["mos"]))
        strict = [all(b[1] < a[1] for a, b in zip(sorted(v), sorted(v)[1:])) for v in ser.values()]
        lines += [f"## test series: {len(smeta)} images, {len(ser)} series (photo x crop x type, levels 0..5 on one crop)", "",
                  f"Pseudo-MOS strictly falls with level in {np.mean(strict) * 100:.1f} % of series "
                  "(a series on a featureless crop can stay flat for blur-like types).", "",
                  "Mean pseudo-MOS per level:", ""]
        import io
        buf = io.StringIO()
        print_table(table, bad, buf)
        lines += [buf.getvalue(), f"Non-monotonic types (means): {', '.join(bad) or 'none'}.", ""]
        if sheet_path:
            pid = contact_sheet(root, sheet_path)
            lines += [f"Contact sheet `tools/train/examples.png`: one row per type, levels 0..5, centre 80 px of one "
                      f"test-series crop of `{pid}` at native pixels (vignette and chromatic aberration: the whole crop, "
                      "resized), pseudo-MOS in yellow.", ""]
    log = os.path.join(root, "make_dataset.log")
    if os.path.exists(log):
        last = {}
        for l in open(log):
            if " new images in " in l:
                last[l.split("]")[0].strip("[")] = l.split("; ")[1].strip()
        if last:
            lines += ["## Generation throughput (last run, from make_dataset.log)", ""]
            lines += [f"- {k}: {v}" for k, v in last.items()]
            lines += ["", "Two worker processes on the 2-core development machine, shared with other jobs.", ""]
    text = "\n".join(lines)
    print(text)
    if out_md:
        open(out_md, "w").write(text)


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description="Generate the RALI default-model dataset cache (issue 8).")
    ap.add_argument("--out", default="/work/cache/rali-train")
    ap.add_argument("--splits", default="train,val,test,test_series")
    ap.add_argument("--n-train", type=int, default=24000)
    ap.add_argument("--n-val", type=int, default=2000)
    ap.add_argument("--n-test", type=int, default=3000)
    ap.add_argument("--series-crops", type=int, default=2, help="crops per photo in a series set")
    ap.add_argument("--seed", type=int, default=20240801)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--calibrate", action="store_true", help="print mean pseudo-MOS per type/level on train photos")
    ap.add_argument("--report", action="store_true", help="write DATA-REPORT.md and examples.png from the cache")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="train split only: crop N procedural dead-leaves pictures (synthetic.py) "
                         "instead of the photographs")
    a = ap.parse_args()

    missing = PH.check()
    if missing:
        sys.exit("missing photographs: " + ", ".join(missing))
    photo_dir = cache_photos(a.out)
    if a.report:
        report(a.out, os.path.join(HERE, "DATA-REPORT.md"), os.path.join(HERE, "examples.png"))
        return
    ctx = mp.get_context("fork")
    extra = []
    if a.synthetic:
        if a.splits != "train" or a.calibrate:
            sys.exit("--synthetic makes a training split only (--splits train)")
        with ctx.Pool(a.workers) as pool:
            extra = cache_synthetic(a.out, a.synthetic, a.seed, pool)
    with ctx.Pool(a.workers, initializer=_init_worker, initargs=(photo_dir, extra)) as pool:
        if a.calibrate:
            calibrate(a.out, a.seed, pool)
            return
        ns = {"train": a.n_train, "val": a.n_val, "test": a.n_test, "test_series": 0, "train_series": 0, "val_series": 0}
        for split in a.splits.split(","):
            generate(a.out, split, ns[split], a.seed, a.workers, pool, a.series_crops, extra or None)


if __name__ == "__main__":
    main()
