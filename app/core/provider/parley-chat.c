/* parley-chat.c — a chat request and its answer, independent of provider
 *
 * Also home of the strict JSON reading shared by the codecs
 * (parley-chat-private.h explains why json-glib alone is not enough).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-chat"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-chat.h"
#include "parley-chat-private.h"

/* ------------------------------------------------------------------ */
/* Strict JSON                                                          */
/* ------------------------------------------------------------------ */

#define MAX_NUMBER_LEN 512

void
parley_json_protocol_error (GError     **error,
                            const char  *format,
                            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  parley_aws_set_error (error, PARLEY_AWS_ERROR_PROTOCOL, NULL, NULL, 0, message);
}

static inline gboolean
is_ws (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits of a \u escape at data[*pos]. */
static gboolean
scan_u_escape (const char *data,
               gsize       len,
               gsize      *pos,
               guint      *value)
{
  guint v = 0;

  if (len - *pos < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (data[*pos + i]);

      if (h < 0)
        return FALSE;
      v = v << 4 | (guint) h;
    }
  *pos += 4;
  *value = v;
  return TRUE;
}

/* A string from its opening quote at data[*pos]; on success *pos is past
 * the closing quote. */
static const char *
scan_string (const char *data,
             gsize       len,
             gsize      *pos)
{
  gsize p = *pos + 1;

  while (p < len)
    {
      guchar c = (guchar) data[p];

      if (c == '"')
        {
          *pos = p + 1;
          return NULL;
        }
      if (c < 0x20)
        return "a control character in a string";
      if (c != '\\')
        {
          p++;
          continue;
        }
      if (++p >= len)
        break;
      switch (data[p])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p++;
          break;
        case 'u':
          {
            guint u;

            p++;
            if (!scan_u_escape (data, len, &p, &u))
              return "a bad \\u escape";
            if (u == 0)
              return "a \\u0000 escape";
            if (u >= 0xDC00 && u <= 0xDFFF)
              return "an unpaired surrogate escape";
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                guint low;

                if (len - p < 2 || data[p] != '\\' || data[p + 1] != 'u')
                  return "an unpaired surrogate escape";
                p += 2;
                if (!scan_u_escape (data, len, &p, &low) || low < 0xDC00 || low > 0xDFFF)
                  return "an unpaired surrogate escape";
              }
          }
          break;
        default:
          return "a bad escape in a string";
        }
    }
  return "an unterminated string";
}

static const char *
scan_number (const char *data,
             gsize       len,
             gsize      *pos)
{
  gsize start = *pos, p = *pos;
  gboolean integer = TRUE;
  char buf[MAX_NUMBER_LEN + 1];
  char *end = NULL;

  if (p < len && data[p] == '-')
    p++;
  if (p >= len || !g_ascii_isdigit (data[p]))
    return "a bad number";
  if (data[p] == '0')
    p++;
  else
    while (p < len && g_ascii_isdigit (data[p]))
      p++;
  if (p < len && data[p] == '.')
    {
      integer = FALSE;
      p++;
      if (p >= len || !g_ascii_isdigit (data[p]))
        return "a bad number";
      while (p < len && g_ascii_isdigit (data[p]))
        p++;
    }
  if (p < len && (data[p] == 'e' || data[p] == 'E'))
    {
      integer = FALSE;
      p++;
      if (p < len && (data[p] == '+' || data[p] == '-'))
        p++;
      if (p >= len || !g_ascii_isdigit (data[p]))
        return "a bad number";
      while (p < len && g_ascii_isdigit (data[p]))
        p++;
    }
  if (p - start > MAX_NUMBER_LEN)
    return "a number that is too long";

  memcpy (buf, data + start, p - start);
  buf[p - start] = '\0';
  errno = 0;
  if (integer)
    {
      g_ascii_strtoll (buf, &end, 10);
      if (errno == ERANGE)
        return "an integer out of the 64-bit range";
    }
  else
    {
      double d = g_ascii_strtod (buf, &end);

      if (!isfinite (d))
        return "a number out of range";
    }
  *pos = p;
  return NULL;
}

typedef enum {
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE,   /* just after '[' */
  EXPECT_KEY_OR_CLOSE,     /* just after '{' */
  EXPECT_KEY,              /* after ',' in an object */
  EXPECT_COLON,
  EXPECT_COMMA_OR_CLOSE,   /* after a value */
} CheckState;

