#!/usr/bin/python3
"""Rali Studio's CPU forward side by side with PyTorch, in one run on one
machine, on the same .rali weights, and the folder benchmark; writes
docs/PERFORMANCE.md (issue 18).

    /usr/bin/python3 tools/bench/compare.py [--threads T] [--n 1000] [--out docs/PERFORMANCE.md]
    /usr/bin/python3 tools/bench/compare.py --quick        # small: n=40, fewer runs, no ViT-L at batch 16
    /usr/bin/python3 tools/bench/compare.py --smoke --out /tmp/P.md   # tiny fixtures, seconds (bench-smoke)

What it measures, per model (the default model, random CLIP-shaped
ViT-B/16 at 224 px and ViT-L/14 at 336 px written by
tools/make-random-model.py; --models to choose) and batch (1 and 16, and a
sweep for the images/s-vs-batch plot):

  - ours: `rali bench --json --backend cpu --threads T` (the forward's
    median over --iterations runs after a warm-up run);
  - PyTorch 1.13 (Debian's): tools/ralifmt.py's reference forward of the
    same weights (F.linear, softmax, F.conv2d: what Hugging Face's CLIP and
    torchvision do), torch.inference_mode(), median over the same number of
    runs after a warm-up run, in a process of its own: with
    torch.set_num_threads(T) as issue 18 asks, and with its fastest thread
    setting for the model (Debian's torch runs its products on the system
    OpenBLAS, whose T threads fight torch's T OpenMP threads);
  - ours with --precision bf16 where the processor has AVX512_BF16, and ours
    on the OpenBLAS path (RALI_CPU_KERNELS=openblas: the engine before its
    AVX-512 kernels; not ViT-L at batch 16, minutes per run);
  - the peak cblas_sgemm FLOP/s of the system OpenBLAS on the forward's own
    matrix products (`rali bench`'s "gemm" list; ctypes, in a separate
    process, T threads): the best of repeated calls per shape, and the
    forward's mix: its products' FLOP over their summed best times.

The folder benchmark: --n synthetic 24-megapixel JPEGs made here from
data/samples (each sample cropped to 3:2, resized to 6000x4000 with PIL's
bicubic, flipped or not, with grain; --distinct of them made, the rest hard
links to them, so the files are read from the page cache either way),
scored end to end by `rali score --json --backend cpu --threads T` with the
default model: the wall time, the CPU time, and the share of it in decoding
(N times `rali bench`'s median decode time on those files, one core).

Two checks are added to an earlier run's JSON (then the report is written
again) with --add KIND --into docs/PERFORMANCE.json:

  - bf16-eval --eval-list FILE: the default model's `rali score --json` on
    the photos listed (one path per line: the evaluation sets, which stay
    outside the repository) with --precision fp32 and bf16: the largest
    score difference on a 0-1 scale and the share of photos with the same
    top-3 descriptors (issue 18's condition for a reduced-precision auto);
  - app: rali-studio under Xvfb (tests/test-app.py bench, the app tests'
    driver with its latency probe) scoring --app-n of the folder
    benchmark's 24-MP JPEGs with the default model at full speed while the
    gallery scrolls: the longest main-loop gap after the folder is shown,
    and the main thread's own CPU time in it.

Timings are only valid on a quiet machine: the load average is recorded
before and after, every measurement records how many cores other processes
used meanwhile (and is redone, up to --retries times, when that exceeds
--max-other), and the report says loudly when the run was not quiet."""
import argparse
import ctypes
import datetime
import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

PRESETS = {  # name -> (make-random-model.py preset, label)
    "vit-b16": ("vit-b16", "ViT-B/16 @224 (random, CLIP-shaped)"),
    "vit-l14-336": ("vit-l14-336", "ViT-L/14 @336 (random, CLIP-shaped: the paper's tower)"),
    "mobilenet-v2-512": ("mobilenet-v2-512", "MobileNetV2 @512 (random; the default's tower, read at 512 px)"),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- the sgemm probe (run in its own process: --probe) ----------------------

def probe(shapes, threads, min_time=0.3, max_reps=50):
    """Best seconds of cblas_sgemm(RowMajor, NoTrans, Trans, M, N, K) per
    shape (as the CPU backend calls it), T threads, system OpenBLAS."""
    import numpy as np
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_set_num_threads(ctypes.c_int(threads))
    f, i, p = ctypes.c_float, ctypes.c_int, ctypes.c_void_p
    lib.cblas_sgemm.argtypes = [i, i, i, i, i, i, f, p, i, p, i, f, p, i]
    lib.cblas_sgemm.restype = None
    lib.openblas_get_corename.restype = ctypes.c_char_p
    out = []
    rng = np.random.default_rng(0)
    for M, N, K in shapes:
        a = rng.standard_normal((M, K), dtype=np.float32)
        b = rng.standard_normal((N, K), dtype=np.float32)
        c = np.zeros((M, N), np.float32)

        def call():
            lib.cblas_sgemm(101, 111, 112, M, N, K, 1.0, a.ctypes.data, K, b.ctypes.data, K, 0.0, c.ctypes.data, N)
        call()
        best, spent, reps = float("inf"), 0.0, 0
        while (spent < min_time or reps < 3) and reps < max_reps:
            t0 = time.perf_counter()
            call()
            dt = time.perf_counter() - t0
            best, spent, reps = min(best, dt), spent + dt, reps + 1
        out.append(dict(M=M, N=N, K=K, seconds=best, gflops=2.0 * M * N * K / best / 1e9))
    return dict(shapes=out, corename=lib.openblas_get_corename().decode())


def run_probe(shapes, threads):
    uniq = sorted({(g["M"], g["N"], g["K"]) for g in shapes})
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--probe", json.dumps(uniq), str(threads)],
                       capture_output=True, text=True, check=True)
    res = json.loads(p.stdout)
    best = {(r["M"], r["N"], r["K"]): r for r in res["shapes"]}
    flop = sum(2.0 * g["M"] * g["N"] * g["K"] * g["count"] for g in shapes)
    secs = sum(best[(g["M"], g["N"], g["K"])]["seconds"] * g["count"] for g in shapes)
    return dict(gflops=flop / secs / 1e9, seconds=secs, corename=res["corename"],
                shapes=[dict(g, **{k: best[(g["M"], g["N"], g["K"])][k] for k in ("seconds", "gflops")})
                        for g in shapes])


