/* RaliMapCanvas: see rali-map-canvas.h. */
#include "config.h"

#include "rali-map-canvas-private.h"

#include "rali-map-selection.h"

#include <math.h>
#include <string.h>

enum { PROP_0, PROP_COLOR_BY_SCORE, PROP_SIZE_BY_SCORE, PROP_SHOW_PROTOTYPES, PROP_THUMBNAILS, PROP_LASSO, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_HOVER_CHANGED, SIGNAL_POINT_ACTIVATED, SIGNAL_SELECTION_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliMapCanvas, rali_map_canvas, GTK_TYPE_WIDGET)

/* the view changed: the cached texture must be redrawn */
static void
invalidate (RaliMapCanvas *self)
{
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* the points' colours changed too */
static void
restyle (RaliMapCanvas *self)
{
  self->colors_dirty = TRUE;
  invalidate (self);
}

void
rali_map_canvas_foreground (RaliMapCanvas *self, GdkRGBA *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static gboolean
is_dark (RaliMapCanvas *self)
{
  GdkRGBA fg;
  rali_map_canvas_foreground (self, &fg);
  return 0.3 * fg.red + 0.59 * fg.green + 0.11 * fg.blue > 0.5; /* light text: dark background */
}

void
rali_map_canvas_get_style (RaliMapCanvas *self, RaliMapStyle *s)
{
  s->color_mode = self->color_by_score ? RALI_MAP_COLOR_SCORE : RALI_MAP_COLOR_CLUSTER;
  s->size_by_score = self->size_by_score;
  s->show_prototypes = self->show_prototypes;
  s->selected = self->selected;
  s->dark = is_dark (self);
}

/* ---- the cache ---- */

static void
device_transform (RaliMapCanvas *self, int sf, RaliMapTransform *t)
{
  *t = self->view;
  t->cx *= sf;
  t->cy *= sf;
  t->scale *= sf;
}

static void
render_cache (RaliMapCanvas *self, int W, int H, int sf)
{
  gint64 t0 = g_get_monotonic_time ();
  int w = W * sf, h = H * sf;
  if (!self->surface || cairo_image_surface_get_width (self->surface) != w
      || cairo_image_surface_get_height (self->surface) != h)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
    }
  RaliMapStyle style;
  rali_map_canvas_get_style (self, &style);
  RaliMapTransform t;
  device_transform (self, sf, &t);
  const RaliMapData *d = self->data;

  cairo_t *cr = cairo_create (self->surface);
  cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  /* the PCA axes through the mean embedding */
  GdkRGBA fg;
  rali_map_canvas_foreground (self, &fg);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.12);
  cairo_set_line_width (cr, sf);
  cairo_move_to (cr, round (rali_map_tx (&t, 0)) + 0.5 * sf, 0);
  cairo_rel_line_to (cr, 0, h);
  cairo_move_to (cr, 0, round (rali_map_ty (&t, 0)) + 0.5 * sf);
  cairo_rel_line_to (cr, w, 0);
  cairo_stroke (cr);
  cairo_surface_flush (self->surface);

  if (self->colors_dirty)
    rali_map_raster_set_points (self->raster, d, &style);
  self->colors_dirty = FALSE;
  /* points grow a little when zoomed in, up to 2.5× */
  double zoom = self->fit_scale > 0 ? self->view.scale / self->fit_scale : 1;
  rali_map_raster_draw (self->raster, self->surface, &t,
                        rali_map_base_radius (d->n) * sf * CLAMP (sqrt (zoom), 1.0, 2.5));
  /* few points in view: their photos over the dots */
  if (rali_map_sprites_layout (self->sprites, d, &style, &self->view, W, H, sf, self->thumbnails))
    rali_map_sprites_draw (self->sprites, cr, d, &style, &t, sf);
  if (style.show_prototypes)
    rali_map_draw_prototypes (cr, d, &t, sf, style.dark, FALSE);
  cairo_destroy (cr);
  cairo_surface_flush (self->surface);

  g_autoptr (GBytes) bytes = g_bytes_new (cairo_image_surface_get_data (self->surface),
                                          (gsize) cairo_image_surface_get_stride (self->surface) * h);
  g_clear_object (&self->texture);
  self->texture = gdk_memory_texture_new (w, h, GDK_MEMORY_DEFAULT, bytes,
                                          cairo_image_surface_get_stride (self->surface));
  self->dirty = FALSE;
  self->cache_view = self->view;
  self->raster_us = g_get_monotonic_time () - t0;
}

