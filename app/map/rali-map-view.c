/* RaliMapView: see rali-map-view.h. */
#include "config.h"

#include "rali-map-view.h"

#include "detail/rali-score-gauge.h"

#include <glib/gi18n.h>
#include <math.h>

#define CARD_W 200
#define CARD_H 150
#define LEGEND_INSET 310 /* legend width + margins: the fitted map keeps clear of it */

struct _RaliMapView {
  GtkWidget parent_instance;

  /* template */
  GtkToggleButton *by_cluster_button;
  GtkToggleButton *by_score_button;
  GtkToggleButton *size_button;
  GtkToggleButton *prototypes_button;
  GtkLabel *status_label;
  GtkSpinner *spinner;
  GtkWidget *clear_button;
  GtkOverlay *overlay;
  GtkStack *stack;
  RaliMapCanvas *canvas;
  GtkWidget *legend;
  GtkLabel *legend_title;
  GtkWidget *gradient_box;
  GtkDrawingArea *gradient;
  GtkLabel *gradient_low, *gradient_high;
  GtkListBox *cluster_list;
  GtkWidget *prototype_note;
  GtkWidget *hover_card;
  GtkPicture *hover_picture;
  GtkLabel *hover_title, *hover_detail;
  GtkLabel *axis_x, *axis_y;

  RaliGalleryModel *model;
  GtkSelectionModel *selection;
  RaliThumbnailCache *cache;
  RaliScorer *scorer;
  GHashTable *index_of; /* RaliGalleryItem* -> point index + 1 */
  gboolean dirty, synthetic;
  guint compute_id;
  GCancellable *computing;
  GCancellable *thumb;
  char *error;
  char *exported; /* status after an export */
  GtkFileChooserNative *chooser;
  RaliMapExportFile chooser_what;
};

enum { SIGNAL_OPEN_PHOTO, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliMapView, rali_map_view, GTK_TYPE_WIDGET)

static void start_compute (RaliMapView *self);

/* ---- status, legend ---- */

static void
update_status (RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  guint n_selected = 0;
  const guint8 *sel = rali_map_canvas_get_selection (self->canvas, &n_selected);
  gtk_widget_set_visible (self->clear_button, sel != NULL);
  g_autofree char *text = NULL;
  if (self->error)
    text = g_strdup_printf (_("The map could not be computed: %s"), self->error);
  else if (!d)
    text = g_strdup (self->computing ? _("Computing the map…") : "");
  else if (sel)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %d photo selected: the gallery shows only these",
                                         "%u of %d photos selected: the gallery shows only these", n_selected),
                            n_selected, d->n);
  else
    text = g_strdup_printf (_("%d photos · %d clusters · the two axes explain %.0f%% of the variance · %.1f s"),
                            d->n, d->k, 100 * (d->explained[0] + d->explained[1]), d->seconds);
  if (self->exported && !self->error)
    {
      g_autofree char *t = g_strdup_printf ("%s · %s", text, self->exported);
      g_free (text);
      text = g_steal_pointer (&t);
    }
  gtk_label_set_text (self->status_label, text);
}

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
legend_row (const RaliMapCluster *cl, int c)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *swatch = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 14);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 14);
  gtk_widget_set_valign (swatch, GTK_ALIGN_START);
  gtk_widget_set_margin_top (swatch, 2);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, GINT_TO_POINTER (c), NULL);
  gtk_box_append (GTK_BOX (box), swatch);

  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 1);
  GtkWidget *name = gtk_label_new (*cl->name ? cl->name : _("(no descriptor)"));
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_lines (GTK_LABEL (name), 2);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 34);
  gtk_box_append (GTK_BOX (texts), name);
  /* TRANSLATORS: cluster number, photos in it, their mean score */
  g_autofree char *meta = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Cluster %d · %u photo · mean score %.2f",
                                                        "Cluster %d · %u photos · mean score %.2f", cl->size),
                                           c + 1, cl->size, cl->mean_score);
  GtkWidget *m = gtk_label_new (meta);
  gtk_label_set_xalign (GTK_LABEL (m), 0);
  gtk_widget_add_css_class (m, "caption");
  gtk_widget_add_css_class (m, "dim-label");
  gtk_box_append (GTK_BOX (texts), m);
  gtk_box_append (GTK_BOX (box), texts);

  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_autofree char *tip = g_strdup_printf (_("%s\nClick to show only this cluster in the gallery"), cl->name);
  gtk_widget_set_tooltip_text (row, tip);
  return row;
}

