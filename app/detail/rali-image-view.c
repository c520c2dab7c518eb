/* RaliImageView: see rali-image-view.h. */
#include "rali-image-view.h"

#include "rali-tiled-image.h"

#include <math.h>

#define ZOOM_STEP 1.25
#define ZOOM_MIN 0.02
#define ZOOM_MAX 16.0
/* a texture small enough to draw whole while its tiles are made (GTK's
 * Cairo renderer converts all of it per frame: ~5 ms for 2 MP) */
#define WHOLE_MAX_PIXELS (2 * 1024 * 1024)

struct _RaliImageView {
  GtkWidget parent_instance;
  GdkTexture *texture;
  gboolean fit;
  double zoom;      /* when !fit */
  double dx, dy;    /* pan: offset of the image centre from the widget centre */
  double last_fit;  /* the fit scale last notified */
  double drag_x0, drag_y0;
  /* what a frame draws (rali-tiled-image.h): the texture as tiles, and a
   * copy shrunk to the device pixels it covers; made off the main thread */
  RaliTiledImage *tiles, *shrunk;
  RaliTiledImage *placeholder; /* the last texture's, stretched until tiles come */
  GCancellable *prepare_work; /* a preparation in flight */
  guint prepare_id;           /* one about to start */
  int want_w, want_h;         /* the copy the frames want; 0: tiles only */
  gboolean prepare_failed;    /* no tiles for this texture: draw it whole */
  gboolean shrink_failed;     /* no copy for this texture: draw the tiles shrunk */
  gboolean asked_copy;        /* the preparation in flight makes a copy */
  const char *drawn;          /* what the last frame drew, for tests */
};

enum { PROP_0, PROP_TEXTURE, PROP_ZOOM, PROP_FIT, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_VIEW_CHANGED, SIGNAL_LAID_OUT, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliImageView, rali_image_view, GTK_TYPE_WIDGET)

static double
fit_scale (RaliImageView *self)
{
  if (!self->texture)
    return 1;
  double W = gtk_widget_get_width (GTK_WIDGET (self)), H = gtk_widget_get_height (GTK_WIDGET (self));
  double tw = gdk_texture_get_width (self->texture), th = gdk_texture_get_height (self->texture);
  if (W <= 0 || H <= 0)
    return 1;
  /* never above 100 %: a small photo blown up to the window would show
   * the resampling's softness as if it were the photo's */
  return MIN (1.0, MIN (W / tw, H / th));
}

gboolean
rali_image_view_is_allocated (RaliImageView *self)
{
  return gtk_widget_get_width (GTK_WIDGET (self)) > 0 && gtk_widget_get_height (GTK_WIDGET (self)) > 0;
}

double
rali_image_view_get_zoom (RaliImageView *self)
{
  return self->fit ? fit_scale (self) : self->zoom;
}

gboolean
rali_image_view_get_fit (RaliImageView *self)
{
  return self->fit;
}

/* keep the image covering the view where it is larger, centred where not */
static void
clamp_pan (RaliImageView *self)
{
  if (!self->texture || self->fit)
    {
      self->dx = self->dy = 0;
      return;
    }
  double s = self->zoom;
  double W = gtk_widget_get_width (GTK_WIDGET (self)), H = gtk_widget_get_height (GTK_WIDGET (self));
  double iw = gdk_texture_get_width (self->texture) * s, ih = gdk_texture_get_height (self->texture) * s;
  double mx = MAX (0, (iw - W) / 2), my = MAX (0, (ih - H) / 2);
  self->dx = CLAMP (self->dx, -mx, mx);
  self->dy = CLAMP (self->dy, -my, my);
}

