/* PCA and K-means over many embeddings (the map).  No GTK.
 *
 * Dimension letters: N points, D dimensions of a point, k components (PCA)
 * or clusters (K-means).  Matrices are row-major float32: X is [N, D].
 *
 * Everything here is deterministic: the same input, parameters and seed
 * give the same output bit for bit on one machine (OpenBLAS with a fixed
 * thread count; a different thread count may move the last float bits).
 * Errors come back as GError (RALI_ERROR_USAGE for bad arguments or data,
 * RALI_ERROR_TOO_LARGE when memory runs out); nothing aborts. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- PCA (covariance + LAPACK symmetric eigen-solver) ----
 *
 * Centre on the mean, covariance C = XcᵀXc / (N − 1) accumulated in double
 * from float32 ssyrk blocks of rows, eigen-decomposition of C with
 * LAPACKE_dsyevr (double).  As scikit-learn's PCA (svd_solver='full'):
 * explained_variance[j] is the j-th largest eigenvalue of C and
 * explained_variance_ratio[j] = explained_variance[j] / trace(C).
 *
 * Sign convention: each component (row of components) is flipped so that
 * its entry of largest magnitude is positive (the first such entry on an
 * exact tie).  scikit-learn ≤ 1.4 flips by the projections instead
 * (svd_flip u-based), so compare with it up to sign per component. */
typedef struct {
  int D;                            /* input dimensions */
  int k;                            /* components kept, 1 ≤ k ≤ min(D, N − 1) when N > 1 */
  float *mean;                      /* [D] */
  float *components;                /* [k, D], unit rows, by decreasing variance */
  double *explained_variance;       /* [k] */
  double *explained_variance_ratio; /* [k] */
  double total_variance;            /* trace(C) */
} RaliPca;

/* Fits k components to X [N, D].  N ≥ 2; k ≤ min(N - 1, D).  cancellable
 * may be NULL. */
gboolean rali_pca_fit (RaliPca *out, const float *X, int N, int D, int k,
                       GCancellable *cancellable, GError **error);
/* Y [N, k] = (X [N, D] − mean) componentsᵀ */
void     rali_pca_transform (float *Y, const RaliPca *pca, const float *X, int N);
void     rali_pca_clear (RaliPca *pca);

/* ---- K-means (k-means++ seeding, Lloyd iterations, restarts) ----
 *
 * Seeding is scikit-learn's greedy k-means++: the first centre uniformly
 * at random, then each next centre the best (lowest potential) of
 * 2 + ⌊ln k⌋ candidates drawn with probability ∝ D(x)².  Lloyd iterations
 * stop when no label changes or when the squared centre shift summed over
 * the centres is ≤ tol · mean per-dimension variance of X (scikit-learn's
 * rule), or after max_iter; a final assignment makes labels match centres.
 * An empty cluster takes the point farthest from its own centre.  n_init
 * restarts from successive seeds of one generator; the lowest inertia wins
 * (the first one on a tie; restarts are compared by the float32 distances
 * of their last assignment, and the winner's inertia Σ |x − c(x)|² is then
 * summed exactly in double).  With more than restart_sample points the
 * n_init restarts run on a seeded random sample of restart_sample points,
 * and the best of them is then refined by Lloyd iterations on all points
 * (one run): the restarts only choose a start, which a sample does nearly
 * as well at a fraction of the cost.
 *
 * Automatic k (params.k == 0): a deterministic random sample of
 * min(N, silhouette_sample) points is clustered with each k in
 * k_min..min(k_max, sample − 1); the k with the highest mean silhouette
 * (Euclidean, on the sample) wins, the smaller k on a tie, and the whole
 * of X is then clustered with it.  silhouette is set to that value. */
typedef struct {
  int k;                 /* clusters; 0 = choose by silhouette */
  int k_min, k_max;      /* range for automatic k (2..12) */
  int n_init;            /* restarts (10) */
  int max_iter;          /* Lloyd iterations per restart (300) */
  double tol;            /* relative centre-shift tolerance (1e-4) */
  guint32 seed;          /* (0x52414c49) */
  int silhouette_sample; /* points used to choose k (2000) */
  int restart_sample;    /* restarts on a sample above this many points (20000; 0 = never) */
} RaliKmeansParams;

typedef struct {
  int k, D;
  float *centroids; /* [k, D] */
  int *labels;      /* [N], 0..k-1 */
  int *sizes;       /* [k] points per cluster */
  double inertia;
  int n_iter;       /* Lloyd iterations of the winning restart (of the final run on all points) */
  double silhouette; /* mean silhouette of the chosen k on the sample; NAN when k was given */
} RaliKmeans;

void     rali_kmeans_params_init (RaliKmeansParams *params);
gboolean rali_kmeans_fit (RaliKmeans *out, const float *X, int N, int D,
                          const RaliKmeansParams *params, GCancellable *cancellable,
                          GError **error);
void     rali_kmeans_clear (RaliKmeans *km);

/* Mean silhouette of labels (0..k-1) on X [N, D], Euclidean, O(N²D):
 * meant for samples.  Points alone in their cluster count 0 (as
 * scikit-learn).  Returns NAN when k < 2 or on allocation failure. */
double   rali_silhouette (const float *X, int N, int D, const int *labels, int k);

G_END_DECLS
