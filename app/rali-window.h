/* RaliWindow: header bar, progress, the gallery (GtkGridView) and the
 * detail view.  Opens folders and files from the command line, the open
 * button and drag-and-drop, and scores them in the background. */
#pragma once

#include <adwaita.h>

#include "rali-application.h"
#include "culling/rali-bursts.h"
#include "compare/rali-compare-view.h"
#include "culling/rali-culling.h"
#include "detail/rali-detail-view.h"
#include "map/rali-map-view.h"
#include "gallery/rali-scorer.h"

G_BEGIN_DECLS

#define RALI_TYPE_WINDOW (rali_window_get_type ())
G_DECLARE_FINAL_TYPE (RaliWindow, rali_window, RALI, WINDOW, AdwApplicationWindow)

RaliWindow *rali_window_new (RaliApplication *application);

/* Collects the photos under files (folders recursively) off the main
 * thread, shows them and starts scoring.  Emits "opened" when shown. */
void rali_window_open    (RaliWindow *self, GFile **files, guint n_files);
/* Scores the open photos again (model or backend changed). */
void rali_window_rescore (RaliWindow *self);
/* The compare page with these two (either may be NULL). */
void rali_window_show_compare (RaliWindow *self, RaliGalleryItem *left, RaliGalleryItem *right);

/* Views for the test driver (tests/app-driver/rali-test-driver.c) and nothing else */
RaliScorer     *rali_window_get_scorer      (RaliWindow *self);
RaliCulling    *rali_window_get_culling     (RaliWindow *self);
RaliBursts     *rali_window_get_bursts      (RaliWindow *self);
GtkSelectionModel *rali_window_get_selection (RaliWindow *self); /* over the shown photos */
GListModel     *rali_window_get_items       (RaliWindow *self); /* all, in open order */
GListModel     *rali_window_get_shown       (RaliWindow *self); /* sorted and filtered */
const char     *rali_window_get_page        (RaliWindow *self); /* empty, gallery, detail, compare, map */
const char     *rali_window_get_banner      (RaliWindow *self); /* NULL when hidden */
RaliDetailView *rali_window_get_detail_view (RaliWindow *self);
RaliCompareView *rali_window_get_compare_view (RaliWindow *self);
RaliMapView    *rali_window_get_map_view    (RaliWindow *self);
GtkDropTarget  *rali_window_get_drop_target (RaliWindow *self);
void            rali_window_show_position   (RaliWindow *self, guint position);
void            rali_window_scroll_gallery  (RaliWindow *self, double pixels);
void            rali_window_set_search      (RaliWindow *self, const char *text);
void            rali_window_set_score_range (RaliWindow *self, double lo, double hi);
void            rali_window_set_sort        (RaliWindow *self, const char *key);
void            rali_window_set_decision_filter (RaliWindow *self, guint index); /* the dropdown's row */
void            rali_window_focus_gallery   (RaliWindow *self);

G_END_DECLS
