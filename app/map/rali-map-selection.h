/* The map's selection geometry: which points a lasso encloses, and how a
 * rectangle or lasso being dragged is drawn.  Plain functions over
 * RaliMapData; the canvas (rali-map-canvas.h) owns the gestures.
 *
 * A lasso is a closed polygon (the last point joins the first).  Inside
 * means the even-odd rule, as Cairo's CAIRO_FILL_RULE_EVEN_ODD fills it:
 * where a free-hand outline crosses itself, the loops it makes twice are
 * outside. */
#pragma once

#include <gtk/gtk.h>

#include "rali-map-data.h"
#include "rali-map-render.h"

G_BEGIN_DECLS

/* poly [n, 2]; FALSE for n < 3 */
gboolean rali_map_point_in_polygon (const double *poly, guint n, double x, double y);

/* appends to out (guint), in index order, every point inside the polygon
 * poly [n, 2] (data units): the grid gives the points of its bounding box,
 * the even-odd test keeps those inside */
void     rali_map_data_query_polygon (const RaliMapData *data, const double *poly, guint n, GArray *out);

/* the lasso as it is dragged, wxy double (x, y) pairs in widget
 * coordinates: adds a point unless it is within step px of the last one
 * (a point per few pixels is plenty; fewer edges, faster queries); TRUE
 * when added */
gboolean rali_map_lasso_add (GArray *wxy, double wx, double wy, double step);
/* the points inside that lasso, the widget showing the data through view */
void     rali_map_data_query_lasso (const RaliMapData *data, const RaliMapTransform *view, const GArray *wxy,
                                    GArray *out);

/* the dragged rectangle band [x0 y0 x1 y1] and lasso wxy [n, 2], in widget
 * coordinates: a translucent fill and an outline in color */
void     rali_map_snapshot_band  (GtkSnapshot *snapshot, const double band[4], const GdkRGBA *color);
void     rali_map_snapshot_lasso (GtkSnapshot *snapshot, const double *wxy, guint n, const GdkRGBA *color);
/* a thin line between two boxes (widget coordinates): a photo to one of
 * its neighbours, from edge to edge */
void     rali_map_snapshot_link  (GtkSnapshot *snapshot, const graphene_rect_t *from, const graphene_rect_t *to,
                                  const GdkRGBA *color);

/* a small pill of color with white bold text centred on (x, y): a
 * neighbour's rank */
void     rali_map_snapshot_badge (GtkWidget *widget, GtkSnapshot *snapshot, double x, double y, const char *text,
                                  const GdkRGBA *color);

G_END_DECLS
