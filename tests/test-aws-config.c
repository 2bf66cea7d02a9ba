/* test-aws-config.c — the shared config and credentials files in the SDKs'
 * dialect, and the precedence of environment, profile and defaults for the
 * profile, region, endpoints, retries and the metadata service.
 *
 * Each test runs with a fresh HOME and no AWS_* variable but its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "parley-aws-config.h"
#include "parley-error.h"
#include "test-utils.h"

typedef struct {
  char *home;
  char *config;        /* $HOME/.aws/config */
  char *credentials;   /* $HOME/.aws/credentials */
} Fixture;

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
  g_autofree char *aws = NULL;

  clear_aws_env ();
  f->home = test_make_tmpdir ();
  g_setenv ("HOME", f->home, TRUE);
  aws = g_build_filename (f->home, ".aws", NULL);
  g_assert_cmpint (g_mkdir (aws, 0700), ==, 0);
  f->config = g_build_filename (aws, "config", NULL);
  f->credentials = g_build_filename (aws, "credentials", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  clear_aws_env ();
  test_rm_rf (f->home);
  g_free (f->home);
  g_free (f->config);
  g_free (f->credentials);
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static ParleyAwsConfig *
load_ok (void)
{
  g_autoptr(GError) error = NULL;
  ParleyAwsConfig *cfg = parley_aws_config_load (&error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  return cfg;
}

static GError *
load_error (void)
{
  GError *error = NULL;
  ParleyAwsConfig *cfg = parley_aws_config_load (&error);

  g_assert_null (cfg);
  g_assert_nonnull (error);
  return error;
}

static gboolean
warnings_contain (ParleyAwsConfig *cfg,
                  const char      *needle)
{
  const char * const *warnings = parley_aws_config_get_warnings (cfg);

  for (guint i = 0; warnings[i] != NULL; i++)
    if (strstr (warnings[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_missing_files (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = load_ok ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *source = NULL;
  gboolean exists = TRUE;

  g_assert_cmpstr (parley_aws_config_get_profile_name (cfg, &source), ==, "default");
  g_assert_cmpstr (source, ==, "default");
  g_assert_false (parley_aws_config_has_profile (cfg));
  g_assert_cmpstr (parley_aws_config_get_config_file (cfg, &exists), ==, f->config);
  g_assert_false (exists);
  exists = TRUE;
  g_assert_cmpstr (parley_aws_config_get_credentials_file (cfg, &exists), ==, f->credentials);
  g_assert_false (exists);
  g_assert_null (parley_aws_config_get_region (cfg, &source));
  g_assert_null (parley_aws_config_get_profile_value (cfg, "region", NULL));
  g_assert_null (parley_aws_config_get_warnings (cfg)[0]);

  /* No region: no default endpoint, unless the caller names one. */
  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_RUNTIME", "bedrock-runtime", NULL, &source, &error);
  g_assert_null (url);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "AWS_REGION"));
  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_RUNTIME", "bedrock-runtime", "us-west-2", &source, NULL);
  g_assert_cmpstr (url, ==, "https://bedrock-runtime.us-west-2.amazonaws.com");
  g_assert_cmpstr (source, ==, "default");
}

static void
test_default_paths (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  const char *source = NULL;
  const char *file = NULL;
  gboolean exists = FALSE;

  write_text (f->config, "[default]\nregion = eu-west-1\noutput = json\n");
  write_text (f->credentials, "[default]\naws_access_key_id = AKIDEXAMPLE\n");
  cfg = load_ok ();

  g_assert_true (parley_aws_config_has_profile (cfg));
  parley_aws_config_get_config_file (cfg, &exists);
  g_assert_true (exists);
  g_assert_cmpstr (parley_aws_config_get_region (cfg, &source), ==, "eu-west-1");
  g_assert_cmpstr (source, ==, "profile default (~/.aws/config)");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_access_key_id", &file), ==, "AKIDEXAMPLE");
  g_assert_cmpstr (file, ==, "~/.aws/credentials");
}

static void
test_file_env (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->home, "elsewhere", NULL);
  g_autofree char *config = g_build_filename (dir, "cfg", NULL);
  g_autofree char *credentials = g_build_filename (dir, "creds", NULL);
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  const char *file = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_text (f->config, "[default]\nregion = eu-west-1\n");
  write_text (config, "[default]\nregion = ap-south-1\n");
  write_text (credentials, "[default]\naws_access_key_id = FROMENVFILE\n");
  g_setenv ("AWS_CONFIG_FILE", "~/elsewhere/cfg", TRUE);   /* "~/" is expanded */
  g_setenv ("AWS_SHARED_CREDENTIALS_FILE", credentials, TRUE);
  cfg = load_ok ();

  g_assert_cmpstr (parley_aws_config_get_config_file (cfg, NULL), ==, config);
  g_assert_cmpstr (parley_aws_config_get_credentials_file (cfg, NULL), ==, credentials);
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "ap-south-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_access_key_id", &file), ==, "FROMENVFILE");
  g_assert_cmpstr (file, ==, "~/elsewhere/creds");
}

static void
test_comments (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config,
              "# a comment\n"
              "; another\n"
              "[default] # the default profile\n"
              "region = us-east-2 ; a comment after a blank\n"
              "output = json\t# after a tab\n"
              "  # an indented comment\n"
              "a = x#y\n"
              "b = x;y\n"
              "c = x #y ;z\n"
              "d = # only a comment\n"
              "[profile dev];comment right after the bracket\n"
              "region = us-west-1\n");
  cfg = load_ok ();

  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-2");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "json");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "a", NULL), ==, "x#y");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "b", NULL), ==, "x;y");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "c", NULL), ==, "x");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "d", NULL), ==, "");
  g_assert_null (parley_aws_config_get_warnings (cfg)[0]);

  g_setenv ("AWS_PROFILE", "dev", TRUE);
  g_clear_pointer (&cfg, parley_aws_config_unref);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-west-1");
}

