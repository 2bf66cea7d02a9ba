/* fuzz-openai-json.c — libFuzzer harness for the OpenAI-compatible parsers
 *
 * The first byte picks the parser, the rest is its input:
 *   0  a chat completion; an answer must go back into a request body that
 *      is valid JSON
 *   1  a streamed body through the SSE parser, the chunk translator and
 *      the accumulator, fed in two pieces split where the next byte says;
 *      fed again byte by byte, it must give the same events
 *   2  the SSE parser alone with a small line limit, at two splits, which
 *      must agree
 *   3  an embeddings response (number of inputs from a byte)
 *   4  an error response (status from a byte)
 * Every failure must be a PARLEY_AWS_ERROR with a one-line message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-openai-json"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-chat-private.h"
#include "parley-openai-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_error() raises SIGTRAP, which libFuzzer does not catch: abort instead,
 * so that the input is saved. */
#define fail(...) G_STMT_START { g_printerr (__VA_ARGS__); g_printerr ("\n"); abort (); } G_STMT_END

static void
check_error (const GError *error)
{
  if (error == NULL)
    return;
  g_assert_true (error->domain == PARLEY_AWS_ERROR);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
check_round_trip (const ParleyChatResponse *response)
{
  g_autoptr(ParleyChatRequest) request = parley_chat_request_new ("m");
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  gsize len = 0;

  g_assert_nonnull (response->stop_reason);
  for (guint i = 0; i < response->message->blocks->len; i++)
    {
      const ParleyChatBlock *b = response->message->blocks->pdata[i];

      if (b->kind == PARLEY_CHAT_BLOCK_TOOL_USE)
        {
          g_assert_true (JSON_NODE_HOLDS_OBJECT (b->json));
          g_assert_nonnull (b->tool_use_id);
          g_assert_nonnull (b->tool_name);
        }
    }
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "q"));
  g_ptr_array_add (request->messages, parley_chat_message_copy (response->message));
  body = parley_openai_chat_body (request, TRUE, &len);
  g_assert_true (parley_json_check (body, len, "round trip", &error));
}

typedef struct {
  GString               *log;
  ParleyChatAccumulator *acc;
  GError                *error;
} StreamState;

static void
event_cb (const ParleyChatEvent *event,
          gpointer               user_data)
{
  StreamState *state = user_data;

  g_string_append_printf (state->log, "%d:%u:%s:%s:%s:%s:%" G_GINT64_FORMAT ";", event->kind, event->index,
                          event->text ? event->text : "", event->tool_use_id ? event->tool_use_id : "",
                          event->tool_name ? event->tool_name : "", event->stop_reason ? event->stop_reason : "",
                          event->usage.total_tokens);
  if (state->error == NULL)
    parley_chat_accumulator_add (state->acc, event, &state->error);
}

/* Runs the stream; returns the event log and whether it ended well. */
static char *
run_stream (const uint8_t  *data,
            size_t          size,
            gsize           split,
            gboolean       *ok)
{
  g_autoptr(ParleyOpenaiStream) stream = parley_openai_stream_new ();
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  g_autoptr(GError) error = NULL;
  StreamState state = { g_string_new (NULL), acc, NULL };

  if (split > size)
    {
      *ok = TRUE;
      for (gsize i = 0; i < size && *ok; i++)
        *ok = parley_openai_stream_feed (stream, data + i, 1, event_cb, &state, &error);
    }
  else
    *ok = parley_openai_stream_feed (stream, data, split, event_cb, &state, &error)
       && parley_openai_stream_feed (stream, data + split, size - split, event_cb, &state, &error);
  if (*ok)
    *ok = parley_openai_stream_finish (stream, event_cb, &state, &error);
  check_error (error);
  check_error (state.error);

  /* Every event sequence the translator makes is one the accumulator
   * takes; only a tool input that is not a JSON object may fail there. */
  if (state.error != NULL && !g_str_has_prefix (state.error->message, "chat stream: the input of tool use"))
    fail ("the translator made a sequence the accumulator refuses: %s", state.error->message);
  if (state.error != NULL)
    *ok = FALSE;
  g_clear_error (&state.error);
  if (*ok)
    {
      g_autoptr(ParleyChatResponse) response = parley_chat_accumulator_finish (acc, &error);

      g_assert_no_error (error);
      check_round_trip (response);
    }
  return g_string_free (state.log, FALSE);
}

