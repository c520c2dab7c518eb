/* The one interface compute backends implement (ggml-backend style).
 *
 * vit.c describes the forward as a sequence of these ops on backend-owned
 * buffers; a backend may run each op at once (CPU) or record it and run the
 * lot at sync() (Vulkan).  Buffers hold F32 values; a backend is free to
 * store weights in another precision internally.
 *
 * Shapes: matrices are row-major; `w` of a linear layer is [N, K] as
 * PyTorch stores it, so out[M,N] = in[M,K] · wᵀ + bias[N]. */
#pragma once

#include "rali.h"

typedef struct _RaliBackend RaliBackend;
typedef struct _RaliBuf RaliBuf;

typedef struct {
  const char *name;
  void      (*free)        (RaliBackend *be);
  /* a buffer of n floats; contents undefined */
  RaliBuf  *(*alloc)       (RaliBackend *be, gsize n, GError **error);
  /* weights: uploaded once, never written by ops */
  RaliBuf  *(*weight)      (RaliBackend *be, const float *host, gsize n, GError **error);
  void      (*release)     (RaliBackend *be, RaliBuf *buf);
  gboolean  (*upload)      (RaliBackend *be, RaliBuf *dst, const float *src, gsize n, GError **error);
  gboolean  (*download)    (RaliBackend *be, float *dst, RaliBuf *src, gsize n, GError **error);

  /* out[B*G*G, 3*P*P] = patches of pixels[B, 3, S, S] in (c, py, px) order */
  void (*im2col)       (RaliBackend *be, RaliBuf *out, RaliBuf *pixels, int B, int S, int P);
  /* out[M,N] = in[M,K] · w[N,K]ᵀ (+ bias[N] unless NULL) */
  void (*matmul)       (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias,
                        int M, int N, int K);
  /* out[B,T,C]: row 0 = cls + pos[0], row t = patches[B,T-1,C][t-1] + pos[t] */
  void (*embed_tokens) (RaliBackend *be, RaliBuf *out, RaliBuf *patches, RaliBuf *cls, RaliBuf *pos,
                        int B, int T, int C);
  /* out[R,C] = (in − mean)/sqrt(var + eps) · w + b, per row (may alias) */
  void (*layernorm)    (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *b,
                        int R, int C, float eps);
  /* out[B*T, C] = softmax(q kᵀ / sqrt(Dh)) v per batch and head; q,k,v [B*T, C], head h at columns h*Dh */
  void (*attention)    (RaliBackend *be, RaliBuf *out, RaliBuf *q, RaliBuf *k, RaliBuf *v,
                        int B, int T, int H, int Dh);
  /* x[n] = act(x) */
  void (*activation)   (RaliBackend *be, RaliBuf *x, gsize n, RaliActivation act);
  /* x[n] += y[n] */
  void (*add)          (RaliBackend *be, RaliBuf *x, RaliBuf *y, gsize n);
  /* out[B,C] = in[B,T,C][:, 0, :] */
  void (*take_class)   (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int T, int C);

  /* Runs everything issued so far and reports the first deferred error. */
  gboolean (*sync)     (RaliBackend *be, GError **error);

  /* Convolution as GEMM: out[B*Ho*Wo, Cin*k*k], columns in (c, ky, kx)
   * order like a PyTorch weight [Cout, Cin, k, k]; zero padding.  `in` is
   * [B, Cin, H, W] (nhwc FALSE, the pixels) or [B, H, W, Cin] (nhwc TRUE,
   * a previous GEMM's output).  pad ≥ 0: pad on every side, Ho = (H + 2 pad
   * − k) / stride + 1; pad = RALI_PAD_SAME: TensorFlow's SAME padding
   * (rali_conv_axis), Ho = ceil(H / stride). */
  void (*conv_im2col)  (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int Cin, int H, int W,
                        int k, int stride, int pad, gboolean nhwc);

  /* Optional (NULL: the caller normalises on the host, rali_l2_normalize).
   * out[R,D] = in / max(|in|₂, 1e-12) per row, torch F.normalize (may alias) */
  void (*l2norm)       (RaliBackend *be, RaliBuf *out, RaliBuf *in, int R, int D);

  /* ---- convolutional towers (cnn.c); activations NHWC, so that a 1x1
   * convolution is a plain matmul on the [B*H*W, C] rows ---- */

  /* 3x3 depthwise convolution, TensorFlow SAME padding (rali_conv_axis):
   * out[B,Ho,Wo,C] = bias[c] + Σ_{ky,kx} w[c,ky,kx] · in[b, oy·stride − py + ky, ox·stride − px + kx, c],
   * then min(max(·, 0), 6) when relu6.  in [B,H,W,C]; w [C,1,3,3] as
   * PyTorch stores a depthwise weight; bias [C] or NULL; stride 1 or 2;
   * Ho = ceil(H / stride), Wo = ceil(W / stride). */
  void (*dwconv3x3)    (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias,
                        int B, int H, int W, int C, int stride, gboolean relu6);
  /* Global average pool: out[b·ldo + off + c] = (1/N) Σ_n in[B,N,C][b, n, c]
   * (N = H·W of an NHWC map); ldo ≥ off + C, so that pooled maps of several
   * widths are concatenated in the rows of one [B, ldo] matrix.  The other
   * columns of out are not written. */
  void (*avgpool)      (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int N, int C, int ldo, int off);
  /* Optional (NULL: ->weight).  A weight kept in fp32 whatever precision
   * the backend stores weights in: for the few small tensors a result is
   * sensitive to (a MobileNetV2's depthwise filters and biases: with batch
   * norm folded in, fp16 rounding of them moves its features by several
   * percent). */
  RaliBuf  *(*weight_f32)  (RaliBackend *be, const float *host, gsize n, GError **error);

  /* Optional (NULL: ->weight).  The weight W[N,K] of a matrix product
   * (matmul's w), so that the backend can lay it out for its GEMM once, at
   * load (the CPU backend's AVX-512 path packs it in panels). */
  RaliBuf  *(*weight_matrix) (RaliBackend *be, const float *host, int N, int K, GError **error);
  /* Optional (NULL: matmul, then activation and add).  out[M,N] =
   * act(in[M,K] · w[N,K]ᵀ + bias[N]) + residual[M,N], in one pass over out:
   * bias and residual may be NULL, residual may be out itself; act is a
   * RaliActivation or RALI_ACT_NONE (-1). */
  void (*matmul_fused) (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, RaliBuf *residual,
                        int M, int N, int K, int act);
  /* Optional (NULL, or FALSE returned: the caller runs the three ops).  A
   * MobileNetV2 inverted residual block in one op, NHWC:
   *   h = relu6(in · expand_wᵀ + expand_b)   (h = in when expand_w is NULL)
   *   d = relu6(dwconv3x3/stride(h) + dw_b)  (TF SAME padding, as dwconv3x3)
   *   out = d · project_wᵀ + project_b (+ in when residual)
   * in [B,H,W,Cin], out [B,Ho,Wo,Cout]; weights as weight_matrix / weight_f32
   * gave them.  Nothing is written when FALSE is returned. */
  gboolean (*inverted_residual) (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *expand_w, RaliBuf *expand_b,
                                 RaliBuf *dw_w, RaliBuf *dw_b, RaliBuf *project_w, RaliBuf *project_b,
                                 int B, int H, int W, int Cin, int Cexp, int Cout, int stride, gboolean residual);
  /* Optional (NULL, or FALSE returned: conv_im2col, then matmul_fused).  A
   * convolution in one op: out[B·Ho·Wo, N] = act(cols · wᵀ + bias), cols
   * what conv_im2col (same arguments) would write, w [N, Cin·k·k] as
   * weight_matrix gave it, act as matmul_fused's.  Nothing is written when
   * FALSE is returned. */
  gboolean (*conv_fused) (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, int B, int Cin,
                          int H, int W, int k, int stride, int pad, gboolean nhwc, int N, int act);
} RaliBackendOps;

