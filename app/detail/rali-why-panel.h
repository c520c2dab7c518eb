/* RaliWhyPanel: "Why this score" for one photo, in the detail view's side
 * bar: one plain sentence first, the descriptors' consensus over all the
 * prototypes' weights (head/explain.h; computed off the main thread by
 * rali-compare-scorer.h, from the catalog's features, with the model and
 * backend of the window's application);
 * then the evidence, the nearest distinct descriptors, each with its real
 * share of the score ("carries 62 % of this score"); then, in a "Details"
 * expander for researchers, the internals: each descriptor's prototype
 * index, similarity, prototype score and softmax weight, the temperature,
 * and the support of the sentences the summary was made from. */
#pragma once

#include <gtk/gtk.h>

#include "compare/rali-compare-scorer.h"
#include "gallery/rali-gallery-item.h"

G_BEGIN_DECLS

#define RALI_TYPE_WHY_PANEL (rali_why_panel_get_type ())
G_DECLARE_FINAL_TYPE (RaliWhyPanel, rali_why_panel, RALI, WHY_PANEL, GtkWidget)

/* The evidence: the item's descriptors (RaliItemDescriptor*, referenced),
 * the first top_k shown; NULL for none. */
void rali_why_panel_set_evidence (RaliWhyPanel *self, GPtrArray *descriptors, int top_k,
                                  double score_min, double score_max);
/* The photo whose summary and internals to read (once it is scored);
 * NULL clears.  refresh reads them again (scored again, another model). */
void rali_why_panel_set_item (RaliWhyPanel *self, RaliGalleryItem *item);
void rali_why_panel_refresh  (RaliWhyPanel *self);
/* what was read (NULL while reading, or when it failed) */
const RaliCompareResult *rali_why_panel_get_result (RaliWhyPanel *self);
gboolean    rali_why_panel_is_busy (RaliWhyPanel *self);

/* The sentence a result gives (translated framing; the model's own words
 * inside); g_free.  The compare view shows it too. */
char *rali_why_summary_text (const RaliCompareResult *result);

/* for tests */
const char *rali_why_panel_get_summary (RaliWhyPanel *self);
const char *rali_why_panel_get_details (RaliWhyPanel *self);
GtkExpander *rali_why_panel_get_expander (RaliWhyPanel *self);
GtkWidget  *rali_why_panel_get_bars (RaliWhyPanel *self); /* a RaliDescriptorBars */

G_END_DECLS
