/* RaliScoreHistogram: how the scores of a folder spread, drawn with Cairo,
 * with a threshold the user drags (or moves with the arrow keys): the
 * photos below it are the ones the gallery's filter hides, or the ones
 * auto-cull rejects.
 *
 * Properties: stats (a RaliScoreStats; redrawn on its "changed"), lower
 * and upper (the model's scale), threshold (at lower: off), high (photos
 * above it are shaded too; at upper: off), rejecting (the part below the
 * threshold is tinted red: what auto-cull rejects).  The x axis spans the scores
 * present, not the whole scale: a shoot's scores crowd into a narrow band.
 * While a drag runs, threshold follows it at most every few frames (each
 * change may re-filter the gallery) and takes the last value when it ends.
 * Accessible as a slider whose value is the threshold. */
#pragma once

#include <gtk/gtk.h>

#include "rali-score-stats.h"

G_BEGIN_DECLS

#define RALI_TYPE_SCORE_HISTOGRAM (rali_score_histogram_get_type ())
G_DECLARE_FINAL_TYPE (RaliScoreHistogram, rali_score_histogram, RALI, SCORE_HISTOGRAM, GtkWidget)

GtkWidget *rali_score_histogram_new (void);

void   rali_score_histogram_set_stats     (RaliScoreHistogram *self, RaliScoreStats *stats);
void   rali_score_histogram_set_range     (RaliScoreHistogram *self, double lower, double upper);
void   rali_score_histogram_set_threshold (RaliScoreHistogram *self, double threshold);
double rali_score_histogram_get_threshold (RaliScoreHistogram *self);

/* The scores the x axis spans now, and the bar counts (n_bins of them;
 * NULL when there are no scores).  For the test driver. */
void          rali_score_histogram_get_view (RaliScoreHistogram *self, double *lo, double *hi);
const guint  *rali_score_histogram_get_bins (RaliScoreHistogram *self, guint *n_bins);
/* widget x of a score, for a drag aimed at it */
double        rali_score_histogram_x_for_score (RaliScoreHistogram *self, double score);

/* A drag from x0 to x1 (widget coordinates) in steps, through the same
 * code as the pointer's gesture.  For the test driver. */
void rali_score_histogram_drag (RaliScoreHistogram *self, double x0, double x1, int steps);
/* Moves the threshold by steps keyboard steps, as the arrow keys do. */
void rali_score_histogram_step (RaliScoreHistogram *self, int steps);

G_END_DECLS
