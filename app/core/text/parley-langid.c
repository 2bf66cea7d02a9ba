/* parley-langid.c — language identification among en, es, zh, fr, de
 *
 * Multinomial naive Bayes over character 1–4 grams of lowercased words padded
 * with a boundary mark (" word "), plus one feature per short frequent word.
 * The model is trained at build time by parley-langid-train from
 * data/langid/<lang>.txt and compiled in as parley-langid-model.h: sorted
 * hashed features with per-language log-probabilities (int16, relative to
 * the best language for that feature, so only differences are stored).
 *
 * Script shortcuts come first:
 *   - Han characters dominate → zh (each counts as three letters, and
 *     capitalised Latin words, mostly brand names, count half beside them,
 *     so a product name does not outweigh a Chinese sentence); kana-heavy text is
 *     Japanese → unknown, with a low confidence;
 *   - another script (Cyrillic, Hangul, Arabic, …) dominates → unknown;
 *   - Latin text → naive Bayes among en, es, fr and de (with zh as a fifth
 *     class only when some Han characters are mixed in).
 *
 * Tokens that say nothing about the language are skipped before features
 * are extracted: anything with a digit (order ids like KE-123456, prices,
 * model numbers), e-mail addresses, URLs, paths and identifiers.  Invalid
 * UTF-8 bytes are separators.  Only the first LANGID_MAX_CHARS code points
 * are looked at, and nothing is allocated: the scan keeps its state on the
 * stack and the model is read-only, so calls are thread-safe.
 *
 * parley_langid_detect_in_context() adds a conversation: the previous
 * language is sticky and the locale hint a prior for short texts (the
 * rules are documented above the function).
 *
 * The feature extraction is shared with the trainer, which includes this
 * file with PARLEY_LANGID_TRAINER defined, so that training and detection
 * can never disagree about what a feature is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include <math.h>
#include <string.h>

#include "parley-langid.h"

#define LANGID_MAX_CHARS         2000  /* code points looked at */
#define LANGID_MAX_CHUNK         96    /* longer unbroken tokens are skipped */
#define LANGID_MAX_WORD          48    /* longer words are truncated */
#define LANGID_MAX_GRAM          4
#define LANGID_MAX_WORD_FEATURES (LANGID_MAX_GRAM * (LANGID_MAX_WORD + 2) + 1)
#define LANGID_WORD_FEATURE_MAX  12    /* longest word that gets a word feature */
#define LANGID_HAN_WEIGHT        3     /* a Han or kana character counts as three letters */

#define LANGID_HASH_OFFSET       0x811c9dc5u
#define LANGID_HASH_PRIME        0x01000193u
#define LANGID_HASH_WORD_SEED    0x5bd1e995u

typedef enum {
  LANGID_FEATURE_GRAM1,
  LANGID_FEATURE_GRAM2,
  LANGID_FEATURE_GRAM3,
  LANGID_FEATURE_GRAM4,
  LANGID_FEATURE_WORD,
  LANGID_N_FEATURE_TYPES,
} LangidFeatureType;

typedef enum {
  LANGID_CHAR_SPACE,   /* separates tokens: white space, most punctuation, invalid bytes */
  LANGID_CHAR_PUNCT,   /* punctuation that may sit inside a token: . - / @ : _ … */
  LANGID_CHAR_APOS,    /* ' and ’, kept inside words (l'adresse, don't) */
  LANGID_CHAR_DIGIT,
  LANGID_CHAR_MARK,    /* combining mark, composed with the letter before it */
  LANGID_CHAR_LATIN,
  LANGID_CHAR_OTHER,   /* a letter of another script: Cyrillic, Hangul, Greek, … */
  LANGID_CHAR_HAN,
  LANGID_CHAR_KANA,
} LangidCharClass;

typedef struct _LangidScan LangidScan;

/* Called once per word (or run of Han characters) with its features. */
typedef void (*LangidFeatureFunc) (LangidScan    *scan,
                                   const guint32 *hashes,
                                   const guint8  *types,
                                   guint          n_features,
                                   gboolean       han);

struct _LangidScan
{
  LangidFeatureFunc feature;
  gpointer          user_data;

  /* letters in the words that were kept, by script */
  guint             n_latin;
  guint             n_latin_capital;  /* of those, in words starting with a capital */
  guint             n_latin_words;
  guint             n_han;
  guint             n_kana;
  guint             n_other;

