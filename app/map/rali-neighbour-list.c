/* RaliNeighbourList: see rali-neighbour-list.h. */
#include "config.h"

#include "rali-neighbour-list.h"

#include "rali-similar-photos.h"

#include <glib/gi18n.h>

/* the thumbnail cache's box of the gallery tiles and the map: shared entries */
#define THUMB_W 200
#define THUMB_H 150
#define ROW_THUMB_W 96
#define ROW_THUMB_H 72

struct _RaliNeighbourList {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkWidget *close_button;
  GtkWidget *query_box;
  GtkPicture *query_picture;
  GtkLabel *query_title, *query_detail;
  GtkLabel *method_label;
  GtkStack *stack;
  GtkListBox *list;
  GtkLabel *message_label;

  RaliThumbnailCache *cache;
  RaliSimilarPhotos *similar;
  int k;
  RaliGalleryItem *query;
  GPtrArray *found;      /* RaliSimilarPhoto*: the rows */
  GCancellable *finding; /* the search under way */
  GCancellable *loads;   /* the thumbnails of the query and rows shown */
};

enum { PROP_0, PROP_QUERY, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_ACTIVATED, SIGNAL_CLOSE, SIGNAL_FOUND, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliNeighbourList, rali_neighbour_list, GTK_TYPE_WIDGET)

/* ---- thumbnails ---- */

static void
on_thumbnail (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GtkPicture) picture = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_thumbnail_cache_load_finish (RALI_THUMBNAIL_CACHE (source), result, &error);
  if (tex)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (tex));
}

static void
load_thumbnail (RaliNeighbourList *self, GtkPicture *picture, RaliGalleryItem *item)
{
  gtk_picture_set_paintable (picture, NULL);
  gtk_picture_set_alternative_text (picture, item ? rali_gallery_item_get_name (item) : NULL);
  if (!self->cache || !item)
    return;
  const char *path = rali_gallery_item_get_path (item);
  GdkTexture *hit = rali_thumbnail_cache_lookup (self->cache, path, THUMB_W, THUMB_H);
  if (hit)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (hit));
  else
    rali_thumbnail_cache_load_async (self->cache, path, THUMB_W, THUMB_H, self->loads, on_thumbnail,
                                     g_object_ref (picture));
}

static void
restart_loads (RaliNeighbourList *self)
{
  if (self->loads)
    g_cancellable_cancel (self->loads);
  g_clear_object (&self->loads);
  self->loads = g_cancellable_new ();
}

/* ---- rows ---- */

static void
clear_rows (RaliNeighbourList *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
}

static GtkWidget *
neighbour_row (RaliNeighbourList *self, const RaliSimilarPhoto *p, int rank)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *picture = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, ROW_THUMB_W, ROW_THUMB_H);
  gtk_widget_add_css_class (picture, "rali-neighbour-thumb");
  gtk_box_append (GTK_BOX (box), picture);
  load_thumbnail (self, GTK_PICTURE (picture), p->item);

  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  /* the rank, as the map's badges number them */
  g_autofree char *title = g_strdup_printf ("%d · %s", rank, rali_gallery_item_get_name (p->item));
  GtkWidget *name = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 16);
  gtk_box_append (GTK_BOX (texts), name);
  /* TRANSLATORS: cosine similarity of two photos' embeddings (-1..1), then the photo's score */
  g_autofree char *detail = g_strdup_printf (_("similarity %.3f\nscore %.2f"), p->similarity,
                                             rali_gallery_item_get_score (p->item));
  GtkWidget *meta = gtk_label_new (detail);
  gtk_label_set_xalign (GTK_LABEL (meta), 0);
  gtk_widget_add_css_class (meta, "caption");
  gtk_widget_add_css_class (meta, "numeric");
  gtk_box_append (GTK_BOX (texts), meta);
  gtk_box_append (GTK_BOX (box), texts);

  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "item", g_object_ref (p->item), g_object_unref);
  g_object_set_data (G_OBJECT (row), "similarity", GINT_TO_POINTER ((int) (p->similarity * 1e6f)));
  /* TRANSLATORS: accessible name of a similar photo: rank, file name, similarity, score */
  g_autofree char *a11y = g_strdup_printf (_("%d. %s, similarity %.3f, score %.2f"), rank, rali_gallery_item_get_name (p->item),
                                           p->similarity, rali_gallery_item_get_score (p->item));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_widget_set_tooltip_text (row, _("Show the photos similar to this one"));
  return row;
}

/* ---- finding ---- */

static void
set_message (RaliNeighbourList *self, const char *message)
{
  gtk_label_set_text (self->message_label, message);
  gtk_stack_set_visible_child_name (self->stack, "message");
}

