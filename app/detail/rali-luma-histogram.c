/* RaliLumaHistogram: see rali-luma-histogram.h. */
#include "config.h"

#include "rali-luma-histogram.h"

#include <glib/gi18n.h>
#include <string.h>

#define END_WIDTH 5 /* the clipped ends' bars */

struct _RaliLumaHistogram {
  GtkWidget parent_instance;
  guint64 bins[256];
  guint64 n;
  double low, high, median;
  char *description;
};

G_DEFINE_FINAL_TYPE (RaliLumaHistogram, rali_luma_histogram, GTK_TYPE_WIDGET)

static const GdkRGBA shadow_blue = { 0.21f, 0.52f, 0.89f, 1 };
static const GdkRGBA highlight_red = { 0.88f, 0.11f, 0.14f, 1 };

static void
rali_luma_histogram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliLumaHistogram *self = RALI_LUMA_HISTOGRAM (widget);
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  if (W <= 2 * END_WIDTH + 4 || H <= 4)
    return;
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  /* the track, black to white underneath */
  cairo_pattern_t *ramp = cairo_pattern_create_linear (END_WIDTH, 0, W - END_WIDTH, 0);
  cairo_pattern_add_color_stop_rgba (ramp, 0, 0, 0, 0, 0.25);
  cairo_pattern_add_color_stop_rgba (ramp, 1, 1, 1, 1, 0.25);
  cairo_set_source (cr, ramp);
  cairo_rectangle (cr, END_WIDTH, H - 4, W - 2 * END_WIDTH, 4);
  cairo_fill (cr);
  cairo_pattern_destroy (ramp);
  if (self->n > 0)
    {
      guint64 top = 1;
      for (int i = 1; i < 255; i++)
        top = MAX (top, self->bins[i]);
      double x0 = END_WIDTH, w = W - 2 * END_WIDTH, h = H - 6;
      cairo_move_to (cr, x0, h);
      for (int i = 1; i < 255; i++)
        {
          double v = MIN (1.0, (double) self->bins[i] / top);
          cairo_line_to (cr, x0 + w * (i - 0.5) / 254.0, h - h * v);
        }
      cairo_line_to (cr, x0 + w, h);
      cairo_close_path (cr);
      GdkRGBA fill = fg;
      fill.alpha = 0.45f;
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_fill (cr);
      /* the clipped ends, on the scale of the other levels (at least a
       * 3-pixel tick when any pixel is clipped) */
      struct { guint64 count; const GdkRGBA *colour; double x; } ends[2] = {
        { self->bins[0], &shadow_blue, 0 }, { self->bins[255], &highlight_red, W - END_WIDTH },
      };
      for (int e = 0; e < 2; e++)
        {
          if (ends[e].count == 0)
            continue;
          double bar = MAX (3.0, h * MIN (1.0, (double) ends[e].count / top));
          gdk_cairo_set_source_rgba (cr, ends[e].colour);
          cairo_rectangle (cr, ends[e].x, h - bar, END_WIDTH, bar + 6);
          cairo_fill (cr);
        }
    }
  cairo_destroy (cr);
}

static void
rali_luma_histogram_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                             int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  *minimum_baseline = *natural_baseline = -1;
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 120 : 56;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 300 : 64;
}

void
rali_luma_histogram_set_analysis (RaliLumaHistogram *self, const RaliPhotoAnalysis *a)
{
  g_return_if_fail (RALI_IS_LUMA_HISTOGRAM (self));
  memset (self->bins, 0, sizeof self->bins);
  self->n = 0;
  self->low = self->high = self->median = 0;
  if (a)
    {
      memcpy (self->bins, a->bins, sizeof self->bins);
      self->n = a->n;
      self->low = a->clipped_low;
      self->high = a->clipped_high;
      self->median = a->median;
    }
  g_clear_pointer (&self->description, g_free);
  self->description = a ? g_strdup_printf (
                            /* TRANSLATORS: the brightness histogram for screen readers */
                            _("Brightness histogram: median brightness %.0f %%; %.1f %% of the pixels are clipped "
                              "to black, %.1f %% clipped to white"),
                            100.0 * self->median / 255.0, 100.0 * self->low, 100.0 * self->high)
                        : g_strdup (_("Brightness histogram: not computed yet"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
rali_luma_histogram_has_data (RaliLumaHistogram *self)
{
  return self->n > 0;
}

void
rali_luma_histogram_get_clipped (RaliLumaHistogram *self, double *low, double *high)
{
  *low = self->low;
  *high = self->high;
}

const char *
rali_luma_histogram_get_description (RaliLumaHistogram *self)
{
  return self->description;
}

char *
rali_luma_histogram_dup_caption_markup (RaliLumaHistogram *self)
{
  if (self->n == 0)
    return g_strdup ("");
  char low[32], high[32];
  /* a few pixels are not "0.0 %" */
  if (self->low > 0 && self->low < 0.0005)
    g_strlcpy (low, "<\u00a00.1", sizeof low);
  else
    g_snprintf (low, sizeof low, "%.1f", 100.0 * self->low);
  if (self->high > 0 && self->high < 0.0005)
    g_strlcpy (high, "<\u00a00.1", sizeof high);
  else
    g_snprintf (high, sizeof high, "%.1f", 100.0 * self->high);
  g_autofree char *low_m = g_markup_escape_text (low, -1), *high_m = g_markup_escape_text (high, -1);
  /* TRANSLATORS: under the brightness histogram, two lines; the numbers
   * are shares of the pixels, in blue and red as drawn */
  return g_strdup_printf (_("Clipped shadows: <span foreground=\"#3584e4\"><b>%s %%</b></span>\n"
                            "Clipped highlights: <span foreground=\"#e01b24\"><b>%s %%</b></span>"),
                          low_m, high_m);
}

static void
rali_luma_histogram_finalize (GObject *object)
{
  g_clear_pointer (&RALI_LUMA_HISTOGRAM (object)->description, g_free);
  G_OBJECT_CLASS (rali_luma_histogram_parent_class)->finalize (object);
}

static void
rali_luma_histogram_class_init (RaliLumaHistogramClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = rali_luma_histogram_finalize;
  widget_class->snapshot = rali_luma_histogram_snapshot;
  widget_class->measure = rali_luma_histogram_measure;
  gtk_widget_class_set_css_name (widget_class, "ralilumahistogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_luma_histogram_init (RaliLumaHistogram *self)
{
  rali_luma_histogram_set_analysis (self, NULL);
}
