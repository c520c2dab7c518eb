/* The gallery's test-driver commands: see rali-gallery-test.h. */
#include "config.h"

#include "rali-gallery-test.h"
#include "rali-test-json.h"

#include "culling/rali-auto-cull-dialog.h"
#include "gallery/rali-score-histogram.h"
#include "gallery/rali-tile.h"

#include <stdio.h>
#include <stdlib.h>

/* the first widget of type under root, depth first (popovers included:
 * they are children of their buttons) */
static GtkWidget *
find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

/* {name: what} for every tile bound to a photo: its badges' text, or the
 * overlays it shows (overlays) */
static void
collect_tiles (GtkWidget *root, JsonBuilder *b, gboolean overlays)
{
  if (RALI_IS_TILE (root))
    {
      RaliGalleryItem *item = rali_tile_get_item (RALI_TILE (root));
      if (item)
        {
          g_autofree char *text = overlays ? rali_tile_dup_overlays (RALI_TILE (root))
                                           : rali_tile_dup_badge_text (RALI_TILE (root));
          member_string (b, rali_gallery_item_get_name (item), text);
        }
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_tiles (c, b, overlays);
}

static RaliAutoCullDialog *
find_dialog (void)
{
  g_autoptr (GList) tops = gtk_window_list_toplevels ();
  for (GList *l = tops; l; l = l->next)
    if (RALI_IS_AUTO_CULL_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static RaliScoreHistogram *
popover_histogram (RaliWindow *window)
{
  return RALI_SCORE_HISTOGRAM (find_widget (GTK_WIDGET (window), RALI_TYPE_SCORE_HISTOGRAM));
}

/* the popover is laid out when it pops up: the histogram gets its width */
static void
popup (RaliScoreHistogram *h, gboolean up)
{
  GtkWidget *button = gtk_widget_get_ancestor (GTK_WIDGET (h), GTK_TYPE_MENU_BUTTON);
  if (up)
    {
      gtk_menu_button_popup (GTK_MENU_BUTTON (button));
      GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (h), GTK_TYPE_POPOVER);
      gtk_popover_present (GTK_POPOVER (popover));
    }
  else
    gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
}

static void
add_histogram (JsonBuilder *b, const char *name, RaliScoreHistogram *h)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  double lower, upper, high, lo, hi;
  g_object_get (h, "lower", &lower, "upper", &upper, "high", &high, NULL);
  member_double (b, "threshold", rali_score_histogram_get_threshold (h));
  member_double (b, "high", high);
  member_double (b, "lower", lower);
  member_double (b, "upper", upper);
  member_bool (b, "mapped", gtk_widget_get_mapped (GTK_WIDGET (h)));
  member_int (b, "width", gtk_widget_get_width (GTK_WIDGET (h)));
  rali_score_histogram_get_view (h, &lo, &hi);
  json_builder_set_member_name (b, "view");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, lo);
  json_builder_add_double_value (b, hi);
  json_builder_end_array (b);
  guint nb = 0, total = 0;
  const guint *bins = rali_score_histogram_get_bins (h, &nb);
  json_builder_set_member_name (b, "bins");
  json_builder_begin_array (b);
  for (guint i = 0; bins && i < nb; i++)
    {
      json_builder_add_int_value (b, bins[i]);
      total += bins[i];
    }
  json_builder_end_array (b);
  member_int (b, "n", total);
  json_builder_end_object (b);
}

static void
add_dialog (JsonBuilder *b, RaliAutoCullDialog *d)
{
  json_builder_set_member_name (b, "dialog");
  if (!d)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  member_string (b, "preview", rali_auto_cull_dialog_get_preview (d));
  RaliAutoCullOptions o;
  rali_auto_cull_dialog_get_options (d, &o);
  static const char *const rejects[] = { "none", "lowest", "below" };
  member_string (b, "reject", rejects[o.reject]);
  member_double (b, "percent", o.percent);
  member_double (b, "score", o.score);
  member_bool (b, "burst", o.burst_best);
  member_bool (b, "keep", o.keep_flagged);
  const RaliAutoCullPlan *p = rali_auto_cull_dialog_get_plan (d);
  member_double (b, "cut", p->cut);
  member_int (b, "n_reject", p->n_reject);
  member_int (b, "n_pick", p->n_pick);
  member_int (b, "n_scored", p->n_scored);
  json_builder_set_member_name (b, "plan");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->items->len; i++)
    {
      json_builder_begin_object (b);
      member_string (b, "path", rali_gallery_item_get_path (p->items->pdata[i]));
      member_int (b, "flag", p->decisions[i].flag);
      member_int (b, "rating", p->decisions[i].rating);
      member_int (b, "labels", p->decisions[i].labels);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_histogram (b, "histogram", rali_auto_cull_dialog_get_histogram (d));
  json_builder_end_object (b);
}

