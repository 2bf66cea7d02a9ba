/* parley-event-stream.c — the AWS binary event-stream framing
 *
 * A message is a 12-byte prelude (total length, headers length, CRC-32 of
 * those 8 bytes), typed headers, the payload, and a CRC-32 of everything
 * before it; integers big-endian. The decoder is incremental: bytes come as
 * the network delivers them, a frame may be split anywhere, and every
 * complete frame is checked and handed to the caller at once. A bad CRC,
 * an impossible length or a malformed header is an error, never a guess.
 * CRC-32 is zlib's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "parley-error.h"
#include "parley-event-stream.h"

#define PRELUDE_LEN 12
#define MIN_MESSAGE (PRELUDE_LEN + 4)

struct _ParleyEventDecoder
{
  GByteArray *buffer;
  gboolean    failed;
};

static guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (out, b, 4);
}

static guint32
crc32_of (const guint8 *data,
          gsize         len)
{
  return (guint32) crc32 (crc32 (0L, Z_NULL, 0), data, (uInt) len);
}

static void
header_clear (gpointer data)
{
  ParleyEventHeader *h = data;

  g_free (h->name);
  g_clear_pointer (&h->bytes, g_bytes_unref);
}

ParleyEventMessage *
parley_event_message_new (void)
{
  ParleyEventMessage *m = g_new0 (ParleyEventMessage, 1);

  m->headers = g_array_new (FALSE, FALSE, sizeof (ParleyEventHeader));
  g_array_set_clear_func (m->headers, header_clear);
  return m;
}

void
parley_event_message_free (ParleyEventMessage *message)
{
  if (message == NULL)
    return;
  g_array_unref (message->headers);
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_free (message);
}

void
parley_event_message_add_header (ParleyEventMessage      *message,
                                 const ParleyEventHeader *header)
{
  ParleyEventHeader h = { g_strdup (header->name), header->type, header->integer,
                          header->bytes != NULL ? g_bytes_ref (header->bytes) : NULL };

  g_array_append_val (message->headers, h);
}

void
parley_event_message_add_string (ParleyEventMessage *message,
                                 const char         *name,
                                 const char         *value)
{
  ParleyEventHeader h = { g_strdup (name), PARLEY_EVENT_STRING, 0, g_bytes_new (value, strlen (value)) };

  g_array_append_val (message->headers, h);
}

char *
parley_event_message_dup_string (const ParleyEventMessage *message,
                                 const char               *name)
{
  for (guint i = 0; i < message->headers->len; i++)
    {
      const ParleyEventHeader *h = &g_array_index (message->headers, ParleyEventHeader, i);
      gsize len;
      const char *data;

      if (h->type != PARLEY_EVENT_STRING || strcmp (h->name, name) != 0)
        continue;
      data = g_bytes_get_data (h->bytes, &len);
      return g_strndup (data, len);
    }
  return NULL;
}

/**
 * parley_event_message_encode:
 *
 * Returns: (transfer full): the frame, or %NULL if a header name or value
 *   is too long for the format
 */
