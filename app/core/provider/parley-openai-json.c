/* parley-openai-json.c — the JSON (and SSE) of OpenAI-compatible servers
 *
 * The servers differ in details this code absorbs: Ollama and older
 * llama.cpp finish tool calls with "stop", send a whole tool call in one
 * delta, and may leave out the tool call's index or id; vLLM can repeat
 * usage on every chunk; llama.cpp puts usage into the finishing chunk,
 * OpenAI into one more chunk with no choices. Errors come as
 * {"error": {…}}, {"error": "…"} or a bare {"message", "type", "code"},
 * before the stream or as a chunk inside it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-openai"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-chat-private.h"
#include "parley-openai-json.h"

/* ------------------------------------------------------------------ */
/* Chat body                                                            */
/* ------------------------------------------------------------------ */

static gboolean
is_set (double v)
{
  return v >= 0 && isfinite (v);
}

static char *
tool_result_text (JsonNode *result)
{
  if (result == NULL)
    return g_strdup ("{}");
  if (JSON_NODE_HOLDS_VALUE (result) && json_node_get_value_type (result) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (result));
  return parley_json_to_data (result, NULL);
}

static void
add_user_message (JsonBuilder             *builder,
                  const ParleyChatMessage *message)
{
  g_autofree char *text = parley_chat_message_dup_text (message);
  gboolean have_text = FALSE;

  for (guint k = 0; k < message->blocks->len; k++)
    {
      const ParleyChatBlock *b = message->blocks->pdata[k];
      g_autofree char *content = NULL;

      if (b->kind == PARLEY_CHAT_BLOCK_TEXT)
        {
          have_text = TRUE;
          continue;
        }
      if (b->kind != PARLEY_CHAT_BLOCK_TOOL_RESULT)
        continue;
      content = tool_result_text (b->json);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, "tool");
      json_builder_set_member_name (builder, "tool_call_id");
      json_builder_add_string_value (builder, b->tool_use_id);
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, content);
      json_builder_end_object (builder);
    }

  if (have_text)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, "user");
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
    }
}

static void
add_assistant_message (JsonBuilder             *builder,
                       const ParleyChatMessage *message)
{
  g_autofree char *text = parley_chat_message_dup_text (message);
  guint n_tools = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, "assistant");

  for (guint k = 0; k < message->blocks->len; k++)
    {
      const ParleyChatBlock *b = message->blocks->pdata[k];
      g_autofree char *arguments = NULL;

      if (b->kind != PARLEY_CHAT_BLOCK_TOOL_USE)
        continue;
      if (n_tools++ == 0)
        {
          json_builder_set_member_name (builder, "tool_calls");
          json_builder_begin_array (builder);
        }
      arguments = b->json != NULL ? parley_json_to_data (b->json, NULL) : g_strdup ("{}");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, b->tool_use_id);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "function");
      json_builder_set_member_name (builder, "function");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, b->tool_name);
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_string_value (builder, arguments);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  if (n_tools > 0)
    json_builder_end_array (builder);

  /* OpenAI: content may be null when there are tool calls. */
  json_builder_set_member_name (builder, "content");
  if (*text == '\0' && n_tools > 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
}

char *
parley_openai_chat_body (const ParleyChatRequest *request,
                         gboolean                 stream,
                         gsize                   *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (request != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model_id != NULL ? request->model_id : "");

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (request->system != NULL && *request->system != '\0')
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, "system");
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, request->system);
      json_builder_end_object (builder);
    }
  for (guint m = 0; m < request->messages->len; m++)
    {
      const ParleyChatMessage *message = request->messages->pdata[m];

      if (message->role == PARLEY_CHAT_ROLE_ASSISTANT)
        add_assistant_message (builder, message);
      else
        add_user_message (builder, message);
    }
  json_builder_end_array (builder);

  if (request->tools->len > 0)
    {
      json_builder_set_member_name (builder, "tools");
      json_builder_begin_array (builder);
      for (guint t = 0; t < request->tools->len; t++)
        {
          const ParleyChatTool *tool = request->tools->pdata[t];

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, "function");
          json_builder_set_member_name (builder, "function");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, tool->name);
          if (tool->description != NULL && *tool->description != '\0')
            {
              json_builder_set_member_name (builder, "description");
              json_builder_add_string_value (builder, tool->description);
            }
          json_builder_set_member_name (builder, "parameters");
          if (tool->input_schema != NULL)
            json_builder_add_value (builder, json_node_copy (tool->input_schema));
          else
            {
              json_builder_begin_object (builder);
              json_builder_end_object (builder);
            }
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  if (request->max_tokens > 0)
    {
      json_builder_set_member_name (builder, "max_tokens");
      json_builder_add_int_value (builder, request->max_tokens);
    }
  if (is_set (request->temperature))
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, request->temperature);
    }
  if (is_set (request->top_p))
    {
      json_builder_set_member_name (builder, "top_p");
      json_builder_add_double_value (builder, request->top_p);
    }
  if (request->stop_sequences != NULL && request->stop_sequences[0] != NULL)
    {
      json_builder_set_member_name (builder, "stop");
      json_builder_begin_array (builder);
      for (guint i = 0; request->stop_sequences[i] != NULL; i++)
        json_builder_add_string_value (builder, request->stop_sequences[i]);
      json_builder_end_array (builder);
    }
  if (stream)
    {
      json_builder_set_member_name (builder, "stream");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "stream_options");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include_usage");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

