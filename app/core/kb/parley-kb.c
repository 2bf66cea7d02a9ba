/* parley-kb.c — the knowledge base: ingestion and hybrid retrieval
 *
 * Ingestion: files are read and hashed on the calling thread; changed ones
 * go to a bounded pool of workers (one analyzer each) that extract, detect
 * the language, chunk and analyse; results come back in input order (so
 * chunk ids are deterministic) and are written by the calling thread, the
 * only writer. Postings are accumulated in memory and appended to the
 * stored lists at each commit.
 *
 * Index terms are keyed by language ("de:rucksend"), so that each language
 * is its own BM25 collection, with its own statistics, and filtering by
 * language costs nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-kb"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parley-analyzer.h"
#include "parley-error.h"
#include "parley-extract.h"
#include "parley-kb.h"
#include "parley-langid.h"
#include "parley-thesaurus.h"

#define COMMIT_EVERY      2000      /* documents per transaction */
#define MAX_IN_FLIGHT     256       /* documents queued to or held from the workers */
#define COMPACT_RATIO     0.25      /* rebuild the index when this share of it is deleted */
#define RRF_K             60.0
#define FUZZY_WEIGHT      0.8f
#define EXPAND_WEIGHT     0.2f      /* a thesaurus term, relative to a query term */
#define SPLIT_WEIGHT      0.7f      /* each part of a split compound */

struct _ParleyKb
{
  GObject            parent_instance;

  /* owned */
  ParleyStore       *store;
  ParleyAnalyzer    *analyzer;       /* for queries, on the caller's thread */
  GHashTable        *tombstones;     /* cache: gint64* set */
  GPtrArray         *vocab[PARLEY_N_LANGS];   /* cache: VocabEntry*, for spelling */
  GHashTable        *vocab_set[PARLEY_N_LANGS];  /* cache: term → VocabEntry* */
  gint64             cached_version;
  ParleyVectorIndex *vectors;
  char              *vector_model;
};

G_DEFINE_FINAL_TYPE (ParleyKb, parley_kb, G_TYPE_OBJECT)

typedef struct {
  gint64 df;
  guint  len;
  char   term[];
} VocabEntry;

static void
invalidate_caches (ParleyKb *self)
{
  g_clear_pointer (&self->tombstones, g_hash_table_unref);
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    {
      g_clear_pointer (&self->vocab_set[i], g_hash_table_unref);
      g_clear_pointer (&self->vocab[i], g_ptr_array_unref);
    }
}

static void
parley_kb_finalize (GObject *object)
{
  ParleyKb *self = (ParleyKb *) object;

  invalidate_caches (self);
  g_clear_pointer (&self->analyzer, parley_analyzer_free);
  g_clear_pointer (&self->vectors, parley_vector_index_free);
  g_clear_pointer (&self->vector_model, g_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (parley_kb_parent_class)->finalize (object);
}

static void
parley_kb_class_init (ParleyKbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parley_kb_finalize;
}

static void
parley_kb_init (ParleyKb *self)
{
  self->analyzer = parley_analyzer_new ();
  self->cached_version = -1;
}

ParleyKb *
parley_kb_new (ParleyStore *store)
{
  ParleyKb *self;

  g_return_val_if_fail (PARLEY_IS_STORE (store), NULL);

  self = g_object_new (PARLEY_TYPE_KB, NULL);
  self->store = g_object_ref (store);
  return self;
}

ParleyStore *
parley_kb_get_store (ParleyKb *self)
{
  g_return_val_if_fail (PARLEY_IS_KB (self), NULL);
  return self->store;
}

void
parley_hit_free (ParleyHit *hit)
{
  if (hit == NULL)
    return;
  parley_chunk_record_clear (&hit->rec);
  g_free (hit);
}

/* The text of a child chunk that is indexed: its document's title and
 * what the document is about, and its heading path, give it context
 * ("Returns › Refunds" for "They take 5 days"). */
static char *
index_text (const char *title,
            const char *about,
            const char *heading,
            const char *text)
{
  return g_strjoin ("\n", title != NULL ? title : "", about != NULL ? about : "",
                    heading != NULL ? heading : "", text, NULL);
}

/* What a document says it is about, from its metadata: the author's
 * description and keywords, and the customer questions it answers (a
 * help centre's "questions" field, in the customers' own words). */
static char *
about_text (GHashTable *meta)
{
  static const char * const keys[] = { "description", "summary", "keywords", "tags", "questions" };
  g_autoptr(GString) about = g_string_new (NULL);

  for (guint i = 0; meta != NULL && i < G_N_ELEMENTS (keys); i++)
    {
      const char *value = g_hash_table_lookup (meta, keys[i]);

      if (value == NULL)
        continue;
      if (about->len > 0)
        g_string_append_c (about, '\n');
      g_string_append (about, value);
    }
  if (about->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&about), FALSE);
}

static char *
term_key (ParleyLang  lang,
          const char *term)
{
  return g_strconcat (parley_lang_to_string (lang), ":", term, NULL);
}

/* ---------------------------------------------------------------------- */
/* Ingestion                                                               */

typedef struct {
  char   *term;
  guint   tf;
} TermCount;

typedef struct {
  char      *heading;
  char      *text;
  guint      n_tokens;
  guint      n_terms;
  GArray    *terms;       /* TermCount, for children */
} AnalysedChunk;

typedef struct {
  char       *heading;
  char       *text;
  guint       n_tokens;
  GPtrArray  *children;   /* AnalysedChunk* */
} AnalysedParent;

typedef struct {
  guint        seq;
  char        *path;        /* on disk */
  char        *doc;         /* as stored: relative to the folder given */
  GBytes      *bytes;
  char        *hash;
  gint64       old_id;      /* 0 if new */
  ParleyLang   default_lang;
  ParleyChunkerOptions chunker;

  /* results */
  GError          *error;
  ParleyDocRecord  record;
  ParleyLang       lang;
  GPtrArray       *parents;   /* AnalysedParent* */
} Job;

static void
analysed_chunk_free (AnalysedChunk *c)
{
  g_free (c->heading);
  g_free (c->text);
  g_clear_pointer (&c->terms, g_array_unref);
  g_free (c);
}

static void
analysed_parent_free (AnalysedParent *p)
{
  g_free (p->heading);
  g_free (p->text);
  g_ptr_array_unref (p->children);
  g_free (p);
}

static void
term_count_clear (gpointer data)
{
  g_free (((TermCount *) data)->term);
}

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->doc);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_free (job->hash);
  g_clear_error (&job->error);
  parley_doc_record_clear (&job->record);
  g_clear_pointer (&job->parents, g_ptr_array_unref);
  g_free (job);
}

