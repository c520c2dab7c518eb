/* RaliDetailView: see rali-detail-view.h.  The thumbnail stands in until the
 * full-size decode (off the main thread) arrives. */
#include "config.h"

#include "rali-detail-view.h"

#include "culling/rali-culling.h"
#include "rali-descriptor-bars.h"
#include "rali-image-view.h"
#include "rali-score-gauge.h"
#include "image/raw.h"

#include <glib/gi18n.h>

struct _RaliDetailView {
  GtkWidget parent_instance;
  RaliImageView *image_view;
  GtkSpinner *spinner;
  GtkLabel *zoom_label;
  GtkLabel *name_label;
  GtkLabel *info_label;
  GtkLabel *decision_label;
  RaliScoreGauge *gauge;
  GtkLabel *scale_label;
  GtkLabel *error_label;
  GtkWidget *descriptors_heading;
  RaliDescriptorBars *bars;
  GtkLabel *provenance_label;
  GtkLabel *model_label;

  RaliThumbnailCache *cache;
  int thumb_w, thumb_h; /* the gallery's thumbnail box */
  RaliGalleryItem *item;
  gulong state_handler;
  gulong decision_handler;
  GCancellable *load;
  gboolean loaded;
  gboolean want_actual;
  int image_w, image_h;
  int top_k;
  double score_min, score_max;
};

enum { PROP_0, PROP_ITEM, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_NAVIGATE, SIGNAL_CLOSE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliDetailView, rali_detail_view, GTK_TYPE_WIDGET)

const char *
rali_provenance_sentence (const char *provenance)
{
  if (g_strcmp0 (provenance, "rl-derived") == 0)
    return _("Descriptors are RL-derived: condensed from the quality reasoning of an "
             "RL-trained multimodal model, as in the RALI paper.");
  if (g_strcmp0 (provenance, "rule-based") == 0)
    return _("Descriptors are rule-based: written for this model from measurable image "
             "properties. They are not RL-derived reasoning.");
  return _("This model ships no descriptor texts: its prototypes are unnamed and shown by "
           "number and score.");
}

static void
update_zoom_label (RaliDetailView *self)
{
  if (rali_image_view_get_fit (self->image_view) && !rali_image_view_get_texture (self->image_view))
    {
      gtk_label_set_text (self->zoom_label, "");
      return;
    }
  /* zoom relative to the full-size image even while the thumbnail shows */
  double z = rali_image_view_get_zoom (self->image_view);
  GdkTexture *t = rali_image_view_get_texture (self->image_view);
  if (t && self->image_w > 0 && !self->loaded)
    z *= (double) gdk_texture_get_width (t) / self->image_w;
  char text[16];
  g_snprintf (text, sizeof text, "%.0f%%", z * 100);
  gtk_label_set_text (self->zoom_label, text);
}

static void
on_zoom (GObject *object, GParamSpec *pspec, RaliDetailView *self)
{
  (void) object;
  (void) pspec;
  update_zoom_label (self);
}

static void
update_info (RaliDetailView *self)
{
  RaliGalleryItem *item = self->item;
  g_autoptr (GString) info = g_string_new (NULL);
  if (self->loaded && item && rali_is_raw_name (rali_gallery_item_get_path (item)))
    /* what the model saw too: raw files are decoded through their preview */
    g_string_append_printf (info, _("Camera raw: shown and scored from the camera's embedded JPEG preview, "
                                    "%d × %d"), self->image_w, self->image_h);
  else if (self->loaded)
    g_string_append_printf (info, _("%d × %d pixels"), self->image_w, self->image_h);
  gint64 t = item ? rali_gallery_item_get_capture_time (item) : 0;
  if (t > 0)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (t);
      g_autofree char *when = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : NULL;
      if (when)
        g_string_append_printf (info, "%s%s", info->len ? " · " : "", when);
    }
  gtk_label_set_text (self->info_label, info->str);
}

static void
update_decision (RaliDetailView *self)
{
  RaliDecision none = { 0 };
  const RaliDecision *d = self->item ? rali_gallery_item_get_decision (self->item) : &none;
  g_autofree char *text = rali_decision_describe (d);
  gtk_label_set_text (self->decision_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->decision_label), *text != '\0');
}

static void
on_decision (GObject *item, GParamSpec *pspec, RaliDetailView *self)
{
  (void) item;
  (void) pspec;
  update_decision (self);
}

