/* The CPU backend's AVX2 + FMA kernels (cpu-kernels.h), for processors
 * without AVX-512 (most laptops and desktops: Intel's since Alder Lake, AMD's
 * before Zen 4): compiled for AVX2 whatever the build's -march, and called
 * only through cpu-kernels.c once it has seen that the processor has it.
 * The same layouts and the same sums as cpu-avx512.c (each output element
 * one chain of FMAs over k), on 8-lane registers: a 12 x 32 tile runs as
 * four 6 x 16 blocks (12 accumulators, 2 loads of the weight panel and a
 * broadcast: 15 of the 16 registers).  The loops both share are in
 * cpu-kernels-common.h. */
#include "cpu-kernels.h"

#include <math.h>
#include <string.h>

#ifdef RALI_CPU_KERNELS_X86

#if defined(__clang__)
#pragma clang attribute push (__attribute__ ((target ("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx2,fma")
#endif

#include <immintrin.h>

/* ---- vector math ---- */

/* the first n (0..8) lanes set, for maskload/maskstore */
static inline __m256i
lanes8 (int n)
{
  static const int ones[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };
  n = CLAMP (n, 0, 8);
  return _mm256_loadu_si256 ((const __m256i *) (ones + 8 - n));
}

/* p[0..n) (n ≤ 8; 0 past it) and its store */
static inline __m256
load8 (const float *p, int n)
{
  return n >= 8 ? _mm256_loadu_ps (p) : _mm256_maskload_ps (p, lanes8 (n));
}

static inline void
store8 (float *p, __m256 v, int n)
{
  if (n >= 8)
    _mm256_storeu_ps (p, v);
  else if (n > 0)
    _mm256_maskstore_ps (p, lanes8 (n), v);
}

static inline float
hsum8 (__m256 v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

static inline float
hmax8 (__m256 v)
{
  __m128 s = _mm_max_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  s = _mm_max_ps (s, _mm_movehl_ps (s, s));
  s = _mm_max_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

/* 2^k for integer k in [-126, 127] */
static inline __m256
pow2i (__m256i k)
{
  return _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_add_epi32 (k, _mm256_set1_epi32 (127)), 23));
}

/* e^x as cpu-avx512.c's exp16 (Cephes' expf polynomial after x = n·ln2 + r);
 * p·2^n in two halves, n1 + n2 = n, so that neither power leaves the normal
 * range (n runs from -126 to 128), as one rounding like vscalefps */
static inline __m256
exp8 (__m256 x)
{
  const __m256 hi = _mm256_set1_ps (88.3762626647949f), lo = _mm256_set1_ps (-87.3365447505531f);
  x = _mm256_min_ps (_mm256_max_ps (x, lo), hi);
  __m256 n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693359375f), x);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps (1.9875691500e-4f);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.3981999507e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (8.3334519073e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (4.1665795894e-2f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.6666665459e-1f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (5.0000001201e-1f));
  p = _mm256_fmadd_ps (p, _mm256_mul_ps (r, r), _mm256_add_ps (r, _mm256_set1_ps (1.0f)));
  __m256i ni = _mm256_cvtps_epi32 (n);
  __m256i n1 = _mm256_srai_epi32 (ni, 1), n2 = _mm256_sub_epi32 (ni, n1);
  return _mm256_mul_ps (_mm256_mul_ps (p, pow2i (n1)), pow2i (n2));
}

