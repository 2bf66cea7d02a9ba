/* parley-store.h — the sqlite store: the one module that owns Parley's SQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "parley-types.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_STORE (parley_store_get_type ())

G_DECLARE_FINAL_TYPE (ParleyStore, parley_store, PARLEY, STORE, GObject)

#define PARLEY_STORE_SCHEMA_VERSION 7

typedef struct {
  gint64  id;
  char   *hash;
} ParleyStoredDoc;

typedef struct {
  char   *path;
  char   *title;
  char   *lang;
  char   *category;
  char   *about;       /* (nullable) what the document is about: description,
                        * tags, questions it answers; indexed with every chunk */
  char   *meta_json;
  char   *format;
  char   *hash;
  gint64  bytes;
} ParleyDocRecord;

typedef struct {
  gint64  chunk_id;
  gint64  doc_id;
  char   *doc;
  char   *title;
  char   *lang;
  char   *category;
  char   *heading;
  char   *text;
  char   *parent_text;
} ParleyChunkRecord;

typedef struct {
  gint64 n_docs;
  gint64 n_parents;
  gint64 n_children;
  gint64 n_terms;
  gint64 n_tombstones;
  gint64 n_vectors;
  gint64 file_bytes;
  gint64 docs_per_lang[PARLEY_N_LANGS];
} ParleyStoreStats;

typedef void (*ParleyStoreTermFunc)   (const char   *term,
                                       gint64        df,
                                       gpointer      user_data);
typedef void (*ParleyStoreVectorFunc) (gint64        chunk_id,
                                       const char   *lang,
                                       const float  *vector,
                                       guint         dim,
                                       gpointer      user_data);
typedef void (*ParleyStoreChunkFunc)  (gint64        chunk_id,
                                       const char   *lang,
                                       const char   *title,
                                       const char   *about,
                                       const char   *heading,
                                       const char   *text,
                                       gpointer      user_data);

typedef enum {
  PARLEY_CONVERSATION_ACTIVE,
  PARLEY_CONVERSATION_ESCALATED,
  PARLEY_CONVERSATION_RESOLVED,
} ParleyConversationStatus;

typedef struct {
  gint64                    id;
  char                     *customer_id;
  ParleyConversationStatus  status;
  char                     *lang;
  gint64                    created_at;   /* Unix microseconds */
  gint64                    updated_at;
} ParleyConversationRecord;

typedef enum {
  PARLEY_MESSAGE_CUSTOMER,
  PARLEY_MESSAGE_ASSISTANT,
  PARLEY_MESSAGE_AGENT,
  PARLEY_MESSAGE_SYSTEM,
} ParleyMessageRole;

typedef struct {
  gint64             id;
  gint64             conversation_id;
  ParleyMessageRole  role;
  char              *text;           /* redacted */
  char              *lang;
  char              *route;          /* simple | complex | escalate */
  char              *model;
  gint64             input_tokens;
  gint64             output_tokens;
  double             cost_usd;       /* < 0: unknown */
  gint64             latency_ms;
  gint64             created_at;     /* Unix microseconds; 0: now */
  char              *intent;         /* (nullable) order_status, returns, … */
} ParleyMessageRecord;

typedef struct {
  char   *name;
  gint64  count;
} ParleyCount;

typedef struct {
  char   *model;
  gint64  answers;
  gint64  input_tokens;
  gint64  output_tokens;
  double  cost_usd;        /* < 0: no price known */
} ParleyModelStats;

typedef struct {
  gint64     conversations;
  gint64     resolved;
  gint64     escalated;
  GPtrArray *reasons;      /* ParleyCount: escalation reasons, most first */
  GPtrArray *intents;      /* ParleyCount: topics, most first */
  GPtrArray *models;       /* ParleyModelStats */
  gint64     latency_p50_ms;
  gint64     latency_p95_ms;
  gint64     latency_p99_ms;
  gint64     csat_responses;
  double     csat_average;
  gint64     csat_satisfied; /* scores of 4 or 5 */
} ParleySupportStats;

typedef struct {
  gint64      id;
  gint64      at;         /* Unix microseconds */
  const char *kind;
  const char *subject;
  const char *payload;    /* JSON object */
  const char *prev;       /* the previous record's hash */
  const char *hash;
} ParleyAuditRecord;

/* Return FALSE to stop. */
typedef gboolean (*ParleyStoreAuditFunc) (const ParleyAuditRecord *record,
                                          gpointer                 user_data);

typedef struct {
  gint64  n_records;      /* intact records before the first bad one */
  gint64  bad_id;         /* 0: the chain is intact */
  char   *problem;        /* (nullable) what is wrong, in words */
} ParleyAuditReport;

