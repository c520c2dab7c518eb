/* `rali bench`: each step of scoring timed apart, on one thread at a time
 * (the forward on the backend's threads), over repeated runs of one batch:
 *
 *   decode      the file (or the generated JPEG's bytes) to RGB8, with the
 *               DCT scaling and EXIF orientation `rali score` uses
 *   preprocess  RGB8 to the model's pixels (resize, crop, normalise)
 *   forward     one forward of the batch (all views) on the backend
 *   head        per image: the mean of its views' features, the score and
 *               distinct descriptors, the consensus summary
 *
 * Per run: the stages' seconds; reported as min / median / max over the
 * timed runs, with images/s of the forward alone and of the four stages in
 * series (`rali score` overlaps decoding with the forward, so it runs
 * faster than the serial figure on more than one core).  Without a PATH it
 * makes photo-like JPEGs in memory (smooth colour fields, texture and
 * grain; 6000x4000 by default, a 24-megapixel camera's), so that decoding
 * costs what a camera file does. */
#include "rali-bench.h"
#include "stages.h"
#include "head/explain.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

enum { EXIT_OK = 0, EXIT_USAGE = 1 };

enum { ST_DECODE, ST_PREPROCESS, ST_FORWARD, ST_HEAD, N_STAGES };
static const char *const stage_names[N_STAGES] = { "decode", "preprocess", "forward", "head" };

/* one image the runs go through: a file, or JPEG bytes in memory */
typedef struct {
  char *path;  /* NULL for a generated one */
  guint8 *jpeg;
  gsize size;
} Input;

/* ---- generated photos ---- */

static guint32
lcg (guint32 *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* A photo-like W x H RGB8 picture: per channel a smooth field (row and
 * column waves of random phase), a finer texture and grain of a few
 * levels, so that its JPEG holds about as much detail as a camera's. */
static guint8 *
synth_photo (int W, int H, guint32 seed)
{
  guint32 s = seed * 2654435761u + 12345u;
  float *colx = g_new (float, (gsize) 3 * W), *rowy = g_new (float, (gsize) 3 * H);
  float tex[3][256];
  for (int c = 0; c < 3; c++)
    {
      float p1 = (lcg (&s) % 1000) / 159.0f, p2 = (lcg (&s) % 1000) / 159.0f;
      float f1 = 1.5f + (lcg (&s) % 100) / 40.0f, f2 = 1.0f + (lcg (&s) % 100) / 50.0f;
      for (int x = 0; x < W; x++)
        colx[c * W + x] = 60.0f * sinf (f1 * 6.2832f * x / W + p1) + 20.0f * sinf (13.0f * 6.2832f * x / W + p2);
      for (int y = 0; y < H; y++)
        rowy[c * H + y] = 50.0f * sinf (f2 * 6.2832f * y / H + p2) + 15.0f * sinf (29.0f * 6.2832f * y / H + p1);
      for (int i = 0; i < 256; i++)
        tex[c][i] = 12.0f * sinf (6.2832f * i / 256 * 3 + p1) + 6.0f * sinf (6.2832f * i / 256 * 17);
    }
  guint8 *rgb = g_new (guint8, (gsize) W * H * 3);
  for (int y = 0; y < H; y++)
    {
      guint8 *row = rgb + (gsize) y * W * 3;
      for (int x = 0; x < W; x++)
        for (int c = 0; c < 3; c++)
          {
            float v = 120.0f + colx[c * W + x] + rowy[c * H + y] + tex[c][(x / 3 + 2 * y / 5 + c * 40) & 255] +
                      (float) (lcg (&s) % 13) - 6.0f;
            row[x * 3 + c] = (guint8) CLAMP ((int) v, 0, 255);
          }
    }
  g_free (colx);
  g_free (rowy);
  return rgb;
}

static gboolean
make_jpeg (Input *in, int W, int H, guint32 seed, GError **error)
{
  g_autofree guint8 *rgb = synth_photo (W, H, seed);
  tjhandle tj = tjInitCompress ();
  unsigned char *buf = NULL;
  unsigned long size = 0;
  if (!tj || tjCompress2 (tj, rgb, W, 0, H, TJPF_RGB, &buf, &size, TJSAMP_420, 92, TJFLAG_ACCURATEDCT) != 0)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_DECODE, "cannot make a %dx%d JPEG: %s", W, H,
                   tj ? tjGetErrorStr2 (tj) : "no TurboJPEG compressor");
      if (tj)
        tjDestroy (tj);
      return FALSE;
    }
  in->jpeg = g_memdup2 (buf, size);
  in->size = size;
  tjFree (buf);
  tjDestroy (tj);
  return TRUE;
}

