/* RaliScoreGauge: the score on a 270° arc, drawn with Cairo. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RALI_TYPE_SCORE_GAUGE (rali_score_gauge_get_type ())
G_DECLARE_FINAL_TYPE (RaliScoreGauge, rali_score_gauge, RALI, SCORE_GAUGE, GtkWidget)

GtkWidget *rali_score_gauge_new (void);
/* score in the model's units, fraction its position on the scale (0..1) */
void       rali_score_gauge_set_score (RaliScoreGauge *self, double score, double fraction);
void       rali_score_gauge_clear     (RaliScoreGauge *self);

/* The colour of a position on the score scale: red (0) - amber - green (1).
 * The badge classes in style.css use the same stops. */
void       rali_score_color (double fraction, GdkRGBA *out);

G_END_DECLS
