/* Many files through one engine: decode + preprocess on a thread pool,
 * double-buffered so that batch i+1 decodes while batch i runs. */
#include "rali.h"
#include "nn/model-private.h"

#include <gio/gio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

typedef struct {
  RaliEngine *engine;
  const char *path;
  float *pixels;
  int height, width; /* the pixels' shape: [views, 3, height, width] */
  GError *error;
  gboolean ok;
  struct Batch *batch;
} Slot;

typedef struct Batch {
  GMutex lock;
  GCond done;
  int pending;
  int n;
  Slot *slots;
  float *pixels;
} Batch;

static void
preprocess_worker (gpointer data, gpointer user_data)
{
  (void) user_data;
  Slot *s = data;
#ifdef __linux__
  /* pool threads are shared and long-lived: renice each one once (nice
   * is per thread on Linux, and only ever raised here) */
  static GPrivate reniced;
  int inc = rali_engine_get_worker_nice (s->engine);
  if (inc > 0 && GPOINTER_TO_INT (g_private_get (&reniced)) < inc)
    {
      pid_t tid = (pid_t) syscall (SYS_gettid);
      errno = 0;
      int now = getpriority (PRIO_PROCESS, (id_t) tid);
      if (errno == 0 && now < inc)
        setpriority (PRIO_PROCESS, (id_t) tid, inc);
      g_private_set (&reniced, GINT_TO_POINTER (inc));
    }
#endif
  s->ok = rali_engine_preprocess_file_hw (s->engine, s->path, s->pixels, &s->height, &s->width, &s->error);
  g_mutex_lock (&s->batch->lock);
  if (--s->batch->pending == 0)
    g_cond_signal (&s->batch->done);
  g_mutex_unlock (&s->batch->lock);
}

static void
batch_start (Batch *b, GThreadPool *pool, RaliEngine *engine, char **paths, gsize first, int n, gsize px)
{
  b->n = n;
  b->pending = n;
  for (int i = 0; i < n; i++)
    {
      Slot *s = &b->slots[i];
      g_clear_error (&s->error);
      s->engine = engine;
      s->path = paths[first + i];
      s->pixels = b->pixels + (gsize) i * px;
      s->ok = FALSE;
      s->batch = b;
      g_thread_pool_push (pool, s, NULL);
    }
}

static void
batch_wait (Batch *b)
{
  g_mutex_lock (&b->lock);
  while (b->pending > 0)
    g_cond_wait (&b->done, &b->lock);
  g_mutex_unlock (&b->lock);
}

/* Forwards the good slots of b: runs of consecutive slots of one input
 * shape (a whole-frame model's landscape and portrait photos differ) go
 * through the engine together.  features/embeddings: [good slots · V, D]. */
static gboolean
forward_slots (RaliEngine *engine, Batch *b, gsize V, gsize D, float *packed, float *features, float *embeddings,
               GError **error)
{
  int j = 0; /* good slots before the run */
  for (int i = 0; i < b->n;)
    {
      if (!b->slots[i].ok)
        {
          i++;
          continue;
        }
      int H = b->slots[i].height, W = b->slots[i].width, m = 0;
      gsize px = V * 3 * (gsize) H * W;
      for (; i < b->n; i++)
        {
          const Slot *s = &b->slots[i];
          if (!s->ok)
            continue;
          if (s->height != H || s->width != W)
            break;
          memcpy (packed + (gsize) m * px, s->pixels, px * sizeof (float));
          m++;
        }
      if (!rali_engine_forward_hw (engine, packed, (int) (m * V), H, W, features + (gsize) j * V * D,
                                   embeddings ? embeddings + (gsize) j * D : NULL, error))
        return FALSE;
      j += m;
    }
  return TRUE;
}

