/* RaliSimilarPhotos: see rali-similar-photos.h.
 *
 * An index is a Snapshot: the neighbour index with the items its ids stand
 * for, immutable and reference-counted, so that a query keeps the one it
 * started on while a newer one replaces it.  A generation number tells a
 * finished build whether the photos changed while it ran. */
#include "config.h"

#include "rali-similar-photos.h"

#include "library/neighbours.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  gint ref;
  RaliNeighbours *index;
  RaliGalleryItem **items; /* [n] references */
  int n;
  GHashTable *id_of;       /* item -> id + 1 */
} Snapshot;

struct _RaliSimilarPhotos {
  GObject parent_instance;
  GListModel *items;
  Snapshot *current;
  gboolean stale;
  guint generation;
  GCancellable *building;  /* the exact index being made */
  GCancellable *upgrading; /* the HNSW graph being built */
  GPtrArray *waiting;      /* GTask: queries waiting for the index */
};

enum { PROP_0, PROP_N_PHOTOS, PROP_EXACT, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (RaliSimilarPhotos, rali_similar_photos, G_TYPE_OBJECT)

static void start_build (RaliSimilarPhotos *self);

/* from how many photos the HNSW graph takes over; RALI_SIMILAR_HNSW_MIN
 * lowers it for the tests */
static int
hnsw_min (void)
{
  const char *env = g_getenv ("RALI_SIMILAR_HNSW_MIN");
  return env && *env ? MAX (atoi (env), 2) : RALI_NEIGHBOURS_HNSW_MIN;
}

/* ---- snapshots ---- */

static Snapshot *
snapshot_new (RaliNeighbours *index, RaliGalleryItem **items, int n)
{
  Snapshot *s = g_new0 (Snapshot, 1);
  s->ref = 1;
  s->index = index;
  s->items = items;
  s->n = n;
  s->id_of = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (int i = 0; i < n; i++)
    g_hash_table_insert (s->id_of, items[i], GINT_TO_POINTER (i + 1));
  return s;
}

static Snapshot *
snapshot_ref (Snapshot *s)
{
  g_atomic_int_inc (&s->ref);
  return s;
}

static void
snapshot_unref (Snapshot *s)
{
  if (!s || !g_atomic_int_dec_and_test (&s->ref))
    return;
  rali_neighbours_unref (s->index);
  for (int i = 0; i < s->n; i++)
    g_object_unref (s->items[i]);
  g_free (s->items);
  g_hash_table_unref (s->id_of);
  g_free (s);
}

/* ---- queries ---- */

typedef struct {
  Snapshot *snapshot;
  RaliGalleryItem *item;
  int k;
} Query;

static void
query_free (Query *q)
{
  g_clear_pointer (&q->snapshot, snapshot_unref);
  g_clear_object (&q->item);
  g_free (q);
}

static void
similar_photo_free (RaliSimilarPhoto *p)
{
  g_clear_object (&p->item);
  g_free (p);
}

static void
search_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  Query *q = data;
  int id = GPOINTER_TO_INT (g_hash_table_lookup (q->snapshot->id_of, q->item)) - 1;
  g_autofree int *ids = g_new (int, MAX (q->k, 1));
  g_autofree float *sims = g_new (float, MAX (q->k, 1));
  int n = rali_neighbours_search_point (q->snapshot->index, id, q->k, ids, sims);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) similar_photo_free);
  for (int j = 0; j < n; j++)
    {
      RaliSimilarPhoto *p = g_new (RaliSimilarPhoto, 1);
      p->item = g_object_ref (q->snapshot->items[ids[j]]);
      p->similarity = sims[j];
      g_ptr_array_add (out, p);
    }
  g_task_return_pointer (task, out, (GDestroyNotify) g_ptr_array_unref);
}

/* answers task from the current index (or says the photo is not in it) */
static void
run_query (RaliSimilarPhotos *self, GTask *task)
{
  Query *q = g_task_get_task_data (task);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!g_hash_table_contains (self->current->id_of, q->item))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s has no embedding to compare yet"),
                               rali_gallery_item_get_name (q->item));
      return;
    }
  q->snapshot = snapshot_ref (self->current);
  g_task_run_in_thread (task, search_thread);
}

void
rali_similar_photos_find_async (RaliSimilarPhotos *self, RaliGalleryItem *item, int k, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RALI_IS_SIMILAR_PHOTOS (self) && RALI_IS_GALLERY_ITEM (item));
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_similar_photos_find_async);
  Query *q = g_new0 (Query, 1);
  q->item = g_object_ref (item);
  q->k = MAX (k, 0);
  g_task_set_task_data (task, q, (GDestroyNotify) query_free);
  if (self->current && !self->stale)
    {
      run_query (self, task);
      return;
    }
  g_ptr_array_add (self->waiting, g_object_ref (task));
  if (!self->building)
    start_build (self);
}

