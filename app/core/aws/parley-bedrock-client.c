/* parley-bedrock-client.c — Bedrock's runtime and agent runtime, resiliently
 *
 * Every operation is one Call: a ParleyCallPlan says which (region, model)
 * to try and how long to wait first; each attempt gets (cached)
 * credentials, signs the request with SigV4 for that region, and sends it
 * with the shared HTTP client. The outcome goes back to the plan, which
 * decides between done, retry, another region, another model, or failure.
 * All of it runs on the caller's main context; nothing blocks.
 *
 * Streams: ConverseStream's body is fed to an event-stream decoder as it
 * arrives; each frame becomes chat events, forwarded to the caller at once
 * and gathered into the final response. An exception frame, a bad CRC or a
 * body that ends before messageStop fails the attempt like an HTTP error.
 *
 * Paths: a model id is a URI label; it is percent-encoded once for the wire
 * ("…-v1:0" → "…-v1%3A0") and SigV4 encodes the wire path again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-bedrock"

#include "config.h"

#include <string.h>

#include "parley-aws-error.h"
#include "parley-bedrock-client.h"
#include "parley-call-plan.h"
#include "parley-error.h"
#include "parley-event-stream.h"
#include "parley-retry.h"
#include "parley-sigv4.h"

#define SIGNING_NAME       "bedrock"
#define EMBED_CONCURRENCY  8

struct _ParleyBedrockClient
{
  GObject                       parent_instance;

  /* owned */
  ParleyHttpClient             *http;
  ParleyAwsConfig              *aws;
  ParleyAwsCredentialsProvider *credentials;
  ParleyRetryPolicy            *retry;
  ParleyCircuitBreaker         *breaker;
  char                         *region;
  GStrv                         regions;          /* primary, then failover */
  GStrv                         fallback_models;
  gboolean                      eu_only;
  char                         *runtime_override; /* (nullable) endpoint for every region */
  char                         *agent_override;
  char                         *embedding_model;
  guint                         embedding_dimensions;
  char                         *guardrail_id;
  char                         *guardrail_version;
  char                         *knowledge_base_id;
  guint                         n_calls;
};

G_DEFINE_FINAL_TYPE (ParleyBedrockClient, parley_bedrock_client, G_TYPE_OBJECT)

typedef enum {
  SERVICE_RUNTIME,
  SERVICE_AGENT_RUNTIME,
} Service;

typedef gpointer (*ParseFunc) (const char  *data,
                               gsize        len,
                               GError     **error);

/* One operation, across all its attempts. */
typedef struct {
  ParleyBedrockClient   *self;            /* borrowed: the task holds it */
  GTask                 *task;            /* borrowed: the task owns us */
  Service                service;
  char                  *path_prefix;     /* "/model/": the path up to the model label */
  char                  *path_suffix;     /* "/converse" */
  GBytes                *body;
  const char            *accept;
  ParseFunc              parse;
  GDestroyNotify         result_free;
  ParleyCallPlan        *plan;

  /* the current attempt */
  char                  *region;
  char                  *model;
  GSource               *delay_source;

  /* streams */
  gboolean               model_label;     /* the model id goes between prefix and suffix */
  gboolean               stream;
  ParleyChatEventFunc    event_func;
  gpointer               event_data;
  ParleyEventDecoder    *decoder;
  ParleyChatAccumulator *accumulator;
  GError                *stream_error;
  gboolean               delivered;       /* text reached the caller */
} Call;

static void call_next (Call *call);

static void
call_free (gpointer data)
{
  Call *call = data;

  if (call->delay_source != NULL)
    {
      g_source_destroy (call->delay_source);
      g_source_unref (call->delay_source);
    }
  g_free (call->path_prefix);
  g_free (call->path_suffix);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->plan, parley_call_plan_free);
  g_free (call->region);
  g_free (call->model);
  g_clear_pointer (&call->decoder, parley_event_decoder_free);
  g_clear_pointer (&call->accumulator, parley_chat_accumulator_free);
  g_clear_error (&call->stream_error);
  g_free (call);
}

