/* test-langid.c — tests for language identification among en, es, zh, fr, de
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "parley-langid.h"
#include "test-utils.h"

#define SHORT_MAX_WORDS 3

typedef struct {
  guint right;
  guint total;
} Tally;

/* Words in a test text: white-space separated tokens for the Latin
 * languages; for Chinese, which has no spaces, one word per two Han
 * characters (rounded up), the usual length of a Chinese word. */
static guint
count_words (ParleyLang  lang,
             const char *text)
{
  guint n = 0;

  if (lang == PARLEY_LANG_ZH)
    {
      for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
        {
          if (g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN)
            n++;
        }
      return (n + 1) / 2;
    }

  {
    g_auto(GStrv) tokens = g_strsplit_set (text, " \t", -1);

    for (guint i = 0; tokens[i] != NULL; i++)
      {
        if (tokens[i][0] != '\0')
          n++;
      }
  }
  return n;
}

static double
ratio (const Tally *tally)
{
  return tally->total > 0 ? (double) tally->right / tally->total : 1.0;
}

static void
test_heldout (void)
{
  g_autofree char *path = test_source_path ("tests", "data", "langid", "test.tsv", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  Tally by_lang[PARLEY_N_LANGS][2] = { { { 0 } } };   /* [lang][short, long] */
  Tally overall[2] = { { 0 } };
  guint confusion[PARLEY_N_LANGS][PARLEY_N_LANGS + 1] = { { 0 } };
  double confidence_sum[2] = { 0 };

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *tab = strchr (line, '\t');
      g_autofree char *code = NULL;
      ParleyLang expected, got;
      double confidence = -1.0;
      guint bucket;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      g_assert_nonnull (tab);

      code = g_strndup (line, tab - line);
      expected = parley_lang_from_string (code);
      g_assert_cmpint (expected, <, PARLEY_N_LANGS);

      got = parley_langid_detect (tab + 1, -1, &confidence);
      g_assert_cmpfloat (confidence, >, 0.0);
      g_assert_cmpfloat (confidence, <=, 1.0);

      bucket = count_words (expected, tab + 1) <= SHORT_MAX_WORDS ? 0 : 1;
      by_lang[expected][bucket].total++;
      overall[bucket].total++;
      confusion[expected][got]++;
      confidence_sum[bucket] += confidence;
      if (got == expected)
        {
          by_lang[expected][bucket].right++;
          overall[bucket].right++;
        }
      else
        {
          g_test_message ("miss: %s detected as %s (%.2f): %s", code,
                          parley_lang_to_string (got), confidence, tab + 1);
        }
    }

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_test_message ("%s: 1-3 words %.3f (%u/%u), 4+ words %.3f (%u/%u)",
                      parley_lang_to_string (l),
                      ratio (&by_lang[l][0]), by_lang[l][0].right, by_lang[l][0].total,
                      ratio (&by_lang[l][1]), by_lang[l][1].right, by_lang[l][1].total);
      g_test_message ("  %s detected as en %u, es %u, zh %u, fr %u, de %u, und %u",
                      parley_lang_to_string (l), confusion[l][0], confusion[l][1],
                      confusion[l][2], confusion[l][3], confusion[l][4], confusion[l][5]);
    }
  g_test_message ("overall: 1-3 words %.3f (%u/%u, mean confidence %.2f), "
                  "4+ words %.3f (%u/%u, mean confidence %.3f)",
                  ratio (&overall[0]), overall[0].right, overall[0].total,
                  confidence_sum[0] / MAX (overall[0].total, 1),
                  ratio (&overall[1]), overall[1].right, overall[1].total,
                  confidence_sum[1] / MAX (overall[1].total, 1));

  /* enough of every kind to mean something */
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_assert_cmpuint (by_lang[l][0].total + by_lang[l][1].total, >=, 80);
      g_assert_cmpuint (by_lang[l][0].total, >=, 20);
      g_assert_cmpuint (by_lang[l][1].total, >=, 50);
    }

  g_assert_cmpfloat (ratio (&overall[1]), >=, 0.97);
  g_assert_cmpfloat (ratio (&overall[0]), >=, 0.85);
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_assert_cmpfloat (ratio (&by_lang[l][1]), >=, 0.95);
      g_assert_cmpfloat (ratio (&by_lang[l][0]), >=, 0.75);
    }

  /* short texts are less certain than long ones, on average */
  g_assert_cmpfloat (confidence_sum[0] / overall[0].total, <, confidence_sum[1] / overall[1].total);
}

