/* EXIF orientation (engine/image/image.c through Exiv2): the input becomes
 * the payload of an APP1 "Exif" segment in front of a valid 8x6 JPEG, so
 * the fuzzer spends its time in the TIFF/IFD parser (looping IFD offsets,
 * bogus orientation values, counts past the end).  The image must still
 * decode, upright or transposed. */
#include "fuzz-common.h"
#include "rali.h"

#include <string.h>

/* an 8x6 baseline JPEG (PIL, quality 90) without its SOI marker */
static const uint8_t tiny_jpeg_after_soi[] = {
#include "tiny-jpeg.inc"
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 65000)
    return 0;
  gsize seg = 2 + 6 + size; /* length field + "Exif\0\0" + payload */
  gsize n = 2 + 2 + seg + sizeof tiny_jpeg_after_soi;
  uint8_t *buf = g_malloc (n), *p = buf;
  *p++ = 0xFF; *p++ = 0xD8;
  *p++ = 0xFF; *p++ = 0xE1;
  *p++ = (uint8_t) (seg >> 8); *p++ = (uint8_t) seg;
  memcpy (p, "Exif\0\0", 6); p += 6;
  memcpy (p, data, size); p += size;
  memcpy (p, tiny_jpeg_after_soi, sizeof tiny_jpeg_after_soi);
  RaliImage img = { 0 };
  GError *error = NULL;
  gboolean ok = rali_image_load_from_data (&img, buf, n, "fuzz", 0, 0, &error);
  g_assert (ok);
  g_assert ((img.width == 8 && img.height == 6) || (img.width == 6 && img.height == 8));
  g_assert (img.orientation >= 1 && img.orientation <= 8);
  rali_image_clear (&img);
  g_free (buf);
  return 0;
}
