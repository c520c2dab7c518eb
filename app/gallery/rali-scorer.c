/* RaliScorer: see rali-scorer.h.
 *
 * Threads: the main thread owns the object, its counters and the items.
 * The pool's single thread owns the loaded model and engine (wk_*) and
 * runs jobs one after the other.  Between them is the outbox, a queue of
 * messages under a mutex, drained by a 16 ms timeout on the main thread
 * in slices of a few milliseconds so that a flood of catalog hits never
 * stalls the UI. */
#include "config.h"

#include "rali-scorer.h"

#include "rali-gallery-item.h"

#include <gexiv2/gexiv2.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define KEEP_DESCRIPTORS 10 /* stored per file; the UI shows top-k of them */
#define ENGINE_BATCH 8
#define DRAIN_BUDGET_US 6000
#define DRAIN_EVERY_MS 16

typedef struct Job Job;

typedef enum { MSG_MODEL, MSG_PHASE, MSG_FILE, MSG_DONE } MsgKind;

typedef struct {
  MsgKind kind;
  guint generation;
  Job *job;                 /* MSG_DONE: freed by the main thread */
  RaliGalleryItem *item;    /* MSG_FILE, ref */
  gboolean cached;
  char *error;              /* MSG_FILE failure, or MSG_MODEL failure */
  double score, fraction;
  GPtrArray *descriptors;
  GBytes *embedding;        /* MSG_FILE: the unit embedding, or NULL */
  gint64 capture_time;
  gboolean capture_exif;    /* capture_time is EXIF DateTimeOriginal, not the mtime */
  char *model_name, *provenance, *backend_name; /* MSG_MODEL */
  double score_min, score_max;                   /* MSG_MODEL */
  gboolean cancelled;       /* MSG_DONE */
} Msg;

struct Job {
  RaliScorer *self; /* valid: dispose waits for the pool */
  guint generation;
  GPtrArray *items; /* RaliGalleryItem refs, freed on the main thread */
  GCancellable *cancellable;
  char *model_path;
  RaliBackendKind backend;
  /* worker thread only */
  GPtrArray *todo;  /* borrowed items to run through the model */
  GArray *stats;    /* struct stat of each todo item */
  guint next;       /* next todo index the engine reports */
  const char *model_hash;
};

struct _RaliScorer {
  GObject parent_instance;
  RaliCatalog *catalog; /* borrowed */
  GThreadPool *pool;
  guint generation;
  GPtrArray *jobs;      /* started, not finished (main thread) */

  GMutex lock;          /* outbox */
  GQueue outbox;
  guint drain_id;

  /* main thread: the current job */
  gboolean running;
  guint total, cached, rescored, failed;
  gint64 t_start, t_first, t_model_start, t_end;
  char *model_name, *provenance, *backend_name, *model_error;
  double score_min, score_max;

  /* worker thread */
  RaliModel *wk_model;
  RaliEngine *wk_engine;
  char *wk_path;
  gint64 wk_mtime;
  RaliBackendKind wk_backend;
};

enum { SIGNAL_MODEL_LOADED, SIGNAL_PROGRESS, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliScorer, rali_scorer, G_TYPE_OBJECT)

static void
msg_free (Msg *m)
{
  g_clear_object (&m->item);
  g_clear_pointer (&m->descriptors, g_ptr_array_unref);
  g_clear_pointer (&m->embedding, g_bytes_unref);
  g_free (m->error);
  g_free (m->model_name);
  g_free (m->provenance);
  g_free (m->backend_name);
  g_free (m);
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->todo, g_ptr_array_unref);
  g_clear_pointer (&job->stats, g_array_unref);
  g_clear_object (&job->cancellable);
  g_free (job->model_path);
  g_free (job);
}

/* ---- main thread: applying results ---- */

