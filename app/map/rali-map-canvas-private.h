/* RaliMapCanvas's insides, shared by rali-map-canvas.c, its per-frame
 * overlay (rali-map-canvas-overlay.c) and its frame timing
 * (rali-map-canvas-timing.c).  Private to app/map/. */
#pragma once

#include "rali-map-canvas.h"
#include "rali-map-raster.h"
#include "rali-map-sprites.h"

G_BEGIN_DECLS

#define HOVER_RADIUS 9.0  /* px: how near the pointer a point must be */
#define DRAG_THRESHOLD 4.0
#define ZOOM_STEP 1.25
#define ZOOM_MAX 400.0    /* × the fitted scale */
#define FIT_MARGIN 24
#define PAN_REFRESH_MS 100 /* while panning, the texture is redrawn this often */
#define LASSO_STEP 3.0     /* px: a lasso point is kept this far from the last one */

struct _RaliMapCanvas {
  GtkWidget parent_instance;
  RaliMapData *data;
  gboolean color_by_score, size_by_score, show_prototypes, thumbnails;
  gboolean lasso;   /* Shift+drag draws a lasso, not a rectangle */
  guint8 *selected; /* [n] or NULL */
  guint n_selected;
  GArray *current; /* int: ringed points */
  int query;         /* the photo whose neighbours are shown, or −1 */
  GArray *neighbours; /* int: its neighbours */
  int hover, hover_proto;

  RaliMapTransform view; /* logical pixels */
  double fit_scale;
  gboolean user_view;    /* zoomed or panned: keep it on resize */
  int inset[4];          /* top, right, bottom, left */
  int last_w, last_h;

  /* the cache */
  gboolean dirty;
  cairo_surface_t *surface;
  GdkTexture *texture;
  RaliMapRaster *raster;
  RaliMapSprites *sprites;      /* thumbnails, when few points are in view */
  gboolean colors_dirty; /* data, colouring, selection or theme changed */
  gint64 raster_us;
  RaliMapTransform cache_view; /* the view the texture shows */
  guint refresh_id;            /* re-rasterise while panning */

  /* pointer */
  double px, py;
  gboolean banding, panning, lassoing;
  GArray *lasso_xy;        /* double x, y pairs, widget: the lasso being drawn */
  double drag_x, drag_y;   /* start */
  double band[4];          /* x0 y0 x1 y1, widget */
  RaliMapTransform view_at_drag;
};

/* GtkWidget::snapshot */
void rali_map_canvas_snapshot_frame (GtkWidget *widget, GtkSnapshot *snapshot);
/* what is drawn over the cached texture every frame (rali-map-canvas-overlay.c) */
void rali_map_canvas_snapshot_overlay (RaliMapCanvas *self, GtkSnapshot *snapshot);
/* the text colour */
void rali_map_canvas_foreground (RaliMapCanvas *self, GdkRGBA *rgba);
/* the hovered point or prototype (−1, −1: none); emits hover-changed */
void rali_map_canvas_set_hover_point (RaliMapCanvas *self, int point, int proto);

G_END_DECLS
