/* RaliTile: one gallery cell: thumbnail, score badge, file name, or the
 * reason the file failed.  With show-rank (the "badge-rank" setting) and
 * the folder's stats, a smaller badge under the score says the photo's
 * rank in the folder: "top 12 %". */
#pragma once

#include <gtk/gtk.h>

#include "rali-gallery-item.h"
#include "rali-score-stats.h"
#include "rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_TILE (rali_tile_get_type ())
G_DECLARE_FINAL_TYPE (RaliTile, rali_tile, RALI, TILE, GtkWidget)

GtkWidget       *rali_tile_new      (RaliThumbnailCache *cache, int thumbnail_size);
void             rali_tile_set_item (RaliTile *self, RaliGalleryItem *item);
RaliGalleryItem *rali_tile_get_item (RaliTile *self);
void             rali_tile_set_stats     (RaliTile *self, RaliScoreStats *stats);
void             rali_tile_set_show_rank (RaliTile *self, gboolean show_rank);
/* what the badges say now: "4.32", "4.32 · top 12 %" ("" when hidden),
 * for the test driver */
char            *rali_tile_dup_badge_text (RaliTile *self);
/* the overlays on show, for the test driver: "error", "burst" and
 * "decision", comma-separated in that order ("" when none) */
char            *rali_tile_dup_overlays (RaliTile *self);

/* The CSS class for a score at fraction (0..1) of the model's scale:
 * score-0 (worst) .. score-9 (best).  Shared with the detail view. */
const char *rali_score_css_class (double fraction);

G_END_DECLS
