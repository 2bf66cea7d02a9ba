/* test-fake-aws.c — the local fake Bedrock / OpenAI server, driven by a
 * SoupSession client that signs with parley_sigv4_sign(): signatures,
 * validation by the API model, each operation's replies, each fault as a
 * client sees it, many streams at once, and the parley-fake-aws program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "fake-aws-shapes.h"
#include "fake-aws.h"
#include "parley-error.h"
#include "parley-event-stream.h"
#include "parley-sigv4.h"
#include "test-utils.h"

#define HAIKU       "anthropic.claude-3-haiku-20240307-v1:0"
#define HAIKU_PATH  "/model/anthropic.claude-3-haiku-20240307-v1%3A0"
#define TITAN_PATH  "/model/amazon.titan-embed-text-v2%3A0/invoke"
#define KB_ID       "KBPARLEY01"

#define WAIT_UNTIL(cond) G_STMT_START { while (!(cond)) g_main_context_iteration (NULL, TRUE); } G_STMT_END

typedef struct {
  FakeAws     *fake;
  SoupSession *session;    /* without a proxy resolver: none to ask in the tests' isolated dirs */
  char        *host;       /* "127.0.0.1:PORT" */
} Fixture;

typedef struct {
  const char *region;       /* NULL: not signed */
  const char *access_key;   /* default: the fake's */
  const char *secret;
  const char *service;      /* default: bedrock */
  const char *sign_path;    /* sign this path instead of the one sent */
  const char *bearer;       /* OpenAI key */
  const char *header;       /* one more header (signed), "Name: value" */
  gboolean    tamper;       /* change the body after signing */
  gboolean    events;       /* decode the body as an event stream */
} SendOpts;

typedef struct {
  gboolean            done;
  guint               status;
  GError             *error;          /* transport */
  SoupMessageHeaders *headers;
  GByteArray         *body;
  ParleyEventDecoder *decoder;
  GPtrArray          *events;         /* ParleyEventMessage */
  GArray             *event_times;    /* gint64 µs after sending */
  GError             *decode_error;
  gint64              sent_us;
  gint64              headers_us;
  gint64              done_us;
  SoupMessage        *msg;
  GInputStream       *stream;
  GCancellable       *cancellable;
} Response;

static void
response_free (Response *r)
{
  g_clear_error (&r->error);
  g_clear_error (&r->decode_error);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_byte_array_unref (r->body);
  g_clear_pointer (&r->decoder, parley_event_decoder_free);
  g_ptr_array_unref (r->events);
  g_array_unref (r->event_times);
  g_clear_object (&r->msg);
  g_clear_object (&r->stream);
  g_clear_object (&r->cancellable);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->fake = fake_aws_new (&error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (fake_aws_get_url (f->fake), "http://127.0.0.1:"));
  f->host = g_strdup (fake_aws_get_url (f->fake) + strlen ("http://"));
  f->session = soup_session_new_with_options ("max-conns", 512, "max-conns-per-host", 512,
                                               "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_object_unref (f->session);
  fake_aws_free (f->fake);
  g_free (f->host);
  /* Let libsoup finish closing what it still holds. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
collect_event (ParleyEventMessage *message,
               gpointer            user_data)
{
  Response *r = user_data;
  ParleyEventMessage *copy = parley_event_message_new ();
  gint64 t = g_get_monotonic_time () - r->sent_us;

  for (guint i = 0; i < message->headers->len; i++)
    parley_event_message_add_header (copy, &g_array_index (message->headers, ParleyEventHeader, i));
  copy->payload = g_bytes_ref (message->payload);
  g_ptr_array_add (r->events, copy);
  g_array_append_val (r->event_times, t);
  return TRUE;
}

static void
finish_response (Response *r)
{
  if (r->decoder != NULL && r->decode_error == NULL && r->error == NULL)
    parley_event_decoder_finish (r->decoder, &r->decode_error);
  r->done_us = g_get_monotonic_time () - r->sent_us;
  r->done = TRUE;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Response *r = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &r->error);
  gsize len;
  const guint8 *data;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      finish_response (r);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  g_byte_array_append (r->body, data, len);
  if (r->decoder != NULL && r->decode_error == NULL)
    parley_event_decoder_feed (r->decoder, data, len, collect_event, r, &r->decode_error);
  g_input_stream_read_bytes_async (r->stream, 4096, G_PRIORITY_DEFAULT, r->cancellable, read_cb, r);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Response *r = user_data;

  r->stream = soup_session_send_finish (SOUP_SESSION (source), result, &r->error);
  if (r->stream == NULL)
    {
      finish_response (r);
      return;
    }
  r->headers_us = g_get_monotonic_time () - r->sent_us;
  r->status = soup_message_get_status (r->msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (r->msg));
  if (r->status != SOUP_STATUS_OK && r->decoder != NULL)
    g_clear_pointer (&r->decoder, parley_event_decoder_free);
  g_input_stream_read_bytes_async (r->stream, 4096, G_PRIORITY_DEFAULT, r->cancellable, read_cb, r);
}

/* Starts a request; @path is the path as it goes on the wire (labels encoded). */
static Response *
start_request (Fixture        *f,
               SoupSession    *session,
               const char     *method,
               const char     *path,
               const char     *body,
               const SendOpts *opts)
{
  Response *r = g_new0 (Response, 1);
  g_autofree char *url = g_strconcat (fake_aws_get_url (f->fake), path, NULL);
  SoupMessageHeaders *out;
  g_autoptr(GBytes) bytes = g_bytes_new (body != NULL ? body : "", body != NULL ? strlen (body) : 0);

  r->body = g_byte_array_new ();
  r->events = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_event_message_free);
  r->event_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  r->cancellable = g_cancellable_new ();
  if (opts != NULL && opts->events)
    r->decoder = parley_event_decoder_new ();
  r->msg = soup_message_new (method, url);
  g_assert_nonnull (r->msg);
  out = soup_message_get_request_headers (r->msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (r->msg, "application/json", bytes);

  if (opts != NULL && opts->region != NULL)
    {
      g_autoptr(GArray) headers = parley_http_headers_new ();
      g_autoptr(GError) error = NULL;
      ParleyAwsKeys keys = {
        opts->access_key != NULL ? opts->access_key : FAKE_AWS_ACCESS_KEY_ID,
        opts->secret != NULL ? opts->secret : FAKE_AWS_SECRET_ACCESS_KEY,
        NULL
      };
      ParleySigv4Params params = {
        &keys, opts->region, opts->service != NULL ? opts->service : "bedrock",
        g_get_real_time () / G_USEC_PER_SEC, PARLEY_SIGV4_NORMALIZE_PATH, 0
      };
      ParleyHttpRequest request = {
        method, opts->sign_path != NULL ? opts->sign_path : path, NULL, headers,
        g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)
      };

      parley_http_headers_add (headers, "Host", f->host);
      if (body != NULL)
        parley_http_headers_add (headers, "Content-Type", "application/json");
      if (opts->header != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (opts->header, ": ", 2);

          parley_http_headers_add (headers, parts[0], parts[1]);
        }
      g_assert_true (parley_sigv4_sign (&request, &params, NULL, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < headers->len; i++)
        {
          ParleyHttpHeader *h = &g_array_index (headers, ParleyHttpHeader, i);

          soup_message_headers_replace (out, h->name, h->value);
        }
      if (opts->tamper)
        {
          g_autofree char *changed = g_strconcat (body, " ", NULL);
          g_autoptr(GBytes) other = g_bytes_new (changed, strlen (changed));

          soup_message_set_request_body_from_bytes (r->msg, "application/json", other);
        }
    }
  if (opts != NULL && opts->bearer != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", opts->bearer, NULL);

      soup_message_headers_replace (out, "Authorization", value);
    }

  r->sent_us = g_get_monotonic_time ();
  soup_session_send_async (session, r->msg, G_PRIORITY_DEFAULT, r->cancellable, sent_cb, r);
  return r;
}

static Response *
send_request (Fixture        *f,
              const char     *method,
              const char     *path,
              const char     *body,
              const SendOpts *opts)
{
  Response *r = start_request (f, f->session, method, path, body, opts);

  WAIT_UNTIL (r->done);
  return r;
}

static const SendOpts signed_opts = { .region = "us-east-1" };
static const SendOpts stream_opts = { .region = "us-east-1", .events = TRUE };
static const SendOpts openai_opts = { .bearer = FAKE_AWS_OPENAI_KEY };

static JsonObject *
response_json (Response *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_no_error (r->error);
  g_assert_true (json_parser_load_from_data (parser, (const char *) r->body->data, r->body->len, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
response_text (Response *r)
{
  return g_strndup ((const char *) r->body->data, r->body->len);
}

/* An AWS error reply: status, x-amzn-ErrorType (cut at ':', as the SDKs
 * do), a {"message"} body, a request id. */
static void
assert_aws_error (Response   *r,
                  guint       status,
                  const char *type,
                  const char *message_part)
{
  g_autoptr(JsonObject) body = NULL;
  const char *error_type;
  g_autofree char *name = NULL;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, status);
  error_type = soup_message_headers_get_one (r->headers, "x-amzn-ErrorType");
  g_assert_nonnull (error_type);
  name = g_strndup (error_type, strcspn (error_type, ":"));
  g_assert_cmpstr (name, ==, type);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "x-amzn-RequestId"));
  body = response_json (r);
  g_assert_nonnull (json_object_get_string_member_with_default (body, "message", NULL));
  if (message_part != NULL && strstr (json_object_get_string_member (body, "message"), message_part) == NULL)
    g_error ("'%s' not in the message '%s'", message_part, json_object_get_string_member (body, "message"));
}

static char *
json_text (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

/* {"messages":[{"role":"user","content":[{"text":…}]}], ["toolConfig":…]} */
static char *
converse_body (const char *text,
               gboolean    with_tools)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "messages");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, "user");
  json_builder_set_member_name (b, "content");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "system");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, "You are a helpful shop assistant.");
  json_builder_end_object (b);
  json_builder_end_array (b);
  if (with_tools)
    {
      json_builder_set_member_name (b, "toolConfig");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tools");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "toolSpec");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, "lookup_order");
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, "Finds an order by its number.");
      json_builder_set_member_name (b, "inputSchema");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "json");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "object");
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_text (b);
}

