/* RaliScoreHistogram: see rali-score-histogram.h. */
#include "config.h"

#include "rali-score-histogram.h"

#include "detail/rali-score-gauge.h"

#include <glib/gi18n.h>
#include <math.h>

#define PAD_X 10       /* plot inset left and right */
#define TOP 22         /* room for the threshold's value above the bars */
#define BOTTOM 18      /* room for the axis labels */
#define BIN_PX 9       /* about one bar per BIN_PX pixels */
#define THROTTLE_MS 120
#define EPS 1e-9

struct _RaliScoreHistogram {
  GtkWidget parent_instance;
  RaliScoreStats *stats;
  double lower, upper;
  double threshold, high;
  gboolean rejecting; /* the part below the threshold is what auto-cull rejects */

  GArray *bins;      /* guint counts of the last layout */
  double view_lo, view_hi;

  gboolean dragging;
  double drag_x0;
  double drag_value; /* shown while dragging; threshold follows it */
  guint commit_id;
};

enum { PROP_0, PROP_STATS, PROP_LOWER, PROP_UPPER, PROP_THRESHOLD, PROP_HIGH, PROP_REJECTING, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (RaliScoreHistogram, rali_score_histogram, GTK_TYPE_WIDGET)

static double
shown_threshold (RaliScoreHistogram *self)
{
  return self->dragging ? self->drag_value : self->threshold;
}

static gboolean
threshold_on (RaliScoreHistogram *self, double t)
{
  return t > self->lower + EPS;
}

/* the scores the x axis spans: those present (and the threshold and the
 * upper end when set), padded; the whole scale without scores.  Frozen
 * while a drag runs, so that the bars do not move under the pointer. */
static void
update_view (RaliScoreHistogram *self)
{
  if (self->dragging)
    return;
  double L = self->lower, U = MAX (self->upper, self->lower + EPS);
  guint n = 0;
  const double *v = self->stats ? rali_score_stats_get_sorted (self->stats, &n) : NULL;
  if (n == 0)
    {
      self->view_lo = L;
      self->view_hi = U;
      return;
    }
  double dmin = v[0], dmax = v[n - 1];
  if (threshold_on (self, self->threshold))
    dmin = MIN (dmin, self->threshold), dmax = MAX (dmax, self->threshold);
  if (self->high < U - EPS)
    dmin = MIN (dmin, self->high), dmax = MAX (dmax, self->high);
  double span = MAX (dmax - dmin, (U - L) * 0.05);
  double mid = (dmin + dmax) / 2, pad = span * 0.08;
  double lo = mid - span / 2 - pad, hi = mid + span / 2 + pad;
  if (lo < L)
    hi = MIN (U, hi + (L - lo)), lo = L;
  if (hi > U)
    lo = MAX (L, lo - (hi - U)), hi = U;
  self->view_lo = lo;
  self->view_hi = hi;
}

static double
plot_width (RaliScoreHistogram *self)
{
  return MAX (gtk_widget_get_width (GTK_WIDGET (self)) - 2 * PAD_X, 1);
}

double
rali_score_histogram_x_for_score (RaliScoreHistogram *self, double score)
{
  g_return_val_if_fail (RALI_IS_SCORE_HISTOGRAM (self), 0);
  update_view (self);
  return PAD_X + (score - self->view_lo) / (self->view_hi - self->view_lo) * plot_width (self);
}

/* a position on the axis -> a threshold: left of the bars is "off" */
static double
score_for_x (RaliScoreHistogram *self, double x)
{
  if (x < PAD_X)
    return self->lower;
  double f = CLAMP ((x - PAD_X) / plot_width (self), 0, 1);
  double s = self->view_lo + f * (self->view_hi - self->view_lo);
  s = round (s * 100) / 100; /* as the filter's fields show it */
  return CLAMP (s, self->lower, self->upper);
}

static void
compute_bins (RaliScoreHistogram *self)
{
  update_view (self);
  guint n = 0;
  const double *v = self->stats ? rali_score_stats_get_sorted (self->stats, &n) : NULL;
  /* about 2 sqrt(n) bars: a dozen photos in 8, a thousand in as many as fit */
  int fit = (int) (plot_width (self) / BIN_PX);
  guint nb = (guint) CLAMP ((int) ceil (2 * sqrt (n)), MIN (8, fit), MAX (MIN (fit, 48), 1));
  g_array_set_size (self->bins, nb);
  guint *c = (guint *) self->bins->data;
  for (guint b = 0; b < nb; b++)
    c[b] = 0;
  double w = self->view_hi - self->view_lo;
  for (guint i = 0; i < n; i++)
    {
      int b = (int) floor ((v[i] - self->view_lo) / w * nb);
      c[CLAMP (b, 0, (int) nb - 1)]++;
    }
}

static void
update_accessible (RaliScoreHistogram *self)
{
  double t = self->threshold;
  char value[32];
  g_snprintf (value, sizeof value, "%.2f", t);
  g_autofree char *text = threshold_on (self, t) ? g_strdup_printf (_("From %s"), value) : g_strdup (_("All scores"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, self->lower,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, self->upper,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, t,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text, -1);
}

/* ---- drawing ---- */

static void
foreground (GtkWidget *widget, GdkRGBA *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* text with its anchor at x (align 0 left, 0.5 centre, 1 right), top at y */
static void
draw_text (GtkWidget *widget, cairo_t *cr, const char *text, double x, double y, double align, gboolean bold)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  if (bold)
    {
      g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
    }
  PangoRectangle ink, logical;
  pango_layout_get_pixel_extents (layout, &ink, &logical);
  double w = gtk_widget_get_width (widget);
  double left = CLAMP (x - align * logical.width, 0, MAX (w - logical.width, 0));
  cairo_move_to (cr, left, y);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_bars (RaliScoreHistogram *self, cairo_t *cr, double y0, double y1, double alpha)
{
  guint nb = self->bins->len, max = 0;
  const guint *c = (const guint *) self->bins->data;
  for (guint b = 0; b < nb; b++)
    max = MAX (max, c[b]);
  if (max == 0)
    return;
  double pw = plot_width (self), bw = pw / nb, w = self->view_hi - self->view_lo;
  double range = MAX (self->upper - self->lower, EPS);
  for (guint b = 0; b < nb; b++)
    {
      if (c[b] == 0)
        continue;
      double centre = self->view_lo + (b + 0.5) / nb * w;
      GdkRGBA col;
      rali_score_color ((centre - self->lower) / range, &col);
      col.alpha = (float) alpha;
      gdk_cairo_set_source_rgba (cr, &col);
      /* at least 2 px: one photo in a big folder stays visible */
      double h = MAX ((y1 - y0) * c[b] / max, 2);
      cairo_rectangle (cr, PAD_X + b * bw + 0.5, y1 - h, MAX (bw - 1, 1), h);
      cairo_fill (cr);
    }
}

static void
rali_score_histogram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliScoreHistogram *self = RALI_SCORE_HISTOGRAM (widget);
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  if (W <= 2 * PAD_X || H <= TOP + BOTTOM)
    return;
  compute_bins (self);
  GdkRGBA fg;
  foreground (widget, &fg);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  double y0 = TOP, y1 = H - BOTTOM, x1 = W - PAD_X;
  guint n = self->stats ? rali_score_stats_get_n (self->stats) : 0;

  /* baseline */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_rectangle (cr, PAD_X, y1, x1 - PAD_X, 1);
  cairo_fill (cr);

  if (n == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      draw_text (widget, cr, _("No scores yet"), W / 2, (y0 + y1) / 2 - 8, 0.5, FALSE);
      cairo_destroy (cr);
      return;
    }

  /* the kept part in colour, the hidden or rejected part faded */
  double t = shown_threshold (self);
  double tx = threshold_on (self, t) ? rali_score_histogram_x_for_score (self, t) : PAD_X;
  double hx = self->high < self->upper - EPS ? rali_score_histogram_x_for_score (self, self->high) : W;
  cairo_save (cr);
  cairo_rectangle (cr, tx, 0, MAX (hx - tx, 0), H);
  cairo_clip (cr);
  draw_bars (self, cr, y0, y1, 1.0);
  cairo_restore (cr);
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, tx, H);
  cairo_rectangle (cr, hx, 0, MAX (W - hx, 0), H);
  cairo_clip (cr);
  draw_bars (self, cr, y0, y1, 0.22);
  cairo_restore (cr);
  if (self->rejecting && tx > PAD_X)
    {
      /* GNOME red 3: what is rejected */
      cairo_set_source_rgba (cr, 0xe0 / 255.0, 0x1b / 255.0, 0x24 / 255.0, 0.1);
      cairo_rectangle (cr, PAD_X, y0, tx - PAD_X, y1 - y0);
      cairo_fill (cr);
    }

  /* the axis: the ends of the view */
  char lo[32], hi[32];
  g_snprintf (lo, sizeof lo, "%.2f", self->view_lo);
  g_snprintf (hi, sizeof hi, "%.2f", self->view_hi);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  draw_text (widget, cr, lo, PAD_X, y1 + 2, 0, FALSE);
  draw_text (widget, cr, hi, x1, y1 + 2, 1, FALSE);

  /* the threshold: a line with a knob; at the left edge, dimmed, when off */
  gboolean on = threshold_on (self, t);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, on ? 0.9 : 0.45);
  cairo_rectangle (cr, round (tx) - 1, y0 - 4, 2, y1 - y0 + 4);
  cairo_fill (cr);
  cairo_arc (cr, round (tx), y0 - 5, 5, 0, 2 * G_PI);
  cairo_fill (cr);
  if (on)
    {
      char value[32];
      g_snprintf (value, sizeof value, "%.2f", t);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
      draw_text (widget, cr, value, tx + 9, 0, 0, TRUE);
    }
  cairo_destroy (cr);
}

