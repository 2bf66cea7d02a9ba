/* parley-store.c — the sqlite store: schema, migrations and every query
 *
 * One connection, one writer, WAL, foreign keys, prepared statements only
 * (no SQL is built from data). The schema is versioned by PRAGMA user_version
 * and the file is marked as Parley's by PRAGMA application_id, so that a
 * foreign sqlite file or a damaged one is refused with a clear message
 * instead of being "migrated".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-store"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "parley-error.h"
#include "parley-store.h"

#define PARLEY_APPLICATION_ID 0x50524C59 /* "PRLY" */


typedef enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_GET_META,
  STMT_SET_META,
  STMT_LIST_DOCS,
  STMT_INSERT_DOC,
  STMT_DOC_CHILD_STATS,
  STMT_DELETE_DOC,
  STMT_INSERT_CHUNK,
  STMT_GET_CHUNK,
  STMT_CHUNKS_IN_CATEGORY,
  STMT_FOREACH_CHILD,
  STMT_GET_POSTINGS,
  STMT_PUT_POSTINGS,
  STMT_CLEAR_POSTINGS,
  STMT_CLEAR_TOMBSTONES,
  STMT_FOREACH_TERM,
  STMT_GET_TOMBSTONES,
  STMT_GET_LANG_STATS,
  STMT_ADD_LANG_STATS,
  STMT_RESET_LANG_STATS,
  STMT_SET_CHUNK_TERMS,
  STMT_DATA_VERSION,
  STMT_PUT_VECTOR,
  STMT_FOREACH_VECTOR,
  STMT_STATS,
  STMT_STATS_LANG,
  STMT_FTS_INSERT,
  STMT_FTS_SEARCH,
  STMT_FTS_TAGGED_INSERT,
  STMT_FTS_TAGGED_SEARCH,
  STMT_GET_CACHED_EMBEDDING,
  STMT_PUT_CACHED_EMBEDDING,
  STMT_FOREACH_UNEMBEDDED,
  STMT_AUDIT_INSERT,
  STMT_AUDIT_FOREACH,
  STMT_UPSERT_CUSTOMER,
  STMT_INSERT_CONVERSATION,
  STMT_SET_CONVERSATION_STATUS,
  STMT_GET_CONVERSATION,
  STMT_INSERT_MESSAGE,
  STMT_TOUCH_CONVERSATION,
  STMT_CUSTOMER_HISTORY,
  STMT_PURGE_CONVERSATIONS,
  STMT_CACHE_GET,
  STMT_CACHE_HIT,
  STMT_CACHE_PUT,
  STMT_CACHE_PURGE,
  STMT_GET_CUSTOMER,
  STMT_CUSTOMER_CONVERSATIONS,
  STMT_DELETE_CUSTOMER,
  STMT_COUNT_CUSTOMER_MESSAGES,
  STMT_PUT_CSAT,
  STMT_SET_ESCALATION,
  STMT_STATS_CONVERSATIONS,
  STMT_STATS_REASONS,
  STMT_STATS_INTENTS,
  STMT_STATS_MODELS,
  STMT_STATS_LATENCIES,
  STMT_STATS_CSAT,
  N_STMTS
} StmtId;

struct _ParleyStore
{
  GObject       parent_instance;

  /* owned */
  char         *path;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  guint         in_transaction : 1;
};

G_DEFINE_FINAL_TYPE (ParleyStore, parley_store, G_TYPE_OBJECT)

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_GET_META] = "SELECT value FROM meta WHERE key = ?1",
  [STMT_SET_META] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  [STMT_LIST_DOCS] = "SELECT id, path, hash FROM documents",
  [STMT_INSERT_DOC] = "INSERT INTO documents (path, title, lang, category, meta, format, hash, bytes, about, ingested_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, unixepoch ())",
  [STMT_DOC_CHILD_STATS] = "SELECT d.lang, count (c.id), coalesce (sum (c.n_terms), 0) "
                           "FROM documents d LEFT JOIN chunks c ON c.doc_id = d.id AND c.parent_id IS NOT NULL "
                           "WHERE d.id = ?1 GROUP BY d.id",
  [STMT_DELETE_DOC] = "DELETE FROM documents WHERE id = ?1",
  [STMT_INSERT_CHUNK] = "INSERT INTO chunks (doc_id, parent_id, ord, heading, text, n_tokens, n_terms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_GET_CHUNK] = "SELECT c.id, d.id, d.path, d.title, d.lang, d.category, c.heading, c.text, p.text "
                     "FROM chunks c JOIN documents d ON d.id = c.doc_id "
                     "LEFT JOIN chunks p ON p.id = c.parent_id WHERE c.id = ?1",
  [STMT_CHUNKS_IN_CATEGORY] = "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
                              "WHERE d.category = ?1 AND c.parent_id IS NOT NULL",
  [STMT_FOREACH_CHILD] = "SELECT c.id, d.lang, d.title, d.about, c.heading, c.text FROM chunks c "
                         "JOIN documents d ON d.id = c.doc_id WHERE c.parent_id IS NOT NULL ORDER BY c.id",
  [STMT_GET_POSTINGS] = "SELECT df, data FROM postings WHERE term = ?1",
  [STMT_PUT_POSTINGS] = "INSERT INTO postings (term, df, data) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT (term) DO UPDATE SET df = excluded.df, data = excluded.data",
  [STMT_CLEAR_POSTINGS] = "DELETE FROM postings",
  [STMT_CLEAR_TOMBSTONES] = "DELETE FROM tombstones",
  [STMT_FOREACH_TERM] = "SELECT term, df FROM postings WHERE term >= ?1 AND term < ?2",
  [STMT_GET_TOMBSTONES] = "SELECT chunk_id FROM tombstones",
  [STMT_GET_LANG_STATS] = "SELECT n_chunks, total_len FROM lang_stats WHERE lang = ?1",
  [STMT_ADD_LANG_STATS] = "INSERT INTO lang_stats (lang, n_chunks, total_len) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (lang) DO UPDATE SET n_chunks = n_chunks + excluded.n_chunks, "
                          "total_len = total_len + excluded.total_len",
  [STMT_RESET_LANG_STATS] = "DELETE FROM lang_stats",
  [STMT_SET_CHUNK_TERMS] = "UPDATE chunks SET n_terms = ?2 WHERE id = ?1",
  [STMT_DATA_VERSION] = "PRAGMA data_version",
  [STMT_PUT_VECTOR] = "INSERT INTO vectors (chunk_id, model, dim, vec) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (chunk_id, model) DO UPDATE SET dim = excluded.dim, vec = excluded.vec",
  [STMT_FOREACH_VECTOR] = "SELECT v.chunk_id, d.lang, v.dim, v.vec FROM vectors v "
                          "JOIN chunks c ON c.id = v.chunk_id JOIN documents d ON d.id = c.doc_id "
                          "WHERE v.model = ?1 ORDER BY v.chunk_id",
  [STMT_STATS] = "SELECT (SELECT count (*) FROM documents), "
                 "(SELECT count (*) FROM chunks WHERE parent_id IS NULL), "
                 "(SELECT count (*) FROM chunks WHERE parent_id IS NOT NULL), "
                 "(SELECT count (*) FROM postings), (SELECT count (*) FROM tombstones), "
                 "(SELECT count (*) FROM vectors)",
  [STMT_STATS_LANG] = "SELECT lang, count (*) FROM documents GROUP BY lang",
  [STMT_FTS_INSERT] = "INSERT INTO fts_baseline (rowid, text, lang) "
                      "SELECT c.id, d.title || ' ' || d.about || ' ' || coalesce (c.heading, '') || ' ' || c.text, d.lang "
                      "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.parent_id IS NOT NULL",
  [STMT_FTS_SEARCH] = "SELECT rowid, -bm25 (fts_baseline) FROM fts_baseline "
                      "WHERE fts_baseline MATCH ?1 AND lang = ?2 ORDER BY rank LIMIT ?3",
  [STMT_FTS_TAGGED_INSERT] = "INSERT INTO fts_tagged (rowid, text) "
                             "SELECT c.id, d.lang || char (10) || d.title || ' ' || d.about || ' ' || "
                             "coalesce (c.heading, '') || ' ' || c.text "
                             "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.parent_id IS NOT NULL",
  [STMT_FTS_TAGGED_SEARCH] = "SELECT rowid, -bm25 (fts_tagged) FROM fts_tagged "
                             "WHERE fts_tagged MATCH ?1 ORDER BY rank LIMIT ?2",
  [STMT_GET_CACHED_EMBEDDING] = "SELECT vec FROM embedding_cache WHERE hash = ?1 AND dim = ?2",
  [STMT_PUT_CACHED_EMBEDDING] = "INSERT INTO embedding_cache (hash, model, dim, vec) VALUES (?1, ?2, ?3, ?4) "
                                "ON CONFLICT (hash) DO UPDATE SET model = excluded.model, dim = excluded.dim, "
                                "vec = excluded.vec",
  [STMT_FOREACH_UNEMBEDDED] = "SELECT c.id, d.lang, d.title, d.about, c.heading, c.text FROM chunks c "
                              "JOIN documents d ON d.id = c.doc_id WHERE c.parent_id IS NOT NULL "
                              "AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model = ?1) "
                              "ORDER BY c.id",
  [STMT_AUDIT_INSERT] = "INSERT INTO audit (id, at, kind, subject, payload, prev, hash) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_AUDIT_FOREACH] = "SELECT id, at, kind, subject, payload, prev, hash FROM audit "
                         "WHERE (?1 IS NULL OR kind = ?1) ORDER BY id",
  [STMT_UPSERT_CUSTOMER] = "INSERT INTO customers (id, tier, locale, residency, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
                           "tier = excluded.tier, locale = coalesce (excluded.locale, locale), "
                           "residency = excluded.residency",
  [STMT_INSERT_CONVERSATION] = "INSERT INTO conversations (customer_id, status, lang, created_at, updated_at) "
                               "VALUES (?1, 'active', ?2, ?3, ?3)",
  [STMT_SET_CONVERSATION_STATUS] = "UPDATE conversations SET status = ?2, updated_at = ?3 WHERE id = ?1",
  [STMT_GET_CONVERSATION] = "SELECT id, customer_id, status, lang, created_at, updated_at "
                            "FROM conversations WHERE id = ?1",
  [STMT_INSERT_MESSAGE] = "INSERT INTO messages (conversation_id, role, text, lang, route, model, input_tokens, "
                          "output_tokens, cost_usd, latency_ms, created_at, intent) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
  [STMT_TOUCH_CONVERSATION] = "UPDATE conversations SET updated_at = ?2, lang = coalesce (?3, lang) WHERE id = ?1",
  [STMT_CUSTOMER_HISTORY] = "SELECT m.id, m.conversation_id, m.role, m.text, m.lang, m.route, m.model, "
                            "m.input_tokens, m.output_tokens, m.cost_usd, m.latency_ms, m.created_at, m.intent "
                            "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                            "WHERE c.customer_id = ?1 ORDER BY m.created_at, m.id",
  [STMT_PURGE_CONVERSATIONS] = "DELETE FROM conversations WHERE updated_at < ?1",
  [STMT_CACHE_GET] = "SELECT answer FROM response_cache WHERE key = ?1 AND expires_at > ?2",
  [STMT_CACHE_HIT] = "UPDATE response_cache SET hits = hits + 1 WHERE key = ?1",
  [STMT_CACHE_PUT] = "INSERT INTO response_cache (key, lang, answer, created_at, expires_at, hits) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (key) DO UPDATE SET "
                     "answer = excluded.answer, created_at = excluded.created_at, expires_at = excluded.expires_at",
  [STMT_CACHE_PURGE] = "DELETE FROM response_cache WHERE expires_at <= ?1",
  [STMT_GET_CUSTOMER] = "SELECT id, tier, locale, residency, created_at FROM customers WHERE id = ?1",
  [STMT_CUSTOMER_CONVERSATIONS] = "SELECT id, status, lang, created_at, updated_at FROM conversations "
                                  "WHERE customer_id = ?1 ORDER BY id",
  [STMT_DELETE_CUSTOMER] = "DELETE FROM customers WHERE id = ?1",
  [STMT_COUNT_CUSTOMER_MESSAGES] = "SELECT count (*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                                   "WHERE c.customer_id = ?1",
  [STMT_PUT_CSAT] = "INSERT INTO csat (conversation_id, score, comment, at) VALUES (?1, ?2, ?3, ?4) "
                    "ON CONFLICT (conversation_id) DO UPDATE SET score = excluded.score, "
                    "comment = excluded.comment, at = excluded.at",
  [STMT_SET_ESCALATION] = "UPDATE conversations SET status = 'escalated', escalation_reason = ?2, updated_at = ?3 "
                          "WHERE id = ?1",
  [STMT_STATS_CONVERSATIONS] = "SELECT count (*), coalesce (sum (status = 'resolved'), 0), "
                               "coalesce (sum (status = 'escalated' OR escalation_reason IS NOT NULL), 0) "
                               "FROM conversations WHERE created_at >= ?1",
  [STMT_STATS_REASONS] = "SELECT escalation_reason, count (*) FROM conversations "
                         "WHERE created_at >= ?1 AND escalation_reason IS NOT NULL "
                         "GROUP BY escalation_reason ORDER BY count (*) DESC, escalation_reason",
  [STMT_STATS_INTENTS] = "SELECT m.intent, count (*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                         "WHERE c.created_at >= ?1 AND m.intent IS NOT NULL "
                         "GROUP BY m.intent ORDER BY count (*) DESC, m.intent",
  [STMT_STATS_MODELS] = "SELECT m.model, count (*), sum (m.input_tokens), sum (m.output_tokens), sum (m.cost_usd), "
                        "count (m.cost_usd) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                        "WHERE c.created_at >= ?1 AND m.role = 'assistant' AND m.model IS NOT NULL "
                        "GROUP BY m.model ORDER BY m.model",
  [STMT_STATS_LATENCIES] = "SELECT m.latency_ms FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                           "WHERE c.created_at >= ?1 AND m.role = 'assistant' ORDER BY m.latency_ms",
  [STMT_STATS_CSAT] = "SELECT count (*), avg (s.score), coalesce (sum (s.score >= 4), 0) FROM csat s "
                      "JOIN conversations c ON c.id = s.conversation_id WHERE c.created_at >= ?1",
};

