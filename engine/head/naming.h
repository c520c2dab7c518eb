/* Naming clusters of photos by their descriptors, as topic models name
 * topics: the descriptor sentence most over-represented in a cluster
 * relative to the rest of the set.  No GTK.
 *
 * Dimension letters: N photos, k clusters, V distinct sentences.
 *
 * A photo's "document" is the set of sentences of its top descriptors
 * (a descriptor text "slight blur; noise is low; overall quality: good"
 * or "The photo is soft. Colours look natural." holds several).  For each
 * cluster c and sentence s, with y_c photos of the n_c in c holding s and
 * y_r of the n_r = N − n_c others, q = (y_c + y_r) / N its share overall
 * and a prior of A pseudo-photos split as A q / A (1 − q):
 *
 *   p_c = (y_c + A q) / (n_c + A),   p_r = (y_r + A q) / (n_r + A)
 *   δ   = logit p_c − logit p_r                   (log-odds ratio)
 *   σ²  = 1/(y_c + A q) + 1/(n_c − y_c + A (1 − q))
 *       + 1/(y_r + A q) + 1/(n_r − y_r + A (1 − q))
 *   z   = δ / σ
 *
 * (the smoothed log-odds ratio with its standard error, as Monroe, Colaresi
 * and Quinn's "Fightin' Words" rank words).  A cluster's terms are the
 * sentences with δ > 0 held by at least min_share of its photos, by
 * decreasing z (then by decreasing y_c, then by first appearance):
 * distinctive and common in the cluster ("δ > 0" is decided exactly, as
 * y_c / n_c > y_r / n_r).  A sentence as frequent in the cluster as in the
 * rest, or held by every photo, never names it.  When no sentence is held
 * by min_share of the cluster, the over-represented ones held by fewer are
 * its terms (by z); when none is over-represented at all (one cluster,
 * or photos that all say the same) its most frequent sentence of those as
 * frequent in it as elsewhere is its only term (δ = 0), and when every
 * sentence it holds is under-represented it has none: the name of another
 * cluster would mislead.
 *
 * Deterministic: the same input gives the same output. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RALI_NAMING_PRIOR 2.0     /* A: pseudo-photos of prior */
#define RALI_NAMING_MIN_SHARE 0.2 /* default min_share */

/* The sentences of a descriptor text: split after '.', '!', '?' or ';'
 * followed by white space (or at the end) and at line breaks, white space
 * trimmed, the final '.', ';', '!' or '?' dropped, empty ones left out.
 * "1.5 stops" stays one piece.  A NULL-terminated array (g_strfreev).
 * The cluster names and the summary (consensus.c) split alike. */
char **rali_descriptor_sentences (const char *text);

typedef struct {
  int sentence;    /* index into the vocabulary, −1: no term */
  int count;       /* y_c: photos of the cluster holding it */
  double share_in; /* y_c / n_c */
  double share_all; /* q */
  double log_odds; /* δ */
  double z;        /* δ / σ */
} RaliClusterTerm;

/* The terms of each cluster from the photos' documents.
 *   labels [N]: cluster of each photo, 0..k−1
 *   doc_start [N + 1], doc_terms [doc_start[N]]: photo i holds the
 *     sentences doc_terms[doc_start[i] .. doc_start[i + 1]), ids in 0..V−1,
 *     each at most once per photo
 *   out [k, n_top]: cluster c's best terms in out[c n_top ..], unused ones
 *     with sentence −1
 * FALSE with an error (RALI_ERROR_USAGE) on bad arguments. */
gboolean rali_cluster_terms (RaliClusterTerm *out, int n_top, const int *labels, int N, int k,
                             const int *doc_start, const int *doc_terms, int V, double min_share,
                             GError **error);

/* The same from texts: photo i's top descriptor texts are
 * texts[text_start[i] .. text_start[i + 1]) (NULL texts are skipped).
 * Sentences are told apart case-insensitively; the vocabulary keeps each
 * as it first appeared. */
typedef struct {
  int k, n_top;
  int V;
  char **vocabulary;      /* [V + 1], NULL-terminated */
  RaliClusterTerm *terms; /* [k, n_top] */
} RaliClusterNames;

gboolean rali_cluster_names_compute (RaliClusterNames *out, const char *const *texts, const int *text_start,
                                     const int *labels, int N, int k, int n_top, double min_share,
                                     GError **error);
/* cluster c's name: its terms' sentences joined by " · " (at most
 * max_terms of them; "" when it has none).  g_free. */
char    *rali_cluster_names_label (const RaliClusterNames *names, int c, int max_terms);
void     rali_cluster_names_clear (RaliClusterNames *names);

G_END_DECLS
