"""The harness of the app tests (test-app.py, test-app-map.py): an Xvfb of
our own, rali-studio-test (rali-studio with its test driver, tests/app-driver/:
JSON lines on stdout, commands on stdin; see rali-test-driver.h there), and the
helpers the scenarios share."""

import hashlib
import json
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
IMAGE_EXT = (".jpg", ".jpeg", ".png")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


class Xvfb:
    """An X server of our own on a free display (-displayfd)."""

    def __init__(self, screen="1280x900x24"):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num:
            fail("Xvfb did not start")
        self.display = ":" + num

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class App:
    """One rali-studio process; events arrive on a queue from a reader thread."""

    def __init__(self, ctx, args, extra_env=None):
        env = dict(ctx.env)
        env.update(extra_env or {})
        cmd = [ctx.app] + args
        if shutil.which("dbus-run-session"):
            cmd = ["dbus-run-session", "--"] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None, env=env, text=True, bufsize=1)
        self.events = queue.Queue()
        self.backlog = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                try:
                    self.events.put(json.loads(line))
                except ValueError:
                    print("not JSON:", line[:200], file=sys.stderr)
        self.events.put(None)

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def wait(self, event, timeout=60, pred=None):
        """The next event of this kind (skipping others) that satisfies pred."""
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.backlog):
            if e["event"] == event and (pred is None or pred(e)):
                return self.backlog.pop(i)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"timed out waiting for {event}")
            try:
                e = self.events.get(timeout=left)
            except queue.Empty:
                fail(f"timed out waiting for {event}")
            if e is None:
                fail(f"rali-studio exited (rc {self.proc.wait()}) while waiting for {event}")
            if e["event"] == "error":
                fail("test hook error: " + e.get("message", "?"))
            if e["event"] == event and (pred is None or pred(e)):
                return e
            self.backlog.append(e)

    def status(self, full=False):
        self.send("status full" if full else "status")
        return self.wait("status")

    def poll(self, pred, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.status()
            if pred(s):
                return s
            time.sleep(0.1)
        fail("timed out waiting until " + what)

    def quit(self):
        self.send("quit")
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("rali-studio did not quit")
        check(rc == 0, f"rali-studio quit cleanly (rc {rc})")


class Context:
    def __init__(self, opts):
        self.app = opts.app
        self.cli = opts.cli
        self.srcdir = opts.srcdir
        self.out = opts.out
        self.tmp = tempfile.mkdtemp(prefix="rali-app-test-")
        self.model = os.path.join(self.srcdir, "tests", "fixtures", "tiny-quickgelu.rali")
        self.catalog = os.path.join(self.tmp, "catalog.sqlite")
        self.xvfb = Xvfb()
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        self.env = dict(os.environ)
        self.env.update({
            "DISPLAY": self.xvfb.display,
            "GDK_BACKEND": "x11",
            "GSETTINGS_SCHEMA_DIR": opts.schemas,
            "GSETTINGS_BACKEND": "memory",
            "RALI_CATALOG": self.catalog,
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "GTK_A11Y": "none",
            # software GL (llvmpipe) under Xvfb is far slower than Cairo
            "GSK_RENDERER": os.environ.get("GSK_RENDERER", "cairo"),
            "LC_ALL": "C.UTF-8",
        })
        self.env.pop("WAYLAND_DISPLAY", None)

    def close(self):
        self.xvfb.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def shoot(self, name="shoot", with_samples=True):
        """A folder of the hostile fixture images (and data/samples if any)."""
        d = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(self.srcdir, "tests", "fixtures", "images"), d,
                        ignore=shutil.ignore_patterns("*.rgb", "*.f32", "*.json"))
        samples = os.path.join(self.srcdir, "data", "samples")
        if with_samples and os.path.isdir(samples):
            for f in os.listdir(samples):
                if f.lower().endswith(IMAGE_EXT):
                    shutil.copy(os.path.join(samples, f), os.path.join(d, "sample-" + f))
        return d


def images_under(path):
    out = []
    for root, _, files in os.walk(path):
        out += [os.path.join(root, f) for f in files if f.lower().endswith(IMAGE_EXT)]
    return sorted(out)


def catalog_rows(ctx):
    db = sqlite3.connect(ctx.catalog)
    rows = {r[0]: r for r in db.execute(
        "SELECT path, model_hash, size, mtime, score, descriptors, length(embedding), error FROM files")}
    db.close()
    return rows


