/* test-aws-credentials.c — credentials, and the default chain: environment,
 * profiles, container credentials and IMDSv2 against a libsoup server on
 * loopback; caching, refresh near expiry, one fetch for many callers,
 * cancellation, and that nothing shown ever holds a secret.
 *
 * Each test runs with a fresh HOME and no AWS_* variable but its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "parley-aws-config.h"
#include "parley-aws-credentials-provider-private.h"
#include "parley-aws-credentials.h"
#include "parley-aws-error.h"
#include "test-utils.h"

#define ROLE "parley-role"

typedef struct {
  char        *home;
  char        *config;
  char        *credentials;

  SoupServer  *server;
  char        *base;               /* http://127.0.0.1:PORT */
  guint        port;
  GPtrArray   *paused;             /* SoupServerMessage held back */
  gboolean     pause;              /* hold container answers back */

  gint64       now;                /* the provider's clock */
  gint64       lifetime;           /* of the credentials served; 0: no Expiration */

  /* container */
  guint        n_container;
  char        *authorization;      /* as last received */
  guint        container_status;
  char        *container_body;     /* (nullable) answer instead of credentials */

  /* IMDS */
  guint        n_token;
  guint        n_role;
  guint        n_imds_credentials;
  GHashTable  *tokens;             /* the ones still good */
  gboolean     token_header_ok;    /* every token PUT had the TTL header */
  gboolean     always_401;
  gboolean     no_role;
} Fixture;

/* ---- server --------------------------------------------------------------- */

static char *
credentials_json (Fixture    *f,
                  const char *kind,
                  guint       n,
                  gboolean    imds)
{
  g_autoptr(GString) json = g_string_new ("{");

  if (imds)
    g_string_append (json, "\"Code\":\"Success\",\"LastUpdated\":\"2024-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",");
  g_string_append_printf (json, "\"AccessKeyId\":\"ASIA%sKEY%04u\",\"SecretAccessKey\":\"%s-secret-%u\","
                          "\"Token\":\"%s-token-%u\"", kind, n, kind, n, kind, n);
  if (f->lifetime != 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (f->now + f->lifetime);
      g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");

      g_string_append_printf (json, ",\"Expiration\":\"%s\"", text);
    }
  g_string_append (json, "}");
  return g_strdup (json->str);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
answer_container (Fixture           *f,
                  SoupServerMessage *msg)
{
  g_autofree char *json = NULL;

  if (f->container_body != NULL)
    {
      respond (msg, f->container_status, "application/json", f->container_body);
      return;
    }
  if (f->container_status != 200)
    {
      respond (msg, f->container_status, NULL, NULL);
      return;
    }
  json = credentials_json (f, "CONTAINER", f->n_container, FALSE);
  respond (msg, 200, "application/json", json);
}

static gboolean
imds_token_ok (Fixture           *f,
               SoupServerMessage *msg)
{
  const char *token = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "X-aws-ec2-metadata-token");

  return !f->always_401 && token != NULL && g_hash_table_contains (f->tokens, token);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);

  if (strcmp (path, "/creds") == 0 && strcmp (method, "GET") == 0)
    {
      f->n_container++;
      g_free (f->authorization);
      f->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
      if (f->pause)
        {
          soup_server_message_pause (msg);
          g_ptr_array_add (f->paused, g_object_ref (msg));
          return;
        }
      answer_container (f, msg);
    }
  else if (strcmp (path, "/latest/api/token") == 0)
    {
      g_autofree char *token = NULL;

      if (strcmp (method, "PUT") != 0)
        {
          respond (msg, 405, NULL, NULL);
          return;
        }
      f->n_token++;
      if (g_strcmp0 (soup_message_headers_get_one (headers, "X-aws-ec2-metadata-token-ttl-seconds"), "21600") != 0)
        f->token_header_ok = FALSE;
      token = g_strdup_printf ("imds-session-token-%u", f->n_token);
      g_hash_table_add (f->tokens, g_strdup (token));
      respond (msg, 200, "text/plain", token);
    }
  else if (strcmp (path, "/latest/meta-data/iam/security-credentials/") == 0)
    {
      f->n_role++;
      if (!imds_token_ok (f, msg))
        respond (msg, 401, NULL, NULL);
      else if (f->no_role)
        respond (msg, 404, NULL, NULL);
      else
        respond (msg, 200, "text/plain", ROLE "\n");
    }
  else if (strcmp (path, "/latest/meta-data/iam/security-credentials/" ROLE) == 0)
    {
      f->n_imds_credentials++;
      if (!imds_token_ok (f, msg))
        respond (msg, 401, NULL, NULL);
      else
        {
          g_autofree char *json = credentials_json (f, "IMDS", f->n_imds_credentials, TRUE);

          respond (msg, 200, "application/json", json);
        }
    }
  else
    respond (msg, 404, NULL, NULL);
}

