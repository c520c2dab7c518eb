/* Model file loader: safetensors + `rali.config` metadata (DESIGN.md).
 *
 * The file is hostile until proven otherwise: every length, offset, dtype
 * and shape is checked against the config before a single weight is used,
 * and the first problem is reported with the file name. */
#include "model-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define MAX_HEADER_BYTES (64u << 20) /* safetensors itself caps at 100 MB */
#define MAX_DIM 65536
/* values in one activation map of one image of a MobileNetV2 (256 MiB of floats) */
#define MAX_CNN_MAP (1 << 26)

typedef enum { DT_F32, DT_F16 } Dtype;

/* What the config says must be in the file. */
typedef struct {
  char *name;
  int ndim;
  gint64 shape[4];
  const float **dst;
} Expected;

typedef struct {
  Dtype dtype;
  int ndim;
  gint64 shape[8];
  guint64 begin, end; /* relative to the data section */
} Entry;

static gboolean
fail (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *name = g_filename_display_name (path);
  g_set_error (error, RALI_ERROR, RALI_ERROR_MODEL, "%s: %s", name, msg);
  return FALSE;
}

void
rali_config_clear (RaliConfig *c)
{
  g_free (c->name);
  g_strfreev (c->descriptors);
  g_strfreev (c->composition_labels);
  g_free (c->descriptor_provenance);
  g_free (c->source);
  memset (c, 0, sizeof *c);
}

/* ---- config ---- */

static gboolean
get_int (JsonObject *o, const char *key, int lo, int hi, int *out, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fail (error, path, "rali.config: '%s' missing or not an integer", key);
  gint64 v = json_node_get_int (n);
  if (v < lo || v > hi)
    return fail (error, path, "rali.config: '%s' = %" G_GINT64_FORMAT " out of range [%d, %d]", key, v, lo, hi);
  *out = (int) v;
  return TRUE;
}

static gboolean
get_num (JsonObject *o, const char *key, double lo, double hi, float *out, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      (json_node_get_value_type (n) != G_TYPE_INT64 && json_node_get_value_type (n) != G_TYPE_DOUBLE))
    return fail (error, path, "rali.config: '%s' missing or not a number", key);
  double v = json_node_get_double (n);
  if (!(v >= lo && v <= hi))
    return fail (error, path, "rali.config: '%s' = %g out of range [%g, %g]", key, v, lo, hi);
  *out = (float) v;
  return TRUE;
}

static gboolean
get_vec3 (JsonObject *o, const char *key, double lo, double hi, float out[3], const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (json_node_get_array (n)) != 3)
    return fail (error, path, "rali.config: '%s' must be an array of 3 numbers", key);
  JsonArray *a = json_node_get_array (n);
  for (guint i = 0; i < 3; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) ||
          (json_node_get_value_type (e) != G_TYPE_INT64 && json_node_get_value_type (e) != G_TYPE_DOUBLE))
        return fail (error, path, "rali.config: '%s'[%u] is not a number", key, i);
      double v = json_node_get_double (e);
      if (!(v >= lo && v <= hi))
        return fail (error, path, "rali.config: '%s'[%u] = %g out of range", key, i, v);
      out[i] = (float) v;
    }
  return TRUE;
}

static char *
get_opt_string (JsonObject *o, const char *key, const char *fallback)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (n));
  return g_strdup (fallback);
}

/* "stem": {"type": "conv", "channels": [c1, c2, ...]} (3x3, stride 2, ReLU) */
static gboolean
parse_stem (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, "stem");
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail (error, path, "rali.config: 'stem' must be an object");
  JsonObject *st = json_node_get_object (n);
  g_autofree char *type = get_opt_string (st, "type", NULL);
  if (g_strcmp0 (type, "conv") != 0)
    return fail (error, path, "rali.config: stem type must be \"conv\"");
  JsonNode *ch = json_object_get_member (st, "channels");
  if (!ch || !JSON_NODE_HOLDS_ARRAY (ch))
    return fail (error, path, "rali.config: stem.channels must be an array");
  JsonArray *a = json_node_get_array (ch);
  guint n_layers = json_array_get_length (a);
  if (n_layers < 1 || n_layers > RALI_MAX_STEM_LAYERS)
    return fail (error, path, "rali.config: stem has %u layers (1 to %d)", n_layers, RALI_MAX_STEM_LAYERS);
  for (guint i = 0; i < n_layers; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 ||
          json_node_get_int (e) < 1 || json_node_get_int (e) > 4096)
        return fail (error, path, "rali.config: stem.channels[%u] must be an integer in [1, 4096]", i);
      c->stem_channels[i] = (int) json_node_get_int (e);
    }
  c->stem_layers = (int) n_layers;
  if (c->patch_size != 1 << n_layers)
    return fail (error, path, "rali.config: a %u-layer stride-2 stem needs patch_size %d, not %d",
                 n_layers, 1 << n_layers, c->patch_size);
  return TRUE;
}

void
rali_cnn_blocks (const RaliConfig *c, RaliCnnBlock *blocks)
{
  int cin = c->cnn_stem, k = 0;
  for (int r = 0; r < c->cnn_rows; r++)
    for (int i = 0; i < c->cnn_row[r][2]; i++)
      {
        RaliCnnBlock *b = &blocks[k++];
        b->t = c->cnn_row[r][0];
        b->cin = cin;
        b->cexp = b->t * cin;
        b->cout = c->cnn_row[r][1];
        b->stride = i == 0 ? c->cnn_row[r][3] : 1;
        b->residual = b->stride == 1 && b->cin == b->cout;
        cin = b->cout;
      }
}

void
rali_cnn_sides_init (RaliCnnSides *d, int n_blocks)
{
  d->h_in = g_new (int, n_blocks);
  d->w_in = g_new (int, n_blocks);
  d->h_out = g_new (int, n_blocks);
  d->w_out = g_new (int, n_blocks);
}

