/* parley-sigv4.c — AWS Signature Version 4
 *
 * The algorithm of AWS's "Signature Version 4 signing process", checked
 * against every case of the official test suite (tests/data/sigv4/): a
 * canonical request (method, normalised and encoded path, sorted encoded
 * query, lower-cased trimmed headers, hash of the body), a string to sign
 * with the credential scope, and an HMAC-SHA256 chain that derives the
 * signing key from the secret, date, region and service. HMAC and SHA-256
 * are OpenSSL's.
 *
 * Paths: the canonical URI encodes the path as it goes on the wire, so a
 * rest-json label that was encoded once for the wire (a model id's ':' as
 * %3A) is encoded again in the canonical request (%253A), as AWS expects
 * for every service but S3.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "parley-error.h"
#include "parley-sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static void
header_clear (gpointer data)
{
  ParleyHttpHeader *h = data;

  g_free (h->name);
  g_free (h->value);
}

GArray *
parley_http_headers_new (void)
{
  GArray *headers = g_array_new (FALSE, FALSE, sizeof (ParleyHttpHeader));

  g_array_set_clear_func (headers, header_clear);
  return headers;
}

void
parley_http_headers_add (GArray     *headers,
                         const char *name,
                         const char *value)
{
  ParleyHttpHeader h = { g_strdup (name), g_strdup (value) };

  g_array_append_val (headers, h);
}

/* Replaces every header called @name (any case) by one. */
void
parley_http_headers_set (GArray     *headers,
                         const char *name,
                         const char *value)
{
  for (guint i = headers->len; i > 0; i--)
    if (g_ascii_strcasecmp (g_array_index (headers, ParleyHttpHeader, i - 1).name, name) == 0)
      g_array_remove_index (headers, i - 1);
  parley_http_headers_add (headers, name, value);
}

const char *
parley_http_headers_get (GArray     *headers,
                         const char *name)
{
  for (guint i = 0; i < headers->len; i++)
    if (g_ascii_strcasecmp (g_array_index (headers, ParleyHttpHeader, i).name, name) == 0)
      return g_array_index (headers, ParleyHttpHeader, i).value;
  return NULL;
}

void
parley_sigv4_result_clear (ParleySigv4Result *result)
{
  g_clear_pointer (&result->canonical_request, g_free);
  g_clear_pointer (&result->string_to_sign, g_free);
  g_clear_pointer (&result->signature, g_free);
  g_clear_pointer (&result->signed_headers, g_free);
  g_clear_pointer (&result->query, g_free);
}

static char *
to_hex (const guint8 *data,
        gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xf];
    }
  hex[len * 2] = '\0';
  return hex;
}

char *
parley_sha256_hex (const void *data,
                   gsize       len)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;

  if (!EVP_Digest (data != NULL ? data : "", len, digest, &n, EVP_sha256 (), NULL))
    g_error ("SHA-256 failed");
  return to_hex (digest, n);
}

static void
hmac_sha256 (const guint8 *key,
             gsize         key_len,
             const char   *data,
             guint8        out[32])
{
  unsigned int n = 32;

  if (HMAC (EVP_sha256 (), key, (int) key_len, (const guint8 *) data, strlen (data), out, &n) == NULL)
    g_error ("HMAC-SHA256 failed");
}

/**
 * parley_uri_encode:
 * @keep_slash: leave '/' as it is (for paths)
 *
 * Percent-encodes every byte but RFC 3986's unreserved characters, with
 * upper-case hex digits, as SigV4 wants.
 */
char *
parley_uri_encode (const char *s,
                   gssize      len,
                   gboolean    keep_slash)
{
  g_autofree char *copy = len >= 0 ? g_strndup (s, len) : NULL;

  /* GLib escapes all but RFC 3986's unreserved characters, upper-case hex. */
  return g_uri_escape_string (copy != NULL ? copy : s, keep_slash ? "/" : NULL, FALSE);
}