/* ---- view ---- */

static void
fit_view (RaliMapCanvas *self, int W, int H)
{
  if (!self->data)
    return;
  /* few enough photos to be thumbnails when fitted: room for half a box */
  gboolean sprites = self->thumbnails && self->data->items && self->data->n <= RALI_MAP_SPRITES_MAX;
  double mx = FIT_MARGIN + (sprites ? RALI_MAP_SPRITE_MAX / 2.0 : 0), my = FIT_MARGIN + (sprites ? RALI_MAP_SPRITE_MAX * 0.375 : 0);
  rali_map_transform_fit (&self->view, self->data, self->inset[3] + mx, self->inset[0] + my,
                          MAX (W - self->inset[1] - mx, self->inset[3] + mx + 50),
                          MAX (H - self->inset[2] - my, self->inset[0] + my + 50));
  self->fit_scale = self->view.scale;
  self->user_view = FALSE;
}

void
rali_map_canvas_fit (RaliMapCanvas *self)
{
  fit_view (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  invalidate (self);
}

void
rali_map_canvas_zoom (RaliMapCanvas *self, double factor, double wx, double wy)
{
  if (!self->data || self->fit_scale <= 0)
    return;
  double s = CLAMP (self->view.scale * factor, self->fit_scale * 0.25, self->fit_scale * ZOOM_MAX);
  factor = s / self->view.scale;
  self->view.cx = wx - (wx - self->view.cx) * factor;
  self->view.cy = wy - (wy - self->view.cy) * factor;
  self->view.scale = s;
  self->user_view = TRUE;
  invalidate (self);
}

void
rali_map_canvas_centre_on (RaliMapCanvas *self, double x, double y, gboolean only_if_hidden)
{
  int W = gtk_widget_get_width (GTK_WIDGET (self)), H = gtk_widget_get_height (GTK_WIDGET (self));
  double wx = rali_map_tx (&self->view, x), wy = rali_map_ty (&self->view, y);
  if (!self->data || (only_if_hidden && wx >= FIT_MARGIN && wx <= W - self->inset[1] - FIT_MARGIN && wy >= FIT_MARGIN
                      && wy <= H - self->inset[2] - FIT_MARGIN))
    return;
  self->view.cx += (W - self->inset[1]) / 2.0 - wx;
  self->view.cy += H / 2.0 - wy;
  self->user_view = TRUE;
  invalidate (self);
}

void
rali_map_canvas_data_to_widget (RaliMapCanvas *self, double x, double y, double *wx, double *wy)
{
  *wx = rali_map_tx (&self->view, x);
  *wy = rali_map_ty (&self->view, y);
}

void
rali_map_canvas_widget_to_data (RaliMapCanvas *self, double wx, double wy, double *x, double *y)
{
  *x = self->view.x0 + (wx - self->view.cx) / self->view.scale;
  *y = self->view.y0 - (wy - self->view.cy) / self->view.scale;
}

/* ---- GtkWidget ---- */

void
rali_map_canvas_snapshot_frame (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliMapCanvas *self = RALI_MAP_CANVAS (widget);
  int W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  if (!self->data || W <= 0 || H <= 0)
    return;
  int sf = gtk_widget_get_scale_factor (widget);
  if (self->dirty || !self->texture || gdk_texture_get_width (self->texture) != W * sf
      || gdk_texture_get_height (self->texture) != H * sf || self->cache_view.scale != self->view.scale)
    render_cache (self, W, H, sf);
  /* while panning, the texture may lag the view by a translation */
  float dx = (float) (self->view.cx - self->cache_view.cx), dy = (float) (self->view.cy - self->cache_view.cy);
  gtk_snapshot_append_texture (snapshot, self->texture, &GRAPHENE_RECT_INIT (dx, dy, W, H));

  rali_map_canvas_snapshot_overlay (self, snapshot);
}

static void
rali_map_canvas_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  RaliMapCanvas *self = RALI_MAP_CANVAS (widget);
  (void) baseline;
  if (width == self->last_w && height == self->last_h)
    return;
  if (!self->user_view || self->last_w == 0)
    fit_view (self, width, height);
  else
    {
      self->view.cx += (width - self->last_w) / 2.0;
      self->view.cy += (height - self->last_h) / 2.0;
    }
  self->last_w = width;
  self->last_h = height;
  self->dirty = TRUE;
}

