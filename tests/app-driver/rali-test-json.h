/* JSON members for the test driver's status lines (rali-test-driver.c,
 * rali-map-test.c). */
#pragma once

#include <json-glib/json-glib.h>
#include <math.h>

static inline void
member_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    {
      /* file names may be any bytes; a JSON line must stay UTF-8 */
      char *valid = g_utf8_make_valid (value, -1);
      json_builder_add_string_value (b, valid);
      g_free (valid);
    }
  else
    json_builder_add_null_value (b);
}

static inline void
member_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* non-finite values become null: JSON has no NaN */
static inline void
member_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static inline void
member_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}
