/* RaliTestDriver: see rali-test-driver.h. */
#include "config.h"

#include "rali-test-driver.h"
#include "rali-test-json.h"

#include "detail/rali-detail-view.h"
#include "gallery/rali-gallery-item.h"
#include "rali-detail-test.h"
#include "rali-gallery-test.h"
#include "rali-latency-probe.h"
#include "rali-map-test.h"

#include <gio/gunixinputstream.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <time.h>

#define BROWSE_MS 16
#define BROWSE_PIXELS 40

struct _RaliTestDriver {
  GObject parent_instance;
  GApplication *app; /* borrowed: the application owns the driver */
  RaliWindow *window;
  GDataInputStream *in;
  GCancellable *cancellable;
  gint64 t_start;
  gint64 t_open;
  gboolean first_reported;

  RaliLatencyProbe *probe;
  guint browse_id;
  guint screenshot_tick;
  char *screenshot_path;
  int screenshot_frames;
  gint64 screenshot_after;
};

G_DEFINE_FINAL_TYPE (RaliTestDriver, rali_test_driver, G_TYPE_OBJECT)

static void read_next (RaliTestDriver *self);

static void
emit (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

static double
seconds_since (gint64 t)
{
  return (g_get_monotonic_time () - t) / (double) G_USEC_PER_SEC;
}

/* The window's state; full adds every item's result. */
static void
add_status (RaliTestDriver *self, JsonBuilder *b, gboolean full)
{
  RaliWindow *w = self->window;
  RaliScorer *scorer = rali_window_get_scorer (w);
  member_string (b, "title", gtk_window_get_title (GTK_WINDOW (w)));
  member_string (b, "page", rali_window_get_page (w));
  member_string (b, "banner", rali_window_get_banner (w));
  GListModel *items = rali_window_get_items (w);
  GListModel *shown = rali_window_get_shown (w);
  guint n = g_list_model_get_n_items (items), counts[3] = { 0 };
  member_int (b, "items", n);
  member_int (b, "shown", g_list_model_get_n_items (shown));

  json_builder_set_member_name (b, "errors");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (items, i);
      RaliItemState st = rali_gallery_item_get_state (item);
      counts[st]++;
      if (st != RALI_ITEM_FAILED)
        continue;
      json_builder_begin_object (b);
      member_string (b, "path", rali_gallery_item_get_path (item));
      member_string (b, "error", rali_gallery_item_get_error (item));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  member_int (b, "pending", counts[RALI_ITEM_PENDING]);
  member_int (b, "scored", counts[RALI_ITEM_SCORED]);
  member_int (b, "failed", counts[RALI_ITEM_FAILED]);

  member_bool (b, "running", rali_scorer_is_running (scorer));
  member_int (b, "total", rali_scorer_get_total (scorer));
  member_int (b, "done", rali_scorer_get_done (scorer));
  member_int (b, "cached", rali_scorer_get_cached (scorer));
  member_int (b, "rescored", rali_scorer_get_rescored (scorer));
  member_double (b, "rate", rali_scorer_get_rate (scorer));
  member_double (b, "first_result_s", rali_scorer_get_first_result_seconds (scorer));
  member_double (b, "elapsed_s", rali_scorer_get_elapsed_seconds (scorer));
  member_string (b, "model", rali_scorer_get_model_name (scorer));
  member_string (b, "provenance", rali_scorer_get_model_provenance (scorer));
  member_string (b, "backend", rali_scorer_get_backend_name (scorer));

  /* the first names in the shown order (sort and filter checks) */
  json_builder_set_member_name (b, "shown_names");
  json_builder_begin_array (b);
  for (guint i = 0; i < MIN (g_list_model_get_n_items (shown), 64u); i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (shown, i);
      json_builder_add_string_value (b, rali_gallery_item_get_name (item));
    }
  json_builder_end_array (b);

  RaliDetailView *detail = rali_window_get_detail_view (w);
  RaliGalleryItem *current = rali_detail_view_get_item (detail);
  json_builder_set_member_name (b, "detail");
  if (current)
    {
      json_builder_begin_object (b);
      member_string (b, "name", rali_gallery_item_get_name (current));
      member_bool (b, "loaded", rali_detail_view_is_loaded (detail));
      member_bool (b, "laid_out", rali_detail_view_is_laid_out (detail));
      member_double (b, "zoom", rali_detail_view_get_zoom (detail));
      /* what the photo's last frame drew, and where in the window */
      RaliImageView *iv = rali_detail_view_get_image_view (detail);
      member_string (b, "drawn", rali_image_view_get_drawn (iv));
      graphene_rect_t r;
      graphene_point_t p;
      if (rali_image_view_get_image_rect (iv, &r)
          && gtk_widget_compute_point (GTK_WIDGET (iv), GTK_WIDGET (w), &r.origin, &p))
        {
          json_builder_set_member_name (b, "image_rect");
          json_builder_begin_array (b);
          json_builder_add_double_value (b, p.x);
          json_builder_add_double_value (b, p.y);
          json_builder_add_double_value (b, r.size.width);
          json_builder_add_double_value (b, r.size.height);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  RaliCompareView *cv = rali_window_get_compare_view (w);
  json_builder_set_member_name (b, "compare");
  json_builder_begin_object (b);
  member_bool (b, "busy", rali_compare_view_is_busy (cv));
  member_string (b, "difference", rali_compare_view_get_difference_text (cv));
  for (int slot = 0; slot < 2; slot++)
    {
      RaliGalleryItem *it = rali_compare_view_get_item (cv, slot);
      const RaliCompareResult *res = rali_compare_view_get_result (cv, slot);
      json_builder_set_member_name (b, slot ? "right" : "left");
      json_builder_begin_object (b);
      member_string (b, "path", it ? rali_gallery_item_get_path (it) : NULL);
      member_string (b, "error", rali_compare_view_get_error (cv, slot));
      if (res)
        {
          g_autofree char *why = rali_why_summary_text (res);
          member_double (b, "score", res->score);
          member_bool (b, "from_catalog", res->from_catalog);
          member_string (b, "summary", why);
        }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "separating");
  json_builder_begin_array (b);
  g_autoptr (GArray) sep = rali_compare_view_get_separating (cv, 6);
  const RaliCompareResult *r0 = rali_compare_view_get_result (cv, 0), *r1 = rali_compare_view_get_result (cv, 1);
  for (guint i = 0; i < sep->len; i++)
    {
      int k = g_array_index (sep, int, i);
      json_builder_begin_object (b);
      member_int (b, "index", k);
      member_string (b, "text", r0->texts[k]);
      member_double (b, "left", r0->sims[k]);
      member_double (b, "right", r1->sims[k]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  RaliCulling *culling = rali_window_get_culling (w);
  json_builder_set_member_name (b, "culling");
  json_builder_begin_object (b);
  member_int (b, "pending", rali_culling_get_pending (culling));
  member_bool (b, "loading", rali_culling_is_loading (culling));
  member_int (b, "undo", rali_culling_get_undo_depth (culling));
  member_int (b, "bursts", rali_bursts_get_n_groups (rali_window_get_bursts (w)));
  member_bool (b, "bursts_running", rali_bursts_is_running (rali_window_get_bursts (w)));
  json_builder_set_member_name (b, "targets");
  json_builder_begin_array (b);
  g_autoptr (GPtrArray) targets = rali_culling_get_targets (culling);
  for (guint i = 0; i < targets->len; i++)
    json_builder_add_string_value (b, rali_gallery_item_get_name (targets->pdata[i]));
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "probe");
  json_builder_begin_object (b);
  if (self->probe)
    rali_latency_probe_add_json (self->probe, b);
  json_builder_end_object (b);

  if (!full)
    return;
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (items, i);
      json_builder_begin_object (b);
      member_string (b, "path", rali_gallery_item_get_path (item));
      member_int (b, "state", rali_gallery_item_get_state (item));
      member_double (b, "score", rali_gallery_item_get_score (item));
      member_bool (b, "cached", rali_gallery_item_get_from_catalog (item));
      member_int (b, "capture_time", rali_gallery_item_get_capture_time (item));
      const RaliDecision *dec = rali_gallery_item_get_decision (item);
      member_int (b, "rating", dec->rating);
      member_int (b, "flag", dec->flag);
      member_int (b, "labels", dec->labels);
      guint burst_size = 0;
      gboolean burst_best = FALSE;
      member_int (b, "burst", rali_gallery_item_get_burst (item, &burst_size, &burst_best));
      member_int (b, "burst_size", burst_size);
      member_bool (b, "burst_best", burst_best);
      member_string (b, "burst_why", rali_gallery_item_get_burst_why (item));
      GPtrArray *ds = rali_gallery_item_get_descriptors (item);
      json_builder_set_member_name (b, "descriptors");
      json_builder_begin_array (b);
      for (guint j = 0; ds && j < ds->len; j++)
        json_builder_add_string_value (b, ((RaliItemDescriptor *) ds->pdata[j])->text);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* {"event": EVENT, "handled": HANDLED} */
static void
reply_handled (const char *event, gboolean handled)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", event);
  member_bool (b, "handled", handled);
  json_builder_end_object (b);
  emit (b);
}

/* the same path as a real drop of files: the target's "drop" signal */
static void
drop_files (GtkDropTarget *target, GFile **files, guint n)
{
  GValue value = G_VALUE_INIT;
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (files, n));
  gboolean handled = FALSE;
  g_signal_emit_by_name (target, "drop", &value, 20.0, 20.0, &handled);
  g_value_unset (&value);
  reply_handled ("dropped", handled);
}

static void
emit_event (RaliTestDriver *self, const char *event, gboolean with_status, gboolean full)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", event);
  member_double (b, "t", seconds_since (self->t_start));
  if (with_status)
    add_status (self, b, full);
  json_builder_end_object (b);
  emit (b);
}

static void
reply_error (const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "error");
  member_string (b, "message", message);
  json_builder_end_object (b);
  emit (b);
}

static gboolean
browse_tick (gpointer data)
{
  RaliTestDriver *self = data;
  rali_window_scroll_gallery (self->window, BROWSE_PIXELS);
  return G_SOURCE_CONTINUE;
}

/* ---- screenshot: after a few frames, so that everything is laid out ---- */

/* Renders the window as GTK draws it; NULL with why when it cannot. */
static GdkTexture *
render_window (RaliTestDriver *self, const char **why)
{
  GtkWidget *w = GTK_WIDGET (self->window);
  int width = gtk_widget_get_width (w), height = gtk_widget_get_height (w);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (w));
  if (width <= 0 || height <= 0 || !renderer)
    {
      *why = "the window is not realized";
      return NULL;
    }
  /* the paintable fits the window's bounds, its client-side shadow
   * included, into the size it is given: given those bounds' size, it draws
   * one pixel per pixel, and the viewport cuts the shadow off, so that the
   * window's (0, 0) is the PNG's */
  graphene_rect_t bounds;
  if (!gtk_widget_compute_bounds (w, w, &bounds))
    graphene_rect_init (&bounds, 0, 0, (float) width, (float) height);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (w);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, bounds.size.width, bounds.size.height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  if (!node)
    {
      *why = "the window drew nothing";
      return NULL;
    }
  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (-bounds.origin.x, -bounds.origin.y, width, height));
}

