/* parley-cli-eval.c — parley eval kb: retrieval quality on a labelled question set
 *
 * The KB is ingested into a fresh database; every question of
 * <questions>/<lang>.tsv (question<TAB>doc,doc…) is searched with Parley's
 * retrieval, with SQLite FTS5's default tokenizer (unicode61) ranked by its
 * bm25(), and with FTS5 over Parley's analyser (the "parley" tokenizer:
 * the same terms as Parley's index, without spelling correction, compound
 * splitting or the thesaurus), over the same child chunks. A question
 * counts as found at rank r when the r-th document is one of its relevant
 * documents.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "parley-cli.h"
#include "parley-error.h"
#include "parley-fts-tokenizer.h"

#define EVAL_DEPTH 10

typedef struct {
  guint  n;
  guint  at1;
  guint  at5;
  double rr;
} Score;

static void
score_add (Score *s,
           guint  rank)
{
  s->n++;
  if (rank == 1)
    s->at1++;
  if (rank >= 1 && rank <= 5)
    s->at5++;
  if (rank >= 1)
    s->rr += 1.0 / rank;
}

static double recall1 (const Score *s) { return s->n ? (double) s->at1 / s->n : 0.0; }
static double recall5 (const Score *s) { return s->n ? (double) s->at5 / s->n : 0.0; }
static double mrr (const Score *s) { return s->n ? s->rr / s->n : 0.0; }

static gboolean
is_relevant (char * const *relevant,
             const char   *doc)
{
  return doc != NULL && g_strv_contains ((const char * const *) relevant, doc);
}

static void
quiet_progress (const char               *path,
                ParleyIngestOutcome       outcome,
                const GError             *error,
                const ParleyIngestReport *so_far,
                guint                     total,
                gpointer                  user_data)
{
  if (outcome == PARLEY_INGEST_FAILED)
    fprintf (stderr, "parley: skipped %s: %s\n", path, error->message);
}

/* The rank of the first relevant document among FTS5's chunks, collapsed
 * to documents as Parley's are; 0 if none in the first EVAL_DEPTH. */
static guint
fts_rank (ParleyStore   *store,
          GArray        *ids,
          char * const  *relevant)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func (g_free);

  for (guint h = 0; h < ids->len && docs->len < EVAL_DEPTH; h++)
    {
      ParleyChunkRecord rec = { 0 };
      guint rank = 0;

      if (parley_store_get_chunk (store, g_array_index (ids, gint64, h), &rec, NULL) &&
          !g_ptr_array_find_with_equal_func (docs, rec.doc, g_str_equal, NULL))
        {
          g_ptr_array_add (docs, g_strdup (rec.doc));
          if (is_relevant (relevant, rec.doc))
            rank = docs->len;
        }
      parley_chunk_record_clear (&rec);
      if (rank > 0)
        return rank;
    }
  return 0;
}

static void
score_sum (Score       *total,
           const Score *s)
{
  total->n += s->n;
  total->at1 += s->at1;
  total->at5 += s->at5;
  total->rr += s->rr;
}

static void
print_scores (const char  *name,
              const Score *ours,
              const Score *fts,
              const Score *fts_parley)
{
  printf ("%-5s %4u   %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f\n", name, ours->n,
          recall1 (ours), recall5 (ours), mrr (ours), recall1 (fts), recall5 (fts), mrr (fts),
          recall1 (fts_parley), recall5 (fts_parley), mrr (fts_parley));
}

static void
add_score_json (JsonBuilder *b,
                const char  *name,
                const Score *s)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "recall_at_1");
  json_builder_add_double_value (b, recall1 (s));
  json_builder_set_member_name (b, "recall_at_5");
  json_builder_add_double_value (b, recall5 (s));
  json_builder_set_member_name (b, "mrr");
  json_builder_add_double_value (b, mrr (s));
  json_builder_end_object (b);
}