static void
rali_map_canvas_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (rali_map_canvas_parent_class)->css_changed (widget, change);
  restyle (RALI_MAP_CANVAS (widget)); /* light / dark */
}

/* ---- pointer ---- */

void
rali_map_canvas_set_hover_point (RaliMapCanvas *self, int point, int proto)
{
  if (point == self->hover && proto == self->hover_proto)
    return;
  self->hover = point;
  self->hover_proto = proto;
  gtk_widget_queue_draw (GTK_WIDGET (self)); /* the cache stays */
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0, point, proto);
}

static int
point_at (RaliMapCanvas *self, double wx, double wy)
{
  int sprite = rali_map_sprites_hit (self->sprites, self->data, &self->view, wx, wy);
  if (sprite >= 0)
    return sprite;
  double x, y;
  rali_map_canvas_widget_to_data (self, wx, wy, &x, &y);
  return rali_map_data_nearest (self->data, (float) x, (float) y, (float) (HOVER_RADIUS / self->view.scale));
}

void
rali_map_canvas_hover_at (RaliMapCanvas *self, double wx, double wy)
{
  self->px = wx;
  self->py = wy;
  if (!self->data || self->banding || self->panning || self->lassoing)
    return;
  int proto = self->show_prototypes ? rali_map_prototype_at (self->data, &self->view, wx, wy, HOVER_RADIUS) : -1;
  rali_map_canvas_set_hover_point (self, proto >= 0 ? -1 : point_at (self, wx, wy), proto);
}

static void
on_motion (GtkEventControllerMotion *c, double x, double y, RaliMapCanvas *self)
{
  (void) c;
  rali_map_canvas_hover_at (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *c, RaliMapCanvas *self)
{
  (void) c;
  rali_map_canvas_set_hover_point (self, -1, -1);
}

static gboolean
on_scroll (GtkEventControllerScroll *c, double dx, double dy, RaliMapCanvas *self)
{
  (void) c;
  (void) dx;
  rali_map_canvas_zoom (self, pow (ZOOM_STEP, -dy), self->px, self->py);
  return TRUE;
}

void
rali_map_canvas_click_at (RaliMapCanvas *self, double wx, double wy, int n_press)
{
  if (!self->data)
    return;
  int i = point_at (self, wx, wy);
  if (i >= 0)
    g_signal_emit (self, signals[SIGNAL_POINT_ACTIVATED], 0, i, n_press);
}

static void
on_released (GtkGestureClick *g, int n_press, double x, double y, RaliMapCanvas *self)
{
  (void) g;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  rali_map_canvas_click_at (self, x, y, n_press);
}

static gboolean
refresh_pan (gpointer data)
{
  RaliMapCanvas *self = data;
  self->refresh_id = 0;
  invalidate (self);
  return G_SOURCE_REMOVE;
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, RaliMapCanvas *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (g));
  self->drag_x = x;
  self->drag_y = y;
  self->view_at_drag = self->view;
  self->banding = (mods & GDK_SHIFT_MASK) && !self->lasso;
  self->panning = FALSE;
  self->band[0] = self->band[2] = x;
  self->band[1] = self->band[3] = y;
  rali_map_canvas_lasso_finish (self, FALSE);
  if ((mods & GDK_SHIFT_MASK) && self->lasso && self->data)
    rali_map_canvas_lasso_add (self, x, y);
}

