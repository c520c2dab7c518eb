/* RaliCompareView: see rali-compare-view.h. */
#include "config.h"

#include "rali-compare-view.h"

#include "detail/rali-image-view.h"
#include "detail/rali-why-panel.h"
#include "gallery/rali-tile.h"

#include <glib/gi18n.h>
#include <math.h>

#define TABLE_ROWS 6
#define STRIP_THUMB 120

typedef struct {
  GtkWidget *frame;
  RaliImageView *view;
  GtkLabel *placeholder, *name, *decision, *score, *summary;
  GtkSpinner *spinner;
  GtkDropTarget *drop;
  RaliGalleryItem *item;
  RaliCompareResult *result;
  char *error;
  GCancellable *work; /* this photo's scoring and decode */
  int busy;
  gulong decision_handler;
  const char *score_class;
} Slot;

struct _RaliCompareView {
  GtkWidget parent_instance;
  Slot slots[2];
  GtkLabel *difference_label;
  GtkWidget *table_heading;
  GtkGrid *table;
  GtkListView *strip;

  RaliApplication *app;   /* borrowed */
  RaliCulling *culling;
  GListModel *all;
  GListModel *shown; /* the strip's, attached while mapped */
  RaliThumbnailCache *cache;
  gboolean syncing;
  char *difference;
};

enum { SIGNAL_CLOSE, SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliCompareView, rali_compare_view, GTK_TYPE_WIDGET)

static void update (RaliCompareView *self);

/* ---- the table of separating descriptors ---- */

static int
by_separation (gconstpointer a, gconstpointer b, gpointer data)
{
  RaliCompareView *self = data;
  const float *s0 = self->slots[0].result->sims, *s1 = self->slots[1].result->sims;
  int i = *(const int *) a, j = *(const int *) b;
  float di = fabsf (s0[i] - s1[i]), dj = fabsf (s0[j] - s1[j]);
  return di > dj ? -1 : di < dj ? 1 : i - j;
}

GArray *
rali_compare_view_get_separating (RaliCompareView *self, guint n)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (int));
  RaliCompareResult *a = self->slots[0].result, *b = self->slots[1].result;
  if (!a || !b || a->n_prototypes != b->n_prototypes)
    return out;
  g_autoptr (GArray) ranked = g_array_new (FALSE, FALSE, sizeof (int));
  for (int i = 0; i < a->n_prototypes; i++)
    g_array_append_val (ranked, i);
  g_array_sort_with_data (ranked, by_separation, self);
  /* as in the detail view: not two that gather the same kinds of images */
  g_array_set_size (out, n);
  int kept = rali_select_distinct (a->overlap_rows, a->n_prototypes, a->overlap_dim, (const int *) ranked->data,
                                   (int) ranked->len, RALI_DISTINCT_MAX_COSINE, (int *) out->data, (int) n);
  g_array_set_size (out, kept);
  return out;
}

static GtkWidget *
cell (const char *text, const char *css, gboolean expand)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), expand ? 0 : 1);
  if (expand)
    {
      gtk_widget_set_hexpand (l, TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (l, text);
    }
  if (css)
    gtk_widget_add_css_class (l, css);
  return l;
}

static void
update_table (RaliCompareView *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))))
    gtk_grid_remove (self->table, child);
  g_autoptr (GArray) rows = rali_compare_view_get_separating (self, TABLE_ROWS);
  gtk_widget_set_visible (self->table_heading, rows->len > 0);
  if (rows->len == 0)
    return;
  const char *heads[] = { _("Descriptor (its score)"), _("Left"), _("Right"), _("Difference") };
  for (int c = 0; c < 4; c++)
    gtk_grid_attach (self->table, cell (heads[c], "caption-heading", c == 0), c, 0, 1, 1);
  RaliCompareResult *a = self->slots[0].result, *b = self->slots[1].result;
  for (guint r = 0; r < rows->len; r++)
    {
      int i = g_array_index (rows, int, r);
      char text[64];
      g_autofree char *desc = g_strdup_printf ("%s (%.2f)", a->texts[i], a->proto_scores[i]);
      gtk_grid_attach (self->table, cell (desc, NULL, TRUE), 0, (int) r + 1, 1, 1);
      g_snprintf (text, sizeof text, "%.3f", a->sims[i]);
      gtk_grid_attach (self->table, cell (text, "numeric", FALSE), 1, (int) r + 1, 1, 1);
      g_snprintf (text, sizeof text, "%.3f", b->sims[i]);
      gtk_grid_attach (self->table, cell (text, "numeric", FALSE), 2, (int) r + 1, 1, 1);
      float d = a->sims[i] - b->sims[i];
      /* which photo it describes more: ◀ the left, ▶ the right */
      g_snprintf (text, sizeof text, "%s %+.3f", d >= 0 ? "◀" : "▶", d);
      gtk_grid_attach (self->table, cell (text, "numeric", FALSE), 3, (int) r + 1, 1, 1);
    }
}

