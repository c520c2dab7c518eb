#!/usr/bin/python3
"""`meson install` into a temporary DESTDIR, then the installed programs run
from there: `rali info` and `rali score` take the model installed beside
them (never the source tree's), and the installed rali-studio starts under
Xvfb with its installed GSettings schema and stays up.

    test-install.py BUILD_ROOT SOURCE_ROOT"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def find(top, name, parent=None):
    for d, _, files in os.walk(top):
        if name in files and parent in (None, os.path.basename(d)):
            return os.path.join(d, name)
    return None


def main():
    tmp = tempfile.mkdtemp()
    try:
        dest = os.path.join(tmp, "dest")
        # meson install builds what `meson test` did not (the .mo files, the
        # man pages: the suite builds only what tests need), then installs
        p = subprocess.run(["meson", "install", "-C", BUILD, "--quiet", "--destdir", dest],
                           capture_output=True, text=True, timeout=600)
        check(p.returncode == 0, f"meson install --destdir ({p.stderr.strip()[-200:]})")
        rali, studio = find(dest, "rali", "bin"), find(dest, "rali-studio", "bin")
        model = find(dest, "rali-default.rali")
        check(rali and studio and model, f"installed: rali {rali}, rali-studio {studio}, model {model}")
        # man pages (built where help2man is) and the shell completion (data/man, data/completions)
        pages = ["rali.1"] + (["rali-studio.1"] if studio else [])
        if os.path.exists(os.path.join(BUILD, "data", "man", "rali.1")):
            installed = [find(dest, p) for p in pages]
            check(all(p and p.endswith("/man/man1/" + os.path.basename(p)) for p in installed),
                  f"installed man pages: {installed}")
        zsh_completion = find(dest, "_rali")
        bash_completion = find(dest, "rali", "completions")
        check(bash_completion and bash_completion.endswith("/bash-completion/completions/rali") and zsh_completion
              and zsh_completion.endswith("/zsh/vendor-completions/_rali"),
              f"installed completion: bash {bash_completion}, zsh {zsh_completion}")
        if not (rali and model):
            return
        env = dict(os.environ)
        env.pop("RALI_MODEL", None)
        p = subprocess.run([rali, "info"], capture_output=True, text=True, cwd=tmp, env=env, timeout=120)
        line = next((l for l in p.stdout.splitlines() if l.startswith("model:")), "")
        check(p.returncode == 0 and line.split(None, 1)[-1] == model,
              f"installed rali takes the installed model: {line!r}")
        samples = os.path.join(ROOT, "data", "samples")
        p = subprocess.run([rali, "score", "--json", samples], capture_output=True, text=True, cwd=tmp, env=env,
                           timeout=600)
        rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        check(p.returncode == 0 and len(rows) >= 10 and all("score" in r for r in rows),
              f"installed rali scores the samples ({len(rows)} scored, exit {p.returncode})")
        # with DESTDIR, meson leaves compiling the schemas to the package's
        # installation (gnome.post_install): do what that would do
        xml = find(dest, "org.ralistudio.RaliStudio.gschema.xml")
        schemas = os.path.dirname(xml) if xml else ""
        ok = bool(xml) and subprocess.run(["glib-compile-schemas", schemas]).returncode == 0
        check(ok, f"the GSettings schema is installed and compiles ({schemas})")
        if not studio or not shutil.which("Xvfb") or not schemas:
            print("no rali-studio or no Xvfb: the app start is not checked")
            return
        xvfb = subprocess.Popen(["Xvfb", ":87", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            app_env = dict(env, DISPLAY=":87", GDK_BACKEND="x11", GSETTINGS_SCHEMA_DIR=schemas,
                           GSETTINGS_BACKEND="memory", HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "data"),
                           XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                           RALI_CATALOG=os.path.join(tmp, "catalog.sqlite"))
            log = os.path.join(tmp, "app.log")
            with open(log, "wb") as out:
                # its own process group: the app and the session bus go together
                app = subprocess.Popen(["dbus-run-session", "--", studio, samples], env=app_env, cwd=tmp,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
                time.sleep(8)
                alive = app.poll() is None
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(app.pid, sig)
                        app.wait(timeout=20)
                        break
                    except (ProcessLookupError, subprocess.TimeoutExpired):
                        pass
            err = open(log, "rb").read().decode(errors="replace")
            bad = [l for l in err.splitlines() if "CRITICAL" in l or "GLib-GIO-ERROR" in l or "ERROR" in l]
            check(alive and not bad, f"the installed rali-studio starts and stays up 8 s ({bad[:2]})")
        finally:
            xvfb.terminate()
            xvfb.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
