/* fuzz-bedrock-json.c — libFuzzer harness for every Bedrock JSON parser
 *
 * The first byte picks the parser, the rest is its input:
 *   0  Converse response; an answer must go back into a request body that
 *      is valid JSON
 *   1  ConverseStream bytes through the event-stream decoder, the
 *      dispatcher and the accumulator (split where the next byte says)
 *   2  ConverseStream messages built directly (parts split by NUL: a type
 *      byte, the :event-type or :exception-type up to 0x01, the payload),
 *      which reaches the payload parsers without needing valid CRCs
 *   3  an error response (status from a byte, error type header up to the
 *      first newline, then the body)
 *   4  a Titan embedding (expected dimensions from a byte)
 *   5  an ApplyGuardrail response
 *   6  a Retrieve response
 *   7  the strict JSON check: what it accepts json-glib must parse
 * Every failure must be a PARLEY_AWS_ERROR (or PARLEY_ERROR from the
 * event-stream decoder) with a one-line message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-bedrock-json"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-bedrock-json.h"
#include "parley-chat-private.h"
#include "parley-error.h"
#include "parley-event-stream.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_error() raises SIGTRAP, which libFuzzer does not catch: abort instead,
 * so that the input is saved. */
#define fail(...) G_STMT_START { g_printerr (__VA_ARGS__); g_printerr ("\n"); abort (); } G_STMT_END

static void
check_error (const GError *error,
             GQuark        also)
{
  if (error == NULL)
    return;
  g_assert_true (error->domain == PARLEY_AWS_ERROR || error->domain == also);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* A parsed answer must serialize back into a valid request. */
static void
check_round_trip (const ParleyChatResponse *response)
{
  g_autoptr(ParleyChatRequest) request = parley_chat_request_new ("m");
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  gsize len = 0;

  g_assert_nonnull (response->stop_reason);
  g_assert_cmpint (response->message->role, ==, PARLEY_CHAT_ROLE_ASSISTANT);
  for (guint i = 0; i < response->message->blocks->len; i++)
    {
      const ParleyChatBlock *b = response->message->blocks->pdata[i];

      if (b->kind == PARLEY_CHAT_BLOCK_TOOL_USE)
        g_assert_true (JSON_NODE_HOLDS_OBJECT (b->json));
      if (b->kind == PARLEY_CHAT_BLOCK_TEXT)
        g_assert_true (g_utf8_validate (b->text, -1, NULL));
    }
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "q"));
  g_ptr_array_add (request->messages, parley_chat_message_copy (response->message));
  body = parley_bedrock_converse_body (request, &len);
  g_assert_true (parley_json_check (body, len, "round trip", &error));
}

typedef struct {
  ParleyChatAccumulator *acc;
  GError                *error;
} StreamState;

static void
event_cb (const ParleyChatEvent *event,
          gpointer               user_data)
{
  StreamState *state = user_data;

  if (event->kind == PARLEY_CHAT_EVENT_TEXT_DELTA || event->kind == PARLEY_CHAT_EVENT_TOOL_DELTA)
    g_assert_nonnull (event->text);
  if (state->error == NULL)
    parley_chat_accumulator_add (state->acc, event, &state->error);
}

static gboolean
message_cb (ParleyEventMessage *message,
            gpointer            user_data)
{
  StreamState *state = user_data;

  if (state->error != NULL)
    return FALSE;
  parley_bedrock_stream_dispatch (message, event_cb, state, &state->error);
  return state->error == NULL;
}

static void
finish_stream (StreamState *state)
{
  check_error (state->error, PARLEY_ERROR);
  if (state->error == NULL)
    {
      g_autoptr(ParleyChatResponse) response = parley_chat_accumulator_finish (state->acc, &state->error);

      check_error (state->error, 0);
      if (response != NULL)
        check_round_trip (response);
    }
  g_clear_error (&state->error);
}

static void
fuzz_stream_bytes (const uint8_t *data,
                   size_t         size)
{
  g_autoptr(ParleyEventDecoder) decoder = parley_event_decoder_new ();
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  StreamState state = { acc, NULL };
  gsize split;

  if (size == 0)
    return;
  split = MIN ((gsize) data[0], size - 1);
  data++;
  size--;
  /* A stop by the callback returns FALSE without touching the error. */
  if (parley_event_decoder_feed (decoder, data, split, message_cb, &state, &state.error)
      && parley_event_decoder_feed (decoder, data + split, size - split, message_cb, &state, &state.error))
    parley_event_decoder_finish (decoder, &state.error);
  finish_stream (&state);
}

