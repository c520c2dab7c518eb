/* RaliPhotoSet: see rali-photo-set.h. */
#include "config.h"

#include "rali-photo-set.h"

#include "rali-gallery-item.h"
#include "rali.h"

#include <glib/gi18n.h>

void
rali_photo_set_free (RaliPhotoSet *set)
{
  if (!set)
    return;
  g_clear_pointer (&set->items, g_ptr_array_unref);
  g_clear_pointer (&set->errors, g_ptr_array_unref);
  g_free (set->title);
  g_free (set->folder);
  g_free (set);
}

typedef struct {
  GPtrArray *paths; /* what was asked for */
  GPtrArray *errors;
} Request;

static void
request_free (Request *r)
{
  g_ptr_array_unref (r->paths);
  g_clear_pointer (&r->errors, g_ptr_array_unref);
  g_free (r);
}

static void
on_collect_error (const char *path, const char *message, gpointer user_data)
{
  Request *r = user_data;
  g_ptr_array_add (r->errors, g_strdup_printf ("%s: %s", path, message));
}

static void
collect_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  (void) source;
  Request *r = task_data;
  g_autoptr (GPtrArray) images = rali_collect_images ((char **) r->paths->pdata, (int) r->paths->len,
                                                      on_collect_error, r);
  if (g_task_return_error_if_cancelled (task))
    return;
  RaliPhotoSet *set = g_new0 (RaliPhotoSet, 1);
  /* new objects no other thread sees yet; their collation keys are not free */
  set->items = g_ptr_array_new_full (images->len, g_object_unref);
  for (guint i = 0; i < images->len && !g_cancellable_is_cancelled (cancellable); i++)
    g_ptr_array_add (set->items, rali_gallery_item_new (images->pdata[i]));
  set->errors = g_steal_pointer (&r->errors);
  if (r->paths->len == 1 && g_file_test (r->paths->pdata[0], G_FILE_TEST_IS_DIR))
    {
      set->folder = g_strdup (r->paths->pdata[0]);
      set->title = g_filename_display_basename (set->folder);
    }
  else if (images->len == 1)
    set->title = g_filename_display_basename (images->pdata[0]);
  else
    set->title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Photo", "%u Photos", images->len),
                                  images->len);
  g_task_return_pointer (task, set, (GDestroyNotify) rali_photo_set_free);
}

void
rali_photo_set_collect_async (GFile **files, guint n_files, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  Request *r = g_new0 (Request, 1);
  r->paths = g_ptr_array_new_with_free_func (g_free);
  r->errors = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);
      if (path)
        g_ptr_array_add (r->paths, path);
      else
        {
          g_autofree char *uri = g_file_get_uri (files[i]);
          g_ptr_array_add (r->errors, g_strdup_printf (_("%s: not a local file"), uri));
        }
    }
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rali_photo_set_collect_async);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, collect_thread);
}

RaliPhotoSet *
rali_photo_set_collect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
