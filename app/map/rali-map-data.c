/* RaliMapData: see rali-map-data.h. */
#include "rali-map-data.h"

#include "head/analysis.h"
#include "head/naming.h"
#include "rali.h"

#include <math.h>
#include <string.h>

/* K-means restarts for the map: 4, not scikit-learn's 10.  The automatic
 * k runs them for each k in 2..12; on tests/bench-analysis's 100,000
 * embeddings the best of 4 has the inertia of the best of 10 in less than
 * half the time. */
#define MAP_N_INIT 4
#define GRID_MAX 512      /* cells per side at most */
#define POINTS_PER_CELL 4 /* the grid's target density */
#define NAMING_TOP 3      /* a photo's top descriptors that name clusters */
#define NAME_TERMS 2      /* sentences in a cluster's name, at most */

struct _RaliMapInput {
  int n, D;
  float *X;                /* [n, D] (synthetic), or NULL */
  GBytes **embeddings;     /* [n] (from items) */
  RaliGalleryItem **items; /* [n] refs, or NULL */
  double *score;           /* [n] */
  int *top;                /* [n] top descriptor (prototype index), -1 if none */
  GPtrArray *texts_of;     /* the top NAMING_TOP descriptor texts of each photo, in turn */
  int *text_start;         /* [n + 1] photo i's are texts_of[text_start[i] ..] */
  GHashTable *texts;       /* prototype index -> descriptor text */
  GHashTable *proto_scores; /* prototype index -> double* score */
};

void
rali_map_input_free (RaliMapInput *in)
{
  if (!in)
    return;
  for (int i = 0; in->embeddings && i < in->n; i++)
    g_bytes_unref (in->embeddings[i]);
  for (int i = 0; in->items && i < in->n; i++)
    g_object_unref (in->items[i]);
  g_free (in->embeddings);
  g_free (in->items);
  g_free (in->X);
  g_free (in->score);
  g_free (in->top);
  g_ptr_array_unref (in->texts_of);
  g_free (in->text_start);
  g_hash_table_unref (in->texts);
  g_hash_table_unref (in->proto_scores);
  g_free (in);
}

static RaliMapInput *
input_new (int capacity)
{
  RaliMapInput *in = g_new0 (RaliMapInput, 1);
  in->score = g_new (double, MAX (capacity, 1));
  in->top = g_new (int, MAX (capacity, 1));
  in->texts_of = g_ptr_array_new_with_free_func (g_free);
  in->text_start = g_new0 (int, capacity + 1);
  in->texts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  in->proto_scores = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  return in;
}

static void
input_add_prototype (RaliMapInput *in, int index, const char *text, double score)
{
  if (g_hash_table_contains (in->texts, GINT_TO_POINTER (index)))
    return;
  g_hash_table_insert (in->texts, GINT_TO_POINTER (index), g_strdup (text));
  g_hash_table_insert (in->proto_scores, GINT_TO_POINTER (index), g_memdup2 (&score, sizeof score));
}

RaliMapInput *
rali_map_input_new_from_items (GListModel *items)
{
  guint total = g_list_model_get_n_items (items);
  RaliMapInput *in = input_new ((int) total);
  in->embeddings = g_new (GBytes *, MAX (total, 1));
  in->items = g_new (RaliGalleryItem *, MAX (total, 1));
  for (guint i = 0; i < total; i++)
    {
      RaliGalleryItem *item = g_list_model_get_item (items, i);
      GBytes *e = rali_gallery_item_get_embedding (item);
      int D = e ? (int) (g_bytes_get_size (e) / sizeof (float)) : 0;
      /* one model's embeddings only: those of the first photo's size */
      if (D < 2 || rali_gallery_item_get_state (item) != RALI_ITEM_SCORED || (in->D && D != in->D))
        {
          g_object_unref (item);
          continue;
        }
      in->D = D;
      int j = in->n++;
      in->items[j] = item;
      in->embeddings[j] = g_bytes_ref (e);
      in->score[j] = rali_gallery_item_get_score (item);
      GPtrArray *ds = rali_gallery_item_get_descriptors (item);
      RaliItemDescriptor *top = ds && ds->len ? ds->pdata[0] : NULL;
      in->top[j] = top ? top->index : -1;
      if (top)
        input_add_prototype (in, top->index, top->text, top->score);
      /* the top descriptors that carry a real part of the score: at least
       * half the first one's weight (a model with a sharp softmax gives its
       * first nearly all of it; weights unknown, 0: the top NAMING_TOP) */
      in->text_start[j] = (int) in->texts_of->len;
      for (guint t = 0; ds && t < MIN (ds->len, NAMING_TOP); t++)
        {
          const RaliItemDescriptor *dt = ds->pdata[t];
          if (t == 0 || top->weight <= 0 || dt->weight >= 0.5f * top->weight)
            g_ptr_array_add (in->texts_of, g_strdup (dt->text));
        }
      in->text_start[j + 1] = (int) in->texts_of->len;
    }
  return in;
}

