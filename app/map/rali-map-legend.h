/* RaliMapLegend: the map's legend card: the clusters, each with its colour,
 * its name (the descriptor sentences most over-represented in it,
 * rali-map-data.h) and, beside it, its members' mean score; or the score
 * colour scale when the map is coloured by score; and a note on the
 * prototype markers when they are shown.
 *
 * Signal "cluster-activated" (int cluster): a row was clicked or
 * activated with the keyboard. */
#pragma once

#include <gtk/gtk.h>

#include "rali-map-data.h"

G_BEGIN_DECLS

#define RALI_TYPE_MAP_LEGEND (rali_map_legend_get_type ())
G_DECLARE_FINAL_TYPE (RaliMapLegend, rali_map_legend, RALI, MAP_LEGEND, GtkWidget)

/* the clusters and scale of data (borrowed for the call), or none */
void rali_map_legend_set_data (RaliMapLegend *self, const RaliMapData *data);
/* colouring by score: the scale shows, the cluster swatches dim */
void rali_map_legend_set_by_score (RaliMapLegend *self, gboolean by_score);
void rali_map_legend_set_prototype_note (RaliMapLegend *self, gboolean shown);

G_END_DECLS
