/* test-openai-json.c — OpenAI-compatible JSON and SSE: golden request
 * bodies, responses in the shapes OpenAI, Ollama, llama.cpp and vLLM send,
 * the SSE parser split at every byte, streamed chunks to chat events (text,
 * tool calls, usage, errors), embeddings and error bodies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "parley-aws-error.h"
#include "parley-openai-json.h"
#include "test-utils.h"

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
assert_json (const char *actual,
             gsize       len,
             const char *expected)
{
  g_autoptr(JsonNode) want = json (expected);
  g_autofree char *canonical = json_to_string (want, FALSE);

  g_assert_nonnull (actual);
  g_assert_cmpuint (len, ==, strlen (actual));
  g_assert_cmpstr (actual, ==, canonical);
}

static void
assert_message_has (const GError *error,
                    const char   *part)
{
  g_assert_nonnull (error);
  if (strstr (error->message, part) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, part);
}

/* ------------------------------------------------------------------ */
/* Chat body                                                            */
/* ------------------------------------------------------------------ */

static void
test_chat_body (void)
{
  g_autoptr(ParleyChatRequest) request = parley_chat_request_new ("llama3.1:8b");
  g_autoptr(JsonNode) input = json ("{\"order_id\": \"A-1001\"}");
  g_autoptr(JsonNode) input2 = json ("{}");
  g_autoptr(JsonNode) result = json ("{\"status\": \"shipped\"}");
  g_autoptr(JsonNode) result2 = json ("\"no orders\"");
  g_autoptr(JsonNode) schema = json ("{\"type\": \"object\", \"properties\": {\"order_id\": {\"type\": \"string\"}}}");
  ParleyChatMessage *assistant = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
  ParleyChatMessage *user = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);
  const char *stops[] = { "###", NULL };
  g_autofree char *body = NULL;
  g_autofree char *stream_body = NULL;
  gsize len = 0;

  request->system = g_strdup ("Be brief.");
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Where are my orders?"));
  parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("call_1", "get_order", input));
  parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("call_2", "list_orders", input2));
  g_ptr_array_add (request->messages, assistant);
  parley_chat_message_add_block (user, parley_chat_block_new_tool_result ("call_1", result, FALSE));
  parley_chat_message_add_block (user, parley_chat_block_new_tool_result ("call_2", result2, TRUE));
  parley_chat_message_add_block (user, parley_chat_block_new_text ("Thanks. "));
  parley_chat_message_add_block (user, parley_chat_block_new_text ("Anything else?"));
  g_ptr_array_add (request->messages, user);
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_ASSISTANT, "One shipped."));
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "ok"));
  g_ptr_array_add (request->tools, parley_chat_tool_new ("get_order", "Looks up an order", schema));
  g_ptr_array_add (request->tools, parley_chat_tool_new ("list_orders", NULL, input2));
  request->max_tokens = 300;
  request->temperature = 1.25;   /* OpenAI allows up to 2 */
  request->top_p = 0.5;
  request->stop_sequences = g_strdupv ((char **) stops);
  request->guardrail_id = g_strdup ("ignored");
  request->guardrail_version = g_strdup ("1");
  g_assert_true (parley_chat_request_validate (request, NULL));

  body = parley_openai_chat_body (request, FALSE, &len);
  assert_json (body, len,
    "{\"model\": \"llama3.1:8b\","
    " \"messages\": ["
    "   {\"role\": \"system\", \"content\": \"Be brief.\"},"
    "   {\"role\": \"user\", \"content\": \"Where are my orders?\"},"
    "   {\"role\": \"assistant\", \"tool_calls\": ["
    "      {\"id\": \"call_1\", \"type\": \"function\","
    "       \"function\": {\"name\": \"get_order\", \"arguments\": \"{\\\"order_id\\\":\\\"A-1001\\\"}\"}},"
    "      {\"id\": \"call_2\", \"type\": \"function\", \"function\": {\"name\": \"list_orders\", \"arguments\": \"{}\"}}],"
    "    \"content\": null},"
    "   {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"{\\\"status\\\":\\\"shipped\\\"}\"},"
    "   {\"role\": \"tool\", \"tool_call_id\": \"call_2\", \"content\": \"no orders\"},"
    "   {\"role\": \"user\", \"content\": \"Thanks. Anything else?\"},"
    "   {\"role\": \"assistant\", \"content\": \"One shipped.\"},"
    "   {\"role\": \"user\", \"content\": \"ok\"}"
    " ],"
    " \"tools\": ["
    "   {\"type\": \"function\", \"function\": {\"name\": \"get_order\", \"description\": \"Looks up an order\","
    "     \"parameters\": {\"type\": \"object\", \"properties\": {\"order_id\": {\"type\": \"string\"}}}}},"
    "   {\"type\": \"function\", \"function\": {\"name\": \"list_orders\", \"parameters\": {}}}"
    " ],"
    " \"max_tokens\": 300, \"temperature\": 1.25, \"top_p\": 0.5, \"stop\": [\"###\"]}");

  stream_body = parley_openai_chat_body (request, TRUE, &len);
  {
    g_autoptr(JsonNode) root = json (stream_body);
    JsonObject *o = json_node_get_object (root);
    g_autofree char *options = json_to_string (json_object_get_member (o, "stream_options"), FALSE);

    g_assert_true (json_object_get_boolean_member (o, "stream"));
    g_assert_cmpstr (options, ==, "{\"include_usage\":true}");
  }

  /* Unset fields are left out. */
  {
    g_autoptr(ParleyChatRequest) bare = parley_chat_request_new ("m");
    g_autofree char *b = NULL;

    g_ptr_array_add (bare->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Hi"));
    b = parley_openai_chat_body (bare, FALSE, &len);
    assert_json (b, len, "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
  }
}

/* ------------------------------------------------------------------ */
/* Chat response                                                        */
/* ------------------------------------------------------------------ */

static void
test_finish_reasons (void)
{
  g_assert_cmpstr (parley_openai_map_finish_reason ("stop"), ==, "end_turn");
  g_assert_cmpstr (parley_openai_map_finish_reason ("tool_calls"), ==, "tool_use");
  g_assert_cmpstr (parley_openai_map_finish_reason ("function_call"), ==, "tool_use");
  g_assert_cmpstr (parley_openai_map_finish_reason ("length"), ==, "max_tokens");
  g_assert_cmpstr (parley_openai_map_finish_reason ("content_filter"), ==, "content_filtered");
  g_assert_cmpstr (parley_openai_map_finish_reason ("eos"), ==, "eos");
  g_assert_null (parley_openai_map_finish_reason (NULL));
}

static void
test_parse_chat (void)
{
  g_autoptr(GError) error = NULL;

  /* OpenAI / vLLM */
  {
    const char *body =
      "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
      " \"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
      "   \"tool_calls\":[{\"id\":\"call_abc\",\"type\":\"function\","
      "     \"function\":{\"name\":\"get_order\",\"arguments\":\"{\\\"order_id\\\":\\\"A-1\\\"}\"}}]},"
      "   \"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
      " \"usage\":{\"prompt_tokens\":82,\"completion_tokens\":17,\"total_tokens\":99},"
      " \"system_fingerprint\":\"fp_1\"}";
    g_autoptr(ParleyChatResponse) r = parley_openai_parse_chat (body, strlen (body), &error);
    g_autofree char *input = NULL;
    ParleyChatBlock *b;

    g_assert_no_error (error);
    g_assert_cmpstr (r->stop_reason, ==, "tool_use");
    g_assert_cmpstr (r->model_id, ==, "gpt-4o-mini");
    g_assert_cmpint (r->usage.input_tokens, ==, 82);
    g_assert_cmpint (r->usage.output_tokens, ==, 17);
    g_assert_cmpint (r->usage.total_tokens, ==, 99);
    g_assert_cmpuint (r->message->blocks->len, ==, 1);
    b = r->message->blocks->pdata[0];
    g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TOOL_USE);
    g_assert_cmpstr (b->tool_use_id, ==, "call_abc");
    g_assert_cmpstr (b->tool_name, ==, "get_order");
    input = json_to_string (b->json, FALSE);
    g_assert_cmpstr (input, ==, "{\"order_id\":\"A-1\"}");
  }

  /* Ollama: arguments as an object, no id, finish "stop", no total. */
  {
    const char *body =
      "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion\",\"model\":\"qwen2.5\","
      " \"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Checking.\","
      "   \"tool_calls\":[{\"function\":{\"name\":\"get_order\",\"arguments\":{\"order_id\":\"B-2\"}}}]},"
      "   \"finish_reason\":\"stop\"}],"
      " \"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}";
    g_autoptr(ParleyChatResponse) r = parley_openai_parse_chat (body, strlen (body), &error);
    ParleyChatBlock *b;

    g_assert_no_error (error);
    g_assert_cmpstr (r->stop_reason, ==, "tool_use");
    g_assert_cmpint (r->usage.total_tokens, ==, 15);
    g_assert_cmpuint (r->message->blocks->len, ==, 2);
    g_assert_cmpstr (((ParleyChatBlock *) r->message->blocks->pdata[0])->text, ==, "Checking.");
    b = r->message->blocks->pdata[1];
    g_assert_cmpstr (b->tool_use_id, ==, "call_0");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (b->json), "order_id"), ==, "B-2");
  }

  /* llama.cpp: plain text, length, no usage, empty arguments. */
  {
    const char *body =
      "{\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"message\":{\"content\":\"Your order \","
      "\"role\":\"assistant\"}}],\"created\":1,\"model\":\"gguf\",\"object\":\"chat.completion\","
      "\"timings\":{\"predicted_n\":3}}";
    g_autoptr(ParleyChatResponse) r = parley_openai_parse_chat (body, strlen (body), &error);
    g_autofree char *text = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (r->stop_reason, ==, "max_tokens");
    text = parley_chat_message_dup_text (r->message);
    g_assert_cmpstr (text, ==, "Your order ");
    g_assert_cmpint (r->usage.total_tokens, ==, 0);
  }

  /* An empty finish_reason counts as none. */
  {
    const char *body = "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"ok\"},\"finish_reason\":\"\"}]}";
    g_autoptr(ParleyChatResponse) r = parley_openai_parse_chat (body, strlen (body), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (r->stop_reason, ==, "end_turn");
    g_assert_null (r->model_id);
  }

  {
    static const struct {
      const char *body;
      gint        code;
      const char *message;
    } bad[] = {
      { "{}", PARLEY_AWS_ERROR_PROTOCOL, "choices is missing" },
      { "{\"choices\":[]}", PARLEY_AWS_ERROR_PROTOCOL, "no choice 0" },
      { "{\"choices\":[{\"index\":1,\"message\":{}}]}", PARLEY_AWS_ERROR_PROTOCOL, "no choice 0" },
      { "{\"choices\":[{\"index\":0}]}", PARLEY_AWS_ERROR_PROTOCOL, "choices[0].message is missing" },
      { "{\"choices\":[{\"message\":{\"content\":7}}]}", PARLEY_AWS_ERROR_PROTOCOL, "content: expected a string" },
      { "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}}]}",
        PARLEY_AWS_ERROR_PROTOCOL, "not a JSON object" },
      { "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}}]}",
        PARLEY_AWS_ERROR_PROTOCOL, "not valid JSON" },
      { "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":5}}]}}]}",
        PARLEY_AWS_ERROR_PROTOCOL, "expected a string or an object" },
      { "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}}]}",
        PARLEY_AWS_ERROR_PROTOCOL, "function.name is missing" },
      { "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"\"}}]}}]}",
        PARLEY_AWS_ERROR_PROTOCOL, "name is empty" },
      { "{\"choices\":[{\"message\":{}}],\"usage\":{\"prompt_tokens\":-4}}", PARLEY_AWS_ERROR_PROTOCOL, "out of range" },
      { "{\"choices\":[{\"message\":{}}],\"usage\":{\"prompt_tokens\":1e400}}", PARLEY_AWS_ERROR_PROTOCOL, "out of range" },
      { "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":429}}",
        PARLEY_AWS_ERROR_THROTTLING, "Rate limit reached" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(ParleyChatResponse) r = parley_openai_parse_chat (bad[i].body, strlen (bad[i].body), &error);

        g_assert_null (r);
        g_assert_error (error, PARLEY_AWS_ERROR, bad[i].code);
        assert_message_has (error, bad[i].message);
        g_clear_error (&error);
      }
  }
}

