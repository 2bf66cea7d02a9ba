/* parley-bedrock-json.c — the JSON of Bedrock's runtime APIs, both ways
 *
 * Bodies are built with JsonBuilder and read through the strict JSON layer
 * of parley-chat-private.h. Some decisions the models leave open:
 *
 * - A tool result's "status" is sent only for errors: the API documents
 *   the field as supported by Anthropic's Claude 3 models only, and other
 *   models refuse unknown fields, while "success" is the default anyway.
 * - ConverseStream sends no contentBlockStart for text blocks, only for
 *   tool uses; the accumulator (parley-chat.h) starts a text block at its
 *   first delta. Deltas Parley does not model (reasoningContent, citation,
 *   toolResult, image) are skipped, and so are their blocks' starts.
 * - In-stream exceptions (":message-type" "exception") name their shape in
 *   lower camel case ("throttlingException"); the error carries the shape's
 *   name ("ThrottlingException") so that parley_aws_error_classify() and
 *   callers see the same codes as for an HTTP error response. Their HTTP
 *   status is 0: the response itself was a 200.
 * - Messages from the service are cleaned (control characters, length)
 *   before they go into a GError, which ends up in logs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-bedrock-json.h"
#include "parley-chat-private.h"

/* ------------------------------------------------------------------ */
/* Request validation                                                   */
/* ------------------------------------------------------------------ */

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  parley_aws_set_error (error, PARLEY_AWS_ERROR_VALIDATION, NULL, NULL, 0, message);
  return FALSE;
}

/* Whether @s is 1…64 characters of ASCII letters, digits and @extra. */
static gboolean
is_name (const char *s,
         const char *extra)
{
  gsize n = 0;

  if (s == NULL)
    return FALSE;
  for (; s[n] != '\0'; n++)
    if (!g_ascii_isalnum (s[n]) && strchr (extra, s[n]) == NULL)
      return FALSE;
  return n >= 1 && n <= 64;
}

static gboolean
is_guardrail_version (const char *v)
{
  gsize n;

  if (g_strcmp0 (v, "DRAFT") == 0)
    return TRUE;
  n = v != NULL ? strlen (v) : 0;
  if (n < 1 || n > 8 || v[0] == '0')
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (v[i]))
      return FALSE;
  return TRUE;
}

gboolean
parley_bedrock_validate_request (const ParleyChatRequest  *request,
                                 GError                  **error)
{
  if (!parley_chat_request_validate (request, error))
    return FALSE;

  for (guint m = 0; m < request->messages->len; m++)
    {
      const ParleyChatMessage *message = request->messages->pdata[m];
      ParleyChatRole want = m % 2 == 0 ? PARLEY_CHAT_ROLE_USER : PARLEY_CHAT_ROLE_ASSISTANT;

      if (message->role != want)
        return invalid (error, m == 0 ? "a conversation must start with a user message"
                                      : "a conversation must alternate between user and assistant roles (message %u)", m);
      for (guint k = 0; k < message->blocks->len; k++)
        {
          const ParleyChatBlock *b = message->blocks->pdata[k];

          if (b->kind == PARLEY_CHAT_BLOCK_TOOL_USE && !is_name (b->tool_name, "_-"))
            return invalid (error, "message %u, block %u: tool name %s does not match [a-zA-Z0-9_-]{1,64}",
                            m, k, b->tool_name);
          if ((b->kind == PARLEY_CHAT_BLOCK_TOOL_USE || b->kind == PARLEY_CHAT_BLOCK_TOOL_RESULT)
              && !is_name (b->tool_use_id, "_.:-"))
            return invalid (error, "message %u, block %u: tool use id %s does not match [a-zA-Z0-9_.:-]{1,64}",
                            m, k, b->tool_use_id);
          if (b->kind == PARLEY_CHAT_BLOCK_TEXT && *b->text == '\0')
            return invalid (error, "message %u, block %u: an empty text block", m, k);
        }
    }
  for (guint t = 0; t < request->tools->len; t++)
    {
      const ParleyChatTool *tool = request->tools->pdata[t];

      if (!is_name (tool->name, "_-"))
        return invalid (error, "tool name %s does not match [a-zA-Z0-9_-]{1,64}", tool->name);
    }
  if (request->temperature > 1)
    return invalid (error, "temperature %g is not within [0, 1]", request->temperature);
  if (request->top_p > 1)
    return invalid (error, "top_p %g is not within [0, 1]", request->top_p);
  if (request->system != NULL && *request->system == '\0')
    return invalid (error, "an empty system prompt");
  if (request->guardrail_id != NULL && !is_guardrail_version (request->guardrail_version))
    return invalid (error, "guardrail version %s is neither a number nor DRAFT", request->guardrail_version);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Converse bodies                                                      */
/* ------------------------------------------------------------------ */

static void
add_tool_result_content (JsonBuilder *builder,
                         JsonNode    *result)
{
  json_builder_set_member_name (builder, "content");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  if (result == NULL)
    {
      json_builder_set_member_name (builder, "json");
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
  else if (JSON_NODE_HOLDS_OBJECT (result))
    {
      json_builder_set_member_name (builder, "json");
      json_builder_add_value (builder, json_node_copy (result));
    }
  else if (JSON_NODE_HOLDS_VALUE (result) && json_node_get_value_type (result) == G_TYPE_STRING)
    {
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, json_node_get_string (result));
    }
  else
    {
      g_autofree char *text = parley_json_to_data (result, NULL);

      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
    }
  json_builder_end_object (builder);
  json_builder_end_array (builder);
}

static void
add_block (JsonBuilder           *builder,
           const ParleyChatBlock *b)
{
  json_builder_begin_object (builder);
  switch (b->kind)
    {
    case PARLEY_CHAT_BLOCK_TEXT:
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, b->text != NULL ? b->text : "");
      break;

    case PARLEY_CHAT_BLOCK_TOOL_USE:
      json_builder_set_member_name (builder, "toolUse");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "toolUseId");
      json_builder_add_string_value (builder, b->tool_use_id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, b->tool_name);
      json_builder_set_member_name (builder, "input");
      if (b->json != NULL)
        json_builder_add_value (builder, json_node_copy (b->json));
      else
        {
          json_builder_begin_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
      break;

    case PARLEY_CHAT_BLOCK_TOOL_RESULT:
      json_builder_set_member_name (builder, "toolResult");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "toolUseId");
      json_builder_add_string_value (builder, b->tool_use_id);
      add_tool_result_content (builder, b->json);
      if (b->is_error)
        {
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, "error");
        }
      json_builder_end_object (builder);
      break;

    default:
      g_warn_if_reached ();
      break;
    }
  json_builder_end_object (builder);
}

