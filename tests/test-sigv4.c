/* test-sigv4.c — every case of the official SigV4 suite, header and query
 * signing, plus verification (the local Bedrock endpoint's side) and the
 * rest-json rule for labels such as model ids.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "parley-error.h"
#include "parley-sigv4.h"
#include "test-utils.h"

typedef struct {
  char   *method;
  char   *path;
  char   *query;
  GArray *headers;
  GBytes *body;
} RawRequest;

static void
raw_request_free (RawRequest *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->query);
  g_array_unref (r->headers);
  g_bytes_unref (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawRequest, raw_request_free)

static char *
read_case_file (const char *dir,
                const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return test_read_text (path, NULL);
}

/* request.txt: "METHOD target HTTP/1.1", header lines (a line starting with
 * white space continues the previous value), a blank line, the body. */
static RawRequest *
parse_request (const char *text)
{
  RawRequest *r = g_new0 (RawRequest, 1);
  const char *eol = strchr (text, '\n');
  g_autofree char *line = g_strndup (text, eol != NULL ? (gsize) (eol - text) : strlen (text));
  const char *space = strchr (line, ' ');
  const char *version = g_strrstr (line, " HTTP/");
  g_autofree char *target = NULL;
  const char *p = eol != NULL ? eol + 1 : text + strlen (text);
  char *q;

  g_assert_nonnull (space);
  g_assert_nonnull (version);
  r->method = g_strndup (line, space - line);
  target = g_strndup (space + 1, version - space - 1);
  if ((q = strchr (target, '?')) != NULL)
    {
      r->query = g_strdup (q + 1);
      *q = '\0';
    }
  r->path = g_strdup (target);
  r->headers = parley_http_headers_new ();

  while (*p != '\0')
    {
      const char *end = strchr (p, '\n');
      g_autofree char *l = g_strndup (p, end != NULL ? (gsize) (end - p) : strlen (p));

      p = end != NULL ? end + 1 : p + strlen (p);
      if (*l == '\0')
        break;
      if (g_ascii_isspace (*l) && r->headers->len > 0)
        {
          ParleyHttpHeader *h = &g_array_index (r->headers, ParleyHttpHeader, r->headers->len - 1);
          char *joined = g_strconcat (h->value, "\n", l, NULL);

          g_free (h->value);
          h->value = joined;
          continue;
        }
      q = strchr (l, ':');
      g_assert_nonnull (q);
      *q = '\0';
      parley_http_headers_add (r->headers, l, q + 1);
    }
  r->body = g_bytes_new (p, strlen (p));
  return r;
}

