/* Images per second of the ViT forward on the CPU backend and the Vulkan
 * backend, in one run, on a random model built in memory (no file): by
 * default ViT-B/16-shaped (224 px, patch 16, width 768, 12 layers, 12 heads,
 * MLP 3072, projection 512).  A benchmark, not a test: it also prints the
 * largest difference between the backends' features as a sanity check.
 *
 *   bench-vit [--batches 1,16] [--iterations N] [--backends cpu,vulkan,vulkan-fp16]
 *             [--layers L] [--width C --heads H --mlp F] [--image S --patch P]
 *
 * The Vulkan device is the backend's usual pick (RALI_VULKAN_DEVICE to
 * choose); lavapipe counts as a device here, unlike `--backend auto`. */
#include "nn/backend.h"
#include "nn/model-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  RaliModel model;
  float *block;
} BenchModel;

static guint64 rng_state = 0x9e3779b97f4a7c15ull;

/* uniform in [-1, 1), xorshift64*: fast enough for 86M weights */
static float
rnd (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (float) ((rng_state * 0x2545f4914f6cdd1dull) >> 40) / (float) (1 << 23) - 1.0f;
}

static const float *
take (float **cursor, gsize n, float scale, float offset)
{
  float *p = *cursor;
  for (gsize i = 0; i < n; i++)
    p[i] = offset + scale * rnd ();
  *cursor += n;
  return p;
}

static void
bench_model_init (BenchModel *m, int S, int P, int C, int L, int H, int F, int D)
{
  memset (m, 0, sizeof *m);
  RaliConfig *c = &m->model.config;
  c->name = (char *) "bench";
  c->image_size = S, c->patch_size = P, c->width = C, c->layers = L, c->heads = H, c->mlp_size = F;
  c->projection_dim = D, c->activation = RALI_ACT_QUICK_GELU, c->layer_norm_eps = 1e-5f;
  gsize G = S / P, T = G * G + 1;
  gsize per_layer = 4 * ((gsize) C * C + C) + 4 * (gsize) C + (gsize) F * C + F + (gsize) C * F + C;
  gsize n = (gsize) C * 3 * P * P + C + T * C + 4 * (gsize) C + L * per_layer + (gsize) D * C;
  m->block = g_new (float, n);
  float *cur = m->block;
  RaliWeights *w = &m->model.weights;
  float ws = 0.02f * sqrtf (3.0f); /* uniform with std 0.02 */
  w->patch_w = take (&cur, (gsize) C * 3 * P * P, ws, 0);
  w->class_emb = take (&cur, C, ws, 0);
  w->pos_emb = take (&cur, T * C, ws, 0);
  w->pre_ln_w = take (&cur, C, 0.1f, 1), w->pre_ln_b = take (&cur, C, 0.1f, 0);
  w->layers = g_new0 (RaliLayerWeights, L);
  for (int l = 0; l < L; l++)
    {
      RaliLayerWeights *lw = &w->layers[l];
      lw->ln1_w = take (&cur, C, 0.1f, 1), lw->ln1_b = take (&cur, C, 0.1f, 0);
      lw->q_w = take (&cur, (gsize) C * C, ws, 0), lw->q_b = take (&cur, C, ws, 0);
      lw->k_w = take (&cur, (gsize) C * C, ws, 0), lw->k_b = take (&cur, C, ws, 0);
      lw->v_w = take (&cur, (gsize) C * C, ws, 0), lw->v_b = take (&cur, C, ws, 0);
      lw->o_w = take (&cur, (gsize) C * C, ws, 0), lw->o_b = take (&cur, C, ws, 0);
      lw->ln2_w = take (&cur, C, 0.1f, 1), lw->ln2_b = take (&cur, C, 0.1f, 0);
      lw->fc1_w = take (&cur, (gsize) F * C, ws, 0), lw->fc1_b = take (&cur, F, ws, 0);
      lw->fc2_w = take (&cur, (gsize) C * F, ws, 0), lw->fc2_b = take (&cur, C, ws, 0);
    }
  w->post_ln_w = take (&cur, C, 0.1f, 1), w->post_ln_b = take (&cur, C, 0.1f, 0);
  w->proj_w = take (&cur, (gsize) D * C, ws, 0);
  g_assert ((gsize) (cur - m->block) == n);
  m->model.n_params = n;
}

static RaliBackend *
backend_new (const char *name, GError **error)
{
  if (strcmp (name, "cpu") == 0)
    return rali_backend_cpu_new (error);
#ifdef RALI_HAVE_VULKAN
  RaliVulkanOptions opt = { .fp16 = strcmp (name, "vulkan-fp16") == 0 ? RALI_VULKAN_FP16_ON : RALI_VULKAN_FP16_OFF };
  if (g_str_has_prefix (name, "vulkan"))
    return rali_backend_vulkan_new_full (&opt, error);
#endif
  g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "unknown or unbuilt backend %s", name);
  return NULL;
}

