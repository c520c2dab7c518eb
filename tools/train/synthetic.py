"""Procedural pristine pictures ("dead leaves") for training content
diversity (issue 8).

The default model learns quality well on its 124 training photographs
(train SRCC 0.84) and much worse on other photographs (val 0.56): it
memorises content.  A dead-leaves picture -- occluding shapes whose sizes
follow the r^-3 law of natural scenes -- has the edge, texture and power
spectrum statistics of a photograph but no recognisable content, and there
can be as many as we like, so a distortion can only be told from the
picture itself.  Camera labs use the same model to measure texture loss.

Each picture is a pure function of its seed and the colour palette
(pixels sampled from the training photographs, so colours are natural):
  - a smooth illumination field (±25 %), so there are gradients as in
    real light, not only flat patches;
  - discs, ellipses and rotated rectangles, antialiased, radius law r^-3
    from 3-10 px to 20-40 % of the short side,
    then the slight softness of a lens (σ 0.3-0.9 px), drawn back to front;
  - in half of the pictures a shallow depth of field: the back layers are
    blurred (σ 1.5-8 px) before the front layers are drawn, as bokeh in a
    macro shot.  These are pristine: quality does not require everything
    to be in focus.

    /usr/bin/python3 tools/train/synthetic.py OUT.png [SEED]   # one example
"""
import sys

import numpy as np

H, W = 768, 1024


def palette_from(images, n, rng):
    """n RGB colours (uint8) sampled from random pixels of one or two of the
    given photos, so that a picture has one photograph's colour scheme."""
    srcs = [images[int(rng.integers(len(images)))] for _ in range(int(rng.integers(1, 3)))]
    cols = []
    for k in range(n):
        img = srcs[k % len(srcs)]
        y, x = int(rng.integers(img.shape[0])), int(rng.integers(img.shape[1]))
        cols.append(np.asarray(img[y, x], np.uint8))
    return np.stack(cols)


def _radius(rng, rmin, rmax):
    """Inverse CDF of p(r) ~ r^-3 on [rmin, rmax]."""
    u = rng.random()
    return (rmin ** -2 - u * (rmin ** -2 - rmax ** -2)) ** -0.5


def _shape(img, rng, colour, rmin, rmax):
    import cv2
    h, w = img.shape[:2]
    r = _radius(rng, rmin, rmax)
    cx, cy = rng.uniform(-0.1 * w, 1.1 * w), rng.uniform(-0.1 * h, 1.1 * h)
    c = tuple(int(v) for v in colour)
    kind = rng.random()
    sh = 4  # sub-pixel precision of cv2's drawing (coordinates in 1/16 px)
    if kind < 0.55:
        cv2.circle(img, (int(cx * 16), int(cy * 16)), max(1, int(r * 16)), c, -1, cv2.LINE_AA, sh)
    elif kind < 0.8:
        axes = (max(1, int(r * 16)), max(1, int(r * rng.uniform(0.25, 1.0) * 16)))
        cv2.ellipse(img, (int(cx * 16), int(cy * 16)), axes, float(rng.uniform(0, 180)), 0, 360, c, -1,
                    cv2.LINE_AA, sh)
    else:
        a = rng.uniform(0, np.pi)
        hw, hh = r, r * rng.uniform(0.2, 1.0)
        d = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        pts = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]]) @ d.T + [cx, cy]
        cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], c, cv2.LINE_AA, sh)


def dead_leaves(seed, colours_from, h=H, w=W):
    """One procedural pristine picture (uint8 RGB [h, w, 3])."""
    import cv2
    rng = np.random.default_rng(seed)
    pal = palette_from(colours_from, int(rng.integers(6, 24)), rng).astype(np.float32)
    rmax = min(h, w) * rng.uniform(0.2, 0.4)
    rmin = float(rng.uniform(3.0, 10.0))
    n = int(rng.integers(6000, 12000))  # enough to cover the canvas several times
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = pal[0].astype(np.uint8)
    bokeh = rng.random() < 0.5
    back = int(n * rng.uniform(0.6, 0.9)) if bokeh else n
    for i in range(n):
        if i == back:
            s = float(rng.uniform(1.5, 8.0))
            img = cv2.GaussianBlur(img, (0, 0), s, borderType=cv2.BORDER_REFLECT)
        col = pal[int(rng.integers(len(pal)))] * rng.uniform(0.85, 1.15)
        # the front layer of a bokeh picture is fewer, larger shapes (a subject)
        lo = rmin if i < back else 3 * rmin
        _shape(img, rng, np.clip(col, 0, 255), lo, rmax)
    # a lens and demosaicing are never perfectly sharp
    img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 0.9)), borderType=cv2.BORDER_REFLECT)
    # smooth illumination field, applied in linear light
    g = rng.standard_normal((4, 5)).astype(np.float32)
    field = cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
    field = 1.0 + 0.25 * field / max(1e-6, float(np.abs(field).max()))
    lin = (img.astype(np.float32) / 255.0) ** 2.2 * field[..., None]
    return np.clip(255.0 * np.clip(lin, 0, 1) ** (1 / 2.2) + 0.5, 0, 255).astype(np.uint8)


if __name__ == "__main__":
    from PIL import Image
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import photos as PH
    srcs = [np.asarray(Image.open(r["file"]).convert("RGB").reduce(8)) for r in PH.photos("train")[:20]]
    Image.fromarray(dead_leaves(int(sys.argv[2]) if len(sys.argv) > 2 else 1, srcs)).save(sys.argv[1])
