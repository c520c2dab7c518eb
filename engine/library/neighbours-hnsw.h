/* The hnswlib graph behind neighbours.c (private to engine/library/).
 * neighbours-hnsw.cpp is the only C++ in librali: it wraps hnswlib's
 * HierarchicalNSW<float> in an inner-product space behind this C API and
 * turns every C++ exception into a return value. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RaliHnsw RaliHnsw;

/* returns FALSE to stop the build (polled by the building threads) */
typedef gboolean (*RaliHnswContinue) (gpointer data);

typedef enum {
  RALI_HNSW_OK,
  RALI_HNSW_STOPPED,   /* keep_going said no */
  RALI_HNSW_NO_MEMORY,
  RALI_HNSW_FAILED,    /* hnswlib threw something else: see message */
} RaliHnswStatus;

/* builds the graph over X [N, D] (copied) with n_threads threads; *out is
 * NULL unless RALI_HNSW_OK; message (g_free) says what failed otherwise */
RaliHnswStatus rali_hnsw_build (RaliHnsw **out, const float *X, int N, int D, int M, int ef_construction,
                                int ef_search, guint32 seed, int n_threads, RaliHnswContinue keep_going,
                                gpointer data, char **message);
void           rali_hnsw_free (RaliHnsw *h);

/* up to k labels (point indices) nearest q [D] by 1 − q·x, nearest first,
 * with their inner products; label `exclude` left out.  Returns how many;
 * −1 when hnswlib failed */
int            rali_hnsw_search (const RaliHnsw *h, const float *q, int k, int exclude, int *ids, float *sims);
void           rali_hnsw_set_ef (RaliHnsw *h, int ef);
/* copies point i [D] into out; FALSE when i is not in the graph */
gboolean       rali_hnsw_get_point (const RaliHnsw *h, int i, float *out);

G_END_DECLS
