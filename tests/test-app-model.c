/* rali-studio without a display: gallery items, their descriptors' JSON,
 * the sorted and filtered gallery model, score colours, durations. */
#include "culling/rali-auto-cull.h"
#include "culling/rali-bursts.h"
#include "culling/rali-culling.h"
#include "gallery/rali-gallery-item.h"
#include "gallery/rali-gallery-model.h"
#include "detail/rali-score-gauge.h"
#include "gallery/rali-score-stats.h"
#include "gallery/rali-scoring-progress.h"
#include "gallery/rali-tile.h"

#include <gtk/gtk.h>
#include <math.h>

static GPtrArray *
descriptors (const char *first, float similarity)
{
  GPtrArray *ds = g_ptr_array_new_with_free_func ((GDestroyNotify) rali_item_descriptor_free);
  const char *texts[] = { first, "exposure is balanced", "slight noise in the shadows" };
  for (int i = 0; i < 3; i++)
    {
      RaliItemDescriptor *d = g_new0 (RaliItemDescriptor, 1);
      d->index = i * 3;
      d->text = g_strdup (texts[i]);
      d->similarity = similarity - 0.1f * i;
      d->score = 0.25f * i;
      d->weight = i == 0 ? 0.75f : 0.125f;
      g_ptr_array_add (ds, d);
    }
  return ds;
}

static void
test_descriptors_json (void)
{
  g_autoptr (GPtrArray) ds = descriptors ("motion blur on the \"subject\" — strong", 0.5f);
  g_autofree char *json = rali_item_descriptors_to_json (ds);
  g_autoptr (GPtrArray) back = rali_item_descriptors_from_json (json);
  g_assert_cmpuint (back->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      RaliItemDescriptor *a = ds->pdata[i], *b = back->pdata[i];
      g_assert_cmpstr (a->text, ==, b->text);
      g_assert_cmpint (a->index, ==, b->index);
      g_assert_cmpfloat_with_epsilon (a->similarity, b->similarity, 1e-6);
      g_assert_cmpfloat_with_epsilon (a->score, b->score, 1e-6);
      g_assert_cmpfloat_with_epsilon (a->weight, b->weight, 1e-6);
    }
  /* damaged catalog text gives no descriptors, not a crash */
  const char *bad[] = { NULL, "", "{", "{\"a\":1}", "[1, \"x\", null]" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GPtrArray) none = rali_item_descriptors_from_json (bad[i]);
      g_assert_cmpuint (none->len, ==, 0);
    }
}

static void
test_item_states (void)
{
  g_autoptr (RaliGalleryItem) item = rali_gallery_item_new ("/shoot/IMG_0042.JPG");
  g_assert_cmpstr (rali_gallery_item_get_name (item), ==, "IMG_0042.JPG");
  g_assert_cmpint (rali_gallery_item_get_state (item), ==, RALI_ITEM_PENDING);
  rali_gallery_item_set_result (item, 0.8, 0.8, descriptors ("Slight Motion BLUR", 0.6f), FALSE);
  g_assert_cmpint (rali_gallery_item_get_state (item), ==, RALI_ITEM_SCORED);
  g_autofree char *blur = g_utf8_casefold ("blur", -1);
  g_autofree char *noise = g_utf8_casefold ("noise", -1);
  g_autofree char *img = g_utf8_casefold ("img_0042", -1);
  g_assert_true (rali_gallery_item_matches (item, blur, 5));
  g_assert_true (rali_gallery_item_matches (item, noise, 3));
  g_assert_false (rali_gallery_item_matches (item, noise, 2)); /* third descriptor */
  g_assert_true (rali_gallery_item_matches (item, img, 1));  /* the file name */
  g_assert_true (rali_gallery_item_matches (item, NULL, 1));
  rali_gallery_item_set_error (item, "truncated JPEG data", TRUE);
  g_assert_cmpint (rali_gallery_item_get_state (item), ==, RALI_ITEM_FAILED);
  g_assert_cmpstr (rali_gallery_item_get_error (item), ==, "truncated JPEG data");
  g_assert_null (rali_gallery_item_get_descriptors (item));
  g_assert_true (rali_gallery_item_get_from_catalog (item));
  rali_gallery_item_reset (item);
  g_assert_cmpint (rali_gallery_item_get_state (item), ==, RALI_ITEM_PENDING);
}

/* incremental sorting and filtering finish on the main loop */
static void
settle (void)
{
  for (int i = 0; i < 200; i++)
    g_main_context_iteration (NULL, FALSE);
}

