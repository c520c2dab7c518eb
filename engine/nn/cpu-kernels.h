/* The CPU backend's own kernels, used instead of OpenBLAS where the
 * processor has AVX-512 (F, DQ, BW, VL: cpu-avx512.c) or else AVX2 with FMA
 * (cpu-avx2.c): a packed GEMM with the bias, the activation and a residual
 * add in its epilogue, the attention of one head in cache, the depthwise
 * convolution and the MobileNetV2 block row by row, and the row and element
 * loops.  Both instruction sets take the same layouts and give the same
 * sums in the same order; cpu-kernels.c picks one per process and these
 * functions call it.  Every function here runs on the calling thread;
 * backend-cpu.c splits the work over its threads (the only threads the
 * forward uses: OpenBLAS is not called on this path).
 *
 * Layouts.  A weight W[N,K] (PyTorch's [out, in]) is packed once, at load,
 * into panels of RALI_NR columns: panel j holds W[j·NR + n, k] at
 * [(j·K + k)·NR + n], zero past N.  The left operand A[M,K] is packed per
 * call into micro-panels of RALI_MR rows, [(r·K + k)·MR + i], zero past M.
 * Then C[M,N] = A · Wᵀ is RALI_MR x RALI_NR tiles, each a register block
 * accumulated over all of K (no K blocking: a tile's sums never leave the
 * registers before the epilogue, so the result does not depend on how the
 * work is split; the AVX2 kernels run a tile as four 6 x 16 blocks, each
 * element's sum the same chain of FMAs).  fp32 throughout. */
#pragma once

#include "backend.h"

#define RALI_MR 12
#define RALI_NR 32

/* TRUE when this processor (and this build) can run the AVX-512 kernels,
 * or the AVX2 ones (AVX2 and FMA) */
gboolean rali_cpu_has_avx512 (void);
gboolean rali_cpu_has_avx2 (void);
/* The kernels this process runs: "AVX-512" where the processor has it,
 * else "AVX2", else NULL; $RALI_CPU_KERNELS=avx2 takes the AVX2 kernels on
 * an AVX-512 processor too (for comparing and testing them there) */
const char *rali_cpu_kernels_isa (void);
/* rali_cpu_kernels_isa () is not NULL, and $RALI_CPU_KERNELS is not
 * "openblas" (the OpenBLAS path, for comparing): backends use the kernels */
gboolean rali_cpu_kernels_usable (void);

static inline int
rali_round16 (int n)
{
  return (n + 15) & ~15;
}

/* floats of a packed W[N,K] */
static inline gsize
rali_packed_b_size (int N, int K)
{
  return (gsize) ((N + RALI_NR - 1) / RALI_NR) * RALI_NR * K;
}

/* floats of a packed A[M,K] */
static inline gsize
rali_packed_a_size (int M, int K)
{
  return (gsize) ((M + RALI_MR - 1) / RALI_MR) * RALI_MR * K;
}

/* dst = W[N,K] (row stride lds) packed in panels; panels [p0, p1) only */
void rali_pack_b_nk (float *dst, const float *w, int N, int K, int lds, int p0, int p1);
/* dst = the panels of Bᵀ for a B[K,N] stored row-major (row stride lds):
 * C = A · B, as for the attention's weights · V */
void rali_pack_b_kn (float *dst, const float *b, int N, int K, int lds);
/* dst = scale · A[M,K] (row stride lda) packed in micro-panels; micro-panels [r0, r1) only */
void rali_pack_a (float *dst, const float *a, int M, int K, int lda, float scale, int r0, int r1);

/* What a tile's epilogue does to the sums s = A·Wᵀ at (m, n):
 *   C[m, n] = act(s + bias[n]) + residual[m·ldr + n]
 * bias and residual optional (NULL); residual may be C itself. */
typedef struct {
  const float *bias;
  const float *residual;
  int ldr;
  int act;          /* RaliActivation or RALI_ACT_NONE */
} RaliEpilogue;

