/* librali — public API.  No GTK here: GLib/GIO only.
 *
 * Dimension letters used across the engine (llm.c style):
 *   B batch, S input image side, P patch side, G = S/P grid side,
 *   T = G*G + 1 tokens, C width, H heads, Dh = C/H head dim,
 *   F mlp size, D projection dim. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RALI_ERROR (rali_error_quark ())
GQuark rali_error_quark (void);

typedef enum {
  RALI_ERROR_IO,          /* file cannot be read */
  RALI_ERROR_DECODE,      /* not a valid image / corrupt data */
  RALI_ERROR_UNSUPPORTED, /* valid but not handled (format, feature) */
  RALI_ERROR_TOO_LARGE,   /* refuses decompression bombs */
  RALI_ERROR_MODEL,       /* model file invalid */
  RALI_ERROR_BACKEND,     /* compute backend failure */
  RALI_ERROR_USAGE,       /* bad argument */
} RaliErrorCode;

typedef enum {
  RALI_ACT_QUICK_GELU, /* x * sigmoid(1.702 x), OpenAI CLIP */
  RALI_ACT_GELU,       /* exact erf gelu */
  RALI_ACT_RELU,       /* the convolutional stem */
  RALI_ACT_RELU6,      /* min(max(x, 0), 6): MobileNetV2 (TensorFlow) */
} RaliActivation;

#define RALI_MAX_STEM_LAYERS 6

/* The vision tower a model file declares: CLIP's ViT (the default), or a
 * MobileNetV2 ("tower": {"type": "mobilenet_v2", ...}, engine/nn/cnn.c). */
typedef enum {
  RALI_TOWER_VIT,
  RALI_TOWER_MOBILENET_V2,
} RaliTowerType;

#define RALI_MAX_CNN_ROWS 64      /* rows of "blocks" */
#define RALI_MAX_CNN_REPEATS 32   /* n of one row */
#define RALI_MAX_CNN_TAPS 16      /* "pool_taps" */
#define RALI_MAX_CNN_CHANNELS 8192
#define RALI_MAX_CNN_IMAGE_SIZE 2048

