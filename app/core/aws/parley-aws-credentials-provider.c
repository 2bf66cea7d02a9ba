/* parley-aws-credentials-provider.c — the AWS SDKs' default credentials chain
 *
 * One fetch walks the chain as a GTask: the environment, web identity and
 * profile steps are decided at once from the ParleyAwsConfig snapshot; the
 * container and instance metadata steps are HTTP exchanges on a
 * ParleyHttpClient of their own with short timeouts (the metadata timeout,
 * 1 s by default, to connect and to read), so that a laptop without IMDS is
 * not held up.
 *
 * Callers that find no usable cached credentials become waiters of the one
 * fetch in flight (single flight); each waiter can be cancelled on its own
 * without stopping the fetch, whose result is still cached for the others.
 *
 * The container endpoint, as the SDKs restrict it: the relative URI always
 * goes to http://169.254.170.2; a full URI must be https, or http to a
 * loopback address (127.0.0.0/8, ::1, "localhost") or to the ECS or EKS
 * agents (169.254.170.2, 169.254.170.23, fd00:ec2::23). Host names are not
 * resolved for this check (as the JavaScript SDK and botocore do): a name
 * other than localhost needs https. The authorization token file is read
 * again at every fetch (EKS rotates it); a token with CR or LF is refused.
 *
 * IMDS is spoken in version 2 only (a session token, PUT
 * /latest/api/token, then GETs with X-aws-ec2-metadata-token): the SDKs'
 * fallback to the token-less IMDSv1 is left out on purpose. The token is
 * kept for its lifetime (6 hours) and fetched again once when IMDS answers
 * 401.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <string.h>

#include "parley-aws-credentials-provider-private.h"
#include "parley-aws-error.h"
#include "parley-http-client.h"
#include "parley-sigv4.h"

#define ECS_ENDPOINT          "http://169.254.170.2"
#define IMDS_TOKEN_TTL        21600
#define MAX_METADATA_BODY     (64 * 1024)
#define MAX_TOKEN_FILE        (16 * 1024)
#define CONTAINER_ATTEMPTS    3
#define DEFAULT_RETRY_DELAY   200    /* ms */
#define REFRESH_PACING        30     /* s between two refreshes started in the background */

struct _ParleyAwsCredentialsProvider
{
  GObject               parent_instance;

  /* owned */
  ParleyAwsConfig      *config;
  ParleyHttpClient     *http;           /* for container and IMDS, made when first needed */
  ParleyAwsCredentials *cached;
  GError               *last_error;
  GPtrArray            *waiters;        /* Waiter */
  char                 *imds_token;

  gint64                imds_token_expiry;
  gboolean              fetching;
  gint64                last_fetch_end;
  guint                 n_fetches;
  guint                 retry_delay_ms;
  ParleyAwsClockFunc    clock;
  gpointer              clock_data;
};

G_DEFINE_FINAL_TYPE (ParleyAwsCredentialsProvider, parley_aws_credentials_provider, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gint64
now_seconds (ParleyAwsCredentialsProvider *self)
{
  if (self->clock != NULL)
    return self->clock (self->clock_data);
  return g_get_real_time () / G_USEC_PER_SEC;
}

static const char *
env (ParleyAwsCredentialsProvider *self,
     const char                   *name)
{
  return parley_aws_config_get_env (self->config, name);
}

static void G_GNUC_PRINTF (3, 4)
set_credentials_error (GError     **error,
                       guint        http_status,
                       const char  *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  parley_aws_set_error (error, PARLEY_AWS_ERROR_CREDENTIALS, NULL, NULL, http_status, message);
}

/* ---- waiters ------------------------------------------------------------ */

typedef struct {
  ParleyAwsCredentialsProvider *self;           /* borrowed */
  GTask                        *task;
  GSource                      *cancel_source;  /* (nullable) */
} Waiter;

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;
  g_autoptr(GTask) task = g_object_ref (waiter->task);

  /* The fetch goes on for the others and for the cache. */
  g_ptr_array_remove (waiter->self->waiters, waiter);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
complete_waiters (ParleyAwsCredentialsProvider *self,
                  ParleyAwsCredentials         *credentials,
                  const GError                 *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  /* A callback may ask again: it finds a new list. */
  self->waiters = g_ptr_array_new_with_free_func (waiter_free);
  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = waiters->pdata[i];

      if (waiter->cancel_source != NULL)
        {
          g_source_destroy (waiter->cancel_source);
          g_clear_pointer (&waiter->cancel_source, g_source_unref);
        }
      if (credentials != NULL)
        g_task_return_pointer (waiter->task, parley_aws_credentials_ref (credentials),
                               (GDestroyNotify) parley_aws_credentials_unref);
      else
        g_task_return_error (waiter->task, g_error_copy (error));
    }
}

/* ---- one fetch of the chain --------------------------------------------- */

typedef enum {
  STEP_ENVIRONMENT,
  STEP_WEB_IDENTITY,
  STEP_PROFILE,
  STEP_CONTAINER,
  STEP_IMDS,
  STEP_END,
} Step;

typedef enum {
  IMDS_TOKEN,
  IMDS_ROLE,
  IMDS_CREDENTIALS,
} ImdsState;

typedef void (*ResponseFunc) (GTask              *task,
                              ParleyHttpResponse *response,
                              GError             *error);

typedef struct {
  Step          step;
  GString      *tried;          /* what was looked at, for "no credentials" */

  /* the HTTP exchange in progress */
  char         *method;
  char         *url;
  GArray       *headers;
  guint         attempt;
  guint         max_attempts;
  ResponseFunc  on_response;

  /* IMDS */
  ImdsState     imds_state;
  char         *role;
  gboolean      token_retried;
} Chain;

