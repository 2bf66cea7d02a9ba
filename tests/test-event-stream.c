/* test-event-stream.c — the event-stream codec against AWS's test vectors,
 * frames split at every byte, and malformed frames.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <zlib.h>

#include "parley-error.h"
#include "parley-event-stream.h"
#include "test-utils.h"

static GBytes *
read_vector (const char *kind,
             const char *sign,
             const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "eventstream", kind, sign, name, NULL);
  gsize len = 0;
  char *contents = test_read_text (path, &len);

  return g_bytes_new_take (contents, len);
}

static gboolean
collect (ParleyEventMessage *message,
         gpointer            user_data)
{
  GPtrArray *messages = user_data;
  ParleyEventMessage *copy = parley_event_message_new ();

  for (guint i = 0; i < message->headers->len; i++)
    parley_event_message_add_header (copy, &g_array_index (message->headers, ParleyEventHeader, i));
  copy->payload = g_bytes_ref (message->payload);
  g_ptr_array_add (messages, copy);
  return TRUE;
}

/* Decodes @frame fed in pieces of @step bytes (0: all at once). */
static GPtrArray *
decode (GBytes  *frame,
        gsize    step,
        GError **error)
{
  g_autoptr(ParleyEventDecoder) decoder = parley_event_decoder_new ();
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_event_message_free);
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  if (step == 0)
    step = len;
  for (gsize off = 0; off < len; off += step)
    if (!parley_event_decoder_feed (decoder, data + off, MIN (step, len - off), collect, messages, error))
      return NULL;
  if (!parley_event_decoder_finish (decoder, error))
    return NULL;
  return g_steal_pointer (&messages);
}

static void
assert_bytes_b64 (GBytes     *bytes,
                  const char *b64)
{
  gsize want_len = 0;
  g_autofree guchar *want = g_base64_decode (b64, &want_len);
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  g_assert_cmpmem (data, len, want, want_len);
}

static void
test_positive (gconstpointer data)
{
  const char *name = data;
  g_autoptr(GBytes) frame = read_vector ("encoded", "positive", name);
  g_autoptr(GBytes) expected_json = read_vector ("decoded", "positive", name);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reencoded = NULL;
  JsonObject *want;
  JsonArray *headers;
  gsize len;
  const guint8 *raw = g_bytes_get_data (frame, &len);

  root = json_from_string (g_bytes_get_data (expected_json, NULL), &error);
  g_assert_no_error (error);
  want = json_node_get_object (root);
  g_assert_cmpuint (len, ==, json_object_get_int_member (want, "total_length"));
  g_assert_cmpuint ((guint32) (raw[4] << 24 | raw[5] << 16 | raw[6] << 8 | raw[7]), ==,
                    json_object_get_int_member (want, "headers_length"));

  for (gsize step = 0; step <= len; step = step == 0 ? 1 : step + 7)
    {
      g_autoptr(GPtrArray) messages = decode (frame, step, &error);
      ParleyEventMessage *m;

      g_assert_no_error (error);
      g_assert_cmpuint (messages->len, ==, 1);
      m = messages->pdata[0];
      headers = json_object_get_array_member (want, "headers");
      g_assert_cmpuint (m->headers->len, ==, json_array_get_length (headers));
      for (guint i = 0; i < m->headers->len; i++)
        {
          ParleyEventHeader *h = &g_array_index (m->headers, ParleyEventHeader, i);
          JsonObject *wh = json_array_get_object_element (headers, i);
          JsonNode *value = json_object_get_member (wh, "value");

          g_assert_cmpstr (h->name, ==, json_object_get_string_member (wh, "name"));
          g_assert_cmpint (h->type, ==, json_object_get_int_member (wh, "type"));
          switch (h->type)
            {
            case PARLEY_EVENT_BOOL_TRUE:
            case PARLEY_EVENT_BOOL_FALSE:
              g_assert_cmpint (h->integer, ==, json_node_get_boolean (value));
              break;
            case PARLEY_EVENT_BYTES:
            case PARLEY_EVENT_STRING:
            case PARLEY_EVENT_UUID:
              assert_bytes_b64 (h->bytes, json_node_get_string (value));
              break;
            default:
              g_assert_cmpint (h->integer, ==, json_node_get_int (value));
              break;
            }
        }
      assert_bytes_b64 (m->payload, json_object_get_string_member (want, "payload"));

      /* Encoding what was decoded gives the same bytes back. */
      if (step == 0)
        {
          reencoded = parley_event_message_encode (m, &error);
          g_assert_no_error (error);
          g_assert_true (g_bytes_equal (reencoded, frame));
        }
    }
}

