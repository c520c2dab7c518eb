/* RaliCulling: see rali-culling.h.
 *
 * Threads: the main thread owns the items, the undo stack and the counters.
 * One writer thread (a GThreadPool of one) takes write jobs in order, so
 * that two quick decisions on one photo reach its sidecar in the order they
 * were made; its results come back through a queue drained by an idle.
 * Loading runs as a GTask. */
#include "config.h"

#include "rali-culling.h"

#include "detail/rali-detail-view.h"
#include "gallery/rali-gallery-item.h"
#include "library/sidecar.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_UNDO 1000

typedef struct {
  GPtrArray *items;      /* RaliGalleryItem refs */
  RaliDecision *before;
  RaliDecision *after;
} Step;

typedef struct {
  char *path;
  RaliDecision decision;
  RaliSidecarStyle style;
  char *error; /* set by the writer */
} WriteJob;

struct _RaliCulling {
  GObject parent_instance;
  RaliCatalog *catalog; /* borrowed: the application's, outlives windows */
  GSettings *settings;

  GtkWidget *window, *grid, *detail; /* borrowed: the window owns us */
  GtkSelectionModel *selection;
  GtkStack *stack;
  RaliGalleryModel *model;

  GPtrArray *undo;        /* Step*, newest last */
  GHashTable *decided;    /* items decided this session: a late load must not undo them */
  GThreadPool *writer;
  GMutex lock;
  GQueue done;            /* WriteJob* the writer finished, under lock */
  guint done_id;
  guint pending;
  GCancellable *loading;
};

enum { SIGNAL_MESSAGE, SIGNAL_COMPARE, SIGNAL_ACCEPT_BURST, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliCulling, rali_culling, G_TYPE_OBJECT)

static void
step_free (Step *s)
{
  g_ptr_array_unref (s->items);
  g_free (s->before);
  g_free (s->after);
  g_free (s);
}

static void
write_job_free (WriteJob *j)
{
  g_free (j->path);
  g_free (j->error);
  g_free (j);
}

char *
rali_decision_describe (const RaliDecision *d)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (int i = 0; i < d->rating; i++)
    g_string_append (s, "★");
  if (d->flag != RALI_FLAG_NONE)
    g_string_append_printf (s, "%s%s", s->len ? " · " : "",
                            d->flag == RALI_FLAG_PICKED ? _("Picked") : _("Rejected"));
  static const char *const names[RALI_N_LABELS] = { N_("Red"), N_("Yellow"), N_("Green"), N_("Blue"), N_("Purple") };
  for (int i = 0; i < RALI_N_LABELS; i++)
    if (d->labels & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? " · " : "", _(names[i]));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- writing (writer thread) ---- */

/* main thread: what the writer finished */
static gboolean
drain_done (gpointer data)
{
  RaliCulling *self = data;
  GQueue jobs = G_QUEUE_INIT;
  g_mutex_lock (&self->lock);
  jobs = self->done;
  g_queue_init (&self->done);
  if (self->done_id)
    g_source_remove (self->done_id); /* when called directly; an idle returning REMOVE is gone anyway */
  self->done_id = 0;
  g_mutex_unlock (&self->lock);
  WriteJob *j;
  while ((j = g_queue_pop_head (&jobs)))
    {
      self->pending--;
      if (j->error)
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, j->error);
      write_job_free (j);
    }
  return G_SOURCE_REMOVE;
}

static void
writer_run (gpointer data, gpointer user_data)
{
  WriteJob *j = data;
  RaliCulling *self = user_data;
  g_autoptr (GError) error = NULL;
  if (self->catalog)
    {
      /* committed before the sidecar: the catalog is the app's memory */
      rali_catalog_put_decision (self->catalog, j->path, &j->decision);
      if (!rali_catalog_flush (self->catalog, &error))
        {
          j->error = g_strdup_printf (_("The decision could not be saved in the catalog: %s"), error->message);
          g_clear_error (&error);
        }
    }
  if (!rali_sidecar_write (j->path, j->style, &j->decision, &error) && !j->error)
    j->error = g_strdup_printf (_("The XMP sidecar could not be written: %s"), error->message);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->done, j);
  if (self->done_id == 0)
    self->done_id = g_idle_add (drain_done, self);
  g_mutex_unlock (&self->lock);
}