static void
chain_free (gpointer data)
{
  Chain *chain = data;

  g_string_free (chain->tried, TRUE);
  g_free (chain->method);
  g_free (chain->url);
  g_clear_pointer (&chain->headers, g_array_unref);
  g_free (chain->role);
  g_free (chain);
}

static void G_GNUC_PRINTF (2, 3)
chain_note (Chain      *chain,
            const char *format,
            ...)
{
  va_list ap;

  if (chain->tried->len > 0)
    g_string_append (chain->tried, "; ");
  va_start (ap, format);
  g_string_append_vprintf (chain->tried, format, ap);
  va_end (ap);
}

static void chain_run (GTask *task);

/* Both consume the reference to @task the chain holds. */
static void
chain_succeed (GTask                *task,
               ParleyAwsCredentials *credentials)
{
  g_task_return_pointer (task, credentials, (GDestroyNotify) parley_aws_credentials_unref);
  g_object_unref (task);
}

static void
chain_fail (GTask  *task,
            GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* No source had credentials: say what was tried. */
static void
chain_fail_nothing (GTask *task)
{
  Chain *chain = g_task_get_task_data (task);
  GError *error = NULL;

  set_credentials_error (&error, 0, "No AWS credentials found. Tried: %s", chain->tried->str);
  chain_fail (task, error);
}

static ParleyHttpClient *
get_http (ParleyAwsCredentialsProvider *self)
{
  if (self->http == NULL)
    {
      guint ms = parley_aws_config_get_metadata_timeout (self->config) * 1000;

      self->http = parley_http_client_new ();
      parley_http_client_set_connect_timeout (self->http, ms);
      parley_http_client_set_idle_timeout (self->http, ms);
    }
  return self->http;
}

static void exchange_start (GTask *task);

static gboolean
exchange_retry_cb (gpointer user_data)
{
  exchange_start (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
is_transient (const GError              *error,
              const ParleyHttpResponse  *response)
{
  if (error != NULL)
    return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  return response->status >= 500;
}

static void
exchange_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyHttpResponse) response = NULL;

  response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (source), result, &error);
  if (is_transient (error, response) && chain->attempt < chain->max_attempts)
    {
      GSource *delay = g_timeout_source_new (self->retry_delay_ms);

      g_debug ("%s %s failed (attempt %u of %u), trying again", chain->method, chain->url,
               chain->attempt, chain->max_attempts);
      g_source_set_callback (delay, exchange_retry_cb, task, NULL);
      g_source_set_static_name (delay, "[parley] aws metadata retry");
      g_source_attach (delay, g_task_get_context (task));
      g_source_unref (delay);
      return;
    }
  chain->on_response (task, response, error);
}

static void
exchange_start (GTask *task)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  ParleyHttpRequestSpec spec = {
    .method = chain->method,
    .url = chain->url,
    .headers = chain->headers,
    .timeout_ms = parley_aws_config_get_metadata_timeout (self->config) * 2000,
    /* Instance and container credentials never go through a proxy. */
    .no_proxy = TRUE,
  };

  chain->attempt++;
  parley_http_client_send_async (get_http (self), &spec, NULL, NULL, NULL, exchange_cb, task);
}

/* Sends one request (retried on transport errors and 5xx) and passes the
 * outcome to @on_response. */
static void
exchange (GTask        *task,
          const char   *method,
          const char   *url,
          GArray       *headers,
          guint         max_attempts,
          ResponseFunc  on_response)
{
  Chain *chain = g_task_get_task_data (task);

  g_free (chain->method);
  chain->method = g_strdup (method);
  g_free (chain->url);
  chain->url = g_strdup (url);
  g_clear_pointer (&chain->headers, g_array_unref);
  chain->headers = headers;
  chain->attempt = 0;
  chain->max_attempts = MAX (max_attempts, 1);
  chain->on_response = on_response;
  exchange_start (task);
}

/* ---- parsing what the endpoints say -------------------------------------- */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A short, printable excerpt of a text that came from outside. */
static char *
excerpt (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *c = text; c != NULL && *c != '\0' && out->len < 200; c++)
    g_string_append_c (out, g_ascii_isprint (*c) ? *c : '?');
  return g_string_free (out, FALSE);
}

/* What an error answer says ("code: message"), if it is JSON; never the
 * body of a success, which holds secrets. */
static char *
error_detail (const ParleyHttpResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  const char *code;
  const char *message;
  JsonNode *root;

  if (data == NULL || len == 0 || len > MAX_METADATA_BODY || !json_parser_load_from_data (parser, data, len, NULL))
    return g_strdup ("");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("");
  code = get_string (json_node_get_object (root), "code");
  if (code == NULL)
    code = get_string (json_node_get_object (root), "Code");
  message = get_string (json_node_get_object (root), "message");
  if (message == NULL)
    message = get_string (json_node_get_object (root), "Message");
  if (code == NULL && message == NULL)
    return g_strdup ("");
  {
    g_autofree char *c = excerpt (code);
    g_autofree char *m = excerpt (message);

    return g_strdup_printf (": %s%s%s", c, *c != '\0' && *m != '\0' ? ": " : "", m);
  }
}

/* {AccessKeyId, SecretAccessKey, Token, Expiration}, and for IMDS a Code
 * that must be "Success". */
