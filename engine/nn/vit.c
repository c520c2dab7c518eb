/* CLIP ViT vision tower, written against backend.h.  Reads like the math:
 *
 *   x = [cls; patches(pixels)·Wpᵀ] + pos          [B,T,C]
 *       (or, with a conv stem: pixels → L × relu(conv3x3/2) → conv1x1 → tokens)
 *   x = preLN(x)
 *   for each block:  x += Wo·MHA(LN1(x));  x += fc2(act(fc1(LN2(x))))
 *   f = postLN(x[:,0]) · Wprojᵀ                   [B,D]
 *   e = f / max(|f|, 1e-12)                       [B,D]  (when asked for)
 *
 * No op is implemented here: a backend runs them. */
#include "backend.h"
#include "model-private.h"
#include "stages.h"

#include <string.h>

typedef struct {
  RaliBuf *ln1_w, *ln1_b, *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *o_w, *o_b;
  RaliBuf *ln2_w, *ln2_b, *fc1_w, *fc1_b, *fc2_w, *fc2_b;
} LayerBufs;

/* activations for one batch size, kept while the size repeats */
typedef struct {
  int B;
  RaliBuf *stem[RALI_MAX_STEM_LAYERS]; /* conv stem outputs, NHWC */
  RaliBuf *pixels, *cols, *patches, *x, *h, *q, *k, *v, *attn, *mlp, *cls, *pooled, *features, *embeddings;
} Scratch;

struct _RaliVit {
  RaliBackend *be;
  const RaliConfig *c;
  RaliBuf *stem_w[RALI_MAX_STEM_LAYERS], *stem_b[RALI_MAX_STEM_LAYERS], *patch_b;
  RaliBuf *patch_w, *class_emb, *pos_emb, *pre_ln_w, *pre_ln_b, *post_ln_w, *post_ln_b, *proj_w;
  LayerBufs *layers;
  Scratch s;
};

static gboolean
upload_weight (RaliVit *vit, RaliBuf **dst, const float *src, gsize n, GError **error)
{
  *dst = vit->be->ops->weight (vit->be, src, n, error);
  return *dst != NULL;
}

/* W[N,K] of a matrix product: laid out for the backend's GEMM where it can */
static gboolean
upload_matrix (RaliVit *vit, RaliBuf **dst, const float *src, gsize N, gsize K, GError **error)
{
  RaliBackend *be = vit->be;
  *dst = be->ops->weight_matrix ? be->ops->weight_matrix (be, src, (int) N, (int) K, error)
                                : be->ops->weight (be, src, N * K, error);
  return *dst != NULL;
}

/* out = act(in · wᵀ + bias) + residual: fused where the backend can, else
 * matmul, activation, add (residual is out itself here, or NULL) */
static void
linear (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, RaliBuf *residual, RaliBuf *tmp,
        int M, int N, int K, int act)
{
  const RaliBackendOps *o = be->ops;
  if (o->matmul_fused)
    {
      o->matmul_fused (be, out, in, w, bias, residual, M, N, K, act);
      return;
    }
  RaliBuf *dst = residual ? tmp : out;
  o->matmul (be, dst, in, w, bias, M, N, K);
  if (act != RALI_ACT_NONE)
    o->activation (be, dst, (gsize) M * N, act);
  if (residual)
    o->add (be, out, dst, (gsize) M * N);
}

