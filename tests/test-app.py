#!/usr/bin/python3
"""rali-studio under Xvfb, as rali-studio-test (the app with its test driver,
tests/app-driver/: JSON lines on stdout, commands on stdin; see
rali-test-driver.h there).

    test-app.py SCENARIO --app RALI_STUDIO --cli RALI --srcdir SRC --schemas DIR [--out DIR]

Scenarios: gallery, reopen, drop, broken, model-errors, culling, compare, bursts, bench.
Exit 77 (skip) when Xvfb is not installed."""


import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apptest import (IMAGE_EXT, SKIP, App, Context, Xvfb, by_name, catalog_rows, check, cli_scores,  # noqa: E402
                     exif_dated, exiv2_values, images_under, key, launch_and_finish, model_hash,
                     samples_folder, settle, sha256_file, split_probe)


def ralifmt_module(ctx):
    sys.path.insert(0, os.path.join(ctx.srcdir, "tools"))
    import ralifmt
    return ralifmt


# ---- scenarios ----

def scenario_gallery(ctx):
    shoot = ctx.shoot()
    files = images_under(shoot)
    app, fin = launch_and_finish(ctx, [shoot])
    check(not fin["cancelled"], "scoring ran to the end")
    check(fin["items"] == len(files), f"{len(files)} photos in the gallery (got {fin['items']})")
    check(fin["pending"] == 0 and fin["scored"] + fin["failed"] == len(files), "every photo scored or failed")
    check(fin["title"] == "shoot — Rali Studio", f"window title names the folder ({fin['title']!r})")
    check(fin["page"] == "gallery" and fin["banner"] is None, "gallery shown, no error banner")
    check(fin["provenance"] == "rule-based" and fin["model"] == "tiny-quickgelu", "model and provenance known")

    st = app.status(full=True)
    results = {r["path"]: r for r in st["results"]}
    ref = cli_scores(ctx, files)
    for path in files:
        r, c = results[path], ref[path]
        if "error" in c:
            check(r["state"] == 2, f"{os.path.basename(path)} is an error tile like in the CLI")
        else:
            check(r["state"] == 1 and abs(r["score"] - c["score"]) < 1e-6,
                  f"{os.path.basename(path)} scored {r['score']:.6f} as the CLI ({c['score']:.6f})")
            check(r["descriptors"][:5] == [d["text"] for d in c["descriptors"]],
                  f"{os.path.basename(path)} descriptors as the CLI")
    errors = {e["path"]: e["error"] for e in st["errors"]}
    check(all(e and not e.startswith("/") for e in errors.values()), "error tiles say the reason, not the path")

    rows = catalog_rows(ctx)
    mh = model_hash(ctx.model)
    for path in files:
        row = rows.get(path)
        check(row is not None and row[1] == mh, f"catalog row for {os.path.basename(path)} under the model's hash")
        stt = os.stat(path)
        check(row[2] == stt.st_size and row[3] == stt.st_mtime_ns // 1000, "keyed by size and mtime")
        if path in errors:
            check(row[7] == errors[path] and row[4] is None, "catalog keeps the error text")
        else:
            check(abs(row[4] - results[path]["score"]) < 1e-9 and row[6] == 4 * 48 and row[7] is None,
                  "catalog keeps score and a 48-float embedding")
            check(json.loads(row[5])[0]["text"] == results[path]["descriptors"][0], "catalog keeps descriptors")

    # sorting (incremental: it may still be going on), filtering, search
    def best_first(s):
        names = s["shown_names"]
        good = [n for n in names if os.path.join(shoot, n) not in errors]
        scores = [results[os.path.join(shoot, n)]["score"] for n in good]
        return (scores == sorted(scores, reverse=True) and len(names) == len(files)
                and all(os.path.join(shoot, n) in errors for n in names[len(good):]))
    st = app.poll(best_first, "sorted best score first")
    check(True, "sorted best score first, failed photos last")
    names = st["shown_names"]
    app.send("sort name")
    st2 = app.poll(lambda s: s["shown_names"] != names, "sorting by name applies")
    check(st2["shown_names"][:3] == ["badcrc.png", "cmyk.jpg", "corrupt.jpg"], "sorted by name")
    app.send("search crisp")
    st3 = app.poll(lambda s: s["shown"] < len(files), "the search filters")
    for n in st3["shown_names"]:
        r = results[os.path.join(shoot, n)]
        check(any("crisp" in d for d in r["descriptors"][:5]) or "crisp" in n, f"{n} matches 'crisp'")
    app.send("search ")
    app.send("range 0.3 1")
    st4 = app.poll(lambda s: s["shown"] < len(files) and s["shown"] > 0, "the score range filters")
    check(all(results[os.path.join(shoot, n)]["score"] >= 0.3 for n in st4["shown_names"]),
          "only scores >= 0.3 shown")
    app.send("range 0 1")
    app.send("sort score")
    app.poll(lambda s: s["shown"] == len(files) and s["shown_names"] == names, "filters reset")

    app.send(f"screenshot {ctx.out}/screenshot-gallery.png")
    shot = app.wait("screenshot")
    check(shot["ok"] and os.path.getsize(shot["path"]) > 10000, f"gallery screenshot written ({shot['why']})")

    # detail view and its keys (the same actions the key bindings run)
    app.send("detail 0")
    # the zoom to fit is known once the view has its size
    d = app.poll(lambda s: s["detail"] and s["detail"]["loaded"] and s["detail"]["laid_out"],
                 "the detail view loads and fits the photo")
    check(d["page"] == "detail" and d["detail"]["name"] == names[0], "detail shows the first photo")
    z0 = d["detail"]["zoom"]
    app.send("action detail.zoom-in")
    d = app.status()
    check(d["detail"]["zoom"] > z0 * 1.2, f"+ zooms in ({z0:.3f} -> {d['detail']['zoom']:.3f})")
    app.send("action detail.zoom-actual")
    check(abs(app.status()["detail"]["zoom"] - 1) < 1e-9, "1 zooms to 100%")
    app.send("action detail.zoom-out")
    check(app.status()["detail"]["zoom"] < 1, "- zooms out")
    app.send("action detail.zoom-fit")
    app.send("action detail.next")
    d = app.poll(lambda s: s["detail"]["name"] == names[1] and s["detail"]["loaded"], "Right shows the next photo")
    app.send(f"screenshot {ctx.out}/screenshot-detail.png")
    shot = app.wait("screenshot")
    check(shot["ok"], f"detail screenshot written ({shot['why']})")
    app.send("action detail.previous")
    app.poll(lambda s: s["detail"]["name"] == names[0], "Left shows the previous photo")
    app.send("action detail.close")
    app.poll(lambda s: s["page"] == "gallery" and s["detail"] is None, "Escape goes back to the gallery")
    app.quit()


def scenario_reopen(ctx):
    shoot = ctx.shoot()
    files = images_under(shoot)
    app, fin = launch_and_finish(ctx, [shoot])
    check(fin["rescored"] == len(files) and fin["cached"] == 0, f"first open scores all {len(files)}")
    app.quit()

    app, fin = launch_and_finish(ctx, [shoot])
    check(fin["rescored"] == 0 and fin["cached"] == len(files),
          f"reopen: nothing rescored (rescored {fin['rescored']}, cached {fin['cached']})")
    check(fin["scored"] + fin["failed"] == len(files) and fin["pending"] == 0, "reopen shows every result")
    app.quit()

    # stored descriptors are a cache of the head: a row written under another
    # selection (an older version listed near-copies) shows the current one
    stale = next(f for f in files if catalog_rows(ctx)[f][5])
    db = sqlite3.connect(ctx.catalog)
    db.execute("UPDATE files SET descriptors = ? WHERE path = ?", (json.dumps(
        [{"index": 0, "text": "stale descriptor", "similarity": 0.5, "score": 0.5, "weight": 0.1}]), stale))
    db.commit()
    db.close()
    app, fin = launch_and_finish(ctx, [shoot])
    got = {r["path"]: r for r in app.status(full=True)["results"]}[stale]["descriptors"][:5]
    want = [d["text"] for d in cli_scores(ctx, [stale])[stale]["descriptors"]]
    check(fin["cached"] == len(files) and got == want,
          f"a cached row's descriptors come from the head again, as the CLI lists them ({got[:1]})")
    app.quit()

    touched = os.path.join(shoot, "large.jpg")
    st = os.stat(touched)
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    app, fin = launch_and_finish(ctx, [shoot])
    check(fin["rescored"] == 1 and fin["cached"] == len(files) - 1,
          f"touch one file: exactly it is rescored (rescored {fin['rescored']})")
    app.quit()
    row = catalog_rows(ctx)[touched]
    check(row[3] == os.stat(touched).st_mtime_ns // 1000, "its catalog row has the new mtime")

    # the same folder opened twice in one session (the open button's path)
    app, fin = launch_and_finish(ctx, [shoot])
    app.send("open " + json.dumps([shoot]))
    fin2 = app.wait("finished")
    check(fin2["rescored"] == 0 and fin2["items"] == len(files), "reopening in the running app is instant")
    app.quit()


def scenario_drop(ctx):
    shoot = ctx.shoot()
    sub = os.path.join(ctx.tmp, "more")
    os.makedirs(sub)
    for n in ("rgb.jpg", "palette.png"):
        shutil.copy(os.path.join(shoot, n), os.path.join(sub, n))
    dropped = [os.path.join(shoot, "large.jpg"), os.path.join(shoot, "corrupt.jpg"), sub]
    app = App(ctx, ["--model", ctx.model])
    ready = app.wait("ready")
    check(ready["page"] == "empty" and ready["items"] == 0, "starts empty without arguments")
    app.send("drop " + json.dumps(dropped))
    check(app.wait("dropped")["handled"], "the drop target accepted the file list")
    fin = app.wait("finished")
    check(fin["items"] == 4, f"dropped 2 files + a folder of 2 -> 4 photos (got {fin['items']})")
    check(fin["scored"] == 3 and fin["failed"] == 1, "3 scored, the corrupt one an error tile")
    check(fin["title"] == "4 Photos — Rali Studio", f"title counts the photos ({fin['title']!r})")
    app.quit()


def tile_overlays(app, pred, timeout=10):
    """{name: "error,burst,decision" or ""} of the tiles bound to a photo
    (the driver's gallery status), once pred holds or at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        app.send("gallery status")
        o = app.wait("gallery")["overlays"]
        if pred(o) or time.monotonic() > deadline:
            return o
        time.sleep(0.1)


def scenario_broken(ctx):
    d = os.path.join(ctx.tmp, "with-broken")
    os.makedirs(d)
    src = os.path.join(ctx.srcdir, "tests", "fixtures", "images")
    for n in ("rgb.jpg", "large.jpg", "grey.jpg"):
        shutil.copy(os.path.join(src, n), os.path.join(d, n))
    with open(os.path.join(src, "large.jpg"), "rb") as f:
        data = f.read()
    with open(os.path.join(d, "broken.jpg"), "wb") as f:  # header fine, data cut
        f.write(data[: len(data) // 3])
    app, fin = launch_and_finish(ctx, [d])
    check(fin["items"] == 4 and fin["scored"] == 3, "3 good photos scored")
    check(fin["failed"] == 1 and len(fin["errors"]) == 1, "exactly one error tile")
    e = fin["errors"][0]
    check(e["path"].endswith("broken.jpg") and e["error"], f"it is broken.jpg: {e['error']}")
    # the error box is built when a tile first needs it and must go when the
    # grid binds that tile to another photo: sorting moves the tiles, and
    # scrolling (below) recycles them
    want = {"rgb.jpg": "", "large.jpg": "", "grey.jpg": "", "broken.jpg": "error"}
    for order in ("name", "score", "name"):
        app.send(f"sort {order}")
        got = tile_overlays(app, lambda o: o == want)
        check(got == want, f"sorted by {order}: only broken.jpg's tile shows the error box ({got})")
    app.quit()
    # scrolling recycles tiles: one that showed a broken file's error box is
    # bound to a good photo, and the box must go
    d = os.path.join(ctx.tmp, "many-with-broken")
    os.makedirs(d)
    broken = {"p003.jpg", "p121.jpg"}
    for i in range(200):
        name = f"p{i:03d}.jpg"
        if name in broken:
            shutil.copy(os.path.join(ctx.tmp, "with-broken", "broken.jpg"), os.path.join(d, name))
        else:
            shutil.copy(os.path.join(src, "rgb.jpg"), os.path.join(d, name))
    app, fin = launch_and_finish(ctx, [d])
    check(fin["items"] == 200 and fin["failed"] == 2, f"200 tiles, 2 of them errors ({fin['failed']})")
    app.send("sort name")
    seen = set()
    app.send("browse on")
    deadline = time.monotonic() + 60  # the scroll wraps at the end; slow builds take longer
    while time.monotonic() < deadline:
        o = tile_overlays(app, lambda o: True)
        seen |= set(o)
        wrong = {n: v for n, v in o.items() if (v == "error") != (n in broken)}
        if wrong or (len(seen) == 200 and time.monotonic() > deadline - 55):
            break
        time.sleep(0.2)
    app.send("browse off")
    check(not wrong, f"while the gallery scrolls, only the broken files' tiles show the error box ({wrong})")
    check(len(seen) > 150 and broken <= seen, f"the scroll bound {len(seen)} of the 200 photos to tiles, both broken ones among them")
    app.quit()


def scenario_hostile(ctx):
    """The app over the hostile-file corpus of test-hostile.py: an error tile
    for each bad file, a score for each good one, and it keeps running."""
    sys.path.insert(0, os.path.join(ctx.srcdir, "tests"))
    import hostile
    d = os.path.join(ctx.tmp, "hostile")
    os.makedirs(d)
    expect = hostile.make_corpus(d, ctx.srcdir)
    app, fin = launch_and_finish(ctx, [d], 300)
    bad = {k for k, e in expect.items() if e[0] == "error"}
    good = {k for k, e in expect.items() if e[0] == "score"}
    either = len(expect) - len(bad) - len(good)
    check(fin["items"] == len(expect), f"a tile per file: {fin['items']} of {len(expect)}")
    check(len(good) <= fin["scored"] <= len(good) + either and len(bad) <= fin["failed"] <= len(bad) + either,
          f"{fin['scored']} scored (want {len(good)}+), {fin['failed']} error tiles (want {len(bad)}+)")
    # a tile is its file: it shows the reason without the path
    bad_tiles = [e["path"] for e in fin["errors"] if not e["error"] or os.fsencode(os.path.basename(e["path"])) not in bad]
    check(not bad_tiles, f"each error tile is a bad file and says why ({bad_tiles[:3]})")
    app.send(f"screenshot {ctx.out}/hostile.png")
    shot = app.wait("screenshot", 30)
    check(shot["ok"], f"the app still answers and draws after the corpus ({shot['why']})")
    app.quit()


def scenario_two_instances(ctx):
    """Two app instances (as two sessions, or a second one started without a
    session bus) scoring and culling on one catalog at once: both finish,
    SQLite stays whole, every photo has its row and every decision is kept."""
    d = os.path.join(ctx.tmp, "shared")
    os.makedirs(d)
    src = os.path.join(ctx.srcdir, "tests", "fixtures", "images", "large.jpg")
    n = 60
    for i in range(n):
        shutil.copy(src, os.path.join(d, f"P{i:03d}.jpg"))
    a = App(ctx, ["--model", ctx.model, d])
    b = App(ctx, ["--model", ctx.model, d])
    fa, fb = a.wait("finished", 300), b.wait("finished", 300)
    check(fa["scored"] == n and fb["scored"] == n, f"both instances score all {n} photos ({fa['scored']}, {fb['scored']})")
    for app, key in ((a, "p"), (b, "x")):
        app.send("detail 0")
        app.send(f"key {key}")
    for app in (a, b):
        app.send("status")
        app.wait("status", 30)
    a.quit()
    b.quit()
    db = sqlite3.connect(ctx.catalog)
    ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    files = db.execute("SELECT count(DISTINCT path) FROM files").fetchone()[0]
    decisions = db.execute("SELECT flag FROM decisions").fetchall()
    db.close()
    check(ok == "ok", f"integrity_check after two writers: {ok}")
    check(files == n, f"one row per photo: {files} of {n}")
    check(len(decisions) == 1 and decisions[0][0] in (1, -1),
          f"the photo culled from both has one decision, the last one written ({decisions})")


def scenario_disk_full(ctx):
    """Culling with no room left: the app's file-size limit is lowered to
    nothing while it runs (prlimit; the test build ignores SIGXFSZ, as a
    full disk gives an error, not a signal), then a photo is rejected.  The app says the
    decision could not be saved, keeps running, and loses nothing stored
    before: the first decision stays in the catalog and its sidecar."""
    if not shutil.which("prlimit"):
        print("prlimit missing: skipping")
        return
    d = os.path.join(ctx.tmp, "full")
    os.makedirs(d)
    src = os.path.join(ctx.srcdir, "tests", "fixtures", "images")
    for n in ("rgb.jpg", "large.jpg", "grey.jpg"):
        shutil.copy(os.path.join(src, n), os.path.join(d, n))
    app, fin = launch_and_finish(ctx, [d])
    check(fin["scored"] == 3, "3 photos scored")
    # the gallery may still be filling its view when scoring finishes: ask for
    # the detail view until it shows a photo (a "detail 0" sent too early is dropped)
    shown = None
    for _ in range(40):
        app.send("detail 0")
        shown = (app.status() or {}).get("detail")
        if shown:
            break
        time.sleep(0.25)
    check(bool(shown), "the detail view opens on the first photo")
    app.send("key p")
    app.send("status")
    app.wait("status", 30)
    time.sleep(1)
    first = os.path.join(d, app.status()["detail"]["name"])
    sidecar = first + ".xmp"
    check(os.path.exists(sidecar), f"the first decision is written with room ({os.path.basename(sidecar)})")
    before = open(sidecar, "rb").read() if os.path.exists(sidecar) else b""
    # the app itself, under dbus-run-session
    pids = subprocess.run(["pgrep", "-f", "-P", str(app.proc.pid), "rali-studio"], capture_output=True,
                          text=True).stdout.split() or [str(app.proc.pid)]
    for pid in pids:
        subprocess.run(["prlimit", "--pid", pid, "--fsize=0:unlimited"], check=True)
    app.send("action detail.next")
    app.send("key x")
    msg = app.wait("message", 30)
    check(msg is not None and "could not" in msg["text"], f"the app says so: {msg and msg['text']!r}")
    app.send("status")
    check(app.wait("status", 30) is not None, "the app keeps running")
    app.quit()
    db = sqlite3.connect(ctx.catalog)
    ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    rows = dict(db.execute("SELECT path, flag FROM decisions").fetchall())
    db.close()
    check(ok == "ok" and rows.get(first) == 1, f"the catalog is whole and keeps the first decision ({rows})")
    check(open(sidecar, "rb").read() == before, "its sidecar is unchanged")


def scenario_cancel(ctx):
    d = os.path.join(ctx.tmp, "many")
    os.makedirs(d)
    src = os.path.join(ctx.srcdir, "tests", "fixtures", "images", "large.jpg")
    n = 1500
    for i in range(n):
        shutil.copy(src, os.path.join(d, f"P{i:04d}.jpg"))
    app = App(ctx, ["--model", ctx.model, d])
    app.wait("first-score", 120)
    app.send("action win.cancel")
    fin = app.wait("finished", 120)
    check(fin["cancelled"], "Cancel stops scoring")
    check(0 < fin["scored"] < n and fin["pending"] == n - fin["scored"],
          f"{fin['scored']} scored before the cancel, the rest left pending")
    scored = fin["scored"]
    app.quit()
    rows = catalog_rows(ctx)
    check(len(rows) == scored, f"the catalog holds exactly the {scored} results that arrived")
    app, fin = launch_and_finish(ctx, [d], 300)
    check(fin["cached"] == scored and fin["rescored"] == n - scored and not fin["cancelled"],
          "reopening scores only what the cancel left")
    app.quit()


def scenario_model_errors(ctx):
    shoot = ctx.shoot(with_samples=False)
    app = App(ctx, ["--model", os.path.join(ctx.tmp, "missing.rali"), shoot])
    fin = app.wait("finished")
    check(fin["banner"] and "could not be loaded" in fin["banner"], f"bad --model: banner ({fin['banner']!r})")
    check(fin["pending"] == fin["items"] > 0, "photos shown unscored")
    app.quit()

    default = os.path.join(ctx.srcdir, "data", "models", "rali-default.rali")
    env = {"RALI_MODEL": ""}
    app = App(ctx, [shoot], env)
    if os.path.exists(default):
        fin = app.wait("finished")
        check(fin["banner"] is None and fin["model"], "the default model is used when installed")
    else:
        st = app.wait("opened")
        st = app.poll(lambda s: s["banner"] is not None, "the no-model banner shows")
        check("No scoring model is installed" in st["banner"] and "--model" in st["banner"],
              "no default model: the banner says so and how to pass one")
        check(st["pending"] == st["items"] > 0, "photos shown unscored")
    app.quit()


# ---- culling (app/culling/rali-culling.c, engine/library/sidecar.c) ----

DARKTABLE_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:darktable="http://darktable.sf.net/"
   xmp:Rating="2" darktable:history_end="1">
   <dc:subject><rdf:Bag><rdf:li>castle</rdf:li><rdf:li>travel</rdf:li></rdf:Bag></dc:subject>
   <darktable:history><rdf:Seq>
    <rdf:li darktable:operation="exposure" darktable:enabled="1" darktable:params="00000000cdcc4c3d"/>
   </rdf:Seq></darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""

ADOBE_SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4" xmp:Label="Blue"/>
 </rdf:RDF>
</x:xmpmeta>
"""


def scenario_culling(ctx):
    if not shutil.which("exiv2"):
        print("exiv2 not installed: the sidecars are checked with gexiv2 only")
    d = samples_folder(ctx, "cull")
    names = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXT))
    check(len(names) >= 6, f"{len(names)} sample photos")
    with open(os.path.join(d, "castle.jpg.xmp"), "w") as f:
        f.write(DARKTABLE_SIDECAR)
    with open(os.path.join(d, "fig-bowl.xmp"), "w") as f:  # Adobe style
        f.write(ADOBE_SIDECAR)
    hashes = {n: sha256_file(os.path.join(d, n)) for n in names}

    app, fin = launch_and_finish(ctx, [d])
    app.send("sort name")
    app.poll(lambda s: s["shown_names"] == names, "sorted by name")
    st = settle(app, "decisions loaded")
    r = by_name(app.status(full=True))
    check(r["castle.jpg"]["rating"] == 2, "a darktable sidecar's rating is read on import")
    check(r["fig-bowl.jpg"]["rating"] == 4 and r["fig-bowl.jpg"]["labels"] == 8,
          "an Adobe-style photo.xmp is read too: 4 stars, blue")
    check(all(r[n]["rating"] == 0 and r[n]["flag"] == 0 for n in names if n not in ("castle.jpg", "fig-bowl.jpg")),
          "photos without a sidecar start undecided")

    def sidecar(n):
        return exiv2_values(os.path.join(d, n + ".xmp"))

    others = [n for n in names if n not in ("castle.jpg", "fig-bowl.jpg")]
    a, b, c, e, f5 = others[:5]
    pos = {n: i for i, n in enumerate(names)}
    app.send(f"select {pos[a]}")
    check(key(app, "p"), "P is handled in the gallery")
    key(app, "4")
    key(app, "6")
    key(app, "8")
    settle(app)
    v = sidecar(a)
    check(v.get("Xmp.digiKam.PickLabel") == "3" and v.get("Xmp.xmp.Rating") == "4",
          f"{a}: P, 4 -> picked, 4 stars in {a}.xmp")
    check(v.get("Xmp.xmp.Label") == "Red" and v.get("Xmp.digiKam.ColorLabel") == "1", "6 -> red (xmp:Label, digiKam 1)")
    check(v.get("Xmp.darktable.colorlabels") == "0, 2", f"6 and 8 -> darktable labels 0, 2 ({v.get('Xmp.darktable.colorlabels')})")

    app.send(f"select {pos[b]}")
    key(app, "x")
    settle(app)
    v = sidecar(b)
    check(v.get("Xmp.xmp.Rating") == "-1" and v.get("Xmp.digiKam.PickLabel") == "1", f"{b}: X -> rejected (Rating -1, PickLabel 1)")

    # two photos at once, one undo step
    app.send(f"select {pos[c]} {pos[e]}")
    key(app, "3")
    settle(app)
    check(sidecar(c).get("Xmp.xmp.Rating") == "3" and sidecar(e).get("Xmp.xmp.Rating") == "3", "3 on two selected photos")
    undo_before = app.status()["culling"]["undo"]
    check(key(app, "z", "ctrl"), "Ctrl+Z is handled")
    st = settle(app)
    check(st["culling"]["undo"] == undo_before - 1, "one undo step")
    r = by_name(app.status(full=True))
    check(r[c]["rating"] == 0 and r[e]["rating"] == 0, "undo restores both photos")
    check(sidecar(c).get("Xmp.xmp.Rating") == "0" and sidecar(e).get("Xmp.xmp.Rating") == "0",
          "undo rewrites their sidecars (Rating 0)")
    key(app, "z", "ctrl")  # undoes the reject of b
    settle(app)
    check(by_name(app.status(full=True))[b]["flag"] == 0 and sidecar(b).get("Xmp.digiKam.PickLabel") == "0",
          "a second undo takes the reject back")
    app.send(f"select {pos[b]}")
    key(app, "x")
    app.send(f"select {pos[f5]}")  # stars, then rejected: the XMP says -1, the catalog keeps the stars
    key(app, "3")
    key(app, "x")

    # the existing darktable sidecar is merged
    app.send(f"select {pos['castle.jpg']}")
    key(app, "5")
    key(app, "p")
    settle(app)
    v = sidecar("castle.jpg")
    check(v.get("Xmp.xmp.Rating") == "5" and v.get("Xmp.digiKam.PickLabel") == "3", "castle.jpg: 5 stars, picked")
    check(v.get("Xmp.dc.subject") == "castle, travel", f"its keywords are kept ({v.get('Xmp.dc.subject')})")
    check(v.get("Xmp.darktable.history[1]/darktable:operation") == "exposure", "its darktable history is kept")

    # keys in the detail view act on the photo shown
    app.send(f"detail {pos['fig-bowl.jpg']}")
    app.poll(lambda s: s["page"] == "detail", "detail view")
    check(key(app, "u") and key(app, "2") and key(app, "7"), "culling keys work in the detail view")
    settle(app)
    n4 = "fig-bowl.jpg"
    st = app.status(full=True)
    check(st["detail"]["name"] == n4, "the detail view shows " + n4)
    v = sidecar(n4)
    check(by_name(st)[n4]["rating"] == 2 and v.get("Xmp.darktable.colorlabels") == "1, 3",
          f"{n4}: 2 stars, yellow added to its blue from the detail view ({v.get('Xmp.darktable.colorlabels')})")
    check(v.get("Xmp.xmp.Label") == "Yellow", "xmp:Label holds one: the first (yellow)")
    app.send("action detail.close")
    app.poll(lambda s: s["page"] == "gallery", "back to the gallery")

    # the decision filter
    app.send("decision-filter 1")
    st = app.poll(lambda s: s["shown"] == 2, "filter: picked")
    check(sorted(st["shown_names"]) == sorted([a, "castle.jpg"]), f"picked: {st['shown_names']}")
    app.send("decision-filter 2")
    st = app.poll(lambda s: s["shown"] == 2, "filter: rejected")
    check(sorted(st["shown_names"]) == sorted([b, f5]), "rejected: " + ", ".join(st["shown_names"]))
    app.send("decision-filter 6")  # 3 stars or more
    st = app.poll(lambda s: sorted(s["shown_names"]) == sorted([a, "castle.jpg"]), "filter: 3+ stars")
    check(True, "3 stars or more (not rejected ones): " + ", ".join(st["shown_names"]))
    app.send("decision-filter 3")
    st = app.poll(lambda s: s["shown"] == len(names) - 4, "filter: unflagged")
    app.send("decision-filter 0")
    app.poll(lambda s: s["shown"] == len(names), "filter off")

    app.send(f"select {pos[b]}")  # the rejected one, dimmed, for the picture
    app.send(f"screenshot {ctx.out}/screenshot-culling.png")
    shot = app.wait("screenshot")
    check(shot["ok"], f"culling screenshot written ({shot['why']})")
    app.quit()

    # reopen: decisions come back (catalog + sidecars), stars of the rejected
    # photo too (the XMP says -1, the catalog remembers)
    app, fin = launch_and_finish(ctx, [d])
    settle(app, "decisions loaded again")
    r = by_name(app.status(full=True))
    check(r[a]["flag"] == 1 and r[a]["rating"] == 4 and r[a]["labels"] == 5, f"{a} reopened: picked, 4 stars, red+green")
    check(r[b]["flag"] == -1, f"{b} reopened: rejected")
    check(r[f5]["flag"] == -1 and r[f5]["rating"] == 3,
          f"{f5} reopened: rejected, its 3 stars remembered by the catalog")
    check(r["castle.jpg"]["rating"] == 5, "castle.jpg reopened: 5 stars")
    app.quit()

    # a sidecar changed by another tool wins over the catalog
    with open(os.path.join(d, a + ".xmp"), "w") as f:
        f.write(ADOBE_SIDECAR)
    app, fin = launch_and_finish(ctx, [d])
    settle(app, "decisions loaded a third time")
    r = by_name(app.status(full=True))
    check(r[a]["rating"] == 4 and r[a]["flag"] == 0 and r[a]["labels"] == 8, f"{a}: the edited sidecar wins")
    app.quit()

    db = sqlite3.connect(ctx.catalog)
    rows = dict((os.path.basename(p), (rt, fl)) for p, rt, fl in db.execute("SELECT path, rating, flag FROM decisions"))
    db.close()
    check(rows.get(b) == (0, -1) and rows.get("castle.jpg") == (5, 1), f"the catalog's decisions table ({len(rows)} rows)")
    check(all(sha256_file(os.path.join(d, n)) == h for n, h in hashes.items()), "no photo's bytes changed (SHA-256)")
    left = sorted(f for f in os.listdir(d) if f.startswith("."))
    check(not left, f"no temporary files left ({left})")


