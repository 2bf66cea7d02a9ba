/* test-bedrock-json.c — Bedrock's JSON both ways: golden request bodies,
 * responses as the API models describe them, every bad shape, the
 * rest-json error protocol, and a ConverseStream tool-use answer going
 * through the event-stream codec, the dispatcher and the accumulator at
 * every split of its bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "parley-aws-error.h"
#include "parley-bedrock-json.h"
#include "parley-event-stream.h"
#include "test-utils.h"

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

/* @actual must be exactly @expected (written readably), member order included. */
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

static ParleyChatRequest *
conversation (void)
{
  ParleyChatRequest *request = parley_chat_request_new ("anthropic.claude-3-5-haiku-20241022-v1:0");
  g_autoptr(JsonNode) input = json ("{\"order_id\": \"A-1001\"}");
  g_autoptr(JsonNode) result = json ("{\"status\": \"shipped\", \"eta\": \"2024-05-02\"}");
  g_autoptr(JsonNode) schema = json ("{\"type\": \"object\", \"properties\": {\"order_id\": {\"type\": \"string\"}},"
                                     " \"required\": [\"order_id\"]}");
  ParleyChatMessage *assistant = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
  ParleyChatMessage *user = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);

  request->system = g_strdup ("You are Parley, the shop's assistant.");
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Where is my order A-1001?"));
  parley_chat_message_add_block (assistant, parley_chat_block_new_text ("Let me check."));
  parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                                                                            "get_order", input));
  g_ptr_array_add (request->messages, assistant);
  parley_chat_message_add_block (user, parley_chat_block_new_tool_result ("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                                                                          result, FALSE));
  g_ptr_array_add (request->messages, user);
  g_ptr_array_add (request->tools, parley_chat_tool_new ("get_order", "Looks up an order by id", schema));
  return request;
}

/* ------------------------------------------------------------------ */
/* Converse bodies                                                      */
/* ------------------------------------------------------------------ */

static void
test_converse_body_minimal (void)
{
  g_autoptr(ParleyChatRequest) request = parley_chat_request_new ("amazon.nova-micro-v1:0");
  g_autofree char *body = NULL;
  gsize len = 0;

  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Hi"));
  g_assert_true (parley_bedrock_validate_request (request, NULL));
  body = parley_bedrock_converse_body (request, &len);
  /* No modelId (a URI label), no empty configs. */
  assert_json (body, len, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"Hi\"}]}]}");
}

static void
test_converse_body_full (void)
{
  g_autoptr(ParleyChatRequest) request = conversation ();
  const char *stops[] = { "\n\nHuman:", "END", NULL };
  g_autofree char *body = NULL;
  g_autofree char *stream_body = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0, stream_len = 0;

  request->max_tokens = 512;
  request->temperature = 0.5;
  request->top_p = 0.875;
  request->stop_sequences = g_strdupv ((char **) stops);
  request->guardrail_id = g_strdup ("gr0abc123");
  request->guardrail_version = g_strdup ("3");
  request->guardrail_trace = TRUE;
  request->guardrail_stream_mode = g_strdup ("async");
  g_assert_true (parley_bedrock_validate_request (request, &error));
  g_assert_no_error (error);

  body = parley_bedrock_converse_body (request, &len);
  assert_json (body, len,
    "{"
    "  \"messages\": ["
    "    {\"role\": \"user\", \"content\": [{\"text\": \"Where is my order A-1001?\"}]},"
    "    {\"role\": \"assistant\", \"content\": ["
    "      {\"text\": \"Let me check.\"},"
    "      {\"toolUse\": {\"toolUseId\": \"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\", \"name\": \"get_order\","
    "                     \"input\": {\"order_id\": \"A-1001\"}}}]},"
    "    {\"role\": \"user\", \"content\": ["
    "      {\"toolResult\": {\"toolUseId\": \"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\","
    "                        \"content\": [{\"json\": {\"status\": \"shipped\", \"eta\": \"2024-05-02\"}}]}}]}"
    "  ],"
    "  \"system\": [{\"text\": \"You are Parley, the shop's assistant.\"}],"
    "  \"inferenceConfig\": {\"maxTokens\": 512, \"temperature\": 0.5, \"topP\": 0.875,"
    "                      \"stopSequences\": [\"\\n\\nHuman:\", \"END\"]},"
    "  \"toolConfig\": {\"tools\": [{\"toolSpec\": {\"name\": \"get_order\", \"description\": \"Looks up an order by id\","
    "    \"inputSchema\": {\"json\": {\"type\": \"object\", \"properties\": {\"order_id\": {\"type\": \"string\"}},"
    "                                \"required\": [\"order_id\"]}}}}]},"
    "  \"guardrailConfig\": {\"guardrailIdentifier\": \"gr0abc123\", \"guardrailVersion\": \"3\", \"trace\": \"enabled\"}"
    "}");

  /* ConverseStream's guardrailConfig also has streamProcessingMode. */
  stream_body = parley_bedrock_converse_stream_body (request, &stream_len);
  {
    g_autoptr(JsonNode) root = json (stream_body);
    JsonObject *config = json_object_get_object_member (json_node_get_object (root), "guardrailConfig");

    g_assert_cmpstr (json_object_get_string_member (config, "streamProcessingMode"), ==, "async");
    g_assert_cmpstr (json_object_get_string_member (config, "trace"), ==, "enabled");
    g_assert_cmpuint (json_object_get_size (config), ==, 4);
  }

  /* Only the fields that are set. */
  request->max_tokens = 0;
  request->top_p = -1;
  g_clear_pointer (&request->stop_sequences, g_strfreev);
  request->guardrail_trace = FALSE;
  {
    g_autofree char *b = parley_bedrock_converse_body (request, &len);
    g_autoptr(JsonNode) root = json (b);
    JsonObject *o = json_node_get_object (root);
    g_autofree char *config = json_to_string (json_object_get_member (o, "inferenceConfig"), FALSE);
    g_autofree char *guardrail = json_to_string (json_object_get_member (o, "guardrailConfig"), FALSE);

    assert_json (config, strlen (config), "{\"temperature\": 0.5}");
    /* Converse has no streamProcessingMode. */
    assert_json (guardrail, strlen (guardrail),
                 "{\"guardrailIdentifier\": \"gr0abc123\", \"guardrailVersion\": \"3\", \"trace\": \"disabled\"}");
  }
}

static void
test_tool_results (void)
{
  static const struct {
    const char *result;     /* JSON, or NULL for no result */
    gboolean    is_error;
    const char *expected;
  } cases[] = {
    { "{\"a\": 1}", FALSE, "{\"toolUseId\": \"t1\", \"content\": [{\"json\": {\"a\": 1}}]}" },
    { "\"plain words\"", FALSE, "{\"toolUseId\": \"t1\", \"content\": [{\"text\": \"plain words\"}]}" },
    { "[1, 2]", FALSE, "{\"toolUseId\": \"t1\", \"content\": [{\"text\": \"[1,2]\"}]}" },
    { "42", FALSE, "{\"toolUseId\": \"t1\", \"content\": [{\"text\": \"42\"}]}" },
    { NULL, FALSE, "{\"toolUseId\": \"t1\", \"content\": [{\"json\": {}}]}" },
    { "\"no such order\"", TRUE,
      "{\"toolUseId\": \"t1\", \"content\": [{\"text\": \"no such order\"}], \"status\": \"error\"}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyChatRequest) request = parley_chat_request_new ("m");
      g_autoptr(JsonNode) result = cases[i].result != NULL ? json (cases[i].result) : NULL;
      ParleyChatMessage *assistant = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
      ParleyChatMessage *user = parley_chat_message_new (PARLEY_CHAT_ROLE_USER);
      g_autofree char *body = NULL;
      g_autofree char *got = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      JsonArray *messages;
      JsonObject *block;

      g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "q"));
      parley_chat_message_add_block (assistant, parley_chat_block_new_tool_use ("t1", "f", NULL));
      g_ptr_array_add (request->messages, assistant);
      parley_chat_message_add_block (user, parley_chat_block_new_tool_result ("t1", result, cases[i].is_error));
      g_ptr_array_add (request->messages, user);
      g_assert_true (parley_bedrock_validate_request (request, &error));
      g_assert_no_error (error);

      body = parley_bedrock_converse_body (request, NULL);
      root = json (body);
      messages = json_object_get_array_member (json_node_get_object (root), "messages");
      /* The tool use without input has an empty object. */
      block = json_array_get_object_element (
        json_object_get_array_member (json_array_get_object_element (messages, 1), "content"), 0);
      got = json_to_string (json_object_get_member (json_object_get_object_member (block, "toolUse"), "input"), FALSE);
      g_assert_cmpstr (got, ==, "{}");
      g_clear_pointer (&got, g_free);
      block = json_array_get_object_element (
        json_object_get_array_member (json_array_get_object_element (messages, 2), "content"), 0);
      got = json_to_string (json_object_get_member (block, "toolResult"), FALSE);
      assert_json (got, strlen (got), cases[i].expected);
    }
}

