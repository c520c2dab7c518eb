/* RaliDetailView: see rali-detail-view.h.  The thumbnail stands in until the
 * full-size decode (off the main thread) arrives.  The work behind "why" and
 * "where" is in rali-detail-view-where.c. */
#include "config.h"

#include "rali-detail-view-private.h"

#include "culling/rali-culling.h"
#include "rali-application.h"
#include "rali-image-view.h"
#include "rali-luma-histogram.h"
#include "rali-peaking-overlay.h"
#include "rali-photo-analysis.h"
#include "rali-quality-overlay.h"
#include "rali-score-gauge.h"
#include "rali-why-panel.h"
#include "image/raw.h"
#include "map/rali-neighbour-list.h"

#include <glib/gi18n.h>

enum { PROP_0, PROP_ITEM, PROP_SHOW_QUALITY_MAP, PROP_SHOW_FOCUS_PEAKING, PROP_SHOW_SIMILAR, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_NAVIGATE, SIGNAL_CLOSE, SIGNAL_OPEN_PHOTO, N_SIGNALS };
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
set_show_quality_map (RaliDetailView *self, gboolean show)
{
  if (self->show_map == !!show)
    return;
  self->show_map = !!show;
  gtk_widget_set_visible (GTK_WIDGET (self->quality_overlay), self->show_map);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->image_view), self->show_map);
  if (self->show_map && self->item && !self->tiles_work && !rali_quality_overlay_get_tiles (self->quality_overlay))
    _rali_detail_view_start_tiles (self);
  _rali_detail_view_update_legend (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_QUALITY_MAP]);
}

static void
set_show_focus_peaking (RaliDetailView *self, gboolean show)
{
  if (self->show_peaking == !!show)
    return;
  self->show_peaking = !!show;
  gtk_widget_set_visible (GTK_WIDGET (self->peaking_overlay), self->show_peaking);
  if (self->show_peaking && !self->analysis_has_peaking)
    _rali_detail_view_start_analysis (self);
  _rali_detail_view_update_legend (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_FOCUS_PEAKING]);
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
  gtk_widget_set_visible (GTK_WIDGET (self->why_panel), state == RALI_ITEM_SCORED);
  if (state == RALI_ITEM_SCORED)
    {
      rali_score_gauge_set_score (self->gauge, rali_gallery_item_get_score (item),
                                  rali_gallery_item_get_score_fraction (item));
      g_autofree char *scale = g_strdup_printf (_("Quality score on a %.2f – %.2f scale"),
                                                self->score_min, self->score_max);
      gtk_label_set_text (self->scale_label, scale);
      rali_why_panel_set_evidence (self->why_panel, rali_gallery_item_get_descriptors (item), self->top_k,
                                   self->score_min, self->score_max);
    }
  else
    {
      rali_score_gauge_clear (self->gauge);
      gtk_label_set_text (self->scale_label, state == RALI_ITEM_FAILED ? _("Could not be scored")
                                                                       : _("Not scored yet"));
      rali_why_panel_set_evidence (self->why_panel, NULL, self->top_k, self->score_min, self->score_max);
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
  /* scored now (or again): why, and the map's reference */
  rali_why_panel_refresh (self->why_panel);
  rali_quality_overlay_set_photo_score (self->quality_overlay, _rali_detail_view_photo_score (self));
  _rali_detail_view_update_legend (self);
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
  rali_image_view_upgrade_texture (self->image_view, tex);
  if (self->want_actual)
    rali_image_view_zoom_actual (self->image_view);
  else if (!was_fit) /* the user zoomed the stand-in: keep the same view */
    rali_image_view_set_zoom (self->image_view, thumb_zoom * rel);
  self->want_actual = FALSE;
  update_zoom_label (self);
  update_info (self);
  _rali_detail_view_start_analysis (self);
}

/* ---- similar photos (N): the map's neighbour list beside the panel ---- */

static void
update_similar (RaliDetailView *self)
{
  gboolean on = self->show_similar && self->item;
  gtk_widget_set_visible (GTK_WIDGET (self->similar_list), on);
  gtk_widget_set_visible (self->similar_separator, on);
  rali_neighbour_list_show (self->similar_list, on ? self->item : NULL);
}

static void
set_show_similar (RaliDetailView *self, gboolean on)
{
  if (self->show_similar == on)
    return;
  self->show_similar = on;
  update_similar (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_SIMILAR]);
}

static void
on_similar_activated (RaliNeighbourList *list, RaliGalleryItem *item, RaliDetailView *self)
{
  (void) list;
  g_signal_emit (self, signals[SIGNAL_OPEN_PHOTO], 0, item);
}

static void
on_similar_close (RaliNeighbourList *list, RaliDetailView *self)
{
  (void) list;
  set_show_similar (self, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->image_view));
}

void
rali_detail_view_set_similar_photos (RaliDetailView *self, RaliSimilarPhotos *similar, RaliThumbnailCache *cache)
{
  rali_neighbour_list_set_source (self->similar_list, similar, cache);
  update_similar (self);
}