def scenario_readme(ctx):
    """What the README's run command shows: the sample photos with the
    default model (not the test fixture), scores and descriptors visible.
    Takes the gallery, detail and compare screenshots for docs/ with --out."""
    model = os.path.join(ctx.srcdir, "data", "models", "rali-default.rali")
    check(os.path.exists(model), "the default model is in data/models")
    ctx.model = model
    d = samples_folder(ctx, "samples")
    names = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXT))
    env = None
    if ctx.out:  # the screenshots at 1600 x 1000, on a screen that fits the window
        ctx.xvfb.close()
        ctx.xvfb = Xvfb("1920x1200x24")
        ctx.env["DISPLAY"] = ctx.xvfb.display
        conf = os.path.join(ctx.env["XDG_CONFIG_HOME"], "glib-2.0", "settings")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "keyfile"), "w") as f:
            f.write("[org/ralistudio/RaliStudio]\nwindow-width=1610\nwindow-height=1010\n")
        env = {"GSETTINGS_BACKEND": "keyfile"}
    app, fin = launch_and_finish(ctx, ["--model", model, d], 300, env)
    check(fin["scored"] == len(names) and fin["failed"] == 0, f"all {len(names)} sample photos scored")
    check(fin["provenance"] == "rule-based", "the default model's descriptors are said to be rule-based")
    res = app.status(full=True)["results"]
    cli = cli_scores(ctx, [os.path.join(d, n) for n in names])
    for r in res:
        n = os.path.basename(r["path"])
        check(abs(r["score"] - cli[r["path"]]["score"]) < 1e-4, f"{n}: {r['score']:.3f} as rali score gives")
        # the app keeps the distinct descriptors rali score lists (how many
        # there are depends on the model: v5.3's banded head lists 3-5)
        want = [x["text"] for x in cli[r["path"]]["descriptors"]]
        check(r["descriptors"][:len(want)] == want and all(r["descriptors"]),
              f"{n}: descriptors kept ({len(r['descriptors'])} in the app, {len(want)} from rali score)")
    app.send("sort score")
    time.sleep(4.5)  # the "10 scored" toast goes after 4 s: not over the screenshots
    if ctx.out:
        app.send(f"screenshot {ctx.out}/screenshot-gallery.png")
        check(app.wait("screenshot")["ok"], "gallery screenshot written")
    app.send("detail 0")
    d0 = app.poll(lambda s: s["detail"] and s["detail"]["loaded"] and s["detail"]["laid_out"], "detail loads")
    check(d0["page"] == "detail", "Enter's action opens the detail view")
    if ctx.out:
        app.send(f"screenshot {ctx.out}/screenshot-detail.png")
        check(app.wait("screenshot")["ok"], "detail screenshot written")
    app.send("action win.back")
    app.send("select 0 1")
    check(key(app, "c"), "C compares the two best")
    app.poll(lambda s: s["page"] == "compare" and not s["compare"]["busy"] and "score" in s["compare"]["right"],
             "both photos in the compare view")
    if ctx.out:
        app.send(f"screenshot {ctx.out}/screenshot-compare.png")
        check(app.wait("screenshot")["ok"], "compare screenshot written")
    app.quit()


