/* parley-cli-kb.c — parley kb ingest|search|stats|reindex
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parley-cli.h"
#include "parley-error.h"

typedef struct {
  gboolean tty;
  gboolean quiet;
  gint64   last_draw;
} IngestUi;

static void
ingest_progress (const char               *path,
                 ParleyIngestOutcome       outcome,
                 const GError             *error,
                 const ParleyIngestReport *so_far,
                 guint                     total,
                 gpointer                  user_data)
{
  IngestUi *ui = user_data;
  gint64 now = g_get_monotonic_time ();
  guint done = so_far->added + so_far->updated + so_far->unchanged + so_far->failed;

  if (outcome == PARLEY_INGEST_FAILED)
    {
      g_autofree char *line = g_strdup (error != NULL ? error->message : "");

      g_strdelimit (line, "\r\n", ' ');
      if (ui->tty)
        fputs ("\r\033[K", stderr);
      fprintf (stderr, _("parley: skipped %s: %s\n"), path, line);
    }
  else if (outcome == PARLEY_INGEST_DELETED && !ui->quiet)
    {
      if (ui->tty)
        fputs ("\r\033[K", stderr);
      fprintf (stderr, _("deleted %s\n"), path);
    }

  /* A progress line on a terminal, redrawn at most 10 times a second. */
  if (ui->tty && !ui->quiet && (now - ui->last_draw > G_USEC_PER_SEC / 10 || done == total))
    {
      ui->last_draw = now;
      fprintf (stderr, _("\r\033[K[%u/%u] %u added, %u updated, %u unchanged, %u failed"),
               done, total, so_far->added, so_far->updated, so_far->unchanged, so_far->failed);
      fflush (stderr);
    }
}

static int
kb_ingest (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *lang_code = NULL;
  gboolean sync = FALSE, quiet = FALSE, json = FALSE;
  int max_mb = PARLEY_KB_DEFAULT_MAX_FILE_SIZE / (1024 * 1024);
  int threads = 0;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang_code, N_("Language of documents that do not declare one"), "LANG" },
    { "sync", 0, 0, G_OPTION_ARG_NONE, &sync, N_("Delete stored documents that are not among the paths"), NULL },
    { "max-size", 0, 0, G_OPTION_ARG_INT, &max_mb, N_("Skip files larger than this (default 32)"), "MB" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, N_("Worker threads (default: one per core)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the report as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Only report failures"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("PATH… — ingest Markdown, HTML, text and PDF files and folders"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;
  ParleyIngestOptions opts = { PARLEY_LANG_UNKNOWN };
  ParleyIngestReport report;
  IngestUi ui = { isatty (STDERR_FILENO), FALSE, 0 };
  gint64 start;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc < 2)
    return cli_usage (context, _("no PATH to ingest"));
  if (max_mb <= 0 || max_mb > 4096 || threads < 0 || threads > 64)
    return cli_usage (context, _("--max-size must be 1–4096 and --threads 0–64"));
  if (!cli_parse_lang (lang_code, &opts.lang, &error))
    return cli_fail (error);

  ui.quiet = quiet || json;
  opts.sync = sync;
  opts.max_file_size = (gsize) max_mb * 1024 * 1024;
  opts.n_threads = threads;

  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);
  kb = parley_kb_new (store);

  start = g_get_monotonic_time ();
  if (!parley_kb_ingest (kb, (const char * const *) argv + 1, &opts, ingest_progress, &ui, &report, &error))
    {
      if (ui.tty)
        fputs ("\n", stderr);
      return cli_fail (error);
    }
  if (ui.tty && !ui.quiet)
    fputs ("\n", stderr);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
#define MEMBER(name, value) json_builder_set_member_name (b, name); json_builder_add_int_value (b, value)
      MEMBER ("added", report.added);
      MEMBER ("updated", report.updated);
      MEMBER ("unchanged", report.unchanged);
      MEMBER ("deleted", report.deleted);
      MEMBER ("failed", report.failed);
      MEMBER ("chunks", report.chunks);
#undef MEMBER
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, (g_get_monotonic_time () - start) / 1e6);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else if (!quiet)
    printf (_("%u added, %u updated, %u unchanged, %u deleted, %u failed (%u chunks, %.1f s)\n"),
            report.added, report.updated, report.unchanged, report.deleted, report.failed,
            report.chunks, (g_get_monotonic_time () - start) / 1e6);

  return report.failed > 0 ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}

