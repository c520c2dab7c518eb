/* CPU backend: OpenBLAS sgemm for every matrix product, plain fused C loops
 * for the rest (the depthwise convolution split over threads).  This is
 * also the oracle the Vulkan backend is tested against. */
#include "backend.h"
#include "stages.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct _RaliBuf {
  float *data;
  gsize n;
  gboolean owned; /* weights borrow the model's memory */
};

#define D(buf) ((buf)->data)

typedef struct {
  RaliBackend parent;
  char *description;
  int threads;          /* as many as OpenBLAS uses */
  GThreadPool *pool;    /* threads − 1 helpers; NULL with one thread */
} CpuBackend;

/* ---- parallel_for: [0, n) split into contiguous ranges, one per thread ---- */

typedef void (*RangeFunc) (gpointer data, gsize begin, gsize end);

typedef struct {
  GMutex lock;
  GCond done;
  int left;
} Latch;

typedef struct {
  RangeFunc fn;
  gpointer data;
  gsize begin, end;
  Latch *latch;
} RangeTask;

static void
range_task_run (gpointer task, gpointer user_data)
{
  (void) user_data;
  RangeTask *t = task;
  t->fn (t->data, t->begin, t->end);
  g_mutex_lock (&t->latch->lock);
  if (--t->latch->left == 0)
    g_cond_signal (&t->latch->done);
  g_mutex_unlock (&t->latch->lock);
}

#define MAX_THREADS 64

/* fn over [0, n) on up to cpu->threads threads (the caller's included), no
 * range shorter than grain; returns when every range is done */
static void
parallel_for (CpuBackend *cpu, gsize n, gsize grain, RangeFunc fn, gpointer data)
{
  gsize parts = MIN ((gsize) cpu->threads, n / MAX (grain, 1));
  if (parts <= 1 || !cpu->pool)
    {
      fn (data, 0, n);
      return;
    }
  RangeTask tasks[MAX_THREADS];
  Latch latch = { .left = (int) parts - 1 };
  g_mutex_init (&latch.lock);
  g_cond_init (&latch.done);
  for (gsize i = 0; i < parts; i++)
    tasks[i] = (RangeTask) { fn, data, n * i / parts, n * (i + 1) / parts, &latch };
  for (gsize i = 1; i < parts; i++)
    g_thread_pool_push (cpu->pool, &tasks[i], NULL);
  fn (data, tasks[0].begin, tasks[0].end);
  g_mutex_lock (&latch.lock);
  while (latch.left > 0)
    g_cond_wait (&latch.done, &latch.lock);
  g_mutex_unlock (&latch.lock);
  g_mutex_clear (&latch.lock);
  g_cond_clear (&latch.done);
}

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

/* Four floats as one value (GCC and clang vector extensions, SSE or NEON
 * registers), for the channel loops of the convolutional tower's ops: -O2's
 * vectoriser leaves loops of unknown length scalar, and a scalar clamp on
 * random signs is a branch mispredicted every other element. */
typedef float F4 __attribute__ ((vector_size (16)));
typedef gint32 I4 __attribute__ ((vector_size (16)));

