/* parley-response-cache.h — which questions may be answered from the cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"

G_BEGIN_DECLS

/* The cache key of a FAQ-type question: SHA-256 of the language, the KB's
 * generation, the model and the question's analysed terms (folded,
 * stemmed, stop words out, in order), so that "How do I return an item?"
 * and "how to return items" share an answer. NULL when the question must
 * never be answered from a cache: it names an order, a number, an e-mail
 * address, or the customer's own account or order ("my order", "mi
 * pedido", "ma commande", "meine Bestellung", "我的订单" …). */
char *parley_response_cache_key (ParleyAnalyzer *analyzer,
                                 ParleyLang      lang,
                                 const char     *question,
                                 const char     *model,
                                 gint64          kb_generation);

G_END_DECLS