static void
rebuild_legend (RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cluster_list))))
    gtk_list_box_remove (self->cluster_list, child);
  gtk_widget_set_visible (self->legend, d != NULL);
  if (!d)
    return;
  g_autofree char *title = isfinite (d->silhouette)
    ? g_strdup_printf (_("%d clusters (K-means, k by silhouette %.2f)"), d->k, d->silhouette)
    : g_strdup_printf (_("%d clusters (K-means)"), d->k);
  gtk_label_set_text (self->legend_title, title);
  for (int c = 0; c < d->k; c++)
    gtk_list_box_append (self->cluster_list, legend_row (&d->clusters[c], c));
  g_autofree char *lo = g_strdup_printf (_("%.2f (lowest here)"), d->score_lo);
  g_autofree char *hi = g_strdup_printf (_("%.2f (highest)"), d->score_hi);
  gtk_label_set_text (self->gradient_low, lo);
  gtk_label_set_text (self->gradient_high, hi);
  g_autofree char *xl = g_strdup_printf (_("PC1 · %.1f%% of the variance →"), 100 * d->explained[0]);
  g_autofree char *yl = g_strdup_printf (_("↑ PC2 · %.1f%% of the variance"), 100 * d->explained[1]);
  gtk_label_set_text (self->axis_x, xl);
  gtk_label_set_text (self->axis_y, yl);
}

static void
update_style_widgets (RaliMapView *self)
{
  gboolean by_score = gtk_toggle_button_get_active (self->by_score_button);
  gboolean protos = gtk_toggle_button_get_active (self->prototypes_button);
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  gtk_widget_set_visible (self->gradient_box, by_score);
  gtk_widget_set_visible (self->prototype_note, protos && d && d->n_prototypes > 0);
  /* swatches are the cluster colours: only meaningful when colouring by cluster */
  gtk_widget_set_opacity (GTK_WIDGET (self->cluster_list), by_score ? 0.75 : 1.0);
}

/* ---- following the gallery ---- */

static int
index_of (RaliMapView *self, gpointer item)
{
  return self->index_of ? GPOINTER_TO_INT (g_hash_table_lookup (self->index_of, item)) - 1 : -1;
}

#define MAX_RINGS 64

/* the photos selected in the gallery are ringed */
static void
on_gallery_selection (GtkSelectionModel *model, guint pos, guint n, RaliMapView *self)
{
  (void) model;
  (void) pos;
  (void) n;
  int rings[MAX_RINGS], n_rings = 0;
  g_autoptr (GtkBitset) set = gtk_selection_model_get_selection (self->selection);
  GtkBitsetIter iter;
  guint p;
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &p); ok && n_rings < MAX_RINGS;
       ok = gtk_bitset_iter_next (&iter, &p))
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (self->selection), p);
      int i = item ? index_of (self, item) : -1;
      if (i >= 0)
        rings[n_rings++] = i;
    }
  rali_map_canvas_set_current (self->canvas, rings, n_rings);
}

static guint
position_in_shown (RaliMapView *self, gpointer item)
{
  GListModel *shown = rali_gallery_model_get_shown (self->model);
  guint n = g_list_model_get_n_items (shown);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) it = g_list_model_get_item (shown, i);
      if ((gpointer) it == item)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* a click selects the photo in the gallery, a double-click opens it */
static void
on_point (RaliMapCanvas *canvas, int i, int n_press, RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (canvas);
  if (!d || !d->items || !self->model)
    return;
  guint pos = position_in_shown (self, d->items[i]);
  if (pos == GTK_INVALID_LIST_POSITION)
    return; /* filtered out of the gallery */
  if (n_press >= 2)
    g_signal_emit (self, signals[SIGNAL_OPEN_PHOTO], 0, pos);
  else
    gtk_selection_model_select_item (self->selection, pos, TRUE);
}

static void
on_selection_changed (RaliMapCanvas *canvas, RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (canvas);
  const guint8 *sel = rali_map_canvas_get_selection (canvas, NULL);
  if (self->model && d && d->items)
    {
      g_autoptr (GHashTable) subset = NULL;
      if (sel)
        {
          subset = g_hash_table_new (g_direct_hash, g_direct_equal);
          for (int i = 0; i < d->n; i++)
            if (sel[i])
              g_hash_table_add (subset, d->items[i]);
        }
      rali_gallery_model_set_subset (self->model, subset);
    }
  update_status (self);
}