/* Parsed `rali.config` of a model file.  All sizes validated by the loader. */
typedef struct {
  char *name;
  int image_size;     /* S */
  int patch_size;     /* P */
  int width;          /* C */
  int layers;         /* L */
  int heads;          /* H */
  int mlp_size;       /* F */
  int projection_dim; /* D */
  RaliActivation activation;
  float layer_norm_eps;
  float image_mean[3];
  float image_std[3];
  /* Convolutional stem (our default model): stem_layers 3x3 stride-2
   * convolutions with ReLU (batch norm folded in), then a 1x1 convolution
   * to the width; patch_size == 2^stem_layers.  0 = CLIP's patch conv. */
  int stem_layers;
  int stem_channels[RALI_MAX_STEM_LAYERS];
  /* Preprocessing: crops == 0 is CLIP's (shortest side to image_size,
   * centre crop).  crops > 0: shortest side to min(short, crop_short_side)
   * (never below image_size), then `crops` image_size crops on a fixed
   * grid whose features are averaged.  crop_select_grid > 0 ("crop_select":
   * "detail"): the `crops` most detailed of crop_select_grid^2 candidate
   * crops instead, so the sharp subject of a shallow depth-of-field photo
   * is judged, not its intentionally soft background; detail is measured
   * on luma summed over crop_select_scale^2-pixel blocks. */
  int crops;
  int crop_short_side;
  int crop_select_grid;
  int crop_select_scale;
  /* RALI head; n_prototypes == 0 means the file has no head */
  int pca_dim;        /* k */
  int n_prototypes;   /* K */
  float temperature;  /* tau */
  float score_min, score_max;
  /* Optional monotone calibration of the head's score ("score_map":
   * {"type": "logistic", "low", "high", "centre", "width"}), fitted on
   * validation images so that the number is in the prototypes' units:
   * score = low + (high - low) / (1 + exp(-(raw - centre) / width)). */
  gboolean has_score_map;
  float score_map_low, score_map_high, score_map_centre, score_map_width;
  char **descriptors;          /* K strings, or NULL (then labelled by number) */
  /* Optional "composition_labels": T names (for our model, "pristine" and
   * the distortion types) of the columns of rali.prototype_composition
   * [K,T], the share of each kind among a prototype's training members.
   * Two prototypes that gather the same kinds of images say the same thing
   * in other words; rali_select_distinct compares them by it. */
  int n_composition;           /* T, 0 when absent */
  char **composition_labels;   /* T strings, or NULL */
  char *descriptor_provenance; /* "rule-based", "rl-derived" or "none" */
  char *source;                /* free text: where the weights came from */
  /* The tower.  RALI_TOWER_VIT uses the ViT fields above (patch_size ..
   * activation, stem_*); RALI_TOWER_MOBILENET_V2 uses these instead (the
   * ViT fields are then 0), image_size, projection_dim and the
   * preprocessing being shared.  MobileNetV2 (batch norm folded, TF SAME
   * padding): stem 3x3/2 conv + ReLU6 to cnn_stem channels; rows of
   * [t, c, n, s] (expansion, output channels, repeats, first stride), each
   * repeat an inverted residual block (1x1 expand + ReLU6 when t != 1, 3x3
   * depthwise stride s then 1 + ReLU6, 1x1 project, residual when stride 1
   * and cin == cout); 1x1 conv to cnn_final + ReLU6; global average pool;
   * then the pooled outputs of blocks cnn_tap[] (flat block indices)
   * appended; visual projection. */
  RaliTowerType tower;
  int cnn_stem;
  int cnn_rows;
  int cnn_row[RALI_MAX_CNN_ROWS][4]; /* t, c, n, s */
  int cnn_blocks;                    /* sum of n: the flat block count */
  int cnn_final;
  int cnn_taps;
  int cnn_tap[RALI_MAX_CNN_TAPS];
  int cnn_pooled;                    /* cnn_final + the taps' channels: the projection's input */
  /* "frame": "whole" (MobileNetV2 towers, crops 0): the tower reads the
   * whole photo, its aspect ratio kept (rali_frame_shape), instead of
   * CLIP's centre square ("centre", the default).  Last, so that the
   * fields above keep their offsets for librali0's users. */
  gboolean whole_frame;
} RaliConfig;

typedef struct _RaliModel RaliModel;

RaliModel        *rali_model_open   (const char *path, GError **error);
void              rali_model_free   (RaliModel *model);
const RaliConfig *rali_model_config (const RaliModel *model);
const char       *rali_model_path   (const RaliModel *model);
/* SHA-256 of the whole file, hex; computed lazily */
const char       *rali_model_hash   (RaliModel *model);
gsize             rali_model_n_params (const RaliModel *model);
/* One line describing the tower, for people (`rali info`'s "architecture:"):
 * "ViT 336x336/14, width 1024, 24 layers, 16 heads, mlp 4096, quick_gelu,
 * projection 768" or "MobileNetV2, stem 32, 17 blocks, final 1280, input
 * 384 px, projection 256".  Free with g_free. */
char             *rali_model_describe_tower (const RaliModel *model);

/* ---- images ---- */

#define RALI_DEFAULT_MAX_PIXELS ((guint64) 200 * 1000 * 1000)

typedef struct {
  int width, height;
  guint8 *rgb;       /* width*height*3, packed RGB8, row-major */
  int dct_scale_num; /* the JPEG DCT reduction applied: num/denom (1/1 if none) */
  int dct_scale_denom;
  int orientation;   /* EXIF orientation that was applied (1 = none) */
} RaliImage;

/* Decodes JPEG or PNG from a file, applies EXIF orientation, returns RGB8.
 * min_short_side > 0 lets JPEG decode use the largest DCT reduction whose
 * shortest side stays >= min_short_side.  max_pixels refuses bigger images
 * before any pixel is decompressed (0 = RALI_DEFAULT_MAX_PIXELS). */
