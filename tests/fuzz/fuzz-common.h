/* Shared by the libFuzzer targets (tools/fuzz/run.sh builds and runs them):
 * a private scratch folder per process, and a file written in it. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* $TMPDIR/rali-fuzz-PID, made once */
static inline const char *
fuzz_scratch_dir (void)
{
  static char *dir;
  if (!dir)
    {
      dir = g_strdup_printf ("%s/rali-fuzz-%d", g_get_tmp_dir (), (int) getpid ());
      g_mkdir_with_parents (dir, 0700);
    }
  return dir;
}

/* writes data to NAME in the scratch folder; returns the path (owned) */
static inline char *
fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  char *path = g_build_filename (fuzz_scratch_dir (), name, NULL);
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    g_error ("cannot write %s", path);
  return path;
}

/* removes a folder tree without following symbolic links */
static inline void
fuzz_remove_tree (const char *path)
{
  GStatBuf st;
  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *n;
      while (d && (n = g_dir_read_name (d)))
        {
          char *child = g_build_filename (path, n, NULL);
          fuzz_remove_tree (child);
          g_free (child);
        }
      if (d)
        g_dir_close (d);
      g_chmod (path, 0700);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}