static void
test_quotes_and_spaces (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autoptr(GError) error = NULL;

  write_text (f->config,
              "[   profile    spaced   ]\n"
              "output=\"json\"\n"
              "region\t=\tsa-east-1   \n"
              "key with = spaces in its name\n"
              "name = a value with  inner   spaces\n"
              "empty =\n"
              "eq = a=b=c\n");
  g_setenv ("AWS_PROFILE", "spaced", TRUE);
  cfg = load_ok ();

  g_assert_true (parley_aws_config_has_profile (cfg));
  /* Quotes are not special: they are part of the value. */
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "\"json\"");
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "sa-east-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "name", NULL), ==, "a value with  inner   spaces");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "empty", NULL), ==, "");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "eq", NULL), ==, "a=b=c");
  g_assert_null (parley_aws_config_get_profile_value (cfg, "key with", NULL));
  g_assert_true (warnings_contain (cfg, "line 4: ignoring setting 'key with'"));

  /* A quoted region is not a region. */
  write_text (f->config, "[profile spaced]\nregion = \"us-east-1\"\n");
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "\"us-east-1\""));
  g_assert_nonnull (strstr (error->message, "profile spaced (~/.aws/config)"));
}

static void
test_profile_prefix (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  /* In the config file a profile is [profile NAME]; [NAME] is ignored. */
  write_text (f->config, "[dev]\nregion = us-west-1\n[profile prod]\nregion = eu-central-1\n");
  /* In the credentials file it is [NAME]; [profile NAME] is another name. */
  write_text (f->credentials, "[profile prod]\naws_access_key_id = WRONG\n[prod]\naws_access_key_id = RIGHT\n");

  g_setenv ("AWS_PROFILE", "prod", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "eu-central-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_access_key_id", NULL), ==, "RIGHT");
  g_assert_null (parley_aws_config_get_profile_hint (cfg));
  g_assert_true (warnings_contain (cfg, "~/.aws/config, line 1: ignoring section [dev]"));
  g_assert_true (warnings_contain (cfg, "~/.aws/credentials, line 1: ignoring section [profile prod]"));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_PROFILE", "dev", TRUE);
  cfg = load_ok ();
  g_assert_false (parley_aws_config_has_profile (cfg));
  g_assert_null (parley_aws_config_get_region (cfg, NULL));
  g_assert_nonnull (strstr (parley_aws_config_get_profile_hint (cfg), "[profile dev]"));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* [profile x] in the credentials file: the hint says how to write it. */
  write_text (f->credentials, "[profile only]\naws_access_key_id = X\n");
  g_setenv ("AWS_PROFILE", "only", TRUE);
  cfg = load_ok ();
  g_assert_false (parley_aws_config_has_profile (cfg));
  g_assert_nonnull (strstr (parley_aws_config_get_profile_hint (cfg), "written [only]"));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* Sections that are not profiles are read and left aside. */
  write_text (f->config,
              "[sso-session corp]\nsso_region = us-east-1\n"
              "[profile corp]\nregion = us-east-1\n"
              "[profile bad name]\nregion = us-east-2\n");
  write_text (f->credentials, "");
  g_setenv ("AWS_PROFILE", "corp", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-1");
  g_assert_null (parley_aws_config_get_profile_value (cfg, "sso_region", NULL));
  g_assert_true (warnings_contain (cfg, "ignoring section [profile bad name]"));
}

