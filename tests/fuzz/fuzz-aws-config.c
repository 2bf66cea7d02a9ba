/* fuzz-aws-config.c — libFuzzer harness for the shared config file reader
 *
 * The input's first line (at most 64 bytes) names the profile; the rest is
 * both the config and the credentials file. Every outcome must be a
 * configuration or an error in PARLEY_ERROR, and a configuration must answer
 * every question without failing other than by a GError.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-aws-config"

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley-aws-config.h"
#include "parley-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *dir;
static char *path;

static void
cleanup (void)
{
  g_unlink (path);
  g_rmdir (dir);
}

static void
setup (void)
{
  g_auto(GStrv) names = g_listenv ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "AWS_"))
      g_unsetenv (names[i]);
  dir = g_dir_make_tmp ("parley-fuzz-aws-config-XXXXXX", NULL);
  g_assert_nonnull (dir);
  path = g_build_filename (dir, "file", NULL);
  g_setenv ("AWS_CONFIG_FILE", path, TRUE);
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", path, TRUE);
  atexit (cleanup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ParleyAwsConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *description = NULL;
  g_autofree char *endpoint = NULL;
  const uint8_t *nl = memchr (data, '\n', MIN (size, 65));
  gsize skip = 0;

  if (dir == NULL)
    setup ();

  if (nl != NULL)
    {
      profile = g_strndup ((const char *) data, nl - data);
      skip = nl - data + 1;
    }
  if (profile != NULL && *profile != '\0' && strlen (profile) == (gsize) (nl - data))
    g_setenv ("AWS_PROFILE", profile, TRUE);
  else
    g_unsetenv ("AWS_PROFILE");

  g_assert_true (g_file_set_contents (path, (const char *) data + skip, size - skip, NULL));
  config = parley_aws_config_load (&error);
  if (config == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == PARLEY_ERROR);
      return 0;
    }
  g_assert_no_error (error);

  description = parley_aws_config_describe (config);
  g_assert_true (g_utf8_validate (description, -1, NULL));
  endpoint = parley_aws_config_get_endpoint (config, "BEDROCK_RUNTIME", "bedrock-runtime", NULL, NULL, &error);
  g_assert_true ((endpoint == NULL) == (error != NULL));
  {
    /* The profile is named as asked, bytes that are not UTF-8 replaced. */
    const char *asked = g_getenv ("AWS_PROFILE");
    g_autofree char *expected = g_utf8_make_valid (asked != NULL ? asked : "default", -1);

    g_assert_cmpstr (parley_aws_config_get_profile_name (config, NULL), ==, expected);
  }
  for (const char * const *w = parley_aws_config_get_warnings (config); *w != NULL; w++)
    g_assert_true (g_utf8_validate (*w, -1, NULL));
  return 0;
}