/* ------------------------------------------------------------------ */
/* SSE                                                                  */
/* ------------------------------------------------------------------ */

static gboolean
collect_sse (const char  *event_type,
             const char  *data,
             gsize        len,
             gpointer     user_data,
             GError     **error)
{
  GString *log = user_data;

  g_assert_cmpuint (strlen (data), ==, len);
  g_string_append_printf (log, "[%s|%s]", event_type, data);
  return TRUE;
}

static char *
sse_parse (const char *text,
           gsize       len,
           gsize       split,
           gsize       max_line,
           gboolean   *done,
           GError    **error)
{
  g_autoptr(ParleySseParser) parser = parley_sse_parser_new (max_line);
  g_autoptr(GString) log = g_string_new (NULL);

  split = MIN (split, len);
  if (!parley_sse_parser_feed (parser, (const guint8 *) text, split, collect_sse, log, error)
      || !parley_sse_parser_feed (parser, (const guint8 *) text + split, len - split, collect_sse, log, error)
      || !parley_sse_parser_finish (parser, collect_sse, log, error))
    return NULL;
  if (done != NULL)
    *done = parley_sse_parser_is_done (parser);
  return g_strdup (log->str);
}

static void
test_sse (void)
{
  static const char stream[] =
    "\xEF\xBB\xBF: a comment\r\n"
    "data: one\r\n"
    "\r\n"
    "data:two\n"
    "data:  spaced\n"
    "id: 7\n"
    "retry: 1000\n"
    "\n"
    "event: error\r"
    "data: {\"error\":\"x\"}\r"
    "\r"
    "unknown: field\n"
    "data\n"
    "\n"
    "data: \n"
    "data: \n"
    "\n"
    "event: ping\n"
    "\n"
    "data: [DONE]\n"
    "\n";
  const char *expected = "[message|one][message|two\n spaced][error|{\"error\":\"x\"}][message|][message|\n]";
  gsize len = sizeof stream - 1;

  /* Every split gives the same events, and so does byte by byte. */
  for (gsize split = 0; split <= len; split++)
    {
      g_autoptr(GError) error = NULL;
      gboolean done = FALSE;
      g_autofree char *log = sse_parse (stream, len, split, 0, &done, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (log, ==, expected);
      g_assert_true (done);
    }
  {
    g_autoptr(ParleySseParser) parser = parley_sse_parser_new (0);
    g_autoptr(GString) log = g_string_new (NULL);
    g_autoptr(GError) error = NULL;

    for (gsize i = 0; i < len; i++)
      g_assert_true (parley_sse_parser_feed (parser, (const guint8 *) stream + i, 1, collect_sse, log, &error));
    g_assert_true (parley_sse_parser_finish (parser, collect_sse, log, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (log->str, ==, expected);
  }

  /* Without the final blank line: still dispatched at the end. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *log = sse_parse ("data: {\"a\"", 10, 3, 0, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (log, ==, "[message|{\"a\"]");
  }

  /* [DONE] inside an event of another type is just data. */
  {
    g_autoptr(GError) error = NULL;
    gboolean done = TRUE;
    g_autofree char *log = sse_parse ("event: note\ndata: [DONE]\n\n", 26, 0, 0, &done, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (log, ==, "[note|[DONE]]");
    g_assert_false (done);
  }

  /* Errors: an event after [DONE], a line or an event over the limit. */
  {
    static const struct {
      const char *text;
      gsize       max_line;
      const char *message;
    } bad[] = {
      { "data: [DONE]\n\ndata: more\n\n", 0, "after [DONE]" },
      { "data: 0123456789\n\n", 10, "a line of more than 10 bytes" },
      { "data: 0123456789", 10, "a line of more than 10 bytes" },
      { "data: 0123\ndata: 4567\ndata: 89\n\n", 12, "an event of more than 12 bytes" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      for (gsize split = 0; split <= strlen (bad[i].text); split++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *log = sse_parse (bad[i].text, strlen (bad[i].text), split, bad[i].max_line, NULL, &error);

          g_assert_null (log);
          g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
          assert_message_has (error, bad[i].message);
        }
  }

  /* A failed parser refuses more data. */
  {
    g_autoptr(ParleySseParser) parser = parley_sse_parser_new (4);
    g_autoptr(GString) log = g_string_new (NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (parley_sse_parser_feed (parser, (const guint8 *) "data: x\n", 8, collect_sse, log, &error));
    g_clear_error (&error);
    g_assert_false (parley_sse_parser_feed (parser, (const guint8 *) "\n", 1, collect_sse, log, &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    g_clear_error (&error);
    g_assert_false (parley_sse_parser_finish (parser, collect_sse, log, &error));
    g_assert_cmpstr (log->str, ==, "");
  }
}

/* ------------------------------------------------------------------ */
/* Streamed chat                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
  GString               *log;
  ParleyChatAccumulator *acc;
  GError                *error;
} StreamState;

static void
log_event (const ParleyChatEvent *event,
           gpointer               user_data)
{
  StreamState *state = user_data;

  switch (event->kind)
    {
    case PARLEY_CHAT_EVENT_MESSAGE_START:
      g_string_append (state->log, "start;");
      break;
    case PARLEY_CHAT_EVENT_BLOCK_START:
      g_string_append_printf (state->log, "block %u%s%s%s%s;", event->index,
                              event->tool_use_id ? " " : "", event->tool_use_id ? event->tool_use_id : "",
                              event->tool_name ? " " : "", event->tool_name ? event->tool_name : "");
      break;
    case PARLEY_CHAT_EVENT_TEXT_DELTA:
      g_string_append_printf (state->log, "text %u %s;", event->index, event->text);
      break;
    case PARLEY_CHAT_EVENT_TOOL_DELTA:
      g_string_append_printf (state->log, "tool %u %s;", event->index, event->text);
      break;
    case PARLEY_CHAT_EVENT_BLOCK_STOP:
      g_string_append_printf (state->log, "stop %u;", event->index);
      break;
    case PARLEY_CHAT_EVENT_MESSAGE_STOP:
      g_string_append_printf (state->log, "end %s;", event->stop_reason);
      break;
    case PARLEY_CHAT_EVENT_METADATA:
      g_string_append_printf (state->log, "usage %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT ";",
                              event->usage.input_tokens, event->usage.output_tokens, event->usage.total_tokens);
      break;
    default:
      g_assert_not_reached ();
    }
  if (state->acc != NULL && state->error == NULL)
    parley_chat_accumulator_add (state->acc, event, &state->error);
}

/* Feeds @body split at @split (len+1: byte by byte) and finishes. */
static char *
run_stream (const char          *body,
            gsize                split,
            ParleyChatResponse **response,
            GError             **error)
{
  g_autoptr(ParleyOpenaiStream) stream = parley_openai_stream_new ();
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  StreamState state = { g_string_new (NULL), acc, NULL };
  gsize len = strlen (body);
  gboolean ok = TRUE;

  if (split > len)
    for (gsize i = 0; i < len && ok; i++)
      ok = parley_openai_stream_feed (stream, (const guint8 *) body + i, 1, log_event, &state, error);
  else
    ok = parley_openai_stream_feed (stream, (const guint8 *) body, split, log_event, &state, error)
      && parley_openai_stream_feed (stream, (const guint8 *) body + split, len - split, log_event, &state, error);
  if (ok)
    ok = parley_openai_stream_finish (stream, log_event, &state, error);
  if (ok && state.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&state.error));
      ok = FALSE;
    }
  g_clear_error (&state.error);
  if (ok && response != NULL)
    *response = parley_chat_accumulator_finish (acc, error);
  if (!ok)
    {
      g_string_free (state.log, TRUE);
      return NULL;
    }
  return g_string_free (state.log, FALSE);
}

/* OpenAI: role chunk, text, two tool calls in pieces, finish, usage chunk. */
static const char openai_stream[] =
  "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
  "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
  "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Checking \"},\"finish_reason\":null}],"
  "\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"both 📦.\"},\"finish_reason\":null}],"
  "\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_A\","
  "\"type\":\"function\",\"function\":{\"name\":\"get_order\",\"arguments\":\"\"}}]},\"finish_reason\":null}],"
  "\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
  "\"function\":{\"arguments\":\"{\\\"order_id\\\"\"}}]},\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
  "\"function\":{\"arguments\":\": \\\"A-1\\\"}\"}}]},\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_B\","
  "\"type\":\"function\",\"function\":{\"name\":\"get_order\",\"arguments\":\"{\\\"order_id\\\": \\\"B-2\\\"}\"}}]},"
  "\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n"
  "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":40,"
  "\"total_tokens\":130}}\n\n"
  "data: [DONE]\n\n";

static void
test_stream_openai (void)
{
  g_autofree char *reference = NULL;
  gsize len = strlen (openai_stream);

  for (gsize split = 0; split <= len + 1; split++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ParleyChatResponse) response = NULL;
      g_autofree char *log = run_stream (openai_stream, split, &response, &error);
      ParleyChatBlock *b;

      g_assert_no_error (error);
      if (reference == NULL)
        reference = g_strdup (log);
      g_assert_cmpstr (log, ==, reference);

      g_assert_cmpstr (response->stop_reason, ==, "tool_use");
      g_assert_cmpint (response->usage.total_tokens, ==, 130);
      g_assert_cmpuint (response->message->blocks->len, ==, 3);
      b = response->message->blocks->pdata[0];
      g_assert_cmpstr (b->text, ==, "Checking both 📦.");
      b = response->message->blocks->pdata[1];
      g_assert_cmpstr (b->tool_use_id, ==, "call_A");
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (b->json), "order_id"), ==, "A-1");
      b = response->message->blocks->pdata[2];
      g_assert_cmpstr (b->tool_use_id, ==, "call_B");
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (b->json), "order_id"), ==, "B-2");
    }

  g_assert_cmpstr (reference, ==,
                   "start;"
                   "block 0;text 0 Checking ;text 0 both 📦.;stop 0;"
                   "block 1 call_A get_order;tool 1 {\"order_id\";tool 1 : \"A-1\"};"
                   "block 2 call_B get_order;tool 2 {\"order_id\": \"B-2\"};"
                   "stop 1;stop 2;end tool_use;usage 90/40/130;");
}

static void
test_stream_servers (void)
{
  static const struct {
    const char *name;
    const char *body;
    const char *events;
  } cases[] = {
    { "ollama: whole tool call, finish stop, usage after",
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":"
      "\"call_x\",\"index\":0,\"type\":\"function\",\"function\":{\"name\":\"get_order\",\"arguments\":"
      "\"{\\\"order_id\\\":\\\"C-3\\\"}\"}}]},\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}\n\n"
      "data: [DONE]\n\n",
      "start;block 0 call_x get_order;tool 0 {\"order_id\":\"C-3\"};stop 0;end tool_use;usage 5/6/11;" },
    { "llama.cpp: usage in the finishing chunk, CRLF, no index, no id",
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null,\"index\":0}]}\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
      "\"index\":0}]}\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\",\"index\":0}],"
      "\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":3,\"total_tokens\":5},\"timings\":{}}\r\n\r\n"
      "data: [DONE]\r\n\r\n",
      "start;block 0;text 0 Hi;stop 0;block 1 call_1 f;tool 1 {};stop 1;end tool_use;usage 3/2/5;" },
    { "vllm: usage on every chunk, length",
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":4,"
      "\"completion_tokens\":1,\"total_tokens\":5}}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}],"
      "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2,\"total_tokens\":6}}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2,\"total_tokens\":6}}\n\n"
      "data: [DONE]\n\n",
      "start;block 0;text 0 a;text 0 b;stop 0;end max_tokens;usage 4/2/6;" },
    { "named events other than error are skipped",
      "event: ping\ndata: {\"type\":\"ping\"}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"y\"},\"finish_reason\":\"stop\"}]}\n\n",
      "start;block 0;text 0 y;stop 0;end end_turn;" },
    { "an empty finish_reason is none (fuzzing)",
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"z\"},\"finish_reason\":\"\"}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
      "start;block 0;text 0 z;stop 0;end end_turn;" },
    { "usage before the finish, no [DONE], other choices ignored",
      "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}},{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\n",
      "start;block 0;text 0 x;stop 0;end content_filtered;usage 1/1/2;" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (gsize split = 0; split <= strlen (cases[i].body); split += 7)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(ParleyChatResponse) response = NULL;
        g_autofree char *log = run_stream (cases[i].body, split, &response, &error);

        if (error != NULL)
          g_error ("%s: %s", cases[i].name, error->message);
        g_assert_cmpstr (log, ==, cases[i].events);
        g_assert_nonnull (response);
      }
}

static void
test_stream_errors (void)
{
  static const struct {
    const char *body;
    gint        code;
    const char *message;
  } cases[] = {
    { "data: {\"error\":{\"message\":\"Rate limit\",\"type\":\"rate_limit_error\",\"code\":429}}\n\n",
      PARLEY_AWS_ERROR_THROTTLING, "rate_limit_error: Rate limit" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"
      "data: {\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"server_error\",\"code\":500}}\n\n",
      PARLEY_AWS_ERROR_TRANSIENT, "CUDA out of memory" },
    { "event: error\ndata: {\"error\":\"model crashed\"}\n\n", PARLEY_AWS_ERROR_FAILED, "model crashed" },
    { "data: {\"object\":\"error\",\"message\":\"prompt too long\",\"type\":\"BadRequestError\",\"code\":400}\n\n",
      PARLEY_AWS_ERROR_VALIDATION, "BadRequestError: prompt too long" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "ended before a finish_reason" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "content after the finish_reason" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n",
      PARLEY_AWS_ERROR_PROTOCOL, "does not name the function" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\","
      "\"arguments\":\"[1]\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "not a JSON object" },
    { "data: {\"choices\":{}}\n\n", PARLEY_AWS_ERROR_PROTOCOL, "choices: expected an array" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":5}}]}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "delta.content: expected a string" },
    { "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[7]}}]}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "tool_calls[0]: expected an object" },
    { "data: not json\n\n", PARLEY_AWS_ERROR_PROTOCOL, "chat completion chunk is not valid JSON" },
    { "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":\"9\"}}\n\n", PARLEY_AWS_ERROR_PROTOCOL,
      "usage.prompt_tokens: expected an integer" },
    { "data: [DONE]\n\ndata: {}\n\n", PARLEY_AWS_ERROR_PROTOCOL, "after [DONE]" },
    { "", PARLEY_AWS_ERROR_PROTOCOL, "ended before a finish_reason" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *log = run_stream (cases[i].body, 0, NULL, &error);

      g_assert_null (log);
      g_assert_error (error, PARLEY_AWS_ERROR, cases[i].code);
      assert_message_has (error, cases[i].message);
    }
}

/* ------------------------------------------------------------------ */
/* Embeddings                                                           */
/* ------------------------------------------------------------------ */

static void
test_embeddings (void)
{
  const char * const inputs[] = { "first", "second", NULL };
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  {
    g_autofree char *body = parley_openai_embeddings_body ("nomic-embed-text", inputs, 0, &len);
    g_autofree char *dims = parley_openai_embeddings_body ("text-embedding-3-small", inputs, 256, &len);

    assert_json (body, strlen (body), "{\"model\": \"nomic-embed-text\", \"input\": [\"first\", \"second\"],"
                                      " \"encoding_format\": \"float\"}");
    assert_json (dims, len, "{\"model\": \"text-embedding-3-small\", \"input\": [\"first\", \"second\"],"
                            " \"encoding_format\": \"float\", \"dimensions\": 256}");
  }

  {
    const char *body = "{\"object\":\"list\",\"data\":["
                       "{\"object\":\"embedding\",\"index\":1,\"embedding\":[0.5,-1,2.25]},"
                       "{\"object\":\"embedding\",\"index\":0,\"embedding\":[1,0.125,-0.5]}],"
                       "\"model\":\"m\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
    guint dims = 0;
    g_autofree float *m = parley_openai_parse_embeddings (body, strlen (body), 2, 0, &dims, &error);
    const float want[] = { 1, 0.125f, -0.5f, 0.5f, -1, 2.25f };

    g_assert_no_error (error);
    g_assert_cmpuint (dims, ==, 3);
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      g_assert_cmpfloat (m[i], ==, want[i]);
  }
  {
    /* No indices: in array order. */
    const char *body = "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[3,4]}]}";
    guint dims = 0;
    g_autofree float *m = parley_openai_parse_embeddings (body, strlen (body), 2, 2, &dims, &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (m[3], ==, 4);
  }

  {
    static const struct {
      const char *body;
      guint       expected_dims;
      const char *message;
    } bad[] = {
      { "{}", 0, "data is missing" },
      { "{\"data\":[{\"embedding\":[1]}]}", 0, "1 embeddings for 2 inputs" },
      { "{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}", 0, "appears twice" },
      { "{\"data\":[{\"index\":2,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}", 0, "out of range" },
      { "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[3]}]}", 0, "data[1].embedding: 1 dimensions, expected 2" },
      { "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[3,4]}]}", 3, "2 dimensions, expected 3" },
      { "{\"data\":[{\"embedding\":[]},{\"embedding\":[]}]}", 0, "0 dimensions" },
      { "{\"data\":[{\"embedding\":\"AAAAAA==\"},{\"embedding\":[3]}]}", 0, "embedding: expected an array" },
      { "{\"data\":[{\"embedding\":[true]},{\"embedding\":[3]}]}", 0, "embedding[0] is not a number" },
      { "{\"data\":[{\"embedding\":[1e300]},{\"embedding\":[3]}]}", 0, "not a finite float" },
      { "{\"data\":[{\"embedding\":[1]},5]}", 0, "data[1]: expected an object" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        guint dims = 0;
        g_autofree float *m = parley_openai_parse_embeddings (bad[i].body, strlen (bad[i].body), 2,
                                                              bad[i].expected_dims, &dims, &error);

        g_assert_null (m);
        g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
        assert_message_has (error, bad[i].message);
        g_assert_true (g_str_has_prefix (error->message, "embeddings response"));
        g_clear_error (&error);
      }
  }
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static void
test_errors (void)
{
  static const struct {
    guint       status;
    const char *body;
    gint        code;
    const char *aws_code;
    const char *message;
  } cases[] = {
    { 401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\","
           "\"param\":null,\"code\":\"invalid_api_key\"}}",
      PARLEY_AWS_ERROR_ACCESS_DENIED, "invalid_api_key", "invalid_api_key: Incorrect API key provided. (HTTP 401, request id req_1)" },
    { 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":null}}",
      PARLEY_AWS_ERROR_THROTTLING, "requests", "Rate limit reached" },
    { 404, "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}",
      PARLEY_AWS_ERROR_NOT_FOUND, NULL, "model \"llama9\" not found" },
    { 400, "{\"object\":\"error\",\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\",\"param\":null,"
           "\"code\":400}", PARLEY_AWS_ERROR_VALIDATION, "BadRequestError", "max_tokens is too large" },
    { 500, "{\"error\":{\"code\":500,\"message\":\"Internal\\nerror\",\"type\":\"server_error\"}}",
      PARLEY_AWS_ERROR_TRANSIENT, "server_error", "Internal error" },
    { 503, "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}",
      PARLEY_AWS_ERROR_TRANSIENT, "unavailable_error", "Loading model" },
    { 502, "<html><head><title>502 Bad Gateway</title></head></html>",
      PARLEY_AWS_ERROR_TRANSIENT, NULL, "not JSON (HTTP 502" },
    { 403, "", PARLEY_AWS_ERROR_ACCESS_DENIED, NULL, "no body (HTTP 403" },
    { 500, "{\"detail\":\"x\"}", PARLEY_AWS_ERROR_TRANSIENT, NULL, "no message (HTTP 500" },
    { 500, "{\"error\":[1]}", PARLEY_AWS_ERROR_TRANSIENT, NULL, "no message" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      parley_openai_set_error_from_response (&error, cases[i].status, "req_1", (const guint8 *) cases[i].body,
                                             strlen (cases[i].body));
      g_assert_error (error, PARLEY_AWS_ERROR, cases[i].code);
      g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, cases[i].aws_code);
      g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req_1");
      g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, cases[i].status);
      assert_message_has (error, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
    }
  parley_openai_set_error_from_response (NULL, 500, NULL, NULL, 0);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);
  g_test_add_func ("/openai-json/chat/body", test_chat_body);
  g_test_add_func ("/openai-json/chat/finish-reasons", test_finish_reasons);
  g_test_add_func ("/openai-json/chat/parse", test_parse_chat);
  g_test_add_func ("/openai-json/sse", test_sse);
  g_test_add_func ("/openai-json/stream/openai", test_stream_openai);
  g_test_add_func ("/openai-json/stream/servers", test_stream_servers);
  g_test_add_func ("/openai-json/stream/errors", test_stream_errors);
  g_test_add_func ("/openai-json/embeddings", test_embeddings);
  g_test_add_func ("/openai-json/errors", test_errors);
  return g_test_run ();
}