/* C[M,N] (row stride ldc), the tiles of micro-panels [r0, r1) x panels
 * [p0, p1), from packed A and packed W */
void rali_gemm_packed (float *c, int ldc, const float *ap, const float *bp, int M, int N, int K,
                       int r0, int r1, int p0, int p1, const RaliEpilogue *e);

/* As rali_gemm_packed with A[M,K] read in place (row stride lda), not
 * packed: micro-panels [r0, r1) must be full (r1·RALI_MR ≤ M) */
void rali_gemm_rows (float *c, int ldc, const float *a, int lda, const float *bp, int M, int N, int K,
                     int r0, int r1, int p0, int p1, const RaliEpilogue *e);

/* C[M,N] = epilogue(A[M,K] · Wᵀ) for any M, A's rows contiguous (lda = K,
 * ldc = N): whole micro-panels read in place, the last partial one packed
 * into pack (RALI_MR·K floats) */
void rali_gemm_rows_any (float *c, const float *a, const float *bp, int M, int N, int K, const RaliEpilogue *e,
                         float *pack);

/* ---- bf16 (AVX512_BF16): operands rounded to bf16 (nearest even), their
 * products summed in fp32 by vdpbf16ps.  Layouts as above with k taken in
 * pairs (K2 = ceil(K/2)), each pair of bf16 one 32-bit element: a weight
 * panel [(j·K2 + kp)·NR + n], a micro-panel [(r·K2 + kp)·MR + i]. */
gboolean rali_cpu_has_avx512_bf16 (void);
/* the kernels are usable, they are the AVX-512 set, and the processor has AVX512_BF16 */
gboolean rali_cpu_kernels_bf16_usable (void);

static inline gsize
rali_packed_b16_size (int N, int K) /* guint32 elements */
{
  return (gsize) ((N + RALI_NR - 1) / RALI_NR) * RALI_NR * ((K + 1) / 2);
}

static inline gsize
rali_packed_a16_size (int M, int K) /* guint32 elements */
{
  return (gsize) ((M + RALI_MR - 1) / RALI_MR) * RALI_MR * ((K + 1) / 2);
}

void rali_pack_b16_nk (guint32 *dst, const float *w, int N, int K, int lds, int p0, int p1);
void rali_pack_a16 (guint32 *dst, const float *a, int M, int K, int lda, int r0, int r1);
/* b [K, N] as rali_pack_b_kn (the attention's v), in pairs along k */
void rali_pack_b16_kn (guint32 *dst, const float *b, int N, int K, int lds);
void rali_gemm_bf16 (float *c, int ldc, const guint32 *ap, const guint32 *bp, int M, int N, int K,
                     int r0, int r1, int p0, int p1, const RaliEpilogue *e);

/* One head of attention, in place of the backend's per-head sgemm:
 * out[T, Dh] (row stride ldo) = softmax(q kᵀ · scale) v, q k v [T, Dh]
 * with row stride ld.  scratch: rali_attention_scratch_size floats. */
gsize rali_attention_scratch_size (int T, int Dh);
void  rali_attention_head (float *out, int ldo, const float *q, const float *k, const float *v, int ld,
                           int T, int Dh, float scale, float *scratch);
/* The same on bf16 operands (fp32 sums and softmax), for bf16 backends;
 * the same scratch size */
void  rali_attention_head_bf16 (float *out, int ldo, const float *q, const float *k, const float *v, int ld,
                                int T, int Dh, float scale, float *scratch);

/* A 3x3 depthwise convolution (backend.h dwconv3x3), its weight transposed
 * to wt[9][C] so that the channel loop is contiguous */
typedef struct {
  const float *in, *wt, *bias;
  float *out;
  int H, W, C, Ho, Wo, stride, py, px;
  gboolean relu6;
} RaliDwConv;

/* output rows [r0, r1) of the B·Ho rows */
void rali_dwconv_rows (const RaliDwConv *a, gsize r0, gsize r1);