/* Each entry moves the schema from version i to i + 1. */
static const char * const migrations[] = {
  /* 1: knowledge base */
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE documents ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  path TEXT NOT NULL UNIQUE,"
  "  title TEXT NOT NULL,"
  "  lang TEXT NOT NULL,"
  "  category TEXT,"
  "  meta TEXT NOT NULL DEFAULT '{}',"
  "  format TEXT NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  bytes INTEGER NOT NULL,"
  "  ingested_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX documents_by_category ON documents (category);"
  /* AUTOINCREMENT: chunk ids are never reused, so posting lists can be
   * appended to and deleted chunks masked by tombstones. */
  "CREATE TABLE chunks ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
  "  parent_id INTEGER REFERENCES chunks (id) ON DELETE CASCADE,"
  "  ord INTEGER NOT NULL,"
  "  heading TEXT,"
  "  text TEXT NOT NULL,"
  "  n_tokens INTEGER NOT NULL,"
  "  n_terms INTEGER NOT NULL"
  ");"
  "CREATE INDEX chunks_by_doc ON chunks (doc_id);"
  "CREATE INDEX chunks_by_parent ON chunks (parent_id);"
  "CREATE TABLE postings ("
  "  term TEXT PRIMARY KEY,"
  "  df INTEGER NOT NULL,"
  "  data BLOB NOT NULL"
  ");"
  "CREATE TABLE tombstones (chunk_id INTEGER PRIMARY KEY);"
  "CREATE TABLE lang_stats ("
  "  lang TEXT PRIMARY KEY,"
  "  n_chunks INTEGER NOT NULL,"
  "  total_len INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE vectors ("
  "  chunk_id INTEGER NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,"
  "  model TEXT NOT NULL,"
  "  dim INTEGER NOT NULL,"
  "  vec BLOB NOT NULL,"
  "  PRIMARY KEY (chunk_id, model)"
  ");"
  "CREATE TRIGGER chunks_tombstone AFTER DELETE ON chunks WHEN old.parent_id IS NOT NULL "
  "BEGIN INSERT OR IGNORE INTO tombstones (chunk_id) VALUES (old.id); END;",

  /* 2: what a document is about (description, tags, questions it answers),
   * indexed with its chunks; stored documents are re-read at the next ingest. */
  "ALTER TABLE documents ADD COLUMN about TEXT NOT NULL DEFAULT '';"
  "UPDATE documents SET hash = '';",

  /* 3: embeddings by content hash (of model, dimensions and text), so text
   * that was embedded once is never sent to the provider again. */
  "CREATE TABLE embedding_cache ("
  "  hash TEXT PRIMARY KEY,"
  "  model TEXT NOT NULL,"
  "  dim INTEGER NOT NULL,"
  "  vec BLOB NOT NULL"
  ") WITHOUT ROWID;",

  /* 4: the audit log, append-only and hash-chained (parley_store_audit_append);
   * the chain's head is in meta, so that removing the last records shows. */
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY,"
  "  at INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  payload TEXT NOT NULL,"
  "  prev TEXT NOT NULL,"
  "  hash TEXT NOT NULL"
  ");"
  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
  "BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
  "BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;",

  /* 5: customers, their conversations (several sessions each) and messages. */
  "CREATE TABLE customers ("
  "  id TEXT PRIMARY KEY,"
  "  tier TEXT NOT NULL DEFAULT 'standard',"
  "  locale TEXT,"
  "  residency TEXT NOT NULL DEFAULT 'US' CHECK (residency IN ('EU', 'US')),"
  "  created_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY,"
  "  customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,"
  "  status TEXT NOT NULL CHECK (status IN ('active', 'escalated', 'resolved')),"
  "  lang TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX conversations_customer ON conversations (customer_id, updated_at);"
  "CREATE INDEX conversations_updated ON conversations (updated_at);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  role TEXT NOT NULL CHECK (role IN ('customer', 'assistant', 'agent', 'system')),"
  "  text TEXT NOT NULL,"
  "  lang TEXT,"
  "  route TEXT,"
  "  model TEXT,"
  "  input_tokens INTEGER NOT NULL DEFAULT 0,"
  "  output_tokens INTEGER NOT NULL DEFAULT 0,"
  "  cost_usd REAL,"
  "  latency_ms INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX messages_conversation ON messages (conversation_id, id);",

  /* 6: a cache of answers to FAQ-like questions, and the KB's generation
   * (bumped by any document added or removed), which is part of its keys so
   * that a changed KB never serves an old answer. */
  "CREATE TABLE response_cache ("
  "  key TEXT PRIMARY KEY,"
  "  lang TEXT NOT NULL,"
  "  answer TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  hits INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX response_cache_expiry ON response_cache (expires_at);"
  "INSERT OR IGNORE INTO meta (key, value) VALUES ('kb_generation', '0');"
  "CREATE TRIGGER documents_generation_insert AFTER INSERT ON documents "
  "BEGIN UPDATE meta SET value = CAST (value AS INTEGER) + 1 WHERE key = 'kb_generation'; END;"
  "CREATE TRIGGER documents_generation_delete AFTER DELETE ON documents "
  "BEGIN UPDATE meta SET value = CAST (value AS INTEGER) + 1 WHERE key = 'kb_generation'; END;",

  /* 7: why a conversation went to a person, the intent of each turn, and
   * the customer's satisfaction rating (CSAT 1–5 with a comment). */
  "ALTER TABLE conversations ADD COLUMN escalation_reason TEXT;"
  "ALTER TABLE messages ADD COLUMN intent TEXT;"
  "CREATE TABLE csat ("
  "  conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,"
  "  score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),"
  "  comment TEXT,"
  "  at INTEGER NOT NULL"
  ");",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PARLEY_STORE_SCHEMA_VERSION);

