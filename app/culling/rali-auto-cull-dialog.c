/* RaliAutoCullDialog: see rali-auto-cull-dialog.h. */
#include "config.h"

#include "rali-auto-cull-dialog.h"

#include <glib/gi18n.h>
#include <math.h>

struct _RaliAutoCullDialog {
  AdwWindow parent_instance;

  /* template */
  RaliScoreHistogram *histogram;
  GtkCheckButton *lowest_check;
  GtkCheckButton *below_check;
  GtkCheckButton *none_check;
  GtkAdjustment *percent_adjustment;
  GtkAdjustment *score_adjustment;
  GtkSwitch *burst_switch;
  GtkSwitch *keep_switch;
  GtkLabel *preview_label;
  GtkLabel *detail_label;
  GtkWidget *apply_button;

  RaliGalleryModel *model;
  RaliCulling *culling;
  double lower, upper;
  RaliAutoCullPlan *plan;
  gboolean updating; /* the histogram is being set from the plan */
};

G_DEFINE_FINAL_TYPE (RaliAutoCullDialog, rali_auto_cull_dialog, ADW_TYPE_WINDOW)

void
rali_auto_cull_dialog_get_options (RaliAutoCullDialog *self, RaliAutoCullOptions *o)
{
  o->reject = gtk_check_button_get_active (self->lowest_check) ? RALI_AUTO_CULL_REJECT_LOWEST
            : gtk_check_button_get_active (self->below_check) ? RALI_AUTO_CULL_REJECT_BELOW
            : RALI_AUTO_CULL_REJECT_NONE;
  o->percent = gtk_adjustment_get_value (self->percent_adjustment);
  o->score = gtk_adjustment_get_value (self->score_adjustment);
  o->burst_best = gtk_switch_get_active (self->burst_switch);
  o->keep_flagged = gtk_switch_get_active (self->keep_switch);
}

/* the plan for the options and scores now, and what the dialog says of it */
static void
update (RaliAutoCullDialog *self)
{
  RaliAutoCullOptions o;
  rali_auto_cull_dialog_get_options (self, &o);
  g_clear_pointer (&self->plan, rali_auto_cull_plan_free);
  self->plan = rali_auto_cull_plan_new (rali_gallery_model_get_all (self->model), &o);
  const RaliAutoCullPlan *p = self->plan;

  g_autofree char *reject = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo", "%u photos", p->n_reject),
                                             p->n_reject);
  g_autofree char *pick = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo", "%u photos", p->n_pick),
                                           p->n_pick);
  g_autofree char *preview = NULL;
  if (p->items->len == 0)
    preview = g_strdup (_("Nothing to change"));
  else
    /* TRANSLATORS: "Will reject 23 photos and pick 5 photos" */
    preview = g_strdup_printf (_("Will reject %s and pick %s"), reject, pick);
  gtk_label_set_text (self->preview_label, preview);

  g_autoptr (GString) detail = g_string_new (NULL);
  g_string_append_printf (detail, g_dngettext (GETTEXT_PACKAGE, "Of %u scored photo in this folder.",
                                               "Of %u scored photos in this folder.", p->n_scored), p->n_scored);
  if (p->n_unscored)
    {
      g_string_append_c (detail, ' ');
      g_string_append_printf (detail, g_dngettext (GETTEXT_PACKAGE, "%u photo without a score is left as it is.",
                                                   "%u photos without a score are left as they are.",
                                                   p->n_unscored), p->n_unscored);
    }
  if (p->items->len)
    {
      g_string_append_c (detail, ' ');
      g_string_append (detail, _("Ctrl+Z undoes it all."));
    }
  gtk_label_set_text (self->detail_label, detail->str);
  gtk_widget_set_sensitive (self->apply_button, p->items->len > 0);

  /* the histogram shows the cut the score rule makes */
  self->updating = TRUE;
  rali_score_histogram_set_threshold (self->histogram, isfinite (p->cut) ? p->cut : self->lower);
  self->updating = FALSE;
}

static void
on_changed (RaliAutoCullDialog *self)
{
  update (self);
}

/* a drag on the histogram means "below this score" */
static void
on_threshold (RaliScoreHistogram *histogram, GParamSpec *pspec, RaliAutoCullDialog *self)
{
  (void) pspec;
  if (self->updating)
    return;
  double t = rali_score_histogram_get_threshold (histogram);
  if (t <= self->lower)
    {
      gtk_check_button_set_active (self->none_check, TRUE);
      return;
    }
  gtk_adjustment_set_value (self->score_adjustment, t);
  gtk_check_button_set_active (self->below_check, TRUE);
  update (self);
}

void
rali_auto_cull_dialog_set_options (RaliAutoCullDialog *self, const RaliAutoCullOptions *o)
{
  g_return_if_fail (RALI_IS_AUTO_CULL_DIALOG (self));
  gtk_adjustment_set_value (self->percent_adjustment, o->percent);
  gtk_adjustment_set_value (self->score_adjustment, o->score);
  gtk_switch_set_active (self->burst_switch, o->burst_best);
  gtk_switch_set_active (self->keep_switch, o->keep_flagged);
  gtk_check_button_set_active (o->reject == RALI_AUTO_CULL_REJECT_LOWEST ? self->lowest_check
                               : o->reject == RALI_AUTO_CULL_REJECT_BELOW ? self->below_check
                               : self->none_check, TRUE);
  update (self);
}

