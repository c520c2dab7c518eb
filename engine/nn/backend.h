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
   * a previous GEMM's output).  Ho = (H + 2 pad − k) / stride + 1. */
  void (*conv_im2col)  (RaliBackend *be, RaliBuf *out, RaliBuf *in, int B, int Cin, int H, int W,
                        int k, int stride, int pad, gboolean nhwc);

  /* Optional (NULL: the caller normalises on the host, rali_l2_normalize).
   * out[R,D] = in / max(|in|₂, 1e-12) per row, torch F.normalize (may alias) */
  void (*l2norm)       (RaliBackend *be, RaliBuf *out, RaliBuf *in, int R, int D);
} RaliBackendOps;

struct _RaliBackend {
  const RaliBackendOps *ops;
};

RaliBackend *rali_backend_cpu_new (GError **error);
/* "OpenBLAS 0.3.21 (Haswell kernels), 2 threads, AVX2" */
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
