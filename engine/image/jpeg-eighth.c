/* The 1/8-scale JPEG decode of the photos cameras write, without
 * libjpeg-turbo's AC walk.
 *
 * Why this exists: at 1/8 scale every 8x8 block becomes one pixel, its DC
 * coefficient over 8, yet libjpeg-turbo still decodes the Huffman code of
 * every AC coefficient to find where the next block starts, and that walk
 * is nearly all of a 24-MP decode (docs/PERFORMANCE-ZEN5.md: about 40 ms of
 * a 5-MB file on one core).  Here a block's AC codes are skipped several at
 * a time, one table lookup covering whole symbols, codes and magnitude
 * bits together; their values are never formed.
 *
 * What it gives, against libjpeg-turbo's tjDecompress2 at 1/8 (islow):
 *  - a component at full sampling (luma, grey) and one libjpeg replicates
 *    (4:2:2, 4:4:0, 4:1:1 chroma: libjpeg turns fancy upsampling off when
 *    the smallest IDCT is 1x1): the same bytes, the dequantised DC over 8
 *    with libjpeg's rounding and its wrap-around range limit;
 *  - 4:2:0 chroma: libjpeg scales it to the output grid with a 2x2
 *    reduced IDCT (jidctred.c), which reads the AC coefficients of rows
 *    and columns 1, 3, 5 and 7.  Decoding all of them cost nearly what the
 *    luma skipping saved (the first version of this file was 3 % faster
 *    than libjpeg-turbo); reading the DC alone (0.75x libjpeg-turbo's time
 *    where this takes 0.84x) doubled the error against the full decode.  So only the values
 *    of zigzag positions 1-4 are formed, the rest skipped, and the 2x2
 *    IDCT runs on (0,0), (0,1), (1,0) and (1,1): libjpeg's arithmetic on
 *    the block with its higher terms dropped.  Against the full decode
 *    averaged over 8x8, a mean error of 0.382 of 255 a channel where
 *    libjpeg's is 0.381, and 0.006 from libjpeg's bytes (the folder
 *    benchmark's photos);
 *  - YCbCr -> RGB with libjpeg's 16-bit fixed-point tables; grey is copied
 *    to R, G and B.
 * Anything it does not handle, or anything irregular in the stream, makes
 * it return FALSE, and the caller decodes with libjpeg-turbo instead (see
 * jpeg-eighth.h).  tests/test-jpeg-eighth.c checks the bytes against
 * libjpeg-turbo on every sampling, odd sizes, restart intervals and
 * damaged copies (a 4:2:0 file against libjpeg-turbo's decode of a copy
 * with those higher chroma terms set to zero).
 *
 * One file though it passes 800 lines: the headers, the entropy walk and
 * the pixel arithmetic share one bit reader that the compiler keeps in
 * registers only while it is all inlined into one decode loop.
 *
 * Input is hostile: every segment length is checked against the buffer,
 * every Huffman table against the code space, every count against its
 * bound; what is allocated follows the output size, which the caller
 * already bounded. */
#include "jpeg-eighth.h"

#include <string.h>

/* Codes up to LOOK bits long resolve in one lookup; longer ones (rare:
 * an encoder's optimised tables give the common symbols short codes) walk
 * the code lengths. */
#define LOOK 10
/* A block's AC codes are skipped several at a time: the symbols an 8-bit
 * photo's blocks are mostly made of (a run of 0 or 1 and a small
 * magnitude, 3-6 bits with their magnitude bits) fit two to four in 14
 * bits, and the walk is a chain of dependent lookups, so fewer lookups is
 * what makes it faster.  14 bits (64-KB tables) measured fastest on a
 * Zen 5, on the folder benchmark's photos against libjpeg-turbo in the
 * same run: 0.84x its time, where 12 bits gave 0.89-0.90x and 16 bits
 * 0.88x. */
#define MLOOK 14