static void
update_result (RaliDetailView *self)
{
  RaliGalleryItem *item = self->item;
  RaliItemState state = item ? rali_gallery_item_get_state (item) : RALI_ITEM_PENDING;
  gtk_label_set_text (self->name_label, item ? rali_gallery_item_get_name (item) : "");
  g_autofree char *shown_path = item ? g_filename_display_name (rali_gallery_item_get_path (item)) : NULL;
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), shown_path);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), state == RALI_ITEM_FAILED);
  gtk_widget_set_visible (self->descriptors_heading, state == RALI_ITEM_SCORED);
  gtk_widget_set_visible (GTK_WIDGET (self->bars), state == RALI_ITEM_SCORED);
  if (state == RALI_ITEM_SCORED)
    {
      rali_score_gauge_set_score (self->gauge, rali_gallery_item_get_score (item),
                                  rali_gallery_item_get_score_fraction (item));
      g_autofree char *scale = g_strdup_printf (_("Quality score on a %.2f – %.2f scale"),
                                                self->score_min, self->score_max);
      gtk_label_set_text (self->scale_label, scale);
      rali_descriptor_bars_set (self->bars, rali_gallery_item_get_descriptors (item), self->top_k,
                                self->score_min, self->score_max);
    }
  else
    {
      rali_score_gauge_clear (self->gauge);
      gtk_label_set_text (self->scale_label, state == RALI_ITEM_FAILED ? _("Could not be scored")
                                                                       : _("Not scored yet"));
      rali_descriptor_bars_set (self->bars, NULL, self->top_k, self->score_min, self->score_max);
    }
  if (state == RALI_ITEM_FAILED)
    gtk_label_set_text (self->error_label, rali_gallery_item_get_error (item));
  update_info (self);
  update_decision (self);
}

static void
on_state (GObject *item, GParamSpec *pspec, RaliDetailView *self)
{
  (void) item;
  (void) pspec;
  update_result (self);
}

static void
on_full_image (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (RaliDetailView) self = user_data;
  (void) source;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_image_texture_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (!tex)
    return; /* the item's own error says why; keep whatever is shown */
  gboolean was_fit = rali_image_view_get_fit (self->image_view);
  double thumb_zoom = rali_image_view_get_zoom (self->image_view);
  GdkTexture *thumb = rali_image_view_get_texture (self->image_view);
  self->loaded = TRUE;
  self->image_w = gdk_texture_get_width (tex);
  self->image_h = gdk_texture_get_height (tex);
  double rel = thumb ? (double) gdk_texture_get_width (thumb) / self->image_w : 1;
  rali_image_view_set_texture (self->image_view, tex);
  if (self->want_actual)
    rali_image_view_zoom_actual (self->image_view);
  else if (!was_fit) /* the user zoomed the stand-in: keep the same view */
    rali_image_view_set_zoom (self->image_view, thumb_zoom * rel);
  self->want_actual = FALSE;
  update_zoom_label (self);
  update_info (self);
}

void
rali_detail_view_set_item (RaliDetailView *self, RaliGalleryItem *item)
{
  g_return_if_fail (RALI_IS_DETAIL_VIEW (self));
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
    }
  g_set_object (&self->item, item);
  self->loaded = FALSE;
  self->want_actual = FALSE;
  self->image_w = self->image_h = 0;
  rali_image_view_set_texture (self->image_view, NULL);
  if (item)
    {
      self->state_handler = g_signal_connect (item, "notify::state", G_CALLBACK (on_state), self);
      self->decision_handler = g_signal_connect (item, "notify::decision", G_CALLBACK (on_decision), self);
      const char *path = rali_gallery_item_get_path (item);
      /* any cached thumbnail of this file stands in meanwhile */
      GdkTexture *thumb = self->cache ? rali_thumbnail_cache_lookup (self->cache, path, self->thumb_w, self->thumb_h)
                                      : NULL;
      rali_image_view_set_texture (self->image_view, thumb);
      self->load = g_cancellable_new ();
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
      gtk_spinner_start (self->spinner);
      rali_image_texture_load_async (path, self->load, on_full_image, g_object_ref (self));
    }
  update_result (self);
  update_zoom_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

RaliGalleryItem *
rali_detail_view_get_item (RaliDetailView *self)
{
  return self->item;
}

void
rali_detail_view_set_cache (RaliDetailView *self, RaliThumbnailCache *cache, int width, int height)
{
  g_set_object (&self->cache, cache);
  self->thumb_w = width;
  self->thumb_h = height;
}

void
rali_detail_view_set_top_k (RaliDetailView *self, int top_k)
{
  self->top_k = MAX (top_k, 1);
  update_result (self);
}

void
rali_detail_view_set_model_info (RaliDetailView *self, const char *name, const char *provenance,
                                 const char *backend, double score_min, double score_max)
{
  self->score_min = score_min;
  self->score_max = score_max;
  gtk_label_set_text (self->provenance_label, rali_provenance_sentence (provenance));
  g_autofree char *model = name ? g_strdup_printf (_("Model: %s, on the %s backend"), name,
                                                   backend ? backend : "?")
                                : g_strdup (_("No model loaded"));
  gtk_label_set_text (self->model_label, model);
  update_result (self);
}

gboolean
rali_detail_view_is_loaded (RaliDetailView *self)
{
  return self->loaded;
}

gboolean
rali_detail_view_is_laid_out (RaliDetailView *self)
{
  return rali_image_view_is_allocated (self->image_view);
}

