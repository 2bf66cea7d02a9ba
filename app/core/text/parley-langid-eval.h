/* parley-langid-eval.h — accuracy of language identification on a labelled set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-types.h"

G_BEGIN_DECLS

/* Counts of one labelled set: per expected language, how many texts were
 * detected as each language (the last column is "und"). */
typedef struct {
  guint confusion[PARLEY_N_LANGS][PARLEY_N_LANGS + 1];
} ParleyLangidTally;

/* Called for every text that was detected wrongly. */
typedef void (*ParleyLangidMissFunc) (ParleyLang  expected,
                                      ParleyLang  detected,
                                      double      confidence,
                                      const char *text,
                                      gpointer    user_data);

gboolean parley_langid_tally_file     (ParleyLangidTally       *tally,
                                       const char              *path,
                                       ParleyLangidMissFunc     miss_func,
                                       gpointer                 user_data,
                                       GError                 **error);
void     parley_langid_tally_add      (ParleyLangidTally       *tally,
                                       ParleyLang               expected,
                                       const char              *text,
                                       ParleyLangidMissFunc     miss_func,
                                       gpointer                 user_data);
guint    parley_langid_tally_total    (const ParleyLangidTally *tally,
                                       ParleyLang               lang);
guint    parley_langid_tally_right    (const ParleyLangidTally *tally,
                                       ParleyLang               lang);
double   parley_langid_tally_accuracy (const ParleyLangidTally *tally,
                                       ParleyLang               lang);

G_END_DECLS
