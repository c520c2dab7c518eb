/* SQLite catalog (see catalog.h).  Two connections on one WAL database:
 * the writer thread's, which is the only one that ever writes, and a read
 * connection for lookups from any thread, serialised by a mutex. */
#include "catalog.h"
#include "rali.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

/* Each step takes the schema from version i to i + 1.  Never edit a
 * released step: append a new one and bump RALI_CATALOG_SCHEMA_VERSION. */
static const char *const migrations[RALI_CATALOG_SCHEMA_VERSION] = {
  /* 0 -> 1: files with their scores under one model */
  "CREATE TABLE files ("
  "  path        TEXT    NOT NULL,"
  "  model_hash  TEXT    NOT NULL,"
  "  size        INTEGER NOT NULL,"
  "  mtime       INTEGER NOT NULL,"
  "  score       REAL,"
  "  descriptors TEXT,"
  "  embedding   BLOB,"
  "  error       TEXT,"
  "  scored_at   INTEGER NOT NULL,"
  "  PRIMARY KEY (path, model_hash)"
  ") WITHOUT ROWID;",
  /* 1 -> 2: capture time (EXIF DateTimeOriginal), so sorting a reopened
   * folder by capture time needs no EXIF reads */
  "ALTER TABLE files ADD COLUMN capture_time INTEGER NOT NULL DEFAULT 0;",
  /* 2 -> 3: culling decisions (per path, not per model), and |f| so that
   * the head can run again on f = |f| e (compare view, bursts) */
  "CREATE TABLE decisions ("
  "  path       TEXT    NOT NULL PRIMARY KEY,"
  "  rating     INTEGER NOT NULL DEFAULT 0,"
  "  flag       INTEGER NOT NULL DEFAULT 0,"
  "  labels     INTEGER NOT NULL DEFAULT 0,"
  "  decided_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "ALTER TABLE files ADD COLUMN feature_norm REAL;",
  /* 3 -> 4: whether capture_time is EXIF DateTimeOriginal (1) or the
   * file's mtime (0).  Bursts group only real capture times: copied
   * folders share mtimes.  Older rows did not say, so they read -1
   * (unknown) and the app reads their EXIF again. */
  "ALTER TABLE files ADD COLUMN capture_exif INTEGER NOT NULL DEFAULT -1;",
};

/* most rows one transaction takes before it commits */
#define MAX_ROWS_PER_TRANSACTION 512

typedef enum { OP_PUT, OP_DECISION, OP_FLUSH, OP_STOP } OpKind;

typedef struct {
  OpKind kind;
  RaliCatalogEntry *entry; /* OP_PUT, owned; OP_DECISION: path only */
  RaliDecision decision;   /* OP_DECISION */
  GMutex lock;             /* OP_FLUSH / OP_STOP: the caller waits on done */
  GCond cond;
  gboolean done;
} Op;

struct _RaliCatalog {
  char *path;
  sqlite3 *wdb; /* writer thread only (after open) */
  sqlite3 *rdb; /* under read_lock */
  sqlite3_stmt *lookup;
  sqlite3_stmt *lookup_decision;
  GMutex read_lock;
  GAsyncQueue *queue;
  GThread *writer;
  GMutex error_lock;
  GError *write_error; /* first write failure since the last flush */
};

static gboolean
sql_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "catalog: %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

static gboolean
exec (sqlite3 *db, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "catalog: %s (in \"%.60s\")",
               msg ? msg : sqlite3_errmsg (db), sql);
  sqlite3_free (msg);
  return FALSE;
}

/* ---- entries ---- */

RaliCatalogEntry *
rali_catalog_entry_new (void)
{
  return g_new0 (RaliCatalogEntry, 1);
}

gboolean
rali_catalog_entry_features (const RaliCatalogEntry *e, int D, float *f)
{
  if (e->error || !e->embedding || e->n_embedding != D || !(e->feature_norm > 0))
    return FALSE;
  for (int d = 0; d < D; d++)
    f[d] = e->feature_norm * e->embedding[d];
  return TRUE;
}

