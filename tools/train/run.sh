#!/bin/bash
# Reproduces the default model v5 end to end, with fixed seeds:
#   data check -> tower fine-tuning -> features -> descriptions -> synthetic
#   leg -> text space, prototypes and projection -> export -> evaluation.
#
#   tools/train/run.sh
#
# Needs the data of ../shared/DATA.md in /work/cache (BIQ2021, CLIVE; fetched
# with the tool library, checked against tools/train/iqa-hashes.txt) and the
# ImageNet MobileNetV2 of ../shared/pretrained. Debian packages: python3-torch,
# python3-sklearn, python3-scipy, python3-opencv, python3-skimage,
# python3-matplotlib, opencv-data (BRISQUE's LIVE model).
#
# Every step is resumable (checkpoints and caches under /work/cache, never in
# the repository) and each run of a step stays under ~90 minutes: rerun this
# script to continue. Measured on the 2-core development machine (AVX-512
# BF16), loaded by other jobs: fine-tuning leg 1 85 min (step 1,165), leg 2
# 42 min (to step 2,400, quiet machine), tower features of 11,080 photos
# ~15 min quiet (~60 min loaded), measurements ~20 min, synthetic leg
# ~20 min, head grid ~10 min, export 1 min, evaluation ~20 min.
#
# The v1-v4 recipe (a small conv-stem ViT on distorted crops of Debian's
# photographs, pseudo-MOS targets) is in this file's history (git show
# 772eb3c:tools/train/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
RUN=/work/cache/v5-run
HEAD=/work/cache/v5-head
export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
mkdir -p "$RUN" "$HEAD"
# a features directory beside the measurements: the tower's features are its own,
# the rule-based measurements (and the synthetic leg's list) are shared
link_measurements() {
  mkdir -p "$1"
  for f in measure-train.jsonl measure-val.jsonl measure-synthetic.jsonl synthetic.jsonl; do
    ln -sf "$HEAD/$f" "$1/$f"
  done
}

# the data, from the repositories the tool library fetched, checked file by file
tools/train/restore_data.sh
# /work/cache does not outlive a machine. Where the legs' checkpoints are gone,
# tools/train/v5_import.py makes the shipped model's tower a checkpoint again
# (its weights exactly as the engine runs them; the regressor refitted): a new
# leg, features or heads start from it instead of retraining legs 1-3 (~3.5 h):
#   $PY tools/train/v5_import.py --run /work/cache/v5-import
# the baseline fine-tuning must beat: frozen ImageNet features + ridge
#   $PY tools/train/frozen_probe.py (extract, then fit)

# 1b. the comparison tower: the same graph from random weights (batch norm after
# every convolution, tower lr 1e-3), the same 1,165 steps; only its curve is used
[ -f /work/cache/v5-scratch/done ] || {
  $PY tools/train/finetune.py --scratch --run /work/cache/v5-scratch --lr-tower 1e-3 --stop-step 1165 \
      --minutes 85 >> /work/cache/v5-scratch/train.log 2>&1
  grep -q '"end_of_leg": true, "step": 1165' /work/cache/v5-scratch/curve.jsonl && touch /work/cache/v5-scratch/done
}

# 1. the ImageNet MobileNetV2 fine-tuned end to end on BIQ2021 MOS; 1,000
# training photos held out by image for validation (RUN/val.txt). Leg 1 (85 min,
# step 1,165 of a 4,000-step cosine; v5.0 and v5.1 shipped it) is kept as
# ckpt-step1165.pt.
[ -f "$RUN/ckpt-step1165.pt" ] || {
  $PY tools/train/finetune.py --run "$RUN" --minutes 85 >> "$RUN/train.log" 2>&1
  cp "$RUN/ckpt.pt" "$RUN/ckpt-step1165.pt"
}
# 1c. leg 2 (v5.2): from leg 1's checkpoint in a run of its own, the cosine
# shortened to end at step 2,400 (4.3 epochs), so the learning rate anneals to 0
# (validation SRCC on all 1,000: 0.813 at step 1,165 -> 0.839 at step 2,400)
RUN2=/work/cache/v5-run2
mkdir -p "$RUN2"
[ -f "$RUN2/ckpt.pt" ] || { cp "$RUN/ckpt-step1165.pt" "$RUN2/ckpt.pt"; cp "$RUN/val.txt" "$RUN2/"; }
[ -f "$RUN2/ckpt-step2400.pt" ] || {
  $PY tools/train/finetune.py --run "$RUN2" --total-steps 2400 --minutes 85 --val-minutes 10 --keep-val-ckpts \
      >> "$RUN2/train.log" 2>&1
  grep -q '"end_of_leg": true, "step": 2400' "$RUN2/curve.jsonl" && cp "$RUN2/ckpt.pt" "$RUN2/ckpt-step2400.pt"
}
CKPT=$RUN2/ckpt-step2400.pt

