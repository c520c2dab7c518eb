/* MobileNetV2 forward (engine/nn/cnn.c) vs the PyTorch dump of
 * tools/make-fixture.py (ralifmt.mobilenet_v2_forward): every stage (stem,
 * block.N, final, pooled, features; NHWC) batched and one image at a time,
 * within 1e-4 relative on the CPU, 1e-3 on Vulkan (fp32), 1e-2 with fp16
 * weights (DESIGN.md); then the engine, which must pick this tower from the
 * config.
 *
 *   test-cnn MODEL.rali REF.safetensors [cpu|vulkan|vulkan-fp16]
 *
 * Exits 77 (skipped) when no Vulkan loader or device exists. */
#include "nn/backend.h"
#include "nn/model-private.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

/* A whole-frame model's reference (make-fixture.py: pixels@I and every stage
 * @I per image, shapes [n, 2]): each image at its own H x W through one
 * RaliCnn, its buffers growing and shrinking with the shapes (in the file's
 * order, then backwards), every stage traced; two copies of one image as a
 * batch of 2; then the engine's rali_engine_forward_hw. */
static gboolean
whole_frames (RaliModel *model, RaliCnn *cnn, RefFile *ref, RaliBackendKind kind, gboolean fp16)
{
  const RaliConfig *c = rali_model_config (model);
  gboolean ok = TRUE, cpu = kind == RALI_BACKEND_CPU;
  g_autoptr (GError) error = NULL;
  gsize ns, D = c->projection_dim;
  const float *shapes = ref_get (ref, "shapes", &ns, NULL);
  int n = (int) (ns / 2);
  double rtol = cpu ? 1e-4 : fp16 ? 1e-2 : 1e-3, atol = fp16 ? 1e-2 : rtol * 0.1;
  ok &= c->whole_frame;
  printf ("%-4s the config reads the whole frame\n", c->whole_frame ? "ok" : "FAIL");
  g_autofree float *f = g_new (float, 2 * D);
  for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < n; k++)
      {
        int i = pass == 0 ? k : n - 1 - k, H = (int) shapes[2 * i], W = (int) shapes[2 * i + 1];
        g_autofree char *suffix = g_strdup_printf ("@%d", i);
        g_autofree char *pname = g_strdup_printf ("pixels@%d", i);
        gsize np;
        const float *px = ref_get (ref, pname, &np, NULL);
        g_assert_cmpuint (np, ==, (gsize) 3 * H * W);
        RefTrace t = { ref, 1, 0, 1, atol, rtol, 0, TRUE, suffix };
        if (!rali_cnn_forward_hw (cnn, px, 1, H, W, f, NULL, pass == 0 ? ref_trace_compare : NULL, &t, &error))
          {
            printf ("FAIL forward %dx%d: %s\n", W, H, error->message);
            return FALSE;
          }
        g_autofree char *fname = g_strdup_printf ("features@%d", i);
        const float *fref = ref_get (ref, fname, NULL, NULL);
        g_autofree char *what = g_strdup_printf ("image %d (%dx%d) features, pass %d", i, W, H, pass);
        ok &= (pass > 0 || (t.ok && t.stages == 4 + c->cnn_blocks)) && compare_arrays (what, f, fref, D, atol, rtol);
        if (i == 1)
          {
            /* a batch of two of one shape */
            g_autofree float *two = g_new (float, 2 * np);
            memcpy (two, px, np * sizeof (float));
            memcpy (two + np, px, np * sizeof (float));
            g_assert_true (rali_cnn_forward_hw (cnn, two, 2, H, W, f, NULL, NULL, NULL, &error));
            ok &= compare_arrays ("batch of 2, image 0", f, fref, D, atol, rtol);
            ok &= compare_arrays ("batch of 2, image 1", f + D, fref, D, atol, rtol);
          }
      }
  g_assert_false (rali_cnn_forward_hw (cnn, f, 1, 0, 5, f, NULL, NULL, NULL, &error));
  printf ("ok   a 5x0 input refused: %s\n", error->message);
  g_clear_error (&error);

  RaliEngine *e = rali_engine_new (model, kind, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      int H = (int) shapes[2 * i], W = (int) shapes[2 * i + 1];
      g_autofree char *pname = g_strdup_printf ("pixels@%d", i), *fname = g_strdup_printf ("features@%d", i);
      g_assert_true (rali_engine_forward_hw (e, ref_get (ref, pname, NULL, NULL), 1, H, W, f, NULL, &error));
      g_autofree char *what = g_strdup_printf ("engine, image %d", i);
      ok &= compare_arrays (what, f, ref_get (ref, fname, NULL, NULL), D, atol, rtol);
    }
  rali_engine_free (e);
  return ok;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: %s MODEL REF [cpu|vulkan|vulkan-fp16]\n", argv[0]);
      return 2;
    }
  const char *backend = argc > 3 ? argv[3] : "cpu";
  g_autoptr (GError) error = NULL;
  RaliModel *model = rali_model_open (argv[1], &error);
  if (!model)
    {
      printf ("FAIL %s\n", error->message);
      return 1;
    }
  const RaliConfig *c = rali_model_config (model);
  if (c->tower != RALI_TOWER_MOBILENET_V2)
    {
      printf ("FAIL %s is not a mobilenet_v2 model\n", argv[1]);
      return 1;
    }
  gboolean cpu = strcmp (backend, "cpu") == 0, fp16 = strcmp (backend, "vulkan-fp16") == 0;
#ifdef RALI_HAVE_VULKAN
  RaliVulkanOptions vk_opt = { .fp16 = fp16 ? RALI_VULKAN_FP16_ON : RALI_VULKAN_FP16_OFF };
  RaliBackend *be = cpu ? rali_backend_cpu_new (&error) : rali_backend_vulkan_new_full (&vk_opt, &error);