typedef void (*Breaker) (ParleyChatRequest *request);

static void bedrock_starts_with_assistant (ParleyChatRequest *r) { g_ptr_array_remove_index (r->messages, 0); }
static void bedrock_two_users (ParleyChatRequest *r)
{
  g_ptr_array_add (r->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "again"));
}
static void bedrock_hot (ParleyChatRequest *r) { r->temperature = 1.5; }
static void bedrock_top_p (ParleyChatRequest *r) { r->top_p = 1.01; }
static void bedrock_tool_name (ParleyChatRequest *r)
{
  ParleyChatTool *t = r->tools->pdata[0];

  g_free (t->name);
  t->name = g_strdup ("get order");
}
static void bedrock_use_name (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[1])->blocks->pdata[1];

  g_free (b->tool_name);
  b->tool_name = g_strnfill (65, 'a');
}
static void bedrock_use_id (ParleyChatRequest *r)
{
  ParleyChatBlock *b = ((ParleyChatMessage *) r->messages->pdata[1])->blocks->pdata[1];
  ParleyChatBlock *res = ((ParleyChatMessage *) r->messages->pdata[2])->blocks->pdata[0];

  g_free (b->tool_use_id);
  b->tool_use_id = g_strdup ("id/with/slash");
  g_free (res->tool_use_id);
  res->tool_use_id = g_strdup ("id/with/slash");
}
static void bedrock_empty_text (ParleyChatRequest *r)
{
  parley_chat_message_add_block (r->messages->pdata[0], parley_chat_block_new_text (""));
}
static void bedrock_empty_system (ParleyChatRequest *r) { g_free (r->system); r->system = g_strdup (""); }
static void bedrock_guardrail_version (ParleyChatRequest *r)
{
  r->guardrail_id = g_strdup ("gr1");
  r->guardrail_version = g_strdup ("01");
}
static void bedrock_generic (ParleyChatRequest *r) { g_ptr_array_set_size (r->messages, 0); }

