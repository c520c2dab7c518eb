/* RaliPeakingOverlay: see rali-peaking-overlay.h. */
#include "config.h"

#include "rali-peaking-overlay.h"

#include <glib/gi18n.h>

struct _RaliPeakingOverlay {
  GtkWidget parent_instance;
  RaliImageView *view; /* weak: the detail view owns both */
  cairo_surface_t *full, *small; /* the analysis's: composited as they are */
  char *description;
};

G_DEFINE_FINAL_TYPE (RaliPeakingOverlay, rali_peaking_overlay, GTK_TYPE_WIDGET)

static void
rali_peaking_overlay_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliPeakingOverlay *self = RALI_PEAKING_OVERLAY (widget);
  graphene_rect_t r;
  graphene_point_t p;
  if (!self->full || !self->view || !rali_image_view_get_image_rect (self->view, &r)
      || !gtk_widget_compute_point (GTK_WIDGET (self->view), widget, &r.origin, &p))
    return;
  r.origin = p;
  /* at or near 100 % the edges pixel for pixel, smaller the block maxima */
  cairo_surface_t *s = r.size.width > cairo_image_surface_get_width (self->small) * 1.25 ? self->full : self->small;
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  cairo_rectangle (cr, r.origin.x, r.origin.y, r.size.width, r.size.height);
  cairo_clip (cr);
  cairo_translate (cr, r.origin.x, r.origin.y);
  cairo_scale (cr, r.size.width / cairo_image_surface_get_width (s), r.size.height / cairo_image_surface_get_height (s));
  cairo_set_source_surface (cr, s, 0, 0);
  /* no smoothing: an edge stays a crisp mark */
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
}

void
rali_peaking_overlay_set_analysis (RaliPeakingOverlay *self, const RaliPhotoAnalysis *a)
{
  g_return_if_fail (RALI_IS_PEAKING_OVERLAY (self));
  g_clear_pointer (&self->full, cairo_surface_destroy);
  g_clear_pointer (&self->small, cairo_surface_destroy);
  g_clear_pointer (&self->description, g_free);
  if (a && a->peaking)
    {
      self->full = cairo_surface_reference (a->peaking);
      self->small = cairo_surface_reference (a->peaking_small);
      /* TRANSLATORS: focus peaking for screen readers */
      self->description = g_strdup_printf (_("Focus peaking: %.1f %% of the photo has sharp edges at 100 %%"),
                                           100.0 * a->edge_share);
    }
  else
    self->description = g_strdup (_("Focus peaking: not computed"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
rali_peaking_overlay_has_edges (RaliPeakingOverlay *self)
{
  return self->full != NULL;
}

const char *
rali_peaking_overlay_get_description (RaliPeakingOverlay *self)
{
  return self->description;
}

static void
on_view_moved (RaliPeakingOverlay *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_peaking_overlay_set_image_view (RaliPeakingOverlay *self, RaliImageView *view)
{
  g_return_if_fail (RALI_IS_PEAKING_OVERLAY (self));
  self->view = view;
  const char *signals[] = { "notify::zoom", "notify::texture", "view-changed", "laid-out" };
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_object (view, signals[i], G_CALLBACK (on_view_moved), self, G_CONNECT_SWAPPED);
}

static void
rali_peaking_overlay_finalize (GObject *object)
{
  RaliPeakingOverlay *self = RALI_PEAKING_OVERLAY (object);
  g_clear_pointer (&self->full, cairo_surface_destroy);
  g_clear_pointer (&self->small, cairo_surface_destroy);
  g_clear_pointer (&self->description, g_free);
  G_OBJECT_CLASS (rali_peaking_overlay_parent_class)->finalize (object);
}

static void
rali_peaking_overlay_class_init (RaliPeakingOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = rali_peaking_overlay_finalize;
  widget_class->snapshot = rali_peaking_overlay_snapshot;
  gtk_widget_class_set_css_name (widget_class, "ralipeakingoverlay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_peaking_overlay_init (RaliPeakingOverlay *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  rali_peaking_overlay_set_analysis (self, NULL);
}