/* ---- endpoints ----------------------------------------------------------- */

static char *
endpoint_for (ParleyBedrockClient *self,
              Service              service,
              const char          *region)
{
  const char *override = service == SERVICE_RUNTIME ? self->runtime_override : self->agent_override;

  if (override != NULL)
    return g_strdup (override);
  return g_strdup_printf ("https://%s.%s.amazonaws.com",
                          service == SERVICE_RUNTIME ? "bedrock-runtime" : "bedrock-agent-runtime", region);
}

char *
parley_bedrock_client_get_endpoint (ParleyBedrockClient *self,
                                    const char          *region)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), NULL);

  return endpoint_for (self, SERVICE_RUNTIME, region != NULL ? region : self->region);
}

/* ---- one attempt ----------------------------------------------------------- */

static void
forward_event_cb (const ParleyChatEvent *event,
                  gpointer               user_data)
{
  Call *call = user_data;

  parley_chat_accumulator_relay (call->accumulator, event, call->event_func, call->event_data,
                                 &call->delivered, &call->stream_error);
}

static gboolean
frame_cb (ParleyEventMessage *message,
          gpointer            user_data)
{
  Call *call = user_data;

  if (call->stream_error != NULL)
    return FALSE;
  if (!parley_bedrock_stream_dispatch (message, forward_event_cb, call, &call->stream_error))
    return FALSE;
  return call->stream_error == NULL;
}

static gboolean
stream_data_cb (const ParleyHttpResponse  *response,
                const guint8              *data,
                gsize                      len,
                gpointer                   user_data,
                GError                   **error)
{
  Call *call = user_data;
  const char *request_id = parley_http_response_get_header (response, "x-amzn-RequestId");

  if (call->decoder == NULL)
    {
      const char *type = parley_http_response_get_header (response, "Content-Type");

      if (type == NULL || !g_str_has_prefix (type, "application/vnd.amazon.eventstream"))
        {
          parley_aws_set_error (error, PARLEY_AWS_ERROR_PROTOCOL, NULL, request_id, response->status,
                                "a stream answered with something other than an event stream");
          return FALSE;
        }
      call->decoder = parley_event_decoder_new ();
    }

  if (!parley_event_decoder_feed (call->decoder, data, len, frame_cb, call, error))
    {
      /* A frame that carried an exception stopped the decoder. */
      if (call->stream_error != NULL)
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&call->stream_error));
          return FALSE;
        }
      /* Keep the service's request id with a decoding failure. */
      if (error != NULL && *error != NULL && (*error)->domain != PARLEY_AWS_ERROR)
        {
          g_autoptr(GError) inner = g_steal_pointer (error);

          parley_aws_set_error (error, PARLEY_AWS_ERROR_PROTOCOL, NULL, request_id, response->status,
                                inner->message);
        }
      return FALSE;
    }
  if (call->stream_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&call->stream_error));
      return FALSE;
    }
  return TRUE;
}

/* The result of a 2xx attempt, or NULL with @error. */
static gpointer
attempt_result (Call                     *call,
                const ParleyHttpResponse *response,
                GError                  **error)
{
  const char *request_id = parley_http_response_get_header (response, "x-amzn-RequestId");

  if (call->stream)
    {
      ParleyChatResponse *chat;

      if (call->decoder == NULL || !parley_event_decoder_finish (call->decoder, NULL)
          || !parley_chat_accumulator_is_complete (call->accumulator))
        {
          parley_aws_set_error (error, PARLEY_AWS_ERROR_PROTOCOL, NULL, request_id, response->status,
                                "the event stream ended before its messageStop");
          return NULL;
        }
      if ((chat = parley_chat_accumulator_finish (call->accumulator, error)) == NULL)
        return NULL;
      return chat;
    }
  else
    {
      gsize len = 0;
      const char *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : "";
      g_autoptr(GError) local_error = NULL;
      gpointer result = call->parse (data != NULL ? data : "", len, &local_error);

      if (result == NULL)
        {
          parley_aws_set_error (error, PARLEY_AWS_ERROR_PROTOCOL, NULL, request_id, response->status,
                                local_error != NULL ? local_error->message : "unreadable response");
          return NULL;
        }
      return result;
    }
}

