/* CPU backend: OpenBLAS sgemm for every matrix product, plain fused C loops
 * for the rest.  This is also the oracle the Vulkan backend is tested against. */
#include "backend.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct _RaliBuf {
  float *data;
  gsize n;
  gboolean owned; /* weights borrow the model's memory */
};

#define D(buf) ((buf)->data)

static RaliBuf *
cpu_alloc (RaliBackend *be, gsize n, GError **error)
{
  (void) be;
  RaliBuf *b = g_new0 (RaliBuf, 1);
  b->data = g_try_new (float, MAX (n, 1));
  if (!b->data)
    {
      g_free (b);
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "cpu: out of memory for %zu floats", n);
      return NULL;
    }
  b->n = n;
  b->owned = TRUE;
  return b;
}

static RaliBuf *
cpu_weight (RaliBackend *be, const float *host, gsize n, GError **error)
{
  (void) be; (void) error;
  RaliBuf *b = g_new0 (RaliBuf, 1);
  b->data = (float *) host; /* never written: ops only read weights */
  b->n = n;
  return b;
}

static void
cpu_release (RaliBackend *be, RaliBuf *b)
{
  (void) be;
  if (b->owned)
    g_free (b->data);
  g_free (b);
}

static gboolean
cpu_upload (RaliBackend *be, RaliBuf *dst, const float *src, gsize n, GError **error)
{
  (void) be; (void) error;
  g_assert (n <= dst->n);
  memcpy (dst->data, src, n * sizeof (float));
  return TRUE;
}

static gboolean
cpu_download (RaliBackend *be, float *dst, RaliBuf *src, gsize n, GError **error)
{
  (void) be; (void) error;
  g_assert (n <= src->n);
  memcpy (dst, src->data, n * sizeof (float));
  return TRUE;
}

/* out[B*G*G, 3*P*P] */
static void
cpu_im2col (RaliBackend *be, RaliBuf *out, RaliBuf *pixels, int B, int S, int P)
{
  (void) be;
  int G = S / P, K = 3 * P * P;
  const float *px = D (pixels);
  float *o = D (out);
  for (int b = 0; b < B; b++)
    for (int gy = 0; gy < G; gy++)
      for (int gx = 0; gx < G; gx++)
        {
          float *row = o + ((gsize) (b * G + gy) * G + gx) * K;
          for (int c = 0; c < 3; c++)
            for (int py = 0; py < P; py++)
              memcpy (row + (c * P + py) * P,
                      px + (((gsize) b * 3 + c) * S + gy * P + py) * S + gx * P,
                      P * sizeof (float));
        }
}

static void
cpu_matmul (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, int M, int N, int K)
{
  (void) be;
  float *o = D (out);
  float beta = 0.0f;
  if (bias)
    {
      for (int m = 0; m < M; m++)
        memcpy (o + (gsize) m * N, D (bias), N * sizeof (float));
      beta = 1.0f;
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K,
               1.0f, D (in), K, D (w), K, beta, o, N);
}

static void
cpu_embed_tokens (RaliBackend *be, RaliBuf *out, RaliBuf *patches, RaliBuf *cls, RaliBuf *pos,
                  int B, int T, int C)
{
  (void) be;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      {
        float *o = D (out) + ((gsize) b * T + t) * C;
        const float *src = t == 0 ? D (cls) : D (patches) + ((gsize) b * (T - 1) + t - 1) * C;
        const float *p = D (pos) + (gsize) t * C;
        for (int i = 0; i < C; i++)
          o[i] = src[i] + p[i];
      }
}

/* two-pass variance: never E[x²] − mean² */
static void
cpu_layernorm (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *b, int R, int C, float eps)
{
  (void) be;
  for (int r = 0; r < R; r++)
    {
      const float *x = D (in) + (gsize) r * C;
      float *o = D (out) + (gsize) r * C;
      double mean = 0, var = 0;
      for (int i = 0; i < C; i++)
        mean += x[i];
      mean /= C;
      for (int i = 0; i < C; i++)
        var += (x[i] - mean) * (x[i] - mean);
      var /= C;
      float rstd = (float) (1.0 / sqrt (var + eps));
      for (int i = 0; i < C; i++)
        o[i] = (float) (x[i] - mean) * rstd * D (w)[i] + D (b)[i];
    }
}

static void
cpu_attention (RaliBackend *be, RaliBuf *out, RaliBuf *q, RaliBuf *k, RaliBuf *v, int B, int T, int H, int Dh)
{
  (void) be;
  int C = H * Dh;
  float scale = 1.0f / sqrtf ((float) Dh);
  float *att = g_new (float, (gsize) T * T);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      {
        gsize off = (gsize) b * T * C + (gsize) h * Dh;
        /* att[T,T] = q kᵀ · scale */
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, T, T, Dh,
                     scale, D (q) + off, C, D (k) + off, C, 0.0f, att, T);
        for (int i = 0; i < T; i++)
          {
            float *row = att + (gsize) i * T, mx = row[0], sum = 0;
            for (int j = 1; j < T; j++)
              mx = MAX (mx, row[j]);
            for (int j = 0; j < T; j++)
              sum += (row[j] = expf (row[j] - mx));
            float inv = 1.0f / sum;
            for (int j = 0; j < T; j++)
              row[j] *= inv;
          }
        /* out[T, Dh] = att · v */
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, T, Dh, T,
                     1.0f, att, T, D (v) + off, C, 0.0f, D (out) + off, C);
      }
  g_free (att);
}

