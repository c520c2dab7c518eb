/* MobileNetV2 vision tower (TensorFlow's graph, batch norm folded into the
 * convolutions), written against backend.h.  Activations are NHWC
 * [B,H,W,C], so that every 1x1 convolution is one GEMM on the [B·H·W, C]
 * rows.  Every 3x3 convolution pads as TensorFlow's SAME does.
 *
 *   x = relu6(conv3x3/2(pixels) + b)                        stem   [B,S/2,S/2,C0]
 *   for each block (expansion t, cin → cout, stride s):
 *     h = relu6(x·Weᵀ + be)              (when t ≠ 1)       expand [B,H,W,t·cin]
 *     h = relu6(dw3x3/s(h) + bd)                            depthwise
 *     y = h·Wpᵀ + bp                                        project (linear)
 *     x = y + x  when s = 1 and cin = cout, else x = y      residual
 *   x = relu6(x·Wfᵀ + bf)                                   final 1x1
 *   p = [mean_HW(x), mean_HW(x of block tap_1), ...]        [B, final + taps]
 *   f = p · Wprojᵀ                                          [B,D]
 *   e = f / max(|f|, 1e-12)                                 [B,D]  (when asked for)
 *
 * No op is implemented here: a backend runs them. */
#include "backend.h"
#include "model-private.h"

typedef struct {
  RaliBuf *expand_w, *expand_b, *dw_w, *dw_b, *project_w, *project_b;
} BlockBufs;

/* activations, each buffer grown to the largest forward so far (batch size
 * and input shape: a whole-frame model sees landscape and portrait photos
 * in turn, whose maps differ by a rounding, and must not reallocate at each) */
typedef struct {
  int B;                  /* images pooled, features and embeddings have room for */
  gsize n_pixels, n_cols, n_x[2], n_exp, n_dw; /* room in the maps, in floats */
  RaliBuf *pixels, *cols; /* the stem's im2col columns [B·H0·W0, 27], where it has no conv_fused */
  RaliBuf *x[2];          /* block input and output, ping-pong */
  RaliBuf *exp, *dw;      /* a block's expanded and depthwise maps */
  RaliBuf *pooled, *features, *embeddings;
} Scratch;

struct _RaliCnn {
  RaliBackend *be;
  const RaliConfig *c;
  RaliCnnBlock *blocks;   /* [cnn_blocks] */
  RaliCnnSides sides;     /* of the current forward */
  int *tap_col;           /* [cnn_taps]: first column of each tap in pooled */
  RaliBuf *stem_w, *stem_b, *final_w, *final_b, *proj_w;
  BlockBufs *bw;
  Scratch s;
};

static void
release (RaliCnn *cnn, RaliBuf **b)
{
  if (*b)
    cnn->be->ops->release (cnn->be, *b);
  *b = NULL;
}

RaliCnn *
rali_cnn_new (const RaliModel *model, RaliBackend *be, GError **error)
{
  const RaliConfig *c = &model->config;
  const RaliWeights *w = &model->weights;
  if (c->tower != RALI_TOWER_MOBILENET_V2)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL, "%s: not a mobilenet_v2 model", model->path);
      return NULL;
    }
  if (!be->ops->dwconv3x3 || !be->ops->avgpool)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED, "the %s backend cannot run a mobilenet_v2 tower",
                   be->ops->name);
      return NULL;
    }
  RaliCnn *cnn = g_new0 (RaliCnn, 1);
  cnn->be = be;
  cnn->c = c;
  cnn->blocks = g_new (RaliCnnBlock, c->cnn_blocks);
  rali_cnn_blocks (c, cnn->blocks);
  rali_cnn_sides_init (&cnn->sides, c->cnn_blocks);
  cnn->tap_col = g_new (int, MAX (c->cnn_taps, 1));
  for (int j = 0, col = c->cnn_final; j < c->cnn_taps; j++)
    {
      cnn->tap_col[j] = col;
      col += cnn->blocks[c->cnn_tap[j]].cout;
    }
  cnn->bw = g_new0 (BlockBufs, c->cnn_blocks);

  /* GEMM weights in the backend's weight precision; depthwise filters and
   * biases in fp32 (backend.h, weight_f32) */
  RaliBuf *(*exact) (RaliBackend *, const float *, gsize, GError **) = be->ops->weight_f32 ? be->ops->weight_f32
                                                                                           : be->ops->weight;