# ---- ours and PyTorch's forward ---------------------------------------------

def rali_bench(rali, model, batch, threads, iterations, photo_size="640x480", paths=(), precision="fp32",
               openblas=False):
    args = [rali, "bench", "--json", "--backend", "cpu", "--threads", str(threads), "--batch", str(batch),
            "--iterations", str(iterations), "--model", model, "--precision", precision]
    if not paths:
        args += ["--photo-size", photo_size]
    env = dict(os.environ, RALI_MODEL="")
    if openblas:  # the CPU backend's OpenBLAS path: the engine before its AVX-512 kernels
        env["RALI_CPU_KERNELS"] = "openblas"
    p = subprocess.run(args + list(paths), capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {p.stderr.strip()}")
    return json.loads(p.stdout)


class TorchModel:
    def __init__(self, path):
        import torch
        import ralifmt
        self.torch, self.ralifmt = torch, ralifmt
        w, self.cfg = ralifmt.load_rali(path)
        self.w = {k: torch.from_numpy(v) for k, v in w.items()}
        self.views = self.cfg.get("crops") or 1

    def time(self, batch, threads, iterations):
        torch = self.torch
        torch.set_num_threads(threads)
        S = self.cfg["image_size"]
        x = torch.randn(batch * self.views, 3, S, S, generator=torch.Generator().manual_seed(0))
        times = []
        with torch.inference_mode():
            self.ralifmt.vision_forward(self.w, self.cfg, x)  # warm-up
            for _ in range(iterations):
                t0 = time.perf_counter()
                self.ralifmt.vision_forward(self.w, self.cfg, x)
                times.append(time.perf_counter() - t0)
        return times


# PyTorch's thread settings: Debian's torch 1.13 runs its matrix products on
# the system OpenBLAS (BLAS_INFO=generic), whose own threads fight torch's
# OpenMP threads when both are T.  "spec" is what issue 18 asks for
# (torch.set_num_threads(T)); the others give the products to one of the two.
TORCH_CONFIGS = {"spec": (None, None), "blas": (1, None), "omp": (None, 1)}  # (torch threads, OpenBLAS threads)


def torch_time(path, batch, threads, iterations, config):
    """PyTorch's forward times in a process of its own (OPENBLAS_NUM_THREADS
    is read when OpenBLAS loads)."""
    tt, bt = TORCH_CONFIGS[config]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(bt or threads))
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch", path, str(batch), str(tt or threads),
                        str(iterations)], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"PyTorch timing of {path} failed: {p.stderr[-800:]}")
    return json.loads(p.stdout)


def torch_config_name(config, threads):
    tt, bt = TORCH_CONFIGS[config]
    return f"torch.set_num_threads({tt or threads}), OPENBLAS_NUM_THREADS={bt or threads}"


# ---- the folder benchmark -----------------------------------------------------

