/* test-bedrock.c — the real Bedrock client against the local endpoint
 * (tests/fake-aws.c): SigV4, Converse and ConverseStream, the tool-use round
 * trip, Titan embeddings, ApplyGuardrail, Retrieve, and every injected
 * fault ending in a retried success, a fallback, a failover or a clear
 * error. Also the OpenAI-compatible provider against the same endpoint.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fake-aws.h"
#include "parley-aws-error.h"
#include "parley-bedrock-client.h"
#include "parley-bedrock-provider.h"
#include "parley-error.h"
#include "parley-openai-provider.h"
#include "test-utils.h"

#define PRIMARY_MODEL  "anthropic.claude-3-haiku-20240307-v1:0"
#define FALLBACK_MODEL "amazon.nova-lite-v1:0"

typedef struct {
  FakeAws             *fake;
  ParleyConfig        *config;
  ParleyAwsConfig     *aws;
  ParleyBedrockClient *client;
} Fixture;

typedef struct {
  gboolean            done;
  ParleyChatResponse *response;
  GError             *error;
  GString            *text;          /* the deltas, as they came */
  guint               n_deltas;
  GArray             *kinds;         /* ParleyChatEventKind */
  gint64              first_delta_at;
  GCancellable       *cancel_on_delta;
} Outcome;

static void
set_aws_env (const char *url,
             const char *secret)
{
  g_setenv ("AWS_ACCESS_KEY_ID", FAKE_AWS_ACCESS_KEY_ID, TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", secret, TRUE);
  g_unsetenv ("AWS_SESSION_TOKEN");
  g_unsetenv ("AWS_PROFILE");
  g_unsetenv ("AWS_DEFAULT_REGION");
  g_setenv ("AWS_REGION", "eu-west-1", TRUE);
  g_setenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url, TRUE);
  g_setenv ("AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME", url, TRUE);
  g_setenv ("AWS_EC2_METADATA_DISABLED", "true", TRUE);
  g_setenv ("AWS_CONFIG_FILE", "/nonexistent/parley/config", TRUE);
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/parley/credentials", TRUE);
  g_unsetenv ("AWS_MAX_ATTEMPTS");
}

static void
make_client (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&fx->client);
  g_clear_pointer (&fx->aws, parley_aws_config_unref);
  fx->aws = parley_aws_config_load (&error);
  g_assert_no_error (error);
  fx->client = parley_bedrock_client_new (fx->config, fx->aws, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->fake = fake_aws_new (&error);
  g_assert_no_error (error);
  set_aws_env (fake_aws_get_url (fx->fake), FAKE_AWS_SECRET_ACCESS_KEY);

  fx->config = parley_config_new_default ();
  g_strfreev (fx->config->fallback_models);
  fx->config->fallback_models = g_strsplit (FALLBACK_MODEL, ";", -1);
  g_strfreev (fx->config->failover_regions);
  fx->config->failover_regions = g_strsplit ("eu-central-1", ";", -1);
  fx->config->retry_base_ms = 5;
  fx->config->retry_max_backoff_ms = 20;
  fx->config->read_timeout_ms = 400;
  fx->config->breaker_failures = 100;
  fx->config->embedding_dimensions = 256;
  make_client (fx);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->client);
  g_clear_pointer (&fx->aws, parley_aws_config_unref);
  g_clear_pointer (&fx->config, parley_config_free);
  /* Let the server notice the client's connections close. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&fx->fake, fake_aws_free);
}

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->response, parley_chat_response_free);
  g_clear_error (&o->error);
  if (o->text != NULL)
    g_string_free (o->text, TRUE);
  g_clear_pointer (&o->kinds, g_array_unref);
}

static void
event_cb (const ParleyChatEvent *event,
          gpointer               user_data)
{
  Outcome *o = user_data;
  ParleyChatEventKind kind = event->kind;

  g_array_append_val (o->kinds, kind);
  if (kind == PARLEY_CHAT_EVENT_TEXT_DELTA)
    {
      if (o->n_deltas++ == 0)
        o->first_delta_at = g_get_monotonic_time ();
      g_string_append (o->text, event->text);
      if (o->cancel_on_delta != NULL)
        g_cancellable_cancel (o->cancel_on_delta);
    }
}

static void
converse_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *o = user_data;

  o->response = parley_bedrock_client_converse_finish (PARLEY_BEDROCK_CLIENT (object), result, &o->error);
  g_assert_true ((o->response != NULL) != (o->error != NULL));
  o->done = TRUE;
}

static ParleyChatRequest *
question (const char *text)
{
  ParleyChatRequest *request = parley_chat_request_new (PRIMARY_MODEL);

  request->max_tokens = 200;
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, text));
  return request;
}

static void
converse (Fixture                 *fx,
          const ParleyChatRequest *request,
          gboolean                 stream,
          GCancellable            *cancellable,
          Outcome                 *o)
{
  memset (o, 0, sizeof *o);
  o->text = g_string_new (NULL);
  o->kinds = g_array_new (FALSE, FALSE, sizeof (ParleyChatEventKind));
  o->cancel_on_delta = cancellable;
  parley_bedrock_client_converse_async (fx->client, request, stream, event_cb, o, cancellable, converse_cb, o);
  TEST_WAIT_UNTIL (o->done);
}

/* ---- happy paths ---------------------------------------------------------- */

