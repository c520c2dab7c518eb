/* RaliScoreGauge: see rali-score-gauge.h. */
#include "config.h"

#include "rali-score-gauge.h"

#include <glib/gi18n.h>
#include <math.h>

struct _RaliScoreGauge {
  GtkWidget parent_instance;
  double score;
  double fraction;
  gboolean has_score;
};

enum { PROP_0, PROP_SCORE, PROP_FRACTION, PROP_HAS_SCORE, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (RaliScoreGauge, rali_score_gauge, GTK_TYPE_WIDGET)

#define ARC_START (0.75 * G_PI) /* 135°, clockwise in Cairo's y-down space */
#define ARC_SWEEP (1.5 * G_PI)  /* 270° */

void
rali_score_color (double fraction, GdkRGBA *out)
{
  /* GNOME palette: red 4 #c01c28, yellow 5 #e5a50a, green 5 #26a269 */
  static const double stops[3][3] = {
    { 0xc0 / 255.0, 0x1c / 255.0, 0x28 / 255.0 },
    { 0xe5 / 255.0, 0xa5 / 255.0, 0x0a / 255.0 },
    { 0x26 / 255.0, 0xa2 / 255.0, 0x69 / 255.0 },
  };
  double f = CLAMP (fraction, 0.0, 1.0) * 2;
  int i = MIN ((int) f, 1);
  double t = f - i;
  out->red = (float) (stops[i][0] + t * (stops[i + 1][0] - stops[i][0]));
  out->green = (float) (stops[i][1] + t * (stops[i + 1][1] - stops[i][1]));
  out->blue = (float) (stops[i][2] + t * (stops[i + 1][2] - stops[i][2]));
  out->alpha = 1;
}

static void
foreground (GtkWidget *widget, GdkRGBA *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
draw_text (GtkWidget *widget, cairo_t *cr, const char *text, double cx, double cy, double px,
           gboolean bold, const GdkRGBA *fg)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoFontDescription *fd = pango_font_description_copy (
    pango_context_get_font_description (pango_layout_get_context (layout)));
  pango_font_description_set_absolute_size (fd, px * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (fd, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, fd);
  pango_font_description_free (fd);
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  gdk_cairo_set_source_rgba (cr, fg);
  cairo_move_to (cr, cx - w / 2.0, cy - h / 2.0);
  pango_cairo_show_layout (cr, layout);
}

static void
rali_score_gauge_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliScoreGauge *self = RALI_SCORE_GAUGE (widget);
  int W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  if (W <= 0 || H <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  GdkRGBA fg;
  foreground (widget, &fg);

  double line = MIN (W, H) * 0.09;
  double r = MIN (W / 2.0, H / 1.85) - line;
  double cx = W / 2.0, cy = line + r + 2;
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (cr, line);

  /* track */
  GdkRGBA track = fg;
  track.alpha = 0.15f;
  gdk_cairo_set_source_rgba (cr, &track);
  cairo_arc (cr, cx, cy, r, ARC_START, ARC_START + ARC_SWEEP);
  cairo_stroke (cr);

  /* ticks at quarters of the scale */
  cairo_set_line_width (cr, 1.5);
  GdkRGBA tick = fg;
  tick.alpha = 0.4f;
  gdk_cairo_set_source_rgba (cr, &tick);
  for (int i = 0; i <= 4; i++)
    {
      double a = ARC_START + ARC_SWEEP * i / 4.0;
      cairo_move_to (cr, cx + cos (a) * (r - line * 0.9), cy + sin (a) * (r - line * 0.9));
      cairo_line_to (cr, cx + cos (a) * (r - line * 1.4), cy + sin (a) * (r - line * 1.4));
    }
  cairo_stroke (cr);

  if (self->has_score)
    {
      double f = CLAMP (self->fraction, 0.0, 1.0);
      GdkRGBA col;
      rali_score_color (f, &col);
      gdk_cairo_set_source_rgba (cr, &col);
      cairo_set_line_width (cr, line);
      cairo_arc (cr, cx, cy, r, ARC_START, ARC_START + ARC_SWEEP * MAX (f, 0.002));
      cairo_stroke (cr);
      char text[32];
      g_snprintf (text, sizeof text, "%.2f", self->score);
      draw_text (widget, cr, text, cx, cy, r * 0.55, TRUE, &fg);
    }
  else
    draw_text (widget, cr, "–", cx, cy, r * 0.55, TRUE, &fg);
  cairo_destroy (cr);
}

static void
rali_score_gauge_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 96 : 84;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 180 : 156;
  *minimum_baseline = *natural_baseline = -1;
}

static void
update_accessible (RaliScoreGauge *self)
{
  g_autofree char *label = self->has_score ? g_strdup_printf (_("Score %.2f"), self->score)
                                           : g_strdup (_("Not scored"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
rali_score_gauge_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliScoreGauge *self = RALI_SCORE_GAUGE (object);
  switch (prop_id)
    {
    case PROP_SCORE: g_value_set_double (value, self->score); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_HAS_SCORE: g_value_set_boolean (value, self->has_score); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_score_gauge_class_init (RaliScoreGaugeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = rali_score_gauge_get_property;
  widget_class->snapshot = rali_score_gauge_snapshot;
  widget_class->measure = rali_score_gauge_measure;

  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_SCORE] = g_param_spec_double ("score", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_HAS_SCORE] = g_param_spec_boolean ("has-score", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "raliscoregauge");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_score_gauge_init (RaliScoreGauge *self)
{
  update_accessible (self);
}

GtkWidget *
rali_score_gauge_new (void)
{
  return g_object_new (RALI_TYPE_SCORE_GAUGE, NULL);
}

void
rali_score_gauge_set_score (RaliScoreGauge *self, double score, double fraction)
{
  g_return_if_fail (RALI_IS_SCORE_GAUGE (self));
  self->score = score;
  self->fraction = CLAMP (fraction, 0.0, 1.0);
  self->has_score = TRUE;
  update_accessible (self);
  for (int p = PROP_SCORE; p < N_PROPS; p++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[p]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_score_gauge_clear (RaliScoreGauge *self)
{
  g_return_if_fail (RALI_IS_SCORE_GAUGE (self));
  if (!self->has_score)
    return;
  self->has_score = FALSE;
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_SCORE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
