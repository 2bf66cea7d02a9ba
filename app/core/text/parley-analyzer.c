/* parley-analyzer.c — ICU segmentation, folding, stop words and Snowball stemming
 *
 * One pipeline for documents and queries, so both sides meet on the same
 * terms:
 *
 *   UTF-8 → UTF-16 → ICU word break iterator (dictionary segmentation for
 *   Chinese) → case folding (full: ß → ss) → NFD, drop nonspacing marks
 *   (é → e) → French/Catalan elisions (l'adresse → adresse) → stop words →
 *   Snowball stemmer of the language (en, es, fr, de).
 *
 * Chinese words of three or more Han characters also emit their character
 * bigrams, so that a query segmented differently from the document (退货运费
 * vs 退货 运费) still meets it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include <libstemmer.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "parley-analyzer.h"

#define MAX_TERM_UNITS 64   /* longer "words" (hashes, junk) are truncated */

struct _ParleyAnalyzer
{
  UBreakIterator     *words[PARLEY_N_LANGS];
  UBreakIterator     *sentences[PARLEY_N_LANGS];
  struct sb_stemmer  *stemmers[PARLEY_N_LANGS];
  const UNormalizer2 *nfd;

  UChar              *utext;
  gint32              utext_cap;
  GString            *scratch;

  gboolean            keep_stopwords;   /* off by default: see set_keep_stopwords */
};

static const char * const icu_locales[PARLEY_N_LANGS] = { "en", "es", "zh", "fr", "de" };
static const char * const snowball_names[PARLEY_N_LANGS] = { "english", "spanish", NULL, "french", "german" };

ParleyAnalyzer *
parley_analyzer_new (void)
{
  ParleyAnalyzer *self = g_new0 (ParleyAnalyzer, 1);
  UErrorCode status = U_ZERO_ERROR;

  self->nfd = unorm2_getNFDInstance (&status);
  if (U_FAILURE (status))
    g_error ("ICU NFD normaliser unavailable: %s", u_errorName (status));
  self->scratch = g_string_sized_new (64);
  return self;
}