static void
test_validate (void)
{
  static const struct {
    Breaker     breaker;
    const char *message;
  } cases[] = {
    { bedrock_starts_with_assistant, "must start with a user message" },
    { bedrock_two_users,             "alternate" },
    { bedrock_hot,                   "temperature 1.5" },
    { bedrock_top_p,                 "top_p" },
    { bedrock_tool_name,             "tool name get order" },
    { bedrock_use_name,              "does not match [a-zA-Z0-9_-]{1,64}" },
    { bedrock_use_id,                "tool use id id/with/slash" },
    { bedrock_empty_text,            "empty text block" },
    { bedrock_empty_system,          "empty system prompt" },
    { bedrock_guardrail_version,     "neither a number nor DRAFT" },
    { bedrock_generic,               "at least one message" },
  };
  g_autoptr(ParleyChatRequest) good = conversation ();

  good->guardrail_id = g_strdup ("gr1");
  good->guardrail_version = g_strdup ("DRAFT");
  g_assert_true (parley_bedrock_validate_request (good, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyChatRequest) request = conversation ();
      g_autoptr(GError) error = NULL;

      cases[i].breaker (request);
      g_assert_false (parley_bedrock_validate_request (request, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);
      assert_message_has (error, cases[i].message);
    }
}

/* ------------------------------------------------------------------ */
/* Converse response                                                    */
/* ------------------------------------------------------------------ */

static const char converse_tool_use[] =
  "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": ["
  "  {\"reasoningContent\": {\"reasoningText\": {\"text\": \"The user wants…\", \"signature\": \"c2ln\"}}},"
  "  {\"text\": \"I'll look up order A-1001.\"},"
  "  {\"toolUse\": {\"toolUseId\": \"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\", \"name\": \"get_order\","
  "               \"input\": {\"order_id\": \"A-1001\", \"verbose\": false}}}]}},"
  " \"stopReason\": \"tool_use\","
  " \"usage\": {\"inputTokens\": 412, \"outputTokens\": 57, \"totalTokens\": 469, \"cacheReadInputTokens\": 0},"
  " \"metrics\": {\"latencyMs\": 1234},"
  " \"additionalModelResponseFields\": {\"stop_sequence\": null},"
  " \"trace\": {\"guardrail\": {}}, \"performanceConfig\": {\"latency\": \"standard\"}}";

static void
test_parse_converse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyChatResponse) response = parley_bedrock_parse_converse (converse_tool_use,
                                                                         strlen (converse_tool_use), &error);
  g_autofree char *input = NULL;
  ParleyChatBlock *b;

  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpstr (response->stop_reason, ==, "tool_use");
  g_assert_cmpint (response->usage.input_tokens, ==, 412);
  g_assert_cmpint (response->usage.output_tokens, ==, 57);
  g_assert_cmpint (response->usage.total_tokens, ==, 469);
  g_assert_cmpint (response->latency_ms, ==, 1234);
  g_assert_null (response->model_id);
  g_assert_cmpint (response->message->role, ==, PARLEY_CHAT_ROLE_ASSISTANT);
  /* Reasoning is skipped. */
  g_assert_cmpuint (response->message->blocks->len, ==, 2);
  b = response->message->blocks->pdata[0];
  g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TEXT);
  g_assert_cmpstr (b->text, ==, "I'll look up order A-1001.");
  b = response->message->blocks->pdata[1];
  g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TOOL_USE);
  g_assert_cmpstr (b->tool_use_id, ==, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
  g_assert_cmpstr (b->tool_name, ==, "get_order");
  input = json_to_string (b->json, FALSE);
  g_assert_cmpstr (input, ==, "{\"order_id\":\"A-1001\",\"verbose\":false}");

  /* The answer goes back into the next request as it came. */
  {
    g_autoptr(ParleyChatRequest) next = parley_chat_request_new ("m");
    g_autofree char *body = NULL;
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonNode) want = json (converse_tool_use);
    JsonObject *sent;
    JsonArray *want_content;

    g_ptr_array_add (next->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "Where is A-1001?"));
    g_ptr_array_add (next->messages, parley_chat_message_copy (response->message));
    body = parley_bedrock_converse_body (next, NULL);
    root = json (body);
    sent = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "messages"), 1);
    want_content = json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (json_node_get_object (want), "output"), "message"),
      "content");
    g_assert_cmpstr (json_object_get_string_member (sent, "role"), ==, "assistant");
    g_assert_true (json_node_equal (json_array_get_element (json_object_get_array_member (sent, "content"), 0),
                                    json_array_get_element (want_content, 1)));
    g_assert_true (json_node_equal (json_array_get_element (json_object_get_array_member (sent, "content"), 1),
                                    json_array_get_element (want_content, 2)));
  }

  /* A toolResult in a message (as in a conversation the API echoes). */
  {
    const char *text = "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
                       "{\"toolResult\":{\"toolUseId\":\"t\",\"content\":[{\"text\":\"a\"},{\"text\":\"b\"}],"
                       "\"status\":\"error\"}},"
                       "{\"toolResult\":{\"toolUseId\":\"u\",\"content\":[{\"json\":{\"k\":[1]}}]}}]}},"
                       "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":0,\"outputTokens\":0,\"totalTokens\":0},"
                       "\"metrics\":{\"latencyMs\":0}}";
    g_autoptr(ParleyChatResponse) r = parley_bedrock_parse_converse (text, strlen (text), &error);
    g_autofree char *j = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (r->message->blocks->len, ==, 2);
    b = r->message->blocks->pdata[0];
    g_assert_cmpint (b->kind, ==, PARLEY_CHAT_BLOCK_TOOL_RESULT);
    g_assert_true (b->is_error);
    g_assert_cmpstr (json_node_get_string (b->json), ==, "ab");
    b = r->message->blocks->pdata[1];
    g_assert_false (b->is_error);
    j = json_to_string (b->json, FALSE);
    g_assert_cmpstr (j, ==, "{\"k\":[1]}");
  }
}

static void
test_parse_converse_bad (void)
{
  static const struct {
    const char *body;
    const char *message;
  } cases[] = {
    { "", "not valid JSON" },
    { "<html>502 Bad Gateway</html>", "not valid JSON" },
    { "[]", "not a JSON object" },
    { "{}", "output is missing" },
    { "{\"output\": []}", "output: expected an object, got an array" },
    { "{\"output\": {}}", "output.message is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\"}}}", "output.message.content is missing" },
    { "{\"output\": {\"message\": {\"role\": 1, \"content\": []}}}", "output.message.role: expected a string" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": {}}}}", "content: expected an array" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": [1]}}}", "content[0]: expected an object" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": [{\"text\": 5}]}}}",
      "content[0].text: expected a string" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": "
      "[{\"toolUse\": {\"toolUseId\": \"t\", \"name\": \"n\", \"input\": \"{}\"}}]}}}", "toolUse.input: expected an object" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": "
      "[{\"toolUse\": {\"toolUseId\": \"t\", \"name\": \"n\", \"input\": [1]}}]}}}", "toolUse.input: expected an object" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": "
      "[{\"toolUse\": {\"toolUseId\": \"t\", \"input\": {}}}]}}}", "toolUse.name is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}}", "stopReason is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": 3}", "stopReason: expected a string" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\"}",
      "usage is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1}}", "usage.totalTokens is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": -1, \"outputTokens\": 1, \"totalTokens\": 0}}", "out of range" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 1e3, \"outputTokens\": 1, \"totalTokens\": 0}}", "expected an integer" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 99999999999999, \"outputTokens\": 1, \"totalTokens\": 0}}", "out of range" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 99999999999999999999999, \"outputTokens\": 1, \"totalTokens\": 0}}", "64-bit range" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1, \"totalTokens\": 2}}", "metrics is missing" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1, \"totalTokens\": 2}, \"metrics\": {\"latencyMs\": NaN}}",
      "not valid JSON" },
    { "{\"output\": {\"message\": {\"role\": \"user\", \"content\": []}}, \"stopReason\": \"end_turn\","
      " \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1, \"totalTokens\": 2}, \"metrics\": {\"latencyMs\": 1}}",
      "expected \"assistant\"" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}, \"stopReason\": \"\","
      " \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1, \"totalTokens\": 2}, \"metrics\": {\"latencyMs\": 1}}",
      "stopReason is empty" },
    { "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": []}}} trailing", "after the end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ParleyChatResponse) response = parley_bedrock_parse_converse (cases[i].body, strlen (cases[i].body),
                                                                             &error);

      g_assert_null (response);
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      assert_message_has (error, cases[i].message);
      g_assert_true (g_str_has_prefix (error->message, "Converse response"));
    }
}

/* ------------------------------------------------------------------ */
/* ConverseStream                                                       */
/* ------------------------------------------------------------------ */

static ParleyEventMessage *
event_message (const char *event_type,
               const char *payload)
{
  ParleyEventMessage *m = parley_event_message_new ();

  parley_event_message_add_string (m, ":event-type", event_type);
  parley_event_message_add_string (m, ":content-type", "application/json");
  parley_event_message_add_string (m, ":message-type", "event");
  m->payload = g_bytes_new (payload, strlen (payload));
  return m;
}

