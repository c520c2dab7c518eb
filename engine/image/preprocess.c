/* CLIP preprocessing, and the one hand-written piece of the engine: an
 * antialiased bicubic resampler that gives Pillow's bytes exactly.
 *
 * Pillow (9.4, libImaging/Resample.c) resamples 8-bit images separably:
 *  - per axis, an output sample xx is centred at (xx + 0.5) * scale in the
 *    input, scale = in/out; when shrinking, the filter is stretched by
 *    filterscale = max(scale, 1) so that it also low-passes;
 *  - the taps cover input [center - support, center + support) rounded to
 *    whole pixels, with support = 2 * filterscale for bicubic (a = -0.5);
 *  - weights are normalised to sum 1 in double, then turned into
 *    fixed point with PRECISION_BITS = 32 - 8 - 2 = 22 fractional bits
 *    (round half away from zero);
 *  - a pass accumulates pixel * weight in integers, starting at 1 << 21 so
 *    that the final >> 22 rounds, and clips to 0..255;
 *  - the horizontal pass runs first (into uint8: the intermediate is clipped
 *    and rounded), then the vertical one; a pass is skipped when its
 *    dimension does not change, and no pass at all is a plain copy.
 * Each step below reproduces those double and integer operations in the
 * same order, which is what makes the result bit-exact.
 *
 * Every output sample depends only on its own taps, so we can compute any
 * window of the full-size output with the same bytes Pillow gives for the
 * full image; rali_preprocess_clip and the crops use that to produce only their
 * crops, which keeps extreme aspect ratios from allocating huge images. */
#include "rali.h"

#include <math.h>
#include <string.h>

/* Pillow is built without FMA contraction (x86-64 baseline); a fused
 * multiply-add in the weight arithmetic would round differently and break
 * bit-exactness when this file is built with -march=native or on aarch64. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

#define PRECISION_BITS (32 - 8 - 2)
#define RALI_MAX_CLIP_SIZE 8192

/* Keys' cubic convolution kernel with a = -0.5, written as Pillow writes it
 * (the evaluation order matters for bit-exact weights). */
