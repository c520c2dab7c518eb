/* `rali`: command-line front end over librali.
 *
 *   rali embed [--model FILE] [--json] [--backend B] [--batch N] [--shard I/N] [--max-megapixels N] PATH...
 *   rali score [--model FILE] [--top K] [--max-overlap COS] [--min-weight W] [--json|--csv] [--tiles N|auto] [--backend B] [--shard I/N] [--max-megapixels N] PATH...
 *   rali info  [--model FILE | FILE...] [--backend B]
 *   rali bench [--model FILE] [--backend B] [--batch N] [--iterations N] [--threads T] [--precision P] [--json] [--photo-size WxH] [PATH...]
 *
 * --threads and --precision apply to every command's CPU backend.
 *
 * Exit codes: 0 all good, 2 some files failed (the rest still processed),
 * 1 usage or model errors. */
#include "rali.h"
#include "rali-bench.h"
#include "head/explain.h"
#include "stages.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_SOME_FAILED = 2 };

typedef enum { OUT_TEXT, OUT_JSON, OUT_CSV } OutputFormat;

typedef struct {
  char *model_path;
  char *backend;
  char *shard;
  gboolean json, csv, profile;
  gboolean backend_given;
  int batch, top, iterations, threads;
  double max_megapixels;
  char *photo_size;  /* bench: WxH of generated photos, or NULL */
  char *precision;   /* fp32, bf16, auto, or NULL */
  char *max_overlap; /* as given, or NULL */
  char *min_weight;  /* as given, or NULL */
  char *tiles;       /* as given, or NULL */
} Options;

typedef struct {
  RaliModel *model;
  OutputFormat format;
  int top;
  double max_overlap; /* rali_head_score_distinct's max_cosine */
  double min_weight;  /* descriptors after the first carry at least this */
  RaliEngine *engine;
  int tiles;        /* --tiles: 0 none, -1 auto, else N x N */
  gboolean embed;   /* embed or score */
  gsize done, total, failures;
  gint64 t_start;
  gboolean progress;
  int write_errno;          /* the first failed write of a result (disk full…) */
  GCancellable *cancel;     /* cancelled then: nothing more can be said */
} Run;

/* JSON string literal for s (escaped by json-glib, never by hand); bytes
 * that are not UTF-8 become U+FFFD, so every line stays valid JSON */
static char *
json_quote (const char *s)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_VALUE);
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  json_node_set_string (n, valid);
  return json_to_string (n, FALSE);
}

/* A file name is shown by its GLib display name (UTF-8; bytes that are not
 * become U+FFFD).  When that loses bytes, path_bytes is the exact name in
 * base64, so scripts can still open the file; else NULL. */
static char *
path_bytes (const char *path)
{
  return g_utf8_validate (path, -1, NULL) ? NULL : g_base64_encode ((const guchar *) path, strlen (path));
}

/* "path": ...[, "path_bytes": ...] */
static void
json_path_members (GString *out, const char *path)
{
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *p = json_quote (shown);
  g_autofree char *bytes = path_bytes (path);
  g_string_append_printf (out, "\"path\": %s", p);
  if (bytes)
    g_string_append_printf (out, ", \"path_bytes\": \"%s\"", bytes);
}

/* the path column: the display name */
static void
csv_path_field (GString *out, const char *path)
{
  g_autofree char *shown = g_filename_display_name (path);
  rali_csv_append_field (out, shown);
}

/* the last column, after a comma: path_bytes, else empty */
static void
csv_path_bytes_field (GString *out, const char *path)
{
  g_autofree char *bytes = path_bytes (path);
  g_string_append_c (out, ',');
  if (bytes)
    g_string_append (out, bytes);
}

static void
append_num (GString *out, double v)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (num, sizeof num, "%.9g", v));
}

static void
progress_clear (Run *r)
{
  if (r->progress)
    fputs ("\r\033[K", stderr);
}

