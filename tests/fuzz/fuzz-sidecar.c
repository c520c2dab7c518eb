/* XMP sidecar merge (engine/library/sidecar.c, Exiv2's XMP toolkit): the
 * input is an existing photo.jpg.xmp; the decision is read from it, then a
 * decision (from the input's last byte) is merged in and read back.  The
 * merge must either fail with an error (the old sidecar untouched) or
 * write a sidecar that reads back as that decision. */
#include "fuzz-common.h"
#include "library/sidecar.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char *photo = g_build_filename (fuzz_scratch_dir (), "photo.jpg", NULL);
  char *xmp = fuzz_write_file ("photo.jpg.xmp", data, size - 1);
  uint8_t b = data[size - 1];
  RaliDecision d = { .rating = b % 6, .flag = (int) ((b >> 3) % 3) - 1, .labels = (b >> 5) & RALI_LABELS_ALL };
  RaliDecision got = { 0 };
  GError *error = NULL;
  if (!rali_sidecar_read (photo, RALI_SIDECAR_APPENDED, &got, NULL, &error))
    g_clear_error (&error);
  if (rali_sidecar_write (photo, RALI_SIDECAR_APPENDED, &d, &error))
    {
      memset (&got, 0, sizeof got);
      g_assert (rali_sidecar_read (photo, RALI_SIDECAR_APPENDED, &got, NULL, NULL));
      g_assert (rali_sidecar_same_xmp (&d, &got));
    }
  else
    {
      g_assert (error);
      g_clear_error (&error);
      gchar *after = NULL;
      gsize n = 0;
      g_assert (g_file_get_contents (xmp, &after, &n, NULL));
      g_assert (n == size - 1 && memcmp (after, data, n) == 0);
      g_free (after);
    }
  g_unlink (xmp);
  g_free (xmp);
  g_free (photo);
  return 0;
}
