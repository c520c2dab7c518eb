/* RaliCulling: culling decisions for the gallery and the detail view.
 *
 * Keys (while the gallery grid or the detail view has the focus):
 *   P pick · X reject · U unflag · 0–5 stars · 6–9 toggle the red, yellow,
 *   green, blue colour label · C compare the two selected photos (or the
 *   selected one and the next) · B accept the burst suggestion · Ctrl+Z undo ·
 *   Shift+X auto-cull the folder (win.auto-cull, in the gallery only).
 *
 * Every decision is one undoable step (for one or many photos), shown on the
 * items at once, and written in order by one worker thread: first to the
 * catalog (committed), then to the photo's XMP sidecar (engine/library/sidecar.h,
 * style from the "sidecar-style" setting).  Photos themselves are never
 * written.  On open, decisions are read back: from the sidecar when there is
 * one (other tools may have changed it), else from the catalog. */
#pragma once

#include <gtk/gtk.h>

#include "library/catalog.h"
#include "gallery/rali-gallery-model.h"

G_BEGIN_DECLS

#define RALI_TYPE_CULLING (rali_culling_get_type ())
G_DECLARE_FINAL_TYPE (RaliCulling, rali_culling, RALI, CULLING, GObject)

/* catalog may be NULL (decisions then go to sidecars only) */
RaliCulling *rali_culling_new (RaliCatalog *catalog, GSettings *settings);

/* Installs the "cull" action group and the keys on window; keys act on the
 * detail view's photo when stack shows "detail", else on the selection. */
void rali_culling_attach (RaliCulling *self, GtkWidget *window, GtkWidget *grid,
                          GtkSelectionModel *selection, GtkWidget *detail, GtkStack *stack,
                          RaliGalleryModel *model);

/* Reads the decisions of newly opened photos, off the main thread. */
void rali_culling_load (RaliCulling *self, GPtrArray *items);

/* One undoable step: items[i] gets decisions[i]. */
void rali_culling_set   (RaliCulling *self, GPtrArray *items, const RaliDecision *decisions);
/* One undoable step on items: "pick", "reject", "unflag", "rate:N" (0..5),
 * "label:N" (toggle bit N: 0 red .. 3 blue).  FALSE for an unknown edit. */
gboolean rali_culling_apply (RaliCulling *self, GPtrArray *items, const char *edit);
gboolean rali_culling_undo  (RaliCulling *self);

/* The key handler the window runs in its capture phase; public for the test
 * driver, which feeds it keyvals as a keyboard would. */
gboolean rali_culling_handle_key (RaliCulling *self, guint keyval, GdkModifierType state);

/* The photos the keys act on now (new array of RaliGalleryItem refs). */
GPtrArray *rali_culling_get_targets (RaliCulling *self);

guint rali_culling_get_undo_depth (RaliCulling *self);
/* writes queued or running, and whether the last load is done (tests) */
guint    rali_culling_get_pending (RaliCulling *self);
gboolean rali_culling_is_loading  (RaliCulling *self);

/* Waits for every queued write (window closing). */
void rali_culling_flush (RaliCulling *self);

/* Short text for a decision: "★★★ · Picked · Red", "" when empty. */
char *rali_decision_describe (const RaliDecision *d);

G_END_DECLS
