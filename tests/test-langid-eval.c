/* test-langid-eval.c — language identification against its acceptance criteria
 *
 * The labelled eval sets (tests/data/langid/eval-{sentences,short}.tsv):
 * their size, their independence from the training text, and the accuracy
 * targets (≥ 98 % on sentences, ≥ 80 % on two-word texts, overall and per
 * language); the counting of ParleyLangidTally; the sticky conversation
 * language of parley_langid_detect_in_context(); and the contract of
 * `parley lang detect --stdin` through the CLI binary ($PARLEY_CLI).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "parley-error.h"
#include "parley-langid.h"
#include "parley-langid-eval.h"
#include "test-utils.h"

#define SENTENCE_TARGET    0.98
#define SHORT_TARGET       0.80
#define MIN_SENTENCES      150
#define MIN_SHORT          40

static void
log_miss_cb (ParleyLang  expected,
             ParleyLang  detected,
             double      confidence,
             const char *text,
             gpointer    user_data)
{
  guint *n_misses = user_data;

  (*n_misses)++;
  g_test_message ("miss: %s detected as %s (%.2f): %s", parley_lang_to_string (expected),
                  parley_lang_to_string (detected), confidence, text);
}

static void
check_eval_set (const char *file,
                guint       min_per_lang,
                double      target)
{
  g_autofree char *path = test_source_path ("tests", "data", "langid", file, NULL);
  g_autoptr(GError) error = NULL;
  ParleyLangidTally tally = { { { 0 } } };
  guint n_misses = 0;

  g_assert_true (parley_langid_tally_file (&tally, path, log_miss_cb, &n_misses, &error));
  g_assert_no_error (error);

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_test_message ("%s: %s %.3f (%u/%u)", file, parley_lang_to_string (l),
                      parley_langid_tally_accuracy (&tally, l),
                      parley_langid_tally_right (&tally, l), parley_langid_tally_total (&tally, l));
      g_assert_cmpuint (parley_langid_tally_total (&tally, l), >=, min_per_lang);
      g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, l), >=, target);
    }
  g_test_message ("%s: overall %.3f", file, parley_langid_tally_accuracy (&tally, PARLEY_LANG_UNKNOWN));
  g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, PARLEY_LANG_UNKNOWN), >=, target);
  g_assert_cmpuint (n_misses, ==, parley_langid_tally_total (&tally, PARLEY_LANG_UNKNOWN) -
                                  parley_langid_tally_right (&tally, PARLEY_LANG_UNKNOWN));
}

static void
test_eval_sentences (void)
{
  check_eval_set ("eval-sentences.tsv", MIN_SENTENCES, SENTENCE_TARGET);
}

static void
test_eval_short (void)
{
  g_autofree char *path = test_source_path ("tests", "data", "langid", "eval-short.tsv", NULL);
  g_autofree char *contents = test_read_text (path, NULL);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  check_eval_set ("eval-short.tsv", MIN_SHORT, SHORT_TARGET);

  /* the set holds what it says: two words (Chinese: 2 to 6 Han characters) */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      g_assert_nonnull (tab);
      if (g_str_has_prefix (lines[i], "zh\t"))
        {
          glong n = g_utf8_strlen (tab + 1, -1);

          g_assert_cmpint (n, >=, 2);
          g_assert_cmpint (n, <=, 6);
        }
      else
        {
          g_auto(GStrv) words = g_strsplit (tab + 1, " ", -1);

          if (g_strv_length (words) != 2)
            g_error ("not two words: %s", lines[i]);
        }
    }
}

/* Lowercased, white space collapsed: how two texts are compared. */
static char *
normalise (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t\r", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Adds the texts of @path to @set: lines of text, or of lang<TAB>text. */
static void
add_texts (GHashTable *set,
           const char *path,
           gboolean    tsv)
{
  g_autofree char *contents = test_read_text (path, NULL);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = lines[i];

      if (text[0] == '\0' || text[0] == '#')
        continue;
      if (tsv)
        {
          text = strchr (text, '\t');
          g_assert_nonnull (text);
          text++;
        }
      g_hash_table_add (set, normalise (text));
    }
}