static guint
count_words (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \n", -1);
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    n += *words[i] != '\0';
  return n;
}

static char *
event_header (ParleyEventMessage *m,
              const char         *name)
{
  return parley_event_message_dup_string (m, name);
}

static JsonObject *
event_payload (ParleyEventMessage *m)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (m->payload, &len);

  g_assert_true (json_parser_load_from_data (parser, data, len, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The :event-type (or :exception-type) of each frame, joined by ' '. */
static char *
event_sequence (Response *r)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < r->events->len; i++)
    {
      ParleyEventMessage *m = r->events->pdata[i];
      g_autofree char *type = event_header (m, ":event-type");
      g_autofree char *exception = event_header (m, ":exception-type");

      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, type != NULL ? type : exception != NULL ? exception : "?");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The text of the contentBlockDelta events of block @index. */
static char *
stream_text (Response *r,
             guint     index,
             gboolean  tool_input)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < r->events->len; i++)
    {
      g_autofree char *type = event_header (r->events->pdata[i], ":event-type");
      g_autoptr(JsonObject) payload = NULL;
      JsonObject *delta;

      if (g_strcmp0 (type, "contentBlockDelta") != 0)
        continue;
      payload = event_payload (r->events->pdata[i]);
      if ((guint) json_object_get_int_member (payload, "contentBlockIndex") != index)
        continue;
      delta = json_object_get_object_member (payload, "delta");
      if (tool_input)
        g_string_append (out, json_object_get_string_member (json_object_get_object_member (delta, "toolUse"), "input"));
      else
        g_string_append (out, json_object_get_string_member (delta, "text"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ----------------------------------------------------------- signatures */

static void
test_sigv4_accepted (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *body = converse_body ("Hello there", FALSE);
  const SendOpts eu = { .region = "eu-central-1" };
  g_autoptr(Response) r = send_request (f, "POST", HAIKU_PATH "/converse", body, &eu);
  g_autofree char *last = NULL;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "x-amzn-RequestId"));
  g_assert_cmpstr (fake_aws_get_last_region (f->fake), ==, "eu-central-1");
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "Converse"), ==, 1);
  last = fake_aws_dup_last_body (f->fake, "Converse");
  g_assert_cmpstr (last, ==, body);

  {
    /* The other region, and the model id sent with a raw ':' (the
     * canonical path is then …v1%3A0…, and that is fine too). */
    const SendOpts us = { .region = "us-west-2" };
    g_autoptr(Response) r2 = send_request (f, "POST", "/model/" HAIKU "/converse", body, &us);
    g_autofree char *date = fake_aws_dup_last_header (f->fake, "Converse", "X-Amz-Date");

    g_assert_cmpuint (r2->status, ==, 200);
    g_assert_cmpstr (fake_aws_get_last_region (f->fake), ==, "us-west-2");
    g_assert_nonnull (date);
    g_assert_cmpuint (strlen (date), ==, 16);
  }
}

static void
test_sigv4_rejected (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *body = converse_body ("Hello there", FALSE);
  const SendOpts wrong_secret = { .region = "eu-west-1", .secret = "not/the/secret" };
  const SendOpts wrong_key = { .region = "eu-west-1", .access_key = "AKIDSOMEONEELSE" };
  const SendOpts wrong_service = { .region = "eu-west-1", .service = "s3" };
  const SendOpts tampered = { .region = "eu-west-1", .tamper = TRUE };
  /* Signed over the decoded path but sent encoded: the fake checks the wire path. */
  const SendOpts decoded = { .region = "eu-west-1", .sign_path = "/model/" HAIKU "/converse" };
  g_autoptr(Response) r = NULL;

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &wrong_secret);
  assert_aws_error (r, 403, "InvalidSignatureException", "signature we calculated does not match");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &wrong_key);
  assert_aws_error (r, 403, "UnrecognizedClientException", "security token");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &wrong_service);
  assert_aws_error (r, 403, "InvalidSignatureException", "'bedrock'");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &tampered);
  assert_aws_error (r, 403, "InvalidSignatureException", "does not match");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &decoded);
  assert_aws_error (r, 403, "InvalidSignatureException", "does not match");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, NULL);
  assert_aws_error (r, 403, "MissingAuthenticationTokenException", NULL);
  g_clear_pointer (&r, response_free);

  /* None of them was accepted, all of them were seen. */
  g_assert_null (fake_aws_get_last_region (f->fake));
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "Converse"), ==, 6);

  /* A fault is not taken by a request that fails its signature. */
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_THROTTLING);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &wrong_secret);
  assert_aws_error (r, 403, "InvalidSignatureException", NULL);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  assert_aws_error (r, 429, "ThrottlingException", NULL);
  g_clear_pointer (&r, response_free);

  /* An unknown path. */
  r = send_request (f, "POST", "/model/x/chat", body, &signed_opts);
  assert_aws_error (r, 404, "UnknownOperationException", NULL);
}

/* ----------------------------------------------------------- validation */

