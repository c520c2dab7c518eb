/* RaliSimilarPhotos: "Similar photos", the k nearest neighbours of a
 * photo in embedding space among the scored photos of a list (the unit
 * embeddings the scorer keeps; the photos of one model: the first scored
 * photo's dimension), by cosine similarity.
 *
 * The index (engine/library/neighbours.h) is made off the main thread on
 * the first query after the photos or their scores changed: the exact
 * search at once (a copy of the embeddings), and from
 * RALI_NEIGHBOURS_HNSW_MIN photos (or the environment's
 * RALI_SIMILAR_HNSW_MIN, for tests) an HNSW graph in the background, which
 * takes over the queries when it is ready ("exact" turns FALSE).  Queries
 * run on a worker thread too; the main thread only collects the
 * embeddings' references.
 *
 * Not a widget: the map view owns one (rali_map_view_get_similar_photos)
 * for its neighbour list, and any other view (the detail view's "Similar
 * photos") can ask the same one. */
#pragma once

#include <gio/gio.h>

#include "gallery/rali-gallery-item.h"

G_BEGIN_DECLS

#define RALI_TYPE_SIMILAR_PHOTOS (rali_similar_photos_get_type ())
G_DECLARE_FINAL_TYPE (RaliSimilarPhotos, rali_similar_photos, RALI, SIMILAR_PHOTOS, GObject)

/* follows items (RaliGalleryItem): items-changed makes the index stale */
RaliSimilarPhotos *rali_similar_photos_new (GListModel *items);

/* scores or embeddings changed (the scorer finished): the index is remade
 * on the next query */
void rali_similar_photos_invalidate (RaliSimilarPhotos *self);

typedef struct {
  RaliGalleryItem *item; /* a reference */
  float similarity;      /* cosine, −1..1 */
} RaliSimilarPhoto;

/* the k photos most like item, most similar first, item itself left out.
 * Fails with G_IO_ERROR_NOT_FOUND when item has no embedding (not scored,
 * or another model's), G_IO_ERROR_CANCELLED when cancelled. */
void       rali_similar_photos_find_async  (RaliSimilarPhotos *self, RaliGalleryItem *item, int k,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
/* a GPtrArray of RaliSimilarPhoto* (freed with the array) */
GPtrArray *rali_similar_photos_find_finish (RaliSimilarPhotos *self, GAsyncResult *result, GError **error);

/* the index that answers now: photos in it (0 before the first query),
 * and whether it is the exact search (TRUE) or the HNSW graph; properties
 * "n-photos" and "exact" notify when they change */
int      rali_similar_photos_get_n_photos (RaliSimilarPhotos *self);
gboolean rali_similar_photos_get_exact    (RaliSimilarPhotos *self);

/* for tests: TRUE while the index is being made or the HNSW graph built */
gboolean rali_similar_photos_is_busy (RaliSimilarPhotos *self);

G_END_DECLS
