/* parley-chat-private.h — JSON reading and writing shared by the chat codecs
 *
 * parley-chat.c, parley-bedrock-json.c and parley-openai-json.c read bodies
 * that come from the network. json-glib 1.6 is not safe on such input by
 * itself: its recursive descent overflows the stack on deeply nested
 * arrays (a 200,000-deep "[[[…" crashes it), integers beyond 64 bits wrap
 * silently (99999999999999999999 reads as -1), 1e400 becomes infinity
 * (which its generator then writes as "inf.0"), "\u0000" cuts a string
 * short, and it accepts what is not JSON (single quotes, comments, hex
 * numbers, trailing data, an empty document). parley_json_parse() therefore
 * first checks the text against RFC 8259's grammar with an explicit stack
 * (no recursion), a depth limit and those value checks, and only then lets
 * json-glib build the tree. Its generator has a bug too: it writes a
 * double such as 1e22 as "1e+22.0", so parley_json_to_data() writes JSON
 * itself, in the same format otherwise.
 *
 * The typed member getters turn every wrong shape into one clear
 * PARLEY_AWS_ERROR_PROTOCOL error naming the path ("output.message.content[1]
 * .toolUse.name: expected a string"). A JSON null counts as absent: OpenAI's
 * servers write "usage": null and "content": null for "not given".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define PARLEY_JSON_MAX_DEPTH 128

/* Sets a PARLEY_AWS_ERROR_PROTOCOL error. */
void        parley_json_protocol_error  (GError     **error,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (2, 3);

/* Whether @data is one strict JSON text (RFC 8259) of at most
 * PARLEY_JSON_MAX_DEPTH levels, valid UTF-8, with integers that fit in 64
 * bits, finite numbers and no U+0000 or unpaired surrogate escapes.
 * @what names the document in the error ("Converse response"). */
gboolean    parley_json_check           (const char  *data,
                                         gsize        len,
                                         const char  *what,
                                         GError     **error);
/* parley_json_check(), then the tree (transfer full). */
JsonNode   *parley_json_parse           (const char  *data,
                                         gsize        len,
                                         const char  *what,
                                         GError     **error);
/* The same, and the root must be an object. */
JsonNode   *parley_json_parse_object    (const char  *data,
                                         gsize        len,
                                         const char  *what,
                                         GError     **error);

/* The compact JSON text of @root (JsonGenerator's format, without its
 * exponent bug); @len (optional) gets its length. */
char       *parley_json_to_data         (JsonNode    *root,
                                         gsize       *len);
char       *parley_json_builder_to_data (JsonBuilder *builder,
                                         gsize       *len);

/* Typed members. An absent (or null) member is an error when @required,
 * otherwise pointers are set to NULL and numbers left as they are. @context
 * is the path of @object for error messages. */
gboolean    parley_json_member_string   (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         const char **value,
                                         const char  *context,
                                         GError     **error);
gboolean    parley_json_member_int      (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         gint64       min,
                                         gint64       max,
                                         gint64      *value,
                                         const char  *context,
                                         GError     **error);
/* An integer or a (finite) fractional number. */
gboolean    parley_json_member_double   (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         double      *value,
                                         const char  *context,
                                         GError     **error);
gboolean    parley_json_member_bool     (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         gboolean    *value,
                                         const char  *context,
                                         GError     **error);
gboolean    parley_json_member_object   (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         JsonObject **value,
                                         const char  *context,
                                         GError     **error);
gboolean    parley_json_member_array    (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         JsonArray  **value,
                                         const char  *context,
                                         GError     **error);
/* Element @index of @array, which must be an object. */
gboolean    parley_json_element_object  (JsonArray   *array,
                                         guint        index,
                                         JsonObject **value,
                                         const char  *context,
                                         GError     **error);

/* A copy of @node that shares nothing with it (json_node_copy() shares
 * objects and arrays). NULL for NULL. */
JsonNode   *parley_json_deep_copy       (JsonNode    *node);

/* A message from a service, fit for an error message and a log line:
 * valid UTF-8, control characters (newlines) as spaces, at most 1,000
 * bytes. NULL for NULL. */
char       *parley_json_clean_message   (const char  *text);

/* A tool input: the JSON text of an object ("" is {}); anything else is a
 * PARLEY_AWS_ERROR_PROTOCOL error. */
JsonNode   *parley_json_parse_tool_input (const char  *data,
                                          gsize        len,
                                          const char  *what,
                                          GError     **error);

G_END_DECLS
