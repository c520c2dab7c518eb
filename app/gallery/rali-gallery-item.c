/* RaliGalleryItem: see rali-gallery-item.h. */
#include "rali-gallery-item.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _RaliGalleryItem {
  GObject parent_instance;
  char *path;
  char *name;
  char *folded_name;
  char *sort_key;
  RaliItemState state;
  double score;
  double fraction;
  char *error;
  GPtrArray *descriptors; /* RaliItemDescriptor*, or NULL */
  GBytes *embedding;      /* unit float32 embedding, or NULL */
  gint64 capture_time;
  gboolean capture_exif;
  gboolean from_catalog;
  RaliDecision decision;
  guint burst_id, burst_size;
  gboolean burst_best;
  char *burst_why;
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_NAME,
  PROP_STATE,
  PROP_SCORE,
  PROP_SCORE_FRACTION,
  PROP_ERROR,
  PROP_CAPTURE_TIME,
  PROP_FROM_CATALOG,
  PROP_DECISION,
  PROP_BURST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (RaliGalleryItem, rali_gallery_item, G_TYPE_OBJECT)

GType
rali_item_state_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { RALI_ITEM_PENDING, "RALI_ITEM_PENDING", "pending" },
    { RALI_ITEM_SCORED, "RALI_ITEM_SCORED", "scored" },
    { RALI_ITEM_FAILED, "RALI_ITEM_FAILED", "failed" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("RaliItemState", values));
  return type;
}

void
rali_item_descriptor_free (RaliItemDescriptor *d)
{
  if (!d)
    return;
  g_free (d->text);
  g_free (d);
}

GPtrArray *
rali_item_descriptors_from_json (const char *json)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) rali_item_descriptor_free);
  if (!json || !*json)
    return out;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return out;
  JsonNode *root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root))
    return out;
  JsonArray *arr = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      JsonObject *o = json_node_get_object (n);
      RaliItemDescriptor *d = g_new0 (RaliItemDescriptor, 1);
      d->index = (int) json_object_get_int_member_with_default (o, "index", -1);
      d->text = g_strdup (json_object_get_string_member_with_default (o, "text", ""));
      d->similarity = (float) json_object_get_double_member_with_default (o, "similarity", 0);
      d->score = (float) json_object_get_double_member_with_default (o, "score", 0);
      d->weight = (float) json_object_get_double_member_with_default (o, "weight", 0);
      d->near_weight = (float) json_object_get_double_member_with_default (o, "near_copies_weight", 0);
      g_ptr_array_add (out, d);
    }
  return out;
}

char *
rali_item_descriptors_to_json (GPtrArray *descriptors)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; descriptors && i < descriptors->len; i++)
    {
      RaliItemDescriptor *d = descriptors->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, d->index);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, d->text);
      json_builder_set_member_name (b, "similarity");
      json_builder_add_double_value (b, d->similarity);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, d->score);
      json_builder_set_member_name (b, "weight");
      json_builder_add_double_value (b, d->weight);
      json_builder_set_member_name (b, "near_copies_weight");
      json_builder_add_double_value (b, d->near_weight);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
rali_gallery_item_finalize (GObject *object)
{
  RaliGalleryItem *self = RALI_GALLERY_ITEM (object);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->folded_name, g_free);
  g_clear_pointer (&self->sort_key, g_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  g_clear_pointer (&self->embedding, g_bytes_unref);
  g_clear_pointer (&self->burst_why, g_free);
  G_OBJECT_CLASS (rali_gallery_item_parent_class)->finalize (object);
}