static void
progress_show (Run *r)
{
  if (!r->progress)
    return;
  double secs = (g_get_monotonic_time () - r->t_start) / 1e6;
  double rate = secs > 0 ? r->done / secs : 0;
  double eta = rate > 0 ? (r->total - r->done) / rate : 0;
  fprintf (stderr, "\r\033[K%zu/%zu files, %.1f img/s, ETA %dm%02ds%s", r->done, r->total, rate,
           (int) eta / 60, (int) eta % 60, r->failures ? " (some failed)" : "");
  fflush (stderr);
}

static void
emit_line (Run *r, GString *line)
{
  progress_clear (r);
  errno = 0;
  if ((fputs (line->str, stdout) == EOF || fflush (stdout) != 0) && !r->write_errno)
    {
      r->write_errno = errno ? errno : EIO;
      g_cancellable_cancel (r->cancel);
    }
  progress_show (r);
}

static void
print_error_line (Run *r, const char *path, const char *message)
{
  g_autoptr (GString) line = g_string_new (NULL);
  if (r->format == OUT_JSON)
    {
      g_autofree char *m = json_quote (message);
      g_string_append_c (line, '{');
      json_path_members (line, path);
      g_string_append_printf (line, ", \"error\": %s}\n", m);
    }
  else if (r->format == OUT_CSV)
    {
      csv_path_field (line, path);
      g_string_append (line, ",,");
      for (int i = 0; i < r->top; i++)
        g_string_append (line, ",,,,");
      rali_csv_append_field (line, message);
      csv_path_bytes_field (line, path);
      g_string_append (line, ",\n"); /* no summary */
    }
  else
    {
      progress_clear (r);
      fprintf (stderr, "rali: %s\n", message);
      progress_show (r);
      return;
    }
  emit_line (r, line);
}

static void
print_embedding (Run *r, const char *path, const float *e, int D)
{
  g_autoptr (GString) line = g_string_sized_new (32 + D * 14);
  gboolean json = r->format == OUT_JSON;
  if (json)
    {
      g_string_append_c (line, '{');
      json_path_members (line, path);
      g_string_append (line, ", \"embedding\": [");
    }
  else
    g_string_append (line, path);
  for (int i = 0; i < D; i++)
    {
      g_string_append (line, json ? (i ? ", " : "") : "\t");
      append_num (line, e[i]);
    }
  g_string_append (line, json ? "]}\n" : "\n");
  emit_line (r, line);
}

/* , "tiles": [{"x", "y", "w", "h", "score", "descriptor", "weight", "index"}, ...]
 * (the squares scored, in the photo's pixels: explain.h) */
static void
append_tiles_json (Run *r, GString *line, const RaliTileScore *tiles, int n)
{
  g_string_append (line, ", \"tiles\": [");
  for (int i = 0; i < n; i++)
    {
      const RaliTileScore *t = &tiles[i];
      g_autofree char *text = rali_descriptor_text (r->model, t->top_index);
      g_autofree char *q = json_quote (text);
      g_string_append_printf (line, "%s{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, \"score\": ", i ? ", " : "",
                              t->x, t->y, t->w, t->h);
      append_num (line, t->score);
      g_string_append_printf (line, ", \"descriptor\": %s, \"weight\": ", q);
      append_num (line, t->top_weight);
      g_string_append_printf (line, ", \"index\": %d}", t->top_index);
    }
  g_string_append_c (line, ']');
}

/* summary: rali_head_summary; tiles (n_tiles of them) or NULL, with
 * tiles_error when they could not be scored */
