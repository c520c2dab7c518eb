/* The map's test-driver commands: see rali-map-test.h. */
#include "config.h"

#include "rali-map-test.h"
#include "rali-test-json.h"

#include <math.h>
#include <stdlib.h>

static void
set_pair (JsonBuilder *b, const char *name, const double v[2])
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  json_builder_add_double_value (b, v[0]);
  json_builder_add_double_value (b, v[1]);
  json_builder_end_array (b);
}

/* a "Similar photos" list's members: shown, its photo, busy, how it was
 * found, rows (name, similarity) */
void
rali_test_add_neighbour_list (JsonBuilder *b, RaliNeighbourList *list, RaliSimilarPhotos *similar)
{
  RaliGalleryItem *query = rali_neighbour_list_get_query (list);
  json_builder_set_member_name (b, "shown");
  json_builder_add_boolean_value (b, gtk_widget_get_visible (GTK_WIDGET (list)));
  member_string (b, "query", query ? rali_gallery_item_get_name (query) : NULL);
  json_builder_set_member_name (b, "busy");
  json_builder_add_boolean_value (b, rali_neighbour_list_is_busy (list) || (similar && rali_similar_photos_is_busy (similar)));
  json_builder_set_member_name (b, "exact");
  json_builder_add_boolean_value (b, similar ? rali_similar_photos_get_exact (similar) : TRUE);
  member_int (b, "n_photos", similar ? rali_similar_photos_get_n_photos (similar) : 0);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint r = 0; r < rali_neighbour_list_get_n_rows (list); r++)
    {
      float sim = 0;
      RaliGalleryItem *item = rali_neighbour_list_get_row_item (list, r, &sim);
      json_builder_begin_array (b);
      json_builder_add_string_value (b, item ? rali_gallery_item_get_name (item) : "");
      json_builder_add_double_value (b, sim);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

/* the map's "Similar photos" list and the rings on the map */
static void
similar_status (RaliMapView *view, JsonBuilder *b)
{
  json_builder_set_member_name (b, "similar");
  json_builder_begin_object (b);
  rali_test_add_neighbour_list (b, rali_map_view_get_neighbour_list (view), rali_map_view_get_similar_photos (view));
  const int *rings;
  guint n_rings = 0;
  int q = rali_map_canvas_get_neighbours (rali_map_view_get_canvas (view), &rings, &n_rings);
  member_int (b, "ringed_query", q);
  member_int (b, "ringed", n_rings);
  json_builder_end_object (b);
}

static void
status (RaliMapView *view, JsonBuilder *b)
{
  RaliMapCanvas *canvas = rali_map_view_get_canvas (view);
  RaliMapData *d = rali_map_canvas_get_data (canvas);
  guint n_selected = 0;
  const guint8 *sel = rali_map_canvas_get_selection (canvas, &n_selected);
  member_string (b, "event", "map");
  json_builder_set_member_name (b, "mapped");
  json_builder_add_boolean_value (b, gtk_widget_get_mapped (GTK_WIDGET (view)));
  json_builder_set_member_name (b, "computing");
  json_builder_add_boolean_value (b, rali_map_view_is_computing (view));
  member_string (b, "error", rali_map_view_get_error (view));
  member_int (b, "points", d ? d->n : 0);
  member_int (b, "clusters", d ? d->k : 0);
  member_int (b, "selected", sel ? (gint64) n_selected : -1);
  member_int (b, "prototypes", d ? d->n_prototypes : 0);
  gboolean lasso, protos, thumbs;
  g_object_get (canvas, "lasso", &lasso, "show-prototypes", &protos, "thumbnails", &thumbs, NULL);
  member_string (b, "tool", lasso ? "lasso" : "rectangle");
  json_builder_set_member_name (b, "show_prototypes");
  json_builder_add_boolean_value (b, protos);
  json_builder_set_member_name (b, "thumbnails");
  json_builder_add_boolean_value (b, thumbs);
  guint ready = 0, sprites = rali_map_canvas_get_sprites (canvas, &ready);
  member_int (b, "sprites", sprites);
  member_int (b, "sprites_ready", ready);
  similar_status (view, b);
  int proto, hover = rali_map_canvas_get_hover (canvas, &proto);
  member_int (b, "hover", hover);
  member_int (b, "hover_prototype", proto);
  member_string (b, "hover_name", d && d->items && hover >= 0 ? rali_gallery_item_get_name (d->items[hover]) : NULL);
  double size[2] = { gtk_widget_get_width (GTK_WIDGET (canvas)), gtk_widget_get_height (GTK_WIDGET (canvas)) };
  set_pair (b, "canvas", size);
  if (!d)
    return;
  /* the photos selected in the gallery, as the map rings them */
  guint n_current = 0;
  const int *current = rali_map_canvas_get_current (canvas, &n_current);
  json_builder_set_member_name (b, "current");
  json_builder_begin_array (b);
  for (guint t = 0; t < n_current; t++)
    if (d->items)
      json_builder_add_string_value (b, rali_gallery_item_get_name (d->items[current[t]]));
  json_builder_end_array (b);
  set_pair (b, "explained", d->explained);
  member_double (b, "silhouette", d->silhouette);
  member_double (b, "seconds", d->seconds);
  double xs[2] = { d->xmin, d->xmax }, ys[2] = { d->ymin, d->ymax };
  set_pair (b, "x_range", xs);
  set_pair (b, "y_range", ys);
  json_builder_set_member_name (b, "legend");
  json_builder_begin_array (b);
  for (int c = 0; c < d->k; c++)
    {
      json_builder_begin_object (b);
      member_string (b, "name", d->clusters[c].name);
      member_int (b, "size", d->clusters[c].size);
      member_double (b, "mean_score", d->clusters[c].mean_score);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* data (x, y) in argv[0..1] -> widget coordinates */
static gboolean
widget_point (RaliMapCanvas *canvas, char **argv, double *wx, double *wy)
{
  if (!argv[0] || !argv[1])
    return FALSE;
  rali_map_canvas_data_to_widget (canvas, g_ascii_strtod (argv[0], NULL), g_ascii_strtod (argv[1], NULL), wx, wy);
  return TRUE;
}

JsonNode *
rali_map_test_command (RaliMapView *view, const char *args)
{
  g_auto (GStrv) argv = g_strsplit (args ? args : "", " ", -1);
  const char *sub = argv[0] ? argv[0] : "";
  RaliMapCanvas *canvas = rali_map_view_get_canvas (view);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  const char *error = NULL;

  if (g_str_equal (sub, "export") && argv[1] && argv[2])
    {
      RaliMapExportFile what = g_str_equal (argv[1], "svg")   ? RALI_MAP_EXPORT_FILE_SVG
                             : g_str_equal (argv[1], "csv") ? RALI_MAP_EXPORT_FILE_CSV
                                                            : RALI_MAP_EXPORT_FILE_PNG;
      g_autoptr (GError) e = NULL;
      gboolean ok = rali_map_view_export (view, what, argv[2], &e);
      member_string (b, "event", "map-export");
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, ok);
      member_string (b, "error", e ? e->message : NULL);
    }
  else if (g_str_equal (sub, "key") && argv[1])
    {
      guint keyval = gdk_keyval_from_name (argv[1]);
      member_string (b, "event", "map-key");
      json_builder_set_member_name (b, "handled");
      json_builder_add_boolean_value (b, keyval != GDK_KEY_VoidSymbol && rali_map_view_handle_key (view, keyval, 0));
    }
  else if (g_str_equal (sub, "bench"))
    {
      double full[2], hover[2], raster[2], load[3] = { -1, -1, -1 };
      int frames = argv[1] ? atoi (argv[1]) : 20;
      gboolean ok = rali_map_canvas_time_frames (canvas, MAX (frames, 1), full, hover, raster);
      if (getloadavg (load, 3) < 0)
        load[0] = -1;
      member_string (b, "event", "map-bench");
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, ok);
      RaliMapData *d = rali_map_canvas_get_data (canvas);
      member_int (b, "points", d ? d->n : 0);
      member_int (b, "frames", frames);
      if (ok)
        {
          set_pair (b, "full_ms", full);
          set_pair (b, "hover_ms", hover);
          set_pair (b, "raster_ms", raster);
        }
      set_pair (b, "load_average", load);
      double size[2] = { gtk_widget_get_width (GTK_WIDGET (canvas)), gtk_widget_get_height (GTK_WIDGET (canvas)) };
      set_pair (b, "canvas", size);
    }
  else
    {
      double x0, y0, x1, y1;
      if (g_str_equal (sub, "status"))
        ;
      else if (g_str_equal (sub, "select") && widget_point (canvas, argv + 1, &x0, &y0)
               && widget_point (canvas, argv + 3, &x1, &y1))
        rali_map_canvas_select_rect (canvas, x0, y0, x1, y1);
      else if (((g_str_equal (sub, "lasso") || g_str_equal (sub, "lasso-draw")) && argv[1])
               || g_str_equal (sub, "lasso-end"))
        {
          /* the points as a drag passes them; "lasso-draw" leaves the
           * outline being drawn (for a screenshot), "lasso-end" ends it */
          for (int i = 1; argv[i] && argv[i + 1]; i += 2)
            if (widget_point (canvas, argv + i, &x0, &y0))
              rali_map_canvas_lasso_add (canvas, x0, y0);
          if (!g_str_equal (sub, "lasso-draw"))
            rali_map_canvas_lasso_finish (canvas, TRUE);
        }
      else if (g_str_equal (sub, "tool") && argv[1])
        g_object_set (canvas, "lasso", g_str_equal (argv[1], "lasso"), NULL); /* the toolbar follows */
      else if (g_str_equal (sub, "select-cluster") && argv[1])
        rali_map_view_select_cluster (view, atoi (argv[1]));
      else if (g_str_equal (sub, "clear"))
        gtk_widget_activate_action (GTK_WIDGET (view), "map.clear-selection", NULL);
      else if (g_str_equal (sub, "hover") && widget_point (canvas, argv + 1, &x0, &y0))
        rali_map_canvas_hover_at (canvas, x0, y0);
      else if (g_str_equal (sub, "click") && widget_point (canvas, argv + 1, &x0, &y0))
        rali_map_canvas_click_at (canvas, x0, y0, 1);
      else if (g_str_equal (sub, "zoom") && argv[1])
        {
          /* around the data point X Y, or the centre */
          if (!widget_point (canvas, argv + 2, &x0, &y0))
            {
              x0 = gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0;
              y0 = gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0;
            }
          rali_map_canvas_zoom (canvas, g_ascii_strtod (argv[1], NULL), x0, y0);
        }
      else if (g_str_equal (sub, "centre") && widget_point (canvas, argv + 1, &x0, &y0))
        rali_map_canvas_centre_on (canvas, g_ascii_strtod (argv[1], NULL), g_ascii_strtod (argv[2], NULL), FALSE);
      else if (g_str_equal (sub, "similar-row") && argv[1])
        rali_neighbour_list_activate_row (rali_map_view_get_neighbour_list (view), (guint) atoi (argv[1]));
      else if (g_str_equal (sub, "similar-close"))
        rali_map_view_show_similar (view, NULL);
      else if (g_str_equal (sub, "action") && argv[1])
        {
          g_autofree char *name = g_strconcat ("map.", argv[1], NULL);
          if (!gtk_widget_activate_action (GTK_WIDGET (view), name, NULL))
            error = "map: no such action";
        }
      else if (g_str_equal (sub, "style") && argv[1])
        {
          gboolean sizes = FALSE, protos = FALSE;
          for (int i = 2; argv[i]; i++)
            {
              sizes |= g_str_equal (argv[i], "sizes");
              protos |= g_str_equal (argv[i], "prototypes");
            }
          g_object_set (canvas, "color-by-score", g_str_equal (argv[1], "score"), "size-by-score", sizes,
                        "show-prototypes", protos, NULL);
        }
      else if (g_str_equal (sub, "synthetic") && argv[1])
        rali_map_view_load_synthetic (view, atoi (argv[1]), argv[2] ? atoi (argv[2]) : 256);
      else
        error = "map: unknown or incomplete subcommand";
      if (error)
        {
          member_string (b, "event", "error");
          member_string (b, "message", error);
        }
      else
        status (view, b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
