/* rali-studio's main(), shared by the shipped app (main.c) and the test
 * build that drives it (tests/app-driver/). */
#include "config.h"

#include "rali-studio-main.h"

#include <gexiv2/gexiv2.h>
#include <glib/gi18n.h>
#include <locale.h>
#ifdef __linux__
#include <dirent.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

/* The threads that exist when main() starts were made by library
 * constructors: OpenBLAS's helper, which busy-waits between matrix
 * products.  It inherits the main thread's priority, so while the niced
 * scoring thread (rali-scorer.c) runs a model it takes a whole core at the
 * UI's weight (measured over 15 s of scoring: 12.7 s of CPU for it, 0.3 s
 * for the niced JPEG decoders it starves).  Give it the scoring thread's
 * priority; nothing else runs yet and only the priority changes. */
static void
lower_preexisting_threads (int nice_value)
{
#ifdef __linux__
  DIR *dir = opendir ("/proc/self/task");
  if (!dir)
    return;
  pid_t self = getpid ();
  struct dirent *e;
  while ((e = readdir (dir)))
    {
      char *end;
      long tid = strtol (e->d_name, &end, 10);
      if (*end == '\0' && tid > 0 && tid != self)
        setpriority (PRIO_PROCESS, (id_t) tid, nice_value);
    }
  closedir (dir);
#else
  (void) nice_value;
#endif
}

int
rali_studio_main (int argc, char **argv, RaliStudioPrepareFunc prepare, gpointer user_data)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  lower_preexisting_threads (5); /* the scoring thread's nice value */

  /* before any thread reads EXIF */
  gexiv2_initialize ();

  g_set_application_name (_("Rali Studio"));
  g_autoptr (RaliApplication) app = rali_application_new ();
  if (prepare)
    prepare (app, user_data);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