typedef struct {
  gboolean defined;
  /* next LOOK bits -> code length | symbol << 8; 0: a longer code */
  guint16 fast[1 << LOOK];
  /* AC tables: next LOOK bits -> bits to drop (code + magnitude) |
   * coefficients advanced << 8 (run + 1; 16 for ZRL; 64 for an end of
   * block); 0: a longer code */
  guint16 skip[1 << LOOK];
  /* AC tables: next LOOK bits -> a whole symbol with its value, where code
   * and magnitude fit: bits to drop | run << 5 | size << 9 | the signed
   * value << 16; 0: decode it the long way */
  guint32 val[1 << LOOK];
  /* AC tables: next MLOOK bits -> as many whole symbols (code and
   * magnitude) as they hold, up to an end of block: their bits, the
   * coefficients they advance, whether they end the block; and the same
   * for the first symbol alone (multi_entry() packs them); 0: none fits */
  guint32 multi[1 << MLOOK];
  gint32 maxcode[17];   /* the largest code of each length, -1 if none */
  gint32 valoffset[17]; /* index into vals of a code of that length, minus the code */
  guint8 vals[256];
} Huff;

typedef struct {
  int id, h, v, tq;      /* from the frame header */
  int td, ta;            /* Huffman tables, from the scan header */
  int ssize;             /* libjpeg's IDCT output size at 1/8: 1 or 2 */
  int hf, vf;            /* replication to the output grid */
  int bw, bh;            /* blocks stored (the MCU grid's, or the component's own) */
  guint8 *plane;         /* (bw * ssize) x (bh * ssize) samples */
  gint32 pred;           /* the DC predictor, as libjpeg keeps it */
} Comp;

typedef struct {
  int width, height, ncomp, hmax, vmax;
  Comp comp[3];
  int scan[3], nscan;    /* scan order -> comp index */
  guint16 quant[4][64];  /* zigzag order, as stored */
  gboolean quant_defined[4];
  Huff dc[4], ac[4];
  unsigned restart_interval;
  const guint8 *scan_data, *end;
} Jpeg;

typedef struct {
  const guint8 *p, *end;
  guint64 bits;  /* left-aligned; bits below the top n are zero */
  int n;         /* bits held, counting the zero padding */
  int zeros;     /* zero bits padded in at the tail once no data is left */
  gboolean stop; /* at a marker or the end of the buffer */
} Bits;

static inline guint
be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

/* s magnitude bits v -> the signed value (JPEG's EXTEND, F.2.2.1) */
static inline int
extend (int v, int s)
{
  return s == 0 ? 0 : v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
}

/* ---- headers ---- */

/* multi[] entries: bits 0-4 all symbols' bits, 5-11 their advance, 12
 * they end with an end of block; 13-17, 18-24 and 25 the same for the
 * first symbol alone */
#define MULTI_BITS(e) ((int) ((e) & 31))
#define MULTI_ADV(e) ((int) (((e) >> 5) & 127))
#define MULTI_EOB(e) (((e) >> 12) & 1)
#define MULTI_BITS1(e) ((int) (((e) >> 13) & 31))
#define MULTI_ADV1(e) ((int) (((e) >> 18) & 127))
#define MULTI_EOB1(e) (((e) >> 25) & 1)

static void
multi_build (Huff *t)
{
  for (guint idx = 0; idx < (1u << MLOOK); idx++) {
    guint32 bits = 0, adv = 0, eob = 0, e = 0;
    int n = 0;
    for (;;) {
      /* the symbol at bit n of idx, from the LOOK-bit table (bits past
       * idx read as zeros, and the fit check below rejects them) */
      guint window = ((idx << n) & ((1u << MLOOK) - 1)) >> (MLOOK - LOOK);
      guint f = t->fast[window];
      if (f == 0)
        break;
      int len = (int) (f & 0xFF), sym = (int) (f >> 8), r = sym >> 4, s = sym & 15;
      if (n + len + s > MLOOK)
        break;
      n += len + s;
      bits += (guint32) (len + s);
      if (s == 0 && r != 15)
        eob = 1;
      else
        adv += s ? (guint32) (r + 1) : 16;
      if (e == 0)
        e = (bits << 13) | (adv << 18) | (eob << 25);
      if (eob)
        break;
    }
    t->multi[idx] = bits == 0 ? 0 : (e | bits | (adv << 5) | (eob << 12));
  }
}

/* The canonical code of JPEG's Annex C, with libjpeg's checks: at most 256
 * symbols, no code that overflows its length (which also rules out the
 * all-ones code).  And what an 8-bit encoder can write (libjpeg decodes
 * more, and cannot encode it): DC differences of at most 11 bits, AC
 * values of at most 10.  Within that, every block accepted here can be
 * written back by libjpeg's own transcoder, which is how
 * tests/test-jpeg-eighth.c checks 4:2:0 files. */
