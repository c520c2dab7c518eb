/* RaliMapHoverCard: the card the map shows beside the hovered point: the
 * photo's thumbnail (from the thumbnail cache, decoded off the main thread
 * when not there yet), name, score and cluster; or, for a prototype
 * marker, its number, score and descriptor text (the markers carry no
 * labels of their own).  Not a target for the pointer. */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-thumbnail-cache.h"
#include "rali-map-data.h"

G_BEGIN_DECLS

#define RALI_TYPE_MAP_HOVER_CARD (rali_map_hover_card_get_type ())
G_DECLARE_FINAL_TYPE (RaliMapHoverCard, rali_map_hover_card, RALI, MAP_HOVER_CARD, GtkWidget)

/* point i or prototype proto of data (−1, −1: hides the card); cache may
 * be NULL (no picture) */
void rali_map_hover_card_show (RaliMapHoverCard *self, const RaliMapData *data, int i, int proto,
                               RaliThumbnailCache *cache, int thumb_w, int thumb_h);

G_END_DECLS