static void
notify_zoom (RaliImageView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

void
rali_image_view_get_view (RaliImageView *self, gboolean *fit, double *rel_zoom, double *fx, double *fy)
{
  double f = fit_scale (self), z = rali_image_view_get_zoom (self);
  *fit = self->fit;
  *rel_zoom = f > 0 ? z / f : 1;
  double iw = self->texture ? gdk_texture_get_width (self->texture) * z : 0;
  double ih = self->texture ? gdk_texture_get_height (self->texture) * z : 0;
  *fx = iw > 0 ? self->dx / iw : 0;
  *fy = ih > 0 ? self->dy / ih : 0;
}

void
rali_image_view_set_view (RaliImageView *self, gboolean fit, double rel_zoom, double fx, double fy)
{
  if (fit || !self->texture)
    {
      if (!self->fit)
        rali_image_view_zoom_fit (self);
      return;
    }
  double z = CLAMP (rel_zoom * fit_scale (self), ZOOM_MIN, ZOOM_MAX);
  self->fit = FALSE;
  self->zoom = z;
  self->dx = fx * gdk_texture_get_width (self->texture) * z;
  self->dy = fy * gdk_texture_get_height (self->texture) * z;
  clamp_pan (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_image_view_set_zoom (RaliImageView *self, double zoom)
{
  double old = rali_image_view_get_zoom (self);
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  /* zoom around the view centre: the centre's image point stays put */
  self->dx *= zoom / old;
  self->dy *= zoom / old;
  self->fit = FALSE;
  self->zoom = zoom;
  clamp_pan (self);
  notify_zoom (self);
}

void
rali_image_view_zoom_in (RaliImageView *self)
{
  rali_image_view_set_zoom (self, rali_image_view_get_zoom (self) * ZOOM_STEP);
}

void
rali_image_view_zoom_out (RaliImageView *self)
{
  rali_image_view_set_zoom (self, rali_image_view_get_zoom (self) / ZOOM_STEP);
}

void
rali_image_view_zoom_actual (RaliImageView *self)
{
  rali_image_view_set_zoom (self, 1.0);
}

void
rali_image_view_zoom_fit (RaliImageView *self)
{
  self->fit = TRUE;
  self->dx = self->dy = 0;
  notify_zoom (self);
}

gboolean
rali_image_view_get_image_rect (RaliImageView *self, graphene_rect_t *rect)
{
  if (!self->texture)
    return FALSE;
  GtkWidget *widget = GTK_WIDGET (self);
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  double s = rali_image_view_get_zoom (self);
  double iw = gdk_texture_get_width (self->texture) * s, ih = gdk_texture_get_height (self->texture) * s;
  /* whole pixels at 100% keep the image sharp */
  double x = floor ((W - iw) / 2 + self->dx), y = floor ((H - ih) / 2 + self->dy);
  graphene_rect_init (rect, (float) x, (float) y, (float) iw, (float) ih);
  return TRUE;
}

static void start_prepare (RaliImageView *self);

static gboolean
on_prepare_due (gpointer data)
{
  RaliImageView *self = data;
  self->prepare_id = 0;
  start_prepare (self);
  return G_SOURCE_REMOVE;
}

static gboolean
shrunk_is (RaliImageView *self, int width, int height)
{
  return self->shrunk && rali_tiled_image_get_width (self->shrunk) == width
         && rali_tiled_image_get_height (self->shrunk) == height;
}

/* the frames want the tiles, and a copy of width x height device pixels
 * when width > 0: ask for what is missing.  The first copy of a texture
 * starts at once; a new size (a resize, a zoom step) once it has held for
 * a moment, so that a drag does not start a copy per frame; and one
 * preparation at a time: the next starts when it is done. */
static void
want_pixels (RaliImageView *self, int width, int height)
{
  if (self->prepare_failed || (self->shrink_failed && width > 0 && self->tiles))
    return;
  if (self->tiles && (width == 0 || shrunk_is (self, width, height)))
    return;
  gboolean changed = width != self->want_w || height != self->want_h;
  self->want_w = width;
  self->want_h = height;
  if (self->prepare_work || (self->prepare_id && !changed))
    return;
  g_clear_handle_id (&self->prepare_id, g_source_remove);
  self->prepare_id = g_timeout_add (self->shrunk ? 80 : 0, on_prepare_due, self);
}

static void
on_prepared (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliImageView) self = data;
  (void) source;
  g_autoptr (GError) error = NULL;
  RaliTiledImage *scaled = NULL;
  RaliTiledImage *full = rali_tiled_image_prepare_finish (result, &scaled, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* a new texture, or the view is gone */
  g_clear_object (&self->prepare_work);
  if (!full)
    {
      g_message ("drawing the image whole: %s", error->message);
      self->prepare_failed = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  g_clear_pointer (&self->placeholder, rali_tiled_image_unref);
  if (!self->tiles)
    self->tiles = full;
  else
    rali_tiled_image_unref (full);
  if (scaled)
    {
      g_clear_pointer (&self->shrunk, rali_tiled_image_unref);
      self->shrunk = scaled;
    }
  else if (self->asked_copy)
    self->shrink_failed = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self)); /* which asks again if the size moved on meanwhile */
}

static void
start_prepare (RaliImageView *self)
{
  if (!self->texture || self->prepare_work)
    return;
  self->prepare_work = g_cancellable_new ();
  int w = self->shrink_failed ? 0 : self->want_w, h = self->shrink_failed ? 0 : self->want_h;
  self->asked_copy = w > 0;
  rali_tiled_image_prepare_async (self->texture, self->tiles, w, h, self->prepare_work, on_prepared,
                                  g_object_ref (self));
}

/* a texture drawn whole, for the frames before its tiles: shrunk with a
 * bilinear filter, not the convolution GTK's Cairo renderer gives a
 * texture node (~20 ms for a 1-megapixel photo fitted to the window) */
static void
snapshot_whole (GtkSnapshot *snapshot, GdkTexture *texture, const graphene_rect_t *r)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      gtk_snapshot_append_texture (snapshot, texture, r);
      return;
    }
  gdk_texture_download (texture, cairo_image_surface_get_data (s), cairo_image_surface_get_stride (s));
  cairo_surface_mark_dirty (s);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, r);
  cairo_translate (cr, r->origin.x, r->origin.y);
  cairo_scale (cr, r->size.width / w, r->size.height / h);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

