/* parley-providers.c — the provider a configuration names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-provider"

#include "config.h"

#include "parley-aws-config.h"
#include "parley-bedrock-provider.h"
#include "parley-error.h"
#include "parley-local-provider.h"
#include "parley-openai-provider.h"

ParleyProvider *
parley_provider_new_for_config (const ParleyConfig  *config,
                                GError             **error)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (g_strcmp0 (config->provider, "local") == 0)
    return PARLEY_PROVIDER (parley_local_provider_new ());

  if (g_strcmp0 (config->provider, "openai") == 0)
    return PARLEY_PROVIDER (parley_openai_provider_new (config));

  if (g_strcmp0 (config->provider, "bedrock") == 0)
    {
      g_autoptr(ParleyAwsConfig) aws = parley_aws_config_load (error);
      g_autoptr(ParleyBedrockClient) client = NULL;

      if (aws == NULL || (client = parley_bedrock_client_new (config, aws, error)) == NULL)
        return NULL;
      return PARLEY_PROVIDER (parley_bedrock_provider_new (client, config));
    }

  g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
               "unknown provider “%s” (local, bedrock or openai)", config->provider);
  return NULL;
}

const char *
parley_provider_default_model (const ParleyConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (g_strcmp0 (config->provider, "openai") == 0)
    return config->openai_model;
  if (g_strcmp0 (config->provider, "bedrock") == 0)
    return config->small_model;
  return "local";
}

char *
parley_provider_embedding_key (const ParleyConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (g_strcmp0 (config->provider, "bedrock") == 0)
    return g_strdup_printf ("%s/%u", config->embedding_model, config->embedding_dimensions);
  if (g_strcmp0 (config->provider, "openai") == 0)
    return g_strdup_printf ("openai/%s", config->openai_embedding_model);
  return NULL;
}