static gboolean
is_set (double v)
{
  return v >= 0 && isfinite (v);
}

static char *
converse_body (const ParleyChatRequest *request,
               gboolean                 stream,
               gsize                   *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean have_stops = request->stop_sequences != NULL && request->stop_sequences[0] != NULL;

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  for (guint m = 0; m < request->messages->len; m++)
    {
      const ParleyChatMessage *message = request->messages->pdata[m];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, message->role == PARLEY_CHAT_ROLE_ASSISTANT ? "assistant" : "user");
      json_builder_set_member_name (builder, "content");
      json_builder_begin_array (builder);
      for (guint k = 0; k < message->blocks->len; k++)
        add_block (builder, message->blocks->pdata[k]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (request->system != NULL && *request->system != '\0')
    {
      json_builder_set_member_name (builder, "system");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, request->system);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
    }

  if (request->max_tokens > 0 || is_set (request->temperature) || is_set (request->top_p) || have_stops)
    {
      json_builder_set_member_name (builder, "inferenceConfig");
      json_builder_begin_object (builder);
      if (request->max_tokens > 0)
        {
          json_builder_set_member_name (builder, "maxTokens");
          json_builder_add_int_value (builder, request->max_tokens);
        }
      if (is_set (request->temperature))
        {
          json_builder_set_member_name (builder, "temperature");
          json_builder_add_double_value (builder, request->temperature);
        }
      if (is_set (request->top_p))
        {
          json_builder_set_member_name (builder, "topP");
          json_builder_add_double_value (builder, request->top_p);
        }
      if (have_stops)
        {
          json_builder_set_member_name (builder, "stopSequences");
          json_builder_begin_array (builder);
          for (guint i = 0; request->stop_sequences[i] != NULL; i++)
            json_builder_add_string_value (builder, request->stop_sequences[i]);
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }

  if (request->tools->len > 0)
    {
      json_builder_set_member_name (builder, "toolConfig");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "tools");
      json_builder_begin_array (builder);
      for (guint t = 0; t < request->tools->len; t++)
        {
          const ParleyChatTool *tool = request->tools->pdata[t];

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "toolSpec");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, tool->name);
          if (tool->description != NULL && *tool->description != '\0')
            {
              json_builder_set_member_name (builder, "description");
              json_builder_add_string_value (builder, tool->description);
            }
          json_builder_set_member_name (builder, "inputSchema");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "json");
          if (tool->input_schema != NULL)
            json_builder_add_value (builder, json_node_copy (tool->input_schema));
          else
            {
              json_builder_begin_object (builder);
              json_builder_end_object (builder);
            }
          json_builder_end_object (builder);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  if (request->guardrail_id != NULL)
    {
      json_builder_set_member_name (builder, "guardrailConfig");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "guardrailIdentifier");
      json_builder_add_string_value (builder, request->guardrail_id);
      json_builder_set_member_name (builder, "guardrailVersion");
      json_builder_add_string_value (builder, request->guardrail_version != NULL ? request->guardrail_version : "DRAFT");
      json_builder_set_member_name (builder, "trace");
      json_builder_add_string_value (builder, request->guardrail_trace ? "enabled" : "disabled");
      if (stream && request->guardrail_stream_mode != NULL)
        {
          json_builder_set_member_name (builder, "streamProcessingMode");
          json_builder_add_string_value (builder, request->guardrail_stream_mode);
        }
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

char *
parley_bedrock_converse_body (const ParleyChatRequest *request,
                              gsize                   *len)
{
  g_return_val_if_fail (request != NULL, NULL);
  return converse_body (request, FALSE, len);
}

char *
parley_bedrock_converse_stream_body (const ParleyChatRequest *request,
                                     gsize                   *len)
{
  g_return_val_if_fail (request != NULL, NULL);
  return converse_body (request, TRUE, len);
}

/* ------------------------------------------------------------------ */
/* Converse response                                                    */
/* ------------------------------------------------------------------ */

#define MAX_TOKENS_COUNT G_MAXINT32

