/* fake-aws.c — a local fake of Bedrock (and of an OpenAI-compatible server)
 *
 * Parley's Bedrock code cannot reach AWS in tests, so it is proven against
 * this: a SoupServer that speaks the wire protocol of the real services as
 * their API models (tests/data/aws-models, compiled in as a GResource)
 * describe it, strictly.
 *
 * Every Bedrock request is routed by its raw request line (the server runs
 * with "raw-paths", so a model id's ':' sent as %3A stays %3A and the SigV4
 * canonical path is the client's), verified with parley_sigv4_verify()
 * against FAKE_AWS_ACCESS_KEY_ID/SECRET, and validated against the input
 * shape (fake-aws-shapes.c). Errors look like AWS's: an x-amzn-ErrorType
 * header ("ThrottlingException:http://internal.amazon.com/coral/…", which
 * clients must cut at the ':' as the SDKs do) and a {"message"} body; every
 * response has an x-amzn-RequestId.
 *
 * Replies are deterministic functions of the request: Converse answers
 * "You asked: …" with word counts as token usage, calls the first tool when
 * the last user turn mentions an order ("A-10023", "order"), and quotes a
 * tool result back. ConverseStream sends the same reply as event-stream
 * frames built with parley-event-stream.h, one chunk per frame, a text delta
 * per word. When a reply calls a tool it also has a short text block first
 * (index 0), then the toolUse block (index 1), as Claude models do.
 *
 * Nothing blocks: latency (fake_aws_set_delays) and faults are GSource
 * timeouts on the thread-default main context; the message is paused with
 * soup_server_message_pause() and each frame is appended to a chunked body
 * and unpaused, so hundreds of streams proceed at once on one thread. A
 * reset steals the connection from libsoup and closes it with SO_LINGER 0,
 * so the client sees a TCP RST.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-fake-aws"

#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "fake-aws-resources.h"
#include "fake-aws-shapes.h"
#include "fake-aws.h"
#include "parley-error.h"
#include "parley-event-stream.h"
#include "parley-sigv4.h"

#define MODELS_PATH        "/org/parley/tests/aws-models/"
#define MAX_CLOCK_SKEW     (15 * 60)        /* seconds, as AWS allows */
#define DEFAULT_FAULT_MS   10000
#define OPENAI_EMBED_DIMS  1536
#define KB_DEFAULT_RESULTS 5
#define MAX_ECHO           2000             /* characters of the question repeated in an answer */
#define ANSWER_TAIL        "This is a deterministic answer from the Parley test endpoint."
#define CORAL_BEDROCK      ":http://internal.amazon.com/coral/com.amazon.bedrock/"
#define CORAL_SERVICE      ":http://internal.amazon.com/coral/com.amazon.coral.service/"

typedef struct {
  guint               n_requests;
  char               *last_body;
  SoupMessageHeaders *last_headers;
} OpStats;

typedef struct {
  char  *text;
  char  *uri;
  GStrv  words;       /* distinct, lower-case */
} Passage;

typedef struct _Reply Reply;

struct _FakeAws
{
  /* owned */
  GMainContext *context;
  SoupServer   *server;
  char         *url;
  FakeAwsModel *runtime;      /* bedrock-runtime */
  FakeAwsModel *agent;        /* bedrock-agent-runtime */
  GHashTable   *faults;       /* operation ("" = any) → GQueue of FakeAwsFault */
  GHashTable   *stats;        /* operation ("" = all) → OpStats */
  GHashTable   *kbs;          /* knowledge base id → GPtrArray of Passage */
  GHashTable   *replies;      /* Reply in progress (a set) */
  GRegex       *order_id_regex;
  GRegex       *order_word_regex;
  GRegex       *email_regex;
  GRegex       *forbidden_regex;
  char         *last_region;

  guint         first_byte_ms;
  guint         per_token_ms;
  guint         stamp_tokens;   /* > 0: streams are that many stamped deltas */
  guint         fault_delay_ms;
  guint         in_flight;
  guint         peak_in_flight;
};

/* One request while its handler runs. */
typedef struct {
  FakeAws           *self;
  SoupServerMessage *msg;
  const char        *operation;
  char              *request_id;
  GBytes            *body;
  JsonNode          *json;         /* the parsed body, when it is JSON */
  GHashTable        *labels;
  FakeAwsFault       fault;
} Request;

typedef struct {
  GBytes  *bytes;                  /* NULL for a stamped delta */
  guint    delay_ms;               /* wait before sending it */
  gboolean stamp;                  /* a text delta made when sent, holding the time */
} Piece;

/* A response being sent, piece by piece, after delays. */
struct _Reply
{
  FakeAws           *self;
  SoupServerMessage *msg;
  char              *content_type;
  GArray            *pieces;       /* Piece */
  guint              next;
  gboolean           chunked;
  gboolean           reset;        /* reset the connection instead */
  GSource           *timer;
  gulong             finished_id;
  gulong             disconnected_id;
};

/* What the fake model says. */
typedef struct {
  char       *text;
  char       *tool_id;
  char       *tool_name;       /* NULL: no tool call */
  char       *tool_input;      /* JSON text */
  const char *stop_reason;     /* Bedrock's: end_turn, tool_use, max_tokens */
  guint       input_tokens;
  guint       output_tokens;
} Answer;

static void
answer_clear (Answer *a)
{
  g_clear_pointer (&a->text, g_free);
  g_clear_pointer (&a->tool_id, g_free);
  g_clear_pointer (&a->tool_name, g_free);
  g_clear_pointer (&a->tool_input, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

/* ------------------------------------------------------------------ text */

/* Number of white-space separated words. */
static guint
count_words (const char *text)
{
  g_autofree char *valid = text != NULL ? g_utf8_make_valid (text, -1) : NULL;
  guint n = 0;
  gboolean in_word = FALSE;

  for (const char *p = valid; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean space = g_unichar_isspace (g_utf8_get_char (p));

      if (!space && !in_word)
        n++;
      in_word = !space;
    }
  return n;
}

/* @text (valid UTF-8) cut into pieces of one word each, with the white
 * space before it, so that the pieces put together are @text. */
static GPtrArray *
split_words (const char *text)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *start = text, *p = text;

  while (*p != '\0')
    {
      while (*p != '\0' && g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      while (*p != '\0' && !g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      g_ptr_array_add (pieces, g_strndup (start, p - start));
      start = p;
    }
  return pieces;
}

/* @text (valid UTF-8) in pieces of about @size bytes, cut at character boundaries. */
static GPtrArray *
split_bytes (const char *text,
             gsize       size)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = p;

      while (*end != '\0' && (gsize) (end - p) < size)
        end = g_utf8_next_char (end);
      g_ptr_array_add (pieces, g_strndup (p, end - p));
      p = end;
    }
  return pieces;
}

/* Lower-case words: runs of letters and digits; each wide (CJK) character
 * is a word of its own. */
static GPtrArray *
tokenize (const char *text)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) word = g_string_new (NULL);
  g_autofree char *valid = NULL;

  if (text == NULL)
    return words;
  /* JSON can carry lone surrogates ("\ud800"), which are not UTF-8. */
  valid = g_utf8_make_valid (text, -1);
  for (const char *p = valid; ; p = g_utf8_next_char (p))
    {
      gunichar ch = *p != '\0' ? g_utf8_get_char (p) : 0;
      gboolean alnum = ch != 0 && g_unichar_isalnum (ch);
      gboolean wide = alnum && g_unichar_iswide (ch);

      if ((!alnum || wide) && word->len > 0)
        {
          g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
        }
      if (wide)
        {
          char buf[8];

          buf[g_unichar_to_utf8 (g_unichar_tolower (ch), buf)] = '\0';
          g_ptr_array_add (words, g_strdup (buf));
        }
      else if (alnum)
        g_string_append_unichar (word, g_unichar_tolower (ch));
      if (ch == 0)
        break;
    }
  return words;
}

static GStrv
distinct_words (const char *text)
{
  g_autoptr(GPtrArray) words = tokenize (text);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < words->len; i++)
    if (g_hash_table_add (seen, words->pdata[i]))
      g_ptr_array_add (out, g_strdup (words->pdata[i]));
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

static guint64
fnv1a (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (; *s != '\0'; s++)
    h = (h ^ (guchar) *s) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

static void
hash_feature (float      *v,
              guint       dims,
              const char *feature,
              float       weight)
{
  guint64 h = fnv1a (feature);

  v[h % dims] += (h >> 63) ? -weight : weight;
}

/* A deterministic embedding: feature hashing of the lower-cased words, and
 * with less weight of their character trigrams, so that texts sharing words
 * (or word stems) are near. */
static float *
embed_text (const char *text,
            guint       dims,
            gboolean    normalize)
{
  g_autoptr(GPtrArray) words = tokenize (text);
  float *v = g_new0 (float, dims);

  for (guint i = 0; i < words->len; i++)
    {
      g_autofree char *marked = g_strconcat ("<", (char *) words->pdata[i], ">", NULL);
      glong n = g_utf8_strlen (marked, -1);

      hash_feature (v, dims, words->pdata[i], 1.0f);
      for (glong j = 0; j + 3 <= n; j++)
        {
          const char *a = g_utf8_offset_to_pointer (marked, j);
          const char *b = g_utf8_offset_to_pointer (marked, j + 3);
          g_autofree char *gram = g_strndup (a, b - a);

          hash_feature (v, dims, gram, 0.25f);
        }
    }
  if (normalize)
    {
      double norm = 0;

      for (guint i = 0; i < dims; i++)
        norm += (double) v[i] * v[i];
      norm = sqrt (norm);
      for (guint i = 0; norm > 0 && i < dims; i++)
        v[i] = (float) (v[i] / norm);
    }
  return v;
}

static JsonNode *
float_array (const float *v,
             guint        n)
{
  JsonArray *array = json_array_sized_new (n);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, v[i]);
  json_node_take_array (node, array);
  return node;
}

/* ------------------------------------------------------------------ JSON */

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static GBytes *
node_to_bytes (JsonNode *node)
{
  char *text = json_to_string (node, FALSE);

  return g_bytes_new_take (text, strlen (text));
}

