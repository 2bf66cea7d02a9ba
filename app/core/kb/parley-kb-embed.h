/* parley-kb-embed.h — vectors for the KB from an embedding provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-kb.h"
#include "parley-provider.h"

G_BEGIN_DECLS

typedef struct {
  guint  chunks;        /* child chunks that had no vector for the model */
  guint  cached;        /* of those, found in the embedding cache */
  guint  embedded;      /* sent to the provider */
  guint  calls;         /* provider calls (batches) */
  guint  dim;
  gint64 input_tokens;
} ParleyEmbedReport;

typedef void (*ParleyEmbedProgressFunc) (const ParleyEmbedReport *so_far,
                                         gpointer                 user_data);

/* Gives every child chunk without a vector from @model_key one, in batches
 * of @batch_size texts per provider call; texts embedded before (by content
 * hash of model and text) come from the store's cache instead. @dim: the
 * provider's dimensions when known (0: learnt from its first answer, the
 * cache is used from then on). */
void     parley_kb_embed_async  (ParleyKb                *kb,
                                 ParleyProvider          *provider,
                                 const char              *model_key,
                                 guint                    dim,
                                 guint                    batch_size,
                                 GCancellable            *cancellable,
                                 ParleyEmbedProgressFunc  progress,
                                 gpointer                 progress_data,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data);
gboolean parley_kb_embed_finish (ParleyKb                *kb,
                                 GAsyncResult            *result,
                                 ParleyEmbedReport       *report,
                                 GError                 **error);

/* The text of a chunk that is embedded: title, heading and text. */
char    *parley_kb_embed_text   (const char              *title,
                                 const char              *heading,
                                 const char              *text);

G_END_DECLS
