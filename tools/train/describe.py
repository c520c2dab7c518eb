#!/usr/bin/python3
"""The rule-based "reasoner" (issue 8): a short quality reasoning text for a
distorted crop, written from the known distortion parameters AND statistics
measured on the image (and on its pristine reference).  It stands in for the
RL-trained reasoning MLLM (Q-Insight) of the RALI paper; everything that
ships says so (provenance "rule-based").

Shape of a text, e.g.
  "fine detail is smeared by moderate Gaussian blur; noise is low; exposure
   is balanced and colour looks natural; overall quality: fair"

* one clause per applied distortion, with a stable key term (blur, defocus
  blur, motion blur, noise, colour noise, impulse noise, speckle noise, JPEG
  blocking, ringing, pixelation, banding, overexposed, underexposed, too
  bright, too dark, low contrast, harsh contrast, washed-out colour,
  oversaturated, colour cast, vignetting, colour fringing, jitter,
  oversharpened) and a severity word taken from how much the distortion
  actually changed the picture (its own pseudo-MOS), not only its level:
  a blur on a featureless sky is "barely visible";
* clauses on noise, exposure and colour, from measurements, for whatever
  the distortions did not already cover;
* the last clause names the quality word of the pseudo-MOS
  (excellent / good / fair / poor / bad).
Wording varies deterministically with the seed; key terms do not.
"""
import cv2
import numpy as np
from skimage.restoration import estimate_sigma

import pseudo_mos as PM

cv2.setNumThreads(1)


