/* parley-fts-tokenizer.c — Parley's analyser as an SQLite FTS5 tokenizer
 *
 * So that FTS5 can be measured against Parley's own inverted index on the
 * same terms (issue: "FTS5 with a custom tokenizer or your own index:
 * measure both"). A row is "<lang>\n<text>"; its terms are indexed tagged
 * with their language ("de:rucksend"), as the postings keys of Parley's own
 * index are, so that one table holds five collections. A query is already
 * analysed by the caller (parley_fts_query_terms()) and passed as tagged
 * terms, which the tokenizer takes as they are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-fts"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "parley-fts-tokenizer.h"

#define MAX_TAGGED_TERM 256

typedef struct {
  ParleyAnalyzer *analyzer;
} Tokenizer;

typedef struct {
  void        *ctx;
  int        (*token) (void *, int, const char *, int, int, int);
  const char  *lang;
  int          start;
  int          end;
  int          rc;
} TokenCtx;

static int
tokenizer_create (void        *user_data,
                  const char **args,
                  int          n_args,
                  Fts5Tokenizer **out)
{
  Tokenizer *tok = g_new0 (Tokenizer, 1);

  tok->analyzer = parley_analyzer_new ();
  *out = (Fts5Tokenizer *) tok;
  return SQLITE_OK;
}

static void
tokenizer_delete (Fts5Tokenizer *fts_tok)
{
  Tokenizer *tok = (Tokenizer *) fts_tok;

  parley_analyzer_free (tok->analyzer);
  g_free (tok);
}

static void
emit_term (const char *term,
           gsize       len,
           gpointer    user_data)
{
  TokenCtx *ctx = user_data;
  char tagged[MAX_TAGGED_TERM];
  int n;

  if (ctx->rc != SQLITE_OK)
    return;
  n = g_snprintf (tagged, sizeof tagged, "%s:%.*s", ctx->lang, (int) len, term);
  if (n <= 0 || (gsize) n >= sizeof tagged)
    return;
  ctx->rc = ctx->token (ctx->ctx, 0, tagged, n, ctx->start, ctx->end);
}

static int
tokenizer_tokenize (Fts5Tokenizer *fts_tok,
                    void          *fts_ctx,
                    int            flags,
                    const char    *text,
                    int            len,
                    int          (*token) (void *, int, const char *, int, int, int))
{
  Tokenizer *tok = (Tokenizer *) fts_tok;
  TokenCtx ctx = { fts_ctx, token, NULL, 0, len, SQLITE_OK };
  const char *newline;
  g_autofree char *code = NULL;
  ParleyLang lang;

  if (flags & FTS5_TOKENIZE_QUERY)
    {
      /* Tagged terms, separated by white space. */
      for (int i = 0; i < len && ctx.rc == SQLITE_OK; )
        {
          int start;

          while (i < len && g_ascii_isspace (text[i]))
            i++;
          start = i;
          while (i < len && !g_ascii_isspace (text[i]))
            i++;
          if (i > start)
            ctx.rc = token (fts_ctx, 0, text + start, i - start, start, i);
        }
      return ctx.rc;
    }

  newline = memchr (text, '\n', len);
  if (newline == NULL)
    return SQLITE_OK;
  code = g_strndup (text, newline - text);
  lang = parley_lang_from_string (code);
  if (lang == PARLEY_LANG_UNKNOWN)
    lang = PARLEY_LANG_EN;
  ctx.lang = parley_lang_to_string (lang);
  ctx.start = newline + 1 - text;
  if (!g_utf8_validate (newline + 1, len - ctx.start, NULL))
    return SQLITE_OK;
  parley_analyzer_analyze (tok->analyzer, lang, newline + 1, len - ctx.start, emit_term, &ctx);
  return ctx.rc;
}

static fts5_tokenizer parley_tokenizer = {
  tokenizer_create,
  tokenizer_delete,
  tokenizer_tokenize,
};

/**
 * parley_fts_tokenizer_register:
 *
 * Makes the "parley" tokenizer available to FTS5 tables of @store.
 */
gboolean
parley_fts_tokenizer_register (ParleyStore  *store,
                               GError      **error)
{
  return parley_store_add_fts_tokenizer (store, PARLEY_FTS_TOKENIZER, &parley_tokenizer, NULL, NULL, error);
}

/**
 * parley_fts_query_terms:
 *
 * Returns: (transfer full): the analysed terms of @query, tagged with
 *   @lang, for parley_store_search_fts_terms()
 */
GStrv
parley_fts_query_terms (ParleyAnalyzer *analyzer,
                        ParleyLang      lang,
                        const char     *query)
{
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (analyzer, lang, query, -1);
  GPtrArray *tagged = g_ptr_array_new_full (terms->len + 1, g_free);

  for (guint i = 0; i < terms->len; i++)
    g_ptr_array_add (tagged, g_strconcat (parley_lang_to_string (lang), ":", terms->pdata[i], NULL));
  g_ptr_array_add (tagged, NULL);
  return (GStrv) g_ptr_array_free (tagged, FALSE);
}