static void
print_score (Run *r, const char *path, float score, const RaliDescriptor *top, int n, const char *summary,
             const RaliTileScore *tiles, int n_tiles, const char *tiles_error)
{
  g_autoptr (GString) line = g_string_new (NULL);
  if (r->format == OUT_JSON)
    {
      g_string_append_c (line, '{');
      json_path_members (line, path);
      g_string_append (line, ", \"score\": ");
      append_num (line, score);
      g_string_append (line, ", \"descriptors\": [");
      for (int i = 0; i < n; i++)
        {
          g_autofree char *text = rali_descriptor_text (r->model, top[i].index);
          g_autofree char *t = json_quote (text);
          g_string_append_printf (line, "%s{\"text\": %s, \"similarity\": ", i ? ", " : "", t);
          append_num (line, top[i].similarity);
          g_string_append (line, ", \"score\": ");
          append_num (line, top[i].score);
          g_string_append (line, ", \"weight\": ");
          append_num (line, top[i].weight);
          g_string_append (line, ", \"near_copies_weight\": ");
          append_num (line, top[i].near_weight);
          g_string_append_printf (line, ", \"index\": %d}", top[i].index);
        }
      g_autofree char *sq = json_quote (summary);
      g_string_append_printf (line, "], \"summary\": %s", sq);
      if (tiles)
        append_tiles_json (r, line, tiles, n_tiles);
      if (tiles_error)
        {
          g_autofree char *eq = json_quote (tiles_error);
          g_string_append_printf (line, ", \"tiles_error\": %s", eq);
        }
      g_string_append (line, "}\n");
    }
  else if (r->format == OUT_CSV)
    {
      csv_path_field (line, path);
      g_string_append_c (line, ',');
      append_num (line, score);
      for (int i = 0; i < r->top; i++)
        {
          g_string_append_c (line, ',');
          if (i < n)
            {
              g_autofree char *text = rali_descriptor_text (r->model, top[i].index);
              rali_csv_append_field (line, text);
              g_string_append_c (line, ',');
              append_num (line, top[i].similarity);
              g_string_append_c (line, ',');
              append_num (line, top[i].score);
              g_string_append_c (line, ',');
              append_num (line, top[i].weight);
            }
          else
            g_string_append (line, ",,,");
        }
      g_string_append_c (line, ',');
      csv_path_bytes_field (line, path);
      g_string_append_c (line, ',');
      rali_csv_append_field (line, summary);
      g_string_append_c (line, '\n');
    }
  else
    {
      g_string_append_printf (line, "%.3f\t%s\n\tsummary: %s\n", score, path, summary);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *text = rali_descriptor_text (r->model, top[i].index);
          g_string_append_printf (line, "\t%.3f  %s\n", top[i].similarity, text);
        }
      for (int i = 0; tiles && i < n_tiles; i++)
        {
          g_autofree char *text = rali_descriptor_text (r->model, tiles[i].top_index);
          g_string_append_printf (line, "\ttile %d,%d %dx%d: %.3f  %s\n", tiles[i].x, tiles[i].y, tiles[i].w,
                                  tiles[i].h, tiles[i].score, text);
        }
      if (tiles_error)
        g_string_append_printf (line, "\ttiles: %s\n", tiles_error);
    }
  emit_line (r, line);
}

/* embedding: the unit embedding, normalised by the engine (on the device
 * for single-view models) */
static void
on_result (const char *path, const float *features, const float *embedding, const GError *error,
           gpointer user_data)
{
  Run *r = user_data;
  r->done++;
  if (!features)
    {
      r->failures++;
      print_error_line (r, path, error->message);
      return;
    }
  const RaliConfig *c = rali_model_config (r->model);
  int D = c->projection_dim;
  if (r->embed)
    {
      print_embedding (r, path, embedding, D);
      return;
    }
  g_autofree RaliDescriptor *top = g_new0 (RaliDescriptor, MAX (r->top, 1));
  g_autofree float *sims = g_new (float, MAX (c->n_prototypes, 1));
  g_autofree float *weights = g_new (float, MAX (c->n_prototypes, 1));
  float score;
  int n = 0;
  g_autoptr (GError) herr = NULL;
  if (!rali_head_score_distinct (r->model, features, r->top, r->max_overlap, &score, top, &n, sims, &herr))
    {
      r->failures++;
      print_error_line (r, path, herr->message);
      return;
    }
  /* --min-weight: the list stops where the weight stops (the first always
   * stays; the distinct list falls in weight, as it falls in similarity) */
  for (int i = 1; i < n; i++)
    if (top[i].weight < r->min_weight)
      {
        n = i;
        break;
      }
  /* the consensus is over all K prototypes' weights, not the listed ones */
  rali_head_weights (r->model, sims, weights);
  g_autofree char *summary = rali_head_summary (r->model, weights);
  /* --tiles: the photo again, at full size, on this thread (between two
   * batches: the engine is idle) */
  int cols = r->tiles, rows = r->tiles, w, h;
  g_autoptr (GError) terr = NULL;
  g_autofree RaliTileScore *tiles = r->tiles ? rali_engine_score_tiles_file (r->engine, path, &cols, &rows, &w, &h,
                                                                         NULL, &terr)
                                        : NULL;
  if (terr)
    r->failures++;
  print_score (r, path, score, top, n, summary, tiles, tiles ? cols * rows : 0, terr ? terr->message : NULL);
}

