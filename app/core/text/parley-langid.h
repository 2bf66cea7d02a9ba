/* parley-langid.h — language identification among en, es, zh, fr, de
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-types.h"

G_BEGIN_DECLS

typedef struct {
  ParleyLang lang;
  double     probability;   /* posterior, the n returned sum to <= 1 */
} ParleyLangGuess;

/* Thread-safe; the model is compiled in (trained at build time). */
ParleyLang parley_langid_detect (const char      *text,
                                 gssize           len,
                                 double          *confidence);
guint      parley_langid_rank   (const char      *text,
                                 gssize           len,
                                 ParleyLangGuess *guesses,
                                 guint            n_guesses);
ParleyLang parley_langid_detect_in_context (const char *text,
                                            ParleyLang  previous,
                                            ParleyLang  locale_hint,
                                            double     *confidence);

G_END_DECLS