static gboolean
huff_build (Huff *t, const guint8 counts[16], const guint8 *vals, int nvals, gboolean dc)
{
  guint code = 0;
  int k = 0;

  memset (t, 0, sizeof *t);
  memcpy (t->vals, vals, nvals);
  for (int len = 1; len <= 16; len++) {
    t->maxcode[len] = -1;
    t->valoffset[len] = k - (gint32) code;
    for (int i = 0; i < counts[len - 1]; i++, k++, code++) {
      guint8 sym = vals[k];
      /* libjpeg: the code after a length's last must still fit in it */
      if ((dc && sym > 11) || (!dc && (sym & 15) > 10) || code + 1 >= (1u << len))
        return FALSE;
      t->maxcode[len] = (gint32) code;
      if (len <= LOOK) {
        int r = sym >> 4, s = sym & 15, shift = LOOK - len;
        guint16 adv = s ? (guint16) (r + 1) : (r == 15 ? 16 : 64);
        guint16 drop = (guint16) (len + s);
        for (guint j = 0; j < (1u << shift); j++) {
          guint idx = (code << shift) | j;
          t->fast[idx] = (guint16) (len | (sym << 8));
          t->skip[idx] = (guint16) (drop | (adv << 8));
          if (len + s <= LOOK) {
            /* the magnitude bits follow the code within idx (EXTEND) */
            int v = extend ((int) (j >> (shift - s)) & ((1 << s) - 1), s);
            t->val[idx] = (guint32) drop | (guint32) r << 5 | (guint32) s << 9 | (guint32) (guint16) v << 16;
          }
        }
      }
    }
    code <<= 1;
  }
  if (!dc)
    multi_build (t);
  t->defined = TRUE;
  return TRUE;
}

static gboolean
parse_dht (Jpeg *j, const guint8 *p, guint len)
{
  while (len > 0) {
    if (len < 17)
      return FALSE;
    int tc = p[0] >> 4, th = p[0] & 15, n = 0;
    for (int i = 0; i < 16; i++)
      n += p[1 + i];
    if (tc > 1 || th > 3 || n > 256 || len < 17u + (guint) n)
      return FALSE;
    if (!huff_build (tc == 0 ? &j->dc[th] : &j->ac[th], p + 1, p + 17, n, tc == 0))
      return FALSE;
    p += 17 + n;
    len -= 17 + n;
  }
  return TRUE;
}

static gboolean
parse_dqt (Jpeg *j, const guint8 *p, guint len)
{
  while (len > 0) {
    int pq = p[0] >> 4, tq = p[0] & 15;
    guint need = pq == 0 ? 65 : 129;
    if (pq > 1 || tq > 3 || len < need)
      return FALSE;
    for (int i = 0; i < 64; i++)
      j->quant[tq][i] = pq == 0 ? p[1 + i] : (guint16) be16 (p + 1 + 2 * i);
    j->quant_defined[tq] = TRUE;
    p += need;
    len -= need;
  }
  return TRUE;
}

/* SOF0/SOF1: 8-bit, one or three components, each factor 1..4, as libjpeg
 * demands (at most 10 blocks per MCU) */
static gboolean
parse_sof (Jpeg *j, const guint8 *p, guint len)
{
  if (len < 6 || p[0] != 8)
    return FALSE;
  j->height = (int) be16 (p + 1);
  j->width = (int) be16 (p + 3);
  j->ncomp = p[5];
  if (j->height == 0 || j->width == 0 || j->width > 65500 || j->height > 65500 ||
      (j->ncomp != 1 && j->ncomp != 3) || len != 6u + 3u * (guint) j->ncomp)
    return FALSE;
  j->hmax = j->vmax = 1;
  int blocks = 0;
  for (int c = 0; c < j->ncomp; c++) {
    Comp *k = &j->comp[c];
    k->id = p[6 + 3 * c];
    k->h = p[7 + 3 * c] >> 4;
    k->v = p[7 + 3 * c] & 15;
    k->tq = p[8 + 3 * c];
    if (k->h < 1 || k->h > 4 || k->v < 1 || k->v > 4 || k->tq > 3)
      return FALSE;
    for (int o = 0; o < c; o++)
      if (j->comp[o].id == k->id)
        return FALSE;
    j->hmax = MAX (j->hmax, k->h);
    j->vmax = MAX (j->vmax, k->v);
    blocks += k->h * k->v;
  }
  return j->ncomp == 1 || blocks <= 10;
}