/* The result of a toolResult block: its first json, else its texts joined. */
static JsonNode *
tool_result_node (JsonArray   *content,
                  const char  *context,
                  GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (content); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("%s.content[%u]", context, i);
      JsonObject *item;
      const char *s;

      if (!parley_json_element_object (content, i, &item, context, error))
        return NULL;
      if (json_object_has_member (item, "json") && !JSON_NODE_HOLDS_NULL (json_object_get_member (item, "json")))
        return json_node_copy (json_object_get_member (item, "json"));
      if (!parley_json_member_string (item, "text", FALSE, &s, ctx, error))
        return NULL;
      if (s != NULL)
        g_string_append (text, s);
    }
  return json_node_init_string (json_node_alloc (), text->str);
}

/* One ContentBlock; *out is NULL for union members Parley skips. */
static gboolean
parse_content_block (JsonObject       *object,
                     const char       *context,
                     ParleyChatBlock **out,
                     GError          **error)
{
  JsonObject *inner;
  const char *text;

  *out = NULL;
  if (!parley_json_member_string (object, "text", FALSE, &text, context, error))
    return FALSE;
  if (text != NULL)
    {
      *out = parley_chat_block_new_text (text);
      return TRUE;
    }

  if (!parley_json_member_object (object, "toolUse", FALSE, &inner, context, error))
    return FALSE;
  if (inner != NULL)
    {
      g_autofree char *ctx = g_strdup_printf ("%s.toolUse", context);
      const char *id, *name;
      JsonNode *input;

      if (!parley_json_member_string (inner, "toolUseId", TRUE, &id, ctx, error)
          || !parley_json_member_string (inner, "name", TRUE, &name, ctx, error))
        return FALSE;
      input = json_object_get_member (inner, "input");
      if (input == NULL || !JSON_NODE_HOLDS_OBJECT (input))
        {
          parley_json_protocol_error (error, "%s.input: expected an object", ctx);
          return FALSE;
        }
      *out = parley_chat_block_new_tool_use (id, name, input);
      return TRUE;
    }

  if (!parley_json_member_object (object, "toolResult", FALSE, &inner, context, error))
    return FALSE;
  if (inner != NULL)
    {
      g_autofree char *ctx = g_strdup_printf ("%s.toolResult", context);
      const char *id, *status = NULL;
      JsonArray *content;
      g_autoptr(JsonNode) result = NULL;

      if (!parley_json_member_string (inner, "toolUseId", TRUE, &id, ctx, error)
          || !parley_json_member_array (inner, "content", TRUE, &content, ctx, error)
          || !parley_json_member_string (inner, "status", FALSE, &status, ctx, error))
        return FALSE;
      result = tool_result_node (content, ctx, error);
      if (result == NULL)
        return FALSE;
      *out = parley_chat_block_new_tool_result (id, result, g_strcmp0 (status, "error") == 0);
      return TRUE;
    }

  return TRUE;
}

static gboolean
parse_usage (JsonObject       *usage,
             const char       *context,
             ParleyChatUsage  *out,
             GError          **error)
{
  return parley_json_member_int (usage, "inputTokens", TRUE, 0, MAX_TOKENS_COUNT, &out->input_tokens, context, error)
      && parley_json_member_int (usage, "outputTokens", TRUE, 0, MAX_TOKENS_COUNT, &out->output_tokens, context, error)
      && parley_json_member_int (usage, "totalTokens", TRUE, 0, MAX_TOKENS_COUNT, &out->total_tokens, context, error);
}

static gboolean
parse_converse (JsonObject          *root,
                ParleyChatResponse  *response,
                GError             **error)
{
  JsonObject *output, *message, *usage, *metrics;
  JsonArray *content;
  const char *role, *stop_reason;

  if (!parley_json_member_object (root, "output", TRUE, &output, "", error)
      || !parley_json_member_object (output, "message", TRUE, &message, "output", error)
      || !parley_json_member_string (message, "role", TRUE, &role, "output.message", error)
      || !parley_json_member_array (message, "content", TRUE, &content, "output.message", error))
    return FALSE;

  if (!g_str_equal (role, "assistant"))
    {
      g_autofree char *clean = parley_json_clean_message (role);

      parley_json_protocol_error (error, "output.message.role: expected \"assistant\", got \"%s\"", clean);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (content); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("output.message.content[%u]", i);
      JsonObject *item;
      ParleyChatBlock *block;

      if (!parley_json_element_object (content, i, &item, "output.message.content", error)
          || !parse_content_block (item, ctx, &block, error))
        return FALSE;
      if (block != NULL)
        parley_chat_message_add_block (response->message, block);
    }

  if (!parley_json_member_string (root, "stopReason", TRUE, &stop_reason, "", error)
      || !parley_json_member_object (root, "usage", TRUE, &usage, "", error)
      || !parse_usage (usage, "usage", &response->usage, error)
      || !parley_json_member_object (root, "metrics", TRUE, &metrics, "", error)
      || !parley_json_member_int (metrics, "latencyMs", TRUE, 0, G_MAXINT64, &response->latency_ms, "metrics", error))
    return FALSE;
  if (*stop_reason == '\0')
    {
      parley_json_protocol_error (error, "stopReason is empty");
      return FALSE;
    }
  response->stop_reason = g_strdup (stop_reason);
  return TRUE;
}