gboolean rali_image_load  (RaliImage *out, const char *path, int min_short_side,
                           guint64 max_pixels, GError **error);
gboolean rali_image_load_from_data (RaliImage *out, const guint8 *data, gsize size,
                                    const char *name_for_errors, int min_short_side,
                                    guint64 max_pixels, GError **error);
void     rali_image_clear (RaliImage *img);

/* Exiv2's XMP toolkit is not thread-safe (gexiv2 initialises it without a
 * lock function), so every use of gexiv2 in librali and the app holds this
 * process-wide lock, including the metadata object's destruction. */
void rali_exiv2_lock   (void);
void rali_exiv2_unlock (void);

/* PIL-exact antialiased bicubic resize of packed RGB8 (Image.resize(..., BICUBIC)). */
void rali_resize_bicubic_rgb8 (guint8 *dst, int dst_w, int dst_h,
                               const guint8 *src, int src_w, int src_h);
/* The window [x0, x0+cw) x [y0, y0+ch) of that resize of src (src_w x src_h)
 * to dst_w x dst_h, packed into dst [ch, cw, 3], with the full resize's
 * bytes; only the window is computed, so its cost follows cw x ch. */
void rali_resize_window_rgb8 (guint8 *dst, int x0, int y0, int cw, int ch, int dst_w, int dst_h,
                              const guint8 *src, int src_w, int src_h);
/* rali_resize_bicubic_rgb8 on four 8-bit channels per pixel (BGRA, RGBA, ...), each
 * channel resampled as one of rali_resize_bicubic_rgb8's three: straight
 * (not premultiplied) values, so the caller's pixels should be opaque. */
void rali_resize_bicubic_4x8 (guint8 *dst, int dst_w, int dst_h,
                              const guint8 *src, int src_w, int src_h);

/* CLIP preprocessing as HF CLIPImageProcessor: shortest side -> size (PIL
 * bicubic, long side int(size*long/short)), centre crop size x size at
 * ((w-size)//2, (h-size)//2), /255, (x-mean)/std.  out is [3, size, size]. */
gboolean rali_preprocess_clip (float *out, const RaliImage *img, int size,
                               const float mean[3], const float std[3], GError **error);

/* A whole-frame model's input for a w x h photo: the photo's centre
 * crop_w x crop_h (the whole photo, unless one side is more than
 * RALI_FRAME_MAX_ASPECT times the other: then the long side is cut to that
 * ratio), resized as CLIP resizes (rali_preprocess_clip) but not cropped:
 * the short side to size, the long one to int(size·long/short).  So the
 * photo is seen at the scale of the model's square input, all of it, and
 * the frame's middle square is CLIP's input.  tools/ralifmt.py frame_shape
 * is the same. */
#define RALI_FRAME_MAX_ASPECT 3
void rali_frame_shape (int w, int h, int size, int *crop_w, int *crop_h, int *out_w, int *out_h);
/* The whole-frame preprocessing: that crop (at ((w - crop_w) / 2,
 * (h - crop_h) / 2)), PIL bicubic to out_w x out_h, /255, (x-mean)/std.
 * out is [3, *out_h, *out_w], at most 3·RALI_FRAME_MAX_ASPECT·size² floats. */
gboolean rali_preprocess_frame (float *out, const RaliImage *img, int size, const float mean[3], const float std[3],
                                int *out_h, int *out_w, GError **error);

/* Multi-crop preprocessing (crops.c): shortest side to short_side (or up
 * to size when smaller), then n ∈ {1, 4, 5, 9} crops on a fixed grid, or,
 * with select_grid > 0, the n most detailed crops of a select_grid x
 * select_grid grid (n <= select_grid^2 <= RALI_MAX_CROP_CANDIDATES).
 * out is [n, 3, size, size]. */