/* Percent-decoded; text with a malformed escape is taken as it is. */
static char *
uri_decode (const char *s,
            gsize       len)
{
  g_autoptr(GBytes) bytes = g_uri_unescape_bytes (s, len, NULL, NULL);
  gsize n = 0;
  const char *data;

  if (bytes == NULL)
    return g_strndup (s, len);
  data = g_bytes_get_data (bytes, &n);
  return g_strndup (data, n);
}

/* RFC 3986 remove_dot_segments, and empty segments collapsed: "//a/./b/../c/" → "/a/c/". */
static char *
normalize_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  gboolean trailing = g_str_has_suffix (path, "/");
  GString *out = g_string_new (NULL);
  guint n = g_strv_length (parts);

  for (guint i = 0; i < n; i++)
    {
      if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0)
        {
          /* A final "." or ".." leaves a directory: keep the trailing slash. */
          if (i == n - 1 && *parts[i] != '\0')
            trailing = TRUE;
          continue;
        }
      if (strcmp (parts[i], "..") == 0)
        {
          if (kept->len > 0)
            g_ptr_array_remove_index (kept, kept->len - 1);
          if (i == n - 1)
            trailing = TRUE;
          continue;
        }
      g_ptr_array_add (kept, parts[i]);
    }

  for (guint i = 0; i < kept->len; i++)
    {
      g_string_append_c (out, '/');
      g_string_append (out, kept->pdata[i]);
    }
  if (out->len == 0 || trailing)
    g_string_append_c (out, '/');
  return g_string_free (out, FALSE);
}

typedef struct {
  char *key;
  char *value;
} QueryParam;

static void
query_param_clear (gpointer data)
{
  QueryParam *p = data;

  g_free (p->key);
  g_free (p->value);
}

static int
compare_params (gconstpointer a,
                gconstpointer b)
{
  const QueryParam *x = a, *y = b;
  int c = strcmp (x->key, y->key);

  return c != 0 ? c : strcmp (x->value, y->value);
}

static void
add_param (GArray     *params,
           const char *key,
           gsize       key_len,
           const char *value,
           gsize       value_len,
           gboolean    decode)
{
  QueryParam p;

  if (decode)
    {
      g_autofree char *k = uri_decode (key, key_len);
      g_autofree char *v = uri_decode (value, value_len);

      p.key = parley_uri_encode (k, -1, FALSE);
      p.value = parley_uri_encode (v, -1, FALSE);
    }
  else
    {
      p.key = parley_uri_encode (key, key_len, FALSE);
      p.value = parley_uri_encode (value, value_len, FALSE);
    }
  g_array_append_val (params, p);
}

/* The query's parameters, decoded and re-encoded the canonical way. */
static GArray *
parse_query (const char *query)
{
  GArray *params = g_array_new (FALSE, FALSE, sizeof (QueryParam));

  g_array_set_clear_func (params, query_param_clear);
  if (query == NULL)
    return params;

  for (const char *p = query; *p != '\0'; )
    {
      const char *end = strchr (p, '&');
      const char *eq;

      if (end == NULL)
        end = p + strlen (p);
      eq = memchr (p, '=', end - p);
      if (end > p)
        {
          if (eq != NULL)
            add_param (params, p, eq - p, eq + 1, end - eq - 1, TRUE);
          else
            add_param (params, p, end - p, "", 0, TRUE);
        }
      p = *end == '&' ? end + 1 : end;
    }
  return params;
}

static char *
join_query (GArray *params)
{
  GString *out = g_string_new (NULL);

  g_array_sort (params, compare_params);
  for (guint i = 0; i < params->len; i++)
    {
      QueryParam *p = &g_array_index (params, QueryParam, i);

      if (i > 0)
        g_string_append_c (out, '&');
      g_string_append (out, p->key);
      g_string_append_c (out, '=');
      g_string_append (out, p->value);
    }
  return g_string_free (out, FALSE);
}

/* Trimmed, and every run of white space (folded lines too) made one space. */
static void
append_trimmed (GString    *out,
                const char *value)
{
  gboolean space = FALSE;
  gsize start = out->len;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > start)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }
}