void
parley_analyzer_free (ParleyAnalyzer *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    {
      g_clear_pointer (&self->words[i], ubrk_close);
      g_clear_pointer (&self->sentences[i], ubrk_close);
      g_clear_pointer (&self->stemmers[i], sb_stemmer_delete);
    }
  g_free (self->utext);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

/**
 * parley_analyzer_set_keep_stopwords:
 *
 * With @keep set, stop words are emitted (folded and stemmed like any other
 * word) instead of dropped. Off by default, which is what indexing and
 * queries use; the sentiment scorer turns it on because negators ("not",
 * "pas", "nicht", "不") are stop words. Nothing else about the output
 * changes, so PARLEY_ANALYZER_VERSION does not depend on it.
 */
void
parley_analyzer_set_keep_stopwords (ParleyAnalyzer *self,
                                    gboolean        keep)
{
  g_return_if_fail (self != NULL);
  self->keep_stopwords = !!keep;
}

gboolean
parley_analyzer_get_keep_stopwords (ParleyAnalyzer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->keep_stopwords;
}

static ParleyLang
effective_lang (ParleyLang lang)
{
  return (guint) lang < PARLEY_N_LANGS ? lang : PARLEY_LANG_EN;
}

/* Converts @text into self->utext; invalid UTF-8 becomes U+FFFD. */
static gint32
load_text (ParleyAnalyzer *self,
           const char     *text,
           gssize          len)
{
  UErrorCode status = U_ZERO_ERROR;
  gint32 ulen = 0;

  if (len < 0)
    len = strlen (text);
  if (len > G_MAXINT32 / 2)
    len = G_MAXINT32 / 2;

  if (self->utext_cap < (gint32) len + 1)
    {
      self->utext_cap = MAX ((gint32) len + 1, 256);
      self->utext = g_renew (UChar, self->utext, self->utext_cap);
    }

  /* UTF-16 never needs more code units than UTF-8 has bytes. */
  u_strFromUTF8WithSub (self->utext, self->utext_cap, &ulen, text, (gint32) len,
                        0xFFFD, NULL, &status);
  if (U_FAILURE (status))
    return 0;
  return ulen;
}

static UBreakIterator *
get_iter (ParleyAnalyzer    *self,
          UBreakIteratorType type,
          ParleyLang         lang,
          gint32             ulen)
{
  UBreakIterator **slot = type == UBRK_WORD ? &self->words[lang] : &self->sentences[lang];
  UErrorCode status = U_ZERO_ERROR;

  if (*slot == NULL)
    {
      *slot = ubrk_open (type, icu_locales[lang], NULL, 0, &status);
      if (U_FAILURE (status))
        g_error ("ICU break iterator for %s unavailable: %s", icu_locales[lang], u_errorName (status));
    }

  ubrk_setText (*slot, self->utext, ulen, &status);
  if (U_FAILURE (status))
    return NULL;
  return *slot;
}

static struct sb_stemmer *
get_stemmer (ParleyAnalyzer *self,
             ParleyLang      lang)
{
  if (snowball_names[lang] == NULL)
    return NULL;
  if (self->stemmers[lang] == NULL)
    self->stemmers[lang] = sb_stemmer_new (snowball_names[lang], "UTF_8");
  return self->stemmers[lang];
}

static inline gboolean
is_han (UChar32 c)
{
  return u_hasBinaryProperty (c, UCHAR_IDEOGRAPHIC);
}

/* Case-fold and strip accents of one word into @out (UTF-16). */
static gint32
fold_word (ParleyAnalyzer *self,
           const UChar    *word,
           gint32          n,
           UChar          *out,
           gint32          out_cap)
{
  UChar folded[MAX_TERM_UNITS * 3];
  UChar decomposed[MAX_TERM_UNITS * 4];
  UErrorCode status = U_ZERO_ERROR;
  gint32 nf, nd, o = 0;
  gboolean ascii = TRUE;

  for (gint32 i = 0; i < n; i++)
    if (word[i] >= 0x80)
      {
        ascii = FALSE;
        break;
      }

  if (ascii)
    {
      for (gint32 i = 0; i < n && o < out_cap; i++)
        out[o++] = (word[i] >= 'A' && word[i] <= 'Z') ? word[i] + 32 : word[i];
      return o;
    }

  nf = u_strFoldCase (folded, G_N_ELEMENTS (folded), word, n, U_FOLD_CASE_DEFAULT, &status);
  if (U_FAILURE (status) || nf > (gint32) G_N_ELEMENTS (folded))
    return 0;
  nd = unorm2_normalize (self->nfd, folded, nf, decomposed, G_N_ELEMENTS (decomposed), &status);
  if (U_FAILURE (status))
    return 0;

  for (gint32 i = 0; i < nd && o < out_cap - 1;)
    {
      UChar32 c;

      U16_NEXT (decomposed, i, nd, c);
      if (u_charType (c) == U_NON_SPACING_MARK)
        continue;
      switch (c)
        {
        case 0x0153: /* œ */
          out[o++] = 'o';
          out[o++] = 'e';
          continue;
        case 0x00E6: /* æ */
          out[o++] = 'a';
          out[o++] = 'e';
          continue;
        case 0x00F8: /* ø */
          c = 'o';
          break;
        case 0x2019: /* ’ */
        case 0x02BC:
          c = '\'';
          break;
        default:
          break;
        }
      if (U16_LENGTH (c) > out_cap - o)
        break;
      U16_APPEND_UNSAFE (out, o, c);
    }

  return o;
}

typedef struct {
  ParleyAnalyzer *self;
  ParleyLang      lang;
  ParleyTermFunc  func;
  gpointer        user_data;
  guint           n_terms;
} EmitState;

static void
emit_utf16 (EmitState   *st,
            const UChar *term,
            gint32       n,
            gboolean     stem)
{
  ParleyAnalyzer *self = st->self;
  char buf[MAX_TERM_UNITS * 4 + 4];
  gint32 blen = 0;
  UErrorCode status = U_ZERO_ERROR;
  struct sb_stemmer *stemmer;

  if (n <= 0)
    return;

  u_strToUTF8 (buf, sizeof buf - 1, &blen, term, n, &status);
  if (U_FAILURE (status) || blen <= 0 || blen >= (gint32) sizeof buf)
    return;
  buf[blen] = '\0';

  if (!self->keep_stopwords && parley_analyzer_is_stopword (st->lang, buf))
    return;

  if (stem && (stemmer = get_stemmer (self, st->lang)) != NULL)
    {
      const sb_symbol *s = sb_stemmer_stem (stemmer, (const sb_symbol *) buf, blen);

      if (s != NULL)
        {
          gint32 slen = sb_stemmer_length (stemmer);

          g_string_truncate (self->scratch, 0);
          g_string_append_len (self->scratch, (const char *) s, slen);
          st->n_terms++;
          st->func (self->scratch->str, self->scratch->len, st->user_data);
          return;
        }
    }

  st->n_terms++;
  st->func (buf, blen, st->user_data);
}

static const char * const elisions[] = { "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu" };

/* Splits French elisions; otherwise drops apostrophes (customer's → customers). */
static gint32
strip_apostrophes (ParleyLang  lang,
                   UChar      *w,
                   gint32      n)
{
  gint32 o = 0;

  for (gint32 i = 0; i < n; i++)
    {
      if (w[i] != '\'')
        continue;

      if (lang == PARLEY_LANG_FR || lang == PARLEY_LANG_ES)
        {
          for (guint e = 0; e < G_N_ELEMENTS (elisions); e++)
            {
              gint32 elen = (gint32) strlen (elisions[e]);
              gboolean match = elen == i;

              for (gint32 k = 0; match && k < elen; k++)
                match = w[k] == (UChar) elisions[e][k];
              if (match)
                {
                  memmove (w, w + i + 1, (n - i - 1) * sizeof (UChar));
                  return strip_apostrophes (lang, w, n - i - 1);
                }
            }
        }
      break;
    }

  /* English possessive: keep the word, the stemmer handles the ending. */
  for (gint32 i = 0; i < n; i++)
    if (w[i] != '\'' || lang == PARLEY_LANG_EN)
      w[o++] = w[i];
  return o;
}

/* Character bigrams of a maximal run of Han characters, across ICU's word
 * boundaries: dictionary segmentation misses domain words (退货 comes out as
 * 退 + 货), bigrams do not. */
static void
flush_han_run (EmitState   *st,
               const UChar *run,
               gint32       n)
{
  gint32 prev = 0, i = 0;
  UChar32 c;

  if (n <= 0)
    return;
  U16_NEXT (run, i, n, c);
  while (i < n)
    {
      gint32 start = prev;

      prev = i;
      U16_NEXT (run, i, n, c);
      emit_utf16 (st, run + start, i - start, FALSE);
    }
}

static void
emit_word (EmitState   *st,
           const UChar *word,
           gint32       n,
           gint32       status)
{
  UChar folded[MAX_TERM_UNITS * 2];
  gint32 nf;

  if (n > MAX_TERM_UNITS)
    n = MAX_TERM_UNITS;

  if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT)
    {
      /* Han words of two characters are emitted as bigrams of their run
       * (flush_han_run); single characters and longer words as themselves. */
      if (u_countChar32 (word, n) != 2)
        emit_utf16 (st, word, n, FALSE);
      return;
    }

  if (status >= UBRK_WORD_KANA && status < UBRK_WORD_KANA_LIMIT)
    {
      emit_utf16 (st, word, n, FALSE);
      return;
    }

  nf = fold_word (st->self, word, n, folded, G_N_ELEMENTS (folded));
  nf = strip_apostrophes (st->lang, folded, nf);
  if (nf == 0)
    return;

  /* Numbers are kept as they are ("30", "ke", "123456"); letters are stemmed. */
  emit_utf16 (st, folded, nf, status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT);
}