#define RALI_MAX_CROP_CANDIDATES 64
#define RALI_MAX_CROP_SELECT_SCALE 16
gboolean rali_preprocess_crops (float *out, const RaliImage *img, int size, int short_side, int n,
                                int select_grid, int select_scale, const float mean[3], const float std[3], GError **error);
gboolean rali_crop_grid (int n, int W, int H, int S, int *x0, int *y0);
/* Corners of the n crops with the most detail among a g x g edge-to-edge
 * grid of S-px candidates in img resized to W x H (each candidate's window
 * resampled alone, as rali_resize_window_rgb8 does), in grid order.
 * Detail: integer luma (77 R + 150 G + 29 B + 128) >> 8 summed over f x f
 * blocks (the last W % f columns and H % f rows dropped), then the sum of
 * |4-neighbour Laplacian| over the interior of each crop's block window
 * [x/f, (x+S)/f) x [y/f, (y+S)/f); ties go to the earlier candidate.
 * Integer arithmetic, so tools/ralifmt.py picks exactly the same crops. */
gboolean rali_crop_select_detail (int n, int g, int f, const RaliImage *img, int W, int H, int S, int *x0, int *y0);

/* ---- engine ---- */

typedef enum {
  RALI_BACKEND_AUTO,
  RALI_BACKEND_CPU,
  RALI_BACKEND_VULKAN,
} RaliBackendKind;

gboolean    rali_backend_kind_from_string (const char *s, RaliBackendKind *out, GError **error);

typedef struct _RaliEngine RaliEngine;

RaliEngine *rali_engine_new  (RaliModel *model, RaliBackendKind kind, GError **error);
void        rali_engine_free (RaliEngine *engine);
const char *rali_engine_backend_name (const RaliEngine *engine);
/* The backend and the device it runs on, for people:
 * "vulkan: llvmpipe (LLVM 15.0.6, 256 bits), CPU, llvmpipe Mesa 22.3.6 (LLVM
 * 15.0.6), fp32 weights, subgroup 8, …" (rali_backend_vulkan_describe) or
 * "cpu: OpenBLAS 0.3.21 (Haswell kernels), 2 threads, AVX2".  Owned by the engine. */
const char *rali_engine_backend_description (const RaliEngine *engine);
RaliModel  *rali_engine_model (const RaliEngine *engine);

/* pixels: [B, 3, S, S] preprocessed; features: [B, D], the projected
 * features f, *not* normalised (CLIP get_image_features). */
gboolean rali_engine_forward (RaliEngine *engine, const float *pixels, int B,
                              float *features, GError **error);
/* As rali_engine_forward; embeddings (optional, else NULL) [B, D] also gets
 * the unit embeddings e = f / max(|f|, 1e-12) (rali_l2_normalize of each
 * row of features), computed on the backend's device where it can. */
gboolean rali_engine_forward_ex (RaliEngine *engine, const float *pixels, int B,
                                 float *features, float *embeddings, GError **error);
/* As rali_engine_forward_ex on pixels [B, 3, height, width], all B of one
 * shape: a whole-frame model's input (a MobileNetV2 tower; a ViT takes
 * only S x S). */
gboolean rali_engine_forward_hw (RaliEngine *engine, const float *pixels, int B, int height, int width,
                                 float *features, float *embeddings, GError **error);

/* Images the model looks at per file: 1, or `crops` for multi-crop models. */
int rali_model_views (const RaliModel *model);

/* Decode + preprocess one file into pixels [views, 3, S, S] as the model
 * asks.  Images of more than the engine's max_pixels are refused with
 * RALI_ERROR_TOO_LARGE before they are decompressed.  A whole-frame model's
 * input is S x S only for square photos: for others this fails with
 * RALI_ERROR_USAGE (use rali_engine_preprocess_file_hw). */
gboolean rali_engine_preprocess_file (RaliEngine *engine, const char *path,
                                      float *pixels, GError **error);
