/* RaliMapSprites: the map's photos drawn as thumbnails ("sprite mode", as
 * TensorBoard's Embedding Projector and Embedding Atlas draw them) when at
 * most RALI_MAP_SPRITES_MAX points are in view (zoomed in, or a small set),
 * dots otherwise.  Only the points in view are laid out.
 *
 * Thumbnails come from the gallery's RaliThumbnailCache, at its tiles'
 * default 200 × 150 box (the map's hover card asks for the same, so the
 * entries are shared and the cache's LRU bounds their memory); each one in
 * view is asked for once, decoded off the main thread, and those that
 * leave the view before they are decoded are cancelled.  A decoded one is
 * scaled once on the main thread to a small Cairo surface (at most
 * RALI_MAP_SPRITE_MAX px, under a time budget per frame: the rest wait for
 * the next), and the canvas paints the sprites into its cached texture
 * with the dots (rali-map-canvas.h): a frame that only moves the hover
 * ring costs no more than without them.
 *
 * A sprite is the photo fitted in a 4:3 box whose side shrinks as more
 * points are in view, framed in the point's colour; a photo not yet
 * decoded is a frame filled with that colour. */
#pragma once

#include <gtk/gtk.h>

#include "gallery/rali-thumbnail-cache.h"
#include "rali-map-render.h"

G_BEGIN_DECLS

#define RALI_MAP_SPRITES_MAX 300 /* points in view from which dots are drawn */
#define RALI_MAP_SPRITE_MIN 36   /* px: a sprite's box width, least and most */
#define RALI_MAP_SPRITE_MAX 112
#define RALI_MAP_THUMB_W 200     /* the thumbnail cache's box asked for */
#define RALI_MAP_THUMB_H 150

typedef struct _RaliMapSprites RaliMapSprites;

/* ready is called (on the main thread) when thumbnails arrived or are
 * waiting to be scaled: the owner should lay out and draw again */
RaliMapSprites *rali_map_sprites_new  (GCallback ready, gpointer data);
void            rali_map_sprites_free (RaliMapSprites *sprites);

void rali_map_sprites_set_cache (RaliMapSprites *sprites, RaliThumbnailCache *cache);
/* new data (or none): forget the sprites and cancel their loads */
void rali_map_sprites_reset     (RaliMapSprites *sprites);

/* Lays out the points of data in view through t (widget px) on a W × H
 * widget, in the style's drawing order, when enabled and at most
 * RALI_MAP_SPRITES_MAX are in view; asks for the missing thumbnails and
 * scales what the cache holds (sf: device pixels per widget pixel).
 * Returns whether sprite mode is on. */
gboolean rali_map_sprites_layout (RaliMapSprites *sprites, const RaliMapData *data, const RaliMapStyle *style,
                                  const RaliMapTransform *t, int W, int H, int sf, gboolean enabled);
gboolean rali_map_sprites_active (RaliMapSprites *sprites);
/* sprites laid out, and how many of them show their photo */
guint    rali_map_sprites_get_n     (RaliMapSprites *sprites, guint *n_ready);

/* paints the laid-out sprites on cr, whose user space is device pixels;
 * t_dev maps data to device pixels; sf as above */
void     rali_map_sprites_draw (RaliMapSprites *sprites, cairo_t *cr, const RaliMapData *data,
                                const RaliMapStyle *style, const RaliMapTransform *t_dev, int sf);

/* the topmost sprite under (wx, wy) through view (widget px), or −1 */
int      rali_map_sprites_hit  (RaliMapSprites *sprites, const RaliMapData *data, const RaliMapTransform *view,
                                double wx, double wy);
/* point i's sprite box through view, when it is laid out */
gboolean rali_map_sprites_rect (RaliMapSprites *sprites, const RaliMapData *data, const RaliMapTransform *view,
                                int i, graphene_rect_t *rect);

G_END_DECLS