ParleyStore *parley_store_open               (const char        *path,
                                              GError           **error);
char        *parley_store_default_path       (void);
const char  *parley_store_get_path           (ParleyStore       *self);

gboolean     parley_store_begin              (ParleyStore       *self,
                                              GError           **error);
gboolean     parley_store_commit             (ParleyStore       *self,
                                              GError           **error);
void         parley_store_rollback           (ParleyStore       *self);

char        *parley_store_get_meta           (ParleyStore       *self,
                                              const char        *key);
gboolean     parley_store_set_meta           (ParleyStore       *self,
                                              const char        *key,
                                              const char        *value,
                                              GError           **error);

/* Documents */
GHashTable  *parley_store_list_docs          (ParleyStore       *self,
                                              GError           **error);
gint64       parley_store_insert_doc         (ParleyStore       *self,
                                              const ParleyDocRecord *doc,
                                              GError           **error);
gboolean     parley_store_delete_doc         (ParleyStore       *self,
                                              gint64             doc_id,
                                              GError           **error);
gint64       parley_store_insert_chunk       (ParleyStore       *self,
                                              gint64             doc_id,
                                              gint64             parent_id,
                                              guint              ord,
                                              const char        *heading,
                                              const char        *text,
                                              guint              n_tokens,
                                              guint              n_terms,
                                              GError           **error);
gboolean     parley_store_get_chunk          (ParleyStore       *self,
                                              gint64             chunk_id,
                                              ParleyChunkRecord *out,
                                              GError           **error);
void         parley_chunk_record_clear       (ParleyChunkRecord *rec);
GHashTable  *parley_store_chunks_in_category (ParleyStore       *self,
                                              const char        *category,
                                              GError           **error);
gboolean     parley_store_foreach_child      (ParleyStore       *self,
                                              ParleyStoreChunkFunc func,
                                              gpointer           user_data,
                                              GError           **error);

/* Inverted index */
gboolean     parley_store_get_postings       (ParleyStore       *self,
                                              const char        *term,
                                              GBytes           **data,
                                              gint64            *df,
                                              GError           **error);
gboolean     parley_store_put_postings       (ParleyStore       *self,
                                              const char        *term,
                                              gint64             df,
                                              const guint8      *data,
                                              gsize              len,
                                              GError           **error);
gboolean     parley_store_clear_postings     (ParleyStore       *self,
                                              GError           **error);
gboolean     parley_store_foreach_term       (ParleyStore       *self,
                                              const char        *prefix,
                                              ParleyStoreTermFunc func,
                                              gpointer           user_data,
                                              GError           **error);
gboolean     parley_store_add_lang_stats     (ParleyStore       *self,
                                              const char        *lang,
                                              gint64             n_chunks,
                                              gint64             total_len,
                                              GError           **error);
GHashTable  *parley_store_get_tombstones     (ParleyStore       *self,
                                              GError           **error);
gboolean     parley_store_get_lang_stats     (ParleyStore       *self,
                                              ParleyLang         lang,
                                              gint64            *n_chunks,
                                              gint64            *total_len,
                                              GError           **error);

gboolean     parley_store_reset_lang_stats   (ParleyStore       *self,
                                              GError           **error);
gboolean     parley_store_set_chunk_terms    (ParleyStore       *self,
                                              gint64             chunk_id,
                                              guint              n_terms,
                                              GError           **error);
gint64       parley_store_get_data_version   (ParleyStore       *self);

/* Vectors */
gboolean     parley_store_put_vector         (ParleyStore       *self,
                                              gint64             chunk_id,
                                              const char        *model,
                                              const float       *vector,
                                              guint              dim,
                                              GError           **error);
float       *parley_store_get_cached_embedding (ParleyStore     *self,
                                                const char      *hash,
                                                guint            dim,
                                                GError         **error);
gboolean     parley_store_put_cached_embedding (ParleyStore     *self,
                                                const char      *hash,
                                                const char      *model,
                                                const float     *vector,
                                                guint            dim,
                                                GError         **error);
gboolean     parley_store_foreach_unembedded (ParleyStore       *self,
                                              const char        *model,
                                              ParleyStoreChunkFunc func,
                                              gpointer           user_data,
                                              GError           **error);
gboolean     parley_store_foreach_vector     (ParleyStore       *self,
                                              const char        *model,
                                              ParleyStoreVectorFunc func,
                                              gpointer           user_data,
                                              GError           **error);

gboolean     parley_store_get_stats          (ParleyStore       *self,
                                              ParleyStoreStats  *stats,
                                              GError           **error);