RaliCatalogEntry *
rali_catalog_entry_copy (const RaliCatalogEntry *e)
{
  RaliCatalogEntry *c = g_memdup2 (e, sizeof *e);
  c->path = g_strdup (e->path);
  c->model_hash = g_strdup (e->model_hash);
  c->error = g_strdup (e->error);
  c->descriptors = g_strdup (e->descriptors);
  c->embedding = e->embedding ? g_memdup2 (e->embedding, sizeof (float) * e->n_embedding) : NULL;
  c->n_embedding = e->embedding ? e->n_embedding : 0;
  return c;
}

void
rali_catalog_entry_free (RaliCatalogEntry *e)
{
  if (!e)
    return;
  g_free (e->path);
  g_free (e->model_hash);
  g_free (e->error);
  g_free (e->descriptors);
  g_free (e->embedding);
  g_free (e);
}

/* Embeddings are stored as little-endian float32 whatever the host is. */
static void
floats_to_le (float *v, int n)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  guint32 *u = (guint32 *) v;
  for (int i = 0; i < n; i++)
    u[i] = GUINT32_SWAP_LE_BE (u[i]);
#else
  (void) v;
  (void) n;
#endif
}

/* ---- schema ---- */

static int
read_version (sqlite3 *db, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT version FROM schema_version", -1, &st, NULL) != SQLITE_OK)
    return sql_error (error, db, "reading the schema version"), -1;
  int v = -1;
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int (st, 0);
  else
    g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "catalog: schema_version table is empty");
  sqlite3_finalize (st);
  return v;
}

/* Brings the schema up to date, one step per transaction.  BEGIN IMMEDIATE
 * takes the write lock first, so two processes opening the same new catalog
 * cannot both run a step. */
