/* parley-provider.c — what answers: local, Bedrock, or OpenAI-compatible
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-provider"

#include "config.h"

#include "parley-error.h"
#include "parley-provider.h"

G_DEFINE_INTERFACE (ParleyProvider, parley_provider, G_TYPE_OBJECT)

void
parley_embeddings_free (ParleyEmbeddings *embeddings)
{
  if (embeddings == NULL)
    return;
  g_free (embeddings->data);
  g_free (embeddings->model_id);
  g_free (embeddings);
}

static void
default_embed_async (ParleyProvider      *self,
                     const char * const  *texts,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, default_embed_async);
  g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                           "the %s provider does not make embeddings", parley_provider_get_name (self));
}

static ParleyEmbeddings *
default_embed_finish (ParleyProvider  *self,
                      GAsyncResult    *result,
                      GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
parley_provider_default_init (ParleyProviderInterface *iface)
{
  iface->embed_async = default_embed_async;
  iface->embed_finish = default_embed_finish;
}

const char *
parley_provider_get_name (ParleyProvider *self)
{
  g_return_val_if_fail (PARLEY_IS_PROVIDER (self), NULL);

  return PARLEY_PROVIDER_GET_IFACE (self)->get_name (self);
}

void
parley_provider_chat_async (ParleyProvider          *self,
                            const ParleyChatRequest *request,
                            ParleyChatEventFunc      event_func,
                            gpointer                 event_data,
                            GCancellable            *cancellable,
                            GAsyncReadyCallback      callback,
                            gpointer                 user_data)
{
  g_return_if_fail (PARLEY_IS_PROVIDER (self));
  g_return_if_fail (request != NULL);

  PARLEY_PROVIDER_GET_IFACE (self)->chat_async (self, request, event_func, event_data,
                                                cancellable, callback, user_data);
}

ParleyChatResponse *
parley_provider_chat_finish (ParleyProvider  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (PARLEY_IS_PROVIDER (self), NULL);

  return PARLEY_PROVIDER_GET_IFACE (self)->chat_finish (self, result, error);
}

void
parley_provider_embed_async (ParleyProvider      *self,
                             const char * const  *texts,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (PARLEY_IS_PROVIDER (self));
  g_return_if_fail (texts != NULL);

  PARLEY_PROVIDER_GET_IFACE (self)->embed_async (self, texts, cancellable, callback, user_data);
}

ParleyEmbeddings *
parley_provider_embed_finish (ParleyProvider  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (PARLEY_IS_PROVIDER (self), NULL);

  return PARLEY_PROVIDER_GET_IFACE (self)->embed_finish (self, result, error);
}
