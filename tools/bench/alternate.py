#!/usr/bin/python3
"""Two builds (or two settings) of `rali bench`, alternating, on one machine.

A shared VM's speed drifts by 10 % and more within minutes, so one run of
each side says little: this runs A, then B, round after round, and reports
each side's forward images/s (the median of each `rali bench` run), the
ratio of the two sides' medians, and in how many rounds B beat A.

    /usr/bin/python3 tools/bench/alternate.py [--rounds 5] [--stage forward]
        [--env-a K=V ...] [--env-b K=V ...] RALI_A RALI_B -- BENCH_ARGS...

e.g. an old build against a new one on ViT-B/16 at batch 16:

    tools/bench/alternate.py old/app/rali build/app/rali -- \\
        --model vit-b16.rali --backend cpu --threads 2 --batch 16 --iterations 3

or one build with two settings: the same RALI twice, --env-b RALI_CPU_KERNELS=avx2.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(rali, env, bench_args, stage):
    p = subprocess.run([rali, "bench", "--json"] + bench_args, capture_output=True, text=True,
                       env=dict(os.environ, **env))
    if p.returncode != 0:
        raise SystemExit(f"{rali} bench failed: {p.stderr.strip()}")
    return json.loads(p.stdout)["images_per_second"][stage]["median"]


def main():
    argv = sys.argv[1:]
    bench_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, bench_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rali_a")
    ap.add_argument("rali_b")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stage", default="forward", help="forward, or serial (the four stages in series)")
    ap.add_argument("--env-a", action="append", default=[], metavar="K=V")
    ap.add_argument("--env-b", action="append", default=[], metavar="K=V")
    args = ap.parse_args(argv)
    env = [dict(e.split("=", 1) for e in side) for side in (args.env_a, args.env_b)]
    a, b = [], []
    for r in range(args.rounds):
        a.append(run(args.rali_a, env[0], bench_args, args.stage))
        b.append(run(args.rali_b, env[1], bench_args, args.stage))
        print(f"round {r + 1}: A {a[-1]:.2f}, B {b[-1]:.2f} images/s", flush=True)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"A median {ma:.2f}, B median {mb:.2f} images/s ({args.stage}): B/A {mb / ma:.3f}, "
          f"B faster in {sum(y > x for x, y in zip(a, b))} of {args.rounds} rounds")


if __name__ == "__main__":
    main()