static void
set_results (RaliNeighbourList *self, GPtrArray *similar, int n_photos, gboolean exact)
{
  clear_rows (self);
  for (guint t = 0; t < similar->len; t++)
    gtk_list_box_append (self->list, neighbour_row (self, similar->pdata[t], (int) t + 1));
  /* TRANSLATORS: how the similar photos were found: how many, among how many photos, and the search */
  g_autofree char *method = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                          "The %u nearest of %d photo by the cosine similarity of their "
                                                          "embeddings · %s",
                                                          "The %u nearest of %d photos by the cosine similarity of their "
                                                          "embeddings · %s",
                                                          (gulong) n_photos),
                                             similar->len, n_photos,
                                             exact ? _("exact search") : _("HNSW graph (approximate)"));
  gtk_label_set_text (self->method_label, method);
  if (similar->len == 0)
    set_message (self, _("No other photo has an embedding to compare with."));
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static void
on_found (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliNeighbourList) self = data;
  g_autoptr (GError) error = NULL;
  GPtrArray *found = rali_similar_photos_find_finish (RALI_SIMILAR_PHOTOS (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* another photo was asked for since */
  g_clear_object (&self->finding);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  self->found = found;
  if (found)
    set_results (self, found, rali_similar_photos_get_n_photos (self->similar),
                 rali_similar_photos_get_exact (self->similar));
  else
    set_message (self, error->message);
  g_signal_emit (self, signals[SIGNAL_FOUND], 0);
}

/* ---- API ---- */

void
rali_neighbour_list_set_source (RaliNeighbourList *self, RaliSimilarPhotos *similar, RaliThumbnailCache *cache)
{
  g_set_object (&self->similar, similar);
  g_set_object (&self->cache, cache);
}

void
rali_neighbour_list_show (RaliNeighbourList *self, RaliGalleryItem *item)
{
  if (self->finding)
    g_cancellable_cancel (self->finding);
  g_clear_object (&self->finding);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  restart_loads (self);
  clear_rows (self);
  g_set_object (&self->query, item);
  gtk_widget_set_visible (self->query_box, item != NULL);
  gtk_label_set_text (self->method_label, "");
  gtk_stack_set_visible_child_name (self->stack, "busy");
  if (item)
    {
      gtk_label_set_text (self->query_title, rali_gallery_item_get_name (item));
      g_autofree char *detail = g_strdup_printf (_("Score %.2f"), rali_gallery_item_get_score (item));
      gtk_label_set_text (self->query_detail, detail);
      load_thumbnail (self, self->query_picture, item);
      /* TRANSLATORS: accessible name of the list: the photo whose similar photos it lists */
      g_autofree char *a11y = g_strdup_printf (_("Photos similar to %s"), rali_gallery_item_get_name (item));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      if (self->similar)
        {
          self->finding = g_cancellable_new ();
          rali_similar_photos_find_async (self->similar, item, self->k, self->finding, on_found, g_object_ref (self));
        }
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
  g_signal_emit (self, signals[SIGNAL_FOUND], 0);
}

RaliGalleryItem *
rali_neighbour_list_get_query (RaliNeighbourList *self)
{
  return self->query;
}

GPtrArray *
rali_neighbour_list_get_found (RaliNeighbourList *self)
{
  return self->found;
}

gboolean
rali_neighbour_list_is_busy (RaliNeighbourList *self)
{
  return self->finding != NULL;
}

guint
rali_neighbour_list_get_n_rows (RaliNeighbourList *self)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c; c = gtk_widget_get_next_sibling (c))
    n++;
  return n;
}

RaliGalleryItem *
rali_neighbour_list_get_row_item (RaliNeighbourList *self, guint row, float *similarity)
{
  GtkListBoxRow *r = gtk_list_box_get_row_at_index (self->list, (int) row);
  if (!r)
    return NULL;
  if (similarity)
    *similarity = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (r), "similarity")) / 1e6f;
  return g_object_get_data (G_OBJECT (r), "item");
}

void
rali_neighbour_list_activate_row (RaliNeighbourList *self, guint row)
{
  GtkListBoxRow *r = gtk_list_box_get_row_at_index (self->list, (int) row);
  if (r)
    g_signal_emit_by_name (self->list, "row-activated", r);
}

/* ---- object ---- */

static void
on_row_activated (GtkListBox *list, GtkListBoxRow *row, RaliNeighbourList *self)
{
  (void) list;
  RaliGalleryItem *item = g_object_get_data (G_OBJECT (row), "item");
  if (item)
    g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, item);
}

static void
on_close (GtkButton *button, RaliNeighbourList *self)
{
  (void) button;
  g_signal_emit (self, signals[SIGNAL_CLOSE], 0);
}

static void
rali_neighbour_list_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  RaliNeighbourList *self = RALI_NEIGHBOUR_LIST (object);
  switch (id)
    {
    case PROP_QUERY: g_value_set_object (value, self->query); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
rali_neighbour_list_dispose (GObject *object)
{
  RaliNeighbourList *self = RALI_NEIGHBOUR_LIST (object);
  if (self->loads)
    g_cancellable_cancel (self->loads);
  if (self->finding)
    g_cancellable_cancel (self->finding);
  g_clear_object (&self->loads);
  g_clear_object (&self->finding);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_object (&self->query);
  g_clear_object (&self->similar);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_NEIGHBOUR_LIST);
  G_OBJECT_CLASS (rali_neighbour_list_parent_class)->dispose (object);
}

static void
rali_neighbour_list_class_init (RaliNeighbourListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = rali_neighbour_list_get_property;
  object_class->dispose = rali_neighbour_list_dispose;

  /* the photo whose similar photos are listed, or NULL */
  properties[PROP_QUERY] = g_param_spec_object ("query", NULL, NULL, RALI_TYPE_GALLERY_ITEM,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (item) a similar photo was activated */
  signals[SIGNAL_ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 1, RALI_TYPE_GALLERY_ITEM);
  /* the results (or their absence) changed: rali_neighbour_list_get_found */
  signals[SIGNAL_FOUND] = g_signal_new ("found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);
  signals[SIGNAL_CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/map/rali-neighbour-list.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, RaliNeighbourList, name)
  CHILD (box);
  CHILD (close_button);
  CHILD (query_box);
  CHILD (query_picture);
  CHILD (query_title);
  CHILD (query_detail);
  CHILD (method_label);
  CHILD (stack);
  CHILD (list);
  CHILD (message_label);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "rali-neighbour-list");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
rali_neighbour_list_init (RaliNeighbourList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->k = 12;
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  g_signal_connect (self->close_button, "clicked", G_CALLBACK (on_close), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Similar photos"), -1);
}
