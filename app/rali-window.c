/* RaliWindow: see rali-window.h.
 *
 * The grid shows a RaliGalleryModel through a single selection.  Results
 * stream in through the scorer's "progress" signal; tiles update at once,
 * sorting and filtering are refreshed once a second, not per result. */
#include "config.h"

#include "rali-window.h"

#include "rali-bursts.h"
#include "rali-compare-view.h"
#include "rali-culling.h"
#include "rali-gallery-item.h"
#include "rali-gallery-model.h"
#include "rali-map-view.h"
#include "rali-photo-set.h"
#include "rali-scoring-progress.h"
#include "rali-thumbnail-cache.h"
#include "rali-tile.h"

#include <glib/gi18n.h>

#define REFRESH_MS 1000
#define THUMBNAIL_CACHE_SIZE 800

/* the sort-by setting, in RaliSortKey order */
static const char *const sort_keys[] = { "score", "name", "capture-time" };

struct _RaliWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkWidget *back_button;
  GtkDropDown *sort_dropdown;
  GtkWidget *filter_button;
  GtkToggleButton *search_button;
  GtkRevealer *banner_revealer;
  GtkLabel *banner_label;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkRevealer *progress_revealer;
  RaliScoringProgress *progress;
  GtkStack *stack;
  GtkScrolledWindow *gallery_scroller;
  GtkGridView *grid_view;
  GtkWidget *no_match_page;
  RaliDetailView *detail_view;
  RaliCompareView *compare_view;
  RaliMapView *map_view;
  GtkToggleButton *map_button;
  GtkAdjustment *min_adjustment;
  GtkAdjustment *max_adjustment;
  GtkDropDown *decision_dropdown;

  RaliApplication *app; /* borrowed: the application outlives its windows */
  GSettings *settings;
  RaliScorer *scorer;
  RaliThumbnailCache *cache;
  RaliGalleryModel *model;
  GtkSelectionModel *selection; /* multiple: culling and compare act on several */
  RaliCulling *culling;
  RaliBursts *bursts;
  GtkDropTarget *drop_target;
  GCancellable *collecting;
  GtkFileChooserNative *chooser;

  double score_min, score_max; /* the model's scale */
  int top_k;
  int factory_size; /* thumbnail size the grid's factory makes tiles for */
  guint refresh_id;
  guint columns_id;
};

enum { SIGNAL_OPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliWindow, rali_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- sorting and filtering ---- */

static void
update_subtitle (RaliWindow *self)
{
  guint all = g_list_model_get_n_items (rali_gallery_model_get_all (self->model));
  guint shown = g_list_model_get_n_items (rali_gallery_model_get_shown (self->model));
  g_autofree char *text = NULL;
  if (all == 0)
    text = g_strdup ("");
  else if (shown == all)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo", "%u photos", all), all);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u photo shown", "%u of %u photos shown", all),
                            shown, all);
  adw_window_title_set_subtitle (self->window_title, text);
  gtk_widget_set_visible (self->no_match_page, all > 0 && shown == 0);
}

static gboolean
refresh_now (gpointer data)
{
  RaliWindow *self = data;
  self->refresh_id = 0;
  /* the grid keeps the item it is anchored on in view when the order
   * changes; a user still at the top wants to stay at the top */
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->gallery_scroller);
  gboolean at_top = gtk_adjustment_get_value (adj) <= 0;
  rali_gallery_model_results_changed (self->model);
  if (at_top && g_list_model_get_n_items (rali_gallery_model_get_shown (self->model)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
  update_subtitle (self);
  return G_SOURCE_REMOVE;
}

/* results arrive many times a second: re-sort and re-filter at most every
 * REFRESH_MS */
static void
schedule_refresh (RaliWindow *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_MS, refresh_now, self);
}

static void
on_search_changed (GtkSearchEntry *entry, RaliWindow *self)
{
  rali_gallery_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (entry)), self->top_k);
  update_subtitle (self);
}