static void
test_converse (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("How do I return a pair of shoes?");
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  Outcome o;

  request->system = g_strdup ("Be brief.");
  converse (fx, request, FALSE, NULL, &o);
  g_assert_no_error (o.error);
  text = parley_chat_message_dup_text (o.response->message);
  g_assert_nonnull (strstr (text, "return a pair of shoes"));
  g_assert_cmpstr (o.response->stop_reason, ==, "end_turn");
  g_assert_cmpint (o.response->usage.input_tokens, >, 0);
  g_assert_cmpint (o.response->usage.output_tokens, >, 0);
  g_assert_cmpstr (o.response->model_id, ==, PRIMARY_MODEL);
  g_assert_cmpstr (o.response->region, ==, "eu-west-1");
  g_assert_cmpstr (fake_aws_get_last_region (fx->fake), ==, "eu-west-1");
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, 1);

  body = fake_aws_dup_last_body (fx->fake, "Converse");
  g_assert_nonnull (strstr (body, "\"system\""));
  g_assert_nonnull (strstr (body, "Be brief."));
  g_assert_nonnull (strstr (body, "\"maxTokens\":200"));
  outcome_clear (&o);
}

static void
test_stream (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Where is my parcel? It has not arrived.");
  g_autofree char *text = NULL;
  Outcome o;
  gint64 done_at;

  fake_aws_set_delays (fx->fake, 30, 20);
  converse (fx, request, TRUE, NULL, &o);
  done_at = g_get_monotonic_time ();
  g_assert_no_error (o.error);
  text = parley_chat_message_dup_text (o.response->message);
  g_assert_cmpuint (o.n_deltas, >, 3);
  g_assert_cmpstr (o.text->str, ==, text);
  /* Deltas reach the caller as they come, not at the end. */
  g_assert_cmpint (done_at - o.first_delta_at, >=, 20 * 1000 * (o.n_deltas - 2));
  g_assert_cmpint (g_array_index (o.kinds, ParleyChatEventKind, 0), ==, PARLEY_CHAT_EVENT_MESSAGE_START);
  g_assert_cmpint (g_array_index (o.kinds, ParleyChatEventKind, o.kinds->len - 1), ==, PARLEY_CHAT_EVENT_METADATA);
  g_assert_cmpint (o.response->usage.output_tokens, >, 0);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "ConverseStream"), ==, 1);
  outcome_clear (&o);
}

