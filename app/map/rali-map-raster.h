/* RaliMapRaster: the map's points rasterised fast enough for 100,000 per
 * frame.  Each point is an anti-aliased disc with a darker rim, stamped
 * from a precomputed mask (radii in quarter pixels) and OVER-blended in
 * 8-bit premultiplied ARGB, two channels per multiply.  The points are
 * kept in drawing order with their colours, so that a redraw reads memory
 * in sequence.  Exports draw with Cairo instead (rali-map-render.h). */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "rali-map-render.h"

G_BEGIN_DECLS

typedef struct _RaliMapRaster RaliMapRaster;

RaliMapRaster *rali_map_raster_new  (void);
void           rali_map_raster_free (RaliMapRaster *raster);

/* the points of data with colours, sizes and order under style (greyed
 * points first, then the colour mode's order) */
void rali_map_raster_set_points (RaliMapRaster *raster, const RaliMapData *data, const RaliMapStyle *style);
/* draws them into an ARGB32 image surface through t (surface pixels),
 * radius base × each point's size factor */
void rali_map_raster_draw (RaliMapRaster *raster, cairo_surface_t *surface, const RaliMapTransform *t, double base);

G_END_DECLS