static void
release_paused (Fixture *f)
{
  g_autoptr(GPtrArray) paused = g_steal_pointer (&f->paused);

  f->paused = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < paused->len; i++)
    {
      answer_container (f, paused->pdata[i]);
      soup_server_message_unpause (paused->pdata[i]);
    }
}

/* ---- fixture -------------------------------------------------------------- */

/* A loopback port where nothing listens. */
static guint
closed_port (void)
{
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint port = g_socket_listener_add_any_inet_port (probe, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (probe);
  return port;
}

static void
clear_aws_env (void)
{
  g_auto(GStrv) names = g_listenv ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "AWS_"))
      g_unsetenv (names[i]);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *aws = NULL;
  GSList *uris;

  clear_aws_env ();
  f->home = test_make_tmpdir ();
  g_setenv ("HOME", f->home, TRUE);
  aws = g_build_filename (f->home, ".aws", NULL);
  g_assert_cmpint (g_mkdir (aws, 0700), ==, 0);
  f->config = g_build_filename (aws, "config", NULL);
  f->credentials = g_build_filename (aws, "credentials", NULL);

  f->now = g_get_real_time () / G_USEC_PER_SEC;
  f->lifetime = 6 * 3600;
  f->container_status = 200;
  f->token_header_ok = TRUE;
  f->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->paused = g_ptr_array_new_with_free_func (g_object_unref);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, server_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->port = g_uri_get_port (uris->data);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Never the real instance metadata service, unless a test says where. */
  g_setenv ("AWS_EC2_METADATA_DISABLED", "true", TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->paused, g_ptr_array_unref);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  clear_aws_env ();
  test_rm_rf (f->home);
  g_free (f->home);
  g_free (f->config);
  g_free (f->credentials);
  g_free (f->base);
  g_free (f->authorization);
  g_free (f->container_body);
  g_hash_table_unref (f->tokens);
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gint64
fixture_clock (gpointer user_data)
{
  Fixture *f = user_data;

  return f->now;
}

static ParleyAwsCredentialsProvider *
new_provider (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyAwsConfig) config = parley_aws_config_load (&error);
  ParleyAwsCredentialsProvider *provider;

  g_assert_no_error (error);
  provider = parley_aws_credentials_provider_new (config);
  parley_aws_credentials_provider_set_clock (provider, fixture_clock, f);
  parley_aws_credentials_provider_set_retry_delay (provider, 10);
  return provider;
}

typedef struct {
  gboolean              done;
  ParleyAwsCredentials *credentials;
  GError               *error;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->credentials, parley_aws_credentials_unref);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static void
got_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Result *r = user_data;

  g_assert_false (r->done);
  r->credentials = parley_aws_credentials_provider_get_finish (PARLEY_AWS_CREDENTIALS_PROVIDER (source), result,
                                                               &r->error);
  g_assert_true ((r->credentials == NULL) != (r->error == NULL));
  r->done = TRUE;
}

static ParleyAwsCredentials *
get (ParleyAwsCredentialsProvider  *provider,
     GError                       **error)
{
  Result r = { 0 };

  parley_aws_credentials_provider_get_async (provider, NULL, got_cb, &r);
  TEST_WAIT_UNTIL (r.done);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.credentials;
}

static ParleyAwsCredentials *
get_ok (ParleyAwsCredentialsProvider *provider)
{
  g_autoptr(GError) error = NULL;
  ParleyAwsCredentials *credentials = get (provider, &error);

  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  return credentials;
}

static GError *
get_error (ParleyAwsCredentialsProvider *provider)
{
  GError *error = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = get (provider, &error);

  g_assert_null (credentials);
  g_assert_nonnull (error);
  return error;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack, needle);
}

static void
assert_lacks (const char *haystack,
              const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    g_error ("“%s” contains “%s”", haystack, needle);
}

/* ---- credentials ---------------------------------------------------------- */