static gboolean
set_sqlite_error (ParleyStore  *self,
                  int           rc,
                  const char   *what,
                  GError      **error)
{
  int code = PARLEY_ERROR_FAILED;

  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      code = PARLEY_ERROR_CORRUPT;
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      code = PARLEY_ERROR_IO;
      break;
    default:
      break;
    }

  g_set_error (error, PARLEY_ERROR, code, "%s: %s: %s", self->path, what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static sqlite3_stmt *
get_stmt (ParleyStore  *self,
          StmtId        id,
          GError      **error)
{
  sqlite3_stmt *stmt = self->stmts[id];
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, "prepare", error);
      return NULL;
    }

  self->stmts[id] = stmt;
  return stmt;
}

/* Runs a statement that returns no rows. */
static gboolean
step_done (ParleyStore   *self,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, what, error);
  return TRUE;
}

static gboolean
exec_sql (ParleyStore  *self,
          const char   *sql,
          GError      **error)
{
  char *msg = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    {
      int code = (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) ? PARLEY_ERROR_CORRUPT : PARLEY_ERROR_FAILED;

      g_set_error (error, PARLEY_ERROR, code, "%s: %s", self->path,
                   msg != NULL ? msg : sqlite3_errstr (rc));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gint64
pragma_int (ParleyStore  *self,
            const char   *sql,
            GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    set_sqlite_error (self, rc, "read header", error);
  sqlite3_finalize (stmt);
  return value;
}

static void
parley_store_finalize (GObject *object)
{
  ParleyStore *self = (ParleyStore *) object;

  for (guint i = 0; i < G_N_ELEMENTS (self->stmts); i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (parley_store_parent_class)->finalize (object);
}

static void
parley_store_class_init (ParleyStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parley_store_finalize;
}

static void
parley_store_init (ParleyStore *self)
{
}

/* Reads the header only: a damaged file, another program's database or a
 * newer schema is refused before anything is written to the file. */
static gboolean
check_identity (ParleyStore  *self,
                gint64       *version,
                GError      **error)
{
  gint64 app_id, n_objects;

  app_id = pragma_int (self, "PRAGMA application_id", error);
  if (app_id < 0)
    return FALSE;
  *version = pragma_int (self, "PRAGMA user_version", error);
  n_objects = pragma_int (self, "SELECT count (*) FROM sqlite_schema", error);
  if (*version < 0 || n_objects < 0)
    return FALSE;

  if (app_id != PARLEY_APPLICATION_ID && (app_id != 0 || n_objects > 0))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT,
                   "%s: not a Parley database (an sqlite file of another program)", self->path);
      return FALSE;
    }

  if (*version > PARLEY_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_VERSION,
                   "%s: written by a newer Parley (schema %" G_GINT64_FORMAT ", this one knows %d)",
                   self->path, *version, PARLEY_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (ParleyStore  *self,
         gint64        version,
         GError      **error)
{
  for (gint64 v = version; v < PARLEY_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT ";"
                                               "PRAGMA application_id = %d;",
                                               v + 1, PARLEY_APPLICATION_ID);

      if (!exec_sql (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec_sql (self, migrations[v], error) || !exec_sql (self, bump, error))
        {
          exec_sql (self, "ROLLBACK", NULL);
          return FALSE;
        }
      if (!exec_sql (self, "COMMIT", error))
        return FALSE;
      g_debug ("migrated %s to schema %" G_GINT64_FORMAT, self->path, v + 1);
    }

  return TRUE;
}

/**
 * parley_store_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/parley/parley.db`
 */
char *
parley_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "parley", "parley.db", NULL);
}

/**
 * parley_store_open:
 * @path: the database file; created (with its folder) if missing
 *
 * Returns: (transfer full): the store, or %NULL with @error set: a file that
 *   is not sqlite, is damaged, or belongs to another program is refused.
 */
ParleyStore *
parley_store_open (const char  *path,
                   GError     **error)
{
  g_autoptr(ParleyStore) self = NULL;
  g_autofree char *dir = NULL;
  gint64 version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (PARLEY_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_IO, "%s: is a folder, not a database file", path);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_IO, "%s: cannot create folder: %s",
                   dir, g_strerror (errsv));
      return NULL;
    }

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, "open", error);
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  /* These pragmas write nothing; the first read of the header (in migrate)
   * tells a damaged or non-sqlite file. */
  if (!exec_sql (self,
                 "PRAGMA synchronous = NORMAL;"
                 "PRAGMA foreign_keys = ON;"
                 "PRAGMA journal_size_limit = 67108864;"
                 "PRAGMA cache_size = -65536;"
                 "PRAGMA temp_store = MEMORY;",
                 error))
    return NULL;

  if (!check_identity (self, &version, error) || !migrate (self, version, error))
    return NULL;

  /* Only now that the file is known to be ours: WAL mode rewrites the header. */
  if (!exec_sql (self, "PRAGMA journal_mode = WAL;", error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
parley_store_get_path (ParleyStore *self)
{
  g_return_val_if_fail (PARLEY_IS_STORE (self), NULL);
  return self->path;
}

gboolean
parley_store_begin (ParleyStore  *self,
                    GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_BEGIN, error);

  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (stmt == NULL || !step_done (self, stmt, "begin", error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
parley_store_commit (ParleyStore  *self,
                     GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_COMMIT, error);

  if (stmt == NULL || !step_done (self, stmt, "commit", error))
    return FALSE;
  self->in_transaction = FALSE;
  return TRUE;
}

void
parley_store_rollback (ParleyStore *self)
{
  sqlite3_stmt *stmt;

  if (!self->in_transaction)
    return;
  if ((stmt = get_stmt (self, STMT_ROLLBACK, NULL)) != NULL)
    step_done (self, stmt, "rollback", NULL);
  self->in_transaction = FALSE;
}

char *
parley_store_get_meta (ParleyStore *self,
                       const char  *key)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_META, NULL);
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

gboolean
parley_store_set_meta (ParleyStore  *self,
                       const char   *key,
                       const char   *value,
                       GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_SET_META, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  return step_done (self, stmt, "set meta", error);
}

void
parley_stored_doc_free (ParleyStoredDoc *doc)
{
  if (doc == NULL)
    return;
  g_free (doc->hash);
  g_free (doc);
}

/**
 * parley_store_list_docs:
 *
 * Returns: (transfer full): path → #ParleyStoredDoc of every document
 */
GHashTable *
parley_store_list_docs (ParleyStore  *self,
                        GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_LIST_DOCS, error);
  g_autoptr(GHashTable) docs = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;

  docs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) parley_stored_doc_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyStoredDoc *doc = g_new0 (ParleyStoredDoc, 1);

      doc->id = sqlite3_column_int64 (stmt, 0);
      doc->hash = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      g_hash_table_insert (docs, g_strdup ((const char *) sqlite3_column_text (stmt, 1)), doc);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "list documents", error);
      return NULL;
    }
  return g_steal_pointer (&docs);
}

