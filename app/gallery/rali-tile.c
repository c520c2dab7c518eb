/* RaliTile: see rali-tile.h.  Tiles are recycled by the grid view: set_item
 * drops the previous item's signal handler and thumbnail request.
 *
 * The template holds only what every tile shows (thumbnail, score badges,
 * name).  The burst badge, the culling decision and the error box come from
 * rali-tile-extras.ui the first time a tile needs one: building all of them
 * in every tile was most of the main thread's time when a folder's first
 * screen of tiles was made (perf, reopening a scored folder of 300 photos:
 * rali_tile_init a third of the main thread's samples in the longest gap). */
#include "config.h"

#include "rali-tile.h"

#include "culling/rali-culling.h"

#include <glib/gi18n.h>
#include <string.h>

struct _RaliTile {
  GtkWidget parent_instance;
  GtkWidget *frame;
  GtkPicture *picture;
  GtkLabel *badge;
  GtkLabel *rank_badge;
  GtkLabel *name_label;
  /* made when first needed (NULL until then) */
  GtkWidget *error_box;
  GtkLabel *error_label;
  GtkLabel *burst_badge;
  GtkWidget *decision_box;
  GtkLabel *flag_label;
  GtkLabel *stars_label;
  GtkWidget *dots[RALI_N_LABELS];

  RaliThumbnailCache *cache;
  int thumbnail_size;
  RaliGalleryItem *item;
  gulong state_handler;
  gulong decision_handler;
  gulong burst_handler;
  GCancellable *load;
  const char *badge_class;
  RaliScoreStats *stats;
  gboolean show_rank;
};

enum { PROP_0, PROP_ITEM, PROP_CACHE, PROP_THUMBNAIL_SIZE, PROP_STATS, PROP_SHOW_RANK, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (RaliTile, rali_tile, GTK_TYPE_WIDGET)

const char *
rali_score_css_class (double fraction)
{
  static const char *const classes[] = {
    "score-0", "score-1", "score-2", "score-3", "score-4",
    "score-5", "score-6", "score-7", "score-8", "score-9",
  };
  int i = (int) (CLAMP (fraction, 0.0, 1.0) * 10);
  return classes[MIN (i, 9)];
}

static void
set_badge_class (RaliTile *self, const char *css_class)
{
  if (self->badge_class)
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), self->badge_class);
  self->badge_class = css_class;
  if (css_class)
    gtk_widget_add_css_class (GTK_WIDGET (self->badge), css_class);
}

/* one of rali-tile-extras.ui's overlays, added to the thumbnail's frame;
 * the returned builder finds its children (unref it after) */
static GtkBuilder *
add_extra (RaliTile *self, const char *id)
{
  const char *ids[] = { id, NULL };
  g_autoptr (GError) error = NULL;
  GtkBuilder *builder = gtk_builder_new ();
  if (!gtk_builder_add_objects_from_resource (builder, "/org/ralistudio/RaliStudio/gallery/rali-tile-extras.ui",
                                              ids, &error))
    g_error ("rali-tile-extras.ui: %s", error->message); /* compiled into the app: cannot happen */
  gtk_overlay_add_overlay (GTK_OVERLAY (self->frame), GTK_WIDGET (gtk_builder_get_object (builder, id)));
  return builder;
}

static void
ensure_error_box (RaliTile *self)
{
  if (self->error_box)
    return;
  g_autoptr (GtkBuilder) builder = add_extra (self, "error_box");
  self->error_box = GTK_WIDGET (gtk_builder_get_object (builder, "error_box"));
  self->error_label = GTK_LABEL (gtk_builder_get_object (builder, "error_label"));
}

static void
ensure_burst_badge (RaliTile *self)
{
  if (self->burst_badge)
    return;
  g_autoptr (GtkBuilder) builder = add_extra (self, "burst_badge");
  self->burst_badge = GTK_LABEL (gtk_builder_get_object (builder, "burst_badge"));
}

static void
ensure_decision_box (RaliTile *self)
{
  if (self->decision_box)
    return;
  g_autoptr (GtkBuilder) builder = add_extra (self, "decision_box");
  self->decision_box = GTK_WIDGET (gtk_builder_get_object (builder, "decision_box"));
  self->flag_label = GTK_LABEL (gtk_builder_get_object (builder, "flag_label"));
  self->stars_label = GTK_LABEL (gtk_builder_get_object (builder, "stars_label"));
  GtkBox *labels_box = GTK_BOX (gtk_builder_get_object (builder, "labels_box"));
  static const char *const label_classes[RALI_N_LABELS] = { "red", "yellow", "green", "blue", "purple" };
  for (int i = 0; i < RALI_N_LABELS; i++)
    {
      self->dots[i] = gtk_label_new ("●");
      gtk_widget_add_css_class (self->dots[i], "color-label");
      gtk_widget_add_css_class (self->dots[i], label_classes[i]);
      gtk_box_append (labels_box, self->dots[i]);
    }
}

