/* The SPIR-V of every shader variant, generated at build time by glslc
 * -mfmt=c (a braced list of 32-bit words per file). */
#include "spirv.h"

static const guint32 spv_gemm[] =
#include "gemm.spv.h"
;
static const guint32 spv_gemm_f16[] =
#include "gemm_f16.spv.h"
;
static const guint32 spv_layernorm[] =
#include "layernorm.spv.h"
;
static const guint32 spv_attention[] =
#include "attention.spv.h"
;
static const guint32 spv_activation[] =
#include "activation.spv.h"
;
static const guint32 spv_add[] =
#include "add.spv.h"
;
static const guint32 spv_im2col[] =
#include "im2col.spv.h"
;
static const guint32 spv_conv_im2col[] =
#include "conv_im2col.spv.h"
;
static const guint32 spv_embed_tokens[] =
#include "embed_tokens.spv.h"
;
static const guint32 spv_take_class[] =
#include "take_class.spv.h"
;
static const guint32 spv_f16_to_f32[] =
#include "f16_to_f32.spv.h"
;
static const guint32 spv_l2norm[] =
#include "l2norm.spv.h"
;
static const guint32 spv_dwconv3x3[] =
#include "dwconv3x3.spv.h"
;
static const guint32 spv_avgpool[] =
#include "avgpool.spv.h"
;

#define ENTRY(id, var) [id] = { #var + 4, var, sizeof (var) }

static const RaliSpv table[RALI_SPV_COUNT] = {
  ENTRY (RALI_SPV_GEMM, spv_gemm),
  ENTRY (RALI_SPV_GEMM_F16, spv_gemm_f16),
  ENTRY (RALI_SPV_LAYERNORM, spv_layernorm),
  ENTRY (RALI_SPV_ATTENTION, spv_attention),
  ENTRY (RALI_SPV_ACTIVATION, spv_activation),
  ENTRY (RALI_SPV_ADD, spv_add),
  ENTRY (RALI_SPV_IM2COL, spv_im2col),
  ENTRY (RALI_SPV_CONV_IM2COL, spv_conv_im2col),
  ENTRY (RALI_SPV_EMBED_TOKENS, spv_embed_tokens),
  ENTRY (RALI_SPV_TAKE_CLASS, spv_take_class),
  ENTRY (RALI_SPV_F16_TO_F32, spv_f16_to_f32),
  ENTRY (RALI_SPV_L2NORM, spv_l2norm),
  ENTRY (RALI_SPV_DWCONV3X3, spv_dwconv3x3),
  ENTRY (RALI_SPV_AVGPOOL, spv_avgpool),
};

const RaliSpv *
rali_spv_get (RaliSpvId id)
{
  g_return_val_if_fail (id < RALI_SPV_COUNT, NULL);
  return &table[id];
}