gboolean
parley_json_check (const char  *data,
                   gsize        len,
                   const char  *what,
                   GError     **error)
{
  char stack[PARLEY_JSON_MAX_DEPTH];
  guint depth = 0;
  CheckState state = EXPECT_VALUE;
  const char *problem = NULL;
  gsize pos = 0;

  if (data == NULL)
    problem = "an empty document";
  else if (len > G_MAXSSIZE)
    problem = "a document that is too large";
  else if (memchr (data, '\0', len) != NULL)
    {
      problem = "a NUL byte";
      pos = (gsize) ((const char *) memchr (data, '\0', len) - data);
    }
  else if (!g_utf8_validate_len (data, len, NULL))
    problem = "text that is not UTF-8";

  while (problem == NULL)
    {
      char c;

      while (pos < len && is_ws (data[pos]))
        pos++;
      if (pos == len)
        {
          if (state != EXPECT_COMMA_OR_CLOSE || depth > 0)
            problem = len == 0 ? "an empty document" : "an unexpected end";
          break;
        }
      c = data[pos];

      switch (state)
        {
        case EXPECT_VALUE_OR_CLOSE:
          if (c == ']')
            {
              depth--;
              pos++;
              state = EXPECT_COMMA_OR_CLOSE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case EXPECT_VALUE:
          if (c == '{' || c == '[')
            {
              if (depth == PARLEY_JSON_MAX_DEPTH)
                {
                  problem = "nesting that is too deep";
                  break;
                }
              stack[depth++] = c;
              pos++;
              state = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
            }
          else if (c == '"')
            {
              problem = scan_string (data, len, &pos);
              state = EXPECT_COMMA_OR_CLOSE;
            }
          else if (c == '-' || g_ascii_isdigit (c))
            {
              problem = scan_number (data, len, &pos);
              state = EXPECT_COMMA_OR_CLOSE;
            }
          else
            {
              static const char * const literals[] = { "true", "false", "null" };
              gboolean found = FALSE;

              for (guint i = 0; i < G_N_ELEMENTS (literals) && !found; i++)
                {
                  gsize n = strlen (literals[i]);

                  if (len - pos >= n && memcmp (data + pos, literals[i], n) == 0)
                    {
                      pos += n;
                      found = TRUE;
                    }
                }
              if (!found)
                problem = "an unexpected character where a value should be";
              state = EXPECT_COMMA_OR_CLOSE;
            }
          break;

        case EXPECT_KEY_OR_CLOSE:
          if (c == '}')
            {
              depth--;
              pos++;
              state = EXPECT_COMMA_OR_CLOSE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case EXPECT_KEY:
          if (c != '"')
            problem = "an object key that is not a string";
          else
            problem = scan_string (data, len, &pos);
          state = EXPECT_COLON;
          break;

        case EXPECT_COLON:
          if (c != ':')
            problem = "a missing ':' after an object key";
          pos++;
          state = EXPECT_VALUE;
          break;

        case EXPECT_COMMA_OR_CLOSE:
          if (depth == 0)
            problem = "data after the end of the document";
          else if (c == ',')
            {
              pos++;
              state = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
            }
          else if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{'))
            {
              depth--;
              pos++;
            }
          else
            problem = "an unexpected character after a value";
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (problem != NULL)
    {
      parley_json_protocol_error (error, "%s is not valid JSON: %s at byte %" G_GSIZE_FORMAT,
                                  what, problem, MIN (pos, len));
      return FALSE;
    }
  return TRUE;
}

JsonNode *
parley_json_parse (const char  *data,
                   gsize        len,
                   const char  *what,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!parley_json_check (data, len, what, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      parley_json_protocol_error (error, "%s is not valid JSON: %s", what, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      parley_json_protocol_error (error, "%s is empty", what);
      return NULL;
    }
  return json_node_ref (root);
}

JsonNode *
parley_json_parse_object (const char  *data,
                          gsize        len,
                          const char  *what,
                          GError     **error)
{
  g_autoptr(JsonNode) root = parley_json_parse (data, len, what, error);

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      parley_json_protocol_error (error, "%s is not a JSON object", what);
      return NULL;
    }
  return g_steal_pointer (&root);
}

static void
write_string (GString    *out,
              const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    switch (*p)
      {
      case '"':  g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\b': g_string_append (out, "\\b"); break;
      case '\f': g_string_append (out, "\\f"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if (*p < 0x20 || *p == 0x7f)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

static void
write_node (GString  *out,
            JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) names = json_object_get_members (object);

        g_string_append_c (out, '{');
        for (GList *l = names; l != NULL; l = l->next)
          {
            if (l != names)
              g_string_append_c (out, ',');
            write_string (out, l->data);
            g_string_append_c (out, ':');
            write_node (out, json_object_get_member (object, l->data));
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            write_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            double d = json_node_get_double (node);

            if (!isfinite (d))
              {
                g_string_append (out, "null");
                break;
              }
            g_ascii_dtostr (buf, sizeof buf, d);
            g_string_append (out, buf);
            /* As json-glib: an integral double keeps its fraction ("1.0"),
             * but not after an exponent ("1e+22"). */
            if (strpbrk (buf, ".eE") == NULL)
              g_string_append (out, ".0");
          }
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/* json-glib 1.6's generator writes a double such as 1e22 as "1e+22.0",
 * which is not JSON (found by fuzzing): the bodies are written here, in
 * json-glib's format otherwise. */
char *
parley_json_to_data (JsonNode *root,
                     gsize    *len)
{
  GString *out = g_string_new (NULL);

  if (root != NULL)
    write_node (out, root);
  else
    g_string_append (out, "null");
  if (len != NULL)
    *len = out->len;
  return g_string_free (out, FALSE);
}

char *
parley_json_builder_to_data (JsonBuilder *builder,
                             gsize       *len)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return parley_json_to_data (root, len);
}

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return "a string";
        case G_TYPE_BOOLEAN:
          return "a boolean";
        case G_TYPE_INT64:
          return "an integer";
        default:
          return "a number";
        }
    }
}

/* The member, or NULL when absent or null (then an error if required). */
static JsonNode *
get_member (JsonObject  *object,
            const char  *member,
            gboolean     required,
            gboolean    *ok,
            const char  *context,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *ok = TRUE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          parley_json_protocol_error (error, "%s%s%s is missing", context, *context ? "." : "", member);
          *ok = FALSE;
        }
      return NULL;
    }
  return node;
}

static gboolean
wrong_type (JsonNode    *node,
            const char  *member,
            const char  *expected,
            const char  *context,
            GError     **error)
{
  parley_json_protocol_error (error, "%s%s%s: expected %s, got %s", context, *context ? "." : "",
                              member, expected, node_kind (node));
  return FALSE;
}

gboolean
parley_json_member_string (JsonObject  *object,
                           const char  *member,
                           gboolean     required,
                           const char **value,
                           const char  *context,
                           GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);

  *value = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (node, member, "a string", context, error);
  *value = json_node_get_string (node);
  return TRUE;
}

gboolean
parley_json_member_int (JsonObject  *object,
                        const char  *member,
                        gboolean     required,
                        gint64       min,
                        gint64       max,
                        gint64      *value,
                        const char  *context,
                        GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);
  gint64 v;

  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type (node, member, "an integer", context, error);
  v = json_node_get_int (node);
  if (v < min || v > max)
    {
      parley_json_protocol_error (error, "%s%s%s: %" G_GINT64_FORMAT " is out of range [%" G_GINT64_FORMAT
                                  ", %" G_GINT64_FORMAT "]", context, *context ? "." : "", member, v, min, max);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

gboolean
parley_json_member_double (JsonObject  *object,
                           const char  *member,
                           gboolean     required,
                           double      *value,
                           const char  *context,
                           GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);
  GType type;

  if (node == NULL)
    return ok;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return wrong_type (node, member, "a number", context, error);
  *value = json_node_get_double (node);
  if (!isfinite (*value))
    {
      parley_json_protocol_error (error, "%s%s%s: not a finite number", context, *context ? "." : "", member);
      return FALSE;
    }
  return TRUE;
}

gboolean
parley_json_member_bool (JsonObject  *object,
                         const char  *member,
                         gboolean     required,
                         gboolean    *value,
                         const char  *context,
                         GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);

  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (node, member, "a boolean", context, error);
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
parley_json_member_object (JsonObject  *object,
                           const char  *member,
                           gboolean     required,
                           JsonObject **value,
                           const char  *context,
                           GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);

  *value = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (node, member, "an object", context, error);
  *value = json_node_get_object (node);
  return TRUE;
}

