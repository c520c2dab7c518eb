/* RaliGalleryModel: the photos of a gallery, and the sorted and filtered
 * view of them that the grid shows.
 *
 *   all (GListStore, open order) -> filter (score range, search, decision)
 *                                -> sort (score / name / capture time) = shown
 *
 * Both stages are incremental (GTK sorts and filters in slices between
 * frames).  Scores change under the sorter as results arrive: call
 * rali_gallery_model_results_changed() now and then, not per result. */
#pragma once

#include <gio/gio.h>

#include "rali-gallery-item.h"
#include "rali-score-stats.h"

G_BEGIN_DECLS

typedef enum {
  RALI_SORT_SCORE,        /* best first; unscored, then failed, last */
  RALI_SORT_NAME,         /* file name, numbers in order (IMG_2 < IMG_10) */
  RALI_SORT_CAPTURE_TIME, /* oldest first */
} RaliSortKey;

typedef enum {
  RALI_DECISION_FILTER_ALL,
  RALI_DECISION_FILTER_PICKED,
  RALI_DECISION_FILTER_REJECTED,
  RALI_DECISION_FILTER_UNFLAGGED, /* neither picked nor rejected */
  RALI_DECISION_FILTER_RATING,    /* not rejected, at least min_rating stars */
} RaliDecisionFilter;

#define RALI_TYPE_GALLERY_MODEL (rali_gallery_model_get_type ())
G_DECLARE_FINAL_TYPE (RaliGalleryModel, rali_gallery_model, RALI, GALLERY_MODEL, GObject)

RaliGalleryModel *rali_gallery_model_new (void);

GListModel *rali_gallery_model_get_all   (RaliGalleryModel *self);
GListModel *rali_gallery_model_get_shown (RaliGalleryModel *self);

/* replaces every photo with items (RaliGalleryItem) */
void rali_gallery_model_replace (RaliGalleryModel *self, GPtrArray *items);

void        rali_gallery_model_set_sort   (RaliGalleryModel *self, RaliSortKey key);
RaliSortKey rali_gallery_model_get_sort   (RaliGalleryModel *self);
/* matched case-insensitively against file names and the first top_k
 * descriptors; NULL or blank shows everything */
void        rali_gallery_model_set_search (RaliGalleryModel *self, const char *text, int top_k);
gboolean    rali_gallery_model_has_search (RaliGalleryModel *self);
/* only scored photos with lo <= score <= hi; inactive (everything shown)
 * when [lo, hi] covers the whole scale */
void        rali_gallery_model_set_score_range (RaliGalleryModel *self, double lo, double hi,
                                                double scale_min, double scale_max);
gboolean    rali_gallery_model_get_range_active (RaliGalleryModel *self);

/* by culling decision; min_rating for RALI_DECISION_FILTER_RATING (1..5) */
void        rali_gallery_model_set_decision_filter (RaliGalleryModel *self, RaliDecisionFilter filter,
                                                    int min_rating);
gboolean    rali_gallery_model_get_decision_active (RaliGalleryModel *self);
/* TRUE when the item passes the decision filter alone */
gboolean    rali_gallery_model_decision_matches (RaliGalleryModel *self, RaliGalleryItem *item);
/* decisions changed: re-filter when the decision filter is on */
void        rali_gallery_model_decisions_changed (RaliGalleryModel *self);

/* only the items in the set (keys: RaliGalleryItem*; the map's selection,
 * referenced, not copied: do not change it afterwards), or all when NULL */
void        rali_gallery_model_set_subset (RaliGalleryModel *self, GHashTable *items);
gboolean    rali_gallery_model_has_subset (RaliGalleryModel *self);

/* scores, states or capture times changed: re-sort and re-filter where
 * they matter, and update the stats */
void rali_gallery_model_results_changed (RaliGalleryModel *self);

/* the scores of all the photos (not only the shown ones), as of the last
 * replace or results_changed */
RaliScoreStats *rali_gallery_model_get_stats (RaliGalleryModel *self);

G_END_DECLS
