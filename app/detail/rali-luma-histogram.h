/* RaliLumaHistogram: the luminance histogram of the photo as shown
 * (rali-photo-analysis.h), drawn with Cairo: 256 levels from black to white,
 * scaled to the tallest level between the ends; the pixels clipped to black
 * (level 0) drawn in blue at the left end and those clipped to white (255)
 * in red at the right end, the colours photographers know from clipping
 * warnings.  Its accessible label says the same in words. */
#pragma once

#include <gtk/gtk.h>

#include "rali-photo-analysis.h"

G_BEGIN_DECLS

#define RALI_TYPE_LUMA_HISTOGRAM (rali_luma_histogram_get_type ())
G_DECLARE_FINAL_TYPE (RaliLumaHistogram, rali_luma_histogram, RALI, LUMA_HISTOGRAM, GtkWidget)

/* copies the bins; NULL clears */
void        rali_luma_histogram_set_analysis (RaliLumaHistogram *self, const RaliPhotoAnalysis *analysis);
gboolean    rali_luma_histogram_has_data     (RaliLumaHistogram *self);
/* shares of pixels at 0 and 255 */
void        rali_luma_histogram_get_clipped  (RaliLumaHistogram *self, double *low, double *high);
const char *rali_luma_histogram_get_description (RaliLumaHistogram *self);
/* "Shadows clipped 2.1 % · highlights 0.3 %" with the two colours, as
 * Pango markup (a label under the histogram shows it); g_free */
char       *rali_luma_histogram_dup_caption_markup (RaliLumaHistogram *self);

G_END_DECLS
