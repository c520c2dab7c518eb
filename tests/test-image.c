/* Image decode + CLIP preprocessing against PIL references.
 *
 * usage: test-image FIXTURE_DIR   (tests/fixtures/images, made by
 *        tools/make-image-fixtures.py)
 *
 * For each manifest image: decode with rali_image_load and compare the RGB8
 * bytes with PIL's `exif_transpose(Image.open(p)).convert("RGB")` (exact;
 * CMYK within 2 levels), then rali_preprocess_clip with the PIL/HF CLIP
 * reference (mean |diff| <= 1/255 and max <= 3/255 in pixel units).  Hostile
 * files must fail with the right code and a message that starts with the
 * file name.  The resampler must equal PIL's bicubic resize byte for byte.
 * Prints the worst element and where; exits non-zero on any failure. */
#include "rali.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                          \
  do {                                                            \
    if (!(cond)) {                                                \
      failures++;                                                 \
      g_printerr ("FAIL %s:%d: ", __FILE__, __LINE__);            \
      g_printerr (__VA_ARGS__);                                   \
      g_printerr ("\n");                                          \
    }                                                             \
  } while (0)

static float clip_mean[3], clip_std[3];

static guint8 *
read_fixture (const char *dir, const char *name, gsize expect, gsize *len_out)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) err = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &err)) {
    CHECK (FALSE, "cannot read fixture %s: %s", path, err->message);
    return NULL;
  }
  if (expect && len != expect) {
    CHECK (FALSE, "fixture %s has %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
           path, len, expect);
    g_free (data);
    return NULL;
  }
  if (len_out)
    *len_out = len;
  return (guint8 *) data;
}

/* Exact (tol 0) or within tol levels; reports the worst byte and where. */
static void
compare_rgb (const char *what, const guint8 *ours, const guint8 *ref, int w, int h, int tol)
{
  int worst = 0, wx = 0, wy = 0, wc = 0;
  gsize n_diff = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        gsize i = ((gsize) y * w + x) * 3 + c;
        int d = abs ((int) ours[i] - (int) ref[i]);
        n_diff += d != 0;
        if (d > worst) {
          worst = d;
          wx = x, wy = y, wc = c;
        }
      }
  if (worst > tol) {
    gsize i = ((gsize) wy * w + wx) * 3 + wc;
    CHECK (FALSE, "%s: RGB differs from PIL: max |diff| %d > %d at (x=%d, y=%d, c=%d): ours %d, PIL %d; "
           "%" G_GSIZE_FORMAT " of %d values differ",
           what, worst, tol, wx, wy, wc, ours[i], ref[i], n_diff, w * h * 3);
  } else {
    g_print ("  %s: RGB vs PIL max |diff| %d (%" G_GSIZE_FORMAT " values differ)\n", what, worst, n_diff);
  }
}

/* Compares in pixel units: (ours - ref) * std is the difference of x/255. */
static void
compare_clip (const char *what, const float *ours, const float *ref, int S)
{
  double sum = 0, worst = -1;
  int wc = 0, wy = 0, wx = 0;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < S; y++)
      for (int x = 0; x < S; x++) {
        gsize i = ((gsize) c * S + y) * S + x;
        double d = fabs ((double) ours[i] - (double) ref[i]) * clip_std[c];
        if (!(d == d))
          d = INFINITY;
        sum += d;
        if (d > worst) {
          worst = d;
          wc = c, wy = y, wx = x;
        }
      }
  double mean = sum / (3.0 * S * S);
  gsize wi = ((gsize) wc * S + wy) * S + wx;
  if (!(mean <= 1.0 / 255 && worst <= 3.0 / 255))
    CHECK (FALSE, "%s: CLIP tensor vs PIL: mean |diff| %.3g, max %.3g (pixel units, limits 1/255, 3/255) "
           "worst at (c=%d, y=%d, x=%d): ours %.6f, ref %.6f", what, mean, worst, wc, wy, wx,
           ours[wi], ref[wi]);
  else
    g_print ("  %s: CLIP %dx%d vs PIL: mean |diff| %.3g, max %.3g (pixel units) at (c=%d, y=%d, x=%d)\n",
             what, S, S, mean, worst, wc, wy, wx);
}

