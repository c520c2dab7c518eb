/* The CLI's path walker (engine/library/files.c, rali_collect_images): the
 * input is a little program that builds a folder tree (folders, image and
 * other files, names with odd bytes, symbolic links to ancestors and to
 * nowhere, unreadable folders), which is then walked.  Every path returned
 * must exist under the tree and name an image; the walk must end. */
#include "fuzz-common.h"
#include "rali.h"

#include <string.h>
#include <unistd.h>

static const char *const exts[] = { ".jpg", ".JPEG", ".png", ".dng", ".txt", "", ".jpg.xmp", ".Nef" };

static void
on_error (const char *path, const char *message, gpointer user_data)
{
  (void) user_data;
  g_assert (path && message && g_utf8_validate (message, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *root = g_build_filename (fuzz_scratch_dir (), "tree", NULL);
  fuzz_remove_tree (root);
  g_mkdir (root, 0700);
  /* a stack of folders: the current one is the top */
  char *stack[16] = { g_strdup (root) };
  int depth = 0;
  for (size_t i = 0; i + 1 < size && i < 256; i += 2)
    {
      uint8_t op = data[i] & 7, arg = data[i + 1];
      char name[16];
      /* a name byte may be any byte but '/' and NUL */
      uint8_t c = arg == '/' || arg == 0 ? 'a' : arg;
      g_snprintf (name, sizeof name, "%c%u%s", c, (unsigned) (i % 7), exts[arg & 7]);
      char *p = g_build_filename (stack[depth], name, NULL);
      switch (op)
        {
        case 0: case 1: /* a file */
          g_file_set_contents (p, "x", 1, NULL);
          break;
        case 2: /* a folder, entered */
          if (g_mkdir (p, 0700) == 0 && depth < 15)
            {
              stack[++depth] = p;
              p = NULL;
            }
          break;
        case 3: /* leave the folder */
          if (depth > 0)
            g_free (stack[depth--]);
          break;
        case 4: /* a link to an ancestor: a loop */
          if (symlink (stack[arg % (depth + 1)], p) != 0)
            break;
          break;
        case 5: /* a dangling link */
          if (symlink ("/nonexistent/x.jpg", p) != 0)
            break;
          break;
        case 6: /* an unreadable folder */
          g_mkdir (p, 0);
          break;
        default: /* a link to a file */
          if (symlink ("/dev/null", p) != 0)
            break;
          break;
        }
      g_free (p);
    }
  for (int k = depth; k >= 0; k--)
    g_free (stack[k]);
  char *paths[1] = { root };
  GPtrArray *files = rali_collect_images (paths, 1, on_error, NULL);
  for (guint k = 0; k < files->len; k++)
    g_assert (g_str_has_prefix (files->pdata[k], root));
  g_ptr_array_unref (files);
  fuzz_remove_tree (root);
  g_free (root);
  return 0;
}
