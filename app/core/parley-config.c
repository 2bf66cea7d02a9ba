/* parley-config.c — Parley's own settings: providers, models, prices
 *
 * Every key the file may hold is in one table below, with its type and the
 * environment variable that overrides it, so that reading, validating,
 * overriding and documenting stay in step. Unknown groups and keys are
 * errors: a typo in a key must not silently leave a default in force.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-config"

#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "parley-config.h"
#include "parley-error.h"

typedef enum {
  KEY_STRING,
  KEY_URL,
  KEY_LIST,
  KEY_BOOL,
  KEY_UINT,
  KEY_PROVIDER,
  KEY_DIMENSIONS,
} KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType     type;
  gsize       offset;
  const char *env;      /* (nullable) overriding variable */
  guint       min;      /* KEY_UINT bounds */
  guint       max;
} KeyInfo;

#define F(field) offsetof (ParleyConfig, field)

static const KeyInfo keys[] = {
  { "parley",  "provider",              KEY_PROVIDER,   F (provider),               "PARLEY_PROVIDER" },
  { "parley",  "retention-days",        KEY_UINT,       F (retention_days),         "PARLEY_RETENTION_DAYS", 1, 36500 },
  { "parley",  "cache-ttl-seconds",     KEY_UINT,       F (cache_ttl_seconds),      "PARLEY_CACHE_TTL_SECONDS", 0, 2592000 },
  { "bedrock", "region",                KEY_STRING,     F (region),                 "PARLEY_BEDROCK_REGION" },
  { "bedrock", "failover-regions",      KEY_LIST,       F (failover_regions),       "PARLEY_BEDROCK_FAILOVER_REGIONS" },
  { "bedrock", "eu-only",               KEY_BOOL,       F (eu_only),                "PARLEY_BEDROCK_EU_ONLY" },
  { "bedrock", "small-model",           KEY_STRING,     F (small_model),            "PARLEY_BEDROCK_SMALL_MODEL" },
  { "bedrock", "large-model",           KEY_STRING,     F (large_model),            "PARLEY_BEDROCK_LARGE_MODEL" },
  { "bedrock", "fallback-models",       KEY_LIST,       F (fallback_models),        "PARLEY_BEDROCK_FALLBACK_MODELS" },
  { "bedrock", "embedding-model",       KEY_STRING,     F (embedding_model),        "PARLEY_BEDROCK_EMBEDDING_MODEL" },
  { "bedrock", "embedding-dimensions",  KEY_DIMENSIONS, F (embedding_dimensions),   "PARLEY_BEDROCK_EMBEDDING_DIMENSIONS" },
  { "bedrock", "guardrail-id",          KEY_STRING,     F (guardrail_id),           "PARLEY_BEDROCK_GUARDRAIL_ID" },
  { "bedrock", "guardrail-version",     KEY_STRING,     F (guardrail_version),      "PARLEY_BEDROCK_GUARDRAIL_VERSION" },
  { "bedrock", "knowledge-base-id",     KEY_STRING,     F (knowledge_base_id),      "PARLEY_BEDROCK_KNOWLEDGE_BASE_ID" },
  { "bedrock", "max-attempts",          KEY_UINT,       F (max_attempts),           NULL, 0, 20 },
  { "bedrock", "retry-base-ms",         KEY_UINT,       F (retry_base_ms),          NULL, 1, 60000 },
  { "bedrock", "retry-max-backoff-ms",  KEY_UINT,       F (retry_max_backoff_ms),   NULL, 1, 600000 },
  { "bedrock", "breaker-failures",      KEY_UINT,       F (breaker_failures),       NULL, 1, 1000 },
  { "bedrock", "breaker-cooldown-ms",   KEY_UINT,       F (breaker_cooldown_ms),    NULL, 1, 3600000 },
  { "bedrock", "connect-timeout-ms",    KEY_UINT,       F (connect_timeout_ms),     NULL, 1, 600000 },
  { "bedrock", "read-timeout-ms",       KEY_UINT,       F (read_timeout_ms),        NULL, 1, 3600000 },
  { "bedrock", "max-tokens",            KEY_UINT,       F (max_tokens),             NULL, 1, 200000 },
  { "openai",  "base-url",              KEY_URL,        F (openai_base_url),        "PARLEY_OPENAI_BASE_URL" },
  { "openai",  "api-key",               KEY_STRING,     F (openai_api_key),         "PARLEY_OPENAI_API_KEY" },
  { "openai",  "model",                 KEY_STRING,     F (openai_model),           "PARLEY_OPENAI_MODEL" },
  { "openai",  "embedding-model",       KEY_STRING,     F (openai_embedding_model), "PARLEY_OPENAI_EMBEDDING_MODEL" },
  { "orders",  "base-url",              KEY_URL,        F (orders_base_url),        "PARLEY_ORDERS_BASE_URL" },
  { "orders",  "api-key",               KEY_STRING,     F (orders_api_key),         "PARLEY_ORDERS_API_KEY" },
};

