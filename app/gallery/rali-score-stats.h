/* RaliScoreStats: the scores of the photos of a folder, sorted, for what
 * speaks of the folder as a whole: the score histogram
 * (rali-score-histogram.c), the rank on a tile's badge (rali-tile.c) and
 * auto-cull's "lowest N %" (culling/rali-auto-cull.c).
 *
 * The gallery model owns one and updates it when results arrive
 * (rali_gallery_model_results_changed: at most about once a second while
 * scoring runs); "changed" is emitted only when the scores did change. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RALI_TYPE_SCORE_STATS (rali_score_stats_get_type ())
G_DECLARE_FINAL_TYPE (RaliScoreStats, rali_score_stats, RALI, SCORE_STATS, GObject)

RaliScoreStats *rali_score_stats_new (void);

/* the scored photos among items (RaliGalleryItem) */
void          rali_score_stats_update     (RaliScoreStats *self, GListModel *items);
/* the same from plain numbers (tests) */
void          rali_score_stats_set_scores (RaliScoreStats *self, const double *scores, guint n);

guint         rali_score_stats_get_n      (RaliScoreStats *self);
/* ascending; n values */
const double *rali_score_stats_get_sorted (RaliScoreStats *self, guint *n);
/* photos scoring strictly below / strictly above score */
guint         rali_score_stats_count_below (RaliScoreStats *self, double score);
guint         rali_score_stats_count_above (RaliScoreStats *self, double score);

/* The rank of score in the folder in a photographer's words: "top 12 %"
 * (the share of photos scoring as well or better, rounded up) in the
 * upper half, "bottom 5 %" in the lower; NULL with fewer than 2 scores. */
char         *rali_score_stats_describe_rank (RaliScoreStats *self, double score);

G_END_DECLS