static void
count_term (const char *term,
            gsize       len,
            gpointer    user_data)
{
  GHashTable *counts = user_data;
  gpointer value;

  if (g_hash_table_lookup_extended (counts, term, NULL, &value))
    g_hash_table_insert (counts, g_strndup (term, len), GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
  else
    g_hash_table_insert (counts, g_strndup (term, len), GUINT_TO_POINTER (1));
}

/* Term frequencies of @text, sorted by term (deterministic postings order). */
static GArray *
analyse_terms (ParleyAnalyzer *analyzer,
               ParleyLang      lang,
               const char     *text,
               guint          *n_terms)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GArray *terms = g_array_new (FALSE, FALSE, sizeof (TermCount));
  GHashTableIter iter;
  gpointer key, value;

  g_array_set_clear_func (terms, term_count_clear);
  *n_terms = parley_analyzer_analyze (analyzer, lang, text, -1, count_term, counts);

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      TermCount tc = { key, GPOINTER_TO_UINT (value) };

      g_hash_table_iter_steal (&iter);
      g_array_append_val (terms, tc);
    }
  return terms;
}

static char *
meta_to_json (GHashTable *meta)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) keys = NULL;

  json_builder_begin_object (builder);
  if (meta != NULL)
    {
      keys = g_list_sort (g_hash_table_get_keys (meta), (GCompareFunc) g_strcmp0);
      for (const GList *l = keys; l != NULL; l = l->next)
        {
          json_builder_set_member_name (builder, l->data);
          json_builder_add_string_value (builder, g_hash_table_lookup (meta, l->data));
        }
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
title_from_path (const char *doc)
{
  g_autofree char *base = g_path_get_basename (doc);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  g_strdelimit (base, "-_", ' ');
  return g_steal_pointer (&base);
}

static ParleyLang
resolve_lang (const ParleyDocument *doc,
              ParleyLang            default_lang)
{
  g_autoptr(GString) sample = NULL;
  ParleyLang lang = parley_lang_from_string (doc->lang);

  if (lang != PARLEY_LANG_UNKNOWN)
    return lang;
  if (default_lang != PARLEY_LANG_UNKNOWN)
    return default_lang;

  /* Detect from the first few kilobytes of text. */
  sample = g_string_new (doc->title);
  for (guint i = 0; i < doc->blocks->len && sample->len < 4096; i++)
    {
      g_string_append_c (sample, '\n');
      g_string_append (sample, ((ParleyBlock *) doc->blocks->pdata[i])->text);
    }
  lang = parley_langid_detect (sample->str, sample->len, NULL);
  return lang != PARLEY_LANG_UNKNOWN ? lang : PARLEY_LANG_EN;
}

static void
free_thread_analyzer (gpointer data)
{
  parley_analyzer_free (data);
}

static GPrivate thread_analyzer = G_PRIVATE_INIT (free_thread_analyzer);

/* Runs on a worker thread. */
static void
process_job (Job *job)
{
  ParleyAnalyzer *analyzer = g_private_get (&thread_analyzer);
  g_autoptr(ParleyDocument) doc = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  ParleyFormat format = parley_format_from_path (job->path);

  if (analyzer == NULL)
    {
      analyzer = parley_analyzer_new ();
      g_private_set (&thread_analyzer, analyzer);
    }

  doc = parley_extract (format, job->bytes, &job->error);
  if (doc == NULL)
    return;

  job->lang = resolve_lang (doc, job->default_lang);
  chunks = parley_chunk_document (analyzer, job->lang, doc, &job->chunker);
  if (chunks->len == 0)
    {
      g_set_error_literal (&job->error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, "no text to index");
      return;
    }

  job->record.path = g_strdup (job->doc);
  job->record.title = doc->title != NULL && *doc->title != '\0' ? g_strdup (doc->title)
                                                                : title_from_path (job->doc);
  job->record.lang = g_strdup (parley_lang_to_string (job->lang));
  job->record.category = g_strdup (doc->category);
  job->record.about = about_text (doc->meta);
  job->record.meta_json = meta_to_json (doc->meta);
  job->record.format = g_strdup (parley_format_to_string (format));
  job->record.hash = g_strdup (job->hash);
  job->record.bytes = g_bytes_get_size (job->bytes);

  job->parents = g_ptr_array_new_with_free_func ((GDestroyNotify) analysed_parent_free);
  for (guint i = 0; i < chunks->len; i++)
    {
      ParleyChunk *chunk = chunks->pdata[i];
      AnalysedParent *parent = g_new0 (AnalysedParent, 1);

      parent->heading = g_steal_pointer (&chunk->heading);
      parent->text = g_steal_pointer (&chunk->text);
      parent->n_tokens = chunk->n_tokens;
      parent->children = g_ptr_array_new_with_free_func ((GDestroyNotify) analysed_chunk_free);
      for (guint j = 0; j < chunk->children->len; j++)
        {
          ParleyChunk *child = chunk->children->pdata[j];
          AnalysedChunk *ac = g_new0 (AnalysedChunk, 1);
          g_autofree char *text = index_text (job->record.title, job->record.about,
                                                      child->heading, child->text);

          ac->terms = analyse_terms (analyzer, job->lang, text, &ac->n_terms);
          ac->heading = g_steal_pointer (&child->heading);
          ac->text = g_steal_pointer (&child->text);
          ac->n_tokens = child->n_tokens;
          g_ptr_array_add (parent->children, ac);
        }
      g_ptr_array_add (job->parents, parent);
    }

  g_clear_pointer (&job->bytes, g_bytes_unref);
}

typedef struct {
  GAsyncQueue *done;
} PoolData;

static void
worker_func (gpointer data,
             gpointer user_data)
{
  Job *job = data;
  PoolData *pool = user_data;

  process_job (job);
  g_async_queue_push (pool->done, job);
}

/* In-memory postings of one transaction: "lang:term" → GArray of ParleyPosting. */
typedef struct {
  GHashTable *lists;
} Postings;

static void
postings_add (Postings       *postings,
              ParleyLang      lang,
              const TermCount *tc,
              gint64          chunk_id,
              guint           len)
{
  ParleyPosting p = { chunk_id, tc->tf, len };
  g_autofree char *key = term_key (lang, tc->term);
  GArray *list = g_hash_table_lookup (postings->lists, key);

  if (list == NULL)
    {
      list = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
      g_hash_table_insert (postings->lists, g_steal_pointer (&key), list);
    }
  g_array_append_val (list, p);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
postings_flush (ParleyStore  *store,
                Postings     *postings,
                GError      **error)
{
  guint n_keys = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (postings->lists, &n_keys);

  /* In key order: sequential b-tree writes. */
  qsort (keys, n_keys, sizeof *keys, compare_strings);
  for (guint i = 0; i < n_keys; i++)
    {
      const char *key = keys[i];
      GArray *list = g_hash_table_lookup (postings->lists, key);
      g_autoptr(GBytes) old = NULL;
      g_autoptr(GBytes) merged = NULL;
      gint64 df;
      gsize len;
      const guint8 *data;

      if (!parley_store_get_postings (store, key, &old, &df, error))
        return FALSE;
      merged = parley_postings_append (old, (ParleyPosting *) list->data, list->len, error);
      if (merged == NULL)
        return FALSE;
      data = g_bytes_get_data (merged, &len);
      if (!parley_store_put_postings (store, key, df + list->len, data, len, error))
        return FALSE;
    }
  g_hash_table_remove_all (postings->lists);
  return TRUE;
}

static gboolean
write_job (ParleyStore  *store,
           Job          *job,
           Postings     *postings,
           guint        *n_chunks,
           GError      **error)
{
  gint64 doc_id;
  gint64 lang_chunks = 0, lang_len = 0;
  guint ord = 0;

  if (job->old_id > 0 && !parley_store_delete_doc (store, job->old_id, error))
    return FALSE;

  doc_id = parley_store_insert_doc (store, &job->record, error);
  if (doc_id < 0)
    return FALSE;

  for (guint i = 0; i < job->parents->len; i++)
    {
      AnalysedParent *parent = job->parents->pdata[i];
      gint64 parent_id = parley_store_insert_chunk (store, doc_id, 0, ord++, parent->heading,
                                                    parent->text, parent->n_tokens, 0, error);

      if (parent_id < 0)
        return FALSE;

      for (guint j = 0; j < parent->children->len; j++)
        {
          AnalysedChunk *child = parent->children->pdata[j];
          gint64 id = parley_store_insert_chunk (store, doc_id, parent_id, ord++, child->heading,
                                                 child->text, child->n_tokens, child->n_terms, error);

          if (id < 0)
            return FALSE;
          for (guint t = 0; t < child->terms->len; t++)
            postings_add (postings, job->lang, &g_array_index (child->terms, TermCount, t), id, child->n_terms);
          lang_chunks++;
          lang_len += child->n_terms;
          (*n_chunks)++;
        }
    }

  return parley_store_add_lang_stats (store, job->record.lang, lang_chunks, lang_len, error);
}

typedef struct {
  char  *path;
  char  *doc;
  gint64 size;
} FileEntry;

static void
file_entry_clear (gpointer data)
{
  FileEntry *e = data;

  g_free (e->path);
  g_free (e->doc);
}

static gboolean
is_hidden (const char *name)
{
  return name[0] == '.' || name[strlen (name) - 1] == '~';
}

/* Walks @dir recursively (no symlinked folders: no loops); files of formats
 * Parley does not read are left out quietly. */
static void
walk_folder (GFile      *root,
             GFile      *dir,
             GArray     *files,
             GPtrArray  *walk_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileEnumerator) en = NULL;

  en = g_file_enumerate_children (dir,
                                   G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                   G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                   G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  if (en == NULL)
    {
      g_ptr_array_add (walk_errors, g_strdup_printf ("%s: %s", g_file_peek_path (dir), error->message));
      return;
    }

  for (;;)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;
      const char *name;

      if (!g_file_enumerator_iterate (en, &info, &child, NULL, &error))
        {
          g_ptr_array_add (walk_errors, g_strdup_printf ("%s: %s", g_file_peek_path (dir), error->message));
          return;
        }
      if (info == NULL)
        break;

      name = g_file_info_get_name (info);
      if (is_hidden (name))
        continue;

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        walk_folder (root, child, files, walk_errors);
      else if (parley_format_from_path (name) != PARLEY_FORMAT_UNKNOWN &&
               (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR ||
                g_file_info_get_file_type (info) == G_FILE_TYPE_SYMBOLIC_LINK))
        {
          FileEntry e = {
            g_file_get_path (child),
            g_file_get_relative_path (root, child),
            g_file_info_get_size (info),
          };
          g_array_append_val (files, e);
        }
    }
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (((const FileEntry *) a)->doc, ((const FileEntry *) b)->doc);
}

static char *
content_hash (GBytes     *bytes,
              ParleyLang  default_lang)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  char prefix[64];
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  /* What changes the stored result changes the hash: the analyzer's
   * version and the language given for the file. */
  g_snprintf (prefix, sizeof prefix, "parley-kb/%d/%s\n", PARLEY_ANALYZER_VERSION,
              parley_lang_to_string (default_lang));
  g_checksum_update (sum, (const guchar *) prefix, strlen (prefix));
  g_checksum_update (sum, data, len);
  return g_strdup (g_checksum_get_string (sum));
}