# 2. rule-based descriptions: measurements of each photo (thresholds chosen on
# the by-eye training labels: v5_calibrate.py prints the table); a measurement
# file made before the edge-width measurements gets them added
$PY tools/train/v5_describe.py --out "$HEAD" --split val --split train
$PY tools/train/v5_calibrate.py
# 3. the synthetic leg: level 1/3/5 series of real defects on 360 high-MOS
# training photos, measured like the rest
$PY tools/train/v5_synthetic.py --out "$HEAD"
$PY tools/train/v5_describe.py --out "$HEAD" --split synthetic
# 4. the shipped tower's pooled features of all three, in a directory of their
# own beside the measurements (v5.0/v5.1's leg-1 features stay in $HEAD)
HEAD2=/work/cache/v5.2-head
link_measurements "$HEAD2"
$PY tools/train/v5_features.py --ckpt "$CKPT" --out "$HEAD2" --split val --split train --split synthetic
# 5. text space, prototypes and the aligned projection, on leg 2's features.
# v5.0/v5.1 (leg-1 tower, $HEAD): K=32, tau=0.05 without the synthetic leg (val
# SRCC 0.836); the synthetic leg at 0.3 of a real photo's weight (0.816) keeps
# pristine bokeh/low-key samples above their darkened copies and the noise/JPEG
# series in order (tests/test-default-model.py); v5.1 added --defect-weight 3.
# v5.2 grid (leg-2 tower; each with the synthetic leg at 0.3; rows in
# $HEAD2/grid.jsonl, table in V5-NOTES.md). Rule: a head at least as good as
# v5.1 on both validation measures (SRCC >= 0.814 and the first prototype
# naming the measured defect >= 26.8 %), passing the sample checks, median
# top-3 weight >= 0.5, best SRCC -> D=1, K=32, tau=0.1 (0.814, 27.6 %)
for dw in 1 2 3; do
  $PY tools/train/v5_head.py --ckpt "$CKPT" --out "$HEAD2" --synthetic --synthetic-weight 0.3 \
      --K 32 --K 64 --tau 0.03 --tau 0.05 --tau 0.07 --tau 0.1 --defect-weight $dw
done
# (v5.2 shipped: --K 32 --tau 0.1 --defect-weight 1 --save)
# 5b. v5.3: prototypes from the real photos only, per (description group x MOS
# band), the score term weighted 3x, compared on the mean validation SRCC over
# seeds 0-3 (table in V5-NOTES.md); seed 0 shipped at 512 px.
# 5c. v5.4: the same head setting with v5.4's describer (the rating as
# evidence, no camera-shake sentence; v5_calibrate.py above prints its by-eye
# counts), on the 512-px features ($HEAD2) and the 448-px ones ($HEAD2-448,
# --size 448 to v5_features.py), and --route 0.3 / 1 --route-synthetic (512 px).
# Rule, as v5.3's: the best mean validation SRCC over seeds 0-3 whose seed-0
# head, exported, passes every sample check of tests/test-default-model.py with
# median top-3 weight >= 0.5 -> 448 px (0.830 against 0.820 at 512 px); seed 0
# ships. Rows and logs: /work/cache/v5.4/ (V5-NOTES.md)
HEAD448=$HEAD2-448
link_measurements "$HEAD448"
$PY tools/train/v5_features.py --ckpt "$CKPT" --run "$RUN" --out "$HEAD448" --size 448 --split val --split train --split synthetic
for seed in 0 1 2 3; do
  for dir in "$HEAD2" "$HEAD448"; do
    $PY tools/train/v5_head.py --ckpt "$CKPT" --out "$dir" --synthetic --synthetic-weight 0.3 \
        --cluster-real-only --K 16 --bands 3 --tau 0.05 --lam 3 --seed $seed
  done
done
$PY tools/train/v5_head.py --ckpt "$CKPT" --out "$HEAD448" --synthetic --synthetic-weight 0.3 \
    --cluster-real-only --K 16 --bands 3 --tau 0.05 --lam 3 --seed 0 --save
