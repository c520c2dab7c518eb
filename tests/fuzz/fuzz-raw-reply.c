/* The rali-raw-preview helper's reply on arbitrary bytes: where data that
 * LibRaw produced from a hostile file crosses into librali.  The input is
 * the whole reply, as rali_raw_load_preview (engine/image/raw.c) reads it
 * from the helper's stdout ('RRP1' framing, then an embedded JPEG, an RGB
 * bitmap or an error); rali_raw_reply_to_image parses it and decodes the
 * JPEG or takes the bitmap, then turns the image upright.  In-process and
 * fast; the raw file's size is taken to be the reply's.  Seeds: replies
 * as the helper writes them (tools/fuzz/make-seeds.py). */
#include "fuzz-common.h"
#include "image/raw.h"
#include "rali.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GByteArray *reply = g_byte_array_new ();
  g_byte_array_append (reply, data, (guint) size);
  RaliImage img = { 0 };
  GError *error = NULL;
  if (rali_raw_reply_to_image (&img, reply, size, "fuzz.dng", 224, 4 * 1000 * 1000, &error))
    {
      g_assert (size > 17 && memcmp (data, "RRP1", 4) == 0);
      g_assert (img.width > 0 && img.height > 0 && img.rgb);
      rali_image_clear (&img);
    }
  else
    {
      g_assert (error && g_str_has_prefix (error->message, "fuzz.dng: "));
      g_assert (!img.rgb);
      g_clear_error (&error);
    }
  g_byte_array_unref (reply);
  return 0;
}