static gboolean
add_lang_stats (ParleyStore  *self,
                const char   *lang,
                gint64        n_chunks,
                gint64        total_len,
                GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_ADD_LANG_STATS, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, lang, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, n_chunks);
  sqlite3_bind_int64 (stmt, 3, total_len);
  return step_done (self, stmt, "update statistics", error);
}

gint64
parley_store_insert_doc (ParleyStore            *self,
                         const ParleyDocRecord  *doc,
                         GError                **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_INSERT_DOC, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, doc->path, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, doc->title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, doc->lang, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, doc->category, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, doc->meta_json != NULL ? doc->meta_json : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, doc->format, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, doc->hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, doc->bytes);
  sqlite3_bind_text (stmt, 9, doc->about != NULL ? doc->about : "", -1, SQLITE_STATIC);
  if (!step_done (self, stmt, "insert document", error))
    return -1;
  return sqlite3_last_insert_rowid (self->db);
}

/* Deleting a document deletes its chunks (cascade); the trigger masks its
 * child chunks in the inverted index with tombstones. */
gboolean
parley_store_delete_doc (ParleyStore  *self,
                         gint64        doc_id,
                         GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_DOC_CHILD_STATS, error);
  g_autofree char *lang = NULL;
  gint64 n = 0, len = 0;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, doc_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      lang = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      n = sqlite3_column_int64 (stmt, 1);
      len = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  if (lang != NULL && n > 0 && !add_lang_stats (self, lang, -n, -len, error))
    return FALSE;

  if ((stmt = get_stmt (self, STMT_DELETE_DOC, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, doc_id);
  return step_done (self, stmt, "delete document", error);
}

/**
 * parley_store_insert_chunk:
 * @parent_id: the parent chunk, or 0 for a parent chunk itself
 * @n_terms: for child chunks, the length in index terms (BM25's |d|)
 *
 * Returns: the new chunk id, or -1 with @error set
 */
gint64
parley_store_insert_chunk (ParleyStore  *self,
                           gint64        doc_id,
                           gint64        parent_id,
                           guint         ord,
                           const char   *heading,
                           const char   *text,
                           guint         n_tokens,
                           guint         n_terms,
                           GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_INSERT_CHUNK, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, doc_id);
  if (parent_id > 0)
    sqlite3_bind_int64 (stmt, 2, parent_id);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int (stmt, 3, ord);
  sqlite3_bind_text (stmt, 4, heading, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, text, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, n_tokens);
  sqlite3_bind_int (stmt, 7, n_terms);
  if (!step_done (self, stmt, "insert chunk", error))
    return -1;
  return sqlite3_last_insert_rowid (self->db);
}

/* Adds the child chunks of a document to the BM25 collection statistics. */
gboolean
parley_store_add_lang_stats (ParleyStore  *self,
                             const char   *lang,
                             gint64        n_chunks,
                             gint64        total_len,
                             GError      **error)
{
  return add_lang_stats (self, lang, n_chunks, total_len, error);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

void
parley_chunk_record_clear (ParleyChunkRecord *rec)
{
  g_clear_pointer (&rec->doc, g_free);
  g_clear_pointer (&rec->title, g_free);
  g_clear_pointer (&rec->lang, g_free);
  g_clear_pointer (&rec->category, g_free);
  g_clear_pointer (&rec->heading, g_free);
  g_clear_pointer (&rec->text, g_free);
  g_clear_pointer (&rec->parent_text, g_free);
}

gboolean
parley_store_get_chunk (ParleyStore        *self,
                        gint64              chunk_id,
                        ParleyChunkRecord  *out,
                        GError            **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_CHUNK, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chunk_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no chunk %" G_GINT64_FORMAT, chunk_id);
      else
        set_sqlite_error (self, rc, "read chunk", error);
      return FALSE;
    }

  out->chunk_id = sqlite3_column_int64 (stmt, 0);
  out->doc_id = sqlite3_column_int64 (stmt, 1);
  out->doc = dup_column (stmt, 2);
  out->title = dup_column (stmt, 3);
  out->lang = dup_column (stmt, 4);
  out->category = dup_column (stmt, 5);
  out->heading = dup_column (stmt, 6);
  out->text = dup_column (stmt, 7);
  out->parent_text = dup_column (stmt, 8);
  sqlite3_reset (stmt);
  return TRUE;
}

static GHashTable *
collect_ids (ParleyStore   *self,
             sqlite3_stmt  *stmt,
             const char    *what,
             GError       **error)
{
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 *id = g_new (gint64, 1);

      *id = sqlite3_column_int64 (stmt, 0);
      g_hash_table_add (set, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, what, error);
      return NULL;
    }
  return g_steal_pointer (&set);
}

/**
 * parley_store_chunks_in_category:
 *
 * Returns: (transfer full): set of gint64* child chunk ids whose document
 *   has @category
 */
GHashTable *
parley_store_chunks_in_category (ParleyStore  *self,
                                 const char   *category,
                                 GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CHUNKS_IN_CATEGORY, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, category, -1, SQLITE_STATIC);
  return collect_ids (self, stmt, "filter by category", error);
}

/* Calls @func for each row of a statement that selects a child chunk as
 * (id, lang, title, about, heading, text). */
static gboolean
foreach_chunk_row (ParleyStore           *self,
                   sqlite3_stmt          *stmt,
                   ParleyStoreChunkFunc   func,
                   gpointer               user_data,
                   GError               **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    func (sqlite3_column_int64 (stmt, 0),
          (const char *) sqlite3_column_text (stmt, 1),
          (const char *) sqlite3_column_text (stmt, 2),
          (const char *) sqlite3_column_text (stmt, 3),
          (const char *) sqlite3_column_text (stmt, 4),
          (const char *) sqlite3_column_text (stmt, 5),
          user_data);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read chunks", error);
  return TRUE;
}

gboolean
parley_store_foreach_child (ParleyStore          *self,
                            ParleyStoreChunkFunc  func,
                            gpointer              user_data,
                            GError              **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_FOREACH_CHILD, error);

  return stmt != NULL && foreach_chunk_row (self, stmt, func, user_data, error);
}

/**
 * parley_store_get_postings:
 * @data: (out) (transfer full): the posting list, %NULL if the term is unknown
 *
 * Returns: %FALSE on a database error only
 */
gboolean
parley_store_get_postings (ParleyStore  *self,
                           const char   *term,
                           GBytes      **data,
                           gint64       *df,
                           GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_POSTINGS, error);
  int rc;

  *data = NULL;
  *df = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, term, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *df = sqlite3_column_int64 (stmt, 0);
      *data = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read postings", error);
  return TRUE;
}

gboolean
parley_store_put_postings (ParleyStore   *self,
                           const char    *term,
                           gint64         df,
                           const guint8  *data,
                           gsize          len,
                           GError       **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_PUT_POSTINGS, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, term, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, df);
  sqlite3_bind_blob64 (stmt, 3, data, len, SQLITE_STATIC);
  return step_done (self, stmt, "write postings", error);
}

/* Drops the inverted index and its tombstones, before a rebuild. */
gboolean
parley_store_clear_postings (ParleyStore  *self,
                             GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CLEAR_POSTINGS, error);

  if (stmt == NULL || !step_done (self, stmt, "clear postings", error))
    return FALSE;
  if ((stmt = get_stmt (self, STMT_CLEAR_TOMBSTONES, error)) == NULL)
    return FALSE;
  return step_done (self, stmt, "clear tombstones", error);
}

/* Calls @func for every term starting with @prefix (e.g. "de:"). */
gboolean
parley_store_foreach_term (ParleyStore          *self,
                           const char           *prefix,
                           ParleyStoreTermFunc   func,
                           gpointer              user_data,
                           GError              **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_FOREACH_TERM, error);
  g_autofree char *upper = NULL;
  gsize plen = strlen (prefix);
  int rc;

  if (stmt == NULL)
    return FALSE;
  g_return_val_if_fail (plen > 0 && (guchar) prefix[plen - 1] < 0x7f, FALSE);
  upper = g_strdup (prefix);
  upper[plen - 1]++;
  sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, upper, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0), sqlite3_column_int64 (stmt, 1), user_data);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read vocabulary", error);
  return TRUE;
}

/**
 * parley_store_get_tombstones:
 *
 * Returns: (transfer full): set of gint64* deleted child chunk ids that the
 *   inverted index still lists
 */
GHashTable *
parley_store_get_tombstones (ParleyStore  *self,
                             GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_TOMBSTONES, error);

  if (stmt == NULL)
    return NULL;
  return collect_ids (self, stmt, "read tombstones", error);
}

gboolean
parley_store_get_lang_stats (ParleyStore  *self,
                             ParleyLang    lang,
                             gint64       *n_chunks,
                             gint64       *total_len,
                             GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_LANG_STATS, error);
  int rc;

  *n_chunks = *total_len = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, parley_lang_to_string (lang), -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *n_chunks = sqlite3_column_int64 (stmt, 0);
      *total_len = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read statistics", error);
  return TRUE;
}

gboolean
parley_store_reset_lang_stats (ParleyStore  *self,
                               GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_RESET_LANG_STATS, error);

  return stmt != NULL && step_done (self, stmt, "reset statistics", error);
}