static void
report_screenshot (RaliTestDriver *self, GdkTexture *tex, const char *why)
{
  gboolean ok = tex && gdk_texture_save_to_png (tex, self->screenshot_path);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "screenshot");
  member_string (b, "path", self->screenshot_path);
  member_bool (b, "ok", ok);
  member_string (b, "why", ok ? NULL : tex ? "could not write the PNG" : why);
  member_int (b, "width", tex ? gdk_texture_get_width (tex) : 0);
  member_int (b, "height", tex ? gdk_texture_get_height (tex) : 0);
  json_builder_end_object (b);
  emit (b);
}

static gboolean
screenshot_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  RaliTestDriver *self = data;
  (void) widget;
  (void) clock;
  /* a few frames, and past any page transition (GtkStack crossfades) */
  if (--self->screenshot_frames > 0 || g_get_monotonic_time () < self->screenshot_after)
    return G_SOURCE_CONTINUE;
  const char *why = NULL;
  g_autoptr (GdkTexture) tex = render_window (self, &why);
  if (!tex && self->screenshot_frames > -30) /* try again on the next frames */
    return G_SOURCE_CONTINUE;
  self->screenshot_tick = 0;
  report_screenshot (self, tex, why);
  g_clear_pointer (&self->screenshot_path, g_free);
  return G_SOURCE_REMOVE;
}

