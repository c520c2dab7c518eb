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
 * that says so. */
gboolean rali_raw_load_preview (RaliImage *out, const guint8 *data, gsize size, const char *name,
                                int min_short_side, guint64 max_pixels, GError **error);

G_END_DECLS
