/* test-chat.c — the provider-neutral chat shapes: construction, deep copies,
 * validation, the stream accumulator's order rules, and the strict JSON
 * layer every codec reads through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-chat.h"
#include "parley-chat-private.h"
#include "test-utils.h"

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static char *
to_json (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* ------------------------------------------------------------------ */

static void
test_shapes (void)
{
  g_autoptr(JsonNode) input = json ("{\"order\":\"A-1\"}");
  g_autoptr(JsonNode) result = json ("{\"status\":\"shipped\"}");
  g_autoptr(JsonNode) schema = json ("{\"type\":\"object\"}");
  g_autoptr(ParleyChatMessage) assistant = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
  g_autoptr(ParleyChatBlock) block = parley_chat_block_new_tool_result ("t1", result, TRUE);
  g_autoptr(ParleyChatBlock) empty_use = parley_chat_block_new_tool_use ("t2", "noop", NULL);
  g_autoptr(ParleyChatTool) tool = parley_chat_tool_new ("order", "Looks up an order", schema);
  g_autofree char *text = NULL;
  g_autofree char *s = NULL;

  parley_chat_message_add_block (assistant, parley_chat_block_new_text ("Let me "));
  parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("t1", "order", input));
  parley_chat_message_add_block (assistant, parley_chat_block_new_text ("check."));
  g_assert_cmpuint (assistant->blocks->len, ==, 3);
  text = parley_chat_message_dup_text (assistant);
  g_assert_cmpstr (text, ==, "Let me check.");

  /* Inputs are copied, not referenced. */
  json_object_set_string_member (json_node_get_object (input), "order", "changed");
  s = to_json (((ParleyChatBlock *) assistant->blocks->pdata[1])->json);
  g_assert_cmpstr (s, ==, "{\"order\":\"A-1\"}");

  g_assert_cmpint (block->kind, ==, PARLEY_CHAT_BLOCK_TOOL_RESULT);
  g_assert_true (block->is_error);
  g_assert_cmpstr (block->tool_use_id, ==, "t1");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (empty_use->json));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (empty_use->json)), ==, 0);
  g_assert_cmpstr (tool->name, ==, "order");
  g_assert_true (json_node_equal (tool->input_schema, schema));

  {
    g_autoptr(ParleyChatMessage) empty = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);
    g_autofree char *none = parley_chat_message_dup_text (empty);

    g_assert_cmpstr (none, ==, "");
  }
}

static ParleyChatRequest *
full_request (void)
{
  ParleyChatRequest *request = parley_chat_request_new ("anthropic.claude-3-haiku");
  g_autoptr(JsonNode) input = json ("{\"order_id\":\"A-1\"}");
  g_autoptr(JsonNode) result = json ("{\"status\":\"shipped\"}");
  g_autoptr(JsonNode) schema = json ("{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}}}");
  ParleyChatMessage *assistant = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
  ParleyChatMessage *user = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);
  const char *stops[] = { "###", NULL };

  request->system = g_strdup ("You are a helpful assistant.");
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Where is A-1?"));
  parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("t1", "get_order", input));
  g_ptr_array_add (request->messages, assistant);
  parley_chat_message_add_block (user, parley_chat_block_new_tool_result ("t1", result, FALSE));
  g_ptr_array_add (request->messages, user);
  g_ptr_array_add (request->tools, parley_chat_tool_new ("get_order", "Looks up an order", schema));
  request->max_tokens = 256;
  request->temperature = 0.5;
  request->top_p = 0.25;
  request->stop_sequences = g_strdupv ((char **) stops);
  request->guardrail_id = g_strdup ("gr1");
  request->guardrail_version = g_strdup ("1");
  request->guardrail_trace = TRUE;
  request->guardrail_stream_mode = g_strdup ("async");
  return request;
}

