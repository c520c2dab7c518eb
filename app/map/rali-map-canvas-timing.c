/* RaliMapCanvas's frame timing for the test driver's "map bench": see
 * rali_map_canvas_time_frames in rali-map-canvas.h. */
#include "config.h"

#include "rali-map-canvas-private.h"

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
median_max (double *v, int n, double out[2])
{
  qsort (v, n, sizeof (double), cmp_double);
  out[0] = v[n / 2];
  out[1] = v[n - 1];
}

/* One frame of this widget as GTK draws it: its snapshot (the texture
 * rebuilt when dirty, then the rings), and the render node rendered by
 * the window's renderer.  The whole widget is rendered, as after a full
 * damage; GTK redraws less when only a ring moves. */
static double
frame_ms (RaliMapCanvas *self, GskRenderer *renderer, int W, int H)
{
  gint64 t0 = g_get_monotonic_time ();
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  rali_map_canvas_snapshot_frame (GTK_WIDGET (self), snapshot);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  g_autoptr (GdkTexture) tex = node ? gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, W, H))
                                    : NULL;
  return (g_get_monotonic_time () - t0) / 1000.0;
}

gboolean
rali_map_canvas_time_frames (RaliMapCanvas *self, int frames, double full_ms[2], double hover_ms[2],
                             double raster_ms[2])
{
  GtkWidget *w = GTK_WIDGET (self);
  GtkNative *native = gtk_widget_get_native (w);
  GskRenderer *renderer = native ? gtk_native_get_renderer (native) : NULL;
  int W = gtk_widget_get_width (w), H = gtk_widget_get_height (w);
  if (!renderer || !self->data || W <= 0 || H <= 0 || frames < 1)
    return FALSE;
  g_autofree double *full = g_new (double, frames), *hover = g_new (double, frames),
                    *raster = g_new (double, frames);
  for (int f = 0; f < frames; f++)
    {
      self->dirty = TRUE;
      full[f] = frame_ms (self, renderer, W, H);
      raster[f] = self->raster_us / 1000.0;
    }
  g_autoptr (GRand) rng = g_rand_new_with_seed (7);
  for (int f = 0; f < frames; f++)
    {
      rali_map_canvas_set_hover_point (self, g_rand_int_range (rng, 0, self->data->n), -1);
      hover[f] = frame_ms (self, renderer, W, H);
    }
  rali_map_canvas_set_hover_point (self, -1, -1);
  median_max (full, frames, full_ms);
  median_max (hover, frames, hover_ms);
  median_max (raster, frames, raster_ms);
  return TRUE;
}
