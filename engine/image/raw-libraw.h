/* The LibRaw half of camera raw previews (raw-libraw.c): the embedded
 * preview of a raw file's bytes, as LibRaw 0.20 (guarded) finds it.  Not
 * memory-safe on hostile input (LibRaw): the product calls it only inside
 * rali-raw-preview (raw-preview-helper.c), a process of its own, through
 * rali_raw_load_preview (raw.c); the fuzz target calls it directly. */
#pragma once

#include "raw.h"

G_BEGIN_DECLS

/* The preview of DATA in *OUT (JPEG bytes, or a bitmap of at most
 * MAX_PIXELS, 0 the default); an error naming NAME otherwise. */
gboolean rali_raw_extract (RaliRawPreview *out, const guint8 *data, gsize size, const char *name,
                           guint64 max_pixels, GError **error);

G_END_DECLS