  /* model scores (detection only), kept apart for Latin words and Han runs */
  guint             n_hits;
  gint64            latin_sums[PARLEY_N_LANGS];
  gint64            han_sums[PARLEY_N_LANGS];
};

/* ASCII classes: letters, digits, token-internal punctuation, the rest separates. */
static const guint8 ascii_classes[128] = {
  ['0' ... '9'] = LANGID_CHAR_DIGIT,
  ['A' ... 'Z'] = LANGID_CHAR_LATIN,
  ['a' ... 'z'] = LANGID_CHAR_LATIN,
  ['\''] = LANGID_CHAR_APOS,
  ['.'] = LANGID_CHAR_PUNCT, ['-'] = LANGID_CHAR_PUNCT, ['/'] = LANGID_CHAR_PUNCT,
  ['@'] = LANGID_CHAR_PUNCT, [':'] = LANGID_CHAR_PUNCT, ['_'] = LANGID_CHAR_PUNCT,
  ['#'] = LANGID_CHAR_PUNCT, ['%'] = LANGID_CHAR_PUNCT, ['&'] = LANGID_CHAR_PUNCT,
  ['+'] = LANGID_CHAR_PUNCT, ['='] = LANGID_CHAR_PUNCT, ['?'] = LANGID_CHAR_PUNCT,
  ['~'] = LANGID_CHAR_PUNCT, ['\\'] = LANGID_CHAR_PUNCT, ['$'] = LANGID_CHAR_PUNCT,
  ['*'] = LANGID_CHAR_PUNCT,
};

static LangidCharClass
langid_char_class (gunichar c)
{
  if (c < 0x80)
    return ascii_classes[c];

  if (c == 0x2019 || c == 0x02BC)   /* ’ ʼ */
    return LANGID_CHAR_APOS;
  if (g_unichar_ismark (c))
    return LANGID_CHAR_MARK;
  if (g_unichar_isdigit (c))
    return LANGID_CHAR_DIGIT;
  if (!g_unichar_isalpha (c))
    return LANGID_CHAR_SPACE;
  if (c < 0x250)                    /* Latin-1 Supplement, Latin Extended-A and -B */
    return LANGID_CHAR_LATIN;

  switch (g_unichar_get_script (c))
    {
    case G_UNICODE_SCRIPT_LATIN:
      return LANGID_CHAR_LATIN;
    case G_UNICODE_SCRIPT_HAN:
      return LANGID_CHAR_HAN;
    case G_UNICODE_SCRIPT_HIRAGANA:
    case G_UNICODE_SCRIPT_KATAKANA:
      return LANGID_CHAR_KANA;
    case G_UNICODE_SCRIPT_COMMON:
    case G_UNICODE_SCRIPT_INHERITED:
      /* ー and friends are only written in Japanese */
      return (c >= 0x3000 && c < 0x3100) ? LANGID_CHAR_KANA : LANGID_CHAR_SPACE;
    default:
      return LANGID_CHAR_OTHER;
    }
}

static inline gunichar
langid_tolower (gunichar c)
{
  if (c < 0x80)
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
  if (c == 0x2019 || c == 0x02BC)
    return '\'';
  return g_unichar_tolower (c);
}