/* ---- commands ---- */

/* "a b c" or a JSON array of strings */
static GStrv
split_args (const char *rest)
{
  if (rest && *rest == '[')
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (!json_parser_load_from_data (p, rest, -1, NULL) || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p)))
        return NULL;
      JsonArray *a = json_node_get_array (json_parser_get_root (p));
      g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_strv_builder_add (sb, json_array_get_string_element (a, i));
      return g_strv_builder_end (sb);
    }
  return g_strsplit_set (rest ? rest : "", " ", -1);
}

static GPtrArray *
files_from (GStrv args)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; args && args[i]; i++)
    if (*args[i])
      g_ptr_array_add (files, g_file_new_for_commandline_arg (args[i]));
  return files;
}

static void
run_command (RaliTestDriver *self, const char *line)
{
  g_auto (GStrv) parts = g_strsplit (line, " ", 2);
  const char *cmd = parts[0] ? parts[0] : "";
  const char *rest = parts[0] && parts[1] ? parts[1] : "";
  if (!self->window)
    {
      if (*cmd)
        reply_error ("the window is gone");
    }
  else if (g_str_equal (cmd, "status"))
    emit_event (self, "status", TRUE, g_str_equal (rest, "full"));
  else if (g_str_equal (cmd, "open") || g_str_equal (cmd, "drop"))
    {
      g_auto (GStrv) args = split_args (rest);
      g_autoptr (GPtrArray) files = files_from (args);
      self->t_open = g_get_monotonic_time ();
      self->first_reported = FALSE;
      if (g_str_equal (cmd, "open"))
        rali_window_open (self->window, (GFile **) files->pdata, files->len);
      else
        {
          drop_files (rali_window_get_drop_target (self->window), (GFile **) files->pdata, files->len);
        }
    }
  else if (g_str_equal (cmd, "detail"))
    rali_window_show_position (self->window, (guint) g_ascii_strtoull (rest, NULL, 10));
  else if (g_str_equal (cmd, "action"))
    {
      /* "action NAME [GVARIANT]", e.g. "action cull.rate 3" */
      g_auto (GStrv) args = g_strsplit (rest, " ", 2);
      const char *name = args[0] ? args[0] : "";
      g_autoptr (GVariant) param = args[0] && args[1] ? g_variant_parse (NULL, args[1], NULL, NULL, NULL) : NULL;
      GtkWidget *target = g_str_has_prefix (name, "detail.") ? GTK_WIDGET (rali_window_get_detail_view (self->window))
                        : g_str_has_prefix (name, "compare.") ? GTK_WIDGET (rali_window_get_compare_view (self->window))
                        : GTK_WIDGET (self->window);
      if (param)
        g_variant_ref_sink (param);
      if (!gtk_widget_activate_action_variant (target, name, param))
        reply_error ("no such action");
    }
  else if (g_str_equal (cmd, "key"))
    {
      /* "key NAME [ctrl]": the culling keys' handler, as a key press in the
       * focused gallery or detail view reaches it */
      g_auto (GStrv) args = g_strsplit (rest, " ", 2);
      guint keyval = gdk_keyval_from_name (args[0] ? args[0] : "");
      GdkModifierType state = args[0] && args[1] && g_str_equal (args[1], "ctrl")    ? GDK_CONTROL_MASK
                            : args[0] && args[1] && g_str_equal (args[1], "shift") ? GDK_SHIFT_MASK
                                                                                   : 0;
      reply_handled ("key", keyval != GDK_KEY_VoidSymbol
                                && rali_culling_handle_key (rali_window_get_culling (self->window), keyval, state));
    }
  else if (g_str_equal (cmd, "select"))
    {
      /* "select POS…": exactly these shown photos, the gallery focused */
      g_auto (GStrv) args = g_strsplit (rest, " ", -1);
      GtkSelectionModel *sel = rali_window_get_selection (self->window);
      gtk_selection_model_unselect_all (sel);
      for (int i = 0; args[i]; i++)
        if (*args[i])
          gtk_selection_model_select_item (sel, (guint) g_ascii_strtoull (args[i], NULL, 10), FALSE);
      rali_window_focus_gallery (self->window);
    }
  else if (g_str_equal (cmd, "compare-drop"))
    {
      /* "compare-drop SLOT PATH": a file list dropped on slot 0 or 1, as
       * from a file manager */
      g_auto (GStrv) args = g_strsplit (rest, " ", 2);
      if (!args[0] || !args[1])
        reply_error ("compare-drop SLOT PATH");
      else
        {
          g_autoptr (GFile) file = g_file_new_for_commandline_arg (args[1]);
          drop_files (rali_compare_view_get_drop_target (rali_window_get_compare_view (self->window), atoi (args[0])),
                      &file, 1);
        }
    }
  else if (g_str_equal (cmd, "compare-open"))
    rali_window_show_compare (self->window, NULL, NULL);
  else if (g_str_equal (cmd, "decision-filter"))
    rali_window_set_decision_filter (self->window, (guint) g_ascii_strtoull (rest, NULL, 10));
  else if (g_str_equal (cmd, "setting"))
    {
      /* "setting KEY GVARIANT", e.g. "setting burst-seconds 600": as the
       * preferences window sets it (the same GSettings backend) */
      g_auto (GStrv) args = g_strsplit (rest, " ", 2);
      g_autoptr (GSettings) settings = g_settings_new (APP_ID);
      g_autoptr (GSettingsSchema) schema = NULL;
      g_object_get (settings, "settings-schema", &schema, NULL);
      g_autoptr (GSettingsSchemaKey) key = args[0] && args[1] && g_settings_schema_has_key (schema, args[0])
                                             ? g_settings_schema_get_key (schema, args[0]) : NULL;
      g_autoptr (GVariant) value = key ? g_variant_parse (g_settings_schema_key_get_value_type (key), args[1],
                                                          NULL, NULL, NULL) : NULL;
      if (!value || !g_settings_schema_key_range_check (key, value))
        reply_error ("setting: unknown key or bad value");
      else
        g_settings_set_value (settings, args[0], value);
    }
  else if (g_str_equal (cmd, "map"))
    {
      /* the embedding map: see rali-map-test.h */
      g_autoptr (JsonNode) reply = rali_map_test_command (rali_window_get_map_view (self->window), rest);
      g_autofree char *text = json_to_string (reply, FALSE);
      fprintf (stdout, "%s\n", text);
      fflush (stdout);
    }
  else if (g_str_equal (cmd, "gallery"))
    {
      /* the histogram, badges and auto-cull: see rali-gallery-test.h */
      g_autoptr (JsonNode) reply = rali_gallery_test_command (self->window, rest);
      if (reply)
        {
          g_autofree char *text = json_to_string (reply, FALSE);
          fprintf (stdout, "%s\n", text);
          fflush (stdout);
        }
    }
  else if (g_str_equal (cmd, "why"))
    {
      /* the detail view's why and where: see rali-detail-test.h */
      g_autoptr (JsonNode) reply = rali_detail_test_command (self->window, rest);
      g_autofree char *text = json_to_string (reply, FALSE);
      fprintf (stdout, "%s\n", text);
      fflush (stdout);
    }
  else if (g_str_equal (cmd, "search"))
    rali_window_set_search (self->window, rest);
  else if (g_str_equal (cmd, "range"))
    {
      g_auto (GStrv) args = g_strsplit (rest, " ", 2);
      if (args[0] && args[1])
        rali_window_set_score_range (self->window, g_ascii_strtod (args[0], NULL), g_ascii_strtod (args[1], NULL));
    }
  else if (g_str_equal (cmd, "sort"))
    rali_window_set_sort (self->window, rest);
  else if (g_str_equal (cmd, "browse"))
    {
      g_clear_handle_id (&self->browse_id, g_source_remove);
      if (g_str_equal (rest, "on"))
        self->browse_id = g_timeout_add (BROWSE_MS, browse_tick, self);
    }
  else if (g_str_equal (cmd, "probe-reset"))
    {
      if (self->probe)
        rali_latency_probe_reset (self->probe);
    }
  else if (g_str_equal (cmd, "screenshot") && *rest && !self->screenshot_path)
    {
      self->screenshot_path = g_strdup (rest);
      self->screenshot_frames = 3;
      self->screenshot_after = g_get_monotonic_time () + 500 * 1000;
      gtk_widget_queue_draw (GTK_WIDGET (self->window));
      self->screenshot_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->window), screenshot_tick, self, NULL);
    }
  else if (g_str_equal (cmd, "quit"))
    g_action_group_activate_action (G_ACTION_GROUP (self->app), "quit", NULL);
  else if (*cmd)
    reply_error ("unknown command");
}