static void
test_default_precedence (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config, "[default]\nregion = us-east-1\noutput = text\n[profile default]\nregion = us-west-2\n");
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-west-2");
  /* The earlier [default] is dropped as a whole. */
  g_assert_null (parley_aws_config_get_profile_value (cfg, "output", NULL));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  write_text (f->config, "[profile default]\nregion = us-west-2\n[default]\nregion = us-east-1\n");
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-west-2");
  g_assert_true (warnings_contain (cfg, "ignoring [default]"));
}

static void
test_duplicates (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config,
              "[default]\nregion = us-east-1\noutput = json\n"
              "[profile other]\nregion = eu-west-3\n"
              "[default]\nregion = ca-central-1\nregion = eu-north-1\n");
  cfg = load_ok ();
  /* Sections merge; within them the later setting wins. */
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "eu-north-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "json");
}

static void
test_case (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config, "[profile Dev]\nRegion = us-east-1\nOUTPUT = json\n");

  /* Profile names are case-sensitive... */
  g_setenv ("AWS_PROFILE", "dev", TRUE);
  cfg = load_ok ();
  g_assert_false (parley_aws_config_has_profile (cfg));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* ...setting names are not (as in the AWS CLI). */
  g_setenv ("AWS_PROFILE", "Dev", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "json");
}

static void
test_subsections (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config,
              "[default]\n"
              "s3 =\n"
              "  max_concurrent_requests = 10\n"
              "  region = not-this-one\n"
              "\n"
              "  multipart_threshold = 64MB\n"
              "region = eu-west-2\n"
              "ca_bundle = first\n"
              "    second line\n"
              "  region_like = value\n"
              "[profile indented]\n"
              "  region = ap-northeast-1\n"
              "  output = json\n"
              "    more json\n");
  cfg = load_ok ();

  /* Nested settings stay out of the profile's own. */
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "eu-west-2");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "s3", NULL), ==, "");
  g_assert_null (parley_aws_config_get_profile_value (cfg, "max_concurrent_requests", NULL));
  g_assert_null (parley_aws_config_get_profile_value (cfg, "multipart_threshold", NULL));
  /* Under a non-empty value, indented lines continue it. */
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "ca_bundle", NULL), ==,
                   "first\nsecond line\nregion_like = value");
  g_assert_null (parley_aws_config_get_warnings (cfg)[0]);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* Settings indented alike are settings, not continuations. */
  g_setenv ("AWS_PROFILE", "indented", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "ap-northeast-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "json\nmore json");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* A nested line without '=' in the profile in use is an error. */
  write_text (f->config, "[default]\ns3 =\n  oops\nregion = us-east-1\n");
  g_setenv ("AWS_PROFILE", "default", TRUE);
  {
    g_autoptr(GError) error = load_error ();

    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "line 3"));
    g_assert_nonnull (strstr (error->message, "'s3'"));
  }
}