/* SOS: one sequential scan of every component */
static gboolean
parse_sos (Jpeg *j, const guint8 *p, guint len)
{
  if (len < 1)
    return FALSE;
  j->nscan = p[0];
  if (j->nscan != j->ncomp || len != 4u + 2u * (guint) j->nscan)
    return FALSE;
  for (int i = 0; i < j->nscan; i++) {
    int id = p[1 + 2 * i], c;
    for (c = 0; c < j->ncomp && j->comp[c].id != id; c++)
      ;
    if (c == j->ncomp)
      return FALSE;
    for (int o = 0; o < i; o++)
      if (j->scan[o] == c)
        return FALSE;
    j->scan[i] = c;
    j->comp[c].td = p[2 + 2 * i] >> 4;
    j->comp[c].ta = p[2 + 2 * i] & 15;
    if (j->comp[c].td > 3 || j->comp[c].ta > 3 || !j->dc[j->comp[c].td].defined ||
        !j->ac[j->comp[c].ta].defined || !j->quant_defined[j->comp[c].tq])
      return FALSE;
  }
  const guint8 *q = p + 1 + 2 * j->nscan;
  return q[0] == 0 && q[1] == 63 && q[2] == 0; /* Ss, Se, Ah/Al */
}

/* Markers up to the first scan's data.  Only what a plain sequential file
 * holds is accepted: anything libjpeg would warn about or refuse, or treat
 * in a way not reproduced here, returns FALSE. */
static gboolean
parse_headers (Jpeg *j, const guint8 *data, gsize size)
{
  const guint8 *p = data + 2, *end = data + size;
  gboolean have_sof = FALSE;

  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return FALSE;
  for (;;) {
    if (end - p < 2 || p[0] != 0xFF)
      return FALSE;
    while (end - p >= 2 && p[1] == 0xFF)
      p++;
    if (end - p < 4)
      return FALSE;
    guint m = p[1], len = be16 (p + 2);
    if (len < 2 || (gsize) (end - p) < 2u + len)
      return FALSE;
    const guint8 *seg = p + 4;
    guint n = len - 2;
    p += 2 + len;
    if (m == 0xC0 || m == 0xC1) {
      if (have_sof || !parse_sof (j, seg, n))
        return FALSE;
      have_sof = TRUE;
    } else if (m == 0xC4) {
      if (!parse_dht (j, seg, n))
        return FALSE;
    } else if (m == 0xDB) {
      if (!parse_dqt (j, seg, n))
        return FALSE;
    } else if (m == 0xDD) {
      if (n != 2)
        return FALSE;
      j->restart_interval = be16 (seg);
    } else if (m == 0xDA) {
      if (!have_sof || !parse_sos (j, seg, n))
        return FALSE;
      j->scan_data = p;
      j->end = end;
      return TRUE;
    } else if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
      /* APPn, COM: the caller's TurboJPEG header read has the colour space */
    } else {
      return FALSE; /* other SOFs, DAC, DNL, stray RST/EOI/SOI, reserved */
    }
  }
}

/* ---- entropy-coded data ----
 *
 * The bit reader is a value: the block decoders below are always inlined
 * into decode_scan, and the byte-wise refill takes and returns a copy, so
 * the compiler keeps the reader in registers; through a pointer it went to
 * memory on every symbol, and the decode ran slower than libjpeg-turbo's. */

/* byte by byte: stuffed 0xFF 0x00 pairs, and a stop at a marker or at the
 * end, after which zeros are fed that must never be read */
static G_NO_INLINE Bits
refill_slow (Bits b)
{
  while (b.n <= 56) {
    guint8 c;
    if (!b.stop && b.p < b.end) {
      c = b.p[0];
      if (c != 0xFF) {
        b.p++;
      } else if (b.end - b.p >= 2 && b.p[1] == 0x00) {
        b.p += 2;
      } else {
        b.stop = TRUE; /* a marker (or a lone 0xFF at the end): stay on it */
        continue;
      }
    } else {
      b.stop = TRUE;
      c = 0;
      b.zeros += 8;
    }
    b.bits |= (guint64) c << (56 - b.n);
    b.n += 8;
  }
  return b;
}

/* to at least 57 bits; eight bytes at once when none of them is 0xFF (a
 * stuffed byte or a marker): the common case */