RaliMapInput *
rali_map_input_new_synthetic (int n, int D, guint32 seed)
{
  enum { CENTRES = 9, DESCRIPTORS = 12 };
  RaliMapInput *in = input_new (n);
  in->n = n;
  in->D = D;
  in->X = g_new (float, (gsize) MAX (n, 1) * D);
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  g_autofree float *dirs = g_new (float, CENTRES * D);
  double quality[CENTRES];
  for (int c = 0; c < CENTRES; c++)
    {
      quality[c] = g_rand_double (rng);
      for (int d = 0; d < D; d++)
        dirs[c * D + d] = (float) g_rand_double_range (rng, -1, 1);
    }
  for (int p = 0; p < DESCRIPTORS; p++)
    {
      g_autofree char *text = g_strdup_printf ("synthetic descriptor %d", p + 1);
      input_add_prototype (in, p, text, (double) p / (DESCRIPTORS - 1));
    }
  for (int i = 0; i < n; i++)
    {
      int c = g_rand_int_range (rng, 0, CENTRES);
      float *x = in->X + (gsize) i * D;
      for (int d = 0; d < D; d++)
        x[d] = dirs[c * D + d] + 0.8f * (float) g_rand_double_range (rng, -1, 1);
      rali_l2_normalize (x, D);
      double f = CLAMP (quality[c] + 0.25 * g_rand_double_range (rng, -1, 1), 0, 1);
      in->score[i] = f;
      in->top[i] = g_rand_double (rng) < 0.7 ? c : g_rand_int_range (rng, 0, DESCRIPTORS);
      in->text_start[i] = (int) in->texts_of->len;
      g_ptr_array_add (in->texts_of, g_strdup_printf ("synthetic descriptor %d", in->top[i] + 1));
      in->text_start[i + 1] = (int) in->texts_of->len;
    }
  return in;
}

guint
rali_map_input_get_n (RaliMapInput *in)
{
  return (guint) in->n;
}

void
rali_map_data_free (RaliMapData *d)
{
  if (!d)
    return;
  for (int i = 0; d->items && i < d->n; i++)
    g_object_unref (d->items[i]);
  for (int c = 0; c < d->k; c++)
    g_free (d->clusters[c].name);
  for (int p = 0; p < d->n_prototypes; p++)
    g_free (d->prototypes[p].text);
  g_free (d->items);
  g_free (d->xy);
  g_free (d->cluster);
  g_free (d->fraction);
  g_free (d->score);
  g_free (d->clusters);
  g_free (d->prototypes);
  g_free (d->order_cluster);
  g_free (d->order_score);
  g_free (d->grid_start);
  g_free (d->grid_points);
  g_free (d);
}

/* ---- computing ---- */

/* each cluster named by its most over-represented descriptor sentences
 * (engine/head/naming.h), with its size and mean score */
static void
name_clusters (RaliMapData *d, const RaliMapInput *in)
{
  d->clusters = g_new0 (RaliMapCluster, d->k);
  g_autofree double *sum = g_new0 (double, d->k);
  for (int i = 0; i < d->n; i++)
    {
      d->clusters[d->cluster[i]].size++;
      sum[d->cluster[i]] += d->score[i];
    }
  RaliClusterNames names;
  gboolean named = rali_cluster_names_compute (&names, (const char *const *) in->texts_of->pdata, in->text_start,
                                               d->cluster, d->n, d->k, NAME_TERMS, RALI_NAMING_MIN_SHARE, NULL);
  for (int c = 0; c < d->k; c++)
    {
      RaliMapCluster *cl = &d->clusters[c];
      cl->mean_score = cl->size ? sum[c] / cl->size : NAN;
      cl->name = named ? rali_cluster_names_label (&names, c, NAME_TERMS) : g_strdup ("");
      const RaliClusterTerm *top = named ? &names.terms[c * NAME_TERMS] : NULL;
      if (top && top->sentence >= 0)
        {
          cl->name_count = (guint) top->count;
          cl->share_in = top->share_in;
          cl->share_all = top->share_all;
          cl->log_odds = top->log_odds;
        }
    }
  if (named)
    rali_cluster_names_clear (&names);
}

