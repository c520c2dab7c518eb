/* Camera RAW files through the camera's embedded preview (LibRaw; raw.c).
 * No demosaicing: what is shown and scored is the JPEG (or, in old files,
 * bitmap) preview the camera wrote into the file.  No GTK. */
#pragma once

#include "rali.h"

G_BEGIN_DECLS

/* .cr2 .cr3 .nef .arw .raf .orf .rw2 .dng, any case */
gboolean rali_is_raw_name (const char *name);

/* The embedded preview of a RAW file's bytes as RGB8, upright (the raw's
 * orientation applied).  No preview, or a build without LibRaw: an error
 * that says so.  LibRaw runs in the rali-raw-preview helper process (the
 * build tree's, the installed one beside the program, or
 * $RALI_RAW_PREVIEW_HELPER): a crash, a hang (15 s) or a malformed reply
 * of it is an error naming NAME.  Thread-safe. */
gboolean rali_raw_load_preview (RaliImage *out, const guint8 *data, gsize size, const char *name,
                                int min_short_side, guint64 max_pixels, GError **error);

/* The embedded preview as the LibRaw half finds it (raw-libraw.c, in the
 * rali-raw-preview helper), before the JPEG is decoded */
typedef struct
{
  guint8 *jpeg; /* the embedded JPEG's bytes (jpeg_size), not decoded, or */
  gsize jpeg_size;
  guint8 *rgb; /* an RGB8 bitmap of width x height */
  guint width, height;
  int flip; /* LibRaw's flip: 0 none, 3 180°, 5 90° counter-clockwise, 6 90° clockwise */
} RaliRawPreview;

static inline void
rali_raw_preview_clear (RaliRawPreview *p)
{
  g_free (p->jpeg);
  g_free (p->rgb);
  *p = (RaliRawPreview) { 0 };
}

/* *P into an upright RGB8 image: the JPEG decoded (rali_image_load_from_data:
 * DCT scaling, limits) or the bitmap taken over (P is cleared either way),
 * then turned by P's flip unless the JPEG's own orientation was applied */
gboolean rali_raw_preview_to_image (RaliImage *out, RaliRawPreview *p, const char *name, int min_short_side,
                                    guint64 max_pixels, GError **error);

/* the helper's reply (raw-preview-helper.c describes it) and input bound */
#define RALI_RAW_REPLY_MAGIC "RRP1"
#define RALI_RAW_REPLY_MAX_MESSAGE 4096
#define RALI_RAW_REPLY_MAX_SIDE 65535 /* a bitmap's width and height (LibRaw's are 16-bit) */
#define RALI_RAW_MAX_INPUT ((gsize) 1 << 30)

/* The helper's whole reply REPLY, for a raw file of SIZE bytes, into an
 * upright RGB8 image (rali_raw_preview_to_image), or the error it carries,
 * or, for anything that is not exactly one well-formed reply, an error
 * naming NAME.  REPLY's bytes may be taken over (REPLY is then empty); the
 * caller still unrefs it.  rali_raw_load_preview's second half; the
 * fuzz-raw-reply target feeds it arbitrary bytes. */
gboolean rali_raw_reply_to_image (RaliImage *out, GByteArray *reply, gsize size, const char *name,
                                  int min_short_side, guint64 max_pixels, GError **error);

/* the most bytes a reply for a SIZE-byte file may have (more: the helper
 * is stopped and the reply refused) */
gsize rali_raw_reply_bound (gsize size, guint64 max_pixels);

G_END_DECLS
