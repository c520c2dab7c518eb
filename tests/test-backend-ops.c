/* Every backend op on the Vulkan backend against the CPU backend (the
 * oracle), in the manner of ggml's test-backend-ops: random inputs, shapes
 * that are multiples of no tile (M=197, N=75, K=33, T=50, odd C), inputs
 * that break naive numerics (layer norm of rows with mean 1000, attention
 * scores in the hundreds), and
 *     |vulkan − cpu| ≤ atol + rtol·|cpu|,  atol = atol_rel · rms(cpu),
 * with rtol 1e-3 (fp32) or 1e-2 (fp16 weights).
 *
 *   test-backend-ops [--fp16]          exits 77 (skipped) without a Vulkan device
 *   test-backend-ops --cpu-kernels     the same ops on the CPU backend's kernels (nn/cpu-kernels.h:
 *                                      AVX-512, or AVX2 where the processor has no AVX-512 or
 *                                      RALI_CPU_KERNELS=avx2) against its OpenBLAS path, with
 *                                      tighter tolerances, and the fused matmul (weights
 *                                      packed at load; bias, activation, residual in the
 *                                      epilogue); exits 77 with neither
 *   test-backend-ops --fallback MODEL  run with Vulkan made unavailable: the backend
 *                                      says so, auto runs on the CPU, libvulkan is not
 *                                      even mapped into the process
 *
 * RALI_VULKAN_TEST_LIMITS lowers the device limits to reach the chunking
 * and tiling fallbacks; RALI_VULKAN_VALIDATE=1 turns validation errors into
 * failures. */
#include "nn/backend.h"
#include "stages.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  RaliBackend *cpu, *vk; /* the oracle and the backend tested (--cpu-kernels: the CPU's kernels) */
  GRand *rng;
  double rtol, atol_rel;
  gboolean fp16, kernels;
  int failures, checks;
} Ctx;

/* one tensor on both backends; a weight keeps its host copy, which the CPU
 * backend borrows */
typedef struct {
  RaliBuf *c, *v;
  gsize n;
  float *host;
} Pair;

static float *
rand_array (Ctx *t, gsize n, double lo, double hi)
{
  float *a = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    a[i] = (float) g_rand_double_range (t->rng, lo, hi);
  return a;
}

static void
expect (Ctx *t, gboolean ok, const char *what, GError *error)
{
  if (!ok)
    {
      printf ("FAIL %s: %s\n", what, error ? error->message : "failed");
      t->failures++;
    }
}

/* weight: uploaded with ->weight (fp16 on an fp16 backend), else ->alloc + upload */
static Pair
pair_new (Ctx *t, const float *host, gsize n, gboolean weight)
{
  g_autoptr (GError) error = NULL;
  Pair p = { .n = n, .host = weight ? g_memdup2 (host, MAX (n, 1) * sizeof (float)) : NULL };
  RaliBackend *be[2] = { t->cpu, t->vk };
  RaliBuf **dst[2] = { &p.c, &p.v };
  for (int i = 0; i < 2; i++)
    {
      if (weight)
        *dst[i] = be[i]->ops->weight (be[i], p.host, n, &error);
      else if ((*dst[i] = be[i]->ops->alloc (be[i], n, &error)))
        be[i]->ops->upload (be[i], *dst[i], host, n, &error);
      expect (t, *dst[i] && !error, "buffer", error);
      g_clear_error (&error);
    }
  return p;
}

static Pair
pair_rand (Ctx *t, gsize n, double lo, double hi, gboolean weight, float **keep)
{
  float *a = rand_array (t, n, lo, hi);
  Pair p = pair_new (t, a, n, weight);
  if (keep)
    *keep = a;
  else
    g_free (a);
  return p;
}

/* an output: NaN everywhere, so an element the shader never writes fails */
static Pair
pair_out (Ctx *t, gsize n)
{
  g_autofree float *nan = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    nan[i] = NAN;
  return pair_new (t, nan, n, FALSE);
}

static void
pair_free (Ctx *t, Pair *p)
{
  if (p->c)
    t->cpu->ops->release (t->cpu, p->c);
  if (p->v)
    t->vk->ops->release (t->vk, p->v);
  g_free (p->host);
  p->c = p->v = NULL;
  p->host = NULL;
}

/* runs what was issued, downloads both results and compares them */
static void
check_with (Ctx *t, const char *what, Pair *p, double rtol, double atol_rel)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *ref = g_new (float, MAX (p->n, 1));
  g_autofree float *got = g_new (float, MAX (p->n, 1));
  t->checks++;
  if (!t->cpu->ops->sync (t->cpu, &error) || !t->cpu->ops->download (t->cpu, ref, p->c, p->n, &error) ||
      !t->vk->ops->sync (t->vk, &error) || !t->vk->ops->download (t->vk, got, p->v, p->n, &error))
    {
      expect (t, FALSE, what, error);
      return;
    }
  double ss = 0;
  for (gsize i = 0; i < p->n; i++)
    ss += (double) ref[i] * ref[i];
  double rms = p->n ? sqrt (ss / p->n) : 0;
  if (!compare_arrays (what, got, ref, p->n, atol_rel * rms + 1e-30, rtol))
    t->failures++;
}

static void
check (Ctx *t, const char *what, Pair *p)
{
  check_with (t, what, p, t->rtol, t->atol_rel);
}

/* a pair's buffer on the CPU or on the Vulkan side */
#define CB(p) (p).c
#define VB(p) (p).v

static void
test_matmul (Ctx *t, int M, int N, int K, gboolean bias, gboolean w_is_weight)
{
  Pair in = pair_rand (t, (gsize) M * K, -1, 1, FALSE, NULL);
  Pair w = pair_rand (t, (gsize) N * K, -1, 1, w_is_weight, NULL);
  Pair b = bias ? pair_rand (t, N, -1, 1, TRUE, NULL) : (Pair) { 0 };
  Pair out = pair_out (t, (gsize) M * N);
  t->cpu->ops->matmul (t->cpu, CB (out), CB (in), CB (w), bias ? CB (b) : NULL, M, N, K);
  t->vk->ops->matmul (t->vk, VB (out), VB (in), VB (w), bias ? VB (b) : NULL, M, N, K);
  g_autofree char *what = g_strdup_printf ("matmul %dx%dx%d%s%s", M, N, K, bias ? " +b" : "",
                                           w_is_weight ? " w" : " a");
  /* fp32 weights (alloc'd) are exact even on an fp16 backend */
  if (!w_is_weight)
    check_with (t, what, &out, 1e-3, 1e-4);
  else
    check (t, what, &out);
  pair_free (t, &in), pair_free (t, &w), pair_free (t, &b), pair_free (t, &out);
}