/* ---- slots ---- */

static void
update_slot (RaliCompareView *self, Slot *s)
{
  (void) self;
  gtk_widget_set_visible (GTK_WIDGET (s->placeholder), s->item == NULL);
  gtk_widget_set_visible (GTK_WIDGET (s->spinner), s->busy > 0);
  if (s->busy > 0)
    gtk_spinner_start (s->spinner);
  else
    gtk_spinner_stop (s->spinner);
  gtk_label_set_text (s->name, s->item ? rali_gallery_item_get_name (s->item) : "");
  RaliDecision none = { 0 };
  g_autofree char *dec = rali_decision_describe (s->item ? rali_gallery_item_get_decision (s->item) : &none);
  gtk_label_set_text (s->decision, dec);
  if (s->score_class)
    gtk_widget_remove_css_class (GTK_WIDGET (s->score), s->score_class);
  s->score_class = NULL;
  gtk_widget_set_visible (GTK_WIDGET (s->score), s->result != NULL);
  gtk_widget_set_visible (GTK_WIDGET (s->summary), s->result != NULL);
  if (s->result)
    {
      g_autofree char *why = rali_why_summary_text (s->result);
      gtk_label_set_text (s->summary, why);
      char text[32];
      g_snprintf (text, sizeof text, "%.3f", s->result->score);
      gtk_label_set_text (s->score, text);
      double range = s->result->score_max - s->result->score_min;
      s->score_class = rali_score_css_class (range > 0 ? (s->result->score - s->result->score_min) / range : 0);
      gtk_widget_add_css_class (GTK_WIDGET (s->score), s->score_class);
    }
}

static void
update (RaliCompareView *self)
{
  for (int i = 0; i < 2; i++)
    update_slot (self, &self->slots[i]);
  Slot *a = &self->slots[0], *b = &self->slots[1];
  g_clear_pointer (&self->difference, g_free);
  if (a->error || b->error)
    self->difference = g_strdup_printf (_("%s could not be scored: %s"),
                                        a->error ? _("The left photo") : _("The right photo"),
                                        a->error ? a->error : b->error);
  else if (a->result && b->result)
    {
      double d = a->result->score - b->result->score;
      if (fabs (d) < 0.0005)
        self->difference = g_strdup_printf (_("Both score %.3f"), a->result->score);
      else
        /* TRANSLATORS: "Left is better by 0.120 (0.450 vs 0.330)" */
        self->difference = g_strdup_printf (_("%s is better by %.3f (%.3f vs %.3f)"),
                                            d > 0 ? _("Left") : _("Right"), fabs (d),
                                            MAX (a->result->score, b->result->score),
                                            MIN (a->result->score, b->result->score));
    }
  else if (a->busy || b->busy)
    self->difference = g_strdup (_("Scoring…"));
  else
    self->difference = g_strdup (_("Put a photo in each slot to compare them"));
  gtk_label_set_text (self->difference_label, self->difference);
  update_table (self);
  gboolean both = a->item && b->item;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.winner", both);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.swap", a->item || b->item);
}

static Slot *
slot_for (RaliCompareView *self, GCancellable *work)
{
  for (int i = 0; i < 2; i++)
    if (self->slots[i].work == work)
      return &self->slots[i];
  return NULL; /* replaced meanwhile */
}

typedef struct {
  RaliCompareView *self; /* ref */
  GCancellable *work;    /* ref */
} Req;