gboolean
parley_json_member_array (JsonObject  *object,
                          const char  *member,
                          gboolean     required,
                          JsonArray  **value,
                          const char  *context,
                          GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, member, required, &ok, context, error);

  *value = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (node, member, "an array", context, error);
  *value = json_node_get_array (node);
  return TRUE;
}

gboolean
parley_json_element_object (JsonArray   *array,
                            guint        index,
                            JsonObject **value,
                            const char  *context,
                            GError     **error)
{
  JsonNode *node = json_array_get_element (array, index);

  *value = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      parley_json_protocol_error (error, "%s[%u]: expected an object, got %s", context, index, node_kind (node));
      return FALSE;
    }
  *value = json_node_get_object (node);
  return TRUE;
}

JsonNode *
parley_json_parse_tool_input (const char  *data,
                              gsize        len,
                              const char  *what,
                              GError     **error)
{
  gsize i = 0;

  while (i < len && is_ws (data[i]))
    i++;
  if (i == len)
    {
      JsonNode *empty = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (empty, json_object_new ());
      return empty;
    }
  return parley_json_parse_object (data, len, what, error);
}

#define MAX_MESSAGE_LEN 1000

char *
parley_json_clean_message (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (MIN (strlen (valid), MAX_MESSAGE_LEN) + 4);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize n = g_utf8_next_char (p) - p;

      if (out->len + n > MAX_MESSAGE_LEN)
        {
          g_string_append (out, "…");
          break;
        }
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_c (out, ' ');
      else
        g_string_append_len (out, p, (gssize) n);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Blocks, messages, tools, requests, responses                         */
/* ------------------------------------------------------------------ */

/* json_node_copy() shares a node's object or array; the shapes own theirs. */
JsonNode *
parley_json_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *source = json_node_get_object (node);
        JsonObject *object = json_object_new ();
        g_autoptr(GList) names = json_object_get_members (source);

        /* In the source's order (an iterator would give hash order). */
        for (GList *l = names; l != NULL; l = l->next)
          json_object_set_member (object, l->data, parley_json_deep_copy (json_object_get_member (source, l->data)));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, object);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *source = json_node_get_array (node);
        JsonArray *array = json_array_sized_new (json_array_get_length (source));

        for (guint i = 0; i < json_array_get_length (source); i++)
          json_array_add_element (array, parley_json_deep_copy (json_array_get_element (source, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, array);
        return copy;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

ParleyChatBlock *
parley_chat_block_new_text (const char *text)
{
  ParleyChatBlock *block = g_new0 (ParleyChatBlock, 1);

  block->kind = PARLEY_CHAT_BLOCK_TEXT;
  block->text = g_strdup (text != NULL ? text : "");
  return block;
}

/**
 * parley_chat_block_new_tool_use:
 * @input: (transfer none) (nullable): the input object; NULL is {}
 */
ParleyChatBlock *
parley_chat_block_new_tool_use (const char *tool_use_id,
                                const char *name,
                                JsonNode   *input)
{
  ParleyChatBlock *block = g_new0 (ParleyChatBlock, 1);

  block->kind = PARLEY_CHAT_BLOCK_TOOL_USE;
  block->tool_use_id = g_strdup (tool_use_id);
  block->tool_name = g_strdup (name);
  if (input != NULL)
    block->json = parley_json_deep_copy (input);
  else
    {
      block->json = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (block->json, json_object_new ());
    }
  return block;
}

/**
 * parley_chat_block_new_tool_result:
 * @result: (transfer none) (nullable): an object (sent as JSON), a string
 *   (sent as text), or NULL (an empty object)
 */
ParleyChatBlock *
parley_chat_block_new_tool_result (const char *tool_use_id,
                                   JsonNode   *result,
                                   gboolean    is_error)
{
  ParleyChatBlock *block = g_new0 (ParleyChatBlock, 1);

  block->kind = PARLEY_CHAT_BLOCK_TOOL_RESULT;
  block->tool_use_id = g_strdup (tool_use_id);
  block->json = result != NULL ? parley_json_deep_copy (result) : NULL;
  block->is_error = is_error;
  return block;
}

ParleyChatBlock *
parley_chat_block_copy (const ParleyChatBlock *block)
{
  ParleyChatBlock *copy = g_new0 (ParleyChatBlock, 1);

  copy->kind = block->kind;
  copy->text = g_strdup (block->text);
  copy->tool_use_id = g_strdup (block->tool_use_id);
  copy->tool_name = g_strdup (block->tool_name);
  copy->json = block->json != NULL ? parley_json_deep_copy (block->json) : NULL;
  copy->is_error = block->is_error;
  return copy;
}

void
parley_chat_block_free (ParleyChatBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->text);
  g_free (block->tool_use_id);
  g_free (block->tool_name);
  g_clear_pointer (&block->json, json_node_unref);
  g_free (block);
}

ParleyChatMessage *
parley_chat_message_new (ParleyChatRole role)
{
  ParleyChatMessage *message = g_new0 (ParleyChatMessage, 1);

  message->role = role;
  message->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chat_block_free);
  return message;
}

