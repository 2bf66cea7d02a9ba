/* parley-aws-credentials-provider.h — the AWS SDKs' default credentials chain
 *
 * In the SDKs' order, the first source that is configured decides:
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *      (+ AWS_SESSION_TOKEN);
 *   2. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (not
 *      supported: an error says so);
 *   3. the profile in the shared files: aws_access_key_id +
 *      aws_secret_access_key (+ aws_session_token); a profile that assumes a
 *      role, uses SSO or a credential process is an error saying it is not
 *      supported;
 *   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE);
 *   5. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED.
 * A source that is configured but broken (half the keys, an unreadable
 * token file, a container endpoint that fails) is an error rather than a
 * reason to go on to the next: going on would silently run Parley under
 * another identity.
 *
 * Credentials are cached. Ones that do not expire are kept until
 * parley_aws_credentials_provider_invalidate(). Ones that do are refreshed
 * from 5 minutes before their expiry: callers keep getting the cached ones
 * while a refresh runs in the background, until less than a minute is left;
 * from then on they wait for the refresh, and if it fails they get
 * PARLEY_AWS_ERROR_CREDENTIALS. All callers that wait at the same time share
 * one fetch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "parley-aws-config.h"
#include "parley-aws-credentials.h"

G_BEGIN_DECLS

#define PARLEY_AWS_CREDENTIALS_REFRESH_WINDOW 300   /* seconds before expiry: refresh */
#define PARLEY_AWS_CREDENTIALS_STALE_WINDOW    60   /* seconds before expiry: no longer handed out */

#define PARLEY_TYPE_AWS_CREDENTIALS_PROVIDER (parley_aws_credentials_provider_get_type ())
G_DECLARE_FINAL_TYPE (ParleyAwsCredentialsProvider, parley_aws_credentials_provider,
                      PARLEY, AWS_CREDENTIALS_PROVIDER, GObject)

/* Fetches run on the thread-default main context at the time of this call. */
ParleyAwsCredentialsProvider *parley_aws_credentials_provider_new            (ParleyAwsConfig              *config);
ParleyAwsConfig              *parley_aws_credentials_provider_get_config     (ParleyAwsCredentialsProvider *self);

void                          parley_aws_credentials_provider_get_async      (ParleyAwsCredentialsProvider *self,
                                                                              GCancellable                 *cancellable,
                                                                              GAsyncReadyCallback           callback,
                                                                              gpointer                      user_data);
/* Errors: PARLEY_AWS_ERROR_CREDENTIALS (none anywhere — the message lists
 * what was tried —, a source that is broken or not supported, expired and
 * not refreshable), G_IO_ERROR_CANCELLED. */
ParleyAwsCredentials         *parley_aws_credentials_provider_get_finish     (ParleyAwsCredentialsProvider *self,
                                                                              GAsyncResult                 *result,
                                                                              GError                      **error);

/* Forgets the cached credentials: the next get fetches (after a service
 * said ExpiredToken or InvalidClientTokenId, say). */
void                          parley_aws_credentials_provider_invalidate     (ParleyAwsCredentialsProvider *self);

/* The chain as configured, one line a source, then the credentials in use
 * and the last error, for `parley aws doctor`. Fetches nothing; never holds
 * a secret, a session token or an authorization token. */
char                         *parley_aws_credentials_provider_describe_chain (ParleyAwsCredentialsProvider *self);

G_END_DECLS
