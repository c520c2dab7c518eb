/* rali-studio-test: rali-studio with its test driver (rali-test-driver.h)
 * attached to the main window, for the app tests under Xvfb.  A test-only
 * executable, so that the shipped rali-studio carries no test hooks: it is
 * the same application (librali-studio + rali_studio_main), made
 * non-unique because tests run many instances side by side, each with its
 * own catalog. */
#include "rali-studio-main.h"
#include "rali-test-driver.h"
#include "rali-window.h"

#include <signal.h>

static RaliTestDriver *driver;

static void
on_window_created (RaliApplication *app, GtkWindow *window, gpointer user_data)
{
  (void) user_data;
  if (!driver)
    driver = rali_test_driver_new (G_APPLICATION (app), RALI_WINDOW (window));
}

/* before the windows go (the default handler runs after this one) */
static void
on_shutdown (GApplication *app, gpointer user_data)
{
  (void) app;
  (void) user_data;
  g_clear_object (&driver);
}

static void
prepare (RaliApplication *app, gpointer user_data)
{
  (void) user_data;
  /* test-app.py disk-full lowers this process's file-size limit to make
   * the disk "full": a write past it should fail as on a full disk
   * (EFBIG/ENOSPC), not kill the process with SIGXFSZ */
  signal (SIGXFSZ, SIG_IGN);
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "window-created", G_CALLBACK (on_window_created), NULL);
  g_signal_connect (app, "shutdown", G_CALLBACK (on_shutdown), NULL);
}

int
main (int argc, char **argv)
{
  return rali_studio_main (argc, argv, prepare, NULL);
}