static G_ALWAYS_INLINE inline void
refill (Bits *b)
{
  if (G_LIKELY (!b->stop && b->end - b->p >= 8)) {
    guint64 w, x;
    memcpy (&w, b->p, 8);
    x = ~w;
    if (G_LIKELY (((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull) == 0)) {
      int k = (64 - b->n) >> 3;
      w = GUINT64_FROM_BE (w);
      b->bits |= (w >> (64 - 8 * k)) << (64 - b->n - 8 * k);
      b->p += k;
      b->n += 8 * k;
      return;
    }
  }
  *b = refill_slow (*b);
}

static G_ALWAYS_INLINE inline guint
peek (const Bits *b, int n)
{
  return (guint) (b->bits >> (64 - n));
}

static G_ALWAYS_INLINE inline void
drop (Bits *b, int n)
{
  b->bits <<= n;
  b->n -= n;
}

/* a code longer than LOOK bits, or none: the symbol, or -1 */
static int
huff_slow (guint64 bits, const Huff *t, int *len)
{
  guint code = (guint) (bits >> 48);
  for (int l = 1; l <= 16; l++) {
    gint32 c = (gint32) (code >> (16 - l));
    if (c <= t->maxcode[l]) {
      *len = l;
      return t->vals[t->valoffset[l] + c];
    }
  }
  return -1;
}

/* one symbol; at least 32 bits are held */
static G_ALWAYS_INLINE inline int
huff_decode (Bits *b, const Huff *t)
{
  guint e = t->fast[peek (b, LOOK)];
  int len;
  if (G_LIKELY (e != 0)) {
    drop (b, e & 0xFF);
    return (int) (e >> 8);
  }
  int sym = huff_slow (b->bits, t, &len);
  if (sym >= 0)
    drop (b, len);
  return sym;
}

/* the next s magnitude bits, as their signed value */
static G_ALWAYS_INLINE inline int
receive_extend (Bits *b, int s)
{
  if (s == 0)
    return 0;
  int v = (int) peek (b, s);
  drop (b, s);
  return extend (v, s);
}

static G_ALWAYS_INLINE inline gboolean
decode_dc (Bits *b, Comp *k, const Huff *t)
{
  int s, diff;
  if (b->n < 32)
    refill (b);
  guint e = t->fast[peek (b, LOOK)];
  if (G_LIKELY (e != 0)) {
    /* code and magnitude bits read from one peek, dropped together */
    int len = (int) (e & 0xFF);
    s = (int) (e >> 8);
    diff = s == 0 ? 0 : extend ((int) ((b->bits << len) >> (64 - s)), s);
    drop (b, len + s);
  } else {
    if ((s = huff_decode (b, t)) < 0)
      return FALSE;
    diff = receive_extend (b, s);
  }
  /* libjpeg adds in unsigned arithmetic: a wrap, not undefined behaviour */
  k->pred = (gint32) ((guint32) k->pred + (guint32) diff);
  /* an 8-bit block's DC term lies in -1024..1016 (the mean of 64 samples
   * in -128..127, times 8, over a quantiser of at least 1); beyond, the
   * data is damaged, and libjpeg-turbo decides what becomes of it */
  return (guint32) k->pred + 1024u <= 2047u;
}

/* the AC codes of a block whose coefficients are not needed, as libjpeg
 * walks them: an end of block, or a run past the block's end, ends it */
static G_ALWAYS_INLINE inline gboolean
skip_ac (Bits *b, const Huff *t, int k)
{
  while (k < 64) {
    if (b->n < 32)
      refill (b);
    guint32 m = t->multi[peek (b, MLOOK)];
    if (G_LIKELY (m != 0)) {
      if (G_LIKELY (k + MULTI_ADV (m) < 64)) {
        /* no run reaches the end before the last symbol: all of them */
        drop (b, MULTI_BITS (m));
        k += MULTI_ADV (m);
        if (MULTI_EOB (m))
          break;
      } else {
        drop (b, MULTI_BITS1 (m));
        if (MULTI_EOB1 (m))
          break;
        k += MULTI_ADV1 (m);
      }
      continue;
    }
    guint e = t->skip[peek (b, LOOK)];
    if (G_LIKELY (e != 0)) {
      drop (b, e & 0xFF);
      k += (int) (e >> 8);
      continue;
    }
    int len, sym = huff_slow (b->bits, t, &len);
    if (sym < 0)
      return FALSE;
    int r = sym >> 4, s = sym & 15;
    drop (b, len + s);
    if (s)
      k += r + 1;
    else if (r == 15)
      k += 16;
    else
      break;
  }
  return TRUE;
}

/* a 4:2:0 chroma block's AC codes: the values of zigzag positions 1-4,
 * of which the 2x2 IDCT reads 1, 2 and 4 ((0,1), (1,0) and (1,1)),
 * dequantised into z as libjpeg multiplies them (16-bit coefficients and
 * quantisers); the codes after them skipped.  A symbol whose code and
 * magnitude fit in LOOK bits comes with its value from one lookup (val):
 * on the castle's 24-MP photo at 4:2:0, 0.90x libjpeg-turbo's time
 * against 0.92x decoding code and magnitude in turn. */
static G_ALWAYS_INLINE inline gboolean
decode_ac_low (Bits *b, const Huff *t, const guint16 *qz, gint32 z[5])
{
  int k = 1;
  while (k <= 4) {
    if (b->n < 32)
      refill (b);
    int r, s, coef;
    guint32 e = t->val[peek (b, LOOK)];
    if (G_LIKELY (e != 0)) {
      drop (b, (int) (e & 31));
      r = (int) (e >> 5) & 15;
      s = (int) (e >> 9) & 15;
      coef = (gint16) (e >> 16);
    } else {
      int sym = huff_decode (b, t);
      if (sym < 0)
        return FALSE;
      r = sym >> 4;
      s = sym & 15;
      coef = (gint16) receive_extend (b, s);
    }
    if (s) {
      k += r;
      if (k <= 4)
        z[k] = (gint32) coef * (gint32) (gint16) qz[k];
      k++;
    } else if (r == 15) {
      k += 16;
    } else {
      return TRUE; /* end of block */
    }
  }
  return skip_ac (b, t, k);
}

/* ---- libjpeg's arithmetic ---- */

/* the IDCT's range limit: x + 128 clamped to 0..255 for |x| < 512,
 * wrapping beyond as libjpeg's table (indexed by x & 1023) does */
static inline guint8
idct_range (gint64 x)
{
  int i = (int) (x & 1023);
  return (guint8) (i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
}

static inline gint64
descale (gint64 x, int n)
{
  return (x + ((gint64) 1 << (n - 1))) >> n;
}

/* libjpeg-turbo runs the 2x2 IDCT in SIMD, with the dequantised
 * coefficients and the first pass in 16 bits and the sums in 32, and its
 * output saturated where the C code's range table wraps; on the values a
 * real photo has (coefficients of a few thousand at most, pixels a little
 * outside 0..255) that equals the C arithmetic here, but not past those
 * widths, so a block outside them returns FALSE and the file goes to
 * libjpeg-turbo. */
static inline gboolean
fits (gint64 x, int bits)
{
  return x >= -((gint64) 1 << (bits - 1)) && x < ((gint64) 1 << (bits - 1));
}

/* jidctred.c's 2x2 IDCT for a block whose only coefficients are (0,0),
 * (0,1), (1,0) and (1,1), into out (stride bytes apart): each pass adds
 * and subtracts sqrt(2) times the first odd term (29692 in 13 fraction
 * bits), its other odd terms zero here; libjpeg's first pass keeps its
 * results in int */
static gboolean
idct_2x2_low (gint32 z00, gint32 z01, gint32 z10, gint32 z11, guint8 *out, gsize stride)
{
  gint32 col[2][2] = { { z00, z10 }, { z01, z11 } }, ws[2][2];
  for (int c = 0; c < 2; c++) {
    if (!fits (col[c][0], 16) || !fits (col[c][1], 16))
      return FALSE;
    gint64 even = (gint64) col[c][0] * 32768, odd = (gint64) col[c][1] * 29692;
    if (!fits (even + odd, 32) || !fits (even - odd, 32))
      return FALSE;
    gint64 a = descale (even + odd, 13), b = descale (even - odd, 13);
    if (!fits (a, 16) || !fits (b, 16))
      return FALSE;
    ws[0][c] = (gint32) a;
    ws[1][c] = (gint32) b;
  }
  for (int r = 0; r < 2; r++) {
    gint64 even = (gint64) ws[r][0] * 32768, odd = (gint64) ws[r][1] * 29692;
    gint64 a = descale (even + odd, 20), b = descale (even - odd, 20);
    if (!fits (even + odd, 32) || !fits (even - odd, 32) || !fits (a, 10) || !fits (b, 10))
      return FALSE;
    out[r * stride] = idct_range (a);
    out[r * stride + 1] = idct_range (b);
  }
  return TRUE;
}

/* jdcolor.c's tables: R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr',
 * B = Y + 1.772 Cb' in 16 fraction bits, Cb' = Cb - 128 */
static int cr_r[256], cb_b[256];
static gint64 cr_g[256], cb_g[256];

static void
colour_tables_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    for (int i = 0; i < 256; i++) {
      gint64 x = i - 128;
      cr_r[i] = (int) ((91881 * x + 32768) >> 16);  /* FIX(1.40200) */
      cb_b[i] = (int) ((116130 * x + 32768) >> 16); /* FIX(1.77200) */
      cr_g[i] = -46802 * x;                         /* -FIX(0.71414) */
      cb_g[i] = -22554 * x + 32768;                 /* -FIX(0.34414), + ONE_HALF */
    }
    g_once_init_leave (&done, 1);
  }
}