void
rali_map_view_select_cluster (RaliMapView *self, int cluster)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  if (!d || cluster < 0 || cluster >= d->k)
    return;
  g_autoptr (GArray) idx = g_array_new (FALSE, FALSE, sizeof (guint));
  for (int i = 0; i < d->n; i++)
    if (d->cluster[i] == cluster)
      g_array_append_val (idx, i);
  rali_map_canvas_set_selection (self->canvas, (const guint *) idx->data, idx->len);
  on_selection_changed (self->canvas, self);
}

static void
on_row_activated (GtkListBox *box, GtkListBoxRow *row, RaliMapView *self)
{
  (void) box;
  rali_map_view_select_cluster (self, gtk_list_box_row_get_index (row));
}

/* ---- hover card ---- */

static void
on_thumbnail (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliMapView) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_thumbnail_cache_load_finish (RALI_THUMBNAIL_CACHE (source), result, &error);
  if (tex)
    gtk_picture_set_paintable (self->hover_picture, GDK_PAINTABLE (tex));
}

static void
on_hover (RaliMapCanvas *canvas, int i, int proto, RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (canvas);
  if (self->thumb)
    g_cancellable_cancel (self->thumb);
  g_clear_object (&self->thumb);
  gtk_widget_set_visible (self->hover_card, d && (i >= 0 || proto >= 0));
  if (!d || (i < 0 && proto < 0))
    return;
  if (i < 0)
    {
      const RaliMapPrototype *p = &d->prototypes[proto];
      g_autofree char *title = g_strdup_printf (_("Prototype #%d · score %.2f"), p->index, p->score);
      g_autofree char *detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                              "%s\nThe top descriptor of %u photo: ◆ is their mean embedding.",
                                                              "%s\nThe top descriptor of %u photos: ◆ is their mean embedding.",
                                                              p->count),
                                                 p->text, p->count);
      gtk_label_set_text (self->hover_title, title);
      gtk_label_set_text (self->hover_detail, detail);
      gtk_widget_set_visible (GTK_WIDGET (self->hover_picture), FALSE);
    }
  else
    {
      const RaliMapCluster *cl = &d->clusters[d->cluster[i]];
      g_autofree char *synthetic = g_strdup_printf ("synthetic-%d", i);
      const char *name = d->items ? rali_gallery_item_get_name (d->items[i]) : synthetic;
      g_autofree char *detail = g_strdup_printf (_("Score %.2f · cluster %d: %s"), d->score[i], d->cluster[i] + 1,
                                                 cl->name);
      gtk_label_set_text (self->hover_title, name);
      gtk_label_set_text (self->hover_detail, detail);
      gtk_widget_set_visible (GTK_WIDGET (self->hover_picture), d->items != NULL);
      gtk_picture_set_paintable (self->hover_picture, NULL);
      if (d->items && self->cache)
        {
          const char *path = rali_gallery_item_get_path (d->items[i]);
          GdkTexture *tex = rali_thumbnail_cache_lookup (self->cache, path, CARD_W, CARD_H);
          if (tex)
            gtk_picture_set_paintable (self->hover_picture, GDK_PAINTABLE (tex));
          else
            {
              self->thumb = g_cancellable_new ();
              rali_thumbnail_cache_load_async (self->cache, path, CARD_W, CARD_H, self->thumb, on_thumbnail,
                                               g_object_ref (self));
            }
        }
    }
  gtk_widget_queue_allocate (GTK_WIDGET (self->overlay));
}

/* the card next to the hovered point, flipped to stay inside */
static gboolean
on_child_position (GtkOverlay *overlay, GtkWidget *child, GdkRectangle *out, RaliMapView *self)
{
  if (child != self->hover_card)
    return FALSE;
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  int proto, i = rali_map_canvas_get_hover (self->canvas, &proto);
  if (!d || (i < 0 && proto < 0))
    return FALSE;
  double px, py;
  if (i >= 0)
    rali_map_canvas_data_to_widget (self->canvas, d->xy[2 * i], d->xy[2 * i + 1], &px, &py);
  else
    rali_map_canvas_data_to_widget (self->canvas, d->prototypes[proto].x, d->prototypes[proto].y, &px, &py);
  graphene_point_t p;
  if (!gtk_widget_compute_point (GTK_WIDGET (self->canvas), GTK_WIDGET (overlay), &GRAPHENE_POINT_INIT (px, py), &p))
    return FALSE;
  int w, h, W = gtk_widget_get_width (GTK_WIDGET (overlay)), H = gtk_widget_get_height (GTK_WIDGET (overlay));
  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
  double x = p.x + 16, y = p.y + 16;
  if (x + w > W - 8)
    x = p.x - 16 - w;
  if (y + h > H - 8)
    y = p.y - 16 - h;
  out->x = (int) CLAMP (x, 4, MAX (4, W - w - 4));
  out->y = (int) CLAMP (y, 4, MAX (4, H - h - 4));
  out->width = w;
  out->height = h;
  return TRUE;
}

