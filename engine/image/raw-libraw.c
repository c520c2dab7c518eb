/* The LibRaw half of camera raw previews (see raw-libraw.h): LibRaw opens
 * the file's bytes and the embedded preview comes out as JPEG bytes or an
 * RGB8 bitmap.  LibRaw 0.20 is not memory-safe on hostile files, so this
 * runs in rali-raw-preview (raw-preview-helper.c), a process of its own,
 * for the product; the fuzz target calls it in-process.  Nothing here
 * decodes a JPEG: the parent does (raw.c), with its limits. */
#include "raw-libraw.h"

#include <libraw/libraw.h>
#include <string.h>

static gboolean
from_bitmap (RaliRawPreview *out, guint width, guint height, int colors, int bits, const guint8 *data,
             guint64 data_size, const char *name, guint64 max_pixels, GError **error)
{
  if ((colors != 1 && colors != 3) || (bits != 8 && bits != 16) || width == 0 || height == 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: embedded preview of an unknown layout "
                   "(%d colours, %d bits)", name, colors, bits);
      return FALSE;
    }
  guint64 n = (guint64) width * height;
  if (n > (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS) || data_size < n * colors * (bits / 8))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: embedded preview too large or cut short", name);
      return FALSE;
    }
  out->width = width;
  out->height = height;
  out->rgb = g_malloc (n * 3);
  for (guint64 i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      {
        guint64 k = i * colors + (colors == 3 ? c : 0);
        out->rgb[i * 3 + c] = bits == 8 ? data[k] : (guint8) (((const guint16 *) data)[k] >> 8);
      }
  return TRUE;
}

/* LibRaw 0.20's unpack_thumb (src/decoders/unpack_thumb.cpp) writes past
 * its heap buffers on three shapes of preview (all fixed upstream, in 0.21
 * and 0.22), and the Debian library cannot be changed:
 *  - "layer" (a preview IFD without a Compression tag): it allocates
 *    colours x twidth x theight bytes and reads colours x tlength into
 *    them, an overflow whenever tlength > twidth x theight;
 *  - "ppm" (an uncompressed 8-bit preview) in strips: it adds the strip
 *    byte counts in 32 bits and reads each strip, taken as a signed int,
 *    into the sum, an overflow when the counts wrap or one is >= 2^31;
 *  - "kodak" (a Kodak-compressed or uncompressed 9- to 32-bit preview):
 *    it decodes twidth x theight pixels (each rounded up to even) into an
 *    image allocated for the raw's iwidth x iheight.
 * Which loader LibRaw picked, the preview's offset and its strip counts
 * are private.  What the public API shows is enough to tell when none can
 * happen: tlength <= twidth x theight, a preview no larger than the image,
 * and no StripByteCounts of 2 to 16383 strips (the only ones LibRaw keeps
 * as a list) among the TIFF entries it parsed, which its EXIF callback
 * reports.  Otherwise the preview is not handed to unpack_thumb at all: it
 * is looked for here, in the file's own TIFF structure (IFD chain and
 * SubIFDs, every read bounded), as the IFD LibRaw reported, and taken only
 * when that IFD says what it is: a JPEG (compression 6 or 7, or
 * JPEGInterchangeFormat, starting FF D8) or plain 8-bit RGB (compression 1,
 * strips of width x height x 3 bytes in all: the uncompressed thumbnails
 * of phone DNGs, whose tlength is legitimately 3 x twidth x theight).
 * Anything else of those shapes is refused. */
static void
note_entry (void *striped, int tag, int type, int count, unsigned int order, void *stream, INT64 base)
{
  (void) type;
  (void) order;
  (void) stream;
  (void) base;
  if ((tag & 0xffff) == 279 && count > 1 && count < 16384)
    *(gboolean *) striped = TRUE;
}

typedef struct
{
  const guint8 *d;
  gsize n;
  gboolean be;
} Tiff;

/* a 2- or 4-byte value at off, 0 past the end */
static guint32
tiff_get (const Tiff *t, guint64 off, int bytes)
{
  if (off > t->n || t->n - off < (guint64) bytes)
    return 0;
  guint32 v = 0;
  for (int i = 0; i < bytes; i++)
    v = v << 8 | t->d[off + (t->be ? i : bytes - 1 - i)];
  return v;
}

typedef struct
{
  guint64 at; /* where the values are */
  guint32 count, size;
} TiffArray;

static guint32
array_get (const Tiff *t, const TiffArray *a, guint32 i)
{
  return tiff_get (t, a->at + (guint64) i * a->size, a->size);
}

typedef struct
{
  guint32 width, height, comp, bps, samples, planar, phint, jpeg_off, jpeg_len;
  TiffArray strip_offs, strip_lens;
} TiffIfd;

enum { NO_PREVIEW, JPEG_PREVIEW, RGB_PREVIEW };