def scenario_compare(ctx):
    # the model with its prototypes in 6 kinds (one-hot member compositions),
    # so that the separating descriptors' distinctness can be checked
    rf = ralifmt_module(ctx)
    groups = [i % 6 for i in range(rf.load_rali(ctx.model)[1]["prototypes"])]
    composed = os.path.join(ctx.tmp, "composition.rali")
    rf.with_composition(ctx.model, composed, *rf.one_hot_composition(groups))
    ctx.model = composed
    d = samples_folder(ctx, "pairs")
    names = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXT))
    outside = os.path.join(ctx.tmp, "elsewhere")
    os.makedirs(outside)
    stranger = os.path.join(outside, "stranger.jpg")
    shutil.copy(os.path.join(ctx.srcdir, "tests", "fixtures", "images", "large.jpg"), stranger)
    app, fin = launch_and_finish(ctx, [d])
    app.send("sort name")
    app.poll(lambda s: s["shown_names"] == names, "sorted by name")
    results = {os.path.basename(r["path"]): r for r in app.status(full=True)["results"]}

    app.send("select 2 6")
    check(key(app, "c"), "C is handled with two photos selected")
    st = app.poll(lambda s: s["page"] == "compare" and not s["compare"]["busy"]
                  and "score" in s["compare"]["left"] and "score" in s["compare"]["right"], "both photos scored")
    cmp = st["compare"]
    left, right = os.path.basename(cmp["left"]["path"]), os.path.basename(cmp["right"]["path"])
    check([left, right] == [names[2], names[6]], f"the two selected photos, in order ({left}, {right})")
    for side, n in (("left", left), ("right", right)):
        check(abs(cmp[side]["score"] - results[n]["score"]) < 1e-5 and cmp[side]["from_catalog"],
              f"{side}: {cmp[side]['score']:.5f} = the gallery's score, from the catalog's |f|·e (no rerun)")
    diff = cmp["left"]["score"] - cmp["right"]["score"]
    check(("better by %.3f" % abs(diff)) in cmp["difference"] or "Both score" in cmp["difference"],
          f"the difference is shown: {cmp['difference']!r}")
    sep = cmp["separating"]
    gaps = [abs(r["left"] - r["right"]) for r in sep]
    check(len(sep) == 6 and gaps == sorted(gaps, reverse=True) and all(-1 <= r["left"] <= 1 for r in sep),
          "6 descriptors ranked by the difference of their similarities")
    check(all(r["text"] for r in sep), "each with its text: " + sep[0]["text"])
    kinds = [groups[r["index"]] for r in sep]
    check(sorted(kinds) == list(range(6)),
          f"distinct, as in the detail view: one prototype of each of the 6 kinds of the composition ({kinds})")
    app.send(f"screenshot {ctx.out}/screenshot-compare.png")
    shot = app.wait("screenshot")
    check(shot["ok"], f"compare screenshot written ({shot['why']})")

    app.send("action compare.swap")
    st = app.status()
    check(os.path.basename(st["compare"]["left"]["path"]) == right
          and abs(st["compare"]["left"]["score"] - cmp["right"]["score"]) < 1e-9, "Swap exchanges the photos")
    app.send("action compare.swap")

    # a file from outside the gallery, dropped on the right slot: scored on the fly
    app.send("compare-drop 1 " + stranger)
    check(app.wait("dropped")["handled"], "the right slot accepts a dropped file")
    st = app.poll(lambda s: not s["compare"]["busy"] and s["compare"]["right"]["path"] == stranger
                  and "score" in s["compare"]["right"], "the dropped photo is scored")
    ref = cli_scores(ctx, [stranger])[stranger]
    r = st["compare"]["right"]
    check(not r["from_catalog"] and abs(r["score"] - ref["score"]) < 1e-5,
          f"scored by the engine on the fly: {r['score']:.5f} as the CLI ({ref['score']:.5f})")

    # 1: the left photo wins (picked); the other is not rejected by default
    app.send("action compare.winner 0")
    settle(app)
    v = exiv2_values(os.path.join(d, left + ".xmp"))
    check(v.get("Xmp.digiKam.PickLabel") == "3", f"{left} picked by 1 in the compare view")
    check(not os.path.exists(stranger + ".xmp"), "the other photo is left as it was")
    check(key(app, "z", "ctrl"), "Ctrl+Z undoes the pick")
    settle(app)
    check(exiv2_values(os.path.join(d, left + ".xmp")).get("Xmp.digiKam.PickLabel") == "0", "the pick is undone")
    app.send("action compare.close")
    app.poll(lambda s: s["page"] == "gallery", "Escape goes back to the gallery")

    # one selected photo: C compares it with the next one
    app.send("select 4")
    key(app, "c")
    st = app.poll(lambda s: s["page"] == "compare" and s["compare"]["right"]["path"]
                  and os.path.basename(s["compare"]["right"]["path"]) == names[5], "C with one photo: it and the next")
    app.quit()


