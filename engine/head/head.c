/* The RALI head, as the authors' released scorer computes it (DESIGN.md):
 *
 *   x = ((f − μ) / |σ|) Pᵀ        standardise, PCA to k dims
 *   x̂ = x / |x|,  ĉ_i = c_i / |c_i|
 *   s_i = x̂ · ĉ_i                 cosine to each prototype
 *   w = softmax(s / τ)
 *   score = Σ w_i score_i
 *   score = L + (H − L) / (1 + exp(−(score − C) / W))   if the model has a score_map
 *
 * Sizes are tiny (D ≤ a few thousand, K ≤ a few hundred): plain loops in
 * double precision. */
#include "nn/model-private.h"

#include <math.h>
#include <string.h>

gboolean
rali_model_has_head (const RaliModel *m)
{
  return m->config.n_prototypes > 0;
}

typedef struct {
  double s;
  int i;
} Ranked;

static int
by_similarity_desc (const void *a, const void *b)
{
  const Ranked *x = a, *y = b;
  if (x->s != y->s)
    return x->s > y->s ? -1 : 1;
  return x->i - y->i; /* stable on ties */
}

gboolean
rali_head_score (const RaliModel *m, const float *f, int top_k, float *score,
                 RaliDescriptor *top, float *sims, GError **error)
{
  const RaliConfig *c = &m->config;
  const RaliWeights *w = &m->weights;
  if (c->n_prototypes <= 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL,
                   "%s: model has no RALI head (no prototypes): it can embed but not score", m->path);
      return FALSE;
    }
  int D = c->projection_dim, k = c->pca_dim, K = c->n_prototypes;
  g_autofree double *z = g_new (double, D);
  g_autofree double *x = g_new (double, k);
  g_autofree Ranked *r = g_new (Ranked, K);

  for (int d = 0; d < D; d++)
    {
      double sd = fabs ((double) w->pca_scale[d]);
      z[d] = ((double) f[d] - w->pca_mean[d]) / (sd > 0 ? sd : 1.0);
    }
  double xn = 0;
  for (int j = 0; j < k; j++)
    {
      const float *p = w->pca_components + (gsize) j * D;
      double acc = 0;
      for (int d = 0; d < D; d++)
        acc += z[d] * p[d];
      x[j] = acc;
      xn += acc * acc;
    }
  /* torch.nn.functional.normalize: divide by max(|x|, 1e-12) */
  xn = MAX (sqrt (xn), 1e-12);

  double smax = -INFINITY;
  for (int i = 0; i < K; i++)
    {
      const float *ci = w->prototypes + (gsize) i * k;
      double dot = 0, cn = 0;
      for (int j = 0; j < k; j++)
        {
          dot += x[j] * ci[j];
          cn += (double) ci[j] * ci[j];
        }
      r[i].s = dot / (xn * MAX (sqrt (cn), 1e-12));
      r[i].i = i;
      smax = MAX (smax, r[i].s);
      if (sims)
        sims[i] = (float) r[i].s;
    }
  g_autofree double *p = g_new (double, K);
  double sum = 0, acc = 0;
  for (int i = 0; i < K; i++)
    sum += (p[i] = exp ((r[i].s - smax) / c->temperature));
  for (int i = 0; i < K; i++)
    {
      p[i] /= sum;
      acc += p[i] * w->prototype_scores[i];
    }
  if (c->has_score_map)
    acc = c->score_map_low + (c->score_map_high - (double) c->score_map_low) /
                                 (1 + exp (-(acc - c->score_map_centre) / c->score_map_width));
  *score = (float) acc;

  qsort (r, K, sizeof *r, by_similarity_desc);
  for (int t = 0; t < MIN (top_k, K); t++)
    {
      top[t].index = r[t].i;
      top[t].similarity = (float) r[t].s;
      top[t].score = w->prototype_scores[r[t].i];
      top[t].weight = (float) p[r[t].i];
      top[t].near_weight = 0;
    }
  return TRUE;
}

static double
row_cosine (const float *a, const float *b, int n)
{
  double dot = 0, na = 0, nb = 0;
  for (int j = 0; j < n; j++)
    {
      dot += (double) a[j] * b[j];
      na += (double) a[j] * a[j];
      nb += (double) b[j] * b[j];
    }
  return dot / (MAX (sqrt (na), 1e-12) * MAX (sqrt (nb), 1e-12));
}

const float *
rali_model_overlap_rows (const RaliModel *m, int *dim)
{
  const RaliConfig *c = &m->config;
  *dim = c->n_composition > 0 ? c->n_composition : c->pca_dim;
  return c->n_composition > 0 ? m->weights.prototype_composition : m->weights.prototypes;
}

int
rali_select_distinct (const float *rows, int n_rows, int dim, const int *ranked, int n_ranked,
                      double max_cosine, int *kept, int max_kept)
{
  int n = 0;
  for (int r = 0; r < n_ranked && n < max_kept; r++)
    {
      int i = ranked[r];
      if (i < 0 || i >= n_rows)
        continue;
      gboolean distinct = TRUE;
      for (int s = 0; s < n && distinct && max_cosine < 1; s++)
        distinct = row_cosine (rows + (gsize) i * dim, rows + (gsize) kept[s] * dim, dim) < max_cosine;
      if (distinct)
        kept[n++] = i;
    }
  return n;
}

gboolean
rali_head_score_distinct (const RaliModel *m, const float *f, int top_k, double max_cosine,
                          float *score, RaliDescriptor *top, int *n_top, float *sims, GError **error)
{
  int K = m->config.n_prototypes, dim;
  g_autofree RaliDescriptor *all = g_new (RaliDescriptor, MAX (K, 1));
  *n_top = 0;
  if (!rali_head_score (m, f, K, score, all, sims, error))
    return FALSE;
  const float *rows = rali_model_overlap_rows (m, &dim);
  g_autofree int *order = g_new (int, MAX (K, 1));
  g_autofree int *kept = g_new (int, MAX (top_k, 1));
  for (int r = 0; r < K; r++)
    order[r] = all[r].index;
  *n_top = rali_select_distinct (rows, K, dim, order, K, max_cosine, kept, top_k);
  /* kept is a subsequence of order: map it back to the descriptors */
  g_autofree gboolean *is_kept = g_new0 (gboolean, MAX (K, 1));
  for (int r = 0, t = 0; r < K && t < *n_top; r++)
    if (order[r] == kept[t])
      {
        top[t++] = all[r];
        is_kept[all[r].index] = TRUE;
      }
  /* every prototype left out goes to the first listed one it overlaps, as
   * the selection skipped it for that one (or would have, past top_k) */
  for (int r = 0; r < K && max_cosine < 1; r++)
    {
      int i = all[r].index;
      if (i < 0 || i >= K || is_kept[i])
        continue;
      for (int t = 0; t < *n_top; t++)
        if (row_cosine (rows + (gsize) i * dim, rows + (gsize) top[t].index * dim, dim) >= max_cosine)
          {
            top[t].near_weight += all[r].weight;
            break;
          }
    }
  return TRUE;
}

char *
rali_descriptor_text (const RaliModel *m, int index)
{
  const RaliConfig *c = &m->config;
  if (index < 0 || index >= c->n_prototypes)
    return g_strdup_printf ("(no prototype %d)", index);
  if (c->descriptors)
    return g_strdup (c->descriptors[index]);
  return g_strdup_printf ("prototype #%d (score %.3f)", index, m->weights.prototype_scores[index]);
}