static void
on_line (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RaliTestDriver *self = data;
  if (!line) /* EOF: whoever drove us is gone */
    {
      g_action_group_activate_action (G_ACTION_GROUP (self->app), "quit", NULL);
      return;
    }
  run_command (self, g_strstrip (line));
  read_next (self);
}

static void
read_next (RaliTestDriver *self)
{
  g_data_input_stream_read_line_async (self->in, G_PRIORITY_DEFAULT, self->cancellable, on_line, self);
}

/* ---- window and scorer events ---- */

static void
on_opened (RaliWindow *window, RaliTestDriver *self)
{
  (void) window;
  if (self->probe)
    rali_latency_probe_mark_opened (self->probe);
  emit_event (self, "opened", TRUE, FALSE);
}

static void
on_progress (RaliScorer *scorer, RaliTestDriver *self)
{
  if (self->first_reported || rali_scorer_get_done (scorer) == 0)
    return;
  self->first_reported = TRUE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "first-score");
  member_double (b, "t", seconds_since (self->t_start));
  member_double (b, "since_open_s", self->t_open ? seconds_since (self->t_open) : seconds_since (self->t_start));
  member_double (b, "since_scoring_start_s", rali_scorer_get_first_result_seconds (scorer));
  json_builder_end_object (b);
  emit (b);
}