typedef struct {
  ParleyKb                  *self;
  const ParleyIngestOptions *opts;
  ParleyIngestFunc           progress;
  gpointer                   user_data;
  ParleyIngestReport        *report;
  guint                      total;
} IngestCtx;

static void
report_outcome (IngestCtx           *ctx,
                const char          *path,
                ParleyIngestOutcome  outcome,
                const GError        *error)
{
  switch (outcome)
    {
    case PARLEY_INGEST_ADDED: ctx->report->added++; break;
    case PARLEY_INGEST_UPDATED: ctx->report->updated++; break;
    case PARLEY_INGEST_UNCHANGED: ctx->report->unchanged++; break;
    case PARLEY_INGEST_FAILED: ctx->report->failed++; break;
    case PARLEY_INGEST_DELETED: ctx->report->deleted++; break;
    default: break;
    }
  if (ctx->progress != NULL)
    ctx->progress (path, outcome, error, ctx->report, ctx->total, ctx->user_data);
}

static gboolean
should_compact (ParleyStore *store)
{
  ParleyStoreStats stats;

  if (!parley_store_get_stats (store, &stats, NULL))
    return FALSE;
  return stats.n_tombstones > 64 && stats.n_tombstones > COMPACT_RATIO * (stats.n_children + 1);
}

/**
 * parley_kb_ingest:
 * @paths: files and folders; a folder's documents are named by their path
 *   relative to it, a file's by its name
 * @progress: (nullable): told of every file's outcome
 *
 * Adds new documents, replaces changed ones (by content hash), skips
 * unchanged ones and, with @options->sync, deletes stored documents that are
 * not among @paths. A file that cannot be read or parsed is reported and
 * skipped; what is stored for it stays as it was.
 *
 * Returns: %FALSE only if the store itself fails (nothing of the current
 *   batch is then half-written)
 */
