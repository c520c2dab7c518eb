/* RaliPhotoSet: what opening some files and folders found, collected off
 * the main thread (folders walked by rali_collect_images, gallery items
 * made there too). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GPtrArray *items;  /* RaliGalleryItem, in the order found */
  GPtrArray *errors; /* char *: "PATH: why", for paths that could not be opened */
  char *title;       /* the folder's name, the one photo's name, or "N Photos" */
  char *folder;      /* the folder when exactly one was opened, else NULL */
} RaliPhotoSet;

void rali_photo_set_free (RaliPhotoSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliPhotoSet, rali_photo_set_free)

void          rali_photo_set_collect_async  (GFile **files, guint n_files, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
RaliPhotoSet *rali_photo_set_collect_finish (GAsyncResult *result, GError **error);

G_END_DECLS
