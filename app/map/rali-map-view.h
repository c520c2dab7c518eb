/* RaliMapView: the embedding map page — the canvas (rali-map-canvas.h), a
 * toolbar (colour by cluster or score, size by score, prototypes,
 * rectangle or lasso selection, fit, export), the legend (clusters named
 * by their most frequent top descriptor, with their mean score) and a
 * hover card (thumbnail, score).
 *
 * It follows the gallery: the map is computed off the main thread
 * (rali-map-data.h) when it is shown and the photos or their scores have
 * changed since; a click selects the photo in the gallery, a double-click
 * opens it ("open-photo" with its position in the shown list), the
 * photos selected in the gallery are ringed on the map, and a rectangle
 * or lasso selection (the toolbar picks which Shift+drag draws), or a
 * legend row (a whole cluster), filters the gallery to the selected
 * photos, the others staying greyed on the map. */
#pragma once

#include <adwaita.h>

#include "gallery/rali-gallery-model.h"
#include "rali-map-canvas.h"
#include "gallery/rali-scorer.h"
#include "gallery/rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_MAP_VIEW (rali_map_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliMapView, rali_map_view, RALI, MAP_VIEW, GtkWidget)

/* What the map follows; all borrowed, they outlive the view's use of them
 * (the window's dispose disposes the view first). */
void rali_map_view_setup (RaliMapView *self, RaliGalleryModel *model, GtkSelectionModel *selection,
                          RaliThumbnailCache *cache, RaliScorer *scorer);
/* M, anywhere in window but in a text field, activates action (capture
 * phase: before the gallery's type-to-search) */
void rali_map_view_add_key (GtkWidget *window, const char *action);

typedef enum {
  RALI_MAP_EXPORT_FILE_PNG,
  RALI_MAP_EXPORT_FILE_SVG,
  RALI_MAP_EXPORT_FILE_CSV,
} RaliMapExportFile;

gboolean rali_map_view_export (RaliMapView *self, RaliMapExportFile what, const char *path, GError **error);

/* for the test driver */
RaliMapCanvas *rali_map_view_get_canvas (RaliMapView *self);
gboolean       rali_map_view_is_computing (RaliMapView *self);
const char    *rali_map_view_get_error (RaliMapView *self); /* the last computation's, or NULL */
/* replaces the map with n synthetic embeddings of D dims (frame-time runs) */
void           rali_map_view_load_synthetic (RaliMapView *self, int n, int D);
/* selects the photos of cluster c, as clicking its legend row */
void           rali_map_view_select_cluster (RaliMapView *self, int cluster);

G_END_DECLS