/* As rali_engine_preprocess_file, for every model: pixels [views, 3,
 * *height, *width], S x S except for a whole-frame model
 * (rali_frame_shape), at most rali_model_input_floats floats. */
gboolean rali_engine_preprocess_file_hw (RaliEngine *engine, const char *path, float *pixels,
                                         int *height, int *width, GError **error);
/* The most floats one file's pixels take: views · 3 · S², or
 * 3 · RALI_FRAME_MAX_ASPECT · S² for a whole-frame model. */
gsize    rali_model_input_floats (const RaliModel *model);
/* The decompression-bomb limit of rali_engine_preprocess_file (and so of
 * rali_engine_run_files), in pixels; 0 = RALI_DEFAULT_MAX_PIXELS.  Set it
 * before running files, not while they run. */
void    rali_engine_set_max_pixels (RaliEngine *engine, guint64 max_pixels);
/* Decode threads of rali_engine_run_files run at this nice increment (Linux;
 * 0 = unchanged): a GUI sets it so that decoding never competes with its
 * main thread for a core. */
void    rali_engine_set_worker_nice (RaliEngine *engine, int nice_increment);
int     rali_engine_get_worker_nice (const RaliEngine *engine);
guint64 rali_engine_get_max_pixels (const RaliEngine *engine);

/* In-place L2 normalisation of a D-vector (e = f / |f|). */
void rali_l2_normalize (float *v, int D);

/* ---- files ---- */

/* Expands paths: files kept as given, folders walked recursively for
 * .jpg/.jpeg/.png and camera raw (raw.h) (case-insensitive), sorted within each folder.
 * Problems (missing path) are reported via on_error and skipped. */
typedef void (*RaliPathErrorFunc) (const char *path, const char *message, gpointer user_data);
GPtrArray *rali_collect_images (char **paths, int n_paths, RaliPathErrorFunc on_error, gpointer user_data);

/* Where an installed file of ours is, for a program that may run from its
 * build tree or installed (copied by meson install, a package, a DESTDIR):
 * build_path (NULL: none) only when this program runs from under the build
 * root (by real path: /proc/self/exe has its links resolved); then
 * <the executable's folder>/from_bindir/name (so a relocated prefix works);
 * then install_dir/name.  Returns the first that exists (and is executable
 * when executable is TRUE), tidied ("bin/../share" resolved), or NULL;
 * *looked (optional) gets the places tried, for an error message. */
char *rali_locate_file (const char *build_path, const char *from_bindir, const char *install_dir,
                        const char *name, gboolean executable, char **looked);

/* Appends text to a CSV line as one RFC 4180 field (quoted when it holds a
 * comma, quote or line break), made valid UTF-8 (other bytes become
 * U+FFFD), as the CLI's and the map's exports write file lists. */
void rali_csv_append_field (GString *line, const char *text);

G_END_DECLS

G_BEGIN_DECLS

/* ---- RALI head (head.c) ---- */

typedef struct {
  int index;        /* prototype index */
  float similarity; /* cosine s_i in the PCA space */
  float score;      /* the prototype's score */
  float weight;     /* softmax(s/τ)_i: its share of the image's score */
  float near_weight; /* rali_head_score_distinct: the summed weight of the
                      * prototypes it leaves out as near-copies of this one
                      * (those whose first overlap >= max_cosine with a listed
                      * one is with this one); 0 from rali_head_score */
} RaliDescriptor;

gboolean rali_model_has_head (const RaliModel *model);

/* On the unnormalised features f [D]: score = Σ softmax(s/τ)_i score_i,
 * top[0..top_k) the prototypes by descending similarity.  sims (optional)
 * gets all K similarities. */
gboolean rali_head_score (const RaliModel *model, const float *features, int top_k,
                          float *score, RaliDescriptor *top, float *sims, GError **error);

