/* test-sentiment.c — lexicon sentiment: rules per language, a labelled set, trend, escalation
 *
 * The labelled set (tests/data/sentiment/eval.tsv: lang, label, text) is
 * split per language by line parity: even lines are the half the lexicons
 * and thresholds were tuned on, odd lines the held-out half the accuracy is
 * asserted on. Messages after a "#held-out-only" line (harder ones, written
 * after tuning) are all held out, and also reported on their own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "parley-analyzer.h"
#include "parley-error.h"
#include "parley-sentiment.h"
#include "test-utils.h"

static ParleySentiment *sentiment;

static double
score (ParleyLang  lang,
       const char *text)
{
  return parley_sentiment_score (sentiment, lang, text);
}

static void
test_analyzer_keep_stopwords (void)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) dropped = NULL;
  g_autoptr(GPtrArray) kept = NULL;

  /* Intensifiers and negators are often stop words. */
  g_assert_false (parley_analyzer_get_keep_stopwords (a));
  dropped = parley_analyzer_terms (a, PARLEY_LANG_EN, "It is very slow", -1);
  g_assert_cmpuint (dropped->len, ==, 1);
  g_assert_cmpstr (dropped->pdata[0], ==, "slow");

  parley_analyzer_set_keep_stopwords (a, TRUE);
  g_assert_true (parley_analyzer_get_keep_stopwords (a));
  kept = parley_analyzer_terms (a, PARLEY_LANG_EN, "It is very slow", -1);
  g_assert_cmpuint (kept->len, ==, 4);
  g_assert_cmpstr (kept->pdata[2], ==, "veri");   /* stemmed like any word */
  g_assert_cmpstr (kept->pdata[3], ==, "slow");
  g_clear_pointer (&kept, g_ptr_array_unref);
  kept = parley_analyzer_terms (a, PARLEY_LANG_FR, "je ne suis pas content", -1);
  g_assert_cmpuint (kept->len, ==, 5);
  g_assert_cmpstr (kept->pdata[1], ==, "ne");

  /* Off again: the default output, unchanged. */
  parley_analyzer_set_keep_stopwords (a, FALSE);
  g_clear_pointer (&dropped, g_ptr_array_unref);
  dropped = parley_analyzer_terms (a, PARLEY_LANG_FR, "je ne suis pas content", -1);
  g_assert_cmpuint (dropped->len, ==, 2);
  g_assert_cmpstr (dropped->pdata[0], ==, "pas");
  g_assert_cmpstr (dropped->pdata[1], ==, "content");
}

static void
test_lexicon_sizes (void)
{
  for (ParleyLang lang = 0; lang < PARLEY_N_LANGS; lang++)
    {
      guint n = parley_sentiment_get_n_entries (sentiment, lang);

      g_test_message ("%s: %u scored entries", parley_lang_to_string (lang), n);
      g_assert_cmpuint (n, >=, 150);
    }
}

