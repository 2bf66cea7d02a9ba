/* parley-aws-error.c — failures of AWS (and AWS-like) services
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <gio/gio.h>

#include "parley-aws-error.h"

typedef struct {
  char  *aws_code;
  char  *request_id;
  guint  http_status;
} ParleyAwsErrorPrivate;

static void
parley_aws_error_private_init (ParleyAwsErrorPrivate *priv)
{
}

static void
parley_aws_error_private_copy (const ParleyAwsErrorPrivate *src,
                               ParleyAwsErrorPrivate       *dest)
{
  dest->aws_code = g_strdup (src->aws_code);
  dest->request_id = g_strdup (src->request_id);
  dest->http_status = src->http_status;
}

static void
parley_aws_error_private_clear (ParleyAwsErrorPrivate *priv)
{
  g_clear_pointer (&priv->aws_code, g_free);
  g_clear_pointer (&priv->request_id, g_free);
}

G_DEFINE_EXTENDED_ERROR (ParleyAwsError, parley_aws_error)

void
parley_aws_set_error (GError         **error,
                      ParleyAwsError   code,
                      const char      *aws_code,
                      const char      *request_id,
                      guint            http_status,
                      const char      *message)
{
  g_autoptr(GString) text = g_string_new (NULL);
  ParleyAwsErrorPrivate *priv;
  GError *e;

  if (error == NULL)
    return;

  if (aws_code != NULL && *aws_code != '\0')
    g_string_append_printf (text, "%s: ", aws_code);
  g_string_append (text, message != NULL && *message != '\0' ? message : "request failed");
  if (http_status != 0 || request_id != NULL)
    {
      g_string_append (text, " (");
      if (http_status != 0)
        g_string_append_printf (text, "HTTP %u", http_status);
      if (request_id != NULL)
        g_string_append_printf (text, "%srequest id %s", http_status != 0 ? ", " : "", request_id);
      g_string_append_c (text, ')');
    }

  e = g_error_new_literal (PARLEY_AWS_ERROR, code, text->str);
  priv = parley_aws_error_get_private (e);
  priv->aws_code = g_strdup (aws_code);
  priv->request_id = g_strdup (request_id);
  priv->http_status = http_status;
  g_propagate_error (error, e);
}

static ParleyAwsErrorPrivate *
get_private (const GError *error)
{
  if (error == NULL || error->domain != PARLEY_AWS_ERROR)
    return NULL;
  return parley_aws_error_get_private (error);
}

const char *
parley_aws_error_get_aws_code (const GError *error)
{
  ParleyAwsErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->aws_code : NULL;
}

const char *
parley_aws_error_get_request_id (const GError *error)
{
  ParleyAwsErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->request_id : NULL;
}

guint
parley_aws_error_get_http_status (const GError *error)
{
  ParleyAwsErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->http_status : 0;
}

/* The codes the SDKs' standard retry mode treats as throttling and as
 * transient (aws-sdk-go-v2 retry/retryable_error.go and the SDK reference
 * guide's "Retry behavior"). */
static const char * const throttling_codes[] = {
  "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
  "TooManyRequestsException", "ProvisionedThroughputExceededException",
  "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
  "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
  "EC2ThrottledException", "ServiceQuotaExceededException",
};
static const char * const transient_codes[] = {
  "RequestTimeout", "RequestTimeoutException", "InternalServerException",
  "InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException",
  "ModelStreamErrorException", "ModelTimeoutException",
};

static gboolean
in_list (const char         *code,
         const char * const *list,
         gsize               n)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (code, list[i]) == 0)
      return TRUE;
  return FALSE;
}

ParleyAwsError
parley_aws_error_classify (const char *aws_code,
                           guint       http_status)
{
  if (aws_code != NULL)
    {
      if (in_list (aws_code, throttling_codes, G_N_ELEMENTS (throttling_codes)))
        return PARLEY_AWS_ERROR_THROTTLING;
      if (g_str_equal (aws_code, "ModelNotReadyException"))
        return PARLEY_AWS_ERROR_MODEL_NOT_READY;
      if (g_str_equal (aws_code, "ModelTimeoutException") || g_str_equal (aws_code, "RequestTimeout")
          || g_str_equal (aws_code, "RequestTimeoutException"))
        return PARLEY_AWS_ERROR_TIMEOUT;
      if (in_list (aws_code, transient_codes, G_N_ELEMENTS (transient_codes)))
        return PARLEY_AWS_ERROR_TRANSIENT;
      if (g_str_equal (aws_code, "ValidationException") || g_str_equal (aws_code, "SerializationException")
          || g_str_equal (aws_code, "ModelErrorException"))
        return PARLEY_AWS_ERROR_VALIDATION;
      if (g_str_equal (aws_code, "AccessDeniedException") || g_str_equal (aws_code, "UnrecognizedClientException")
          || g_str_equal (aws_code, "InvalidSignatureException") || g_str_equal (aws_code, "MissingAuthenticationTokenException"))
        return PARLEY_AWS_ERROR_ACCESS_DENIED;
      if (g_str_equal (aws_code, "ExpiredTokenException") || g_str_equal (aws_code, "ExpiredToken"))
        return PARLEY_AWS_ERROR_CREDENTIALS;
      if (g_str_equal (aws_code, "ResourceNotFoundException"))
        return PARLEY_AWS_ERROR_NOT_FOUND;
    }

  switch (http_status)
    {
    case 429:
      return PARLEY_AWS_ERROR_THROTTLING;
    case 500: case 502: case 503: case 504:
      return PARLEY_AWS_ERROR_TRANSIENT;
    case 400: case 413: case 422:
      return PARLEY_AWS_ERROR_VALIDATION;
    case 401: case 403:
      return PARLEY_AWS_ERROR_ACCESS_DENIED;
    case 404:
      return PARLEY_AWS_ERROR_NOT_FOUND;
    case 408:
      return PARLEY_AWS_ERROR_TIMEOUT;
    default:
      return http_status >= 500 ? PARLEY_AWS_ERROR_TRANSIENT : PARLEY_AWS_ERROR_FAILED;
    }
}

gboolean
parley_aws_error_is_throttling (const GError *error)
{
  return error != NULL && g_error_matches (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_THROTTLING);
}

gboolean
parley_aws_error_is_retryable (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain == PARLEY_AWS_ERROR)
    switch ((ParleyAwsError) error->code)
      {
      case PARLEY_AWS_ERROR_THROTTLING:
      case PARLEY_AWS_ERROR_TRANSIENT:
      case PARLEY_AWS_ERROR_MODEL_NOT_READY:
      case PARLEY_AWS_ERROR_TIMEOUT:
        return TRUE;
      default:
        return FALSE;
      }

  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_TIMED_OUT:
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_PARTIAL_INPUT:
        return TRUE;
      default:
        return FALSE;
      }

  return FALSE;
}