static void
test_layernorm (Ctx *t, int R, int C, double mean, gboolean in_place)
{
  Pair x = pair_rand (t, (gsize) R * C, mean - 1, mean + 1, FALSE, NULL);
  Pair w = pair_rand (t, C, 0.5, 1.5, TRUE, NULL);
  Pair b = pair_rand (t, C, -0.5, 0.5, TRUE, NULL);
  Pair out = in_place ? x : pair_out (t, (gsize) R * C);
  t->cpu->ops->layernorm (t->cpu, CB (out), CB (x), CB (w), CB (b), R, C, 1e-5f);
  t->vk->ops->layernorm (t->vk, VB (out), VB (x), VB (w), VB (b), R, C, 1e-5f);
  g_autofree char *what = g_strdup_printf ("layernorm %dx%d mean %g%s", R, C, mean, in_place ? " in place" : "");
  check (t, what, &out);
  if (!in_place)
    pair_free (t, &out);
  pair_free (t, &x), pair_free (t, &w), pair_free (t, &b);
}

static void
test_attention_with (Ctx *t, int B, int T, int H, int Dh, double scale, double rtol, double atol_rel)
{
  gsize n = (gsize) B * T * H * Dh;
  Pair q = pair_rand (t, n, -scale, scale, FALSE, NULL);
  Pair k = pair_rand (t, n, -scale, scale, FALSE, NULL);
  Pair v = pair_rand (t, n, -1, 1, FALSE, NULL);
  Pair out = pair_out (t, n);
  t->cpu->ops->attention (t->cpu, CB (out), CB (q), CB (k), CB (v), B, T, H, Dh);
  t->vk->ops->attention (t->vk, VB (out), VB (q), VB (k), VB (v), B, T, H, Dh);
  g_autofree char *what = g_strdup_printf ("attention B%d T%d H%d Dh%d ±%g", B, T, H, Dh, scale);
  /* scores of ±scale²·Dh: the softmax is only stable max-subtracted */
  check_with (t, what, &out, rtol, atol_rel);
  pair_free (t, &q), pair_free (t, &k), pair_free (t, &v), pair_free (t, &out);
}

static void
test_attention (Ctx *t, int B, int T, int H, int Dh, double scale)
{
  test_attention_with (t, B, T, H, Dh, scale, 1e-3, 1e-4);
}

static void
test_activation (Ctx *t, gsize n, RaliActivation act, const char *name)
{
  g_autofree float *a = rand_array (t, n, -8, 8);
  a[0] = 0.0f;
  if (n > 2)
    a[1] = -80.0f, a[2] = 80.0f; /* exp overflow territory */
  Pair x = pair_new (t, a, n, FALSE);
  t->cpu->ops->activation (t->cpu, CB (x), n, act);
  t->vk->ops->activation (t->vk, VB (x), n, act);
  g_autofree char *what = g_strdup_printf ("activation %s n=%zu", name, n);
  check_with (t, what, &x, 1e-3, 1e-5);
  pair_free (t, &x);
}

static void
test_add (Ctx *t, gsize n)
{
  Pair x = pair_rand (t, n, -1, 1, FALSE, NULL);
  Pair y = pair_rand (t, n, -1, 1, FALSE, NULL);
  t->cpu->ops->add (t->cpu, CB (x), CB (y), n);
  t->vk->ops->add (t->vk, VB (x), VB (y), n);
  g_autofree char *what = g_strdup_printf ("add n=%zu", n);
  check_with (t, what, &x, 0, 0);
  pair_free (t, &x), pair_free (t, &y);
}

static void
test_im2col (Ctx *t, int B, int S, int P)
{
  int G = S / P;
  Pair px = pair_rand (t, (gsize) B * 3 * S * S, -2, 2, FALSE, NULL);
  Pair out = pair_out (t, (gsize) B * G * G * 3 * P * P);
  t->cpu->ops->im2col (t->cpu, CB (out), CB (px), B, S, P);
  t->vk->ops->im2col (t->vk, VB (out), VB (px), B, S, P);
  g_autofree char *what = g_strdup_printf ("im2col B%d S%d P%d", B, S, P);
  check_with (t, what, &out, 0, 0);
  pair_free (t, &px), pair_free (t, &out);
}

static void
test_conv_im2col (Ctx *t, int B, int Cin, int H, int W, int k, int stride, int pad, gboolean nhwc)
{
  int Ho = (H + 2 * pad - k) / stride + 1, Wo = (W + 2 * pad - k) / stride + 1;
  Pair in = pair_rand (t, (gsize) B * Cin * H * W, -2, 2, FALSE, NULL);
  Pair out = pair_out (t, (gsize) B * Ho * Wo * Cin * k * k);
  t->cpu->ops->conv_im2col (t->cpu, CB (out), CB (in), B, Cin, H, W, k, stride, pad, nhwc);
  t->vk->ops->conv_im2col (t->vk, VB (out), VB (in), B, Cin, H, W, k, stride, pad, nhwc);
  g_autofree char *what = g_strdup_printf ("conv_im2col B%d C%d %dx%d k%d s%d p%d %s", B, Cin, H, W, k, stride,
                                           pad, nhwc ? "nhwc" : "nchw");
  check_with (t, what, &out, 0, 0);
  pair_free (t, &in), pair_free (t, &out);
}

/* --cpu-kernels: a convolution in one op (columns built a row of output
 * pixels at a time) against conv_im2col, matmul and the activation on the
 * OpenBLAS path */