gboolean
parley_kb_ingest (ParleyKb                   *self,
                  const char * const         *paths,
                  const ParleyIngestOptions  *options,
                  ParleyIngestFunc            progress,
                  gpointer                    user_data,
                  ParleyIngestReport         *report,
                  GError                    **error)
{
  ParleyIngestOptions opts = options != NULL ? *options : (ParleyIngestOptions) { PARLEY_LANG_UNKNOWN };
  ParleyIngestReport local_report = { 0 };
  g_autoptr(GArray) files = g_array_new (FALSE, FALSE, sizeof (FileEntry));
  g_autoptr(GPtrArray) walk_errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) pending = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) job_free);
  g_autoptr(GAsyncQueue) done = g_async_queue_new ();
  g_autoptr(GHashTable) posting_lists = NULL;
  Postings postings;
  PoolData pool_data = { done };
  GThreadPool *pool = NULL;
  IngestCtx ctx = { self, &opts, progress, user_data, report != NULL ? report : &local_report, 0 };
  guint next_seq = 0, n_sent = 0, n_written_in_txn = 0, next_file = 0;
  gboolean ok = TRUE;
  g_autoptr(GError) store_error = NULL;

  g_return_val_if_fail (PARLEY_IS_KB (self), FALSE);
  g_return_val_if_fail (paths != NULL, FALSE);

  memset (ctx.report, 0, sizeof *ctx.report);
  if (opts.max_file_size == 0)
    opts.max_file_size = PARLEY_KB_DEFAULT_MAX_FILE_SIZE;
  if (opts.n_threads == 0)
    opts.n_threads = CLAMP (g_get_num_processors (), 1, 8);
  if (opts.chunker.child_tokens == 0)
    opts.chunker = PARLEY_CHUNKER_DEFAULTS;

  g_array_set_clear_func (files, file_entry_clear);

  /* 1. What is there to ingest. */
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (paths[i]);
      GFileType type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL);

      if (type == G_FILE_TYPE_DIRECTORY)
        {
          g_autoptr(GArray) sub = g_array_new (FALSE, FALSE, sizeof (FileEntry));

          walk_folder (file, file, sub, walk_errors);
          g_array_sort (sub, compare_entries);
          g_array_append_vals (files, sub->data, sub->len);
        }
      else
        {
          g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                          G_FILE_QUERY_INFO_NONE, NULL, NULL);
          FileEntry e = { g_strdup (paths[i]), g_file_get_basename (file),
                          info != NULL ? g_file_info_get_size (info) : -1 };

          g_array_append_val (files, e);
        }
    }
  ctx.total = files->len + walk_errors->len;

  for (guint i = 0; i < walk_errors->len; i++)
    {
      g_autoptr(GError) err = g_error_new_literal (PARLEY_ERROR, PARLEY_ERROR_IO, walk_errors->pdata[i]);

      report_outcome (&ctx, walk_errors->pdata[i], PARLEY_INGEST_FAILED, err);
    }

  stored = parley_store_list_docs (self->store, error);
  if (stored == NULL)
    return FALSE;

  posting_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  postings.lists = posting_lists;
  pool = g_thread_pool_new (worker_func, &pool_data, opts.n_threads, FALSE, NULL);

  /* 2. Feed the workers, keeping at most MAX_IN_FLIGHT documents in memory;
   * write their results in input order. */
  while (ok && (next_file < files->len || next_seq < n_sent))
    {
      while (next_file < files->len && n_sent - next_seq < MAX_IN_FLIGHT)
        {
          FileEntry *e = &g_array_index (files, FileEntry, next_file++);
          ParleyStoredDoc *old = g_hash_table_lookup (stored, e->doc);
          g_autoptr(GError) err = NULL;
          g_autofree char *contents = NULL;
          gsize len = 0;
          Job *job;

          if (g_hash_table_contains (seen, e->doc))
            {
              err = g_error_new (PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                                 "another file was already ingested as “%s”", e->doc);
              report_outcome (&ctx, e->path, PARLEY_INGEST_FAILED, err);
              continue;
            }
          g_hash_table_add (seen, e->doc);
          ctx.report->seen++;

          if (parley_format_from_path (e->path) == PARLEY_FORMAT_UNKNOWN)
            err = g_error_new_literal (PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                                       "unsupported file type (Markdown, HTML, text and PDF are read)");
          else if (e->size > (gint64) opts.max_file_size)
            err = g_error_new (PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                               "too large (%" G_GINT64_FORMAT " MB; the limit is %" G_GSIZE_FORMAT " MB)",
                               e->size / (1024 * 1024), opts.max_file_size / (1024 * 1024));
          else if (g_file_get_contents (e->path, &contents, &len, &err) && len > opts.max_file_size)
            g_set_error (&err, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE, "too large (grew while reading)");

          if (err != NULL)
            {
              report_outcome (&ctx, e->path, PARLEY_INGEST_FAILED, err);
              continue;
            }

          job = g_new0 (Job, 1);
          job->path = g_strdup (e->path);
          job->doc = g_strdup (e->doc);
          job->bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
          job->hash = content_hash (job->bytes, opts.lang);
          job->default_lang = opts.lang;
          job->chunker = opts.chunker;
          job->old_id = old != NULL ? old->id : 0;
          ctx.report->bytes += len;

          if (old != NULL && g_strcmp0 (old->hash, job->hash) == 0)
            {
              report_outcome (&ctx, e->path, PARLEY_INGEST_UNCHANGED, NULL);
              job_free (job);
              continue;
            }

          job->seq = n_sent++;
          g_thread_pool_push (pool, job, NULL);
        }

      if (next_seq == n_sent)
        continue;

      /* Wait for the next result in order. */
      while (!g_hash_table_contains (pending, GUINT_TO_POINTER (next_seq)))
        {
          Job *job = g_async_queue_pop (done);

          g_hash_table_insert (pending, GUINT_TO_POINTER (job->seq), job);
        }

      {
        Job *job = g_hash_table_lookup (pending, GUINT_TO_POINTER (next_seq));

        if (job->error != NULL)
          report_outcome (&ctx, job->path, PARLEY_INGEST_FAILED, job->error);
        else
          {
            if (n_written_in_txn == 0 && !parley_store_begin (self->store, &store_error))
              ok = FALSE;
            else if (!write_job (self->store, job, &postings, &ctx.report->chunks, &store_error))
              ok = FALSE;
            else
              {
                n_written_in_txn++;
                report_outcome (&ctx, job->path, job->old_id > 0 ? PARLEY_INGEST_UPDATED : PARLEY_INGEST_ADDED, NULL);
              }

            if (ok && n_written_in_txn >= COMMIT_EVERY)
              {
                ok = postings_flush (self->store, &postings, &store_error) &&
                     parley_store_commit (self->store, &store_error);
                n_written_in_txn = 0;
              }
          }
        g_hash_table_remove (pending, GUINT_TO_POINTER (next_seq));
        next_seq++;
      }
    }

  /* Drain the pool before anything else (its jobs point into our queue). */
  g_thread_pool_free (pool, FALSE, TRUE);
  while (g_async_queue_length (done) > 0)
    job_free (g_async_queue_pop (done));

  /* 3. Documents no longer among the paths. */
  if (ok && opts.sync)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, stored);
      while (ok && g_hash_table_iter_next (&iter, &key, &value))
        {
          if (g_hash_table_contains (seen, key))
            continue;
          if (n_written_in_txn == 0 && !parley_store_begin (self->store, &store_error))
            ok = FALSE;
          else if (!parley_store_delete_doc (self->store, ((ParleyStoredDoc *) value)->id, &store_error))
            ok = FALSE;
          else
            {
              n_written_in_txn++;
              report_outcome (&ctx, key, PARLEY_INGEST_DELETED, NULL);
            }
        }
    }

  if (ok && n_written_in_txn > 0)
    ok = postings_flush (self->store, &postings, &store_error) &&
         parley_store_commit (self->store, &store_error);

  if (!ok)
    {
      parley_store_rollback (self->store);
      invalidate_caches (self);
      g_propagate_error (error, g_steal_pointer (&store_error));
      return FALSE;
    }

  invalidate_caches (self);

  /* 4. Deleted chunks mask more than a quarter of the index: rebuild it. */
  if (should_compact (self->store))
    {
      if (!parley_kb_reindex (self, error))
        return FALSE;
      ctx.report->compacted = TRUE;
    }

  return TRUE;
}