/* matmul_fused's act for none */
#define RALI_ACT_NONE (-1)

/* conv_im2col's pad for TensorFlow SAME padding */
#define RALI_PAD_SAME (-1)

/* One axis of a k-tap convolution over n inputs: returns the output size
 * and sets *before to the zero padding ahead of input 0.  pad ≥ 0 pads both
 * ends (PyTorch); RALI_PAD_SAME is TensorFlow's: out = ceil(n / stride),
 * total = max((out − 1)·stride + k − n, 0), before = total / 2, the odd
 * pixel after the end (at stride 2 on an even n: none before, one after). */
static inline int
rali_conv_axis (int n, int k, int stride, int pad, int *before)
{
  if (pad == RALI_PAD_SAME)
    {
      int out = (n + stride - 1) / stride;
      int total = MAX ((out - 1) * stride + k - n, 0);
      *before = total / 2;
      return out;
    }
  *before = pad;
  return (n + 2 * pad - k) / stride + 1;
}

/* The outputs [*o0, *o1) of that axis (n_out of them, before as
 * rali_conv_axis gave it) whose k taps all fall inside the n inputs: the
 * ones that need no padding test */
static inline void
rali_conv_inside (int n, int k, int stride, int before, int n_out, int *o0, int *o1)
{
  int x0 = MIN ((before + stride - 1) / stride, n_out), x1 = n_out;
  while (x1 > x0 && (x1 - 1) * stride - before + k > n)
    x1--;
  *o0 = x0, *o1 = x1;
}

