/* parley-event-stream.h — the AWS binary event-stream framing (vnd.amazon.eventstream)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PARLEY_EVENT_MAX_MESSAGE (16 * 1024 * 1024)  /* as AWS: 16 MiB a frame */
#define PARLEY_EVENT_MAX_HEADERS (128 * 1024)        /* and 128 KiB of headers */

typedef enum {
  PARLEY_EVENT_BOOL_TRUE  = 0,
  PARLEY_EVENT_BOOL_FALSE = 1,
  PARLEY_EVENT_BYTE       = 2,
  PARLEY_EVENT_INT16      = 3,
  PARLEY_EVENT_INT32      = 4,
  PARLEY_EVENT_INT64      = 5,
  PARLEY_EVENT_BYTES      = 6,
  PARLEY_EVENT_STRING     = 7,
  PARLEY_EVENT_TIMESTAMP  = 8,   /* milliseconds since the epoch */
  PARLEY_EVENT_UUID       = 9,
} ParleyEventHeaderType;

typedef struct {
  char                  *name;
  ParleyEventHeaderType  type;
  gint64                 integer;   /* bool, byte, int16/32/64, timestamp */
  GBytes                *bytes;     /* bytes, string (not NUL-terminated on the wire), uuid */
} ParleyEventHeader;

typedef struct {
  GArray *headers;                  /* ParleyEventHeader */
  GBytes *payload;
} ParleyEventMessage;

ParleyEventMessage *parley_event_message_new        (void);
void                parley_event_message_free       (ParleyEventMessage *message);
void                parley_event_message_add_string (ParleyEventMessage *message,
                                                     const char         *name,
                                                     const char         *value);
void                parley_event_message_add_header (ParleyEventMessage *message,
                                                     const ParleyEventHeader *header);
/* The value of a string header (":event-type", ":message-type", …), or NULL. */
char               *parley_event_message_dup_string (const ParleyEventMessage *message,
                                                     const char         *name);
GBytes             *parley_event_message_encode     (const ParleyEventMessage *message,
                                                     GError            **error);

typedef struct _ParleyEventDecoder ParleyEventDecoder;

/* @message is owned by the decoder; steal its fields if you keep them.
 * Return FALSE to stop decoding (feed then returns FALSE without error). */
typedef gboolean (*ParleyEventFunc) (ParleyEventMessage *message,
                                     gpointer            user_data);

ParleyEventDecoder *parley_event_decoder_new        (void);
void                parley_event_decoder_free       (ParleyEventDecoder *decoder);
gboolean            parley_event_decoder_feed       (ParleyEventDecoder *decoder,
                                                     const guint8       *data,
                                                     gsize               len,
                                                     ParleyEventFunc     func,
                                                     gpointer            user_data,
                                                     GError            **error);
gboolean            parley_event_decoder_finish     (ParleyEventDecoder *decoder,
                                                     GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyEventMessage, parley_event_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyEventDecoder, parley_event_decoder_free)

G_END_DECLS