static void
test_credentials_describe (void)
{
  g_autoptr(ParleyAwsCredentials) temporary = NULL;
  g_autoptr(ParleyAwsCredentials) forever = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *masked = NULL;
  ParleyAwsKeys keys = { 0 };

  /* 2030-01-01T00:00:00Z */
  temporary = parley_aws_credentials_new ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                          "FwoGZXIvYXdzEXAMPLETOKEN", 1893456000, "imds (role web)", &error);
  g_assert_no_error (error);
  text = parley_aws_credentials_describe (temporary);
  g_assert_cmpstr (text, ==, "imds (role web): access key ****MPLE, session token, expires 2030-01-01T00:00:00Z");
  assert_lacks (text, "wJalrXUtnFEMI");
  assert_lacks (text, "FwoGZXIv");
  assert_lacks (text, "AKIAIOSFODNN7");

  g_assert_cmpstr (parley_aws_credentials_get_source (temporary), ==, "imds (role web)");
  g_assert_cmpint (parley_aws_credentials_get_expiration (temporary), ==, 1893456000);
  parley_aws_credentials_get_keys (temporary, &keys);
  g_assert_cmpstr (keys.access_key_id, ==, "AKIAIOSFODNN7EXAMPLE");
  g_assert_cmpstr (keys.secret_access_key, ==, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  g_assert_cmpstr (keys.session_token, ==, "FwoGZXIvYXdzEXAMPLETOKEN");
  g_assert_true (parley_aws_credentials_expires_within (temporary, 1893456000 - 299, 300));
  g_assert_false (parley_aws_credentials_expires_within (temporary, 1893456000 - 301, 300));
  g_assert_true (parley_aws_credentials_expires_within (temporary, 1893456000, 0));

  forever = parley_aws_credentials_new ("AKIDEXAMPLE", "secret", NULL, 0, "environment", &error);
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = parley_aws_credentials_describe (forever);
  g_assert_cmpstr (text, ==, "environment: access key ****MPLE, does not expire");
  g_assert_false (parley_aws_credentials_expires_within (forever, G_MAXINT64 / 2, 300));
  parley_aws_credentials_get_keys (forever, &keys);
  g_assert_null (keys.session_token);

  masked = parley_aws_mask_key_id ("AKID");
  g_assert_cmpstr (masked, ==, "****");
  g_clear_pointer (&masked, g_free);
  masked = parley_aws_mask_key_id (NULL);
  g_assert_cmpstr (masked, ==, "****");
}

static void
test_credentials_invalid (void)
{
  static const struct {
    const char *id;
    const char *secret;
    const char *token;
  } bad[] = {
    { "", "hidden", NULL },
    { NULL, "hidden", NULL },
    { "AKID", "", NULL },
    { "AKID", "hidden value", NULL },
    { "AKID", "hidden\r\nX-Evil: 1", NULL },
    { "AKID", "hidden", "hidden\ntoken" },
    { "AKID", "hidden", "" },
    { "AKID\xc3\xa9", "hidden", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ParleyAwsCredentials) credentials =
        parley_aws_credentials_new (bad[i].id, bad[i].secret, bad[i].token, 0, "test", &error);

      g_assert_null (credentials);
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
      assert_contains (error->message, "from test");
      assert_lacks (error->message, "hidden");
    }
}

/* ---- environment and profiles ---------------------------------------------- */

static void
test_environment (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;

  /* They win over the profile. */
  write_text (f->credentials, "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profilesecret\n");
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "envsecret", TRUE);
  g_setenv ("AWS_SESSION_TOKEN", "envtoken", TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "AKIDENVIRONMENT");
  g_assert_cmpstr (parley_aws_credentials_get_secret_access_key (credentials), ==, "envsecret");
  g_assert_cmpstr (parley_aws_credentials_get_session_token (credentials), ==, "envtoken");
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "environment");
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, 0);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* Cached: no second fetch, until invalidated. */
  credentials = get_ok (provider);
  g_assert_cmpuint (parley_aws_credentials_provider_get_n_fetches (provider), ==, 1);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  parley_aws_credentials_provider_invalidate (provider);
  credentials = get_ok (provider);
  g_assert_cmpuint (parley_aws_credentials_provider_get_n_fetches (provider), ==, 2);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  g_clear_object (&provider);

  /* One without the other is an error, not a reason to look elsewhere. */
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  g_clear_error (&error);
  g_clear_object (&provider);

  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_setenv ("AWS_SECRET_ACCESS_KEY", "envsecret", TRUE);
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  assert_lacks (error->message, "envsecret");
}

static void
test_profile (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;

  write_text (f->config,
              "[default]\nregion = eu-west-1\n"
              "[profile cfgkeys]\naws_access_key_id = AKIDCONFIGFILE\naws_secret_access_key = cfgsecret\n");
  write_text (f->credentials,
              "[default]\naws_access_key_id = AKIDCREDFILE\naws_secret_access_key = credsecret\n"
              "aws_session_token = credtoken\n");

  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "AKIDCREDFILE");
  g_assert_cmpstr (parley_aws_credentials_get_secret_access_key (credentials), ==, "credsecret");
  g_assert_cmpstr (parley_aws_credentials_get_session_token (credentials), ==, "credtoken");
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "profile default (~/.aws/credentials)");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  g_clear_object (&provider);

  /* Keys in the config file are as good. */
  g_setenv ("AWS_PROFILE", "cfgkeys", TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "AKIDCONFIGFILE");
  g_assert_null (parley_aws_credentials_get_session_token (credentials));
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "profile cfgkeys (~/.aws/config)");
}