static inline guint32
langid_hash_finish (guint32 h)
{
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Features of one lowercased word (or run of Han characters): its 1–4 grams
 * padded with a boundary mark, and the word itself if it is short. */
static void
langid_emit_word (LangidScan     *scan,
                  const gunichar *word,
                  guint           n_word,
                  gboolean        han)
{
  gunichar padded[LANGID_MAX_WORD + 2];
  guint32 hashes[LANGID_MAX_WORD_FEATURES];
  guint8 types[LANGID_MAX_WORD_FEATURES];
  guint n_padded = n_word + 2;
  guint n_features = 0;

  padded[0] = ' ';
  memcpy (padded + 1, word, n_word * sizeof (gunichar));
  padded[n_word + 1] = ' ';

  for (guint i = 0; i < n_padded; i++)
    {
      guint32 state = LANGID_HASH_OFFSET;

      for (guint n = 1; n <= LANGID_MAX_GRAM && i + n <= n_padded; n++)
        {
          state = (state ^ padded[i + n - 1]) * LANGID_HASH_PRIME;
          if (n == 1 && padded[i] == ' ')
            continue;
          hashes[n_features] = langid_hash_finish (state + n);
          types[n_features] = LANGID_FEATURE_GRAM1 + n - 1;
          n_features++;
        }
    }

  if (!han && n_word <= LANGID_WORD_FEATURE_MAX)
    {
      guint32 state = LANGID_HASH_OFFSET ^ LANGID_HASH_WORD_SEED;

      for (guint i = 0; i < n_word; i++)
        state = (state ^ word[i]) * LANGID_HASH_PRIME;
      hashes[n_features] = langid_hash_finish (state);
      types[n_features] = LANGID_FEATURE_WORD;
      n_features++;
    }

  scan->feature (scan, hashes, types, n_features, han);
}

/* A run of Han or kana characters (Chinese and Japanese have no spaces). */
static void
langid_flush_cjk (LangidScan      *scan,
                  const gunichar  *run,
                  guint            n_run,
                  LangidCharClass  klass)
{
  if (n_run == 0)
    return;

  if (klass == LANGID_CHAR_KANA)
    {
      scan->n_kana += n_run;
      return;
    }

  scan->n_han += n_run;
  langid_emit_word (scan, run, n_run, TRUE);
}

static inline gboolean
langid_is_alnum_class (LangidCharClass klass)
{
  return klass == LANGID_CHAR_LATIN || klass == LANGID_CHAR_OTHER || klass == LANGID_CHAR_DIGIT;
}

/* Whether a token between separators says nothing about the language: it
 * holds a digit (order ids, prices, model numbers), an @ (e-mail addresses,
 * handles), a scheme (https://…) or punctuation between letters that only
 * domains, paths and identifiers have (shop.example, a/b, snake_case). */
static gboolean
langid_chunk_is_noise (const gunichar        *chunk,
                       const LangidCharClass *classes,
                       guint                  n_chunk)
{
  for (guint i = 0; i < n_chunk; i++)
    {
      gunichar c = chunk[i];

      if (classes[i] == LANGID_CHAR_DIGIT || c == '@')
        return TRUE;
      if (classes[i] != LANGID_CHAR_PUNCT || i == 0 || i + 1 >= n_chunk)
        continue;
      if (c == ':' && chunk[i + 1] == '/')
        return TRUE;
      if ((c == '.' || c == '/' || c == '_' || c == '=' || c == ':' || c == '\\') &&
          langid_is_alnum_class (classes[i - 1]) && langid_is_alnum_class (classes[i + 1]))
        return TRUE;
    }

  return FALSE;
}

/* Splits a token into words (letters, combining marks, apostrophes between
 * letters; a change of script ends a word) and emits them. */
static void
langid_flush_chunk (LangidScan            *scan,
                    const gunichar        *chunk,
                    const LangidCharClass *classes,
                    guint                  n_chunk)
{
  gunichar word[LANGID_MAX_WORD];
  guint n_word = 0;      /* code points kept in word[] */
  guint n_letters = 0;   /* letters in the word, kept or not */
  gboolean truncated = FALSE;
  gboolean capital = FALSE;   /* the word starts with a capital letter */
  LangidCharClass word_class = LANGID_CHAR_SPACE;

  if (n_chunk == 0 || langid_chunk_is_noise (chunk, classes, n_chunk))
    return;

  for (guint i = 0; i <= n_chunk; i++)
    {
      LangidCharClass klass = i < n_chunk ? classes[i] : LANGID_CHAR_SPACE;
      gboolean letter = klass == LANGID_CHAR_LATIN || klass == LANGID_CHAR_OTHER;

      if (n_letters > 0)
        {
          if (klass == LANGID_CHAR_MARK)
            {
              gunichar composed;

              if (!truncated && g_unichar_compose (word[n_word - 1], chunk[i], &composed))
                word[n_word - 1] = composed;
              continue;
            }
          if (letter && klass == word_class)
            {
              if (n_word < LANGID_MAX_WORD)
                word[n_word++] = langid_tolower (chunk[i]);
              else
                truncated = TRUE;
              n_letters++;
              continue;
            }
          if (klass == LANGID_CHAR_APOS && i + 1 < n_chunk && classes[i + 1] == word_class &&
              n_word + 1 < LANGID_MAX_WORD)
            {
              word[n_word++] = '\'';
              continue;
            }

          /* the word ends here */
          if (word_class == LANGID_CHAR_LATIN)
            {
              scan->n_latin += n_letters;
              if (capital)
                scan->n_latin_capital += n_letters;
              scan->n_latin_words++;
              langid_emit_word (scan, word, n_word, FALSE);
            }
          else
            {
              scan->n_other += n_letters;
            }
          n_word = 0;
          n_letters = 0;
          truncated = FALSE;
        }

      if (letter)
        {
          word_class = klass;
          capital = g_unichar_isupper (chunk[i]);
          word[n_word++] = langid_tolower (chunk[i]);
          n_letters = 1;
        }
    }
}

static void
langid_scan_text (LangidScan *scan,
                  const char *text,
                  gssize      len)
{
  const char *p = text;
  const char *end = len < 0 ? NULL : text + len;
  gunichar chunk[LANGID_MAX_CHUNK];
  LangidCharClass classes[LANGID_MAX_CHUNK];
  guint n_chunk = 0;
  gboolean chunk_overflow = FALSE;
  gunichar run[LANGID_MAX_WORD];
  guint n_run = 0;
  LangidCharClass run_class = LANGID_CHAR_SPACE;

  for (guint n_chars = 0; n_chars < LANGID_MAX_CHARS; n_chars++)
    {
      gunichar c;
      LangidCharClass klass;

      if (end == NULL ? *p == '\0' : p >= end)
        break;

      if ((guchar) *p < 0x80)
        {
          c = (guchar) *p++;
          klass = c != 0 ? ascii_classes[c] : LANGID_CHAR_SPACE;
        }
      else
        {
          c = g_utf8_get_char_validated (p, end == NULL ? -1 : end - p);
          if (c == (gunichar) -1 || c == (gunichar) -2)
            {
              /* an invalid or truncated sequence: skip one byte, as a separator */
              p++;
              klass = LANGID_CHAR_SPACE;
            }
          else
            {
              p = g_utf8_next_char (p);
              klass = langid_char_class (c);
            }
        }

      if (klass == LANGID_CHAR_HAN || klass == LANGID_CHAR_KANA)
        {
          if (!chunk_overflow)
            langid_flush_chunk (scan, chunk, classes, n_chunk);
          n_chunk = 0;
          chunk_overflow = FALSE;

          if (n_run > 0 && (klass != run_class || n_run == LANGID_MAX_WORD))
            {
              langid_flush_cjk (scan, run, n_run, run_class);
              n_run = 0;
            }
          run_class = klass;
          run[n_run++] = c;
          continue;
        }

      /* a combining mark on a Han character changes nothing */
      if (klass == LANGID_CHAR_MARK && n_run > 0)
        continue;

      langid_flush_cjk (scan, run, n_run, run_class);
      n_run = 0;

      if (klass == LANGID_CHAR_SPACE)
        {
          if (!chunk_overflow)
            langid_flush_chunk (scan, chunk, classes, n_chunk);
          n_chunk = 0;
          chunk_overflow = FALSE;
        }
      else if (n_chunk < LANGID_MAX_CHUNK)
        {
          chunk[n_chunk] = c;
          classes[n_chunk] = klass;
          n_chunk++;
        }
      else
        {
          chunk_overflow = TRUE;
        }
    }

  langid_flush_cjk (scan, run, n_run, run_class);
  if (!chunk_overflow)
    langid_flush_chunk (scan, chunk, classes, n_chunk);
}

#ifndef PARLEY_LANGID_TRAINER

/* One feature of the model: its hash and its log-probability in each
 * language, relative to the best language, in 1/LANGID_MODEL_SCALE nats.
 * Sorted by hash; langid_model_buckets[b] is the first entry whose hash
 * starts with the LANGID_MODEL_BUCKET_BITS bits of b. */
typedef struct {
  guint32 hash;
  gint16  logp[PARLEY_N_LANGS];
} LangidModelEntry;

#include "parley-langid-model.h"

#define LANGID_FOREIGN_ZH_WEIGHT 0.1   /* zh probability of Japanese text, per Han share */

static inline const LangidModelEntry *
langid_model_lookup (guint32 hash)
{
  guint bucket = hash >> (32 - LANGID_MODEL_BUCKET_BITS);

  /* about one entry per bucket: a linear scan beats a binary search */
  for (guint i = langid_model_buckets[bucket]; i < langid_model_buckets[bucket + 1]; i++)
    {
      if (langid_model_entries[i].hash >= hash)
        return langid_model_entries[i].hash == hash ? &langid_model_entries[i] : NULL;
    }
  return NULL;
}

static void
langid_score_features (LangidScan    *scan,
                       const guint32 *hashes,
                       const guint8  *types,
                       guint          n_features,
                       gboolean       han)
{
  gint32 sums[PARLEY_N_LANGS] = { 0 };
  guint n_hits = 0;

  for (guint i = 0; i < n_features; i++)
    {
      const LangidModelEntry *entry = langid_model_lookup (hashes[i]);

      if (entry == NULL)
        continue;
      n_hits++;
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        sums[l] += entry->logp[l];
    }

  scan->n_hits += n_hits;
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (han)
        scan->han_sums[l] += sums[l];
      else
        scan->latin_sums[l] += sums[l];
    }
}