static gint64
parse_time (const char *iso)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static void
test_suite_case (gconstpointer data)
{
  const char *dir = data;
  g_autofree char *context_text = read_case_file (dir, "context.json");
  g_autofree char *request_text = read_case_file (dir, "request.txt");
  g_autofree char *want_canonical = read_case_file (dir, "header-canonical-request.txt");
  g_autofree char *want_sts = read_case_file (dir, "header-string-to-sign.txt");
  g_autofree char *want_sig = read_case_file (dir, "header-signature.txt");
  g_autofree char *want_signed = read_case_file (dir, "header-signed-request.txt");
  g_autofree char *want_q_canonical = read_case_file (dir, "query-canonical-request.txt");
  g_autofree char *want_q_sts = read_case_file (dir, "query-string-to-sign.txt");
  g_autofree char *want_q_sig = read_case_file (dir, "query-signature.txt");
  g_autofree char *want_auth = NULL;
  g_autoptr(JsonNode) context = NULL;
  g_autoptr(RawRequest) raw = parse_request (request_text);
  g_autoptr(GError) error = NULL;
  JsonObject *ctx, *cred;
  ParleyAwsKeys keys = { 0 };
  ParleySigv4Params params = { 0 };
  ParleySigv4Result result = { 0 };
  ParleySigv4Result qresult = { 0 };
  ParleyHttpRequest request = { 0 };
  gsize body_len;

  context = json_from_string (context_text, &error);
  g_assert_no_error (error);
  ctx = json_node_get_object (context);
  cred = json_object_get_object_member (ctx, "credentials");
  keys.access_key_id = json_object_get_string_member (cred, "access_key_id");
  keys.secret_access_key = json_object_get_string_member (cred, "secret_access_key");
  keys.session_token = json_object_get_string_member_with_default (cred, "token", NULL);
  params.keys = &keys;
  params.region = json_object_get_string_member (ctx, "region");
  params.service = json_object_get_string_member (ctx, "service");
  params.time = parse_time (json_object_get_string_member (ctx, "timestamp"));
  params.expires = json_object_get_int_member (ctx, "expiration_in_seconds");
  if (json_object_get_boolean_member_with_default (ctx, "normalize", TRUE))
    params.flags |= PARLEY_SIGV4_NORMALIZE_PATH;
  if (json_object_get_boolean_member_with_default (ctx, "sign_body", FALSE))
    params.flags |= PARLEY_SIGV4_SIGN_BODY;
  if (json_object_get_boolean_member_with_default (ctx, "omit_session_token", FALSE))
    params.flags |= PARLEY_SIGV4_TOKEN_UNSIGNED;

  request.method = raw->method;
  request.path = raw->path;
  request.query = raw->query;
  request.headers = raw->headers;
  request.body = g_bytes_get_data (raw->body, &body_len);
  request.body_len = body_len;

  /* Query signing first: it leaves the headers as they are. */
  g_assert_true (parley_sigv4_presign (&request, &params, &qresult, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (qresult.canonical_request, ==, want_q_canonical);
  g_assert_cmpstr (qresult.string_to_sign, ==, want_q_sts);
  g_assert_cmpstr (qresult.signature, ==, want_q_sig);
  parley_sigv4_result_clear (&qresult);

  g_assert_true (parley_sigv4_sign (&request, &params, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.canonical_request, ==, want_canonical);
  g_assert_cmpstr (result.string_to_sign, ==, want_sts);
  g_assert_cmpstr (result.signature, ==, want_sig);

  /* The Authorization header is the one of the signed request. */
  {
    const char *auth = strstr (want_signed, "Authorization:");
    const char *end;

    g_assert_nonnull (auth);
    auth += strlen ("Authorization:");
    end = strchr (auth, '\n');
    want_auth = g_strndup (auth, end != NULL ? (gsize) (end - auth) : strlen (auth));
  }
  g_assert_cmpstr (parley_http_headers_get (request.headers, "authorization"), ==, want_auth);

  /* And our own verifier accepts it (cases whose token is signed, with
   * normalised paths: the rules of the services we serve). */
  if ((params.flags & PARLEY_SIGV4_NORMALIZE_PATH) && !(params.flags & PARLEY_SIGV4_TOKEN_UNSIGNED))
    {
      g_assert_true (parley_sigv4_verify (&request, &keys, params.service, params.time, 300, &error));
      g_assert_no_error (error);
    }
  parley_sigv4_result_clear (&result);
}

static void
sign_bedrock (GArray       *headers,
              const char   *path,
              const char   *body,
              gint64        time,
              ParleyAwsKeys *keys)
{
  ParleySigv4Params params = { keys, "eu-central-1", "bedrock", time, PARLEY_SIGV4_NORMALIZE_PATH, 0 };
  ParleyHttpRequest request = { "POST", path, NULL, headers, (const guint8 *) body, strlen (body) };
  g_autoptr(GError) error = NULL;
  ParleySigv4Result result = { 0 };

  g_assert_true (parley_sigv4_sign (&request, &params, &result, &error));
  g_assert_no_error (error);
  /* rest-json: the label was encoded once on the wire, and again here. */
  if (strstr (path, "%3A") != NULL)
    g_assert_nonnull (strstr (result.canonical_request, "%253A"));
  parley_sigv4_result_clear (&result);
}

static void
test_bedrock_label_and_verify (void)
{
  ParleyAwsKeys keys = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token" };
  ParleyAwsKeys wrong = { "AKIDEXAMPLE", "not-the-secret", "session-token" };
  const char *path = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
  const char *body = "{\"messages\":[]}";
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autoptr(GError) error = NULL;
  gint64 now = 1764072000;
  ParleyHttpRequest request = { "POST", path, NULL, headers, (const guint8 *) body, strlen (body) };

  parley_http_headers_add (headers, "Host", "bedrock-runtime.eu-central-1.amazonaws.com");
  parley_http_headers_add (headers, "Content-Type", "application/json");
  sign_bedrock (headers, path, body, now, &keys);
  g_assert_nonnull (parley_http_headers_get (headers, "x-amz-security-token"));

  g_assert_true (parley_sigv4_verify (&request, &keys, "bedrock", now + 60, 300, &error));
  g_assert_no_error (error);

  /* Wrong secret, changed body, stale date, wrong service: each refused. */
  g_assert_false (parley_sigv4_verify (&request, &wrong, "bedrock", now, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_FAILED);
  g_clear_error (&error);

  request.body = (const guint8 *) "{\"messages\":[1]}";
  request.body_len = strlen ((const char *) request.body);
  g_assert_false (parley_sigv4_verify (&request, &keys, "bedrock", now, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_FAILED);
  g_clear_error (&error);
  request.body = (const guint8 *) body;
  request.body_len = strlen (body);

  g_assert_false (parley_sigv4_verify (&request, &keys, "bedrock", now + 3600, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (parley_sigv4_verify (&request, &keys, "s3", now, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* A request whose label was not encoded for the wire (a raw ':') signs
   * a different canonical path, so the endpoint refuses it. */
  request.path = "/model/anthropic.claude-3-haiku-20240307-v1:0/converse";
  g_assert_false (parley_sigv4_verify (&request, &keys, "bedrock", now, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_FAILED);
  g_clear_error (&error);

  /* No Authorization at all. */
  parley_http_headers_set (headers, "Authorization", "Bearer x");
  g_assert_false (parley_sigv4_verify (&request, &keys, "bedrock", now, 300, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
}

static void
test_missing_input (void)
{
  ParleyAwsKeys empty = { "", "", NULL };
  ParleySigv4Params params = { &empty, "us-east-1", "bedrock", 0, 0, 0 };
  g_autoptr(GArray) headers = parley_http_headers_new ();
  ParleyHttpRequest request = { "GET", "/", NULL, headers, NULL, 0 };
  g_autoptr(GError) error = NULL;

  parley_http_headers_add (headers, "Host", "example.com");
  g_assert_false (parley_sigv4_sign (&request, &params, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "credentials"));
}

static void
test_uri_encode (void)
{
  g_autofree char *a = parley_uri_encode ("a b/c:d~é", -1, TRUE);
  g_autofree char *b = parley_uri_encode ("a b/c", -1, FALSE);

  g_assert_cmpstr (a, ==, "a%20b/c%3Ad~%C3%A9");
  g_assert_cmpstr (b, ==, "a%20b%2Fc");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *suite = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  test_init (&argc, &argv);
  suite = g_test_build_filename (G_TEST_DIST, "data", "sigv4", NULL);
  dir = g_dir_open (suite, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL; )
    {
      g_autofree char *path = g_build_filename (suite, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/sigv4/suite/%s", (char *) names->pdata[i]);

      g_ptr_array_add (dirs, g_build_filename (suite, names->pdata[i], NULL));
      g_test_add_data_func (test_path, dirs->pdata[dirs->len - 1], test_suite_case);
    }
  g_test_add_func ("/sigv4/bedrock-label-and-verify", test_bedrock_label_and_verify);
  g_test_add_func ("/sigv4/missing-input", test_missing_input);
  g_test_add_func ("/sigv4/uri-encode", test_uri_encode);

  return g_test_run ();
}
