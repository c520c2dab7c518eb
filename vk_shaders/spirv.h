/* The embedded SPIR-V of vk_shaders/ (see meson.build there). */
#pragma once

#include <glib.h>

typedef enum {
  RALI_SPV_GEMM,
  RALI_SPV_GEMM_F16,
  RALI_SPV_LAYERNORM,
  RALI_SPV_ATTENTION,
  RALI_SPV_ACTIVATION,
  RALI_SPV_ADD,
  RALI_SPV_IM2COL,
  RALI_SPV_CONV_IM2COL,
  RALI_SPV_EMBED_TOKENS,
  RALI_SPV_TAKE_CLASS,
  RALI_SPV_F16_TO_F32,
  RALI_SPV_L2NORM,
  RALI_SPV_DWCONV3X3,
  RALI_SPV_AVGPOOL,
  RALI_SPV_COUNT
} RaliSpvId;

typedef struct {
  const char *name;
  const guint32 *code;
  gsize size; /* bytes */
} RaliSpv;

const RaliSpv *rali_spv_get (RaliSpvId id);
