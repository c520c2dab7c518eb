/* RaliBursts: see rali-bursts.h. */
#include "config.h"

#include "rali-bursts.h"

#include "gallery/rali-gallery-item.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _RaliBursts {
  GObject parent_instance;
  RaliScorer *scorer;
  RaliGalleryModel *model;
  RaliCulling *culling;
  GSettings *settings;
  GCancellable *running;
  guint n_groups;
};

G_DEFINE_FINAL_TYPE (RaliBursts, rali_bursts, G_TYPE_OBJECT)

/* ---- grouping (pure) ---- */

typedef struct {
  const gint64 *times;
} Order;

static int
by_time (gconstpointer a, gconstpointer b, gpointer data)
{
  const Order *o = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  gint64 ti = o->times[i], tj = o->times[j];
  return ti < tj ? -1 : ti > tj ? 1 : (i > j) - (i < j);
}

guint
rali_bursts_group (const gint64 *times, const float *e, guint n, int D, gint64 max_seconds, double min_cosine,
                   guint *group)
{
  g_autofree guint *order = g_new (guint, MAX (n, 1));
  guint m = 0;
  for (guint i = 0; i < n; i++)
    {
      group[i] = 0;
      /* undated photos are not in the time order at all: an mtime placed
       * between two shots of a burst must not split it */
      if (times[i] != RALI_BURSTS_UNDATED)
        order[m++] = i;
    }
  Order o = { times };
  g_qsort_with_data (order, (gint) m, sizeof (guint), by_time, &o); /* stable: ties by index */
  guint groups = 0;
  for (guint k = 1; k < m; k++)
    {
      guint i = order[k - 1], j = order[k];
      const float *a = e + (gsize) i * D, *b = e + (gsize) j * D;
      if (isnan (a[0]) || isnan (b[0]) || times[j] - times[i] > max_seconds)
        continue;
      double dot = 0;
      for (int d = 0; d < D; d++)
        dot += (double) a[d] * b[d];
      if (dot < min_cosine)
        continue;
      if (group[i] == 0)
        group[i] = ++groups;
      group[j] = group[i];
    }
  return groups;
}

/* ---- finding them in the gallery ---- */

typedef struct {
  GPtrArray *items; /* refs */
  gint64 *times;
  float *e;
  int D;
  guint n;
  gint64 seconds;
  double cosine;
  guint *group;
  guint n_groups;
} Job;

static void
job_free (Job *j)
{
  g_ptr_array_unref (j->items);
  g_free (j->times);
  g_free (j->e);
  g_free (j->group);
  g_free (j);
}

static void
group_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  Job *j = data;
  j->n_groups = rali_bursts_group (j->times, j->e, j->n, j->D, j->seconds, j->cosine, j->group);
  g_task_return_boolean (task, TRUE);
}

static const char *
top_text (RaliGalleryItem *item)
{
  GPtrArray *ds = rali_gallery_item_get_descriptors (item);
  return ds && ds->len ? ((RaliItemDescriptor *) ds->pdata[0])->text : "?";
}

static gboolean
scored (RaliGalleryItem *item)
{
  return rali_gallery_item_get_state (item) == RALI_ITEM_SCORED;
}

/* the suggestion of one group and why, on the tiles */
static void
mark_group (GPtrArray *members)
{
  RaliGalleryItem *best = NULL;
  for (guint i = 0; i < members->len; i++)
    {
      RaliGalleryItem *m = members->pdata[i];
      if (scored (m) && (!best || rali_gallery_item_get_score (m) > rali_gallery_item_get_score (best)))
        best = m;
    }
  guint n = members->len;
  for (guint i = 0; i < n; i++)
    {
      RaliGalleryItem *m = members->pdata[i];
      g_autofree char *why = NULL;
      if (m == best)
        {
          g_autoptr (GString) others = g_string_new (NULL);
          for (guint k = 0; k < n && others->len < 300; k++)
            if (members->pdata[k] != best && scored (members->pdata[k]))
              g_string_append_printf (others, "%s“%s” (%.2f)", others->len ? ", " : "",
                                      top_text (members->pdata[k]), rali_gallery_item_get_score (members->pdata[k]));
          /* TRANSLATORS: best of burst: score, its top descriptor, the others' top descriptors (scores) */
          why = g_strdup_printf (_("Best of %u (%.2f): “%s”; the others: %s"), n,
                                 rali_gallery_item_get_score (m), top_text (m), others->str);
        }
      else if (best)
        why = g_strdup_printf (_("Burst of %u: %s is suggested (%.2f, “%s”) over this one (%.2f, “%s”)"), n,
                               rali_gallery_item_get_name (best), rali_gallery_item_get_score (best), top_text (best),
                               scored (m) ? rali_gallery_item_get_score (m) : 0.0, scored (m) ? top_text (m) : "?");
      rali_gallery_item_set_burst (m, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (m), "rali-burst-id")), n,
                                   m == best, why);
    }
}

static void
on_grouped (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  g_autoptr (RaliBursts) self = data;
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return;
  Job *j = g_task_get_task_data (G_TASK (result));
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  g_clear_object (&self->running);
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint g = 0; g < j->n_groups; g++)
    g_ptr_array_add (groups, g_ptr_array_new ());
  for (guint i = 0; i < j->n; i++)
    {
      RaliGalleryItem *item = j->items->pdata[i];
      if (j->group[i] == 0)
        rali_gallery_item_set_burst (item, 0, 0, FALSE, NULL);
      else
        {
          g_object_set_data (G_OBJECT (item), "rali-burst-id", GUINT_TO_POINTER (j->group[i]));
          g_ptr_array_add (groups->pdata[j->group[i] - 1], item);
        }
    }
  for (guint g = 0; g < groups->len; g++)
    mark_group (groups->pdata[g]);
  self->n_groups = j->n_groups;
}