static void
test_profile_errors (Fixture       *f,
                     gconstpointer  data)
{
  static const struct {
    const char *profile;
    const char *needle;
  } cases[] = {
    { "half",      "has aws_access_key_id (in ~/.aws/credentials) but no aws_secret_access_key" },
    { "role",      "assumes a role (role_arn), which Parley does not support" },
    { "sourced",   "assumes a role from another profile (source_profile)" },
    { "sso",       "signs in with IAM Identity Center (sso_session)" },
    { "legacysso", "signs in with IAM Identity Center (sso_start_url)" },
    { "process",   "runs a credential process (credential_process)" },
    { "missing",   "The profile missing (from AWS_PROFILE) is in neither ~/.aws/config nor ~/.aws/credentials" },
    { "mistyped",  "in the config file a profile is written [profile mistyped]" },
  };

  write_text (f->config,
              "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
              "aws_access_key_id = AKIDIGNORED\naws_secret_access_key = ignoredsecret\n"
              "[profile sourced]\nsource_profile = base\n"
              "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
              "[profile legacysso]\nsso_start_url = https://corp.awsapps.com/start\n"
              "[profile process]\ncredential_process = /usr/bin/get-creds\n"
              "[mistyped]\nregion = us-east-1\n");
  write_text (f->credentials, "[half]\naws_access_key_id = AKIDHALF\n");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
      g_autoptr(GError) error = NULL;

      g_setenv ("AWS_PROFILE", cases[i].profile, TRUE);
      provider = new_provider (f);
      error = get_error (provider);
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
      assert_contains (error->message, cases[i].needle);
      assert_lacks (error->message, "ignoredsecret");
    }

  /* Unsupported kinds come with a way out. */
  {
    g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    g_setenv ("AWS_PROFILE", "sso", TRUE);
    provider = new_provider (f);
    error = get_error (provider);
    assert_contains (error->message, "aws configure export-credentials --profile sso --format env");
  }
}

static void
test_web_identity (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  write_text (f->credentials, "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n");
  g_setenv ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod", TRUE);
  g_setenv ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token", TRUE);
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "web identity");
  assert_contains (error->message, "does not support");
}

static void
test_nothing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *chain = NULL;

  write_text (f->config, "[default]\nregion = eu-west-1\n");
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "No AWS credentials found. Tried: ");
  assert_contains (error->message, "environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set)");
  assert_contains (error->message, "web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE not set)");
  assert_contains (error->message, "profile default (no aws_access_key_id or aws_secret_access_key)");
  assert_contains (error->message, "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set)");
  assert_contains (error->message, "imds (turned off by AWS_EC2_METADATA_DISABLED)");
  g_assert_cmpuint (f->n_token, ==, 0);

  chain = parley_aws_credentials_provider_describe_chain (provider);
  assert_contains (chain, "in use: none yet\n");
  assert_contains (chain, "last error: No AWS credentials found.");
}

/* ---- container -------------------------------------------------------------- */

static void
test_container (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);

  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic container-auth-token", TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);

  g_assert_cmpuint (f->n_container, ==, 1);
  g_assert_cmpstr (f->authorization, ==, "Basic container-auth-token");
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0001");
  g_assert_cmpstr (parley_aws_credentials_get_secret_access_key (credentials), ==, "CONTAINER-secret-1");
  g_assert_cmpstr (parley_aws_credentials_get_session_token (credentials), ==, "CONTAINER-token-1");
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "container");
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, f->now + f->lifetime);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* Hours left: the cache answers. */
  f->now += 3600;
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_container, ==, 1);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0001");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  g_clear_object (&provider);

  /* Credentials without an Expiration do not expire; no token, no header. */
  f->lifetime = 0;
  g_unsetenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, 0);
  g_assert_null (f->authorization);
}

