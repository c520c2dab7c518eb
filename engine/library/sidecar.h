/* XMP sidecars for culling decisions, as darktable, digiKam and Lightroom
 * read them (sidecar.c).  No GTK.
 *
 *   xmp:Rating              0..5, -1 when rejected (XMP spec, darktable)
 *   xmp:Label               Red, Yellow, Green, Blue, Purple (Lightroom; one)
 *   digiKam:PickLabel       0 none, 1 rejected, 3 accepted
 *   digiKam:ColorLabel      digiKam's numbering: 1 red, 3 yellow, 4 green,
 *                           5 blue, 6 magenta (purple); 0 none
 *   darktable:colorlabels   bag of 0 red, 1 yellow, 2 green, 3 blue, 4 purple
 *
 * Writes go to a temporary file in the sidecar's folder
 * (.NAME.xmp.rali-tmp-XXXXXX) that is renamed over the sidecar; an existing
 * sidecar is the starting point, so every other tag in it (keywords,
 * darktable history, ...) is kept.  Temporaries that a killed writer left
 * (over a minute old, exactly that name, regular, ours) are removed by the
 * next write in their folder.  The image itself is never opened. */
#pragma once

#include <gio/gio.h>

#include "decision.h"

G_BEGIN_DECLS

typedef enum {
  RALI_SIDECAR_APPENDED, /* photo.jpg.xmp: darktable, digiKam (default) */
  RALI_SIDECAR_REPLACED, /* photo.xmp: Adobe */
} RaliSidecarStyle;

/* "appended" / "replaced" (the GSettings values) */
RaliSidecarStyle rali_sidecar_style_from_string (const char *s);

char *rali_sidecar_path (const char *image_path, RaliSidecarStyle style);

/* Reads the decision from the sidecar of style `prefer`, else from the
 * other style's.  Returns FALSE with no error when neither exists; FALSE
 * with error when one exists but cannot be read.  *found_path (optional)
 * gets the sidecar read. */
gboolean rali_sidecar_read (const char *image_path, RaliSidecarStyle prefer, RaliDecision *out,
                            char **found_path, GError **error);

/* Writes d into the sidecar of this style, merging into it (or, when only
 * the other style's sidecar exists, into a copy of that one), atomically. */
gboolean rali_sidecar_write (const char *image_path, RaliSidecarStyle style, const RaliDecision *d,
                             GError **error);

/* TRUE when a and b give the same XMP values (the stars of a rejected
 * photo are not in the XMP). */
gboolean rali_sidecar_same_xmp (const RaliDecision *a, const RaliDecision *b);

/* digiKam's ColorLabel number for one label bit, and back (0 = none) */
int   rali_label_to_digikam (guint label);
guint rali_label_from_digikam (int n);
/* "Red"... for one label bit, NULL for 0 */
const char *rali_label_name (guint label);

G_END_DECLS
