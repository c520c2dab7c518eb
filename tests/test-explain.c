/* engine/head/consensus.c and tiles.c (head/explain.h):
 *
 *   test-explain FIXTURES_DIR
 *
 * The consensus on hand-made texts (splitting at . ! ? ; but not :, the
 * same sentence in other case and white space, support summed over every
 * prototype, a sentence all prototypes share left out, strict majority,
 * defects first, ties by first appearance); on tiny-sentences.rali (made by
 * tools/make-sentences-fixture.py) for real photos: each sentence's support
 * recomputed here by plain substring search over all K texts, the summary
 * is the majority sentences joined; a model without texts says so.  Tiles:
 * the grid's cells partition the photo and the squares lie in it; the
 * automatic grid stays within 3..6 per side; each tile's score is the head
 * on that square alone (a 64 x 64 photo in 2 x 2 tiles of the fixture's
 * 32 px input: tile == the engine on that quarter, within 1e-6).  Exits
 * non-zero on failure. */
#include "head/explain.h"
#include "nn/model-private.h"
#include "rali.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check (gboolean ok, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
check (gboolean ok, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  printf ("%-4s %s\n", ok ? "ok" : "FAIL", msg);
  if (!ok)
    failures++;
}

static const RaliSentence *
find (const RaliSentence *s, int n, const char *text)
{
  for (int i = 0; i < n; i++)
    if (g_str_equal (s[i].text, text))
      return &s[i];
  return NULL;
}

static void
test_rank (void)
{
  const char *texts[] = {
    "Noise is low. The photo is soft: the focus is off. Overall: fair. Shared.",
    "noise is low;  the photo is SOFT: the focus is off; shared",
    "Strong noise! Colours look natural? Shared.",
    "Noise is low. Colours look natural. Shared. Noise is low.",
    "Shared",
  };
  const float scores[] = { 2, 3, 1, 4, 5 };
  const float weights[] = { 0.4f, 0.2f, 0.25f, 0.1f, 0.05f };
  int n, n_majority;
  RaliSentence *s = rali_consensus_rank (texts, scores, weights, 5, &n, &n_majority);
  for (int i = 0; i < n; i++)
    printf ("     %d. %-40s support %.3f effect %+.3f in %d\n", i + 1, s[i].text, s[i].support, s[i].effect,
            s[i].n_prototypes);
  const RaliSentence *low = find (s, n, "Noise is low");
  const RaliSentence *soft = find (s, n, "The photo is soft: the focus is off");
  const RaliSentence *nat = find (s, n, "Colours look natural");
  const RaliSentence *strong = find (s, n, "Strong noise");
  check (n == 5, "5 distinct sentences (%d): case, white space and closing punctuation do not count", n);
  check (low && fabs (low->support - 0.7) < 1e-6 && low->n_prototypes == 3,
         "'Noise is low' in 3 texts (twice in one counts once): support 0.4 + 0.2 + 0.1 = 0.7 (%g)",
         low ? low->support : -1);
  check (soft && fabs (soft->support - 0.6) < 1e-6, "':' does not split: 'The photo is soft: the focus is off' "
         "has 0.6 (%g)", soft ? soft->support : -1);
  check (strong && nat && fabs (nat->support - 0.35) < 1e-6, "'!' and '?' split");
  check (find (s, n, "Shared") == NULL && find (s, n, "shared") == NULL,
         "a sentence that every prototype has is left out");
  check (n_majority == 2 && s[0].support > 0.5 && s[1].support > 0.5 && s[2].support <= 0.5,
         "two have a majority and lead (%d)", n_majority);
  /* effects: mean score of those that say it − mean of all (3) */
  check (low && fabs (low->effect - (3.0 - 3.0)) < 1e-6 && soft && fabs (soft->effect - (2.5 - 3.0)) < 1e-6,
         "effects are mean prototype score minus the mean (%g, %g)", low ? low->effect : 0, soft ? soft->effect : 0);
  check (s[0].text == soft->text || g_str_equal (s[0].text, soft->text),
         "the defect (negative effect) comes first among the majority: '%s'", s[0].text);
  g_autofree char *line = rali_sentences_join (s, n_majority);
  check (g_str_equal (line, "The photo is soft: the focus is off. Noise is low."), "joined: '%s'", line);
  rali_sentences_free (s, n);

  /* exactly half is no majority */
  const char *two[] = { "Same. A.", "same. B." };
  const float w2[] = { 0.5f, 0.5f }, s2[] = { 1, 2 };
  s = rali_consensus_rank (two, s2, w2, 2, &n, &n_majority);
  check (n == 2 && n_majority == 0 && !find (s, n, "Same"), "0.5 is not a majority");
  check (n == 2 && g_str_equal (s[0].text, "A") && g_str_equal (s[1].text, "B"),
         "ties keep the order of first appearance");
  rali_sentences_free (s, n);
  /* a prototype without a text says nothing, so a sentence of all the others is kept */
  const char *holes[] = { "X. Y.", NULL, "" };
  const float w3[] = { 0.6f, 0.3f, 0.1f }, s3[] = { 1, 2, 3 };
  s = rali_consensus_rank (holes, s3, w3, 3, &n, &n_majority);
  check (n == 2 && n_majority == 2 && fabs (s[0].support - 0.6) < 1e-6, "texts may be NULL or empty");
  rali_sentences_free (s, n);
  s = rali_consensus_rank (two, s2, w2, 0, &n, &n_majority);
  check (s == NULL && n == 0, "no prototypes: nothing");
}

