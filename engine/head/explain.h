/* Why a photo scored what it did, in two ways a photographer can read:
 * the consensus of the descriptor texts (consensus.c) and the scores of a
 * grid of tiles of the photo (tiles.c).  `rali score` prints both (summary,
 * --tiles); rali-studio's detail view shows them as "Why this score" and the
 * quality-map overlay.
 *
 * Not in rali.h yet: librali.so.0 exports these as RALI_PRIVATE (no API
 * promised), for the rali and rali-studio built from this tree. */
#pragma once

#include "rali.h"

G_BEGIN_DECLS

/* ---- the descriptors' consensus (consensus.c) ----
 *
 * A prototype's descriptor text is one or more sentences ("The light is
 * even and the exposure is balanced. Colours look natural. ...") or clauses
 * ("noise is low; exposure looks right; ...").  Each text is split into
 * sentences at '.', '!', '?' or ';' followed by white space (or the end) and
 * at line breaks; a ':' does not split.  Two sentences are the same when
 * they match ignoring case, surrounding white space, runs of white space and
 * the closing punctuation.
 *
 * The support of a sentence for one photo is the softmax weight carried by
 * the prototypes whose text has it, summed over all K prototypes (not only
 * the listed ones): the share of the photo's score that says it.  The
 * consensus is the sentences with support > RALI_CONSENSUS_MAJORITY: more
 * than half of the score says each of them.  Two alternatives for one topic
 * ("noise is low" / "strong noise") never share a prototype, so at most one
 * of them can have a majority: the consensus cannot contradict itself, and
 * it needs no list of topics.  A sentence that every prototype has is left
 * out (it says nothing about this photo).
 *
 * Order: first the defects, worst first: a sentence's effect is the mean
 * score of the prototypes that have it minus the mean of all prototypes
 * (negative: it goes with lower scores); then the other majority sentences
 * by support; then the rest by support. */
#define RALI_CONSENSUS_MAJORITY 0.5
#define RALI_CONSENSUS_MAX_SENTENCES 3

typedef struct {
  char *text;       /* as the lowest-numbered prototype that has it writes it, trimmed,
                       without its closing punctuation */
  double support;   /* Σ w_i over the prototypes whose text has it, 0..1 */
  double effect;    /* mean score of those prototypes − mean score of all (prototype units) */
  int n_prototypes; /* how many prototypes have it */
} RaliSentence;

/* weights [K] = softmax(sims / τ), the head's shares of the score (sims from
 * rali_head_score's optional output). */
void rali_head_weights (const RaliModel *model, const float *sims, float *weights);

/* The sentences of texts[0..K) (NULL or empty texts have none) with their
 * support under weights [K] and their effect under scores [K], in the order
 * above; *n gets how many, *n_majority how many lead with support above
 * RALI_CONSENSUS_MAJORITY.  NULL when there are none.  Free with
 * rali_sentences_free. */
RaliSentence *rali_consensus_rank (const char *const *texts, const float *scores, const float *weights, int K,
                                   int *n, int *n_majority);
void          rali_sentences_free (RaliSentence *sentences, int n);

/* rali_consensus_rank over the model's descriptor texts; NULL (*n = 0) when
 * the model ships none. */
RaliSentence *rali_head_consensus (const RaliModel *model, const float *weights, int *n, int *n_majority);

/* One line for people (English; the CLI's "summary"):
 *  - the consensus: its first RALI_CONSENSUS_MAX_SENTENCES sentences, each
 *    capitalised and closed with a full stop ("The photo is soft: fine
 *    detail is not crisp. No visible noise or compression artefacts.");
 *  - no majority: `No description has a majority; the strongest (34 %):
 *    "..."`;
 *  - no texts: `This model has no descriptor texts; prototype #12 (score
 *    0.610) carries 62 % of the score.`
 * Free with g_free. */
char *rali_head_summary (const RaliModel *model, const float *weights);

/* The consensus sentences joined as rali_head_summary joins them (n of
 * them, at most RALI_CONSENSUS_MAX_SENTENCES). */
char *rali_sentences_join (const RaliSentence *sentences, int n);

/* ---- tile scores (tiles.c) ----
 *
 * The photo (decoded at full size, oriented) is divided into cols x rows
 * cells that partition it; each cell is scored on a square around its
 * centre, moved inside the photo, of side T = max(cell width, cell height,
 * S) (at most the photo's short side; S the model's input size).  All
 * squares are windows of one resize of the photo by S / T (PIL-exact
 * bicubic, as the crops are), so each is one S x S view of the model, with
 * no distortion.  A cell smaller than S is seen in the S-px square around
 * it at the photo's own resolution, not enlarged to S: an enlarged cell
 * looks soft to the model whatever it holds (every tile of a sharp 1024-px
 * photo scored far below the photo), while at 1:1 a tile is judged on the
 * detail it has.  The head scores each view's features alone (a multi-crop
 * model averages several views for the photo's score; a tile is one). */
#define RALI_TILES_MIN 2
#define RALI_TILES_MAX 8

typedef struct {
  int col, row;                /* the cell, 0-based, row-major */
  int cell_x, cell_y, cell_w, cell_h; /* the cell in the photo's pixels */
  int x, y, w, h;              /* the square scored (w == h == T), around the cell */
  float score;                 /* the head's score of that square, in the model's units */
  int top_index;               /* the prototype of largest weight */
  float top_weight;            /* its softmax weight */
} RaliTileScore;

/* The grid for a W x H photo and a model of input size S, as rali-studio's
 * quality map uses it: the short side gets clamp(short / S, 3, 6) cells
 * (integer division), the long side clamp(round(that * long / short), that,
 * 6), so cells are near square and tiles are not much up-scaled. */
void rali_tile_grid_auto (int W, int H, int S, int *cols, int *rows);

/* Fills the geometry of tiles [cols * rows] (row-major) for a W x H photo
 * and a model of input size S (squares of at least S px where the photo
 * allows; S <= 0: the cell's longer side alone); FALSE (error set) for an
 * empty photo or a grid outside 1..RALI_TILES_MAX^2 cells per side. */
gboolean rali_tile_layout (int W, int H, int cols, int rows, int S, RaliTileScore *tiles, GError **error);

/* Scores the cols x rows tiles of img (rali_tile_layout), in batches of up
 * to batch views (<= 0: 8), checking cancellable between batches. */
gboolean rali_engine_score_tiles (RaliEngine *engine, const RaliImage *img, int cols, int rows, int batch,
                                  GCancellable *cancellable, RaliTileScore *tiles, GError **error);

/* rali_engine_score_tiles on a file decoded at full size (within the
 * engine's max_pixels); cols or rows <= 0 take rali_tile_grid_auto.
 * Returns the tiles (g_free) and sets *cols, *rows and the photo's size. */
RaliTileScore *rali_engine_score_tiles_file (RaliEngine *engine, const char *path, int *cols, int *rows,
                                        int *width, int *height, GCancellable *cancellable, GError **error);

G_END_DECLS
