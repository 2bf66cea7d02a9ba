/* parley-cli-bench.c — parley bench kb: ingest and query speed on a synthetic corpus
 *
 * The corpus is deterministic (seeded) and multilingual: its words are drawn
 * with their real frequencies from the sample KB of each language, plus a
 * long tail of generated words (product names, rare terms) with a Zipf
 * distribution, so posting lists have the skew of real text. Each document
 * has a topic (a few tail words it repeats); queries mix topic words with
 * common words, as customers' do. Vectors are clustered by topic.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley-cli.h"
#include "parley-fts-tokenizer.h"
#include "parley-error.h"

#define TOPIC_WORDS   6
#define TAIL_WORDS    40000
#define N_CLUSTERS    2000

typedef struct {
  GPtrArray *words;      /* char*, the sample KB's words */
  GArray    *cumul;      /* double, cumulative frequency */
  GPtrArray *tail;       /* char*, generated words */
  GArray    *tail_cumul; /* double, Zipf */
} LangWords;

static void
lang_words_clear (LangWords *lw)
{
  g_clear_pointer (&lw->words, g_ptr_array_unref);
  g_clear_pointer (&lw->cumul, g_array_unref);
  g_clear_pointer (&lw->tail, g_ptr_array_unref);
  g_clear_pointer (&lw->tail_cumul, g_array_unref);
}

static guint
sample_cumul (GArray *cumul,
              GRand  *rand)
{
  double total = g_array_index (cumul, double, cumul->len - 1);
  double x = g_rand_double (rand) * total;
  guint lo = 0, hi = cumul->len - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (cumul, double, mid) < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
count_words (GHashTable *counts,
             const char *text,
             gboolean    han)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *start;
      gunichar c = g_utf8_get_char (p);

      if (han ? g_unichar_get_script (c) != G_UNICODE_SCRIPT_HAN : !g_unichar_isalpha (c))
        {
          p = g_utf8_next_char (p);
          continue;
        }
      start = p;
      if (han)
        {
          /* Two-character words, as most Chinese words are. */
          p = g_utf8_next_char (p);
          if (*p != '\0' && g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN)
            p = g_utf8_next_char (p);
        }
      else
        while (*p != '\0' && g_unichar_isalpha (g_utf8_get_char (p)))
          p = g_utf8_next_char (p);

      {
        g_autofree char *w = g_strndup (start, p - start);
        gpointer old = g_hash_table_lookup (counts, w);

        g_hash_table_replace (counts, g_steal_pointer (&w), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
      }
    }
}

static int
compare_keys (const void *a,
              const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static gboolean
load_words (const char *kb_dir,
            ParleyLang  lang,
            LangWords  *lw,
            GRand      *rand,
            GError    **error)
{
  g_autofree char *dir = g_build_filename (kb_dir, parley_lang_to_string (lang), NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;
  double acc = 0.0;
  const char *name;
  static const char * const syllables[] = {
    "ka", "ro", "mi", "te", "lu", "sa", "no", "vi", "de", "pa", "zu", "ri", "go", "fe", "la",
    "to", "ne", "su", "ba", "ki", "mo", "re", "xa", "di", "po", "ta", "li", "nu", "se", "ve",
  };

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL) && g_utf8_validate (text, -1, NULL))
        count_words (counts, text, lang == PARLEY_LANG_ZH);
    }

  keys = g_hash_table_get_keys_as_array (counts, &n_keys);
  qsort (keys, n_keys, sizeof *keys, compare_keys);
  lw->words = g_ptr_array_new_with_free_func (g_free);
  lw->cumul = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < n_keys; i++)
    {
      acc += GPOINTER_TO_UINT (g_hash_table_lookup (counts, keys[i]));
      g_ptr_array_add (lw->words, g_strdup (keys[i]));
      g_array_append_val (lw->cumul, acc);
    }
  if (lw->words->len == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "%s: no text to draw words from", dir);
      return FALSE;
    }

  /* The long tail: generated words, Zipf-distributed. For Chinese, three
   * characters drawn from the sample's own. */
  lw->tail = g_ptr_array_new_with_free_func (g_free);
  lw->tail_cumul = g_array_new (FALSE, FALSE, sizeof (double));
  acc = 0.0;
  for (guint i = 0; i < TAIL_WORDS; i++)
    {
      GString *w = g_string_new (NULL);

      if (lang == PARLEY_LANG_ZH)
        for (guint s = 0; s < 2; s++)
          g_string_append (w, lw->words->pdata[g_rand_int_range (rand, 0, lw->words->len)]);
      else
        {
          guint n = g_rand_int_range (rand, 3, 5);

          for (guint s = 0; s < n; s++)
            g_string_append (w, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
        }
      g_ptr_array_add (lw->tail, g_string_free (w, FALSE));
      acc += 1.0 / (i + 1);
      g_array_append_val (lw->tail_cumul, acc);
    }
  return TRUE;
}

