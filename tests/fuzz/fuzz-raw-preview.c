/* Camera raw previews on arbitrary bytes as the product reads them: the
 * input is written to fuzz.dng and loaded with rali_image_load, the call
 * `rali score` makes for a .dng/.nef/... file, which starts the
 * rali-raw-preview helper (LibRaw in a process of its own), reads its
 * reply and decodes the JPEG or bitmap in it (engine/image/raw.c).  The
 * helper is the fuzz build's own (build-fuzz/engine/rali-raw-preview,
 * found by rali_locate_file as the build tree's); run.sh builds it.
 *
 * The helper crashing, hanging (15 s) or failing is an error, not a
 * finding.  A finding is anything on librali's side: a crash, a leak, an
 * error that does not name the file, a descriptor or a child process left
 * behind, or a hang past libFuzzer's -timeout.  LibRaw's own coverage is
 * not seen here (another process): tests/fuzz/fuzz-raw fuzzes it
 * in-process, and tests/fuzz/fuzz-raw-reply fuzzes the reply parser with
 * arbitrary replies.  $RALI_FUZZ_HELPER_LOG, when set, is given to the
 * helper's sanitizers as log_path, so that their reports on LibRaw are
 * kept (PREFIX.PID files) instead of going to /dev/null.
 * Seeds: the raw seeds (corpus/raw) and the input that crashes LibRaw
 * (crashes-isolated/). */
#include "fuzz-common.h"
#include "rali.h"

#include <string.h>

static int
open_fds (void)
{
  GDir *d = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;
  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

static gint
compare_pids (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* this process's children (every thread's), sorted, zombies included:
 * waitpid (-1) would also see libFuzzer's own (its llvm-symbolizer) */
static GArray *
children (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  while (d && (tid = g_dir_read_name (d)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children", tid);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      g_auto (GStrv) words = g_strsplit (g_strstrip (text), " ", -1);
      for (int i = 0; words[i]; i++)
        if (*words[i])
          {
            gint64 pid = g_ascii_strtoll (words[i], NULL, 10);
            g_array_append_val (pids, pid);
          }
    }
  if (d)
    g_dir_close (d);
  g_array_sort (pids, compare_pids);
  return pids;
}

static void
helper_sanitizer_logs (void)
{
  const char *log = g_getenv ("RALI_FUZZ_HELPER_LOG");
  if (!log || !*log)
    return;
  /* this process read its options at start: only the helper sees these */
  const char *vars[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS" };
  for (gsize i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      const char *old = g_getenv (vars[i]);
      g_autofree char *v = g_strdup_printf ("%s%slog_path=%s", old ? old : "", old && *old ? ":" : "", log);
      g_setenv (vars[i], v, TRUE);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
#ifdef RALI_HAVE_LIBRAW
  static char *path;
  if (!path)
    {
      path = fuzz_write_file ("fuzz.dng", data, 0);
      helper_sanitizer_logs ();
    }
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    g_error ("cannot write %s", path);
  int fds = open_fds ();
  g_autoptr (GArray) kids = children ();
  RaliImage img = { 0 };
  GError *error = NULL;
  if (rali_image_load (&img, path, 224, 4 * 1000 * 1000, &error))
    {
      g_assert (img.width > 0 && img.height > 0 && img.rgb);
      rali_image_clear (&img);
    }
  else
    {
      g_assert (error && g_str_has_prefix (error->message, path) && g_str_has_prefix (error->message + strlen (path), ": "));
      /* the helper must be there: without it every input is the same error */
      if (strstr (error->message, "is not installed") || strstr (error->message, "cannot be started"))
        g_error ("%s", error->message);
      g_clear_error (&error);
    }
  /* every helper waited for (no child, not even a zombie, left), every
   * descriptor closed */
  g_autoptr (GArray) after = children ();
  g_assert_cmpmem (after->data, after->len * sizeof (gint64), kids->data, kids->len * sizeof (gint64));
  g_assert_cmpint (open_fds (), ==, fds);
#else
  (void) data;
  (void) size;
#endif
  return 0;
}