static ParleyAwsCredentials *
parse_credentials (ParleyAwsCredentialsProvider  *self,
                   const ParleyHttpResponse      *response,
                   const char                    *what,
                   const char                    *source,
                   gboolean                       check_code,
                   GError                       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GDateTime) when = NULL;
  gsize len = 0;
  const char *data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  const char *code;
  const char *expiration;
  const char *id;
  const char *secret;
  JsonObject *object;
  JsonNode *root;
  gint64 expires = 0;

  if (data == NULL || len == 0 || len > MAX_METADATA_BODY)
    {
      set_credentials_error (error, 0, "%s answered with %s body", what, len == 0 ? "an empty" : "too large a");
      return NULL;
    }
  if (!g_utf8_validate (data, len, NULL) || !json_parser_load_from_data (parser, data, len, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_credentials_error (error, 0, "%s answered with something that is not a JSON object", what);
      return NULL;
    }
  object = json_node_get_object (root);

  code = get_string (object, "Code");
  if (check_code && code != NULL && strcmp (code, "Success") != 0)
    {
      g_autofree char *c = excerpt (code);
      g_autofree char *m = excerpt (get_string (object, "Message"));

      set_credentials_error (error, 0, "%s answered Code %s%s%s", what, c, *m != '\0' ? ": " : "", m);
      return NULL;
    }

  id = get_string (object, "AccessKeyId");
  secret = get_string (object, "SecretAccessKey");
  if (id == NULL || secret == NULL)
    {
      set_credentials_error (error, 0, "%s answered without %s", what,
                             id == NULL ? "an AccessKeyId" : "a SecretAccessKey");
      return NULL;
    }

  expiration = get_string (object, "Expiration");
  if (json_object_has_member (object, "Expiration") && expiration == NULL)
    {
      set_credentials_error (error, 0, "%s answered with an Expiration that is not a string", what);
      return NULL;
    }
  if (expiration != NULL)
    {
      when = g_date_time_new_from_iso8601 (expiration, NULL);
      if (when == NULL)
        {
          g_autofree char *e = excerpt (expiration);

          set_credentials_error (error, 0, "%s answered with an Expiration that is not an ISO 8601 time: %s", what, e);
          return NULL;
        }
      expires = g_date_time_to_unix (when);
      if (expires <= now_seconds (self))
        {
          g_autofree char *e = excerpt (expiration);

          set_credentials_error (error, 0, "%s answered with credentials that expired at %s", what, e);
          return NULL;
        }
    }
  if (json_object_has_member (object, "Token") && get_string (object, "Token") == NULL)
    {
      set_credentials_error (error, 0, "%s answered with a Token that is not a string", what);
      return NULL;
    }

  return parley_aws_credentials_new (id, secret, get_string (object, "Token"), expires, source, error);
}

/* ---- the steps ----------------------------------------------------------- */

