/* parley-aws-credentials-provider-private.h — hooks for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-aws-credentials-provider.h"

G_BEGIN_DECLS

/* Returns the current time in Unix seconds. */
typedef gint64 (*ParleyAwsClockFunc) (gpointer user_data);

/* Replaces the wall clock used for expiry decisions (NULL: the real one). */
void   parley_aws_credentials_provider_set_clock       (ParleyAwsCredentialsProvider *self,
                                                        ParleyAwsClockFunc            func,
                                                        gpointer                      user_data);
/* The pause between attempts at a metadata endpoint (default 200 ms). */
void   parley_aws_credentials_provider_set_retry_delay (ParleyAwsCredentialsProvider *self,
                                                        guint                         ms);
/* How many fetches of the chain have started, for tests of sharing. */
guint  parley_aws_credentials_provider_get_n_fetches   (ParleyAwsCredentialsProvider *self);

G_END_DECLS
