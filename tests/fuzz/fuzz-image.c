/* JPEG (fuzz-jpeg, FUZZ_JPEG) or PNG (fuzz-png) decode, engine/image/image.c,
 * on arbitrary bytes, the way `rali score` reads a file:
 * rali_image_load_from_data with a DCT-scaling hint from the input's first
 * byte, then the multi-crop preprocessing on what decoded.  The rest of the
 * input is the file, its first bytes forced to the format's signature so
 * that every input reaches that decoder.  A 4-megapixel limit keeps one
 * decode under libFuzzer's RSS limit. */
#include "fuzz-common.h"
#include "rali.h"

#include <string.h>

#ifdef FUZZ_JPEG
static const char signature[] = "\xFF\xD8\xFF";
#else
static const char signature[] = "\x89PNG\r\n\x1A\n";
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int hint = (data[0] & 0x7f) * 4; /* 0..508 px */
  gsize n = size - 1, sig = sizeof signature - 1;
  uint8_t *file = g_memdup2 (data + 1, n);
  if (n >= sig)
    memcpy (file, signature, sig);
  RaliImage img = { 0 };
  GError *error = NULL;
  if (rali_image_load_from_data (&img, file, n, "fuzz", hint, 4 * 1000 * 1000, &error))
    {
      g_assert (img.width > 0 && img.height > 0 && img.rgb);
      static const float mean[3] = { 0.5f, 0.5f, 0.5f }, std[3] = { 0.5f, 0.5f, 0.5f };
      int S = 16 + (data[0] & 0x0f);
      float *out = g_new (float, (gsize) MAX (5, RALI_FRAME_MAX_ASPECT) * 3 * S * S);
      if (!rali_preprocess_crops (out, &img, S, S + (data[0] >> 4), 5, 0, 1, mean, std, &error))
        g_clear_error (&error);
      /* the whole frame writes at most 3·RALI_FRAME_MAX_ASPECT·S² floats, whatever the aspect ratio */
      int fh, fw;
      if (rali_preprocess_frame (out, &img, S, mean, std, &fh, &fw, &error))
        g_assert (fh > 0 && fw > 0 && (gint64) fh * fw <= (gint64) S * S * RALI_FRAME_MAX_ASPECT);
      else
        g_clear_error (&error);
      g_free (out);
      rali_image_clear (&img);
    }
  else
    {
      g_assert (error && g_str_has_prefix (error->message, "fuzz"));
      g_clear_error (&error);
    }
  g_free (file);
  return 0;
}
