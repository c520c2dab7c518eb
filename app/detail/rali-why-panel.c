/* RaliWhyPanel: see rali-why-panel.h. */
#include "config.h"

#include "rali-why-panel.h"

#include "gallery/rali-gallery-item.h"
#include "rali-application.h"
#include "rali-descriptor-bars.h"

#include <glib/gi18n.h>

#define DETAIL_SENTENCES 6

struct _RaliWhyPanel {
  GtkWidget parent_instance;
  GtkLabel *summary_label;
  GtkWidget *evidence_heading;
  RaliDescriptorBars *bars;
  GtkExpander *expander;
  GtkLabel *details_label;

  GPtrArray *descriptors; /* RaliItemDescriptor*, the item's */
  int top_k;
  char *summary;
  char *details;
  char *result_details; /* the part of the details that comes from the result */

  RaliGalleryItem *item;
  GCancellable *work;
  RaliCompareResult *result;
};

G_DEFINE_FINAL_TYPE (RaliWhyPanel, rali_why_panel, GTK_TYPE_WIDGET)

char *
rali_why_summary_text (const RaliCompareResult *r)
{
  if (!r)
    return g_strdup ("");
  if (r->n_majority > 0 && r->summary)
    return g_strdup (r->summary);
  if (r->n_sentences > 0)
    /* TRANSLATORS: the descriptors of a photo do not agree; %s is the
     * model's own sentence (not translated), then its share of the score */
    return g_strdup_printf (_("No single description carries most of this score; the strongest, “%s”, "
                              "carries %.0f %%."),
                            r->sentences[0].text, 100.0 * r->sentences[0].support);
  int top = 0;
  for (int i = 1; i < r->n_prototypes; i++)
    if (r->weights[i] > r->weights[top])
      top = i;
  if (r->n_prototypes == 0)
    return g_strdup (_("This model has no prototypes to explain its score."));
  if (!r->has_texts)
    return g_strdup_printf (_("This model has no descriptor texts, only numbered prototypes: prototype #%d "
                              "carries %.0f %% of this score."),
                            top, 100.0 * r->weights[top]);
  return g_strdup (_("The descriptors of this model say nothing that tells photos apart."));
}

/* the internals of the listed descriptors, then the result's */
static void
update_details (RaliWhyPanel *self)
{
  g_autoptr (GString) d = g_string_new (NULL);
  int n = self->descriptors ? MIN ((int) self->descriptors->len, self->top_k) : 0;
  int drawn = rali_descriptor_bars_get_n_rows (self->bars);
  for (int i = 0; i < n; i++)
    {
      RaliItemDescriptor *x = self->descriptors->pdata[i];
      /* TRANSLATORS: a descriptor's internals: prototype number, cosine
       * similarity, the prototype's own score, its softmax weight */
      g_string_append_printf (d, _("%d. prototype #%d · similarity %.3f · prototype score %.3f · "
                                   "softmax weight %.4f"),
                              i + 1, x->index, x->similarity, x->score, x->weight);
      if (x->near_weight > 0)
        /* TRANSLATORS: the summed softmax weight of the prototypes left out as near-copies of this one */
        g_string_append_printf (d, _(" · near-copies' weight %.4f"), x->near_weight);
      /* the reasons the evidence leaves out (under 1 %): their text here */
      if (i >= drawn)
        g_string_append_printf (d, " · “%s”", x->text);
      g_string_append_c (d, '\n');
    }
  if (self->result_details)
    g_string_append (d, self->result_details);
  g_free (self->details);
  self->details = g_strdup (g_strchomp (d->str));
  gtk_label_set_text (self->details_label, self->details);
}

void
rali_why_panel_set_evidence (RaliWhyPanel *self, GPtrArray *descriptors, int top_k, double score_min,
                             double score_max)
{
  g_return_if_fail (RALI_IS_WHY_PANEL (self));
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  self->descriptors = descriptors ? g_ptr_array_ref (descriptors) : NULL;
  self->top_k = MAX (top_k, 1);
  rali_descriptor_bars_set (self->bars, descriptors, top_k, score_min, score_max);
  update_details (self);
}

/* result NULL with pending TRUE while it is read, with error when it
 * failed, all NULL/FALSE for nothing */