static int
eval_kb (int    argc,
         char **argv)
{
  g_autofree char *kb_dir = NULL;
  g_autofree char *questions_dir = NULL;
  g_autofree char *only_lang = NULL;
  gboolean json = FALSE, verbose = FALSE, detect = FALSE;
  double fail_under = 0.0;
  const GOptionEntry entries[] = {
    { "kb", 0, 0, G_OPTION_ARG_FILENAME, &kb_dir, N_("Knowledge base folder (default: the sample KB)"), "DIR" },
    { "questions", 0, 0, G_OPTION_ARG_FILENAME, &questions_dir, N_("Folder of <lang>.tsv question sets"), "DIR" },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &only_lang, N_("Only this language"), "LANG" },
    { "detect", 0, 0, G_OPTION_ARG_NONE, &detect, N_("Detect each question's language instead of giving it"), NULL },
    { "fail-under", 0, 0, G_OPTION_ARG_DOUBLE, &fail_under, N_("Exit 1 if a language's Recall@5 is below this"), "R" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("List the questions Parley misses"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— Recall@1, Recall@5 and MRR per language, against FTS5"));
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  ParleyIngestReport report;
  const char *paths[2] = { NULL, NULL };
  ParleyLang only = PARLEY_LANG_UNKNOWN;
  Score total = { 0 }, total_fts = { 0 }, total_fts_parley = { 0 };
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  gboolean below = FALSE;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (!cli_parse_lang (only_lang, &only, &error))
    return cli_fail (error);
  if (kb_dir == NULL)
    kb_dir = cli_data_path ("kb", NULL);
  if (questions_dir == NULL)
    questions_dir = cli_data_path ("eval", "kb", NULL);
  if (questions_dir == NULL)
    questions_dir = g_build_filename (PARLEY_SOURCE_DIR, "tests", "data", "kb-eval", NULL);
  if (kb_dir == NULL || !g_file_test (kb_dir, G_FILE_TEST_IS_DIR))
    return cli_usage (context, _("no knowledge base folder (give --kb DIR)"));
  if (!g_file_test (questions_dir, G_FILE_TEST_IS_DIR))
    return cli_usage (context, _("no question folder (give --questions DIR)"));

  tmpdir = g_dir_make_tmp ("parley-eval-XXXXXX", &error);
  if (tmpdir == NULL)
    return cli_fail (error);
  db_path = g_build_filename (tmpdir, "eval.db", NULL);

  paths[0] = kb_dir;
  if ((store = parley_store_open (db_path, &error)) == NULL)
    goto out;
  kb = parley_kb_new (store);
  if (!parley_kb_ingest (kb, paths, NULL, quiet_progress, NULL, &report, &error))
    goto out;
  if (!parley_store_build_fts (store, PARLEY_FTS_UNICODE61, "unicode61", &error) ||
      !parley_fts_tokenizer_register (store, &error) ||
      !parley_store_build_fts (store, PARLEY_FTS_TAGGED, PARLEY_FTS_TOKENIZER, &error))
    goto out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "languages");
  json_builder_begin_object (b);

  if (!json)
    {
      printf ("%-5s %4s   %-20s   %-20s   %-20s\n", "", "", "Parley", "FTS5 unicode61", "FTS5 parley tokenizer");
      printf ("%-5s %4s   %6s %6s %6s   %6s %6s %6s   %6s %6s %6s\n", "lang", "n",
              "R@1", "R@5", "MRR", "R@1", "R@5", "MRR", "R@1", "R@5", "MRR");
    }

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s.tsv", questions_dir, parley_lang_to_string (l));
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;
      Score ours = { 0 }, fts = { 0 }, fts_parley = { 0 };

      if (only != PARLEY_LANG_UNKNOWN && only != l)
        continue;
      if (!g_file_get_contents (file, &contents, NULL, NULL))
        continue;
      if (!g_utf8_validate (contents, -1, NULL))
        {
          g_set_error (&error, PARLEY_ERROR, PARLEY_ERROR_ENCODING, "%s: not valid UTF-8", file);
          goto out;
        }

      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = NULL;
          g_auto(GStrv) relevant = NULL;
          g_autoptr(GPtrArray) hits = NULL;
          g_autoptr(GArray) fts_ids = NULL;
          g_autoptr(GArray) tagged_ids = NULL;
          g_auto(GStrv) terms = NULL;
          ParleySearchOptions opts = { detect ? PARLEY_LANG_UNKNOWN : (ParleyLang) l, EVAL_DEPTH };
          ParleySearchInfo info;
          guint rank = 0, rank_fts, rank_tagged;

          g_strchomp (lines[i]);
          if (*lines[i] == '\0' || *lines[i] == '#')
            continue;
          fields = g_strsplit (lines[i], "\t", 2);
          if (g_strv_length (fields) != 2)
            {
              g_set_error (&error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "%s:%u: expected question<TAB>docs", file, i + 1);
              goto out;
            }
          relevant = g_strsplit (fields[1], ",", -1);
          for (guint r = 0; relevant[r] != NULL; r++)
            g_strstrip (relevant[r]);

          hits = parley_kb_search (kb, fields[0], &opts, &info, &error);
          if (hits == NULL)
            goto out;
          for (guint h = 0; h < hits->len && rank == 0; h++)
            if (is_relevant (relevant, ((ParleyHit *) hits->pdata[h])->rec.doc))
              rank = h + 1;
          score_add (&ours, rank);

          fts_ids = parley_store_search_fts (store, fields[0], parley_lang_to_string (l), EVAL_DEPTH * 4, &error);
          if (fts_ids == NULL)
            goto out;
          rank_fts = fts_rank (store, fts_ids, relevant);
          score_add (&fts, rank_fts);

          terms = parley_fts_query_terms (analyzer, l, fields[0]);
          tagged_ids = parley_store_search_fts_terms (store, (const char * const *) terms, EVAL_DEPTH * 4, &error);
          if (tagged_ids == NULL)
            goto out;
          rank_tagged = fts_rank (store, tagged_ids, relevant);
          score_add (&fts_parley, rank_tagged);

          if (verbose && (rank == 0 || rank > 5))
            fprintf (stderr, "miss [%s] %s → %s (want %s; rank in FTS5 unicode61 %u, parley tokenizer %u)\n",
                     parley_lang_to_string (l), fields[0],
                     hits->len > 0 ? ((ParleyHit *) hits->pdata[0])->rec.doc : "nothing", fields[1],
                     rank_fts, rank_tagged);
        }

      if (ours.n == 0)
        continue;
      score_sum (&total, &ours);
      score_sum (&total_fts, &fts);
      score_sum (&total_fts_parley, &fts_parley);
      below |= recall5 (&ours) < fail_under;

      json_builder_set_member_name (b, parley_lang_to_string (l));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "questions");
      json_builder_add_int_value (b, ours.n);
      add_score_json (b, "parley", &ours);
      add_score_json (b, "fts5", &fts);
      add_score_json (b, "fts5_parley", &fts_parley);
      json_builder_end_object (b);

      if (!json)
        print_scores (parley_lang_to_string (l), &ours, &fts, &fts_parley);
    }
  json_builder_end_object (b);
  add_score_json (b, "parley", &total);
  add_score_json (b, "fts5", &total_fts);
  add_score_json (b, "fts5_parley", &total_fts_parley);
  json_builder_set_member_name (b, "documents");
  json_builder_add_int_value (b, report.added);
  json_builder_end_object (b);

  if (total.n == 0)
    g_set_error (&error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "%s: no questions", questions_dir);
  else if (json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (b);

      cli_print_json (root, TRUE);
    }
  else
    print_scores ("all", &total, &total_fts, &total_fts_parley);

out:
  g_clear_object (&kb);
  g_clear_object (&store);
  if (tmpdir != NULL)
    {
      const char *suffixes[] = { "", "-wal", "-shm" };

      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *f = g_strconcat (db_path, suffixes[i], NULL);

          g_remove (f);
        }
      g_rmdir (tmpdir);
    }
  if (error != NULL)
    return cli_fail (error);
  if (below)
    {
      fprintf (stderr, "parley: Recall@5 below %.3f in at least one language\n", fail_under);
      return CLI_EXIT_FAILED;
    }
  return CLI_EXIT_OK;
}

static const CliCommand eval_commands[] = {
  { "kb", eval_kb, N_("Retrieval quality of the knowledge base") },
  { "lang", cli_eval_lang, N_("Language identification accuracy") },
  { NULL }
};

int
cli_eval (int    argc,
          char **argv)
{
  return cli_dispatch ("parley eval", eval_commands, argc, argv);
}