static void
on_collect_error (const char *path, const char *message, gpointer user_data)
{
  Run *r = user_data;
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *msg = g_strdup_printf ("%s: %s", name, message);
  r->failures++;
  print_error_line (r, path, msg);
}

static RaliModel *
open_model (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *def = NULL;
  if (!path && !(path = def = rali_default_model_path (&error)))
    {
      fprintf (stderr, "rali: %s\n", error->message);
      return NULL;
    }
  RaliModel *m = rali_model_open (path, &error);
  if (!m)
    fprintf (stderr, "rali: %s\n", error->message);
  return m;
}

/* The model (and, with want_engine, an engine on the chosen backend);
 * FALSE after printing why.  score needs a head: need_head. */
static gboolean
open_model_and_engine (Options *opt, gboolean want_engine, gboolean need_head,
                       RaliModel **model_out, RaliEngine **engine_out)
{
  g_autoptr (GError) error = NULL;
  RaliBackendKind kind;
  *model_out = NULL;
  *engine_out = NULL;
  if (!rali_backend_kind_from_string (opt->backend, &kind, &error))
    {
      fprintf (stderr, "rali: %s\n", error->message);
      return FALSE;
    }
  RaliModel *model = open_model (opt->model_path);
  if (!model)
    return FALSE;
  if (need_head && !rali_model_has_head (model))
    {
      fprintf (stderr, "rali score: %s has no RALI head; use 'rali embed'\n", rali_model_path (model));
      rali_model_free (model);
      return FALSE;
    }
  RaliEngine *engine = NULL;
  if (want_engine && !(engine = rali_engine_new (model, kind, &error)))
    {
      fprintf (stderr, "rali: %s\n", error->message);
      rali_model_free (model);
      return FALSE;
    }
  *model_out = model;
  *engine_out = engine;
  return TRUE;
}