static int
by_count_desc (gconstpointer a, gconstpointer b)
{
  const RaliMapPrototype *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->index - y->index;
}

static void
place_prototypes (RaliMapData *d, const RaliMapInput *in, const float *X, const RaliPca *pca)
{
  GList *keys = g_hash_table_get_keys (in->texts);
  int max = 0;
  for (GList *l = keys; l; l = l->next)
    max = MAX (max, GPOINTER_TO_INT (l->data) + 1);
  g_list_free (keys);
  g_autofree double *sums = g_new0 (double, (gsize) MAX (max, 1) * d->D);
  g_autofree guint *counts = g_new0 (guint, MAX (max, 1));
  for (int i = 0; i < d->n; i++)
    {
      int p = in->top[i];
      if (p < 0 || p >= max)
        continue;
      counts[p]++;
      for (int j = 0; j < d->D; j++)
        sums[(gsize) p * d->D + j] += X[(gsize) i * d->D + j];
    }
  d->prototypes = g_new0 (RaliMapPrototype, MAX (max, 1));
  g_autofree float *mean = g_new (float, d->D);
  for (int p = 0; p < max; p++)
    {
      if (counts[p] == 0)
        continue;
      RaliMapPrototype *pr = &d->prototypes[d->n_prototypes++];
      for (int j = 0; j < d->D; j++)
        mean[j] = (float) (sums[(gsize) p * d->D + j] / counts[p]);
      float xy[2];
      rali_pca_transform (xy, pca, mean, 1);
      pr->index = p;
      pr->text = g_strdup (g_hash_table_lookup (in->texts, GINT_TO_POINTER (p)));
      pr->x = xy[0];
      pr->y = xy[1];
      pr->count = counts[p];
      double *s = g_hash_table_lookup (in->proto_scores, GINT_TO_POINTER (p));
      pr->score = s ? *s : NAN;
    }
  qsort (d->prototypes, d->n_prototypes, sizeof (RaliMapPrototype), by_count_desc);
}

static int
by_fraction (gconstpointer a, gconstpointer b, gpointer data)
{
  const float *keys = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  float x = keys[i], y = keys[j];
  if (x != y)
    return x < y ? -1 : 1;
  return i < j ? -1 : i > j;
}

static void
make_orders (RaliMapData *d)
{
  d->order_cluster = g_new (guint, MAX (d->n, 1));
  d->order_score = g_new (guint, MAX (d->n, 1));
  for (int i = 0; i < d->n; i++)
    d->order_cluster[i] = d->order_score[i] = (guint) i;
  /* cluster mode: shuffled, so that no cluster always hides another */
  g_autoptr (GRand) rng = g_rand_new_with_seed (0x6d6170);
  for (int i = d->n - 1; i > 0; i--)
    {
      int j = g_rand_int_range (rng, 0, i + 1);
      guint t = d->order_cluster[i];
      d->order_cluster[i] = d->order_cluster[j];
      d->order_cluster[j] = t;
    }
  /* score mode: the best drawn last, on top */
  g_qsort_with_data (d->order_score, d->n, sizeof (guint), by_fraction, d->fraction);
}