ParleyChatMessage *
parley_chat_message_new_text (ParleyChatRole  role,
                              const char     *text)
{
  ParleyChatMessage *message = parley_chat_message_new (role);

  parley_chat_message_add_block (message, parley_chat_block_new_text (text));
  return message;
}

void
parley_chat_message_add_block (ParleyChatMessage *message,
                               ParleyChatBlock   *block)
{
  g_ptr_array_add (message->blocks, block);
}

char *
parley_chat_message_dup_text (const ParleyChatMessage *message)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < message->blocks->len; i++)
    {
      const ParleyChatBlock *block = message->blocks->pdata[i];

      if (block->kind == PARLEY_CHAT_BLOCK_TEXT && block->text != NULL)
        g_string_append (text, block->text);
    }
  return g_string_free (text, FALSE);
}

ParleyChatMessage *
parley_chat_message_copy (const ParleyChatMessage *message)
{
  ParleyChatMessage *copy = parley_chat_message_new (message->role);

  for (guint i = 0; i < message->blocks->len; i++)
    g_ptr_array_add (copy->blocks, parley_chat_block_copy (message->blocks->pdata[i]));
  return copy;
}

void
parley_chat_message_free (ParleyChatMessage *message)
{
  if (message == NULL)
    return;
  g_ptr_array_unref (message->blocks);
  g_free (message);
}

/**
 * parley_chat_tool_new:
 * @input_schema: (transfer none): a JSON Schema object
 */
ParleyChatTool *
parley_chat_tool_new (const char *name,
                      const char *description,
                      JsonNode   *input_schema)
{
  ParleyChatTool *tool = g_new0 (ParleyChatTool, 1);

  tool->name = g_strdup (name);
  tool->description = g_strdup (description);
  tool->input_schema = input_schema != NULL ? parley_json_deep_copy (input_schema) : NULL;
  return tool;
}

static ParleyChatTool *
parley_chat_tool_copy (const ParleyChatTool *tool)
{
  return parley_chat_tool_new (tool->name, tool->description, tool->input_schema);
}

void
parley_chat_tool_free (ParleyChatTool *tool)
{
  if (tool == NULL)
    return;
  g_free (tool->name);
  g_free (tool->description);
  g_clear_pointer (&tool->input_schema, json_node_unref);
  g_free (tool);
}

ParleyChatPassage *
parley_chat_passage_new (const char *title,
                         const char *text,
                         const char *source,
                         const char *lang,
                         double      score)
{
  ParleyChatPassage *passage = g_new0 (ParleyChatPassage, 1);

  passage->title = g_strdup (title);
  passage->text = g_strdup (text);
  passage->source = g_strdup (source);
  passage->lang = g_strdup (lang);
  passage->score = score;
  return passage;
}

