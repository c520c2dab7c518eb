/* Scores one photo for the compare view, off the main thread, with every
 * prototype's similarity (rali_head_score's sims), not only the top ones.
 *
 * The catalog stores the unit embedding e = f/|f| and, since schema 3, |f|:
 * the head standardises f with the PCA mean before it normalises, so it
 * needs f itself, and f = |f| e is exact up to float rounding.  A photo with
 * such a row is not run through the model again; any other (a file dropped
 * from outside the gallery, a row from an older catalog) is decoded and run
 * through the engine here.  One model and engine are kept for all compare
 * requests, opened on first use. */
#pragma once

#include <gio/gio.h>

#include "library/catalog.h"
#include "rali.h"

G_BEGIN_DECLS

typedef struct {
  char *path;
  double score;
  double score_min, score_max;
  int n_prototypes;     /* K */
  float *sims;          /* [K] cosine similarity to each prototype */
  float *proto_scores;  /* [K] */
  char **texts;         /* [K] descriptor texts, NULL-terminated */
  int overlap_dim;      /* the model's rali_model_overlap_rows [K, overlap_dim], */
  float *overlap_rows;  /* so that the view lists distinct descriptors */
  gboolean from_catalog; /* f came from the catalog, the model did not run */
} RaliCompareResult;

void rali_compare_result_free (RaliCompareResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliCompareResult, rali_compare_result_free)

void               rali_compare_score_async  (const char *path, const char *model_path,
                                              RaliBackendKind backend, RaliCatalog *catalog,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);
RaliCompareResult *rali_compare_score_finish (GAsyncResult *result, GError **error);

/* The same, on the calling thread (the worker's body; also for tests). */
RaliCompareResult *rali_compare_score (const char *path, const char *model_path, RaliBackendKind backend,
                                       RaliCatalog *catalog, GError **error);

/* Waits for a request in flight, frees the model and makes later requests
 * fail: call before the catalog closes. */
void rali_compare_scorer_shutdown (void);

G_END_DECLS
