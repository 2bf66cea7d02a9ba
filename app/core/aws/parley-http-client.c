/* parley-http-client.c — HTTP on the GLib main loop, by libcurl's multi interface
 *
 * The mechanism is curl's "hiper" design (docs/examples/ghiper.c): curl tells
 * us, through CURLMOPT_SOCKETFUNCTION, which sockets to watch for what, and
 * through CURLMOPT_TIMERFUNCTION when it next wants to be woken; we turn both
 * into GSources on the client's main context and call
 * curl_multi_socket_action() when they fire. All transfers of one client
 * share curl's connection cache, so requests to one host reuse a kept-alive
 * connection (or one HTTP/2 connection).
 *
 * Callbacks from curl (write, header) never touch the multi handle: a
 * transfer that must stop (cancelled, idle too long, a data func that fails)
 * is finished from a GSource, outside curl's call stack.
 *
 * The idle (read) timeout is ours, in milliseconds: each transfer stamps the
 * time it last received something, and one timer per transfer fires at the
 * earliest moment it could have expired and re-arms itself if data came in
 * meanwhile, so a stream of many small chunks costs no timer churn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-http"

#include "config.h"

#include <curl/curl.h>
#include <glib-unix.h>
#include <string.h>

#include "parley-http-client.h"
#include "parley-sigv4.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_IDLE_TIMEOUT_MS    60000
/* A response body (non-streamed) larger than this is refused. */
#define MAX_BODY_SIZE              (64 * 1024 * 1024)

struct _ParleyHttpClient
{
  GObject       parent_instance;

  /* owned */
  CURLM        *multi;
  GMainContext *context;
  GSource      *timer;         /* curl's timeout */
  GHashTable   *sockets;       /* curl_socket_t → SocketWatch */
  GHashTable   *transfers;     /* Transfer set, for dispose */

  guint         connect_timeout_ms;
  guint         idle_timeout_ms;
  guint         n_connections;
};

G_DEFINE_FINAL_TYPE (ParleyHttpClient, parley_http_client, G_TYPE_OBJECT)

typedef struct {
  ParleyHttpClient *client;    /* borrowed */
  curl_socket_t     fd;
  GSource          *source;
  int               what;      /* CURL_POLL_* */
} SocketWatch;

typedef struct {
  ParleyHttpClient   *client;          /* borrowed: the client keeps the set */
  GTask              *task;            /* owned */
  CURL               *easy;
  struct curl_slist  *header_list;
  GBytes             *request_body;
  char                error_buffer[CURL_ERROR_SIZE];

  ParleyHttpResponse *response;
  GByteArray         *body;
  gboolean            headers_done;
  gboolean            streaming;       /* 2xx with a data func */

  ParleyHttpDataFunc  data_func;
  gpointer            data_user_data;
  GError             *abort_error;     /* why we stopped it ourselves */
  GSource            *abort_source;    /* finishes an aborted transfer */

  GSource            *cancel_source;
  GSource            *idle_source;
  gint64              last_activity;   /* monotonic µs */
} Transfer;

static void transfer_finish (Transfer *transfer, CURLcode code);

static void
transfer_free (Transfer *transfer)
{
  if (transfer->easy != NULL)
    curl_easy_cleanup (transfer->easy);
  g_clear_pointer (&transfer->header_list, curl_slist_free_all);
  g_clear_pointer (&transfer->request_body, g_bytes_unref);
  g_clear_pointer (&transfer->response, parley_http_response_free);
  g_clear_pointer (&transfer->body, g_byte_array_unref);
  g_clear_error (&transfer->abort_error);
  if (transfer->abort_source != NULL)
    {
      g_source_destroy (transfer->abort_source);
      g_clear_pointer (&transfer->abort_source, g_source_unref);
    }
  if (transfer->cancel_source != NULL)
    {
      g_source_destroy (transfer->cancel_source);
      g_clear_pointer (&transfer->cancel_source, g_source_unref);
    }
  if (transfer->idle_source != NULL)
    {
      g_source_destroy (transfer->idle_source);
      g_clear_pointer (&transfer->idle_source, g_source_unref);
    }
  g_clear_object (&transfer->task);
  g_free (transfer);
}