/* Is IFD f the preview LibRaw reported: a JPEG of tlength bytes
 * (JPEGInterchangeFormat, or the first strip of a compression 6 or 7 IFD),
 * or an 8-bit RGB bitmap of LibRaw's width and height whose first strip is
 * tlength bytes?  *off: where a JPEG is. */
static int
preview_kind (const Tiff *t, const TiffIfd *f, guint32 width, guint32 height, guint32 length, guint32 *off)
{
  if (length < 2 || f->phint == 32803 || f->phint == 34892)
    return NO_PREVIEW; /* a raw (CFA, linear) image */
  const TiffArray *so = &f->strip_offs, *sl = &f->strip_lens;
  gboolean strips = so->count >= 1 && so->count == sl->count && array_get (t, sl, 0) == length
                    && so->at + (guint64) so->count * so->size <= t->n
                    && sl->at + (guint64) sl->count * sl->size <= t->n;
  const guint32 jpeg[2] = { f->jpeg_len == length ? f->jpeg_off : 0,
                            strips && (f->comp == 6 || f->comp == 7) ? array_get (t, so, 0) : 0 };
  for (int k = 0; k < 2; k++)
    if (jpeg[k] >= 8 && jpeg[k] <= t->n && t->n - jpeg[k] >= length && t->d[jpeg[k]] == 0xff
        && t->d[jpeg[k] + 1] == 0xd8)
      {
        *off = jpeg[k];
        return JPEG_PREVIEW;
      }
  /* a JPEG's size is its own (LibRaw may have taken it from the JPEG); a
   * bitmap's is the IFD's */
  if (!strips || f->width != width || f->height != height || f->comp != 1 || f->bps != 8 || f->samples != 3
      || f->planar == 2)
    return NO_PREVIEW;
  guint64 total = 0;
  for (guint32 i = 0; i < so->count; i++)
    {
      guint32 o = array_get (t, so, i), l = array_get (t, sl, i);
      total += l;
      if (o < 8 || o > t->n || t->n - o < l || total > (guint64) width * height * 3)
        return NO_PREVIEW;
    }
  return total == (guint64) width * height * 3 ? RGB_PREVIEW : NO_PREVIEW;
}

/* The IFD (of the chain from IFD0 and the SubIFDs) holding the preview
 * LibRaw reported, in *f; NO_PREVIEW when there is none. */
static int
find_preview (const Tiff *t, guint32 width, guint32 height, guint32 length, TiffIfd *f, guint32 *off)
{
  static const guint8 type_size[14] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4 };
  guint32 todo[64];
  int ntodo = 0, visits = 0; /* a cycle of IFDs just uses up the visits */
  todo[ntodo++] = tiff_get (t, 4, 4);
  while (ntodo > 0 && visits++ < 64)
    {
      guint32 at = todo[--ntodo], n = tiff_get (t, at, 2);
      if (at < 8 || n == 0 || (guint64) at + 2 + 12 * (guint64) n + 4 > t->n)
        continue;
      *f = (TiffIfd) { 0 };
      for (guint32 i = 0; i < n; i++)
        {
          guint64 e = (guint64) at + 2 + 12 * (guint64) i;
          guint32 tag = tiff_get (t, e, 2), type = tiff_get (t, e + 2, 2), count = tiff_get (t, e + 4, 4);
          guint64 size = (guint64) count * (type < 14 ? type_size[type] : 1);
          TiffArray values = { size > 4 ? tiff_get (t, e + 8, 4) : e + 8, count, type == 3 || type == 8 ? 2 : 4 };
          guint32 v = array_get (t, &values, 0);
          switch (tag) /* the last of a repeated tag counts, as in LibRaw */
            {
            case 256: f->width = v; break;
            case 257: f->height = v; break;
            case 258: f->bps = v; f->samples = count & 7; break;
            case 259: f->comp = v; break;
            case 262: f->phint = v; break;
            case 273: f->strip_offs = values; break;
            case 277: f->samples = v & 7; break;
            case 279: f->strip_lens = values; break;
            case 284: f->planar = v; break;
            case 513: f->jpeg_off = v; break;
            case 514: f->jpeg_len = v; break;
            case 330:
              for (guint32 k = 0; k < count && k < 16 && ntodo < (int) G_N_ELEMENTS (todo); k++)
                todo[ntodo++] = tiff_get (t, values.at + 4 * (guint64) k, 4);
              break;
            }
        }
      if (ntodo < (int) G_N_ELEMENTS (todo))
        todo[ntodo++] = tiff_get (t, (guint64) at + 2 + 12 * (guint64) n, 4);
      int kind = preview_kind (t, f, width, height, length, off);
      if (kind != NO_PREVIEW)
        return kind;
    }
  return NO_PREVIEW;
}

/* a preview LibRaw 0.20 might overflow on (see above); striped: only
 * because the file has striped images (else its shape is wrong) */
