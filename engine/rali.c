/* Engine front: a model, a backend and the model's tower on it (the ViT,
 * or a MobileNetV2 when the config says "tower"). */
#include "nn/backend.h"
#include "nn/model-private.h"
#include "stages.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rali-error-quark, rali_error)

struct _RaliEngine {
  RaliModel *model; /* borrowed */
  RaliBackend *be;
  RaliVit *vit;     /* one of the two */
  RaliCnn *cnn;
  char *description;
  guint64 max_pixels; /* 0: RALI_DEFAULT_MAX_PIXELS */
  int worker_nice;
};

gboolean
rali_backend_kind_from_string (const char *s, RaliBackendKind *out, GError **error)
{
  if (g_strcmp0 (s, "auto") == 0)
    *out = RALI_BACKEND_AUTO;
  else if (g_strcmp0 (s, "cpu") == 0)
    *out = RALI_BACKEND_CPU;
  else if (g_strcmp0 (s, "vulkan") == 0)
    *out = RALI_BACKEND_VULKAN;
  else
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE,
                   "unknown backend '%s' (auto, cpu or vulkan)", s ? s : "");
      return FALSE;
    }
  return TRUE;
}

static RaliBackend *
backend_new (RaliBackendKind kind, GError **error)
{
  if (kind == RALI_BACKEND_CPU)
    return rali_backend_cpu_new (error);
#ifdef RALI_HAVE_VULKAN
  g_autoptr (GError) vkerr = NULL;
  /* auto takes a real GPU only: a CPU-type device (lavapipe) is slower than
   * the CPU backend, unless RALI_VULKAN_DEVICE names it */
  RaliVulkanOptions opt = { .gpu_only = kind == RALI_BACKEND_AUTO };
  RaliBackend *be = rali_backend_vulkan_new_full (&opt, kind == RALI_BACKEND_VULKAN ? error : &vkerr);
  if (be || kind == RALI_BACKEND_VULKAN)
    return be;
  /* auto: say once why the GPU is not used, then run on the CPU */
  static gsize told = 0;
  if (g_once_init_enter (&told))
    {
      g_message ("Vulkan unavailable (%s); using the CPU backend", vkerr->message);
      g_once_init_leave (&told, 1);
    }
  return rali_backend_cpu_new (error);
#else
  if (kind == RALI_BACKEND_VULKAN)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_BACKEND,
                   "this build of librali has no Vulkan backend");
      return NULL;
    }
  return rali_backend_cpu_new (error);
#endif
}

RaliEngine *
rali_engine_new (RaliModel *model, RaliBackendKind kind, GError **error)
{
  RaliEngine *e = g_new0 (RaliEngine, 1);
  e->model = model;
  e->be = backend_new (kind, error);
  if (!e->be)
    goto err;
  if (model->config.tower == RALI_TOWER_MOBILENET_V2)
    e->cnn = rali_cnn_new (model, e->be, error);
  else
    e->vit = rali_vit_new (model, e->be, error);
  if (!e->vit && !e->cnn)
    goto err;
  const char *device = NULL;
#ifdef RALI_HAVE_VULKAN
  if (g_str_equal (e->be->ops->name, "vulkan"))
    device = rali_backend_vulkan_describe (e->be);
#endif
  if (g_str_equal (e->be->ops->name, "cpu"))
    device = rali_backend_cpu_describe (e->be);
  e->description = device ? g_strdup_printf ("%s: %s", e->be->ops->name, device) : g_strdup (e->be->ops->name);
  return e;
err:
  rali_engine_free (e);
  return NULL;
}

void
rali_engine_free (RaliEngine *e)
{
  if (!e)
    return;
  g_clear_pointer (&e->vit, rali_vit_free);
  g_clear_pointer (&e->cnn, rali_cnn_free);
  if (e->be)
    e->be->ops->free (e->be);
  g_free (e->description);
  g_free (e);
}

const char *
rali_engine_backend_name (const RaliEngine *e)
{
  return e->be->ops->name;
}

const char *
rali_engine_backend_description (const RaliEngine *e)
{
  return e->description;
}

void
rali_engine_set_worker_nice (RaliEngine *e, int nice_increment)
{
  e->worker_nice = CLAMP (nice_increment, 0, 19);
}

int
rali_engine_get_worker_nice (const RaliEngine *e)
{
  return e->worker_nice;
}

void
rali_engine_set_max_pixels (RaliEngine *e, guint64 max_pixels)
{
  e->max_pixels = max_pixels;
}

guint64
rali_engine_get_max_pixels (const RaliEngine *e)
{
  return e->max_pixels ? e->max_pixels : RALI_DEFAULT_MAX_PIXELS;
}

RaliModel *
rali_engine_model (const RaliEngine *e)
{
  return e->model;
}

gboolean
rali_engine_forward (RaliEngine *e, const float *pixels, int B, float *features, GError **error)
{
  return rali_engine_forward_ex (e, pixels, B, features, NULL, error);
}

gboolean
rali_engine_forward_ex (RaliEngine *e, const float *pixels, int B, float *features, float *embeddings,
                        GError **error)
{
  if (e->cnn)
    return rali_cnn_forward_ex (e->cnn, pixels, B, features, embeddings, NULL, NULL, error);
  return rali_vit_forward_ex (e->vit, pixels, B, features, embeddings, NULL, NULL, error);
}

