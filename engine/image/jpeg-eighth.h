/* The 1/8-scale JPEG decode (jpeg-eighth.c): libjpeg-turbo's tjDecompress2
 * at scaling factor 1/8, in three quarters of the time, for the JPEGs
 * cameras write; 4:2:0 chroma interpolated from its DC terms. */
#pragma once

#include <glib.h>

/* Decodes data (size bytes) at 1/8 scale into rgb, out_w x out_h packed
 * RGB8 (the caller allocates out_w * out_h * 3 bytes; out_w and out_h are
 * TurboJPEG's TJSCALED sides at 1/8).  For YCbCr and grey files only (the
 * caller has TurboJPEG's colour space; Adobe and JFIF markers are not read
 * here).  Returns FALSE, having written nothing the caller may use, for
 * anything it does not handle: progressive, arithmetic-coded, 12-bit,
 * multi-scan, CMYK or unusually sampled files, and any stream with
 * something irregular in it (a bad code, a missing or misplaced marker,
 * bytes libjpeg would warn about).  The caller then decodes with
 * libjpeg-turbo, which decides what the file's problem is.  Whenever this
 * returns TRUE the pixels are libjpeg-turbo's, byte for byte, except 4:2:0
 * chroma (jpeg-eighth.c says how it differs). */
gboolean rali_jpeg_decode_eighth (const guint8 *data, gsize size, guint8 *rgb, int out_w, int out_h);

/* FALSE when RALI_JPEG_DECODER=libjpeg is set: every decode then goes
 * through libjpeg-turbo (the benchmark's baseline, and a way out). */
gboolean rali_jpeg_eighth_enabled (void);
