/* RaliDetailView, the work behind "why" and "where" (see
 * rali-detail-view-private.h): the quality map's tiles scored by the
 * compare scorer, the brightness histogram and focus peaking of the
 * full-size photo, the legend over the photo and the tile tooltip. */
#include "config.h"

#include "rali-detail-view-private.h"

#include "compare/rali-compare-scorer.h"
#include "rali-application.h"

#include <glib/gi18n.h>
#include <math.h>

/* the model file and backend the app scores with; NULL with why */
static char *
model_path (RaliDetailView *self, RaliBackendKind *backend, GError **error)
{
  RaliApplication *app = rali_application_of_widget (GTK_WIDGET (self));
  if (!app)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no application");
      return NULL;
    }
  *backend = rali_application_get_backend (app);
  return rali_application_dup_model_path (app, error);
}

static void
cancel_work (GCancellable **work)
{
  if (*work)
    g_cancellable_cancel (*work);
  g_clear_object (work);
}

/* the reference of the quality map: the photo's own score */
double
_rali_detail_view_photo_score (RaliDetailView *self)
{
  if (self->item && rali_gallery_item_get_state (self->item) == RALI_ITEM_SCORED)
    return rali_gallery_item_get_score (self->item);
  const RaliCompareResult *why = rali_why_panel_get_result (self->why_panel);
  return why ? why->score : NAN;
}

void
_rali_detail_view_update_legend (RaliDetailView *self)
{
  g_autoptr (GString) t = g_string_new (NULL);
  const RaliTileResult *tiles = rali_quality_overlay_get_tiles (self->quality_overlay);
  if (self->show_map && self->tiles_work)
    g_string_append (t, _("Quality map: scoring the tiles…"));
  else if (self->show_map && self->tiles_error)
    g_string_append_printf (t, _("Quality map: %s"), self->tiles_error);
  else if (self->show_map && tiles)
    /* TRANSLATORS: the quality map's legend over the photo */
    g_string_append_printf (t, _("Quality map: %d of %d tiles score below the whole photo (%.2f): red, darker is "
                                 "lower. Point at a tile for what it shows."),
                            rali_quality_overlay_get_n_weak (self->quality_overlay), tiles->cols * tiles->rows,
                            _rali_detail_view_photo_score (self));
  if (self->show_peaking)
    {
      if (t->len)
        g_string_append_c (t, '\n');
      if (rali_peaking_overlay_has_edges (self->peaking_overlay))
        /* TRANSLATORS: %s is a colour name ("magenta"), then the share of the photo */
        g_string_append_printf (t, _("Focus peaking: %s marks the edges that are sharp at 100 %% (%.1f %% of "
                                     "the photo)"),
                                rali_peaking_colour_name (self->analysis ? self->analysis->colour : 0),
                                100.0 * (self->analysis ? self->analysis->edge_share : 0));
      else if (self->loaded)
        g_string_append (t, _("Focus peaking: finding the edges…"));
      else
        g_string_append (t, _("Focus peaking: waiting for the photo…"));
    }
  gtk_label_set_text (self->overlay_legend, t->str);
  gtk_widget_set_visible (GTK_WIDGET (self->overlay_legend), t->len > 0);
}

static void
on_tiles (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliDetailView) self = data;
  (void) source;
  g_autoptr (GError) error = NULL;
  RaliTileResult *r = rali_compare_tiles_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->tiles_work);
  self->tiles_done = g_get_monotonic_time ();
  g_clear_pointer (&self->tiles_error, g_free);
  self->tiles_error = error ? g_strdup (error->message) : NULL;
  rali_quality_overlay_set_tiles (self->quality_overlay, r, _rali_detail_view_photo_score (self));
  _rali_detail_view_update_legend (self);
}

void
_rali_detail_view_start_tiles (RaliDetailView *self)
{
  cancel_work (&self->tiles_work);
  g_clear_pointer (&self->tiles_error, g_free);
  rali_quality_overlay_set_tiles (self->quality_overlay, NULL, NAN);
  g_autoptr (GError) error = NULL;
  RaliBackendKind backend;
  g_autofree char *model = self->item ? model_path (self, &backend, &error) : NULL;
  if (model)
    {
      self->tiles_work = g_cancellable_new ();
      self->tiles_started = g_get_monotonic_time ();
      self->tiles_done = 0;
      rali_compare_tiles_async (rali_gallery_item_get_path (self->item), model, backend, 0, 0, self->tiles_work,
                                on_tiles, g_object_ref (self));
    }
  else if (error)
    self->tiles_error = g_strdup (error->message);
  _rali_detail_view_update_legend (self);
}

