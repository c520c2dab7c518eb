/* RaliApplication: see rali-application.h.
 *
 * HANDLES_COMMAND_LINE: a second `rali-studio FOLDER` forwards its command
 * line to the running instance, which opens FOLDER in its window.  The
 * test build (tests/app-driver/rali-studio-test.c) makes it non-unique and
 * attaches its driver to the window from outside. */
#include "config.h"

#include "rali-application.h"

#include "compare/rali-compare-scorer.h"
#include "rali-preferences.h"
#include "rali-window.h"

#include <glib/gi18n.h>

struct _RaliApplication {
  AdwApplication parent_instance;
  GSettings *settings;
  RaliCatalog *catalog;
  char *catalog_error;
  char *model_override;   /* --model */
  char *backend_override; /* --backend */
};

G_DEFINE_FINAL_TYPE (RaliApplication, rali_application, ADW_TYPE_APPLICATION)

enum { WINDOW_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const GOptionEntry options[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL, N_("Score with this model file (*.rali)"), N_("FILE") },
  { "backend", 'b', 0, G_OPTION_ARG_STRING, NULL, N_("Compute backend: auto, cpu or vulkan"), N_("BACKEND") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[FOLDER|FILE…]") },
  G_OPTION_ENTRY_NULL,
};

GSettings *
rali_application_get_settings (RaliApplication *self)
{
  return self->settings;
}

RaliCatalog *
rali_application_get_catalog (RaliApplication *self)
{
  return self->catalog;
}

const char *
rali_application_get_catalog_error (RaliApplication *self)
{
  return self->catalog_error;
}

char *
rali_application_dup_model_path (RaliApplication *self, GError **error)
{
  if (self->model_override)
    return g_strdup (self->model_override);
  g_autofree char *chosen = g_settings_get_string (self->settings, "model-path");
  if (*chosen)
    return g_steal_pointer (&chosen);
  return rali_default_model_path (error);
}

RaliApplication *
rali_application_of_widget (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  return RALI_IS_APPLICATION (app) ? RALI_APPLICATION (app) : NULL;
}

RaliBackendKind
rali_application_get_backend (RaliApplication *self)
{
  RaliBackendKind kind = RALI_BACKEND_AUTO;
  g_autofree char *setting = g_settings_get_string (self->settings, "backend");
  if (!rali_backend_kind_from_string (self->backend_override ? self->backend_override : setting, &kind, NULL))
    kind = RALI_BACKEND_AUTO;
  return kind;
}

static RaliWindow *
ensure_window (RaliApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window)
    return RALI_WINDOW (window);
  RaliWindow *w = rali_window_new (self);
  g_signal_emit (self, signals[WINDOW_CREATED], 0, w);
  return w;
}