void
parley_http_response_free (ParleyHttpResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, g_array_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

const char *
parley_http_response_get_header (const ParleyHttpResponse *response,
                                 const char               *name)
{
  g_return_val_if_fail (response != NULL, NULL);

  return parley_http_headers_get (response->headers, name);
}

/* ---- curl's socket and timer callbacks --------------------------------- */

static void check_multi_info (ParleyHttpClient *self);

static void
socket_action (ParleyHttpClient *self,
               curl_socket_t     fd,
               int               events)
{
  int running = 0;
  CURLMcode rc;

  g_object_ref (self);
  rc = curl_multi_socket_action (self->multi, fd, events, &running);
  if (rc != CURLM_OK)
    g_warning ("curl_multi_socket_action: %s", curl_multi_strerror (rc));
  check_multi_info (self);
  g_object_unref (self);
}

static gboolean
socket_ready_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  SocketWatch *watch = user_data;
  int events = 0;

  if (condition & (G_IO_IN | G_IO_HUP))
    events |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT)
    events |= CURL_CSELECT_OUT;
  if (condition & G_IO_ERR)
    events |= CURL_CSELECT_ERR;

  /* The watch may be freed by curl's socket callback during the action. */
  socket_action (watch->client, watch->fd, events);
  return G_SOURCE_CONTINUE;
}

static void
socket_watch_free (gpointer data)
{
  SocketWatch *watch = data;

  if (watch->source != NULL)
    {
      g_source_destroy (watch->source);
      g_source_unref (watch->source);
    }
  g_free (watch);
}

static void
socket_watch_set (SocketWatch *watch,
                  int          what)
{
  GIOCondition condition = G_IO_ERR | G_IO_HUP;

  if (watch->source != NULL && watch->what == what)
    return;

  if (watch->source != NULL)
    {
      g_source_destroy (watch->source);
      g_clear_pointer (&watch->source, g_source_unref);
    }

  watch->what = what;
  if (what & CURL_POLL_IN)
    condition |= G_IO_IN;
  if (what & CURL_POLL_OUT)
    condition |= G_IO_OUT;

  watch->source = g_unix_fd_source_new (watch->fd, condition);
  g_source_set_callback (watch->source, (GSourceFunc) (void (*) (void)) socket_ready_cb, watch, NULL);
  g_source_set_static_name (watch->source, "[parley] curl socket");
  g_source_attach (watch->source, watch->client->context);
}

static int
socket_cb (CURL          *easy,
           curl_socket_t  fd,
           int            what,
           void          *user_data,
           void          *socket_data)
{
  ParleyHttpClient *self = user_data;
  SocketWatch *watch = socket_data;

  if (what == CURL_POLL_REMOVE)
    {
      g_hash_table_remove (self->sockets, GINT_TO_POINTER (fd));
      return 0;
    }

  if (watch == NULL)
    {
      watch = g_new0 (SocketWatch, 1);
      watch->client = self;
      watch->fd = fd;
      g_hash_table_replace (self->sockets, GINT_TO_POINTER (fd), watch);
      curl_multi_assign (self->multi, fd, watch);
    }
  socket_watch_set (watch, what);
  return 0;
}

static gboolean
timer_fired_cb (gpointer user_data)
{
  ParleyHttpClient *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  socket_action (self, CURL_SOCKET_TIMEOUT, 0);
  return G_SOURCE_REMOVE;
}