/* ---- computing ---- */

static void
show_data (RaliMapView *self, RaliMapData *data)
{
  g_clear_pointer (&self->index_of, g_hash_table_unref);
  if (data && data->items)
    {
      self->index_of = g_hash_table_new (g_direct_hash, g_direct_equal);
      for (int i = 0; i < data->n; i++)
        g_hash_table_insert (self->index_of, data->items[i], GINT_TO_POINTER (i + 1));
    }
  gboolean had_subset = self->model && rali_gallery_model_has_subset (self->model);
  rali_map_canvas_set_data (self->canvas, data);
  if (had_subset)
    rali_gallery_model_set_subset (self->model, NULL); /* the selection is gone with the old map */
  if (self->selection)
    on_gallery_selection (NULL, 0, 0, self);
  gtk_stack_set_visible_child_name (self->stack, data ? "map" : "empty");
  rebuild_legend (self);
  update_style_widgets (self);
  update_status (self);
}

static void
on_computed (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  g_autoptr (RaliMapView) self = data;
  g_autoptr (GError) error = NULL;
  RaliMapData *d = rali_map_data_compute_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* a newer computation replaced this one */
  g_clear_object (&self->computing);
  gtk_spinner_stop (self->spinner);
  g_clear_pointer (&self->error, g_free);
  if (error)
    {
      self->error = g_strdup (error->message);
      if (!rali_map_canvas_get_data (self->canvas))
        gtk_stack_set_visible_child_name (self->stack, "empty");
      update_status (self);
      return;
    }
  show_data (self, d);
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_compute (self);
}

static void
compute_input (RaliMapView *self, RaliMapInput *input)
{
  if (self->computing)
    g_cancellable_cancel (self->computing);
  g_clear_object (&self->computing);
  g_clear_pointer (&self->exported, g_free);
  self->computing = g_cancellable_new ();
  gtk_spinner_start (self->spinner);
  if (!rali_map_canvas_get_data (self->canvas))
    gtk_stack_set_visible_child_name (self->stack, "computing");
  update_status (self);
  rali_map_data_compute_async (input, 0, self->computing, on_computed, g_object_ref (self));
}

static void
start_compute (RaliMapView *self)
{
  g_clear_handle_id (&self->compute_id, g_source_remove);
  self->dirty = FALSE;
  if (!self->model || self->synthetic)
    return;
  RaliMapInput *input = rali_map_input_new_from_items (rali_gallery_model_get_all (self->model));
  if (rali_map_input_get_n (input) < 3)
    {
      rali_map_input_free (input);
      if (self->computing)
        g_cancellable_cancel (self->computing);
      g_clear_object (&self->computing);
      gtk_spinner_stop (self->spinner);
      show_data (self, NULL);
      return;
    }
  compute_input (self, input);
}

static gboolean
compute_now (gpointer data)
{
  RaliMapView *self = data;
  self->compute_id = 0;
  start_compute (self);
  return G_SOURCE_REMOVE;
}

/* the photos or their results changed: recompute when shown */
static void
mark_dirty (RaliMapView *self)
{
  self->dirty = TRUE;
  self->synthetic = FALSE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->compute_id == 0)
    self->compute_id = g_idle_add (compute_now, self);
}

static void
on_items_changed (GListModel *list, guint pos, guint removed, guint added, RaliMapView *self)
{
  (void) list;
  (void) pos;
  if (removed || added)
    mark_dirty (self);
}

static void
on_scoring_finished (RaliScorer *scorer, gboolean cancelled, RaliMapView *self)
{
  (void) scorer;
  (void) cancelled;
  mark_dirty (self);
}

