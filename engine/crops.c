/* Multi-crop preprocessing (our default model, DESIGN.md "numerics"):
 * downscaling a whole photo to 224 px hides the defects we score, so the
 * image is reduced only mildly (shortest side to crop_short_side, never
 * below image_size) and several image_size crops on a fixed grid are taken;
 * the engine averages their features. */
#include "rali.h"

#include <string.h>

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
      x0[k] = (W - S) / 2;
      y0[k] = (H - S) / 2;
      k++;
    }
  if (g > 1)
    for (int j = 0; j < g; j++)
      for (int i = 0; i < g; i++)
        {
          x0[k] = (int) ((gint64) i * (W - S) / (g - 1));
          y0[k] = (int) ((gint64) j * (H - S) / (g - 1));
          k++;
        }
  return TRUE;
}

gboolean
rali_preprocess_crops (float *out, const RaliImage *img, int size, int short_side, int n,
                       const float mean[3], const float std[3], GError **error)
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
  int x0[9], y0[9];
  if (n > 9 || !rali_crop_grid (n, nw, nh, size, x0, y0))
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