static RaliSidecarStyle
sidecar_style (RaliCulling *self)
{
  g_autofree char *s = self->settings ? g_settings_get_string (self->settings, "sidecar-style") : NULL;
  return rali_sidecar_style_from_string (s);
}

static void
queue_write (RaliCulling *self, RaliGalleryItem *item, const RaliDecision *d)
{
  WriteJob *j = g_new0 (WriteJob, 1);
  j->path = g_strdup (rali_gallery_item_get_path (item));
  j->decision = *d;
  j->style = sidecar_style (self);
  self->pending++;
  g_thread_pool_push (self->writer, j, NULL);
}

/* ---- decisions ---- */

static void
apply_decisions (RaliCulling *self, GPtrArray *items, const RaliDecision *ds)
{
  for (guint i = 0; i < items->len; i++)
    {
      RaliGalleryItem *item = items->pdata[i];
      g_hash_table_add (self->decided, item);
      rali_gallery_item_set_decision (item, &ds[i]);
      queue_write (self, item, &ds[i]);
    }
  if (self->model)
    rali_gallery_model_decisions_changed (self->model);
}

void
rali_culling_set (RaliCulling *self, GPtrArray *items, const RaliDecision *decisions)
{
  g_return_if_fail (RALI_IS_CULLING (self));
  if (!items || items->len == 0)
    return;
  Step *s = g_new0 (Step, 1);
  s->items = g_ptr_array_new_full (items->len, g_object_unref);
  s->before = g_new (RaliDecision, items->len);
  s->after = g_memdup2 (decisions, sizeof (RaliDecision) * items->len);
  for (guint i = 0; i < items->len; i++)
    {
      g_ptr_array_add (s->items, g_object_ref (items->pdata[i]));
      s->before[i] = *rali_gallery_item_get_decision (items->pdata[i]);
    }
  g_ptr_array_add (self->undo, s);
  if (self->undo->len > MAX_UNDO)
    g_ptr_array_remove_index (self->undo, 0);
  apply_decisions (self, s->items, s->after);
}

gboolean
rali_culling_apply (RaliCulling *self, GPtrArray *items, const char *edit)
{
  g_return_val_if_fail (RALI_IS_CULLING (self), FALSE);
  int n = -1;
  const char *colon = strchr (edit, ':');
  if (colon)
    n = (int) g_ascii_strtoll (colon + 1, NULL, 10);
  g_autofree RaliDecision *ds = g_new (RaliDecision, MAX (items->len, 1));
  /* a label goes on all of them unless all have it already */
  gboolean all_have = TRUE;
  for (guint i = 0; i < items->len; i++)
    all_have &= n >= 0 && n < RALI_N_LABELS
                && (rali_gallery_item_get_decision (items->pdata[i])->labels & (1u << n)) != 0;
  for (guint i = 0; i < items->len; i++)
    {
      RaliDecision d = *rali_gallery_item_get_decision (items->pdata[i]);
      if (g_str_equal (edit, "pick"))
        d.flag = RALI_FLAG_PICKED;
      else if (g_str_equal (edit, "reject"))
        d.flag = RALI_FLAG_REJECTED;
      else if (g_str_equal (edit, "unflag"))
        d.flag = RALI_FLAG_NONE;
      else if (g_str_has_prefix (edit, "rate:") && n >= 0 && n <= 5)
        {
          /* stars on a rejected photo take it back (the XMP cannot say both) */
          d.rating = n;
          if (d.flag == RALI_FLAG_REJECTED)
            d.flag = RALI_FLAG_NONE;
        }
      else if (g_str_has_prefix (edit, "label:") && n >= 0 && n < RALI_N_LABELS)
        d.labels = all_have ? d.labels & ~(1u << n) : d.labels | (1u << n);
      else
        return FALSE;
      ds[i] = d;
    }
  rali_culling_set (self, items, ds);
  return TRUE;
}

