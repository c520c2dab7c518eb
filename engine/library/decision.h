/* A culling decision: what a photographer decided about one photo.  Plain
 * data shared by the catalog (decisions table) and the XMP sidecars.  No GTK. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RALI_FLAG_REJECTED = -1,
  RALI_FLAG_NONE = 0,
  RALI_FLAG_PICKED = 1,
} RaliFlag;

/* colour labels, a set (darktable allows several; Lightroom and digiKam
 * show one: the first in this order) */
typedef enum {
  RALI_LABEL_RED = 1 << 0,
  RALI_LABEL_YELLOW = 1 << 1,
  RALI_LABEL_GREEN = 1 << 2,
  RALI_LABEL_BLUE = 1 << 3,
  RALI_LABEL_PURPLE = 1 << 4,
} RaliColorLabel;

#define RALI_N_LABELS 5
#define RALI_LABELS_ALL 0x1f

typedef struct {
  int rating;    /* stars 0..5; kept while rejected (the XMP then says -1) */
  int flag;      /* RaliFlag */
  guint labels;  /* RaliColorLabel bits */
} RaliDecision;

static inline gboolean
rali_decision_equal (const RaliDecision *a, const RaliDecision *b)
{
  return a->rating == b->rating && a->flag == b->flag && a->labels == b->labels;
}

static inline gboolean
rali_decision_is_empty (const RaliDecision *d)
{
  return d->rating == 0 && d->flag == RALI_FLAG_NONE && d->labels == 0;
}

G_END_DECLS