void
parley_chat_passage_free (ParleyChatPassage *passage)
{
  if (passage == NULL)
    return;
  g_free (passage->title);
  g_free (passage->text);
  g_free (passage->context);
  g_free (passage->source);
  g_free (passage->lang);
  g_free (passage);
}

ParleyChatRequest *
parley_chat_request_new (const char *model_id)
{
  ParleyChatRequest *request = g_new0 (ParleyChatRequest, 1);

  request->model_id = g_strdup (model_id);
  request->passages = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chat_passage_free);
  request->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chat_message_free);
  request->tools = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chat_tool_free);
  request->temperature = -1;
  request->top_p = -1;
  return request;
}

ParleyChatRequest *
parley_chat_request_copy (const ParleyChatRequest *request)
{
  ParleyChatRequest *copy = parley_chat_request_new (request->model_id);

  copy->system = g_strdup (request->system);
  copy->lang = g_strdup (request->lang);
  for (guint i = 0; request->passages != NULL && i < request->passages->len; i++)
    {
      const ParleyChatPassage *p = request->passages->pdata[i];

      ParleyChatPassage *c = parley_chat_passage_new (p->title, p->text, p->source, p->lang, p->score);

      c->context = g_strdup (p->context);
      g_ptr_array_add (copy->passages, c);
    }
  for (guint i = 0; i < request->messages->len; i++)
    g_ptr_array_add (copy->messages, parley_chat_message_copy (request->messages->pdata[i]));
  for (guint i = 0; i < request->tools->len; i++)
    g_ptr_array_add (copy->tools, parley_chat_tool_copy (request->tools->pdata[i]));
  copy->max_tokens = request->max_tokens;
  copy->temperature = request->temperature;
  copy->top_p = request->top_p;
  copy->stop_sequences = g_strdupv (request->stop_sequences);
  copy->guardrail_id = g_strdup (request->guardrail_id);
  copy->guardrail_version = g_strdup (request->guardrail_version);
  copy->guardrail_trace = request->guardrail_trace;
  copy->guardrail_stream_mode = g_strdup (request->guardrail_stream_mode);
  return copy;
}

void
parley_chat_request_free (ParleyChatRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->model_id);
  g_free (request->lang);
  g_clear_pointer (&request->passages, g_ptr_array_unref);
  g_free (request->system);
  g_ptr_array_unref (request->messages);
  g_ptr_array_unref (request->tools);
  g_strfreev (request->stop_sequences);
  g_free (request->guardrail_id);
  g_free (request->guardrail_version);
  g_free (request->guardrail_stream_mode);
  g_free (request);
}

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

static gboolean
is_text (const char *s)
{
  return s != NULL && g_utf8_validate (s, -1, NULL);
}