static int
timer_cb (CURLM    *multi,
          long      timeout_ms,
          void     *user_data)
{
  ParleyHttpClient *self = user_data;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  if (timeout_ms < 0)
    return 0;

  /* 0 means "as soon as possible": never call back into curl from here. */
  self->timer = timeout_ms == 0 ? g_idle_source_new () : g_timeout_source_new ((guint) timeout_ms);
  g_source_set_priority (self->timer, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->timer, timer_fired_cb, self, NULL);
  g_source_set_static_name (self->timer, "[parley] curl timer");
  g_source_attach (self->timer, self->context);
  return 0;
}

/* ---- per-transfer callbacks -------------------------------------------- */

static gboolean
abort_cb (gpointer user_data)
{
  Transfer *transfer = user_data;

  g_clear_pointer (&transfer->abort_source, g_source_unref);
  transfer_finish (transfer, CURLE_ABORTED_BY_CALLBACK);
  return G_SOURCE_REMOVE;
}

/* Stops @transfer with @error (taken) from the main loop, not from inside curl. */
static void
transfer_abort (Transfer *transfer,
                GError   *error)
{
  if (transfer->abort_error == NULL)
    transfer->abort_error = error;
  else
    g_error_free (error);

  if (transfer->abort_source != NULL)
    return;
  transfer->abort_source = g_idle_source_new ();
  g_source_set_callback (transfer->abort_source, abort_cb, transfer, NULL);
  g_source_set_static_name (transfer->abort_source, "[parley] http abort");
  g_source_attach (transfer->abort_source, transfer->client->context);
}

static void
transfer_headers_done (Transfer *transfer)
{
  long status = 0;

  curl_easy_getinfo (transfer->easy, CURLINFO_RESPONSE_CODE, &status);
  transfer->response->status = (guint) status;
  transfer->headers_done = TRUE;
  transfer->streaming = transfer->data_func != NULL && status >= 200 && status < 300;
}

static size_t
write_cb (char   *ptr,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  Transfer *transfer = user_data;
  gsize len = size * nmemb;

  transfer->last_activity = g_get_monotonic_time ();

  if (transfer->abort_error != NULL)
    return CURL_WRITEFUNC_ERROR;

  if (!transfer->headers_done)
    transfer_headers_done (transfer);

  if (transfer->streaming)
    {
      GError *error = NULL;

      if (transfer->response->first_byte_seconds == 0)
        curl_easy_getinfo (transfer->easy, CURLINFO_STARTTRANSFER_TIME,
                           &transfer->response->first_byte_seconds);
      if (!transfer->data_func (transfer->response, (const guint8 *) ptr, len,
                                transfer->data_user_data, &error))
        {
          if (error == NULL)
            error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "the response was refused by its reader");
          transfer_abort (transfer, error);
          return CURL_WRITEFUNC_ERROR;
        }
      return len;
    }

  if (transfer->body->len + len > MAX_BODY_SIZE)
    {
      transfer_abort (transfer, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                             "response body over %d MiB", MAX_BODY_SIZE / (1024 * 1024)));
      return CURL_WRITEFUNC_ERROR;
    }
  g_byte_array_append (transfer->body, (const guint8 *) ptr, len);
  return len;
}

static size_t
header_cb (char   *buffer,
           size_t  size,
           size_t  nitems,
           void   *user_data)
{
  Transfer *transfer = user_data;
  gsize len = size * nitems;
  const char *colon;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  transfer->last_activity = g_get_monotonic_time ();

  /* A status line starts a new header block (after 100 Continue, a redirect). */
  if (len >= 5 && memcmp (buffer, "HTTP/", 5) == 0)
    {
      g_array_set_size (transfer->response->headers, 0);
      transfer->headers_done = FALSE;
      return len;
    }

  /* The blank line ends the block: the status is known from here on. */
  if (len <= 2 && (len == 0 || buffer[0] == '\r' || buffer[0] == '\n'))
    {
      transfer_headers_done (transfer);
      return len;
    }

  colon = memchr (buffer, ':', len);
  if (colon == NULL)
    return len;

  name = g_strstrip (g_strndup (buffer, colon - buffer));
  value = g_strstrip (g_strndup (colon + 1, len - (colon + 1 - buffer)));
  if (g_utf8_validate (name, -1, NULL) && g_utf8_validate (value, -1, NULL))
    parley_http_headers_add (transfer->response->headers, name, value);
  return len;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  Transfer *transfer = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  transfer_abort (transfer, error);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_check_cb (gpointer user_data)
{
  Transfer *transfer = user_data;
  ParleyHttpClient *self = transfer->client;
  gint64 deadline = transfer->last_activity + (gint64) self->idle_timeout_ms * 1000;
  gint64 now = g_get_monotonic_time ();

  if (now >= deadline)
    {
      g_clear_pointer (&transfer->idle_source, g_source_unref);
      transfer_abort (transfer, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                             "no data for %u ms", self->idle_timeout_ms));
      return G_SOURCE_REMOVE;
    }

  g_source_set_ready_time (transfer->idle_source, deadline);
  return G_SOURCE_CONTINUE;
}

