/* parley-sentiment.c — lexicon sentiment per message and over a conversation
 *
 * A VADER-like scorer (Hutto & Gilbert 2014) with one lexicon per language
 * (data/sentiment/<lang>.txt, compiled in as resources). Lexicon lines are
 *
 *   useless -2.5            a word or phrase and its valence, -4 … +4
 *   !negate not             a negator
 *   !boost very 0.293       an intensifier (> 0) or diminisher (< 0)
 *   !contrast but           a "but"-like word
 *   !break and              a word that ends a negation/intensifier scope
 *
 * Entries are analysed at load with the project's analyser (stop words
 * kept, since negators are stop words), so "Satisfied" in a message and
 * "satisfied" in the lexicon meet on the same stem. Chinese entries are kept
 * as written and Han runs of a message are segmented by forward maximum
 * matching against them: the analyser's Chinese output adds overlapping
 * bigrams after the words of a run, for retrieval recall, which loses the
 * order negation needs. Latin words in Chinese text use the English lexicon.
 *
 * Scoring, per message:
 *   - the message is cut into clauses at , ; : . ! ? (and their CJK forms)
 *     and at "!break" words (and, und, et, y, because …); phrases are matched
 *     longest first inside a clause;
 *   - each valence v gets, from each intensifier among the 3 tokens before
 *     it in its clause, v += sign(v)·b·(1, 0.95, 0.9 by distance); a word in
 *     ALL CAPS (two letters or more) adds sign(v)·0.733;
 *   - a negator among the 3 tokens before it in its clause makes v ×= -0.74
 *     (flip and damp, once). In French and German the negator also follows
 *     the verb ("ça ne marche pas", "es funktioniert nicht"): a negator with
 *     no valence word in the 3 tokens after it negates the positive words in
 *     the 2 tokens before it;
 *   - with a contrast word, valences before the last one count ×0.5 and
 *     after it ×1.5 ("fast, but the item was broken" is negative);
 *   - emoji carry a valence of their own (a small table below);
 *   - the sum x gets sign(x)·0.292 per "!" (at most 4) and is normalised to
 *     x/√(x²+15), in [-1, 1].
 *
 * Label: negative < -0.25 ≤ neutral ≤ 0.25 < positive.
 * Trend: the slope of the least-squares line through the last n scores
 * against their message index, in score per message (< 0: getting worse).
 * Escalation: the newest score ≤ -0.6, or the last two both ≤ -0.4.
 *
 * Text that is not valid UTF-8 scores 0; only the first 64 KiB of a message
 * are scored. Not thread-safe, like the analyser it owns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "parley-error.h"
#include "parley-resources.h"
#include "parley-sentiment.h"

#define SCOPE         3       /* tokens a negator or intensifier reaches */
#define POST_SCOPE    2       /* tokens a French/German negator reaches back */
#define NEGATE_SCALAR -0.74
#define CAPS_INCR     0.733
#define EXCL_INCR     0.292
#define MAX_EXCL      4
#define ALPHA         15.0
#define MAX_PHRASE    4       /* terms (Latin) or characters × 2 (Han) */
#define MAX_HAN       8
#define MAX_TEXT      (64 * 1024)  /* longer messages are scored on their start */

typedef enum {
  KIND_VALENCE,
  KIND_NEGATE,
  KIND_BOOST,
  KIND_CONTRAST,
  KIND_BREAK,
} Kind;

typedef struct {
  Kind   kind;
  double value;
} Entry;

typedef struct {
  GHashTable *entries;   /* analysed key ("term term") → Entry */
  guint       max_len;   /* longest key, in terms (Latin) or characters (Han) */
  guint       n_scored;
} Lexicon;

struct _ParleySentiment
{
  /* owned */
  ParleyAnalyzer *analyzer;
  Lexicon         lexicons[PARLEY_N_LANGS];
  gboolean        loaded[PARLEY_N_LANGS];
};

typedef struct {
  char          *key;      /* analysed term, Han word or NULL (emoji) */
  const Lexicon *lex;
  guint          clause;
  gboolean       caps;
  double         emoji;    /* valence of an emoji token */
  /* filled by matching */
  const Entry   *entry;
  guint          span;     /* tokens the match covers (0: inside another) */
} Token;