static gboolean
own_preview (RaliRawPreview *out, const guint8 *data, gsize size, const libraw_data_t *lr, gboolean striped,
             const char *name, guint64 max_pixels, GError **error)
{
  const libraw_thumbnail_t *th = &lr->thumbnail;
  Tiff t = { data, size, size >= 8 && data[0] == 'M' && data[1] == 'M' };
  TiffIfd f;
  guint32 off = 0;
  int kind = size >= 8 && ((data[0] == 'I' && data[1] == 'I') || t.be)
               ? find_preview (&t, th->twidth, th->theight, th->tlength, &f, &off) : NO_PREVIEW;
  if (kind == NO_PREVIEW && !striped)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: embedded preview is inconsistent: %u bytes "
                 "for a %ux%u preview of a %ux%u image, and no JPEG or RGB preview of that size in the file",
                 name, th->tlength, th->twidth, th->theight, lr->sizes.iwidth, lr->sizes.iheight);
  else if (kind == NO_PREVIEW)
    g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "%s: embedded preview (%ux%u, %u bytes) not "
                 "found as a JPEG or RGB preview in the file, and not unpacked by LibRaw in a file with "
                 "striped images, which LibRaw 0.20 reads unsafely", name, th->twidth, th->theight,
                 th->tlength);
  if (kind == NO_PREVIEW)
    return FALSE;
  if (kind == JPEG_PREVIEW)
    {
      out->jpeg = g_memdup2 (data + off, th->tlength);
      out->jpeg_size = th->tlength;
      return TRUE;
    }
  guint64 n = (guint64) th->twidth * th->theight;
  if (n > (max_pixels ? max_pixels : RALI_DEFAULT_MAX_PIXELS))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "%s: embedded preview too large", name);
      return FALSE;
    }
  guint8 *rgb = g_malloc (n * 3), *p = rgb; /* the strips, checked by preview_kind: n * 3 bytes in all */
  for (guint32 i = 0; i < f.strip_offs.count; i++)
    {
      guint32 l = array_get (&t, &f.strip_lens, i);
      memcpy (p, data + array_get (&t, &f.strip_offs, i), l);
      p += l;
    }
  gboolean ok = from_bitmap (out, th->twidth, th->theight, 3, 8, rgb, n * 3, name, max_pixels, error);
  g_free (rgb);
  return ok;
}

gboolean
rali_raw_extract (RaliRawPreview *out, const guint8 *data, gsize size, const char *name, guint64 max_pixels,
                  GError **error)
{
  *out = (RaliRawPreview) { 0 };
  libraw_data_t *lr = libraw_init (0);
  if (!lr)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: LibRaw could not start", name);
      return FALSE;
    }
  gboolean ok = FALSE;
  libraw_processed_image_t *thumb = NULL;
  gboolean striped = FALSE, bad_shape = FALSE;
  libraw_set_exifparser_handler (lr, note_entry, &striped);
  int rc = libraw_open_buffer (lr, (void *) data, size);
  if (rc == LIBRAW_SUCCESS)
    {
      guint64 w = lr->thumbnail.twidth, h = lr->thumbnail.theight;
      bad_shape = (w && h && lr->thumbnail.tlength > w * h) /* layer */
                  || (guint64) lr->sizes.iwidth * lr->sizes.iheight < ((w + 1) & ~1) * ((h + 1) & ~1); /* kodak */
      striped = striped && lr->thumbnail.tlength; /* a ppm of tlength 0 is read whole */
    }
  if (rc != LIBRAW_SUCCESS)
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: not a camera raw file LibRaw reads: %s", name,
                 libraw_strerror (rc));
  else if (bad_shape || striped)
    ok = own_preview (out, data, size, lr, !bad_shape, name, max_pixels, error);
  else if ((rc = libraw_unpack_thumb (lr)) != LIBRAW_SUCCESS)
    g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                 "%s: this raw file has no embedded preview (%s); RAW files are shown and scored "
                 "from the camera's preview only", name, libraw_strerror (rc));
  else if (!(thumb = libraw_dcraw_make_mem_thumb (lr, &rc)))
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: the embedded preview cannot be read: %s", name,
                 libraw_strerror (rc));
  else if (thumb->type == LIBRAW_IMAGE_JPEG)
    {
      out->jpeg = g_memdup2 (thumb->data, thumb->data_size);
      out->jpeg_size = thumb->data_size;
      ok = TRUE;
    }
  else
    ok = from_bitmap (out, thumb->width, thumb->height, thumb->colors, thumb->bits, thumb->data, thumb->data_size,
                      name, max_pixels, error);
  if (ok)
    out->flip = lr->sizes.flip;
  else
    rali_raw_preview_clear (out);
  if (thumb)
    libraw_dcraw_clear_mem (thumb);
  libraw_close (lr);
  return ok;
}