static void
test_request_copy (void)
{
  g_autoptr(ParleyChatRequest) request = full_request ();
  g_autoptr(ParleyChatRequest) copy = parley_chat_request_copy (request);
  g_autoptr(GError) error = NULL;
  ParleyChatBlock *b, *cb;

  g_assert_true (parley_chat_request_validate (request, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (copy->model_id, ==, request->model_id);
  g_assert_cmpstr (copy->system, ==, request->system);
  g_assert_cmpuint (copy->messages->len, ==, 3);
  g_assert_cmpuint (copy->tools->len, ==, 1);
  g_assert_cmpint (copy->max_tokens, ==, 256);
  g_assert_cmpfloat (copy->temperature, ==, 0.5);
  g_assert_cmpfloat (copy->top_p, ==, 0.25);
  g_assert_cmpstr (copy->stop_sequences[0], ==, "###");
  g_assert_null (copy->stop_sequences[1]);
  g_assert_cmpstr (copy->guardrail_id, ==, "gr1");
  g_assert_cmpstr (copy->guardrail_version, ==, "1");
  g_assert_true (copy->guardrail_trace);
  g_assert_cmpstr (copy->guardrail_stream_mode, ==, "async");

  /* Deep: every message, block, JSON node and tool is its own. */
  g_assert_true (copy->messages->pdata[1] != request->messages->pdata[1]);
  b = ((ParleyChatMessage *) request->messages->pdata[1])->blocks->pdata[0];
  cb = ((ParleyChatMessage *) copy->messages->pdata[1])->blocks->pdata[0];
  g_assert_true (b != cb);
  g_assert_true (b->json != cb->json);
  g_assert_true (json_node_equal (b->json, cb->json));
  g_assert_cmpstr (cb->tool_use_id, ==, "t1");
  g_assert_cmpstr (cb->tool_name, ==, "get_order");
  json_object_set_string_member (json_node_get_object (b->json), "order_id", "B-2");
  g_assert_false (json_node_equal (b->json, cb->json));
  g_assert_true (((ParleyChatTool *) copy->tools->pdata[0])->input_schema
                 != ((ParleyChatTool *) request->tools->pdata[0])->input_schema);

  /* Unset values survive a copy. */
  {
    g_autoptr(ParleyChatRequest) bare = parley_chat_request_new ("m");
    g_autoptr(ParleyChatRequest) bare_copy = parley_chat_request_copy (bare);

    g_assert_cmpfloat (bare_copy->temperature, <, 0);
    g_assert_cmpfloat (bare_copy->top_p, <, 0);
    g_assert_null (bare_copy->stop_sequences);
    g_assert_null (bare_copy->system);
    g_assert_null (bare_copy->guardrail_id);
  }
}

typedef void (*Breaker) (ParleyChatRequest *request);

static void break_model (ParleyChatRequest *r) { g_clear_pointer (&r->model_id, g_free); }
static void break_no_messages (ParleyChatRequest *r) { g_ptr_array_set_size (r->messages, 0); }
static void break_empty_message (ParleyChatRequest *r)
{
  g_ptr_array_add (r->messages, parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT));
}
static void break_utf8 (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[0])->blocks->pdata[0];

  g_free (b->text);
  b->text = g_strdup ("caf\xe9");
}
static void break_tool_use_from_user (ParleyChatRequest *r)
{
  parley_chat_message_add_block (r->messages->pdata[0], parley_chat_block_new_tool_use ("x", "y", NULL));
}
static void break_tool_result_from_assistant (ParleyChatRequest *r)
{
  parley_chat_message_add_block (r->messages->pdata[1], parley_chat_block_new_tool_result ("t1", NULL, FALSE));
}
static void break_unanswered_result (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[2])->blocks->pdata[0];

  g_free (b->tool_use_id);
  b->tool_use_id = g_strdup ("t9");
}
static void break_missing_result (ParleyChatRequest *r)
{
  g_autoptr(JsonNode) input = json ("{}");

  parley_chat_message_add_block (r->messages->pdata[1], parley_chat_block_new_tool_use ("t2", "get_order", input));
}
static void break_tool_input (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[1])->blocks->pdata[0];

  json_node_unref (b->json);
  b->json = json ("[1,2]");
}
static void break_tool_name (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[1])->blocks->pdata[0];

  g_clear_pointer (&b->tool_name, g_free);
}
static void break_duplicate_tool (ParleyChatRequest *r)
{
  g_autoptr(JsonNode) schema = json ("{}");

  g_ptr_array_add (r->tools, parley_chat_tool_new ("get_order", NULL, schema));
}
static void break_schema (ParleyChatRequest *r)
{
  g_autoptr(JsonNode) schema = json ("\"object\"");

  g_ptr_array_add (r->tools, parley_chat_tool_new ("other", NULL, schema));
}
static void break_temperature (ParleyChatRequest *r) { r->temperature = NAN; }
static void break_top_p (ParleyChatRequest *r) { r->top_p = INFINITY; }
static void break_max_tokens (ParleyChatRequest *r) { r->max_tokens = -5; }
static void break_stop (ParleyChatRequest *r) { g_free (r->stop_sequences[0]); r->stop_sequences[0] = g_strdup (""); }
static void break_guardrail (ParleyChatRequest *r) { g_clear_pointer (&r->guardrail_version, g_free); }
static void break_stream_mode (ParleyChatRequest *r)
{
  g_free (r->guardrail_stream_mode);
  r->guardrail_stream_mode = g_strdup ("later");
}