#define UP32(dst, src, n) if (!((dst) = exact (be, (src), (n), error))) goto err
  /* a matrix product's W[N,K]: laid out for the backend's GEMM where it can */
#define UPM(dst, src, N, K) if (!((dst) = be->ops->weight_matrix ? be->ops->weight_matrix (be, (src), (N), (K), error) \
                                                              : be->ops->weight (be, (src), (gsize) (N) * (K), error))) goto err
  int C0 = c->cnn_stem;
  UPM (cnn->stem_w, w->cnn_stem_w, C0, 3 * 9);
  UP32 (cnn->stem_b, w->cnn_stem_b, C0);
  for (int i = 0; i < c->cnn_blocks; i++)
    {
      const RaliCnnBlock *b = &cnn->blocks[i];
      const RaliCnnBlockWeights *bw = &w->cnn_blocks[i];
      BlockBufs *bb = &cnn->bw[i];
      int Cin = b->cin, Ce = b->cexp, Cout = b->cout;
      if (b->t != 1)
        {
          UPM (bb->expand_w, bw->expand_w, Ce, Cin);
          UP32 (bb->expand_b, bw->expand_b, Ce);
        }
      UP32 (bb->dw_w, bw->dw_w, Ce * 9);
      UP32 (bb->dw_b, bw->dw_b, Ce);
      UPM (bb->project_w, bw->project_w, Cout, Ce);
      UP32 (bb->project_b, bw->project_b, Cout);
    }
  int Clast = cnn->blocks[c->cnn_blocks - 1].cout, Cf = c->cnn_final;
  UPM (cnn->final_w, w->cnn_final_w, Cf, Clast);
  UP32 (cnn->final_b, w->cnn_final_b, Cf);
  UPM (cnn->proj_w, w->proj_w, c->projection_dim, c->cnn_pooled);
#undef UPM
#undef UP32
  return cnn;
err:
  rali_cnn_free (cnn);
  return NULL;
}

static void
scratch_clear (RaliCnn *cnn)
{
  Scratch *s = &cnn->s;
  RaliBuf **all[] = { &s->pixels, &s->cols, &s->x[0], &s->x[1], &s->exp, &s->dw,
                      &s->pooled, &s->features, &s->embeddings };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    release (cnn, all[i]);
  s->B = 0;
  s->n_pixels = s->n_cols = s->n_x[0] = s->n_x[1] = s->n_exp = s->n_dw = 0;
}

/* buffer *b of room *room floats, grown to n when it holds less */
static gboolean
grow (RaliCnn *cnn, RaliBuf **b, gsize *room, gsize n, GError **error)
{
  if (*b && *room >= n)
    return TRUE;
  release (cnn, b);
  *room = 0;
  if (!(*b = cnn->be->ops->alloc (cnn->be, n, error)))
    return FALSE;
  *room = n;
  return TRUE;
}

