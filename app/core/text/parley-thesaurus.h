/* parley-thesaurus.h — query expansion from customer words to help-centre words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"

G_BEGIN_DECLS

typedef struct _ParleyThesaurus ParleyThesaurus;

/* Called for each expansion term, once per distinct term. */
typedef void (*ParleyExpandFunc) (const char *term,
                                  gpointer    user_data);

ParleyThesaurus *parley_thesaurus_new_from_text  (ParleyAnalyzer    *analyzer,
                                                  ParleyLang         lang,
                                                  const char        *text,
                                                  gssize             len);
ParleyThesaurus *parley_thesaurus_get_default    (ParleyAnalyzer    *analyzer,
                                                  ParleyLang         lang);
void             parley_thesaurus_free           (ParleyThesaurus   *self);
guint            parley_thesaurus_get_n_groups   (ParleyThesaurus   *self);
guint            parley_thesaurus_expand         (ParleyThesaurus   *self,
                                                  const char * const *terms,
                                                  guint              n_terms,
                                                  ParleyExpandFunc   func,
                                                  gpointer           user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyThesaurus, parley_thesaurus_free)

G_END_DECLS
