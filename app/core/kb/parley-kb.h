/* parley-kb.h — the knowledge base: ingestion and hybrid retrieval
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "parley-chunker.h"
#include "parley-index.h"
#include "parley-vector-index.h"
#include "parley-store.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_KB (parley_kb_get_type ())

G_DECLARE_FINAL_TYPE (ParleyKb, parley_kb, PARLEY, KB, GObject)

#define PARLEY_KB_DEFAULT_MAX_FILE_SIZE (32 * 1024 * 1024)

typedef struct {
  ParleyLang           lang;           /* for files whose metadata has none; UNKNOWN: detect */
  gboolean             sync;           /* delete stored documents not among the paths */
  gsize                max_file_size;  /* 0: PARLEY_KB_DEFAULT_MAX_FILE_SIZE */
  guint                n_threads;      /* 0: one per core */
  ParleyChunkerOptions chunker;        /* zeroes: PARLEY_CHUNKER_DEFAULTS */
} ParleyIngestOptions;

typedef enum {
  PARLEY_INGEST_ADDED,
  PARLEY_INGEST_UPDATED,
  PARLEY_INGEST_UNCHANGED,
  PARLEY_INGEST_FAILED,
  PARLEY_INGEST_DELETED,
} ParleyIngestOutcome;

typedef struct {
  guint   seen;
  guint   added;
  guint   updated;
  guint   unchanged;
  guint   failed;
  guint   deleted;
  guint   chunks;
  gint64  bytes;
  gboolean compacted;
} ParleyIngestReport;

/* @error is set for FAILED only. Called on the thread that called ingest. */
typedef void (*ParleyIngestFunc) (const char          *path,
                                  ParleyIngestOutcome  outcome,
                                  const GError        *error,
                                  const ParleyIngestReport *so_far,
                                  guint                total,
                                  gpointer             user_data);

typedef enum {
  PARLEY_SEARCH_AUTO,     /* hybrid when a query vector is given, else BM25 */
  PARLEY_SEARCH_BM25,
  PARLEY_SEARCH_VECTOR,
  PARLEY_SEARCH_HYBRID,
} ParleySearchMode;

typedef struct {
  ParleyLang        lang;         /* UNKNOWN: detect from the query */
  guint             k;            /* 0: 5 */
  const char       *category;     /* (nullable) only documents of this category */
  ParleySearchMode  mode;
  const float      *vector;       /* (nullable) the query's embedding, for vector/hybrid */
  guint             dim;
  gboolean          no_fallback;  /* do not fall back to English hits */
  gboolean          exhaustive;   /* score every posting (reference/baseline) */
  gboolean          per_chunk;    /* several chunks of one document may be hits */
} ParleySearchOptions;

typedef struct {
  gint64  chunk_id;
  double  score;
  guint   bm25_rank;              /* 1-based, 0 if absent from that list */
  guint   vector_rank;
  gboolean fallback;              /* an English hit for a question in another language */
  ParleyChunkRecord rec;          /* doc, title, lang, category, heading, text, parent */
} ParleyHit;

typedef struct {
  ParleyLang lang;                /* the language searched */
  gboolean   lang_detected;
  gboolean   fallback;
  guint      corrected_terms;     /* query terms replaced by a spelling match */
  guint64    postings_total;
  guint64    postings_scored;
} ParleySearchInfo;

ParleyKb   *parley_kb_new              (ParleyStore                *store);
ParleyStore *parley_kb_get_store       (ParleyKb                   *self);

gboolean    parley_kb_ingest           (ParleyKb                   *self,
                                        const char * const         *paths,
                                        const ParleyIngestOptions  *options,
                                        ParleyIngestFunc            progress,
                                        gpointer                    user_data,
                                        ParleyIngestReport         *report,
                                        GError                    **error);
gboolean    parley_kb_reindex          (ParleyKb                   *self,
                                        GError                    **error);

GPtrArray  *parley_kb_search           (ParleyKb                   *self,
                                        const char                 *query,
                                        const ParleySearchOptions  *options,
                                        ParleySearchInfo           *info,
                                        GError                    **error);
guint       parley_kb_search_ids       (ParleyKb                   *self,
                                        const char                 *query,
                                        const ParleySearchOptions  *options,
                                        ParleyScoredId             *hits,
                                        ParleySearchInfo           *info,
                                        GError                    **error);

gboolean    parley_kb_put_vector       (ParleyKb                   *self,
                                        gint64                      chunk_id,
                                        const char                 *model,
                                        const float                *vector,
                                        guint                       dim,
                                        GError                    **error);
gboolean    parley_kb_load_vectors     (ParleyKb                   *self,
                                        const char                 *model,
                                        GError                    **error);
ParleyVectorIndex *parley_kb_get_vector_index (ParleyKb            *self);
void        parley_kb_set_vector_index (ParleyKb                   *self,
                                        ParleyVectorIndex          *index);

void        parley_hit_free            (ParleyHit                  *hit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyHit, parley_hit_free)

G_END_DECLS
