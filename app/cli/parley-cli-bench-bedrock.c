/* parley-cli-bench-bedrock.c — `parley bench bedrock`: what Parley adds to a stream
 *
 * Runs N ConverseStream calls at once, on this one thread, against a local
 * Bedrock endpoint (tests/parley-fake-aws, started here unless --endpoint is
 * given) that waits --first-byte-ms before its first frame and --token-ms
 * between frames. In --stamp mode the endpoint writes, as each delta's text,
 * the CLOCK_MONOTONIC microsecond at which it wrote the frame; the caller's
 * event callback subtracts it from its own clock. That difference — loopback,
 * curl, the event-stream decoder, CRCs, JSON, the accumulator and the main
 * loop — bounds Parley's added latency from above: it also holds the
 * endpoint's own socket write and the kernel's loopback, which a real
 * endpoint adds too. Measured per frame and for each stream's first frame.
 * CPU time per streamed token is this process's user+system
 * time over the streamed deltas (the endpoint runs in another process).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "parley-aws-config.h"
#include "parley-bedrock-client.h"
#include "parley-cli.h"
#include "parley-config.h"

/* The fake endpoint's known test credentials (tests/fake-aws.h). */
#define FAKE_ACCESS_KEY_ID     "AKIDPARLEYTEST"
#define FAKE_SECRET_ACCESS_KEY "parley/test/secret/key/EXAMPLEKEY"

typedef struct {
  GArray  *frame_ms;      /* added latency of every delta */
  GArray  *first_ms;      /* added latency of each stream's first delta */
  GArray  *ttft_ms;       /* from the call to the first delta, endpoint wait included */
  guint    n_done;
  guint    n_failed;
  guint64  n_tokens;
  GError  *first_error;
} Bench;

typedef struct {
  Bench               *bench;
  ParleyBedrockClient *client;
  ParleyChatRequest   *request;
  gint64               start;
  gboolean             seen_first;
} Stream;

static void
stream_event_cb (const ParleyChatEvent *event,
                 gpointer               user_data)
{
  Stream *stream = user_data;
  gint64 now = g_get_monotonic_time ();
  char *end = NULL;
  gint64 stamp;
  double added;

  if (event->kind != PARLEY_CHAT_EVENT_TEXT_DELTA || event->text == NULL)
    return;

  stream->bench->n_tokens++;
  stamp = g_ascii_strtoll (event->text, &end, 10);
  if (end == event->text || stamp <= 0 || stamp > now)
    return;
  added = (now - stamp) / 1000.0;
  g_array_append_val (stream->bench->frame_ms, added);
  if (!stream->seen_first)
    {
      double ttft = (now - stream->start) / 1000.0;

      stream->seen_first = TRUE;
      g_array_append_val (stream->bench->first_ms, added);
      g_array_append_val (stream->bench->ttft_ms, ttft);
    }
}

static void
stream_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Stream *stream = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyChatResponse) response =
    parley_bedrock_client_converse_finish (PARLEY_BEDROCK_CLIENT (object), result, &error);

  stream->bench->n_done++;
  if (response == NULL)
    {
      stream->bench->n_failed++;
      if (stream->bench->first_error == NULL)
        stream->bench->first_error = g_steal_pointer (&error);
    }
}