static void
on_range_changed (GtkAdjustment *adjustment, RaliWindow *self)
{
  /* keep lo <= hi */
  double lo = gtk_adjustment_get_value (self->min_adjustment);
  double hi = gtk_adjustment_get_value (self->max_adjustment);
  if (lo > hi)
    {
      if (adjustment == self->min_adjustment)
        gtk_adjustment_set_value (self->max_adjustment, lo);
      else
        gtk_adjustment_set_value (self->min_adjustment, hi);
      return;
    }
  rali_gallery_model_set_score_range (self->model, lo, hi, self->score_min, self->score_max);
  if (rali_gallery_model_get_range_active (self->model) || rali_gallery_model_get_decision_active (self->model))
    gtk_widget_add_css_class (self->filter_button, "accent");
  else
    gtk_widget_remove_css_class (self->filter_button, "accent");
  update_subtitle (self);
}

static void
on_decision_selected (GObject *dropdown, GParamSpec *pspec, RaliWindow *self)
{
  (void) pspec;
  /* All, Picked, Rejected, Unflagged, then 1..5 stars or more */
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown));
  RaliDecisionFilter f = i <= RALI_DECISION_FILTER_UNFLAGGED ? (RaliDecisionFilter) i : RALI_DECISION_FILTER_RATING;
  rali_gallery_model_set_decision_filter (self->model, f, i > RALI_DECISION_FILTER_UNFLAGGED ? (int) i - 3 : 1);
  on_range_changed (self->min_adjustment, self);
}

static void
on_sort_selected (GObject *dropdown, GParamSpec *pspec, RaliWindow *self)
{
  (void) pspec;
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown));
  rali_gallery_model_set_sort (self->model, i < G_N_ELEMENTS (sort_keys) ? (RaliSortKey) i : RALI_SORT_SCORE);
}

