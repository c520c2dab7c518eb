/* RaliDetailView: one photo large (zoom/pan), its score gauge, its top
 * descriptors with similarity bars, and what the model is.
 * Keys: Left/Right move, Escape closes, +/- zoom, Ctrl+1 = 100%, Ctrl+0 = fit
 * (the plain digits are culling keys, app/culling/rali-culling.h). */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-gallery-item.h"
#include "gallery/rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_DETAIL_VIEW (rali_detail_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliDetailView, rali_detail_view, RALI, DETAIL_VIEW, GtkWidget)

/* the gallery's thumbnails (width x height box) stand in while loading */
void             rali_detail_view_set_cache (RaliDetailView *self, RaliThumbnailCache *cache,
                                             int width, int height);
void             rali_detail_view_set_item  (RaliDetailView *self, RaliGalleryItem *item);
RaliGalleryItem *rali_detail_view_get_item  (RaliDetailView *self);
void             rali_detail_view_set_top_k (RaliDetailView *self, int top_k);
/* provenance: "rl-derived", "rule-based" or "none" */
void             rali_detail_view_set_model_info (RaliDetailView *self, const char *name,
                                                  const char *provenance, const char *backend,
                                                  double score_min, double score_max);
/* TRUE once the full-size image is shown (for tests) */
gboolean         rali_detail_view_is_loaded (RaliDetailView *self);
gboolean         rali_detail_view_is_laid_out (RaliDetailView *self); /* the zoom to fit is known */
double           rali_detail_view_get_zoom  (RaliDetailView *self);

/* The sentence the detail view shows for a descriptor provenance. */
const char      *rali_provenance_sentence (const char *provenance);

G_END_DECLS