static void
rali_image_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliImageView *self = RALI_IMAGE_VIEW (widget);
  graphene_rect_t r;
  if (!rali_image_view_get_image_rect (self, &r))
    return;
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, W, H);
  int sf = gtk_widget_get_scale_factor (widget);
  /* the device pixels the image covers, when fewer than its own */
  int dw = (int) lround (r.size.width * sf), dh = (int) lround (r.size.height * sf);
  gboolean shrinking = dw < gdk_texture_get_width (self->texture) && dh < gdk_texture_get_height (self->texture);
  want_pixels (self, shrinking ? dw : 0, shrinking ? dh : 0);
  gtk_snapshot_push_clip (snapshot, &view);
  if (shrinking && shrunk_is (self, dw, dh))
    {
      /* one pixel per device pixel: whole pixels wide and high */
      graphene_rect_t exact = GRAPHENE_RECT_INIT (r.origin.x, r.origin.y, (float) dw / sf, (float) dh / sf);
      rali_tiled_image_snapshot (self->shrunk, snapshot, &exact, &view);
      self->drawn = "copy";
    }
  else if (shrinking && self->shrunk)
    {
      /* the copy of a moment ago, stretched, until the new one is made */
      rali_tiled_image_snapshot (self->shrunk, snapshot, &r, &view);
      self->drawn = "stale copy";
    }
  else if (self->tiles)
    {
      rali_tiled_image_snapshot (self->tiles, snapshot, &r, &view);
      self->drawn = "tiles";
    }
  else if (self->placeholder)
    {
      rali_tiled_image_snapshot (self->placeholder, snapshot, &r, &view);
      self->drawn = "placeholder";
    }
  else if (self->prepare_failed || (gint64) gdk_texture_get_width (self->texture) * gdk_texture_get_height (self->texture)
                                       <= WHOLE_MAX_PIXELS)
    {
      snapshot_whole (snapshot, self->texture, &r);
      self->drawn = "texture";
    }
  else
    self->drawn = "nothing yet"; /* the tiles are a moment away */
  gtk_snapshot_pop (snapshot);
}

