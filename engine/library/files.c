/* Expanding command-line paths into a list of image files, the CSV field
 * those lists are exported with, and where our own installed files are. */
#include "rali.h"
#include "image/raw.h"

#include <gio/gio.h>
#include <stdlib.h>
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

char *
rali_locate_file (const char *build_path, const char *from_bindir, const char *install_dir, const char *name,
                  gboolean executable, char **looked)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
#ifdef RALI_BUILD_ROOT
  char *root = realpath (RALI_BUILD_ROOT, NULL);
  g_autofree char *root_slash = root ? g_strconcat (root, G_DIR_SEPARATOR_S, NULL) : NULL;
  free (root);
  if (build_path && exe && root_slash && g_str_has_prefix (exe, root_slash))
    g_ptr_array_add (candidates, g_strdup (build_path));
#else
  (void) build_path;
#endif
  if (exe && from_bindir)
    {
      g_autofree char *exe_dir = g_path_get_dirname (exe);
      g_ptr_array_add (candidates, g_build_filename (exe_dir, from_bindir, name, NULL));
    }
  if (install_dir)
    g_ptr_array_add (candidates, g_build_filename (install_dir, name, NULL));
  char *found = NULL;
  g_autoptr (GString) tried = g_string_new (NULL);
  for (guint i = 0; i < candidates->len; i++)
    {
      const char *c = candidates->pdata[i];
      g_string_append_printf (tried, "%s%s", i ? ", " : "", c);
      if (!found && g_file_test (c, G_FILE_TEST_IS_REGULAR) && (!executable || g_file_test (c, G_FILE_TEST_IS_EXECUTABLE)))
        {
          g_autoptr (GFile) f = g_file_new_for_path (c);
          found = g_file_get_path (f);
        }
    }
  if (looked)
    *looked = g_string_free (g_steal_pointer (&tried), FALSE);
  return found;
}