const char *
parley_openai_map_finish_reason (const char *finish_reason)
{
  static const struct {
    const char *openai;
    const char *converse;
  } map[] = {
    { "stop",           "end_turn" },
    { "tool_calls",     "tool_use" },
    { "function_call",  "tool_use" },
    { "length",         "max_tokens" },
    { "content_filter", "content_filtered" },
  };

  if (finish_reason == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (finish_reason, map[i].openai))
      return map[i].converse;
  return finish_reason;
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* Reads an error object ({"message", "type", "code"}); FALSE if it has
 * none of these. */
static gboolean
read_error_object (JsonObject  *object,
                   char       **message,
                   char       **code,
                   gint64      *numeric_code)
{
  JsonNode *code_node = json_object_get_member (object, "code");
  const char *m = NULL, *type = NULL;

  parley_json_member_string (object, "message", FALSE, &m, "", NULL);
  parley_json_member_string (object, "type", FALSE, &type, "", NULL);
  if (code_node != NULL && JSON_NODE_HOLDS_VALUE (code_node))
    {
      if (json_node_get_value_type (code_node) == G_TYPE_STRING && *json_node_get_string (code_node) != '\0')
        *code = parley_json_clean_message (json_node_get_string (code_node));
      else if (json_node_get_value_type (code_node) == G_TYPE_INT64)
        *numeric_code = json_node_get_int (code_node);
    }
  if (*code == NULL && type != NULL && *type != '\0')
    *code = parley_json_clean_message (type);
  *message = parley_json_clean_message (m);
  return m != NULL || type != NULL || code_node != NULL;
}

/* Sets the error from a parsed body's root object: {"error": {…}},
 * {"error": "…"} or {"message": "…", …}; FALSE if it holds none. */
static gboolean
error_from_object (GError     **error,
                   guint        status,
                   const char  *request_id,
                   JsonObject  *root)
{
  g_autofree char *message = NULL;
  g_autofree char *code = NULL;
  g_autofree char *clean_id = parley_json_clean_message (request_id);
  gint64 numeric = 0;
  guint classify_status = status;
  JsonNode *inner = json_object_get_member (root, "error");
  JsonNode *top_message = json_object_get_member (root, "message");

  if (inner != NULL && JSON_NODE_HOLDS_VALUE (inner) && json_node_get_value_type (inner) == G_TYPE_STRING)
    message = parley_json_clean_message (json_node_get_string (inner));
  else if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
    {
      if (!read_error_object (json_node_get_object (inner), &message, &code, &numeric))
        return FALSE;
    }
  else if (top_message != NULL && JSON_NODE_HOLDS_VALUE (top_message)
           && json_node_get_value_type (top_message) == G_TYPE_STRING)
    read_error_object (root, &message, &code, &numeric);
  else
    return FALSE;

  if (classify_status == 0 && numeric >= 100 && numeric <= 599)
    classify_status = (guint) numeric;
  parley_aws_set_error (error, parley_aws_error_classify (NULL, classify_status), code,
                        clean_id != NULL && *clean_id != '\0' ? clean_id : NULL, status,
                        message != NULL && *message != '\0' ? message : "the server reported an error");
  return TRUE;
}

void
parley_openai_set_error_from_response (GError       **error,
                                       guint          status,
                                       const char    *request_id,
                                       const guint8  *body,
                                       gsize          len)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *clean_id = NULL;

  if (body != NULL && len > 0)
    root = parley_json_parse_object ((const char *) body, len, "error response", NULL);
  if (root != NULL && error_from_object (error, status, request_id, json_node_get_object (root)))
    return;

  clean_id = parley_json_clean_message (request_id);
  parley_aws_set_error (error, parley_aws_error_classify (NULL, status), NULL,
                        clean_id != NULL && *clean_id != '\0' ? clean_id : NULL, status,
                        len == 0 ? "the server answered with an error and no body"
                                 : root == NULL ? "the server answered with an error and a body that is not JSON"
                                                : "the server answered with an error and no message");
}