static GBytes *
object_to_bytes (JsonObject *object)
{
  g_autoptr(JsonNode) node = object_node (json_object_ref (object));

  return node_to_bytes (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static JsonObject *
array_object (JsonArray *array,
              guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* ----------------------------------------------------------------- reply */

static void
reply_free (Reply *r)
{
  FakeAws *self = r->self;

  if (r->timer != NULL)
    {
      g_source_destroy (r->timer);
      g_source_unref (r->timer);
    }
  g_clear_signal_handler (&r->finished_id, r->msg);
  g_clear_signal_handler (&r->disconnected_id, r->msg);
  g_object_unref (r->msg);
  g_free (r->content_type);
  g_array_unref (r->pieces);
  self->in_flight--;
  g_free (r);
}

static GBytes     *event_frame (const char *event_type,
                               JsonObject *payload);
static JsonObject *delta_event (guint       index,
                                const char *kind,
                                const char *text);

static void
piece_clear (gpointer data)
{
  g_clear_pointer (&((Piece *) data)->bytes, g_bytes_unref);
}

static Reply *
reply_new (Request    *req,
           guint       status,
           const char *content_type,
           gboolean    chunked)
{
  Reply *r = g_new0 (Reply, 1);

  r->self = req->self;
  r->msg = g_object_ref (req->msg);
  r->content_type = g_strdup (content_type);
  r->chunked = chunked;
  r->pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  g_array_set_clear_func (r->pieces, piece_clear);
  soup_server_message_set_status (r->msg, status, NULL);
  return r;
}

/* Takes @bytes. */
static void
reply_add (Reply  *r,
           guint   delay_ms,
           GBytes *bytes)
{
  Piece piece = { bytes, delay_ms, FALSE };

  g_array_append_val (r->pieces, piece);
}

/* A text delta whose text is the CLOCK_MONOTONIC µs at which it is sent
 * (fake_aws_set_stamp), for measuring a client's added latency. */
static void
reply_add_stamped (Reply *r,
                   guint  delay_ms)
{
  Piece piece = { NULL, delay_ms, TRUE };

  g_array_append_val (r->pieces, piece);
}

static void
reply_done (Reply *r)
{
  g_hash_table_remove (r->self->replies, r);
}

/* The client went away or libsoup gave up on the message: stop. */
static void
reply_abandoned_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  reply_done (user_data);
}

static GBytes *
concat_pieces (Reply *r)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  for (guint i = 0; i < r->pieces->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_array_index (r->pieces, Piece, i).bytes, &len);

      g_byte_array_append (all, data, len);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
reply_reset (Reply *r)
{
  GSocket *socket = soup_server_message_get_socket (r->msg);
  g_autoptr(GIOStream) stream = NULL;
  struct linger lg = { 1, 0 };

  /* SO_LINGER 0: close() sends a RST, not a FIN. */
  if (socket != NULL &&
      setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
    g_debug ("SO_LINGER: %s", g_strerror (errno));
  g_clear_signal_handler (&r->finished_id, r->msg);
  g_clear_signal_handler (&r->disconnected_id, r->msg);
  stream = soup_server_message_steal_connection (r->msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void reply_schedule (Reply *r);

static gboolean
reply_step_cb (gpointer user_data)
{
  Reply *r = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (r->msg);

  g_clear_pointer (&r->timer, g_source_unref);

  if (r->reset)
    {
      reply_reset (r);
      reply_done (r);
      return G_SOURCE_REMOVE;
    }

  if (!r->chunked)
    {
      g_autoptr(GBytes) all = concat_pieces (r);
      gsize len;
      const char *data = g_bytes_get_data (all, &len);

      soup_server_message_set_response (r->msg, r->content_type, SOUP_MEMORY_COPY, data, len);
      soup_server_message_unpause (r->msg);
      reply_done (r);
      return G_SOURCE_REMOVE;
    }

  /* This piece and those that follow it without delay, as chunks of their own. */
  do
    {
      Piece *piece = &g_array_index (r->pieces, Piece, r->next++);

      if (piece->stamp)
        {
          g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT " ", g_get_monotonic_time ());
          g_autoptr(GBytes) frame = event_frame ("contentBlockDelta", delta_event (0, "text", now));

          soup_message_body_append_bytes (body, frame);
        }
      else
        soup_message_body_append_bytes (body, piece->bytes);
    }
  while (r->next < r->pieces->len && g_array_index (r->pieces, Piece, r->next).delay_ms == 0);

  if (r->next == r->pieces->len)
    {
      soup_message_body_complete (body);
      soup_server_message_unpause (r->msg);
      reply_done (r);
      return G_SOURCE_REMOVE;
    }
  soup_server_message_unpause (r->msg);
  reply_schedule (r);
  return G_SOURCE_REMOVE;
}

static void
reply_schedule (Reply *r)
{
  guint delay = r->next < r->pieces->len ? g_array_index (r->pieces, Piece, r->next).delay_ms : 0;

  r->timer = g_timeout_source_new (delay);
  g_source_set_callback (r->timer, reply_step_cb, r, NULL);
  g_source_set_static_name (r->timer, "[parley-fake-aws] reply");
  g_source_attach (r->timer, r->self->context);
}

/* Sends @r (and takes it): at once when it is a plain body without delay,
 * otherwise from timeouts while the message is paused. */
static void
reply_start (Reply *r)
{
  FakeAws *self = r->self;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (r->msg);

  self->in_flight++;
  self->peak_in_flight = MAX (self->peak_in_flight, self->in_flight);

  if (!r->reset && !r->chunked && (r->pieces->len == 0 || g_array_index (r->pieces, Piece, 0).delay_ms == 0))
    {
      g_autoptr(GBytes) all = concat_pieces (r);
      gsize len;
      const char *data = g_bytes_get_data (all, &len);

      soup_server_message_set_response (r->msg, r->content_type, SOUP_MEMORY_COPY, data, len);
      reply_free (r);
      return;
    }

  if (r->chunked)
    {
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_replace (headers, "Content-Type", r->content_type);
      if (r->pieces->len == 0)
        {
          soup_message_body_complete (soup_server_message_get_response_body (r->msg));
          reply_free (r);
          return;
        }
    }

  r->finished_id = g_signal_connect (r->msg, "finished", G_CALLBACK (reply_abandoned_cb), r);
  r->disconnected_id = g_signal_connect (r->msg, "disconnected", G_CALLBACK (reply_abandoned_cb), r);
  g_hash_table_add (self->replies, r);
  soup_server_message_pause (r->msg);
  reply_schedule (r);
}

/* ----------------------------------------------------------- responding */

static guint
first_byte_delay (Request *req)
{
  return req->fault == FAKE_AWS_FAULT_SLOW_FIRST_BYTE ? req->self->fault_delay_ms : req->self->first_byte_ms;
}

static gboolean
is_stream_fault (FakeAwsFault fault)
{
  return fault == FAKE_AWS_FAULT_EXCEPTION_MID_STREAM || fault == FAKE_AWS_FAULT_MODEL_STREAM_ERROR ||
         fault == FAKE_AWS_FAULT_CORRUPT_CRC || fault == FAKE_AWS_FAULT_TRUNCATED_STREAM;
}

static void
send_bytes (Request    *req,
            guint       status,
            const char *content_type,
            GBytes     *body,
            guint       delay_ms)
{
  Reply *r = reply_new (req, status, content_type, FALSE);

  reply_add (r, delay_ms, g_bytes_ref (body));
  reply_start (r);
}

/* A successful JSON reply, with the latency and any fault of the request. */
static void
send_json_ok (Request    *req,
              JsonObject *object)
{
  g_autoptr(GBytes) body = object_to_bytes (object);

  if (is_stream_fault (req->fault))
    {
      /* A reply that is not a stream can only break by ending early. */
      g_autoptr(GBytes) half = g_bytes_new_from_bytes (body, 0, g_bytes_get_size (body) / 2);

      send_bytes (req, SOUP_STATUS_OK, "application/json", half, first_byte_delay (req));
      return;
    }
  send_bytes (req, SOUP_STATUS_OK, "application/json", body, first_byte_delay (req));
}

static void
send_aws_error (Request    *req,
                guint       status,
                const char *type,
                const char *namespace,
                const char *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *error_type = g_strconcat (type, namespace, NULL);
  g_autoptr(GBytes) body = NULL;

  json_object_set_string_member (object, "message", message);
  body = object_to_bytes (object);
  soup_message_headers_replace (headers, "x-amzn-ErrorType", error_type);
  send_bytes (req, status, "application/json", body, 0);
}

static void
send_validation_error (Request    *req,
                       const char *message)
{
  send_aws_error (req, SOUP_STATUS_BAD_REQUEST, "ValidationException", CORAL_BEDROCK, message);
}

static void
send_openai_error (Request    *req,
                   guint       status,
                   const char *type,
                   const char *code,
                   const char *param,
                   const char *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonObject *error = json_object_new ();
  g_autoptr(GBytes) body = NULL;

  json_object_set_string_member (error, "message", message);
  json_object_set_string_member (error, "type", type);
  if (param != NULL)
    json_object_set_string_member (error, "param", param);
  else
    json_object_set_null_member (error, "param");
  if (code != NULL)
    json_object_set_string_member (error, "code", code);
  else
    json_object_set_null_member (error, "code");
  json_object_set_object_member (object, "error", error);
  body = object_to_bytes (object);
  send_bytes (req, status, "application/json", body, 0);
}

static void
send_html_502 (Request *req)
{
  static const char html[] =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
  g_autoptr(GBytes) body = g_bytes_new_static (html, sizeof html - 1);

  send_bytes (req, SOUP_STATUS_BAD_GATEWAY, "text/html", body, 0);
}

static void
send_reset (Request *req)
{
  Reply *r = reply_new (req, SOUP_STATUS_OK, NULL, FALSE);

  r->reset = TRUE;
  reply_add (r, 0, g_bytes_new_static ("", 0));
  reply_start (r);
}

/* The faults that replace the reply; FALSE for those that shape it. */
static gboolean
send_bedrock_fault (Request *req,
                    gboolean stream)
{
  switch (req->fault)
    {
    case FAKE_AWS_FAULT_THROTTLING:
      send_aws_error (req, 429, "ThrottlingException", CORAL_BEDROCK, "Too many requests, please wait before trying again.");
      return TRUE;
    case FAKE_AWS_FAULT_INTERNAL:
      send_aws_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "InternalServerException", CORAL_BEDROCK,
                      "The server encountered an error processing your request. Try your request again.");
      return TRUE;
    case FAKE_AWS_FAULT_MODEL_NOT_READY:
      send_aws_error (req, 429, "ModelNotReadyException", CORAL_BEDROCK,
                      "The model is not ready to serve inference requests. Try your request again later.");
      return TRUE;
    case FAKE_AWS_FAULT_ACCESS_DENIED:
      send_aws_error (req, SOUP_STATUS_FORBIDDEN, "AccessDeniedException", CORAL_BEDROCK,
                      "You don't have access to the model with the specified model ID.");
      return TRUE;
    case FAKE_AWS_FAULT_VALIDATION:
      send_validation_error (req, "Malformed input request, please reformat your input and try again.");
      return TRUE;
    case FAKE_AWS_FAULT_NON_JSON_ERROR:
      send_html_502 (req);
      return TRUE;
    case FAKE_AWS_FAULT_RESET:
      send_reset (req);
      return TRUE;
    case FAKE_AWS_FAULT_GARBAGE_200:
      if (stream)
        {
          static const char text[] = "<html><body>Everything is fine.</body></html>\n";
          g_autoptr(GBytes) body = g_bytes_new_static (text, sizeof text - 1);

          send_bytes (req, SOUP_STATUS_OK, "application/vnd.amazon.eventstream", body, 0);
        }
      else
        {
          static const char text[] = "{\"output\":\"fine\",\"stopReason\":42,\"usage\":[]}";
          g_autoptr(GBytes) body = g_bytes_new_static (text, sizeof text - 1);

          send_bytes (req, SOUP_STATUS_OK, "application/json", body, 0);
        }
      return TRUE;
    case FAKE_AWS_FAULT_NONE:
    case FAKE_AWS_FAULT_EXCEPTION_MID_STREAM:
    case FAKE_AWS_FAULT_MODEL_STREAM_ERROR:
    case FAKE_AWS_FAULT_CORRUPT_CRC:
    case FAKE_AWS_FAULT_TRUNCATED_STREAM:
    case FAKE_AWS_FAULT_SLOW_FIRST_BYTE:
    default:
      return FALSE;
    }
}

static gboolean
send_openai_fault (Request *req,
                   gboolean stream)
{
  switch (req->fault)
    {
    case FAKE_AWS_FAULT_THROTTLING:
      send_openai_error (req, 429, "requests", "rate_limit_exceeded", NULL,
                         "Rate limit reached for requests. Please try again later.");
      return TRUE;
    case FAKE_AWS_FAULT_INTERNAL:
      send_openai_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "server_error", NULL, NULL,
                         "The server had an error while processing your request.");
      return TRUE;
    case FAKE_AWS_FAULT_MODEL_NOT_READY:
      send_openai_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "server_error", NULL, NULL,
                         "The engine is currently overloaded, please try again later.");
      return TRUE;
    case FAKE_AWS_FAULT_ACCESS_DENIED:
      send_openai_error (req, SOUP_STATUS_FORBIDDEN, "invalid_request_error", "model_not_found", "model",
                         "You do not have access to this model.");
      return TRUE;
    case FAKE_AWS_FAULT_VALIDATION:
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "messages",
                         "Invalid request: the messages are malformed.");
      return TRUE;
    case FAKE_AWS_FAULT_NON_JSON_ERROR:
      send_html_502 (req);
      return TRUE;
    case FAKE_AWS_FAULT_RESET:
      send_reset (req);
      return TRUE;
    case FAKE_AWS_FAULT_GARBAGE_200:
      if (stream)
        {
          static const char text[] = "data: this is not JSON\n\ndata: {\"choices\": 7}\n\n";
          g_autoptr(GBytes) body = g_bytes_new_static (text, sizeof text - 1);

          send_bytes (req, SOUP_STATUS_OK, "text/event-stream", body, 0);
        }
      else
        {
          static const char text[] = "{\"object\":\"chat.completion\",\"choices\":\"none\"}";
          g_autoptr(GBytes) body = g_bytes_new_static (text, sizeof text - 1);

          send_bytes (req, SOUP_STATUS_OK, "application/json", body, 0);
        }
      return TRUE;
    case FAKE_AWS_FAULT_NONE:
    case FAKE_AWS_FAULT_EXCEPTION_MID_STREAM:
    case FAKE_AWS_FAULT_MODEL_STREAM_ERROR:
    case FAKE_AWS_FAULT_CORRUPT_CRC:
    case FAKE_AWS_FAULT_TRUNCATED_STREAM:
    case FAKE_AWS_FAULT_SLOW_FIRST_BYTE:
    default:
      return FALSE;
    }
}