typedef struct {
  double   probs[PARLEY_N_LANGS];  /* sum to <= 1 */
  gboolean foreign;                /* mostly Japanese or another script */
  double   evidence;               /* letters the verdict rests on, a Han character counting three */
  double   words;                  /* Latin words, plus one per two Han characters */
} LangidResult;

/* probs[l] = share × softmax (score / T) over the languages in @active. */
static void
langid_softmax (const LangidScan *scan,
                const gboolean    active[PARLEY_N_LANGS],
                gboolean          with_han,
                double            share,
                double            probs[PARLEY_N_LANGS])
{
  double scores[PARLEY_N_LANGS];
  double best = -G_MAXDOUBLE;
  double total = 0.0;

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (!active[l])
        continue;
      scores[l] = (double) scan->latin_sums[l];
      if (with_han)
        scores[l] += (double) scan->han_sums[l];
      scores[l] /= LANGID_MODEL_SCALE * LANGID_MODEL_TEMPERATURE;
      best = MAX (best, scores[l]);
    }

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (!active[l])
        continue;
      scores[l] = exp (scores[l] - best);
      total += scores[l];
    }

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (active[l])
        probs[l] += share * scores[l] / total;
    }
}

static void
langid_classify (const char   *text,
                 gssize        len,
                 LangidResult *result)
{
  static const gboolean latin_langs[PARLEY_N_LANGS] = {
    [PARLEY_LANG_EN] = TRUE, [PARLEY_LANG_ES] = TRUE, [PARLEY_LANG_FR] = TRUE, [PARLEY_LANG_DE] = TRUE,
  };
  static const gboolean all_langs[PARLEY_N_LANGS] = { TRUE, TRUE, TRUE, TRUE, TRUE };
  LangidScan scan = { .feature = langid_score_features };
  double cjk, latin, total, supported;
  guint n_cjk;

  memset (result, 0, sizeof *result);
  if (text == NULL || len == 0)
    return;

  langid_scan_text (&scan, text, len);

  n_cjk = scan.n_han + scan.n_kana;
  cjk = (double) LANGID_HAN_WEIGHT * n_cjk;
  latin = scan.n_latin;
  /* Latin words in Chinese or Japanese text are mostly brand and product
   * names ("Nike Air Force 1有38码吗"): capitalised ones count half there */
  if (n_cjk > 0)
    latin -= 0.5 * scan.n_latin_capital;
  total = cjk + latin + scan.n_other;
  if (total == 0.0)
    return;   /* no letters: empty, digits, punctuation, emoji, noise tokens */
  result->evidence = cjk + latin;
  result->words = scan.n_latin_words + 0.5 * scan.n_han;

  if (2.0 * cjk >= total)
    {
      double p_zh;

      if (5 * scan.n_kana >= n_cjk)
        {
          /* kana-heavy: Japanese, which Parley does not speak */
          result->foreign = TRUE;
          result->probs[PARLEY_LANG_ZH] = LANGID_FOREIGN_ZH_WEIGHT * scan.n_han / n_cjk;
          return;
        }

      /* Chinese; one or two characters could still be a Japanese word */
      p_zh = 1.0 - 0.25 / scan.n_han;
      p_zh *= 1.0 - (double) scan.n_kana / n_cjk;
      p_zh = MIN (p_zh, 0.999);
      result->probs[PARLEY_LANG_ZH] = p_zh;

      /* what remains goes to the Latin words around it (product names, a
       * "thanks"), in proportion to their share of the letters */
      if (scan.n_latin > 0)
        langid_softmax (&scan, latin_langs, FALSE,
                        (1.0 - p_zh) * scan.n_latin / (scan.n_latin + scan.n_other), result->probs);
      return;
    }

  result->foreign = 2.0 * scan.n_other > total;
  if (scan.n_hits == 0)
    return;   /* letters, but nothing the model has seen */

  supported = (cjk + latin) / total;
  if (scan.n_han > 0)
    langid_softmax (&scan, all_langs, TRUE, supported, result->probs);
  else
    langid_softmax (&scan, latin_langs, FALSE, supported, result->probs);
}

