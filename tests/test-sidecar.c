/* XMP sidecars (engine/library/sidecar.c): names, values as the other tools read
 * them, merging into existing sidecars, atomic replacement, originals
 * untouched.
 *
 *   test-sidecar                      the GTest cases
 *   test-sidecar write IMAGE STYLE RATING FLAG LABELS
 *                                     writes one decision (for test-sidecar-exiv2.py) */
#include "library/sidecar.h"
#include "rali.h"

#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <string.h>

/* a darktable sidecar with keywords and a history entry */
static const char darktable_sidecar[] =
  "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
  "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"XMP Core 4.4.0-Exiv2\">\n"
  " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
  "  <rdf:Description rdf:about=\"\"\n"
  "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
  "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
  "    xmlns:darktable=\"http://darktable.sf.net/\"\n"
  "   xmp:Rating=\"2\"\n"
  "   darktable:history_end=\"1\">\n"
  "   <dc:subject>\n"
  "    <rdf:Bag>\n"
  "     <rdf:li>harbour</rdf:li>\n"
  "     <rdf:li>night</rdf:li>\n"
  "    </rdf:Bag>\n"
  "   </dc:subject>\n"
  "   <darktable:history>\n"
  "    <rdf:Seq>\n"
  "     <rdf:li\n"
  "      darktable:operation=\"exposure\"\n"
  "      darktable:enabled=\"1\"\n"
  "      darktable:modversion=\"6\"\n"
  "      darktable:params=\"00000000cdcc4c3d\"/>\n"
  "    </rdf:Seq>\n"
  "   </darktable:history>\n"
  "  </rdf:Description>\n"
  " </rdf:RDF>\n"
  "</x:xmpmeta>\n"
  "<?xpacket end=\"w\"?>\n";

typedef struct {
  char *dir;
  char *image;
} Fixture;

static void
write_file (const char *path, const char *data, gssize n)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, data, n, &error));
  g_assert_no_error (error);
}

static char *
file_hash (const char *path)
{
  g_autofree char *data = NULL;
  gsize n = 0;
  g_assert_true (g_file_get_contents (path, &data, &n, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, n);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("rali-sidecar-XXXXXX", &error);
  g_assert_no_error (error);
  f->image = g_build_filename (f->dir, "IMG_0001.JPG", NULL);
  /* not a real JPEG: the sidecar code must never look at it */
  write_file (f->image, "\xff\xd8\xff original bytes", -1);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_remove (p);
    }
  g_rmdir (f->dir);
  g_free (f->image);
  g_free (f->dir);
}

static GExiv2Metadata *
open_meta (const char *path)
{
  g_autoptr (GError) error = NULL;
  GExiv2Metadata *m = gexiv2_metadata_new ();
  g_assert_true (gexiv2_metadata_open_path (m, path, &error));
  g_assert_no_error (error);
  return m;
}

static void
assert_tag (GExiv2Metadata *m, const char *tag, const char *want)
{
  g_autofree char *v = gexiv2_metadata_try_get_tag_string (m, tag, NULL);
  if (g_strcmp0 (v, want) != 0)
    g_error ("%s is %s, want %s", tag, v ? v : "(none)", want ? want : "(none)");
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (d))
    n++;
  return n;
}

static void
test_paths (void)
{
  g_autofree char *a = rali_sidecar_path ("/p/IMG_1.CR2", RALI_SIDECAR_APPENDED);
  g_autofree char *b = rali_sidecar_path ("/p/IMG_1.CR2", RALI_SIDECAR_REPLACED);
  g_autofree char *c = rali_sidecar_path ("/p.d/noext", RALI_SIDECAR_REPLACED);
  g_autofree char *d = rali_sidecar_path ("/p/.hidden", RALI_SIDECAR_REPLACED);
  g_assert_cmpstr (a, ==, "/p/IMG_1.CR2.xmp");
  g_assert_cmpstr (b, ==, "/p/IMG_1.xmp");
  g_assert_cmpstr (c, ==, "/p.d/noext.xmp");
  g_assert_cmpstr (d, ==, "/p/.hidden.xmp");
  g_assert_cmpint (rali_sidecar_style_from_string ("replaced"), ==, RALI_SIDECAR_REPLACED);
  g_assert_cmpint (rali_sidecar_style_from_string ("appended"), ==, RALI_SIDECAR_APPENDED);
  /* digiKam's ColorLabel numbers */
  g_assert_cmpint (rali_label_to_digikam (RALI_LABEL_RED), ==, 1);
  g_assert_cmpint (rali_label_to_digikam (RALI_LABEL_YELLOW), ==, 3);
  g_assert_cmpint (rali_label_to_digikam (RALI_LABEL_GREEN), ==, 4);
  g_assert_cmpint (rali_label_to_digikam (RALI_LABEL_BLUE), ==, 5);
  g_assert_cmpint (rali_label_to_digikam (RALI_LABEL_PURPLE), ==, 6);
  g_assert_cmpint (rali_label_to_digikam (0), ==, 0);
  g_assert_cmpuint (rali_label_from_digikam (5), ==, RALI_LABEL_BLUE);
  g_assert_cmpuint (rali_label_from_digikam (2), ==, 0); /* orange: none of ours */
}