static void
rali_gallery_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RaliGalleryItem *self = RALI_GALLERY_ITEM (object);
  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_SCORE: g_value_set_double (value, self->score); break;
    case PROP_SCORE_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_CAPTURE_TIME: g_value_set_int64 (value, self->capture_time); break;
    case PROP_FROM_CATALOG: g_value_set_boolean (value, self->from_catalog); break;
    case PROP_DECISION: g_value_set_pointer (value, &self->decision); break;
    case PROP_BURST: g_value_set_uint (value, self->burst_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_gallery_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  RaliGalleryItem *self = RALI_GALLERY_ITEM (object);
  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      self->name = g_filename_display_basename (self->path ? self->path : "");
      self->folded_name = g_utf8_casefold (self->name, -1);
      self->sort_key = g_utf8_collate_key_for_filename (self->name, -1);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rali_gallery_item_class_init (RaliGalleryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = rali_gallery_item_finalize;
  object_class->get_property = rali_gallery_item_get_property;
  object_class->set_property = rali_gallery_item_set_property;

  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, RALI_TYPE_ITEM_STATE,
                                              RALI_ITEM_PENDING, ro);
  properties[PROP_SCORE] = g_param_spec_double ("score", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_SCORE_FRACTION] = g_param_spec_double ("score-fraction", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_CAPTURE_TIME] = g_param_spec_int64 ("capture-time", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_FROM_CATALOG] = g_param_spec_boolean ("from-catalog", NULL, NULL, FALSE, ro);
  properties[PROP_DECISION] = g_param_spec_pointer ("decision", NULL, NULL, ro);
  properties[PROP_BURST] = g_param_spec_uint ("burst", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
rali_gallery_item_init (RaliGalleryItem *self)
{
  self->state = RALI_ITEM_PENDING;
}

RaliGalleryItem *
rali_gallery_item_new (const char *path)
{
  return g_object_new (RALI_TYPE_GALLERY_ITEM, "path", path, NULL);
}

const char *
rali_gallery_item_get_path (RaliGalleryItem *self)
{
  return self->path;
}

const char *
rali_gallery_item_get_name (RaliGalleryItem *self)
{
  return self->name;
}

const char *
rali_gallery_item_get_sort_key (RaliGalleryItem *self)
{
  return self->sort_key;
}

RaliItemState
rali_gallery_item_get_state (RaliGalleryItem *self)
{
  return self->state;
}

double
rali_gallery_item_get_score (RaliGalleryItem *self)
{
  return self->score;
}

double
rali_gallery_item_get_score_fraction (RaliGalleryItem *self)
{
  return self->fraction;
}

const char *
rali_gallery_item_get_error (RaliGalleryItem *self)
{
  return self->error;
}

GPtrArray *
rali_gallery_item_get_descriptors (RaliGalleryItem *self)
{
  return self->descriptors;
}

gint64
rali_gallery_item_get_capture_time (RaliGalleryItem *self)
{
  return self->capture_time;
}

gboolean
rali_gallery_item_get_capture_time_is_exif (RaliGalleryItem *self)
{
  return self->capture_exif;
}

gboolean
rali_gallery_item_get_from_catalog (RaliGalleryItem *self)
{
  return self->from_catalog;
}

/* state is notified last: listeners of notify::state see the rest updated */
static void
set_state (RaliGalleryItem *self, RaliItemState state, gboolean from_catalog)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->from_catalog != from_catalog)
    {
      self->from_catalog = from_catalog;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_CATALOG]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCORE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCORE_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  self->state = state;
  g_object_thaw_notify (G_OBJECT (self));
  /* always tell: a rescored item keeps its state but has a new result */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
rali_gallery_item_set_result (RaliGalleryItem *self, double score, double fraction,
                              GPtrArray *descriptors, gboolean from_catalog)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  self->score = score;
  self->fraction = CLAMP (fraction, 0.0, 1.0);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  self->descriptors = descriptors;
  set_state (self, RALI_ITEM_SCORED, from_catalog);
}

void
rali_gallery_item_set_error (RaliGalleryItem *self, const char *message, gboolean from_catalog)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  self->score = 0;
  self->fraction = 0;
  g_free (self->error);
  /* shown in labels, which take UTF-8 only (a catalog written before file
   * names were displayed by GLib's rules may hold other bytes) */
  self->error = message ? g_utf8_make_valid (message, -1) : NULL;
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  g_clear_pointer (&self->embedding, g_bytes_unref);
  set_state (self, RALI_ITEM_FAILED, from_catalog);
}

void
rali_gallery_item_reset (RaliGalleryItem *self)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  if (self->state == RALI_ITEM_PENDING)
    return;
  self->score = 0;
  self->fraction = 0;
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  g_clear_pointer (&self->embedding, g_bytes_unref);
  set_state (self, RALI_ITEM_PENDING, FALSE);
}

void
rali_gallery_item_set_capture_time (RaliGalleryItem *self, gint64 unix_seconds, gboolean exif)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  if (self->capture_time == unix_seconds && self->capture_exif == !!exif)
    return;
  self->capture_time = unix_seconds;
  self->capture_exif = !!exif;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURE_TIME]);
}

gboolean
rali_gallery_item_matches (RaliGalleryItem *self, const char *folded_needle, int top_k)
{
  if (!folded_needle || !*folded_needle)
    return TRUE;
  if (strstr (self->folded_name, folded_needle))
    return TRUE;
  for (guint i = 0; self->descriptors && i < self->descriptors->len && (int) i < top_k; i++)
    {
      RaliItemDescriptor *d = self->descriptors->pdata[i];
      g_autofree char *folded = g_utf8_casefold (d->text, -1);
      if (strstr (folded, folded_needle))
        return TRUE;
    }
  return FALSE;
}

const RaliDecision *
rali_gallery_item_get_decision (RaliGalleryItem *self)
{
  return &self->decision;
}

void
rali_gallery_item_set_decision (RaliGalleryItem *self, const RaliDecision *decision)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  if (rali_decision_equal (&self->decision, decision))
    return;
  self->decision = *decision;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DECISION]);
}

void
rali_gallery_item_set_burst (RaliGalleryItem *self, guint id, guint size, gboolean best, const char *why)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  if (self->burst_id == id && self->burst_size == size && self->burst_best == best
      && g_strcmp0 (self->burst_why, why) == 0)
    return;
  self->burst_id = id;
  self->burst_size = size;
  self->burst_best = best;
  g_free (self->burst_why);
  self->burst_why = g_strdup (why);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BURST]);
}

guint
rali_gallery_item_get_burst (RaliGalleryItem *self, guint *size, gboolean *best)
{
  if (size)
    *size = self->burst_size;
  if (best)
    *best = self->burst_best;
  return self->burst_id;
}

const char *
rali_gallery_item_get_burst_why (RaliGalleryItem *self)
{
  return self->burst_why;
}

GBytes *
rali_gallery_item_get_embedding (RaliGalleryItem *self)
{
  return self->embedding;
}

void
rali_gallery_item_set_embedding (RaliGalleryItem *self, GBytes *embedding)
{
  g_return_if_fail (RALI_IS_GALLERY_ITEM (self));
  if (embedding)
    g_bytes_ref (embedding);
  g_clear_pointer (&self->embedding, g_bytes_unref);
  self->embedding = embedding;
}
