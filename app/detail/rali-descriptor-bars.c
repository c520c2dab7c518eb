/* RaliDescriptorBars: see rali-descriptor-bars.h.  Height-for-width: the
 * descriptor texts wrap to the width given. */
#include "config.h"

#include "rali-descriptor-bars.h"

#include "gallery/rali-gallery-item.h"
#include "rali.h"
#include "rali-score-gauge.h"

#include <glib/gi18n.h>

#define BAR_HEIGHT 8
#define ROW_GAP 14
#define LINE_GAP 4

struct _RaliDescriptorBars {
  GtkWidget parent_instance;
  GPtrArray *descriptors;
  int top_k;
  double score_min, score_max;
};

G_DEFINE_FINAL_TYPE (RaliDescriptorBars, rali_descriptor_bars, GTK_TYPE_WIDGET)

static PangoLayout *
make_layout (GtkWidget *widget, const char *text, int width, double scale, gboolean dim)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  if (scale != 1.0 || dim)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      if (scale != 1.0)
        pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
      if (dim)
        pango_attr_list_insert (attrs, pango_attr_foreground_alpha_new (0xa000));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  return layout;
}

/* a descriptor after the first that carries less than this is not a reason
 * and is not listed (RALI_SHOWN_MIN_WEIGHT, as rali score lists them) */
#define MIN_SHOWN_WEIGHT RALI_SHOWN_MIN_WEIGHT
/* below this a share rounds to 0 % and reads "less than 1 %" */
#define UNDER_ONE_PERCENT 0.005

/* the first top_k descriptors, those that carry some of the score: the list
 * stops where the weight stops (the first row is always shown); the rest
 * are counted in the footer and listed under Details */
static int
n_candidates (RaliDescriptorBars *self)
{
  return self->descriptors ? MIN ((int) self->descriptors->len, self->top_k) : 0;
}

static int
n_rows (RaliDescriptorBars *self)
{
  int n = n_candidates (self), i = 0;
  while (i < n && (i == 0 || ((RaliItemDescriptor *) self->descriptors->pdata[i])->weight >= MIN_SHOWN_WEIGHT))
    i++;
  return i;
}

char *
rali_descriptor_bars_dup_footer (RaliDescriptorBars *self)
{
  int shown = n_rows (self), n = n_candidates (self);
  if (shown >= n)
    return NULL;
  double rest = 0;
  for (int i = shown; i < n; i++)
    rest += ((RaliItemDescriptor *) self->descriptors->pdata[i])->weight;
  if (rest < UNDER_ONE_PERCENT)
    /* TRANSLATORS: after the evidence list; %d is how many reasons are left out */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d more reason carries less than 1 %% of this score (Details lists it)",
                                         "%d more reasons carry less than 1 %% of this score together (Details lists them)",
                                         n - shown),
                            n - shown);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d more reason carries %.0f %% of this score (Details lists it)",
                                       "%d more reasons carry %.0f %% of this score together (Details lists them)",
                                       n - shown),
                          n - shown, rest * 100.0);
}

char *
rali_descriptor_share_caption (double weight, double near_weight)
{
  g_autofree char *own = weight < UNDER_ONE_PERCENT
                           /* xgettext:no-c-format */
                           ? g_strdup (_("carries less than 1 % of this score"))
                           /* TRANSLATORS: a reason's share of the photo's score, e.g. "carries 62 % of this score" */
                           : g_strdup_printf (_("carries %.0f %% of this score"), weight * 100.0);
  if (near_weight < UNDER_ONE_PERCENT)
    return g_steal_pointer (&own);
  /* TRANSLATORS: %s is "carries 62 % of this score"; then the share of the
   * prototypes left out as near-copies of this reason, added to its own */
  return g_strdup_printf (_("%s; %.0f %% with its near-copies"), own, (weight + near_weight) * 100.0);
}

static char *
caption (RaliDescriptorBars *self, RaliItemDescriptor *d)
{
  (void) self;
  return rali_descriptor_share_caption (d->weight, d->near_weight);
}

/* Lays the rows out for width; draws them when cr is non-NULL.  Returns the
 * height used. */
