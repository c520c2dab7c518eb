/* Camera raw files (engine/image/raw.c): the embedded preview, upright, through
 * rali_image_load and the engine; a raw without a preview says so.  The
 * fixtures are tiny DNGs from tools/make-tiny-dng.py: a 160x120 JPEG
 * preview (a red square top left) over a 32x32 RGGB mosaic.
 *
 *   test-raw FIXTURES_RAW MODEL */
#include "rali.h"
#include "image/raw.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *dir, *model_path;

static char *
fixture (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static gboolean
is_red (const RaliImage *img, int x, int y)
{
  const guint8 *p = img->rgb + ((gsize) y * img->width + x) * 3;
  return p[0] > 200 && p[1] < 60 && p[2] < 60;
}

static void
test_names (void)
{
  const char *yes[] = { "a.CR2", "b.cr3", "c.nef", "d.ARW", "e.raf", "f.orf", "g.rw2", "h.dng", "/x.y/IMG.DNG" };
  const char *no[] = { "a.jpg", "b.png", "c.tif", "dng", "a.dng.xmp", "/x.dng/file" };
  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (rali_is_raw_name (yes[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (rali_is_raw_name (no[i]));
}

static void
test_preview (void)
{
#ifndef RALI_HAVE_LIBRAW
  g_test_skip ("built without LibRaw");
  return;
#endif
  g_autofree char *path = fixture ("tiny.dng");
  g_autoptr (GError) error = NULL;
  RaliImage img;
  g_assert_true (rali_image_load (&img, path, 0, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (img.width, ==, 160);
  g_assert_cmpint (img.height, ==, 120);
  g_assert_true (is_red (&img, 5, 5));
  g_assert_false (is_red (&img, 150, 5));
  rali_image_clear (&img);

  /* Orientation 6: turned 90° clockwise, the red square goes top right */
  g_autofree char *rot = fixture ("tiny-rotated.DNG");
  g_assert_true (rali_image_load (&img, rot, 0, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (img.width, ==, 120);
  g_assert_cmpint (img.height, ==, 160);
  g_assert_true (is_red (&img, 114, 5));
  g_assert_false (is_red (&img, 5, 5));
  rali_image_clear (&img);
}

static void
test_no_preview (void)
{
#ifndef RALI_HAVE_LIBRAW
  g_test_skip ("built without LibRaw");
  return;
#endif
  g_autofree char *path = fixture ("no-preview.dng");
  g_autoptr (GError) error = NULL;
  RaliImage img;
  g_assert_false (rali_image_load (&img, path, 0, 0, &error));
  g_assert_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no embedded preview"));
  g_assert_null (img.rgb);

  /* not a raw file at all, under a raw name */
  g_autofree char *fake = g_build_filename (g_get_tmp_dir (), "rali-not-raw.nef", NULL);
  g_assert_true (g_file_set_contents (fake, "hello, not a raw file", -1, NULL));
  g_clear_error (&error);
  g_assert_false (rali_image_load (&img, fake, 0, 0, &error));
  g_assert_error (error, RALI_ERROR, RALI_ERROR_DECODE);
  g_remove (fake);
}

static void
test_walk_and_score (void)
{
#ifndef RALI_HAVE_LIBRAW
  g_test_skip ("built without LibRaw");
  return;
#endif
  char *paths[] = { (char *) dir };
  g_autoptr (GPtrArray) found = rali_collect_images (paths, 1, NULL, NULL);
  g_assert_cmpuint (found->len, ==, 3); /* all three DNGs, whatever the case of the extension */

  g_autoptr (GError) error = NULL;
  RaliModel *model = rali_model_open (model_path, &error);
  g_assert_no_error (error);
  RaliEngine *engine = rali_engine_new (model, RALI_BACKEND_CPU, &error);
  g_assert_no_error (error);
  const RaliConfig *c = rali_model_config (model);
  int S = c->image_size, V = rali_model_views (model);
  g_autofree float *pixels = g_new (float, (gsize) V * 3 * S * S);
  g_autofree float *features = g_new (float, (gsize) V * c->projection_dim);
  g_autofree char *path = fixture ("tiny.dng");
  g_assert_true (rali_engine_preprocess_file (engine, path, pixels, &error));
  g_assert_true (rali_engine_forward (engine, pixels, V, features, &error));
  g_assert_no_error (error);
  float score = -1;
  RaliDescriptor top[1];
  g_assert_true (rali_head_score (model, features, 1, &score, top, NULL, &error));
  g_test_message ("tiny.dng scored %.4f from its preview", score);
  rali_engine_free (engine);
  rali_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    {
      g_printerr ("usage: test-raw FIXTURES_RAW MODEL\n");
      return 2;
    }
  dir = argv[1];
  model_path = argv[2];
  g_test_add_func ("/raw/names", test_names);
  g_test_add_func ("/raw/preview", test_preview);
  g_test_add_func ("/raw/no-preview", test_no_preview);
  g_test_add_func ("/raw/walk-and-score", test_walk_and_score);
  return g_test_run ();
}