static Req *
req_new (RaliCompareView *self, Slot *s)
{
  Req *r = g_new (Req, 1);
  r->self = g_object_ref (self);
  r->work = g_object_ref (s->work);
  s->busy++;
  return r;
}

static void
req_free (Req *r)
{
  g_object_unref (r->self);
  g_object_unref (r->work);
  g_free (r);
}

static void
on_scored (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  Req *r = data;
  g_autoptr (GError) error = NULL;
  RaliCompareResult *res = rali_compare_score_finish (result, &error);
  Slot *s = slot_for (r->self, r->work);
  if (s && !g_cancellable_is_cancelled (r->work))
    {
      s->busy--;
      rali_compare_result_free (s->result);
      s->result = res;
      res = NULL;
      g_free (s->error);
      s->error = error ? g_strdup (error->message) : NULL;
      update (r->self);
    }
  rali_compare_result_free (res);
  req_free (r);
}

static void
on_image (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  Req *r = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_image_texture_load_finish (result, &error);
  Slot *s = slot_for (r->self, r->work);
  if (s && !g_cancellable_is_cancelled (r->work))
    {
      s->busy--;
      if (tex)
        {
          rali_image_view_upgrade_texture (s->view, tex);
          /* show it as the other one is shown */
          Slot *o = s == &r->self->slots[0] ? &r->self->slots[1] : &r->self->slots[0];
          gboolean fit;
          double z, fx, fy;
          rali_image_view_get_view (o->view, &fit, &z, &fx, &fy);
          rali_image_view_set_view (s->view, fit, z, fx, fy);
        }
      update (r->self);
    }
  req_free (r);
}

static void
on_decision (GObject *item, GParamSpec *pspec, RaliCompareView *self)
{
  (void) item;
  (void) pspec;
  update (self);
}

static void
slot_clear (Slot *s)
{
  if (s->work)
    g_cancellable_cancel (s->work);
  g_clear_object (&s->work);
  if (s->item)
    g_clear_signal_handler (&s->decision_handler, s->item);
  g_clear_object (&s->item);
  g_clear_pointer (&s->result, rali_compare_result_free);
  g_clear_pointer (&s->error, g_free);
  s->busy = 0;
  rali_image_view_set_texture (s->view, NULL);
}

static void
slot_start (RaliCompareView *self, Slot *s)
{
  if (s->work)
    g_cancellable_cancel (s->work);
  g_clear_object (&s->work);
  g_clear_pointer (&s->result, rali_compare_result_free);
  g_clear_pointer (&s->error, g_free);
  s->busy = 0;
  if (!s->item || !self->app)
    return;
  s->work = g_cancellable_new ();
  const char *path = rali_gallery_item_get_path (s->item);
  g_autoptr (GError) error = NULL;
  g_autofree char *model = rali_application_dup_model_path (self->app, &error);
  if (model)
    rali_compare_score_async (path, model, rali_application_get_backend (self->app),
                              rali_application_get_catalog (self->app), s->work, on_scored, req_new (self, s));
  else
    s->error = g_strdup (error->message);
  if (!rali_image_view_get_texture (s->view))
    rali_image_texture_load_async (path, s->work, on_image, req_new (self, s));
}

static void
slot_set (RaliCompareView *self, Slot *s, RaliGalleryItem *item)
{
  if (s->item == item && item)
    return;
  slot_clear (s);
  if (item)
    {
      s->item = g_object_ref (item);
      s->decision_handler = g_signal_connect (item, "notify::decision", G_CALLBACK (on_decision), self);
      /* the gallery's thumbnail stands in while the photo decodes */
      GdkTexture *thumb = self->cache ? rali_thumbnail_cache_lookup (self->cache, rali_gallery_item_get_path (item),
                                                                     200, 150)
                                      : NULL;
      rali_image_view_set_texture (s->view, thumb);
      slot_start (self, s);
      if (thumb) /* the full decode replaces it */
        rali_image_texture_load_async (rali_gallery_item_get_path (item), s->work, on_image, req_new (self, s));
    }
  update (self);
}