static void
assert_validation (Fixture    *f,
                   const char *path,
                   const char *body,
                   const char *expected)
{
  g_autoptr(Response) r = send_request (f, "POST", path, body, &signed_opts);

  assert_aws_error (r, 400, "ValidationException", expected);
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Response) r = NULL;

  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"},{\"text\":5}]}]}",
                     "messages[0].content[1].text: expected a string");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"robot\",\"content\":[{\"text\":\"hi\"}]}]}",
                     "messages[0].role: 'robot' is not one of [user, assistant, system]");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\",\"cachePoint\":{\"type\":\"default\"}}]}]}",
                     "messages[0].content[0]: exactly one member of the union must be set, found 2");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{}]}]}",
                     "messages[0].content[0]: exactly one member of the union must be set, found 0");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\"}]}",
                     "messages[0].content: required member is missing");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],\"temperature\":0.5}",
                     "temperature: unknown member");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                     "\"inferenceConfig\":{\"temperature\":2,\"maxTokens\":0}}",
                     "inferenceConfig.temperature: 2 is greater than the maximum 1");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                     "\"inferenceConfig\":{\"maxTokens\":1.5}}",
                     "inferenceConfig.maxTokens: expected an integer");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],\"toolConfig\":{\"tools\":[]}}",
                     "toolConfig.tools: a list of 0 items is shorter than the minimum 1");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"modelId\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}",
                     "modelId: belongs in the uri, not in the body");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"not base64!\"}}}]}]}",
                     "messages[0].content[0].image.source.bytes: expected base64-encoded bytes");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":{\"role\":\"user\"}}",
                     "messages: expected a list");
  assert_validation (f, HAIKU_PATH "/converse-stream",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                     "\"requestMetadata\":{}}",
                     "requestMetadata: a map of 0 entries is smaller than the minimum 1");
  /* Several at once. */
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":7,\"content\":[{\"text\":null}]}],\"x\":1}",
                     "3 validation errors detected");
  /* Labels from the URI: a knowledge base id has 10 letters or digits. */
  assert_validation (f, "/knowledgebases/short/retrieve", "{\"retrievalQuery\":{\"text\":\"returns\"}}",
                     "knowledgeBaseId: length 5 is less than the minimum 10");
  assert_validation (f, "/knowledgebases/" KB_ID "/retrieve", "{}",
                     "retrievalQuery: required member is missing");
  assert_validation (f, "/guardrail/gr1/version/DRAFT/apply",
                     "{\"source\":\"INPUT\",\"content\":[{\"text\":{\"text\":\"hi\"}}],\"outputScope\":\"SOME\"}",
                     "outputScope: 'SOME' is not one of [INTERVENTIONS, FULL]");
  /* Members bound to headers are checked too. */
  {
    const SendOpts traced = { .region = "us-east-1", .header = "X-Amzn-Bedrock-Trace: LOUD" };

    r = send_request (f, "POST", TITAN_PATH, "{\"inputText\":\"hi\"}", &traced);
    assert_aws_error (r, 400, "ValidationException", "trace: 'LOUD' is not one of [ENABLED, DISABLED, ENABLED_FULL]");
    g_clear_pointer (&r, response_free);
  }
  {
    const SendOpts traced = { .region = "us-east-1", .header = "X-Amzn-Bedrock-Trace: ENABLED" };

    r = send_request (f, "POST", TITAN_PATH, "{\"inputText\":\"hi\"}", &traced);
    g_assert_cmpuint (r->status, ==, 200);
    g_clear_pointer (&r, response_free);
  }
  /* Conversation rules of the service itself. */
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"text\":\"hi\"}]}]}",
                     "must start with a user message");
  assert_validation (f, HAIKU_PATH "/converse",
                     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]},{\"role\":\"user\",\"content\":[{\"text\":\"b\"}]}]}",
                     "must alternate between user and assistant");

  /* Not JSON at all. */
  r = send_request (f, "POST", HAIKU_PATH "/converse", "{\"messages\": [", &signed_opts);
  assert_aws_error (r, 400, "SerializationException", NULL);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", HAIKU_PATH "/converse", "[1, 2]", &signed_opts);
  assert_aws_error (r, 400, "SerializationException", NULL);
}

static void
test_shapes (void)
{
  g_autofree char *path = test_source_path ("tests", "data", "aws-models", "bedrock-runtime-2023-09-30.json", NULL);
  gsize len = 0;
  char *text = test_read_text (path, &len);
  g_autoptr(GBytes) json = g_bytes_new_take (text, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(FakeAwsModel) model = fake_aws_model_new (json, &error);
  g_autoptr(GHashTable) labels = NULL;
  static const char * const ops[] = { "Converse", "ConverseStream", "InvokeModel", "ApplyGuardrail", NULL };
  struct {
    const char *shape;
    const char *json;
    const char *error;    /* NULL: valid */
  } cases[] = {
    { "Document", "[1, {\"a\": null}, \"x\"]", NULL },
    { "ToolUseBlock", "{\"toolUseId\":\"t1\",\"name\":\"lookup\",\"input\":{\"any\":[1,2]}}", NULL },
    { "ToolUseBlock", "{\"toolUseId\":\"t 1\",\"name\":\"lookup\",\"input\":{}}", "toolUseId: does not match the pattern" },
    { "ToolUseBlock", "{\"toolUseId\":\"\",\"name\":\"lookup\",\"input\":{}}", "toolUseId: length 0 is less than the minimum 1" },
    { "ToolUseBlock", "{\"name\":\"lookup\"}", "2 validation errors" },
    { "RequestMetadata", "{\"tenant\":\"shop-1\"}", NULL },
    { "RequestMetadata", "{\"tenant\":7}", "tenant: expected a string" },
    { "RequestMetadata", "{\"bad key!\":\"x\"}", "bad key!: does not match the pattern" },
    { "InferenceConfiguration", "{\"temperature\":\"NaN\",\"topP\":0}", NULL },
    { "InferenceConfiguration", "{\"maxTokens\":4294967296}", "maxTokens: 4294967296 is out of the range of a 32-bit integer" },
    { "InferenceConfiguration", "{\"stopSequences\":[\"a\",null]}", "stopSequences[1]: null is not allowed in a list" },
    { "CitationsConfig", "{\"enabled\":\"yes\"}", "enabled: expected a boolean" },
    { "ImageSource", "{\"bytes\":\"aGVsbG8=\"}", NULL },
    { "ImageSource", "{\"bytes\":\"\"}", "bytes: 0 bytes are fewer than the minimum 1" },
    { "ContentBlock", "{\"text\":\"a\",\"unknown\":1}", "unknown: unknown member" },
    { "ContentBlock", "[]", "(body): expected an object" },
  };

  g_assert_no_error (error);
  g_assert_cmpstr (fake_aws_model_get_signing_name (model), ==, "bedrock");
  g_assert_true (fake_aws_model_has_json_input (model, "Converse"));
  g_assert_false (fake_aws_model_has_json_input (model, "InvokeModel"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, &error);
      gboolean ok;

      g_assert_no_error (error);
      ok = fake_aws_model_validate_shape (model, cases[i].shape, node, &error);
      if (cases[i].error == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
          g_assert_false (ok);
          if (strstr (error->message, cases[i].error) == NULL)
            g_error ("case %u: '%s' not in '%s'", i, cases[i].error, error->message);
          g_clear_error (&error);
        }
    }

  /* Routes: labels decoded from the raw path; method and shape must match. */
  g_assert_cmpstr (fake_aws_model_match (model, ops, "POST", HAIKU_PATH "/converse-stream", &labels), ==, "ConverseStream");
  g_assert_cmpstr (g_hash_table_lookup (labels, "modelId"), ==, HAIKU);
  g_clear_pointer (&labels, g_hash_table_unref);
  g_assert_cmpstr (fake_aws_model_match (model, ops, "POST", "/guardrail/abc/version/2/apply", &labels), ==, "ApplyGuardrail");
  g_assert_cmpstr (g_hash_table_lookup (labels, "guardrailVersion"), ==, "2");
  g_clear_pointer (&labels, g_hash_table_unref);
  g_assert_cmpstr (fake_aws_model_match (model, ops, "POST",
                                         "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fx.y/invoke",
                                         &labels), ==, "InvokeModel");
  g_assert_cmpstr (g_hash_table_lookup (labels, "modelId"), ==, "arn:aws:bedrock:us-east-1::foundation-model/x.y");
  g_clear_pointer (&labels, g_hash_table_unref);
  g_assert_null (fake_aws_model_match (model, ops, "GET", HAIKU_PATH "/converse", NULL));
  g_assert_null (fake_aws_model_match (model, ops, "POST", "/model//converse", NULL));
  g_assert_null (fake_aws_model_match (model, ops, "POST", "/model/a/converse/extra", NULL));
  g_assert_null (fake_aws_model_match (model, ops, "POST", "/model/%zz/converse", NULL));

  {
    /* Not a model. */
    g_autoptr(GBytes) junk = g_bytes_new_static ("{\"a\":1}", 7);
    g_autoptr(FakeAwsModel) none = fake_aws_model_new (junk, &error);

    g_assert_null (none);
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  }
}

/* ------------------------------------------------------------- Converse */

static void
test_converse (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *body = converse_body ("Where is my parcel?", FALSE);
  g_autoptr(Response) r = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *message, *usage;
  JsonArray *content;
  const char *text;

  fake_aws_set_delays (f->fake, 20, 0);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/json");
  g_assert_cmpint (r->headers_us, >=, 20 * 1000);
  reply = response_json (r);

  message = json_object_get_object_member (json_object_get_object_member (reply, "output"), "message");
  g_assert_cmpstr (json_object_get_string_member (message, "role"), ==, "assistant");
  content = json_object_get_array_member (message, "content");
  g_assert_cmpuint (json_array_get_length (content), ==, 1);
  text = json_object_get_string_member (json_array_get_object_element (content, 0), "text");
  g_assert_true (g_str_has_prefix (text, "You asked: Where is my parcel? "));
  g_assert_cmpstr (json_object_get_string_member (reply, "stopReason"), ==, "end_turn");

  /* Usage counts words: 4 of the question, 6 of the system prompt. */
  usage = json_object_get_object_member (reply, "usage");
  g_assert_cmpint (json_object_get_int_member (usage, "inputTokens"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (usage, "outputTokens"), ==, count_words (text));
  g_assert_cmpint (json_object_get_int_member (usage, "outputTokens"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (usage, "totalTokens"), ==, 26);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply, "metrics"), "latencyMs"), ==, 20);

  /* Deterministic. */
  {
    g_autoptr(Response) again = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);

    g_assert_cmpmem (again->body->data, again->body->len, r->body->data, r->body->len);
  }

  /* maxTokens cuts the answer. */
  {
    const char *limited = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Tell me everything\"}]}],"
                          "\"inferenceConfig\":{\"maxTokens\":3}}";
    g_autoptr(Response) cut = send_request (f, "POST", HAIKU_PATH "/converse", limited, &signed_opts);
    g_autoptr(JsonObject) json = response_json (cut);
    JsonObject *msg = json_object_get_object_member (json_object_get_object_member (json, "output"), "message");

    g_assert_cmpstr (json_object_get_string_member (json, "stopReason"), ==, "max_tokens");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (msg, "content"), 0), "text"),
                     ==, "You asked: Tell");
  }

  /* A long question is not repeated in full. */
  {
    g_autoptr(GString) question = g_string_new (NULL);
    g_autofree char *long_body = NULL;
    g_autoptr(Response) big = NULL;
    g_autoptr(JsonObject) json = NULL;
    const char *answer;

    for (guint i = 0; i < 1000; i++)
      g_string_append (question, "word ");
    long_body = converse_body (question->str, FALSE);
    big = send_request (f, "POST", HAIKU_PATH "/converse", long_body, &signed_opts);
    json = response_json (big);
    answer = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (json, "output"), "message"), "content"), 0), "text");
    g_assert_cmpint (g_utf8_strlen (answer, -1), <, 2100);
    g_assert_nonnull (strstr (answer, "…"));
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json, "usage"), "inputTokens"), ==, 1006);
  }

  /* Converse does not serve embedding models. */
  {
    g_autoptr(Response) embed = send_request (f, "POST", "/model/amazon.titan-embed-text-v2%3A0/converse", body, &signed_opts);

    assert_aws_error (embed, 400, "ValidationException", "doesn't support the model");
  }
}

