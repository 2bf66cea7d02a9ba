/* parley-cli-gdpr.c — `parley gdpr export|delete CUSTOMER`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"

static int
gdpr_run (int         argc,
          char      **argv,
          gboolean    delete)
{
  g_autofree char *db = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON (export always does)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (delete ? _("CUSTOMER — erase everything held about a customer")
                                 : _("CUSTOMER — everything held about a customer, as JSON"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage (context, _("one CUSTOMER id expected"));
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);

  if (!delete)
    {
      g_autoptr(JsonNode) node = parley_store_export_customer (store, argv[1], &error);

      if (node == NULL)
        return cli_fail (error);
      cli_print_json (node, TRUE);
      return CLI_EXIT_OK;
    }
  else
    {
      gint64 n_messages = 0;

      if (!parley_store_delete_customer (store, argv[1], &n_messages, &error))
        return cli_fail (error);
      if (json)
        printf ("{\"deleted\":true,\"messages\":%" G_GINT64_FORMAT "}\n", n_messages);
      else
        printf (_("customer erased with %" G_GINT64_FORMAT " messages\n"), n_messages);
      return CLI_EXIT_OK;
    }
}

static int
gdpr_export (int    argc,
             char **argv)
{
  return gdpr_run (argc, argv, FALSE);
}

static int
gdpr_delete (int    argc,
             char **argv)
{
  return gdpr_run (argc, argv, TRUE);
}

static const CliCommand gdpr_commands[] = {
  { "export", gdpr_export, N_("Everything held about a customer, as JSON") },
  { "delete", gdpr_delete, N_("Erase a customer, their conversations and messages") },
  { NULL }
};

int
cli_gdpr (int    argc,
          char **argv)
{
  return cli_dispatch ("parley gdpr", gdpr_commands, argc, argv);
}