/* ---------------------------------------------------------------- answer */

/* @text as valid UTF-8, cut after MAX_ECHO characters. */
static char *
echo_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  if (g_utf8_strlen (valid, -1) <= MAX_ECHO)
    return g_steal_pointer (&valid);
  {
    g_autofree char *cut = g_utf8_substring (valid, 0, MAX_ECHO);

    return g_strconcat (cut, "…", NULL);
  }
}

/* "A-10023" or just a mention of an order; @order_id gets the number or "". */
static gboolean
mentions_order (FakeAws     *self,
                const char  *text,
                char       **order_id)
{
  g_autoptr(GMatchInfo) match = NULL;

  if (g_regex_match (self->order_id_regex, text, 0, &match))
    {
      *order_id = g_match_info_fetch (match, 0);
      return TRUE;
    }
  if (g_regex_match (self->order_word_regex, text, 0, NULL))
    {
      *order_id = g_strdup ("");
      return TRUE;
    }
  return FALSE;
}

/**
 * answer_compose:
 * @user_text: the last user turn's text
 * @tool_result: (nullable): what the tools returned, when the last turn holds results
 * @tool_name: (nullable): the tool it may call
 * @force_tool: call it whatever the text (tool choice "any" or a named tool)
 * @max_tokens: 0 for no limit
 */
static void
answer_compose (FakeAws    *self,
                Answer     *a,
                const char *user_text_in,
                const char *tool_result_in,
                const char *tool_name,
                gboolean    force_tool,
                gint64      max_tokens)
{
  /* What is echoed must be UTF-8 (JSON strings may hold lone surrogates),
   * and short: a model does not repeat megabytes, and every frame of the
   * stream stays far below the event-stream limit. */
  g_autofree char *user_text = echo_text (user_text_in);
  g_autofree char *tool_result = tool_result_in != NULL ? echo_text (tool_result_in) : NULL;
  g_autofree char *order_id = NULL;

  a->stop_reason = "end_turn";
  if (tool_result != NULL)
    a->text = g_strdup_printf ("The tool returned: %s", tool_result);
  else if (tool_name != NULL && (mentions_order (self, user_text, &order_id) || force_tool))
    {
      g_autoptr(JsonObject) input = json_object_new ();
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, user_text, -1);

      if (order_id == NULL)
        order_id = g_strdup ("");
      json_object_set_string_member (input, "order_id", order_id);
      {
        g_autoptr(GBytes) bytes = object_to_bytes (input);

        a->tool_input = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      }
      a->text = *order_id != '\0' ? g_strdup_printf ("Let me look up order %s.", order_id)
                                  : g_strdup ("Let me look up your order.");
      a->tool_name = g_strdup (tool_name);
      a->tool_id = g_strdup_printf ("tooluse_%.22s", digest);
      a->stop_reason = "tool_use";
    }
  else
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (user_text));
      gsize len = strlen (trimmed);
      gboolean ends = len > 0 && strchr (".?!", trimmed[len - 1]) != NULL;

      a->text = g_strdup_printf ("You asked: %s%s " ANSWER_TAIL, trimmed, ends || len == 0 ? "" : ".");
    }

  if (max_tokens > 0 && a->tool_name == NULL && count_words (a->text) > max_tokens)
    {
      g_autoptr(GPtrArray) words = split_words (a->text);
      g_autoptr(GString) cut = g_string_new (NULL);

      for (gint64 i = 0; i < max_tokens; i++)
        g_string_append (cut, words->pdata[i]);
      g_free (a->text);
      a->text = g_string_free (g_steal_pointer (&cut), FALSE);
      a->stop_reason = "max_tokens";
    }
  a->output_tokens = count_words (a->text) + (a->tool_input != NULL ? count_words (a->tool_input) : 0);
}

/* -------------------------------------------------------------- Converse */

static void
append_text (GString    *out,
             const char *text)
{
  if (text == NULL || *text == '\0')
    return;
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append (out, text);
}

/* The text of a tool result's content blocks: JSON as compact JSON. */
static void
append_tool_result (GString   *out,
                    JsonArray *content)
{
  for (guint i = 0; content != NULL && i < json_array_get_length (content); i++)
    {
      JsonObject *block = array_object (content, i);
      JsonNode *json = block != NULL ? json_object_get_member (block, "json") : NULL;

      if (json != NULL)
        {
          g_autofree char *text = json_to_string (json, FALSE);

          append_text (out, text);
        }
      else
        append_text (out, get_string (block, "text"));
    }
}

static GBytes *
event_frame (const char *event_type,
             JsonObject *payload)
{
  g_autoptr(ParleyEventMessage) message = parley_event_message_new ();
  g_autoptr(GError) error = NULL;
  GBytes *frame;

  parley_event_message_add_string (message, ":event-type", event_type);
  parley_event_message_add_string (message, ":content-type", "application/json");
  parley_event_message_add_string (message, ":message-type", "event");
  message->payload = object_to_bytes (payload);
  json_object_unref (payload);
  frame = parley_event_message_encode (message, &error);
  /* Fixed headers and bounded payloads (MAX_ECHO): it cannot be too large. */
  g_assert_no_error (error);
  return frame;
}

static GBytes *
exception_frame (const char *exception_type,
                 JsonObject *payload)
{
  g_autoptr(ParleyEventMessage) message = parley_event_message_new ();
  g_autoptr(GError) error = NULL;
  GBytes *frame;

  parley_event_message_add_string (message, ":exception-type", exception_type);
  parley_event_message_add_string (message, ":content-type", "application/json");
  parley_event_message_add_string (message, ":message-type", "exception");
  message->payload = object_to_bytes (payload);
  json_object_unref (payload);
  frame = parley_event_message_encode (message, &error);
  g_assert_no_error (error);
  return frame;
}

static JsonObject *
usage_object (const Answer *a)
{
  JsonObject *usage = json_object_new ();

  json_object_set_int_member (usage, "inputTokens", a->input_tokens);
  json_object_set_int_member (usage, "outputTokens", a->output_tokens);
  json_object_set_int_member (usage, "totalTokens", a->input_tokens + a->output_tokens);
  return usage;
}

static JsonObject *
metrics_object (guint latency_ms)
{
  JsonObject *metrics = json_object_new ();

  json_object_set_int_member (metrics, "latencyMs", latency_ms);
  return metrics;
}

static JsonObject *
delta_event (guint       index,
             const char *kind,
             const char *text)
{
  JsonObject *payload = json_object_new ();
  JsonObject *delta = json_object_new ();

  json_object_set_int_member (payload, "contentBlockIndex", index);
  if (strcmp (kind, "text") == 0)
    json_object_set_string_member (delta, "text", text);
  else
    {
      JsonObject *tool = json_object_new ();

      json_object_set_string_member (tool, "input", text);
      json_object_set_object_member (delta, "toolUse", tool);
    }
  json_object_set_object_member (payload, "delta", delta);
  return payload;
}

static JsonObject *
block_stop_event (guint index)
{
  JsonObject *payload = json_object_new ();

  json_object_set_int_member (payload, "contentBlockIndex", index);
  return payload;
}

