/* Catalog: keys, round trip, replacement, concurrency, migrations,
 * culling decisions. */
#include "library/catalog.h"
#include "rali.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("rali-catalog-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sub", "catalog.sqlite", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *suffixes[] = { "", "-wal", "-shm" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (p);
    }
  g_autofree char *sub = g_path_get_dirname (f->path);
  g_rmdir (sub);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static RaliCatalogEntry *
make_entry (const char *path, gint64 mtime, double score, int dim)
{
  RaliCatalogEntry *e = rali_catalog_entry_new ();
  e->path = g_strdup (path);
  e->size = 1234;
  e->mtime = mtime;
  e->model_hash = g_strdup ("abc123");
  e->score = score;
  e->descriptors = g_strdup ("[{\"index\":3,\"text\":\"sharp\",\"similarity\":0.5}]");
  e->capture_time = 1700000000;
  e->capture_exif = 1;
  if (dim > 0)
    {
      e->n_embedding = dim;
      e->embedding = g_new (float, dim);
      for (int i = 0; i < dim; i++)
        e->embedding[i] = (float) i / dim - 0.25f;
    }
  return e;
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RaliCatalog) cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rali_catalog_schema_version (cat), ==, RALI_CATALOG_SCHEMA_VERSION);

  g_autoptr (RaliCatalogEntry) good = make_entry ("/photos/a.jpg", 111, 0.625, 48);
  g_autoptr (RaliCatalogEntry) bad = make_entry ("/photos/b.jpg", 222, 0, 0);
  g_clear_pointer (&bad->descriptors, g_free);
  bad->error = g_strdup ("corrupt JPEG data");
  rali_catalog_put (cat, good);
  rali_catalog_put (cat, bad);
  g_assert_true (rali_catalog_flush (cat, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rali_catalog_count (cat, &error), ==, 2);

  g_autoptr (RaliCatalogEntry) got = rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 111, "abc123", &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_null (got->error);
  g_assert_cmpfloat (got->score, ==, 0.625);
  g_assert_cmpstr (got->descriptors, ==, good->descriptors);
  g_assert_cmpint (got->n_embedding, ==, 48);
  g_assert_cmpmem (got->embedding, 48 * sizeof (float), good->embedding, 48 * sizeof (float));
  g_assert_cmpint (got->capture_time, ==, 1700000000);
  g_assert_cmpint (got->capture_exif, ==, 1);
  g_assert_cmpint (got->scored_at, >, 0);

  g_autoptr (RaliCatalogEntry) gotbad = rali_catalog_lookup (cat, "/photos/b.jpg", 1234, 222, "abc123", &error);
  g_assert_nonnull (gotbad);
  g_assert_cmpstr (gotbad->error, ==, "corrupt JPEG data");
  g_assert_null (gotbad->embedding);

  /* every part of the key matters */
  g_assert_null (rali_catalog_lookup (cat, "/photos/a.jpg", 1235, 111, "abc123", &error));
  g_assert_null (rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 112, "abc123", &error));
  g_assert_null (rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 111, "other-model", &error));
  g_assert_null (rali_catalog_lookup (cat, "/photos/c.jpg", 1234, 111, "abc123", &error));
  g_assert_no_error (error);

  /* the file changed: the new row replaces the stale one */
  g_autoptr (RaliCatalogEntry) newer = make_entry ("/photos/a.jpg", 333, 0.75, 48);
  rali_catalog_put (cat, newer);
  /* another model keeps its own row */
  g_autoptr (RaliCatalogEntry) other = make_entry ("/photos/a.jpg", 333, 0.5, 0);
  g_free (other->model_hash);
  other->model_hash = g_strdup ("def456");
  rali_catalog_put (cat, other);
  g_assert_true (rali_catalog_flush (cat, &error));
  g_assert_cmpint (rali_catalog_count (cat, &error), ==, 3);
  g_assert_null (rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 111, "abc123", &error));
  g_autoptr (RaliCatalogEntry) got2 = rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 333, "abc123", &error);
  g_assert_nonnull (got2);
  g_assert_cmpfloat (got2->score, ==, 0.75);
  g_autoptr (RaliCatalogEntry) got3 = rali_catalog_lookup (cat, "/photos/a.jpg", 1234, 333, "def456", &error);
  g_assert_nonnull (got3);
  g_assert_cmpfloat (got3->score, ==, 0.5);
}