gboolean
parley_store_set_chunk_terms (ParleyStore  *self,
                              gint64        chunk_id,
                              guint         n_terms,
                              GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_SET_CHUNK_TERMS, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chunk_id);
  sqlite3_bind_int (stmt, 2, n_terms);
  return step_done (self, stmt, "update chunk", error);
}

/**
 * parley_store_get_data_version:
 *
 * Returns: a number that changes when another connection commits a change,
 *   so that caches of what is stored can tell they are stale
 */
gint64
parley_store_get_data_version (ParleyStore *self)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_DATA_VERSION, NULL);
  gint64 v = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return v;
}

gboolean
parley_store_put_vector (ParleyStore  *self,
                         gint64        chunk_id,
                         const char   *model,
                         const float  *vector,
                         guint         dim,
                         GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_PUT_VECTOR, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chunk_id);
  sqlite3_bind_text (stmt, 2, model, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, dim);
  sqlite3_bind_blob64 (stmt, 4, vector, (sqlite3_uint64) dim * sizeof (float), SQLITE_STATIC);
  return step_done (self, stmt, "write vector", error);
}

/**
 * parley_store_get_cached_embedding:
 * @hash: the content hash the caller computed (model, dimensions, text)
 *
 * Returns: (transfer full) (nullable): the @dim floats, or %NULL when the
 *   cache has none (with @error unset) or on a database error (set)
 */
float *
parley_store_get_cached_embedding (ParleyStore  *self,
                                   const char   *hash,
                                   guint         dim,
                                   GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_CACHED_EMBEDDING, error);
  float *vector = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, dim);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_bytes (stmt, 0) == (int) (dim * sizeof (float)))
    vector = g_memdup2 (sqlite3_column_blob (stmt, 0), dim * sizeof (float));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    set_sqlite_error (self, rc, "read embedding cache", error);
  return vector;
}

gboolean
parley_store_put_cached_embedding (ParleyStore  *self,
                                   const char   *hash,
                                   const char   *model,
                                   const float  *vector,
                                   guint         dim,
                                   GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_PUT_CACHED_EMBEDDING, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, model, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, dim);
  sqlite3_bind_blob64 (stmt, 4, vector, (sqlite3_uint64) dim * sizeof (float), SQLITE_STATIC);
  return step_done (self, stmt, "write embedding cache", error);
}

/* The child chunks that have no vector from @model yet. */
gboolean
parley_store_foreach_unembedded (ParleyStore          *self,
                                 const char           *model,
                                 ParleyStoreChunkFunc  func,
                                 gpointer              user_data,
                                 GError              **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_FOREACH_UNEMBEDDED, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, model, -1, SQLITE_STATIC);
  return foreach_chunk_row (self, stmt, func, user_data, error);
}

gboolean
parley_store_foreach_vector (ParleyStore            *self,
                             const char             *model,
                             ParleyStoreVectorFunc   func,
                             gpointer                user_data,
                             GError                **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_FOREACH_VECTOR, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, model, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint dim = sqlite3_column_int (stmt, 2);
      const void *blob = sqlite3_column_blob (stmt, 3);
      gsize bytes = sqlite3_column_bytes (stmt, 3);

      /* A row whose blob does not hold dim floats is skipped, not trusted. */
      if (dim == 0 || bytes != dim * sizeof (float) || ((guintptr) blob % sizeof (float)) != 0)
        {
          g_warning ("%s: vector of chunk %" G_GINT64_FORMAT " is malformed; skipped",
                     self->path, (gint64) sqlite3_column_int64 (stmt, 0));
          continue;
        }
      func (sqlite3_column_int64 (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
            blob, dim, user_data);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read vectors", error);
  return TRUE;
}

gboolean
parley_store_get_stats (ParleyStore       *self,
                        ParleyStoreStats  *stats,
                        GError           **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_STATS, error);
  g_autofree char *wal = NULL;
  GStatBuf st;
  int rc;

  memset (stats, 0, sizeof *stats);
  if (stmt == NULL)
    return FALSE;
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      stats->n_docs = sqlite3_column_int64 (stmt, 0);
      stats->n_parents = sqlite3_column_int64 (stmt, 1);
      stats->n_children = sqlite3_column_int64 (stmt, 2);
      stats->n_terms = sqlite3_column_int64 (stmt, 3);
      stats->n_tombstones = sqlite3_column_int64 (stmt, 4);
      stats->n_vectors = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "statistics", error);

  if ((stmt = get_stmt (self, STMT_STATS_LANG, error)) == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyLang lang = parley_lang_from_string ((const char *) sqlite3_column_text (stmt, 0));

      if (lang < PARLEY_N_LANGS)
        stats->docs_per_lang[lang] = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);

  if (g_stat (self->path, &st) == 0)
    stats->file_bytes = st.st_size;
  wal = g_strconcat (self->path, "-wal", NULL);
  if (g_stat (wal, &st) == 0)
    stats->file_bytes += st.st_size;
  return TRUE;
}

static fts5_api *
get_fts5_api (ParleyStore  *self,
              GError      **error)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "SELECT fts5 (?1)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_pointer (stmt, 1, &api, "fts5_api_ptr", NULL);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK || api == NULL)
    {
      set_sqlite_error (self, rc != SQLITE_OK ? rc : SQLITE_ERROR, "find FTS5", error);
      return NULL;
    }
  return api;
}

/**
 * parley_store_add_fts_tokenizer:
 * @tokenizer: (transfer none): must outlive the store
 * @destroy: (nullable): frees @user_data when the connection closes
 *
 * Registers an FTS5 tokenizer on this store's connection.
 */
gboolean
parley_store_add_fts_tokenizer (ParleyStore            *self,
                                const char             *name,
                                struct fts5_tokenizer  *tokenizer,
                                gpointer                user_data,
                                GDestroyNotify          destroy,
                                GError                **error)
{
  fts5_api *api = get_fts5_api (self, error);
  int rc;

  if (api == NULL)
    return FALSE;
  rc = api->xCreateTokenizer (api, name, user_data, tokenizer, destroy);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, "register FTS5 tokenizer", error);
  return TRUE;
}

/**
 * parley_store_build_fts:
 * @tokenizer: an FTS5 tokenizer spec, e.g. "unicode61 remove_diacritics 2"
 *
 * (Re)builds an FTS5 table over the child chunks, for comparing Parley's
 * retrieval with SQLite's own.
 */
gboolean
parley_store_build_fts (ParleyStore     *self,
                        ParleyFtsTable   table,
                        const char      *tokenizer,
                        GError         **error)
{
  static const char * const names[] = { "fts_baseline", "fts_tagged" };
  static const char * const columns[] = { "text, lang UNINDEXED", "text" };
  StmtId insert = table == PARLEY_FTS_TAGGED ? STMT_FTS_TAGGED_INSERT : STMT_FTS_INSERT;
  StmtId search = table == PARLEY_FTS_TAGGED ? STMT_FTS_TAGGED_SEARCH : STMT_FTS_SEARCH;
  g_autofree char *quoted = NULL;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  g_clear_pointer (&self->stmts[insert], sqlite3_finalize);
  g_clear_pointer (&self->stmts[search], sqlite3_finalize);

  /* The spec is ours, not user input; quote it all the same. */
  quoted = sqlite3_mprintf ("%Q", tokenizer);
  sql = g_strdup_printf ("DROP TABLE IF EXISTS %s;"
                         "CREATE VIRTUAL TABLE %s USING fts5 (%s, tokenize = %s);",
                         names[table], names[table], columns[table], quoted);
  sqlite3_free (g_steal_pointer (&quoted));
  if (!exec_sql (self, sql, error))
    return FALSE;
  if ((stmt = get_stmt (self, insert, error)) == NULL)
    return FALSE;
  return step_done (self, stmt, "fill FTS5 table", error);
}