static void
assert_detect (const char *text,
               ParleyLang  expected,
               double      min_confidence)
{
  double confidence = -1.0;
  ParleyLang got = parley_langid_detect (text, -1, &confidence);

  if (got != expected || confidence < min_confidence)
    g_error ("\"%s\": expected %s (>= %.2f), got %s (%.3f)", text,
             parley_lang_to_string (expected), min_confidence,
             parley_lang_to_string (got), confidence);
}

static void
test_short (void)
{
  /* the examples of the brief, and a few more */
  assert_detect ("hola", PARLEY_LANG_ES, 0.5);
  assert_detect ("danke schön", PARLEY_LANG_DE, 0.5);
  assert_detect ("où est ma commande", PARLEY_LANG_FR, 0.5);
  assert_detect ("refund please", PARLEY_LANG_EN, 0.5);
  assert_detect ("退货", PARLEY_LANG_ZH, 0.5);
  assert_detect ("donde esta mi pedido", PARLEY_LANG_ES, 0.5);
  assert_detect ("ou est mon colis", PARLEY_LANG_FR, 0.5);
  assert_detect ("mein iPhone 15 Pro ist kaputt", PARLEY_LANG_DE, 0.5);
  assert_detect ("merci", PARLEY_LANG_FR, 0.5);
  assert_detect ("gracias", PARLEY_LANG_ES, 0.5);
  assert_detect ("thank you", PARLEY_LANG_EN, 0.5);
}

static void
test_script (void)
{
  double confidence = -1.0;

  /* Han → zh, simplified or traditional, with product names and ids mixed in */
  assert_detect ("我的订单什么时候发货？", PARLEY_LANG_ZH, 0.95);
  assert_detect ("請問我的訂單什麼時候會到？", PARLEY_LANG_ZH, 0.95);
  assert_detect ("我的iPhone 15 Pro Max屏幕碎了", PARLEY_LANG_ZH, 0.9);
  assert_detect ("订单KE-123456 https://shop.example.com 还没到", PARLEY_LANG_ZH, 0.9);
  assert_detect ("好", PARLEY_LANG_ZH, 0.5);

  /* a lone character could also be Japanese: less sure than a sentence */
  {
    double one = 0.0, many = 0.0;

    g_assert_cmpint (parley_langid_detect ("好", -1, &one), ==, PARLEY_LANG_ZH);
    g_assert_cmpint (parley_langid_detect ("这个商品质量很好，物流也很快，下次还会再来买。", -1, &many),
                     ==, PARLEY_LANG_ZH);
    g_assert_cmpfloat (one, <, many);
  }

  /* kana-heavy text is Japanese, not Chinese */
  g_assert_cmpint (parley_langid_detect ("注文した商品がまだ届いていません。確認してください。", -1, &confidence),
                   ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.2);
  g_assert_cmpint (parley_langid_detect ("ありがとうございます", -1, &confidence), ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.2);
  g_assert_cmpint (parley_langid_detect ("カスタマーサポート", -1, &confidence), ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.2);

  /* other scripts are none of ours */
  g_assert_cmpint (parley_langid_detect ("Где мой заказ? Я жду уже две недели.", -1, &confidence),
                   ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.5);
  g_assert_cmpint (parley_langid_detect ("주문한 상품이 아직 도착하지 않았어요", -1, &confidence),
                   ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.5);
  g_assert_cmpint (parley_langid_detect ("Πού είναι η παραγγελία μου;", -1, &confidence),
                   ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, <, 0.5);

  /* Latin text with a little Han or Cyrillic is still Latin */
  assert_detect ("I bought the 小米 robot vacuum last week and it already stopped working", PARLEY_LANG_EN, 0.5);
  assert_detect ("Hola, compré un libro de Толстой y todavía no me ha llegado el pedido", PARLEY_LANG_ES, 0.5);
}

