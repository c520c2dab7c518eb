/* engine/head/analysis.c against scikit-learn (tools/make-analysis-fixture.py):
 *
 *   test-analysis FIXTURE_DIR
 *
 * Per case: PCA explained variance (ratio) within 1e-3 relative, components
 * and projections equal up to sign per component, our sign convention;
 * K-means inertia ≤ scikit-learn's × (1 + 1e-3), and on the structured
 * cases the same partition up to label names; automatic k finds the
 * generating number of clusters; results are bit-identical when run twice;
 * bad input gives an error, never an abort.  Exits non-zero on failure. */
#include "head/analysis.h"
#include "rali.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void
check (gboolean ok, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
check (gboolean ok, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  printf ("%-4s %s\n", ok ? "ok" : "FAIL", msg);
  if (!ok)
    failures++;
}

static gboolean
rel_close (double got, double ref, double rtol)
{
  return fabs (got - ref) <= rtol * fabs (ref) + 1e-12;
}

/* ours == ref up to one sign per column j of [n, k] (rows of [k, D] when
 * transposed is FALSE); returns the signs used */
static gboolean
compare_up_to_sign (const char *what, const float *got, const float *ref, int rows, int cols,
                    gboolean per_row, double atol, double rtol)
{
  g_autofree float *flipped = g_memdup2 (got, sizeof (float) * rows * cols);
  int groups = per_row ? rows : cols;
  for (int g = 0; g < groups; g++)
    {
      double dot = 0;
      for (int t = 0; t < (per_row ? cols : rows); t++)
        {
          gsize i = per_row ? (gsize) g * cols + t : (gsize) t * cols + g;
          dot += (double) got[i] * ref[i];
        }
      if (dot < 0)
        for (int t = 0; t < (per_row ? cols : rows); t++)
          {
            gsize i = per_row ? (gsize) g * cols + t : (gsize) t * cols + g;
            flipped[i] = -flipped[i];
          }
    }
  return compare_arrays (what, flipped, ref, (gsize) rows * cols, atol, rtol);
}

/* labels equal up to a bijective renaming */
static gboolean
same_partition (const int *a, const float *b, int N, int k)
{
  g_autofree int *map = g_new (int, k);
  g_autofree int *back = g_new (int, k);
  for (int c = 0; c < k; c++)
    map[c] = back[c] = -1;
  for (int i = 0; i < N; i++)
    {
      int x = a[i], y = (int) b[i];
      if (x < 0 || x >= k || y < 0 || y >= k)
        return FALSE;
      if (map[x] == -1 && back[y] == -1)
        map[x] = y, back[y] = x;
      if (map[x] != y || back[y] != x)
        return FALSE;
    }
  return TRUE;
}

static void
test_case (const char *dir, const char *name, gboolean structured)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.safetensors", dir, name);
  RefFile *r = ref_open (path);
  gsize nx, nproj;
  gint64 N;
  const float *X = ref_get (r, "X", &nx, &N);
  int D = (int) (nx / N);
  int k_pca = atoi (ref_meta (r, "k_pca"));
  int k_means = atoi (ref_meta (r, "k_means"));
  int n_init = atoi (ref_meta (r, "n_init"));
  printf ("== %s: N=%d D=%d (scikit-learn %s)\n", name, (int) N, D, ref_meta (r, "sklearn"));

  /* ---- PCA ---- */
  RaliPca pca;
  g_autoptr (GError) error = NULL;
  gboolean fitted = rali_pca_fit (&pca, X, (int) N, D, k_pca, NULL, &error);
  check (fitted, "%s: PCA fits%s%s", name, error ? ": " : "", error ? error->message : "");
  if (!fitted)
    return;
  const float *ev = ref_get (r, "explained_variance", NULL, NULL);
  const float *evr = ref_get (r, "explained_variance_ratio", NULL, NULL);
  for (int j = 0; j < k_pca; j++)
    check (rel_close (pca.explained_variance[j], ev[j], 1e-3)
             && rel_close (pca.explained_variance_ratio[j], evr[j], 1e-3),
           "%s: component %d explains %.6f (var %.6g), scikit-learn %.6f (var %.6g)", name, j,
           pca.explained_variance_ratio[j], pca.explained_variance[j], evr[j], ev[j]);
  check (compare_arrays ("mean", pca.mean, ref_get (r, "mean", NULL, NULL), D, 1e-5, 1e-4), "%s: mean", name);
  check (compare_up_to_sign ("components (up to sign)", pca.components, ref_get (r, "components", NULL, NULL),
                             k_pca, D, TRUE, 1e-3, 1e-3),
         "%s: components equal up to sign", name);
  gboolean convention = TRUE;
  for (int j = 0; j < k_pca; j++)
    {
      int big = 0;
      for (int d = 1; d < D; d++)
        if (fabsf (pca.components[j * D + d]) > fabsf (pca.components[j * D + big]))
          big = d;
      convention &= pca.components[j * D + big] > 0;
    }
  check (convention, "%s: each component's largest-magnitude entry is positive", name);

  const float *proj = ref_get (r, "projection", &nproj, NULL);
  g_autofree float *Y = g_new (float, N * k_pca);
  rali_pca_transform (Y, &pca, X, (int) N);
  float scale = 0;
  for (gsize i = 0; i < nproj; i++)
    scale = MAX (scale, fabsf (proj[i]));
  check (compare_up_to_sign ("projection (up to sign)", Y, proj, (int) N, k_pca, FALSE, 1e-4 * scale, 1e-3),
         "%s: projections equal up to sign", name);

  RaliPca again;
  rali_pca_fit (&again, X, (int) N, D, k_pca, NULL, NULL);
  check (memcmp (again.components, pca.components, sizeof (float) * k_pca * D) == 0
           && memcmp (again.explained_variance, pca.explained_variance, sizeof (double) * k_pca) == 0,
         "%s: PCA is bit-identical when run again", name);
  rali_pca_clear (&again);
  rali_pca_clear (&pca);

  /* ---- K-means, k given ---- */
  RaliKmeansParams p;
  rali_kmeans_params_init (&p);
  p.k = k_means;
  p.n_init = n_init;
  RaliKmeans km;
  fitted = rali_kmeans_fit (&km, X, (int) N, D, &p, NULL, &error);
  check (fitted, "%s: K-means fits%s%s", name, error ? ": " : "", error ? error->message : "");
  if (!fitted)
    return;
  double ref_inertia = ref_get (r, "kmeans_inertia", NULL, NULL)[0];
  check (km.inertia <= ref_inertia * (1 + 1e-3),
         "%s: inertia %.6f ≤ scikit-learn's %.6f × (1 + 1e-3) (%d iterations)", name, km.inertia,
         ref_inertia, km.n_iter);
  const float *ref_labels = ref_get (r, "kmeans_labels", NULL, NULL);
  if (structured)
    {
      check (rel_close (km.inertia, ref_inertia, 1e-3), "%s: inertia within 1e-3 of scikit-learn's", name);
      check (same_partition (km.labels, ref_labels, (int) N, k_means),
             "%s: the same partition as scikit-learn up to label names", name);
    }
  int total = 0;
  for (int c = 0; c < km.k; c++)
    total += km.sizes[c];
  check (total == N, "%s: cluster sizes add up to N", name);

  if (structured)
    {
      /* the restarts on a 100-point sample, refined on all points */
      RaliKmeansParams ps = p;
      ps.restart_sample = 100;
      RaliKmeans kms;
      gboolean ok = rali_kmeans_fit (&kms, X, (int) N, D, &ps, NULL, NULL);
      check (ok && rel_close (kms.inertia, ref_inertia, 1e-3) && same_partition (kms.labels, ref_labels, (int) N, k_means),
             "%s: restarts on a 100-point sample: the same partition and inertia (%.6f)", name, ok ? kms.inertia : NAN);
      if (ok)
        rali_kmeans_clear (&kms);
    }

  RaliKmeans km2;
  rali_kmeans_fit (&km2, X, (int) N, D, &p, NULL, NULL);
  check (km2.inertia == km.inertia && memcmp (km2.labels, km.labels, sizeof (int) * N) == 0
           && memcmp (km2.centroids, km.centroids, sizeof (float) * km.k * D) == 0,
         "%s: K-means is bit-identical when run again", name);
  rali_kmeans_clear (&km2);

  /* silhouette of scikit-learn's own labels */
  g_autofree int *il = g_new (int, N);
  for (int i = 0; i < N; i++)
    il[i] = (int) ref_labels[i];
  double sil = rali_silhouette (X, (int) N, D, il, k_means);
  double ref_sil = ref_get (r, "silhouette", NULL, NULL)[0];
  check (fabs (sil - ref_sil) <= 1e-3, "%s: silhouette %.6f, scikit-learn %.6f", name, sil, ref_sil);
  rali_kmeans_clear (&km);

  /* ---- automatic k ---- */
  if (structured)
    {
      p.k = 0;
      p.n_init = 4;
      gboolean ok = rali_kmeans_fit (&km, X, (int) N, D, &p, NULL, &error);
      check (ok && km.k == k_means, "%s: automatic k chooses %d (got %d, silhouette %.4f)", name, k_means,
             km.k, km.silhouette);
      check (ok && same_partition (km.labels, ref_labels, (int) N, k_means), "%s: and the same partition", name);
      rali_kmeans_clear (&km);
      /* a sample smaller than N */
      p.silhouette_sample = 150;
      ok = rali_kmeans_fit (&km, X, (int) N, D, &p, NULL, &error);
      check (ok && km.k == k_means, "%s: automatic k on a 150-point sample chooses %d (got %d, silhouette %.4f)",
             name, k_means, km.k, km.silhouette);
      rali_kmeans_clear (&km);
    }
  ref_free (r);
}