void
rali_map_view_load_synthetic (RaliMapView *self, int n, int D)
{
  self->synthetic = TRUE;
  self->dirty = FALSE;
  compute_input (self, rali_map_input_new_synthetic (n, D, 42));
}

/* ---- export ---- */

gboolean
rali_map_view_export (RaliMapView *self, RaliMapExportFile what, const char *path, GError **error)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  if (!d)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The map is empty"));
      return FALSE;
    }
  if (what == RALI_MAP_EXPORT_FILE_CSV)
    return rali_map_data_write_csv (d, path, error);
  RaliMapStyle style;
  rali_map_canvas_get_style (self->canvas, &style);
  return rali_map_export (d, &style, what == RALI_MAP_EXPORT_FILE_SVG ? RALI_MAP_EXPORT_SVG : RALI_MAP_EXPORT_PNG,
                          path, error);
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, RaliMapView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      g_clear_pointer (&self->exported, g_free);
      if (path && rali_map_view_export (self, self->chooser_what, path, &error))
        {
          g_autofree char *base = g_path_get_basename (path);
          self->exported = g_strdup_printf (_("exported %s"), base);
        }
      else if (error)
        self->exported = g_strdup (error->message);
      update_status (self);
    }
  g_clear_object (&self->chooser);
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliMapView *self = RALI_MAP_VIEW (widget);
  (void) name;
  const char *kind = g_variant_get_string (param, NULL);
  if (self->chooser || !rali_map_canvas_get_data (self->canvas))
    return;
  self->chooser_what = g_str_equal (kind, "svg") ? RALI_MAP_EXPORT_FILE_SVG
                     : g_str_equal (kind, "csv") ? RALI_MAP_EXPORT_FILE_CSV : RALI_MAP_EXPORT_FILE_PNG;
  GtkRoot *root = gtk_widget_get_root (widget);
  self->chooser = gtk_file_chooser_native_new (_("Export the Map"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  g_autofree char *suggested = g_strdup_printf ("rali-map.%s", kind);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* map.fit, map.clear-selection */
static void
action_simple (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliMapView *self = RALI_MAP_VIEW (widget);
  (void) param;
  if (g_str_equal (name, "map.fit"))
    rali_map_canvas_fit (self->canvas);
  else
    {
      rali_map_canvas_clear_selection (self->canvas);
      on_selection_changed (self->canvas, self);
    }
}

/* ---- object ---- */

void
rali_map_view_setup (RaliMapView *self, RaliGalleryModel *model, GtkSelectionModel *selection,
                     RaliThumbnailCache *cache, RaliScorer *scorer)
{
  g_return_if_fail (RALI_IS_MAP_VIEW (self) && !self->model);
  self->model = g_object_ref (model);
  self->selection = g_object_ref (selection);
  self->cache = g_object_ref (cache);
  self->scorer = g_object_ref (scorer);
  g_signal_connect (rali_gallery_model_get_all (model), "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect (selection, "selection-changed", G_CALLBACK (on_gallery_selection), self);
  g_signal_connect (scorer, "finished", G_CALLBACK (on_scoring_finished), self);
  self->dirty = TRUE;
}

static gboolean
on_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state, gpointer action)
{
  (void) keycode;
  GtkWidget *window = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (c));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  if ((state & gtk_accelerator_get_default_mod_mask ()) != 0 || (keyval != GDK_KEY_m && keyval != GDK_KEY_M)
      || (focus && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus))))
    return FALSE;
  return gtk_widget_activate_action (window, action, NULL);
}

