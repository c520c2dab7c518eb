/* RaliAutoCullDialog: "Auto-Cull…" (win.auto-cull, Shift+X in the gallery).
 * Chooses what to reject (the lowest N %, below a score, none) and whether
 * to pick the best of each burst, shows the folder's score histogram with
 * the cut and a preview ("Will reject 23 photos and pick 5"), and on Apply
 * hands exactly the previewed plan (rali-auto-cull.h) to the culling as
 * one undoable step.  The preview follows scores as they arrive. */
#pragma once

#include <adwaita.h>

#include "rali-auto-cull.h"
#include "rali-culling.h"
#include "gallery/rali-gallery-model.h"
#include "gallery/rali-score-histogram.h"

G_BEGIN_DECLS

#define RALI_TYPE_AUTO_CULL_DIALOG (rali_auto_cull_dialog_get_type ())
G_DECLARE_FINAL_TYPE (RaliAutoCullDialog, rali_auto_cull_dialog, RALI, AUTO_CULL_DIALOG, AdwWindow)

/* lower, upper: the model's score scale */
RaliAutoCullDialog *rali_auto_cull_dialog_new (GtkWindow *parent, RaliGalleryModel *model, RaliCulling *culling,
                                               double lower, double upper);

/* Sets the dialog's fields as a user would (tests). */
void rali_auto_cull_dialog_set_options (RaliAutoCullDialog *self, const RaliAutoCullOptions *options);
void rali_auto_cull_dialog_get_options (RaliAutoCullDialog *self, RaliAutoCullOptions *options);
/* What Apply would do now and what the preview says (tests). */
const RaliAutoCullPlan *rali_auto_cull_dialog_get_plan    (RaliAutoCullDialog *self);
const char             *rali_auto_cull_dialog_get_preview (RaliAutoCullDialog *self);
RaliScoreHistogram     *rali_auto_cull_dialog_get_histogram (RaliAutoCullDialog *self);
/* the Apply button: TRUE when it was sensitive and acted */
gboolean                rali_auto_cull_dialog_apply       (RaliAutoCullDialog *self);

G_END_DECLS