static void
test_crlf_bom (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;

  write_text (f->config, "\xEF\xBB\xBF[default]\r\nregion = us-east-1\r\ns3 =\r\n  x = 1\r\noutput = json\r\n");
  write_text (f->credentials, "[default]\r\naws_access_key_id = AKID\r\naws_secret_access_key = secret\r\n");
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-1");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", NULL), ==, "json");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_access_key_id", NULL), ==, "AKID");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_secret_access_key", NULL), ==, "secret");
  g_assert_null (parley_aws_config_get_warnings (cfg)[0]);
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* Garbage elsewhere: warnings, and the profile in use is read. */
  write_text (f->config,
              "stray line before any section\n"
              "[profile broken]\n"
              "this is not a setting\n"
              "= no name\n"
              "[profile unterminated\n"
              "region = us-east-1\n"
              "[default]\n"
              "region = eu-west-1\n");
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "eu-west-1");
  g_assert_true (warnings_contain (cfg, "line 1: a setting before any [section]"));
  g_assert_true (warnings_contain (cfg, "line 3: expected 'name = value'"));
  g_assert_true (warnings_contain (cfg, "line 4: a setting without a name"));
  g_assert_true (warnings_contain (cfg, "line 5: a section header must end with ']'"));
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* The same garbage in the profile in use: an error naming file and line. */
  g_setenv ("AWS_PROFILE", "broken", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  message = g_strdup_printf ("%s, line 3: expected 'name = value'", f->config);
  g_assert_nonnull (strstr (error->message, message));
  g_assert_nonnull (strstr (error->message, "broken"));
  g_clear_error (&error);

  /* A header without ']' of the profile in use. */
  g_setenv ("AWS_PROFILE", "unterminated", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "line 5: a section header must end with ']'"));
  g_clear_error (&error);

  /* Bytes that are not UTF-8 in the profile in use, in the credentials file. */
  g_setenv ("AWS_PROFILE", "default", TRUE);
  write_text (f->credentials, "[default]\naws_access_key_id = \xff\xfe\n");
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING);
  g_assert_nonnull (strstr (error->message, f->credentials));
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);

  /* Random binary data (NULs included) without a [default] section. */
  {
    guint8 noise[4096];
    GRand *rand = g_rand_new_with_seed (7);

    for (guint i = 0; i < sizeof noise; i++)
      noise[i] = (guint8) g_rand_int_range (rand, 0, 256);
    noise[0] = 0;   /* the first line is never a section header */
    g_rand_free (rand);
    g_assert_true (g_file_set_contents (f->credentials, (const char *) noise, sizeof noise, NULL));
    write_text (f->config, "[default]\nregion = us-east-1\n");
    cfg = load_ok ();
    g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-1");
  }
}

static void
test_unreadable (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* A directory where the file should be. */
  g_assert_cmpint (g_mkdir (f->config, 0700), ==, 0);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_IO);
  g_assert_nonnull (strstr (error->message, f->config));
  g_clear_error (&error);
  g_rmdir (f->config);

  /* A file we may not read (root may read anything: then skip that part). */
  write_text (f->credentials, "[default]\n");
  g_assert_cmpint (g_chmod (f->credentials, 0), ==, 0);
  if (geteuid () != 0)
    {
      error = load_error ();
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_IO);
      g_assert_nonnull (strstr (error->message, f->credentials));
      g_clear_error (&error);
    }
  g_chmod (f->credentials, 0600);

  /* Too large. */
  {
    GString *big = g_string_new ("[default]\n");

    while (big->len <= 4 * 1024 * 1024)
      g_string_append (big, "# padding padding padding padding padding padding padding\n");
    write_text (f->config, big->str);
    g_string_free (big, TRUE);
    error = load_error ();
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE);
  }
}

static void
test_credentials_win (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  const char *file = NULL;
  const char *source = NULL;

  write_text (f->config,
              "[profile work]\nregion = us-east-1\naws_access_key_id = FROMCONFIG\noutput = json\n");
  write_text (f->credentials,
              "[work]\naws_access_key_id = FROMCREDENTIALS\nregion = eu-west-1\n");
  g_setenv ("AWS_PROFILE", "work", TRUE);
  cfg = load_ok ();

  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "aws_access_key_id", &file), ==, "FROMCREDENTIALS");
  g_assert_cmpstr (file, ==, "~/.aws/credentials");
  g_assert_cmpstr (parley_aws_config_get_region (cfg, &source), ==, "eu-west-1");
  g_assert_cmpstr (source, ==, "profile work (~/.aws/credentials)");
  g_assert_cmpstr (parley_aws_config_get_profile_value (cfg, "output", &file), ==, "json");
  g_assert_cmpstr (file, ==, "~/.aws/config");
}