RaliNeighbourList *
rali_detail_view_get_similar_list (RaliDetailView *self)
{
  return self->similar_list;
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
  _rali_detail_view_clear_work (self);
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
  if (item)
    {
      rali_why_panel_set_item (self->why_panel, item);
      if (self->show_map)
        _rali_detail_view_start_tiles (self);
    }
  _rali_detail_view_update_legend (self);
  update_similar (self);
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
  /* another model, perhaps: why and where again */
  if (self->item)
    {
      rali_why_panel_refresh (self->why_panel);
      if (self->show_map)
        _rali_detail_view_start_tiles (self);
    }
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

/* ---- for tests ---- */

RaliWhyPanel *
rali_detail_view_get_why_panel (RaliDetailView *self)
{
  return self->why_panel;
}

RaliImageView *
rali_detail_view_get_image_view (RaliDetailView *self)
{
  return self->image_view;
}

RaliQualityOverlay *
rali_detail_view_get_quality_overlay (RaliDetailView *self)
{
  return self->quality_overlay;
}

RaliPeakingOverlay *
rali_detail_view_get_peaking_overlay (RaliDetailView *self)
{
  return self->peaking_overlay;
}

RaliLumaHistogram *
rali_detail_view_get_histogram (RaliDetailView *self)
{
  return self->histogram;
}






static void
rali_detail_view_dispose (GObject *object)
{
  RaliDetailView *self = RALI_DETAIL_VIEW (object);
  rali_detail_view_set_item (self, NULL);
  _rali_detail_view_clear_work (self);
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
    case PROP_SHOW_QUALITY_MAP: g_value_set_boolean (value, self->show_map); break;
    case PROP_SHOW_FOCUS_PEAKING: g_value_set_boolean (value, self->show_peaking); break;
    case PROP_SHOW_SIMILAR: g_value_set_boolean (value, self->show_similar); break;
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
    case PROP_SHOW_QUALITY_MAP: set_show_quality_map (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_FOCUS_PEAKING: set_show_focus_peaking (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_SIMILAR: set_show_similar (self, g_value_get_boolean (value)); break;
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
  /* the overlays, kept from photo to photo (actions detail.quality-map, detail.focus-peaking) */
  properties[PROP_SHOW_QUALITY_MAP] = g_param_spec_boolean ("show-quality-map", NULL, NULL, FALSE,
                                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                              | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_FOCUS_PEAKING] = g_param_spec_boolean ("show-focus-peaking", NULL, NULL, FALSE,
                                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                                | G_PARAM_STATIC_STRINGS);
  /* the similar photos' list (action detail.similar), kept from photo to photo */
  properties[PROP_SHOW_SIMILAR] = g_param_spec_boolean ("show-similar", NULL, NULL, FALSE,
                                                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                          | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_NAVIGATE] = g_signal_new ("navigate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (item) a similar photo was activated: the window shows it */
  signals[SIGNAL_OPEN_PHOTO] = g_signal_new ("open-photo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, RALI_TYPE_GALLERY_ITEM);

  g_type_ensure (RALI_TYPE_IMAGE_VIEW);
  g_type_ensure (RALI_TYPE_SCORE_GAUGE);
  g_type_ensure (RALI_TYPE_WHY_PANEL);
  g_type_ensure (RALI_TYPE_QUALITY_OVERLAY);
  g_type_ensure (RALI_TYPE_PEAKING_OVERLAY);
  g_type_ensure (RALI_TYPE_LUMA_HISTOGRAM);
  g_type_ensure (RALI_TYPE_NEIGHBOUR_LIST);
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
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, why_panel);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, quality_overlay);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, peaking_overlay);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, overlay_legend);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, histogram);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, histogram_caption);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, provenance_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, model_label);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, similar_list);
  gtk_widget_class_bind_template_child (widget_class, RaliDetailView, similar_separator);

  gtk_widget_class_install_action (widget_class, "detail.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-fit", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.zoom-actual", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "detail.next", NULL, action_navigate);
  gtk_widget_class_install_action (widget_class, "detail.previous", NULL, action_navigate);
  gtk_widget_class_install_action (widget_class, "detail.close", NULL, action_close);
  gtk_widget_class_install_property_action (widget_class, "detail.quality-map", "show-quality-map");
  gtk_widget_class_install_property_action (widget_class, "detail.focus-peaking", "show-focus-peaking");
  gtk_widget_class_install_property_action (widget_class, "detail.similar", "show-similar");

  /* 0–9 are culling keys (app/culling/rali-culling.c): fit and 100% take Ctrl */
  const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
    { GDK_KEY_plus, 0, "detail.zoom-in" },     { GDK_KEY_KP_Add, 0, "detail.zoom-in" },
    { GDK_KEY_equal, 0, "detail.zoom-in" },    { GDK_KEY_minus, 0, "detail.zoom-out" },
    { GDK_KEY_KP_Subtract, 0, "detail.zoom-out" }, { GDK_KEY_0, GDK_CONTROL_MASK, "detail.zoom-fit" },
    { GDK_KEY_KP_0, GDK_CONTROL_MASK, "detail.zoom-fit" }, { GDK_KEY_1, GDK_CONTROL_MASK, "detail.zoom-actual" },
    { GDK_KEY_KP_1, GDK_CONTROL_MASK, "detail.zoom-actual" }, { GDK_KEY_Right, 0, "detail.next" },
    { GDK_KEY_Left, 0, "detail.previous" },    { GDK_KEY_Escape, 0, "detail.close" },
    { GDK_KEY_q, 0, "detail.quality-map" },    { GDK_KEY_f, 0, "detail.focus-peaking" },
    { GDK_KEY_n, 0, "detail.similar" },
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
  g_signal_connect (self->image_view, "query-tooltip", G_CALLBACK (_rali_detail_view_on_query_tooltip), self);
  g_signal_connect (self->similar_list, "activated", G_CALLBACK (on_similar_activated), self);
  g_signal_connect (self->similar_list, "close", G_CALLBACK (on_similar_close), self);
  rali_quality_overlay_set_image_view (self->quality_overlay, self->image_view);
  rali_peaking_overlay_set_image_view (self->peaking_overlay, self->image_view);
  rali_detail_view_set_model_info (self, NULL, "none", NULL, 0, 1);
}
