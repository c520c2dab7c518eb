/* PCA and K-means over many embeddings: see analysis.h for the rules.
 *
 * PCA: rows are centred on the mean in blocks of BLOCK into a scratch
 * buffer, and one OpenBLAS call per block does the heavy part (ssyrk for
 * the covariance, sgemm for the projection).
 * K-means works in coordinates centred on the data mean (as scikit-learn
 * does) and adds the mean back to the centroids it returns; distances use
 * |x − c|² = |x − μ|² + |c|² − 2 (x − μ)·c with one sgemm per block of
 * rows against all centres (see block_sq_dists).
 * Sums that decide results (mean, covariance, centroids, potentials,
 * inertia) are kept in double. */
#include "analysis.h"

#include "rali.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#define BLOCK 4096
#define SUB_ELEMENTS 8192 /* rows × D of one sgemv */
#define SUM_BLOCK 1024 /* rows summed in float before folding into double */

static gpointer
alloc_n (gsize n, gsize size, GError **error)
{
  gpointer p = g_try_malloc0_n (MAX (n, 1), size);
  if (!p)
    g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE,
                 "not enough memory for %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " bytes", n, size);
  return p;
}

static gboolean
check_data (const float *X, int N, int D, GError **error)
{
  if (!X || N < 1 || D < 1)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "no data (N = %d, D = %d)", N, D);
      return FALSE;
    }
  for (gsize i = 0; i < (gsize) N * D; i++)
    if (!isfinite (X[i]))
      {
        g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE,
                     "row %" G_GSIZE_FORMAT " has a non-finite value in dimension %" G_GSIZE_FORMAT,
                     i / D, i % D);
        return FALSE;
      }
  return TRUE;
}

/* mean [D] of X [N, D], summed in double */
static void
column_mean (float *mean, const float *X, int N, int D)
{
  g_autofree double *sum = g_new0 (double, D);
  for (int i = 0; i < N; i++)
    for (int d = 0; d < D; d++)
      sum[d] += X[(gsize) i * D + d];
  for (int d = 0; d < D; d++)
    mean[d] = (float) (sum[d] / N);
}

/* block [b, D] = X rows i0.. minus mean */
static void
centre_rows (float *block, const float *X, const float *mean, int i0, int b, int D)
{
  for (int i = 0; i < b; i++)
    {
      const float *x = X + (gsize) (i0 + i) * D;
      float *y = block + (gsize) i * D;
      for (int d = 0; d < D; d++)
        y[d] = x[d] - mean[d];
    }
}

/* ---- PCA ---- */

void
rali_pca_clear (RaliPca *pca)
{
  g_clear_pointer (&pca->mean, g_free);
  g_clear_pointer (&pca->components, g_free);
  g_clear_pointer (&pca->explained_variance, g_free);
  g_clear_pointer (&pca->explained_variance_ratio, g_free);
  pca->D = pca->k = 0;
  pca->total_variance = 0;
}

