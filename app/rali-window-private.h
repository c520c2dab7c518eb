/* RaliWindow's instance struct and the functions its parts share.
 *
 * The window is split as gnome-text-editor splits its EditorWindow:
 * rali-window.c (the object, pages, scoring), rali-window-filter.c
 * (sorting, filtering, search), rali-window-open.c (folders from the
 * open button and drag-and-drop).  Nothing outside these files includes
 * this header. */
#pragma once

#include "rali-window.h"

#include "gallery/rali-gallery-model.h"
#include "gallery/rali-photo-set.h"
#include "gallery/rali-score-histogram.h"
#include "gallery/rali-scoring-progress.h"
#include "gallery/rali-thumbnail-cache.h"

G_BEGIN_DECLS

struct _RaliWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkWidget *back_button;
  GtkDropDown *sort_dropdown;
  GtkWidget *filter_button;
  GtkToggleButton *search_button;
  GtkRevealer *banner_revealer;
  GtkLabel *banner_label;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkRevealer *progress_revealer;
  RaliScoringProgress *progress;
  GtkStack *stack;
  GtkScrolledWindow *gallery_scroller;
  GtkGridView *grid_view;
  GtkWidget *no_match_page;
  RaliDetailView *detail_view;
  RaliCompareView *compare_view;
  RaliMapView *map_view;
  GtkToggleButton *map_button;
  GtkAdjustment *min_adjustment;
  GtkAdjustment *max_adjustment;
  GtkDropDown *decision_dropdown;
  RaliScoreHistogram *histogram;

  RaliApplication *app; /* borrowed: the application outlives its windows */
  GSettings *settings;
  RaliScorer *scorer;
  RaliThumbnailCache *cache;
  RaliGalleryModel *model;
  GtkSliceListModel *revealed; /* a growing prefix of the shown photos, see reveal_tick */
  guint reveal_tick;
  GtkSelectionModel *selection; /* multiple: culling and compare act on several */
  RaliCulling *culling;
  RaliBursts *bursts;
  GtkDropTarget *drop_target;
  GCancellable *collecting;
  GtkFileChooserNative *chooser;

  double score_min, score_max; /* the model's scale */
  int top_k;
  int factory_size; /* thumbnail size the grid's factory makes tiles for */
  guint refresh_id;
  guint columns_id;
};

/* rali-window.c */
void rali_window_toast          (RaliWindow *self, const char *text);
void rali_window_show_photo_set (RaliWindow *self, RaliPhotoSet *set);

/* rali-window-filter.c */
void rali_window_filter_init       (RaliWindow *self); /* from instance init */
void rali_window_filter_bind       (RaliWindow *self); /* once settings are there */
void rali_window_update_subtitle   (RaliWindow *self);
void rali_window_search_changed    (RaliWindow *self);
void rali_window_schedule_refresh  (RaliWindow *self);
void rali_window_refresh_now       (RaliWindow *self);
void rali_window_action_auto_cull  (GtkWidget *widget, const char *name, GVariant *param);

/* rali-window-open.c */
void rali_window_open_init   (RaliWindow *self); /* the drop target */
void rali_window_open_dispose (RaliWindow *self);
void rali_window_action_open (GtkWidget *widget, const char *name, GVariant *param);

G_END_DECLS
