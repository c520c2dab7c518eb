/* RaliQualityOverlay: see rali-quality-overlay.h. */
#include "config.h"

#include "rali-quality-overlay.h"

#include <glib/gi18n.h>
#include <math.h>

/* a tile this far below the photo, as a share of the model's scale, is
 * tinted fully; less than WEAK_MIN is not tinted */
#define FULL_DEFICIT 0.10
#define WEAK_MIN 0.005
#define MAX_ALPHA 0.6

struct _RaliQualityOverlay {
  GtkWidget parent_instance;
  RaliImageView *view; /* weak: the detail view owns both */
  RaliTileResult *tiles;
  double photo_score;
  char *description;
  int n_weak;
};

G_DEFINE_FINAL_TYPE (RaliQualityOverlay, rali_quality_overlay, GTK_TYPE_WIDGET)

static double
deficit (RaliQualityOverlay *self, int i)
{
  double range = self->tiles->score_max - self->tiles->score_min;
  return range > 0 ? (self->photo_score - self->tiles->tiles[i].score) / range : 0;
}

/* the image's rectangle in our coordinates */
static gboolean
image_rect (RaliQualityOverlay *self, graphene_rect_t *r)
{
  if (!self->view || !self->tiles || !rali_image_view_get_image_rect (self->view, r))
    return FALSE;
  graphene_point_t p;
  if (!gtk_widget_compute_point (GTK_WIDGET (self->view), GTK_WIDGET (self), &r->origin, &p))
    return FALSE;
  r->origin = p;
  return TRUE;
}

/* tile i's cell in our coordinates, given the image's rectangle */
static void
cell_rect (RaliQualityOverlay *self, const graphene_rect_t *img, int i, graphene_rect_t *out)
{
  const RaliTileScore *t = &self->tiles->tiles[i];
  double sx = img->size.width / self->tiles->width, sy = img->size.height / self->tiles->height;
  graphene_rect_init (out, (float) (img->origin.x + t->cell_x * sx), (float) (img->origin.y + t->cell_y * sy),
                      (float) (t->cell_w * sx), (float) (t->cell_h * sy));
}

static void
rali_quality_overlay_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  RaliQualityOverlay *self = RALI_QUALITY_OVERLAY (widget);
  graphene_rect_t img;
  if (!image_rect (self, &img))
    return;
  int n = self->tiles->cols * self->tiles->rows;
  double W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, W, H));
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  for (int i = 0; i < n; i++)
    {
      graphene_rect_t c;
      cell_rect (self, &img, i, &c);
      double d = deficit (self, i);
      if (d > WEAK_MIN)
        {
          cairo_set_source_rgba (cr, 0.85, 0.1, 0.1, MAX_ALPHA * CLAMP (d / FULL_DEFICIT, 0.15, 1.0));
          cairo_rectangle (cr, c.origin.x, c.origin.y, c.size.width, c.size.height);
          cairo_fill (cr);
        }
      cairo_set_source_rgba (cr, 1, 1, 1, 0.45);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, floor (c.origin.x) + 0.5, floor (c.origin.y) + 0.5, c.size.width, c.size.height);
      cairo_stroke (cr);
      /* the score, on a dark pill in the cell's corner, when there is room */
      if (c.size.width < 44 || c.size.height < 24)
        continue;
      char text[32];
      g_snprintf (text, sizeof text, "%.2f", self->tiles->tiles[i].score);
      pango_layout_set_text (layout, text, -1);
      int tw, th;
      pango_layout_get_pixel_size (layout, &tw, &th);
      double x = c.origin.x + 6, y = c.origin.y + 6;
      cairo_set_source_rgba (cr, 0, 0, 0, 0.55);
      cairo_rectangle (cr, x - 3, y - 1, tw + 6, th + 2);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_destroy (cr);
}

int
rali_quality_overlay_tile_at (RaliQualityOverlay *self, double x, double y)
{
  graphene_rect_t img;
  if (!image_rect (self, &img))
    return -1;
  for (int i = 0; i < self->tiles->cols * self->tiles->rows; i++)
    {
      graphene_rect_t c;
      cell_rect (self, &img, i, &c);
      if (graphene_rect_contains_point (&c, &GRAPHENE_POINT_INIT ((float) x, (float) y)))
        return i;
    }
  return -1;
}