static gboolean
idle_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs idle_source_funcs = {
  .dispatch = idle_dispatch,
};

/* ---- finishing ---------------------------------------------------------- */

static GError *
error_from_curl (CURLcode    code,
                 const char *detail)
{
  const char *text = detail != NULL && *detail != '\0' ? detail : curl_easy_strerror (code);
  GIOErrorEnum io_code;

  switch (code)
    {
    case CURLE_OPERATION_TIMEDOUT:
      io_code = G_IO_ERROR_TIMED_OUT;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      io_code = G_IO_ERROR_HOST_NOT_FOUND;
      break;
    case CURLE_COULDNT_CONNECT:
      io_code = G_IO_ERROR_CONNECTION_REFUSED;
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      io_code = G_IO_ERROR_CONNECTION_CLOSED;
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      io_code = G_IO_ERROR_INVALID_ARGUMENT;
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      io_code = G_IO_ERROR_CONNECTION_REFUSED;
      break;
    default:
      io_code = G_IO_ERROR_FAILED;
      break;
    }

  return g_error_new (G_IO_ERROR, io_code, "%s", text);
}

static void
transfer_finish (Transfer *transfer,
                 CURLcode  code)
{
  ParleyHttpClient *self = transfer->client;
  ParleyHttpResponse *response = transfer->response;
  g_autoptr(GTask) task = g_steal_pointer (&transfer->task);
  long n_connects = 0;

  curl_multi_remove_handle (self->multi, transfer->easy);
  g_hash_table_steal (self->transfers, transfer);

  curl_easy_getinfo (transfer->easy, CURLINFO_NUM_CONNECTS, &n_connects);
  self->n_connections += (guint) MAX (n_connects, 0);
  curl_easy_getinfo (transfer->easy, CURLINFO_CONNECT_TIME, &response->connect_seconds);
  curl_easy_getinfo (transfer->easy, CURLINFO_TOTAL_TIME, &response->total_seconds);
  if (response->first_byte_seconds == 0)
    curl_easy_getinfo (transfer->easy, CURLINFO_STARTTRANSFER_TIME, &response->first_byte_seconds);

  if (transfer->abort_error != NULL)
    g_task_return_error (task, g_steal_pointer (&transfer->abort_error));
  else if (code != CURLE_OK)
    g_task_return_error (task, error_from_curl (code, transfer->error_buffer));
  else
    {
      if (!transfer->headers_done)
        transfer_headers_done (transfer);
      if (!transfer->streaming)
        response->body = g_byte_array_free_to_bytes (g_steal_pointer (&transfer->body));
      g_task_return_pointer (task, g_steal_pointer (&transfer->response),
                             (GDestroyNotify) parley_http_response_free);
    }

  transfer_free (transfer);
}

static void
check_multi_info (ParleyHttpClient *self)
{
  CURLMsg *msg;
  int pending;

  while ((msg = curl_multi_info_read (self->multi, &pending)) != NULL)
    {
      Transfer *transfer = NULL;

      if (msg->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &transfer);
      transfer_finish (transfer, msg->data.result);
    }
}