static void
test_lexicon_errors (void)
{
  g_autoptr(ParleySentiment) s = parley_sentiment_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (parley_sentiment_load_lexicon (s, PARLEY_LANG_EN, "good", -1, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (parley_sentiment_load_lexicon (s, PARLEY_LANG_EN, "good 2.0\n!boost very x\n", -1, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (parley_sentiment_load_lexicon (s, PARLEY_LANG_EN, "go\xffod 2.0", -1, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING);
  g_clear_error (&error);
  g_assert_false (parley_sentiment_load_lexicon (s, PARLEY_LANG_EN, "!frobnicate x", -1, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* A custom lexicon: stems meet ("Cheerful" ~ "cheerfully"). */
  g_assert_true (parley_sentiment_load_lexicon (s, PARLEY_LANG_EN,
                                                "# test\ncheerful 2.0\n!negate not\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (parley_sentiment_score (s, PARLEY_LANG_EN, "cheerfully"), >, 0.25);
  g_assert_cmpfloat (parley_sentiment_score (s, PARLEY_LANG_EN, "not cheerful"), <, 0.0);
}

/* Each: a positive word, its negation, intensified, and a clear negative. */
static const struct {
  ParleyLang  lang;
  const char *plain;
  const char *negated;
  const char *intensified;
  const char *negative;
  const char *negative_intensified;
} rules[] = {
  { PARLEY_LANG_EN, "I am happy", "I am not happy", "I am very happy", "it is slow", "it is extremely slow" },
  { PARLEY_LANG_ES, "estoy contento", "no estoy contento", "estoy muy contento", "es lento", "es demasiado lento" },
  { PARLEY_LANG_FR, "je suis satisfait", "pas du tout satisfait", "je suis très satisfait", "c'est lent", "c'est vraiment lent" },
  { PARLEY_LANG_DE, "das ist gut", "das ist nicht gut", "das ist sehr gut", "das ist langsam", "das ist extrem langsam" },
  { PARLEY_LANG_ZH, "我满意", "我不满意", "我非常满意", "物流慢", "物流极其慢" },
};

static void
test_rules (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      double plain = score (rules[i].lang, rules[i].plain);
      double negated = score (rules[i].lang, rules[i].negated);
      double intensified = score (rules[i].lang, rules[i].intensified);
      double negative = score (rules[i].lang, rules[i].negative);
      double negative_intensified = score (rules[i].lang, rules[i].negative_intensified);

      g_test_message ("%s: %.3f %.3f %.3f %.3f %.3f", parley_lang_to_string (rules[i].lang),
                      plain, negated, intensified, negative, negative_intensified);
      g_assert_cmpfloat (plain, >, 0.25);
      g_assert_cmpfloat (negated, <, 0.0);                 /* flipped */
      g_assert_cmpfloat (fabs (negated), <, fabs (plain) + 0.3);  /* and damped */
      g_assert_cmpfloat (intensified, >, plain);
      g_assert_cmpfloat (negative, <, -0.25);
      g_assert_cmpfloat (negative_intensified, <, negative);
    }
}

static void
test_negation_scope (void)
{
  /* Beyond the scope (and across a clause) a negator does not reach. */
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "no, the agent was friendly"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "I don't know why but the agent was friendly"), >, 0.25);
  /* Post-verbal negation in German and French. */
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "Das funktioniert nicht"), <, 0.0);
  g_assert_cmpfloat (score (PARLEY_LANG_FR, "ça ne fonctionne pas"), <, 0.0);
  /* … which never turns a complaint into praise. */
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "das Geld ist immer noch nicht da"), <, 0.0);
  /* "and" ends a negation scope. */
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "die App funktioniert nicht und ist langsam"), <, -0.25);
  /* Fixed phrases win over word-by-word negation. */
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "not bad at all"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "还不错"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "kein Problem, danke"), >, 0.25);
}

static void
test_diminisher (void)
{
  g_assert_cmpfloat (fabs (score (PARLEY_LANG_EN, "it was a bit slow")),
                     <, fabs (score (PARLEY_LANG_EN, "it was slow")));
  g_assert_cmpfloat (fabs (score (PARLEY_LANG_ZH, "有点慢")), <, fabs (score (PARLEY_LANG_ZH, "慢")));
}

static void
test_contrast (void)
{
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "the delivery was fast but the item is broken"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "the delivery was late but the agent was great"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_ES, "el envío fue rápido pero el producto llegó roto"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_FR, "livraison rapide mais le colis est abîmé"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "schnell geliefert, aber leider kaputt"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "发货很快，但是质量很差"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "物流有点慢，但是客服很好"), >, 0.25);
}

static void
test_caps_and_exclamation (void)
{
  double plain = score (PARLEY_LANG_EN, "this is useless");
  double caps = score (PARLEY_LANG_EN, "this is USELESS");
  double excl = score (PARLEY_LANG_EN, "this is useless!!!");
  double positive = score (PARLEY_LANG_EN, "thanks, that was quick");
  double positive_excl = score (PARLEY_LANG_EN, "thanks, that was quick!");

  g_assert_cmpfloat (caps, <, plain);
  g_assert_cmpfloat (excl, <, plain);
  g_assert_cmpfloat (positive_excl, >, positive);
  g_assert_cmpfloat (score (PARLEY_LANG_DE, "NICHT GUT"), <, score (PARLEY_LANG_DE, "nicht gut"));
  /* Exclamation marks alone carry no direction. */
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "order 12345!!!"), ==, 0.0);
}

static void
test_emoji (void)
{
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "my order 😡"), <, -0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "my order 🙂"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "到了🙂"), >, 0.25);
  g_assert_cmpfloat (score (PARLEY_LANG_FR, "merci 👍"), >, score (PARLEY_LANG_FR, "merci"));
}

