/* RaliWindow, part: sorting, the score-range and decision filters (with
 * the folder's score histogram, whose threshold is the lowest score shown),
 * the descriptor search over the gallery, and auto-cull's dialog (see
 * rali-window-private.h). */
#include "config.h"

#include "rali-window-private.h"

#include "culling/rali-auto-cull-dialog.h"

#include <glib/gi18n.h>

/* results arrive many times a second: re-sort and re-filter at most every
 * REFRESH_MS, not per result */
#define REFRESH_MS 1000

/* the sort-by setting, in RaliSortKey order */
static const char *const sort_keys[] = { "score", "name", "capture-time" };

void
rali_window_update_subtitle (RaliWindow *self)
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
refresh_timeout (gpointer data)
{
  RaliWindow *self = data;
  self->refresh_id = 0; /* this source is ending: not for refresh_now to remove */
  rali_window_refresh_now (self);
  return G_SOURCE_REMOVE;
}

/* re-sorts and re-filters now and drops a pending refresh */
void
rali_window_refresh_now (RaliWindow *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  /* the grid keeps the item it is anchored on in view when the order
   * changes; a user still at the top wants to stay at the top */
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->gallery_scroller);
  gboolean at_top = gtk_adjustment_get_value (adj) <= 0;
  rali_gallery_model_results_changed (self->model);
  if (at_top && g_list_model_get_n_items (rali_gallery_model_get_shown (self->model)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
  rali_window_update_subtitle (self);
}

void
rali_window_schedule_refresh (RaliWindow *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_MS, refresh_timeout, self);
}

void
rali_window_search_changed (RaliWindow *self)
{
  rali_gallery_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), self->top_k);
  rali_window_update_subtitle (self);
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
  rali_window_update_subtitle (self);
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


void
rali_window_set_search (RaliWindow *self, const char *text)
{
  gtk_search_bar_set_search_mode (self->search_bar, text && *text);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  /* apply now rather than after the entry's typing delay */
  rali_window_search_changed (self);
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
rali_window_filter_init (RaliWindow *self)
{
  g_signal_connect_swapped (rali_gallery_model_get_shown (self->model), "items-changed",
                            G_CALLBACK (rali_window_update_subtitle), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (rali_window_search_changed), self);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->gallery_scroller));
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->min_adjustment, "value-changed", G_CALLBACK (on_range_changed), self);
  g_signal_connect (self->max_adjustment, "value-changed", G_CALLBACK (on_range_changed), self);
  g_signal_connect (self->sort_dropdown, "notify::selected", G_CALLBACK (on_sort_selected), self);
  g_signal_connect (self->decision_dropdown, "notify::selected", G_CALLBACK (on_decision_selected), self);
  /* the histogram's threshold is the lowest score shown; its scale is the
   * filter's (set when the model loads) */
  rali_score_histogram_set_stats (self->histogram, rali_gallery_model_get_stats (self->model));
  g_object_bind_property (self->min_adjustment, "lower", self->histogram, "lower", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->min_adjustment, "upper", self->histogram, "upper", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->max_adjustment, "value", self->histogram, "high", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->min_adjustment, "value", self->histogram, "threshold",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

/* win.auto-cull (Shift+X in the gallery) */
void
rali_window_action_auto_cull (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliWindow *self = RALI_WINDOW (widget);
  (void) name;
  (void) param;
  if (g_list_model_get_n_items (rali_gallery_model_get_all (self->model)) == 0)
    {
      rali_window_toast (self, _("Open a folder to auto-cull its photos"));
      return;
    }
  RaliAutoCullDialog *dialog = rali_auto_cull_dialog_new (GTK_WINDOW (self), self->model, self->culling,
                                                          self->score_min, self->score_max);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
rali_window_filter_bind (RaliWindow *self)
{
  g_settings_bind_with_mapping (self->settings, "sort-by", self->sort_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, sort_to_index, index_to_sort, NULL, NULL);
  /* win.badge-rank: the main menu's "Show Rank on Badges" */
  g_autoptr (GAction) badge_rank = g_settings_create_action (self->settings, "badge-rank");
  g_action_map_add_action (G_ACTION_MAP (self), badge_rank);
}