typedef struct {
  ParleyKb   *self;
  Postings   *postings;
  gint64      n_chunks[PARLEY_N_LANGS];
  gint64      total_len[PARLEY_N_LANGS];
  GError     *error;
} ReindexCtx;

static void
reindex_chunk (gint64      chunk_id,
               const char *lang_code,
               const char *title,
               const char *about,
               const char *heading,
               const char *text,
               gpointer    user_data)
{
  ReindexCtx *ctx = user_data;
  ParleyLang lang = parley_lang_from_string (lang_code);
  g_autofree char *indexed = index_text (title, about, heading, text);
  g_autoptr(GArray) terms = NULL;
  guint n_terms = 0;

  if (ctx->error != NULL)
    return;
  if (lang == PARLEY_LANG_UNKNOWN)
    lang = PARLEY_LANG_EN;

  terms = analyse_terms (ctx->self->analyzer, lang, indexed, &n_terms);
  for (guint i = 0; i < terms->len; i++)
    postings_add (ctx->postings, lang, &g_array_index (terms, TermCount, i), chunk_id, n_terms);
  ctx->n_chunks[lang]++;
  ctx->total_len[lang] += n_terms;
  parley_store_set_chunk_terms (ctx->self->store, chunk_id, n_terms, &ctx->error);
}

/**
 * parley_kb_reindex:
 *
 * Rebuilds the inverted index and its statistics from the stored chunks:
 * after many deletions, or when the analyzer changed.
 */
gboolean
parley_kb_reindex (ParleyKb  *self,
                   GError   **error)
{
  g_autoptr(GHashTable) lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  Postings postings = { lists };
  ReindexCtx ctx = { self, &postings };
  g_autofree char *version = g_strdup_printf ("%d", PARLEY_ANALYZER_VERSION);

  g_return_val_if_fail (PARLEY_IS_KB (self), FALSE);

  if (!parley_store_begin (self->store, error))
    return FALSE;

  if (!parley_store_clear_postings (self->store, error) ||
      !parley_store_reset_lang_stats (self->store, error) ||
      !parley_store_foreach_child (self->store, reindex_chunk, &ctx, error))
    goto fail;
  if (ctx.error != NULL)
    {
      g_propagate_error (error, ctx.error);
      goto fail;
    }
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    if (ctx.n_chunks[i] > 0 &&
        !parley_store_add_lang_stats (self->store, parley_lang_to_string (i), ctx.n_chunks[i], ctx.total_len[i], error))
      goto fail;
  if (!postings_flush (self->store, &postings, error) ||
      !parley_store_set_meta (self->store, "analyzer_version", version, error) ||
      !parley_store_commit (self->store, error))
    goto fail;

  invalidate_caches (self);
  return TRUE;

fail:
  parley_store_rollback (self->store);
  invalidate_caches (self);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Retrieval                                                               */

static void
refresh_caches (ParleyKb *self)
{
  gint64 version = parley_store_get_data_version (self->store);

  /* Another connection (an ingest in another process) changed the store. */
  if (version != self->cached_version)
    {
      invalidate_caches (self);
      self->cached_version = version;
    }
}

static GHashTable *
get_tombstones (ParleyKb  *self,
                GError   **error)
{
  if (self->tombstones == NULL)
    self->tombstones = parley_store_get_tombstones (self->store, error);
  return self->tombstones;
}

static void
add_vocab (const char *term,
           gint64      df,
           gpointer    user_data)
{
  GPtrArray *vocab = user_data;
  const char *colon = strchr (term, ':');
  gsize len = colon != NULL ? strlen (colon + 1) : 0;
  VocabEntry *e;

  if (len == 0)
    return;
  e = g_malloc (sizeof (VocabEntry) + len + 1);
  e->df = df;
  e->len = g_utf8_strlen (colon + 1, len);
  memcpy (e->term, colon + 1, len + 1);
  g_ptr_array_add (vocab, e);
}

static GPtrArray *
get_vocab (ParleyKb   *self,
           ParleyLang  lang)
{
  if (self->vocab[lang] == NULL)
    {
      g_autofree char *prefix = g_strconcat (parley_lang_to_string (lang), ":", NULL);

      self->vocab[lang] = g_ptr_array_new_with_free_func (g_free);
      self->vocab_set[lang] = g_hash_table_new (g_str_hash, g_str_equal);
      parley_store_foreach_term (self->store, prefix, add_vocab, self->vocab[lang], NULL);
      for (guint i = 0; i < self->vocab[lang]->len; i++)
        {
          VocabEntry *e = self->vocab[lang]->pdata[i];

          g_hash_table_insert (self->vocab_set[lang], e->term, e);
        }
    }
  return self->vocab[lang];
}

/* Splits an unknown compound ("rechnungskauf") into two known terms
 * ("rechnung" + "kauf"), trying the German linking elements. The parts
 * must be at least four characters. */
static gboolean
split_compound (ParleyKb    *self,
                ParleyLang   lang,
                const char  *term,
                char       **left_out,
                char       **right_out)
{
  static const char * const links[] = { "", "s", "es", "n", "en", "e" };
  GHashTable *vocab;
  glong n = g_utf8_strlen (term, -1);
  gint64 best = 0;

  get_vocab (self, lang);
  vocab = self->vocab_set[lang];
  if (n < 8 || n > 64)
    return FALSE;

  for (glong i = 4; i <= n - 4; i++)
    {
      const char *cut = g_utf8_offset_to_pointer (term, i);
      const VocabEntry *right = g_hash_table_lookup (vocab, cut);
      g_autofree char *head = g_strndup (term, cut - term);

      if (right == NULL)
        continue;
      for (guint l = 0; l < G_N_ELEMENTS (links); l++)
        {
          g_autofree char *left_word = NULL;
          g_autoptr(GPtrArray) stems = NULL;
          const VocabEntry *left;

          if (!g_str_has_suffix (head, links[l]) || strlen (head) < strlen (links[l]) + 4)
            continue;
          left_word = g_strndup (head, strlen (head) - strlen (links[l]));
          stems = parley_analyzer_terms (self->analyzer, lang, left_word, -1);
          left = stems->len == 1 ? g_hash_table_lookup (vocab, stems->pdata[0]) : NULL;
          if (left == NULL)
            left = g_hash_table_lookup (vocab, left_word);
          if (left != NULL && MIN (left->df, right->df) > best)
            {
              best = MIN (left->df, right->df);
              g_free (*left_out);
              g_free (*right_out);
              *left_out = g_strdup (left->term);
              *right_out = g_strdup (right->term);
            }
        }
    }
  return best > 0;
}

/* Optimal string alignment distance between @a and @b (code points), or
 * @max + 1 when it exceeds @max. */
static guint
edit_distance (const gunichar *a,
               guint           la,
               const gunichar *b,
               guint           lb,
               guint           max)
{
  guint d[3][65];
  guint *prev2 = d[0], *prev = d[1], *cur = d[2];

  if (la > 64 || lb > 64)
    return max + 1;
  if ((la > lb ? la - lb : lb - la) > max)
    return max + 1;

  for (guint j = 0; j <= lb; j++)
    prev[j] = j;
  for (guint i = 1; i <= la; i++)
    {
      guint row_min;

      cur[0] = i;
      row_min = i;
      for (guint j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          guint v = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);

          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            v = MIN (v, prev2[j - 2] + 1);
          cur[j] = v;
          row_min = MIN (row_min, v);
        }
      if (row_min > max)
        return max + 1;
      {
        guint *t = prev2;

        prev2 = prev;
        prev = cur;
        cur = t;
      }
    }
  return prev[lb];
}

