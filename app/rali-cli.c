/* `rali`: command-line front end over librali.
 *
 *   rali embed --model FILE [--json] [--backend B] [--batch N] PATH...
 *   rali info  --model FILE
 *
 * Exit codes: 0 all good, 2 some files failed (the rest still processed),
 * 1 usage or model errors. */
#include "rali.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <locale.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_SOME_FAILED = 2 };

typedef struct {
  char *model_path;
  char *backend;
  gboolean json;
  int batch;
} CommonOptions;

/* JSON string literal for s (escaped by json-glib, never by hand) */
static char *
json_quote (const char *s)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (n, s);
  return json_to_string (n, FALSE);
}

static void
print_error_line (const char *path, const char *message, gboolean json)
{
  if (json)
    {
      g_autofree char *p = json_quote (path), *m = json_quote (message);
      printf ("{\"path\": %s, \"error\": %s}\n", p, m);
    }
  else
    fprintf (stderr, "rali: %s\n", message);
  fflush (stdout);
}

typedef struct {
  gboolean json;
  int failures;
} CollectState;

static void
on_collect_error (const char *path, const char *message, gpointer user_data)
{
  CollectState *st = user_data;
  g_autofree char *msg = g_strdup_printf ("%s: %s", path, message);
  print_error_line (path, msg, st->json);
  st->failures++;
}

static RaliModel *
open_model (const char *path)
{
  if (!path)
    {
      fprintf (stderr, "rali: --model FILE is required (no default model is shipped yet)\n");
      return NULL;
    }
  g_autoptr (GError) error = NULL;
  RaliModel *m = rali_model_open (path, &error);
  if (!m)
    fprintf (stderr, "rali: %s\n", error->message);
  return m;
}

