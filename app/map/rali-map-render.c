/* Map drawing with Cairo: see rali-map-render.h. */
#include "config.h"

#include "rali-map-render.h"

#include "detail/rali-score-gauge.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#define EXPORT_W 1600
#define EXPORT_H 1000
#define LEGEND_W 400

void
rali_map_transform_fit (RaliMapTransform *t, const RaliMapData *d, double left, double top, double right,
                        double bottom)
{
  double w = MAX (d->xmax - d->xmin, 1e-6), h = MAX (d->ymax - d->ymin, 1e-6);
  t->x0 = (d->xmin + d->xmax) / 2;
  t->y0 = (d->ymin + d->ymax) / 2;
  t->cx = (left + right) / 2;
  t->cy = (top + bottom) / 2;
  t->scale = MAX (MIN ((right - left) / w, (bottom - top) / h), 1e-9);
}

void
rali_map_cluster_color (int cluster, double rgb[3])
{
  /* Tableau 10 without its grey (grey means "not selected"), + 3 */
  static const guint32 palette[12] = {
    0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948,
    0xb07aa1, 0xff9da7, 0x9c755f, 0x17becf, 0x8cd17d, 0x6a51a3,
  };
  guint32 c = palette[(guint) MAX (cluster, 0) % G_N_ELEMENTS (palette)];
  rgb[0] = ((c >> 16) & 0xff) / 255.0;
  rgb[1] = ((c >> 8) & 0xff) / 255.0;
  rgb[2] = (c & 0xff) / 255.0;
}

void
rali_map_point_color (const RaliMapData *d, const RaliMapStyle *s, int i, double rgb[3], double *alpha)
{
  if (s->selected && !s->selected[i])
    {
      double g = s->dark ? 0.55 : 0.62;
      rgb[0] = rgb[1] = rgb[2] = g;
      *alpha = 0.35;
      return;
    }
  *alpha = 0.85;
  if (s->color_mode == RALI_MAP_COLOR_SCORE)
    {
      GdkRGBA c;
      rali_score_color (d->fraction[i], &c);
      rgb[0] = c.red;
      rgb[1] = c.green;
      rgb[2] = c.blue;
    }
  else
    rali_map_cluster_color (d->cluster[i], rgb);
}

double
rali_map_base_radius (int n)
{
  /* 6 px for a handful of photos, 1.5 px for 100,000 */
  return CLAMP (7.0 - 1.1 * log10 (MAX (n, 1)), 1.5, 6.0);
}

double
rali_map_point_radius (const RaliMapData *d, const RaliMapStyle *s, int i, double base)
{
  return s->size_by_score ? base * (0.5 + CLAMP (d->fraction[i], 0.0f, 1.0f)) : base;
}

void
rali_map_draw_prototypes (cairo_t *cr, const RaliMapData *d, const RaliMapTransform *t, double unit,
                          gboolean dark, gboolean labels)
{
  if (d->n_prototypes == 0)
    return;
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_from_string ("Sans Bold");
  pango_font_description_set_absolute_size (fd, 10.5 * unit * PANGO_SCALE);
  pango_layout_set_font_description (layout, fd);
  /* small and half transparent: they mark, and must not hide, the photos */
  double r = (labels ? 6.5 : 5.0) * unit;
  if (!labels)
    cairo_push_group (cr);
  for (int p = 0; p < d->n_prototypes; p++)
    {
      const RaliMapPrototype *pr = &d->prototypes[p];
      double x = rali_map_tx (t, pr->x), y = rali_map_ty (t, pr->y);
      cairo_move_to (cr, x, y - r);
      cairo_line_to (cr, x + r, y);
      cairo_line_to (cr, x, y + r);
      cairo_line_to (cr, x - r, y);
      cairo_close_path (cr);
      if (dark)
        cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
      else
        cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
      cairo_fill_preserve (cr);
      if (dark)
        cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      else
        cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 1.5 * unit);
      cairo_stroke (cr);
      if (!labels)
        continue;

      g_autofree char *label = g_strdup_printf ("#%d", pr->index);
      pango_layout_set_text (layout, label, -1);
      int lw, lh;
      pango_layout_get_pixel_size (layout, &lw, &lh);
      double lx = x + r + 2 * unit, ly = y - lh / 2.0;
      /* a halo keeps the number readable over the points */
      cairo_move_to (cr, lx, ly);
      pango_cairo_layout_path (cr, layout);
      if (dark)
        cairo_set_source_rgba (cr, 0, 0, 0, 0.75);
      else
        cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_set_line_width (cr, 3 * unit);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (cr);
      cairo_move_to (cr, lx, ly);
      if (dark)
        cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
      else
        cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
      pango_cairo_show_layout (cr, layout);
    }
  if (!labels)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, 0.7);
    }
  pango_font_description_free (fd);
  g_object_unref (layout);
}

