/* RaliWindow: see rali-window.h.
 *
 * The grid shows a RaliGalleryModel through a single selection.  Results
 * stream in through the scorer's "progress" signal; tiles update at once,
 * sorting and filtering are refreshed once a second, not per result. */
#include "config.h"

#include "rali-window-private.h"

#include "gallery/rali-gallery-item.h"
#include "gallery/rali-tile.h"

#include <glib/gi18n.h>

#define THUMBNAIL_CACHE_SIZE 800
/* GtkGridView (4.8) creates, binds and lays out a tile for each photo in
 * 30 rows around the view at once: 161 tiles for a 1100-px window, ~40 ms
 * of tile construction plus layout and paint in one frame.  Showing a
 * folder REVEAL_STEP photos more per frame spreads that over a few frames;
 * past REVEAL_ALL the grid has all the tiles it will make. */
#define REVEAL_STEP 24
#define REVEAL_ALL 240


enum { SIGNAL_OPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliWindow, rali_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- banner, progress ---- */

static void
show_banner (RaliWindow *self, const char *text)
{
  if (text)
    gtk_label_set_text (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, text != NULL);
}

void
rali_window_toast (RaliWindow *self, const char *text)
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
  rali_window_schedule_refresh (self);
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
  rali_window_refresh_now (self);
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
  rali_window_toast (self, text);
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
      rali_window_search_changed (self);
    }
}

/* ---- the grid ---- */

static void
factory_setup (GtkSignalListItemFactory *factory, GtkListItem *list_item, RaliWindow *self)
{
  (void) factory;
  GtkWidget *tile = rali_tile_new (self->cache, self->factory_size);
  rali_tile_set_stats (RALI_TILE (tile), rali_gallery_model_get_stats (self->model));
  g_settings_bind (self->settings, "badge-rank", tile, "show-rank", G_SETTINGS_BIND_GET);
  gtk_list_item_set_child (list_item, tile);
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


/* position of item in the shown order (it may have moved) */
static guint
shown_position (RaliWindow *self, RaliGalleryItem *item)
{
  GListModel *shown = rali_gallery_model_get_shown (self->model);
  guint n = g_list_model_get_n_items (shown);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) it = g_list_model_get_item (shown, i);
      if (it == item)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static guint
detail_position (RaliWindow *self)
{
  return shown_position (self, rali_detail_view_get_item (self->detail_view));
}

/* a similar photo from the detail view's list: shown as a click in the
 * gallery would, or on its own when the filter hides it */
static void
on_detail_open_photo (RaliDetailView *view, RaliGalleryItem *item, RaliWindow *self)
{
  guint pos = shown_position (self, item);
  if (pos != GTK_INVALID_LIST_POSITION)
    rali_window_show_position (self, pos);
  else
    rali_detail_view_set_item (view, item);
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
  const char *page = gtk_stack_get_visible_child_name (stack);
  gtk_toggle_button_set_active (self->map_button, g_str_equal (page, "map"));
  /* the detail view's zoom bar sits where toasts appear: lift them above it */
  if (g_str_equal (page, "detail"))
    gtk_widget_add_css_class (GTK_WIDGET (self->toast_overlay), "above-zoom-bar");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->toast_overlay), "above-zoom-bar");
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

/* ---- the grid's columns ---- */

/* GtkGridView keeps 30 rows x max-columns tiles alive (bound, measured,
 * styled): max-columns is kept at what the width shows, not a fixed 16. */
static void
set_columns_for_width (RaliWindow *self, int width)
{
  int tile = MAX (self->factory_size, 64) + 12; /* + .rali-gallery > child padding */
  guint columns = (guint) CLAMP ((width - 24) / tile, 1, 16);
  if (width > 0 && columns != gtk_grid_view_get_max_columns (self->grid_view))
    gtk_grid_view_set_max_columns (self->grid_view, columns);
}

/* ---- a new set of photos (rali-window-open.c collects them) ---- */

static gboolean
reveal_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  RaliWindow *self = data;
  (void) widget;
  (void) clock;
  /* not "size >= the shown count": the shown list is still filling in
   * (sorting and filtering run incrementally) */
  guint size = gtk_slice_list_model_get_size (self->revealed) + REVEAL_STEP;
  if (size >= REVEAL_ALL)
    {
      gtk_slice_list_model_set_size (self->revealed, G_MAXUINT);
      self->reveal_tick = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->revealed, size);
  return G_SOURCE_CONTINUE;
}

/* the grid's first REVEAL_STEP photos now, more on the following frames
 * (positions in the grid stay those of the shown list: it is a prefix) */
static void
reveal_gradually (RaliWindow *self)
{
  if (self->reveal_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->reveal_tick);
  gtk_slice_list_model_set_size (self->revealed, REVEAL_STEP);
  self->reveal_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid_view), reveal_tick, self, NULL);
}

