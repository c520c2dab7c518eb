#!/usr/bin/python3
"""Loaders for the human-rated image-quality sets kept outside the repository
(see ../shared/DATA.md; nothing of them is committed but the hash list).

    /usr/bin/python3 tools/train/iqa_data.py --check \
        --biq /work/cache/biq2021 --clive /work/cache/iqa-dataset/ChallengeDB_release
    /usr/bin/python3 tools/train/iqa_data.py --write-hashes ...   # regenerates iqa-hashes.txt

Each loader returns (list of absolute image paths, MOS as a float64 numpy
array), in the order of its score file:

- biq2021_train(root) / biq2021_test(root): the official split, `Train (Images
  and MOS).csv` (10,000 rows) and `Test (Images and MOS).csv` (2,000 rows) of
  nisarahmedrana/BIQ2021, MOS on 0..1. One name differs only by case from the
  file on disk (`ss02 (1014).jpg` is `.JPG`): names are matched exactly first,
  then case-insensitively; anything else is an error.
- clive(root): the 1,162 test images of the LIVE In the Wild Challenge
  database (root = the ChallengeDB_release folder), MOS as given (about 3..92),
  names and scores from Data/AllImages_release.mat and Data/AllMOS_release.mat;
  the 7 training images (trainingImages/t1..t7.bmp) are left out.
  CLIVE is the cross-dataset test only: never train on it or choose anything by it.

--check verifies the number of image files of each set and the first 16 hex
digits of each image's and score file's sha256 against tools/train/iqa-hashes.txt
(lines: `dataset<TAB>relative path<TAB>hash`), prints the first problem and
exits 1 on any mismatch, 0 when all match.
"""
import argparse
import csv
import hashlib
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HASHES = os.path.join(HERE, "iqa-hashes.txt")

BIQ_TRAIN_CSV = "Train (Images and MOS).csv"
BIQ_TEST_CSV = "Test (Images and MOS).csv"
BIQ_N_IMAGES = 12000
CLIVE_N_TEST = 1162
CLIVE_N_TRAINING = 7
IMAGE_EXTS = (".jpg", ".jpeg", ".bmp", ".png")