static gboolean
migrate (sqlite3 *db, const char *path, GError **error)
{
  if (!exec (db,
             "BEGIN IMMEDIATE;"
             "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
             "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);"
             "COMMIT;",
             error))
    return FALSE;
  for (;;)
    {
      if (!exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      int v = read_version (db, error);
      if (v < 0)
        goto fail;
      if (v > RALI_CATALOG_SCHEMA_VERSION)
        {
          g_set_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED,
                       "catalog %s has schema version %d, newer than this build knows (%d)",
                       path, v, RALI_CATALOG_SCHEMA_VERSION);
          goto fail;
        }
      if (v == RALI_CATALOG_SCHEMA_VERSION)
        return exec (db, "COMMIT", error);
      if (!exec (db, migrations[v], error))
        goto fail;
      g_autofree char *bump = g_strdup_printf ("UPDATE schema_version SET version = %d", v + 1);
      if (!exec (db, bump, error) || !exec (db, "COMMIT", error))
        goto fail;
    }
fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static sqlite3 *
open_connection (const char *path, GError **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "catalog %s: %s", path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  /* other processes (the CLI, a second window) may hold the lock briefly */
  sqlite3_busy_timeout (db, 10000);
  return db;
}

/* ---- writer thread ---- */

static gboolean
write_entry (sqlite3 *db, sqlite3_stmt *st, const RaliCatalogEntry *e, GError **error)
{
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  sqlite3_bind_text (st, 1, e->path, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, e->model_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, e->size);
  sqlite3_bind_int64 (st, 4, e->mtime);
  if (e->error)
    sqlite3_bind_null (st, 5);
  else
    sqlite3_bind_double (st, 5, e->score);
  sqlite3_bind_text (st, 6, e->descriptors, -1, SQLITE_STATIC);
  if (e->embedding && e->n_embedding > 0)
    {
      floats_to_le (e->embedding, e->n_embedding); /* the entry is our own copy */
      sqlite3_bind_blob (st, 7, e->embedding, e->n_embedding * (int) sizeof (float), SQLITE_STATIC);
    }
  sqlite3_bind_text (st, 8, e->error, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 9, e->scored_at);
  sqlite3_bind_int64 (st, 10, e->capture_time);
  if (e->feature_norm > 0)
    sqlite3_bind_double (st, 11, e->feature_norm);
  sqlite3_bind_int (st, 12, e->capture_exif);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_error (error, db, "writing a row");
  return TRUE;
}

static gboolean
write_decision (sqlite3 *db, sqlite3_stmt *st, const char *path, const RaliDecision *d, GError **error)
{
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 2, d->rating);
  sqlite3_bind_int (st, 3, d->flag);
  sqlite3_bind_int (st, 4, (int) d->labels);
  sqlite3_bind_int64 (st, 5, g_get_real_time () / G_USEC_PER_SEC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_error (error, db, "writing a decision");
  return TRUE;
}

static void
record_error (RaliCatalog *cat, GError *err)
{
  g_mutex_lock (&cat->error_lock);
  if (!cat->write_error)
    cat->write_error = g_steal_pointer (&err);
  g_mutex_unlock (&cat->error_lock);
  if (err)
    g_error_free (err);
}

static void
op_signal (Op *op)
{
  g_mutex_lock (&op->lock);
  op->done = TRUE;
  g_cond_signal (&op->cond);
  g_mutex_unlock (&op->lock);
}

static gpointer
writer_main (gpointer data)
{
  RaliCatalog *cat = data;
  sqlite3_stmt *put = NULL, *decide = NULL;
  if (sqlite3_prepare_v2 (cat->wdb,
                          "INSERT OR REPLACE INTO files (path, model_hash, size, mtime, score, "
                          "descriptors, embedding, error, scored_at, capture_time, feature_norm, capture_exif) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                          -1, &put, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (cat->wdb,
                             "INSERT OR REPLACE INTO decisions (path, rating, flag, labels, decided_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)",
                             -1, &decide, NULL) != SQLITE_OK)
    {
      g_clear_pointer (&put, sqlite3_finalize);
      GError *err = NULL;
      sql_error (&err, cat->wdb, "preparing the insert");
      record_error (cat, err);
    }
  g_autoptr (GPtrArray) waiting = g_ptr_array_new ();
  gboolean stop = FALSE;
  while (!stop)
    {
      Op *op = g_async_queue_pop (cat->queue);
      GError *err = NULL;
      gboolean in_txn = put && exec (cat->wdb, "BEGIN IMMEDIATE", &err);
      if (!in_txn && put)
        record_error (cat, g_steal_pointer (&err));
      int rows = 0;
      /* take everything already queued into this transaction */
      while (op)
        {
          if (op->kind == OP_PUT || op->kind == OP_DECISION)
            {
              gboolean ok = !in_txn
                || (op->kind == OP_PUT ? write_entry (cat->wdb, put, op->entry, &err)
                                       : write_decision (cat->wdb, decide, op->entry->path, &op->decision, &err));
              if (!ok)
                record_error (cat, g_steal_pointer (&err));
              rali_catalog_entry_free (op->entry);
              g_free (op);
              rows++;
            }
          else
            {
              stop = stop || op->kind == OP_STOP;
              g_ptr_array_add (waiting, op);
            }
          if (stop || rows >= MAX_ROWS_PER_TRANSACTION)
            break;
          op = g_async_queue_try_pop (cat->queue);
        }
      if (in_txn && !exec (cat->wdb, "COMMIT", &err))
        {
          record_error (cat, g_steal_pointer (&err));
          sqlite3_exec (cat->wdb, "ROLLBACK", NULL, NULL, NULL);
        }
      for (guint i = 0; i < waiting->len; i++)
        op_signal (waiting->pdata[i]);
      g_ptr_array_set_size (waiting, 0);
    }
  sqlite3_finalize (put);
  sqlite3_finalize (decide);
  return NULL;
}

/* Queues a FLUSH or STOP and waits until the writer has committed. */
static void
writer_sync (RaliCatalog *cat, OpKind kind)
{
  Op op = { .kind = kind };
  g_mutex_init (&op.lock);
  g_cond_init (&op.cond);
  g_async_queue_push (cat->queue, &op);
  g_mutex_lock (&op.lock);
  while (!op.done)
    g_cond_wait (&op.cond, &op.lock);
  g_mutex_unlock (&op.lock);
  g_mutex_clear (&op.lock);
  g_cond_clear (&op.cond);
}

/* ---- public ---- */

char *
rali_catalog_default_path (void)
{
  const char *env = g_getenv ("RALI_CATALOG");
  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "rali-studio", "catalog.sqlite", NULL);
}