static void
test_container_token_file (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://localhost:%u/creds", f->port);
  g_autofree char *token_file = g_build_filename (f->home, "eks-pod-identity-token", NULL);

  write_text (token_file, "first-token");
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "the-file-wins", TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpstr (f->authorization, ==, "first-token");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* The file is read again at every fetch. */
  write_text (token_file, "rotated-token");
  parley_aws_credentials_provider_invalidate (provider);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_container, ==, 2);
  g_assert_cmpstr (f->authorization, ==, "rotated-token");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* A line break would split the header: refused, and never sent. */
  write_text (token_file, "bad-token\r\nX-Injected: yes");
  parley_aws_credentials_provider_invalidate (provider);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "line break");
  assert_lacks (error->message, "bad-token");
  g_assert_cmpuint (f->n_container, ==, 2);
  g_clear_error (&error);

  write_text (token_file, "trailing-newline\n");
  parley_aws_credentials_provider_invalidate (provider);
  error = get_error (provider);
  assert_contains (error->message, "line break");
  g_clear_error (&error);

  /* The same for the variable. */
  g_unsetenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env\ntoken", TRUE);
  g_clear_object (&provider);
  provider = new_provider (f);
  error = get_error (provider);
  assert_contains (error->message, "AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break");
  g_clear_error (&error);
  g_clear_object (&provider);

  /* A token file that cannot be read. */
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/token", TRUE);
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  g_assert_cmpuint (f->n_container, ==, 2);
}

static void
test_container_uri_rules (Fixture       *f,
                          gconstpointer  data)
{
  static const char * const refused[] = {
    "http://10.0.0.1/creds",
    "http://example.com/creds",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/x",
    "http://127.0.0.1.example.com/creds",
  };
  static const char * const allowed[] = {
    "http://127.0.0.1/creds",
    "http://127.1.2.3:8080/creds",
    "http://[::1]/creds",
    "http://localhost/creds",
    "http://169.254.170.2/v2/credentials/x",
    "http://169.254.170.23/v1/credentials",
    "http://[fd00:ec2::23]/v1/credentials",
    "https://creds.example.com/creds",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *chain = NULL;

      g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i], TRUE);
      provider = new_provider (f);
      error = get_error (provider);
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
      assert_contains (error->message, "may use plain http only to a loopback address");
      chain = parley_aws_credentials_provider_describe_chain (provider);
      assert_contains (chain, "4. container: AWS_CONTAINER_CREDENTIALS_FULL_URI");
      assert_contains (chain, "use https");
    }

  /* Allowed ones are not fetched here (no such hosts): the chain shows them. */
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
      g_autofree char *chain = NULL;
      g_autofree char *line = g_strdup_printf ("4. container: %s (AWS_CONTAINER_CREDENTIALS_FULL_URI)\n", allowed[i]);

      g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i], TRUE);
      provider = new_provider (f);
      chain = parley_aws_credentials_provider_describe_chain (provider);
      assert_contains (chain, line);
    }

  /* The relative URI goes to the ECS agent, and wins over the full one. */
  {
    g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
    g_autofree char *chain = NULL;

    g_setenv ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/0123-abcd", TRUE);
    provider = new_provider (f);
    chain = parley_aws_credentials_provider_describe_chain (provider);
    assert_contains (chain, "4. container: http://169.254.170.2/v2/credentials/0123-abcd "
                     "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)\n");
  }
  {
    g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    g_setenv ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/creds", TRUE);
    provider = new_provider (f);
    error = get_error (provider);
    assert_contains (error->message, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/'");
  }
  g_unsetenv ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

  /* https passes the rule (and then finds nobody there). */
  {
    g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/creds", closed_port ());

    g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
    provider = new_provider (f);
    error = get_error (provider);
    g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
    assert_lacks (error->message, "plain http");
    assert_contains (error->message, "could not be reached");
  }
}

static void
test_container_errors (Fixture       *f,
                       gconstpointer  data)
{
  static const struct {
    guint       status;
    const char *body;
    guint       fetches;
    const char *needle;
  } cases[] = {
    { 500, NULL, 3, "failed (HTTP 500)" },
    { 503, "{\"code\":\"Unavailable\",\"message\":\"try later\"}", 3, "failed: Unavailable: try later (HTTP 503)" },
    { 403, "{\"code\":\"AccessDenied\",\"message\":\"not this task\"}", 1, "failed: AccessDenied: not this task (HTTP 403)" },
    { 404, "<html>not json</html>", 1, "failed (HTTP 404)" },
    { 200, "not json at all", 1, "not a JSON object" },
    { 200, "[1, 2]", 1, "not a JSON object" },
    { 200, "{\"SecretAccessKey\":\"leaked-secret\",\"Token\":\"leaked-token\"}", 1, "without an AccessKeyId" },
    { 200, "{\"AccessKeyId\":\"ASIAX\",\"Token\":\"leaked-token\"}", 1, "without a SecretAccessKey" },
    { 200, "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"leaked-secret\",\"Expiration\":\"soon\"}", 1,
      "not an ISO 8601 time: soon" },
    { 200, "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"leaked-secret\",\"Expiration\":\"2001-01-01T00:00:00Z\"}", 1,
      "expired at 2001-01-01T00:00:00Z" },
    { 200, "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"leaked-secret\",\"Expiration\":12}", 1,
      "Expiration that is not a string" },
    { 200, "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"leaked secret\"}", 1, "secret access key from container" },
    { 200, "", 1, "an empty body" },
  };
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);

  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
      g_autoptr(GError) error = NULL;

      f->n_container = 0;
      f->container_status = cases[i].status;
      g_free (f->container_body);
      f->container_body = g_strdup (cases[i].body);
      provider = new_provider (f);
      error = get_error (provider);
      g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
      assert_contains (error->message, cases[i].needle);
      assert_lacks (error->message, "leaked");
      g_assert_cmpuint (f->n_container, ==, cases[i].fetches);
      if (cases[i].status != 200)
        g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, cases[i].status);
    }
}

