/* parley-prompt.h — the system prompt a model gets for a grounded answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-chat.h"

G_BEGIN_DECLS

/* The request's own system text (if any), the grounding rules in the
 * customer's language, and the passages numbered [1]…[n] with their titles;
 * NULL when there is nothing to say. */
char              *parley_prompt_system  (const ParleyChatRequest *request);
/* A copy of @request whose system text is parley_prompt_system()'s: what a
 * model provider sends. */
ParleyChatRequest *parley_prompt_ground  (const ParleyChatRequest *request);

G_END_DECLS