static double
bicubic (double x)
{
  const double a = -0.5;
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/* Filter taps along one axis for output samples [o0, o0 + n) of an output
 * of out_size samples resampled from in_size samples. */
typedef struct {
  int ksize;    /* room per output sample */
  int *start;   /* [n] first input sample used */
  int *count;   /* [n] number of input samples used */
  gint32 *k;    /* [n, ksize] fixed-point weights */
} Taps;

static void
taps_init (Taps *t, int in_size, int out_size, int o0, int n)
{
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 2.0 * filterscale;
  double ss = 1.0 / filterscale;
  int ksize = (int) ceil (support) * 2 + 1;
  g_autofree double *w = g_new (double, ksize);

  t->ksize = ksize;
  t->start = g_new (int, n);
  t->count = g_new (int, n);
  t->k = g_new0 (gint32, (gsize) n * ksize);

  for (int i = 0; i < n; i++) {
    int xx = o0 + i;
    double center = (xx + 0.5) * scale;
    double ww = 0.0;
    /* (int) truncates: Pillow's "round the value" after the + 0.5 */
    int xmin = (int) (center - support + 0.5);
    int xmax = (int) (center + support + 0.5);
    if (xmin < 0)
      xmin = 0;
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; x++) {
      w[x] = bicubic ((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    gint32 *k = t->k + (gsize) i * ksize;
    for (int x = 0; x < xmax; x++) {
      double v = ww != 0.0 ? w[x] / ww : w[x];
      k[x] = v < 0 ? (gint32) (-0.5 + v * (1 << PRECISION_BITS))
                   : (gint32) (0.5 + v * (1 << PRECISION_BITS));
    }
    t->start[i] = xmin;
    t->count[i] = xmax;
  }
}

static void
taps_clear (Taps *t)
{
  g_clear_pointer (&t->start, g_free);
  g_clear_pointer (&t->count, g_free);
  g_clear_pointer (&t->k, g_free);
}

/* Pillow's clip8: the accumulator carries 22 fractional bits and the 1<<21
 * rounding offset; floor-shift, then clamp to a byte. */
static inline guint8
clip8 (gint64 acc)
{
  if (acc < 0)
    return 0;
  acc >>= PRECISION_BITS;
  return acc > 255 ? 255 : (guint8) acc;
}

/* The passes below take the pixel size C (3 or 4 bytes, each channel
 * resampled alike) as a constant: inlined into one caller per C, each loop
 * is compiled for its own channel count, so the three-channel path the
 * preprocessing runs is the code it was before C existed.  The two passes
 * keep four scalar accumulators each rather than sharing an array-based
 * helper: with a gint64 a[C] array the resize measured 2x slower. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Horizontal pass.  dst: [rows, n_out, C] (row stride dst_stride bytes);
 * src: [rows, *, C] (row stride src_stride bytes); taps t has n_out entries. */
static ALWAYS_INLINE void
resample_horizontal (guint8 *dst, gsize dst_stride, const guint8 *src, gsize src_stride,
                     int rows, const Taps *t, int n_out, const int C)
{
  for (int y = 0; y < rows; y++) {
    const guint8 *srow = src + (gsize) y * src_stride;
    guint8 *drow = dst + (gsize) y * dst_stride;
    for (int xx = 0; xx < n_out; xx++) {
      const gint32 *k = t->k + (gsize) xx * t->ksize;
      const guint8 *s = srow + (gsize) t->start[xx] * C;
      gint64 a0 = 1 << (PRECISION_BITS - 1), a1 = a0, a2 = a0, a3 = a0;
      for (int x = 0; x < t->count[xx]; x++) {
        a0 += (gint64) s[C * x + 0] * k[x];
        a1 += (gint64) s[C * x + 1] * k[x];
        a2 += (gint64) s[C * x + 2] * k[x];
        if (C == 4)
          a3 += (gint64) s[C * x + 3] * k[x];
      }
      drow[C * xx + 0] = clip8 (a0);
      drow[C * xx + 1] = clip8 (a1);
      drow[C * xx + 2] = clip8 (a2);
      if (C == 4)
        drow[C * xx + 3] = clip8 (a3);
    }
  }
}

/* Vertical pass.  dst: [n_out, width, C]; src row r holds input row
 * r + src_row0 (so taps' starts are shifted by src_row0). */
static ALWAYS_INLINE void
resample_vertical (guint8 *dst, gsize dst_stride, const guint8 *src, gsize src_stride,
                   int src_row0, int width, const Taps *t, int n_out, const int C)
{
  for (int yy = 0; yy < n_out; yy++) {
    const gint32 *k = t->k + (gsize) yy * t->ksize;
    const guint8 *s0 = src + (gsize) (t->start[yy] - src_row0) * src_stride;
    guint8 *drow = dst + (gsize) yy * dst_stride;
    for (int x = 0; x < width; x++) {
      gint64 a0 = 1 << (PRECISION_BITS - 1), a1 = a0, a2 = a0, a3 = a0;
      for (int y = 0; y < t->count[yy]; y++) {
        const guint8 *s = s0 + (gsize) y * src_stride + (gsize) x * C;
        a0 += (gint64) s[0] * k[y];
        a1 += (gint64) s[1] * k[y];
        a2 += (gint64) s[2] * k[y];
        if (C == 4)
          a3 += (gint64) s[3] * k[y];
      }
      drow[C * x + 0] = clip8 (a0);
      drow[C * x + 1] = clip8 (a1);
      drow[C * x + 2] = clip8 (a2);
      if (C == 4)
        drow[C * x + 3] = clip8 (a3);
    }
  }
}

static ALWAYS_INLINE void
resize_window (guint8 *dst, int x0, int y0, int cw, int ch, int dst_w, int dst_h,
               const guint8 *src, int src_w, int src_h, const int C)
{
  gboolean need_h = dst_w != src_w, need_v = dst_h != src_h;
  gsize src_stride = (gsize) src_w * C, dst_stride = (gsize) cw * C;
  Taps tv = { 0 }, th = { 0 };
  int row0 = y0, row1 = y0 + ch; /* input rows the window needs */

  if (!need_h && !need_v) {
    for (int y = 0; y < ch; y++)
      memcpy (dst + (gsize) y * dst_stride, src + (gsize) (y0 + y) * src_stride + (gsize) x0 * C,
              dst_stride);
    return;
  }
  if (need_v) {
    taps_init (&tv, src_h, dst_h, y0, ch);
    row0 = tv.start[0];
    row1 = tv.start[ch - 1] + tv.count[ch - 1];
  }
  if (need_h) {
    taps_init (&th, src_w, dst_w, x0, cw);
    if (!need_v) {
      resample_horizontal (dst, dst_stride, src + (gsize) y0 * src_stride, src_stride, ch, &th, cw, C);
    } else {
      /* Pillow keeps the intermediate as uint8: same here */
      g_autofree guint8 *tmp = g_new (guint8, (gsize) (row1 - row0) * dst_stride);
      resample_horizontal (tmp, dst_stride, src + (gsize) row0 * src_stride, src_stride,
                           row1 - row0, &th, cw, C);
      resample_vertical (dst, dst_stride, tmp, dst_stride, row0, cw, &tv, ch, C);
    }
  } else {
    resample_vertical (dst, dst_stride, src + (gsize) x0 * C, src_stride, 0, cw, &tv, ch, C);
  }
  taps_clear (&th);
  taps_clear (&tv);
}

void
rali_resize_window_rgb8 (guint8 *dst, int x0, int y0, int cw, int ch, int dst_w, int dst_h,
               const guint8 *src, int src_w, int src_h)
{
  resize_window (dst, x0, y0, cw, ch, dst_w, dst_h, src, src_w, src_h, 3);
}

void
rali_resize_bicubic_4x8 (guint8 *dst, int dst_w, int dst_h, const guint8 *src, int src_w, int src_h)
{
  g_return_if_fail (dst != NULL && src != NULL);
  g_return_if_fail (dst_w > 0 && dst_h > 0 && src_w > 0 && src_h > 0);
  resize_window (dst, 0, 0, dst_w, dst_h, dst_w, dst_h, src, src_w, src_h, 4);
}

void
rali_resize_bicubic_rgb8 (guint8 *dst, int dst_w, int dst_h,
                          const guint8 *src, int src_w, int src_h)
{
  g_return_if_fail (dst != NULL && src != NULL);
  g_return_if_fail (dst_w > 0 && dst_h > 0 && src_w > 0 && src_h > 0);
  rali_resize_window_rgb8 (dst, 0, 0, dst_w, dst_h, dst_w, dst_h, src, src_w, src_h);
}

/* The arguments every preprocessing checks: an image, a model size, a
 * finite mean and a finite non-zero std per channel. */
static gboolean
check_preprocess_args (const RaliImage *img, int size, const float mean[3], const float std[3], GError **error)
{
  if (img->rgb == NULL || img->width <= 0 || img->height <= 0) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "preprocess: empty image");
    return FALSE;
  }
  if (size <= 0 || size > RALI_MAX_CLIP_SIZE) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "preprocess: bad model image size %d", size);
    return FALSE;
  }
  for (int c = 0; c < 3; c++) {
    if (!(std[c] != 0.0f) || !isfinite (std[c]) || !isfinite (mean[c])) {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "preprocess: bad mean/std for channel %d", c);
      return FALSE;
    }
  }
  return TRUE;
}