static void
print_hits_text (GPtrArray              *hits,
                 const ParleySearchInfo *info)
{
  if (hits->len == 0)
    {
      printf (_("No results.\n"));
      return;
    }
  if (info->fallback)
    printf (_("Nothing in “%s”; English results:\n"), parley_lang_to_string (info->lang));

  for (guint i = 0; i < hits->len; i++)
    {
      const ParleyHit *hit = hits->pdata[i];
      g_autofree char *snippet = g_utf8_substring (hit->rec.text, 0, MIN (g_utf8_strlen (hit->rec.text, -1), 200));

      g_strdelimit (snippet, "\n", ' ');
      printf ("%u. %s — %s [%s] %.3f\n", i + 1, hit->rec.title, hit->rec.doc, hit->rec.lang, hit->score);
      if (hit->rec.heading != NULL && *hit->rec.heading != '\0')
        printf ("   § %s\n", hit->rec.heading);
      printf ("   %s%s\n", snippet, g_utf8_strlen (hit->rec.text, -1) > 200 ? "…" : "");
    }
}

static gboolean
run_query (ParleyKb                  *kb,
           const char                *query,
           const ParleySearchOptions *opts,
           gboolean                   json,
           GError                   **error)
{
  ParleySearchInfo info;
  g_autoptr(GPtrArray) hits = parley_kb_search (kb, query, opts, &info, error);

  if (hits == NULL)
    return FALSE;

  if (json)
    {
      g_autoptr(JsonNode) root = cli_hits_to_json (hits, &info, NULL);

      cli_print_json (root, FALSE);
    }
  else
    print_hits_text (hits, &info);
  fflush (stdout);
  return TRUE;
}

