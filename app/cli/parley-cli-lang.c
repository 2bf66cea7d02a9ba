/* parley-cli-lang.c — parley lang detect
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"
#include "parley-langid.h"

static int
lang_detect (int    argc,
             char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("TEXT… — detect the language (en, es, zh, fr, de)"));
  g_autofree char *text = NULL;
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  guint n;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc < 2)
    return cli_usage (context, _("no TEXT"));
  text = g_strjoinv (" ", argv + 1);
  if (!g_utf8_validate (text, -1, NULL))
    {
      fprintf (stderr, "parley: %s\n", _("the text is not valid UTF-8"));
      return CLI_EXIT_FAILED;
    }

  n = parley_langid_rank (text, -1, guesses, G_N_ELEMENTS (guesses));
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "lang");
      json_builder_add_string_value (b, n > 0 ? parley_lang_to_string (guesses[0].lang) : "und");
      json_builder_set_member_name (b, "confidence");
      json_builder_add_double_value (b, n > 0 ? guesses[0].probability : 0.0);
      json_builder_set_member_name (b, "candidates");
      json_builder_begin_array (b);
      for (guint i = 0; i < n; i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "lang");
          json_builder_add_string_value (b, parley_lang_to_string (guesses[i].lang));
          json_builder_set_member_name (b, "probability");
          json_builder_add_double_value (b, guesses[i].probability);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else if (n > 0)
    printf ("%s %.2f\n", parley_lang_to_string (guesses[0].lang), guesses[0].probability);
  else
    printf ("und 0.00\n");
  return CLI_EXIT_OK;
}

static const CliCommand lang_commands[] = {
  { "detect", lang_detect, N_("Detect the language of a text") },
  { NULL }
};

int
cli_lang (int    argc,
          char **argv)
{
  return cli_dispatch ("parley lang", lang_commands, argc, argv);
}
