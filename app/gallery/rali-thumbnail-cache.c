/* RaliThumbnailCache: see rali-thumbnail-cache.h.
 *
 * A request is a GTask; requests for the same thumbnail share one decode
 * job.  Jobs sit on a stack (newest first, so the tiles the user looks at
 * now come before those scrolled past) that a few pool threads pop.  A job
 * whose requests were all cancelled (tiles unbound) is dropped unseen; a
 * tile re-bound to the same photo (the grid re-sorted) joins its pending
 * job instead of starting another.  The LRU of finished textures is
 * touched on the main thread only. */
#include "rali-thumbnail-cache.h"

#include "rali.h"

#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

typedef struct {
  char *key;
  char *path;
  int width, height;  /* the box */
  GPtrArray *waiters; /* GTask refs, under lock */
  GList *link;        /* in stack while not started */
} Job;

struct _RaliThumbnailCache {
  GObject parent_instance;
  guint capacity;
  GHashTable *table; /* key -> GList link in lru, data = Entry* (main thread) */
  GQueue lru;        /* head = most recently used */
  GMutex lock;       /* pending and stack */
  GHashTable *pending; /* key -> Job, queued or decoding */
  GQueue stack;        /* Job*, newest at the head */
  GThreadPool *pool;   /* one token per job; workers pop the stack */
  guint n_decoded;
};

typedef struct {
  char *key;
  GdkTexture *texture;
} Entry;

typedef struct {
  char *path;
  int width, height;
} Request;

G_DEFINE_FINAL_TYPE (RaliThumbnailCache, rali_thumbnail_cache, G_TYPE_OBJECT)

static void
entry_free (Entry *e)
{
  g_free (e->key);
  g_clear_object (&e->texture);
  g_free (e);
}

static void
request_free (Request *r)
{
  g_free (r->path);
  g_free (r);
}

static void
job_free (Job *job)
{
  g_free (job->key);
  g_free (job->path);
  g_ptr_array_unref (job->waiters);
  g_free (job);
}

static char *
make_key (const char *path, int width, int height)
{
  return g_strdup_printf ("%dx%d:%s", width, height, path);
}

/* RGB8 image -> texture (takes the pixels) */
static GdkTexture *
texture_from_rgb (guint8 *rgb, int w, int h)
{
  g_autoptr (GBytes) bytes = g_bytes_new_take (rgb, (gsize) w * h * 3);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3);
}

static GdkTexture *
decode (const char *path, int width, int height, GError **error)
{
  RaliImage img = { 0 };
  /* DCT scaling: the JPEG decoder reduces by up to 8 while the short side
   * stays >= the box's short side, which is never below what the fit needs */
  if (!rali_image_load (&img, path, MIN (width, height), 0, error))
    return NULL;
  int w = img.width, h = img.height;
  if (width > 0 && height > 0 && (w > width || h > height))
    {
      double s = MIN ((double) width / w, (double) height / h);
      int nw = CLAMP ((int) (w * s + 0.5), 1, width), nh = CLAMP ((int) (h * s + 0.5), 1, height);
      guint8 *small = g_malloc ((gsize) nw * nh * 3);
      rali_resize_bicubic_rgb8 (small, nw, nh, img.rgb, w, h);
      rali_image_clear (&img);
      return texture_from_rgb (small, nw, nh);
    }
  guint8 *rgb = g_steal_pointer (&img.rgb);
  rali_image_clear (&img);
  return texture_from_rgb (rgb, w, h);
}

/* Background work yields to the main thread on a busy machine. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  static GPrivate done;
  if (!g_private_get (&done))
    {
      setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5);
      g_private_set (&done, GINT_TO_POINTER (1));
    }
#endif
}

static gboolean
has_live_waiter (Job *job)
{
  for (guint i = 0; i < job->waiters->len; i++)
    if (!g_cancellable_is_cancelled (g_task_get_cancellable (job->waiters->pdata[i])))
      return TRUE;
  return FALSE;
}

static void
pool_run (gpointer data, gpointer user_data)
{
  RaliThumbnailCache *self = user_data;
  (void) data;
  lower_thread_priority ();
  g_mutex_lock (&self->lock);
  Job *job = g_queue_pop_head (&self->stack);
  gboolean wanted = job && has_live_waiter (job);
  if (job)
    job->link = NULL;
  g_mutex_unlock (&self->lock);
  if (!job)
    return;

  GError *error = NULL;
  GdkTexture *tex = wanted ? decode (job->path, job->width, job->height, &error) : NULL;

  /* requests that joined while decoding get the result too */
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->pending, job->key);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < job->waiters->len; i++)
    {
      GTask *task = job->waiters->pdata[i];
      if (g_task_return_error_if_cancelled (task))
        continue;
      if (tex)
        g_task_return_pointer (task, g_object_ref (tex), g_object_unref);
      else if (error)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    }
  g_clear_object (&tex);
  g_clear_error (&error);
  job_free (job);
}

