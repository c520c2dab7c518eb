/* engine/head/naming.c: clusters named by their most over-represented
 * descriptor sentence.
 *
 *   test-naming
 *
 * Sentence splitting; the log-odds and z of one sentence against the
 * formula worked by hand; a sentence most frequent in a cluster but as
 * frequent everywhere never names it (the map legend's old fault: a
 * 4.2-mean cluster named "overexposed, severe" because most of all
 * photos had it); a rare sentence that only a few members hold does not
 * either (min_share); ties and empty clusters; bad input gives an error.
 * Exits non-zero on failure. */
#include "head/naming.h"
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

static void
test_sentences (void)
{
  struct {
    const char *text;
    const char *want; /* joined by | */
  } cases[] = {
    { "slight motion blur on the subject; exposure is balanced; overall quality: good",
      "slight motion blur on the subject|exposure is balanced|overall quality: good" },
    { "The photo is soft: the focus is slightly off. Colours look natural.  Overall quality is good.",
      "The photo is soft: the focus is slightly off|Colours look natural|Overall quality is good" },
    { "Pushed 1.5 stops. Fine!", "Pushed 1.5 stops|Fine" },
    { "  ; ;. ", "" },
    { "no stop at the end", "no stop at the end" },
    { "Soft focus\nNoisy shadows.\r\nFine", "Soft focus|Noisy shadows|Fine" },
    { "", "" },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_auto (GStrv) s = rali_descriptor_sentences (cases[c].text);
      g_autofree char *joined = g_strjoinv ("|", s);
      check (g_str_equal (joined, cases[c].want), "sentences of \"%s\": \"%s\"", cases[c].text, joined);
    }
  g_auto (GStrv) none = rali_descriptor_sentences (NULL);
  check (none && !none[0], "NULL text: no sentences");
}

/* a cluster of photos, each holding the sentences listed (by id) */
typedef struct {
  int cluster;
  const char *texts[3];
} Photo;

static RaliClusterNames
names_of (const Photo *photos, int n, int k, double min_share)
{
  g_autoptr (GPtrArray) texts = g_ptr_array_new ();
  g_autofree int *start = g_new (int, n + 1);
  g_autofree int *labels = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      start[i] = (int) texts->len;
      labels[i] = photos[i].cluster;
      for (int t = 0; t < 3 && photos[i].texts[t]; t++)
        g_ptr_array_add (texts, (gpointer) photos[i].texts[t]);
    }
  start[n] = (int) texts->len;
  RaliClusterNames names;
  g_autoptr (GError) error = NULL;
  gboolean ok = rali_cluster_names_compute (&names, (const char *const *) texts->pdata, start, labels, n, k, 3,
                                            min_share, &error);
  check (ok, "names computed %s", error ? error->message : "");
  return names;
}

static void
test_log_odds_by_hand (void)
{
  /* 10 photos: cluster 0 has 4, cluster 1 has 6.  "blur" is held by 3 of
   * cluster 0 and 1 of cluster 1; "noise is low" by all 10. */
  Photo photos[10];
  for (int i = 0; i < 10; i++)
    {
      photos[i].cluster = i < 4 ? 0 : 1;
      gboolean blur = i < 3 || i == 4;
      photos[i].texts[0] = blur ? "blur; noise is low" : "noise is low";
      photos[i].texts[1] = NULL;
    }
  RaliClusterNames names = names_of (photos, 10, 2, 0.2);
  const RaliClusterTerm *t = &names.terms[0];
  /* q = 0.4, A = 2: p_c = (3 + 0.8) / 6, p_r = (1 + 0.8) / 8 */
  double A = RALI_NAMING_PRIOR, q = 0.4, pc = (3 + A * q) / (4 + A), pr = (1 + A * q) / (6 + A);
  double delta = log (pc / (1 - pc)) - log (pr / (1 - pr));
  double var = 1 / (3 + A * q) + 1 / (1 + A * (1 - q)) + 1 / (1 + A * q) + 1 / (5 + A * (1 - q));
  check (t->sentence >= 0 && g_str_equal (names.vocabulary[t->sentence], "blur"), "cluster 0 is named \"blur\"");
  check (fabs (t->log_odds - delta) < 1e-12 && fabs (t->z - delta / sqrt (var)) < 1e-12,
         "δ %.6f and z %.6f as worked by hand (%.6f, %.6f)", t->log_odds, t->z, delta, delta / sqrt (var));
  check (t->count == 3 && fabs (t->share_in - 0.75) < 1e-12 && fabs (t->share_all - 0.4) < 1e-12,
         "its counts: 3 of 4 in the cluster, 0.4 overall");
  /* cluster 1: "blur" is under-represented, "noise is low" is everywhere
   * (δ = 0): nothing qualifies, so the most frequent sentence */
  const RaliClusterTerm *u = &names.terms[3]; /* n_top 3: cluster 1 starts at 3 */
  check (u->sentence >= 0 && g_str_equal (names.vocabulary[u->sentence], "noise is low") && u->log_odds == 0
           && names.terms[4].sentence == -1,
         "cluster 1 falls back to its most frequent sentence, held by all (δ 0)");
  rali_cluster_names_clear (&names);
}

