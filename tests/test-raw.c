/* Camera raw files (engine/image/raw.c): the embedded preview, upright, through
 * rali_image_load and the engine; a raw without a preview says so.  The
 * fixtures are tiny DNGs from tools/make-tiny-dng.py: a 160x120 JPEG
 * preview (a red square top left) over a 32x32 RGGB mosaic.
 *
 *   test-raw FIXTURES_RAW MODEL */
#include "rali.h"
#include "image/raw.h"
#ifdef RALI_HAVE_LIBRAW
#include "image/raw-libraw.h"
#endif

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

static guint32
get_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = v >> (8 * i) & 0xff;
}

static void
append_le32 (GByteArray *b, guint32 v)
{
  guint8 le[4];
  put_le32 (le, v);
  g_byte_array_append (b, le, 4);
}

/* The entry TAG of the IFD at IFD in a little-endian TIFF */
static guint8 *
ifd_entry (GByteArray *b, guint32 ifd, guint16 tag)
{
  guint16 n = b->data[ifd] | b->data[ifd + 1] << 8;
  for (guint16 i = 0; i < n; i++)
    {
      guint8 *e = b->data + ifd + 2 + 12 * i;
      if ((e[0] | e[1] << 8) == tag)
        return e;
    }
  g_assert_not_reached ();
}

static guint32
ifd0 (GByteArray *b)
{
  return get_le32 (b->data + 4);
}

/* Sets the value of the entry TAG (one value, or where COUNT > 1 the
 * offset of COUNT LONGs, the entry becoming LONG); TO, when not 0, renames
 * it instead. */
static void
patch (GByteArray *b, guint32 ifd, guint16 tag, guint16 to, guint32 count, guint32 value)
{
  guint8 *e = ifd_entry (b, ifd, tag);
  if (to)
    e[0] = to & 0xff, e[1] = to >> 8;
  else if (count > 1)
    {
      e[2] = 4, e[3] = 0;
      put_le32 (e + 4, count);
      put_le32 (e + 8, value);
    }
  else if ((e[2] | e[3] << 8) == 3)
    e[8] = value & 0xff, e[9] = value >> 8 & 0xff;
  else
    put_le32 (e + 8, value);
}

/* tiny.dng (a 160x120 JPEG preview over a 32x32 mosaic); BIG_RAW: the
 * mosaic 256x256, larger than the preview, as in real files */
static GByteArray *
tiny_dng (gboolean big_raw)
{
  g_autofree char *path = fixture ("tiny.dng");
  char *data;
  gsize size;
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  GByteArray *b = g_byte_array_new_take ((guint8 *) data, size);
  if (big_raw)
    {
      guint32 raw = get_le32 (ifd_entry (b, ifd0 (b), 330) + 8);
      patch (b, raw, 256, 0, 1, 256);
      patch (b, raw, 257, 0, 1, 256);
      patch (b, raw, 278, 0, 1, 256);
      patch (b, raw, 279, 0, 1, 256 * 256 * 2);
      patch (b, raw, 273, 0, 1, b->len);
      g_byte_array_set_size (b, b->len + 256 * 256 * 2);
    }
  return b;
}

/* B's preview replaced by an uncompressed 160x120 RGB one of BITS bits a
 * sample (a red square top left, grey elsewhere) in N strips: LENS[i]
 * bytes from byte OFFS[i] of the pixels */
static GByteArray *
rgb_preview (GByteArray *b, int bits, const guint32 *offs, const guint32 *lens, guint n)
{
  guint32 at = b->len, ifd = ifd0 (b);
  for (int y = 0; y < 120; y++)
    for (int x = 0; x < 160; x++)
      for (int c = 0; c < 3; c++)
        {
          guint8 v[2] = { x < 20 && y < 20 ? (c ? 0 : 255) : 128, 0 };
          g_byte_array_append (b, v, bits / 8);
        }
  patch (b, ifd, 259, 0, 1, 1);
  patch (b, ifd, 262, 0, 1, 2);
  guint8 *bps = b->data + get_le32 (ifd_entry (b, ifd, 258) + 8); /* 3 SHORTs */
  for (int c = 0; c < 3; c++)
    bps[2 * c] = bits, bps[2 * c + 1] = 0;
  if (n == 1)
    {
      patch (b, ifd, 273, 0, 1, at + offs[0]);
      patch (b, ifd, 279, 0, 1, lens[0]);
      return b;
    }
  patch (b, ifd, 273, 0, n, b->len);
  for (guint i = 0; i < n; i++)
    append_le32 (b, at + offs[i]);
  patch (b, ifd, 279, 0, n, b->len);
  for (guint i = 0; i < n; i++)
    append_le32 (b, lens[i]);
  return b;
}