/* erf(x), Abramowitz & Stegun 7.1.26, as cpu-avx512.c's erf16 */
static inline __m256
erf8 (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.0f), sign = _mm256_set1_ps (-0.0f);
  __m256 ax = _mm256_andnot_ps (sign, x);
  __m256 t = _mm256_div_ps (one, _mm256_fmadd_ps (_mm256_set1_ps (0.3275911f), ax, one));
  __m256 p = _mm256_set1_ps (1.061405429f);
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (-1.453152027f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (1.421413741f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (-0.284496736f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (0.254829592f));
  p = _mm256_mul_ps (p, t);
  __m256 e = exp8 (_mm256_sub_ps (_mm256_setzero_ps (), _mm256_mul_ps (ax, ax)));
  __m256 y = _mm256_fnmadd_ps (p, e, one);
  return _mm256_or_ps (y, _mm256_and_ps (x, sign)); /* the sign of x */
}

static inline __m256
act8 (__m256 v, int act)
{
  switch (act)
    {
    case RALI_ACT_QUICK_GELU: /* x · sigmoid(1.702 x) */
      return _mm256_div_ps (v, _mm256_add_ps (_mm256_set1_ps (1.0f),
                                              exp8 (_mm256_mul_ps (v, _mm256_set1_ps (-1.702f)))));
    case RALI_ACT_GELU: /* x/2 · (1 + erf(x/√2)) */
      return _mm256_mul_ps (_mm256_mul_ps (v, _mm256_set1_ps (0.5f)),
                            _mm256_add_ps (_mm256_set1_ps (1.0f),
                                           erf8 (_mm256_mul_ps (v, _mm256_set1_ps ((float) M_SQRT1_2)))));
    case RALI_ACT_RELU:
      return _mm256_max_ps (v, _mm256_setzero_ps ());
    case RALI_ACT_RELU6: /* NaN becomes 0 (maxps returns its second operand), as the scalar path's */
      return _mm256_min_ps (_mm256_max_ps (v, _mm256_setzero_ps ()), _mm256_set1_ps (6.0f));
    default:
      return v;
    }
}

#define KERNEL_SET rali_cpu_kernels_avx2
#define KERNEL_ISA "AVX2"
#include "cpu-kernels-common.h"

/* ---- packing ---- */

static void
pack_b_kn (float *dst, const float *b, int N, int K, int lds)
{
  int P = (N + RALI_NR - 1) / RALI_NR;
  for (int j = 0; j < P; j++)
    {
      int nv = MIN (RALI_NR, N - j * RALI_NR);
      float *panel = dst + (gsize) j * K * RALI_NR;
      for (int k = 0; k < K; k++)
        {
          const float *src = b + (gsize) k * lds + j * RALI_NR;
          for (int q = 0; q < RALI_NR; q += 8)
            _mm256_storeu_ps (panel + (gsize) k * RALI_NR + q, load8 (src + q, nv - q));
        }
    }
}

/* ---- the GEMM tile: four 6 x 16 blocks ---- */

enum { BM = 6, BN = 16 };

/* the epilogue of a block: acc + bias, activation, + residual, stored
 * (rows m0.. mv valid, columns n0.. nv valid) */
static inline void
block_store (__m256 acc[BM][2], float *c, int ldc, int m0, int mv, int n0, int nv, const RaliEpilogue *e)
{
  int nh[2] = { MIN (nv, 8), nv - 8 };
  __m256 bias[2] = { _mm256_setzero_ps (), _mm256_setzero_ps () };
  int act = e ? e->act : RALI_ACT_NONE;
  if (e && e->bias)
    for (int h = 0; h < 2; h++)
      bias[h] = load8 (e->bias + n0 + 8 * h, nh[h]);
  for (int i = 0; i < mv; i++)
    for (int h = 0; h < 2; h++)
      {
        if (nh[h] <= 0)
          continue;
        __m256 v = act8 (_mm256_add_ps (acc[i][h], bias[h]), act);
        if (e && e->residual)
          v = _mm256_add_ps (v, load8 (e->residual + (gsize) (m0 + i) * e->ldr + n0 + 8 * h, nh[h]));
        store8 (c + (gsize) (m0 + i) * ldc + n0 + 8 * h, v, nh[h]);
      }
}

/* one 6 x 16 block: A's rows from a (row i at a + i·sa, k at + k·ka),
 * the weight panel's 16 columns from b (k at + k·RALI_NR) */
static inline void
block (float *c, int ldc, const float *a, gsize sa, gsize ka, const float *b, int K, int m0, int mv, int n0, int nv,
       const RaliEpilogue *e)
{
  __m256 acc[BM][2];
#pragma GCC unroll 6
  for (int i = 0; i < BM; i++)
    acc[i][0] = acc[i][1] = _mm256_setzero_ps ();
#pragma GCC unroll 2
  for (int k = 0; k < K; k++)
    {
      __m256 b0 = _mm256_loadu_ps (b), b1 = _mm256_loadu_ps (b + 8);
#pragma GCC unroll 6
      for (int i = 0; i < BM; i++)
        {
          __m256 av = _mm256_broadcast_ss (a + i * sa);
          acc[i][0] = _mm256_fmadd_ps (av, b0, acc[i][0]);
          acc[i][1] = _mm256_fmadd_ps (av, b1, acc[i][1]);
        }
      a += ka;
      b += RALI_NR;
    }
  /* the epilogue reads a copy: were the loop's own array indexed by the
   * epilogue's variable rows, gcc would store all 12 sums at every k */
  __m256 sums[BM][2];
#pragma GCC unroll 6
  for (int i = 0; i < BM; i++)
    sums[i][0] = acc[i][0], sums[i][1] = acc[i][1];
  block_store (sums, c, ldc, m0, mv, n0, nv, e);
}

/* the tile's blocks that hold valid rows and columns; a row block past mv
 * or a column block past nv is not computed at all */
static inline void
tile_blocks (float *c, int ldc, const float *a, gsize sa, gsize ka, const float *bp, int K, int m0, int mv, int n0,
             int nv, const RaliEpilogue *e)
{
  for (int ib = 0; ib < RALI_MR / BM && ib * BM < mv; ib++)
    for (int jb = 0; jb < RALI_NR / BN && jb * BN < nv; jb++)
      block (c, ldc, a + ib * BM * sa, sa, ka, bp + jb * BN, K, m0 + ib * BM, MIN (BM, mv - ib * BM), n0 + jb * BN,
             MIN (BN, nv - jb * BN), e);
}

static void
tile (float *c, int ldc, const float *ap, const float *bp, int K, int m0, int mv, int n0, int nv,
      const RaliEpilogue *e)
{
  tile_blocks (c, ldc, ap, 1, RALI_MR, bp, K, m0, mv, n0, nv, e);
}

static void
tile_rows (float *c, int ldc, const float *a, int lda, const float *bp, int K, int m0, int n0, int nv,
           const RaliEpilogue *e)
{
  tile_blocks (c, ldc, a, (gsize) lda, 1, bp, K, m0, RALI_MR, n0, nv, e);
}

/* ---- attention ---- */

static void
softmax_row (float *row, int n, float scale)
{
  const __m256 ninf = _mm256_set1_ps (-INFINITY);
  __m256 mx = ninf;
  for (int j = 0; j < n; j += 8)
    mx = _mm256_max_ps (mx, _mm256_blendv_ps (ninf, load8 (row + j, n - j), _mm256_castsi256_ps (lanes8 (n - j))));
  __m256 m = _mm256_set1_ps (hmax8 (mx)), sc = _mm256_set1_ps (scale);
  __m256 sum = _mm256_setzero_ps ();
  for (int j = 0; j < n; j += 8)
    {
      __m256 v = exp8 (_mm256_mul_ps (_mm256_sub_ps (load8 (row + j, n - j), m), sc));
      v = _mm256_and_ps (v, _mm256_castsi256_ps (lanes8 (n - j)));
      sum = _mm256_add_ps (sum, v);
      store8 (row + j, v, n - j);
    }
  __m256 inv = _mm256_set1_ps (1.0f / hsum8 (sum));
  for (int j = 0; j < n; j += 8)
    store8 (row + j, _mm256_mul_ps (load8 (row + j, n - j), inv), n - j);
}

/* ---- the depthwise convolution ---- */

static inline void
dw_pixel (const DwRow *a, int ox, float *o)
{
  const int C = a->C;
  const float *src[9], *wk[9];
  int nt = 0;
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++)
      {
        int x = ox * a->stride - a->px + kx;
        if (!a->row[ky] || x < 0 || x >= a->W)
          continue; /* zero padding contributes nothing */
        src[nt] = a->row[ky] + (gsize) x * C;
        wk[nt++] = a->wt + (gsize) (ky * 3 + kx) * C;
      }
  for (int c = 0; c < C; c += 8)
    {
      int n = C - c;
      __m256 acc = a->bias ? load8 (a->bias + c, n) : _mm256_setzero_ps ();
      for (int t = 0; t < nt; t++)
        acc = _mm256_fmadd_ps (load8 (wk[t] + c, n), load8 (src[t] + c, n), acc);
      store8 (o + c, a->relu6 ? act8 (acc, RALI_ACT_RELU6) : acc, n);
    }
}