/* The vocabulary term nearest to an unknown @term: distance 1 for words of
 * 4–7 characters, 2 from 8; the most frequent wins a tie. */
static const VocabEntry *
spell_match (ParleyKb   *self,
             ParleyLang  lang,
             const char *term)
{
  GPtrArray *vocab = get_vocab (self, lang);
  g_autofree gunichar *t = NULL;
  glong tlen = 0;
  guint max, best_dist;
  const VocabEntry *best = NULL;

  t = g_utf8_to_ucs4_fast (term, -1, &tlen);
  if (tlen < 4 || tlen > 64)
    return NULL;
  max = tlen >= 8 ? 2 : 1;
  best_dist = max + 1;

  for (guint i = 0; i < vocab->len; i++)
    {
      const VocabEntry *e = vocab->pdata[i];
      gunichar v[65];
      glong vlen = 0;
      guint dist;

      if ((guint) ABS ((glong) e->len - tlen) > max || e->len > 64)
        continue;
      for (const char *p = e->term; *p != '\0' && vlen < 64; p = g_utf8_next_char (p))
        v[vlen++] = g_utf8_get_char (p);
      dist = edit_distance (t, tlen, v, vlen, MIN (max, best_dist));
      if (dist < best_dist || (dist == best_dist && best != NULL && e->df > best->df))
        {
          best_dist = dist;
          best = e;
        }
    }

  return best_dist <= max ? best : NULL;
}

typedef struct {
  GHashTable *tombstones;
  GHashTable *category;
} FilterData;

static gboolean
filter_chunk (gint64   id,
              gpointer user_data)
{
  FilterData *f = user_data;

  if (f->tombstones != NULL && g_hash_table_contains (f->tombstones, &id))
    return FALSE;
  if (f->category != NULL && !g_hash_table_contains (f->category, &id))
    return FALSE;
  return TRUE;
}

typedef struct {
  char   *term;
  guint   count;
  float   weight;
  GBytes *postings;   /* once looked up */
  gint64  df;
} QueryTerm;

typedef struct {
  GArray *qterms;
  float   weight;
} ExpandCtx;

static void
add_query_term (const char *term,
                gsize       len,
                gpointer    user_data)
{
  GArray *terms = user_data;
  QueryTerm qt = { 0 };

  for (guint i = 0; i < terms->len; i++)
    if (strcmp (g_array_index (terms, QueryTerm, i).term, term) == 0)
      {
        g_array_index (terms, QueryTerm, i).count++;
        return;
      }
  qt.term = g_strndup (term, len);
  qt.count = 1;
  qt.weight = 1.0f;
  g_array_append_val (terms, qt);
}

static void
add_expansion (const char *term,
               gpointer    user_data)
{
  ExpandCtx *ctx = user_data;
  QueryTerm qt = { g_strdup (term), 1, ctx->weight };

  for (guint i = 0; i < ctx->qterms->len; i++)
    if (strcmp (g_array_index (ctx->qterms, QueryTerm, i).term, term) == 0)
      {
        g_free (qt.term);
        return;
      }
  g_array_append_val (ctx->qterms, qt);
}

static void
query_term_clear (gpointer data)
{
  QueryTerm *qt = data;

  g_free (qt->term);
  g_clear_pointer (&qt->postings, g_bytes_unref);
}

static void
index_term_clear (gpointer data)
{
  g_clear_pointer (&((ParleyIndexTerm *) data)->postings, g_bytes_unref);
}

/* BM25 top-k of @query in @lang's collection. */
static gint
bm25_search (ParleyKb              *self,
             const char            *query,
             ParleyLang             lang,
             guint                  k,
             gboolean               exhaustive,
             FilterData            *filter,
             ParleyScoredId        *hits,
             ParleySearchInfo      *info,
             GError               **error)
{
  g_autoptr(GArray) qterms = g_array_new (FALSE, FALSE, sizeof (QueryTerm));
  g_autoptr(GArray) iterms = g_array_new (FALSE, FALSE, sizeof (ParleyIndexTerm));
  ParleyIndexStats stats = { 0 };
  gint64 n_chunks, total_len;
  float avgdl;
  guint n;

  g_array_set_clear_func (qterms, query_term_clear);
  g_array_set_clear_func (iterms, index_term_clear);

  if (!parley_store_get_lang_stats (self->store, lang, &n_chunks, &total_len, error))
    return -1;
  if (n_chunks <= 0)
    return 0;
  avgdl = (float) total_len / (float) n_chunks;

  parley_analyzer_analyze (self->analyzer, lang, query, -1, add_query_term, qterms);

  /* Unknown words: most likely typos (take the nearest known word), else
   * compounds (take their parts). The vocabulary is only loaded for them. */
  for (guint i = 0, n_q = qterms->len; i < n_q; i++)
    {
      QueryTerm *qt = &g_array_index (qterms, QueryTerm, i);
      g_autofree char *key = term_key (lang, qt->term);
      g_autofree char *left = NULL;
      g_autofree char *right = NULL;
      const VocabEntry *match;

      if (!parley_store_get_postings (self->store, key, &qt->postings, &qt->df, error))
        return -1;
      if (qt->postings != NULL)
        continue;
      if ((match = spell_match (self, lang, qt->term)) != NULL)
        {
          g_free (qt->term);
          qt->term = g_strdup (match->term);
          qt->weight *= FUZZY_WEIGHT;
          if (info != NULL)
            info->corrected_terms++;
        }
      else if (split_compound (self, lang, qt->term, &left, &right))
        {
          QueryTerm parts[2] = { { g_steal_pointer (&left), 1, qt->weight * SPLIT_WEIGHT },
                                 { g_steal_pointer (&right), 1, qt->weight * SPLIT_WEIGHT } };

          qt->weight = 0.0f;
          g_array_append_vals (qterms, parts, 2);
        }
    }

  /* Help-centre words for the customer's words. */
  {
    g_autoptr(GPtrArray) seq = g_ptr_array_new ();
    ExpandCtx ectx = { qterms, EXPAND_WEIGHT };

    for (guint i = 0; i < qterms->len; i++)
      if (g_array_index (qterms, QueryTerm, i).weight > 0.0f)
        g_ptr_array_add (seq, g_array_index (qterms, QueryTerm, i).term);
    parley_thesaurus_expand (parley_thesaurus_get_default (self->analyzer, lang),
                             (const char * const *) seq->pdata, seq->len, add_expansion, &ectx);
  }

  /* Corrected, split and expanded terms still need their postings. */
  for (guint i = 0; i < qterms->len; i++)
    {
      QueryTerm *qt = &g_array_index (qterms, QueryTerm, i);
      ParleyIndexTerm it = { NULL, 0.0f, (float) qt->count * qt->weight };

      if (it.weight <= 0.0f)
        continue;
      if (qt->postings == NULL)
        {
          g_autofree char *key = term_key (lang, qt->term);

          if (!parley_store_get_postings (self->store, key, &qt->postings, &qt->df, error))
            return -1;
          if (qt->postings == NULL)
            continue;
        }
      it.postings = g_steal_pointer (&qt->postings);
      it.idf = parley_bm25_idf (n_chunks, qt->df);
      g_array_append_val (iterms, it);
    }

  if (exhaustive)
    n = parley_index_search_exhaustive ((ParleyIndexTerm *) iterms->data, iterms->len, avgdl, k,
                                        filter_chunk, filter, hits);
  else
    n = parley_index_search ((ParleyIndexTerm *) iterms->data, iterms->len, avgdl, k,
                             filter_chunk, filter, hits, &stats);
  if (info != NULL)
    {
      info->postings_total += stats.postings_total;
      info->postings_scored += stats.postings_scored;
    }
  return n;
}