/* fails with an error (message printed), never aborts */
static void
check_error (gboolean ok, GError *error, const char *what)
{
  check (!ok && error, "%s: %s", what, error ? error->message : "(no error)");
}

static void
test_errors (void)
{
  printf ("== errors\n");
  float X[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  RaliPca pca;
  RaliKmeans km;
  RaliKmeansParams p;
  rali_kmeans_params_init (&p);
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  gboolean ok = rali_pca_fit (&pca, X, 1, 12, 1, NULL, &e1);
  check_error (ok, e1, "PCA of one point");
  ok = rali_pca_fit (&pca, X, 4, 3, 4, NULL, &e2);
  check_error (ok, e2, "PCA with k > D");
  p.k = 5;
  ok = rali_kmeans_fit (&km, X, 4, 3, &p, NULL, &e3);
  check_error (ok, e3, "K-means with k > N");
  X[5] = NAN;
  p.k = 2;
  ok = rali_kmeans_fit (&km, X, 4, 3, &p, NULL, &e4);
  check_error (ok, e4, "NaN input");
  X[5] = 5;
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  ok = rali_kmeans_fit (&km, X, 4, 3, &p, c, &e5);
  check (!ok && g_error_matches (e5, G_IO_ERROR, G_IO_ERROR_CANCELLED), "a cancelled fit says so");
  /* identical points: more clusters than distinct points still works */
  float same[3 * 6] = { 0 };
  p.k = 3;
  ok = rali_kmeans_fit (&km, same, 6, 3, &p, NULL, NULL);
  check (ok && km.inertia == 0, "6 identical points, k = 3: inertia 0, no crash");
  if (ok)
    rali_kmeans_clear (&km);
  p.k = 0;
  ok = rali_kmeans_fit (&km, X, 2, 3, &p, NULL, NULL);
  check (ok && km.k == 1, "automatic k with 2 points: one cluster");
  if (ok)
    rali_kmeans_clear (&km);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
      return 2;
    }
  test_case (argv[1], "blobs", TRUE);
  test_case (argv[1], "unit", TRUE);
  test_case (argv[1], "random", FALSE);
  test_errors ();
  printf ("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