RaliCatalog *
rali_catalog_open (const char *path, GError **error)
{
  g_autofree char *p = path ? g_strdup (path) : rali_catalog_default_path ();
  g_autofree char *dir = g_path_get_dirname (p);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, RALI_ERROR, RALI_ERROR_IO, "catalog: cannot create %s: %s", dir,
                   g_strerror (errsv));
      return NULL;
    }
  RaliCatalog *cat = g_new0 (RaliCatalog, 1);
  cat->path = g_steal_pointer (&p);
  g_mutex_init (&cat->read_lock);
  g_mutex_init (&cat->error_lock);

  cat->wdb = open_connection (cat->path, error);
  if (!cat->wdb)
    goto fail;
  /* WAL: lookups read while the writer writes; NORMAL sync is durable
   * enough for a cache of results that can always be recomputed */
  if (!exec (cat->wdb, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", error)
      || !migrate (cat->wdb, cat->path, error))
    goto fail;
  cat->rdb = open_connection (cat->path, error);
  if (!cat->rdb)
    goto fail;
  if (sqlite3_prepare_v2 (cat->rdb,
                          "SELECT score, descriptors, embedding, error, scored_at, capture_time, feature_norm, "
                          "capture_exif "
                          "FROM files WHERE path = ?1 AND model_hash = ?2 AND size = ?3 AND mtime = ?4",
                          -1, &cat->lookup, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (cat->rdb, "SELECT rating, flag, labels FROM decisions WHERE path = ?1",
                             -1, &cat->lookup_decision, NULL) != SQLITE_OK)
    {
      sql_error (error, cat->rdb, "preparing the lookup");
      goto fail;
    }
  cat->queue = g_async_queue_new ();
  cat->writer = g_thread_new ("rali-catalog", writer_main, cat);
  return cat;
fail:
  rali_catalog_close (cat);
  return NULL;
}

void
rali_catalog_close (RaliCatalog *cat)
{
  if (!cat)
    return;
  if (cat->writer)
    {
      writer_sync (cat, OP_STOP);
      g_thread_join (cat->writer);
    }
  g_clear_pointer (&cat->queue, g_async_queue_unref);
  g_clear_pointer (&cat->lookup, sqlite3_finalize);
  g_clear_pointer (&cat->lookup_decision, sqlite3_finalize);
  g_clear_pointer (&cat->rdb, sqlite3_close);
  g_clear_pointer (&cat->wdb, sqlite3_close);
  g_clear_error (&cat->write_error);
  g_mutex_clear (&cat->read_lock);
  g_mutex_clear (&cat->error_lock);
  g_free (cat->path);
  g_free (cat);
}

const char *
rali_catalog_path (const RaliCatalog *cat)
{
  return cat->path;
}

int
rali_catalog_schema_version (RaliCatalog *cat)
{
  g_mutex_lock (&cat->read_lock);
  int v = read_version (cat->rdb, NULL);
  g_mutex_unlock (&cat->read_lock);
  return v;
}

RaliCatalogEntry *
rali_catalog_lookup (RaliCatalog *cat, const char *path, gint64 size, gint64 mtime,
                     const char *model_hash, GError **error)
{
  RaliCatalogEntry *e = NULL;
  g_mutex_lock (&cat->read_lock);
  sqlite3_stmt *st = cat->lookup;
  sqlite3_reset (st);
  sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, model_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, size);
  sqlite3_bind_int64 (st, 4, mtime);
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      e = rali_catalog_entry_new ();
      e->path = g_strdup (path);
      e->model_hash = g_strdup (model_hash);
      e->size = size;
      e->mtime = mtime;
      e->score = sqlite3_column_double (st, 0);
      e->descriptors = g_strdup ((const char *) sqlite3_column_text (st, 1));
      int bytes = sqlite3_column_bytes (st, 2);
      const void *blob = sqlite3_column_blob (st, 2);
      if (blob && bytes > 0 && bytes % (int) sizeof (float) == 0)
        {
          e->n_embedding = bytes / (int) sizeof (float);
          e->embedding = g_memdup2 (blob, bytes);
          floats_to_le (e->embedding, e->n_embedding); /* LE -> host: the same swap */
        }
      e->error = g_strdup ((const char *) sqlite3_column_text (st, 3));
      e->scored_at = sqlite3_column_int64 (st, 4);
      e->capture_time = sqlite3_column_int64 (st, 5);
      e->feature_norm = (float) sqlite3_column_double (st, 6); /* NULL reads 0 */
      e->capture_exif = sqlite3_column_int (st, 7);
    }
  else if (rc != SQLITE_DONE)
    sql_error (error, cat->rdb, "lookup");
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  g_mutex_unlock (&cat->read_lock);
  return e;
}

