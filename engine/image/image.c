/* Image decoding: JPEG (TurboJPEG, with DCT-domain downscaling) and PNG
 * (libpng), EXIF orientation (gexiv2), to packed RGB8.
 *
 * The reference pipeline is PIL's `ImageOps.exif_transpose(Image.open(p))
 * .convert("RGB")`; every conversion below is chosen to give PIL's bytes:
 *  - JPEG: libjpeg-turbo's default accurate integer IDCT and fancy
 *    upsampling, the same library and settings as Debian's PIL;
 *  - CMYK/YCCK JPEG: PIL always assumes Adobe polarity (stored values are
 *    inverted) and converts CMYK->RGB as nk - nk*C/255 with nk = 255 - K;
 *  - PNG: alpha (an alpha channel or tRNS) is dropped, not composited:
 *    PIL's RGBA->RGB and LA->RGB conversions drop it; 16-bit samples keep
 *    their high byte (PIL's RGB;16B unpacker); palette and low-depth grey
 *    expand to the values PIL uses.
 * Input is hostile: every size is checked before anything is allocated or
 * decompressed, and failures come back as GErrors naming the file. */
#include "rali.h"
#include "jpeg-eighth.h"
#include "raw.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gexiv2/gexiv2.h>
#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

/* Files bigger than this are refused before reading: no JPEG or PNG this
 * engine can decode within the pixel limit needs more. */
#define RALI_MAX_FILE_SIZE ((guint64) 1 << 30)

void
rali_image_clear (RaliImage *img)
{
  if (img == NULL)
    return;
  g_clear_pointer (&img->rgb, g_free);
  img->width = img->height = 0;
  img->dct_scale_num = img->dct_scale_denom = 1;
  img->orientation = 1;
}

static gboolean
check_pixel_limit (const char *name, guint64 w, guint64 h, guint64 max_pixels, GError **error)
{
  if (max_pixels == 0)
    max_pixels = RALI_DEFAULT_MAX_PIXELS;
  if (w * h > max_pixels) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                 "%s: image is %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
                 " pixels), over the limit of %" G_GUINT64_FORMAT " pixels",
                 name, w, h, w * h, max_pixels);
    return FALSE;
  }
  return TRUE;
}

/* ---- JPEG ---- */

/* The engine's rule for DCT scaling: the largest power-of-two reduction
 * 1/s (s = 8, 4, 2) with both sides still >= s * min_short_side, i.e.
 * exactly what PIL's JpegImageFile.draft(mode, (m, m)) picks.  TurboJPEG
 * also offers 3/8, 5/8, ... but those cannot be reproduced in Python, and
 * a score must be reproducible by the PyTorch reference
 * (tools/ralifmt.py: open_image_as_engine). */
static tjscalingfactor
pick_jpeg_scale (int w, int h, int min_short_side)
{
  tjscalingfactor none = { 1, 1 };
  if (min_short_side <= 0)
    return none;
  int ratio = MIN (w / min_short_side, h / min_short_side);
  for (int s = 8; s >= 2; s /= 2)
    if (ratio >= s)
      return (tjscalingfactor) { 1, s };
  return none;
}

/* TurboJPEG keeps only the first libjpeg warning's text, so "Premature end
 * of JPEG file" can hide behind an earlier harmless warning.  Truncated data
 * also has no EOI marker after the last SOS marker (entropy-coded data
 * never contains an unstuffed 0xFF 0xD9 or 0xFF 0xDA), which catches that. */
static gboolean
jpeg_has_eoi_after_last_sos (const guint8 *data, gsize size)
{
  gsize sos = 0;
  for (gsize i = size; i >= 2; i--) {
    if (data[i - 2] == 0xFF && data[i - 1] == 0xDA) {
      sos = i;
      break;
    }
  }
  for (gsize i = sos; i + 1 < size; i++)
    if (data[i] == 0xFF && data[i + 1] == 0xD9)
      return TRUE;
  return FALSE;
}

/* PIL's cmyk2rgb on PIL's (inverted, Adobe-convention) CMYK values.
 * TurboJPEG gives the stored values s; PIL's are 255 - s, so nk = s_k and
 * R = s_k - round(s_k * (255 - s_c) / 255) with PIL's MULDIV255. */
