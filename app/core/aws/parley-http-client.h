/* parley-http-client.h — HTTP on the GLib main loop, by libcurl's multi interface
 *
 * One ParleyHttpClient drives any number of transfers from the main context
 * it was created in: curl's sockets and timer are GSources, so there is no
 * thread per request. Connections are kept alive and reused between
 * requests to the same host. Every request can be cancelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  guint    status;
  GArray  *headers;          /* ParleyHttpHeader (parley-sigv4.h), as received */
  GBytes  *body;             /* the whole body, unless a data func took it */
  double   connect_seconds;  /* curl's CURLINFO_CONNECT_TIME */
  double   first_byte_seconds;  /* CURLINFO_STARTTRANSFER_TIME */
  double   total_seconds;
} ParleyHttpResponse;

/* Called for each piece of a 2xx response's body as it arrives, with the
 * status and headers already in @response. Returning FALSE (with @error set)
 * aborts the transfer with that error. A non-2xx body is never passed here:
 * it is collected into response->body for the caller's error parsing. */
typedef gboolean (*ParleyHttpDataFunc) (const ParleyHttpResponse  *response,
                                        const guint8              *data,
                                        gsize                      len,
                                        gpointer                   user_data,
                                        GError                   **error);

typedef struct {
  const char   *method;        /* "GET", "POST", "PUT" … */
  const char   *url;           /* absolute; path already percent-encoded */
  GArray       *headers;       /* (nullable) ParleyHttpHeader */
  GBytes       *body;          /* (nullable) */
  guint         timeout_ms;    /* (optional) whole transfer; 0: the client's */
  gboolean      no_proxy;      /* never through a proxy (credential endpoints) */
} ParleyHttpRequestSpec;

#define PARLEY_TYPE_HTTP_CLIENT (parley_http_client_get_type ())
G_DECLARE_FINAL_TYPE (ParleyHttpClient, parley_http_client, PARLEY, HTTP_CLIENT, GObject)

/* Transfers run on the thread-default main context at the time of the call. */
ParleyHttpClient   *parley_http_client_new                 (void);
/* Connecting (DNS, TCP, TLS) may take at most @ms (default 5,000). */
void                parley_http_client_set_connect_timeout (ParleyHttpClient       *self,
                                                            guint                   ms);
/* A transfer that receives nothing for @ms fails with G_IO_ERROR_TIMED_OUT
 * (default 60,000): the read timeout. */
void                parley_http_client_set_idle_timeout    (ParleyHttpClient       *self,
                                                            guint                   ms);
/* Number of connections ever opened, for tests of keep-alive reuse. */
guint               parley_http_client_get_n_connections   (ParleyHttpClient       *self);

/* Errors: G_IO_ERROR_CANCELLED, _TIMED_OUT, _CONNECTION_REFUSED,
 * _HOST_NOT_FOUND, _CONNECTION_CLOSED (reset or truncated body),
 * _INVALID_ARGUMENT (bad URL) or the data func's own. An HTTP error status
 * is not an error here: the caller reads response->status. */
void                parley_http_client_send_async          (ParleyHttpClient             *self,
                                                            const ParleyHttpRequestSpec  *spec,
                                                            ParleyHttpDataFunc            data_func,
                                                            gpointer                      data_user_data,
                                                            GCancellable                 *cancellable,
                                                            GAsyncReadyCallback           callback,
                                                            gpointer                      user_data);
ParleyHttpResponse *parley_http_client_send_finish         (ParleyHttpClient             *self,
                                                            GAsyncResult                 *result,
                                                            GError                      **error);

void                parley_http_response_free              (ParleyHttpResponse           *response);
const char         *parley_http_response_get_header        (const ParleyHttpResponse     *response,
                                                            const char                   *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyHttpResponse, parley_http_response_free)

G_END_DECLS
