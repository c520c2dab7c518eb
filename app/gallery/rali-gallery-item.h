/* One photo in the gallery: its path and, once known, its score and
 * descriptors or the reason it failed.  A plain GObject model item; only
 * the main thread changes it (the scorer marshals results there). */
#pragma once

#include <gio/gio.h>

#include "library/decision.h"

G_BEGIN_DECLS

typedef enum {
  RALI_ITEM_PENDING, /* not scored yet */
  RALI_ITEM_SCORED,
  RALI_ITEM_FAILED,  /* see the error property */
} RaliItemState;

GType rali_item_state_get_type (void);
#define RALI_TYPE_ITEM_STATE (rali_item_state_get_type ())

/* One nearest prototype, as shown in the detail view. */
typedef struct {
  int index;        /* prototype index in the model */
  char *text;       /* descriptor sentence (or "prototype #i" when unnamed) */
  float similarity; /* cosine in the PCA space, -1..1 */
  float score;      /* the prototype's score */
  float weight;     /* its softmax share of this image's score */
  float near_weight; /* the share of the near-copies it stands for (RaliDescriptor's) */
} RaliItemDescriptor;

void rali_item_descriptor_free (RaliItemDescriptor *d);

/* descriptors <-> the catalog's JSON text */
GPtrArray *rali_item_descriptors_from_json (const char *json);
char      *rali_item_descriptors_to_json   (GPtrArray *descriptors);

#define RALI_TYPE_GALLERY_ITEM (rali_gallery_item_get_type ())
G_DECLARE_FINAL_TYPE (RaliGalleryItem, rali_gallery_item, RALI, GALLERY_ITEM, GObject)

RaliGalleryItem *rali_gallery_item_new (const char *path);

/* immutable after construction: safe to read from any thread */
const char    *rali_gallery_item_get_path         (RaliGalleryItem *self);
const char    *rali_gallery_item_get_name         (RaliGalleryItem *self);
/* g_utf8_collate_key_for_filename() of the name: compare with strcmp */
const char    *rali_gallery_item_get_sort_key     (RaliGalleryItem *self);

RaliItemState  rali_gallery_item_get_state        (RaliGalleryItem *self);
double         rali_gallery_item_get_score        (RaliGalleryItem *self);
/* position of the score on the model's scale, 0..1 (for colours) */
double         rali_gallery_item_get_score_fraction (RaliGalleryItem *self);
const char    *rali_gallery_item_get_error        (RaliGalleryItem *self);
GPtrArray     *rali_gallery_item_get_descriptors  (RaliGalleryItem *self);
/* EXIF DateTimeOriginal, else the file's mtime (for sorting), 0 unknown */
gint64         rali_gallery_item_get_capture_time (RaliGalleryItem *self);
/* TRUE when the capture time is the EXIF one: only those group into bursts */
gboolean       rali_gallery_item_get_capture_time_is_exif (RaliGalleryItem *self);
gboolean       rali_gallery_item_get_from_catalog (RaliGalleryItem *self);

/* takes ownership of descriptors (RaliItemDescriptor*) */
void rali_gallery_item_set_result       (RaliGalleryItem *self, double score, double fraction,
                                         GPtrArray *descriptors, gboolean from_catalog);
void rali_gallery_item_set_error        (RaliGalleryItem *self, const char *message,
                                         gboolean from_catalog);
void rali_gallery_item_set_capture_time (RaliGalleryItem *self, gint64 unix_seconds, gboolean exif);
void rali_gallery_item_reset            (RaliGalleryItem *self);

/* the unit embedding e (float32, n_embedding floats) the scorer found, or
 * NULL (pending, failed, or an old catalog row without one); cleared by
 * reset and set_error.  Immutable bytes: safe to keep and read from any
 * thread (the map's analysis does). */
GBytes *rali_gallery_item_get_embedding (RaliGalleryItem *self);
void    rali_gallery_item_set_embedding (RaliGalleryItem *self, GBytes *embedding);

/* the culling decision (notify::decision); set by RaliCulling only */
const RaliDecision *rali_gallery_item_get_decision (RaliGalleryItem *self);
void                rali_gallery_item_set_decision (RaliGalleryItem *self, const RaliDecision *decision);

/* burst / near-duplicate group (notify::burst): id 0 = in none; size is the
 * group's; best marks the suggested pick; why says why (or NULL) */
void        rali_gallery_item_set_burst (RaliGalleryItem *self, guint id, guint size, gboolean best,
                                         const char *why);
guint       rali_gallery_item_get_burst (RaliGalleryItem *self, guint *size, gboolean *best);
const char *rali_gallery_item_get_burst_why (RaliGalleryItem *self);

/* TRUE when needle (already case-folded) occurs in the file name or in
 * one of the first top_k descriptors. */
gboolean rali_gallery_item_matches (RaliGalleryItem *self, const char *folded_needle, int top_k);

G_END_DECLS