/* ---- IMDS ------------------------------------------------------------------- */

static void
use_imds (Fixture *f)
{
  g_unsetenv ("AWS_EC2_METADATA_DISABLED");
  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", f->base, TRUE);
}

static void
test_imds (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;

  use_imds (f);
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_token, ==, 1);
  g_assert_true (f->token_header_ok);
  g_assert_cmpuint (f->n_role, ==, 1);
  g_assert_cmpuint (f->n_imds_credentials, ==, 1);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIAIMDSKEY0001");
  g_assert_cmpstr (parley_aws_credentials_get_secret_access_key (credentials), ==, "IMDS-secret-1");
  g_assert_cmpstr (parley_aws_credentials_get_session_token (credentials), ==, "IMDS-token-1");
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "imds (role " ROLE ")");
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, f->now + f->lifetime);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* The session token is kept for the next fetch. */
  parley_aws_credentials_provider_invalidate (provider);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_token, ==, 1);
  g_assert_cmpuint (f->n_imds_credentials, ==, 2);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIAIMDSKEY0002");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* ...until it expires (6 hours). */
  f->now += 21600;
  parley_aws_credentials_provider_invalidate (provider);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_token, ==, 2);
}

static void
test_imds_unauthorized (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;

  use_imds (f);
  provider = new_provider (f);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_token, ==, 1);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* IMDS forgot our token: a 401, a new token, and on. */
  g_hash_table_remove_all (f->tokens);
  parley_aws_credentials_provider_invalidate (provider);
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_token, ==, 2);
  g_assert_cmpuint (f->n_role, ==, 3);
  g_assert_cmpstr (parley_aws_credentials_get_source (credentials), ==, "imds (role " ROLE ")");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* A 401 again after a fresh token: once only, then an error. */
  f->always_401 = TRUE;
  parley_aws_credentials_provider_invalidate (provider);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "answered HTTP 401");
  g_assert_cmpuint (f->n_token, ==, 3);
  g_assert_cmpuint (f->n_role, ==, 5);
}

static void
test_imds_no_role (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  use_imds (f);
  f->no_role = TRUE;
  provider = new_provider (f);
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "No AWS credentials found");
  assert_contains (error->message, "no IAM role (instance profile) is attached");
  g_assert_cmpuint (f->n_imds_credentials, ==, 0);
}

static double
seconds_to_error (Fixture    *f,
                  const char *endpoint,
                  const char *needle)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint, TRUE);
  provider = new_provider (f);
  start = g_get_monotonic_time ();
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "No AWS credentials found");
  if (needle != NULL)
    assert_contains (error->message, needle);
  g_test_message ("%s: %.2f s: %s", endpoint, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
                  error->message);
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static void
test_imds_unreachable (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *silent = NULL;
  double seconds;

  /* Turned off: not even tried. */
  {
    g_autoptr(ParleyAwsCredentialsProvider) provider = new_provider (f);
    g_autoptr(GError) off = get_error (provider);

    assert_contains (off->message, "imds (turned off by AWS_EC2_METADATA_DISABLED)");
    g_assert_cmpuint (f->n_token, ==, 0);
  }
  g_unsetenv ("AWS_EC2_METADATA_DISABLED");

  /* Nothing listening: refused at once. */
  closed = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_assert_cmpfloat (seconds_to_error (f, closed, "not reachable"), <, 0.5);

  /* A peer that accepts but never answers: the 1 s read timeout. */
  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  silent = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  seconds = seconds_to_error (f, silent, "not reachable");
  g_assert_cmpfloat (seconds, >, 0.9);
  g_assert_cmpfloat (seconds, <, 2.5);

  /* An address nobody answers (TEST-NET-1): the 1 s connect timeout, or
   * "no route" at once on a machine without a network. */
  g_assert_cmpfloat (seconds_to_error (f, "http://192.0.2.1", NULL), <, 2.5);
}