void
rali_catalog_put (RaliCatalog *cat, const RaliCatalogEntry *entry)
{
  g_return_if_fail (entry->path && entry->model_hash);
  Op *op = g_new0 (Op, 1);
  op->kind = OP_PUT;
  op->entry = rali_catalog_entry_copy (entry);
  if (op->entry->scored_at == 0)
    op->entry->scored_at = g_get_real_time () / G_USEC_PER_SEC;
  g_async_queue_push (cat->queue, op);
}

gboolean
rali_catalog_flush (RaliCatalog *cat, GError **error)
{
  writer_sync (cat, OP_FLUSH);
  g_mutex_lock (&cat->error_lock);
  GError *err = g_steal_pointer (&cat->write_error);
  g_mutex_unlock (&cat->error_lock);
  if (err)
    {
      g_propagate_error (error, err);
      return FALSE;
    }
  return TRUE;
}

void
rali_catalog_put_decision (RaliCatalog *cat, const char *path, const RaliDecision *decision)
{
  g_return_if_fail (path && decision);
  Op *op = g_new0 (Op, 1);
  op->kind = OP_DECISION;
  op->entry = rali_catalog_entry_new ();
  op->entry->path = g_strdup (path);
  op->decision = *decision;
  g_async_queue_push (cat->queue, op);
}

gboolean
rali_catalog_get_decision (RaliCatalog *cat, const char *path, RaliDecision *out, GError **error)
{
  gboolean found = FALSE;
  *out = (RaliDecision) { 0 };
  g_mutex_lock (&cat->read_lock);
  sqlite3_stmt *st = cat->lookup_decision;
  sqlite3_reset (st);
  sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      out->rating = CLAMP (sqlite3_column_int (st, 0), 0, 5);
      out->flag = CLAMP (sqlite3_column_int (st, 1), RALI_FLAG_REJECTED, RALI_FLAG_PICKED);
      out->labels = (guint) sqlite3_column_int (st, 2) & RALI_LABELS_ALL;
      found = TRUE;
    }
  else if (rc != SQLITE_DONE)
    sql_error (error, cat->rdb, "decision lookup");
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  g_mutex_unlock (&cat->read_lock);
  return found;
}

gint64
rali_catalog_count (RaliCatalog *cat, GError **error)
{
  gint64 n = -1;
  sqlite3_stmt *st = NULL;
  g_mutex_lock (&cat->read_lock);
  if (sqlite3_prepare_v2 (cat->rdb, "SELECT count(*) FROM files", -1, &st, NULL) == SQLITE_OK
      && sqlite3_step (st) == SQLITE_ROW)
    n = sqlite3_column_int64 (st, 0);
  else
    sql_error (error, cat->rdb, "counting rows");
  sqlite3_finalize (st);
  g_mutex_unlock (&cat->read_lock);
  return n;
}