/* The order tool of the chat turn: tool use, the result, the answer. */
static void
test_tool_use (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Where is order A-10023?");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const ParleyChatBlock *use = NULL;
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  Outcome o;

  g_assert_true (json_parser_load_from_data (parser,
                                             "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}},"
                                             "\"required\":[\"order_id\"]}", -1, NULL));
  g_ptr_array_add (request->tools, parley_chat_tool_new ("lookup_order", "Look an order up by its number",
                                                         json_parser_get_root (parser)));
  for (guint stream = 0; stream < 2; stream++)
    {
      g_autoptr(ParleyChatRequest) turn = parley_chat_request_copy (request);
      g_autoptr(JsonNode) result = json_from_string ("{\"status\":\"shipped\",\"carrier\":\"DHL\"}", NULL);
      ParleyChatMessage *answer;

      converse (fx, turn, stream, NULL, &o);
      g_assert_no_error (o.error);
      g_assert_cmpstr (o.response->stop_reason, ==, "tool_use");
      for (guint i = 0; i < o.response->message->blocks->len; i++)
        {
          const ParleyChatBlock *block = o.response->message->blocks->pdata[i];

          if (block->kind == PARLEY_CHAT_BLOCK_TOOL_USE)
            use = block;
        }
      g_assert_nonnull (use);
      g_assert_cmpstr (use->tool_name, ==, "lookup_order");
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (use->json), "order_id"), ==, "A-10023");

      /* The assistant's tool use and our result go back. */
      answer = g_steal_pointer (&o.response->message);
      g_ptr_array_add (turn->messages, answer);
      {
        ParleyChatMessage *reply = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);

        parley_chat_message_add_block (reply, parley_chat_block_new_tool_result (use->tool_use_id, result, FALSE));
        g_ptr_array_add (turn->messages, reply);
      }
      use = NULL;
      outcome_clear (&o);

      converse (fx, turn, stream, NULL, &o);
      g_assert_no_error (o.error);
      g_assert_cmpstr (o.response->stop_reason, ==, "end_turn");
      text = parley_chat_message_dup_text (o.response->message);
      g_assert_nonnull (strstr (text, "shipped"));
      g_clear_pointer (&text, g_free);
      body = fake_aws_dup_last_body (fx->fake, stream ? "ConverseStream" : "Converse");
      g_assert_nonnull (strstr (body, "toolResult"));
      g_assert_nonnull (strstr (body, "toolConfig"));
      g_clear_pointer (&body, g_free);
      outcome_clear (&o);
    }
}

static void
test_guardrail_config (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Hello");
  g_autofree char *body = NULL;
  Outcome o;

  request->guardrail_id = g_strdup ("grparley1");
  request->guardrail_version = g_strdup ("3");
  converse (fx, request, TRUE, NULL, &o);
  g_assert_no_error (o.error);
  body = fake_aws_dup_last_body (fx->fake, "ConverseStream");
  g_assert_nonnull (strstr (body, "\"guardrailIdentifier\":\"grparley1\""));
  g_assert_nonnull (strstr (body, "\"guardrailVersion\":\"3\""));
  outcome_clear (&o);
}

/* ---- faults ----------------------------------------------------------------- */

/* Faults a retry cures: one try fails, the second answers. */
static void
test_fault_retried (Fixture       *fx,
                    gconstpointer  data)
{
  static const FakeAwsFault faults[] = {
    FAKE_AWS_FAULT_THROTTLING, FAKE_AWS_FAULT_INTERNAL, FAKE_AWS_FAULT_MODEL_NOT_READY,
    FAKE_AWS_FAULT_SLOW_FIRST_BYTE, FAKE_AWS_FAULT_RESET, FAKE_AWS_FAULT_NON_JSON_ERROR,
  };

  fake_aws_set_fault_delay (fx->fake, 2000);
  for (guint stream = 0; stream < 2; stream++)
    for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
      {
        g_autoptr(ParleyChatRequest) request = question ("Can I change my delivery address?");
        const char *op = stream ? "ConverseStream" : "Converse";
        guint before = fake_aws_get_n_requests (fx->fake, op);
        Outcome o;

        fake_aws_push_fault (fx->fake, op, faults[i]);
        converse (fx, request, stream, NULL, &o);
        if (o.error != NULL)
          g_error ("fault %u (stream %u): %s", faults[i], stream, o.error->message);
        g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, op) - before, ==, 2);
        g_assert_cmpstr (o.response->model_id, ==, PRIMARY_MODEL);
        g_assert_cmpstr (o.response->region, ==, "eu-west-1");
        outcome_clear (&o);
      }
}

