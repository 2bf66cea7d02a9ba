/* test-config.c — parley.conf: the shipped sample, validation, overrides, prices
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "parley-config.h"
#include "parley-error.h"
#include "test-utils.h"

static char *
write_config (const char *text)
{
  g_autofree char *dir = test_make_tmpdir ();
  char *path = g_build_filename (dir, "parley.conf", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* The documented sample is valid and states the defaults. */
static void
test_sample (void)
{
  g_autofree char *path = test_source_path ("data", "parley.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = parley_config_load (path, &error);
  g_autoptr(ParleyConfig) defaults = parley_config_new_default ();

  g_assert_no_error (error);
  g_assert_cmpstr (config->path, ==, path);
  g_assert_cmpstr (config->provider, ==, defaults->provider);
  g_assert_cmpstr (config->small_model, ==, defaults->small_model);
  g_assert_cmpstr (config->large_model, ==, defaults->large_model);
  g_assert_cmpuint (config->embedding_dimensions, ==, defaults->embedding_dimensions);
  g_assert_cmpuint (config->retry_base_ms, ==, defaults->retry_base_ms);
  g_assert_cmpuint (config->read_timeout_ms, ==, defaults->read_timeout_ms);
  g_assert_cmpstr (config->openai_base_url, ==, defaults->openai_base_url);
  g_assert_false (config->eu_only);
  g_assert_null (config->openai_api_key);
  g_assert_cmpuint (g_hash_table_size (config->prices), ==, 0);
}

static void
test_values (void)
{
  g_autofree char *path = write_config ("[parley]\nprovider = bedrock\n"
                                        "[bedrock]\nregion=eu-west-1\nfailover-regions = eu-central-1; eu-west-3 ,\n"
                                        "eu-only=true\nembedding-dimensions=256\nmax-attempts=5\n"
                                        "[prices]\nanthropic.claude-3-haiku-20240307-v1:0=0.5;1.5\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = parley_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "bedrock");
  g_assert_cmpstr (config->region, ==, "eu-west-1");
  g_assert_cmpuint (g_strv_length (config->failover_regions), ==, 2);
  g_assert_cmpstr (config->failover_regions[1], ==, "eu-west-3");
  g_assert_true (config->eu_only);
  g_assert_cmpuint (config->embedding_dimensions, ==, 256);
  g_assert_cmpuint (config->max_attempts, ==, 5);

  g_assert_cmpfloat_with_epsilon (parley_config_cost (config, "anthropic.claude-3-haiku-20240307-v1:0", 2000, 1000),
                                  0.5 * 2 + 1.5 * 1, 1e-9);
  /* A cross-region inference profile costs what its model does. */
  g_assert_cmpfloat_with_epsilon (parley_config_cost (config, "eu.anthropic.claude-3-haiku-20240307-v1:0", 1000, 0),
                                  0.5, 1e-9);
  g_assert_cmpfloat (parley_config_cost (config, "some.other-model", 1000, 1000), <, 0);
}

static void
test_errors (void)
{
  static const struct { const char *text; const char *needle; } cases[] = {
    { "[bedrock]\nmodel=x\n", "[bedrock] model: unknown key" },
    { "[bedrok]\nregion=x\n", "unknown group [bedrok]" },
    { "[parley]\nprovider=gpt\n", "provider must be local, bedrock or openai" },
    { "[bedrock]\nembedding-dimensions=768\n", "256, 512 or 1024" },
    { "[bedrock]\nmax-attempts=-1\n", "whole number" },
    { "[bedrock]\nretry-base-ms=0\n", "whole number from 1" },
    { "[bedrock]\neu-only=maybe\n", "true or false" },
    { "[openai]\nbase-url=localhost:11434\n", "not an http or https URL" },
    { "[prices]\nm=0.1\n", "INPUT;OUTPUT" },
    { "[prices]\nm=0.1;nan\n", "INPUT;OUTPUT" },
    { "not a key file\n", "parley.conf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_config (cases[i].text);
      g_autoptr(GError) error = NULL;
      g_autoptr(ParleyConfig) config = parley_config_load (path, &error);

      g_assert_null (config);
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].needle);
    }
}

static void
test_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = parley_config_load ("/nonexistent/parley.conf", &error);

  g_assert_null (config);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);

  /* No explicit file and none in the default place: the defaults. */
  g_clear_error (&error);
  config = parley_config_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_null (config->path);
  g_assert_cmpstr (config->provider, ==, "local");
}

static void
test_environment (void)
{
  g_autofree char *path = write_config ("[parley]\nprovider=bedrock\n[openai]\nmodel=a\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = NULL;

  g_setenv ("PARLEY_PROVIDER", "openai", TRUE);
  g_setenv ("PARLEY_OPENAI_MODEL", "qwen2.5", TRUE);
  g_setenv ("OPENAI_API_KEY", "sk-from-env", TRUE);
  config = parley_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "openai");
  g_assert_cmpstr (config->openai_model, ==, "qwen2.5");
  g_assert_cmpstr (config->openai_api_key, ==, "sk-from-env");
  g_clear_pointer (&config, parley_config_free);

  g_setenv ("PARLEY_BEDROCK_EMBEDDING_DIMENSIONS", "100", TRUE);
  config = parley_config_load (path, &error);
  g_assert_null (config);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "PARLEY_BEDROCK_EMBEDDING_DIMENSIONS"));

  g_unsetenv ("PARLEY_BEDROCK_EMBEDDING_DIMENSIONS");
  g_unsetenv ("PARLEY_PROVIDER");
  g_unsetenv ("PARLEY_OPENAI_MODEL");
  g_unsetenv ("OPENAI_API_KEY");
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/config/sample", test_sample);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/missing", test_missing);
  g_test_add_func ("/config/environment", test_environment);

  return g_test_run ();
}