GBytes *
parley_event_message_encode (const ParleyEventMessage  *message,
                             GError                   **error)
{
  g_autoptr(GByteArray) headers = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize payload_len = 0;
  const guint8 *payload = message->payload != NULL ? g_bytes_get_data (message->payload, &payload_len) : NULL;

  for (guint i = 0; i < message->headers->len; i++)
    {
      const ParleyEventHeader *h = &g_array_index (message->headers, ParleyEventHeader, i);
      gsize name_len = strlen (h->name);
      guint8 t = h->type;
      gint64 v = h->integer;

      if (name_len == 0 || name_len > 255)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "header name of %" G_GSIZE_FORMAT " bytes", name_len);
          return NULL;
        }
      g_byte_array_append (headers, (const guint8 *) &(guint8) { name_len }, 1);
      g_byte_array_append (headers, (const guint8 *) h->name, name_len);
      g_byte_array_append (headers, &t, 1);
      switch (h->type)
        {
        case PARLEY_EVENT_BOOL_TRUE:
        case PARLEY_EVENT_BOOL_FALSE:
          break;
        case PARLEY_EVENT_BYTE:
          g_byte_array_append (headers, (const guint8 *) &(guint8) { (guint8) v }, 1);
          break;
        case PARLEY_EVENT_INT16:
          {
            guint8 b[2] = { (guint16) v >> 8, (guint16) v };

            g_byte_array_append (headers, b, 2);
          }
          break;
        case PARLEY_EVENT_INT32:
          put_u32 (headers, (guint32) v);
          break;
        case PARLEY_EVENT_INT64:
        case PARLEY_EVENT_TIMESTAMP:
          put_u32 (headers, (guint32) ((guint64) v >> 32));
          put_u32 (headers, (guint32) v);
          break;
        case PARLEY_EVENT_UUID:
        case PARLEY_EVENT_BYTES:
        case PARLEY_EVENT_STRING:
        default:
          {
            gsize len = 0;
            const guint8 *data = h->bytes != NULL ? g_bytes_get_data (h->bytes, &len) : NULL;

            if (h->type == PARLEY_EVENT_UUID)
              {
                if (len != 16)
                  {
                    g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "a uuid header has 16 bytes");
                    return NULL;
                  }
              }
            else if (h->type == PARLEY_EVENT_BYTES || h->type == PARLEY_EVENT_STRING)
              {
                guint8 b[2] = { len >> 8, len };

                if (len > G_MAXUINT16)
                  {
                    g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "header value too long");
                    return NULL;
                  }
                g_byte_array_append (headers, b, 2);
              }
            else
              {
                g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "unknown header type %u", h->type);
                return NULL;
              }
            if (len > 0)
              g_byte_array_append (headers, data, len);
          }
          break;
        }
    }

  if (headers->len > PARLEY_EVENT_MAX_HEADERS ||
      (gsize) PRELUDE_LEN + headers->len + payload_len + 4 > PARLEY_EVENT_MAX_MESSAGE)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE, "event-stream message too large");
      return NULL;
    }

  put_u32 (out, PRELUDE_LEN + headers->len + payload_len + 4);
  put_u32 (out, headers->len);
  put_u32 (out, crc32_of (out->data, 8));
  g_byte_array_append (out, headers->data, headers->len);
  if (payload_len > 0)
    g_byte_array_append (out, payload, payload_len);
  put_u32 (out, crc32_of (out->data, out->len));
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gboolean
parse_headers (const guint8        *p,
               gsize                len,
               ParleyEventMessage  *message,
               GError             **error)
{
  const guint8 *end = p + len;

#define NEED(n) do { if ((gsize) (end - p) < (gsize) (n)) goto truncated; } while (0)
  while (p < end)
    {
      ParleyEventHeader h = { 0 };
      guint name_len;

      NEED (1);
      name_len = *p++;
      if (name_len == 0)
        {
          g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event-stream header with an empty name");
          return FALSE;
        }
      NEED (name_len + 1);
      h.name = g_strndup ((const char *) p, name_len);
      p += name_len;
      h.type = *p++;
      switch (h.type)
        {
        case PARLEY_EVENT_BOOL_TRUE:
          h.integer = 1;
          break;
        case PARLEY_EVENT_BOOL_FALSE:
          h.integer = 0;
          break;
        case PARLEY_EVENT_BYTE:
          NEED (1);
          h.integer = (gint8) *p++;
          break;
        case PARLEY_EVENT_INT16:
          NEED (2);
          h.integer = (gint16) (p[0] << 8 | p[1]);
          p += 2;
          break;
        case PARLEY_EVENT_INT32:
          NEED (4);
          h.integer = (gint32) read_u32 (p);
          p += 4;
          break;
        case PARLEY_EVENT_INT64:
        case PARLEY_EVENT_TIMESTAMP:
          NEED (8);
          h.integer = (gint64) ((guint64) read_u32 (p) << 32 | read_u32 (p + 4));
          p += 8;
          break;
        case PARLEY_EVENT_BYTES:
        case PARLEY_EVENT_STRING:
          {
            guint vlen;

            NEED (2);
            vlen = p[0] << 8 | p[1];
            p += 2;
            NEED (vlen);
            h.bytes = g_bytes_new (p, vlen);
            p += vlen;
          }
          break;
        case PARLEY_EVENT_UUID:
          NEED (16);
          h.bytes = g_bytes_new (p, 16);
          p += 16;
          break;
        default:
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event-stream header '%s' has unknown type %u",
                       h.name, h.type);
          g_free (h.name);
          return FALSE;
        }
      g_array_append_val (message->headers, h);
      continue;

    truncated:
      g_free (h.name);
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event-stream headers run past their length");
      return FALSE;
    }
#undef NEED
  return TRUE;
}

ParleyEventDecoder *
parley_event_decoder_new (void)
{
  ParleyEventDecoder *d = g_new0 (ParleyEventDecoder, 1);

  d->buffer = g_byte_array_new ();
  return d;
}