static void
test_converse_stream (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *body = converse_body ("Where is my parcel?", FALSE);
  g_autoptr(Response) plain = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_autoptr(Response) r = NULL;
  g_autoptr(JsonObject) plain_json = response_json (plain);
  g_autoptr(GString) expected = g_string_new ("messageStart");
  g_autofree char *sequence = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) start = NULL;
  g_autoptr(JsonObject) stop = NULL;
  g_autoptr(JsonObject) metadata = NULL;
  const char *plain_text;
  guint n;

  fake_aws_set_delays (f->fake, 50, 10);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->error);
  g_assert_no_error (r->decode_error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/vnd.amazon.eventstream");
  g_assert_cmpint (soup_message_headers_get_encoding (r->headers), ==, SOUP_ENCODING_CHUNKED);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "x-amzn-RequestId"));

  plain_text = json_object_get_string_member (
    json_array_get_object_element (json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (plain_json, "output"), "message"), "content"), 0), "text");
  n = count_words (plain_text);
  for (guint i = 0; i < n; i++)
    g_string_append (expected, " contentBlockDelta");
  g_string_append (expected, " contentBlockStop messageStop metadata");
  sequence = event_sequence (r);
  g_assert_cmpstr (sequence, ==, expected->str);

  /* Every frame is an event of JSON, and the deltas make the Converse text. */
  for (guint i = 0; i < r->events->len; i++)
    {
      g_autofree char *message_type = event_header (r->events->pdata[i], ":message-type");
      g_autofree char *content_type = event_header (r->events->pdata[i], ":content-type");

      g_assert_cmpstr (message_type, ==, "event");
      g_assert_cmpstr (content_type, ==, "application/json");
    }
  text = stream_text (r, 0, FALSE);
  g_assert_cmpstr (text, ==, plain_text);

  start = event_payload (r->events->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (start, "role"), ==, "assistant");
  stop = event_payload (r->events->pdata[r->events->len - 2]);
  g_assert_cmpstr (json_object_get_string_member (stop, "stopReason"), ==, "end_turn");
  metadata = event_payload (r->events->pdata[r->events->len - 1]);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (metadata, "usage"), "outputTokens"), ==, n);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (metadata, "metrics"), "latencyMs"),
                   ==, 50 + (n - 1) * 10);

  /* Frames arrive one by one: the first after the first-byte delay, the
   * deltas spread over the per-token delays. */
  g_assert_cmpint (g_array_index (r->event_times, gint64, 0), >=, 50 * 1000);
  g_assert_cmpint (g_array_index (r->event_times, gint64, n) - g_array_index (r->event_times, gint64, 1),
                   >=, (gint64) (n - 1) * 10 * 1000 * 8 / 10);
}

static void
test_tool_use (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *body = converse_body ("Where is order A-10023, please?", TRUE);
  g_autoptr(Response) r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_autoptr(JsonObject) reply = response_json (r);
  JsonObject *message = json_object_get_object_member (json_object_get_object_member (reply, "output"), "message");
  JsonArray *content = json_object_get_array_member (message, "content");
  JsonObject *tool;
  const char *tool_use_id;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (reply, "stopReason"), ==, "tool_use");
  g_assert_cmpuint (json_array_get_length (content), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (content, 0), "text"),
                   ==, "Let me look up order A-10023.");
  tool = json_object_get_object_member (json_array_get_object_element (content, 1), "toolUse");
  g_assert_cmpstr (json_object_get_string_member (tool, "name"), ==, "lookup_order");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (tool, "input"), "order_id"), ==, "A-10023");
  tool_use_id = json_object_get_string_member (tool, "toolUseId");
  g_assert_true (g_str_has_prefix (tool_use_id, "tooluse_"));

  /* The word "order" alone: the tool with an empty number. */
  {
    g_autofree char *vague = converse_body ("Where is my order?", TRUE);
    g_autoptr(Response) r2 = send_request (f, "POST", HAIKU_PATH "/converse", vague, &signed_opts);
    g_autoptr(JsonObject) json = response_json (r2);
    JsonArray *blocks = json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (json, "output"), "message"), "content");
    JsonObject *use = json_object_get_object_member (json_array_get_object_element (blocks, 1), "toolUse");

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (use, "input"), "order_id"), ==, "");
  }

  /* Without tools, no tool call. */
  {
    g_autofree char *no_tools = converse_body ("Where is order A-10023?", FALSE);
    g_autoptr(Response) r3 = send_request (f, "POST", HAIKU_PATH "/converse", no_tools, &signed_opts);
    g_autoptr(JsonObject) json = response_json (r3);

    g_assert_cmpstr (json_object_get_string_member (json, "stopReason"), ==, "end_turn");
  }

  /* The tool result comes back: the answer quotes its JSON. */
  {
    g_autofree char *follow = g_strdup_printf (
      "{\"messages\":["
      "{\"role\":\"user\",\"content\":[{\"text\":\"Where is order A-10023?\"}]},"
      "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"%s\",\"name\":\"lookup_order\",\"input\":{\"order_id\":\"A-10023\"}}}]},"
      "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"%s\",\"content\":[{\"json\":{\"status\":\"shipped\",\"eta\":\"2024-05-02\"}}]}}]}],"
      "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"lookup_order\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}]}}",
      tool_use_id, tool_use_id);
    g_autoptr(Response) r4 = send_request (f, "POST", HAIKU_PATH "/converse", follow, &signed_opts);
    g_autoptr(JsonObject) json = response_json (r4);
    JsonArray *blocks = json_object_get_array_member (
      json_object_get_object_member (json_object_get_object_member (json, "output"), "message"), "content");

    g_assert_cmpuint (r4->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json, "stopReason"), ==, "end_turn");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (blocks, 0), "text"),
                     ==, "The tool returned: {\"status\":\"shipped\",\"eta\":\"2024-05-02\"}");
  }

  /* The same as a stream: a text block, then a toolUse block started at index 1. */
  {
    g_autoptr(Response) s = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
    g_autofree char *sequence = event_sequence (s);
    g_autofree char *input = stream_text (s, 1, TRUE);
    g_autoptr(JsonNode) parsed = json_from_string (input, NULL);
    g_autoptr(JsonObject) block_start = NULL;
    JsonObject *tool_start;
    guint start_index = 0;

    g_assert_no_error (s->decode_error);
    g_assert_true (g_str_has_prefix (sequence, "messageStart contentBlockDelta"));
    g_assert_nonnull (strstr (sequence, "contentBlockStop contentBlockStart contentBlockDelta"));
    g_assert_true (g_str_has_suffix (sequence, "contentBlockStop messageStop metadata"));
    for (guint i = 0; i < s->events->len && start_index == 0; i++)
      {
        g_autofree char *type = event_header (s->events->pdata[i], ":event-type");

        if (g_strcmp0 (type, "contentBlockStart") == 0)
          start_index = i;
      }
    block_start = event_payload (s->events->pdata[start_index]);
    g_assert_cmpint (json_object_get_int_member (block_start, "contentBlockIndex"), ==, 1);
    tool_start = json_object_get_object_member (json_object_get_object_member (block_start, "start"), "toolUse");
    g_assert_cmpstr (json_object_get_string_member (tool_start, "name"), ==, "lookup_order");
    g_assert_cmpstr (json_object_get_string_member (tool_start, "toolUseId"), ==, tool_use_id);
    g_assert_nonnull (parsed);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (parsed), "order_id"), ==, "A-10023");
    {
      g_autoptr(JsonObject) stop = event_payload (s->events->pdata[s->events->len - 2]);

      g_assert_cmpstr (json_object_get_string_member (stop, "stopReason"), ==, "tool_use");
    }
  }
}

