/* The gallery's commands for the test driver (rali-test-driver.c:
 * "gallery …"): the score histogram of the filter popover, the badges'
 * rank, and the auto-cull dialog.  Scores are in the model's units.
 *
 *   gallery status               -> {"event":"gallery", histogram: {threshold, high, lower, upper,
 *                                   view, bins, n, mapped, width}, filter_min, filter_max,
 *                                   badges: {name: text of the tiles made}, dialog: null or
 *                                   {preview, apply, options, cut, n_reject, n_pick,
 *                                   plan: [{path, flag, rating, labels}]}}
 *   gallery popup | popdown      -> shows / hides the filter popover (with the histogram)
 *   gallery drag S0 S1 [STEPS]   -> a drag on the popover's histogram from score S0 to S1
 *                                   ("left" for left of the bars), as the pointer's gesture
 *                                   runs it, then status
 *   gallery step N               -> N arrow-key steps on the histogram, then status
 *   gallery dialog lowest|below|none VALUE burst on|off keep on|off
 *                                -> sets the open auto-cull dialog's fields, then status
 *   gallery dialog-drag S        -> a drag on the dialog's histogram to score S, then status
 *   gallery dialog apply|cancel  -> its Apply / Cancel buttons ({"event":"gallery-apply", ok})
 *   gallery screenshot FILE      -> the window, and the open dialog centred on it as a
 *                                   window manager would place it, as one PNG
 *                                   ({"event":"screenshot"}, after a few frames) */
#pragma once

#include <json-glib/json-glib.h>

#include "rali-window.h"

G_BEGIN_DECLS

/* The reply (a JSON object), or NULL when it is written later (screenshot). */
JsonNode *rali_gallery_test_command (RaliWindow *window, const char *args);

G_END_DECLS