/* Language indices sorted by falling probability (ties in enum order). */
static void
langid_sort (const double probs[PARLEY_N_LANGS],
             guint        order[PARLEY_N_LANGS])
{
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    {
      guint j = i;

      while (j > 0 && probs[order[j - 1]] < probs[i])
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = i;
    }
}

/**
 * parley_langid_detect:
 * @text: (nullable): UTF-8 text; invalid bytes are treated as separators
 * @len: length of @text in bytes, or -1 if it is nul-terminated
 * @confidence: (out) (optional): the posterior probability of the answer
 *
 * Guesses the language of @text among en, es, zh, fr and de.  Short texts
 * still get a best guess, with the lower confidence they deserve.  Only the
 * first 2,000 characters of long texts are looked at.
 *
 * Returns %PARLEY_LANG_UNKNOWN with @confidence 0 for text without letters
 * (empty, white space, digits, order ids, URLs), and with a low @confidence
 * (the probability of the best of the five, below 0.5) for text mostly in
 * kana or in another script.
 *
 * Returns: the most probable language
 */
ParleyLang
parley_langid_detect (const char *text,
                      gssize      len,
                      double     *confidence)
{
  LangidResult result;
  guint order[PARLEY_N_LANGS];
  double best;

  langid_classify (text, len, &result);
  langid_sort (result.probs, order);
  best = result.probs[order[0]];

  if (confidence != NULL)
    *confidence = best;

  if (best <= 0.0 || result.foreign)
    return PARLEY_LANG_UNKNOWN;
  return (ParleyLang) order[0];
}