/* A MobileNetV2 inverted residual block, band by band (backend.h
 * inverted_residual): a band of output rows' input rows expanded together
 * (those shared with the band before kept), its depthwise rows, then its
 * projection, all in L2: the expanded maps never reach memory. */
typedef struct {
  const float *in;          /* [B,H,W,Cin] */
  float *out;               /* [B,Ho,Wo,Cout] */
  const float *expand_bp;   /* packed [Cexp,Cin], or NULL (t = 1: the input is the expanded map) */
  const float *expand_b, *wt, *dw_b, *project_bp, *project_b;
  int H, W, Cin, Cexp, Cout, Ho, Wo, stride, py, px;
  int band;                 /* output rows a band (rali_inverted_residual_band) */
  gboolean residual;
} RaliInvertedResidual;

/* floats of a band of G output rows' expanded input rows: none at t = 1,
 * where the depthwise reads the block's input */
static inline gsize
rali_inverted_residual_expanded_floats (const RaliInvertedResidual *a, int G)
{
  return a->expand_bp ? (gsize) ((G - 1) * a->stride + 3) * a->W * a->Cexp : 0;
}

/* output rows a band for a forward of B images on parts threads: the
 * fewest micro-panel rows on the busiest thread, within a cache budget */
int   rali_inverted_residual_band (const RaliInvertedResidual *a, int B, int parts);
/* floats of scratch per part (a->band set) */
gsize rali_inverted_residual_scratch (const RaliInvertedResidual *a);
/* bands [u0, u1) of the B·ceil(Ho / band), each image's in order */
void  rali_inverted_residual_bands (const RaliInvertedResidual *a, gsize u0, gsize u1, float *scratch);

/* rows [r0, r1) of out[R,C] = (in − mean) / sqrt(var + eps) · w + b (two-pass variance; may alias) */
void rali_layernorm_rows (float *out, const float *in, const float *w, const float *b, int C, float eps,
                          gsize r0, gsize r1);
/* x[i] = act(x[i]) for i in [i0, i1) */
void rali_activation_range (float *x, gsize i0, gsize i1, int act);
/* x[i] += y[i] for i in [i0, i1) */
void rali_add_range (float *x, const float *y, gsize i0, gsize i1);

/* ---- the kernel sets behind the functions above (cpu-kernels.c calls
 * the one rali_cpu_kernels_isa names): the same layouts and results ---- */
typedef struct {
  const char *isa;
  void (*pack_b_nk) (float *dst, const float *w, int N, int K, int lds, int p0, int p1);
  void (*pack_b_kn) (float *dst, const float *b, int N, int K, int lds);
  void (*pack_a) (float *dst, const float *a, int M, int K, int lda, float scale, int r0, int r1);
  void (*gemm_packed) (float *c, int ldc, const float *ap, const float *bp, int M, int N, int K, int r0, int r1,
                       int p0, int p1, const RaliEpilogue *e);
  void (*gemm_rows) (float *c, int ldc, const float *a, int lda, const float *bp, int M, int N, int K, int r0,
                     int r1, int p0, int p1, const RaliEpilogue *e);
  void (*gemm_rows_any) (float *c, const float *a, const float *bp, int M, int N, int K, const RaliEpilogue *e,
                         float *pack);
  void (*attention_head) (float *out, int ldo, const float *q, const float *k, const float *v, int ld, int T,
                          int Dh, float scale, float *scratch);
  void (*dwconv_rows) (const RaliDwConv *a, gsize r0, gsize r1);
  void (*inverted_residual_bands) (const RaliInvertedResidual *a, gsize r0, gsize r1, float *scratch);
  void (*layernorm_rows) (float *out, const float *in, const float *w, const float *b, int C, float eps, gsize r0,
                          gsize r1);
  void (*activation_range) (float *x, gsize i0, gsize i1, int act);
  void (*add_range) (float *x, const float *y, gsize i0, gsize i1);
} RaliCpuKernelSet;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RALI_CPU_KERNELS_X86 1
extern const RaliCpuKernelSet rali_cpu_kernels_avx512, rali_cpu_kernels_avx2;
#endif