static void
test_conv_fused (Ctx *t, int B, int Cin, int H, int W, int k, int stride, int pad, gboolean nhwc, int N, int act)
{
  g_autoptr (GError) error = NULL;
  int py, px, K = Cin * k * k;
  int Ho = rali_conv_axis (H, k, stride, pad, &py), Wo = rali_conv_axis (W, k, stride, pad, &px);
  g_autofree float *w = rand_array (t, (gsize) N * K, -0.5, 0.5);
  Pair in = pair_rand (t, (gsize) B * Cin * H * W, -2, 2, FALSE, NULL), bias = pair_rand (t, N, -0.5, 0.5, TRUE, NULL);
  Pair cols = pair_out (t, (gsize) B * Ho * Wo * K), out = pair_out (t, (gsize) B * Ho * Wo * N);
  RaliBuf *wc = t->cpu->ops->weight (t->cpu, w, (gsize) N * K, &error);
  RaliBuf *wk = t->vk->ops->weight_matrix (t->vk, w, N, K, &error);
  t->cpu->ops->conv_im2col (t->cpu, CB (cols), CB (in), B, Cin, H, W, k, stride, pad, nhwc);
  t->cpu->ops->matmul (t->cpu, CB (out), CB (cols), wc, CB (bias), B * Ho * Wo, N, K);
  if (act != RALI_ACT_NONE)
    t->cpu->ops->activation (t->cpu, CB (out), (gsize) B * Ho * Wo * N, act);
  gboolean done = t->vk->ops->conv_fused && t->vk->ops->conv_fused (t->vk, VB (out), VB (in), wk, VB (bias), B, Cin,
                                                                     H, W, k, stride, pad, nhwc, N, act);
  g_autofree char *what = g_strdup_printf ("conv_fused B%d C%d %dx%d k%d s%d p%d %s -> %d act %d", B, Cin, H, W, k,
                                           stride, pad, nhwc ? "nhwc" : "nchw", N, act);
  expect (t, done, what, NULL);
  if (done)
    check (t, what, &out);
  t->cpu->ops->release (t->cpu, wc), t->vk->ops->release (t->vk, wk);
  pair_free (t, &in), pair_free (t, &bias), pair_free (t, &cols), pair_free (t, &out);
}

static void
test_embed_tokens (Ctx *t, int B, int T, int C)
{
  Pair patches = pair_rand (t, (gsize) B * (T - 1) * C, -1, 1, FALSE, NULL);
  Pair cls = pair_rand (t, C, -1, 1, TRUE, NULL);
  Pair pos = pair_rand (t, (gsize) T * C, -1, 1, TRUE, NULL);
  Pair out = pair_out (t, (gsize) B * T * C);
  t->cpu->ops->embed_tokens (t->cpu, CB (out), CB (patches), CB (cls), CB (pos), B, T, C);
  t->vk->ops->embed_tokens (t->vk, VB (out), VB (patches), VB (cls), VB (pos), B, T, C);
  g_autofree char *what = g_strdup_printf ("embed_tokens B%d T%d C%d", B, T, C);
  check (t, what, &out);
  pair_free (t, &patches), pair_free (t, &cls), pair_free (t, &pos), pair_free (t, &out);
}

static void
test_take_class (Ctx *t, int B, int T, int C)
{
  Pair in = pair_rand (t, (gsize) B * T * C, -1, 1, FALSE, NULL);
  Pair out = pair_out (t, (gsize) B * C);
  t->cpu->ops->take_class (t->cpu, CB (out), CB (in), B, T, C);
  t->vk->ops->take_class (t->vk, VB (out), VB (in), B, T, C);
  g_autofree char *what = g_strdup_printf ("take_class B%d T%d C%d", B, T, C);
  check_with (t, what, &out, 0, 0);
  pair_free (t, &in), pair_free (t, &out);
}

/* rows of random scale (1e-3 … 1e25: squares beyond fp32), a zero row
 * (the 1e-12 clamp: stays zero, no NaN) and a tiny row (below the clamp) */
static void
test_l2norm (Ctx *t, int R, int D, gboolean in_place)
{
  if (!t->vk->ops->l2norm || !t->cpu->ops->l2norm)
    {
      expect (t, FALSE, "l2norm is implemented by both backends", NULL);
      return;
    }
  g_autofree float *a = rand_array (t, (gsize) R * D, -1, 1);
  for (int r = 0; r < R; r++)
    {
      double scale = r == 0 ? 0 : r == 1 ? 1e-15 : r == 2 ? 1e25 : pow (10, g_rand_double_range (t->rng, -3, 3));
      for (int i = 0; i < D; i++)
        a[(gsize) r * D + i] *= (float) scale;
    }
  Pair x = pair_new (t, a, (gsize) R * D, FALSE);
  Pair out = in_place ? x : pair_out (t, (gsize) R * D);
  t->cpu->ops->l2norm (t->cpu, CB (out), CB (x), R, D);
  t->vk->ops->l2norm (t->vk, VB (out), VB (x), R, D);
  g_autofree char *what = g_strdup_printf ("l2norm %dx%d%s", R, D, in_place ? " in place" : "");
  /* per element, not per rms: the tiny row's values are 1e-3 of the rest */
  check_with (t, what, &out, 1e-5, 1e-6);
  /* the oracle itself: unit rows, the zero row zero */
  g_autofree float *ref = g_new (float, (gsize) R * D);
  g_autoptr (GError) error = NULL;
  if (t->cpu->ops->download (t->cpu, ref, CB (out), (gsize) R * D, &error))
    for (int r = 0; r < R; r++)
      {
        double ss = 0;
        for (int i = 0; i < D; i++)
          ss += (double) ref[(gsize) r * D + i] * ref[(gsize) r * D + i];
        gboolean ok = r == 0 ? ss == 0 : r == 1 ? ss < 1e-3 : fabs (sqrt (ss) - 1) < 1e-5;
        if (!ok)
          {
            printf ("FAIL %s: cpu row %d has norm %g\n", what, r, sqrt (ss));
            t->failures++;
          }
      }
  if (!in_place)
    pair_free (t, &out);
  pair_free (t, &x);
}

/* ---- the convolutional tower's ops (cnn.c): CPU vs a naive loop here, then Vulkan vs CPU ---- */

/* the CPU backend's result against a naive loop's */
static void
check_naive (Ctx *t, const char *what, Pair *p, const float *naive, double atol, double rtol)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *got = g_new (float, MAX (p->n, 1));
  g_autofree char *name = g_strdup_printf ("%s cpu vs naive", what);
  t->checks++;
  if (!t->cpu->ops->sync (t->cpu, &error) || !t->cpu->ops->download (t->cpu, got, p->c, p->n, &error))
    expect (t, FALSE, name, error);
  else if (!compare_arrays (name, got, naive, p->n, atol, rtol))
    t->failures++;
}

/* TensorFlow SAME padding along one axis, written out again (not
 * rali_conv_axis): out = ceil(n/s), total = max((out-1)s + k - n, 0),
 * total/2 before */
static int
same_axis (int n, int k, int s, int *before)
{
  int out = (n + s - 1) / s, total = (out - 1) * s + k - n;
  *before = total > 0 ? total / 2 : 0;
  return out;
}

static float
clip6 (float v)
{
  return v < 0 ? 0 : v > 6 ? 6 : v;
}

