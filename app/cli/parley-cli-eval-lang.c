/* parley-cli-eval-lang.c — parley eval lang: language identification accuracy
 *
 * Runs the bare classifier (no conversation history, no locale hint) over
 * the labelled sets eval-sentences.tsv (chat-like messages) and
 * eval-short.tsv (two-word texts) and prints the accuracy per language and
 * overall, and the confusion pairs (expected → detected, with counts).  It
 * reports and exits 0 whatever the figures; tests/test-langid.c asserts
 * the targets (≥ 98 % on sentences, ≥ 80 % on two-word texts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-cli"

#include "config.h"

#include <stdio.h>

#include "parley-cli.h"
#include "parley-langid-eval.h"

typedef struct {
  const char *name;   /* "sentences", "short" */
  const char *file;
} EvalSet;

static const EvalSet eval_sets[] = {
  { "sentences", "eval-sentences.tsv" },
  { "short",     "eval-short.tsv" },
};

static void
print_miss_cb (ParleyLang  expected,
               ParleyLang  detected,
               double      confidence,
               const char *text,
               gpointer    user_data)
{
  const char *set = user_data;

  fprintf (stderr, "miss (%s): %s detected as %s (%.2f): %s\n", set,
           parley_lang_to_string (expected), parley_lang_to_string (detected),
           confidence, text);
}

static void
add_set_json (JsonBuilder             *b,
              const EvalSet           *set,
              const ParleyLangidTally *tally)
{
  json_builder_set_member_name (b, set->name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "accuracy");
  json_builder_add_double_value (b, parley_langid_tally_accuracy (tally, PARLEY_LANG_UNKNOWN));
  json_builder_set_member_name (b, "right");
  json_builder_add_int_value (b, parley_langid_tally_right (tally, PARLEY_LANG_UNKNOWN));
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, parley_langid_tally_total (tally, PARLEY_LANG_UNKNOWN));

  json_builder_set_member_name (b, "languages");
  json_builder_begin_object (b);
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      json_builder_set_member_name (b, parley_lang_to_string (l));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "accuracy");
      json_builder_add_double_value (b, parley_langid_tally_accuracy (tally, l));
      json_builder_set_member_name (b, "right");
      json_builder_add_int_value (b, parley_langid_tally_right (tally, l));
      json_builder_set_member_name (b, "total");
      json_builder_add_int_value (b, parley_langid_tally_total (tally, l));
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "confusions");
  json_builder_begin_array (b);
  for (guint e = 0; e < PARLEY_N_LANGS; e++)
    {
      for (guint d = 0; d <= PARLEY_N_LANGS; d++)
        {
          if (d == e || tally->confusion[e][d] == 0)
            continue;
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "expected");
          json_builder_add_string_value (b, parley_lang_to_string (e));
          json_builder_set_member_name (b, "detected");
          json_builder_add_string_value (b, parley_lang_to_string (d));
          json_builder_set_member_name (b, "count");
          json_builder_add_int_value (b, tally->confusion[e][d]);
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
print_set_text (const EvalSet           *set,
                const ParleyLangidTally *tally)
{
  gboolean any = FALSE;

  printf ("%-10s overall %.3f (%u/%u)", set->name,
          parley_langid_tally_accuracy (tally, PARLEY_LANG_UNKNOWN),
          parley_langid_tally_right (tally, PARLEY_LANG_UNKNOWN),
          parley_langid_tally_total (tally, PARLEY_LANG_UNKNOWN));
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    printf ("  %s %.3f (%u/%u)", parley_lang_to_string (l),
            parley_langid_tally_accuracy (tally, l),
            parley_langid_tally_right (tally, l),
            parley_langid_tally_total (tally, l));
  printf ("\n%-10s confusions:", "");
  for (guint e = 0; e < PARLEY_N_LANGS; e++)
    {
      for (guint d = 0; d <= PARLEY_N_LANGS; d++)
        {
          if (d == e || tally->confusion[e][d] == 0)
            continue;
          printf (" %s→%s %u", parley_lang_to_string (e), parley_lang_to_string (d),
                  tally->confusion[e][d]);
          any = TRUE;
        }
    }
  printf ("%s\n", any ? "" : " none");
}

int
cli_eval_lang (int    argc,
               char **argv)
{
  g_autofree char *dir = NULL;
  gboolean json = FALSE, verbose = FALSE;
  const GOptionEntry entries[] = {
    { "set-dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
      N_("Folder of eval-sentences.tsv and eval-short.tsv (default: the bundled sets)"), "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("List the texts detected wrongly (on stderr)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("— language identification accuracy on sentences and two-word texts"));
  ParleyLangidTally tallies[G_N_ELEMENTS (eval_sets)] = { { { { 0 } } } };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!cli_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage (context, _("unexpected argument"));
  if (dir == NULL)
    dir = cli_data_path ("eval", "lang", NULL);
  if (dir == NULL)
    dir = g_build_filename (PARLEY_SOURCE_DIR, "tests", "data", "langid", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return cli_usage (context, _("no eval set folder (give --set-dir DIR)"));

  for (guint i = 0; i < G_N_ELEMENTS (eval_sets); i++)
    {
      g_autofree char *path = g_build_filename (dir, eval_sets[i].file, NULL);
      g_autoptr(GError) error = NULL;

      if (!parley_langid_tally_file (&tallies[i], path, verbose ? print_miss_cb : NULL,
                                     (gpointer) eval_sets[i].name, &error))
        return cli_fail (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      for (guint i = 0; i < G_N_ELEMENTS (eval_sets); i++)
        add_set_json (b, &eval_sets[i], &tallies[i]);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cli_print_json (root, FALSE);
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (eval_sets); i++)
        print_set_text (&eval_sets[i], &tallies[i]);
    }

  return CLI_EXIT_OK;
}
