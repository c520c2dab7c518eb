/* Expanding command-line paths into a list of image files, and the CSV
 * field those lists are exported with. */
#include "rali.h"
#include "image/raw.h"

#include <gio/gio.h>
#include <string.h>

static gboolean
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  return dot && (g_ascii_strcasecmp (dot, ".jpg") == 0 || g_ascii_strcasecmp (dot, ".jpeg") == 0 ||
                 g_ascii_strcasecmp (dot, ".png") == 0 || rali_is_raw_name (name));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
walk (const char *dir, GPtrArray *out, RaliPathErrorFunc on_error, gpointer user_data, int depth)
{
  g_autoptr (GError) err = NULL;
  if (depth > 64)
    {
      if (on_error)
        on_error (dir, "folders nested too deep (symlink loop?)", user_data);
      return;
    }
  g_autoptr (GDir) d = g_dir_open (dir, 0, &err);
  if (!d)
    {
      if (on_error)
        on_error (dir, err->message, user_data);
      return;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *full = g_build_filename (dir, names->pdata[i], NULL);
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (full, G_FILE_TEST_IS_SYMLINK))
            walk (full, out, on_error, user_data, depth + 1);
        }
      else if (is_image_name (names->pdata[i]))
        g_ptr_array_add (out, g_steal_pointer (&full));
    }
}

GPtrArray *
rali_collect_images (char **paths, int n_paths, RaliPathErrorFunc on_error, gpointer user_data)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < n_paths; i++)
    {
      const char *p = paths[i];
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        {
          if (on_error)
            on_error (p, "no such file or folder", user_data);
        }
      else if (g_file_test (p, G_FILE_TEST_IS_DIR) && !is_image_name (p))
        walk (p, out, on_error, user_data, 0);
      else
        /* given explicitly: kept even when it is not a regular file (a
         * directory named x.jpg), so that the decoder names the problem */
        g_ptr_array_add (out, g_strdup (p));
    }
  return out;
}

void
rali_csv_append_field (GString *line, const char *text)
{
  g_autofree char *s = g_utf8_make_valid (text, -1);
  if (!strpbrk (s, ",\"\r\n"))
    {
      g_string_append (line, s);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}