int
rali_map_prototype_at (const RaliMapData *d, const RaliMapTransform *t, double wx, double wy, double radius)
{
  int best = -1;
  double best_d2 = radius * radius;
  for (int p = 0; d && p < d->n_prototypes; p++)
    {
      double dx = rali_map_tx (t, d->prototypes[p].x) - wx, dy = rali_map_ty (t, d->prototypes[p].y) - wy;
      if (dx * dx + dy * dy <= best_d2)
        best = p, best_d2 = dx * dx + dy * dy;
    }
  return best;
}

/* ---- export ---- */

static PangoLayout *
text_layout (cairo_t *cr, const char *text, double px, gboolean bold, int width)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_from_string (bold ? "Sans Bold" : "Sans");
  pango_font_description_set_absolute_size (fd, px * PANGO_SCALE);
  pango_layout_set_font_description (layout, fd);
  pango_font_description_free (fd);
  if (width > 0)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_text (layout, text, -1);
  return layout;
}

/* draws text at (x, y), returns its height */
static double
draw_text (cairo_t *cr, const char *text, double x, double y, double px, gboolean bold, int width,
           double grey)
{
  PangoLayout *layout = text_layout (cr, text, px, bold, width);
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_set_source_rgb (cr, grey, grey, grey);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
  return h;
}

static void
draw_points (cairo_t *cr, const RaliMapData *d, const RaliMapStyle *s, const RaliMapTransform *t)
{
  const guint *order = s->color_mode == RALI_MAP_COLOR_SCORE ? d->order_score : d->order_cluster;
  double base = rali_map_base_radius (d->n);
  cairo_set_line_width (cr, 0.6);
  /* greyed points under the selected ones */
  for (int pass = 0; pass < (s->selected ? 2 : 1); pass++)
    for (int o = 0; o < d->n; o++)
      {
        int i = (int) order[o];
        if (s->selected && (s->selected[i] != 0) != (pass == 1))
          continue;
        double rgb[3], a;
        rali_map_point_color (d, s, i, rgb, &a);
        double r = rali_map_point_radius (d, s, i, base);
        cairo_new_path (cr);
        cairo_arc (cr, rali_map_tx (t, d->xy[2 * i]), rali_map_ty (t, d->xy[2 * i + 1]), r, 0, 2 * G_PI);
        cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], a);
        cairo_fill_preserve (cr);
        cairo_set_source_rgba (cr, rgb[0] * 0.6, rgb[1] * 0.6, rgb[2] * 0.6, a);
        cairo_stroke (cr);
      }
}

static void
draw_legend (cairo_t *cr, const RaliMapData *d, const RaliMapStyle *s, double x, double y)
{
  int w = LEGEND_W - 40;
  if (s->color_mode == RALI_MAP_COLOR_SCORE)
    {
      y += draw_text (cr, _("Score"), x, y, 16, TRUE, w, 0.1) + 8;
      for (int i = 0; i < w; i++)
        {
          GdkRGBA c;
          rali_score_color (i / (double) (w - 1), &c);
          cairo_set_source_rgb (cr, c.red, c.green, c.blue);
          cairo_rectangle (cr, x + i, y, 1.5, 16);
          cairo_fill (cr);
        }
      y += 20;
      g_autofree char *lo = g_strdup_printf ("%.2f", d->score_lo);
      g_autofree char *hi = g_strdup_printf ("%.2f", d->score_hi);
      draw_text (cr, lo, x, y, 12, FALSE, 0, 0.35);
      draw_text (cr, hi, x + w - 30, y, 12, FALSE, 0, 0.35);
      y += 30;
    }
  else
    {
      y += draw_text (cr, _("Clusters (K-means on the embeddings)"), x, y, 16, TRUE, w, 0.1) + 10;
      for (int c = 0; c < d->k && y < EXPORT_H - 140; c++)
        {
          const RaliMapCluster *cl = &d->clusters[c];
          double rgb[3];
          rali_map_cluster_color (c, rgb);
          cairo_arc (cr, x + 7, y + 9, 7, 0, 2 * G_PI);
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_fill (cr);
          g_autofree char *name = g_strdup (*cl->name ? cl->name : _("(no descriptor sets it apart)"));
          double h = draw_text (cr, name, x + 22, y, 13, TRUE, w - 22, 0.12);
          /* TRANSLATORS: cluster number, photos in it, their mean score */
          g_autofree char *meta = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Cluster %d · %u photo · mean score %.2f",
                                                                "Cluster %d · %u photos · mean score %.2f", cl->size),
                                                   c + 1, cl->size, cl->mean_score);
          h += draw_text (cr, meta, x + 22, y + h, 12, FALSE, w - 22, 0.38);
          y += h + 8;
        }
      y += 10;
    }
  if (s->show_prototypes && d->n_prototypes)
    draw_text (cr, _("◆ #n: where the photos whose top descriptor is prototype n sit (their mean "
                     "embedding, projected). The prototypes themselves live in the scoring head's own "
                     "PCA space and have no place on these axes."),
               x, y, 12, FALSE, w, 0.35);
}

