#!/usr/bin/python3
"""Full-reference pseudo-MOS (issue 8): a continuous 1..5 quality target for a
distorted crop, from comparison with its pristine crop.

Two kinds of term, because MS-SSIM alone is blind to colour (it runs on
luma), underrates global tone changes (a brighten/darken keeps structure)
and, compared with human studies, is harsh on noise and lenient on blur:

  structure  d_s = 1 - MS-SSIM(Y_ref, Y_dist)
             Wang, Simoncelli & Bovik 2003: 5 scales, 11-tap Gaussian
             (sigma 1.5), weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333),
             2x2 mean pooling between scales, 'valid' windows, negative
             contrast-structure terms clipped to 0;
             g   = GMSD(Y_ref, Y_dist), Xue et al. 2014 (2x2 mean + downsample,
             Prewitt gradients, c = 170, standard deviation of the gradient
             magnitude similarity map).  GMSD ranks blur against noise more
             like human panels do; averaging the two halves each one's bias.
  detail     dl = content-weighted loss of band-pass energy in three octave
             bands (see detail_loss): both SSIM-type measures saturate early
             under blur and rate a heavy blur far better than human panels
             do; dl keeps growing with blur and smoothing, is ~0 on
             featureless crops (where a blur is indeed invisible) and ~0
             for noise (added energy is not loss).
             Together they catch blur, noise, compression, pixelation,
             jitter, fringing, banding, halos.
  tone/colour  dE = mean CIEDE2000 between the two images after a Gaussian
             low-pass (sigma 2 px, a crude S-CIELAB): how far the *look*
             (exposure, contrast, white balance, saturation, vignetting)
             moved, ignoring the fine structure already counted above.
             Without it a fully desaturated crop would score 5 and a
             brightened one nearly 5.

All are put in rough "just noticeable" units and added:

  D   = 0.5 * d_s / S_JND + 0.5 * g / G_JND + (dl / L_REF) ** L_POW + dE / E_JND
        (S_JND = 0.02, G_JND = 0.04, L_REF = 0.07, L_POW = 1.8, E_JND = 3.0;
         the detail term is expansive because the finest band goes first
         and is the least visible: a sigma 0.5 px blur costs ~0.2 units, a
         sigma 4.5 px blur ~8; E_JND is above the
         side-by-side JND of ~1-2 because a quality judgement has no
         reference: a small global shift in tone or white balance is not
         a defect until it is clearly off)
  MOS = 1 + 4 / (1 + (D / D50) ** P)      (D50 = 5.0, P = 1.3)

so MOS = 5 exactly for the reference itself (a pristine crop, whatever it
shows: intentional bokeh, a dark night sky or a grey photograph are their
own reference and score 5), ~4.5 at one unit, 3 at D50 = 5 units and ~1.8
at 15 units.  The mapping is monotonic in D, and D in each of d_s, g and
dl and dE.  See tools/train/TARGETS.md.
"""
import cv2
import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab

cv2.setNumThreads(1)

S_JND = 0.02
G_JND = 0.04
L_REF = 0.07
L_POW = 1.8
E_JND = 3.0
D50 = 5.0
P = 1.3
MS_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
QUALITY_WORDS = [(4.2, "excellent"), (3.4, "good"), (2.6, "fair"), (1.8, "poor"), (-1e9, "bad")]


def y_of(img_u8):
    """BT.601 luma in 0..255, float64."""
    return img_u8.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _ssim_terms(x, y, C1=(0.01 * 255) ** 2, C2=(0.03 * 255) ** 2):
    def f(a):
        return cv2.GaussianBlur(a, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)[5:-5, 5:-5]
    mx, my = f(x), f(y)
    sxx = f(x * x) - mx * mx
    syy = f(y * y) - my * my
    sxy = f(x * y) - mx * my
    cs = (2 * sxy + C2) / (sxx + syy + C2)
    lum = (2 * mx * my + C1) / (mx * mx + my * my + C1)
    return float(np.mean(lum)), float(np.mean(cs))