static gboolean
environment_step (ParleyAwsCredentialsProvider  *self,
                  Chain                         *chain,
                  ParleyAwsCredentials         **out,
                  GError                       **error)
{
  const char *id = env (self, "AWS_ACCESS_KEY_ID");
  const char *secret = env (self, "AWS_SECRET_ACCESS_KEY");

  if (id == NULL && secret == NULL)
    {
      chain_note (chain, "environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set)");
      return TRUE;
    }
  if (id == NULL || secret == NULL)
    {
      set_credentials_error (error, 0, "%s is set but %s is not: set both, or neither",
                             id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                             id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
      return FALSE;
    }
  *out = parley_aws_credentials_new (id, secret, env (self, "AWS_SESSION_TOKEN"), 0, "environment", error);
  return *out != NULL;
}

static gboolean
web_identity_step (ParleyAwsCredentialsProvider  *self,
                   Chain                         *chain,
                   GError                       **error)
{
  if (env (self, "AWS_ROLE_ARN") == NULL || env (self, "AWS_WEB_IDENTITY_TOKEN_FILE") == NULL)
    {
      chain_note (chain, "web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE not set)");
      return TRUE;
    }
  set_credentials_error (error, 0,
                         "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE ask for web identity credentials "
                         "(STS AssumeRoleWithWebIdentity, as on EKS with IAM roles for service accounts), "
                         "which Parley does not support: use EKS Pod Identity (container credentials) "
                         "or static keys");
  return FALSE;
}

/* Why the profile is one Parley cannot use, or NULL. */
static char *
profile_unsupported (ParleyAwsConfig *config)
{
  static const char * const sso_keys[] = { "sso_session", "sso_start_url", "sso_account_id", "sso_role_name" };

  if (parley_aws_config_get_profile_value (config, "role_arn", NULL) != NULL)
    return g_strdup ("assumes a role (role_arn)");
  if (parley_aws_config_get_profile_value (config, "source_profile", NULL) != NULL)
    return g_strdup ("assumes a role from another profile (source_profile)");
  if (parley_aws_config_get_profile_value (config, "credential_source", NULL) != NULL)
    return g_strdup ("assumes a role (credential_source)");
  if (parley_aws_config_get_profile_value (config, "web_identity_token_file", NULL) != NULL)
    return g_strdup ("uses web identity (web_identity_token_file)");
  for (guint i = 0; i < G_N_ELEMENTS (sso_keys); i++)
    if (parley_aws_config_get_profile_value (config, sso_keys[i], NULL) != NULL)
      return g_strdup_printf ("signs in with IAM Identity Center (%s)", sso_keys[i]);
  if (parley_aws_config_get_profile_value (config, "credential_process", NULL) != NULL)
    return g_strdup ("runs a credential process (credential_process)");
  return NULL;
}

static gboolean
profile_step (ParleyAwsCredentialsProvider  *self,
              Chain                         *chain,
              ParleyAwsCredentials         **out,
              GError                       **error)
{
  ParleyAwsConfig *config = self->config;
  const char *selected_by = NULL;
  const char *name = parley_aws_config_get_profile_name (config, &selected_by);
  const char *id_file = NULL;
  const char *secret_file = NULL;
  const char *id;
  const char *secret;
  g_autofree char *unsupported = NULL;
  g_autofree char *source = NULL;

  if (!parley_aws_config_has_profile (config))
    {
      const char *hint = parley_aws_config_get_profile_hint (config);
      g_autofree char *config_file = parley_aws_display_path (parley_aws_config_get_config_file (config, NULL));
      g_autofree char *credentials_file = parley_aws_display_path (parley_aws_config_get_credentials_file (config, NULL));

      /* A profile asked for by name must exist; "default" need not. */
      if (strcmp (selected_by, "default") != 0)
        {
          set_credentials_error (error, 0, "The profile %s (from %s) is in neither %s nor %s%s%s",
                                 name, selected_by, config_file, credentials_file,
                                 hint != NULL ? ": " : "", hint != NULL ? hint : "");
          return FALSE;
        }
      chain_note (chain, "profile %s (not in %s or %s)", name, config_file, credentials_file);
      return TRUE;
    }

  unsupported = profile_unsupported (config);
  if (unsupported != NULL)
    {
      set_credentials_error (error, 0,
                             "The profile %s %s, which Parley does not support. Use a profile with "
                             "aws_access_key_id and aws_secret_access_key, or export temporary credentials "
                             "with: eval \"$(aws configure export-credentials --profile %s --format env)\"",
                             name, unsupported, name);
      return FALSE;
    }

  id = parley_aws_config_get_profile_value (config, "aws_access_key_id", &id_file);
  secret = parley_aws_config_get_profile_value (config, "aws_secret_access_key", &secret_file);
  if (id == NULL && secret == NULL)
    {
      chain_note (chain, "profile %s (no aws_access_key_id or aws_secret_access_key)", name);
      return TRUE;
    }
  if (id == NULL || secret == NULL)
    {
      set_credentials_error (error, 0, "The profile %s has %s (in %s) but no %s",
                             name, id != NULL ? "aws_access_key_id" : "aws_secret_access_key",
                             id != NULL ? id_file : secret_file,
                             id != NULL ? "aws_secret_access_key" : "aws_access_key_id");
      return FALSE;
    }

  source = g_strdup_printf ("profile %s (%s)", name, id_file);
  *out = parley_aws_credentials_new (id, secret,
                                     parley_aws_config_get_profile_value (config, "aws_session_token", NULL),
                                     0, source, error);
  return *out != NULL;
}

/* Whether a plain http container endpoint may be at @host (a literal). */
static gboolean
container_host_allowed (const char *host)
{
  static const char * const agents[] = { "169.254.170.2", "169.254.170.23", "fd00:ec2::23" };
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return FALSE;
  if (g_inet_address_get_is_loopback (address))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    {
      g_autoptr(GInetAddress) agent = g_inet_address_new_from_string (agents[i]);

      if (g_inet_address_equal (address, agent))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_control_or_space (const char *s)
{
  for (; *s != '\0'; s++)
    if (g_ascii_iscntrl (*s) || *s == ' ')
      return TRUE;
  return FALSE;
}

/* The container endpoint, checked; NULL with @error when it is not allowed. */
static char *
container_url (ParleyAwsCredentialsProvider  *self,
               const char                   **variable,
               GError                       **error)
{
  const char *relative = env (self, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const char *full = env (self, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (relative != NULL)
    {
      *variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
      if (relative[0] != '/' || has_control_or_space (relative))
        {
          set_credentials_error (error, 0, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path "
                                 "starting with '/', without blanks or control characters");
          return NULL;
        }
      return g_strconcat (ECS_ENDPOINT, relative, NULL);
    }

  *variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  if (has_control_or_space (full) || (uri = g_uri_parse (full, G_URI_FLAGS_NONE, NULL)) == NULL
      || (host = g_uri_get_host (uri)) == NULL || *host == '\0'
      || (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0
          && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      set_credentials_error (error, 0, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http or https URL");
      return NULL;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 && !container_host_allowed (host))
    {
      set_credentials_error (error, 0,
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI (%s) may use plain http only to a loopback "
                             "address (127.0.0.0/8, ::1, localhost) or to the ECS or EKS credential agents "
                             "(169.254.170.2, 169.254.170.23, fd00:ec2::23); use https", full);
      return NULL;
    }
  return g_strdup (full);
}

/* The Authorization header's value, read now; NULL and no error if none. */
static char *
container_authorization (ParleyAwsCredentialsProvider  *self,
                         GError                       **error)
{
  const char *path = env (self, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  const char *variable = path != NULL ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN";
  g_autofree char *token = NULL;
  gsize len = 0;

  if (path != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &local_error);

      if (file == NULL)
        {
          set_credentials_error (error, 0, "Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %s",
                                 local_error->message);
          return NULL;
        }
      len = g_mapped_file_get_length (file);
      if (len > MAX_TOKEN_FILE)
        {
          set_credentials_error (error, 0, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (%s) is larger than %d bytes",
                                 path, MAX_TOKEN_FILE);
          return NULL;
        }
      /* An empty file maps to NULL contents. */
      token = g_strndup (len > 0 ? g_mapped_file_get_contents (file) : "", len);
      if (strlen (token) != len)
        {
          set_credentials_error (error, 0, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (%s) holds a NUL byte", path);
          return NULL;
        }
    }
  else if (env (self, "AWS_CONTAINER_AUTHORIZATION_TOKEN") != NULL)
    token = g_strdup (env (self, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
  else
    return NULL;

  if (strchr (token, '\r') != NULL || strchr (token, '\n') != NULL)
    {
      set_credentials_error (error, 0, "The container authorization token from %s contains a line break "
                             "(CR or LF), which would break the HTTP request: remove it", variable);
      return NULL;
    }
  for (const char *c = token; *c != '\0'; c++)
    if (g_ascii_iscntrl (*c))
      {
        set_credentials_error (error, 0, "The container authorization token from %s contains a control character",
                               variable);
        return NULL;
      }
  if (*token == '\0')
    {
      set_credentials_error (error, 0, "The container authorization token from %s is empty", variable);
      return NULL;
    }
  return g_steal_pointer (&token);
}

static void
container_response (GTask              *task,
                    ParleyHttpResponse *response,
                    GError             *error)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autofree char *what = g_strdup_printf ("The container credentials endpoint %s", chain->url);
  GError *result_error = NULL;
  ParleyAwsCredentials *credentials;

  if (error != NULL)
    {
      set_credentials_error (&result_error, 0, "%s could not be reached: %s", what, error->message);
      chain_fail (task, result_error);
      return;
    }
  if (response->status != 200)
    {
      g_autofree char *detail = error_detail (response);

      set_credentials_error (&result_error, response->status, "%s failed%s", what, detail);
      chain_fail (task, result_error);
      return;
    }
  credentials = parse_credentials (self, response, what, "container", FALSE, &result_error);
  if (credentials == NULL)
    chain_fail (task, result_error);
  else
    chain_succeed (task, credentials);
}

/* Returns FALSE when no container endpoint is configured. */
static gboolean
container_step (GTask *task)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autoptr(GArray) headers = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  const char *variable = NULL;
  GError *error = NULL;

  if (env (self, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == NULL
      && env (self, "AWS_CONTAINER_CREDENTIALS_FULL_URI") == NULL)
    {
      chain_note (chain, "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set)");
      return FALSE;
    }

  url = container_url (self, &variable, &error);
  if (url == NULL)
    {
      chain_fail (task, error);
      return TRUE;
    }
  authorization = container_authorization (self, &error);
  if (error != NULL)
    {
      chain_fail (task, error);
      return TRUE;
    }

  headers = parley_http_headers_new ();
  parley_http_headers_add (headers, "Accept", "application/json");
  if (authorization != NULL)
    parley_http_headers_add (headers, "Authorization", authorization);
  g_debug ("fetching container credentials from %s (%s)", url, variable);
  exchange (task, "GET", url, g_steal_pointer (&headers),
            MAX (CONTAINER_ATTEMPTS, parley_aws_config_get_metadata_attempts (self->config)),
            container_response);
  return TRUE;
}

static void imds_next (GTask *task);

static gboolean
is_role_name (const char *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 128)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && strchr ("+=,.@_-", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* IMDS failed: the chain ends, saying what it tried. */
static void
imds_fail (GTask      *task,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
imds_fail (GTask      *task,
           const char *format,
           ...)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  chain_note (chain, "imds (%s: %s)", parley_aws_config_get_imds_endpoint (self->config, NULL), text);
  chain_fail_nothing (task);
}

/* A 401 means the session token is no longer good: get another, once. */
static gboolean
imds_retry_unauthorized (GTask              *task,
                         ParleyHttpResponse *response)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);

  if (response->status != 401 || chain->token_retried)
    return FALSE;
  chain->token_retried = TRUE;
  g_clear_pointer (&self->imds_token, g_free);
  chain->imds_state = IMDS_TOKEN;
  imds_next (task);
  return TRUE;
}

static void
imds_response (GTask              *task,
               ParleyHttpResponse *response,
               GError             *error)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  gsize len = 0;
  const char *data;

  if (error != NULL)
    {
      imds_fail (task, "not reachable: %s", error->message);
      return;
    }
  data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;

  switch (chain->imds_state)
    {
    case IMDS_TOKEN:
      if (response->status != 200)
        {
          if (response->status == 403)
            imds_fail (task, "refused a session token (HTTP 403): the instance metadata service may be turned off");
          else if (response->status == 404 || response->status == 405)
            imds_fail (task, "no IMDSv2 session token (HTTP %u); Parley does not use IMDSv1", response->status);
          else
            imds_fail (task, "answered HTTP %u to the session token request", response->status);
          return;
        }
      {
        g_autofree char *token = data != NULL && len <= 4096 ? g_strndup (data, len) : NULL;

        /* An opaque printable token; a NUL inside would shorten the copy. */
        if (token == NULL || strlen (token) != len || !g_str_is_ascii (token)
            || *g_strstrip (token) == '\0' || has_control_or_space (token))
          {
            imds_fail (task, "answered with a session token that is empty, too long or not printable");
            return;
          }
        g_free (self->imds_token);
        self->imds_token = g_steal_pointer (&token);
        self->imds_token_expiry = now_seconds (self) + IMDS_TOKEN_TTL - 60;
      }
      chain->imds_state = IMDS_ROLE;
      imds_next (task);
      return;

    case IMDS_ROLE:
      if (imds_retry_unauthorized (task, response))
        return;
      if (response->status == 404)
        {
          imds_fail (task, "no IAM role (instance profile) is attached to this instance");
          return;
        }
      if (response->status != 200)
        {
          imds_fail (task, "answered HTTP %u when asked for the instance's role", response->status);
          return;
        }
      {
        g_autofree char *text = data != NULL && len <= 4096 ? g_strndup (data, len) : g_strdup ("");
        char *nl = strchr (text, '\n');

        if (nl != NULL)
          *nl = '\0';
        g_strstrip (text);
        if (!is_role_name (text))
          {
            g_autofree char *e = excerpt (text);

            imds_fail (task, "answered with a role name that is not one: “%s”", e);
            return;
          }
        g_free (chain->role);
        chain->role = g_steal_pointer (&text);
      }
      chain->imds_state = IMDS_CREDENTIALS;
      imds_next (task);
      return;

    case IMDS_CREDENTIALS:
    default:
      if (imds_retry_unauthorized (task, response))
        return;
      if (response->status != 200)
        {
          imds_fail (task, "answered HTTP %u when asked for the credentials of role %s", response->status, chain->role);
          return;
        }
      {
        g_autofree char *what = g_strdup_printf ("The instance metadata service (role %s)", chain->role);
        g_autofree char *source = g_strdup_printf ("imds (role %s)", chain->role);
        GError *result_error = NULL;
        ParleyAwsCredentials *credentials = parse_credentials (self, response, what, source, TRUE, &result_error);

        if (credentials == NULL)
          chain_fail (task, result_error);
        else
          chain_succeed (task, credentials);
      }
      return;
    }
}

static void
imds_next (GTask *task)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);
  const char *base = parley_aws_config_get_imds_endpoint (self->config, NULL);
  guint attempts = parley_aws_config_get_metadata_attempts (self->config);
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autofree char *url = NULL;

  if (chain->imds_state == IMDS_TOKEN && self->imds_token != NULL
      && self->imds_token_expiry > now_seconds (self))
    chain->imds_state = IMDS_ROLE;

  switch (chain->imds_state)
    {
    case IMDS_TOKEN:
      g_clear_pointer (&self->imds_token, g_free);
      url = g_strconcat (base, "/latest/api/token", NULL);
      parley_http_headers_add (headers, "X-aws-ec2-metadata-token-ttl-seconds", G_STRINGIFY (IMDS_TOKEN_TTL));
      exchange (task, "PUT", url, g_steal_pointer (&headers), attempts, imds_response);
      return;

    case IMDS_ROLE:
      url = g_strconcat (base, "/latest/meta-data/iam/security-credentials/", NULL);
      break;

    case IMDS_CREDENTIALS:
    default:
      url = g_strconcat (base, "/latest/meta-data/iam/security-credentials/", chain->role, NULL);
      break;
    }
  parley_http_headers_add (headers, "X-aws-ec2-metadata-token", self->imds_token);
  exchange (task, "GET", url, g_steal_pointer (&headers), attempts, imds_response);
}

/* Returns FALSE when IMDS is turned off. */
static gboolean
imds_step (GTask *task)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);

  if (parley_aws_config_get_imds_disabled (self->config))
    {
      chain_note (chain, "imds (turned off by AWS_EC2_METADATA_DISABLED)");
      return FALSE;
    }
  chain->imds_state = IMDS_TOKEN;
  imds_next (task);
  return TRUE;
}

static void
chain_run (GTask *task)
{
  ParleyAwsCredentialsProvider *self = g_task_get_source_object (task);
  Chain *chain = g_task_get_task_data (task);

  for (;;)
    {
      ParleyAwsCredentials *credentials = NULL;
      GError *error = NULL;
      gboolean ok = TRUE;

      switch (chain->step++)
        {
        case STEP_ENVIRONMENT:
          ok = environment_step (self, chain, &credentials, &error);
          break;
        case STEP_WEB_IDENTITY:
          ok = web_identity_step (self, chain, &error);
          break;
        case STEP_PROFILE:
          ok = profile_step (self, chain, &credentials, &error);
          break;
        case STEP_CONTAINER:
          if (container_step (task))
            return;
          break;
        case STEP_IMDS:
          if (imds_step (task))
            return;
          break;
        case STEP_END:
        default:
          chain_fail_nothing (task);
          return;
        }

      if (!ok)
        {
          chain_fail (task, error);
          return;
        }
      if (credentials != NULL)
        {
          chain_succeed (task, credentials);
          return;
        }
    }
}

static void
fetch_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (source);
  g_autoptr(ParleyAwsCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = now_seconds (self);

  credentials = g_task_propagate_pointer (G_TASK (result), &error);
  self->fetching = FALSE;
  self->last_fetch_end = now;

  if (credentials != NULL)
    {
      g_autofree char *text = parley_aws_credentials_describe (credentials);

      g_debug ("AWS credentials: %s", text);
      g_clear_pointer (&self->cached, parley_aws_credentials_unref);
      self->cached = parley_aws_credentials_ref (credentials);
      g_clear_error (&self->last_error);
      complete_waiters (self, credentials, NULL);
      return;
    }

  g_clear_error (&self->last_error);
  if (self->cached != NULL && !parley_aws_credentials_expires_within (self->cached, now, 0))
    {
      /* Not expired yet: they serve until a refresh works. */
      g_message ("Refreshing the AWS credentials from %s failed, the current ones are used until they expire: %s",
                 parley_aws_credentials_get_source (self->cached), error->message);
      self->last_error = g_steal_pointer (&error);
      complete_waiters (self, self->cached, NULL);
      return;
    }
  if (self->cached != NULL)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (parley_aws_credentials_get_expiration (self->cached));
      g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
      g_autofree char *message = g_strdup_printf ("The AWS credentials from %s expired at %s and could not be "
                                                  "refreshed: %s", parley_aws_credentials_get_source (self->cached),
                                                  text, error->message);
      GError *expired = NULL;

      /* The message already has the refresh's own error, status and all. */
      parley_aws_set_error (&expired, PARLEY_AWS_ERROR_CREDENTIALS, NULL, NULL, 0, message);
      g_clear_pointer (&self->cached, parley_aws_credentials_unref);
      g_clear_error (&error);
      error = expired;
    }
  self->last_error = g_error_copy (error);
  complete_waiters (self, NULL, error);
}

static void
start_fetch (ParleyAwsCredentialsProvider *self)
{
  GTask *task = g_task_new (self, NULL, fetch_done_cb, NULL);
  Chain *chain = g_new0 (Chain, 1);

  g_task_set_source_tag (task, start_fetch);
  chain->tried = g_string_new (NULL);
  g_task_set_task_data (task, chain, chain_free);
  self->fetching = TRUE;
  self->n_fetches++;
  chain_run (task);
}

/* ---- public API ----------------------------------------------------------- */

ParleyAwsCredentialsProvider *
parley_aws_credentials_provider_new (ParleyAwsConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return g_object_new (PARLEY_TYPE_AWS_CREDENTIALS_PROVIDER, "config", config, NULL);
}

ParleyAwsConfig *
parley_aws_credentials_provider_get_config (ParleyAwsCredentialsProvider *self)
{
  g_return_val_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self), NULL);

  return self->config;
}