def scenario_bursts(ctx):
    from PIL import Image, ImageEnhance
    d = samples_folder(ctx, "bursts")
    src = Image.open(os.path.join(d, "castle.jpg")).convert("RGB")
    # the samples have no EXIF dates: the castles get them, 0, 1, 2 s apart
    # (a burst) and one 500 s later; a plain copy of the castle and of the
    # fig bowl stay undated
    shutil.copy(os.path.join(d, "castle.jpg"), os.path.join(d, "castle-copy.jpg"))
    shutil.copy(os.path.join(d, "fig-bowl.jpg"), os.path.join(d, "fig-bowl-copy.jpg"))
    t0 = 1_700_000_000
    exif_dated(src, os.path.join(d, "castle.jpg"), t0, quality=95)
    exif_dated(src, os.path.join(d, "castle-2.jpg"), t0 + 1, quality=85)
    exif_dated(ImageEnhance.Brightness(src).enhance(0.97), os.path.join(d, "castle-3.jpg"), t0 + 2, quality=90)
    exif_dated(src, os.path.join(d, "castle-4.jpg"), t0 + 500, quality=88)
    names = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXT))
    # one mtime for every file, as after copying a folder: grouping by mtime
    # would put the copies in bursts with everything that looks like them
    for n in names:
        os.utime(os.path.join(d, n), (t0, t0))
    app, fin = launch_and_finish(ctx, [d])
    st = app.poll(lambda s: not s["culling"]["bursts_running"] and s["culling"]["bursts"] > 0, "bursts found")
    check(st["culling"]["bursts"] == 1, f"one burst ({st['culling']['bursts']})")
    r = by_name(app.status(full=True))
    group = sorted(n for n in names if r[n]["burst"])
    check(group == ["castle-2.jpg", "castle-3.jpg", "castle.jpg"],
          f"the three castles dated within 2 s are the burst, not the undated copies ({group})")
    best = max(group, key=lambda n: r[n]["score"])
    check(r[best]["burst_best"] and sum(r[n]["burst_best"] for n in group) == 1,
          f"the best-scoring one is suggested: {best} ({r[best]['score']:.3f})")
    check(r[best]["burst_why"].startswith("Best of 3") and "“" in r[best]["burst_why"],
          "why, with descriptors: " + r[best]["burst_why"])
    other = next(n for n in group if n != best)
    check(best in r[other]["burst_why"], "the others say which is suggested: " + r[other]["burst_why"])

    app.send("sort name")
    shown = app.poll(lambda s: sorted(s["shown_names"]) == names and s["shown_names"][0] == names[0],
                     "sorted by name")["shown_names"]
    app.send(f"select {shown.index(other)}")
    check(key(app, "b"), "B accepts the suggestion")
    settle(app)
    r = by_name(app.status(full=True))
    check(r[best]["flag"] == 1 and all(r[n]["flag"] == -1 for n in group if n != best),
          "the best is picked, the others rejected")
    check(exiv2_values(os.path.join(d, best + ".xmp")).get("Xmp.digiKam.PickLabel") == "3", "and written to the sidecars")
    check(all(not r[n]["burst"] and r[n]["flag"] == 0 for n in names if n not in group), "no other photo touched")
    want = {n: "burst,decision" if n in group else "" for n in names}
    got = tile_overlays(app, lambda o: o == want)
    check(got == want, f"the burst's tiles show the burst badge and the decision, no other tile any ({got})")
    key(app, "z", "ctrl")
    settle(app)
    r = by_name(app.status(full=True))
    check(all(r[n]["flag"] == 0 for n in group), "one undo takes the whole burst decision back")
    want = {n: "burst" if n in group else "" for n in names}
    got = tile_overlays(app, lambda o: o == want)
    check(got == want, f"and the decision badges go with it ({got})")
    app.send(f"screenshot {ctx.out}/screenshot-bursts.png")
    app.wait("screenshot")

    # the preferences' time window, through the same setting: 600 s takes
    # in the fourth castle; the undated copy still stays out
    app.send("setting burst-seconds 600")
    deadline = time.monotonic() + 30
    while True:
        st = app.status(full=True)
        group = sorted(n for n, r in by_name(st).items() if r["burst"])
        if (not st["culling"]["bursts_running"] and len(group) == 4) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(group == ["castle-2.jpg", "castle-3.jpg", "castle-4.jpg", "castle.jpg"] and st["culling"]["bursts"] == 1,
          f"burst-seconds 600: the four dated castles ({group})")
    app.quit()


