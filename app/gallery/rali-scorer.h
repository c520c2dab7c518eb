/* RaliScorer: scores gallery items in the background.
 *
 * One worker thread runs one job at a time: it loads (and keeps) the model
 * and engine, looks every file up in the catalog (hits are not rescored),
 * runs the misses through rali_engine_run_files() and queues each result
 * for the catalog writer.  Results come back to the main thread in batches
 * from a main-loop timeout, are applied to the items there, and "progress" /
 * "finished" are emitted.  The main thread never decodes or runs the model. */
#pragma once

#include <gio/gio.h>

#include "library/catalog.h"
#include "rali.h"

G_BEGIN_DECLS

#define RALI_TYPE_SCORER (rali_scorer_get_type ())
G_DECLARE_FINAL_TYPE (RaliScorer, rali_scorer, RALI, SCORER, GObject)

/* catalog may be NULL (then everything is scored and nothing remembered);
 * it must outlive the scorer. */
RaliScorer *rali_scorer_new (RaliCatalog *catalog);

/* Cancels any running job and scores items (RaliGalleryItem) with the
 * model at model_path.  top_k descriptors are kept per file (at least 5). */
void     rali_scorer_start   (RaliScorer *self, GPtrArray *items, const char *model_path,
                              RaliBackendKind backend, int top_k);
void     rali_scorer_cancel  (RaliScorer *self);
gboolean rali_scorer_is_running (RaliScorer *self);

/* counts for the current (or last) job */
guint    rali_scorer_get_total     (RaliScorer *self);
guint    rali_scorer_get_done      (RaliScorer *self); /* cached + rescored */
guint    rali_scorer_get_cached    (RaliScorer *self); /* catalog hits (failures included) */
guint    rali_scorer_get_rescored  (RaliScorer *self); /* not in the catalog: run through the model */
guint    rali_scorer_get_failed    (RaliScorer *self); /* files that failed, cached or not */
/* images per second through the model, over the job so far (0 if unknown) */
double   rali_scorer_get_rate      (RaliScorer *self);
/* seconds from start to the first result; < 0 before it */
double   rali_scorer_get_first_result_seconds (RaliScorer *self);
double   rali_scorer_get_elapsed_seconds (RaliScorer *self);

/* what the last job's model said about itself (NULL before one loaded) */
const char *rali_scorer_get_model_name       (RaliScorer *self);
const char *rali_scorer_get_model_provenance (RaliScorer *self);
const char *rali_scorer_get_backend_name     (RaliScorer *self);
/* non-NULL when the last job could not load its model or engine */
const char *rali_scorer_get_model_error      (RaliScorer *self);
/* the model's score scale (0..1 before a model loaded) */
void        rali_scorer_get_score_range      (RaliScorer *self, double *score_min, double *score_max);

G_END_DECLS
