/* test-analyzer.c — segmentation, folding, stop words and stemming per language
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "parley-analyzer.h"
#include "test-utils.h"

static char *
analyze (ParleyLang  lang,
         const char *text)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (a, lang, text, -1);

  g_ptr_array_add (terms, NULL);
  return g_strjoinv (" ", (char **) terms->pdata);
}

#define assert_terms(lang, text, expected) G_STMT_START { \
  g_autofree char *got_ = analyze (lang, text); \
  g_assert_cmpstr (got_, ==, expected); \
} G_STMT_END

static void
test_english (void)
{
  assert_terms (PARLEY_LANG_EN, "How do I return my Headphones?", "return headphon");
  assert_terms (PARLEY_LANG_EN, "Returns and refunds", "return refund");
  assert_terms (PARLEY_LANG_EN, "the customer's orders were shipped", "custom order ship");
  /* Numbers and order ids survive. */
  assert_terms (PARLEY_LANG_EN, "Order KE-123456 within 30 days", "order ke 123456 within 30 day");
}

static void
test_spanish (void)
{
  /* Accents are folded before stemming, so a query without them meets the text. */
  g_autofree char *with = analyze (PARLEY_LANG_ES, "devolución del pedido");
  g_autofree char *without = analyze (PARLEY_LANG_ES, "devolucion del pedido");

  g_assert_cmpstr (with, ==, without);
  assert_terms (PARLEY_LANG_ES, "¿Dónde está mi pedido?", "ped");
  assert_terms (PARLEY_LANG_ES, "envíos gratuitos", "envi gratuit");
}

static void
test_french (void)
{
  /* Elisions split, accents folded, stop words dropped. */
  assert_terms (PARLEY_LANG_FR, "l'adresse de livraison", "adress livraison");
  assert_terms (PARLEY_LANG_FR, "L’échange d’un article", "echang articl");
  assert_terms (PARLEY_LANG_FR, "cœur", "coeur");
}

static void
test_german (void)
{
  g_autofree char *eszett = analyze (PARLEY_LANG_DE, "Größe");
  g_autofree char *plain = analyze (PARLEY_LANG_DE, "GROESSE");

  assert_terms (PARLEY_LANG_DE, "Wo ist meine Bestellung?", "bestell");
  assert_terms (PARLEY_LANG_DE, "Rücksendungen und Erstattungen", "rucksend erstatt");
  /* ß folds to ss. */
  g_assert_true (g_str_has_prefix (eszett, "gross"));
  g_assert_nonnull (plain);
}

static void
test_chinese (void)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (a, PARLEY_LANG_ZH, "我想退货，运费谁出？", -1);
  g_autoptr(GPtrArray) mixed = NULL;
  gboolean have_tuihuo = FALSE, have_yunfei = FALSE;

  /* ICU's dictionary segments text without spaces into words. */
  for (guint i = 0; i < terms->len; i++)
    {
      have_tuihuo |= g_str_equal (terms->pdata[i], "退货");
      have_yunfei |= g_str_equal (terms->pdata[i], "运费");
      g_assert_cmpstr (terms->pdata[i], !=, "我");
      g_assert_cmpstr (terms->pdata[i], !=, "，");
    }
  g_assert_true (have_tuihuo);
  g_assert_true (have_yunfei);

  /* Latin words in Chinese text are folded and stemmed as English. */
  mixed = parley_analyzer_terms (a, PARLEY_LANG_ZH, "iPhone充电器Chargers", -1);
  g_assert_cmpuint (mixed->len, >=, 3);
  g_assert_cmpstr (mixed->pdata[0], ==, "iphon");
  g_assert_cmpstr (mixed->pdata[mixed->len - 1], ==, "charger");
}

static void
test_chinese_bigrams (void)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (a, PARLEY_LANG_ZH, "无理由退货", -1);
  gboolean whole = FALSE, bigram = FALSE;

  for (guint i = 0; i < terms->len; i++)
    {
      whole |= g_str_equal (terms->pdata[i], "退货");
      bigram |= g_utf8_strlen (terms->pdata[i], -1) == 2;
    }
  g_assert_true (whole);
  g_assert_true (bigram);
}

static void
never_called (const char *term,
              gsize       len,
              gpointer    user_data)
{
  g_assert_not_reached ();
}

static void
test_bad_input (void)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) terms = NULL;
  g_autofree char *huge = g_strnfill (10000, 'x');

  g_assert_cmpuint (parley_analyzer_analyze (a, PARLEY_LANG_EN, "", 0, never_called, NULL), ==, 0);
  terms = parley_analyzer_terms (a, PARLEY_LANG_EN, "caf\xc3\xa9 \xff\xfe broken", -1);
  g_assert_cmpuint (terms->len, ==, 2);
  g_clear_pointer (&terms, g_ptr_array_unref);
  /* An overlong token is truncated, not overflowed. */
  terms = parley_analyzer_terms (a, PARLEY_LANG_DE, huge, -1);
  g_assert_cmpuint (terms->len, ==, 1);
  g_assert_cmpuint (strlen (terms->pdata[0]), <=, 64);
  g_clear_pointer (&terms, g_ptr_array_unref);
  terms = parley_analyzer_terms (a, PARLEY_LANG_UNKNOWN, "Shipping", -1);
  g_assert_cmpstr (terms->pdata[0], ==, "ship");
}

typedef struct {
  GPtrArray *sentences;
  guint      tokens;
} Sentences;

static void
collect_sentence (const char *s,
                  gsize       len,
                  guint       n_tokens,
                  gpointer    user_data)
{
  Sentences *acc = user_data;

  g_assert_cmpuint (strlen (s), ==, len);
  g_ptr_array_add (acc->sentences, g_strdup (s));
  acc->tokens += n_tokens;
}

static void
test_sentences (void)
{
  g_autoptr(ParleyAnalyzer) a = parley_analyzer_new ();
  g_autoptr(GPtrArray) en = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) zh = g_ptr_array_new_with_free_func (g_free);
  Sentences acc = { en, 0 };

  parley_analyzer_sentences (a, PARLEY_LANG_EN, "Returns are free. Refunds take 5 days!  Really?", -1,
                             collect_sentence, &acc);
  g_assert_cmpuint (en->len, ==, 3);
  g_assert_cmpstr (en->pdata[0], ==, "Returns are free.");
  g_assert_cmpstr (en->pdata[2], ==, "Really?");
  g_assert_cmpuint (acc.tokens, ==, 8);

  acc = (Sentences) { zh, 0 };
  parley_analyzer_sentences (a, PARLEY_LANG_ZH, "我们支持七天无理由退货。退款三天到账！", -1,
                             collect_sentence, &acc);
  g_assert_cmpuint (zh->len, ==, 2);
  g_assert_cmpstr (zh->pdata[1], ==, "退款三天到账！");
  /* One token per Han character. */
  g_assert_cmpuint (acc.tokens, ==, 17);
  g_assert_cmpuint (parley_analyzer_count_tokens (a, PARLEY_LANG_ZH, "退款三天到账", -1), ==, 6);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/analyzer/english", test_english);
  g_test_add_func ("/analyzer/spanish", test_spanish);
  g_test_add_func ("/analyzer/french", test_french);
  g_test_add_func ("/analyzer/german", test_german);
  g_test_add_func ("/analyzer/chinese", test_chinese);
  g_test_add_func ("/analyzer/chinese-bigrams", test_chinese_bigrams);
  g_test_add_func ("/analyzer/bad-input", test_bad_input);
  g_test_add_func ("/analyzer/sentences", test_sentences);

  return g_test_run ();
}