static ParleyEventMessage *
exception_message (const char *exception_type,
                   const char *payload)
{
  ParleyEventMessage *m = parley_event_message_new ();

  parley_event_message_add_string (m, ":exception-type", exception_type);
  parley_event_message_add_string (m, ":content-type", "application/json");
  parley_event_message_add_string (m, ":message-type", "exception");
  m->payload = g_bytes_new (payload, strlen (payload));
  return m;
}

/* A ConverseStream answer as Bedrock sends it (with its "p" padding). */
static const char * const tool_stream[][2] = {
  { "messageStart",      "{\"p\":\"abcdefghij\",\"role\":\"assistant\"}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"text\":\"Think\"}},\"p\":\"ab\"}" },
  { "contentBlockStop",  "{\"contentBlockIndex\":0,\"p\":\"abcd\"}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"text\":\"Let me \"},\"p\":\"abcdefghijklmn\"}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"text\":\"check that. 📦\"},\"p\":\"a\"}" },
  { "futureEvent",       "{\"whatever\":true}" },
  { "contentBlockStop",  "{\"contentBlockIndex\":1,\"p\":\"abcdefghijklmnopq\"}" },
  { "contentBlockStart", "{\"contentBlockIndex\":2,\"p\":\"abc\",\"start\":{\"toolUse\":"
                         "{\"name\":\"get_order\",\"toolUseId\":\"tooluse_Xy9-1\"}}}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":2,\"delta\":{\"toolUse\":{\"input\":\"\"}},\"p\":\"abcdef\"}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":2,\"delta\":{\"toolUse\":{\"input\":\"{\\\"order_id\\\": \\\"A-\"}},"
                         "\"p\":\"abcdefgh\"}" },
  { "contentBlockDelta", "{\"contentBlockIndex\":2,\"delta\":{\"toolUse\":{\"input\":\"1001\\\"}\"}},\"p\":\"ab\"}" },
  { "contentBlockStop",  "{\"contentBlockIndex\":2,\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ\"}" },
  { "messageStop",       "{\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEFG\",\"stopReason\":\"tool_use\"}" },
  { "metadata",          "{\"metrics\":{\"latencyMs\":2021},\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEF\","
                         "\"usage\":{\"inputTokens\":431,\"outputTokens\":64,\"totalTokens\":495}}" },
};

typedef struct {
  ParleyChatAccumulator *acc;
  GString               *log;
  GError                *error;
} StreamState;

static void
log_event (const ParleyChatEvent *event,
           gpointer               user_data)
{
  StreamState *state = user_data;

  g_string_append_printf (state->log, "%d:%u:%s:%s:%s:%s;", event->kind, event->index,
                          event->text != NULL ? event->text : "-",
                          event->tool_use_id != NULL ? event->tool_use_id : "-",
                          event->tool_name != NULL ? event->tool_name : "-",
                          event->stop_reason != NULL ? event->stop_reason : "-");
  if (state->acc != NULL && state->error == NULL)
    parley_chat_accumulator_add (state->acc, event, &state->error);
}

static gboolean
dispatch_cb (ParleyEventMessage *message,
             gpointer            user_data)
{
  StreamState *state = user_data;

  if (state->error != NULL)
    return FALSE;
  parley_bedrock_stream_dispatch (message, log_event, state, &state->error);
  return state->error == NULL;
}

static GBytes *
encode_stream (const char * const (*events)[2],
               guint               n)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ParleyEventMessage) m = event_message (events[i][0], events[i][1]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) frame = parley_event_message_encode (m, &error);
      gsize len;
      const guint8 *data;

      g_assert_no_error (error);
      data = g_bytes_get_data (frame, &len);
      g_byte_array_append (all, data, (guint) len);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