static void
status (RaliWindow *window, JsonBuilder *b)
{
  member_string (b, "event", "gallery");
  RaliScoreHistogram *h = popover_histogram (window);
  if (h)
    {
      add_histogram (b, "histogram", h);
      /* the filter's fields beside it: from, to */
      int i = 0;
      for (GtkWidget *c = gtk_widget_get_first_child (gtk_widget_get_parent (GTK_WIDGET (h))); c;
           c = gtk_widget_get_next_sibling (c))
        if (GTK_IS_SPIN_BUTTON (c) && i < 2)
          member_double (b, i++ ? "filter_max" : "filter_min", gtk_spin_button_get_value (GTK_SPIN_BUTTON (c)));
    }
  json_builder_set_member_name (b, "badges");
  json_builder_begin_object (b);
  collect_tiles (GTK_WIDGET (window), b, FALSE);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "overlays");
  json_builder_begin_object (b);
  collect_tiles (GTK_WIDGET (window), b, TRUE);
  json_builder_end_object (b);
  add_dialog (b, find_dialog ());
}

/* ---- screenshot: the window with the dialog on it ---- */

typedef struct {
  RaliWindow *window;
  char *path;
  int frames;
  gint64 after;
} Shot;

static void
snapshot_widget (GtkSnapshot *s, GtkWidget *w, double x, double y)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (w);
  gtk_snapshot_save (s);
  gtk_snapshot_translate (s, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gdk_paintable_snapshot (paintable, s, gtk_widget_get_width (w), gtk_widget_get_height (w));
  gtk_snapshot_restore (s);
}

static gboolean
shot_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  Shot *shot = data;
  (void) clock;
  if (--shot->frames > 0 || g_get_monotonic_time () < shot->after)
    return G_SOURCE_CONTINUE;
  int W = gtk_widget_get_width (widget), H = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  g_autoptr (GdkTexture) tex = NULL;
  gboolean with_popover = FALSE, with_dialog = FALSE;
  if (W > 0 && H > 0 && renderer)
    {
      GtkSnapshot *s = gtk_snapshot_new ();
      snapshot_widget (s, widget, 0, 0);
      /* popovers and dialogs are surfaces of their own: drawn where the
       * X server shows them (a popup's position is relative to its
       * parent's surface, whose origin is the window's shadow corner) */
      RaliScoreHistogram *h = popover_histogram (shot->window);
      GtkWidget *popover = h ? gtk_widget_get_ancestor (GTK_WIDGET (h), GTK_TYPE_POPOVER) : NULL;
      GdkSurface *ps = popover && gtk_widget_get_mapped (popover) ? gtk_native_get_surface (GTK_NATIVE (popover)) : NULL;
      if (ps && GDK_IS_POPUP (ps))
        {
          with_popover = TRUE;
          double wx, wy, px, py;
          gtk_native_get_surface_transform (GTK_NATIVE (widget), &wx, &wy);
          gtk_native_get_surface_transform (GTK_NATIVE (popover), &px, &py);
          snapshot_widget (s, popover, gdk_popup_get_position_x (GDK_POPUP (ps)) + px - wx,
                           gdk_popup_get_position_y (GDK_POPUP (ps)) + py - wy);
        }
      RaliAutoCullDialog *d = find_dialog ();
      if (d)
        {
          with_dialog = TRUE;
          GtkWidget *dw = GTK_WIDGET (d);
          float dx = (float) ((W - gtk_widget_get_width (dw)) / 2), dy = (float) ((H - gtk_widget_get_height (dw)) / 2);
          GskRoundedRect outline;
          gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (dx, dy, gtk_widget_get_width (dw),
                                                                         gtk_widget_get_height (dw)), 8);
          gtk_snapshot_append_outset_shadow (s, &outline, &(GdkRGBA) { 0, 0, 0, 0.35f }, 0, 6, 4, 18);
          snapshot_widget (s, dw, dx, dy);
        }
      g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (s);
      if (node)
        tex = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, W, H));
    }
  gboolean ok = tex && gdk_texture_save_to_png (tex, shot->path);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  member_string (b, "event", "screenshot");
  member_string (b, "path", shot->path);
  member_bool (b, "ok", ok);
  member_string (b, "why", ok ? NULL : "could not render or write it");
  member_int (b, "width", tex ? gdk_texture_get_width (tex) : 0);
  member_int (b, "height", tex ? gdk_texture_get_height (tex) : 0);
  member_bool (b, "popover", with_popover);
  member_bool (b, "dialog", with_dialog);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
  g_free (shot->path);
  g_free (shot);
  return G_SOURCE_REMOVE;
}

/* ---- commands ---- */

static gboolean
on_off (const char *s)
{
  return s && g_str_equal (s, "on");
}

