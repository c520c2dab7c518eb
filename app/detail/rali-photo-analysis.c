/* The histogram and focus peaking: see rali-photo-analysis.h. */
#include "config.h"

#include "rali-photo-analysis.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

static const struct {
  guint8 r, g, b;
  const char *name;
} colours[RALI_PEAKING_N_COLOURS] = {
  { 255, 36, 200, N_("magenta") }, { 0, 230, 255, N_("cyan") }, { 150, 255, 0, N_("lime") },
  { 255, 230, 0, N_("yellow") },   { 255, 32, 32, N_("red") },
};

const char *
rali_peaking_colour_name (RaliPeakingColour c)
{
  return _(colours[CLAMP (c, 0, RALI_PEAKING_N_COLOURS - 1)].name);
}

/* the colour the fewest pixels of bgra (premultiplied, opaque) are near,
 * on every 7th pixel */
static RaliPeakingColour
least_present_colour (const guint8 *bgra, gsize n)
{
  guint64 near[RALI_PEAKING_N_COLOURS] = { 0 };
  for (gsize i = 0; i < n; i += 7)
    {
      const guint8 *p = bgra + i * 4;
      for (int c = 0; c < RALI_PEAKING_N_COLOURS; c++)
        {
          int dr = p[2] - colours[c].r, dg = p[1] - colours[c].g, db = p[0] - colours[c].b;
          near[c] += dr * dr + dg * dg + db * db < 110 * 110;
        }
    }
  int best = 0;
  for (int c = 1; c < RALI_PEAKING_N_COLOURS; c++)
    if (near[c] < near[best])
      best = c;
  return best;
}

void
rali_photo_analysis_free (RaliPhotoAnalysis *a)
{
  if (!a)
    return;
  g_clear_pointer (&a->peaking, cairo_surface_destroy);
  g_clear_pointer (&a->peaking_small, cairo_surface_destroy);
  g_free (a);
}

/* a Cairo ARGB32 surface on bgra [h, w, 4] (premultiplied B, G, R, A in
 * memory on little endian, Cairo's native order), which it takes */
static const cairo_user_data_key_t pixels_key;

static cairo_surface_t *
surface_bgra (guint8 *bgra, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create_for_data (bgra, CAIRO_FORMAT_ARGB32, w, h, w * 4);
  cairo_surface_set_user_data (s, &pixels_key, bgra, g_free);
  return s;
}

/* alpha of an edge of gradient magnitude g */
static guint8
edge_alpha (double g)
{
  double t = RALI_PEAKING_THRESHOLD;
  if (g < t / 2)
    return 0;
  return g >= t ? 255 : (guint8) (255 * (g - t / 2) / (t / 2) * 0.6);
}

/* the Sobel magnitude of Y [h, w] at 100 %: premultiplied BGRA [h, w, 4],
 * and the share of pixels at or above the threshold */
static guint8 *
peaking_rgba (const guint8 *Y, int w, int h, RaliPeakingColour colour, double *edge_share, GCancellable *cancellable)
{
  guint8 R = colours[colour].r, G = colours[colour].g, B = colours[colour].b;
  guint8 *rgba = g_try_malloc0 ((gsize) w * h * 4);
  if (!rgba)
    return NULL;
  guint64 edges = 0;
  for (int y = 1; y < h - 1; y++)
    {
      if ((y & 63) == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_free (rgba);
          return NULL;
        }
      const guint8 *a = Y + (gsize) (y - 1) * w, *b = a + w, *c = b + w;
      guint8 *o = rgba + (gsize) y * w * 4;
      for (int x = 1; x < w - 1; x++)
        {
          int gx = (a[x + 1] + 2 * b[x + 1] + c[x + 1]) - (a[x - 1] + 2 * b[x - 1] + c[x - 1]);
          int gy = (c[x - 1] + 2 * c[x] + c[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]);
          double g = sqrt ((double) gx * gx + (double) gy * gy);
          guint8 al = edge_alpha (g);
          if (!al)
            continue;
          edges += g >= RALI_PEAKING_THRESHOLD;
          guint8 *p = o + (gsize) x * 4;
          p[0] = (guint8) ((B * al + 127) / 255);
          p[1] = (guint8) ((G * al + 127) / 255);
          p[2] = (guint8) ((R * al + 127) / 255);
          p[3] = al;
        }
    }
  *edge_share = (double) edges / MAX ((double) w * h, 1);
  return rgba;
}