static void
draw_export (cairo_t *cr, const RaliMapData *d, const RaliMapStyle *style)
{
  RaliMapStyle s = *style;
  s.dark = FALSE;
  double left = 80, top = 70, right = EXPORT_W - LEGEND_W - 30, bottom = EXPORT_H - 80;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  g_autofree char *title = g_strdup_printf (_("Embedding map · %d photos · %d clusters"), d->n, d->k);
  draw_text (cr, title, left, 24, 22, TRUE, 0, 0.1);

  cairo_set_source_rgb (cr, 0.97, 0.97, 0.98);
  cairo_rectangle (cr, left, top, right - left, bottom - top);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.8, 0.8, 0.82);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  RaliMapTransform t;
  rali_map_transform_fit (&t, d, left + 24, top + 24, right - 24, bottom - 24);
  cairo_save (cr);
  cairo_rectangle (cr, left, top, right - left, bottom - top);
  cairo_clip (cr);
  /* the axes through the origin of the PCA (the mean embedding) */
  cairo_set_source_rgb (cr, 0.85, 0.85, 0.87);
  cairo_move_to (cr, rali_map_tx (&t, 0), top);
  cairo_line_to (cr, rali_map_tx (&t, 0), bottom);
  cairo_move_to (cr, left, rali_map_ty (&t, 0));
  cairo_line_to (cr, right, rali_map_ty (&t, 0));
  cairo_stroke (cr);
  draw_points (cr, d, &s, &t);
  if (s.show_prototypes)
    rali_map_draw_prototypes (cr, d, &t, 1.0, FALSE, TRUE);
  cairo_restore (cr);

  g_autofree char *xl = g_strdup_printf (_("PC1 · %.1f%% of the variance"), 100 * d->explained[0]);
  g_autofree char *yl = g_strdup_printf (_("PC2 · %.1f%% of the variance"), 100 * d->explained[1]);
  draw_text (cr, xl, (left + right) / 2 - 90, bottom + 14, 14, FALSE, 0, 0.3);
  cairo_save (cr);
  cairo_translate (cr, left - 40, (top + bottom) / 2 + 90);
  cairo_rotate (cr, -G_PI / 2);
  draw_text (cr, yl, 0, 0, 14, FALSE, 0, 0.3);
  cairo_restore (cr);

  draw_legend (cr, d, &s, EXPORT_W - LEGEND_W + 10, top);
}

gboolean
rali_map_export (const RaliMapData *d, const RaliMapStyle *style, RaliMapExportFormat format, const char *path,
                 GError **error)
{
  if (!d || d->n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The map is empty"));
      return FALSE;
    }
  cairo_surface_t *surface = format == RALI_MAP_EXPORT_SVG
    ? cairo_svg_surface_create (path, EXPORT_W, EXPORT_H)
    : cairo_image_surface_create (CAIRO_FORMAT_RGB24, EXPORT_W, EXPORT_H);
  cairo_t *cr = cairo_create (surface);
  draw_export (cr, d, style);
  cairo_destroy (cr);
  cairo_status_t status;
  if (format == RALI_MAP_EXPORT_PNG)
    status = cairo_surface_write_to_png (surface, path);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
