#!/usr/bin/python3
"""Culling writes survive SIGKILL and a full disk (tests/test-crash-writer.c
does the app's writes: catalog commit, then XMP sidecar).

- kill: 100 times, the writer is started on the same catalog and photos and
  killed with SIGKILL after a random delay.  After each kill: PRAGMA
  integrity_check is ok, every decision the writer reported committed is in
  the catalog (or the one it was writing next, committed before it could
  say so), and every XMP sidecar is whole (parses, ends its packet).
- stale temporaries: the kills leave hidden temporary sidecars
  (.NAME.xmp.rali-tmp-XXXXXX); once they are over a minute old (their
  times are set back), a later normal writer removes every one of them,
  and nothing else: look-alike user files (other names, a fresh one, a
  link, a folder, a file with two links) are kept, and the photos and the
  sidecars are intact.
- disk full: the writer under RLIMIT_FSIZE (a file may not grow): each
  write fails with an error, and the catalog rows and sidecars stored
  before are unchanged.

    test-crash.py WRITER"""
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

WRITER = os.path.abspath(sys.argv[1])
PHOTOS = 20
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def decision_for(i):
    """(rating, flag, labels): test-crash-writer.c's decision_for"""
    return (i % 6, (i // 6) % 3 - 1, (i * 7) % 32)


def catalog_decisions(path):
    con = sqlite3.connect(path)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        cols = [r[1] for r in con.execute("PRAGMA table_info(decisions)")]
        rows = con.execute("SELECT * FROM decisions").fetchall()
    finally:
        con.close()
    out = {}
    for r in rows:
        d = dict(zip(cols, r))
        out[d["path"]] = (d["rating"], d["flag"], d["labels"])
    return ok, out


def sidecars_whole(folder):
    bad = []
    for n in os.listdir(folder):
        if not n.endswith(".xmp") or n.startswith("."):
            continue
        data = open(os.path.join(folder, n), "rb").read()
        try:
            ET.fromstring(data[data.index(b"<x:xmpmeta"):data.rindex(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")])
            whole = data.rstrip().endswith(b"<?xpacket end=\"w\"?>")
        except (ValueError, ET.ParseError):
            whole = False
        if not whole:
            bad.append(n)
    return bad


def photo(folder, i):
    return os.path.join(folder, f"photo-{i % PHOTOS:02d}.jpg")


# engine/library/sidecar.c's temporary sidecar names
TEMP = re.compile(r"\..+\.xmp\.rali-tmp-[A-Za-z0-9]{6}")


def temps(folder):
    return sorted(n for n in os.listdir(folder) if TEMP.fullmatch(n))


def make_photos(folder):
    """the originals (never written by culling): their bytes"""
    rng = random.Random(7)
    out = {}
    for i in range(PHOTOS):
        data = b"\xff\xd8\xff\xe0" + bytes(rng.randrange(256) for _ in range(512))
        with open(photo(folder, i), "wb") as f:
            f.write(data)
        out[photo(folder, i)] = data
    return out


def test_kill(tmp):
    folder = os.path.join(tmp, "photos")
    os.mkdir(folder)
    originals = make_photos(folder)
    catalog = os.path.join(tmp, "catalog.sqlite")
    rng = random.Random(20261206)
    reported = {}  # photo -> last index reported committed
    unreported = {}  # photo -> indices that may have been committed unreported
    first, kills, committed, bad_integrity, lost, torn, errors = 0, 0, 0, 0, [], set(), []
    for k in range(100):
        p = subprocess.Popen([WRITER, catalog, folder, str(first)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        line = p.stdout.readline()  # the writer is under way
        time.sleep(rng.uniform(0.0, 0.15))
        p.send_signal(signal.SIGKILL)
        out = p.stdout.read()  # through the same buffer as readline (communicate() would skip it)
        p.wait()
        kills += p.returncode == -signal.SIGKILL
        last = first - 1
        for l in (line + out).decode().splitlines():
            w = l.split()
            if w and w[0] == "committed":
                i = int(w[1])
                reported[photo(folder, i)] = i
                last = max(last, i)
                committed += 1
            elif w and w[0] == "error":
                # a write that failed (the catalog busy for longer than its
                # timeout, ...) may still have reached the catalog
                i = int(w[1])
                unreported.setdefault(photo(folder, i), set()).add(i)
                last = max(last, i)
                errors.append(l)
        # the decision after the last one reported may have been committed
        # before the kill; it is skipped by the next writer, so it stays
        # possible for its photo until a later one is reported there
        unreported.setdefault(photo(folder, last + 1), set()).add(last + 1)
        ok, rows = catalog_decisions(catalog)
        bad_integrity += ok != "ok"
        for path, i in reported.items():
            allowed = {decision_for(i)} | {decision_for(j) for j in unreported.get(path, ()) if j > i}
            if rows.get(path) not in allowed:
                lost.append((k, path, i, rows.get(path)))
        torn.update(sidecars_whole(folder))
        first = last + 2
    check(kills == 100, f"100 writers killed with SIGKILL ({kills})")
    check(committed > 200, f"{committed} decisions reported committed across the kills")
    check(not errors, f"no write reported an error ({len(errors)}: {errors[:2]})")
    check(bad_integrity == 0, f"PRAGMA integrity_check ok after every kill ({bad_integrity} not)")
    check(not lost, f"every reported decision is in the catalog after every kill ({lost[:3]})")
    check(not torn, f"every XMP sidecar is whole after every kill ({sorted(torn)[:3]})")
    hidden = [n for n in os.listdir(folder) if n.startswith(".")]
    stale = temps(folder)
    print(f"     ({len(stale)} hidden temporary sidecars left by kills mid-write; never read as sidecars)")
    check(sorted(hidden) == stale, f"every hidden file the kills left is a temporary sidecar "
          f"({sorted(set(hidden) - set(stale))[:3]})")
    test_stale_temps(tmp, folder, catalog, first, originals)
    return committed


def test_stale_temps(tmp, folder, catalog, first, originals):
    """A later normal writer removes the stale temporaries, and only them."""
    stale = temps(folder)
    old = time.time() - 120
    for n in stale:
        os.utime(os.path.join(folder, n), (old, old))
    # the user's files that look like temporaries, all but one as old
    outside = os.path.join(tmp, "user-file.txt")
    with open(outside, "wb") as f:
        f.write(b"a user's file")
    keep = {}
    for name, kind in ((".photo-00.jpg.xmp.backup", "file"),         # the old temporary pattern
                       (".photo-01.jpg.xmp.rali-tmp-ABC", "file"),   # too short
                       (".photo-02.jpg.xmp.rali-tmp-ABCDEF.keep", "file"),
                       ("photo-03.jpg.xmp.rali-tmp-ABCDEF", "file"),  # not hidden
                       (".photo-04.jpg.rali-tmp-ABCDEF", "file"),    # not a sidecar's
                       (".photo-05.jpg.xmp.rali-tmp-FRESH1", "fresh"),
                       (".photo-06.jpg.xmp.rali-tmp-LINK01", "symlink"),
                       (".photo-07.jpg.xmp.rali-tmp-DIR001", "dir"),
                       (".photo-08.jpg.xmp.rali-tmp-HARD01", "hardlink")):
        path = os.path.join(folder, name)
        if kind == "symlink":
            os.symlink(outside, path)
        elif kind == "dir":
            os.mkdir(path)
        elif kind == "hardlink":
            os.link(outside, path)
        else:
            with open(path, "wb") as f:
                f.write(b"user data " + name.encode())
        if kind != "fresh":
            os.utime(path, (old, old), follow_symlinks=False)
        keep[name] = kind
    p = subprocess.run([WRITER, catalog, folder, str(first), str(PHOTOS)], capture_output=True, timeout=120)
    check(p.returncode == 0 and p.stdout.decode().count("committed") == PHOTOS,
          f"a later writer writes all {PHOTOS} photos' decisions "
          f"({p.stdout.decode().count('committed')} committed, exit {p.returncode})")
    left = [n for n in temps(folder) if n not in keep]
    print(f"     (stale temporary sidecars: {len(stale)} before the later write, {len(left)} after)")
    check(len(stale) > 0, f"the kills left temporaries to clean ({len(stale)})")
    check(not left, f"no stale temporary sidecar is left after a later write ({left[:3]})")
    gone = [n for n in keep if not os.path.lexists(os.path.join(folder, n))]
    check(not gone, f"the user's look-alike files are all kept ({gone})")
    check(open(outside, "rb").read() == b"a user's file", "the file a kept link points at is intact")
    changed = [p for p, data in originals.items() if open(p, "rb").read() != data]
    check(not changed, f"the {len(originals)} photos are unchanged ({changed[:3]})")
    sidecars = [n for n in os.listdir(folder) if n.endswith(".xmp") and not n.startswith(".")]
    check(len(sidecars) == PHOTOS and not sidecars_whole(folder), f"the {PHOTOS} sidecars are whole ({len(sidecars)})")
    ok, rows = catalog_decisions(catalog)
    check(ok == "ok" and all(rows.get(photo(folder, i)) == decision_for(i)
                             for i in range(first, first + PHOTOS)),
          "the catalog holds the later writer's decisions, integrity_check ok")


def limited_fsize():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_disk_full(tmp):
    folder = os.path.join(tmp, "full")
    os.mkdir(folder)
    catalog = os.path.join(tmp, "full.sqlite")
    p = subprocess.run([WRITER, catalog, folder, "0", str(PHOTOS)], capture_output=True, timeout=120)
    check(p.returncode == 0 and p.stdout.decode().count("committed") == PHOTOS, "20 decisions written with room")
    _, before = catalog_decisions(catalog)
    sidecars = {n: open(os.path.join(folder, n), "rb").read() for n in os.listdir(folder) if n.endswith(".xmp")}
    p = subprocess.run([WRITER, catalog, folder, "1000", "5"], capture_output=True, timeout=120,
                       preexec_fn=limited_fsize)
    lines = p.stdout.decode().splitlines()
    check(p.returncode in (0, 1) and len(lines) in (0, 5) and all(l.startswith("error") for l in lines),
          f"with no room each write reports an error ({lines[:2]}, {p.stderr.decode()[:160]!r}, exit {p.returncode})")
    ok, after = catalog_decisions(catalog)
    check(ok == "ok" and after == before, "the catalog is intact and unchanged")
    now = {n: open(os.path.join(folder, n), "rb").read() for n in os.listdir(folder) if n.endswith(".xmp")}
    check(now == sidecars, "the sidecars are unchanged")


def main():
    tmp = tempfile.mkdtemp()
    try:
        test_kill(tmp)
        test_disk_full(tmp)
    finally:
        shutil.rmtree(tmp)
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


main()