/* bgra [h, w] reduced by f: each output pixel the most opaque of its block */
static cairo_surface_t *
block_max (const guint8 *rgba, int w, int h, int f)
{
  int sw = (w + f - 1) / f, sh = (h + f - 1) / f;
  guint8 *out = g_try_malloc0 ((gsize) sw * sh * 4);
  if (!out)
    return NULL;
  for (int y = 0; y < h; y++)
    {
      const guint8 *r = rgba + (gsize) y * w * 4;
      guint8 *o = out + (gsize) (y / f) * sw * 4;
      for (int x = 0; x < w; x++)
        if (r[x * 4 + 3] > o[(x / f) * 4 + 3])
          memcpy (o + (x / f) * 4, r + x * 4, 4);
    }
  return surface_bgra (out, sw, sh);
}

RaliPhotoAnalysis *
rali_photo_analysis_run (GdkTexture *texture, gboolean with_peaking, GCancellable *cancellable, GError **error)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  gsize stride = (gsize) w * 4;
  /* gdk_texture_download gives B8G8R8A8 premultiplied on little endian
   * (CAIRO_FORMAT_ARGB32); photos are opaque */
  g_autofree guint8 *px = g_try_malloc (stride * h);
  g_autofree guint8 *Y = g_try_malloc ((gsize) w * h);
  if (!px || !Y)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "out of memory for a %d x %d photo", w, h);
      return NULL;
    }
  gdk_texture_download (texture, px, stride);
  g_autoptr (RaliPhotoAnalysis) a = g_new0 (RaliPhotoAnalysis, 1);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      const guint8 *p = px + i * 4;
      guint8 l = (guint8) ((77 * p[2] + 150 * p[1] + 29 * p[0] + 128) >> 8);
      Y[i] = l;
      a->bins[l]++;
    }
  if (with_peaking)
    a->colour = least_present_colour (px, (gsize) w * h);
  g_clear_pointer (&px, g_free);
  a->n = (guint64) w * h;
  a->clipped_low = (double) a->bins[0] / MAX (a->n, 1);
  a->clipped_high = (double) a->bins[255] / MAX (a->n, 1);
  guint64 acc = 0;
  for (int i = 0; i < 256; i++)
    if ((acc += a->bins[i]) * 2 >= a->n)
      {
        a->median = i;
        break;
      }
  if (with_peaking)
    {
      guint8 *rgba = peaking_rgba (Y, w, h, a->colour, &a->edge_share, cancellable);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_free (rgba);
          return NULL;
        }
      if (!rgba)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "out of memory for focus peaking");
          return NULL;
        }
      int f = (MAX (w, h) + RALI_PEAKING_MAX_SIDE - 1) / RALI_PEAKING_MAX_SIDE;
      if (f > 1)
        a->peaking_small = block_max (rgba, w, h, f);
      a->peaking = surface_bgra (rgba, w, h); /* takes rgba */
      if (!a->peaking_small)
        a->peaking_small = cairo_surface_reference (a->peaking);
    }
  a->on_main_thread = g_main_context_is_owner (g_main_context_default ());
  return g_steal_pointer (&a);
}

static void
analysis_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  GError *error = NULL;
  gboolean with_peaking = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "with-peaking"));
  RaliPhotoAnalysis *a = rali_photo_analysis_run (data, with_peaking, cancellable, &error);
  if (a)
    g_task_return_pointer (task, a, (GDestroyNotify) rali_photo_analysis_free);
  else
    g_task_return_error (task, error);
}

void
rali_photo_analysis_async (GdkTexture *texture, gboolean with_peaking, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_photo_analysis_async);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_object_set_data (G_OBJECT (task), "with-peaking", GINT_TO_POINTER (with_peaking));
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, analysis_thread);
}

RaliPhotoAnalysis *
rali_photo_analysis_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
