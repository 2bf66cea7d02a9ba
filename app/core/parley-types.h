/* parley-types.h — forward declarations and enums shared by libparley
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The languages Parley speaks, in the order used by per-language tables. */
typedef enum {
  PARLEY_LANG_EN,
  PARLEY_LANG_ES,
  PARLEY_LANG_ZH,
  PARLEY_LANG_FR,
  PARLEY_LANG_DE,
  PARLEY_N_LANGS,
  PARLEY_LANG_UNKNOWN = PARLEY_N_LANGS,
} ParleyLang;

ParleyLang   parley_lang_from_string (const char *code);
const char  *parley_lang_to_string   (ParleyLang  lang);

typedef struct _ParleyStore       ParleyStore;
typedef struct _ParleyAnalyzer    ParleyAnalyzer;
typedef struct _ParleyIndex       ParleyIndex;
typedef struct _ParleyVectorIndex ParleyVectorIndex;
typedef struct _ParleyKb          ParleyKb;

G_END_DECLS