static void
rali_thumbnail_cache_dispose (GObject *object)
{
  RaliThumbnailCache *self = RALI_THUMBNAIL_CACHE (object);
  /* queued tasks still run (cancelled tiles return at once) and complete
   * on the main loop; the tasks keep self alive until then */
  if (self->pool)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  G_OBJECT_CLASS (rali_thumbnail_cache_parent_class)->dispose (object);
}

static void
rali_thumbnail_cache_finalize (GObject *object)
{
  RaliThumbnailCache *self = RALI_THUMBNAIL_CACHE (object);
  g_hash_table_unref (self->table);
  g_queue_clear_full (&self->lru, (GDestroyNotify) entry_free);
  g_hash_table_unref (self->pending);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (rali_thumbnail_cache_parent_class)->finalize (object);
}

static void
rali_thumbnail_cache_class_init (RaliThumbnailCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = rali_thumbnail_cache_dispose;
  object_class->finalize = rali_thumbnail_cache_finalize;
}

static void
rali_thumbnail_cache_init (RaliThumbnailCache *self)
{
  self->table = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
  g_mutex_init (&self->lock);
  self->pending = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->stack);
  /* a few threads: the scorer's decoders need the rest of the CPU */
  int n = CLAMP ((int) g_get_num_processors () / 2, 1, 4);
  self->pool = g_thread_pool_new (pool_run, self, n, TRUE, NULL);
}

RaliThumbnailCache *
rali_thumbnail_cache_new (guint capacity)
{
  RaliThumbnailCache *self = g_object_new (RALI_TYPE_THUMBNAIL_CACHE, NULL);
  self->capacity = MAX (capacity, 1);
  return self;
}

GdkTexture *
rali_thumbnail_cache_lookup (RaliThumbnailCache *self, const char *path, int width, int height)
{
  g_autofree char *key = make_key (path, width, height);
  GList *link = g_hash_table_lookup (self->table, key);
  if (!link)
    return NULL;
  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  return ((Entry *) link->data)->texture;
}

static void
insert (RaliThumbnailCache *self, const char *path, int width, int height, GdkTexture *texture)
{
  g_autofree char *key = make_key (path, width, height);
  if (g_hash_table_contains (self->table, key))
    return;
  Entry *e = g_new0 (Entry, 1);
  e->key = g_steal_pointer (&key);
  e->texture = g_object_ref (texture);
  g_queue_push_head (&self->lru, e);
  g_hash_table_insert (self->table, e->key, self->lru.head);
  while (self->lru.length > self->capacity)
    {
      Entry *old = g_queue_pop_tail (&self->lru);
      g_hash_table_remove (self->table, old->key);
      entry_free (old);
    }
}

void
rali_thumbnail_cache_load_async (RaliThumbnailCache *self, const char *path, int width, int height,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (RALI_IS_THUMBNAIL_CACHE (self));
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_thumbnail_cache_load_async);
  Request *r = g_new0 (Request, 1);
  r->path = g_strdup (path);
  r->width = width;
  r->height = height;
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  GdkTexture *hit = rali_thumbnail_cache_lookup (self, path, width, height);
  if (hit)
    {
      g_task_return_pointer (task, g_object_ref (hit), g_object_unref);
      return;
    }
  g_autofree char *key = make_key (path, width, height);
  gboolean new_job = FALSE;
  g_mutex_lock (&self->lock);
  Job *job = g_hash_table_lookup (self->pending, key);
  if (!job)
    {
      job = g_new0 (Job, 1);
      job->key = g_steal_pointer (&key);
      job->path = g_strdup (path);
      job->width = width;
      job->height = height;
      job->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->pending, job->key, job);
      g_queue_push_head (&self->stack, job);
      job->link = self->stack.head;
      new_job = TRUE;
    }
  else if (job->link) /* asked again: to the top of the stack */
    {
      g_queue_unlink (&self->stack, job->link);
      g_queue_push_head_link (&self->stack, job->link);
    }
  g_ptr_array_add (job->waiters, g_object_ref (task));
  g_mutex_unlock (&self->lock);
  if (new_job)
    g_thread_pool_push (self->pool, GINT_TO_POINTER (1), NULL);
}

GdkTexture *
rali_thumbnail_cache_load_finish (RaliThumbnailCache *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  GTask *task = G_TASK (result);
  GdkTexture *tex = g_task_propagate_pointer (task, error);
  if (tex)
    {
      Request *r = g_task_get_task_data (task);
      insert (self, r->path, r->width, r->height, tex);
      self->n_decoded++;
    }
  return tex;
}

guint
rali_thumbnail_cache_get_n_decoded (RaliThumbnailCache *self)
{
  return self->n_decoded;
}

static void
full_load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  GError *error = NULL;
  GdkTexture *tex = decode (task_data, 0, 0, &error);
  if (tex)
    g_task_return_pointer (task, tex, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
rali_image_texture_load_async (const char *path, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_image_texture_load_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, full_load_thread);
}

GdkTexture *
rali_image_texture_load_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
