/* The catalog: one SQLite database (WAL) remembering what was scored.
 *
 * A row is valid for one file *version* under one model: it is found only
 * when path, size, mtime and the model's hash all match, so an edited file
 * or a different model is scored again.  There is one row per (path,
 * model hash); a new result for the same file replaces the stale one.
 *
 * Writes go through one writer thread that batches them into transactions;
 * rali_catalog_put() only queues.  Lookups use their own read connection and
 * may be called from any thread (they are serialised internally).  No GTK. */
#pragma once

#include <gio/gio.h>

#include "decision.h"

G_BEGIN_DECLS

/* The schema version this build creates and migrates to. */
#define RALI_CATALOG_SCHEMA_VERSION 4

typedef struct _RaliCatalog RaliCatalog;

typedef struct {
  char *path;          /* absolute path, as the key */
  gint64 size;         /* bytes */
  gint64 mtime;        /* microseconds since the epoch */
  char *model_hash;    /* rali_model_hash() */
  char *error;         /* NULL when scored; else why the file failed */
  double score;        /* valid when error == NULL */
  char *descriptors;   /* JSON text: [{"index","text","similarity","score","weight"}, ...] */
  float *embedding;    /* unit embedding e, n_embedding floats, or NULL */
  int n_embedding;
  float feature_norm;  /* |f|, so that f = feature_norm * e for the head; 0 if unknown */
  gint64 capture_time; /* EXIF DateTimeOriginal as Unix seconds, else the file's mtime; 0 if unknown */
  int capture_exif;    /* 1: capture_time is EXIF DateTimeOriginal; 0: it is the mtime (or 0);
                        * -1: not recorded (rows from before schema 4) */
  gint64 scored_at;    /* Unix seconds; set by rali_catalog_put when 0 */
} RaliCatalogEntry;

RaliCatalogEntry *rali_catalog_entry_new  (void);
RaliCatalogEntry *rali_catalog_entry_copy (const RaliCatalogEntry *entry);
void              rali_catalog_entry_free (RaliCatalogEntry *entry);
/* The features f [D] the head takes, rebuilt as f = feature_norm * e: TRUE
 * when the row was scored and holds a D-float embedding and |f| (rows from
 * before schema 3 have no |f|), else FALSE and f untouched. */
gboolean          rali_catalog_entry_features (const RaliCatalogEntry *entry, int D, float *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliCatalogEntry, rali_catalog_entry_free)

/* $RALI_CATALOG when set, else <user data dir>/rali-studio/catalog.sqlite. */
char *rali_catalog_default_path (void);

/* Opens (creating the file and its folder if needed) and migrates the
 * schema to RALI_CATALOG_SCHEMA_VERSION.  Refuses a database written by a
 * newer schema.  path NULL means rali_catalog_default_path(). */
RaliCatalog *rali_catalog_open  (const char *path, GError **error);
/* Flushes pending writes, stops the writer, closes both connections. */
void         rali_catalog_close (RaliCatalog *catalog);
const char  *rali_catalog_path  (const RaliCatalog *catalog);
int          rali_catalog_schema_version (RaliCatalog *catalog);

/* The row for exactly this file version and model, or NULL (not an error)
 * when there is none.  NULL with error set only when SQLite fails. */
RaliCatalogEntry *rali_catalog_lookup (RaliCatalog *catalog, const char *path, gint64 size,
                                       gint64 mtime, const char *model_hash, GError **error);

/* Queues a copy of entry for the writer thread.  Never blocks on SQLite. */
void     rali_catalog_put   (RaliCatalog *catalog, const RaliCatalogEntry *entry);
/* Waits until everything queued before this call is committed.  Returns the
 * first write error since the last flush, if any. */
gboolean rali_catalog_flush (RaliCatalog *catalog, GError **error);

/* ---- culling decisions: one row per path, whatever the model or file
 * version (they are the photographer's, not the model's) ---- */

/* Queues the decision for the writer thread (an empty one is kept as a
 * row: "decided: nothing"); rali_catalog_flush() waits for it. */
void     rali_catalog_put_decision (RaliCatalog *catalog, const char *path, const RaliDecision *decision);
/* TRUE and *out when path has a row; FALSE (error unset) when not. */
gboolean rali_catalog_get_decision (RaliCatalog *catalog, const char *path, RaliDecision *out,
                                    GError **error);

/* Number of rows (all models), for tests and the status line. */
gint64   rali_catalog_count (RaliCatalog *catalog, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RaliCatalog, rali_catalog_close)

G_END_DECLS