#undef F

static void
price_free (gpointer data)
{
  g_free (data);
}

ParleyConfig *
parley_config_new_default (void)
{
  ParleyConfig *config = g_new0 (ParleyConfig, 1);

  config->provider = g_strdup ("local");
  config->retention_days = 90;
  config->cache_ttl_seconds = 86400;
  config->failover_regions = g_new0 (char *, 1);
  config->small_model = g_strdup ("anthropic.claude-3-haiku-20240307-v1:0");
  config->large_model = g_strdup ("anthropic.claude-3-5-sonnet-20240620-v1:0");
  config->fallback_models = g_new0 (char *, 1);
  config->embedding_model = g_strdup ("amazon.titan-embed-text-v2:0");
  config->embedding_dimensions = 1024;
  config->guardrail_version = g_strdup ("DRAFT");
  config->retry_base_ms = 50;
  config->retry_max_backoff_ms = 2000;
  config->breaker_failures = 5;
  config->breaker_cooldown_ms = 30000;
  config->connect_timeout_ms = 3000;
  config->read_timeout_ms = 30000;
  config->max_tokens = 1024;
  config->openai_base_url = g_strdup ("http://127.0.0.1:11434/v1");
  config->openai_model = g_strdup ("llama3.1");
  config->openai_embedding_model = g_strdup ("nomic-embed-text");
  config->orders_base_url = g_strdup ("http://127.0.0.1:8086/v1");
  config->prices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, price_free);
  return config;
}

void
parley_config_free (ParleyConfig *config)
{
  if (config == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gpointer field = G_STRUCT_MEMBER_P (config, keys[i].offset);

      switch (keys[i].type)
        {
        case KEY_STRING:
        case KEY_URL:
        case KEY_PROVIDER:
          g_clear_pointer ((char **) field, g_free);
          break;
        case KEY_LIST:
          g_clear_pointer ((GStrv *) field, g_strfreev);
          break;
        case KEY_BOOL:
        case KEY_UINT:
        case KEY_DIMENSIONS:
          break;
        }
    }
  g_clear_pointer (&config->prices, g_hash_table_unref);
  g_free (config->path);
  g_free (config);
}

static gboolean
url_is_valid (const char *value)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

  return uri != NULL
         && (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 || g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
         && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

/* Parses @value for @info into @config. @where names the source for errors. */
static gboolean
set_value (ParleyConfig   *config,
           const KeyInfo  *info,
           const char     *value,
           const char     *where,
           GError        **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, info->offset);
  g_autofree char *text = g_strstrip (g_strdup (value));

  switch (info->type)
    {
    case KEY_PROVIDER:
      if (!g_str_equal (text, "local") && !g_str_equal (text, "bedrock") && !g_str_equal (text, "openai"))
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s: provider must be local, bedrock or openai, not “%s”", where, text);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case KEY_STRING:
      g_free (*(char **) field);
      *(char **) field = *text != '\0' ? g_steal_pointer (&text) : NULL;
      return TRUE;

    case KEY_URL:
      if (!url_is_valid (text))
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s: not an http or https URL: “%s”", where, text);
          return FALSE;
        }
      g_free (*(char **) field);
      *(char **) field = g_steal_pointer (&text);
      return TRUE;

    case KEY_LIST:
      {
        g_auto(GStrv) parts = g_strsplit_set (text, ";,", -1);
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

        for (guint i = 0; parts[i] != NULL; i++)
          {
            g_strstrip (parts[i]);
            if (*parts[i] != '\0')
              g_strv_builder_add (builder, parts[i]);
          }
        g_strfreev (*(GStrv *) field);
        *(GStrv *) field = g_strv_builder_end (builder);
        return TRUE;
      }

    case KEY_BOOL:
      if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1") || g_ascii_strcasecmp (text, "yes") == 0)
        *(gboolean *) field = TRUE;
      else if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0") || g_ascii_strcasecmp (text, "no") == 0)
        *(gboolean *) field = FALSE;
      else
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s: expected true or false, not “%s”", where, text);
          return FALSE;
        }
      return TRUE;

    case KEY_UINT:
    case KEY_DIMENSIONS:
      {
        guint64 n = 0;

        if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &n, NULL)
            || (info->type == KEY_UINT && (n < info->min || n > info->max))
            || (info->type == KEY_DIMENSIONS && n != 256 && n != 512 && n != 1024))
          {
            if (info->type == KEY_DIMENSIONS)
              g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "%s: dimensions must be 256, 512 or 1024, not “%s”", where, text);
            else
              g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "%s: expected a whole number from %u to %u, not “%s”", where, info->min, info->max, text);
            return FALSE;
          }
        *(guint *) field = (guint) n;
        return TRUE;
      }
    }

  g_assert_not_reached ();
}

