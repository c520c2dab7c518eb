/* RaliImageView: one image, fit to the widget or zoomed (100% = one image
 * pixel per device pixel) and panned with drag or scroll. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RALI_TYPE_IMAGE_VIEW (rali_image_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliImageView, rali_image_view, RALI, IMAGE_VIEW, GtkWidget)

GtkWidget  *rali_image_view_new (void);
void        rali_image_view_set_texture (RaliImageView *self, GdkTexture *texture);
/* the same photo at more pixels (the thumbnail, then the full image): what
 * is drawn now stands in, stretched, until the new texture's pixels are
 * prepared (set_texture shows nothing of the last texture) */
void        rali_image_view_upgrade_texture (RaliImageView *self, GdkTexture *texture);
GdkTexture *rali_image_view_get_texture (RaliImageView *self);
/* where the image is drawn, in the view's coordinates; FALSE without one.
 * Overlays follow it on notify::zoom, notify::texture, "view-changed" and
 * "laid-out" (every size allocation). */
gboolean    rali_image_view_get_image_rect (RaliImageView *self, graphene_rect_t *rect);
/* the scale drawn now (fit or zoomed) */
double      rali_image_view_get_zoom    (RaliImageView *self);
/* has a size: before, the fit zoom is not known yet */
gboolean    rali_image_view_is_allocated (RaliImageView *self);
gboolean    rali_image_view_get_fit     (RaliImageView *self);
void        rali_image_view_set_zoom    (RaliImageView *self, double zoom);
void        rali_image_view_zoom_fit    (RaliImageView *self);
void        rali_image_view_zoom_actual (RaliImageView *self);
/* steps of 1.25x around the centre */
void        rali_image_view_zoom_in     (RaliImageView *self);
void        rali_image_view_zoom_out    (RaliImageView *self);
/* The view as fractions, to show another image the same way (compare
 * view): rel_zoom is the scale over the fit scale, fx/fy the pan over the
 * drawn image size.  set_view does not emit "view-changed". */
void        rali_image_view_get_view    (RaliImageView *self, gboolean *fit, double *rel_zoom,
                                         double *fx, double *fy);
void        rali_image_view_set_view    (RaliImageView *self, gboolean fit, double rel_zoom,
                                         double fx, double fy);
/* for tests: what the last frame drew ("copy": the copy shrunk to the
 * device pixels it covers, "stale copy", "tiles", "texture"), NULL before
 * the first */
const char *rali_image_view_get_drawn  (RaliImageView *self);

G_END_DECLS