static void
test_distinctive_beats_frequent (void)
{
  /* 60 photos in 3 clusters of 20.  "overexposed with clipped highlights,
   * severe" is the top descriptor of 80 % of all photos, and so the most
   * frequent in every cluster; each cluster also has a sentence of its
   * own held by 60 % of it and by 5 % of the others, and cluster 2 a
   * sentence only 2 of its members hold (under min_share 0.2). */
  static const char *own[3] = { "fine detail is crisp", "slight motion blur on the subject",
                                "strong darkening makes the picture too dark" };
  Photo photos[60];
  for (int i = 0; i < 60; i++)
    {
      int c = i / 20, r = i % 20;
      photos[i].cluster = c;
      photos[i].texts[0] = r < 16 ? "overexposed with clipped highlights, severe" : "exposure is balanced";
      /* 12 of 20 hold their own sentence; one member of each cluster holds the next cluster's */
      photos[i].texts[1] = r < 12 ? own[c] : r == 19 ? own[(c + 1) % 3] : NULL;
      photos[i].texts[2] = c == 2 && r >= 17 && r < 19 ? "a strange green tint; the horizon is tilted" : NULL;
      if (!photos[i].texts[1])
        photos[i].texts[1] = photos[i].texts[2], photos[i].texts[2] = NULL;
    }
  RaliClusterNames names = names_of (photos, 60, 3, RALI_NAMING_MIN_SHARE);
  for (int c = 0; c < 3; c++)
    {
      g_autofree char *label = rali_cluster_names_label (&names, c, 1);
      check (g_str_equal (label, own[c]), "cluster %d is named by its own sentence: \"%s\"", c, label);
      gboolean frequent = FALSE, rare = FALSE;
      for (int t = 0; t < names.n_top; t++)
        {
          int s = names.terms[c * names.n_top + t].sentence;
          frequent |= s >= 0 && g_str_has_prefix (names.vocabulary[s], "overexposed");
          rare |= s >= 0 && strstr (names.vocabulary[s], "tilted") != NULL;
        }
      check (!frequent, "cluster %d: the sentence as frequent everywhere is not among its terms", c);
      check (!rare, "cluster %d: a sentence 2 of 20 members hold is not among its terms", c);
    }
  g_autofree char *two = rali_cluster_names_label (&names, 0, 2);
  check (g_str_has_prefix (two, own[0]), "a two-term label starts with the best term: \"%s\"", two);
  g_autofree char *bad = rali_cluster_names_label (&names, 7, 2);
  check (g_str_equal (bad, ""), "no such cluster: an empty label");
  /* case and final stops do not make new sentences */
  check (names.V == 7, "7 distinct sentences (%d)", names.V);
  rali_cluster_names_clear (&names);

  /* the same photos, the texts in other cases and with stops */
  photos[5].texts[1] = "Fine detail is crisp.";
  names = names_of (photos, 60, 3, RALI_NAMING_MIN_SHARE);
  check (names.V == 7, "\"Fine detail is crisp.\" is the same sentence (V %d)", names.V);
  g_autofree char *again = rali_cluster_names_label (&names, 0, 1);
  check (g_str_equal (again, own[0]), "and the vocabulary keeps the first spelling: \"%s\"", again);
  rali_cluster_names_clear (&names);
}

static void
test_fallbacks (void)
{
  /* 20 photos, 10 a cluster, all holding "common"; one of cluster 0 holds
   * "rare" too (10 % of it, under min_share): cluster 0 is named by the
   * over-represented "rare", cluster 1, where nothing is, by "common" */
  Photo photos[20];
  for (int i = 0; i < 20; i++)
    {
      photos[i].cluster = i / 10;
      photos[i].texts[0] = i == 3 ? "common; rare" : "common";
      photos[i].texts[1] = photos[i].texts[2] = NULL;
    }
  RaliClusterNames names = names_of (photos, 20, 2, 0.2);
  g_autofree char *l0 = rali_cluster_names_label (&names, 0, 2);
  g_autofree char *l1 = rali_cluster_names_label (&names, 1, 2);
  check (g_str_equal (l0, "rare"), "nothing held by 20 %% of a cluster: the over-represented one held by fewer (\"%s\")",
         l0);
  check (g_str_equal (l1, "common") && names.terms[names.n_top].log_odds == 0,
         "nothing over-represented: the most frequent, δ 0 (\"%s\")", l1);
  rali_cluster_names_clear (&names);
}