RaliVit *
rali_vit_new (const RaliModel *model, RaliBackend *be, GError **error)
{
  const RaliConfig *c = &model->config;
  const RaliWeights *w = &model->weights;
  gsize C = c->width, P = c->patch_size, F = c->mlp_size, D = c->projection_dim;
  gsize G = c->image_size / c->patch_size, T = G * G + 1;
  RaliVit *vit = g_new0 (RaliVit, 1);
  vit->be = be;
  vit->c = c;
  vit->layers = g_new0 (LayerBufs, c->layers);

#define UP(dst, src, n) if (!upload_weight (vit, &(dst), (src), (n), error)) goto err
#define UPM(dst, src, N, K) if (!upload_matrix (vit, &(dst), (src), (N), (K), error)) goto err
  gsize cin = 3;
  for (int i = 0; i < c->stem_layers; i++)
    {
      gsize cout = c->stem_channels[i];
      UPM (vit->stem_w[i], w->stem_w[i], cout, cin * 9);
      UP (vit->stem_b[i], w->stem_b[i], cout);
      cin = cout;
    }
  if (c->stem_layers > 0)
    {
      UPM (vit->patch_w, w->patch_w, C, cin);
      UP (vit->patch_b, w->patch_b, C);
    }
  else
    UPM (vit->patch_w, w->patch_w, C, 3 * P * P);
  UP (vit->class_emb, w->class_emb, C);
  UP (vit->pos_emb, w->pos_emb, T * C);
  UP (vit->pre_ln_w, w->pre_ln_w, C);
  UP (vit->pre_ln_b, w->pre_ln_b, C);
  for (int l = 0; l < c->layers; l++)
    {
      const RaliLayerWeights *lw = &w->layers[l];
      LayerBufs *lb = &vit->layers[l];
      UP (lb->ln1_w, lw->ln1_w, C);   UP (lb->ln1_b, lw->ln1_b, C);
      UPM (lb->q_w, lw->q_w, C, C);   UP (lb->q_b, lw->q_b, C);
      UPM (lb->k_w, lw->k_w, C, C);   UP (lb->k_b, lw->k_b, C);
      UPM (lb->v_w, lw->v_w, C, C);   UP (lb->v_b, lw->v_b, C);
      UPM (lb->o_w, lw->o_w, C, C);   UP (lb->o_b, lw->o_b, C);
      UP (lb->ln2_w, lw->ln2_w, C);   UP (lb->ln2_b, lw->ln2_b, C);
      UPM (lb->fc1_w, lw->fc1_w, F, C); UP (lb->fc1_b, lw->fc1_b, F);
      UPM (lb->fc2_w, lw->fc2_w, C, F); UP (lb->fc2_b, lw->fc2_b, C);
    }
  UP (vit->post_ln_w, w->post_ln_w, C);
  UP (vit->post_ln_b, w->post_ln_b, C);
  UPM (vit->proj_w, w->proj_w, D, C);
#undef UP
#undef UPM
  return vit;
err:
  rali_vit_free (vit);
  return NULL;
}

static void
release (RaliVit *vit, RaliBuf **b)
{
  if (*b)
    vit->be->ops->release (vit->be, *b);
  *b = NULL;
}

static void
scratch_clear (RaliVit *vit)
{
  Scratch *s = &vit->s;
  RaliBuf **all[] = { &s->pixels, &s->cols, &s->patches, &s->x, &s->h, &s->q, &s->k, &s->v,
                      &s->attn, &s->mlp, &s->cls, &s->pooled, &s->features, &s->embeddings };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    release (vit, all[i]);
  for (int i = 0; i < RALI_MAX_STEM_LAYERS; i++)
    release (vit, &s->stem[i]);
  s->B = 0;
}

static gboolean
scratch_ensure (RaliVit *vit, int B, GError **error)
{
  if (vit->s.B == B)
    return TRUE;
  scratch_clear (vit);
  const RaliConfig *c = vit->c;
  gsize C = c->width, P = c->patch_size, S = c->image_size, F = c->mlp_size, D = c->projection_dim;
  gsize G = S / P, T = G * G + 1;
  Scratch *s = &vit->s;
  const RaliBackendOps *o = vit->be->ops;
#define AL(dst, n) if (!((dst) = o->alloc (vit->be, (n), error))) goto err
  AL (s->pixels, B * 3 * S * S);
  /* im2col columns: the largest of the patch conv and every stem layer */
  gsize cols = B * G * G * 3 * P * P, side = S, cin = 3;
  for (int i = 0; i < c->stem_layers; i++)
    {
      side = (side - 1) / 2 + 1;
      cols = MAX (cols, B * side * side * cin * 9);
      cin = c->stem_channels[i];
      AL (s->stem[i], B * side * side * cin);
    }
  if (c->stem_layers > 0)
    cols = MAX (cols, B * G * G * cin);
  AL (s->cols, cols);
  AL (s->patches, B * G * G * C);
  AL (s->x, B * T * C);
  AL (s->h, B * T * C);
  AL (s->q, B * T * C);
  AL (s->k, B * T * C);
  AL (s->v, B * T * C);
  AL (s->attn, B * T * C);
  AL (s->mlp, B * T * F);
  AL (s->cls, B * C);
  AL (s->pooled, B * C);
  AL (s->features, B * D);
  if (o->l2norm)
    AL (s->embeddings, B * D);
#undef AL
  s->B = B;
  return TRUE;
err:
  scratch_clear (vit);
  return FALSE;
}

static gboolean
trace_buf (RaliVit *vit, RaliVitTraceFunc trace, gpointer data, const char *stage,
           RaliBuf *buf, gsize n, GError **error)
{
  if (!trace)
    return TRUE;
  if (!vit->be->ops->sync (vit->be, error))
    return FALSE;
  g_autofree float *host = g_new (float, n);
  if (!vit->be->ops->download (vit->be, host, buf, n, error))
    return FALSE;
  trace (stage, host, n, data);
  return TRUE;
}

