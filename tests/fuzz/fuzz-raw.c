/* Camera raw previews (engine/image/raw.c, LibRaw) on arbitrary bytes, as
 * a .dng/.cr2/... file is read.  Seeds: the DNG fixtures. */
#include "fuzz-common.h"
#include "image/raw.h"
#include "rali.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  RaliImage img = { 0 };
  GError *error = NULL;
  if (rali_raw_load_preview (&img, data, size, "fuzz.dng", 224, 4 * 1000 * 1000, &error))
    {
      g_assert (img.width > 0 && img.height > 0 && img.rgb);
      rali_image_clear (&img);
    }
  else
    {
      g_assert (error && g_str_has_prefix (error->message, "fuzz.dng"));
      g_clear_error (&error);
    }
  return 0;
}