void
rali_cnn_sides (const RaliCnnBlock *blocks, int n_blocks, int H, int W, RaliCnnSides *d)
{
  d->h0 = (H + 1) / 2;
  d->w0 = (W + 1) / 2;
  int h = d->h0, w = d->w0;
  for (int i = 0; i < n_blocks; i++)
    {
      int st = blocks[i].stride;
      d->h_in[i] = h;
      d->w_in[i] = w;
      h = d->h_out[i] = (h + st - 1) / st;
      w = d->w_out[i] = (w + st - 1) / st;
    }
}

void
rali_cnn_sides_clear (RaliCnnSides *d)
{
  g_clear_pointer (&d->h_in, g_free);
  g_clear_pointer (&d->w_in, g_free);
  g_clear_pointer (&d->h_out, g_free);
  g_clear_pointer (&d->w_out, g_free);
}

/* an integer member of the tower object (or element of one of its arrays) in [lo, hi] */
static gboolean
tower_int (JsonNode *n, gint64 lo, gint64 hi, int *out, const char *path, GError **error, const char *fmt, ...)
  G_GNUC_PRINTF (7, 8);

static gboolean
tower_int (JsonNode *n, gint64 lo, gint64 hi, int *out, const char *path, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fail (error, path, "rali.config: tower.%s missing or not an integer", what);
  gint64 v = json_node_get_int (n);
  if (v < lo || v > hi)
    return fail (error, path, "rali.config: tower.%s = %" G_GINT64_FORMAT " out of range [%" G_GINT64_FORMAT
                 ", %" G_GINT64_FORMAT "]", what, v, lo, hi);
  *out = (int) v;
  return TRUE;
}

/* "tower": {"type": "mobilenet_v2", "stem": C0, "blocks": [[t, c, n, s], ...],
 * "final": F, "pool_taps": [block indices]} (rali.h).  Every number is
 * bounded before anything is sized by it, and so is the largest activation
 * map one image needs. */
/* The largest map one H x W image needs in a tower, in floats: the stem's
 * im2col columns and output, every block's expanded, depthwise and
 * projected maps (the sides cnn.c's forward uses). */
static gint64
cnn_largest_map (const RaliConfig *c, const RaliCnnBlock *blocks, int H, int W)
{
  RaliCnnSides d = { 0 };
  rali_cnn_sides_init (&d, c->cnn_blocks);
  rali_cnn_sides (blocks, c->cnn_blocks, H, W, &d);
  gint64 most = (gint64) d.h0 * d.w0 * MAX (27, c->cnn_stem);
  for (int i = 0; i < c->cnn_blocks; i++)
    {
      const RaliCnnBlock *b = &blocks[i];
      gint64 in = (gint64) d.h_in[i] * d.w_in[i], out = (gint64) d.h_out[i] * d.w_out[i];
      most = MAX (most, MAX (in * b->cexp, out * MAX (b->cexp, b->cout)));
    }
  int L = c->cnn_blocks - 1;
  most = MAX (most, (gint64) d.h_out[L] * d.w_out[L] * c->cnn_final);
  rali_cnn_sides_clear (&d);
  return most;
}

/* "frame": "whole" (or "centre", the default): rali.h RaliConfig.whole_frame */
static gboolean
parse_frame (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  g_autofree char *frame = get_opt_string (o, "frame", "centre");
  if (g_strcmp0 (frame, "centre") == 0)
    return TRUE;
  if (g_strcmp0 (frame, "whole") != 0)
    return fail (error, path, "rali.config: frame must be \"centre\" or \"whole\"");
  if (c->tower != RALI_TOWER_MOBILENET_V2)
    return fail (error, path, "rali.config: frame \"whole\" needs a fully convolutional tower (mobilenet_v2); "
                 "a ViT reads %d px squares", c->image_size);
  if (c->crops > 0)
    return fail (error, path, "rali.config: frame \"whole\" and crops exclude each other");
  /* the most extreme frame's maps must fit as the square's do */
  int cw, ch, ow, oh;
  rali_frame_shape (RALI_FRAME_MAX_ASPECT, 1, c->image_size, &cw, &ch, &ow, &oh);
  g_autofree RaliCnnBlock *blocks = g_new (RaliCnnBlock, c->cnn_blocks);
  rali_cnn_blocks (c, blocks);
  gint64 most = MAX (cnn_largest_map (c, blocks, oh, ow), cnn_largest_map (c, blocks, ow, oh));
  if (most > MAX_CNN_MAP)
    return fail (error, path, "rali.config: a whole frame of %dx%d px needs maps of %" G_GINT64_FORMAT
                 " values per image (at most %d)", ow, oh, most, MAX_CNN_MAP);
  c->whole_frame = TRUE;
  return TRUE;
}

