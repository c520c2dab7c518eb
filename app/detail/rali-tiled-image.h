/* RaliTiledImage: the pixels an image view draws, made off the main thread.
 *
 * GTK 4.8's Cairo renderer (software rendering: Xvfb, VMs, remote
 * desktops) converts a whole texture to Cairo's pixel format on every frame
 * that draws it, and shrinks it with a convolution filter: a 24-megapixel
 * photo fitted to the window cost ~250 ms of the main thread per frame.  So
 * an image is held as tiles of at most RALI_TILE_SIDE² pixels in Cairo's
 * native format (premultiplied B, G, R, A), each a GdkTexture over one
 * shared buffer, and a frame touches only the tiles it shows; and for a
 * fitted or zoomed-out view, the image view draws a copy resampled once to
 * the device pixels it covers (antialiased bicubic), one pixel per pixel.
 * Under the GL renderer the tiles are uploaded once each and the copy is
 * sharper than the GPU's unfiltered shrink. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RALI_TILE_SIDE 512

typedef struct _RaliTiledImage RaliTiledImage;

/* the texture's pixels as tiles (a copy); NULL with why when its pixels do
 * not fit in memory.  Thread-safe on an immutable (memory) texture. */
RaliTiledImage *rali_tiled_image_new_from_texture (GdkTexture *texture, GCancellable *cancellable, GError **error);
/* src resampled to width x height; NULL with why (cancelled, out of memory,
 * or an image with transparency, which the resampler does not weigh) */
RaliTiledImage *rali_tiled_image_new_scaled (const RaliTiledImage *src, int width, int height,
                                             GCancellable *cancellable, GError **error);
RaliTiledImage *rali_tiled_image_ref (RaliTiledImage *self);
void            rali_tiled_image_unref (RaliTiledImage *self);
int             rali_tiled_image_get_width (const RaliTiledImage *self);
int             rali_tiled_image_get_height (const RaliTiledImage *self);
/* the image drawn into dest (view coordinates), only the tiles that meet
 * visible */
void            rali_tiled_image_snapshot (const RaliTiledImage *self, GtkSnapshot *snapshot,
                                           const graphene_rect_t *dest, const graphene_rect_t *visible);

/* Off the main thread: the texture's tiles and, when width > 0, the copy
 * resampled to width x height (from is the tiles when the caller has them
 * already, else NULL).  finish gives the tiles (a new reference) and the
 * copy in *scaled (NULL where none was asked for or it could not be made). */
void            rali_tiled_image_prepare_async (GdkTexture *texture, RaliTiledImage *from, int width, int height,
                                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                                gpointer user_data);
RaliTiledImage *rali_tiled_image_prepare_finish (GAsyncResult *result, RaliTiledImage **scaled, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliTiledImage, rali_tiled_image_unref)

G_END_DECLS