/* -------------------------------------------------------- InvokeModel */

static float *
titan_embed (Fixture    *f,
             const char *body,
             guint      *dims)
{
  g_autoptr(Response) r = send_request (f, "POST", TITAN_PATH, body, &signed_opts);
  g_autoptr(JsonObject) reply = response_json (r);
  JsonArray *embedding = json_object_get_array_member (reply, "embedding");
  float *v;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (reply, "inputTextTokenCount"), >, 0);
  *dims = json_array_get_length (embedding);
  v = g_new (float, *dims);
  for (guint i = 0; i < *dims; i++)
    v[i] = json_array_get_double_element (embedding, i);
  return v;
}

static double
cosine (const float *a,
        const float *b,
        guint        n)
{
  double dot = 0, na = 0, nb = 0;

  for (guint i = 0; i < n; i++)
    {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
  return dot / sqrt (na * nb);
}

static void
test_titan (Fixture       *f,
            gconstpointer  data)
{
  guint dims = 0, d2 = 0, d3 = 0;
  g_autofree float *v1 = titan_embed (f, "{\"inputText\":\"How do I return my shoes?\"}", &dims);
  g_autofree float *v2 = titan_embed (f, "{\"inputText\":\"Returning shoes: how do I do it\",\"dimensions\":1024}", &d2);
  g_autofree float *v3 = titan_embed (f, "{\"inputText\":\"Payment by credit card failed\",\"dimensions\":1024,\"normalize\":true}", &d3);
  double norm = 0;

  g_assert_cmpuint (dims, ==, 1024);
  for (guint i = 0; i < dims; i++)
    norm += (double) v1[i] * v1[i];
  g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-4);
  g_assert_cmpfloat (cosine (v1, v2, dims), >, cosine (v1, v3, dims) + 0.2);

  for (guint i = 0; i < 2; i++)
    {
      const char *bodies[] = { "{\"inputText\":\"hello\",\"dimensions\":256}", "{\"inputText\":\"hello\",\"dimensions\":512}" };
      guint n = 0;
      g_autofree float *v = titan_embed (f, bodies[i], &n);
      double sum = 0;

      g_assert_cmpuint (n, ==, i == 0 ? 256 : 512);
      for (guint j = 0; j < n; j++)
        sum += (double) v[j] * v[j];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
    }

  {
    g_autoptr(Response) r = send_request (f, "POST", TITAN_PATH,
                                          "{\"inputText\":\"hello world\",\"normalize\":false,\"embeddingTypes\":[\"float\"]}",
                                          &signed_opts);
    g_autoptr(JsonObject) reply = response_json (r);

    g_assert_cmpint (json_object_get_int_member (reply, "inputTextTokenCount"), ==, 2);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-Amzn-Bedrock-Input-Token-Count"), ==, "2");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_object_get_object_member (reply, "embeddingsByType"), "float")), ==, 1024);
  }

  {
    g_autoptr(Response) r = send_request (f, "POST", TITAN_PATH, "{\"inputText\":\"hello\",\"dimensions\":100}", &signed_opts);

    assert_aws_error (r, 400, "ValidationException", "dimensions");
  }
  {
    g_autoptr(Response) r = send_request (f, "POST", TITAN_PATH, "{\"text\":\"hello\"}", &signed_opts);

    assert_aws_error (r, 400, "ValidationException", "extraneous key [text]");
  }
  {
    g_autoptr(Response) r = send_request (f, "POST", TITAN_PATH, "not json", &signed_opts);

    assert_aws_error (r, 400, "ValidationException", "Malformed input request");
  }
  {
    g_autoptr(Response) r = send_request (f, "POST", "/model/amazon.titan-text-express-v1/invoke",
                                          "{\"inputText\":\"hello\"}", &signed_opts);

    assert_aws_error (r, 400, "ValidationException", "model identifier is invalid");
  }
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "InvokeModel"), ==, 10);
}

/* ------------------------------------------------- Retrieve, guardrails */

static void
test_retrieve (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Response) r = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonArray *results;
  JsonObject *first;

  fake_aws_add_kb_passage (f->fake, KB_ID, "Returns are free within 30 days of delivery.", "s3://kb/returns.md");
  fake_aws_add_kb_passage (f->fake, KB_ID, "Shipping to Spain takes 3 to 5 days.", "https://shop.example/shipping");
  fake_aws_add_kb_passage (f->fake, KB_ID, "You can return shoes that were not worn, within 30 days.", "s3://kb/shoes.md");
  fake_aws_add_kb_passage (f->fake, KB_ID, "Gift cards never expire.", "s3://kb/gift.md");

  r = send_request (f, "POST", "/knowledgebases/" KB_ID "/retrieve",
                    "{\"retrievalQuery\":{\"text\":\"Can I return shoes after 30 days?\"},"
                    "\"retrievalConfiguration\":{\"vectorSearchConfiguration\":{\"numberOfResults\":2}}}",
                    &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  reply = response_json (r);
  results = json_object_get_array_member (reply, "retrievalResults");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  first = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "content"), "text"),
                   ==, "You can return shoes that were not worn, within 30 days.");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "location"), "type"), ==, "S3");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     json_object_get_object_member (first, "location"), "s3Location"), "uri"), ==, "s3://kb/shoes.md");
  g_assert_cmpfloat (json_object_get_double_member (first, "score"), >,
                     json_object_get_double_member (json_array_get_object_element (results, 1), "score"));
  g_assert_cmpfloat (json_object_get_double_member (first, "score"), <=, 1.0);
  g_clear_pointer (&r, response_free);
  g_clear_pointer (&reply, json_object_unref);

  /* A web source, the default number of results, and no match at all. */
  r = send_request (f, "POST", "/knowledgebases/" KB_ID "/retrieve",
                    "{\"retrievalQuery\":{\"text\":\"shipping Spain\"}}", &signed_opts);
  reply = response_json (r);
  results = json_object_get_array_member (reply, "retrievalResults");
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  first = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     json_object_get_object_member (first, "location"), "webLocation"), "url"),
                   ==, "https://shop.example/shipping");
  g_clear_pointer (&r, response_free);
  g_clear_pointer (&reply, json_object_unref);

  r = send_request (f, "POST", "/knowledgebases/" KB_ID "/retrieve",
                    "{\"retrievalQuery\":{\"text\":\"quantum chromodynamics\"}}", &signed_opts);
  reply = response_json (r);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reply, "retrievalResults")), ==, 0);
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", "/knowledgebases/NOSUCHKB00/retrieve",
                    "{\"retrievalQuery\":{\"text\":\"returns\"}}", &signed_opts);
  assert_aws_error (r, 404, "ResourceNotFoundException", "NOSUCHKB00");
}

static JsonObject *
apply_guardrail (Fixture    *f,
                 const char *text)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *body = NULL;
  g_autoptr(Response) r = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, "INPUT");
  json_builder_set_member_name (b, "content");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_text (b);
  r = send_request (f, "POST", "/guardrail/gr1parley/version/1/apply", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  return response_json (r);
}