static gboolean
lang_has_docs (ParleyKb   *self,
               ParleyLang  lang)
{
  gint64 n = 0, len = 0;

  return parley_store_get_lang_stats (self->store, lang, &n, &len, NULL) && n > 0;
}

typedef struct {
  gint64 id;
  double score;
  guint  bm25_rank;
  guint  vector_rank;
} Fused;

static int
compare_fused (gconstpointer a,
               gconstpointer b)
{
  const Fused *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Language of a query without one given: the detector's best guess among
 * the languages the KB has; short ambiguous queries lean on English. */
static ParleyLang
query_lang (ParleyKb   *self,
            const char *query)
{
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  guint n = parley_langid_rank (query, -1, guesses, G_N_ELEMENTS (guesses));

  for (guint i = 0; i < n; i++)
    if (guesses[i].lang < PARLEY_N_LANGS && lang_has_docs (self, guesses[i].lang))
      return guesses[i].lang;
  return PARLEY_LANG_EN;
}

static guint
search_ids (ParleyKb                   *self,
            const char                 *query,
            const ParleySearchOptions  *opts,
            guint                       k,
            Fused                      *out,
            ParleySearchInfo           *info,
            GError                    **error)
{
  ParleySearchMode mode = opts->mode;
  ParleyLang lang = opts->lang;
  FilterData filter = { NULL, NULL };
  g_autoptr(GHashTable) category = NULL;
  guint depth = MAX (k * 4, 20);
  g_autofree ParleyScoredId *bm = g_new0 (ParleyScoredId, depth);
  g_autofree ParleyVectorHit *vec = g_new0 (ParleyVectorHit, depth);
  gint n_bm = 0;
  guint n_vec = 0, n_out = 0;
  g_autoptr(GHashTable) fused = NULL;

  refresh_caches (self);

  if (mode == PARLEY_SEARCH_AUTO)
    mode = opts->vector != NULL && self->vectors != NULL ? PARLEY_SEARCH_HYBRID : PARLEY_SEARCH_BM25;
  if ((mode == PARLEY_SEARCH_VECTOR || mode == PARLEY_SEARCH_HYBRID) &&
      (opts->vector == NULL || self->vectors == NULL || opts->dim != parley_vector_index_get_dim (self->vectors)))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   self->vectors == NULL ? "no vectors are loaded for vector search"
                                         : "the query vector's dimension does not match the index");
      return 0;
    }

  if (lang == PARLEY_LANG_UNKNOWN)
    {
      lang = query_lang (self, query);
      info->lang_detected = TRUE;
    }
  info->lang = lang;

  filter.tombstones = get_tombstones (self, error);
  if (filter.tombstones == NULL)
    return 0;
  if (opts->category != NULL)
    {
      category = parley_store_chunks_in_category (self->store, opts->category, error);
      if (category == NULL)
        return 0;
      filter.category = category;
    }

  if (mode != PARLEY_SEARCH_VECTOR)
    {
      n_bm = bm25_search (self, query, lang, mode == PARLEY_SEARCH_BM25 ? k : depth,
                          opts->exhaustive, &filter, bm, info, error);
      if (n_bm < 0)
        return 0;

      /* Nothing in the question's language: English hits, marked as such. */
      if (n_bm == 0 && lang != PARLEY_LANG_EN && !opts->no_fallback && mode == PARLEY_SEARCH_BM25)
        {
          n_bm = bm25_search (self, query, PARLEY_LANG_EN, k, opts->exhaustive, &filter, bm, info, error);
          if (n_bm < 0)
            return 0;
          info->fallback = n_bm > 0;
        }
    }

  if (mode == PARLEY_SEARCH_BM25)
    {
      for (gint i = 0; i < n_bm && (guint) i < k; i++)
        out[n_out++] = (Fused) { bm[i].id, bm[i].score, i + 1, 0 };
      return n_out;
    }

  {
    ParleyVectorFilter vf = { 0xff, lang };
    g_autofree ParleyVectorHit *raw = g_new0 (ParleyVectorHit, depth * 2);
    guint n_raw = parley_vector_index_search (self->vectors, opts->vector, depth * 2, &vf, raw);

    for (guint i = 0; i < n_raw && n_vec < depth; i++)
      if (filter_chunk (raw[i].id, &filter))
        vec[n_vec++] = raw[i];
  }

  if (mode == PARLEY_SEARCH_VECTOR)
    {
      for (guint i = 0; i < n_vec && i < k; i++)
        out[n_out++] = (Fused) { vec[i].id, vec[i].score, 0, i + 1 };
      return n_out;
    }

  /* Reciprocal-rank fusion (Cormack et al. 2009). */
  fused = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  for (guint list = 0; list < 2; list++)
    {
      guint n = list == 0 ? (guint) n_bm : n_vec;

      for (guint i = 0; i < n; i++)
        {
          gint64 id = list == 0 ? bm[i].id : vec[i].id;
          Fused *f = g_hash_table_lookup (fused, &id);

          if (f == NULL)
            {
              f = g_new0 (Fused, 1);
              f->id = id;
              g_hash_table_insert (fused, &f->id, f);
            }
          f->score += 1.0 / (RRF_K + i + 1);
          if (list == 0)
            f->bm25_rank = i + 1;
          else
            f->vector_rank = i + 1;
        }
    }

  {
    g_autoptr(GArray) all = g_array_sized_new (FALSE, FALSE, sizeof (Fused), g_hash_table_size (fused));
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, fused);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_array_append_vals (all, value, 1);
    g_array_sort (all, compare_fused);
    for (guint i = 0; i < all->len && i < k; i++)
      out[n_out++] = g_array_index (all, Fused, i);
  }
  return n_out;
}

