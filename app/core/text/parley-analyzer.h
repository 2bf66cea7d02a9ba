/* parley-analyzer.h — per-language text analysis for indexing and queries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-types.h"

G_BEGIN_DECLS

/* Bump when analysis output changes: stored indexes must then be rebuilt. */
#define PARLEY_ANALYZER_VERSION 1

/* @term is NUL-terminated, valid only during the call. */
typedef void (*ParleyTermFunc)     (const char *term,
                                    gsize       len,
                                    gpointer    user_data);
/* @sentence is NUL-terminated, valid only during the call; @n_tokens is its
 * length in tokens (words, numbers, and one per CJK character). */
typedef void (*ParleySentenceFunc) (const char *sentence,
                                    gsize       len,
                                    guint       n_tokens,
                                    gpointer    user_data);

/* Not thread-safe: use one analyzer per thread. */
ParleyAnalyzer *parley_analyzer_new            (void);
void            parley_analyzer_free           (ParleyAnalyzer     *self);
guint           parley_analyzer_analyze        (ParleyAnalyzer     *self,
                                                ParleyLang          lang,
                                                const char         *text,
                                                gssize              len,
                                                ParleyTermFunc      func,
                                                gpointer            user_data);
GPtrArray      *parley_analyzer_terms          (ParleyAnalyzer     *self,
                                                ParleyLang          lang,
                                                const char         *text,
                                                gssize              len);
guint           parley_analyzer_sentences      (ParleyAnalyzer     *self,
                                                ParleyLang          lang,
                                                const char         *text,
                                                gssize              len,
                                                ParleySentenceFunc  func,
                                                gpointer            user_data);
guint           parley_analyzer_count_tokens   (ParleyAnalyzer     *self,
                                                ParleyLang          lang,
                                                const char         *text,
                                                gssize              len);
gboolean        parley_analyzer_is_stopword    (ParleyLang          lang,
                                                const char         *folded);
/* @text lower-cased with its combining marks dropped ("Rücksendung" →
 * "rucksendung", "envío" → "envio"), for matching phrases customers type
 * with or without accents; not the analyser's terms (no ICU, no stems). */
char           *parley_fold_for_matching       (const char         *text);
/* Default FALSE (stop words dropped); does not change the output otherwise. */
void            parley_analyzer_set_keep_stopwords (ParleyAnalyzer *self,
                                                    gboolean        keep);
gboolean        parley_analyzer_get_keep_stopwords (ParleyAnalyzer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyAnalyzer, parley_analyzer_free)

G_END_DECLS