ParleyChatResponse *
parley_bedrock_parse_converse (const char  *data,
                               gsize        len,
                               GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse_object (data, len, "Converse response", error);
  g_autoptr(ParleyChatResponse) response = NULL;

  if (root == NULL)
    return NULL;
  response = parley_chat_response_new ();
  if (!parse_converse (json_node_get_object (root), response, error))
    {
      g_prefix_error (error, "Converse response: ");
      return NULL;
    }
  return g_steal_pointer (&response);
}

/* ------------------------------------------------------------------ */
/* ConverseStream events                                                */
/* ------------------------------------------------------------------ */

/* "throttlingException" → "ThrottlingException"; NULL if not a name. */
static char *
exception_name (const char *event_name)
{
  gsize n = event_name != NULL ? strlen (event_name) : 0;
  char *name;

  if (n == 0 || n > 128)
    return NULL;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (event_name[i]) && event_name[i] != '_' && event_name[i] != '.')
      return NULL;
  name = g_strdup (event_name);
  name[0] = g_ascii_toupper (name[0]);
  return name;
}

static gboolean
dispatch_exception (const ParleyEventMessage  *message,
                    GError                   **error)
{
  g_autofree char *type = parley_event_message_dup_string (message, ":exception-type");
  g_autofree char *code = exception_name (type);
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *data = message->payload != NULL ? g_bytes_get_data (message->payload, &len) : NULL;
  g_autoptr(JsonNode) root = len > 0 ? parley_json_parse_object (data, len, "exception", NULL) : NULL;

  if (root != NULL)
    {
      JsonObject *object = json_node_get_object (root);
      const char *m = NULL, *original = NULL;
      gint64 status = 0;

      if (!parley_json_member_string (object, "message", FALSE, &m, "", NULL) || m == NULL)
        parley_json_member_string (object, "Message", FALSE, &m, "", NULL);
      parley_json_member_string (object, "originalMessage", FALSE, &original, "", NULL);
      parley_json_member_int (object, "originalStatusCode", FALSE, 100, 599, &status, "", NULL);
      if (original != NULL || status != 0)
        text = g_strdup_printf ("%s (the model answered %" G_GINT64_FORMAT ": %s)", m != NULL ? m : "model stream error",
                                status, original != NULL ? original : "no message");
      else
        text = g_strdup (m);
    }
  if (text == NULL)
    text = g_strdup_printf ("the stream ended with %s", type != NULL ? "an exception" : "an unnamed exception");

  {
    g_autofree char *clean = parley_json_clean_message (text);

    parley_aws_set_error (error, parley_aws_error_classify (code, 0), code, NULL, 0, clean);
  }
  return FALSE;
}

static gboolean
dispatch_error (const ParleyEventMessage  *message,
                GError                   **error)
{
  g_autofree char *type = parley_event_message_dup_string (message, ":error-code");
  g_autofree char *text = parley_event_message_dup_string (message, ":error-message");
  g_autofree char *code = exception_name (type);
  g_autofree char *clean = parley_json_clean_message (text != NULL ? text : "the stream ended with an error");

  parley_aws_set_error (error, parley_aws_error_classify (code, 0), code, NULL, 0, clean);
  return FALSE;
}

static gboolean
block_index (JsonObject  *object,
             const char  *context,
             guint       *index,
             GError     **error)
{
  gint64 v = 0;

  if (!parley_json_member_int (object, "contentBlockIndex", TRUE, 0, G_MAXINT32, &v, context, error))
    return FALSE;
  *index = (guint) v;
  return TRUE;
}