/* the support of sentence (as the consensus writes it) by plain search:
 * the prototypes whose text has it, case-folded, as a whole sentence */
static double
support_by_search (const RaliModel *m, const float *weights, const char *sentence)
{
  g_autofree char *needle = g_utf8_casefold (sentence, -1);
  double sum = 0;
  for (int i = 0; i < m->config.n_prototypes; i++)
    {
      g_autofree char *hay = g_utf8_casefold (m->config.descriptors[i], -1);
      for (const char *p = strstr (hay, needle); p; p = strstr (p + 1, needle))
        {
          char after = p[strlen (needle)];
          gboolean starts = p == hay || p[-2] == '.' || p[-2] == ';';
          if (starts && (after == '\0' || after == '.' || after == ';'))
            {
              sum += weights[i];
              break;
            }
        }
    }
  return sum;
}

static void
test_model (const char *fixtures)
{
  g_autofree char *path = g_build_filename (fixtures, "tiny-sentences.rali", NULL);
  g_autoptr (GError) error = NULL;
  RaliModel *m = rali_model_open (path, &error);
  check (m != NULL, "open %s (%s)", path, error ? error->message : "");
  if (!m)
    return;
  RaliEngine *e = rali_engine_new (m, RALI_BACKEND_CPU, &error);
  const RaliConfig *c = rali_model_config (m);
  int K = c->n_prototypes, D = c->projection_dim, S = c->image_size;
  g_autofree float *px = g_new (float, 3 * S * S);
  g_autofree float *f = g_new (float, D);
  g_autofree float *sims = g_new (float, K);
  g_autofree float *w = g_new (float, K);
  const char *photos[] = { "castle.jpg", "honey-bee.jpg", "bridge-night.jpg" };
  for (gsize p = 0; p < G_N_ELEMENTS (photos); p++)
    {
      g_autofree char *img = g_build_filename (fixtures, "..", "..", "data", "samples", photos[p], NULL);
      float score;
      RaliDescriptor top[12];
      gboolean ok = rali_engine_preprocess_file (e, img, px, &error) && rali_engine_forward (e, px, 1, f, &error)
                    && rali_head_score (m, f, K, &score, top, sims, &error);
      check (ok, "%s scored (%s)", photos[p], error ? error->message : "");
      if (!ok)
        continue;
      rali_head_weights (m, sims, w);
      double wsum = 0, worst = 0;
      for (int i = 0; i < K; i++)
        wsum += w[i];
      for (int t = 0; t < K; t++)
        worst = MAX (worst, fabs (w[top[t].index] - top[t].weight));
      check (fabs (wsum - 1) < 1e-5 && worst < 1e-6, "%s: rali_head_weights is the head's softmax (sum %.6f, "
             "max|diff| %.2g)", photos[p], wsum, worst);
      int n, n_majority;
      RaliSentence *s = rali_head_consensus (m, w, &n, &n_majority);
      double diff = 0;
      for (int i = 0; i < n; i++)
        diff = MAX (diff, fabs (s[i].support - support_by_search (m, w, s[i].text)));
      check (n == 11 && diff < 1e-5, "%s: 11 sentences (%d; the shared one left out), supports as a plain search "
             "over all %d texts finds them (max|diff| %.2g)", photos[p], n, K, diff);
      gboolean ordered = TRUE;
      for (int i = 0; i < n; i++)
        ordered &= (i < n_majority) == (s[i].support > RALI_CONSENSUS_MAJORITY)
                   && (i <= n_majority || s[i].support <= s[i - 1].support);
      check (n_majority >= 1 && ordered, "%s: %d with a majority lead, the rest by support", photos[p], n_majority);
      g_autofree char *summary = rali_head_summary (m, w);
      g_autofree char *joined = rali_sentences_join (s, n_majority);
      check (g_str_equal (summary, joined), "%s: summary '%s'", photos[p], summary);
      rali_sentences_free (s, n);
    }

  /* without texts: the summary says so and names the strongest prototype */
  char **texts = m->config.descriptors;
  m->config.descriptors = NULL;
  int n, n_majority;
  check (rali_head_consensus (m, w, &n, &n_majority) == NULL && n == 0, "no texts: no consensus");
  g_autofree char *none = rali_head_summary (m, w);
  check (g_str_has_prefix (none, "This model has no descriptor texts; prototype #"), "no texts: '%s'", none);
  m->config.descriptors = texts;
  rali_engine_free (e);
  rali_model_free (m);
}

