/* Nearest-neighbour times (engine/library/neighbours.h): the exact search
 * against hnswlib's HNSW graph on random unit embeddings.
 *
 *   bench-neighbours [--n 10000,100000] [--dim 256] [--queries 200] [--k 10]
 *                    [--ef 50,100,200] [--threads 0] [--M 16] [--ef-construction 200]
 *                    [--clustered]
 *
 * Per N: the exact query time (mean over the queries), then the HNSW build
 * time and, per ef, its query time and recall@k against the exact result
 * (the share of the exact k found).  Random directions (--clustered: around
 * 64 centres, nearer to what embeddings look like).  One JSON object per
 * line. */
#include "library/neighbours.h"
#include "rali.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *
random_units (int N, int D, gboolean clustered, guint32 seed)
{
  float *X = g_try_malloc_n ((gsize) N * D, sizeof (float));
  if (!X)
    return NULL;
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  enum { CENTRES = 64 };
  g_autofree float *c = g_new (float, CENTRES * D);
  for (int i = 0; i < CENTRES * D; i++)
    c[i] = (float) g_rand_double_range (rng, -1, 1);
  for (int i = 0; i < N; i++)
    {
      float *x = X + (gsize) i * D;
      const float *centre = c + g_rand_int_range (rng, 0, CENTRES) * D;
      for (int d = 0; d < D; d++)
        {
          /* Gaussian by Box-Muller: uniform directions once normalised */
          double u = g_rand_double (rng) + 1e-300, v = g_rand_double (rng);
          float g = (float) (sqrt (-2 * log (u)) * cos (2 * G_PI * v));
          x[d] = clustered ? centre[d] + 0.35f * g : g;
        }
      rali_l2_normalize (x, D);
    }
  return X;
}

static int *
parse_list (const char *s, int *n)
{
  g_auto (GStrv) parts = g_strsplit (s, ",", -1);
  *n = (int) g_strv_length (parts);
  int *out = g_new (int, MAX (*n, 1));
  for (int i = 0; i < *n; i++)
    out[i] = atoi (parts[i]);
  return out;
}

int
main (int argc, char **argv)
{
  const char *ns = "10000,100000", *efs = "50,100,200";
  int D = 256, Q = 200, k = 10, threads = 0, M = 0, efc = 0;
  gboolean clustered = FALSE;
  for (int a = 1; a < argc; a++)
    {
      if (g_str_equal (argv[a], "--n") && a + 1 < argc)
        ns = argv[++a];
      else if (g_str_equal (argv[a], "--dim") && a + 1 < argc)
        D = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--queries") && a + 1 < argc)
        Q = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--k") && a + 1 < argc)
        k = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--ef") && a + 1 < argc)
        efs = argv[++a];
      else if (g_str_equal (argv[a], "--threads") && a + 1 < argc)
        threads = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--M") && a + 1 < argc)
        M = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--ef-construction") && a + 1 < argc)
        efc = atoi (argv[++a]);
      else if (g_str_equal (argv[a], "--clustered"))
        clustered = TRUE;
      else
        {
          fprintf (stderr, "usage: bench-neighbours [--n N,...] [--dim D] [--queries Q] [--k K] [--ef EF,...] "
                           "[--threads T] [--M M] [--ef-construction EF] [--clustered]\n");
          return 2;
        }
    }
  int n_sizes, n_efs;
  g_autofree int *sizes = parse_list (ns, &n_sizes);
  g_autofree int *ef = parse_list (efs, &n_efs);
  for (int s = 0; s < n_sizes; s++)
    {
      int N = sizes[s];
      float *X = random_units (N, D, clustered, 7 + s);
      if (!X || N <= Q)
        {
          fprintf (stderr, "cannot make %d points\n", N);
          return 1;
        }
      g_autoptr (RaliNeighbours) exact = rali_neighbours_new_exact (X, N, D);
      g_autofree int *truth = g_new (int, (gsize) Q * k);
      g_autofree int *got = g_new (int, k);
      /* queries: every (N / Q)-th point, its own neighbours */
      gint64 t0 = g_get_monotonic_time ();
      for (int q = 0; q < Q; q++)
        rali_neighbours_search_point (exact, q * (N / Q), k, truth + (gsize) q * k, NULL);
      double exact_ms = (g_get_monotonic_time () - t0) / 1e3 / Q;
      printf ("{\"n\": %d, \"dim\": %d, \"k\": %d, \"clustered\": %s, \"exact_query_ms\": %.3f", N, D, k,
              clustered ? "true" : "false", exact_ms);
      if (!rali_neighbours_have_hnsw ())
        {
          printf (", \"hnsw\": null}\n");
          continue;
        }
      RaliHnswParams p;
      rali_hnsw_params_init (&p);
      p.n_threads = threads;
      if (M > 0)
        p.M = M;
      if (efc > 0)
        p.ef_construction = efc;
      g_autoptr (GError) error = NULL;
      gint64 b0 = g_get_monotonic_time ();
      g_autoptr (RaliNeighbours) graph = rali_neighbours_new_hnsw (X, N, D, &p, NULL, &error);
      double build_s = (g_get_monotonic_time () - b0) / 1e6;
      if (!graph)
        {
          fprintf (stderr, "HNSW: %s\n", error->message);
          return 1;
        }
      printf (", \"hnsw_build_s\": %.2f, \"threads\": %d, \"M\": %d, \"ef_construction\": %d", build_s,
              threads ? threads : CLAMP ((int) g_get_num_processors (), 1, 8), p.M, p.ef_construction);
      for (int e = 0; e < n_efs; e++)
        {
          rali_neighbours_set_ef_search (graph, ef[e]);
          int hits = 0, worst = k;
          gint64 q0 = g_get_monotonic_time ();
          for (int q = 0; q < Q; q++)
            {
              int n = rali_neighbours_search_point (graph, q * (N / Q), k, got, NULL);
              int h = 0;
              for (int j = 0; j < n; j++)
                for (int t = 0; t < k; t++)
                  h += got[j] == truth[(gsize) q * k + t];
              hits += h;
              worst = MIN (worst, h);
            }
          double query_ms = (g_get_monotonic_time () - q0) / 1e3 / Q;
          printf (", \"ef%d\": {\"query_ms\": %.3f, \"recall\": %.4f, \"worst_query_recall\": %.2f}", ef[e],
                  query_ms, (double) hits / ((double) Q * k), (double) worst / k);
        }
      printf ("}\n");
      fflush (stdout);
    }
  return 0;
}
