/* XMP sidecars (see sidecar.h), through gexiv2: it opens an .xmp file as
 * Exiv2's XmpSidecar image, so the whole packet is parsed, changed tag by
 * tag and written back with everything else it held. */
#include "sidecar.h"

#include "rali.h"

#include <errno.h>
#include <fcntl.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS_DIGIKAM "http://www.digikam.org/ns/1.0/"
#define NS_DARKTABLE "http://darktable.sf.net/"

/* what a new sidecar starts from */
static const char empty_packet[] =
  "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
  "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
  " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
  " </rdf:RDF>\n"
  "</x:xmpmeta>\n"
  "<?xpacket end=\"w\"?>\n";

/* in RaliColorLabel bit order; darktable's number is the bit index */
static const char *const label_names[RALI_N_LABELS] = { "Red", "Yellow", "Green", "Blue", "Purple" };
static const int digikam_numbers[RALI_N_LABELS] = { 1, 3, 4, 5, 6 };

static gpointer
init_once (gpointer unused)
{
  (void) unused;
  gexiv2_initialize ();
  gexiv2_log_set_level (GEXIV2_LOG_LEVEL_MUTE);
  /* FALSE (with an error) when Exiv2 knows the prefix already: digiKam's is built in */
  gexiv2_metadata_try_register_xmp_namespace (NS_DIGIKAM, "digiKam", NULL);
  gexiv2_metadata_try_register_xmp_namespace (NS_DARKTABLE, "darktable", NULL);
  return NULL;
}

static void
ensure_init (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_once, NULL);
}

RaliSidecarStyle
rali_sidecar_style_from_string (const char *s)
{
  return g_strcmp0 (s, "replaced") == 0 ? RALI_SIDECAR_REPLACED : RALI_SIDECAR_APPENDED;
}

char *
rali_sidecar_path (const char *image_path, RaliSidecarStyle style)
{
  if (style == RALI_SIDECAR_APPENDED)
    return g_strconcat (image_path, ".xmp", NULL);
  const char *base = strrchr (image_path, G_DIR_SEPARATOR);
  base = base ? base + 1 : image_path;
  const char *dot = strrchr (base, '.');
  if (!dot || dot == base)
    return g_strconcat (image_path, ".xmp", NULL);
  g_autofree char *stem = g_strndup (image_path, dot - image_path);
  return g_strconcat (stem, ".xmp", NULL);
}

int
rali_label_to_digikam (guint label)
{
  for (int i = 0; i < RALI_N_LABELS; i++)
    if (label & (1u << i))
      return digikam_numbers[i];
  return 0;
}

guint
rali_label_from_digikam (int n)
{
  for (int i = 0; i < RALI_N_LABELS; i++)
    if (digikam_numbers[i] == n)
      return 1u << i;
  return 0;
}

const char *
rali_label_name (guint label)
{
  for (int i = 0; i < RALI_N_LABELS; i++)
    if (label & (1u << i))
      return label_names[i];
  return NULL;
}

gboolean
rali_sidecar_same_xmp (const RaliDecision *a, const RaliDecision *b)
{
  if (a->flag != b->flag || a->labels != b->labels)
    return FALSE;
  return a->flag == RALI_FLAG_REJECTED || a->rating == b->rating;
}

/* ---- reading ---- */

static gboolean
tag_long (GExiv2Metadata *meta, const char *tag, glong *out)
{
  if (!gexiv2_metadata_try_has_tag (meta, tag, NULL))
    return FALSE;
  g_autofree char *s = gexiv2_metadata_try_get_tag_string (meta, tag, NULL);
  char *end = NULL;
  if (!s)
    return FALSE;
  glong v = strtol (g_strstrip (s), &end, 10);
  if (end == s)
    return FALSE;
  *out = v;
  return TRUE;
}

