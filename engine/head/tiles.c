/* Tile scores: see explain.h.  Each tile is one S x S view: a window of
 * one resize of the photo (rali_resize_window_rgb8, so only the windows are
 * computed), normalised as the model's crops are, through the engine in
 * batches, then through the head alone. */
#include "head/explain.h"
#include "nn/model-private.h"

#include <math.h>
#include <string.h>

void
rali_tile_grid_auto (int W, int H, int S, int *cols, int *rows)
{
  int short_side = MAX (MIN (W, H), 1), long_side = MAX (MAX (W, H), 1);
  int ns = CLAMP (short_side / MAX (S, 1), 3, 6);
  int nl = (int) CLAMP (floor ((double) ns * long_side / short_side + 0.5), ns, 6);
  *cols = W >= H ? nl : ns;
  *rows = W >= H ? ns : nl;
}

/* cell i of n along an edge of W pixels: [i W / n, (i + 1) W / n) */
static void
cell_span (int i, int n, int W, int *x0, int *len)
{
  int a = (int) ((gint64) i * W / n), b = (int) ((gint64) (i + 1) * W / n);
  *x0 = a;
  *len = b - a;
}

gboolean
rali_tile_layout (int W, int H, int cols, int rows, int S, RaliTileScore *tiles, GError **error)
{
  if (W <= 0 || H <= 0 || cols < 1 || rows < 1 || cols > RALI_TILES_MAX * RALI_TILES_MAX
      || rows > RALI_TILES_MAX * RALI_TILES_MAX || cols > W || rows > H)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cannot lay %d x %d tiles on a %d x %d image", cols, rows, W,
                   H);
      return FALSE;
    }
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        RaliTileScore *t = &tiles[r * cols + c];
        memset (t, 0, sizeof *t);
        t->col = c;
        t->row = r;
        cell_span (c, cols, W, &t->cell_x, &t->cell_w);
        cell_span (r, rows, H, &t->cell_y, &t->cell_h);
        int T = MIN (MAX (MAX (t->cell_w, t->cell_h), S), MIN (W, H));
        /* centred on the cell, moved inside the photo */
        t->x = CLAMP (t->cell_x + t->cell_w / 2 - T / 2, 0, W - T);
        t->y = CLAMP (t->cell_y + t->cell_h / 2 - T / 2, 0, H - T);
        t->w = t->h = T;
        t->top_index = -1;
      }
  return TRUE;
}

/* The photo resized so that a T-px square becomes S px: nw x nh (>= S),
 * and the window of the square at (x, y) in it. */
static gboolean
resized_window (int W, int H, int T, int S, int x, int y, int *nw, int *nh, int *wx, int *wy, GError **error)
{
  double s = (double) S / T;
  double dw = floor (W * s + 0.5), dh = floor (H * s + 0.5);
  if (dw > G_MAXINT / 4 || dh > G_MAXINT / 4)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "tiles: aspect ratio %dx%d is too extreme", W, H);
      return FALSE;
    }
  *nw = MAX ((int) dw, S);
  *nh = MAX ((int) dh, S);
  *wx = CLAMP ((int) floor (x * s + 0.5), 0, *nw - S);
  *wy = CLAMP ((int) floor (y * s + 0.5), 0, *nh - S);
  return TRUE;
}

gboolean
rali_engine_score_tiles (RaliEngine *e, const RaliImage *img, int cols, int rows, int batch,
                         GCancellable *cancellable, RaliTileScore *tiles, GError **error)
{
  RaliModel *m = rali_engine_model (e);
  const RaliConfig *c = &m->config;
  if (!rali_model_has_head (m))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL, "%s: model has no RALI head: it cannot score tiles", m->path);
      return FALSE;
    }
  int S = c->image_size;
  if (!rali_tile_layout (img->width, img->height, cols, rows, S, tiles, error))
    return FALSE;
  int D = c->projection_dim, K = c->n_prototypes, n = cols * rows;
  int B = batch > 0 ? MIN (batch, 64) : 8;
  gsize plane = (gsize) S * S;
  g_autofree float *pixels = g_try_new (float, (gsize) B * 3 * plane);
  g_autofree guint8 *crop = g_try_malloc (plane * 3);
  g_autofree float *features = g_new (float, (gsize) B * D);
  g_autofree float *sims = g_new (float, MAX (K, 1));
  g_autofree float *weights = g_new (float, MAX (K, 1));
  if (!pixels || !crop)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "out of memory for %d tiles of %d px", B, S);
      return FALSE;
    }
  for (int first = 0; first < n; first += B)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      int b = MIN (B, n - first);
      for (int k = 0; k < b; k++)
        {
          RaliTileScore *t = &tiles[first + k];
          int nw, nh, wx, wy;
          if (!resized_window (img->width, img->height, t->w, S, t->x, t->y, &nw, &nh, &wx, &wy, error))
            return FALSE;
          rali_resize_window_rgb8 (crop, wx, wy, S, S, nw, nh, img->rgb, img->width, img->height);
          float *o = pixels + (gsize) k * 3 * plane;
          for (gsize i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++)
              o[ch * plane + i] = (crop[3 * i + ch] / 255.0f - c->image_mean[ch]) / c->image_std[ch];
        }
      if (!rali_engine_forward (e, pixels, b, features, error))
        return FALSE;
      for (int k = 0; k < b; k++)
        {
          RaliTileScore *t = &tiles[first + k];
          RaliDescriptor top;
          if (!rali_head_score (m, features + (gsize) k * D, 1, &t->score, &top, sims, error))
            return FALSE;
          rali_head_weights (m, sims, weights);
          t->top_index = top.index;
          t->top_weight = weights[top.index];
        }
    }
  return TRUE;
}

RaliTileScore *
rali_engine_score_tiles_file (RaliEngine *e, const char *path, int *cols, int *rows, int *width, int *height,
                              GCancellable *cancellable, GError **error)
{
  RaliImage img = { 0 };
  if (!rali_image_load (&img, path, 0, rali_engine_get_max_pixels (e), error))
    {
      g_autofree char *name = g_filename_display_name (path);
      if (error && *error && !g_str_has_prefix ((*error)->message, name))
        g_prefix_error (error, "%s: ", name);
      return NULL;
    }
  if (*cols <= 0 || *rows <= 0)
    rali_tile_grid_auto (img.width, img.height, rali_model_config (rali_engine_model (e))->image_size, cols, rows);
  RaliTileScore *tiles = g_new0 (RaliTileScore, (gsize) *cols * *rows);
  if (!rali_engine_score_tiles (e, &img, *cols, *rows, 0, cancellable, tiles, error))
    g_clear_pointer (&tiles, g_free);
  *width = img.width;
  *height = img.height;
  rali_image_clear (&img);
  return tiles;
}