/* dw_pixels4 at stride s (a constant where it is inlined) */
static inline __attribute__ ((always_inline)) void
dw_pixels4_stride (const DwRow *a, int ox, float *o, const int s)
{
  const int C = a->C;
  const float *row[3];
  for (int ky = 0; ky < 3; ky++)
    row[ky] = a->row[ky] + (gsize) (ox * s - a->px) * C;
  for (int c = 0; c < C; c += 8)
    {
      int n = C - c;
      __m256 b0 = a->bias ? load8 (a->bias + c, n) : _mm256_setzero_ps ();
      __m256 acc[4] = { b0, b0, b0, b0 };
#pragma GCC unroll 3
      for (int ky = 0; ky < 3; ky++)
        {
          __m256 w0 = load8 (a->wt + (gsize) (ky * 3 + 0) * C + c, n);
          __m256 w1 = load8 (a->wt + (gsize) (ky * 3 + 1) * C + c, n);
          __m256 w2 = load8 (a->wt + (gsize) (ky * 3 + 2) * C + c, n);
          const float *x = row[ky] + c;
#pragma GCC unroll 4
          for (int p = 0; p < 4; p++)
            {
              acc[p] = _mm256_fmadd_ps (w0, load8 (x + (gsize) (p * s) * C, n), acc[p]);
              acc[p] = _mm256_fmadd_ps (w1, load8 (x + (gsize) (p * s + 1) * C, n), acc[p]);
              acc[p] = _mm256_fmadd_ps (w2, load8 (x + (gsize) (p * s + 2) * C, n), acc[p]);
            }
        }
#pragma GCC unroll 4
      for (int p = 0; p < 4; p++)
        store8 (o + (gsize) p * C + c, a->relu6 ? act8 (acc[p], RALI_ACT_RELU6) : acc[p], n);
    }
}