/* Throttled every time in the primary region: the failover region answers. */
static void
test_fault_failover (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Do you ship to Portugal?");
  Outcome o;

  for (guint i = 0; i < 3; i++)
    fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_THROTTLING);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_no_error (o.error);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, 4);
  g_assert_cmpstr (o.response->region, ==, "eu-central-1");
  g_assert_cmpstr (fake_aws_get_last_region (fx->fake), ==, "eu-central-1");
  outcome_clear (&o);

  /* A 200 with garbage is not the model's fault to retry on: the next target. */
  fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_GARBAGE_200);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.response->region, ==, "eu-central-1");
  outcome_clear (&o);
}

/* The model is not enabled: the fallback model answers. */
static void
test_fault_fallback (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("What is your warranty?");
  Outcome o;

  fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_ACCESS_DENIED);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.response->model_id, ==, FALLBACK_MODEL);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, 2);
  outcome_clear (&o);
}

static void
test_fault_validation (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Hi");
  Outcome o;

  fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_VALIDATION);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);
  g_assert_cmpstr (parley_aws_error_get_aws_code (o.error), ==, "ValidationException");
  g_assert_nonnull (parley_aws_error_get_request_id (o.error));
  g_assert_cmpuint (parley_aws_error_get_http_status (o.error), ==, 400);
  g_assert_nonnull (strstr (o.error->message, "request id"));
  /* Never retried. */
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, 1);
  outcome_clear (&o);
}

/* Failures after text reached the caller end the call with a clear error. */
static void
test_fault_mid_stream (Fixture       *fx,
                       gconstpointer  data)
{
  static const struct {
    FakeAwsFault fault;
    GQuark       domain;
    int          code;
    const char  *aws_code;
  } cases[] = {
    { FAKE_AWS_FAULT_EXCEPTION_MID_STREAM, 0, PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException" },
    { FAKE_AWS_FAULT_MODEL_STREAM_ERROR, 0, PARLEY_AWS_ERROR_TRANSIENT, "ModelStreamErrorException" },
    { FAKE_AWS_FAULT_CORRUPT_CRC, 0, PARLEY_AWS_ERROR_PROTOCOL, NULL },
    { FAKE_AWS_FAULT_TRUNCATED_STREAM, 0, PARLEY_AWS_ERROR_PROTOCOL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyChatRequest) request = question ("Tell me about your returns policy please");
      guint before = fake_aws_get_n_requests (fx->fake, "ConverseStream");
      Outcome o;

      fake_aws_push_fault (fx->fake, "ConverseStream", cases[i].fault);
      converse (fx, request, TRUE, NULL, &o);
      g_assert_nonnull (o.error);
      if (o.error->domain != PARLEY_AWS_ERROR || o.error->code != cases[i].code)
        g_error ("fault %u: %s (domain %s, code %d)", cases[i].fault, o.error->message,
                 g_quark_to_string (o.error->domain), o.error->code);
      if (cases[i].aws_code != NULL)
        g_assert_cmpstr (parley_aws_error_get_aws_code (o.error), ==, cases[i].aws_code);
      g_assert_cmpuint (o.n_deltas, >, 0);
      g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "ConverseStream") - before, ==, 1);
      outcome_clear (&o);
    }
}

