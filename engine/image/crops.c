/* Multi-crop preprocessing (our default model, DESIGN.md "numerics"):
 * downscaling a whole photo to 224 px hides the defects we score, so the
 * image is reduced only mildly (shortest side to crop_short_side, never
 * below image_size) and several image_size crops are taken, on a fixed
 * grid or the most detailed of a candidate grid; the engine averages their
 * features.
 *
 * The resized image is never materialised: each crop (and each candidate
 * window of the detail selection) is resampled on its own with
 * rali_resize_window_rgb8, which gives the bytes of the full resize.  So
 * the cost of an image is bounded by the crops, whatever its aspect ratio:
 * a 60000x1 strip would otherwise be up-scaled to 224 x 13.4 million. */
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
 * interior of the W x H plane Y. */
static gint64
plane_detail (const gint32 *Y, int W, int H)
{
  gint64 sum = 0;
  for (int y = 1; y < H - 1; y++)
    {
      const gint32 *r = Y + (gsize) y * W;
      for (int x = 1; x < W - 1; x++)
        {
          gint32 lap = 4 * r[x] - r[x - 1] - r[x + 1] - r[x - W] - r[x + W];
          sum += lap < 0 ? -lap : lap;
        }
    }
  return sum;
}

/* Detail of the S-px candidate at (cx, cy) of the image resized to W x H:
 * its block window [cx/f, (cx+S)/f) x [cy/f, (cy+S)/f) covers the pixels
 * [cx/f*f, (cx+S)/f*f), which lie inside the image and are resampled alone. */
static gboolean
candidate_detail (const RaliImage *img, int W, int H, int f, int cx, int cy, int S, gint64 *detail)
{
  int bx0 = cx / f, by0 = cy / f, bw = (cx + S) / f - bx0, bh = (cy + S) / f - by0;
  g_autofree guint8 *rgb = g_try_malloc ((gsize) bw * f * bh * f * 3);
  g_autofree gint32 *Y = g_try_new0 (gint32, (gsize) bw * bh);
  if (!rgb || !Y)
    return FALSE;
  rali_resize_window_rgb8 (rgb, bx0 * f, by0 * f, bw * f, bh * f, W, H, img->rgb, img->width, img->height);
  for (int y = 0; y < bh * f; y++)
    {
      const guint8 *p = rgb + (gsize) y * bw * f * 3;
      gint32 *r = Y + (gsize) (y / f) * bw;
      for (int x = 0; x < bw * f; x++, p += 3)
        r[x / f] += (77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8;
    }
  *detail = plane_detail (Y, bw, bh);
  return TRUE;
}

gboolean
rali_crop_select_detail (int n, int g, int f, const RaliImage *img, int W, int H, int S, int *x0, int *y0)
{
  if (g < 1 || n < 1 || n > g * g || g * g > RALI_MAX_CROP_CANDIDATES || W < S || H < S ||
      f < 1 || f > RALI_MAX_CROP_SELECT_SCALE || S / f < 3)
    return FALSE;
  /* luma summed over f x f blocks: detail at the scale of a subject's edges,
   * which the pixel-level noise, grain and compression artefacts of the
   * photo (or of a distortion) hardly change */
  int cx[RALI_MAX_CROP_CANDIDATES], cy[RALI_MAX_CROP_CANDIDATES];
  gint64 detail[RALI_MAX_CROP_CANDIDATES];
  gboolean taken[RALI_MAX_CROP_CANDIDATES] = { 0 };
  for (int j = 0, k = 0; j < g; j++)
    for (int i = 0; i < g; i++, k++)
      {
        cx[k] = grid_position (i, g, W, S);
        cy[k] = grid_position (j, g, H, S);
        if (!candidate_detail (img, W, H, f, cx[k], cy[k], S, &detail[k]))
          return FALSE;
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
  gint64 nl64 = (gint64) target * l / s;
  if (nl64 > G_MAXINT / 4)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                   "aspect ratio %dx%d is too extreme: its long side would be resized to %" G_GINT64_FORMAT " px",
                   w, h, nl64);
      return FALSE;
    }
  int ns = target, nl = (int) nl64;
  int nw = w <= h ? ns : nl, nh = w <= h ? nl : ns;
  int x0[RALI_MAX_CROP_CANDIDATES], y0[RALI_MAX_CROP_CANDIDATES];
  gboolean placed = select_grid > 0 ? rali_crop_select_detail (n, select_grid, select_scale, img, nw, nh, size, x0, y0)
                                    : n <= 9 && rali_crop_grid (n, nw, nh, size, x0, y0);
  if (!placed)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cannot take %d crops of %d px from %dx%d", n, size, nw, nh);
      return FALSE;
    }
  gsize plane = (gsize) size * size;
  g_autofree guint8 *crop = g_try_malloc (plane * 3);
  if (!crop)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "out of memory for a %d px crop", size);
      return FALSE;
    }
  for (int k = 0; k < n; k++)
    {
      float *o = out + (gsize) k * 3 * plane;
      rali_resize_window_rgb8 (crop, x0[k], y0[k], size, size, nw, nh, img->rgb, w, h);
      for (gsize i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++)
          o[c * plane + i] = (crop[3 * i + c] / 255.0f - mean[c]) / std[c];
    }
  return TRUE;
}
