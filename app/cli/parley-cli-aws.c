/* parley-cli-aws.c — `parley aws doctor`: what Parley found of AWS, and one signed call
 *
 * Region, profile, files, endpoints and retry settings with where each came
 * from; the credentials chain and the source in use (the key id masked,
 * never a secret or token); then one signed Converse call (one output
 * token) to the small model and its outcome: HTTP status, latency, the
 * model that answered, or the AWS error code and request id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-aws-config.h"
#include "parley-aws-error.h"
#include "parley-bedrock-client.h"
#include "parley-cli.h"
#include "parley-config.h"

typedef struct {
  GMainLoop            *loop;
  ParleyAwsCredentials *credentials;
  ParleyChatResponse   *response;
  GError               *error;
} DoctorState;

static void
credentials_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  DoctorState *state = user_data;

  state->credentials = parley_aws_credentials_provider_get_finish (PARLEY_AWS_CREDENTIALS_PROVIDER (object),
                                                                    result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
converse_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DoctorState *state = user_data;

  state->response = parley_bedrock_client_converse_finish (PARLEY_BEDROCK_CLIENT (object), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
print_indented (const char *title,
                const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  printf ("%s\n", title);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      printf ("  %s\n", lines[i]);
}

int
cli_aws (int    argc,
         char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("doctor — check the AWS setup"));
  g_autofree char *config_path = NULL;
  g_autofree char *model = NULL;
  gboolean no_call = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &model, N_("Model for the test call (default: the small model)"), N_("ID") },
    { "no-call", 0, 0, G_OPTION_ARG_NONE, &no_call, N_("Do not make the signed test call"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = NULL;
  g_autoptr(ParleyAwsConfig) aws = NULL;
  g_autoptr(ParleyBedrockClient) client = NULL;
  g_autoptr(ParleyChatRequest) request = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *aws_text = NULL;
  g_autofree char *chain = NULL;
  g_autofree char *endpoint = NULL;
  DoctorState state = { 0 };
  gint64 start;
  int status = CLI_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2 || g_strcmp0 (argv[1], "doctor") != 0)
    return cli_usage (context, _("the only aws command is “doctor”"));

  if ((config = parley_config_load (config_path, &error)) == NULL)
    return cli_fail (error);
  if ((aws = parley_aws_config_load (&error)) == NULL)
    return cli_fail (error);

  aws_text = parley_aws_config_describe (aws);
  print_indented ("AWS configuration:", aws_text);
  if (config->region != NULL)
    printf ("  Parley's [bedrock] region overrides it: %s\n", config->region);

  if ((client = parley_bedrock_client_new (config, aws, &error)) == NULL)
    return cli_fail (error);
  endpoint = parley_bedrock_client_get_endpoint (client, NULL);
  printf ("Bedrock:\n  region %s, endpoint %s\n", parley_bedrock_client_get_region (client), endpoint);
  if (config->failover_regions != NULL && config->failover_regions[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", config->failover_regions);
      printf ("  failover regions: %s%s\n", list, config->eu_only ? " (EU only)" : "");
    }

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  parley_aws_credentials_provider_get_async (parley_bedrock_client_get_credentials_provider (client), NULL,
                                             credentials_cb, &state);
  g_main_loop_run (loop);
  chain = parley_aws_credentials_provider_describe_chain (parley_bedrock_client_get_credentials_provider (client));
  print_indented ("Credentials:", chain);
  if (state.credentials == NULL)
    {
      printf ("  no usable credentials: %s\n", state.error->message);
      g_clear_error (&state.error);
      return CLI_EXIT_FAILED;
    }
  g_clear_pointer (&state.credentials, parley_aws_credentials_unref);

  if (no_call)
    return CLI_EXIT_OK;

  request = parley_chat_request_new (model != NULL ? model : config->small_model);
  request->max_tokens = 1;
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER, "ping"));
  start = g_get_monotonic_time ();
  parley_bedrock_client_converse_async (client, request, FALSE, NULL, NULL, NULL, converse_cb, &state);
  g_main_loop_run (loop);

  printf ("Test call (Converse, 1 output token, %s):\n", request->model_id);
  if (state.response != NULL)
    printf ("  OK in %" G_GINT64_FORMAT " ms: %s in %s answered (%" G_GINT64_FORMAT " input tokens)\n",
            (g_get_monotonic_time () - start) / 1000, state.response->model_id,
            state.response->region != NULL ? state.response->region : "?",
            state.response->usage.input_tokens);
  else
    {
      const char *code = parley_aws_error_get_aws_code (state.error);
      const char *request_id = parley_aws_error_get_request_id (state.error);

      printf ("  FAILED after %" G_GINT64_FORMAT " ms: %s\n", (g_get_monotonic_time () - start) / 1000,
              state.error->message);
      if (code != NULL || request_id != NULL)
        printf ("  AWS error code %s, request id %s\n", code != NULL ? code : "-", request_id != NULL ? request_id : "-");
      status = CLI_EXIT_FAILED;
    }
  g_clear_pointer (&state.response, parley_chat_response_free);
  g_clear_error (&state.error);
  return status;
}