/* HF get_resize_output_image_size(default_to_square=False): the short side
 * becomes size, the long one int(size * long / short).  Python computes
 * size*long exactly, then one correctly rounded division, then truncates:
 * the same as the double arithmetic here (before the truncation). */
static double
clip_long_side (int size, int long_side, int short_side)
{
  return (double) ((gint64) size * long_side) / (double) short_side;
}

/* packed RGB8 [plane, 3] to planar [3, plane]: HF rescale (float64
 * x * (1/255) cast to float32), then normalize in float32 */
static void
normalise_rgb8 (float *out, const guint8 *rgb, gsize plane, const float mean[3], const float std[3])
{
  for (gsize i = 0; i < plane; i++) {
    for (int c = 0; c < 3; c++) {
      float x = (float) (rgb[3 * i + c] * (1.0 / 255.0));
      out[c * plane + i] = (x - mean[c]) / std[c];
    }
  }
}

gboolean
rali_preprocess_clip (float *out, const RaliImage *img, int size,
                      const float mean[3], const float std[3], GError **error)
{
  g_return_val_if_fail (out != NULL && img != NULL && mean != NULL && std != NULL, FALSE);

  if (!check_preprocess_args (img, size, mean, std, error))
    return FALSE;

  /* CLIP's resize (clip_long_side), then the centre crop */
  int w = img->width, h = img->height;
  int short_side = MIN (w, h), long_side = MAX (w, h);
  double nl = clip_long_side (size, long_side, short_side);
  if (nl > (double) (G_MAXINT / 4)) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                 "preprocess: aspect ratio %dx%d is too extreme", w, h);
    return FALSE;
  }
  int new_long = (int) nl;
  int nw = w <= h ? size : new_long;
  int nh = w <= h ? new_long : size;

  /* centre crop at ((nw - size) // 2, (nh - size) // 2); both are >= 0 */
  g_autofree guint8 *crop = g_new (guint8, (gsize) size * size * 3);
  rali_resize_window_rgb8 (crop, (nw - size) / 2, (nh - size) / 2, size, size, nw, nh,
                           img->rgb, w, h);

  normalise_rgb8 (out, crop, (gsize) size * size, mean, std);
  return TRUE;
}