static int
kb_search (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *lang_code = NULL;
  g_autofree char *category = NULL;
  gboolean json = FALSE, from_stdin = FALSE, exhaustive = FALSE;
  int k = 5;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang_code, N_("Language of the query (default: detect)"), "LANG" },
    { "k", 'k', 0, G_OPTION_ARG_INT, &k, N_("Number of hits (default 5)"), "N" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_("Only documents of this category"), "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, N_("Read one query per line; print one JSON line each"), NULL },
    { "exhaustive", 0, 0, G_OPTION_ARG_NONE, &exhaustive, N_("Score every posting (reference mode)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("[QUERY…] — search the knowledge base"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;
  ParleySearchOptions opts = { PARLEY_LANG_UNKNOWN };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (k < 1 || k > 1000)
    return cli_usage (context, _("--k must be 1–1000"));
  if (!cli_parse_lang (lang_code, &opts.lang, &error))
    return cli_fail (error);
  opts.k = k;
  opts.category = category;
  opts.exhaustive = exhaustive;

  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);
  kb = parley_kb_new (store);

  if (argc >= 2)
    {
      g_autofree char *query = g_strjoinv (" ", argv + 1);

      return run_query (kb, query, &opts, json, &error) ? CLI_EXIT_OK : cli_fail (error);
    }

  /* Batch mode (--stdin), or an interactive prompt on a terminal. */
  if (!from_stdin && !isatty (STDIN_FILENO))
    return cli_usage (context, _("no QUERY (use --stdin to read queries)"));

  {
    gboolean interactive = !from_stdin && isatty (STDIN_FILENO);
    g_autoptr(GIOChannel) in = g_io_channel_unix_new (STDIN_FILENO);
    g_autofree char *line = NULL;
    gsize len, term;
    int status = CLI_EXIT_OK;

    if (interactive)
      printf (_("Search the knowledge base (an empty line or Ctrl+D quits).\n"));
    for (;;)
      {
        GIOStatus st;

        if (interactive)
          {
            printf ("search> ");
            fflush (stdout);
          }
        g_clear_pointer (&line, g_free);
        st = g_io_channel_read_line (in, &line, &len, &term, &error);
        if (st == G_IO_STATUS_EOF)
          break;
        if (st != G_IO_STATUS_NORMAL)
          return cli_fail (error);
        line[term] = '\0';
        g_strstrip (line);
        if (*line == '\0')
          {
            if (interactive)
              break;
            if (from_stdin)
              {
                /* Keep one output line per input line. */
                puts ("{\"hits\":[]}");
                continue;
              }
          }

        if (from_stdin)
          {
            ParleySearchInfo info;
            g_autoptr(GPtrArray) hits = NULL;

            if (!g_utf8_validate (line, -1, NULL))
              {
                puts ("{\"error\":{\"code\":\"encoding\",\"message\":\"query is not valid UTF-8\"},\"hits\":[]}");
                status = CLI_EXIT_PARTIAL;
                continue;
              }
            hits = parley_kb_search (kb, line, &opts, &info, &error);
            if (hits == NULL)
              return cli_fail (error);
            {
              g_autoptr(JsonNode) root = cli_hits_to_json (hits, &info, line);

              cli_print_json (root, FALSE);
            }
          }
        else if (!run_query (kb, line, &opts, json, &error))
          {
            cli_fail (error);
            g_clear_error (&error);
          }
      }
    fflush (stdout);
    return status;
  }
}

static int
kb_stats (int    argc,
          char **argv)
{
  g_autofree char *db = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— show what the knowledge base holds"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  ParleyStoreStats stats;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if ((store = cli_open_store (db, &error)) == NULL || !parley_store_get_stats (store, &stats, &error))
    return cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "db");
      json_builder_add_string_value (b, parley_store_get_path (store));
#define MEMBER(name, value) json_builder_set_member_name (b, name); json_builder_add_int_value (b, value)
      MEMBER ("documents", stats.n_docs);
      MEMBER ("parent_chunks", stats.n_parents);
      MEMBER ("child_chunks", stats.n_children);
      MEMBER ("terms", stats.n_terms);
      MEMBER ("deleted_chunks", stats.n_tombstones);
      MEMBER ("vectors", stats.n_vectors);
      MEMBER ("bytes", stats.file_bytes);
      json_builder_set_member_name (b, "documents_per_lang");
      json_builder_begin_object (b);
      for (guint i = 0; i < PARLEY_N_LANGS; i++)
        {
          MEMBER (parley_lang_to_string (i), stats.docs_per_lang[i]);
        }
#undef MEMBER
      json_builder_end_object (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, TRUE);
      return CLI_EXIT_OK;
    }

  printf (_("Database:       %s (%.1f MB)\n"), parley_store_get_path (store), stats.file_bytes / 1048576.0);
  printf (_("Documents:      %" G_GINT64_FORMAT "\n"), stats.n_docs);
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    if (stats.docs_per_lang[i] > 0)
      printf ("  %s:           %" G_GINT64_FORMAT "\n", parley_lang_to_string (i), stats.docs_per_lang[i]);
  printf (_("Parent chunks:  %" G_GINT64_FORMAT "\n"), stats.n_parents);
  printf (_("Child chunks:   %" G_GINT64_FORMAT "\n"), stats.n_children);
  printf (_("Index terms:    %" G_GINT64_FORMAT "\n"), stats.n_terms);
  printf (_("Deleted chunks: %" G_GINT64_FORMAT " (still masked in the index)\n"), stats.n_tombstones);
  printf (_("Vectors:        %" G_GINT64_FORMAT "\n"), stats.n_vectors);
  return CLI_EXIT_OK;
}

static int
kb_reindex (int    argc,
            char **argv)
{
  g_autofree char *db = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— rebuild the search index from the stored chunks"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);
  kb = parley_kb_new (store);
  if (!parley_kb_reindex (kb, &error))
    return cli_fail (error);
  return CLI_EXIT_OK;
}

static const CliCommand kb_commands[] = {
  { "ingest", kb_ingest, N_("Add or update documents (files and folders)") },
  { "search", kb_search, N_("Search; with no QUERY on a terminal, an interactive prompt") },
  { "embed", cli_kb_embed, N_("Give every chunk a vector from the embedding provider") },
  { "stats", kb_stats, N_("Show what the knowledge base holds") },
  { "reindex", kb_reindex, N_("Rebuild the search index") },
  { NULL }
};

int
cli_kb (int    argc,
        char **argv)
{
  return cli_dispatch ("parley kb", kb_commands, argc, argv);
}