static gboolean
parse_shard (const char *s, guint *index, guint *count)
{
  guint64 i, n;
  char *end;
  i = g_ascii_strtoull (s, &end, 10);
  if (end == s || *end != '/')
    return FALSE;
  const char *rest = end + 1;
  n = g_ascii_strtoull (rest, &end, 10);
  if (end == rest || *end || n == 0 || n > G_MAXUINT || i >= n)
    return FALSE;
  *index = (guint) i;
  *count = (guint) n;
  return TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
cmd_run (Options *opt, gboolean embed, char **paths, int n_paths)
{
  const char *cmd = embed ? "embed" : "score";
  if (n_paths < 1)
    {
      fprintf (stderr, "rali %s: no PATH given\n", cmd);
      return EXIT_USAGE;
    }
  if (opt->json && opt->csv)
    {
      fprintf (stderr, "rali %s: --json and --csv are exclusive\n", cmd);
      return EXIT_USAGE;
    }
  if (embed && opt->csv)
    {
      fprintf (stderr, "rali embed: --csv is for scores; use --json\n");
      return EXIT_USAGE;
    }
  if (opt->top < 0 || opt->top > 1000)
    {
      fprintf (stderr, "rali %s: --top must be between 0 and 1000\n", cmd);
      return EXIT_USAGE;
    }
  if (embed && opt->max_overlap)
    {
      fprintf (stderr, "rali embed: --max-overlap chooses descriptors; it is for score\n");
      return EXIT_USAGE;
    }
  double max_overlap = RALI_DISTINCT_MAX_COSINE;
  if (opt->max_overlap)
    {
      char *end = NULL;
      max_overlap = g_ascii_strtod (opt->max_overlap, &end);
      /* !(x >= 0) also refuses NaN */
      if (end == opt->max_overlap || *end || !(max_overlap >= 0 && max_overlap <= 1))
        {
          fprintf (stderr, "rali %s: --max-overlap must be a cosine between 0 and 1, not '%s'\n", cmd,
                   opt->max_overlap);
          return EXIT_USAGE;
        }
    }
  double min_weight = RALI_SHOWN_MIN_WEIGHT;
  if (opt->min_weight)
    {
      char *end = NULL;
      min_weight = g_ascii_strtod (opt->min_weight, &end);
      if (embed || end == opt->min_weight || *end || !(min_weight >= 0 && min_weight <= 1))
        {
          fprintf (stderr, "rali %s: --min-weight wants a share of the score between 0 and 1 (score only), not '%s'\n",
                   cmd, opt->min_weight);
          return EXIT_USAGE;
        }
    }
  int tiles = 0;
  if (opt->tiles)
    {
      char *end = NULL;
      gint64 t = g_ascii_strtoll (opt->tiles, &end, 10);
      if (embed || opt->csv)
        {
          fprintf (stderr, "rali %s: --tiles adds a tile map to score's --json (or text) output\n", cmd);
          return EXIT_USAGE;
        }
      if (g_str_equal (opt->tiles, "auto"))
        tiles = -1;
      else if (end != opt->tiles && !*end && t >= RALI_TILES_MIN && t <= RALI_TILES_MAX)
        tiles = (int) t;
      else
        {
          fprintf (stderr, "rali score: --tiles wants N from %d to %d (an N x N grid) or auto, not '%s'\n",
                   RALI_TILES_MIN, RALI_TILES_MAX, opt->tiles);
          return EXIT_USAGE;
        }
    }
  guint shard_i = 0, shard_n = 1;
  if (opt->shard && !parse_shard (opt->shard, &shard_i, &shard_n))
    {
      fprintf (stderr, "rali %s: --shard wants I/N with 0 <= I < N, not '%s'\n", cmd, opt->shard);
      return EXIT_USAGE;
    }
  /* !(x > 0) also refuses NaN; 1.8e13 megapixels is the most a guint64 holds */
  if (!(opt->max_megapixels > 0) || opt->max_megapixels > 1.8e13)
    {
      fprintf (stderr, "rali %s: --max-megapixels must be a positive number, not %g\n", cmd, opt->max_megapixels);
      return EXIT_USAGE;
    }
  guint64 max_pixels = MAX ((guint64) (opt->max_megapixels * 1e6 + 0.5), 1);
  g_autoptr (GError) error = NULL;
  RaliModel *model;
  RaliEngine *engine;
  if (!open_model_and_engine (opt, TRUE, !embed, &model, &engine))
    return EXIT_USAGE;
  rali_engine_set_max_pixels (engine, max_pixels);

  Run r = { .model = model, .engine = engine, .tiles = tiles, .embed = embed, .top = opt->top,
            .max_overlap = max_overlap, .min_weight = min_weight,
            .format = opt->json ? OUT_JSON : opt->csv ? OUT_CSV : OUT_TEXT,
            .progress = isatty (2) };
  g_autoptr (GPtrArray) files = rali_collect_images (paths, n_paths, on_collect_error, &r);
  if (opt->shard)
    {
      /* a deterministic share of the sorted list: every N-th file from I */
      g_ptr_array_sort (files, compare_paths);
      GPtrArray *mine = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < files->len; i++)
        if (i % shard_n == shard_i)
          g_ptr_array_add (mine, g_strdup (files->pdata[i]));
      g_ptr_array_unref (files);
      files = mine;
    }
  if (r.format == OUT_CSV)
    {
      g_autoptr (GString) h = g_string_new ("path,score");
      for (int i = 1; i <= r.top; i++)
        g_string_append_printf (h, ",descriptor_%d,similarity_%d,prototype_score_%d,weight_%d", i, i, i, i);
      g_string_append (h, ",error,path_bytes,summary\n");
      fputs (h->str, stdout);
    }
  r.total = files->len;
  r.t_start = g_get_monotonic_time ();
  g_autoptr (GCancellable) cancel = r.cancel = g_cancellable_new ();
  gboolean ok = rali_engine_run_files_ex (engine, (char **) files->pdata, files->len, opt->batch, cancel,
                                          on_result, &r, &error);
  progress_clear (&r);
  if (!r.write_errno && fflush (stdout) != 0)
    r.write_errno = errno ? errno : EIO;
  if (r.write_errno)
    {
      /* a result that cannot be written is lost: say so and stop */
      fprintf (stderr, "rali: cannot write the results to standard output: %s (stopped after %zu of %zu files)\n",
               g_strerror (r.write_errno), r.done, r.total);
      ok = FALSE;
    }
  else if (!ok)
    fprintf (stderr, "rali: %s\n", error->message);
  rali_engine_free (engine);
  rali_model_free (model);
  if (!ok)
    return EXIT_USAGE;
  return r.failures ? EXIT_SOME_FAILED : EXIT_OK;
}