/**
 * parley_langid_rank:
 * @text: (nullable): UTF-8 text, as for parley_langid_detect()
 * @len: length of @text in bytes, or -1 if it is nul-terminated
 * @guesses: (out caller-allocates) (array length=n_guesses): where to store the guesses
 * @n_guesses: room in @guesses
 *
 * Fills @guesses with up to @n_guesses languages of non-zero probability,
 * most probable first.  The probabilities are posteriors: they sum to 1
 * when the whole text is in a supported script, and to less when part of
 * it is not (or when Han characters could also be Japanese).
 *
 * Returns: the number of guesses stored, 0 for text without letters
 */
guint
parley_langid_rank (const char      *text,
                    gssize           len,
                    ParleyLangGuess *guesses,
                    guint            n_guesses)
{
  LangidResult result;
  guint order[PARLEY_N_LANGS];
  guint n = 0;
  double sum = 0.0;

  if (guesses == NULL)
    return 0;

  langid_classify (text, len, &result);
  langid_sort (result.probs, order);

  for (guint i = 0; i < PARLEY_N_LANGS && n < n_guesses; i++)
    {
      if (result.probs[order[i]] <= 0.0)
        break;
      guesses[n].lang = (ParleyLang) order[i];
      guesses[n].probability = result.probs[order[i]];
      sum += guesses[n].probability;
      n++;
    }

  /* rounding must not push the sum over 1 */
  while (n > 0 && sum > 1.0)
    {
      guesses[0].probability -= sum - 1.0;
      sum = 0.0;
      for (guint i = 0; i < n; i++)
        sum += guesses[i].probability;
    }

  return n;
}

