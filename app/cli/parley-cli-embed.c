/* parley-cli-embed.c — `parley kb embed`, and query vectors for search and ask
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "parley-cli.h"
#include "parley-config.h"
#include "parley-error.h"
#include "parley-kb-embed.h"
#include "parley-provider.h"

typedef struct {
  gboolean          done;
  ParleyEmbeddings *embeddings;
  ParleyEmbedReport report;
  GError           *error;
  gboolean          tty;
} Wait;

static void
query_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *wait = user_data;

  wait->embeddings = parley_provider_embed_finish (PARLEY_PROVIDER (object), result, &wait->error);
  wait->done = TRUE;
}

/**
 * cli_embed_query:
 * @dim: (out): the vector's size
 *
 * Returns: (transfer full): the embedding of @text by @provider
 */
float *
cli_embed_query (ParleyProvider  *provider,
                 const char      *text,
                 guint           *dim,
                 GError         **error)
{
  const char *texts[] = { text, NULL };
  Wait wait = { 0 };
  float *vector;

  parley_provider_embed_async (provider, texts, NULL, query_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.embeddings == NULL)
    {
      g_propagate_error (error, wait.error);
      return NULL;
    }
  *dim = wait.embeddings->dim;
  vector = g_steal_pointer (&wait.embeddings->data);
  parley_embeddings_free (wait.embeddings);
  return vector;
}

/* Loads @provider's vectors into @kb and embeds @query for a hybrid search.
 * FALSE with @error when the provider cannot embed or the KB has no vectors
 * from it (run `parley kb embed` first). */
gboolean
cli_prepare_hybrid (ParleyKb             *kb,
                    const ParleyConfig   *config,
                    ParleyProvider       *provider,
                    const char           *query,
                    ParleySearchOptions  *opts,
                    float               **vector,
                    GError              **error)
{
  g_autofree char *key = parley_provider_embedding_key (config);
  guint dim = 0;

  if (key == NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                   "the %s provider makes no embeddings", config->provider);
      return FALSE;
    }
  if (!parley_kb_load_vectors (kb, key, error))
    return FALSE;
  if ((*vector = cli_embed_query (provider, query, &dim, error)) == NULL)
    return FALSE;
  opts->vector = *vector;
  opts->dim = dim;
  opts->mode = PARLEY_SEARCH_HYBRID;
  return TRUE;
}

static void
progress_cb (const ParleyEmbedReport *so_far,
             gpointer                 user_data)
{
  Wait *wait = user_data;

  if (wait->tty)
    {
      fprintf (stderr, "\r%u of %u chunks: %u embedded, %u from the cache",
               so_far->embedded + so_far->cached, so_far->chunks, so_far->embedded, so_far->cached);
      fflush (stderr);
    }
}

static void
embed_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Wait *wait = user_data;

  parley_kb_embed_finish (PARLEY_KB (object), result, &wait->report, &wait->error);
  wait->done = TRUE;
}

int
cli_kb_embed (int    argc,
              char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *provider_name = NULL;
  int batch = 16;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), "FILE" },
    { "provider", 'p', 0, G_OPTION_ARG_STRING, &provider_name, N_("bedrock or openai (default: the config's)"), "NAME" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Texts per provider call (1–256, default 16)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— give every chunk a vector from the embedding provider"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = NULL;
  g_autoptr(ParleyProvider) provider = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyKb) kb = NULL;
  g_autofree char *key = NULL;
  Wait wait = { 0 };
  gint64 start = g_get_monotonic_time ();

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 1)
    return cli_usage (context, _("no arguments expected"));
  if (batch < 1 || batch > 256)
    return cli_usage (context, _("--batch must be 1–256"));

  if ((config = parley_config_load (config_path, &error)) == NULL)
    return cli_fail (error);
  if (provider_name != NULL)
    {
      g_free (config->provider);
      config->provider = g_steal_pointer (&provider_name);
    }
  if ((key = parley_provider_embedding_key (config)) == NULL)
    return cli_usage (context, _("the provider must be bedrock or openai (the local one makes no embeddings)"));
  if ((provider = parley_provider_new_for_config (config, &error)) == NULL)
    return cli_fail (error);
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);
  kb = parley_kb_new (store);

  wait.tty = isatty (STDERR_FILENO) && !json;
  parley_kb_embed_async (kb, provider, key,
                         g_strcmp0 (config->provider, "bedrock") == 0 ? config->embedding_dimensions : 0,
                         (guint) batch, NULL, progress_cb, &wait, embed_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.tty)
    fputs ("\n", stderr);
  if (wait.error != NULL)
    {
      int status = cli_fail (wait.error);

      g_clear_error (&wait.error);
      return status;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, key);
#define MEMBER(name, value) json_builder_set_member_name (b, name); json_builder_add_int_value (b, value)
      MEMBER ("chunks", wait.report.chunks);
      MEMBER ("embedded", wait.report.embedded);
      MEMBER ("cached", wait.report.cached);
      MEMBER ("calls", wait.report.calls);
      MEMBER ("dim", wait.report.dim);
#undef MEMBER
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else
    printf (_("%s: %u chunks without a vector: %u embedded in %u calls, %u from the cache (%.1f s)\n"),
            key, wait.report.chunks, wait.report.embedded, wait.report.calls, wait.report.cached,
            (g_get_monotonic_time () - start) / 1e6);
  return CLI_EXIT_OK;
}
