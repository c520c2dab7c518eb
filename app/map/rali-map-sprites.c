/* RaliMapSprites: see rali-map-sprites.h. */
#include "config.h"

#include "rali-map-sprites.h"

#include <math.h>
#include <string.h>

#define SCALE_BUDGET_US 4000 /* scaling thumbnails, per layout */
#define READY_DELAY_MS 100   /* arrivals coalesce into one redraw this often */
#define SURFACES_KEEP (2 * RALI_MAP_SPRITES_MAX)
#define BORDER 2.0           /* px: the frame in the point's colour */

/* outlives the sprites while loads are under way: a load that finishes
 * after rali_map_sprites_free finds s NULL */
typedef struct {
  gint ref;
  RaliMapSprites *s;
} Token;

struct _RaliMapSprites {
  void (*ready) (gpointer);
  gpointer ready_data;
  guint ready_id;
  Token *token;
  RaliThumbnailCache *cache;
  GArray *laid;         /* int: point indices in drawing order */
  double side;          /* box width, widget px */
  gboolean active;
  int source_px;        /* the surfaces' box width, device px */
  guint8 *in_view;      /* [n_flags] */
  int n_flags;
  GHashTable *surfaces; /* index + 1 -> Photo */
  GHashTable *loading;  /* index + 1 -> GCancellable */
  GHashTable *failed;   /* index + 1: no thumbnail (an error) */
  guint generation;     /* reset: late loads are ignored */
};

typedef struct {
  Token *token;
  guint generation;
  int index;
} Load;

/* a photo scaled once with a good filter, at most source_px wide and at
 * half that: a sprite is drawn from the smallest one at least its size,
 * with a bilinear filter (a GOOD one costs ~0.2 ms a sprite per redraw) */
typedef struct {
  cairo_surface_t *full, *half;
} Photo;

static void
photo_free (Photo *p)
{
  cairo_surface_destroy (p->full);
  cairo_surface_destroy (p->half);
  g_free (p);
}

static void
token_unref (Token *t)
{
  if (g_atomic_int_dec_and_test (&t->ref))
    g_free (t);
}

static gboolean
fire_ready (gpointer data)
{
  RaliMapSprites *s = data;
  s->ready_id = 0;
  s->ready (s->ready_data);
  return G_SOURCE_REMOVE;
}

static void
schedule_ready (RaliMapSprites *s, guint delay_ms)
{
  if (s->ready_id == 0)
    s->ready_id = g_timeout_add (delay_ms, fire_ready, s);
}

RaliMapSprites *
rali_map_sprites_new (GCallback ready, gpointer data)
{
  RaliMapSprites *s = g_new0 (RaliMapSprites, 1);
  s->ready = (void (*) (gpointer)) ready;
  s->ready_data = data;
  s->token = g_new0 (Token, 1);
  s->token->ref = 1;
  s->token->s = s;
  s->laid = g_array_new (FALSE, FALSE, sizeof (int));
  s->surfaces = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) photo_free);
  s->loading = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  s->failed = g_hash_table_new (g_direct_hash, g_direct_equal);
  return s;
}

static gboolean
cancel_one (gpointer key, gpointer value, gpointer data)
{
  (void) key;
  (void) data;
  g_cancellable_cancel (value);
  return TRUE;
}

void
rali_map_sprites_reset (RaliMapSprites *s)
{
  g_hash_table_foreach_remove (s->loading, cancel_one, NULL);
  g_hash_table_remove_all (s->surfaces);
  g_hash_table_remove_all (s->failed);
  g_array_set_size (s->laid, 0);
  g_clear_pointer (&s->in_view, g_free);
  s->n_flags = 0;
  s->active = FALSE;
  s->generation++;
}

void
rali_map_sprites_free (RaliMapSprites *s)
{
  rali_map_sprites_reset (s);
  g_clear_handle_id (&s->ready_id, g_source_remove);
  s->token->s = NULL;
  token_unref (s->token);
  g_clear_object (&s->cache);
  g_array_unref (s->laid);
  g_hash_table_unref (s->surfaces);
  g_hash_table_unref (s->loading);
  g_hash_table_unref (s->failed);
  g_free (s);
}