static const char *
common_word (LangWords *lw,
             GRand     *rand)
{
  return lw->words->pdata[sample_cumul (lw->cumul, rand)];
}

static void
append_sentence (GString    *out,
                 LangWords  *lw,
                 ParleyLang  lang,
                 const guint *topic,
                 GRand      *rand)
{
  guint n = g_rand_int_range (rand, 8, 19);
  const char *sep = lang == PARLEY_LANG_ZH ? "" : " ";

  for (guint i = 0; i < n; i++)
    {
      const char *w;
      double r = g_rand_double (rand);

      if (r < 0.10)
        w = lw->tail->pdata[topic[g_rand_int_range (rand, 0, TOPIC_WORDS)]];
      else if (r < 0.16)
        w = lw->tail->pdata[sample_cumul (lw->tail_cumul, rand)];
      else
        w = common_word (lw, rand);
      if (i > 0)
        g_string_append (out, sep);
      g_string_append (out, w);
    }
  g_string_append (out, lang == PARLEY_LANG_ZH ? "。" : ". ");
}

static const char * const categories[] = {
  "returns", "refunds", "shipping", "orders", "warranty", "payments", "account", "privacy", "product-care", "support",
};

static char *
make_doc (guint       i,
          ParleyLang  lang,
          LangWords  *lw,
          const guint *topic,
          GRand      *rand)
{
  GString *doc = g_string_new ("---\ntitle: ");
  guint sections = g_rand_int_range (rand, 2, 5);

  for (guint w = 0; w < 4; w++)
    {
      g_string_append (doc, w < 2 ? (const char *) lw->tail->pdata[topic[w]] : common_word (lw, rand));
      g_string_append_c (doc, ' ');
    }
  g_string_append_printf (doc, "%u\nlang: %s\ncategory: %s\n---\n\n", i, parley_lang_to_string (lang),
                          categories[i % G_N_ELEMENTS (categories)]);
  for (guint s = 0; s < sections; s++)
    {
      guint paras = g_rand_int_range (rand, 1, 3);

      g_string_append (doc, "## ");
      g_string_append (doc, lw->tail->pdata[topic[g_rand_int_range (rand, 0, TOPIC_WORDS)]]);
      g_string_append_c (doc, ' ');
      g_string_append (doc, common_word (lw, rand));
      g_string_append (doc, "\n\n");
      for (guint p = 0; p < paras; p++)
        {
          guint sentences = g_rand_int_range (rand, 2, 5);

          for (guint t = 0; t < sentences; t++)
            append_sentence (doc, lw, lang, topic, rand);
          g_string_append (doc, "\n\n");
        }
    }
  return g_string_free (doc, FALSE);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct {
  double p50, p95, p99, mean;
} Percentiles;

static Percentiles
percentiles (GArray *ms)
{
  Percentiles p = { 0 };
  double sum = 0;

  if (ms->len == 0)
    return p;
  g_array_sort (ms, compare_double);
  for (guint i = 0; i < ms->len; i++)
    sum += g_array_index (ms, double, i);
#define AT(q) g_array_index (ms, double, MIN (ms->len - 1, (guint) ceil ((q) * ms->len) - 1))
  p.p50 = AT (0.50);
  p.p95 = AT (0.95);
  p.p99 = AT (0.99);
#undef AT
  p.mean = sum / ms->len;
  return p;
}

void
cli_print_latency (JsonBuilder *b,
               const char  *name,
               GArray      *ms)
{
  Percentiles p = percentiles (ms);

  printf ("  %-28s p50 %7.3f ms   p95 %7.3f ms   p99 %7.3f ms   (n=%u)\n", name, p.p50, p.p95, p.p99, ms->len);
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "p50_ms");
  json_builder_add_double_value (b, p.p50);
  json_builder_set_member_name (b, "p95_ms");
  json_builder_add_double_value (b, p.p95);
  json_builder_set_member_name (b, "p99_ms");
  json_builder_add_double_value (b, p.p99);
  json_builder_set_member_name (b, "mean_ms");
  json_builder_add_double_value (b, p.mean);
  json_builder_end_object (b);
}

