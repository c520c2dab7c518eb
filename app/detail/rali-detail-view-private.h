/* RaliDetailView's insides, shared by rali-detail-view.c (the widget, its
 * photo, zoom, actions and properties) and rali-detail-view-where.c (the
 * work behind "why" and "where": the quality map's tiles, the histogram and
 * focus peaking, each off the main thread and cancelled with the photo). */
#pragma once

#include "rali-detail-view.h"

#include "rali-image-view.h"
#include "rali-photo-analysis.h"
#include "rali-score-gauge.h"

G_BEGIN_DECLS

struct _RaliDetailView {
  GtkWidget parent_instance;
  RaliImageView *image_view;
  GtkSpinner *spinner;
  GtkLabel *zoom_label;
  GtkLabel *name_label;
  GtkLabel *info_label;
  GtkLabel *decision_label;
  RaliScoreGauge *gauge;
  GtkLabel *scale_label;
  GtkLabel *error_label;
  RaliWhyPanel *why_panel;
  RaliQualityOverlay *quality_overlay;
  RaliPeakingOverlay *peaking_overlay;
  GtkLabel *overlay_legend;
  RaliLumaHistogram *histogram;
  GtkLabel *histogram_caption;
  GtkLabel *provenance_label;
  GtkLabel *model_label;
  RaliNeighbourList *similar_list;
  GtkWidget *similar_separator;

  RaliThumbnailCache *cache;
  int thumb_w, thumb_h; /* the gallery's thumbnail box */
  RaliGalleryItem *item;
  gulong state_handler;
  gulong decision_handler;
  GCancellable *load;
  gboolean loaded;
  gboolean want_actual;
  int image_w, image_h;
  int top_k;
  double score_min, score_max;

  /* why, the quality map and the analysis of the shown photo: each its
   * own work, cancelled with the item */
  GCancellable *tiles_work, *analysis_work;
  char *tiles_error;
  gboolean show_map, show_peaking, show_similar;
  gboolean analysis_has_peaking;
  RaliPhotoAnalysis *analysis;
  gint64 tiles_started, tiles_done;  /* monotonic µs, for tests */
};

/* rali-detail-view-where.c */
void     _rali_detail_view_update_legend    (RaliDetailView *self);
void     _rali_detail_view_start_tiles      (RaliDetailView *self);
void     _rali_detail_view_start_analysis   (RaliDetailView *self);
/* cancels the tiles and the analysis and clears what they showed */
void     _rali_detail_view_clear_work       (RaliDetailView *self);
/* the reference of the quality map: the photo's own score (NAN: none yet) */
double   _rali_detail_view_photo_score      (RaliDetailView *self);
gboolean _rali_detail_view_on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                             GtkTooltip *tooltip, RaliDetailView *self);

G_END_DECLS