typedef struct {
  char    *name;     /* lower case */
  GString *value;    /* values of all headers of the name, joined with ',' */
} CanonHeader;

static void
canon_header_clear (gpointer data)
{
  CanonHeader *h = data;

  g_free (h->name);
  g_string_free (h->value, TRUE);
}

static int
compare_canon (gconstpointer a,
               gconstpointer b)
{
  return strcmp (((const CanonHeader *) a)->name, ((const CanonHeader *) b)->name);
}

/* @only: (nullable) sign only these (lower-case) names, for verifying. */
static GArray *
canonical_headers (GArray              *headers,
                   const char * const  *only)
{
  GArray *canon = g_array_new (FALSE, FALSE, sizeof (CanonHeader));

  g_array_set_clear_func (canon, canon_header_clear);
  for (guint i = 0; i < headers->len; i++)
    {
      ParleyHttpHeader *h = &g_array_index (headers, ParleyHttpHeader, i);
      g_autofree char *name = g_ascii_strdown (h->name, -1);
      CanonHeader *found = NULL;

      /* Hop-by-hop and transport headers are not signed. */
      if (only == NULL && (strcmp (name, "authorization") == 0 || strcmp (name, "user-agent") == 0 ||
                           strcmp (name, "connection") == 0 || strcmp (name, "expect") == 0 ||
                           strcmp (name, "transfer-encoding") == 0))
        continue;
      if (only != NULL && !g_strv_contains (only, name))
        continue;
      for (guint j = 0; j < canon->len && found == NULL; j++)
        if (strcmp (g_array_index (canon, CanonHeader, j).name, name) == 0)
          found = &g_array_index (canon, CanonHeader, j);
      if (found == NULL)
        {
          CanonHeader c = { g_steal_pointer (&name), g_string_new (NULL) };

          g_array_append_val (canon, c);
          found = &g_array_index (canon, CanonHeader, canon->len - 1);
        }
      else
        g_string_append_c (found->value, ',');
      append_trimmed (found->value, h->value);
    }
  g_array_sort (canon, compare_canon);
  return canon;
}

/* "host;x-amz-date": the names of @canon, sorted already. */
static char *
signed_header_names (GArray *canon)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < canon->len; i++)
    {
      if (i > 0)
        g_string_append_c (names, ';');
      g_string_append (names, g_array_index (canon, CanonHeader, i).name);
    }
  return g_string_free (names, FALSE);
}

static char *
build_canonical_request (const char  *method,
                         const char  *path,
                         const char  *canonical_query,
                         GArray      *canon,
                         const char  *payload_hash,
                         gboolean     normalize,
                         char       **signed_headers)
{
  g_autofree char *normalized = normalize ? normalize_path (path) : g_strdup (path);
  g_autofree char *uri = parley_uri_encode (normalized, -1, TRUE);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n%s\n%s\n", method, *uri != '\0' ? uri : "/", canonical_query);
  for (guint i = 0; i < canon->len; i++)
    {
      CanonHeader *h = &g_array_index (canon, CanonHeader, i);

      g_string_append_printf (out, "%s:%s\n", h->name, h->value->str);
    }
  *signed_headers = signed_header_names (canon);
  g_string_append_printf (out, "\n%s\n%s", *signed_headers, payload_hash);
  return g_string_free (out, FALSE);
}

static void
format_time (gint64 time,
             char   amz_date[17],
             char   date[9])
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (time);
  g_autofree char *full = g_date_time_format (dt, "%Y%m%dT%H%M%SZ");

  g_strlcpy (amz_date, full, 17);
  g_strlcpy (date, full, 9);
}

