#!/usr/bin/python3
"""The embedding map of rali-studio under Xvfb, through the test hook (see
tests/app-driver/rali-map-test.h), reusing test-app.py's harness.

    test-app-map.py map   --app … --cli … --srcdir … --schemas … [--out DIR] [--docs DIR]
    test-app-map.py bench --app … … [--count 100000] [--frames 20]

map:   opens data/samples, shows the map (win.map, the M key's action), checks
       points, clusters and legend, the PCA against scikit-learn on the
       catalog's embeddings, exports PNG/SVG/CSV and validates them, hovers and
       clicks a photo, selects a rectangle and a cluster and checks the gallery
       filter, lassoes a concave outline (the gallery shows exactly the photos
       inside) and a self-crossing star over synthetic points (even-odd rule),
       and writes screenshots (docs/screenshot-map.png and
       screenshot-map-lasso.png with --docs).
bench: frame times of the map with COUNT synthetic points (full redraw and
       hover-only redraw) and the analysis time; prints JSON.
shot:  the map of --photos (default data/samples) with the default model in
       a 1600 x 1000 window: fitted (dots), then zoomed into thumbnail mode
       with a photo's "Similar photos" listed; writes the screenshots to --out.
Exit 77 (skip) when Xvfb is not installed."""

import argparse
import csv
import json
import math
import os
import shutil
import sqlite3
import struct
import sys
import time
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import apptest as ta  # noqa: E402
check, fail = ta.check, ta.fail


def png_info(path):
    """(width, height) of a PNG whose chunks and image data are intact."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, size = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            fail(f"{path}: bad CRC in {kind!r}")
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    raw = zlib.decompress(idat)
    w, h = size
    check(len(raw) >= h * (1 + w * 3), f"{os.path.basename(path)}: {w}x{h}, pixel data decompresses")
    return size


def map_cmd(app, command):
    app.send("map " + command)
    return app.wait("map")


def wait_map(app, what, pred, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = map_cmd(app, "status")
        if s.get("error"):
            fail("the map failed: " + s["error"])
        if not s["computing"] and pred(s):
            return s
        time.sleep(0.1)
    fail("timed out waiting until " + what)


def pca_reference(ctx, paths):
    """scikit-learn's 2-D PCA of the unit embeddings the catalog holds."""
    import numpy as np
    from sklearn.decomposition import PCA
    db = sqlite3.connect(ctx.catalog)
    emb = {p: np.frombuffer(e, dtype="<f4") for p, e in db.execute("SELECT path, embedding FROM files")
           if e is not None}
    db.close()
    X = np.stack([emb[p] for p in paths]).astype(np.float64)
    pca = PCA(n_components=2, svd_solver="full").fit(X)
    return pca.transform(X), pca.explained_variance_ratio_


def inside_even_odd(poly, x, y):
    """Point in polygon by the even-odd rule (a ray to +x crosses an odd
    number of edges), as the map's lasso counts it."""
    inside = False
    for (xi, yi), (xj, yj) in zip(poly, poly[-1:] + poly[:-1]):
        if (yi > y) != (yj > y) and x < xj + (y - yj) * (xi - xj) / (yi - yj):
            inside = not inside
    return inside


def edge_distance(poly, x, y):
    """Distance from (x, y) to the polygon's outline."""
    best = float("inf")
    for (ax, ay), (bx, by) in zip(poly, poly[1:] + poly[:1]):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy or 1)))
        best = min(best, ((ax + t * dx - x) ** 2 + (ay + t * dy - y) ** 2) ** 0.5)
    return best


def lasso_cmd(poly):
    return "lasso " + " ".join(f"{x!r} {y!r}" for x, y in poly)