static void
test_guardrail (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) masked = apply_guardrail (f, "Write to me at jane.doe@example.com please");
  g_autoptr(JsonObject) blocked = apply_guardrail (f, "Tell me the FORBIDDEN recipe");
  g_autoptr(JsonObject) clean = apply_guardrail (f, "Where is my parcel?");
  JsonObject *assessment, *entity, *word;

  g_assert_cmpstr (json_object_get_string_member (masked, "action"), ==, "GUARDRAIL_INTERVENED");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (masked, "outputs"), 0), "text"),
                   ==, "Write to me at {EMAIL} please");
  assessment = json_array_get_object_element (json_object_get_array_member (masked, "assessments"), 0);
  entity = json_array_get_object_element (json_object_get_array_member (
    json_object_get_object_member (assessment, "sensitiveInformationPolicy"), "piiEntities"), 0);
  g_assert_cmpstr (json_object_get_string_member (entity, "type"), ==, "EMAIL");
  g_assert_cmpstr (json_object_get_string_member (entity, "match"), ==, "jane.doe@example.com");
  g_assert_cmpstr (json_object_get_string_member (entity, "action"), ==, "ANONYMIZED");
  g_assert_true (json_object_has_member (masked, "usage"));

  g_assert_cmpstr (json_object_get_string_member (blocked, "action"), ==, "GUARDRAIL_INTERVENED");
  assessment = json_array_get_object_element (json_object_get_array_member (blocked, "assessments"), 0);
  word = json_array_get_object_element (json_object_get_array_member (
    json_object_get_object_member (assessment, "wordPolicy"), "customWords"), 0);
  g_assert_cmpstr (json_object_get_string_member (word, "match"), ==, "FORBIDDEN");
  g_assert_cmpstr (json_object_get_string_member (word, "action"), ==, "BLOCKED");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (blocked, "outputs")), ==, 1);
  g_assert_null (strstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (blocked, "outputs"), 0), "text"),
                         "recipe"));

  g_assert_cmpstr (json_object_get_string_member (clean, "action"), ==, "NONE");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (clean, "outputs")), ==, 0);
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "ApplyGuardrail"), ==, 3);

  {
    g_autoptr(Response) r = send_request (f, "POST", "/guardrail/gr1parley/version/DRAFT/apply",
                                          "{\"source\":\"OUTPUT\",\"outputScope\":\"FULL\","
                                          "\"content\":[{\"text\":{\"text\":\"All good.\"}}]}", &signed_opts);
    g_autoptr(JsonObject) full = response_json (r);

    g_assert_cmpstr (json_object_get_string_member (full, "action"), ==, "NONE");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (full, "outputs"), 0), "text"),
                     ==, "All good.");
  }
}

/* --------------------------------------------------------------- OpenAI */

/* The data of each SSE event of @r. */
static GPtrArray *
sse_events (Response *r)
{
  g_autofree char *text = response_text (r);
  g_auto(GStrv) events = g_strsplit (text, "\n\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; events[i] != NULL; i++)
    {
      if (*events[i] == '\0')
        continue;
      g_assert_true (g_str_has_prefix (events[i], "data: "));
      g_ptr_array_add (out, g_strdup (events[i] + strlen ("data: ")));
    }
  return out;
}

static void
test_openai_auth (Fixture       *f,
                  gconstpointer  data)
{
  const char *body = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  const SendOpts wrong = { .bearer = "sk-wrong-key-123" };
  g_autoptr(Response) r = send_request (f, "POST", "/v1/chat/completions", body, NULL);
  g_autoptr(JsonObject) error = response_json (r);
  g_autofree char *text = NULL;

  g_assert_cmpuint (r->status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (error, "error"), "code"), ==, "invalid_api_key");
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", "/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}", &wrong);
  g_assert_cmpuint (r->status, ==, 401);
  text = response_text (r);
  g_assert_null (strstr (text, "sk-wrong-key-123"));
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", "/v1/chat/completions", body, &openai_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, FAKE_AWS_OP_CHAT_COMPLETIONS), ==, 2);
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", "/v1/completions", body, &openai_opts);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", "/v1/chat/completions", "{\"model\":\"gpt-test\",\"messages\":[]}", &openai_opts);
  g_assert_cmpuint (r->status, ==, 400);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", "/v1/chat/completions", "{\"messages\"", &openai_opts);
  g_assert_cmpuint (r->status, ==, 400);
  g_clear_pointer (&r, response_free);

  /* A lone surrogate is valid JSON but not UTF-8: the echo stays valid. */
  r = send_request (f, "POST", "/v1/chat/completions",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\\ud800y order?\"}]}", &openai_opts);
  g_assert_cmpuint (r->status, ==, 200);
  {
    g_autoptr(JsonObject) json = response_json (r);
    JsonObject *choice = json_array_get_object_element (json_object_get_array_member (json, "choices"), 0);
    const char *content = json_object_get_string_member (json_object_get_object_member (choice, "message"), "content");

    g_assert_true (g_utf8_validate (content, -1, NULL));
    g_assert_true (g_str_has_prefix (content, "You asked: x"));
  }
}

static void
test_openai_chat (Fixture       *f,
                  gconstpointer  data)
{
  const char *body = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                     "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Where is my parcel?\"}]}]}";
  const char *streamed = "{\"model\":\"gpt-test\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                         "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                         "{\"role\":\"user\",\"content\":\"Where is my parcel?\"}]}";
  g_autoptr(Response) r = send_request (f, "POST", "/v1/chat/completions", body, &openai_opts);
  g_autoptr(JsonObject) reply = response_json (r);
  g_autoptr(Response) s = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *choice, *usage;
  const char *content;

  g_assert_cmpstr (json_object_get_string_member (reply, "object"), ==, "chat.completion");
  choice = json_array_get_object_element (json_object_get_array_member (reply, "choices"), 0);
  content = json_object_get_string_member (json_object_get_object_member (choice, "message"), "content");
  g_assert_true (g_str_has_prefix (content, "You asked: Where is my parcel?"));
  g_assert_cmpstr (json_object_get_string_member (choice, "finish_reason"), ==, "stop");
  usage = json_object_get_object_member (reply, "usage");
  g_assert_cmpint (json_object_get_int_member (usage, "prompt_tokens"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (usage, "total_tokens"), ==,
                   6 + json_object_get_int_member (usage, "completion_tokens"));

  s = send_request (f, "POST", "/v1/chat/completions", streamed, &openai_opts);
  g_assert_cmpuint (s->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (s->headers, NULL), ==, "text/event-stream");
  events = sse_events (s);
  g_assert_cmpstr (events->pdata[events->len - 1], ==, "[DONE]");
  for (guint i = 0; i + 1 < events->len; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (events->pdata[i], NULL);
      JsonObject *chunk = json_node_get_object (node);
      JsonArray *choices = json_object_get_array_member (chunk, "choices");

      g_assert_cmpstr (json_object_get_string_member (chunk, "object"), ==, "chat.completion.chunk");
      if (i + 2 == events->len)
        {
          /* The usage chunk: no choices. */
          g_assert_cmpuint (json_array_get_length (choices), ==, 0);
          g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (chunk, "usage"), "prompt_tokens"), ==, 6);
          continue;
        }
      g_assert_true (json_object_has_member (chunk, "usage"));
      g_assert_true (json_node_is_null (json_object_get_member (chunk, "usage")));
      choice = json_array_get_object_element (choices, 0);
      if (i + 3 == events->len)
        g_assert_cmpstr (json_object_get_string_member (choice, "finish_reason"), ==, "stop");
      g_string_append (text, json_object_get_string_member_with_default (json_object_get_object_member (choice, "delta"), "content", ""));
    }
  g_assert_cmpstr (text->str, ==, content);

  /* Tool calls, plain and streamed. */
  {
#define TOOLS_BODY(extra) \
  "{\"model\":\"gpt-test\"," extra "\"messages\":[{\"role\":\"user\",\"content\":\"Status of order A-10023?\"}]," \
  "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup_order\",\"parameters\":{\"type\":\"object\"}}}]}"
    const char *plain = TOOLS_BODY ("");
    const char *stream = TOOLS_BODY ("\"stream\":true,");
#undef TOOLS_BODY
    g_autoptr(Response) t = send_request (f, "POST", "/v1/chat/completions", plain, &openai_opts);
    g_autoptr(Response) ts = send_request (f, "POST", "/v1/chat/completions", stream, &openai_opts);
    g_autoptr(JsonObject) json = response_json (t);
    g_autoptr(GPtrArray) chunks = sse_events (ts);
    g_autoptr(GString) arguments = g_string_new (NULL);
    JsonObject *call;

    choice = json_array_get_object_element (json_object_get_array_member (json, "choices"), 0);
    g_assert_cmpstr (json_object_get_string_member (choice, "finish_reason"), ==, "tool_calls");
    call = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (choice, "message"), "tool_calls"), 0);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (call, "id"), "call_"));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (call, "function"), "name"), ==, "lookup_order");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (call, "function"), "arguments"),
                     ==, "{\"order_id\":\"A-10023\"}");

    for (guint i = 0; i + 1 < chunks->len; i++)
      {
        g_autoptr(JsonNode) node = json_from_string (chunks->pdata[i], NULL);
        JsonObject *delta = json_object_get_object_member (
          json_array_get_object_element (json_object_get_array_member (json_node_get_object (node), "choices"), 0), "delta");
        JsonArray *calls = json_object_has_member (delta, "tool_calls") ? json_object_get_array_member (delta, "tool_calls") : NULL;

        if (calls != NULL)
          g_string_append (arguments, json_object_get_string_member (json_object_get_object_member (
                                        json_array_get_object_element (calls, 0), "function"), "arguments"));
      }
    g_assert_cmpstr (arguments->str, ==, "{\"order_id\":\"A-10023\"}");
  }

  /* A tool message last: the answer quotes it. */
  {
    const char *result = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"Status of A-10023?\"},"
                         "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                         "\"function\":{\"name\":\"lookup_order\",\"arguments\":\"{}\"}}]},"
                         "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"status\\\":\\\"shipped\\\"}\"}]}";
    g_autoptr(Response) t = send_request (f, "POST", "/v1/chat/completions", result, &openai_opts);
    g_autoptr(JsonObject) json = response_json (t);

    choice = json_array_get_object_element (json_object_get_array_member (json, "choices"), 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (choice, "message"), "content"),
                     ==, "The tool returned: {\"status\":\"shipped\"}");
  }
}