/* "top left", "centre", "bottom right"… of a cell in the grid */
static const char *
place_name (int col, int cols, int row, int rows)
{
  int h = cols < 3 ? (col * 2 < cols ? 0 : 2) : col == 0 ? 0 : col == cols - 1 ? 2 : 1;
  int v = rows < 3 ? (row * 2 < rows ? 0 : 2) : row == 0 ? 0 : row == rows - 1 ? 2 : 1;
  const char *names[3][3] = {
    { N_("top left"), N_("top"), N_("top right") },
    { N_("left"), N_("centre"), N_("right") },
    { N_("bottom left"), N_("bottom"), N_("bottom right") },
  };
  return _(names[v][h]);
}

char *
rali_quality_overlay_describe_tile (RaliQualityOverlay *self, int i)
{
  if (!self->tiles || i < 0 || i >= self->tiles->cols * self->tiles->rows)
    return NULL;
  const RaliTileScore *t = &self->tiles->tiles[i];
  /* TRANSLATORS: a tooltip: a tile's place and score, the photo's score,
   * the tile's nearest descriptor (the model's words) and its share, then
   * the square the model saw for it (head/explain.h: at least its input
   * size, around the tile, never enlarged where the photo is that large) */
  return g_strdup_printf (_("%s (row %d, column %d): %.2f, the whole photo %.2f\n%s\n(%.0f %% of this tile's score; "
                            "scored on the %d × %d px around it)"),
                          place_name (t->col, self->tiles->cols, t->row, self->tiles->rows), t->row + 1, t->col + 1,
                          t->score, self->photo_score, self->tiles->texts[i], 100.0 * t->top_weight, t->w, t->h);
}

static void
update_description (RaliQualityOverlay *self)
{
  g_clear_pointer (&self->description, g_free);
  self->n_weak = 0;
  if (!self->tiles)
    {
      self->description = g_strdup (_("Quality map: not computed"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description, -1);
      return;
    }
  int n = self->tiles->cols * self->tiles->rows, worst = 0;
  for (int i = 0; i < n; i++)
    {
      self->n_weak += deficit (self, i) > WEAK_MIN;
      if (self->tiles->tiles[i].score < self->tiles->tiles[worst].score)
        worst = i;
    }
  const RaliTileScore *w = &self->tiles->tiles[worst];
  /* TRANSLATORS: the quality map for screen readers: the grid, how many
   * tiles score below the photo, and the weakest tile */
  self->description = g_strdup_printf (
    _("Quality map of %d × %d tiles: %d score below the whole photo (%.2f); the weakest is at the %s, %.2f: %s"),
    self->tiles->cols, self->tiles->rows, self->n_weak, self->photo_score,
    place_name (w->col, self->tiles->cols, w->row, self->tiles->rows), w->score, self->tiles->texts[worst]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description, -1);
}

void
rali_quality_overlay_set_tiles (RaliQualityOverlay *self, RaliTileResult *tiles, double photo_score)
{
  g_return_if_fail (RALI_IS_QUALITY_OVERLAY (self));
  if (self->tiles != tiles)
    g_clear_pointer (&self->tiles, rali_tile_result_free);
  self->tiles = tiles;
  self->photo_score = photo_score;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_quality_overlay_set_photo_score (RaliQualityOverlay *self, double photo_score)
{
  self->photo_score = photo_score;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const RaliTileResult *
rali_quality_overlay_get_tiles (RaliQualityOverlay *self)
{
  return self->tiles;
}

const char *
rali_quality_overlay_get_description (RaliQualityOverlay *self)
{
  return self->description;
}

int
rali_quality_overlay_get_n_weak (RaliQualityOverlay *self)
{
  return self->n_weak;
}

static void
on_view_moved (RaliQualityOverlay *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
rali_quality_overlay_set_image_view (RaliQualityOverlay *self, RaliImageView *view)
{
  g_return_if_fail (RALI_IS_QUALITY_OVERLAY (self));
  self->view = view;
  const char *signals[] = { "notify::zoom", "notify::texture", "view-changed", "laid-out" };
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_object (view, signals[i], G_CALLBACK (on_view_moved), self, G_CONNECT_SWAPPED);
}

static void
rali_quality_overlay_finalize (GObject *object)
{
  RaliQualityOverlay *self = RALI_QUALITY_OVERLAY (object);
  g_clear_pointer (&self->tiles, rali_tile_result_free);
  g_clear_pointer (&self->description, g_free);
  G_OBJECT_CLASS (rali_quality_overlay_parent_class)->finalize (object);
}

static void
rali_quality_overlay_class_init (RaliQualityOverlayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = rali_quality_overlay_finalize;
  widget_class->snapshot = rali_quality_overlay_snapshot;
  gtk_widget_class_set_css_name (widget_class, "raliqualityoverlay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
rali_quality_overlay_init (RaliQualityOverlay *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  update_description (self);
}
