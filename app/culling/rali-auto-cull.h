/* Auto-cull: decisions for a whole folder at once, from the scores and the
 * bursts (rali-bursts.c), applied as one undoable culling step
 * (rali_culling_set: the same catalog and sidecar writes as the keys).
 *
 *   reject: the lowest N % of the scored photos, or those scoring below S
 *   bursts: the suggested best of each burst picked and the others
 *           rejected, as B does for one burst
 *   keep:   photos already picked or rejected stay as they are
 *
 * A photo the score rule rejects stays rejected even when it is the best
 * of its burst (then the whole burst scores below the cut).  Photos
 * without a score are left alone.  Only photos whose flag changes are in
 * a plan; their stars and colour labels are kept. */
#pragma once

#include <gio/gio.h>

#include "library/decision.h"

G_BEGIN_DECLS

typedef enum {
  RALI_AUTO_CULL_REJECT_NONE,
  RALI_AUTO_CULL_REJECT_LOWEST, /* the lowest percent % of the scored photos */
  RALI_AUTO_CULL_REJECT_BELOW,  /* scores below score */
} RaliAutoCullReject;

typedef struct {
  RaliAutoCullReject reject;
  double percent;        /* 0..100 */
  double score;
  gboolean burst_best;
  gboolean keep_flagged;
} RaliAutoCullOptions;

/* one photo as auto-cull sees it (plain data: the rule is testable alone) */
typedef struct {
  gboolean scored;
  double score;
  guint burst;           /* 0: in none */
  gboolean burst_best;   /* the burst's suggestion */
  int flag;              /* RaliFlag now */
  const char *sort_key;  /* orders equal scores (strcmp); NULL: by index */
} RaliAutoCullPhoto;

/* flags[i] gets the flag photo i is to have (its own when untouched).
 * Returns the score cut: scored photos below it are the ones the score
 * rule rejects (for drawing; -inf without a rule). */
double rali_auto_cull_decide (const RaliAutoCullPhoto *photos, guint n, const RaliAutoCullOptions *options,
                              int *flags);

typedef struct {
  GPtrArray *items;        /* RaliGalleryItem refs: the photos that change */
  RaliDecision *decisions; /* items->len: what each gets */
  guint n_reject, n_pick;  /* among them */
  guint n_scored, n_unscored;
  double cut;              /* as rali_auto_cull_decide returns it */
} RaliAutoCullPlan;

/* The plan for items (a GListModel of RaliGalleryItem) as they are now. */
RaliAutoCullPlan *rali_auto_cull_plan_new  (GListModel *items, const RaliAutoCullOptions *options);
void              rali_auto_cull_plan_free (RaliAutoCullPlan *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliAutoCullPlan, rali_auto_cull_plan_free)

G_END_DECLS
