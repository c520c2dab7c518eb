#!/usr/bin/python3
"""`rali score` over a hostile-file corpus (tests/hostile.py): every bad
file gets an error naming it and its problem, every good one a score, the
output stays valid UTF-8 JSON and CSV, exit code 2, no crash, bounded
memory; and a file that grows and shrinks while it is read.

    test-hostile.py RALI_BINARY SOURCE_ROOT"""
import base64
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading

RALI, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(ROOT, "tests"))
import hostile  # noqa: E402

MODEL = os.path.join(ROOT, "tests", "fixtures", "tiny-convstem.rali")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def exact_path(row):
    return base64.b64decode(row["path_bytes"]) if "path_bytes" in row else os.fsencode(row["path"])


def test_corpus(tmp):
    folder = os.path.join(tmp, "corpus")
    os.mkdir(folder)
    expect = hostile.make_corpus(folder, ROOT)
    p = subprocess.run([RALI, "score", "--json", "--model", MODEL, folder], capture_output=True, timeout=600)
    check(p.returncode == 2, f"score over the corpus exits 2 (got {p.returncode}; {p.stderr.decode(errors='replace')[-300:]})")
    try:
        rows = [json.loads(l.decode("utf-8")) for l in p.stdout.splitlines() if l.strip()]
    except (UnicodeDecodeError, ValueError) as e:
        check(False, f"every output line is UTF-8 JSON ({e})")
        return
    root = os.fsencode(folder) + b"/"
    got = {}
    for r in rows:
        rel = exact_path(r)[len(root):]
        check(rel not in got, f"{rel!r} reported once")
        got[rel] = r
    for rel, e in sorted(expect.items()):
        r = got.get(rel)
        if r is None:
            check(False, f"{rel!r}: has a result line")
            continue
        shown = os.path.basename(r["path"])
        if e[0] == "any":
            check("score" in r or shown in r.get("error", ""), f"{rel!r}: a score or an error naming it")
        elif e[0] == "score":
            check("score" in r, f"{rel!r}: scored ({r.get('error', '')})")
        else:
            msg = r.get("error", "")
            check("error" in r and shown in msg and e[1] in msg.lower(),
                  f"{rel!r}: error names the file and the problem ({msg!r}, want {e[1]!r})")
    extra = sorted(set(got) - set(expect))
    check(not extra, f"nothing but the corpus is reported ({extra})")
    p = subprocess.run([RALI, "score", "--csv", "--model", MODEL, folder], capture_output=True, timeout=600)
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"))))
    check(p.returncode == 2 and len(rows) == len(got) + 1 and all(len(r) == len(rows[0]) for r in rows),
          f"--csv: a row per file, all of one width ({len(rows) - 1} rows)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    check(peak < 1024, f"peak RSS of rali over the corpus {peak:.0f} MiB < 1 GiB")


def test_changing_file(tmp):
    """A file rewritten, cut and emptied while rali reads it, 60 times over:
    each read gives a score or an error naming the file; no crash."""
    src = open(os.path.join(ROOT, "data", "samples", "castle.jpg"), "rb").read()
    path = os.path.join(tmp, "changing.jpg")
    open(path, "wb").write(src)
    stop = threading.Event()

    def churn():
        k = 0
        while not stop.is_set():
            with open(path, "r+b") as f:
                f.truncate([len(src), len(src) // 3, 0, 17][k % 4])
                if k % 4 == 0:
                    f.seek(0)
                    f.write(src)
            k += 1

    t = threading.Thread(target=churn)
    t.start()
    try:
        p = subprocess.run([RALI, "score", "--json", "--model", MODEL] + [path] * 60, capture_output=True,
                           timeout=600)
    finally:
        stop.set()
        t.join()
    rows = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()]
    ok = all(("score" in r) or ("changing.jpg" in r.get("error", "")) for r in rows)
    check(p.returncode in (0, 2) and len(rows) == 60 and ok,
          f"a file changing under the reader: 60 results, each a score or an error naming it "
          f"(exit {p.returncode}, {sum('score' in r for r in rows)} scored)")


def test_output_full(tmp):
    """Results that cannot be written (disk full: RLIMIT_FSIZE on the output
    file) stop the run with a message and exit 1, not a silent cut."""
    import signal

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    out_path = os.path.join(tmp, "out.jsonl")
    with open(out_path, "wb") as out:
        p = subprocess.run([RALI, "score", "--json", "--model", MODEL, os.path.join(ROOT, "data", "samples"),
                            os.path.join(ROOT, "tests", "fixtures", "images")], stdout=out, stderr=subprocess.PIPE,
                           preexec_fn=limited, timeout=600)
    err = p.stderr.decode()
    check(p.returncode == 1 and "cannot write the results" in err and "stopped after" in err,
          f"a full disk for the output: exit 1 and a message ({p.returncode}, {err.strip()[-120:]!r})")


def main():
    tmp = tempfile.mkdtemp()
    try:
        test_corpus(tmp)
        test_changing_file(tmp)
        test_output_full(tmp)
    finally:
        for dirpath, dirnames, _ in os.walk(tmp):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o700)
        shutil.rmtree(tmp)
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


main()