guint
parley_analyzer_analyze (ParleyAnalyzer *self,
                         ParleyLang      lang,
                         const char     *text,
                         gssize          len,
                         ParleyTermFunc  func,
                         gpointer        user_data)
{
  EmitState st = { self, effective_lang (lang), func, user_data, 0 };
  UBreakIterator *it;
  gint32 ulen, start;
  gint32 run_start = 0, run_end = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  if (text == NULL || len == 0)
    return 0;
  if ((ulen = load_text (self, text, len)) == 0)
    return 0;
  if ((it = get_iter (self, UBRK_WORD, st.lang, ulen)) == NULL)
    return 0;

  /* Latin words in Chinese text get English stemming. */
  start = ubrk_first (it);
  for (gint32 end = ubrk_next (it); end != UBRK_DONE; start = end, end = ubrk_next (it))
    {
      gint32 status = ubrk_getRuleStatus (it);
      gboolean han = status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT &&
                     is_han (self->utext[start]);

      if (han && run_end == start)
        run_end = end;
      else
        {
          flush_han_run (&st, self->utext + run_start, run_end - run_start);
          run_start = han ? start : 0;
          run_end = han ? end : 0;
        }

      if (status < UBRK_WORD_NONE_LIMIT)
        continue;

      if (st.lang == PARLEY_LANG_ZH && status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT)
        {
          EmitState en = st;

          en.lang = PARLEY_LANG_EN;
          emit_word (&en, self->utext + start, end - start, status);
          st.n_terms = en.n_terms;
        }
      else
        emit_word (&st, self->utext + start, end - start, status);
    }
  flush_han_run (&st, self->utext + run_start, run_end - run_start);

  return st.n_terms;
}

