/* test-http-client.c — ParleyHttpClient against a libsoup server on loopback:
 * bodies and headers, streaming as it arrives, keep-alive reuse, many
 * transfers at once on one thread, timeouts, cancellation, resets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "parley-http-client.h"
#include "parley-sigv4.h"
#include "test-utils.h"

typedef struct {
  SoupServer *server;
  char       *base;            /* http://127.0.0.1:PORT */
  GPtrArray  *paused;          /* messages a handler left paused */
  GPtrArray  *timers;          /* GSource: the handlers' pending writes, dropped at teardown */
  gint64      second_chunk_at; /* when /stream wrote its second chunk */
  guint       n_requests;
} Fixture;

typedef struct {
  Fixture            *fixture;
  ParleyHttpResponse *response;
  GError             *error;
  gboolean            done;
  GPtrArray          *chunks;      /* GBytes, as the data func saw them */
  GArray             *chunk_times; /* gint64 */
  GCancellable       *cancel_on_first;
  gboolean            refuse;
} Call;

/* ---- server ------------------------------------------------------------- */

static gboolean
write_second_chunk_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  Fixture *fixture = g_object_get_data (G_OBJECT (msg), "fixture");
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  fixture->second_chunk_at = g_get_monotonic_time ();
  soup_message_body_append (body, SOUP_MEMORY_STATIC, "two", 3);
  soup_message_body_complete (body);
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static gboolean
reset_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  GIOStream *stream = soup_server_message_steal_connection (msg);

  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
  return G_SOURCE_REMOVE;
}

static void
drop_timer (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* A write the handler does later; it must not outlive its test. */
static void
add_timer (Fixture     *fixture,
           guint        ms,
           GSourceFunc  func,
           SoupServerMessage *msg)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, g_object_ref (msg), g_object_unref);
  g_source_attach (source, NULL);
  g_ptr_array_add (fixture->timers, source);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);

  fixture->n_requests++;

  if (g_str_equal (path, "/hello"))
    {
      soup_message_headers_append (response_headers, "X-Test", "yes");
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello", 5);
      soup_server_message_set_status (msg, 200, NULL);
    }
  else if (g_str_equal (path, "/echo"))
    {
      SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) flat = soup_message_body_flatten (request_body);
      const char *custom = soup_message_headers_get_one (request_headers, "X-Custom");
      const char *expect = soup_message_headers_get_one (request_headers, "Expect");
      g_autofree char *text = g_strdup_printf ("%s %s %zu %s expect=%s", soup_server_message_get_method (msg),
                                               custom != NULL ? custom : "-", g_bytes_get_size (flat),
                                               soup_message_headers_get_content_type (request_headers, NULL) ?: "-",
                                               expect != NULL ? expect : "-");

      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
      soup_server_message_set_status (msg, 200, NULL);
    }
  else if (g_str_equal (path, "/stream"))
    {
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CHUNKED);
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "one", 3);
      g_object_set_data (G_OBJECT (msg), "fixture", fixture);
      add_timer (fixture, 150, write_second_chunk_cb, msg);
    }
  else if (g_str_equal (path, "/error"))
    {
      static const char json[] = "{\"message\":\"try later\"}";

      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, json, strlen (json));
      soup_server_message_set_status (msg, 503, NULL);
    }
  else if (g_str_equal (path, "/stall"))
    {
      /* Headers and one chunk, then nothing, ever. */
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CHUNKED);
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "first", 5);
      g_ptr_array_add (fixture->paused, g_object_ref (msg));
    }
  else if (g_str_equal (path, "/silent"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (fixture->paused, g_object_ref (msg));
    }
  else if (g_str_equal (path, "/reset"))
    {
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_message_headers_set_content_length (response_headers, 1000);
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "partial", 7);
      add_timer (fixture, 50, reset_cb, msg);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fixture->server = soup_server_new (NULL, NULL);
  fixture->paused = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->timers = g_ptr_array_new_with_free_func (drop_timer);
  soup_server_add_handler (fixture->server, NULL, server_cb, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->server);
  fixture->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* Let the server see the client's connections close, then stop it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&fixture->paused, g_ptr_array_unref);
  g_clear_pointer (&fixture->timers, g_ptr_array_unref);
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->base, g_free);
  /* Let the sockets' sources go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- client ------------------------------------------------------------- */

