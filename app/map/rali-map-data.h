/* RaliMapData: what the map shows, computed off the main thread.
 *
 * From the photos that have an embedding (the unit CLIP embedding e the
 * scorer keeps): PCA of the embeddings to 2-D for the axes, K-means on
 * the embeddings themselves (k chosen by silhouette, engine/head/analysis.h),
 * per cluster a name and the members' mean score, the prototype overlay,
 * and a uniform grid over the 2-D points for hover and rectangle queries.
 *
 * A cluster's name is the descriptor sentence most over-represented among
 * its photos' top descriptors relative to the other photos' (by the z of
 * its log-odds ratio, as topic models name topics; engine/head/naming.h),
 * and a second one when another qualifies: what sets the cluster apart,
 * not what most photos say anyway.  A photo's top descriptors here are
 * those of its first three that carry at least half the weight of its
 * first (the share of the score each explains): with a sharp softmax only
 * the first, with a flat one all three.
 *
 * The prototype overlay: the model's prototypes live in the head's own
 * PCA space (standardised features, k dims), not in the embedding space
 * the map's axes come from, so they cannot be projected onto the map.
 * What is drawn instead, for each prototype that is the top descriptor of
 * at least one photo, is the mean embedding of those photos, projected
 * with the map's PCA: where the photos that prototype describes best sit.
 *
 * Immutable once computed: the main thread only reads it. */
#pragma once

#include <gio/gio.h>

#include "gallery/rali-gallery-item.h"

G_BEGIN_DECLS

typedef struct {
  char *name;        /* its most over-represented descriptor sentences, " · " between ("" if none) */
  guint name_count;  /* members holding the first of them among their top descriptors */
  double share_in;   /* name_count / size */
  double share_all;  /* the share of all photos holding it */
  double log_odds;   /* its log-odds ratio, the cluster against the rest */
  guint size;
  double mean_score; /* model units */
} RaliMapCluster;

typedef struct {
  int index;    /* prototype index in the model */
  char *text;   /* its descriptor text */
  float x, y;   /* projected mean embedding of the photos it is the top descriptor of */
  guint count;  /* those photos */
  double score; /* the prototype's own score */
} RaliMapPrototype;

typedef struct {
  int n;                     /* points */
  int D;                     /* embedding dims */
  float *xy;                 /* [n, 2] PCA coordinates */
  int *cluster;              /* [n] */
  double *score;             /* [n] score in model units */
  double score_lo, score_hi; /* the lowest and highest on the map */
  float *fraction;           /* [n] (score − lo) / (hi − lo): colour and size */
  RaliGalleryItem **items;   /* [n] references; NULL for synthetic data */
  int k;
  RaliMapCluster *clusters;  /* [k] */
  int n_prototypes;
  RaliMapPrototype *prototypes; /* [n_prototypes], by decreasing count */
  double explained[2];       /* variance ratio of PC1, PC2 */
  double silhouette;         /* of the chosen k (NAN when not chosen) */
  double seconds;            /* PCA + K-means wall time */
  float xmin, xmax, ymin, ymax; /* bounds of the points and prototypes */
  guint *order_cluster;      /* [n] draw order in cluster mode (seeded shuffle) */
  guint *order_score;        /* [n] draw order in score mode (ascending score) */
  /* the grid: gw × gh cells of side cell from (gx0, gy0); the points of
   * cell c are grid_points[grid_start[c] .. grid_start[c + 1]) */
  float gx0, gy0, cell;
  int gw, gh;
  guint *grid_start;
  guint *grid_points;
} RaliMapData;

void rali_map_data_free (RaliMapData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliMapData, rali_map_data_free)

/* The input, collected on the main thread from the items (a snapshot of
 * their embeddings, scores and top descriptors), or synthetic. */
typedef struct _RaliMapInput RaliMapInput;
RaliMapInput *rali_map_input_new_from_items (GListModel *items);
/* n random unit embeddings of D dims around 9 directions, random scores
 * and 12 made-up descriptors: for benchmarks and the test hook */
RaliMapInput *rali_map_input_new_synthetic (int n, int D, guint32 seed);
guint         rali_map_input_get_n (RaliMapInput *input); /* photos with an embedding */
void          rali_map_input_free (RaliMapInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliMapInput, rali_map_input_free)

/* k = 0: automatic.  Takes input.  NULL data, no error, when there are
 * fewer than 3 photos with embeddings. */
RaliMapData *rali_map_data_compute (RaliMapInput *input, int k, GCancellable *cancellable,
                                    GError **error);
void         rali_map_data_compute_async  (RaliMapInput *input, int k, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
RaliMapData *rali_map_data_compute_finish (GAsyncResult *result, GError **error);

/* the point nearest (x, y) within radius (data units), or -1 */
int  rali_map_data_nearest (const RaliMapData *data, float x, float y, float radius);
/* appends to out (guint) every point inside the rectangle, in index order */
void rali_map_data_query_rect (const RaliMapData *data, float x0, float y0, float x1, float y1,
                               GArray *out);

/* path,x,y,cluster,score (score empty when unknown), one row per point */
gboolean rali_map_data_write_csv (const RaliMapData *data, const char *path, GError **error);

G_END_DECLS