/* what the window shows as a toast (culling errors, ...) */
static void
on_message (RaliCulling *culling, const char *text, RaliTestDriver *self)
{
  (void) culling;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "message");
  member_double (b, "t", seconds_since (self->t_start));
  member_string (b, "text", text);
  json_builder_end_object (b);
  emit (b);
}

static void
on_finished (RaliScorer *scorer, gboolean cancelled, RaliTestDriver *self)
{
  (void) scorer;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "finished");
  member_double (b, "t", seconds_since (self->t_start));
  member_bool (b, "cancelled", cancelled);
  add_status (self, b, FALSE);
  json_builder_end_object (b);
  emit (b);
}

static void
on_map (GtkWidget *widget, RaliTestDriver *self)
{
  (void) widget;
  emit_event (self, "ready", TRUE, FALSE);
}

/* the window goes first when the app quits: let go of it then */
static void
detach_window (RaliTestDriver *self)
{
  if (!self->window)
    return;
  GtkWidget *w = GTK_WIDGET (self->window);
  g_clear_pointer (&self->probe, rali_latency_probe_free);
  if (self->screenshot_tick)
    gtk_widget_remove_tick_callback (w, self->screenshot_tick);
  self->screenshot_tick = 0;
  RaliScorer *scorer = rali_window_get_scorer (self->window);
  if (scorer)
    g_signal_handlers_disconnect_by_data (scorer, self);
  RaliCulling *culling = rali_window_get_culling (self->window);
  if (culling)
    g_signal_handlers_disconnect_by_data (culling, self);
  g_signal_handlers_disconnect_by_data (self->window, self);
  g_clear_handle_id (&self->browse_id, g_source_remove);
  g_clear_object (&self->window);
}