/* The signature of @string_to_sign: HMAC chain secret → date → region → service → "aws4_request". */
static char *
compute_signature (const char *secret,
                   const char *date,
                   const char *region,
                   const char *service,
                   const char *string_to_sign)
{
  g_autofree char *k_secret = g_strconcat ("AWS4", secret, NULL);
  guint8 k_date[32], k_region[32], k_service[32], k_signing[32], sig[32];
  char *hex;

  hmac_sha256 ((const guint8 *) k_secret, strlen (k_secret), date, k_date);
  hmac_sha256 (k_date, 32, region, k_region);
  hmac_sha256 (k_region, 32, service, k_service);
  hmac_sha256 (k_service, 32, "aws4_request", k_signing);
  hmac_sha256 (k_signing, 32, string_to_sign, sig);
  hex = to_hex (sig, 32);

  OPENSSL_cleanse (k_secret, strlen (k_secret));
  OPENSSL_cleanse (k_date, sizeof k_date);
  OPENSSL_cleanse (k_region, sizeof k_region);
  OPENSSL_cleanse (k_service, sizeof k_service);
  OPENSSL_cleanse (k_signing, sizeof k_signing);
  return hex;
}

/* The string to sign for @canonical (returned in @sts) and its signature. */
static char *
sign_canonical (const char  *canonical,
                const char  *amz_date,
                const char  *date,
                const char  *region,
                const char  *service,
                const char  *secret,
                char       **sts)
{
  g_autofree char *hash = parley_sha256_hex (canonical, strlen (canonical));

  *sts = g_strdup_printf (ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date, region, service, hash);
  return compute_signature (secret, date, region, service, *sts);
}

static gboolean
check_params (const ParleyHttpRequest  *request,
              const ParleySigv4Params  *params,
              GError                  **error)
{
  if (params->keys == NULL || params->keys->access_key_id == NULL || params->keys->secret_access_key == NULL ||
      *params->keys->access_key_id == '\0' || *params->keys->secret_access_key == '\0')
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "no AWS credentials to sign with");
      return FALSE;
    }
  if (params->region == NULL || *params->region == '\0' || params->service == NULL || *params->service == '\0')
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "signing needs a region and a service");
      return FALSE;
    }
  if (parley_http_headers_get (request->headers, "host") == NULL)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the request has no Host header");
      return FALSE;
    }
  return TRUE;
}

/**
 * parley_sigv4_sign:
 * @result: (out caller-allocates) (optional): the intermediate strings
 *
 * Signs @request in place: adds X-Amz-Date, X-Amz-Security-Token when the
 * keys have a session token, x-amz-content-sha256 with SIGN_BODY, and
 * Authorization.
 */
gboolean
parley_sigv4_sign (ParleyHttpRequest        *request,
                   const ParleySigv4Params  *params,
                   ParleySigv4Result        *result,
                   GError                  **error)
{
  g_autoptr(GArray) query = NULL;
  g_autoptr(GArray) canon = NULL;
  g_autofree char *payload_hash = NULL;
  g_autofree char *canonical_query = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *signed_headers = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *sts = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *authorization = NULL;
  const char *token = params->keys != NULL ? params->keys->session_token : NULL;
  char amz_date[17], date[9];

  if (!check_params (request, params, error))
    return FALSE;

  format_time (params->time, amz_date, date);
  payload_hash = parley_sha256_hex (request->body, request->body_len);
  parley_http_headers_set (request->headers, "X-Amz-Date", amz_date);
  if (token != NULL && *token != '\0' && !(params->flags & PARLEY_SIGV4_TOKEN_UNSIGNED))
    parley_http_headers_set (request->headers, "X-Amz-Security-Token", token);
  if (params->flags & PARLEY_SIGV4_SIGN_BODY)
    parley_http_headers_set (request->headers, "x-amz-content-sha256", payload_hash);

  query = parse_query (request->query);
  canonical_query = join_query (query);
  canon = canonical_headers (request->headers, NULL);
  canonical = build_canonical_request (request->method, request->path, canonical_query, canon, payload_hash,
                                       params->flags & PARLEY_SIGV4_NORMALIZE_PATH, &signed_headers);
  scope = g_strdup_printf ("%s/%s/%s/aws4_request", date, params->region, params->service);
  signature = sign_canonical (canonical, amz_date, date, params->region, params->service,
                              params->keys->secret_access_key, &sts);
  authorization = g_strdup_printf (ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                                   params->keys->access_key_id, scope, signed_headers, signature);
  parley_http_headers_set (request->headers, "Authorization", authorization);
  if (token != NULL && *token != '\0' && (params->flags & PARLEY_SIGV4_TOKEN_UNSIGNED))
    parley_http_headers_set (request->headers, "X-Amz-Security-Token", token);

  if (result != NULL)
    {
      result->canonical_request = g_steal_pointer (&canonical);
      result->string_to_sign = g_steal_pointer (&sts);
      result->signature = g_steal_pointer (&signature);
      result->signed_headers = g_steal_pointer (&signed_headers);
    }
  return TRUE;
}

