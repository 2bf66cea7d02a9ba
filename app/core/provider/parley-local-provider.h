/* parley-local-provider.h — the embedded default: grounded extractive answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-provider.h"

G_BEGIN_DECLS

#define PARLEY_TYPE_LOCAL_PROVIDER (parley_local_provider_get_type ())
G_DECLARE_FINAL_TYPE (ParleyLocalProvider, parley_local_provider, PARLEY, LOCAL_PROVIDER, GObject)

ParleyLocalProvider *parley_local_provider_new     (void);
char                *parley_local_provider_compose (ParleyLocalProvider     *self,
                                                    const ParleyChatRequest *request,
                                                    gboolean                *grounded);

G_END_DECLS