/* The frames of ConverseStream for @a, with the delays between them. */
static void
stream_converse (Request      *req,
                 const Answer *a)
{
  FakeAws *self = req->self;
  Reply *r = reply_new (req, SOUP_STATUS_OK, "application/vnd.amazon.eventstream", TRUE);
  g_autoptr(GPtrArray) words = split_words (a->text);
  g_autoptr(GPtrArray) input = a->tool_input != NULL ? split_bytes (a->tool_input, 10) : NULL;
  guint n_deltas = words->len + (input != NULL ? input->len : 0);
  guint latency = first_byte_delay (req) + (n_deltas > 0 ? (n_deltas - 1) * self->per_token_ms : 0);
  guint keep;
  JsonObject *payload;

  payload = json_object_new ();
  json_object_set_string_member (payload, "role", "assistant");
  reply_add (r, first_byte_delay (req), event_frame ("messageStart", payload));

  if (self->stamp_tokens > 0 && a->tool_name == NULL && !is_stream_fault (req->fault))
    for (guint i = 0; i < self->stamp_tokens; i++)
      reply_add_stamped (r, i > 0 ? self->per_token_ms : 0);
  else
    for (guint i = 0; i < words->len; i++)
      reply_add (r, i > 0 ? self->per_token_ms : 0, event_frame ("contentBlockDelta", delta_event (0, "text", words->pdata[i])));
  reply_add (r, 0, event_frame ("contentBlockStop", block_stop_event (0)));

  if (a->tool_name != NULL)
    {
      JsonObject *start = json_object_new ();
      JsonObject *tool = json_object_new ();

      json_object_set_string_member (tool, "toolUseId", a->tool_id);
      json_object_set_string_member (tool, "name", a->tool_name);
      json_object_set_object_member (start, "toolUse", tool);
      payload = json_object_new ();
      json_object_set_object_member (payload, "start", start);
      json_object_set_int_member (payload, "contentBlockIndex", 1);
      reply_add (r, 0, event_frame ("contentBlockStart", payload));
      for (guint i = 0; i < input->len; i++)
        reply_add (r, self->per_token_ms, event_frame ("contentBlockDelta", delta_event (1, "toolUse", input->pdata[i])));
      reply_add (r, 0, event_frame ("contentBlockStop", block_stop_event (1)));
    }

  payload = json_object_new ();
  json_object_set_string_member (payload, "stopReason", a->stop_reason);
  reply_add (r, 0, event_frame ("messageStop", payload));

  payload = json_object_new ();
  json_object_set_object_member (payload, "usage", usage_object (a));
  json_object_set_object_member (payload, "metrics", metrics_object (latency));
  reply_add (r, 0, event_frame ("metadata", payload));

  /* Stream faults: messageStart and two deltas, then the failure. */
  keep = 1 + MIN (2, words->len);
  if (is_stream_fault (req->fault))
    {
      Piece next = g_array_index (r->pieces, Piece, keep);
      GBytes *broken = NULL;

      g_bytes_ref (next.bytes);
      g_array_set_size (r->pieces, keep);
      switch (req->fault)
        {
        case FAKE_AWS_FAULT_EXCEPTION_MID_STREAM:
          payload = json_object_new ();
          json_object_set_string_member (payload, "message", "Too many requests, please wait before trying again.");
          broken = exception_frame ("throttlingException", payload);
          break;
        case FAKE_AWS_FAULT_MODEL_STREAM_ERROR:
          payload = json_object_new ();
          json_object_set_string_member (payload, "message", "The model stream failed.");
          json_object_set_int_member (payload, "originalStatusCode", 500);
          json_object_set_string_member (payload, "originalMessage", "internal model error");
          broken = exception_frame ("modelStreamErrorException", payload);
          break;
        case FAKE_AWS_FAULT_CORRUPT_CRC:
          {
            gsize len;
            guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (next.bytes), &len);

            copy[len - 1] ^= 0x5a;  /* the message CRC; the prelude stays valid */
            broken = g_bytes_new_take (copy, len);
          }
          break;
        case FAKE_AWS_FAULT_TRUNCATED_STREAM:
        default:
          broken = g_bytes_new_from_bytes (next.bytes, 0, g_bytes_get_size (next.bytes) / 2);
          break;
        }
      g_bytes_unref (next.bytes);
      reply_add (r, next.delay_ms, broken);
    }
  reply_start (r);
}

static void
handle_converse (Request  *req,
                 gboolean  stream)
{
  FakeAws *self = req->self;
  JsonObject *body = json_node_get_object (req->json);
  const char *model_id = g_hash_table_lookup (req->labels, "modelId");
  JsonArray *messages = get_array (body, "messages");
  JsonArray *system = get_array (body, "system");
  JsonObject *tool_config = get_object (body, "toolConfig");
  JsonArray *tools = get_array (tool_config, "tools");
  JsonObject *choice = get_object (tool_config, "toolChoice");
  JsonObject *last = NULL;
  g_autoptr(GString) all_text = g_string_new (NULL);
  g_autoptr(GString) user_text = g_string_new (NULL);
  g_autoptr(GString) tool_result = NULL;
  g_auto(Answer) answer = { 0 };
  const char *tool_name = NULL;
  gboolean force_tool = FALSE;
  gint64 max_tokens = 0;
  guint n;

  if (strstr (model_id, "embed") != NULL)
    {
      send_validation_error (req, "This action doesn't support the model that you provided. "
                                  "Try again with a supported text or chat model.");
      return;
    }

  n = messages != NULL ? json_array_get_length (messages) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *message = array_object (messages, i);
      const char *role = get_string (message, "role");
      JsonArray *content = get_array (message, "content");

      if (i == 0 && g_strcmp0 (role, "user") != 0)
        {
          send_validation_error (req, "A conversation must start with a user message. "
                                      "Try again with a conversation that starts with a user message.");
          return;
        }
      if (i > 0 && g_strcmp0 (role, get_string (array_object (messages, i - 1), "role")) == 0)
        {
          send_validation_error (req, "A conversation must alternate between user and assistant roles. "
                                      "Make sure the conversation alternates between user and assistant roles and try again.");
          return;
        }
      for (guint j = 0; content != NULL && j < json_array_get_length (content); j++)
        {
          JsonObject *block = array_object (content, j);
          JsonObject *result = get_object (block, "toolResult");

          append_text (all_text, get_string (block, "text"));
          if (result != NULL)
            append_tool_result (all_text, get_array (result, "content"));
        }
    }
  if (n == 0)
    {
      send_validation_error (req, "A conversation must start with a user message. "
                                  "Try again with a conversation that starts with a user message.");
      return;
    }
  for (guint i = 0; system != NULL && i < json_array_get_length (system); i++)
    append_text (all_text, get_string (array_object (system, i), "text"));

  /* The last user turn: its text, or the tool results it carries. */
  for (guint i = n; i > 0 && last == NULL; i--)
    if (g_strcmp0 (get_string (array_object (messages, i - 1), "role"), "user") == 0)
      last = array_object (messages, i - 1);
  if (last != NULL)
    {
      JsonArray *content = get_array (last, "content");

      for (guint j = 0; content != NULL && j < json_array_get_length (content); j++)
        {
          JsonObject *block = array_object (content, j);
          JsonObject *result = get_object (block, "toolResult");

          append_text (user_text, get_string (block, "text"));
          if (result != NULL)
            {
              if (tool_result == NULL)
                tool_result = g_string_new (NULL);
              append_tool_result (tool_result, get_array (result, "content"));
            }
        }
    }

  for (guint i = 0; tools != NULL && i < json_array_get_length (tools) && tool_name == NULL; i++)
    tool_name = get_string (get_object (array_object (tools, i), "toolSpec"), "name");
  if (get_object (choice, "tool") != NULL)
    {
      tool_name = get_string (get_object (choice, "tool"), "name");
      force_tool = TRUE;
    }
  else if (get_object (choice, "any") != NULL)
    force_tool = TRUE;

  if (get_object (body, "inferenceConfig") != NULL)
    max_tokens = json_object_get_int_member_with_default (get_object (body, "inferenceConfig"), "maxTokens", 0);

  answer_compose (self, &answer, user_text->str, tool_result != NULL ? tool_result->str : NULL,
                  tool_name, force_tool, max_tokens);
  answer.input_tokens = count_words (all_text->str);

  if (stream)
    {
      stream_converse (req, &answer);
      return;
    }

  {
    g_autoptr(JsonObject) reply = json_object_new ();
    JsonObject *output = json_object_new ();
    JsonObject *message = json_object_new ();
    JsonArray *content = json_array_new ();
    JsonObject *block = json_object_new ();

    json_object_set_string_member (block, "text", answer.text);
    json_array_add_object_element (content, block);
    if (answer.tool_name != NULL)
      {
        JsonObject *tool = json_object_new ();
        g_autoptr(JsonNode) input = json_from_string (answer.tool_input, NULL);

        json_object_set_string_member (tool, "toolUseId", answer.tool_id);
        json_object_set_string_member (tool, "name", answer.tool_name);
        json_object_set_member (tool, "input", g_steal_pointer (&input));
        block = json_object_new ();
        json_object_set_object_member (block, "toolUse", tool);
        json_array_add_object_element (content, block);
      }
    json_object_set_string_member (message, "role", "assistant");
    json_object_set_array_member (message, "content", content);
    json_object_set_object_member (output, "message", message);
    json_object_set_object_member (reply, "output", output);
    json_object_set_string_member (reply, "stopReason", answer.stop_reason);
    json_object_set_object_member (reply, "usage", usage_object (&answer));
    json_object_set_object_member (reply, "metrics", metrics_object (first_byte_delay (req)));
    send_json_ok (req, reply);
  }
}

/* ----------------------------------------------------------- InvokeModel */

static void
send_titan_error (Request    *req,
                  const char *detail)
{
  g_autofree char *message = g_strdup_printf ("Malformed input request: %s, please reformat your input and try again.",
                                              detail);

  send_validation_error (req, message);
}

