/* RaliTiledImage: see rali-tiled-image.h. */
#include "rali-tiled-image.h"

#include "rali.h"

#include <string.h>

/* where GDK_MEMORY_DEFAULT (Cairo's ARGB32 as a 32-bit word) keeps alpha in
 * a pixel's 4 bytes */
#define ALPHA_BYTE (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 3 : 0)

struct _RaliTiledImage {
  int width, height;
  int cols, rows;
  GBytes *pixels;     /* [height, width, 4] in GDK_MEMORY_DEFAULT */
  GdkTexture **tiles; /* [rows * cols], each over a slice of pixels */
};

static void
tiled_image_clear (gpointer data)
{
  RaliTiledImage *self = data;
  for (int i = 0; self->tiles && i < self->cols * self->rows; i++)
    g_clear_object (&self->tiles[i]);
  g_free (self->tiles);
  g_bytes_unref (self->pixels);
}

RaliTiledImage *
rali_tiled_image_ref (RaliTiledImage *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
rali_tiled_image_unref (RaliTiledImage *self)
{
  g_atomic_rc_box_release_full (self, tiled_image_clear);
}

int
rali_tiled_image_get_width (const RaliTiledImage *self)
{
  return self->width;
}

int
rali_tiled_image_get_height (const RaliTiledImage *self)
{
  return self->height;
}

/* the tiles of bgra [h, w, 4] (GDK_MEMORY_DEFAULT: Cairo's ARGB32 in
 * memory), which it takes: every tile is a texture over its own rows of the
 * one buffer, with the buffer's stride, so nothing is copied */
static RaliTiledImage *
tiled_image_take (guint8 *bgra, int w, int h)
{
  gsize stride = (gsize) w * 4;
  GBytes *bytes = g_bytes_new_take (bgra, stride * h);
  RaliTiledImage *self = g_atomic_rc_box_new0 (RaliTiledImage);
  self->pixels = bytes;
  self->width = w;
  self->height = h;
  self->cols = (w + RALI_TILE_SIDE - 1) / RALI_TILE_SIDE;
  self->rows = (h + RALI_TILE_SIDE - 1) / RALI_TILE_SIDE;
  self->tiles = g_new0 (GdkTexture *, (gsize) self->cols * self->rows);
  for (int ty = 0; ty < self->rows; ty++)
    for (int tx = 0; tx < self->cols; tx++)
      {
        int x = tx * RALI_TILE_SIDE, y = ty * RALI_TILE_SIDE;
        int tw = MIN (RALI_TILE_SIDE, w - x), th = MIN (RALI_TILE_SIDE, h - y);
        gsize offset = (gsize) y * stride + (gsize) x * 4;
        g_autoptr (GBytes) slice = g_bytes_new_from_bytes (bytes, offset, (gsize) (th - 1) * stride + (gsize) tw * 4);
        self->tiles[ty * self->cols + tx] = gdk_memory_texture_new (tw, th, GDK_MEMORY_DEFAULT, slice, stride);
      }
  return self;
}

RaliTiledImage *
rali_tiled_image_new_from_texture (GdkTexture *texture, GCancellable *cancellable, GError **error)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  guint8 *bgra = w > 0 && h > 0 ? g_try_malloc ((gsize) w * h * 4) : NULL;
  if (!bgra)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no memory for the tiles of a %d x %d image", w, h);
      return NULL;
    }
  gdk_texture_download (texture, bgra, (gsize) w * 4);
  return tiled_image_take (bgra, w, h);
}