static gboolean
start_stream_cb (gpointer user_data)
{
  Stream *stream = user_data;

  stream->start = g_get_monotonic_time ();
  parley_bedrock_client_converse_async (stream->client, stream->request, TRUE, stream_event_cb, stream, NULL,
                                        stream_done_cb, stream);
  return G_SOURCE_REMOVE;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* tests/parley-fake-aws of this build tree, unless $PARLEY_FAKE_AWS names one. */
static char *
find_fake (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  char *candidate;

  if (g_getenv ("PARLEY_FAKE_AWS") != NULL)
    return g_strdup (g_getenv ("PARLEY_FAKE_AWS"));
  if (self == NULL)
    return NULL;
  dir = g_path_get_dirname (self);
  candidate = g_build_filename (dir, "..", "..", "tests", "parley-fake-aws", NULL);
  if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
    return candidate;
  g_free (candidate);
  return NULL;
}

static GSubprocess *
start_fake (guint    first_byte_ms,
            guint    token_ms,
            guint    tokens,
            char   **url,
            GError **error)
{
  g_autofree char *path = find_fake ();
  g_autofree char *first = g_strdup_printf ("%u", first_byte_ms);
  g_autofree char *token = g_strdup_printf ("%u", token_ms);
  g_autofree char *n_tokens = g_strdup_printf ("%u", tokens);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "no local endpoint: pass --endpoint URL, or set PARLEY_FAKE_AWS to tests/parley-fake-aws");
      return NULL;
    }
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, path, "--first-byte-ms", first,
                              "--token-ms", token, "--tokens", n_tokens, "--stamp", NULL);
  if (process == NULL)
    return NULL;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "http"))
    {
      g_subprocess_force_exit (process);
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the local endpoint did not start");
      return NULL;
    }
  *url = g_steal_pointer (&line);
  return g_steal_pointer (&process);
}

