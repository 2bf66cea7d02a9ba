/* parley-aws-config.h — AWS settings, read from the environment and the
 * shared config and credentials files as the AWS SDKs read them
 *
 * One ParleyAwsConfig is a snapshot, taken by parley_aws_config_load(), of
 * the AWS_* environment variables and of the selected profile in
 * ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE). It answers the questions every AWS SDK
 * answers the same way: which profile, which region, which endpoint, which
 * retry mode, where the instance metadata service is, and where each answer
 * came from (for `parley aws doctor`).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "parley-retry.h"

G_BEGIN_DECLS



typedef struct _ParleyAwsConfig ParleyAwsConfig;

#define PARLEY_TYPE_AWS_CONFIG (parley_aws_config_get_type ())

GType               parley_aws_config_get_type              (void) G_GNUC_CONST;

/* Reads the environment and the two shared files. A missing file is fine;
 * an unreadable one, a garbled line in the selected profile, or a bad value
 * of a setting that is in effect (region, max attempts, retry mode, a
 * boolean) is an error (PARLEY_ERROR_IO, _INVALID_INPUT, _ENCODING or
 * _TOO_LARGE) naming the variable, or the file and line. */
ParleyAwsConfig    *parley_aws_config_load                  (GError          **error);
ParleyAwsConfig    *parley_aws_config_ref                   (ParleyAwsConfig  *self);
void                parley_aws_config_unref                 (ParleyAwsConfig  *self);

/* The value an AWS_* environment variable had at load time; NULL when it was
 * unset or empty (the SDKs treat an empty variable as unset). */
const char         *parley_aws_config_get_env               (ParleyAwsConfig  *self,
                                                             const char       *name);

/* The selected profile: AWS_PROFILE, then AWS_DEFAULT_PROFILE, else
 * "default". @source_out: "AWS_PROFILE", "AWS_DEFAULT_PROFILE" or "default". */
const char         *parley_aws_config_get_profile_name      (ParleyAwsConfig  *self,
                                                             const char      **source_out);
/* Whether either file has a section for the selected profile. */
gboolean            parley_aws_config_has_profile           (ParleyAwsConfig  *self);
/* A setting of the selected profile (@key in lower case: "region",
 * "aws_access_key_id"…); the credentials file wins over the config file.
 * @file_out: the file it came from, for display ("~/.aws/credentials"). */
const char         *parley_aws_config_get_profile_value     (ParleyAwsConfig  *self,
                                                             const char       *key,
                                                             const char      **file_out);
/* A hint for a profile that was not found but was written the way the
 * other file wants it ("[myprofile]" in the config file); NULL if none. */
const char         *parley_aws_config_get_profile_hint      (ParleyAwsConfig  *self);

/* The files' paths and whether they exist. */
const char         *parley_aws_config_get_config_file       (ParleyAwsConfig  *self,
                                                             gboolean         *exists);
const char         *parley_aws_config_get_credentials_file  (ParleyAwsConfig  *self,
                                                             gboolean         *exists);
/* Lines the parser skipped as the SDKs do (bad section names, lines of other
 * profiles it could not read…), as "file, line N: what"; NULL-terminated. */
const char * const *parley_aws_config_get_warnings          (ParleyAwsConfig  *self);

/* AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region; NULL if
 * none. @source_out: the variable's name or "profile NAME (FILE)". */
const char         *parley_aws_config_get_region            (ParleyAwsConfig  *self,
                                                             const char      **source_out);

/* The endpoint of one service, without a trailing '/':
 * AWS_ENDPOINT_URL_<@service_env_id> ("BEDROCK_RUNTIME"), AWS_ENDPOINT_URL,
 * the profile's services section (`services = NAME`, then
 * `[services NAME]` with `bedrock_runtime =` / `  endpoint_url = …`), the
 * profile's endpoint_url — unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the
 * profile's ignore_configured_endpoint_urls) is true — and otherwise
 * https://<@endpoint_prefix>.<region>.amazonaws.com (the partition's DNS
 * suffix; "-fips" and the dual-stack suffix when use_fips_endpoint /
 * use_dualstack_endpoint say so). @region: NULL for the configured one.
 * A configured URL must be http or https with a host. */
char               *parley_aws_config_get_endpoint          (ParleyAwsConfig  *self,
                                                             const char       *service_env_id,
                                                             const char       *endpoint_prefix,
                                                             const char       *region,
                                                             const char      **source_out,
                                                             GError          **error);

/* AWS_MAX_ATTEMPTS, then the profile's max_attempts, else 3. */
guint               parley_aws_config_get_max_attempts      (ParleyAwsConfig  *self,
                                                             const char      **source_out);
/* AWS_RETRY_MODE, then the profile's retry_mode, else standard. */
ParleyRetryMode     parley_aws_config_get_retry_mode        (ParleyAwsConfig  *self,
                                                             const char      **source_out);

/* The EC2 instance metadata service: AWS_EC2_METADATA_DISABLED=true turns it
 * off; its base URL is AWS_EC2_METADATA_SERVICE_ENDPOINT (or the profile's
 * ec2_metadata_service_endpoint), else http://169.254.169.254, or
 * http://[fd00:ec2::254] with endpoint mode IPv6. AWS_METADATA_SERVICE_TIMEOUT
 * (seconds, default 1) and AWS_METADATA_SERVICE_NUM_ATTEMPTS (default 1), or
 * the profile's metadata_service_timeout / metadata_service_num_attempts. */
gboolean            parley_aws_config_get_imds_disabled     (ParleyAwsConfig  *self);
const char         *parley_aws_config_get_imds_endpoint     (ParleyAwsConfig  *self,
                                                             const char      **source_out);
guint               parley_aws_config_get_metadata_timeout  (ParleyAwsConfig  *self);
guint               parley_aws_config_get_metadata_attempts (ParleyAwsConfig  *self);

/* Everything above as lines of text, for `parley aws doctor`. Never holds a
 * secret: only names and non-secret settings. */
char               *parley_aws_config_describe              (ParleyAwsConfig  *self);

/* @path with the home directory shown as "~". */
char               *parley_aws_display_path                 (const char       *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyAwsConfig, parley_aws_config_unref)

G_END_DECLS