static gboolean
sort_to_index (GValue *value, GVariant *variant, gpointer user_data)
{
  (void) user_data;
  const char *s = g_variant_get_string (variant, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
    if (g_str_equal (s, sort_keys[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_sort (const GValue *value, const GVariantType *type, gpointer user_data)
{
  (void) type;
  (void) user_data;
  guint i = g_value_get_uint (value);
  return i < G_N_ELEMENTS (sort_keys) ? g_variant_new_string (sort_keys[i]) : NULL;
}

/* ---- banner, progress ---- */

static void
show_banner (RaliWindow *self, const char *text)
{
  if (text)
    gtk_label_set_text (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, text != NULL);
}

static void
toast (RaliWindow *self, const char *text)
{
  AdwToast *t = adw_toast_new (text);
  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
on_progress (RaliScorer *scorer, RaliWindow *self)
{
  gboolean running = rali_scorer_is_running (scorer);
  gtk_revealer_set_reveal_child (self->progress_revealer, running && rali_scorer_get_total (scorer) > 0);
  rali_scoring_progress_update (self->progress, scorer);
  schedule_refresh (self);
}

static void
on_model_loaded (RaliScorer *scorer, RaliWindow *self)
{
  const char *err = rali_scorer_get_model_error (scorer);
  if (err)
    {
      g_autofree char *text = g_strdup_printf (_("The model could not be loaded, so photos are shown "
                                                 "without scores: %s"), err);
      show_banner (self, text);
      return;
    }
  show_banner (self, NULL);
  rali_scorer_get_score_range (scorer, &self->score_min, &self->score_max);
  gboolean reset = !rali_gallery_model_get_range_active (self->model);
  gtk_adjustment_set_lower (self->min_adjustment, self->score_min);
  gtk_adjustment_set_upper (self->min_adjustment, self->score_max);
  gtk_adjustment_set_lower (self->max_adjustment, self->score_min);
  gtk_adjustment_set_upper (self->max_adjustment, self->score_max);
  if (reset)
    {
      gtk_adjustment_set_value (self->min_adjustment, self->score_min);
      gtk_adjustment_set_value (self->max_adjustment, self->score_max);
    }
  rali_detail_view_set_model_info (self->detail_view, rali_scorer_get_model_name (scorer),
                                   rali_scorer_get_model_provenance (scorer),
                                   rali_scorer_get_backend_name (scorer), self->score_min, self->score_max);
}

static void
on_finished (RaliScorer *scorer, gboolean cancelled, RaliWindow *self)
{
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  refresh_now (self);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (rali_scorer_get_model_error (scorer) || rali_scorer_get_total (scorer) == 0)
    return;
  g_autofree char *text = NULL;
  if (cancelled)
    text = g_strdup (_("Scoring cancelled"));
  else
    {
      guint failed = rali_scorer_get_failed (scorer);
      guint cached = rali_scorer_get_cached (scorer);
      guint total = rali_scorer_get_total (scorer);
      /* TRANSLATORS: %u photos scored, %u from the catalog, %u failed */
      text = g_strdup_printf (_("%u scored · %u remembered from the catalog · %u failed"),
                              total - failed, cached, failed);
    }
  toast (self, text);
}

/* ---- scoring ---- */

void
rali_window_rescore (RaliWindow *self)
{
  g_return_if_fail (RALI_IS_WINDOW (self));
  GListModel *all = rali_gallery_model_get_all (self->model);
  guint n = g_list_model_get_n_items (all);
  g_autoptr (GPtrArray) items = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      RaliGalleryItem *item = g_list_model_get_item (all, i);
      rali_gallery_item_reset (item);
      g_ptr_array_add (items, item);
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *model = rali_application_dup_model_path (self->app, &error);
  if (!model)
    {
      rali_scorer_cancel (self->scorer);
      show_banner (self, _("No scoring model is installed, so photos are shown without scores. "
                           "Start Rali Studio with “rali-studio --model FILE.rali”, or choose "
                           "a model file in Preferences."));
      return;
    }
  if (n == 0)
    return; /* nothing to score; the model loads with the first photos */
  rali_scorer_start (self->scorer, items, model, rali_application_get_backend (self->app), self->top_k);
}

static void
on_settings_changed (GSettings *settings, const char *key, RaliWindow *self)
{
  if (g_str_equal (key, "model-path") || g_str_equal (key, "backend"))
    {
      rali_window_rescore (self);
      rali_compare_view_rescore (self->compare_view);
    }
  else if (g_str_equal (key, "top-k"))
    {
      self->top_k = g_settings_get_int (settings, "top-k");
      rali_detail_view_set_top_k (self->detail_view, self->top_k);
      on_search_changed (self->search_entry, self);
    }
}

/* ---- the grid ---- */

static void
factory_setup (GtkSignalListItemFactory *factory, GtkListItem *list_item, RaliWindow *self)
{
  (void) factory;
  gtk_list_item_set_child (list_item, rali_tile_new (self->cache, self->factory_size));
}

static void
factory_bind (GtkSignalListItemFactory *factory, GtkListItem *list_item, RaliWindow *self)
{
  (void) factory;
  (void) self;
  rali_tile_set_item (RALI_TILE (gtk_list_item_get_child (list_item)), gtk_list_item_get_item (list_item));
}

static void
factory_unbind (GtkSignalListItemFactory *factory, GtkListItem *list_item, RaliWindow *self)
{
  (void) factory;
  (void) self;
  rali_tile_set_item (RALI_TILE (gtk_list_item_get_child (list_item)), NULL);
}

static void
ensure_factory (RaliWindow *self)
{
  int size = g_settings_get_int (self->settings, "thumbnail-size");
  if (size == self->factory_size)
    return;
  self->factory_size = size;
  rali_detail_view_set_cache (self->detail_view, self->cache, size, size * 3 / 4);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
}

/* ---- detail ---- */

/* page: "detail", "compare" or NULL for the gallery */
static void
set_page (RaliWindow *self, const char *page)
{
  gboolean detail = page != NULL;
  gtk_stack_set_visible_child_name (self->stack, detail ? page : "gallery");
  gtk_widget_set_visible (self->back_button, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->sort_dropdown), !detail);
  gtk_widget_set_visible (self->filter_button, !detail);
  gtk_widget_set_visible (GTK_WIDGET (self->search_button), !detail);
  if (detail)
    gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

void
rali_window_show_position (RaliWindow *self, guint position)
{
  g_return_if_fail (RALI_IS_WINDOW (self));
  g_autoptr (RaliGalleryItem) item = g_list_model_get_item (rali_gallery_model_get_shown (self->model), position);
  if (!item)
    return;
  gtk_selection_model_select_item (self->selection, position, TRUE);
  rali_detail_view_set_item (self->detail_view, item);
  set_page (self, "detail");
}

static void
on_grid_activate (GtkGridView *grid, guint position, RaliWindow *self)
{
  (void) grid;
  rali_window_show_position (self, position);
}

/* position of the detail's item in the shown order (it may have moved) */
static guint
detail_position (RaliWindow *self)
{
  RaliGalleryItem *current = rali_detail_view_get_item (self->detail_view);
  GListModel *shown = rali_gallery_model_get_shown (self->model);
  guint n = g_list_model_get_n_items (shown);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (shown, i);
      if (item == current)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
on_detail_navigate (RaliDetailView *view, int delta, RaliWindow *self)
{
  (void) view;
  guint pos = detail_position (self);
  guint n = g_list_model_get_n_items (rali_gallery_model_get_shown (self->model));
  if (pos == GTK_INVALID_LIST_POSITION || n == 0)
    return;
  gint64 next = CLAMP ((gint64) pos + delta, 0, (gint64) n - 1);
  if (next != pos)
    rali_window_show_position (self, (guint) next);
}

void
rali_window_show_compare (RaliWindow *self, RaliGalleryItem *left, RaliGalleryItem *right)
{
  rali_compare_view_set_items (self->compare_view, left, right);
  set_page (self, "compare");
  gtk_widget_grab_focus (GTK_WIDGET (self->compare_view));
}

static void
on_compare (RaliCulling *culling, RaliGalleryItem *left, RaliGalleryItem *right, RaliWindow *self)
{
  (void) culling;
  rali_window_show_compare (self, left, right);
}

static void
close_detail (RaliWindow *self)
{
  if (g_str_equal (gtk_stack_get_visible_child_name (self->stack), "map"))
    {
      gtk_toggle_button_set_active (self->map_button, FALSE);
      return;
    }
  if (g_str_equal (gtk_stack_get_visible_child_name (self->stack), "compare"))
    {
      set_page (self, NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
      return;
    }
  if (!g_str_equal (gtk_stack_get_visible_child_name (self->stack), "detail"))
    return;
  guint pos = detail_position (self);
  set_page (self, NULL);
  rali_detail_view_set_item (self->detail_view, NULL);
  if (pos != GTK_INVALID_LIST_POSITION)
    {
      gtk_selection_model_select_item (self->selection, pos, TRUE);
      gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", pos);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

static void
on_detail_close (RaliDetailView *view, RaliWindow *self)
{
  (void) view;
  close_detail (self);
}

/* ---- the embedding map (rali-map-view.c) ---- */

static void
on_map_toggled (GtkToggleButton *button, RaliWindow *self)
{
  gboolean on = gtk_toggle_button_get_active (button);
  if (on == g_str_equal (gtk_stack_get_visible_child_name (self->stack), "map"))
    return;
  if (on)
    {
      close_detail (self);
      set_page (self, "map");
      gtk_widget_grab_focus (GTK_WIDGET (self->map_view));
    }
  else
    {
      set_page (self, NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
    }
}

static void
on_page_changed (GtkStack *stack, GParamSpec *pspec, RaliWindow *self)
{
  (void) pspec;
  gtk_toggle_button_set_active (self->map_button, g_str_equal (gtk_stack_get_visible_child_name (stack), "map"));
}

/* win.map (M) */
static void
action_map (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliWindow *self = RALI_WINDOW (widget);
  (void) name;
  (void) param;
  gtk_toggle_button_set_active (self->map_button, !gtk_toggle_button_get_active (self->map_button));
}

/* ---- opening ---- */

static void
on_collected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  (void) source;
  g_autoptr (RaliWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RaliPhotoSet) set = rali_photo_set_collect_finish (result, &error);
  if (!set)
    return; /* cancelled: a newer open replaced this one */
  g_clear_object (&self->collecting);

  close_detail (self);
  ensure_factory (self);
  rali_gallery_model_replace (self->model, set->items);
  rali_culling_load (self->culling, set->items);
  adw_window_title_set_title (self->window_title, set->title);
  g_autofree char *title = g_strdup_printf ("%s — %s", set->title, _("Rali Studio"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  if (set->folder)
    g_settings_set_string (self->settings, "last-folder", set->folder);
  gtk_stack_set_visible_child_name (self->stack, set->items->len ? "gallery" : "empty");
  update_subtitle (self);

  if (set->errors->len)
    {
      g_autofree char *text = set->errors->len == 1
        ? g_strdup (set->errors->pdata[0])
        : g_strdup_printf (_("%s (and %u more problems)"), (char *) set->errors->pdata[0], set->errors->len - 1);
      toast (self, text);
    }
  else if (set->items->len == 0)
    toast (self, _("No JPEG or PNG photos found"));

  g_signal_emit (self, signals[SIGNAL_OPENED], 0);
  rali_window_rescore (self);
  if (set->items->len)
    gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

void
rali_window_open (RaliWindow *self, GFile **files, guint n_files)
{
  g_return_if_fail (RALI_IS_WINDOW (self));
  if (self->collecting)
    g_cancellable_cancel (self->collecting);
  g_clear_object (&self->collecting);
  self->collecting = g_cancellable_new ();
  rali_photo_set_collect_async (files, n_files, self->collecting, on_collected, g_object_ref (self));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, RaliWindow *self)
{
  (void) x;
  (void) y;
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  /* a tile dragged inside the window (to the compare view) opens nothing */
  GdkDrop *drop = gtk_drop_target_get_current_drop (target);
  if (drop && gdk_drop_get_drag (drop))
    return FALSE;
  GSList *list = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (GSList *l = list; l; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  if (files->len == 0)
    return FALSE;
  rali_window_open (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, RaliWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (folder)
        rali_window_open (self, &folder, 1);
    }
  g_clear_object (&self->chooser);
}

/* ---- actions ---- */

static void
action_open (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliWindow *self = RALI_WINDOW (widget);
  (void) name;
  (void) param;
  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Open a Folder of Photos"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL);
  g_autofree char *last = g_settings_get_string (self->settings, "last-folder");
  if (*last)
    {
      g_autoptr (GFile) dir = g_file_new_for_path (last);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), dir, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* win.back, win.cancel, win.search, win.reset-filter */
static void
action_simple (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliWindow *self = RALI_WINDOW (widget);
  (void) param;
  if (g_str_equal (name, "win.back"))
    close_detail (self);
  else if (g_str_equal (name, "win.cancel"))
    rali_scorer_cancel (self->scorer);
  else if (g_str_equal (name, "win.reset-filter"))
    {
      gtk_drop_down_set_selected (self->decision_dropdown, 0);
      rali_window_set_score_range (self, self->score_min, self->score_max);
    }
  else if (!g_str_equal (rali_window_get_page (self), "detail"))
    {
      gtk_search_bar_set_search_mode (self->search_bar, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
    }
}

/* GtkGridView keeps 30 rows x max-columns tiles alive (bound, measured,
 * styled): max-columns is kept at what the width shows, not a fixed 16. */
static gboolean
update_columns (gpointer data)
{
  RaliWindow *self = data;
  self->columns_id = 0;
  int width = gtk_widget_get_width (GTK_WIDGET (self->gallery_scroller));
  int tile = MAX (self->factory_size, 64) + 12; /* + .rali-gallery > child padding */
  guint columns = (guint) CLAMP ((width - 24) / tile, 1, 16);
  if (width > 0 && columns != gtk_grid_view_get_max_columns (self->grid_view))
    gtk_grid_view_set_max_columns (self->grid_view, columns);
  return G_SOURCE_REMOVE;
}

static void
rali_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  RaliWindow *self = RALI_WINDOW (widget);
  GTK_WIDGET_CLASS (rali_window_parent_class)->size_allocate (widget, width, height, baseline);
  /* not during allocation: it queues another one */
  if (self->columns_id == 0)
    self->columns_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_columns, self, NULL);
}

/* ---- object ---- */

static gboolean
rali_window_close_request (GtkWindow *window)
{
  RaliWindow *self = RALI_WINDOW (window);
  int w, h;
  gtk_window_get_default_size (window, &w, &h);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && w > 0 && h > 0)
    {
      g_settings_set_int (self->settings, "window-width", w);
      g_settings_set_int (self->settings, "window-height", h);
    }
  rali_scorer_cancel (self->scorer);
  if (self->culling)
    rali_culling_flush (self->culling); /* decisions reach their sidecars before we go */
  return GTK_WINDOW_CLASS (rali_window_parent_class)->close_request (window);
}

static void
rali_window_dispose (GObject *object)
{
  RaliWindow *self = RALI_WINDOW (object);
  if (self->collecting)
    g_cancellable_cancel (self->collecting);
  g_clear_object (&self->collecting);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->columns_id, g_source_remove);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->scorer)
    g_signal_handlers_disconnect_by_data (self->scorer, self);
  g_clear_object (&self->bursts);
  /* the scorer waits for its worker, which holds item references */
  g_clear_object (&self->scorer);
  if (self->culling)
    g_signal_handlers_disconnect_by_data (self->culling, self);
  g_clear_object (&self->culling); /* waits for its writes */
  g_signal_handlers_disconnect_by_data (self->stack, self); /* pages change as they go */
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->cache);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rali_window_parent_class)->dispose (object);
}

static void
rali_window_class_init (RaliWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  object_class->dispose = rali_window_dispose;
  widget_class->size_allocate = rali_window_size_allocate;
  window_class->close_request = rali_window_close_request;

  signals[SIGNAL_OPENED] = g_signal_new ("opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (RALI_TYPE_DETAIL_VIEW);
  g_type_ensure (RALI_TYPE_COMPARE_VIEW);
  g_type_ensure (RALI_TYPE_MAP_VIEW);
  g_type_ensure (RALI_TYPE_SCORING_PROGRESS);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/rali-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, RaliWindow, name)
  CHILD (toast_overlay);
  CHILD (window_title);
  CHILD (back_button);
  CHILD (sort_dropdown);
  CHILD (filter_button);
  CHILD (search_button);
  CHILD (banner_revealer);
  CHILD (banner_label);
  CHILD (search_bar);
  CHILD (search_entry);
  CHILD (progress_revealer);
  CHILD (progress);
  CHILD (stack);
  CHILD (gallery_scroller);
  CHILD (grid_view);
  CHILD (no_match_page);
  CHILD (detail_view);
  CHILD (compare_view);
  CHILD (map_view);
  CHILD (map_button);
  CHILD (min_adjustment);
  CHILD (max_adjustment);
  CHILD (decision_dropdown);
#undef CHILD

  gtk_widget_class_install_action (widget_class, "win.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "win.map", NULL, action_map);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.reset-filter", NULL, action_simple);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
}

static void
rali_window_init (RaliWindow *self)
{
  self->score_max = 1;
  self->top_k = 5;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->model = rali_gallery_model_new ();
  GListModel *shown = rali_gallery_model_get_shown (self->model);
  self->selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (shown)));
  gtk_grid_view_set_model (self->grid_view, self->selection);
  g_signal_connect (self->grid_view, "activate", G_CALLBACK (on_grid_activate), self);
  g_signal_connect_swapped (shown, "items-changed", G_CALLBACK (update_subtitle), self);

  self->cache = rali_thumbnail_cache_new (THUMBNAIL_CACHE_SIZE);
  g_signal_connect (self->detail_view, "navigate", G_CALLBACK (on_detail_navigate), self);
  g_signal_connect (self->detail_view, "close", G_CALLBACK (on_detail_close), self);

  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->gallery_scroller));
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->min_adjustment, "value-changed", G_CALLBACK (on_range_changed), self);
  g_signal_connect (self->max_adjustment, "value-changed", G_CALLBACK (on_range_changed), self);
  g_signal_connect (self->sort_dropdown, "notify::selected", G_CALLBACK (on_sort_selected), self);
  g_signal_connect (self->decision_dropdown, "notify::selected", G_CALLBACK (on_decision_selected), self);

  self->drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}

RaliWindow *
rali_window_new (RaliApplication *application)
{
  RaliWindow *self = g_object_new (RALI_TYPE_WINDOW, "application", application, NULL);
  self->app = application;
  self->settings = g_object_ref (rali_application_get_settings (application));
  self->top_k = g_settings_get_int (self->settings, "top-k");
  rali_detail_view_set_top_k (self->detail_view, self->top_k);
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind_with_mapping (self->settings, "sort-by", self->sort_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, sort_to_index, index_to_sort, NULL, NULL);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
  ensure_factory (self);

  self->scorer = rali_scorer_new (rali_application_get_catalog (application));
  g_signal_connect (self->scorer, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect (self->scorer, "model-loaded", G_CALLBACK (on_model_loaded), self);
  g_signal_connect (self->scorer, "finished", G_CALLBACK (on_finished), self);

  self->culling = rali_culling_new (rali_application_get_catalog (application), self->settings);
  rali_culling_attach (self->culling, GTK_WIDGET (self), GTK_WIDGET (self->grid_view), self->selection,
                       GTK_WIDGET (self->detail_view), self->stack, self->model);
  g_signal_connect_swapped (self->culling, "message", G_CALLBACK (toast), self);
  g_signal_connect (self->culling, "compare", G_CALLBACK (on_compare), self);
  self->bursts = rali_bursts_new (self->scorer, self->model, self->culling, self->settings);
  rali_compare_view_setup (self->compare_view, application, self->culling, rali_gallery_model_get_all (self->model),
                           rali_gallery_model_get_shown (self->model), self->cache);
  g_signal_connect_swapped (self->compare_view, "close", G_CALLBACK (close_detail), self);
  g_signal_connect_swapped (self->compare_view, "message", G_CALLBACK (toast), self);
  rali_map_view_setup (self->map_view, self->model, self->selection, self->cache, self->scorer);
  g_signal_connect_swapped (self->map_view, "open-photo", G_CALLBACK (rali_window_show_position), self);
  g_signal_connect (self->map_button, "toggled", G_CALLBACK (on_map_toggled), self);
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);
  rali_map_view_add_key (GTK_WIDGET (self), "win.map");

  const char *catalog_error = rali_application_get_catalog_error (application);
  if (catalog_error)
    {
      g_autofree char *text = g_strdup_printf (_("Scores will not be remembered: %s"), catalog_error);
      toast (self, text);
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *model = rali_application_dup_model_path (application, &error);
  if (!model)
    rali_window_rescore (self); /* shows the banner saying how to get a model */
  return self;
}

/* ---- for the test driver ---- */

RaliScorer *
rali_window_get_scorer (RaliWindow *self)
{
  return self->scorer;
}

RaliCulling *
rali_window_get_culling (RaliWindow *self)
{
  return self->culling;
}

RaliBursts *
rali_window_get_bursts (RaliWindow *self)
{
  return self->bursts;
}

GtkSelectionModel *
rali_window_get_selection (RaliWindow *self)
{
  return self->selection;
}

GListModel *
rali_window_get_items (RaliWindow *self)
{
  return rali_gallery_model_get_all (self->model);
}

GListModel *
rali_window_get_shown (RaliWindow *self)
{
  return rali_gallery_model_get_shown (self->model);
}

const char *
rali_window_get_page (RaliWindow *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
rali_window_get_banner (RaliWindow *self)
{
  return gtk_revealer_get_reveal_child (self->banner_revealer) ? gtk_label_get_text (self->banner_label) : NULL;
}

RaliDetailView *
rali_window_get_detail_view (RaliWindow *self)
{
  return self->detail_view;
}

RaliCompareView *
rali_window_get_compare_view (RaliWindow *self)
{
  return self->compare_view;
}

RaliMapView *
rali_window_get_map_view (RaliWindow *self)
{
  return self->map_view;
}

GtkDropTarget *
rali_window_get_drop_target (RaliWindow *self)
{
  return self->drop_target;
}

void
rali_window_scroll_gallery (RaliWindow *self, double pixels)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->gallery_scroller);
  double v = gtk_adjustment_get_value (adj) + pixels;
  double top = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  gtk_adjustment_set_value (adj, v > top ? 0 : v);
}

void
rali_window_set_search (RaliWindow *self, const char *text)
{
  gtk_search_bar_set_search_mode (self->search_bar, text && *text);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  /* apply now rather than after the entry's typing delay */
  on_search_changed (self->search_entry, self);
}

void
rali_window_set_score_range (RaliWindow *self, double lo, double hi)
{
  gtk_adjustment_set_value (self->min_adjustment, lo);
  gtk_adjustment_set_value (self->max_adjustment, hi);
  gtk_adjustment_set_value (self->min_adjustment, lo);
}

void
rali_window_set_sort (RaliWindow *self, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
    if (g_str_equal (key, sort_keys[i]))
      gtk_drop_down_set_selected (self->sort_dropdown, i);
}

void
rali_window_set_decision_filter (RaliWindow *self, guint index)
{
  gtk_drop_down_set_selected (self->decision_dropdown, index);
}

void
rali_window_focus_gallery (RaliWindow *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}
