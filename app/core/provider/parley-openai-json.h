/* parley-openai-json.h — the JSON (and SSE) of OpenAI-compatible servers
 *
 * Pure functions and small incremental parsers, no I/O, for the chat
 * completions and embeddings endpoints as Ollama, llama.cpp's server, vLLM
 * and OpenAI itself serve them: request bodies from Parley's
 * provider-neutral shapes (parley-chat.h), answers parsed back into them,
 * a server-sent events parser, a translator from streamed chunks to the
 * same ParleyChatEvents a Bedrock ConverseStream gives, and the error
 * bodies. Malformed input is a PARLEY_AWS_ERROR_PROTOCOL error, never a
 * crash; fields Parley does not use are ignored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "parley-chat.h"

G_BEGIN_DECLS

/* --- Chat completions ---------------------------------------------- */

/* The body of POST /v1/chat/completions: model; messages with the system
 * prompt first, a user message's tool results as "tool" messages (with
 * tool_call_id, before its text), an assistant's tool uses as tool_calls
 * (arguments as JSON text); tools as functions; max_tokens, temperature,
 * top_p and stop when set; with @stream, "stream": true and
 * "stream_options": {"include_usage": true}. A tool result that is a
 * string is sent as is, anything else as its JSON text. Guardrail fields
 * have no OpenAI equivalent and are not sent. */
char               *parley_openai_chat_body          (const ParleyChatRequest *request,
                                                      gboolean                 stream,
                                                      gsize                   *len);

/* The stop reason (Converse's words) for a finish_reason: stop → end_turn,
 * tool_calls (and the older function_call) → tool_use, length →
 * max_tokens, content_filter → content_filtered; others are kept. */
const char         *parley_openai_map_finish_reason  (const char              *finish_reason);

/* A (non-streamed) chat completion: choices[0].message's content and
 * tool_calls (arguments: JSON text of an object, or an object), its
 * finish_reason, usage (optional) and model. A message with tool calls
 * stops with tool_use even when the server said "stop" (older llama.cpp
 * and Ollama do). */
ParleyChatResponse *parley_openai_parse_chat         (const char              *data,
                                                      gsize                    len,
                                                      GError                 **error);

/* --- Server-sent events -------------------------------------------- */

#define PARLEY_SSE_DEFAULT_MAX_LINE (1024 * 1024)

/* An event: its type ("message" unless an "event:" field said otherwise)
 * and its data lines joined by "\n". Return FALSE with @error set to stop. */
typedef gboolean (*ParleySseEventFunc) (const char  *event_type,
                                        const char  *data,
                                        gsize        len,
                                        gpointer     user_data,
                                        GError     **error);

/* The event-stream format of the HTML standard: lines end in CRLF, LF or
 * CR, split anywhere between feeds; "data:" lines accumulate, "event:"
 * sets the type, ":" starts a comment, "id:" and "retry:" are ignored, a
 * blank line dispatches; a leading BOM is skipped. "data: [DONE]" (OpenAI's
 * end of stream) is not passed on: it marks the parser done, and an event
 * after it is an error. A line or an event's data longer than @max_line
 * (0: PARLEY_SSE_DEFAULT_MAX_LINE) is a PARLEY_AWS_ERROR_PROTOCOL error.
 * Unlike the standard, finish() dispatches an event whose blank line never
 * came, so that a truncated stream shows as a truncated chunk. */
typedef struct _ParleySseParser ParleySseParser;

ParleySseParser    *parley_sse_parser_new            (gsize                    max_line);
gboolean            parley_sse_parser_feed           (ParleySseParser         *parser,
                                                      const guint8            *data,
                                                      gsize                    len,
                                                      ParleySseEventFunc       func,
                                                      gpointer                 user_data,
                                                      GError                 **error);
gboolean            parley_sse_parser_finish         (ParleySseParser         *parser,
                                                      ParleySseEventFunc       func,
                                                      gpointer                 user_data,
                                                      GError                 **error);
