/* parley-fake-aws.c — the local fake Bedrock (and OpenAI-compatible server) as a program
 *
 *   parley-fake-aws [--port N] [--first-byte-ms N] [--token-ms N]
 *
 * Prints its URL ("http://127.0.0.1:PORT") on stdout as one line, then
 * serves until SIGTERM or SIGINT. For benchmarks and for pointing a
 * parley-server at it by hand (AWS_ENDPOINT_URL=…, the credentials of
 * fake-aws.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-fake-aws"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake-aws.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  FakeAws *fake;
  int port = 0, first_byte_ms = 0, token_ms = 0, tokens = 40;
  gboolean stamp = FALSE;
  guint term_id, int_id;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port on 127.0.0.1 (default: any free port)", "N" },
    { "first-byte-ms", 0, 0, G_OPTION_ARG_INT, &first_byte_ms, "Delay before the first byte of each reply", "N" },
    { "token-ms", 0, 0, G_OPTION_ARG_INT, &token_ms, "Delay between the deltas of a stream", "N" },
    { "stamp", 0, 0, G_OPTION_ARG_NONE, &stamp, "Stream deltas holding the microsecond they were sent (parley bench bedrock)", NULL },
    { "tokens", 0, 0, G_OPTION_ARG_INT, &tokens, "With --stamp: deltas per stream (default 40)", "N" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_set_summary (context, "A local fake of Amazon Bedrock and of an OpenAI-compatible server, for tests.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("parley-fake-aws: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (port < 0 || port > 65535 || first_byte_ms < 0 || token_ms < 0 || tokens < 1 || tokens > 100000)
    {
      g_printerr ("parley-fake-aws: --port must be 0–65535 and delays must not be negative\n");
      return EXIT_FAILURE;
    }

  fake = fake_aws_new_on_port ((guint16) port, &error);
  if (fake == NULL)
    {
      g_printerr ("parley-fake-aws: cannot listen: %s\n", error->message);
      return EXIT_FAILURE;
    }
  fake_aws_set_delays (fake, first_byte_ms, token_ms);
  if (stamp)
    fake_aws_set_stamp (fake, tokens);

  loop = g_main_loop_new (NULL, FALSE);
  term_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  int_id = g_unix_signal_add (SIGINT, quit_cb, loop);

  g_print ("%s\n", fake_aws_get_url (fake));
  fflush (stdout);
  g_main_loop_run (loop);

  g_source_remove (term_id);
  g_source_remove (int_id);
  fake_aws_free (fake);
  return EXIT_SUCCESS;
}