static void
show_result (RaliWhyPanel *self, const RaliCompareResult *r, gboolean pending, const char *error)
{
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->result_details, g_free);
  if (r)
    {
      self->summary = rali_why_summary_text (r);
      g_autoptr (GString) d = g_string_new (NULL);
      /* TRANSLATORS: τ is the softmax temperature of the model's head */
      g_string_append_printf (d, _("Softmax weight = softmax(similarity / τ), τ = %g, over %d prototypes; the score is "
                                   "Σ weight × prototype score (then the model's calibration, if it has one)."),
                              r->temperature, r->n_prototypes);
      g_string_append_c (d, '\n');
      if (r->n_sentences > 0)
        {
          g_string_append (d, _("The summary: the sentences of the descriptor texts that more than half of "
                                "this score supports (the weight of all prototypes whose text says it):"));
          g_string_append_c (d, '\n');
        }
      for (int i = 0; i < MIN (r->n_sentences, DETAIL_SENTENCES); i++)
        g_string_append_printf (d, "%4.0f %%  %s%s\n", 100.0 * r->sentences[i].support, r->sentences[i].text,
                                i < r->n_majority ? " ✓" : "");
      if (r->from_catalog)
        g_string_append (d, _("(From the catalog's stored features.)"));
      self->result_details = g_string_free (g_steal_pointer (&d), FALSE);
    }
  else if (pending)
    self->summary = g_strdup (_("Reading the descriptors…"));
  else if (error)
    self->summary = g_strdup_printf (_("The descriptors could not be read: %s"), error);
  gtk_label_set_text (self->summary_label, self->summary ? self->summary : "");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), self->summary && *self->summary);
  update_details (self);
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RaliWhyPanel) self = data;
  (void) source;
  g_autoptr (GError) error = NULL;
  RaliCompareResult *r = rali_compare_score_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->work);
  g_clear_pointer (&self->result, rali_compare_result_free);
  self->result = r;
  show_result (self, r, FALSE, error ? error->message : NULL);
}

void
rali_why_panel_refresh (RaliWhyPanel *self)
{
  g_return_if_fail (RALI_IS_WHY_PANEL (self));
  if (self->work)
    g_cancellable_cancel (self->work);
  g_clear_object (&self->work);
  g_clear_pointer (&self->result, rali_compare_result_free);
  RaliApplication *app = rali_application_of_widget (GTK_WIDGET (self));
  if (!self->item || rali_gallery_item_get_state (self->item) != RALI_ITEM_SCORED || !app)
    {
      show_result (self, NULL, FALSE, NULL);
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *model = rali_application_dup_model_path (app, &error);
  if (!model)
    {
      show_result (self, NULL, FALSE, error->message);
      return;
    }
  self->work = g_cancellable_new ();
  rali_compare_score_async (rali_gallery_item_get_path (self->item), model, rali_application_get_backend (app),
                            rali_application_get_catalog (app), self->work, on_result, g_object_ref (self));
  show_result (self, NULL, TRUE, NULL);
}

void
rali_why_panel_set_item (RaliWhyPanel *self, RaliGalleryItem *item)
{
  g_return_if_fail (RALI_IS_WHY_PANEL (self));
  g_set_object (&self->item, item);
  rali_why_panel_refresh (self);
}

const RaliCompareResult *
rali_why_panel_get_result (RaliWhyPanel *self)
{
  return self->result;
}

gboolean
rali_why_panel_is_busy (RaliWhyPanel *self)
{
  return self->work != NULL;
}

const char *
rali_why_panel_get_summary (RaliWhyPanel *self)
{
  return self->summary;
}

const char *
rali_why_panel_get_details (RaliWhyPanel *self)
{
  return self->details;
}

GtkExpander *
rali_why_panel_get_expander (RaliWhyPanel *self)
{
  return self->expander;
}

GtkWidget *
rali_why_panel_get_bars (RaliWhyPanel *self)
{
  return GTK_WIDGET (self->bars);
}

static void
rali_why_panel_dispose (GObject *object)
{
  RaliWhyPanel *self = RALI_WHY_PANEL (object);
  if (self->work)
    g_cancellable_cancel (self->work);
  g_clear_object (&self->work);
  g_clear_object (&self->item);
  g_clear_pointer (&self->result, rali_compare_result_free);
  g_clear_pointer (&self->descriptors, g_ptr_array_unref);
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->details, g_free);
  g_clear_pointer (&self->result_details, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), RALI_TYPE_WHY_PANEL);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (rali_why_panel_parent_class)->dispose (object);
}

static void
rali_why_panel_class_init (RaliWhyPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = rali_why_panel_dispose;
  g_type_ensure (RALI_TYPE_DESCRIPTOR_BARS);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/ralistudio/RaliStudio/detail/rali-why-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, RaliWhyPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, RaliWhyPanel, evidence_heading);
  gtk_widget_class_bind_template_child (widget_class, RaliWhyPanel, bars);
  gtk_widget_class_bind_template_child (widget_class, RaliWhyPanel, expander);
  gtk_widget_class_bind_template_child (widget_class, RaliWhyPanel, details_label);
  gtk_widget_class_set_css_name (widget_class, "raliwhypanel");
}

static void
rali_why_panel_init (RaliWhyPanel *self)
{
  self->top_k = 5;
  gtk_widget_init_template (GTK_WIDGET (self));
  show_result (self, NULL, FALSE, NULL);
}