void
rali_frame_shape (int w, int h, int size, int *crop_w, int *crop_h, int *out_w, int *out_h)
{
  int cw = MAX (w, 1), ch = MAX (h, 1);
  /* the long side cut to RALI_FRAME_MAX_ASPECT times the short one */
  if ((gint64) cw > (gint64) ch * RALI_FRAME_MAX_ASPECT)
    cw = ch * RALI_FRAME_MAX_ASPECT;
  else if ((gint64) ch > (gint64) cw * RALI_FRAME_MAX_ASPECT)
    ch = cw * RALI_FRAME_MAX_ASPECT;
  /* the short side to size, the long one as CLIP's resize computes it
   * (rali_preprocess_clip): the frame's middle square is CLIP's input */
  int short_side = MIN (cw, ch), long_side = MAX (cw, ch);
  int nl = (int) clip_long_side (size, long_side, short_side);
  nl = CLAMP (nl, size, size * RALI_FRAME_MAX_ASPECT);
  *crop_w = cw;
  *crop_h = ch;
  *out_w = cw <= ch ? size : nl;
  *out_h = cw <= ch ? nl : size;
}

gboolean
rali_preprocess_frame (float *out, const RaliImage *img, int size, const float mean[3], const float std[3],
                       int *out_h, int *out_w, GError **error)
{
  g_return_val_if_fail (out != NULL && img != NULL && mean != NULL && std != NULL, FALSE);
  if (!check_preprocess_args (img, size, mean, std, error))
    return FALSE;
  int w = img->width, h = img->height, cw, ch, ow, oh;
  rali_frame_shape (w, h, size, &cw, &ch, &ow, &oh);
  /* never more than RALI_FRAME_MAX_ASPECT·size² pixels: the caller's
   * buffer holds 3 floats for each */
  if ((gint64) ow * oh > (gint64) size * size * RALI_FRAME_MAX_ASPECT)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "preprocess: frame %dx%d exceeds %d x %d pixels", ow, oh,
                   size * RALI_FRAME_MAX_ASPECT, size);
      return FALSE;
    }
  /* the centre crop, packed, when the aspect ratio was cut (rare) */
  const guint8 *src = img->rgb;
  g_autofree guint8 *cut = NULL;
  if (cw != w || ch != h)
    {
      cut = g_new (guint8, (gsize) cw * ch * 3);
      int x0 = (w - cw) / 2, y0 = (h - ch) / 2;
      for (int y = 0; y < ch; y++)
        memcpy (cut + (gsize) y * cw * 3, img->rgb + ((gsize) (y0 + y) * w + x0) * 3, (gsize) cw * 3);
      src = cut;
    }
  g_autofree guint8 *px = g_new (guint8, (gsize) ow * oh * 3);
  rali_resize_bicubic_rgb8 (px, ow, oh, src, cw, ch);
  normalise_rgb8 (out, px, (gsize) ow * oh, mean, std);
  *out_h = oh;
  *out_w = ow;
  return TRUE;
}
