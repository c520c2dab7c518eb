/* CPU backend.  Two paths, chosen once per backend:
 *
 *   - AVX-512 or AVX2 processors (cpu-kernels.h): the backend's own threads
 *     are the only ones the forward uses.  Matrix products run the packed
 *     GEMM of cpu-avx512.c or cpu-avx2.c on weights packed once at load
 *     (weight_matrix), with the
 *     bias, activation and residual add in the GEMM's epilogue
 *     (matmul_fused); the attention runs head by head in cache; every
 *     other loop (layer norm, activations, adds, im2col, the depthwise
 *     convolution) is split over the same threads.  OpenBLAS is not called
 *     (its threads stay asleep): no two thread pools fight for the cores.
 *   - elsewhere (or RALI_CPU_KERNELS=openblas): OpenBLAS sgemm for every
 *     matrix product on its own threads, plain C loops for the rest (the
 *     depthwise convolution split over the backend's threads).
 *
 * This is also the oracle the Vulkan backend is tested against. */
#ifdef __linux__
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity, CPU_SET */
#endif
#include "backend.h"
#include "cpu-kernels.h"
#include "stages.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct _RaliBuf {
  float *data;
  gsize n;
  gboolean owned; /* weights borrow the model's memory */
  float *packed;  /* weight_matrix: W[pN,pK] packed for the GEMM (cpu-kernels.h), or NULL */
  guint32 *packed16; /* the same as bf16 pairs, on a bf16 backend (then packed is NULL) */
  int pN, pK;
};

#define D(buf) ((buf)->data)

#define MAX_THREADS 64

/* part: which of the ranges (0 on the calling thread), for per-part scratch */
typedef void (*RangeFunc) (gpointer data, gsize begin, gsize end, int part);

/* The backend's helper threads (threads − 1 of them, made with the
 * backend, so they inherit its creator's nice value): between two ops of a
 * forward, which come microseconds apart, a helper spins on the job
 * counter for a few tens of microseconds before it sleeps, so that an op
 * costs no futex round trip. */
typedef struct {
  GMutex lock;
  GCond wake, done;
  GThread *threads[MAX_THREADS];
  int n;                   /* helpers: parts 1..n */
  /* the current job: fn over ranges [bounds[i], bounds[i + 1]) */
  RangeFunc fn;
  gpointer data;
  gsize bounds[MAX_THREADS + 1];
  int parts;
  int nice;                /* the caller's */
  gint generation;         /* bumped per job */
  gint pending;            /* helpers that have not finished the job (all n take part) */
  gboolean quit;
  gboolean spread;         /* the threads fit on the processors: keep them apart */
  int caller_cpu;          /* the processor the job was published from */
} Pool;

typedef struct {
  Pool *pool;
  int index;               /* 1..n */
  int cpu;                 /* the processor its last part ran on */
} Helper;

/* Linux wakes a sleeping helper onto the processor of the thread that
 * wakes it, and leaves both there: a forward then ran at the speed of one
 * core in about half of the batch-1 benches on a 2-core Zen 5 (the same
 * speed as `taskset -c 0`; tools/bench/NOTES.md).  A thread that finds
 * itself on the other's processor moves off it once (its affinity without
 * that processor, then the whole set again), so that nothing stays pinned:
 * processes of `rali score --shard` must not be stacked on fixed cores. */
static void
move_off (int cpu)
{
#ifdef __linux__
  cpu_set_t allowed, others;
  if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity (0, sizeof allowed, &allowed) != 0 ||
      !CPU_ISSET (cpu, &allowed) || CPU_COUNT (&allowed) < 2)
    return;
  others = allowed;
  CPU_CLR (cpu, &others);
  if (sched_setaffinity (0, sizeof others, &others) == 0)
    sched_setaffinity (0, sizeof allowed, &allowed);
#else
  (void) cpu;
#endif
}

static inline int
this_cpu (void)
{
#ifdef __linux__
  return sched_getcpu ();
#else
  return -1;
#endif
}

typedef struct {
  RaliBackend parent;
  char *description;
  int threads;          /* rali_get_cpu_threads () at creation */
  Pool *pool;           /* NULL with one thread */
  Helper helpers[MAX_THREADS];
  gboolean fast;        /* the AVX-512 or AVX2 kernels (cpu-kernels.h) */
  gboolean bf16;        /* their matrix products on bf16 operands (fp32 sums) */
  float *scratch[MAX_THREADS]; /* per part of a parallel_for: packed A, attention scores */
  gsize scratch_n[MAX_THREADS];
} CpuBackend;

