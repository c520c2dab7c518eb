/* Scores one photo for the compare and detail views, off the main thread,
 * with every prototype's similarity (rali_head_score's sims) and weight, not
 * only the top ones, and the descriptors' consensus over all of them
 * ("Why this score", head/explain.h); and scores a photo's tiles for the
 * detail view's quality map.
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

#include "head/explain.h"
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
  float *weights;       /* [K] softmax(s/τ): each prototype's share of the score */
  double temperature;   /* τ */
  gboolean has_texts;   /* the model ships descriptor texts */
  RaliSentence *sentences; /* the consensus ranking (rali_head_consensus): */
  int n_sentences;      /* how many, */
  int n_majority;       /* the first n_majority have a majority */
  char *summary;        /* rali_sentences_join of those (NULL when none has) */
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

/* A photo's quality map (head/explain.h): its tiles scored on the same
 * kept model and engine, one request at a time with the others. */
typedef struct {
  char *path;
  int cols, rows;       /* the grid (rali_tile_grid_auto unless asked) */
  int width, height;    /* the photo's size, decoded at full size */
  RaliTileScore *tiles;      /* [cols * rows], row-major */
  char **texts;         /* [cols * rows] each tile's top descriptor, NULL-terminated */
  double score_min, score_max;
  gboolean on_main_thread; /* where it ran (a test checks it never is) */
  double seconds;       /* how long the scoring took */
} RaliTileResult;

void rali_tile_result_free (RaliTileResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliTileResult, rali_tile_result_free)

/* cols or rows <= 0: rali_tile_grid_auto.  Cancelling stops between batches. */
void            rali_compare_tiles_async  (const char *path, const char *model_path, RaliBackendKind backend,
                                           int cols, int rows, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
RaliTileResult *rali_compare_tiles_finish (GAsyncResult *result, GError **error);

/* Waits for a request in flight, frees the model and makes later requests
 * fail: call before the catalog closes. */
void rali_compare_scorer_shutdown (void);

G_END_DECLS