static void
test_new_sidecar (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *before = file_hash (f->image);
  g_autoptr (GError) error = NULL;
  RaliDecision d = { .rating = 4, .flag = RALI_FLAG_REJECTED, .labels = RALI_LABEL_RED | RALI_LABEL_BLUE };
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_assert_no_error (error);
  g_autofree char *path = g_strconcat (f->image, ".xmp", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (f->dir), ==, 2); /* no temporary file left */

  g_autoptr (GExiv2Metadata) m = open_meta (path);
  assert_tag (m, "Xmp.xmp.Rating", "-1");
  assert_tag (m, "Xmp.xmp.Label", "Red");
  assert_tag (m, "Xmp.digiKam.PickLabel", "1");
  assert_tag (m, "Xmp.digiKam.ColorLabel", "1");
  g_auto (GStrv) bag = gexiv2_metadata_try_get_tag_multiple (m, "Xmp.darktable.colorlabels", NULL);
  g_assert_cmpuint (g_strv_length (bag), ==, 2);
  g_assert_cmpstr (bag[0], ==, "0");
  g_assert_cmpstr (bag[1], ==, "3");

  RaliDecision back;
  g_autofree char *found = NULL;
  g_assert_true (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &back, &found, &error));
  g_assert_cmpstr (found, ==, path);
  /* the stars of a rejected photo are not in the XMP */
  g_assert_cmpint (back.flag, ==, RALI_FLAG_REJECTED);
  g_assert_cmpint (back.rating, ==, 0);
  g_assert_cmpuint (back.labels, ==, d.labels);
  g_assert_true (rali_sidecar_same_xmp (&back, &d));

  /* picked, 3 stars, green; then everything undone */
  d = (RaliDecision) { .rating = 3, .flag = RALI_FLAG_PICKED, .labels = RALI_LABEL_GREEN };
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_assert_true (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &back, NULL, &error));
  g_assert_true (rali_decision_equal (&back, &d));
  d = (RaliDecision) { 0 };
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_assert_true (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &back, NULL, &error));
  g_assert_true (rali_decision_equal (&back, &d));
  g_autoptr (GExiv2Metadata) m2 = open_meta (path);
  assert_tag (m2, "Xmp.xmp.Rating", "0");
  assert_tag (m2, "Xmp.xmp.Label", NULL);
  assert_tag (m2, "Xmp.digiKam.PickLabel", "0");
  g_assert_false (gexiv2_metadata_try_has_tag (m2, "Xmp.darktable.colorlabels", NULL));

  g_autofree char *after = file_hash (f->image);
  g_assert_cmpstr (before, ==, after);
}

static void
test_merge (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *path = g_strconcat (f->image, ".xmp", NULL);
  write_file (path, darktable_sidecar, -1);
  g_chmod (path, 0640);
  g_autoptr (GError) error = NULL;
  RaliDecision d;
  g_assert_true (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &d, NULL, &error));
  g_assert_cmpint (d.rating, ==, 2);

  d = (RaliDecision) { .rating = 5, .flag = RALI_FLAG_PICKED, .labels = RALI_LABEL_YELLOW };
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_assert_no_error (error);
  g_autoptr (GExiv2Metadata) m = open_meta (path);
  assert_tag (m, "Xmp.xmp.Rating", "5");
  assert_tag (m, "Xmp.xmp.Label", "Yellow");
  assert_tag (m, "Xmp.digiKam.PickLabel", "3");
  assert_tag (m, "Xmp.digiKam.ColorLabel", "3");
  g_auto (GStrv) kw = gexiv2_metadata_try_get_tag_multiple (m, "Xmp.dc.subject", NULL);
  g_assert_cmpuint (g_strv_length (kw), ==, 2);
  g_assert_cmpstr (kw[0], ==, "harbour");
  g_assert_cmpstr (kw[1], ==, "night");
  assert_tag (m, "Xmp.darktable.history_end", "1");
  assert_tag (m, "Xmp.darktable.history[1]/darktable:operation", "exposure");
  assert_tag (m, "Xmp.darktable.history[1]/darktable:params", "00000000cdcc4c3d");
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640); /* the sidecar's mode is kept */
}