static void
test_profile_selection (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  const char *source = NULL;

  write_text (f->config,
              "[default]\nregion = us-east-1\n[profile a]\nregion = us-east-2\n[profile b]\nregion = us-west-1\n");

  g_setenv ("AWS_DEFAULT_PROFILE", "b", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_profile_name (cfg, &source), ==, "b");
  g_assert_cmpstr (source, ==, "AWS_DEFAULT_PROFILE");
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-west-1");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_PROFILE", "a", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_profile_name (cfg, &source), ==, "a");
  g_assert_cmpstr (source, ==, "AWS_PROFILE");
  g_assert_cmpstr (parley_aws_config_get_region (cfg, NULL), ==, "us-east-2");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* An empty variable is an unset one. */
  g_setenv ("AWS_PROFILE", "", TRUE);
  g_setenv ("AWS_DEFAULT_PROFILE", "", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_profile_name (cfg, &source), ==, "default");
  g_assert_cmpstr (source, ==, "default");
  g_assert_null (parley_aws_config_get_env (cfg, "AWS_PROFILE"));
}

static void
test_region (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autoptr(GError) error = NULL;
  const char *source = NULL;

  write_text (f->config, "[default]\nregion = eu-west-1\n");

  g_setenv ("AWS_DEFAULT_REGION", "eu-central-1", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, &source), ==, "eu-central-1");
  g_assert_cmpstr (source, ==, "AWS_DEFAULT_REGION");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_REGION", "ap-southeast-2", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_region (cfg, &source), ==, "ap-southeast-2");
  g_assert_cmpstr (source, ==, "AWS_REGION");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* Not a region: a clear error naming where it came from. */
  g_setenv ("AWS_REGION", "us east 1", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "us east 1"));
  g_assert_nonnull (strstr (error->message, "AWS_REGION"));
  g_clear_error (&error);

  g_setenv ("AWS_REGION", "evil.example.com/", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Bytes that are not UTF-8 never reach a message as they are. */
  g_setenv ("AWS_REGION", "us-east-\xff", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "us-east-\xef\xbf\xbd"));
}

static char *
endpoint (ParleyAwsConfig *cfg,
          const char     **source)
{
  g_autoptr(GError) error = NULL;
  char *url = parley_aws_config_get_endpoint (cfg, "BEDROCK_RUNTIME", "bedrock-runtime", NULL, source, &error);

  g_assert_no_error (error);
  return url;
}

static GError *
endpoint_error (void)
{
  g_autoptr(ParleyAwsConfig) cfg = load_ok ();
  g_autofree char *url = NULL;
  GError *error = NULL;

  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_RUNTIME", "bedrock-runtime", NULL, NULL, &error);
  g_assert_null (url);
  g_assert_nonnull (error);
  return error;
}

