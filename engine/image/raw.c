/* RAW previews (see raw.h): LibRaw opens the file's bytes, unpacks the
 * largest embedded thumbnail and hands it over in memory; a JPEG goes
 * through the ordinary JPEG decoder (rali_image_load_from_data: DCT
 * scaling, limits), a bitmap is copied. */
#include "raw.h"

#include <string.h>
#ifdef RALI_HAVE_LIBRAW
#include <libraw/libraw.h>
#endif

static const char *const raw_exts[] = { ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".dng" };

gboolean
rali_is_raw_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  for (gsize i = 0; dot && i < G_N_ELEMENTS (raw_exts); i++)
    if (g_ascii_strcasecmp (dot, raw_exts[i]) == 0)
      return TRUE;
  return FALSE;
}

#ifdef RALI_HAVE_LIBRAW
/* LibRaw's flip: 0 none, 3 180°, 5 90° counter-clockwise, 6 90° clockwise */
static void
rotate (RaliImage *img, int flip)
{
  if (flip != 3 && flip != 5 && flip != 6)
    return;
  int W = img->width, H = img->height;
  int w = flip == 3 ? W : H, h = flip == 3 ? H : W;
  guint8 *dst = g_malloc ((gsize) W * H * 3);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        int dx, dy;
        if (flip == 3)
          dx = W - 1 - x, dy = H - 1 - y;
        else if (flip == 6)
          dx = H - 1 - y, dy = x;
        else
          dx = y, dy = W - 1 - x;
        memcpy (dst + ((gsize) dy * w + dx) * 3, img->rgb + ((gsize) y * W + x) * 3, 3);
      }
  g_free (img->rgb);
  img->rgb = dst;
  img->width = w;
  img->height = h;
}

static gboolean
from_bitmap (RaliImage *out, const libraw_processed_image_t *t, const char *name, guint64 max_pixels,
             GError **error)
{
  if ((t->colors != 1 && t->colors != 3) || (t->bits != 8 && t->bits != 16) || t->width == 0 || t->height == 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: embedded preview of an unknown layout "
                   "(%d colours, %d bits)", name, t->colors, t->bits);
      return FALSE;
    }
  guint64 n = (guint64) t->width * t->height;
  if (n > (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS)
      || t->data_size < n * t->colors * (t->bits / 8))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: embedded preview too large or cut short", name);
      return FALSE;
    }
  out->width = t->width;
  out->height = t->height;
  out->rgb = g_malloc (n * 3);
  for (guint64 i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      {
        guint64 k = i * t->colors + (t->colors == 3 ? c : 0);
        out->rgb[i * 3 + c] = t->bits == 8 ? t->data[k] : (guint8) (((const guint16 *) t->data)[k] >> 8);
      }
  return TRUE;
}
#endif

gboolean
rali_raw_load_preview (RaliImage *out, const guint8 *data, gsize size, const char *name, int min_short_side,
                       guint64 max_pixels, GError **error)
{
  *out = (RaliImage) { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
#ifdef RALI_HAVE_LIBRAW
  libraw_data_t *lr = libraw_init (0);
  if (!lr)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: LibRaw could not start", name);
      return FALSE;
    }
  gboolean ok = FALSE;
  libraw_processed_image_t *thumb = NULL;
  int rc = libraw_open_buffer (lr, (void *) data, size);
  if (rc != LIBRAW_SUCCESS)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: not a camera raw file LibRaw reads: %s", name,
                 libraw_strerror (rc));
  else if ((rc = libraw_unpack_thumb (lr)) != LIBRAW_SUCCESS)
    g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                 "%s: this raw file has no embedded preview (%s); RAW files are shown and scored "
                 "from the camera's preview only", name, libraw_strerror (rc));
  else if (!(thumb = libraw_dcraw_make_mem_thumb (lr, &rc)))
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: the embedded preview cannot be read: %s", name,
                 libraw_strerror (rc));
  else if (thumb->type == LIBRAW_IMAGE_JPEG)
    ok = rali_image_load_from_data (out, thumb->data, thumb->data_size, name, min_short_side, max_pixels, error);
  else
    ok = from_bitmap (out, thumb, name, max_pixels, error);
  /* the preview JPEG's own EXIF orientation, when it has one, was applied */
  if (ok && out->orientation == 1)
    rotate (out, lr->sizes.flip);
  if (thumb)
    libraw_dcraw_clear_mem (thumb);
  libraw_close (lr);
  return ok;
#else
  (void) data;
  (void) size;
  (void) min_short_side;
  (void) max_pixels;
  g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: camera raw files need LibRaw, which this build "
               "was made without", name);
  return FALSE;
#endif
}