def ms_ssim(ref_u8, dist_u8):
    x, y = y_of(ref_u8), y_of(dist_u8)
    vals = []
    for s in range(5):
        lum, cs = _ssim_terms(x, y)
        vals.append(max(cs, 0.0) if s < 4 else max(lum * cs, 0.0))
        if s < 4:
            h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
            x = x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
            y = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return float(np.prod(np.power(vals, MS_WEIGHTS)))


def gmsd(ref_u8, dist_u8, c=170.0):
    """Gradient magnitude similarity deviation (0 = identical), on 0..255 luma."""
    x, y = y_of(ref_u8), y_of(dist_u8)
    k = np.ones((2, 2)) / 4
    x = cv2.filter2D(x, -1, k)[::2, ::2]
    y = cv2.filter2D(y, -1, k)[::2, ::2]
    hx = np.array([[1, 0, -1]] * 3) / 3.0
    def gm(a):
        return np.sqrt(cv2.filter2D(a, -1, hx) ** 2 + cv2.filter2D(a, -1, hx.T) ** 2)
    gx, gy = gm(x), gm(y)
    gms = (2 * gx * gy + c) / (gx * gx + gy * gy + c)
    return float(np.std(gms))


def detail_loss(ref_u8, dist_u8, k=2.0, win=9):
    """Content-weighted loss of detail (0 = none, -> 1 = all) over three
    octave bands (differences of Gaussians at sigma 0, 1, 2, 4 px): in each,
    the local band energy (|band|, averaged over win x win) that the
    distorted image lacks, relative to the reference's plus k (0..255 units,
    a visibility floor: a featureless area cannot lose detail); mean over
    pixels and bands.  Energy *added* (noise, halos) does not count here;
    the other terms see it.  The distorted bands are first rescaled by the
    ratio of the two images' coarse contrast (std of the sigma-4 low-pass,
    clamped to 1/4..4), so a global contrast or tone change is not counted as
    lost detail (dE and the SSIM terms see it) while blur, which barely
    moves the coarse contrast, is."""
    def bands(a):
        y = y_of(a)
        g = [y] + [cv2.GaussianBlur(y, (0, 0), s, borderType=cv2.BORDER_REFLECT) for s in (1.0, 2.0, 4.0)]
        return [cv2.blur(np.abs(g[i] - g[i + 1]), (win, win), borderType=cv2.BORDER_REFLECT) for i in range(3)], g[3].std()
    br, sr = bands(ref_u8)
    bd, sd = bands(dist_u8)
    c = float(np.clip(sr / max(sd, 1e-6), 0.25, 4.0))
    return float(np.mean([np.mean(np.maximum(er - c * ed, 0.0) / (er + k)) for er, ed in zip(br, bd)]))


def delta_e(ref_u8, dist_u8, sigma=2.0):
    """Mean CIEDE2000 between low-passed versions (tone and colour shift)."""
    def lab(a):
        a = cv2.GaussianBlur(a.astype(np.float32) / 255.0, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        return rgb2lab(a)
    return float(np.mean(deltaE_ciede2000(lab(ref_u8), lab(dist_u8))))


def mos_from_components(d_s, g, dl, de):
    D = 0.5 * max(d_s, 0.0) / S_JND + 0.5 * g / G_JND + (dl / L_REF) ** L_POW + de / E_JND
    return 1.0 + 4.0 / (1.0 + (D / D50) ** P), D


def pseudo_mos(ref_u8, dist_u8):
    """Returns (mos in [1, 5], components dict)."""
    if np.array_equal(ref_u8, dist_u8):
        return 5.0, {"ms_ssim": 1.0, "gmsd": 0.0, "detail_loss": 0.0, "delta_e": 0.0, "jnd": 0.0}
    m = ms_ssim(ref_u8, dist_u8)
    g = gmsd(ref_u8, dist_u8)
    dl = detail_loss(ref_u8, dist_u8)
    de = delta_e(ref_u8, dist_u8)
    mos, D = mos_from_components(1.0 - m, g, dl, de)
    return float(mos), {"ms_ssim": round(m, 5), "gmsd": round(g, 5), "detail_loss": round(dl, 5),
                        "delta_e": round(de, 4), "jnd": round(D, 4)}


def quality_word(mos):
    for t, w in QUALITY_WORDS:
        if mos >= t:
            return w
    return "bad"