def _biq_csv(root, name):
    root = os.path.abspath(root)
    img_dir = os.path.join(root, "Images")
    on_disk = os.listdir(img_dir)
    exact = set(on_disk)
    lower = {}
    for f in on_disk:
        lower.setdefault(f.lower(), []).append(f)
    paths, mos = [], []
    with open(os.path.join(root, name), newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows or rows[0][:2] != ["Image Name", "MOS"]:
        raise ValueError(f"{name}: unexpected header {rows[:1]}")
    for i, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        fname = row[0].strip()
        if fname not in exact:
            cand = lower.get(fname.lower(), [])
            if len(cand) != 1:
                raise FileNotFoundError(f"{name}:{i}: no image file for {fname!r}")
            fname = cand[0]
        paths.append(os.path.join(img_dir, fname))
        mos.append(float(row[1]))
    return paths, np.asarray(mos, dtype=np.float64)


def biq2021_train(root):
    """BIQ2021 official training split: 10,000 paths, MOS on 0..1."""
    return _biq_csv(root, BIQ_TRAIN_CSV)


def biq2021_test(root):
    """BIQ2021 official test split: 2,000 paths, MOS on 0..1."""
    return _biq_csv(root, BIQ_TEST_CSV)


def _clive_mats(root):
    from scipy.io import loadmat
    names = loadmat(os.path.join(root, "Data", "AllImages_release.mat"))["AllImages_release"]
    names = [str(np.asarray(n).ravel()[0]) for n in names.ravel()]
    mos = loadmat(os.path.join(root, "Data", "AllMOS_release.mat"))["AllMOS_release"]
    mos = np.asarray(mos, dtype=np.float64).ravel()
    if len(names) != len(mos):
        raise ValueError(f"CLIVE: {len(names)} names but {len(mos)} scores")
    return names, mos


def clive(root):
    """CLIVE test images (1,162, training images excluded), MOS as given.
    Cross-dataset test only."""
    root = os.path.abspath(root)
    names, mos = _clive_mats(root)
    training = set(os.listdir(os.path.join(root, "Images", "trainingImages")))
    paths, out = [], []
    for n, m in zip(names, mos):
        if n in training:
            continue
        p = os.path.join(root, "Images", n)
        if not os.path.isfile(p):
            raise FileNotFoundError(f"CLIVE: no image file for {n!r}")
        paths.append(p)
        out.append(m)
    if len(paths) != CLIVE_N_TEST:
        raise ValueError(f"CLIVE: {len(paths)} test images, expected {CLIVE_N_TEST}")
    return paths, np.asarray(out, dtype=np.float64)


# ---------------------------------------------------------------- checking

def _sha16(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _is_image(name):
    return name.lower().endswith(IMAGE_EXTS)


def _listing(biq_root, clive_root):
    """(dataset, relative path) of every file the hash list covers: all images
    and the score files."""
    out = []
    if biq_root:
        imgs = sorted(f for f in os.listdir(os.path.join(biq_root, "Images")) if _is_image(f))
        out += [("biq2021", BIQ_TRAIN_CSV), ("biq2021", BIQ_TEST_CSV)]
        out += [("biq2021", "Images/" + f) for f in imgs]
    if clive_root:
        out += [("clive", "Data/AllImages_release.mat"), ("clive", "Data/AllMOS_release.mat")]
        top = sorted(f for f in os.listdir(os.path.join(clive_root, "Images")) if _is_image(f))
        tr = sorted(f for f in os.listdir(os.path.join(clive_root, "Images", "trainingImages"))
                    if _is_image(f))
        out += [("clive", "Images/" + f) for f in top]
        out += [("clive", "Images/trainingImages/" + f) for f in tr]
    return out


def _roots(args):
    return {"biq2021": args.biq, "clive": args.clive}


def write_hashes(args):
    roots = _roots(args)
    lines = ["# dataset\trelative path\tsha256[:16]  (tools/train/iqa_data.py --write-hashes)"]
    for ds, rel in _listing(args.biq, args.clive):
        lines.append(f"{ds}\t{rel}\t{_sha16(os.path.join(roots[ds], rel))}")
    with open(args.hashes, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines) - 1} hashes to {args.hashes}")


def check(args):
    roots = _roots(args)
    want = {}
    with open(args.hashes, encoding="utf-8") as fh:
        for ln in fh:
            if ln.startswith("#") or not ln.strip():
                continue
            ds, rel, h = ln.rstrip("\n").split("\t")
            want[(ds, rel)] = h
    problems = []

    def bad(msg):
        problems.append(msg)
        if len(problems) == 1:
            print("FAIL:", msg)

    counts = {}
    for ds, root in roots.items():
        if not root:
            continue
        if not os.path.isdir(root):
            bad(f"{ds}: no folder {root}")
            continue
        have = _listing(root if ds == "biq2021" else None, root if ds == "clive" else None)
        n_img = sum(1 for _, r in have if r.startswith("Images/"))
        counts[ds] = n_img
        expect = BIQ_N_IMAGES if ds == "biq2021" else CLIVE_N_TEST + CLIVE_N_TRAINING
        if n_img != expect:
            bad(f"{ds}: {n_img} image files, expected {expect}")
        listed = {k for k in want if k[0] == ds}
        for key in sorted(listed - set(have)):
            bad(f"{ds}: missing {key[1]}")
        for key in sorted(set(have) - listed):
            bad(f"{ds}: not in hash list: {key[1]}")
        for key in have:
            if key in want:
                h = _sha16(os.path.join(root, key[1]))
                if h != want[key]:
                    bad(f"{ds}: hash mismatch {key[1]}: {h} != {want[key]}")
    # the loaders themselves
    try:
        if args.biq:
            tr, ytr = biq2021_train(args.biq)
            te, yte = biq2021_test(args.biq)
            if (len(tr), len(te)) != (10000, 2000):
                bad(f"biq2021: split sizes {len(tr)}/{len(te)}, expected 10000/2000")
            if set(tr) & set(te):
                bad("biq2021: train and test share images")
            counts["biq2021 train/test"] = f"{len(tr)}/{len(te)}"
        if args.clive:
            cp, cy = clive(args.clive)
            counts["clive test"] = len(cp)
    except (OSError, ValueError, KeyError) as e:
        bad(f"loader: {e}")
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("OK", ", ".join(f"{k}: {v}" for k, v in counts.items()),
          f"({len(want)} hashes)")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--biq", default="/work/cache/biq2021", help="BIQ2021 checkout (holds Images/)")
    ap.add_argument("--clive", default="/work/cache/iqa-dataset/ChallengeDB_release",
                    help="CLIVE ChallengeDB_release folder")
    ap.add_argument("--hashes", default=HASHES)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", action="store_true")
    g.add_argument("--write-hashes", action="store_true")
    args = ap.parse_args()
    if args.write_hashes:
        write_hashes(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