static void
test_request_validate (void)
{
  static const struct {
    Breaker     breaker;
    const char *message;
  } cases[] = {
    { break_model,                      "model id" },
    { break_no_messages,                "at least one message" },
    { break_empty_message,              "no content" },
    { break_utf8,                       "UTF-8" },
    { break_tool_use_from_user,         "tool use in a user message" },
    { break_tool_result_from_assistant, "tool result in an assistant message" },
    { break_unanswered_result,          "answers no tool use" },
    { break_missing_result,             "no tool result for tool use t2" },
    { break_tool_input,                 "must be a JSON object" },
    { break_tool_name,                  "needs an id and a name" },
    { break_duplicate_tool,             "defined twice" },
    { break_schema,                     "schema must be a JSON object" },
    { break_temperature,                "temperature" },
    { break_top_p,                      "top_p" },
    { break_max_tokens,                 "max_tokens" },
    { break_stop,                       "stop sequence 0" },
    { break_guardrail,                  "guardrail needs a version" },
    { break_stream_mode,                "stream mode" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyChatRequest) request = full_request ();
      g_autoptr(GError) error = NULL;

      cases[i].breaker (request);
      g_assert_false (parley_chat_request_validate (request, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: \"%s\" does not mention \"%s\"", i, error->message, cases[i].message);
      g_assert_false (parley_aws_error_is_retryable (error));
    }
}

/* ------------------------------------------------------------------ */
/* Accumulator                                                          */
/* ------------------------------------------------------------------ */

static ParleyChatEvent
ev (ParleyChatEventKind kind,
    guint               index,
    const char         *text)
{
  ParleyChatEvent e = { .kind = kind, .index = index, .text = text };

  return e;
}

static ParleyChatEvent
ev_tool (guint       index,
         const char *id,
         const char *name)
{
  ParleyChatEvent e = { .kind = PARLEY_CHAT_EVENT_BLOCK_START, .index = index, .tool_use_id = id, .tool_name = name };

  return e;
}

static ParleyChatEvent
ev_stop (const char *reason)
{
  ParleyChatEvent e = { .kind = PARLEY_CHAT_EVENT_MESSAGE_STOP, .stop_reason = reason };

  return e;
}

static ParleyChatEvent
ev_meta (gint64 in,
         gint64 out,
         gint64 latency)
{
  ParleyChatEvent e = { .kind = PARLEY_CHAT_EVENT_METADATA, .usage = { in, out, in + out }, .latency_ms = latency };

  return e;
}

static void
add_ok (ParleyChatAccumulator *acc,
        ParleyChatEvent        e)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (parley_chat_accumulator_add (acc, &e, &error));
  g_assert_no_error (error);
}