gboolean
rali_pca_fit (RaliPca *out, const float *X, int N, int D, int k, GCancellable *cancellable,
              GError **error)
{
  memset (out, 0, sizeof *out);
  if (!check_data (X, N, D, error))
    return FALSE;
  if (N < 2 || k < 1 || k > MIN (N, D))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE,
                   "PCA needs at least 2 points and 1 ≤ k ≤ min(N, D) (N = %d, D = %d, k = %d)", N, D, k);
      return FALSE;
    }
  g_autofree float *mean = alloc_n (D, sizeof (float), error);
  g_autofree double *cov = mean ? alloc_n ((gsize) D * D, sizeof (double), error) : NULL;
  g_autofree float *tmp = cov ? alloc_n ((gsize) D * D, sizeof (float), error) : NULL;
  g_autofree float *block = tmp ? alloc_n ((gsize) MIN (N, BLOCK) * D, sizeof (float), error) : NULL;
  if (!block)
    return FALSE;
  column_mean (mean, X, N, D);

  /* upper triangle of XcᵀXc: float32 per block, summed in double */
  for (int i0 = 0; i0 < N; i0 += BLOCK)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      int b = MIN (BLOCK, N - i0);
      centre_rows (block, X, mean, i0, b, D);
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasTrans, D, b, 1.0f, block, D, 0.0f, tmp, D);
      for (int r = 0; r < D; r++)
        for (int c = r; c < D; c++)
          cov[(gsize) r * D + c] += tmp[(gsize) r * D + c];
    }
  double trace = 0;
  for (int r = 0; r < D; r++)
    {
      for (int c = r; c < D; c++)
        cov[(gsize) r * D + c] /= (N - 1);
      trace += cov[(gsize) r * D + r];
    }

  /* the k largest eigenpairs (ascending in w, vectors in columns of z) */
  g_autofree double *w = alloc_n (D, sizeof (double), error);
  g_autofree double *z = w ? alloc_n ((gsize) D * k, sizeof (double), error) : NULL;
  g_autofree lapack_int *isuppz = z ? alloc_n (2 * (gsize) D, sizeof (lapack_int), error) : NULL;
  if (!isuppz)
    return FALSE;
  lapack_int m = 0;
  lapack_int info = LAPACKE_dsyevr (LAPACK_ROW_MAJOR, 'V', 'I', 'U', D, cov, D, 0, 0,
                                    D - k + 1, D, 0.0, &m, w, z, k, isuppz);
  if (info != 0 || m != k)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE,
                   "the eigen-solver failed (LAPACKE_dsyevr info %d, %d of %d eigenvalues)",
                   (int) info, (int) m, k);
      return FALSE;
    }

  out->D = D;
  out->k = k;
  out->mean = g_steal_pointer (&mean);
  out->components = g_new (float, (gsize) k * D);
  out->explained_variance = g_new (double, k);
  out->explained_variance_ratio = g_new (double, k);
  out->total_variance = trace;
  for (int j = 0; j < k; j++)
    {
      int col = k - 1 - j; /* descending */
      double ev = MAX (w[col], 0.0);
      out->explained_variance[j] = ev;
      out->explained_variance_ratio[j] = trace > 0 ? ev / trace : 0;
      /* sign: the entry of largest magnitude is positive */
      int big = 0;
      for (int d = 1; d < D; d++)
        if (fabs (z[(gsize) d * k + col]) > fabs (z[(gsize) big * k + col]))
          big = d;
      double sign = z[(gsize) big * k + col] < 0 ? -1.0 : 1.0;
      for (int d = 0; d < D; d++)
        out->components[(gsize) j * D + d] = (float) (sign * z[(gsize) d * k + col]);
    }
  return TRUE;
}

void
rali_pca_transform (float *Y, const RaliPca *pca, const float *X, int N)
{
  int D = pca->D, k = pca->k;
  g_autofree float *block = g_new (float, (gsize) MIN (MAX (N, 1), BLOCK) * D);
  for (int i0 = 0; i0 < N; i0 += BLOCK)
    {
      int b = MIN (BLOCK, N - i0);
      centre_rows (block, X, pca->mean, i0, b, D);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, b, k, D, 1.0f, block, D,
                   pca->components, D, 0.0f, Y + (gsize) i0 * k, k);
    }
}

/* ---- K-means ---- */

void
rali_kmeans_params_init (RaliKmeansParams *p)
{
  p->k = 0;
  p->k_min = 2;
  p->k_max = 12;
  p->n_init = 10;
  p->max_iter = 300;
  p->tol = 1e-4;
  p->seed = 0x52414c49; /* "RALI" */
  p->silhouette_sample = 2000;
  p->restart_sample = 20000;
}

void
rali_kmeans_clear (RaliKmeans *km)
{
  g_clear_pointer (&km->centroids, g_free);
  g_clear_pointer (&km->labels, g_free);
  g_clear_pointer (&km->sizes, g_free);
  km->k = km->D = 0;
}

/* The data as the K-means loop sees it: centred on mean, in blocks. */
typedef struct {
  const float *X;
  int N, D, k;
  const float *mean; /* [D] */
  float *xx;         /* [N] |x − mean|² */
  float *block;      /* [BLOCK, D] scratch */
  float *dots;       /* [BLOCK, max(k, trials)] */
  float *cc;         /* [max(k, trials)] |c|² */
} Data;

