/* parley-cli-retention.c — `parley retention run`: delete conversations past retention
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"
#include "parley-config.h"

static int
retention_run (int    argc,
               char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *config_path = NULL;
  int days = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), "FILE" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("Keep conversations touched in the last N days (default: the config's, 90)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— delete conversations older than the retention period"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyConfig) config = NULL;
  g_autoptr(ParleyStore) store = NULL;
  gint64 cutoff, deleted;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (days < 0 || days > 36500)
    return cli_usage (context, _("--days must be 1–36500"));
  if ((config = parley_config_load (config_path, &error)) == NULL)
    return cli_fail (error);
  if (days == 0)
    days = (int) config->retention_days;
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);

  cutoff = g_get_real_time () - (gint64) days * 24 * 3600 * G_USEC_PER_SEC;
  if ((deleted = parley_store_purge_conversations (store, cutoff, &error)) < 0)
    return cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "days");
      json_builder_add_int_value (b, days);
      json_builder_set_member_name (b, "deleted");
      json_builder_add_int_value (b, deleted);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else
    printf (_("%" G_GINT64_FORMAT " conversations older than %d days deleted\n"), deleted, days);
  return CLI_EXIT_OK;
}

static const CliCommand retention_commands[] = {
  { "run", retention_run, N_("Delete conversations older than the retention period") },
  { NULL }
};

int
cli_retention (int    argc,
               char **argv)
{
  return cli_dispatch ("parley retention", retention_commands, argc, argv);
}