static void
test_openai_embeddings (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Response) r = send_request (f, "POST", "/v1/embeddings",
                                        "{\"model\":\"text-embedding-3-small\",\"input\":[\"return my shoes\",\"card payment\"]}",
                                        &openai_opts);
  g_autoptr(JsonObject) reply = response_json (r);
  JsonArray *items = json_object_get_array_member (reply, "data");

  g_assert_cmpstr (json_object_get_string_member (reply, "object"), ==, "list");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 1), "index"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (items, 0), "embedding")), ==, 1536);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply, "usage"), "prompt_tokens"), ==, 5);

  {
    g_autoptr(Response) b = send_request (f, "POST", "/v1/embeddings",
                                          "{\"model\":\"m\",\"input\":\"hi\",\"dimensions\":8,\"encoding_format\":\"base64\"}",
                                          &openai_opts);
    g_autoptr(JsonObject) json = response_json (b);
    const char *b64 = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (json, "data"), 0), "embedding");
    gsize len = 0;
    g_autofree guchar *raw = g_base64_decode (b64, &len);
    double sum = 0;

    /* Little-endian float32, normalised. */
    g_assert_cmpuint (len, ==, 8 * sizeof (float));
    for (guint i = 0; i < 8; i++)
      {
        guint32 bits = GUINT32_FROM_LE (((guint32 *) raw)[i]);
        float x;

        memcpy (&x, &bits, sizeof x);
        sum += (double) x * x;
      }
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  }
  {
    g_autoptr(Response) bad = send_request (f, "POST", "/v1/embeddings", "{\"model\":\"m\",\"input\":[1,2]}", &openai_opts);

    g_assert_cmpuint (bad->status, ==, 400);
  }
}

/* --------------------------------------------------------------- faults */

static void
test_faults_http (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *body = converse_body ("Hello", FALSE);
  struct {
    FakeAwsFault fault;
    guint        status;
    const char  *type;
  } cases[] = {
    { FAKE_AWS_FAULT_THROTTLING, 429, "ThrottlingException" },
    { FAKE_AWS_FAULT_INTERNAL, 500, "InternalServerException" },
    { FAKE_AWS_FAULT_MODEL_NOT_READY, 429, "ModelNotReadyException" },
    { FAKE_AWS_FAULT_ACCESS_DENIED, 403, "AccessDeniedException" },
    { FAKE_AWS_FAULT_VALIDATION, 400, "ValidationException" },
  };
  g_autoptr(Response) r = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      fake_aws_push_fault (f->fake, "Converse", cases[i].fault);
      r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
      assert_aws_error (r, cases[i].status, cases[i].type, NULL);
      g_clear_pointer (&r, response_free);
    }

  /* 502 with HTML and no AWS error type. */
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_NON_JSON_ERROR);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 502);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "text/html");
  g_assert_null (soup_message_headers_get_one (r->headers, "x-amzn-ErrorType"));
  g_clear_pointer (&r, response_free);

  /* 200 with a body of the wrong shape. */
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_GARBAGE_200);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  {
    g_autoptr(JsonObject) json = response_json (r);

    g_assert_false (JSON_NODE_HOLDS_OBJECT (json_object_get_member (json, "output")));
  }
  g_clear_pointer (&r, response_free);

  /* A stream fault on a plain reply: a JSON body that ends half-way. */
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_TRUNCATED_STREAM);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();

    g_assert_false (json_parser_load_from_data (parser, (const char *) r->body->data, r->body->len, NULL));
  }
  g_clear_pointer (&r, response_free);

  /* FIFOs: per operation first, then the any-operation queue; other
   * operations are not affected by a per-operation fault. */
  fake_aws_push_fault (f->fake, NULL, FAKE_AWS_FAULT_INTERNAL);
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_THROTTLING);
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_ACCESS_DENIED);
  r = send_request (f, "POST", "/guardrail/g1/version/1/apply",
                    "{\"source\":\"INPUT\",\"content\":[{\"text\":{\"text\":\"x\"}}]}", &signed_opts);
  assert_aws_error (r, 500, "InternalServerException", NULL);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  assert_aws_error (r, 429, "ThrottlingException", NULL);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  assert_aws_error (r, 403, "AccessDeniedException", NULL);
  g_clear_pointer (&r, response_free);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, response_free);

  /* The OpenAI side has its own error shape. */
  fake_aws_push_fault (f->fake, FAKE_AWS_OP_CHAT_COMPLETIONS, FAKE_AWS_FAULT_THROTTLING);
  r = send_request (f, "POST", "/v1/chat/completions",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &openai_opts);
  g_assert_cmpuint (r->status, ==, 429);
  {
    g_autoptr(JsonObject) json = response_json (r);

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json, "error"), "code"),
                     ==, "rate_limit_exceeded");
  }
}

static void
test_faults_stream (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *body = converse_body ("Tell me about the return policy for shoes", FALSE);
  g_autoptr(Response) r = NULL;
  g_autofree char *sequence = NULL;

  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_EXCEPTION_MID_STREAM);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->error);
  g_assert_no_error (r->decode_error);
  g_assert_cmpuint (r->status, ==, 200);
  sequence = event_sequence (r);
  g_assert_cmpstr (sequence, ==, "messageStart contentBlockDelta contentBlockDelta throttlingException");
  {
    ParleyEventMessage *last = r->events->pdata[r->events->len - 1];
    g_autofree char *message_type = event_header (last, ":message-type");
    g_autoptr(JsonObject) payload = event_payload (last);

    g_assert_cmpstr (message_type, ==, "exception");
    g_assert_nonnull (json_object_get_string_member (payload, "message"));
  }
  g_clear_pointer (&r, response_free);
  g_clear_pointer (&sequence, g_free);

  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_MODEL_STREAM_ERROR);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->decode_error);
  sequence = event_sequence (r);
  g_assert_cmpstr (sequence, ==, "messageStart contentBlockDelta contentBlockDelta modelStreamErrorException");
  {
    g_autoptr(JsonObject) payload = event_payload (r->events->pdata[r->events->len - 1]);

    g_assert_cmpint (json_object_get_int_member (payload, "originalStatusCode"), ==, 500);
  }
  g_clear_pointer (&r, response_free);

  /* A wrong message CRC: the decoder stops at that frame. */
  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_CORRUPT_CRC);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->error);
  g_assert_error (r->decode_error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
  g_assert_nonnull (strstr (r->decode_error->message, "message checksum"));
  g_assert_cmpuint (r->events->len, ==, 3);
  g_clear_pointer (&r, response_free);

  /* Half a frame and the end of the body: the decoder's finish fails. */
  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_TRUNCATED_STREAM);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->error);
  g_assert_nonnull (r->decode_error);
  g_assert_cmpuint (r->events->len, ==, 3);
  g_clear_pointer (&r, response_free);

  /* Not an event stream at all. */
  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_GARBAGE_200);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_error (r->decode_error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
  g_assert_cmpuint (r->events->len, ==, 0);
  g_clear_pointer (&r, response_free);

  /* OpenAI streams: an error event, or no [DONE]. */
  {
    const char *chat = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about returns\"}]}";
    g_autoptr(GPtrArray) events = NULL;
    g_autofree char *text = NULL;

    fake_aws_push_fault (f->fake, FAKE_AWS_OP_CHAT_COMPLETIONS, FAKE_AWS_FAULT_EXCEPTION_MID_STREAM);
    r = send_request (f, "POST", "/v1/chat/completions", chat, &openai_opts);
    events = sse_events (r);
    g_assert_cmpuint (events->len, ==, 4);
    g_assert_true (g_str_has_prefix (events->pdata[3], "{\"error\":"));
    g_clear_pointer (&r, response_free);

    fake_aws_push_fault (f->fake, FAKE_AWS_OP_CHAT_COMPLETIONS, FAKE_AWS_FAULT_TRUNCATED_STREAM);
    r = send_request (f, "POST", "/v1/chat/completions", chat, &openai_opts);
    g_assert_no_error (r->error);
    text = response_text (r);
    g_assert_null (strstr (text, "[DONE]"));
    g_assert_false (g_str_has_suffix (text, "\n\n"));
  }
}

