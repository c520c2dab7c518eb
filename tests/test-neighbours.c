/* engine/library/neighbours.c against a brute-force search in double:
 *
 *   test-neighbours
 *
 * On 10,000 random 256-d unit embeddings, the k = 10 neighbours of 300
 * photos: the exact index (what the app uses below 50,000 photos) finds
 * exactly the brute-force ones (recall@10 = 1.0, similarities within
 * 1e-5, in order).  The HNSW graph (M 16, ef_construction 200) has a mean
 * recall@10 ≥ 0.99 on 10,000 clustered embeddings (64 centres, as photos
 * group) at the default ef_search 200, and on the uniformly random ones,
 * its worst case, at ef_search 800.  Also: a photo is never its own
 * neighbour, ties go to the lower index, k above N returns N − 1, a
 * cancelled build says so, bad arguments give an error.  Exits non-zero
 * on failure. */
#include "library/neighbours.h"
#include "rali.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N 10000
#define D 256
#define K 10
#define QUERIES 300

static int failures;

static void check (gboolean ok, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

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

/* unit vectors: uniformly random directions, or (centres > 0) Gaussian
 * clouds of σ 0.35 per dimension around random centres in [−1, 1]^dim */
static float *
random_units_around (int n, int dim, int centres, guint32 seed)
{
  float *X = g_new (float, (gsize) n * dim);
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  g_autofree float *c = g_new (float, (gsize) MAX (centres, 1) * dim);
  for (gsize i = 0; i < (gsize) MAX (centres, 1) * dim; i++)
    c[i] = (float) g_rand_double_range (rng, -1, 1);
  for (int i = 0; i < n; i++)
    {
      const float *centre = c + (gsize) (centres > 0 ? g_rand_int_range (rng, 0, centres) : 0) * dim;
      for (int d = 0; d < dim; d++)
        {
          double u = g_rand_double (rng) + 1e-300, v = g_rand_double (rng);
          float g = (float) (sqrt (-2 * log (u)) * cos (2 * G_PI * v));
          X[(gsize) i * dim + d] = centres > 0 ? centre[d] + 0.35f * g : g;
        }
      rali_l2_normalize (X + (gsize) i * dim, dim);
    }
  return X;
}

static float *
random_units (int n, int dim, guint32 seed)
{
  return random_units_around (n, dim, 0, seed);
}

/* the k nearest of point i by a plain double loop, ties to the lower index */
static void
brute_force (const float *X, int n, int dim, int i, int k, int *ids, double *sims)
{
  int found = 0;
  for (int j = 0; j < n; j++)
    {
      if (j == i)
        continue;
      double s = 0;
      for (int d = 0; d < dim; d++)
        s += (double) X[(gsize) i * dim + d] * X[(gsize) j * dim + d];
      if (found == k && s <= sims[k - 1])
        continue;
      int t = found < k ? found++ : k - 1;
      while (t > 0 && sims[t - 1] < s)
        {
          sims[t] = sims[t - 1];
          ids[t] = ids[t - 1];
          t--;
        }
      sims[t] = s;
      ids[t] = j;
    }
}

static int
overlap (const int *a, int na, const int *b, int nb)
{
  int h = 0;
  for (int x = 0; x < na; x++)
    for (int y = 0; y < nb; y++)
      h += a[x] == b[y];
  return h;
}

static void
test_against_brute_force (void)
{
  float *X = random_units (N, D, 20261206);
  g_autofree float *copy = g_memdup2 (X, sizeof (float) * N * D);
  g_autoptr (RaliNeighbours) exact = rali_neighbours_new_exact (X, N, D);
  check (rali_neighbours_is_exact (exact) && rali_neighbours_get_n (exact) == N, "exact index over %d points", N);

  g_autofree int *truth = g_new (int, QUERIES * K);
  g_autofree double *truth_s = g_new (double, QUERIES * K);
  for (int q = 0; q < QUERIES; q++)
    brute_force (copy, N, D, q * (N / QUERIES), K, truth + q * K, truth_s + q * K);

  int hits = 0, same_order = 0, self = 0;
  double worst_sim = 0;
  for (int q = 0; q < QUERIES; q++)
    {
      int i = q * (N / QUERIES), ids[K];
      float sims[K];
      int n = rali_neighbours_search_point (exact, i, K, ids, sims);
      hits += overlap (ids, n, truth + q * K, K);
      same_order += n == K && memcmp (ids, truth + q * K, sizeof ids) == 0;
      for (int j = 0; j < n; j++)
        {
          self += ids[j] == i;
          worst_sim = MAX (worst_sim, fabs (sims[j] - truth_s[q * K + j]));
        }
    }
  check (hits == QUERIES * K, "exact: recall@%d = %.4f over %d queries (brute force in double)", K,
         (double) hits / (QUERIES * K), QUERIES);
  check (same_order == QUERIES, "exact: the same order as brute force in %d of %d queries", same_order, QUERIES);
  check (worst_sim <= 1e-5, "exact: similarities within %.2g of brute force", worst_sim);
  check (self == 0, "exact: no photo is its own neighbour");

  /* a query vector, not a point: the point itself comes first */
  int ids[K];
  float sims[K];
  int n = rali_neighbours_search (exact, copy + (gsize) 42 * D, K, -1, ids, sims);
  check (n == K && ids[0] == 42 && fabsf (sims[0] - 1) < 1e-5f, "a search by vector finds the point itself first");
}

/* the HNSW graph over X [N, D] at ef_search ef against truth [QUERIES, K] */
static void
check_hnsw (const char *what, const float *X, const int *truth, int ef)
{
  RaliHnswParams p;
  rali_hnsw_params_init (&p);
  p.n_threads = 2;
  p.ef_search = ef;
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (RaliNeighbours) graph = rali_neighbours_new_hnsw (X, N, D, &p, NULL, &error);
  double build_s = (g_get_monotonic_time () - t0) / 1e6;
  check (graph && !rali_neighbours_is_exact (graph), "HNSW graph over %d %s points built in %.2f s (M %d, ef_c %d) %s",
         N, what, build_s, p.M, p.ef_construction, error ? error->message : "");
  if (!graph)
    return;
  int hits = 0, self = 0, worst = K, ids[K];
  float sims[K];
  for (int q = 0; q < QUERIES; q++)
    {
      int i = q * (N / QUERIES);
      int n = rali_neighbours_search_point (graph, i, K, ids, sims);
      int h = overlap (ids, n, truth + q * K, K);
      hits += h;
      worst = MIN (worst, h);
      for (int j = 0; j < n; j++)
        self += ids[j] == i;
      for (int j = 1; j < n; j++)
        if (sims[j] > sims[j - 1])
          self += 1000; /* out of order */
    }
  double recall = (double) hits / (QUERIES * K);
  check (recall >= 0.99, "HNSW, %s: recall@%d = %.4f ≥ 0.99 at ef_search %d (worst query %d/%d)", what, K, recall,
         p.ef_search, worst, K);
  check (self == 0, "HNSW, %s: no photo is its own neighbour, results by decreasing similarity", what);
}

static void
test_hnsw (void)
{
  if (!rali_neighbours_have_hnsw ())
    {
      printf ("skip HNSW: built without hnswlib\n");
      return;
    }
  RaliHnswParams def;
  rali_hnsw_params_init (&def);
  const struct {
    const char *what;
    int centres, ef;
  } sets[] = {
    { "clustered", 64, def.ef_search }, /* as embeddings of photos group */
    { "uniformly random", 0, 800 },     /* the worst case: a wider search */
  };
  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autofree float *X = random_units_around (N, D, sets[s].centres, 20261206);
      g_autofree int *truth = g_new (int, QUERIES * K);
      g_autofree double *truth_s = g_new (double, QUERIES * K);
      for (int q = 0; q < QUERIES; q++)
        brute_force (X, N, D, q * (N / QUERIES), K, truth + q * K, truth_s + q * K);
      check_hnsw (sets[s].what, X, truth, sets[s].ef);
    }
}

