/* Nearest neighbours of photos in embedding space ("Similar photos").  No GTK.
 *
 * Dimension letters: N points, D dimensions, k neighbours.  Points are the
 * unit embeddings e (float32, row-major [N, D]); similarity is the cosine,
 * the inner product of unit vectors (not renormalised here: pass unit
 * vectors).
 *
 * Two kinds of index, one interface:
 * - exact: one OpenBLAS sgemv of the query against all points and a
 *   top-k selection, O(N D) per query (about 1 ms at 10,000 points of
 *   256 dims, 10-30 ms at 100,000); nothing to build.
 * - HNSW: hnswlib's hierarchical navigable small-world graph (Debian's
 *   libhnswlib-dev, header-only; engine/library/neighbours-hnsw.cpp wraps
 *   it), inner-product space.  Approximate.  On clustered 256-d unit
 *   vectors (64 centres, as embeddings of photos group) at the default
 *   parameters (M 16, ef_construction 200, ef_search 200) recall@10
 *   against the exact search is 1.0 at 10,000 points and 0.9993 at
 *   100,000, a query 0.9 ms against the exact search's 24 ms, after a
 *   38-s build on two busy cores (tests/bench-neighbours.c); at 1,000,000
 *   points 0.937 (3.1 ms against 177 ms; 0.971 at ef_search 400, 5.6 ms)
 *   after a 39-min build (two threads at nice 10 on a busy machine, 2.25
 *   GB resident with the points): larger sets need a wider search.  On uniformly
 *   random directions, the worst case (no neighbour is much nearer than
 *   the rest), it needs ef_search 800 for 0.997 at 10,000 points and stays
 *   at 0.73 at 100,000: there the exact search is the right one.
 *   tests/test-neighbours.c checks both at 10,000.  The build is
 *   multi-threaded; the order in which threads insert makes the graph, and
 *   so rare results, run-dependent unless n_threads is 1.
 * Below RALI_NEIGHBOURS_HNSW_MIN points the exact search is fast enough
 * that an HNSW graph does not pay for its build.
 *
 * Results: the k most similar points by decreasing similarity, ties by
 * the lower index; a point is never its own neighbour when asked by
 * index.  Searches may run concurrently from any thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RALI_NEIGHBOURS_HNSW_MIN 50000

typedef struct _RaliNeighbours RaliNeighbours;

typedef struct {
  int M;               /* graph degree (16) */
  int ef_construction; /* candidate list while building (200) */
  int ef_search;       /* candidate list while searching (200); ≥ k is used */
  guint32 seed;        /* level generator (0x52414c49) */
  int n_threads;       /* build threads; 0: the processors (at most 8) */
} RaliHnswParams;

void rali_hnsw_params_init (RaliHnswParams *params);

/* TRUE when this librali was built with hnswlib (else only the exact
 * index exists and rali_neighbours_new_hnsw fails with RALI_ERROR_USAGE) */
gboolean rali_neighbours_have_hnsw (void);

/* The exact index over X [N, D], which it takes (g_free'd with it). */
RaliNeighbours *rali_neighbours_new_exact (float *X, int N, int D);
/* An HNSW graph over X [N, D] (copied into the graph; X may be freed
 * after).  NULL with G_IO_ERROR_CANCELLED when cancelled, or
 * RALI_ERROR_TOO_LARGE when out of memory. */
RaliNeighbours *rali_neighbours_new_hnsw (const float *X, int N, int D, const RaliHnswParams *params,
                                          GCancellable *cancellable, GError **error);

RaliNeighbours *rali_neighbours_ref   (RaliNeighbours *nb);
void            rali_neighbours_unref (RaliNeighbours *nb);

int      rali_neighbours_get_n (const RaliNeighbours *nb);
int      rali_neighbours_get_dim (const RaliNeighbours *nb);
gboolean rali_neighbours_is_exact (const RaliNeighbours *nb);
/* the exact index's points [N, D]; NULL for HNSW */
const float *rali_neighbours_get_points (const RaliNeighbours *nb);

/* HNSW: the candidate list of later searches (ignored by the exact index).
 * Not while searches run. */
void rali_neighbours_set_ef_search (RaliNeighbours *nb, int ef);

/* The k points most similar to q [D], leaving out point `exclude` (−1:
 * none): ids [k] and their similarities sims [k] (may be NULL).  Returns
 * how many were found (k, or fewer when N is smaller). */
int rali_neighbours_search (const RaliNeighbours *nb, const float *q, int k, int exclude, int *ids, float *sims);
/* the k points most similar to point i, i itself left out */
int rali_neighbours_search_point (const RaliNeighbours *nb, int i, int k, int *ids, float *sims);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliNeighbours, rali_neighbours_unref)

G_END_DECLS
