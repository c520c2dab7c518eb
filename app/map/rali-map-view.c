/* RaliMapView: see rali-map-view.h. */
#include "config.h"

#include "rali-map-view.h"

#include "rali-map-hover-card.h"
#include "rali-map-legend.h"
#include "rali-map-sprites.h"
#include "rali-neighbour-list.h"
#include "rali-similar-photos.h"

#include <glib/gi18n.h>
#include <math.h>

#define CARD_W RALI_MAP_THUMB_W /* the sprites' box: the same cache entries */
#define CARD_H RALI_MAP_THUMB_H
#define N_SIMILAR 12
#define LEGEND_INSET 310 /* legend width + margins: the fitted map keeps clear of it */

struct _RaliMapView {
  GtkWidget parent_instance;

  /* template */
  GtkToggleButton *by_cluster_button;
  GtkToggleButton *by_score_button;
  GtkToggleButton *size_button;
  GtkToggleButton *prototypes_button;
  GtkToggleButton *thumbnails_button;
  GtkLabel *status_label;
  GtkSpinner *spinner;
  GtkWidget *clear_button;
  GtkOverlay *overlay;
  GtkStack *stack;
  RaliMapCanvas *canvas;
  RaliMapLegend *legend;
  RaliNeighbourList *neighbours;
  GtkWidget *neighbours_separator;
  RaliMapHoverCard *hover_card;
  GtkLabel *axis_x, *axis_y;

