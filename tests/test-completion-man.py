#!/usr/bin/python3
"""The man pages and the shell completion of rali cannot drift from the
programs:

  - build/data/man/rali.1 and rali-studio.1 (help2man, data/man/) render
    with groff and man without a warning, and mention every command of
    `rali --help` and every long option that `rali COMMAND --help` (and
    `rali-studio --help`) lists; they hold no build or source path;
  - data/completions/rali.bash, sourced in `bash -c` and driven through
    COMP_WORDS/COMP_CWORD as bash would: commands, each command's options
    (exactly those its --help lists), the backend values, *.rali files for
    --model, paths for the rest (bench's photos too);
  - data/completions/_rali passes `zsh -n` (where zsh is installed) and names
    every long option.

    test-completion-man.py BUILD_ROOT SOURCE_ROOT man|no-man RALI [RALI_STUDIO]

(no-man: the build made no man pages, having no help2man; CI has it)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

BUILD, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
WITH_MAN = sys.argv[3] == "man"
RALI = sys.argv[4]
STUDIO = sys.argv[5] if len(sys.argv) > 5 else None
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def names(option, text):
    """text names option as a whole word (--top, not --top-k)"""
    return re.search(re.escape(option) + r"(?![\w-])", text) is not None


def run(args, **kw):
    return subprocess.run(args, capture_output=True, encoding="utf-8", errors="replace", timeout=60, **kw)


top = run([RALI, "--help"]).stdout
commands = re.findall(r"^  ([a-z]+)  ", top.split("\nCommands:\n", 1)[1], re.M)
check(commands == ["score", "embed", "info", "bench"], f"rali --help lists the commands {commands}")
options = {}  # command -> (short options, long options) of its --help
for cmd in commands:
    text = run([RALI, cmd, "--help"]).stdout
    lines = [l for l in text.splitlines() if re.match(r"\s+-", l)]
    # "  -m, --model=FILE       Model file ...": the option column only
    heads = [re.split(r"\s{2,}", l.strip())[0] for l in lines]
    options[cmd] = ({m for h in heads for m in re.findall(r"^(-[a-zA-Z]),", h)},
                    {m for h in heads for m in re.findall(r"(--[a-z][a-z-]*)", h)})
    check(len(options[cmd][1]) >= 10, f"rali {cmd} --help lists {len(options[cmd][1])} long options")
all_long = set().union(*(o[1] for o in options.values()))

# --- man pages -------------------------------------------------------------
mandir = os.path.join(BUILD, "data", "man")
pages = {"rali": os.path.join(mandir, "rali.1")}
if STUDIO:
    pages["rali-studio"] = os.path.join(mandir, "rali-studio.1")
if not WITH_MAN:
    print("skip: the build made no man pages (no help2man)")
elif not shutil.which("groff"):
    check(False, "groff is installed to render the man pages (tools/debian-packages.txt: groff-base)")
else:
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="200", MANROFFSEQ="")
    for name, page in pages.items():
        check(os.path.exists(page), f"{name}.1 is built")
        if not os.path.exists(page):
            continue
        raw = open(page, encoding="utf-8").read()
        check(BUILD not in raw and ROOT not in raw and "/work/" not in raw,
              f"{name}.1 holds no build or source path")
        # -ww: all warnings; a long line and no hyphenation, so that words stay whole
        p = run(["groff", "-man", "-Tutf8", "-ww", "-rLL=250n", "-rHY=0", "-P-cbou", page], env=env)
        check(p.returncode == 0 and not p.stderr.strip(), f"groff -man -ww renders {name}.1 without a warning "
              f"({p.stderr.strip()[:300]!r})")
        text = p.stdout.replace("\u2212", "-").replace("\u2010", "-")
        if shutil.which("man"):
            p = run(["man", "--warnings", "-l", page], env=env)
            check(p.returncode == 0 and not p.stderr.strip() and f"{name.upper()}(1)" in p.stdout,
                  f"man -l {name}.1 renders without a warning ({p.stderr.strip()[:300]!r})")
        if name == "rali":
            check(re.search(r"^SYNOPSIS\n\s+rali COMMAND", text, re.M), "rali.1 has the synopsis")
            for cmd in commands:
                check(re.search(rf"^\s+{cmd}\s", text, re.M), f"rali.1 describes the command {cmd}")
            missing = sorted(o for o in all_long if not names(o, text))
            check(not missing, f"rali.1 mentions every long option of the commands (missing {missing})")
            for section in ("EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"):
                check(re.search(rf"^{section}$", text, re.M), f"rali.1 has {section}")
            for var in ("RALI_MODEL", "RALI_CATALOG", "RALI_VULKAN_DEVICE"):
                check(var in text, f"rali.1 documents {var}")
        else:
            studio_help = run([STUDIO, "--help"], env=dict(os.environ, DISPLAY="", WAYLAND_DISPLAY="")).stdout
            longs = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", studio_help, re.M))
            missing = sorted(o for o in longs if not names(o, text))
            check(len(longs) >= 3 and not missing,
                  f"rali-studio.1 mentions every long option of rali-studio --help (missing {missing})")
            check(re.search(r"^SYNOPSIS\n\s+rali-studio ", text, re.M), "rali-studio.1 has the synopsis")

# --- bash completion ---------------------------------------------------------
BASH_COMPLETION = os.path.join(ROOT, "data", "completions", "rali.bash")
tmp = tempfile.mkdtemp()
try:
    os.mkdir(os.path.join(tmp, "folder"))
    for f in ("model.rali", "photo.jpg"):
        open(os.path.join(tmp, f), "w").close()

    def complete(*words):
        """COMPREPLY of _rali for the command line `words` (the last is the word
        under the cursor), run as bash runs a completion function."""
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
                  'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; '
                  'complete -p rali >/dev/null || exit 3; '
                  '_rali rali "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        p = run(["bash", "--norc", "--noprofile", "-c", script, "bash", BASH_COMPLETION, *words], cwd=tmp)
        if p.returncode != 0:
            return {f"<bash exit {p.returncode}: {p.stderr.strip()}>"}
        return {l for l in p.stdout.splitlines() if l}

    def expect(words, want):
        got = complete(*words)
        check(got == set(want), f"bash: `{' '.join(words)}` -> {sorted(got)} (want {sorted(want)})")

    expect(["rali", "sc"], {"score"})
    expect(["rali", ""], set(commands) | {"--help", "-h"})
    expect(["rali", "score", "--b"], {"--backend", "--batch"})
    expect(["rali", "score", "--ba"], {"--backend", "--batch"})
    expect(["rali", "score", "--bac"], {"--backend"})
    expect(["rali", "bench", "--it"], {"--iterations"})
    expect(["rali", "score", "--backend", ""], {"auto", "cpu", "vulkan"})
    expect(["rali", "score", "-b", "v"], {"vulkan"})
    expect(["rali", "embed", "--backend", "=", ""], {"auto", "cpu", "vulkan"})
    expect(["rali", "score", "--backend", "=", "c"], {"cpu"})
    expect(["rali", "score", "--model", ""], {"model.rali", "folder"})
    expect(["rali", "score", "-m", "mo"], {"model.rali"})
    expect(["rali", "score", "--json", ""], {"model.rali", "photo.jpg", "folder"})
    expect(["rali", "embed", "ph"], {"photo.jpg"})
    expect(["rali", "info", ""], {"model.rali", "folder"})
    expect(["rali", "bench", ""], {"model.rali", "photo.jpg", "folder"})
    expect(["rali", "bench", "--threads", ""], set())
    expect(["rali", "score", "--precision", ""], {"auto", "fp32", "bf16"})
    expect(["rali", "score", "--top", ""], set())
    for cmd in commands:
        shorts, longs = options[cmd]
        expect(["rali", cmd, "-"], shorts | longs)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

# --- zsh completion ----------------------------------------------------------
ZSH_COMPLETION = os.path.join(ROOT, "data", "completions", "_rali")
zsh_text = open(ZSH_COMPLETION, encoding="utf-8").read()
check(zsh_text.startswith("#compdef rali\n"), "_rali starts with #compdef rali")
missing = sorted(o for o in all_long if not names(o, zsh_text))
check(not missing, f"_rali names every long option (missing {missing})")
check(all(f"'{c}:" in zsh_text for c in commands), "_rali names every command")
if shutil.which("zsh"):
    p = run(["zsh", "-n", ZSH_COMPLETION])
    check(p.returncode == 0 and not p.stderr.strip(), f"zsh -n _rali ({p.stderr.strip()[:300]!r})")
else:
    print("skip: no zsh, `zsh -n _rali` not run")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