void
parley_aws_credentials_provider_get_async (ParleyAwsCredentialsProvider *self,
                                           GCancellable                 *cancellable,
                                           GAsyncReadyCallback           callback,
                                           gpointer                      user_data)
{
  g_autoptr(GTask) task = NULL;
  Waiter *waiter;
  gint64 now;

  g_return_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_aws_credentials_provider_get_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  now = now_seconds (self);
  if (self->cached != NULL
      && !parley_aws_credentials_expires_within (self->cached, now, PARLEY_AWS_CREDENTIALS_STALE_WINDOW))
    {
      /* Still good: refresh in the background when they expire soon. */
      if (parley_aws_credentials_expires_within (self->cached, now, PARLEY_AWS_CREDENTIALS_REFRESH_WINDOW)
          && !self->fetching && now - self->last_fetch_end >= REFRESH_PACING)
        start_fetch (self);
      g_task_return_pointer (task, parley_aws_credentials_ref (self->cached),
                             (GDestroyNotify) parley_aws_credentials_unref);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->self = self;
  waiter->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, (GSourceFunc) (void (*) (void)) waiter_cancelled_cb, waiter, NULL);
      g_source_set_static_name (waiter->cancel_source, "[parley] aws credentials cancel");
      g_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }
  g_ptr_array_add (self->waiters, waiter);

  if (!self->fetching)
    start_fetch (self);
}