static void
test_chinese_without_spaces (void)
{
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "太慢了，非常失望"), <, -0.6);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "客服态度很好，非常满意"), >, 0.6);
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "我想查询一下订单"), ==, 0.0);
  /* Latin words in Chinese text use the English lexicon. */
  g_assert_cmpfloat (score (PARLEY_LANG_ZH, "这个app太useless了"), <, -0.25);
}

static void
test_bad_input (void)
{
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "terrible \xff\xfe service"), ==, 0.0);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "\xe5\xa4"), ==, 0.0);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, ""), ==, 0.0);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, NULL), ==, 0.0);
  g_assert_cmpfloat (score (PARLEY_LANG_EN, "!!! ??? ... ,,,"), ==, 0.0);
  /* An unknown language falls back to English. */
  g_assert_cmpfloat (score ((ParleyLang) 99, "terrible"), <, -0.25);

  /* Long and repetitive input stays bounded and within [-1, 1]. */
  {
    g_autoptr(GString) s = g_string_new (NULL);
    double v;

    for (guint i = 0; i < 20000; i++)
      g_string_append (s, "not very bad!! 😡 太差 ");
    v = score (PARLEY_LANG_EN, s->str);
    g_assert_cmpfloat (v, >=, -1.0);
    g_assert_cmpfloat (v, <=, 1.0);
  }
}

static void
test_labels (void)
{
  g_assert_cmpint (parley_sentiment_label (-0.26), ==, PARLEY_SENTIMENT_NEGATIVE);
  g_assert_cmpint (parley_sentiment_label (-0.25), ==, PARLEY_SENTIMENT_NEUTRAL);
  g_assert_cmpint (parley_sentiment_label (0.25), ==, PARLEY_SENTIMENT_NEUTRAL);
  g_assert_cmpint (parley_sentiment_label (0.26), ==, PARLEY_SENTIMENT_POSITIVE);
  g_assert_cmpstr (parley_sentiment_label_to_string (PARLEY_SENTIMENT_NEGATIVE), ==, "neg");
  g_assert_cmpstr (parley_sentiment_label_to_string (PARLEY_SENTIMENT_NEUTRAL), ==, "neu");
  g_assert_cmpstr (parley_sentiment_label_to_string (PARLEY_SENTIMENT_POSITIVE), ==, "pos");
}