GPtrArray *
rali_similar_photos_find_finish (RaliSimilarPhotos *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- building ---- */

typedef struct {
  guint generation;
  int n, D;
  GBytes **embeddings;     /* [n] (exact build) */
  RaliGalleryItem **items; /* [n] references, moved into the snapshot */
  Snapshot *from;          /* (HNSW build) the exact snapshot it reads */
} Build;

static void
build_free (Build *b)
{
  for (int i = 0; b->embeddings && i < b->n; i++)
    g_bytes_unref (b->embeddings[i]);
  g_free (b->embeddings);
  for (int i = 0; b->items && i < b->n; i++)
    g_object_unref (b->items[i]);
  g_free (b->items);
  g_clear_pointer (&b->from, snapshot_unref);
  g_free (b);
}

static void
exact_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  Build *b = data;
  float *X = g_try_malloc_n ((gsize) MAX (b->n, 1) * b->D, sizeof (float));
  if (!X)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("Not enough memory for %d embeddings"), b->n);
      return;
    }
  for (int i = 0; i < b->n; i++)
    memcpy (X + (gsize) i * b->D, g_bytes_get_data (b->embeddings[i], NULL), sizeof (float) * b->D);
  Snapshot *s = snapshot_new (rali_neighbours_new_exact (X, b->n, b->D), g_steal_pointer (&b->items), b->n);
  g_task_return_pointer (task, s, (GDestroyNotify) snapshot_unref);
}

static void
hnsw_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  Build *b = data;
  GError *error = NULL;
  const RaliNeighbours *exact = b->from->index;
  RaliHnswParams params;
  rali_hnsw_params_init (&params);
  /* one thread: the scorer and the UI keep the others */
  params.n_threads = 1;
  /* a wider search on larger sets (tests/bench-neighbours, clustered 256-d:
   * recall@10 0.9993 at ef 200 on 100,000 points, but 0.937 at ef 200 and
   * 0.971 at ef 400 on 1,000,000): 200 up to 100,000 photos, 800 from
   * 1,600,000, still a small fraction of the exact search's time */
  double n = rali_neighbours_get_n (exact);
  params.ef_search = (int) CLAMP (params.ef_search * sqrt (n / 100000.0), params.ef_search, 800);
  RaliNeighbours *graph = rali_neighbours_new_hnsw (rali_neighbours_get_points (exact), rali_neighbours_get_n (exact),
                                                    rali_neighbours_get_dim (exact), &params, cancellable, &error);
  if (!graph)
    {
      g_task_return_error (task, error);
      return;
    }
  RaliGalleryItem **items = g_new (RaliGalleryItem *, MAX (b->from->n, 1));
  for (int i = 0; i < b->from->n; i++)
    items[i] = g_object_ref (b->from->items[i]);
  g_task_return_pointer (task, snapshot_new (graph, items, b->from->n), (GDestroyNotify) snapshot_unref);
}

static void
set_current (RaliSimilarPhotos *self, Snapshot *s)
{
  gboolean was_exact = rali_similar_photos_get_exact (self);
  int was_n = rali_similar_photos_get_n_photos (self);
  g_clear_pointer (&self->current, snapshot_unref);
  self->current = s;
  if (was_n != rali_similar_photos_get_n_photos (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PHOTOS]);
  if (was_exact != rali_similar_photos_get_exact (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXACT]);
}

static void
on_hnsw (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) data;
  RaliSimilarPhotos *self = RALI_SIMILAR_PHOTOS (source);
  Build *b = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  Snapshot *s = g_task_propagate_pointer (G_TASK (result), &error);
  /* a cancelled build was replaced already: leave the newer one be */
  if (g_task_get_cancellable (G_TASK (result)) == self->upgrading)
    g_clear_object (&self->upgrading);
  if (!s)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Similar photos: %s; the exact search goes on", error->message);
      return;
    }
  if (b->generation != self->generation)
    {
      snapshot_unref (s);
      return;
    }
  set_current (self, s);
}

static void
on_exact (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) data;
  RaliSimilarPhotos *self = RALI_SIMILAR_PHOTOS (source);
  Build *b = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  Snapshot *s = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* disposed, or a newer build replaced this one */
  g_clear_object (&self->building);
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  if (!s)
    {
      for (guint t = 0; t < waiting->len; t++)
        g_task_return_error (waiting->pdata[t], g_error_copy (error));
      return;
    }
  if (b->generation != self->generation)
    {
      /* the photos changed while it ran: again, for the same queries */
      snapshot_unref (s);
      g_ptr_array_extend_and_steal (self->waiting, g_steal_pointer (&waiting));
      start_build (self);
      return;
    }
  self->stale = FALSE;
  set_current (self, s);
  for (guint t = 0; t < waiting->len; t++)
    run_query (self, waiting->pdata[t]);
  if (s->n >= hnsw_min () && rali_neighbours_have_hnsw ())
    {
      Build *h = g_new0 (Build, 1);
      h->generation = self->generation;
      h->from = snapshot_ref (s);
      self->upgrading = g_cancellable_new ();
      g_autoptr (GTask) task = g_task_new (self, self->upgrading, on_hnsw, NULL);
      g_task_set_task_data (task, h, (GDestroyNotify) build_free);
      g_task_run_in_thread (task, hnsw_thread);
    }
}

