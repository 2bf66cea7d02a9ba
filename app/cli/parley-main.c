/* parley-main.c — the parley command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "parley-cli.h"

static int
cli_version (int    argc,
             char **argv)
{
  printf ("parley %s\n", PACKAGE_VERSION);
  return CLI_EXIT_OK;
}

static const CliCommand commands[] = {
  { "ask", cli_ask, N_("Answer a question from the knowledge base") },
  { "audit", cli_audit, N_("Verify or list the audit log") },
  { "aws", cli_aws, N_("Check the AWS setup (doctor)") },
  { "gdpr", cli_gdpr, N_("Export or erase a customer's data") },
  { "kb", cli_kb, N_("Ingest, search and inspect the knowledge base") },
  { "lang", cli_lang, N_("Detect the language of a text") },
  { "stats", cli_stats, N_("Resolution, escalation, topics, latency, cost and CSAT") },
  { "retention", cli_retention, N_("Delete conversations past the retention period") },
  { "eval", cli_eval, N_("Measure retrieval quality on a labelled question set") },
  { "bench", cli_bench, N_("Measure speed on a synthetic corpus") },
  { "version", cli_version, N_("Print the version") },
  { NULL }
};

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("parley");

  return cli_dispatch ("parley", commands, argc, argv);
}