static void
test_trend (void)
{
  const char *conversation[] = {
    "Hi, I have a question about my order",
    "It still has not arrived",
    "This is the third time I write, absolutely useless",
    "I am furious, this is unacceptable!!!",
  };
  double scores[G_N_ELEMENTS (conversation)];
  const double rising[] = { -0.8, -0.5, 0.0, 0.4 };
  const double flat[] = { 0.3, 0.3, 0.3 };
  const double line[] = { 0.0, -0.1, -0.2, -0.3 };

  for (guint i = 0; i < G_N_ELEMENTS (conversation); i++)
    scores[i] = score (PARLEY_LANG_EN, conversation[i]);

  g_assert_cmpfloat (parley_sentiment_trend (scores, G_N_ELEMENTS (scores)), <, -0.1);
  g_assert_cmpfloat (parley_sentiment_trend (rising, G_N_ELEMENTS (rising)), >, 0.1);
  g_assert_cmpfloat_with_epsilon (parley_sentiment_trend (flat, G_N_ELEMENTS (flat)), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (parley_sentiment_trend (line, G_N_ELEMENTS (line)), -0.1, 1e-12);
  g_assert_cmpfloat (parley_sentiment_trend (scores, 1), ==, 0.0);
  g_assert_cmpfloat (parley_sentiment_trend (NULL, 0), ==, 0.0);

  /* Escalation: the conversation above ends very negative. */
  g_assert_true (parley_sentiment_is_very_negative (scores, G_N_ELEMENTS (scores)));
  g_assert_false (parley_sentiment_is_very_negative (scores, 1));
  {
    const double one_bad[] = { 0.2, -0.65 };
    const double two_negative[] = { 0.5, -0.45, -0.41 };
    const double one_negative[] = { 0.5, 0.1, -0.5 };
    const double recovered[] = { -0.9, 0.3 };

    g_assert_true (parley_sentiment_is_very_negative (one_bad, 2));
    g_assert_true (parley_sentiment_is_very_negative (two_negative, 3));
    g_assert_false (parley_sentiment_is_very_negative (one_negative, 3));
    g_assert_false (parley_sentiment_is_very_negative (recovered, 2));
    g_assert_false (parley_sentiment_is_very_negative (NULL, 0));
  }
}

static void
test_eval_set (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "sentiment", "eval.tsv", NULL);
  g_autofree char *text = test_read_text (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint seen[PARLEY_N_LANGS] = { 0 };
  guint total[2][PARLEY_N_LANGS] = { { 0 } }, right[2][PARLEY_N_LANGS] = { { 0 } };
  guint all_total = 0, all_right = 0;
  guint hard_total[PARLEY_N_LANGS] = { 0 }, hard_right[PARLEY_N_LANGS] = { 0 };
  gboolean held_out_only = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      ParleyLang lang;
      ParleySentimentLabel got;
      guint half;
      double s;

      if (g_str_equal (lines[i], "#held-out-only"))
        held_out_only = TRUE;
      if (*lines[i] == '\0' || *lines[i] == '#')
        continue;
      f = g_strsplit (lines[i], "\t", 3);
      g_assert_cmpuint (g_strv_length (f), ==, 3);
      lang = parley_lang_from_string (f[0]);
      g_assert_cmpint (lang, <, PARLEY_N_LANGS);
      g_assert_true (g_str_equal (f[1], "neg") || g_str_equal (f[1], "neu") || g_str_equal (f[1], "pos"));

      half = held_out_only ? 1 : seen[lang] % 2;
      seen[lang]++;
      s = score (lang, f[2]);
      got = parley_sentiment_label (s);
      total[half][lang]++;
      hard_total[lang] += held_out_only;
      if (g_str_equal (f[1], parley_sentiment_label_to_string (got)))
        {
          right[half][lang]++;
          hard_right[lang] += held_out_only;
        }
      else if (g_test_verbose ())
        g_test_message ("%s %s (%s, %.3f): %s", half ? "held-out" : "tuning", f[0], f[1], s, f[2]);
    }

  for (ParleyLang lang = 0; lang < PARLEY_N_LANGS; lang++)
    {
      g_assert_cmpuint (seen[lang], >=, 40);
      g_test_message ("%s: tuning %u/%u = %.3f, held-out %u/%u = %.3f (of which harder %u/%u)",
                      parley_lang_to_string (lang),
                      right[0][lang], total[0][lang], (double) right[0][lang] / total[0][lang],
                      right[1][lang], total[1][lang], (double) right[1][lang] / total[1][lang],
                      hard_right[lang], hard_total[lang]);
      all_total += total[1][lang];
      all_right += right[1][lang];
    }
  g_test_message ("held-out overall: %u/%u = %.3f", all_right, all_total, (double) all_right / all_total);
  g_assert_cmpfloat ((double) all_right / all_total, >=, 0.80);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  test_init (&argc, &argv);
  sentiment = parley_sentiment_new ();

  g_test_add_func ("/sentiment/analyzer-keep-stopwords", test_analyzer_keep_stopwords);
  g_test_add_func ("/sentiment/lexicon-sizes", test_lexicon_sizes);
  g_test_add_func ("/sentiment/lexicon-errors", test_lexicon_errors);
  g_test_add_func ("/sentiment/rules", test_rules);
  g_test_add_func ("/sentiment/negation-scope", test_negation_scope);
  g_test_add_func ("/sentiment/diminisher", test_diminisher);
  g_test_add_func ("/sentiment/contrast", test_contrast);
  g_test_add_func ("/sentiment/caps-and-exclamation", test_caps_and_exclamation);
  g_test_add_func ("/sentiment/emoji", test_emoji);
  g_test_add_func ("/sentiment/chinese-without-spaces", test_chinese_without_spaces);
  g_test_add_func ("/sentiment/bad-input", test_bad_input);
  g_test_add_func ("/sentiment/labels", test_labels);
  g_test_add_func ("/sentiment/trend", test_trend);
  g_test_add_func ("/sentiment/eval-set", test_eval_set);

  ret = g_test_run ();
  parley_sentiment_free (sentiment);
  return ret;
}