static RaliGalleryItem *
item_for_path (RaliCompareView *self, const char *path)
{
  guint n = self->all ? g_list_model_get_n_items (self->all) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (self->all, i);
      if (g_str_equal (rali_gallery_item_get_path (item), path))
        return g_steal_pointer (&item);
    }
  return rali_gallery_item_new (path); /* from outside the gallery */
}

void
rali_compare_view_set_items (RaliCompareView *self, RaliGalleryItem *left, RaliGalleryItem *right)
{
  slot_set (self, &self->slots[0], left);
  slot_set (self, &self->slots[1], right);
}

void
rali_compare_view_set_path (RaliCompareView *self, int slot, const char *path)
{
  g_autoptr (RaliGalleryItem) item = item_for_path (self, path);
  slot_set (self, &self->slots[slot ? 1 : 0], item);
}

void
rali_compare_view_swap (RaliCompareView *self)
{
  Slot *a = &self->slots[0], *b = &self->slots[1];
  /* the photos and their work move; the widgets stay */
  g_autoptr (GdkTexture) ta = rali_image_view_get_texture (a->view) ? g_object_ref (rali_image_view_get_texture (a->view)) : NULL;
  g_autoptr (GdkTexture) tb = rali_image_view_get_texture (b->view) ? g_object_ref (rali_image_view_get_texture (b->view)) : NULL;
#define SWAP(field) G_STMT_START { __typeof__ (a->field) t = a->field; a->field = b->field; b->field = t; } G_STMT_END
  SWAP (item);
  SWAP (result);
  SWAP (error);
  SWAP (work);
  SWAP (busy);
  SWAP (decision_handler);
#undef SWAP
  gboolean fit;
  double z, fx, fy;
  rali_image_view_get_view (a->view, &fit, &z, &fx, &fy);
  self->syncing = TRUE;
  rali_image_view_set_texture (a->view, tb);
  rali_image_view_set_texture (b->view, ta);
  rali_image_view_set_view (a->view, fit, z, fx, fy);
  rali_image_view_set_view (b->view, fit, z, fx, fy);
  self->syncing = FALSE;
  update (self);
}

void
rali_compare_view_pick (RaliCompareView *self, int slot)
{
  Slot *w = &self->slots[slot ? 1 : 0], *l = &self->slots[slot ? 0 : 1];
  if (!w->item || !l->item || !self->culling)
    return;
  GSettings *settings = self->app ? rali_application_get_settings (self->app) : NULL;
  gboolean reject = settings && g_settings_get_boolean (settings, "compare-reject-other");
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  RaliDecision ds[2] = { *rali_gallery_item_get_decision (w->item), *rali_gallery_item_get_decision (l->item) };
  ds[0].flag = RALI_FLAG_PICKED;
  ds[1].flag = RALI_FLAG_REJECTED;
  g_ptr_array_add (items, w->item);
  if (reject)
    g_ptr_array_add (items, l->item);
  rali_culling_set (self->culling, items, ds);
  g_autofree char *text = reject
    ? g_strdup_printf (_("%s picked, %s rejected"), rali_gallery_item_get_name (w->item),
                       rali_gallery_item_get_name (l->item))
    : g_strdup_printf (_("%s picked"), rali_gallery_item_get_name (w->item));
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

void
rali_compare_view_rescore (RaliCompareView *self)
{
  for (int i = 0; i < 2; i++)
    slot_start (self, &self->slots[i]);
  update (self);
}

/* ---- sync, drops, the strip ---- */

static void
on_view_changed (RaliImageView *view, RaliCompareView *self)
{
  if (self->syncing)
    return;
  RaliImageView *other = view == self->slots[0].view ? self->slots[1].view : self->slots[0].view;
  gboolean fit;
  double z, fx, fy;
  rali_image_view_get_view (view, &fit, &z, &fx, &fy);
  self->syncing = TRUE;
  rali_image_view_set_view (other, fit, z, fx, fy);
  self->syncing = FALSE;
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, RaliCompareView *self)
{
  (void) x;
  (void) y;
  GFile *file = NULL;
  g_autoptr (GSList) list = NULL;
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    file = g_value_get_object (value);
  else if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      list = gdk_file_list_get_files (g_value_get_boxed (value));
      file = list ? list->data : NULL;
    }
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  if (!path)
    return FALSE;
  rali_compare_view_set_path (self, target == self->slots[0].drop ? 0 : 1, path);
  return TRUE;
}