/* part's scratch of at least n floats, 64-byte aligned (kept between calls) */
static float *
scratch_for (CpuBackend *cpu, int part, gsize n)
{
  if (cpu->scratch_n[part] < n)
    {
      free (cpu->scratch[part]);
      cpu->scratch_n[part] = MAX (n, cpu->scratch_n[part] * 5 / 4);
      void *p = NULL;
      if (posix_memalign (&p, 64, cpu->scratch_n[part] * sizeof (float)) != 0)
        g_error ("cpu: out of memory for %zu floats of scratch", cpu->scratch_n[part]);
      cpu->scratch[part] = p;
    }
  return cpu->scratch[part];
}

/* this thread's nice value (Linux: per thread) */
static int
thread_nice (void)
{
#ifdef __linux__
  errno = 0;
  int n = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  return errno ? 0 : n;
#else
  return 0;
#endif
}

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* about 30 µs of pause instructions */
#define SPIN 1000

static gpointer
helper_main (gpointer data)
{
  Helper *h = data;
  Pool *p = h->pool;
  int adopted = thread_nice ();
  gint seen = 0;
  for (;;)
    {
      gint g = g_atomic_int_get (&p->generation);
      for (int s = 0; g == seen && s < SPIN; s++)
        {
          cpu_relax ();
          g = g_atomic_int_get (&p->generation);
        }
      if (g == seen)
        {
          g_mutex_lock (&p->lock);
          while ((g = g_atomic_int_get (&p->generation)) == seen && !p->quit)
            g_cond_wait (&p->wake, &p->lock);
          g_mutex_unlock (&p->lock);
        }
      if (g_atomic_int_get (&p->quit))
        return NULL;
      seen = g;
#ifdef __linux__
      /* a helper runs at no higher priority than the thread it helps (the
       * app scores at nice 5, so that the UI keeps its core); only ever
       * raised (lowering needs privileges) */
      if (p->nice > adopted)
        {
          setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), p->nice);
          adopted = thread_nice ();
        }
#endif
      /* every helper acknowledges every job, the ones without a range too,
       * so that none still reads a job when the next is written */
      if (h->index < p->parts)
        {
          if (p->spread && this_cpu () == p->caller_cpu)
            move_off (p->caller_cpu);
          p->fn (p->data, p->bounds[h->index], p->bounds[h->index + 1], h->index);
          h->cpu = this_cpu ();
        }
      if (g_atomic_int_dec_and_test (&p->pending))
        {
          g_mutex_lock (&p->lock);
          g_cond_signal (&p->done);
          g_mutex_unlock (&p->lock);
        }
    }
}

static void
pool_free (Pool *p)
{
  g_mutex_lock (&p->lock);
  g_atomic_int_set (&p->quit, TRUE);
  g_atomic_int_inc (&p->generation);
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);
  for (int i = 0; i < p->n; i++)
    g_thread_join (p->threads[i]);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->wake);
  g_cond_clear (&p->done);
  g_free (p);
}

/* NULL (one thread) when no helper could be made */
static Pool *
pool_new (CpuBackend *cpu, int helpers)
{
  Pool *p = g_new0 (Pool, 1);
  g_mutex_init (&p->lock);
  g_cond_init (&p->wake);
  g_cond_init (&p->done);
  for (int i = 0; i < helpers; i++)
    {
      cpu->helpers[i] = (Helper) { p, i + 1, -1 };
      g_autoptr (GError) error = NULL;
      p->threads[i] = g_thread_try_new ("rali-cpu", helper_main, &cpu->helpers[i], &error);
      if (!p->threads[i])
        break;
      p->n++;
    }
  if (p->n == 0)
    {
      pool_free (p);
      return NULL;
    }
#ifdef __linux__
  cpu_set_t allowed;
  p->spread = sched_getaffinity (0, sizeof allowed, &allowed) == 0 && CPU_COUNT (&allowed) >= p->n + 1;
#endif
  return p;
}

/* fn over [0, n) on up to cpu->threads threads (the caller's included), no
 * range shorter than grain; returns when every range is done.  One caller
 * at a time (an engine is used by one thread at a time). */