/* A unit vector near the centre of @cluster: centres are seeded by cluster,
 * the noise by @seed. */
static void
make_vector (float  *v,
             guint   dim,
             guint   cluster,
             guint32 seed,
             double  noise)
{
  g_autoptr(GRand) c = g_rand_new_with_seed (cluster * 2654435761u + 17);
  g_autoptr(GRand) n = g_rand_new_with_seed (seed);
  double norm = 0.0;

  for (guint i = 0; i < dim; i++)
    {
      v[i] = (float) (g_rand_double_range (c, -1.0, 1.0) + noise * g_rand_double_range (n, -1.0, 1.0));
      norm += (double) v[i] * v[i];
    }
  norm = sqrt (norm);
  for (guint i = 0; i < dim; i++)
    v[i] = (float) (v[i] / norm);
}

typedef struct {
  guint doc;
  char *text;
  float *vector;
} BenchQuery;

static void
rm_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

typedef struct {
  GArray *child_ids;
  GArray *child_docs;
} ChildMap;

static void
collect_child (gint64      chunk_id,
               const char *lang,
               const char *title,
               const char *about,
               const char *heading,
               const char *text,
               gpointer    user_data)
{
  ChildMap *map = user_data;
  guint doc = 0;
  const char *space = title != NULL ? strrchr (title, ' ') : NULL;

  /* The generator ends every title with the document number. */
  if (space != NULL)
    doc = (guint) g_ascii_strtoull (space + 1, NULL, 10);
  g_array_append_val (map->child_ids, chunk_id);
  g_array_append_val (map->child_docs, doc);
}