static void
test_persist_and_wal (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  RaliCatalog *cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_autoptr (RaliCatalogEntry) e = make_entry ("/x.png", 5, 0.125, 4);
  rali_catalog_put (cat, e);
  rali_catalog_close (cat); /* close flushes */

  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "wal");
  sqlite3_finalize (st);
  sqlite3_close (db);

  g_autoptr (RaliCatalog) again = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_autoptr (RaliCatalogEntry) got = rali_catalog_lookup (again, "/x.png", 1234, 5, "abc123", &error);
  g_assert_nonnull (got);
  g_assert_cmpfloat (got->score, ==, 0.125);
}

typedef struct {
  RaliCatalog *cat;
  int id;
} Writer;

#define N_THREADS 4
#define N_PER_THREAD 700

static gpointer
put_many (gpointer data)
{
  Writer *w = data;
  for (int i = 0; i < N_PER_THREAD; i++)
    {
      g_autofree char *p = g_strdup_printf ("/many/%d/%04d.jpg", w->id, i);
      g_autoptr (RaliCatalogEntry) e = make_entry (p, i, i / (double) N_PER_THREAD, 16);
      rali_catalog_put (w->cat, e);
      if (i % 97 == 0) /* lookups interleave with the writer */
        {
          g_autoptr (RaliCatalogEntry) x = rali_catalog_lookup (w->cat, p, 1234, i, "abc123", NULL);
          (void) x;
        }
    }
  return NULL;
}

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RaliCatalog) cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  Writer w[N_THREADS];
  GThread *t[N_THREADS];
  for (int i = 0; i < N_THREADS; i++)
    {
      w[i] = (Writer) { cat, i };
      t[i] = g_thread_new ("put", put_many, &w[i]);
    }
  for (int i = 0; i < N_THREADS; i++)
    g_thread_join (t[i]);
  g_assert_true (rali_catalog_flush (cat, &error));
  g_assert_cmpint (rali_catalog_count (cat, &error), ==, N_THREADS * N_PER_THREAD);
  g_autoptr (RaliCatalogEntry) e = rali_catalog_lookup (cat, "/many/3/0350.jpg", 1234, 350, "abc123", &error);
  g_assert_nonnull (e);
  g_assert_cmpfloat_with_epsilon (e->score, 0.5, 1e-12);
}

static void
exec_ok (sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

/* A database as schema version 1 wrote it. */
static void
write_v1 (const char *path, int version)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_ok (db, "CREATE TABLE schema_version (version INTEGER NOT NULL);"
               "CREATE TABLE files (path TEXT NOT NULL, model_hash TEXT NOT NULL, size INTEGER NOT NULL,"
               " mtime INTEGER NOT NULL, score REAL, descriptors TEXT, embedding BLOB, error TEXT,"
               " scored_at INTEGER NOT NULL, PRIMARY KEY (path, model_hash)) WITHOUT ROWID;"
               "INSERT INTO files VALUES ('/old.jpg', 'm', 10, 20, 0.5, '[]', NULL, NULL, 30);");
  g_autofree char *v = g_strdup_printf ("INSERT INTO schema_version VALUES (%d)", version);
  exec_ok (db, v);
  sqlite3_close (db);
}

