/* parley-fts-tokenizer.h — Parley's analyser as an SQLite FTS5 tokenizer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"
#include "parley-store.h"

G_BEGIN_DECLS

#define PARLEY_FTS_TOKENIZER "parley"

gboolean  parley_fts_tokenizer_register (ParleyStore     *store,
                                         GError         **error);
GStrv     parley_fts_query_terms        (ParleyAnalyzer  *analyzer,
                                         ParleyLang       lang,
                                         const char      *query);

G_END_DECLS