static int
layout_rows (RaliDescriptorBars *self, int width, cairo_t *cr)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  int y = 0;
  int n = n_rows (self);
  if (n == 0)
    {
      g_autoptr (PangoLayout) l = make_layout (widget, _("No descriptors"), width, 1.0, TRUE);
      int w, h;
      pango_layout_get_pixel_size (l, &w, &h);
      if (cr)
        {
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, 0, 0);
          pango_cairo_show_layout (cr, l);
        }
      return h;
    }
  for (int i = 0; i < n; i++)
    {
      RaliItemDescriptor *d = self->descriptors->pdata[i];
      g_autofree char *numbered = g_strdup_printf ("%d. %s", i + 1, d->text);
      /* the text, a bar of its share of the score, the share in words */
      g_autoptr (PangoLayout) text = make_layout (widget, numbered, width, 1.0, FALSE);
      int tw, th;
      pango_layout_get_pixel_size (text, &tw, &th);
      g_autofree char *cap = caption (self, d);
      g_autoptr (PangoLayout) small = make_layout (widget, cap, width, 0.8, TRUE);
      int cw, ch;
      pango_layout_get_pixel_size (small, &cw, &ch);
      if (cr)
        {
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, 0, y);
          pango_cairo_show_layout (cr, text);
          /* track, then the share: the whole width is the whole score */
          double by = y + th + LINE_GAP;
          GdkRGBA track = fg;
          track.alpha = 0.12f;
          gdk_cairo_set_source_rgba (cr, &track);
          cairo_rectangle (cr, 0, by, width, BAR_HEIGHT);
          cairo_fill (cr);
          double range = self->score_max - self->score_min;
          GdkRGBA col;
          rali_score_color (range > 0 ? (d->score - self->score_min) / range : 0.5, &col);
          gdk_cairo_set_source_rgba (cr, &col);
          double own = MAX (width * CLAMP (d->weight, 0.0f, 1.0f), 2);
          cairo_rectangle (cr, 0, by, own, BAR_HEIGHT);
          cairo_fill (cr);
          /* its near-copies' share after it, lighter */
          double near = width * CLAMP (d->near_weight, 0.0f, 1.0f - CLAMP (d->weight, 0.0f, 1.0f));
          if (near >= 1)
            {
              col.alpha *= 0.4f;
              gdk_cairo_set_source_rgba (cr, &col);
              cairo_rectangle (cr, own, by, near, BAR_HEIGHT);
              cairo_fill (cr);
            }
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, 0, by + BAR_HEIGHT + LINE_GAP);
          pango_cairo_show_layout (cr, small);
        }
      y += th + LINE_GAP + BAR_HEIGHT + LINE_GAP + ch + (i + 1 < n ? ROW_GAP : 0);
    }
  g_autofree char *footer = rali_descriptor_bars_dup_footer (self);
  if (footer)
    {
      g_autoptr (PangoLayout) l = make_layout (widget, footer, width, 0.8, TRUE);
      int fw, fh;
      pango_layout_get_pixel_size (l, &fw, &fh);
      if (cr)
        {
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, 0, y + ROW_GAP);
          pango_cairo_show_layout (cr, l);
        }
      y += ROW_GAP + fh;
    }
  return y;
}

static GtkSizeRequestMode
rali_descriptor_bars_get_request_mode (GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
rali_descriptor_bars_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                              int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  RaliDescriptorBars *self = RALI_DESCRIPTOR_BARS (widget);
  *minimum_baseline = *natural_baseline = -1;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 300;
      return;
    }
  int h = layout_rows (self, for_size > 0 ? for_size : 300, NULL);
  *minimum = *natural = h;
}

static void
rali_descriptor_bars_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliDescriptorBars *self = RALI_DESCRIPTOR_BARS (widget);
  int W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  if (W <= 0 || H <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  layout_rows (self, W, cr);
  cairo_destroy (cr);
}

static void
rali_descriptor_bars_finalize (GObject *object)
{
  RaliDescriptorBars *self = RALI_DESCRIPTOR_BARS (object);
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  G_OBJECT_CLASS (rali_descriptor_bars_parent_class)->finalize (object);
}

static void
rali_descriptor_bars_class_init (RaliDescriptorBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = rali_descriptor_bars_finalize;
  widget_class->get_request_mode = rali_descriptor_bars_get_request_mode;
  widget_class->measure = rali_descriptor_bars_measure;
  widget_class->snapshot = rali_descriptor_bars_snapshot;
  gtk_widget_class_set_css_name (widget_class, "ralidescriptorbars");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_descriptor_bars_init (RaliDescriptorBars *self)
{
  self->top_k = 5;
  self->score_max = 1;
}

GtkWidget *
rali_descriptor_bars_new (void)
{
  return g_object_new (RALI_TYPE_DESCRIPTOR_BARS, NULL);
}

void
rali_descriptor_bars_set (RaliDescriptorBars *self, GPtrArray *descriptors, int top_k,
                          double score_min, double score_max)
{
  g_return_if_fail (RALI_IS_DESCRIPTOR_BARS (self));
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  self->descriptors = descriptors ? g_ptr_array_ref (descriptors) : NULL;
  self->top_k = MAX (top_k, 1);
  self->score_min = score_min;
  self->score_max = score_max;
  /* the same text for screen readers */
  g_autoptr (GString) a11y = g_string_new (NULL);
  for (int i = 0; i < n_rows (self); i++)
    {
      RaliItemDescriptor *d = self->descriptors->pdata[i];
      g_autofree char *cap = caption (self, d);
      g_string_append_printf (a11y, "%d. %s: %s. ", i + 1, d->text, cap);
    }
  g_autofree char *footer = rali_descriptor_bars_dup_footer (self);
  if (footer)
    g_string_append_printf (a11y, "%s.", footer);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  a11y->len ? a11y->str : _("No descriptors"), -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
rali_descriptor_bars_get_n_rows (RaliDescriptorBars *self)
{
  return n_rows (self);
}

const char *
rali_descriptor_bars_get_text (RaliDescriptorBars *self, int i)
{
  return i >= 0 && i < n_rows (self) ? ((RaliItemDescriptor *) self->descriptors->pdata[i])->text : NULL;
}

char *
rali_descriptor_bars_dup_caption (RaliDescriptorBars *self, int i)
{
  return i >= 0 && i < n_rows (self) ? caption (self, self->descriptors->pdata[i]) : NULL;
}

double
rali_descriptor_bars_get_weight (RaliDescriptorBars *self, int i)
{
  return i >= 0 && i < n_rows (self) ? ((RaliItemDescriptor *) self->descriptors->pdata[i])->weight : 0;
}
