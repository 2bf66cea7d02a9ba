/* parley-cli-ask.c — `parley ask`: one question, answered from the KB by a provider
 *
 * The answer streams to the terminal as it arrives. With --json, one JSON
 * object when it is complete: answer, provider, model, stop reason, usage,
 * cost (null when the price table has no price for the model), latency and
 * the passages it rested on. Ctrl-C cancels the model call.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "parley-cli.h"
#include "parley-config.h"
#include "parley-bedrock-provider.h"
#include "parley-langid.h"
#include "parley-provider.h"
#include "parley-response-cache.h"

typedef struct {
  GMainLoop          *loop;
  GCancellable       *cancellable;
  ParleyChatResponse *response;
  GError             *error;
  gboolean            stream;
  gboolean            printed;
  gint64              start;
  gint64              first_token;
  gboolean            cached;
} AskState;

/* What the cache keeps of an answer: its text, the model and region. */
static char *
response_to_cache (const ParleyChatResponse *response)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = parley_chat_message_dup_text (response->message);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "answer");
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, response->model_id);
  json_builder_set_member_name (b, "region");
  json_builder_add_string_value (b, response->region);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* NULL for an entry that does not read back (then the model answers). */
static ParleyChatResponse *
response_from_cache (const char *entry)
{
  g_autoptr(JsonNode) root = json_from_string (entry, NULL);
  ParleyChatResponse *response;
  JsonObject *o;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  o = json_node_get_object (root);
  if (json_object_get_string_member_with_default (o, "answer", NULL) == NULL)
    return NULL;
  response = parley_chat_response_new ();
  parley_chat_message_add_block (response->message,
                                 parley_chat_block_new_text (json_object_get_string_member (o, "answer")));
  response->model_id = g_strdup (json_object_get_string_member_with_default (o, "model", NULL));
  response->region = g_strdup (json_object_get_string_member_with_default (o, "region", NULL));
  response->stop_reason = g_strdup ("end_turn");
  return response;
}

static void
event_cb (const ParleyChatEvent *event,
          gpointer               user_data)
{
  AskState *state = user_data;

  if (event->kind != PARLEY_CHAT_EVENT_TEXT_DELTA || event->text == NULL)
    return;
  if (state->first_token == 0)
    state->first_token = g_get_monotonic_time ();
  if (state->stream)
    {
      fputs (event->text, stdout);
      fflush (stdout);
      state->printed = TRUE;
    }
}

static void
chat_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AskState *state = user_data;

  state->response = parley_provider_chat_finish (PARLEY_PROVIDER (object), result, &state->error);
  g_main_loop_quit (state->loop);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  AskState *state = user_data;

  g_cancellable_cancel (state->cancellable);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  gboolean   done;
  GPtrArray *hits;
  GError    *error;
} RetrieveWait;

static void
retrieve_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  RetrieveWait *wait = user_data;

  wait->hits = parley_bedrock_client_retrieve_finish (PARLEY_BEDROCK_CLIENT (object), result, &wait->error);
  wait->done = TRUE;
}

/* With a Bedrock Knowledge Base configured, it is the retriever: its
 * passages ground the answer instead of Parley's own KB. */
static gboolean
add_retrieved_passages (ParleyChatRequest    *request,
                        ParleyBedrockClient  *client,
                        const char           *question,
                        ParleyLang            lang,
                        guint                 k,
                        GError              **error)
{
  RetrieveWait wait = { 0 };

  parley_bedrock_client_retrieve_async (client, question, k, NULL, retrieve_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.hits == NULL)
    {
      g_propagate_error (error, wait.error);
      return FALSE;
    }
  g_free (request->lang);
  request->lang = g_strdup (parley_lang_to_string (lang != PARLEY_LANG_UNKNOWN ? lang
                                                   : parley_langid_detect (question, -1, NULL)));
  for (guint i = 0; i < wait.hits->len; i++)
    {
      const ParleyRetrieveHit *hit = wait.hits->pdata[i];

      g_ptr_array_add (request->passages,
                       parley_chat_passage_new (hit->title != NULL ? hit->title : hit->uri, hit->text, hit->uri,
                                                NULL, hit->score));
    }
  g_ptr_array_unref (wait.hits);
  return TRUE;
}

