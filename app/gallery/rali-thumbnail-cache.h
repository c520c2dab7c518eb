/* RaliThumbnailCache: decodes thumbnails off the main thread (DCT-scaled
 * JPEG decode through rali_image_load) and keeps the most recently used
 * ones as textures. */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

#define RALI_TYPE_THUMBNAIL_CACHE (rali_thumbnail_cache_get_type ())
G_DECLARE_FINAL_TYPE (RaliThumbnailCache, rali_thumbnail_cache, RALI, THUMBNAIL_CACHE, GObject)

RaliThumbnailCache *rali_thumbnail_cache_new (guint capacity);

/* A cached texture that fits a width x height box, or NULL (no reference given). */
GdkTexture *rali_thumbnail_cache_lookup (RaliThumbnailCache *self, const char *path, int width, int height);

/* Decodes path to fit a width x height box (never upscaled) and caches it.
 * Loads run on a small pool, most recent request first. */
void        rali_thumbnail_cache_load_async  (RaliThumbnailCache *self, const char *path,
                                              int width, int height,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);
GdkTexture *rali_thumbnail_cache_load_finish (RaliThumbnailCache *self, GAsyncResult *result,
                                              GError **error);

/* Full-resolution decode for the detail view (not cached). */
void        rali_image_texture_load_async  (const char *path, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GdkTexture *rali_image_texture_load_finish (GAsyncResult *result, GError **error);

guint       rali_thumbnail_cache_get_n_decoded (RaliThumbnailCache *self);

G_END_DECLS