static void
test_eval_disjoint (void)
{
  static const char *const langs[] = { "en", "es", "zh", "fr", "de" };
  static const char *const eval_files[] = { "eval-sentences.tsv", "eval-short.tsv" };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *heldout = test_source_path ("tests", "data", "langid", "test.tsv", NULL);
  guint n_eval = 0;

  for (guint i = 0; i < G_N_ELEMENTS (langs); i++)
    {
      g_autofree char *name = g_strconcat (langs[i], ".txt", NULL);
      g_autofree char *path = test_source_path ("data", "langid", name, NULL);

      add_texts (seen, path, FALSE);
    }
  add_texts (seen, heldout, TRUE);
  g_assert_cmpuint (g_hash_table_size (seen), >, 2500);

  /* no eval text is in the training text, the held-out set or twice in the eval sets */
  for (guint f = 0; f < G_N_ELEMENTS (eval_files); f++)
    {
      g_autofree char *path = test_source_path ("tests", "data", "langid", eval_files[f], NULL);
      g_autofree char *contents = test_read_text (path, NULL);
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *tab = strchr (lines[i], '\t');
          char *text;

          if (lines[i][0] == '\0' || lines[i][0] == '#')
            continue;
          g_assert_nonnull (tab);
          text = normalise (tab + 1);
          if (!g_hash_table_add (seen, text))
            g_error ("%s: “%s” also appears in the training text, test.tsv or the eval sets",
                     eval_files[f], tab + 1);
          n_eval++;
        }
    }
  g_assert_cmpuint (n_eval, >=, PARLEY_N_LANGS * (MIN_SENTENCES + MIN_SHORT));
}