static const struct {
  gunichar c;
  double   v;
} emoji_valence[] = {
  { 0x1F600, 2.0 }, { 0x1F601, 2.0 }, { 0x1F602, 1.5 }, { 0x1F603, 2.0 },
  { 0x1F604, 2.0 }, { 0x1F605, 1.0 }, { 0x1F606, 2.0 }, { 0x1F609, 1.5 },
  { 0x1F60A, 2.0 }, { 0x1F60D, 2.5 }, { 0x1F618, 2.0 }, { 0x1F642, 1.5 },
  { 0x1F643, -0.5 }, { 0x1F917, 2.0 }, { 0x1F929, 2.5 }, { 0x1F970, 2.5 },
  { 0x263A, 2.0 }, { 0x1F44D, 2.0 }, { 0x1F44F, 2.0 }, { 0x1F64F, 1.5 },
  { 0x2764, 2.5 }, { 0x1F496, 2.5 }, { 0x1F495, 2.5 }, { 0x2705, 1.0 },
  { 0x1F389, 2.0 }, { 0x2B50, 1.5 }, { 0x1F31F, 1.5 }, { 0x1F4AF, 1.5 },
  { 0x1F44C, 1.5 }, { 0x1F60E, 1.5 },
  { 0x1F610, -0.3 }, { 0x1F611, -0.5 }, { 0x1F612, -1.5 }, { 0x1F613, -1.0 },
  { 0x1F614, -1.5 }, { 0x1F615, -1.0 }, { 0x1F616, -2.0 }, { 0x1F61E, -2.0 },
  { 0x1F61F, -1.5 }, { 0x1F620, -2.5 }, { 0x1F621, -3.0 }, { 0x1F622, -2.0 },
  { 0x1F623, -2.0 }, { 0x1F624, -2.5 }, { 0x1F625, -1.5 }, { 0x1F628, -2.0 },
  { 0x1F629, -2.0 }, { 0x1F62B, -2.0 }, { 0x1F62D, -2.5 }, { 0x1F630, -2.0 },
  { 0x1F631, -2.0 }, { 0x1F644, -1.5 }, { 0x1F641, -1.5 }, { 0x2639, -1.5 },
  { 0x1F92C, -3.0 }, { 0x1F92E, -2.5 }, { 0x1F44E, -2.0 }, { 0x1F494, -2.5 },
  { 0x1F4A9, -2.0 }, { 0x274C, -1.0 }, { 0x1F926, -1.5 },
};

static double
emoji_lookup (gunichar c)
{
  for (guint i = 0; i < G_N_ELEMENTS (emoji_valence); i++)
    if (emoji_valence[i].c == c)
      return emoji_valence[i].v;
  return 0.0;
}

static inline gboolean
is_han (gunichar c)
{
  return g_unichar_get_script (c) == G_UNICODE_SCRIPT_HAN;
}

static inline gboolean
is_clause_end (gunichar c)
{
  switch (c)
    {
    case ',': case ';': case ':': case '.': case '!': case '?': case '\n':
    case 0xFF0C: case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF1B:
    case 0xFF1A: case 0x3001: case 0x2026:
      return TRUE;
    default:
      return FALSE;
    }
}

static inline gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;
}

static void
lexicon_clear (Lexicon *lex)
{
  g_clear_pointer (&lex->entries, g_hash_table_unref);
  lex->max_len = 0;
  lex->n_scored = 0;
}

void
parley_sentiment_free (ParleySentiment *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    lexicon_clear (&self->lexicons[i]);
  parley_analyzer_free (self->analyzer);
  g_free (self);
}

ParleySentiment *
parley_sentiment_new (void)
{
  ParleySentiment *self = g_new0 (ParleySentiment, 1);

  self->analyzer = parley_analyzer_new ();
  parley_analyzer_set_keep_stopwords (self->analyzer, TRUE);
  return self;
}

/* The lexicon key of a Latin phrase: its analysed terms joined by spaces. */
static char *
analyse_key (ParleySentiment *self,
             ParleyLang       lang,
             const char      *phrase,
             guint           *n_terms)
{
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (self->analyzer, lang, phrase, -1);

  *n_terms = terms->len;
  if (terms->len == 0)
    return NULL;
  g_ptr_array_add (terms, NULL);
  return g_strjoinv (" ", (char **) terms->pdata);
}

static gboolean
has_han (const char *s)
{
  for (; *s != '\0'; s = g_utf8_next_char (s))
    if (is_han (g_utf8_get_char (s)))
      return TRUE;
  return FALSE;
}

