/* parley-aws-credentials.c — one set of AWS credentials
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <openssl/crypto.h>
#include <string.h>

#include "parley-aws-credentials.h"
#include "parley-aws-error.h"

struct _ParleyAwsCredentials {
  gatomicrefcount  ref_count;
  char            *access_key_id;
  char            *secret_access_key;
  char            *session_token;
  gint64           expiration;
  char            *source;
};

G_DEFINE_BOXED_TYPE (ParleyAwsCredentials, parley_aws_credentials,
                     parley_aws_credentials_ref, parley_aws_credentials_unref)

/* Printable ASCII without blanks: what may go into a header value as is. */
static gboolean
is_token_text (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if ((guchar) *s <= 0x20 || (guchar) *s >= 0x7f)
      return FALSE;
  return TRUE;
}

ParleyAwsCredentials *
parley_aws_credentials_new (const char  *access_key_id,
                            const char  *secret_access_key,
                            const char  *session_token,
                            gint64       expiration,
                            const char  *source,
                            GError     **error)
{
  ParleyAwsCredentials *self;
  const char *bad = NULL;

  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (expiration >= 0, NULL);

  if (!is_token_text (access_key_id))
    bad = "access key id";
  else if (!is_token_text (secret_access_key))
    bad = "secret access key";
  else if (session_token != NULL && !is_token_text (session_token))
    bad = "session token";
  if (bad != NULL)
    {
      g_autofree char *message = g_strdup_printf ("The %s from %s is empty or has blanks or characters "
                                                  "that are not printable ASCII", bad, source);

      parley_aws_set_error (error, PARLEY_AWS_ERROR_CREDENTIALS, NULL, NULL, 0, message);
      return NULL;
    }

  self = g_new0 (ParleyAwsCredentials, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->access_key_id = g_strdup (access_key_id);
  self->secret_access_key = g_strdup (secret_access_key);
  self->session_token = g_strdup (session_token);
  self->expiration = expiration;
  self->source = g_strdup (source);
  return self;
}

ParleyAwsCredentials *
parley_aws_credentials_ref (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
wipe (char *s)
{
  if (s != NULL)
    OPENSSL_cleanse (s, strlen (s));
  g_free (s);
}

void
parley_aws_credentials_unref (ParleyAwsCredentials *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->access_key_id);
  wipe (self->secret_access_key);
  wipe (self->session_token);
  g_free (self->source);
  g_free (self);
}

const char *
parley_aws_credentials_get_access_key_id (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->access_key_id;
}

const char *
parley_aws_credentials_get_secret_access_key (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->secret_access_key;
}

const char *
parley_aws_credentials_get_session_token (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->session_token;
}

gint64
parley_aws_credentials_get_expiration (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->expiration;
}

const char *
parley_aws_credentials_get_source (ParleyAwsCredentials *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->source;
}

gboolean
parley_aws_credentials_expires_within (ParleyAwsCredentials *self,
                                       gint64                now,
                                       gint64                margin)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->expiration != 0 && self->expiration - margin <= now;
}

void
parley_aws_credentials_get_keys (ParleyAwsCredentials *self,
                                 ParleyAwsKeys        *keys)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (keys != NULL);

  keys->access_key_id = self->access_key_id;
  keys->secret_access_key = self->secret_access_key;
  keys->session_token = self->session_token;
}

char *
parley_aws_mask_key_id (const char *access_key_id)
{
  gsize n = access_key_id != NULL ? strlen (access_key_id) : 0;

  /* A key too short to hide most of it is not shown at all. */
  if (n < 8)
    return g_strdup ("****");
  return g_strconcat ("****", access_key_id + n - 4, NULL);
}

char *
parley_aws_credentials_describe (ParleyAwsCredentials *self)
{
  g_autofree char *masked = NULL;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  masked = parley_aws_mask_key_id (self->access_key_id);
  out = g_string_new (NULL);
  g_string_append_printf (out, "%s: access key %s", self->source, masked);
  if (self->session_token != NULL)
    g_string_append (out, ", session token");
  if (self->expiration != 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (self->expiration);
      g_autofree char *text = when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ") : NULL;

      g_string_append_printf (out, ", expires %s", text != NULL ? text : "(out of range)");
    }
  else
    g_string_append (out, ", does not expire");
  return g_string_free (out, FALSE);
}
