/* Compare scoring: see rali-compare-scorer.h. */
#include "config.h"

#include "rali-compare-scorer.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/stat.h>
#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* the model and engine kept between requests; one request at a time */
static GMutex lock;
static RaliModel *kept_model;
static RaliEngine *kept_engine;
static char *kept_path;
static gint64 kept_mtime;
static RaliBackendKind kept_backend;
static gboolean shut_down; /* the catalog is going: never touch it again */

void
rali_compare_scorer_shutdown (void)
{
  g_mutex_lock (&lock); /* waits for a request in flight */
  shut_down = TRUE;
  g_clear_pointer (&kept_engine, rali_engine_free);
  g_clear_pointer (&kept_model, rali_model_free);
  g_clear_pointer (&kept_path, g_free);
  g_mutex_unlock (&lock);
}

void
rali_compare_result_free (RaliCompareResult *r)
{
  if (!r)
    return;
  g_free (r->path);
  g_free (r->sims);
  g_free (r->proto_scores);
  g_strfreev (r->texts);
  g_free (r->overlap_rows);
  g_free (r->weights);
  rali_sentences_free (r->sentences, r->n_sentences);
  g_free (r->summary);
  g_free (r);
}

void
rali_tile_result_free (RaliTileResult *r)
{
  if (!r)
    return;
  g_free (r->path);
  g_free (r->tiles);
  g_strfreev (r->texts);
  g_free (r);
}

static gint64
mtime_us (const GStatBuf *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

/* under lock */
static RaliModel *
ensure_model (const char *model_path, GError **error)
{
  GStatBuf st;
  gint64 mtime = g_stat (model_path, &st) == 0 ? mtime_us (&st) : -1;
  if (kept_model && g_strcmp0 (kept_path, model_path) == 0 && kept_mtime == mtime)
    return kept_model;
  g_clear_pointer (&kept_engine, rali_engine_free);
  g_clear_pointer (&kept_model, rali_model_free);
  g_clear_pointer (&kept_path, g_free);
  kept_model = rali_model_open (model_path, error);
  if (!kept_model)
    return NULL;
  if (!rali_model_has_head (kept_model))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL, _("%s has no scoring head"), model_path);
      g_clear_pointer (&kept_model, rali_model_free);
      return NULL;
    }
  kept_path = g_strdup (model_path);
  kept_mtime = mtime;
  return kept_model;
}

/* under lock */
static gboolean
ensure_engine (RaliBackendKind backend, GError **error)
{
  if (kept_engine && kept_backend != backend)
    g_clear_pointer (&kept_engine, rali_engine_free);
  if (!kept_engine)
    {
      kept_engine = rali_engine_new (kept_model, backend, error);
      if (!kept_engine)
        return FALSE;
      kept_backend = backend;
    }
  return TRUE;
}

/* f of one file through the engine (under lock): the mean over its views */
static gboolean
run_engine (const char *path, RaliBackendKind backend, float *f, GError **error)
{
  if (!ensure_engine (backend, error))
    return FALSE;
  const RaliConfig *c = rali_model_config (kept_model);
  int V = rali_model_views (kept_model), D = c->projection_dim, H, W;
  g_autofree float *pixels = g_try_new (float, rali_model_input_floats (kept_model));
  g_autofree float *features = g_new (float, (gsize) V * D);
  if (!pixels)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_TOO_LARGE, "out of memory");
      return FALSE;
    }
  if (!rali_engine_preprocess_file_hw (kept_engine, path, pixels, &H, &W, error)
      || !rali_engine_forward_hw (kept_engine, pixels, V, H, W, features, NULL, error))
    return FALSE;
  for (int d = 0; d < D; d++)
    {
      double acc = 0;
      for (int v = 0; v < V; v++)
        acc += features[v * D + d];
      f[d] = (float) (acc / V);
    }
  return TRUE;
}

/* under lock */
static RaliCompareResult *
score_locked (const char *path, const char *model_path, RaliBackendKind backend, RaliCatalog *catalog,
              GError **error)
{
  if (shut_down)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "shutting down");
      return NULL;
    }
  RaliModel *model = ensure_model (model_path, error);
  if (!model)
    return NULL;
  const RaliConfig *c = rali_model_config (model);
  int D = c->projection_dim, K = c->n_prototypes;
  g_autofree float *f = g_new (float, D);
  gboolean from_catalog = FALSE;
  GStatBuf st;
  if (catalog && g_stat (path, &st) == 0)
    {
      g_autoptr (RaliCatalogEntry) e = rali_catalog_lookup (catalog, path, st.st_size, mtime_us (&st),
                                                            rali_model_hash (model), NULL);
      from_catalog = e && rali_catalog_entry_features (e, D, f);
    }
  if (!from_catalog && !run_engine (path, backend, f, error))
    return NULL;
  g_autoptr (RaliCompareResult) r = g_new0 (RaliCompareResult, 1);
  r->path = g_strdup (path);
  r->from_catalog = from_catalog;
  r->n_prototypes = K;
  r->sims = g_new (float, K);
  r->proto_scores = g_new (float, K);
  r->texts = g_new0 (char *, K + 1);
  r->score_min = c->score_min;
  r->score_max = c->score_max;
  g_autofree RaliDescriptor *all = g_new (RaliDescriptor, K);
  float score = 0;
  if (!rali_head_score (model, f, K, &score, all, r->sims, error))
    return NULL;
  r->score = score;
  const float *rows = rali_model_overlap_rows (model, &r->overlap_dim);
  r->overlap_rows = g_memdup2 (rows, sizeof (float) * (gsize) K * r->overlap_dim);
  for (int i = 0; i < K; i++)
    {
      r->proto_scores[all[i].index] = all[i].score;
      r->texts[i] = rali_descriptor_text (model, i);
    }
  /* why: each prototype's share, and what the shares agree on */
  r->weights = g_new (float, K);
  rali_head_weights (model, r->sims, r->weights);
  r->temperature = c->temperature;
  r->has_texts = c->descriptors != NULL;
  r->sentences = rali_head_consensus (model, r->weights, &r->n_sentences, &r->n_majority);
  if (r->n_majority > 0)
    r->summary = rali_sentences_join (r->sentences, r->n_majority);
  return g_steal_pointer (&r);
}