RaliTiledImage *
rali_tiled_image_new_scaled (const RaliTiledImage *src, int width, int height, GCancellable *cancellable,
                             GError **error)
{
  int w = src->width, h = src->height;
  if (width <= 0 || height <= 0 || width > w || height > h)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "cannot shrink a %d x %d image to %d x %d", w, h,
                   width, height);
      return NULL;
    }
  /* the engine's resampler, four bytes a pixel, after a check that every
   * pixel is opaque (premultiplied colour would be weighed wrongly) */
  g_autofree guint8 *out = g_try_malloc ((gsize) width * height * 4);
  if (!out)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no memory to shrink a %d x %d image", w, h);
      return NULL;
    }
  const guint8 *pixels = g_bytes_get_data (src->pixels, NULL);
  for (int y = 0; y < h; y++)
    {
      if ((y & 255) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      const guint8 *row = pixels + (gsize) y * w * 4;
      for (int x = 0; x < w; x++)
        if (row[(gsize) x * 4 + ALPHA_BYTE] != 255)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the image has transparent pixels");
            return NULL;
          }
    }
  rali_resize_bicubic_4x8 (out, width, height, pixels, w, h);
  /* the bicubic's fixed-point weights need not sum to exactly one */
  for (gsize i = 0; i < (gsize) width * height; i++)
    out[4 * i + ALPHA_BYTE] = 255;
  return tiled_image_take (g_steal_pointer (&out), width, height);
}

void
rali_tiled_image_snapshot (const RaliTiledImage *self, GtkSnapshot *snapshot, const graphene_rect_t *dest,
                           const graphene_rect_t *visible)
{
  double sx = dest->size.width / self->width, sy = dest->size.height / self->height;
  for (int ty = 0; ty < self->rows; ty++)
    for (int tx = 0; tx < self->cols; tx++)
      {
        int x = tx * RALI_TILE_SIDE, y = ty * RALI_TILE_SIDE;
        int tw = MIN (RALI_TILE_SIDE, self->width - x), th = MIN (RALI_TILE_SIDE, self->height - y);
        graphene_rect_t r = GRAPHENE_RECT_INIT ((float) (dest->origin.x + x * sx), (float) (dest->origin.y + y * sy),
                                                (float) (tw * sx), (float) (th * sy));
        if (graphene_rect_intersection (&r, visible, NULL))
          gtk_snapshot_append_texture (snapshot, self->tiles[ty * self->cols + tx], &r);
      }
}

/* ---- off the main thread ---- */

typedef struct {
  GdkTexture *texture;
  RaliTiledImage *from;
  int width, height;
} Request;

typedef struct {
  RaliTiledImage *full, *scaled;
} Prepared;

static void
request_free (Request *q)
{
  g_clear_object (&q->texture);
  g_clear_pointer (&q->from, rali_tiled_image_unref);
  g_free (q);
}

static void
prepared_free (Prepared *p)
{
  g_clear_pointer (&p->full, rali_tiled_image_unref);
  g_clear_pointer (&p->scaled, rali_tiled_image_unref);
  g_free (p);
}

static void
prepare_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  Request *q = data;
  GError *error = NULL;
  g_autoptr (RaliTiledImage) full = q->from ? rali_tiled_image_ref (q->from)
                                            : rali_tiled_image_new_from_texture (q->texture, cancellable, &error);
  if (!full)
    {
      g_task_return_error (task, error);
      return;
    }
  RaliTiledImage *scaled = NULL;
  if (q->width > 0)
    {
      scaled = rali_tiled_image_new_scaled (full, q->width, q->height, cancellable, &error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, error);
          return;
        }
      /* otherwise the view draws the tiles themselves, shrunk by GTK */
      g_clear_error (&error);
    }
  Prepared *p = g_new0 (Prepared, 1);
  p->full = g_steal_pointer (&full);
  p->scaled = scaled;
  g_task_return_pointer (task, p, (GDestroyNotify) prepared_free);
}

void
rali_tiled_image_prepare_async (GdkTexture *texture, RaliTiledImage *from, int width, int height,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Request *q = g_new0 (Request, 1);
  q->texture = g_object_ref (texture);
  q->from = from ? rali_tiled_image_ref (from) : NULL;
  q->width = width;
  q->height = height;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_tiled_image_prepare_async);
  g_task_set_task_data (task, q, (GDestroyNotify) request_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, prepare_thread);
}

RaliTiledImage *
rali_tiled_image_prepare_finish (GAsyncResult *result, RaliTiledImage **scaled, GError **error)
{
  Prepared *p = g_task_propagate_pointer (G_TASK (result), error);
  *scaled = NULL;
  if (!p)
    return NULL;
  RaliTiledImage *full = g_steal_pointer (&p->full);
  *scaled = g_steal_pointer (&p->scaled);
  prepared_free (p);
  return full;
}