static void
assert_unknown (const char *text,
                gssize      len)
{
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  double confidence = -1.0;

  g_assert_cmpint (parley_langid_detect (text, len, &confidence), ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpfloat (confidence, ==, 0.0);
  g_assert_cmpuint (parley_langid_rank (text, len, guesses, G_N_ELEMENTS (guesses)), ==, 0);
}

static void
test_empty (void)
{
  assert_unknown (NULL, -1);
  assert_unknown ("", -1);
  assert_unknown ("hello", 0);
  assert_unknown ("   \t\n  \r\n", -1);
  assert_unknown ("12345 678 9", -1);
  assert_unknown ("3.14 + 2,71 = 5.85 €", -1);
  assert_unknown ("KE-123456", -1);
  assert_unknown ("KE-123456 KE-654321 #4711", -1);
  assert_unknown ("https://shop.example.com/orders/view?id=42", -1);
  assert_unknown ("www.example.org", -1);
  assert_unknown ("support@example.com", -1);
  assert_unknown ("!!! ??? ... --- ***", -1);
  assert_unknown ("🙂🙂👍🎉", -1);
  assert_unknown ("０１２３４５", -1);

  /* the confidence pointer is optional */
  g_assert_cmpint (parley_langid_detect ("", -1, NULL), ==, PARLEY_LANG_UNKNOWN);
  g_assert_cmpint (parley_langid_detect ("danke", -1, NULL), ==, PARLEY_LANG_DE);
}

/* Order ids, digits, URLs and e-mail addresses must not change anything. */
static void
test_noise (void)
{
  static const char * const pairs[][2] = {
    { "my order hasn't arrived yet",
      "my order KE-123456 hasn't arrived yet, https://track.example.com/KE-123456 joe@example.com" },
    { "mi pedido no ha llegado",
      "mi pedido KE-987654 no ha llegado 2024-03-01 15:30 www.example.es/pedidos" },
    { "ma commande",
      "ma commande KE-555111 (42,50 €) — 0x1F, #77, 3x, 4K" },
    { "wo bleibt meine Bestellung",
      "wo bleibt meine Bestellung 12345678, 01.02.2024 https://example.de/a/b?c=d" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      ParleyLangGuess clean[PARLEY_N_LANGS], noisy[PARLEY_N_LANGS];
      guint n_clean = parley_langid_rank (pairs[i][0], -1, clean, PARLEY_N_LANGS);
      guint n_noisy = parley_langid_rank (pairs[i][1], -1, noisy, PARLEY_N_LANGS);

      g_assert_cmpuint (n_clean, ==, n_noisy);
      for (guint j = 0; j < n_clean; j++)
        {
          g_assert_cmpint (clean[j].lang, ==, noisy[j].lang);
          g_assert_cmpfloat_with_epsilon (clean[j].probability, noisy[j].probability, 1e-12);
        }
    }
}

static void
test_confidence (void)
{
  const char *long_text =
    "Guten Tag, ich habe vor zwei Wochen eine Waschmaschine bei Ihnen bestellt und "
    "bis heute keine Versandbestätigung erhalten. Könnten Sie bitte nachsehen, was "
    "mit meiner Bestellung los ist, und mir Bescheid geben, wann ich mit der "
    "Lieferung rechnen kann? Vielen Dank im Voraus.";
  double c_long = 0.0, c_short = 0.0, c_two = 0.0;

  g_assert_cmpint (parley_langid_detect (long_text, -1, &c_long), ==, PARLEY_LANG_DE);
  g_assert_cmpint (parley_langid_detect ("danke", -1, &c_short), ==, PARLEY_LANG_DE);
  g_assert_cmpint (parley_langid_detect ("danke schön", -1, &c_two), ==, PARLEY_LANG_DE);
  g_assert_cmpfloat (c_long, >, 0.99);
  g_assert_cmpfloat (c_long, >, c_short);
  g_assert_cmpfloat (c_long, >, c_two);

  /* the same holds in every language */
  {
    static const char * const cases[][3] = {
      { "en", "thanks", "Thanks a lot for your help yesterday, the replacement arrived this morning and works perfectly." },
      { "es", "hola", "Hola, quería saber si ya enviaron mi pedido, porque lo necesito antes del fin de semana." },
      { "fr", "merci", "Bonjour, je voudrais savoir si ma commande a bien été expédiée, j'en ai besoin avant samedi." },
      { "zh", "好", "你好，我想问一下我的订单什么时候能发货，周末之前需要用。" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        ParleyLang lang = parley_lang_from_string (cases[i][0]);

        g_assert_cmpint (parley_langid_detect (cases[i][1], -1, &c_short), ==, lang);
        g_assert_cmpint (parley_langid_detect (cases[i][2], -1, &c_long), ==, lang);
        g_assert_cmpfloat (c_long, >, c_short);
        g_assert_cmpfloat (c_long, >, 0.95);
      }
  }
}

static void
assert_rank_valid (const char *text,
                   gssize      len)
{
  ParleyLangGuess guesses[PARLEY_N_LANGS + 2];
  ParleyLangGuess top[2];
  double confidence = 0.0;
  ParleyLang detected = parley_langid_detect (text, len, &confidence);
  guint n = parley_langid_rank (text, len, guesses, G_N_ELEMENTS (guesses));
  double sum = 0.0;

  g_assert_cmpuint (n, <=, PARLEY_N_LANGS);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (guesses[i].lang, <, PARLEY_N_LANGS);
      g_assert_cmpfloat (guesses[i].probability, >, 0.0);
      g_assert_cmpfloat (guesses[i].probability, <=, 1.0);
      if (i > 0)
        {
          g_assert_cmpfloat (guesses[i].probability, <=, guesses[i - 1].probability);
          for (guint j = 0; j < i; j++)
            g_assert_cmpint (guesses[i].lang, !=, guesses[j].lang);
        }
      sum += guesses[i].probability;
    }
  g_assert_cmpfloat (sum, <=, 1.0);

  /* detect() agrees with the top guess */
  if (n > 0)
    {
      g_assert_cmpfloat_with_epsilon (confidence, guesses[0].probability, 1e-9);
      if (detected != PARLEY_LANG_UNKNOWN)
        g_assert_cmpint (detected, ==, guesses[0].lang);
    }
  else
    {
      g_assert_cmpint (detected, ==, PARLEY_LANG_UNKNOWN);
    }

  /* fewer slots give a prefix of the same list */
  if (n > 0)
    {
      guint m = parley_langid_rank (text, len, top, 2);

      g_assert_cmpuint (m, ==, MIN (n, 2));
      for (guint i = 0; i < m; i++)
        {
          g_assert_cmpint (top[i].lang, ==, guesses[i].lang);
          g_assert_cmpfloat_with_epsilon (top[i].probability, guesses[i].probability, 1e-12);
        }
    }
}

static void
test_rank (void)
{
  static const char * const texts[] = {
    "hola", "ok", "no", "taxi", "pizza", "refund please", "où est ma commande",
    "The quick brown fox jumps over the lazy dog.",
    "Ich möchte meine Bestellung stornieren.",
    "我的订单 order KE-123456 还没到 please help",
    "iPhone 15 Pro Max", "Привет, my order is late", "日本語のテキストです",
    "xqzv", "a", "é", "ß", "l'", "c'est",
  };
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  double sum = 0.0;
  guint n;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_rank_valid (texts[i], -1);

  /* Latin text gets the four Latin languages, summing to 1 */
  n = parley_langid_rank ("merci beaucoup", -1, guesses, PARLEY_N_LANGS);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (guesses[0].lang, ==, PARLEY_LANG_FR);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (guesses[i].lang, !=, PARLEY_LANG_ZH);
      sum += guesses[i].probability;
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);

  /* no room, no guesses */
  g_assert_cmpuint (parley_langid_rank ("merci beaucoup", -1, guesses, 0), ==, 0);
  g_assert_cmpuint (parley_langid_rank ("merci beaucoup", -1, NULL, 3), ==, 0);
  n = parley_langid_rank ("merci beaucoup", -1, guesses, 1);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (guesses[0].lang, ==, PARLEY_LANG_FR);
}

static void
test_invalid_utf8 (void)
{
  static const char * const garbage[] = {
    "\xff\xfe\xfd",
    "\xc3",                       /* truncated two-byte sequence */
    "\xe4\xb8",                   /* truncated Han character */
    "\xc0\xaf\xe0\x80\xaf",       /* overlong encodings */
    "\xed\xa0\x80\xed\xbf\xbf",   /* UTF-16 surrogates */
    "\xf4\x90\x80\x80",           /* beyond U+10FFFF */
    "\x80\x80\x80\x80\x80\x80",   /* lone continuation bytes */
    "caf\xc3",                    /* truncated at the end */
    "\xf0\x9f\x98",               /* truncated emoji */
  };
  double confidence;

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    assert_rank_valid (garbage[i], -1);

  /* invalid bytes separate words and change nothing else */
  g_assert_cmpint (parley_langid_detect ("gracias\xffpor\xfe" "todo", -1, &confidence), ==, PARLEY_LANG_ES);
  g_assert_cmpint (parley_langid_detect ("\x80\x80vielen\xc0 Dank\xe4\xb8", -1, &confidence), ==, PARLEY_LANG_DE);
  {
    double clean = 0.0, dirty = 0.0;

    parley_langid_detect ("where is my parcel", -1, &clean);
    parley_langid_detect ("where\xff is\xc3 my \xe4\xb8parcel\x80", -1, &dirty);
    g_assert_cmpfloat_with_epsilon (clean, dirty, 1e-12);
  }

  /* embedded nul bytes with an explicit length are separators too */
  {
    static const char text[] = "merci\0beaucoup\0pour\0tout";

    g_assert_cmpint (parley_langid_detect (text, sizeof text - 1, &confidence), ==, PARLEY_LANG_FR);
    assert_rank_valid (text, sizeof text - 1);
  }

  /* an explicit length stops there, even mid-character */
  g_assert_cmpint (parley_langid_detect ("hola amigos\xe4\xb8\xad\xe6\x96\x87", 11, &confidence), ==, PARLEY_LANG_ES);
  assert_rank_valid ("\xe4\xb8\xad\xe6\x96\x87", 4);

  /* random bytes never crash */
  {
    g_autoptr(GRand) rand = g_rand_new_with_seed (4711);
    guint8 buffer[512];

    for (guint round = 0; round < 2000; round++)
      {
        gsize len = g_rand_int_range (rand, 0, sizeof buffer);

        for (gsize i = 0; i < len; i++)
          buffer[i] = (guint8) g_rand_int_range (rand, 0, 256);
        assert_rank_valid ((const char *) buffer, len);
      }
  }
}

static char *
make_long_text (gsize min_bytes)
{
  const char *paragraph =
    "Sehr geehrte Damen und Herren, leider ist meine Bestellung bis heute nicht "
    "angekommen, obwohl die Sendungsverfolgung seit Tagen „zugestellt“ anzeigt. "
    "Bitte prüfen Sie, wo das Paket geblieben ist, und schicken Sie mir Ersatz. ";
  GString *text = g_string_sized_new (min_bytes + strlen (paragraph));

  while (text->len < min_bytes)
    g_string_append (text, paragraph);
  return g_string_free (text, FALSE);
}

static void
test_long_text (void)
{
  g_autofree char *text = make_long_text (4 * 1024 * 1024);
  gsize len = strlen (text);
  double confidence = 0.0;
  guint rounds = 200;
  gint64 start, elapsed;
  double mb_per_s;

  g_assert_cmpint (parley_langid_detect (text, -1, &confidence), ==, PARLEY_LANG_DE);
  g_assert_cmpfloat (confidence, >, 0.99);
  g_assert_cmpint (parley_langid_detect (text, len, &confidence), ==, PARLEY_LANG_DE);

  /* only the start of a long text is looked at */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    g_assert_cmpint (parley_langid_detect (text, len, NULL), ==, PARLEY_LANG_DE);
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  mb_per_s = (double) len * rounds / elapsed;   /* bytes per µs = MB/s */
  g_test_message ("long text (%.1f MB): %.0f MB/s, %.1f µs per call",
                  len / 1e6, mb_per_s, (double) elapsed / rounds);
  g_assert_cmpfloat (mb_per_s, >=, 20.0);

  /* …and the first 2,000 characters decide */
  {
    g_autoptr(GString) mixed = g_string_new (NULL);

    while (g_utf8_strlen (mixed->str, -1) < 2100)
      g_string_append (mixed, "Where is my order? It should have arrived last week. ");
    g_string_append (mixed, text);
    g_assert_cmpint (parley_langid_detect (mixed->str, -1, NULL), ==, PARLEY_LANG_EN);
  }
}

/* Throughput on texts that are looked at in full: the held-out sentences. */
static void
test_throughput (void)
{
  g_autofree char *path = test_source_path ("tests", "data", "langid", "test.tsv", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *paragraph = make_long_text (6000);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  gsize bytes = 0;
  guint rounds = 50;
  gint64 start, elapsed;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');

      if (lines[i][0] != '#' && tab != NULL)
        {
          g_ptr_array_add (texts, (gpointer) (tab + 1));
          bytes += strlen (tab + 1);
        }
    }

  start = g_get_monotonic_time ();
  for (guint r = 0; r < rounds; r++)
    {
      for (guint i = 0; i < texts->len; i++)
        parley_langid_detect (g_ptr_array_index (texts, i), -1, NULL);
    }
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  g_test_message ("held-out sentences (%u, %zu bytes): %.1f MB/s, %.2f µs per call",
                  texts->len, bytes, (double) bytes * rounds / elapsed,
                  (double) elapsed / (rounds * texts->len));

  /* a text just under the 2,000 character window, read in full */
  paragraph[g_utf8_offset_to_pointer (paragraph, 1990) - paragraph] = '\0';
  start = g_get_monotonic_time ();
  for (guint r = 0; r < 2000; r++)
    parley_langid_detect (paragraph, -1, NULL);
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  g_test_message ("1,990-character text (%zu bytes): %.1f MB/s",
                  strlen (paragraph), (double) strlen (paragraph) * 2000 / elapsed);
}

typedef struct {
  GPtrArray  *texts;
  ParleyLang *expected;
  gboolean    ok;
} ThreadData;

static gpointer
detect_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  data->ok = TRUE;
  for (guint round = 0; round < 20; round++)
    {
      for (guint i = 0; i < data->texts->len; i++)
        {
          if (parley_langid_detect (g_ptr_array_index (data->texts, i), -1, NULL) != data->expected[i])
            data->ok = FALSE;
        }
    }
  return NULL;
}