static void
data_clear (Data *d)
{
  g_clear_pointer (&d->xx, g_free);
  g_clear_pointer (&d->block, g_free);
  g_clear_pointer (&d->dots, g_free);
  g_clear_pointer (&d->cc, g_free);
}

static gboolean
data_init (Data *d, const float *X, int N, int D, int k, const float *mean, GError **error)
{
  memset (d, 0, sizeof *d);
  d->X = X;
  d->N = N;
  d->D = D;
  d->k = k;
  d->mean = mean;
  int m = MAX (k, 2 + (int) log (k));
  d->xx = alloc_n (N, sizeof (float), error);
  d->block = d->xx ? alloc_n ((gsize) MIN (N, BLOCK) * D, sizeof (float), error) : NULL;
  d->dots = d->block ? alloc_n ((gsize) MIN (N, BLOCK) * m, sizeof (float), error) : NULL;
  d->cc = d->dots ? alloc_n (m, sizeof (float), error) : NULL;
  if (!d->cc)
    {
      data_clear (d);
      return FALSE;
    }
  for (int i0 = 0; i0 < N; i0 += BLOCK)
    {
      int b = MIN (BLOCK, N - i0);
      centre_rows (d->block, X, mean, i0, b, D);
      for (int i = 0; i < b; i++)
        {
          const float *y = d->block + (gsize) i * D;
          double s = 0;
          for (int c = 0; c < D; c++)
            s += (double) y[c] * y[c];
          d->xx[i0 + i] = (float) s;
        }
    }
  return TRUE;
}

/* dots [b, m] = squared distances of rows i0..i0+b to the m centred
 * points C [m, D].  No centred copy of the rows: (x − μ)·c = x·c − μ·c, so
 * one sgemm on X itself plus a per-centre correction; |x − μ|² is exact
 * (data_init).  Only the x·c products see the offset of the data from the
 * origin, which for embeddings (|x| = 1) costs nothing measurable. */
static void
block_sq_dists (Data *d, int i0, int b, const float *C, int m)
{
  int D = d->D;
  for (int j = 0; j < m; j++)
    {
      double s = 0, mc = 0;
      for (int c = 0; c < D; c++)
        {
          s += (double) C[(gsize) j * D + c] * C[(gsize) j * D + c];
          mc += (double) d->mean[c] * C[(gsize) j * D + c];
        }
      d->cc[j] = (float) (s + 2 * mc); /* |c|² + 2 μ·c */
    }
  /* m is small (≤ 12 clusters, ≤ 4 seeding candidates): sgemm would spend
   * its time packing X, so one sgemv per centre over sub-blocks that stay
   * in L1/L2 between centres.  Sub-blocks of < 9216 elements also keep
   * OpenBLAS from threading each sgemv (its threshold), which on a busy
   * machine costs more than it gains. */
  int sub = MAX (1, SUB_ELEMENTS / D);
  for (int s0 = 0; s0 < b; s0 += sub)
    {
      int sb = MIN (sub, b - s0);
      for (int j = 0; j < m; j++)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, sb, D, 1.0f, d->X + (gsize) (i0 + s0) * D, D,
                     C + (gsize) j * D, 1, 0.0f, d->dots + (gsize) s0 * m + j, m);
    }
  for (int i = 0; i < b; i++)
    for (int j = 0; j < m; j++)
      {
        float v = d->xx[i0 + i] + d->cc[j] - 2.0f * d->dots[(gsize) i * m + j];
        d->dots[(gsize) i * m + j] = v > 0 ? v : 0;
      }
}

/* centred row i of X into out [D] */
static void
centred_row (float *out, const Data *d, int i)
{
  centre_rows (out, d->X, d->mean, i, 1, d->D);
}

/* scikit-learn's greedy k-means++ (see analysis.h); C [k, D] centred.
 * cand_dist [N, trials] keeps every candidate's distances, so the chosen
 * one's need no second pass over X. */