ParleyAwsCredentials *
parley_aws_credentials_provider_get_finish (ParleyAwsCredentialsProvider  *self,
                                            GAsyncResult                  *result,
                                            GError                       **error)
{
  g_return_val_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == parley_aws_credentials_provider_get_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
parley_aws_credentials_provider_invalidate (ParleyAwsCredentialsProvider *self)
{
  g_return_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self));

  g_clear_pointer (&self->cached, parley_aws_credentials_unref);
  self->last_fetch_end = 0;
}

char *
parley_aws_credentials_provider_describe_chain (ParleyAwsCredentialsProvider *self)
{
  ParleyAwsConfig *config;
  GString *out;
  const char *id;
  const char *secret;
  const char *name;
  const char *selected_by = NULL;
  g_autofree char *unsupported = NULL;

  g_return_val_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self), NULL);

  config = self->config;
  out = g_string_new ("credentials chain (the first source that is configured is used):\n");

  id = env (self, "AWS_ACCESS_KEY_ID");
  secret = env (self, "AWS_SECRET_ACCESS_KEY");
  if (id != NULL && secret != NULL)
    {
      g_autofree char *masked = parley_aws_mask_key_id (id);

      g_string_append_printf (out, "  1. environment: AWS_ACCESS_KEY_ID %s and AWS_SECRET_ACCESS_KEY set%s\n",
                              masked, env (self, "AWS_SESSION_TOKEN") != NULL ? ", with AWS_SESSION_TOKEN" : "");
    }
  else if (id != NULL || secret != NULL)
    g_string_append_printf (out, "  1. environment: %s set without %s (an error)\n",
                            id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                            id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
  else
    g_string_append (out, "  1. environment: not set\n");

  if (env (self, "AWS_ROLE_ARN") != NULL && env (self, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL)
    g_string_append (out, "  2. web identity: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE set (not supported: an error)\n");
  else
    g_string_append (out, "  2. web identity: not set\n");

  name = parley_aws_config_get_profile_name (config, &selected_by);
  unsupported = profile_unsupported (config);
  if (!parley_aws_config_has_profile (config))
    g_string_append_printf (out, "  3. profile %s: not in either file%s\n", name,
                            strcmp (selected_by, "default") != 0 ? " (an error: it was asked for)" : "");
  else if (unsupported != NULL)
    g_string_append_printf (out, "  3. profile %s: %s (not supported: an error)\n", name, unsupported);
  else
    {
      const char *file = NULL;
      const char *key = parley_aws_config_get_profile_value (config, "aws_access_key_id", &file);
      gboolean has_secret = parley_aws_config_get_profile_value (config, "aws_secret_access_key", NULL) != NULL;

      if (key != NULL && has_secret)
        {
          g_autofree char *masked = parley_aws_mask_key_id (key);

          g_string_append_printf (out, "  3. profile %s: access key %s in %s%s\n", name, masked, file,
                                  parley_aws_config_get_profile_value (config, "aws_session_token", NULL) != NULL
                                  ? ", with aws_session_token" : "");
        }
      else if (key != NULL || has_secret)
        g_string_append_printf (out, "  3. profile %s: only one of aws_access_key_id and aws_secret_access_key "
                                "(an error)\n", name);
      else
        g_string_append_printf (out, "  3. profile %s: no keys\n", name);
    }

  if (env (self, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL
      || env (self, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL)
    {
      g_autoptr(GError) error = NULL;
      const char *variable = NULL;
      g_autofree char *url = container_url (self, &variable, &error);
      const char *auth = env (self, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") != NULL
                         ? ", authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                         : env (self, "AWS_CONTAINER_AUTHORIZATION_TOKEN") != NULL
                         ? ", authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN" : "";

      if (url != NULL)
        g_string_append_printf (out, "  4. container: %s (%s)%s\n", url, variable, auth);
      else
        g_string_append_printf (out, "  4. container: %s\n", error->message);
    }
  else
    g_string_append (out, "  4. container: not set\n");

  if (parley_aws_config_get_imds_disabled (config))
    g_string_append (out, "  5. imds: turned off (AWS_EC2_METADATA_DISABLED)\n");
  else
    g_string_append_printf (out, "  5. imds: %s (IMDSv2; timeout %u s, %u attempt%s)\n",
                            parley_aws_config_get_imds_endpoint (config, NULL),
                            parley_aws_config_get_metadata_timeout (config),
                            parley_aws_config_get_metadata_attempts (config),
                            parley_aws_config_get_metadata_attempts (config) == 1 ? "" : "s");

  if (self->cached != NULL)
    {
      g_autofree char *text = parley_aws_credentials_describe (self->cached);

      g_string_append_printf (out, "in use: %s\n", text);
    }
  else
    g_string_append (out, "in use: none yet\n");
  if (self->last_error != NULL)
    g_string_append_printf (out, "last error: %s\n", self->last_error->message);

  return g_string_free (out, FALSE);
}

void
parley_aws_credentials_provider_set_clock (ParleyAwsCredentialsProvider *self,
                                           ParleyAwsClockFunc            func,
                                           gpointer                      user_data)
{
  g_return_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self));

  self->clock = func;
  self->clock_data = user_data;
}

void
parley_aws_credentials_provider_set_retry_delay (ParleyAwsCredentialsProvider *self,
                                                 guint                         ms)
{
  g_return_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self));

  self->retry_delay_ms = ms;
}