static void
test_accumulator_tool_use (void)
{
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  g_autoptr(ParleyChatResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = NULL;
  ParleyChatBlock *b;

  add_ok (acc, ev (PARLEY_CHAT_EVENT_MESSAGE_START, 0, NULL));
  /* Bedrock: no contentBlockStart for text. */
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TEXT_DELTA, 0, "Let me "));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TEXT_DELTA, 0, "look."));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 0, NULL));
  add_ok (acc, ev_tool (1, "tooluse_1", "get_order"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 1, "{\"order"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 1, "_id\": \"A-"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 1, "1\"}"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 1, NULL));
  /* A tool with no parameters: no delta at all. */
  add_ok (acc, ev_tool (2, "tooluse_2", "list_orders"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 2, NULL));
  g_assert_false (parley_chat_accumulator_is_complete (acc));
  add_ok (acc, ev_stop ("tool_use"));
  g_assert_true (parley_chat_accumulator_is_complete (acc));
  add_ok (acc, ev_meta (30, 12, 480));

  response = parley_chat_accumulator_finish (acc, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpstr (response->stop_reason, ==, "tool_use");
  g_assert_cmpint (response->usage.input_tokens, ==, 30);
  g_assert_cmpint (response->usage.output_tokens, ==, 12);
  g_assert_cmpint (response->usage.total_tokens, ==, 42);
  g_assert_cmpint (response->latency_ms, ==, 480);
  g_assert_cmpint (response->message->role, ==, PARLEY_CHAT_ROLE_ASSISTANT);
  g_assert_cmpuint (response->message->blocks->len, ==, 3);
  b = response->message->blocks->pdata[0];
  g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TEXT);
  g_assert_cmpstr (b->text, ==, "Let me look.");
  b = response->message->blocks->pdata[1];
  g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TOOL_USE);
  g_assert_cmpstr (b->tool_use_id, ==, "tooluse_1");
  g_assert_cmpstr (b->tool_name, ==, "get_order");
  input = to_json (b->json);
  g_assert_cmpstr (input, ==, "{\"order_id\":\"A-1\"}");
  b = response->message->blocks->pdata[2];
  g_assert_cmpstr (b->tool_name, ==, "list_orders");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (b->json));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (b->json)), ==, 0);
}

static void
test_accumulator_lenient (void)
{
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  g_autoptr(ParleyChatResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  /* Reasoning at block 0 (deltas skipped by the codec, only its stop
   * arrives), an explicitly started text block that stays empty, text at
   * block 3 arriving before block 2's start: blocks end in index order. */
  add_ok (acc, ev (PARLEY_CHAT_EVENT_MESSAGE_START, 0, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 0, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_START, 1, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 1, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TEXT_DELTA, 3, "second"));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_START, 2, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_TEXT_DELTA, 2, "first "));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 3, NULL));
  add_ok (acc, ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 2, NULL));
  add_ok (acc, ev_stop ("end_turn"));

  response = parley_chat_accumulator_finish (acc, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->message->blocks->len, ==, 2);
  g_assert_cmpstr (((ParleyChatBlock *) response->message->blocks->pdata[0])->text, ==, "first ");
  g_assert_cmpstr (((ParleyChatBlock *) response->message->blocks->pdata[1])->text, ==, "second");
  /* No metadata: zero usage. */
  g_assert_cmpint (response->usage.total_tokens, ==, 0);
}

