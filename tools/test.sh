#!/bin/bash
# Configure, build with warnings as errors, run every meson test.
#   tools/test.sh              -> build/
#   tools/test.sh --sanitize   -> build-asan/ with ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
opts=(-Dwerror=true)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
fi
if [ -d "$dir" ]; then
  meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
  meson setup "$dir" "${opts[@]}"
fi
ninja -C "$dir"
meson test -C "$dir" --print-errorlogs --num-processes 2
# one closing line that any reader understands
python3 - "$dir" <<'PY'
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1] + "/meson-logs/testlog.json"):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: fail += 1
print(f"tests: {ok} passed, {fail} failed, {skip} skipped")
PY
