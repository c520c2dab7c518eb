/* Drawing the map with Cairo: the colours, the view transform, the
 * prototype markers (shared by the on-screen canvas and the exports), and
 * the PNG / SVG export of the whole map with its legend.
 *
 * The canvas draws its points with its own raster stamps (fast enough for
 * 100,000 points per frame); the exports draw every point as a Cairo
 * circle (vector in SVG). */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "rali-map-data.h"

G_BEGIN_DECLS

typedef enum {
  RALI_MAP_COLOR_CLUSTER,
  RALI_MAP_COLOR_SCORE,
} RaliMapColorMode;

/* How the points look; the same for screen and export. */
typedef struct {
  RaliMapColorMode color_mode;
  gboolean size_by_score;   /* radius × (0.5 + score fraction) */
  gboolean show_prototypes;
  const guint8 *selected;   /* [n] 1 = selected, or NULL: nothing greyed */
  gboolean dark;            /* on a dark background */
} RaliMapStyle;

/* data (x, y) -> surface (cx + (x − x0)·scale, cy − (y − y0)·scale): y up */
typedef struct {
  double x0, y0;   /* data point at the centre */
  double scale;    /* device pixels per data unit */
  double cx, cy;   /* the centre on the surface */
} RaliMapTransform;

static inline double rali_map_tx (const RaliMapTransform *t, double x) { return t->cx + (x - t->x0) * t->scale; }
static inline double rali_map_ty (const RaliMapTransform *t, double y) { return t->cy - (y - t->y0) * t->scale; }

/* the transform that fits data's bounds into [left, right] × [top, bottom] */
void rali_map_transform_fit (RaliMapTransform *t, const RaliMapData *data, double left, double top,
                             double right, double bottom);

/* 12 distinct cluster colours (cycled past 12), 0..1 */
void   rali_map_cluster_color (int cluster, double rgb[3]);
/* the point's colour under style (greyed when not selected) and its alpha */
void   rali_map_point_color (const RaliMapData *data, const RaliMapStyle *style, int i, double rgb[3],
                             double *alpha);
/* the base radius of a point in pixels for n points (1.5 .. 6), before zoom */
double rali_map_base_radius (int n);
double rali_map_point_radius (const RaliMapData *data, const RaliMapStyle *style, int i, double base);

/* diamonds, in the surface's units: with the prototype number (labels:
 * the exports, where nothing can be hovered), or smaller and half
 * transparent (on screen, where hovering one names it) */
void rali_map_draw_prototypes (cairo_t *cr, const RaliMapData *data, const RaliMapTransform *t,
                               double unit, gboolean dark, gboolean labels);
/* the prototype nearest (wx, wy) on the surface within radius, or -1 */
int  rali_map_prototype_at (const RaliMapData *data, const RaliMapTransform *t, double wx, double wy,
                            double radius);

typedef enum {
  RALI_MAP_EXPORT_PNG,
  RALI_MAP_EXPORT_SVG,
} RaliMapExportFormat;

/* The whole map, fitted, with axes, legend and a caption saying what is
 * drawn, 1600 × 1000 (PNG at 1×; SVG in points). */
gboolean rali_map_export (const RaliMapData *data, const RaliMapStyle *style, RaliMapExportFormat format,
                          const char *path, GError **error);

G_END_DECLS