static gboolean
dispatch_event (const char           *type,
                JsonObject           *payload,
                ParleyChatEventFunc   func,
                gpointer              user_data,
                GError              **error)
{
  ParleyChatEvent event = { 0, };

  if (g_str_equal (type, "messageStart"))
    {
      const char *role;

      if (!parley_json_member_string (payload, "role", TRUE, &role, type, error))
        return FALSE;
      if (!g_str_equal (role, "assistant"))
        {
          g_autofree char *clean = parley_json_clean_message (role);

          parley_json_protocol_error (error, "messageStart.role: expected \"assistant\", got \"%s\"", clean);
          return FALSE;
        }
      event.kind = PARLEY_CHAT_EVENT_MESSAGE_START;
    }
  else if (g_str_equal (type, "contentBlockStart"))
    {
      JsonObject *start, *tool_use;

      if (!block_index (payload, type, &event.index, error)
          || !parley_json_member_object (payload, "start", TRUE, &start, type, error)
          || !parley_json_member_object (start, "toolUse", FALSE, &tool_use, "contentBlockStart.start", error))
        return FALSE;
      if (tool_use == NULL)
        return TRUE;   /* a toolResult or image start: not modelled */
      if (!parley_json_member_string (tool_use, "toolUseId", TRUE, &event.tool_use_id,
                                      "contentBlockStart.start.toolUse", error)
          || !parley_json_member_string (tool_use, "name", TRUE, &event.tool_name,
                                         "contentBlockStart.start.toolUse", error))
        return FALSE;
      event.kind = PARLEY_CHAT_EVENT_BLOCK_START;
    }
  else if (g_str_equal (type, "contentBlockDelta"))
    {
      JsonObject *delta, *tool_use;

      if (!block_index (payload, type, &event.index, error)
          || !parley_json_member_object (payload, "delta", TRUE, &delta, type, error)
          || !parley_json_member_string (delta, "text", FALSE, &event.text, "contentBlockDelta.delta", error))
        return FALSE;
      if (event.text != NULL)
        event.kind = PARLEY_CHAT_EVENT_TEXT_DELTA;
      else
        {
          if (!parley_json_member_object (delta, "toolUse", FALSE, &tool_use, "contentBlockDelta.delta", error))
            return FALSE;
          if (tool_use == NULL)
            return TRUE;   /* reasoningContent, citation, toolResult, image … */
          if (!parley_json_member_string (tool_use, "input", TRUE, &event.text,
                                          "contentBlockDelta.delta.toolUse", error))
            return FALSE;
          event.kind = PARLEY_CHAT_EVENT_TOOL_DELTA;
        }
    }
  else if (g_str_equal (type, "contentBlockStop"))
    {
      if (!block_index (payload, type, &event.index, error))
        return FALSE;
      event.kind = PARLEY_CHAT_EVENT_BLOCK_STOP;
    }
  else if (g_str_equal (type, "messageStop"))
    {
      if (!parley_json_member_string (payload, "stopReason", TRUE, &event.stop_reason, type, error))
        return FALSE;
      if (*event.stop_reason == '\0')
        {
          parley_json_protocol_error (error, "messageStop.stopReason is empty");
          return FALSE;
        }
      event.kind = PARLEY_CHAT_EVENT_MESSAGE_STOP;
    }
  else if (g_str_equal (type, "metadata"))
    {
      JsonObject *usage, *metrics;

      if (!parley_json_member_object (payload, "usage", TRUE, &usage, type, error)
          || !parse_usage (usage, "metadata.usage", &event.usage, error)
          || !parley_json_member_object (payload, "metrics", TRUE, &metrics, type, error)
          || !parley_json_member_int (metrics, "latencyMs", TRUE, 0, G_MAXINT64, &event.latency_ms,
                                      "metadata.metrics", error))
        return FALSE;
      event.kind = PARLEY_CHAT_EVENT_METADATA;
    }
  else
    g_return_val_if_reached (FALSE);

  func (&event, user_data);
  return TRUE;
}