static void
rali_score_histogram_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                              int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 72;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 300 : 96;
  *minimum_baseline = *natural_baseline = -1;
}

/* ---- input ---- */

static void
commit (RaliScoreHistogram *self)
{
  rali_score_histogram_set_threshold (self, self->drag_value);
}

static gboolean
commit_timeout (gpointer data)
{
  RaliScoreHistogram *self = data;
  self->commit_id = 0;
  commit (self);
  return G_SOURCE_REMOVE;
}

static void
drag_begin (RaliScoreHistogram *self, double x)
{
  update_view (self);
  self->dragging = TRUE;
  self->drag_x0 = x;
  self->drag_value = score_for_x (self, x);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (!self->commit_id)
    self->commit_id = g_timeout_add (THROTTLE_MS, commit_timeout, self);
}

static void
drag_update (RaliScoreHistogram *self, double x)
{
  if (!self->dragging)
    return;
  self->drag_value = score_for_x (self, x);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (!self->commit_id)
    self->commit_id = g_timeout_add (THROTTLE_MS, commit_timeout, self);
}

static void
drag_end (RaliScoreHistogram *self)
{
  if (!self->dragging)
    return;
  g_clear_handle_id (&self->commit_id, g_source_remove);
  commit (self);
  self->dragging = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, RaliScoreHistogram *self)
{
  (void) y;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (gtk_widget_get_focusable (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  drag_begin (self, x);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, RaliScoreHistogram *self)
{
  (void) gesture;
  (void) dy;
  drag_update (self, self->drag_x0 + dx);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, RaliScoreHistogram *self)
{
  (void) gesture;
  (void) dy;
  drag_update (self, self->drag_x0 + dx);
  drag_end (self);
}

void
rali_score_histogram_drag (RaliScoreHistogram *self, double x0, double x1, int steps)
{
  g_return_if_fail (RALI_IS_SCORE_HISTOGRAM (self));
  drag_begin (self, x0);
  for (int i = 1; i <= steps; i++)
    drag_update (self, x0 + (x1 - x0) * i / steps);
  drag_end (self);
}

void
rali_score_histogram_step (RaliScoreHistogram *self, int steps)
{
  g_return_if_fail (RALI_IS_SCORE_HISTOGRAM (self));
  update_view (self);
  double step = MAX ((self->view_hi - self->view_lo) / 50, 0.01);
  step = MAX (round (step * 100) / 100, 0.01);
  /* off counts as the left end of the bars, not the bottom of the scale */
  double t = threshold_on (self, self->threshold) ? self->threshold : self->view_lo;
  t = round ((t + steps * step) * 100) / 100;
  rali_score_histogram_set_threshold (self, t <= self->view_lo + EPS ? self->lower : MIN (t, self->upper));
}

static gboolean
on_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
        RaliScoreHistogram *self)
{
  (void) controller;
  (void) keycode;
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left: case GDK_KEY_Down: case GDK_KEY_KP_Down:
      rali_score_histogram_step (self, -1);
      return TRUE;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: case GDK_KEY_Up: case GDK_KEY_KP_Up:
      rali_score_histogram_step (self, 1);
      return TRUE;
    case GDK_KEY_Page_Down:
      rali_score_histogram_step (self, -10);
      return TRUE;
    case GDK_KEY_Page_Up:
      rali_score_histogram_step (self, 10);
      return TRUE;
    case GDK_KEY_Home:
      rali_score_histogram_set_threshold (self, self->lower);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- API ---- */

static void
on_stats_changed (RaliScoreStats *stats, RaliScoreHistogram *self)
{
  (void) stats;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_score_histogram_set_stats (RaliScoreHistogram *self, RaliScoreStats *stats)
{
  g_return_if_fail (RALI_IS_SCORE_HISTOGRAM (self));
  if (self->stats == stats)
    return;
  if (self->stats)
    g_signal_handlers_disconnect_by_data (self->stats, self);
  g_set_object (&self->stats, stats);
  if (stats)
    g_signal_connect (stats, "changed", G_CALLBACK (on_stats_changed), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATS]);
}

void
rali_score_histogram_set_range (RaliScoreHistogram *self, double lower, double upper)
{
  g_return_if_fail (RALI_IS_SCORE_HISTOGRAM (self));
  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "lower", lower, "upper", upper, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

void
rali_score_histogram_set_threshold (RaliScoreHistogram *self, double threshold)
{
  g_return_if_fail (RALI_IS_SCORE_HISTOGRAM (self));
  if (threshold == self->threshold)
    return;
  self->threshold = threshold;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

double
rali_score_histogram_get_threshold (RaliScoreHistogram *self)
{
  return self->threshold;
}

void
rali_score_histogram_get_view (RaliScoreHistogram *self, double *lo, double *hi)
{
  update_view (self);
  *lo = self->view_lo;
  *hi = self->view_hi;
}

const guint *
rali_score_histogram_get_bins (RaliScoreHistogram *self, guint *n_bins)
{
  compute_bins (self);
  *n_bins = self->bins->len;
  return self->stats && rali_score_stats_get_n (self->stats) ? (const guint *) self->bins->data : NULL;
}

/* ---- object ---- */

static void
set_double (RaliScoreHistogram *self, double *field, double value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
rali_score_histogram_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliScoreHistogram *self = RALI_SCORE_HISTOGRAM (object);
  switch (prop_id)
    {
    case PROP_STATS: g_value_set_object (value, self->stats); break;
    case PROP_LOWER: g_value_set_double (value, self->lower); break;
    case PROP_UPPER: g_value_set_double (value, self->upper); break;
    case PROP_THRESHOLD: g_value_set_double (value, self->threshold); break;
    case PROP_HIGH: g_value_set_double (value, self->high); break;
    case PROP_REJECTING: g_value_set_boolean (value, self->rejecting); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_score_histogram_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  RaliScoreHistogram *self = RALI_SCORE_HISTOGRAM (object);
  switch (prop_id)
    {
    case PROP_STATS: rali_score_histogram_set_stats (self, g_value_get_object (value)); break;
    case PROP_LOWER: set_double (self, &self->lower, g_value_get_double (value), PROP_LOWER); break;
    case PROP_UPPER: set_double (self, &self->upper, g_value_get_double (value), PROP_UPPER); break;
    case PROP_THRESHOLD: rali_score_histogram_set_threshold (self, g_value_get_double (value)); break;
    case PROP_HIGH: set_double (self, &self->high, g_value_get_double (value), PROP_HIGH); break;
    case PROP_REJECTING:
      self->rejecting = g_value_get_boolean (value);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_score_histogram_dispose (GObject *object)
{
  RaliScoreHistogram *self = RALI_SCORE_HISTOGRAM (object);
  g_clear_handle_id (&self->commit_id, g_source_remove);
  rali_score_histogram_set_stats (self, NULL);
  G_OBJECT_CLASS (rali_score_histogram_parent_class)->dispose (object);
}

static void
rali_score_histogram_finalize (GObject *object)
{
  RaliScoreHistogram *self = RALI_SCORE_HISTOGRAM (object);
  g_array_unref (self->bins);
  G_OBJECT_CLASS (rali_score_histogram_parent_class)->finalize (object);
}

static void
rali_score_histogram_class_init (RaliScoreHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_score_histogram_dispose;
  object_class->finalize = rali_score_histogram_finalize;
  object_class->get_property = rali_score_histogram_get_property;
  object_class->set_property = rali_score_histogram_set_property;
  widget_class->snapshot = rali_score_histogram_snapshot;
  widget_class->measure = rali_score_histogram_measure;

  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_STATS] = g_param_spec_object ("stats", NULL, NULL, RALI_TYPE_SCORE_STATS, rw);
  properties[PROP_LOWER] = g_param_spec_double ("lower", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  properties[PROP_UPPER] = g_param_spec_double ("upper", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 1, rw);
  properties[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  properties[PROP_HIGH] = g_param_spec_double ("high", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 1, rw);
  properties[PROP_REJECTING] = g_param_spec_boolean ("rejecting", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "scorehistogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
rali_score_histogram_init (RaliScoreHistogram *self)
{
  self->upper = self->high = 1;
  self->bins = g_array_new (FALSE, TRUE, sizeof (guint));
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Score distribution"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("How many photos of the folder have each score. Drag, or use the arrow "
                                    "keys, to set the lowest score shown."), -1);
  update_accessible (self);
}

GtkWidget *
rali_score_histogram_new (void)
{
  return g_object_new (RALI_TYPE_SCORE_HISTOGRAM, NULL);
}
