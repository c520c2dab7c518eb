/* RaliDescriptorBars: the evidence for one image's score: its nearest
 * distinct prototypes, each with its descriptor text, a bar of its share of
 * the score (its softmax weight) and that share in words ("carries 62 % of
 * this score"), drawn with Cairo.  The list stops where the weight stops:
 * reasons that carry less than 1 % are counted in a last line, not drawn
 * (the why panel's Details lists them all). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RALI_TYPE_DESCRIPTOR_BARS (rali_descriptor_bars_get_type ())
G_DECLARE_FINAL_TYPE (RaliDescriptorBars, rali_descriptor_bars, RALI, DESCRIPTOR_BARS, GtkWidget)

GtkWidget *rali_descriptor_bars_new (void);
/* descriptors: RaliItemDescriptor* (referenced); shows the first top_k.
 * score_min/max: the model's scale, for the colour of each prototype. */
void       rali_descriptor_bars_set (RaliDescriptorBars *self, GPtrArray *descriptors, int top_k,
                                     double score_min, double score_max);
/* what a row says of a share of the score (weight 0..1) and of its
 * near-copies' (RaliItemDescriptor's near_weight); g_free */
char      *rali_descriptor_share_caption (double weight, double near_weight);
/* rows shown, and row i's text and caption as drawn (for tests) */
int         rali_descriptor_bars_get_n_rows  (RaliDescriptorBars *self);
const char *rali_descriptor_bars_get_text    (RaliDescriptorBars *self, int i);
char       *rali_descriptor_bars_dup_caption (RaliDescriptorBars *self, int i);
double      rali_descriptor_bars_get_weight  (RaliDescriptorBars *self, int i);
/* the last line: how many reasons were left out and their share; NULL when none */
char       *rali_descriptor_bars_dup_footer  (RaliDescriptorBars *self);

G_END_DECLS