/**
 * parley_kb_search_ids:
 * @hits: (out caller-allocates): room for options->k hits
 *
 * Like parley_kb_search() without reading the chunks: for benchmarks and
 * for callers that only need ids.
 *
 * Returns: the number of hits; 0 with @error set on failure
 */
guint
parley_kb_search_ids (ParleyKb                   *self,
                      const char                 *query,
                      const ParleySearchOptions  *options,
                      ParleyScoredId             *hits,
                      ParleySearchInfo           *info,
                      GError                    **error)
{
  ParleySearchOptions opts = *options;
  ParleySearchInfo local_info = { 0 };
  g_autofree Fused *fused = NULL;
  guint n;

  g_return_val_if_fail (PARLEY_IS_KB (self), 0);
  g_return_val_if_fail (query != NULL, 0);

  if (opts.k == 0)
    opts.k = 5;
  fused = g_new0 (Fused, opts.k);
  n = search_ids (self, query, &opts, opts.k, fused, info != NULL ? info : &local_info, error);
  for (guint i = 0; i < n; i++)
    hits[i] = (ParleyScoredId) { fused[i].id, (float) fused[i].score };
  return n;
}

/**
 * parley_kb_search:
 * @query: the question, in any of Parley's languages
 * @info: (out caller-allocates) (nullable): how the search went
 *
 * Returns: (transfer full) (element-type ParleyHit): the best child chunks,
 *   best first, each with its document and parent chunk; %NULL on error
 */
GPtrArray *
parley_kb_search (ParleyKb                   *self,
                  const char                 *query,
                  const ParleySearchOptions  *options,
                  ParleySearchInfo           *info,
                  GError                    **error)
{
  ParleySearchOptions opts = options != NULL ? *options : (ParleySearchOptions) { PARLEY_LANG_UNKNOWN };
  ParleySearchInfo local_info = { 0 };
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_hit_free);
  g_autoptr(GError) local_error = NULL;
  g_autofree Fused *fused = NULL;
  guint n, depth;

  g_return_val_if_fail (PARLEY_IS_KB (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (info == NULL)
    info = &local_info;
  memset (info, 0, sizeof *info);
  if (!g_utf8_validate (query, -1, NULL))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING, "the query is not valid UTF-8");
      return NULL;
    }
  if (opts.k == 0)
    opts.k = 5;
  opts.k = MIN (opts.k, 1000);

  /* Unless asked for chunks, one hit per document: the best chunk of each
   * of the k best documents. */
  depth = opts.per_chunk ? opts.k : opts.k * 4;
  fused = g_new0 (Fused, depth);
  n = search_ids (self, query, &opts, depth, fused, info, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  for (guint i = 0; i < n && hits->len < opts.k; i++)
    {
      g_autoptr(ParleyHit) hit = g_new0 (ParleyHit, 1);
      gboolean seen = FALSE;

      hit->chunk_id = fused[i].id;
      hit->score = fused[i].score;
      hit->bm25_rank = fused[i].bm25_rank;
      hit->vector_rank = fused[i].vector_rank;
      hit->fallback = info->fallback;
      if (!parley_store_get_chunk (self->store, hit->chunk_id, &hit->rec, error))
        return NULL;
      for (guint j = 0; !opts.per_chunk && j < hits->len && !seen; j++)
        seen = ((ParleyHit *) hits->pdata[j])->rec.doc_id == hit->rec.doc_id;
      if (!seen)
        g_ptr_array_add (hits, g_steal_pointer (&hit));
    }

  return g_steal_pointer (&hits);
}

/* ---------------------------------------------------------------------- */
/* Vectors                                                                 */

gboolean
parley_kb_put_vector (ParleyKb     *self,
                      gint64        chunk_id,
                      const char   *model,
                      const float  *vector,
                      guint         dim,
                      GError      **error)
{
  g_return_val_if_fail (PARLEY_IS_KB (self), FALSE);

  for (guint i = 0; i < dim; i++)
    if (!isfinite (vector[i]))
      {
        g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "vector has a non-finite value");
        return FALSE;
      }
  return parley_store_put_vector (self->store, chunk_id, model, vector, dim, error);
}

typedef struct {
  ParleyVectorIndex *index;
  GError            *error;
} LoadCtx;

static void
load_vector (gint64       chunk_id,
             const char  *lang,
             const float *vector,
             guint        dim,
             gpointer     user_data)
{
  LoadCtx *ctx = user_data;

  if (ctx->error != NULL)
    return;
  if (ctx->index == NULL)
    ctx->index = parley_vector_index_new (dim);
  if (dim != parley_vector_index_get_dim (ctx->index))
    {
      g_set_error (&ctx->error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT,
                   "vectors of one model have different dimensions (%u and %u)",
                   parley_vector_index_get_dim (ctx->index), dim);
      return;
    }
  /* A degenerate vector is skipped: it would only ever match at random. */
  parley_vector_index_add (ctx->index, chunk_id, parley_lang_from_string (lang), vector, NULL);
}

/**
 * parley_kb_load_vectors:
 * @model: the embedding model id the vectors were made with
 *
 * Loads the stored vectors of @model into memory for vector and hybrid
 * search.
 */
gboolean
parley_kb_load_vectors (ParleyKb    *self,
                        const char  *model,
                        GError     **error)
{
  LoadCtx ctx = { NULL, NULL };

  g_return_val_if_fail (PARLEY_IS_KB (self), FALSE);

  if (!parley_store_foreach_vector (self->store, model, load_vector, &ctx, error))
    {
      g_clear_pointer (&ctx.index, parley_vector_index_free);
      return FALSE;
    }
  if (ctx.error != NULL)
    {
      g_clear_pointer (&ctx.index, parley_vector_index_free);
      g_propagate_error (error, ctx.error);
      return FALSE;
    }

  g_clear_pointer (&self->vectors, parley_vector_index_free);
  self->vectors = ctx.index;
  g_free (self->vector_model);
  self->vector_model = g_strdup (model);
  return TRUE;
}

ParleyVectorIndex *
parley_kb_get_vector_index (ParleyKb *self)
{
  g_return_val_if_fail (PARLEY_IS_KB (self), NULL);
  return self->vectors;
}

/**
 * parley_kb_set_vector_index:
 * @index: (transfer full) (nullable): vectors keyed by child chunk id, each
 *   tagged with its #ParleyLang
 */
void
parley_kb_set_vector_index (ParleyKb          *self,
                            ParleyVectorIndex *index)
{
  g_return_if_fail (PARLEY_IS_KB (self));

  g_clear_pointer (&self->vectors, parley_vector_index_free);
  self->vectors = index;
}
