/* test-store.c — the sqlite store: opening, refusing foreign files, documents and index tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-test"

#define _GNU_SOURCE   /* memmem */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "parley-error.h"
#include "parley-index.h"
#include "parley-store.h"
#include "test-utils.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  fx->dir = test_make_tmpdir ();
  fx->path = g_build_filename (fx->dir, "parley.db", NULL);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  test_rm_rf (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static ParleyStore *
open_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  ParleyStore *store = parley_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static GBytes *
read_file (const char *path)
{
  gsize len = 0;
  char *contents = test_read_text (path, &len);

  return g_bytes_new_take (contents, len);
}

static void
write_file (const char   *path,
            const guint8 *data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
}

/* Runs SQL on a database file directly, as another program would. */
static void
sqlite_exec (const char *path,
             const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static gint64
sqlite_int (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return value;
}

static int
compare_strings_cb (gconstpointer a,
                    gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The names in @dir, sorted, joined by spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings_cb);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* Opening @path must fail with @code and a message naming the file, and
 * leave the file exactly as it was. */
static void
assert_refused (const char *path,
                int         code,
                const char *message_part)
{
  g_autoptr(GBytes) before = read_file (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = parley_store_open (path, &error);

  g_assert_null (store);
  g_assert_error (error, PARLEY_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));

  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_open_creates (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *nested_dir = g_build_filename (fx->dir, "a", "b", NULL);
  g_autofree char *nested = g_build_filename (nested_dir, "parley.db", NULL);
  g_autoptr(ParleyStore) store = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (g_file_test (nested_dir, G_FILE_TEST_EXISTS));
  store = open_ok (nested);
  g_assert_true (g_file_test (nested_dir, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (nested, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (parley_store_get_path (store), ==, nested);

  missing = parley_store_get_meta (store, "missing");
  g_assert_null (missing);
  g_assert_true (parley_store_set_meta (store, "analyzer", "1", &error));
  g_assert_true (parley_store_set_meta (store, "analyzer", "2", &error));
  g_assert_true (parley_store_set_meta (store, "name", "Ünïcode ✓", &error));
  g_assert_no_error (error);
  value = parley_store_get_meta (store, "analyzer");
  g_assert_cmpstr (value, ==, "2");
  g_clear_object (&store);

  /* The file is marked as Parley's and carries the schema version. */
  g_assert_cmpint (sqlite_int (nested, "PRAGMA application_id"), ==, 0x50524C59);
  g_assert_cmpint (sqlite_int (nested, "PRAGMA user_version"), ==, PARLEY_STORE_SCHEMA_VERSION);
}

static void
test_reopen (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr(GHashTable) docs = NULL;
  ParleyDocRecord doc = { .path = (char *) "/docs/a.md", .title = (char *) "A", .lang = (char *) "en",
                          .format = (char *) "markdown", .hash = (char *) "abc", .bytes = 12 };
  gint64 id;

  g_assert_true (parley_store_set_meta (store, "k", "v1", &error));
  id = parley_store_insert_doc (store, &doc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_clear_object (&store);

  /* Opening again migrates nothing and loses nothing, twice over. */
  for (guint i = 0; i < 2; i++)
    {
      store = open_ok (fx->path);
      g_clear_pointer (&a, g_free);
      a = parley_store_get_meta (store, "k");
      g_assert_cmpstr (a, ==, "v1");
      g_clear_object (&store);
    }

  store = open_ok (fx->path);
  g_assert_true (parley_store_set_meta (store, "k", "v2", &error));
  g_clear_object (&store);
  store = open_ok (fx->path);
  b = parley_store_get_meta (store, "k");
  g_assert_cmpstr (b, ==, "v2");
  docs = parley_store_list_docs (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (docs), ==, 1);
  g_assert_cmpint (((ParleyStoredDoc *) g_hash_table_lookup (docs, "/docs/a.md"))->id, ==, id);
  g_assert_cmpstr (((ParleyStoredDoc *) g_hash_table_lookup (docs, "/docs/a.md"))->hash, ==, "abc");
}

static void
test_open_random_bytes (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  const gsize sizes[] = { 4096, 100000, 700 };
  g_autofree char *listing = NULL;

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autofree guint8 *junk = g_malloc (sizes[s]);

      for (gsize i = 0; i < sizes[s]; i++)
        junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
      write_file (fx->path, junk, sizes[s]);
      assert_refused (fx->path, PARLEY_ERROR_CORRUPT, NULL);
    }

  /* A text file put where the database should be. */
  {
    const char *text = "These are my notes, not a database.\n"
                       "They are long enough to hold a full sqlite header and more besides, "
                       "and then some, so that sqlite reads a whole page of them.\n";

    write_file (fx->path, (const guint8 *) text, strlen (text));
    assert_refused (fx->path, PARLEY_ERROR_CORRUPT, NULL);
  }

  /* Nothing was created next to it (no -wal, -shm or -journal). */
  listing = list_dir (fx->dir);
  g_assert_cmpstr (listing, ==, "parley.db");
}

static void
test_open_foreign (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *listing = NULL;

  sqlite_exec (fx->path, "CREATE TABLE x (a TEXT); INSERT INTO x VALUES ('mine');");
  assert_refused (fx->path, PARLEY_ERROR_CORRUPT, "not a Parley database");

  /* The other program's data is still there, untouched. */
  g_assert_cmpint (sqlite_int (fx->path, "SELECT count (*) FROM x WHERE a = 'mine'"), ==, 1);
  g_assert_cmpint (sqlite_int (fx->path, "SELECT count (*) FROM sqlite_schema"), ==, 1);
  g_assert_cmpint (sqlite_int (fx->path, "PRAGMA application_id"), ==, 0);
  listing = list_dir (fx->dir);
  g_assert_cmpstr (listing, ==, "parley.db");

  /* Another program's application id, even without tables. */
  sqlite_exec (fx->path, "DROP TABLE x; PRAGMA application_id = 1234;");
  assert_refused (fx->path, PARLEY_ERROR_CORRUPT, "not a Parley database");
}

static void
test_open_newer (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *sql = NULL;

  g_assert_true (parley_store_set_meta (store, "kept", "yes", &error));
  g_clear_object (&store);

  sql = g_strdup_printf ("PRAGMA user_version = %d", PARLEY_STORE_SCHEMA_VERSION + 1);
  sqlite_exec (fx->path, sql);
  assert_refused (fx->path, PARLEY_ERROR_VERSION, "newer");
  g_assert_cmpint (sqlite_int (fx->path, "PRAGMA user_version"), ==, PARLEY_STORE_SCHEMA_VERSION + 1);

  /* Refusing it did no harm: back at our version, it opens with its data. */
  g_free (sql);
  sql = g_strdup_printf ("PRAGMA user_version = %d", PARLEY_STORE_SCHEMA_VERSION);
  sqlite_exec (fx->path, sql);
  store = open_ok (fx->path);
  value = parley_store_get_meta (store, "kept");
  g_assert_cmpstr (value, ==, "yes");
}

/* A schema-1 database (before documents had an "about" column) is migrated
 * in place: its documents kept, and marked for re-reading at the next ingest. */
static void
test_migrate_v1 (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) docs = NULL;
  ParleyDocRecord doc = { .path = (char *) "a.md", .title = (char *) "A", .lang = (char *) "en",
                          .about = (char *) "returns", .format = (char *) "markdown",
                          .hash = (char *) "abc", .bytes = 1 };
  ParleyStoredDoc *stored;

  g_assert_cmpint (parley_store_insert_doc (store, &doc, &error), >, 0);
  g_assert_no_error (error);
  g_clear_object (&store);

  sqlite_exec (fx->path, "ALTER TABLE documents DROP COLUMN about; DROP TABLE embedding_cache; DROP TABLE audit; "
                         "DROP TABLE messages; DROP TABLE conversations; DROP TABLE customers; "
                         "DROP TABLE response_cache; DELETE FROM meta WHERE key = 'kb_generation'; "
                         "DROP TRIGGER documents_generation_insert; DROP TRIGGER documents_generation_delete; "
                         "DROP TABLE csat; "
                         "PRAGMA user_version = 1;");
  store = open_ok (fx->path);
  g_assert_cmpint (sqlite_int (fx->path, "PRAGMA user_version"), ==, PARLEY_STORE_SCHEMA_VERSION);
  g_assert_cmpint (sqlite_int (fx->path, "SELECT count (*) FROM documents WHERE about = ''"), ==, 1);

  docs = parley_store_list_docs (store, &error);
  g_assert_no_error (error);
  stored = g_hash_table_lookup (docs, "a.md");
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored->hash, ==, "");
}

static void
test_open_not_a_file (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (fx->dir, "folder.db", NULL);
  g_autofree char *plain = g_build_filename (fx->dir, "plain", NULL);
  g_autofree char *under_file = g_build_filename (plain, "sub", "parley.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  store = parley_store_open (folder, &error);
  g_assert_null (store);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_IO);
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_clear_error (&error);

  /* A path below a regular file: its folder cannot be made. */
  write_file (plain, (const guint8 *) "x", 1);
  store = parley_store_open (under_file, &error);
  g_assert_null (store);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_IO);
}

typedef struct {
  gint64 parent;
  gint64 children[3];
  gint64 doc;
} Inserted;

static void
insert_doc (ParleyStore *store,
            const char  *path,
            guint        n_children,
            Inserted    *out)
{
  g_autoptr(GError) error = NULL;
  ParleyDocRecord doc = { .path = (char *) path, .title = (char *) "Returns", .lang = (char *) "en",
                          .category = (char *) "policy", .meta_json = (char *) "{\"tags\":\"x\"}",
                          .format = (char *) "markdown", .hash = (char *) "hash", .bytes = 100 };
  guint n_terms = 0;

  out->doc = parley_store_insert_doc (store, &doc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (out->doc, >, 0);

  out->parent = parley_store_insert_chunk (store, out->doc, 0, 0, "Returns › Refunds",
                                           "Refunds take five days. Returns are free.", 8, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (out->parent, >, 0);
  for (guint i = 0; i < n_children; i++)
    {
      g_autofree char *text = g_strdup_printf ("child %u of %s", i, path);

      out->children[i] = parley_store_insert_chunk (store, out->doc, out->parent, i, "Returns › Refunds",
                                                    text, 4, 10 * (i + 1), &error);
      g_assert_no_error (error);
      g_assert_cmpint (out->children[i], >, out->parent);
      n_terms += 10 * (i + 1);
    }
  g_assert_true (parley_store_add_lang_stats (store, "en", n_children, n_terms, &error));
  g_assert_no_error (error);
}

static void
assert_lang_stats (ParleyStore *store,
                   ParleyLang   lang,
                   gint64       n_chunks,
                   gint64       total_len)
{
  g_autoptr(GError) error = NULL;
  gint64 n = -1, len = -1;

  g_assert_true (parley_store_get_lang_stats (store, lang, &n, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, n_chunks);
  g_assert_cmpint (len, ==, total_len);
}

static void
test_delete_doc (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) tombstones = NULL;
  g_autoptr(GHashTable) docs = NULL;
  g_autoptr(GHashTable) in_category = NULL;
  ParleyChunkRecord rec = { 0 };
  ParleyStoreStats stats;
  Inserted a, b;
  const float vec[4] = { 1, 2, 3, 4 };

  insert_doc (store, "/docs/a.md", 3, &a);
  insert_doc (store, "/docs/b.md", 1, &b);
  assert_lang_stats (store, PARLEY_LANG_EN, 4, 60 + 10);
  g_assert_true (parley_store_put_vector (store, a.children[0], "m", vec, 4, &error));
  g_assert_no_error (error);

  /* A child comes back with its document and its parent's text. */
  g_assert_true (parley_store_get_chunk (store, a.children[1], &rec, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rec.chunk_id, ==, a.children[1]);
  g_assert_cmpint (rec.doc_id, ==, a.doc);
  g_assert_cmpstr (rec.doc, ==, "/docs/a.md");
  g_assert_cmpstr (rec.title, ==, "Returns");
  g_assert_cmpstr (rec.lang, ==, "en");
  g_assert_cmpstr (rec.category, ==, "policy");
  g_assert_cmpstr (rec.heading, ==, "Returns › Refunds");
  g_assert_cmpstr (rec.text, ==, "child 1 of /docs/a.md");
  g_assert_cmpstr (rec.parent_text, ==, "Refunds take five days. Returns are free.");
  parley_chunk_record_clear (&rec);

  in_category = parley_store_chunks_in_category (store, "policy", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (in_category), ==, 4);
  g_assert_false (g_hash_table_contains (in_category, &a.parent));

  tombstones = parley_store_get_tombstones (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (tombstones), ==, 0);
  g_clear_pointer (&tombstones, g_hash_table_unref);

  g_assert_true (parley_store_delete_doc (store, a.doc, &error));
  g_assert_no_error (error);

  /* Its chunks are gone, parent and children. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_false (parley_store_get_chunk (store, a.children[i], &rec, &error));
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }
  g_assert_false (parley_store_get_chunk (store, a.parent, &rec, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The inverted index is told which child chunks to mask: exactly those. */
  tombstones = parley_store_get_tombstones (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (tombstones), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_hash_table_contains (tombstones, &a.children[i]));
  g_assert_false (g_hash_table_contains (tombstones, &a.parent));
  g_assert_false (g_hash_table_contains (tombstones, &b.children[0]));

  /* The other document is intact; the statistics lost a's children. */
  g_assert_true (parley_store_get_chunk (store, b.children[0], &rec, &error));
  g_assert_cmpstr (rec.text, ==, "child 0 of /docs/b.md");
  parley_chunk_record_clear (&rec);
  assert_lang_stats (store, PARLEY_LANG_EN, 1, 10);
  docs = parley_store_list_docs (store, &error);
  g_assert_cmpuint (g_hash_table_size (docs), ==, 1);
  g_assert_true (g_hash_table_contains (docs, "/docs/b.md"));

  g_assert_true (parley_store_get_stats (store, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.n_docs, ==, 1);
  g_assert_cmpint (stats.n_parents, ==, 1);
  g_assert_cmpint (stats.n_children, ==, 1);
  g_assert_cmpint (stats.n_tombstones, ==, 3);
  g_assert_cmpint (stats.n_vectors, ==, 0);
  g_assert_cmpint (stats.docs_per_lang[PARLEY_LANG_EN], ==, 1);
  g_assert_cmpint (stats.file_bytes, >, 0);

  /* Deleting a document that is not there changes nothing. */
  g_assert_true (parley_store_delete_doc (store, a.doc + 100, &error));
  g_assert_no_error (error);
  assert_lang_stats (store, PARLEY_LANG_EN, 1, 10);

  /* Rebuilding the index clears the tombstones. */
  g_assert_true (parley_store_clear_postings (store, &error));
  g_clear_pointer (&tombstones, g_hash_table_unref);
  tombstones = parley_store_get_tombstones (store, &error);
  g_assert_cmpuint (g_hash_table_size (tombstones), ==, 0);
}

static void
test_lang_stats (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;

  assert_lang_stats (store, PARLEY_LANG_EN, 0, 0);
  g_assert_true (parley_store_add_lang_stats (store, "en", 5, 100, &error));
  g_assert_true (parley_store_add_lang_stats (store, "en", 3, 50, &error));
  g_assert_true (parley_store_add_lang_stats (store, "de", 1, 7, &error));
  g_assert_no_error (error);
  assert_lang_stats (store, PARLEY_LANG_EN, 8, 150);
  assert_lang_stats (store, PARLEY_LANG_DE, 1, 7);

  /* Subtracting (a document removed). */
  g_assert_true (parley_store_add_lang_stats (store, "en", -2, -40, &error));
  assert_lang_stats (store, PARLEY_LANG_EN, 6, 110);
  assert_lang_stats (store, PARLEY_LANG_DE, 1, 7);
  assert_lang_stats (store, PARLEY_LANG_ZH, 0, 0);

  g_assert_true (parley_store_reset_lang_stats (store, &error));
  g_assert_no_error (error);
  assert_lang_stats (store, PARLEY_LANG_EN, 0, 0);
  assert_lang_stats (store, PARLEY_LANG_DE, 0, 0);
}

static void
collect_term_cb (const char *term,
                 gint64      df,
                 gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s=%" G_GINT64_FORMAT, term, df));
}

static void
test_postings (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) unknown = NULL;
  g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  ParleyPosting postings[300];
  const guint8 other[] = { 0, 1, 2, 255, 0 };
  gint64 df = -1;

  for (guint i = 0; i < G_N_ELEMENTS (postings); i++)
    postings[i] = (ParleyPosting) { 3 * i + 1, 1 + i % 4, 10 + i };
  list = parley_postings_append (NULL, postings, G_N_ELEMENTS (postings), &error);
  g_assert_no_error (error);

  g_assert_true (parley_store_put_postings (store, "en:refund", 300, g_bytes_get_data (list, NULL),
                                            g_bytes_get_size (list), &error));
  g_assert_no_error (error);
  g_assert_true (parley_store_get_postings (store, "en:refund", &got, &df, &error));
  g_assert_no_error (error);
  g_assert_cmpint (df, ==, 300);
  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got, list));
  g_assert_true (parley_postings_decode (got, decoded, &error));
  g_assert_cmpuint (decoded->len, ==, 300);
  g_assert_cmpint (g_array_index (decoded, ParleyPosting, 299).id, ==, 3 * 299 + 1);

  /* An unknown term is not an error. */
  g_assert_true (parley_store_get_postings (store, "en:nothing", &unknown, &df, &error));
  g_assert_no_error (error);
  g_assert_null (unknown);
  g_assert_cmpint (df, ==, 0);

  /* Putting again replaces; the blob is binary-safe (NUL bytes). */
  g_assert_true (parley_store_put_postings (store, "en:refund", 2, other, sizeof other, &error));
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_true (parley_store_get_postings (store, "en:refund", &got, &df, &error));
  g_assert_cmpint (df, ==, 2);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), other, sizeof other);

  /* The vocabulary of one language, by prefix. */
  g_assert_true (parley_store_put_postings (store, "en:return", 1, other, 1, &error));
  g_assert_true (parley_store_put_postings (store, "de:ruckgab", 1, other, 1, &error));
  g_assert_true (parley_store_put_postings (store, "en;x", 1, other, 1, &error));
  g_assert_true (parley_store_put_postings (store, "e", 1, other, 1, &error));
  g_assert_no_error (error);
  g_assert_true (parley_store_foreach_term (store, "en:", collect_term_cb, terms, &error));
  g_assert_no_error (error);
  g_ptr_array_sort (terms, compare_strings_cb);
  g_assert_cmpuint (terms->len, ==, 2);
  g_assert_cmpstr (terms->pdata[0], ==, "en:refund=2");
  g_assert_cmpstr (terms->pdata[1], ==, "en:return=1");

  g_assert_true (parley_store_clear_postings (store, &error));
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_true (parley_store_get_postings (store, "en:return", &got, &df, &error));
  g_assert_null (got);
}

static void
test_transaction (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) docs = NULL;
  g_autoptr(GHashTable) tombstones = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *kept = NULL;
  Inserted a;
  ParleyStoreStats stats;

  g_assert_true (parley_store_begin (store, &error));
  g_assert_no_error (error);
  g_assert_true (parley_store_set_meta (store, "tx", "1", &error));
  insert_doc (store, "/docs/a.md", 2, &a);
  g_assert_true (parley_store_put_postings (store, "en:x", 1, (const guint8 *) "ab", 2, &error));
  g_assert_true (parley_store_delete_doc (store, a.doc, &error));
  g_assert_no_error (error);
  parley_store_rollback (store);

  /* Nothing of it is left: meta, documents, chunks, tombstones, postings, stats. */
  meta = parley_store_get_meta (store, "tx");
  g_assert_null (meta);
  docs = parley_store_list_docs (store, &error);
  g_assert_cmpuint (g_hash_table_size (docs), ==, 0);
  tombstones = parley_store_get_tombstones (store, &error);
  g_assert_cmpuint (g_hash_table_size (tombstones), ==, 0);
  g_assert_true (parley_store_get_stats (store, &stats, &error));
  g_assert_cmpint (stats.n_docs + stats.n_parents + stats.n_children + stats.n_terms + stats.n_tombstones, ==, 0);
  assert_lang_stats (store, PARLEY_LANG_EN, 0, 0);

  /* A rollback outside a transaction does nothing. */
  parley_store_rollback (store);

  /* And a committed transaction survives a reopen. */
  g_assert_true (parley_store_begin (store, &error));
  g_assert_true (parley_store_set_meta (store, "tx", "2", &error));
  g_assert_true (parley_store_commit (store, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  store = open_ok (fx->path);
  kept = parley_store_get_meta (store, "tx");
  g_assert_cmpstr (kept, ==, "2");
}

static void
test_embedding_cache (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  float vector[4] = { 0.5f, -0.25f, 1.0f, 0.0f };
  g_autofree float *got = NULL;
  g_autofree float *other_dim = NULL;
  g_autofree float *missing = NULL;

  missing = parley_store_get_cached_embedding (store, "abc", 4, &error);
  g_assert_no_error (error);
  g_assert_null (missing);

  g_assert_true (parley_store_put_cached_embedding (store, "abc", "amazon.titan-embed-text-v2:0", vector, 4, &error));
  g_assert_no_error (error);
  got = parley_store_get_cached_embedding (store, "abc", 4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpmem (got, sizeof vector, vector, sizeof vector);

  /* Another size under the same hash is not a hit. */
  other_dim = parley_store_get_cached_embedding (store, "abc", 8, &error);
  g_assert_no_error (error);
  g_assert_null (other_dim);
}

static void
audit_verify (ParleyStore       *store,
              ParleyAuditReport *report)
{
  g_autoptr(GError) error = NULL;

  parley_audit_report_clear (report);
  g_assert_true (parley_store_audit_verify (store, report, &error));
  g_assert_no_error (error);
}

/* The audit log is append-only and hash-chained: editing, removing (in the
 * middle or at the end) or slipping in a record is found and named. */
static void
test_audit (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  ParleyAuditReport report = { 0 };
  char *sql_error = NULL;
  sqlite3 *db = NULL;

  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 0);
  g_assert_cmpint (report.n_records, ==, 0);

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *payload = g_strdup_printf ("{\"route\":\"simple\",\"turn\":%u}", i);

      g_assert_cmpint (parley_store_audit_append (store, "route", "conv-1", payload, &error), ==, i);
      g_assert_no_error (error);
    }
  g_assert_cmpint (parley_store_audit_append (store, "route", "conv-1", "not json", &error), ==, 0);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpint (parley_store_audit_append (store, "route", "conv-1", "", &error), ==, 0);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 0);
  g_assert_cmpint (report.n_records, ==, 5);

  /* The database itself refuses edits. */
  g_assert_cmpint (sqlite3_open (fx->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET payload = '{}' WHERE id = 2", NULL, NULL, &sql_error), !=, SQLITE_OK);
  g_assert_nonnull (strstr (sql_error, "append-only"));
  sqlite3_free (sql_error);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  /* Someone who drops the guards and edits record 3 is caught. */
  sqlite_exec (fx->path, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                         "UPDATE audit SET payload = '{\"route\":\"escalate\",\"turn\":3}' WHERE id = 3");
  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 3);
  g_assert_nonnull (strstr (report.problem, "edited"));
  g_assert_cmpint (report.n_records, ==, 2);

  /* Put back, then remove one in the middle. */
  sqlite_exec (fx->path, "UPDATE audit SET payload = '{\"route\":\"simple\",\"turn\":3}' WHERE id = 3");
  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 0);
  sqlite_exec (fx->path, "DELETE FROM audit WHERE id = 4");
  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 4);
  g_assert_nonnull (strstr (report.problem, "missing"));

  /* Removing the last records shows against the head. */
  sqlite_exec (fx->path, "DELETE FROM audit WHERE id >= 4");
  audit_verify (store, &report);
  g_assert_cmpint (report.bad_id, ==, 4);
  g_assert_nonnull (strstr (report.problem, "4 to 5 were removed"));
  parley_audit_report_clear (&report);
}