static void
fuzz_stream (const uint8_t *data,
             size_t         size)
{
  g_autofree char *log = NULL;
  g_autofree char *bytewise = NULL;
  gboolean ok = FALSE, ok_bytewise = FALSE;
  gsize split;

  if (size == 0)
    return;
  split = MIN ((gsize) data[0], size - 1);
  data++;
  size--;
  log = run_stream (data, size, split, &ok);
  if (size <= 4096)
    {
      bytewise = run_stream (data, size, size + 1, &ok_bytewise);
      g_assert_cmpint (ok, ==, ok_bytewise);
      g_assert_cmpstr (log, ==, bytewise);
    }
}

static gboolean
sse_cb (const char  *event_type,
        const char  *data,
        gsize        len,
        gpointer     user_data,
        GError     **error)
{
  GString *log = user_data;

  g_assert_nonnull (event_type);
  g_string_append_printf (log, "%s|%" G_GSIZE_FORMAT "|", event_type, len);
  g_string_append_len (log, data, (gssize) len);
  g_string_append_c (log, ';');
  return TRUE;
}

static char *
run_sse (const uint8_t *data,
         size_t         size,
         gsize          split,
         gboolean      *ok)
{
  g_autoptr(ParleySseParser) parser = parley_sse_parser_new (64);
  g_autoptr(GError) error = NULL;
  GString *log = g_string_new (NULL);

  *ok = parley_sse_parser_feed (parser, data, split, sse_cb, log, &error)
     && parley_sse_parser_feed (parser, data + split, size - split, sse_cb, log, &error)
     && parley_sse_parser_finish (parser, sse_cb, log, &error);
  check_error (error);
  return g_string_free (log, FALSE);
}

static void
fuzz_sse (const uint8_t *data,
          size_t         size)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gboolean ok_a, ok_b;

  a = run_sse (data, size, 0, &ok_a);
  b = run_sse (data, size, size / 2, &ok_b);
  g_assert_cmpint (ok_a, ==, ok_b);
  g_assert_cmpstr (a, ==, b);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  const char *text;
  gsize len;

  if (size == 0)
    return 0;
  text = (const char *) data + 1;
  len = size - 1;

  switch (data[0] % 5)
    {
    case 0:
      {
        g_autoptr(ParleyChatResponse) response = parley_openai_parse_chat (text, len, &error);

        check_error (error);
        g_assert_true ((response == NULL) != (error == NULL));
        if (response != NULL)
          check_round_trip (response);
      }
      break;
    case 1:
      fuzz_stream (data + 1, len);
      break;
    case 2:
      fuzz_sse (data + 1, len);
      break;
    case 3:
      {
        guint n, dims = 0;
        g_autofree float *m = NULL;

        if (len == 0)
          break;
        n = 1 + (guint8) text[0] % 4;
        m = parley_openai_parse_embeddings (text + 1, len - 1, n, 0, &dims, &error);
        check_error (error);
        g_assert_true ((m == NULL) != (error == NULL));
        for (gsize i = 0; m != NULL && i < (gsize) n * dims; i++)
          g_assert_true (isfinite (m[i]));
      }
      break;
    case 4:
    default:
      {
        guint status = len > 0 ? 400 + (guint8) text[0] : 500;

        parley_openai_set_error_from_response (&error, status, "id", len > 0 ? data + 2 : NULL, len > 0 ? len - 1 : 0);
        g_assert_nonnull (error);
        check_error (error);
        g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, status);
      }
      break;
    }
  return 0;
}