struct _RaliBackend {
  const RaliBackendOps *ops;
};

RaliBackend *rali_backend_cpu_new (GError **error);
/* The CPU backend on a given path, whatever $RALI_CPU_KERNELS says: kernels
 * TRUE for the AVX-512 kernels (cpu-kernels.h; NULL with
 * RALI_ERROR_UNSUPPORTED where the processor lacks them), FALSE for
 * OpenBLAS.  For tests comparing the two. */
RaliBackend *rali_backend_cpu_new_path (gboolean kernels, GError **error);
/* "AVX-512 kernels (fp32, weights packed at load), 2 threads; OpenBLAS 0.3.21
 * (Cooperlake kernels) besides", or "OpenBLAS 0.3.21 (Haswell kernels), 2
 * threads, AVX2" */
const char  *rali_backend_cpu_describe (RaliBackend *be);
/* NULL with an error when no usable Vulkan device exists */
RaliBackend *rali_backend_vulkan_new (GError **error);

/* Vulkan backend options (engine/vk-*.c).  A zeroed struct means the
 * defaults, where the environment decides:
 *   RALI_VULKAN_DEVICE=INDEX|NAME   device by index or name substring
 *   RALI_VULKAN_FP16=1              store weights as fp16 (fp32 accumulation)
 *   RALI_VULKAN_VALIDATE=1          Khronos validation layer; errors fail sync()
 *   RALI_VULKAN_PROFILE=1           per-op GPU times to stderr at free
 *   RALI_VULKAN_PIPELINE_CACHE=0    do not persist the pipeline cache
 *   RALI_VULKAN_LOADER=PATH         loader library (default libvulkan.so.1)
 * and, for tests: RALI_VULKAN_FORCE_STAGING=1 (never map device buffers),
 *   RALI_VULKAN_TEST_LIMITS=binding:B,groups:G,shared:S,invocations:I (lower limits)
 * Errors: RALI_ERROR_UNSUPPORTED when no loader or no usable device exists
 * (callers may fall back to the CPU), RALI_ERROR_BACKEND for failures. */
typedef enum {
  RALI_VULKAN_FP16_FROM_ENV,
  RALI_VULKAN_FP16_OFF,
  RALI_VULKAN_FP16_ON,      /* where the device has storageBuffer16BitAccess */
} RaliVulkanFp16;

typedef struct {
  const char *device;       /* index or name substring; NULL: $RALI_VULKAN_DEVICE, else best type */
  gboolean gpu_only;        /* refuse CPU-type devices (lavapipe) unless named by device/env */
  RaliVulkanFp16 fp16;
} RaliVulkanOptions;

RaliBackend *rali_backend_vulkan_new_full (const RaliVulkanOptions *opt, GError **error);
/* "llvmpipe (LLVM 15.0.6, 256 bits), CPU, Mesa 22.3.6, fp32 weights" */
const char  *rali_backend_vulkan_describe (RaliBackend *be);
/* validation-layer errors seen by this process (RALI_VULKAN_VALIDATE=1) */
guint        rali_backend_vulkan_validation_errors (void);

/* ---- the ViT on top of a backend (vit.c) ---- */

