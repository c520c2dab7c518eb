/* RaliScoringProgress: see rali-scoring-progress.h.  Cancel activates
 * win.cancel, so the window decides what cancelling means. */
#include "config.h"

#include "rali-scoring-progress.h"

#include <glib/gi18n.h>

struct _RaliScoringProgress {
  GtkWidget parent_instance;
  GtkProgressBar *bar;
  GtkLabel *label;
};

G_DEFINE_FINAL_TYPE (RaliScoringProgress, rali_scoring_progress, GTK_TYPE_WIDGET)

char *
rali_format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);
  if (s < 60)
    return g_strdup_printf (_("%d s"), s);
  if (s < 3600)
    return g_strdup_printf (_("%d min %02d s"), s / 60, s % 60);
  return g_strdup_printf (_("%d h %02d min"), s / 3600, (s / 60) % 60);
}

void
rali_scoring_progress_update (RaliScoringProgress *self, RaliScorer *scorer)
{
  g_return_if_fail (RALI_IS_SCORING_PROGRESS (self));
  guint total = rali_scorer_get_total (scorer), done = rali_scorer_get_done (scorer);
  gtk_progress_bar_set_fraction (self->bar, total ? (double) done / total : 0);
  g_autofree char *count = g_strdup_printf (_("%u / %u scored"), done, total);
  gtk_progress_bar_set_text (self->bar, count);
  double rate = rali_scorer_get_rate (scorer);
  g_autofree char *detail = NULL;
  if (rate > 0 && done < total)
    {
      g_autofree char *left = rali_format_duration ((total - done) / rate);
      detail = g_strdup_printf (_("%.1f images/s · %s left"), rate, left);
    }
  else if (rate > 0)
    detail = g_strdup_printf (_("%.1f images/s"), rate);
  else
    detail = g_strdup (rali_scorer_is_running (scorer) ? _("Starting…") : "");
  gtk_label_set_text (self->label, detail);
}

static void
rali_scoring_progress_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), RALI_TYPE_SCORING_PROGRESS);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (rali_scoring_progress_parent_class)->dispose (object);
}

static void
rali_scoring_progress_class_init (RaliScoringProgressClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = rali_scoring_progress_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/gallery/rali-scoring-progress.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliScoringProgress, bar);
  gtk_widget_class_bind_template_child (widget_class, RaliScoringProgress, label);
  gtk_widget_class_set_css_name (widget_class, "raliscoringprogress");
}

static void
rali_scoring_progress_init (RaliScoringProgress *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