/* ---- GObject ------------------------------------------------------------ */

static void
parley_http_client_dispose (GObject *object)
{
  ParleyHttpClient *self = (ParleyHttpClient *) object;

  /* Transfers hold a reference on their task, whose source object is us:
   * there are none left by the time we are disposed. */
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  G_OBJECT_CLASS (parley_http_client_parent_class)->dispose (object);
}

static void
parley_http_client_finalize (GObject *object)
{
  ParleyHttpClient *self = (ParleyHttpClient *) object;

  g_assert (g_hash_table_size (self->transfers) == 0);
  g_clear_pointer (&self->transfers, g_hash_table_unref);
  /* Closing the multi handle closes the cached connections, whose sockets
   * curl reports with CURL_POLL_REMOVE: keep the table until then. */
  g_clear_pointer (&self->multi, curl_multi_cleanup);
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (parley_http_client_parent_class)->finalize (object);
}

static void
parley_http_client_class_init (ParleyHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = parley_http_client_dispose;
  object_class->finalize = parley_http_client_finalize;
}

static gpointer
init_curl (gpointer data)
{
  CURLcode rc = curl_global_init (CURL_GLOBAL_DEFAULT);

  if (rc != CURLE_OK)
    g_error ("curl_global_init: %s", curl_easy_strerror (rc));
  return NULL;
}