static void
cmyk_to_rgb_like_pil (guint8 *rgb, const guint8 *cmyk, gsize n_pixels)
{
  for (gsize i = 0; i < n_pixels; i++) {
    int nk = cmyk[4 * i + 3];
    for (int c = 0; c < 3; c++) {
      int t = (255 - cmyk[4 * i + c]) * nk + 128;
      int v = nk - (((t >> 8) + t) >> 8);
      rgb[3 * i + c] = (guint8) CLAMP (v, 0, 255);
    }
  }
}

static gboolean
decode_jpeg (RaliImage *out, const guint8 *data, gsize size, const char *name,
             int min_short_side, guint64 max_pixels, GError **error)
{
  tjhandle tj = tjInitDecompress ();
  guint8 *buf = NULL;
  gboolean ok = FALSE, cmyk, eighth;
  int w = 0, h = 0, subsamp = 0, colorspace = 0, sw, sh, pf;
  tjscalingfactor sf;
  gsize n_pixels;

  if (tj == NULL) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: cannot start the JPEG decoder: %s",
                 name, tjGetErrorStr2 (NULL));
    return FALSE;
  }
  /* a warning (extraneous bytes before a marker, ...) also returns -1 but
   * leaves a usable header: PIL accepts such files, so do we */
  if (tjDecompressHeader3 (tj, data, size, &w, &h, &subsamp, &colorspace) != 0 &&
      tjGetErrorCode (tj) == TJERR_FATAL) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: invalid JPEG header: %s",
                 name, tjGetErrorStr2 (tj));
    goto out;
  }
  if (w <= 0 || h <= 0) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE,
                 "%s: invalid JPEG header: no image frame (%dx%d): truncated, or not a photo", name, w, h);
    goto out;
  }
  /* on the unscaled size: libjpeg's memory use follows the full image */
  if (!check_pixel_limit (name, (guint64) w, (guint64) h, max_pixels, error))
    goto out;

  sf = pick_jpeg_scale (w, h, min_short_side);
  sw = TJSCALED (w, sf);
  sh = TJSCALED (h, sf);
  cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  pf = cmyk ? TJPF_CMYK : TJPF_RGB;
  n_pixels = (gsize) sw * (gsize) sh;

  buf = g_try_malloc (n_pixels * (gsize) tjPixelSize[pf]);
  if (buf == NULL) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                 "%s: out of memory for a %dx%d decode", name, sw, sh);
    goto out;
  }
  /* At 1/8 the photos cameras write go to jpeg-eighth.c, which skips the
   * AC codes libjpeg-turbo walks one by one; it declines anything else.
   * Otherwise flags 0: accurate islow IDCT and fancy upsampling, as PIL
   * decodes. */
  eighth = sf.num == 1 && sf.denom == 8 && (colorspace == TJCS_YCbCr || colorspace == TJCS_GRAY) &&
           rali_jpeg_eighth_enabled () && rali_jpeg_decode_eighth (data, size, buf, sw, sh);
  if (!eighth && tjDecompress2 (tj, data, size, buf, sw, 0, sh, pf, 0) != 0) {
    const char *msg = tjGetErrorStr2 (tj);
    if (tjGetErrorCode (tj) == TJERR_FATAL) {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: corrupt JPEG data: %s", name, msg);
      goto out;
    }
    /* A warning.  PIL refuses truncated files ("image file is truncated")
     * but accepts the other libjpeg warnings (extraneous bytes, ...). */
    if (strstr (msg, "Premature end of JPEG file") != NULL ||
        !jpeg_has_eoi_after_last_sos (data, size)) {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: truncated JPEG data", name);
      goto out;
    }
  }

  if (cmyk) {
    guint8 *rgb = g_try_malloc (n_pixels * 3);
    if (rgb == NULL) {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                   "%s: out of memory for a %dx%d decode", name, sw, sh);
      goto out;
    }
    cmyk_to_rgb_like_pil (rgb, buf, n_pixels);
    g_free (buf);
    buf = rgb;
  }
  out->rgb = g_steal_pointer (&buf);
  out->width = sw;
  out->height = sh;
  out->dct_scale_num = sf.num;
  out->dct_scale_denom = sf.denom;
  ok = TRUE;
out:
  g_free (buf);
  tjDestroy (tj);
  return ok;
}

/* ---- PNG ---- */

/* Everything the setjmp'ing function touches lives here, outside its frame,
 * so nothing is indeterminate after libpng longjmps out of an error. */
typedef struct {
  const guint8 *data;
  gsize size, pos;
  const char *name;
  guint64 max_pixels;
  gboolean truncated;
  gboolean too_large; /* error already set by us, not by libpng */
  char message[200];
  guint8 *rgb;
  png_bytep *rows;
  int width, height;
} PngCtx;