void
rali_map_sprites_set_cache (RaliMapSprites *s, RaliThumbnailCache *cache)
{
  g_set_object (&s->cache, cache);
}

gboolean
rali_map_sprites_active (RaliMapSprites *s)
{
  return s->active;
}

guint
rali_map_sprites_get_n (RaliMapSprites *s, guint *n_ready)
{
  if (n_ready)
    {
      *n_ready = 0;
      for (guint t = 0; s->active && t < s->laid->len; t++)
        *n_ready += g_hash_table_contains (s->surfaces, GINT_TO_POINTER (g_array_index (s->laid, int, t) + 1));
    }
  return s->active ? s->laid->len : 0;
}

/* ---- thumbnails ---- */

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  Load *load = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) tex = rali_thumbnail_cache_load_finish (RALI_THUMBNAIL_CACHE (source), result, &error);
  RaliMapSprites *s = load->token->s;
  if (s && load->generation == s->generation && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_hash_table_remove (s->loading, GINT_TO_POINTER (load->index + 1));
      if (!tex)
        g_hash_table_add (s->failed, GINT_TO_POINTER (load->index + 1));
      schedule_ready (s, READY_DELAY_MS); /* the texture is in the cache now */
    }
  token_unref (load->token);
  g_free (load);
}

/* src scaled by f with a good filter */
static cairo_surface_t *
scaled (cairo_surface_t *src, double f)
{
  int w = cairo_image_surface_get_width (src), h = cairo_image_surface_get_height (src);
  int sw = MAX (1, (int) lround (w * f)), sh = MAX (1, (int) lround (h * f));
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, sw, sh);
  cairo_t *cr = cairo_create (out);
  cairo_scale (cr, (double) sw / w, (double) sh / h);
  cairo_set_source_surface (cr, src, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  return out;
}

/* the photo of tex fitted in a box box_w wide (4:3), and at half that */
static Photo *
make_photo (GdkTexture *tex, int box_w)
{
  int w = gdk_texture_get_width (tex), h = gdk_texture_get_height (tex);
  cairo_surface_t *full = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_surface_flush (full);
  gdk_texture_download (tex, cairo_image_surface_get_data (full), cairo_image_surface_get_stride (full));
  cairo_surface_mark_dirty (full);
  Photo *p = g_new (Photo, 1);
  p->full = scaled (full, MIN ((double) box_w / w, box_w * 0.75 / h));
  p->half = scaled (p->full, 0.5);
  cairo_surface_destroy (full);
  return p;
}

/* the points of d inside the data rectangle [x0, x1] × [y0, y1], flagged
 * in s->in_view; FALSE (and the flags half set) once more than max */
static gboolean
flag_in_view (RaliMapSprites *s, const RaliMapData *d, float x0, float y0, float x1, float y1, int max, int *count)
{
  *count = 0;
  int cx0 = CLAMP ((int) floorf ((x0 - d->gx0) / d->cell), 0, d->gw - 1);
  int cx1 = CLAMP ((int) floorf ((x1 - d->gx0) / d->cell), 0, d->gw - 1);
  int cy0 = CLAMP ((int) floorf ((y0 - d->gy0) / d->cell), 0, d->gh - 1);
  int cy1 = CLAMP ((int) floorf ((y1 - d->gy0) / d->cell), 0, d->gh - 1);
  for (int cy = cy0; cy <= cy1; cy++)
    for (int cx = cx0; cx <= cx1; cx++)
      {
        int c = cy * d->gw + cx;
        for (guint p = d->grid_start[c]; p < d->grid_start[c + 1]; p++)
          {
            guint i = d->grid_points[p];
            float x = d->xy[2 * i], y = d->xy[2 * i + 1];
            if (x < x0 || x > x1 || y < y0 || y > y1)
              continue;
            if (++*count > max)
              return FALSE;
            s->in_view[i] = 1;
          }
      }
  return TRUE;
}

