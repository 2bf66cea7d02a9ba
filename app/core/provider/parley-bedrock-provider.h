/* parley-bedrock-provider.h — AWS Bedrock as the provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-bedrock-client.h"
#include "parley-provider.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_BEDROCK_PROVIDER (parley_bedrock_provider_get_type ())
G_DECLARE_FINAL_TYPE (ParleyBedrockProvider, parley_bedrock_provider, PARLEY, BEDROCK_PROVIDER, GObject)

ParleyBedrockProvider *parley_bedrock_provider_new        (ParleyBedrockClient   *client,
                                                           const ParleyConfig    *config);
ParleyBedrockClient   *parley_bedrock_provider_get_client (ParleyBedrockProvider *self);

G_END_DECLS