/**
 * parley_sigv4_presign:
 * @result: (out caller-allocates): result->query is the query string to send
 *
 * Query-string signing (a presigned URL): the signature goes in the query,
 * and the headers are left as they are.
 */
gboolean
parley_sigv4_presign (const ParleyHttpRequest  *request,
                      const ParleySigv4Params  *params,
                      ParleySigv4Result        *result,
                      GError                  **error)
{
  g_autoptr(GArray) query = NULL;
  g_autoptr(GArray) canon = NULL;
  g_autofree char *payload_hash = NULL;
  g_autofree char *canonical_query = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *credential = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *signed_list = NULL;
  const char *token = params->keys != NULL ? params->keys->session_token : NULL;
  char amz_date[17], date[9];

  if (!check_params (request, params, error))
    return FALSE;

  format_time (params->time, amz_date, date);
  payload_hash = parley_sha256_hex (request->body, request->body_len);
  scope = g_strdup_printf ("%s/%s/%s/aws4_request", date, params->region, params->service);
  credential = g_strdup_printf ("%s/%s", params->keys->access_key_id, scope);
  expires = g_strdup_printf ("%u", params->expires > 0 ? params->expires : 3600);

  canon = canonical_headers (request->headers, NULL);
  signed_list = signed_header_names (canon);

  query = parse_query (request->query);
  add_param (query, "X-Amz-Algorithm", strlen ("X-Amz-Algorithm"), ALGORITHM, strlen (ALGORITHM), FALSE);
  add_param (query, "X-Amz-Credential", strlen ("X-Amz-Credential"), credential, strlen (credential), FALSE);
  add_param (query, "X-Amz-Date", strlen ("X-Amz-Date"), amz_date, strlen (amz_date), FALSE);
  add_param (query, "X-Amz-Expires", strlen ("X-Amz-Expires"), expires, strlen (expires), FALSE);
  add_param (query, "X-Amz-SignedHeaders", strlen ("X-Amz-SignedHeaders"), signed_list, strlen (signed_list), FALSE);
  if (token != NULL && *token != '\0' && !(params->flags & PARLEY_SIGV4_TOKEN_UNSIGNED))
    add_param (query, "X-Amz-Security-Token", strlen ("X-Amz-Security-Token"), token, strlen (token), FALSE);
  canonical_query = join_query (query);

  result->canonical_request = build_canonical_request (request->method, request->path, canonical_query, canon,
                                                       payload_hash, params->flags & PARLEY_SIGV4_NORMALIZE_PATH,
                                                       &result->signed_headers);
  result->signature = sign_canonical (result->canonical_request, amz_date, date, params->region, params->service,
                                      params->keys->secret_access_key, &result->string_to_sign);
  result->query = g_strdup_printf ("%s&X-Amz-Signature=%s", canonical_query, result->signature);
  return TRUE;
}

static gboolean
parse_authorization (const char  *value,
                     char       **credential,
                     char       **signed_headers,
                     char       **signature)
{
  g_auto(GStrv) parts = NULL;

  if (value == NULL || !g_str_has_prefix (value, ALGORITHM " "))
    return FALSE;
  parts = g_strsplit (value + strlen (ALGORITHM " "), ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *p = g_strstrip (parts[i]);

      if (g_str_has_prefix (p, "Credential=") && *credential == NULL)
        *credential = g_strdup (p + strlen ("Credential="));
      else if (g_str_has_prefix (p, "SignedHeaders=") && *signed_headers == NULL)
        *signed_headers = g_strdup (p + strlen ("SignedHeaders="));
      else if (g_str_has_prefix (p, "Signature=") && *signature == NULL)
        *signature = g_strdup (p + strlen ("Signature="));
    }
  return *credential != NULL && *signed_headers != NULL && *signature != NULL;
}

