/* RaliDetailView: one photo large (zoom/pan), its score gauge, why it
 * scored that (RaliWhyPanel: a sentence, the evidence with each reason's
 * share, the internals behind "Details"), its brightness histogram, and
 * what the model is.  Two overlays answer "where": the quality map (the
 * photo's tiles scored alone, weak ones tinted, the tile's descriptor on
 * hover) and focus peaking; both are computed off the main thread.
 * Keys: Left/Right move, Escape closes, +/- zoom, Ctrl+1 = 100%, Ctrl+0 = fit,
 * Q the quality map, F focus peaking, N the similar photos (the nearest in
 * embedding space, map/rali-neighbour-list.h, beside the panel; a row
 * emits "open-photo") (the plain digits are culling keys,
 * app/culling/rali-culling.h). */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-gallery-item.h"
#include "gallery/rali-thumbnail-cache.h"
#include "map/rali-neighbour-list.h"
#include "rali-luma-histogram.h"
#include "rali-peaking-overlay.h"
#include "rali-quality-overlay.h"
#include "rali-why-panel.h"

G_BEGIN_DECLS

#define RALI_TYPE_DETAIL_VIEW (rali_detail_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliDetailView, rali_detail_view, RALI, DETAIL_VIEW, GtkWidget)

/* the gallery's thumbnails (width x height box) stand in while loading */
void             rali_detail_view_set_cache (RaliDetailView *self, RaliThumbnailCache *cache,
                                             int width, int height);
void             rali_detail_view_set_item  (RaliDetailView *self, RaliGalleryItem *item);
RaliGalleryItem *rali_detail_view_get_item  (RaliDetailView *self);
void             rali_detail_view_set_top_k (RaliDetailView *self, int top_k);
/* where "Similar photos" come from (the map view's, shared) */
void             rali_detail_view_set_similar_photos (RaliDetailView *self, RaliSimilarPhotos *similar,
                                                      RaliThumbnailCache *cache);
/* provenance: "rl-derived", "rule-based" or "none" */
void             rali_detail_view_set_model_info (RaliDetailView *self, const char *name,
                                                  const char *provenance, const char *backend,
                                                  double score_min, double score_max);
/* TRUE once the full-size image is shown (for tests) */
gboolean         rali_detail_view_is_loaded (RaliDetailView *self);
gboolean         rali_detail_view_is_laid_out (RaliDetailView *self); /* the zoom to fit is known */
double           rali_detail_view_get_zoom  (RaliDetailView *self);

/* for tests: the parts, the legend over the photo, the work in flight,
 * how long the last quality map took (< 0: none yet), and the tooltip at
 * (fx, fy), fractions of the photo as drawn */
RaliWhyPanel       *rali_detail_view_get_why_panel       (RaliDetailView *self);
RaliImageView      *rali_detail_view_get_image_view      (RaliDetailView *self);
RaliQualityOverlay *rali_detail_view_get_quality_overlay (RaliDetailView *self);
RaliPeakingOverlay *rali_detail_view_get_peaking_overlay (RaliDetailView *self);
RaliLumaHistogram  *rali_detail_view_get_histogram       (RaliDetailView *self);
const char         *rali_detail_view_get_legend          (RaliDetailView *self);
gboolean            rali_detail_view_is_busy             (RaliDetailView *self, gboolean *why, gboolean *tiles,
                                                          gboolean *analysis);
double              rali_detail_view_get_tiles_seconds   (RaliDetailView *self);
const char         *rali_detail_view_get_tiles_error     (RaliDetailView *self);
char               *rali_detail_view_dup_tile_tooltip    (RaliDetailView *self, double fx, double fy);
RaliNeighbourList  *rali_detail_view_get_similar_list    (RaliDetailView *self);

/* The sentence the detail view shows for a descriptor provenance. */
const char      *rali_provenance_sentence (const char *provenance);

G_END_DECLS
