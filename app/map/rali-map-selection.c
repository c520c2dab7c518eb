/* The map's selection geometry: see rali-map-selection.h. */
#include "config.h"

#include "rali-map-selection.h"

#include <math.h>

gboolean
rali_map_point_in_polygon (const double *poly, guint n, double x, double y)
{
  if (n < 3)
    return FALSE;
  /* count the edges a ray from (x, y) towards +x crosses: an edge crosses
   * when it straddles y (half open, so a vertex on the ray counts once)
   * and meets the ray right of x; an odd count is inside */
  gboolean inside = FALSE;
  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      double xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
      if ((yi > y) != (yj > y) && x < xj + (y - yj) * (xi - xj) / (yi - yj))
        inside = !inside;
    }
  return inside;
}

/* bounding box of n points given as x0 y0 x1 y1 ... (n >= 1) */
static void
polygon_bounds (const double *xy, guint n, double *lx, double *hx, double *ly, double *hy)
{
  *lx = *hx = xy[0];
  *ly = *hy = xy[1];
  for (guint t = 1; t < n; t++)
    {
      *lx = MIN (*lx, xy[2 * t]);
      *hx = MAX (*hx, xy[2 * t]);
      *ly = MIN (*ly, xy[2 * t + 1]);
      *hy = MAX (*hy, xy[2 * t + 1]);
    }
}

void
rali_map_data_query_polygon (const RaliMapData *d, const double *poly, guint n, GArray *out)
{
  if (!d || d->n == 0 || n < 3)
    return;
  double lx, hx, ly, hy;
  polygon_bounds (poly, n, &lx, &hx, &ly, &hy);
  /* the grid answers for the bounding box; only those points get the
   * polygon test, so a small lasso over 100,000 points stays cheap */
  guint first = out->len;
  rali_map_data_query_rect (d, (float) lx, (float) ly, (float) hx, (float) hy, out);
  guint kept = first;
  for (guint t = first; t < out->len; t++)
    {
      guint i = g_array_index (out, guint, t);
      if (rali_map_point_in_polygon (poly, n, d->xy[2 * i], d->xy[2 * i + 1]))
        g_array_index (out, guint, kept++) = i;
    }
  g_array_set_size (out, kept);
}

gboolean
rali_map_lasso_add (GArray *wxy, double wx, double wy, double step)
{
  guint n = wxy->len / 2;
  const double *last = n ? &g_array_index (wxy, double, 2 * n - 2) : NULL;
  if (last && hypot (wx - last[0], wy - last[1]) < step)
    return FALSE;
  double xy[2] = { wx, wy };
  g_array_append_vals (wxy, xy, 2);
  return TRUE;
}

void
rali_map_data_query_lasso (const RaliMapData *d, const RaliMapTransform *view, const GArray *wxy, GArray *out)
{
  guint n = wxy->len / 2;
  g_autofree double *poly = g_new (double, 2 * MAX (n, 1));
  for (guint t = 0; t < n; t++)
    {
      /* the inverse of rali_map_tx / rali_map_ty */
      poly[2 * t] = view->x0 + (g_array_index (wxy, double, 2 * t) - view->cx) / view->scale;
      poly[2 * t + 1] = view->y0 - (g_array_index (wxy, double, 2 * t + 1) - view->cy) / view->scale;
    }
  rali_map_data_query_polygon (d, poly, n, out);
}

void
rali_map_snapshot_band (GtkSnapshot *snapshot, const double band[4], const GdkRGBA *color)
{
  graphene_rect_t r = GRAPHENE_RECT_INIT (MIN (band[0], band[2]), MIN (band[1], band[3]),
                                          fabs (band[2] - band[0]), fabs (band[3] - band[1]));
  GdkRGBA fill = *color;
  fill.alpha *= 0.15f;
  gtk_snapshot_append_color (snapshot, &fill, &r);
  GskRoundedRect rr;
  gsk_rounded_rect_init_from_rect (&rr, &r, 0);
  float w[4] = { 1, 1, 1, 1 };
  GdkRGBA c[4] = { *color, *color, *color, *color };
  gtk_snapshot_append_border (snapshot, &rr, w, c);
}

void
rali_map_snapshot_lasso (GtkSnapshot *snapshot, const double *wxy, guint n, const GdkRGBA *color)
{
  if (n < 2)
    return;
  double lx, hx, ly, hy;
  polygon_bounds (wxy, n, &lx, &hx, &ly, &hy);
  /* GTK 4.8 has no path nodes: a Cairo node over the outline's bounds
   * only, so a small lasso costs a small surface each frame */
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (floor (lx) - 2, floor (ly) - 2, ceil (hx - lx) + 5, ceil (hy - ly) + 5);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  cairo_move_to (cr, wxy[0], wxy[1]);
  for (guint t = 1; t < n; t++)
    cairo_line_to (cr, wxy[2 * t], wxy[2 * t + 1]);
  cairo_close_path (cr);
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD); /* what the selection counts as inside */
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.15);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

/* how far from the centre of r a ray along (ux, uy) (unit) leaves it */
static double
exit_distance (const graphene_rect_t *r, double ux, double uy)
{
  double hw = r->size.width / 2.0, hh = r->size.height / 2.0;
  double tx = fabs (ux) > 1e-9 ? hw / fabs (ux) : G_MAXDOUBLE, ty = fabs (uy) > 1e-9 ? hh / fabs (uy) : G_MAXDOUBLE;
  return MIN (tx, ty);
}

void
rali_map_snapshot_link (GtkSnapshot *snapshot, const graphene_rect_t *from, const graphene_rect_t *to,
                        const GdkRGBA *color)
{
  /* centre to centre, cut where it leaves the boxes (a photo is not crossed
   * out by its own links); a rotated 1.5 px bar: no Cairo surface per link */
  graphene_point_t a, b;
  graphene_rect_get_center (from, &a);
  graphene_rect_get_center (to, &b);
  double len = hypot (b.x - a.x, b.y - a.y);
  if (len < 1)
    return;
  double ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
  double t0 = exit_distance (from, ux, uy) + 2, t1 = len - exit_distance (to, ux, uy) - 2;
  if (t1 <= t0)
    return;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) (a.x + ux * t0), (float) (a.y + uy * t0)));
  gtk_snapshot_rotate (snapshot, (float) (atan2 (uy, ux) * 180 / G_PI));
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (0, -0.75f, (float) (t1 - t0), 1.5f));
  gtk_snapshot_restore (snapshot);
}

void
rali_map_snapshot_badge (GtkWidget *widget, GtkSnapshot *snapshot, double x, double y, const char *text,
                         const GdkRGBA *color)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  float bw = (float) MAX (w + 8, h + 2), bh = (float) (h + 2);
  graphene_rect_t r = GRAPHENE_RECT_INIT ((float) x - bw / 2, (float) y - bh / 2, bw, bh);
  GskRoundedRect rr;
  gsk_rounded_rect_init_from_rect (&rr, &r, bh / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &rr);
  gtk_snapshot_append_color (snapshot, color, &r);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (r.origin.x + (bw - w) / 2, r.origin.y + 1));
  gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 1, 1, 1, 1 });
  gtk_snapshot_restore (snapshot);
}