static void
parley_http_client_init (ParleyHttpClient *self)
{
  static GOnce curl_once = G_ONCE_INIT;

  g_once (&curl_once, init_curl, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->sockets = g_hash_table_new_full (NULL, NULL, NULL, socket_watch_free);
  self->transfers = g_hash_table_new (NULL, NULL);
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;

  self->multi = curl_multi_init ();
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
}

ParleyHttpClient *
parley_http_client_new (void)
{
  return g_object_new (PARLEY_TYPE_HTTP_CLIENT, NULL);
}

void
parley_http_client_set_connect_timeout (ParleyHttpClient *self,
                                        guint             ms)
{
  g_return_if_fail (PARLEY_IS_HTTP_CLIENT (self));

  self->connect_timeout_ms = ms > 0 ? ms : DEFAULT_CONNECT_TIMEOUT_MS;
}

void
parley_http_client_set_idle_timeout (ParleyHttpClient *self,
                                     guint             ms)
{
  g_return_if_fail (PARLEY_IS_HTTP_CLIENT (self));

  self->idle_timeout_ms = ms > 0 ? ms : DEFAULT_IDLE_TIMEOUT_MS;
}

guint
parley_http_client_get_n_connections (ParleyHttpClient *self)
{
  g_return_val_if_fail (PARLEY_IS_HTTP_CLIENT (self), 0);

  return self->n_connections;
}

static gboolean
header_is_valid (const ParleyHttpHeader *h)
{
  if (h->name == NULL || *h->name == '\0' || h->value == NULL)
    return FALSE;
  for (const char *p = h->name; *p; p++)
    if (*p <= ' ' || *p == ':' || *p == 0x7f)
      return FALSE;
  return strpbrk (h->value, "\r\n") == NULL;
}

void
parley_http_client_send_async (ParleyHttpClient            *self,
                               const ParleyHttpRequestSpec *spec,
                               ParleyHttpDataFunc           data_func,
                               gpointer                     data_user_data,
                               GCancellable                *cancellable,
                               GAsyncReadyCallback          callback,
                               gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;
  Transfer *transfer;
  CURL *easy;
  CURLMcode mrc;

  g_return_if_fail (PARLEY_IS_HTTP_CLIENT (self));
  g_return_if_fail (spec != NULL && spec->method != NULL && spec->url != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_http_client_send_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!g_str_has_prefix (spec->url, "http://") && !g_str_has_prefix (spec->url, "https://"))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "not an http or https URL: %s", spec->url);
      return;
    }

  easy = curl_easy_init ();
  if (easy == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "curl_easy_init failed");
      return;
    }

  transfer = g_new0 (Transfer, 1);
  transfer->client = self;
  transfer->easy = easy;
  transfer->data_func = data_func;
  transfer->data_user_data = data_user_data;
  transfer->response = g_new0 (ParleyHttpResponse, 1);
  transfer->response->headers = parley_http_headers_new ();
  transfer->body = g_byte_array_new ();
  transfer->last_activity = g_get_monotonic_time ();

  if (spec->headers != NULL)
    for (guint i = 0; i < spec->headers->len; i++)
      {
        const ParleyHttpHeader *h = &g_array_index (spec->headers, ParleyHttpHeader, i);
        g_autofree char *line = NULL;

        if (!header_is_valid (h))
          {
            transfer_free (transfer);
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                     "invalid request header %s", h->name != NULL ? h->name : "(null)");
            return;
          }
        /* "Name;" is curl's way of sending a header with an empty value. */
        line = *h->value != '\0' ? g_strdup_printf ("%s: %s", h->name, h->value)
                                 : g_strdup_printf ("%s;", h->name);
        transfer->header_list = curl_slist_append (transfer->header_list, line);
      }
  /* curl would otherwise add these on its own. */
  transfer->header_list = curl_slist_append (transfer->header_list, "Expect:");
  if (spec->headers == NULL || parley_http_headers_get (spec->headers, "Accept") == NULL)
    transfer->header_list = curl_slist_append (transfer->header_list, "Accept:");

  curl_easy_setopt (easy, CURLOPT_URL, spec->url);
  curl_easy_setopt (easy, CURLOPT_PRIVATE, transfer);
  curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, transfer->header_list);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) self->connect_timeout_ms);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (easy, CURLOPT_TCP_NODELAY, 1L);
  if (spec->timeout_ms > 0)
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) spec->timeout_ms);
  /* curl honours http_proxy and friends; credentials must not go through them. */
  if (spec->no_proxy)
    curl_easy_setopt (easy, CURLOPT_NOPROXY, "*");

  if (spec->body != NULL)
    {
      gsize len = 0;
      const void *data = g_bytes_get_data (spec->body, &len);

      transfer->request_body = g_bytes_ref (spec->body);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, len > 0 ? data : "");
      if (g_ascii_strcasecmp (spec->method, "POST") != 0)
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, spec->method);
    }
  else if (g_ascii_strcasecmp (spec->method, "GET") == 0)
    curl_easy_setopt (easy, CURLOPT_HTTPGET, 1L);
  else if (g_ascii_strcasecmp (spec->method, "HEAD") == 0)
    curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
  else
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, spec->method);

  transfer->task = g_steal_pointer (&task);
  g_hash_table_add (self->transfers, transfer);

  if (cancellable != NULL)
    {
      transfer->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (transfer->cancel_source, (GSourceFunc) (void (*) (void)) cancelled_cb, transfer, NULL);
      g_source_set_static_name (transfer->cancel_source, "[parley] http cancel");
      g_source_attach (transfer->cancel_source, self->context);
    }

  transfer->idle_source = g_source_new (&idle_source_funcs, sizeof (GSource));
  g_source_set_callback (transfer->idle_source, idle_check_cb, transfer, NULL);
  g_source_set_static_name (transfer->idle_source, "[parley] http idle timeout");
  g_source_set_ready_time (transfer->idle_source,
                           transfer->last_activity + (gint64) self->idle_timeout_ms * 1000);
  g_source_attach (transfer->idle_source, self->context);

  mrc = curl_multi_add_handle (self->multi, easy);
  if (mrc != CURLM_OK)
    transfer_abort (transfer, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           "curl_multi_add_handle: %s", curl_multi_strerror (mrc)));
}

ParleyHttpResponse *
parley_http_client_send_finish (ParleyHttpClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (PARLEY_IS_HTTP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