static void
decision_from_meta (GExiv2Metadata *meta, RaliDecision *d)
{
  *d = (RaliDecision) { 0 };
  glong v;
  if (tag_long (meta, "Xmp.xmp.Rating", &v))
    {
      if (v < 0)
        d->flag = RALI_FLAG_REJECTED;
      else
        d->rating = (int) MIN (v, 5);
    }
  if (tag_long (meta, "Xmp.digiKam.PickLabel", &v))
    {
      if (v == 1)
        d->flag = RALI_FLAG_REJECTED;
      else if (v == 3 && d->flag != RALI_FLAG_REJECTED)
        d->flag = RALI_FLAG_PICKED;
    }
  /* labels: darktable's set, else Lightroom's name, else digiKam's number */
  if (gexiv2_metadata_try_has_tag (meta, "Xmp.darktable.colorlabels", NULL))
    {
      g_auto (GStrv) values = gexiv2_metadata_try_get_tag_multiple (meta, "Xmp.darktable.colorlabels", NULL);
      for (int i = 0; values && values[i]; i++)
        {
          glong n = strtol (values[i], NULL, 10);
          if (n >= 0 && n < RALI_N_LABELS)
            d->labels |= 1u << n;
        }
    }
  else if (gexiv2_metadata_try_has_tag (meta, "Xmp.xmp.Label", NULL))
    {
      g_autofree char *name = gexiv2_metadata_try_get_tag_string (meta, "Xmp.xmp.Label", NULL);
      for (int i = 0; name && i < RALI_N_LABELS; i++)
        if (g_ascii_strcasecmp (g_strstrip (name), label_names[i]) == 0)
          d->labels = 1u << i;
    }
  else if (tag_long (meta, "Xmp.digiKam.ColorLabel", &v))
    d->labels = rali_label_from_digikam ((int) v);
}

/* Exiv2 picks the parser from the file's first bytes, not its name: a
 * ".xmp" file that starts with "RIFF" or a JPEG marker is opened as that
 * image, and saving it would rewrite it in that format.  Only a file that
 * Exiv2 reads as an XMP packet is a sidecar. */
static gboolean
open_xmp_packet (GExiv2Metadata *meta, const char *path, GError **error)
{
  if (!gexiv2_metadata_open_path (meta, path, error))
    return FALSE;
  const char *mime = gexiv2_metadata_get_mime_type (meta);
  if (g_strcmp0 (mime, "application/rdf+xml") != 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "the file is %s, not an XMP packet",
                   mime ? mime : "of an unknown type");
      return FALSE;
    }
  return TRUE;
}

static GExiv2Metadata *
open_sidecar (const char *path, GError **error)
{
  ensure_init ();
  g_autoptr (GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr (GError) local = NULL;
  if (!open_xmp_packet (meta, path, &local))
    {
      g_autofree char *name = g_filename_display_name (path);
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: not a readable XMP sidecar: %s", name,
                   local ? local->message : "unknown error");
      return NULL;
    }
  return g_steal_pointer (&meta);
}

static gboolean
sidecar_read_locked (const char *image_path, RaliSidecarStyle prefer, RaliDecision *out,
                   char **found_path, GError **error)
{
  *out = (RaliDecision) { 0 };
  RaliSidecarStyle order[2] = { prefer, prefer == RALI_SIDECAR_APPENDED ? RALI_SIDECAR_REPLACED
                                                                        : RALI_SIDECAR_APPENDED };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = rali_sidecar_path (image_path, order[i]);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_autoptr (GExiv2Metadata) meta = open_sidecar (path, error);
      if (!meta)
        return FALSE;
      decision_from_meta (meta, out);
      if (found_path)
        *found_path = g_steal_pointer (&path);
      return TRUE;
    }
  return FALSE;
}

/* ---- writing ---- */

