/* RaliScoringProgress: done/total, images/s, time left and Cancel for a
 * RaliScorer, shown under the header bar while it runs. */
#pragma once

#include <gtk/gtk.h>

#include "rali-scorer.h"

G_BEGIN_DECLS

#define RALI_TYPE_SCORING_PROGRESS (rali_scoring_progress_get_type ())
G_DECLARE_FINAL_TYPE (RaliScoringProgress, rali_scoring_progress, RALI, SCORING_PROGRESS, GtkWidget)

/* shows where scorer is now */
void rali_scoring_progress_update (RaliScoringProgress *self, RaliScorer *scorer);

/* "1 min 05 s" */
char *rali_format_duration (double seconds);

G_END_DECLS