void
rali_map_view_add_key (GtkWidget *window, const char *action)
{
  GtkEventController *keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_data (keys, "key-pressed", G_CALLBACK (on_key), g_strdup (action),
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_widget_add_controller (window, keys);
}

RaliMapCanvas *
rali_map_view_get_canvas (RaliMapView *self)
{
  return self->canvas;
}

gboolean
rali_map_view_is_computing (RaliMapView *self)
{
  return self->computing != NULL || self->compute_id != 0 || (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

const char *
rali_map_view_get_error (RaliMapView *self)
{
  return self->error;
}

static void
rali_map_view_map (GtkWidget *widget)
{
  RaliMapView *self = RALI_MAP_VIEW (widget);
  GTK_WIDGET_CLASS (rali_map_view_parent_class)->map (widget);
  if (self->dirty && self->compute_id == 0)
    self->compute_id = g_idle_add (compute_now, self);
}

/* the canvas takes the keys (zoom, fit, Escape) */
static gboolean
rali_map_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (RALI_MAP_VIEW (widget)->canvas));
}

static void
on_style_toggled (RaliMapView *self)
{
  /* one of the two is active, whichever way the property was set */
  gtk_toggle_button_set_active (self->by_cluster_button, !gtk_toggle_button_get_active (self->by_score_button));
  update_style_widgets (self);
}

static void
rali_map_view_dispose (GObject *object)
{
  RaliMapView *self = RALI_MAP_VIEW (object);
  if (self->computing)
    g_cancellable_cancel (self->computing);
  if (self->thumb)
    g_cancellable_cancel (self->thumb);
  g_clear_object (&self->computing);
  g_clear_object (&self->thumb);
  g_clear_handle_id (&self->compute_id, g_source_remove);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->model)
    g_signal_handlers_disconnect_by_data (rali_gallery_model_get_all (self->model), self);
  if (self->selection)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->scorer)
    g_signal_handlers_disconnect_by_data (self->scorer, self);
  g_clear_object (&self->model);
  g_clear_object (&self->selection);
  g_clear_object (&self->cache);
  g_clear_object (&self->scorer);
  g_clear_pointer (&self->index_of, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_MAP_VIEW);
  GtkWidget *child; /* the template's unbound root box */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (rali_map_view_parent_class)->dispose (object);
}

static void
rali_map_view_finalize (GObject *object)
{
  RaliMapView *self = RALI_MAP_VIEW (object);
  g_free (self->error);
  g_free (self->exported);
  G_OBJECT_CLASS (rali_map_view_parent_class)->finalize (object);
}

static void
rali_map_view_class_init (RaliMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_map_view_dispose;
  object_class->finalize = rali_map_view_finalize;
  widget_class->map = rali_map_view_map;
  widget_class->grab_focus = rali_map_view_grab_focus;

  /* (position in the gallery's shown list) a double-click asks to open the photo */
  signals[SIGNAL_OPEN_PHOTO] = g_signal_new ("open-photo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                             NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (RALI_TYPE_MAP_CANVAS);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/map/rali-map-view.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, RaliMapView, name)
  CHILD (by_cluster_button);
  CHILD (by_score_button);
  CHILD (size_button);
  CHILD (prototypes_button);
  CHILD (status_label);
  CHILD (spinner);
  CHILD (clear_button);
  CHILD (overlay);
  CHILD (stack);
  CHILD (canvas);
  CHILD (legend);
  CHILD (legend_title);
  CHILD (gradient_box);
  CHILD (gradient);
  CHILD (gradient_low);
  CHILD (gradient_high);
  CHILD (cluster_list);
  CHILD (prototype_note);
  CHILD (hover_card);
  CHILD (hover_picture);
  CHILD (hover_title);
  CHILD (hover_detail);
  CHILD (axis_x);
  CHILD (axis_y);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "map.export", "s", action_export);
  gtk_widget_class_install_action (widget_class, "map.fit", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "map.clear-selection", NULL, action_simple);
}

static void
rali_map_view_init (RaliMapView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  GBindingFlags both = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;
  g_object_bind_property (self->by_score_button, "active", self->canvas, "color-by-score", both);
  g_object_bind_property (self->size_button, "active", self->canvas, "size-by-score", both);
  g_object_bind_property (self->prototypes_button, "active", self->canvas, "show-prototypes", both);
  g_signal_connect_swapped (self->by_score_button, "toggled", G_CALLBACK (on_style_toggled), self);
  g_signal_connect_swapped (self->prototypes_button, "toggled", G_CALLBACK (on_style_toggled), self);
  g_signal_connect (self->canvas, "hover-changed", G_CALLBACK (on_hover), self);
  g_signal_connect (self->canvas, "point-activated", G_CALLBACK (on_point), self);
  g_signal_connect (self->canvas, "selection-changed", G_CALLBACK (on_selection_changed), self);
  g_signal_connect (self->cluster_list, "row-activated", G_CALLBACK (on_row_activated), self);
  g_signal_connect (self->overlay, "get-child-position", G_CALLBACK (on_child_position), self);
  gtk_drawing_area_set_draw_func (self->gradient, draw_gradient, NULL, NULL);
  rali_map_canvas_set_insets (self->canvas, 0, LEGEND_INSET, 24, 0);
  update_status (self);
}
