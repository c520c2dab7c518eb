/* rali-studio: the GTK 4 app over librali. */
#include "config.h"

#include "rali-application.h"

#include <gexiv2/gexiv2.h>
#include <glib/gi18n.h>
#include <locale.h>

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* before any thread reads EXIF */
  gexiv2_initialize ();

  g_set_application_name (_("Rali Studio"));
  g_autoptr (RaliApplication) app = rali_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
