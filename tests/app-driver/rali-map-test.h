/* The map's commands for the test driver (rali-test-driver.c: "map …").
 * Coordinates are in the map's data (PCA) units, as the CSV export writes
 * them, so a test can aim at photos it read from the CSV.
 *
 *   map status                    -> {"event":"map", computing, points, clusters, selected,
 *                                     prototypes, explained, legend: [{name, size, mean_score}],
 *                                     show_prototypes, thumbnails, sprites, sprites_ready,
 *                                     similar: {shown, query, busy, exact, n_photos,
 *                                               rows: [[name, similarity]], ringed_query, ringed}, …}
 *   map export png|svg|csv PATH   -> {"event":"map-export", ok, error}
 *   map select X0 Y0 X1 Y1        -> a rectangle selection (as Shift+drag), then status
 *   map lasso X0 Y0 X1 Y1 X2 Y2 … -> a lasso through those points (as Shift+drag
 *                                    in lasso mode), then status
 *   map lasso-draw X Y … | map lasso-end -> the lasso drawn so far, not ended / ended
 *   map tool rectangle|lasso      -> what Shift+drag draws (status "tool")
 *   map select-cluster C | map clear
 *   map hover X Y | map click X Y -> the pointer over / a click at a data point, then status
 *   map style cluster|score [sizes] [prototypes]
 *   map similar-row R | map similar-close -> a "Similar photos" row activated / the list closed
 *   map action NAME               -> the view's action map.NAME (thumbnails, prototypes, similar, fit, …)
 *   map key NAME                  -> {"event":"map-key", handled}: the key (Escape) as the map takes it
 *   map zoom FACTOR [X Y]         -> around the data point X Y, or the centre
 *   map centre X Y                -> pans the data point X Y to the middle
 *   map synthetic N [D]           -> N random embeddings instead of the photos
 *   map bench FRAMES              -> {"event":"map-bench", full_ms, hover_ms, raster_ms: [median, max]} */
#pragma once

#include <json-glib/json-glib.h>

#include "map/rali-map-view.h"

G_BEGIN_DECLS

/* The reply (a JSON object), never NULL. */
JsonNode *rali_map_test_command (RaliMapView *view, const char *args);

/* a "Similar photos" list's state as members of the object being built
 * (the map's and the detail view's lists) */
void rali_test_add_neighbour_list (JsonBuilder *b, RaliNeighbourList *list, RaliSimilarPhotos *similar);

G_END_DECLS
