/* RaliScoreStats: see rali-score-stats.h. */
#include "config.h"

#include "rali-score-stats.h"

#include "rali-gallery-item.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _RaliScoreStats {
  GObject parent_instance;
  GArray *sorted; /* double, ascending */
};

enum { PROP_0, PROP_N, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RaliScoreStats, rali_score_stats, G_TYPE_OBJECT)

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* takes scores (unsorted) */
static void
replace (RaliScoreStats *self, GArray *scores)
{
  g_array_sort (scores, compare_doubles);
  /* an empty GArray's data may be NULL, which memcmp must not be given */
  gboolean same = scores->len == self->sorted->len
                  && (scores->len == 0 || memcmp (scores->data, self->sorted->data, sizeof (double) * scores->len) == 0);
  if (same)
    {
      g_array_unref (scores);
      return;
    }
  guint old_n = self->sorted->len;
  g_array_unref (self->sorted);
  self->sorted = scores;
  if (old_n != scores->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
rali_score_stats_update (RaliScoreStats *self, GListModel *items)
{
  g_return_if_fail (RALI_IS_SCORE_STATS (self));
  guint n = g_list_model_get_n_items (items);
  GArray *scores = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (RaliGalleryItem) item = g_list_model_get_item (items, i);
      double s = rali_gallery_item_get_score (item);
      if (rali_gallery_item_get_state (item) == RALI_ITEM_SCORED && isfinite (s))
        g_array_append_val (scores, s);
    }
  replace (self, scores);
}

void
rali_score_stats_set_scores (RaliScoreStats *self, const double *scores, guint n)
{
  g_return_if_fail (RALI_IS_SCORE_STATS (self));
  GArray *a = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  for (guint i = 0; i < n; i++)
    if (isfinite (scores[i]))
      g_array_append_val (a, scores[i]);
  replace (self, a);
}

guint
rali_score_stats_get_n (RaliScoreStats *self)
{
  return self->sorted->len;
}

const double *
rali_score_stats_get_sorted (RaliScoreStats *self, guint *n)
{
  *n = self->sorted->len;
  return (const double *) self->sorted->data;
}

/* the first index whose value is >= score (strict: > score) */
static guint
lower_bound (RaliScoreStats *self, double score, gboolean strict)
{
  const double *v = (const double *) self->sorted->data;
  guint lo = 0, hi = self->sorted->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (strict ? v[mid] <= score : v[mid] < score)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

guint
rali_score_stats_count_below (RaliScoreStats *self, double score)
{
  g_return_val_if_fail (RALI_IS_SCORE_STATS (self), 0);
  return lower_bound (self, score, FALSE);
}

guint
rali_score_stats_count_above (RaliScoreStats *self, double score)
{
  g_return_val_if_fail (RALI_IS_SCORE_STATS (self), 0);
  return self->sorted->len - lower_bound (self, score, TRUE);
}

char *
rali_score_stats_describe_rank (RaliScoreStats *self, double score)
{
  g_return_val_if_fail (RALI_IS_SCORE_STATS (self), NULL);
  guint n = self->sorted->len;
  if (n < 2)
    return NULL;
  /* ties share the better rank: two equal best photos are both the top */
  guint above = rali_score_stats_count_above (self, score);
  guint below = rali_score_stats_count_below (self, score);
  int top = (int) ceil (100.0 * (above + 1) / n);
  int bottom = (int) ceil (100.0 * (below + 1) / n);
  /* TRANSLATORS: the rank of a photo's score in its folder, on its badge */
  return top <= bottom ? g_strdup_printf (_("top %d %%"), MIN (top, 100))
                       : g_strdup_printf (_("bottom %d %%"), MIN (bottom, 100));
}

static void
rali_score_stats_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliScoreStats *self = RALI_SCORE_STATS (object);
  switch (prop_id)
    {
    case PROP_N: g_value_set_uint (value, self->sorted->len); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_score_stats_finalize (GObject *object)
{
  RaliScoreStats *self = RALI_SCORE_STATS (object);
  g_clear_pointer (&self->sorted, g_array_unref);
  G_OBJECT_CLASS (rali_score_stats_parent_class)->finalize (object);
}

static void
rali_score_stats_class_init (RaliScoreStatsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = rali_score_stats_finalize;
  object_class->get_property = rali_score_stats_get_property;
  /* how many photos have a score */
  properties[PROP_N] = g_param_spec_uint ("n", NULL, NULL, 0, G_MAXUINT, 0,
                                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rali_score_stats_init (RaliScoreStats *self)
{
  self->sorted = g_array_new (FALSE, FALSE, sizeof (double));
}

RaliScoreStats *
rali_score_stats_new (void)
{
  return g_object_new (RALI_TYPE_SCORE_STATS, NULL);
}