gboolean
rali_vit_forward (RaliVit *vit, const float *pixels, int B, float *features,
                  RaliVitTraceFunc trace, gpointer trace_data, GError **error)
{
  return rali_vit_forward_ex (vit, pixels, B, features, NULL, trace, trace_data, error);
}

gboolean
rali_vit_forward_ex (RaliVit *vit, const float *pixels, int B, float *features, float *embeddings,
                     RaliVitTraceFunc trace, gpointer trace_data, GError **error)
{
  const RaliConfig *c = vit->c;
  const RaliBackendOps *o = vit->be->ops;
  RaliBackend *be = vit->be;
  int C = c->width, P = c->patch_size, S = c->image_size, F = c->mlp_size, D = c->projection_dim;
  int G = S / P, T = G * G + 1, H = c->heads, Dh = C / H;
  float eps = c->layer_norm_eps;
  Scratch *s = &vit->s;

  if (B < 1)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "batch size %d must be positive", B);
      return FALSE;
    }
  if (!scratch_ensure (vit, B, error) ||
      !o->upload (be, s->pixels, pixels, (gsize) B * 3 * S * S, error))
    return FALSE;

  if (c->stem_layers == 0)
    {
      /* patch conv as a GEMM: [B*G*G, 3PP] · [C, 3PP]ᵀ */
      o->im2col (be, s->cols, s->pixels, B, S, P);
      o->matmul (be, s->patches, s->cols, vit->patch_w, NULL, B * G * G, C, 3 * P * P);
    }
  else
    {
      /* conv stem: each 3x3/2 conv is im2col + GEMM into NHWC, then ReLU */
      RaliBuf *in = s->pixels;
      int side = S, cin = 3;
      for (int i = 0; i < c->stem_layers; i++)
        {
          int out_side = (side - 1) / 2 + 1, cout = c->stem_channels[i];
          if (!o->conv_fused || !o->conv_fused (be, s->stem[i], in, vit->stem_w[i], vit->stem_b[i], B, cin, side,
                                                side, 3, 2, 1, i > 0, cout, RALI_ACT_RELU))
            {
              o->conv_im2col (be, s->cols, in, B, cin, side, side, 3, 2, 1, i > 0);
              linear (be, s->stem[i], s->cols, vit->stem_w[i], vit->stem_b[i], NULL, NULL,
                      B * out_side * out_side, cout, cin * 9, RALI_ACT_RELU);
            }
          in = s->stem[i];
          side = out_side;
          cin = cout;
        }
      /* 1x1 conv to the width: a plain GEMM on the NHWC rows */
      o->matmul (be, s->patches, in, vit->patch_w, vit->patch_b, B * G * G, C, cin);
    }
  o->embed_tokens (be, s->x, s->patches, vit->class_emb, vit->pos_emb, B, T, C);
  o->layernorm (be, s->x, s->x, vit->pre_ln_w, vit->pre_ln_b, B * T, C, eps);
  if (!trace_buf (vit, trace, trace_data, "embeddings", s->x, (gsize) B * T * C, error))
    return FALSE;

  for (int l = 0; l < c->layers; l++)
    {
      LayerBufs *w = &vit->layers[l];
      int R = B * T;
      o->layernorm (be, s->h, s->x, w->ln1_w, w->ln1_b, R, C, eps);
      o->matmul (be, s->q, s->h, w->q_w, w->q_b, R, C, C);
      o->matmul (be, s->k, s->h, w->k_w, w->k_b, R, C, C);
      o->matmul (be, s->v, s->h, w->v_w, w->v_b, R, C, C);
      o->attention (be, s->attn, s->q, s->k, s->v, B, T, H, Dh);
      linear (be, s->x, s->attn, w->o_w, w->o_b, s->x, s->h, R, C, C, RALI_ACT_NONE);

      o->layernorm (be, s->h, s->x, w->ln2_w, w->ln2_b, R, C, eps);
      linear (be, s->mlp, s->h, w->fc1_w, w->fc1_b, NULL, NULL, R, F, C, c->activation);
      linear (be, s->x, s->mlp, w->fc2_w, w->fc2_b, s->x, s->h, R, C, F, RALI_ACT_NONE);
      if (trace)
        {
          g_autofree char *stage = g_strdup_printf ("layer.%d", l);
          if (!trace_buf (vit, trace, trace_data, stage, s->x, (gsize) B * T * C, error))
            return FALSE;
        }
    }

  o->take_class (be, s->cls, s->x, B, T, C);
  o->layernorm (be, s->pooled, s->cls, vit->post_ln_w, vit->post_ln_b, B, C, eps);
  if (!trace_buf (vit, trace, trace_data, "pooled", s->pooled, (gsize) B * C, error))
    return FALSE;
  return rali_tower_project (be, s->features, s->embeddings, s->pooled, vit->proj_w, B, D, C,
                             features, embeddings, trace, trace_data, error);
}

