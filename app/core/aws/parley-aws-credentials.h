/* parley-aws-credentials.h — one set of AWS credentials
 *
 * An immutable, reference-counted access key id, secret access key, optional
 * session token and optional expiry, with the name of where it came from.
 * The secret and the token are only ever handed to the signer
 * (parley_aws_credentials_get_keys()); parley_aws_credentials_describe() is
 * what may be shown or logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "parley-sigv4.h"

G_BEGIN_DECLS

typedef struct _ParleyAwsCredentials ParleyAwsCredentials;

#define PARLEY_TYPE_AWS_CREDENTIALS (parley_aws_credentials_get_type ())

GType                 parley_aws_credentials_get_type              (void) G_GNUC_CONST;

/* @expiration: Unix seconds, 0 for credentials that do not expire.
 * @source: where they came from ("environment", "profile default
 * (~/.aws/credentials)", "container", "imds (role NAME)").
 * The key id, secret and token must be non-empty printable ASCII without
 * blanks (they go into HTTP headers); otherwise NULL and
 * PARLEY_AWS_ERROR_CREDENTIALS, naming @source but never the values. */
ParleyAwsCredentials *parley_aws_credentials_new                   (const char            *access_key_id,
                                                                    const char            *secret_access_key,
                                                                    const char            *session_token,
                                                                    gint64                 expiration,
                                                                    const char            *source,
                                                                    GError               **error);
ParleyAwsCredentials *parley_aws_credentials_ref                   (ParleyAwsCredentials  *self);
/* The last unref wipes the secret and the token from memory. */
void                  parley_aws_credentials_unref                 (ParleyAwsCredentials  *self);

const char           *parley_aws_credentials_get_access_key_id     (ParleyAwsCredentials  *self);
const char           *parley_aws_credentials_get_secret_access_key (ParleyAwsCredentials  *self);
/* NULL for long-term keys. */
const char           *parley_aws_credentials_get_session_token     (ParleyAwsCredentials  *self);
/* Unix seconds; 0: they do not expire. */
gint64                parley_aws_credentials_get_expiration        (ParleyAwsCredentials  *self);
const char           *parley_aws_credentials_get_source            (ParleyAwsCredentials  *self);
/* Whether they expire before @now + @margin seconds (never for static ones). */
gboolean              parley_aws_credentials_expires_within        (ParleyAwsCredentials  *self,
                                                                    gint64                 now,
                                                                    gint64                 margin);

/* Fills @keys for parley_sigv4_sign(); the pointers are valid while @self is. */
void                  parley_aws_credentials_get_keys              (ParleyAwsCredentials  *self,
                                                                    ParleyAwsKeys         *keys);

/* Safe for display and logs: "imds (role web): access key ****MPLE, session
 * token, expires 2024-05-01T12:00:00Z". Never the secret or the token. */
char                 *parley_aws_credentials_describe              (ParleyAwsCredentials  *self);

/* An access key id masked to its last 4 characters ("****MPLE"); a short or
 * NULL one entirely ("****"). */
char                 *parley_aws_mask_key_id                       (const char            *access_key_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyAwsCredentials, parley_aws_credentials_unref)

G_END_DECLS
