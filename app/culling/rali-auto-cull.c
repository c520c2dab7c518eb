/* Auto-cull: see rali-auto-cull.h. */
#include "rali-auto-cull.h"

#include "gallery/rali-gallery-item.h"

#include <math.h>
#include <string.h>

typedef struct {
  const RaliAutoCullPhoto *photos;
} Order;

/* ascending score, then sort key, then index: the same photos every time */
static int
by_score (gconstpointer a, gconstpointer b, gpointer data)
{
  const Order *o = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  const RaliAutoCullPhoto *x = &o->photos[i], *y = &o->photos[j];
  if (x->score != y->score)
    return x->score < y->score ? -1 : 1;
  int c = x->sort_key && y->sort_key ? strcmp (x->sort_key, y->sort_key) : 0;
  return c ? c : (i > j) - (i < j);
}

double
rali_auto_cull_decide (const RaliAutoCullPhoto *photos, guint n, const RaliAutoCullOptions *o, int *flags)
{
  g_autofree gboolean *reject = g_new0 (gboolean, MAX (n, 1));
  double cut = -INFINITY;
  if (o->reject == RALI_AUTO_CULL_REJECT_BELOW)
    {
      cut = o->score;
      for (guint i = 0; i < n; i++)
        reject[i] = photos[i].scored && photos[i].score < o->score;
    }
  else if (o->reject == RALI_AUTO_CULL_REJECT_LOWEST)
    {
      g_autofree guint *order = g_new (guint, MAX (n, 1));
      guint m = 0;
      for (guint i = 0; i < n; i++)
        if (photos[i].scored)
          order[m++] = i;
      Order ord = { photos };
      g_qsort_with_data (order, (gint) m, sizeof (guint), by_score, &ord);
      guint k = (guint) MIN (floor (CLAMP (o->percent, 0, 100) * m / 100.0 + 0.5), m);
      for (guint r = 0; r < k; r++)
        reject[order[r]] = TRUE;
      if (k > 0)
        cut = k < m ? (photos[order[k - 1]].score + photos[order[k]].score) / 2
                    : nextafter (photos[order[m - 1]].score, INFINITY);
    }

  /* bursts whose best is known: B's rule applies to them */
  g_autoptr (GHashTable) with_best = g_hash_table_new (NULL, NULL);
  for (guint i = 0; o->burst_best && i < n; i++)
    if (photos[i].burst && photos[i].burst_best)
      g_hash_table_add (with_best, GUINT_TO_POINTER (photos[i].burst));

  for (guint i = 0; i < n; i++)
    {
      const RaliAutoCullPhoto *p = &photos[i];
      flags[i] = p->flag;
      if (o->keep_flagged && p->flag != RALI_FLAG_NONE)
        continue;
      if (reject[i])
        flags[i] = RALI_FLAG_REJECTED;
      else if (p->burst && g_hash_table_contains (with_best, GUINT_TO_POINTER (p->burst)))
        flags[i] = p->burst_best ? RALI_FLAG_PICKED : RALI_FLAG_REJECTED;
    }
  return cut;
}

RaliAutoCullPlan *
rali_auto_cull_plan_new (GListModel *items, const RaliAutoCullOptions *options)
{
  guint n = g_list_model_get_n_items (items);
  g_autoptr (GPtrArray) all = g_ptr_array_new_full (n, g_object_unref);
  g_autofree RaliAutoCullPhoto *photos = g_new0 (RaliAutoCullPhoto, MAX (n, 1));
  g_autofree int *flags = g_new (int, MAX (n, 1));
  RaliAutoCullPlan *plan = g_new0 (RaliAutoCullPlan, 1);
  for (guint i = 0; i < n; i++)
    {
      RaliGalleryItem *item = g_list_model_get_item (items, i);
      g_ptr_array_add (all, item);
      RaliAutoCullPhoto *p = &photos[i];
      p->scored = rali_gallery_item_get_state (item) == RALI_ITEM_SCORED
                  && isfinite (rali_gallery_item_get_score (item));
      p->score = rali_gallery_item_get_score (item);
      p->burst = rali_gallery_item_get_burst (item, NULL, &p->burst_best);
      p->flag = rali_gallery_item_get_decision (item)->flag;
      p->sort_key = rali_gallery_item_get_sort_key (item);
      if (p->scored)
        plan->n_scored++;
      else
        plan->n_unscored++;
    }
  plan->cut = rali_auto_cull_decide (photos, n, options, flags);
  plan->items = g_ptr_array_new_with_free_func (g_object_unref);
  plan->decisions = g_new (RaliDecision, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      if (flags[i] == photos[i].flag)
        continue;
      RaliDecision d = *rali_gallery_item_get_decision (all->pdata[i]);
      d.flag = flags[i];
      plan->decisions[plan->items->len] = d;
      g_ptr_array_add (plan->items, g_object_ref (all->pdata[i]));
      if (flags[i] == RALI_FLAG_REJECTED)
        plan->n_reject++;
      else if (flags[i] == RALI_FLAG_PICKED)
        plan->n_pick++;
    }
  return plan;
}

void
rali_auto_cull_plan_free (RaliAutoCullPlan *plan)
{
  if (!plan)
    return;
  g_ptr_array_unref (plan->items);
  g_free (plan->decisions);
  g_free (plan);
}