static gboolean
parse_tower (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, "tower");
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail (error, path, "rali.config: 'tower' must be an object");
  JsonObject *t = json_node_get_object (n);
  g_autofree char *type = get_opt_string (t, "type", NULL);
  if (g_strcmp0 (type, "mobilenet_v2") != 0)
    return fail (error, path, "rali.config: tower type must be \"mobilenet_v2\", not %s", type ? type : "(missing)");
  JsonNode *vit_stem = json_object_get_member (o, "stem");
  if (vit_stem && !JSON_NODE_HOLDS_NULL (vit_stem))
    return fail (error, path, "rali.config: 'stem' is the ViT's convolutional stem; a mobilenet_v2 tower has "
                 "its own (tower.stem)");
  if (c->image_size > RALI_MAX_CNN_IMAGE_SIZE)
    return fail (error, path, "rali.config: image_size %d is too large for a mobilenet_v2 tower (at most %d)",
                 c->image_size, RALI_MAX_CNN_IMAGE_SIZE);
  if (!tower_int (json_object_get_member (t, "stem"), 1, RALI_MAX_CNN_CHANNELS, &c->cnn_stem, path, error, "stem") ||
      !tower_int (json_object_get_member (t, "final"), 1, RALI_MAX_CNN_CHANNELS, &c->cnn_final, path, error, "final"))
    return FALSE;

  JsonNode *bn = json_object_get_member (t, "blocks");
  if (!bn || !JSON_NODE_HOLDS_ARRAY (bn) || json_array_get_length (json_node_get_array (bn)) < 1 ||
      json_array_get_length (json_node_get_array (bn)) > RALI_MAX_CNN_ROWS)
    return fail (error, path, "rali.config: tower.blocks must be an array of 1 to %d rows [t, c, n, s]",
                 RALI_MAX_CNN_ROWS);
  JsonArray *rows = json_node_get_array (bn);
  c->cnn_rows = (int) json_array_get_length (rows);
  c->cnn_blocks = 0;
  int cin = c->cnn_stem;
  static const char *const field[4] = { "t (expansion)", "c (channels)", "n (repeats)", "s (stride)" };
  static const gint64 hi[4] = { 64, RALI_MAX_CNN_CHANNELS, RALI_MAX_CNN_REPEATS, 2 };
  for (int r = 0; r < c->cnn_rows; r++)
    {
      JsonNode *row = json_array_get_element (rows, r);
      if (!JSON_NODE_HOLDS_ARRAY (row) || json_array_get_length (json_node_get_array (row)) != 4)
        return fail (error, path, "rali.config: tower.blocks[%d] must be [t, c, n, s]", r);
      for (guint j = 0; j < 4; j++)
        if (!tower_int (json_array_get_element (json_node_get_array (row), j), 1, hi[j], &c->cnn_row[r][j],
                        path, error, "blocks[%d] %s", r, field[j]))
          return FALSE;
      if ((gint64) c->cnn_row[r][0] * cin > RALI_MAX_CNN_CHANNELS)
        return fail (error, path, "rali.config: tower.blocks[%d] expands %d channels %d times: %" G_GINT64_FORMAT
                     " is more than %d", r, cin, c->cnn_row[r][0], (gint64) c->cnn_row[r][0] * cin,
                     RALI_MAX_CNN_CHANNELS);
      /* the later repeats expand cout channels */
      if (c->cnn_row[r][2] > 1 && (gint64) c->cnn_row[r][0] * c->cnn_row[r][1] > RALI_MAX_CNN_CHANNELS)
        return fail (error, path, "rali.config: tower.blocks[%d] expands %d channels %d times: %" G_GINT64_FORMAT
                     " is more than %d", r, c->cnn_row[r][1], c->cnn_row[r][0],
                     (gint64) c->cnn_row[r][0] * c->cnn_row[r][1], RALI_MAX_CNN_CHANNELS);
      c->cnn_blocks += c->cnn_row[r][2];
      cin = c->cnn_row[r][1];
    }

  g_autofree RaliCnnBlock *blocks = g_new (RaliCnnBlock, c->cnn_blocks);
  rali_cnn_blocks (c, blocks);
  c->cnn_taps = 0;
  c->cnn_pooled = c->cnn_final;
  JsonNode *tn = json_object_get_member (t, "pool_taps");
  if (tn && !JSON_NODE_HOLDS_NULL (tn))
    {
      if (!JSON_NODE_HOLDS_ARRAY (tn) || json_array_get_length (json_node_get_array (tn)) > RALI_MAX_CNN_TAPS)
        return fail (error, path, "rali.config: tower.pool_taps must be an array of at most %d block indices",
                     RALI_MAX_CNN_TAPS);
      JsonArray *taps = json_node_get_array (tn);
      c->cnn_taps = (int) json_array_get_length (taps);
      for (int i = 0; i < c->cnn_taps; i++)
        {
          if (!tower_int (json_array_get_element (taps, i), 0, c->cnn_blocks - 1, &c->cnn_tap[i], path, error,
                          "pool_taps[%d] (a block index)", i))
            return FALSE;
          c->cnn_pooled += blocks[c->cnn_tap[i]].cout;
        }
    }

  gint64 most = cnn_largest_map (c, blocks, c->image_size, c->image_size);
  if (most > MAX_CNN_MAP)
    return fail (error, path, "rali.config: the tower's largest activation map holds %" G_GINT64_FORMAT
                 " values per image (at most %d): image_size %d is too large for these channels",
                 most, MAX_CNN_MAP, c->image_size);
  c->tower = RALI_TOWER_MOBILENET_V2;
  c->activation = RALI_ACT_RELU6;
  return TRUE;
}

/* "crops": N, "crop_short_side": R (multi-crop preprocessing), optionally
 * "crop_select": "detail" with "crop_select_grid": G (the N most detailed
 * of G x G candidates) and optionally "crop_select_scale": F (detail
 * measured on F x F blocks, default 1), or "grid" (the fixed grid, the
 * default) */
static gboolean
parse_crops (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  if (!json_object_has_member (o, "crops"))
    return TRUE;
  if (!get_int (o, "crops", 1, 64, &c->crops, path, error) ||
      !get_int (o, "crop_short_side", c->image_size, 16384, &c->crop_short_side, path, error))
    return FALSE;
  g_autofree char *select = get_opt_string (o, "crop_select", "grid");
  if (g_strcmp0 (select, "detail") == 0)
    {
      if (!get_int (o, "crop_select_grid", 2, 8, &c->crop_select_grid, path, error))
        return FALSE;
      c->crop_select_scale = 1;
      if (json_object_has_member (o, "crop_select_scale") &&
          !get_int (o, "crop_select_scale", 1, RALI_MAX_CROP_SELECT_SCALE, &c->crop_select_scale, path, error))
        return FALSE;
      if (c->image_size / c->crop_select_scale < 3)
        return fail (error, path, "rali.config: crop_select_scale %d leaves less than 3 blocks across a %d px crop",
                     c->crop_select_scale, c->image_size);
      if (c->crops > c->crop_select_grid * c->crop_select_grid)
        return fail (error, path, "rali.config: %d crops cannot be picked from a %dx%d candidate grid",
                     c->crops, c->crop_select_grid, c->crop_select_grid);
    }
  else if (g_strcmp0 (select, "grid") != 0)
    return fail (error, path, "rali.config: crop_select must be \"grid\" or \"detail\"");
  else if (c->crops != 1 && c->crops != 4 && c->crops != 5 && c->crops != 9)
    return fail (error, path, "rali.config: a fixed crop grid has 1, 4, 5 or 9 crops, not %d", c->crops);
  return TRUE;
}