gboolean
rali_map_sprites_layout (RaliMapSprites *s, const RaliMapData *d, const RaliMapStyle *style,
                         const RaliMapTransform *t, int W, int H, int sf, gboolean enabled)
{
  g_array_set_size (s->laid, 0);
  s->active = FALSE;
  if (!enabled || !d || !d->items || d->n == 0 || W <= 0 || H <= 0 || t->scale <= 0)
    return FALSE;
  if (s->n_flags != d->n)
    {
      g_free (s->in_view);
      s->in_view = g_new0 (guint8, d->n);
      s->n_flags = d->n;
    }
  else
    memset (s->in_view, 0, d->n);
  /* the view in data units, widened by half the largest sprite */
  double m = RALI_MAP_SPRITE_MAX / 2.0;
  float x0 = (float) (t->x0 + (-m - t->cx) / t->scale), x1 = (float) (t->x0 + (W + m - t->cx) / t->scale);
  float y1 = (float) (t->y0 - (-m - t->cy) / t->scale), y0 = (float) (t->y0 - (H + m - t->cy) / t->scale);
  int count;
  gboolean few = flag_in_view (s, d, x0, y0, x1, y1, RALI_MAP_SPRITES_MAX, &count);
  if (!few || count == 0)
    return FALSE;
  s->active = TRUE;
  /* as many boxes as points would cover about a quarter of the view */
  s->side = CLAMP (floor (0.5 * sqrt ((double) W * H / count) / 4) * 4, RALI_MAP_SPRITE_MIN, RALI_MAP_SPRITE_MAX);
  const guint *order = style->color_mode == RALI_MAP_COLOR_SCORE ? d->order_score : d->order_cluster;
  for (int pass = 0; pass < (style->selected ? 2 : 1); pass++)
    for (int o = 0; o < d->n; o++)
      {
        int i = (int) order[o];
        if (s->in_view[i] && (!style->selected || (style->selected[i] != 0) == (pass == 1)))
          g_array_append_val (s->laid, i);
      }

  /* the surfaces: made once per photo, at the largest box this screen needs */
  int source_px = RALI_MAP_SPRITE_MAX * sf;
  if (source_px != s->source_px)
    g_hash_table_remove_all (s->surfaces);
  s->source_px = source_px;
  gint64 t0 = g_get_monotonic_time ();
  gboolean waiting = FALSE;
  for (guint k = 0; k < s->laid->len; k++)
    {
      int i = g_array_index (s->laid, int, k);
      gpointer key = GINT_TO_POINTER (i + 1);
      if (g_hash_table_contains (s->surfaces, key) || g_hash_table_contains (s->failed, key) || !s->cache)
        continue;
      const char *path = rali_gallery_item_get_path (d->items[i]);
      GdkTexture *tex = rali_thumbnail_cache_lookup (s->cache, path, RALI_MAP_THUMB_W, RALI_MAP_THUMB_H);
      if (tex && g_get_monotonic_time () - t0 < SCALE_BUDGET_US)
        g_hash_table_insert (s->surfaces, key, make_photo (tex, source_px));
      else if (tex)
        waiting = TRUE; /* in the cache, scaled on a later frame */
      else if (!g_hash_table_contains (s->loading, key))
        {
          GCancellable *cancel = g_cancellable_new ();
          g_hash_table_insert (s->loading, key, cancel);
          Load *load = g_new (Load, 1);
          load->token = s->token;
          g_atomic_int_inc (&s->token->ref);
          load->generation = s->generation;
          load->index = i;
          rali_thumbnail_cache_load_async (s->cache, path, RALI_MAP_THUMB_W, RALI_MAP_THUMB_H, cancel, on_loaded, load);
        }
    }
  if (waiting)
    schedule_ready (s, 16);
  /* loads that left the view are dropped; surfaces past the budget too */
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, s->loading);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!s->in_view[GPOINTER_TO_INT (key) - 1])
      {
        g_cancellable_cancel (value);
        g_hash_table_iter_remove (&iter);
      }
  if (g_hash_table_size (s->surfaces) > SURFACES_KEEP)
    {
      g_hash_table_iter_init (&iter, s->surfaces);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!s->in_view[GPOINTER_TO_INT (key) - 1])
          g_hash_table_iter_remove (&iter);
    }
  return TRUE;
}