static void
fuzz_stream_messages (const uint8_t *data,
                      size_t         size)
{
  g_autoptr(ParleyChatAccumulator) acc = parley_chat_accumulator_new ();
  StreamState state = { acc, NULL };
  gsize pos = 0;

  while (pos < size && state.error == NULL)
    {
      const uint8_t *nul = memchr (data + pos, 0, size - pos);
      gsize part_end = nul != NULL ? (gsize) (nul - data) : size;
      gsize name_start = pos + 1 <= part_end ? pos + 1 : part_end;
      const uint8_t *sep = memchr (data + name_start, 1, part_end - name_start);
      gsize name_end = sep != NULL ? (gsize) (sep - data) : name_start;
      gsize payload_start = sep != NULL ? name_end + 1 : name_start;
      guint8 type = pos < part_end ? data[pos] : 0;
      g_autoptr(ParleyEventMessage) m = parley_event_message_new ();
      g_autofree char *name = g_strndup ((const char *) data + name_start, name_end - name_start);

      switch (type % 4)
        {
        case 0:
          parley_event_message_add_string (m, ":message-type", "event");
          parley_event_message_add_string (m, ":event-type", name);
          break;
        case 1:
          parley_event_message_add_string (m, ":message-type", "exception");
          parley_event_message_add_string (m, ":exception-type", name);
          break;
        case 2:
          parley_event_message_add_string (m, ":message-type", "error");
          parley_event_message_add_string (m, ":error-code", name);
          parley_event_message_add_string (m, ":error-message", name);
          break;
        default:
          break;
        }
      m->payload = g_bytes_new (data + payload_start, part_end - payload_start);
      message_cb (m, &state);
      pos = part_end + 1;
    }
  finish_stream (&state);
}

static void
fuzz_error_response (const uint8_t *data,
                     size_t         size)
{
  g_autoptr(GError) error = NULL;
  const uint8_t *nl;
  g_autofree char *header = NULL;
  guint status;

  if (size == 0)
    return;
  status = 400 + data[0];
  data++;
  size--;
  nl = memchr (data, '\n', size);
  if (nl != NULL)
    {
      header = g_strndup ((const char *) data, (gsize) (nl - data));
      size -= (size_t) (nl + 1 - data);
      data = nl + 1;
    }
  parley_aws_set_error_from_response (&error, status, header, header, data, size);
  g_assert_nonnull (error);
  check_error (error, 0);
  g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, status);
}

static void
fuzz_titan (const uint8_t *data,
            size_t         size)
{
  static const guint dims[] = { 256, 512, 1024, 0, 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;
  g_autofree float *v = NULL;
  guint expected, tokens = 0;

  if (size == 0)
    return;
  expected = dims[data[0] % G_N_ELEMENTS (dims)];
  v = parley_titan_parse_embedding ((const char *) data + 1, size - 1, expected, &tokens, &error);
  check_error (error, 0);
  g_assert_true ((v == NULL) != (error == NULL));
  for (guint i = 0; v != NULL && i < expected; i++)
    g_assert_true (isfinite (v[i]));
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

  switch (data[0] % 8)
    {
    case 0:
      {
        g_autoptr(ParleyChatResponse) response = parley_bedrock_parse_converse (text, len, &error);

        check_error (error, 0);
        g_assert_true ((response == NULL) != (error == NULL));
        if (response != NULL)
          check_round_trip (response);
      }
      break;
    case 1:
      fuzz_stream_bytes (data + 1, len);
      break;
    case 2:
      fuzz_stream_messages (data + 1, len);
      break;
    case 3:
      fuzz_error_response (data + 1, len);
      break;
    case 4:
      fuzz_titan (data + 1, len);
      break;
    case 5:
      {
        g_autoptr(ParleyGuardrailResult) result = parley_guardrail_parse_apply (text, len, &error);

        check_error (error, 0);
        g_assert_true ((result == NULL) != (error == NULL));
        for (guint i = 0; result != NULL && i < result->findings->len; i++)
          {
            ParleyGuardrailFinding *f = result->findings->pdata[i];

            g_assert_nonnull (f->policy);
            g_assert_nonnull (f->action);
          }
      }
      break;
    case 6:
      {
        g_autoptr(GPtrArray) hits = parley_retrieve_parse (text, len, &error);

        check_error (error, 0);
        g_assert_true ((hits == NULL) != (error == NULL));
        for (guint i = 0; hits != NULL && i < hits->len; i++)
          {
            ParleyRetrieveHit *h = hits->pdata[i];

            g_assert_nonnull (h->text);
            g_assert_true (isfinite (h->score));
          }
      }
      break;
    case 7:
    default:
      if (parley_json_check (text, len, "input", &error))
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          g_autoptr(GError) parse_error = NULL;
          g_autoptr(JsonNode) again = NULL;
          g_autofree char *out = NULL;
          gsize out_len = 0;

          if (!json_parser_load_from_data (parser, text, (gssize) len, &parse_error))
            fail ("accepted, but json-glib fails: %s", parse_error->message);
          g_assert_nonnull (json_parser_get_root (parser));
          /* What json-glib writes back passes the check too. */
          out = parley_json_to_data (json_parser_get_root (parser), &out_len);
          again = parley_json_parse (out, out_len, "output", &parse_error);
          if (again == NULL)
            fail ("json-glib wrote what the check refuses: %s", parse_error->message);
        }
      check_error (error, 0);
      break;
    }
  return 0;
}