static void
test_edges (void)
{
  /* ties: points 1, 3 and 5 equal; the query is point 0 */
  enum { n = 6, dim = 4 };
  float pts[n * dim] = {
    1, 0, 0, 0,  0.6f, 0.8f, 0, 0,  0, 1, 0, 0,  0.6f, 0.8f, 0, 0,  0, 0, 1, 0,  0.6f, 0.8f, 0, 0,
  };
  g_autoptr (RaliNeighbours) nb = rali_neighbours_new_exact (g_memdup2 (pts, sizeof pts), n, dim);
  int ids[10];
  float sims[10];
  int got = rali_neighbours_search_point (nb, 0, 3, ids, sims);
  check (got == 3 && ids[0] == 1 && ids[1] == 3 && ids[2] == 5, "equal similarities go to the lower index (%d %d %d)",
         ids[0], ids[1], ids[2]);
  got = rali_neighbours_search_point (nb, 0, 10, ids, sims);
  check (got == n - 1, "k above N gives the N − 1 others (%d)", got);
  check (rali_neighbours_search_point (nb, 2, 0, ids, sims) == 0, "k = 0 gives none");

  g_autoptr (RaliNeighbours) empty = rali_neighbours_new_exact (NULL, 0, dim);
  check (rali_neighbours_search (empty, pts, 3, -1, ids, sims) == 0, "an empty index finds nothing");

  g_autoptr (GError) error = NULL;
  g_autoptr (RaliNeighbours) bad = rali_neighbours_new_hnsw (pts, n, 0, NULL, NULL, &error);
  check (!bad && error, "HNSW with D = 0 is refused: %s", error ? error->message : "");
  if (!rali_neighbours_have_hnsw ())
    return;
  g_clear_error (&error);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autofree float *X = random_units (2000, 32, 5);
  g_autoptr (RaliNeighbours) stopped = rali_neighbours_new_hnsw (X, 2000, 32, NULL, cancel, &error);
  check (!stopped && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED), "a cancelled HNSW build says so");
  g_clear_error (&error);
  g_autoptr (RaliNeighbours) small = rali_neighbours_new_hnsw (pts, n, dim, NULL, NULL, &error);
  got = small ? rali_neighbours_search_point (small, 0, 10, ids, sims) : -1;
  check (got == n - 1 && ids[0] != 0, "HNSW on 6 points: k above N gives the 5 others (%d)", got);
}

int
main (void)
{
  test_edges ();
  test_against_brute_force ();
  test_hnsw ();
  if (failures)
    printf ("%d FAILED\n", failures);
  return failures ? 1 : 0;
}