/* FTS5 (for eval and bench), over the child chunks with their titles:
 * with SQLite's own unicode61 tokenizer, or with a tokenizer registered by
 * the caller that reads each row as "<lang>\n<text>" and indexes
 * language-tagged terms ("de:rucksend"), as Parley's own index does. */
typedef enum {
  PARLEY_FTS_UNICODE61,
  PARLEY_FTS_TAGGED,
} ParleyFtsTable;

struct fts5_tokenizer;

gboolean     parley_store_add_fts_tokenizer  (ParleyStore       *self,
                                              const char        *name,
                                              struct fts5_tokenizer *tokenizer,
                                              gpointer           user_data,
                                              GDestroyNotify     destroy,
                                              GError           **error);
gboolean     parley_store_build_fts          (ParleyStore       *self,
                                              ParleyFtsTable     table,
                                              const char        *tokenizer,
                                              GError           **error);
GArray      *parley_store_search_fts         (ParleyStore       *self,
                                              const char        *query,
                                              const char        *lang,
                                              guint              k,
                                              GError           **error);
GArray      *parley_store_search_fts_terms   (ParleyStore       *self,
                                              const char * const *terms,
                                              guint              k,
                                              GError           **error);

void         parley_doc_record_clear         (ParleyDocRecord   *doc);
void         parley_stored_doc_free          (ParleyStoredDoc   *doc);

gint64       parley_store_audit_append       (ParleyStore          *self,
                                              const char           *kind,
                                              const char           *subject,
                                              const char           *payload,
                                              GError              **error);
gboolean     parley_store_audit_foreach      (ParleyStore          *self,
                                              const char           *kind,
                                              ParleyStoreAuditFunc  func,
                                              gpointer              user_data,
                                              GError              **error);
gboolean     parley_store_audit_verify       (ParleyStore          *self,
                                              ParleyAuditReport    *report,
                                              GError              **error);
void         parley_audit_report_clear       (ParleyAuditReport    *report);

gboolean     parley_store_put_customer       (ParleyStore          *self,
                                              const char           *id,
                                              const char           *tier,
                                              const char           *locale,
                                              gboolean              eu,
                                              GError              **error);
gint64       parley_store_create_conversation (ParleyStore         *self,
                                              const char           *customer_id,
                                              const char           *lang,
                                              GError              **error);
gboolean     parley_store_set_conversation_status (ParleyStore     *self,
                                              gint64                conversation_id,
                                              ParleyConversationStatus status,
                                              GError              **error);
gboolean     parley_store_get_conversation   (ParleyStore          *self,
                                              gint64                conversation_id,
                                              ParleyConversationRecord *out,
                                              GError              **error);
void         parley_conversation_record_clear (ParleyConversationRecord *rec);
gint64       parley_store_add_message        (ParleyStore          *self,
                                              const ParleyMessageRecord *message,
                                              GError              **error);
GPtrArray   *parley_store_customer_history   (ParleyStore          *self,
                                              const char           *customer_id,
                                              GError              **error);
void         parley_message_record_free      (ParleyMessageRecord  *message);
gint64       parley_store_purge_conversations (ParleyStore         *self,
                                              gint64                before,
                                              GError              **error);

JsonNode    *parley_store_export_customer    (ParleyStore          *self,
                                              const char           *customer_id,
                                              GError              **error);
gboolean     parley_store_delete_customer    (ParleyStore          *self,
                                              const char           *customer_id,
                                              gint64               *n_messages,
                                              GError              **error);
gboolean     parley_store_put_csat           (ParleyStore          *self,
                                              gint64                conversation_id,
                                              guint                 score,
                                              const char           *comment,
                                              GError              **error);
gboolean     parley_store_escalate_conversation (ParleyStore       *self,
                                              gint64                conversation_id,
                                              const char           *reason,
                                              GError              **error);
gboolean     parley_store_get_support_stats  (ParleyStore          *self,
                                              gint64                since,
                                              ParleySupportStats   *stats,
                                              GError              **error);
void         parley_support_stats_clear      (ParleySupportStats   *stats);
gint64       parley_store_get_kb_generation  (ParleyStore          *self);
char        *parley_store_cache_get          (ParleyStore          *self,
                                              const char           *key,
                                              GError              **error);
gboolean     parley_store_cache_put          (ParleyStore          *self,
                                              const char           *key,
                                              const char           *lang,
                                              const char           *answer,
                                              guint                 ttl_seconds,
                                              GError              **error);
gint64       parley_store_cache_purge        (ParleyStore          *self,
                                              GError              **error);

G_END_DECLS