static void
build_grid (RaliMapData *d)
{
  float w = MAX (d->xmax - d->xmin, 1e-6f), h = MAX (d->ymax - d->ymin, 1e-6f);
  int g = CLAMP ((int) sqrt ((double) d->n / POINTS_PER_CELL), 1, GRID_MAX);
  d->cell = MAX (w, h) / g;
  d->gx0 = d->xmin;
  d->gy0 = d->ymin;
  d->gw = MIN ((int) (w / d->cell) + 1, GRID_MAX + 1);
  d->gh = MIN ((int) (h / d->cell) + 1, GRID_MAX + 1);
  gsize cells = (gsize) d->gw * d->gh;
  d->grid_start = g_new0 (guint, cells + 1);
  d->grid_points = g_new (guint, MAX (d->n, 1));
  g_autofree guint *cell_of = g_new (guint, MAX (d->n, 1));
  for (int i = 0; i < d->n; i++)
    {
      int cx = CLAMP ((int) ((d->xy[2 * i] - d->gx0) / d->cell), 0, d->gw - 1);
      int cy = CLAMP ((int) ((d->xy[2 * i + 1] - d->gy0) / d->cell), 0, d->gh - 1);
      cell_of[i] = (guint) (cy * d->gw + cx);
      d->grid_start[cell_of[i] + 1]++;
    }
  for (gsize c = 0; c < cells; c++)
    d->grid_start[c + 1] += d->grid_start[c];
  g_autofree guint *fill = g_memdup2 (d->grid_start, sizeof (guint) * cells);
  for (int i = 0; i < d->n; i++)
    d->grid_points[fill[cell_of[i]]++] = (guint) i;
}

RaliMapData *
rali_map_data_compute (RaliMapInput *input, int k, GCancellable *cancellable, GError **error)
{
  g_autoptr (RaliMapInput) in = input;
  if (in->n < 3)
    return NULL;
  gint64 t0 = g_get_monotonic_time ();
  int n = in->n, D = in->D;
  g_autofree float *owned = NULL;
  const float *X = in->X;
  if (!X)
    {
      owned = g_try_malloc_n ((gsize) n * D, sizeof (float));
      if (!owned)
        {
          g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "not enough memory for %d embeddings", n);
          return NULL;
        }
      for (int i = 0; i < n; i++)
        memcpy (owned + (gsize) i * D, g_bytes_get_data (in->embeddings[i], NULL), sizeof (float) * D);
      X = owned;
    }

  RaliPca pca;
  if (!rali_pca_fit (&pca, X, n, D, 2, cancellable, error))
    return NULL;
  RaliKmeansParams params;
  rali_kmeans_params_init (&params);
  params.k = k;
  params.n_init = MAP_N_INIT;
  RaliKmeans km;
  if (!rali_kmeans_fit (&km, X, n, D, &params, cancellable, error))
    {
      rali_pca_clear (&pca);
      return NULL;
    }

  g_autoptr (RaliMapData) d = g_new0 (RaliMapData, 1);
  d->n = n;
  d->D = D;
  d->xy = g_new (float, (gsize) n * 2);
  rali_pca_transform (d->xy, &pca, X, n);
  d->cluster = g_steal_pointer (&km.labels);
  d->k = km.k;
  d->silhouette = km.silhouette;
  d->explained[0] = pca.explained_variance_ratio[0];
  d->explained[1] = pca.explained_variance_ratio[1];
  d->score = g_memdup2 (in->score, sizeof (double) * n);
  /* colours and sizes span the scores on the map, not the model's whole
   * scale: differences between these photos are what the map is for */
  d->score_lo = INFINITY;
  d->score_hi = -INFINITY;
  for (int i = 0; i < n; i++)
    {
      d->score_lo = MIN (d->score_lo, d->score[i]);
      d->score_hi = MAX (d->score_hi, d->score[i]);
    }
  d->fraction = g_new (float, n);
  for (int i = 0; i < n; i++)
    d->fraction[i] = d->score_hi > d->score_lo
      ? (float) ((d->score[i] - d->score_lo) / (d->score_hi - d->score_lo)) : 0.5f;
  if (in->items)
    {
      d->items = g_steal_pointer (&in->items); /* the references move with it */
      for (int i = 0; i < n; i++)
        g_bytes_unref (in->embeddings[i]);
      g_clear_pointer (&in->embeddings, g_free);
    }
  name_clusters (d, in);
  place_prototypes (d, in, X, &pca);
  rali_kmeans_clear (&km);
  rali_pca_clear (&pca);

  d->xmin = d->ymin = INFINITY;
  d->xmax = d->ymax = -INFINITY;
  for (int i = 0; i < n; i++)
    {
      d->xmin = MIN (d->xmin, d->xy[2 * i]);
      d->xmax = MAX (d->xmax, d->xy[2 * i]);
      d->ymin = MIN (d->ymin, d->xy[2 * i + 1]);
      d->ymax = MAX (d->ymax, d->xy[2 * i + 1]);
    }
  make_orders (d);
  build_grid (d);
  d->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&d);
}

typedef struct {
  RaliMapInput *input;
  int k;
} Job;