static void
update_state (RaliTile *self)
{
  RaliGalleryItem *item = self->item;
  RaliItemState state = item ? rali_gallery_item_get_state (item) : RALI_ITEM_PENDING;
  gboolean failed = state == RALI_ITEM_FAILED;
  if (failed)
    ensure_error_box (self);
  if (self->error_box)
    gtk_widget_set_visible (self->error_box, failed);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), state == RALI_ITEM_SCORED);
  if (failed)
    gtk_widget_add_css_class (self->frame, "failed");
  else
    gtk_widget_remove_css_class (self->frame, "failed");

  if (state == RALI_ITEM_SCORED)
    {
      char text[32];
      double score = rali_gallery_item_get_score (item);
      g_snprintf (text, sizeof text, "%.2f", score);
      g_autofree char *rank = self->show_rank && self->stats ? rali_score_stats_describe_rank (self->stats, score)
                                                             : NULL;
      gtk_label_set_text (self->badge, text);
      gtk_label_set_text (self->rank_badge, rank ? rank : "");
      gtk_widget_set_visible (GTK_WIDGET (self->rank_badge), rank != NULL);
      set_badge_class (self, rali_score_css_class (rali_gallery_item_get_score_fraction (item)));
      /* TRANSLATORS: the badge read aloud: a score, then its rank ("top 12 %") in the folder */
      g_autofree char *label = rank ? g_strdup_printf (_("Score %s, %s of this folder"), text, rank)
                                    : g_strdup_printf (_("Score %s"), text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->badge), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  else
    set_badge_class (self, NULL);
  if (state != RALI_ITEM_SCORED)
    gtk_widget_set_visible (GTK_WIDGET (self->rank_badge), FALSE);
  if (failed)
    gtk_label_set_text (self->error_label, rali_gallery_item_get_error (item));
}

/* flag, stars and colour labels; rejected photos are dimmed */
static void
update_decision (RaliTile *self)
{
  RaliDecision none = { 0 };
  const RaliDecision *d = self->item ? rali_gallery_item_get_decision (self->item) : &none;
  if (d->flag == RALI_FLAG_REJECTED)
    gtk_widget_add_css_class (self->frame, "rejected");
  else
    gtk_widget_remove_css_class (self->frame, "rejected");
  if (rali_decision_is_empty (d) && !self->decision_box)
    return;
  ensure_decision_box (self);
  gtk_widget_set_visible (self->decision_box, !rali_decision_is_empty (d));
  gtk_widget_set_visible (GTK_WIDGET (self->flag_label), d->flag != RALI_FLAG_NONE);
  gtk_label_set_text (self->flag_label, d->flag == RALI_FLAG_PICKED ? "✓" : "✕");
  gtk_widget_remove_css_class (GTK_WIDGET (self->flag_label), "picked");
  gtk_widget_remove_css_class (GTK_WIDGET (self->flag_label), "rejected");
  if (d->flag != RALI_FLAG_NONE)
    gtk_widget_add_css_class (GTK_WIDGET (self->flag_label), d->flag == RALI_FLAG_PICKED ? "picked" : "rejected");
  static const char stars[] = "★★★★★";
  gtk_label_set_text (self->stars_label, d->flag == RALI_FLAG_REJECTED ? "" : stars + (5 - d->rating) * strlen ("★"));
  gtk_widget_set_visible (GTK_WIDGET (self->stars_label), d->rating > 0 && d->flag != RALI_FLAG_REJECTED);
  gtk_widget_set_visible (gtk_widget_get_parent (self->dots[0]), d->labels != 0);
  for (int i = 0; i < RALI_N_LABELS; i++)
    gtk_widget_set_visible (self->dots[i], (d->labels & (1u << i)) != 0);
  g_autofree char *text = rali_decision_describe (d);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->decision_box), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
update_burst (RaliTile *self)
{
  guint size = 0;
  gboolean best = FALSE;
  guint id = self->item ? rali_gallery_item_get_burst (self->item, &size, &best) : 0;
  if (id == 0 && !self->burst_badge)
    return;
  ensure_burst_badge (self);
  gtk_widget_set_visible (GTK_WIDGET (self->burst_badge), id != 0);
  if (id == 0)
    return;
  g_autofree char *text = best ? g_strdup_printf (_("Best of burst · %u"), size)
                               : g_strdup_printf (_("Burst · %u"), size);
  gtk_label_set_text (self->burst_badge, text);
  if (best)
    gtk_widget_add_css_class (GTK_WIDGET (self->burst_badge), "best");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->burst_badge), "best");
}