static char *
shown_names (RaliGalleryModel *model)
{
  GListModel *shown = rali_gallery_model_get_shown (model);
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (shown, i);
      g_string_append_printf (s, "%s%s", i ? " " : "", rali_gallery_item_get_name (item));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_model (void)
{
  g_autoptr (RaliGalleryModel) model = rali_gallery_model_new ();
  /* lower case: the test runs in the C locale, whose collation is bytewise */
  const char *names[] = { "img_10.jpg", "img_2.jpg", "img_1.jpg", "x-bad.jpg", "img_3.jpg" };
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename ("/shoot", names[i], NULL);
      g_ptr_array_add (items, rali_gallery_item_new (path));
    }
  rali_gallery_model_replace (model, items);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rali_gallery_model_get_all (model)), ==, 5);

  rali_gallery_model_set_sort (model, RALI_SORT_NAME);
  settle ();
  g_autofree char *by_name = shown_names (model);
  g_assert_cmpstr (by_name, ==, "img_1.jpg img_2.jpg img_3.jpg img_10.jpg x-bad.jpg");

  /* results arrive: scored best first, then pending, then failed */
  rali_gallery_item_set_result (items->pdata[0], 0.3, 0.3, descriptors ("soft focus", 0.5f), FALSE);
  rali_gallery_item_set_result (items->pdata[1], 0.9, 0.9, descriptors ("crisp detail", 0.5f), FALSE);
  rali_gallery_item_set_result (items->pdata[2], 0.6, 0.6, descriptors ("motion blur", 0.5f), FALSE);
  rali_gallery_item_set_error (items->pdata[3], "not a JPEG or PNG image", FALSE);
  rali_gallery_model_set_sort (model, RALI_SORT_SCORE);
  rali_gallery_model_results_changed (model);
  settle ();
  g_autofree char *by_score = shown_names (model);
  g_assert_cmpstr (by_score, ==, "img_2.jpg img_1.jpg img_10.jpg img_3.jpg x-bad.jpg");

  rali_gallery_item_set_capture_time (items->pdata[4], 100, TRUE);
  rali_gallery_item_set_capture_time (items->pdata[0], 200, FALSE); /* an mtime sorts too */
  rali_gallery_model_set_sort (model, RALI_SORT_CAPTURE_TIME);
  settle ();
  g_autofree char *by_time = shown_names (model);
  g_assert_cmpstr (by_time, ==, "img_1.jpg img_2.jpg x-bad.jpg img_3.jpg img_10.jpg");

  /* score range: only scored photos inside it */
  rali_gallery_model_set_sort (model, RALI_SORT_SCORE);
  rali_gallery_model_set_score_range (model, 0.5, 1.0, 0.0, 1.0);
  settle ();
  g_assert_true (rali_gallery_model_get_range_active (model));
  g_autofree char *ranged = shown_names (model);
  g_assert_cmpstr (ranged, ==, "img_2.jpg img_1.jpg");
  rali_gallery_model_set_score_range (model, 0.0, 1.0, 0.0, 1.0);
  g_assert_false (rali_gallery_model_get_range_active (model));

  /* search over descriptors, case-insensitive, top-k of them */
  rali_gallery_model_set_search (model, "  BLUR ", 1);
  settle ();
  g_assert_true (rali_gallery_model_has_search (model));
  g_autofree char *blur = shown_names (model);
  g_assert_cmpstr (blur, ==, "img_1.jpg");
  rali_gallery_model_set_search (model, "exposure", 1);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rali_gallery_model_get_shown (model)), ==, 0);
  rali_gallery_model_set_search (model, "exposure", 2);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rali_gallery_model_get_shown (model)), ==, 3);
  rali_gallery_model_set_search (model, "", 5);
  settle ();
  g_assert_false (rali_gallery_model_has_search (model));
  g_assert_cmpuint (g_list_model_get_n_items (rali_gallery_model_get_shown (model)), ==, 5);
}

static void
test_colours_and_durations (void)
{
  g_assert_cmpstr (rali_score_css_class (-1), ==, "score-0");
  g_assert_cmpstr (rali_score_css_class (0.05), ==, "score-0");
  g_assert_cmpstr (rali_score_css_class (0.55), ==, "score-5");
  g_assert_cmpstr (rali_score_css_class (1.0), ==, "score-9");
  g_assert_cmpstr (rali_score_css_class (7), ==, "score-9");
  GdkRGBA lo, mid, hi;
  rali_score_color (0, &lo);
  rali_score_color (0.5, &mid);
  rali_score_color (1, &hi);
  g_assert_true (lo.red > lo.green);  /* red */
  g_assert_true (mid.red > 0.8f && mid.green > 0.6f); /* amber */
  g_assert_true (hi.green > hi.red);  /* green */
  g_autofree char *a = rali_format_duration (4.4);
  g_autofree char *b = rali_format_duration (65);
  g_autofree char *c = rali_format_duration (3 * 3600 + 7 * 60);
  g_assert_cmpstr (a, ==, "4 s");
  g_assert_cmpstr (b, ==, "1 min 05 s");
  g_assert_cmpstr (c, ==, "3 h 07 min");
}

