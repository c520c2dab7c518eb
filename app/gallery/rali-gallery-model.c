/* RaliGalleryModel: see rali-gallery-model.h. */
#include "rali-gallery-model.h"

#include "rali-gallery-item.h"

#include <gtk/gtk.h>
#include <string.h>

struct _RaliGalleryModel {
  GObject parent_instance;
  GListStore *store;
  GtkCustomFilter *filter;
  GtkCustomSorter *sorter;
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;

  RaliSortKey sort;
  char *search; /* case-folded, or NULL */
  int top_k;
  gboolean range_active;
  double lo, hi;
  RaliDecisionFilter decision_filter;
  int min_rating;
  GHashTable *subset; /* RaliGalleryItem* set (the map's selection), or NULL */
  RaliScoreStats *stats;
};

G_DEFINE_FINAL_TYPE (RaliGalleryModel, rali_gallery_model, G_TYPE_OBJECT)

static int
state_rank (RaliGalleryItem *item)
{
  switch (rali_gallery_item_get_state (item))
    {
    case RALI_ITEM_SCORED: return 0;
    case RALI_ITEM_PENDING: return 1;
    default: return 2;
    }
}

static int
compare_items (gconstpointer a, gconstpointer b, gpointer data)
{
  RaliGalleryModel *self = data;
  RaliGalleryItem *x = (RaliGalleryItem *) a, *y = (RaliGalleryItem *) b;
  int c = 0;
  if (self->sort == RALI_SORT_SCORE)
    {
      c = state_rank (x) - state_rank (y);
      if (c == 0 && state_rank (x) == 0)
        {
          double sx = rali_gallery_item_get_score (x), sy = rali_gallery_item_get_score (y);
          c = sx > sy ? -1 : sx < sy ? 1 : 0;
        }
    }
  else if (self->sort == RALI_SORT_CAPTURE_TIME)
    {
      gint64 tx = rali_gallery_item_get_capture_time (x), ty = rali_gallery_item_get_capture_time (y);
      c = tx < ty ? -1 : tx > ty ? 1 : 0;
    }
  if (c == 0)
    c = strcmp (rali_gallery_item_get_sort_key (x), rali_gallery_item_get_sort_key (y));
  return gtk_ordering_from_cmpfunc (c);
}

gboolean
rali_gallery_model_decision_matches (RaliGalleryModel *self, RaliGalleryItem *item)
{
  const RaliDecision *d = rali_gallery_item_get_decision (item);
  switch (self->decision_filter)
    {
    case RALI_DECISION_FILTER_PICKED: return d->flag == RALI_FLAG_PICKED;
    case RALI_DECISION_FILTER_REJECTED: return d->flag == RALI_FLAG_REJECTED;
    case RALI_DECISION_FILTER_UNFLAGGED: return d->flag == RALI_FLAG_NONE;
    case RALI_DECISION_FILTER_RATING: return d->flag != RALI_FLAG_REJECTED && d->rating >= self->min_rating;
    default: return TRUE;
    }
}

static gboolean
filter_item (gpointer object, gpointer data)
{
  RaliGalleryModel *self = data;
  RaliGalleryItem *item = object;
  if (self->subset && !g_hash_table_contains (self->subset, item))
    return FALSE;
  if (!rali_gallery_model_decision_matches (self, item))
    return FALSE;
  if (self->range_active)
    {
      if (rali_gallery_item_get_state (item) != RALI_ITEM_SCORED)
        return FALSE;
      double s = rali_gallery_item_get_score (item);
      if (s < self->lo || s > self->hi)
        return FALSE;
    }
  return rali_gallery_item_matches (item, self->search, self->top_k);
}

static void
rali_gallery_model_dispose (GObject *object)
{
  RaliGalleryModel *self = RALI_GALLERY_MODEL (object);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->store);
  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->subset, g_hash_table_unref);
  g_clear_object (&self->stats);
  G_OBJECT_CLASS (rali_gallery_model_parent_class)->dispose (object);
}

static void
rali_gallery_model_class_init (RaliGalleryModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rali_gallery_model_dispose;
}