static char *
write_tmp (const char *dir,
           const char *name,
           const char *contents,
           gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_tally (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *good = write_tmp (dir, "good.tsv",
                                     "# comment\n"
                                     "es\tdonde esta mi pedido, lo pedi hace una semana\r\n"
                                     "\n"
                                     "de\two bleibt meine bestellung, ich warte seit einer woche\n"
                                     "en\two bleibt meine bestellung, ich warte seit einer woche\n"
                                     "zh\t😀😀\n", -1);
  static const struct { const char *contents; gssize len; int code; } bad[] = {
    { "es\tdonde esta mi pedido\nno tab here\n", -1, PARLEY_ERROR_INVALID_INPUT },
    { "xx\tsome text\n", -1, PARLEY_ERROR_INVALID_INPUT },
    { "english\tsome text\n", -1, PARLEY_ERROR_INVALID_INPUT },
    { "fr\t\n", -1, PARLEY_ERROR_INVALID_INPUT },
    { "fr\tbonjour \xff\xfe\n", -1, PARLEY_ERROR_ENCODING },
    { "fr\tbon\0jour\n", 12, PARLEY_ERROR_ENCODING },
    { "# only a comment\n\n", -1, PARLEY_ERROR_EMPTY },
  };
  ParleyLangidTally tally = { { { 0 } } };
  g_autoptr(GError) error = NULL;
  guint n_misses = 0;

  g_assert_true (parley_langid_tally_file (&tally, good, log_miss_cb, &n_misses, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parley_langid_tally_total (&tally, PARLEY_LANG_UNKNOWN), ==, 4);
  g_assert_cmpuint (parley_langid_tally_right (&tally, PARLEY_LANG_UNKNOWN), ==, 2);
  g_assert_cmpuint (tally.confusion[PARLEY_LANG_ES][PARLEY_LANG_ES], ==, 1);
  g_assert_cmpuint (tally.confusion[PARLEY_LANG_DE][PARLEY_LANG_DE], ==, 1);
  g_assert_cmpuint (tally.confusion[PARLEY_LANG_EN][PARLEY_LANG_DE], ==, 1);
  g_assert_cmpuint (tally.confusion[PARLEY_LANG_ZH][PARLEY_LANG_UNKNOWN], ==, 1);
  g_assert_cmpuint (n_misses, ==, 2);
  g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, PARLEY_LANG_ES), ==, 1.0);
  g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, PARLEY_LANG_EN), ==, 0.0);
  g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, PARLEY_LANG_FR), ==, 0.0);
  g_assert_cmpfloat (parley_langid_tally_accuracy (&tally, PARLEY_LANG_UNKNOWN), ==, 0.5);

  /* a bad file fails, names the problem and counts nothing */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = write_tmp (dir, "bad.tsv", bad[i].contents, bad[i].len);
      ParleyLangidTally before = tally;

      g_clear_error (&error);
      g_assert_false (parley_langid_tally_file (&tally, path, NULL, NULL, &error));
      g_assert_error (error, PARLEY_ERROR, bad[i].code);
      g_assert_true (memcmp (&before, &tally, sizeof tally) == 0);
    }

  g_clear_error (&error);
  {
    g_autofree char *missing = g_build_filename (dir, "missing.tsv", NULL);

    g_assert_false (parley_langid_tally_file (&tally, missing, NULL, NULL, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }

  test_rm_rf (dir);
}

/* Capitalised Latin words beside Han characters are mostly brand names:
 * they count half in the script decision, lowercase Latin words in full. */
static void
test_product_names (void)
{
  g_assert_cmpint (parley_langid_detect ("Nike Air Force 1有38码吗", -1, NULL), ==, PARLEY_LANG_ZH);
  g_assert_cmpint (parley_langid_detect ("Apple Watch Ultra表带呢", -1, NULL), ==, PARLEY_LANG_ZH);
  g_assert_cmpint (parley_langid_detect ("where is my order 有吗", -1, NULL), ==, PARLEY_LANG_EN);
  g_assert_cmpint (parley_langid_detect ("I bought the 小米 robot vacuum and it broke", -1, NULL),
                   ==, PARLEY_LANG_EN);
}

static void
assert_context (const char *text,
                ParleyLang  previous,
                ParleyLang  hint,
                ParleyLang  expected)
{
  double confidence = -1.0;
  ParleyLang got = parley_langid_detect_in_context (text, previous, hint, &confidence);

  if (got != expected)
    g_error ("\"%s\" after %s with hint %s: expected %s, got %s (%.3f)", text,
             parley_lang_to_string (previous), parley_lang_to_string (hint),
             parley_lang_to_string (expected), parley_lang_to_string (got), confidence);
  g_assert_cmpfloat (confidence, >=, 0.0);
  g_assert_cmpfloat (confidence, <=, 1.0);
}

static void
test_context_sticky (void)
{
  double bare = 0.0, sticky = 0.0;

  /* short, ambiguous or weak texts keep the conversation's language */
  assert_context ("ok gracias", PARLEY_LANG_ES, PARLEY_LANG_UNKNOWN, PARLEY_LANG_ES);
  assert_context ("OK", PARLEY_LANG_DE, PARLEY_LANG_UNKNOWN, PARLEY_LANG_DE);
  assert_context ("OK", PARLEY_LANG_DE, PARLEY_LANG_EN, PARLEY_LANG_DE);
  assert_context ("merci", PARLEY_LANG_EN, PARLEY_LANG_UNKNOWN, PARLEY_LANG_EN);
  assert_context ("iPhone 15 Pro Max", PARLEY_LANG_FR, PARLEY_LANG_UNKNOWN, PARLEY_LANG_FR);
  assert_context ("super service", PARLEY_LANG_DE, PARLEY_LANG_UNKNOWN, PARLEY_LANG_DE);
  assert_context ("👍👍", PARLEY_LANG_ZH, PARLEY_LANG_EN, PARLEY_LANG_ZH);
  assert_context ("#48213", PARLEY_LANG_ES, PARLEY_LANG_UNKNOWN, PARLEY_LANG_ES);

  /* the bare classifier calls "OK" English; in a German conversation it stays German */
  g_assert_cmpint (parley_langid_detect ("OK", -1, &bare), ==, PARLEY_LANG_EN);
  g_assert_cmpint (parley_langid_detect_in_context ("OK", PARLEY_LANG_DE, PARLEY_LANG_UNKNOWN, &sticky),
                   ==, PARLEY_LANG_DE);
  g_assert_cmpfloat (sticky, >, 0.0);
  g_assert_cmpfloat (sticky, <, bare);

  /* a clear sentence in another language switches */
  assert_context ("Bonjour, je voudrais savoir quand ma commande sera livrée s'il vous plaît",
                  PARLEY_LANG_EN, PARLEY_LANG_UNKNOWN, PARLEY_LANG_FR);
  assert_context ("bonjour je voudrais savoir ou en est mon colis", PARLEY_LANG_EN, PARLEY_LANG_EN,
                  PARLEY_LANG_FR);
  assert_context ("sorry, can we continue in English please", PARLEY_LANG_ES,
                  PARLEY_LANG_UNKNOWN, PARLEY_LANG_EN);
  assert_context ("我想问一下退货要多久", PARLEY_LANG_EN, PARLEY_LANG_UNKNOWN, PARLEY_LANG_ZH);
  assert_context ("gracias por todo", PARLEY_LANG_EN, PARLEY_LANG_UNKNOWN, PARLEY_LANG_ES);

  /* the same language keeps going, with a confidence at least the bare one */
  g_assert_cmpint (parley_langid_detect ("wo ist mein paket", -1, &bare), ==, PARLEY_LANG_DE);
  g_assert_cmpint (parley_langid_detect_in_context ("wo ist mein paket", PARLEY_LANG_DE,
                                                    PARLEY_LANG_UNKNOWN, &sticky), ==, PARLEY_LANG_DE);
  g_assert_cmpfloat (sticky, >=, bare);

  /* text Parley does not speak is not forced into the conversation's language */
  assert_context ("ご注文ありがとうございます。お届けまでしばらくお待ちください。", PARLEY_LANG_ZH,
                  PARLEY_LANG_UNKNOWN, PARLEY_LANG_UNKNOWN);
  assert_context ("Здравствуйте, где мой заказ? Уже неделя прошла", PARLEY_LANG_EN,
                  PARLEY_LANG_UNKNOWN, PARLEY_LANG_UNKNOWN);
}

static void
test_context_hint (void)
{
  double confidence = -1.0;

  /* a two-word text with no history: the hint decides when the text is ambiguous */
  g_assert_cmpint (parley_langid_detect ("promo code", -1, NULL), ==, PARLEY_LANG_FR);
  assert_context ("promo code", PARLEY_LANG_UNKNOWN, PARLEY_LANG_EN, PARLEY_LANG_EN);
  assert_context ("promo code", PARLEY_LANG_UNKNOWN, PARLEY_LANG_FR, PARLEY_LANG_FR);
  g_assert_cmpint (parley_langid_detect ("hotel taxi", -1, NULL), ==, PARLEY_LANG_EN);
  assert_context ("hotel taxi", PARLEY_LANG_UNKNOWN, PARLEY_LANG_ES, PARLEY_LANG_ES);
  assert_context ("hotel taxi", PARLEY_LANG_UNKNOWN, PARLEY_LANG_UNKNOWN, PARLEY_LANG_EN);

  /* ... but it is only a prior: clear texts, short or long, speak for themselves */
  assert_context ("ok danke", PARLEY_LANG_UNKNOWN, PARLEY_LANG_FR, PARLEY_LANG_DE);
  assert_context ("hola, cuando llega mi pedido? ya pasaron cinco dias", PARLEY_LANG_UNKNOWN,
                  PARLEY_LANG_DE, PARLEY_LANG_ES);

  /* no letters: the hint, with no confidence */
  g_assert_cmpint (parley_langid_detect_in_context ("123 !!", PARLEY_LANG_UNKNOWN, PARLEY_LANG_FR,
                                                    &confidence), ==, PARLEY_LANG_FR);
  g_assert_cmpfloat (confidence, ==, 0.0);
  g_assert_cmpint (parley_langid_detect_in_context ("", PARLEY_LANG_UNKNOWN, PARLEY_LANG_UNKNOWN,
                                                    &confidence), ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, ==, 0.0);
  g_assert_cmpint (parley_langid_detect_in_context (NULL, PARLEY_LANG_ES, PARLEY_LANG_UNKNOWN,
                                                    NULL), ==, PARLEY_LANG_ES);

  /* out-of-range arguments are "unknown", invalid UTF-8 bytes separators */
  assert_context ("ok gracias", (ParleyLang) 42, (ParleyLang) -1, PARLEY_LANG_ES);
  assert_context ("hola \xff\xfe amigo, gracias por la ayuda", PARLEY_LANG_UNKNOWN,
                  PARLEY_LANG_UNKNOWN, PARLEY_LANG_ES);
}

/* Runs `parley lang detect --stdin` on @input; returns its stdout. */
static char *
run_stdin (GBytes *input,
           int    *status)
{
  const char *cli = g_getenv ("PARLEY_CLI");
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data;

  g_assert_nonnull (cli);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           cli, "lang", "detect", "--stdin", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (proc);
  data = g_bytes_get_data (out, &len);
  if (len == 0)
    return g_strdup ("");
  g_assert_true (g_utf8_validate_len (data, len, NULL));
  return g_strndup (data, len);
}

static void
test_cli_stdin (void)
{
  static const char input[] =
    "cuando llega mi pedido\n"
    "\n"
    "wo ist mein paket\n"
    "bonjour \xff\xfe ma commande\n"
    "退货\r\n"
    "bad\0nul\n"
    "12345\n"
    "thanks, that fixed it";   /* no final newline */
  static const struct { const char *language; gboolean positive; gboolean error; } expected[] = {
    { "es", TRUE, FALSE },
    { "und", FALSE, FALSE },
    { "de", TRUE, FALSE },
    { "und", FALSE, TRUE },
    { "zh", TRUE, FALSE },
    { "und", FALSE, TRUE },
    { "und", FALSE, FALSE },
    { "en", TRUE, FALSE },
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (input, sizeof input - 1);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status = -1;

  out = run_stdin (bytes, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_suffix (out, "\n"));
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected) + 1);
  g_assert_cmpstr (lines[G_N_ELEMENTS (expected)], ==, "");

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *o;
      double confidence;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (o, "language"), ==, expected[i].language);
      g_assert_true (json_object_has_member (o, "confidence"));
      confidence = json_object_get_double_member (o, "confidence");
      if (expected[i].positive)
        {
          g_assert_cmpfloat (confidence, >, 0.5);
          g_assert_cmpfloat (confidence, <=, 1.0);
        }
      else
        {
          g_assert_cmpfloat (confidence, ==, 0.0);
        }
      g_assert_cmpint (json_object_has_member (o, "error"), ==, expected[i].error);
      if (expected[i].error)
        g_assert_cmpstr (json_object_get_string_member (o, "error"), !=, "");
    }

  /* nothing in, nothing out */
  {
    g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
    g_autofree char *none = run_stdin (empty, &status);

    g_assert_cmpint (status, ==, 0);
    g_assert_cmpstr (none, ==, "");
  }

  /* a line over the limit is reported, the next one still detected */
  {
    gsize n = 1024 * 1024 + 10;
    g_autofree char *big = g_malloc (n + 64);
    g_autoptr(GBytes) big_bytes = NULL;
    g_autofree char *big_out = NULL;
    g_auto(GStrv) big_lines = NULL;

    memset (big, 'a', n);
    strcpy (big + n, "\nmerci beaucoup pour votre aide\n");
    big_bytes = g_bytes_new (big, strlen (big));
    big_out = run_stdin (big_bytes, &status);
    g_assert_cmpint (status, ==, 0);
    big_lines = g_strsplit (big_out, "\n", -1);
    g_assert_cmpuint (g_strv_length (big_lines), ==, 3);
    g_assert_nonnull (strstr (big_lines[0], "\"error\""));
    g_assert_nonnull (strstr (big_lines[1], "\"language\":\"fr\""));
  }
}

