/* RaliMapLegend: see rali-map-legend.h. */
#include "config.h"

#include "rali-map-legend.h"

#include "detail/rali-score-gauge.h"
#include "rali-map-render.h"

#include <glib/gi18n.h>
#include <math.h>

struct _RaliMapLegend {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkLabel *title;
  GtkWidget *subtitle;
  GtkWidget *gradient_box;
  GtkDrawingArea *gradient;
  GtkLabel *gradient_low, *gradient_high;
  GtkListBox *cluster_list;
  GtkWidget *prototype_note;
};

enum { SIGNAL_CLUSTER_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliMapLegend, rali_map_legend, GTK_TYPE_WIDGET)

static void
draw_swatch (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  (void) area;
  double rgb[3];
  rali_map_cluster_color (GPOINTER_TO_INT (data), rgb);
  cairo_arc (cr, w / 2.0, h / 2.0, MIN (w, h) / 2.0 - 0.5, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_fill (cr);
}

static void
draw_gradient (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  (void) area;
  (void) data;
  cairo_pattern_t *p = cairo_pattern_create_linear (0, 0, w, 0);
  for (int i = 0; i <= 10; i++)
    {
      GdkRGBA c;
      rali_score_color (i / 10.0, &c);
      cairo_pattern_add_color_stop_rgb (p, i / 10.0, c.red, c.green, c.blue);
    }
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_set_source (cr, p);
  cairo_fill (cr);
  cairo_pattern_destroy (p);
}

static GtkWidget *
caption (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  gtk_widget_add_css_class (l, "caption");
  gtk_widget_add_css_class (l, "dim-label");
  return l;
}

/* swatch | name, counts | mean score */
static GtkWidget *
legend_row (const RaliMapData *d, int c)
{
  const RaliMapCluster *cl = &d->clusters[c];
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *swatch = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 14);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 14);
  gtk_widget_set_valign (swatch, GTK_ALIGN_START);
  gtk_widget_set_margin_top (swatch, 2);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, GINT_TO_POINTER (c), NULL);
  gtk_box_append (GTK_BOX (box), swatch);

  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 1);
  gtk_widget_set_hexpand (texts, TRUE);
  const char *name = *cl->name ? cl->name : _("(no descriptor sets it apart)");
  GtkWidget *label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_lines (GTK_LABEL (label), 3);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
  gtk_box_append (GTK_BOX (texts), label);
  /* TRANSLATORS: cluster number and the photos in it */
  g_autofree char *meta = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Cluster %d · %u photo", "Cluster %d · %u photos",
                                                        cl->size),
                                           c + 1, cl->size);
  gtk_box_append (GTK_BOX (texts), caption (meta));
  gtk_box_append (GTK_BOX (box), texts);

  /* the mean score beside the name */
  g_autofree char *mean = g_strdup_printf ("%.2f", cl->mean_score);
  GtkWidget *score = gtk_label_new (mean);
  gtk_widget_set_valign (score, GTK_ALIGN_START);
  gtk_widget_add_css_class (score, "numeric");
  gtk_widget_add_css_class (score, "rali-map-mean");
  gtk_widget_set_tooltip_text (score, _("Mean score of the cluster’s photos"));
  gtk_box_append (GTK_BOX (box), score);

  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_autofree char *why = cl->name_count
    ? g_strdup_printf (_("“%s” is among the top descriptors of %.0f%% of this cluster’s photos and of %.0f%% of all "
                         "photos."),
                       d->clusters[c].name, 100 * cl->share_in, 100 * cl->share_all)
    : g_strdup ("");
  g_autofree char *tip = g_strdup_printf ("%s\n%s", why, _("Click to show only this cluster in the gallery"));
  gtk_widget_set_tooltip_text (row, g_strstrip (tip));
  /* TRANSLATORS: the accessible name of a cluster row: number, name, photos, mean score */
  g_autofree char *a11y = g_strdup_printf (_("Cluster %d: %s; %u photos; mean score %.2f"), c + 1, name, cl->size,
                                           cl->mean_score);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return row;
}

void
rali_map_legend_set_data (RaliMapLegend *self, const RaliMapData *d)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cluster_list))))
    gtk_list_box_remove (self->cluster_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self), d != NULL);
  if (!d)
    return;
  g_autofree char *title = isfinite (d->silhouette)
    ? g_strdup_printf (_("%d clusters (K-means, k by silhouette %.2f)"), d->k, d->silhouette)
    : g_strdup_printf (_("%d clusters (K-means)"), d->k);
  gtk_label_set_text (self->title, title);
  for (int c = 0; c < d->k; c++)
    gtk_list_box_append (self->cluster_list, legend_row (d, c));
  g_autofree char *lo = g_strdup_printf (_("%.2f (lowest here)"), d->score_lo);
  g_autofree char *hi = g_strdup_printf (_("%.2f (highest)"), d->score_hi);
  gtk_label_set_text (self->gradient_low, lo);
  gtk_label_set_text (self->gradient_high, hi);
}

void
rali_map_legend_set_by_score (RaliMapLegend *self, gboolean by_score)
{
  gtk_widget_set_visible (self->gradient_box, by_score);
  /* the swatches are the cluster colours: only meaningful when colouring by cluster */
  gtk_widget_set_opacity (GTK_WIDGET (self->cluster_list), by_score ? 0.75 : 1.0);
}

void
rali_map_legend_set_prototype_note (RaliMapLegend *self, gboolean shown)
{
  gtk_widget_set_visible (self->prototype_note, shown);
}

static void
on_row_activated (GtkListBox *box, GtkListBoxRow *row, RaliMapLegend *self)
{
  (void) box;
  g_signal_emit (self, signals[SIGNAL_CLUSTER_ACTIVATED], 0, gtk_list_box_row_get_index (row));
}

static void
rali_map_legend_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), RALI_TYPE_MAP_LEGEND);
  G_OBJECT_CLASS (rali_map_legend_parent_class)->dispose (object);
}

static void
rali_map_legend_class_init (RaliMapLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_map_legend_dispose;

  /* (cluster) a legend row was activated */
  signals[SIGNAL_CLUSTER_ACTIVATED] = g_signal_new ("cluster-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/map/rali-map-legend.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, box);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, title);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, subtitle);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, gradient_box);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, gradient);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, gradient_low);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, gradient_high);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, cluster_list);
  gtk_widget_class_bind_template_child (widget_class, RaliMapLegend, prototype_note);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
rali_map_legend_init (RaliMapLegend *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->gradient, draw_gradient, NULL, NULL);
  g_signal_connect (self->cluster_list, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Map legend"), -1);
}
