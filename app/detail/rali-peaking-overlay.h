/* RaliPeakingOverlay: focus peaking over a RaliImageView (in the same
 * GtkOverlay, following its zoom and pan): the edges of the photo at 100 %
 * that are at least RALI_PEAKING_THRESHOLD strong (rali-photo-analysis.h),
 * in a colour the photo hardly has; below 100 % the block-maximum reduction, so thin edges stay
 * visible.  It takes no input; its accessible label says how much of the
 * photo has sharp edges. */
#pragma once

#include <gtk/gtk.h>

#include "rali-image-view.h"
#include "rali-photo-analysis.h"

G_BEGIN_DECLS

#define RALI_TYPE_PEAKING_OVERLAY (rali_peaking_overlay_get_type ())
G_DECLARE_FINAL_TYPE (RaliPeakingOverlay, rali_peaking_overlay, RALI, PEAKING_OVERLAY, GtkWidget)

void rali_peaking_overlay_set_image_view (RaliPeakingOverlay *self, RaliImageView *view);
/* the analysis's peaking textures (referenced); NULL clears */
void rali_peaking_overlay_set_analysis (RaliPeakingOverlay *self, const RaliPhotoAnalysis *analysis);
gboolean    rali_peaking_overlay_has_edges (RaliPeakingOverlay *self);
const char *rali_peaking_overlay_get_description (RaliPeakingOverlay *self);

G_END_DECLS