static void
test_adobe_style (Fixture *f, gconstpointer data)
{
  (void) data;
  /* only a Lightroom-style IMG_0001.xmp: read, and merged into the new one */
  g_autofree char *adobe = g_build_filename (f->dir, "IMG_0001.xmp", NULL);
  write_file (adobe, darktable_sidecar, -1);
  g_autofree char *adobe_before = file_hash (adobe);
  g_autoptr (GError) error = NULL;
  RaliDecision d;
  g_autofree char *found = NULL;
  g_assert_true (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &d, &found, &error));
  g_assert_cmpstr (found, ==, adobe);
  g_assert_cmpint (d.rating, ==, 2);

  d.flag = RALI_FLAG_PICKED;
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_autofree char *appended = g_strconcat (f->image, ".xmp", NULL);
  g_autoptr (GExiv2Metadata) m = open_meta (appended);
  assert_tag (m, "Xmp.digiKam.PickLabel", "3");
  assert_tag (m, "Xmp.darktable.history[1]/darktable:operation", "exposure");
  g_autofree char *adobe_after = file_hash (adobe);
  g_assert_cmpstr (adobe_before, ==, adobe_after);

  /* the Adobe style preference writes IMG_0001.xmp itself */
  d.rating = 1;
  g_assert_true (rali_sidecar_write (f->image, RALI_SIDECAR_REPLACED, &d, &error));
  g_autoptr (GExiv2Metadata) a = open_meta (adobe);
  assert_tag (a, "Xmp.xmp.Rating", "1");
  assert_tag (a, "Xmp.dc.subject", "harbour, night");
}

static void
test_unreadable_kept (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *path = g_strconcat (f->image, ".xmp", NULL);
  const char junk[] = "<x:xmpmeta this is not XML";
  write_file (path, junk, -1);
  g_autoptr (GError) error = NULL;
  RaliDecision d = { .rating = 3 };
  g_assert_false (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_autofree char *after = NULL;
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, junk);
  g_assert_cmpuint (count_files (f->dir), ==, 2);
}

/* Exiv2 chooses its parser from a file's first bytes: a ".xmp" that is
 * really a RIFF (WebP) or JPEG file must be refused, not rewritten in that
 * format (found by the sidecar fuzzer, tests/fuzz/corpus/sidecar/riff-*) */
static void
test_other_format_kept (Fixture *f, gconstpointer data)
{
  (void) data;
  static const char riff[] = "RIFFacketnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\x91\x91\x91\x91\x91\x91\x91.\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91";
  static const char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
  const struct { const char *data; gsize n; } cases[] = { { riff, sizeof riff - 1 }, { jpeg, sizeof jpeg - 1 } };
  g_autofree char *path = g_strconcat (f->image, ".xmp", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      write_file (path, cases[i].data, (gssize) cases[i].n);
      g_autoptr (GError) error = NULL;
      RaliDecision d = { .rating = 4, .flag = RALI_FLAG_PICKED };
      g_assert_false (rali_sidecar_write (f->image, RALI_SIDECAR_APPENDED, &d, &error));
      g_assert_nonnull (error);
      g_test_message ("write refused: %s", error->message);
      g_assert_nonnull (strstr (error->message, "not an XMP packet"));
      g_clear_error (&error);
      RaliDecision got = { 0 };
      g_assert_false (rali_sidecar_read (f->image, RALI_SIDECAR_APPENDED, &got, NULL, &error));
      g_assert_nonnull (error);
      g_test_message ("read refused: %s", error->message);
      g_autofree char *after = NULL;
      gsize n = 0;
      g_assert_true (g_file_get_contents (path, &after, &n, NULL));
      g_assert_cmpmem (after, n, cases[i].data, cases[i].n);
      g_assert_cmpuint (count_files (f->dir), ==, 2);
    }
}

static void
test_none (Fixture *f, gconstpointer data)
{
  (void) data;
  RaliDecision d = { .rating = 3 };
  g_autoptr (GError) error = NULL;
  g_assert_false (rali_sidecar_read (f->image, RALI_SIDECAR_REPLACED, &d, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (rali_decision_is_empty (&d));
}

static int
write_mode (int argc, char **argv)
{
  if (argc != 7)
    {
      g_printerr ("usage: test-sidecar write IMAGE appended|replaced RATING FLAG LABELS\n");
      return 2;
    }
  RaliDecision d = { .rating = atoi (argv[4]), .flag = atoi (argv[5]), .labels = (guint) atoi (argv[6]) };
  g_autoptr (GError) error = NULL;
  if (!rali_sidecar_write (argv[2], rali_sidecar_style_from_string (argv[3]), &d, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc > 1 && g_str_equal (argv[1], "write"))
    return write_mode (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sidecar/paths", test_paths);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, set_up, fn, tear_down)
  ADD ("/sidecar/new", test_new_sidecar);
  ADD ("/sidecar/merge", test_merge);
  ADD ("/sidecar/adobe-style", test_adobe_style);
  ADD ("/sidecar/unreadable-kept", test_unreadable_kept);
  ADD ("/sidecar/other-format-kept", test_other_format_kept);
  ADD ("/sidecar/none", test_none);
#undef ADD
  return g_test_run ();
}