static void
attempt_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(ParleyHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  gpointer value = NULL;
  gint64 retry_after = -1;

  response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (object), result, &error);
  if (response != NULL && (response->status < 200 || response->status >= 300))
    {
      gsize len = 0;
      const guint8 *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;

      parley_aws_set_error_from_response (&error, response->status,
                                          parley_http_response_get_header (response, "x-amzn-RequestId"),
                                          parley_http_response_get_header (response, "x-amzn-ErrorType"),
                                          data, len);
      /* Bedrock answers a model that is not offered in a region with a
       * ValidationException; for the plan that is "not here", so the
       * fallback models and regions still get their turn. */
      if (g_error_matches (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION)
          && strstr (error->message, "model identifier is invalid") != NULL)
        {
          g_autoptr(GError) validation = g_steal_pointer (&error);
          const char *colon = strstr (validation->message, ": ");

          parley_aws_set_error (&error, PARLEY_AWS_ERROR_NOT_FOUND, parley_aws_error_get_aws_code (validation),
                                parley_aws_error_get_request_id (validation), response->status,
                                colon != NULL ? colon + 2 : validation->message);
        }
      retry_after = parley_retry_after_parse (parley_http_response_get_header (response, "x-amz-retry-after"),
                                              parley_http_response_get_header (response, "Retry-After"));
    }
  else if (response != NULL)
    value = attempt_result (call, response, &error);

  /* Credentials the service refused as expired or unknown are not reused. */
  if (g_error_matches (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS)
      || g_strcmp0 (parley_aws_error_get_aws_code (error), "UnrecognizedClientException") == 0)
    parley_aws_credentials_provider_invalidate (call->self->credentials);

  parley_call_plan_report_full (call->plan, error, retry_after);

  if (value != NULL)
    {
      const char *region = NULL;
      const char *model = NULL;

      if (call->stream || call->parse == (ParseFunc) parley_bedrock_parse_converse)
        {
          ParleyChatResponse *chat = value;

          parley_call_plan_get_answered (call->plan, &region, &model);
          g_free (chat->model_id);
          chat->model_id = g_strdup (model);
          g_free (chat->region);
          chat->region = g_strdup (region);
        }
      g_task_return_pointer (call->task, value, call->result_free);
      g_object_unref (call->task);
      return;
    }

  /* Text already shown cannot be taken back: end here. */
  if (call->delivered || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (call->task, g_steal_pointer (&error));
      g_object_unref (call->task);
      return;
    }

  call_next (call);
}

