/* Naming clusters by their most over-represented descriptor sentences:
 * see naming.h for the rule. */
#include "naming.h"

#include "rali.h"

#include <math.h>
#include <string.h>

static gboolean
is_end (char c)
{
  return c == '.' || c == '!' || c == '?' || c == ';';
}

char **
rali_descriptor_sentences (const char *text)
{
  GPtrArray *out = g_ptr_array_new ();
  const char *p = text ? text : "";
  while (*p)
    {
      const char *start = p;
      /* the end: a stop followed by white space or the end of the text, or a line break */
      while (*p && *p != '\n' && *p != '\r' && !(is_end (*p) && (p[1] == '\0' || g_ascii_isspace (p[1]))))
        p++;
      const char *end = p;
      if (*p)
        p++;
      while (start < end && g_ascii_isspace (*start))
        start++;
      while (end > start && (g_ascii_isspace (end[-1]) || is_end (end[-1])))
        end--;
      if (end > start)
        g_ptr_array_add (out, g_strndup (start, end - start));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* ---- terms from documents ---- */

typedef struct {
  int s;
  int y;
  double delta, z;
} Candidate;

static int
by_z (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;
  if (x->z != y->z)
    return x->z > y->z ? -1 : 1;
  if (x->y != y->y)
    return x->y > y->y ? -1 : 1;
  return x->s - y->s;
}

static double
logit (double p)
{
  return log (p) - log1p (-p);
}

/* δ and z of a sentence held by yc of nc photos in the cluster and yr of
 * nr outside it, q = (yc + yr) / (nc + nr) > 0 */
static void
log_odds (double yc, double nc, double yr, double nr, double q, double *delta, double *z)
{
  if (q >= 1)
    {
      *delta = *z = 0; /* every photo holds it: it tells nothing apart */
      return;
    }
  const double A = RALI_NAMING_PRIOR;
  double pc = (yc + A * q) / (nc + A), pr = (yr + A * q) / (nr + A);
  *delta = logit (pc) - logit (pr);
  double var = 1 / (yc + A * q) + 1 / (nc - yc + A * (1 - q)) + 1 / (yr + A * q) + 1 / (nr - yr + A * (1 - q));
  *z = *delta / sqrt (var);
}

gboolean
rali_cluster_terms (RaliClusterTerm *out, int n_top, const int *labels, int N, int k, const int *doc_start,
                    const int *doc_terms, int V, double min_share, GError **error)
{
  if (!out || n_top < 1 || !labels || N < 0 || k < 1 || !doc_start || V < 0 || (V > 0 && !doc_terms))
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cluster terms: bad arguments (N %d, k %d, V %d, top %d)",
                   N, k, V, n_top);
      return FALSE;
    }
  for (int i = 0; i < N; i++)
    {
      if (labels[i] < 0 || labels[i] >= k || doc_start[i] < 0 || doc_start[i + 1] < doc_start[i])
        {
          g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cluster terms: photo %d has label %d of %d or a bad "
                       "document range", i, labels[i], k);
          return FALSE;
        }
      for (int t = doc_start[i]; t < doc_start[i + 1]; t++)
        if (doc_terms[t] < 0 || doc_terms[t] >= V)
          {
            g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cluster terms: photo %d holds sentence %d of %d", i,
                         doc_terms[t], V);
            return FALSE;
          }
    }

  /* counts [k, V] of photos holding each sentence, and per sentence overall */
  g_autofree int *count = g_new0 (int, (gsize) k * MAX (V, 1));
  g_autofree int *total = g_new0 (int, MAX (V, 1));
  g_autofree int *size = g_new0 (int, k);
  for (int i = 0; i < N; i++)
    {
      size[labels[i]]++;
      for (int t = doc_start[i]; t < doc_start[i + 1]; t++)
        {
          count[(gsize) labels[i] * V + doc_terms[t]]++;
          total[doc_terms[t]]++;
        }
    }

  g_autofree Candidate *cand = g_new (Candidate, MAX (V, 1));
  for (int c = 0; c < k; c++)
    {
      RaliClusterTerm *o = out + (gsize) c * n_top;
      for (int t = 0; t < n_top; t++)
        o[t] = (RaliClusterTerm) { .sentence = -1 };
      int nc = size[c], nr = N - nc, n_cand = 0, n_rare = 0, frequent = -1;
      const int *yc = count + (gsize) c * V;
      /* cand[0 .. n_cand): over-represented and held by at least min_share
       * of the cluster; rare[0 .. n_rare): over-represented, held by fewer */
      g_autofree Candidate *rare = g_new (Candidate, MAX (V, 1));
      for (int s = 0; s < V; s++)
        {
          if (yc[s] == 0)
            continue;
          /* over-represented: y_c / n_c > y_r / n_r, in integers (δ > 0
           * then); as frequent: equal (δ = 0) */
          gint64 in = (gint64) yc[s] * nr, out = (gint64) (total[s] - yc[s]) * nc;
          if (in >= out && (frequent < 0 || yc[s] > yc[frequent]))
            frequent = s;
          if (in <= out)
            continue;
          double delta, z;
          log_odds (yc[s], nc, total[s] - yc[s], nr, (double) total[s] / N, &delta, &z);
          if (yc[s] >= min_share * nc)
            cand[n_cand++] = (Candidate) { s, yc[s], delta, z };
          else
            rare[n_rare++] = (Candidate) { s, yc[s], delta, z };
        }
      if (n_cand == 0 && n_rare > 0)
        {
          memcpy (cand, rare, sizeof (Candidate) * n_rare);
          n_cand = n_rare;
        }
      if (n_cand == 0 && frequent >= 0)
        {
          double delta, z;
          log_odds (yc[frequent], nc, total[frequent] - yc[frequent], nr, (double) total[frequent] / N, &delta, &z);
          cand[n_cand++] = (Candidate) { frequent, yc[frequent], delta, z };
        }
      qsort (cand, n_cand, sizeof (Candidate), by_z);
      /* a candidate is held by a photo of the cluster, so nc and N are > 0
       * here (and gcc 12.2's loop vectoriser stops with an internal error at
       * -O3 on the guarded divisions this loop had) */
      for (int t = 0; t < MIN (n_top, n_cand); t++)
        o[t] = (RaliClusterTerm) {
          .sentence = cand[t].s,
          .count = cand[t].y,
          .share_in = (double) cand[t].y / nc,
          .share_all = (double) total[cand[t].s] / N,
          .log_odds = cand[t].delta,
          .z = cand[t].z,
        };
    }
  return TRUE;
}

