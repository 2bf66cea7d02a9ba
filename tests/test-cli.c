/* test-cli.c — the parley command line's contracts, driven as an operator would
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "test-utils.h"

static char *tmpdir;
static char *db;
static GStrv extra_env;   /* NAME=VALUE set for the next runs; "NAME" alone unsets */

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
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (extra_env[i], "=", 2);

      if (kv[1] != NULL)
        g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
      else
        g_subprocess_launcher_unsetenv (launcher, kv[0]);
    }
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

/* `parley ask` on the embedded default: a grounded answer with its sources,
 * or an honest "don't know". */
static void
test_ask_local (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  JsonObject *o;

  g_assert_cmpint (run (NULL, &out, &err, "ask", "--db", db, "--json", "Do you ship to Canada?", NULL), ==, 0);
  root = parse (out);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "provider"), ==, "local");
  g_assert_cmpstr (json_object_get_string_member (o, "lang"), ==, "en");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "answer"), "Canada"));
  g_assert_nonnull (strstr (json_object_get_string_member (o, "answer"), "Source: "));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "sources")), >=, 1);
  g_assert_true (json_object_get_null_member (o, "cost_usd"));

  g_assert_cmpint (run (NULL, &out2, &err2, "ask", "--db", db, "--json",
                        "What is the airspeed velocity of an unladen swallow?", NULL), ==, 0);
  root2 = parse (out2);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (root2), "answer"),
                            "couldn't find"));
}

/* A FAQ-type question asked again is answered from the cache, until the KB
 * changes; a personal one never is. */
static void
test_ask_cache (void)
{
  g_autofree char *kb_dir = test_make_tmpdir ();
  g_autofree char *doc = g_build_filename (kb_dir, "gift-cards.md", NULL);
  const char *questions[] = { "What payment methods do you accept?", "What payment methods do you accept?",
                              "what payment method do you accept", "What payment methods do you accept?" };
  const gboolean expect[] = { FALSE, TRUE, TRUE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (questions); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonNode) root = NULL;

      if (i == 3)
        {
          /* A new document: a new KB generation. */
          g_autofree char *o = NULL, *e = NULL;

          g_assert_true (g_file_set_contents (doc, "---\ntitle: Gift cards\nlang: en\n---\nGift cards never expire.\n", -1, NULL));
          g_assert_cmpint (run (NULL, &o, &e, "kb", "ingest", "--db", db, kb_dir, NULL), ==, 0);
        }
      g_assert_cmpint (run (NULL, &out, &err, "ask", "--db", db, "--json", questions[i], NULL), ==, 0);
      root = parse (out);
      if (json_object_get_boolean_member (json_node_get_object (root), "cached") != expect[i])
        g_error ("ask %u: cached should be %d: %s", i, expect[i], out);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonNode) root = NULL;

      g_assert_cmpint (run (NULL, &out, &err, "ask", "--db", db, "--json", "Where is my order?", NULL), ==, 0);
      root = parse (out);
      g_assert_false (json_object_get_boolean_member (json_node_get_object (root), "cached"));
    }
}

static void
test_retention (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpint (run (NULL, &out, &err, "retention", "run", "--db", db, "--json", NULL), ==, 0);
  root = parse (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "days"), ==, 90);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "deleted"), ==, 0);
  g_assert_cmpint (run (NULL, &out2, &err2, "retention", "run", "--db", db, "--days", "-3", NULL), ==, 2);
}

static void
test_gdpr_unknown (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;

  g_assert_cmpint (run (NULL, &out, &err, "gdpr", "export", "--db", db, "nobody-42", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "parley: no customer “nobody-42”\n");
  g_assert_cmpint (run (NULL, &out2, &err2, "gdpr", "delete", "--db", db, NULL), ==, 2);
}

static void
test_stats (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;

  g_assert_cmpint (run (NULL, &out, &err, "stats", "--db", db, "--json", NULL), ==, 0);
  root = parse (out);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (o, "days"), ==, 30);
  g_assert_true (json_object_has_member (o, "escalation_rate"));
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "latency_ms"), "p99"));
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "csat"), "average"));
}

/* Every answer leaves an audit record (without the question), and the
 * chain verifies. */
static void
test_audit (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *records;
  JsonObject *last;

  g_assert_cmpint (run (NULL, &out, &err, "audit", "verify", "--db", db, "--json", NULL), ==, 0);
  root = parse (out);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "intact"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "records"), >=, 2);

  g_assert_cmpint (run (NULL, &out2, &err2, "audit", "list", "--db", db, "--kind", "answer", "--json", NULL), ==, 0);
  list = parse (out2);
  records = json_object_get_array_member (json_node_get_object (list), "records");
  g_assert_cmpuint (json_array_get_length (records), >=, 2);
  last = json_object_get_object_member (json_array_get_object_element (records, 0), "payload");
  g_assert_cmpstr (json_object_get_string_member (last, "provider"), ==, "local");
  g_assert_null (strstr (out2, "Canada"));
}

/* The standalone local endpoint; its URL is read from its first line. */
static GSubprocess *
start_fake (char **url)
{
  GSubprocess *fake = test_spawn_server (url, g_getenv ("PARLEY_FAKE_AWS"), NULL);

  g_assert_true (g_str_has_prefix (*url, "http://127.0.0.1:"));
  return fake;
}