gboolean
rali_culling_undo (RaliCulling *self)
{
  g_return_val_if_fail (RALI_IS_CULLING (self), FALSE);
  if (self->undo->len == 0)
    return FALSE;
  Step *s = g_ptr_array_steal_index (self->undo, self->undo->len - 1);
  apply_decisions (self, s->items, s->before);
  step_free (s);
  return TRUE;
}

/* ---- loading ---- */

typedef struct {
  GPtrArray *items;      /* refs; only their immutable paths are read */
  RaliDecision *found;   /* per item */
  gboolean *has;
  RaliSidecarStyle style;
  RaliCatalog *catalog;
  GPtrArray *errors;
} Load;

static void
load_free (Load *l)
{
  g_ptr_array_unref (l->items);
  g_free (l->found);
  g_free (l->has);
  g_ptr_array_unref (l->errors);
  g_free (l);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  (void) source;
  Load *l = task_data;
  for (guint i = 0; i < l->items->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const char *path = rali_gallery_item_get_path (l->items->pdata[i]);
      RaliDecision from_catalog = { 0 }, from_sidecar = { 0 };
      gboolean in_catalog = l->catalog && rali_catalog_get_decision (l->catalog, path, &from_catalog, NULL);
      g_autoptr (GError) error = NULL;
      gboolean in_sidecar = rali_sidecar_read (path, l->style, &from_sidecar, NULL, &error);
      if (error)
        g_ptr_array_add (l->errors, g_strdup (error->message));
      /* the sidecar wins unless it says what the catalog says (the catalog
       * then adds what XMP cannot hold: the stars of a rejected photo) */
      if (in_sidecar && !(in_catalog && rali_sidecar_same_xmp (&from_catalog, &from_sidecar)))
        {
          l->found[i] = from_sidecar;
          l->has[i] = TRUE;
          if (l->catalog)
            rali_catalog_put_decision (l->catalog, path, &from_sidecar);
        }
      else if (in_catalog)
        {
          l->found[i] = from_catalog;
          l->has[i] = TRUE;
        }
    }
  g_task_return_boolean (task, !g_cancellable_is_cancelled (cancellable));
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  g_autoptr (RaliCulling) self = data;
  Load *l = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return;
  g_clear_object (&self->loading);
  for (guint i = 0; i < l->items->len; i++)
    if (l->has[i] && !g_hash_table_contains (self->decided, l->items->pdata[i]))
      rali_gallery_item_set_decision (l->items->pdata[i], &l->found[i]);
  if (self->model)
    rali_gallery_model_decisions_changed (self->model);
  if (l->errors->len)
    {
      g_autofree char *text = l->errors->len == 1
        ? g_strdup (l->errors->pdata[0])
        : g_strdup_printf (_("%s (and %u more unreadable sidecars)"), (char *) l->errors->pdata[0],
                           l->errors->len - 1);
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
    }
}

void
rali_culling_load (RaliCulling *self, GPtrArray *items)
{
  g_return_if_fail (RALI_IS_CULLING (self));
  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  g_hash_table_remove_all (self->decided);
  g_ptr_array_set_size (self->undo, 0); /* the steps were about the photos shown before */
  Load *l = g_new0 (Load, 1);
  l->items = g_ptr_array_new_full (items->len, g_object_unref);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (l->items, g_object_ref (items->pdata[i]));
  l->found = g_new0 (RaliDecision, MAX (items->len, 1));
  l->has = g_new0 (gboolean, MAX (items->len, 1));
  l->style = sidecar_style (self);
  l->catalog = self->catalog;
  l->errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GTask) task = g_task_new (NULL, self->loading, on_loaded, g_object_ref (self));
  g_task_set_task_data (task, l, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

/* ---- targets, keys, actions ---- */

GPtrArray *
rali_culling_get_targets (RaliCulling *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  if (!self->stack)
    return out;
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  if (g_strcmp0 (page, "detail") == 0)
    {
      RaliGalleryItem *item = rali_detail_view_get_item (RALI_DETAIL_VIEW (self->detail));
      if (item)
        g_ptr_array_add (out, g_object_ref (item));
    }
  else if (g_strcmp0 (page, "gallery") == 0)
    {
      g_autoptr (GtkBitset) set = gtk_selection_model_get_selection (self->selection);
      GtkBitsetIter it;
      guint pos;
      for (gboolean ok = gtk_bitset_iter_init_first (&it, set, &pos); ok; ok = gtk_bitset_iter_next (&it, &pos))
        {
          gpointer item = g_list_model_get_item (G_LIST_MODEL (self->selection), pos);
          if (item)
            g_ptr_array_add (out, item);
        }
    }
  return out;
}

static void
message (RaliCulling *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

static void
compare_targets (RaliCulling *self)
{
  g_autoptr (GPtrArray) t = rali_culling_get_targets (self);
  if (t->len == 1 && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "gallery") == 0)
    {
      /* one selected: with the photo after it */
      GListModel *shown = G_LIST_MODEL (self->selection);
      guint n = g_list_model_get_n_items (shown);
      for (guint i = 0; i + 1 < n; i++)
        {
          g_autoptr (GObject) a = g_list_model_get_item (shown, i);
          if (a == t->pdata[0])
            {
              g_ptr_array_add (t, g_list_model_get_item (shown, i + 1));
              break;
            }
        }
    }
  if (t->len != 2)
    {
      message (self, _("Select two photos to compare (Ctrl+click)"));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_COMPARE], 0, t->pdata[0], t->pdata[1]);
}

