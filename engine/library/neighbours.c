/* Nearest neighbours in embedding space: see neighbours.h.
 *
 * The exact index scores a query against all points with one sgemv (in
 * blocks of BLOCK rows, so that the scratch stays small) and keeps the
 * best k in a sorted array; the HNSW index is hnswlib's graph
 * (neighbours-hnsw.cpp). */
#include "neighbours.h"

#include "rali.h"
#ifdef RALI_HAVE_HNSWLIB
#include "neighbours-hnsw.h"
#endif

#include <cblas.h>
#include <math.h>
#include <string.h>

#define BLOCK 8192 /* rows per sgemv */

struct _RaliNeighbours {
  gint ref_count;
  int N, D;
  float *X; /* [N, D] (exact) */
#ifdef RALI_HAVE_HNSWLIB
  RaliHnsw *hnsw;
#endif
};

void
rali_hnsw_params_init (RaliHnswParams *p)
{
  p->M = 16;
  p->ef_construction = 200;
  p->ef_search = 200;
  p->seed = 0x52414c49;
  p->n_threads = 0;
}

gboolean
rali_neighbours_have_hnsw (void)
{
#ifdef RALI_HAVE_HNSWLIB
  return TRUE;
#else
  return FALSE;
#endif
}

RaliNeighbours *
rali_neighbours_new_exact (float *X, int N, int D)
{
  g_return_val_if_fail (N >= 0 && D > 0 && (X || N == 0), NULL);
  RaliNeighbours *nb = g_new0 (RaliNeighbours, 1);
  nb->ref_count = 1;
  nb->N = N;
  nb->D = D;
  nb->X = X;
  return nb;
}

#ifdef RALI_HAVE_HNSWLIB
static gboolean
keep_going (gpointer cancellable)
{
  return !g_cancellable_is_cancelled (cancellable);
}
#endif

RaliNeighbours *
rali_neighbours_new_hnsw (const float *X, int N, int D, const RaliHnswParams *params, GCancellable *cancellable,
                          GError **error)
{
  RaliHnswParams def;
  if (!params)
    {
      rali_hnsw_params_init (&def);
      params = &def;
    }
  if (N < 0 || D < 1 || (N > 0 && !X) || params->M < 2 || params->ef_construction < 1 || params->ef_search < 1)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "HNSW: bad arguments (N %d, D %d, M %d)", N, D, params->M);
      return NULL;
    }
#ifdef RALI_HAVE_HNSWLIB
  int threads = params->n_threads > 0 ? params->n_threads : CLAMP ((int) g_get_num_processors (), 1, 8);
  RaliHnsw *h = NULL;
  g_autofree char *message = NULL;
  RaliHnswStatus status = rali_hnsw_build (&h, X, N, D, params->M, params->ef_construction, params->ef_search,
                                           params->seed, threads, cancellable ? keep_going : NULL, cancellable,
                                           &message);
  switch (status)
    {
    case RALI_HNSW_OK:
      break;
    case RALI_HNSW_STOPPED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return NULL;
    case RALI_HNSW_NO_MEMORY:
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "not enough memory for an HNSW graph of %d points", N);
      return NULL;
    default:
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "HNSW: %s", message ? message : "failed");
      return NULL;
    }
  RaliNeighbours *nb = g_new0 (RaliNeighbours, 1);
  nb->ref_count = 1;
  nb->N = N;
  nb->D = D;
  nb->hnsw = h;
  return nb;
#else
  (void) cancellable;
  g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "this build has no HNSW index (hnswlib was not found)");
  return NULL;
#endif
}

RaliNeighbours *
rali_neighbours_ref (RaliNeighbours *nb)
{
  g_atomic_int_inc (&nb->ref_count);
  return nb;
}

void
rali_neighbours_unref (RaliNeighbours *nb)
{
  if (!nb || !g_atomic_int_dec_and_test (&nb->ref_count))
    return;
  g_free (nb->X);
#ifdef RALI_HAVE_HNSWLIB
  g_clear_pointer (&nb->hnsw, rali_hnsw_free);
#endif
  g_free (nb);
}

int
rali_neighbours_get_n (const RaliNeighbours *nb)
{
  return nb->N;
}

int
rali_neighbours_get_dim (const RaliNeighbours *nb)
{
  return nb->D;
}

gboolean
rali_neighbours_is_exact (const RaliNeighbours *nb)
{
  return nb->X != NULL || nb->N == 0;
}

const float *
rali_neighbours_get_points (const RaliNeighbours *nb)
{
  return nb->X;
}

void
rali_neighbours_set_ef_search (RaliNeighbours *nb, int ef)
{
#ifdef RALI_HAVE_HNSWLIB
  if (nb->hnsw)
    rali_hnsw_set_ef (nb->hnsw, ef);
#else
  (void) nb;
  (void) ef;
#endif
}

/* into the best [n] (by decreasing s, then increasing id): candidate id
 * with similarity s, scanned in increasing id, so that an equal s never
 * displaces an earlier one */
static void
keep_best (int *ids, float *s, int *n, int k, int id, float sim)
{
  if (*n == k && !(sim > s[k - 1]))
    return;
  int j = *n < k ? (*n)++ : k - 1;
  while (j > 0 && s[j - 1] < sim)
    {
      s[j] = s[j - 1];
      ids[j] = ids[j - 1];
      j--;
    }
  s[j] = sim;
  ids[j] = id;
}

static int
exact_search (const RaliNeighbours *nb, const float *q, int k, int exclude, int *ids, float *sims)
{
  int rows = MIN (nb->N, BLOCK);
  g_autofree float *dot = g_new (float, MAX (rows, 1));
  g_autofree float *best = g_new (float, k);
  int n = 0;
  for (int i0 = 0; i0 < nb->N; i0 += BLOCK)
    {
      int b = MIN (BLOCK, nb->N - i0);
      /* dot [b] = X[i0 .. i0 + b) q */
      cblas_sgemv (CblasRowMajor, CblasNoTrans, b, nb->D, 1.0f, nb->X + (gsize) i0 * nb->D, nb->D, q, 1, 0.0f, dot,
                   1);
      for (int t = 0; t < b; t++)
        if (i0 + t != exclude && !isnan (dot[t]))
          keep_best (ids, best, &n, k, i0 + t, dot[t]);
    }
  if (sims)
    memcpy (sims, best, sizeof (float) * n);
  return n;
}

int
rali_neighbours_search (const RaliNeighbours *nb, const float *q, int k, int exclude, int *ids, float *sims)
{
  g_return_val_if_fail (nb && q && ids, 0);
  if (k < 1 || nb->N == 0)
    return 0;
#ifdef RALI_HAVE_HNSWLIB
  if (nb->hnsw)
    return MAX (rali_hnsw_search (nb->hnsw, q, k, exclude, ids, sims), 0);
#endif
  return exact_search (nb, q, k, exclude, ids, sims);
}

int
rali_neighbours_search_point (const RaliNeighbours *nb, int i, int k, int *ids, float *sims)
{
  g_return_val_if_fail (nb && i >= 0 && i < nb->N, 0);
  if (nb->X)
    return rali_neighbours_search (nb, nb->X + (gsize) i * nb->D, k, i, ids, sims);
#ifdef RALI_HAVE_HNSWLIB
  g_autofree float *q = g_new (float, nb->D);
  if (nb->hnsw && rali_hnsw_get_point (nb->hnsw, i, q))
    return rali_neighbours_search (nb, q, k, i, ids, sims);
#endif
  return 0;
}