/* The strings of JSON array a (config key `key`) as a NULL-terminated
 * vector, or an error naming the first element that is not a string. */
static gboolean
get_strings (JsonArray *a, const char *key, char ***out, const char *path, GError **error)
{
  guint n = json_array_get_length (a);
  *out = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        return fail (error, path, "rali.config: %s[%u] is not a string", key, i);
      (*out)[i] = g_strdup (json_node_get_string (e));
    }
  return TRUE;
}

/* "composition_labels": an array of 1..4096 strings naming the columns of
 * rali.prototype_composition (rali.h). */
static gboolean
parse_composition_labels (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, "composition_labels");
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (json_node_get_array (n)) < 1 ||
      json_array_get_length (json_node_get_array (n)) > 4096)
    return fail (error, path, "rali.config: 'composition_labels' must be an array of 1 to 4096 strings");
  c->n_composition = (int) json_array_get_length (json_node_get_array (n));
  return get_strings (json_node_get_array (n), "composition_labels", &c->composition_labels, path, error);
}

/* "score_map": {"type": "logistic", "low": L, "high": H, "centre": C,
 * "width": W}, W > 0 so that the map keeps the head's ranking */
static gboolean
parse_score_map (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  JsonNode *n = json_object_get_member (o, "score_map");
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail (error, path, "rali.config: 'score_map' must be an object");
  JsonObject *m = json_node_get_object (n);
  g_autofree char *type = get_opt_string (m, "type", NULL);
  if (g_strcmp0 (type, "logistic") != 0)
    return fail (error, path, "rali.config: score_map type must be \"logistic\"");
  if (!get_num (m, "low", -1e9, 1e9, &c->score_map_low, path, error) ||
      !get_num (m, "high", -1e9, 1e9, &c->score_map_high, path, error) ||
      !get_num (m, "centre", -1e9, 1e9, &c->score_map_centre, path, error) ||
      !get_num (m, "width", 1e-9, 1e9, &c->score_map_width, path, error))
    return FALSE;
  if (!(c->score_map_high > c->score_map_low))
    return fail (error, path, "rali.config: score_map high must be greater than low (the map must keep the ranking)");
  c->has_score_map = TRUE;
  return TRUE;
}

/* the CLIP ViT's keys (the tower of every model without "tower") */
static gboolean
parse_vit (RaliConfig *c, JsonObject *o, const char *path, GError **error)
{
  if (!get_int (o, "image_size", 1, 4096, &c->image_size, path, error) ||
      !get_int (o, "patch_size", 1, 256, &c->patch_size, path, error) ||
      !get_int (o, "width", 1, 16384, &c->width, path, error) ||
      !get_int (o, "layers", 1, 256, &c->layers, path, error) ||
      !get_int (o, "heads", 1, 1024, &c->heads, path, error) ||
      !get_int (o, "mlp_size", 1, MAX_DIM, &c->mlp_size, path, error) ||
      !get_int (o, "projection_dim", 1, 16384, &c->projection_dim, path, error) ||
      !get_num (o, "layer_norm_eps", 0, 1, &c->layer_norm_eps, path, error) ||
      !get_vec3 (o, "image_mean", -10, 10, c->image_mean, path, error) ||
      !get_vec3 (o, "image_std", 1e-6, 100, c->image_std, path, error))
    return FALSE;
  if (c->image_size % c->patch_size != 0)
    return fail (error, path, "rali.config: image_size %d is not a multiple of patch_size %d",
                 c->image_size, c->patch_size);
  if (c->width % c->heads != 0)
    return fail (error, path, "rali.config: width %d is not divisible by heads %d", c->width, c->heads);
  int grid = c->image_size / c->patch_size;
  if ((gint64) grid * grid + 1 > 16384)
    return fail (error, path, "rali.config: %d tokens is too many", grid * grid + 1);

  if (!parse_stem (c, o, path, error) || !parse_crops (c, o, path, error))
    return FALSE;

  g_autofree char *act = get_opt_string (o, "activation", NULL);
  if (g_strcmp0 (act, "quick_gelu") == 0)
    c->activation = RALI_ACT_QUICK_GELU;
  else if (g_strcmp0 (act, "gelu") == 0)
    c->activation = RALI_ACT_GELU;
  else
    return fail (error, path, "rali.config: activation must be \"quick_gelu\" or \"gelu\", not %s",
                 act ? act : "(missing)");
  return TRUE;
}