/* values in [-3, 3] and weights in [-1, 1]: sums reach past both ends of ReLU6 */
static void
test_dwconv3x3 (Ctx *t, int B, int H, int W, int C, int stride, gboolean bias, gboolean relu6)
{
  float *x, *w, *bs = NULL;
  Pair in = pair_rand (t, (gsize) B * H * W * C, -3, 3, FALSE, &x);
  Pair wp = pair_rand (t, (gsize) C * 9, -1, 1, TRUE, &w);
  Pair bp = bias ? pair_rand (t, C, -1, 1, TRUE, &bs) : (Pair) { 0 };
  int py, px, Ho = same_axis (H, 3, stride, &py), Wo = same_axis (W, 3, stride, &px);
  gsize n = (gsize) B * Ho * Wo * C;
  Pair out = pair_out (t, n);
  t->cpu->ops->dwconv3x3 (t->cpu, CB (out), CB (in), CB (wp), bias ? CB (bp) : NULL, B, H, W, C, stride, relu6);
  t->vk->ops->dwconv3x3 (t->vk, VB (out), VB (in), VB (wp), bias ? VB (bp) : NULL, B, H, W, C, stride, relu6);
  g_autofree float *naive = g_new (float, MAX (n, 1));
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++)
        for (int c = 0; c < C; c++)
          {
            double acc = bias ? bs[c] : 0;
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 3; kx++)
                {
                  int y = oy * stride - py + ky, xx = ox * stride - px + kx;
                  if (y >= 0 && y < H && xx >= 0 && xx < W)
                    acc += (double) w[c * 9 + ky * 3 + kx] * x[(((gsize) b * H + y) * W + xx) * C + c];
                }
            naive[(((gsize) b * Ho + oy) * Wo + ox) * C + c] = relu6 ? clip6 ((float) acc) : (float) acc;
          }
  g_autofree char *what = g_strdup_printf ("dwconv3x3 B%d %dx%dx%d s%d%s%s", B, H, W, C, stride,
                                           bias ? " +b" : "", relu6 ? " relu6" : "");
  check_naive (t, what, &out, naive, 1e-5, 1e-5);
  check (t, what, &out);
  g_free (x), g_free (w), g_free (bs);
  pair_free (t, &in), pair_free (t, &wp), pair_free (t, &bp), pair_free (t, &out);
}

/* pooled into columns [off, off + C) of [B, ldo] rows; the other columns keep their value */
static void
test_avgpool (Ctx *t, int B, int N, int C, int ldo, int off)
{
  float *x;
  Pair in = pair_rand (t, (gsize) B * N * C, -2, 5, FALSE, &x);
  gsize n = (gsize) B * ldo;
  g_autofree float *naive = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    naive[i] = -7.0f;
  Pair out = pair_new (t, naive, n, FALSE);
  t->cpu->ops->avgpool (t->cpu, CB (out), CB (in), B, N, C, ldo, off);
  t->vk->ops->avgpool (t->vk, VB (out), VB (in), B, N, C, ldo, off);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      {
        double sum = 0;
        for (int i = 0; i < N; i++)
          sum += x[((gsize) b * N + i) * C + c];
        naive[(gsize) b * ldo + off + c] = (float) (sum / N);
      }
  g_autofree char *what = g_strdup_printf ("avgpool B%d N%d C%d cols %d..%d of %d", B, N, C, off, off + C, ldo);
  check_naive (t, what, &out, naive, 1e-6, 1e-5);
  check_with (t, what, &out, 1e-5, 1e-6);
  g_free (x);
  pair_free (t, &in), pair_free (t, &out);
}

/* conv_im2col with TensorFlow SAME padding (the MobileNetV2 stem) */
static void
test_conv_im2col_same (Ctx *t, int B, int Cin, int H, int W, int k, int stride, gboolean nhwc)
{
  float *x;
  Pair in = pair_rand (t, (gsize) B * Cin * H * W, -2, 2, FALSE, &x);
  int py, px, Ho = same_axis (H, k, stride, &py), Wo = same_axis (W, k, stride, &px);
  gsize K = (gsize) Cin * k * k, n = (gsize) B * Ho * Wo * K;
  Pair out = pair_out (t, n);
  t->cpu->ops->conv_im2col (t->cpu, CB (out), CB (in), B, Cin, H, W, k, stride, RALI_PAD_SAME, nhwc);
  t->vk->ops->conv_im2col (t->vk, VB (out), VB (in), B, Cin, H, W, k, stride, RALI_PAD_SAME, nhwc);
  g_autofree float *naive = g_new (float, MAX (n, 1));
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++)
        for (int c = 0; c < Cin; c++)
          for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
              {
                int y = oy * stride - py + ky, xx = ox * stride - px + kx;
                float v = 0;
                if (y >= 0 && y < H && xx >= 0 && xx < W)
                  v = nhwc ? x[(((gsize) b * H + y) * W + xx) * Cin + c] : x[(((gsize) b * Cin + c) * H + y) * W + xx];
                naive[(((gsize) b * Ho + oy) * Wo + ox) * K + (c * k + ky) * k + kx] = v;
              }
  g_autofree char *what = g_strdup_printf ("conv_im2col B%d C%d %dx%d k%d s%d SAME %s", B, Cin, H, W, k, stride,
                                           nhwc ? "nhwc" : "nchw");
  check_naive (t, what, &out, naive, 0, 0);
  check_with (t, what, &out, 0, 0);
  g_free (x);
  pair_free (t, &in), pair_free (t, &out);
}

static void
test_relu6 (Ctx *t, gsize n)
{
  float *a;
  Pair x = pair_rand (t, n, -9, 9, FALSE, &a);
  t->cpu->ops->activation (t->cpu, CB (x), n, RALI_ACT_RELU6);
  t->vk->ops->activation (t->vk, VB (x), n, RALI_ACT_RELU6);
  for (gsize i = 0; i < n; i++)
    a[i] = clip6 (a[i]);
  g_autofree char *what = g_strdup_printf ("activation relu6 n=%zu", n);
  check_naive (t, what, &x, a, 0, 0);
  check_with (t, what, &x, 0, 0);
  g_free (a);
  pair_free (t, &x);
}

/* A block-like sequence run twice with new inputs: the second run reuses
 * the recorded command buffer and must still see the new data. */
/* --cpu-kernels: out = act(in · wᵀ + bias) + residual in one op, w packed
 * at load (weight_matrix), against matmul, activation and add */
