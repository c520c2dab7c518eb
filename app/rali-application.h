/* RaliApplication: command line (`rali-studio [--model FILE] [--backend B]
 * [FOLDER|FILE…]`), the catalog, settings, app-wide actions.
 * Signal "window-created" (RaliWindow *): the main window, once built. */
#pragma once

#include <adwaita.h>

#include "library/catalog.h"
#include "rali.h"

G_BEGIN_DECLS

#define RALI_TYPE_APPLICATION (rali_application_get_type ())
G_DECLARE_FINAL_TYPE (RaliApplication, rali_application, RALI, APPLICATION, AdwApplication)

RaliApplication *rali_application_new (void);

GSettings       *rali_application_get_settings (RaliApplication *self);
/* NULL when the catalog could not be opened; then see get_catalog_error */
RaliCatalog     *rali_application_get_catalog  (RaliApplication *self);
const char      *rali_application_get_catalog_error (RaliApplication *self);
/* --model, else the model-path setting, else rali_default_model_path();
 * NULL with error when there is none. */
char            *rali_application_dup_model_path (RaliApplication *self, GError **error);
/* --backend, else the backend setting */
RaliBackendKind  rali_application_get_backend  (RaliApplication *self);
/* the RaliApplication of the window widget is in, or NULL (not in a
 * window yet, or another application: the test harnesses') */
RaliApplication *rali_application_of_widget (GtkWidget *widget);

G_END_DECLS