static void
rali_gallery_model_init (RaliGalleryModel *self)
{
  self->top_k = 5;
  self->min_rating = 1;
  self->store = g_list_store_new (RALI_TYPE_GALLERY_ITEM);
  self->stats = rali_score_stats_new ();
  self->filter = gtk_custom_filter_new (filter_item, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                              GTK_FILTER (self->filter));
  self->sorter = gtk_custom_sorter_new (compare_items, self, NULL);
  self->sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                          GTK_SORTER (self->sorter));
  /* sort and filter thousands of photos in slices between frames */
  gtk_filter_list_model_set_incremental (self->filtered, TRUE);
  gtk_sort_list_model_set_incremental (self->sorted, TRUE);
}

RaliGalleryModel *
rali_gallery_model_new (void)
{
  return g_object_new (RALI_TYPE_GALLERY_MODEL, NULL);
}

GListModel *
rali_gallery_model_get_all (RaliGalleryModel *self)
{
  return G_LIST_MODEL (self->store);
}

GListModel *
rali_gallery_model_get_shown (RaliGalleryModel *self)
{
  return G_LIST_MODEL (self->sorted);
}

void
rali_gallery_model_replace (RaliGalleryModel *self, GPtrArray *items)
{
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  rali_score_stats_update (self->stats, G_LIST_MODEL (self->store));
}

void
rali_gallery_model_set_sort (RaliGalleryModel *self, RaliSortKey key)
{
  if (self->sort == key)
    return;
  self->sort = key;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

RaliSortKey
rali_gallery_model_get_sort (RaliGalleryModel *self)
{
  return self->sort;
}

void
rali_gallery_model_set_search (RaliGalleryModel *self, const char *text, int top_k)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
  g_autofree char *folded = *stripped ? g_utf8_casefold (stripped, -1) : NULL;
  if (g_strcmp0 (folded, self->search) == 0 && top_k == self->top_k)
    return;
  g_free (self->search);
  self->search = g_steal_pointer (&folded);
  self->top_k = MAX (top_k, 1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

gboolean
rali_gallery_model_has_search (RaliGalleryModel *self)
{
  return self->search != NULL;
}

void
rali_gallery_model_set_score_range (RaliGalleryModel *self, double lo, double hi,
                                    double scale_min, double scale_max)
{
  const double eps = 1e-9;
  gboolean active = lo > scale_min + eps || hi < scale_max - eps;
  gboolean same = active == self->range_active && (!active || (lo == self->lo && hi == self->hi));
  /* a narrower range only drops photos, a wider one only adds: the filter
   * then looks at the shown or the hidden photos alone (the histogram's
   * threshold moves this way many times in a drag) */
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;
  if (active && (!self->range_active || (lo >= self->lo && hi <= self->hi)))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (!active || (lo <= self->lo && hi >= self->hi))
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  self->range_active = active;
  self->lo = lo;
  self->hi = hi;
  /* an inactive range filters nothing, whatever its ends (the scale's ends
   * change when the model loads): a needless refilter makes the grid drop
   * and rebuild every tile (perf: 80 ms on the main thread) */
  if (same)
    return;
  gtk_filter_changed (GTK_FILTER (self->filter), change);
}

gboolean
rali_gallery_model_get_range_active (RaliGalleryModel *self)
{
  return self->range_active;
}

void
rali_gallery_model_results_changed (RaliGalleryModel *self)
{
  if (self->sort != RALI_SORT_NAME)
    gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  if (self->range_active || self->search)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  rali_score_stats_update (self->stats, G_LIST_MODEL (self->store));
}

RaliScoreStats *
rali_gallery_model_get_stats (RaliGalleryModel *self)
{
  return self->stats;
}

void
rali_gallery_model_set_decision_filter (RaliGalleryModel *self, RaliDecisionFilter filter, int min_rating)
{
  min_rating = CLAMP (min_rating, 1, 5);
  if (filter == self->decision_filter && min_rating == self->min_rating)
    return;
  self->decision_filter = filter;
  self->min_rating = min_rating;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

gboolean
rali_gallery_model_get_decision_active (RaliGalleryModel *self)
{
  return self->decision_filter != RALI_DECISION_FILTER_ALL;
}

void
rali_gallery_model_decisions_changed (RaliGalleryModel *self)
{
  if (self->decision_filter != RALI_DECISION_FILTER_ALL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

void
rali_gallery_model_set_subset (RaliGalleryModel *self, GHashTable *items)
{
  if (!items && !self->subset)
    return;
  if (items)
    g_hash_table_ref (items);
  g_clear_pointer (&self->subset, g_hash_table_unref);
  self->subset = items;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

gboolean
rali_gallery_model_has_subset (RaliGalleryModel *self)
{
  return self->subset != NULL;
}