/* room for a forward of B images of H x W (cnn->sides computed for them) */
static gboolean
scratch_ensure (RaliCnn *cnn, int B, int H, int W, GError **error)
{
  const RaliConfig *c = cnn->c;
  const RaliCnnSides *d = &cnn->sides;
  Scratch *s = &cnn->s;
  /* per image: the largest map each buffer ever holds */
  gsize x = (gsize) d->h0 * d->w0 * c->cnn_stem, exp = 1, dw = 1;
  for (int i = 0; i < c->cnn_blocks; i++)
    {
      const RaliCnnBlock *b = &cnn->blocks[i];
      gsize in = (gsize) d->h_in[i] * d->w_in[i], out = (gsize) d->h_out[i] * d->w_out[i];
      if (b->t != 1)
        exp = MAX (exp, in * b->cexp);
      dw = MAX (dw, out * b->cexp);
      x = MAX (x, out * b->cout);
    }
  int L = c->cnn_blocks - 1;
  x = MAX (x, (gsize) d->h_out[L] * d->w_out[L] * c->cnn_final);
  if (!grow (cnn, &s->pixels, &s->n_pixels, (gsize) B * 3 * H * W, error) ||
      !grow (cnn, &s->x[0], &s->n_x[0], B * x, error) ||
      !grow (cnn, &s->x[1], &s->n_x[1], B * x, error) ||
      !grow (cnn, &s->exp, &s->n_exp, B * exp, error) ||
      !grow (cnn, &s->dw, &s->n_dw, B * dw, error))
    goto err;
  if (s->B < B)
    {
      /* per image, whatever the shape: room 0 makes grow replace each */
      gsize n_pooled = 0, n_features = 0, n_embeddings = 0;
      if (!grow (cnn, &s->pooled, &n_pooled, (gsize) B * c->cnn_pooled, error) ||
          !grow (cnn, &s->features, &n_features, (gsize) B * c->projection_dim, error) ||
          (cnn->be->ops->l2norm &&
           !grow (cnn, &s->embeddings, &n_embeddings, (gsize) B * c->projection_dim, error)))
        goto err;
      s->B = B;
    }
  return TRUE;
err:
  scratch_clear (cnn);
  return FALSE;
}

/* out = act(in · wᵀ + bias) + residual (residual: NULL, or a buffer other
 * than out): fused where the backend can, else matmul, activation, add */
static void
linear (RaliBackend *be, RaliBuf *out, RaliBuf *in, RaliBuf *w, RaliBuf *bias, RaliBuf *residual,
        int M, int N, int K, int act)
{
  const RaliBackendOps *o = be->ops;
  if (o->matmul_fused)
    {
      o->matmul_fused (be, out, in, w, bias, residual, M, N, K, act);
      return;
    }
  o->matmul (be, out, in, w, bias, M, N, K);
  if (act != RALI_ACT_NONE)
    o->activation (be, out, (gsize) M * N, act);
  if (residual)
    o->add (be, out, residual, (gsize) M * N);
}

static gboolean
trace_buf (RaliCnn *cnn, RaliVitTraceFunc trace, gpointer data, const char *stage,
           RaliBuf *buf, gsize n, GError **error)
{
  if (!trace)
    return TRUE;
  if (!cnn->be->ops->sync (cnn->be, error))
    return FALSE;
  g_autofree float *host = g_new (float, n);
  if (!cnn->be->ops->download (cnn->be, host, buf, n, error))
    return FALSE;
  trace (stage, host, n, data);
  return TRUE;
}

gboolean
rali_cnn_forward_ex (RaliCnn *cnn, const float *pixels, int B, float *features, float *embeddings,
                     RaliVitTraceFunc trace, gpointer trace_data, GError **error)
{
  int S = cnn->c->image_size;
  return rali_cnn_forward_hw (cnn, pixels, B, S, S, features, embeddings, trace, trace_data, error);
}