/* Titan Text Embeddings v2: {"inputText", "dimensions", "normalize", "embeddingTypes"}. */
static void
handle_invoke_model (Request *req)
{
  const char *model_id = g_hash_table_lookup (req->labels, "modelId");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) keys = NULL;
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autofree float *vector = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  JsonObject *body;
  JsonNode *node;
  JsonArray *types = NULL;
  const char *text;
  gint64 dims = 1024;
  gboolean normalize = TRUE;
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);
  g_autofree char *count = NULL;

  if (strcmp (model_id, FAKE_AWS_TITAN_EMBED_V2) != 0 &&
      !(g_str_has_prefix (model_id, "arn:") && g_str_has_suffix (model_id, "foundation-model/" FAKE_AWS_TITAN_EMBED_V2)))
    {
      send_validation_error (req, "The provided model identifier is invalid.");
      return;
    }
  if (len > 0)
    {
      g_autofree char *copy = g_strndup (data, len);

      root = json_from_string (copy, NULL);
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      send_validation_error (req, "Malformed input request, please reformat your input and try again.");
      return;
    }
  body = json_node_get_object (root);
  keys = json_object_get_members (body);
  for (GList *l = keys; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "inputText") && !g_str_equal (l->data, "dimensions") &&
        !g_str_equal (l->data, "normalize") && !g_str_equal (l->data, "embeddingTypes"))
      {
        g_autofree char *detail = g_strdup_printf ("#: extraneous key [%s] is not permitted", (char *) l->data);

        send_titan_error (req, detail);
        return;
      }
  text = get_string (body, "inputText");
  if (text == NULL)
    {
      send_titan_error (req, json_object_has_member (body, "inputText")
                             ? "#/inputText: expected type: String" : "#: required key [inputText] not found");
      return;
    }
  if (*text == '\0' || g_utf8_strlen (text, -1) > 50000)
    {
      send_titan_error (req, "#/inputText: expected minLength: 1, maxLength: 50000");
      return;
    }
  node = json_object_get_member (body, "dimensions");
  if (node != NULL)
    {
      dims = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : -1;
      if (dims != 256 && dims != 512 && dims != 1024)
        {
          send_titan_error (req, "#/dimensions: must be one of 256, 512, 1024");
          return;
        }
    }
  node = json_object_get_member (body, "normalize");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          send_titan_error (req, "#/normalize: expected type: Boolean");
          return;
        }
      normalize = json_node_get_boolean (node);
    }
  if (json_object_has_member (body, "embeddingTypes"))
    {
      types = get_array (body, "embeddingTypes");
      for (guint i = 0; types == NULL || i < json_array_get_length (types); i++)
        {
          const char *type = types != NULL ? json_array_get_string_element (types, i) : NULL;

          if (type == NULL || strcmp (type, "float") != 0)
            {
              /* "binary" exists too; the fake makes float embeddings only. */
              send_titan_error (req, "#/embeddingTypes: only [\"float\"] is supported by this endpoint");
              return;
            }
        }
    }

  vector = embed_text (text, dims, normalize);
  json_object_set_member (reply, "embedding", float_array (vector, dims));
  json_object_set_int_member (reply, "inputTextTokenCount", count_words (text));
  if (types != NULL)
    {
      JsonObject *by_type = json_object_new ();

      json_object_set_member (by_type, "float", float_array (vector, dims));
      json_object_set_object_member (reply, "embeddingsByType", by_type);
    }
  count = g_strdup_printf ("%u", count_words (text));
  soup_message_headers_replace (headers, "X-Amzn-Bedrock-Input-Token-Count", count);
  send_json_ok (req, reply);
}

/* -------------------------------------------------------- ApplyGuardrail */