static void
parallel_for (CpuBackend *cpu, gsize n, gsize grain, RangeFunc fn, gpointer data)
{
  Pool *p = cpu->pool;
  gsize parts = p ? MIN ((gsize) p->n + 1, n / MAX (grain, 1)) : 1;
  if (parts <= 1)
    {
      fn (data, 0, n, 0);
      return;
    }
  p->fn = fn;
  p->data = data;
  for (gsize i = 0; i <= parts; i++)
    p->bounds[i] = n * i / parts;
  p->parts = (int) parts;
  p->nice = thread_nice ();
  p->caller_cpu = p->spread ? this_cpu () : -1;
  g_atomic_int_set (&p->pending, p->n);
  /* publish the job, then wake the helpers that went to sleep */
  g_mutex_lock (&p->lock);
  g_atomic_int_inc (&p->generation);
  g_cond_broadcast (&p->wake);
  g_mutex_unlock (&p->lock);
  fn (data, p->bounds[0], p->bounds[1], 0);
  for (int s = 0; g_atomic_int_get (&p->pending) > 0 && s < SPIN; s++)
    cpu_relax ();
  if (g_atomic_int_get (&p->pending) > 0)
    {
      g_mutex_lock (&p->lock);
      while (g_atomic_int_get (&p->pending) > 0)
        g_cond_wait (&p->done, &p->lock);
      g_mutex_unlock (&p->lock);
      /* woken by a helper: perhaps onto its processor */
      if (p->spread)
        {
          int here = this_cpu ();
          for (int i = 1; i < (int) parts; i++)
            if (cpu->helpers[i - 1].cpu == here)
              {
                move_off (here);
                break;
              }
        }
    }
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
  free (b->packed);
  free (b->packed16);
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

/* output rows [begin, end) of the B·Ho rows: per output pixel, the taps
 * inside the input (zero padding contributes nothing), then all C channels
 * four at a time, accumulated in registers */
static void
dwconv_rows (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  const RaliDwConv *a = data;
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
dwconv_rows_fast (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  rali_dwconv_rows (data, begin, end);
}

static void
cpu_dwconv3x3 (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias,
               int B, int H, int W, int C, int stride, gboolean relu6)
{
  CpuBackend *cpu = (CpuBackend *) be;
  RaliDwConv a = { .in = D (in), .bias = bias ? D (bias) : NULL, .out = D (out), .H = H, .W = W, .C = C,
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
  parallel_for (cpu, rows, MAX (1, 16384 / MAX (per_row, 1)), cpu->fast ? dwconv_rows_fast : dwconv_rows, &a);
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


/* ---- the kernels' path (cpu->fast; cpu-kernels.h) ---- */

static float *
aligned_floats (gsize n)
{
  void *p = NULL;
  return posix_memalign (&p, 64, MAX (n, 1) * sizeof (float)) == 0 ? p : NULL;
}

typedef struct {
  float *dst;
  const float *w;
  int N, K;
} PackArgs;

static void
pack_panels (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  PackArgs *a = data;
  rali_pack_b_nk (a->dst, a->w, a->N, a->K, a->K, (int) begin, (int) end);
}

/* W[N,K] packed into dst (rali_packed_b_size floats), on the backend's threads */
static void
pack_weight (CpuBackend *cpu, float *dst, const float *w, int N, int K)
{
  PackArgs a = { dst, w, N, K };
  parallel_for (cpu, (N + RALI_NR - 1) / RALI_NR, 1, pack_panels, &a);
}

static void
pack_panels16 (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  PackArgs *a = data;
  rali_pack_b16_nk ((guint32 *) a->dst, a->w, a->N, a->K, a->K, (int) begin, (int) end);
}

static RaliBuf *
cpu_weight_matrix (RaliBackend *be, const float *host, int N, int K, GError **error)
{
  CpuBackend *cpu = (CpuBackend *) be;
  RaliBuf *b = cpu_weight (be, host, (gsize) N * K, error);
  if (cpu->bf16)
    b->packed16 = (guint32 *) aligned_floats (rali_packed_b16_size (N, K));
  else
    b->packed = aligned_floats (rali_packed_b_size (N, K));
  if (!b->packed && !b->packed16)
    {
      g_free (b);
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND, "cpu: out of memory for a %d x %d weight", N, K);
      return NULL;
    }
  b->pN = N;
  b->pK = K;
  if (b->packed16)
    {
      PackArgs a = { (float *) b->packed16, host, N, K };
      parallel_for (cpu, (N + RALI_NR - 1) / RALI_NR, 1, pack_panels16, &a);
    }
  else
    pack_weight (cpu, b->packed, host, N, K);
  return b;
}

typedef struct {
  CpuBackend *cpu;
  float *out;
  const float *in, *bp;
  const guint32 *bp16;  /* bf16 weights instead of bp */
  RaliEpilogue e;
  int M, N, K, R, P, RB, nRB;
  gboolean by_panels; /* parts take panels (all rows), else row blocks (all panels) */
} GemmArgs;

/* one part of a GEMM: panels or row blocks [begin, end); the rows of each
 * row block packed once into this part's scratch */
static void
gemm_part (gpointer data, gsize begin, gsize end, int part)
{
  const GemmArgs *g = data;
  float *ap = scratch_for (g->cpu, part, (gsize) g->RB * RALI_MR * g->K);
  int b0 = g->by_panels ? 0 : (int) begin, b1 = g->by_panels ? g->nRB : (int) end;
  int p0 = g->by_panels ? (int) begin : 0, p1 = g->by_panels ? (int) end : g->P;
  for (int rb = b0; rb < b1; rb++)
    {
      int r0 = rb * g->RB, nr = MIN (g->R, r0 + g->RB) - r0, m0 = r0 * RALI_MR;
      RaliEpilogue e = g->e;
      if (e.residual)
        e.residual += (gsize) m0 * e.ldr;
      if (g->bp16)
        {
          /* bf16: the rows rounded to bf16 pairs as they are packed */
          rali_pack_a16 ((guint32 *) ap, g->in + (gsize) m0 * g->K, g->M - m0, g->K, g->K, 0, nr);
          rali_gemm_bf16 (g->out + (gsize) m0 * g->N, g->N, (const guint32 *) ap, g->bp16, g->M - m0, g->N, g->K,
                          0, nr, p0, p1, &e);
          continue;
        }
      /* whole micro-panels of rows are read in place, the last partial one
       * packed.  Packing them paid for nothing the tile needs (it reads the
       * same 12 cache lines per 16 k either way) and each thread packed
       * every row it used: on the MobileNetV2's 1x1 convolutions it cost a
       * tenth of the forward, and on a Zen 5 reading ViT rows in place too
       * (K 768 and 3072, packed until 2026-12-07) measured ViT-B/16 at batch
       * 16 1.07x, ViT-L/14@336 at batch 1 1.03x, batch 1 of ViT-B/16 the
       * same (5 alternating rounds; tools/bench/NOTES.md) */
      int full = MIN (nr, (g->M - m0) / RALI_MR);
      if (full > 0)
        rali_gemm_rows (g->out + (gsize) m0 * g->N, g->N, g->in + (gsize) m0 * g->K, g->K, g->bp, g->M - m0, g->N,
                        g->K, 0, full, p0, p1, &e);
      if (full < nr)
        {
          rali_pack_a (ap, g->in + (gsize) m0 * g->K, g->M - m0, g->K, g->K, 1.0f, full, nr);
          rali_gemm_packed (g->out + (gsize) m0 * g->N, g->N, ap, g->bp, g->M - m0, g->N, g->K, full, nr, p0, p1, &e);
        }
    }
}

/* out[M,N] = act(in · wᵀ + bias) + residual (backend.h matmul_fused) */
static void
cpu_matmul_fused (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, RaliBuf *residual,
                  int M, int N, int K, int act)
{
  CpuBackend *cpu = (CpuBackend *) be;
  /* a weight uploaded without its shape (a test's, or an activation): packed now */
  float *tmp = NULL;
  const float *bp = w->packed;
  const guint32 *bp16 = w->pN == N && w->pK == K ? w->packed16 : NULL;
  if (!bp16 && (!bp || w->pN != N || w->pK != K))
    {
      bp = tmp = aligned_floats (rali_packed_b_size (N, K));
      g_assert (tmp);
      pack_weight (cpu, tmp, D (w), N, K);
    }
  GemmArgs g = { .cpu = cpu, .out = D (out), .in = D (in), .bp = bp, .bp16 = bp16, .M = M, .N = N, .K = K,
                 .e = { .bias = bias ? D (bias) : NULL, .residual = residual ? D (residual) : NULL, .ldr = N,
                        .act = act } };
  g.R = (M + RALI_MR - 1) / RALI_MR;
  g.P = (N + RALI_NR - 1) / RALI_NR;
  /* a row block's rows (read in place, or packed) stay in L2 (192 KB)
   * while the panels pass */
  g.RB = CLAMP (49152 / (RALI_MR * MAX (K, 1)), 1, 64);
  g.nRB = (g.R + g.RB - 1) / g.RB;
  /* split the panels when there are enough for every thread, else the
   * rows.  But bf16 rows are packed (rounded) by each thread that reads
   * them, and split by panels every thread reads all of them: with four
   * row blocks a thread or more, each takes its own rows and packs them
   * once (bf16 ViT-B/16 at batch 16 1.06x, ViT-L/14@336 1.04x on a Zen 5;
   * tools/bench/NOTES.md) */
  g.by_panels = (g.P >= 4 * cpu->threads || g.nRB < cpu->threads) && !(bp16 && g.nRB >= 4 * cpu->threads);
  gsize n = g.by_panels ? (gsize) g.P : (gsize) g.nRB;
  /* below ~1 MFLOP one thread is faster than waking another */
  gsize grain = (double) M * N * K < 5e5 ? n : 1;
  parallel_for (cpu, n, grain, gemm_part, &g);
  free (tmp);
}

static void
cpu_matmul_fast (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, int M, int N, int K)
{
  cpu_matmul_fused (be, out, in, w, bias, NULL, M, N, K, RALI_ACT_NONE);
}

typedef struct {
  CpuBackend *cpu;
  float *out;
  const float *q, *k, *v;
  int T, H, Dh;
} AttnArgs;

/* heads [begin, end) of the B·H */
static void
attention_heads (gpointer data, gsize begin, gsize end, int part)
{
  const AttnArgs *a = data;
  int C = a->H * a->Dh;
  float *scratch = scratch_for (a->cpu, part, rali_attention_scratch_size (a->T, a->Dh));
  for (gsize u = begin; u < end; u++)
    {
      gsize b = u / a->H, h = u % a->H, off = b * a->T * C + h * a->Dh;
      (a->cpu->bf16 ? rali_attention_head_bf16 : rali_attention_head) (a->out + off, C, a->q + off, a->k + off,
                                                                      a->v + off, C, a->T, a->Dh,
                                                                      1.0f / sqrtf ((float) a->Dh), scratch);
    }
}

static void
cpu_attention_fast (RaliBackend *be, RaliBuf *out, RaliBuf *q, RaliBuf *k, RaliBuf *v, int B, int T, int H, int Dh)
{
  CpuBackend *cpu = (CpuBackend *) be;
  AttnArgs a = { cpu, D (out), D (q), D (k), D (v), T, H, Dh };
  parallel_for (cpu, (gsize) B * H, 1, attention_heads, &a);
}

typedef struct {
  float *out, *x;
  const float *in, *w, *b, *y;
  int C, act;
  float eps;
} LoopArgs;

static void
layernorm_part (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  const LoopArgs *a = data;
  rali_layernorm_rows (a->out, a->in, a->w, a->b, a->C, a->eps, begin, end);
}

static void
cpu_layernorm_fast (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *b, int R, int C, float eps)
{
  LoopArgs a = { .out = D (out), .in = D (in), .w = D (w), .b = D (b), .C = C, .eps = eps };
  parallel_for ((CpuBackend *) be, R, MAX (1, 32768 / MAX (C, 1)), layernorm_part, &a);
}

static void
activation_part (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  const LoopArgs *a = data;
  rali_activation_range (a->x, begin, end, a->act);
}

static void
cpu_activation_fast (RaliBackend *be, RaliBuf *x, gsize n, RaliActivation act)
{
  LoopArgs a = { .x = D (x), .act = act };
  parallel_for ((CpuBackend *) be, n, 32768, activation_part, &a);
}

static void
add_part (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  const LoopArgs *a = data;
  rali_add_range (a->x, a->y, begin, end);
}

static void
cpu_add_fast (RaliBackend *be, RaliBuf *x, RaliBuf *y, gsize n)
{
  LoopArgs a = { .x = D (x), .y = D (y) };
  parallel_for ((CpuBackend *) be, n, 65536, add_part, &a);
}

typedef struct {
  float *out;
  const float *in;
  int B, Cin, H, W, k, stride, pad;
  gboolean nhwc;
} Im2colArgs;

/* the conv_im2col columns of output row oy of image b: row[Wo, Cin·k·k] */
static void
im2col_row (const Im2colArgs *a, int b, int oy, float *row)
{
  int py, px, k = a->k, s = a->stride, Cin = a->Cin, H = a->H, W = a->W;
  rali_conv_axis (H, k, s, a->pad, &py);
  int Wo = rali_conv_axis (W, k, s, a->pad, &px);
  gsize K = (gsize) Cin * k * k, xs = a->nhwc ? (gsize) Cin : 1; /* stride of x in the input */
  /* output columns whose k taps are all inside the input: [x0, x1) */
  int x0, x1;
  rali_conv_inside (W, k, s, px, Wo, &x0, &x1);
  const int edges[2][2] = { { 0, x0 }, { x1, Wo } };
  for (int c = 0; c < Cin; c++)
    for (int ky = 0; ky < k; ky++)
      {
        int y = oy * s - py + ky;
        float *dst = row + (gsize) (c * k + ky) * k;
        if (y < 0 || y >= H)
          {
            for (int ox = 0; ox < Wo; ox++)
              memset (dst + (gsize) ox * K, 0, (gsize) k * sizeof (float));
            continue;
          }
        /* input row y of channel c, at its x = 0 */
        const float *src = a->nhwc ? a->in + (((gsize) b * H + y) * W) * Cin + c
                                   : a->in + (((gsize) b * Cin + c) * H + y) * W;
        /* the frame's edges, tap by tap */
        for (int e = 0; e < 2; e++)
          for (int ox = edges[e][0]; ox < edges[e][1]; ox++)
            {
              int xx = ox * s - px;
              for (int kx = 0; kx < k; kx++)
                dst[(gsize) ox * K + kx] = xx + kx >= 0 && xx + kx < W ? src[(gsize) (xx + kx) * xs] : 0.0f;
            }
        /* inside it, plain copies (three a pixel for the stems' 3x3 on planes) */
        if (k == 3 && xs == 1)
          for (int ox = x0; ox < x1; ox++)
            {
              const float *p = src + ox * s - px;
              float *d = dst + (gsize) ox * K;
              d[0] = p[0], d[1] = p[1], d[2] = p[2];
            }
        else
          for (int ox = x0; ox < x1; ox++)
            for (int kx = 0; kx < k; kx++)
              dst[(gsize) ox * K + kx] = src[(gsize) (ox * s - px + kx) * xs];
      }
}

/* output rows [begin, end) of the B·Ho rows of conv_im2col */
static void
conv_im2col_part (gpointer data, gsize begin, gsize end, int part)
{
  (void) part;
  const Im2colArgs *a = data;
  int py, px;
  int Ho = rali_conv_axis (a->H, a->k, a->stride, a->pad, &py), Wo = rali_conv_axis (a->W, a->k, a->stride, a->pad, &px);
  gsize K = (gsize) a->Cin * a->k * a->k;
  for (gsize r = begin; r < end; r++)
    im2col_row (a, (int) (r / Ho), (int) (r % Ho), a->out + r * Wo * K);
}

static void
cpu_conv_im2col_fast (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int Cin, int H, int W,
                      int k, int stride, int pad, gboolean nhwc)
{
  Im2colArgs a = { D (out), D (in), B, Cin, H, W, k, stride, pad, nhwc };
  int py;
  int Ho = rali_conv_axis (H, k, stride, pad, &py);
  parallel_for ((CpuBackend *) be, (gsize) B * Ho, 8, conv_im2col_part, &a);
}

typedef struct {
  CpuBackend *cpu;
  Im2colArgs cols;        /* its out unused */
  const float *bp;        /* packed [N, K] */
  RaliEpilogue e;
  float *out;
  int Ho, Wo, N;
} ConvArgs;

/* output rows [begin, end) of the B·Ho: each row's columns built in this
 * thread's scratch, then its product */
static void
conv_part (gpointer data, gsize begin, gsize end, int part)
{
  const ConvArgs *a = data;
  int K = a->cols.Cin * a->cols.k * a->cols.k, M = a->Wo;
  gsize n_cols = (gsize) rali_round16 (M * K);
  float *scratch = scratch_for (a->cpu, part, n_cols + (gsize) RALI_MR * K + 16);
  float *cols = (float *) (((guintptr) scratch + 63) & ~(guintptr) 63);
  for (gsize r = begin; r < end; r++)
    {
      im2col_row (&a->cols, (int) (r / a->Ho), (int) (r % a->Ho), cols);
      rali_gemm_rows_any (a->out + r * M * a->N, cols, a->bp, M, a->N, K, &a->e, cols + n_cols);
    }
}

/* out = act(conv_im2col(in) · wᵀ + bias), a row of output pixels at a time
 * (backend.h conv_fused): the columns never leave the cache.  The stem of
 * the default model wrote and read 27 floats a pixel of 224 x 224 through
 * memory, a twelfth of its forward */
static gboolean
cpu_conv_fused (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, int B, int Cin, int H,
                int W, int k, int stride, int pad, gboolean nhwc, int N, int act)
{
  CpuBackend *cpu = (CpuBackend *) be;
  int K = Cin * k * k, py, px;
  /* fp32 weights packed at load only (bf16 backends: the two ops) */
  if (!w->packed || w->pN != N || w->pK != K)
    return FALSE;
  ConvArgs a = { .cpu = cpu, .cols = { NULL, D (in), B, Cin, H, W, k, stride, pad, nhwc }, .bp = w->packed,
                 .e = { .bias = bias ? D (bias) : NULL, .act = act }, .out = D (out), .N = N };
  a.Ho = rali_conv_axis (H, k, stride, pad, &py);
  a.Wo = rali_conv_axis (W, k, stride, pad, &px);
  parallel_for (cpu, (gsize) B * a.Ho, 2, conv_part, &a);
  return TRUE;
}

typedef struct {
  CpuBackend *cpu;
  RaliInvertedResidual ir;
  gsize scratch;
} IrArgs;

static void
inverted_residual_part (gpointer data, gsize begin, gsize end, int part)
{
  const IrArgs *a = data;
  float *scratch = scratch_for (a->cpu, part, a->scratch);
  rali_inverted_residual_bands (&a->ir, begin, end, (float *) (((guintptr) scratch + 63) & ~(guintptr) 63));
}

static gboolean
cpu_inverted_residual (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *expand_w, RaliBuf *expand_b,
                       RaliBuf *dw_w, RaliBuf *dw_b, RaliBuf *project_w, RaliBuf *project_b,
                       int B, int H, int W, int Cin, int Cexp, int Cout, int stride, gboolean residual)
{
  CpuBackend *cpu = (CpuBackend *) be;
  /* fp32 weights packed at load only (bf16 backends: the three ops) */
  if ((expand_w && (!expand_w->packed || expand_w->pN != Cexp || expand_w->pK != Cin)) ||
      !project_w->packed || project_w->pN != Cout || project_w->pK != Cexp || (!expand_w && Cin != Cexp))
    return FALSE;
  IrArgs a = { .cpu = cpu };
  RaliInvertedResidual *ir = &a.ir;
  *ir = (RaliInvertedResidual) { .in = D (in), .out = D (out), .expand_bp = expand_w ? expand_w->packed : NULL,
                                 .expand_b = expand_b ? D (expand_b) : NULL, .dw_b = dw_b ? D (dw_b) : NULL,
                                 .project_bp = project_w->packed, .project_b = project_b ? D (project_b) : NULL,
                                 .H = H, .W = W, .Cin = Cin, .Cexp = Cexp, .Cout = Cout, .stride = stride,
                                 .residual = residual };
  ir->Ho = rali_conv_axis (H, 3, stride, RALI_PAD_SAME, &ir->py);
  ir->Wo = rali_conv_axis (W, 3, stride, RALI_PAD_SAME, &ir->px);
  g_autofree float *wt = g_new (float, (gsize) 9 * Cexp);
  for (int c = 0; c < Cexp; c++)
    for (int k = 0; k < 9; k++)
      wt[(gsize) k * Cexp + c] = D (dw_w)[(gsize) c * 9 + k];
  ir->wt = wt;
  ir->band = rali_inverted_residual_band (ir, B, cpu->pool ? cpu->pool->n + 1 : 1);
  a.scratch = rali_inverted_residual_scratch (ir) + 16;
  parallel_for (cpu, (gsize) B * ((ir->Ho + ir->band - 1) / ir->band), 1, inverted_residual_part, &a);
  return TRUE;
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
    pool_free (cpu->pool);
  for (int i = 0; i < MAX_THREADS; i++)
    free (cpu->scratch[i]);
  g_free (cpu->description);
  g_free (be);
}

static const RaliBackendOps cpu_ops_openblas = {
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

/* the same ops on the AVX-512 kernels, and the two that only they have */
static const RaliBackendOps cpu_ops_fast = {
  .name = "cpu",
  .free = cpu_free,
  .alloc = cpu_alloc,
  .weight = cpu_weight,
  .release = cpu_release,
  .upload = cpu_upload,
  .download = cpu_download,
  .im2col = cpu_im2col,
  .matmul = cpu_matmul_fast,
  .embed_tokens = cpu_embed_tokens,
  .layernorm = cpu_layernorm_fast,
  .attention = cpu_attention_fast,
  .activation = cpu_activation_fast,
  .add = cpu_add_fast,
  .take_class = cpu_take_class,
  .sync = cpu_sync,
  .conv_im2col = cpu_conv_im2col_fast,
  .l2norm = cpu_l2norm,
  .dwconv3x3 = cpu_dwconv3x3,
  .avgpool = cpu_avgpool,
  .weight_matrix = cpu_weight_matrix,
  .matmul_fused = cpu_matmul_fused,
  .inverted_residual = cpu_inverted_residual,
  .conv_fused = cpu_conv_fused,
};

/* "AVX-512 kernels (fp32, weights packed at load), 2 threads; OpenBLAS 0.3.21
 * (Cooperlake kernels) besides", or on the OpenBLAS path "OpenBLAS 0.3.21
 * (Haswell kernels), 2 threads, AVX2" */
static char *
describe (gboolean fast, gboolean bf16, int threads)
{
  GString *s = g_string_new (NULL);
  if (fast)
    g_string_append_printf (s, "%s kernels (%s, weights packed at load), %d thread%s; ", rali_cpu_kernels_isa (),
                            bf16 ? "bf16 products, fp32 sums" : "fp32", threads, threads == 1 ? "" : "s");
  /* openblas_get_config(): "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." */
  g_auto (GStrv) words = g_strsplit (openblas_get_config (), " ", 3);
  if (words[0] && words[1])
    g_string_append_printf (s, "%s %s", words[0], words[1]);
  else
    g_string_append (s, "OpenBLAS");
  const char *core = openblas_get_corename ();
  if (core && *core)
    g_string_append_printf (s, " (%s kernels)", core);
  if (fast)
    {
      g_string_append (s, " besides");
      return g_string_free (s, FALSE);
    }
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
static int cpu_precision_wanted = RALI_PRECISION_AUTO;

gboolean
rali_set_cpu_precision (RaliPrecision precision, GError **error)
{
  if (precision == RALI_PRECISION_BF16 && !rali_cpu_kernels_bf16_usable ())
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                   "bf16 needs a processor with AVX512_BF16 (and the AVX-512 kernels: RALI_CPU_KERNELS is not "
                   "'openblas' or 'avx2')");
      return FALSE;
    }
  g_atomic_int_set (&cpu_precision_wanted, precision);
  return TRUE;
}

RaliPrecision
rali_get_cpu_precision (void)
{
  /* auto is fp32 until bf16 is validated on the evaluation set (issue 18) */
  int p = g_atomic_int_get (&cpu_precision_wanted);
  return p == RALI_PRECISION_AUTO ? RALI_PRECISION_FP32 : (RaliPrecision) p;
}

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

static RaliBackend *
cpu_new (gboolean fast, gboolean bf16)
{
  CpuBackend *cpu = g_new0 (CpuBackend, 1);
  cpu->fast = fast;
  cpu->bf16 = fast && bf16;
  cpu->parent.ops = cpu->fast ? &cpu_ops_fast : &cpu_ops_openblas;
  cpu->threads = rali_get_cpu_threads ();
  cpu->description = describe (cpu->fast, cpu->bf16, cpu->threads);
  if (cpu->threads > 1)
    cpu->pool = pool_new (cpu, cpu->threads - 1);
  return &cpu->parent;
}

RaliBackend *
rali_backend_cpu_new (GError **error)
{
  (void) error;
  return cpu_new (rali_cpu_kernels_usable (), rali_get_cpu_precision () == RALI_PRECISION_BF16);
}

RaliBackend *
rali_backend_cpu_new_path (gboolean kernels, GError **error)
{
  if (kernels && !rali_cpu_kernels_isa ())
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                   "this processor (or build) has neither the AVX-512 nor the AVX2 kernels");
      return NULL;
    }
  return cpu_new (kernels, FALSE);
}

const char *
rali_backend_cpu_describe (RaliBackend *be)
{
  g_return_val_if_fail (be && (be->ops == &cpu_ops_fast || be->ops == &cpu_ops_openblas), NULL);
  return ((CpuBackend *) be)->description;
}