static void
seed_plusplus (float *C, Data *d, GRand *rng, double *closest, double *cum, float *cand_dist)
{
  int N = d->N, D = d->D, k = d->k;
  int trials = 2 + (int) log (k);
  g_autofree float *cand = g_new (float, (gsize) trials * D);
  g_autofree double *pots = g_new (double, trials);

  centred_row (C, d, g_rand_int_range (rng, 0, N));
  double pot = 0;
  for (int i0 = 0; i0 < N; i0 += BLOCK)
    {
      int b = MIN (BLOCK, N - i0);
      block_sq_dists (d, i0, b, C, 1);
      for (int i = 0; i < b; i++)
        pot += closest[i0 + i] = d->dots[i];
    }
  for (int c = 1; c < k; c++)
    {
      double run = 0;
      for (int i = 0; i < N; i++)
        cum[i] = run += closest[i];
      for (int t = 0; t < trials; t++)
        {
          double r = g_rand_double (rng) * pot;
          int lo = 0, hi = N; /* first i with cum[i] >= r (numpy searchsorted, side left) */
          while (lo < hi)
            {
              int mid = lo + (hi - lo) / 2;
              if (cum[mid] < r)
                lo = mid + 1;
              else
                hi = mid;
            }
          centred_row (cand + (gsize) t * D, d, MIN (lo, N - 1));
          pots[t] = 0;
        }
      /* the potential with each candidate added */
      for (int i0 = 0; i0 < N; i0 += BLOCK)
        {
          int b = MIN (BLOCK, N - i0);
          block_sq_dists (d, i0, b, cand, trials);
          memcpy (cand_dist + (gsize) i0 * trials, d->dots, sizeof (float) * b * trials);
          for (int i = 0; i < b; i++)
            for (int t = 0; t < trials; t++)
              pots[t] += MIN (closest[i0 + i], (double) d->dots[(gsize) i * trials + t]);
        }
      int best = 0;
      for (int t = 1; t < trials; t++)
        if (pots[t] < pots[best])
          best = t;
      pot = pots[best];
      memcpy (C + (gsize) c * D, cand + (gsize) best * D, sizeof (float) * D);
      for (int i = 0; i < N; i++)
        closest[i] = MIN (closest[i], (double) cand_dist[(gsize) i * trials + best]);
    }
}

/* labels [N] and squared distances mind [N] to the nearest centre of C [k, D] */
static void
assign (Data *d, const float *C, int *labels, double *mind)
{
  int k = d->k;
  for (int i0 = 0; i0 < d->N; i0 += BLOCK)
    {
      int b = MIN (BLOCK, d->N - i0);
      block_sq_dists (d, i0, b, C, k);
      for (int i = 0; i < b; i++)
        {
          const float *row = d->dots + (gsize) i * k;
          int best = 0;
          for (int j = 1; j < k; j++)
            if (row[j] < row[best])
              best = j;
          labels[i0 + i] = best;
          mind[i0 + i] = row[best];
        }
    }
}

/* exact Σ |x − c(x)|² in double; C centred */
static double
inertia (const Data *d, const float *C, const int *labels)
{
  double s = 0;
  int D = d->D;
  for (int i = 0; i < d->N; i++)
    {
      const float *x = d->X + (gsize) i * D, *c = C + (gsize) labels[i] * D;
      for (int j = 0; j < D; j++)
        {
          double v = ((double) x[j] - d->mean[j]) - c[j];
          s += v * v;
        }
    }
  return s;
}

/* n rows of X [N, D] (all of them, in order, when n ≥ N): the first n of a
 * permutation seeded by seed (partial Fisher-Yates) */