static gboolean
parse_number (const char *s,
              double     *out)
{
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);

  if (end == s || *end != '\0' || !isfinite (v) || fabs (v) > 10.0)
    return FALSE;
  *out = v;
  return TRUE;
}

/**
 * parley_sentiment_load_lexicon:
 *
 * Adds the entries of @text (the format in the file comment) to the lexicon
 * of @lang; later entries replace earlier ones with the same key.
 *
 * Returns: FALSE with @error set on invalid UTF-8 or a malformed line
 */
gboolean
parley_sentiment_load_lexicon (ParleySentiment *self,
                               ParleyLang       lang,
                               const char      *text,
                               gssize           len,
                               GError         **error)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  Lexicon *lex;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if ((guint) lang >= PARLEY_N_LANGS)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED, "No sentiment lexicon for language %d", lang);
      return FALSE;
    }
  if (len < 0)
    len = strlen (text);
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING, "Sentiment lexicon is not valid UTF-8");
      return FALSE;
    }

  lex = &self->lexicons[lang];
  if (lex->entries == NULL)
    lex->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      g_autofree char *key = NULL;
      char *phrase = line;
      Entry e = { KIND_VALENCE, 0.0 };
      guint n = 0;

      if (*line == '\0' || *line == '#')
        continue;

      if (*line == '!')
        {
          char *sp = strpbrk (line, " \t");

          if (sp == NULL)
            goto malformed;
          *sp = '\0';
          phrase = g_strstrip (sp + 1);
          if (g_str_equal (line, "!negate"))
            e.kind = KIND_NEGATE;
          else if (g_str_equal (line, "!contrast"))
            e.kind = KIND_CONTRAST;
          else if (g_str_equal (line, "!boost"))
            e.kind = KIND_BOOST;
          else if (g_str_equal (line, "!break"))
            e.kind = KIND_BREAK;
          else
            goto malformed;
        }

      if (e.kind == KIND_VALENCE || e.kind == KIND_BOOST)
        {
          char *sp = strrchr (phrase, ' ');
          char *tab = strrchr (phrase, '\t');

          if (tab > sp)
            sp = tab;
          if (sp == NULL || !parse_number (sp + 1, &e.value))
            goto malformed;
          *sp = '\0';
          g_strstrip (phrase);
        }
      if (*phrase == '\0')
        goto malformed;

      if (lang == PARLEY_LANG_ZH && has_han (phrase))
        {
          key = g_utf8_normalize (phrase, -1, G_NORMALIZE_NFC);
          n = g_utf8_strlen (key, -1);
          if (n > MAX_HAN)
            goto malformed;
        }
      else
        {
          key = analyse_key (self, lang == PARLEY_LANG_ZH ? PARLEY_LANG_EN : lang, phrase, &n);
          if (key == NULL)
            continue;   /* nothing left after analysis (punctuation) */
          if (n > MAX_PHRASE)
            goto malformed;
        }

      lex->max_len = MAX (lex->max_len, n);
      {
        const Entry *old = g_hash_table_lookup (lex->entries, key);

        if (old != NULL && old->kind == KIND_VALENCE && old->value != 0.0)
          lex->n_scored--;
        if (e.kind == KIND_VALENCE && e.value != 0.0)
          lex->n_scored++;
      }
      g_hash_table_replace (lex->entries, g_steal_pointer (&key), g_memdup2 (&e, sizeof e));
      continue;

    malformed:
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "Sentiment lexicon line %u is malformed", i + 1);
      return FALSE;
    }

  self->loaded[lang] = TRUE;
  return TRUE;
}