/* Sticky detection (parley_langid_detect_in_context()):
 *
 * A text "clearly" switches away from the conversation's language when
 *   - it is not short: at least LANGID_CLEAR_MIN_WORDS words (a Chinese
 *     word counted as two Han characters) and LANGID_CLEAR_MIN_EVIDENCE
 *     letters of evidence (a Han character counts three, capitalised
 *     product names in Han text half), so "OK", "ok gracias" or "super
 *     service" never switch but "gracias por todo" or "我想问一下退货" can, and
 *   - the bare classifier's posterior of its best language exceeds that of
 *     the previous language by at least LANGID_CLEAR_MARGIN.
 * Otherwise the previous language stays.  The locale hint is a prior, used
 * only for short texts: its language's posterior
 * is multiplied by LANGID_HINT_ODDS before renormalising; long texts speak
 * for themselves.  The confidence reported is the posterior of the answer
 * once the priors are applied (the previous language's weighed
 * LANGID_PREVIOUS_ODDS times the others'). */
#define LANGID_CLEAR_MIN_WORDS    3.0
#define LANGID_CLEAR_MIN_EVIDENCE 12.0
#define LANGID_CLEAR_MARGIN       0.6
#define LANGID_HINT_ODDS          4.0
#define LANGID_PREVIOUS_ODDS      9.0

/**
 * parley_langid_detect_in_context:
 * @text: (nullable): nul-terminated UTF-8 text; invalid bytes are separators
 * @previous: the conversation's language so far, or %PARLEY_LANG_UNKNOWN
 * @locale_hint: the customer's locale (browser, account), or %PARLEY_LANG_UNKNOWN
 * @confidence: (out) (optional): the posterior of the answer, priors applied
 *
 * Like parley_langid_detect(), but for a message in a conversation: the
 * conversation's language is sticky, and changes only when @text is
 * clearly in another language: at least three words (a Chinese word
 * counted as two Han characters) and 12 letters of evidence (a Han
 * character counting three), and a posterior margin of 0.6 over @previous.
 * With no @previous, @locale_hint is a prior (odds 4:1) for shorter texts.
 *
 * Text without letters (empty, emoji, order numbers) keeps @previous, or
 * else takes @locale_hint, with @confidence 0.  Text mostly in kana or
 * another script gives %PARLEY_LANG_UNKNOWN, as parley_langid_detect() does.
 *
 * Returns: the language to answer in
 */
ParleyLang
parley_langid_detect_in_context (const char *text,
                                 ParleyLang  previous,
                                 ParleyLang  locale_hint,
                                 double     *confidence)
{
  LangidResult result;
  double weighted[PARLEY_N_LANGS];
  double total = 0.0;
  guint order[PARLEY_N_LANGS];
  ParleyLang best, answer;
  gboolean is_short;

  if ((guint) previous >= PARLEY_N_LANGS)
    previous = PARLEY_LANG_UNKNOWN;
  if ((guint) locale_hint >= PARLEY_N_LANGS)
    locale_hint = PARLEY_LANG_UNKNOWN;

  langid_classify (text, -1, &result);
  langid_sort (result.probs, order);
  best = (ParleyLang) order[0];

  if (result.foreign)
    {
      if (confidence != NULL)
        *confidence = result.probs[best];
      return PARLEY_LANG_UNKNOWN;
    }

  if (result.probs[best] <= 0.0)
    {
      /* no evidence at all */
      if (confidence != NULL)
        *confidence = 0.0;
      return previous != PARLEY_LANG_UNKNOWN ? previous : locale_hint;
    }

  is_short = result.words < LANGID_CLEAR_MIN_WORDS || result.evidence < LANGID_CLEAR_MIN_EVIDENCE;
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      weighted[l] = result.probs[l];
      if (is_short && l == (guint) locale_hint)
        weighted[l] *= LANGID_HINT_ODDS;
      if (l == (guint) previous)
        weighted[l] *= LANGID_PREVIOUS_ODDS;
      total += weighted[l];
    }

  if (previous != PARLEY_LANG_UNKNOWN)
    {
      gboolean clear_switch = best != previous && !is_short &&
                              result.probs[best] - result.probs[previous] >= LANGID_CLEAR_MARGIN;

      answer = clear_switch ? best : previous;
    }
  else
    {
      langid_sort (weighted, order);
      answer = (ParleyLang) order[0];
    }

  if (confidence != NULL)
    *confidence = total > 0.0 ? weighted[answer] / total : 0.0;
  return answer;
}

#endif /* PARLEY_LANGID_TRAINER */