static void
png_on_error (png_structp png, png_const_charp msg)
{
  PngCtx *ctx = png_get_error_ptr (png);
  g_strlcpy (ctx->message, msg, sizeof ctx->message);
  png_longjmp (png, 1);
}

static void
png_on_warning (png_structp png, png_const_charp msg)
{
  (void) png;
  (void) msg; /* ancillary-chunk complaints (iCCP, ...): PIL ignores them too */
}

static void
png_read_from_memory (png_structp png, png_bytep dst, png_size_t n)
{
  PngCtx *ctx = png_get_io_ptr (png);
  if (n > ctx->size - ctx->pos) {
    ctx->truncated = TRUE;
    png_error (png, "truncated PNG data");
  }
  memcpy (dst, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

/* Returns FALSE with ctx->message (or ctx->too_large and *error) set. */
static gboolean
png_decode_into (PngCtx *ctx, png_structp png, png_infop info, GError **error)
{
  if (setjmp (png_jmpbuf (png)))
    return FALSE;

  png_set_read_fn (png, ctx, png_read_from_memory);
  /* our pixel limit decides, not libpng's default 1e6 x 1e6 */
  png_set_user_limits (png, 0x7fffffff, 0x7fffffff);
  /* ancillary chunks (text, ICC profiles) are never used, but libpng
   * inflates compressed ones: bound what one may inflate to, and how many
   * are kept */
  png_set_chunk_malloc_max (png, 8 << 20);
  png_set_chunk_cache_max (png, 128);
  /* PIL refuses bad CRCs in the chunks it reads; libpng already errors on
   * critical ones (IHDR, PLTE, IDAT: PIL skips the IDAT check, we do not) */
  png_set_crc_action (png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
  png_read_info (png, info);

  png_uint_32 w = 0, h = 0;
  int depth = 0, colour = 0, interlace = 0;
  png_get_IHDR (png, info, &w, &h, &depth, &colour, &interlace, NULL, NULL);
  if (!check_pixel_limit (ctx->name, w, h, ctx->max_pixels, error)) {
    ctx->too_large = TRUE;
    return FALSE;
  }

  if (colour == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png); /* may add alpha from tRNS: stripped below */
  if (colour == PNG_COLOR_TYPE_GRAY && depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png); /* v * 255 / (2^depth - 1), as PIL */
  /* 16 -> 8 by the high byte, as PIL's ;16B unpackers.  For 16-bit grey PIL
   * opens mode I and convert("RGB") clips the 0..65535 value to 255 (mostly
   * white); we take the high byte instead, the sensible reading. */
  if (depth == 16)
    png_set_strip_16 (png);
  if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb (png);
  /* PIL's convert("RGB") drops alpha (no compositing); tRNS is ignored */
  png_set_strip_alpha (png);
  if (interlace != PNG_INTERLACE_NONE)
    png_set_interlace_handling (png);
  png_read_update_info (png, info);

  if (png_get_channels (png, info) != 3 || png_get_bit_depth (png, info) != 8 ||
      png_get_rowbytes (png, info) != (gsize) w * 3)
    png_error (png, "unexpected pixel layout after conversion");

  ctx->rgb = g_try_malloc ((gsize) w * h * 3);
  ctx->rows = g_try_new (png_bytep, h);
  if (ctx->rgb == NULL || ctx->rows == NULL)
    png_error (png, "out of memory");
  for (png_uint_32 y = 0; y < h; y++)
    ctx->rows[y] = ctx->rgb + (gsize) y * w * 3;
  png_read_image (png, ctx->rows);
  /* no png_read_end: like PIL, what follows the image data is not needed */
  ctx->width = (int) w;
  ctx->height = (int) h;
  return TRUE;
}

/* libpng allocates a chunk's declared length before reading it (a zTXt
 * chunk of 316 bytes declaring 2 GB took 2 GB, found by tools/fuzz/run.sh
 * png; png_set_chunk_malloc_max does not stop it), so the chunk table is
 * walked first: every chunk up to IEND, or to the end of the data, must
 * lie within the data.  Returns NULL or the problem. */
static const char *
png_chunk_table_problem (const guint8 *data, gsize size)
{
  gsize pos = 8;
  while (pos + 8 <= size)
    {
      guint32 length = (guint32) data[pos] << 24 | (guint32) data[pos + 1] << 16 |
                       (guint32) data[pos + 2] << 8 | data[pos + 3];
      if (length > 0x7fffffffu || (guint64) length + 12 > size - pos)
        return "a chunk is longer than the rest of the file";
      if (memcmp (data + pos + 4, "IEND", 4) == 0)
        return NULL;
      pos += (gsize) length + 12;
    }
  return NULL; /* a file cut short between chunks: libpng reports it */
}

static gboolean
decode_png (RaliImage *out, const guint8 *data, gsize size, const char *name,
            guint64 max_pixels, GError **error)
{
  PngCtx ctx = { .data = data, .size = size, .name = name, .max_pixels = max_pixels };
  const char *problem = png_chunk_table_problem (data, size);
  if (problem)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: truncated or corrupt PNG data: %s", name, problem);
      return FALSE;
    }
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  gboolean ok = FALSE;

  if (info == NULL) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: cannot start the PNG decoder", name);
  } else if (png_decode_into (&ctx, png, info, error)) {
    out->rgb = g_steal_pointer (&ctx.rgb);
    out->width = ctx.width;
    out->height = ctx.height;
    ok = TRUE;
  } else if (!ctx.too_large) {
    if (ctx.truncated)
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: truncated PNG data", name);
    else
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: corrupt PNG data: %s", name, ctx.message);
  }
  png_destroy_read_struct (&png, info ? &info : NULL, NULL);
  g_free (ctx.rgb);
  g_free (ctx.rows);
  return ok;
}

/* ---- EXIF orientation ---- */

static gpointer
init_gexiv2 (gpointer unused)
{
  (void) unused;
  gexiv2_initialize ();
  /* broken EXIF is normal in the wild and means "orientation 1" to us;
   * exiv2 would otherwise print a warning for each such file */
  gexiv2_log_set_level (GEXIV2_LOG_LEVEL_MUTE);
  return NULL;
}

/* Exif.Image.Orientation (IFD0 tag 0x0112), 1 when missing or unusable.
 * We read the tag itself rather than gexiv2_metadata_try_get_orientation():
 * that one prefers Minolta maker-note rotations and falls back to XMP
 * tiff:Orientation, which PIL's exif_transpose (the reference) ignores. */
static GRecMutex exiv2_mutex;

void
rali_exiv2_lock (void)
{
  g_rec_mutex_lock (&exiv2_mutex);
}

void
rali_exiv2_unlock (void)
{
  g_rec_mutex_unlock (&exiv2_mutex);
}

static int
read_orientation_locked (const guint8 *data, gsize size)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_gexiv2, NULL);

  g_autoptr (GExiv2Metadata) meta = gexiv2_metadata_new ();
  if (size > G_MAXLONG || !gexiv2_metadata_open_buf (meta, data, (glong) size, NULL))
    return 1;
  if (!gexiv2_metadata_try_has_tag (meta, "Exif.Image.Orientation", NULL))
    return 1;
  glong v = gexiv2_metadata_try_get_tag_long (meta, "Exif.Image.Orientation", NULL);
  return v >= 1 && v <= 8 ? (int) v : 1;
}