static void
test_endpoint (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autofree char *url = NULL;
  const char *source = NULL;

  write_text (f->config,
              "[default]\n"
              "region = eu-west-1\n"
              "endpoint_url = http://profile.example:4566/\n"
              "services = local\n"
              "[services local]\n"
              "bedrock_runtime =\n"
              "  endpoint_url = http://services.example:8080\n");

  /* Every level, from the weakest up. */
  cfg = load_ok ();
  url = endpoint (cfg, &source);
  g_assert_cmpstr (url, ==, "http://services.example:8080");
  g_assert_cmpstr (source, ==, "profile default, [services local] bedrock_runtime (~/.aws/config)");
  g_clear_pointer (&url, g_free);
  /* The services section names bedrock-runtime only: agent runtime gets the profile's. */
  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_AGENT_RUNTIME", "bedrock-agent-runtime", NULL, &source, NULL);
  g_assert_cmpstr (url, ==, "http://profile.example:4566");
  g_assert_cmpstr (source, ==, "profile default (~/.aws/config)");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_ENDPOINT_URL", "https://global.example", TRUE);
  cfg = load_ok ();
  url = endpoint (cfg, &source);
  g_assert_cmpstr (url, ==, "https://global.example");
  g_assert_cmpstr (source, ==, "AWS_ENDPOINT_URL");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9000/base/", TRUE);
  cfg = load_ok ();
  url = endpoint (cfg, &source);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:9000/base");
  g_assert_cmpstr (source, ==, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
  g_clear_pointer (&url, g_free);
  /* ...which is bedrock-runtime's own: agent runtime takes the global one. */
  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_AGENT_RUNTIME", "bedrock-agent-runtime", NULL, &source, NULL);
  g_assert_cmpstr (url, ==, "https://global.example");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* All of them ignored: the default, from the region. */
  g_setenv ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", TRUE);
  cfg = load_ok ();
  url = endpoint (cfg, &source);
  g_assert_cmpstr (url, ==, "https://bedrock-runtime.eu-west-1.amazonaws.com");
  g_assert_cmpstr (source, ==, "default");
  g_clear_pointer (&url, g_free);
  url = parley_aws_config_get_endpoint (cfg, "BEDROCK_AGENT_RUNTIME", "bedrock-agent-runtime", "us-east-1", &source, NULL);
  g_assert_cmpstr (url, ==, "https://bedrock-agent-runtime.us-east-1.amazonaws.com");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  /* ...also when the profile says so. */
  g_unsetenv ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  g_unsetenv ("AWS_ENDPOINT_URL");
  g_unsetenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
  write_text (f->config,
              "[default]\nregion = eu-west-1\nendpoint_url = http://x.example\nignore_configured_endpoint_urls = TRUE\n");
  cfg = load_ok ();
  url = endpoint (cfg, &source);
  g_assert_cmpstr (url, ==, "https://bedrock-runtime.eu-west-1.amazonaws.com");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "maybe", TRUE);
  {
    g_autoptr(GError) error = load_error ();

    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS must be true or false"));
  }
}

static void
test_endpoint_invalid (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const bad[] = {
    "ftp://files.example",
    "not a url",
    "bedrock.example.com",
    "http://",
    "https:///path",
    "http://host.example/?q=1",
    "http://host.example/#frag",
    "http://user:pass@host.example",
    "http://host.example/\r\nX-Injected: 1",
    "http://[::1",
  };

  write_text (f->config, "[default]\nregion = us-east-1\n");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_setenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bad[i], TRUE);
      error = endpoint_error ();
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"));
    }

  /* From the profile, the error names the profile and file. */
  g_unsetenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
  write_text (f->config, "[default]\nregion = us-east-1\nendpoint_url = gopher://old.example\n");
  {
    g_autoptr(GError) error = endpoint_error ();

    g_assert_nonnull (strstr (error->message, "gopher://old.example"));
    g_assert_nonnull (strstr (error->message, "profile default (~/.aws/config)"));
  }
}

static void
test_endpoint_partitions (Fixture       *f,
                          gconstpointer  data)
{
  static const struct {
    const char *region;
    const char *fips;
    const char *dualstack;
    const char *url;
  } cases[] = {
    { "us-east-1",      NULL,   NULL,   "https://bedrock-runtime.us-east-1.amazonaws.com" },
    { "cn-north-1",     NULL,   NULL,   "https://bedrock-runtime.cn-north-1.amazonaws.com.cn" },
    { "us-gov-west-1",  NULL,   NULL,   "https://bedrock-runtime.us-gov-west-1.amazonaws.com" },
    { "us-iso-east-1",  NULL,   NULL,   "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov" },
    { "us-east-1",      "true", NULL,   "https://bedrock-runtime-fips.us-east-1.amazonaws.com" },
    { "us-east-1",      NULL,   "true", "https://bedrock-runtime.us-east-1.api.aws" },
    { "us-gov-west-1",  "true", "true", "https://bedrock-runtime-fips.us-gov-west-1.api.aws" },
    { "cn-north-1",     NULL,   "true", "https://bedrock-runtime.cn-north-1.api.amazonwebservices.com.cn" },
    { "us-isob-east-1", NULL,   "true", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ParleyAwsConfig) cfg = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;

      clear_aws_env ();
      g_setenv ("AWS_REGION", cases[i].region, TRUE);
      if (cases[i].fips != NULL)
        g_setenv ("AWS_USE_FIPS_ENDPOINT", cases[i].fips, TRUE);
      if (cases[i].dualstack != NULL)
        g_setenv ("AWS_USE_DUALSTACK_ENDPOINT", cases[i].dualstack, TRUE);
      cfg = load_ok ();
      url = parley_aws_config_get_endpoint (cfg, "BEDROCK_RUNTIME", "bedrock-runtime", NULL, NULL, &error);
      if (cases[i].url != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (url, ==, cases[i].url);
        }
      else
        {
          g_assert_null (url);
          g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED);
        }
    }
}

