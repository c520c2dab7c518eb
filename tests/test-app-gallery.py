#!/usr/bin/python3
"""The gallery's score histogram, rank badges and auto-cull, in rali-studio
under Xvfb, through the test hook (tests/app-driver/rali-gallery-test.h),
reusing the app tests' harness (apptest.py).

    test-app-gallery.py SCENARIO --app … --cli … --srcdir … --schemas … [--out DIR]

histogram: the filter popover's histogram counts the folder's scores and
           follows them as they arrive; a drag on it sets the gallery's score
           filter (the "from" field, the photos shown), a drag to its left end
           and the arrow keys too; the badges add the rank in the folder
           ("top 12 %") when the badge-rank setting is on.
auto-cull: Shift+X opens the dialog; its plan (reject the lowest N % / below
           a score, pick the best of each burst, keep earlier decisions)
           matches the rule computed here from the photos' scores, bursts and
           flags; Apply writes exactly the previewed decisions to the items,
           the catalog and the XMP sidecars (nothing else), as one undo step;
           Ctrl+Z takes all of them back; the photos are never written.
shots:     (not a meson test) screenshots at 1600x1000 of the gallery with the
           histogram, of the auto-cull dialog's preview and of its decisions on
           the tiles once applied, with the default
           model, into --out.
Exit 77 (skip) when Xvfb is not installed."""

import argparse
import math
import os
import shutil
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import apptest as ta  # noqa: E402
check, fail = ta.check, ta.fail


def gallery(app, command="status"):
    app.send("gallery " + command)
    return app.wait("gallery")


def rank_text(score, scores):
    """What a badge says of a score's rank (rali_score_stats_describe_rank)."""
    n = len(scores)
    above = sum(s > score for s in scores)
    below = sum(s < score for s in scores)
    top = math.ceil(100.0 * (above + 1) / n)
    bottom = math.ceil(100.0 * (below + 1) / n)
    return f"top {min(top, 100)} %" if top <= bottom else f"bottom {min(bottom, 100)} %"


# ---- histogram and badges ----