static GArray *
run_fts_search (ParleyStore   *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "FTS5 search", error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static void
append_fts_string (GString    *match,
                   const char *word,
                   gssize      len)
{
  if (len < 0)
    len = strlen (word);
  if (match->len > 0)
    g_string_append (match, " OR ");
  g_string_append_c (match, '"');
  for (gssize i = 0; i < len; i++)
    {
      if (word[i] == '"')
        g_string_append_c (match, '"');
      g_string_append_c (match, word[i]);
    }
  g_string_append_c (match, '"');
}

/**
 * parley_store_search_fts:
 * @query: words; each is quoted and the words are OR-ed, as a search box would
 *
 * Returns: (transfer full) (element-type gint64): child chunk ids by bm25()
 */
GArray *
parley_store_search_fts (ParleyStore  *self,
                         const char   *query,
                         const char   *lang,
                         guint         k,
                         GError      **error)
{
  g_autoptr(GString) match = g_string_new (NULL);
  sqlite3_stmt *stmt;
  const char *p = query;

  /* Split on anything that is not a letter or digit, quote each word. */
  while (*p != '\0')
    {
      const char *start;

      while (*p != '\0' && !g_unichar_isalnum (g_utf8_get_char_validated (p, -1)))
        p = g_utf8_find_next_char (p, NULL) ? g_utf8_next_char (p) : p + 1;
      start = p;
      while (*p != '\0' && g_unichar_isalnum (g_utf8_get_char_validated (p, -1)))
        p = g_utf8_next_char (p);
      if (p > start)
        append_fts_string (match, start, p - start);
    }

  if (match->len == 0)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  if ((stmt = get_stmt (self, STMT_FTS_SEARCH, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, match->str, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, lang, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, k);
  return run_fts_search (self, stmt, error);
}

/**
 * parley_store_search_fts_terms:
 * @terms: (array zero-terminated=1): language-tagged terms ("de:rucksend"),
 *   as the tagged table's tokenizer indexes them
 *
 * Returns: (transfer full) (element-type gint64): child chunk ids of the
 *   tagged FTS5 table by bm25(), any term matching
 */
GArray *
parley_store_search_fts_terms (ParleyStore         *self,
                               const char * const  *terms,
                               guint                k,
                               GError             **error)
{
  g_autoptr(GString) match = g_string_new (NULL);
  sqlite3_stmt *stmt;

  for (guint i = 0; terms[i] != NULL; i++)
    append_fts_string (match, terms[i], -1);
  if (match->len == 0)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  if ((stmt = get_stmt (self, STMT_FTS_TAGGED_SEARCH, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, match->str, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, k);
  return run_fts_search (self, stmt, error);
}

void
parley_doc_record_clear (ParleyDocRecord *doc)
{
  g_clear_pointer (&doc->path, g_free);
  g_clear_pointer (&doc->title, g_free);
  g_clear_pointer (&doc->lang, g_free);
  g_clear_pointer (&doc->category, g_free);
  g_clear_pointer (&doc->about, g_free);
  g_clear_pointer (&doc->meta_json, g_free);
  g_clear_pointer (&doc->format, g_free);
  g_clear_pointer (&doc->hash, g_free);
}

/* ---- the audit log ---------------------------------------------------------- */

#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* SHA-256 over the record's fields, separated by a byte text cannot hold
 * unescaped in any field (0x1f), chained to the previous record's hash. */
static char *
audit_hash (const char *prev,
            gint64      id,
            gint64      at,
            const char *kind,
            const char *subject,
            const char *payload)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *head = g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT "\x1f%" G_GINT64_FORMAT "\x1f",
                                           prev, id, at);

  g_checksum_update (sum, (const guchar *) head, -1);
  g_checksum_update (sum, (const guchar *) kind, -1);
  g_checksum_update (sum, (const guchar *) "\x1f", 1);
  g_checksum_update (sum, (const guchar *) subject, -1);
  g_checksum_update (sum, (const guchar *) "\x1f", 1);
  g_checksum_update (sum, (const guchar *) payload, -1);
  return g_strdup (g_checksum_get_string (sum));
}

/**
 * parley_store_audit_append:
 * @kind: what was decided ("route", "model", "guardrail", "tool", "escalation"…)
 * @subject: what it is about (a conversation id; never personal data)
 * @payload: a JSON object with the decision's details (never personal data)
 *
 * Appends one record to the chain, in its own transaction unless one is open.
 *
 * Returns: the record's id, or 0 with @error set
 */
gint64
parley_store_audit_append (ParleyStore  *self,
                           const char   *kind,
                           const char   *subject,
                           const char   *payload,
                           GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *head_id = NULL;
  g_autofree char *head_hash = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *id_text = NULL;
  gboolean own = !self->in_transaction;
  sqlite3_stmt *stmt;
  gint64 id, at = g_get_real_time ();

  g_return_val_if_fail (PARLEY_IS_STORE (self), 0);
  g_return_val_if_fail (kind != NULL && subject != NULL && payload != NULL, 0);

  if (*kind == '\0' || !g_utf8_validate (kind, -1, NULL) || !g_utf8_validate (subject, -1, NULL)
      || !json_parser_load_from_data (parser, payload, -1, NULL) || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "an audit record needs a kind, UTF-8 text and a JSON object");
      return 0;
    }

  if (own && !parley_store_begin (self, error))
    return 0;

  head_id = parley_store_get_meta (self, "audit_head_id");
  head_hash = parley_store_get_meta (self, "audit_head_hash");
  id = head_id != NULL ? g_ascii_strtoll (head_id, NULL, 10) + 1 : 1;
  hash = audit_hash (head_hash != NULL ? head_hash : AUDIT_GENESIS, id, at, kind, subject, payload);
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  if ((stmt = get_stmt (self, STMT_AUDIT_INSERT, error)) == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, at);
  sqlite3_bind_text (stmt, 3, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, head_hash != NULL ? head_hash : AUDIT_GENESIS, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, hash, -1, SQLITE_STATIC);
  if (!step_done (self, stmt, "append to the audit log", error)
      || !parley_store_set_meta (self, "audit_head_id", id_text, error)
      || !parley_store_set_meta (self, "audit_head_hash", hash, error))
    goto fail;
  if (own && !parley_store_commit (self, error))
    goto fail;
  return id;

fail:
  if (own)
    parley_store_rollback (self);
  return 0;
}

/**
 * parley_store_audit_foreach:
 * @kind: (nullable): only records of this kind
 *
 * Calls @func for each record, oldest first.
 */
gboolean
parley_store_audit_foreach (ParleyStore          *self,
                            const char           *kind,
                            ParleyStoreAuditFunc  func,
                            gpointer              user_data,
                            GError              **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_AUDIT_FOREACH, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (kind != NULL)
    sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyAuditRecord rec = {
        sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
        (const char *) sqlite3_column_text (stmt, 2), (const char *) sqlite3_column_text (stmt, 3),
        (const char *) sqlite3_column_text (stmt, 4), (const char *) sqlite3_column_text (stmt, 5),
        (const char *) sqlite3_column_text (stmt, 6),
      };

      if (!func (&rec, user_data))
        break;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "read the audit log", error);
  return TRUE;
}

typedef struct {
  ParleyAuditReport *report;
  gint64             expected_id;
  char              *last_hash;
} VerifyCtx;

static gboolean
verify_record_cb (const ParleyAuditRecord *rec,
                  gpointer                 user_data)
{
  VerifyCtx *ctx = user_data;
  g_autofree char *hash = NULL;

  if (rec->id != ctx->expected_id)
    {
      ctx->report->bad_id = ctx->expected_id;
      ctx->report->problem = g_strdup_printf ("record %" G_GINT64_FORMAT " is missing (the next one is %" G_GINT64_FORMAT ")",
                                              ctx->expected_id, rec->id);
      return FALSE;
    }
  if (g_strcmp0 (rec->prev, ctx->last_hash) != 0)
    {
      ctx->report->bad_id = rec->id;
      ctx->report->problem = g_strdup_printf ("record %" G_GINT64_FORMAT " does not follow the one before it", rec->id);
      return FALSE;
    }
  hash = audit_hash (rec->prev, rec->id, rec->at, rec->kind, rec->subject, rec->payload);
  if (g_strcmp0 (hash, rec->hash) != 0)
    {
      ctx->report->bad_id = rec->id;
      ctx->report->problem = g_strdup_printf ("record %" G_GINT64_FORMAT " was edited", rec->id);
      return FALSE;
    }
  g_free (ctx->last_hash);
  ctx->last_hash = g_strdup (rec->hash);
  ctx->report->n_records++;
  ctx->expected_id++;
  return TRUE;
}

/**
 * parley_store_audit_verify:
 * @report: (out): records checked, and the first bad one (bad_id 0: intact)
 *
 * Recomputes the chain: an edited record, a removed one (in the middle or at
 * the end, against the head kept in meta) or one inserted out of the chain
 * is found and named.
 *
 * Returns: %FALSE only when the log could not be read
 */
gboolean
parley_store_audit_verify (ParleyStore        *self,
                           ParleyAuditReport  *report,
                           GError            **error)
{
  VerifyCtx ctx = { report, 1, g_strdup (AUDIT_GENESIS) };
  g_autofree char *head_id = NULL;
  g_autofree char *head_hash = NULL;
  gint64 head;

  g_return_val_if_fail (PARLEY_IS_STORE (self), FALSE);

  memset (report, 0, sizeof *report);
  if (!parley_store_audit_foreach (self, NULL, verify_record_cb, &ctx, error))
    {
      g_free (ctx.last_hash);
      return FALSE;
    }

  head_id = parley_store_get_meta (self, "audit_head_id");
  head_hash = parley_store_get_meta (self, "audit_head_hash");
  head = head_id != NULL ? g_ascii_strtoll (head_id, NULL, 10) : 0;
  if (report->problem == NULL && (head != ctx.expected_id - 1 || (head > 0 && g_strcmp0 (head_hash, ctx.last_hash) != 0)))
    {
      report->bad_id = MAX (ctx.expected_id, 1);
      report->problem = head > ctx.expected_id - 1
        ? g_strdup_printf ("records %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " were removed", ctx.expected_id, head)
        : g_strdup ("the chain's head does not match its last record");
    }
  g_free (ctx.last_hash);
  return TRUE;
}

void
parley_audit_report_clear (ParleyAuditReport *report)
{
  g_clear_pointer (&report->problem, g_free);
}

/* ---- customers, conversations, messages --------------------------------------- */

static const char * const conversation_status[] = { "active", "escalated", "resolved" };
static const char * const message_roles[] = { "customer", "assistant", "agent", "system" };

gboolean
parley_store_put_customer (ParleyStore  *self,
                           const char   *id,
                           const char   *tier,
                           const char   *locale,
                           gboolean      eu,
                           GError      **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PARLEY_IS_STORE (self), FALSE);

  if (id == NULL || *id == '\0' || !g_utf8_validate (id, -1, NULL) || strlen (id) > 256)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "a customer id must be 1–256 bytes of UTF-8");
      return FALSE;
    }
  if ((stmt = get_stmt (self, STMT_UPSERT_CUSTOMER, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, tier != NULL ? tier : "standard", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, locale, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, eu ? "EU" : "US", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  return step_done (self, stmt, "write customer", error);
}

/* Returns: the new conversation's id, or 0 with @error (an unknown customer) */
gint64
parley_store_create_conversation (ParleyStore  *self,
                                  const char   *customer_id,
                                  const char   *lang,
                                  GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_INSERT_CONVERSATION, error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, lang, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!step_done (self, stmt, "create conversation", error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
parley_store_set_conversation_status (ParleyStore               *self,
                                      gint64                     conversation_id,
                                      ParleyConversationStatus   status,
                                      GError                   **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_SET_CONVERSATION_STATUS, error);

  g_return_val_if_fail (status <= PARLEY_CONVERSATION_RESOLVED, FALSE);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_text (stmt, 2, conversation_status[status], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!step_done (self, stmt, "set conversation status", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no conversation %" G_GINT64_FORMAT, conversation_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
parley_store_get_conversation (ParleyStore               *self,
                               gint64                     conversation_id,
                               ParleyConversationRecord  *out,
                               GError                   **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_GET_CONVERSATION, error);
  int rc;

  memset (out, 0, sizeof *out);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const char *status = (const char *) sqlite3_column_text (stmt, 2);

      out->id = sqlite3_column_int64 (stmt, 0);
      out->customer_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      for (guint i = 0; i < G_N_ELEMENTS (conversation_status); i++)
        if (g_strcmp0 (status, conversation_status[i]) == 0)
          out->status = i;
      out->lang = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      out->created_at = sqlite3_column_int64 (stmt, 4);
      out->updated_at = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no conversation %" G_GINT64_FORMAT, conversation_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "read conversation", error);
  return TRUE;
}

void
parley_conversation_record_clear (ParleyConversationRecord *rec)
{
  g_clear_pointer (&rec->customer_id, g_free);
  g_clear_pointer (&rec->lang, g_free);
}

/**
 * parley_store_add_message:
 * @message: its text must already be redacted (the guardrail's output)
 *
 * Appends @message to its conversation and marks the conversation updated.
 *
 * Returns: the message id, or 0 with @error
 */
gint64
parley_store_add_message (ParleyStore               *self,
                          const ParleyMessageRecord *message,
                          GError                   **error)
{
  gboolean own = !self->in_transaction;
  gint64 now = message->created_at > 0 ? message->created_at : g_get_real_time ();
  sqlite3_stmt *stmt;
  gint64 id;

  g_return_val_if_fail (message->role <= PARLEY_MESSAGE_SYSTEM, 0);

  if (message->text == NULL || !g_utf8_validate (message->text, -1, NULL))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING, "a message must be UTF-8 text");
      return 0;
    }
  if (own && !parley_store_begin (self, error))
    return 0;
  if ((stmt = get_stmt (self, STMT_INSERT_MESSAGE, error)) == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, message->conversation_id);
  sqlite3_bind_text (stmt, 2, message_roles[message->role], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, message->text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, message->lang, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, message->route, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, message->model, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, message->input_tokens);
  sqlite3_bind_int64 (stmt, 8, message->output_tokens);
  if (message->cost_usd >= 0)
    sqlite3_bind_double (stmt, 9, message->cost_usd);
  sqlite3_bind_int64 (stmt, 10, message->latency_ms);
  sqlite3_bind_int64 (stmt, 11, now);
  sqlite3_bind_text (stmt, 12, message->intent, -1, SQLITE_STATIC);
  if (!step_done (self, stmt, "add message", error))
    goto fail;
  id = sqlite3_last_insert_rowid (self->db);
  if ((stmt = get_stmt (self, STMT_TOUCH_CONVERSATION, error)) == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, message->conversation_id);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_text (stmt, 3, message->lang, -1, SQLITE_STATIC);
  if (!step_done (self, stmt, "touch conversation", error))
    goto fail;
  if (own && !parley_store_commit (self, error))
    goto fail;
  return id;

fail:
  if (own)
    parley_store_rollback (self);
  return 0;
}

void
parley_message_record_free (ParleyMessageRecord *message)
{
  if (message == NULL)
    return;
  g_free (message->text);
  g_free (message->lang);
  g_free (message->route);
  g_free (message->model);
  g_free (message->intent);
  g_free (message);
}

/**
 * parley_store_customer_history:
 *
 * Returns: (transfer container): the customer's messages across all their
 *   conversations, oldest first (ParleyMessageRecord)
 */
GPtrArray *
parley_store_customer_history (ParleyStore  *self,
                               const char   *customer_id,
                               GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CUSTOMER_HISTORY, error);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_message_record_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyMessageRecord *m = g_new0 (ParleyMessageRecord, 1);
      const char *role = (const char *) sqlite3_column_text (stmt, 2);

      m->id = sqlite3_column_int64 (stmt, 0);
      m->conversation_id = sqlite3_column_int64 (stmt, 1);
      for (guint i = 0; i < G_N_ELEMENTS (message_roles); i++)
        if (g_strcmp0 (role, message_roles[i]) == 0)
          m->role = i;
      m->text = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      m->lang = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      m->route = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      m->model = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      m->input_tokens = sqlite3_column_int64 (stmt, 7);
      m->output_tokens = sqlite3_column_int64 (stmt, 8);
      m->cost_usd = sqlite3_column_type (stmt, 9) == SQLITE_NULL ? -1 : sqlite3_column_double (stmt, 9);
      m->latency_ms = sqlite3_column_int64 (stmt, 10);
      m->created_at = sqlite3_column_int64 (stmt, 11);
      m->intent = g_strdup ((const char *) sqlite3_column_text (stmt, 12));
      g_ptr_array_add (messages, m);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "read history", error);
      return NULL;
    }
  return g_steal_pointer (&messages);
}

