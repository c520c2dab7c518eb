/* RaliTile: one gallery cell: thumbnail, score badge, file name, or the
 * reason the file failed. */
#pragma once

#include <gtk/gtk.h>

#include "rali-gallery-item.h"
#include "rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_TILE (rali_tile_get_type ())
G_DECLARE_FINAL_TYPE (RaliTile, rali_tile, RALI, TILE, GtkWidget)

GtkWidget       *rali_tile_new      (RaliThumbnailCache *cache, int thumbnail_size);
void             rali_tile_set_item (RaliTile *self, RaliGalleryItem *item);
RaliGalleryItem *rali_tile_get_item (RaliTile *self);

/* The CSS class for a score at fraction (0..1) of the model's scale:
 * score-0 (worst) .. score-9 (best).  Shared with the detail view. */
const char *rali_score_css_class (double fraction);

G_END_DECLS
