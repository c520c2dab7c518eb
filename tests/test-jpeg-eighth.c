/* The 1/8-scale JPEG decode (engine/image/jpeg-eighth.c) against
 * libjpeg-turbo's tjDecompress2 at 1/8, byte for byte.  Where libjpeg runs
 * a 2x2 IDCT on a component (4:2:0 chroma), of which the fast path reads
 * only the lowest terms, the reference is libjpeg-turbo's decode of a copy
 * of the file with that component's other terms set to zero, written by
 * libjpeg's own transcoder: so every pixel compared is libjpeg-turbo's.
 *
 * usage: test-jpeg-eighth SAMPLES_DIR
 *
 * JPEGs are written here with libjpeg's own encoder, to cover what a
 * camera or an editor writes: 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1 and grey;
 * sides that end mid-block and mid-MCU; restart intervals; optimised
 * Huffman tables; qualities from 5 (16-bit quantisers) to 100.  Each must
 * take the fast path and give the reference's bytes.  A progressive file
 * must be declined.  Then damaged copies (truncated, bytes changed in the
 * headers and in the entropy-coded data): whenever the fast path accepts
 * one, libjpeg-turbo must decode it to the same bytes, with no error and
 * no warning about the image data.
 * Last, every JPEG of SAMPLES_DIR.  Exits non-zero on any failure. */
#include "image/jpeg-eighth.h"

#include <glib.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static int failures = 0;

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    fprintf (stderr, "FAIL: " __VA_ARGS__);                                                        \
    fputc ('\n', stderr);                                                                          \
    failures++;                                                                                    \
  } while (0)

/* content with edges, texture and smooth gradients, so that every run
 * length and magnitude category appears */
static guint8 *
make_pixels (int w, int h, int comps, guint32 seed)
{
  guint8 *px = g_malloc ((gsize) w * h * comps);
  GRand *r = g_rand_new_with_seed (seed);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < comps; c++) {
        int v = (x * (c + 1) * 255) / MAX (w, 1) / 2 + (y * 255) / MAX (h, 1) / 2;
        if (((x / 13) + (y / 9)) % 3 == c % 3)
          v = 255 - v;
        v += g_rand_int_range (r, -20, 21);
        px[((gsize) y * w + x) * comps + c] = (guint8) CLAMP (v, 0, 255);
      }
  g_rand_free (r);
  return px;
}

typedef struct {
  int h0, v0;        /* luma sampling; chroma 1x1 */
  gboolean grey;
  int restart;       /* MCUs per interval, 0: none */
  gboolean optimise;
  int quality;
  gboolean progressive;
} Enc;

static void
quiet (j_common_ptr ci)
{
  (void) ci; /* "quantization tables are too coarse for baseline JPEG": wanted here */
}

static guint8 *
encode (const Enc *e, int w, int h, guint32 seed, gsize *size)
{
  struct jpeg_compress_struct ci;
  struct jpeg_error_mgr err;
  unsigned char *out = NULL;
  unsigned long out_size = 0;
  int comps = e->grey ? 1 : 3;
  guint8 *px = make_pixels (w, h, comps, seed);

  ci.err = jpeg_std_error (&err);
  err.output_message = quiet;
  jpeg_create_compress (&ci);
  jpeg_mem_dest (&ci, &out, &out_size);
  ci.image_width = (JDIMENSION) w;
  ci.image_height = (JDIMENSION) h;
  ci.input_components = comps;
  ci.in_color_space = e->grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&ci);
  jpeg_set_quality (&ci, e->quality, FALSE); /* FALSE: quantisers past 255 allowed */
  if (!e->grey) {
    ci.comp_info[0].h_samp_factor = e->h0;
    ci.comp_info[0].v_samp_factor = e->v0;
  }
  ci.restart_interval = (unsigned) e->restart;
  ci.optimize_coding = e->optimise;
  if (e->progressive)
    jpeg_simple_progression (&ci);
  jpeg_start_compress (&ci, TRUE);
  while (ci.next_scanline < ci.image_height) {
    JSAMPROW row = px + (gsize) ci.next_scanline * w * comps;
    jpeg_write_scanlines (&ci, &row, 1);
  }
  jpeg_finish_compress (&ci);
  jpeg_destroy_compress (&ci);
  g_free (px);
  *size = out_size;
  guint8 *copy = g_memdup2 (out, out_size);
  free (out);
  return copy;
}

/* libjpeg-turbo at 1/8: 0 clean, 1 a warning, -1 an error; rgb filled.
 * A fresh handle each time: one that failed can stay in a bad state. */