/* A customer who leaves cancels the model call. */
static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("One two three four five six seven eight nine ten");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 start = g_get_monotonic_time ();
  Outcome o;

  fake_aws_set_delays (fx->fake, 10, 200);
  converse (fx, request, TRUE, cancellable, &o);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (o.n_deltas, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  outcome_clear (&o);
}

static void
test_bad_credentials (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Hi");
  Outcome o;

  set_aws_env (fake_aws_get_url (fx->fake), "not-the-secret");
  make_client (fx);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_ACCESS_DENIED);
  g_assert_nonnull (parley_aws_error_get_request_id (o.error));
  outcome_clear (&o);

  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  make_client (fx);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  outcome_clear (&o);
}

/* A target that keeps failing is left alone for a while. */
static void
test_breaker (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Hi");
  guint before;
  Outcome o;

  fx->config->breaker_failures = 2;
  fx->config->max_attempts = 1;
  g_strfreev (fx->config->failover_regions);
  fx->config->failover_regions = g_new0 (char *, 1);
  g_strfreev (fx->config->fallback_models);
  fx->config->fallback_models = g_new0 (char *, 1);
  make_client (fx);

  for (guint i = 0; i < 2; i++)
    {
      fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_INTERNAL);
      converse (fx, request, FALSE, NULL, &o);
      g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
      outcome_clear (&o);
    }
  before = fake_aws_get_n_requests (fx->fake, "Converse");
  converse (fx, request, FALSE, NULL, &o);
  g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CIRCUIT_OPEN);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, before);
  outcome_clear (&o);
}

/* EU residency: a non-EU failover region is never called. */
static void
test_eu_only (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(ParleyChatRequest) request = question ("Hi");
  Outcome o;

  fx->config->eu_only = TRUE;
  g_strfreev (fx->config->failover_regions);
  fx->config->failover_regions = g_strsplit ("us-east-1;eu-central-1", ";", -1);
  make_client (fx);
  for (guint i = 0; i < 3; i++)
    fake_aws_push_fault (fx->fake, "Converse", FAKE_AWS_FAULT_THROTTLING);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.response->region, ==, "eu-central-1");
  outcome_clear (&o);

  g_setenv ("AWS_REGION", "us-east-1", TRUE);
  g_strfreev (fx->config->failover_regions);
  fx->config->failover_regions = g_new0 (char *, 1);
  make_client (fx);
  converse (fx, request, FALSE, NULL, &o);
  g_assert_error (o.error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "Converse"), ==, 4);
  outcome_clear (&o);
}

/* ---- embeddings, guardrails, retrieval -------------------------------------- */

typedef struct {
  gboolean  done;
  gpointer  result;
  GError   *error;
  guint     n, dim;
} Async;

static void
embed_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Async *a = user_data;
  gint64 tokens = 0;

  a->result = parley_bedrock_client_embed_finish (PARLEY_BEDROCK_CLIENT (object), result, &a->n, &a->dim,
                                                  &tokens, &a->error);
  a->done = TRUE;
}

static void
test_embeddings (Fixture       *fx,
                 gconstpointer  data)
{
  const char *texts[] = { "How do I return shoes?", "Return shoes within 30 days", "Opening hours of the store",
                          NULL };
  Async a = { 0 };
  float *v;
  double norm = 0, near = 0, far = 0;

  fake_aws_push_fault (fx->fake, "InvokeModel", FAKE_AWS_FAULT_THROTTLING);
  parley_bedrock_client_embed_async (fx->client, texts, NULL, embed_cb, &a);
  TEST_WAIT_UNTIL (a.done);
  g_assert_no_error (a.error);
  g_assert_cmpuint (a.n, ==, 3);
  g_assert_cmpuint (a.dim, ==, 256);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, "InvokeModel"), ==, 4);
  v = a.result;
  for (guint i = 0; i < 256; i++)
    {
      norm += v[i] * v[i];
      near += v[i] * v[256 + i];
      far += v[i] * v[512 + i];
    }
  g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-3);
  g_assert_cmpfloat (near, >, far);
  g_free (a.result);
}