static void
cpu_activation (RaliBackend *be, RaliBuf *x, gsize n, RaliActivation act)
{
  (void) be;
  float *p = D (x);
  if (act == RALI_ACT_QUICK_GELU)
    for (gsize i = 0; i < n; i++)
      p[i] = p[i] / (1.0f + expf (-1.702f * p[i]));
  else if (act == RALI_ACT_RELU)
    for (gsize i = 0; i < n; i++)
      p[i] = p[i] > 0.0f ? p[i] : 0.0f;
  else
    for (gsize i = 0; i < n; i++)
      p[i] = 0.5f * p[i] * (1.0f + erff (p[i] * (float) M_SQRT1_2));
}

static void
cpu_add (RaliBackend *be, RaliBuf *x, RaliBuf *y, gsize n)
{
  (void) be;
  for (gsize i = 0; i < n; i++)
    D (x)[i] += D (y)[i];
}

static void
cpu_take_class (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int T, int C)
{
  (void) be;
  for (int b = 0; b < B; b++)
    memcpy (D (out) + (gsize) b * C, D (in) + (gsize) b * T * C, C * sizeof (float));
}

static void
cpu_conv_im2col (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int Cin, int H, int W,
                 int k, int stride, int pad, gboolean nhwc)
{
  (void) be;
  int Ho = (H + 2 * pad - k) / stride + 1, Wo = (W + 2 * pad - k) / stride + 1;
  gsize K = (gsize) Cin * k * k;
  const float *x = D (in);
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++)
        {
          float *row = D (out) + (((gsize) b * Ho + oy) * Wo + ox) * K;
          for (int c = 0; c < Cin; c++)
            for (int ky = 0; ky < k; ky++)
              for (int kx = 0; kx < k; kx++)
                {
                  int y = oy * stride - pad + ky, xx = ox * stride - pad + kx;
                  float v = 0.0f;
                  if (y >= 0 && y < H && xx >= 0 && xx < W)
                    v = nhwc ? x[(((gsize) b * H + y) * W + xx) * Cin + c]
                             : x[(((gsize) b * Cin + c) * H + y) * W + xx];
                  row[(c * k + ky) * k + kx] = v;
                }
        }
}

/* the same arithmetic as rali_l2_normalize: results equal the host path's */
static void
cpu_l2norm (RaliBackend *be, RaliBuf *out, RaliBuf *in, int R, int D)
{
  (void) be;
  for (int r = 0; r < R; r++)
    {
      const float *x = in->data + (gsize) r * D;   /* D is the width here, not the macro */
      float *o = out->data + (gsize) r * D;
      double ss = 0;
      for (int i = 0; i < D; i++)
        ss += (double) x[i] * x[i];
      float inv = (float) (1.0 / MAX (sqrt (ss), 1e-12));
      for (int i = 0; i < D; i++)
        o[i] = x[i] * inv;
    }
}

static gboolean
cpu_sync (RaliBackend *be, GError **error)
{
  (void) be; (void) error;
  return TRUE;
}

typedef struct {
  RaliBackend parent;
  char *description;
} CpuBackend;

static void
cpu_free (RaliBackend *be)
{
  g_free (((CpuBackend *) be)->description);
  g_free (be);
}

static const RaliBackendOps cpu_ops = {
  .name = "cpu",
  .free = cpu_free,
  .alloc = cpu_alloc,
  .weight = cpu_weight,
  .release = cpu_release,
  .upload = cpu_upload,
  .download = cpu_download,
  .im2col = cpu_im2col,
  .matmul = cpu_matmul,
  .embed_tokens = cpu_embed_tokens,
  .layernorm = cpu_layernorm,
  .attention = cpu_attention,
  .activation = cpu_activation,
  .add = cpu_add,
  .take_class = cpu_take_class,
  .sync = cpu_sync,
  .conv_im2col = cpu_conv_im2col,
  .l2norm = cpu_l2norm,
};

/* "OpenBLAS 0.3.21 (Cooperlake kernels), 2 threads, AVX-512" */
static char *
describe (void)
{
  GString *s = g_string_new (NULL);
  /* openblas_get_config(): "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." */
  g_auto (GStrv) words = g_strsplit (openblas_get_config (), " ", 3);
  if (words[0] && words[1])
    g_string_append_printf (s, "%s %s", words[0], words[1]);
  else
    g_string_append (s, "OpenBLAS");
  const char *core = openblas_get_corename ();
  if (core && *core)
    g_string_append_printf (s, " (%s kernels)", core);
  int threads = openblas_get_num_threads ();
  g_string_append_printf (s, ", %d thread%s", threads, threads == 1 ? "" : "s");
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init ();
  const char *isa = __builtin_cpu_supports ("avx512f") ? "AVX-512"
                  : __builtin_cpu_supports ("avx2")    ? "AVX2"
                  : __builtin_cpu_supports ("avx")     ? "AVX"
                                                       : NULL;
  if (isa)
    g_string_append_printf (s, ", %s", isa);
#endif
  return g_string_free (s, FALSE);
}

RaliBackend *
rali_backend_cpu_new (GError **error)
{
  (void) error;
  CpuBackend *cpu = g_new0 (CpuBackend, 1);
  cpu->parent.ops = &cpu_ops;
  cpu->description = describe ();
  return &cpu->parent;
}

const char *
rali_backend_cpu_describe (RaliBackend *be)
{
  g_return_val_if_fail (be && be->ops == &cpu_ops, NULL);
  return ((CpuBackend *) be)->description;
}