static void
start_build (RaliSimilarPhotos *self)
{
  if (self->upgrading)
    g_cancellable_cancel (self->upgrading);
  g_clear_object (&self->upgrading);
  Build *b = g_new0 (Build, 1);
  b->generation = self->generation;
  guint total = self->items ? g_list_model_get_n_items (self->items) : 0;
  b->embeddings = g_new (GBytes *, MAX (total, 1));
  b->items = g_new (RaliGalleryItem *, MAX (total, 1));
  for (guint i = 0; i < total; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (self->items, i);
      GBytes *e = rali_gallery_item_get_embedding (item);
      int D = e ? (int) (g_bytes_get_size (e) / sizeof (float)) : 0;
      /* as the map: one model's embeddings, those of the first photo's size */
      if (D < 2 || rali_gallery_item_get_state (item) != RALI_ITEM_SCORED || (b->D && D != b->D))
        continue;
      b->D = D;
      b->embeddings[b->n] = g_bytes_ref (e);
      b->items[b->n++] = g_steal_pointer (&item);
    }
  b->D = MAX (b->D, 1);
  self->building = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, self->building, on_exact, NULL);
  g_task_set_task_data (task, b, (GDestroyNotify) build_free);
  g_task_run_in_thread (task, exact_thread);
}

void
rali_similar_photos_invalidate (RaliSimilarPhotos *self)
{
  self->stale = TRUE;
  self->generation++;
  if (self->upgrading)
    g_cancellable_cancel (self->upgrading);
  g_clear_object (&self->upgrading);
  /* a build under way finishes, sees the new generation and starts again */
}

static void
on_items_changed (GListModel *list, guint pos, guint removed, guint added, RaliSimilarPhotos *self)
{
  (void) list;
  (void) pos;
  if (removed || added)
    rali_similar_photos_invalidate (self);
}

int
rali_similar_photos_get_n_photos (RaliSimilarPhotos *self)
{
  return self->current ? self->current->n : 0;
}

gboolean
rali_similar_photos_get_exact (RaliSimilarPhotos *self)
{
  return !self->current || rali_neighbours_is_exact (self->current->index);
}

gboolean
rali_similar_photos_is_busy (RaliSimilarPhotos *self)
{
  return self->building != NULL || self->upgrading != NULL;
}

/* ---- object ---- */

static void
rali_similar_photos_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  RaliSimilarPhotos *self = RALI_SIMILAR_PHOTOS (object);
  switch (id)
    {
    case PROP_N_PHOTOS: g_value_set_int (value, rali_similar_photos_get_n_photos (self)); break;
    case PROP_EXACT: g_value_set_boolean (value, rali_similar_photos_get_exact (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
rali_similar_photos_dispose (GObject *object)
{
  RaliSimilarPhotos *self = RALI_SIMILAR_PHOTOS (object);
  if (self->building)
    g_cancellable_cancel (self->building);
  if (self->upgrading)
    g_cancellable_cancel (self->upgrading);
  g_clear_object (&self->building);
  g_clear_object (&self->upgrading);
  if (self->waiting)
    for (guint t = 0; t < self->waiting->len; t++)
      g_task_return_new_error (self->waiting->pdata[t], G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  if (self->items)
    g_signal_handlers_disconnect_by_data (self->items, self);
  g_clear_object (&self->items);
  g_clear_pointer (&self->current, snapshot_unref);
  G_OBJECT_CLASS (rali_similar_photos_parent_class)->dispose (object);
}

static void
rali_similar_photos_class_init (RaliSimilarPhotosClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->get_property = rali_similar_photos_get_property;
  object_class->dispose = rali_similar_photos_dispose;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_N_PHOTOS] = g_param_spec_int ("n-photos", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_EXACT] = g_param_spec_boolean ("exact", NULL, NULL, TRUE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
rali_similar_photos_init (RaliSimilarPhotos *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->stale = TRUE;
}

RaliSimilarPhotos *
rali_similar_photos_new (GListModel *items)
{
  RaliSimilarPhotos *self = g_object_new (RALI_TYPE_SIMILAR_PHOTOS, NULL);
  self->items = items ? g_object_ref (items) : NULL;
  if (items)
    g_signal_connect (items, "items-changed", G_CALLBACK (on_items_changed), self);
  return self;
}
