/* parley-history.h — a conversation's history, cut to a token budget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"
#include "parley-store.h"

G_BEGIN_DECLS

/* The messages a model gets: the first one (how the customer opened the
 * conversation: often the order, the product, the problem) and then the
 * latest ones, newest kept first, as long as all of them together stay
 * within @budget tokens. Order is preserved. If the first and the last
 * message alone exceed the budget, both are still kept: without them
 * there is no turn to answer.
 *
 * Returns: (transfer container): borrowed ParleyMessageRecord pointers */
GPtrArray *parley_history_truncate (GPtrArray      *messages,
                                    guint           budget,
                                    ParleyAnalyzer *analyzer);

G_END_DECLS