static void
guardrail_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Async *a = user_data;

  a->result = parley_bedrock_client_apply_guardrail_finish (PARLEY_BEDROCK_CLIENT (object), result, &a->error);
  a->done = TRUE;
}

static void
test_apply_guardrail (Fixture       *fx,
                      gconstpointer  data)
{
  Async a = { 0 };
  ParleyGuardrailResult *r;

  /* None configured: a clear error, no call. */
  parley_bedrock_client_apply_guardrail_async (fx->client, PARLEY_GUARDRAIL_SOURCE_INPUT, "hi", NULL, guardrail_cb, &a);
  TEST_WAIT_UNTIL (a.done);
  g_assert_error (a.error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&a.error);

  fx->config->guardrail_id = g_strdup ("grparley1");
  make_client (fx);
  memset (&a, 0, sizeof a);
  parley_bedrock_client_apply_guardrail_async (fx->client, PARLEY_GUARDRAIL_SOURCE_INPUT,
                                               "My e-mail is ana@example.com", NULL, guardrail_cb, &a);
  TEST_WAIT_UNTIL (a.done);
  g_assert_no_error (a.error);
  r = a.result;
  g_assert_true (r->intervened);
  g_assert_null (strstr (r->output_text, "ana@example.com"));
  g_assert_cmpuint (r->findings->len, >, 0);
  parley_guardrail_result_free (r);

  memset (&a, 0, sizeof a);
  parley_bedrock_client_apply_guardrail_async (fx->client, PARLEY_GUARDRAIL_SOURCE_OUTPUT,
                                               "Your parcel ships tomorrow.", NULL, guardrail_cb, &a);
  TEST_WAIT_UNTIL (a.done);
  g_assert_no_error (a.error);
  g_assert_false (((ParleyGuardrailResult *) a.result)->intervened);
  parley_guardrail_result_free (a.result);
}

static void
retrieve_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Async *a = user_data;

  a->result = parley_bedrock_client_retrieve_finish (PARLEY_BEDROCK_CLIENT (object), result, &a->error);
  a->done = TRUE;
}

static void
test_retrieve (Fixture       *fx,
               gconstpointer  data)
{
  Async a = { 0 };
  GPtrArray *hits;
  ParleyRetrieveHit *best;

  fake_aws_add_kb_passage (fx->fake, "KB12345678", "Returns are free within 30 days of delivery.", "s3://kb/returns.md");
  fake_aws_add_kb_passage (fx->fake, "KB12345678", "We ship to 5 countries.", "s3://kb/shipping.md");
  fx->config->knowledge_base_id = g_strdup ("KB12345678");
  make_client (fx);

  parley_bedrock_client_retrieve_async (fx->client, "how many days for returns", 5, NULL, retrieve_cb, &a);
  TEST_WAIT_UNTIL (a.done);
  g_assert_no_error (a.error);
  hits = a.result;
  g_assert_cmpuint (hits->len, >=, 1);
  best = hits->pdata[0];
  g_assert_cmpstr (best->uri, ==, "s3://kb/returns.md");
  g_assert_nonnull (strstr (best->text, "30 days"));
  g_ptr_array_unref (hits);
}

/* ---- the providers ---------------------------------------------------------- */

static void
provider_chat_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Outcome *o = user_data;

  o->response = parley_provider_chat_finish (PARLEY_PROVIDER (object), result, &o->error);
  o->done = TRUE;
}

static void
provider_chat (ParleyProvider          *provider,
               const ParleyChatRequest *request,
               Outcome                 *o)
{
  memset (o, 0, sizeof *o);
  o->text = g_string_new (NULL);
  o->kinds = g_array_new (FALSE, FALSE, sizeof (ParleyChatEventKind));
  parley_provider_chat_async (provider, request, event_cb, o, NULL, provider_chat_cb, o);
  TEST_WAIT_UNTIL (o->done);
}

