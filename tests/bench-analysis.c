/* Times PCA + K-means (engine/head/analysis.c) on synthetic unit embeddings, as
 * the map runs them.  Not a pass/fail test:
 *
 *   bench-analysis [--sizes 1000,20000,100000] [--dim 256] [--n-init N] [--k K] [--restart-sample N]
 *
 * The embeddings are unit vectors scattered around 9 random directions
 * (clustered, like real CLIP embeddings of a photo collection) with a
 * fixed seed.  Per size: PCA to 2 components (fit + projection), then
 * K-means with automatic k (silhouette on ≤ 2,000 points, k = 2..12) or
 * the given k, n_init restarts.  Prints one JSON line per size. */
#include "head/analysis.h"
#include "rali.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float *
synthetic (int N, int D, guint32 seed)
{
  enum { CENTRES = 9 };
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  g_autofree float *dirs = g_new (float, CENTRES * D);
  for (int i = 0; i < CENTRES * D; i++)
    dirs[i] = (float) g_rand_double_range (rng, -1, 1);
  float *X = g_new (float, (gsize) N * D);
  for (int i = 0; i < N; i++)
    {
      int c = g_rand_int_range (rng, 0, CENTRES);
      float *x = X + (gsize) i * D;
      for (int d = 0; d < D; d++)
        x[d] = dirs[c * D + d] + 1.2f * (float) g_rand_double_range (rng, -1, 1);
      rali_l2_normalize (x, D);
    }
  return X;
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

int
main (int argc, char **argv)
{
  g_autofree char *sizes = g_strdup ("1000,20000,100000");
  int D = 256, n_init = 4, k = 0, restart_sample = 20000;
  GOptionEntry entries[] = {
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes, "comma-separated N", "LIST" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &D, "D (256)", "D" },
    { "n-init", 0, 0, G_OPTION_ARG_INT, &n_init, "K-means restarts (4, as the map)", "N" },
    { "k", 0, 0, G_OPTION_ARG_INT, &k, "clusters (0 = automatic)", "K" },
    { "restart-sample", 0, 0, G_OPTION_ARG_INT, &restart_sample, "restarts on a sample above N points (20000; 0 = never)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- time PCA + K-means");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  double load[3] = { 0 };
  if (getloadavg (load, 3) < 0)
    load[0] = load[1] = load[2] = -1;
  printf ("{\"load_average\": [%.2f, %.2f, %.2f], \"cpus\": %u}\n", load[0], load[1], load[2],
          g_get_num_processors ());
  g_auto (GStrv) list = g_strsplit (sizes, ",", -1);
  for (int s = 0; list[s]; s++)
    {
      int N = atoi (list[s]);
      if (N < 3)
        continue;
      g_autofree float *X = synthetic (N, D, 1234);
      g_autofree float *Y = g_new (float, (gsize) N * 2);
      RaliPca pca;
      double t0 = now_s ();
      if (!rali_pca_fit (&pca, X, N, D, 2, NULL, &error))
        {
          fprintf (stderr, "PCA: %s\n", error->message);
          return 1;
        }
      rali_pca_transform (Y, &pca, X, N);
      double t1 = now_s ();
      RaliKmeansParams p;
      rali_kmeans_params_init (&p);
      p.k = k;
      p.n_init = n_init;
      p.restart_sample = restart_sample;
      RaliKmeans km;
      if (!rali_kmeans_fit (&km, X, N, D, &p, NULL, &error))
        {
          fprintf (stderr, "K-means: %s\n", error->message);
          return 1;
        }
      double t2 = now_s ();
      printf ("{\"N\": %d, \"D\": %d, \"pca_s\": %.3f, \"kmeans_s\": %.3f, \"total_s\": %.3f, "
              "\"k\": %d, \"n_init\": %d, \"restart_sample\": %d, \"iterations\": %d, \"inertia\": %.6g, "
              "\"silhouette\": %.4f, \"explained_2d\": %.4f}\n",
              N, D, t1 - t0, t2 - t1, t2 - t0, km.k, n_init, restart_sample, km.n_iter, km.inertia, km.silhouette,
              pca.explained_variance_ratio[0] + pca.explained_variance_ratio[1]);
      fflush (stdout);
      rali_pca_clear (&pca);
      rali_kmeans_clear (&km);
    }
  return 0;
}
