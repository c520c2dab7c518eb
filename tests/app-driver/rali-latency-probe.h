/* RaliLatencyProbe: how long the main loop goes without running, for the
 * test driver's benchmarks (issue 5: "the main thread never stalls").
 *
 * A 10 ms timeout measures the gap between its runs (a stall shows as a
 * gap well over 10 ms) together with the main thread's CPU time within it
 * (a long gap with little CPU means the OS ran other threads); a tick
 * callback on the window measures the gap between frames.  Gaps over 16 ms
 * are logged with when they started, so a benchmark can tell the one-off
 * cost of showing a folder (creating, laying out and painting the first
 * tiles) from stalls while scoring runs. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _RaliLatencyProbe RaliLatencyProbe;

RaliLatencyProbe *rali_latency_probe_new   (GtkWidget *window);
void              rali_latency_probe_free  (RaliLatencyProbe *probe);
void              rali_latency_probe_reset (RaliLatencyProbe *probe);
/* a folder was just shown: the next two frames are its first layout and
 * paint; "settled" is the start of the frame after them */
void              rali_latency_probe_mark_opened (RaliLatencyProbe *probe);
/* adds the members of the "probe" object (times in ms since the reset) */
void              rali_latency_probe_add_json (RaliLatencyProbe *probe, JsonBuilder *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliLatencyProbe, rali_latency_probe_free)

G_END_DECLS