RaliCompareResult *
rali_compare_score (const char *path, const char *model_path, RaliBackendKind backend, RaliCatalog *catalog,
                    GError **error)
{
  g_mutex_lock (&lock);
  RaliCompareResult *r = score_locked (path, model_path, backend, catalog, error);
  g_mutex_unlock (&lock);
  return r;
}

typedef struct {
  char *path, *model_path;
  RaliBackendKind backend;
  RaliCatalog *catalog;
} Request;

static void
request_free (Request *q)
{
  g_free (q->path);
  g_free (q->model_path);
  g_free (q);
}

static void
score_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  Request *q = data;
  GError *error = NULL;
  RaliCompareResult *r = rali_compare_score (q->path, q->model_path, q->backend, q->catalog, &error);
  if (r)
    g_task_return_pointer (task, r, (GDestroyNotify) rali_compare_result_free);
  else
    g_task_return_error (task, error);
}

void
rali_compare_score_async (const char *path, const char *model_path, RaliBackendKind backend,
                          RaliCatalog *catalog, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  Request *q = g_new0 (Request, 1);
  q->path = g_strdup (path);
  q->model_path = g_strdup (model_path);
  q->backend = backend;
  q->catalog = catalog;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_compare_score_async);
  g_task_set_task_data (task, q, (GDestroyNotify) request_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, score_thread);
}

RaliCompareResult *
rali_compare_score_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- tiles ---- */

#define TILES_NICE 10

typedef struct {
  char *path, *model_path;
  RaliBackendKind backend;
  int cols, rows;
} TileRequest;

static void
tile_request_free (TileRequest *q)
{
  g_free (q->path);
  g_free (q->model_path);
  g_free (q);
}

/* under lock */
static RaliTileResult *
tiles_locked (TileRequest *q, GCancellable *cancellable, GError **error)
{
  if (shut_down)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "shutting down");
      return NULL;
    }
  RaliModel *model = ensure_model (q->model_path, error);
  if (!model || !ensure_engine (q->backend, error))
    return NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (RaliTileResult) r = g_new0 (RaliTileResult, 1);
  r->path = g_strdup (q->path);
  r->cols = q->cols;
  r->rows = q->rows;
  r->tiles = rali_engine_score_tiles_file (kept_engine, q->path, &r->cols, &r->rows, &r->width, &r->height,
                                           cancellable, error);
  if (!r->tiles)
    return NULL;
  int n = r->cols * r->rows;
  r->texts = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    r->texts[i] = rali_descriptor_text (model, r->tiles[i].top_index);
  const RaliConfig *c = rali_model_config (model);
  r->score_min = c->score_min;
  r->score_max = c->score_max;
  r->on_main_thread = g_main_context_is_owner (g_main_context_default ());
  r->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&r);
}

/* A thread of its own (not GTask's shared pool): it runs at a lower
 * priority than the main thread, which must keep drawing while the tiles
 * take the CPU (nice is per thread on Linux and can only be raised, so a
 * pool thread would stay lowered for other work). */
static gpointer
tiles_thread (gpointer data)
{
  GTask *task = data;
#ifdef __linux__
  pid_t tid = (pid_t) syscall (SYS_gettid);
  errno = 0;
  int now = getpriority (PRIO_PROCESS, (id_t) tid);
  if (errno == 0 && now < TILES_NICE)
    setpriority (PRIO_PROCESS, (id_t) tid, TILES_NICE);
#endif
  GError *error = NULL;
  g_mutex_lock (&lock);
  RaliTileResult *r = tiles_locked (g_task_get_task_data (task), g_task_get_cancellable (task), &error);
  g_mutex_unlock (&lock);
  if (r)
    g_task_return_pointer (task, r, (GDestroyNotify) rali_tile_result_free);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
  return NULL;
}

void
rali_compare_tiles_async (const char *path, const char *model_path, RaliBackendKind backend, int cols, int rows,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TileRequest *q = g_new0 (TileRequest, 1);
  q->path = g_strdup (path);
  q->model_path = g_strdup (model_path);
  q->backend = backend;
  q->cols = cols;
  q->rows = rows;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_compare_tiles_async);
  g_task_set_task_data (task, q, (GDestroyNotify) tile_request_free);
  g_thread_unref (g_thread_new ("rali-tiles", tiles_thread, g_object_ref (task)));
}

RaliTileResult *
rali_compare_tiles_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