test_stream_tool_use (void)
{
  g_autoptr(GBytes) bytes = encode_stream (tool_stream, G_N_ELEMENTS (tool_stream));
  g_autofree char *reference = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  /* Every split in two, and byte by byte. */
  for (gsize split = 0; split <= len + 1; split++)
    {
      g_autoptr(ParleyEventDecoder) decoder = parley_event_decoder_new ();
      g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
      g_autoptr(ParleyChatResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *input = NULL;
      StreamState state = { acc, g_string_new (NULL), NULL };
      ParleyChatBlock *b;

      if (split <= len)
        {
          g_assert_true (parley_event_decoder_feed (decoder, data, split, dispatch_cb, &state, &error));
          g_assert_true (parley_event_decoder_feed (decoder, data + split, len - split, dispatch_cb, &state, &error));
        }
      else
        for (gsize i = 0; i < len; i++)
          g_assert_true (parley_event_decoder_feed (decoder, data + i, 1, dispatch_cb, &state, &error));
      g_assert_no_error (error);
      g_assert_true (parley_event_decoder_finish (decoder, &error));
      g_assert_no_error (state.error);

      if (reference == NULL)
        reference = g_strdup (state.log->str);
      g_assert_cmpstr (state.log->str, ==, reference);
      g_string_free (state.log, TRUE);

      response = parley_chat_accumulator_finish (acc, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (response->stop_reason, ==, "tool_use");
      g_assert_cmpint (response->usage.input_tokens, ==, 431);
      g_assert_cmpint (response->usage.output_tokens, ==, 64);
      g_assert_cmpint (response->usage.total_tokens, ==, 495);
      g_assert_cmpint (response->latency_ms, ==, 2021);
      g_assert_cmpuint (response->message->blocks->len, ==, 2);
      b = response->message->blocks->pdata[0];
      g_assert_cmpstr (b->text, ==, "Let me check that. 📦");
      b = response->message->blocks->pdata[1];
      g_assert_cmpstr (b->tool_use_id, ==, "tooluse_Xy9-1");
      g_assert_cmpstr (b->tool_name, ==, "get_order");
      input = json_to_string (b->json, FALSE);
      g_assert_cmpstr (input, ==, "{\"order_id\":\"A-1001\"}");
    }

  /* The events themselves: reasoning and the future event are skipped. */
  g_assert_cmpstr (reference, ==,
                   "0:0:-:-:-:-;"
                   "4:0:-:-:-:-;"
                   "2:1:Let me :-:-:-;"
                   "2:1:check that. 📦:-:-:-;"
                   "4:1:-:-:-:-;"
                   "1:2:-:tooluse_Xy9-1:get_order:-;"
                   "3:2::-:-:-;"
                   "3:2:{\"order_id\": \"A-:-:-:-;"
                   "3:2:1001\"}:-:-:-;"
                   "4:2:-:-:-:-;"
                   "5:0:-:-:-:tool_use;"
                   "6:0:-:-:-:-;");
}

static void
test_stream_exceptions (void)
{
  static const struct {
    const char     *type;
    const char     *payload;
    gint            code;
    const char     *aws_code;
    const char     *message;
  } cases[] = {
    { "throttlingException", "{\"message\":\"Too many requests, please wait before trying again.\"}",
      PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", "Too many requests" },
    { "modelStreamErrorException", "{\"message\":\"Model failed\",\"originalStatusCode\":500,"
                                   "\"originalMessage\":\"upstream\\nbroke\"}",
      PARLEY_AWS_ERROR_TRANSIENT, "ModelStreamErrorException", "Model failed (the model answered 500: upstream broke)" },
    { "validationException", "{\"message\":\"Input is too long for requested model.\"}",
      PARLEY_AWS_ERROR_VALIDATION, "ValidationException", "Input is too long" },
    { "internalServerException", "{\"Message\":\"Internal error\"}",
      PARLEY_AWS_ERROR_TRANSIENT, "InternalServerException", "Internal error" },
    { "serviceUnavailableException", "", PARLEY_AWS_ERROR_TRANSIENT, "ServiceUnavailableException", "an exception" },
    { "weird name!", "not json", PARLEY_AWS_ERROR_FAILED, NULL, "an exception" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyEventMessage) m = exception_message (cases[i].type, cases[i].payload);
      g_autoptr(GError) error = NULL;
      StreamState state = { NULL, g_string_new (NULL), NULL };

      g_assert_false (parley_bedrock_stream_dispatch (m, log_event, &state, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, cases[i].code);
      g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, cases[i].aws_code);
      assert_message_has (error, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, 0);
      g_assert_cmpstr (state.log->str, ==, "");
      g_string_free (state.log, TRUE);
    }

  /* ":message-type" "error" */
  {
    g_autoptr(ParleyEventMessage) m = parley_event_message_new ();
    g_autoptr(GError) error = NULL;
    StreamState state = { NULL, g_string_new (NULL), NULL };

    parley_event_message_add_string (m, ":message-type", "error");
    parley_event_message_add_string (m, ":error-code", "InternalFailure");
    parley_event_message_add_string (m, ":error-message", "An internal error occurred");
    m->payload = g_bytes_new (NULL, 0);
    g_assert_false (parley_bedrock_stream_dispatch (m, log_event, &state, &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
    g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, "InternalFailure");
    assert_message_has (error, "An internal error occurred");
    g_string_free (state.log, TRUE);
  }
}

static void
test_stream_bad (void)
{
  static const struct {
    const char *event_type;   /* NULL: no header */
    const char *payload;
    const char *message;
  } cases[] = {
    { NULL, "{}", "without :event-type" },
    { "messageStart", "", "not valid JSON" },
    { "messageStart", "[]", "not a JSON object" },
    { "messageStart", "{}", "messageStart.role is missing" },
    { "messageStart", "{\"role\":\"user\"}", "expected \"assistant\"" },
    { "contentBlockDelta", "{\"delta\":{\"text\":\"x\"}}", "contentBlockIndex is missing" },
    { "contentBlockDelta", "{\"contentBlockIndex\":-1,\"delta\":{\"text\":\"x\"}}", "out of range" },
    { "contentBlockDelta", "{\"contentBlockIndex\":\"0\",\"delta\":{\"text\":\"x\"}}", "expected an integer" },
    { "contentBlockDelta", "{\"contentBlockIndex\":4294967296,\"delta\":{\"text\":\"x\"}}", "out of range" },
    { "contentBlockDelta", "{\"contentBlockIndex\":0}", "delta is missing" },
    { "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":1}}", "expected a string" },
    { "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{}}}", "toolUse.input is missing" },
    { "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":{}}}}", "expected a string" },
    { "contentBlockStart", "{\"contentBlockIndex\":0}", "start is missing" },
    { "contentBlockStart", "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":{\"name\":\"n\"}}}", "toolUseId is missing" },
    { "contentBlockStop", "{}", "contentBlockIndex is missing" },
    { "messageStop", "{}", "stopReason is missing" },
    { "messageStop", "{\"stopReason\":\"\"}", "stopReason is empty" },
    { "metadata", "{\"usage\":{\"inputTokens\":1,\"outputTokens\":1,\"totalTokens\":2}}", "metrics is missing" },
    { "metadata", "{\"usage\":{\"inputTokens\":1.5,\"outputTokens\":1,\"totalTokens\":2},\"metrics\":{\"latencyMs\":1}}",
      "expected an integer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyEventMessage) m = parley_event_message_new ();
      g_autoptr(GError) error = NULL;
      StreamState state = { NULL, g_string_new (NULL), NULL };

      if (cases[i].event_type != NULL)
        parley_event_message_add_string (m, ":event-type", cases[i].event_type);
      parley_event_message_add_string (m, ":message-type", "event");
      m->payload = g_bytes_new (cases[i].payload, strlen (cases[i].payload));
      g_assert_false (parley_bedrock_stream_dispatch (m, log_event, &state, &error));
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
      assert_message_has (error, cases[i].message);
      g_assert_true (g_str_has_prefix (error->message, "ConverseStream"));
      g_assert_cmpstr (state.log->str, ==, "");
      g_string_free (state.log, TRUE);
    }

  /* Message types. */
  {
    g_autoptr(ParleyEventMessage) none = parley_event_message_new ();
    g_autoptr(ParleyEventMessage) odd = parley_event_message_new ();
    g_autoptr(GError) error = NULL;
    StreamState state = { NULL, g_string_new (NULL), NULL };

    g_assert_false (parley_bedrock_stream_dispatch (none, log_event, &state, &error));
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
    assert_message_has (error, "without :message-type");
    g_clear_error (&error);
    parley_event_message_add_string (odd, ":message-type", "gossip\n");
    g_assert_false (parley_bedrock_stream_dispatch (odd, log_event, &state, &error));
    assert_message_has (error, "unknown type \"gossip \"");
    g_string_free (state.log, TRUE);
  }

  /* An unknown event type is skipped, whatever its payload. */
  {
    g_autoptr(ParleyEventMessage) m = event_message ("citationDelta", "not json at all");
    g_autoptr(GError) error = NULL;
    StreamState state = { NULL, g_string_new (NULL), NULL };

    g_assert_true (parley_bedrock_stream_dispatch (m, log_event, &state, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (state.log->str, ==, "");
    g_string_free (state.log, TRUE);
  }
}

/* ------------------------------------------------------------------ */
/* Error responses                                                      */
/* ------------------------------------------------------------------ */

static void
test_error_response (void)
{
  static const struct {
    guint           status;
    const char     *request_id;
    const char     *type_header;
    const char     *body;
    gint            code;
    const char     *aws_code;
    const char     *message;
  } cases[] = {
    { 429, "a1b2", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
      "{\"message\":\"Too many requests, please wait before trying again.\"}",
      PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException",
      "ThrottlingException: Too many requests, please wait before trying again. (HTTP 429, request id a1b2)" },
    { 400, NULL, NULL, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"bad\"}",
      PARLEY_AWS_ERROR_VALIDATION, "ValidationException", "ValidationException: bad (HTTP 400)" },
    { 403, "r-1", NULL, "{\"code\":\"AccessDeniedException\",\"Message\":\"You don't have access to the model\"}",
      PARLEY_AWS_ERROR_ACCESS_DENIED, "AccessDeniedException", "You don't have access to the model" },
    { 403, NULL, NULL, "{\"__type\":\"aws.protocoltests#ExpiredTokenException:http://x\",\"message\":\"expired\"}",
      PARLEY_AWS_ERROR_CREDENTIALS, "ExpiredTokenException", "expired" },
    /* The header wins over the body. */
    { 404, NULL, "ResourceNotFoundException", "{\"__type\":\"Other\",\"message\":\"no model\"}",
      PARLEY_AWS_ERROR_NOT_FOUND, "ResourceNotFoundException", "no model" },
    { 424, NULL, "ModelErrorException", "{\"message\":\"line\\nbreak\"}",
      PARLEY_AWS_ERROR_VALIDATION, "ModelErrorException", "line break" },
    { 502, NULL, NULL, "<html><body><h1>502 Bad Gateway</h1></body></html>",
      PARLEY_AWS_ERROR_TRANSIENT, NULL, "not JSON (50 bytes) (HTTP 502)" },
    { 503, "id-9", NULL, "", PARLEY_AWS_ERROR_TRANSIENT, NULL, "no body (HTTP 503, request id id-9)" },
    { 500, NULL, NULL, "{\"unrelated\":1}", PARLEY_AWS_ERROR_TRANSIENT, NULL, "no message (HTTP 500)" },
    { 429, NULL, NULL, "[\"odd\"]", PARLEY_AWS_ERROR_THROTTLING, NULL, "not JSON" },
    { 418, NULL, NULL, "{\"message\":\"teapot\"}", PARLEY_AWS_ERROR_FAILED, NULL, "teapot (HTTP 418)" },
    { 400, NULL, "#", "{\"message\":\"m\"}", PARLEY_AWS_ERROR_VALIDATION, NULL, "m (HTTP 400)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      parley_aws_set_error_from_response (&error, cases[i].status, cases[i].request_id, cases[i].type_header,
                                          (const guint8 *) cases[i].body, strlen (cases[i].body));
      g_assert_error (error, PARLEY_AWS_ERROR, cases[i].code);
      g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, cases[i].aws_code);
      g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, cases[i].request_id);
      g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, cases[i].status);
      assert_message_has (error, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
    }

  /* NULL is fine for the error and the body. */
  parley_aws_set_error_from_response (NULL, 500, NULL, NULL, NULL, 0);
  {
    g_autoptr(GError) error = NULL;

    parley_aws_set_error_from_response (&error, 503, NULL, NULL, NULL, 0);
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
    g_assert_true (parley_aws_error_is_retryable (error));
  }
}

/* ------------------------------------------------------------------ */
/* Titan                                                                */
/* ------------------------------------------------------------------ */

static char *
titan_response (guint       dims,
                const char *override)
{
  GString *s = g_string_new ("{\"embedding\":[");

  for (guint i = 0; i < dims; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      if (override != NULL && i == dims / 2)
        g_string_append (s, override);
      else
        g_string_append_printf (s, "0.%03u", i % 1000);
    }
  g_string_append (s, "],\"embeddingsByType\":{\"float\":[]},\"inputTextTokenCount\":7}");
  return g_string_free (s, FALSE);
}

static void
test_titan (void)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true (parley_titan_check_dimensions (256, &error));
  g_assert_true (parley_titan_check_dimensions (512, &error));
  g_assert_true (parley_titan_check_dimensions (1024, &error));
  g_assert_no_error (error);
  g_assert_false (parley_titan_check_dimensions (0, &error));
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_false (parley_titan_check_dimensions (1536, &error));
  assert_message_has (error, "not 1536");
  g_clear_error (&error);

  {
    g_autofree char *body = parley_titan_embed_body ("Wo ist meine Bestellung?", 512, TRUE, &len);

    assert_json (body, len, "{\"inputText\": \"Wo ist meine Bestellung?\", \"dimensions\": 512, \"normalize\": true}");
  }
  {
    g_autofree char *body = parley_titan_embed_body ("x", 256, FALSE, &len);

    assert_json (body, len, "{\"inputText\": \"x\", \"dimensions\": 256, \"normalize\": false}");
  }
  {
    g_autofree char *body = NULL;

    g_test_expect_message ("parley-aws", G_LOG_LEVEL_CRITICAL, "*parley_titan_check_dimensions*");
    body = parley_titan_embed_body ("x", 100, FALSE, &len);
    g_test_assert_expected_messages ();
    g_assert_null (body);
  }

  {
    g_autofree char *text = titan_response (256, NULL);
    guint tokens = 0;
    g_autofree float *v = parley_titan_parse_embedding (text, strlen (text), 256, &tokens, &error);

    g_assert_no_error (error);
    g_assert_nonnull (v);
    g_assert_cmpuint (tokens, ==, 7);
    g_assert_cmpfloat_with_epsilon (v[0], 0.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (v[255], 0.255, 1e-6);
  }
  {
    const char *ints = "{\"embedding\":[1,0,-1]}";
    g_autofree float *v = parley_titan_parse_embedding (ints, strlen (ints), 3, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (v[2], ==, -1.0f);
  }

  {
    static const struct {
      const char *override;   /* the middle element, or a whole body when dims is 0 */
      guint       dims;
      guint       expected;
      const char *message;
    } bad[] = {
      { NULL, 256, 512, "256 dimensions, expected 512" },
      { "\"0.5\"", 256, 256, "embedding[128] is not a number" },
      { "null", 256, 256, "embedding[128] is not a number" },
      { "[0.5]", 256, 256, "embedding[128] is not a number" },
      { "1e39", 256, 256, "not a finite float" },
      { "1e400", 256, 256, "out of range" },
      { "NaN", 256, 256, "not valid JSON" },
      { "{\"embedding\":{}}", 0, 256, "embedding: expected an array" },
      { "{\"vector\":[]}", 0, 256, "embedding is missing" },
      { "{\"embedding\":[],\"inputTextTokenCount\":-3}", 0, 256, "out of range" },
      { "{\"embedding\":[]}", 0, 0, "0 dimensions" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *text = bad[i].dims > 0 ? titan_response (bad[i].dims, bad[i].override)
                                                : g_strdup (bad[i].override);
        g_autofree float *v = parley_titan_parse_embedding (text, strlen (text), bad[i].expected, NULL, &error);

        g_assert_null (v);
        g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
        assert_message_has (error, bad[i].message);
        g_clear_error (&error);
      }
  }
}

/* ------------------------------------------------------------------ */
/* ApplyGuardrail                                                       */
/* ------------------------------------------------------------------ */

static const char guardrail_intervened[] =
  "{\"usage\":{\"topicPolicyUnits\":1,\"contentPolicyUnits\":1,\"wordPolicyUnits\":1,"
  "  \"sensitiveInformationPolicyUnits\":1,\"sensitiveInformationPolicyFreeUnits\":0,"
  "  \"contextualGroundingPolicyUnits\":0},"
  " \"action\":\"GUARDRAIL_INTERVENED\","
  " \"actionReason\":\"Guardrail blocked.\","
  " \"outputs\":[{\"text\":\"My email is {EMAIL}, \"},{\"text\":\"card blocked.\"}],"
  " \"assessments\":[{"
  "   \"topicPolicy\":{\"topics\":[{\"name\":\"Investment advice\",\"type\":\"DENY\",\"action\":\"BLOCKED\","
  "                   \"detected\":true}]},"
  "   \"contentPolicy\":{\"filters\":[{\"type\":\"INSULTS\",\"confidence\":\"HIGH\",\"filterStrength\":\"HIGH\","
  "                     \"action\":\"BLOCKED\",\"detected\":true},"
  "                    {\"type\":\"VIOLENCE\",\"confidence\":\"NONE\",\"action\":\"NONE\",\"detected\":false}]},"
  "   \"wordPolicy\":{\"customWords\":[{\"match\":\"competitorco\",\"action\":\"BLOCKED\"}],"
  "                  \"managedWordLists\":[{\"match\":\"damn\",\"type\":\"PROFANITY\",\"action\":\"BLOCKED\"}]},"
  "   \"sensitiveInformationPolicy\":{"
  "     \"piiEntities\":[{\"match\":\"jane@example.com\",\"type\":\"EMAIL\",\"action\":\"ANONYMIZED\",\"detected\":true}],"
  "     \"regexes\":[{\"name\":\"order-card\",\"match\":\"4111-1111\",\"regex\":\"\\\\d{4}-\\\\d{4}\","
  "                   \"action\":\"BLOCKED\"}]},"
  "   \"invocationMetrics\":{\"guardrailProcessingLatency\":120}"
  " }],"
  " \"guardrailCoverage\":{\"textCharacters\":{\"guarded\":40,\"total\":40}}}";

static void
test_guardrail (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyGuardrailResult) result = NULL;
  gsize len = 0;
  static const char * const want[][4] = {
    { "sensitiveInformation", "EMAIL", "jane@example.com", "ANONYMIZED" },
    { "sensitiveInformation", "order-card", "4111-1111", "BLOCKED" },
    { "topic", "DENY", "Investment advice", "BLOCKED" },
    { "word", "CUSTOM", "competitorco", "BLOCKED" },
    { "word", "PROFANITY", "damn", "BLOCKED" },
    { "content", "INSULTS", NULL, "BLOCKED" },
  };

  {
    g_autofree char *input = parley_guardrail_apply_body (PARLEY_GUARDRAIL_SOURCE_INPUT, "My email is jane@example.com", &len);
    g_autofree char *output = NULL;

    assert_json (input, len, "{\"source\": \"INPUT\", \"content\": [{\"text\": {\"text\": \"My email is jane@example.com\"}}]}");
    output = parley_guardrail_apply_body (PARLEY_GUARDRAIL_SOURCE_OUTPUT, "Sure.", &len);
    assert_json (output, len, "{\"source\": \"OUTPUT\", \"content\": [{\"text\": {\"text\": \"Sure.\"}}]}");
  }

  result = parley_guardrail_parse_apply (guardrail_intervened, strlen (guardrail_intervened), &error);
  g_assert_no_error (error);
  g_assert_true (result->intervened);
  g_assert_cmpstr (result->output_text, ==, "My email is {EMAIL}, card blocked.");
  g_assert_cmpstr (result->action_reason, ==, "Guardrail blocked.");
  g_assert_cmpuint (result->findings->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      ParleyGuardrailFinding *f = result->findings->pdata[i];

      g_assert_cmpstr (f->policy, ==, want[i][0]);
      g_assert_cmpstr (f->type, ==, want[i][1]);
      g_assert_cmpstr (f->match, ==, want[i][2]);
      g_assert_cmpstr (f->action, ==, want[i][3]);
    }

  {
    const char *none = "{\"usage\":{},\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{}]}";
    g_autoptr(ParleyGuardrailResult) r = parley_guardrail_parse_apply (none, strlen (none), &error);

    g_assert_no_error (error);
    g_assert_false (r->intervened);
    g_assert_null (r->output_text);
    g_assert_null (r->action_reason);
    g_assert_cmpuint (r->findings->len, ==, 0);
  }

  {
    static const struct {
      const char *body;
      const char *message;
    } bad[] = {
      { "{\"outputs\":[],\"assessments\":[]}", "action is missing" },
      { "{\"action\":\"MAYBE\",\"outputs\":[],\"assessments\":[]}", "unknown action \"MAYBE\"" },
      { "{\"action\":\"NONE\",\"assessments\":[]}", "outputs is missing" },
      { "{\"action\":\"NONE\",\"outputs\":[],\"assessments\":{}}", "assessments: expected an array" },
      { "{\"action\":\"NONE\",\"outputs\":[1],\"assessments\":[]}", "outputs[0]: expected an object" },
      { "{\"action\":\"NONE\",\"outputs\":[{\"text\":2}],\"assessments\":[]}", "outputs[0].text" },
      { "{\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{\"topicPolicy\":[]}]}", "topicPolicy: expected an object" },
      { "{\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{\"topicPolicy\":{\"topics\":[{\"type\":\"DENY\","
        "\"action\":\"BLOCKED\"}]}}]}", "topics[0].name is missing" },
      { "{\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{\"sensitiveInformationPolicy\":{\"piiEntities\":"
        "[{\"match\":\"x\",\"type\":\"EMAIL\",\"action\":\"NONE\",\"detected\":\"yes\"}]}}]}", "expected a boolean" },
      { "{\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{\"contentPolicy\":{\"filters\":[{\"type\":\"HATE\"}]}}]}",
        "filters[0].action is missing" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(ParleyGuardrailResult) r = parley_guardrail_parse_apply (bad[i].body, strlen (bad[i].body), &error);

        g_assert_null (r);
        g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
        assert_message_has (error, bad[i].message);
        g_assert_true (g_str_has_prefix (error->message, "ApplyGuardrail response: "));
        g_clear_error (&error);
      }
  }
}

/* ------------------------------------------------------------------ */
/* Retrieve                                                             */
/* ------------------------------------------------------------------ */

static const char retrieve_response[] =
  "{\"retrievalResults\":["
  "  {\"content\":{\"text\":\"Returns are accepted within 30 days.\",\"type\":\"TEXT\"},"
  "   \"location\":{\"type\":\"S3\",\"s3Location\":{\"uri\":\"s3://shop-kb/returns.md\"}},"
  "   \"metadata\":{\"title\":\"Returns policy\",\"x-amz-bedrock-kb-chunk-id\":\"1%3A0\",\"page\":3},"
  "   \"score\":0.8125},"
  "  {\"content\":{\"text\":\"Shipping takes 2-4 days.\"},"
  "   \"location\":{\"type\":\"WEB\",\"webLocation\":{\"url\":\"https://shop.example/help/shipping\"}},"
  "   \"metadata\":{\"title\":[\"not\",\"a string\"]},"
  "   \"score\":0.5},"
  "  {\"content\":{\"type\":\"IMAGE\",\"byteContent\":\"data:image/png;base64,AAAA\"},\"score\":0.4},"
  "  {\"content\":{\"type\":\"ROW\",\"row\":[{\"columnName\":\"sku\",\"columnValue\":\"X-1\",\"type\":\"STRING\"},"
  "                                    {\"columnName\":\"stock\",\"columnValue\":\"12\",\"type\":\"LONG\"},"
  "                                    {\"columnName\":\"note\",\"type\":\"NULL\"}]},"
  "   \"location\":{\"type\":\"CUSTOM\",\"customDocumentLocation\":{\"id\":\"doc-7\"}}},"
  "  {\"content\":{\"text\":\"Warranty is 2 years.\"},"
  "   \"location\":{\"type\":\"SHAREPOINT\",\"sharePointLocation\":{}},"
  "   \"metadata\":{\"x-amz-bedrock-kb-source-uri\":\"https://sp.example/warranty\"}},"
  "  {\"content\":{\"type\":\"AUDIO\",\"audio\":{\"s3Uri\":\"s3://a/b.mp3\",\"transcription\":\"Hello\"}}}"
  " ],"
  " \"guardrailAction\":\"NONE\",\"nextToken\":\"abc\"}";

static void
test_retrieve (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  ParleyRetrieveHit *h;
  gsize len = 0;

  {
    g_autofree char *body = parley_retrieve_body ("return policy", 5, &len);
    g_autofree char *plain = NULL;

    assert_json (body, len, "{\"retrievalQuery\": {\"text\": \"return policy\"},"
                            " \"retrievalConfiguration\": {\"vectorSearchConfiguration\": {\"numberOfResults\": 5}}}");
    plain = parley_retrieve_body ("q", 0, &len);
    assert_json (plain, len, "{\"retrievalQuery\": {\"text\": \"q\"}}");
  }

  hits = parley_retrieve_parse (retrieve_response, strlen (retrieve_response), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 5);
  h = hits->pdata[0];
  g_assert_cmpstr (h->text, ==, "Returns are accepted within 30 days.");
  g_assert_cmpfloat (h->score, ==, 0.8125);
  g_assert_cmpstr (h->uri, ==, "s3://shop-kb/returns.md");
  g_assert_cmpstr (h->title, ==, "Returns policy");
  h = hits->pdata[1];
  g_assert_cmpstr (h->uri, ==, "https://shop.example/help/shipping");
  g_assert_null (h->title);
  g_assert_cmpfloat (h->score, ==, 0.5);
  h = hits->pdata[2];
  g_assert_cmpstr (h->text, ==, "sku: X-1\nstock: 12");
  g_assert_cmpstr (h->uri, ==, "doc-7");
  g_assert_cmpfloat (h->score, ==, 0);
  h = hits->pdata[3];
  g_assert_cmpstr (h->uri, ==, "https://sp.example/warranty");
  h = hits->pdata[4];
  g_assert_cmpstr (h->text, ==, "Hello");
  g_assert_null (h->uri);

  {
    static const struct {
      const char *body;
      const char *message;
    } bad[] = {
      { "{}", "retrievalResults is missing" },
      { "{\"retrievalResults\":{}}", "expected an array" },
      { "{\"retrievalResults\":[\"x\"]}", "retrievalResults[0]: expected an object" },
      { "{\"retrievalResults\":[{}]}", "retrievalResults[0].content is missing" },
      { "{\"retrievalResults\":[{\"content\":{\"text\":1}}]}", "content.text: expected a string" },
      { "{\"retrievalResults\":[{\"content\":{\"text\":\"t\"},\"score\":\"high\"}]}", "score: expected a number" },
      { "{\"retrievalResults\":[{\"content\":{\"text\":\"t\"},\"score\":1e999}]}", "out of range" },
      { "{\"retrievalResults\":[{\"content\":{\"text\":\"t\"},\"location\":{\"s3Location\":{\"uri\":7}}}]}",
        "location.s3Location.uri: expected a string" },
      { "{\"retrievalResults\":[{\"content\":{\"row\":[{\"columnName\":1}]}}]}", "row[0].columnName" },
      { "{\"retrievalResults\":[{\"content\":{\"text\":\"t\"},\"metadata\":[]}]}", "metadata: expected an object" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GPtrArray) r = parley_retrieve_parse (bad[i].body, strlen (bad[i].body), &error);

        g_assert_null (r);
        g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_PROTOCOL);
        assert_message_has (error, bad[i].message);
        g_clear_error (&error);
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);
  g_test_add_func ("/bedrock-json/converse/body-minimal", test_converse_body_minimal);
  g_test_add_func ("/bedrock-json/converse/body-full", test_converse_body_full);
  g_test_add_func ("/bedrock-json/converse/tool-results", test_tool_results);
  g_test_add_func ("/bedrock-json/converse/validate", test_validate);
  g_test_add_func ("/bedrock-json/converse/parse", test_parse_converse);
  g_test_add_func ("/bedrock-json/converse/parse-bad", test_parse_converse_bad);
  g_test_add_func ("/bedrock-json/stream/tool-use", test_stream_tool_use);
  g_test_add_func ("/bedrock-json/stream/exceptions", test_stream_exceptions);
  g_test_add_func ("/bedrock-json/stream/bad", test_stream_bad);
  g_test_add_func ("/bedrock-json/error-response", test_error_response);
  g_test_add_func ("/bedrock-json/titan", test_titan);
  g_test_add_func ("/bedrock-json/guardrail", test_guardrail);
  g_test_add_func ("/bedrock-json/retrieve", test_retrieve);
  return g_test_run ();
}
