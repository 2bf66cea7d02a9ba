/* fuzz-langid.c — libFuzzer harness for language identification
 *
 * Arbitrary bytes (invalid UTF-8, NULs, mixed scripts, combining marks)
 * through parley_langid_detect(), parley_langid_rank() and
 * parley_langid_detect_in_context(): every answer is a valid language or
 * "unknown" with a confidence in [0, 1], and the ranked posteriors fall and
 * sum to at most 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-langid"

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "parley-langid.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  ParleyLangGuess guesses[PARLEY_N_LANGS];
  double confidence = -1.0, sum = 0.0;
  ParleyLang lang;
  guint n;

  /* sized, with NULs inside */
  lang = parley_langid_detect ((const char *) data, size, &confidence);
  g_assert_cmpuint (lang, <=, PARLEY_LANG_UNKNOWN);
  g_assert_true (confidence >= 0.0 && confidence <= 1.0);

  n = parley_langid_rank ((const char *) data, size, guesses, G_N_ELEMENTS (guesses));
  g_assert_cmpuint (n, <=, PARLEY_N_LANGS);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (guesses[i].lang, <, PARLEY_N_LANGS);
      g_assert_true (guesses[i].probability > 0.0 && guesses[i].probability <= 1.0);
      if (i > 0)
        g_assert_true (guesses[i].probability <= guesses[i - 1].probability);
      sum += guesses[i].probability;
    }
  g_assert_true (sum <= 1.0 + 1e-9);

  /* nul-terminated, in every conversation state the first bytes choose */
  text = g_strndup ((const char *) data, size);
  for (guint previous = 0; previous <= PARLEY_N_LANGS; previous++)
    {
      ParleyLang hint = size > 0 ? (ParleyLang) (data[0] % (PARLEY_N_LANGS + 1)) : PARLEY_LANG_UNKNOWN;

      confidence = -1.0;
      lang = parley_langid_detect_in_context (text, (ParleyLang) previous, hint, &confidence);
      g_assert_cmpuint (lang, <=, PARLEY_LANG_UNKNOWN);
      g_assert_true (confidence >= 0.0 && confidence <= 1.0);
    }

  return 0;
}
