/* parley-provider.h — what answers: local, Bedrock, or OpenAI-compatible
 *
 * A provider takes a ParleyChatRequest and streams the answer as
 * ParleyChatEvents while it arrives, then completes with the whole
 * ParleyChatResponse. Providers that can embed text do it for the KB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "parley-chat.h"
#include "parley-config.h"

G_BEGIN_DECLS

/* Embeddings of several texts: @n vectors of @dim floats, row-major. */
typedef struct {
  guint  n;
  guint  dim;
  float *data;
  char  *model_id;
  gint64 input_tokens;
} ParleyEmbeddings;

void parley_embeddings_free (ParleyEmbeddings *embeddings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyEmbeddings, parley_embeddings_free)

#define PARLEY_TYPE_PROVIDER (parley_provider_get_type ())
G_DECLARE_INTERFACE (ParleyProvider, parley_provider, PARLEY, PROVIDER, GObject)

struct _ParleyProviderInterface
{
  GTypeInterface parent_iface;

  const char         *(*get_name)     (ParleyProvider           *self);
  void                (*chat_async)   (ParleyProvider           *self,
                                       const ParleyChatRequest  *request,
                                       ParleyChatEventFunc       event_func,
                                       gpointer                  event_data,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
  ParleyChatResponse *(*chat_finish)  (ParleyProvider           *self,
                                       GAsyncResult             *result,
                                       GError                  **error);
  void                (*embed_async)  (ParleyProvider           *self,
                                       const char * const       *texts,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
  ParleyEmbeddings   *(*embed_finish) (ParleyProvider           *self,
                                       GAsyncResult             *result,
                                       GError                  **error);
};

const char         *parley_provider_get_name     (ParleyProvider           *self);
/* @event_func (nullable) sees each event as it arrives, on the caller's
 * main context; it and @event_data must stay valid until @callback. */
void                parley_provider_chat_async   (ParleyProvider           *self,
                                                  const ParleyChatRequest  *request,
                                                  ParleyChatEventFunc       event_func,
                                                  gpointer                  event_data,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data);
ParleyChatResponse *parley_provider_chat_finish  (ParleyProvider           *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error);
/* Fails with PARLEY_ERROR_UNSUPPORTED for a provider that cannot embed. */
void                parley_provider_embed_async  (ParleyProvider           *self,
                                                  const char * const       *texts,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data);
ParleyEmbeddings   *parley_provider_embed_finish (ParleyProvider           *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error);

/* The provider @config names (local, bedrock or openai), set up from it. */
ParleyProvider     *parley_provider_new_for_config (const ParleyConfig *config,
                                                    GError            **error);
/* The key under which @config's provider's embeddings are stored, or NULL
 * when it makes none ("amazon.titan-embed-text-v2:0/1024"). */
char               *parley_provider_embedding_key  (const ParleyConfig *config);
/* The model a simple turn uses with @config's provider. */
const char         *parley_provider_default_model  (const ParleyConfig *config);

G_END_DECLS