gboolean
parley_bedrock_stream_dispatch (const ParleyEventMessage  *message,
                                ParleyChatEventFunc        func,
                                gpointer                   user_data,
                                GError                   **error)
{
  static const char * const known[] = {
    "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
  };
  g_autofree char *message_type = NULL;
  g_autofree char *event_type = NULL;
  g_autofree char *what = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  message_type = parley_event_message_dup_string (message, ":message-type");

  if (g_strcmp0 (message_type, "exception") == 0)
    return dispatch_exception (message, error);
  if (g_strcmp0 (message_type, "error") == 0)
    return dispatch_error (message, error);
  if (g_strcmp0 (message_type, "event") != 0)
    {
      g_autofree char *clean = parley_json_clean_message (message_type);

      if (message_type == NULL)
        parley_json_protocol_error (error, "ConverseStream: a message without :message-type");
      else
        parley_json_protocol_error (error, "ConverseStream: a message of unknown type \"%s\"", clean);
      return FALSE;
    }

  event_type = parley_event_message_dup_string (message, ":event-type");
  if (event_type == NULL)
    {
      parley_json_protocol_error (error, "ConverseStream: an event without :event-type");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_str_equal (event_type, known[i]))
      {
        data = message->payload != NULL ? g_bytes_get_data (message->payload, &len) : NULL;
        what = g_strdup_printf ("ConverseStream %s event", known[i]);
        root = parley_json_parse_object (data, len, what, error);
        if (root == NULL)
          return FALSE;
        if (!dispatch_event (known[i], json_node_get_object (root), func, user_data, error))
          {
            g_prefix_error (error, "ConverseStream: ");
            return FALSE;
          }
        return TRUE;
      }
  return TRUE;   /* an event type added to the API later */
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* The smithy rule for error types: up to the first ':', after the last '#'. */
static char *
sanitize_error_type (const char *value)
{
  g_autofree char *code = NULL;
  const char *hash;
  char *colon;

  if (value == NULL)
    return NULL;
  code = g_strdup (value);
  colon = strchr (code, ':');
  if (colon != NULL)
    *colon = '\0';
  hash = strrchr (code, '#');
  g_strstrip (code);
  if (hash != NULL)
    {
      char *after = g_strdup (hash + 1);

      g_free (code);
      code = g_strstrip (after);
    }
  if (*code == '\0' || !g_utf8_validate (code, -1, NULL))
    return NULL;
  return parley_json_clean_message (code);
}

void
parley_aws_set_error_from_response (GError       **error,
                                    guint          status,
                                    const char    *request_id_header,
                                    const char    *error_type_header,
                                    const guint8  *body,
                                    gsize          len)
{
  g_autofree char *code = sanitize_error_type (error_type_header);
  g_autofree char *message = NULL;
  g_autofree char *request_id = parley_json_clean_message (request_id_header);
  g_autoptr(JsonNode) root = NULL;

  if (body != NULL && len > 0)
    root = parley_json_parse_object ((const char *) body, len, "error response", NULL);
  if (root != NULL)
    {
      JsonObject *object = json_node_get_object (root);
      const char *type = NULL, *m = NULL;

      if (code == NULL)
        {
          if (!parley_json_member_string (object, "__type", FALSE, &type, "", NULL) || type == NULL)
            parley_json_member_string (object, "code", FALSE, &type, "", NULL);
          code = sanitize_error_type (type);
        }
      if (!parley_json_member_string (object, "message", FALSE, &m, "", NULL) || m == NULL)
        parley_json_member_string (object, "Message", FALSE, &m, "", NULL);
      message = parley_json_clean_message (m);
    }
  if (message == NULL)
    {
      if (len == 0)
        message = g_strdup ("the service answered with an error and no body");
      else if (root == NULL)
        message = g_strdup_printf ("the service answered with an error and a body that is not JSON (%" G_GSIZE_FORMAT " bytes)", len);
      else
        message = g_strdup ("the service answered with an error and no message");
    }

  parley_aws_set_error (error, parley_aws_error_classify (code, status), code,
                        request_id != NULL && *request_id != '\0' ? request_id : NULL, status, message);
}

/* ------------------------------------------------------------------ */
/* Titan Text Embeddings v2                                             */
/* ------------------------------------------------------------------ */

gboolean
parley_titan_check_dimensions (guint    dimensions,
                               GError **error)
{
  if (dimensions == 256 || dimensions == 512 || dimensions == 1024)
    return TRUE;
  return invalid (error, "Titan Text Embeddings v2 has 256, 512 or 1024 dimensions, not %u", dimensions);
}

char *
parley_titan_embed_body (const char *text,
                         guint       dimensions,
                         gboolean    normalize,
                         gsize      *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (parley_titan_check_dimensions (dimensions, NULL), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "inputText");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "dimensions");
  json_builder_add_int_value (builder, dimensions);
  json_builder_set_member_name (builder, "normalize");
  json_builder_add_boolean_value (builder, normalize);
  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

float *
parley_titan_parse_embedding (const char  *data,
                              gsize        len,
                              guint        expected_dims,
                              guint       *token_count,
                              GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse_object (data, len, "Titan embedding response", error);
  g_autofree float *vector = NULL;
  JsonObject *object;
  JsonArray *embedding;
  gint64 tokens = 0;
  guint n;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  if (!parley_json_member_array (object, "embedding", TRUE, &embedding, "", error)
      || !parley_json_member_int (object, "inputTextTokenCount", FALSE, 0, G_MAXUINT32, &tokens, "", error))
    {
      g_prefix_error (error, "Titan embedding response: ");
      return NULL;
    }
  n = json_array_get_length (embedding);
  if (n != expected_dims || n == 0)
    {
      parley_json_protocol_error (error, "Titan embedding response: %u dimensions, expected %u", n, expected_dims);
      return NULL;
    }

  vector = g_new (float, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (embedding, i);
      GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
      double v;

      if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
        {
          parley_json_protocol_error (error, "Titan embedding response: embedding[%u] is not a number", i);
          return NULL;
        }
      v = json_node_get_double (node);
      if (!isfinite (v) || fabs (v) > FLT_MAX)
        {
          parley_json_protocol_error (error, "Titan embedding response: embedding[%u] is not a finite float", i);
          return NULL;
        }
      vector[i] = (float) v;
    }
  if (token_count != NULL)
    *token_count = (guint) tokens;
  return g_steal_pointer (&vector);
}

/* ------------------------------------------------------------------ */
/* ApplyGuardrail                                                       */
/* ------------------------------------------------------------------ */

char *
parley_guardrail_apply_body (ParleyGuardrailSource  source,
                             const char            *text,
                             gsize                 *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (source == PARLEY_GUARDRAIL_SOURCE_INPUT || source == PARLEY_GUARDRAIL_SOURCE_OUTPUT, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, source == PARLEY_GUARDRAIL_SOURCE_INPUT ? "INPUT" : "OUTPUT");
  json_builder_set_member_name (builder, "content");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

void
parley_guardrail_finding_free (ParleyGuardrailFinding *finding)
{
  if (finding == NULL)
    return;
  g_free (finding->policy);
  g_free (finding->type);
  g_free (finding->match);
  g_free (finding->action);
  g_free (finding);
}

void
parley_guardrail_result_free (ParleyGuardrailResult *result)
{
  if (result == NULL)
    return;
  g_free (result->output_text);
  g_free (result->action_reason);
  g_clear_pointer (&result->findings, g_ptr_array_unref);
  g_free (result);
}

/* How to read the entries of one assessment list. */
typedef struct {
  const char *policy;        /* member of GuardrailAssessment */
  const char *list;          /* member of the policy holding the entries */
  const char *finding;       /* ParleyGuardrailFinding.policy */
  const char *type_member;   /* (nullable) string member giving the type */
  const char *fixed_type;    /* (nullable) the type when there is no member */
  const char *match_member;  /* (nullable) */
  gboolean    type_required;
  gboolean    match_required;
} FindingSpec;

static const FindingSpec finding_specs[] = {
  { "sensitiveInformationPolicy", "piiEntities",      "sensitiveInformation", "type", NULL,     "match", TRUE,  TRUE  },
  { "sensitiveInformationPolicy", "regexes",          "sensitiveInformation", "name", "REGEX",  "match", FALSE, FALSE },
  { "topicPolicy",                "topics",           "topic",                "type", NULL,     "name",  TRUE,  TRUE  },
  { "wordPolicy",                 "customWords",      "word",                 NULL,   "CUSTOM", "match", FALSE, TRUE  },
  { "wordPolicy",                 "managedWordLists", "word",                 "type", NULL,     "match", TRUE,  TRUE  },
  { "contentPolicy",              "filters",          "content",              "type", NULL,     NULL,    TRUE,  FALSE },
};

static gboolean
parse_findings (JsonObject  *assessment,
                const char  *context,
                GPtrArray   *findings,
                GError     **error)
{
  for (guint s = 0; s < G_N_ELEMENTS (finding_specs); s++)
    {
      const FindingSpec *spec = &finding_specs[s];
      g_autofree char *pctx = g_strdup_printf ("%s.%s", context, spec->policy);
      JsonObject *policy;
      JsonArray *list;

      if (!parley_json_member_object (assessment, spec->policy, FALSE, &policy, context, error))
        return FALSE;
      if (policy == NULL)
        continue;
      if (!parley_json_member_array (policy, spec->list, FALSE, &list, pctx, error))
        return FALSE;
      for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
        {
          g_autofree char *ctx = g_strdup_printf ("%s.%s[%u]", pctx, spec->list, i);
          g_autofree char *lctx = g_strdup_printf ("%s.%s", pctx, spec->list);
          const char *type = NULL, *match = NULL, *action;
          gboolean detected = TRUE;
          JsonObject *entry;
          ParleyGuardrailFinding *finding;

          if (!parley_json_element_object (list, i, &entry, lctx, error)
              || !parley_json_member_string (entry, "action", TRUE, &action, ctx, error)
              || !parley_json_member_bool (entry, "detected", FALSE, &detected, ctx, error)
              || (spec->type_member != NULL
                  && !parley_json_member_string (entry, spec->type_member, spec->type_required, &type, ctx, error))
              || (spec->match_member != NULL
                  && !parley_json_member_string (entry, spec->match_member, spec->match_required, &match, ctx, error)))
            return FALSE;
          if (!detected)
            continue;
          finding = g_new0 (ParleyGuardrailFinding, 1);
          finding->policy = g_strdup (spec->finding);
          finding->type = g_strdup (type != NULL ? type : spec->fixed_type);
          finding->match = g_strdup (match);
          finding->action = g_strdup (action);
          g_ptr_array_add (findings, finding);
        }
    }
  return TRUE;
}

static gboolean
parse_apply (JsonObject             *root,
             ParleyGuardrailResult  *result,
             GError                **error)
{
  JsonArray *outputs, *assessments;
  const char *action, *reason;

  if (!parley_json_member_string (root, "action", TRUE, &action, "", error)
      || !parley_json_member_string (root, "actionReason", FALSE, &reason, "", error)
      || !parley_json_member_array (root, "outputs", TRUE, &outputs, "", error)
      || !parley_json_member_array (root, "assessments", TRUE, &assessments, "", error))
    return FALSE;

  if (g_str_equal (action, "GUARDRAIL_INTERVENED"))
    result->intervened = TRUE;
  else if (!g_str_equal (action, "NONE"))
    {
      g_autofree char *clean = parley_json_clean_message (action);

      parley_json_protocol_error (error, "action: unknown action \"%s\"", clean);
      return FALSE;
    }
  result->action_reason = g_strdup (reason);

  if (json_array_get_length (outputs) > 0)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (outputs); i++)
        {
          g_autofree char *ctx = g_strdup_printf ("outputs[%u]", i);
          JsonObject *output;
          const char *s;

          if (!parley_json_element_object (outputs, i, &output, "outputs", error)
              || !parley_json_member_string (output, "text", FALSE, &s, ctx, error))
            return FALSE;
          if (s != NULL)
            g_string_append (text, s);
        }
      result->output_text = g_strdup (text->str);
    }

  for (guint i = 0; i < json_array_get_length (assessments); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("assessments[%u]", i);
      JsonObject *assessment;

      if (!parley_json_element_object (assessments, i, &assessment, "assessments", error)
          || !parse_findings (assessment, ctx, result->findings, error))
        return FALSE;
    }
  return TRUE;
}