static inline guint8
clamp255 (int v)
{
  return (guint8) (v < 0 ? 0 : v > 255 ? 255 : v);
}

/* ---- the scan ---- */

/* one block of component k at block position (bx, by) of its plane */
static G_ALWAYS_INLINE inline gboolean
decode_block (Bits *b, const Jpeg *j, Comp *k, int bx, int by)
{
  if (!decode_dc (b, k, &j->dc[k->td]))
    return FALSE;
  const guint16 *qz = j->quant[k->tq];
  gsize stride = (gsize) k->bw * (gsize) k->ssize;
  /* libjpeg keeps coefficients and quantisers in 16 bits */
  gint32 dc = (gint32) (gint16) k->pred * (gint32) (gint16) qz[0];
  if (k->ssize == 1) {
    if (!skip_ac (b, &j->ac[k->ta], 1))
      return FALSE;
    k->plane[(gsize) by * stride + (gsize) bx] = idct_range (descale (dc, 3));
    return TRUE;
  }
  gint32 z[5] = { dc, 0, 0, 0, 0 };
  if (!decode_ac_low (b, &j->ac[k->ta], qz, z))
    return FALSE;
  guint8 *out = k->plane + (gsize) by * 2 * stride + (gsize) bx * 2;
  if ((z[1] | z[2] | z[4]) == 0 && dc > -4000 && dc < 4000) {
    /* no AC term the IDCT reads: its four outputs are the 1x1 one, and
     * every width check holds for such a DC */
    out[0] = out[1] = out[stride] = out[stride + 1] = idct_range (descale (dc, 3));
    return TRUE;
  }
  return idct_2x2_low (z[0], z[1], z[2], z[4], out, stride);
}