static void
test_migrate_v1 (Fixture *f, gconstpointer data)
{
  (void) data;
  write_v1 (f->path, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (RaliCatalog) cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rali_catalog_schema_version (cat), ==, RALI_CATALOG_SCHEMA_VERSION);
  g_autoptr (RaliCatalogEntry) e = rali_catalog_lookup (cat, "/old.jpg", 10, 20, "m", &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  g_assert_cmpfloat (e->score, ==, 0.5);
  g_assert_cmpint (e->capture_time, ==, 0);
  g_assert_cmpint (e->capture_exif, ==, -1); /* not recorded: the app reads the EXIF again */
  g_assert_cmpint (e->scored_at, ==, 30);
  g_assert_cmpfloat (e->feature_norm, ==, 0); /* unknown for old rows */
  RaliDecision d;
  g_assert_false (rali_catalog_get_decision (cat, "/old.jpg", &d, &error));
  g_assert_no_error (error);
}

static void
test_decisions (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  RaliCatalog *cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  RaliDecision a = { .rating = 4, .flag = RALI_FLAG_REJECTED, .labels = RALI_LABEL_RED | RALI_LABEL_BLUE };
  RaliDecision b = { .rating = 0, .flag = RALI_FLAG_PICKED, .labels = 0 };
  rali_catalog_put_decision (cat, "/p/a.jpg", &a);
  rali_catalog_put_decision (cat, "/p/b.jpg", &b);
  b.rating = 2; /* the last one queued wins */
  rali_catalog_put_decision (cat, "/p/b.jpg", &b);
  g_assert_true (rali_catalog_flush (cat, &error));
  RaliDecision got;
  g_assert_true (rali_catalog_get_decision (cat, "/p/a.jpg", &got, &error));
  g_assert_true (rali_decision_equal (&got, &a));
  g_assert_true (rali_catalog_get_decision (cat, "/p/b.jpg", &got, &error));
  g_assert_true (rali_decision_equal (&got, &b));
  g_assert_false (rali_catalog_get_decision (cat, "/p/c.jpg", &got, &error));
  g_assert_no_error (error);
  g_assert_true (rali_decision_is_empty (&got));

  /* the feature norm round-trips with the row */
  g_autoptr (RaliCatalogEntry) e = make_entry ("/p/a.jpg", 5, 0.5, 8);
  e->feature_norm = 12.5f;
  rali_catalog_put (cat, e);
  rali_catalog_close (cat);
  cat = rali_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_autoptr (RaliCatalogEntry) back = rali_catalog_lookup (cat, "/p/a.jpg", 1234, 5, "abc123", &error);
  g_assert_nonnull (back);
  g_assert_cmpfloat (back->feature_norm, ==, 12.5f);
  /* f = |f| e for the head; refused for another D and for rows without |f| */
  float feat[8];
  g_assert_true (rali_catalog_entry_features (back, 8, feat));
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (feat[i], 12.5f * back->embedding[i], 1e-6);
  g_assert_false (rali_catalog_entry_features (back, 7, feat));
  back->feature_norm = 0;
  g_assert_false (rali_catalog_entry_features (back, 8, feat));
  g_assert_true (rali_catalog_get_decision (cat, "/p/a.jpg", &got, &error));
  g_assert_true (rali_decision_equal (&got, &a));
  rali_catalog_close (cat);
}

static void
test_refuse_newer (Fixture *f, gconstpointer data)
{
  (void) data;
  write_v1 (f->path, 99);
  g_autoptr (GError) error = NULL;
  RaliCatalog *cat = rali_catalog_open (f->path, &error);
  g_assert_null (cat);
  g_assert_error (error, RALI_ERROR, RALI_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_bad_path (void)
{
  g_autoptr (GError) error = NULL;
  RaliCatalog *cat = rali_catalog_open ("/proc/self/nope/catalog.sqlite", &error);
  g_assert_null (cat);
  g_assert_nonnull (error);
}

static void
test_default_path (void)
{
  g_setenv ("RALI_CATALOG", "/tmp/elsewhere.sqlite", TRUE);
  g_autofree char *a = rali_catalog_default_path ();
  g_assert_cmpstr (a, ==, "/tmp/elsewhere.sqlite");
  g_unsetenv ("RALI_CATALOG");
  g_autofree char *b = rali_catalog_default_path ();
  g_assert_true (g_str_has_suffix (b, "/rali-studio/catalog.sqlite"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/catalog/round-trip", test_round_trip);
  ADD ("/catalog/persist-and-wal", test_persist_and_wal);
  ADD ("/catalog/concurrent", test_concurrent);
  ADD ("/catalog/migrate-v1", test_migrate_v1);
  ADD ("/catalog/refuse-newer", test_refuse_newer);
  ADD ("/catalog/decisions", test_decisions);
#undef ADD
  g_test_add_func ("/catalog/bad-path", test_bad_path);
  g_test_add_func ("/catalog/default-path", test_default_path);
  return g_test_run ();
}
