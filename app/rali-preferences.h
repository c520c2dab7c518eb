/* RaliPreferences: backend, model file, descriptors shown, thumbnail size
 * (General); sidecar file names, whether picking a compare winner rejects
 * the other, the bursts' time window and similarity (Culling).  All stored
 * in GSettings, bound to the rows. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RALI_TYPE_PREFERENCES (rali_preferences_get_type ())
G_DECLARE_FINAL_TYPE (RaliPreferences, rali_preferences, RALI, PREFERENCES, AdwPreferencesWindow)

/* model_path: the model in use (for the Vulkan probe), or NULL */
GtkWidget *rali_preferences_new (GtkWindow *parent, GSettings *settings, const char *model_path);

G_END_DECLS