static void
on_decision (RaliGalleryItem *item, GParamSpec *pspec, RaliTile *self)
{
  (void) item;
  (void) pspec;
  update_decision (self);
}

static void
on_burst (RaliGalleryItem *item, GParamSpec *pspec, RaliTile *self)
{
  (void) item;
  (void) pspec;
  update_burst (self);
}

/* Tooltips are made when asked for: gtk_widget_set_tooltip_text() on every
 * update costs an X round trip per tile (GTK 4.8 looks up the pointer). */
static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  RaliTile *self = RALI_TILE (widget);
  (void) x;
  (void) y;
  (void) keyboard;
  (void) data;
  RaliGalleryItem *item = self->item;
  if (!item)
    return FALSE;
  const char *name = rali_gallery_item_get_name (item);
  g_autofree char *text = NULL;
  switch (rali_gallery_item_get_state (item))
    {
    case RALI_ITEM_SCORED:
      {
        GPtrArray *ds = rali_gallery_item_get_descriptors (item);
        const char *first = ds && ds->len ? ((RaliItemDescriptor *) ds->pdata[0])->text : NULL;
        char score[32];
        g_snprintf (score, sizeof score, "%.2f", rali_gallery_item_get_score (item));
        text = first ? g_strdup_printf (_("%s — score %s\n%s"), name, score, first)
                     : g_strdup_printf (_("%s — score %s"), name, score);
        const char *why = rali_gallery_item_get_burst_why (item);
        if (why)
          {
            char *more = g_strdup_printf ("%s\n%s", text, why);
            g_free (text);
            text = more;
          }
        break;
      }
    case RALI_ITEM_FAILED:
      text = g_strdup_printf (_("%s could not be scored: %s"), name, rali_gallery_item_get_error (item));
      break;
    default:
      text = g_strdup (name);
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_state (RaliGalleryItem *item, GParamSpec *pspec, RaliTile *self)
{
  (void) item;
  (void) pspec;
  update_state (self);
}

static void
on_thumbnail (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (RaliTile) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_thumbnail_cache_load_finish (RALI_THUMBNAIL_CACHE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* the tile may show another item by now: the request was cancelled then */
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (tex));
}

void
rali_tile_set_item (RaliTile *self, RaliGalleryItem *item)
{
  g_return_if_fail (RALI_IS_TILE (self));
  if (self->item == item)
    return;
  if (self->load)
    {
      g_cancellable_cancel (self->load);
      g_clear_object (&self->load);
    }
  if (self->item)
    {
      g_clear_signal_handler (&self->state_handler, self->item);
      g_clear_signal_handler (&self->decision_handler, self->item);
      g_clear_signal_handler (&self->burst_handler, self->item);
    }
  g_set_object (&self->item, item);
  gtk_picture_set_paintable (self->picture, NULL);
  if (item)
    {
      self->state_handler = g_signal_connect (item, "notify::state", G_CALLBACK (on_state), self);
      self->decision_handler = g_signal_connect (item, "notify::decision", G_CALLBACK (on_decision), self);
      self->burst_handler = g_signal_connect (item, "notify::burst", G_CALLBACK (on_burst), self);
      gtk_label_set_text (self->name_label, rali_gallery_item_get_name (item));
      const char *path = rali_gallery_item_get_path (item);
      int w = self->thumbnail_size, h = self->thumbnail_size * 3 / 4;
      GdkTexture *hit = rali_thumbnail_cache_lookup (self->cache, path, w, h);
      if (hit)
        gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (hit));
      else
        {
          self->load = g_cancellable_new ();
          rali_thumbnail_cache_load_async (self->cache, path, w, h, self->load,
                                           on_thumbnail, g_object_ref (self));
        }
    }
  else
    gtk_label_set_text (self->name_label, "");
  update_state (self);
  update_decision (self);
  update_burst (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

RaliGalleryItem *
rali_tile_get_item (RaliTile *self)
{
  return self->item;
}

/* the folder's scores changed: a rank may have too */
static void
on_stats_changed (RaliScoreStats *stats, RaliTile *self)
{
  (void) stats;
  if (self->show_rank && self->item)
    update_state (self);
}

void
rali_tile_set_stats (RaliTile *self, RaliScoreStats *stats)
{
  g_return_if_fail (RALI_IS_TILE (self));
  if (self->stats == stats)
    return;
  if (self->stats)
    g_signal_handlers_disconnect_by_data (self->stats, self);
  g_set_object (&self->stats, stats);
  if (stats)
    g_signal_connect (stats, "changed", G_CALLBACK (on_stats_changed), self);
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATS]);
}

void
rali_tile_set_show_rank (RaliTile *self, gboolean show_rank)
{
  g_return_if_fail (RALI_IS_TILE (self));
  show_rank = !!show_rank;
  if (self->show_rank == show_rank)
    return;
  self->show_rank = show_rank;
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_RANK]);
}

