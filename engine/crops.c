/* Multi-crop preprocessing (our default model, DESIGN.md "numerics"):
 * downscaling a whole photo to 224 px hides the defects we score, so the
 * image is reduced only mildly (shortest side to crop_short_side, never
 * below image_size) and several image_size crops are taken, on a fixed
 * grid or the most detailed of a candidate grid; the engine averages their
 * features. */
#include "rali.h"

#include <string.h>

/* The i-th of g positions of an S-wide window spanning a W-wide image edge
 * to edge (the centre when g = 1); the fixed grid and the detail-picked
 * candidates share it, so both place a crop at the same pixel. */
static int
grid_position (int i, int g, int W, int S)
{
  return g == 1 ? (W - S) / 2 : (int) ((gint64) i * (W - S) / (g - 1));
}

/* Top-left corners of n crops of size S in a W x H image: a g x g grid
 * spanning edge to edge (g = 2 for 4 or 5 crops, 3 for 9), plus the centre
 * crop for 5; 1 crop is the centre. */
gboolean
rali_crop_grid (int n, int W, int H, int S, int *x0, int *y0)
{
  int g = n == 1 ? 1 : n == 4 || n == 5 ? 2 : n == 9 ? 3 : 0;
  if (g == 0 || W < S || H < S)
    return FALSE;
  int k = 0;
  if (g == 1 || n == 5)
    {
      x0[k] = grid_position (0, 1, W, S);
      y0[k] = grid_position (0, 1, H, S);
      k++;
    }
  if (g > 1)
    for (int j = 0; j < g; j++)
      for (int i = 0; i < g; i++)
        {
          x0[k] = grid_position (i, g, W, S);
          y0[k] = grid_position (j, g, H, S);
          k++;
        }
  return TRUE;
}

/* Sum of |4 Y(x,y) - Y(x-1,y) - Y(x+1,y) - Y(x,y-1) - Y(x,y+1)| over the
 * interior of the window [x0, x1) x [y0, y1) of the plane Y (W wide). */
static gint64
window_detail (const gint32 *Y, int W, int x0, int y0, int x1, int y1)
{
  gint64 sum = 0;
  for (int y = y0 + 1; y < y1 - 1; y++)
    {
      const gint32 *r = Y + (gsize) y * W;
      for (int x = x0 + 1; x < x1 - 1; x++)
        {
          gint32 lap = 4 * r[x] - r[x - 1] - r[x + 1] - r[x - W] - r[x + W];
          sum += lap < 0 ? -lap : lap;
        }
    }
  return sum;
}

gboolean
rali_crop_select_detail (int n, int g, int f, const guint8 *rgb, int W, int H, int S, int *x0, int *y0)
{
  if (g < 1 || n < 1 || n > g * g || g * g > RALI_MAX_CROP_CANDIDATES || W < S || H < S ||
      f < 1 || f > RALI_MAX_CROP_SELECT_SCALE || S / f < 3)
    return FALSE;
  /* luma summed over f x f blocks: detail at the scale of a subject's edges,
   * which the pixel-level noise, grain and compression artefacts of the
   * photo (or of a distortion) hardly change */
  int Wc = W / f, Hc = H / f;
  g_autofree gint32 *Y = g_try_new0 (gint32, (gsize) Wc * Hc);
  if (!Y)
    return FALSE;
  for (int y = 0; y < Hc * f; y++)
    {
      const guint8 *p = rgb + (gsize) y * W * 3;
      gint32 *r = Y + (gsize) (y / f) * Wc;
      for (int x = 0; x < Wc * f; x++, p += 3)
        r[x / f] += (77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8;
    }
  int cx[RALI_MAX_CROP_CANDIDATES], cy[RALI_MAX_CROP_CANDIDATES];
  gint64 detail[RALI_MAX_CROP_CANDIDATES];
  gboolean taken[RALI_MAX_CROP_CANDIDATES] = { 0 };
  for (int j = 0, k = 0; j < g; j++)
    for (int i = 0; i < g; i++, k++)
      {
        cx[k] = grid_position (i, g, W, S);
        cy[k] = grid_position (j, g, H, S);
        detail[k] = window_detail (Y, Wc, cx[k] / f, cy[k] / f, (cx[k] + S) / f, (cy[k] + S) / f);
      }
  /* n rounds of "the most detailed candidate not yet taken" (first wins ties) */
  for (int r = 0; r < n; r++)
    {
      int best = -1;
      for (int k = 0; k < g * g; k++)
        if (!taken[k] && (best < 0 || detail[k] > detail[best]))
          best = k;
      taken[best] = TRUE;
    }
  for (int k = 0, m = 0; k < g * g; k++)
    if (taken[k])
      {
        x0[m] = cx[k];
        y0[m] = cy[k];
        m++;
      }
  return TRUE;
}

gboolean
rali_preprocess_crops (float *out, const RaliImage *img, int size, int short_side, int n, int select_grid,
                       int select_scale, const float mean[3], const float std[3], GError **error)
{
  int w = img->width, h = img->height;
  int s = MIN (w, h), l = MAX (w, h);
  /* shortest side to short_side when larger, to size when smaller */
  int target = s > short_side ? short_side : s < size ? size : s;
  int ns = target, nl = (int) ((gint64) target * l / s);
  int nw = w <= h ? ns : nl, nh = w <= h ? nl : ns;
  g_autofree guint8 *resized = NULL;
  const guint8 *rgb = img->rgb;
  if (nw != w || nh != h)
    {
      resized = g_try_malloc ((gsize) nw * nh * 3);
      if (!resized)
        {
          g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "out of memory resizing to %dx%d", nw, nh);
          return FALSE;
        }
      rali_resize_bicubic_rgb8 (resized, nw, nh, img->rgb, w, h);
      rgb = resized;
    }
  int x0[RALI_MAX_CROP_CANDIDATES], y0[RALI_MAX_CROP_CANDIDATES];
  gboolean placed = select_grid > 0 ? rali_crop_select_detail (n, select_grid, select_scale, rgb, nw, nh, size, x0, y0)
                                    : n <= 9 && rali_crop_grid (n, nw, nh, size, x0, y0);
  if (!placed)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cannot take %d crops of %d px from %dx%d", n, size, nw, nh);
      return FALSE;
    }
  gsize plane = (gsize) size * size;
  for (int k = 0; k < n; k++)
    {
      float *o = out + (gsize) k * 3 * plane;
      for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
          {
            const guint8 *p = rgb + (((gsize) (y0[k] + y)) * nw + x0[k] + x) * 3;
            for (int c = 0; c < 3; c++)
              o[c * plane + (gsize) y * size + x] = (p[c] / 255.0f - mean[c]) / std[c];
          }
    }
  return TRUE;
}