/* The KB's best passages for @question, as the request's grounding. */
static gboolean
add_passages (ParleyChatRequest  *request,
              const ParleyConfig *config,
              ParleyProvider     *provider,
              ParleyStore        *store,
              const char         *question,
              ParleyLang          lang,
              guint               k,
              GError            **error)
{
  g_autoptr(ParleyKb) kb = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree float *vector = NULL;
  g_autoptr(GError) hybrid_error = NULL;
  ParleySearchOptions opts = { .lang = lang, .k = k };
  ParleySearchInfo info;
  ParleyStoreStats stats;
  g_autofree char *key = parley_provider_embedding_key (config);

  kb = parley_kb_new (store);

  /* Hybrid retrieval when the KB holds vectors from this provider. */
  if (key != NULL && parley_store_get_stats (store, &stats, NULL)
      && stats.n_vectors > 0
      && !cli_prepare_hybrid (kb, config, provider, question, &opts, &vector, &hybrid_error))
    g_printerr (_("parley: lexical search only: %s\n"), hybrid_error->message);

  if ((hits = parley_kb_search (kb, question, &opts, &info, error)) == NULL)
    return FALSE;

  g_free (request->lang);
  request->lang = g_strdup (parley_lang_to_string (info.lang));
  for (guint i = 0; i < hits->len; i++)
    {
      const ParleyHit *hit = hits->pdata[i];
      ParleyChatPassage *passage = parley_chat_passage_new (hit->rec.title, hit->rec.text, hit->rec.doc,
                                                            hit->rec.lang, hit->score);

      passage->context = g_strdup (hit->rec.parent_text);
      g_ptr_array_add (request->passages, passage);
    }
  return TRUE;
}

static JsonNode *
answer_to_json (const ParleyConfig       *config,
                const char               *provider,
                const ParleyChatRequest  *request,
                const ParleyChatResponse *response,
                const AskState           *state)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *text = parley_chat_message_dup_text (response->message);
  double cost = parley_config_cost (config, response->model_id, response->usage.input_tokens,
                                    response->usage.output_tokens);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "answer");
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, "provider");
  json_builder_add_string_value (b, provider);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, response->model_id);
  if (response->region != NULL)
    {
      json_builder_set_member_name (b, "region");
      json_builder_add_string_value (b, response->region);
    }
  json_builder_set_member_name (b, "lang");
  json_builder_add_string_value (b, request->lang);
  json_builder_set_member_name (b, "stop_reason");
  json_builder_add_string_value (b, response->stop_reason);
  json_builder_set_member_name (b, "cached");
  json_builder_add_boolean_value (b, state->cached);
  json_builder_set_member_name (b, "usage");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "input_tokens");
  json_builder_add_int_value (b, response->usage.input_tokens);
  json_builder_set_member_name (b, "output_tokens");
  json_builder_add_int_value (b, response->usage.output_tokens);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "cost_usd");
  if (cost >= 0)
    json_builder_add_double_value (b, cost);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "latency_ms");
  json_builder_add_int_value (b, (g_get_monotonic_time () - state->start) / 1000);
  json_builder_set_member_name (b, "first_token_ms");
  json_builder_add_int_value (b, state->first_token > 0 ? (state->first_token - state->start) / 1000 : 0);
  json_builder_set_member_name (b, "sources");
  json_builder_begin_array (b);
  for (guint i = 0; i < request->passages->len; i++)
    {
      const ParleyChatPassage *p = request->passages->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, p->title);
      json_builder_set_member_name (b, "doc");
      json_builder_add_string_value (b, p->source);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, p->score);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