/* ---- statistics ---- */

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

typedef struct {
  double min, median, max;
} Stat;

static Stat
stat_of (const double *v, int n)
{
  g_autofree double *s = g_memdup2 (v, sizeof (double) * n);
  qsort (s, n, sizeof (double), cmp_double);
  Stat r = { s[0], n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]), s[n - 1] };
  return r;
}

static void
json_stat (JsonBuilder *b, const char *name, Stat st, const char *unit)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "min");
  json_builder_add_double_value (b, st.min);
  json_builder_set_member_name (b, "median");
  json_builder_add_double_value (b, st.median);
  json_builder_set_member_name (b, "max");
  json_builder_add_double_value (b, st.max);
  json_builder_set_member_name (b, "unit");
  json_builder_add_string_value (b, unit);
  json_builder_end_object (b);
}

/* ---- one run: the batch through every stage ---- */

typedef struct {
  RaliModel *model;
  RaliEngine *engine;
  const Input *inputs;
  int n_inputs, B, V, D, K, top;
  float *pixels, *packed, *features, *embeddings, *mean, *sims, *weights;
  int *height, *width; /* [B] each image's input shape (a whole-frame model's follows the photo) */
  double flops;        /* the last run's forward, counted on the shapes it ran */
  RaliDescriptor *desc;
} Bench;

static gboolean
run_once (Bench *b, int first, double t[N_STAGES], GError **error)
{
  gsize px = rali_model_input_floats (b->model);
  memset (t, 0, sizeof (double) * N_STAGES);
  b->flops = 0;
  for (int i = 0; i < b->B; i++)
    {
      const Input *in = &b->inputs[(first + i) % b->n_inputs];
      RaliImage img = { 0 };
      gint64 t0 = g_get_monotonic_time ();
      gboolean ok = in->path ? rali_engine_decode_file (b->engine, in->path, &img, error)
                             : rali_engine_decode_data (b->engine, in->jpeg, in->size, "generated.jpg", &img, error);
      gint64 t1 = g_get_monotonic_time ();
      ok = ok && rali_engine_preprocess_image_hw (b->engine, &img, b->pixels + (gsize) i * px, &b->height[i],
                                                  &b->width[i], error);
      gint64 t2 = g_get_monotonic_time ();
      rali_image_clear (&img);
      if (!ok)
        {
          if (in->path)
            {
              g_autofree char *name = g_filename_display_name (in->path);
              if (!g_str_has_prefix ((*error)->message, name))
                g_prefix_error (error, "%s: ", name);
            }
          return FALSE;
        }
      t[ST_DECODE] += (t1 - t0) / 1e6;
      t[ST_PREPROCESS] += (t2 - t1) / 1e6;
    }
  /* runs of one input shape through the engine together, as
   * rali_engine_run_files does; images that fill their room (every
   * square-input model's) already lie packed, the others are packed
   * untimed */
  for (int i = 0; i < b->B;)
    {
      int H = b->height[i], W = b->width[i], m = 0;
      gsize per = (gsize) b->V * 3 * H * W;
      while (i + m < b->B && b->height[i + m] == H && b->width[i + m] == W)
        m++;
      const float *run = b->pixels + (gsize) i * px;
      if (per != px)
        {
          for (int k = 0; k < m; k++)
            memcpy (b->packed + k * per, b->pixels + (gsize) (i + k) * px, per * sizeof (float));
          run = b->packed;
        }
      gint64 t0 = g_get_monotonic_time ();
      if (!rali_engine_forward_hw (b->engine, run, m * b->V, H, W, b->features + (gsize) i * b->V * b->D,
                                   b->embeddings + (gsize) i * b->V * b->D, error))
        return FALSE;
      t[ST_FORWARD] += (g_get_monotonic_time () - t0) / 1e6;
      b->flops += rali_model_forward_flops_hw (b->model, m * b->V, H, W);
      i += m;
    }
  gint64 t1 = g_get_monotonic_time ();
  if (b->K == 0)
    return TRUE;
  for (int i = 0; i < b->B; i++)
    {
      const float *f = b->features + (gsize) i * b->V * b->D;
      for (int d = 0; d < b->D; d++)
        {
          double acc = 0;
          for (int v = 0; v < b->V; v++)
            acc += f[(gsize) v * b->D + d];
          b->mean[d] = (float) (acc / b->V);
        }
      float score;
      int n = 0;
      if (!rali_head_score_distinct (b->model, b->mean, b->top, RALI_DISTINCT_MAX_COSINE, &score, b->desc, &n,
                                     b->sims, error))
        return FALSE;
      rali_head_weights (b->model, b->sims, b->weights);
      g_free (rali_head_summary (b->model, b->weights));
    }
  t[ST_HEAD] = (g_get_monotonic_time () - t1) / 1e6;
  return TRUE;
}