static float *
sample_rows (const float *X, int N, int D, int n, guint32 seed, GError **error)
{
  n = MIN (n, N);
  float *Xs = alloc_n ((gsize) n * D, sizeof (float), error);
  g_autofree int *perm = Xs ? alloc_n (N, sizeof (int), error) : NULL;
  if (!perm)
    {
      g_free (Xs);
      return NULL;
    }
  for (int i = 0; i < N; i++)
    perm[i] = i;
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  for (int i = 0; i < n && n < N; i++)
    {
      int j = g_rand_int_range (rng, i, N);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
  for (int i = 0; i < n; i++)
    memcpy (Xs + (gsize) i * D, X + (gsize) perm[i] * D, sizeof (float) * D);
  return Xs;
}

typedef struct {
  double *closest, *cum, *mind, *sums;
  float *cand; /* [N, trials] */
  float *part; /* [k, D] */
  int *counts, *prev;
} Scratch;

/* One restart: seeding (unless rng is NULL: C holds the start) + Lloyd.
 * C [k, D] (centred) and labels [N] out. */
static gboolean
lloyd (Data *d, GRand *rng, double tol, int max_iter, float *C, int *labels, int *n_iter,
       Scratch *s, GCancellable *cancellable, GError **error)
{
  int N = d->N, D = d->D, k = d->k;
  if (rng)
    seed_plusplus (C, d, rng, s->closest, s->cum, s->cand);
  for (int i = 0; i < N; i++)
    s->prev[i] = -1;
  gboolean strict = FALSE;
  int it = 0;
  while (it < max_iter)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      it++;
      assign (d, C, labels, s->mind);
      /* raw sums Σx per cluster: saxpy into float partial sums over
       * SUM_BLOCK rows, folded into double */
      memset (s->sums, 0, sizeof (double) * k * D);
      memset (s->counts, 0, sizeof (int) * k);
      for (int i0 = 0; i0 < N; i0 += SUM_BLOCK)
        {
          memset (s->part, 0, sizeof (float) * k * D);
          for (int i = i0; i < MIN (N, i0 + SUM_BLOCK); i++)
            {
              cblas_saxpy (D, 1.0f, d->X + (gsize) i * D, 1, s->part + (gsize) labels[i] * D, 1);
              s->counts[labels[i]]++;
            }
          for (gsize j = 0; j < (gsize) k * D; j++)
            s->sums[j] += s->part[j];
        }
      /* an empty cluster takes the farthest point not yet moved */
      for (int c = 0; c < k; c++)
        {
          if (s->counts[c] > 0)
            continue;
          int far = 0;
          for (int i = 1; i < N; i++)
            if (s->mind[i] > s->mind[far])
              far = i;
          int from = labels[far];
          if (s->counts[from] <= 1)
            continue; /* fewer distinct points than clusters */
          const float *x = d->X + (gsize) far * D;
          for (int j = 0; j < D; j++)
            {
              s->sums[(gsize) from * D + j] -= x[j];
              s->sums[(gsize) c * D + j] += x[j];
            }
          s->counts[from]--;
          s->counts[c] = 1;
          labels[far] = c;
          s->mind[far] = -1;
        }
      double shift = 0;
      for (int c = 0; c < k; c++)
        {
          if (s->counts[c] == 0)
            continue;
          for (int j = 0; j < D; j++)
            {
              float v = (float) (s->sums[(gsize) c * D + j] / s->counts[c] - d->mean[j]);
              double dv = (double) v - C[(gsize) c * D + j];
              shift += dv * dv;
              C[(gsize) c * D + j] = v;
            }
        }
      if (memcmp (labels, s->prev, sizeof (int) * N) == 0)
        {
          strict = TRUE;
          break;
        }
      memcpy (s->prev, labels, sizeof (int) * N);
      if (shift <= tol)
        break;
    }
  if (!strict)
    assign (d, C, labels, s->mind);
  *n_iter = it;
  return TRUE;
}

/* n_init restarts with k given; out filled (centroids centred on mean).
 * start (centred, [k, D]) replaces the restarts by one run from there. */
