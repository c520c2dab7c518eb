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

/* A forward's trace compared stage by stage with the reference dump: each
 * traced stage holds images b0..b0+B-1 of the Btotal the dump has.  Pass
 * ref_trace_compare and a RefTrace as a RaliVitTraceFunc and its data. */
typedef struct {
  RefFile *ref;
  int B, b0, Btotal;
  double atol, rtol;
  int stages;  /* counted */
  gboolean ok; /* start TRUE; FALSE once a stage is missing or differs */
  const char *suffix; /* NULL, or appended to each stage's name ("@2": a per-image reference) */
} RefTrace;

void ref_trace_compare (const char *stage, const float *data, gsize n, gpointer ref_trace);