/**
 * parley_sigv4_verify:
 * @now: Unix seconds
 * @max_skew: how far X-Amz-Date may be from @now, in seconds
 *
 * Checks a header-signed request as AWS would, with the one key pair
 * @keys: the local test endpoint's half of SigV4. Errors are
 * PARLEY_ERROR_INVALID_INPUT (no or malformed signature, unknown key,
 * wrong scope, stale date) or PARLEY_ERROR_FAILED (signature mismatch).
 */
gboolean
parley_sigv4_verify (const ParleyHttpRequest  *request,
                     const ParleyAwsKeys      *keys,
                     const char               *service,
                     gint64                    now,
                     gint64                    max_skew,
                     GError                  **error)
{
  g_autofree char *credential = NULL;
  g_autofree char *signed_headers = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *canonical_query = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *names = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *payload_hash = NULL;
  g_autofree char *sts = NULL;
  g_auto(GStrv) scope = NULL;
  g_auto(GStrv) only = NULL;
  g_autoptr(GArray) query = NULL;
  g_autoptr(GArray) canon = NULL;
  const char *amz_date = parley_http_headers_get (request->headers, "x-amz-date");
  const char *slash;
  g_autoptr(GDateTime) when = NULL;

  if (!parse_authorization (parley_http_headers_get (request->headers, "authorization"),
                            &credential, &signed_headers, &signature))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "missing or malformed Authorization header");
      return FALSE;
    }
  slash = strchr (credential, '/');
  if (slash == NULL || (gsize) (slash - credential) != strlen (keys->access_key_id) ||
      strncmp (credential, keys->access_key_id, slash - credential) != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the security token included in the request is invalid");
      return FALSE;
    }
  scope = g_strsplit (slash + 1, "/", -1);
  if (g_strv_length (scope) != 4 || strcmp (scope[2], service) != 0 || strcmp (scope[3], "aws4_request") != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "credential should be scoped to a valid region and service");
      return FALSE;
    }
  if (amz_date == NULL || strlen (amz_date) != 16 || strncmp (amz_date, scope[0], 8) != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "missing or malformed X-Amz-Date");
      return FALSE;
    }
  {
    g_autofree char *iso = g_strdup_printf ("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", amz_date, amz_date + 4, amz_date + 6,
                                            amz_date + 9, amz_date + 11, amz_date + 13);

    when = g_date_time_new_from_iso8601 (iso, NULL);
  }
  if (when == NULL || ABS (g_date_time_to_unix (when) - now) > max_skew)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "signature expired or not yet valid (clock skew)");
      return FALSE;
    }
  if (keys->session_token != NULL &&
      g_strcmp0 (parley_http_headers_get (request->headers, "x-amz-security-token"), keys->session_token) != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the security token included in the request is invalid");
      return FALSE;
    }

  only = g_strsplit (signed_headers, ";", -1);
  if (!g_strv_contains ((const char * const *) only, "host"))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the Host header must be signed");
      return FALSE;
    }
  payload_hash = parley_sha256_hex (request->body, request->body_len);
  query = parse_query (request->query);
  canonical_query = join_query (query);
  canon = canonical_headers (request->headers, (const char * const *) only);
  canonical = build_canonical_request (request->method, request->path, canonical_query, canon, payload_hash,
                                       TRUE, &names);
  if (strcmp (names, signed_headers) != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_FAILED, "a signed header is missing from the request");
      return FALSE;
    }
  expected = sign_canonical (canonical, amz_date, scope[0], scope[1], scope[2], keys->secret_access_key, &sts);
  if (strlen (signature) != strlen (expected) || CRYPTO_memcmp (signature, expected, strlen (expected)) != 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_FAILED,
                           "the request signature we calculated does not match the signature you provided");
      return FALSE;
    }
  return TRUE;
}