static void
handle_apply_guardrail (Request *req)
{
  FakeAws *self = req->self;
  JsonObject *body = json_node_get_object (req->json);
  JsonArray *content = get_array (body, "content");
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *outputs = json_array_new ();
  JsonArray *pii = json_array_new ();
  JsonArray *words = json_array_new ();
  JsonObject *assessment = json_object_new ();
  JsonArray *assessments = json_array_new ();
  JsonObject *usage, *coverage, *chars, *metrics;
  gboolean blocked = FALSE, masked = FALSE;
  guint total = 0, units = 0;

  for (guint i = 0; content != NULL && i < json_array_get_length (content); i++)
    {
      const char *text = get_string (get_object (array_object (content, i), "text"), "text");
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *replaced = NULL;
      JsonObject *output;

      if (text == NULL)
        continue;
      total += g_utf8_strlen (text, -1);
      units += (g_utf8_strlen (text, -1) + 999) / 1000;
      for (g_regex_match (self->email_regex, text, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          JsonObject *entity = json_object_new ();
          g_autofree char *found = g_match_info_fetch (match, 0);

          json_object_set_string_member (entity, "match", found);
          json_object_set_string_member (entity, "type", "EMAIL");
          json_object_set_string_member (entity, "action", "ANONYMIZED");
          json_object_set_boolean_member (entity, "detected", TRUE);
          json_array_add_object_element (pii, entity);
          masked = TRUE;
        }
      g_clear_pointer (&match, g_match_info_unref);
      for (g_regex_match (self->forbidden_regex, text, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          JsonObject *word = json_object_new ();
          g_autofree char *found = g_match_info_fetch (match, 0);

          json_object_set_string_member (word, "match", found);
          json_object_set_string_member (word, "action", "BLOCKED");
          json_object_set_boolean_member (word, "detected", TRUE);
          json_array_add_object_element (words, word);
          blocked = TRUE;
        }
      replaced = g_regex_replace_literal (self->email_regex, text, -1, 0, "{EMAIL}", 0, NULL);
      output = json_object_new ();
      json_object_set_string_member (output, "text", replaced != NULL ? replaced : text);
      json_array_add_object_element (outputs, output);
    }

  if (blocked)
    {
      /* A block replaces everything with the guardrail's message. */
      JsonObject *output = json_object_new ();

      json_array_unref (outputs);
      outputs = json_array_new ();
      json_object_set_string_member (output, "text", "Sorry, I can't help with that request.");
      json_array_add_object_element (outputs, output);
    }
  else if (!masked && g_strcmp0 (get_string (body, "outputScope"), "FULL") != 0)
    {
      /* Nothing to report: outputs only with outputScope FULL. */
      json_array_unref (outputs);
      outputs = json_array_new ();
    }

  usage = json_object_new ();
  json_object_set_int_member (usage, "topicPolicyUnits", 0);
  json_object_set_int_member (usage, "contentPolicyUnits", 0);
  json_object_set_int_member (usage, "wordPolicyUnits", units);
  json_object_set_int_member (usage, "sensitiveInformationPolicyUnits", units);
  json_object_set_int_member (usage, "sensitiveInformationPolicyFreeUnits", 0);
  json_object_set_int_member (usage, "contextualGroundingPolicyUnits", 0);

  chars = json_object_new ();
  json_object_set_int_member (chars, "guarded", total);
  json_object_set_int_member (chars, "total", total);
  coverage = json_object_new ();
  json_object_set_object_member (coverage, "textCharacters", chars);

  if (json_array_get_length (words) > 0)
    {
      JsonObject *policy = json_object_new ();

      json_object_set_array_member (policy, "customWords", json_array_ref (words));
      json_object_set_array_member (policy, "managedWordLists", json_array_new ());
      json_object_set_object_member (assessment, "wordPolicy", policy);
    }
  if (json_array_get_length (pii) > 0)
    {
      JsonObject *policy = json_object_new ();

      json_object_set_array_member (policy, "piiEntities", json_array_ref (pii));
      json_object_set_array_member (policy, "regexes", json_array_new ());
      json_object_set_object_member (assessment, "sensitiveInformationPolicy", policy);
    }
  json_array_unref (words);
  json_array_unref (pii);
  metrics = json_object_new ();
  json_object_set_int_member (metrics, "guardrailProcessingLatency", first_byte_delay (req));
  json_object_set_object_member (metrics, "usage", json_object_ref (usage));
  json_object_set_object_member (metrics, "guardrailCoverage", json_object_ref (coverage));
  json_object_set_object_member (assessment, "invocationMetrics", metrics);
  json_array_add_object_element (assessments, assessment);

  json_object_set_object_member (reply, "usage", usage);
  json_object_set_string_member (reply, "action", blocked || masked ? "GUARDRAIL_INTERVENED" : "NONE");
  if (blocked || masked)
    json_object_set_string_member (reply, "actionReason", blocked ? "Guardrail blocked." : "Guardrail masked.");
  json_object_set_array_member (reply, "outputs", outputs);
  json_object_set_array_member (reply, "assessments", assessments);
  json_object_set_object_member (reply, "guardrailCoverage", coverage);
  send_json_ok (req, reply);
}

/* -------------------------------------------------------------- Retrieve */

typedef struct {
  Passage *passage;
  double   score;
  guint    order;
} Hit;

static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const Hit *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
handle_retrieve (Request *req)
{
  FakeAws *self = req->self;
  JsonObject *body = json_node_get_object (req->json);
  const char *kb_id = g_hash_table_lookup (req->labels, "knowledgeBaseId");
  const char *query = get_string (get_object (body, "retrievalQuery"), "text");
  JsonObject *vector = get_object (get_object (body, "retrievalConfiguration"), "vectorSearchConfiguration");
  gint64 k = vector != NULL ? json_object_get_int_member_with_default (vector, "numberOfResults", KB_DEFAULT_RESULTS)
                            : KB_DEFAULT_RESULTS;
  GPtrArray *passages = g_hash_table_lookup (self->kbs, kb_id);
  g_auto(GStrv) qwords = distinct_words (query);
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *results = json_array_new ();
  guint nq = g_strv_length (qwords);

  if (passages == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Knowledge base %s does not exist.", kb_id);

      json_array_unref (results);
      send_aws_error (req, SOUP_STATUS_NOT_FOUND, "ResourceNotFoundException", CORAL_BEDROCK, message);
      return;
    }

  for (guint i = 0; i < passages->len; i++)
    {
      Passage *p = passages->pdata[i];
      guint overlap = 0, np = g_strv_length (p->words);

      for (guint j = 0; j < nq; j++)
        overlap += g_strv_contains ((const char * const *) p->words, qwords[j]);
      if (overlap > 0)
        {
          Hit hit = { p, overlap / sqrt ((double) nq * np), i };

          g_array_append_val (hits, hit);
        }
    }
  g_array_sort (hits, compare_hits);

  for (guint i = 0; i < hits->len && i < k; i++)
    {
      Hit *hit = &g_array_index (hits, Hit, i);
      JsonObject *result = json_object_new ();
      JsonObject *content = json_object_new ();
      JsonObject *location = json_object_new ();
      JsonObject *where = json_object_new ();
      JsonObject *metadata = json_object_new ();
      gboolean s3 = g_str_has_prefix (hit->passage->uri, "s3://");
      g_autofree char *chunk_id = g_strdup_printf ("%s-%u", kb_id, hit->order);

      json_object_set_string_member (content, "text", hit->passage->text);
      json_object_set_string_member (content, "type", "TEXT");
      json_object_set_string_member (where, s3 ? "uri" : "url", hit->passage->uri);
      json_object_set_string_member (location, "type", s3 ? "S3" : "WEB");
      json_object_set_object_member (location, s3 ? "s3Location" : "webLocation", where);
      json_object_set_string_member (metadata, "x-amz-bedrock-kb-source-uri", hit->passage->uri);
      json_object_set_string_member (metadata, "x-amz-bedrock-kb-chunk-id", chunk_id);
      json_object_set_object_member (result, "content", content);
      json_object_set_object_member (result, "location", location);
      json_object_set_object_member (result, "metadata", metadata);
      json_object_set_double_member (result, "score", hit->score);
      json_array_add_object_element (results, result);
    }
  json_object_set_array_member (reply, "retrievalResults", results);
  send_json_ok (req, reply);
}

/* ----------------------------------------------------------- the Bedrock */

static const char * const runtime_operations[] = { "Converse", "ConverseStream", "InvokeModel", "ApplyGuardrail", NULL };
static const char * const agent_operations[] = { "Retrieve", NULL };

static void
add_header_cb (const char *name,
               const char *value,
               gpointer    user_data)
{
  parley_http_headers_add (user_data, name, value);
}

/* Whether @req carries a valid signature for @service; answers it as AWS would if not. */
static gboolean
check_signature (Request    *req,
                 const char *service)
{
  FakeAws *self = req->self;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (req->msg);
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *authorization = soup_message_headers_get_one (in, "Authorization");
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autoptr(GError) error = NULL;
  ParleyAwsKeys keys = { FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SECRET_ACCESS_KEY, NULL };
  ParleyHttpRequest request = { 0 };
  const char *credential;
  g_auto(GStrv) scope = NULL;
  gsize body_len;

  if (authorization == NULL)
    {
      send_aws_error (req, SOUP_STATUS_FORBIDDEN, "MissingAuthenticationTokenException", CORAL_SERVICE,
                      "Missing Authentication Token");
      return FALSE;
    }
  credential = strstr (authorization, "Credential=");
  if (!g_str_has_prefix (authorization, "AWS4-HMAC-SHA256 ") || credential == NULL ||
      strstr (authorization, "SignedHeaders=") == NULL || strstr (authorization, "Signature=") == NULL)
    {
      send_aws_error (req, SOUP_STATUS_BAD_REQUEST, "IncompleteSignatureException", CORAL_SERVICE,
                      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters "
                      "with the AWS4-HMAC-SHA256 algorithm.");
      return FALSE;
    }
  credential += strlen ("Credential=");
  {
    g_autofree char *value = g_strndup (credential, strcspn (credential, ", "));

    scope = g_strsplit (value, "/", -1);
  }
  if (g_strv_length (scope) != 5 || strcmp (scope[0], FAKE_AWS_ACCESS_KEY_ID) != 0)
    {
      send_aws_error (req, SOUP_STATUS_FORBIDDEN, "UnrecognizedClientException", CORAL_SERVICE,
                      "The security token included in the request is invalid.");
      return FALSE;
    }
  if (strcmp (scope[3], service) != 0)
    {
      g_autofree char *message = g_strdup_printf ("Credential should be scoped to correct service: '%s'.", service);

      send_aws_error (req, SOUP_STATUS_FORBIDDEN, "InvalidSignatureException", CORAL_SERVICE, message);
      return FALSE;
    }

  soup_message_headers_foreach (in, add_header_cb, headers);
  request.method = soup_server_message_get_method (req->msg);
  request.path = g_uri_get_path (uri);
  request.query = g_uri_get_query (uri);
  request.headers = headers;
  request.body = g_bytes_get_data (req->body, &body_len);
  request.body_len = body_len;
  if (!parley_sigv4_verify (&request, &keys, service, g_get_real_time () / G_USEC_PER_SEC, MAX_CLOCK_SKEW, &error))
    {
      const char *message = error->message;

      if (g_error_matches (error, PARLEY_ERROR, PARLEY_ERROR_FAILED))
        message = "The request signature we calculated does not match the signature you provided. "
                  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
      send_aws_error (req, SOUP_STATUS_FORBIDDEN, "InvalidSignatureException", CORAL_SERVICE, message);
      return FALSE;
    }

  g_free (self->last_region);
  self->last_region = g_strdup (scope[2]);
  return TRUE;
}

static OpStats *
stats_for (FakeAws    *self,
           const char *operation)
{
  OpStats *stats = g_hash_table_lookup (self->stats, operation);

  if (stats == NULL)
    {
      stats = g_new0 (OpStats, 1);
      g_hash_table_insert (self->stats, g_strdup (operation), stats);
    }
  return stats;
}

static void
record_request (Request *req)
{
  const char *keys[] = { "", req->operation };
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      OpStats *stats = stats_for (req->self, keys[i]);

      stats->n_requests++;
      g_free (stats->last_body);
      stats->last_body = g_strndup (data != NULL ? data : "", len);
      g_clear_pointer (&stats->last_headers, soup_message_headers_unref);
      stats->last_headers = soup_message_headers_ref (soup_server_message_get_request_headers (req->msg));
    }
}

static FakeAwsFault
take_fault (FakeAws    *self,
            const char *operation)
{
  const char *keys[] = { operation, "" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GQueue *queue = g_hash_table_lookup (self->faults, keys[i]);

      if (queue != NULL && !g_queue_is_empty (queue))
        return GPOINTER_TO_UINT (g_queue_pop_head (queue));
    }
  return FAKE_AWS_FAULT_NONE;
}

static void
handle_bedrock (Request    *req,
                const char *method,
                const char *raw_path)
{
  FakeAws *self = req->self;
  FakeAwsModel *model = self->runtime;
  g_autoptr(GHashTable) headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  FakeAwsInput input = { 0 };
  gboolean stream;

  req->operation = fake_aws_model_match (model, runtime_operations, method, raw_path, &req->labels);
  if (req->operation == NULL)
    {
      model = self->agent;
      req->operation = fake_aws_model_match (model, agent_operations, method, raw_path, &req->labels);
    }
  if (req->operation == NULL)
    {
      g_autofree char *message = g_strdup_printf ("No operation matches %s %s.", method, raw_path);

      send_aws_error (req, SOUP_STATUS_NOT_FOUND, "UnknownOperationException", CORAL_SERVICE, message);
      return;
    }
  record_request (req);
  stream = strcmp (req->operation, "ConverseStream") == 0;

  if (!check_signature (req, fake_aws_model_get_signing_name (model)))
    return;
  req->fault = take_fault (self, req->operation);
  if (send_bedrock_fault (req, stream))
    return;

  if (fake_aws_model_has_json_input (model, req->operation) && g_bytes_get_size (req->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize len;
      const char *data = g_bytes_get_data (req->body, &len);

      if (!json_parser_load_from_data (parser, data, len, &error) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          g_autofree char *message = g_strdup_printf ("The request body is not a JSON object: %s",
                                                      error != NULL ? error->message : "wrong type");

          send_aws_error (req, SOUP_STATUS_BAD_REQUEST, "SerializationException", CORAL_BEDROCK, message);
          return;
        }
      req->json = json_parser_steal_root (parser);
    }

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (req->msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_insert (headers, g_ascii_strdown (name, -1), (gpointer) value);
  input.body = req->json;
  input.labels = req->labels;
  input.headers = headers;
  if (!fake_aws_model_validate_input (model, req->operation, &input, &error))
    {
      send_validation_error (req, error->message);
      return;
    }
  if (req->json == NULL && fake_aws_model_has_json_input (model, req->operation))
    req->json = json_from_string ("{}", NULL);

  if (strcmp (req->operation, "Converse") == 0)
    handle_converse (req, FALSE);
  else if (stream)
    handle_converse (req, TRUE);
  else if (strcmp (req->operation, "InvokeModel") == 0)
    handle_invoke_model (req);
  else if (strcmp (req->operation, "ApplyGuardrail") == 0)
    handle_apply_guardrail (req);
  else
    handle_retrieve (req);
}

/* ---------------------------------------------------------- OpenAI side */

/* The text of a message's "content": a string or an array of text parts. */
static void
append_openai_content (GString    *out,
                       JsonObject *message)
{
  JsonNode *content = json_object_get_member (message, "content");

  if (content == NULL)
    return;
  if (JSON_NODE_HOLDS_VALUE (content) && json_node_get_value_type (content) == G_TYPE_STRING)
    append_text (out, json_node_get_string (content));
  else if (JSON_NODE_HOLDS_ARRAY (content))
    {
      JsonArray *parts = json_node_get_array (content);

      for (guint i = 0; i < json_array_get_length (parts); i++)
        append_text (out, get_string (array_object (parts, i), "text"));
    }
}

static GBytes *
sse_event (JsonObject *chunk)
{
  g_autoptr(GBytes) json = object_to_bytes (chunk);
  GString *out = g_string_new ("data: ");

  json_object_unref (chunk);
  g_string_append_len (out, g_bytes_get_data (json, NULL), g_bytes_get_size (json));
  g_string_append (out, "\n\n");
  return g_string_free_to_bytes (out);
}

typedef struct {
  const char *id;
  const char *model;
  gint64      created;
  gboolean    include_usage;
} ChunkInfo;

static JsonObject *
chat_chunk (const ChunkInfo *info,
            JsonObject      *delta,
            const char      *finish_reason)
{
  JsonObject *chunk = json_object_new ();
  JsonArray *choices = json_array_new ();
  JsonObject *choice = json_object_new ();

  json_object_set_string_member (chunk, "id", info->id);
  json_object_set_string_member (chunk, "object", "chat.completion.chunk");
  json_object_set_int_member (chunk, "created", info->created);
  json_object_set_string_member (chunk, "model", info->model);
  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "delta", delta);
  json_object_set_null_member (choice, "logprobs");
  if (finish_reason != NULL)
    json_object_set_string_member (choice, "finish_reason", finish_reason);
  else
    json_object_set_null_member (choice, "finish_reason");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (chunk, "choices", choices);
  if (info->include_usage)
    json_object_set_null_member (chunk, "usage");
  return chunk;
}

static JsonObject *
openai_usage (const Answer *a)
{
  JsonObject *usage = json_object_new ();

  json_object_set_int_member (usage, "prompt_tokens", a->input_tokens);
  json_object_set_int_member (usage, "completion_tokens", a->output_tokens);
  json_object_set_int_member (usage, "total_tokens", a->input_tokens + a->output_tokens);
  return usage;
}

static JsonObject *
tool_call_object (const Answer *a,
                  gboolean      with_index,
                  const char   *arguments)
{
  JsonObject *call = json_object_new ();
  JsonObject *function = json_object_new ();

  if (with_index)
    json_object_set_int_member (call, "index", 0);
  json_object_set_string_member (call, "id", a->tool_id);
  json_object_set_string_member (call, "type", "function");
  json_object_set_string_member (function, "name", a->tool_name);
  json_object_set_string_member (function, "arguments", arguments);
  json_object_set_object_member (call, "function", function);
  return call;
}

static void
stream_chat (Request         *req,
             const Answer    *a,
             const ChunkInfo *info)
{
  FakeAws *self = req->self;
  Reply *r = reply_new (req, SOUP_STATUS_OK, "text/event-stream", TRUE);
  const char *finish = a->tool_name != NULL ? "tool_calls" : g_strcmp0 (a->stop_reason, "max_tokens") == 0 ? "length" : "stop";
  JsonObject *delta;
  guint n_deltas, keep;

  delta = json_object_new ();
  json_object_set_string_member (delta, "role", "assistant");
  if (a->tool_name != NULL)
    {
      JsonArray *calls = json_array_new ();

      json_object_set_null_member (delta, "content");
      json_array_add_object_element (calls, tool_call_object (a, TRUE, ""));
      json_object_set_array_member (delta, "tool_calls", calls);
    }
  else
    json_object_set_string_member (delta, "content", "");
  reply_add (r, first_byte_delay (req), sse_event (chat_chunk (info, delta, NULL)));

  if (a->tool_name != NULL)
    {
      g_autoptr(GPtrArray) pieces = split_bytes (a->tool_input, 10);

      n_deltas = pieces->len;
      for (guint i = 0; i < pieces->len; i++)
        {
          JsonArray *calls = json_array_new ();
          JsonObject *call = json_object_new ();
          JsonObject *function = json_object_new ();

          json_object_set_int_member (call, "index", 0);
          json_object_set_string_member (function, "arguments", pieces->pdata[i]);
          json_object_set_object_member (call, "function", function);
          json_array_add_object_element (calls, call);
          delta = json_object_new ();
          json_object_set_array_member (delta, "tool_calls", calls);
          reply_add (r, i > 0 ? self->per_token_ms : 0, sse_event (chat_chunk (info, delta, NULL)));
        }
    }
  else
    {
      g_autoptr(GPtrArray) words = split_words (a->text);

      n_deltas = words->len;
      for (guint i = 0; i < words->len; i++)
        {
          delta = json_object_new ();
          json_object_set_string_member (delta, "content", words->pdata[i]);
          reply_add (r, i > 0 ? self->per_token_ms : 0, sse_event (chat_chunk (info, delta, NULL)));
        }
    }

  reply_add (r, 0, sse_event (chat_chunk (info, json_object_new (), finish)));
  if (info->include_usage)
    {
      JsonObject *chunk = json_object_new ();

      json_object_set_string_member (chunk, "id", info->id);
      json_object_set_string_member (chunk, "object", "chat.completion.chunk");
      json_object_set_int_member (chunk, "created", info->created);
      json_object_set_string_member (chunk, "model", info->model);
      json_object_set_array_member (chunk, "choices", json_array_new ());
      json_object_set_object_member (chunk, "usage", openai_usage (a));
      reply_add (r, 0, sse_event (chunk));
    }
  reply_add (r, 0, g_bytes_new_static ("data: [DONE]\n\n", strlen ("data: [DONE]\n\n")));

  keep = 1 + MIN (2, n_deltas);
  if (is_stream_fault (req->fault))
    {
      Piece next = g_array_index (r->pieces, Piece, keep);
      GBytes *broken;

      g_bytes_ref (next.bytes);
      g_array_set_size (r->pieces, keep);
      if (req->fault == FAKE_AWS_FAULT_EXCEPTION_MID_STREAM || req->fault == FAKE_AWS_FAULT_MODEL_STREAM_ERROR)
        {
          static const char text[] =
            "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
            "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";

          broken = g_bytes_new_static (text, sizeof text - 1);
        }
      else if (req->fault == FAKE_AWS_FAULT_CORRUPT_CRC)
        {
          /* A complete event whose data is not JSON. */
          g_autoptr(GBytes) half = g_bytes_new_from_bytes (next.bytes, 0, g_bytes_get_size (next.bytes) / 2);
          GString *out = g_string_new_len (g_bytes_get_data (half, NULL), g_bytes_get_size (half));

          g_string_append (out, "\n\n");
          broken = g_string_free_to_bytes (out);
        }
      else
        broken = g_bytes_new_from_bytes (next.bytes, 0, g_bytes_get_size (next.bytes) / 2);
      g_bytes_unref (next.bytes);
      reply_add (r, next.delay_ms, broken);
    }
  reply_start (r);
}

static void
handle_chat (Request *req)
{
  FakeAws *self = req->self;
  JsonObject *body = json_node_get_object (req->json);
  JsonArray *messages = get_array (body, "messages");
  JsonArray *tools = get_array (body, "tools");
  JsonNode *choice = json_object_get_member (body, "tool_choice");
  JsonNode *stream_node = json_object_get_member (body, "stream");
  const char *model = get_string (body, "model");
  g_autoptr(GString) all_text = g_string_new (NULL);
  g_autoptr(GString) user_text = g_string_new (NULL);
  g_autoptr(GString) tool_result = NULL;
  g_auto(Answer) answer = { 0 };
  g_autofree char *digest = NULL;
  g_autofree char *id = NULL;
  const char *tool_name = NULL;
  gboolean force_tool = FALSE, stream = FALSE;
  gint64 max_tokens = 0;
  ChunkInfo info;
  guint n;

  if (model == NULL || *model == '\0')
    {
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "model",
                         "you must provide a model parameter");
      return;
    }
  n = messages != NULL ? json_array_get_length (messages) : 0;
  if (n == 0)
    {
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "messages",
                         "'messages' must be a non-empty array");
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *message = array_object (messages, i);
      const char *role = get_string (message, "role");
      static const char * const roles[] = { "system", "developer", "user", "assistant", "tool", NULL };

      if (role == NULL || !g_strv_contains (roles, role))
        {
          g_autofree char *param = g_strdup_printf ("messages.[%u].role", i);

          send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, param,
                             "each message needs a role: system, developer, user, assistant or tool");
          return;
        }
      append_openai_content (all_text, message);
    }
  if (stream_node != NULL && !JSON_NODE_HOLDS_NULL (stream_node))
    {
      if (!JSON_NODE_HOLDS_VALUE (stream_node) || json_node_get_value_type (stream_node) != G_TYPE_BOOLEAN)
        {
          send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "stream",
                             "'stream' must be a boolean");
          return;
        }
      stream = json_node_get_boolean (stream_node);
    }

  /* Trailing tool messages are results; otherwise answer the last user message. */
  for (guint i = n; i > 0; i--)
    {
      JsonObject *message = array_object (messages, i - 1);

      if (g_strcmp0 (get_string (message, "role"), "tool") != 0)
        break;
      if (tool_result == NULL)
        tool_result = g_string_new (NULL);
      append_openai_content (tool_result, message);
    }
  for (guint i = n; i > 0; i--)
    {
      JsonObject *message = array_object (messages, i - 1);

      if (g_strcmp0 (get_string (message, "role"), "user") == 0)
        {
          append_openai_content (user_text, message);
          break;
        }
    }

  for (guint i = 0; tools != NULL && i < json_array_get_length (tools) && tool_name == NULL; i++)
    tool_name = get_string (get_object (array_object (tools, i), "function"), "name");
  if (choice != NULL && JSON_NODE_HOLDS_OBJECT (choice))
    {
      tool_name = get_string (get_object (json_node_get_object (choice), "function"), "name");
      force_tool = tool_name != NULL;
    }
  else if (choice != NULL && JSON_NODE_HOLDS_VALUE (choice) && g_strcmp0 (json_node_get_string (choice), "none") == 0)
    tool_name = NULL;
  else if (choice != NULL && JSON_NODE_HOLDS_VALUE (choice) && g_strcmp0 (json_node_get_string (choice), "required") == 0)
    force_tool = TRUE;
  max_tokens = json_object_get_int_member_with_default (body, "max_completion_tokens",
                                                        json_object_get_int_member_with_default (body, "max_tokens", 0));

  answer_compose (self, &answer, user_text->str, tool_result != NULL ? tool_result->str : NULL,
                  tool_name, force_tool, max_tokens);
  answer.input_tokens = count_words (all_text->str);
  if (answer.tool_id != NULL)
    {
      /* OpenAI's ids look like call_…; the arguments are the same JSON. */
      char *call = g_strdup_printf ("call_%s", answer.tool_id + strlen ("tooluse_"));

      g_free (answer.tool_id);
      answer.tool_id = call;
    }

  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, req->body);
  id = g_strdup_printf ("chatcmpl-%.24s", digest);
  info.id = id;
  info.model = model;
  info.created = g_get_real_time () / G_USEC_PER_SEC;
  info.include_usage = get_object (body, "stream_options") != NULL &&
                       json_object_get_boolean_member_with_default (get_object (body, "stream_options"),
                                                                    "include_usage", FALSE);

  if (stream)
    {
      stream_chat (req, &answer, &info);
      return;
    }

  {
    g_autoptr(JsonObject) reply = json_object_new ();
    JsonArray *choices = json_array_new ();
    JsonObject *item = json_object_new ();
    JsonObject *message = json_object_new ();

    json_object_set_string_member (message, "role", "assistant");
    if (answer.tool_name != NULL)
      {
        JsonArray *calls = json_array_new ();

        json_object_set_null_member (message, "content");
        json_array_add_object_element (calls, tool_call_object (&answer, FALSE, answer.tool_input));
        json_object_set_array_member (message, "tool_calls", calls);
      }
    else
      json_object_set_string_member (message, "content", answer.text);
    json_object_set_int_member (item, "index", 0);
    json_object_set_object_member (item, "message", message);
    json_object_set_null_member (item, "logprobs");
    json_object_set_string_member (item, "finish_reason",
                                   answer.tool_name != NULL ? "tool_calls"
                                   : strcmp (answer.stop_reason, "max_tokens") == 0 ? "length" : "stop");
    json_array_add_object_element (choices, item);
    json_object_set_string_member (reply, "id", id);
    json_object_set_string_member (reply, "object", "chat.completion");
    json_object_set_int_member (reply, "created", info.created);
    json_object_set_string_member (reply, "model", model);
    json_object_set_array_member (reply, "choices", choices);
    json_object_set_object_member (reply, "usage", openai_usage (&answer));
    send_json_ok (req, reply);
  }
}

