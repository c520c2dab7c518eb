#!/usr/bin/python3
"""`rali bench` runs and says what it measured, never how fast (timing never
decides a test): on tiny models, generated photos and the samples, its --json
is one object with every stage's min <= median <= max, images/s and the
forward's matrix products; the table form runs; a model file given as a
PATH is refused with a hint.

    test-bench-smoke.py RALI SOURCE_ROOT"""
import json
import math
import os
import subprocess
import sys

RALI, ROOT = sys.argv[1], sys.argv[2]
FIX = os.path.join(ROOT, "tests", "fixtures")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    p = subprocess.run([RALI, "bench", *args], capture_output=True, encoding="utf-8", errors="replace",
                       timeout=300, env=dict(os.environ, RALI_MODEL=""))
    return p.returncode, p.stdout, p.stderr


def stat_ok(s):
    return (isinstance(s, dict) and all(isinstance(s.get(k), (int, float)) and math.isfinite(s[k]) and s[k] >= 0
                                        for k in ("min", "median", "max"))
            and s["min"] <= s["median"] <= s["max"] and isinstance(s.get("unit"), str))


def check_report(name, args, batch, iterations, head=True, kind="generated"):
    rc, out, err = run("--json", "--backend", "cpu", "--batch", str(batch), "--iterations", str(iterations), *args)
    check(rc == 0, f"{name}: exit 0 ({rc}, {err.strip()[-300:]!r})")
    try:
        r = json.loads(out)
    except ValueError as e:
        check(False, f"{name}: --json prints one JSON object ({e}: {out[:200]!r})")
        return
    check(r.get("batch") == batch and r.get("iterations") == iterations, f"{name}: batch and iterations echoed")
    check(r.get("backend", "").startswith("cpu: ") and isinstance(r.get("threads"), int) and r["threads"] >= 1,
          f"{name}: backend and threads ({r.get('backend')!r}, {r.get('threads')!r})")
    st = r.get("stages", {})
    for s in ("decode", "preprocess", "forward"):
        check(stat_ok(st.get(s)), f"{name}: stage {s} has min <= median <= max ({st.get(s)})")
    check(stat_ok(st.get("head")) if head else st.get("head", 0) is None,
          f"{name}: head stage {'timed' if head else 'null without a head'} ({st.get('head')})")
    ips = r.get("images_per_second", {})
    check(stat_ok(ips.get("forward")) and stat_ok(ips.get("serial")) and ips["forward"]["min"] > 0,
          f"{name}: images/s of the forward and of the stages in series")
    check(r.get("inputs", {}).get("kind") == kind, f"{name}: inputs are {kind} ({r.get('inputs')})")
    gemm = r.get("gemm", [])
    check(len(gemm) >= 2 and all(all(isinstance(g.get(k), int) and g[k] > 0 for k in "MNK") and g["count"] >= 1
                                 for g in gemm),
          f"{name}: the forward's matrix products ({len(gemm)} kinds)")
    flops = sum(2.0 * g["M"] * g["N"] * g["K"] * g["count"] for g in gemm) / 1e9
    check(r.get("forward_gflop", 0) >= flops > 0, f"{name}: forward GFLOP {r.get('forward_gflop')} >= its products' {flops}")
    check(r.get("model", {}).get("image_size", 0) > 0 and r["model"].get("views", 0) >= 1, f"{name}: model described")
    return r


vit = os.path.join(FIX, "tiny-quickgelu.rali")
cnn = os.path.join(FIX, "tiny-mobilenet.rali")
check_report("vit, generated", ["--model", vit, "--photo-size", "320x240", "--threads", "2"], 2, 3)
r = check_report("mobilenet, generated", ["--model", cnn, "--photo-size", "300x200", "--threads", "1"], 3, 2)
if r:
    check(r["threads"] == 1 and "1 thread" in r["backend"], f"--threads 1 is the backend's ({r['backend']!r})")
    check(r["inputs"].get("width") == 300 and r["inputs"].get("height") == 200 and r["inputs"].get("jpeg_bytes", 0) > 0,
          f"--photo-size: the generated JPEGs' size ({r['inputs']})")
samples = os.path.join(ROOT, "data", "samples")
check_report("vit, the samples", ["--model", vit, samples], 2, 2, kind="files")

# --precision: bf16 where the processor has AVX512_BF16, else a clear refusal
rc, out, err = run("--json", "--model", vit, "--backend", "cpu", "--precision", "bf16", "--batch", "1", "--iterations",
                   "1", "--photo-size", "64x48")
if rc == 0:
    r = json.loads(out)
    check(r.get("precision") == "bf16" and "bf16" in r.get("backend", ""), f"--precision bf16 runs bf16 ({r.get('backend')!r})")
else:
    check(rc == 1 and "bf16" in err, f"--precision bf16 is refused clearly where it cannot run ({rc}, {err.strip()!r})")
rc, out, err = run("--json", "--model", vit, "--backend", "cpu", "--batch", "1", "--iterations", "1",
                   "--photo-size", "64x48")
check(rc == 0 and json.loads(out).get("precision") == "fp32", "the default precision is fp32")
rc, out, err = run("--model", vit, "--precision", "fp8", "--iterations", "1")
check(rc == 1 and "--precision" in err, f"a bad --precision is refused ({rc}, {err.strip()!r})")

rc, out, err = run("--model", vit, "--backend", "cpu", "--batch", "1", "--iterations", "1", "--photo-size", "64x48")
check(rc == 0 and "forward" in out and "images/s" in out, f"the table form runs ({rc}, {out[-300:]!r} {err[-200:]!r})")
rc, out, err = run("--model", vit, "--photo-size", "12x", "--iterations", "1")
check(rc == 1 and "--photo-size" in err, f"a bad --photo-size is refused ({rc}, {err.strip()!r})")
rc, out, err = run("--backend", "cpu", vit)
check(rc == 1 and out == "" and "--model" in err, f"a model file as PATH is refused with a hint ({rc}, {err.strip()!r})")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