static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  static const char * const bad_attempts[] = { "0", "-1", "abc", "3x", " 3", "99999999999999999999", "2.5" };
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  const char *source = NULL;

  cfg = load_ok ();
  g_assert_cmpuint (parley_aws_config_get_max_attempts (cfg, &source), ==, 3);
  g_assert_cmpstr (source, ==, "default");
  g_assert_cmpint (parley_aws_config_get_retry_mode (cfg, &source), ==, PARLEY_RETRY_MODE_STANDARD);
  g_assert_cmpstr (source, ==, "default");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  write_text (f->config, "[default]\nmax_attempts = 5\nretry_mode = adaptive\n");
  cfg = load_ok ();
  g_assert_cmpuint (parley_aws_config_get_max_attempts (cfg, &source), ==, 5);
  g_assert_cmpstr (source, ==, "profile default (~/.aws/config)");
  g_assert_cmpint (parley_aws_config_get_retry_mode (cfg, &source), ==, PARLEY_RETRY_MODE_ADAPTIVE);
  g_assert_cmpstr (parley_retry_mode_to_string (PARLEY_RETRY_MODE_ADAPTIVE), ==, "adaptive");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_MAX_ATTEMPTS", "1", TRUE);
  g_setenv ("AWS_RETRY_MODE", "Legacy", TRUE);
  cfg = load_ok ();
  g_assert_cmpuint (parley_aws_config_get_max_attempts (cfg, &source), ==, 1);
  g_assert_cmpstr (source, ==, "AWS_MAX_ATTEMPTS");
  g_assert_cmpint (parley_aws_config_get_retry_mode (cfg, &source), ==, PARLEY_RETRY_MODE_LEGACY);
  g_assert_cmpstr (source, ==, "AWS_RETRY_MODE");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  for (guint i = 0; i < G_N_ELEMENTS (bad_attempts); i++)
    {
      g_autoptr(GError) error = NULL;

      g_setenv ("AWS_MAX_ATTEMPTS", bad_attempts[i], TRUE);
      error = load_error ();
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "AWS_MAX_ATTEMPTS"));
    }
  g_unsetenv ("AWS_MAX_ATTEMPTS");

  g_setenv ("AWS_RETRY_MODE", "aggressive", TRUE);
  {
    g_autoptr(GError) error = load_error ();

    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "aggressive"));
  }
  g_unsetenv ("AWS_RETRY_MODE");

  /* A bad value in the profile is an error naming the profile... */
  write_text (f->config, "[default]\nmax_attempts = zero\n");
  {
    g_autoptr(GError) error = load_error ();

    g_assert_nonnull (strstr (error->message, "max_attempts in profile default (~/.aws/config)"));
  }
  /* ...unless the environment overrides it. */
  g_setenv ("AWS_MAX_ATTEMPTS", "4", TRUE);
  cfg = load_ok ();
  g_assert_cmpuint (parley_aws_config_get_max_attempts (cfg, NULL), ==, 4);
}

