/* RaliCompareView: two photos side by side, zoomed and panned together,
 * each with its score and why (the descriptors' consensus, the sentence the
 * detail view shows: rali-why-panel.h), the difference, and the descriptors that separate
 * them most (all prototypes ranked by the difference of the two photos'
 * similarities, rali-compare-scorer.h).
 *
 * A slot takes a photo dropped on it (a tile of the strip below, which
 * shows the gallery, or files from outside the app: those are scored on the
 * fly), or the two the gallery asked for (C).  Keys: 1 / 2 the left / right
 * photo wins (it is picked; the other is rejected when the
 * "compare-reject-other" setting is on; one undo step), S swaps, +/−
 * zoom, Ctrl+0 fits, Escape goes back. */
#pragma once

#include <gtk/gtk.h>

#include "rali-application.h"
#include "rali-compare-scorer.h"
#include "culling/rali-culling.h"
#include "gallery/rali-gallery-item.h"
#include "gallery/rali-thumbnail-cache.h"

G_BEGIN_DECLS

#define RALI_TYPE_COMPARE_VIEW (rali_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (RaliCompareView, rali_compare_view, RALI, COMPARE_VIEW, GtkWidget)

/* all: the gallery's photos (a dropped file that is one of them is that
 * item); shown: what the strip shows */
void rali_compare_view_setup (RaliCompareView *self, RaliApplication *app, RaliCulling *culling,
                              GListModel *all, GListModel *shown, RaliThumbnailCache *cache);

/* either may be NULL (an empty slot) */
void rali_compare_view_set_items (RaliCompareView *self, RaliGalleryItem *left, RaliGalleryItem *right);
/* a file for slot 0 or 1: the gallery's item for it, else a new one */
void rali_compare_view_set_path  (RaliCompareView *self, int slot, const char *path);
void rali_compare_view_swap      (RaliCompareView *self);
/* slot's photo wins: one culling step */
void rali_compare_view_pick      (RaliCompareView *self, int slot);
/* the model changed: score again */
void rali_compare_view_rescore   (RaliCompareView *self);

/* for the test driver */
RaliGalleryItem         *rali_compare_view_get_item   (RaliCompareView *self, int slot);
const RaliCompareResult *rali_compare_view_get_result (RaliCompareView *self, int slot);
const char              *rali_compare_view_get_error  (RaliCompareView *self, int slot);
gboolean                 rali_compare_view_is_busy    (RaliCompareView *self);
GtkDropTarget           *rali_compare_view_get_drop_target (RaliCompareView *self, int slot);
/* prototype indices, most separating first, distinct as the detail view's
 * (rali_select_distinct); at most n */
GArray                  *rali_compare_view_get_separating (RaliCompareView *self, guint n);
const char              *rali_compare_view_get_difference_text (RaliCompareView *self);

G_END_DECLS
