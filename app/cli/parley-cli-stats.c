/* parley-cli-stats.c — `parley stats`: resolution, escalation, topics, latency, cost, CSAT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"

static void
add_counts (JsonBuilder *b,
            const char  *name,
            GPtrArray   *counts)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (guint i = 0; i < counts->len; i++)
    {
      const ParleyCount *c = counts->pdata[i];

      json_builder_set_member_name (b, c->name);
      json_builder_add_int_value (b, c->count);
    }
  json_builder_end_object (b);
}

static double
rate (gint64 part,
      gint64 whole)
{
  return whole > 0 ? (double) part / whole : 0;
}

int
cli_stats (int    argc,
           char **argv)
{
  g_autofree char *db = NULL;
  int days = 30;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("Database file"), "FILE" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("Conversations started in the last N days (default 30; 0: all)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— resolution, escalation, topics, latency, cost and CSAT"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = NULL;
  ParleySupportStats stats;
  gint64 since;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 1 || days < 0 || days > 36500)
    return cli_usage (context, _("--days must be 0–36500; no arguments"));
  if ((store = cli_open_store (db, &error)) == NULL)
    return cli_fail (error);
  since = days > 0 ? g_get_real_time () - (gint64) days * 24 * 3600 * G_USEC_PER_SEC : 0;
  if (!parley_store_get_support_stats (store, since, &stats, &error))
    {
      parley_support_stats_clear (&stats);
      return cli_fail (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "days");
      json_builder_add_int_value (b, days);
      json_builder_set_member_name (b, "conversations");
      json_builder_add_int_value (b, stats.conversations);
      json_builder_set_member_name (b, "resolution_rate");
      json_builder_add_double_value (b, rate (stats.resolved, stats.conversations));
      json_builder_set_member_name (b, "escalation_rate");
      json_builder_add_double_value (b, rate (stats.escalated, stats.conversations));
      add_counts (b, "escalation_reasons", stats.reasons);
      add_counts (b, "topics", stats.intents);
      json_builder_set_member_name (b, "latency_ms");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "p50");
      json_builder_add_int_value (b, stats.latency_p50_ms);
      json_builder_set_member_name (b, "p95");
      json_builder_add_int_value (b, stats.latency_p95_ms);
      json_builder_set_member_name (b, "p99");
      json_builder_add_int_value (b, stats.latency_p99_ms);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "models");
      json_builder_begin_object (b);
      for (guint i = 0; i < stats.models->len; i++)
        {
          const ParleyModelStats *m = stats.models->pdata[i];

          json_builder_set_member_name (b, m->model);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "answers");
          json_builder_add_int_value (b, m->answers);
          json_builder_set_member_name (b, "input_tokens");
          json_builder_add_int_value (b, m->input_tokens);
          json_builder_set_member_name (b, "output_tokens");
          json_builder_add_int_value (b, m->output_tokens);
          json_builder_set_member_name (b, "cost_usd");
          if (m->cost_usd >= 0)
            json_builder_add_double_value (b, m->cost_usd);
          else
            json_builder_add_null_value (b);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "csat");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "responses");
      json_builder_add_int_value (b, stats.csat_responses);
      json_builder_set_member_name (b, "average");
      json_builder_add_double_value (b, stats.csat_average);
      json_builder_set_member_name (b, "satisfied_rate");
      json_builder_add_double_value (b, rate (stats.csat_satisfied, stats.csat_responses));
      json_builder_end_object (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else
    {
      printf (_("%" G_GINT64_FORMAT " conversations: %.1f%% resolved, %.1f%% escalated\n"), stats.conversations,
              100 * rate (stats.resolved, stats.conversations), 100 * rate (stats.escalated, stats.conversations));
      for (guint i = 0; i < stats.reasons->len; i++)
        printf ("  escalated for %s: %" G_GINT64_FORMAT "\n", ((ParleyCount *) stats.reasons->pdata[i])->name,
                ((ParleyCount *) stats.reasons->pdata[i])->count);
      for (guint i = 0; i < stats.intents->len; i++)
        printf ("  topic %s: %" G_GINT64_FORMAT "\n", ((ParleyCount *) stats.intents->pdata[i])->name,
                ((ParleyCount *) stats.intents->pdata[i])->count);
      printf (_("answer latency: p50 %" G_GINT64_FORMAT " ms, p95 %" G_GINT64_FORMAT " ms, p99 %" G_GINT64_FORMAT " ms\n"),
              stats.latency_p50_ms, stats.latency_p95_ms, stats.latency_p99_ms);
      for (guint i = 0; i < stats.models->len; i++)
        {
          const ParleyModelStats *m = stats.models->pdata[i];

          printf ("  %s: %" G_GINT64_FORMAT " answers, %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT " tokens",
                  m->model, m->answers, m->input_tokens, m->output_tokens);
          if (m->cost_usd >= 0)
            printf (", $%.4f", m->cost_usd);
          printf ("\n");
        }
      printf (_("CSAT: %" G_GINT64_FORMAT " responses, average %.2f, %.1f%% satisfied\n"), stats.csat_responses,
              stats.csat_average, 100 * rate (stats.csat_satisfied, stats.csat_responses));
    }
  parley_support_stats_clear (&stats);
  return CLI_EXIT_OK;
}
