/* fuzz-event-stream.c — libFuzzer harness for the event-stream decoder
 *
 * The input is fed in two reads split where its first byte says. Every
 * outcome must be an error in PARLEY_ERROR or messages that encode back to
 * frames which decode to the same messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-event-stream"

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "parley-error.h"
#include "parley-event-stream.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
same_message (ParleyEventMessage *decoded,
              gpointer            user_data)
{
  ParleyEventMessage *original = user_data;

  g_assert_cmpuint (decoded->headers->len, ==, original->headers->len);
  for (guint i = 0; i < decoded->headers->len; i++)
    {
      ParleyEventHeader *a = &g_array_index (decoded->headers, ParleyEventHeader, i);
      ParleyEventHeader *b = &g_array_index (original->headers, ParleyEventHeader, i);

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpint (a->type, ==, b->type);
      g_assert_cmpint (a->integer, ==, b->integer);
      g_assert_true ((a->bytes == NULL) == (b->bytes == NULL));
      if (a->bytes != NULL)
        g_assert_true (g_bytes_equal (a->bytes, b->bytes));
    }
  g_assert_true (g_bytes_equal (decoded->payload, original->payload));
  return TRUE;
}

static gboolean
round_trip (ParleyEventMessage *message,
            gpointer            user_data)
{
  guint *count = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = parley_event_message_encode (message, &error);
  g_autoptr(ParleyEventDecoder) again = parley_event_decoder_new ();

  (*count)++;
  g_assert_no_error (error);
  g_assert_true (parley_event_decoder_feed (again, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                            same_message, message, &error));
  g_assert_no_error (error);
  g_assert_true (parley_event_decoder_finish (again, &error));
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ParleyEventDecoder) decoder = parley_event_decoder_new ();
  g_autoptr(GError) error = NULL;
  guint count = 0;
  gsize split;

  if (size == 0)
    return 0;
  split = MIN ((gsize) data[0], size - 1);
  data++;
  size--;

  if (parley_event_decoder_feed (decoder, data, split, round_trip, &count, &error) &&
      parley_event_decoder_feed (decoder, data + split, size - split, round_trip, &count, &error))
    parley_event_decoder_finish (decoder, &error);
  if (error != NULL)
    {
      g_assert_true (error->domain == PARLEY_ERROR);
      g_assert_null (strchr (error->message, '\n'));
    }
  return 0;
}
