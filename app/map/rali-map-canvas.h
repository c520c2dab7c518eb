/* RaliMapCanvas: the map's points, drawn from a cached texture.
 *
 * The points (and prototype markers) are rasterised (rali-map-raster.h)
 * into a cached texture only when the data, the colouring, the selection,
 * the size or the zoom change; while a drag pans, the texture is moved and
 * redrawn every 100 ms and at the end.  Hover and current-photo rings and
 * the selection rectangle are drawn on top of it every frame.  Hover and
 * rectangle queries go through the data's grid.
 *
 * When at most RALI_MAP_SPRITES_MAX points are in view, they are drawn as
 * thumbnails ("sprite mode", rali-map-sprites.h) into the same texture.
 *
 * Input: scroll zooms around the pointer, drag pans, Shift+drag selects a
 * rectangle or, with "lasso" set, the points inside a free-hand outline
 * (rali-map-selection.h), click activates the point under the pointer,
 * double-click opens it.  Home / 0 fits the view, + and - zoom, Escape clears the
 * selection.
 *
 * Signals: "hover-changed" (int point, int prototype: -1 for none),
 * "point-activated" (int point, int n_press: 1 click, 2 double-click),
 * "selection-changed" (after a rectangle, a lasso or Escape). */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-thumbnail-cache.h"
#include "rali-map-render.h"

G_BEGIN_DECLS

#define RALI_TYPE_MAP_CANVAS (rali_map_canvas_get_type ())
G_DECLARE_FINAL_TYPE (RaliMapCanvas, rali_map_canvas, RALI, MAP_CANVAS, GtkWidget)

GtkWidget   *rali_map_canvas_new (void);

/* takes data (NULL clears); fits the view and clears the selection */
void         rali_map_canvas_set_data (RaliMapCanvas *self, RaliMapData *data);
RaliMapData *rali_map_canvas_get_data (RaliMapCanvas *self);

/* properties "color-by-score", "size-by-score", "show-prototypes",
 * "thumbnails" (photos drawn as thumbnails when at most
 * RALI_MAP_SPRITES_MAX are in view, rali-map-sprites.h) and "lasso" (what
 * Shift+drag selects with) */
void         rali_map_canvas_get_style (RaliMapCanvas *self, RaliMapStyle *style);

/* space the overlays cover (legend, toolbar), kept clear when fitting */
void         rali_map_canvas_set_insets (RaliMapCanvas *self, int top, int right, int bottom, int left);
void         rali_map_canvas_fit (RaliMapCanvas *self);
/* pans so that the data point (x, y) is in the middle of the space the
 * overlays leave (only_if_hidden: only when it is outside it) */
void         rali_map_canvas_centre_on (RaliMapCanvas *self, double x, double y, gboolean only_if_hidden);
/* zoom by factor around (wx, wy) in widget coordinates */
void         rali_map_canvas_zoom (RaliMapCanvas *self, double factor, double wx, double wy);

/* the selection: indices (sorted or not), or none (nothing greyed) */
void         rali_map_canvas_set_selection (RaliMapCanvas *self, const guint *indices, guint n);
void         rali_map_canvas_clear_selection (RaliMapCanvas *self);
/* NULL when nothing is selected; else [n] flags */
const guint8 *rali_map_canvas_get_selection (RaliMapCanvas *self, guint *n_selected);

/* the ringed points (the photos selected in the gallery) */
void         rali_map_canvas_set_current (RaliMapCanvas *self, const int *indices, int n);
const int   *rali_map_canvas_get_current (RaliMapCanvas *self, guint *n);
int          rali_map_canvas_get_hover (RaliMapCanvas *self, int *prototype);

/* the photo whose similar photos are listed (thick ring) and those
 * (thin rings, linked to it), or query −1: none */
void         rali_map_canvas_set_neighbours (RaliMapCanvas *self, int query, const int *indices, int n);
int          rali_map_canvas_get_neighbours (RaliMapCanvas *self, const int **indices, guint *n);

/* where the thumbnails come from (NULL: dots only) */
void         rali_map_canvas_set_thumbnail_cache (RaliMapCanvas *self, RaliThumbnailCache *cache);
/* sprites drawn (0: dots), and in n_ready how many show their photo yet */
guint        rali_map_canvas_get_sprites (RaliMapCanvas *self, guint *n_ready);

/* data <-> widget coordinates */
void         rali_map_canvas_data_to_widget (RaliMapCanvas *self, double x, double y, double *wx, double *wy);
void         rali_map_canvas_widget_to_data (RaliMapCanvas *self, double wx, double wy, double *x, double *y);

/* what the pointer does, for the test driver: the same code paths */
void         rali_map_canvas_hover_at  (RaliMapCanvas *self, double wx, double wy);
void         rali_map_canvas_select_rect (RaliMapCanvas *self, double wx0, double wy0, double wx1, double wy1);
void         rali_map_canvas_click_at  (RaliMapCanvas *self, double wx, double wy, int n_press);
/* the lasso as a drag draws it: adds a point (drawn until finished);
 * finish selects what the outline encloses (select FALSE: drops it) */
void         rali_map_canvas_lasso_add    (RaliMapCanvas *self, double wx, double wy);
void         rali_map_canvas_lasso_finish (RaliMapCanvas *self, gboolean select);

/* Frame times in ms (median, max over frames): a full redraw (cache
 * rebuilt: stamping + texture upload + GSK render of the widget) and a
 * hover-only redraw (cached texture + rings).  raster_ms is the cache
 * rebuild alone.  FALSE when the canvas is not realised. */
gboolean     rali_map_canvas_time_frames (RaliMapCanvas *self, int frames, double full_ms[2],
                                          double hover_ms[2], double raster_ms[2]);

G_END_DECLS
