/* parley-cli-lang.c — parley lang detect
 *
 * `parley lang detect [--json] TEXT…` detects the language of one text;
 * `parley lang detect --stdin` detects that of every line of standard input
 * and prints one JSON line per input line, in order and flushed at once so
 * that it can sit in a pipe: {"language":"es","confidence":0.97}.  An empty
 * line gives {"language":"und","confidence":0}; a line that is not valid
 * UTF-8 (or holds a NUL byte) or is longer than STDIN_MAX_LINE bytes gives
 * {"language":"und","confidence":0,"error":"…"} and the next lines go on.
 * The JSON of a single text carries the language under "language" (the
 * contract) and under "lang" (what earlier versions printed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "parley-cli.h"
#include "parley-langid.h"

#define STDIN_MAX_LINE (1024 * 1024)

static void
print_line_result (const char *language,
                   double      confidence,
                   const char *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "language");
  json_builder_add_string_value (b, language);
  json_builder_set_member_name (b, "confidence");
  json_builder_add_double_value (b, confidence);
  if (error != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cli_print_json (root, FALSE);
  fflush (stdout);
}

static void
detect_line (const char *line,
             gsize       len,
             gboolean    too_long)
{
  ParleyLang lang;
  double confidence = 0.0;

  if (too_long)
    {
      print_line_result ("und", 0.0, _("the line is too long"));
      return;
    }
  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (!g_utf8_validate_len (line, len, NULL))
    {
      print_line_result ("und", 0.0, _("the line is not valid UTF-8"));
      return;
    }

  lang = parley_langid_detect (line, len, &confidence);
  print_line_result (parley_lang_to_string (lang), lang == PARLEY_LANG_UNKNOWN ? 0.0 : confidence, NULL);
}

/* One JSON line per line of standard input; lines are read in pieces, so
 * that a long line or one with NUL bytes is reported, never truncated
 * silently or mistaken for a shorter one. */
static int
detect_stdin (void)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gboolean too_long = FALSE;
  gboolean pending = FALSE;
  char buf[4096];
  size_t n;

  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    {
      const char *p = buf;
      const char *end = buf + n;

      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          const char *stop = nl != NULL ? nl : end;

          if (!too_long)
            {
              if (line->len + (stop - p) > STDIN_MAX_LINE)
                {
                  too_long = TRUE;
                  g_string_truncate (line, 0);
                }
              else
                {
                  g_string_append_len (line, p, stop - p);
                }
            }
          pending = TRUE;
          if (nl == NULL)
            break;

          detect_line (line->str, line->len, too_long);
          g_string_truncate (line, 0);
          too_long = FALSE;
          pending = FALSE;
          p = nl + 1;
        }
    }

  if (ferror (stdin))
    {
      fprintf (stderr, "parley: %s\n", _("could not read standard input"));
      return CLI_EXIT_FAILED;
    }
  if (pending)   /* a last line without a newline */
    detect_line (line->str, line->len, too_long);
  return CLI_EXIT_OK;
}

static int
lang_detect (int    argc,
             char **argv)
{
  gboolean json = FALSE, from_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin,
      N_("Detect every line of standard input; one JSON line {\"language\",\"confidence\"} each"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("TEXT… — detect the language (en, es, zh, fr, de)"));
  g_autofree char *text = NULL;
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  guint n;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (from_stdin)
    {
      if (argc > 1)
        return cli_usage (context, _("give either TEXT or --stdin"));
      return detect_stdin ();
    }
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
      json_builder_set_member_name (b, "language");
      json_builder_add_string_value (b, n > 0 ? parley_lang_to_string (guesses[0].lang) : "und");
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
