/* Helpers for tests: read a reference .safetensors dump and compare arrays
 * with |a − b| <= atol + rtol·|ref|, naming the worst element. */
#pragma once

#include <glib.h>

typedef struct _RefFile RefFile;

RefFile     *ref_open (const char *path);               /* aborts the test on error */
void         ref_free (RefFile *r);
/* NULL if absent; *n gets the element count, shape[0] in *dim0 if non-NULL */
const float *ref_get  (RefFile *r, const char *name, gsize *n, gint64 *dim0);
const char  *ref_meta (RefFile *r, const char *key);

/* returns TRUE when every element is within tolerance; prints a line */
gboolean compare_arrays (const char *what, const float *got, const float *ref, gsize n,
                         double atol, double rtol);