static int
cmd_info (Options *opt)
{
  /* --backend B: the engine is made (weights uploaded) to name the device */
  RaliModel *model;
  RaliEngine *engine;
  if (!open_model_and_engine (opt, opt->backend_given, FALSE, &model, &engine))
    return EXIT_USAGE;
  const RaliConfig *c = rali_model_config (model);
  printf ("model:        %s\n", rali_model_path (model));
  printf ("name:         %s\n", c->name);
  printf ("source:       %s\n", c->source);
  g_autofree char *arch = rali_model_describe_tower (model);
  printf ("architecture: %s\n", arch);
  printf ("parameters:   %zu\n", rali_model_n_params (model));
  printf ("preprocess:   %d px, mean %g %g %g, std %g %g %g\n", c->image_size, c->image_mean[0],
          c->image_mean[1], c->image_mean[2], c->image_std[0], c->image_std[1], c->image_std[2]);
  if (c->crops > 0 && c->crop_select_grid > 0)
    printf ("crops:        the %d most detailed (on %dx%d-pixel blocks) of %dx%d candidates of %d px, shortest side first "
            "reduced to at most %d px; the head scores the mean of their features\n",
            c->crops, c->crop_select_scale, c->crop_select_scale, c->crop_select_grid, c->crop_select_grid,
            c->image_size, c->crop_short_side);
  else if (c->crops > 0)
    printf ("crops:        %d of %d px, shortest side first reduced to at most %d px; the head scores the mean of their features\n",
            c->crops, c->image_size, c->crop_short_side);
  else if (c->whole_frame)
    {
      int cw, ch, w32, h32;
      rali_frame_shape (3000, 2000, c->image_size, &cw, &ch, &w32, &h32);
      printf ("crops:        none: the whole frame (cut to at most %d:1), shortest side to %d px (a 3:2 photo "
              "to %d x %d)\n", RALI_FRAME_MAX_ASPECT, c->image_size, w32, h32);
    }
  else
    printf ("crops:        CLIP's: shortest side to %d px, centre crop\n", c->image_size);
  if (c->stem_layers > 0)
    {
      printf ("stem:         %d 3x3 stride-2 convolutions, channels", c->stem_layers);
      for (int i = 0; i < c->stem_layers; i++)
        printf (" %d", c->stem_channels[i]);
      printf ("\n");
    }
  if (rali_model_has_head (model))
    {
      printf ("head:         PCA %d -> %d, %d prototypes, temperature %g, scores %g..%g\n",
              c->projection_dim, c->pca_dim, c->n_prototypes, c->temperature, c->score_min, c->score_max);
      if (c->has_score_map)
        printf ("score map:    logistic, %g + %g / (1 + exp(-(s - %g) / %g))\n",
                c->score_map_low, c->score_map_high - c->score_map_low, c->score_map_centre, c->score_map_width);
      printf ("descriptors:  %s%s\n", c->descriptor_provenance,
              c->descriptors ? "" : " (no texts: prototypes are labelled by number and score)");
      if (c->n_composition > 0)
        printf ("distinct by:  member composition over %d kinds (%s, ...)\n", c->n_composition,
                c->composition_labels[0]);
      else
        printf ("distinct by:  prototype centres in the PCA space\n");
    }
  else
    printf ("head:         none (embeddings only)\n");
  printf ("sha256:       %s\n", rali_model_hash (model));
  if (engine)
    printf ("backend:      %s\n", rali_engine_backend_description (engine));
  rali_engine_free (engine);
  rali_model_free (model);
  return EXIT_OK;
}