static gboolean
fit_k (RaliKmeans *out, const float *X, int N, int D, int k, const float *mean,
       const RaliKmeansParams *p, const float *start, GCancellable *cancellable, GError **error)
{
  if (!start && p->restart_sample > 0 && N > p->restart_sample && p->n_init > 1)
    {
      /* the restarts on a sample, the best of them refined on all points */
      g_autofree float *Xs = sample_rows (X, N, D, p->restart_sample, p->seed ^ 0x3c3c3c3cu, error);
      RaliKmeansParams ps = *p;
      ps.restart_sample = 0;
      RaliKmeans best = { 0 };
      if (!Xs || !fit_k (&best, Xs, p->restart_sample, D, k, mean, &ps, NULL, cancellable, error))
        return FALSE;
      gboolean ok = fit_k (out, X, N, D, k, mean, p, best.centroids, cancellable, error);
      rali_kmeans_clear (&best);
      return ok;
    }
  Data d;
  if (!data_init (&d, X, N, D, k, mean, error))
    return FALSE;
  /* scikit-learn's tolerance: tol × mean per-dimension variance */
  double var = 0;
  for (int i = 0; i < N; i++)
    var += d.xx[i];
  double tol = p->tol * var / ((double) N * D);

  Scratch s = { 0 };
  s.closest = alloc_n (N, sizeof (double), error);
  s.cum = s.closest ? alloc_n (N, sizeof (double), error) : NULL;
  s.cand = s.cum ? alloc_n ((gsize) N * (2 + (int) log (k)), sizeof (float), error) : NULL;
  s.mind = s.cand ? alloc_n (N, sizeof (double), error) : NULL;
  s.prev = s.mind ? alloc_n (N, sizeof (int), error) : NULL;
  s.sums = g_new (double, (gsize) k * D);
  s.part = g_new (float, (gsize) k * D);
  s.counts = g_new (int, k);
  int *labels = s.prev ? alloc_n (N, sizeof (int), error) : NULL;
  float *C = g_new (float, (gsize) k * D);
  gboolean ok = labels != NULL;

  out->k = k;
  out->D = D;
  out->inertia = INFINITY;
  out->silhouette = NAN;
  g_autoptr (GRand) rng = g_rand_new_with_seed (p->seed);
  if (start)
    memcpy (C, start, sizeof (float) * k * D);
  for (int r = 0; ok && r < (start ? 1 : MAX (p->n_init, 1)); r++)
    {
      int n_iter = 0;
      ok = lloyd (&d, start ? NULL : rng, tol, MAX (p->max_iter, 1), C, labels, &n_iter, &s, cancellable, error);
      if (!ok)
        break;
      /* restarts are ranked by Σ of the float distances of the last
       * assignment; the winner's inertia is then summed exactly */
      double in = 0;
      for (int i = 0; i < N; i++)
        in += MAX (s.mind[i], 0.0);
      if (in < out->inertia)
        {
          out->inertia = in;
          out->n_iter = n_iter;
          g_free (out->centroids);
          g_free (out->labels);
          out->centroids = g_memdup2 (C, sizeof (float) * k * D);
          out->labels = g_steal_pointer (&labels);
          labels = alloc_n (N, sizeof (int), error);
          ok = labels != NULL;
        }
    }
  if (ok)
    out->inertia = inertia (&d, out->centroids, out->labels);
  g_free (labels);
  g_free (C);
  g_free (s.closest);
  g_free (s.cum);
  g_free (s.cand);
  g_free (s.mind);
  g_free (s.prev);
  g_free (s.sums);
  g_free (s.part);
  g_free (s.counts);
  data_clear (&d);
  if (!ok)
    rali_kmeans_clear (out);
  return ok;
}

/* mean silhouette from a pairwise distance matrix dist [n, n] */
static double
silhouette_from_dist (const float *dist, int n, const int *labels, int k)
{
  g_autofree double *sum = g_new (double, k);
  g_autofree int *size = g_new0 (int, k);
  for (int i = 0; i < n; i++)
    size[labels[i]]++;
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      memset (sum, 0, sizeof (double) * k);
      const float *row = dist + (gsize) i * n;
      for (int j = 0; j < n; j++)
        sum[labels[j]] += row[j];
      int own = labels[i];
      if (size[own] <= 1)
        continue; /* s = 0 */
      double a = sum[own] / (size[own] - 1), b = INFINITY;
      for (int c = 0; c < k; c++)
        if (c != own && size[c] > 0)
          b = MIN (b, sum[c] / size[c]);
      double m = MAX (a, b);
      if (isfinite (b) && m > 0)
        total += (b - a) / m;
    }
  return total / n;
}