gboolean
rali_engine_forward_hw (RaliEngine *e, const float *pixels, int B, int height, int width, float *features,
                        float *embeddings, GError **error)
{
  if (e->cnn)
    return rali_cnn_forward_hw (e->cnn, pixels, B, height, width, features, embeddings, NULL, NULL, error);
  int S = e->model->config.image_size;
  if (height != S || width != S)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "a ViT tower takes %dx%d px input, not %dx%d", S, S,
                   width, height);
      return FALSE;
    }
  return rali_vit_forward_ex (e->vit, pixels, B, features, embeddings, NULL, NULL, error);
}

gboolean
rali_engine_decode_file (RaliEngine *e, const char *path, RaliImage *img, GError **error)
{
  const RaliConfig *c = &e->model->config;
  return rali_image_load (img, path, c->crops > 0 ? c->crop_short_side : c->image_size, e->max_pixels, error);
}

gboolean
rali_engine_decode_data (RaliEngine *e, const guint8 *data, gsize size, const char *name, RaliImage *img,
                         GError **error)
{
  const RaliConfig *c = &e->model->config;
  return rali_image_load_from_data (img, data, size, name, c->crops > 0 ? c->crop_short_side : c->image_size,
                                    e->max_pixels, error);
}

gboolean
rali_engine_preprocess_image_hw (RaliEngine *e, const RaliImage *img, float *pixels, int *height, int *width,
                                 GError **error)
{
  const RaliConfig *c = &e->model->config;
  *height = *width = c->image_size;
  if (c->whole_frame)
    return rali_preprocess_frame (pixels, img, c->image_size, c->image_mean, c->image_std, height, width, error);
  if (c->crops > 0)
    return rali_preprocess_crops (pixels, img, c->image_size, c->crop_short_side, c->crops, c->crop_select_grid,
                                  c->crop_select_scale, c->image_mean, c->image_std, error);
  return rali_preprocess_clip (pixels, img, c->image_size, c->image_mean, c->image_std, error);
}

/* the S x S input the square-only entry points promise */
static gboolean
check_square (RaliEngine *e, int height, int width, GError **error)
{
  int S = e->model->config.image_size;
  if (height == S && width == S)
    return TRUE;
  g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "this model reads the whole frame: its input for this photo "
               "is %dx%d px, not %dx%d (a caller of the square-only API; use the _hw functions)", width, height, S, S);
  return FALSE;
}

gboolean
rali_engine_preprocess_image (RaliEngine *e, const RaliImage *img, float *pixels, GError **error)
{
  int h, w;
  return rali_engine_preprocess_image_hw (e, img, pixels, &h, &w, error) && check_square (e, h, w, error);
}

gboolean
rali_engine_preprocess_file_hw (RaliEngine *e, const char *path, float *pixels, int *height, int *width,
                                GError **error)
{
  RaliImage img = { 0 };
  if (!rali_engine_decode_file (e, path, &img, error))
    return FALSE;
  gboolean ok = rali_engine_preprocess_image_hw (e, &img, pixels, height, width, error);
  g_autofree char *name = ok ? NULL : g_filename_display_name (path);
  if (!ok && error && *error && !g_str_has_prefix ((*error)->message, name))
    g_prefix_error (error, "%s: ", name);
  rali_image_clear (&img);
  return ok;
}

gboolean
rali_engine_preprocess_file (RaliEngine *e, const char *path, float *pixels, GError **error)
{
  int h, w;
  if (!rali_engine_preprocess_file_hw (e, path, pixels, &h, &w, error))
    return FALSE;
  if (check_square (e, h, w, error))
    return TRUE;
  g_autofree char *name = g_filename_display_name (path);
  g_prefix_error (error, "%s: ", name);
  return FALSE;
}

GArray *
rali_model_gemm_shapes_hw (const RaliModel *m, int B, int H, int W)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (RaliGemmShape));
  if (m->config.tower == RALI_TOWER_MOBILENET_V2)
    rali_cnn_gemm_shapes_hw (&m->config, B, H, W, out);
  else
    rali_vit_gemm_shapes (&m->config, B, out);
  return out;
}

GArray *
rali_model_gemm_shapes (const RaliModel *m, int B)
{
  return rali_model_gemm_shapes_hw (m, B, m->config.image_size, m->config.image_size);
}

double
rali_model_forward_flops_hw (const RaliModel *m, int B, int H, int W)
{
  g_autoptr (GArray) shapes = rali_model_gemm_shapes_hw (m, B, H, W);
  double flops = 0;
  for (guint i = 0; i < shapes->len; i++)
    {
      const RaliGemmShape *g = &g_array_index (shapes, RaliGemmShape, i);
      flops += 2.0 * g->M * g->N * (double) g->K * g->count;
    }
  if (m->config.tower == RALI_TOWER_MOBILENET_V2)
    flops += rali_cnn_dwconv_flops_hw (&m->config, B, H, W);
  return flops;
}

double
rali_model_forward_flops (const RaliModel *m, int B)
{
  return rali_model_forward_flops_hw (m, B, m->config.image_size, m->config.image_size);
}

int
rali_model_views (const RaliModel *m)
{
  return m->config.crops > 0 ? m->config.crops : 1;
}

gsize
rali_model_input_floats (const RaliModel *m)
{
  gsize S = m->config.image_size;
  return (gsize) rali_model_views (m) * 3 * S * S * (m->config.whole_frame ? RALI_FRAME_MAX_ASPECT : 1);
}

void
rali_l2_normalize (float *v, int D)
{
  double ss = 0;
  for (int i = 0; i < D; i++)
    ss += (double) v[i] * v[i];
  /* CLIP / torch.nn.functional.normalize clamp the norm at 1e-12 */
  float inv = (float) (1.0 / MAX (sqrt (ss), 1e-12));
  for (int i = 0; i < D; i++)
    v[i] *= inv;
}