static void
strip_setup (GtkSignalListItemFactory *f, GtkListItem *li, RaliCompareView *self)
{
  (void) f;
  gtk_list_item_set_child (li, rali_tile_new (self->cache, STRIP_THUMB));
}

static void
strip_bind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
  (void) f;
  (void) data;
  rali_tile_set_item (RALI_TILE (gtk_list_item_get_child (li)), gtk_list_item_get_item (li));
}

static void
strip_unbind (GtkSignalListItemFactory *f, GtkListItem *li, gpointer data)
{
  (void) f;
  (void) data;
  rali_tile_set_item (RALI_TILE (gtk_list_item_get_child (li)), NULL);
}

/* The strip shows the gallery only while the page is on screen: a hidden
 * page's list view would still be measured with the stack and create,
 * bind and repaint its tiles as results stream in (a quarter of the main
 * thread's time while a folder is shown, measured with perf). */
static void
strip_attach (RaliCompareView *self)
{
  if (!self->shown || gtk_list_view_get_model (self->strip))
    return;
  g_autoptr (GtkNoSelection) sel = gtk_no_selection_new (g_object_ref (self->shown));
  gtk_list_view_set_model (self->strip, GTK_SELECTION_MODEL (sel));
}

static void
strip_detach (RaliCompareView *self)
{
  gtk_list_view_set_model (self->strip, NULL);
}

/* Enter or double-click on the strip: the left slot when empty, else the right */
static void
on_strip_activate (GtkListView *view, guint position, RaliCompareView *self)
{
  g_autoptr (RaliGalleryItem) item = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (view)), position);
  if (item)
    slot_set (self, &self->slots[self->slots[0].item ? 1 : 0], item);
}

void
rali_compare_view_setup (RaliCompareView *self, RaliApplication *app, RaliCulling *culling, GListModel *all,
                         GListModel *shown, RaliThumbnailCache *cache)
{
  self->app = app;
  g_set_object (&self->culling, culling);
  g_set_object (&self->all, all);
  g_set_object (&self->cache, cache);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (strip_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (strip_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (strip_unbind), self);
  gtk_list_view_set_factory (self->strip, factory);
  g_set_object (&self->shown, shown);
  g_signal_connect (self, "map", G_CALLBACK (strip_attach), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (strip_detach), NULL);
}

/* ---- for the test driver ---- */

RaliGalleryItem *
rali_compare_view_get_item (RaliCompareView *self, int slot)
{
  return self->slots[slot ? 1 : 0].item;
}

const RaliCompareResult *
rali_compare_view_get_result (RaliCompareView *self, int slot)
{
  return self->slots[slot ? 1 : 0].result;
}

const char *
rali_compare_view_get_error (RaliCompareView *self, int slot)
{
  return self->slots[slot ? 1 : 0].error;
}

gboolean
rali_compare_view_is_busy (RaliCompareView *self)
{
  return self->slots[0].busy > 0 || self->slots[1].busy > 0;
}

GtkDropTarget *
rali_compare_view_get_drop_target (RaliCompareView *self, int slot)
{
  return self->slots[slot ? 1 : 0].drop;
}

const char *
rali_compare_view_get_difference_text (RaliCompareView *self)
{
  return self->difference;
}

/* ---- object ---- */

static void
action_compare (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliCompareView *self = RALI_COMPARE_VIEW (widget);
  RaliImageView *v = rali_image_view_get_texture (self->slots[0].view) ? self->slots[0].view : self->slots[1].view;
  if (g_str_equal (name, "compare.winner"))
    rali_compare_view_pick (self, g_variant_get_int32 (param));
  else if (g_str_equal (name, "compare.swap"))
    rali_compare_view_swap (self);
  else if (g_str_equal (name, "compare.zoom-in"))
    rali_image_view_zoom_in (v);
  else if (g_str_equal (name, "compare.zoom-out"))
    rali_image_view_zoom_out (v);
  else if (g_str_equal (name, "compare.zoom-fit"))
    rali_image_view_zoom_fit (v);
  else if (g_str_equal (name, "compare.close"))
    g_signal_emit (self, signals[SIGNAL_CLOSE], 0);
}

static void
rali_compare_view_dispose (GObject *object)
{
  RaliCompareView *self = RALI_COMPARE_VIEW (object);
  for (int i = 0; i < 2; i++)
    if (self->slots[i].view)
      slot_clear (&self->slots[i]);
  g_clear_object (&self->culling);
  g_clear_object (&self->all);
  g_clear_object (&self->shown);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->difference, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_COMPARE_VIEW);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  for (int i = 0; i < 2; i++)
    self->slots[i].view = NULL;
  G_OBJECT_CLASS (rali_compare_view_parent_class)->dispose (object);
}