static Lexicon *
get_lexicon (ParleySentiment *self,
             ParleyLang       lang)
{
  if (!self->loaded[lang])
    {
      g_autofree char *path = g_strdup_printf ("/org/parley/sentiment/%s.txt", parley_lang_to_string (lang));
      g_autoptr(GBytes) bytes = g_resource_lookup_data (parley_get_resource (), path,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : "";

      if (!parley_sentiment_load_lexicon (self, lang, data, len, &error))
        g_warning ("Built-in sentiment lexicon %s: %s", path, error->message);
      self->loaded[lang] = TRUE;
    }
  return &self->lexicons[lang];
}

guint
parley_sentiment_get_n_entries (ParleySentiment *self,
                                ParleyLang       lang)
{
  g_return_val_if_fail (self != NULL, 0);
  if ((guint) lang >= PARLEY_N_LANGS)
    return 0;
  return get_lexicon (self, lang)->n_scored;
}

/* Tokenising */

typedef struct {
  ParleySentiment *self;
  ParleyLang       lang;
  GArray          *tokens;   /* Token */
  guint            clause;
  guint            n_excl;
} Scan;

static void
token_clear (gpointer data)
{
  g_free (((Token *) data)->key);
}

static void
add_term (const char *term,
          gsize       len,
          gpointer    user_data)
{
  Scan *scan = user_data;
  Token t = { 0 };
  ParleyLang lex_lang = scan->lang == PARLEY_LANG_ZH ? PARLEY_LANG_EN : scan->lang;

  t.key = g_strndup (term, len);
  t.lex = get_lexicon (scan->self, lex_lang);
  t.clause = scan->clause;
  g_array_append_val (scan->tokens, t);
}

static void
flush_word (Scan       *scan,
            const char *start,
            const char *end)
{
  guint first = scan->tokens->len;
  guint n_letters = 0, n_upper = 0;

  if (start == NULL || start == end)
    return;

  for (const char *p = start; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalpha (c))
        {
          n_letters++;
          n_upper += g_unichar_isupper (c);
        }
    }

  parley_analyzer_analyze (scan->self->analyzer,
                           scan->lang == PARLEY_LANG_ZH ? PARLEY_LANG_EN : scan->lang,
                           start, end - start, add_term, scan);
  for (guint i = first; i < scan->tokens->len; i++)
    g_array_index (scan->tokens, Token, i).caps = n_letters >= 2 && n_upper == n_letters;
}

/* Forward maximum matching of a Han run against the Chinese lexicon. */
static void
flush_han (Scan       *scan,
           const char *start,
           const char *end)
{
  Lexicon *lex = get_lexicon (scan->self, PARLEY_LANG_ZH);
  g_autofree char *run = NULL;
  const char *p;

  if (start == NULL || start == end)
    return;

  run = g_utf8_normalize (start, end - start, G_NORMALIZE_NFC);
  if (run == NULL)
    return;
  p = run;
  while (*p != '\0')
    {
      guint max = MIN (MAX (lex->max_len, 1), MAX_HAN);
      Token t = { 0 };

      for (guint n = max; n >= 1; n--)
        {
          const char *q = p;
          guint k = 0;

          while (k < n && *q != '\0')
            {
              q = g_utf8_next_char (q);
              k++;
            }
          if (k < n)
            continue;
          t.key = g_strndup (p, q - p);
          if (n == 1 || (lex->entries != NULL && g_hash_table_contains (lex->entries, t.key)))
            {
              p = q;
              break;
            }
          g_clear_pointer (&t.key, g_free);
        }
      t.lex = lex;
      t.clause = scan->clause;
      g_array_append_val (scan->tokens, t);
    }
}

static void
tokenise (Scan       *scan,
          const char *text,
          gsize       len)
{
  const char *end = text + len;
  const char *word = NULL, *han = NULL;

  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean c_han = is_han (c);
      gboolean c_word = !c_han && (g_unichar_isalnum (c) ||
                                   (word != NULL && (g_unichar_ismark (c) || is_apostrophe (c))));
      double ev;

      if (!c_word && word != NULL)
        {
          flush_word (scan, word, p);
          word = NULL;
        }
      if (!c_han && han != NULL)
        {
          flush_han (scan, han, p);
          han = NULL;
        }
      if (c_word)
        {
          if (word == NULL)
            word = p;
          continue;
        }
      if (c_han)
        {
          if (han == NULL)
            han = p;
          continue;
        }

      if (c == '!' || c == 0xFF01)
        scan->n_excl++;
      if (is_clause_end (c))
        scan->clause++;
      else if ((ev = emoji_lookup (c)) != 0.0)
        {
          Token t = { 0 };

          t.emoji = ev;
          t.clause = scan->clause;
          g_array_append_val (scan->tokens, t);
        }
    }
  flush_word (scan, word, end);
  flush_han (scan, han, end);
}