/* bursts: near in time and in embedding, chained along time */
static void
test_burst_groups (void)
{
  enum { N = 7, D = 3 };
  /* out of time order on purpose; photo 5 has no embedding */
  const gint64 t[N] = { 100, 101, 103, 50, 51, 102, 200 };
  const float s = 0.70710678f;
  float e[N * D] = {
    1, 0, 0,   0.999f, 0.0447f, 0,   0.998f, 0.0632f, 0,  /* 0, 1, 2: a burst (2 s apart at most) */
    0, 1, 0,   s, s, 0,                                /* 3, 4: close in time, not alike */
    NAN, 0, 0,                                          /* 5: unknown, between 1 and 2 in time */
    1, 0, 0,                                            /* 6: alike but 97 s later */
  };
  guint group[N];
  guint n = rali_bursts_group (t, e, N, D, 2, 0.95, group);
  /* time order: 3 4 0 1 5 2 6; 5 breaks the chain 1 -> 2 */
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (group[0], ==, 1);
  g_assert_cmpuint (group[1], ==, 1);
  g_assert_cmpuint (group[2], ==, 0);
  g_assert_cmpuint (group[3], ==, 0);
  g_assert_cmpuint (group[4], ==, 0);
  g_assert_cmpuint (group[5], ==, 0);
  g_assert_cmpuint (group[6], ==, 0);
  /* a wider window: 5 s spans 1 -> 2 over the unknown one?  No: chains go
   * photo to photo, and 5 is in between; the window alone does not bridge */
  n = rali_bursts_group (t, e, N, D, 5, 0.95, group);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (group[2], ==, 0);
  /* a lower threshold joins 3 and 4 (cos 0.707) */
  n = rali_bursts_group (t, e, N, D, 2, 0.7, group);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (group[3], ==, group[4]);
  g_assert_cmpuint (group[3], !=, group[0]);
}

/* bursts: photos without an EXIF time (the mtime is no capture time) are
 * never grouped, however alike, and do not split the dated ones */
static void
test_burst_undated (void)
{
  enum { N = 5, D = 2 };
  const gint64 t[N] = { 10, RALI_BURSTS_UNDATED, 11, RALI_BURSTS_UNDATED, 12 };
  const float e[N * D] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0 };
  guint group[N];
  g_assert_cmpuint (rali_bursts_group (t, e, N, D, 2, 0.95, group), ==, 1);
  g_assert_cmpuint (group[0], ==, 1);
  g_assert_cmpuint (group[2], ==, 1);
  g_assert_cmpuint (group[4], ==, 1);
  g_assert_cmpuint (group[1], ==, 0);
  g_assert_cmpuint (group[3], ==, 0);
  const gint64 none[N] = { RALI_BURSTS_UNDATED, RALI_BURSTS_UNDATED, RALI_BURSTS_UNDATED, RALI_BURSTS_UNDATED,
                           RALI_BURSTS_UNDATED };
  g_assert_cmpuint (rali_bursts_group (none, e, N, D, 600, 0.5, group), ==, 0);
}

static void
test_decision_text (void)
{
  RaliDecision d = { .rating = 3, .flag = RALI_FLAG_PICKED, .labels = RALI_LABEL_RED | RALI_LABEL_BLUE };
  g_autofree char *a = rali_decision_describe (&d);
  g_assert_cmpstr (a, ==, "★★★ · Picked · Red · Blue");
  RaliDecision none = { 0 };
  g_autofree char *b = rali_decision_describe (&none);
  g_assert_cmpstr (b, ==, "");
}

/* the folder's sorted scores, counts and the rank a badge shows */
static void
test_score_stats (void)
{
  g_autoptr (RaliScoreStats) stats = rali_score_stats_new ();
  const double s[] = { 3, 1, 2, NAN, 2, 5 };
  rali_score_stats_set_scores (stats, s, G_N_ELEMENTS (s));
  guint n = 0;
  const double *v = rali_score_stats_get_sorted (stats, &n);
  g_assert_cmpuint (n, ==, 5); /* NaN left out */
  g_assert_cmpfloat (v[0], ==, 1);
  g_assert_cmpfloat (v[4], ==, 5);
  g_assert_cmpuint (rali_score_stats_count_below (stats, 2), ==, 1);
  g_assert_cmpuint (rali_score_stats_count_above (stats, 2), ==, 2);
  g_assert_cmpuint (rali_score_stats_count_below (stats, 0), ==, 0);
  g_assert_cmpuint (rali_score_stats_count_above (stats, 9), ==, 0);
  g_autofree char *best = rali_score_stats_describe_rank (stats, 5);
  g_autofree char *worst = rali_score_stats_describe_rank (stats, 1);
  g_autofree char *tie = rali_score_stats_describe_rank (stats, 2); /* ties share the better rank */
  g_assert_cmpstr (best, ==, "top 20 %");
  g_assert_cmpstr (worst, ==, "bottom 20 %");
  g_assert_cmpstr (tie, ==, "bottom 40 %");
  rali_score_stats_set_scores (stats, s, 1);
  g_assert_null (rali_score_stats_describe_rank (stats, 3));
}