/* Previews LibRaw 0.20's unpack_thumb writes past its buffers on (three
 * shapes; tests/fuzz/corpus/raw/regress-libraw-thumb-*.dng), which raw.c
 * does not hand to it: it takes a JPEG or a plain RGB preview of those
 * shapes from the file itself and refuses anything else. */
static void
test_unsafe_previews (void)
{
#ifndef RALI_HAVE_LIBRAW
  g_test_skip ("built without LibRaw");
  return;
#endif
  g_autoptr (GError) error = NULL;
  RaliImage img;

  /* "layer": no Compression tag and 160x4, LibRaw would read 3 x 2013
   * bytes into 3 x 160 x 4 */
  g_autoptr (GByteArray) layer = tiny_dng (TRUE);
  patch (layer, ifd0 (layer), 259, 0xc0de, 0, 0);
  patch (layer, ifd0 (layer), 257, 0, 1, 4);
  /* "ppm" in strips whose byte counts wrap around 2^32 (one of them
   * negative as an int): LibRaw would read the rest of the file into 228 bytes */
  const guint32 wrap_offs[] = { 0, 100, 200 }, wrap_lens[] = { 100, 0x7ffffff0, 0x80000090 };
  g_autoptr (GByteArray) wrap = rgb_preview (tiny_dng (TRUE), 8, wrap_offs, wrap_lens, 3);
  /* "kodak": a 16-bit RGB 160x120 preview, which LibRaw would decode into
   * an image of the 32x32 mosaic's size */
  const guint32 kodak_offs[] = { 0 }, kodak_lens[] = { 100 };
  g_autoptr (GByteArray) kodak = rgb_preview (tiny_dng (FALSE), 16, kodak_offs, kodak_lens, 1);
  struct { GByteArray *b; int code; } bad[] = {
    { layer, RALI_ERROR_DECODE }, { wrap, RALI_ERROR_UNSUPPORTED }, { kodak, RALI_ERROR_DECODE } };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (rali_raw_load_preview (&img, bad[i].b->data, bad[i].b->len, "bad.dng", 0, 0, &error));
      g_assert_error (error, RALI_ERROR, bad[i].code);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "bad.dng: embedded preview "));
      g_assert_null (img.rgb);
      g_clear_error (&error);
    }

  /* valid previews: through LibRaw (tiny.dng with a larger mosaic), and of
   * those shapes, taken from the file: a JPEG whose IFD says 160x4 (the
   * JPEG is 160x120), the fixtures (a preview larger than the mosaic), RGB
   * thumbnails (3 bytes a pixel) in one strip and in four */
  g_autoptr (GByteArray) jpeg4 = tiny_dng (TRUE);
  patch (jpeg4, ifd0 (jpeg4), 257, 0, 1, 4);
  const guint32 one_offs[] = { 0 }, one_lens[] = { 57600 };
  const guint32 four_offs[] = { 0, 14400, 28800, 43200 }, four_lens[] = { 14400, 14400, 14400, 14400 };
  GByteArray *good[] = { tiny_dng (TRUE), jpeg4, tiny_dng (FALSE), rgb_preview (tiny_dng (TRUE), 8, one_offs, one_lens, 1),
                         rgb_preview (tiny_dng (TRUE), 8, four_offs, four_lens, 4) };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (rali_raw_load_preview (&img, good[i]->data, good[i]->len, "good.dng", 0, 0, &error));
      g_assert_no_error (error);
      g_assert_cmpint (img.width, ==, 160);
      g_assert_cmpint (img.height, ==, 120);
      g_assert_true (is_red (&img, 5, 5));
      g_assert_false (is_red (&img, 150, 5));
      rali_image_clear (&img);
      if (good[i] != jpeg4)
        g_byte_array_unref (good[i]);
    }
}

/* The LibRaw half in this process (raw-libraw.c, as the fuzz target calls
 * it): the embedded JPEG's bytes, not decoded, and LibRaw's flip; the
 * product path (rali_raw_load_preview, through the rali-raw-preview
 * helper) gives the same image as decoding them here. */