static void
apply (RaliScorer *self, Msg *m)
{
  gboolean current = m->generation == self->generation;
  switch (m->kind)
    {
    case MSG_MODEL:
      if (!current)
        break;
      g_free (self->model_name);
      g_free (self->provenance);
      g_free (self->backend_name);
      g_free (self->model_error);
      self->model_name = g_steal_pointer (&m->model_name);
      self->provenance = g_steal_pointer (&m->provenance);
      self->backend_name = g_steal_pointer (&m->backend_name);
      self->model_error = g_steal_pointer (&m->error);
      self->score_min = m->score_min;
      self->score_max = m->score_max;
      g_signal_emit (self, signals[SIGNAL_MODEL_LOADED], 0);
      break;
    case MSG_PHASE:
      if (current)
        self->t_model_start = g_get_monotonic_time ();
      break;
    case MSG_FILE:
      if (!current)
        break;
      if (m->error)
        rali_gallery_item_set_error (m->item, m->error, m->cached);
      else
        {
          /* before the result: notify::state listeners see it */
          rali_gallery_item_set_embedding (m->item, m->embedding);
          rali_gallery_item_set_result (m->item, m->score, m->fraction,
                                        g_steal_pointer (&m->descriptors), m->cached);
        }
      if (m->cached)
        self->cached++;
      else
        self->rescored++;
      if (m->error)
        self->failed++;
      if (m->capture_time)
        rali_gallery_item_set_capture_time (m->item, m->capture_time, m->capture_exif);
      if (self->t_first == 0)
        self->t_first = g_get_monotonic_time ();
      break;
    case MSG_DONE:
      g_ptr_array_remove (self->jobs, m->job);
      job_free (g_steal_pointer (&m->job));
      if (!current)
        break;
      self->running = FALSE;
      self->t_end = g_get_monotonic_time ();
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, m->cancelled);
      break;
    }
}

static gboolean
drain (gpointer data)
{
  RaliScorer *self = data;
  gint64 deadline = g_get_monotonic_time () + DRAIN_BUDGET_US;
  gboolean any_file = FALSE, more = TRUE;
  g_object_ref (self);
  while (more && g_get_monotonic_time () < deadline)
    {
      /* take a small slice at a time, apply outside the lock */
      GQueue slice = G_QUEUE_INIT;
      g_mutex_lock (&self->lock);
      for (int i = 0; i < 32 && !g_queue_is_empty (&self->outbox); i++)
        g_queue_push_tail (&slice, g_queue_pop_head (&self->outbox));
      more = !g_queue_is_empty (&self->outbox);
      if (!more && g_queue_is_empty (&slice))
        self->drain_id = 0;
      g_mutex_unlock (&self->lock);
      Msg *m;
      while ((m = g_queue_pop_head (&slice)))
        {
          any_file |= m->kind == MSG_FILE;
          apply (self, m);
          msg_free (m);
        }
    }
  if (any_file && self->running)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  gboolean again;
  g_mutex_lock (&self->lock);
  again = !g_queue_is_empty (&self->outbox);
  if (!again)
    self->drain_id = 0;
  g_mutex_unlock (&self->lock);
  g_object_unref (self);
  return again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- worker thread ---- */

/* The engine's messages start with the path; the tile shows the file name
 * already, so keep the reason only. */
static char *
reason (const char *path, const char *message)
{
  if (g_str_has_prefix (message, path) && g_str_has_prefix (message + strlen (path), ": "))
    return g_strdup (message + strlen (path) + 2);
  return g_strdup (message);
}

static void
post (RaliScorer *self, Msg *m)
{
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->outbox, m);
  /* a timeout, not an idle: an idle never runs while frames keep the
   * main loop busy (a user scrolling); DRAIN_EVERY_MS leaves room for
   * frames between drains of at most DRAIN_BUDGET_US */
  if (self->drain_id == 0)
    self->drain_id = g_timeout_add_full (G_PRIORITY_DEFAULT, DRAIN_EVERY_MS, drain, self, NULL);
  g_mutex_unlock (&self->lock);
}