const RaliAutoCullPlan *
rali_auto_cull_dialog_get_plan (RaliAutoCullDialog *self)
{
  return self->plan;
}

const char *
rali_auto_cull_dialog_get_preview (RaliAutoCullDialog *self)
{
  return gtk_label_get_text (self->preview_label);
}

RaliScoreHistogram *
rali_auto_cull_dialog_get_histogram (RaliAutoCullDialog *self)
{
  return self->histogram;
}

gboolean
rali_auto_cull_dialog_apply (RaliAutoCullDialog *self)
{
  g_return_val_if_fail (RALI_IS_AUTO_CULL_DIALOG (self), FALSE);
  if (!gtk_widget_get_sensitive (self->apply_button) || !self->plan || self->plan->items->len == 0)
    return FALSE;
  /* exactly what the preview said: the plan it was made from */
  const RaliAutoCullPlan *p = self->plan;
  rali_culling_set (self->culling, p->items, p->decisions);
  /* TRANSLATORS: a toast after auto-cull: photos rejected, photos picked */
  g_autofree char *text = g_strdup_printf (_("Auto-cull: %u rejected, %u picked (Ctrl+Z undoes it)"),
                                           p->n_reject, p->n_pick);
  g_signal_emit_by_name (self->culling, "message", text);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
on_apply (GtkButton *button, RaliAutoCullDialog *self)
{
  (void) button;
  rali_auto_cull_dialog_apply (self);
}

static void
on_stats_changed (RaliScoreStats *stats, RaliAutoCullDialog *self)
{
  (void) stats;
  update (self);
}

static void
rali_auto_cull_dialog_dispose (GObject *object)
{
  RaliAutoCullDialog *self = RALI_AUTO_CULL_DIALOG (object);
  if (self->model)
    g_signal_handlers_disconnect_by_data (rali_gallery_model_get_stats (self->model), self);
  g_clear_pointer (&self->plan, rali_auto_cull_plan_free);
  g_clear_object (&self->model);
  g_clear_object (&self->culling);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_AUTO_CULL_DIALOG);
  G_OBJECT_CLASS (rali_auto_cull_dialog_parent_class)->dispose (object);
}

static void
rali_auto_cull_dialog_class_init (RaliAutoCullDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_auto_cull_dialog_dispose;
  g_type_ensure (RALI_TYPE_SCORE_HISTOGRAM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/ralistudio/RaliStudio/culling/rali-auto-cull-dialog.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, RaliAutoCullDialog, name)
  CHILD (histogram);
  CHILD (lowest_check);
  CHILD (below_check);
  CHILD (none_check);
  CHILD (percent_adjustment);
  CHILD (score_adjustment);
  CHILD (burst_switch);
  CHILD (keep_switch);
  CHILD (preview_label);
  CHILD (detail_label);
  CHILD (apply_button);
#undef CHILD
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
rali_auto_cull_dialog_init (RaliAutoCullDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

RaliAutoCullDialog *
rali_auto_cull_dialog_new (GtkWindow *parent, RaliGalleryModel *model, RaliCulling *culling, double lower,
                           double upper)
{
  RaliAutoCullDialog *self = g_object_new (RALI_TYPE_AUTO_CULL_DIALOG, "transient-for", parent, NULL);
  self->model = g_object_ref (model);
  self->culling = g_object_ref (culling);
  self->lower = lower;
  self->upper = upper;
  RaliScoreStats *stats = rali_gallery_model_get_stats (model);
  rali_score_histogram_set_stats (self->histogram, stats);
  rali_score_histogram_set_range (self->histogram, lower, upper);
  g_object_set (self->histogram, "high", upper, NULL);
  gtk_adjustment_set_lower (self->score_adjustment, lower);
  gtk_adjustment_set_upper (self->score_adjustment, upper);
  double step = upper - lower > 2 ? 0.05 : 0.01;
  gtk_adjustment_set_step_increment (self->score_adjustment, step);
  /* "below" starts at the tenth percentile, a cut worth looking at */
  guint n = 0;
  const double *sorted = rali_score_stats_get_sorted (stats, &n);
  gtk_adjustment_set_value (self->score_adjustment,
                            n ? round (sorted[MIN (n - 1, n / 10)] * 100) / 100 : (lower + upper) / 2);

  g_signal_connect_swapped (self->lowest_check, "toggled", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->below_check, "toggled", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->none_check, "toggled", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->percent_adjustment, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->score_adjustment, "value-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->burst_switch, "notify::active", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->keep_switch, "notify::active", G_CALLBACK (on_changed), self);
  g_signal_connect (self->histogram, "notify::threshold", G_CALLBACK (on_threshold), self);
  g_signal_connect (stats, "changed", G_CALLBACK (on_stats_changed), self);
  g_signal_connect (self->apply_button, "clicked", G_CALLBACK (on_apply), self);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->apply_button);
  update (self);
  return self;
}