static void
attempt_send (Call                 *call,
              ParleyAwsCredentials *credentials)
{
  ParleyBedrockClient *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *endpoint = endpoint_for (self, call->service, call->region);
  g_autofree char *label = call->model_label ? parley_uri_encode (call->model, -1, FALSE) : NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autofree char *host = NULL;
  ParleyAwsKeys keys;
  ParleySigv4Params params = { 0 };
  ParleySigv4Result signature = { 0 };
  ParleyHttpRequest request = { 0 };
  ParleyHttpRequestSpec spec = { 0 };
  gsize body_len = 0;
  const guint8 *body = g_bytes_get_data (call->body, &body_len);
  const char *base_path;

  uri = g_uri_parse (endpoint, G_URI_FLAGS_ENCODED, &error);
  if (uri == NULL)
    {
      g_autoptr(GError) inner = g_steal_pointer (&error);

      parley_aws_set_error (&error, PARLEY_AWS_ERROR_FAILED, NULL, NULL, 0, inner->message);
      goto fail;
    }
  host = g_uri_get_port (uri) > 0 ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
                                  : g_strdup (g_uri_get_host (uri));
  /* An endpoint may carry a base path ("https://proxy/bedrock"). */
  base_path = g_uri_get_path (uri);
  path = g_strconcat (base_path, g_str_has_suffix (base_path, "/") ? "" : "/",
                      call->path_prefix + 1, label != NULL ? label : "", call->path_suffix, NULL);
  url = g_strdup_printf ("%s://%s%s", g_uri_get_scheme (uri), host, path);

  parley_http_headers_add (headers, "Host", host);
  parley_http_headers_add (headers, "Content-Type", "application/json");
  parley_http_headers_add (headers, "Accept", call->accept);

  parley_aws_credentials_get_keys (credentials, &keys);
  params.keys = &keys;
  params.region = call->region;
  params.service = SIGNING_NAME;
  params.time = g_get_real_time () / G_USEC_PER_SEC;
  params.flags = PARLEY_SIGV4_NORMALIZE_PATH;
  request.method = "POST";
  request.path = path;
  request.headers = headers;
  request.body = body;
  request.body_len = body_len;
  if (!parley_sigv4_sign (&request, &params, &signature, &error))
    {
      g_autoptr(GError) inner = g_steal_pointer (&error);

      parley_aws_set_error (&error, PARLEY_AWS_ERROR_CREDENTIALS, NULL, NULL, 0, inner->message);
      goto fail;
    }
  parley_sigv4_result_clear (&signature);

  g_clear_pointer (&call->decoder, parley_event_decoder_free);
  g_clear_pointer (&call->accumulator, parley_chat_accumulator_free);
  g_clear_error (&call->stream_error);
  if (call->stream)
    call->accumulator = parley_chat_accumulator_new ();

  spec.method = "POST";
  spec.url = url;
  spec.headers = headers;
  spec.body = call->body;
  self->n_calls++;
  parley_http_client_send_async (self->http, &spec, call->stream ? stream_data_cb : NULL, call,
                                 g_task_get_cancellable (call->task), attempt_done_cb, call);
  return;

fail:
  parley_call_plan_report (call->plan, error);
  call_next (call);
}

static void
credentials_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyAwsCredentials) credentials =
    parley_aws_credentials_provider_get_finish (PARLEY_AWS_CREDENTIALS_PROVIDER (object), result, &error);

  if (credentials == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (call->task, g_steal_pointer (&error));
          g_object_unref (call->task);
          return;
        }
      parley_call_plan_report (call->plan, error);
      call_next (call);
      return;
    }
  attempt_send (call, credentials);
}

static void
attempt_start (Call *call)
{
  parley_aws_credentials_provider_get_async (call->self->credentials, g_task_get_cancellable (call->task),
                                             credentials_cb, call);
}

static gboolean
delay_done_cb (gpointer user_data)
{
  Call *call = user_data;

  g_clear_pointer (&call->delay_source, g_source_unref);
  if (g_task_return_error_if_cancelled (call->task))
    {
      g_object_unref (call->task);
      return G_SOURCE_REMOVE;
    }
  attempt_start (call);
  return G_SOURCE_REMOVE;
}

/* The call holds one reference on its task from start to end. */
static void
call_next (Call *call)
{
  const char *region = NULL;
  const char *model = NULL;
  guint delay_ms = 0;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (call->task))
    {
      g_object_unref (call->task);
      return;
    }

  if (!parley_call_plan_next (call->plan, &region, &model, &delay_ms, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_FAILED, "no call could be made");
      g_task_return_error (call->task, error);
      g_object_unref (call->task);
      return;
    }

  g_free (call->region);
  call->region = g_strdup (region);
  g_free (call->model);
  call->model = g_strdup (model);

  if (delay_ms == 0)
    {
      attempt_start (call);
      return;
    }
  call->delay_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (call->delay_source, delay_done_cb, call, NULL);
  g_source_set_static_name (call->delay_source, "[parley] bedrock retry delay");
  g_source_attach (call->delay_source, g_main_context_get_thread_default ());
}

