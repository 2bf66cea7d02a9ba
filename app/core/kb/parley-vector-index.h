/* parley-vector-index.h — in-memory cosine top-k over dense embeddings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-types.h"

G_BEGIN_DECLS

/* Vectors are stored quantised (int8 + sign bits, about dim + dim / 8 + 16
 * bytes each); scores are cosines within about 1e-3. Not thread-safe: one
 * thread at a time may use an index, and add/remove must not overlap a
 * search. A search of a large index runs on a per-index worker pool. */

typedef struct {
  gint64 id;
  float  score;   /* cosine similarity, -1..1 */
} ParleyVectorHit;

/* A vector matches a search when (tag & mask) == value; mask 0 matches all. */
typedef struct {
  guint32 mask;
  guint32 value;
} ParleyVectorFilter;

ParleyVectorIndex *parley_vector_index_new          (guint                      dim);
void               parley_vector_index_free         (ParleyVectorIndex         *self);
guint              parley_vector_index_get_dim      (ParleyVectorIndex         *self);
guint              parley_vector_index_get_size     (ParleyVectorIndex         *self);
gsize              parley_vector_index_get_memory   (ParleyVectorIndex         *self);
gboolean           parley_vector_index_add          (ParleyVectorIndex         *self,
                                                     gint64                     id,
                                                     guint32                    tag,
                                                     const float               *vector,
                                                     GError                   **error);
gboolean           parley_vector_index_remove       (ParleyVectorIndex         *self,
                                                     gint64                     id);
guint              parley_vector_index_search       (ParleyVectorIndex         *self,
                                                     const float               *query,
                                                     guint                      k,
                                                     const ParleyVectorFilter  *filter,
                                                     ParleyVectorHit           *hits);
guint              parley_vector_index_search_exhaustive
                                                    (ParleyVectorIndex         *self,
                                                     const float               *query,
                                                     guint                      k,
                                                     const ParleyVectorFilter  *filter,
                                                     ParleyVectorHit           *hits);

/* Tuning; the defaults suit the application. */
void               parley_vector_index_reserve      (ParleyVectorIndex         *self,
                                                     guint                      n_vectors);
void               parley_vector_index_set_max_threads
                                                    (ParleyVectorIndex         *self,
                                                     guint                      n_threads);
void               parley_vector_index_set_exhaustive_limit
                                                    (ParleyVectorIndex         *self,
                                                     guint                      limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyVectorIndex, parley_vector_index_free)

G_END_DECLS