static gint
rali_application_handle_local_options (GApplication *app, GVariantDict *opts)
{
  (void) app;
  if (g_variant_dict_contains (opts, "version"))
    {
      g_print ("rali-studio %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* an uninstalled build without GSETTINGS_SCHEMA_DIR would abort in
   * g_settings_new(): say what to do instead */
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  if (!schema)
    {
      g_printerr ("rali-studio: the GSettings schema %s is not installed; install the app, or run it "
                  "uninstalled with `meson devenv -C BUILDDIR rali-studio`\n", APP_ID);
      return 1;
    }
  const char *backend = NULL;
  if (g_variant_dict_lookup (opts, "backend", "&s", &backend))
    {
      RaliBackendKind kind;
      g_autoptr (GError) error = NULL;
      if (!rali_backend_kind_from_string (backend, &kind, &error))
        {
          g_printerr ("rali-studio: %s\n", error->message);
          return 1;
        }
    }
  return -1; /* go on: forwarded to the primary instance */
}

static int
rali_application_command_line (GApplication *app, GApplicationCommandLine *cmdline)
{
  RaliApplication *self = RALI_APPLICATION (app);
  GVariantDict *opts = g_application_command_line_get_options_dict (cmdline);
  const char *model = NULL, *backend = NULL;
  if (g_variant_dict_lookup (opts, "model", "^&ay", &model))
    {
      g_autoptr (GFile) f = g_application_command_line_create_file_for_arg (cmdline, model);
      g_free (self->model_override);
      self->model_override = g_file_get_path (f);
    }
  if (g_variant_dict_lookup (opts, "backend", "&s", &backend))
    {
      g_free (self->backend_override);
      self->backend_override = g_strdup (backend);
    }
  g_autofree const char **args = NULL;
  g_variant_dict_lookup (opts, G_OPTION_REMAINING, "^a&ay", &args);

  RaliWindow *window = ensure_window (self);
  gtk_window_present (GTK_WINDOW (window));
  if (args && args[0])
    {
      g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
      for (int i = 0; args[i]; i++)
        g_ptr_array_add (files, g_application_command_line_create_file_for_arg (cmdline, args[i]));
      rali_window_open (window, (GFile **) files->pdata, files->len);
    }
  else if (model || backend)
    rali_window_rescore (window);
  return 0;
}

static void
action_preferences (GSimpleAction *action, GVariant *param, gpointer data)
{
  RaliApplication *self = data;
  (void) action;
  (void) param;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autofree char *model = rali_application_dup_model_path (self, NULL);
  gtk_window_present (GTK_WINDOW (rali_preferences_new (parent, self->settings, model)));
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer data)
{
  RaliApplication *self = data;
  (void) action;
  (void) param;
  static const char *developers[] = { "The Rali Studio developers", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  adw_show_about_window (parent,
                         "application-name", _("Rali Studio"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Image quality scores with the reasons behind them, "
                                       "computed locally with RALI (reasoning as representation)."),
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer data)
{
  (void) action;
  (void) param;
  GApplication *app = data;
  /* close windows properly (they save their state and stop their scorer) */
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  while (windows)
    {
      GtkWindow *w = windows->data;
      windows = windows->next;
      gtk_window_close (w);
    }
  g_application_quit (app);
}

static void
rali_application_startup (GApplication *app)
{
  RaliApplication *self = RALI_APPLICATION (app);
  G_APPLICATION_CLASS (rali_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  self->catalog = rali_catalog_open (NULL, &error);
  if (!self->catalog)
    {
      g_warning ("%s", error->message);
      self->catalog_error = g_strdup (error->message);
    }

  static const GActionEntry entries[] = {
    { "preferences", action_preferences, NULL, NULL, NULL, { 0 } },
    { "about", action_about, NULL, NULL, NULL, { 0 } },
    { "quit", action_quit, NULL, NULL, NULL, { 0 } },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  static const struct { const char *action; const char *accels[2]; } accels[] = {
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.quit", { "<Control>q", NULL } },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
rali_application_shutdown (GApplication *app)
{
  RaliApplication *self = RALI_APPLICATION (app);
  /* windows (and their scorers, which write to the catalog) go first */
  G_APPLICATION_CLASS (rali_application_parent_class)->shutdown (app);
  rali_compare_scorer_shutdown (); /* its worker reads the catalog */
  g_clear_pointer (&self->catalog, rali_catalog_close);
}

static void
rali_application_finalize (GObject *object)
{
  RaliApplication *self = RALI_APPLICATION (object);
  g_clear_object (&self->settings);
  g_free (self->catalog_error);
  g_free (self->model_override);
  g_free (self->backend_override);
  G_OBJECT_CLASS (rali_application_parent_class)->finalize (object);
}

static void
rali_application_class_init (RaliApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  object_class->finalize = rali_application_finalize;
  app_class->startup = rali_application_startup;
  app_class->shutdown = rali_application_shutdown;
  app_class->command_line = rali_application_command_line;
  app_class->handle_local_options = rali_application_handle_local_options;

  /* the main window, once built (GtkApplication::window-added comes while
   * it is still being constructed); the test build attaches its driver */
  signals[WINDOW_CREATED] = g_signal_new ("window-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, GTK_TYPE_WINDOW);
}

static void
rali_application_init (RaliApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Score photos for quality and show why, with RALI."));
}

RaliApplication *
rali_application_new (void)
{
  return g_object_new (RALI_TYPE_APPLICATION, "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/org/ralistudio/RaliStudio", NULL);
}