gboolean
rali_cnn_forward_hw (RaliCnn *cnn, const float *pixels, int B, int H, int W, float *features, float *embeddings,
                     RaliVitTraceFunc trace, gpointer trace_data, GError **error)
{
  const RaliConfig *c = cnn->c;
  const RaliBackendOps *o = cnn->be->ops;
  RaliBackend *be = cnn->be;
  int D = c->projection_dim, P = c->cnn_pooled;
  Scratch *s = &cnn->s;
  const RaliCnnSides *d = &cnn->sides;

  /* the backend's row counts are ints: the stem's B·H0·W0 rows, the most of
   * any op, must fit (and so must the input's B·3·H·W floats) */
  if (B < 1 || H < 1 || W < 1 || H > RALI_MAX_CNN_INPUT_SIDE || W > RALI_MAX_CNN_INPUT_SIDE ||
      (gint64) B * 3 * H * W > G_MAXINT)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "batch size %d is out of range for %dx%d px images", B, W, H);
      return FALSE;
    }
  rali_cnn_sides (cnn->blocks, c->cnn_blocks, H, W, &cnn->sides);
  int R0 = B * d->h0 * d->w0;
  if (!scratch_ensure (cnn, B, H, W, error) ||
      !o->upload (be, s->pixels, pixels, (gsize) B * 3 * H * W, error))
    return FALSE;

  /* stem: 3x3/2 conv into NHWC, then ReLU6: in one op where the backend
   * can, else im2col + GEMM (the columns allocated only then) */
  if (!o->conv_fused || !o->conv_fused (be, s->x[0], s->pixels, cnn->stem_w, cnn->stem_b, B, 3, H, W, 3, 2,
                                        RALI_PAD_SAME, FALSE, c->cnn_stem, RALI_ACT_RELU6))
    {
      if (!grow (cnn, &s->cols, &s->n_cols, (gsize) R0 * 27, error))
        {
          scratch_clear (cnn);
          return FALSE;
        }
      o->conv_im2col (be, s->cols, s->pixels, B, 3, H, W, 3, 2, RALI_PAD_SAME, FALSE);
      linear (be, s->x[0], s->cols, cnn->stem_w, cnn->stem_b, NULL, R0, c->cnn_stem, 27, RALI_ACT_RELU6);
    }
  if (!trace_buf (cnn, trace, trace_data, "stem", s->x[0], (gsize) R0 * c->cnn_stem, error))
    return FALSE;

  int cur = 0; /* s->x[cur] holds the block input */
  for (int i = 0; i < c->cnn_blocks; i++)
    {
      const RaliCnnBlock *b = &cnn->blocks[i];
      const BlockBufs *w = &cnn->bw[i];
      int hi = d->h_in[i], wi = d->w_in[i], Nout = d->h_out[i] * d->w_out[i];
      int Rin = B * hi * wi, Rout = B * Nout;
      RaliBuf *x = s->x[cur], *y = s->x[1 - cur], *h = x;
      /* the whole block in one op where the backend can (the CPU's keeps the
       * expanded map in cache, row by row), else its three ops */
      gboolean fused = o->inverted_residual &&
                       o->inverted_residual (be, y, x, b->t != 1 ? w->expand_w : NULL, w->expand_b, w->dw_w, w->dw_b,
                                             w->project_w, w->project_b, B, hi, wi, b->cin, b->cexp,
                                             b->cout, b->stride, b->residual);
      if (!fused && b->t != 1)
        {
          linear (be, s->exp, x, w->expand_w, w->expand_b, NULL, Rin, b->cexp, b->cin, RALI_ACT_RELU6);
          h = s->exp;
        }
      if (!fused)
        {
          o->dwconv3x3 (be, s->dw, h, w->dw_w, w->dw_b, B, hi, wi, b->cexp, b->stride, TRUE);
          linear (be, y, s->dw, w->project_w, w->project_b, b->residual ? x : NULL, Rout, b->cout, b->cexp,
                  RALI_ACT_NONE);
        }
      cur = 1 - cur;
      for (int j = 0; j < c->cnn_taps; j++)
        if (c->cnn_tap[j] == i)
          o->avgpool (be, s->pooled, y, B, Nout, b->cout, P, cnn->tap_col[j]);
      if (trace)
        {
          g_autofree char *stage = g_strdup_printf ("block.%d", i);
          if (!trace_buf (cnn, trace, trace_data, stage, y, (gsize) Rout * b->cout, error))
            return FALSE;
        }
    }

  int L = c->cnn_blocks - 1;
  int N = d->h_out[L] * d->w_out[L], Cf = c->cnn_final;
  linear (be, s->x[1 - cur], s->x[cur], cnn->final_w, cnn->final_b, NULL, B * N, Cf, cnn->blocks[L].cout,
          RALI_ACT_RELU6);
  if (!trace_buf (cnn, trace, trace_data, "final", s->x[1 - cur], (gsize) B * N * Cf, error))
    return FALSE;
  o->avgpool (be, s->pooled, s->x[1 - cur], B, N, Cf, P, 0);
  if (!trace_buf (cnn, trace, trace_data, "pooled", s->pooled, (gsize) B * P, error))
    return FALSE;

  return rali_tower_project (be, s->features, s->embeddings, s->pooled, cnn->proj_w, B, D, P,
                             features, embeddings, trace, trace_data, error);
}