static void
test_cli_json (void)
{
  const char *cli = g_getenv ("PARLEY_CLI");
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  g_assert_nonnull (cli);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           cli, "lang", "detect", "--json", "donde", "esta", "mi", "pedido", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "language"), ==, "es");
  g_assert_cmpstr (json_object_get_string_member (o, "lang"), ==, "es");
  g_assert_cmpfloat (json_object_get_double_member (o, "confidence"), >, 0.5);
}

static void
test_cli_eval (void)
{
  const char *cli = g_getenv ("PARLEY_CLI");
  g_autofree char *dir = test_source_path ("tests", "data", "langid", NULL);
  g_autofree char *sentences = g_build_filename (dir, "eval-sentences.tsv", NULL);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  ParleyLangidTally tally = { { { 0 } } };
  JsonObject *o, *set, *langs;

  g_assert_nonnull (cli);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           cli, "eval", "lang", "--json", "--set-dir", dir, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));

  /* the command reports what the library counts */
  g_assert_true (parley_langid_tally_file (&tally, sentences, NULL, NULL, &error));
  set = json_object_get_object_member (o, "sentences");
  g_assert_nonnull (set);
  g_assert_cmpint (json_object_get_int_member (set, "total"), ==,
                   parley_langid_tally_total (&tally, PARLEY_LANG_UNKNOWN));
  g_assert_cmpint (json_object_get_int_member (set, "right"), ==,
                   parley_langid_tally_right (&tally, PARLEY_LANG_UNKNOWN));
  langs = json_object_get_object_member (set, "languages");
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      JsonObject *lang = json_object_get_object_member (langs, parley_lang_to_string (l));

      g_assert_nonnull (lang);
      g_assert_cmpint (json_object_get_int_member (lang, "total"), ==, parley_langid_tally_total (&tally, l));
    }
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (set, "confusions")));
  set = json_object_get_object_member (o, "short");
  g_assert_nonnull (set);
  g_assert_cmpint (json_object_get_int_member (set, "total"), >=, PARLEY_N_LANGS * MIN_SHORT);

  /* a bad folder is a usage error */
  {
    g_autoptr(GSubprocess) bad = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                   G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                                   cli, "eval", "lang", "--set-dir", "/nonexistent/parley",
                                                   NULL);

    g_assert_no_error (error);
    g_subprocess_wait (bad, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (bad), !=, 0);
  }
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/langid/eval/sentences", test_eval_sentences);
  g_test_add_func ("/langid/eval/short", test_eval_short);
  g_test_add_func ("/langid/eval/disjoint", test_eval_disjoint);
  g_test_add_func ("/langid/eval/tally", test_tally);
  g_test_add_func ("/langid/eval/product-names", test_product_names);
  g_test_add_func ("/langid/context/sticky", test_context_sticky);
  g_test_add_func ("/langid/context/hint", test_context_hint);
  g_test_add_func ("/langid/cli/stdin", test_cli_stdin);
  g_test_add_func ("/langid/cli/json", test_cli_json);
  g_test_add_func ("/langid/cli/eval", test_cli_eval);

  return g_test_run ();
}