static void
test_negative (gconstpointer data)
{
  const char *name = data;
  g_autoptr(GBytes) frame = read_vector ("encoded", "negative", name);
  g_autoptr(GBytes) expected = read_vector ("decoded", "negative", name);
  g_autofree char *want = g_ascii_strdown (g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  gsize len = g_bytes_get_size (frame);

  g_strstrip (want);
  for (gsize step = 0; step <= len; step = step == 0 ? 1 : step + 5)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) messages = decode (frame, step, &error);

      g_assert_null (messages);
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, want));
    }
}

/* Several frames in one read, a frame split across reads, a truncated
 * stream, an impossible length with a valid prelude CRC, and no input
 * after an error. */
static void
test_stream (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GBytes) all = NULL;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(ParleyEventMessage) m = parley_event_message_new ();
      g_autofree char *payload = g_strdup_printf ("{\"delta\":{\"text\":\"token %u\"}}", i);
      g_autoptr(GBytes) frame = NULL;

      parley_event_message_add_string (m, ":event-type", "contentBlockDelta");
      parley_event_message_add_string (m, ":content-type", "application/json");
      parley_event_message_add_string (m, ":message-type", "event");
      m->payload = g_bytes_new (payload, strlen (payload));
      frame = parley_event_message_encode (m, &error);
      g_assert_no_error (error);
      g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
    }
  all = g_bytes_new (stream->data, stream->len);

  for (gsize step = 0; step < 200; step = step == 0 ? 1 : step * 3)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      messages = decode (all, step, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (messages->len, ==, 50);
      {
        g_autofree char *type = parley_event_message_dup_string (messages->pdata[49], ":event-type");
        g_autofree char *missing = parley_event_message_dup_string (messages->pdata[49], ":exception-type");

        g_assert_cmpstr (type, ==, "contentBlockDelta");
        g_assert_null (missing);
      }
    }

  /* Truncated: the last frame is cut. */
  {
    g_autoptr(GBytes) cut = g_bytes_new (stream->data, stream->len - 3);
    g_autoptr(GPtrArray) none = decode (cut, 0, &error);

    g_assert_null (none);
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "ended inside a frame"));
    g_clear_error (&error);
  }

  /* A length of 4 GiB behind a correct prelude CRC. */
  {
    guint8 prelude[16] = { 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0 };
    g_autoptr(ParleyEventDecoder) decoder = parley_event_decoder_new ();
    gulong crc = crc32_z (0, prelude, 8);

    prelude[8] = crc >> 24; prelude[9] = crc >> 16; prelude[10] = crc >> 8; prelude[11] = crc;
    g_assert_false (parley_event_decoder_feed (decoder, prelude, sizeof prelude, collect, NULL, &error));
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "impossible lengths"));
    g_clear_error (&error);
    g_assert_false (parley_event_decoder_feed (decoder, stream->data, stream->len, collect, NULL, &error));
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
  }
}

static void
test_encode_limits (void)
{
  g_autoptr(ParleyEventMessage) m = parley_event_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (256, 'x');
  ParleyEventHeader h = { long_name, PARLEY_EVENT_BOOL_TRUE, 1, NULL };
  g_autoptr(GBytes) frame = NULL;

  parley_event_message_add_header (m, &h);
  frame = parley_event_message_encode (m, &error);
  g_assert_null (frame);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const positive[] = { "all_headers", "empty_message", "int32_header",
                                            "payload_no_headers", "payload_one_str_header" };
  static const char * const negative[] = { "corrupted_header_len", "corrupted_headers", "corrupted_length",
                                            "corrupted_payload" };

  test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (positive); i++)
    {
      g_autofree char *path = g_strdup_printf ("/event-stream/vectors/positive/%s", positive[i]);

      g_test_add_data_func (path, positive[i], test_positive);
    }
  for (guint i = 0; i < G_N_ELEMENTS (negative); i++)
    {
      g_autofree char *path = g_strdup_printf ("/event-stream/vectors/negative/%s", negative[i]);

      g_test_add_data_func (path, negative[i], test_negative);
    }
  g_test_add_func ("/event-stream/stream", test_stream);
  g_test_add_func ("/event-stream/encode-limits", test_encode_limits);
  return g_test_run ();
}
