/* RaliBursts: bursts and near-duplicates in the gallery.
 *
 * Photos taken at most "burst-seconds" apart (EXIF capture time, in time
 * order) whose unit embeddings have a cosine of at least "burst-similarity"
 * form a group (single linkage along time: each photo is compared with the one
 * before it).  In each group the best-scoring photo is suggested (its tile
 * says "Best of burst"), with why: its nearest descriptor against the
 * others'.  A photo without an EXIF capture time is never grouped: its
 * mtime says when it was copied, not when it was taken (copies of a folder
 * share one).  B accepts the suggestion for the selected photo's group: the
 * best is picked and the others rejected, as one undo step.
 *
 * Groups are found off the main thread whenever scoring finishes or a
 * setting changes. */
#pragma once

#include <gio/gio.h>

#include "rali-culling.h"
#include "gallery/rali-gallery-model.h"
#include "gallery/rali-scorer.h"

G_BEGIN_DECLS

#define RALI_TYPE_BURSTS (rali_bursts_get_type ())
G_DECLARE_FINAL_TYPE (RaliBursts, rali_bursts, RALI, BURSTS, GObject)

RaliBursts *rali_bursts_new (RaliScorer *scorer, RaliGalleryModel *model, RaliCulling *culling,
                             GSettings *settings);

/* finds the groups again (also done when scoring finishes) */
void     rali_bursts_update     (RaliBursts *self);
gboolean rali_bursts_is_running (RaliBursts *self);
guint    rali_bursts_get_n_groups (RaliBursts *self);

/* a photo without an EXIF capture time, in rali_bursts_group()'s times */
#define RALI_BURSTS_UNDATED G_MININT64

/* One photo group per burst: pure, for tests.  times [n] (seconds, or
 * RALI_BURSTS_UNDATED: left out of the time order, never grouped), e [n, D]
 * unit embeddings (a row of NaN: unknown, never grouped, and it splits a
 * burst it falls inside of in time), in any order.
 * group[i] gets 0 (alone) or a group number from 1; returns the count. */
guint rali_bursts_group (const gint64 *times, const float *e, guint n, int D, gint64 max_seconds,
                         double min_cosine, guint *group);

G_END_DECLS