static int
bench_kb (int    argc,
          char **argv)
{
  int n_docs = 50000, n_queries = 2000, n_vectors = 150000, dim = 1024, seed = 1;
  g_autofree char *db = NULL;
  g_autofree char *kb_dir = NULL;
  gboolean json = FALSE, keep = FALSE, no_fts = FALSE;
  const GOptionEntry entries[] = {
    { "docs", 0, 0, G_OPTION_ARG_INT, &n_docs, N_("Documents in the corpus (default 50000)"), "N" },
    { "queries", 0, 0, G_OPTION_ARG_INT, &n_queries, N_("Queries per measurement (default 2000)"), "N" },
    { "vectors", 0, 0, G_OPTION_ARG_INT, &n_vectors, N_("Vectors in the vector index (default 150000; 0: none)"), "N" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &dim, N_("Vector dimensions (default 1024)"), "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, N_("Seed of the generator"), "N" },
    { "kb", 0, 0, G_OPTION_ARG_FILENAME, &kb_dir, N_("Sample KB to draw words from"), "DIR" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database to build (default: a temporary one)"), "FILE" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, N_("Keep the corpus and database"), NULL },
    { "no-fts", 0, 0, G_OPTION_ARG_NONE, &no_fts, N_("Skip the FTS5 baseline"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Also print the figures as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— ingest and query speed on a synthetic multilingual corpus"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *corpus = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GArray) queries = g_array_new (FALSE, TRUE, sizeof (BenchQuery));
  g_autofree guint *topics = NULL;
  LangWords words[PARLEY_N_LANGS] = { { 0 } };
  ParleyIngestReport report;
  ParleyStoreStats stats;
  ChildMap children = { NULL, NULL };
  const char *paths[2] = { NULL, NULL };
  gint64 t0;
  double ingest_s;
  gsize rss_ingest;
  int status = CLI_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (n_docs < 10 || n_docs > 10000000 || n_queries < 1 || n_vectors < 0 || dim < 8 || dim > 4096)
    return cli_usage (context, _("--docs ≥ 10, --queries ≥ 1, --dim 8–4096"));
  if (kb_dir == NULL && (kb_dir = cli_data_path ("kb", NULL)) == NULL)
    return cli_usage (context, _("no sample KB to draw words from (give --kb DIR)"));

  rand = g_rand_new_with_seed (seed);
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    if (!load_words (kb_dir, l, &words[l], rand, &error))
      goto out;

  /* 1. The corpus. */
  if ((tmpdir = g_dir_make_tmp ("parley-bench-XXXXXX", &error)) == NULL)
    goto out;
  corpus = g_build_filename (tmpdir, "corpus", NULL);
  topics = g_new (guint, (gsize) n_docs * TOPIC_WORDS);
  printf ("Generating %d documents…\n", n_docs);
  fflush (stdout);
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_autofree char *dir = g_build_filename (corpus, parley_lang_to_string (l), NULL);

      g_mkdir_with_parents (dir, 0700);
    }
  for (int i = 0; i < n_docs; i++)
    {
      ParleyLang lang = i % PARLEY_N_LANGS;
      guint *topic = &topics[(gsize) i * TOPIC_WORDS];
      g_autofree char *text = NULL;
      g_autofree char *path = NULL;

      for (guint t = 0; t < TOPIC_WORDS; t++)
        topic[t] = g_rand_int_range (rand, 0, TAIL_WORDS);
      text = make_doc (i, lang, &words[lang], topic, rand);
      path = g_strdup_printf ("%s/%s/doc-%07d.md", corpus, parley_lang_to_string (lang), i);
      if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error))
        goto out;
    }

  /* 2. Ingest, through the real code path. */
  {
    g_autofree char *db_path = db != NULL ? g_strdup (db) : g_build_filename (tmpdir, "bench.db", NULL);

    if ((store = parley_store_open (db_path, &error)) == NULL)
      goto out;
  }
  kb = parley_kb_new (store);
  paths[0] = corpus;
  printf ("Ingesting…\n");
  fflush (stdout);
  t0 = g_get_monotonic_time ();
  if (!parley_kb_ingest (kb, paths, NULL, NULL, NULL, &report, &error))
    goto out;
  ingest_s = (g_get_monotonic_time () - t0) / 1e6;
  rss_ingest = cli_peak_rss_kb ();
  if (!parley_store_get_stats (store, &stats, &error))
    goto out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "docs");
  json_builder_add_int_value (b, n_docs);
  json_builder_set_member_name (b, "child_chunks");
  json_builder_add_int_value (b, stats.n_children);
  json_builder_set_member_name (b, "ingest_s");
  json_builder_add_double_value (b, ingest_s);
  json_builder_set_member_name (b, "index_bytes");
  json_builder_add_int_value (b, stats.file_bytes);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, g_get_num_processors ());

  printf ("\nCorpus: %d documents (%.1f MB), %" G_GINT64_FORMAT " parent / %" G_GINT64_FORMAT " child chunks, %" G_GINT64_FORMAT " terms\n",
          n_docs, report.bytes / 1048576.0, stats.n_parents, stats.n_children, stats.n_terms);
  printf ("Ingest: %.2f s (%.0f docs/s, %u threads), %u failed\n", ingest_s, n_docs / ingest_s,
          g_get_num_processors (), report.failed);
  printf ("Database: %.1f MB\n", stats.file_bytes / 1048576.0);
  printf ("Peak RSS after ingest: %.1f MB\n", rss_ingest / 1024.0);

  /* 3. Queries: 1–2 topic words of a random document and 1–2 common words. */
  for (int q = 0; q < n_queries; q++)
    {
      BenchQuery bq = { 0 };
      ParleyLang lang;
      GString *text = g_string_new (NULL);
      guint n_topic = g_rand_int_range (rand, 1, 3), n_common = g_rand_int_range (rand, 1, 3);
      const char *sep;

      bq.doc = g_rand_int_range (rand, 0, n_docs);
      lang = bq.doc % PARLEY_N_LANGS;
      sep = lang == PARLEY_LANG_ZH ? "" : " ";
      for (guint i = 0; i < n_topic; i++)
        {
          if (text->len > 0)
            g_string_append (text, sep);
          g_string_append (text, words[lang].tail->pdata[topics[(gsize) bq.doc * TOPIC_WORDS + g_rand_int_range (rand, 0, TOPIC_WORDS)]]);
        }
      for (guint i = 0; i < n_common; i++)
        {
          g_string_append (text, sep);
          g_string_append (text, common_word (&words[lang], rand));
        }
      bq.text = g_string_free (text, FALSE);
      g_array_append_val (queries, bq);
    }

  printf ("\nQuery latency, top-5, %d queries, one thread:\n", n_queries);
  json_builder_set_member_name (b, "latency");
  json_builder_begin_object (b);
  {
    g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) ms_exh = g_array_new (FALSE, FALSE, sizeof (double));
    guint64 total = 0, scored = 0;
    guint found = 0;

    /* Warm up: first-use costs (statements, page cache) are not query latency. */
    for (guint q = 0; q < MIN (queries->len, 50); q++)
      {
        BenchQuery *bq = &g_array_index (queries, BenchQuery, q);
        ParleySearchOptions opts = { bq->doc % PARLEY_N_LANGS, 5, NULL, PARLEY_SEARCH_BM25 };
        GPtrArray *warm = parley_kb_search (kb, bq->text, &opts, NULL, NULL);

        g_clear_pointer (&warm, g_ptr_array_unref);
      }

    for (guint pass = 0; pass < 2; pass++)
      for (guint q = 0; q < queries->len; q++)
        {
          BenchQuery *bq = &g_array_index (queries, BenchQuery, q);
          ParleySearchOptions opts = { bq->doc % PARLEY_N_LANGS, 5, NULL, PARLEY_SEARCH_BM25 };
          ParleySearchInfo info;
          g_autoptr(GPtrArray) hits = NULL;

          opts.exhaustive = pass == 1;
          t0 = g_get_monotonic_time ();
          hits = parley_kb_search (kb, bq->text, &opts, &info, &error);
          if (hits == NULL)
            goto out;
          g_array_append_val (pass == 0 ? ms : ms_exh, (double) { (g_get_monotonic_time () - t0) / 1000.0 });
          if (pass == 0)
            {
              g_autofree char *want = g_strdup_printf ("doc-%07u.md", bq->doc);

              total += info.postings_total;
              scored += info.postings_scored;
              for (guint h = 0; h < hits->len; h++)
                if (g_str_has_suffix (((ParleyHit *) hits->pdata[h])->rec.doc, want))
                  {
                    found++;
                    break;
                  }
            }
        }
    cli_print_latency (b, "bm25_maxscore", ms);
    cli_print_latency (b, "bm25_exhaustive", ms_exh);
    printf ("  MaxScore scored %.1f%% of the postings of the query terms; the source document was in the top 5 for %.1f%% of queries\n",
            total > 0 ? 100.0 * scored / total : 0.0, 100.0 * found / queries->len);
    json_builder_set_member_name (b, "bm25_scored_share");
    json_builder_add_double_value (b, total > 0 ? (double) scored / total : 0.0);
  }

  /* 4. The baselines: SQLite FTS5 with its default tokenizer, and FTS5
   * with Parley's analyser as its tokenizer, both ranked by bm25(). */
  if (!no_fts)
    {
      g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();

      if (!parley_fts_tokenizer_register (store, &error))
        goto out;
      for (ParleyFtsTable table = PARLEY_FTS_UNICODE61; table <= PARLEY_FTS_TAGGED; table++)
        {
          g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
          gint64 fts_start = g_get_monotonic_time ();
          const char *name = table == PARLEY_FTS_TAGGED ? "fts5_parley_bm25" : "fts5_unicode61_bm25";
          ParleyStoreStats before, after;
          double fts_build_s;

          parley_store_get_stats (store, &before, NULL);
          if (!parley_store_build_fts (store, table, table == PARLEY_FTS_TAGGED ? PARLEY_FTS_TOKENIZER : "unicode61",
                                       &error))
            goto out;
          fts_build_s = (g_get_monotonic_time () - fts_start) / 1e6;
          parley_store_get_stats (store, &after, NULL);
          for (guint q = 0; q < queries->len; q++)
            {
              BenchQuery *bq = &g_array_index (queries, BenchQuery, q);
              ParleyLang lang = bq->doc % PARLEY_N_LANGS;
              g_autoptr(GArray) ids = NULL;

              t0 = g_get_monotonic_time ();
              if (table == PARLEY_FTS_TAGGED)
                {
                  g_auto(GStrv) terms = parley_fts_query_terms (analyzer, lang, bq->text);

                  ids = parley_store_search_fts_terms (store, (const char * const *) terms, 5, &error);
                }
              else
                ids = parley_store_search_fts (store, bq->text, parley_lang_to_string (lang), 5, &error);
              if (ids == NULL)
                goto out;
              for (guint h = 0; h < ids->len; h++)
                {
                  ParleyChunkRecord rec = { 0 };

                  parley_store_get_chunk (store, g_array_index (ids, gint64, h), &rec, NULL);
                  parley_chunk_record_clear (&rec);
                }
              g_array_append_val (ms, (double) { (g_get_monotonic_time () - t0) / 1000.0 });
            }
          cli_print_latency (b, name, ms);
          printf ("  %s: built in %.2f s (from the stored chunks, no file parsing), +%.1f MB\n",
                  name, fts_build_s, (after.file_bytes - before.file_bytes) / 1048576.0);
          {
            g_autofree char *member = g_strconcat (name, "_build_s", NULL);

            json_builder_set_member_name (b, member);
            json_builder_add_double_value (b, fts_build_s);
          }
        }
    }

  /* 5. Vectors: one per child chunk, clustered by document topic, then
   * filler vectors up to --vectors. */
  if (n_vectors > 0)
    {
      ParleyVectorIndex *index = parley_vector_index_new (dim);
      g_autofree float *v = g_new (float, dim);
      g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) ms_hybrid = g_array_new (FALSE, FALSE, sizeof (double));
      g_autofree ParleyVectorHit *hits = g_new (ParleyVectorHit, 10);
      g_autofree ParleyVectorHit *exact = g_new (ParleyVectorHit, 10);
      guint matched = 0, compared = 0;
      gsize rss_before = cli_peak_rss_kb ();
      double build_s;

      children.child_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      children.child_docs = g_array_new (FALSE, FALSE, sizeof (guint));
      if (!parley_store_foreach_child (store, collect_child, &children, &error))
        goto out;

      t0 = g_get_monotonic_time ();
      for (int i = 0; i < n_vectors; i++)
        {
          gint64 id;
          guint doc;

          if ((guint) i < children.child_ids->len)
            {
              id = g_array_index (children.child_ids, gint64, i);
              doc = g_array_index (children.child_docs, guint, i);
            }
          else
            {
              id = G_MAXINT32 + (gint64) i;
              doc = g_rand_int_range (rand, 0, n_docs);
            }
          make_vector (v, dim, doc % N_CLUSTERS, (guint32) i * 7919u + 1, 0.6);
          /* Filler vectors (beyond the corpus's chunks) are scanned like the
           * others but tagged with no language, so no search returns them. */
          if (!parley_vector_index_add (index, id, (guint) i < children.child_ids->len ? doc % PARLEY_N_LANGS : 0xff, v, &error))
            {
              parley_vector_index_free (index);
              goto out;
            }
        }
      build_s = (g_get_monotonic_time () - t0) / 1e6;
      parley_kb_set_vector_index (kb, index);

      for (guint q = 0; q < queries->len; q++)
        {
          BenchQuery *bq = &g_array_index (queries, BenchQuery, q);

          bq->vector = g_new (float, dim);
          make_vector (bq->vector, dim, bq->doc % N_CLUSTERS, 0x9e3779b9u ^ q, 0.6);
        }

      for (guint q = 0; q < MIN (queries->len, 20); q++)
        parley_vector_index_search (index, g_array_index (queries, BenchQuery, q).vector, 10, NULL, hits);

      printf ("\nVectors: %d × %d dims (%.0f MB in memory), built in %.2f s\n", n_vectors, dim,
              parley_vector_index_get_memory (index) / 1048576.0, build_s);
      for (guint q = 0; q < queries->len; q++)
        {
          BenchQuery *bq = &g_array_index (queries, BenchQuery, q);
          guint n;

          t0 = g_get_monotonic_time ();
          n = parley_vector_index_search (index, bq->vector, 10, NULL, hits);
          g_array_append_val (ms, (double) { (g_get_monotonic_time () - t0) / 1000.0 });

          /* Recall of the fast path against the exhaustive scan, on a sample. */
          if (q % 10 == 0)
            {
              guint ne = parley_vector_index_search_exhaustive (index, bq->vector, 10, NULL, exact);

              for (guint i = 0; i < ne; i++)
                for (guint j = 0; j < n; j++)
                  if (exact[i].id == hits[j].id)
                    {
                      matched++;
                      break;
                    }
              compared += ne;
            }
        }
      cli_print_latency (b, "vector_top10", ms);
      printf ("  recall@10 of the fast path vs the exhaustive scan: %.3f\n",
              compared > 0 ? (double) matched / compared : 0.0);
      json_builder_set_member_name (b, "vector_recall_at_10");
      json_builder_add_double_value (b, compared > 0 ? (double) matched / compared : 0.0);

      for (guint q = 0; q < queries->len; q++)
        {
          BenchQuery *bq = &g_array_index (queries, BenchQuery, q);
          ParleySearchOptions opts = { bq->doc % PARLEY_N_LANGS, 5, NULL, PARLEY_SEARCH_HYBRID, bq->vector, dim };
          ParleySearchInfo info;
          g_autoptr(GPtrArray) results = NULL;

          t0 = g_get_monotonic_time ();
          results = parley_kb_search (kb, bq->text, &opts, &info, &error);
          if (results == NULL)
            goto out;
          g_array_append_val (ms_hybrid, (double) { (g_get_monotonic_time () - t0) / 1000.0 });
        }
      cli_print_latency (b, "hybrid_top5", ms_hybrid);
      printf ("  Peak RSS before vectors %.1f MB, after %.1f MB\n", rss_before / 1024.0, cli_peak_rss_kb () / 1024.0);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "peak_rss_ingest_mb");
  json_builder_add_double_value (b, rss_ingest / 1024.0);
  json_builder_set_member_name (b, "peak_rss_mb");
  json_builder_add_double_value (b, cli_peak_rss_kb () / 1024.0);
  json_builder_end_object (b);
  printf ("\nPeak RSS: %.1f MB\n", cli_peak_rss_kb () / 1024.0);

  if (json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (b);

      cli_print_json (root, TRUE);
    }

out:
  for (guint q = 0; q < queries->len; q++)
    {
      g_free (g_array_index (queries, BenchQuery, q).text);
      g_free (g_array_index (queries, BenchQuery, q).vector);
    }
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    lang_words_clear (&words[l]);
  g_clear_pointer (&children.child_ids, g_array_unref);
  g_clear_pointer (&children.child_docs, g_array_unref);
  g_clear_object (&kb);
  g_clear_object (&store);
  if (tmpdir != NULL)
    {
      if (keep)
        printf ("Kept %s\n", tmpdir);
      else
        rm_tree (tmpdir);
    }
  if (error != NULL)
    status = cli_fail (error);
  return status;
}

static const CliCommand bench_commands[] = {
  { "kb", bench_kb, N_("Ingest and retrieval speed") },
  { "bedrock", cli_bench_bedrock, N_("Streaming overhead against a local Bedrock endpoint") },
  { NULL }
};

int
cli_bench (int    argc,
           char **argv)
{
  return cli_dispatch ("parley bench", bench_commands, argc, argv);
}