static void
test_under_represented (void)
{
  /* cluster 0 holds "a" twice as often as cluster 1, "x" alone and "b" as
   * often; cluster 1 holds nothing more often: "b", not the other's "a" */
  Photo photos[8] = {
    { 0, { "a; b", NULL, NULL } }, { 0, { "a", NULL, NULL } }, { 0, { "b", NULL, NULL } }, { 0, { "x", NULL, NULL } },
    { 1, { "a; b", NULL, NULL } }, { 1, { "b", NULL, NULL } }, { 1, { "y0", NULL, NULL } }, { 1, { "y1", NULL, NULL } },
  };
  photos[6].texts[0] = photos[7].texts[0] = NULL; /* cluster 1: two photos without descriptors */
  RaliClusterNames names = names_of (photos, 8, 2, 0.2);
  g_autofree char *l0 = rali_cluster_names_label (&names, 0, 2);
  g_autofree char *l1 = rali_cluster_names_label (&names, 1, 1);
  /* "x" (1 of 4 against none) has the higher z than "a" (2 of 4 against 1) */
  check (g_str_equal (l0, "x · a"), "cluster 0: its two over-represented sentences by z (\"%s\")", l0);
  check (g_str_equal (l1, "b"), "cluster 1: the one it holds as often as the rest, \"b\", not the other's \"a\" (\"%s\")",
         l1);
  rali_cluster_names_clear (&names);
  /* now cluster 1 holds nothing as often as cluster 0: no name */
  photos[5].texts[0] = NULL;
  names = names_of (photos, 8, 2, 0.2);
  g_autofree char *l2 = rali_cluster_names_label (&names, 1, 1);
  check (g_str_equal (l2, ""), "every sentence under-represented: no name (\"%s\")", l2);
  rali_cluster_names_clear (&names);
}

static void
test_edges (void)
{
  /* a cluster whose photos have no descriptors, and one without photos */
  Photo photos[4] = {
    { 0, { "a; b", NULL, NULL } }, { 0, { "a", NULL, NULL } }, { 1, { NULL, NULL, NULL } }, { 1, { NULL, NULL, NULL } },
  };
  RaliClusterNames names = names_of (photos, 4, 3, 0.2);
  g_autofree char *l1 = rali_cluster_names_label (&names, 1, 2);
  g_autofree char *l2 = rali_cluster_names_label (&names, 2, 2);
  check (g_str_equal (l1, "") && g_str_equal (l2, ""), "clusters without descriptors or photos have no name");
  g_autofree char *l0 = rali_cluster_names_label (&names, 0, 2);
  /* "a" is held by both photos (z higher), "b" by one */
  check (g_str_equal (l0, "a · b"), "ties broken by z then count: \"%s\"", l0);
  rali_cluster_names_clear (&names);

  RaliClusterTerm out[2];
  int labels[2] = { 0, 5 }, start[3] = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  gboolean ok = rali_cluster_terms (out, 1, labels, 2, 2, start, NULL, 0, 0.2, &error);
  check (!ok && error, "a label out of range is refused: %s", error ? error->message : "");
  g_clear_error (&error);
  int lab[1] = { 0 }, st[2] = { 0, 1 }, terms[1] = { 3 };
  ok = rali_cluster_terms (out, 1, lab, 1, 1, st, terms, 2, 0.2, &error);
  check (!ok && error, "a sentence id out of range is refused: %s", error ? error->message : "");
  g_clear_error (&error);
  check (rali_cluster_terms (out, 2, lab, 1, 1, st, terms, 4, 0.2, &error) && out[0].sentence == 3
           && out[1].sentence == -1,
         "one photo, one cluster: its sentence, by frequency");
}

int
main (void)
{
  test_sentences ();
  test_log_odds_by_hand ();
  test_distinctive_beats_frequent ();
  test_fallbacks ();
  test_under_represented ();
  test_edges ();
  if (failures)
    printf ("%d FAILED\n", failures);
  return failures ? 1 : 0;
}