int
cli_bench_bedrock (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— streaming overhead against a local Bedrock endpoint"));
  g_autofree char *endpoint = NULL;
  int n_streams = 200;
  int first_byte_ms = 50;
  int token_ms = 5;
  int tokens = 40;
  int stagger_ms = -1;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "streams", 'n', 0, G_OPTION_ARG_INT, &n_streams, N_("Concurrent streams (1–2000)"), N_("N") },
    { "first-byte-ms", 0, 0, G_OPTION_ARG_INT, &first_byte_ms, N_("The endpoint's wait before the first frame"), N_("MS") },
    { "token-ms", 0, 0, G_OPTION_ARG_INT, &token_ms, N_("The endpoint's wait between frames"), N_("MS") },
    { "tokens", 0, 0, G_OPTION_ARG_INT, &tokens, N_("Deltas per stream"), N_("N") },
    { "stagger-ms", 0, 0, G_OPTION_ARG_INT, &stagger_ms,
      N_("Spread the streams' starts over this long (default: --token-ms; 0: all at once)"), N_("MS") },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &endpoint, N_("A running endpoint in --stamp mode (default: start one)"), N_("URL") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Also print the figures as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) fake = NULL;
  g_autoptr(ParleyConfig) config = parley_config_new_default ();
  g_autoptr(ParleyAwsConfig) aws = NULL;
  g_autoptr(ParleyBedrockClient) client = NULL;
  g_autoptr(ParleyChatRequest) request = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  Bench bench = { 0 };
  Stream *streams;
  Stream warmup = { 0 };
  gint64 wall_start;
  double cpu_start, cpu, wall;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (stagger_ms < 0)
    stagger_ms = token_ms;
  if (n_streams < 1 || n_streams > 2000 || first_byte_ms < 0 || token_ms < 0 || tokens < 1 || tokens > 10000
      || stagger_ms > 60000)
    return cli_usage (context, _("--streams 1–2000, --tokens 1–10000, delays ≥ 0"));

  if (endpoint == NULL)
    {
      if ((fake = start_fake ((guint) first_byte_ms, (guint) token_ms, (guint) tokens, &endpoint, &error)) == NULL)
        return cli_fail (error);
      g_setenv ("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY_ID, TRUE);
      g_setenv ("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_ACCESS_KEY, TRUE);
      g_unsetenv ("AWS_SESSION_TOKEN");
      g_unsetenv ("AWS_PROFILE");
    }
  g_setenv ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", endpoint, TRUE);
  if (g_getenv ("AWS_REGION") == NULL)
    g_setenv ("AWS_REGION", "eu-west-1", TRUE);
  g_setenv ("AWS_EC2_METADATA_DISABLED", "true", TRUE);

  if ((aws = parley_aws_config_load (&error)) == NULL || (client = parley_bedrock_client_new (config, aws, &error)) == NULL)
    {
      if (fake != NULL)
        g_subprocess_force_exit (fake);
      return cli_fail (error);
    }

  request = parley_chat_request_new (config->small_model);
  request->max_tokens = tokens;
  g_ptr_array_add (request->messages, parley_chat_message_new_text (PARLEY_CHAT_ROLE_USER,
                                                                    "Where is my parcel? It has not arrived yet."));

  bench.frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.first_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.ttft_ms = g_array_new (FALSE, FALSE, sizeof (double));

  /* One call first: credentials, DNS, the endpoint's start. Not measured. */
  warmup.bench = &bench;
  parley_bedrock_client_converse_async (client, request, TRUE, NULL, NULL, NULL, stream_done_cb, &warmup);
  while (bench.n_done < 1)
    g_main_context_iteration (NULL, TRUE);
  if (bench.first_error != NULL)
    {
      if (fake != NULL)
        g_subprocess_force_exit (fake);
      return cli_fail (bench.first_error);
    }
  bench.n_done = 0;
  bench.n_tokens = 0;

  streams = g_new0 (Stream, n_streams);
  cpu_start = cpu_seconds ();
  wall_start = g_get_monotonic_time ();
  /* Customers do not all start in the same microsecond: spread the starts
   * (--stagger-ms) so that the endpoint's timers, which all run on its one
   * thread, do not fire in lockstep; 0 measures that worst case. */
  for (int i = 0; i < n_streams; i++)
    {
      guint at = (guint) ((gint64) stagger_ms * i / n_streams);

      streams[i].bench = &bench;
      streams[i].client = client;
      streams[i].request = request;
      if (at == 0)
        start_stream_cb (&streams[i]);
      else
        g_timeout_add (at, start_stream_cb, &streams[i]);
    }
  while (bench.n_done < (guint) n_streams)
    g_main_context_iteration (NULL, TRUE);
  wall = (g_get_monotonic_time () - wall_start) / 1e6;
  cpu = cpu_seconds () - cpu_start;

  if (fake != NULL)
    {
      g_subprocess_send_signal (fake, SIGTERM);
      g_subprocess_wait (fake, NULL, NULL);
    }

  printf ("parley bench bedrock: %d concurrent ConverseStream calls on one thread, endpoint %s\n"
          "  endpoint: %d ms to first byte, %d ms between frames, %d deltas per stream; starts spread over %d ms\n",
          n_streams, endpoint, first_byte_ms, token_ms, tokens, stagger_ms);
  printf ("  completed %u, failed %u, deltas %" G_GUINT64_FORMAT ", wall %.3f s, connections %u\n",
          bench.n_done - bench.n_failed, bench.n_failed, bench.n_tokens, wall,
          parley_http_client_get_n_connections (parley_bedrock_client_get_http_client (client)));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "streams");
  json_builder_add_int_value (b, n_streams);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, bench.n_failed);
  json_builder_set_member_name (b, "deltas");
  json_builder_add_int_value (b, (gint64) bench.n_tokens);
  printf ("  from the endpoint writing a frame to Parley's caller having its event (loopback included):\n");
  cli_print_latency (b, "added_per_frame", bench.frame_ms);
  cli_print_latency (b, "added_first_frame", bench.first_ms);
  cli_print_latency (b, "time_to_first_token", bench.ttft_ms);
  printf ("  CPU %.3f s: %.2f µs per streamed token; peak RSS %.1f MB\n", cpu,
          bench.n_tokens > 0 ? cpu * 1e6 / bench.n_tokens : 0, cli_peak_rss_kb () / 1024.0);
  json_builder_set_member_name (b, "cpu_us_per_token");
  json_builder_add_double_value (b, bench.n_tokens > 0 ? cpu * 1e6 / bench.n_tokens : 0);
  json_builder_end_object (b);

  if (bench.first_error != NULL)
    printf ("  first failure: %s\n", bench.first_error->message);
  if (json)
    {
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }

  status = bench.n_failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
  g_clear_error (&bench.first_error);
  g_array_unref (bench.frame_ms);
  g_array_unref (bench.first_ms);
  g_array_unref (bench.ttft_ms);
  g_free (streams);
  return status;
}