guint
parley_aws_credentials_provider_get_n_fetches (ParleyAwsCredentialsProvider *self)
{
  g_return_val_if_fail (PARLEY_IS_AWS_CREDENTIALS_PROVIDER (self), 0);

  return self->n_fetches;
}

/* ---- GObject --------------------------------------------------------------- */

static void
parley_aws_credentials_provider_dispose (GObject *object)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (object);

  g_clear_object (&self->http);

  G_OBJECT_CLASS (parley_aws_credentials_provider_parent_class)->dispose (object);
}

static void
parley_aws_credentials_provider_finalize (GObject *object)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (object);

  g_clear_pointer (&self->config, parley_aws_config_unref);
  g_clear_pointer (&self->cached, parley_aws_credentials_unref);
  g_clear_error (&self->last_error);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  if (self->imds_token != NULL)
    OPENSSL_cleanse (self->imds_token, strlen (self->imds_token));
  g_clear_pointer (&self->imds_token, g_free);

  G_OBJECT_CLASS (parley_aws_credentials_provider_parent_class)->finalize (object);
}

static void
parley_aws_credentials_provider_get_property (GObject    *object,
                                              guint       prop_id,
                                              GValue     *value,
                                              GParamSpec *pspec)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_boxed (value, self->config);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
parley_aws_credentials_provider_set_property (GObject      *object,
                                              guint         prop_id,
                                              const GValue *value,
                                              GParamSpec   *pspec)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
parley_aws_credentials_provider_constructed (GObject *object)
{
  ParleyAwsCredentialsProvider *self = PARLEY_AWS_CREDENTIALS_PROVIDER (object);

  G_OBJECT_CLASS (parley_aws_credentials_provider_parent_class)->constructed (object);

  g_return_if_fail (self->config != NULL);
}

static void
parley_aws_credentials_provider_class_init (ParleyAwsCredentialsProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = parley_aws_credentials_provider_dispose;
  object_class->finalize = parley_aws_credentials_provider_finalize;
  object_class->get_property = parley_aws_credentials_provider_get_property;
  object_class->set_property = parley_aws_credentials_provider_set_property;
  object_class->constructed = parley_aws_credentials_provider_constructed;

  properties[PROP_CONFIG] =
    g_param_spec_boxed ("config", NULL, NULL,
                        PARLEY_TYPE_AWS_CONFIG,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
parley_aws_credentials_provider_init (ParleyAwsCredentialsProvider *self)
{
  self->waiters = g_ptr_array_new_with_free_func (waiter_free);
  self->retry_delay_ms = DEFAULT_RETRY_DELAY;
}
