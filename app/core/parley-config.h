/* parley-config.h — Parley's own settings: providers, models, prices
 *
 * A key file (parley.conf, documented in data/parley.conf) with environment
 * overrides. AWS settings that AWS already has words for (credentials,
 * region, endpoints, max attempts) come from the AWS chain and are only
 * overridden here when the file says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double input_per_1k;    /* USD per 1,000 input tokens */
  double output_per_1k;
} ParleyPrice;

typedef struct {
  char        *path;                  /* (nullable) the file read */
  char        *provider;              /* local | bedrock | openai */
  guint        retention_days;        /* conversations untouched this long are purged */
  guint        cache_ttl_seconds;     /* answers to FAQ-type questions; 0: no cache */

  /* [bedrock] */
  char        *region;                /* (nullable): the AWS chain's */
  GStrv        failover_regions;
  gboolean     eu_only;
  char        *small_model;
  char        *large_model;
  GStrv        fallback_models;
  char        *embedding_model;
  guint        embedding_dimensions;  /* 256, 512 or 1024 */
  char        *guardrail_id;          /* (nullable) */
  char        *guardrail_version;
  char        *knowledge_base_id;     /* (nullable) */
  guint        max_attempts;          /* 0: AWS_MAX_ATTEMPTS / profile / 3 */
  guint        retry_base_ms;
  guint        retry_max_backoff_ms;
  guint        breaker_failures;
  guint        breaker_cooldown_ms;
  guint        connect_timeout_ms;
  guint        read_timeout_ms;
  guint        max_tokens;

  /* [openai] */
  char        *openai_base_url;       /* …/v1 */
  char        *openai_api_key;        /* (nullable) never printed */
  char        *openai_model;
  char        *openai_embedding_model;

  /* [orders] the shop's Order API */
  char        *orders_base_url;
  char        *orders_api_key;        /* (nullable) never printed */

  /* [prices] model id → ParleyPrice */
  GHashTable  *prices;
} ParleyConfig;

/* Reads @path, or $PARLEY_CONFIG, or $XDG_CONFIG_HOME/parley/parley.conf
 * when it exists, then the PARLEY_* environment overrides. A missing default
 * file is fine; a missing explicit one, an unknown group or key, or a bad
 * value is an error naming the file, group and key. */
ParleyConfig *parley_config_load          (const char          *path,
                                           GError             **error);
ParleyConfig *parley_config_new_default   (void);
void          parley_config_free          (ParleyConfig        *config);

/* The price of @model_id, or NULL when the table has none. */
const ParleyPrice *parley_config_get_price (const ParleyConfig *config,
                                            const char         *model_id);
/* USD for the tokens, or a negative number when the price is unknown. */
double        parley_config_cost          (const ParleyConfig  *config,
                                           const char          *model_id,
                                           gint64               input_tokens,
                                           gint64               output_tokens);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyConfig, parley_config_free)

G_END_DECLS