static void
test_threads (void)
{
  static const char * const texts[] = {
    "hola", "danke schön", "où est ma commande", "refund please", "退货",
    "我的iPhone坏了", "ありがとう", "", "KE-123456", "mein iPhone 15 Pro ist kaputt",
  };
  g_autoptr(GPtrArray) array = g_ptr_array_new ();
  ParleyLang expected[G_N_ELEMENTS (texts)];
  ThreadData data[4];
  GThread *threads[G_N_ELEMENTS (data)];

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_ptr_array_add (array, (gpointer) texts[i]);
      expected[i] = parley_langid_detect (texts[i], -1, NULL);
    }

  for (guint t = 0; t < G_N_ELEMENTS (data); t++)
    {
      data[t] = (ThreadData) { array, expected, FALSE };
      threads[t] = g_thread_new ("langid", detect_thread, &data[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (data); t++)
    {
      g_thread_join (threads[t]);
      g_assert_true (data[t].ok);
    }
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/langid/heldout", test_heldout);
  g_test_add_func ("/langid/short", test_short);
  g_test_add_func ("/langid/script", test_script);
  g_test_add_func ("/langid/empty", test_empty);
  g_test_add_func ("/langid/noise", test_noise);
  g_test_add_func ("/langid/confidence", test_confidence);
  g_test_add_func ("/langid/rank", test_rank);
  g_test_add_func ("/langid/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/langid/long-text", test_long_text);
  g_test_add_func ("/langid/throughput", test_throughput);
  g_test_add_func ("/langid/threads", test_threads);

  return g_test_run ();
}