/* dist [n, n] Euclidean between the rows of Xs [n, D] (any origin) */
static float *
pairwise (const float *Xs, int n, int D, GError **error)
{
  float *dist = alloc_n ((gsize) n * n, sizeof (float), error);
  g_autofree float *mean = g_new (float, D);
  g_autofree float *Y = dist ? alloc_n ((gsize) n * D, sizeof (float), error) : NULL;
  g_autofree float *yy = g_new (float, n);
  if (!Y)
    {
      g_free (dist);
      return NULL;
    }
  column_mean (mean, Xs, n, D);
  centre_rows (Y, Xs, mean, 0, n, D);
  for (int i = 0; i < n; i++)
    {
      double s = 0;
      for (int c = 0; c < D; c++)
        s += (double) Y[(gsize) i * D + c] * Y[(gsize) i * D + c];
      yy[i] = (float) s;
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, D, 1.0f, Y, D, Y, D, 0.0f, dist, n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      {
        float v = yy[i] + yy[j] - 2.0f * dist[(gsize) i * n + j];
        dist[(gsize) i * n + j] = i == j || v <= 0 ? 0.0f : sqrtf (v);
      }
  return dist;
}

double
rali_silhouette (const float *X, int N, int D, const int *labels, int k)
{
  if (k < 2 || N < 2)
    return NAN;
  g_autofree float *dist = pairwise (X, N, D, NULL);
  return dist ? silhouette_from_dist (dist, N, labels, k) : NAN;
}

/* the automatic rule of analysis.h; *k_out and *sil_out */
static gboolean
choose_k (int *k_out, double *sil_out, const float *X, int N, int D, const RaliKmeansParams *p,
          GCancellable *cancellable, GError **error)
{
  int n = MIN (N, MAX (p->silhouette_sample, 3));
  g_autofree float *Xs = sample_rows (X, N, D, n, p->seed ^ 0x5a5a5a5au, error);
  if (!Xs)
    return FALSE;
  g_autofree float *dist = pairwise (Xs, n, D, error);
  g_autofree float *mean = g_new (float, D);
  if (!dist)
    return FALSE;
  column_mean (mean, Xs, n, D);
  int best = 0;
  double best_sil = -INFINITY;
  for (int k = MAX (p->k_min, 2); k <= MIN (p->k_max, n - 1); k++)
    {
      RaliKmeans km = { 0 };
      if (!fit_k (&km, Xs, n, D, k, mean, p, NULL, cancellable, error))
        return FALSE;
      double sil = silhouette_from_dist (dist, n, km.labels, k);
      rali_kmeans_clear (&km);
      if (sil > best_sil)
        {
          best = k;
          best_sil = sil;
        }
    }
  if (best == 0) /* k_min above the sample: take k_min as asked */
    {
      best = MIN (p->k_min, N);
      best_sil = NAN;
    }
  *k_out = best;
  *sil_out = best_sil;
  return TRUE;
}

gboolean
rali_kmeans_fit (RaliKmeans *out, const float *X, int N, int D, const RaliKmeansParams *p,
                 GCancellable *cancellable, GError **error)
{
  memset (out, 0, sizeof *out);
  if (!check_data (X, N, D, error))
    return FALSE;
  int k = p->k;
  double sil = NAN;
  if (k < 0 || k > N || (k == 0 && (p->k_min < 1 || p->k_max < p->k_min)))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE,
                   "K-means needs 1 ≤ k ≤ N (N = %d, k = %d; automatic range %d..%d)",
                   N, k, p->k_min, p->k_max);
      return FALSE;
    }
  if (k == 0 && N < 3)
    k = 1; /* too few points to compare clusterings */
  else if (k == 0 && !choose_k (&k, &sil, X, N, D, p, cancellable, error))
    return FALSE;

  g_autofree float *mean = g_new (float, D);
  column_mean (mean, X, N, D);
  if (!fit_k (out, X, N, D, k, mean, p, NULL, cancellable, error))
    return FALSE;
  out->silhouette = sil;
  out->sizes = g_new0 (int, k);
  for (int i = 0; i < N; i++)
    out->sizes[out->labels[i]]++;
  for (int c = 0; c < k; c++)
    for (int j = 0; j < D; j++)
      out->centroids[(gsize) c * D + j] += mean[j];
  return TRUE;
}