double
rali_detail_view_get_zoom (RaliDetailView *self)
{
  double z = rali_image_view_get_zoom (self->image_view);
  GdkTexture *t = rali_image_view_get_texture (self->image_view);
  if (t && self->image_w > 0 && !self->loaded)
    z *= (double) gdk_texture_get_width (t) / self->image_w;
  return z;
}

static void
action_zoom (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliDetailView *self = RALI_DETAIL_VIEW (widget);
  (void) param;
  if (g_str_equal (name, "detail.zoom-in"))
    rali_image_view_zoom_in (self->image_view);
  else if (g_str_equal (name, "detail.zoom-out"))
    rali_image_view_zoom_out (self->image_view);
  else if (g_str_equal (name, "detail.zoom-fit"))
    rali_image_view_zoom_fit (self->image_view);
  else if (self->loaded || !rali_image_view_get_texture (self->image_view))
    rali_image_view_zoom_actual (self->image_view);
  else
    self->want_actual = TRUE; /* 100% means image pixels: wait for them */
}

static void
action_navigate (GtkWidget *widget, const char *name, GVariant *param)
{
  (void) param;
  int delta = g_str_equal (name, "detail.next") ? 1 : -1;
  g_signal_emit (widget, signals[SIGNAL_NAVIGATE], 0, delta);
}

static void
action_close (GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  g_signal_emit (widget, signals[SIGNAL_CLOSE], 0);
}

static void
rali_detail_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (rali_detail_view_parent_class)->map (widget);
  gtk_widget_grab_focus (GTK_WIDGET (RALI_DETAIL_VIEW (widget)->image_view));
}

static void
rali_detail_view_dispose (GObject *object)
{
  RaliDetailView *self = RALI_DETAIL_VIEW (object);
  rali_detail_view_set_item (self, NULL);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_DETAIL_VIEW);
  /* 4.8's dispose_template leaves unbound template children: unparent them */
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (rali_detail_view_parent_class)->dispose (object);
}

static void
rali_detail_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliDetailView *self = RALI_DETAIL_VIEW (object);
  switch (prop_id)
    {
    case PROP_ITEM: g_value_set_object (value, self->item); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_detail_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  RaliDetailView *self = RALI_DETAIL_VIEW (object);
  switch (prop_id)
    {
    case PROP_ITEM: rali_detail_view_set_item (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_detail_view_class_init (RaliDetailViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_detail_view_dispose;
  object_class->get_property = rali_detail_view_get_property;
  object_class->set_property = rali_detail_view_set_property;
  widget_class->map = rali_detail_view_map;

  properties[PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, RALI_TYPE_GALLERY_ITEM,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_NAVIGATE] = g_signal_new ("navigate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (RALI_TYPE_IMAGE_VIEW);
  g_type_ensure (RALI_TYPE_SCORE_GAUGE);
  g_type_ensure (RALI_TYPE_DESCRIPTOR_BARS);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/detail/rali-detail-view.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, image_view);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, spinner);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, name_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, info_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, decision_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, gauge);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, scale_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, error_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, descriptors_heading);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, bars);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, provenance_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, model_label);

  gtk_widget_class_install_action (widget_class, "detail.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-fit", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-actual", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.next", NULL, action_navigate);
  gtk_widget_class_install_action (widget_class, "detail.previous", NULL, action_navigate);
  gtk_widget_class_install_action (widget_class, "detail.close", NULL, action_close);

  /* 0–9 are culling keys (app/culling/rali-culling.c): fit and 100% take Ctrl */
  const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
    { GDK_KEY_plus, 0, "detail.zoom-in" },     { GDK_KEY_KP_Add, 0, "detail.zoom-in" },
    { GDK_KEY_equal, 0, "detail.zoom-in" },    { GDK_KEY_minus, 0, "detail.zoom-out" },
    { GDK_KEY_KP_Subtract, 0, "detail.zoom-out" }, { GDK_KEY_0, GDK_CONTROL_MASK, "detail.zoom-fit" },
    { GDK_KEY_KP_0, GDK_CONTROL_MASK, "detail.zoom-fit" }, { GDK_KEY_1, GDK_CONTROL_MASK, "detail.zoom-actual" },
    { GDK_KEY_KP_1, GDK_CONTROL_MASK, "detail.zoom-actual" }, { GDK_KEY_Right, 0, "detail.next" },
    { GDK_KEY_Left, 0, "detail.previous" },    { GDK_KEY_Escape, 0, "detail.close" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key, keys[i].mods, keys[i].action, NULL);
  gtk_widget_class_set_css_name (widget_class, "ralidetailview");
}

static void
rali_detail_view_init (RaliDetailView *self)
{
  self->top_k = 5;
  self->score_max = 1;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->image_view, "notify::zoom", G_CALLBACK (on_zoom), self);
  rali_detail_view_set_model_info (self, NULL, "none", NULL, 0, 1);
}