static int reference_on (tjhandle tj, const guint8 *data, gsize size, guint8 *rgb, int *w8, int *h8);

/* libjpeg-turbo's last warning or error */
static char last_message[JMSG_LENGTH_MAX];

static int
reference (const guint8 *data, gsize size, guint8 *rgb, int *w8, int *h8)
{
  tjhandle tj = tjInitDecompress ();
  int rc = reference_on (tj, data, size, rgb, w8, h8);
  g_strlcpy (last_message, rc != 0 ? tjGetErrorStr2 (tj) : "", sizeof last_message);
  tjDestroy (tj);
  return rc;
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} ErrorJump;

static void
error_jump (j_common_ptr ci)
{
  longjmp (((ErrorJump *) ci->err)->jump, 1);
}

/* Where libjpeg's 1/8 decode runs a 2x2 IDCT on a component: the file with
 * that component's blocks cut to (0,0), (0,1), (1,0) and (1,1) (natural
 * order 0, 1, 8 and 9), the terms of the 2x2 IDCT the fast path reads,
 * written by jpeg_write_coefficients (a lossless transcode) into *copy.
 * 0: no such component; 1: *copy made (free() it); -1: libjpeg failed. */
static int
low_terms_copy (const guint8 *data, gsize size, unsigned char **copy, unsigned long *copy_size)
{
  struct jpeg_decompress_struct di;
  struct jpeg_compress_struct ci;
  ErrorJump err;
  volatile int rc = -1;

  *copy = NULL;
  *copy_size = 0;
  di.err = ci.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = error_jump;
  err.pub.output_message = quiet;
  jpeg_create_decompress (&di);
  jpeg_create_compress (&ci);
  if (setjmp (err.jump) != 0)
    goto out;
  jpeg_mem_src (&di, data, (unsigned long) size);
  jpeg_read_header (&di, TRUE);
  di.scale_num = 1;
  di.scale_denom = 8;
  jpeg_calc_output_dimensions (&di);
  gboolean low[MAX_COMPONENTS] = { FALSE }, any = FALSE;
  for (int c = 0; c < di.num_components; c++)
    any |= low[c] = di.comp_info[c].DCT_scaled_size == 2;
  if (!any) {
    rc = 0;
    goto out;
  }
  jvirt_barray_ptr *coefs = jpeg_read_coefficients (&di);
  for (int c = 0; c < di.num_components; c++) {
    jpeg_component_info *k = &di.comp_info[c];
    for (JDIMENSION by = 0; low[c] && by < k->height_in_blocks; by++) {
      JBLOCKARRAY row = di.mem->access_virt_barray ((j_common_ptr) &di, coefs[c], by, 1, TRUE);
      for (JDIMENSION bx = 0; bx < k->width_in_blocks; bx++)
        for (int i = 0; i < DCTSIZE2; i++)
          if (i != 0 && i != 1 && i != 8 && i != 9)
            row[0][bx][i] = 0;
    }
  }
  jpeg_mem_dest (&ci, copy, copy_size);
  jpeg_copy_critical_parameters (&di, &ci);
  ci.optimize_coding = TRUE;
  jpeg_write_coefficients (&ci, coefs);
  jpeg_finish_compress (&ci);
  rc = 1;
out:
  jpeg_destroy_compress (&ci);
  jpeg_destroy_decompress (&di);
  if (rc != 1) {
    free (*copy);
    *copy = NULL;
  }
  return rc;
}

static int
reference_on (tjhandle tj, const guint8 *data, gsize size, guint8 *rgb, int *w8, int *h8)
{
  int w, h, sub, cs;
  tjscalingfactor sf = { 1, 8 };
  /* a header warning leaves a usable header, as engine/image/image.c takes it */
  if ((tjDecompressHeader3 (tj, data, size, &w, &h, &sub, &cs) != 0 && tjGetErrorCode (tj) == TJERR_FATAL) ||
      w <= 0 || h <= 0)
    return -1;
  *w8 = TJSCALED (w, sf);
  *h8 = TJSCALED (h, sf);
  if (rgb == NULL)
    return 0;
  if (tjDecompress2 (tj, data, size, rgb, *w8, 0, *h8, TJPF_RGB, 0) != 0)
    return tjGetErrorCode (tj) == TJERR_FATAL ? -1 : 1;
  return 0;
}

/* one file: the fast path's verdict, and its bytes against libjpeg-turbo's
 * when it accepts; must_accept: a clean file it has to take */
