/* RaliMapRaster: see rali-map-raster.h. */
#include "rali-map-raster.h"

#include <math.h>

#define STAMP_STEPS 4 /* radii quantised to quarter pixels */
#define STAMP_MAX (32 * STAMP_STEPS)

typedef struct {
  int half, size;  /* size = 2 half + 1 */
  guint8 *wfill;   /* [size²] coverage × (1 − rim share), 0..255 */
  guint8 *wrim;    /* [size²] coverage × rim share; wfill + wrim = coverage */
  int *x0, *x1;    /* [size] per row, the columns with coverage */
} Stamp;

typedef struct {
  float x, y;     /* data coordinates */
  float radius;   /* × the base radius (size by score) */
  guint32 fill;   /* premultiplied ARGB, A the point's alpha */
  guint32 rim;    /* the same, darker */
} DrawPoint;

struct _RaliMapRaster {
  Stamp *stamps[STAMP_MAX]; /* made when first needed */
  DrawPoint *draw;          /* [n] */
  int n;
};

static void
stamp_free (Stamp *s)
{
  g_free (s->wfill);
  g_free (s->wrim);
  g_free (s->x0);
  g_free (s->x1);
  g_free (s);
}

static const Stamp *
get_stamp (RaliMapRaster *self, double radius)
{
  int q = CLAMP ((int) lround (radius * STAMP_STEPS), STAMP_STEPS, STAMP_MAX - 1);
  if (self->stamps[q])
    return self->stamps[q];
  double R = (double) q / STAMP_STEPS, rim_w = MIN (1.0, R * 0.3);
  Stamp *s = g_new0 (Stamp, 1);
  s->half = (int) ceil (R + 0.5); /* coverage ends at R + 0.5 */
  s->size = 2 * s->half + 1;
  s->wfill = g_new (guint8, s->size * s->size);
  s->wrim = g_new (guint8, s->size * s->size);
  s->x0 = g_new (int, s->size);
  s->x1 = g_new (int, s->size);
  for (int y = 0; y < s->size; y++)
    {
      s->x0[y] = s->size;
      s->x1[y] = 0;
      for (int x = 0; x < s->size; x++)
        {
          double d = hypot (x - s->half, y - s->half);
          double cover = CLAMP (R + 0.5 - d, 0.0, 1.0), rim = CLAMP (d - (R - rim_w - 0.5), 0.0, 1.0);
          int c = (int) lround (255 * cover), wr = (int) lround (255 * cover * rim);
          s->wfill[y * s->size + x] = (guint8) (c - wr);
          s->wrim[y * s->size + x] = (guint8) wr;
          if (c)
            {
              s->x0[y] = MIN (s->x0[y], x);
              s->x1[y] = x + 1;
            }
        }
    }
  self->stamps[q] = s;
  return s;
}

/* the four 8-bit channels of x times a / 255, two at a time (pixman's trick) */
static inline guint32
mul_un8x4 (guint32 x, guint32 a)
{
  guint32 rb = (x & 0x00ff00ff) * a + 0x00800080;
  rb = ((rb + ((rb >> 8) & 0x00ff00ff)) >> 8) & 0x00ff00ff;
  guint32 ag = ((x >> 8) & 0x00ff00ff) * a + 0x00800080;
  ag = (ag + ((ag >> 8) & 0x00ff00ff)) & 0xff00ff00;
  return ag | rb;
}

/* OVER-blends the stamp into premultiplied ARGB32 pixels; fill and rim
 * are premultiplied ARGB with the point's alpha */
static void
stamp (guint32 *pixels, int stride_px, int W, int H, const Stamp *s, int cx, int cy, guint32 fill, guint32 rim)
{
  int x0 = cx - s->half, y0 = cy - s->half;
  if (x0 >= W || y0 >= H || x0 + s->size <= 0 || y0 + s->size <= 0)
    return;
  int sy0 = MAX (0, -y0), sy1 = MIN (s->size, H - y0);
  for (int y = sy0; y < sy1; y++)
    {
      guint32 *row = pixels + (gsize) (y0 + y) * stride_px + x0;
      const guint8 *wf = s->wfill + y * s->size, *wr = s->wrim + y * s->size;
      int sx0 = MAX (s->x0[y], -x0), sx1 = MIN (s->x1[y], W - x0);
      for (int x = sx0; x < sx1; x++)
        {
          guint32 src = mul_un8x4 (fill, wf[x]) + mul_un8x4 (rim, wr[x]);
          row[x] = src + mul_un8x4 (row[x], 255 - (src >> 24));
        }
    }
}

/* The points in drawing order (greyed ones first, then by the colour
 * mode's order), with their colours and radius factors: the rasteriser
 * then reads memory in sequence, not in the shuffled order. */
void
rali_map_raster_set_points (RaliMapRaster *self, const RaliMapData *d, const RaliMapStyle *style)
{
  g_free (self->draw);
  self->n = d->n;
  self->draw = g_new (DrawPoint, MAX (d->n, 1));
  const guint *order = style->color_mode == RALI_MAP_COLOR_SCORE ? d->order_score : d->order_cluster;
  double dim = style->dark ? 0.55 : 0.62;
  int k = 0;
  for (int pass = 0; pass < (style->selected ? 2 : 1); pass++)
    for (int o = 0; o < d->n; o++)
      {
        int i = (int) order[o];
        if (style->selected && (style->selected[i] != 0) != (pass == 1))
          continue;
        DrawPoint *p = &self->draw[k++];
        double rgb[3], a;
        rali_map_point_color (d, style, i, rgb, &a);
        p->x = d->xy[2 * i];
        p->y = d->xy[2 * i + 1];
        p->radius = (float) rali_map_point_radius (d, style, i, 1.0);
        /* premultiplied */
        p->fill = p->rim = (guint32) lround (a * 255) << 24;
        for (int c = 0; c < 3; c++)
          {
            p->fill |= (guint32) lround (rgb[c] * a * 255) << (16 - 8 * c);
            p->rim |= (guint32) lround (rgb[c] * dim * a * 255) << (16 - 8 * c);
          }
      }
}

void
rali_map_raster_draw (RaliMapRaster *self, cairo_surface_t *surface, const RaliMapTransform *t, double base)
{
  cairo_surface_flush (surface);
  guint32 *pixels = (guint32 *) cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface) / 4;
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  gboolean sized = FALSE;
  for (int k = 0; k < self->n && !sized; k++)
    sized = self->draw[k].radius != self->draw[0].radius;
  const Stamp *fixed = sized || self->n == 0 ? NULL : get_stamp (self, base * self->draw[0].radius);
  for (int k = 0; k < self->n; k++)
    {
      const DrawPoint *p = &self->draw[k];
      double x = rali_map_tx (t, p->x), y = rali_map_ty (t, p->y);
      if (x < -32 || y < -32 || x > w + 32 || y > h + 32)
        continue;
      const Stamp *s = fixed ? fixed : get_stamp (self, base * p->radius);
      stamp (pixels, stride, w, h, s, (int) lround (x), (int) lround (y), p->fill, p->rim);
    }
  cairo_surface_mark_dirty (surface);
}

RaliMapRaster *
rali_map_raster_new (void)
{
  return g_new0 (RaliMapRaster, 1);
}

void
rali_map_raster_free (RaliMapRaster *self)
{
  for (int i = 0; i < STAMP_MAX; i++)
    g_clear_pointer (&self->stamps[i], stamp_free);
  g_free (self->draw);
  g_free (self);
}