static void
test_extract_in_process (void)
{
#ifndef RALI_HAVE_LIBRAW
  g_test_skip ("built without LibRaw");
#else
  const char *names[] = { "tiny.dng", "tiny-rotated.DNG" };
  const int flips[] = { 0, 6 };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = fixture (names[i]);
      g_autofree char *data = NULL;
      gsize size;
      g_assert_true (g_file_get_contents (path, &data, &size, NULL));
      g_autoptr (GError) error = NULL;
      RaliRawPreview p;
      g_assert_true (rali_raw_extract (&p, (const guint8 *) data, size, names[i], 0, &error));
      g_assert_no_error (error);
      g_assert_nonnull (p.jpeg);
      g_assert_true (p.jpeg_size > 2 && p.jpeg[0] == 0xff && p.jpeg[1] == 0xd8);
      g_assert_cmpint (p.flip, ==, flips[i]);
      RaliImage here, there;
      g_assert_true (rali_raw_preview_to_image (&here, &p, names[i], 0, 0, &error));
      g_assert_null (p.jpeg);
      g_assert_true (rali_raw_load_preview (&there, (const guint8 *) data, size, names[i], 0, 0, &error));
      g_assert_no_error (error);
      g_assert_cmpint (here.width, ==, there.width);
      g_assert_cmpint (here.height, ==, there.height);
      g_assert_cmpmem (here.rgb, (gsize) here.width * here.height * 3, there.rgb,
                       (gsize) there.width * there.height * 3);
      rali_image_clear (&here);
      rali_image_clear (&there);
    }
#endif
}

/* The helper's reply as librali parses it (rali_raw_reply_to_image; the
 * fuzz-raw-reply target feeds it arbitrary bytes): well-formed replies
 * read, anything else an error naming the file, a bitmap's sides bounded
 * whatever max_pixels allows (w x h x 3 cannot wrap). */
static GByteArray *
reply (const char *kind, guint32 a, guint32 b, guint32 c, gsize body)
{
  GByteArray *r = g_byte_array_new ();
  g_byte_array_append (r, (const guint8 *) "RRP1", 4);
  g_byte_array_append (r, (const guint8 *) kind, 1);
  guint32 words[3] = { GUINT32_TO_LE (a), GUINT32_TO_LE (b), GUINT32_TO_LE (c) };
  g_byte_array_append (r, (const guint8 *) words, kind[0] == 'E' ? 8 : 12);
  for (gsize i = 0; i < body; i++)
    g_byte_array_append (r, (const guint8 *) "x", 1);
  return r;
}

static void
test_reply (void)
{
  struct
  {
    GByteArray *r;
    guint64 max_pixels;
    const char *error; /* NULL: an image of 3 x 2 (upright) */
  } cases[] = {
    { reply ("B", 0, 3, 2, 18), 0, NULL },
    { reply ("B", 6, 2, 3, 18), 0, NULL },
    { reply ("E", 2, 9, 0, 9), 0, "r.dng: xxxxxxxxx" },
    { reply ("B", 0, 3, 2, 17), 0, "malformed reply (34 bytes)" },
    { reply ("B", 0, 3, 2, 19), 0, "malformed reply" },
    { reply ("B", 0, 3, 2, 18), 5, "malformed reply" },
    { reply ("B", 0, 70000, 1, 210000), G_MAXUINT64, "malformed reply" },
    { reply ("B", 0, 0x80000000u, 0x80000000u, 0), G_MAXUINT64, "malformed reply" },
    { reply ("J", 0, 4, 0, 5), 0, "malformed reply" },
    { reply ("J", 0, 4, 1, 4), 0, "malformed reply" },
    { reply ("E", 2, 4097, 0, 4097), 0, "malformed reply" },
    { reply ("X", 0, 0, 0, 4), 0, "malformed reply" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      RaliImage img;
      g_autoptr (GError) error = NULL;
      gboolean ok = rali_raw_reply_to_image (&img, cases[i].r, cases[i].r->len, "r.dng", 0, cases[i].max_pixels,
                                             &error);
      if (!cases[i].error)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (img.width, ==, 3);
          g_assert_cmpint (img.height, ==, 2);
          rali_image_clear (&img);
        }
      else
        {
          g_assert_false (ok);
          g_assert_nonnull (error);
          g_assert_true (g_str_has_prefix (error->message, "r.dng: "));
          g_assert_nonnull (strstr (error->message, cases[i].error));
        }
      g_byte_array_unref (cases[i].r);
    }
  /* the bound on what is read from the helper does not wrap either */
  g_assert_cmpuint (rali_raw_reply_bound (100, G_MAXUINT64), ==, 17 + (guint64) 65535 * 65535 * 3);
  g_assert_cmpuint (rali_raw_reply_bound (100, 10), ==, 17 + 100 + 65536);
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
  g_test_add_func ("/raw/unsafe-previews", test_unsafe_previews);
  g_test_add_func ("/raw/extract-in-process", test_extract_in_process);
  g_test_add_func ("/raw/reply", test_reply);
  g_test_add_func ("/raw/walk-and-score", test_walk_and_score);
  return g_test_run ();
}