static char *
sha256_hex (const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

static void
test_image_entry (const char *dir, JsonObject *e)
{
  const char *file = json_object_get_string_member (e, "file");
  int mss = json_object_get_int_member (e, "min_short_side");
  int want_w = json_object_get_int_member (e, "width"), want_h = json_object_get_int_member (e, "height");
  JsonArray *dct = json_object_get_array_member (e, "dct");
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *what = g_strdup_printf ("%s (min_short_side %d)", file, mss);
  g_autoptr (GError) err = NULL;
  RaliImage img;

  g_print ("%s\n", what);
  if (!rali_image_load (&img, path, mss, 0, &err)) {
    CHECK (FALSE, "%s: load failed: %s", what, err->message);
    return;
  }
  CHECK (img.width == want_w && img.height == want_h, "%s: size %dx%d, expected %dx%d",
         what, img.width, img.height, want_w, want_h);
  CHECK (img.dct_scale_num == json_array_get_int_element (dct, 0) &&
         img.dct_scale_denom == json_array_get_int_element (dct, 1),
         "%s: DCT scale %d/%d, expected %d/%d", what, img.dct_scale_num, img.dct_scale_denom,
         (int) json_array_get_int_element (dct, 0), (int) json_array_get_int_element (dct, 1));
  CHECK (img.orientation == json_object_get_int_member (e, "orientation"),
         "%s: orientation %d, expected %d", what, img.orientation,
         (int) json_object_get_int_member (e, "orientation"));
  if (img.width != want_w || img.height != want_h) {
    rali_image_clear (&img);
    return;
  }
  g_print ("  %dx%d, DCT %d/%d, orientation %d\n", img.width, img.height,
           img.dct_scale_num, img.dct_scale_denom, img.orientation);

  gsize n = (gsize) img.width * img.height * 3;
  const char *rgb_ref = json_object_get_null_member (e, "rgb") ? NULL
                        : json_object_get_string_member (e, "rgb");
  const char *sha_ref = json_object_get_null_member (e, "rgb_sha256") ? NULL
                        : json_object_get_string_member (e, "rgb_sha256");
  if (rgb_ref) {
    g_autofree guint8 *ref = read_fixture (dir, rgb_ref, n, NULL);
    if (ref)
      compare_rgb (what, img.rgb, ref, img.width, img.height,
                   json_object_get_int_member (e, "rgb_tolerance"));
  } else if (sha_ref) {
    g_autofree char *sha = sha256_hex (img.rgb, n);
    CHECK (strcmp (sha, sha_ref) == 0, "%s: RGB differs from PIL (SHA-256 %s, PIL %s)", what, sha, sha_ref);
    if (strcmp (sha, sha_ref) == 0)
      g_print ("  %s: RGB equals PIL's (SHA-256)\n", what);
  }

  JsonArray *clips = json_object_get_array_member (e, "clip");
  for (guint i = 0; i < json_array_get_length (clips); i++) {
    JsonObject *c = json_array_get_object_element (clips, i);
    int S = json_object_get_int_member (c, "size");
    g_autofree guint8 *ref = read_fixture (dir, json_object_get_string_member (c, "file"),
                                           (gsize) 3 * S * S * sizeof (float), NULL);
    g_autofree float *ours = g_new (float, (gsize) 3 * S * S);
    g_autoptr (GError) perr = NULL;
    if (ref == NULL)
      continue;
    if (!rali_preprocess_clip (ours, &img, S, clip_mean, clip_std, &perr)) {
      CHECK (FALSE, "%s: preprocess %d failed: %s", what, S, perr->message);
      continue;
    }
    compare_clip (what, ours, (const float *) ref, S);
  }
  rali_image_clear (&img);
}

static RaliErrorCode
code_from_name (const char *s)
{
  static const char *names[] = { "IO", "DECODE", "UNSUPPORTED", "TOO_LARGE", "MODEL", "BACKEND", "USAGE" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (s, names[i]) == 0)
      return (RaliErrorCode) i;
  g_error ("unknown error code %s in manifest", s);
}

/* Loading must fail with code and a message "NAME: ..." */
static void
expect_failure (const char *path, int mss, guint64 max_pixels, RaliErrorCode code, const char *also)
{
  g_autoptr (GError) err = NULL;
  RaliImage img;
  gboolean ok = rali_image_load (&img, path, mss, max_pixels, &err);

  if (ok) {
    CHECK (FALSE, "%s: loaded (%dx%d) but should fail with code %d", path, img.width, img.height, code);
    rali_image_clear (&img);
    return;
  }
  CHECK (img.rgb == NULL, "%s: failed load left pixels behind", path);
  CHECK (g_error_matches (err, RALI_ERROR, (gint) code), "%s: error code %d (%s), expected %d",
         path, err->code, err->message, code);
  g_autofree char *prefix = g_strdup_printf ("%s: ", path);
  CHECK (g_str_has_prefix (err->message, prefix), "%s: message does not start with the path: %s",
         path, err->message);
  CHECK (also == NULL || strstr (err->message, also) != NULL, "%s: message lacks \"%s\": %s",
         path, also, err->message);
  g_print ("  refused as expected: %s\n", err->message);
}

static void
test_hostile (const char *dir, JsonArray *hostile)
{
  g_print ("hostile files\n");
  for (guint i = 0; i < json_array_get_length (hostile); i++) {
    JsonObject *h = json_array_get_object_element (hostile, i);
    const char *file = json_object_get_string_member (h, "file");
    g_autofree char *path = g_build_filename (dir, file, NULL);
    RaliErrorCode code = code_from_name (json_object_get_string_member (h, "error"));
    const char *also = NULL;
    if (strstr (file, "huge-header"))
      also = "60000x60000";
    else if (strcmp (file, "truncated.jpg") == 0)
      also = "truncated JPEG data";
    expect_failure (path, 0, 0, code, also);
    expect_failure (path, 224, 0, code, also);
  }

  /* a directory with an image's name */
  g_autoptr (GError) err = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("rali-test-XXXXXX", &err);
  CHECK (tmp != NULL, "cannot make a temp dir: %s", err ? err->message : "?");
  if (tmp) {
    g_autofree char *xdir = g_build_filename (tmp, "x.jpg", NULL);
    g_autofree char *missing = g_build_filename (tmp, "missing.jpg", NULL);
    CHECK (g_mkdir (xdir, 0700) == 0, "cannot make %s", xdir);
    expect_failure (xdir, 0, 0, RALI_ERROR_IO, "is a directory");
    expect_failure (missing, 0, 0, RALI_ERROR_IO, NULL);
    g_rmdir (xdir);
    g_rmdir (tmp);
  }

  /* the pixel limit, for both decoders, checked before decoding */
  g_autofree char *jpg = g_build_filename (dir, "rgb.jpg", NULL);
  g_autofree char *png = g_build_filename (dir, "rgb-odd.png", NULL);
  g_autofree char *large = g_build_filename (dir, "large.jpg", NULL);
  expect_failure (jpg, 0, 160 * 120 - 1, RALI_ERROR_TOO_LARGE, "19199");
  expect_failure (png, 0, 97 * 61 - 1, RALI_ERROR_TOO_LARGE, "97x61");
  /* the JPEG limit applies to the unscaled size, whatever the DCT reduction */
  expect_failure (large, 88, 1000 * 700 - 1, RALI_ERROR_TOO_LARGE, "1000x700");
  RaliImage img;
  g_autoptr (GError) e2 = NULL;
  CHECK (rali_image_load (&img, jpg, 0, 160 * 120, &e2), "rgb.jpg at exactly the limit: %s",
         e2 ? e2->message : "");
  rali_image_clear (&img);
  rali_image_clear (&img); /* clearing twice is fine */

  /* the in-memory variant names what it was given */
  gsize len = 0;
  g_autofree guint8 *data = read_fixture (dir, "huge-header.png", 0, &len);
  g_autoptr (GError) e3 = NULL;
  CHECK (data && !rali_image_load_from_data (&img, data, len, "memory:huge", 0, 0, &e3) &&
         g_error_matches (e3, RALI_ERROR, RALI_ERROR_TOO_LARGE) &&
         g_str_has_prefix (e3->message, "memory:huge: "),
         "load_from_data of huge-header.png: %s", e3 ? e3->message : "succeeded");
  g_autoptr (GError) e4 = NULL;
  CHECK (!rali_image_load_from_data (&img, (const guint8 *) "", 0, "memory:empty", 0, 0, &e4) &&
         g_str_has_prefix (e4->message, "memory:empty: "), "load_from_data of nothing");
}

static void
test_resize (const char *dir, JsonArray *list)
{
  g_print ("resize vs PIL bicubic\n");
  for (guint i = 0; i < json_array_get_length (list); i++) {
    JsonObject *r = json_array_get_object_element (list, i);
    int iw = json_object_get_int_member (r, "in_w"), ih = json_object_get_int_member (r, "in_h");
    int ow = json_object_get_int_member (r, "out_w"), oh = json_object_get_int_member (r, "out_h");
    g_autofree guint8 *in = read_fixture (dir, json_object_get_string_member (r, "in"), (gsize) iw * ih * 3, NULL);
    g_autofree guint8 *ref = read_fixture (dir, json_object_get_string_member (r, "out"), (gsize) ow * oh * 3, NULL);
    g_autofree guint8 *out = g_new (guint8, (gsize) ow * oh * 3);
    g_autofree char *what = g_strdup_printf ("resize %dx%d -> %dx%d", iw, ih, ow, oh);
    if (!in || !ref)
      continue;
    rali_resize_bicubic_rgb8 (out, ow, oh, in, iw, ih);
    compare_rgb (what, out, ref, ow, oh, 0);
    /* four channels a pixel (the detail view's BGRA): R, G, B and R again,
     * each resampled alike, so PIL's R, G, B and R */
    g_autofree guint8 *in4 = g_new (guint8, (gsize) iw * ih * 4);
    g_autofree guint8 *out4 = g_new (guint8, (gsize) ow * oh * 4);
    for (gsize p = 0; p < (gsize) iw * ih; p++) {
      memcpy (in4 + 4 * p, in + 3 * p, 3);
      in4[4 * p + 3] = in[3 * p];
    }
    rali_resize_bicubic_4x8 (out4, ow, oh, in4, iw, ih);
    gsize bad = 0;
    for (gsize p = 0; p < (gsize) ow * oh; p++)
      bad += memcmp (out4 + 4 * p, ref + 3 * p, 3) != 0 || out4[4 * p + 3] != ref[3 * p];
    CHECK (bad == 0, "%s, four channels a pixel: PIL's bytes in each (%" G_GSIZE_FORMAT " pixels differ)", what, bad);
    if (bad == 0)
      g_print ("ok   %s, four channels a pixel\n", what);
  }

  /* identity: same size is a copy */
  GRand *rand = g_rand_new_with_seed (7);
  int w = 31, h = 17;
  g_autofree guint8 *src = g_new (guint8, (gsize) w * h * 3);
  g_autofree guint8 *dst = g_new (guint8, (gsize) w * h * 3);
  for (int i = 0; i < w * h * 3; i++)
    src[i] = (guint8) g_rand_int_range (rand, 0, 256);
  rali_resize_bicubic_rgb8 (dst, w, h, src, w, h);
  compare_rgb ("resize identity 31x17", dst, src, w, h, 0);
  g_rand_free (rand);

  /* preprocessing an image that is already size x size: no resample, no crop */
  RaliImage img = { .width = w, .height = w, .rgb = g_new (guint8, (gsize) w * w * 3) };
  for (int i = 0; i < w * w * 3; i++)
    img.rgb[i] = (guint8) (i * 37 % 251);
  g_autofree float *t = g_new (float, (gsize) 3 * w * w);
  CHECK (rali_preprocess_clip (t, &img, w, clip_mean, clip_std, NULL), "preprocess square");
  double worst = 0;
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < w * w; i++) {
      float x = (float) (img.rgb[3 * i + c] * (1.0 / 255.0));
      worst = MAX (worst, fabs (t[c * w * w + i] - (x - clip_mean[c]) / clip_std[c]));
    }
  CHECK (worst == 0, "preprocess of a %dx%d image at %d is not a plain normalise (max diff %g)", w, w, w, worst);
  g_autoptr (GError) e = NULL;
  CHECK (!rali_preprocess_clip (t, &img, 0, clip_mean, clip_std, &e) &&
         g_error_matches (e, RALI_ERROR, RALI_ERROR_USAGE), "preprocess size 0 must fail");
  /* the whole frame of a square photo is CLIP's input, pixel for pixel */
  g_autofree float *fr = g_new (float, (gsize) 3 * w * w);
  int fh = 0, fw = 0;
  CHECK (rali_preprocess_frame (fr, &img, w, clip_mean, clip_std, &fh, &fw, NULL) && fh == w && fw == w &&
         memcmp (fr, t, sizeof (float) * 3 * w * w) == 0, "whole frame of a square photo is its CLIP input");
  rali_image_clear (&img);

  /* a 3:2 photo's frame: its middle square is CLIP's input */
  RaliImage wide = { .width = 60, .height = 40, .rgb = g_new (guint8, 60 * 40 * 3) };
  for (int i = 0; i < 60 * 40 * 3; i++)
    wide.rgb[i] = (guint8) (i * 53 % 241);
  g_autofree float *clip28 = g_new (float, 3 * 28 * 28), *frame28 = g_new (float, 3 * 42 * 28);
  CHECK (rali_preprocess_clip (clip28, &wide, 28, clip_mean, clip_std, NULL) &&
         rali_preprocess_frame (frame28, &wide, 28, clip_mean, clip_std, &fh, &fw, NULL) && fh == 28 && fw == 42,
         "frame of 60x40 at 28 is 42x28 (got %dx%d)", fw, fh);
  gboolean same = TRUE;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 28; y++)
      same &= memcmp (clip28 + (c * 28 + y) * 28, frame28 + (c * 28 + y) * 42 + 7, 28 * sizeof (float)) == 0;
  CHECK (same, "the middle 28x28 of a 60x40 photo's frame is its CLIP input");
  rali_image_clear (&wide);

  /* frame shapes (ralifmt.frame_shape gives the same: tests/test-cli.py) */
  static const int shapes[][8] = {
    /* w, h, size: crop_w, crop_h, out_w, out_h */
    { 3000, 2000, 448, 3000, 2000, 672, 448 },
    { 2000, 3000, 448, 2000, 3000, 448, 672 },
    { 4000, 4000, 448, 4000, 4000, 448, 448 },
    { 9000, 1000, 448, 3000, 1000, 1344, 448 },
    { 1, 10000, 448, 1, 3, 448, 1344 },
    { 1600, 900, 448, 1600, 900, 796, 448 },
    { 1000, 999, 28, 1000, 999, 28, 28 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++) {
    const int *s = shapes[i];
    int cw, ch, ow, oh;
    rali_frame_shape (s[0], s[1], s[2], &cw, &ch, &ow, &oh);
    CHECK (cw == s[3] && ch == s[4] && ow == s[5] && oh == s[6],
           "frame of %dx%d at %d: crop %dx%d, out %dx%d (want %dx%d, %dx%d)", s[0], s[1], s[2], cw, ch, ow, oh,
           s[3], s[4], s[5], s[6]);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (argc != 2) {
    g_printerr ("usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  g_autofree char *manifest = g_build_filename (argv[1], "manifest.json", NULL);
  if (!json_parser_load_from_file (parser, manifest, &err)) {
    g_printerr ("FAIL: cannot read %s: %s\n", manifest, err->message);
    return 1;
  }
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  for (int c = 0; c < 3; c++) {
    clip_mean[c] = (float) json_array_get_double_element (json_object_get_array_member (root, "clip_mean"), c);
    clip_std[c] = (float) json_array_get_double_element (json_object_get_array_member (root, "clip_std"), c);
  }

  JsonArray *images = json_object_get_array_member (root, "images");
  for (guint i = 0; i < json_array_get_length (images); i++)
    test_image_entry (argv[1], json_array_get_object_element (images, i));

  /* a PNG ignores min_short_side: no DCT to scale in */
  {
    g_autofree char *png = g_build_filename (argv[1], "rgb-odd.png", NULL);
    RaliImage img;
    CHECK (rali_image_load (&img, png, 30, 0, NULL) && img.width == 97 && img.dct_scale_denom == 1,
           "PNG with min_short_side");
    rali_image_clear (&img);
  }

  test_hostile (argv[1], json_object_get_array_member (root, "hostile"));
  test_resize (argv[1], json_object_get_array_member (root, "resize"));

  if (failures) {
    g_printerr ("%d check(s) failed\n", failures);
    return 1;
  }
  g_print ("all image checks passed\n");
  return 0;
}