/* one of func / func_ex; embeddings are only computed for func_ex */
static gboolean
run_files (RaliEngine *engine, char **paths, gsize n_paths, int batch, GCancellable *cancellable,
           RaliResultFunc func, RaliResultExFunc func_ex, gpointer user_data, GError **error)
{
  const RaliConfig *c = rali_model_config (rali_engine_model (engine));
  /* px: room for the pixels of one file, all its views */
  gsize D = c->projection_dim, V = rali_model_views (rali_engine_model (engine));
  gsize px = rali_model_input_floats (rali_engine_model (engine));
  int B = CLAMP (batch, 1, 256);
  gboolean ok = TRUE;

  GThreadPool *pool = g_thread_pool_new (preprocess_worker, NULL, MAX (1, (int) g_get_num_processors ()),
                                         FALSE, NULL);
  Batch bufs[2];
  for (int i = 0; i < 2; i++)
    {
      memset (&bufs[i], 0, sizeof bufs[i]);
      g_mutex_init (&bufs[i].lock);
      g_cond_init (&bufs[i].done);
      bufs[i].slots = g_new0 (Slot, B);
      bufs[i].pixels = g_new (float, px * B);
    }
  g_autofree float *packed = g_new (float, px * B);
  g_autofree float *features = g_new (float, D * V * B);
  g_autofree float *mean = g_new (float, D);
  /* unit embeddings: [V == 1 ? B : 0, D] from the device, one [D] from the host */
  g_autofree float *embeddings = func_ex && V == 1 ? g_new (float, D * B) : NULL;
  g_autofree float *unit = func_ex ? g_new (float, D) : NULL;

  gsize next = 0;
  int cur = 0;
  if (n_paths > 0)
    {
      int n = (int) MIN ((gsize) B, n_paths);
      batch_start (&bufs[0], pool, engine, paths, 0, n, px);
      next = n;
    }
  while (bufs[cur].n > 0)
    {
      Batch *b = &bufs[cur];
      batch_wait (b);
      /* start decoding the next batch before running this one */
      Batch *nb = &bufs[cur ^ 1];
      nb->n = 0;
      if (next < n_paths && !g_cancellable_is_cancelled (cancellable))
        {
          int n = (int) MIN ((gsize) B, n_paths - next);
          batch_start (nb, pool, engine, paths, next, n, px);
          next += n;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          batch_wait (nb);
          break;
        }
      g_autoptr (GError) ferr = NULL;
      gboolean forward_ok = forward_slots (engine, b, V, D, packed, features, embeddings, &ferr);
      int j = 0;
      for (int i = 0; i < b->n; i++)
        {
          Slot *s = &b->slots[i];
          const GError *err = !s->ok ? s->error : !forward_ok ? ferr : NULL;
          if (err && func_ex)
            func_ex (s->path, NULL, NULL, err, user_data);
          else if (err)
            func (s->path, NULL, err, user_data);
          else
            {
              /* a multi-crop file's feature is the mean over its views */
              const float *f = features + (gsize) j * V * D;
              for (gsize d = 0; d < D; d++)
                {
                  double acc = 0;
                  for (gsize v = 0; v < V; v++)
                    acc += f[v * D + d];
                  mean[d] = (float) (acc / V);
                }
              if (!func_ex)
                func (s->path, mean, NULL, user_data);
              else if (V == 1)
                func_ex (s->path, mean, embeddings + (gsize) j * D, NULL, user_data);
              else
                {
                  /* a multi-crop file's unit embedding is normalize(mean f),
                   * computed here on the host from the mean: the mean of the
                   * views' unit embeddings (what the device op would give)
                   * is another vector */
                  memcpy (unit, mean, D * sizeof (float));
                  rali_l2_normalize (unit, (int) D);
                  func_ex (s->path, mean, unit, NULL, user_data);
                }
            }
          if (s->ok)
            j++;
        }
      b->n = 0;
      cur ^= 1;
    }

  g_thread_pool_free (pool, FALSE, TRUE);
  for (int i = 0; i < 2; i++)
    {
      for (int j = 0; j < B; j++)
        g_clear_error (&bufs[i].slots[j].error);
      g_free (bufs[i].slots);
      g_free (bufs[i].pixels);
      g_mutex_clear (&bufs[i].lock);
      g_cond_clear (&bufs[i].done);
    }
  return ok;
}

gboolean
rali_engine_run_files (RaliEngine *engine, char **paths, gsize n_paths, int batch,
                       GCancellable *cancellable, RaliResultFunc func, gpointer user_data,
                       GError **error)
{
  return run_files (engine, paths, n_paths, batch, cancellable, func, NULL, user_data, error);
}

gboolean
rali_engine_run_files_ex (RaliEngine *engine, char **paths, gsize n_paths, int batch,
                          GCancellable *cancellable, RaliResultExFunc func, gpointer user_data,
                          GError **error)
{
  return run_files (engine, paths, n_paths, batch, cancellable, NULL, func, user_data, error);
}

char *
rali_default_model_path (GError **error)
{
  const char *env = g_getenv ("RALI_MODEL");
  if (env && *env)
    return g_strdup (env);
  /* A program run from its build tree takes the source tree's model; an
   * installed one never does: it takes the model installed beside it */
  g_autofree char *looked = NULL;
  char *path = rali_locate_file (
#ifdef RALI_SOURCE_DATADIR
    RALI_SOURCE_DATADIR "/models/rali-default.rali",
#else
    NULL,
#endif
#ifdef RALI_DATADIR_FROM_BINDIR
    RALI_DATADIR_FROM_BINDIR "/models",
#else
    NULL,
#endif
#ifdef RALI_DATADIR
    RALI_DATADIR "/models",
#else
    NULL,
#endif
    "rali-default.rali", FALSE, &looked);
  if (!path)
    g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL, "no default model found (looked for $RALI_MODEL, %s); "
                 "pass --model FILE", looked);
  return path;
}