static void
on_analysis (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliDetailView) self = data;
  (void) source;
  g_autoptr (GError) error = NULL;
  RaliPhotoAnalysis *a = rali_photo_analysis_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->analysis_work);
  if (!a)
    return; /* out of memory: the histogram stays empty */
  g_clear_pointer (&self->analysis, rali_photo_analysis_free);
  self->analysis = a;
  self->analysis_has_peaking = a->peaking != NULL;
  rali_luma_histogram_set_analysis (self->histogram, a);
  g_autofree char *caption = rali_luma_histogram_dup_caption_markup (self->histogram);
  gtk_label_set_markup (self->histogram_caption, caption);
  rali_peaking_overlay_set_analysis (self->peaking_overlay, a);
  _rali_detail_view_update_legend (self);
}

/* the histogram (and peaking) of the full-size photo shown */
void
_rali_detail_view_start_analysis (RaliDetailView *self)
{
  GdkTexture *tex = rali_image_view_get_texture (self->image_view);
  if (!self->loaded || !tex)
    return;
  cancel_work (&self->analysis_work);
  self->analysis_work = g_cancellable_new ();
  rali_photo_analysis_async (tex, self->show_peaking, self->analysis_work, on_analysis, g_object_ref (self));
  _rali_detail_view_update_legend (self);
}

void
_rali_detail_view_clear_work (RaliDetailView *self)
{
  cancel_work (&self->tiles_work);
  cancel_work (&self->analysis_work);
  g_clear_pointer (&self->tiles_error, g_free);
  g_clear_pointer (&self->analysis, rali_photo_analysis_free);
  self->analysis_has_peaking = FALSE;
  self->tiles_started = self->tiles_done = 0;
  rali_why_panel_set_item (self->why_panel, NULL);
  rali_quality_overlay_set_tiles (self->quality_overlay, NULL, NAN);
  rali_peaking_overlay_set_analysis (self->peaking_overlay, NULL);
  rali_luma_histogram_set_analysis (self->histogram, NULL);
  gtk_label_set_text (self->histogram_caption, "");
}

/* the tooltip of the quality map at (x, y) in the image view */
static char *
tile_tooltip (RaliDetailView *self, double x, double y)
{
  graphene_point_t p;
  if (!self->show_map || !gtk_widget_compute_point (GTK_WIDGET (self->image_view), GTK_WIDGET (self->quality_overlay),
                                                    &GRAPHENE_POINT_INIT ((float) x, (float) y), &p))
    return NULL;
  return rali_quality_overlay_describe_tile (self->quality_overlay,
                                             rali_quality_overlay_tile_at (self->quality_overlay, p.x, p.y));
}

gboolean
_rali_detail_view_on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, RaliDetailView *self)
{
  (void) widget;
  (void) keyboard;
  g_autofree char *text = tile_tooltip (self, x, y);
  if (!text)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- for tests ---- */

const char *
rali_detail_view_get_legend (RaliDetailView *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->overlay_legend)) ? gtk_label_get_text (self->overlay_legend) : "";
}

gboolean
rali_detail_view_is_busy (RaliDetailView *self, gboolean *why, gboolean *tiles, gboolean *analysis)
{
  *why = rali_why_panel_is_busy (self->why_panel);
  *tiles = self->tiles_work != NULL;
  *analysis = self->analysis_work != NULL;
  return *why || *tiles || *analysis;
}

double
rali_detail_view_get_tiles_seconds (RaliDetailView *self)
{
  return self->tiles_done > self->tiles_started && self->tiles_started ? (self->tiles_done - self->tiles_started) / 1e6
                                                                        : -1;
}

const char *
rali_detail_view_get_tiles_error (RaliDetailView *self)
{
  return self->tiles_error;
}

char *
rali_detail_view_dup_tile_tooltip (RaliDetailView *self, double fx, double fy)
{
  graphene_rect_t r;
  if (!rali_image_view_get_image_rect (self->image_view, &r))
    return NULL;
  return tile_tooltip (self, r.origin.x + fx * r.size.width, r.origin.y + fy * r.size.height);
}