static void
test_imds_settings (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autoptr(GError) error = NULL;
  const char *source = NULL;

  cfg = load_ok ();
  g_assert_false (parley_aws_config_get_imds_disabled (cfg));
  g_assert_cmpstr (parley_aws_config_get_imds_endpoint (cfg, &source), ==, "http://169.254.169.254");
  g_assert_cmpstr (source, ==, "default");
  g_assert_cmpuint (parley_aws_config_get_metadata_timeout (cfg), ==, 1);
  g_assert_cmpuint (parley_aws_config_get_metadata_attempts (cfg), ==, 1);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  write_text (f->config, "[default]\nec2_metadata_service_endpoint_mode = IPv6\nmetadata_service_num_attempts = 2\n");
  g_setenv ("AWS_EC2_METADATA_DISABLED", "TRUE", TRUE);
  g_setenv ("AWS_METADATA_SERVICE_TIMEOUT", "3", TRUE);
  cfg = load_ok ();
  g_assert_true (parley_aws_config_get_imds_disabled (cfg));
  g_assert_cmpstr (parley_aws_config_get_imds_endpoint (cfg, NULL), ==, "http://[fd00:ec2::254]");
  g_assert_cmpuint (parley_aws_config_get_metadata_timeout (cfg), ==, 3);
  g_assert_cmpuint (parley_aws_config_get_metadata_attempts (cfg), ==, 2);
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/", TRUE);
  cfg = load_ok ();
  g_assert_cmpstr (parley_aws_config_get_imds_endpoint (cfg, &source), ==, "http://127.0.0.1:1338");
  g_assert_cmpstr (source, ==, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  g_clear_pointer (&cfg, parley_aws_config_unref);

  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_unsetenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT");

  g_setenv ("AWS_EC2_METADATA_DISABLED", "1", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "AWS_EC2_METADATA_DISABLED"));
  g_clear_error (&error);
  g_unsetenv ("AWS_EC2_METADATA_DISABLED");

  g_setenv ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", TRUE);
  error = load_error ();
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
}

static void
test_describe (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ParleyAwsConfig) cfg = NULL;
  g_autofree char *text = NULL;

  write_text (f->config, "[profile shop]\nregion = eu-west-1\n[oops]\n");
  write_text (f->credentials,
              "[shop]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
              "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
              "aws_session_token = SESSIONTOKENVALUE\n");
  g_setenv ("AWS_PROFILE", "shop", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "ENVSECRETVALUE", TRUE);
  cfg = load_ok ();
  text = parley_aws_config_describe (cfg);

  g_assert_nonnull (strstr (text, "profile: shop (AWS_PROFILE)\n"));
  g_assert_nonnull (strstr (text, "config file: ~/.aws/config\n"));
  g_assert_nonnull (strstr (text, "region: eu-west-1 (profile shop (~/.aws/config))\n"));
  g_assert_nonnull (strstr (text, "endpoint bedrock-runtime: https://bedrock-runtime.eu-west-1.amazonaws.com (default)\n"));
  g_assert_nonnull (strstr (text, "endpoint bedrock-agent-runtime: https://bedrock-agent-runtime.eu-west-1.amazonaws.com"));
  g_assert_nonnull (strstr (text, "retry mode: standard (default)\n"));
  g_assert_nonnull (strstr (text, "max attempts: 3 (default)\n"));
  g_assert_nonnull (strstr (text, "instance metadata: http://169.254.169.254 (default)"));
  g_assert_nonnull (strstr (text, "warning: ~/.aws/config, line 3: ignoring section [oops]"));
  g_assert_null (strstr (text, "wJalrXUtnFEMI"));
  g_assert_null (strstr (text, "SESSIONTOKENVALUE"));
  g_assert_null (strstr (text, "ENVSECRETVALUE"));
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/aws/config/missing-files", test_missing_files);
  ADD ("/aws/config/default-paths", test_default_paths);
  ADD ("/aws/config/file-env", test_file_env);
  ADD ("/aws/config/comments", test_comments);
  ADD ("/aws/config/quotes-and-spaces", test_quotes_and_spaces);
  ADD ("/aws/config/profile-prefix", test_profile_prefix);
  ADD ("/aws/config/default-precedence", test_default_precedence);
  ADD ("/aws/config/duplicates", test_duplicates);
  ADD ("/aws/config/case", test_case);
  ADD ("/aws/config/subsections", test_subsections);
  ADD ("/aws/config/crlf-bom", test_crlf_bom);
  ADD ("/aws/config/garbage", test_garbage);
  ADD ("/aws/config/unreadable", test_unreadable);
  ADD ("/aws/config/credentials-win", test_credentials_win);
  ADD ("/aws/config/profile-selection", test_profile_selection);
  ADD ("/aws/config/region", test_region);
  ADD ("/aws/config/endpoint", test_endpoint);
  ADD ("/aws/config/endpoint-invalid", test_endpoint_invalid);
  ADD ("/aws/config/endpoint-partitions", test_endpoint_partitions);
  ADD ("/aws/config/retry", test_retry);
  ADD ("/aws/config/imds-settings", test_imds_settings);
  ADD ("/aws/config/describe", test_describe);
#undef ADD

  return g_test_run ();
}
