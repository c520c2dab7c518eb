#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz/) and fuzzes one of them.
#
#   tools/fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
#   tools/fuzz/run.sh list
#
# TARGET: jpeg png exif raw raw-preview raw-reply model sidecar walker.
# The build (build-fuzz/, clang, ASan + UBSan, the engine instrumented for
# coverage) is made on the first run.  The fuzzer starts from the committed
# seeds (tests/fuzz/corpus/TARGET, made by tools/fuzz/make-seeds.py, and
# the regression inputs there) and keeps what it finds in
# build-fuzz/corpus/TARGET (never in the source tree); crashes, leaks,
# timeouts (> 10 s) and out-of-memory inputs (> 2 GB) are written to
# build-fuzz/artifacts/TARGET/, and the script exits non-zero.
#
# raw fuzzes Debian's LibRaw 0.20.2 in-process (with our guards in
# raw-libraw.c): it finds crashes inside LibRaw itself
# (tests/fuzz/crashes-isolated/), which is why the product runs LibRaw only
# in the rali-raw-preview helper.  raw-preview fuzzes the product's path
# (a helper process per input, its reply decoded in-process; seeds: the raw
# corpus and crashes-isolated/; a helper crash is an error, not a finding;
# its timeout is 30 s, above the helper's own 15 s; the helper's sanitizer
# reports go to build-fuzz/artifacts/raw-preview/helper.PID).  raw-reply
# fuzzes the helper's reply as librali parses it.
# Needs clang and libclang-rt-14-dev (tools/debian-packages.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
targets="jpeg png exif raw raw-preview raw-reply model sidecar walker"
if [ "${1:-}" = list ]; then echo "$targets"; exit 0; fi
if [ $# -lt 2 ]; then
  echo "usage: tools/fuzz/run.sh TARGET SECONDS [libFuzzer flags...]   (TARGET: $targets)" >&2
  exit 1
fi
target=$1 seconds=$2
shift 2
case " $targets " in *" $target "*) ;; *) echo "run.sh: no target '$target' (have: $targets)" >&2; exit 1 ;; esac

B=build-fuzz
if [ ! -f $B/build.ninja ]; then
  # no hnswlib: the engine's only C++ file would make meson link the targets with
  # the C++ compiler, and g++ has no -fsanitize=fuzzer (nothing fuzzed uses it)
  CC=clang CXX=clang++ meson setup $B -Dfuzz=true -Dgui=disabled -Dvulkan=disabled -Dhnswlib=disabled \
    -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
seeds=(tests/fuzz/corpus/$target) timeout=10 extra=()
if [ "$target" = raw-preview ]; then
  seeds=(tests/fuzz/corpus/raw tests/fuzz/crashes-isolated) timeout=30 extra=(engine/rali-raw-preview)
  export RALI_FUZZ_HELPER_LOG="$PWD/$B/artifacts/$target/helper"
fi
ninja -C $B "tests/fuzz/fuzz-$target" "${extra[@]}" >/dev/null
mkdir -p "$B/corpus/$target" "$B/artifacts/$target"
# leaks are reported (libFuzzer's -detect_leaks, on by default with ASan);
# UBSan findings stop the run like a crash
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
exec "$B/tests/fuzz/fuzz-$target" -max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$B/artifacts/$target/" "$@" \
  "$B/corpus/$target" "${seeds[@]}"