static int
read_orientation (const guint8 *data, gsize size)
{
  rali_exiv2_lock ();
  int o = read_orientation_locked (data, size);
  rali_exiv2_unlock ();
  return o;
}

/* dst gets src transposed as PIL's exif_transpose does for orientation o:
 * 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE,
 * 6 ROTATE_270 (90 clockwise), 7 TRANSVERSE, 8 ROTATE_90 (90 counter-clockwise).
 * src is W x H; dst is W x H for o <= 4, H x W otherwise. */
static void
apply_orientation (guint8 *dst, const guint8 *src, int W, int H, int o)
{
  gboolean swap = o >= 5;
  int dw = swap ? H : W, dh = swap ? W : H;

  for (int y = 0; y < dh; y++) {
    for (int x = 0; x < dw; x++) {
      int sx, sy;
      switch (o) {
      case 2: sx = W - 1 - x; sy = y; break;
      case 3: sx = W - 1 - x; sy = H - 1 - y; break;
      case 4: sx = x; sy = H - 1 - y; break;
      case 5: sx = y; sy = x; break;
      case 6: sx = y; sy = H - 1 - x; break;
      case 7: sx = W - 1 - y; sy = H - 1 - x; break;
      case 8: sx = W - 1 - y; sy = x; break;
      default: sx = x; sy = y; break;
      }
      const guint8 *s = src + ((gsize) sy * W + sx) * 3;
      guint8 *d = dst + ((gsize) y * dw + x) * 3;
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
}

/* ---- entry points ---- */

static gboolean
has_prefix (const guint8 *data, gsize size, const char *magic, gsize n)
{
  return size >= n && memcmp (data, magic, n) == 0;
}

/* Names what a file that is neither JPEG nor PNG seems to be, for the message. */
static const char *
sniff_other (const guint8 *data, gsize size)
{
  if (has_prefix (data, size, "GIF8", 4))
    return "GIF";
  if (has_prefix (data, size, "II*\0", 4) || has_prefix (data, size, "MM\0*", 4))
    return "TIFF (or camera raw)";
  if (has_prefix (data, size, "RIFF", 4) && size >= 12 && memcmp (data + 8, "WEBP", 4) == 0)
    return "WebP";
  if (size >= 12 && memcmp (data + 4, "ftyp", 4) == 0)
    return "HEIF/AVIF";
  if (has_prefix (data, size, "BM", 2))
    return "BMP";
  return NULL;
}

gboolean
rali_image_load_from_data (RaliImage *out, const guint8 *data, gsize size,
                           const char *name_for_errors, int min_short_side,
                           guint64 max_pixels, GError **error)
{
  const char *name = name_for_errors ? name_for_errors : "(image data)";
  RaliImage img = { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
  gboolean ok;

  g_return_val_if_fail (out != NULL, FALSE);
  *out = img;

  if (size == 0 || data == NULL) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: empty file", name);
    return FALSE;
  }
  if ((guint64) size > RALI_MAX_FILE_SIZE) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                 "%s: %" G_GSIZE_FORMAT " bytes, over the 1 GiB limit for an image file", name, size);
    return FALSE;
  }

  if (has_prefix (data, size, "\xFF\xD8\xFF", 3)) {
    ok = decode_jpeg (&img, data, size, name, min_short_side, max_pixels, error);
  } else if (has_prefix (data, size, "\x89PNG\r\n\x1A\n", 8)) {
    ok = decode_png (&img, data, size, name, max_pixels, error);
  } else {
    const char *what = sniff_other (data, size);
    if (what)
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                   "%s: %s images are not supported (only JPEG and PNG)", name, what);
    else
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                   "%s: not a JPEG or PNG image", name);
    return FALSE;
  }
  if (!ok)
    return FALSE;

  /* only after a good decode: exiv2 need not see files we refuse anyway */
  img.orientation = read_orientation (data, size);
  if (img.orientation != 1) {
    guint8 *turned = g_try_malloc ((gsize) img.width * img.height * 3);
    if (turned == NULL) {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                   "%s: out of memory to rotate a %dx%d image", name, img.width, img.height);
      rali_image_clear (&img);
      return FALSE;
    }
    apply_orientation (turned, img.rgb, img.width, img.height, img.orientation);
    g_free (img.rgb);
    img.rgb = turned;
    if (img.orientation >= 5) {
      int t = img.width;
      img.width = img.height;
      img.height = t;
    }
  }
  *out = img;
  return TRUE;
}