/**
 * parley_store_purge_conversations:
 * @before: Unix microseconds: conversations last updated before it go
 *
 * Deletes old conversations with their messages, overwriting the freed
 * pages (secure_delete) and checkpointing the WAL into the database so that
 * none of their text is left in either file.
 *
 * Returns: the number of conversations deleted, or -1 with @error
 */
gint64
parley_store_purge_conversations (ParleyStore  *self,
                                  gint64        before,
                                  GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 n;

  if (!exec_sql (self, "PRAGMA secure_delete = ON", error))
    return -1;
  if ((stmt = get_stmt (self, STMT_PURGE_CONVERSATIONS, error)) == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, before);
  if (!step_done (self, stmt, "purge conversations", error))
    goto fail;
  n = sqlite3_changes64 (self->db);
  if (!exec_sql (self, "PRAGMA wal_checkpoint (TRUNCATE); PRAGMA secure_delete = OFF", error))
    return -1;
  return n;

fail:
  exec_sql (self, "PRAGMA secure_delete = OFF", NULL);
  return -1;
}

/* ---- the response cache --------------------------------------------------------- */

/* The KB's generation: it changes whenever a document is added or removed. */
gint64
parley_store_get_kb_generation (ParleyStore *self)
{
  g_autofree char *value = parley_store_get_meta (self, "kb_generation");

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

/* Returns: (transfer full) (nullable): the cached answer for @key if it has
 * not expired (a hit is counted), else %NULL */
char *
parley_store_cache_get (ParleyStore  *self,
                        const char   *key,
                        GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CACHE_GET, error);
  char *answer = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    answer = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "read the response cache", error);
      return NULL;
    }
  if (answer != NULL && (stmt = get_stmt (self, STMT_CACHE_HIT, NULL)) != NULL)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      step_done (self, stmt, "count a cache hit", NULL);
    }
  return answer;
}

gboolean
parley_store_cache_put (ParleyStore  *self,
                        const char   *key,
                        const char   *lang,
                        const char   *answer,
                        guint         ttl_seconds,
                        GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CACHE_PUT, error);
  gint64 now = g_get_real_time ();

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, lang != NULL ? lang : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, answer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, now + (gint64) ttl_seconds * G_USEC_PER_SEC);
  return step_done (self, stmt, "write the response cache", error);
}