static void
on_destroy (GtkWidget *widget, RaliTestDriver *self)
{
  (void) widget;
  detach_window (self);
}

static void
rali_test_driver_dispose (GObject *object)
{
  RaliTestDriver *self = RALI_TEST_DRIVER (object);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->in);
  g_clear_pointer (&self->probe, rali_latency_probe_free);
  detach_window (self);
  g_clear_pointer (&self->screenshot_path, g_free);
  G_OBJECT_CLASS (rali_test_driver_parent_class)->dispose (object);
}

static void
rali_test_driver_class_init (RaliTestDriverClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rali_test_driver_dispose;
}

static void
rali_test_driver_init (RaliTestDriver *self)
{
  self->t_start = g_get_monotonic_time ();
}

RaliTestDriver *
rali_test_driver_new (GApplication *application, RaliWindow *window)
{
  RaliTestDriver *self = g_object_new (RALI_TYPE_TEST_DRIVER, NULL);
  self->app = application;
  self->window = g_object_ref (window);
  self->cancellable = g_cancellable_new ();
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (0, FALSE);
  self->in = g_data_input_stream_new (raw);
  read_next (self);
  g_signal_connect (window, "opened", G_CALLBACK (on_opened), self);
  g_signal_connect (window, "map", G_CALLBACK (on_map), self);
  g_signal_connect (window, "destroy", G_CALLBACK (on_destroy), self);
  RaliScorer *scorer = rali_window_get_scorer (window);
  g_signal_connect (scorer, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect (scorer, "finished", G_CALLBACK (on_finished), self);
  g_signal_connect (rali_window_get_culling (window), "message", G_CALLBACK (on_message), self);
  self->probe = rali_latency_probe_new (GTK_WIDGET (window));
  return self;
}