static void
on_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  RaliCulling *self = data;
  const char *name = g_action_get_name (G_ACTION (action));
  if (g_str_equal (name, "undo"))
    {
      if (!rali_culling_undo (self))
        message (self, _("Nothing to undo"));
      return;
    }
  if (g_str_equal (name, "compare"))
    {
      compare_targets (self);
      return;
    }
  g_autoptr (GPtrArray) targets = rali_culling_get_targets (self);
  if (targets->len == 0)
    return;
  if (g_str_equal (name, "accept-burst"))
    {
      g_signal_emit (self, signals[SIGNAL_ACCEPT_BURST], 0, targets->pdata[0]);
      return;
    }
  g_autofree char *edit = param ? g_strdup_printf ("%s:%d", name, g_variant_get_int32 (param)) : g_strdup (name);
  if (g_str_has_prefix (edit, "rate:") || g_str_has_prefix (edit, "label:"))
    rali_culling_apply (self, targets, edit);
  else
    rali_culling_apply (self, targets, name);
}

gboolean
rali_culling_handle_key (RaliCulling *self, guint keyval, GdkModifierType state)
{
  if (!self->window)
    return FALSE;
  state &= gtk_accelerator_get_default_mod_mask ();
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self->window));
  gboolean in_gallery = focus && (focus == self->grid || gtk_widget_is_ancestor (focus, self->grid));
  gboolean in_detail = focus && (focus == self->detail || gtk_widget_is_ancestor (focus, self->detail));
  if (state == GDK_CONTROL_MASK && (keyval == GDK_KEY_z || keyval == GDK_KEY_Z))
    {
      /* anywhere but in a text field, which has its own undo */
      if (focus && GTK_IS_EDITABLE (focus))
        return FALSE;
      return gtk_widget_activate_action (self->window, "cull.undo", NULL);
    }
  /* Shift+X: auto-cull the whole folder (the window's dialog) */
  if (state == GDK_SHIFT_MASK && in_gallery && gdk_keyval_to_lower (keyval) == GDK_KEY_x)
    return gtk_widget_activate_action (self->window, "win.auto-cull", NULL);
  if (state != 0 || !(in_gallery || in_detail))
    return FALSE;
  guint k = gdk_keyval_to_lower (keyval);
  const char *action = NULL;
  int n = -1;
  if (k >= GDK_KEY_0 && k <= GDK_KEY_9)
    n = (int) (k - GDK_KEY_0);
  else if (k >= GDK_KEY_KP_0 && k <= GDK_KEY_KP_9)
    n = (int) (k - GDK_KEY_KP_0);
  if (n >= 0 && n <= 5)
    return gtk_widget_activate_action (self->window, "cull.rate", "i", n);
  if (n >= 6)
    return gtk_widget_activate_action (self->window, "cull.label", "i", n - 6);
  switch (k)
    {
    case GDK_KEY_p: action = "cull.pick"; break;
    case GDK_KEY_x: action = "cull.reject"; break;
    case GDK_KEY_u: action = "cull.unflag"; break;
    case GDK_KEY_c: action = "cull.compare"; break;
    case GDK_KEY_b: action = "cull.accept-burst"; break;
    default: return FALSE;
    }
  return gtk_widget_activate_action (self->window, action, NULL);
}