/* Longest phrase match from each token, inside one clause. */
static void
match_entries (GArray *tokens)
{
  GString *key = g_string_new (NULL);

  for (guint i = 0; i < tokens->len;)
    {
      Token *t = &g_array_index (tokens, Token, i);
      guint max;

      t->span = 1;
      if (t->key == NULL || t->lex == NULL || t->lex->entries == NULL)
        {
          i++;
          continue;
        }

      max = MIN (t->lex->max_len, tokens->len - i);
      for (guint n = max; n >= 1; n--)
        {
          const Entry *e;
          gboolean ok = TRUE;

          g_string_assign (key, t->key);
          for (guint k = 1; k < n && ok; k++)
            {
              const Token *u = &g_array_index (tokens, Token, i + k);

              ok = u->key != NULL && u->lex == t->lex && u->clause == t->clause;
              if (ok)
                {
                  g_string_append_c (key, ' ');
                  g_string_append (key, u->key);
                }
            }
          if (!ok || (e = g_hash_table_lookup (t->lex->entries, key->str)) == NULL)
            continue;
          t->entry = e;
          t->span = n;
          for (guint k = 1; k < n; k++)
            g_array_index (tokens, Token, i + k).span = 0;
          break;
        }
      i += t->span;
    }
  g_string_free (key, TRUE);
}

static const char *
tokens_key (const Token *t)
{
  return t->key != NULL ? t->key : "(emoji)";
}

static inline gboolean
is_kind (const Token *t,
         Kind         kind)
{
  return t->span > 0 && t->entry != NULL && t->entry->kind == kind;
}

/* Contrast and break words end the reach of negators and intensifiers. */
static inline gboolean
ends_scope (const Token *t,
            const Token *from)
{
  return t->clause != from->clause || is_kind (t, KIND_CONTRAST) || is_kind (t, KIND_BREAK);
}

static inline double
sign (double v)
{
  return v < 0 ? -1.0 : 1.0;
}

double
parley_sentiment_score (ParleySentiment *self,
                        ParleyLang       lang,
                        const char      *text)
{
  static const double decay[SCOPE] = { 1.0, 0.95, 0.9 };
  g_autoptr(GArray) tokens = NULL;
  g_autofree double *valence = NULL;
  Scan scan = { 0 };
  gsize len;
  gint last_contrast = -1;
  double sum = 0.0;
  gboolean post_negation;

  g_return_val_if_fail (self != NULL, 0.0);

  if (text == NULL)
    return 0.0;
  len = strlen (text);
  if (len == 0 || !g_utf8_validate_len (text, len, NULL))
    return 0.0;
  if (len > MAX_TEXT)
    {
      /* Cut on a character boundary. */
      const char *cut = g_utf8_find_prev_char (text, text + MAX_TEXT + 1);

      len = cut != NULL ? (gsize) (cut - text) : MAX_TEXT;
    }
  if ((guint) lang >= PARLEY_N_LANGS)
    lang = PARLEY_LANG_EN;
  post_negation = lang == PARLEY_LANG_FR || lang == PARLEY_LANG_DE;

  tokens = g_array_new (FALSE, TRUE, sizeof (Token));
  g_array_set_clear_func (tokens, token_clear);
  scan.self = self;
  scan.lang = lang;
  scan.tokens = tokens;
  get_lexicon (self, lang);
  tokenise (&scan, text, len);
  match_entries (tokens);

  valence = g_new0 (double, tokens->len + 1);
  for (guint i = 0; i < tokens->len; i++)
    if (is_kind (&g_array_index (tokens, Token, i), KIND_CONTRAST))
      last_contrast = i;

  for (guint i = 0; i < tokens->len; i++)
    {
      const Token *t = &g_array_index (tokens, Token, i);
      double v;
      guint seen = 0;
      gboolean negated = FALSE;

      if (t->emoji != 0.0)
        {
          valence[i] = t->emoji;
          continue;
        }
      if (!is_kind (t, KIND_VALENCE) || t->entry->value == 0.0)
        continue;

      v = t->entry->value;
      if (t->caps)
        v += sign (v) * CAPS_INCR;

      /* Look back over up to SCOPE tokens (a phrase counts as one) of the clause. */
      for (gint j = (gint) i - 1; j >= 0 && seen < SCOPE; j--)
        {
          const Token *u = &g_array_index (tokens, Token, j);

          if (ends_scope (u, t))
            break;
          if (u->span == 0)
            continue;
          if (is_kind (u, KIND_BOOST))
            v += sign (v) * u->entry->value * decay[seen] * (u->caps ? 1.5 : 1.0);
          else if (is_kind (u, KIND_NEGATE))
            negated = TRUE;
          seen++;
        }
      valence[i] = negated ? v * NEGATE_SCALAR : v;
    }

  /* French and German negators after the verb. */
  for (guint i = 0; post_negation && i < tokens->len; i++)
    {
      const Token *t = &g_array_index (tokens, Token, i);
      gboolean governs_next = FALSE;
      guint seen = 0;

      if (!is_kind (t, KIND_NEGATE))
        continue;
      for (guint j = i + 1; j < tokens->len && seen < SCOPE; j++)
        {
          const Token *u = &g_array_index (tokens, Token, j);

          if (ends_scope (u, t))
            break;
          if (u->span == 0)
            continue;
          if (is_kind (u, KIND_VALENCE))
            {
              governs_next = TRUE;
              break;
            }
          seen++;
        }
      if (governs_next)
        continue;

      seen = 0;
      for (gint j = (gint) i - 1; j >= 0 && seen < POST_SCOPE; j--)
        {
          const Token *u = &g_array_index (tokens, Token, j);
          gboolean pre_negated = FALSE;

          if (ends_scope (u, t) || is_kind (u, KIND_NEGATE))
            break;
          if (u->span == 0)
            continue;
          seen++;
          /* Only positive words: "funktioniert nicht", but "immer noch
           * nicht da" is not praise. */
          if (!is_kind (u, KIND_VALENCE) || valence[j] <= 0.0)
            continue;
          /* Already negated from before ("ne … pas" around it): once only. */
          for (gint k = j - 1; k >= 0 && k >= j - SCOPE; k--)
            {
              const Token *w = &g_array_index (tokens, Token, k);

              if (ends_scope (w, u))
                break;
              pre_negated |= is_kind (w, KIND_NEGATE);
            }
          if (!pre_negated)
            valence[j] *= NEGATE_SCALAR;
        }
    }

  for (guint i = 0; i < tokens->len; i++)
    {
      double v = valence[i];

      if (last_contrast >= 0)
        v *= (gint) i < last_contrast ? 0.5 : 1.5;
      sum += v;
      if (v != 0.0)
        g_debug ("sentiment: %s %+.3f", tokens_key (&g_array_index (tokens, Token, i)), v);
    }

  if (sum != 0.0)
    sum += sign (sum) * EXCL_INCR * MIN (scan.n_excl, MAX_EXCL);

  return CLAMP (sum / sqrt (sum * sum + ALPHA), -1.0, 1.0);
}

