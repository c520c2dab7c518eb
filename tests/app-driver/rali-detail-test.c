/* The detail view's test-driver commands: see rali-detail-test.h. */
#include "config.h"

#include "rali-detail-test.h"
#include "rali-map-test.h"
#include "rali-test-json.h"

#include "detail/rali-descriptor-bars.h"
#include "detail/rali-detail-view.h"

#include <stdlib.h>

/* the toggle button of the overlay bar bound to action */
static GtkWidget *
find_toggle (GtkWidget *root, const char *action)
{
  if (GTK_IS_TOGGLE_BUTTON (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_toggle (c, action);
      if (found)
        return found;
    }
  return NULL;
}

static void
add_map (JsonBuilder *b, RaliDetailView *d)
{
  RaliQualityOverlay *o = rali_detail_view_get_quality_overlay (d);
  const RaliTileResult *r = rali_quality_overlay_get_tiles (o);
  gboolean shown;
  g_object_get (d, "show-quality-map", &shown, NULL);
  json_builder_set_member_name (b, "map");
  json_builder_begin_object (b);
  member_bool (b, "shown", shown && gtk_widget_get_visible (GTK_WIDGET (o)));
  member_string (b, "error", rali_detail_view_get_tiles_error (d));
  member_string (b, "a11y", rali_quality_overlay_get_description (o));
  member_int (b, "n_weak", rali_quality_overlay_get_n_weak (o));
  member_double (b, "seconds", rali_detail_view_get_tiles_seconds (d));
  if (r)
    {
      member_int (b, "cols", r->cols);
      member_int (b, "rows", r->rows);
      member_int (b, "width", r->width);
      member_int (b, "height", r->height);
      member_bool (b, "on_main_thread", r->on_main_thread);
      member_double (b, "worker_seconds", r->seconds);
      json_builder_set_member_name (b, "tiles");
      json_builder_begin_array (b);
      for (int i = 0; i < r->cols * r->rows; i++)
        {
          const RaliTileScore *t = &r->tiles[i];
          json_builder_begin_object (b);
          member_int (b, "x", t->x);
          member_int (b, "y", t->y);
          member_int (b, "w", t->w);
          member_int (b, "h", t->h);
          json_builder_set_member_name (b, "cell");
          json_builder_begin_array (b);
          json_builder_add_int_value (b, t->cell_x);
          json_builder_add_int_value (b, t->cell_y);
          json_builder_add_int_value (b, t->cell_w);
          json_builder_add_int_value (b, t->cell_h);
          json_builder_end_array (b);
          member_double (b, "score", t->score);
          member_int (b, "index", t->top_index);
          member_double (b, "weight", t->top_weight);
          member_string (b, "text", r->texts[i]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static JsonNode *
status (RaliWindow *window)
{
  RaliDetailView *d = rali_window_get_detail_view (window);
  RaliWhyPanel *p = rali_detail_view_get_why_panel (d);
  RaliDescriptorBars *bars = RALI_DESCRIPTOR_BARS (rali_why_panel_get_bars (p));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "why");
  RaliGalleryItem *item = rali_detail_view_get_item (d);
  member_string (b, "item", item ? rali_gallery_item_get_path (item) : NULL);
  member_bool (b, "loaded", rali_detail_view_is_loaded (d));
  gboolean why, tiles, analysis;
  rali_detail_view_is_busy (d, &why, &tiles, &analysis);
  json_builder_set_member_name (b, "busy");
  json_builder_begin_object (b);
  member_bool (b, "why", why);
  member_bool (b, "tiles", tiles);
  member_bool (b, "analysis", analysis);
  json_builder_end_object (b);
  member_string (b, "summary", rali_why_panel_get_summary (p));
  json_builder_set_member_name (b, "evidence");
  json_builder_begin_array (b);
  for (int i = 0; i < rali_descriptor_bars_get_n_rows (bars); i++)
    {
      g_autofree char *caption = rali_descriptor_bars_dup_caption (bars, i);
      json_builder_begin_object (b);
      member_string (b, "text", rali_descriptor_bars_get_text (bars, i));
      member_double (b, "weight", rali_descriptor_bars_get_weight (bars, i));
      member_string (b, "caption", caption);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autofree char *footer = rali_descriptor_bars_dup_footer (bars);
  member_string (b, "evidence_more", footer);
  GtkExpander *ex = rali_why_panel_get_expander (p);
  member_string (b, "details", rali_why_panel_get_details (p));
  member_bool (b, "expanded", gtk_expander_get_expanded (ex));
  member_bool (b, "details_mapped", gtk_widget_get_mapped (gtk_expander_get_child (ex)));
  member_string (b, "expander_label", gtk_expander_get_label (ex));
  member_string (b, "legend", rali_detail_view_get_legend (d));
  add_map (b, d);

  RaliPeakingOverlay *po = rali_detail_view_get_peaking_overlay (d);
  gboolean peaking;
  g_object_get (d, "show-focus-peaking", &peaking, NULL);
  json_builder_set_member_name (b, "peaking");
  json_builder_begin_object (b);
  member_bool (b, "shown", peaking && gtk_widget_get_visible (GTK_WIDGET (po)));
  member_bool (b, "ready", rali_peaking_overlay_has_edges (po));
  member_string (b, "a11y", rali_peaking_overlay_get_description (po));
  json_builder_end_object (b);

  RaliLumaHistogram *h = rali_detail_view_get_histogram (d);
  double low, high;
  rali_luma_histogram_get_clipped (h, &low, &high);
  g_autofree char *caption = rali_luma_histogram_dup_caption_markup (h);
  json_builder_set_member_name (b, "histogram");
  json_builder_begin_object (b);
  member_bool (b, "ready", rali_luma_histogram_has_data (h));
  member_double (b, "clipped_low", low);
  member_double (b, "clipped_high", high);
  member_string (b, "caption", caption);
  member_string (b, "a11y", rali_luma_histogram_get_description (h));
  json_builder_end_object (b);

  gboolean similar_on;
  g_object_get (d, "show-similar", &similar_on, NULL);
  json_builder_set_member_name (b, "similar");
  json_builder_begin_object (b);
  member_bool (b, "on", similar_on);
  rali_test_add_neighbour_list (b, rali_detail_view_get_similar_list (d),
                                rali_map_view_get_similar_photos (rali_window_get_map_view (window)));
  json_builder_end_object (b);

  GtkWidget *mb = find_toggle (GTK_WIDGET (d), "detail.quality-map");
  GtkWidget *pb = find_toggle (GTK_WIDGET (d), "detail.focus-peaking");
  json_builder_set_member_name (b, "buttons");
  json_builder_begin_object (b);
  member_bool (b, "map", mb && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (mb)));
  member_bool (b, "peaking", pb && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (pb)));
  member_string (b, "map_tooltip", mb ? gtk_widget_get_tooltip_text (mb) : NULL);
  member_string (b, "peaking_tooltip", pb ? gtk_widget_get_tooltip_text (pb) : NULL);
  GtkWidget *sb = find_toggle (GTK_WIDGET (d), "detail.similar");
  member_bool (b, "similar", sb && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (sb)));
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
rali_detail_test_command (RaliWindow *window, const char *args)
{
  g_auto (GStrv) a = g_strsplit (args ? args : "", " ", -1);
  const char *cmd = a[0] ? a[0] : "";
  RaliDetailView *d = rali_window_get_detail_view (window);
  if (g_str_equal (cmd, "expand") && a[1])
    gtk_expander_set_expanded (rali_why_panel_get_expander (rali_detail_view_get_why_panel (d)),
                               g_str_equal (a[1], "on"));
  else if (g_str_equal (cmd, "scroll") && a[1])
    {
      /* the side panel scrolled to its top or its end (the histogram) */
      GtkWidget *sw = gtk_widget_get_ancestor (GTK_WIDGET (rali_detail_view_get_histogram (d)),
                                               GTK_TYPE_SCROLLED_WINDOW);
      if (sw)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
          gtk_adjustment_set_value (adj, g_str_equal (a[1], "end")
                                           ? gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj)
                                           : gtk_adjustment_get_lower (adj));
        }
    }
  else if (g_str_equal (cmd, "similar-row") && a[1])
    rali_neighbour_list_activate_row (rali_detail_view_get_similar_list (d), (guint) atoi (a[1]));
  else if (g_str_equal (cmd, "similar-close"))
    g_signal_emit_by_name (rali_detail_view_get_similar_list (d), "close");
  else if (g_str_equal (cmd, "tooltip") && a[1] && a[2])
    {
      g_autofree char *text = rali_detail_view_dup_tile_tooltip (d, g_ascii_strtod (a[1], NULL),
                                                                 g_ascii_strtod (a[2], NULL));
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      member_string (b, "event", "why-tooltip");
      member_string (b, "text", text);
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }
  return status (window);
}