static void
call_init (Call    *call,
           Fixture *fixture)
{
  memset (call, 0, sizeof *call);
  call->fixture = fixture;
  call->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  call->chunk_times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
call_clear (Call *call)
{
  g_clear_pointer (&call->response, parley_http_response_free);
  g_clear_error (&call->error);
  g_clear_pointer (&call->chunks, g_ptr_array_unref);
  g_clear_pointer (&call->chunk_times, g_array_unref);
}

static gboolean
data_cb (const ParleyHttpResponse  *response,
         const guint8              *data,
         gsize                      len,
         gpointer                   user_data,
         GError                   **error)
{
  Call *call = user_data;
  gint64 now = g_get_monotonic_time ();

  g_assert_cmpuint (response->status, ==, 200);
  if (call->refuse)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "refused by the test");
      return FALSE;
    }
  g_ptr_array_add (call->chunks, g_bytes_new (data, len));
  g_array_append_val (call->chunk_times, now);
  if (call->cancel_on_first != NULL)
    g_cancellable_cancel (call->cancel_on_first);
  return TRUE;
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;

  call->response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (object), result, &call->error);
  g_assert_true ((call->response != NULL) != (call->error != NULL));
  call->done = TRUE;
}

static void
send (ParleyHttpClient *client,
      Call             *call,
      const char       *method,
      const char       *path,
      GArray           *headers,
      GBytes           *body,
      gboolean          stream,
      GCancellable     *cancellable)
{
  g_autofree char *url = g_str_has_prefix (path, "/") ? g_strconcat (call->fixture->base, path, NULL)
                                                      : g_strdup (path);
  ParleyHttpRequestSpec spec = { .method = method, .url = url, .headers = headers, .body = body };

  parley_http_client_send_async (client, &spec, stream ? data_cb : NULL, call,
                                 cancellable, sent_cb, call);
}

static void
test_get (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  send (client, &call, "GET", "/hello", NULL, NULL, FALSE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.response->status, ==, 200);
  g_assert_cmpstr (parley_http_response_get_header (call.response, "x-test"), ==, "yes");
  g_assert_cmpmem (g_bytes_get_data (call.response->body, NULL), g_bytes_get_size (call.response->body), "hello", 5);
  g_assert_cmpfloat (call.response->total_seconds, >, 0);
  call_clear (&call);
}

static void
test_post (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autofree char *big = g_malloc (200000);
  g_autoptr(GBytes) body = NULL;
  const char *methods[] = { "POST", "PUT" };

  memset (big, 'x', 200000);
  body = g_bytes_new (big, 200000);
  parley_http_headers_add (headers, "X-Custom", "value 1");
  parley_http_headers_add (headers, "Content-Type", "application/json");

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s value 1 200000 application/json expect=-", methods[i]);
      Call call;

      call_init (&call, fixture);
      send (client, &call, methods[i], "/echo", headers, body, FALSE, NULL);
      TEST_WAIT_UNTIL (call.done);
      g_assert_no_error (call.error);
      g_assert_cmpmem (g_bytes_get_data (call.response->body, NULL), g_bytes_get_size (call.response->body),
                       expected, strlen (expected));
      call_clear (&call);
    }
}

/* The first chunk reaches the caller before the server has written the second. */
static void
test_streaming (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  send (client, &call, "GET", "/stream", NULL, NULL, TRUE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.chunks->len, ==, 2);
  g_assert_cmpmem (g_bytes_get_data (call.chunks->pdata[0], NULL), 3, "one", 3);
  g_assert_cmpmem (g_bytes_get_data (call.chunks->pdata[1], NULL), 3, "two", 3);
  g_assert_cmpint (g_array_index (call.chunk_times, gint64, 0), <, fixture->second_chunk_at);
  g_assert_null (call.response->body);
  g_assert_cmpfloat (call.response->first_byte_seconds, >, 0);
  call_clear (&call);
}

/* An error status is not streamed: its body is there for error parsing. */
static void
test_error_status (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  send (client, &call, "POST", "/error", NULL, NULL, TRUE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.response->status, ==, 503);
  g_assert_cmpuint (call.chunks->len, ==, 0);
  g_assert_nonnull (strstr (g_bytes_get_data (call.response->body, NULL), "try later"));
  call_clear (&call);
}

static void
test_keep_alive (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();

  for (guint i = 0; i < 5; i++)
    {
      Call call;

      call_init (&call, fixture);
      send (client, &call, "GET", "/hello", NULL, NULL, FALSE, NULL);
      TEST_WAIT_UNTIL (call.done);
      g_assert_no_error (call.error);
      call_clear (&call);
    }
  g_assert_cmpuint (fixture->n_requests, ==, 5);
  g_assert_cmpuint (parley_http_client_get_n_connections (client), ==, 1);
}

/* Many transfers at once, on this one thread. */
static void
test_concurrent (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  enum { N = 100 };
  Call *calls = g_new0 (Call, N);
  guint n_done = 0;

  for (guint i = 0; i < N; i++)
    {
      call_init (&calls[i], fixture);
      send (client, &calls[i], "GET", i % 2 ? "/stream" : "/hello", NULL, NULL, TRUE, NULL);
    }
  while (n_done < N)
    {
      n_done = 0;
      g_main_context_iteration (NULL, TRUE);
      for (guint i = 0; i < N; i++)
        n_done += calls[i].done;
    }
  for (guint i = 0; i < N; i++)
    {
      g_assert_no_error (calls[i].error);
      g_assert_cmpuint (calls[i].response->status, ==, 200);
      g_assert_cmpuint (calls[i].chunks->len, >=, 1);
      call_clear (&calls[i]);
    }
  g_assert_cmpuint (fixture->n_requests, ==, N);
  g_free (calls);
}

