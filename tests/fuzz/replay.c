/* Runs a fuzz target's LLVMFuzzerTestOneInput on every file of the folders
 * (or files) named, once each: the committed seeds and every input a
 * fuzzing run found to crash, hang or leak become a regression test of the
 * ordinary build (gcc, and the ASan/UBSan suite), without libFuzzer.
 *
 *   fuzz-replay-TARGET PATH... */
#include "fuzz-common.h"

#include <stdio.h>

static int
replay (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      if (!d)
        {
          fprintf (stderr, "cannot read %s\n", path);
          return -1;
        }
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *n;
      while ((n = g_dir_read_name (d)))
        g_ptr_array_add (names, g_build_filename (path, n, NULL));
      g_dir_close (d);
      int count = 0;
      for (guint i = 0; i < names->len; i++)
        {
          int k = replay (names->pdata[i]);
          if (k < 0)
            {
              g_ptr_array_unref (names);
              return -1;
            }
          count += k;
        }
      g_ptr_array_unref (names);
      return count;
    }
  gchar *data = NULL;
  gsize size = 0;
  if (!g_file_get_contents (path, &data, &size, NULL))
    {
      fprintf (stderr, "cannot read %s\n", path);
      return -1;
    }
  printf ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, size);
  fflush (stdout);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, size);
  g_free (data);
  return 1;
}

int
main (int argc, char **argv)
{
  int total = 0;
  for (int i = 1; i < argc; i++)
    {
      int k = replay (argv[i]);
      if (k < 0)
        return 1;
      total += k;
    }
  printf ("%d inputs, no failure\n", total);
  fuzz_remove_tree (fuzz_scratch_dir ());
  return total > 0 ? 0 : 1;
}