static void
test_matmul_fused (Ctx *t, int M, int N, int K, gboolean bias, int act, int residual)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *wh = rand_array (t, (gsize) N * K, -1, 1);
  Pair in = pair_rand (t, (gsize) M * K, -1, 1, FALSE, NULL);
  Pair b = bias ? pair_rand (t, N, -1, 1, TRUE, NULL) : (Pair) { 0 };
  g_autofree float *rh = NULL;
  Pair r = residual ? pair_rand (t, (gsize) M * N, -1, 1, FALSE, &rh) : (Pair) { 0 };
  /* residual 2: in place, out is the residual */
  Pair out = residual == 2 ? r : pair_out (t, (gsize) M * N);
  Pair tmp = pair_out (t, (gsize) M * N);
  RaliBuf *wc = t->cpu->ops->weight (t->cpu, wh, (gsize) N * K, &error);
  RaliBuf *wk = t->vk->ops->weight_matrix (t->vk, wh, N, K, &error);
  expect (t, wc && wk, "weight_matrix", error);
  const RaliBackendOps *o = t->cpu->ops;
  RaliBuf *dst = residual ? CB (tmp) : CB (out);
  o->matmul (t->cpu, dst, CB (in), wc, bias ? CB (b) : NULL, M, N, K);
  if (act != RALI_ACT_NONE)
    o->activation (t->cpu, dst, (gsize) M * N, act);
  if (residual)
    {
      if (residual == 1)
        expect (t, o->upload (t->cpu, CB (out), rh, (gsize) M * N, &error), "upload", error);
      o->add (t->cpu, CB (out), dst, (gsize) M * N);
    }
  t->vk->ops->matmul_fused (t->vk, VB (out), VB (in), wk, bias ? VB (b) : NULL, residual ? VB (r) : NULL, M, N, K,
                            act);
  g_autofree char *what = g_strdup_printf ("matmul_fused %dx%dx%d%s act %d%s", M, N, K, bias ? " +b" : "", act,
                                           residual == 2 ? " += out" : residual ? " + r" : "");
  check (t, what, &out);
  t->cpu->ops->release (t->cpu, wc);
  t->vk->ops->release (t->vk, wk);
  pair_free (t, &in), pair_free (t, &b), pair_free (t, &tmp), pair_free (t, &out);
  if (residual == 1)
    pair_free (t, &r);
}

/* --cpu-kernels: a MobileNetV2 block in one op (expanded rows kept in
 * cache) against expand, depthwise and project on the OpenBLAS path */
static void
test_inverted_residual (Ctx *t, int B, int H, int W, int Cin, int texp, int Cout, int stride)
{
  g_autoptr (GError) error = NULL;
  int Cexp = Cin * texp, py, px;
  int Ho = rali_conv_axis (H, 3, stride, RALI_PAD_SAME, &py), Wo = rali_conv_axis (W, 3, stride, RALI_PAD_SAME, &px);
  gboolean residual = stride == 1 && Cin == Cout;
  g_autofree float *ew = rand_array (t, (gsize) Cexp * Cin, -0.5, 0.5);
  g_autofree float *pw = rand_array (t, (gsize) Cout * Cexp, -0.3, 0.3);
  Pair in = pair_rand (t, (gsize) B * H * W * Cin, -1, 1, FALSE, NULL);
  Pair eb = pair_rand (t, Cexp, -0.5, 0.5, TRUE, NULL), dw = pair_rand (t, (gsize) Cexp * 9, -0.5, 0.5, TRUE, NULL);
  Pair db = pair_rand (t, Cexp, -0.5, 0.5, TRUE, NULL), pb = pair_rand (t, Cout, -0.5, 0.5, TRUE, NULL);
  Pair h = pair_out (t, (gsize) B * H * W * Cexp), d = pair_out (t, (gsize) B * Ho * Wo * Cexp);
  Pair out = pair_out (t, (gsize) B * Ho * Wo * Cout);
  RaliBuf *ewc = t->cpu->ops->weight (t->cpu, ew, (gsize) Cexp * Cin, &error);
  RaliBuf *pwc = t->cpu->ops->weight (t->cpu, pw, (gsize) Cout * Cexp, &error);
  RaliBuf *ewk = t->vk->ops->weight_matrix (t->vk, ew, Cexp, Cin, &error);
  RaliBuf *pwk = t->vk->ops->weight_matrix (t->vk, pw, Cout, Cexp, &error);
  const RaliBackendOps *o = t->cpu->ops;
  RaliBuf *hin = CB (in);
  if (texp != 1)
    {
      o->matmul (t->cpu, CB (h), CB (in), ewc, CB (eb), B * H * W, Cexp, Cin);
      o->activation (t->cpu, CB (h), (gsize) B * H * W * Cexp, RALI_ACT_RELU6);
      hin = CB (h);
    }
  o->dwconv3x3 (t->cpu, CB (d), hin, CB (dw), CB (db), B, H, W, Cexp, stride, TRUE);
  o->matmul (t->cpu, CB (out), CB (d), pwc, CB (pb), B * Ho * Wo, Cout, Cexp);
  if (residual)
    o->add (t->cpu, CB (out), CB (in), (gsize) B * Ho * Wo * Cout);
  gboolean done = t->vk->ops->inverted_residual (t->vk, VB (out), VB (in), texp != 1 ? ewk : NULL, VB (eb), VB (dw),
                                                 VB (db), pwk, VB (pb), B, H, W, Cin, Cexp, Cout, stride, residual);
  g_autofree char *what = g_strdup_printf ("inverted_residual B%d %dx%dx%d t%d -> %d s%d%s", B, H, W, Cin, texp, Cout,
                                           stride, residual ? " +x" : "");
  expect (t, done, what, NULL);
  if (done)
    check (t, what, &out);
  t->cpu->ops->release (t->cpu, ewc), t->cpu->ops->release (t->cpu, pwc);
  t->vk->ops->release (t->vk, ewk), t->vk->ops->release (t->vk, pwk);
  Pair *all[] = { &in, &eb, &dw, &db, &pb, &h, &d, &out };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (t, all[i]);
}

