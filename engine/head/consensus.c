/* The descriptors' consensus: see explain.h.  Texts are short (K ≤ a few
 * hundred prototypes of a few sentences each): everything is recomputed
 * per call, in plain loops and one hash table. */
#include "head/explain.h"
#include "head/naming.h"
#include "nn/model-private.h"

#include <math.h>
#include <string.h>

void
rali_head_weights (const RaliModel *m, const float *sims, float *weights)
{
  int K = m->config.n_prototypes;
  double smax = -INFINITY, sum = 0;
  for (int i = 0; i < K; i++)
    smax = MAX (smax, (double) sims[i]);
  g_autofree double *p = g_new (double, MAX (K, 1));
  for (int i = 0; i < K; i++)
    sum += (p[i] = exp (((double) sims[i] - smax) / m->config.temperature));
  for (int i = 0; i < K; i++)
    weights[i] = (float) (p[i] / sum);
}

/* case-folded, white space collapsed to single spaces */
static char *
sentence_key (const char *s)
{
  g_autoptr (GString) g = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = s; *p; p++)
    {
      if (g_ascii_isspace (*p))
        {
          space = TRUE;
          continue;
        }
      if (space && g->len)
        g_string_append_c (g, ' ');
      space = FALSE;
      g_string_append_c (g, *p);
    }
  return g_utf8_casefold (g->str, -1);
}

typedef struct {
  char *text; /* owned */
  double support, score_sum;
  int n;
  int order;  /* first seen: prototype index, then position in its text */
} Acc;

static void
acc_free (Acc *a)
{
  g_free (a->text);
  g_free (a);
}

typedef struct {
  RaliSentence s;
  gboolean majority;
  int order;
} Ranked;

static int
by_rank (const void *pa, const void *pb)
{
  const Ranked *a = pa, *b = pb;
  if (a->majority != b->majority)
    return a->majority ? -1 : 1;
  gboolean da = a->majority && a->s.effect < 0, db = b->majority && b->s.effect < 0;
  if (da != db)
    return da ? -1 : 1;
  if (da && a->s.effect != b->s.effect)
    return a->s.effect < b->s.effect ? -1 : 1;
  if (!da && a->s.support != b->s.support)
    return a->s.support > b->s.support ? -1 : 1;
  return a->order - b->order;
}

RaliSentence *
rali_consensus_rank (const char *const *texts, const float *scores, const float *weights, int K, int *n,
                     int *n_majority)
{
  *n = *n_majority = 0;
  if (!texts || K <= 0)
    return NULL;
  double mean_all = 0;
  for (int i = 0; i < K; i++)
    mean_all += scores[i];
  mean_all /= K;

  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) acc_free);
  int order = 0;
  for (int i = 0; i < K; i++)
    {
      g_auto (GStrv) sentences = rali_descriptor_sentences (texts[i]);
      g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL); /* of Acc */
      for (guint j = 0; sentences[j]; j++)
        {
          char *key = sentence_key (sentences[j]);
          Acc *a = g_hash_table_lookup (by_key, key);
          if (!a)
            {
              a = g_new0 (Acc, 1);
              a->text = g_strdup (sentences[j]);
              a->order = order++;
              g_hash_table_insert (by_key, g_strdup (key), a);
            }
          /* a sentence said twice in one text counts once */
          if (g_hash_table_add (seen, a))
            {
              a->support += weights[i];
              a->score_sum += scores[i];
              a->n++;
            }
          g_free (key);
        }
    }

  guint total = g_hash_table_size (by_key);
  g_autofree Ranked *r = g_new0 (Ranked, MAX (total, 1));
  int m = 0;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, by_key);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Acc *a = value;
      if (a->n == K && K > 1)
        continue; /* every prototype says it: nothing about this photo */
      r[m].s.text = a->text;
      r[m].s.support = MIN (a->support, 1.0);
      r[m].s.effect = a->score_sum / a->n - mean_all;
      r[m].s.n_prototypes = a->n;
      r[m].majority = a->support > RALI_CONSENSUS_MAJORITY;
      r[m].order = a->order;
      m++;
    }
  if (m == 0)
    return NULL;
  qsort (r, m, sizeof *r, by_rank);
  RaliSentence *out = g_new (RaliSentence, m);
  for (int i = 0; i < m; i++)
    {
      out[i] = r[i].s;
      out[i].text = g_strdup (r[i].s.text); /* the table's copy goes with it */
      *n_majority += r[i].majority;
    }
  *n = m;
  return out;
}

void
rali_sentences_free (RaliSentence *sentences, int n)
{
  for (int i = 0; sentences && i < n; i++)
    g_free (sentences[i].text);
  g_free (sentences);
}

RaliSentence *
rali_head_consensus (const RaliModel *m, const float *weights, int *n, int *n_majority)
{
  const RaliConfig *c = &m->config;
  *n = *n_majority = 0;
  if (!c->descriptors || c->n_prototypes <= 0)
    return NULL;
  return rali_consensus_rank ((const char *const *) c->descriptors, m->weights.prototype_scores, weights,
                              c->n_prototypes, n, n_majority);
}

/* text with its first character in title case, closed with a full stop */
static void
append_sentence (GString *out, const char *text)
{
  if (out->len)
    g_string_append_c (out, ' ');
  gunichar first = g_utf8_get_char (text);
  g_string_append_unichar (out, g_unichar_totitle (first));
  g_string_append (out, g_utf8_next_char (text));
  g_string_append_c (out, '.');
}

char *
rali_sentences_join (const RaliSentence *sentences, int n)
{
  GString *out = g_string_new (NULL);
  for (int i = 0; i < MIN (n, RALI_CONSENSUS_MAX_SENTENCES); i++)
    append_sentence (out, sentences[i].text);
  return g_string_free (out, FALSE);
}

char *
rali_head_summary (const RaliModel *m, const float *weights)
{
  int n, n_majority;
  RaliSentence *s = rali_head_consensus (m, weights, &n, &n_majority);
  char *line;
  if (n_majority > 0)
    line = rali_sentences_join (s, n_majority);
  else if (n > 0)
    line = g_strdup_printf ("No description has a majority; the strongest (%.0f %%): \"%s\".",
                            100.0 * s[0].support, s[0].text);
  else
    {
      int K = m->config.n_prototypes, top = 0;
      for (int i = 1; i < K; i++)
        if (weights[i] > weights[top])
          top = i;
      line = K > 0 ? g_strdup_printf ("This model has no descriptor texts; prototype #%d (score %.3f) carries "
                                      "%.0f %% of the score.",
                                      top, m->weights.prototype_scores[top], 100.0 * weights[top])
                   : g_strdup ("");
    }
  rali_sentences_free (s, n);
  return line;
}