  RaliGalleryModel *model;
  GtkSelectionModel *selection;
  RaliThumbnailCache *cache;
  RaliScorer *scorer;
  RaliSimilarPhotos *similar;
  GHashTable *index_of; /* RaliGalleryItem* -> point index + 1 */
  gboolean dirty, synthetic;
  guint compute_id;
  GCancellable *computing;
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
update_style_widgets (RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  rali_map_legend_set_by_score (self->legend, gtk_toggle_button_get_active (self->by_score_button));
  rali_map_legend_set_prototype_note (self->legend, gtk_toggle_button_get_active (self->prototypes_button) && d
                                                      && d->n_prototypes > 0);
}

static void
update_axes (RaliMapView *self)
{
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  if (!d)
    return;
  g_autofree char *xl = g_strdup_printf (_("PC1 · %.1f%% of the variance →"), 100 * d->explained[0]);
  g_autofree char *yl = g_strdup_printf (_("↑ PC2 · %.1f%% of the variance"), 100 * d->explained[1]);
  gtk_label_set_text (self->axis_x, xl);
  gtk_label_set_text (self->axis_y, yl);
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
    {
      /* filtered out of the gallery: nothing to select or open there */
      if (n_press == 1)
        rali_map_view_show_similar (self, d->items[i]);
      return;
    }
  if (n_press >= 2)
    g_signal_emit (self, signals[SIGNAL_OPEN_PHOTO], 0, pos);
  else
    {
      gtk_selection_model_select_item (self->selection, pos, TRUE);
      rali_map_view_show_similar (self, d->items[i]);
    }
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
on_cluster_activated (RaliMapLegend *legend, int cluster, RaliMapView *self)
{
  (void) legend;
  rali_map_view_select_cluster (self, cluster);
}

/* ---- similar photos ---- */

/* the list's results, ringed and linked on the map */
static void
on_found (RaliNeighbourList *list, RaliMapView *self)
{
  GPtrArray *found = rali_neighbour_list_get_found (list);
  int query = index_of (self, rali_neighbour_list_get_query (list)), n = 0;
  g_autofree int *rings = g_new (int, found ? MAX (found->len, 1) : 1);
  for (guint t = 0; found && t < found->len; t++)
    {
      int i = index_of (self, ((RaliSimilarPhoto *) found->pdata[t])->item);
      if (i >= 0)
        rings[n++] = i;
    }
  rali_map_canvas_set_neighbours (self->canvas, found ? query : -1, rings, n);
}

void
rali_map_view_show_similar (RaliMapView *self, RaliGalleryItem *item)
{
  gtk_widget_set_visible (GTK_WIDGET (self->neighbours), item != NULL);
  gtk_widget_set_visible (self->neighbours_separator, item != NULL);
  rali_neighbour_list_show (self->neighbours, item);
}

/* a similar photo: selected in the gallery as a click on the map does, and its own similar photos listed */
static void
on_neighbour_activated (RaliNeighbourList *list, RaliGalleryItem *item, RaliMapView *self)
{
  (void) list;
  guint pos = self->model ? position_in_shown (self, item) : GTK_INVALID_LIST_POSITION;
  if (pos != GTK_INVALID_LIST_POSITION)
    gtk_selection_model_select_item (self->selection, pos, TRUE);
  /* off screen when zoomed in: the map comes to it */
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  int i = index_of (self, item);
  if (d && i >= 0)
    rali_map_canvas_centre_on (self->canvas, d->xy[2 * i], d->xy[2 * i + 1], TRUE);
  rali_map_view_show_similar (self, item);
}

static void
on_neighbours_close (RaliNeighbourList *list, RaliMapView *self)
{
  (void) list;
  rali_map_view_show_similar (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

/* map.similar (N): the similar photos of the photo selected in the gallery, or closes the list */
static void
action_similar (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliMapView *self = RALI_MAP_VIEW (widget);
  (void) name;
  (void) param;
  if (gtk_widget_get_visible (GTK_WIDGET (self->neighbours)))
    {
      on_neighbours_close (self->neighbours, self);
      return;
    }
  RaliMapData *d = rali_map_canvas_get_data (self->canvas);
  guint n = 0;
  const int *current = rali_map_canvas_get_current (self->canvas, &n);
  int i = n ? current[0] : rali_map_canvas_get_hover (self->canvas, NULL);
  if (d && d->items && i >= 0 && i < d->n)
    rali_map_view_show_similar (self, d->items[i]);
}

RaliSimilarPhotos *
rali_map_view_get_similar_photos (RaliMapView *self)
{
  return self->similar;
}

RaliNeighbourList *
rali_map_view_get_neighbour_list (RaliMapView *self)
{
  return self->neighbours;
}

/* ---- hover card ---- */

static void
on_hover (RaliMapCanvas *canvas, int i, int proto, RaliMapView *self)
{
  rali_map_hover_card_show (self->hover_card, rali_map_canvas_get_data (canvas), i, proto, self->cache, CARD_W, CARD_H);
  gtk_widget_queue_allocate (GTK_WIDGET (self->overlay));
}

/* the card next to the hovered point, flipped to stay inside */
static gboolean
on_child_position (GtkOverlay *overlay, GtkWidget *child, GdkRectangle *out, RaliMapView *self)
{
  if (child != GTK_WIDGET (self->hover_card))
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
  rali_map_legend_set_data (self->legend, data);
  update_axes (self);
  /* TRANSLATORS: the accessible name of the map: photos and clusters on it */
  g_autofree char *a11y = data ? g_strdup_printf (_("Embedding map: %d photos in %d clusters"), data->n, data->k)
                               : g_strdup (_("Embedding map"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  update_style_widgets (self);
  update_status (self);
  /* the listed photo's similar photos again, ringed on the new map */
  RaliGalleryItem *query = rali_neighbour_list_get_query (self->neighbours);
  rali_map_view_show_similar (self, query && index_of (self, query) >= 0 ? query : NULL);
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
  rali_similar_photos_invalidate (self->similar);
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

/* map.fit, map.clear-selection, map.thumbnails and map.prototypes (the toolbar's toggles) */
static void
action_simple (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliMapView *self = RALI_MAP_VIEW (widget);
  (void) param;
  GtkToggleButton *toggle = g_str_equal (name, "map.thumbnails") ? self->thumbnails_button
                          : g_str_equal (name, "map.prototypes") ? self->prototypes_button : NULL;
  if (toggle)
    gtk_toggle_button_set_active (toggle, !gtk_toggle_button_get_active (toggle));
  else if (g_str_equal (name, "map.fit"))
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
  self->similar = rali_similar_photos_new (rali_gallery_model_get_all (model));
  rali_map_canvas_set_thumbnail_cache (self->canvas, cache);
  rali_neighbour_list_set_source (self->neighbours, self->similar, cache);
  g_signal_connect (rali_gallery_model_get_all (model), "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect (selection, "selection-changed", G_CALLBACK (on_gallery_selection), self);
  g_signal_connect (scorer, "finished", G_CALLBACK (on_scoring_finished), self);
  self->dirty = TRUE;
}

void
rali_map_view_bind_settings (RaliMapView *self, GSettings *settings)
{
  g_settings_bind (settings, "map-prototypes", self->prototypes_button, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "map-thumbnails", self->thumbnails_button, "active", G_SETTINGS_BIND_DEFAULT);
}

/* Escape: the canvas clears its selection first; with none, back to the gallery */
gboolean
rali_map_view_handle_key (RaliMapView *self, guint keyval, GdkModifierType state)
{
  if (keyval != GDK_KEY_Escape || (state & gtk_accelerator_get_default_mod_mask ()))
    return FALSE;
  if (rali_map_canvas_get_selection (self->canvas, NULL))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "map.clear-selection", NULL);
      return TRUE;
    }
  return gtk_widget_activate_action (GTK_WIDGET (self), "win.back", NULL);
}

static gboolean
on_view_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state, RaliMapView *self)
{
  (void) c;
  (void) keycode;
  return rali_map_view_handle_key (self, keyval, state);
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
  g_clear_object (&self->similar);
  g_clear_object (&self->computing);
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
  g_type_ensure (RALI_TYPE_MAP_LEGEND);
  g_type_ensure (RALI_TYPE_MAP_HOVER_CARD);
  g_type_ensure (RALI_TYPE_NEIGHBOUR_LIST);
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
  CHILD (thumbnails_button);
  CHILD (legend);
  CHILD (neighbours);
  CHILD (neighbours_separator);
  CHILD (hover_card);
  CHILD (axis_x);
  CHILD (axis_y);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "map.export", "s", action_export);
  gtk_widget_class_install_action (widget_class, "map.fit", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "map.clear-selection", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "map.similar", NULL, action_similar);
  /* T, P: the toolbar's Thumbnails and Prototypes toggles; N: similar photos */
  gtk_widget_class_install_action (widget_class, "map.thumbnails", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "map.prototypes", NULL, action_simple);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, 0, "map.thumbnails", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "map.prototypes", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, 0, "map.similar", NULL);
}

static void
rali_map_view_init (RaliMapView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  GBindingFlags both = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;
  g_object_bind_property (self->by_score_button, "active", self->canvas, "color-by-score", both);
  g_object_bind_property (self->size_button, "active", self->canvas, "size-by-score", both);
  g_object_bind_property (self->prototypes_button, "active", self->canvas, "show-prototypes", both);
  g_object_bind_property (self->thumbnails_button, "active", self->canvas, "thumbnails", both);
  g_signal_connect_swapped (self->by_score_button, "toggled", G_CALLBACK (on_style_toggled), self);
  g_signal_connect_swapped (self->prototypes_button, "toggled", G_CALLBACK (on_style_toggled), self);
  g_signal_connect (self->canvas, "hover-changed", G_CALLBACK (on_hover), self);
  g_signal_connect (self->canvas, "point-activated", G_CALLBACK (on_point), self);
  g_signal_connect (self->canvas, "selection-changed", G_CALLBACK (on_selection_changed), self);
  g_signal_connect (self->legend, "cluster-activated", G_CALLBACK (on_cluster_activated), self);
  g_signal_connect (self->neighbours, "activated", G_CALLBACK (on_neighbour_activated), self);
  g_signal_connect (self->neighbours, "close", G_CALLBACK (on_neighbours_close), self);
  g_signal_connect (self->neighbours, "found", G_CALLBACK (on_found), self);
  GtkEventController *keys = gtk_event_controller_key_new (); /* bubble: after the canvas */
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_view_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  g_signal_connect (self->overlay, "get-child-position", G_CALLBACK (on_child_position), self);
  rali_map_canvas_set_insets (self->canvas, 0, LEGEND_INSET, 24, 0);
  update_status (self);
}
