/* parley-aws-error.h — failures of AWS (and AWS-like) services
 *
 * A GError in PARLEY_AWS_ERROR carries, besides its code and message, the
 * service's own error code ("ThrottlingException"), the request id and the
 * HTTP status, through GLib's extended errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PARLEY_AWS_ERROR (parley_aws_error_quark ())

typedef enum {
  PARLEY_AWS_ERROR_FAILED,              /* anything not below */
  PARLEY_AWS_ERROR_THROTTLING,          /* 429, ThrottlingException, TooManyRequests… */
  PARLEY_AWS_ERROR_TRANSIENT,           /* 5xx, ServiceUnavailable, InternalServer, ModelStreamError */
  PARLEY_AWS_ERROR_MODEL_NOT_READY,     /* ModelNotReadyException */
  PARLEY_AWS_ERROR_TIMEOUT,             /* the service or model timed out (a transport timeout
                                           stays G_IO_ERROR_TIMED_OUT) */
  PARLEY_AWS_ERROR_VALIDATION,          /* ValidationException, 400 */
  PARLEY_AWS_ERROR_ACCESS_DENIED,       /* AccessDeniedException, 403 */
  PARLEY_AWS_ERROR_CREDENTIALS,         /* none found, expired, unreadable */
  PARLEY_AWS_ERROR_NOT_FOUND,           /* ResourceNotFoundException, 404 */
  PARLEY_AWS_ERROR_PROTOCOL,            /* a response that is not what the API promises */
  PARLEY_AWS_ERROR_CIRCUIT_OPEN,        /* refused locally: the (region, model) breaker is open */
} ParleyAwsError;

GQuark         parley_aws_error_quark            (void);

/* Sets an error with its details; @aws_code and @request_id may be NULL.
 * The message reads "AwsCode: message (HTTP 429, request id …)". */
void           parley_aws_set_error              (GError         **error,
                                                  ParleyAwsError   code,
                                                  const char      *aws_code,
                                                  const char      *request_id,
                                                  guint            http_status,
                                                  const char      *message);

/* The error code AWS gave this failure ("ThrottlingException"), or NULL. */
const char    *parley_aws_error_get_aws_code     (const GError    *error);
const char    *parley_aws_error_get_request_id   (const GError    *error);
guint          parley_aws_error_get_http_status  (const GError    *error);

/* The ParleyAwsError for an AWS error code and HTTP status. */
ParleyAwsError parley_aws_error_classify         (const char      *aws_code,
                                                  guint            http_status);

/* Whether the standard retry mode retries it: throttling, transient,
 * model-not-ready, timeouts and the transport failures of GIO
 * (G_IO_ERROR_TIMED_OUT, _CONNECTION_CLOSED, _CONNECTION_REFUSED,
 * _HOST_UNREACHABLE …); never validation, access or
 * credentials. */
gboolean       parley_aws_error_is_retryable     (const GError    *error);
gboolean       parley_aws_error_is_throttling    (const GError    *error);

G_END_DECLS