static void
handle_embeddings (Request *req)
{
  JsonObject *body = json_node_get_object (req->json);
  JsonNode *input = json_object_get_member (body, "input");
  const char *model = get_string (body, "model");
  const char *format = get_string (body, "encoding_format");
  JsonNode *dims_node = json_object_get_member (body, "dimensions");
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *data = json_array_new ();
  JsonObject *usage = json_object_new ();
  gint64 dims = OPENAI_EMBED_DIMS;
  guint tokens = 0;

  if (model == NULL || *model == '\0')
    {
      json_array_unref (data);
      json_object_unref (usage);
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "model",
                         "you must provide a model parameter");
      return;
    }
  if (input != NULL && JSON_NODE_HOLDS_VALUE (input) && json_node_get_value_type (input) == G_TYPE_STRING)
    g_ptr_array_add (texts, (gpointer) json_node_get_string (input));
  else if (input != NULL && JSON_NODE_HOLDS_ARRAY (input))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (input)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (input), i);

        if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
          {
            g_ptr_array_set_size (texts, 0);
            break;
          }
        g_ptr_array_add (texts, (gpointer) json_node_get_string (item));
      }
  if (texts->len == 0)
    {
      json_array_unref (data);
      json_object_unref (usage);
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "input",
                         "'input' must be a string or a non-empty array of strings");
      return;
    }
  if (dims_node != NULL)
    {
      dims = JSON_NODE_HOLDS_VALUE (dims_node) && json_node_get_value_type (dims_node) == G_TYPE_INT64
             ? json_node_get_int (dims_node) : 0;
      if (dims < 1 || dims > 4096)
        {
          json_array_unref (data);
          json_object_unref (usage);
          send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "dimensions",
                             "'dimensions' must be an integer from 1 to 4096");
          return;
        }
    }
  if (format != NULL && strcmp (format, "float") != 0 && strcmp (format, "base64") != 0)
    {
      json_array_unref (data);
      json_object_unref (usage);
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "encoding_format",
                         "'encoding_format' must be float or base64");
      return;
    }

  for (guint i = 0; i < texts->len; i++)
    {
      g_autofree float *v = embed_text (texts->pdata[i], dims, TRUE);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "object", "embedding");
      json_object_set_int_member (item, "index", i);
      if (format != NULL && strcmp (format, "base64") == 0)
        {
          /* Little-endian float32, as OpenAI sends it. */
          g_autofree guint32 *le = g_new (guint32, dims);
          g_autofree char *b64 = NULL;

          for (gint64 j = 0; j < dims; j++)
            {
              guint32 bits;

              memcpy (&bits, &v[j], sizeof bits);
              le[j] = GUINT32_TO_LE (bits);
            }
          b64 = g_base64_encode ((const guchar *) le, dims * sizeof (guint32));
          json_object_set_string_member (item, "embedding", b64);
        }
      else
        json_object_set_member (item, "embedding", float_array (v, dims));
      json_array_add_object_element (data, item);
      tokens += count_words (texts->pdata[i]);
    }
  json_object_set_string_member (reply, "object", "list");
  json_object_set_array_member (reply, "data", data);
  json_object_set_string_member (reply, "model", model);
  json_object_set_int_member (usage, "prompt_tokens", tokens);
  json_object_set_int_member (usage, "total_tokens", tokens);
  json_object_set_object_member (reply, "usage", usage);
  send_json_ok (req, reply);
}

