/* The CPU backend's AVX-512 kernels (cpu-kernels.h): compiled for AVX-512
 * whatever the build's -march, and called only through cpu-kernels.c once
 * it has seen that the processor has it.  The loops shared with the AVX2
 * kernels are in cpu-kernels-common.h; here the 16-lane vector math, the
 * 12 x 32 tile, the depthwise pixels and the row loops, and the bf16
 * products (AVX512_BF16), which only this file has. */
#include "cpu-kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#if defined(__clang__)
#pragma clang attribute push (__attribute__ ((target ("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), \
                              apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
#endif

#include <immintrin.h>

/* ---- vector math ---- */

/* the first n (0..16) lanes */
static inline __mmask16
lanes (int n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1);
}

/* e^x, Cephes' expf polynomial after x = n·ln2 + r (about 1 ulp); 0 below -87.3 */
static inline __m512
exp16 (__m512 x)
{
  const __m512 hi = _mm512_set1_ps (88.3762626647949f), lo = _mm512_set1_ps (-87.3365447505531f);
  x = _mm512_min_ps (_mm512_max_ps (x, lo), hi);
  __m512 n = _mm512_roundscale_ps (_mm512_mul_ps (x, _mm512_set1_ps (1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693359375f), x);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps (1.9875691500e-4f);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.3981999507e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (8.3334519073e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (4.1665795894e-2f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.6666665459e-1f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (5.0000001201e-1f));
  p = _mm512_fmadd_ps (p, _mm512_mul_ps (r, r), _mm512_add_ps (r, _mm512_set1_ps (1.0f)));
  return _mm512_scalef_ps (p, n);
}

/* erf(x), Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as PyTorch's
 * vectorised erf computes it */
static inline __m512
erf16 (__m512 x)
{
  const __m512 one = _mm512_set1_ps (1.0f);
  __m512 ax = _mm512_abs_ps (x);
  __m512 t = _mm512_div_ps (one, _mm512_fmadd_ps (_mm512_set1_ps (0.3275911f), ax, one));
  __m512 p = _mm512_set1_ps (1.061405429f);
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (-1.453152027f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (1.421413741f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (-0.284496736f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (0.254829592f));
  p = _mm512_mul_ps (p, t);
  __m512 e = exp16 (_mm512_sub_ps (_mm512_setzero_ps (), _mm512_mul_ps (ax, ax)));
  __m512 y = _mm512_fnmadd_ps (p, e, one);
  /* the sign of x */
  return _mm512_castsi512_ps (_mm512_or_si512 (_mm512_castps_si512 (y),
                                               _mm512_and_si512 (_mm512_castps_si512 (x),
                                                                 _mm512_set1_epi32 ((int) 0x80000000u))));
}

static inline __m512
act16 (__m512 v, int act)
{
  switch (act)
    {
    case RALI_ACT_QUICK_GELU: /* x · sigmoid(1.702 x) */
      return _mm512_div_ps (v, _mm512_add_ps (_mm512_set1_ps (1.0f),
                                              exp16 (_mm512_mul_ps (v, _mm512_set1_ps (-1.702f)))));
    case RALI_ACT_GELU: /* x/2 · (1 + erf(x/√2)) */
      return _mm512_mul_ps (_mm512_mul_ps (v, _mm512_set1_ps (0.5f)),
                            _mm512_add_ps (_mm512_set1_ps (1.0f),
                                           erf16 (_mm512_mul_ps (v, _mm512_set1_ps ((float) M_SQRT1_2)))));
    case RALI_ACT_RELU:
      return _mm512_max_ps (v, _mm512_setzero_ps ());
    case RALI_ACT_RELU6: /* NaN becomes 0, as the scalar path's */
      return _mm512_min_ps (_mm512_max_ps (v, _mm512_setzero_ps ()), _mm512_set1_ps (6.0f));
    default:
      return v;
    }
}

#define KERNEL_SET rali_cpu_kernels_avx512
#define KERNEL_ISA "AVX-512"
#include "cpu-kernels-common.h"

/* ---- packing ---- */

static void
pack_b_kn (float *dst, const float *b, int N, int K, int lds)
{
  int P = (N + RALI_NR - 1) / RALI_NR;
  for (int j = 0; j < P; j++)
    {
      int nv = MIN (RALI_NR, N - j * RALI_NR);
      __mmask16 m0 = lanes (nv), m1 = lanes (nv - 16 > 0 ? nv - 16 : 0);
      float *panel = dst + (gsize) j * K * RALI_NR;
      for (int k = 0; k < K; k++)
        {
          const float *src = b + (gsize) k * lds + j * RALI_NR;
          _mm512_storeu_ps (panel + (gsize) k * RALI_NR, _mm512_maskz_loadu_ps (m0, src));
          _mm512_storeu_ps (panel + (gsize) k * RALI_NR + 16, _mm512_maskz_loadu_ps (m1, src + 16));
        }
    }
}

/* ---- the GEMM tile: 12 x 32, two 16-lane registers per row ---- */

/* the epilogue of a tile: acc + bias, activation, + residual, stored */
static inline void
tile_store (__m512 acc[RALI_MR][2], float *c, int ldc, int m0, int mv, int n0, int nv, const RaliEpilogue *e)
{
  __mmask16 m[2] = { lanes (nv), lanes (nv > 16 ? nv - 16 : 0) };
  __m512 bias[2] = { _mm512_setzero_ps (), _mm512_setzero_ps () };
  int act = e ? e->act : RALI_ACT_NONE;
  if (e && e->bias)
    for (int h = 0; h < 2; h++)
      bias[h] = _mm512_maskz_loadu_ps (m[h], e->bias + n0 + 16 * h);
  for (int i = 0; i < mv; i++)
    for (int h = 0; h < 2; h++)
      {
        if (!m[h])
          continue;
        __m512 v = act16 (_mm512_add_ps (acc[i][h], bias[h]), act);
        if (e && e->residual)
          v = _mm512_add_ps (v, _mm512_maskz_loadu_ps (m[h], e->residual + (gsize) (m0 + i) * e->ldr + n0 + 16 * h));
        _mm512_mask_storeu_ps (c + (gsize) (m0 + i) * ldc + n0 + 16 * h, m[h], v);
      }
}

/* acc[i][0] = the first 16 columns' sums of a tile whose panel has no
 * more (its second half is padding: half the FMAs, the same sums); row i's
 * k-th value of A at a[i·rs + k·ks] (packed: 1, RALI_MR; in place: lda, 1) */
static inline __attribute__ ((always_inline)) void
half_sums (__m512 acc[RALI_MR][2], const float *a, gsize rs, gsize ks, const float *bp, int K)
{
  for (int k = 0; k < K; k++)
    {
      __m512 b0 = _mm512_loadu_ps (bp + (gsize) k * RALI_NR);
#pragma GCC unroll 12
      for (int i = 0; i < RALI_MR; i++)
        acc[i][0] = _mm512_fmadd_ps (_mm512_set1_ps (a[i * rs + k * ks]), b0, acc[i][0]);
    }
}

/* one RALI_MR x RALI_NR tile: rows m0.. (mv valid), columns n0.. (nv
 * valid), from a packed micro-panel ap */
static void
tile (float *c, int ldc, const float *ap, const float *bp, int K, int m0, int mv, int n0, int nv,
      const RaliEpilogue *e)
{
  __m512 acc[RALI_MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < RALI_MR; i++)
    acc[i][0] = acc[i][1] = _mm512_setzero_ps ();
  if (nv <= 16)
    {
      half_sums (acc, ap, 1, RALI_MR, bp, K);
      tile_store (acc, c, ldc, m0, mv, n0, nv, e);
      return;
    }
#pragma GCC unroll 2
  for (int k = 0; k < K; k++)
    {
      __m512 b0 = _mm512_loadu_ps (bp), b1 = _mm512_loadu_ps (bp + 16);
#pragma GCC unroll 12
      for (int i = 0; i < RALI_MR; i++)
        {
          __m512 a = _mm512_set1_ps (ap[i]);
          acc[i][0] = _mm512_fmadd_ps (a, b0, acc[i][0]);
          acc[i][1] = _mm512_fmadd_ps (a, b1, acc[i][1]);
        }
      ap += RALI_MR;
      bp += RALI_NR;
    }
  tile_store (acc, c, ldc, m0, mv, n0, nv, e);
}

/* the same from RALI_MR full rows of A in place (row stride lda), no packing */
static void
tile_rows (float *c, int ldc, const float *a, int lda, const float *bp, int K, int m0, int n0, int nv,
           const RaliEpilogue *e)
{
  __m512 acc[RALI_MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < RALI_MR; i++)
    acc[i][0] = acc[i][1] = _mm512_setzero_ps ();
  if (nv <= 16)
    {
      half_sums (acc, a, lda, 1, bp, K);
      tile_store (acc, c, ldc, m0, RALI_MR, n0, nv, e);
      return;
    }
  for (int k = 0; k < K; k++)
    {
      __m512 b0 = _mm512_loadu_ps (bp), b1 = _mm512_loadu_ps (bp + 16);
#pragma GCC unroll 12
      for (int i = 0; i < RALI_MR; i++)
        {
          __m512 av = _mm512_set1_ps (a[(gsize) i * lda + k]);
          acc[i][0] = _mm512_fmadd_ps (av, b0, acc[i][0]);
          acc[i][1] = _mm512_fmadd_ps (av, b1, acc[i][1]);
        }
      bp += RALI_NR;
    }
  tile_store (acc, c, ldc, m0, RALI_MR, n0, nv, e);
}

/* ---- attention ---- */

/* row[0..n) = softmax(scale · row), max-subtracted (scale > 0) */
static void
softmax_row (float *row, int n, float scale)
{
  __m512 mx = _mm512_set1_ps (-INFINITY);
  for (int j = 0; j < n; j += 16)
    mx = _mm512_max_ps (mx, _mm512_mask_loadu_ps (_mm512_set1_ps (-INFINITY), lanes (n - j), row + j));
  __m512 m = _mm512_set1_ps (_mm512_reduce_max_ps (mx)), sc = _mm512_set1_ps (scale);
  __m512 sum = _mm512_setzero_ps ();
  for (int j = 0; j < n; j += 16)
    {
      __mmask16 k = lanes (n - j);
      __m512 v = exp16 (_mm512_mul_ps (_mm512_sub_ps (_mm512_maskz_loadu_ps (k, row + j), m), sc));
      v = _mm512_maskz_mov_ps (k, v);
      sum = _mm512_add_ps (sum, v);
      _mm512_mask_storeu_ps (row + j, k, v);
    }
  __m512 inv = _mm512_set1_ps (1.0f / _mm512_reduce_add_ps (sum));
  for (int j = 0; j < n; j += 16)
    {
      __mmask16 k = lanes (n - j);
      _mm512_mask_storeu_ps (row + j, k, _mm512_mul_ps (_mm512_maskz_loadu_ps (k, row + j), inv));
    }
}

/* ---- the depthwise convolution ---- */

/* output pixel ox from whichever taps are inside the input */
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
  for (int c = 0; c < C; c += 16)
    {
      __mmask16 k = lanes (C - c);
      __m512 acc = a->bias ? _mm512_maskz_loadu_ps (k, a->bias + c) : _mm512_setzero_ps ();
      for (int t = 0; t < nt; t++)
        acc = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (k, wk[t] + c), _mm512_maskz_loadu_ps (k, src[t] + c), acc);
      _mm512_mask_storeu_ps (o + c, k, a->relu6 ? act16 (acc, RALI_ACT_RELU6) : acc);
    }
}

/* n groups of four pixels of dw_span, at stride s (a constant where it is inlined) */
static inline __attribute__ ((always_inline)) void
dw_quads_stride (const DwRow *a, int ox, int n, float *o, const int s)
{
  const int C = a->C, ncol = 3 * s + 3; /* 6 at stride 1, 9 at stride 2 */
  const gsize step = (gsize) 4 * s * C;
  for (int c = 0; c < C; c += 16)
    {
      __mmask16 k = lanes (C - c);
      __m512 b0 = a->bias ? _mm512_maskz_loadu_ps (k, a->bias + c) : _mm512_setzero_ps ();
      __m512 w[9];
#pragma GCC unroll 9
      for (int t = 0; t < 9; t++)
        w[t] = _mm512_maskz_loadu_ps (k, a->wt + (gsize) t * C + c);
      const float *row[3];
#pragma GCC unroll 3
      for (int ky = 0; ky < 3; ky++)
        row[ky] = a->row[ky] + (gsize) (ox * s - a->px) * C + c;
      float *out = o + c;
      for (int g = 0; g < n; g++)
        {
          __m512 acc[4] = { b0, b0, b0, b0 };
#pragma GCC unroll 3
          for (int ky = 0; ky < 3; ky++)
            {
              __m512 x[9];
#pragma GCC unroll 9
              for (int j = 0; j < ncol; j++)
                x[j] = _mm512_maskz_loadu_ps (k, row[ky] + (gsize) j * C);
#pragma GCC unroll 4
              for (int p = 0; p < 4; p++)
                {
                  acc[p] = _mm512_fmadd_ps (w[ky * 3 + 0], x[p * s], acc[p]);
                  acc[p] = _mm512_fmadd_ps (w[ky * 3 + 1], x[p * s + 1], acc[p]);
                  acc[p] = _mm512_fmadd_ps (w[ky * 3 + 2], x[p * s + 2], acc[p]);
                }
              row[ky] += step;
            }
#pragma GCC unroll 4
          for (int p = 0; p < 4; p++)
            _mm512_mask_storeu_ps (out + (gsize) p * C, k, a->relu6 ? act16 (acc[p], RALI_ACT_RELU6) : acc[p]);
          out += (gsize) 4 * C;
        }
    }
}

/* npix output pixels from ox whose taps are all inside the input (three
 * rows present).  Four at a time: sixteen channels at a time across the
 * whole span, their 9 weights held in registers, each input column loaded
 * once per row of taps (stride 1: 6 columns for 4 pixels, not 12); with
 * the channels inside, a wide map's three rows of six columns (960
 * channels: 69 KB) left L1 before the next four pixels read the columns
 * they share.  Compiled once per stride, so that the columns and the sums
 * are registers: with the stride a variable, GCC kept both arrays on the
 * stack and the loop spent most of its time storing and reloading them.
 * The last npix % 4 one by one (held in registers one at a time, the nine
 * taps' chain of dependent FMAs made them no faster than dw_pixel). */
static inline void
dw_span (const DwRow *a, int ox, int npix, float *o)
{
  int n = npix / 4;
  if (a->stride == 1)
    dw_quads_stride (a, ox, n, o, 1);
  else
    dw_quads_stride (a, ox, n, o, 2);
  for (int g = 4 * n; g < npix; g++)
    dw_pixel (a, ox + g, o + (gsize) g * a->C);
}

/* ---- row and element loops ---- */

static void
layernorm_rows (float *out, const float *in, const float *w, const float *b, int C, float eps,
                     gsize r0, gsize r1)
{
  for (gsize r = r0; r < r1; r++)
    {
      const float *x = in + r * C;
      float *o = out + r * C;
      /* the mean in double (rows far from zero: a float sum would lose the
       * deviations' digits), then split into two floats so that x − mean is
       * exact to float precision */
      __m512d s0 = _mm512_setzero_pd (), s1 = _mm512_setzero_pd ();
      for (int i = 0; i < C; i += 16)
        {
          __m512 v = _mm512_maskz_loadu_ps (lanes (C - i), x + i);
          s0 = _mm512_add_pd (s0, _mm512_cvtps_pd (_mm512_castps512_ps256 (v)));
          s1 = _mm512_add_pd (s1, _mm512_cvtps_pd (_mm512_extractf32x8_ps (v, 1)));
        }
      double mean = _mm512_reduce_add_pd (_mm512_add_pd (s0, s1)) / C;
      float mhi = (float) mean, mlo = (float) (mean - mhi);
      __m512 mv = _mm512_set1_ps (mhi), ml = _mm512_set1_ps (mlo), q = _mm512_setzero_ps ();
      for (int i = 0; i < C; i += 16)
        {
          __mmask16 k = lanes (C - i);
          __m512 d = _mm512_maskz_sub_ps (k, _mm512_sub_ps (_mm512_maskz_loadu_ps (k, x + i), mv), ml);
          q = _mm512_fmadd_ps (d, d, q);
        }
      float var = _mm512_reduce_add_ps (q) / C;
      __m512 rstd = _mm512_set1_ps ((float) (1.0 / sqrt ((double) var + eps)));
      for (int i = 0; i < C; i += 16)
        {
          __mmask16 k = lanes (C - i);
          __m512 d = _mm512_mul_ps (_mm512_sub_ps (_mm512_sub_ps (_mm512_maskz_loadu_ps (k, x + i), mv), ml), rstd);
          __m512 y = _mm512_fmadd_ps (d, _mm512_maskz_loadu_ps (k, w + i), _mm512_maskz_loadu_ps (k, b + i));
          _mm512_mask_storeu_ps (o + i, k, y);
        }
    }
}

static void
activation_range (float *x, gsize i0, gsize i1, int act)
{
  for (gsize i = i0; i < i1; i += 16)
    {
      __mmask16 k = lanes ((int) MIN (i1 - i, 16));
      _mm512_mask_storeu_ps (x + i, k, act16 (_mm512_maskz_loadu_ps (k, x + i), act));
    }
}

static void
add_range (float *x, const float *y, gsize i0, gsize i1)
{
  for (gsize i = i0; i < i1; i += 16)
    {
      __mmask16 k = lanes ((int) MIN (i1 - i, 16));
      _mm512_mask_storeu_ps (x + i, k, _mm512_add_ps (_mm512_maskz_loadu_ps (k, x + i), _mm512_maskz_loadu_ps (k, y + i)));
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* ---- bf16 (AVX512_BF16): products of bf16 pairs summed in fp32 ---- */

#if defined(__clang__)
#pragma clang attribute push (__attribute__ ((target ("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,avx512bf16"))), \
                              apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target ("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,avx512bf16")
#endif

/* f to bf16, round to nearest even (a NaN stays a NaN) */
static inline guint16
to_bf16 (float f)
{
  guint32 u;
  memcpy (&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1);
  return (guint16) (u >> 16);
}

/* r[0..15] (16 dwords each) transposed in registers: four rounds of
 * unpacks and 128-bit lane shuffles */
static inline void
transpose_16x16 (__m512i r[16])
{
  __m512i t[16], u[16];
  for (int i = 0; i < 16; i += 2)
    {
      t[i] = _mm512_unpacklo_epi32 (r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_epi32 (r[i], r[i + 1]);
    }
  /* u[4g + j]: within each 128-bit lane L, rows 4g..4g+3 of column 4L + j */
  for (int g = 0; g < 4; g++)
    {
      u[4 * g] = _mm512_unpacklo_epi64 (t[4 * g], t[4 * g + 2]);
      u[4 * g + 1] = _mm512_unpackhi_epi64 (t[4 * g], t[4 * g + 2]);
      u[4 * g + 2] = _mm512_unpacklo_epi64 (t[4 * g + 1], t[4 * g + 3]);
      u[4 * g + 3] = _mm512_unpackhi_epi64 (t[4 * g + 1], t[4 * g + 3]);
    }
  for (int j = 0; j < 4; j++)
    {
      __m512i vlo = _mm512_shuffle_i32x4 (u[j], u[4 + j], 0x44), vhi = _mm512_shuffle_i32x4 (u[j], u[4 + j], 0xEE);
      __m512i wlo = _mm512_shuffle_i32x4 (u[8 + j], u[12 + j], 0x44);
      __m512i whi = _mm512_shuffle_i32x4 (u[8 + j], u[12 + j], 0xEE);
      r[j] = _mm512_shuffle_i32x4 (vlo, wlo, 0x88);
      r[4 + j] = _mm512_shuffle_i32x4 (vlo, wlo, 0xDD);
      r[8 + j] = _mm512_shuffle_i32x4 (vhi, whi, 0x88);
      r[12 + j] = _mm512_shuffle_i32x4 (vhi, whi, 0xDD);
    }
}

/* One panel of bf16 pairs from `width` rows of a (row stride lda), pairs
 * along each row's k: panel[kp·width + i] = (a[i][2kp], a[i][2kp+1]); rows
 * from `rows` on, and the odd k's partner, are zero.  A micro-panel of A
 * (width RALI_MR) and a panel of a weight [N, K] (width RALI_NR) alike. */
static void
pack_pairs_panel (guint32 *panel, const float *a, int lda, int rows, int width, int K)
{
  int K2 = (K + 1) / 2, done = 0;
  /* A full micro-panel, 16 pairs of its 12 rows at a time: rounded as 12
   * vectors, transposed in registers and stored as 16 rows of 12 pairs.
   * Each pair scattered on its own had made this packing a tenth of a
   * bf16 ViT forward (perf, Zen 5). */
  if (width == RALI_MR && rows == RALI_MR)
    for (; 2 * done + 32 <= K; done += 16)
      {
        __m512i r[16];
        for (int i = 0; i < RALI_MR; i++)
          {
            const float *src = a + (gsize) i * lda + 2 * done;
            r[i] = (__m512i) _mm512_cvtne2ps_pbh (_mm512_loadu_ps (src + 16), _mm512_loadu_ps (src));
          }
        for (int i = RALI_MR; i < 16; i++)
          r[i] = _mm512_setzero_si512 ();
        transpose_16x16 (r);
        for (int q = 0; q < 16; q++)
          _mm512_mask_storeu_epi32 (panel + (gsize) (done + q) * RALI_MR, (__mmask16) 0x0FFF, r[q]);
      }
  for (int i = 0; i < width; i++)
    {
      if (i >= rows)
        {
          for (int kp = 0; kp < K2; kp++)
            panel[(gsize) kp * width + i] = 0;
          continue;
        }
      const float *src = a + (gsize) i * lda;
      int kp = done;
      /* 32 floats -> 16 pairs at a time */
      for (; 2 * kp + 32 <= K; kp += 16)
        {
          __m512bh v = _mm512_cvtne2ps_pbh (_mm512_loadu_ps (src + 2 * kp + 16), _mm512_loadu_ps (src + 2 * kp));
          guint32 t[16];
          _mm512_storeu_si512 (t, (__m512i) v);
          for (int q = 0; q < 16; q++)
            panel[(gsize) (kp + q) * width + i] = t[q];
        }
      for (; kp < K2; kp++)
        {
          guint16 lo = to_bf16 (src[2 * kp]), hi = 2 * kp + 1 < K ? to_bf16 (src[2 * kp + 1]) : 0;
          panel[(gsize) kp * width + i] = lo | (guint32) hi << 16;
        }
    }
}

void
rali_pack_b16_nk (guint32 *dst, const float *w, int N, int K, int lds, int p0, int p1)
{
  int K2 = (K + 1) / 2;
  for (int j = p0; j < p1; j++)
    pack_pairs_panel (dst + (gsize) j * K2 * RALI_NR, w + (gsize) j * RALI_NR * lds, lds,
                      MIN (RALI_NR, N - j * RALI_NR), RALI_NR, K);
}

void
rali_pack_a16 (guint32 *dst, const float *a, int M, int K, int lda, int r0, int r1)
{
  int K2 = (K + 1) / 2;
  for (int r = r0; r < r1; r++)
    pack_pairs_panel (dst + (gsize) r * K2 * RALI_MR, a + (gsize) r * RALI_MR * lda, lda,
                      MIN (RALI_MR, M - r * RALI_MR), RALI_MR, K);
}

/* b [K, N] (row stride lds) as rali_pack_b_kn, in bf16 pairs: rows 2kp and
 * 2kp+1 of a panel's 32 columns rounded together, their halves interleaved
 * (vpermw) into the pairs the tile reads */
void
rali_pack_b16_kn (guint32 *dst, const float *b, int N, int K, int lds)
{
  int P = (N + RALI_NR - 1) / RALI_NR, K2 = (K + 1) / 2;
  /* 16-bit lanes 0..15: row 2kp's columns, 16..31: row 2kp+1's -> (lo, hi) pairs */
  static const short interleave[32] = { 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                        8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31 };
  const __m512i idx = _mm512_loadu_si512 (interleave);
  for (int j = 0; j < P; j++)
    {
      int nv = MIN (RALI_NR, N - j * RALI_NR);
      guint32 *panel = dst + (gsize) j * K2 * RALI_NR;
      for (int kp = 0; kp < K2; kp++)
        for (int h = 0; h < 2; h++)
          {
            __mmask16 m = lanes (nv - 16 * h > 0 ? nv - 16 * h : 0);
            const float *r0 = b + (gsize) (2 * kp) * lds + j * RALI_NR + 16 * h;
            __m512 lo = _mm512_maskz_loadu_ps (m, r0);
            __m512 hi = 2 * kp + 1 < K ? _mm512_maskz_loadu_ps (m, r0 + lds) : _mm512_setzero_ps ();
            __m512i v = (__m512i) _mm512_cvtne2ps_pbh (hi, lo);
            _mm512_storeu_si512 (panel + (gsize) kp * RALI_NR + 16 * h, _mm512_permutexvar_epi16 (idx, v));
          }
    }
}

static void
tile_bf16 (float *c, int ldc, const guint32 *ap, const guint32 *bp, int K2, int m0, int mv, int n0, int nv,
           const RaliEpilogue *e)
{
  __m512 acc[RALI_MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < RALI_MR; i++)
    acc[i][0] = acc[i][1] = _mm512_setzero_ps ();
#pragma GCC unroll 2
  for (int kp = 0; kp < K2; kp++)
    {
      __m512bh b0 = (__m512bh) _mm512_loadu_si512 (bp), b1 = (__m512bh) _mm512_loadu_si512 (bp + 16);
#pragma GCC unroll 12
      for (int i = 0; i < RALI_MR; i++)
        {
          __m512bh a = (__m512bh) _mm512_set1_epi32 ((int) ap[i]);
          acc[i][0] = _mm512_dpbf16_ps (acc[i][0], a, b0);
          acc[i][1] = _mm512_dpbf16_ps (acc[i][1], a, b1);
        }
      ap += RALI_MR;
      bp += RALI_NR;
    }
  tile_store (acc, c, ldc, m0, mv, n0, nv, e);
}

void
rali_gemm_bf16 (float *c, int ldc, const guint32 *ap, const guint32 *bp, int M, int N, int K,
                int r0, int r1, int p0, int p1, const RaliEpilogue *e)
{
  int K2 = (K + 1) / 2;
  for (int j = p0; j < p1; j++)
    for (int r = r0; r < r1; r++)
      tile_bf16 (c, ldc, ap + (gsize) r * K2 * RALI_MR, bp + (gsize) j * K2 * RALI_NR, K2, r * RALI_MR,
                 MIN (RALI_MR, M - r * RALI_MR), j * RALI_NR, MIN (RALI_NR, N - j * RALI_NR), e);
}

/* rali_attention_head on bf16 operands (fp32 sums, fp32 softmax): q kᵀ
 * from q and k rounded as they are packed, the scale applied inside the
 * softmax, then the weights and v rounded for · v.  The same scratch. */
void
rali_attention_head_bf16 (float *out, int ldo, const float *q, const float *k, const float *v, int ld, int T,
                          int Dh, float scale, float *scratch)
{
  guint32 *ap = (guint32 *) (((guintptr) scratch + 63) & ~(guintptr) 63);
  guint32 *bp = ap + rali_packed_a16_size (T, MAX (T, Dh));
  float *s = (float *) (bp + MAX (rali_packed_b16_size (T, Dh), rali_packed_b16_size (Dh, T)));
  s = (float *) (((guintptr) s + 63) & ~(guintptr) 63);
  int ldS = rali_round16 (T), R = (T + RALI_MR - 1) / RALI_MR;
  rali_pack_a16 (ap, q, T, Dh, ld, 0, R);
  rali_pack_b16_nk (bp, k, T, Dh, ld, 0, (T + RALI_NR - 1) / RALI_NR);
  rali_gemm_bf16 (s, ldS, ap, bp, T, T, Dh, 0, R, 0, (T + RALI_NR - 1) / RALI_NR, NULL);
  for (int i = 0; i < T; i++)
    softmax_row (s + (gsize) i * ldS, T, scale);
  rali_pack_a16 (ap, s, T, T, ldS, 0, R);
  rali_pack_b16_kn (bp, v, Dh, T, ld);
  rali_gemm_bf16 (out, ldo, ap, bp, T, Dh, T, 0, R, 0, (Dh + RALI_NR - 1) / RALI_NR, NULL);
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

gboolean
rali_cpu_has_avx512_bf16 (void)
{
  __builtin_cpu_init ();
  return rali_cpu_has_avx512 () && __builtin_cpu_supports ("avx512bf16");
}

#else /* not x86-64: the OpenBLAS path only */

#pragma GCC diagnostic ignored "-Wunused-parameter"

gboolean
rali_cpu_has_avx512_bf16 (void)
{
  return FALSE;
}

void rali_pack_b16_nk (guint32 *dst, const float *w, int N, int K, int lds, int p0, int p1) { g_assert_not_reached (); }
void rali_pack_a16 (guint32 *dst, const float *a, int M, int K, int lda, int r0, int r1) { g_assert_not_reached (); }
void rali_gemm_bf16 (float *c, int ldc, const guint32 *ap, const guint32 *bp, int M, int N, int K,
                     int r0, int r1, int p0, int p1, const RaliEpilogue *e) { g_assert_not_reached (); }
void rali_pack_b16_kn (guint32 *dst, const float *b, int N, int K, int lds) { g_assert_not_reached (); }
void rali_attention_head_bf16 (float *out, int ldo, const float *q, const float *k, const float *v, int ld,
                               int T, int Dh, float scale, float *scratch) { g_assert_not_reached (); }

#endif