static gint64
stat_mtime_us (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

/* EXIF DateTimeOriginal as Unix seconds (local time, as cameras write it),
 * *exif TRUE; else the file's mtime, *exif FALSE: good enough to sort by,
 * but not to group bursts (copying a folder gives its files one mtime). */
static gint64
capture_time_locked (const char *path, const struct stat *st, gboolean *exif)
{
  g_autoptr (GExiv2Metadata) meta = gexiv2_metadata_new ();
  *exif = FALSE;
  /* Exiv2 opens whatever the path names: a FIFO called photo.jpg would
   * block here for ever, holding the Exiv2 lock that every decode needs */
  if (S_ISREG (st->st_mode) && gexiv2_metadata_open_path (meta, path, NULL)
      && gexiv2_metadata_try_has_tag (meta, "Exif.Photo.DateTimeOriginal", NULL))
    {
      g_autofree char *s = gexiv2_metadata_try_get_tag_string (meta, "Exif.Photo.DateTimeOriginal", NULL);
      int Y, M, D, h, m, sec;
      if (s && sscanf (s, "%d:%d:%d %d:%d:%d", &Y, &M, &D, &h, &m, &sec) == 6)
        {
          g_autoptr (GDateTime) dt = g_date_time_new_local (Y, M, D, h, m, sec);
          *exif = dt != NULL;
          if (dt)
            return g_date_time_to_unix (dt);
        }
    }
  return st->st_mtim.tv_sec;
}

static gint64
capture_time (const char *path, const struct stat *st, gboolean *exif)
{
  rali_exiv2_lock ();
  gint64 t = capture_time_locked (path, st, exif);
  rali_exiv2_unlock ();
  return t;
}

static gboolean
worker_load_model (RaliScorer *self, Job *job, Msg *info)
{
  struct stat st;
  gint64 mtime = g_stat (job->model_path, (GStatBuf *) &st) == 0 ? stat_mtime_us (&st) : -1;
  if (!self->wk_engine || g_strcmp0 (self->wk_path, job->model_path) != 0
      || self->wk_mtime != mtime || self->wk_backend != job->backend)
    {
      g_clear_pointer (&self->wk_engine, rali_engine_free);
      g_clear_pointer (&self->wk_model, rali_model_free);
      g_clear_pointer (&self->wk_path, g_free);
      g_autoptr (GError) error = NULL;
      self->wk_model = rali_model_open (job->model_path, &error);
      if (self->wk_model && !rali_model_has_head (self->wk_model))
        g_set_error (&error, RALI_ERROR, RALI_ERROR_MODEL,
                     _("%s has no scoring head: it can embed images but not score them"),
                     job->model_path);
      if (self->wk_model && !error)
        self->wk_engine = rali_engine_new (self->wk_model, job->backend, &error);
      if (self->wk_engine)
        rali_engine_set_worker_nice (self->wk_engine, 10);
      if (error)
        {
          g_clear_pointer (&self->wk_model, rali_model_free);
          info->error = g_strdup (error->message);
          return FALSE;
        }
      self->wk_path = g_strdup (job->model_path);
      self->wk_mtime = mtime;
      self->wk_backend = job->backend;
    }
  const RaliConfig *c = rali_model_config (self->wk_model);
  info->model_name = g_strdup (c->name);
  info->provenance = g_strdup (c->descriptor_provenance ? c->descriptor_provenance : "none");
  info->backend_name = g_strdup (rali_engine_backend_name (self->wk_engine));
  info->score_min = c->score_min;
  info->score_max = c->score_max;
  return TRUE;
}

/* The score and descriptors of features f [D] through the model's head, into
 * m.  Descriptors are the nearest distinct prototypes
 * (rali_head_score_distinct), as the CLI lists them. */
static gboolean
head_result (RaliModel *model, const float *f, Msg *m, GError **error)
{
  const RaliConfig *c = rali_model_config (model);
  RaliDescriptor top[KEEP_DESCRIPTORS];
  float score = 0;
  int n = 0;
  if (!rali_head_score_distinct (model, f, KEEP_DESCRIPTORS, RALI_DISTINCT_MAX_COSINE, &score, top, &n, NULL,
                                 error))
    return FALSE;
  m->score = score;
  double range = c->score_max - c->score_min;
  m->fraction = range > 0 ? (score - c->score_min) / range : 0;
  m->descriptors = g_ptr_array_new_with_free_func ((GDestroyNotify) rali_item_descriptor_free);
  for (int i = 0; i < n; i++)
    {
      RaliItemDescriptor *d = g_new0 (RaliItemDescriptor, 1);
      d->index = top[i].index;
      d->text = rali_descriptor_text (model, top[i].index);
      d->similarity = top[i].similarity;
      d->score = top[i].score;
      d->weight = top[i].weight;
      d->near_weight = top[i].near_weight;
      g_ptr_array_add (m->descriptors, d);
    }
  return TRUE;
}

static void
on_engine_result (const char *path, const float *features, const GError *error, gpointer data)
{
  Job *job = data;
  RaliScorer *self = job->self;
  (void) path;
  g_return_if_fail (job->next < job->todo->len);
  RaliGalleryItem *item = job->todo->pdata[job->next];
  const struct stat *st = &g_array_index (job->stats, struct stat, job->next);
  job->next++;

  RaliModel *model = self->wk_model;
  const RaliConfig *c = rali_model_config (model);
  Msg *m = g_new0 (Msg, 1);
  m->kind = MSG_FILE;
  m->generation = job->generation;
  m->item = g_object_ref (item);
  m->capture_time = capture_time (rali_gallery_item_get_path (item), st, &m->capture_exif);

  g_autoptr (RaliCatalogEntry) e = rali_catalog_entry_new ();
  e->path = g_strdup (rali_gallery_item_get_path (item));
  e->size = st->st_size;
  e->mtime = stat_mtime_us (st);
  e->model_hash = g_strdup (job->model_hash);
  e->capture_time = m->capture_time;
  e->capture_exif = m->capture_exif;

  g_autoptr (GError) head_error = NULL;
  if (features)
    {
      if (head_result (model, features, m, &head_error))
        {
          e->score = m->score;
          e->descriptors = rali_item_descriptors_to_json (m->descriptors);
          e->n_embedding = c->projection_dim;
          e->embedding = g_memdup2 (features, sizeof (float) * c->projection_dim);
          double sq = 0;
          for (int i = 0; i < e->n_embedding; i++)
            sq += (double) features[i] * features[i];
          e->feature_norm = (float) sqrt (sq); /* f = |f| e, for the head later (compare view) */
          rali_l2_normalize (e->embedding, e->n_embedding);
          m->embedding = g_bytes_new (e->embedding, sizeof (float) * e->n_embedding);
        }
      error = head_error;
    }
  if (error)
    {
      m->error = reason (e->path, error->message);
      e->error = g_strdup (m->error);
    }
  /* an engine failure (not the file's fault) is not remembered */
  if (self->catalog && !(error && error->domain == RALI_ERROR && error->code == RALI_ERROR_BACKEND))
    rali_catalog_put (self->catalog, e);
  post (self, m);
}

/* Returns TRUE when the job was cancelled before it finished. */
static gboolean
worker_score (RaliScorer *self, Job *job)
{
  if (g_cancellable_is_cancelled (job->cancellable))
    return TRUE;

  Msg *info = g_new0 (Msg, 1);
  info->kind = MSG_MODEL;
  info->generation = job->generation;
  gboolean loaded = worker_load_model (self, job, info);
  post (self, info);
  if (!loaded)
    return FALSE;
  job->model_hash = rali_model_hash (self->wk_model);
  const RaliConfig *c = rali_model_config (self->wk_model);
  double range = c->score_max - c->score_min;

  /* catalog hits first: instant, and the gallery fills at once */
  job->todo = g_ptr_array_new ();
  job->stats = g_array_new (FALSE, FALSE, sizeof (struct stat));
  for (guint i = 0; i < job->items->len; i++)
    {
      if (i % 64 == 0 && g_cancellable_is_cancelled (job->cancellable))
        return TRUE;
      RaliGalleryItem *item = job->items->pdata[i];
      const char *path = rali_gallery_item_get_path (item);
      struct stat st;
      if (g_stat (path, (GStatBuf *) &st) != 0)
        {
          int errsv = errno;
          Msg *m = g_new0 (Msg, 1);
          m->kind = MSG_FILE;
          m->generation = job->generation;
          m->item = g_object_ref (item);
          m->error = g_strdup (g_strerror (errsv));
          post (self, m);
          continue;
        }
      g_autoptr (RaliCatalogEntry) hit = NULL;
      if (self->catalog)
        hit = rali_catalog_lookup (self->catalog, path, st.st_size, stat_mtime_us (&st),
                                   job->model_hash, NULL);
      if (!hit)
        {
          g_ptr_array_add (job->todo, item);
          g_array_append_val (job->stats, st);
          continue;
        }
      Msg *m = g_new0 (Msg, 1);
      m->kind = MSG_FILE;
      m->generation = job->generation;
      m->item = g_object_ref (item);
      m->cached = TRUE;
      if (hit->capture_exif < 0)
        {
          /* a row from before the catalog said where its time came from:
           * read the EXIF again, once, and keep the answer */
          gboolean exif;
          hit->capture_time = capture_time (path, &st, &exif);
          hit->capture_exif = exif;
          rali_catalog_put (self->catalog, hit);
        }
      m->capture_time = hit->capture_time;
      m->capture_exif = hit->capture_exif > 0;
      if (hit->error)
        m->error = g_steal_pointer (&hit->error);
      else
        {
          /* the stored descriptors are a cache of the head: when the features
           * are known (f = |f| e), the head runs again, so that rows written
           * under another descriptor selection show the current one */
          g_autofree float *f = g_new (float, c->projection_dim);
          if (!rali_catalog_entry_features (hit, c->projection_dim, f) || !head_result (self->wk_model, f, m, NULL))
            m->descriptors = rali_item_descriptors_from_json (hit->descriptors);
          m->score = hit->score; /* as stored: f is rebuilt from a float e */
          m->fraction = range > 0 ? (hit->score - c->score_min) / range : 0;
          if (hit->embedding && hit->n_embedding > 0)
            m->embedding = g_bytes_new (hit->embedding, sizeof (float) * hit->n_embedding);
        }
      post (self, m);
    }

  Msg *phase = g_new0 (Msg, 1);
  phase->kind = MSG_PHASE;
  phase->generation = job->generation;
  post (self, phase);

  g_autofree char **paths = g_new0 (char *, job->todo->len + 1);
  for (guint i = 0; i < job->todo->len; i++)
    paths[i] = (char *) rali_gallery_item_get_path (job->todo->pdata[i]);
  g_autoptr (GError) error = NULL;
  /* the first photo alone, so that its score shows without waiting for a
   * whole batch (8 photos x 5 crops are seconds on a laptop CPU); results
   * come back in order, so job->next carries on across the two calls */
  guint first = MIN (job->todo->len, 1u);
  if (rali_engine_run_files (self->wk_engine, paths, first, 1, job->cancellable, on_engine_result, job, &error)
      && rali_engine_run_files (self->wk_engine, paths + first, job->todo->len - first, ENGINE_BATCH,
                                job->cancellable, on_engine_result, job, &error))
    return FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;
  g_warning ("scoring stopped: %s", error->message);
  return FALSE;
}

static void
worker_run (gpointer data, gpointer user_data)
{
  Job *job = data;
  RaliScorer *self = job->self;
  (void) user_data;
#ifdef __linux__
  /* background work yields to the main thread on a busy machine (threads
   * this one starts, e.g. OpenBLAS's, inherit it) */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5);
#endif
  gboolean cancelled = worker_score (self, job);
  if (self->catalog)
    {
      g_autoptr (GError) error = NULL;
      if (!rali_catalog_flush (self->catalog, &error))
        g_warning ("%s", error->message);
    }
  Msg *m = g_new0 (Msg, 1);
  m->kind = MSG_DONE;
  m->generation = job->generation;
  m->job = job;
  m->cancelled = cancelled;
  post (self, m);
}

