/* parley-bedrock-client.h — Bedrock's runtime and agent runtime, resiliently
 *
 * One client per process: it owns the HTTP client (curl multi on the main
 * loop), the credentials chain, the retry policy (standard mode) and the
 * circuit breaker per (region, model), and walks a ParleyCallPlan (fallback
 * models × failover regions, EU-only when residency says so) for every call.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "parley-aws-config.h"
#include "parley-aws-credentials-provider.h"
#include "parley-bedrock-json.h"
#include "parley-chat.h"
#include "parley-circuit-breaker.h"
#include "parley-config.h"
#include "parley-http-client.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_BEDROCK_CLIENT (parley_bedrock_client_get_type ())
G_DECLARE_FINAL_TYPE (ParleyBedrockClient, parley_bedrock_client, PARLEY, BEDROCK_CLIENT, GObject)

/* Settings from @config (models, failover, residency, retries, breaker,
 * timeouts) and the AWS chain (region, endpoints, credentials, max
 * attempts). Fails when no region is configured anywhere, or an endpoint
 * override is not a URL. */
ParleyBedrockClient  *parley_bedrock_client_new                 (const ParleyConfig    *config,
                                                                 ParleyAwsConfig       *aws,
                                                                 GError               **error);
const char           *parley_bedrock_client_get_region          (ParleyBedrockClient   *self);
/* The endpoint used for @region (bedrock-runtime). */
char                 *parley_bedrock_client_get_endpoint        (ParleyBedrockClient   *self,
                                                                 const char            *region);
ParleyHttpClient     *parley_bedrock_client_get_http_client     (ParleyBedrockClient   *self);
ParleyCircuitBreaker *parley_bedrock_client_get_breaker         (ParleyBedrockClient   *self);
ParleyAwsCredentialsProvider *parley_bedrock_client_get_credentials_provider (ParleyBedrockClient *self);
/* Calls made (attempts, retries included), for tests and metrics. */
guint                 parley_bedrock_client_get_n_calls         (ParleyBedrockClient   *self);

/* Converse (@stream FALSE) or ConverseStream. @request->model_id is tried
 * first, then the config's fallback models. With @stream, @event_func sees
 * each event as its frame arrives; a failure after text reached the caller
 * is not retried (the caller would see text twice) and ends the call. */
void                  parley_bedrock_client_converse_async      (ParleyBedrockClient      *self,
                                                                 const ParleyChatRequest  *request,
                                                                 gboolean                  stream,
                                                                 ParleyChatEventFunc       event_func,
                                                                 gpointer                  event_data,
                                                                 GCancellable             *cancellable,
                                                                 GAsyncReadyCallback       callback,
                                                                 gpointer                  user_data);
ParleyChatResponse   *parley_bedrock_client_converse_finish     (ParleyBedrockClient      *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error);

/* InvokeModel with Titan Text Embeddings v2 (the config's embedding model
 * and dimensions), one text per call, @texts in parallel up to a bound. */
void                  parley_bedrock_client_embed_async         (ParleyBedrockClient      *self,
                                                                 const char * const       *texts,
                                                                 GCancellable             *cancellable,
                                                                 GAsyncReadyCallback       callback,
                                                                 gpointer                  user_data);
/* Returns: (transfer full): n × dim floats, row-major; @dim (out) */
float                *parley_bedrock_client_embed_finish        (ParleyBedrockClient      *self,
                                                                 GAsyncResult             *result,
                                                                 guint                    *n,
                                                                 guint                    *dim,
                                                                 gint64                   *input_tokens,
                                                                 GError                  **error);

/* ApplyGuardrail with the config's guardrail id and version. */
void                  parley_bedrock_client_apply_guardrail_async  (ParleyBedrockClient   *self,
                                                                    ParleyGuardrailSource  source,
                                                                    const char            *text,
                                                                    GCancellable          *cancellable,
                                                                    GAsyncReadyCallback    callback,
                                                                    gpointer               user_data);
ParleyGuardrailResult *parley_bedrock_client_apply_guardrail_finish (ParleyBedrockClient   *self,
                                                                     GAsyncResult          *result,
                                                                     GError               **error);

/* bedrock-agent-runtime Retrieve from the config's Knowledge Base. */
void                  parley_bedrock_client_retrieve_async      (ParleyBedrockClient      *self,
                                                                 const char               *query,
                                                                 guint                     n_results,
                                                                 GCancellable             *cancellable,
                                                                 GAsyncReadyCallback       callback,
                                                                 gpointer                  user_data);
/* Returns: (transfer container): ParleyRetrieveHit */
GPtrArray            *parley_bedrock_client_retrieve_finish     (ParleyBedrockClient      *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error);

G_END_DECLS
