/* parley-openai-provider.c — any OpenAI-compatible server as the provider
 *
 * Ollama, a llama.cpp server or vLLM stand in for Bedrock through
 * /v1/chat/completions (streamed as server-sent events) and /v1/embeddings.
 * The same HTTP client as Bedrock's (curl multi on the main loop); retries
 * follow the same standard retry policy, before any text reached the caller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-provider"

#include "config.h"

#include <string.h>

#include "parley-aws-error.h"
#include "parley-error.h"
#include "parley-http-client.h"
#include "parley-openai-json.h"
#include "parley-openai-provider.h"
#include "parley-prompt.h"
#include "parley-retry.h"
#include "parley-sigv4.h"

struct _ParleyOpenaiProvider
{
  GObject            parent_instance;

  /* owned */
  ParleyHttpClient  *http;
  ParleyRetryPolicy *retry;
  char              *base_url;     /* without a trailing '/' */
  char              *api_key;      /* (nullable) */
  char              *embedding_model;
};

static void provider_iface_init (ParleyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ParleyOpenaiProvider, parley_openai_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PARLEY_TYPE_PROVIDER, provider_iface_init))

typedef struct {
  GBytes                *body;
  char                  *url;
  gboolean               stream;
  guint                  attempt;
  guint                  retry_cost;   /* of the retry under way, for the quota */
  ParleyChatEventFunc    event_func;
  gpointer               event_data;
  ParleyOpenaiStream    *parser;
  ParleyChatAccumulator *accumulator;
  GError                *stream_error;
  gboolean               delivered;
  GSource               *delay_source;
  /* embeddings */
  guint                  n_inputs;
  char                  *model;
} Request;

static void
request_free (gpointer data)
{
  Request *r = data;

  if (r->delay_source != NULL)
    {
      g_source_destroy (r->delay_source);
      g_source_unref (r->delay_source);
    }
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r->url);
  g_clear_pointer (&r->parser, parley_openai_stream_free);
  g_clear_pointer (&r->accumulator, parley_chat_accumulator_free);
  g_clear_error (&r->stream_error);
  g_free (r->model);
  g_free (r);
}

static GArray *
request_headers (ParleyOpenaiProvider *self,
                 gboolean              stream)
{
  GArray *headers = parley_http_headers_new ();

  parley_http_headers_add (headers, "Content-Type", "application/json");
  parley_http_headers_add (headers, "Accept", stream ? "text/event-stream" : "application/json");
  if (self->api_key != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", self->api_key);

      parley_http_headers_add (headers, "Authorization", auth);
    }
  return headers;
}

static void send_attempt (GTask *task);

static void
forward_event_cb (const ParleyChatEvent *event,
                  gpointer               user_data)
{
  Request *r = user_data;

  parley_chat_accumulator_relay (r->accumulator, event, r->event_func, r->event_data, &r->delivered,
                                 &r->stream_error);
}

