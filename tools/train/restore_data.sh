#!/bin/bash
# Puts the human-rated sets of ../shared/DATA.md where tools/train expects
# them, from the repositories the tool library's `fetch` brought (git
# mirrors without a work tree), and checks every file against
# tools/train/iqa-hashes.txt.  The caches of /work/cache do not outlive a
# machine: this is the first step of any session that trains or evaluates.
#
#   fetch github:nisarahmedrana/BIQ2021 and github:hqc0929/IQA-dataset
#   (the tool library), then:
#   tools/train/restore_data.sh [MIRRORS [CACHE]]
#
# MIRRORS defaults to /work/.mirror, CACHE to /work/cache.  Nothing here is
# committed to the project and nothing is downloaded: the mirrors are read.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIRRORS=${1:-/work/.mirror}
CACHE=${2:-/work/cache}
biq_git=$MIRRORS/nisarahmedrana+BIQ2021/repo
clive_git=$MIRRORS/hqc0929+IQA-dataset/repo
for g in "$biq_git" "$clive_git"; do
  git --git-dir="$g" rev-parse --verify -q HEAD > /dev/null ||
    { echo "restore_data.sh: no fetched repository at $g (fetch it with the tool library first)" >&2; exit 1; }
done
mkdir -p "$CACHE/biq2021" "$CACHE/iqa-dataset"
# BIQ2021: the images and the two score files (commit 62c7b40c in DATA.md)
if [ ! -f "$CACHE/biq2021/.restored" ]; then
  git --git-dir="$biq_git" archive HEAD Images "Train (Images and MOS).csv" "Test (Images and MOS).csv" |
    tar -x -C "$CACHE/biq2021"
  touch "$CACHE/biq2021/.restored"
fi
# CLIVE: the ChallengeDB_release folder only
if [ ! -f "$CACHE/iqa-dataset/.restored" ]; then
  git --git-dir="$clive_git" archive HEAD ChallengeDB_release | tar -x -C "$CACHE/iqa-dataset"
  touch "$CACHE/iqa-dataset/.restored"
fi
/usr/bin/python3 tools/train/iqa_data.py --check --biq "$CACHE/biq2021" \
    --clive "$CACHE/iqa-dataset/ChallengeDB_release"