static void
collect_term (const char *term,
              gsize       len,
              gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strndup (term, len));
}

/**
 * parley_analyzer_terms:
 *
 * Returns: (transfer full): the terms of @text, in order, repeats kept
 */
GPtrArray *
parley_analyzer_terms (ParleyAnalyzer *self,
                       ParleyLang      lang,
                       const char     *text,
                       gssize          len)
{
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);

  parley_analyzer_analyze (self, lang, text, len, collect_term, terms);
  return terms;
}

static guint
count_range (UBreakIterator *it,
             const UChar    *utext,
             gint32          from,
             gint32          to)
{
  guint n = 0;
  gint32 start;

  /* Position the iterator at @from, then count words up to @to. */
  start = ubrk_isBoundary (it, from) ? from : ubrk_preceding (it, from);
  for (gint32 end = ubrk_following (it, start); end != UBRK_DONE && start < to; start = end, end = ubrk_next (it))
    {
      gint32 status = ubrk_getRuleStatus (it);

      if (status < UBRK_WORD_NONE_LIMIT)
        continue;
      if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT)
        n += u_countChar32 (utext + start, end - start);
      else if (status >= UBRK_WORD_KANA && status < UBRK_WORD_KANA_LIMIT)
        n += u_countChar32 (utext + start, end - start);
      else
        n++;
    }
  return n;
}

guint
parley_analyzer_count_tokens (ParleyAnalyzer *self,
                              ParleyLang      lang,
                              const char     *text,
                              gssize          len)
{
  UBreakIterator *it;
  gint32 ulen;

  g_return_val_if_fail (self != NULL, 0);

  if (text == NULL || len == 0)
    return 0;
  if ((ulen = load_text (self, text, len)) == 0)
    return 0;
  if ((it = get_iter (self, UBRK_WORD, effective_lang (lang), ulen)) == NULL)
    return 0;
  return count_range (it, self->utext, 0, ulen);
}

guint
parley_analyzer_sentences (ParleyAnalyzer     *self,
                           ParleyLang          lang,
                           const char         *text,
                           gssize              len,
                           ParleySentenceFunc  func,
                           gpointer            user_data)
{
  UBreakIterator *sit, *wit;
  UErrorCode status = U_ZERO_ERROR;
  gint32 ulen, start;
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  lang = effective_lang (lang);
  if (text == NULL || len == 0)
    return 0;
  if ((ulen = load_text (self, text, len)) == 0)
    return 0;
  if ((sit = get_iter (self, UBRK_SENTENCE, lang, ulen)) == NULL)
    return 0;
  if ((wit = get_iter (self, UBRK_WORD, lang, ulen)) == NULL)
    return 0;

  start = ubrk_first (sit);
  for (gint32 end = ubrk_next (sit); end != UBRK_DONE; start = end, end = ubrk_next (sit))
    {
      char *buf;
      gint32 blen = 0;
      gint32 s = start, e = end;
      guint n_tokens;

      /* Trim white space at both ends. */
      while (s < e && u_isUWhiteSpace (self->utext[s]))
        s++;
      while (e > s && u_isUWhiteSpace (self->utext[e - 1]))
        e--;
      if (s == e)
        continue;

      n_tokens = count_range (wit, self->utext, s, e);

      status = U_ZERO_ERROR;
      u_strToUTF8 (NULL, 0, &blen, self->utext + s, e - s, &status);
      status = U_ZERO_ERROR;
      buf = g_malloc (blen + 1);
      u_strToUTF8 (buf, blen + 1, &blen, self->utext + s, e - s, &status);
      if (U_SUCCESS (status))
        {
          buf[blen] = '\0';
          func (buf, blen, n_tokens, user_data);
          n++;
        }
      g_free (buf);
    }

  return n;
}

char *
parley_fold_for_matching (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);
  g_autofree char *normal = g_utf8_normalize (lower, -1, G_NORMALIZE_NFD);
  GString *out = g_string_new (NULL);

  for (const char *p = normal; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}