static gboolean
stream_data_cb (const ParleyHttpResponse  *response,
                const guint8              *data,
                gsize                      len,
                gpointer                   user_data,
                GError                   **error)
{
  Request *r = user_data;

  if (!parley_openai_stream_feed (r->parser, data, len, forward_event_cb, r, error))
    return FALSE;
  if (r->stream_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&r->stream_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
retry_delay_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *r = g_task_get_task_data (task);

  g_clear_pointer (&r->delay_source, g_source_unref);
  send_attempt (task);
  return G_SOURCE_REMOVE;
}

/* Retries @error if the policy allows it and nothing reached the caller yet. */
static gboolean
maybe_retry (GTask        *task,
             const GError *error,
             gint64        retry_after_ms)
{
  ParleyOpenaiProvider *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  ParleyRetryDecision decision;

  if (r->delivered || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;
  if (!parley_retry_policy_should_retry (self->retry, error, r->attempt, retry_after_ms, &decision))
    return FALSE;

  r->retry_cost = decision.cost;
  r->delay_source = g_timeout_source_new (decision.delay_ms);
  g_task_attach_source (task, r->delay_source, retry_delay_cb);
  return TRUE;
}

static void
chat_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr(ParleyHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  ParleyChatResponse *chat = NULL;
  gint64 retry_after = -1;

  response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (object), result, &error);
  if (response != NULL && (response->status < 200 || response->status >= 300))
    {
      gsize len = 0;
      const guint8 *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;

      parley_openai_set_error_from_response (&error, response->status,
                                             parley_http_response_get_header (response, "x-request-id"),
                                             data, len);
      retry_after = parley_retry_after_parse (NULL, parley_http_response_get_header (response, "Retry-After"));
    }
  else if (response != NULL && r->stream)
    {
      if (parley_openai_stream_finish (r->parser, forward_event_cb, r, &error) && r->stream_error == NULL)
        chat = parley_chat_accumulator_finish (r->accumulator, &error);
      else if (r->stream_error != NULL)
        g_propagate_error (&error, g_steal_pointer (&r->stream_error));
    }
  else if (response != NULL)
    {
      gsize len = 0;
      const char *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : "";

      chat = parley_openai_parse_chat (data != NULL ? data : "", len, &error);
    }

  if (chat != NULL)
    {
      ParleyOpenaiProvider *self = g_task_get_source_object (task);

      parley_retry_policy_record_success (self->retry, r->retry_cost);
      g_task_return_pointer (task, chat, (GDestroyNotify) parley_chat_response_free);
      return;
    }

  /* The delay source holds its own reference on the task. */
  if (maybe_retry (task, error, retry_after))
    return;
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
send_attempt (GTask *task)
{
  ParleyOpenaiProvider *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autoptr(GArray) headers = request_headers (self, r->stream);
  ParleyHttpRequestSpec spec = { .method = "POST", .url = r->url, .headers = headers, .body = r->body };

  if (g_task_return_error_if_cancelled (task))
    return;

  r->attempt++;
  g_clear_pointer (&r->parser, parley_openai_stream_free);
  g_clear_pointer (&r->accumulator, parley_chat_accumulator_free);
  g_clear_error (&r->stream_error);
  if (r->stream)
    {
      r->parser = parley_openai_stream_new ();
      r->accumulator = parley_chat_accumulator_new ();
    }
  parley_http_client_send_async (self->http, &spec, r->stream ? stream_data_cb : NULL, r,
                                 g_task_get_cancellable (task), chat_done_cb, g_object_ref (task));
}

static void
openai_chat_async (ParleyProvider          *provider,
                   const ParleyChatRequest *request,
                   ParleyChatEventFunc      event_func,
                   gpointer                 event_data,
                   GCancellable            *cancellable,
                   GAsyncReadyCallback      callback,
                   gpointer                 user_data)
{
  ParleyOpenaiProvider *self = PARLEY_OPENAI_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(ParleyChatRequest) grounded = parley_prompt_ground (request);
  Request *r = g_new0 (Request, 1);
  char *body;
  gsize len = 0;

  g_task_set_source_tag (task, openai_chat_async);
  g_task_set_task_data (task, r, request_free);

  body = parley_openai_chat_body (grounded, TRUE, &len);
  r->body = g_bytes_new_take (body, len);
  r->url = g_strconcat (self->base_url, "/chat/completions", NULL);
  r->stream = TRUE;
  r->event_func = event_func;
  r->event_data = event_data;
  send_attempt (task);
}

static ParleyChatResponse *
openai_chat_finish (ParleyProvider  *provider,
                    GAsyncResult    *result,
                    GError         **error)
{
  ParleyChatResponse *response = g_task_propagate_pointer (G_TASK (result), error);

  if (response != NULL && response->model_id == NULL)
    response->model_id = g_strdup ("openai");
  return response;
}

/* ---- embeddings --------------------------------------------------------------- */

static void
embed_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr(ParleyHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  ParleyEmbeddings *embeddings;
  gsize len = 0;
  const char *data;
  guint dim = 0;
  float *vectors;

  response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  if (response->status < 200 || response->status >= 300)
    {
      parley_openai_set_error_from_response (&error, response->status,
                                             parley_http_response_get_header (response, "x-request-id"),
                                             (const guint8 *) data, len);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  vectors = parley_openai_parse_embeddings (data != NULL ? data : "", len, r->n_inputs, 0, &dim, &error);
  if (vectors == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  embeddings = g_new0 (ParleyEmbeddings, 1);
  embeddings->n = r->n_inputs;
  embeddings->dim = dim;
  embeddings->data = vectors;
  embeddings->model_id = g_strdup (r->model);
  g_task_return_pointer (task, embeddings, (GDestroyNotify) parley_embeddings_free);
}

static void
openai_embed_async (ParleyProvider      *provider,
                    const char * const  *texts,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  ParleyOpenaiProvider *self = PARLEY_OPENAI_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GArray) headers = request_headers (self, FALSE);
  Request *r = g_new0 (Request, 1);
  ParleyHttpRequestSpec spec = { .method = "POST" };
  char *body;
  gsize len = 0;

  g_task_set_source_tag (task, openai_embed_async);
  g_task_set_task_data (task, r, request_free);

  r->n_inputs = g_strv_length ((GStrv) texts);
  r->model = g_strdup (self->embedding_model);
  body = parley_openai_embeddings_body (self->embedding_model, texts, 0, &len);
  r->body = g_bytes_new_take (body, len);
  r->url = g_strconcat (self->base_url, "/embeddings", NULL);
  spec.url = r->url;
  spec.headers = headers;
  spec.body = r->body;
  parley_http_client_send_async (self->http, &spec, NULL, NULL, cancellable, embed_done_cb,
                                 g_steal_pointer (&task));
}

static ParleyEmbeddings *
openai_embed_finish (ParleyProvider  *provider,
                     GAsyncResult    *result,
                     GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
openai_get_name (ParleyProvider *provider)
{
  return "openai";
}

static void
provider_iface_init (ParleyProviderInterface *iface)
{
  iface->get_name = openai_get_name;
  iface->chat_async = openai_chat_async;
  iface->chat_finish = openai_chat_finish;
  iface->embed_async = openai_embed_async;
  iface->embed_finish = openai_embed_finish;
}

static void
parley_openai_provider_finalize (GObject *object)
{
  ParleyOpenaiProvider *self = (ParleyOpenaiProvider *) object;

  g_clear_object (&self->http);
  g_clear_object (&self->retry);
  g_free (self->base_url);
  g_free (self->api_key);
  g_free (self->embedding_model);

  G_OBJECT_CLASS (parley_openai_provider_parent_class)->finalize (object);
}

static void
parley_openai_provider_class_init (ParleyOpenaiProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = parley_openai_provider_finalize;
}

static void
parley_openai_provider_init (ParleyOpenaiProvider *self)
{
}

ParleyOpenaiProvider *
parley_openai_provider_new (const ParleyConfig *config)
{
  ParleyOpenaiProvider *self;
  const char *base;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (PARLEY_TYPE_OPENAI_PROVIDER, NULL);
  base = config->openai_base_url;
  self->base_url = g_str_has_suffix (base, "/") ? g_strndup (base, strlen (base) - 1) : g_strdup (base);
  self->api_key = g_strdup (config->openai_api_key);
  self->embedding_model = g_strdup (config->openai_embedding_model);
  self->http = parley_http_client_new ();
  parley_http_client_set_connect_timeout (self->http, config->connect_timeout_ms);
  parley_http_client_set_idle_timeout (self->http, config->read_timeout_ms);
  self->retry = parley_retry_policy_new (config->max_attempts > 0 ? config->max_attempts : 3,
                                         config->retry_base_ms, config->retry_max_backoff_ms);
  return self;
}