typedef struct _RaliVit RaliVit;

/* Called after each named stage with host copies, for tests against a
 * PyTorch dump: "embeddings" [B,T,C] (after pre-LN), "layer.N" [B,T,C],
 * "pooled" [B,C] (after post-LN), "features" [B,D]. */
typedef void (*RaliVitTraceFunc) (const char *stage, const float *data, gsize n, gpointer user_data);

RaliVit *rali_vit_new     (const RaliModel *model, RaliBackend *be, GError **error);
void     rali_vit_free    (RaliVit *vit);
gboolean rali_vit_forward (RaliVit *vit, const float *pixels, int B, float *features,
                           RaliVitTraceFunc trace, gpointer trace_data, GError **error);
/* As rali_vit_forward; embeddings (optional) [B,D] gets the unit embeddings
 * e = f / max(|f|, 1e-12), normalised on the backend where it has l2norm.
 * Not traced: the trace stages stay those of the PyTorch dump. */
gboolean rali_vit_forward_ex (RaliVit *vit, const float *pixels, int B, float *features,
                              float *embeddings, RaliVitTraceFunc trace, gpointer trace_data,
                              GError **error);

/* The towers' common tail (vit.c): features_buf [B,D] = pooled [B,P] ·
 * proj_wᵀ; with embeddings, the unit rows in embeddings_buf (on the backend
 * when it has l2norm, else on the host); then runs the backend, downloads
 * features (and embeddings) and traces "features". */
gboolean rali_tower_project (RaliBackend *be, RaliBuf *features_buf, RaliBuf *embeddings_buf, RaliBuf *pooled,
                             RaliBuf *proj_w, int B, int D, int P, float *features, float *embeddings,
                             RaliVitTraceFunc trace, gpointer trace_data, GError **error);

/* The matrix products of a forward of B images, as vit.c issues them,
 * appended to out (RaliGemmShape of stages.h) */
void rali_vit_gemm_shapes (const RaliConfig *c, int B, GArray *out);
/* count more products of op [M,K]·[K,N] in out, merged with an equal earlier entry */
void rali_gemm_shape_add (GArray *out, const char *op, int M, int N, int K, int count);

/* ---- MobileNetV2 on top of a backend (cnn.c) ---- */

typedef struct _RaliCnn RaliCnn;

/* Trace stages (host copies, NHWC like the PyTorch dump): "stem"
 * [B,H,W,C] (after ReLU6), "block.N" [B,H,W,C] (after the residual add),
 * "final" [B,H,W,cnn_final] (after ReLU6), "pooled" [B, cnn_pooled] (the
 * final map's mean, then the taps'), "features" [B,D]. */
RaliCnn *rali_cnn_new        (const RaliModel *model, RaliBackend *be, GError **error);
void     rali_cnn_free       (RaliCnn *cnn);
/* As rali_vit_forward_ex: features [B,D]; embeddings (optional) [B,D] the unit rows */
gboolean rali_cnn_forward_ex (RaliCnn *cnn, const float *pixels, int B, float *features, float *embeddings,
                              RaliVitTraceFunc trace, gpointer trace_data, GError **error);
/* The same on pixels [B,3,H,W] of any shape (a whole-frame model's input;
 * the tower is fully convolutional and pools globally), each side at most
 * RALI_MAX_CNN_INPUT_SIDE.  Buffers grow to the largest shape seen. */
#define RALI_MAX_CNN_INPUT_SIDE (4 * RALI_MAX_CNN_IMAGE_SIZE)
gboolean rali_cnn_forward_hw (RaliCnn *cnn, const float *pixels, int B, int H, int W, float *features,
                              float *embeddings, RaliVitTraceFunc trace, gpointer trace_data, GError **error);
/* As rali_vit_gemm_shapes, for cnn.c's forward (on S x S, or on H x W) */
void     rali_cnn_gemm_shapes (const RaliConfig *c, int B, GArray *out);
void     rali_cnn_gemm_shapes_hw (const RaliConfig *c, int B, int H, int W, GArray *out);
/* The depthwise convolutions' multiply-adds of that forward, as FLOPs */
double   rali_cnn_dwconv_flops_hw (const RaliConfig *c, int B, int H, int W);