/* auto-cull's rule: the lowest N % or below S, B's rule for each burst,
 * earlier decisions kept, photos without a score left alone */
static void
test_auto_cull (void)
{
  enum { N = 8 };
  RaliAutoCullPhoto p[N] = {
    { TRUE, 0.10, 0, FALSE, RALI_FLAG_NONE, "h" },
    { TRUE, 0.20, 0, FALSE, RALI_FLAG_PICKED, "g" },   /* mine: kept */
    { TRUE, 0.30, 0, FALSE, RALI_FLAG_NONE, "b" },     /* ties with the next: "a" first */
    { TRUE, 0.30, 0, FALSE, RALI_FLAG_NONE, "a" },
    { TRUE, 0.70, 1, TRUE, RALI_FLAG_NONE, "e" },      /* a burst's best */
    { TRUE, 0.60, 1, FALSE, RALI_FLAG_NONE, "f" },
    { FALSE, 0, 0, FALSE, RALI_FLAG_NONE, "x" },       /* not scored */
    { TRUE, 0.90, 2, FALSE, RALI_FLAG_NONE, "c" },     /* a burst with no best known */
  };
  int f[N];
  /* the lowest 40 % of 7 scored: 2.8 -> 3 photos: 0.10, 0.20 (kept: picked), "a" of the tie */
  RaliAutoCullOptions o = { RALI_AUTO_CULL_REJECT_LOWEST, 40, 0, FALSE, TRUE };
  double cut = rali_auto_cull_decide (p, N, &o, f);
  const int want1[N] = { -1, 1, 0, -1, 0, 0, 0, 0 };
  for (int i = 0; i < N; i++)
    g_assert_cmpint (f[i], ==, want1[i]);
  g_assert_cmpfloat_with_epsilon (cut, 0.30, 1e-12);
  /* the same without keeping: the pick is rejected too */
  o.keep_flagged = FALSE;
  rali_auto_cull_decide (p, N, &o, f);
  g_assert_cmpint (f[1], ==, -1);
  /* below 0.65 with bursts: the best picked, its sibling rejected, the
   * burst without a best untouched */
  RaliAutoCullOptions o2 = { RALI_AUTO_CULL_REJECT_BELOW, 0, 0.65, TRUE, TRUE };
  cut = rali_auto_cull_decide (p, N, &o2, f);
  const int want2[N] = { -1, 1, -1, -1, 1, -1, 0, 0 };
  for (int i = 0; i < N; i++)
    g_assert_cmpint (f[i], ==, want2[i]);
  g_assert_cmpfloat (cut, ==, 0.65);
  /* a score rule that rejects the best of a burst wins over the pick */
  o2.score = 0.75;
  rali_auto_cull_decide (p, N, &o2, f);
  g_assert_cmpint (f[4], ==, -1);
  g_assert_cmpint (f[5], ==, -1);
  /* nothing by score: bursts only; no cut */
  RaliAutoCullOptions o3 = { RALI_AUTO_CULL_REJECT_NONE, 0, 0, TRUE, TRUE };
  cut = rali_auto_cull_decide (p, N, &o3, f);
  g_assert_true (isinf (cut) && cut < 0);
  const int want3[N] = { 0, 1, 0, 0, 1, -1, 0, 0 };
  for (int i = 0; i < N; i++)
    g_assert_cmpint (f[i], ==, want3[i]);
  /* 100 %: every scored photo; 0 %: none */
  o.percent = 100;
  rali_auto_cull_decide (p, N, &o, f);
  for (int i = 0; i < N; i++)
    g_assert_cmpint (f[i], ==, i == 6 ? 0 : -1);
  o.percent = 0;
  cut = rali_auto_cull_decide (p, N, &o, f);
  g_assert_true (isinf (cut));
  for (int i = 0; i < N; i++)
    g_assert_cmpint (f[i], ==, p[i].flag);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/descriptors-json", test_descriptors_json);
  g_test_add_func ("/app/item-states", test_item_states);
  g_test_add_func ("/app/gallery-model", test_model);
  g_test_add_func ("/app/colours-and-durations", test_colours_and_durations);
  g_test_add_func ("/app/burst-groups", test_burst_groups);
  g_test_add_func ("/app/burst-undated", test_burst_undated);
  g_test_add_func ("/app/decision-text", test_decision_text);
  g_test_add_func ("/app/score-stats", test_score_stats);
  g_test_add_func ("/app/auto-cull", test_auto_cull);
  return g_test_run ();
}
