/* Camera raw previews on arbitrary bytes, as a .dng/.cr2/... file is read:
 * the LibRaw half (engine/image/raw-libraw.c) called in-process, so that
 * the fuzzer sees LibRaw and its guards (the product runs it in the
 * rali-raw-preview helper process), then the parent's half (raw.c: the
 * JPEG decoded, the bitmap turned upright).  Seeds: the DNG fixtures.
 * Inputs that crash inside LibRaw itself, which no guard can stop, are in
 * tests/fuzz/crashes-isolated/, not in the replay corpus.  So this target
 * is a fuzzer of Debian's LibRaw 0.20.2 (and of our guards around it), not
 * of the product's path: a crash in LibRaw here is LibRaw's, and reaches
 * rali only as the helper's crash, an error (fuzz-raw-preview fuzzes that
 * path, fuzz-raw-reply the helper's reply as librali reads it).  Not in
 * the CI smoke run for that reason. */
#include "fuzz-common.h"
#include "image/raw-libraw.h"
#include "rali.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
#ifdef RALI_HAVE_LIBRAW
  RaliRawPreview preview;
  RaliImage img = { 0 };
  GError *error = NULL;
  if (rali_raw_extract (&preview, data, size, "fuzz.dng", 4 * 1000 * 1000, &error)
      && rali_raw_preview_to_image (&img, &preview, "fuzz.dng", 224, 4 * 1000 * 1000, &error))
    {
      g_assert (img.width > 0 && img.height > 0 && img.rgb);
      rali_image_clear (&img);
    }
  else
    {
      g_assert (error && g_str_has_prefix (error->message, "fuzz.dng"));
      g_assert (!preview.jpeg && !preview.rgb);
      g_clear_error (&error);
    }
#else
  (void) data;
  (void) size;
#endif
  return 0;
}