/* ------------------------------------------------------------------ */
/* Chat response                                                        */
/* ------------------------------------------------------------------ */

#define MAX_TOKENS_COUNT G_MAXINT32

static gboolean
parse_usage (JsonObject       *usage,
             ParleyChatUsage  *out,
             GError          **error)
{
  out->total_tokens = -1;
  if (!parley_json_member_int (usage, "prompt_tokens", FALSE, 0, MAX_TOKENS_COUNT, &out->input_tokens, "usage", error)
      || !parley_json_member_int (usage, "completion_tokens", FALSE, 0, MAX_TOKENS_COUNT, &out->output_tokens,
                                  "usage", error)
      || !parley_json_member_int (usage, "total_tokens", FALSE, 0, MAX_TOKENS_COUNT, &out->total_tokens, "usage", error))
    return FALSE;
  if (out->total_tokens < 0)
    out->total_tokens = out->input_tokens + out->output_tokens;
  return TRUE;
}

/* A tool call's arguments: JSON text of an object, or an object. */
static JsonNode *
parse_arguments (JsonObject  *function,
                 const char  *context,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (function, "arguments");
  g_autofree char *what = g_strdup_printf ("%s.arguments", context);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return parley_json_parse_tool_input ("", 0, what, error);
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_node_copy (node);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      return parley_json_parse_tool_input (text, strlen (text), what, error);
    }
  parley_json_protocol_error (error, "%s: expected a string or an object", what);
  return NULL;
}

