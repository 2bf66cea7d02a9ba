/* parley-bedrock-provider.c — AWS Bedrock as the provider
 *
 * Chat is ConverseStream with the grounding rendered into the system prompt
 * and the config's guardrail attached; embeddings are Titan v2 through
 * InvokeModel. Everything else (signing, retries, fallbacks, failover, the
 * breaker) is the client's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-provider"

#include "config.h"

#include "parley-bedrock-provider.h"
#include "parley-prompt.h"

struct _ParleyBedrockProvider
{
  GObject              parent_instance;

  /* owned */
  ParleyBedrockClient *client;
  char                *guardrail_id;
  char                *guardrail_version;
  char                *embedding_model;
};

static void provider_iface_init (ParleyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ParleyBedrockProvider, parley_bedrock_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PARLEY_TYPE_PROVIDER, provider_iface_init))

static void
converse_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  ParleyChatResponse *response;

  response = parley_bedrock_client_converse_finish (PARLEY_BEDROCK_CLIENT (object), result, &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) parley_chat_response_free);
}

static void
bedrock_chat_async (ParleyProvider          *provider,
                    const ParleyChatRequest *request,
                    ParleyChatEventFunc      event_func,
                    gpointer                 event_data,
                    GCancellable            *cancellable,
                    GAsyncReadyCallback      callback,
                    gpointer                 user_data)
{
  ParleyBedrockProvider *self = PARLEY_BEDROCK_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(ParleyChatRequest) grounded = parley_prompt_ground (request);

  g_task_set_source_tag (task, bedrock_chat_async);

  if (grounded->guardrail_id == NULL && self->guardrail_id != NULL)
    {
      grounded->guardrail_id = g_strdup (self->guardrail_id);
      g_free (grounded->guardrail_version);
      grounded->guardrail_version = g_strdup (self->guardrail_version);
    }
  parley_bedrock_client_converse_async (self->client, grounded, TRUE, event_func, event_data,
                                        cancellable, converse_done_cb, g_steal_pointer (&task));
}

static ParleyChatResponse *
bedrock_chat_finish (ParleyProvider  *provider,
                     GAsyncResult    *result,
                     GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
embed_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ParleyBedrockProvider *self = g_task_get_source_object (task);
  GError *error = NULL;
  ParleyEmbeddings *embeddings = g_new0 (ParleyEmbeddings, 1);

  embeddings->data = parley_bedrock_client_embed_finish (PARLEY_BEDROCK_CLIENT (object), result,
                                                         &embeddings->n, &embeddings->dim,
                                                         &embeddings->input_tokens, &error);
  if (embeddings->data == NULL && error != NULL)
    {
      parley_embeddings_free (embeddings);
      g_task_return_error (task, error);
      return;
    }
  embeddings->model_id = g_strdup (self->embedding_model);
  g_task_return_pointer (task, embeddings, (GDestroyNotify) parley_embeddings_free);
}

static void
bedrock_embed_async (ParleyProvider      *provider,
                     const char * const  *texts,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  ParleyBedrockProvider *self = PARLEY_BEDROCK_PROVIDER (provider);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, bedrock_embed_async);
  parley_bedrock_client_embed_async (self->client, texts, cancellable, embed_done_cb, task);
}

static ParleyEmbeddings *
bedrock_embed_finish (ParleyProvider  *provider,
                      GAsyncResult    *result,
                      GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
bedrock_get_name (ParleyProvider *provider)
{
  return "bedrock";
}

static void
provider_iface_init (ParleyProviderInterface *iface)
{
  iface->get_name = bedrock_get_name;
  iface->chat_async = bedrock_chat_async;
  iface->chat_finish = bedrock_chat_finish;
  iface->embed_async = bedrock_embed_async;
  iface->embed_finish = bedrock_embed_finish;
}

static void
parley_bedrock_provider_finalize (GObject *object)
{
  ParleyBedrockProvider *self = (ParleyBedrockProvider *) object;

  g_clear_object (&self->client);
  g_free (self->guardrail_id);
  g_free (self->guardrail_version);
  g_free (self->embedding_model);

  G_OBJECT_CLASS (parley_bedrock_provider_parent_class)->finalize (object);
}

static void
parley_bedrock_provider_class_init (ParleyBedrockProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = parley_bedrock_provider_finalize;
}

static void
parley_bedrock_provider_init (ParleyBedrockProvider *self)
{
}

ParleyBedrockProvider *
parley_bedrock_provider_new (ParleyBedrockClient *client,
                             const ParleyConfig  *config)
{
  ParleyBedrockProvider *self;

  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (client), NULL);

  self = g_object_new (PARLEY_TYPE_BEDROCK_PROVIDER, NULL);
  self->client = g_object_ref (client);
  self->guardrail_id = g_strdup (config->guardrail_id);
  self->guardrail_version = g_strdup (config->guardrail_version);
  self->embedding_model = g_strdup (config->embedding_model);
  return self;
}

ParleyBedrockClient *
parley_bedrock_provider_get_client (ParleyBedrockProvider *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_PROVIDER (self), NULL);

  return self->client;
}