char *
rali_tile_dup_badge_text (RaliTile *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->badge)))
    return g_strdup ("");
  if (!gtk_widget_get_visible (GTK_WIDGET (self->rank_badge)))
    return g_strdup (gtk_label_get_text (self->badge));
  return g_strdup_printf ("%s · %s", gtk_label_get_text (self->badge), gtk_label_get_text (self->rank_badge));
}

char *
rali_tile_dup_overlays (RaliTile *self)
{
  GtkWidget *shown[] = { self->error_box, GTK_WIDGET (self->burst_badge), self->decision_box };
  static const char *const names[] = { "error", "burst", "decision" };
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    if (shown[i] && gtk_widget_get_visible (shown[i]))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", names[i]);
  return g_string_free (s, FALSE);
}

static void
rali_tile_dispose (GObject *object)
{
  RaliTile *self = RALI_TILE (object);
  rali_tile_set_item (self, NULL);
  rali_tile_set_stats (self, NULL);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_TILE);
  /* 4.8's dispose_template leaves unbound template children: unparent them */
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  /* the extras went with the frame */
  self->error_box = self->decision_box = NULL;
  self->error_label = self->burst_badge = self->flag_label = self->stars_label = NULL;
  memset (self->dots, 0, sizeof self->dots);
  G_OBJECT_CLASS (rali_tile_parent_class)->dispose (object);
}

static void
rali_tile_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliTile *self = RALI_TILE (object);
  switch (prop_id)
    {
    case PROP_ITEM: g_value_set_object (value, self->item); break;
    case PROP_CACHE: g_value_set_object (value, self->cache); break;
    case PROP_THUMBNAIL_SIZE: g_value_set_int (value, self->thumbnail_size); break;
    case PROP_STATS: g_value_set_object (value, self->stats); break;
    case PROP_SHOW_RANK: g_value_set_boolean (value, self->show_rank); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_tile_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  RaliTile *self = RALI_TILE (object);
  switch (prop_id)
    {
    case PROP_ITEM: rali_tile_set_item (self, g_value_get_object (value)); break;
    case PROP_CACHE: self->cache = g_value_dup_object (value); break;
    case PROP_THUMBNAIL_SIZE:
      self->thumbnail_size = g_value_get_int (value);
      /* thumbnails fit this box, so every row of the grid has one height */
      gtk_widget_set_size_request (self->frame, self->thumbnail_size, self->thumbnail_size * 3 / 4);
      break;
    case PROP_STATS: rali_tile_set_stats (self, g_value_get_object (value)); break;
    case PROP_SHOW_RANK: rali_tile_set_show_rank (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_tile_class_init (RaliTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_tile_dispose;
  object_class->get_property = rali_tile_get_property;
  object_class->set_property = rali_tile_set_property;

  properties[PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, RALI_TYPE_GALLERY_ITEM,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE] = g_param_spec_object ("cache", NULL, NULL, RALI_TYPE_THUMBNAIL_CACHE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL_SIZE] = g_param_spec_int ("thumbnail-size", NULL, NULL, 32, 1024, 200,
                                                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATS] = g_param_spec_object ("stats", NULL, NULL, RALI_TYPE_SCORE_STATS,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_RANK] = g_param_spec_boolean ("show-rank", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/gallery/rali-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliTile, frame);
  gtk_widget_class_bind_template_child (widget_class, RaliTile, picture);
  gtk_widget_class_bind_template_child (widget_class, RaliTile, badge);
  gtk_widget_class_bind_template_child (widget_class, RaliTile, rank_badge);
  gtk_widget_class_bind_template_child (widget_class, RaliTile, name_label);
  gtk_widget_class_set_css_name (widget_class, "ralitile");
}

/* a tile drags its photo as a file: onto a compare slot, or out of the app */
static GdkContentProvider *
on_drag_prepare (GtkDragSource *source, double x, double y, RaliTile *self)
{
  (void) x;
  (void) y;
  if (!self->item)
    return NULL;
  g_autoptr (GFile) file = g_file_new_for_path (rali_gallery_item_get_path (self->item));
  GdkPaintable *thumb = gtk_picture_get_paintable (self->picture);
  if (thumb)
    gtk_drag_source_set_icon (source, thumb, 0, 0);
  return gdk_content_provider_new_typed (G_TYPE_FILE, file);
}

static void
rali_tile_init (RaliTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  GtkDragSource *drag = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag, GDK_ACTION_COPY);
  g_signal_connect (drag, "prepare", G_CALLBACK (on_drag_prepare), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
}

GtkWidget *
rali_tile_new (RaliThumbnailCache *cache, int thumbnail_size)
{
  return g_object_new (RALI_TYPE_TILE, "cache", cache, "thumbnail-size", thumbnail_size, NULL);
}