/* the runs and the report; inputs: from files, or generated W x H JPEGs
 * of jpeg_bytes in all */
static int
bench_and_report (RaliModel *model, RaliEngine *engine, const RaliBenchOptions *opt, const Input *inputs,
                  int n_inputs, gboolean from_files, int W, int H, gsize jpeg_bytes)
{
  g_autoptr (GError) error = NULL;
  const RaliConfig *c = rali_model_config (model);
  int B = opt->batch, iters = opt->iterations;
  Bench b = { .model = model, .engine = engine, .inputs = inputs, .n_inputs = n_inputs, .B = B,
              .V = rali_model_views (model), .D = c->projection_dim, .top = 5,
              .K = rali_model_has_head (model) ? c->n_prototypes : 0 };
  gsize px = rali_model_input_floats (model);
  g_autofree float *pixels = b.pixels = g_try_new (float, px * B);
  g_autofree float *packed = b.packed = g_try_new (float, px * B);
  g_autofree int *height = b.height = g_new (int, B);
  g_autofree int *width = b.width = g_new (int, B);
  g_autofree float *features = b.features = g_new (float, (gsize) b.D * b.V * B);
  g_autofree float *embeddings = b.embeddings = g_new (float, (gsize) b.D * b.V * B);
  g_autofree float *mean = b.mean = g_new (float, b.D);
  g_autofree float *sims = b.sims = g_new (float, MAX (b.K, 1));
  g_autofree float *weights = b.weights = g_new (float, MAX (b.K, 1));
  g_autofree RaliDescriptor *desc = b.desc = g_new0 (RaliDescriptor, b.top);
  g_autofree double *t = g_new0 (double, (gsize) N_STAGES * iters);
  if (!pixels || !packed)
    {
      fprintf (stderr, "rali bench: out of memory for a batch of %d images\n", B);
      return EXIT_USAGE;
    }
  /* one warm-up run (first touch of weights and buffers, pipelines), then the timed ones */
  double warm[N_STAGES];
  gboolean ok = run_once (&b, 0, warm, &error);
  g_autofree double *run_gflop = g_new (double, iters);
  for (int r = 0; ok && r < iters; r++)
    {
      ok = run_once (&b, from_files ? (r + 1) * B : 0, t + (gsize) r * N_STAGES, &error);
      run_gflop[r] = b.flops / 1e9;
    }
  if (!ok)
    {
      fprintf (stderr, "rali bench: %s\n", error->message);
      return EXIT_USAGE;
    }

  /* per image for decode, preprocess, head; per batch for the forward */
  g_autofree double *col = g_new (double, iters);
  g_autofree double *fwd_ips = g_new (double, iters);
  g_autofree double *all_ips = g_new (double, iters);
  Stat st[N_STAGES];
  for (int s = 0; s < N_STAGES; s++)
    {
      for (int r = 0; r < iters; r++)
        col[r] = t[(gsize) r * N_STAGES + s] / (s == ST_FORWARD ? 1 : B);
      st[s] = stat_of (col, iters);
    }
  for (int r = 0; r < iters; r++)
    {
      const double *tr = t + (gsize) r * N_STAGES;
      fwd_ips[r] = B / MAX (tr[ST_FORWARD], 1e-9);
      all_ips[r] = B / MAX (tr[ST_DECODE] + tr[ST_PREPROCESS] + tr[ST_FORWARD] + tr[ST_HEAD], 1e-9);
    }
  Stat fwd = stat_of (fwd_ips, iters), all = stat_of (all_ips, iters);
  /* FLOPs per run on the shapes it ran (a whole-frame model's follow the
   * photos); the GEMM table on the last run's first photo's shape */
  g_autofree double *run_rate = g_new (double, iters);
  for (int r = 0; r < iters; r++)
    run_rate[r] = run_gflop[r] / MAX (t[(gsize) r * N_STAGES + ST_FORWARD], 1e-9);
  double gflop = stat_of (run_gflop, iters).median;
  Stat gf = stat_of (run_rate, iters);
  g_autoptr (GArray) shapes = rali_model_gemm_shapes_hw (model, B * b.V, b.height[0], b.width[0]);
  g_autofree char *arch = rali_model_describe_tower (model);
  int threads = g_str_equal (rali_engine_backend_name (engine), "cpu") ? rali_get_cpu_threads () : 0;
  if (opt->json)
    {
      g_autoptr (JsonBuilder) jb = json_builder_new ();
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "model");
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "path");
      g_autofree char *mpath = g_filename_display_name (rali_model_path (model));
      json_builder_add_string_value (jb, mpath);
      json_builder_set_member_name (jb, "name");
      json_builder_add_string_value (jb, c->name ? c->name : "");
      json_builder_set_member_name (jb, "architecture");
      json_builder_add_string_value (jb, arch);
      json_builder_set_member_name (jb, "parameters");
      json_builder_add_int_value (jb, (gint64) rali_model_n_params (model));
      json_builder_set_member_name (jb, "image_size");
      json_builder_add_int_value (jb, c->image_size);
      json_builder_set_member_name (jb, "views");
      json_builder_add_int_value (jb, b.V);
      json_builder_end_object (jb);
      json_builder_set_member_name (jb, "backend");
      json_builder_add_string_value (jb, rali_engine_backend_description (engine));
      json_builder_set_member_name (jb, "threads");
      if (threads)
        json_builder_add_int_value (jb, threads);
      else
        json_builder_add_null_value (jb);
      json_builder_set_member_name (jb, "precision");
      if (threads)
        json_builder_add_string_value (jb, rali_get_cpu_precision () == RALI_PRECISION_BF16 ? "bf16" : "fp32");
      else
        json_builder_add_null_value (jb);
      json_builder_set_member_name (jb, "batch");
      json_builder_add_int_value (jb, B);
      json_builder_set_member_name (jb, "iterations");
      json_builder_add_int_value (jb, iters);
      json_builder_set_member_name (jb, "inputs");
      json_builder_begin_object (jb);
      json_builder_set_member_name (jb, "kind");
      json_builder_add_string_value (jb, from_files ? "files" : "generated");
      json_builder_set_member_name (jb, "count");
      json_builder_add_int_value (jb, n_inputs);
      if (!from_files)
        {
          json_builder_set_member_name (jb, "width");
          json_builder_add_int_value (jb, W);
          json_builder_set_member_name (jb, "height");
          json_builder_add_int_value (jb, H);
          json_builder_set_member_name (jb, "jpeg_bytes");
          json_builder_add_int_value (jb, (gint64) (jpeg_bytes / n_inputs));
        }
      json_builder_end_object (jb);
      json_builder_set_member_name (jb, "forward_gflop");
      json_builder_add_double_value (jb, gflop);
      json_builder_set_member_name (jb, "gemm");
      json_builder_begin_array (jb);
      for (guint i = 0; i < shapes->len; i++)
        {
          const RaliGemmShape *g = &g_array_index (shapes, RaliGemmShape, i);
          json_builder_begin_object (jb);
          json_builder_set_member_name (jb, "op");
          json_builder_add_string_value (jb, g->op);
          json_builder_set_member_name (jb, "M");
          json_builder_add_int_value (jb, g->M);
          json_builder_set_member_name (jb, "N");
          json_builder_add_int_value (jb, g->N);
          json_builder_set_member_name (jb, "K");
          json_builder_add_int_value (jb, g->K);
          json_builder_set_member_name (jb, "count");
          json_builder_add_int_value (jb, g->count);
          json_builder_end_object (jb);
        }
      json_builder_end_array (jb);
      json_builder_set_member_name (jb, "stages");
      json_builder_begin_object (jb);
      for (int s = 0; s < N_STAGES; s++)
        if (s == ST_HEAD && b.K == 0)
          {
            json_builder_set_member_name (jb, stage_names[s]);
            json_builder_add_null_value (jb);
          }
        else
          json_stat (jb, stage_names[s], st[s], s == ST_FORWARD ? "s/batch" : "s/image");
      json_builder_end_object (jb);
      json_builder_set_member_name (jb, "images_per_second");
      json_builder_begin_object (jb);
      json_stat (jb, "forward", fwd, "images/s");
      json_stat (jb, "serial", all, "images/s");
      json_builder_end_object (jb);
      json_stat (jb, "forward_gflops", gf, "GFLOP/s");
      json_builder_end_object (jb);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = json_builder_get_root (jb);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      g_autofree char *text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
    }
  else
    {
      printf ("model:      %s\n            %s\n", rali_model_path (model), arch);
      printf ("backend:    %s\n", rali_engine_backend_description (engine));
      if (from_files)
        printf ("images:     %d file%s, %d per run\n", n_inputs, n_inputs == 1 ? "" : "s", B);
      else
        printf ("images:     %d generated %dx%d JPEG%s (%.1f MB each), %d per run\n", n_inputs, W, H,
                n_inputs == 1 ? "" : "s", jpeg_bytes / 1e6 / n_inputs, B);
      printf ("runs:       %d (after a warm-up run); min / median / max\n", iters);
      for (int s = 0; s < N_STAGES; s++)
        {
          if (s == ST_HEAD && b.K == 0)
            {
              printf ("  %-11s none (the model has no head)\n", stage_names[s]);
              continue;
            }
          printf ("  %-11s %9.2f / %9.2f / %9.2f ms %s", stage_names[s], 1e3 * st[s].min, 1e3 * st[s].median,
                  1e3 * st[s].max, s == ST_FORWARD ? "per batch" : "per image");
          if (s == ST_FORWARD)
            printf (" (%.1f GFLOP, %.1f GFLOP/s at the median)", gflop, gf.median);
          printf ("\n");
        }
      printf ("images/s:   forward %.2f / %.2f / %.2f; the four stages in series %.2f / %.2f / %.2f\n",
              fwd.min, fwd.median, fwd.max, all.min, all.median, all.max);
    }
  return EXIT_OK;
}