/* ---- cache, refresh, single flight ----------------------------------------- */

/* Whether the cached credentials' key ends as @masked says. */
static gboolean
in_use (ParleyAwsCredentialsProvider *provider,
        const char                   *masked)
{
  g_autofree char *chain = parley_aws_credentials_provider_describe_chain (provider);
  g_autofree char *needle = g_strdup_printf ("in use: container: access key %s,", masked);

  return strstr (chain, needle) != NULL;
}

static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);
  gint64 expiration;

  f->lifetime = 3600;
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);
  expiration = parley_aws_credentials_get_expiration (credentials);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0001");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* More than 5 minutes left: cached. */
  f->now = expiration - 301;
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_container, ==, 1);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* Within 5 minutes: the cached ones at once, and a refresh behind. */
  f->now = expiration - 299;
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0001");
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  TEST_WAIT_UNTIL (f->n_container == 2);
  TEST_WAIT_UNTIL (in_use (provider, "****0002"));
  g_assert_cmpuint (parley_aws_credentials_provider_get_n_fetches (provider), ==, 2);
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0002");
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, f->now + 3600);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* Less than a minute left: callers wait for the refresh. */
  expiration = f->now + 3600;
  f->now = expiration - 59;
  credentials = get_ok (provider);
  g_assert_cmpuint (f->n_container, ==, 3);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0003");
}

static void
test_refresh_fails (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);
  g_autofree char *chain = NULL;
  gint64 expiration;

  f->lifetime = 3600;
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  provider = new_provider (f);
  credentials = get_ok (provider);
  expiration = parley_aws_credentials_get_expiration (credentials);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);

  /* The endpoint breaks; the credentials still hold for 30 s: they serve. */
  f->container_status = 500;
  f->now = expiration - 30;
  credentials = get_ok (provider);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (credentials), ==, "ASIACONTAINERKEY0001");
  g_assert_cmpuint (f->n_container, ==, 1 + 3);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  chain = parley_aws_credentials_provider_describe_chain (provider);
  assert_contains (chain, "last error: The container credentials endpoint");

  /* Past their expiry and still no refresh: an error. */
  f->now = expiration + 1;
  error = get_error (provider);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  assert_contains (error->message, "The AWS credentials from container expired at");
  assert_contains (error->message, "could not be refreshed");
  assert_contains (error->message, "HTTP 500");
  g_clear_error (&error);

  /* The endpoint comes back: so do credentials. */
  f->container_status = 200;
  credentials = get_ok (provider);
  g_assert_cmpint (parley_aws_credentials_get_expiration (credentials), ==, f->now + 3600);
}

static guint
count_done (const Result *results,
            guint         n)
{
  guint done = 0;

  for (guint i = 0; i < n; i++)
    done += results[i].done ? 1 : 0;
  return done;
}