static gboolean
parse_chat (JsonObject          *root,
            ParleyChatResponse  *response,
            GError             **error)
{
  JsonArray *choices, *tool_calls;
  JsonObject *choice = NULL, *message, *usage;
  const char *content, *finish_reason, *model;
  guint n_tools = 0;

  if (!parley_json_member_array (root, "choices", TRUE, &choices, "", error)
      || !parley_json_member_string (root, "model", FALSE, &model, "", error)
      || !parley_json_member_object (root, "usage", FALSE, &usage, "", error)
      || (usage != NULL && !parse_usage (usage, &response->usage, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (choices) && choice == NULL; i++)
    {
      g_autofree char *ctx = g_strdup_printf ("choices[%u]", i);
      JsonObject *c;
      gint64 index = i;

      if (!parley_json_element_object (choices, i, &c, "choices", error)
          || !parley_json_member_int (c, "index", FALSE, 0, G_MAXINT32, &index, ctx, error))
        return FALSE;
      if (index == 0)
        choice = c;
    }
  if (choice == NULL)
    {
      parley_json_protocol_error (error, "choices: no choice 0");
      return FALSE;
    }

  if (!parley_json_member_object (choice, "message", TRUE, &message, "choices[0]", error)
      || !parley_json_member_string (choice, "finish_reason", FALSE, &finish_reason, "choices[0]", error)
      || !parley_json_member_string (message, "content", FALSE, &content, "choices[0].message", error)
      || !parley_json_member_array (message, "tool_calls", FALSE, &tool_calls, "choices[0].message", error))
    return FALSE;

  if (finish_reason != NULL && *finish_reason == '\0')
    finish_reason = NULL;
  if (content != NULL && *content != '\0')
    parley_chat_message_add_block (response->message, parley_chat_block_new_text (content));

  for (guint i = 0; tool_calls != NULL && i < json_array_get_length (tool_calls); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("choices[0].message.tool_calls[%u]", i);
      g_autofree char *fctx = g_strdup_printf ("%s.function", ctx);
      g_autofree char *made_up = NULL;
      g_autoptr(JsonNode) input = NULL;
      JsonObject *call, *function;
      const char *id, *name;

      if (!parley_json_element_object (tool_calls, i, &call, "choices[0].message.tool_calls", error)
          || !parley_json_member_string (call, "id", FALSE, &id, ctx, error)
          || !parley_json_member_object (call, "function", TRUE, &function, ctx, error)
          || !parley_json_member_string (function, "name", TRUE, &name, fctx, error))
        return FALSE;
      if (*name == '\0')
        {
          parley_json_protocol_error (error, "%s.name is empty", fctx);
          return FALSE;
        }
      input = parse_arguments (function, fctx, error);
      if (input == NULL)
        return FALSE;
      if (id == NULL || *id == '\0')
        id = made_up = g_strdup_printf ("call_%u", i);
      parley_chat_message_add_block (response->message, parley_chat_block_new_tool_use (id, name, input));
      n_tools++;
    }

  if (n_tools > 0 && (finish_reason == NULL || g_str_equal (finish_reason, "stop")))
    response->stop_reason = g_strdup ("tool_use");
  else
    response->stop_reason = g_strdup (finish_reason != NULL ? parley_openai_map_finish_reason (finish_reason)
                                                            : "end_turn");
  response->model_id = g_strdup (model);
  return TRUE;
}

ParleyChatResponse *
parley_openai_parse_chat (const char  *data,
                          gsize        len,
                          GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse_object (data, len, "chat completion", error);
  g_autoptr(ParleyChatResponse) response = NULL;
  JsonNode *err;

  if (root == NULL)
    return NULL;
  err = json_object_get_member (json_node_get_object (root), "error");
  if (err != NULL && !JSON_NODE_HOLDS_NULL (err)
      && error_from_object (error, 0, NULL, json_node_get_object (root)))
    return NULL;

  response = parley_chat_response_new ();
  if (!parse_chat (json_node_get_object (root), response, error))
    {
      g_prefix_error (error, "chat completion: ");
      return NULL;
    }
  return g_steal_pointer (&response);
}

/* ------------------------------------------------------------------ */
/* Server-sent events                                                   */
/* ------------------------------------------------------------------ */

struct _ParleySseParser
{
  gsize     max_line;
  GString  *line;         /* the line being read */
  GString  *data;         /* the event's data lines, each with its "\n" */
  char     *event_type;   /* (nullable) */
  gboolean  skip_lf;      /* the last line ended in CR: a following LF belongs to it */
  gboolean  first_line;   /* a BOM may start it */
  gboolean  done;         /* [DONE] arrived */
  gboolean  failed;
};

ParleySseParser *
parley_sse_parser_new (gsize max_line)
{
  ParleySseParser *parser = g_new0 (ParleySseParser, 1);

  parser->max_line = max_line > 0 ? max_line : PARLEY_SSE_DEFAULT_MAX_LINE;
  parser->line = g_string_new (NULL);
  parser->data = g_string_new (NULL);
  parser->first_line = TRUE;
  return parser;
}

void
parley_sse_parser_free (ParleySseParser *parser)
{
  if (parser == NULL)
    return;
  g_string_free (parser->line, TRUE);
  g_string_free (parser->data, TRUE);
  g_free (parser->event_type);
  g_free (parser);
}

gboolean
parley_sse_parser_is_done (ParleySseParser *parser)
{
  return parser->done;
}

static gboolean
dispatch (ParleySseParser     *parser,
          ParleySseEventFunc   func,
          gpointer             user_data,
          GError             **error)
{
  g_autofree char *type = g_steal_pointer (&parser->event_type);
  gsize len = parser->data->len;

  if (len == 0)
    return TRUE;
  /* The last data line's "\n" is not part of the data. */
  g_string_truncate (parser->data, len - 1);

  if (parser->done)
    {
      parley_json_protocol_error (error, "event stream: an event after [DONE]");
      return FALSE;
    }
  if ((type == NULL || g_str_equal (type, "message")) && g_str_equal (parser->data->str, "[DONE]"))
    parser->done = TRUE;
  else if (!func (type != NULL ? type : "message", parser->data->str, parser->data->len, user_data, error))
    return FALSE;
  g_string_truncate (parser->data, 0);
  return TRUE;
}

static gboolean
process_line (ParleySseParser     *parser,
              ParleySseEventFunc   func,
              gpointer             user_data,
              GError             **error)
{
  const char *line = parser->line->str;
  gsize len = parser->line->len;
  const char *colon, *value;
  gsize name_len, value_len;

  if (parser->first_line)
    {
      parser->first_line = FALSE;
      if (len >= 3 && memcmp (line, "\xEF\xBB\xBF", 3) == 0)
        {
          line += 3;
          len -= 3;
        }
    }

  if (len == 0)
    return dispatch (parser, func, user_data, error);
  if (line[0] == ':')
    return TRUE;

  colon = memchr (line, ':', len);
  name_len = colon != NULL ? (gsize) (colon - line) : len;
  value = colon != NULL ? colon + 1 : line + len;
  value_len = len - (gsize) (value - line);
  if (value_len > 0 && value[0] == ' ')
    {
      value++;
      value_len--;
    }

  if (name_len == 4 && memcmp (line, "data", 4) == 0)
    {
      if (parser->data->len + value_len + 1 > parser->max_line)
        {
          parley_json_protocol_error (error, "event stream: an event of more than %" G_GSIZE_FORMAT " bytes",
                                      parser->max_line);
          return FALSE;
        }
      g_string_append_len (parser->data, value, (gssize) value_len);
      g_string_append_c (parser->data, '\n');
    }
  else if (name_len == 5 && memcmp (line, "event", 5) == 0)
    {
      g_free (parser->event_type);
      parser->event_type = g_strndup (value, value_len);
    }
  /* id, retry and unknown fields: ignored. */
  return TRUE;
}

static gboolean
end_line (ParleySseParser     *parser,
          ParleySseEventFunc   func,
          gpointer             user_data,
          GError             **error)
{
  gboolean ok = process_line (parser, func, user_data, error);

  g_string_truncate (parser->line, 0);
  return ok;
}

gboolean
parley_sse_parser_feed (ParleySseParser     *parser,
                        const guint8        *data,
                        gsize                len,
                        ParleySseEventFunc   func,
                        gpointer             user_data,
                        GError             **error)
{
  gsize pos = 0;

  g_return_val_if_fail (parser != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (parser->failed)
    {
      parley_json_protocol_error (error, "event stream: data after a failure");
      return FALSE;
    }

  while (pos < len)
    {
      gsize run = pos;

      if (parser->skip_lf)
        {
          parser->skip_lf = FALSE;
          if (data[pos] == '\n')
            {
              pos++;
              continue;
            }
        }
      while (run < len && data[run] != '\n' && data[run] != '\r')
        run++;
      if (parser->line->len + (run - pos) > parser->max_line)
        {
          parser->failed = TRUE;
          parley_json_protocol_error (error, "event stream: a line of more than %" G_GSIZE_FORMAT " bytes",
                                      parser->max_line);
          return FALSE;
        }
      g_string_append_len (parser->line, (const char *) data + pos, (gssize) (run - pos));
      pos = run;
      if (pos == len)
        break;
      parser->skip_lf = data[pos] == '\r';
      pos++;
      if (!end_line (parser, func, user_data, error))
        {
          parser->failed = TRUE;
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
parley_sse_parser_finish (ParleySseParser     *parser,
                          ParleySseEventFunc   func,
                          gpointer             user_data,
                          GError             **error)
{
  g_return_val_if_fail (parser != NULL, FALSE);

  if (parser->failed)
    {
      parley_json_protocol_error (error, "event stream: finished after a failure");
      return FALSE;
    }
  if ((parser->line->len > 0 && !end_line (parser, func, user_data, error))
      || !dispatch (parser, func, user_data, error))
    {
      parser->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Streamed chat completions                                            */
/* ------------------------------------------------------------------ */

typedef struct {
  guint block;
} ToolCall;

struct _ParleyOpenaiStream
{
  ParleySseParser *sse;
  gboolean         started;
  gboolean         finished;      /* finish_reason arrived: MESSAGE_STOP sent */
  gboolean         usage_sent;
  gboolean         have_usage;
  gboolean         had_tools;
  ParleyChatUsage  usage;
  guint            next_block;
  gint             text_block;    /* the open text block, or -1 */
  GHashTable      *tool_calls;    /* OpenAI tool call index → ToolCall */
  GArray          *open_blocks;   /* guint, in start order */
  /* For the SSE callback. */
  ParleyChatEventFunc func;
  gpointer            user_data;
};

ParleyOpenaiStream *
parley_openai_stream_new (void)
{
  ParleyOpenaiStream *stream = g_new0 (ParleyOpenaiStream, 1);

  stream->sse = parley_sse_parser_new (0);
  stream->text_block = -1;
  stream->tool_calls = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  stream->open_blocks = g_array_new (FALSE, FALSE, sizeof (guint));
  return stream;
}

void
parley_openai_stream_free (ParleyOpenaiStream *stream)
{
  if (stream == NULL)
    return;
  parley_sse_parser_free (stream->sse);
  g_hash_table_unref (stream->tool_calls);
  g_array_unref (stream->open_blocks);
  g_free (stream);
}

static void
emit (ParleyChatEventFunc  func,
      gpointer             user_data,
      ParleyChatEvent     *event)
{
  func (event, user_data);
}

static guint
open_block (ParleyOpenaiStream  *stream,
            const char          *tool_use_id,
            const char          *tool_name,
            ParleyChatEventFunc  func,
            gpointer             user_data)
{
  ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_BLOCK_START, .index = stream->next_block,
                            .tool_use_id = tool_use_id, .tool_name = tool_name };

  g_array_append_val (stream->open_blocks, stream->next_block);
  emit (func, user_data, &event);
  return stream->next_block++;
}

static void
close_block (ParleyOpenaiStream  *stream,
             guint                block,
             ParleyChatEventFunc  func,
             gpointer             user_data)
{
  ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_BLOCK_STOP, .index = block };

  for (guint i = 0; i < stream->open_blocks->len; i++)
    if (g_array_index (stream->open_blocks, guint, i) == block)
      {
        g_array_remove_index (stream->open_blocks, i);
        break;
      }
  emit (func, user_data, &event);
}

static void
send_usage (ParleyOpenaiStream  *stream,
            ParleyChatEventFunc  func,
            gpointer             user_data)
{
  ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_METADATA, .usage = stream->usage };

  stream->usage_sent = TRUE;
  emit (func, user_data, &event);
}

static gboolean
translate_tool_call (ParleyOpenaiStream  *stream,
                     JsonObject          *call,
                     guint                position,
                     const char          *context,
                     ParleyChatEventFunc  func,
                     gpointer             user_data,
                     GError             **error)
{
  g_autofree char *fctx = g_strdup_printf ("%s.function", context);
  JsonObject *function;
  const char *id, *name = NULL, *arguments = NULL;
  g_autofree char *object_arguments = NULL;
  gint64 index = position;
  ToolCall *tc;

  if (!parley_json_member_int (call, "index", FALSE, 0, G_MAXINT32, &index, context, error)
      || !parley_json_member_string (call, "id", FALSE, &id, context, error)
      || !parley_json_member_object (call, "function", FALSE, &function, context, error)
      || (function != NULL && !parley_json_member_string (function, "name", FALSE, &name, fctx, error)))
    return FALSE;
  if (function != NULL)
    {
      JsonNode *node = json_object_get_member (function, "arguments");

      /* Some servers send a whole call with its arguments as an object. */
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        arguments = object_arguments = parley_json_to_data (node, NULL);
      else if (!parley_json_member_string (function, "arguments", FALSE, &arguments, fctx, error))
        return FALSE;
    }

  tc = g_hash_table_lookup (stream->tool_calls, GINT_TO_POINTER ((gint) index));
  if (tc == NULL)
    {
      g_autofree char *made_up = NULL;

      if (name == NULL || *name == '\0')
        {
          parley_json_protocol_error (error, "%s: the first delta of tool call %" G_GINT64_FORMAT
                                      " does not name the function", context, index);
          return FALSE;
        }
      if (stream->text_block >= 0)
        {
          close_block (stream, (guint) stream->text_block, func, user_data);
          stream->text_block = -1;
        }
      if (id == NULL || *id == '\0')
        id = made_up = g_strdup_printf ("call_%u", stream->next_block);
      tc = g_new0 (ToolCall, 1);
      tc->block = open_block (stream, id, name, func, user_data);
      g_hash_table_insert (stream->tool_calls, GINT_TO_POINTER ((gint) index), tc);
      stream->had_tools = TRUE;
    }
  else
    {
      gboolean open = FALSE;

      for (guint i = 0; i < stream->open_blocks->len && !open; i++)
        open = g_array_index (stream->open_blocks, guint, i) == tc->block;
      if (!open)
        {
          parley_json_protocol_error (error, "%s: a delta for tool call %" G_GINT64_FORMAT " after it ended",
                                      context, index);
          return FALSE;
        }
    }

  if (arguments != NULL && *arguments != '\0')
    {
      ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_TOOL_DELTA, .index = tc->block, .text = arguments };

      emit (func, user_data, &event);
    }
  return TRUE;
}

static gboolean
translate_choice (ParleyOpenaiStream  *stream,
                  JsonObject          *choice,
                  const char          *context,
                  ParleyChatEventFunc  func,
                  gpointer             user_data,
                  GError             **error)
{
  g_autofree char *dctx = g_strdup_printf ("%s.delta", context);
  JsonObject *delta;
  JsonArray *tool_calls = NULL;
  const char *content = NULL, *finish_reason;

  if (!parley_json_member_object (choice, "delta", FALSE, &delta, context, error)
      || !parley_json_member_string (choice, "finish_reason", FALSE, &finish_reason, context, error)
      || (delta != NULL && !parley_json_member_string (delta, "content", FALSE, &content, dctx, error))
      || (delta != NULL && !parley_json_member_array (delta, "tool_calls", FALSE, &tool_calls, dctx, error)))
    return FALSE;
  /* An empty finish_reason is no finish_reason (found by fuzzing). */
  if (finish_reason != NULL && *finish_reason == '\0')
    finish_reason = NULL;

  if (stream->finished && ((content != NULL && *content != '\0') || (tool_calls != NULL && json_array_get_length (tool_calls) > 0)
                           || finish_reason != NULL))
    {
      parley_json_protocol_error (error, "%s: content after the finish_reason", context);
      return FALSE;
    }

  if (content != NULL && *content != '\0')
    {
      ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_TEXT_DELTA, .text = content };

      if (stream->text_block < 0)
        stream->text_block = (gint) open_block (stream, NULL, NULL, func, user_data);
      event.index = (guint) stream->text_block;
      emit (func, user_data, &event);
    }

  for (guint i = 0; tool_calls != NULL && i < json_array_get_length (tool_calls); i++)
    {
      g_autofree char *tctx = g_strdup_printf ("%s.tool_calls[%u]", dctx, i);
      g_autofree char *actx = g_strdup_printf ("%s.tool_calls", dctx);
      JsonObject *call;

      if (!parley_json_element_object (tool_calls, i, &call, actx, error)
          || !translate_tool_call (stream, call, i, tctx, func, user_data, error))
        return FALSE;
    }

  if (finish_reason != NULL)
    {
      ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_MESSAGE_STOP };

      while (stream->open_blocks->len > 0)
        close_block (stream, g_array_index (stream->open_blocks, guint, 0), func, user_data);
      stream->text_block = -1;
      if (stream->had_tools && g_str_equal (finish_reason, "stop"))
        event.stop_reason = "tool_use";
      else
        event.stop_reason = parley_openai_map_finish_reason (finish_reason);
      stream->finished = TRUE;
      emit (func, user_data, &event);
    }
  return TRUE;
}

static gboolean
translate (ParleyOpenaiStream  *stream,
           JsonObject          *root,
           ParleyChatEventFunc  func,
           gpointer             user_data,
           GError             **error)
{
  JsonArray *choices;
  JsonObject *usage;
  JsonNode *err = json_object_get_member (root, "error");
  const char *object = NULL;

  /* {"error": …}, or older vLLM's {"object": "error", "message": …} */
  parley_json_member_string (root, "object", FALSE, &object, "", NULL);
  if ((err != NULL && !JSON_NODE_HOLDS_NULL (err)) || g_strcmp0 (object, "error") == 0)
    {
      if (!error_from_object (error, 0, NULL, root))
        parley_json_protocol_error (error, "chat completion chunk: an error of the wrong shape");
      return FALSE;
    }
  if (!parley_json_member_array (root, "choices", FALSE, &choices, "chat completion chunk", error)
      || !parley_json_member_object (root, "usage", FALSE, &usage, "chat completion chunk", error))
    return FALSE;

  if (!stream->started)
    {
      ParleyChatEvent event = { .kind = PARLEY_CHAT_EVENT_MESSAGE_START };

      stream->started = TRUE;
      emit (func, user_data, &event);
    }

  for (guint i = 0; choices != NULL && i < json_array_get_length (choices); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("chat completion chunk: choices[%u]", i);
      JsonObject *choice;
      gint64 index = 0;

      if (!parley_json_element_object (choices, i, &choice, "chat completion chunk: choices", error)
          || !parley_json_member_int (choice, "index", FALSE, 0, G_MAXINT32, &index, ctx, error))
        return FALSE;
      if (index != 0)
        continue;
      if (!translate_choice (stream, choice, ctx, func, user_data, error))
        return FALSE;
    }

  if (usage != NULL)
    {
      ParleyChatUsage parsed = { 0, };

      if (!parse_usage (usage, &parsed, error))
        {
          g_prefix_error (error, "chat completion chunk: ");
          return FALSE;
        }
      stream->usage = parsed;
      stream->have_usage = TRUE;
      if (stream->finished && !stream->usage_sent)
        send_usage (stream, func, user_data);
    }
  return TRUE;
}

gboolean
parley_openai_stream_translate (ParleyOpenaiStream   *stream,
                                const char           *chunk,
                                gsize                 len,
                                ParleyChatEventFunc   func,
                                gpointer              user_data,
                                GError              **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (stream != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  root = parley_json_parse_object (chunk, len, "chat completion chunk", error);
  if (root == NULL)
    return FALSE;
  return translate (stream, json_node_get_object (root), func, user_data, error);
}

static gboolean
sse_event_cb (const char  *event_type,
              const char  *data,
              gsize        len,
              gpointer     user_data,
              GError     **error)
{
  ParleyOpenaiStream *stream = user_data;

  if (g_str_equal (event_type, "error"))
    {
      parley_openai_set_error_from_response (error, 0, NULL, (const guint8 *) data, len);
      return FALSE;
    }
  if (!g_str_equal (event_type, "message"))
    return TRUE;   /* "ping" and the like */
  return parley_openai_stream_translate (stream, data, len, stream->func, stream->user_data, error);
}

gboolean
parley_openai_stream_feed (ParleyOpenaiStream   *stream,
                           const guint8         *data,
                           gsize                 len,
                           ParleyChatEventFunc   func,
                           gpointer              user_data,
                           GError              **error)
{
  gboolean ok;

  g_return_val_if_fail (stream != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  stream->func = func;
  stream->user_data = user_data;
  ok = parley_sse_parser_feed (stream->sse, data, len, sse_event_cb, stream, error);
  stream->func = NULL;
  stream->user_data = NULL;
  return ok;
}

gboolean
parley_openai_stream_finish (ParleyOpenaiStream   *stream,
                             ParleyChatEventFunc   func,
                             gpointer              user_data,
                             GError              **error)
{
  gboolean ok;

  g_return_val_if_fail (stream != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  stream->func = func;
  stream->user_data = user_data;
  ok = parley_sse_parser_finish (stream->sse, sse_event_cb, stream, error);
  stream->func = NULL;
  stream->user_data = NULL;
  if (!ok)
    return FALSE;

  if (!stream->finished)
    {
      parley_json_protocol_error (error, "chat completion stream: the stream ended before a finish_reason");
      return FALSE;
    }
  if (stream->have_usage && !stream->usage_sent)
    send_usage (stream, func, user_data);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Embeddings                                                           */
/* ------------------------------------------------------------------ */

char *
parley_openai_embeddings_body (const char         *model,
                               const char * const *inputs,
                               guint               dimensions,
                               gsize              *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (inputs != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_set_member_name (builder, "input");
  json_builder_begin_array (builder);
  for (guint i = 0; inputs[i] != NULL; i++)
    json_builder_add_string_value (builder, inputs[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "encoding_format");
  json_builder_add_string_value (builder, "float");
  if (dimensions > 0)
    {
      json_builder_set_member_name (builder, "dimensions");
      json_builder_add_int_value (builder, dimensions);
    }
  json_builder_end_object (builder);
  return parley_json_builder_to_data (builder, len);
}

static gboolean
parse_embeddings (JsonObject  *root,
                  guint        n_inputs,
                  guint        expected_dims,
                  float      **out,
                  guint       *out_dims,
                  GError     **error)
{
  g_autofree float *matrix = NULL;
  g_autofree gboolean *seen = NULL;
  JsonArray *items;
  guint dims = expected_dims;

  if (!parley_json_member_array (root, "data", TRUE, &items, "", error))
    return FALSE;
  if (json_array_get_length (items) != n_inputs)
    {
      parley_json_protocol_error (error, "data: %u embeddings for %u inputs", json_array_get_length (items), n_inputs);
      return FALSE;
    }

  seen = g_new0 (gboolean, n_inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *ctx = g_strdup_printf ("data[%u]", i);
      JsonObject *item;
      JsonArray *vector;
      gint64 index = i;
      guint n;

      if (!parley_json_element_object (items, i, &item, "data", error)
          || !parley_json_member_int (item, "index", FALSE, 0, (gint64) n_inputs - 1, &index, ctx, error)
          || !parley_json_member_array (item, "embedding", TRUE, &vector, ctx, error))
        return FALSE;
      if (seen[index])
        {
          parley_json_protocol_error (error, "%s: index %" G_GINT64_FORMAT " appears twice", ctx, index);
          return FALSE;
        }
      seen[index] = TRUE;

      n = json_array_get_length (vector);
      if (dims == 0)
        dims = n;
      if (n != dims || n == 0)
        {
          parley_json_protocol_error (error, "%s.embedding: %u dimensions, expected %u", ctx, n, dims);
          return FALSE;
        }
      if (matrix == NULL)
        {
          if ((gsize) n_inputs > G_MAXSIZE / sizeof (float) / dims)
            {
              parley_json_protocol_error (error, "data: too many embeddings");
              return FALSE;
            }
          matrix = g_new (float, (gsize) n_inputs * dims);
        }
      for (guint k = 0; k < n; k++)
        {
          JsonNode *node = json_array_get_element (vector, k);
          GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
          double v;

          if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
            {
              parley_json_protocol_error (error, "%s.embedding[%u] is not a number", ctx, k);
              return FALSE;
            }
          v = json_node_get_double (node);
          if (!isfinite (v) || fabs (v) > FLT_MAX)
            {
              parley_json_protocol_error (error, "%s.embedding[%u] is not a finite float", ctx, k);
              return FALSE;
            }
          matrix[(gsize) index * dims + k] = (float) v;
        }
    }
  *out = g_steal_pointer (&matrix);
  *out_dims = dims;
  return TRUE;
}

float *
parley_openai_parse_embeddings (const char  *data,
                                gsize        len,
                                guint        n_inputs,
                                guint        expected_dims,
                                guint       *dims,
                                GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  float *matrix = NULL;
  guint n_dims = 0;

  g_return_val_if_fail (n_inputs > 0, NULL);

  root = parley_json_parse_object (data, len, "embeddings response", error);
  if (root == NULL)
    return NULL;
  if (!parse_embeddings (json_node_get_object (root), n_inputs, expected_dims, &matrix, &n_dims, error))
    {
      g_prefix_error (error, "embeddings response: ");
      return NULL;
    }
  if (dims != NULL)
    *dims = n_dims;
  return matrix;
}