static void
rali_image_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  RaliImageView *self = RALI_IMAGE_VIEW (widget);
  (void) width;
  (void) height;
  (void) baseline;
  clamp_pan (self);
  g_signal_emit (self, signals[SIGNAL_LAID_OUT], 0);
  /* fitted, the scale follows the size */
  if (self->fit && self->texture && fit_scale (self) != self->last_fit)
    {
      self->last_fit = fit_scale (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, RaliImageView *self)
{
  (void) gesture;
  (void) x;
  (void) y;
  self->drag_x0 = self->dx;
  self->drag_y0 = self->dy;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy, RaliImageView *self)
{
  (void) gesture;
  self->dx = self->drag_x0 + ox;
  self->dy = self->drag_y0 + oy;
  clamp_pan (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

static void
on_drag_end (GtkGestureDrag *gesture, double ox, double oy, RaliImageView *self)
{
  (void) gesture;
  (void) ox;
  (void) oy;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), NULL);
}

/* Ctrl+scroll zooms, plain scroll pans */
static gboolean
on_scroll (GtkEventControllerScroll *controller, double sx, double sy, RaliImageView *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (mods & GDK_CONTROL_MASK)
    {
      if (sy < 0)
        rali_image_view_zoom_in (self);
      else if (sy > 0)
        rali_image_view_zoom_out (self);
      return TRUE;
    }
  if (self->fit)
    return FALSE;
  self->dx -= sx * 40;
  self->dy -= sy * 40;
  clamp_pan (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
  return TRUE;
}

/* a new texture (or none): what was prepared for the old one goes */
static void
forget_pixels (RaliImageView *self)
{
  if (self->prepare_work)
    g_cancellable_cancel (self->prepare_work);
  g_clear_object (&self->prepare_work);
  g_clear_handle_id (&self->prepare_id, g_source_remove);
  g_clear_pointer (&self->tiles, rali_tiled_image_unref);
  g_clear_pointer (&self->shrunk, rali_tiled_image_unref);
  g_clear_pointer (&self->placeholder, rali_tiled_image_unref);
  self->want_w = self->want_h = 0;
  self->prepare_failed = self->shrink_failed = FALSE;
  self->drawn = NULL;
}

static void
rali_image_view_dispose (GObject *object)
{
  RaliImageView *self = RALI_IMAGE_VIEW (object);
  forget_pixels (self);
  g_clear_object (&self->texture);
  G_OBJECT_CLASS (rali_image_view_parent_class)->dispose (object);
}

static void
rali_image_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliImageView *self = RALI_IMAGE_VIEW (object);
  switch (prop_id)
    {
    case PROP_TEXTURE: g_value_set_object (value, self->texture); break;
    case PROP_ZOOM: g_value_set_double (value, rali_image_view_get_zoom (self)); break;
    case PROP_FIT: g_value_set_boolean (value, self->fit); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_image_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  RaliImageView *self = RALI_IMAGE_VIEW (object);
  switch (prop_id)
    {
    case PROP_TEXTURE: rali_image_view_set_texture (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_image_view_class_init (RaliImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_image_view_dispose;
  object_class->get_property = rali_image_view_get_property;
  object_class->set_property = rali_image_view_set_property;
  widget_class->snapshot = rali_image_view_snapshot;
  widget_class->size_allocate = rali_image_view_size_allocate;

  properties[PROP_TEXTURE] = g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 0, G_MAXDOUBLE, 1,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] = g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* the user zoomed or panned (not emitted by set_view): compare view sync */
  signals[SIGNAL_VIEW_CHANGED] = g_signal_new ("view-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* a new size (the image may have moved): overlays drawn over it follow */
  signals[SIGNAL_LAID_OUT] = g_signal_new ("laid-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name (widget_class, "raliimageview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_image_view_init (RaliImageView *self)
{
  self->fit = TRUE;
  self->zoom = 1;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
}

GtkWidget *
rali_image_view_new (void)
{
  return g_object_new (RALI_TYPE_IMAGE_VIEW, NULL);
}

static void
replace_texture (RaliImageView *self, GdkTexture *texture, RaliTiledImage *stand_in)
{
  stand_in = stand_in ? rali_tiled_image_ref (stand_in) : NULL;
  g_set_object (&self->texture, texture);
  forget_pixels (self);
  self->placeholder = stand_in;
  self->fit = TRUE;
  self->dx = self->dy = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
  notify_zoom (self);
}

void
rali_image_view_set_texture (RaliImageView *self, GdkTexture *texture)
{
  g_return_if_fail (RALI_IS_IMAGE_VIEW (self));
  if (texture != self->texture)
    replace_texture (self, texture, NULL);
}

void
rali_image_view_upgrade_texture (RaliImageView *self, GdkTexture *texture)
{
  g_return_if_fail (RALI_IS_IMAGE_VIEW (self) && GDK_IS_TEXTURE (texture));
  if (texture == self->texture)
    return;
  RaliTiledImage *stand_in = self->shrunk ? self->shrunk : self->tiles ? self->tiles : self->placeholder;
  gboolean same_shape = stand_in && self->texture
                        && fabs ((double) gdk_texture_get_width (texture) / gdk_texture_get_height (texture)
                                 - (double) gdk_texture_get_width (self->texture) / gdk_texture_get_height (self->texture))
                             < 0.01;
  replace_texture (self, texture, same_shape ? stand_in : NULL);
}

GdkTexture *
rali_image_view_get_texture (RaliImageView *self)
{
  return self->texture;
}

const char *
rali_image_view_get_drawn (RaliImageView *self)
{
  return self->drawn;
}