void
rali_window_show_photo_set (RaliWindow *self, RaliPhotoSet *set)
{
  close_detail (self);
  ensure_factory (self);
  /* the columns before the grid's first layout: changed after it, the grid
   * would make all its tiles a second time (perf) */
  int width = gtk_widget_get_width (GTK_WIDGET (self->gallery_scroller));
  if (width <= 0)
    width = gtk_widget_get_width (GTK_WIDGET (self)); /* the gallery spans the window */
  int height; /* GTK 4.8 writes both sizes: NULL is not allowed */
  if (width <= 0)
    gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  set_columns_for_width (self, width);
  reveal_gradually (self);
  rali_gallery_model_replace (self->model, set->items);
  rali_culling_load (self->culling, set->items);
  adw_window_title_set_title (self->window_title, set->title);
  g_autofree char *title = g_strdup_printf ("%s — %s", set->title, _("Rali Studio"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  if (set->folder)
    g_settings_set_string (self->settings, "last-folder", set->folder);
  /* no crossfade here: it paints both full-window pages through offscreen
   * groups for 200 ms, the costliest frames of opening a folder with the
   * Cairo renderer (perf) */
  gtk_stack_set_visible_child_full (self->stack, set->items->len ? "gallery" : "empty", GTK_STACK_TRANSITION_TYPE_NONE);
  rali_window_update_subtitle (self);

  if (set->errors->len)
    {
      g_autofree char *text = set->errors->len == 1
        ? g_strdup (set->errors->pdata[0])
        : g_strdup_printf (_("%s (and %u more problems)"), (char *) set->errors->pdata[0], set->errors->len - 1);
      rali_window_toast (self, text);
    }
  else if (set->items->len == 0)
    rali_window_toast (self, _("No JPEG or PNG photos found"));

  g_signal_emit (self, signals[SIGNAL_OPENED], 0);
  rali_window_rescore (self);
  if (set->items->len)
    gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

/* ---- actions ---- */
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

static gboolean
update_columns (gpointer data)
{
  RaliWindow *self = data;
  self->columns_id = 0;
  set_columns_for_width (self, gtk_widget_get_width (GTK_WIDGET (self->gallery_scroller)));
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
  rali_window_open_dispose (self);
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
  if (self->reveal_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->reveal_tick);
  self->reveal_tick = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->revealed);
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
  g_type_ensure (RALI_TYPE_SCORE_HISTOGRAM);
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
  CHILD (histogram);
#undef CHILD

  gtk_widget_class_install_action (widget_class, "win.open", NULL, rali_window_action_open);
  gtk_widget_class_install_action (widget_class, "win.map", NULL, action_map);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.reset-filter", NULL, action_simple);
  gtk_widget_class_install_action (widget_class, "win.auto-cull", NULL, rali_window_action_auto_cull);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
}

/* The pages crossfade where a GPU draws them.  GTK's Cairo renderer (no
 * GL: remote X, software rendering, Xvfb) draws each crossfade frame as two
 * window-sized groups blended on the main thread, ~15 ms a frame for the
 * 200 ms of the fade (perf under Xvfb, opening the detail view): there the
 * page changes at once, as a keyboard cull wants anyway. */
static void
on_realize (GtkWidget *widget)
{
  RaliWindow *self = RALI_WINDOW (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (self));
  if (renderer && GSK_IS_CAIRO_RENDERER (renderer))
    gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
}

static void
rali_window_init (RaliWindow *self)
{
  self->score_max = 1;
  self->top_k = 5;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);

  self->model = rali_gallery_model_new ();
  GListModel *shown = rali_gallery_model_get_shown (self->model);
  self->revealed = gtk_slice_list_model_new (g_object_ref (shown), 0, G_MAXUINT);
  self->selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->revealed))));
  gtk_grid_view_set_model (self->grid_view, self->selection);
  g_signal_connect (self->grid_view, "activate", G_CALLBACK (on_grid_activate), self);

  self->cache = rali_thumbnail_cache_new (THUMBNAIL_CACHE_SIZE);
  g_signal_connect (self->detail_view, "navigate", G_CALLBACK (on_detail_navigate), self);
  g_signal_connect (self->detail_view, "close", G_CALLBACK (on_detail_close), self);

  rali_window_filter_init (self);
  rali_window_open_init (self);
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
  rali_window_filter_bind (self);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
  ensure_factory (self);

  self->scorer = rali_scorer_new (rali_application_get_catalog (application));
  g_signal_connect (self->scorer, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect (self->scorer, "model-loaded", G_CALLBACK (on_model_loaded), self);
  g_signal_connect (self->scorer, "finished", G_CALLBACK (on_finished), self);

  self->culling = rali_culling_new (rali_application_get_catalog (application), self->settings);
  rali_culling_attach (self->culling, GTK_WIDGET (self), GTK_WIDGET (self->grid_view), self->selection,
                       GTK_WIDGET (self->detail_view), self->stack, self->model);
  g_signal_connect_swapped (self->culling, "message", G_CALLBACK (rali_window_toast), self);
  g_signal_connect (self->culling, "compare", G_CALLBACK (on_compare), self);
  self->bursts = rali_bursts_new (self->scorer, self->model, self->culling, self->settings);
  rali_compare_view_setup (self->compare_view, application, self->culling, rali_gallery_model_get_all (self->model),
                           rali_gallery_model_get_shown (self->model), self->cache);
  g_signal_connect_swapped (self->compare_view, "close", G_CALLBACK (close_detail), self);
  g_signal_connect_swapped (self->compare_view, "message", G_CALLBACK (rali_window_toast), self);
  rali_map_view_setup (self->map_view, self->model, self->selection, self->cache, self->scorer);
  rali_detail_view_set_similar_photos (self->detail_view, rali_map_view_get_similar_photos (self->map_view),
                                       self->cache);
  g_signal_connect (self->detail_view, "open-photo", G_CALLBACK (on_detail_open_photo), self);
  rali_map_view_bind_settings (self->map_view, self->settings);
  g_signal_connect_swapped (self->map_view, "open-photo", G_CALLBACK (rali_window_show_position), self);
  g_signal_connect (self->map_button, "toggled", G_CALLBACK (on_map_toggled), self);
  g_signal_connect (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);
  rali_map_view_add_key (GTK_WIDGET (self), "win.map");

  const char *catalog_error = rali_application_get_catalog_error (application);
  if (catalog_error)
    {
      g_autofree char *text = g_strdup_printf (_("Scores will not be remembered: %s"), catalog_error);
      rali_window_toast (self, text);
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
rali_window_focus_gallery (RaliWindow *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}