static void
set_fake_env (const char *url,
              const char *region)
{
  g_autofree char *endpoint = g_strconcat ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=", url, NULL);
  g_autofree char *agent = g_strconcat ("AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME=", url, NULL);
  g_autofree char *region_var = region != NULL ? g_strconcat ("AWS_REGION=", region, NULL) : g_strdup ("AWS_REGION");

  g_strfreev (extra_env);
  extra_env = g_strsplit ("AWS_ACCESS_KEY_ID=AKIDPARLEYTEST|AWS_SECRET_ACCESS_KEY=parley/test/secret/key/EXAMPLEKEY|"
                          "AWS_EC2_METADATA_DISABLED=true|AWS_PROFILE|AWS_DEFAULT_REGION|AWS_SESSION_TOKEN|"
                          "AWS_CONFIG_FILE=/nonexistent/config|AWS_SHARED_CREDENTIALS_FILE=/nonexistent/credentials|"
                          "PARLEY_CONFIG", "|", -1);
  {
    guint n = g_strv_length (extra_env);

    extra_env = g_renew (char *, extra_env, n + 4);
    extra_env[n] = g_steal_pointer (&endpoint);
    extra_env[n + 1] = g_steal_pointer (&region_var);
    extra_env[n + 2] = g_steal_pointer (&agent);
    extra_env[n + 3] = NULL;
  }
}

/* With the standard AWS variables, ask, doctor and embed work against any
 * endpoint that speaks Bedrock; the secret never shows. */
static void
test_bedrock_endpoint (void)
{
  g_autofree char *url = NULL;
  g_autoptr(GSubprocess) fake = start_fake (&url);
  g_autofree char *conf = g_build_filename (tmpdir, "parley.conf", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;

  set_fake_env (url, "eu-west-1");

  g_assert_cmpint (run (NULL, &out, &err, "aws", "doctor", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "region: eu-west-1 (AWS_REGION)"));
  g_assert_nonnull (strstr (out, "****TEST"));
  g_assert_nonnull (strstr (out, "OK in"));
  g_assert_null (strstr (out, "EXAMPLEKEY"));
  g_assert_null (strstr (err, "EXAMPLEKEY"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Usage becomes cost through the configured price table. */
  g_assert_true (g_file_set_contents (conf, "[prices]\nanthropic.claude-3-haiku-20240307-v1:0=0.25;1.25\n", -1, NULL));
  g_assert_cmpint (run (NULL, &out, &err, "ask", "--provider", "bedrock", "--db", db, "--config", conf, "--json",
                        "How long does a refund take?", NULL), ==, 0);
  root = parse (out);
  o = json_node_get_object (root);
  {
    JsonObject *usage = json_object_get_object_member (o, "usage");
    double expected = (json_object_get_int_member (usage, "input_tokens") * 0.25
                       + json_object_get_int_member (usage, "output_tokens") * 1.25) / 1000.0;

    g_assert_cmpint (json_object_get_int_member (usage, "input_tokens"), >, 0);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "cost_usd"), expected, 1e-12);
  }
  g_assert_cmpstr (json_object_get_string_member (o, "provider"), ==, "bedrock");
  g_assert_cmpstr (json_object_get_string_member (o, "region"), ==, "eu-west-1");
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, "anthropic.claude-3-haiku-20240307-v1:0");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "answer"), "refund"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Streams to the terminal. */
  g_assert_cmpint (run (NULL, &out, &err, "ask", "--provider", "bedrock", "--db", db, "Where is my parcel?", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Where is my parcel?"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* KB vectors from Titan, then from the cache only. */
  g_assert_cmpint (run (NULL, &out, &err, "kb", "embed", "--provider", "bedrock", "--db", db, "--json", NULL), ==, 0);
  g_clear_pointer (&root, json_node_unref);
  root = parse (out);
  o = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (o, "embedded"), >, 100);
  g_assert_cmpint (json_object_get_int_member (o, "dim"), ==, 1024);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (NULL, &out, &err, "kb", "embed", "--provider", "bedrock", "--db", db, "--json", NULL), ==, 0);
  g_clear_pointer (&root, json_node_unref);
  root = parse (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "chunks"), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A Bedrock Knowledge Base, when configured, is the retriever; one that
   * does not exist is a clear one-line error with the service's code and
   * request id. */
  {
    guint n = g_strv_length (extra_env);

    extra_env = g_renew (char *, extra_env, n + 2);
    extra_env[n] = g_strdup ("PARLEY_BEDROCK_KNOWLEDGE_BASE_ID=KB12345678");
    extra_env[n + 1] = NULL;
  }
  g_assert_cmpint (run (NULL, &out, &err, "ask", "--provider", "bedrock", "--db", db, "--json",
                        "How long does a refund take?", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "parley: ResourceNotFoundException: Knowledge base KB12345678"));
  g_assert_nonnull (strstr (err, "request id "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* No region anywhere: one clear line. */
  set_fake_env (url, NULL);
  g_assert_cmpint (run (NULL, &out, &err, "ask", "--provider", "bedrock", "--db", db, "Hello", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no AWS region"));
  g_assert_cmpuint (strlen (err) - (strchr (err, '\n') != NULL ? 1 : 0), ==, strcspn (err, "\n"));

  g_clear_pointer (&extra_env, g_strfreev);
  g_subprocess_send_signal (fake, SIGTERM);
  g_subprocess_wait (fake, NULL, NULL);
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
  g_test_add_func ("/cli/ask-local", test_ask_local);
  g_test_add_func ("/cli/audit", test_audit);
  g_test_add_func ("/cli/retention", test_retention);
  g_test_add_func ("/cli/ask-cache", test_ask_cache);
  g_test_add_func ("/cli/gdpr-unknown", test_gdpr_unknown);
  g_test_add_func ("/cli/stats", test_stats);
  g_test_add_func ("/cli/bedrock-endpoint", test_bedrock_endpoint);

  status = g_test_run ();
  test_rm_rf (tmpdir);
  g_free (tmpdir);
  g_free (db);
  return status;
}
