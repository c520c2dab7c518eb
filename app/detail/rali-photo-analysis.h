/* What the detail view measures on the photo as it is shown, off the main
 * thread (a GdkTexture is immutable, so a worker may read it):
 *
 *  - the luminance histogram: 256 bins of integer luma
 *    (77 R + 150 G + 29 B + 128) >> 8 (Rec. 601), the pixels at 0 (clipped
 *    shadows) and 255 (clipped highlights);
 *  - focus peaking: the Sobel gradient magnitude of that luma at 100 %,
 *    as a surface of the photo's size, opaque where an edge is at least
 *    RALI_PEAKING_THRESHOLD strong (a fixed level, as a camera's peaking:
 *    a soft photo shows few edges, not its own sharpest ones) and fading in
 *    from half that; and the same reduced by taking the maximum over
 *    blocks, so that thin edges stay visible when the photo is shown
 *    smaller than 100 %.  The marks take the one of a few vivid colours
 *    (RaliPeakingColour) that the fewest of the photo's pixels are near,
 *    so that they stand out on it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RALI_PEAKING_THRESHOLD 160.0 /* |Sobel| of 8-bit luma: at most 4·255·√2 */
#define RALI_PEAKING_MAX_SIDE 1600   /* the reduced texture's longest side at most */

typedef enum {
  RALI_PEAKING_MAGENTA,
  RALI_PEAKING_CYAN,
  RALI_PEAKING_LIME,
  RALI_PEAKING_YELLOW,
  RALI_PEAKING_RED,
  RALI_PEAKING_N_COLOURS
} RaliPeakingColour;

/* the colour's name, translated ("magenta") */
const char *rali_peaking_colour_name (RaliPeakingColour colour);

typedef struct {
  guint64 bins[256];
  guint64 n;              /* pixels */
  double clipped_low;     /* share of pixels at luma 0 */
  double clipped_high;    /* share at luma 255 */
  double median;          /* luma of the median pixel, 0..255 */
  /* Cairo image surfaces (ARGB32), made by the worker: GTK's Cairo
   * renderer converts a GdkTexture with alpha on every frame (GTK 4.8:
   * 6 to 13 ms for a 1024 x 768 one), a surface it composites as it is */
  cairo_surface_t *peaking;       /* NULL unless asked; the photo's size */
  cairo_surface_t *peaking_small; /* reduced by block maxima, or a ref of peaking */
  double edge_share;         /* share of pixels at or above the threshold */
  RaliPeakingColour colour;  /* the marks' */
  gboolean on_main_thread;
} RaliPhotoAnalysis;

void rali_photo_analysis_free (RaliPhotoAnalysis *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliPhotoAnalysis, rali_photo_analysis_free)

/* The histogram always; peaking when with_peaking. */
void               rali_photo_analysis_async  (GdkTexture *texture, gboolean with_peaking,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
RaliPhotoAnalysis *rali_photo_analysis_finish (GAsyncResult *result, GError **error);

/* The same on the calling thread (the worker's body; also for tests). */
RaliPhotoAnalysis *rali_photo_analysis_run (GdkTexture *texture, gboolean with_peaking, GCancellable *cancellable,
                                            GError **error);

G_END_DECLS