/* Returns: the number of expired answers removed, or -1 with @error */
gint64
parley_store_cache_purge (ParleyStore  *self,
                          GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_CACHE_PURGE, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (!step_done (self, stmt, "purge the response cache", error))
    return -1;
  return sqlite3_changes64 (self->db);
}

/* ---- GDPR --------------------------------------------------------------------- */

static void
add_time (JsonBuilder *b,
          const char  *name,
          gint64       us)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autofree char *text = t != NULL ? g_date_time_format_iso8601 (t) : NULL;

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

/**
 * parley_store_export_customer:
 *
 * Everything the store holds about a customer: their record, their
 * conversations and every message, as one JSON object (GDPR Art. 15/20).
 *
 * Returns: (transfer full): the export, or %NULL with @error
 *   (PARLEY_ERROR_NOT_FOUND for an unknown customer)
 */
JsonNode *
parley_store_export_customer (ParleyStore  *self,
                              const char   *customer_id,
                              GError      **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) history = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = get_stmt (self, STMT_GET_CUSTOMER, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no customer “%s”", customer_id);
      else
        set_sqlite_error (self, rc, "read customer", error);
      return NULL;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "customer");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 0));
  json_builder_set_member_name (b, "tier");
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 1));
  json_builder_set_member_name (b, "locale");
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 2));
  json_builder_set_member_name (b, "residency");
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 3));
  add_time (b, "created_at", sqlite3_column_int64 (stmt, 4));
  json_builder_end_object (b);
  sqlite3_reset (stmt);

  if ((stmt = get_stmt (self, STMT_CUSTOMER_CONVERSATIONS, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  json_builder_set_member_name (b, "conversations");
  json_builder_begin_array (b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (b, "lang");
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 2));
      add_time (b, "created_at", sqlite3_column_int64 (stmt, 3));
      add_time (b, "updated_at", sqlite3_column_int64 (stmt, 4));
      json_builder_end_object (b);
    }
  sqlite3_reset (stmt);
  json_builder_end_array (b);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "read conversations", error);
      return NULL;
    }

  if ((history = parley_store_customer_history (self, customer_id, error)) == NULL)
    return NULL;
  json_builder_set_member_name (b, "messages");
  json_builder_begin_array (b);
  for (guint i = 0; i < history->len; i++)
    {
      const ParleyMessageRecord *m = history->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "conversation");
      json_builder_add_int_value (b, m->conversation_id);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, message_roles[m->role]);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, m->text);
      json_builder_set_member_name (b, "lang");
      json_builder_add_string_value (b, m->lang);
      add_time (b, "at", m->created_at);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * parley_store_delete_customer:
 * @n_messages: (out) (optional): how many messages went
 *
 * Erases a customer with their conversations and messages (GDPR Art. 17):
 * sqlite's secure delete overwrites the freed pages and the WAL is
 * checkpointed and truncated, so no byte of theirs is left in the files.
 * The audit log, which holds no personal data, gets a tombstone with the
 * counts only.
 *
 * Returns: %FALSE with @error (PARLEY_ERROR_NOT_FOUND for an unknown customer)
 */
gboolean
parley_store_delete_customer (ParleyStore  *self,
                              const char   *customer_id,
                              gint64       *n_messages,
                              GError      **error)
{
  g_autofree char *payload = NULL;
  sqlite3_stmt *stmt;
  gint64 messages = 0;

  g_return_val_if_fail (!self->in_transaction, FALSE);

  if ((stmt = get_stmt (self, STMT_COUNT_CUSTOMER_MESSAGES, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    messages = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (!exec_sql (self, "PRAGMA secure_delete = ON", error))
    return FALSE;
  if (!parley_store_begin (self, error))
    goto fail;
  if ((stmt = get_stmt (self, STMT_DELETE_CUSTOMER, error)) == NULL)
    goto rollback;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  if (!step_done (self, stmt, "delete customer", error))
    goto rollback;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no customer “%s”", customer_id);
      goto rollback;
    }
  payload = g_strdup_printf ("{\"messages\":%" G_GINT64_FORMAT "}", messages);
  if (parley_store_audit_append (self, "gdpr_delete", "customer", payload, error) == 0
      || !parley_store_commit (self, error))
    goto rollback;
  if (!exec_sql (self, "PRAGMA wal_checkpoint (TRUNCATE); PRAGMA secure_delete = OFF", error))
    return FALSE;
  if (n_messages != NULL)
    *n_messages = messages;
  return TRUE;

rollback:
  parley_store_rollback (self);
fail:
  exec_sql (self, "PRAGMA secure_delete = OFF", NULL);
  return FALSE;
}

/* ---- CSAT, escalations, statistics ------------------------------------------------ */

gboolean
parley_store_put_csat (ParleyStore  *self,
                       gint64        conversation_id,
                       guint         score,
                       const char   *comment,
                       GError      **error)
{
  sqlite3_stmt *stmt;

  if (score < 1 || score > 5 || (comment != NULL && (!g_utf8_validate (comment, -1, NULL) || strlen (comment) > 4000)))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "CSAT is a score from 1 to 5 with an optional comment of at most 4,000 bytes of UTF-8");
      return FALSE;
    }
  if ((stmt = get_stmt (self, STMT_PUT_CSAT, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int (stmt, 2, (int) score);
  sqlite3_bind_text (stmt, 3, comment, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  return step_done (self, stmt, "record CSAT", error);
}

gboolean
parley_store_escalate_conversation (ParleyStore  *self,
                                    gint64        conversation_id,
                                    const char   *reason,
                                    GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_SET_ESCALATION, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!step_done (self, stmt, "escalate conversation", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no conversation %" G_GINT64_FORMAT, conversation_id);
      return FALSE;
    }
  return TRUE;
}

static void
model_stats_free (gpointer data)
{
  ParleyModelStats *m = data;

  g_free (m->model);
  g_free (m);
}

static void
count_free (gpointer data)
{
  ParleyCount *c = data;

  g_free (c->name);
  g_free (c);
}

void
parley_support_stats_clear (ParleySupportStats *stats)
{
  g_clear_pointer (&stats->reasons, g_ptr_array_unref);
  g_clear_pointer (&stats->intents, g_ptr_array_unref);
  g_clear_pointer (&stats->models, g_ptr_array_unref);
}

static gboolean
read_counts (ParleyStore  *self,
             StmtId        id,
             gint64        since,
             GPtrArray    *out,
             GError      **error)
{
  sqlite3_stmt *stmt = get_stmt (self, id, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyCount *c = g_new0 (ParleyCount, 1);

      c->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      c->count = sqlite3_column_int64 (stmt, 1);
      g_ptr_array_add (out, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read statistics", error);
  return TRUE;
}

/**
 * parley_store_get_support_stats:
 * @since: Unix microseconds: conversations started from then on
 *
 * Resolution and escalation rates, escalation reasons, intents (topics),
 * answer latency percentiles, tokens and cost per model, and CSAT.
 */
gboolean
parley_store_get_support_stats (ParleyStore         *self,
                                gint64               since,
                                ParleySupportStats  *stats,
                        GError      **error)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  memset (stats, 0, sizeof *stats);
  stats->reasons = g_ptr_array_new_with_free_func (count_free);
  stats->intents = g_ptr_array_new_with_free_func (count_free);
  stats->models = g_ptr_array_new_with_free_func (model_stats_free);

  if ((stmt = get_stmt (self, STMT_STATS_CONVERSATIONS, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      stats->conversations = sqlite3_column_int64 (stmt, 0);
      stats->resolved = sqlite3_column_int64 (stmt, 1);
      stats->escalated = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  if (!read_counts (self, STMT_STATS_REASONS, since, stats->reasons, error)
      || !read_counts (self, STMT_STATS_INTENTS, since, stats->intents, error))
    return FALSE;

  if ((stmt = get_stmt (self, STMT_STATS_MODELS, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ParleyModelStats *m = g_new0 (ParleyModelStats, 1);

      m->model = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      m->answers = sqlite3_column_int64 (stmt, 1);
      m->input_tokens = sqlite3_column_int64 (stmt, 2);
      m->output_tokens = sqlite3_column_int64 (stmt, 3);
      m->cost_usd = sqlite3_column_int64 (stmt, 5) > 0 ? sqlite3_column_double (stmt, 4) : -1;
      g_ptr_array_add (stats->models, m);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "read statistics", error);

  if ((stmt = get_stmt (self, STMT_STATS_LATENCIES, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 ms = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (latencies, ms);
    }
  sqlite3_reset (stmt);
  if (latencies->len > 0)
    {
#define AT(q) g_array_index (latencies, gint64, MIN (latencies->len - 1, (guint) ((q) * latencies->len)))
      stats->latency_p50_ms = AT (0.50);
      stats->latency_p95_ms = AT (0.95);
      stats->latency_p99_ms = AT (0.99);
#undef AT
    }

  if ((stmt = get_stmt (self, STMT_STATS_CSAT, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      stats->csat_responses = sqlite3_column_int64 (stmt, 0);
      stats->csat_average = sqlite3_column_type (stmt, 1) == SQLITE_NULL ? 0 : sqlite3_column_double (stmt, 1);
      stats->csat_satisfied = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  return TRUE;
}
