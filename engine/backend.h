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
} RaliBackendOps;

struct _RaliBackend {
  const RaliBackendOps *ops;
};

RaliBackend *rali_backend_cpu_new (GError **error);
/* NULL with an error when no usable Vulkan device exists */
RaliBackend *rali_backend_vulkan_new (GError **error);

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
