/* RaliWindow, part: where photos come from: the open button's folder
 * chooser and files or folders dropped on the window (see
 * rali-window-private.h); rali_window_open collects them off the main
 * thread. */
#include "config.h"

#include "rali-window-private.h"

#include <glib/gi18n.h>

static void
on_collected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  (void) source;
  g_autoptr (RaliWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RaliPhotoSet) set = rali_photo_set_collect_finish (result, &error);
  if (!set)
    return; /* cancelled: a newer open replaced this one */
  g_clear_object (&self->collecting);

  rali_window_show_photo_set (self, set);
}

void
rali_window_open (RaliWindow *self, GFile **files, guint n_files)
{
  g_return_if_fail (RALI_IS_WINDOW (self));
  if (self->collecting)
    g_cancellable_cancel (self->collecting);
  g_clear_object (&self->collecting);
  self->collecting = g_cancellable_new ();
  rali_photo_set_collect_async (files, n_files, self->collecting, on_collected, g_object_ref (self));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, RaliWindow *self)
{
  (void) x;
  (void) y;
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  /* a tile dragged inside the window (to the compare view) opens nothing */
  GdkDrop *drop = gtk_drop_target_get_current_drop (target);
  if (drop && gdk_drop_get_drag (drop))
    return FALSE;
  GSList *list = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (GSList *l = list; l; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  if (files->len == 0)
    return FALSE;
  rali_window_open (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, RaliWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (folder)
        rali_window_open (self, &folder, 1);
    }
  g_clear_object (&self->chooser);
}



/* win.open (Ctrl+O) */
void
rali_window_action_open (GtkWidget *widget, const char *name, GVariant *param)
{
  RaliWindow *self = RALI_WINDOW (widget);
  (void) name;
  (void) param;
  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Open a Folder of Photos"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), NULL);
  g_autofree char *last = g_settings_get_string (self->settings, "last-folder");
  if (*last)
    {
      g_autoptr (GFile) dir = g_file_new_for_path (last);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), dir, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

void
rali_window_open_init (RaliWindow *self)
{
  self->drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}

void
rali_window_open_dispose (RaliWindow *self)
{
  if (self->collecting)
    g_cancellable_cancel (self->collecting);
  g_clear_object (&self->collecting);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}
