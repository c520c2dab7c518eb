#include "testutil.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _RefFile {
  GHashTable *tensors; /* name -> float* (owned), F32 only */
  GHashTable *sizes;   /* name -> gsize (as pointer) */
  GHashTable *dim0;
  GHashTable *meta;    /* key -> string */
};

RefFile *
ref_open (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  guint64 hlen;
  g_assert_cmpuint (len, >=, 8);
  memcpy (&hlen, data, 8);
  g_assert_cmpuint (hlen, <=, len - 8);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, data + 8, hlen, &error))
    g_error ("%s: %s", path, error->message);
  RefFile *r = g_new0 (RefFile, 1);
  r->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->dim0 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  g_autoptr (GList) names = json_object_get_members (root);
  const char *base = data + 8 + hlen;
  for (GList *l = names; l; l = l->next)
    {
      JsonObject *t = json_object_get_object_member (root, l->data);
      if (strcmp (l->data, "__metadata__") == 0)
        {
          g_autoptr (GList) keys = json_object_get_members (t);
          for (GList *k = keys; k; k = k->next)
            g_hash_table_insert (r->meta, g_strdup (k->data), g_strdup (json_object_get_string_member (t, k->data)));
          continue;
        }
      g_assert_cmpstr (json_object_get_string_member (t, "dtype"), ==, "F32");
      JsonArray *off = json_object_get_array_member (t, "data_offsets");
      gint64 b = json_array_get_int_element (off, 0), e = json_array_get_int_element (off, 1);
      g_assert (b >= 0 && e >= b && (guint64) e <= len - 8 - hlen);
      float *v = g_memdup2 (base + b, e - b);
      JsonArray *shape = json_object_get_array_member (t, "shape");
      gint64 d0 = json_array_get_length (shape) ? json_array_get_int_element (shape, 0) : 1;
      g_hash_table_insert (r->tensors, g_strdup (l->data), v);
      g_hash_table_insert (r->sizes, g_strdup (l->data), GSIZE_TO_POINTER ((e - b) / 4));
      g_hash_table_insert (r->dim0, g_strdup (l->data), GSIZE_TO_POINTER (d0));
    }
  return r;
}

void
ref_free (RefFile *r)
{
  g_hash_table_unref (r->tensors);
  g_hash_table_unref (r->sizes);
  g_hash_table_unref (r->dim0);
  g_hash_table_unref (r->meta);
  g_free (r);
}

const float *
ref_get (RefFile *r, const char *name, gsize *n, gint64 *dim0)
{
  const float *v = g_hash_table_lookup (r->tensors, name);
  if (n)
    *n = GPOINTER_TO_SIZE (g_hash_table_lookup (r->sizes, name));
  if (dim0)
    *dim0 = GPOINTER_TO_SIZE (g_hash_table_lookup (r->dim0, name));
  return v;
}

const char *
ref_meta (RefFile *r, const char *key)
{
  return g_hash_table_lookup (r->meta, key);
}

gboolean
compare_arrays (const char *what, const float *got, const float *ref, gsize n, double atol, double rtol)
{
  gsize worst = 0, bad = 0;
  double worst_excess = -INFINITY, max_abs = 0;
  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) got[i] - ref[i]);
      double tol = atol + rtol * fabs (ref[i]);
      if (!(d <= tol))
        bad++;
      double excess = isnan (d) ? INFINITY : d - tol;
      if (excess > worst_excess)
        worst_excess = excess, worst = i;
      if (d > max_abs || isnan (d))
        max_abs = d;
    }
  printf ("%-4s %-28s n=%-8zu max|diff|=%.3g worst at [%zu]: got %.9g ref %.9g%s\n",
          bad ? "FAIL" : "ok", what, n, max_abs, worst, n ? got[worst] : 0.0, n ? ref[worst] : 0.0,
          bad ? "" : "");
  if (bad)
    printf ("     %zu of %zu elements outside atol %.1g + rtol %.1g\n", bad, n, atol, rtol);
  return bad == 0;
}

void
ref_trace_compare (const char *stage, const float *data, gsize n, gpointer ref_trace)
{
  RefTrace *t = ref_trace;
  gsize rn;
  g_autofree char *name = g_strconcat (stage, t->suffix, NULL);
  stage = name;
  const float *ref = ref_get (t->ref, stage, &rn, NULL);
  t->stages++;
  if (!ref)
    {
      printf ("FAIL reference has no stage %s\n", stage);
      t->ok = FALSE;
      return;
    }
  gsize per = rn / t->Btotal;
  if (n != per * t->B)
    {
      printf ("FAIL stage %s: %zu values, the reference has %zu per image\n", stage, n, per);
      t->ok = FALSE;
      return;
    }
  g_autofree char *what = g_strdup_printf ("%s [b%d..%d]", stage, t->b0, t->b0 + t->B - 1);
  t->ok &= compare_arrays (what, data, ref + per * t->b0, n, t->atol, t->rtol);
}
