/* RaliPreferences: see rali-preferences.h.  Widgets are bound to GSettings;
 * the window reacts to the settings, not to this dialog. */
#include "config.h"

#include "rali-preferences.h"

#include "rali.h"

#include <glib/gi18n.h>

struct _RaliPreferences {
  AdwPreferencesWindow parent_instance;
  AdwComboRow *backend_row;
  AdwActionRow *vulkan_row;
  AdwActionRow *model_row;
  GtkButton *model_reset;
  GtkButton *model_choose;
  GtkSpinButton *top_k_spin;
  GtkSpinButton *thumb_spin;
  AdwComboRow *sidecar_row;
  GtkSwitch *reject_other_switch;
  GtkSpinButton *burst_seconds_spin;
  GtkSpinButton *burst_similarity_spin;

  GSettings *settings;
  char *model_path;
  GCancellable *probe;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (RaliPreferences, rali_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static const char *const backends[] = { "auto", "cpu", "vulkan", NULL };
/* the "sidecar-style" choices, in the combo row's order */
static const char *const sidecar_styles[] = { "appended", "replaced", NULL };

/* a string setting <-> the index of a combo row; user_data: the
 * NULL-terminated choices in the row's order */
static gboolean
choice_to_index (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *choices = user_data;
  const char *s = g_variant_get_string (variant, NULL);
  for (guint i = 0; choices[i]; i++)
    if (g_str_equal (s, choices[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_choice (const GValue *value, const GVariantType *type, gpointer user_data)
{
  (void) type;
  const char *const *choices = user_data;
  guint i = g_value_get_uint (value);
  return i < g_strv_length ((char **) choices) ? g_variant_new_string (choices[i]) : NULL;
}

static void
update_model_row (RaliPreferences *self)
{
  g_autofree char *chosen = g_settings_get_string (self->settings, "model-path");
  if (*chosen)
    {
      adw_action_row_set_subtitle (self->model_row, chosen);
      gtk_widget_set_sensitive (GTK_WIDGET (self->model_reset), TRUE);
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *def = rali_default_model_path (&error);
  g_autofree char *text = def ? g_strdup_printf (_("Default: %s"), def)
                              : g_strdup (_("Default model — none is installed"));
  adw_action_row_set_subtitle (self->model_row, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->model_reset), FALSE);
}

static void
on_settings_changed (GSettings *settings, const char *key, RaliPreferences *self)
{
  (void) settings;
  if (g_str_equal (key, "model-path"))
    update_model_row (self);
}

/* Worker thread: is there a Vulkan device that runs this model? */
static void
probe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  const char *path = task_data;
  GError *error = NULL;
  RaliModel *model = rali_model_open (path, &error);
  RaliEngine *engine = model ? rali_engine_new (model, RALI_BACKEND_VULKAN, &error) : NULL;
  if (engine)
    g_task_return_pointer (task, g_strdup (rali_engine_backend_description (engine)), g_free);
  else
    g_task_return_error (task, error);
  rali_engine_free (engine);
  rali_model_free (model);
}

static void
on_probe (GObject *source, GAsyncResult *result, gpointer user_data)
{
  (void) source;
  g_autoptr (GError) error = NULL;
  g_autofree char *device = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RaliPreferences *self = user_data;
  if (device)
    {
      /* the backend and its device: "vulkan: <device name>, <type>, <driver>, ..." */
      g_autofree char *text = g_strdup_printf (_("Works with this model — %s"), device);
      adw_action_row_set_subtitle (self->vulkan_row, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("None usable: %s"), error->message);
      adw_action_row_set_subtitle (self->vulkan_row, text);
    }
}

static void
start_probe (RaliPreferences *self)
{
  if (!self->model_path)
    {
      adw_action_row_set_subtitle (self->vulkan_row, _("Unknown until a model is loaded"));
      return;
    }
  adw_action_row_set_subtitle (self->vulkan_row, _("Looking for a device…"));
  self->probe = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (NULL, self->probe, on_probe, self);
  g_task_set_task_data (task, g_strdup (self->model_path), g_free);
  g_task_run_in_thread (task, probe_thread);
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, RaliPreferences *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        g_settings_set_string (self->settings, "model-path", path);
    }
  g_clear_object (&self->chooser);
}

static void
on_model_choose (GtkButton *button, RaliPreferences *self)
{
  (void) button;
  self->chooser = gtk_file_chooser_native_new (_("Choose a Model File"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Use Model"), NULL);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("RALI models (*.rali)"));
  gtk_file_filter_add_pattern (filter, "*.rali");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_model_reset (GtkButton *button, RaliPreferences *self)
{
  (void) button;
  g_settings_reset (self->settings, "model-path");
}

static void
rali_preferences_dispose (GObject *object)
{
  RaliPreferences *self = RALI_PREFERENCES (object);
  if (self->probe)
    g_cancellable_cancel (self->probe);
  g_clear_object (&self->probe);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->model_path, g_free);
  G_OBJECT_CLASS (rali_preferences_parent_class)->dispose (object);
}

static void
rali_preferences_class_init (RaliPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_preferences_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/rali-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, backend_row);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, vulkan_row);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, model_row);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, model_reset);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, model_choose);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, top_k_spin);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, thumb_spin);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, sidecar_row);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, reject_other_switch);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, burst_seconds_spin);
  gtk_widget_class_bind_template_child (widget_class, RaliPreferences, burst_similarity_spin);
}

static void
rali_preferences_init (RaliPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->model_choose, "clicked", G_CALLBACK (on_model_choose), self);
  g_signal_connect (self->model_reset, "clicked", G_CALLBACK (on_model_reset), self);
}

GtkWidget *
rali_preferences_new (GtkWindow *parent, GSettings *settings, const char *model_path)
{
  RaliPreferences *self = g_object_new (RALI_TYPE_PREFERENCES, "transient-for", parent, "modal", TRUE, NULL);
  self->settings = g_object_ref (settings);
  self->model_path = g_strdup (model_path);
  g_settings_bind_with_mapping (settings, "backend", self->backend_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_index, index_to_choice, (gpointer) backends, NULL);
  g_settings_bind (settings, "top-k", self->top_k_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "thumbnail-size", self->thumb_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "sidecar-style", self->sidecar_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_index, index_to_choice, (gpointer) sidecar_styles, NULL);
  g_settings_bind (settings, "compare-reject-other", self->reject_other_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "burst-seconds", self->burst_seconds_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "burst-similarity", self->burst_similarity_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed), self);
  update_model_row (self);
  start_probe (self);
  return GTK_WIDGET (self);
}
