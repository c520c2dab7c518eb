/* RaliLatencyProbe: see rali-latency-probe.h. */
#include "config.h"

#include "rali-latency-probe.h"

#include "rali-test-json.h"

#include <time.h>

#define PROBE_MS 10
#define LOG_OVER_US 16000
#define LOG_MAX 512 /* gaps kept; the counters go on past it */

typedef struct {
  gint64 start, gap, cpu; /* µs; start relative to the reset */
} Gap;

struct _RaliLatencyProbe {
  GtkWidget *window; /* weak */
  guint timeout_id, tick_id;
  gint64 t_reset;
  gint64 last, cpu_last, max_gap, max_cpu;
  guint64 ticks, over_16, over_50;
  gint64 frame_last, frame_max_gap;
  guint64 frames;
  int frames_to_settle; /* > 0 while a newly shown folder is being drawn */
  gint64 t_settled;     /* -1: not yet */
  GArray *gaps;
};

/* CPU time of the calling (main) thread, µs */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
on_timeout (gpointer data)
{
  RaliLatencyProbe *p = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  if (p->last)
    {
      gint64 gap = now - p->last;
      p->max_gap = MAX (p->max_gap, gap);
      p->max_cpu = MAX (p->max_cpu, cpu - p->cpu_last);
      p->over_16 += gap > 16000;
      p->over_50 += gap > 50000;
      if (gap > LOG_OVER_US && p->gaps->len < LOG_MAX)
        {
          Gap g = { p->last - p->t_reset, gap, cpu - p->cpu_last };
          g_array_append_val (p->gaps, g);
        }
    }
  p->last = now;
  p->cpu_last = cpu;
  p->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_frame (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  RaliLatencyProbe *p = data;
  (void) widget;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  if (p->frame_last)
    p->frame_max_gap = MAX (p->frame_max_gap, now - p->frame_last);
  p->frame_last = now;
  p->frames++;
  /* a tick comes before its frame's layout and paint: the folder's first
   * frame is done when the tick after it arrives */
  if (p->frames_to_settle > 0 && --p->frames_to_settle == 0)
    p->t_settled = g_get_monotonic_time () - p->t_reset;
  return G_SOURCE_CONTINUE;
}

RaliLatencyProbe *
rali_latency_probe_new (GtkWidget *window)
{
  RaliLatencyProbe *p = g_new0 (RaliLatencyProbe, 1);
  p->gaps = g_array_new (FALSE, FALSE, sizeof (Gap));
  p->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &p->window);
  rali_latency_probe_reset (p);
  p->timeout_id = g_timeout_add (PROBE_MS, on_timeout, p);
  p->tick_id = gtk_widget_add_tick_callback (window, on_frame, p, NULL);
  return p;
}

void
rali_latency_probe_free (RaliLatencyProbe *p)
{
  if (!p)
    return;
  g_clear_handle_id (&p->timeout_id, g_source_remove);
  if (p->window)
    {
      gtk_widget_remove_tick_callback (p->window, p->tick_id);
      g_object_remove_weak_pointer (G_OBJECT (p->window), (gpointer *) &p->window);
    }
  g_array_unref (p->gaps);
  g_free (p);
}

void
rali_latency_probe_reset (RaliLatencyProbe *p)
{
  p->t_reset = g_get_monotonic_time ();
  p->last = p->frame_last = 0;
  p->max_gap = p->frame_max_gap = p->max_cpu = 0;
  p->ticks = p->over_16 = p->over_50 = p->frames = 0;
  p->frames_to_settle = 0;
  p->t_settled = -1;
  g_array_set_size (p->gaps, 0);
}

void
rali_latency_probe_mark_opened (RaliLatencyProbe *p)
{
  p->frames_to_settle = 2;
  p->t_settled = -1;
}

void
rali_latency_probe_add_json (RaliLatencyProbe *p, JsonBuilder *b)
{
  member_double (b, "max_gap_ms", p->max_gap / 1000.0);
  member_double (b, "max_main_cpu_in_gap_ms", p->max_cpu / 1000.0);
  member_int (b, "ticks", (gint64) p->ticks);
  member_int (b, "over_16ms", (gint64) p->over_16);
  member_int (b, "over_50ms", (gint64) p->over_50);
  member_double (b, "max_frame_gap_ms", p->frame_max_gap / 1000.0);
  member_int (b, "frames", (gint64) p->frames);
  member_double (b, "settled_ms", p->t_settled < 0 ? NAN : p->t_settled / 1000.0);
  /* [start_ms, gap_ms, main_cpu_ms] of each gap over 16 ms */
  json_builder_set_member_name (b, "gaps");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->gaps->len; i++)
    {
      const Gap *g = &g_array_index (p->gaps, Gap, i);
      json_builder_begin_array (b);
      json_builder_add_double_value (b, g->start / 1000.0);
      json_builder_add_double_value (b, g->gap / 1000.0);
      json_builder_add_double_value (b, g->cpu / 1000.0);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}