static gboolean
check_one (const char *what, const guint8 *data, gsize size, gboolean must_accept)
{
  int w8 = 0, h8 = 0;
  if (reference (data, size, NULL, &w8, &h8) != 0) {
    if (must_accept)
      FAIL ("%s: libjpeg-turbo cannot read the header", what);
    return FALSE;
  }
  if ((gsize) w8 * h8 > 64u << 20)
    return FALSE; /* a damaged header's absurd size: not worth allocating */
  gsize n = (gsize) w8 * h8 * 3;
  guint8 *mine = g_malloc (n), *ref = g_malloc (n);
  memset (mine, 0xA5, n);
  gboolean ok = rali_jpeg_decode_eighth (data, size, mine, w8, h8);
  int rc = reference (data, size, ref, &w8, &h8);
  char message[JMSG_LENGTH_MAX];
  g_strlcpy (message, last_message, sizeof message);
  /* the file's verdict is libjpeg-turbo's on the file itself (above); its
   * 2x2-IDCT components' pixels, those of the copy with their low terms */
  unsigned char *copy = NULL;
  unsigned long copy_size = 0;
  int low = rc >= 0 ? low_terms_copy (data, size, &copy, &copy_size) : 0;
  int w_copy = w8, h_copy = h8;
  if (low == 1 && (reference (copy, copy_size, ref, &w_copy, &h_copy) != 0 || w_copy != w8 || h_copy != h8))
    low = -1;
  free (copy);
  g_strlcpy (last_message, message, sizeof last_message);
  if (low < 0) {
    if (ok && g_getenv ("JPEG_EIGHTH_DUMP"))
      g_file_set_contents (g_getenv ("JPEG_EIGHTH_DUMP"), (const char *) data, (gssize) size, NULL);
    if (ok)
      FAIL ("%s: the fast path decoded a file whose low-term copy libjpeg-turbo cannot make or read", what);
    ok = FALSE;
  }
  if (must_accept && !ok)
    FAIL ("%s: the fast path declined a clean file", what);
  /* A warning about a segment the fast path does not read (an APP0 with a
   * JFIF revision of 74.01, say) leaves the same pixels, and image.c takes
   * it as libjpeg-turbo's; one about the image data must not be hidden. */
  gboolean data_warning = rc > 0 && (strstr (last_message, "Corrupt JPEG data") != NULL ||
                                     strstr (last_message, "Premature end") != NULL ||
                                     strstr (last_message, "restart") != NULL);
  if (ok && (rc < 0 || data_warning)) {
    if (g_getenv ("JPEG_EIGHTH_DUMP"))
      g_file_set_contents (g_getenv ("JPEG_EIGHTH_DUMP"), (const char *) data, (gssize) size, NULL);
    FAIL ("%s: the fast path accepted what libjpeg-turbo %s: %s", what, rc > 0 ? "warns about" : "refuses",
          last_message);
  }
  if (ok && rc >= 0 && memcmp (mine, ref, n) != 0) {
    gsize i = 0;
    while (mine[i] == ref[i])
      i++;
    if (g_getenv ("JPEG_EIGHTH_DUMP"))
      g_file_set_contents (g_getenv ("JPEG_EIGHTH_DUMP"), (const char *) data, (gssize) size, NULL);
    FAIL ("%s: %dx%d, first difference at pixel (%d, %d) channel %d: %d, libjpeg-turbo %d", what, w8, h8,
          (int) (i / 3 % (gsize) w8), (int) (i / 3 / (gsize) w8), (int) (i % 3), mine[i], ref[i]);
  }
  g_free (mine);
  g_free (ref);
  return ok;
}