ParleyGuardrailResult *
parley_guardrail_parse_apply (const char  *data,
                              gsize        len,
                              GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse_object (data, len, "ApplyGuardrail response", error);
  g_autoptr(ParleyGuardrailResult) result = NULL;

  if (root == NULL)
    return NULL;
  result = g_new0 (ParleyGuardrailResult, 1);
  result->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_guardrail_finding_free);
  if (!parse_apply (json_node_get_object (root), result, error))
    {
      g_prefix_error (error, "ApplyGuardrail response: ");
      return NULL;
    }
  return g_steal_pointer (&result);
}

/* ------------------------------------------------------------------ */
/* Retrieve                                                             */
/* ------------------------------------------------------------------ */

char *
parley_retrieve_body (const char *query,
                      guint       number_of_results,
                      gsize      *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (number_of_results <= 100, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "retrievalQuery");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, query);
  json_builder_end_object (builder);
  if (number_of_results > 0)
    {
      json_builder_set_member_name (builder, "retrievalConfiguration");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "vectorSearchConfiguration");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "numberOfResults");
      json_builder_add_int_value (builder, number_of_results);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

void
parley_retrieve_hit_free (ParleyRetrieveHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->text);
  g_free (hit->uri);
  g_free (hit->title);
  g_free (hit);
}

