/* parley-openai-provider.h — any OpenAI-compatible server as the provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-config.h"
#include "parley-provider.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_OPENAI_PROVIDER (parley_openai_provider_get_type ())
G_DECLARE_FINAL_TYPE (ParleyOpenaiProvider, parley_openai_provider, PARLEY, OPENAI_PROVIDER, GObject)

ParleyOpenaiProvider *parley_openai_provider_new (const ParleyConfig *config);

G_END_DECLS
