/* Vulkan backend, part 3: one small host function per op and the
 * RaliBackendOps table.  Each op binds every tensor as its own range and,
 * where a tensor is larger than maxStorageBufferRange or a grid larger than
 * maxComputeWorkGroupCount, splits the op into row or batch chunks; shaders
 * see only chunk-local indices plus an element shift per binding. */
#include "vk-private.h"

#include <math.h>
#include <string.h>

#define VK(be) ((VkBackend *) (be))

static void
op_error (VkBackend *vk, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
op_error (VkBackend *vk, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  rali_vk_set_deferred (vk, g_error_new (RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: %s", msg));
}

/* ---- fp16 conversion on the host (round to nearest even) ---- */

static guint16
f32_to_f16 (float f)
{
  guint32 x;
  memcpy (&x, &f, 4);
  guint32 sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, mant = x & 0x7fffff;
  if (exp == 0xff)
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  int e = (int) exp - 127 + 15;
  if (e >= 31)
    return sign | 0x7c00;
  if (e <= 0)
    {
      if (e < -10)
        return sign;
      mant |= 0x800000;
      guint32 shift = (guint32) (14 - e), h = mant >> shift;
      guint32 rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      if (rem > half || (rem == half && (h & 1)))
        h++;
      return sign | h;
    }
  guint32 h = ((guint32) e << 10) | (mant >> 13), rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    h++; /* a carry into the exponent is the right answer, up to inf */
  return sign | h;
}

static float
f16_to_f32 (guint16 h)
{
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v = exp == 0 ? ldexpf ((float) mant, -24)
          : exp == 31 ? (mant ? NAN : INFINITY)
          : ldexpf ((float) (mant | 0x400), exp - 25);
  return (h & 0x8000) ? -v : v;
}

/* ---- limits and binding ranges ---- */

/* elements of esize bytes one binding may cover, shift included; kept
 * under 1 GiB so that every index in a shader fits comfortably in 32 bits */
static gsize
max_elems (VkBackend *vk, guint esize)
{
  gsize range = MIN (vk->props.limits.maxStorageBufferRange, (guint32) 1 << 30);
  return (range - vk->props.limits.minStorageBufferOffsetAlignment) / esize;
}

static gsize
buf_bytes (const RaliBuf *b)
{
  return MAX ((b->n * b->esize + 3) & ~(gsize) 3, 16);
}

/* binds elements [first, first + count) of b; *shift gets the element
 * offset of `first` from the aligned start of the range */
static BindKey
bind (VkBackend *vk, RaliBuf *b, gsize first, gsize count, guint32 *shift)
{
  gsize align = MAX (vk->props.limits.minStorageBufferOffsetAlignment, 4);
  gsize byte = first * b->esize, start = byte / align * align;
  gsize end = MIN ((byte + MAX (count, 1) * b->esize + 3) & ~(gsize) 3, buf_bytes (b));
  *shift = (guint32) ((byte - start) / b->esize);
  g_assert (end - start <= vk->props.limits.maxStorageBufferRange);
  return (BindKey) { b->id, b->buffer, start, end - start };
}

/* a 3-D grid of groups for n invocations of a 1-D op (flat_group() in
 * common.glsl); n ≤ flat_max() */
static void
flat_grid (VkBackend *vk, gsize n, guint32 wg, guint32 g[3])
{
  const guint32 *c = vk->props.limits.maxComputeWorkGroupCount;
  gsize groups = MAX ((n + wg - 1) / wg, 1);
  g[0] = (guint32) MIN (groups, c[0]);
  gsize rest = (groups + g[0] - 1) / g[0];
  g[1] = (guint32) MIN (rest, c[1]);
  g[2] = (guint32) ((rest + g[1] - 1) / g[1]);
  g_assert (g[2] <= c[2]);
}

/* invocations one flat dispatch can cover */
static gsize
flat_max (VkBackend *vk, guint32 wg)
{
  const guint32 *c = vk->props.limits.maxComputeWorkGroupCount;
  return (gsize) c[0] * c[1] * c[2] * wg;
}

static gboolean
check_size (VkBackend *vk, const char *op, const char *what, RaliBuf *b, gsize need, gboolean written)
{
  if (vk->deferred)
    return FALSE;
  if (!b)
    {
      op_error (vk, "%s: %s is NULL", op, what);
      return FALSE;
    }
  if (b->n < need)
    {
      op_error (vk, "%s: %s holds %zu floats, the op needs %zu", op, what, b->n, need);
      return FALSE;
    }
  if (written && b->weight)
    {
      op_error (vk, "%s: %s is a weight buffer; ops never write weights", op, what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fits (VkBackend *vk, const char *op, gsize elems, gsize limit)
{
  if (elems <= limit)
    return TRUE;
  op_error (vk, "%s: one row of %zu elements exceeds what one binding can hold on %s (%zu)", op, elems,
            vk->props.deviceName, limit);
  return FALSE;
}

/* The fp32 view of an fp16 weight, made on the device once, on first use
 * by an op that reads fp32 (only GEMM weights are read as fp16). */
static RaliBuf *
f32_view (VkBackend *vk, RaliBuf *b)
{
  if (!b || b->esize == 4)
    return b;
  if (b->f32_view)
    return b->f32_view;
  GError *err = NULL;
  RaliBuf *v = rali_vk_buf_new (vk, b->n, 4, &err);
  if (!v)
    {
      rali_vk_set_deferred (vk, err);
      return b;
    }
  v->weight = TRUE;
  b->f32_view = v;
  gsize chunk = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  for (gsize i0 = 0; i0 < b->n; i0 += chunk)
    {
      gsize n = MIN (chunk, b->n - i0);
      struct { guint32 n, o_h, o_o; } pc = { (guint32) n, 0, 0 };
      BindKey keys[2] = { bind (vk, b, i0, n, &pc.o_h), bind (vk, v, i0, n, &pc.o_o) };
      guint32 g[3];
      flat_grid (vk, n, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_F16_TO_F32, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
  return v;
}

/* ---- buffers ---- */

static RaliBuf *
vk_alloc (RaliBackend *be, gsize n, GError **error)
{
  return rali_vk_buf_new (VK (be), n, 4, error);
}

static RaliBuf *
vk_weight (RaliBackend *be, const float *host, gsize n, GError **error)
{
  VkBackend *vk = VK (be);
  RaliBuf *b = rali_vk_buf_new (vk, n, vk->fp16 ? 2 : 4, error);
  if (!b)
    return NULL;
  b->weight = TRUE;
  gboolean ok = TRUE;
  if (!vk->fp16)
    ok = rali_vk_buf_write (vk, b, 0, host, n * 4, error);
  else
    {
      const gsize piece = (gsize) 1 << 20;
      g_autofree guint16 *h = g_new (guint16, MIN (n, piece));
      for (gsize i0 = 0; ok && i0 < n; i0 += piece)
        {
          gsize m = MIN (piece, n - i0);
          for (gsize i = 0; i < m; i++)
            h[i] = f32_to_f16 (host[i0 + i]);
          ok = rali_vk_buf_write (vk, b, i0 * 2, h, m * 2, error);
        }
    }
  if (!ok)
    {
      rali_vk_buf_free (vk, b);
      return NULL;
    }
  return b;
}

/* a weight stored as fp32 even on an fp16 backend */
static RaliBuf *
vk_weight_f32 (RaliBackend *be, const float *host, gsize n, GError **error)
{
  VkBackend *vk = VK (be);
  RaliBuf *b = rali_vk_buf_new (vk, n, 4, error);
  if (!b)
    return NULL;
  b->weight = TRUE;
  if (!rali_vk_buf_write (vk, b, 0, host, n * 4, error))
    {
      rali_vk_buf_free (vk, b);
      return NULL;
    }
  return b;
}

/* work recorded earlier may still read or write b: run it first */
static gboolean
flush_pending (VkBackend *vk, GError **error)
{
  return vk->pending->len == 0 && !vk->deferred ? TRUE : rali_vk_flush (vk, error);
}

static void
vk_release (RaliBackend *be, RaliBuf *b)
{
  VkBackend *vk = VK (be);
  if (!b)
    return;
  GError *err = NULL;
  if (!flush_pending (vk, &err))
    rali_vk_set_deferred (vk, err); /* reported by the next sync */
  if (b->f32_view)
    rali_vk_forget_buffer (vk, b->f32_view->id);
  rali_vk_forget_buffer (vk, b->id);
  rali_vk_buf_free (vk, b);
}

static gboolean
vk_upload (RaliBackend *be, RaliBuf *dst, const float *src, gsize n, GError **error)
{
  VkBackend *vk = VK (be);
  if (n > dst->n || dst->esize != 4 || dst->weight)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: upload of %zu floats into a %s of %zu",
                   n, dst->weight ? "weight" : "buffer", dst->n);
      return FALSE;
    }
  return flush_pending (vk, error) && rali_vk_buf_write (vk, dst, 0, src, n * 4, error);
}

static gboolean
vk_download (RaliBackend *be, float *dst, RaliBuf *src, gsize n, GError **error)
{
  VkBackend *vk = VK (be);
  if (n > src->n)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "vulkan: download of %zu floats from a buffer of %zu",
                   n, src->n);
      return FALSE;
    }
  if (!flush_pending (vk, error))
    return FALSE;
  if (src->esize == 4)
    return rali_vk_buf_read (vk, src, 0, dst, n * 4, error);
  g_autofree guint16 *h = g_new (guint16, MAX (n, 1));
  if (!rali_vk_buf_read (vk, src, 0, h, n * 2, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    dst[i] = f16_to_f32 (h[i]);
  return TRUE;
}

/* ---- ops ---- */

/* out[B*G*G, 3*P*P] = patches of pixels[B, 3, S, S]; chunks of whole images */
static void
vk_im2col (RaliBackend *be, RaliBuf *out, RaliBuf *pixels, int B, int S, int P)
{
  VkBackend *vk = VK (be);
  gsize G = S / P, per_out = G * G * 3 * P * P, per_in = (gsize) 3 * S * S;
  pixels = f32_view (vk, pixels);
  if (!check_size (vk, "im2col", "out", out, B * per_out, TRUE) ||
      !check_size (vk, "im2col", "pixels", pixels, B * per_in, FALSE) ||
      !fits (vk, "im2col", MAX (per_in, per_out), MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat))))
    return;
  gsize chunk = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat)) / MAX (per_in, per_out);
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, S, P, o_px, o_o; } pc = { (guint32) nb, (guint32) S, (guint32) P, 0, 0 };
      BindKey keys[2] = { bind (vk, pixels, b0 * per_in, nb * per_in, &pc.o_px),
                          bind (vk, out, b0 * per_out, nb * per_out, &pc.o_o) };
      guint32 g[3];
      flat_grid (vk, nb * per_out, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_IM2COL, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[B*Ho*Wo, Cin*k*k] = conv patches of in ([B,Cin,H,W], or [B,H,W,Cin]
 * when nhwc); chunks of whole images */
static void
vk_conv_im2col (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int Cin, int H, int W,
                int k, int stride, int pad, gboolean nhwc)
{
  VkBackend *vk = VK (be);
  if (k < 1 || stride < 1 || (pad < 0 && pad != RALI_PAD_SAME) || H < 1 || W < 1 ||
      (pad >= 0 && (H + 2 * pad < k || W + 2 * pad < k)))
    {
      op_error (vk, "conv_im2col: kernel %d, stride %d, pad %d do not fit %dx%d", k, stride, pad, H, W);
      return;
    }
  int py, px; /* padding ahead of row and column 0 */
  gsize Ho = rali_conv_axis (H, k, stride, pad, &py), Wo = rali_conv_axis (W, k, stride, pad, &px);
  gsize per_in = (gsize) Cin * H * W, per_out = Ho * Wo * Cin * k * k;
  gsize limit = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  in = f32_view (vk, in);
  if (!check_size (vk, "conv_im2col", "out", out, B * per_out, TRUE) ||
      !check_size (vk, "conv_im2col", "in", in, B * per_in, FALSE) ||
      !fits (vk, "conv_im2col", MAX (per_in, per_out), limit))
    return;
  gsize chunk = limit / MAX (MAX (per_in, per_out), 1);
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, Cin, H, W, k, stride, pad_y, pad_x, nhwc, Ho, Wo, o_x, o_o; } pc = {
        .B = (guint32) nb, .Cin = (guint32) Cin, .H = (guint32) H, .W = (guint32) W, .k = (guint32) k,
        .stride = (guint32) stride, .pad_y = (guint32) py, .pad_x = (guint32) px, .nhwc = nhwc != FALSE,
        .Ho = (guint32) Ho, .Wo = (guint32) Wo,
      };
      BindKey keys[2] = { bind (vk, in, b0 * per_in, nb * per_in, &pc.o_x),
                          bind (vk, out, b0 * per_out, nb * per_out, &pc.o_o) };
      guint32 g[3];
      flat_grid (vk, nb * per_out, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_CONV_IM2COL, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[M,N] = in[M,K] · w[N,K]ᵀ (+ bias[N]); M and N split into chunks so that
 * no binding and no grid dimension exceeds the device's limits */
static void
vk_matmul (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, int M, int N, int K)
{
  VkBackend *vk = VK (be);
  const Tuning *t = &vk->tune;
  const guint32 *maxg = vk->props.limits.maxComputeWorkGroupCount;
  in = f32_view (vk, in);
  bias = f32_view (vk, bias);
  if (!check_size (vk, "matmul", "out", out, (gsize) M * N, TRUE) ||
      !check_size (vk, "matmul", "in", in, (gsize) M * K, FALSE) ||
      !check_size (vk, "matmul", "w", w, (gsize) N * K, FALSE) ||
      (bias && !check_size (vk, "matmul", "bias", bias, N, FALSE)) ||
      !fits (vk, "matmul", (gsize) MAX (N, K), MIN (max_elems (vk, 4), max_elems (vk, w->esize))))
    return;
  if (M == 0 || N == 0)
    return;
  gsize mc = MIN (max_elems (vk, 4) / MAX (N, K), (gsize) maxg[1] * t->bm);
  gsize nc = MIN (max_elems (vk, w->esize) / MAX (K, 1), (gsize) maxg[0] * t->bn);
  guint pipe = w->esize == 2 ? PIPE_GEMM_F16 : PIPE_GEMM;
  RaliBuf *bias_buf = bias ? bias : vk->dummy;
  for (gsize m0 = 0; m0 < (gsize) M; m0 += mc)
    for (gsize n0 = 0; n0 < (gsize) N; n0 += nc)
      {
        gsize mm = MIN (mc, M - m0), nn = MIN (nc, N - n0);
        struct { guint32 M, N, K, ldo, has_bias, o_a, o_w, o_bias, o_o; } pc = {
          (guint32) mm, (guint32) nn, (guint32) K, (guint32) N, bias != NULL, 0, 0, 0, 0
        };
        BindKey keys[4] = {
          bind (vk, in, m0 * K, mm * K, &pc.o_a),
          bind (vk, w, n0 * K, nn * K, &pc.o_w),
          bias ? bind (vk, bias_buf, n0, nn, &pc.o_bias) : bind (vk, bias_buf, 0, 1, &pc.o_bias),
          bind (vk, out, m0 * N + n0, (mm - 1) * N + nn, &pc.o_o),
        };
        rali_vk_dispatch (vk, pipe, keys, 1u << 3, &pc, sizeof pc, (guint32) ((nn + t->bn - 1) / t->bn),
                          (guint32) ((mm + t->bm - 1) / t->bm), 1);
      }
}

/* out[B,T,C]: row 0 = cls + pos[0], row t = patches[b, t-1] + pos[t] */
static void
vk_embed_tokens (RaliBackend *be, RaliBuf *out, RaliBuf *patches, RaliBuf *cls, RaliBuf *pos, int B, int T, int C)
{
  VkBackend *vk = VK (be);
  gsize per_out = (gsize) T * C, per_in = (gsize) (T - 1) * C;
  patches = f32_view (vk, patches);
  cls = f32_view (vk, cls);
  pos = f32_view (vk, pos);
  gsize limit = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  if (!check_size (vk, "embed_tokens", "out", out, B * per_out, TRUE) ||
      !check_size (vk, "embed_tokens", "patches", patches, B * per_in, FALSE) ||
      !check_size (vk, "embed_tokens", "cls", cls, C, FALSE) ||
      !check_size (vk, "embed_tokens", "pos", pos, per_out, FALSE) || !fits (vk, "embed_tokens", per_out, limit))
    return;
  gsize chunk = limit / per_out;
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, T, C, o_patches, o_cls, o_pos, o_o; } pc = { .B = (guint32) nb, .T = (guint32) T, .C = (guint32) C };
      BindKey keys[4] = {
        bind (vk, patches, b0 * per_in, MAX (nb * per_in, 1), &pc.o_patches),
        bind (vk, cls, 0, C, &pc.o_cls),
        bind (vk, pos, 0, per_out, &pc.o_pos),
        bind (vk, out, b0 * per_out, nb * per_out, &pc.o_o),
      };
      guint32 g[3];
      flat_grid (vk, nb * per_out, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_EMBED_TOKENS, keys, 1u << 3, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[R,C] = layernorm of each row of in (may alias); one workgroup per row */
static void
vk_layernorm (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *b, int R, int C, float eps)
{
  VkBackend *vk = VK (be);
  in = f32_view (vk, in);
  w = f32_view (vk, w);
  b = f32_view (vk, b);
  if (!check_size (vk, "layernorm", "out", out, (gsize) R * C, TRUE) ||
      !check_size (vk, "layernorm", "in", in, (gsize) R * C, FALSE) ||
      !check_size (vk, "layernorm", "w", w, C, FALSE) || !check_size (vk, "layernorm", "b", b, C, FALSE) ||
      !fits (vk, "layernorm", C, max_elems (vk, 4)))
    return;
  gsize chunk = MIN (max_elems (vk, 4) / MAX (C, 1), flat_max (vk, 1));
  for (gsize r0 = 0; r0 < (gsize) R; r0 += chunk)
    {
      gsize nr = MIN (chunk, R - r0);
      struct { guint32 R, C; float eps; guint32 o_x, o_w, o_b, o_o; } pc = { .R = (guint32) nr, .C = (guint32) C, .eps = eps };
      BindKey keys[4] = {
        bind (vk, in, r0 * C, nr * C, &pc.o_x),
        bind (vk, w, 0, C, &pc.o_w),
        bind (vk, b, 0, C, &pc.o_b),
        bind (vk, out, r0 * C, nr * C, &pc.o_o),
      };
      guint32 g[3];
      flat_grid (vk, nr, 1, g); /* one workgroup per row */
      rali_vk_dispatch (vk, PIPE_LAYERNORM, keys, 1u << 3, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[B*T, C] = softmax(q kᵀ/√Dh) v per batch and head; chunks of whole images */
static void
vk_attention (RaliBackend *be, RaliBuf *out, RaliBuf *q, RaliBuf *k, RaliBuf *v, int B, int T, int H, int Dh)
{
  VkBackend *vk = VK (be);
  const guint32 *maxg = vk->props.limits.maxComputeWorkGroupCount;
  gsize C = (gsize) H * Dh, per = (gsize) T * C;
  q = f32_view (vk, q);
  k = f32_view (vk, k);
  v = f32_view (vk, v);
  if (!check_size (vk, "attention", "out", out, B * per, TRUE) ||
      !check_size (vk, "attention", "q", q, B * per, FALSE) || !check_size (vk, "attention", "k", k, B * per, FALSE) ||
      !check_size (vk, "attention", "v", v, B * per, FALSE) || !fits (vk, "attention", per, max_elems (vk, 4)))
    return;
  GError *err = NULL;
  guint32 bq;
  const Pipe *p = rali_vk_attention_pipe (vk, (guint32) Dh, &bq, &err);
  if (!p)
    {
      rali_vk_set_deferred (vk, err);
      return;
    }
  guint pipe = (guint) (p - &g_array_index (vk->pipes, Pipe, 0));
  /* grid: (query blocks, heads, images), each split at the count limits */
  guint32 qblocks = (guint32) ((T + bq - 1) / bq);
  gsize chunk = MIN (max_elems (vk, 4) / per, (gsize) maxg[2]);
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    for (guint32 h0 = 0; h0 < (guint32) H; h0 += maxg[1])
      for (guint32 qb0 = 0; qb0 < qblocks; qb0 += maxg[0])
        {
          gsize nb = MIN (chunk, B - b0);
          struct { guint32 T, C; float scale; guint32 o_q, o_k, o_v, o_o, qblock0, h0; } pc = {
            .T = (guint32) T, .C = (guint32) C, .scale = 1.0f / sqrtf ((float) Dh), .qblock0 = qb0, .h0 = h0,
          };
          BindKey keys[4] = {
            bind (vk, q, b0 * per, nb * per, &pc.o_q),
            bind (vk, k, b0 * per, nb * per, &pc.o_k),
            bind (vk, v, b0 * per, nb * per, &pc.o_v),
            bind (vk, out, b0 * per, nb * per, &pc.o_o),
          };
          rali_vk_dispatch (vk, pipe, keys, 1u << 3, &pc, sizeof pc, MIN (qblocks - qb0, maxg[0]),
                            MIN ((guint32) H - h0, maxg[1]), (guint32) nb);
        }
}

static void
vk_activation (RaliBackend *be, RaliBuf *x, gsize n, RaliActivation act)
{
  VkBackend *vk = VK (be);
  if (!check_size (vk, "activation", "x", x, n, TRUE))
    return;
  guint32 code; /* activation.comp's numbering */
  switch (act)
    {
    case RALI_ACT_QUICK_GELU: code = 0; break;
    case RALI_ACT_GELU: code = 1; break;
    case RALI_ACT_RELU: code = 2; break;
    case RALI_ACT_RELU6: code = 3; break;
    default:
      op_error (vk, "activation %d is not implemented", (int) act);
      return;
    }
  gsize chunk = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  for (gsize i0 = 0; i0 < n; i0 += chunk)
    {
      gsize m = MIN (chunk, n - i0);
      struct { guint32 n, act, o_x; } pc = { (guint32) m, code, 0 };
      BindKey keys[1] = { bind (vk, x, i0, m, &pc.o_x) };
      guint32 g[3];
      flat_grid (vk, m, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_ACTIVATION, keys, 1u << 0, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

static void
vk_add (RaliBackend *be, RaliBuf *x, RaliBuf *y, gsize n)
{
  VkBackend *vk = VK (be);
  y = f32_view (vk, y);
  if (!check_size (vk, "add", "x", x, n, TRUE) || !check_size (vk, "add", "y", y, n, FALSE))
    return;
  gsize chunk = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  for (gsize i0 = 0; i0 < n; i0 += chunk)
    {
      gsize m = MIN (chunk, n - i0);
      struct { guint32 n, o_x, o_y; } pc = { (guint32) m, 0, 0 };
      BindKey keys[2] = { bind (vk, x, i0, m, &pc.o_x), bind (vk, y, i0, m, &pc.o_y) };
      guint32 g[3];
      flat_grid (vk, m, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_ADD, keys, 1u << 0, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[B,C] = in[B,T,C][:, 0, :] */
static void
vk_take_class (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int T, int C)
{
  VkBackend *vk = VK (be);
  gsize per = (gsize) T * C;
  in = f32_view (vk, in);
  if (!check_size (vk, "take_class", "out", out, (gsize) B * C, TRUE) ||
      !check_size (vk, "take_class", "in", in, B * per, FALSE) || !fits (vk, "take_class", per, max_elems (vk, 4)))
    return;
  gsize chunk = MIN (max_elems (vk, 4) / per, flat_max (vk, vk->tune.wg_flat) / MAX (C, 1));
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, T, C, o_x, o_o; } pc = { (guint32) nb, (guint32) T, (guint32) C, 0, 0 };
      BindKey keys[2] = { bind (vk, in, b0 * per, (nb - 1) * per + C, &pc.o_x),
                          bind (vk, out, b0 * C, nb * C, &pc.o_o) };
      guint32 g[3];
      flat_grid (vk, nb * C, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_TAKE_CLASS, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[R,D] = in / max(|in|, 1e-12) per row (may alias); one workgroup per
 * row, like layernorm */
static void
vk_l2norm (RaliBackend *be, RaliBuf *out, RaliBuf *in, int R, int D)
{
  VkBackend *vk = VK (be);
  in = f32_view (vk, in);
  if (!check_size (vk, "l2norm", "out", out, (gsize) R * D, TRUE) ||
      !check_size (vk, "l2norm", "in", in, (gsize) R * D, FALSE) || !fits (vk, "l2norm", D, max_elems (vk, 4)))
    return;
  gsize chunk = MIN (max_elems (vk, 4) / MAX (D, 1), flat_max (vk, 1));
  for (gsize r0 = 0; r0 < (gsize) R; r0 += chunk)
    {
      gsize nr = MIN (chunk, R - r0);
      struct { guint32 R, D, o_x, o_o; } pc = { .R = (guint32) nr, .D = (guint32) D };
      BindKey keys[2] = { bind (vk, in, r0 * D, nr * D, &pc.o_x), bind (vk, out, r0 * D, nr * D, &pc.o_o) };
      guint32 g[3];
      flat_grid (vk, nr, 1, g); /* one workgroup per row */
      rali_vk_dispatch (vk, PIPE_L2NORM, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[B,Ho,Wo,C] = 3x3 depthwise conv of in[B,H,W,C], TF SAME padding, +
 * bias, ReLU6 when asked; chunks of whole images */
static void
vk_dwconv3x3 (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias,
              int B, int H, int W, int C, int stride, gboolean relu6)
{
  VkBackend *vk = VK (be);
  if (B < 1 || H < 1 || W < 1 || C < 1 || (stride != 1 && stride != 2))
    {
      op_error (vk, "dwconv3x3: B %d, %dx%dx%d, stride %d is not a valid shape", B, H, W, C, stride);
      return;
    }
  int py, px;
  gsize Ho = rali_conv_axis (H, 3, stride, RALI_PAD_SAME, &py), Wo = rali_conv_axis (W, 3, stride, RALI_PAD_SAME, &px);
  gsize per_in = (gsize) H * W * C, per_out = Ho * Wo * C;
  gsize limit = MIN (max_elems (vk, 4), flat_max (vk, vk->tune.wg_flat));
  in = f32_view (vk, in);
  w = f32_view (vk, w);
  bias = f32_view (vk, bias);
  if (!check_size (vk, "dwconv3x3", "out", out, B * per_out, TRUE) ||
      !check_size (vk, "dwconv3x3", "in", in, B * per_in, FALSE) ||
      !check_size (vk, "dwconv3x3", "w", w, (gsize) C * 9, FALSE) ||
      (bias && !check_size (vk, "dwconv3x3", "bias", bias, C, FALSE)) ||
      !fits (vk, "dwconv3x3", MAX (MAX (per_in, per_out), (gsize) C * 9), limit))
    return;
  RaliBuf *bias_buf = bias ? bias : vk->dummy;
  gsize chunk = limit / MAX (per_in, per_out);
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, H, W, C, Ho, Wo, stride, pad_y, pad_x, has_bias, relu6, o_x, o_w, o_bias, o_o; } pc = {
        .B = (guint32) nb, .H = (guint32) H, .W = (guint32) W, .C = (guint32) C, .Ho = (guint32) Ho,
        .Wo = (guint32) Wo, .stride = (guint32) stride, .pad_y = (guint32) py, .pad_x = (guint32) px,
        .has_bias = bias != NULL, .relu6 = relu6 != FALSE,
      };
      BindKey keys[4] = {
        bind (vk, in, b0 * per_in, nb * per_in, &pc.o_x),
        bind (vk, w, 0, (gsize) C * 9, &pc.o_w),
        bias ? bind (vk, bias_buf, 0, C, &pc.o_bias) : bind (vk, bias_buf, 0, 1, &pc.o_bias),
        bind (vk, out, b0 * per_out, nb * per_out, &pc.o_o),
      };
      guint32 g[3];
      flat_grid (vk, nb * per_out, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_DWCONV3X3, keys, 1u << 3, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

/* out[b·ldo + off + c] = mean over n of in[B,N,C][b,n,c]; chunks of whole images */
static void
vk_avgpool (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int N, int C, int ldo, int off)
{
  VkBackend *vk = VK (be);
  if (B < 1 || N < 1 || C < 1 || off < 0 || ldo < off + C)
    {
      op_error (vk, "avgpool: B %d, N %d, C %d, columns %d.. of %d is not a valid shape", B, N, C, off, ldo);
      return;
    }
  gsize per_in = (gsize) N * C;
  gsize bind_max = max_elems (vk, 4), inv_max = flat_max (vk, vk->tune.wg_flat);
  in = f32_view (vk, in);
  /* one invocation per (image, channel): the grid limits the channels, the
   * bindings an image's map and a row of out */
  if (!check_size (vk, "avgpool", "out", out, (gsize) (B - 1) * ldo + off + C, TRUE) ||
      !check_size (vk, "avgpool", "in", in, B * per_in, FALSE) ||
      !fits (vk, "avgpool", MAX (per_in, (gsize) ldo), bind_max) || !fits (vk, "avgpool", C, inv_max))
    return;
  gsize chunk = MIN (MIN (bind_max / per_in, bind_max / ldo), inv_max / C);
  for (gsize b0 = 0; b0 < (gsize) B; b0 += chunk)
    {
      gsize nb = MIN (chunk, B - b0);
      struct { guint32 B, N, C, ldo, o_x, o_o; } pc = {
        .B = (guint32) nb, .N = (guint32) N, .C = (guint32) C, .ldo = (guint32) ldo,
      };
      BindKey keys[2] = {
        bind (vk, in, b0 * per_in, nb * per_in, &pc.o_x),
        bind (vk, out, b0 * ldo + off, (nb - 1) * ldo + C, &pc.o_o),
      };
      guint32 g[3];
      flat_grid (vk, nb * C, vk->tune.wg_flat, g);
      rali_vk_dispatch (vk, PIPE_AVGPOOL, keys, 1u << 1, &pc, sizeof pc, g[0], g[1], g[2]);
    }
}

static gboolean
vk_sync (RaliBackend *be, GError **error)
{
  return rali_vk_flush (VK (be), error);
}

static void
vk_free (RaliBackend *be)
{
  VkBackend *vk = VK (be);
  if (!vk)
    return;
  if (vk->pending)
    {
      g_autoptr (GError) err = NULL;
      if (!rali_vk_flush (vk, &err))
        g_warning ("vulkan: work left at free failed: %s", err->message);
    }
  if (vk->dev)
    vk->fn.vkDeviceWaitIdle (vk->dev);
  rali_vk_print_profile (vk);
  if (vk->dummy)
    rali_vk_buf_free (vk, vk->dummy);
  rali_vk_exec_free (vk);
  rali_vk_device_free (vk);
}

static const RaliBackendOps vk_ops = {
  .name = "vulkan",
  .free = vk_free,
  .alloc = vk_alloc,
  .weight = vk_weight,
  .release = vk_release,
  .upload = vk_upload,
  .download = vk_download,
  .im2col = vk_im2col,
  .matmul = vk_matmul,
  .embed_tokens = vk_embed_tokens,
  .layernorm = vk_layernorm,
  .attention = vk_attention,
  .activation = vk_activation,
  .add = vk_add,
  .take_class = vk_take_class,
  .sync = vk_sync,
  .conv_im2col = vk_conv_im2col,
  .l2norm = vk_l2norm,
  .dwconv3x3 = vk_dwconv3x3,
  .avgpool = vk_avgpool,
  .weight_f32 = vk_weight_f32,
};

RaliBackend *
rali_backend_vulkan_new_full (const RaliVulkanOptions *opt, GError **error)
{
  static const RaliVulkanOptions defaults = { 0 };
  VkBackend *vk = rali_vk_device_new (opt ? opt : &defaults, error);
  if (!vk)
    return NULL;
  vk->parent.ops = &vk_ops;
  if (!rali_vk_pipelines_init (vk, error) || !(vk->dummy = rali_vk_buf_new (vk, 4, 4, error)))
    {
      vk_free (&vk->parent);
      return NULL;
    }
  vk->dummy->weight = TRUE;
  return &vk->parent;
}

RaliBackend *
rali_backend_vulkan_new (GError **error)
{
  return rali_backend_vulkan_new_full (NULL, error);
}

const char *
rali_backend_vulkan_describe (RaliBackend *be)
{
  g_return_val_if_fail (be && be->ops == &vk_ops, NULL);
  return VK (be)->description;
}