/* ---- from texts ---- */

gboolean
rali_cluster_names_compute (RaliClusterNames *out, const char *const *texts, const int *text_start,
                            const int *labels, int N, int k, int n_top, double min_share, GError **error)
{
  memset (out, 0, sizeof *out);
  if (N < 0 || !text_start || (N > 0 && (!texts || !labels)) || k < 1 || n_top < 1)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_USAGE, "cluster names: bad arguments (N %d, k %d)", N, k);
      return FALSE;
    }
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) vocab = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) terms = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree int *doc_start = g_new (int, N + 1);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (int i = 0; i < N; i++)
    {
      doc_start[i] = (int) terms->len;
      g_hash_table_remove_all (seen);
      for (int t = text_start[i]; t < text_start[i + 1]; t++)
        {
          g_auto (GStrv) sentences = rali_descriptor_sentences (texts[t]);
          for (char **s = sentences; *s; s++)
            {
              g_autofree char *key = g_utf8_casefold (*s, -1);
              gpointer v;
              int id;
              if (g_hash_table_lookup_extended (ids, key, NULL, &v))
                id = GPOINTER_TO_INT (v);
              else
                {
                  id = (int) vocab->len;
                  g_ptr_array_add (vocab, g_strdup (*s));
                  g_hash_table_insert (ids, g_steal_pointer (&key), GINT_TO_POINTER (id));
                }
              if (g_hash_table_add (seen, GINT_TO_POINTER (id + 1)))
                g_array_append_val (terms, id);
            }
        }
    }
  doc_start[N] = (int) terms->len;
  out->terms = g_new (RaliClusterTerm, (gsize) k * n_top);
  if (!rali_cluster_terms (out->terms, n_top, labels, N, k, doc_start, (const int *) terms->data, (int) vocab->len,
                           min_share, error))
    {
      g_clear_pointer (&out->terms, g_free);
      return FALSE;
    }
  out->k = k;
  out->n_top = n_top;
  out->V = (int) vocab->len;
  g_ptr_array_add (vocab, NULL);
  out->vocabulary = (char **) g_ptr_array_steal (vocab, NULL);
  return TRUE;
}

char *
rali_cluster_names_label (const RaliClusterNames *names, int c, int max_terms)
{
  GString *s = g_string_new (NULL);
  if (c < 0 || c >= names->k)
    return g_string_free (s, FALSE);
  for (int t = 0; t < MIN (max_terms, names->n_top); t++)
    {
      const RaliClusterTerm *term = &names->terms[(gsize) c * names->n_top + t];
      if (term->sentence < 0)
        break;
      if (s->len)
        g_string_append (s, " · ");
      g_string_append (s, names->vocabulary[term->sentence]);
    }
  return g_string_free (s, FALSE);
}

void
rali_cluster_names_clear (RaliClusterNames *names)
{
  g_strfreev (names->vocabulary);
  g_free (names->terms);
  memset (names, 0, sizeof *names);
}
