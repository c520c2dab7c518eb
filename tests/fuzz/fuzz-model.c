/* The model loader (engine/nn/model.c): safetensors header length, JSON
 * header, tensor table and rali.config, on arbitrary bytes written to a
 * .rali file.  A model that loads must describe itself and, when it has a
 * head, score a zero feature vector without trouble. */
#include "fuzz-common.h"
#include "rali.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *path = fuzz_write_file ("model.rali", data, size);
  GError *error = NULL;
  RaliModel *m = rali_model_open (path, &error);
  if (m)
    {
      const RaliConfig *c = rali_model_config (m);
      g_assert (c->projection_dim > 0);
      g_assert (rali_model_n_params (m) > 0);
      if (rali_model_has_head (m))
        {
          float *f = g_new0 (float, c->projection_dim);
          RaliDescriptor top[5];
          float score;
          int n = 0;
          if (!rali_head_score_distinct (m, f, 5, 0.6, &score, top, &n, NULL, &error))
            g_clear_error (&error);
          g_free (f);
        }
      rali_model_free (m);
    }
  else
    {
      g_assert (error);
      g_clear_error (&error);
    }
  g_free (path);
  return 0;
}