static void
on_collect_error (const char *path, const char *message, gpointer user_data)
{
  gboolean *failed = user_data;
  g_autofree char *name = g_filename_display_name (path);
  fprintf (stderr, "rali bench: %s: %s\n", name, message);
  *failed = TRUE;
}

int
rali_cli_bench (RaliModel *model, RaliEngine *engine, const RaliBenchOptions *opt, char **paths, int n_paths)
{
  g_autoptr (GError) error = NULL;
  int W = 6000, H = 4000;
  if (opt->photo_size)
    {
      char *end = NULL;
      gint64 w = g_ascii_strtoll (opt->photo_size, &end, 10), h = 0;
      if (end && (*end == 'x' || *end == 'X'))
        {
          const char *rest = end + 1;
          h = g_ascii_strtoll (rest, &end, 10);
          if (end == rest)
            h = 0;
        }
      if (!end || *end || w < 16 || h < 16 || w > 30000 || h > 30000)
        {
          fprintf (stderr, "rali bench: --photo-size wants WxH from 16x16 to 30000x30000, not '%s'\n",
                   opt->photo_size);
          return EXIT_USAGE;
        }
      W = (int) w, H = (int) h;
    }

  /* the inputs: files (each run takes the next B, round the list), or a
   * few generated photos, used in turn */
  g_autoptr (GPtrArray) files = NULL;
  int n_inputs;
  if (n_paths > 0)
    {
      gboolean failed = FALSE;
      files = rali_collect_images (paths, n_paths, on_collect_error, &failed);
      if (failed || files->len == 0)
        {
          if (!failed)
            fprintf (stderr, "rali bench: no images in the PATHs given\n");
          return EXIT_USAGE;
        }
      n_inputs = (int) files->len;
    }
  else
    n_inputs = MIN (opt->batch, 4);
  Input *inputs = g_new0 (Input, n_inputs);
  gsize jpeg_bytes = 0;
  gboolean made = TRUE;
  for (int i = 0; made && i < n_inputs; i++)
    if (files)
      inputs[i].path = files->pdata[i];
    else if ((made = make_jpeg (&inputs[i], W, H, (guint32) i + 1, &error)))
      jpeg_bytes += inputs[i].size;
  int rc = EXIT_USAGE;
  if (!made)
    fprintf (stderr, "rali bench: %s\n", error->message);
  else
    rc = bench_and_report (model, engine, opt, inputs, n_inputs, files != NULL, W, H, jpeg_bytes);
  for (int i = 0; i < n_inputs; i++)
    g_free (inputs[i].jpeg);
  g_free (inputs);
  return rc;
}