static const char *
dialog_command (char **argv)
{
  RaliAutoCullDialog *d = find_dialog ();
  if (!d)
    return "gallery dialog: no auto-cull dialog is open";
  if (g_str_equal (argv[0], "dialog-drag") && argv[1])
    {
      RaliScoreHistogram *h = rali_auto_cull_dialog_get_histogram (d);
      double x1 = rali_score_histogram_x_for_score (h, g_ascii_strtod (argv[1], NULL));
      rali_score_histogram_drag (h, x1 - 20, x1, 4);
      return NULL;
    }
  if (!argv[1])
    return "gallery dialog: what?";
  if (g_str_equal (argv[1], "cancel"))
    {
      gtk_window_close (GTK_WINDOW (d));
      return NULL;
    }
  RaliAutoCullOptions o;
  rali_auto_cull_dialog_get_options (d, &o);
  if (g_str_equal (argv[1], "lowest") || g_str_equal (argv[1], "below") || g_str_equal (argv[1], "none"))
    {
      o.reject = g_str_equal (argv[1], "lowest") ? RALI_AUTO_CULL_REJECT_LOWEST
               : g_str_equal (argv[1], "below") ? RALI_AUTO_CULL_REJECT_BELOW
               : RALI_AUTO_CULL_REJECT_NONE;
      double v = argv[2] ? g_ascii_strtod (argv[2], NULL) : 0;
      if (o.reject == RALI_AUTO_CULL_REJECT_LOWEST)
        o.percent = v;
      else if (o.reject == RALI_AUTO_CULL_REJECT_BELOW)
        o.score = v;
      for (int i = 3; argv[i - 1] && argv[i] && argv[i + 1]; i += 2)
        {
          if (g_str_equal (argv[i], "burst"))
            o.burst_best = on_off (argv[i + 1]);
          else if (g_str_equal (argv[i], "keep"))
            o.keep_flagged = on_off (argv[i + 1]);
        }
      rali_auto_cull_dialog_set_options (d, &o);
      return NULL;
    }
  return "gallery dialog: unknown subcommand";
}

JsonNode *
rali_gallery_test_command (RaliWindow *window, const char *args)
{
  g_auto (GStrv) argv = g_strsplit (args ? args : "", " ", -1);
  const char *sub = argv[0] ? argv[0] : "";
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  const char *error = NULL;
  RaliScoreHistogram *h = popover_histogram (window);

  if (g_str_equal (sub, "screenshot") && argv[1])
    {
      Shot *shot = g_new0 (Shot, 1);
      shot->window = window;
      shot->path = g_strdup (argv[1]);
      shot->frames = 3;
      shot->after = g_get_monotonic_time () + 500 * 1000;
      gtk_widget_queue_draw (GTK_WIDGET (window));
      RaliAutoCullDialog *d = find_dialog ();
      if (d)
        gtk_widget_queue_draw (GTK_WIDGET (d));
      gtk_widget_add_tick_callback (GTK_WIDGET (window), shot_tick, shot, NULL);
      return NULL;
    }
  if (g_str_equal (sub, "dialog") && argv[1] && g_str_equal (argv[1], "apply"))
    {
      RaliAutoCullDialog *d = find_dialog ();
      member_string (b, "event", "gallery-apply");
      member_bool (b, "ok", d && rali_auto_cull_dialog_apply (d));
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }

  if (g_str_equal (sub, "status"))
    ;
  else if (!h)
    error = "gallery: no histogram in the window";
  else if (g_str_equal (sub, "popup") || g_str_equal (sub, "popdown"))
    popup (h, g_str_equal (sub, "popup"));
  else if (g_str_equal (sub, "drag") && argv[1] && argv[2])
    {
      /* the popover must be up for the histogram to have a width */
      if (gtk_widget_get_width (GTK_WIDGET (h)) <= 0)
        error = "gallery drag: the histogram is not laid out (gallery popup first)";
      else
        {
          double x0 = g_str_equal (argv[1], "left") ? 2 : rali_score_histogram_x_for_score (h, g_ascii_strtod (argv[1], NULL));
          double x1 = g_str_equal (argv[2], "left") ? 2 : rali_score_histogram_x_for_score (h, g_ascii_strtod (argv[2], NULL));
          rali_score_histogram_drag (h, x0, x1, argv[3] ? atoi (argv[3]) : 8);
        }
    }
  else if (g_str_equal (sub, "step") && argv[1])
    rali_score_histogram_step (h, atoi (argv[1]));
  else if (g_str_equal (sub, "dialog") || g_str_equal (sub, "dialog-drag"))
    error = dialog_command (argv);
  else
    error = "gallery: unknown or incomplete subcommand";

  if (error)
    {
      member_string (b, "event", "error");
      member_string (b, "message", error);
    }
  else
    status (window, b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