cli_ask (int    argc,
         char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("QUESTION — answer one question from the knowledge base"));
  g_autofree char *db = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *provider_name = NULL;
  g_autofree char *lang_code = NULL;
  g_autofree char *model = NULL;
  gboolean json = FALSE;
  gboolean no_cache = FALSE;
  int k = 4;
  GOptionEntry entries[] = {
    { "provider", 'p', 0, G_OPTION_ARG_STRING, &provider_name, N_("local, bedrock or openai (default: the config's)"), N_("NAME") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), N_("FILE") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang_code, N_("The question's language (default: detected)"), N_("LANG") },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &model, N_("Model id (default: the config's small model)"), N_("ID") },
    { "k", 'k', 0, G_OPTION_ARG_INT, &k, N_("Passages to ground the answer on (1–10)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object when the answer is complete"), NULL },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, N_("Ask the model even if the answer is cached"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = NULL;
  g_autoptr(ParleyProvider) provider = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(ParleyChatRequest) request = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *question = NULL;
  g_autofree char *cache_key = NULL;
  g_autofree char *cached = NULL;
  AskState state = { 0 };
  ParleyLang lang = PARLEY_LANG_UNKNOWN;
  guint sigint;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc < 2)
    return cli_usage (context, _("no QUESTION"));
  if (k < 1 || k > 10)
    return cli_usage (context, _("--k must be 1–10"));
  if (!cli_parse_lang (lang_code, &lang, &error))
    return cli_fail (error);

  question = g_strjoinv (" ", argv + 1);
  if (!g_utf8_validate (question, -1, NULL) || *g_strstrip (question) == '\0')
    return cli_usage (context, _("the QUESTION must be non-empty UTF-8 text"));

  if ((config = parley_config_load (config_path, &error)) == NULL)
    return cli_fail (error);
  if (provider_name != NULL)
    {
      g_free (config->provider);
      config->provider = g_steal_pointer (&provider_name);
    }
  if ((provider = parley_provider_new_for_config (config, &error)) == NULL)
    return cli_fail (error);
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);

  request = parley_chat_request_new (model != NULL ? model : parley_provider_default_model (config));
  request->max_tokens = (gint) config->max_tokens;
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, question));
  if (PARLEY_IS_BEDROCK_PROVIDER (provider) && config->knowledge_base_id != NULL)
    {
      if (!add_retrieved_passages (request, parley_bedrock_provider_get_client (PARLEY_BEDROCK_PROVIDER (provider)),
                                   question, lang, (guint) k, &error))
        return cli_fail (error);
    }
  else if (!add_passages (request, config, provider, store, question, lang, (guint) k, &error))
    return cli_fail (error);

  state.stream = !json;
  state.start = g_get_monotonic_time ();

  /* A FAQ-type question answered before, from the same KB, by the same model. */
  if (config->cache_ttl_seconds > 0 && !no_cache && request->passages->len > 0)
    {
      g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
      g_autofree char *model_key = g_strconcat (parley_provider_get_name (provider), "/", request->model_id, NULL);

      cache_key = parley_response_cache_key (analyzer, parley_lang_from_string (request->lang), question, model_key,
                                             parley_store_get_kb_generation (store));
    }
  if (cache_key != NULL && (cached = parley_store_cache_get (store, cache_key, &error)) != NULL)
    state.response = response_from_cache (cached);
  g_clear_error (&error);

  if (state.response != NULL)
    {
      state.cached = TRUE;
      if (state.stream)
        {
          g_autofree char *text = parley_chat_message_dup_text (state.response->message);

          fputs (text, stdout);
          state.printed = TRUE;
        }
    }
  else
    {
      loop = g_main_loop_new (NULL, FALSE);
      state.loop = loop;
      state.cancellable = cancellable;
      sigint = g_unix_signal_add (SIGINT, interrupt_cb, &state);

      parley_provider_chat_async (provider, request, event_cb, &state, cancellable, chat_done_cb, &state);
      g_main_loop_run (loop);
      g_source_remove (sigint);
    }

  if (state.printed)
    fputs ("\n", stdout);
  if (state.error != NULL)
    {
      int status = cli_fail (state.error);

      g_clear_error (&state.error);
      return status;
    }

  /* A complete answer grounded on passages is kept for the next asker. */
  if (cache_key != NULL && !state.cached && g_strcmp0 (state.response->stop_reason, "end_turn") == 0)
    {
      g_autofree char *entry = response_to_cache (state.response);

      if (!parley_store_cache_put (store, cache_key, request->lang, entry, config->cache_ttl_seconds, &error))
        {
          g_printerr ("parley: not cached: %s\n", error->message);
          g_clear_error (&error);
        }
    }

  /* The decision, for the audit log: which model answered from what, at
   * what cost; never the question or the answer (personal data). */
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *payload = NULL;
    g_autofree char *uuid = g_uuid_string_random ();
    g_autofree char *subject = g_strconcat ("ask-", uuid, NULL);
    double cost = parley_config_cost (config, state.response->model_id, state.response->usage.input_tokens,
                                      state.response->usage.output_tokens);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "provider");
    json_builder_add_string_value (b, parley_provider_get_name (provider));
    json_builder_set_member_name (b, "model");
    json_builder_add_string_value (b, state.response->model_id);
    json_builder_set_member_name (b, "region");
    json_builder_add_string_value (b, state.response->region);
    json_builder_set_member_name (b, "lang");
    json_builder_add_string_value (b, request->lang);
    json_builder_set_member_name (b, "stop_reason");
    json_builder_add_string_value (b, state.response->stop_reason);
    json_builder_set_member_name (b, "cached");
    json_builder_add_boolean_value (b, state.cached);
    json_builder_set_member_name (b, "input_tokens");
    json_builder_add_int_value (b, state.response->usage.input_tokens);
    json_builder_set_member_name (b, "output_tokens");
    json_builder_add_int_value (b, state.response->usage.output_tokens);
    json_builder_set_member_name (b, "cost_usd");
    if (cost >= 0)
      json_builder_add_double_value (b, cost);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "sources");
    json_builder_begin_array (b);
    for (guint i = 0; i < request->passages->len; i++)
      json_builder_add_string_value (b, ((ParleyChatPassage *) request->passages->pdata[i])->source);
    json_builder_end_array (b);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    payload = json_to_string (node, FALSE);
    if (parley_store_audit_append (store, "answer", subject, payload, &error) == 0)
      {
        g_clear_pointer (&state.response, parley_chat_response_free);
        return cli_fail (error);
      }
  }

  if (json)
    {
      g_autoptr(JsonNode) node = answer_to_json (config, parley_provider_get_name (provider), request,
                                                 state.response, &state);
      cli_print_json (node, FALSE);
    }
  else if (!state.printed)
    {
      /* A provider that answered without streaming deltas. */
      g_autofree char *text = parley_chat_message_dup_text (state.response->message);
      puts (text);
    }

  parley_chat_response_free (state.response);
  return CLI_EXIT_OK;
}
