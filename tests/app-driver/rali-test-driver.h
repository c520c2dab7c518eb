/* RaliTestDriver: the app's test hook, attached to the main window by the
 * test build rali-studio-test (rali-studio-test.c), never by the shipped
 * rali-studio.  It reads one command per line on stdin and writes one JSON
 * object per line on stdout:
 *
 *   status                    -> {"event":"status", title, page, counts, errors, probe…}
 *   open PATH…                -> opens as the command line does
 *   drop PATH…                -> emits "drop" on the window's GtkDropTarget
 *                                with a GdkFileList, as a real drop does
 *   detail POSITION           -> opens the detail view of the POSITIONth shown photo
 *   action NAME [GVARIANT]    -> activates a widget action (detail.zoom-in, win.back,
 *                                cull.rate 3…)
 *   key NAME [ctrl|shift]     -> a key press for the culling keys (p, x, u, 0…9, c, b,
 *                                z ctrl, X shift) in the focused view ({"event":"key", handled})
 *   select POS…               -> selects these shown photos, focuses the gallery
 *   compare-open              -> the compare page, both slots empty
 *   compare-drop SLOT PATH    -> a file dropped on compare slot 0 or 1 (as from outside)
 *   decision-filter INDEX     -> the decision filter's row (0 all, 1 picked, 2 rejected,
 *                                3 unflagged, 4–8 one to five stars or more)
 *   map SUBCOMMAND…           -> the embedding map (see rali-map-test.h); "action
 *                                win.map" shows and hides it
 *   why SUBCOMMAND…           -> the detail view's summary, evidence, Details, quality map,
 *                                focus peaking and histogram (see rali-detail-test.h)
 *   gallery SUBCOMMAND…       -> the score histogram, rank badges and the auto-cull
 *                                dialog (see rali-gallery-test.h); "action win.auto-cull"
 *                                opens the dialog
 *   search TEXT | range LO HI | sort KEY
 *   browse on|off             -> scrolls the gallery every 16 ms, like a user browsing
 *   probe-reset               -> restarts the main-loop latency probe
 *   screenshot FILE           -> renders the window to a PNG ({"event":"screenshot"})
 *   quit
 *
 * Unprompted events: "ready", "opened", "first-score", "finished".
 * The latency probe is a 10 ms timer on the main loop: any gap well over
 * 10 ms between its runs is time the main thread was busy (a stall). */
#pragma once

#include <gio/gio.h>

#include "rali-window.h"

G_BEGIN_DECLS

#define RALI_TYPE_TEST_DRIVER (rali_test_driver_get_type ())
G_DECLARE_FINAL_TYPE (RaliTestDriver, rali_test_driver, RALI, TEST_DRIVER, GObject)

RaliTestDriver *rali_test_driver_new (GApplication *application, RaliWindow *window);

G_END_DECLS