/* Descriptors worth showing: prototypes are K-means centres, and
 * neighbouring centres often carry near-copies of one sentence ("texture is
 * sharp ... excellent" five times).  The selection walks a ranking and
 * keeps a prototype unless the cosine of its row to a kept one's is
 * >= max_cosine; the rows are the prototypes' member compositions when the
 * model has them (composition_labels), else their centres in the PCA
 * space.  max_cosine >= 1 keeps the plain ranking. */
#define RALI_DISTINCT_MAX_COSINE 0.6
/* A descriptor after the first that carries less than this share of the
 * softmax did not make the score: with a sharp head (v5's tau 0.05) the
 * distinct list walks down to prototypes with weights of 1e-9, whose
 * sentences ("heavy noise") would read as reasons.  rali score leaves them
 * out by default (--min-weight) and the detail view stops its evidence list
 * there.  The cut is chosen per model on by-eye labels of held-out photos:
 * the smallest at which the listed reasons name a defect the photo does not
 * have on at most 15 % of them (tools/train/V5-NOTES.md; v5.8: 0.02, with
 * 14.5 % on 400 of them; v5.5 needed 0.05). */
#define RALI_SHOWN_MIN_WEIGHT 0.02
/* Those rows: the composition [K,T] or the centres [K,k]; *dim gets T or k. */
const float *rali_model_overlap_rows (const RaliModel *model, int *dim);
/* The selection over any rows [n_rows, dim] (the compare view ranks by how
 * much two photos differ instead of by similarity): walks
 * ranked[0..n_ranked), skips indices outside [0, n_rows), keeps up to
 * max_kept.  Returns how many went to kept. */
int rali_select_distinct (const float *rows, int n_rows, int dim, const int *ranked, int n_ranked,
                          double max_cosine, int *kept, int max_kept);

/* rali_head_score, then the selection down all K prototypes ranked by
 * similarity: top[0..*n_top) are at most top_k distinct descriptors, each
 * with the weight of the near-copies it stands for (near_weight), so that
 * the share of the score behind a listed reason is not lost with them. */
gboolean rali_head_score_distinct (const RaliModel *model, const float *features, int top_k,
                                   double max_cosine, float *score, RaliDescriptor *top, int *n_top,
                                   float *sims, GError **error);

/* The descriptor text of prototype i, or a label by number and score when
 * the model ships no texts.  Free with g_free. */
char *rali_descriptor_text (const RaliModel *model, int index);

G_END_DECLS

G_BEGIN_DECLS

/* ---- running many files (batch.c) ---- */

/* Called on the calling thread, in input order, once per file: features
 * [D] (unnormalised) on success, else error set and features NULL. */
typedef void (*RaliResultFunc) (const char *path, const float *features, const GError *error,
                                gpointer user_data);

/* Decodes and preprocesses on a worker pool (the next batch while the
 * current one runs), forwards in batches of `batch`.  A bad file never
 * stops the rest.  Returns FALSE only when cancelled or on an engine
 * failure that makes going on pointless. */
gboolean rali_engine_run_files (RaliEngine *engine, char **paths, gsize n_paths, int batch,
                                GCancellable *cancellable, RaliResultFunc func, gpointer user_data,
                                GError **error);

/* As RaliResultFunc, plus the file's unit embedding [D] (NULL on error):
 * for a single-view model the device's l2norm of f, for a multi-crop model
 * normalize(mean of the views' f), computed on the host. */
typedef void (*RaliResultExFunc) (const char *path, const float *features, const float *embedding,
                                  const GError *error, gpointer user_data);

/* As rali_engine_run_files, reporting unit embeddings as well. */
gboolean rali_engine_run_files_ex (RaliEngine *engine, char **paths, gsize n_paths, int batch,
                                   GCancellable *cancellable, RaliResultExFunc func, gpointer user_data,
                                   GError **error);

/* The default model: $RALI_MODEL, else the uninstalled source tree's
 * data/models/rali-default.rali (when run from a build dir), else the installed
 * one.  NULL with an error when none exists. */
char *rali_default_model_path (GError **error);

G_END_DECLS
