/* parley-sigv4.h — AWS Signature Version 4
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *value;
} ParleyHttpHeader;

GArray     *parley_http_headers_new      (void);
void        parley_http_headers_add      (GArray      *headers,
                                          const char  *name,
                                          const char  *value);
void        parley_http_headers_set      (GArray      *headers,
                                          const char  *name,
                                          const char  *value);
const char *parley_http_headers_get      (GArray      *headers,
                                          const char  *name);

typedef struct {
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token;      /* (nullable) */
} ParleyAwsKeys;

typedef enum {
  PARLEY_SIGV4_NORMALIZE_PATH = 1 << 0,  /* every service but S3 */
  PARLEY_SIGV4_SIGN_BODY      = 1 << 1,  /* add x-amz-content-sha256 */
  PARLEY_SIGV4_TOKEN_UNSIGNED = 1 << 2,  /* add the session token after signing (some STS uses) */
} ParleySigv4Flags;

typedef struct {
  const ParleyAwsKeys *keys;
  const char          *region;
  const char          *service;
  gint64               time;            /* Unix seconds */
  ParleySigv4Flags     flags;
  guint                expires;         /* presigning: seconds the URL is valid */
} ParleySigv4Params;

/* One request, as it will go on the wire: @path and @query are what the
 * request line carries (a rest-json label already percent-encoded once). */
typedef struct {
  const char   *method;
  const char   *path;
  const char   *query;       /* (nullable) without the '?' */
  GArray       *headers;     /* ParleyHttpHeader; must hold Host */
  const guint8 *body;
  gsize         body_len;
} ParleyHttpRequest;

/* The intermediate results, for tests and for diagnosing a mismatch. */
typedef struct {
  char *canonical_request;
  char *string_to_sign;
  char *signature;          /* lower-case hex */
  char *signed_headers;     /* "host;x-amz-date" */
  char *query;              /* presigning: the signed query string */
} ParleySigv4Result;

gboolean  parley_sigv4_sign          (ParleyHttpRequest        *request,
                                      const ParleySigv4Params  *params,
                                      ParleySigv4Result        *result,
                                      GError                  **error);
gboolean  parley_sigv4_presign       (const ParleyHttpRequest  *request,
                                      const ParleySigv4Params  *params,
                                      ParleySigv4Result        *result,
                                      GError                  **error);
gboolean  parley_sigv4_verify        (const ParleyHttpRequest  *request,
                                      const ParleyAwsKeys      *keys,
                                      const char               *service,
                                      gint64                    now,
                                      gint64                    max_skew,
                                      GError                  **error);
void      parley_sigv4_result_clear  (ParleySigv4Result        *result);

char     *parley_sha256_hex          (const void               *data,
                                      gsize                     len);
char     *parley_uri_encode          (const char               *s,
                                      gssize                    len,
                                      gboolean                  keep_slash);

G_END_DECLS