/* after an interval or the scan: only the padding of the last byte may be
 * left (libjpeg counts whole bytes as extraneous data and warns), then the
 * marker, past any 0xFF fill; returns it and where the data goes on, or -1.
 * (The reader comes by value, so that it can stay in registers.) */
static int
end_of_segment (Bits b, const guint8 **next)
{
  while (!b.stop && b.n <= 56)
    refill (&b);
  if (!b.stop || b.n - b.zeros >= 8)
    return -1;
  const guint8 *p = b.p;
  while (b.end - p >= 2 && p[0] == 0xFF && p[1] == 0xFF)
    p++;
  if (b.end - p < 2 || p[0] != 0xFF)
    return -1;
  *next = p + 2;
  return p[1];
}

static gboolean
decode_scan (Jpeg *j)
{
  Bits b = { .p = j->scan_data, .end = j->end };
  gboolean single = j->nscan == 1;
  int mx = single ? (j->width + 7) / 8 : (j->width + 8 * j->hmax - 1) / (8 * j->hmax);
  int my = single ? (j->height + 7) / 8 : (j->height + 8 * j->vmax - 1) / (8 * j->vmax);
  unsigned left = j->restart_interval;
  int next_rst = 0;

  for (int y = 0; y < my; y++) {
    for (int x = 0; x < mx; x++) {
      if (j->restart_interval != 0) {
        if (left == 0) {
          const guint8 *next = NULL;
          if (end_of_segment (b, &next) != 0xD0 + next_rst)
            return FALSE;
          next_rst = (next_rst + 1) & 7;
          b = (Bits) { .p = next, .end = j->end };
          for (int i = 0; i < j->ncomp; i++)
            j->comp[i].pred = 0;
          left = j->restart_interval;
        }
        left--;
      }
      for (int i = 0; i < j->nscan; i++) {
        Comp *k = &j->comp[j->scan[i]];
        int h = single ? 1 : k->h, v = single ? 1 : k->v;
        for (int by = 0; by < v; by++)
          for (int bx = 0; bx < h; bx++)
            if (!decode_block (&b, j, k, x * h + bx, y * v + by))
              return FALSE;
      }
      if (b.n < b.zeros)
        return FALSE; /* read past the data: libjpeg would warn */
    }
  }
  const guint8 *next = NULL;
  return end_of_segment (b, &next) == 0xD9;
}