static void
test_layout (void)
{
  int sizes[][2] = { { 1024, 681 }, { 681, 1024 }, { 6000, 4000 }, { 200, 150 }, { 4000, 500 }, { 333, 333 } };
  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int W = sizes[k][0], H = sizes[k][1], cols, rows;
      rali_tile_grid_auto (W, H, 224, &cols, &rows);
      gboolean in_range = cols >= 3 && cols <= 6 && rows >= 3 && rows <= 6 && ((W >= H) == (cols >= rows));
      g_autofree RaliTileScore *t = g_new (RaliTileScore, cols * rows);
      gboolean ok = rali_tile_layout (W, H, cols, rows, 224, t, NULL);
      gint64 area = 0;
      gboolean inside = TRUE, square = TRUE;
      for (int i = 0; ok && i < cols * rows; i++)
        {
          area += (gint64) t[i].cell_w * t[i].cell_h;
          inside &= t[i].x >= 0 && t[i].y >= 0 && t[i].x + t[i].w <= W && t[i].y + t[i].h <= H;
          /* at least the model's 224 px and the cell's longer side, where the photo allows */
          int side = MIN (MAX (MAX (t[i].cell_w, t[i].cell_h), 224), MIN (W, H));
          square &= t[i].w == t[i].h && t[i].w == side;
          if (side >= MAX (t[i].cell_w, t[i].cell_h))
            square &= t[i].x <= t[i].cell_x && t[i].y <= t[i].cell_y && t[i].x + t[i].w >= t[i].cell_x + t[i].cell_w
                      && t[i].y + t[i].h >= t[i].cell_y + t[i].cell_h;
          inside &= t[i].col == i % cols && t[i].row == i / cols;
        }
      gboolean edges = ok && t[cols * rows - 1].cell_x + t[cols * rows - 1].cell_w == W
                       && t[cols * rows - 1].cell_y + t[cols * rows - 1].cell_h == H;
      check (ok && in_range && area == (gint64) W * H && edges && inside && square,
             "%d x %d: auto grid %d x %d, cells partition it, squares of max(cell, 224 px) inside it around their cells", W, H, cols, rows);
    }
  RaliTileScore t[4];
  check (!rali_tile_layout (0, 10, 2, 2, 224, t, NULL) && !rali_tile_layout (1, 1, 2, 2, 224, t, NULL),
         "an empty or too small photo is refused");
}