void
rali_bursts_update (RaliBursts *self)
{
  if (self->running)
    g_cancellable_cancel (self->running);
  g_clear_object (&self->running);
  self->running = g_cancellable_new ();
  GListModel *all = rali_gallery_model_get_all (self->model);
  Job *j = g_new0 (Job, 1);
  j->n = g_list_model_get_n_items (all);
  j->items = g_ptr_array_new_full (j->n, g_object_unref);
  j->times = g_new0 (gint64, MAX (j->n, 1));
  j->seconds = g_settings_get_int (self->settings, "burst-seconds");
  j->cosine = g_settings_get_double (self->settings, "burst-similarity");
  j->group = g_new0 (guint, MAX (j->n, 1));
  /* D from the first photo with an embedding; others of another size are unknown */
  for (guint i = 0; i < j->n && j->D == 0; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (all, i);
      GBytes *e = rali_gallery_item_get_embedding (item);
      j->D = e ? (int) (g_bytes_get_size (e) / sizeof (float)) : 0;
    }
  j->D = MAX (j->D, 1);
  j->e = g_new (float, (gsize) MAX (j->n, 1) * j->D);
  for (guint i = 0; i < j->n; i++)
    {
      RaliGalleryItem *item = g_list_model_get_item (all, i);
      g_ptr_array_add (j->items, item);
      /* the mtime stands in for sorting only: copies of a folder share one */
      j->times[i] = rali_gallery_item_get_capture_time_is_exif (item) ? rali_gallery_item_get_capture_time (item)
                                                                       : RALI_BURSTS_UNDATED;
      GBytes *e = rali_gallery_item_get_embedding (item);
      float *row = j->e + (gsize) i * j->D;
      if (e && scored (item) && g_bytes_get_size (e) == sizeof (float) * j->D)
        memcpy (row, g_bytes_get_data (e, NULL), sizeof (float) * j->D);
      else
        row[0] = NAN;
    }
  g_autoptr (GTask) task = g_task_new (NULL, self->running, on_grouped, g_object_ref (self));
  g_task_set_task_data (task, j, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, group_thread);
}

gboolean
rali_bursts_is_running (RaliBursts *self)
{
  return self->running != NULL;
}

guint
rali_bursts_get_n_groups (RaliBursts *self)
{
  return self->n_groups;
}

/* ---- B: accept ---- */

static void
on_accept (RaliCulling *culling, RaliGalleryItem *target, RaliBursts *self)
{
  guint size = 0;
  gboolean best_flag = FALSE;
  guint id = rali_gallery_item_get_burst (target, &size, &best_flag);
  if (id == 0)
    {
      g_signal_emit_by_name (culling, "message", _("This photo is not part of a burst"));
      return;
    }
  GListModel *all = rali_gallery_model_get_all (self->model);
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  RaliGalleryItem *best = NULL;
  for (guint i = 0, n = g_list_model_get_n_items (all); i < n; i++)
    {
      RaliGalleryItem *item = g_list_model_get_item (all, i);
      gboolean b = FALSE;
      if (rali_gallery_item_get_burst (item, NULL, &b) == id)
        {
          g_ptr_array_add (members, item);
          if (b)
            best = item;
        }
      else
        g_object_unref (item);
    }
  if (!best)
    return;
  g_autofree RaliDecision *ds = g_new (RaliDecision, members->len);
  for (guint i = 0; i < members->len; i++)
    {
      ds[i] = *rali_gallery_item_get_decision (members->pdata[i]);
      ds[i].flag = members->pdata[i] == best ? RALI_FLAG_PICKED : RALI_FLAG_REJECTED;
    }
  rali_culling_set (culling, members, ds);
  g_autofree char *text = g_strdup_printf (_("%s picked, %u others in its burst rejected"),
                                           rali_gallery_item_get_name (best), members->len - 1);
  g_signal_emit_by_name (culling, "message", text);
}

static void
on_finished (RaliScorer *scorer, gboolean cancelled, RaliBursts *self)
{
  (void) scorer;
  (void) cancelled;
  rali_bursts_update (self);
}

static void
on_setting (GSettings *settings, const char *key, RaliBursts *self)
{
  (void) settings;
  if (g_str_has_prefix (key, "burst-"))
    rali_bursts_update (self);
}

static void
rali_bursts_dispose (GObject *object)
{
  RaliBursts *self = RALI_BURSTS (object);
  if (self->running)
    g_cancellable_cancel (self->running);
  g_clear_object (&self->running);
  if (self->scorer)
    g_signal_handlers_disconnect_by_data (self->scorer, self);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->culling)
    g_signal_handlers_disconnect_by_data (self->culling, self);
  g_clear_object (&self->scorer);
  g_clear_object (&self->model);
  g_clear_object (&self->culling);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rali_bursts_parent_class)->dispose (object);
}

static void
rali_bursts_class_init (RaliBurstsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rali_bursts_dispose;
}

static void
rali_bursts_init (RaliBursts *self)
{
  (void) self;
}

RaliBursts *
rali_bursts_new (RaliScorer *scorer, RaliGalleryModel *model, RaliCulling *culling, GSettings *settings)
{
  RaliBursts *self = g_object_new (RALI_TYPE_BURSTS, NULL);
  self->scorer = g_object_ref (scorer);
  self->model = g_object_ref (model);
  self->culling = g_object_ref (culling);
  self->settings = g_object_ref (settings);
  g_signal_connect (scorer, "finished", G_CALLBACK (on_finished), self);
  g_signal_connect (settings, "changed", G_CALLBACK (on_setting), self);
  g_signal_connect (culling, "accept-burst", G_CALLBACK (on_accept), self);
  return self;
}
