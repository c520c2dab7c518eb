/* The detail view's "why" and "where" for the test driver
 * (rali-test-driver.c: "why …"): the summary sentence, the evidence and the
 * Details expander (RaliWhyPanel), the quality map, focus peaking and the
 * brightness histogram of the photo shown.  The overlays are switched with
 * "action detail.quality-map" / "action detail.focus-peaking" /
 * "action detail.similar" (the Q, F and N keys' actions).
 *
 *   why status            -> {"event":"why", item, loaded, busy: {why, tiles, analysis},
 *                             summary, evidence: [{text, weight, caption}],
 *                             evidence_more (the line after the list, or null), details,
 *                             expanded, legend,
 *                             map: {shown, cols, rows, width, height, on_main_thread,
 *                                   seconds, n_weak, error, a11y,
 *                                   tiles: [{x, y, w, h, cell: [x, y, w, h], score, index, text}]},
 *                             peaking: {shown, ready, a11y},
 *                             histogram: {ready, clipped_low, clipped_high, caption, a11y},
 *                             similar: {on, shown, query, busy, exact, n_photos,
 *                                       rows: [[name, similarity]]},
 *                             buttons: {map, peaking, similar}}
 *   why expand on|off     -> opens or closes the Details expander, then status
 *   why similar-row R | why similar-close -> a "Similar photos" row activated / the list closed
 *   why scroll top|end    -> scrolls the side panel to its top or its end (the histogram)
 *   why tooltip FX FY     -> {"event":"why-tooltip", text}: the quality map's tooltip at
 *                            (FX, FY), fractions of the photo as drawn */
#pragma once

#include <json-glib/json-glib.h>

#include "rali-window.h"

G_BEGIN_DECLS

JsonNode *rali_detail_test_command (RaliWindow *window, const char *args);

G_END_DECLS
