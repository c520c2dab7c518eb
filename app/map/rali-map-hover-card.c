/* RaliMapHoverCard: see rali-map-hover-card.h. */
#include "config.h"

#include "rali-map-hover-card.h"

#include <glib/gi18n.h>

struct _RaliMapHoverCard {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkPicture *picture;
  GtkLabel *title, *detail;
  GCancellable *thumb;
};

G_DEFINE_FINAL_TYPE (RaliMapHoverCard, rali_map_hover_card, GTK_TYPE_WIDGET)

static void
on_thumbnail (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliMapHoverCard) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_thumbnail_cache_load_finish (RALI_THUMBNAIL_CACHE (source), result, &error);
  if (tex)
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (tex));
}

void
rali_map_hover_card_show (RaliMapHoverCard *self, const RaliMapData *d, int i, int proto, RaliThumbnailCache *cache,
                          int thumb_w, int thumb_h)
{
  if (self->thumb)
    g_cancellable_cancel (self->thumb);
  g_clear_object (&self->thumb);
  gtk_widget_set_visible (GTK_WIDGET (self), d && (i >= 0 || proto >= 0));
  if (!d || (i < 0 && proto < 0))
    return;
  if (i < 0)
    {
      const RaliMapPrototype *p = &d->prototypes[proto];
      g_autofree char *title = g_strdup_printf (_("Prototype #%d · score %.2f"), p->index, p->score);
      g_autofree char *detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                              "%s\nThe top descriptor of %u photo: ◆ is their mean embedding.",
                                                              "%s\nThe top descriptor of %u photos: ◆ is their mean embedding.",
                                                              p->count),
                                                 p->text, p->count);
      gtk_label_set_text (self->title, title);
      gtk_label_set_text (self->detail, detail);
      gtk_widget_set_visible (GTK_WIDGET (self->picture), FALSE);
      return;
    }
  const RaliMapCluster *cl = &d->clusters[d->cluster[i]];
  g_autofree char *synthetic = g_strdup_printf ("synthetic-%d", i);
  const char *name = d->items ? rali_gallery_item_get_name (d->items[i]) : synthetic;
  g_autofree char *detail = g_strdup_printf (_("Score %.2f · cluster %d: %s"), d->score[i], d->cluster[i] + 1, cl->name);
  gtk_label_set_text (self->title, name);
  gtk_label_set_text (self->detail, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->picture), d->items != NULL);
  gtk_picture_set_paintable (self->picture, NULL);
  if (!d->items || !cache)
    return;
  const char *path = rali_gallery_item_get_path (d->items[i]);
  GdkTexture *tex = rali_thumbnail_cache_lookup (cache, path, thumb_w, thumb_h);
  if (tex)
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (tex));
  else
    {
      self->thumb = g_cancellable_new ();
      rali_thumbnail_cache_load_async (cache, path, thumb_w, thumb_h, self->thumb, on_thumbnail, g_object_ref (self));
    }
}

static void
rali_map_hover_card_dispose (GObject *object)
{
  RaliMapHoverCard *self = RALI_MAP_HOVER_CARD (object);
  if (self->thumb)
    g_cancellable_cancel (self->thumb);
  g_clear_object (&self->thumb);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_MAP_HOVER_CARD);
  G_OBJECT_CLASS (rali_map_hover_card_parent_class)->dispose (object);
}

static void
rali_map_hover_card_class_init (RaliMapHoverCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_map_hover_card_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/map/rali-map-hover-card.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliMapHoverCard, box);
  gtk_widget_class_bind_template_child (widget_class, RaliMapHoverCard, picture);
  gtk_widget_class_bind_template_child (widget_class, RaliMapHoverCard, title);
  gtk_widget_class_bind_template_child (widget_class, RaliMapHoverCard, detail);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_TOOLTIP);
}

static void
rali_map_hover_card_init (RaliMapHoverCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