void
parley_event_decoder_free (ParleyEventDecoder *decoder)
{
  if (decoder == NULL)
    return;
  g_byte_array_unref (decoder->buffer);
  g_free (decoder);
}

/* Decodes one complete frame at @p (its length already checked). */
static ParleyEventMessage *
decode_frame (const guint8  *p,
              guint32        total,
              guint32        headers_len,
              GError       **error)
{
  g_autoptr(ParleyEventMessage) message = NULL;
  guint32 want = read_u32 (p + total - 4);

  if (crc32_of (p, total - 4) != want)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event-stream message checksum mismatch");
      return NULL;
    }
  message = parley_event_message_new ();
  if (!parse_headers (p + PRELUDE_LEN, headers_len, message, error))
    return NULL;
  message->payload = g_bytes_new (p + PRELUDE_LEN + headers_len, total - PRELUDE_LEN - headers_len - 4);
  return g_steal_pointer (&message);
}

/* Checks a prelude; FALSE with @error on a bad one. */
static gboolean
check_prelude (const guint8  *p,
               guint32       *total,
               guint32       *headers_len,
               GError       **error)
{
  *total = read_u32 (p);
  *headers_len = read_u32 (p + 4);
  if (crc32_of (p, 8) != read_u32 (p + 8))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event-stream prelude checksum mismatch");
      return FALSE;
    }
  if (*total < MIN_MESSAGE || *total > PARLEY_EVENT_MAX_MESSAGE || *headers_len > PARLEY_EVENT_MAX_HEADERS ||
      *headers_len > *total - MIN_MESSAGE)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT,
                   "event-stream frame with impossible lengths (total %u, headers %u)", *total, *headers_len);
      return FALSE;
    }
  return TRUE;
}

/**
 * parley_event_decoder_feed:
 *
 * Hands each complete frame in the bytes so far to @func, in order. After
 * an error the decoder refuses further input: a stream with one bad frame
 * cannot be resynchronised.
 *
 * Returns: %FALSE on a corrupt frame (@error set) or when @func stopped
 */
gboolean
parley_event_decoder_feed (ParleyEventDecoder  *decoder,
                           const guint8        *data,
                           gsize                len,
                           ParleyEventFunc      func,
                           gpointer             user_data,
                           GError             **error)
{
  gsize offset = 0;
  gboolean go_on = TRUE;

  if (decoder->failed)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT, "event stream already failed");
      return FALSE;
    }

  /* Frames wholly inside @data are decoded without copying. */
  while (go_on)
    {
      const guint8 *p;
      gsize avail;
      guint32 total, headers_len;
      g_autoptr(ParleyEventMessage) message = NULL;

      if (decoder->buffer->len > 0 || offset == len)
        break;
      p = data + offset;
      avail = len - offset;
      if (avail < PRELUDE_LEN)
        break;
      if (!check_prelude (p, &total, &headers_len, error))
        goto fail;
      if (avail < total)
        break;
      message = decode_frame (p, total, headers_len, error);
      if (message == NULL)
        goto fail;
      offset += total;
      go_on = func (message, user_data);
    }
  if (!go_on)
    return FALSE;

  if (offset < len)
    g_byte_array_append (decoder->buffer, data + offset, len - offset);

  /* Then whatever complete frames the buffer holds. */
  while (decoder->buffer->len >= PRELUDE_LEN && go_on)
    {
      guint32 total, headers_len;
      g_autoptr(ParleyEventMessage) message = NULL;

      if (!check_prelude (decoder->buffer->data, &total, &headers_len, error))
        goto fail;
      if (decoder->buffer->len < total)
        break;
      message = decode_frame (decoder->buffer->data, total, headers_len, error);
      if (message == NULL)
        goto fail;
      g_byte_array_remove_range (decoder->buffer, 0, total);
      go_on = func (message, user_data);
    }
  return go_on;

fail:
  decoder->failed = TRUE;
  g_byte_array_set_size (decoder->buffer, 0);
  return FALSE;
}

/**
 * parley_event_decoder_finish:
 *
 * At the end of the stream: an error if a frame was cut short.
 */
gboolean
parley_event_decoder_finish (ParleyEventDecoder  *decoder,
                             GError             **error)
{
  if (decoder->buffer->len > 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT,
                   "event stream ended inside a frame (%u bytes left over)", decoder->buffer->len);
      g_byte_array_set_size (decoder->buffer, 0);
      return FALSE;
    }
  return TRUE;
}