/* ---- drawing ---- */

/* the box of point i's sprite, centred on (x, y), for a photo of surface
 * (or the 4:3 box when none) */
static void
sprite_box (RaliMapSprites *s, cairo_surface_t *photo, double x, double y, double unit, graphene_rect_t *r)
{
  double bw = s->side * unit, bh = bw * 0.75;
  if (photo)
    {
      double w = cairo_image_surface_get_width (photo), h = cairo_image_surface_get_height (photo);
      double f = MIN (bw / w, bh / h);
      bw = w * f;
      bh = h * f;
    }
  graphene_rect_init (r, (float) (x - bw / 2), (float) (y - bh / 2), (float) bw, (float) bh);
}

void
rali_map_sprites_draw (RaliMapSprites *s, cairo_t *cr, const RaliMapData *d, const RaliMapStyle *style,
                       const RaliMapTransform *t_dev, int sf)
{
  if (!s->active)
    return;
  double b = BORDER * sf;
  for (guint k = 0; k < s->laid->len; k++)
    {
      int i = g_array_index (s->laid, int, k);
      Photo *p = g_hash_table_lookup (s->surfaces, GINT_TO_POINTER (i + 1));
      graphene_rect_t r;
      sprite_box (s, p ? p->full : NULL, rali_map_tx (t_dev, d->xy[2 * i]), rali_map_ty (t_dev, d->xy[2 * i + 1]), sf,
                  &r);
      double rgb[3], alpha;
      rali_map_point_color (d, style, i, rgb, &alpha);
      gboolean greyed = style->selected && !style->selected[i];
      cairo_rectangle (cr, r.origin.x - b, r.origin.y - b, r.size.width + 2 * b, r.size.height + 2 * b);
      cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], greyed ? alpha : 1.0);
      cairo_fill (cr);
      if (!p)
        continue;
      cairo_surface_t *photo = r.size.width <= cairo_image_surface_get_width (p->half) ? p->half : p->full;
      cairo_save (cr);
      cairo_translate (cr, r.origin.x, r.origin.y);
      cairo_scale (cr, r.size.width / cairo_image_surface_get_width (photo),
                   r.size.height / cairo_image_surface_get_height (photo));
      cairo_set_source_surface (cr, photo, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      if (greyed)
        cairo_paint_with_alpha (cr, 0.35);
      else
        cairo_paint (cr);
      cairo_restore (cr);
    }
}

gboolean
rali_map_sprites_rect (RaliMapSprites *s, const RaliMapData *d, const RaliMapTransform *view, int i,
                       graphene_rect_t *rect)
{
  if (!s->active || i < 0 || i >= d->n || i >= s->n_flags || !s->in_view[i])
    return FALSE;
  Photo *p = g_hash_table_lookup (s->surfaces, GINT_TO_POINTER (i + 1));
  sprite_box (s, p ? p->full : NULL, rali_map_tx (view, d->xy[2 * i]), rali_map_ty (view, d->xy[2 * i + 1]), 1, rect);
  graphene_rect_inset (rect, (float) -BORDER, (float) -BORDER);
  return TRUE;
}

int
rali_map_sprites_hit (RaliMapSprites *s, const RaliMapData *d, const RaliMapTransform *view, double wx, double wy)
{
  for (guint k = s->active ? s->laid->len : 0; k-- > 0;)
    {
      int i = g_array_index (s->laid, int, k);
      graphene_rect_t r;
      if (rali_map_sprites_rect (s, d, view, i, &r)
          && graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT ((float) wx, (float) wy)))
        return i;
    }
  return -1;
}