static void
test_replay (Ctx *t)
{
  const int R = 50, Cc = 37, F = 75;
  Pair x = pair_out (t, (gsize) R * Cc), h = pair_out (t, (gsize) R * Cc), m = pair_out (t, (gsize) R * F);
  Pair w1 = pair_rand (t, (gsize) F * Cc, -0.3, 0.3, TRUE, NULL), b1 = pair_rand (t, F, -0.1, 0.1, TRUE, NULL);
  Pair w2 = pair_rand (t, (gsize) Cc * F, -0.3, 0.3, TRUE, NULL), b2 = pair_rand (t, Cc, -0.1, 0.1, TRUE, NULL);
  Pair lw = pair_rand (t, Cc, 0.5, 1.5, TRUE, NULL), lb = pair_rand (t, Cc, -0.5, 0.5, TRUE, NULL);
  for (int run = 0; run < 3; run++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree float *a = rand_array (t, (gsize) R * Cc, -2, 2);
      expect (t, t->cpu->ops->upload (t->cpu, x.c, a, (gsize) R * Cc, &error), "upload", error);
      expect (t, t->vk->ops->upload (t->vk, x.v, a, (gsize) R * Cc, &error), "upload", error);
      RaliBackend *be[2] = { t->cpu, t->vk };
      for (int i = 0; i < 2; i++)
        {
          const RaliBackendOps *o = be[i]->ops;
#define S(p) (i ? (p).v : (p).c)
          o->layernorm (be[i], S (h), S (x), S (lw), S (lb), R, Cc, 1e-5f);
          o->matmul (be[i], S (m), S (h), S (w1), S (b1), R, F, Cc);
          o->activation (be[i], S (m), (gsize) R * F, RALI_ACT_GELU);
          o->matmul (be[i], S (h), S (m), S (w2), S (b2), R, Cc, F);
          o->add (be[i], S (x), S (h), (gsize) R * Cc);
#undef S
        }
      g_autofree char *what = g_strdup_printf ("replayed block, run %d", run);
      check (t, what, &x);
    }
  Pair *all[] = { &x, &h, &m, &w1, &b1, &w2, &b2, &lw, &lb };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (t, all[i]);
}

/* fp16 weights come back within half an fp16 ulp */
static void
test_weight_roundtrip (Ctx *t)
{
  const gsize n = 1001;
  g_autofree float *a = rand_array (t, n, -3, 3);
  a[0] = 65504.0f, a[1] = 1e-7f, a[2] = -0.0f, a[3] = 1.0f / 3.0f;
  g_autoptr (GError) error = NULL;
  RaliBuf *w = t->vk->ops->weight (t->vk, a, n, &error);
  g_autofree float *got = g_new (float, n);
  expect (t, w && t->vk->ops->download (t->vk, got, w, n, &error), "weight download", error);
  t->checks++;
  if (!compare_arrays (t->fp16 ? "fp16 weight round trip" : "fp32 weight round trip", got, a, n,
                       t->fp16 ? 6e-8 : 0, t->fp16 ? 1.0 / 2048 : 0))
    t->failures++;
  if (w)
    t->vk->ops->release (t->vk, w);
}

/* weight_f32 keeps every bit, on an fp16 backend too */
static void
test_weight_f32 (Ctx *t)
{
  const gsize n = 1001;
  g_autofree float *a = rand_array (t, n, -3, 3);
  a[0] = 65520.0f, a[1] = 1e-7f, a[2] = 1.0f / 3.0f;
  g_autoptr (GError) error = NULL;
  t->checks++;
  if (!t->vk->ops->weight_f32)
    {
      expect (t, FALSE, "the Vulkan backend implements weight_f32", NULL);
      return;
    }
  RaliBuf *w = t->vk->ops->weight_f32 (t->vk, a, n, &error);
  g_autofree float *got = g_new (float, n);
  expect (t, w && t->vk->ops->download (t->vk, got, w, n, &error), "weight_f32 download", error);
  if (!compare_arrays ("weight_f32 round trip", got, a, n, 0, 0))
    t->failures++;
  if (w)
    t->vk->ops->release (t->vk, w);
}

/* a bad op is reported by sync as an error, and the backend stays usable */
static void
test_errors (Ctx *t)
{
  g_autoptr (GError) error = NULL;
  RaliBuf *small = t->vk->ops->alloc (t->vk, 10, &error);
  RaliBuf *big = t->vk->ops->alloc (t->vk, 100, &error);
  t->vk->ops->matmul (t->vk, small, big, big, NULL, 10, 10, 10);
  gboolean ok = t->vk->ops->sync (t->vk, &error);
  t->checks++;
  if (ok || !error || !strstr (error->message, "matmul"))
    {
      printf ("FAIL an undersized output was not reported (%s)\n", error ? error->message : "no error");
      t->failures++;
    }
  else
    printf ("ok   error reported: %s\n", error->message);
  g_clear_error (&error);
  t->vk->ops->release (t->vk, small);
  t->vk->ops->release (t->vk, big);
  expect (t, t->vk->ops->sync (t->vk, &error), "sync after an error", error);
}

static int
fallback (const char *model_path)
{
  g_autoptr (GError) error = NULL;
  RaliBackend *be = rali_backend_vulkan_new (&error);
  if (be || !g_error_matches (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED))
    {
      printf ("FAIL Vulkan was expected to be unavailable here (%s)\n", error ? error->message : "it is available");
      if (be)
        be->ops->free (be);
      return 1;
    }
  printf ("ok   vulkan unavailable: %s\n", error->message);
  g_clear_error (&error);
  RaliModel *model = rali_model_open (model_path, &error);
  g_assert_no_error (error);
  RaliEngine *e = rali_engine_new (model, RALI_BACKEND_AUTO, &error);
  int rc = 0;
  if (!e || strcmp (rali_engine_backend_name (e), "cpu") != 0)
    {
      printf ("FAIL --backend auto did not fall back to the CPU (%s)\n", error ? error->message : "");
      rc = 1;
    }
  else
    printf ("ok   auto runs on %s\n", rali_engine_backend_name (e));
  rali_engine_free (e);
  g_clear_error (&error);
  e = rali_engine_new (model, RALI_BACKEND_VULKAN, &error);
  if (e || !error || !strstr (error->message, "vulkan"))
    {
      printf ("FAIL --backend vulkan did not fail clearly\n");
      rc = 1;
    }
  else
    printf ("ok   --backend vulkan fails: %s\n", error->message);
  rali_engine_free (e);
  rali_model_free (model);
  /* the loader is dlopen()ed: the binary does not depend on it */
  g_autofree char *maps = NULL;
  if (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL) && strstr (maps, "libvulkan") &&
      g_getenv ("RALI_VULKAN_LOADER"))
    {
      printf ("FAIL libvulkan is mapped although the loader was made unavailable\n");
      rc = 1;
    }
  printf ("%s\n", rc ? "FAILED" : "PASS");
  return rc;
}