static void
test_single_flight (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);
  Result results[16] = { { 0 } };

  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  f->pause = TRUE;
  provider = new_provider (f);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    parley_aws_credentials_provider_get_async (provider, NULL, got_cb, &results[i]);
  TEST_WAIT_UNTIL (f->paused->len == 1);

  /* Let the loop run a while: still one request, nobody answered. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_container, ==, 1);
  g_assert_cmpuint (parley_aws_credentials_provider_get_n_fetches (provider), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_false (results[i].done);

  release_paused (f);
  TEST_WAIT_UNTIL (count_done (results, G_N_ELEMENTS (results)) == G_N_ELEMENTS (results));
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_true (results[i].credentials == results[0].credentials);
      g_assert_cmpstr (parley_aws_credentials_get_access_key_id (results[i].credentials), ==, "ASIACONTAINERKEY0001");
    }
  g_assert_cmpuint (f->n_container, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    result_clear (&results[i]);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);
  Result cancelled = { 0 };
  Result waiting = { 0 };
  Result late = { 0 };

  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  f->pause = TRUE;
  provider = new_provider (f);
  parley_aws_credentials_provider_get_async (provider, cancellable, got_cb, &cancelled);
  parley_aws_credentials_provider_get_async (provider, NULL, got_cb, &waiting);
  TEST_WAIT_UNTIL (f->paused->len == 1);

  /* One caller gives up: it alone is told so, at once. */
  g_cancellable_cancel (cancellable);
  TEST_WAIT_UNTIL (cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (waiting.done);

  /* Already cancelled: no wait at all. */
  parley_aws_credentials_provider_get_async (provider, cancellable, got_cb, &late);
  TEST_WAIT_UNTIL (late.done);
  g_assert_error (late.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  release_paused (f);
  TEST_WAIT_UNTIL (waiting.done);
  g_assert_no_error (waiting.error);
  g_assert_cmpstr (parley_aws_credentials_get_access_key_id (waiting.credentials), ==, "ASIACONTAINERKEY0001");
  result_clear (&cancelled);
  result_clear (&waiting);
  result_clear (&late);
}

/* ---- doctor ------------------------------------------------------------------- */

static void
test_describe_chain (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const secrets[] = {
    "envsecretvalue", "envsessiontoken", "profilesecretvalue", "profilesessiontoken",
    "container-auth-token", "CONTAINER-secret", "CONTAINER-token",
  };
  g_autoptr(ParleyAwsCredentialsProvider) provider = NULL;
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autofree char *url = g_strdup_printf ("%s/creds", f->base);
  g_autofree char *chain = NULL;
  g_autofree char *text = NULL;

  write_text (f->credentials,
              "[default]\naws_access_key_id = AKIDPROFILEKEY01\naws_secret_access_key = profilesecretvalue\n"
              "aws_session_token = profilesessiontoken\n");
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT9", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "envsecretvalue", TRUE);
  g_setenv ("AWS_SESSION_TOKEN", "envsessiontoken", TRUE);
  g_setenv ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, TRUE);
  g_setenv ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token", TRUE);
  provider = new_provider (f);

  chain = parley_aws_credentials_provider_describe_chain (provider);
  assert_contains (chain, "1. environment: AWS_ACCESS_KEY_ID ****ENT9 and AWS_SECRET_ACCESS_KEY set, with AWS_SESSION_TOKEN\n");
  assert_contains (chain, "2. web identity: not set\n");
  assert_contains (chain, "3. profile default: access key ****EY01 in ~/.aws/credentials, with aws_session_token\n");
  assert_contains (chain, "(AWS_CONTAINER_CREDENTIALS_FULL_URI), authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN\n");
  assert_contains (chain, "5. imds: turned off (AWS_EC2_METADATA_DISABLED)\n");
  assert_contains (chain, "in use: none yet\n");
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    assert_lacks (chain, secrets[i]);
  g_clear_pointer (&chain, g_free);

  credentials = get_ok (provider);
  chain = parley_aws_credentials_provider_describe_chain (provider);
  assert_contains (chain, "in use: environment: access key ****ENT9, session token, does not expire\n");
  text = parley_aws_credentials_describe (credentials);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      assert_lacks (chain, secrets[i]);
      assert_lacks (text, secrets[i]);
    }
  g_clear_pointer (&chain, g_free);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&credentials, parley_aws_credentials_unref);
  g_clear_object (&provider);

  /* The container's credentials, described. */
  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  g_unsetenv ("AWS_SESSION_TOKEN");
  write_text (f->credentials, "");
  provider = new_provider (f);
  credentials = get_ok (provider);
  chain = parley_aws_credentials_provider_describe_chain (provider);
  text = parley_aws_credentials_describe (credentials);
  assert_contains (chain, "in use: container: access key ****0001, session token, expires ");
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      assert_lacks (chain, secrets[i]);
      assert_lacks (text, secrets[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/aws/credentials/describe", test_credentials_describe);
  g_test_add_func ("/aws/credentials/invalid", test_credentials_invalid);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/aws/provider/environment", test_environment);
  ADD ("/aws/provider/profile", test_profile);
  ADD ("/aws/provider/profile-errors", test_profile_errors);
  ADD ("/aws/provider/web-identity", test_web_identity);
  ADD ("/aws/provider/nothing", test_nothing);
  ADD ("/aws/provider/container", test_container);
  ADD ("/aws/provider/container-token-file", test_container_token_file);
  ADD ("/aws/provider/container-uri-rules", test_container_uri_rules);
  ADD ("/aws/provider/container-errors", test_container_errors);
  ADD ("/aws/provider/imds", test_imds);
  ADD ("/aws/provider/imds-unauthorized", test_imds_unauthorized);
  ADD ("/aws/provider/imds-no-role", test_imds_no_role);
  ADD ("/aws/provider/imds-unreachable", test_imds_unreachable);
  ADD ("/aws/provider/refresh", test_refresh);
  ADD ("/aws/provider/refresh-fails", test_refresh_fails);
  ADD ("/aws/provider/single-flight", test_single_flight);
  ADD ("/aws/provider/cancel", test_cancel);
  ADD ("/aws/provider/describe-chain", test_describe_chain);
#undef ADD

  return g_test_run ();
}