static gint64
add (ParleyStore       *store,
     gint64             conversation,
     ParleyMessageRole  role,
     const char        *text,
     gint64             at)
{
  g_autoptr(GError) error = NULL;
  ParleyMessageRecord m = { .conversation_id = conversation, .role = role, .text = (char *) text,
                            .lang = (char *) "en", .cost_usd = -1, .created_at = at };
  gint64 id = parley_store_add_message (store, &m, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* Customers have several conversations; their history runs across them. */
static void
test_conversations (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  ParleyConversationRecord conv = { 0 };
  gint64 now = g_get_real_time ();
  gint64 a, b;
  ParleyMessageRecord bad = { .role = PARLEY_MESSAGE_CUSTOMER, .text = (char *) "x" };

  g_assert_true (parley_store_put_customer (store, "cust-1", "premium", "es-ES", TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (parley_store_put_customer (store, "", NULL, NULL, FALSE, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  /* An unknown customer cannot have a conversation. */
  g_assert_cmpint (parley_store_create_conversation (store, "nobody", "en", &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);

  a = parley_store_create_conversation (store, "cust-1", "es", &error);
  b = parley_store_create_conversation (store, "cust-1", "es", &error);
  g_assert_no_error (error);
  add (store, a, PARLEY_MESSAGE_CUSTOMER, "¿Dónde está mi pedido?", now - 2000);
  add (store, a, PARLEY_MESSAGE_ASSISTANT, "Está en camino.", now - 1000);
  add (store, b, PARLEY_MESSAGE_CUSTOMER, "Quiero devolverlo.", now);
  bad.conversation_id = 999999;
  g_assert_cmpint (parley_store_add_message (store, &bad, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);

  history = parley_store_customer_history (store, "cust-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (((ParleyMessageRecord *) history->pdata[0])->text, ==, "¿Dónde está mi pedido?");
  g_assert_cmpint (((ParleyMessageRecord *) history->pdata[1])->role, ==, PARLEY_MESSAGE_ASSISTANT);
  g_assert_cmpint (((ParleyMessageRecord *) history->pdata[2])->conversation_id, ==, b);

  g_assert_true (parley_store_set_conversation_status (store, a, PARLEY_CONVERSATION_ESCALATED, &error));
  g_assert_true (parley_store_get_conversation (store, a, &conv, &error));
  g_assert_no_error (error);
  g_assert_cmpint (conv.status, ==, PARLEY_CONVERSATION_ESCALATED);
  g_assert_cmpstr (conv.customer_id, ==, "cust-1");
  g_assert_cmpstr (conv.lang, ==, "en");
  parley_conversation_record_clear (&conv);
  g_assert_false (parley_store_set_conversation_status (store, 424242, PARLEY_CONVERSATION_RESOLVED, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

/* Retention: old conversations go with their messages, and no byte of their
 * text stays in the database or its WAL. */
static void
test_retention (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *wal = g_strconcat (fx->path, "-wal", NULL);
  gint64 now = g_get_real_time ();
  gint64 old, recent;

  g_assert_true (parley_store_put_customer (store, "cust-2", NULL, NULL, FALSE, &error));
  old = parley_store_create_conversation (store, "cust-2", "en", &error);
  recent = parley_store_create_conversation (store, "cust-2", "en", &error);
  g_assert_no_error (error);
  add (store, old, PARLEY_MESSAGE_CUSTOMER, "OLDSECRET-7f3a my parcel never came", now - 100LL * 24 * 3600 * G_USEC_PER_SEC);
  add (store, recent, PARLEY_MESSAGE_CUSTOMER, "RECENT-1b2c thanks", now);

  g_assert_cmpint (parley_store_purge_conversations (store, now - 90LL * 24 * 3600 * G_USEC_PER_SEC, &error), ==, 1);
  g_assert_no_error (error);
  history = parley_store_customer_history (store, "cust-2", &error);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_cmpstr (((ParleyMessageRecord *) history->pdata[0])->text, ==, "RECENT-1b2c thanks");
  g_assert_cmpint (sqlite_int (fx->path, "SELECT count (*) FROM messages"), ==, 1);

  g_assert_false (file_contains (fx->path, "OLDSECRET-7f3a"));
  g_assert_false (file_contains (wal, "OLDSECRET-7f3a"));
  g_assert_true (file_contains (fx->path, "RECENT-1b2c"));
}

/* A customer's export holds all of theirs; deletion leaves no byte of it in
 * the files, and the audit log only a tombstone with counts. */
static void
test_gdpr (Fixture       *fx,
           gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) export = NULL;
  g_autofree char *text = NULL;
  g_autofree char *wal = g_strconcat (fx->path, "-wal", NULL);
  ParleyAuditReport report = { 0 };
  gint64 conv, n = 0;

  g_assert_true (parley_store_put_customer (store, "cust-gdpr-91", NULL, "fr-FR", TRUE, &error));
  g_assert_true (parley_store_put_customer (store, "cust-other", NULL, NULL, FALSE, &error));
  conv = parley_store_create_conversation (store, "cust-gdpr-91", "fr", &error);
  add (store, conv, PARLEY_MESSAGE_CUSTOMER, "PERSONAL-9c1e je m'appelle {NAME}", 0);
  add (store, conv, PARLEY_MESSAGE_ASSISTANT, "Bonjour !", 0);
  add (store, parley_store_create_conversation (store, "cust-other", "en", &error),
       PARLEY_MESSAGE_CUSTOMER, "OTHER-4d2a hello", 0);
  g_assert_no_error (error);

  export = parley_store_export_customer (store, "cust-gdpr-91", &error);
  g_assert_no_error (error);
  text = json_to_string (export, FALSE);
  g_assert_nonnull (strstr (text, "\"residency\":\"EU\""));
  g_assert_nonnull (strstr (text, "PERSONAL-9c1e"));
  g_assert_null (strstr (text, "OTHER-4d2a"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (export), "messages")), ==, 2);

  g_assert_true (parley_store_delete_customer (store, "cust-gdpr-91", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2);
  g_assert_false (file_contains (fx->path, "PERSONAL-9c1e"));
  g_assert_false (file_contains (fx->path, "cust-gdpr-91"));
  g_assert_false (file_contains (wal, "PERSONAL-9c1e"));
  g_assert_true (file_contains (fx->path, "OTHER-4d2a"));
  g_assert_cmpint (sqlite_int (fx->path, "SELECT count (*) FROM audit WHERE kind = 'gdpr_delete'"), ==, 1);
  g_assert_true (parley_store_audit_verify (store, &report, &error));
  g_assert_cmpint (report.bad_id, ==, 0);
  parley_audit_report_clear (&report);

  g_assert_null (parley_store_export_customer (store, "cust-gdpr-91", &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (parley_store_delete_customer (store, "cust-gdpr-91", NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
}

static void
test_stats (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(ParleyStore) store = open_ok (fx->path);
  g_autoptr(GError) error = NULL;
  ParleySupportStats stats;
  gint64 c[4];

  g_assert_true (parley_store_put_customer (store, "cust-s", NULL, NULL, FALSE, &error));
  for (guint i = 0; i < 4; i++)
    {
      ParleyMessageRecord q = { .role = PARLEY_MESSAGE_CUSTOMER, .text = (char *) "q", .cost_usd = -1,
                                .intent = (char *) (i < 3 ? "returns" : "shipping") };
      ParleyMessageRecord a = { .role = PARLEY_MESSAGE_ASSISTANT, .text = (char *) "a",
                                .model = (char *) (i < 2 ? "small" : "large"), .input_tokens = 100,
                                .output_tokens = 10, .cost_usd = i < 2 ? 0.001 : -1, .latency_ms = 10 * (i + 1) };

      c[i] = parley_store_create_conversation (store, "cust-s", "en", &error);
      q.conversation_id = a.conversation_id = c[i];
      g_assert_cmpint (parley_store_add_message (store, &q, &error), >, 0);
      g_assert_cmpint (parley_store_add_message (store, &a, &error), >, 0);
    }
  g_assert_true (parley_store_set_conversation_status (store, c[0], PARLEY_CONVERSATION_RESOLVED, &error));
  g_assert_true (parley_store_escalate_conversation (store, c[1], "human_request", &error));
  g_assert_true (parley_store_escalate_conversation (store, c[2], "negative_sentiment", &error));
  g_assert_true (parley_store_put_csat (store, c[0], 5, "great", &error));
  g_assert_true (parley_store_put_csat (store, c[1], 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (parley_store_put_csat (store, c[2], 9, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_true (parley_store_get_support_stats (store, 0, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.conversations, ==, 4);
  g_assert_cmpint (stats.resolved, ==, 1);
  g_assert_cmpint (stats.escalated, ==, 2);
  g_assert_cmpuint (stats.reasons->len, ==, 2);
  g_assert_cmpstr (((ParleyCount *) stats.intents->pdata[0])->name, ==, "returns");
  g_assert_cmpint (((ParleyCount *) stats.intents->pdata[0])->count, ==, 3);
  g_assert_cmpuint (stats.models->len, ==, 2);
  g_assert_cmpstr (((ParleyModelStats *) stats.models->pdata[1])->model, ==, "small");
  g_assert_cmpfloat_with_epsilon (((ParleyModelStats *) stats.models->pdata[1])->cost_usd, 0.002, 1e-12);
  g_assert_cmpfloat (((ParleyModelStats *) stats.models->pdata[0])->cost_usd, <, 0);
  g_assert_cmpint (stats.latency_p50_ms, ==, 30);
  g_assert_cmpint (stats.latency_p99_ms, ==, 40);
  g_assert_cmpint (stats.csat_responses, ==, 2);
  g_assert_cmpfloat_with_epsilon (stats.csat_average, 3.5, 1e-9);
  g_assert_cmpint (stats.csat_satisfied, ==, 1);
  parley_support_stats_clear (&stats);

  /* Nothing in the future. */
  g_assert_true (parley_store_get_support_stats (store, g_get_real_time () + G_USEC_PER_SEC, &stats, &error));
  g_assert_cmpint (stats.conversations, ==, 0);
  parley_support_stats_clear (&stats);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(name, fn) g_test_add ("/store/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("open/creates", test_open_creates);
  ADD ("open/reopen", test_reopen);
  ADD ("open/random-bytes", test_open_random_bytes);
  ADD ("open/foreign", test_open_foreign);
  ADD ("open/newer", test_open_newer);
  ADD ("open/migrate-v1", test_migrate_v1);
  ADD ("open/not-a-file", test_open_not_a_file);
  ADD ("docs/delete", test_delete_doc);
  ADD ("lang-stats", test_lang_stats);
  ADD ("postings", test_postings);
  ADD ("transaction", test_transaction);
  ADD ("embedding-cache", test_embedding_cache);
  ADD ("audit", test_audit);
  ADD ("conversations", test_conversations);
  ADD ("retention", test_retention);
  ADD ("gdpr", test_gdpr);
  ADD ("stats", test_stats);
#undef ADD

  return g_test_run ();
}