int
main (int argc, char **argv)
{
  g_autofree char *batches_s = NULL, *backends_s = NULL;
  int iterations = 2, S = 224, P = 16, C = 768, L = 12, H = 12, F = 3072, D = 512;
  GOptionEntry entries[] = {
    { "batches", 0, 0, G_OPTION_ARG_STRING, &batches_s, "batch sizes (default 1,16)", "LIST" },
    { "backends", 0, 0, G_OPTION_ARG_STRING, &backends_s, "backends (default cpu,vulkan)", "LIST" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "timed forward passes per batch size (default 2)", "N" },
    { "image", 0, 0, G_OPTION_ARG_INT, &S, "image side (224)", "S" },
    { "patch", 0, 0, G_OPTION_ARG_INT, &P, "patch side (16)", "P" },
    { "width", 0, 0, G_OPTION_ARG_INT, &C, "width (768)", "C" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &L, "layers (12)", "L" },
    { "heads", 0, 0, G_OPTION_ARG_INT, &H, "heads (12)", "H" },
    { "mlp", 0, 0, G_OPTION_ARG_INT, &F, "MLP size (3072)", "F" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- ViT forward images/s, CPU vs Vulkan");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || S % P || C % H || iterations < 1)
    {
      fprintf (stderr, "bench-vit: %s\n", error ? error->message : "bad sizes");
      return 2;
    }
  g_auto (GStrv) batches = g_strsplit (batches_s ? batches_s : "1,16", ",", -1);
  g_auto (GStrv) backends = g_strsplit (backends_s ? backends_s : "cpu,vulkan", ",", -1);
  int n_backends = (int) g_strv_length (backends), n_batches = (int) g_strv_length (batches);

  BenchModel bm;
  bench_model_init (&bm, S, P, C, L, H, F, D);
  int G = S / P, T = G * G + 1;
  double gflop = 2.0 * (double) L * T * (4.0 * C * C + 2.0 * C * F + 2.0 * T * C) / 1e9 +
                 2.0 * G * G * C * 3.0 * P * P / 1e9;
  printf ("model: ViT %dpx/%d, width %d, %d layers, %d heads, mlp %d, proj %d: %.1fM params, %.1f GFLOP/image\n",
          S, P, C, L, H, F, D, bm.model.n_params / 1e6, gflop);

  int maxB = 1;
  for (int i = 0; i < n_batches; i++)
    maxB = MAX (maxB, atoi (batches[i]));
  gsize per = (gsize) 3 * S * S;
  g_autofree float *pixels = g_new (float, per * maxB);
  for (gsize i = 0; i < per * maxB; i++)
    pixels[i] = rnd ();
  /* features[backend][batch] for the cross-check */
  g_autofree float **feats = g_new0 (float *, n_backends * n_batches);

  printf ("%-12s %6s %10s %10s %10s  %s\n", "backend", "batch", "s/iter", "images/s", "GFLOP/s", "device");
  for (int bi = 0; bi < n_backends; bi++)
    {
      RaliBackend *be = backend_new (backends[bi], &error);
      if (!be)
        {
          printf ("%-12s unavailable: %s\n", backends[bi], error->message);
          g_clear_error (&error);
          continue;
        }
      const char *device = "OpenBLAS";
#ifdef RALI_HAVE_VULKAN
      if (g_str_has_prefix (backends[bi], "vulkan"))
        device = rali_backend_vulkan_describe (be);
#endif
      gint64 t0 = g_get_monotonic_time ();
      RaliVit *vit = rali_vit_new (&bm.model, be, &error);
      if (!vit)
        {
          printf ("%-12s failed: %s\n", backends[bi], error->message);
          g_clear_error (&error);
          be->ops->free (be);
          continue;
        }
      printf ("%-12s weights uploaded in %.2f s\n", backends[bi], (g_get_monotonic_time () - t0) / 1e6);
      /* one untimed pass at the smallest batch builds what is built once
       * (pipelines); a new batch size then costs only its scratch buffers
       * and one command-buffer recording in its first timed pass */
      g_autofree float *warm = g_new (float, D);
      if (!rali_vit_forward (vit, pixels, 1, warm, NULL, NULL, &error))
        {
          printf ("%-12s failed: %s\n", backends[bi], error->message);
          g_clear_error (&error);
        }
      for (int i = 0; i < n_batches; i++)
        {
          int B = atoi (batches[i]);
          float *f = feats[bi * n_batches + i] = g_new (float, (gsize) B * D);
          t0 = g_get_monotonic_time ();
          for (int it = 0; it < iterations; it++)
            if (!rali_vit_forward (vit, pixels, B, f, NULL, NULL, &error))
              break;
          if (error)
            {
              printf ("%-12s B=%d failed: %s\n", backends[bi], B, error->message);
              g_clear_error (&error);
              g_clear_pointer (&feats[bi * n_batches + i], g_free);
              continue;
            }
          double s = (g_get_monotonic_time () - t0) / 1e6 / iterations;
          printf ("%-12s %6d %10.3f %10.2f %10.1f  %s\n", backends[bi], B, s, B / s, B * gflop / s, device);
          fflush (stdout);
        }
      rali_vit_free (vit);
      be->ops->free (be);
    }

  /* every backend's features against the first one's, per batch size */
  for (int i = 0; i < n_batches; i++)
    for (int bi = 1; bi < n_backends; bi++)
      {
        float *a = feats[i], *b = feats[bi * n_batches + i];
        if (!a || !b)
          continue;
        int B = atoi (batches[i]);
        double maxd = 0, maxa = 0;
        for (gsize j = 0; j < (gsize) B * D; j++)
          maxd = MAX (maxd, fabs ((double) a[j] - b[j])), maxa = MAX (maxa, fabs ((double) a[j]));
        printf ("check B=%d: max|%s − %s| = %.3g (max|%s| = %.3g)\n", B, backends[bi], backends[0], maxd,
                backends[0], maxa);
      }
  for (int i = 0; i < n_backends * n_batches; i++)
    g_free (feats[i]);
  g_free (bm.model.weights.layers);
  g_free (bm.block);
  return 0;
}