/* Whether "data: [DONE]" arrived. */
gboolean            parley_sse_parser_is_done        (ParleySseParser         *parser);
void                parley_sse_parser_free           (ParleySseParser         *parser);

/* --- Streamed chat completions ------------------------------------- */

/* Translates chat.completion.chunk objects into ParleyChatEvents:
 * MESSAGE_START with the first chunk; BLOCK_START (a new block index) for
 * text and for each tool call index, TEXT_DELTA for delta.content,
 * TOOL_DELTA for each piece of function.arguments; at finish_reason, a
 * BLOCK_STOP for every open block and MESSAGE_STOP; METADATA from the
 * usage object (stream_options.include_usage), once. A tool call's first
 * delta must name the function; a missing id is made up ("call_N"). Only
 * choice 0 is followed. A chunk with an "error" member (servers report
 * failures mid-stream that way) is a PARLEY_AWS_ERROR error. */
typedef struct _ParleyOpenaiStream ParleyOpenaiStream;

ParleyOpenaiStream *parley_openai_stream_new         (void);
/* One chunk (the data of one SSE event). */
gboolean            parley_openai_stream_translate   (ParleyOpenaiStream      *stream,
                                                      const char              *chunk,
                                                      gsize                    len,
                                                      ParleyChatEventFunc      func,
                                                      gpointer                 user_data,
                                                      GError                 **error);
/* Raw bytes of the response body, through an SSE parser of the default
 * line limit; an "event: error" event is an error, events of other named
 * types ("ping") are skipped. */
gboolean            parley_openai_stream_feed        (ParleyOpenaiStream      *stream,
                                                      const guint8            *data,
                                                      gsize                    len,
                                                      ParleyChatEventFunc      func,
                                                      gpointer                 user_data,
                                                      GError                 **error);
/* At the end of the body: flushes the SSE parser, delivers a usage that
 * came before finish_reason, and fails if no finish_reason arrived. */
gboolean            parley_openai_stream_finish      (ParleyOpenaiStream      *stream,
                                                      ParleyChatEventFunc      func,
                                                      gpointer                 user_data,
                                                      GError                 **error);
void                parley_openai_stream_free        (ParleyOpenaiStream      *stream);

/* --- Embeddings ---------------------------------------------------- */

/* The body of POST /v1/embeddings: {"model", "input": [texts],
 * "encoding_format": "float"} and "dimensions" when not 0. */
char               *parley_openai_embeddings_body    (const char              *model,
                                                      const char * const      *inputs,
                                                      guint                    dimensions,
                                                      gsize                   *len);
/* data[].embedding in index order as one array of @n_inputs rows of *dims
 * floats (g_free). Every index 0…n_inputs-1 exactly once, all rows of one
 * length (@expected_dims unless 0), every value a finite float. */
float              *parley_openai_parse_embeddings   (const char              *data,
                                                      gsize                    len,
                                                      guint                    n_inputs,
                                                      guint                    expected_dims,
                                                      guint                   *dims,
                                                      GError                 **error);

/* --- Errors -------------------------------------------------------- */

/* Sets @error in PARLEY_AWS_ERROR for an error response:
 * {"error": {"message", "type", "code"}}, {"error": "message"} (Ollama) or
 * {"message", "type", "code"} (older vLLM); classified by @status (401 →
 * ACCESS_DENIED, 429 → THROTTLING, 5xx → TRANSIENT …), or by a numeric
 * "code" when @status is 0 (an error inside a stream). The error's AWS code
 * is the body's code (when a string), else its type. */
void                parley_openai_set_error_from_response (GError            **error,
                                                           guint               status,
                                                           const char         *request_id,
                                                           const guint8       *body,
                                                           gsize               len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleySseParser, parley_sse_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyOpenaiStream, parley_openai_stream_free)

G_END_DECLS