static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  Call call;

  /* A port that was free a moment ago, and is closed now. */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  call_init (&call, fixture);
  send (client, &call, "GET", url, NULL, NULL, FALSE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  call_clear (&call);
}

static void
test_host_not_found (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  send (client, &call, "GET", "http://parley-no-such-host.invalid/", NULL, NULL, FALSE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND);
  call_clear (&call);
}

static void
test_idle_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *paths[] = { "/silent", "/stall" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
      gint64 start = g_get_monotonic_time ();
      Call call;

      parley_http_client_set_idle_timeout (client, 300);
      call_init (&call, fixture);
      send (client, &call, "GET", paths[i], NULL, NULL, TRUE, NULL);
      TEST_WAIT_UNTIL (call.done);
      g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_assert_cmpint (g_get_monotonic_time () - start, >=, 290000);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
      call_clear (&call);
    }
}

/* A customer who leaves: the reader cancels after the first piece. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) early = g_cancellable_new ();
  Call call;

  call_init (&call, fixture);
  call.cancel_on_first = cancellable;
  send (client, &call, "GET", "/stall", NULL, NULL, TRUE, cancellable);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (call.chunks->len, ==, 1);
  call_clear (&call);

  /* Cancelled before it starts. */
  g_cancellable_cancel (early);
  call_init (&call, fixture);
  send (client, &call, "GET", "/hello", NULL, NULL, FALSE, early);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  call_clear (&call);

  /* The client still works. */
  call_init (&call, fixture);
  send (client, &call, "GET", "/hello", NULL, NULL, FALSE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_no_error (call.error);
  call_clear (&call);
}

static void
test_reader_refuses (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  call.refuse = TRUE;
  send (client, &call, "GET", "/stream", NULL, NULL, TRUE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  call_clear (&call);
}

static void
test_reset (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  Call call;

  call_init (&call, fixture);
  send (client, &call, "GET", "/reset", NULL, NULL, TRUE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  call_clear (&call);
}

static void
test_bad_request (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  g_autoptr(GArray) headers = parley_http_headers_new ();
  const char *urls[] = { "ftp://127.0.0.1/", "http://[::1/", "file:///etc/passwd" };
  Call call;

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      call_init (&call, fixture);
      send (client, &call, "GET", urls[i], NULL, NULL, FALSE, NULL);
      TEST_WAIT_UNTIL (call.done);
      g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      call_clear (&call);
    }

  /* Header injection. */
  parley_http_headers_add (headers, "X-Evil", "a\r\nHost: elsewhere");
  call_init (&call, fixture);
  send (client, &call, "GET", "/hello", headers, NULL, FALSE, NULL);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  call_clear (&call);
  g_assert_cmpuint (fixture->n_requests, ==, 0);
}

/* Credential endpoints bypass a configured proxy. */
static void
test_no_proxy (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(ParleyHttpClient) client = parley_http_client_new ();
  g_autofree char *url = g_strconcat (fixture->base, "/hello", NULL);
  ParleyHttpRequestSpec spec = { .method = "GET", .url = url, .no_proxy = TRUE };
  Call call;

  /* A proxy that refuses every connection. */
  g_setenv ("http_proxy", "http://127.0.0.1:9", TRUE);
  g_unsetenv ("no_proxy");
  g_unsetenv ("NO_PROXY");

  call_init (&call, fixture);
  parley_http_client_send_async (client, &spec, NULL, NULL, NULL, sent_cb, &call);
  TEST_WAIT_UNTIL (call.done);
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.response->status, ==, 200);
  call_clear (&call);

  spec.no_proxy = FALSE;
  call_init (&call, fixture);
  parley_http_client_send_async (client, &spec, NULL, NULL, NULL, sent_cb, &call);
  TEST_WAIT_UNTIL (call.done);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  call_clear (&call);
  g_unsetenv ("http_proxy");
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/http/get", test_get);
  ADD ("/http/post", test_post);
  ADD ("/http/streaming", test_streaming);
  ADD ("/http/error-status", test_error_status);
  ADD ("/http/keep-alive", test_keep_alive);
  ADD ("/http/concurrent", test_concurrent);
  ADD ("/http/refused", test_refused);
  ADD ("/http/host-not-found", test_host_not_found);
  ADD ("/http/idle-timeout", test_idle_timeout);
  ADD ("/http/cancel", test_cancel);
  ADD ("/http/reader-refuses", test_reader_refuses);
  ADD ("/http/reset", test_reset);
  ADD ("/http/bad-request", test_bad_request);
  ADD ("/http/no-proxy", test_no_proxy);
#undef ADD

  return g_test_run ();
}