# ---------------------------------------------------------------- statistics
def colourfulness(img_u8):
    """Hasler & Süsstrunk 2003, on 0..255 RGB."""
    x = img_u8.astype(np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def blockiness(y):
    """Mean |step| across 8-px block boundaries over the mean |step| elsewhere (~1 = none)."""
    dh = np.abs(np.diff(y, axis=1))
    dv = np.abs(np.diff(y, axis=0))
    bh = dh[:, 7::8].mean() + dv[7::8, :].mean()
    mask_h = np.ones(dh.shape[1], bool)
    mask_h[7::8] = False
    mask_v = np.ones(dv.shape[0], bool)
    mask_v[7::8] = False
    nh = dh[:, mask_h].mean() + dv[mask_v, :].mean()
    return float((bh + 1e-3) / (nh + 1e-3))


def stats(img_u8):
    """Measured statistics of an RGB uint8 image (luma in 0..1)."""
    y = PM.y_of(img_u8) / 255.0
    lap = cv2.Laplacian(y, cv2.CV_64F, ksize=3)
    gx = cv2.Sobel(y, cv2.CV_64F, 1, 0, ksize=3)
    gy = cv2.Sobel(y, cv2.CV_64F, 0, 1, ksize=3)
    gmag = np.hypot(gx, gy)
    h, w = y.shape
    c = y[h // 4: 3 * h // 4, w // 4: 3 * w // 4].mean()
    corners = np.concatenate([y[:h // 6, :w // 6].ravel(), y[:h // 6, -w // 6:].ravel(),
                              y[-h // 6:, :w // 6].ravel(), y[-h // 6:, -w // 6:].ravel()]).mean()
    return {
        "mean_lum": round(float(y.mean()), 4),
        "rms_contrast": round(float(y.std()), 4),
        "clip_hi": round(float((y > 0.98).mean()), 4),
        "clip_lo": round(float((y < 0.02).mean()), 4),
        "colourfulness": round(colourfulness(img_u8), 2),
        "noise": round(float(estimate_sigma(y, average_sigmas=True)), 5),
        "sharpness": round(float(lap.var()), 6),
        "edge_density": round(float((gmag > 0.25).mean()), 4),
        "blockiness": round(blockiness(y * 255.0), 3),
        "corner_ratio": round(float((corners + 1e-3) / (c + 1e-3)), 3),
    }


# ---------------------------------------------------------------- wording
SEVERITY = [(4.6, "barely visible"), (4.0, "slight"), (3.3, "moderate"), (2.5, "strong"), (-1e9, "severe")]


def severity(mos_alone):
    for t, w in SEVERITY:
        if mos_alone >= t:
            return w
    return "severe"


def pick(rng, options):
    return options[int(rng.integers(len(options)))]


def region(st_ref):
    """A content word from the reference crop: where the defect shows."""
    e = st_ref["edge_density"]
    if e > 0.12:
        return ["fine detail", "fine texture", "the texture"]
    if e > 0.03:
        return ["edge detail", "the subject's outline", "edge definition"]
    return ["the faint detail", "smooth gradation", "the soft background"]


def clause(p, sev, st_ref, st, rng):
    """One clause for one applied distortion p (params dict) with severity word sev."""
    t = p["type"]
    reg = pick(rng, region(st_ref))
    a = sev  # adjective
    if t == "gaussian_blur":
        return pick(rng, [f"{reg} is smeared by {a} Gaussian blur", f"{a} Gaussian blur softens {reg}",
                          f"{reg} looks soft under {a} blur"])
    if t == "lens_blur":
        return pick(rng, [f"{a} defocus blur: {reg} is out of focus", f"{reg} is lost in {a} defocus blur",
                          f"the whole frame is out of focus, {a} defocus blur"])
    if t == "motion_blur":
        ang = p.get("angle_deg", 0.0)
        d = "horizontal" if (ang < 22.5 or ang > 157.5) else ("vertical" if 67.5 < ang < 112.5 else "diagonal")
        return pick(rng, [f"{a} motion blur streaks {reg} in a {d} direction", f"{d} streaking from {a} motion blur",
                          f"{reg} is dragged by {a} {d} motion blur"])
    if t == "chromatic_aberration":
        return pick(rng, [f"{a} colour fringing along edges (chromatic aberration)",
                          f"red and blue colour fringing on contours, {a}", f"edges show {a} colour fringing"])
    if t == "vignette":
        return pick(rng, [f"{a} vignetting darkens the corners", f"corners fall off into {a} vignetting",
                          f"the edges of the frame are shaded by {a} vignetting"])
    if t == "brighten":
        return pick(rng, [f"the image is too bright, shadows lifted ({a})", f"{a} brightening leaves the picture too bright and flat",
                          f"tones are pushed too bright, {a}"])
    if t == "darken":
        return pick(rng, [f"the image is too dark, midtones sunk ({a})", f"{a} darkening makes the picture too dark",
                          f"tones are pushed too dark, {a}"])
    if t == "overexposure":
        clip = " with clipped highlights" if st["clip_hi"] > st_ref["clip_hi"] + 0.02 else ""
        return pick(rng, [f"the frame is overexposed{clip} ({a})",
                          f"overexposed{clip}, {a}", f"{a} overexposure{clip}"])
    if t == "underexposure":
        crush = " and crushed shadows" if st["clip_lo"] > st_ref["clip_lo"] + 0.02 else ""
        return pick(rng, [f"the frame is underexposed{crush}, {a}", f"{a} underexposure{crush}",
                          f"underexposed{crush}: detail sinks into the dark ({a})"])
    if t == "contrast_down":
        return pick(rng, [f"{a} low contrast gives a flat, hazy look", f"low contrast, {a}: blacks are lifted and whites dull",
                          f"the picture is flat with {a} low contrast"])
    if t == "contrast_up":
        return pick(rng, [f"{a} harsh contrast crushes shadows and highlights", f"contrast is pushed too hard ({a} harsh contrast)",
                          f"harsh contrast, {a}, with blocked tones"])
    if t == "saturation_down":
        gone = st["colourfulness"] < 0.15 * max(st_ref["colourfulness"], 1e-6)
        extra = ", nearly grey" if gone else ""
        return pick(rng, [f"{a} washed-out colour{extra}", f"colours are washed-out{extra} ({a})",
                          f"washed-out colour: the palette is drained{extra}, {a}"])
    if t == "saturation_up":
        return pick(rng, [f"colours are oversaturated ({a})",
                          f"colours are oversaturated and garish, {a}", f"{a} oversaturated colour"])
    if t == "colour_cast":
        hue = {"warm": "orange", "cool": "blue", "green": "green", "magenta": "magenta"}[p.get("cast", "warm")]
        return pick(rng, [f"a {a} {hue} colour cast", f"white balance is off: {a} {hue} colour cast",
                          f"{a} {hue} colour cast over the whole frame"])
    if t == "white_noise":
        return pick(rng, [f"{a} noise grain over {reg}", f"{a} noise across the frame", f"{reg} is covered in {a} noise"])
    if t == "colour_noise":
        return pick(rng, [f"{a} colour noise: chroma blotches in flat areas", f"{a} colour noise speckles the smooth areas",
                          f"blotchy colour noise, {a}"])
    if t == "impulse_noise":
        return pick(rng, [f"{a} impulse noise: isolated black and white specks", f"salt-and-pepper impulse noise, {a}",
                          f"{a} impulse noise dots the frame"])
    if t == "speckle_noise":
        return pick(rng, [f"{a} speckle noise, strongest in bright areas", f"grainy speckle noise, {a}",
                          f"{reg} is mottled by {a} speckle noise"])
    if t == "oversharpen":
        return pick(rng, [f"oversharpened, {a}, with halos on edges",
                          f"oversharpened: bright halos and crunchy texture ({a})", f"{a} oversharpening halos"])
    if t == "jitter":
        return pick(rng, [f"{a} jitter breaks edges into ragged pixels", f"pixel jitter, {a}, scrambles {reg}",
                          f"{reg} is disturbed by {a} jitter"])
    if t == "pixelate":
        return pick(rng, [f"{a} pixelation turns {reg} into blocks", f"blocky pixelation, {a}", f"{a} pixelation"])
    if t == "quantisation":
        return pick(rng, [f"{a} banding in smooth gradients (too few tone levels)", f"posterised tones with {a} banding",
                          f"{a} banding steps across smooth areas"])
    if t == "jpeg":
        blocky = st["blockiness"] > 1.15
        if blocky:
            return pick(rng, [f"{a} JPEG blocking with ringing near edges", f"8x8 JPEG blocking, {a}",
                              f"{a} JPEG compression: blocking and smeared texture"])
        return pick(rng, [f"{a} JPEG compression smears fine texture, little blocking", f"{a} JPEG artefacts, mostly softening"])
    if t == "jpeg2000":
        return pick(rng, [f"{a} JPEG2000 compression: ringing around edges and smeared texture",
                          f"ringing and blur from {a} JPEG2000 compression", f"{a} wavelet compression ringing"])
    raise KeyError(t)


NOISE_TYPES = {"white_noise", "colour_noise", "impulse_noise", "speckle_noise"}
TONE_TYPES = {"brighten", "darken", "overexposure", "underexposure", "contrast_down", "contrast_up", "vignette"}
COLOUR_TYPES = {"saturation_down", "saturation_up", "colour_cast", "colour_noise", "chromatic_aberration"}
HF_ARTEFACTS = {"oversharpen", "jitter", "pixelate", "quantisation", "jpeg", "jpeg2000", "chromatic_aberration", "contrast_up"}
BLUR_TYPES = {"gaussian_blur", "lens_blur", "motion_blur", "jpeg2000", "pixelate"}


def describe(plist, parts_mos, mos, st_ref, st, seed):
    """plist: applied distortions (params dicts, [] for pristine); parts_mos:
    pseudo-MOS of each distortion applied alone; mos: pseudo-MOS of the image;
    st_ref / st: stats() of the reference and of the image."""
    rng = np.random.default_rng(seed)
    clauses = []
    visible = [(p, m) for p, m in zip(plist, parts_mos)]
    # strongest first
    for p, m in sorted(visible, key=lambda pm: pm[1]):
        if m >= 4.85:
            continue  # no visible change: the clauses below describe the picture as it is
        clauses.append(clause(p, severity(m), st_ref, st, rng))
    shown = {p["type"] for p, m in visible if m < 4.85}

    if not shown:
        # pristine, or a change too small to see
        if st_ref["edge_density"] < 0.01:
            clauses.append(pick(rng, ["smooth, clean tones; the soft background blur looks intentional",
                                      "a smooth, clean area (out-of-focus background or open sky)",
                                      "smooth out-of-focus areas render cleanly, an intentional bokeh"]))
        elif st_ref["edge_density"] > 0.12:
            clauses.append(pick(rng, ["fine detail is crisp", "texture is sharp and clean", "sharp, well-resolved detail"]))
        else:
            clauses.append(pick(rng, ["edges are clean and sharp", "the subject is sharp", "clean, sharp contours"]))

    if not (shown & NOISE_TYPES):
        extra = max(st["noise"] ** 2 - st_ref["noise"] ** 2, 0.0) ** 0.5
        if extra > 0.02 and not (shown & HF_ARTEFACTS):
            clauses.append(pick(rng, ["some noise is visible", "noise is noticeable"]))
        else:
            clauses.append(pick(rng, ["noise is low", "no visible noise", "clean of noise"]))

    tone_ok = not (shown & TONE_TYPES)
    colour_ok = not (shown & (COLOUR_TYPES - {"colour_noise", "chromatic_aberration"}))
    if st_ref["colourfulness"] < 6:
        col = pick(rng, ["the palette is nearly monochrome", "colour is naturally muted"])
    else:
        col = pick(rng, ["colour looks natural", "colours are natural", "colour is faithful"])
    if st["mean_lum"] < 0.12 and st_ref["mean_lum"] < 0.15:
        expo = pick(rng, ["a dark scene, exposed as intended", "a low-key scene"])
    elif st["mean_lum"] > 0.85 and st_ref["mean_lum"] > 0.8:
        expo = pick(rng, ["a bright, high-key scene", "a light scene, exposed as intended"])
    else:
        expo = pick(rng, ["exposure is balanced", "exposure looks right", "tones are well exposed"])
    if tone_ok and colour_ok:
        clauses.append(pick(rng, [f"{expo} and {col}", f"{expo}; {col}"]))
    elif tone_ok:
        clauses.append(expo)
    elif colour_ok:
        clauses.append(col)

    clauses.append(f"overall quality: {PM.quality_word(mos)}")
    return "; ".join(clauses)