/* Grounding passages reach the model in the system prompt. */
static void
test_bedrock_provider (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(ParleyBedrockProvider) provider = parley_bedrock_provider_new (fx->client, fx->config);
  g_autoptr(ParleyChatRequest) request = question ("¿Cuánto tarda un reembolso?");
  g_autofree char *body = NULL;
  Outcome o;

  request->lang = g_strdup ("es");
  g_ptr_array_add (request->passages, parley_chat_passage_new ("Reembolsos", "El reembolso tarda 5 días <b>hábiles</b>.",
                                                               "kb/es/refunds.md", "es", 1.0));
  provider_chat (PARLEY_PROVIDER (provider), request, &o);
  g_assert_no_error (o.error);
  g_assert_cmpuint (o.n_deltas, >, 0);
  body = fake_aws_dup_last_body (fx->fake, "ConverseStream");
  g_assert_nonnull (strstr (body, "Always answer in Spanish"));
  g_assert_nonnull (strstr (body, "El reembolso tarda 5 días &lt;b>hábiles&lt;/b>."));
  outcome_clear (&o);
}

static void
test_openai_provider (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(ParleyOpenaiProvider) provider = NULL;
  g_autoptr(ParleyChatRequest) request = question ("Do you have gift cards?");
  g_autofree char *text = NULL;
  Outcome o;

  g_free (fx->config->openai_base_url);
  fx->config->openai_base_url = g_strconcat (fake_aws_get_url (fx->fake), "/v1", NULL);
  fx->config->openai_api_key = g_strdup (FAKE_AWS_OPENAI_KEY);
  provider = parley_openai_provider_new (fx->config);

  fake_aws_push_fault (fx->fake, FAKE_AWS_OP_CHAT_COMPLETIONS, FAKE_AWS_FAULT_THROTTLING);
  provider_chat (PARLEY_PROVIDER (provider), request, &o);
  g_assert_no_error (o.error);
  text = parley_chat_message_dup_text (o.response->message);
  g_assert_nonnull (strstr (text, "gift cards"));
  g_assert_cmpstr (o.text->str, ==, text);
  g_assert_cmpuint (o.n_deltas, >, 1);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, FAKE_AWS_OP_CHAT_COMPLETIONS), ==, 2);
  outcome_clear (&o);

  /* A wrong key: a clear error, not retried. */
  g_clear_object (&provider);
  g_free (fx->config->openai_api_key);
  fx->config->openai_api_key = g_strdup ("sk-wrong");
  provider = parley_openai_provider_new (fx->config);
  provider_chat (PARLEY_PROVIDER (provider), request, &o);
  g_assert_error (o.error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_ACCESS_DENIED);
  g_assert_cmpuint (fake_aws_get_n_requests (fx->fake, FAKE_AWS_OP_CHAT_COMPLETIONS), ==, 3);
  outcome_clear (&o);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add ("/bedrock/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("converse", test_converse);
  ADD ("stream", test_stream);
  ADD ("tool-use", test_tool_use);
  ADD ("guardrail-config", test_guardrail_config);
  ADD ("fault/retried", test_fault_retried);
  ADD ("fault/failover", test_fault_failover);
  ADD ("fault/fallback", test_fault_fallback);
  ADD ("fault/validation", test_fault_validation);
  ADD ("fault/mid-stream", test_fault_mid_stream);
  ADD ("cancel", test_cancel);
  ADD ("bad-credentials", test_bad_credentials);
  ADD ("breaker", test_breaker);
  ADD ("eu-only", test_eu_only);
  ADD ("embeddings", test_embeddings);
  ADD ("apply-guardrail", test_apply_guardrail);
  ADD ("retrieve", test_retrieve);
  ADD ("provider/bedrock", test_bedrock_provider);
  ADD ("provider/openai", test_openai_provider);
#undef ADD

  return g_test_run ();
}