def scenario_bench(ctx, count, source, browse=True):
    """Time to first score, images/s while browsing, main-loop stalls."""
    d = source
    files = images_under(d)
    check(len(files) >= count, f"{len(files)} photos in {d}")
    app = App(ctx, ["--model", ctx.model, "--backend", "cpu"])
    app.wait("ready")
    app.send("probe-reset")
    app.send("open " + json.dumps([d]))
    app.wait("opened", 120)
    if browse:
        app.send("browse on")
    first = app.wait("first-score", 120)
    fin = app.wait("finished", 1800)
    res = {
        "photos": fin["items"], "failed": fin["failed"], "browsing": browse,
        "time_to_first_score_s": first["since_open_s"],
        "scoring_started_to_first_result_s": first["since_scoring_start_s"],
        "images_per_s": fin["rate"], "elapsed_s": fin["elapsed_s"],
        "probe": split_probe(fin["probe"]),
    }
    # the same browsing with no scoring going on: what rendering alone costs
    app.send("browse on")
    app.send("probe-reset")
    time.sleep(5)
    res["browsing_only_probe"] = split_probe(app.status()["probe"], opened=False)
    app.send("browse off")
    app.quit()
    app, fin2 = launch_and_finish(ctx, [d], 600)
    res["reopen_elapsed_s"] = fin2["elapsed_s"]
    res["reopen_probe"] = split_probe(fin2["probe"])
    app.quit()
    print(json.dumps(res, indent=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--app", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--photos", default=None, help="bench: folder of photos")
    ap.add_argument("--model", default=None, help="bench: model (default: the test fixture)")
    ap.add_argument("--no-browse", action="store_true", help="bench: score without scrolling")
    opts = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb not installed (apt install xvfb): skipping")
        return SKIP
    ctx = Context(opts)
    if opts.model:
        ctx.model = opts.model
    ctx.out = opts.out or ctx.tmp
    os.makedirs(ctx.out, exist_ok=True)
    try:
        if opts.scenario == "bench":
            scenario_bench(ctx, opts.count, opts.photos, not opts.no_browse)
        else:
            globals()["scenario_" + opts.scenario.replace("-", "_")](ctx)
    finally:
        ctx.close()
    print(f"{opts.scenario}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