/* ---- object ---- */

static void
rali_scorer_dispose (GObject *object)
{
  RaliScorer *self = RALI_SCORER (object);
  if (self->pool)
    {
      /* queued jobs see their cancellable and end at once; the running one
       * stops after its current batch */
      for (guint i = 0; i < self->jobs->len; i++)
        g_cancellable_cancel (((Job *) self->jobs->pdata[i])->cancellable);
      g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
      self->generation++; /* nothing left is applied or signalled */
      g_mutex_lock (&self->lock);
      g_clear_handle_id (&self->drain_id, g_source_remove);
      GQueue left = self->outbox;
      g_queue_init (&self->outbox);
      g_mutex_unlock (&self->lock);
      Msg *m;
      while ((m = g_queue_pop_head (&left)))
        {
          if (m->kind == MSG_DONE)
            apply (self, m);
          msg_free (m);
        }
    }
  G_OBJECT_CLASS (rali_scorer_parent_class)->dispose (object);
}

static void
rali_scorer_finalize (GObject *object)
{
  RaliScorer *self = RALI_SCORER (object);
  g_clear_pointer (&self->wk_engine, rali_engine_free);
  g_clear_pointer (&self->wk_model, rali_model_free);
  g_free (self->wk_path);
  g_ptr_array_unref (self->jobs);
  g_mutex_clear (&self->lock);
  g_free (self->model_name);
  g_free (self->provenance);
  g_free (self->backend_name);
  g_free (self->model_error);
  G_OBJECT_CLASS (rali_scorer_parent_class)->finalize (object);
}