static gboolean
block_answers (const ParleyChatMessage *assistant,
               const char              *tool_use_id)
{
  if (assistant == NULL || assistant->role != PARLEY_CHAT_ROLE_ASSISTANT)
    return FALSE;
  for (guint i = 0; i < assistant->blocks->len; i++)
    {
      const ParleyChatBlock *b = assistant->blocks->pdata[i];

      if (b->kind == PARLEY_CHAT_BLOCK_TOOL_USE && g_strcmp0 (b->tool_use_id, tool_use_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_result (const ParleyChatMessage *user,
            const char              *tool_use_id)
{
  for (guint i = 0; i < user->blocks->len; i++)
    {
      const ParleyChatBlock *b = user->blocks->pdata[i];

      if (b->kind == PARLEY_CHAT_BLOCK_TOOL_RESULT && g_strcmp0 (b->tool_use_id, tool_use_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
validate_block (const ParleyChatMessage *message,
                const ParleyChatMessage *previous,
                const ParleyChatBlock   *b,
                guint                    m,
                guint                    k,
                GError                 **error)
{
  switch (b->kind)
    {
    case PARLEY_CHAT_BLOCK_TEXT:
      if (!is_text (b->text))
        return invalid (error, "message %u, block %u: text is missing or not UTF-8", m, k);
      return TRUE;

    case PARLEY_CHAT_BLOCK_TOOL_USE:
      if (message->role != PARLEY_CHAT_ROLE_ASSISTANT)
        return invalid (error, "message %u, block %u: a tool use in a user message", m, k);
      if (!is_text (b->tool_use_id) || *b->tool_use_id == '\0' || !is_text (b->tool_name) || *b->tool_name == '\0')
        return invalid (error, "message %u, block %u: a tool use needs an id and a name", m, k);
      if (b->json == NULL || !JSON_NODE_HOLDS_OBJECT (b->json))
        return invalid (error, "message %u, block %u: a tool use's input must be a JSON object", m, k);
      return TRUE;

    case PARLEY_CHAT_BLOCK_TOOL_RESULT:
      if (message->role != PARLEY_CHAT_ROLE_USER)
        return invalid (error, "message %u, block %u: a tool result in an assistant message", m, k);
      if (!is_text (b->tool_use_id) || *b->tool_use_id == '\0')
        return invalid (error, "message %u, block %u: a tool result needs the tool use's id", m, k);
      if (!block_answers (previous, b->tool_use_id))
        return invalid (error, "message %u, block %u: tool result %s answers no tool use of the message before",
                        m, k, b->tool_use_id);
      if (b->json != NULL && JSON_NODE_HOLDS_VALUE (b->json) && json_node_get_value_type (b->json) == G_TYPE_STRING
          && !is_text (json_node_get_string (b->json)))
        return invalid (error, "message %u, block %u: tool result text is not UTF-8", m, k);
      return TRUE;

    default:
      return invalid (error, "message %u, block %u: unknown block kind %d", m, k, (int) b->kind);
    }
}

static gboolean
is_unset_or_finite (double v)
{
  return v < 0 || isfinite (v);
}

gboolean
parley_chat_request_validate (const ParleyChatRequest  *request,
                              GError                  **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  if (request->model_id == NULL || *request->model_id == '\0' || !is_text (request->model_id))
    return invalid (error, "a chat request needs a model id");
  if (request->system != NULL && !is_text (request->system))
    return invalid (error, "the system prompt is not UTF-8");
  if (request->messages->len == 0)
    return invalid (error, "a chat request needs at least one message");

  for (guint m = 0; m < request->messages->len; m++)
    {
      const ParleyChatMessage *message = request->messages->pdata[m];
      const ParleyChatMessage *previous = m > 0 ? request->messages->pdata[m - 1] : NULL;

      if (message->role != PARLEY_CHAT_ROLE_USER && message->role != PARLEY_CHAT_ROLE_ASSISTANT)
        return invalid (error, "message %u: unknown role %d", m, (int) message->role);
      if (message->blocks->len == 0)
        return invalid (error, "message %u has no content", m);
      for (guint k = 0; k < message->blocks->len; k++)
        if (!validate_block (message, previous, message->blocks->pdata[k], m, k, error))
          return FALSE;
      if (previous != NULL && previous->role == PARLEY_CHAT_ROLE_ASSISTANT && message->role == PARLEY_CHAT_ROLE_USER)
        for (guint k = 0; k < previous->blocks->len; k++)
          {
            const ParleyChatBlock *use = previous->blocks->pdata[k];

            if (use->kind == PARLEY_CHAT_BLOCK_TOOL_USE && !has_result (message, use->tool_use_id))
              return invalid (error, "message %u: no tool result for tool use %s of the message before",
                              m, use->tool_use_id);
          }
    }

  for (guint t = 0; t < request->tools->len; t++)
    {
      const ParleyChatTool *tool = request->tools->pdata[t];

      if (!is_text (tool->name) || *tool->name == '\0')
        return invalid (error, "tool %u has no name", t);
      if (!g_hash_table_add (names, tool->name))
        return invalid (error, "tool %s is defined twice", tool->name);
      if (tool->description != NULL && !is_text (tool->description))
        return invalid (error, "tool %s: the description is not UTF-8", tool->name);
      if (tool->input_schema == NULL || !JSON_NODE_HOLDS_OBJECT (tool->input_schema))
        return invalid (error, "tool %s: the input schema must be a JSON object", tool->name);
    }

  if (request->max_tokens < 0)
    return invalid (error, "max_tokens must not be negative");
  if (!is_unset_or_finite (request->temperature) || isnan (request->temperature))
    return invalid (error, "temperature is not a finite number");
  if (!is_unset_or_finite (request->top_p) || isnan (request->top_p))
    return invalid (error, "top_p is not a finite number");
  for (guint i = 0; request->stop_sequences != NULL && request->stop_sequences[i] != NULL; i++)
    if (*request->stop_sequences[i] == '\0' || !is_text (request->stop_sequences[i]))
      return invalid (error, "stop sequence %u is empty or not UTF-8", i);
  if (request->guardrail_id != NULL && (request->guardrail_version == NULL || *request->guardrail_version == '\0'))
    return invalid (error, "a guardrail needs a version");
  if (request->guardrail_stream_mode != NULL && g_strcmp0 (request->guardrail_stream_mode, "sync") != 0
      && g_strcmp0 (request->guardrail_stream_mode, "async") != 0)
    return invalid (error, "the guardrail stream mode must be \"sync\" or \"async\"");
  return TRUE;
}

ParleyChatResponse *
parley_chat_response_new (void)
{
  ParleyChatResponse *response = g_new0 (ParleyChatResponse, 1);

  response->message = parley_chat_message_new (PARLEY_CHAT_ROLE_ASSISTANT);
  return response;
}

void
parley_chat_response_free (ParleyChatResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->message, parley_chat_message_free);
  g_free (response->stop_reason);
  g_free (response->model_id);
  g_free (response->region);
  g_free (response);
}

/* ------------------------------------------------------------------ */
/* Accumulator                                                          */
/* ------------------------------------------------------------------ */

typedef struct {
  guint                index;
  ParleyChatBlockKind  kind;        /* TEXT or TOOL_USE */
  gboolean             open;
  gboolean             unmodelled;  /* stopped without a start or delta Parley knows */
  GString             *content;     /* the text, or the tool input's JSON */
  JsonNode            *input;       /* the tool input, parsed at the stop */
  char                *tool_use_id;
  char                *tool_name;
} AccBlock;

struct _ParleyChatAccumulator
{
  gboolean    started;
  gboolean    stopped;
  gboolean    have_metadata;
  gboolean    failed;
  guint       n_open;
  GHashTable *blocks;           /* index → AccBlock */
  char       *stop_reason;
  ParleyChatUsage usage;
  gint64      latency_ms;
};

static void
acc_block_free (gpointer data)
{
  AccBlock *b = data;

  g_string_free (b->content, TRUE);
  g_clear_pointer (&b->input, json_node_unref);
  g_free (b->tool_use_id);
  g_free (b->tool_name);
  g_free (b);
}

ParleyChatAccumulator *
parley_chat_accumulator_new (void)
{
  ParleyChatAccumulator *acc = g_new0 (ParleyChatAccumulator, 1);

  acc->blocks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, acc_block_free);
  return acc;
}

void
parley_chat_accumulator_free (ParleyChatAccumulator *acc)
{
  if (acc == NULL)
    return;
  g_hash_table_unref (acc->blocks);
  g_free (acc->stop_reason);
  g_free (acc);
}

static AccBlock *
acc_block_new (ParleyChatAccumulator *acc,
               guint                  index,
               ParleyChatBlockKind    kind)
{
  AccBlock *b = g_new0 (AccBlock, 1);

  b->index = index;
  b->kind = kind;
  b->open = TRUE;
  b->content = g_string_new (NULL);
  g_hash_table_insert (acc->blocks, GUINT_TO_POINTER (index), b);
  acc->n_open++;
  return b;
}

static const char *
event_name (ParleyChatEventKind kind)
{
  switch (kind)
    {
    case PARLEY_CHAT_EVENT_MESSAGE_START: return "messageStart";
    case PARLEY_CHAT_EVENT_BLOCK_START:   return "contentBlockStart";
    case PARLEY_CHAT_EVENT_TEXT_DELTA:    return "text delta";
    case PARLEY_CHAT_EVENT_TOOL_DELTA:    return "tool input delta";
    case PARLEY_CHAT_EVENT_BLOCK_STOP:    return "contentBlockStop";
    case PARLEY_CHAT_EVENT_MESSAGE_STOP:  return "messageStop";
    case PARLEY_CHAT_EVENT_METADATA:      return "metadata";
    default:                              return "unknown event";
    }
}

static gboolean
acc_add (ParleyChatAccumulator  *acc,
         const ParleyChatEvent  *event,
         GError                **error)
{
  AccBlock *b;

  if (event->kind == PARLEY_CHAT_EVENT_MESSAGE_START)
    {
      if (acc->started)
        {
          parley_json_protocol_error (error, "chat stream: a second messageStart");
          return FALSE;
        }
      acc->started = TRUE;
      return TRUE;
    }
  if (!acc->started)
    {
      parley_json_protocol_error (error, "chat stream: %s before messageStart", event_name (event->kind));
      return FALSE;
    }
  if (event->kind == PARLEY_CHAT_EVENT_METADATA)
    {
      if (acc->have_metadata)
        {
          parley_json_protocol_error (error, "chat stream: a second metadata event");
          return FALSE;
        }
      if (event->usage.input_tokens < 0 || event->usage.output_tokens < 0 || event->usage.total_tokens < 0)
        {
          parley_json_protocol_error (error, "chat stream: negative token counts");
          return FALSE;
        }
      acc->have_metadata = TRUE;
      acc->usage = event->usage;
      acc->latency_ms = event->latency_ms;
      return TRUE;
    }
  if (acc->stopped)
    {
      parley_json_protocol_error (error, "chat stream: %s after messageStop", event_name (event->kind));
      return FALSE;
    }

  b = g_hash_table_lookup (acc->blocks, GUINT_TO_POINTER (event->index));
  switch (event->kind)
    {
    case PARLEY_CHAT_EVENT_BLOCK_START:
      if (b != NULL)
        {
          parley_json_protocol_error (error, "chat stream: block %u started twice", event->index);
          return FALSE;
        }
      if ((event->tool_use_id == NULL) != (event->tool_name == NULL)
          || (event->tool_use_id != NULL && (*event->tool_use_id == '\0' || *event->tool_name == '\0')))
        {
          parley_json_protocol_error (error, "chat stream: block %u: a tool use needs an id and a name", event->index);
          return FALSE;
        }
      b = acc_block_new (acc, event->index,
                         event->tool_use_id != NULL ? PARLEY_CHAT_BLOCK_TOOL_USE : PARLEY_CHAT_BLOCK_TEXT);
      b->tool_use_id = g_strdup (event->tool_use_id);
      b->tool_name = g_strdup (event->tool_name);
      return TRUE;

    case PARLEY_CHAT_EVENT_TEXT_DELTA:
      if (b == NULL)
        b = acc_block_new (acc, event->index, PARLEY_CHAT_BLOCK_TEXT);
      if (!b->open)
        {
          parley_json_protocol_error (error, "chat stream: text for block %u after its stop", event->index);
          return FALSE;
        }
      if (b->kind != PARLEY_CHAT_BLOCK_TEXT)
        {
          parley_json_protocol_error (error, "chat stream: text for block %u, a tool use", event->index);
          return FALSE;
        }
      if (event->text != NULL)
        g_string_append (b->content, event->text);
      return TRUE;

    case PARLEY_CHAT_EVENT_TOOL_DELTA:
      if (b == NULL)
        {
          parley_json_protocol_error (error, "chat stream: tool input for block %u, which was not started", event->index);
          return FALSE;
        }
      if (!b->open)
        {
          parley_json_protocol_error (error, "chat stream: tool input for block %u after its stop", event->index);
          return FALSE;
        }
      if (b->kind != PARLEY_CHAT_BLOCK_TOOL_USE)
        {
          parley_json_protocol_error (error, "chat stream: tool input for block %u, a text block", event->index);
          return FALSE;
        }
      if (event->text != NULL)
        g_string_append (b->content, event->text);
      return TRUE;

    case PARLEY_CHAT_EVENT_BLOCK_STOP:
      if (b == NULL)
        {
          b = acc_block_new (acc, event->index, PARLEY_CHAT_BLOCK_TEXT);
          b->unmodelled = TRUE;
        }
      else if (!b->open)
        {
          parley_json_protocol_error (error, "chat stream: block %u stopped twice", event->index);
          return FALSE;
        }
      if (b->kind == PARLEY_CHAT_BLOCK_TOOL_USE)
        {
          g_autofree char *id = parley_json_clean_message (b->tool_use_id);
          g_autofree char *what = g_strdup_printf ("chat stream: the input of tool use %s", id);

          b->input = parley_json_parse_tool_input (b->content->str, b->content->len, what, error);
          if (b->input == NULL)
            return FALSE;
          g_string_truncate (b->content, 0);
        }
      b->open = FALSE;
      acc->n_open--;
      return TRUE;

    case PARLEY_CHAT_EVENT_MESSAGE_STOP:
      if (acc->n_open > 0)
        {
          parley_json_protocol_error (error, "chat stream: messageStop with %u block(s) still open", acc->n_open);
          return FALSE;
        }
      if (event->stop_reason == NULL || *event->stop_reason == '\0')
        {
          parley_json_protocol_error (error, "chat stream: messageStop without a stop reason");
          return FALSE;
        }
      acc->stopped = TRUE;
      acc->stop_reason = g_strdup (event->stop_reason);
      return TRUE;

    case PARLEY_CHAT_EVENT_MESSAGE_START:
    case PARLEY_CHAT_EVENT_METADATA:
    default:
      parley_json_protocol_error (error, "chat stream: unknown event kind %d", (int) event->kind);
      return FALSE;
    }
}

gboolean
parley_chat_accumulator_add (ParleyChatAccumulator  *acc,
                             const ParleyChatEvent  *event,
                             GError                **error)
{
  if (acc->failed)
    {
      parley_json_protocol_error (error, "chat stream: an event after the stream failed");
      return FALSE;
    }
  if (!acc_add (acc, event, error))
    {
      acc->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

gboolean
parley_chat_accumulator_is_complete (ParleyChatAccumulator *acc)
{
  return acc->stopped && !acc->failed;
}

static int
compare_index (gconstpointer a,
               gconstpointer b)
{
  const AccBlock *x = *(const AccBlock * const *) a;
  const AccBlock *y = *(const AccBlock * const *) b;

  return x->index < y->index ? -1 : x->index > y->index;
}

/**
 * parley_chat_accumulator_finish:
 *
 * Returns: (transfer full): the answer; an error if the stream failed or
 *   ended before its messageStop. The model id and region are left for the
 *   caller.
 */
ParleyChatResponse *
parley_chat_accumulator_finish (ParleyChatAccumulator  *acc,
                                GError                **error)
{
  g_autoptr(ParleyChatResponse) response = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  GHashTableIter iter;
  gpointer value;

  if (acc->failed)
    {
      parley_json_protocol_error (error, "chat stream: the stream failed");
      return NULL;
    }
  if (!acc->stopped)
    {
      parley_json_protocol_error (error, "chat stream: the stream ended before messageStop");
      return NULL;
    }

  blocks = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, acc->blocks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (blocks, value);
  g_ptr_array_sort (blocks, compare_index);

  response = parley_chat_response_new ();
  for (guint i = 0; i < blocks->len; i++)
    {
      AccBlock *b = blocks->pdata[i];

      if (b->unmodelled)
        continue;
      if (b->kind == PARLEY_CHAT_BLOCK_TEXT)
        {
          if (b->content->len > 0)
            parley_chat_message_add_block (response->message, parley_chat_block_new_text (b->content->str));
        }
      else
        parley_chat_message_add_block (response->message,
                                       parley_chat_block_new_tool_use (b->tool_use_id, b->tool_name, b->input));
    }
  response->stop_reason = g_strdup (acc->stop_reason);
  response->usage = acc->usage;
  response->latency_ms = acc->latency_ms;
  return g_steal_pointer (&response);
}

void
parley_chat_accumulator_relay (ParleyChatAccumulator  *acc,
                               const ParleyChatEvent  *event,
                               ParleyChatEventFunc     func,
                               gpointer                user_data,
                               gboolean               *delivered,
                               GError                **error)
{
  g_return_if_fail (acc != NULL && event != NULL && error != NULL);

  if (*error != NULL || !parley_chat_accumulator_add (acc, event, error))
    return;
  if (delivered != NULL
      && (event->kind == PARLEY_CHAT_EVENT_TEXT_DELTA || event->kind == PARLEY_CHAT_EVENT_TOOL_DELTA))
    *delivered = TRUE;
  if (func != NULL)
    func (event, user_data);
}