/* libjpeg's choice of IDCT size per component at 1/8 (jdmaster.c): double
 * it while the component's sampling still divides the largest */
static int
idct_size (const Jpeg *j, const Comp *k)
{
  int s = 1;
  while (s < 8 && (j->hmax % (k->h * s * 2)) == 0 && (j->vmax % (k->v * s * 2)) == 0)
    s *= 2;
  return s;
}

gboolean
rali_jpeg_eighth_enabled (void)
{
  const char *v = g_getenv ("RALI_JPEG_DECODER");
  return v == NULL || g_strcmp0 (v, "libjpeg") != 0;
}

gboolean
rali_jpeg_decode_eighth (const guint8 *data, gsize size, guint8 *rgb, int out_w, int out_h)
{
  Jpeg *j = g_new0 (Jpeg, 1);
  gboolean ok = FALSE;

  if (!parse_headers (j, data, size) || (j->width + 7) / 8 != out_w || (j->height + 7) / 8 != out_h)
    goto out;
  for (int c = 0; c < j->ncomp; c++) {
    Comp *k = &j->comp[c];
    gboolean single = j->ncomp == 1;
    k->ssize = single ? 1 : idct_size (j, k);
    if (k->ssize > 2)
      goto out;
    if (single) {
      k->bw = (j->width + 7) / 8;
      k->bh = (j->height + 7) / 8;
      k->hf = k->vf = 1;
    } else {
      int hin = k->h * k->ssize, vin = k->v * k->ssize;
      if (j->hmax % hin != 0 || j->vmax % vin != 0)
        goto out;
      k->hf = j->hmax / hin;
      k->vf = j->vmax / vin;
      k->bw = (j->width + 8 * j->hmax - 1) / (8 * j->hmax) * k->h;
      k->bh = (j->height + 8 * j->vmax - 1) / (8 * j->vmax) * k->v;
    }
    k->plane = g_try_malloc ((gsize) k->bw * k->ssize * (gsize) k->bh * k->ssize);
    if (k->plane == NULL)
      goto out;
  }
  if (!decode_scan (j))
    goto out;

  colour_tables_init ();
  for (int y = 0; y < out_h; y++) {
    guint8 *o = rgb + (gsize) y * (gsize) out_w * 3;
    const Comp *c0 = &j->comp[0];
    const guint8 *r0 = c0->plane + (gsize) (y / c0->vf) * (gsize) (c0->bw * c0->ssize);
    if (j->ncomp == 1) {
      for (int x = 0; x < out_w; x++)
        o[3 * x] = o[3 * x + 1] = o[3 * x + 2] = r0[x / c0->hf];
      continue;
    }
    const Comp *c1 = &j->comp[1], *c2 = &j->comp[2];
    const guint8 *r1 = c1->plane + (gsize) (y / c1->vf) * (gsize) (c1->bw * c1->ssize);
    const guint8 *r2 = c2->plane + (gsize) (y / c2->vf) * (gsize) (c2->bw * c2->ssize);
    for (int x = 0; x < out_w; x++) {
      int yy = r0[x / c0->hf], cb = r1[x / c1->hf], cr = r2[x / c2->hf];
      o[3 * x] = clamp255 (yy + cr_r[cr]);
      o[3 * x + 1] = clamp255 (yy + (int) ((cb_g[cb] + cr_g[cr]) >> 16));
      o[3 * x + 2] = clamp255 (yy + cb_b[cb]);
    }
  }
  ok = TRUE;
out:
  for (int c = 0; c < 3; c++)
    g_free (j->comp[c].plane);
  g_free (j);
  return ok;
}