static gboolean
parse_config (RaliConfig *c, const char *json, const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) jerr = NULL;
  if (!json_parser_load_from_data (parser, json, -1, &jerr))
    return fail (error, path, "rali.config is not valid JSON: %s", jerr->message);
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, path, "rali.config is not a JSON object");
  JsonObject *o = json_node_get_object (root);

  /* a MobileNetV2 has its own keys instead of the ViT's (patch_size .. activation) */
  JsonNode *tower = json_object_get_member (o, "tower");
  if (tower && !JSON_NODE_HOLDS_NULL (tower))
    {
      if (!get_int (o, "image_size", 1, 4096, &c->image_size, path, error) ||
          !get_int (o, "projection_dim", 1, 16384, &c->projection_dim, path, error) ||
          !get_vec3 (o, "image_mean", -10, 10, c->image_mean, path, error) ||
          !get_vec3 (o, "image_std", 1e-6, 100, c->image_std, path, error) ||
          !parse_tower (c, o, path, error) || !parse_crops (c, o, path, error))
        return FALSE;
    }
  else if (!parse_vit (c, o, path, error))
    return FALSE;
  if (!parse_frame (c, o, path, error))
    return FALSE;

  c->name = get_opt_string (o, "name", "unnamed");
  c->source = get_opt_string (o, "source", "unknown");
  c->descriptor_provenance = get_opt_string (o, "descriptor_provenance", "none");
  if (strcmp (c->descriptor_provenance, "rule-based") != 0 &&
      strcmp (c->descriptor_provenance, "rl-derived") != 0 &&
      strcmp (c->descriptor_provenance, "none") != 0)
    return fail (error, path, "rali.config: descriptor_provenance must be rule-based, rl-derived or none");

  c->n_prototypes = 0;
  if (json_object_has_member (o, "prototypes"))
    {
      if (!get_int (o, "prototypes", 0, 1 << 20, &c->n_prototypes, path, error))
        return FALSE;
    }
  if (c->n_prototypes > 0)
    {
      if (!get_int (o, "pca_dim", 1, c->projection_dim, &c->pca_dim, path, error) ||
          !get_num (o, "temperature", 1e-6, 1e6, &c->temperature, path, error) ||
          !get_num (o, "score_min", -1e9, 1e9, &c->score_min, path, error) ||
          !get_num (o, "score_max", -1e9, 1e9, &c->score_max, path, error))
        return FALSE;
      if (!(c->score_max > c->score_min))
        return fail (error, path, "rali.config: score_max must be greater than score_min");
      if (!parse_score_map (c, o, path, error))
        return FALSE;
      JsonNode *d = json_object_get_member (o, "descriptors");
      if (d && !JSON_NODE_HOLDS_NULL (d))
        {
          if (!JSON_NODE_HOLDS_ARRAY (d) ||
              json_array_get_length (json_node_get_array (d)) != (guint) c->n_prototypes)
            return fail (error, path, "rali.config: 'descriptors' must be an array of %d strings",
                         c->n_prototypes);
          if (!get_strings (json_node_get_array (d), "descriptors", &c->descriptors, path, error))
            return FALSE;
        }
      else if (strcmp (c->descriptor_provenance, "none") != 0)
        return fail (error, path, "rali.config: descriptor_provenance is %s but there are no descriptors",
                     c->descriptor_provenance);
      if (!parse_composition_labels (c, o, path, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- tensors ---- */

static void
expect (GArray *ex, const float **dst, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3, const char *fmt, ...)
  G_GNUC_PRINTF (8, 9);

static void
expect (GArray *ex, const float **dst, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  Expected e = { g_strdup_vprintf (fmt, ap), ndim, { d0, d1, d2, d3 }, dst };
  va_end (ap);
  g_array_append_val (ex, e);
}

/* the CLIP ViT's tensors (HF naming) */
static void
expected_vit_tensors (GArray *ex, RaliModel *m)
{
  const RaliConfig *c = &m->config;
  RaliWeights *w = &m->weights;
  gint64 C = c->width, P = c->patch_size, F = c->mlp_size, D = c->projection_dim;
  gint64 G = c->image_size / c->patch_size, T = G * G + 1;
  const char *vm = "vision_model";

  if (c->stem_layers == 0)
    expect (ex, &w->patch_w, 4, C, 3, P, P, "%s.embeddings.patch_embedding.weight", vm);
  else
    {
      gint64 cin = 3;
      for (int i = 0; i < c->stem_layers; i++)
        {
          gint64 cout = c->stem_channels[i];
          expect (ex, &w->stem_w[i], 4, cout, cin, 3, 3, "%s.embeddings.stem.%d.weight", vm, i);
          expect (ex, &w->stem_b[i], 1, cout, 0, 0, 0, "%s.embeddings.stem.%d.bias", vm, i);
          cin = cout;
        }
      expect (ex, &w->patch_w, 4, C, cin, 1, 1, "%s.embeddings.patch_embedding.weight", vm);
      expect (ex, &w->patch_b, 1, C, 0, 0, 0, "%s.embeddings.patch_embedding.bias", vm);
    }
  expect (ex, &w->class_emb, 1, C, 0, 0, 0, "%s.embeddings.class_embedding", vm);
  expect (ex, &w->pos_emb, 2, T, C, 0, 0, "%s.embeddings.position_embedding.weight", vm);
  expect (ex, &w->pre_ln_w, 1, C, 0, 0, 0, "%s.pre_layrnorm.weight", vm);
  expect (ex, &w->pre_ln_b, 1, C, 0, 0, 0, "%s.pre_layrnorm.bias", vm);
  w->layers = g_new0 (RaliLayerWeights, c->layers);
  for (int l = 0; l < c->layers; l++)
    {
      RaliLayerWeights *lw = &w->layers[l];
      const char *pfx = "vision_model.encoder.layers";
      expect (ex, &lw->ln1_w, 1, C, 0, 0, 0, "%s.%d.layer_norm1.weight", pfx, l);
      expect (ex, &lw->ln1_b, 1, C, 0, 0, 0, "%s.%d.layer_norm1.bias", pfx, l);
      expect (ex, &lw->q_w, 2, C, C, 0, 0, "%s.%d.self_attn.q_proj.weight", pfx, l);
      expect (ex, &lw->q_b, 1, C, 0, 0, 0, "%s.%d.self_attn.q_proj.bias", pfx, l);
      expect (ex, &lw->k_w, 2, C, C, 0, 0, "%s.%d.self_attn.k_proj.weight", pfx, l);
      expect (ex, &lw->k_b, 1, C, 0, 0, 0, "%s.%d.self_attn.k_proj.bias", pfx, l);
      expect (ex, &lw->v_w, 2, C, C, 0, 0, "%s.%d.self_attn.v_proj.weight", pfx, l);
      expect (ex, &lw->v_b, 1, C, 0, 0, 0, "%s.%d.self_attn.v_proj.bias", pfx, l);
      expect (ex, &lw->o_w, 2, C, C, 0, 0, "%s.%d.self_attn.out_proj.weight", pfx, l);
      expect (ex, &lw->o_b, 1, C, 0, 0, 0, "%s.%d.self_attn.out_proj.bias", pfx, l);
      expect (ex, &lw->ln2_w, 1, C, 0, 0, 0, "%s.%d.layer_norm2.weight", pfx, l);
      expect (ex, &lw->ln2_b, 1, C, 0, 0, 0, "%s.%d.layer_norm2.bias", pfx, l);
      expect (ex, &lw->fc1_w, 2, F, C, 0, 0, "%s.%d.mlp.fc1.weight", pfx, l);
      expect (ex, &lw->fc1_b, 1, F, 0, 0, 0, "%s.%d.mlp.fc1.bias", pfx, l);
      expect (ex, &lw->fc2_w, 2, C, F, 0, 0, "%s.%d.mlp.fc2.weight", pfx, l);
      expect (ex, &lw->fc2_b, 1, C, 0, 0, 0, "%s.%d.mlp.fc2.bias", pfx, l);
    }
  expect (ex, &w->post_ln_w, 1, C, 0, 0, 0, "%s.post_layernorm.weight", vm);
  expect (ex, &w->post_ln_b, 1, C, 0, 0, 0, "%s.post_layernorm.bias", vm);
  expect (ex, &w->proj_w, 2, D, C, 0, 0, "visual_projection.weight");
}

/* The table of names and shapes, from the config alone. */
static GArray *
expected_tensors (RaliModel *m)
{
  const RaliConfig *c = &m->config;
  RaliWeights *w = &m->weights;
  gint64 D = c->projection_dim;
  GArray *ex = g_array_new (FALSE, FALSE, sizeof (Expected));

  if (c->tower == RALI_TOWER_MOBILENET_V2)
    {
      const char *mn = "mobilenet";
      RaliCnnBlock *blocks = g_new (RaliCnnBlock, c->cnn_blocks);
      rali_cnn_blocks (c, blocks);
      w->cnn_blocks = g_new0 (RaliCnnBlockWeights, c->cnn_blocks);
      expect (ex, &w->cnn_stem_w, 4, c->cnn_stem, 3, 3, 3, "%s.stem.weight", mn);
      expect (ex, &w->cnn_stem_b, 1, c->cnn_stem, 0, 0, 0, "%s.stem.bias", mn);
      for (int i = 0; i < c->cnn_blocks; i++)
        {
          const RaliCnnBlock *b = &blocks[i];
          RaliCnnBlockWeights *bw = &w->cnn_blocks[i];
          if (b->t != 1)
            {
              expect (ex, &bw->expand_w, 4, b->cexp, b->cin, 1, 1, "%s.blocks.%d.expand.weight", mn, i);
              expect (ex, &bw->expand_b, 1, b->cexp, 0, 0, 0, "%s.blocks.%d.expand.bias", mn, i);
            }
          expect (ex, &bw->dw_w, 4, b->cexp, 1, 3, 3, "%s.blocks.%d.dw.weight", mn, i);
          expect (ex, &bw->dw_b, 1, b->cexp, 0, 0, 0, "%s.blocks.%d.dw.bias", mn, i);
          expect (ex, &bw->project_w, 4, b->cout, b->cexp, 1, 1, "%s.blocks.%d.project.weight", mn, i);
          expect (ex, &bw->project_b, 1, b->cout, 0, 0, 0, "%s.blocks.%d.project.bias", mn, i);
        }
      gint64 c_last = blocks[c->cnn_blocks - 1].cout;
      expect (ex, &w->cnn_final_w, 4, c->cnn_final, c_last, 1, 1, "%s.final.weight", mn);
      expect (ex, &w->cnn_final_b, 1, c->cnn_final, 0, 0, 0, "%s.final.bias", mn);
      expect (ex, &w->proj_w, 2, D, c->cnn_pooled, 0, 0, "visual_projection.weight");
      g_free (blocks);
    }
  else
    expected_vit_tensors (ex, m);
  if (c->n_prototypes > 0)
    {
      gint64 k = c->pca_dim, K = c->n_prototypes;
      expect (ex, &w->pca_mean, 1, D, 0, 0, 0, "rali.pca.mean");
      expect (ex, &w->pca_scale, 1, D, 0, 0, 0, "rali.pca.scale");
      expect (ex, &w->pca_components, 2, k, D, 0, 0, "rali.pca.components");
      expect (ex, &w->prototypes, 2, K, k, 0, 0, "rali.prototypes");
      expect (ex, &w->prototype_scores, 1, K, 0, 0, 0, "rali.prototype_scores");
      if (c->n_composition > 0)
        expect (ex, &w->prototype_composition, 2, K, c->n_composition, 0, 0, "rali.prototype_composition");
    }
  return ex;
}

static void
expected_free (GArray *ex)
{
  for (guint i = 0; i < ex->len; i++)
    g_free (g_array_index (ex, Expected, i).name);
  g_array_free (ex, TRUE);
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0)
    {
      if (mant == 0)
        bits = sign;
      else
        { /* subnormal: renormalise */
          int e = -1;
          do { e++; mant <<= 1; } while (!(mant & 0x400));
          bits = sign | ((guint32) (127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
        }
    }
  else if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

static gboolean
parse_entry (JsonObject *t, const char *name, Entry *e, const char *path, GError **error)
{
  const char *dt = json_object_has_member (t, "dtype") ? json_object_get_string_member (t, "dtype") : NULL;
  if (g_strcmp0 (dt, "F32") == 0)
    e->dtype = DT_F32;
  else if (g_strcmp0 (dt, "F16") == 0)
    e->dtype = DT_F16;
  else
    return fail (error, path, "tensor %s: dtype %s is not supported (F32 or F16)", name, dt ? dt : "(missing)");

  JsonNode *sn = json_object_get_member (t, "shape");
  JsonNode *on = json_object_get_member (t, "data_offsets");
  if (!sn || !JSON_NODE_HOLDS_ARRAY (sn) || !on || !JSON_NODE_HOLDS_ARRAY (on))
    return fail (error, path, "tensor %s: missing shape or data_offsets", name);
  JsonArray *sa = json_node_get_array (sn), *oa = json_node_get_array (on);
  if (json_array_get_length (sa) > 8 || json_array_get_length (oa) != 2)
    return fail (error, path, "tensor %s: bad shape or data_offsets", name);
  e->ndim = json_array_get_length (sa);
  guint64 count = 1;
  for (int i = 0; i < e->ndim; i++)
    {
      JsonNode *d = json_array_get_element (sa, i);
      if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64 ||
          json_node_get_int (d) < 0 || json_node_get_int (d) > (1 << 30))
        return fail (error, path, "tensor %s: bad dimension %d", name, i);
      e->shape[i] = json_node_get_int (d);
      count *= (guint64) e->shape[i];
      if (count > ((guint64) 1 << 34))
        return fail (error, path, "tensor %s: too many elements", name);
    }
  for (int i = 0; i < 2; i++)
    {
      JsonNode *d = json_array_get_element (oa, i);
      if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64 || json_node_get_int (d) < 0)
        return fail (error, path, "tensor %s: bad data_offsets", name);
    }
  e->begin = json_array_get_int_element (oa, 0);
  e->end = json_array_get_int_element (oa, 1);
  guint64 need = count * (e->dtype == DT_F32 ? 4 : 2);
  if (e->end < e->begin || e->end - e->begin != need)
    return fail (error, path, "tensor %s: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                 ") hold %" G_GUINT64_FORMAT " bytes, shape needs %" G_GUINT64_FORMAT,
                 name, e->begin, e->end, e->end - e->begin, need);
  return TRUE;
}

static gint
compare_entry_begin (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Entry *e = user_data;
  guint64 x = e[*(const guint *) a].begin, y = e[*(const guint *) b].begin;
  return x < y ? -1 : x > y;
}

static gboolean
bind_tensors (RaliModel *m, JsonObject *header, const guint8 *data, guint64 data_size, GError **error)
{
  GArray *ex = expected_tensors (m);
  Entry *entries = g_new0 (Entry, ex->len);
  gsize convert_floats = 0;
  gboolean ok = FALSE;

  /* pass 1: every expected tensor exists with the right shape and bounds */
  for (guint i = 0; i < ex->len; i++)
    {
      Expected *x = &g_array_index (ex, Expected, i);
      JsonNode *n = json_object_get_member (header, x->name);
      if (!n || !JSON_NODE_HOLDS_OBJECT (n))
        { fail (error, m->path, "tensor %s is missing", x->name); goto out; }
      Entry *e = &entries[i];
      if (!parse_entry (json_node_get_object (n), x->name, e, m->path, error))
        goto out;
      gboolean same = e->ndim == x->ndim;
      for (int d = 0; same && d < x->ndim; d++)
        same = e->shape[d] == x->shape[d];
      if (!same)
        {
          GString *want = g_string_new (NULL), *got = g_string_new (NULL);
          for (int d = 0; d < x->ndim; d++)
            g_string_append_printf (want, "%s%" G_GINT64_FORMAT, d ? "," : "", x->shape[d]);
          for (int d = 0; d < e->ndim; d++)
            g_string_append_printf (got, "%s%" G_GINT64_FORMAT, d ? "," : "", e->shape[d]);
          fail (error, m->path, "tensor %s has shape [%s], the config needs [%s]", x->name, got->str, want->str);
          g_string_free (want, TRUE);
          g_string_free (got, TRUE);
          goto out;
        }
      if (e->end > data_size)
        { fail (error, m->path, "tensor %s ends at byte %" G_GUINT64_FORMAT " past the end of the data (%" G_GUINT64_FORMAT ")",
                x->name, e->end, data_size); goto out; }
      gsize count = (e->end - e->begin) / (e->dtype == DT_F32 ? 4 : 2);
      if (e->dtype == DT_F16 || ((guintptr) (data + e->begin) % 4) != 0)
        convert_floats += count;
      if (e->dtype == DT_F16)
        m->any_f16 = TRUE;
      m->n_params += count;
    }

  /* no two tensors share bytes: a weight written through one name must
   * not change another (the safetensors format lays them out one after
   * the other) */
  {
    g_autofree guint *order = g_new (guint, ex->len);
    for (guint i = 0; i < ex->len; i++)
      order[i] = i;
    g_qsort_with_data (order, ex->len, sizeof (guint), compare_entry_begin, entries);
    for (guint i = 1; i < ex->len; i++)
      {
        const Entry *a = &entries[order[i - 1]], *b = &entries[order[i]];
        if (b->begin < a->end && b->end > b->begin && a->end > a->begin)
          {
            fail (error, m->path, "tensors %s and %s overlap in the file (bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                  " and %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT ")",
                  g_array_index (ex, Expected, order[i - 1]).name, g_array_index (ex, Expected, order[i]).name,
                  a->begin, a->end, b->begin, b->end);
            goto out;
          }
      }
  }

  /* anything else in the file is a sign it is not what we think it is */
  {
    g_autoptr (GList) members = json_object_get_members (header);
    for (GList *l = members; l; l = l->next)
      {
        const char *name = l->data;
        if (strcmp (name, "__metadata__") == 0)
          continue;
        gboolean known = FALSE;
        for (guint i = 0; i < ex->len && !known; i++)
          known = strcmp (g_array_index (ex, Expected, i).name, name) == 0;
        if (!known)
          { fail (error, m->path, "unexpected tensor %s (not part of this configuration)", name); goto out; }
      }
  }

  /* pass 2: bind pointers, converting into one block where needed */
  m->converted = convert_floats ? g_try_new (float, convert_floats) : NULL;
  if (convert_floats && !m->converted)
    { fail (error, m->path, "out of memory converting %zu weights", convert_floats); goto out; }
  gsize used = 0;
  for (guint i = 0; i < ex->len; i++)
    {
      Expected *x = &g_array_index (ex, Expected, i);
      Entry *e = &entries[i];
      const guint8 *src = data + e->begin;
      if (e->dtype == DT_F32 && ((guintptr) src % 4) == 0)
        {
          *x->dst = (const float *) src;
          continue;
        }
      float *dst = m->converted + used;
      gsize count = (e->end - e->begin) / (e->dtype == DT_F32 ? 4 : 2);
      if (e->dtype == DT_F32)
        memcpy (dst, src, count * 4);
      else
        for (gsize j = 0; j < count; j++)
          {
            guint16 h;
            memcpy (&h, src + 2 * j, 2);
            dst[j] = half_to_float (GUINT16_FROM_LE (h));
          }
      used += count;
      *x->dst = dst;
    }
  /* NaN or Inf weights poison every result; refuse them up front */
  for (guint i = 0; i < ex->len; i++)
    {
      Expected *x = &g_array_index (ex, Expected, i);
      gsize count = 1;
      for (int d = 0; d < x->ndim; d++)
        count *= x->shape[d];
      for (gsize j = 0; j < count; j++)
        if (!isfinite ((*x->dst)[j]))
          { fail (error, m->path, "tensor %s holds a non-finite value at element %zu", x->name, j); goto out; }
    }
  ok = TRUE;
out:
  g_free (entries);
  expected_free (ex);
  return ok;
}

/* Header, config and tensors of an mmapped file; fills m. */
static gboolean
parse_file (RaliModel *m, const guint8 *bytes, guint64 size, GError **error)
{
  const char *path = m->path;
  g_autoptr (GError) jerr = NULL;
  if (size < 8)
    return fail (error, path, "file is %" G_GUINT64_FORMAT " bytes, too short for a safetensors header", size);
  guint64 hlen;
  memcpy (&hlen, bytes, 8);
  hlen = GUINT64_FROM_LE (hlen);
  if (hlen == 0 || hlen > MAX_HEADER_BYTES || hlen > size - 8)
    return fail (error, path, "header length %" G_GUINT64_FORMAT " is invalid for a %" G_GUINT64_FORMAT "-byte file",
                 hlen, size);
  g_autofree char *hjson = g_strndup ((const char *) bytes + 8, hlen);
  if (strlen (hjson) != hlen)
    return fail (error, path, "header contains a NUL byte");

  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, hjson, hlen, &jerr))
    return fail (error, path, "header is not valid JSON: %s", jerr->message);
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, path, "header is not a JSON object");
  JsonObject *header = json_node_get_object (root);
  JsonNode *meta = json_object_get_member (header, "__metadata__");
  if (!meta || !JSON_NODE_HOLDS_OBJECT (meta))
    return fail (error, path, "no __metadata__: not a .rali model (a plain safetensors file?)");
  JsonNode *cfg = json_object_get_member (json_node_get_object (meta), "rali.config");
  if (!cfg || !JSON_NODE_HOLDS_VALUE (cfg) || json_node_get_value_type (cfg) != G_TYPE_STRING)
    return fail (error, path, "__metadata__ has no rali.config string");
  if (!parse_config (&m->config, json_node_get_string (cfg), path, error))
    return FALSE;
  return bind_tensors (m, header, bytes + 8 + hlen, size - 8 - hlen, error);
}