static void
on_drag_update (GtkGestureDrag *g, double dx, double dy, RaliMapCanvas *self)
{
  (void) g;
  if (!self->data)
    return;
  if (self->banding)
    {
      self->band[2] = self->drag_x + dx;
      self->band[3] = self->drag_y + dy;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  if (self->lassoing)
    {
      rali_map_canvas_lasso_add (self, self->drag_x + dx, self->drag_y + dy);
      return;
    }
  if (!self->panning && hypot (dx, dy) < DRAG_THRESHOLD)
    return;
  if (!self->panning)
    rali_map_canvas_set_hover_point (self, -1, -1);
  self->panning = TRUE;
  self->view.cx = self->view_at_drag.cx + dx;
  self->view.cy = self->view_at_drag.cy + dy;
  self->user_view = TRUE;
  /* the cached texture moves with the pointer; the points that come into
   * view are drawn PAN_REFRESH_MS later (and at the end of the drag) */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (PAN_REFRESH_MS, refresh_pan, self);
}

static void
on_drag_end (GtkGestureDrag *g, double dx, double dy, RaliMapCanvas *self)
{
  (void) g;
  if (self->banding && hypot (dx, dy) >= DRAG_THRESHOLD)
    rali_map_canvas_select_rect (self, self->drag_x, self->drag_y, self->drag_x + dx, self->drag_y + dy);
  if (self->lassoing)
    rali_map_canvas_lasso_finish (self, TRUE);
  if (self->panning)
    invalidate (self);
  self->banding = self->panning = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state, RaliMapCanvas *self)
{
  (void) c;
  (void) keycode;
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  int W = gtk_widget_get_width (GTK_WIDGET (self)), H = gtk_widget_get_height (GTK_WIDGET (self));
  switch (keyval)
    {
    case GDK_KEY_plus: case GDK_KEY_KP_Add: case GDK_KEY_equal:
      rali_map_canvas_zoom (self, ZOOM_STEP, W / 2.0, H / 2.0);
      return TRUE;
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      rali_map_canvas_zoom (self, 1 / ZOOM_STEP, W / 2.0, H / 2.0);
      return TRUE;
    case GDK_KEY_0: case GDK_KEY_Home:
      rali_map_canvas_fit (self);
      return TRUE;
    case GDK_KEY_Escape:
      if (!self->selected)
        return FALSE;
      rali_map_canvas_clear_selection (self);
      g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- selection ---- */

void
rali_map_canvas_set_selection (RaliMapCanvas *self, const guint *indices, guint n)
{
  g_clear_pointer (&self->selected, g_free);
  self->n_selected = 0;
  if (self->data)
    {
      self->selected = g_new0 (guint8, MAX (self->data->n, 1));
      for (guint t = 0; t < n; t++)
        if (indices[t] < (guint) self->data->n && !self->selected[indices[t]])
          {
            self->selected[indices[t]] = 1;
            self->n_selected++;
          }
    }
  restyle (self);
}

void
rali_map_canvas_clear_selection (RaliMapCanvas *self)
{
  if (!self->selected)
    return;
  g_clear_pointer (&self->selected, g_free);
  self->n_selected = 0;
  restyle (self);
}

const guint8 *
rali_map_canvas_get_selection (RaliMapCanvas *self, guint *n_selected)
{
  if (n_selected)
    *n_selected = self->n_selected;
  return self->selected;
}

void
rali_map_canvas_select_rect (RaliMapCanvas *self, double wx0, double wy0, double wx1, double wy1)
{
  if (!self->data)
    return;
  double x0, y0, x1, y1;
  rali_map_canvas_widget_to_data (self, wx0, wy0, &x0, &y0);
  rali_map_canvas_widget_to_data (self, wx1, wy1, &x1, &y1);
  g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (guint));
  rali_map_data_query_rect (self->data, (float) x0, (float) y0, (float) x1, (float) y1, hits);
  rali_map_canvas_set_selection (self, (const guint *) hits->data, hits->len);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

void
rali_map_canvas_lasso_add (RaliMapCanvas *self, double wx, double wy)
{
  self->lassoing = TRUE;
  if (rali_map_lasso_add (self->lasso_xy, wx, wy, LASSO_STEP))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_map_canvas_lasso_finish (RaliMapCanvas *self, gboolean select)
{
  if (select && self->data && self->lasso_xy->len >= 6)
    {
      g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (guint));
      rali_map_data_query_lasso (self->data, &self->view, self->lasso_xy, hits);
      rali_map_canvas_set_selection (self, (const guint *) hits->data, hits->len);
      g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
    }
  if (self->lassoing)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  g_array_set_size (self->lasso_xy, 0);
  self->lassoing = FALSE;
}

void
rali_map_canvas_set_current (RaliMapCanvas *self, const int *indices, int n)
{
  g_array_set_size (self->current, 0);
  g_array_append_vals (self->current, indices, (guint) n);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const int *
rali_map_canvas_get_current (RaliMapCanvas *self, guint *n)
{
  *n = self->current->len;
  return (const int *) self->current->data;
}

void
rali_map_canvas_set_neighbours (RaliMapCanvas *self, int query, const int *indices, int n)
{
  self->query = query;
  g_array_set_size (self->neighbours, 0);
  if (query >= 0)
    g_array_append_vals (self->neighbours, indices, (guint) n);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
rali_map_canvas_get_neighbours (RaliMapCanvas *self, const int **indices, guint *n)
{
  *indices = (const int *) self->neighbours->data;
  *n = self->neighbours->len;
  return self->query;
}

void
rali_map_canvas_set_thumbnail_cache (RaliMapCanvas *self, RaliThumbnailCache *cache)
{
  rali_map_sprites_set_cache (self->sprites, cache);
  invalidate (self);
}

guint
rali_map_canvas_get_sprites (RaliMapCanvas *self, guint *n_ready)
{
  return rali_map_sprites_get_n (self->sprites, n_ready);
}

int
rali_map_canvas_get_hover (RaliMapCanvas *self, int *prototype)
{
  if (prototype)
    *prototype = self->hover_proto;
  return self->hover;
}

/* ---- data ---- */

void
rali_map_canvas_set_data (RaliMapCanvas *self, RaliMapData *data)
{
  g_clear_pointer (&self->data, rali_map_data_free);
  g_clear_pointer (&self->selected, g_free);
  self->n_selected = 0;
  self->data = data;
  self->hover = self->hover_proto = -1;
  g_array_set_size (self->current, 0);
  self->query = -1;
  g_array_set_size (self->neighbours, 0);
  rali_map_sprites_reset (self->sprites);
  fit_view (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  restyle (self);
}

RaliMapData *
rali_map_canvas_get_data (RaliMapCanvas *self)
{
  return self->data;
}

void
rali_map_canvas_set_insets (RaliMapCanvas *self, int top, int right, int bottom, int left)
{
  self->inset[0] = top;
  self->inset[1] = right;
  self->inset[2] = bottom;
  self->inset[3] = left;
  if (!self->user_view)
    rali_map_canvas_fit (self);
}

/* ---- object ---- */

static void
rali_map_canvas_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  RaliMapCanvas *self = RALI_MAP_CANVAS (object);
  switch (id)
    {
    case PROP_COLOR_BY_SCORE: g_value_set_boolean (value, self->color_by_score); break;
    case PROP_SIZE_BY_SCORE: g_value_set_boolean (value, self->size_by_score); break;
    case PROP_SHOW_PROTOTYPES: g_value_set_boolean (value, self->show_prototypes); break;
    case PROP_THUMBNAILS: g_value_set_boolean (value, self->thumbnails); break;
    case PROP_LASSO: g_value_set_boolean (value, self->lasso); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
rali_map_canvas_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  RaliMapCanvas *self = RALI_MAP_CANVAS (object);
  gboolean *field;
  switch (id)
    {
    case PROP_COLOR_BY_SCORE: field = &self->color_by_score; break;
    case PROP_SIZE_BY_SCORE: field = &self->size_by_score; break;
    case PROP_SHOW_PROTOTYPES: field = &self->show_prototypes; break;
    case PROP_THUMBNAILS: field = &self->thumbnails; break;
    case PROP_LASSO: field = &self->lasso; break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec); return;
    }
  gboolean v = g_value_get_boolean (value);
  if (*field == v)
    return;
  *field = v;
  if (id == PROP_SHOW_PROTOTYPES)
    self->hover_proto = -1;
  if (id == PROP_THUMBNAILS && !self->user_view)
    fit_view (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  if (id != PROP_LASSO) /* the tool draws nothing until used */
    restyle (self);
  g_object_notify_by_pspec (object, pspec);
}

static void
rali_map_canvas_finalize (GObject *object)
{
  RaliMapCanvas *self = RALI_MAP_CANVAS (object);
  g_clear_pointer (&self->data, rali_map_data_free);
  g_clear_pointer (&self->selected, g_free);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_object (&self->texture);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_pointer (&self->raster, rali_map_raster_free);
  g_clear_pointer (&self->sprites, rali_map_sprites_free);
  g_array_unref (self->neighbours);
  g_array_unref (self->current);
  g_array_unref (self->lasso_xy);
  G_OBJECT_CLASS (rali_map_canvas_parent_class)->finalize (object);
}

static void
rali_map_canvas_class_init (RaliMapCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = rali_map_canvas_get_property;
  object_class->set_property = rali_map_canvas_set_property;
  object_class->finalize = rali_map_canvas_finalize;
  widget_class->snapshot = rali_map_canvas_snapshot_frame;
  widget_class->size_allocate = rali_map_canvas_size_allocate;
  widget_class->css_changed = rali_map_canvas_css_changed;

  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_COLOR_BY_SCORE] = g_param_spec_boolean ("color-by-score", NULL, NULL, FALSE, rw);
  properties[PROP_SIZE_BY_SCORE] = g_param_spec_boolean ("size-by-score", NULL, NULL, FALSE, rw);
  properties[PROP_SHOW_PROTOTYPES] = g_param_spec_boolean ("show-prototypes", NULL, NULL, FALSE, rw);
  /* photos drawn as thumbnails when few are in view */
  properties[PROP_THUMBNAILS] = g_param_spec_boolean ("thumbnails", NULL, NULL, TRUE, rw);
  /* Shift+drag: TRUE a free-hand lasso, FALSE a rectangle */
  properties[PROP_LASSO] = g_param_spec_boolean ("lasso", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (point, prototype): the hovered point index or -1, the hovered prototype (index into data's) or -1 */
  signals[SIGNAL_HOVER_CHANGED] = g_signal_new ("hover-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  /* (point, n_press): a click (1) or double-click (2) on a point */
  signals[SIGNAL_POINT_ACTIVATED] = g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name (widget_class, "rali-map-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_map_canvas_init (RaliMapCanvas *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  self->hover = self->hover_proto = -1;
  self->current = g_array_new (FALSE, FALSE, sizeof (int));
  self->lasso_xy = g_array_new (FALSE, FALSE, sizeof (double));
  self->raster = rali_map_raster_new ();
  self->sprites = rali_map_sprites_new (G_CALLBACK (invalidate), self);
  self->thumbnails = TRUE;
  self->query = -1;
  self->neighbours = g_array_new (FALSE, FALSE, sizeof (int));
  self->colors_dirty = TRUE;
  self->dirty = TRUE;
  gtk_widget_set_focusable (w, TRUE);
  gtk_widget_set_hexpand (w, TRUE);
  gtk_widget_set_vexpand (w, TRUE);
  gtk_widget_set_overflow (w, GTK_OVERFLOW_HIDDEN);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (w, motion);

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (w, scroll);

  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (click));

  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (drag));

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (w, key);
}

GtkWidget *
rali_map_canvas_new (void)
{
  return g_object_new (RALI_TYPE_MAP_CANVAS, NULL);
}