static void
rali_scorer_class_init (RaliScorerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = rali_scorer_dispose;
  object_class->finalize = rali_scorer_finalize;

  signals[SIGNAL_MODEL_LOADED] = g_signal_new ("model-loaded", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
rali_scorer_init (RaliScorer *self)
{
  self->score_max = 1;
  g_mutex_init (&self->lock);
  g_queue_init (&self->outbox);
  self->jobs = g_ptr_array_new ();
  /* one thread: jobs run one after the other and own the engine in turn */
  self->pool = g_thread_pool_new (worker_run, NULL, 1, FALSE, NULL);
}

RaliScorer *
rali_scorer_new (RaliCatalog *catalog)
{
  RaliScorer *self = g_object_new (RALI_TYPE_SCORER, NULL);
  self->catalog = catalog;
  return self;
}

void
rali_scorer_cancel (RaliScorer *self)
{
  g_return_if_fail (RALI_IS_SCORER (self));
  for (guint i = 0; i < self->jobs->len; i++)
    g_cancellable_cancel (((Job *) self->jobs->pdata[i])->cancellable);
}

void
rali_scorer_start (RaliScorer *self, GPtrArray *items, const char *model_path,
                   RaliBackendKind backend, int top_k)
{
  g_return_if_fail (RALI_IS_SCORER (self));
  (void) top_k; /* the catalog keeps KEEP_DESCRIPTORS; the UI shows top_k of them */
  rali_scorer_cancel (self);
  Job *job = g_new0 (Job, 1);
  job->self = self;
  job->generation = ++self->generation;
  job->items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (job->items, g_object_ref (items->pdata[i]));
  job->cancellable = g_cancellable_new ();
  job->model_path = g_strdup (model_path);
  job->backend = backend;
  g_ptr_array_add (self->jobs, job);

  self->running = TRUE;
  self->total = items->len;
  self->cached = self->rescored = self->failed = 0;
  self->t_start = g_get_monotonic_time ();
  self->t_first = self->t_model_start = self->t_end = 0;
  g_thread_pool_push (self->pool, job, NULL);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

gboolean
rali_scorer_is_running (RaliScorer *self)
{
  return self->running;
}

guint
rali_scorer_get_total (RaliScorer *self)
{
  return self->total;
}

guint
rali_scorer_get_done (RaliScorer *self)
{
  return self->cached + self->rescored;
}

guint
rali_scorer_get_cached (RaliScorer *self)
{
  return self->cached;
}

guint
rali_scorer_get_rescored (RaliScorer *self)
{
  return self->rescored;
}

guint
rali_scorer_get_failed (RaliScorer *self)
{
  return self->failed;
}

double
rali_scorer_get_rate (RaliScorer *self)
{
  if (self->t_model_start == 0 || self->rescored == 0)
    return 0;
  gint64 end = self->running ? g_get_monotonic_time () : self->t_end;
  double s = (end - self->t_model_start) / (double) G_USEC_PER_SEC;
  return s > 0 ? self->rescored / s : 0;
}

double
rali_scorer_get_first_result_seconds (RaliScorer *self)
{
  return self->t_first ? (self->t_first - self->t_start) / (double) G_USEC_PER_SEC : -1;
}

double
rali_scorer_get_elapsed_seconds (RaliScorer *self)
{
  gint64 end = self->running || !self->t_end ? g_get_monotonic_time () : self->t_end;
  return self->t_start ? (end - self->t_start) / (double) G_USEC_PER_SEC : 0;
}

const char *
rali_scorer_get_model_name (RaliScorer *self)
{
  return self->model_name;
}

const char *
rali_scorer_get_model_provenance (RaliScorer *self)
{
  return self->provenance;
}

const char *
rali_scorer_get_backend_name (RaliScorer *self)
{
  return self->backend_name;
}

const char *
rali_scorer_get_model_error (RaliScorer *self)
{
  return self->model_error;
}

void
rali_scorer_get_score_range (RaliScorer *self, double *score_min, double *score_max)
{
  *score_min = self->score_min;
  *score_max = self->score_max;
}
