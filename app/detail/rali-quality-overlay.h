/* RaliQualityOverlay: the quality map, drawn over a RaliImageView (in the
 * same GtkOverlay, following its zoom and pan): the photo's grid of tiles
 * (rali-compare-scorer.h, rali_compare_tiles_async), each tinted red by how
 * far its score falls below the photo's own score (clear when it does not),
 * with its score written in it.  It takes no input: the detail view asks
 * rali_quality_overlay_describe_at for the tooltip of the image under the
 * pointer.  Its accessible label sums the map up in words. */
#pragma once

#include <gtk/gtk.h>

#include "compare/rali-compare-scorer.h"
#include "rali-image-view.h"

G_BEGIN_DECLS

#define RALI_TYPE_QUALITY_OVERLAY (rali_quality_overlay_get_type ())
G_DECLARE_FINAL_TYPE (RaliQualityOverlay, rali_quality_overlay, RALI, QUALITY_OVERLAY, GtkWidget)

void rali_quality_overlay_set_image_view (RaliQualityOverlay *self, RaliImageView *view);
/* takes tiles (NULL: none); photo_score is the photo's own score, the reference */
void rali_quality_overlay_set_tiles (RaliQualityOverlay *self, RaliTileResult *tiles, double photo_score);
void rali_quality_overlay_set_photo_score (RaliQualityOverlay *self, double photo_score);
const RaliTileResult *rali_quality_overlay_get_tiles (RaliQualityOverlay *self);
/* the tile under (x, y) in the overlay's coordinates, or -1 */
int   rali_quality_overlay_tile_at (RaliQualityOverlay *self, double x, double y);
/* what a tile says, for a tooltip; NULL for -1; g_free */
char *rali_quality_overlay_describe_tile (RaliQualityOverlay *self, int tile);
/* the accessible label (also for tests) */
const char *rali_quality_overlay_get_description (RaliQualityOverlay *self);
/* how many tiles are tinted (score below the photo's) */
int   rali_quality_overlay_get_n_weak (RaliQualityOverlay *self);

G_END_DECLS
