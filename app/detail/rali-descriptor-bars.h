/* RaliDescriptorBars: the nearest prototypes of one image, each with its
 * descriptor text and a similarity bar, drawn with Cairo. */
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

G_END_DECLS