def scenario_histogram(ctx):
    d = ta.samples_folder(ctx, "hist")
    app = ta.App(ctx, ["--model", ctx.model])
    app.wait("ready")
    g = gallery(app)
    check(g["histogram"]["n"] == 0, "no folder: the histogram counts no scores")
    app.send("open " + d)
    app.wait("opened")
    g = gallery(app)
    n_early = g["histogram"]["n"]
    fin = app.wait("finished", 120)
    scored = fin["scored"]
    check(scored == fin["items"] and scored >= 8, f"{scored} photos scored")
    res = ta.by_name(app.status(full=True))
    scores = sorted(r["score"] for r in res.values())
    g = gallery(app)
    h = g["histogram"]
    check(n_early < scored and h["n"] == scored and sum(h["bins"]) == scored,
          f"the histogram follows the scores as they arrive ({n_early} when opened, {h['n']} at the end)")
    check(h["threshold"] == h["lower"] and g["filter_min"] == h["lower"], "no threshold at first: every score shown")
    check(h["view"][0] <= scores[0] and h["view"][1] >= scores[-1]
          and h["view"][1] - h["view"][0] < (h["upper"] - h["lower"]) * 0.9,
          f"its axis spans the scores present ({h['view'][0]:.3f}..{h['view'][1]:.3f}), not the whole scale")

    g = gallery(app, "popup")
    deadline = time.monotonic() + 10
    while not (g["histogram"]["mapped"] and g["histogram"]["width"] > 0) and time.monotonic() < deadline:
        time.sleep(0.1)
        g = gallery(app)
    check(g["histogram"]["width"] > 0, f"the filter popover shows it ({g['histogram']['width']} px wide)")

    # drag the threshold from the left end to between the 4th and 5th lowest scores
    cut = round((scores[3] + scores[4]) / 2, 2)
    if not scores[3] < cut <= scores[4]:
        cut = round(scores[4], 2) if round(scores[4], 2) <= scores[4] else scores[4]
    expect = sorted(n for n, r in res.items() if r["score"] >= cut)
    g = gallery(app, f"drag left {cut}")
    check(abs(g["histogram"]["threshold"] - cut) < 1e-9, f"the drag ends on {cut} ({g['histogram']['threshold']})")
    check(abs(g["filter_min"] - cut) < 1e-9, f"the filter's “from” field follows: {g['filter_min']}")
    st = app.poll(lambda s: sorted(s["shown_names"]) == expect, f"the gallery shows the {len(expect)} photos from {cut}")
    check(st["shown"] == len(expect) and st["items"] == scored,
          f"the drag filters the gallery: {st['shown']} of {st['items']} shown")

    # a second drag moves it again, through the same gesture code
    cut2 = round((scores[-3] + scores[-2]) / 2, 2)
    if scores[-3] < cut2 <= scores[-2]:
        expect2 = sorted(n for n, r in res.items() if r["score"] >= cut2)
        g = gallery(app, f"drag {cut} {cut2}")
        app.poll(lambda s: sorted(s["shown_names"]) == expect2, f"dragged on to {cut2}: {len(expect2)} photos")
        check(abs(g["filter_min"] - cut2) < 1e-9, f"the filter is from {cut2} now")

    # to the left of the bars: the filter is off
    g = gallery(app, f"drag {cut} left")
    check(g["histogram"]["threshold"] == g["histogram"]["lower"] and g["filter_min"] == g["histogram"]["lower"],
          "a drag to the left end turns the threshold off")
    app.poll(lambda s: s["shown"] == scored, "every photo shown again")

    # the arrow keys: steps from the left end of the bars
    g = gallery(app, "step 3")
    t = g["histogram"]["threshold"]
    check(g["histogram"]["view"][0] < t < g["histogram"]["view"][1] and g["filter_min"] == t,
          f"three Right presses set the threshold to {t:.2f}")
    expect3 = sum(s >= t for s in scores)
    app.poll(lambda s: s["shown"] == expect3, f"{expect3} photos from {t:.2f}")
    g = gallery(app, "step -100")
    check(g["histogram"]["threshold"] == g["histogram"]["lower"], "Left back past the bars: off")
    app.poll(lambda s: s["shown"] == scored, "every photo shown again")

    # the filter's field moves the threshold too (one property, both ways)
    app.send(f"range {cut} {g['histogram']['upper']}")
    g = gallery(app)
    check(abs(g["histogram"]["threshold"] - cut) < 1e-9, "setting the “from” field moves the histogram's threshold")
    app.send(f"range {g['histogram']['lower']} {g['histogram']['upper']}")
    gallery(app, "popdown")
    if ctx.out:
        app.send(f"screenshot {ctx.out}/histogram-popover-closed.png")
        app.wait("screenshot")

    # badges: the absolute score, then with the rank in the folder
    app.poll(lambda s: s["shown"] == scored, "every photo shown")
    g = gallery(app)
    badges = g["badges"]
    check(len(badges) == scored and all(badges[n] == f"{res[n]['score']:.2f}" for n in badges),
          "the badges show the score alone by default")
    app.send("setting badge-rank true")
    deadline = time.monotonic() + 10
    while True:
        badges = gallery(app)["badges"]
        want = {n: f"{res[n]['score']:.2f} · {rank_text(res[n]['score'], scores)}" for n in badges}
        if badges == want or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(badges == want, "with badge-rank the badges add the rank: " + ", ".join(sorted(set(badges.values()))[:4]))
    best = max(res, key=lambda n: res[n]["score"])
    worst = min(res, key=lambda n: res[n]["score"])
    check("top" in badges[best] and "bottom" in badges[worst], f"best {badges[best]!r}, worst {badges[worst]!r}")
    app.send("setting badge-rank false")
    app.status()
    check(gallery(app)["badges"][best] == f"{res[best]['score']:.2f}", "and without it again")
    app.quit()


# ---- auto-cull ----

def expected_plan(res, reject, value, burst, keep):
    """The auto-cull rule (app/culling/rali-auto-cull.h), computed here from
    the photos' scores, bursts and flags: {path: new flag} for the photos
    whose flag changes."""
    scored = [r for r in res if r["state"] == 1]
    rejected = set()
    if reject == "below":
        rejected = {r["path"] for r in scored if r["score"] < value}
    elif reject == "lowest":
        order = sorted(scored, key=lambda r: (r["score"], os.path.basename(r["path"])))
        k = min(math.floor(value * len(scored) / 100.0 + 0.5), len(scored))
        rejected = {r["path"] for r in order[:k]}
    with_best = {r["burst"] for r in res if r["burst"] and r["burst_best"]} if burst else set()
    plan = {}
    for r in res:
        flag = r["flag"]
        if keep and flag != 0:
            continue
        if r["path"] in rejected:
            flag = -1
        elif r["burst"] in with_best:
            flag = 1 if r["burst_best"] else -1
        if flag != r["flag"]:
            plan[r["path"]] = flag
    return plan