static gboolean
parse_price (const char   *value,
             ParleyPrice  *price)
{
  g_auto(GStrv) parts = g_strsplit (value, ";", -1);
  char *end = NULL;

  if (g_strv_length (parts) != 2)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      double d = g_ascii_strtod (g_strstrip (parts[i]), &end);

      if (end == parts[i] || *end != '\0' || !isfinite (d) || d < 0 || d > 1000)
        return FALSE;
      if (i == 0)
        price->input_per_1k = d;
      else
        price->output_per_1k = d;
    }
  return TRUE;
}

static gboolean
load_file (ParleyConfig  *config,
           const char    *path,
           GError       **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, PARLEY_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? PARLEY_ERROR_NOT_FOUND
                                                                                  : PARLEY_ERROR_INVALID_INPUT,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) names = g_key_file_get_keys (file, groups[g], NULL, NULL);
      gboolean is_prices = g_str_equal (groups[g], "prices");
      gboolean known_group = is_prices;

      for (guint i = 0; i < G_N_ELEMENTS (keys) && !known_group; i++)
        known_group = g_str_equal (keys[i].group, groups[g]);
      if (!known_group)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s: unknown group [%s]", path, groups[g]);
          return FALSE;
        }

      for (guint k = 0; names != NULL && names[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_string (file, groups[g], names[k], NULL);
          g_autofree char *where = g_strdup_printf ("%s: [%s] %s", path, groups[g], names[k]);
          const KeyInfo *info = NULL;

          if (value == NULL)
            {
              g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "%s: unreadable value", where);
              return FALSE;
            }

          if (is_prices)
            {
              ParleyPrice price;

              if (!parse_price (value, &price))
                {
                  g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                               "%s: expected “INPUT;OUTPUT” USD per 1,000 tokens, not “%s”", where, value);
                  return FALSE;
                }
              g_hash_table_replace (config->prices, g_strdup (names[k]), g_memdup2 (&price, sizeof price));
              continue;
            }

          for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
            if (g_str_equal (keys[i].group, groups[g]) && g_str_equal (keys[i].key, names[k]))
              info = &keys[i];
          if (info == NULL)
            {
              g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "%s: unknown key", where);
              return FALSE;
            }
          if (!set_value (config, info, value, where, error))
            return FALSE;
        }
    }

  return TRUE;
}

ParleyConfig *
parley_config_load (const char  *path,
                    GError     **error)
{
  g_autoptr(ParleyConfig) config = parley_config_new_default ();
  g_autofree char *default_path = g_build_filename (g_get_user_config_dir (), "parley", "parley.conf", NULL);

  if (path == NULL)
    path = g_getenv ("PARLEY_CONFIG");
  if (path == NULL && g_file_test (default_path, G_FILE_TEST_EXISTS))
    path = default_path;

  if (path != NULL)
    {
      if (!load_file (config, path, error))
        return NULL;
      config->path = g_strdup (path);
    }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *value = keys[i].env != NULL ? g_getenv (keys[i].env) : NULL;

      if (value != NULL && !set_value (config, &keys[i], value, keys[i].env, error))
        return NULL;
    }

  /* The conventional variable, when Parley's own is not set. */
  if (config->openai_api_key == NULL && g_getenv ("OPENAI_API_KEY") != NULL)
    config->openai_api_key = g_strdup (g_getenv ("OPENAI_API_KEY"));

  return g_steal_pointer (&config);
}

const ParleyPrice *
parley_config_get_price (const ParleyConfig *config,
                         const char         *model_id)
{
  const ParleyPrice *price;

  g_return_val_if_fail (config != NULL, NULL);

  if (model_id == NULL)
    return NULL;
  price = g_hash_table_lookup (config->prices, model_id);
  /* A cross-region inference profile ("eu.anthropic…") costs what its model does
   * unless the table names the profile itself. */
  if (price == NULL)
    {
      const char *dot = strchr (model_id, '.');

      if (dot != NULL && (g_str_has_prefix (model_id, "eu.") || g_str_has_prefix (model_id, "us.")
                          || g_str_has_prefix (model_id, "apac.") || g_str_has_prefix (model_id, "global.")))
        price = g_hash_table_lookup (config->prices, dot + 1);
    }
  return price;
}

double
parley_config_cost (const ParleyConfig *config,
                    const char         *model_id,
                    gint64              input_tokens,
                    gint64              output_tokens)
{
  const ParleyPrice *price = parley_config_get_price (config, model_id);

  if (price == NULL)
    return -1;
  return (MAX (input_tokens, 0) * price->input_per_1k + MAX (output_tokens, 0) * price->output_per_1k) / 1000.0;
}