/* the products of rali_cnn_forward_hw on H x W, in its order */
void
rali_cnn_gemm_shapes_hw (const RaliConfig *c, int B, int H, int W, GArray *out)
{
  g_autofree RaliCnnBlock *blocks = g_new (RaliCnnBlock, c->cnn_blocks);
  rali_cnn_blocks (c, blocks);
  RaliCnnSides d = { 0 };
  rali_cnn_sides_init (&d, c->cnn_blocks);
  rali_cnn_sides (blocks, c->cnn_blocks, H, W, &d);
  rali_gemm_shape_add (out, "stem", B * d.h0 * d.w0, c->cnn_stem, 27, 1);
  for (int i = 0; i < c->cnn_blocks; i++)
    {
      const RaliCnnBlock *b = &blocks[i];
      if (b->t != 1)
        rali_gemm_shape_add (out, "expand", B * d.h_in[i] * d.w_in[i], b->cexp, b->cin, 1);
      rali_gemm_shape_add (out, "project", B * d.h_out[i] * d.w_out[i], b->cout, b->cexp, 1);
    }
  int L = c->cnn_blocks - 1;
  rali_gemm_shape_add (out, "final", B * d.h_out[L] * d.w_out[L], c->cnn_final, blocks[L].cout, 1);
  rali_gemm_shape_add (out, "projection", B, c->projection_dim, c->cnn_pooled, 1);
  rali_cnn_sides_clear (&d);
}

void
rali_cnn_gemm_shapes (const RaliConfig *c, int B, GArray *out)
{
  rali_cnn_gemm_shapes_hw (c, B, c->image_size, c->image_size, out);
}

double
rali_cnn_dwconv_flops_hw (const RaliConfig *c, int B, int H, int W)
{
  g_autofree RaliCnnBlock *blocks = g_new (RaliCnnBlock, c->cnn_blocks);
  rali_cnn_blocks (c, blocks);
  RaliCnnSides d = { 0 };
  rali_cnn_sides_init (&d, c->cnn_blocks);
  rali_cnn_sides (blocks, c->cnn_blocks, H, W, &d);
  double flops = 0;
  for (int i = 0; i < c->cnn_blocks; i++)
    flops += 2.0 * 9 * B * d.h_out[i] * d.w_out[i] * (double) blocks[i].cexp;
  rali_cnn_sides_clear (&d);
  return flops;
}

void
rali_cnn_free (RaliCnn *cnn)
{
  if (!cnn)
    return;
  scratch_clear (cnn);
  RaliBuf **top[] = { &cnn->stem_w, &cnn->stem_b, &cnn->final_w, &cnn->final_b, &cnn->proj_w };
  for (gsize i = 0; i < G_N_ELEMENTS (top); i++)
    release (cnn, top[i]);
  for (int i = 0; cnn->bw && i < cnn->c->cnn_blocks; i++)
    {
      BlockBufs *bb = &cnn->bw[i];
      RaliBuf **all[] = { &bb->expand_w, &bb->expand_b, &bb->dw_w, &bb->dw_b, &bb->project_w, &bb->project_b };
      for (gsize j = 0; j < G_N_ELEMENTS (all); j++)
        release (cnn, all[j]);
    }
  g_free (cnn->bw);
  g_free (cnn->tap_col);
  rali_cnn_sides_clear (&cnn->sides);
  g_free (cnn->blocks);
  g_free (cnn);
}