int
main (int argc, char **argv)
{
  if (argc > 2 && strcmp (argv[1], "--fallback") == 0)
    return fallback (argv[2]);
  gboolean fp16 = argc > 1 && strcmp (argv[1], "--fp16") == 0;
  gboolean kernels = argc > 1 && strcmp (argv[1], "--cpu-kernels") == 0;

  g_autoptr (GError) error = NULL;
  RaliVulkanOptions opt = { .fp16 = fp16 ? RALI_VULKAN_FP16_ON : RALI_VULKAN_FP16_OFF };
  Ctx t = { .rng = g_rand_new_with_seed (20240611), .fp16 = fp16, .kernels = kernels };
  if (kernels)
    {
      /* the kernels against the OpenBLAS path: fp32 both, only the order
       * of the sums (and the vector exp/erf) differ */
      t.vk = rali_backend_cpu_new_path (TRUE, &error);
      if (!t.vk)
        {
          printf ("SKIP %s\n", error->message);
          g_rand_free (t.rng);
          return 77;
        }
      printf ("# %s\n", rali_backend_cpu_describe (t.vk));
      t.cpu = rali_backend_cpu_new_path (FALSE, &error);
      t.rtol = 1e-4;
      t.atol_rel = 1e-5;
    }
  else
    t.vk = rali_backend_vulkan_new_full (&opt, &error);
  if (!t.vk)
    {
      printf ("SKIP no Vulkan device: %s\n", error->message);
      g_rand_free (t.rng);
      return g_error_matches (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED) ? 77 : 1;
    }
  const char *desc = kernels ? "" : rali_backend_vulkan_describe (t.vk);
  if (!kernels)
    printf ("# %s\n# limits: %s\n", desc, g_getenv ("RALI_VULKAN_TEST_LIMITS") ? g_getenv ("RALI_VULKAN_TEST_LIMITS")
                                                                           : "the device's");
  if (fp16 && !strstr (desc, "fp16 weights"))
    {
      printf ("SKIP the device cannot store fp16 weights\n");
      t.vk->ops->free (t.vk);
      g_rand_free (t.rng);
      return 77;
    }
  if (!kernels)
    {
      t.cpu = rali_backend_cpu_new (&error);
      t.rtol = fp16 ? 1e-2 : 1e-3;
      t.atol_rel = fp16 ? 5e-3 : 1e-4;
    }

  /* GEMM: edges of every tile, bias or not, fp16 (weight) or fp32 (alloc) w */
  static const int mnk[][3] = {
    { 197, 75, 33 }, { 1, 1, 1 }, { 64, 64, 16 }, { 65, 129, 17 }, { 37, 75, 300 }, { 5, 200, 72 }, { 50, 768, 64 },
    { 400, 300, 257 }, /* split into row and column blocks under RALI_VULKAN_TEST_LIMITS */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (mnk); i++)
    {
      test_matmul (&t, mnk[i][0], mnk[i][1], mnk[i][2], TRUE, TRUE);
      test_matmul (&t, mnk[i][0], mnk[i][1], mnk[i][2], FALSE, i % 2 == 0);
    }
  test_layernorm (&t, 50, 75, 0, FALSE);
  test_layernorm (&t, 197, 768, 1000, FALSE); /* E[x²] − mean² would lose every digit here */
  test_layernorm (&t, 7, 1, 0, FALSE);
  test_layernorm (&t, 33, 257, 3, TRUE);
  test_attention (&t, 2, 50, 3, 12, 1);
  test_attention (&t, 7, 50, 3, 12, 1);
  test_attention (&t, 1, 197, 4, 64, 1);
  test_attention (&t, 2, 33, 2, 72, 1);
  test_attention (&t, 1, 1, 2, 16, 1);
  test_attention (&t, 2, 26, 6, 12, 6); /* scores up to ±430 */
  test_activation (&t, 1000, RALI_ACT_QUICK_GELU, "quick_gelu");
  test_activation (&t, 257, RALI_ACT_GELU, "gelu");
  test_activation (&t, 10001, RALI_ACT_RELU, "relu");
  test_add (&t, 1001);
  test_add (&t, 100000);
  test_im2col (&t, 2, 40, 8);
  test_im2col (&t, 3, 15, 5);
  test_im2col (&t, 1, 32, 16);
  test_conv_im2col (&t, 2, 3, 17, 17, 3, 2, 1, FALSE);
  test_conv_im2col (&t, 2, 5, 9, 7, 3, 2, 1, TRUE);
  test_conv_im2col (&t, 1, 4, 6, 6, 1, 1, 0, TRUE);
  test_embed_tokens (&t, 3, 26, 37);
  test_embed_tokens (&t, 1, 50, 75);
  test_take_class (&t, 4, 50, 75);
  test_take_class (&t, 1, 1, 3);
  test_l2norm (&t, 7, 75, FALSE);
  test_l2norm (&t, 5, 1, FALSE);
  test_l2norm (&t, 33, 257, TRUE);
  test_l2norm (&t, 4, 768, FALSE);
  test_l2norm (&t, 300, 257, FALSE); /* row chunks under RALI_VULKAN_TEST_LIMITS */
  /* MobileNetV2 ops: stride 2 on odd sides (a pixel each side) and even
   * ones (the odd pixel after the end), stride 1, 1x1 and 1-wide maps */
  test_dwconv3x3 (&t, 2, 13, 11, 37, 1, TRUE, TRUE);
  test_dwconv3x3 (&t, 5, 13, 11, 37, 2, TRUE, TRUE); /* image chunks under RALI_VULKAN_TEST_LIMITS */
  test_dwconv3x3 (&t, 3, 8, 10, 5, 2, FALSE, TRUE);
  test_dwconv3x3 (&t, 1, 14, 9, 24, 2, TRUE, FALSE);
  test_dwconv3x3 (&t, 1, 7, 7, 96, 1, TRUE, TRUE);
  test_dwconv3x3 (&t, 2, 1, 1, 3, 2, TRUE, TRUE);
  test_dwconv3x3 (&t, 1, 2, 1, 7, 1, FALSE, FALSE);
  /* wide rows: the CPU kernels' four-pixel blocks, their tails and borders;
   * one image of each is more than RALI_VULKAN_TEST_LIMITS' binding holds,
   * which the Vulkan op refuses (an image is its smallest chunk) */
  if (!g_getenv ("RALI_VULKAN_TEST_LIMITS"))
    {
      test_dwconv3x3 (&t, 2, 33, 35, 20, 1, TRUE, TRUE);
      test_dwconv3x3 (&t, 1, 64, 62, 40, 2, TRUE, FALSE);
      test_dwconv3x3 (&t, 1, 31, 29, 17, 2, FALSE, TRUE);
    }
  test_avgpool (&t, 3, 50, 37, 50, 7);
  test_avgpool (&t, 2, 1, 5, 5, 0);
  test_avgpool (&t, 7, 150, 75, 91, 16); /* image chunks under RALI_VULKAN_TEST_LIMITS */
  test_avgpool (&t, 1, 49, 320, 320, 0);
  test_conv_im2col_same (&t, 2, 3, 17, 16, 3, 2, FALSE);
  test_conv_im2col_same (&t, 4, 3, 28, 28, 3, 2, FALSE); /* image chunks under the limits */
  test_conv_im2col_same (&t, 2, 5, 8, 9, 3, 2, TRUE);
  test_conv_im2col_same (&t, 1, 4, 7, 6, 3, 1, TRUE);
  test_relu6 (&t, 10001);
  for (int i = 0; i < 4; i++) /* random shapes */
    test_l2norm (&t, 3 + g_rand_int_range (t.rng, 0, 40), 1 + 2 * g_rand_int_range (t.rng, 0, 300), i % 2);
  test_replay (&t);
  test_weight_roundtrip (&t);
  if (kernels)
    {
      /* every edge of the 12 x 32 tiles, one or two threads' worth of rows
       * and panels, each epilogue; the last: panels enough to split them,
       * and row blocks enough (17) that bf16 splits the rows instead */
      static const int fmnk[][3] = { { 197, 75, 33 }, { 1, 1, 1 }, { 12, 32, 5 }, { 13, 33, 64 }, { 25, 100, 768 },
                                     { 3000, 24, 16 }, { 197, 768, 64 }, { 5, 3, 1000 }, { 800, 256, 1024 } };
      int acts[] = { RALI_ACT_NONE, RALI_ACT_GELU, RALI_ACT_QUICK_GELU, RALI_ACT_RELU, RALI_ACT_RELU6 };
      for (gsize i = 0; i < G_N_ELEMENTS (fmnk); i++)
        for (gsize a = 0; a < G_N_ELEMENTS (acts); a++)
          test_matmul_fused (&t, fmnk[i][0], fmnk[i][1], fmnk[i][2], (i + a) % 3 != 0, acts[a], (int) ((i + a) % 3));
      test_inverted_residual (&t, 2, 33, 35, 16, 6, 16, 1);  /* residual, 4-pixel tails, 12-row tails */
      test_inverted_residual (&t, 1, 64, 62, 24, 6, 32, 2);  /* stride 2, odd pixel after the end */
      test_inverted_residual (&t, 3, 7, 7, 32, 1, 16, 1);    /* t = 1: no expansion */
      test_inverted_residual (&t, 1, 5, 9, 96, 6, 160, 2);   /* K >= 512 of the projection, rows under 12 */
      test_inverted_residual (&t, 2, 1, 1, 8, 6, 8, 1);
      test_inverted_residual (&t, 3, 14, 14, 160, 6, 160, 1); /* bands of rows: a short last one, threads across images */
      test_conv_fused (&t, 2, 3, 33, 30, 3, 2, RALI_PAD_SAME, FALSE, 32, RALI_ACT_RELU6); /* the MobileNetV2 stem */
      test_conv_fused (&t, 1, 3, 448, 448, 3, 2, RALI_PAD_SAME, FALSE, 32, RALI_ACT_RELU6); /* at the default model's size */
      test_conv_fused (&t, 2, 5, 9, 7, 3, 2, 1, TRUE, 40, RALI_ACT_RELU);   /* a ViT conv stem's later layer */
      test_conv_fused (&t, 3, 4, 6, 5, 1, 1, 0, TRUE, 7, RALI_ACT_NONE);
      /* bf16 products (--precision bf16): operands rounded to 8 bits of
       * mantissa, sums in fp32, so within a few percent of the output's rms
       * of the fp32 oracle (a wrong product is off by all of it) */
      g_autoptr (GError) perr = NULL;
      if (rali_set_cpu_precision (RALI_PRECISION_BF16, &perr))
        {
          RaliBackend *fp32 = t.vk;
          t.vk = rali_backend_cpu_new (&error);
          printf ("# %s\n", rali_backend_cpu_describe (t.vk));
          double rtol = t.rtol, atol = t.atol_rel;
          t.rtol = 2e-2, t.atol_rel = 5e-2;
          /* (not the 1x1x1: one product, cancelled by its residual, has no rms to speak of) */
          for (gsize i = 2; i < G_N_ELEMENTS (fmnk); i++)
            test_matmul_fused (&t, fmnk[i][0], fmnk[i][1], fmnk[i][2], i % 2 == 0, acts[i % G_N_ELEMENTS (acts)],
                               (int) (i % 3));
          /* attention on bf16 operands: odd T (the last pair's partner is
           * zero), Dh under one 32-pair step and over two panels, one token
           * (scores of ±430, as the fp32 test has, are not for bf16: an error
           * of 2^-9 in q moves them by ~1, and the softmax with them) */
          test_attention_with (&t, 1, 197, 4, 64, 1, 2e-2, 5e-2);
          test_attention_with (&t, 2, 33, 2, 72, 1, 2e-2, 5e-2);
          test_attention_with (&t, 2, 50, 3, 12, 1, 2e-2, 5e-2);
          test_attention_with (&t, 1, 1, 2, 16, 1, 2e-2, 5e-2);
          t.rtol = rtol, t.atol_rel = atol;
          t.vk->ops->free (t.vk);
          t.vk = fp32;
          rali_set_cpu_precision (RALI_PRECISION_AUTO, NULL);
        }
      else
        printf ("skip bf16: %s\n", perr->message);
    }
  else
    {
      test_weight_f32 (&t);
      test_errors (&t);
    }

  t.cpu->ops->free (t.cpu);
  t.vk->ops->free (t.vk);
  g_rand_free (t.rng);
  guint verr = kernels ? 0 : rali_backend_vulkan_validation_errors ();
  if (verr)
    {
      printf ("FAIL %u Vulkan validation errors\n", verr);
      t.failures++;
    }
  printf ("%d checks, %d failed\n%s\n", t.checks, t.failures, t.failures ? "FAILED" : "PASS");
  return t.failures ? 1 : 0;
}
