/* RaliNeighbourList: the "Similar photos" side list: a photo (the query),
 * then the photos nearest it in embedding space (rali-similar-photos.h)
 * with their thumbnails, cosine similarity and score, most similar first,
 * and a line saying how they were found (exact search or HNSW, over how
 * many photos).
 *
 * Any view can show one: it needs a RaliSimilarPhotos (the map view's,
 * rali_map_view_get_similar_photos) and the thumbnail cache.
 *
 * Signals: "activated" (RaliGalleryItem *item): a row was clicked or
 * activated with the keyboard (the map lists that photo's neighbours in
 * turn); "found": the results changed; "close": the close button. */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-gallery-item.h"
#include "gallery/rali-thumbnail-cache.h"
#include "rali-similar-photos.h"

G_BEGIN_DECLS

#define RALI_TYPE_NEIGHBOUR_LIST (rali_neighbour_list_get_type ())
G_DECLARE_FINAL_TYPE (RaliNeighbourList, rali_neighbour_list, RALI, NEIGHBOUR_LIST, GtkWidget)

/* where the similar photos and their thumbnails come from (referenced) */
void rali_neighbour_list_set_source (RaliNeighbourList *self, RaliSimilarPhotos *similar, RaliThumbnailCache *cache);

/* lists the photos similar to item (NULL: none), off the main thread;
 * "found" is emitted at once (none yet) and when they are found */
void             rali_neighbour_list_show (RaliNeighbourList *self, RaliGalleryItem *item);
RaliGalleryItem *rali_neighbour_list_get_query (RaliNeighbourList *self);
/* RaliSimilarPhoto*, most similar first; NULL while searching or after an error */
GPtrArray       *rali_neighbour_list_get_found (RaliNeighbourList *self);
gboolean         rali_neighbour_list_is_busy (RaliNeighbourList *self);

/* the rows shown (for the test driver) */
guint            rali_neighbour_list_get_n_rows (RaliNeighbourList *self);
RaliGalleryItem *rali_neighbour_list_get_row_item (RaliNeighbourList *self, guint row, float *similarity);
void             rali_neighbour_list_activate_row (RaliNeighbourList *self, guint row);

G_END_DECLS
