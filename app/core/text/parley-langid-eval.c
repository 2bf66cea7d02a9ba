/* parley-langid-eval.c — accuracy of language identification on a labelled set
 *
 * A labelled set is a UTF-8 text file of lines "lang<TAB>text" (lang one of
 * en, es, zh, fr, de); blank lines and lines starting with '#' are skipped.
 * Each text goes through parley_langid_detect() on its own, without any
 * conversation history or locale hint, so the figures are those of the bare
 * classifier.  Shared by `parley eval lang` and the tests that assert the
 * accuracy targets, so the two can never count differently.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include <string.h>

#include "parley-error.h"
#include "parley-langid.h"
#include "parley-langid-eval.h"

#define LANGID_EVAL_MAX_SIZE (16 * 1024 * 1024)

/**
 * parley_langid_tally_add:
 * @tally: counts to update
 * @expected: the language @text is labelled with (< %PARLEY_N_LANGS)
 * @text: UTF-8 text
 * @miss_func: (nullable): called when @text is detected wrongly
 * @user_data: data for @miss_func
 *
 * Detects the language of @text and counts the result.
 */
void
parley_langid_tally_add (ParleyLangidTally    *tally,
                         ParleyLang            expected,
                         const char           *text,
                         ParleyLangidMissFunc  miss_func,
                         gpointer              user_data)
{
  double confidence = 0.0;
  ParleyLang got;

  g_return_if_fail (tally != NULL);
  g_return_if_fail ((guint) expected < PARLEY_N_LANGS);
  g_return_if_fail (text != NULL);

  got = parley_langid_detect (text, -1, &confidence);
  tally->confusion[expected][got]++;
  if (got != expected && miss_func != NULL)
    miss_func (expected, got, confidence, text, user_data);
}

/**
 * parley_langid_tally_file:
 * @tally: counts to update (not reset)
 * @path: a labelled set, lines of "lang<TAB>text"
 * @miss_func: (nullable): called for every text detected wrongly
 * @user_data: data for @miss_func
 * @error: return location for a #GError
 *
 * Counts the detections of every text of @path.  The file is checked
 * whole before anything is counted: a line without a tab, an unknown
 * language code, an empty text or invalid UTF-8 fails with
 * %PARLEY_ERROR_INVALID_INPUT or %PARLEY_ERROR_ENCODING naming the line,
 * and @tally is left unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
parley_langid_tally_file (ParleyLangidTally    *tally,
                          const char           *path,
                          ParleyLangidMissFunc  miss_func,
                          gpointer              user_data,
                          GError              **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) langs = NULL;
  gsize size = 0;
  guint n_texts = 0;

  g_return_val_if_fail (tally != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &size, error))
    return FALSE;
  if (size > LANGID_EVAL_MAX_SIZE)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                   "%s: larger than %d MiB", path, LANGID_EVAL_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }
  if (!g_utf8_validate_len (contents, size, NULL))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING,
                   "%s: not valid UTF-8 (or holds a NUL byte)", path);
      return FALSE;
    }

  /* validate every line first, so a bad file counts nothing */
  lines = g_strsplit (contents, "\n", -1);
  langs = g_array_new (FALSE, FALSE, sizeof (ParleyLang));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      char *tab;
      ParleyLang lang;
      gsize n = strlen (line);

      if (n > 0 && line[n - 1] == '\r')
        line[n - 1] = '\0';
      if (line[0] == '\0' || line[0] == '#')
        {
          lang = PARLEY_LANG_UNKNOWN;
          g_array_append_val (langs, lang);
          continue;
        }

      tab = strchr (line, '\t');
      if (tab == NULL)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s:%u: expected lang<TAB>text", path, i + 1);
          return FALSE;
        }
      *tab = '\0';
      lang = parley_lang_from_string (line);
      if (lang == PARLEY_LANG_UNKNOWN || strlen (line) != 2)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s:%u: unknown language code “%s” (en, es, zh, fr or de)",
                       path, i + 1, line);
          return FALSE;
        }
      if (tab[1] == '\0')
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "%s:%u: empty text", path, i + 1);
          return FALSE;
        }
      g_array_append_val (langs, lang);
      n_texts++;
    }

  if (n_texts == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, "%s: no labelled text", path);
      return FALSE;
    }

  for (guint i = 0; lines[i] != NULL; i++)
    {
      ParleyLang lang = g_array_index (langs, ParleyLang, i);

      if (lang != PARLEY_LANG_UNKNOWN)
        parley_langid_tally_add (tally, lang, lines[i] + 3, miss_func, user_data);
    }

  return TRUE;
}

/**
 * parley_langid_tally_total:
 * @tally: counts
 * @lang: a language, or %PARLEY_LANG_UNKNOWN for all of them
 *
 * Returns: the number of texts labelled @lang
 */
guint
parley_langid_tally_total (const ParleyLangidTally *tally,
                           ParleyLang               lang)
{
  guint n = 0;

  g_return_val_if_fail (tally != NULL, 0);

  for (guint e = 0; e < PARLEY_N_LANGS; e++)
    {
      if (lang != PARLEY_LANG_UNKNOWN && e != (guint) lang)
        continue;
      for (guint d = 0; d <= PARLEY_N_LANGS; d++)
        n += tally->confusion[e][d];
    }
  return n;
}

/**
 * parley_langid_tally_right:
 * @tally: counts
 * @lang: a language, or %PARLEY_LANG_UNKNOWN for all of them
 *
 * Returns: the number of texts labelled @lang that were detected as such
 */
guint
parley_langid_tally_right (const ParleyLangidTally *tally,
                           ParleyLang               lang)
{
  guint n = 0;

  g_return_val_if_fail (tally != NULL, 0);

  for (guint e = 0; e < PARLEY_N_LANGS; e++)
    {
      if (lang == PARLEY_LANG_UNKNOWN || e == (guint) lang)
        n += tally->confusion[e][e];
    }
  return n;
}

/**
 * parley_langid_tally_accuracy:
 * @tally: counts
 * @lang: a language, or %PARLEY_LANG_UNKNOWN for all of them (micro-average)
 *
 * Returns: the share of texts labelled @lang detected as @lang, 0 when
 *   there are none
 */
double
parley_langid_tally_accuracy (const ParleyLangidTally *tally,
                              ParleyLang               lang)
{
  guint total = parley_langid_tally_total (tally, lang);

  return total > 0 ? (double) parley_langid_tally_right (tally, lang) / total : 0.0;
}