def catalog_embeddings(ctx):
    """{file name: its unit embedding} from the catalog (numpy float32)"""
    import numpy as np
    db = sqlite3.connect(ctx.catalog)
    emb = {os.path.basename(p): np.frombuffer(e, dtype="<f4") for p, e in db.execute("SELECT path, embedding FROM files")
           if e is not None}
    db.close()
    return emb


def cli_scores(ctx, paths):
    # --min-weight 0: the whole distinct list, as the app keeps it (its views cut it)
    p = subprocess.run([ctx.cli, "score", "--json", "--min-weight", "0", "--model", ctx.model] + paths,
                       capture_output=True, text=True)
    return {r["path"]: r for r in map(json.loads, p.stdout.splitlines())}


def launch_and_finish(ctx, args, timeout=120, extra_env=None):
    app = App(ctx, ["--model", ctx.model] + args, extra_env)
    fin = app.wait("finished", timeout)
    return app, fin


def exiv2_values(path):
    p = subprocess.run(["exiv2", "-px", path], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"exiv2 -px {path}: {p.stderr.strip()}")
    out = {}
    for line in p.stdout.splitlines():
        parts = line.split(None, 3)
        if len(parts) >= 3:
            out[parts[0]] = parts[3] if len(parts) == 4 else ""
    return out


def exif_dated(src, path, when, **save):
    """src (a PIL image) saved to path with EXIF DateTimeOriginal `when`
    (Unix seconds, UTC)."""
    from PIL import Image
    exif = Image.Exif()
    exif[0x8769] = {0x9003: time.strftime("%Y:%m:%d %H:%M:%S", time.gmtime(when))}  # Exif IFD
    src.save(path, exif=exif.tobytes(), **save)


def burst_folder(ctx, name):
    """The sample photos, and castle.jpg as a burst of three (EXIF dates 0,
    1 and 2 s apart) plus a fourth dated 500 s later; every file has one
    mtime, as after copying a folder.  Returns the folder."""
    from PIL import Image, ImageEnhance
    d = samples_folder(ctx, name)
    src = Image.open(os.path.join(d, "castle.jpg")).convert("RGB")
    t0 = 1_700_000_000
    exif_dated(src, os.path.join(d, "castle.jpg"), t0, quality=95)
    exif_dated(src, os.path.join(d, "castle-2.jpg"), t0 + 1, quality=85)
    exif_dated(ImageEnhance.Brightness(src).enhance(0.97), os.path.join(d, "castle-3.jpg"), t0 + 2, quality=90)
    exif_dated(src, os.path.join(d, "castle-4.jpg"), t0 + 500, quality=88)
    for n in os.listdir(d):
        os.utime(os.path.join(d, n), (t0, t0))
    return d


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


model_hash = sha256_file  # the catalog keys scores by the model file's SHA-256


def samples_folder(ctx, name):
    d = os.path.join(ctx.tmp, name)
    os.makedirs(d)
    samples = os.path.join(ctx.srcdir, "data", "samples")
    for f in sorted(os.listdir(samples)):
        if f.lower().endswith(IMAGE_EXT):
            shutil.copy(os.path.join(samples, f), os.path.join(d, f))
    return d


def by_name(st):
    return {os.path.basename(r["path"]): r for r in st["results"]}


def settle(app, what="the writes are done"):
    return app.poll(lambda s: s["culling"]["pending"] == 0 and not s["culling"]["loading"], what)


def key(app, name, mod=""):
    app.send(f"key {name} {mod}".strip())
    return app.wait("key")["handled"]


def split_probe(probe, opened=True):
    """The probe's gaps before the opened folder's first frame was painted
    (window start-up, the first tiles' creation, layout and paint: once per
    folder) and after it (while scoring runs)."""
    settled = probe.get("settled_ms") if opened else 0.0
    gaps = probe.get("gaps", [])
    before = [g for g in gaps if settled is None or g[0] < settled]
    after = [g for g in gaps if settled is not None and g[0] >= settled]
    out = {k: v for k, v in probe.items() if k != "gaps"}
    out["showing_folder"] = {"until_ms": settled, "max_gap_ms": max((g[1] for g in before), default=0),
                             "gaps_over_50ms": [g for g in before if g[1] > 50]}
    out["after_shown"] = {"max_gap_ms": max((g[1] for g in after), default=0),
                          "max_main_cpu_in_gap_ms": max((g[2] for g in after), default=0),
                          "over_16ms": sum(g[1] > 16 for g in after), "over_50ms": sum(g[1] > 50 for g in after),
                          "gaps_over_50ms": [g for g in after if g[1] > 50]}
    return out