static void
test_tiles (const char *fixtures)
{
  g_autofree char *path = g_build_filename (fixtures, "tiny-quickgelu.rali", NULL);
  g_autoptr (GError) error = NULL;
  RaliModel *m = rali_model_open (path, &error);
  RaliEngine *e = m ? rali_engine_new (m, RALI_BACKEND_CPU, &error) : NULL;
  check (e != NULL, "engine on tiny-quickgelu (%s)", error ? error->message : "");
  if (!e)
    return;
  const RaliConfig *c = rali_model_config (m);
  int S = c->image_size, D = c->projection_dim;
  /* a 2S x 2S photo of pseudo-random colours */
  RaliImage img = { .width = 2 * S, .height = 2 * S, .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
  img.rgb = g_new (guint8, (gsize) img.width * img.height * 3);
  GRand *r = g_rand_new_with_seed (7);
  for (int i = 0; i < img.width * img.height * 3; i++)
    img.rgb[i] = (guint8) g_rand_int_range (r, 0, 256);
  g_rand_free (r);
  /* 2 x 2: each cell is S px, its own square; 3 x 3: cells of 2S/3 px are
   * seen in the S-px square around them at the photo's resolution, not
   * enlarged: either way each tile is the engine on an S x S window alone */
  for (int n = 2; n <= 3; n++)
    {
      RaliTileScore tiles[9];
      g_clear_error (&error);
      gboolean ok = rali_engine_score_tiles (e, &img, n, n, 3, NULL, tiles, &error);
      check (ok, "%d x %d tiles scored in batches of 3 (%s)", n, n, error ? error->message : "");
      double worst = 0;
      for (int k = 0; ok && k < n * n; k++)
        {
          /* the window alone, through CLIP's preprocessing (no resize at S) */
          ok &= tiles[k].w == S && tiles[k].h == S && tiles[k].x <= tiles[k].cell_x && tiles[k].y <= tiles[k].cell_y
                && tiles[k].x + S >= tiles[k].cell_x + tiles[k].cell_w && tiles[k].y + S >= tiles[k].cell_y + tiles[k].cell_h;
          if (!ok)
            break;
          RaliImage q = { .width = S, .height = S, .dct_scale_num = 1, .dct_scale_denom = 1, .orientation = 1 };
          q.rgb = g_new (guint8, (gsize) S * S * 3);
          for (int y = 0; y < S; y++)
            memcpy (q.rgb + (gsize) y * S * 3, img.rgb + ((gsize) (tiles[k].y + y) * img.width + tiles[k].x) * 3, S * 3);
          g_autofree float *px = g_new (float, 3 * S * S);
          g_autofree float *f = g_new (float, D);
          float score;
          RaliDescriptor top;
          rali_preprocess_clip (px, &q, S, c->image_mean, c->image_std, NULL);
          rali_engine_forward (e, px, 1, f, NULL);
          rali_head_score (m, f, 1, &score, &top, NULL, NULL);
          worst = MAX (worst, fabs (score - tiles[k].score));
          ok &= top.index == tiles[k].top_index && tiles[k].top_weight > 0 && tiles[k].top_weight <= 1;
          g_free (q.rgb);
        }
      check (ok && worst < 1e-6,
             "%d x %d: each tile is the head on the S-px square around its cell alone (max|diff| %.2g, same top "
             "prototype)", n, n, worst);
    }
  RaliTileScore tiles[4];
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_clear_error (&error);
  check (!rali_engine_score_tiles (e, &img, 2, 2, 0, cancel, tiles, &error)
           && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED), "a cancelled run stops with CANCELLED");
  g_free (img.rgb);

  g_autofree char *photo = g_build_filename (fixtures, "..", "..", "data", "samples", "castle.jpg", NULL);
  int cols = 0, rows = 0, W, H;
  g_clear_error (&error);
  g_autofree RaliTileScore *auto_tiles = rali_engine_score_tiles_file (e, photo, &cols, &rows, &W, &H, NULL, &error);
  /* the fixture's input is 32 px: 681 / 32 cells on the short side, at most 6 */
  check (auto_tiles && W == 1024 && H == 681 && cols == 6 && rows == 6,
         "castle.jpg at full size (%d x %d): the automatic grid %d x %d (%s)", W, H, cols, rows,
         error ? error->message : "");
  rali_engine_free (e);
  rali_model_free (m);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: test-explain FIXTURES_DIR\n");
      return 2;
    }
  test_rank ();
  test_model (argv[1]);
  test_layout ();
  test_tiles (argv[1]);
  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
