/* The steps of scoring a file, one at a time, so that they can be timed
 * apart (`rali bench`): rali_engine_preprocess_file is decode then
 * preprocess; the forward and the head are in rali.h.  Also the CPU thread
 * count and what a forward costs (its matrix products and FLOPs).
 *
 * Not in rali.h: librali.so.0 exports these as RALI_PRIVATE (no API
 * promised), for the rali built from this tree. */
#pragma once

#include "rali.h"

G_BEGIN_DECLS

/* Decodes as rali_engine_preprocess_file does: JPEG DCT scaling down to
 * what the model's preprocessing needs, EXIF orientation, the engine's
 * max_pixels.  Clear img with rali_image_clear. */
gboolean rali_engine_decode_file (RaliEngine *engine, const char *path, RaliImage *img, GError **error);
/* The same from bytes in memory (name: for messages) */
gboolean rali_engine_decode_data (RaliEngine *engine, const guint8 *data, gsize size, const char *name,
                                  RaliImage *img, GError **error);
/* A decoded image to pixels [views, 3, S, S] as the model asks (CLIP's
 * resize and centre crop, or the model's crops) */
gboolean rali_engine_preprocess_image (RaliEngine *engine, const RaliImage *img, float *pixels, GError **error);
/* The same for every model: pixels [views, 3, *height, *width] (a
 * whole-frame model's shape follows the photo: rali_frame_shape) */
gboolean rali_engine_preprocess_image_hw (RaliEngine *engine, const RaliImage *img, float *pixels, int *height,
                                          int *width, GError **error);

/* Threads of the CPU backends made from now on (the caller's included):
 * n ≥ 1, or 0 for the default (OpenBLAS's count: $OPENBLAS_NUM_THREADS,
 * else the processors).  Also sets OpenBLAS's own count, which the rest of
 * the engine's BLAS calls use. */
void rali_set_cpu_threads (int n);
/* What a CPU backend made now would use */
int  rali_get_cpu_threads (void);

/* Precision of the CPU backends made from now on: fp32, or bf16 (the
 * matrix products' operands rounded to bfloat16, their sums in fp32;
 * AVX512_BF16 processors); auto is fp32 for now.  FALSE with
 * RALI_ERROR_UNSUPPORTED when the processor cannot. */
typedef enum {
  RALI_PRECISION_AUTO,
  RALI_PRECISION_FP32,
  RALI_PRECISION_BF16,
} RaliPrecision;

gboolean      rali_set_cpu_precision (RaliPrecision precision, GError **error);
/* what a CPU backend made now would use (never auto) */
RaliPrecision rali_get_cpu_precision (void);

/* One kind of matrix product of a forward: count products of
 * [M,K] · [K,N] (the attention's are per batch image and head). */
typedef struct {
  const char *op;   /* "qkv", "fc1", "attention q.kT", "expand", ... (static) */
  int M, N, K;
  int count;
} RaliGemmShape;

/* The matrix products of one forward of B images through the model's
 * tower, in the order of the forward, equal shapes of one op merged.
 * Free with g_array_unref. */
GArray *rali_model_gemm_shapes (const RaliModel *model, int B);
/* The same on H x W pixels (a whole-frame model's input; a ViT's is S x S whatever H and W say) */
GArray *rali_model_gemm_shapes_hw (const RaliModel *model, int B, int H, int W);
/* Floating-point operations of that forward: 2·M·N·K of every product plus
 * the depthwise convolutions' multiply-adds (element-wise ops not counted). */
double  rali_model_forward_flops (const RaliModel *model, int B);
double  rali_model_forward_flops_hw (const RaliModel *model, int B, int H, int W);

G_END_DECLS
