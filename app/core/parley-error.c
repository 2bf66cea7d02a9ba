/* parley-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-core"

#include "config.h"

#include "parley-error.h"
#include "parley-types.h"

G_DEFINE_QUARK (parley-error-quark, parley_error)

static const char * const lang_codes[PARLEY_N_LANGS] = { "en", "es", "zh", "fr", "de" };

/**
 * parley_lang_from_string:
 * @code: (nullable): a BCP 47 tag such as "es", "zh-Hans-CN" or "de_DE"
 *
 * Returns: the #ParleyLang of the tag's primary subtag, or
 *   %PARLEY_LANG_UNKNOWN
 */
ParleyLang
parley_lang_from_string (const char *code)
{
  if (code == NULL)
    return PARLEY_LANG_UNKNOWN;

  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    {
      if (g_ascii_strncasecmp (code, lang_codes[i], 2) == 0 &&
          (code[2] == '\0' || code[2] == '-' || code[2] == '_'))
        return (ParleyLang) i;
    }

  return PARLEY_LANG_UNKNOWN;
}

const char *
parley_lang_to_string (ParleyLang lang)
{
  if ((guint) lang < PARLEY_N_LANGS)
    return lang_codes[lang];
  return "und";
}