static void
test_fault_reset (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *body = converse_body ("Hello", FALSE);
  /* A new connection, so that libsoup does not quietly retry on another. */
  g_autoptr(SoupSession) fresh = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr(Response) r = NULL;

  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_RESET);
  r = start_request (f, fresh, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  WAIT_UNTIL (r->done);
  g_assert_nonnull (r->error);
  g_assert_true (r->error->domain == G_IO_ERROR);
  g_assert_cmpuint (r->status, ==, 0);
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "Converse"), ==, 1);
  g_clear_pointer (&r, response_free);

  /* The fake carries on. */
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, response_free);

  fake_aws_push_fault (f->fake, FAKE_AWS_OP_EMBEDDINGS, FAKE_AWS_FAULT_RESET);
  r = start_request (f, fresh, "POST", "/v1/embeddings", "{\"model\":\"m\",\"input\":\"x\"}", &openai_opts);
  WAIT_UNTIL (r->done);
  g_assert_nonnull (r->error);
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_fault_slow_first_byte (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *body = converse_body ("Hello", FALSE);
  g_autoptr(SoupSession) impatient = soup_session_new_with_options ("timeout", 1, "proxy-resolver", NULL, NULL);
  g_autoptr(Response) r = NULL;
  gboolean waited = FALSE;

  /* Longer than the client's read timeout: the client gives up. */
  fake_aws_set_fault_delay (f->fake, 2500);
  fake_aws_push_fault (f->fake, "ConverseStream", FAKE_AWS_FAULT_SLOW_FIRST_BYTE);
  r = start_request (f, impatient, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  WAIT_UNTIL (r->done);
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_pointer (&r, response_free);

  /* The fake's timer then writes to a connection that is gone: no harm. */
  g_timeout_add (2000, flag_cb, &waited);
  WAIT_UNTIL (waited);

  /* Patient clients get the reply after the delay. */
  fake_aws_set_fault_delay (f->fake, 300);
  fake_aws_push_fault (f->fake, "Converse", FAKE_AWS_FAULT_SLOW_FIRST_BYTE);
  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (r->headers_us, >=, 300 * 1000);
  g_clear_pointer (&r, response_free);

  r = send_request (f, "POST", HAIKU_PATH "/converse", body, &signed_opts);
  g_assert_cmpint (r->headers_us, <, 300 * 1000);
}

/* A client that goes away in the middle of a slow stream. */
static void
test_client_gone (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *body = converse_body ("Tell me a long story about shoes and returns and parcels", FALSE);
  g_autoptr(Response) r = NULL;

  fake_aws_set_delays (f->fake, 0, 50);
  r = start_request (f, f->session, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  WAIT_UNTIL (r->events->len >= 3 || r->done);
  g_assert_false (r->done);
  g_cancellable_cancel (r->cancellable);
  WAIT_UNTIL (r->done);
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_pointer (&r, response_free);

  /* Let the fake notice, then check it still serves. */
  {
    gboolean waited = FALSE;

    g_timeout_add (400, flag_cb, &waited);
    WAIT_UNTIL (waited);
  }
  fake_aws_set_delays (f->fake, 0, 0);
  r = send_request (f, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts);
  g_assert_no_error (r->decode_error);
  g_assert_cmpuint (r->status, ==, 200);
}

static gboolean
all_done (GPtrArray *responses)
{
  for (guint i = 0; i < responses->len; i++)
    if (!((Response *) responses->pdata[i])->done)
      return FALSE;
  return TRUE;
}

/* 200 streams at once on the one thread. */
static void
test_concurrent_streams (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *body = converse_body ("Where is my parcel?", FALSE);
  g_autoptr(GPtrArray) responses = g_ptr_array_new_with_free_func ((GDestroyNotify) response_free);
  const guint n = 200;
  gint64 start, elapsed;

  /* Held at once: every request in, none answered (the fake is not slowed
   * down by how fast this client can send them). */
  fake_aws_set_delays (f->fake, 600000, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (responses, start_request (f, f->session, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts));
  WAIT_UNTIL (fake_aws_get_n_requests (f->fake, "ConverseStream") == n);
  g_assert_cmpuint (fake_aws_get_peak_in_flight (f->fake), ==, n);
  for (guint i = 0; i < n; i++)
    {
      Response *r = responses->pdata[i];

      g_assert_false (r->done);
      g_cancellable_cancel (r->cancellable);
    }
  WAIT_UNTIL (all_done (responses));
  g_ptr_array_set_size (responses, 0);

  /* Streamed together: 16 deltas 40 ms apart, 0.7 s a stream, more than
   * two minutes if they were served one after the other. */
  fake_aws_set_delays (f->fake, 100, 40);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (responses, start_request (f, f->session, "POST", HAIKU_PATH "/converse-stream", body, &stream_opts));
  WAIT_UNTIL (all_done (responses));
  elapsed = g_get_monotonic_time () - start;
  for (guint i = 0; i < n; i++)
    {
      Response *r = responses->pdata[i];

      g_assert_no_error (r->error);
      g_assert_no_error (r->decode_error);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpuint (r->events->len, ==, 20);
    }
  g_assert_cmpuint (fake_aws_get_n_requests (f->fake, "ConverseStream"), ==, 2 * n);
  g_test_message ("%u streams in %.2f s", n, elapsed / 1e6);
  g_assert_cmpint (elapsed, <, 30 * G_USEC_PER_SEC);
}

/* ---------------------------------------------------------- the program */

static void
test_program (void)
{
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "parley-fake-aws", NULL);
  const char *argv[] = { program, "--first-byte-ms", "10", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *endpoint = NULL;
  const char *body = "{\"model\":\"m\",\"input\":\"hello\"}";
  g_autoptr(GBytes) request = g_bytes_new_static (body, strlen (body));

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (url);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  /* The program runs its own loop: a blocking request is fine here. */
  endpoint = g_strconcat (url, "/v1/embeddings", NULL);
  msg = soup_message_new ("POST", endpoint);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " FAKE_AWS_OPENAI_KEY);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (reply, NULL), "\"embedding\""));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  {
    /* Bad options. */
    const char *bad[] = { program, "--port", "70000", NULL };
    g_autoptr(GSubprocess) p = g_subprocess_newv (bad, G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);

    g_assert_no_error (error);
    g_subprocess_wait (p, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (p), !=, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/fake-aws/sigv4/accepted", test_sigv4_accepted);
  ADD ("/fake-aws/sigv4/rejected", test_sigv4_rejected);
  ADD ("/fake-aws/validation", test_validation);
  g_test_add_func ("/fake-aws/shapes", test_shapes);
  ADD ("/fake-aws/converse", test_converse);
  ADD ("/fake-aws/converse-stream", test_converse_stream);
  ADD ("/fake-aws/tool-use", test_tool_use);
  ADD ("/fake-aws/titan", test_titan);
  ADD ("/fake-aws/retrieve", test_retrieve);
  ADD ("/fake-aws/guardrail", test_guardrail);
  ADD ("/fake-aws/openai/auth", test_openai_auth);
  ADD ("/fake-aws/openai/chat", test_openai_chat);
  ADD ("/fake-aws/openai/embeddings", test_openai_embeddings);
  ADD ("/fake-aws/faults/http", test_faults_http);
  ADD ("/fake-aws/faults/stream", test_faults_stream);
  ADD ("/fake-aws/faults/reset", test_fault_reset);
  ADD ("/fake-aws/faults/slow-first-byte", test_fault_slow_first_byte);
  ADD ("/fake-aws/client-gone", test_client_gone);
  ADD ("/fake-aws/concurrent-streams", test_concurrent_streams);
  g_test_add_func ("/fake-aws/program", test_program);
#undef ADD

  return g_test_run ();
}