static void
print_embedding (const char *path, const float *e, int D, gboolean json)
{
  GString *line = g_string_sized_new (32 + D * 14);
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  if (json)
    {
      g_autofree char *p = json_quote (path);
      g_string_append_printf (line, "{\"path\": %s, \"embedding\": [", p);
    }
  else
    g_string_append (line, path);
  for (int i = 0; i < D; i++)
    {
      g_ascii_formatd (num, sizeof num, "%.9g", e[i]);
      g_string_append (line, json ? (i ? ", " : "") : "\t");
      g_string_append (line, num);
    }
  g_string_append (line, json ? "]}\n" : "\n");
  fputs (line->str, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
}

static int
cmd_embed (CommonOptions *opt, char **paths, int n_paths)
{
  if (n_paths < 1)
    {
      fprintf (stderr, "rali embed: no PATH given\n");
      return EXIT_USAGE;
    }
  g_autoptr (GError) error = NULL;
  RaliBackendKind kind;
  if (!rali_backend_kind_from_string (opt->backend, &kind, &error))
    {
      fprintf (stderr, "rali: %s\n", error->message);
      return EXIT_USAGE;
    }
  RaliModel *model = open_model (opt->model_path);
  if (!model)
    return EXIT_USAGE;
  RaliEngine *engine = rali_engine_new (model, kind, &error);
  if (!engine)
    {
      fprintf (stderr, "rali: %s\n", error->message);
      rali_model_free (model);
      return EXIT_USAGE;
    }

  const RaliConfig *c = rali_model_config (model);
  CollectState st = { opt->json, 0 };
  g_autoptr (GPtrArray) files = rali_collect_images (paths, n_paths, on_collect_error, &st);
  gsize S = c->image_size, D = c->projection_dim, px = 3 * S * S;
  int B = CLAMP (opt->batch, 1, 256);
  g_autofree float *pixels = g_new (float, px * B);
  g_autofree float *features = g_new (float, D * B);
  const char **batch_paths = g_new (const char *, B);
  int status = EXIT_OK;

  for (guint i = 0; i < files->len;)
    {
      int n = 0;
      for (; i < files->len && n < B; i++)
        {
          const char *path = files->pdata[i];
          g_autoptr (GError) ferr = NULL;
          if (rali_engine_preprocess_file (engine, path, pixels + n * px, &ferr))
            batch_paths[n++] = path;
          else
            {
              print_error_line (path, ferr->message, opt->json);
              st.failures++;
            }
        }
      if (n == 0)
        continue;
      g_autoptr (GError) ferr = NULL;
      if (!rali_engine_forward (engine, pixels, n, features, &ferr))
        {
          for (int j = 0; j < n; j++)
            print_error_line (batch_paths[j], ferr->message, opt->json);
          st.failures += n;
          continue;
        }
      for (int j = 0; j < n; j++)
        {
          rali_l2_normalize (features + j * D, D);
          print_embedding (batch_paths[j], features + j * D, D, opt->json);
        }
    }
  if (st.failures)
    status = EXIT_SOME_FAILED;
  g_free (batch_paths);
  rali_engine_free (engine);
  rali_model_free (model);
  return status;
}

static int
cmd_info (CommonOptions *opt)
{
  RaliModel *model = open_model (opt->model_path);
  if (!model)
    return EXIT_USAGE;
  const RaliConfig *c = rali_model_config (model);
  printf ("model:        %s\n", rali_model_path (model));
  printf ("name:         %s\n", c->name);
  printf ("source:       %s\n", c->source);
  printf ("architecture: ViT %dx%d/%d, width %d, %d layers, %d heads, mlp %d, %s, projection %d\n",
          c->image_size, c->image_size, c->patch_size, c->width, c->layers, c->heads, c->mlp_size,
          c->activation == RALI_ACT_GELU ? "gelu" : "quick_gelu", c->projection_dim);
  printf ("parameters:   %zu\n", rali_model_n_params (model));
  printf ("preprocess:   mean %g %g %g, std %g %g %g\n", c->image_mean[0], c->image_mean[1],
          c->image_mean[2], c->image_std[0], c->image_std[1], c->image_std[2]);
  if (c->n_prototypes > 0)
    {
      printf ("head:         PCA %d -> %d, %d prototypes, temperature %g, scores %g..%g\n",
              c->projection_dim, c->pca_dim, c->n_prototypes, c->temperature, c->score_min, c->score_max);
      printf ("descriptors:  %s%s\n", c->descriptor_provenance,
              c->descriptors ? "" : " (no texts: prototypes are labelled by number and score)");
    }
  else
    printf ("head:         none (embeddings only)\n");
  printf ("sha256:       %s\n", rali_model_hash (model));
  rali_model_free (model);
  return EXIT_OK;
}

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: rali COMMAND [OPTIONS] PATH...\n\n"
           "Commands:\n"
           "  embed   print the unit CLIP embedding of each image\n"
           "  info    describe a model file\n\n"
           "Run 'rali COMMAND --help' for the options of a command.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
  const char *cmd = argv[1];
  CommonOptions opt = { .backend = NULL, .batch = 8 };
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model_path, "Model file (.rali)", "FILE" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt.backend, "auto, cpu or vulkan (default auto)", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt.json, "One JSON object per line", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opt.batch, "Images per forward pass (default 8)", "N" },
    { NULL }
  };
  g_autofree char *param = g_strdup_printf ("%s PATH...", cmd);
  g_autoptr (GOptionContext) ctx = g_option_context_new (param);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  argv[1] = argv[0];
  int sub_argc = argc - 1;
  char **sub_argv = argv + 1;
  if (!g_option_context_parse (ctx, &sub_argc, &sub_argv, &error))
    {
      fprintf (stderr, "rali %s: %s\n", cmd, error->message);
      return EXIT_USAGE;
    }
  if (!opt.backend)
    opt.backend = g_strdup ("auto");

  int rc;
  if (strcmp (cmd, "embed") == 0)
    rc = cmd_embed (&opt, sub_argv + 1, sub_argc - 1);
  else if (strcmp (cmd, "info") == 0)
    rc = cmd_info (&opt);
  else
    {
      fprintf (stderr, "rali: unknown command '%s'\n", cmd);
      usage (stderr);
      rc = EXIT_USAGE;
    }
  g_free (opt.model_path);
  g_free (opt.backend);
  return rc;
}