static inline F4
ld4 (const float *p)
{
  F4 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
st4 (float *p, F4 v)
{
  memcpy (p, &v, sizeof v);
}

/* min(max(v, 0), 6), lane by lane and branch-free (NaN becomes 0) */
static inline F4
relu6_4 (F4 v)
{
  const F4 zero = { 0, 0, 0, 0 }, six = { 6, 6, 6, 6 };
  v = (F4) ((I4) v & (v > zero));
  I4 lt = v < six;
  return (F4) (((I4) v & lt) | ((I4) six & ~lt));
}

static inline float
relu6_1 (float v)
{
  v = v > 0.0f ? v : 0.0f;
  return v < 6.0f ? v : 6.0f;
}

static void
relu6_inplace (float *p, gsize n)
{
  gsize i = 0;
  for (; i + 4 <= n; i += 4)
    st4 (p + i, relu6_4 (ld4 (p + i)));
  for (; i < n; i++)
    p[i] = relu6_1 (p[i]);
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
  else if (act == RALI_ACT_RELU6)
    relu6_inplace (p, n);
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
  int py, px; /* padding ahead of row and column 0 */
  int Ho = rali_conv_axis (H, k, stride, pad, &py), Wo = rali_conv_axis (W, k, stride, pad, &px);
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
                  int y = oy * stride - py + ky, xx = ox * stride - px + kx;
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

typedef struct {
  const float *in, *wt, *bias; /* wt [9][C]: the weight transposed, so that the channel loop is contiguous */
  float *out;
  int H, W, C, Ho, Wo, stride, py, px;
  gboolean relu6;
} DwArgs;

/* output rows [begin, end) of the B·Ho rows: per output pixel, the taps
 * inside the input (zero padding contributes nothing), then all C channels
 * four at a time, accumulated in registers */
static void
dwconv_rows (gpointer data, gsize begin, gsize end)
{
  const DwArgs *a = data;
  const int C = a->C;
  for (gsize r = begin; r < end; r++)
    {
      int b = (int) (r / a->Ho), oy = (int) (r % a->Ho);
      for (int ox = 0; ox < a->Wo; ox++)
        {
          const float *src[9], *wk[9];
          int nt = 0;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
              {
                int y = oy * a->stride - a->py + ky, x = ox * a->stride - a->px + kx;
                if (y < 0 || y >= a->H || x < 0 || x >= a->W)
                  continue;
                src[nt] = a->in + (((gsize) b * a->H + y) * a->W + x) * C;
                wk[nt++] = a->wt + (gsize) (ky * 3 + kx) * C;
              }
          float *o = a->out + (r * a->Wo + ox) * C;
          int c = 0;
          for (; c + 4 <= C; c += 4)
            {
              F4 acc = a->bias ? ld4 (a->bias + c) : (F4) { 0, 0, 0, 0 };
              for (int t = 0; t < nt; t++)
                acc += ld4 (wk[t] + c) * ld4 (src[t] + c);
              st4 (o + c, a->relu6 ? relu6_4 (acc) : acc);
            }
          for (; c < C; c++)
            {
              float acc = a->bias ? a->bias[c] : 0.0f;
              for (int t = 0; t < nt; t++)
                acc += wk[t][c] * src[t][c];
              o[c] = a->relu6 ? relu6_1 (acc) : acc;
            }
        }
    }
}

static void
cpu_dwconv3x3 (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias,
               int B, int H, int W, int C, int stride, gboolean relu6)
{
  CpuBackend *cpu = (CpuBackend *) be;
  DwArgs a = { .in = D (in), .bias = bias ? D (bias) : NULL, .out = D (out), .H = H, .W = W, .C = C,
               .stride = stride, .relu6 = relu6 };
  a.Ho = rali_conv_axis (H, 3, stride, RALI_PAD_SAME, &a.py);
  a.Wo = rali_conv_axis (W, 3, stride, RALI_PAD_SAME, &a.px);
  g_autofree float *wt = g_new (float, (gsize) 9 * C);
  for (int c = 0; c < C; c++)
    for (int k = 0; k < 9; k++)
      wt[(gsize) k * C + c] = D (w)[(gsize) c * 9 + k];
  a.wt = wt;
  /* a few thousand multiply-adds per range at least */
  gsize rows = (gsize) B * a.Ho, per_row = (gsize) a.Wo * C * 9;
  parallel_for (cpu, rows, MAX (1, 16384 / MAX (per_row, 1)), dwconv_rows, &a);
}

static void
cpu_avgpool (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int N, int C, int ldo, int off)
{
  (void) be;
  g_autofree double *acc = g_new (double, MAX (C, 1));
  for (int b = 0; b < B; b++)
    {
      memset (acc, 0, sizeof (double) * C);
      for (int n = 0; n < N; n++)
        {
          const float *x = D (in) + ((gsize) b * N + n) * C;
          for (int c = 0; c < C; c++)
            acc[c] += x[c];
        }
      float *o = D (out) + (gsize) b * ldo + off;
      for (int c = 0; c < C; c++)
        o[c] = (float) (acc[c] / N);
    }
}

static gboolean
cpu_sync (RaliBackend *be, GError **error)
{
  (void) be; (void) error;
  return TRUE;
}

static void
cpu_free (RaliBackend *be)
{
  CpuBackend *cpu = (CpuBackend *) be;
  if (cpu->pool)
    g_thread_pool_free (cpu->pool, FALSE, TRUE);
  g_free (cpu->description);
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
  .dwconv3x3 = cpu_dwconv3x3,
  .avgpool = cpu_avgpool,
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

static int cpu_threads_wanted; /* rali_set_cpu_threads; 0: OpenBLAS's count */

void
rali_set_cpu_threads (int n)
{
  n = CLAMP (n, 0, MAX_THREADS);
  g_atomic_int_set (&cpu_threads_wanted, n);
  if (n > 0)
    openblas_set_num_threads (n);
}

int
rali_get_cpu_threads (void)
{
  int n = g_atomic_int_get (&cpu_threads_wanted);
  return CLAMP (n > 0 ? n : openblas_get_num_threads (), 1, MAX_THREADS);
}

RaliBackend *
rali_backend_cpu_new (GError **error)
{
  (void) error;
  CpuBackend *cpu = g_new0 (CpuBackend, 1);
  cpu->parent.ops = &cpu_ops;
  cpu->description = describe ();
  cpu->threads = rali_get_cpu_threads ();
  /* not exclusive: helper threads are GLib's shared ones, made on demand */
  if (cpu->threads > 1)
    cpu->pool = g_thread_pool_new (range_task_run, NULL, cpu->threads - 1, FALSE, NULL);
  return &cpu->parent;
}

const char *
rali_backend_cpu_describe (RaliBackend *be)
{
  g_return_val_if_fail (be && be->ops == &cpu_ops, NULL);
  return ((CpuBackend *) be)->description;
}