gboolean
rali_tower_project (RaliBackend *be, RaliBuf *features_buf, RaliBuf *embeddings_buf, RaliBuf *pooled,
                    RaliBuf *proj_w, int B, int D, int P, float *features, float *embeddings,
                    RaliVitTraceFunc trace, gpointer trace_data, GError **error)
{
  const RaliBackendOps *o = be->ops;
  o->matmul (be, features_buf, pooled, proj_w, NULL, B, D, P);
  if (embeddings && o->l2norm)
    o->l2norm (be, embeddings_buf, features_buf, B, D);
  if (!o->sync (be, error) ||
      !o->download (be, features, features_buf, (gsize) B * D, error))
    return FALSE;
  if (embeddings)
    {
      if (o->l2norm)
        {
          if (!o->download (be, embeddings, embeddings_buf, (gsize) B * D, error))
            return FALSE;
        }
      else
        {
          /* a backend without the op: the same on the host */
          memcpy (embeddings, features, (gsize) B * D * sizeof (float));
          for (int b = 0; b < B; b++)
            rali_l2_normalize (embeddings + (gsize) b * D, D);
        }
    }
  if (trace)
    trace ("features", features, (gsize) B * D, trace_data);
  return TRUE;
}

void
rali_gemm_shape_add (GArray *out, const char *op, int M, int N, int K, int count)
{
  for (guint i = 0; i < out->len; i++)
    {
      RaliGemmShape *g = &g_array_index (out, RaliGemmShape, i);
      if (g_str_equal (g->op, op) && g->M == M && g->N == N && g->K == K)
        {
          g->count += count;
          return;
        }
    }
  RaliGemmShape g = { op, M, N, K, count };
  g_array_append_val (out, g);
}

/* the products of rali_vit_forward_ex, in its order */
void
rali_vit_gemm_shapes (const RaliConfig *c, int B, GArray *out)
{
  int C = c->width, P = c->patch_size, S = c->image_size, F = c->mlp_size, D = c->projection_dim;
  int G = S / P, T = G * G + 1, H = c->heads, Dh = C / H, R = B * T;
  if (c->stem_layers == 0)
    rali_gemm_shape_add (out, "patch", B * G * G, C, 3 * P * P, 1);
  else
    {
      int side = S, cin = 3;
      for (int i = 0; i < c->stem_layers; i++)
        {
          side = (side - 1) / 2 + 1;
          rali_gemm_shape_add (out, "stem", B * side * side, c->stem_channels[i], cin * 9, 1);
          cin = c->stem_channels[i];
        }
      rali_gemm_shape_add (out, "patch", B * G * G, C, cin, 1);
    }
  rali_gemm_shape_add (out, "qkv", R, C, C, 3 * c->layers);
  rali_gemm_shape_add (out, "attention q.kT", T, T, Dh, B * H * c->layers);
  rali_gemm_shape_add (out, "attention a.v", T, Dh, T, B * H * c->layers);
  rali_gemm_shape_add (out, "out", R, C, C, c->layers);
  rali_gemm_shape_add (out, "fc1", R, F, C, c->layers);
  rali_gemm_shape_add (out, "fc2", R, C, F, c->layers);
  rali_gemm_shape_add (out, "projection", B, D, C, 1);
}

void
rali_vit_free (RaliVit *vit)
{
  if (!vit)
    return;
  scratch_clear (vit);
  for (int i = 0; i < RALI_MAX_STEM_LAYERS; i++)
    {
      release (vit, &vit->stem_w[i]);
      release (vit, &vit->stem_b[i]);
    }
  RaliBuf **top[] = { &vit->patch_b, &vit->patch_w, &vit->class_emb, &vit->pos_emb, &vit->pre_ln_w, &vit->pre_ln_b,
                      &vit->post_ln_w, &vit->post_ln_b, &vit->proj_w };
  for (gsize i = 0; i < G_N_ELEMENTS (top); i++)
    release (vit, top[i]);
  for (int l = 0; vit->layers && l < vit->c->layers; l++)
    {
      LayerBufs *lb = &vit->layers[l];
      RaliBuf **all[] = { &lb->ln1_w, &lb->ln1_b, &lb->q_w, &lb->q_b, &lb->k_w, &lb->k_b, &lb->v_w,
                          &lb->v_b, &lb->o_w, &lb->o_b, &lb->ln2_w, &lb->ln2_b, &lb->fc1_w,
                          &lb->fc1_b, &lb->fc2_w, &lb->fc2_b };
      for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
        release (vit, all[i]);
    }
  g_free (vit->layers);
  g_free (vit);
}