int
main (int argc, char **argv)
{
  const Enc kinds[] = {
    { 1, 1, FALSE, 0, FALSE, 90, FALSE }, /* 4:4:4 */
    { 2, 1, FALSE, 0, FALSE, 85, FALSE }, /* 4:2:2 */
    { 2, 2, FALSE, 0, FALSE, 75, FALSE }, /* 4:2:0 */
    { 1, 2, FALSE, 0, FALSE, 75, FALSE }, /* 4:4:0 */
    { 4, 1, FALSE, 0, FALSE, 75, FALSE }, /* 4:1:1 */
    { 1, 1, TRUE, 0, FALSE, 80, FALSE },  /* grey */
    { 2, 2, FALSE, 1, FALSE, 92, FALSE }, /* a restart after every MCU */
    { 2, 2, FALSE, 7, TRUE, 60, FALSE },  /* restarts, optimised tables */
    { 2, 1, FALSE, 3, TRUE, 100, FALSE }, /* quality 100: long codes */
    { 2, 2, FALSE, 0, FALSE, 5, FALSE },  /* 16-bit quantisers */
    { 1, 1, TRUE, 5, TRUE, 30, FALSE },   /* grey with restarts */
  };
  const int sides[][2] = { { 1, 1 }, { 8, 8 }, { 9, 17 }, { 33, 15 }, { 200, 131 }, { 641, 479 } };
  int accepted = 0, damaged = 0, damaged_accepted = 0, samples = 0;
  /* JPEG_EIGHTH_COPIES: more damaged copies per kind, for a longer search */
  int copies = g_getenv ("JPEG_EIGHTH_COPIES") ? atoi (g_getenv ("JPEG_EIGHTH_COPIES")) : 300;

  if (argc != 2) {
    fprintf (stderr, "usage: %s SAMPLES_DIR\n", argv[0]);
    return 2;
  }
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (gsize s = 0; s < G_N_ELEMENTS (sides); s++) {
      gsize size;
      guint8 *jpg = encode (&kinds[k], sides[s][0], sides[s][1], (guint32) (k * 31 + s), &size);
      char *what = g_strdup_printf ("kind %d (%dx%d sampling, grey %d, restart %d, optimised %d, q %d), %dx%d",
                                    (int) k, kinds[k].h0, kinds[k].v0, kinds[k].grey, kinds[k].restart,
                                    kinds[k].optimise, kinds[k].quality, sides[s][0], sides[s][1]);
      accepted += check_one (what, jpg, size, TRUE);
      g_free (what);
      g_free (jpg);
    }

  /* declined: progressive */
  {
    Enc prog = { 2, 2, FALSE, 0, FALSE, 75, TRUE };
    gsize size;
    guint8 *jpg = encode (&prog, 200, 131, 7, &size);
    int w8, h8;
    reference (jpg, size, NULL, &w8, &h8);
    guint8 *rgb = g_malloc ((gsize) w8 * h8 * 3);
    if (rali_jpeg_decode_eighth (jpg, size, rgb, w8, h8))
      FAIL ("a progressive file took the fast path");
    g_free (rgb);
    g_free (jpg);
  }

  /* damaged copies: truncations everywhere, and changed bytes */
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k += 3) {
    gsize size;
    guint8 *jpg = encode (&kinds[k], 200, 131, (guint32) k, &size);
    GRand *r = g_rand_new_with_seed ((guint32) k + 99);
    for (gsize cut = 0; cut < size; cut += 1 + size / 97) {
      char *what = g_strdup_printf ("kind %d truncated to %zu of %zu bytes", (int) k, cut, size);
      damaged_accepted += check_one (what, jpg, cut, FALSE);
      damaged++;
      g_free (what);
    }
    for (int t = 0; t < copies; t++) {
      guint8 *bad = g_memdup2 (jpg, size);
      int changes = 1 + g_rand_int_range (r, 0, 3);
      for (int c = 0; c < changes; c++) {
        gsize at = (gsize) g_rand_int_range (r, 0, (gint32) size);
        bad[at] = (guint8) (t % 4 == 0 ? 0xFF : g_rand_int_range (r, 0, 256));
      }
      char *what = g_strdup_printf ("kind %d, damaged copy %d", (int) k, t);
      damaged_accepted += check_one (what, bad, size, FALSE);
      damaged++;
      g_free (what);
      g_free (bad);
    }
    g_rand_free (r);
    g_free (jpg);
  }

  /* the bundled photographs */
  GDir *dir = g_dir_open (argv[1], 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    if (!g_str_has_suffix (name, ".jpg"))
      continue;
    char *path = g_build_filename (argv[1], name, NULL), *data;
    gsize size;
    if (g_file_get_contents (path, &data, &size, NULL)) {
      check_one (path, (const guint8 *) data, size, TRUE);
      samples++;
      g_free (data);
    }
    g_free (path);
  }
  if (dir != NULL)
    g_dir_close (dir);
  if (samples == 0)
    FAIL ("no JPEG in %s", argv[1]);

  printf ("%d of %d written files took the fast path, identical to the reference; %d of %d damaged copies "
          "did (each read by libjpeg-turbo without a warning, to the same bytes); %d bundled photos\n",
          accepted, (int) (G_N_ELEMENTS (kinds) * G_N_ELEMENTS (sides)), damaged_accepted, damaged, samples);
  return failures == 0 ? 0 : 1;
}