def catalog_decisions(ctx):
    db = sqlite3.connect(ctx.catalog)
    rows = {p: (rt, fl, lb) for p, rt, fl, lb in db.execute("SELECT path, rating, flag, labels FROM decisions")}
    db.close()
    return rows


def sidecar_state(d):
    """{name: bytes} of every sidecar in the folder."""
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".xmp"):
            with open(os.path.join(d, f), "rb") as fh:
                out[f] = fh.read()
    return out


def sidecar_decision(path):
    """(rating, pick label) as another tool reads the sidecar, (0, 0) without one."""
    if not os.path.exists(path + ".xmp"):
        return (0, 0)
    v = ta.exiv2_values(path + ".xmp")
    return (int(v.get("Xmp.xmp.Rating", "0")), int(v.get("Xmp.digiKam.PickLabel", "0")))


def scenario_auto_cull(ctx):
    d = ta.burst_folder(ctx, "autocull")
    names = sorted(f for f in os.listdir(d) if f.lower().endswith(ta.IMAGE_EXT))
    hashes = {n: ta.sha256_file(os.path.join(d, n)) for n in names}
    app, fin = ta.launch_and_finish(ctx, [d])
    check(fin["scored"] == len(names), f"{len(names)} photos scored")
    app.poll(lambda s: not s["culling"]["bursts_running"] and s["culling"]["bursts"] == 1, "the castle burst found")
    app.send("sort name")
    shown = app.poll(lambda s: sorted(s["shown_names"]) == names and s["shown_names"][0] == names[0],
                     "sorted by name")["shown_names"]
    ta.settle(app, "decisions loaded")

    # earlier decisions of the photographer's own: a pick, and stars on another
    res = ta.by_name(app.status(full=True))
    by_score = sorted(names, key=lambda n: res[n]["score"])
    mine = by_score[0]       # the worst photo, picked by hand: auto-cull must keep it
    starred = by_score[1]    # 3 stars: a reject keeps them (the XMP says -1)
    app.send(f"select {shown.index(mine)}")
    ta.key(app, "p")
    app.send(f"select {shown.index(starred)}")
    ta.key(app, "3")
    ta.settle(app)
    before_items = {r["path"]: (r["rating"], r["flag"], r["labels"]) for r in app.status(full=True)["results"]}
    before_catalog = catalog_decisions(ctx)
    before_sidecars = sidecar_state(d)
    undo_before = app.status()["culling"]["undo"]

    check(ta.key(app, "X", "shift"), "Shift+X is handled in the gallery")
    g = gallery(app)
    deadline = time.monotonic() + 10
    while g["dialog"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
        g = gallery(app)
    check(g["dialog"] is not None, "it opens the auto-cull dialog")
    dlg = g["dialog"]
    check(dlg["reject"] == "lowest" and dlg["burst"] and dlg["keep"],
          f"defaults: the lowest {dlg['percent']:.0f} %, bursts, keep my decisions")

    full = app.status(full=True)["results"]
    for reject, value in (("lowest", 30), ("below", round(sorted(r["score"] for r in full)[6], 2)), ("none", 0)):
        for burst, keep in ((True, True), (False, True), (True, False)):
            cmd = f"dialog {reject} {value} burst {'on' if burst else 'off'} keep {'on' if keep else 'off'}"
            dlg = gallery(app, cmd)["dialog"]
            got = {p["path"]: p["flag"] for p in dlg["plan"]}
            want = expected_plan(full, reject, value, burst, keep)
            check(got == want, f"{reject} {value}, bursts {burst}, keep {keep}: the plan is the rule's "
                  f"({sum(f == -1 for f in want.values())} rejected, {sum(f == 1 for f in want.values())} picked)")

    dlg = gallery(app, "dialog lowest 30 burst on keep on")["dialog"]
    plan = {p["path"]: p for p in dlg["plan"]}
    n_rej, n_pick = dlg["n_reject"], dlg["n_pick"]
    check(n_rej == sum(p["flag"] == -1 for p in plan.values()) and n_pick == sum(p["flag"] == 1 for p in plan.values())
          and n_rej > 0 and n_pick == 1, f"{n_rej} to reject, {n_pick} to pick")
    check(dlg["preview"] == f"Will reject {n_rej} photo{'s' if n_rej != 1 else ''} and pick {n_pick} photo{'s' if n_pick != 1 else ''}",
          "the preview says so: " + dlg["preview"])
    castles = [n for n in names if n.startswith("castle") and n != "castle-4.jpg"]
    check(all(os.path.join(d, n) in plan or before_items[os.path.join(d, n)][1] != 0 for n in castles),
          "every photo of the burst is in the plan")
    check(os.path.join(d, mine) not in plan, f"{mine}, picked by hand, is left as it is")
    sp = os.path.join(d, starred)
    check(sp in plan and plan[sp]["flag"] == -1 and plan[sp]["rating"] == 3,
          f"{starred} is rejected and keeps its 3 stars, as X does")
    check(catalog_decisions(ctx) == before_catalog and sidecar_state(d) == before_sidecars,
          "the preview writes nothing")

    if ctx.out:
        app.send(f"gallery screenshot {ctx.out}/auto-cull-dialog.png")
        check(app.wait("screenshot")["ok"], "screenshot of the dialog")

    app.send("gallery dialog apply")
    check(app.wait("gallery-apply")["ok"], "Apply")
    msg = app.wait("message")
    check(f"{n_rej} rejected, {n_pick} picked" in msg["text"], "the toast says what was done: " + msg["text"])
    st = ta.settle(app, "the auto-cull writes are done")
    check(st["culling"]["undo"] == undo_before + 1, "one undo step for all of it")
    check(gallery(app)["dialog"] is None, "the dialog is closed")

    after = {r["path"]: (r["rating"], r["flag"], r["labels"]) for r in app.status(full=True)["results"]}
    check(all(after[p][1] == plan[p]["flag"] for p in plan), "every planned photo has its planned flag")
    check(all(after[p] == before_items[p] for p in after if p not in plan), "no other photo changed")
    cat = catalog_decisions(ctx)
    check(all(cat.get(p) == (plan[p]["rating"], plan[p]["flag"], plan[p]["labels"]) for p in plan),
          f"the catalog holds the planned decisions ({len(plan)} rows)")
    check(all(cat.get(p) == before_catalog.get(p) for p in set(cat) | set(before_catalog) if p not in plan),
          "and no other row changed")
    side = sidecar_state(d)
    for p, want in plan.items():
        rating, pick = sidecar_decision(p)
        ok = (rating, pick) == ((-1, 1) if want["flag"] == -1 else (want["rating"], 3))
        if not ok:
            fail(f"{os.path.basename(p)}.xmp says rating {rating}, pick {pick} for flag {want['flag']}")
    check(True, f"the {len(plan)} sidecars say so (Rating -1 / PickLabel 1 rejected, PickLabel 3 picked)")
    planned_sidecars = {os.path.basename(p) + ".xmp" for p in plan}
    others = {k: v for k, v in side.items() if k not in planned_sidecars}
    before_others = {k: v for k, v in before_sidecars.items() if k not in planned_sidecars}
    check(others == before_others, f"no other sidecar was written or made ({sorted(others)})")

    # Ctrl+Z: all of it back
    check(ta.key(app, "z", "ctrl"), "Ctrl+Z")
    st = ta.settle(app, "the undo writes are done")
    check(st["culling"]["undo"] == undo_before, "the auto-cull step is undone")
    back = {r["path"]: (r["rating"], r["flag"], r["labels"]) for r in app.status(full=True)["results"]}
    check(back == before_items, "every photo has its decision from before")
    cat = catalog_decisions(ctx)
    check(all(cat.get(p, (0, 0, 0)) == before_catalog.get(p, (0, 0, 0)) for p in set(cat) | set(before_catalog)),
          "the catalog's decisions are those from before")
    check(all(sidecar_decision(p) == (before_items[p][0], 0) for p in plan),
          "the planned photos' sidecars are back to their decision from before (stars kept, no flag)")
    side = sidecar_state(d)
    check({k: v for k, v in side.items() if k not in planned_sidecars} == before_others,
          "the other sidecars were never touched")

    # below a score, set by a drag on the dialog's histogram; Cancel writes nothing
    check(ta.key(app, "X", "shift"), "Shift+X again")
    deadline = time.monotonic() + 10
    while gallery(app)["dialog"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
    cut = round((res[by_score[4]]["score"] + res[by_score[5]]["score"]) / 2, 2)
    dlg = gallery(app, f"dialog-drag {cut}")["dialog"]
    check(dlg["reject"] == "below" and abs(dlg["score"] - cut) < 0.006,
          f"a drag on the dialog's histogram means “below {dlg['score']:.2f}”")
    want = expected_plan(app.status(full=True)["results"], "below", dlg["score"], True, True)
    check({p["path"]: p["flag"] for p in dlg["plan"]} == want, f"and its plan is the rule's ({len(want)} photos)")
    gallery(app, "dialog cancel")
    time.sleep(0.3)
    st = ta.settle(app)
    check(gallery(app)["dialog"] is None and st["culling"]["undo"] == undo_before, "Cancel: nothing done")
    check(catalog_decisions(ctx) == cat, "nothing written")
    app.quit()
    check(all(ta.sha256_file(os.path.join(d, n)) == h for n, h in hashes.items()), "no photo's bytes changed (SHA-256)")


# ---- screenshots (by hand, not a meson test) ----

def scenario_shots(ctx):
    model = os.path.join(ctx.srcdir, "data", "models", "rali-default.rali")
    ctx.model = model
    d = ta.burst_folder(ctx, "samples")
    # a screen the 1600 x 1000 window fits on (X11 keeps windows on the screen)
    ctx.xvfb.close()
    ctx.xvfb = ta.Xvfb("1920x1200x24")
    ctx.env["DISPLAY"] = ctx.xvfb.display
    # the window at 1600 x 1000: the settings from a key file, not memory
    conf = os.path.join(ctx.env["XDG_CONFIG_HOME"], "glib-2.0", "settings")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "keyfile"), "w") as f:
        f.write("[org/ralistudio/RaliStudio]\nwindow-width=1610\nwindow-height=1010\nbadge-rank=true\n")
    app, fin = ta.launch_and_finish(ctx, ["--model", model, d], 300, {"GSETTINGS_BACKEND": "keyfile"})
    app.poll(lambda s: not s["culling"]["bursts_running"] and s["culling"]["bursts"] == 1, "the burst found")
    time.sleep(4.5)  # past the "scored" toast
    gallery(app, "popup")
    time.sleep(0.5)
    res = sorted(r["score"] for r in app.status(full=True)["results"])
    cut = round(res[len(res) // 4], 2)
    gallery(app, f"drag left {cut}")
    app.send(f"gallery screenshot {ctx.out}/gallery-histogram.png")
    shot = app.wait("screenshot")
    check(shot["ok"] and (shot["width"], shot["height"]) == (1600, 1000) and shot["popover"],
          f"gallery shot {shot['width']}x{shot['height']}, the popover on it: {shot['popover']}")
    gallery(app, "drag 0 left")
    gallery(app, "popdown")
    app.poll(lambda s: s["shown"] == s["items"], "every photo shown again")
    app.send("select 0")
    ta.key(app, "X", "shift")
    time.sleep(0.5)
    gallery(app, "dialog lowest 25 burst on keep on")
    app.send(f"gallery screenshot {ctx.out}/auto-cull-preview.png")
    shot = app.wait("screenshot")
    check(shot["ok"] and shot["dialog"], "auto-cull shot, the dialog on it")
    # applied: the decisions on the tiles
    app.send("gallery dialog apply")
    check(app.wait("gallery-apply")["ok"], "Apply")
    ta.settle(app, "the auto-cull writes are done")
    time.sleep(4.5)  # past the toast
    app.send("select")
    app.send(f"gallery screenshot {ctx.out}/culling-applied.png")
    check(app.wait("screenshot")["ok"], "the decisions on the tiles")
    app.quit()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--app", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--out", default=None)
    opts = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb not installed (apt install xvfb): skipping")
        return ta.SKIP
    ctx = ta.Context(opts)
    ctx.out = opts.out
    if ctx.out:
        os.makedirs(ctx.out, exist_ok=True)
    try:
        globals()["scenario_" + opts.scenario.replace("-", "_")](ctx)
    finally:
        ctx.close()
    print(f"{opts.scenario}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