/* Starts @call for @task; @models NULL: the operation has no model (Retrieve,
 * ApplyGuardrail), the plan then walks regions with a placeholder. */
static void
call_start (ParleyBedrockClient *self,
            GTask               *task,
            Call                *call,
            const char * const  *models)
{
  g_autoptr(GError) error = NULL;
  const char * const no_model[] = { "-", NULL };

  call->self = self;
  call->task = g_object_ref (task);
  g_task_set_task_data (task, call, call_free);

  call->plan = parley_call_plan_new (models != NULL ? models : no_model, (const char * const *) self->regions,
                                     self->eu_only, self->retry, self->breaker, &error);
  if (call->plan == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (call->task);
      return;
    }
  call_next (call);
}

/* ---- Converse / ConverseStream -------------------------------------------- */

void
parley_bedrock_client_converse_async (ParleyBedrockClient     *self,
                                      const ParleyChatRequest *request,
                                      gboolean                 stream,
                                      ParleyChatEventFunc      event_func,
                                      gpointer                 event_data,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Call *call;
  char *body;
  gsize len = 0;

  g_return_if_fail (PARLEY_IS_BEDROCK_CLIENT (self));
  g_return_if_fail (request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_bedrock_client_converse_async);

  if (!parley_bedrock_validate_request (request, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  body = stream ? parley_bedrock_converse_stream_body (request, &len)
                : parley_bedrock_converse_body (request, &len);

  call = g_new0 (Call, 1);
  call->service = SERVICE_RUNTIME;
  call->path_prefix = g_strdup ("/model/");
  call->model_label = TRUE;
  call->path_suffix = g_strdup (stream ? "/converse-stream" : "/converse");
  call->body = g_bytes_new_take (body, len);
  call->accept = stream ? "application/vnd.amazon.eventstream" : "application/json";
  call->parse = (ParseFunc) parley_bedrock_parse_converse;
  call->result_free = (GDestroyNotify) parley_chat_response_free;
  call->stream = stream;
  call->event_func = event_func;
  call->event_data = event_data;

  g_ptr_array_add (models, request->model_id);
  for (guint i = 0; self->fallback_models != NULL && self->fallback_models[i] != NULL; i++)
    g_ptr_array_add (models, self->fallback_models[i]);
  g_ptr_array_add (models, NULL);

  call_start (self, task, call, (const char * const *) models->pdata);
}

ParleyChatResponse *
parley_bedrock_client_converse_finish (ParleyBedrockClient  *self,
                                       GAsyncResult         *result,
                                       GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- embeddings ------------------------------------------------------------ */

typedef struct {
  guint    dim;
  guint    n;
  float   *data;
  guint    next;          /* the next text to send */
  guint    in_flight;
  guint    done;
  gint64   tokens;
  GError  *error;
  char   **texts;
} EmbedState;

typedef struct {
  EmbedState *state;
  guint       index;
  GTask      *batch;
} EmbedOne;

static void
embed_state_free (gpointer data)
{
  EmbedState *state = data;

  g_free (state->data);
  g_strfreev (state->texts);
  g_clear_error (&state->error);
  g_free (state);
}

typedef struct {
  float *vector;
  guint  tokens;
} EmbeddingResult;

static void
embedding_result_free (gpointer data)
{
  EmbeddingResult *r = data;

  g_free (r->vector);
  g_free (r);
}

/* The parse function needs the expected size: one per dimension setting. */
static gpointer
parse_embedding (const char  *data,
                 gsize        len,
                 guint        dim,
                 GError     **error)
{
  EmbeddingResult *r = g_new0 (EmbeddingResult, 1);

  r->vector = parley_titan_parse_embedding (data, len, dim, &r->tokens, error);
  if (r->vector == NULL)
    {
      g_free (r);
      return NULL;
    }
  return r;
}

static gpointer parse_embedding_256 (const char *d, gsize l, GError **e) { return parse_embedding (d, l, 256, e); }
static gpointer parse_embedding_512 (const char *d, gsize l, GError **e) { return parse_embedding (d, l, 512, e); }
static gpointer parse_embedding_1024 (const char *d, gsize l, GError **e) { return parse_embedding (d, l, 1024, e); }

static void embed_pump (GTask *batch);

static void
embed_one_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  EmbedOne *one = user_data;
  EmbedState *state = one->state;
  g_autoptr(GError) error = NULL;
  EmbeddingResult *r = g_task_propagate_pointer (G_TASK (result), &error);

  state->in_flight--;
  state->done++;
  if (r != NULL)
    {
      memcpy (state->data + (gsize) one->index * state->dim, r->vector, state->dim * sizeof (float));
      state->tokens += r->tokens;
      embedding_result_free (r);
    }
  else if (state->error == NULL)
    state->error = g_steal_pointer (&error);

  embed_pump (one->batch);
  g_object_unref (one->batch);
  g_free (one);
}

static void
embed_pump (GTask *batch)
{
  ParleyBedrockClient *self = g_task_get_source_object (batch);
  EmbedState *state = g_task_get_task_data (batch);

  while (state->error == NULL && state->in_flight < EMBED_CONCURRENCY && state->next < state->n)
    {
      g_autoptr(GTask) task = NULL;
      const char * const models[] = { self->embedding_model, NULL };
      EmbedOne *one = g_new0 (EmbedOne, 1);
      Call *call = g_new0 (Call, 1);
      char *body;
      gsize len = 0;

      one->state = state;
      one->index = state->next++;
      one->batch = g_object_ref (batch);
      task = g_task_new (self, g_task_get_cancellable (batch), embed_one_done_cb, one);

      body = parley_titan_embed_body (state->texts[one->index], state->dim, TRUE, &len);
      call->service = SERVICE_RUNTIME;
      call->path_prefix = g_strdup ("/model/");
      call->model_label = TRUE;
      call->path_suffix = g_strdup ("/invoke");
      call->body = g_bytes_new_take (body, len);
      call->accept = "application/json";
      call->parse = state->dim == 256 ? parse_embedding_256 : state->dim == 512 ? parse_embedding_512
                                                                                : parse_embedding_1024;
      call->result_free = embedding_result_free;
      state->in_flight++;
      call_start (self, task, call, models);
    }

  if (state->in_flight > 0)
    return;
  if (state->error != NULL)
    g_task_return_error (batch, g_steal_pointer (&state->error));
  else if (state->done == state->n)
    g_task_return_boolean (batch, TRUE);
}

void
parley_bedrock_client_embed_async (ParleyBedrockClient *self,
                                   const char * const  *texts,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  EmbedState *state;

  g_return_if_fail (PARLEY_IS_BEDROCK_CLIENT (self));
  g_return_if_fail (texts != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_bedrock_client_embed_async);

  if (!parley_titan_check_dimensions (self->embedding_dimensions, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  state = g_new0 (EmbedState, 1);
  state->dim = self->embedding_dimensions;
  state->n = g_strv_length ((GStrv) texts);
  state->texts = g_strdupv ((GStrv) texts);
  state->data = g_new0 (float, (gsize) MAX (state->n, 1) * state->dim);
  g_task_set_task_data (task, state, embed_state_free);

  if (state->n == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  embed_pump (task);
}

float *
parley_bedrock_client_embed_finish (ParleyBedrockClient  *self,
                                    GAsyncResult         *result,
                                    guint                *n,
                                    guint                *dim,
                                    gint64               *input_tokens,
                                    GError              **error)
{
  EmbedState *state;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  state = g_task_get_task_data (G_TASK (result));
  if (n != NULL)
    *n = state->n;
  if (dim != NULL)
    *dim = state->dim;
  if (input_tokens != NULL)
    *input_tokens = state->tokens;
  return g_steal_pointer (&state->data);
}

/* ---- ApplyGuardrail ---------------------------------------------------------- */

void
parley_bedrock_client_apply_guardrail_async (ParleyBedrockClient   *self,
                                             ParleyGuardrailSource  source,
                                             const char            *text,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *id = NULL;
  g_autofree char *version = NULL;
  Call *call;
  char *body;
  gsize len = 0;

  g_return_if_fail (PARLEY_IS_BEDROCK_CLIENT (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_bedrock_client_apply_guardrail_async);

  if (self->guardrail_id == NULL)
    {
      g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                               "no Bedrock guardrail is configured ([bedrock] guardrail-id)");
      return;
    }

  id = parley_uri_encode (self->guardrail_id, -1, FALSE);
  version = parley_uri_encode (self->guardrail_version != NULL ? self->guardrail_version : "DRAFT", -1, FALSE);
  body = parley_guardrail_apply_body (source, text, &len);

  call = g_new0 (Call, 1);
  call->service = SERVICE_RUNTIME;
  call->path_prefix = g_strdup_printf ("/guardrail/%s/version/%s/apply", id, version);
  call->path_suffix = g_strdup ("");
  call->body = g_bytes_new_take (body, len);
  call->accept = "application/json";
  call->parse = (ParseFunc) parley_guardrail_parse_apply;
  call->result_free = (GDestroyNotify) parley_guardrail_result_free;
  call_start (self, task, call, NULL);
}

ParleyGuardrailResult *
parley_bedrock_client_apply_guardrail_finish (ParleyBedrockClient  *self,
                                              GAsyncResult         *result,
                                              GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Retrieve ------------------------------------------------------------------ */

void
parley_bedrock_client_retrieve_async (ParleyBedrockClient *self,
                                      const char          *query,
                                      guint                n_results,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *id = NULL;
  Call *call;
  char *body;
  gsize len = 0;

  g_return_if_fail (PARLEY_IS_BEDROCK_CLIENT (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_bedrock_client_retrieve_async);

  if (self->knowledge_base_id == NULL)
    {
      g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                               "no Bedrock Knowledge Base is configured ([bedrock] knowledge-base-id)");
      return;
    }

  id = parley_uri_encode (self->knowledge_base_id, -1, FALSE);
  body = parley_retrieve_body (query, n_results, &len);

  call = g_new0 (Call, 1);
  call->service = SERVICE_AGENT_RUNTIME;
  call->path_prefix = g_strdup_printf ("/knowledgebases/%s/retrieve", id);
  call->path_suffix = g_strdup ("");
  call->body = g_bytes_new_take (body, len);
  call->accept = "application/json";
  call->parse = (ParseFunc) parley_retrieve_parse;
  call->result_free = (GDestroyNotify) g_ptr_array_unref;
  call_start (self, task, call, NULL);
}

GPtrArray *
parley_bedrock_client_retrieve_finish (ParleyBedrockClient  *self,
                                       GAsyncResult         *result,
                                       GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- construction ------------------------------------------------------------ */

static void
parley_bedrock_client_finalize (GObject *object)
{
  ParleyBedrockClient *self = (ParleyBedrockClient *) object;

  g_clear_object (&self->http);
  g_clear_pointer (&self->aws, parley_aws_config_unref);
  g_clear_object (&self->credentials);
  g_clear_object (&self->retry);
  g_clear_object (&self->breaker);
  g_free (self->region);
  g_strfreev (self->regions);
  g_strfreev (self->fallback_models);
  g_free (self->runtime_override);
  g_free (self->agent_override);
  g_free (self->embedding_model);
  g_free (self->guardrail_id);
  g_free (self->guardrail_version);
  g_free (self->knowledge_base_id);

  G_OBJECT_CLASS (parley_bedrock_client_parent_class)->finalize (object);
}

static void
parley_bedrock_client_class_init (ParleyBedrockClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = parley_bedrock_client_finalize;
}

static void
parley_bedrock_client_init (ParleyBedrockClient *self)
{
}

ParleyBedrockClient *
parley_bedrock_client_new (const ParleyConfig  *config,
                           ParleyAwsConfig     *aws,
                           GError             **error)
{
  g_autoptr(ParleyBedrockClient) self = NULL;
  g_autoptr(GStrvBuilder) regions = g_strv_builder_new ();
  const char *region;
  guint max_attempts;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (aws != NULL, NULL);

  region = config->region != NULL ? config->region : parley_aws_config_get_region (aws, NULL);
  if (region == NULL || *region == '\0')
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "no AWS region: set AWS_REGION, a profile's region, or [bedrock] region");
      return NULL;
    }

  self = g_object_new (PARLEY_TYPE_BEDROCK_CLIENT, NULL);
  self->aws = parley_aws_config_ref (aws);
  self->region = g_strdup (region);
  g_strv_builder_add (regions, region);
  for (guint i = 0; config->failover_regions != NULL && config->failover_regions[i] != NULL; i++)
    g_strv_builder_add (regions, config->failover_regions[i]);
  self->regions = g_strv_builder_end (regions);
  self->fallback_models = g_strdupv (config->fallback_models);
  self->eu_only = config->eu_only;
  self->embedding_model = g_strdup (config->embedding_model);
  self->embedding_dimensions = config->embedding_dimensions;
  self->guardrail_id = g_strdup (config->guardrail_id);
  self->guardrail_version = g_strdup (config->guardrail_version);
  self->knowledge_base_id = g_strdup (config->knowledge_base_id);

  /* An override from the environment or the profile serves every region. */
  {
    const char *source = NULL;
    g_autofree char *runtime = parley_aws_config_get_endpoint (aws, "BEDROCK_RUNTIME", "bedrock-runtime",
                                                               region, &source, error);
    g_autofree char *agent = NULL;

    if (runtime == NULL)
      return NULL;
    if (g_strcmp0 (source, "default") != 0)
      self->runtime_override = g_steal_pointer (&runtime);
    agent = parley_aws_config_get_endpoint (aws, "BEDROCK_AGENT_RUNTIME", "bedrock-agent-runtime",
                                            region, &source, error);
    if (agent == NULL)
      return NULL;
    if (g_strcmp0 (source, "default") != 0)
      self->agent_override = g_steal_pointer (&agent);
  }

  self->http = parley_http_client_new ();
  parley_http_client_set_connect_timeout (self->http, config->connect_timeout_ms);
  parley_http_client_set_idle_timeout (self->http, config->read_timeout_ms);
  self->credentials = parley_aws_credentials_provider_new (aws);

  max_attempts = config->max_attempts > 0 ? config->max_attempts : parley_aws_config_get_max_attempts (aws, NULL);
  self->retry = parley_retry_policy_new (max_attempts, config->retry_base_ms, config->retry_max_backoff_ms);
  self->breaker = parley_circuit_breaker_new (config->breaker_failures, config->breaker_cooldown_ms,
                                             config->breaker_cooldown_ms * 8, 1);

  return g_steal_pointer (&self);
}

const char *
parley_bedrock_client_get_region (ParleyBedrockClient *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), NULL);

  return self->region;
}

ParleyHttpClient *
parley_bedrock_client_get_http_client (ParleyBedrockClient *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), NULL);

  return self->http;
}

ParleyCircuitBreaker *
parley_bedrock_client_get_breaker (ParleyBedrockClient *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), NULL);

  return self->breaker;
}

ParleyAwsCredentialsProvider *
parley_bedrock_client_get_credentials_provider (ParleyBedrockClient *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), NULL);

  return self->credentials;
}

guint
parley_bedrock_client_get_n_calls (ParleyBedrockClient *self)
{
  g_return_val_if_fail (PARLEY_IS_BEDROCK_CLIENT (self), 0);

  return self->n_calls;
}