def notched_lasso(rows):
    """A concave lasso around every point but a notch cut in from the right
    through the middle rows: the points in the notch are inside the lasso's
    bounding box but outside the lasso."""
    pts = [(float(r["x"]), float(r["y"])) for r in rows]
    xs, ys = sorted(p[0] for p in pts), sorted(p[1] for p in pts)
    n = len(ys)
    m = 0.05 * max(xs[-1] - xs[0], ys[-1] - ys[0])
    ya, yb = (ys[n // 3 - 1] + ys[n // 3]) / 2, (ys[2 * n // 3 - 1] + ys[2 * n // 3]) / 2
    band = sorted(x for x, y in pts if ya < y < yb)
    left = [x for x in xs if x < band[0]]
    xl = (left[-1] + band[0]) / 2 if left else band[0] - m  # the notch takes the whole band in
    x0, x1, y0, y1 = xs[0] - m, xs[-1] + m, ys[0] - m, ys[-1] + m
    return [(x0, y0), (x1, y0), (x1, ya), (xl, ya), (xl, yb), (x1, yb), (x1, y1), (x0, y1)]


def pentagon(cx, cy, r, step=1):
    """The corners of a regular pentagon, every step-th in turn: step 2
    draws a five-pointed star in one stroke, whose centre pentagon is
    circled twice (the even-odd rule leaves it out).  r < 0 turns it upside
    down."""
    import math
    corners = [(cx + r * math.sin(2 * math.pi * k / 5), cy + r * math.cos(2 * math.pi * k / 5)) for k in range(5)]
    return [corners[(step * k) % 5] for k in range(5)]


def check_similar(ctx, app, name, n_files, rows):
    """The "Similar photos" list of the clicked photo name against a brute
    force over the catalog's embeddings (cosine), then a row activated."""
    m = wait_map(app, "the similar photos are listed",
                 lambda s: s["similar"]["shown"] and not s["similar"]["busy"] and s["similar"]["rows"])
    sim = m["similar"]
    k = min(12, n_files - 1)
    check(sim["query"] == name and len(sim["rows"]) == k,
          f"a click lists the {k} photos most similar to {name} ({len(sim['rows'])} rows)")
    check(sim["exact"] and sim["n_photos"] == n_files, f"found by the exact search among {sim['n_photos']} photos")
    emb = ta.catalog_embeddings(ctx)
    q = emb[name]
    ref = sorted(((float(q @ v), n) for n, v in emb.items() if n != name), key=lambda t: -t[0])[:k]
    got = [(s, n) for n, s in sim["rows"]]
    check([n for _, n in got] == [n for _, n in ref]
          and all(abs(a[0] - b[0]) < 1e-5 for a, b in zip(got, ref)),
          "the list is the brute-force nearest neighbours, in order, with their similarities: "
          + ", ".join(f"{n} {s:.3f}" for s, n in got[:4]) + " …")
    check(sim["ringed"] == k and sim["ringed_query"] >= 0, f"the {k} similar photos are ringed on the map")
    first_row = sim["rows"][0][0]
    map_cmd(app, "similar-row 0")
    m = wait_map(app, "the first similar photo's own list",
                 lambda s: s["similar"]["query"] == first_row and not s["similar"]["busy"] and s["similar"]["rows"])
    check(m["current"] == [first_row] and name in [n for n, _ in m["similar"]["rows"]],
          f"activating a row selects {first_row} and lists its similar photos (among them {name})")
    m = map_cmd(app, "action similar")
    check(not m["similar"]["shown"] and m["similar"]["ringed"] == 0, "map.similar (N) closes the list")
    m = map_cmd(app, "action similar")
    check(m["similar"]["shown"] and m["similar"]["query"] == first_row,
          "and opens it again for the photo selected in the gallery")
    map_cmd(app, "similar-close")


def scenario_map(ctx, docs):
    samples = os.path.join(ctx.tmp, "samples")
    shutil.copytree(os.path.join(ctx.srcdir, "data", "samples"), samples,
                    ignore=shutil.ignore_patterns("*.md"))
    files = ta.images_under(samples)
    app, fin = ta.launch_and_finish(ctx, [samples])
    t_finished = time.monotonic()
    check(fin["scored"] == len(files) >= 3, f"{len(files)} sample photos scored")

    st = map_cmd(app, "status")
    check(not st["mapped"], "the map is not shown at first")
    app.send("action win.map")
    app.poll(lambda s: s["page"] == "map", "win.map (the M key) shows the map page")
    m = wait_map(app, "the map is computed", lambda s: s["points"] > 0)
    k = m["clusters"]
    check(m["points"] == len(files), f"{m['points']} points: one per photo")
    check(2 <= k <= min(12, len(files) - 1), f"{k} clusters (automatic k in 2..min(12, N-1))")
    check(len(m["legend"]) == k and sum(c["size"] for c in m["legend"]) == len(files),
          "the legend has every cluster and their sizes add up")
    names = [c["name"] for c in m["legend"] if c["name"]]
    check(names and len(set(names)) == len(names),
          "the clusters are named by different descriptors (or none, where nothing sets one apart): "
          + "; ".join(c["name"][:50] or "-" for c in m["legend"]))
    check(m["prototypes"] >= 1, f"{m['prototypes']} prototype positions computed")
    check(not m["show_prototypes"], "the prototype markers are off by default")
    check(m["thumbnails"], "thumbnails are on by default")
    m = map_cmd(app, "action prototypes")
    check(m["show_prototypes"], "map.prototypes (P) shows the markers")
    m = map_cmd(app, "action prototypes")
    check(not m["show_prototypes"], "and hides them again")
    # few photos: all drawn as thumbnails, decoded off the main thread
    m = wait_map(app, "the thumbnails are drawn",
                 lambda s: s["sprites"] == len(files) and s["sprites_ready"] == len(files))
    check(True, f"all {m['sprites']} photos drawn as thumbnails (sprite mode)")
    m = map_cmd(app, "action thumbnails")
    check(not m["thumbnails"], "map.thumbnails (T) turns the thumbnails off")
    wait_map(app, "dots only", lambda s: s["sprites"] == 0)
    check(True, "and the photos are drawn as dots")
    map_cmd(app, "action thumbnails")
    wait_map(app, "the thumbnails again", lambda s: s["sprites"] == len(files) and s["sprites_ready"] == len(files))
    ev = m["explained"]
    check(0 < ev[1] <= ev[0] and ev[0] + ev[1] <= 1 + 1e-9, f"PC1, PC2 explain {ev[0]:.3f}, {ev[1]:.3f}")

    # exports
    out = ctx.out
    paths = {kind: os.path.join(out, "map." + kind) for kind in ("png", "svg", "csv")}
    for kind, path in paths.items():
        app.send(f"map export {kind} {path}")
        e = app.wait("map-export")
        check(e["ok"] and os.path.getsize(path) > 0, f"exported {kind} ({e['error']})")
    check(png_info(paths["png"]) == (1600, 1000), "the PNG is 1600 x 1000")
    root = ET.parse(paths["svg"]).getroot()
    check(root.tag.endswith("svg") and root.get("width", "").startswith("1600"), "the SVG parses, 1600 wide")
    drawn = sum(1 for el in root.iter() if el.tag.endswith(("path", "use")))
    check(drawn >= len(files), f"the SVG draws {drawn} shapes (>= {len(files)} points)")
    with open(paths["csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    check(list(rows[0].keys()) == ["path", "x", "y", "cluster", "score"], "CSV columns path,x,y,cluster,score")
    check(len(rows) == len(files) and sorted(r["path"] for r in rows) == files, "one CSV row per photo")
    results = {r["path"]: r for r in app.status(full=True)["results"]}
    check(all(abs(float(r["score"]) - results[r["path"]]["score"]) < 1e-5 for r in rows),
          "CSV scores are the gallery's")
    check(all(0 <= int(r["cluster"]) < k for r in rows), "CSV clusters in 0..k-1")
    sizes = [sum(1 for r in rows if int(r["cluster"]) == c) for c in range(k)]
    check(sizes == [c["size"] for c in m["legend"]], "CSV clusters match the legend sizes")

    # the PCA against scikit-learn on the catalog's embeddings
    ref, ref_evr = pca_reference(ctx, [r["path"] for r in rows])
    for j in range(2):
        got = [float(r["xy"[j]]) for r in rows]
        sign = 1 if sum(g * r for g, r in zip(got, ref[:, j])) >= 0 else -1
        err = max(abs(sign * g - r) for g, r in zip(got, ref[:, j]))
        scale = max(abs(ref[:, j]))
        check(err <= 1e-3 * scale + 1e-6, f"PC{j + 1} coordinates equal scikit-learn's up to sign (max err {err:.2g})")
        check(abs(ev[j] - ref_evr[j]) <= 1e-3 * ref_evr[j], f"PC{j + 1} explained variance as scikit-learn's")

    # hover and click
    first = rows[0]
    name = os.path.basename(first["path"])
    m = map_cmd(app, f"hover {first['x']} {first['y']}")
    check(m["hover_name"] == name, f"hovering a point names its photo ({m['hover_name']})")
    m = map_cmd(app, f"click {first['x']} {first['y']}")
    check(m["current"] == [name], "a click selects the photo in the gallery (ringed on the map)")
    check_similar(ctx, app, name, len(files), rows)

    # rectangle selection filters the gallery; the rest stays on the map
    xs = sorted(float(r["x"]) for r in rows)
    cut = (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    want = sorted(os.path.basename(r["path"]) for r in rows if float(r["x"]) > cut)
    ys = [float(r["y"]) for r in rows]
    m = map_cmd(app, f"select {cut} {min(ys) - 1} {xs[-1] + 1} {max(ys) + 1}")
    check(m["selected"] == len(want) and m["points"] == len(files),
          f"a rectangle selects {m['selected']} of {m['points']} points, all still on the map")
    st = app.poll(lambda s: s["shown"] == len(want), "the gallery shows only the selected photos")
    check(sorted(st["shown_names"]) == want, "exactly the photos inside the rectangle")

    hover = rows[-1]
    map_cmd(app, f"hover {hover['x']} {hover['y']}")
    app.send(f"screenshot {out}/screenshot-map-selection.png")
    shot = app.wait("screenshot")
    check(shot["ok"], "screenshot with a selection")

    m = map_cmd(app, "clear")
    check(m["selected"] == -1, "Show All clears the selection")
    app.poll(lambda s: s["shown"] == len(files), "the gallery shows every photo again")
    m = map_cmd(app, "select-cluster 0")
    size0 = m["legend"][0]["size"]
    check(m["selected"] == size0, f"a legend row selects its cluster ({size0} photos)")
    app.poll(lambda s: s["shown"] == size0, "the gallery shows that cluster")
    map_cmd(app, "clear")

    # a concave lasso filters the gallery to exactly the photos inside it
    check(map_cmd(app, "tool lasso")["tool"] == "lasso", "the Lasso tool is chosen")
    poly = notched_lasso(rows)
    inside = sorted(os.path.basename(r["path"]) for r in rows if inside_even_odd(poly, float(r["x"]), float(r["y"])))
    span = max(float(r["x"]) for r in rows) - min(float(r["x"]) for r in rows)
    check(0 < len(inside) < len(rows)
          and min(edge_distance(poly, float(r["x"]), float(r["y"])) for r in rows) > 1e-4 * span,
          f"the lasso encloses {len(inside)} of {len(rows)} photos, none on its outline "
          "(the others are inside its bounding box)")
    m = map_cmd(app, lasso_cmd(poly))
    check(m["selected"] == len(inside) and m["points"] == len(files),
          f"the lasso selects {m['selected']} points, all still on the map")
    st = app.poll(lambda s: s["shown"] == len(inside), "the gallery shows only the lassoed photos")
    check(sorted(st["shown_names"]) == inside, "exactly the photos inside the lasso: " + ", ".join(inside))
    # the outline as it is drawn, over the selection it made (for docs/)
    if docs:
        time.sleep(max(0, 5 - (time.monotonic() - t_finished)))  # the "scored" toast goes away
    map_cmd(app, "lasso-draw " + lasso_cmd(poly)[len("lasso "):])
    lasso_shot = os.path.join(docs or out, "screenshot-map-lasso.png")
    app.send(f"screenshot {lasso_shot}")
    check(app.wait("screenshot")["ok"], f"screenshot of a lasso {lasso_shot}")
    m = map_cmd(app, "lasso-end")
    check(m["selected"] == len(inside), "ending the drawn lasso selects the same photos")
    m = map_cmd(app, "clear")
    check(m["selected"] == -1, "Show All clears the lasso selection")
    map_cmd(app, "tool rectangle")
    app.poll(lambda s: s["shown"] == len(files), "the gallery shows every photo again")

    # the screenshot for docs/: clusters, prototypes, a hovered photo
    map_cmd(app, "style cluster")
    target = max(rows, key=lambda r: float(r["x"]))
    m = map_cmd(app, f"hover {target['x']} {target['y']}")
    check(m["hover"] >= 0, "a photo is hovered for the screenshot")
    # its thumbnail decodes, and the "scored" toast (4 s) goes away
    time.sleep(max(1.5, 5 - (time.monotonic() - t_finished)))
    shot_path = os.path.join(docs or out, "screenshot-map.png")
    app.send(f"screenshot {shot_path}")
    shot = app.wait("screenshot")
    check(shot["ok"] and os.path.getsize(shot_path) > 20000, f"map screenshot {shot_path}")
    map_cmd(app, "style score sizes")
    app.send(f"screenshot {out}/screenshot-map-score.png")
    check(app.wait("screenshot")["ok"], "screenshot coloured by score")

    # a small synthetic map through the same widget: fit, hover, frames
    map_cmd(app, "synthetic 5000 64")
    m = wait_map(app, "the synthetic map is computed", lambda s: s["points"] == 5000)
    check(2 <= m["clusters"] <= 12, f"5000 synthetic points, {m['clusters']} clusters")

    # a self-crossing lasso over many points: the even-odd rule, through
    # the grid (compared in Python on the exported coordinates)
    syn_csv = os.path.join(out, "synthetic.csv")
    app.send(f"map export csv {syn_csv}")
    check(app.wait("map-export")["ok"], "synthetic coordinates exported")
    with open(syn_csv, newline="") as f:
        pts = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
    xs, ys = sorted(p[0] for p in pts), sorted(p[1] for p in pts)
    r = 0.3 * min(xs[-1] - xs[0], ys[-1] - ys[0])
    star = pentagon(xs[len(xs) // 2], ys[len(ys) // 2], r, step=2)
    # the CSV rounds to 7 digits: points that close to the outline may go either way
    near = sum(1 for x, y in pts if edge_distance(star, x, y) < 1e-5 * r)
    want = sum(1 for x, y in pts if inside_even_odd(star, x, y))
    # just inside the star's inner pentagon (upside down, 0.382 r)
    centre = pentagon(xs[len(xs) // 2], ys[len(ys) // 2], -0.37 * r)
    hole = sum(1 for x, y in pts if inside_even_odd(centre, x, y) and not inside_even_odd(star, x, y))
    check(want > 0 and hole > 0, f"the star encloses {want} points and leaves {hole} in its centre out")
    m = map_cmd(app, lasso_cmd(star))
    check(abs(m["selected"] - want) <= near,
          f"the star lasso selects {m['selected']} points (even-odd: {want}, {near} on the outline)")
    map_cmd(app, "clear")
    app.send("map bench 5")
    b = app.wait("map-bench")
    check(b["ok"], f"frames timed: full {b['full_ms']} ms, hover {b['hover_ms']} ms (median, max)")

    app.send("action win.map")
    app.poll(lambda s: s["page"] == "gallery", "win.map again goes back to the gallery")

    # Escape: clears a selection first, then leaves the map for the gallery
    app.send("action win.map")
    app.poll(lambda s: s["page"] == "map", "the map again")
    m = wait_map(app, "the map is shown", lambda s: s["points"] > 0)
    map_cmd(app, "select-cluster 0")
    app.send("map key Escape")
    check(app.wait("map-key")["handled"], "Escape is handled on the map")
    m = map_cmd(app, "status")
    st = app.status()
    check(m["selected"] == -1 and st["page"] == "map", "Escape with a selection clears it and stays on the map")
    app.send("map key Escape")
    check(app.wait("map-key")["handled"], "Escape again is handled")
    app.poll(lambda s: s["page"] == "gallery", "Escape without a selection goes back to the gallery")
    app.quit()

    # the HNSW graph taking over in the background (from 50,000 photos in
    # use; here from 5): the same neighbours as the brute force
    app = ta.App(ctx, ["--model", ctx.model, samples], {"RALI_SIMILAR_HNSW_MIN": "5"})
    app.wait("finished")
    app.send("action win.map")
    wait_map(app, "the map again", lambda s: s["points"] == len(files))
    map_cmd(app, f"click {first['x']} {first['y']}")
    m = wait_map(app, "the HNSW graph", lambda s: not s["similar"]["busy"] and not s["similar"]["exact"])
    check(m["similar"]["n_photos"] == len(files), f"the HNSW graph took over ({m['similar']['n_photos']} photos)")
    # another photo (its own thumbnail may lie under another one: whichever the click hits)
    before = m["similar"]["query"]
    for r in rows[::-1]:
        map_cmd(app, f"click {r['x']} {r['y']}")
        m = wait_map(app, "the list from the HNSW graph", lambda s: s["similar"]["rows"] and not s["similar"]["busy"])
        if m["similar"]["query"] != before:
            break
    name = m["similar"]["query"]
    emb = ta.catalog_embeddings(ctx)
    ref = [n for _, n in sorted(((float(emb[name] @ v), n) for n, v in emb.items() if n != name), key=lambda t: -t[0])]
    check(name != before and [n for n, _ in m["similar"]["rows"]] == ref[:len(m["similar"]["rows"])],
          f"the HNSW graph's list for {name} is the brute-force nearest neighbours, in order")
    app.quit()


def scenario_bench(ctx, count, frames):
    app = ta.App(ctx, ["--model", ctx.model])
    app.wait("ready")
    app.send("action win.map")
    app.send(f"map synthetic {count} 256")
    t0 = time.monotonic()
    m = wait_map(app, "the synthetic map is computed", lambda s: s["points"] == count, timeout=600)
    wall = time.monotonic() - t0
    app.send(f"map bench {frames}")
    b = app.wait("map-bench", 600)
    app.send(f"screenshot {ctx.out}/screenshot-map-{count}.png")
    check(app.wait("screenshot")["ok"], f"screenshot of {count} points")
    app.quit()
    print(json.dumps({"points": count, "D": 256, "clusters": m["clusters"],
                      "analysis_s": m["seconds"], "analysis_wall_s": round(wall, 2),
                      "canvas": b["canvas"], "frames": frames, "full_redraw_ms": b.get("full_ms"),
                      "hover_redraw_ms": b.get("hover_ms"), "raster_ms": b.get("raster_ms"),
                      "load_average": b["load_average"],
                      "renderer": ctx.env.get("GSK_RENDERER")}, indent=1))


def scenario_shot(ctx, photos, out, catalog=None):
    """The map in thumbnail mode with a "Similar photos" list, in a
    1600 x 1000 window, with the default model (for docs/; not a meson
    test): screenshot-map-similar.png, screenshot-map-dots.png fitted, and
    screenshot-map-lasso.png (a notched lasso over the selection it made)."""
    ctx.xvfb.close()
    ctx.xvfb = ta.Xvfb(screen="1920x1200x24")
    ctx.env["DISPLAY"] = ctx.xvfb.display
    conf = os.path.join(ctx.env["XDG_CONFIG_HOME"], "glib-2.0", "settings")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "keyfile"), "w") as f:
        f.write("[org/ralistudio/RaliStudio]\nwindow-width=1610\nwindow-height=1010\n")
    ctx.model = os.path.join(ctx.srcdir, "data", "models", "rali-default.rali")
    if catalog:  # kept between runs: the photos are scored once
        ctx.catalog = ctx.env["RALI_CATALOG"] = catalog
    files = ta.images_under(photos)
    app, fin = ta.launch_and_finish(ctx, [photos], timeout=1800, extra_env={"GSETTINGS_BACKEND": "keyfile"})
    check(fin["scored"] >= 3, f"{fin['scored']} of {len(files)} photos scored")
    app.send("action win.map")
    m = wait_map(app, "the map is computed", lambda s: s["points"] > 0, timeout=600)
    time.sleep(4.5)  # the "scored" toast goes away
    app.send(f"screenshot {out}/screenshot-map-dots.png")
    check(app.wait("screenshot")["ok"], "the fitted map")
    csv_path = os.path.join(out, "map.csv")
    app.send(f"map export csv {csv_path}")
    check(app.wait("map-export")["ok"], "coordinates exported")
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    # the densest spot: the photo with most others near it
    xs = [float(r["x"]) for r in rows]
    ys = [float(r["y"]) for r in rows]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    best = max(rows, key=lambda r: sum((float(r["x"]) - x) ** 2 + (float(r["y"]) - y) ** 2 < (0.15 * span) ** 2
                                        for x, y in zip(xs, ys)))
    # zoomed in step by step around it: the dots turn into thumbnails, decoded
    # off the main thread while the zoom goes on; the latency probe measures
    # the main loop meanwhile
    app.send("probe-reset")
    # a small folder (the samples) is all thumbnails fitted: not zoomed, every
    # photo stays on the map; refitted once the list narrows the canvas
    small = 0 < map_cmd(app, "status")["sprites"] >= m["points"]
    if not small:
        map_cmd(app, f"centre {best['x']} {best['y']}")
    factor = 1.0
    while True:
        m = map_cmd(app, "status")
        if small or 0 < m["sprites"] <= 80 or factor > 64:
            break
        map_cmd(app, f"zoom 1.25 {best['x']} {best['y']}")
        factor *= 1.25
        time.sleep(0.4)  # drawn, and the sprites laid out
    m = map_cmd(app, f"click {best['x']} {best['y']}")
    m = wait_map(app, "thumbnails and similar photos",
                 lambda s: s["sprites"] > 0 and s["sprites_ready"] == s["sprites"]
                 and s["similar"]["rows"] and not s["similar"]["busy"], timeout=120)
    if small:
        map_cmd(app, "action fit")
        m = wait_map(app, "the refitted thumbnails", lambda s: s["sprites"] >= s["points"]
                     and s["sprites_ready"] == s["sprites"], timeout=60)
    time.sleep(1.0)  # the list's thumbnails
    probe = app.status()["probe"]
    over = [g for g in probe.get("gaps", []) if g[1] > 50]
    print(json.dumps({"zoom_steps": round(math.log(factor, 1.25)), "sprites": m["sprites"],
                      "ticks": probe["ticks"], "max_gap_ms": probe["max_gap_ms"],
                      "max_main_cpu_in_gap_ms": probe.get("max_main_cpu_in_gap_ms"),
                      "gaps_over_50ms [start, gap, main CPU]": over}))
    app.send("map bench 10")
    b = app.wait("map-bench", 120)
    print(json.dumps({"frames in thumbnail mode": {k: b.get(k) for k in ("full_ms", "hover_ms", "raster_ms",
                                                                          "canvas", "load_average")}}))
    app.send(f"screenshot {out}/screenshot-map-similar.png")
    check(app.wait("screenshot")["ok"], f"thumbnail mode: {m['sprites']} thumbnails, "
          f"{len(m['similar']['rows'])} similar photos of {m['similar']['query']}")
    # a lasso with a notch, drawn over the selection it made: screenshot-map-lasso.png
    map_cmd(app, "similar-close")
    map_cmd(app, "action fit")
    map_cmd(app, "tool lasso")
    poly = notched_lasso(rows)
    m = map_cmd(app, lasso_cmd(poly))
    check(0 < m["selected"] < len(rows), f"the lasso selects {m['selected']} of {len(rows)} photos")
    map_cmd(app, "lasso-draw " + lasso_cmd(poly)[len("lasso "):])
    time.sleep(1.0)
    app.send(f"screenshot {out}/screenshot-map-lasso.png")
    check(app.wait("screenshot")["ok"], "the lasso")
    map_cmd(app, "lasso-end")
    app.quit()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["map", "bench", "shot"])
    ap.add_argument("--app", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--docs", default=None, help="write screenshot-map.png here (e.g. docs/)")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--photos", default=None, help="shot: the folder to map (default data/samples)")
    ap.add_argument("--catalog", default=None, help="shot: a catalog to keep the scores in between runs")
    opts = ap.parse_args()
    if not shutil.which("Xvfb"):
        print("Xvfb not installed (apt install xvfb): skipping")
        return ta.SKIP
    ctx = ta.Context(opts)
    ctx.out = opts.out or ctx.tmp
    os.makedirs(ctx.out, exist_ok=True)
    try:
        if opts.scenario == "map":
            scenario_map(ctx, opts.docs)
        elif opts.scenario == "shot":
            scenario_shot(ctx, opts.photos or os.path.join(ctx.srcdir, "data", "samples"), ctx.out, opts.catalog)
        else:
            scenario_bench(ctx, opts.count, opts.frames)
    finally:
        ctx.close()
    print(f"{opts.scenario}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