# 5d. v5.5: leg 3, the leg-2 tower trained on the whole photo at 448 px (the
# engine's input size; a warm restart of the cosine at 26 % of the peak rate,
# annealed to 0 at step 3,600); it replaces leg 2 if its validation SRCC at
# 448 px beats leg 2's 0.8426 (0.8455), then its features and heads of the v5.4
# setting with and without --route-group 1, seeds 0-3. Rule (V5-NOTES.md, v5.5):
# route-group ships if its mean validation SRCC is within 0.015 of the v5.4
# setting's, its seed-0 head passes every sample check with top-3 >= 0.5, and
# its listed descriptors name >= 70 % of the by-eye training labels with false
# alarms <= 15 % at the smallest listing cut (RALI_SHOWN_MIN_WEIGHT) that gets
# there -> route-group 1, seed 0, cut 0.02
RUN3=/work/cache/v5-run3
mkdir -p "$RUN3"
[ -f "$RUN3/ckpt.pt" ] || { cp "$RUN2/ckpt-step2400.pt" "$RUN3/ckpt.pt"; cp "$RUN/val.txt" "$RUN3/"; }
[ -f "$RUN3/ckpt-step3600.pt" ] || {
  $PY tools/train/finetune.py --run "$RUN3" --size 448 --crop 448 --total-steps 3600 --minutes 80 \
      --val-minutes 10 --keep-val-ckpts >> "$RUN3/train.log" 2>&1
  grep -q '"end_of_leg": true, "step": 3600' "$RUN3/curve.jsonl" && cp "$RUN3/ckpt.pt" "$RUN3/ckpt-step3600.pt"
}
CKPT3=$RUN3/ckpt-step3600.pt
HEAD3=/work/cache/v5.5-head-448
link_measurements "$HEAD3"
$PY tools/train/v5_features.py --ckpt "$CKPT3" --run "$RUN" --out "$HEAD3" --size 448 --split val --split train --split synthetic
for seed in 0 1 2 3; do
  for route in 0 1; do
    $PY tools/train/v5_head.py --ckpt "$CKPT3" --out "$HEAD3" --synthetic --synthetic-weight 0.3 \
        --cluster-real-only --K 16 --bands 3 --tau 0.05 --lam 3 --route-group $route --seed $seed
  done
done
$PY tools/train/v5_head.py --ckpt "$CKPT3" --out "$HEAD3" --synthetic --synthetic-weight 0.3 \
    --cluster-real-only --K 16 --bands 3 --tau 0.05 --lam 3 --route-group 1 --seed 0 --save
# 5e. (not shipped) leg 4: the leg-3 tower trained through the v5.5 head's own loss
# (tools/train/v5_joint.py), then its features and two candidates (its joint
# projection; a refitted v5.5-setting head). Both ranked the validation photos
# worse than v5.5 (0.816, 0.812 against 0.826; V5-NOTES.md, v5.6), so v5.5 ships.
#   $PY tools/train/v5_joint.py --ckpt "$CKPT3" --head "$HEAD3/head.pkl" --run /work/cache/v5-run4 --total-steps 1200
#   $PY tools/train/v5_features.py --ckpt /work/cache/v5-run4/ckpt-end.pt --run "$RUN" --out DIR --size 448 \
#       --split val --split train --split synthetic
#   $PY tools/train/v5_joint.py --run /work/cache/v5-run4 --finish DIR
# 5f. (not shipped) leg A: the shipped tower (imported, so that no
# leg 1-3 checkpoint is needed) trained 250 steps more on MOS plus synthetic
# series of real-photo defects (finetune.py --series), its head frozen; leg B is
# the same without the series (the control). Validation SRCC 0.8493 both;
# held-out series ordered 80.5 % (A) against 72.3 % (B) (series_check.py;
# V5-NOTES.md). By the rule written first, A goes on to features and a head.
#   $PY tools/train/v5_import.py --run /work/cache/v5-import
#   cp /work/cache/v5-import/{ckpt.pt,val.txt} /work/cache/v5-series-a/
#   OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $PY tools/train/finetune.py --run /work/cache/v5-series-a \
#       --size 448 --crop 448 --no-bf16 --lr-head 0 --lr-tower 5e-5 --total-steps 250 --warmup 25 \
#       --minutes 88 --threads 1 --val-minutes 1000 --series 2
#   $PY tools/train/series_check.py --ckpt /work/cache/v5-series-a/ckpt.pt --val /work/cache/v5-import/val.txt --n 40
#   (steps 2-3 with --run /work/cache/v5-import, then v5_features.py --ckpt /work/cache/v5-series-a/ckpt.pt
#    --run /work/cache/v5-series-a --out /work/cache/v5-series-a-448 --size 448, as step 4)
#   A head on an imported tower's features needs leg 1's feature standardisation, which
#   every shipped head was fitted with (without it the same v5.5 setting ranks 0.017 worse):
#   $PY tools/train/v5_leg1_stats.py /work/cache/v5-series-a/ckpt.pt /work/cache/v5-series-a/ckpt-leg1-stats.pt
#   then v5_head.py / v5_export.py with --ckpt .../ckpt-leg1-stats.pt. Seeds 0-3 of the v5.5
#   setting: A 0.8212 mean against the imported tower's 0.8186, but A's seed 0 exported ranks
#   validation at 0.8248 (v5.5: 0.8257) and fails the ladybird darkened-copy check: not shipped.
# 5g. v5.6-v5.8: v5.5's tower with a head fitted to a new describer. The
# tower is leg 3's exactly as v5.5's file holds it (the import, so no leg 1-3
# checkpoint is needed; from a later file it is the same tower), with leg 1's
# feature standardisation. v5.6's describer judges noise from the flattest
# pixels and overexposure only where the centre of the frame is clipped (the
# measurement files upgraded in place by step 2's v5_describe.py); v5.8's
# also reads a rating of 0.70 or more as evidence against noise (v5.7's, blur
# on wide edges only, lost naming and did not ship). Rules (V5-NOTES.md):
# v5.6 by seed 0 on 200 held-out labels; v5.8 by seeds 0-3 against v5.6's on
# 400 held-out labels (validation SRCC 0.8212 against 0.8135, listed named
# 61.7 % against 62.2 %, false alarms 13.6 % against 17.3 %), then seed 0's
# sample checks and the cut rule -> v5.8, seed 0, cut 0.02
IMPORT=/work/cache/v5-import
HEAD8=/work/cache/v5.8-448
[ -f "$IMPORT/ckpt.pt" ] || $PY tools/train/v5_import.py --run "$IMPORT"
[ -f "$IMPORT/ckpt-leg1-stats.pt" ] || $PY tools/train/v5_leg1_stats.py "$IMPORT/ckpt.pt" "$IMPORT/ckpt-leg1-stats.pt"
link_measurements "$HEAD8"
$PY tools/train/v5_features.py --ckpt "$IMPORT/ckpt.pt" --run "$IMPORT" --out "$HEAD8" --size 448 \
    --split val --split train --split synthetic
