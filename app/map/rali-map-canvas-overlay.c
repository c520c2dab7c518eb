/* RaliMapCanvas's per-frame overlay: the rings and frames of the hovered
 * and current photos, the similar photos' links and rank badges, and the
 * selection being dragged, drawn over the cached texture every frame. */
#include "config.h"

#include "rali-map-canvas-private.h"
#include "rali-map-selection.h"

#include <math.h>

static void
ring (GtkSnapshot *snapshot, double x, double y, double r, double width, const GdkRGBA *color)
{
  GskRoundedRect rr;
  gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), r);
  float w[4] = { width, width, width, width };
  GdkRGBA c[4] = { *color, *color, *color, *color };
  gtk_snapshot_append_border (snapshot, &rr, w, c);
}

/* what point i covers on screen: its sprite, or the square around its dot */
static void
point_box (RaliMapCanvas *self, int i, graphene_rect_t *r)
{
  if (rali_map_sprites_rect (self->sprites, self->data, &self->view, i, r))
    return;
  RaliMapStyle style;
  rali_map_canvas_get_style (self, &style);
  double zoom = self->fit_scale > 0 ? self->view.scale / self->fit_scale : 1;
  double rad = rali_map_point_radius (self->data, &style, i, rali_map_base_radius (self->data->n) * CLAMP (sqrt (zoom), 1.0, 2.5));
  graphene_rect_init (r, (float) (rali_map_tx (&self->view, self->data->xy[2 * i]) - rad),
                      (float) (rali_map_ty (&self->view, self->data->xy[2 * i + 1]) - rad), (float) (2 * rad),
                      (float) (2 * rad));
}

/* a ring around point i, gap px outside it (a frame around its sprite) */
static void
ring_point (RaliMapCanvas *self, GtkSnapshot *snapshot, int i, double gap, double width, const GdkRGBA *color)
{
  if (i < 0 || i >= self->data->n)
    return;
  graphene_rect_t r;
  if (rali_map_sprites_rect (self->sprites, self->data, &self->view, i, &r))
    {
      GskRoundedRect rr;
      graphene_rect_inset (&r, (float) (-gap + 1), (float) (-gap + 1));
      gsk_rounded_rect_init_from_rect (&rr, &r, 3);
      float w[4] = { width, width, width, width };
      GdkRGBA c[4] = { *color, *color, *color, *color };
      gtk_snapshot_append_border (snapshot, &rr, w, c);
      return;
    }
  RaliMapStyle style;
  rali_map_canvas_get_style (self, &style);
  double zoom = self->fit_scale > 0 ? self->view.scale / self->fit_scale : 1;
  double base = rali_map_base_radius (self->data->n) * CLAMP (sqrt (zoom), 1.0, 2.5);
  ring (snapshot, rali_map_tx (&self->view, self->data->xy[2 * i]), rali_map_ty (&self->view, self->data->xy[2 * i + 1]),
        rali_map_point_radius (self->data, &style, i, base) + gap, width, color);
}

void
rali_map_canvas_snapshot_overlay (RaliMapCanvas *self, GtkSnapshot *snapshot)
{
  /* on top, every frame: rings (frames around sprites), the neighbours'
   * links, and the selection rectangle or lasso */
  GdkRGBA fg, accent = { 0.208f, 0.518f, 0.894f, 1 }, link = { 0.208f, 0.518f, 0.894f, 0.55f };
  rali_map_canvas_foreground (self, &fg);
  if (self->query >= 0 && self->query < self->data->n)
    {
      graphene_rect_t from;
      point_box (self, self->query, &from);
      for (guint t = 0; t < self->neighbours->len; t++)
        {
          graphene_rect_t to;
          int i = g_array_index (self->neighbours, int, t);
          if (i >= 0 && i < self->data->n && i != self->query)
            {
              point_box (self, i, &to);
              rali_map_snapshot_link (snapshot, &from, &to, &link);
            }
        }
      /* the neighbours framed in the text colour (the accent is close to
       * cluster 1's blue), numbered as the list ranks them */
      for (guint t = 0; t < self->neighbours->len; t++)
        {
          int i = g_array_index (self->neighbours, int, t);
          ring_point (self, snapshot, i, 3, 2, &fg);
          graphene_rect_t box;
          if (i < 0 || i >= self->data->n)
            continue;
          point_box (self, i, &box);
          g_autofree char *rank = g_strdup_printf ("%u", t + 1);
          rali_map_snapshot_badge (GTK_WIDGET (self), snapshot, box.origin.x - 3, box.origin.y - 3, rank, &accent);
        }
    }
  for (guint t = 0; t < self->current->len; t++)
    ring_point (self, snapshot, g_array_index (self->current, int, t), 4, 3, &accent);
  if (self->hover >= 0)
    ring_point (self, snapshot, self->hover, 3, 2, &fg);
  else if (self->hover_proto >= 0 && self->show_prototypes)
    {
      const RaliMapPrototype *p = &self->data->prototypes[self->hover_proto];
      ring (snapshot, rali_map_tx (&self->view, p->x), rali_map_ty (&self->view, p->y), 10, 2, &fg);
    }
  if (self->banding)
    rali_map_snapshot_band (snapshot, self->band, &accent);
  else if (self->lassoing)
    rali_map_snapshot_lasso (snapshot, (const double *) self->lasso_xy->data, self->lasso_xy->len / 2, &accent);
}
