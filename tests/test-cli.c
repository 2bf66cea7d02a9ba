/* test-cli.c — the parley command line's contracts, driven as an operator would
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "test-utils.h"

static char *tmpdir;
static char *db;

static int
run (const char  *stdin_text,
     char       **out,
     char       **err,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("PARLEY_CLI");
  va_list ap;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  va_start (ap, err);
  for (const char *a = va_arg (ap, const char *); a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
test_ingest_sample (void)
{
  g_autofree char *kb = test_source_path ("data", "kb", NULL);
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autoptr(JsonNode) report = NULL, again = NULL;
  JsonObject *o;

  g_assert_cmpint (run (NULL, &out, &err, "kb", "ingest", "--db", db, "--json", kb, NULL), ==, 0);
  report = parse (out);
  o = json_node_get_object (report);
  g_assert_cmpint (json_object_get_int_member (o, "added"), >=, 150);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 0);

  /* Idempotent: a second run changes nothing. */
  g_assert_cmpint (run (NULL, &out2, &err2, "kb", "ingest", "--db", db, "--json", kb, NULL), ==, 0);
  again = parse (out2);
  o = json_node_get_object (again);
  g_assert_cmpint (json_object_get_int_member (o, "added"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "updated"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "unchanged"), >=, 150);
}

static void
test_search_json (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *hits;

  g_assert_cmpint (run (NULL, &out, &err, "kb", "search", "--db", db, "--lang", "es", "--k", "3",
                        "--json", "¿cuánto tarda el reembolso?", NULL), ==, 0);
  root = parse (out);
  hits = json_object_get_array_member (json_node_get_object (root), "hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *hit = json_array_get_object_element (hits, i);

      /* The contract: doc, title, chunk, score, lang. */
      g_assert_true (g_str_has_prefix (json_object_get_string_member (hit, "doc"), "es/"));
      g_assert_nonnull (json_object_get_string_member (hit, "title"));
      g_assert_nonnull (json_object_get_string_member (hit, "chunk"));
      g_assert_cmpfloat (json_object_get_double_member (hit, "score"), >, 0.0);
      g_assert_cmpstr (json_object_get_string_member (hit, "lang"), ==, "es");
    }
}

static void
test_search_stdin (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (run ("where is my order\n\n退货运费\nWo ist mein Paket?\n", &out, &err,
                        "kb", "search", "--db", db, "--stdin", NULL), ==, 0);
  lines = g_strsplit (g_strchomp (out), "\n", -1);
  /* One JSON line per query line, empty lines included. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = parse (lines[i]);

      g_assert_true (json_object_has_member (json_node_get_object (node), "hits"));
    }
  g_assert_nonnull (strstr (lines[2], "\"lang\":\"zh\""));
  g_assert_nonnull (strstr (lines[3], "\"lang\":\"de\""));
}

static void
test_bad_database (void)
{
  g_autofree char *junk = g_build_filename (tmpdir, "junk.db", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *before = NULL, *after = NULL;

  g_assert_true (g_file_set_contents (junk, "this is not a database, just some text\n", -1, NULL));
  g_assert_cmpint (run (NULL, &out, &err, "kb", "stats", "--db", junk, NULL), ==, 1);
  /* One clear line naming the file, and the file untouched. */
  g_assert_true (g_str_has_prefix (err, "parley: "));
  g_assert_nonnull (strstr (err, junk));
  g_assert_cmpuint (strchr (err, '\n') - err + 1, ==, strlen (err));
  g_assert_true (g_file_get_contents (junk, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, "this is not a database, just some text\n");
  (void) before;
}

static void
test_usage_errors (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;

  g_assert_cmpint (run (NULL, &out, &err, "kb", "search", "--db", db, "--lang", "xx", "hello", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "unknown language"));
  g_assert_cmpint (run (NULL, &out2, &err2, "frobnicate", NULL), ==, 2);
}

static void
test_eval_beats_fts5 (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o, *langs;

  g_assert_cmpint (run (NULL, &out, &err, "eval", "kb", "--json", NULL), ==, 0);
  root = parse (out);
  o = json_node_get_object (root);
  langs = json_object_get_object_member (o, "languages");
  g_assert_cmpuint (json_object_get_size (langs), ==, 5);
  for (guint l = 0; l < 5; l++)
    {
      const char *code = (const char *[]) { "en", "es", "zh", "fr", "de" }[l];
      JsonObject *lang = json_object_get_object_member (langs, code);
      double ours = json_object_get_double_member (json_object_get_object_member (lang, "parley"), "recall_at_5");
      double fts = json_object_get_double_member (json_object_get_object_member (lang, "fts5"), "recall_at_5");

      g_test_message ("%s: Recall@5 parley %.3f, fts5 %.3f", code, ours, fts);
      g_assert_cmpint (json_object_get_int_member (lang, "questions"), >=, 40);
      /* A regression floor; the goal (0.97) is tracked in the issue. */
      g_assert_cmpfloat (ours, >=, 0.80);
      g_assert_cmpfloat (ours, >=, fts);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  test_init (&argc, &argv);
  tmpdir = test_make_tmpdir ();
  db = g_build_filename (tmpdir, "cli.db", NULL);

  g_test_add_func ("/cli/ingest-sample", test_ingest_sample);
  g_test_add_func ("/cli/search-json", test_search_json);
  g_test_add_func ("/cli/search-stdin", test_search_stdin);
  g_test_add_func ("/cli/bad-database", test_bad_database);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/eval-beats-fts5", test_eval_beats_fts5);

  status = g_test_run ();
  test_rm_rf (tmpdir);
  g_free (tmpdir);
  g_free (db);
  return status;
}