#else
  RaliBackend *be = cpu ? rali_backend_cpu_new (&error) : NULL;
#endif
  if (!be && (!error || g_error_matches (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED)))
    {
      printf ("SKIP backend %s: %s\n", backend, error ? error->message : "not built");
      return 77;
    }
  if (!be)
    {
      printf ("FAIL backend %s: %s\n", backend, error->message);
      return 1;
    }
#ifdef RALI_HAVE_VULKAN
  if (fp16 && !strstr (rali_backend_vulkan_describe (be), "fp16 weights"))
    {
      printf ("SKIP the device cannot store fp16 weights\n");
      be->ops->free (be);
      return 77;
    }
#endif
  gboolean ok = TRUE;
  g_autofree char *arch = rali_model_describe_tower (model);
  g_autofree char *want = g_strdup_printf ("MobileNetV2, stem %d, %d blocks, final %d", c->cnn_stem, c->cnn_blocks,
                                           c->cnn_final);
  ok &= g_str_has_prefix (arch, want);
  printf ("%-4s architecture: %s\n", g_str_has_prefix (arch, want) ? "ok" : "FAIL", arch);

  RaliCnn *cnn = rali_cnn_new (model, be, &error);
  g_assert_no_error (error);
  RefFile *ref = ref_open (argv[2]);
  if (ref_get (ref, "shapes", NULL, NULL))
    {
      ok &= whole_frames (model, cnn, ref, cpu ? RALI_BACKEND_CPU : RALI_BACKEND_VULKAN, fp16);
      rali_cnn_free (cnn);
      be->ops->free (be);
      ref_free (ref);
      rali_model_free (model);
      printf ("%s\n", ok ? "PASS" : "FAILED");
      return ok ? 0 : 1;
    }
  gint64 Btotal;
  gsize npix;
  const float *pixels = ref_get (ref, "pixels", &npix, &Btotal);
  gsize per = npix / Btotal, D = c->projection_dim;
  g_assert_cmpuint (per, ==, (gsize) 3 * c->image_size * c->image_size);

  double rtol = cpu ? 1e-4 : fp16 ? 1e-2 : 1e-3;
  /* as test-vit: errors scale with the activations (RMS 1–2 in the fixture) */
  double atol = fp16 ? 1e-2 : rtol * 0.1;
  g_autofree float *features = g_new (float, Btotal * D);

  /* the whole batch at once, every stage traced */
  RefTrace t = { ref, (int) Btotal, 0, (int) Btotal, atol, rtol, 0, TRUE, NULL };
  if (!rali_cnn_forward_ex (cnn, pixels, (int) Btotal, features, NULL, ref_trace_compare, &t, &error))
    {
      printf ("FAIL forward: %s\n", error->message);
      return 1;
    }
  /* stem, blocks, final, pooled, features */
  int stages = 4 + c->cnn_blocks;
  if (t.stages != stages)
    printf ("FAIL %d stages traced, %d expected\n", t.stages, stages);
  ok &= t.ok && t.stages == stages;
  /* one at a time: batch size must not change a result */
  gsize fn;
  const float *fref = ref_get (ref, "features", &fn, NULL);
  for (int b = 0; b < Btotal; b++)
    {
      RefTrace t1 = { ref, 1, b, (int) Btotal, atol, rtol, 0, TRUE, NULL };
      if (!rali_cnn_forward_ex (cnn, pixels + b * per, 1, features, NULL, b == 0 ? ref_trace_compare : NULL, &t1, &error))
        {
          printf ("FAIL forward: %s\n", error->message);
          return 1;
        }
      g_autofree char *what = g_strdup_printf ("features b=1 image %d", b);
      ok &= t1.ok && compare_arrays (what, features, fref + b * D, D, atol, rtol);
    }
  /* untraced, with unit embeddings (the backend's l2norm) */
  g_autofree float *emb = g_new (float, Btotal * D);
  g_autofree float *eref = g_memdup2 (fref, Btotal * D * sizeof (float));
  for (gint64 b = 0; b < Btotal; b++)
    rali_l2_normalize (eref + b * D, (int) D);
  g_assert_true (rali_cnn_forward_ex (cnn, pixels, (int) Btotal, features, emb, NULL, NULL, &error));
  ok &= compare_arrays ("features untraced", features, fref, Btotal * D, atol, rtol);
  ok &= compare_arrays ("unit embeddings", emb, eref, Btotal * D, atol, rtol);
  g_assert_false (rali_cnn_forward_ex (cnn, pixels, 0, features, NULL, NULL, NULL, &error));
  printf ("ok   batch 0 refused: %s\n", error->message);
  g_clear_error (&error);
  rali_cnn_free (cnn);
  be->ops->free (be);

  /* the engine picks the tower from the config */
  RaliEngine *e = rali_engine_new (model, cpu ? RALI_BACKEND_CPU : RALI_BACKEND_VULKAN, &error);
  g_assert_no_error (error);
  memset (features, 0, Btotal * D * sizeof (float));
  g_assert_true (rali_engine_forward_ex (e, pixels, (int) Btotal, features, emb, &error));
  ok &= compare_arrays ("engine features", features, fref, Btotal * D, atol, rtol);
  ok &= compare_arrays ("engine unit embeddings", emb, eref, Btotal * D, atol, rtol);
  rali_engine_free (e);
  ref_free (ref);
  rali_model_free (model);

  printf ("%s\n", ok ? "PASS" : "FAILED");
  return ok ? 0 : 1;
}