for seed in 3 2 1 0; do
  $PY tools/train/v5_head.py --ckpt "$IMPORT/ckpt-leg1-stats.pt" --out "$HEAD8" --synthetic --synthetic-weight 0.3 \
      --cluster-real-only --K 16 --bands 3 --tau 0.05 --lam 3 --route-group 1 --seed $seed --save
done
# 6. export (f16) at 448 px, checked against PyTorch on two sample photos
# (v5.5: --ckpt "$CKPT3" --head "$HEAD3/head.pkl" --version v5.5)
$PY tools/train/v5_export.py --ckpt "$IMPORT/ckpt-leg1-stats.pt" --head "$HEAD8/head.pkl" -o data/models/rali-default.rali \
    --image-size 448 --version v5.8 --check data/samples/castle.jpg data/samples/dandelion-bokeh.jpg
# 7. the input size from validation (leg 2's tower; the C engine's speed at each size)
[ -d build ] || meson setup build
ninja -C build
$PY tools/train/v5_input_size.py --run "$RUN2" --ckpt "$CKPT" --head "$HEAD448/head.pkl" --rali build/app/rali
# 8. evaluation with the C engine (BIQ2021 test, CLIVE, BRISQUE, labels, bokeh/low-key, speed)
$PY tools/train/evaluate.py --model data/models/rali-default.rali --rali build/app/rali --out docs \
    --curve "$RUN/curve.jsonl" --curve "$RUN2/curve.jsonl" --curve "$RUN3/curve.jsonl" \
    --input-size "$RUN2/input-size.jsonl"
#   (on a machine without the legs' run directories add --keep-curves docs/evaluation.json:
#   the curves and input-size rows stay as measured, everything else is measured again)
# the validation ranking the head rules compare (C engine; overall and within
# BIQ2021's three sources), then the listing cut (RALI_SHOWN_MIN_WEIGHT) on the
# 400 held-out by-eye labels (V5-NOTES.md)
$PY tools/train/val_check.py data/models/rali-default.rali
$PY tools/train/listed_check.py --model data/models/rali-default.rali --labels val \
    --cuts 0.02,0.03,0.05,0.08,0.1,0.15,0.2
# the leg's own MOS regressor on the official test split, once, for the model card
#   $PY tools/train/finetune.py --run "$RUN3" --size 448 --evaluate-test