def make_folder(folder, n, distinct, size=(6000, 4000)):
    """n JPEGs of size (landscape) in folder, distinct of them made from
    data/samples, the rest hard links; kept between runs."""
    import numpy as np
    from PIL import Image
    samples = sorted(os.path.join(ROOT, "data", "samples", f) for f in os.listdir(os.path.join(ROOT, "data", "samples"))
                     if f.lower().endswith(".jpg"))
    os.makedirs(folder, exist_ok=True)
    stamp = os.path.join(folder, ".made")
    want = f"{n} {distinct} {size[0]}x{size[1]}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return
    for f in os.listdir(folder):
        os.unlink(os.path.join(folder, f))
    W, H = size
    rng = np.random.default_rng(18)
    base = []
    for i in range(min(distinct, n)):
        im = Image.open(samples[i % len(samples)]).convert("RGB")
        w, h = im.size
        if w / h > W / H:  # crop to W:H, then 24 MP
            cw = int(h * W / H)
            im = im.crop(((w - cw) // 2, 0, (w - cw) // 2 + cw, h))
        else:
            ch = int(w * H / W)
            im = im.crop((0, (h - ch) // 2, w, (h - ch) // 2 + ch))
        im = im.resize((W, H), Image.BICUBIC)
        if (i // len(samples)) % 2:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        a = np.asarray(im, np.int16) + rng.integers(-5, 6, (H, W, 1), dtype=np.int16)  # luma grain
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        path = os.path.join(folder, f"photo-{i:05d}.jpg")
        im.save(path, quality=92, subsampling=2)
        base.append(path)
        log(f"  made {i + 1}/{min(distinct, n)} distinct 24 MP JPEGs")
    for j in range(len(base), n):
        os.link(base[j % len(base)], os.path.join(folder, f"photo-{j:05d}.jpg"))
    open(stamp, "w").write(want)


def folder_benchmark(rali, model, folder, n, threads, command="score"):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run([rali, command, "--json", "--backend", "cpu", "--threads", str(threads), "--model", model,
                        folder], capture_output=True, text=True, env=dict(os.environ, RALI_MODEL=""))
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    scored = sum(1 for r in rows if "score" in r or "embedding" in r)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0 or scored != n:
        raise SystemExit(f"rali score on {folder}: exit {p.returncode}, {scored} of {n} scored: {p.stderr[-500:]}")
    # decode and preprocess per file on one core, on these files
    st = rali_bench(rali, model, 8, 1, 3, paths=[folder])
    dec = st["stages"]["decode"]["median"]
    pre = st["stages"]["preprocess"]["median"]
    return dict(n=n, wall=wall, cpu=cpu, decode=dec, preprocess=pre, decode_cpu=n * dec, preprocess_cpu=n * pre,
                bench=st, command=command, model=os.path.relpath(model, ROOT) if model.startswith(ROOT) else model,
                arch=st["model"]["architecture"])


# ---- other processes' CPU while we measure ---------------------------------------

class Others:
    """CPU time that processes other than this one and its children used
    between start() and stop(), in cores (busy jiffies of /proc/stat minus
    our own user+system time): what the load average cannot tell apart from
    the benchmark's own threads."""

    def start(self):
        self.t0, self.busy0, self.ours0 = time.monotonic(), self._busy(), self._ours()

    def stop(self):
        wall = max(time.monotonic() - self.t0, 1e-6)
        other = (self._busy() - self.busy0) - (self._ours() - self.ours0)
        return max(other, 0.0) / wall

    @staticmethod
    def _busy():
        try:
            f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        except (OSError, ValueError):
            return 0.0
        idle = f[3] + (f[4] if len(f) > 4 else 0)
        return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours():
        a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def measured(fn, max_other, retries):
    """fn() while other processes use at most max_other cores, else again
    after a pause (up to retries times); returns (result, their cores)."""
    o = Others()
    for attempt in range(retries + 1):
        o.start()
        r = fn()
        other = o.stop()
        if other <= max_other or attempt == retries:
            return r, other
        log(f"  other processes used {other:.2f} cores meanwhile: again in 60 s")
        time.sleep(60)


# ---- the machine ----------------------------------------------------------------

def machine():
    info = {}
    try:
        text = open("/proc/cpuinfo").read()
        first = text.split("\n\n")[0]
        for k in ("model name", "cpu family", "model", "stepping", "cpu MHz", "cache size"):
            m = re.search(rf"^{k}\s*:\s*(.*)$", first, re.M)
            if m:
                info[k] = m.group(1).strip()
        flags = re.search(r"^flags\s*:\s*(.*)$", first, re.M).group(1).split()
        info["simd"] = " ".join(f for f in flags if re.match(r"(avx|amx|fma|f16c)", f))
        info["processors"] = text.count("processor\t:")
        info["hypervisor"] = "hypervisor" in flags
    except (OSError, AttributeError):
        pass
    try:
        mem = open("/proc/meminfo").readline().split()
        info["memory"] = f"{int(mem[1]) / 1048576:.0f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    info["kernel"] = platform.release()
    return info


def fma_peak(work, T, iterations=None):
    """The cores' own fp32 FMA peak (tools/bench/fma-peak.c, built here):
    the ceiling where the system OpenBLAS has no kernels for the processor."""
    exe = os.path.join(work, "fma-peak")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fma-peak.c")
    try:
        subprocess.run(["cc", "-O2", "-pthread", src, "-o", exe], check=True, capture_output=True, text=True)
        p = subprocess.run([exe, str(T)] + ([str(iterations)] if iterations else []), check=True,
                           capture_output=True, text=True)
        return json.loads(p.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        log(f"FMA peak not measured: {getattr(e, 'stderr', None) or e}")
        return None


def git_head():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


# ---- the report ------------------------------------------------------------------

def fmt(v, d=2):
    return "–" if v is None else f"{v:.{d}f}"


def plots(res, outdir, name):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = []
    sweep = [r for r in res["forward"] if r.get("sweep")]
    if sweep:
        fig, ax = plt.subplots(figsize=(6.4, 4))
        for label in dict.fromkeys(r["label"] for r in sweep):
            rs = sorted((r for r in sweep if r["label"] == label), key=lambda r: r["batch"])
            b = [r["batch"] for r in rs]
            ax.plot(b, [r["ours"] for r in rs], "o-", label=f"Rali Studio: {label}")
            ax.plot(b, [r["torch_best"] for r in rs], "s--", label=f"PyTorch (best threads): {label}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch")
        ax.set_ylabel("images/s (forward)")
        ax.set_title(f"Images/s vs batch, {res['threads']} threads")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        f = f"{name}-batch.png"
        fig.savefig(os.path.join(outdir, f), dpi=110)
        plt.close(fig)
        files.append(("Images/s vs batch", f))
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for batch, mk in ((1, "o"), (16, "s")):
        rs = sorted((r for r in res["forward"] if r["batch"] == batch and not r.get("sweep_only")),
                    key=lambda r: r["gflop_image"])
        # one point per architecture (a random MobileNetV2 beside a MobileNetV2 default)
        rs = [r for i, r in enumerate(rs) if not any(q["arch"] == r["arch"] for q in rs[:i])]
        if not rs:
            continue
        x = [r["gflop_image"] for r in rs]
        ax.plot(x, [r["ours"] for r in rs], mk + "-", label=f"Rali Studio, batch {batch}")
        ax.plot(x, [r["torch_best"] for r in rs], mk + "--", label=f"PyTorch (best threads), batch {batch}")
        for r in rs:
            ax.annotate(r["short"], (r["gflop_image"], r["ours"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("model size: GFLOP per image")
    ax.set_ylabel("images/s (forward)")
    ax.set_title(f"Images/s vs model size, {res['threads']} threads")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    f = f"{name}-size.png"
    fig.savefig(os.path.join(outdir, f), dpi=110)
    plt.close(fig)
    files.append(("Images/s vs model size", f))
    return files


RANDOM_NOTE = " (random weights in the default tower's shape, no head, so embed)"


def report(res, out, cmd):
    outdir = os.path.dirname(os.path.abspath(out))
    name = os.path.splitext(os.path.basename(out))[0].lower()
    pngs = plots(res, outdir, name)
    m = res["machine"]
    la0, la1 = res["load_before"], res["load_after"]
    worst = max([r.get("other", 0) for r in res["forward"]] + [f.get("other", 0) for f in res.get("folders", [])]
                + [0])
    quiet = la0[0] <= res["max_load"] and worst <= res["max_other"]
    L = []
    L.append("# Performance: the CPU forward side by side with PyTorch\n")
    L.append(f"Generated by `tools/bench/compare.py` on {res['date']} (git {res['git']}); regenerate with\n")
    L.append(f"```\n{cmd}\n```\n")
    if not quiet:
        L.append(f"**These timings were taken under load** (load average {la0[0]:.2f} before the run; other "
                 f"processes used up to {worst:.2f} cores during a measurement): other jobs shared the cores, so "
                 "the absolute numbers and the ratios are not valid measurements. Rerun on a quiet machine.\n")
    else:
        L.append(f"Quiet machine: load average {la0[0]:.2f} before the run; during every measurement other "
                 f"processes used at most {worst:.2f} cores (busy time in /proc/stat minus this run's own; the "
                 f"load average after, {la1[0]:.2f}, counts the benchmark's own {res['threads']} threads).\n")
    L.append("## Machine\n")
    L.append(f"- CPU: {m.get('model name', '?')} (family {m.get('cpu family', '?')}, model {m.get('model', '?')}), "
             f"{m.get('processors', '?')} logical processors{' under a hypervisor' if m.get('hypervisor') else ''}, "
             f"{m.get('cpu MHz', '?')} MHz reported, {m.get('memory', '?')} memory; kernel {m.get('kernel', '?')}")
    L.append(f"- SIMD: {m.get('simd', '?')}")
    L.append(f"- OpenBLAS core: {res['corename']}; ours: `{res['backend']}`")
    fp = res.get("fma_peak")
    if fp:
        L.append(f"- FMA peak (`tools/bench/fma-peak.c`: independent chains of {fp['isa']} fused multiply-adds in each "
                 f"thread): {fp['gflops_one']:.0f} GFLOP/s on one core, {fp['gflops']:.0f} on {fp['threads']}")
    L.append(f"- PyTorch {res['torch_version']} ({res['torch_config']})")
    L.append(f"- Threads: {res['threads']} for both (`--threads`, `torch.set_num_threads`)")
    L.append(f"- Load average (1, 5, 15 min): before {la0[0]:.2f} {la0[1]:.2f} {la0[2]:.2f}, "
             f"after {la1[0]:.2f} {la1[1]:.2f} {la1[2]:.2f}\n")

    L.append("## Forward: ours vs PyTorch, and vs the sgemm peak\n")
    L.append(f"Images/s of the forward alone (median of {res['iterations']} runs after a warm-up; min–max in "
             "brackets), on the same `.rali` weights. PyTorch twice: as issue 18 asks (`torch.set_num_threads(T)`, "
             "the system OpenBLAS with its default T threads), and with its fastest thread setting for the model "
             "(tried at batch 1: giving the products to OpenBLAS's threads and the rest one thread, or the reverse; "
             "Debian's torch runs its matrix products on the system OpenBLAS, whose threads fight torch's OpenMP "
             "threads when both are T). *sgemm peak*: OpenBLAS's `cblas_sgemm` on the forward's own "
             "matrix products, the best of repeated calls per shape, at the same thread count: the forward's "
             "FLOP over those products' summed best times. *of peak*: our forward's FLOP/s over that; *of FMA "
             "peak*: over the cores' own (the machine section), the ceiling that does not depend on OpenBLAS "
             "having kernels for the processor. *OpenBLAS "
             "path*: the same engine with `RALI_CPU_KERNELS=openblas` (sgemm on OpenBLAS's threads, the rest "
             "single-threaded C loops: the engine before its AVX-512 kernels).\n")
    L.append("| model | GFLOP/image | batch | ours img/s | PyTorch img/s, set_num_threads(T) | ours / that | "
             "PyTorch img/s, its best threads | **ours / PyTorch best** | ours GFLOP/s "
             "(products' FLOP / forward time) | sgemm peak GFLOP/s | of peak | of FMA peak | ours bf16 img/s (× fp32) | "
             "OpenBLAS path img/s (ours ×) | others' cores |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    of_fma = lambda r: f"{100 * r['ours_gflops'] / fp['gflops']:.0f}%" if fp else "–"  # noqa: E731
    for r in res["forward"]:
        if r.get("sweep_only"):
            continue
        bf = f"{r['bf16']:.2f} ({r['bf16'] / r['ours']:.2f}×)" if r.get("bf16") else "–"
        ob = f"{r['openblas']:.2f} ({r['ours'] / r['openblas']:.2f}×)" if r.get("openblas") else "–"
        tb = "" if r["torch_best_config"].startswith(f"torch.set_num_threads({res['threads']}), OPENBLAS_NUM_THREADS="
                                                     f"{res['threads']}") else f" ({r['torch_best_config']})"
        L.append(f"| {r['label']} | {r['gflop_image']:.1f} | {r['batch']} | {r['ours']:.2f} "
                 f"({r['ours_min']:.2f}–{r['ours_max']:.2f}) | {r['torch']:.2f} ({r['torch_min']:.2f}–"
                 f"{r['torch_max']:.2f}) | {r['ours'] / r['torch']:.2f}× | {r['torch_best']:.2f}{tb} | "
                 f"**{r['ours'] / r['torch_best']:.2f}×** | {r['ours_gflops']:.0f} | "
                 f"{r['peak_gflops']:.0f} | {100 * r['ours_gflops'] / r['peak_gflops']:.0f}% | {of_fma(r)} | {bf} | {ob} | "
                 f"{r.get('other', 0):.2f} |")
    L.append("")
    for title, f in pngs:
        L.append(f"![{title}]({f})\n")

    L.append("### sgemm on the forward's products (batch 1 and 16 of each model)\n")
    L.append("| model | batch | op | M | N | K | count | sgemm GFLOP/s |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in res["forward"]:
        if r.get("sweep_only"):
            continue
        for g in r["peak_shapes"]:
            L.append(f"| {r['short']} | {r['batch']} | {g['op']} | {g['M']} | {g['N']} | {g['K']} | {g['count']} | "
                     f"{g['gflops']:.0f} |")
    L.append("")

    for i, fb in enumerate(res.get("folders", [])):
        if i == 0:
            L.append("## Folder benchmark: 24-megapixel JPEGs end to end\n")
        L.append(f"{'The same ' if i else ''}{fb['n']} synthetic {fb['size']} JPEGs ({fb['distinct']} distinct, made from "
                 f"`data/samples`; the rest hard links), {'embedded' if fb['command'] == 'embed' else 'scored'} by "
                 f"`rali {fb['command']} --json --backend cpu --threads {res['threads']}` with `{fb['model']}` "
                 f"({fb['arch']}){RANDOM_NOTE if fb['command'] == 'embed' else ''}:\n")
        L.append(f"- total: **{fb['wall']:.1f} s** wall ({fb['n'] / fb['wall']:.1f} files/s), {fb['cpu']:.1f} s CPU")
        L.append(f"- decode on one core: {1e3 * fb['decode']:.1f} ms per file (median; DCT-scaled to what the model "
                 f"needs), preprocess {1e3 * fb['preprocess']:.1f} ms: decode+preprocess "
                 f"{1e3 * (fb['decode'] + fb['preprocess']):.1f} ms per {fb['size']} JPEG")
        L.append(f"- other processes meanwhile: {fb.get('other', 0):.2f} cores")
        L.append(f"- share in decoding: {fb['decode_cpu']:.1f} s of the {fb['cpu']:.1f} s CPU "
                 f"(**{100 * fb['decode_cpu'] / fb['cpu']:.0f}%**); preprocessing {fb['preprocess_cpu']:.1f} s "
                 f"({100 * fb['preprocess_cpu'] / fb['cpu']:.0f}%)\n")

    L.append("## Targets of issue 18\n")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    for t in res["targets"]:
        L.append(f"| {t[0]} | {t[1]} | {t[2]} |")
    L.append("")
    if res.get("notes"):
        L.append("## What bounds each step\n")
        L.append(res["notes"].strip() + "\n")
    L.append("## Raw results\n")
    L.append(f"`{os.path.basename(res['json'])}` beside this file holds every number above.\n")
    open(out, "w").write("\n".join(L))


def targets(res):
    """The issue's targets that this run measures, with the measured value."""
    t = []
    b = {r["batch"]: r for r in res["forward"] if r["short"] == "ViT-B/16" and not r.get("sweep_only")}
    ok = lambda c: "yes" if c else "**no**"  # noqa: E731
    for batch, r in sorted(b.items()):
        t.append((f"ViT-B/16 batch {batch}: forward ≥ 90% of sgemm peak on its shapes",
                  f"{100 * r['ours_gflops'] / r['peak_gflops']:.0f}%", ok(r["ours_gflops"] >= 0.9 * r["peak_gflops"])))
        fp = res.get("fma_peak")
        if fp and r["peak_gflops"] < 0.75 * fp["gflops"]:
            # OpenBLAS without kernels for this processor: say so beside the ratio against it
            t.append((f"(ViT-B/16 batch {batch} against the cores' FMA peak instead, where OpenBLAS's sgemm "
                      f"reaches {100 * r['peak_gflops'] / fp['gflops']:.0f}% of it)",
                      f"{100 * r['ours_gflops'] / fp['gflops']:.0f}%", ok(r["ours_gflops"] >= 0.9 * fp["gflops"])))
    if 1 in b:
        r = b[1]
        t.append(("ViT-B/16 batch 1 ≥ 3× PyTorch batch 1 (set_num_threads(T), as the issue asks)",
                  f"{r['ours'] / r['torch']:.2f}×", ok(r["ours"] >= 3 * r["torch"])))
        t.append(("ViT-B/16 batch 1 ≥ 3× PyTorch batch 1 (PyTorch's best thread setting)",
                  f"{r['ours'] / r['torch_best']:.2f}× ({r['torch_best_config']})",
                  ok(r["ours"] >= 3 * r["torch_best"])))
        t.append(("ViT-B/16 ≥ 6.5 img/s (batch 1)", f"{r['ours']:.2f} img/s", ok(r["ours"] >= 6.5)))
    if 16 in b:
        t.append(("ViT-B/16 ≥ 6.5 img/s (batch 16)", f"{b[16]['ours']:.2f} img/s", ok(b[16]["ours"] >= 6.5)))
    fb = (res.get("folders") or [None])[0]
    if fb:
        dp = 1e3 * (fb["decode"] + fb["preprocess"])
        t.append(("decode + preprocess of a 24 MP JPEG ≤ 40 ms on one core", f"{dp:.1f} ms", ok(dp <= 40)))
        scaled = fb["wall"] * 1000 / fb["n"]
        t.append((f"1,000 × 24 MP JPEGs, default model, < 30 s on {res['threads']} threads",
                  f"{fb['wall']:.1f} s for {fb['n']}" + (f" ({scaled:.0f} s per 1,000)" if fb["n"] != 1000 else ""),
                  ok(scaled < 30)))
    bfs = [r for r in res["forward"] if r.get("bf16") and not r.get("sweep_only")]
    if bfs:
        for r in bfs:
            if r["short"] in ("ViT-B/16", "ViT-L/14@336"):
                t.append((f"{r['short']} batch {r['batch']}: bf16 ≥ 1.7× our fp32", f"{r['bf16'] / r['ours']:.2f}× "
                          f"({r['bf16']:.2f} img/s)", ok(r["bf16"] >= 1.7 * r["ours"])))
        b1 = [r for r in bfs if r["short"] == "ViT-B/16"]
        if b1:
            t.append(("ViT-B/16 bf16 ≥ 12 img/s", ", ".join(f"batch {r['batch']}: {r['bf16']:.2f}" for r in b1),
                      ok(max(r["bf16"] for r in b1) >= 12)))
        be = res.get("bf16_eval")
        label = "bf16: scores within 0.01 (0-1 scale) and the same top-3 descriptors on the evaluation set"
        if be:
            t.append((label,
                      f"{be['model']} (sha256 {be.get('model_sha256_16', '?')}…) on {be['n']} evaluation photos: "
                      f"largest difference {be['max_diff']:.4f} "
                      f"(mean {be['mean_diff']:.5f}; {be['over_001']} over 0.01), the same top 3 for "
                      f"{be['same_top3'] * 100:.1f} % (the same first for {be['same_top1'] * 100:.1f} %)",
                      ok(be["max_diff"] <= 0.01 and be["same_top3"] == 1.0)))
        else:
            t.append((label, "not run on the evaluation set (--add bf16-eval)", "**not checked**"))
    else:
        t.append(("reduced precision (bf16 / int8) ≥ 1.7× fp32", "no bf16 on this processor", "**no**"))
    ap = res.get("app")
    label = "app: no main-loop gap over 50 ms while scoring"
    if ap:
        t.append((label,
                  f"{ap['photos']} × 24-MP JPEGs scored by rali-studio at {ap['images_per_s']:.1f} photos/s while "
                  f"the gallery scrolls: longest main-loop gap {ap['max_gap_ms']:.1f} ms (main-thread CPU in a gap "
                  f"at most {ap['max_main_cpu_in_gap_ms']:.1f} ms; {ap['over_50ms']} gaps over 50 ms); scrolling "
                  f"alone, no scoring: {ap['browsing_only_max_gap_ms']:.1f} ms", ok(ap["max_gap_ms"] <= 50)))
    else:
        t.append((label, "not measured (--add app)", "–"))
    return t


NOTES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")


def bf16_eval(rali, model, listing, threads):
    """fp32 against bf16 on the photos listed: score difference (0-1 scale)
    and top-3 agreement."""
    files = [l.strip() for l in open(listing, encoding="utf-8") if l.strip()]
    out, secs = {}, {}
    for prec in ("fp32", "bf16"):
        rows, errors, t0 = {}, [], time.time()
        for k in range(0, len(files), 400):
            p = subprocess.run([rali, "score", "--json", "--top", "3", "--backend", "cpu", "--threads", str(threads),
                                "--precision", prec, "--model", model] + files[k:k + 400],
                               capture_output=True, text=True, check=False)
            for line in p.stdout.splitlines():
                r = json.loads(line)
                if "score" in r:
                    rows[r["path"]] = r
                elif "error" in r:
                    errors.append(r)
        out[prec], secs[prec] = rows, time.time() - t0
        log(f"  {prec}: {len(rows)} of {len(files)} scored in {secs[prec]:.0f} s"
            + (f"; {len(errors)} not, e.g. {errors[0].get('path')}: {errors[0]['error']}" if errors else ""))
    info = subprocess.run([rali, "info", "--model", model], capture_output=True, text=True).stdout
    m = re.search(r"scores\s+([-\d.]+)\.\.([-\d.]+)", info)
    lo, hi = (float(m.group(1)), float(m.group(2))) if m else (0.0, 1.0)
    both = [f for f in files if f in out["fp32"] and f in out["bf16"]]
    diffs = [abs(out["fp32"][f]["score"] - out["bf16"][f]["score"]) / (hi - lo) for f in both]
    same = [[d["index"] for d in out["fp32"][f]["descriptors"]] == [d["index"] for d in out["bf16"][f]["descriptors"]]
            for f in both]
    same1 = [out["fp32"][f]["descriptors"][0]["index"] == out["bf16"][f]["descriptors"][0]["index"] for f in both]
    import hashlib
    sha = hashlib.sha256(open(model, "rb").read()).hexdigest()[:16]
    return dict(n=len(both), listed=len(files), scale=[lo, hi], max_diff=max(diffs), mean_diff=statistics.mean(diffs),
                over_001=sum(d > 0.01 for d in diffs), same_top3=sum(same) / len(both), same_top1=sum(same1) / len(both),
                seconds=secs, model=os.path.relpath(model, ROOT), model_sha256_16=sha)


def app_probe(folder, n, model, build):
    """tests/test-app.py bench: the app scoring n photos of folder at full
    speed while the gallery scrolls; the probe's gaps after it is shown."""
    sub = os.path.join(os.path.dirname(folder), f"app-{n}")
    if not os.path.isdir(sub):
        os.makedirs(sub)
        for f in sorted(f for f in os.listdir(folder) if f.lower().endswith(".jpg"))[:n]:
            os.link(os.path.join(folder, f), os.path.join(sub, f))
    cmd = [sys.executable, os.path.join(ROOT, "tests", "test-app.py"), "bench", "--app",
           os.path.join(build, "tests", "rali-studio-test"), "--cli", os.path.join(build, "app", "rali"),
           "--srcdir", ROOT, "--schemas", os.path.join(build, "data"), "--count", str(n), "--photos", sub,
           "--model", model]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    text = p.stdout[p.stdout.index("{"):p.stdout.rindex("}") + 1] if "{" in p.stdout else ""
    if p.returncode != 0 or not text:
        raise SystemExit(f"app bench failed ({p.returncode}): {(p.stdout + p.stderr)[-800:]}")
    r = json.loads(text)
    a = r["probe"]["after_shown"]
    return dict(photos=r["photos"], images_per_s=r["images_per_s"], elapsed_s=r["elapsed_s"],
                max_gap_ms=a["max_gap_ms"], max_main_cpu_in_gap_ms=a["max_main_cpu_in_gap_ms"],
                over_50ms=a["over_50ms"], over_16ms=a["over_16ms"], gaps_over_50ms=a["gaps_over_50ms"],
                browsing_only_max_gap_ms=r["browsing_only_probe"]["after_shown"]["max_gap_ms"],
                model=os.path.relpath(model, ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rali", default=os.path.join(ROOT, "build", "app", "rali"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--models", default="default,mobilenet-v2-512,vit-b16,vit-l14-336",
                    help="comma list of 'default', presets (%s) or .rali paths" % ", ".join(PRESETS))
    ap.add_argument("--default-model", default=os.path.join(ROOT, "data", "models", "rali-default.rali"))
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--sweep", default="1,2,4,8,16", help="batches for the images/s-vs-batch plot (ViT-B/16 and "
                    "the default model)")
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000, help="folder benchmark: JPEGs (0: skip it)")
    ap.add_argument("--distinct", type=int, default=40, help="folder benchmark: distinct JPEGs made")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "rali-bench"),
                    help="random models and the folder's JPEGs, kept between runs")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "PERFORMANCE.md"))
    ap.add_argument("--max-load", type=float, default=1.5)
    ap.add_argument("--max-other", type=float, default=0.15,
                    help="cores other processes may use during a measurement before it is redone")
    ap.add_argument("--retries", type=int, default=3, help="redos of a measurement disturbed by other processes")
    ap.add_argument("--quick", action="store_true", help="n=40, 2 runs, sweep 1,4,16, ViT-L at batch 1 only")
    ap.add_argument("--smoke", action="store_true", help="tiny test fixtures, seconds: checks the script runs")
    ap.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--torch", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--add", choices=("bf16-eval", "app", "fma-peak"), help="measure this and add it to --into's JSON")
    ap.add_argument("--into", default=os.path.join(ROOT, "docs", "PERFORMANCE.json"))
    ap.add_argument("--eval-list", help="bf16-eval: a file listing the evaluation photos, one path per line")
    ap.add_argument("--app-n", type=int, default=300, help="app: photos of the folder benchmark scored")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--report-only", metavar="JSON", help="write the report again from a run's JSON (and the "
                    "current NOTES.md), measuring nothing")
    args = ap.parse_args()
    if args.probe:
        print(json.dumps(probe([tuple(s) for s in json.loads(args.probe[0])], int(args.probe[1]))))
        return
    if args.torch:
        path, B, T, it = args.torch[0], int(args.torch[1]), int(args.torch[2]), int(args.torch[3])
        print(json.dumps(TorchModel(path).time(B, T, it)))
        return
    cmd = shlex.join(["/usr/bin/python3", "tools/bench/compare.py"] + sys.argv[1:])
    if args.add:
        res = json.load(open(args.into))
        load = os.getloadavg()
        log(f"--add {args.add}: load average {load}")
        if args.add == "fma-peak":
            os.makedirs(args.work, exist_ok=True)
            r = fma_peak(args.work, args.threads)
            if r is None:
                raise SystemExit("--add fma-peak: nothing measured (see above)")
        elif args.add == "bf16-eval":
            if not args.eval_list:
                raise SystemExit("--add bf16-eval needs --eval-list FILE")
            r = bf16_eval(args.rali, args.default_model, args.eval_list, args.threads)
        else:
            folder = os.path.join(args.work, f"folder-{max(args.n, args.app_n)}")
            make_folder(folder, max(args.n, args.app_n), args.distinct, (6000, 4000))
            r = app_probe(folder, args.app_n, args.default_model, args.build)
        r.update(load_before=load, load_after=os.getloadavg(),
                 date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), git=git_head())
        res[args.add.replace("-", "_")] = r
        log(json.dumps(r, default=str)[:600])
        json.dump(res, open(args.into, "w"), indent=1, default=str)
        args.report_only = args.into
    if args.report_only:
        res = json.load(open(args.report_only))
        if os.path.exists(NOTES_FILE):
            res["notes"] = open(NOTES_FILE).read()
        res["json"] = args.report_only
        res["targets"] = targets(res)
        report(res, args.out, res.get("cmd", "/usr/bin/python3 tools/bench/compare.py --threads 2"))
        log(f"wrote {args.out} from {args.report_only}")
        return
    fix = os.path.join(ROOT, "tests", "fixtures")
    if args.smoke:
        args.models = ",".join(os.path.join(fix, f) for f in ("tiny-quickgelu.rali", "tiny-mobilenet.rali"))
        args.default_model = os.path.join(fix, "tiny-convstem.rali")
        args.batches, args.sweep, args.iterations, args.n, args.distinct = "1,2", "1,2", 1, 3, 2
        args.retries = 0
    if args.quick:
        args.n, args.iterations, args.sweep = min(args.n, 40), 2, "1,4,16"
    batches = [int(b) for b in args.batches.split(",")]
    sweep = [int(b) for b in args.sweep.split(",")] if args.sweep else []
    T = args.threads
    os.makedirs(args.work, exist_ok=True)
    import torch
    torch.set_num_threads(T)

    # the models
    models = []
    for m in args.models.split(","):
        if m == "default":
            models.append((args.default_model, "default model", "default"))
        elif m in PRESETS:
            path = os.path.join(args.work, f"{m}.rali")
            if not os.path.exists(path):
                log(f"writing {path}")
                subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-random-model.py"), "--preset",
                                PRESETS[m][0], "-o", path], check=True, stdout=subprocess.DEVNULL)
            models.append((path, PRESETS[m][1], {"vit-b16": "ViT-B/16", "vit-l14-336": "ViT-L/14@336"}.get(m, m)))
        else:
            models.append((m, os.path.basename(m), os.path.splitext(os.path.basename(m))[0]))

    res = dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), git=git_head(),
               machine=machine(), threads=T, iterations=args.iterations, max_load=args.max_load,
               max_other=args.max_other,
               torch_version=torch.__version__, forward=[], default_model=os.path.relpath(args.default_model, ROOT))
    cfg = torch.__config__.show()
    res["torch_config"] = ", ".join(x for x in ("MKL-DNN" if "MKL-DNN" in cfg else "", "OpenMP" if "OpenMP" in cfg
                                                else "", re.search(r"CPU capability usage: (\S+)", cfg).group(1)
                                                if "CPU capability usage" in cfg else "") if x)
    # bf16 where the processor can (rali bench refuses it elsewhere)
    p = subprocess.run([args.rali, "bench", "--backend", "cpu", "--precision", "bf16", "--iterations", "1",
                        "--photo-size", "64x48", "--model", os.path.join(fix, "tiny-quickgelu.rali")],
                       capture_output=True, text=True, env=dict(os.environ, RALI_MODEL=""))
    bf16 = p.returncode == 0
    res["bf16"] = bf16
    res["load_before"] = os.getloadavg()
    log(f"load average before: {res['load_before']}")
    res["fma_peak"] = fma_peak(args.work, T, 100000 if args.smoke else None)

    for path, label, short in models:
        best_config = None  # PyTorch's fastest thread setting for this model, from batch 1
        is_sweep_model = short in ("ViT-B/16", "default")
        runs = sorted(set(batches) | (set(sweep) if is_sweep_model else set()))
        if args.quick and short == "ViT-L/14@336":
            runs = [1]
        for B in runs:
            log(f"{label}: batch {B}")

            def row():
                ours = rali_bench(args.rali, path, B, T, args.iterations)
                tt = torch_time(path, B, T, args.iterations, "spec")
                alt = {}
                for config in ([c for c in TORCH_CONFIGS if c != "spec"] if best_config is None
                               else [best_config] if best_config != "spec" else []):
                    alt[config] = torch_time(path, B, T, args.iterations, config)
                bf = ob = None
                if bf16 and B in batches:
                    bf = rali_bench(args.rali, path, B, T, args.iterations,
                                    precision="bf16")["images_per_second"]["forward"]
                if B in batches and not (short == "ViT-L/14@336" and B > 1):  # (minutes each)
                    ob = rali_bench(args.rali, path, B, T, args.iterations,
                                    openblas=True)["images_per_second"]["forward"]
                return ours, tt, alt, bf, ob
            (ours, tt, alt, bf, ob), other = measured(row, args.max_other, args.retries)
            alt["spec"] = tt
            best = min(alt, key=lambda c: statistics.median(alt[c]))
            if best_config is None:
                best_config = best
            tb = alt[best]
            fw = ours["stages"]["forward"]
            ips = ours["images_per_second"]["forward"]
            gflop = ours["forward_gflop"]
            r = dict(label=label, short=short, batch=B, sweep=is_sweep_model and B in sweep,
                     sweep_only=B not in batches, gflop_image=gflop / B,
                     ours=ips["median"], ours_min=ips["min"], ours_max=ips["max"], ours_gflops=gflop / fw["median"],
                     torch=B / statistics.median(tt), torch_min=B / max(tt), torch_max=B / min(tt),
                     torch_best=B / statistics.median(tb), torch_best_min=B / max(tb), torch_best_max=B / min(tb),
                     torch_best_config=torch_config_name(best, T),
                     arch=ours["model"]["architecture"], bf16=bf["median"] if bf else None,
                     openblas=ob["median"] if ob else None, other=other)
            res["backend"] = ours["backend"]
            if B in batches:
                # like with like: the products' FLOP over our whole forward's time (the depthwise
                # convolutions and element-wise ops are not products: they only cost us time)
                pk = run_probe(ours["gemm"], T)
                res["corename"] = pk["corename"]
                prod = sum(2.0 * g["M"] * g["N"] * g["K"] * g["count"] for g in ours["gemm"]) / 1e9
                r.update(peak_gflops=pk["gflops"], peak_shapes=pk["shapes"], ours_gflops=prod / fw["median"])
            log(f"  ours {r['ours']:.2f} img/s, PyTorch {r['torch']:.2f} img/s (best {r['torch_best']:.2f}: "
                f"{r['torch_best_config']}; others {other:.2f} cores)")
            res["forward"].append(r)
        if short == "default":
            res["default_arch"] = ours["model"]["architecture"]

    if args.n > 0:
        folder = os.path.join(args.work, f"folder-{args.n}")
        log(f"folder benchmark: {args.n} JPEGs in {folder}")
        size = (600, 400) if args.smoke else (6000, 4000)
        make_folder(folder, args.n, args.distinct, size)
        runs = [(args.default_model, "score")]
        res["folders"] = []
        for model, command in runs:
            fb, other = measured(lambda: folder_benchmark(args.rali, model, folder, args.n, T, command),
                                 args.max_other, args.retries)
            fb["other"] = other
            fb["distinct"] = min(args.distinct, args.n)
            fb["size"] = f"{size[0]}x{size[1]}"
            res["folders"].append(fb)
            log(f"  {command} {os.path.basename(model)}: {fb['wall']:.1f} s")
    res["load_after"] = os.getloadavg()
    log(f"load average after: {res['load_after']}")
    res.setdefault("corename", "?")
    res.setdefault("default_arch", "?")
    res["targets"] = targets(res)
    if os.path.exists(NOTES_FILE) and not args.smoke:
        res["notes"] = open(NOTES_FILE).read()
    res["json"] = os.path.splitext(args.out)[0] + ".json"
    res["cmd"] = cmd
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    json.dump(res, open(res["json"], "w"), indent=1, default=str)
    report(res, args.out, cmd)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