/* Where each location type keeps its address. */
static const struct {
  const char *location;
  const char *member;
} location_members[] = {
  { "s3Location",             "uri" },
  { "webLocation",            "url" },
  { "confluenceLocation",     "url" },
  { "salesforceLocation",     "url" },
  { "sharePointLocation",     "url" },
  { "googleDriveLocation",    "url" },
  { "oneDriveLocation",       "url" },
  { "kendraDocumentLocation", "uri" },
  { "customDocumentLocation", "id"  },
};

static gboolean
parse_location (JsonObject  *location,
                const char  *context,
                char       **uri,
                GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (location_members); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("%s.%s", context, location_members[i].location);
      JsonObject *inner;
      const char *value;

      if (!parley_json_member_object (location, location_members[i].location, FALSE, &inner, context, error))
        return FALSE;
      if (inner == NULL)
        continue;
      if (!parley_json_member_string (inner, location_members[i].member, FALSE, &value, ctx, error))
        return FALSE;
      if (value != NULL)
        {
          *uri = g_strdup (value);
          return TRUE;
        }
    }
  return TRUE;
}

static gboolean
parse_hit_text (JsonObject  *content,
                const char  *context,
                char       **text,
                GError     **error)
{
  g_autofree char *ctx = NULL;
  JsonObject *segment;
  JsonArray *row;
  const char *s;

  if (!parley_json_member_string (content, "text", FALSE, &s, context, error))
    return FALSE;
  if (s != NULL)
    {
      *text = g_strdup (s);
      return TRUE;
    }

  if (!parley_json_member_array (content, "row", FALSE, &row, context, error))
    return FALSE;
  if (row != NULL)
    {
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autofree char *rctx = g_strdup_printf ("%s.row", context);

      for (guint i = 0; i < json_array_get_length (row); i++)
        {
          g_autofree char *cctx = g_strdup_printf ("%s[%u]", rctx, i);
          JsonObject *column;
          const char *name, *value;

          if (!parley_json_element_object (row, i, &column, rctx, error)
              || !parley_json_member_string (column, "columnName", FALSE, &name, cctx, error)
              || !parley_json_member_string (column, "columnValue", FALSE, &value, cctx, error))
            return FALSE;
          if (value == NULL)
            continue;
          if (lines->len > 0)
            g_string_append_c (lines, '\n');
          g_string_append_printf (lines, "%s: %s", name != NULL ? name : "", value);
        }
      *text = g_strdup (lines->str);
      return TRUE;
    }

  if (!parley_json_member_object (content, "audio", FALSE, &segment, context, error))
    return FALSE;
  ctx = g_strdup_printf ("%s.audio", context);
  if (segment != NULL && !parley_json_member_string (segment, "transcription", FALSE, &s, ctx, error))
    return FALSE;
  if (segment != NULL && s != NULL)
    {
      *text = g_strdup (s);
      return TRUE;
    }

  if (!parley_json_member_object (content, "video", FALSE, &segment, context, error))
    return FALSE;
  g_free (ctx);
  ctx = g_strdup_printf ("%s.video", context);
  if (segment != NULL && !parley_json_member_string (segment, "summary", FALSE, &s, ctx, error))
    return FALSE;
  if (segment != NULL && s != NULL)
    *text = g_strdup (s);
  return TRUE;
}

/* Metadata values are documents of any type: only strings are used. */
static char *
metadata_string (JsonObject *metadata,
                 const char *key)
{
  JsonNode *node = json_object_get_member (metadata, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gboolean
parse_retrieve (JsonObject  *root,
                GPtrArray   *hits,
                GError     **error)
{
  JsonArray *results;

  if (!parley_json_member_array (root, "retrievalResults", TRUE, &results, "", error))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("retrievalResults[%u]", i);
      g_autofree char *cctx = g_strdup_printf ("%s.content", ctx);
      g_autofree char *lctx = g_strdup_printf ("%s.location", ctx);
      g_autoptr(ParleyRetrieveHit) hit = g_new0 (ParleyRetrieveHit, 1);
      JsonObject *result, *content, *location, *metadata;

      if (!parley_json_element_object (results, i, &result, "retrievalResults", error)
          || !parley_json_member_object (result, "content", TRUE, &content, ctx, error)
          || !parse_hit_text (content, cctx, &hit->text, error)
          || !parley_json_member_double (result, "score", FALSE, &hit->score, ctx, error)
          || !parley_json_member_object (result, "location", FALSE, &location, ctx, error)
          || (location != NULL && !parse_location (location, lctx, &hit->uri, error))
          || !parley_json_member_object (result, "metadata", FALSE, &metadata, ctx, error))
        return FALSE;

      if (metadata != NULL)
        {
          hit->title = metadata_string (metadata, "title");
          if (hit->uri == NULL)
            hit->uri = metadata_string (metadata, "x-amz-bedrock-kb-source-uri");
        }

      if (hit->text != NULL)
        g_ptr_array_add (hits, g_steal_pointer (&hit));
    }
  return TRUE;
}

GPtrArray *
parley_retrieve_parse (const char  *data,
                       gsize        len,
                       GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse_object (data, len, "Retrieve response", error);
  g_autoptr(GPtrArray) hits = NULL;

  if (root == NULL)
    return NULL;
  hits = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_retrieve_hit_free);
  if (!parse_retrieve (json_node_get_object (root), hits, error))
    {
      g_prefix_error (error, "Retrieve response: ");
      return NULL;
    }
  return g_steal_pointer (&hits);
}
