/* RaliMapView: the embedding map page — the canvas (rali-map-canvas.h:
 * dots, or thumbnails when few photos are in view), a toolbar (colour by
 * cluster or score, size by score, thumbnails, prototypes, rectangle or
 * lasso selection, fit, export), the legend (rali-map-legend.h: clusters
 * named by their most over-represented descriptor, beside their mean
 * score), a hover card (rali-map-hover-card.h) and the "Similar photos"
 * side list (rali-neighbour-list.h).
 *
 * It follows the gallery: the map is computed off the main thread
 * (rali-map-data.h) when it is shown and the photos or their scores have
 * changed since; a click selects the photo in the gallery and lists its
 * similar photos (its nearest neighbours in embedding space,
 * rali-similar-photos.h), ringed and linked on the map; a double-click
 * opens it ("open-photo" with its position in the shown list), the
 * photos selected in the gallery are ringed on the map, and a rectangle
 * or lasso selection (the toolbar picks which Shift+drag draws), or a
 * legend row (a whole cluster), filters the gallery to the selected
 * photos, the others staying greyed on the map. */
#pragma once

#include <adwaita.h>

#include "gallery/rali-gallery-model.h"
#include "rali-map-canvas.h"
#include "rali-neighbour-list.h"
#include "rali-similar-photos.h"
#include "gallery/rali-scorer.h"
#include "gallery/rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_MAP_VIEW (rali_map_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliMapView, rali_map_view, RALI, MAP_VIEW, GtkWidget)

/* What the map follows; all borrowed, they outlive the view's use of them
 * (the window's dispose disposes the view first). */
void rali_map_view_setup (RaliMapView *self, RaliGalleryModel *model, GtkSelectionModel *selection,
                          RaliThumbnailCache *cache, RaliScorer *scorer);
/* the toolbar's Prototypes (off by default) and Thumbnails toggles follow
 * the settings "map-prototypes" and "map-thumbnails" */
void rali_map_view_bind_settings (RaliMapView *self, GSettings *settings);
/* M, anywhere in window but in a text field, activates action (capture
 * phase: before the gallery's type-to-search) */
void rali_map_view_add_key (GtkWidget *window, const char *action);

typedef enum {
  RALI_MAP_EXPORT_FILE_PNG,
  RALI_MAP_EXPORT_FILE_SVG,
  RALI_MAP_EXPORT_FILE_CSV,
} RaliMapExportFile;

gboolean rali_map_view_export (RaliMapView *self, RaliMapExportFile what, const char *path, GError **error);

/* "Similar photos": the k nearest neighbours in embedding space of the
 * gallery's scored photos, for any view (the detail view may ask it too) */
RaliSimilarPhotos *rali_map_view_get_similar_photos (RaliMapView *self);
/* opens the side list of the photos similar to item (NULL closes it) and
 * rings them on the map; a click on a photo does this */
void               rali_map_view_show_similar (RaliMapView *self, RaliGalleryItem *item);
/* Escape: clears the selection, or with none goes back to the gallery
 * (win.back); what the key does, for the test driver too */
gboolean           rali_map_view_handle_key (RaliMapView *self, guint keyval, GdkModifierType state);

/* for the test driver */
RaliNeighbourList *rali_map_view_get_neighbour_list (RaliMapView *self);
RaliMapCanvas *rali_map_view_get_canvas (RaliMapView *self);
gboolean       rali_map_view_is_computing (RaliMapView *self);
const char    *rali_map_view_get_error (RaliMapView *self); /* the last computation's, or NULL */
/* replaces the map with n synthetic embeddings of D dims (frame-time runs) */
void           rali_map_view_load_synthetic (RaliMapView *self, int n, int D);
/* selects the photos of cluster c, as clicking its legend row */
void           rali_map_view_select_cluster (RaliMapView *self, int cluster);

G_END_DECLS
