/* Model internals shared by the engine's own files (not installed). */
#pragma once

#include "rali.h"

/* One transformer block's weights; HF CLIP naming in comments. */
typedef struct {
  const float *ln1_w, *ln1_b;            /* layer_norm1 [C] */
  const float *q_w, *q_b, *k_w, *k_b;    /* self_attn.{q,k}_proj [C,C] [C] */
  const float *v_w, *v_b, *o_w, *o_b;    /* self_attn.{v,out}_proj [C,C] [C] */
  const float *ln2_w, *ln2_b;            /* layer_norm2 [C] */
  const float *fc1_w, *fc1_b;            /* mlp.fc1 [F,C] [F] */
  const float *fc2_w, *fc2_b;            /* mlp.fc2 [C,F] [C] */
} RaliLayerWeights;

/* One MobileNetV2 inverted residual block, from the config's rows. */
typedef struct {
  int t;            /* expansion; 1: no expand conv */
  int cin, cexp, cout;  /* cexp = t·cin */
  int stride;       /* of the depthwise conv: s on a row's first repeat, else 1 */
  gboolean residual;     /* stride 1 and cin == cout */
} RaliCnnBlock;

/* The flat list of blocks of a MobileNetV2 config (c->cnn_blocks of them,
 * rows and the stem already validated): fills blocks[]. */
void rali_cnn_blocks (const RaliConfig *c, RaliCnnBlock *blocks);

/* The height and width of every map of a forward on H x W pixels: after
 * the stem, then each block's input and output, every stride-s step
 * ceil(n / s) as TensorFlow's SAME padding gives.  rali_cnn_sides_init
 * makes room for n_blocks blocks; rali_cnn_sides_clear frees it. */
typedef struct {
  int h0, w0;
  int *h_in, *w_in;
  int *h_out, *w_out;
} RaliCnnSides;

void rali_cnn_sides_init  (RaliCnnSides *d, int n_blocks);
void rali_cnn_sides       (const RaliCnnBlock *blocks, int n_blocks, int H, int W, RaliCnnSides *d);
void rali_cnn_sides_clear (RaliCnnSides *d);

/* mobilenet.blocks.N.*; HF-free naming of our own (model.c's table) */
typedef struct {
  const float *expand_w, *expand_b;   /* expand [cexp,cin,1,1] [cexp], NULL when t == 1 */
  const float *dw_w, *dw_b;           /* dw [cexp,1,3,3] [cexp] */
  const float *project_w, *project_b; /* project [cout,cexp,1,1] [cout] */
} RaliCnnBlockWeights;

/* Typed pointers into the mmapped file (aligned F32) or into one block of
 * converted F32 (F16 tensors, misaligned F32). */
typedef struct {
  const float *stem_w[RALI_MAX_STEM_LAYERS]; /* embeddings.stem.i.weight [c_i, c_{i-1}, 3, 3] */
  const float *stem_b[RALI_MAX_STEM_LAYERS]; /* embeddings.stem.i.bias [c_i] */
  const float *patch_b;     /* patch_embedding.bias [C], conv stem only */
  const float *patch_w;     /* patch_embedding.weight [C,3,P,P], or [C,c_last,1,1] after a conv stem */
  const float *class_emb;   /* class_embedding [C] */
  const float *pos_emb;     /* position_embedding.weight [T,C] */
  const float *pre_ln_w, *pre_ln_b;   /* pre_layrnorm [C] */
  RaliLayerWeights *layers;           /* [L] */
  const float *post_ln_w, *post_ln_b; /* post_layernorm [C] */
  const float *proj_w;      /* visual_projection.weight [D,C], or [D,cnn_pooled] after a MobileNetV2 */
  /* MobileNetV2 tower (RALI_TOWER_MOBILENET_V2) */
  const float *cnn_stem_w, *cnn_stem_b;   /* mobilenet.stem [stem,3,3,3] [stem] */
  RaliCnnBlockWeights *cnn_blocks;        /* [cnn_blocks] */
  const float *cnn_final_w, *cnn_final_b; /* mobilenet.final [final,c_last,1,1] [final] */
  /* RALI head (NULL when n_prototypes == 0) */
  const float *pca_mean;    /* rali.pca.mean [D] */
  const float *pca_scale;   /* rali.pca.scale [D] */
  const float *pca_components; /* rali.pca.components [k,D] */
  const float *prototypes;  /* rali.prototypes [K,k] */
  const float *prototype_scores; /* rali.prototype_scores [K] */
  const float *prototype_composition; /* rali.prototype_composition [K,T], or NULL */
} RaliWeights;

struct _RaliModel {
  char *path;
  GMappedFile *file;
  RaliConfig config;
  RaliWeights weights;
  float *converted;       /* one block for F16 / misaligned tensors */
  gboolean any_f16;       /* the file stores some weights as F16 */
  gsize n_params;
  char *sha256;
};

void rali_config_clear (RaliConfig *config);