static gboolean
set_tag (GExiv2Metadata *meta, const char *tag, const char *value, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (value ? gexiv2_metadata_try_set_tag_string (meta, tag, value, &local)
            : (gexiv2_metadata_try_clear_tag (meta, tag, &local), local == NULL))
    return TRUE;
  g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "cannot set %s: %s", tag,
               local ? local->message : "unknown error");
  return FALSE;
}

static gboolean
apply_decision (GExiv2Metadata *meta, const RaliDecision *d, GError **error)
{
  char num[16];
  g_snprintf (num, sizeof num, "%d", d->flag == RALI_FLAG_REJECTED ? -1 : CLAMP (d->rating, 0, 5));
  if (!set_tag (meta, "Xmp.xmp.Rating", num, error)
      || !set_tag (meta, "Xmp.xmp.Label", rali_label_name (d->labels), error))
    return FALSE;
  g_snprintf (num, sizeof num, "%d", d->flag == RALI_FLAG_REJECTED ? 1 : d->flag == RALI_FLAG_PICKED ? 3 : 0);
  if (!set_tag (meta, "Xmp.digiKam.PickLabel", num, error))
    return FALSE;
  g_snprintf (num, sizeof num, "%d", rali_label_to_digikam (d->labels));
  if (!set_tag (meta, "Xmp.digiKam.ColorLabel", num, error)
      || !set_tag (meta, "Xmp.darktable.colorlabels", NULL, error))
    return FALSE;
  if (d->labels == 0)
    return TRUE;
  /* an unknown property is plain text to Exiv2: make the bag, then its items */
  g_autoptr (GError) local = NULL;
  if (!gexiv2_metadata_try_set_xmp_tag_struct (meta, "Xmp.darktable.colorlabels", GEXIV2_STRUCTURE_XA_BAG,
                                               &local))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "cannot make darktable:colorlabels: %s",
                   local ? local->message : "unknown error");
      return FALSE;
    }
  int item = 0;
  for (int i = 0; i < RALI_N_LABELS; i++)
    if (d->labels & (1u << i))
      {
        char tag[64], value[8];
        g_snprintf (tag, sizeof tag, "Xmp.darktable.colorlabels[%d]", ++item);
        g_snprintf (value, sizeof value, "%d", i);
        if (!set_tag (meta, tag, value, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
io_error (GError **error, const char *path, const char *what, int errsv)
{
  g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: %s: %s", path, what, g_strerror (errsv));
  return FALSE;
}

static gboolean
write_all (int fd, const char *data, gsize n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, data, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      data += w;
      n -= (gsize) w;
    }
  return TRUE;
}

/* A write goes to .NAME.rali-tmp-XXXXXX (NAME: the sidecar's file name,
 * XXXXXX: g_mkstemp's six letters and digits) beside the sidecar, which is
 * renamed over it.  A process killed in between (SIGKILL, a power cut)
 * leaves that file behind; the next write in its folder removes it. */
#define TMP_TAG ".xmp.rali-tmp-"
#define STALE_TMP_AGE_S 60

/* TRUE for a name of exactly that pattern (NAME ends in .xmp) */
static gboolean
is_sidecar_temp_name (const char *n)
{
  gsize len = strlen (n), tag = strlen (TMP_TAG);
  if (n[0] != '.' || len < 2 + tag + 6)
    return FALSE;
  const char *x = n + len - 6;
  for (int i = 0; i < 6; i++)
    if (!g_ascii_isalnum (x[i]))
      return FALSE;
  return memcmp (x - tag, TMP_TAG, tag) == 0;
}

/* Removes what killed writes left in DIR: only files named as our
 * temporaries, regular (not links), ours (same user), with one link and
 * last written over a minute ago (a write in progress in another process
 * rewrites its file within that); never anything else.  A folder is read
 * at most once a minute by a process, not at every write.  Under the
 * Exiv2 lock (rali_sidecar_write's). */
static void
remove_stale_temps (const char *dir)
{
  static GHashTable *last_scan; /* folder -> g_get_monotonic_time of its last scan */
  if (!last_scan)
    last_scan = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gint64 mono = g_get_monotonic_time ();
  gint64 *last = g_hash_table_lookup (last_scan, dir);
  if (last && mono - *last < STALE_TMP_AGE_S * G_USEC_PER_SEC)
    return;
  if (!last)
    g_hash_table_insert (last_scan, g_strdup (dir), last = g_new (gint64, 1));
  *last = mono;

  GDir *d = g_dir_open (dir, 0, NULL);
  if (!d)
    return;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *n;
  while ((n = g_dir_read_name (d)))
    {
      if (!is_sidecar_temp_name (n))
        continue;
      g_autofree char *path = g_build_filename (dir, n, NULL);
      GStatBuf st;
      if (g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid () && st.st_nlink == 1
          && now - (gint64) st.st_mtime > STALE_TMP_AGE_S)
        g_unlink (path);
    }
  g_dir_close (d);
}

static gboolean
sidecar_write_locked (const char *image_path, RaliSidecarStyle style, const RaliDecision *d, GError **error)
{
  ensure_init ();
  g_autofree char *target = rali_sidecar_path (image_path, style);
  g_autofree char *other = rali_sidecar_path (image_path,
                                              style == RALI_SIDECAR_APPENDED ? RALI_SIDECAR_REPLACED
                                                                             : RALI_SIDECAR_APPENDED);
  const char *source = g_file_test (target, G_FILE_TEST_IS_REGULAR) ? target
                     : g_file_test (other, G_FILE_TEST_IS_REGULAR) ? other : NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (source && !g_file_get_contents (source, &contents, &length, &local))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  mode_t mode = 0644;
  GStatBuf st;
  if (source && g_stat (source, &st) == 0)
    mode = st.st_mode & 0777;

  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  remove_stale_temps (dir);
  g_autofree char *tmp = g_strdup_printf ("%s%c.%s.rali-tmp-XXXXXX", dir, G_DIR_SEPARATOR, base);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_error (error, dir, "cannot create a temporary file", errno);
  gboolean ok = source ? write_all (fd, contents, length) : write_all (fd, empty_packet, strlen (empty_packet));
  int errsv = errno;
  fchmod (fd, mode);
  close (fd);
  if (!ok)
    {
      g_unlink (tmp);
      return io_error (error, tmp, "cannot write", errsv);
    }

  g_autoptr (GExiv2Metadata) meta = gexiv2_metadata_new ();
  if (!open_xmp_packet (meta, tmp, &local))
    {
      /* never replace a sidecar we cannot parse: it is someone's data */
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "%s: not a readable XMP sidecar, left as it is: %s",
                   source ? source : target, local ? local->message : "unknown error");
      g_unlink (tmp);
      return FALSE;
    }
  if (!apply_decision (meta, d, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (!gexiv2_metadata_save_file (meta, tmp, &local))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: cannot write the sidecar: %s", target,
                   local ? local->message : "unknown error");
      g_unlink (tmp);
      return FALSE;
    }
  /* on disk before it replaces the old one */
  fd = g_open (tmp, O_RDONLY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  if (g_rename (tmp, target) != 0)
    {
      errsv = errno;
      g_unlink (tmp);
      return io_error (error, target, "cannot replace", errsv);
    }
  return TRUE;
}

gboolean
rali_sidecar_read (const char *image_path, RaliSidecarStyle prefer, RaliDecision *out,
                   char **found_path, GError **error)
{
  rali_exiv2_lock ();
  gboolean ok = sidecar_read_locked (image_path, prefer, out, found_path, error);
  rali_exiv2_unlock ();
  return ok;
}

gboolean
rali_sidecar_write (const char *image_path, RaliSidecarStyle style, const RaliDecision *d, GError **error)
{
  rali_exiv2_lock ();
  gboolean ok = sidecar_write_locked (image_path, style, d, error);
  rali_exiv2_unlock ();
  return ok;
}
