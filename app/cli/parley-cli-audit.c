/* parley-cli-audit.c — `parley audit verify|list`: the hash-chained audit log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"

static int
audit_verify (int    argc,
              char **argv)
{
  g_autofree char *db = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— check that no audit record was edited or removed"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  ParleyAuditReport report = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if ((store = cli_open_store (db, &error)) == NULL || !parley_store_audit_verify (store, &report, &error))
    return cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "intact");
      json_builder_add_boolean_value (b, report.bad_id == 0);
      json_builder_set_member_name (b, "records");
      json_builder_add_int_value (b, report.n_records);
      if (report.bad_id != 0)
        {
          json_builder_set_member_name (b, "bad_record");
          json_builder_add_int_value (b, report.bad_id);
          json_builder_set_member_name (b, "problem");
          json_builder_add_string_value (b, report.problem);
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else if (report.bad_id == 0)
    printf (_("audit log intact: %" G_GINT64_FORMAT " records\n"), report.n_records);
  else
    g_printerr (_("parley: audit log broken: %s (%" G_GINT64_FORMAT " intact records before it)\n"),
                report.problem, report.n_records);

  status = report.bad_id == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
  parley_audit_report_clear (&report);
  return status;
}

typedef struct {
  JsonBuilder *b;
  guint        limit;
  guint        n;
} ListCtx;

static gboolean
list_cb (const ParleyAuditRecord *rec,
         gpointer                 user_data)
{
  ListCtx *ctx = user_data;
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (rec->at / G_USEC_PER_SEC);
  g_autofree char *when = at != NULL ? g_date_time_format_iso8601 (at) : g_strdup ("?");

  if (ctx->limit > 0 && ctx->n >= ctx->limit)
    return FALSE;
  ctx->n++;
  if (ctx->b == NULL)
    {
      printf ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\n", rec->id, when, rec->kind, rec->subject, rec->payload);
      return TRUE;
    }
  json_builder_begin_object (ctx->b);
  json_builder_set_member_name (ctx->b, "id");
  json_builder_add_int_value (ctx->b, rec->id);
  json_builder_set_member_name (ctx->b, "at");
  json_builder_add_string_value (ctx->b, when);
  json_builder_set_member_name (ctx->b, "kind");
  json_builder_add_string_value (ctx->b, rec->kind);
  json_builder_set_member_name (ctx->b, "subject");
  json_builder_add_string_value (ctx->b, rec->subject);
  json_builder_set_member_name (ctx->b, "payload");
  json_builder_add_value (ctx->b, json_from_string (rec->payload, NULL));
  json_builder_set_member_name (ctx->b, "hash");
  json_builder_add_string_value (ctx->b, rec->hash);
  json_builder_end_object (ctx->b);
  return TRUE;
}

static int
audit_list (int    argc,
            char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *kind = NULL;
  gboolean json = FALSE;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("Only records of this kind"), "KIND" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, N_("At most N records (0: all)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— the audit log, oldest first"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  ListCtx ctx = { 0 };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (limit < 0)
    return cli_usage (context, _("--limit must not be negative"));
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);

  if (json)
    {
      b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "records");
      json_builder_begin_array (b);
    }
  ctx.b = b;
  ctx.limit = (guint) limit;
  if (!parley_store_audit_foreach (store, kind, list_cb, &ctx, &error))
    return cli_fail (error);
  if (json)
    {
      g_autoptr(JsonNode) root = NULL;

      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  return CLI_EXIT_OK;
}

static const CliCommand audit_commands[] = {
  { "verify", audit_verify, N_("Check that no record was edited or removed") },
  { "list", audit_list, N_("Print the records, oldest first") },
  { NULL }
};

int
cli_audit (int    argc,
           char **argv)
{
  return cli_dispatch ("parley audit", audit_commands, argc, argv);
}