ParleySentimentLabel
parley_sentiment_label (double score)
{
  if (score < -PARLEY_SENTIMENT_THRESHOLD)
    return PARLEY_SENTIMENT_NEGATIVE;
  if (score > PARLEY_SENTIMENT_THRESHOLD)
    return PARLEY_SENTIMENT_POSITIVE;
  return PARLEY_SENTIMENT_NEUTRAL;
}

const char *
parley_sentiment_label_to_string (ParleySentimentLabel label)
{
  switch (label)
    {
    case PARLEY_SENTIMENT_NEGATIVE:
      return "neg";
    case PARLEY_SENTIMENT_POSITIVE:
      return "pos";
    case PARLEY_SENTIMENT_NEUTRAL:
    default:
      return "neu";
    }
}

/**
 * parley_sentiment_trend:
 * @scores: message scores, oldest first
 *
 * Returns: the least-squares slope of @scores against their index (score
 *   change per message); 0 with fewer than two scores
 */
double
parley_sentiment_trend (const double *scores,
                        guint         n)
{
  double mean_x, mean_y = 0.0, sxy = 0.0, sxx = 0.0;

  if (scores == NULL || n < 2)
    return 0.0;

  mean_x = (n - 1) / 2.0;
  for (guint i = 0; i < n; i++)
    mean_y += scores[i];
  mean_y /= n;
  for (guint i = 0; i < n; i++)
    {
      sxy += (i - mean_x) * (scores[i] - mean_y);
      sxx += (i - mean_x) * (i - mean_x);
    }
  return sxy / sxx;
}

/**
 * parley_sentiment_is_very_negative:
 * @scores: message scores of a conversation, oldest first
 *
 * Returns: whether the newest message is very negative (≤ -0.6) or the last
 *   two both are negative (≤ -0.4): a reason to escalate
 */
gboolean
parley_sentiment_is_very_negative (const double *scores,
                                   guint         n)
{
  if (scores == NULL || n == 0)
    return FALSE;
  if (scores[n - 1] <= PARLEY_SENTIMENT_VERY_NEGATIVE)
    return TRUE;
  return n >= 2 && scores[n - 1] <= PARLEY_SENTIMENT_NEGATIVE_RUN &&
         scores[n - 2] <= PARLEY_SENTIMENT_NEGATIVE_RUN;
}