RaliModel *
rali_model_open (const char *path, GError **error)
{
  g_autoptr (GError) ioerr = NULL;
  RaliModel *m = g_new0 (RaliModel, 1);
  m->path = g_strdup (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      fail (error, path, "is a directory, not a model file");
      goto err;
    }
  m->file = g_mapped_file_new (path, FALSE, &ioerr);
  if (!m->file)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "%s: cannot open model: %s", path, ioerr->message);
      goto err;
    }
  if (!parse_file (m, (const guint8 *) g_mapped_file_get_contents (m->file),
                   g_mapped_file_get_length (m->file), error))
    goto err;
  return m;

err:
  rali_model_free (m);
  return NULL;
}

void
rali_model_free (RaliModel *m)
{
  if (!m)
    return;
  rali_config_clear (&m->config);
  g_free (m->weights.layers);
  g_free (m->weights.cnn_blocks);
  g_free (m->converted);
  g_clear_pointer (&m->file, g_mapped_file_unref);
  g_free (m->sha256);
  g_free (m->path);
  g_free (m);
}

const RaliConfig *rali_model_config (const RaliModel *m) { return &m->config; }
const char *rali_model_path (const RaliModel *m) { return m->path; }

char *
rali_model_describe_tower (const RaliModel *m)
{
  const RaliConfig *c = &m->config;
  if (c->tower != RALI_TOWER_MOBILENET_V2)
    return g_strdup_printf ("ViT %dx%d/%d, width %d, %d layers, %d heads, mlp %d, %s, projection %d",
                            c->image_size, c->image_size, c->patch_size, c->width, c->layers, c->heads,
                            c->mlp_size, c->activation == RALI_ACT_GELU ? "gelu" : "quick_gelu",
                            c->projection_dim);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "MobileNetV2, stem %d, %d blocks, final %d", c->cnn_stem, c->cnn_blocks,
                          c->cnn_final);
  if (c->cnn_taps > 0)
    {
      g_string_append (s, " + pooled block");
      for (int i = 0; i < c->cnn_taps; i++)
        g_string_append_printf (s, "%s %d", i ? "," : c->cnn_taps > 1 ? "s" : "", c->cnn_tap[i]);
      g_string_append_printf (s, " (%d features)", c->cnn_pooled);
    }
  g_string_append_printf (s, ", input %d px, projection %d", c->image_size, c->projection_dim);
  return g_string_free (s, FALSE);
}
gsize rali_model_n_params (const RaliModel *m) { return m->n_params; }

const char *
rali_model_hash (RaliModel *m)
{
  if (!m->sha256)
    m->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                             (const guchar *) g_mapped_file_get_contents (m->file),
                                             g_mapped_file_get_length (m->file));
  return m->sha256;
}