static gboolean
on_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, gpointer data)
{
  (void) controller;
  (void) keycode;
  return rali_culling_handle_key (data, keyval, state);
}

void
rali_culling_attach (RaliCulling *self, GtkWidget *window, GtkWidget *grid, GtkSelectionModel *selection,
                     GtkWidget *detail, GtkStack *stack, RaliGalleryModel *model)
{
  self->window = window;
  self->grid = grid;
  self->selection = selection;
  self->detail = detail;
  self->stack = stack;
  self->model = model;
  static const GActionEntry entries[] = {
    { "pick", on_action, NULL, NULL, NULL, { 0 } },
    { "reject", on_action, NULL, NULL, NULL, { 0 } },
    { "unflag", on_action, NULL, NULL, NULL, { 0 } },
    { "rate", on_action, "i", NULL, NULL, { 0 } },
    { "label", on_action, "i", NULL, NULL, { 0 } },
    { "undo", on_action, NULL, NULL, NULL, { 0 } },
    { "compare", on_action, NULL, NULL, NULL, { 0 } },
    { "accept-burst", on_action, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (window, "cull", G_ACTION_GROUP (group));
  /* capture phase: before the search bar, which takes typed letters in the
   * gallery for a search, and before the detail view's own keys */
  GtkEventController *keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (window, keys);
}

guint
rali_culling_get_undo_depth (RaliCulling *self)
{
  return self->undo->len;
}

guint
rali_culling_get_pending (RaliCulling *self)
{
  return self->pending;
}

gboolean
rali_culling_is_loading (RaliCulling *self)
{
  return self->loading != NULL;
}

void
rali_culling_flush (RaliCulling *self)
{
  if (!self->writer)
    return;
  /* free waits for every queued job; a new pool takes later ones */
  g_thread_pool_free (self->writer, FALSE, TRUE);
  self->writer = g_thread_pool_new (writer_run, self, 1, FALSE, NULL);
  drain_done (self);
}

/* ---- object ---- */

static void
rali_culling_dispose (GObject *object)
{
  RaliCulling *self = RALI_CULLING (object);
  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->writer)
    g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  g_mutex_lock (&self->lock);
  g_clear_handle_id (&self->done_id, g_source_remove);
  g_queue_clear_full (&self->done, (GDestroyNotify) write_job_free);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  g_clear_pointer (&self->decided, g_hash_table_unref);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rali_culling_parent_class)->dispose (object);
}

static void
rali_culling_finalize (GObject *object)
{
  RaliCulling *self = RALI_CULLING (object);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (rali_culling_parent_class)->finalize (object);
}

static void
rali_culling_class_init (RaliCullingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = rali_culling_dispose;
  object_class->finalize = rali_culling_finalize;
  /* a line for a toast: a write that failed, a key that could not act */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* C: compare these two (RaliGalleryItem) */
  signals[SIGNAL_COMPARE] = g_signal_new ("compare", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_OBJECT, G_TYPE_OBJECT);
  /* B: accept the suggestion of this photo's burst */
  signals[SIGNAL_ACCEPT_BURST] = g_signal_new ("accept-burst", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_OBJECT);
}

static void
rali_culling_init (RaliCulling *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->done);
  self->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  self->decided = g_hash_table_new (NULL, NULL);
  self->writer = g_thread_pool_new (writer_run, self, 1, FALSE, NULL);
}

RaliCulling *
rali_culling_new (RaliCatalog *catalog, GSettings *settings)
{
  RaliCulling *self = g_object_new (RALI_TYPE_CULLING, NULL);
  self->catalog = catalog;
  self->settings = settings ? g_object_ref (settings) : NULL;
  return self;
}
