#!/usr/bin/python3
"""Camera raw previews in their own process (engine/image/raw.c starts the
rali-raw-preview helper, which runs LibRaw): `rali score --json` on inputs
that crash LibRaw 0.20 itself (tests/fuzz/crashes-isolated/) prints a clean
error line and exits 2, and so does a helper that crashes, hangs, exits
with an error or replies garbage ($RALI_RAW_PREVIEW_HELPER), while a good
raw file still scores.

    test-raw-isolation.py RALI SOURCE_ROOT"""
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

RALI, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def score(path, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("RALI_RAW_PREVIEW_HELPER", None)
    e.update(env or {})
    t = time.monotonic()
    p = subprocess.run([RALI, "score", "--json", path], capture_output=True, text=True, env=e, timeout=timeout)
    rows = []
    for line in p.stdout.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            rows.append({"unparsed": line})
    return p.returncode, rows, p.stderr, time.monotonic() - t


def expect_error(path, words, env=None, what=""):
    rc, rows, err, took = score(path, env)
    row = rows[0] if len(rows) == 1 else {}
    msg = row.get("error", "")
    check(rc == 2 and row.get("path") == path and msg.startswith(path + ": ") and all(w in msg for w in words)
          and "score" not in row,
          f"{what or os.path.basename(path)}: exit {rc}, {took:.1f} s, {rows!r}")


def main():
    tmp = tempfile.mkdtemp()
    try:
        crashes = sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "crashes-isolated", "*.dng")))
        check(len(crashes) >= 1, f"crash inputs: {crashes}")
        for c in crashes:
            expect_error(c, ["camera raw preview reader crashed (signal"])

        tiny = os.path.join(ROOT, "tests", "fixtures", "raw", "tiny.dng")
        rc, rows, err, took = score(tiny)
        check(rc == 0 and len(rows) == 1 and "score" in rows[0], f"tiny.dng scores through the helper: {rows!r}"[:300])

        # broken helpers: the parent survives and names the file
        dng = os.path.join(tmp, "a.dng")
        shutil.copy(tiny, dng)
        helpers = {
            "segv": ("#!/bin/sh\ncat >/dev/null\nkill -SEGV $$\n", ["crashed (signal 11"]),
            "exit": ("#!/bin/sh\ncat >/dev/null\nexit 3\n", ["failed (exit status 3)"]),
            "garbage": ("#!/bin/sh\ncat >/dev/null\necho hello\n", ["malformed reply"]),
            "cut-short": ("#!/bin/sh\ncat >/dev/null\nprintf 'RRP1J\\000\\000\\000\\000\\377\\377\\000\\000"
                          "\\000\\000\\000\\000'\n", ["malformed reply"]),
            "hang": ("#!/bin/sh\nexec sleep 60\n", ["did not finish in 15 s"]),
        }
        for name, (script, words) in helpers.items():
            path = os.path.join(tmp, "helper-" + name)
            with open(path, "w") as f:
                f.write(script)
            os.chmod(path, stat.S_IRWXU)
            expect_error(dng, words, {"RALI_RAW_PREVIEW_HELPER": path}, f"helper {name}")
        expect_error(dng, ["cannot be started"], {"RALI_RAW_PREVIEW_HELPER": os.path.join(tmp, "none")},
                     "missing helper")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