/* `rali info FILE...` describes each model file named (the others still
 * when one fails); with no FILE, the --model one or the shipped default.
 * Exit 1 when any file could not be described. */
static int
cmd_info_files (Options *opt, char **paths, int n_paths)
{
  if (n_paths == 0)
    return cmd_info (opt);
  if (opt->model_path)
    {
      fprintf (stderr, "rali info: give the model file either with --model or as FILE, not both\n");
      return EXIT_USAGE;
    }
  int rc = EXIT_OK;
  for (int i = 0; i < n_paths; i++)
    {
      if (i > 0)
        printf ("\n");
      fflush (stdout);
      opt->model_path = paths[i];
      if (cmd_info (opt) != EXIT_OK)
        rc = EXIT_USAGE;
    }
  opt->model_path = NULL;
  return rc;
}

/* Each step of scoring timed over repeated runs (rali-bench.c); a
 * benchmark, not a test. */
static int
cmd_bench (Options *opt, char **paths, int n_paths)
{
  if (opt->csv)
    {
      fprintf (stderr, "rali bench: --csv is for scores; use --json\n");
      return EXIT_USAGE;
    }
  if (opt->batch < 1 || opt->batch > 256 || opt->iterations < 1 || opt->iterations > 100000)
    {
      fprintf (stderr, "rali bench: --batch must be from 1 to 256 and --iterations from 1 to 100000\n");
      return EXIT_USAGE;
    }
  for (int i = 0; i < n_paths; i++)
    if (g_str_has_suffix (paths[i], ".rali"))
      {
        /* a model file given without --model would otherwise fail as an image */
        fprintf (stderr, "rali bench: '%s' is a model file; give the model with --model FILE\n", paths[i]);
        return EXIT_USAGE;
      }
  RaliModel *model;
  RaliEngine *engine;
  if (!open_model_and_engine (opt, TRUE, FALSE, &model, &engine))
    return EXIT_USAGE;
  RaliBenchOptions bo = { .batch = opt->batch, .iterations = opt->iterations, .json = opt->json,
                          .photo_size = opt->photo_size };
  int rc = rali_cli_bench (model, engine, &bo, paths, n_paths);
  rali_engine_free (engine);
  rali_model_free (model);
  return rc;
}

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: rali COMMAND [OPTIONS] PATH...\n\n"
           "Commands:\n"
           "  score   quality score and top descriptors of each image\n"
           "  embed   the unit CLIP embedding of each image\n"
           "  info    describe a model file\n"
           "  bench   time each step of scoring (decode, preprocess, forward, head)\n\n"
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
  Options opt = { .batch = 8, .top = 5, .iterations = 5, .max_megapixels = RALI_DEFAULT_MAX_PIXELS / 1e6 };
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt.model_path, "Model file (.rali); default: the shipped model", "FILE" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt.backend, "auto, cpu or vulkan (default auto)", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt.json, "One JSON object per line", NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &opt.csv, "CSV with a header row (score)", NULL },
    { "top", 'k', 0, G_OPTION_ARG_INT, &opt.top, "Descriptors per image (default 5)", "K" },
    { "max-overlap", 0, 0, G_OPTION_ARG_STRING, &opt.max_overlap,
      "score: leave out a descriptor whose prototype has cosine >= COS to one already listed, so the list is not "
      "near-copies of one sentence (default 0.6; 1 lists the plain nearest prototypes)", "COS" },
    { "min-weight", 0, 0, G_OPTION_ARG_STRING, &opt.min_weight,
      "score: list a descriptor after the first only if it carries at least this share of the score (default "
      G_STRINGIFY (RALI_SHOWN_MIN_WEIGHT) ", where the detail view stops; 0 lists all --top of them)", "W" },
    { "tiles", 0, 0, G_OPTION_ARG_STRING, &opt.tiles,
      "score: also score an N x N grid of tiles of each photo (N from 2 to 8; auto: the grid rali-studio's "
      "quality map uses) and list them in --json as \"tiles\"", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opt.batch, "Images per forward pass (default 8)", "N" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &opt.shard, "Take share I of N of the sorted file list (0 <= I < N)", "I/N" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &opt.iterations, "bench: timed runs of one batch (default 5)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt.threads,
      "CPU backend threads (default: $OPENBLAS_NUM_THREADS, else the processors)", "T" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &opt.precision,
      "CPU backend: fp32, bf16 (matrix products on bfloat16 operands, fp32 sums; AVX512_BF16 processors) or auto "
      "(fp32 for now; default)", "P" },
    { "photo-size", 0, 0, G_OPTION_ARG_STRING, &opt.photo_size,
      "bench: size of the JPEGs it makes when no PATH is given (default 6000x4000)", "WxH" },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &opt.profile, "Vulkan: per-op GPU times (timestamp queries) to stderr at exit", NULL },
    { "max-megapixels", 0, 0, G_OPTION_ARG_DOUBLE, &opt.max_megapixels,
      "embed, score: refuse images larger than this, before decoding (default 200)", "N" },
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
  int rc;
  opt.backend_given = opt.backend != NULL;
  if (!opt.backend)
    opt.backend = g_strdup ("auto");
  if (opt.profile)
    g_setenv ("RALI_VULKAN_PROFILE", "1", TRUE); /* read by the Vulkan backend at creation */
  if (opt.threads < 0 || opt.threads > 64)
    {
      fprintf (stderr, "rali %s: --threads must be from 1 to 64\n", cmd);
      rc = EXIT_USAGE;
      goto out;
    }
  if (opt.threads > 0)
    rali_set_cpu_threads (opt.threads);
  if (opt.precision)
    {
      RaliPrecision p = g_str_equal (opt.precision, "fp32") ? RALI_PRECISION_FP32
                      : g_str_equal (opt.precision, "bf16") ? RALI_PRECISION_BF16
                      : g_str_equal (opt.precision, "auto") ? RALI_PRECISION_AUTO
                                                              : (RaliPrecision) -1;
      g_autoptr (GError) perr = NULL;
      if ((int) p < 0)
        {
          fprintf (stderr, "rali %s: --precision must be fp32, bf16 or auto, not '%s'\n", cmd, opt.precision);
          rc = EXIT_USAGE;
          goto out;
        }
      if (!rali_set_cpu_precision (p, &perr))
        {
          fprintf (stderr, "rali %s: --precision %s: %s\n", cmd, opt.precision, perr->message);
          rc = EXIT_USAGE;
          goto out;
        }
    }

  if (strcmp (cmd, "embed") == 0 || strcmp (cmd, "score") == 0)
    rc = cmd_run (&opt, strcmp (cmd, "embed") == 0, sub_argv + 1, sub_argc - 1);
  else if (strcmp (cmd, "info") == 0)
    rc = cmd_info_files (&opt, sub_argv + 1, sub_argc - 1);
  else if (strcmp (cmd, "bench") == 0)
    rc = cmd_bench (&opt, sub_argv + 1, sub_argc - 1);
  else
    {
      fprintf (stderr, "rali: unknown command '%s'\n", cmd);
      usage (stderr);
      rc = EXIT_USAGE;
    }
out:
  g_free (opt.model_path);
  g_free (opt.backend);
  g_free (opt.shard);
  g_free (opt.max_overlap);
  g_free (opt.min_weight);
  g_free (opt.tiles);
  g_free (opt.photo_size);
  g_free (opt.precision);
  return rc;
}
