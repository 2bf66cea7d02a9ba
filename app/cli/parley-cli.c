/* parley-cli.c — shared pieces of the parley command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "parley-cli.h"
#include "parley-error.h"

int
cli_dispatch (const char        *prog,
              const CliCommand  *commands,
              int                argc,
              char             **argv)
{
  if (argc >= 2 && !g_str_has_prefix (argv[1], "-"))
    {
      for (const CliCommand *c = commands; c->name != NULL; c++)
        if (g_str_equal (argv[1], c->name))
          return c->func (argc - 1, argv + 1);
      fprintf (stderr, _("%s: unknown command “%s”\n"), prog, argv[1]);
    }

  fprintf (stderr, _("Usage: %s COMMAND [OPTION…]\n\nCommands:\n"), prog);
  for (const CliCommand *c = commands; c->name != NULL; c++)
    fprintf (stderr, "  %-10s %s\n", c->name, _(c->summary));
  return (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
         ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

gboolean
cli_parse (GOptionContext   *context,
           int              *argc,
           char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "parley: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
cli_fail (const GError *error)
{
  g_autofree char *line = g_strdup (error != NULL ? error->message : _("unknown error"));

  /* One line, always. */
  g_strdelimit (line, "\r\n", ' ');
  fprintf (stderr, "parley: %s\n", line);
  return CLI_EXIT_FAILED;
}

int
cli_usage (GOptionContext *context,
           const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  fprintf (stderr, "parley: %s\n\n%s", message, help);
  return CLI_EXIT_USAGE;
}

ParleyStore *
cli_open_store (const char  *db_path,
                GError     **error)
{
  g_autofree char *path = db_path != NULL ? g_strdup (db_path) : parley_store_default_path ();

  return parley_store_open (path, error);
}

gboolean
cli_parse_lang (const char  *code,
                ParleyLang  *lang,
                GError     **error)
{
  *lang = PARLEY_LANG_UNKNOWN;
  if (code == NULL)
    return TRUE;
  *lang = parley_lang_from_string (code);
  if (*lang == PARLEY_LANG_UNKNOWN)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                   _("unknown language “%s” (use en, es, zh, fr or de)"), code);
      return FALSE;
    }
  return TRUE;
}

/* A file shipped with Parley: $PARLEY_DATA_DIR, then the installed data
 * folder, then the source tree (for a build that is not installed). */
char *
cli_data_path (const char *first,
               ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *roots[3] = { g_getenv ("PARLEY_DATA_DIR"), PKGDATADIR, PARLEY_SOURCE_DIR "/data" };
  va_list ap;

  g_ptr_array_add (parts, NULL);
  g_ptr_array_add (parts, (gpointer) first);
  va_start (ap, first);
  for (const char *p = va_arg (ap, const char *); p != NULL; p = va_arg (ap, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (ap);
  g_ptr_array_add (parts, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      g_autofree char *path = NULL;

      if (roots[i] == NULL)
        continue;
      parts->pdata[0] = (gpointer) roots[i];
      path = g_build_filenamev ((char **) parts->pdata);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return NULL;
}

void
cli_print_json (JsonNode *node,
                gboolean  pretty)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, pretty);
  text = json_generator_to_data (gen, NULL);
  puts (text);
}

JsonNode *
cli_hits_to_json (GPtrArray              *hits,
                  const ParleySearchInfo *info,
                  const char             *query)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (query != NULL)
    {
      json_builder_set_member_name (b, "query");
      json_builder_add_string_value (b, query);
    }
  if (info != NULL)
    {
      json_builder_set_member_name (b, "lang");
      json_builder_add_string_value (b, parley_lang_to_string (info->lang));
      json_builder_set_member_name (b, "fallback");
      json_builder_add_boolean_value (b, info->fallback);
    }
  json_builder_set_member_name (b, "hits");
  json_builder_begin_array (b);
  for (guint i = 0; hits != NULL && i < hits->len; i++)
    {
      const ParleyHit *hit = hits->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "doc");
      json_builder_add_string_value (b, hit->rec.doc);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, hit->rec.title);
      json_builder_set_member_name (b, "chunk");
      json_builder_add_string_value (b, hit->rec.text);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, hit->score);
      json_builder_set_member_name (b, "lang");
      json_builder_add_string_value (b, hit->rec.lang);
      json_builder_set_member_name (b, "chunk_id");
      json_builder_add_int_value (b, hit->chunk_id);
      json_builder_set_member_name (b, "heading");
      json_builder_add_string_value (b, hit->rec.heading);
      json_builder_set_member_name (b, "category");
      json_builder_add_string_value (b, hit->rec.category);
      json_builder_set_member_name (b, "parent");
      json_builder_add_string_value (b, hit->rec.parent_text);
      json_builder_set_member_name (b, "fallback");
      json_builder_add_boolean_value (b, hit->fallback);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gsize
cli_peak_rss_kb (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0;
  return ru.ru_maxrss;
}