/* the 9 weights loaded once per 8 channels; the input columns loaded per
 * tap (L1 hits: 16 registers hold the weights and the four sums, not the
 * 6-9 columns cpu-avx512.c keeps).  Compiled once per stride, so that the
 * sums stay in registers (cpu-avx512.c's dw_pixels4 says why). */
static inline void
dw_pixels4 (const DwRow *a, int ox, float *o)
{
  if (a->stride == 1)
    dw_pixels4_stride (a, ox, o, 1);
  else
    dw_pixels4_stride (a, ox, o, 2);
}

/* npix output pixels from ox (cpu-kernels-common.h): four at a time,
 * then one at a time */
static inline void
dw_span (const DwRow *a, int ox, int npix, float *o)
{
  int g = 0;
  for (; g + 4 <= npix; g += 4)
    dw_pixels4 (a, ox + g, o + (gsize) g * a->C);
  for (; g < npix; g++)
    dw_pixel (a, ox + g, o + (gsize) g * a->C);
}

/* ---- row and element loops ---- */

static void
layernorm_rows (float *out, const float *in, const float *w, const float *b, int C, float eps, gsize r0, gsize r1)
{
  for (gsize r = r0; r < r1; r++)
    {
      const float *x = in + r * C;
      float *o = out + r * C;
      /* the mean in double, split into two floats (cpu-avx512.c says why) */
      __m256d s0 = _mm256_setzero_pd (), s1 = _mm256_setzero_pd ();
      for (int i = 0; i < C; i += 8)
        {
          __m256 v = load8 (x + i, C - i);
          s0 = _mm256_add_pd (s0, _mm256_cvtps_pd (_mm256_castps256_ps128 (v)));
          s1 = _mm256_add_pd (s1, _mm256_cvtps_pd (_mm256_extractf128_ps (v, 1)));
        }
      __m256d s = _mm256_add_pd (s0, s1);
      __m128d h = _mm_add_pd (_mm256_castpd256_pd128 (s), _mm256_extractf128_pd (s, 1));
      double mean = (_mm_cvtsd_f64 (h) + _mm_cvtsd_f64 (_mm_unpackhi_pd (h, h))) / C;
      float mhi = (float) mean, mlo = (float) (mean - mhi);
      __m256 mv = _mm256_set1_ps (mhi), ml = _mm256_set1_ps (mlo), q = _mm256_setzero_ps ();
      for (int i = 0; i < C; i += 8)
        {
          __m256 d = _mm256_sub_ps (_mm256_sub_ps (load8 (x + i, C - i), mv), ml);
          d = _mm256_and_ps (d, _mm256_castsi256_ps (lanes8 (C - i)));
          q = _mm256_fmadd_ps (d, d, q);
        }
      float var = hsum8 (q) / C;
      __m256 rstd = _mm256_set1_ps ((float) (1.0 / sqrt ((double) var + eps)));
      for (int i = 0; i < C; i += 8)
        {
          int n = C - i;
          __m256 d = _mm256_mul_ps (_mm256_sub_ps (_mm256_sub_ps (load8 (x + i, n), mv), ml), rstd);
          store8 (o + i, _mm256_fmadd_ps (d, load8 (w + i, n), load8 (b + i, n)), n);
        }
    }
}

static void
activation_range (float *x, gsize i0, gsize i1, int act)
{
  for (gsize i = i0; i < i1; i += 8)
    {
      int n = (int) MIN (i1 - i, 8);
      store8 (x + i, act8 (load8 (x + i, n), act), n);
    }
}

static void
add_range (float *x, const float *y, gsize i0, gsize i1)
{
  for (gsize i = i0; i < i1; i += 8)
    {
      int n = (int) MIN (i1 - i, 8);
      store8 (x + i, _mm256_add_ps (load8 (x + i, n), load8 (y + i, n)), n);
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif /* RALI_CPU_KERNELS_X86 */