static void
job_free (Job *job)
{
  rali_map_input_free (job->input);
  g_free (job);
}

static void
compute_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  Job *job = data;
  GError *error = NULL;
  RaliMapData *d = rali_map_data_compute (g_steal_pointer (&job->input), job->k, cancellable, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, d, (GDestroyNotify) rali_map_data_free);
}

void
rali_map_data_compute_async (RaliMapInput *input, int k, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_map_data_compute_async);
  Job *job = g_new0 (Job, 1);
  job->input = input;
  job->k = k;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, compute_thread);
}

RaliMapData *
rali_map_data_compute_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- queries ---- */

static void
cell_range (const RaliMapData *d, float x0, float y0, float x1, float y1, int *cx0, int *cy0, int *cx1,
            int *cy1)
{
  *cx0 = CLAMP ((int) floorf ((MIN (x0, x1) - d->gx0) / d->cell), 0, d->gw - 1);
  *cx1 = CLAMP ((int) floorf ((MAX (x0, x1) - d->gx0) / d->cell), 0, d->gw - 1);
  *cy0 = CLAMP ((int) floorf ((MIN (y0, y1) - d->gy0) / d->cell), 0, d->gh - 1);
  *cy1 = CLAMP ((int) floorf ((MAX (y0, y1) - d->gy0) / d->cell), 0, d->gh - 1);
}

int
rali_map_data_nearest (const RaliMapData *d, float x, float y, float radius)
{
  if (!d || d->n == 0)
    return -1;
  int cx0, cy0, cx1, cy1, best = -1;
  float best_d2 = radius * radius;
  cell_range (d, x - radius, y - radius, x + radius, y + radius, &cx0, &cy0, &cx1, &cy1);
  for (int cy = cy0; cy <= cy1; cy++)
    for (int cx = cx0; cx <= cx1; cx++)
      {
        guint c = (guint) (cy * d->gw + cx);
        for (guint t = d->grid_start[c]; t < d->grid_start[c + 1]; t++)
          {
            guint i = d->grid_points[t];
            float dx = d->xy[2 * i] - x, dy = d->xy[2 * i + 1] - y;
            float d2 = dx * dx + dy * dy;
            if (d2 < best_d2 || (d2 == best_d2 && best >= 0 && (int) i < best))
              best_d2 = d2, best = (int) i;
          }
      }
  return best;
}

static int
cmp_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

void
rali_map_data_query_rect (const RaliMapData *d, float x0, float y0, float x1, float y1, GArray *out)
{
  if (!d || d->n == 0)
    return;
  float lx = MIN (x0, x1), hx = MAX (x0, x1), ly = MIN (y0, y1), hy = MAX (y0, y1);
  int cx0, cy0, cx1, cy1;
  cell_range (d, lx, ly, hx, hy, &cx0, &cy0, &cx1, &cy1);
  guint first = out->len;
  for (int cy = cy0; cy <= cy1; cy++)
    for (int cx = cx0; cx <= cx1; cx++)
      {
        guint c = (guint) (cy * d->gw + cx);
        for (guint t = d->grid_start[c]; t < d->grid_start[c + 1]; t++)
          {
            guint i = d->grid_points[t];
            float x = d->xy[2 * i], y = d->xy[2 * i + 1];
            if (x >= lx && x <= hx && y >= ly && y <= hy)
              g_array_append_val (out, i);
          }
      }
  if (out->len > first)
    qsort (&g_array_index (out, guint, first), out->len - first, sizeof (guint), cmp_uint);
}

/* ---- export ---- */

gboolean
rali_map_data_write_csv (const RaliMapData *d, const char *path, GError **error)
{
  g_autoptr (GString) s = g_string_new ("path,x,y,cluster,score\n");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int i = 0; d && i < d->n; i++)
    {
      if (d->items)
        rali_csv_append_field (s, rali_gallery_item_get_path (d->items[i]));
      else
        g_string_append_printf (s, "synthetic-%d", i);
      g_string_append_c (s, ',');
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.7g", d->xy[2 * i]));
      g_string_append_c (s, ',');
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.7g", d->xy[2 * i + 1]));
      g_string_append_printf (s, ",%d,", d->cluster[i]);
      if (isfinite (d->score[i]))
        g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6f", d->score[i]));
      g_string_append_c (s, '\n');
    }
  return g_file_set_contents (path, s->str, (gssize) s->len, error);
}