static void
test_accumulator_errors (void)
{
  ParleyChatEvent start = ev (PARLEY_CHAT_EVENT_MESSAGE_START, 0, NULL);
  ParleyChatEvent text0 = ev (PARLEY_CHAT_EVENT_TEXT_DELTA, 0, "x");
  ParleyChatEvent stop0 = ev (PARLEY_CHAT_EVENT_BLOCK_STOP, 0, NULL);
  ParleyChatEvent tool0 = ev_tool (0, "t", "n");
  ParleyChatEvent tdelta0 = ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 0, "{}");
  ParleyChatEvent mstop = ev_stop ("end_turn");
  ParleyChatEvent meta = ev_meta (1, 1, 1);
  ParleyChatEvent nameless = ev_tool (0, "t", NULL);
  ParleyChatEvent empty_name = ev_tool (0, "t", "");
  ParleyChatEvent no_reason = ev_stop (NULL);
  ParleyChatEvent bad_input = ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 0, "[1, 2]");
  ParleyChatEvent broken_input = ev (PARLEY_CHAT_EVENT_TOOL_DELTA, 0, "{\"a\": ");
  ParleyChatEvent negative = ev_meta (-1, 1, 1);
  const struct {
    const ParleyChatEvent *events[5];   /* up to and including the one that fails */
    const char            *message;
  } cases[] = {
    { { &text0 },                                   "before messageStart" },
    { { &start, &start },                           "second messageStart" },
    { { &start, &stop0, &stop0 },                   "stopped twice" },
    { { &start, &stop0, &text0 },                   "after its stop" },
    { { &start, &tdelta0 },                         "was not started" },
    { { &start, &text0, &tdelta0 },                 "a text block" },
    { { &start, &tool0, &text0 },                   "a tool use" },
    { { &start, &stop0, &mstop, &text0 },           "after messageStop" },
    { { &start, &meta, &mstop, &meta },             "second metadata" },
    { { &start, &text0, &mstop },                   "still open" },
    { { &start, &nameless },                        "needs an id and a name" },
    { { &start, &empty_name },                      "needs an id and a name" },
    { { &start, &no_reason },                       "without a stop reason" },
    { { &start, &tool0, &bad_input, &stop0 },       "not a JSON object" },
    { { &start, &tool0, &broken_input, &stop0 },    "not valid JSON" },
    { { &start, &tool0, &tool0 },                   "started twice" },
    { { &start, &negative },                        "negative" },
    { { &start, &mstop, &mstop },                   "after messageStop" },
    { { &start, &tool0, &stop0, &tdelta0 },         "after its stop" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
      g_autoptr(GError) error = NULL;
      guint k;

      for (k = 0; cases[i].events[k + 1] != NULL; k++)
        if (!parley_chat_accumulator_add (acc, cases[i].events[k], &error))
          g_error ("case %u: event %u failed early: %s", i, k, error->message);
      g_assert_false (parley_chat_accumulator_add (acc, cases[i].events[k], &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: \"%s\" does not mention \"%s\"", i, error->message, cases[i].message);
      g_clear_error (&error);

      /* A failed accumulator stays failed. */
      g_assert_false (parley_chat_accumulator_add (acc, &start, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      g_clear_error (&error);
      g_assert_false (parley_chat_accumulator_is_complete (acc));
      g_assert_null (parley_chat_accumulator_finish (acc, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    }

  /* A stream that ends early. */
  {
    g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
    g_autoptr(GError) error = NULL;

    add_ok (acc, start);
    add_ok (acc, text0);
    g_assert_null (parley_chat_accumulator_finish (acc, &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "before messageStop"));
  }
}

/* ------------------------------------------------------------------ */
/* Strict JSON                                                          */
/* ------------------------------------------------------------------ */

static char *
nested (guint depth)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_json_check (void)
{
  static const char * const good[] = {
    "{}", "[]", "0", "-0", "1.5e-3", "-1E+2", "true", "false", "null", "\"\"",
    " \t\r\n{\"a\" : [1, 2.0, \"x\", {\"b\": null}]} \n",
    "{\"\":1}", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"", "\"\\ud83d\\ude00\"", "\"😀 中文 é\"",
    "9223372036854775807", "-9223372036854775808", "1e308", "1e-400",
    "{\"a\":1,\"a\":2}",
  };
  static const struct {
    const char *text;
    const char *problem;
  } bad[] = {
    { "", "empty" },
    { "   ", "unexpected end" },
    { "{", "unexpected end" },
    { "[1,]", "value should be" },
    { "{\"a\":1,}", "not a string" },
    { "{'a':1}", "not a string" },
    { "/* c */ {}", "value should be" },
    { "[0x10]", "after a value" },
    { "[01]", "after a value" },
    { "[1.]", "bad number" },
    { "[.5]", "value should be" },
    { "[+1]", "value should be" },
    { "[-]", "bad number" },
    { "[1e]", "bad number" },
    { "[NaN]", "value should be" },
    { "[Infinity]", "value should be" },
    { "[tru]", "value should be" },
    { "[1] [2]", "after the end" },
    { "{} x", "after the end" },
    { "{\"a\" 1}", "missing ':'" },
    { "[1}", "after a value" },
    { "{\"a\":1]", "after a value" },
    { "99999999999999999999", "64-bit range" },
    { "-9223372036854775809", "64-bit range" },
    { "1e400", "out of range" },
    { "-1e309", "out of range" },
    { "\"a\\u0000b\"", "\\u0000" },
    { "\"\\ud800\"", "unpaired surrogate" },
    { "\"\\ud800\\u0041\"", "unpaired surrogate" },
    { "\"\\udc00\"", "unpaired surrogate" },
    { "\"\\u12\"", "bad \\u escape" },
    { "\"\\x41\"", "bad escape" },
    { "\"a\tb\"", "control character" },
    { "\"abc", "unterminated" },
    { "\"caf\xe9\"", "UTF-8" },
    { "[\"a\"\0]", "NUL byte at byte 4" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parley_json_parse (good[i], strlen (good[i]), "test", &error);

      if (error != NULL)
        g_error ("good[%u] %s: %s", i, good[i], error->message);
      g_assert_nonnull (node);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = strlen (bad[i].text);

      if (i == G_N_ELEMENTS (bad) - 1)
        len = 6;   /* the embedded NUL */
      g_assert_false (parley_json_check (bad[i].text, len, "test", &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      if (strstr (error->message, bad[i].problem) == NULL)
        g_error ("bad[%u] %s: \"%s\" does not mention \"%s\"", i, bad[i].text, error->message, bad[i].problem);
      g_assert_true (g_str_has_prefix (error->message, "test is not valid JSON"));
    }

  /* Exactly the depth limit is fine; one more, or far more, is an error
   * (json-glib alone overflows its stack on the latter). */
  {
    g_autofree char *ok = nested (PARLEY_JSON_MAX_DEPTH);
    g_autofree char *deep = nested (PARLEY_JSON_MAX_DEPTH + 1);
    g_autofree char *huge = nested (500000);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = parley_json_parse (ok, strlen (ok), "test", &error);

    g_assert_no_error (error);
    g_assert_nonnull (node);
    g_assert_null (parley_json_parse (deep, strlen (deep), "test", &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "too deep"));
    g_clear_error (&error);
    g_assert_null (parley_json_parse (huge, strlen (huge), "test", &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
  }

  /* The data need not be NUL-terminated. */
  {
    const char text[] = { '{', '}', 'x' };
    g_autoptr(GError) error = NULL;

    g_assert_true (parley_json_check (text, 2, "test", &error));
    g_assert_no_error (error);
  }

  /* Object roots only, where asked. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (parley_json_parse_object ("[1]", 3, "thing", &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    g_assert_cmpstr (error->message, ==, "thing is not a JSON object");
  }
}

static void
test_json_members (void)
{
  const char *text = "{\"s\":\"x\",\"i\":42,\"big\":3000000000,\"d\":1.5,\"b\":true,\"n\":null,"
                     "\"o\":{},\"a\":[{},1]}";
  g_autoptr(JsonNode) root = parley_json_parse_object (text, strlen (text), "test", NULL);
  JsonObject *o = json_node_get_object (root), *obj;
  JsonArray *arr;
  const char *s;
  gint64 i = -7;
  double d = -7;
  gboolean b = FALSE;
  g_autoptr(GError) error = NULL;

  g_assert_true (parley_json_member_string (o, "s", TRUE, &s, "", &error));
  g_assert_cmpstr (s, ==, "x");
  g_assert_true (parley_json_member_int (o, "i", TRUE, 0, 100, &i, "", &error));
  g_assert_cmpint (i, ==, 42);
  g_assert_true (parley_json_member_double (o, "i", TRUE, &d, "", &error));
  g_assert_cmpfloat (d, ==, 42);
  g_assert_true (parley_json_member_double (o, "d", TRUE, &d, "", &error));
  g_assert_cmpfloat (d, ==, 1.5);
  g_assert_true (parley_json_member_bool (o, "b", TRUE, &b, "", &error));
  g_assert_true (b);
  g_assert_true (parley_json_member_object (o, "o", TRUE, &obj, "", &error));
  g_assert_nonnull (obj);
  g_assert_true (parley_json_member_array (o, "a", TRUE, &arr, "", &error));
  g_assert_cmpuint (json_array_get_length (arr), ==, 2);
  g_assert_true (parley_json_element_object (arr, 0, &obj, "a", &error));
  g_assert_no_error (error);

  /* Absent and null: fine when optional, pointers cleared, numbers kept. */
  s = "stale";
  i = 9;
  g_assert_true (parley_json_member_string (o, "n", FALSE, &s, "", &error));
  g_assert_null (s);
  g_assert_true (parley_json_member_int (o, "missing", FALSE, 0, 1, &i, "", &error));
  g_assert_cmpint (i, ==, 9);
  g_assert_no_error (error);

  /* Errors name the path. */
  g_assert_false (parley_json_member_string (o, "n", TRUE, &s, "root.x", &error));
  g_assert_cmpstr (error->message, ==, "root.x.n is missing");
  g_clear_error (&error);
  g_assert_false (parley_json_member_string (o, "i", TRUE, &s, "root", &error));
  g_assert_cmpstr (error->message, ==, "root.i: expected a string, got an integer");
  g_clear_error (&error);
  g_assert_false (parley_json_member_int (o, "d", TRUE, 0, 10, &i, "", &error));
  g_assert_cmpstr (error->message, ==, "d: expected an integer, got a number");
  g_clear_error (&error);
  g_assert_false (parley_json_member_int (o, "big", TRUE, 0, G_MAXINT32, &i, "", &error));
  g_assert_nonnull (strstr (error->message, "out of range"));
  g_clear_error (&error);
  g_assert_false (parley_json_member_double (o, "s", TRUE, &d, "", &error));
  g_assert_cmpstr (error->message, ==, "s: expected a number, got a string");
  g_clear_error (&error);
  g_assert_false (parley_json_member_bool (o, "i", TRUE, &b, "", &error));
  g_clear_error (&error);
  g_assert_false (parley_json_member_object (o, "a", TRUE, &obj, "", &error));
  g_assert_cmpstr (error->message, ==, "a: expected an object, got an array");
  g_clear_error (&error);
  g_assert_false (parley_json_member_array (o, "o", TRUE, &arr, "", &error));
  g_clear_error (&error);
  g_assert_true (parley_json_member_array (o, "a", TRUE, &arr, "", &error));
  g_assert_false (parley_json_element_object (arr, 1, &obj, "a", &error));
  g_assert_cmpstr (error->message, ==, "a[1]: expected an object, got an integer");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
}

static void
test_json_write (void)
{
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
    /* json-glib's own generator writes "1e+22.0" and "1e+76.0" here. */
    { "[1e22, 9999999999999999999999999999999999999999999999999999999999999999999999999999.0, 2E+17]",
      "[1e+22,1e+76,2e+17]" },
    { "[1.5e300, 1.0, -0.0, 0.5, 100, -9223372036854775808]",
      "[1.5000000000000001e+300,1.0,-0.0,0.5,100,-9223372036854775808]" },
    { "{\"b\": [true, false, null], \"a\": {}, \"\": []}", "{\"b\":[true,false,null],\"a\":{},\"\":[]}" },
    { "\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u0001\\u007f é 😀\"",
      "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u007f é 😀\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parley_json_parse (cases[i].in, strlen (cases[i].in), "in", &error);
      g_autoptr(JsonNode) again = NULL;
      g_autofree char *out = NULL;
      gsize len = 0;

      g_assert_no_error (error);
      out = parley_json_to_data (node, &len);
      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_cmpuint (len, ==, strlen (out));
      again = parley_json_parse (out, len, "out", &error);
      g_assert_no_error (error);
      g_assert_true (json_node_equal (node, again));
    }

  /* Non-finite doubles (which no parsed tree holds) come out as null. */
  {
    g_autoptr(JsonNode) nan = json_node_init_double (json_node_alloc (), NAN);
    g_autofree char *out = parley_json_to_data (nan, NULL);

    g_assert_cmpstr (out, ==, "null");
  }
}

static void
test_json_tool_input (void)
{
  static const char * const bad[] = { "[]", "\"x\"", "1", "null", "{", "{} {}" };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) empty = parley_json_parse_tool_input (" \n", 2, "input", &error);
  g_autoptr(JsonNode) object = parley_json_parse_tool_input ("{\"a\":1}", 7, "input", &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (empty));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (object));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (parley_json_parse_tool_input (bad[i], strlen (bad[i]), "input", &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

static void
test_clean_message (void)
{
  g_autofree char *a = parley_json_clean_message ("line one\nline two\r\tend");
  g_autofree char *b = parley_json_clean_message ("caf\xe9 \xe2\x80\xa8 ok");
  g_autofree char *long_text = g_strnfill (5000, 'x');
  g_autofree char *c = parley_json_clean_message (long_text);
  g_autofree char *utf8 = g_strnfill (999, 'a');
  g_autofree char *edge_in = g_strconcat (utf8, "é", NULL);
  g_autofree char *d = parley_json_clean_message (edge_in);

  g_assert_cmpstr (a, ==, "line one line two  end");
  g_assert_true (g_utf8_validate (b, -1, NULL));
  g_assert_null (strchr (b, '\n'));
  g_assert_null (strstr (b, "\xe2\x80\xa8"));
  g_assert_cmpuint (strlen (c), <=, 1000 + strlen ("…"));
  g_assert_true (g_str_has_suffix (c, "…"));
  /* Never cut inside a character. */
  g_assert_true (g_utf8_validate (d, -1, NULL));
  g_assert_null (parley_json_clean_message (NULL));
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);
  g_test_add_func ("/chat/shapes", test_shapes);
  g_test_add_func ("/chat/request/copy", test_request_copy);
  g_test_add_func ("/chat/request/validate", test_request_validate);
  g_test_add_func ("/chat/accumulator/tool-use", test_accumulator_tool_use);
  g_test_add_func ("/chat/accumulator/lenient", test_accumulator_lenient);
  g_test_add_func ("/chat/accumulator/errors", test_accumulator_errors);
  g_test_add_func ("/chat/json/check", test_json_check);
  g_test_add_func ("/chat/json/members", test_json_members);
  g_test_add_func ("/chat/json/write", test_json_write);
  g_test_add_func ("/chat/json/tool-input", test_json_tool_input);
  g_test_add_func ("/chat/json/clean-message", test_clean_message);
  return g_test_run ();
}