static void
handle_openai (Request    *req,
               const char *method,
               const char *raw_path)
{
  FakeAws *self = req->self;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (req->msg);
  const char *authorization = soup_message_headers_get_one (in, "Authorization");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);
  JsonNode *stream;
  gboolean is_chat;

  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "x-request-id", req->request_id);
  is_chat = strcmp (method, "POST") == 0 && strcmp (raw_path, "/v1/chat/completions") == 0;
  if (is_chat)
    req->operation = FAKE_AWS_OP_CHAT_COMPLETIONS;
  else if (strcmp (method, "POST") == 0 && strcmp (raw_path, "/v1/embeddings") == 0)
    req->operation = FAKE_AWS_OP_EMBEDDINGS;
  else
    {
      g_autofree char *message = g_strdup_printf ("Unknown request URL: %s %s.", method, raw_path);

      send_openai_error (req, SOUP_STATUS_NOT_FOUND, "invalid_request_error", "unknown_url", NULL, message);
      return;
    }
  record_request (req);

  /* The key is compared, never echoed. */
  if (g_strcmp0 (authorization, "Bearer " FAKE_AWS_OPENAI_KEY) != 0)
    {
      send_openai_error (req, SOUP_STATUS_UNAUTHORIZED, "invalid_request_error", "invalid_api_key", NULL,
                         authorization == NULL ? "You didn't provide an API key."
                                               : "Incorrect API key provided.");
      return;
    }

  if (!json_parser_load_from_data (parser, data != NULL ? data : "", len, &error) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      send_openai_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, NULL,
                         "We could not parse the JSON body of your request.");
      return;
    }
  req->json = json_parser_steal_root (parser);
  stream = json_object_get_member (json_node_get_object (req->json), "stream");

  req->fault = take_fault (self, req->operation);
  if (send_openai_fault (req, is_chat &&
                              stream != NULL && JSON_NODE_HOLDS_VALUE (stream) &&
                              json_node_get_value_type (stream) == G_TYPE_BOOLEAN && json_node_get_boolean (stream)))
    return;

  if (is_chat)
    handle_chat (req);
  else
    handle_embeddings (req);
}

/* --------------------------------------------------------------- server */

static void
request_free (Request *req)
{
  g_clear_object (&req->msg);
  g_free (req->request_id);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_pointer (&req->json, json_node_unref);
  g_clear_pointer (&req->labels, g_hash_table_unref);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  FakeAws *self = user_data;
  g_autoptr(Request) req = g_new0 (Request, 1);
  const char *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  req->self = self;
  req->msg = g_object_ref (msg);
  req->request_id = g_uuid_string_random ();
  req->body = body != NULL ? soup_message_body_flatten (body) : g_bytes_new_static ("", 0);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "x-amzn-RequestId", req->request_id);

  /* Each stream frame goes out when written, as a real service sends it:
   * without Nagle's algorithm holding small writes back. */
  if (soup_server_message_get_socket (msg) != NULL)
    g_socket_set_option (soup_server_message_get_socket (msg), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (g_str_has_prefix (raw_path, "/v1/"))
    handle_openai (req, method, raw_path);
  else
    handle_bedrock (req, method, raw_path);
}

static FakeAwsModel *
load_model (const char  *name,
            GError     **error)
{
  g_autofree char *path = g_strconcat (MODELS_PATH, name, NULL);
  g_autoptr(GBytes) json = g_resource_lookup_data (fake_aws_get_resource (), path, 0, error);

  return json != NULL ? fake_aws_model_new (json, error) : NULL;
}

static void
op_stats_free (gpointer data)
{
  OpStats *stats = data;

  g_free (stats->last_body);
  g_clear_pointer (&stats->last_headers, soup_message_headers_unref);
  g_free (stats);
}

static void
passage_free (gpointer data)
{
  Passage *p = data;

  g_free (p->text);
  g_free (p->uri);
  g_strfreev (p->words);
  g_free (p);
}

static void
queue_free (gpointer data)
{
  g_queue_free (data);
}

FakeAws *
fake_aws_new (GError **error)
{
  return fake_aws_new_on_port (0, error);
}

/**
 * fake_aws_new_on_port:
 * @port: the TCP port on 127.0.0.1, or 0 for a free one
 *
 * Returns: (transfer full): a listening fake, serving on the
 *   thread-default main context, or %NULL
 */
FakeAws *
fake_aws_new_on_port (guint16   port,
                      GError  **error)
{
  FakeAws *self = g_new0 (FakeAws, 1);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketAddress) bound = NULL;

  self->context = g_main_context_ref_thread_default ();
  self->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free);
  self->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, op_stats_free);
  self->kbs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->replies = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) reply_free, NULL);
  self->fault_delay_ms = DEFAULT_FAULT_MS;
  self->order_id_regex = g_regex_new ("\\b[A-Z]{1,3}-[0-9]{3,}\\b", G_REGEX_OPTIMIZE, 0, NULL);
  self->order_word_regex = g_regex_new ("\\b(order|orders|pedido|commande|bestellung)\\b|订单",
                                        G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  self->email_regex = g_regex_new ("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", G_REGEX_OPTIMIZE, 0, NULL);
  self->forbidden_regex = g_regex_new ("\\bforbidden\\b", G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);

  self->runtime = load_model ("bedrock-runtime.json", error);
  if (self->runtime == NULL)
    goto failed;
  self->agent = load_model ("bedrock-agent-runtime.json", error);
  if (self->agent == NULL)
    goto failed;

  self->server = soup_server_new ("raw-paths", TRUE, "server-header", "parley-fake-aws", NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);

  /* Our own socket: a long listen backlog for hundreds of simultaneous connections. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    goto failed;
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (self->server, socket, 0, error))
    goto failed;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    goto failed;
  self->url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  return self;

failed:
  fake_aws_free (self);
  return NULL;
}

void
fake_aws_free (FakeAws *self)
{
  if (self == NULL)
    return;
  /* Replies first: they hold messages of the server. */
  g_hash_table_remove_all (self->replies);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_hash_table_unref (self->replies);
  g_clear_pointer (&self->runtime, fake_aws_model_free);
  g_clear_pointer (&self->agent, fake_aws_model_free);
  g_hash_table_unref (self->faults);
  g_hash_table_unref (self->stats);
  g_hash_table_unref (self->kbs);
  g_regex_unref (self->order_id_regex);
  g_regex_unref (self->order_word_regex);
  g_regex_unref (self->email_regex);
  g_regex_unref (self->forbidden_regex);
  g_main_context_unref (self->context);
  g_free (self->last_region);
  g_free (self->url);
  g_free (self);
}

const char *
fake_aws_get_url (FakeAws *self)
{
  return self->url;
}

void
fake_aws_push_fault (FakeAws      *self,
                     const char   *operation,
                     FakeAwsFault  fault)
{
  const char *key = operation != NULL ? operation : "";
  GQueue *queue = g_hash_table_lookup (self->faults, key);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->faults, g_strdup (key), queue);
    }
  g_queue_push_tail (queue, GUINT_TO_POINTER (fault));
}

void
fake_aws_set_delays (FakeAws *self,
                     guint    first_byte_ms,
                     guint    per_token_ms)
{
  self->first_byte_ms = first_byte_ms;
  self->per_token_ms = per_token_ms;
}

void
fake_aws_set_stamp (FakeAws *self,
                    guint    n_tokens)
{
  self->stamp_tokens = n_tokens;
}

void
fake_aws_set_fault_delay (FakeAws *self,
                          guint    ms)
{
  self->fault_delay_ms = ms;
}

guint
fake_aws_get_n_requests (FakeAws    *self,
                         const char *operation)
{
  OpStats *stats = g_hash_table_lookup (self->stats, operation != NULL ? operation : "");

  return stats != NULL ? stats->n_requests : 0;
}

char *
fake_aws_dup_last_body (FakeAws    *self,
                        const char *operation)
{
  OpStats *stats = g_hash_table_lookup (self->stats, operation != NULL ? operation : "");

  return stats != NULL ? g_strdup (stats->last_body) : NULL;
}

char *
fake_aws_dup_last_header (FakeAws    *self,
                          const char *operation,
                          const char *name)
{
  OpStats *stats = g_hash_table_lookup (self->stats, operation != NULL ? operation : "");

  return stats != NULL && stats->last_headers != NULL
         ? g_strdup (soup_message_headers_get_one (stats->last_headers, name)) : NULL;
}

const char *
fake_aws_get_last_region (FakeAws *self)
{
  return self->last_region;
}

guint
fake_aws_get_peak_in_flight (FakeAws *self)
{
  return self->peak_in_flight;
}

void
fake_aws_add_kb_passage (FakeAws    *self,
                         const char *kb_id,
                         const char *text,
                         const char *uri)
{
  GPtrArray *passages = g_hash_table_lookup (self->kbs, kb_id);
  Passage *p = g_new0 (Passage, 1);

  if (passages == NULL)
    {
      passages = g_ptr_array_new_with_free_func (passage_free);
      g_hash_table_insert (self->kbs, g_strdup (kb_id), passages);
    }
  p->text = g_strdup (text);
  p->uri = g_strdup (uri != NULL ? uri : "");
  p->words = distinct_words (text);
  g_ptr_array_add (passages, p);
}