static void
rali_compare_view_class_init (RaliCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_compare_view_dispose;

  signals[SIGNAL_CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (RALI_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/compare/rali-compare-view.ui");
#define SLOT_CHILD(name, i) \
  gtk_widget_class_bind_template_child_full (widget_class, #name #i, FALSE, \
                                             G_STRUCT_OFFSET (RaliCompareView, slots[i].name))
  SLOT_CHILD (frame, 0);
  SLOT_CHILD (frame, 1);
  SLOT_CHILD (view, 0);
  SLOT_CHILD (view, 1);
  SLOT_CHILD (placeholder, 0);
  SLOT_CHILD (placeholder, 1);
  SLOT_CHILD (name, 0);
  SLOT_CHILD (name, 1);
  SLOT_CHILD (decision, 0);
  SLOT_CHILD (decision, 1);
  SLOT_CHILD (score, 0);
  SLOT_CHILD (score, 1);
  SLOT_CHILD (spinner, 0);
  SLOT_CHILD (spinner, 1);
  SLOT_CHILD (summary, 0);
  SLOT_CHILD (summary, 1);
#undef SLOT_CHILD
  gtk_widget_class_bind_template_child (widget_class, RaliCompareView, difference_label);
  gtk_widget_class_bind_template_child (widget_class, RaliCompareView, table_heading);
  gtk_widget_class_bind_template_child (widget_class, RaliCompareView, table);
  gtk_widget_class_bind_template_child (widget_class, RaliCompareView, strip);

  gtk_widget_class_install_action (widget_class, "compare.winner", "i", action_compare);
  const char *simple[] = { "compare.swap", "compare.zoom-in", "compare.zoom-out", "compare.zoom-fit",
                           "compare.close" };
  for (gsize i = 0; i < G_N_ELEMENTS (simple); i++)
    gtk_widget_class_install_action (widget_class, simple[i], NULL, action_compare);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "compare.winner", "i", 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1, 0, "compare.winner", "i", 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, 0, "compare.winner", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_2, 0, "compare.winner", "i", 1);
  const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
    { GDK_KEY_s, 0, "compare.swap" },       { GDK_KEY_plus, 0, "compare.zoom-in" },
    { GDK_KEY_equal, 0, "compare.zoom-in" }, { GDK_KEY_KP_Add, 0, "compare.zoom-in" },
    { GDK_KEY_minus, 0, "compare.zoom-out" }, { GDK_KEY_KP_Subtract, 0, "compare.zoom-out" },
    { GDK_KEY_0, GDK_CONTROL_MASK, "compare.zoom-fit" }, { GDK_KEY_Escape, 0, "compare.close" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key, keys[i].mods, keys[i].action, NULL);
  gtk_widget_class_set_css_name (widget_class, "ralicompareview");
}

static void
rali_compare_view_init (RaliCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };
  for (int i = 0; i < 2; i++)
    {
      Slot *s = &self->slots[i];
      g_signal_connect (s->view, "view-changed", G_CALLBACK (on_view_changed), self);
      s->drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
      gtk_drop_target_set_gtypes (s->drop, types, G_N_ELEMENTS (types));
      g_signal_connect (s->drop, "drop", G_CALLBACK (on_drop), self);
      gtk_widget_add_controller (s->frame, GTK_EVENT_CONTROLLER (s->drop));
    }
  g_signal_connect (self->strip, "activate", G_CALLBACK (on_strip_activate), self);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  update (self);
}