gboolean
rali_image_load (RaliImage *out, const char *path, int min_short_side,
                 guint64 max_pixels, GError **error)
{
  GStatBuf st;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (out != NULL && path != NULL, FALSE);
  /* messages are UTF-8 whatever the file name's bytes (GLib's display-name
   * rules), so that a Latin-1 name cannot break a JSON line or a label */
  g_autofree char *name = g_filename_display_name (path);
  *out = (RaliImage) { .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };

  if (g_stat (path, &st) != 0) {
    int e = errno;
    g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: %s", name, g_strerror (e));
    return FALSE;
  }
  if (S_ISDIR (st.st_mode)) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: is a directory", name);
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: not a regular file", name);
    return FALSE;
  }
  if ((guint64) st.st_size > RALI_MAX_FILE_SIZE) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                 "%s: %" G_GUINT64_FORMAT " bytes, over the 1 GiB limit for an image file",
                 name, (guint64) st.st_size);
    return FALSE;
  }
  /* read, not mmap: a file truncated under a mapping would be SIGBUS */
  if (!g_file_get_contents (path, &contents, &length, &local)) {
    g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: %s", name, local->message);
    return FALSE;
  }
  /* camera raw: its embedded preview (raw.c) */
  if (rali_is_raw_name (path))
    return rali_raw_load_preview (out, (const guint8 *) contents, length, name, min_short_side,
                                  max_pixels, error);
  return rali_image_load_from_data (out, (const guint8 *) contents, length, name,
                                    min_short_side, max_pixels, error);
}
