/* parley-chunker.h — hierarchical chunking: parents for context, children for precision
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"
#include "parley-extract.h"

G_BEGIN_DECLS

typedef struct {
  guint parent_tokens;   /* target size of a parent chunk (~1500) */
  guint child_tokens;    /* target size of a child chunk (~300) */
  guint overlap_tokens;  /* overlap between consecutive children of a section (~60) */
} ParleyChunkerOptions;

#define PARLEY_CHUNKER_DEFAULTS ((ParleyChunkerOptions) { 1500, 300, 60 })

typedef struct _ParleyChunk ParleyChunk;

struct _ParleyChunk
{
  char      *heading;    /* heading path of its section, "Returns › Refunds", or NULL */
  char      *text;
  guint      n_tokens;
  GPtrArray *children;   /* ParleyChunk*, for parents; NULL for children */
};

GPtrArray *parley_chunk_document (ParleyAnalyzer             *analyzer,
                                  ParleyLang                  lang,
                                  const ParleyDocument       *doc,
                                  const ParleyChunkerOptions *options);
void       parley_chunk_free     (ParleyChunk                *chunk);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChunk, parley_chunk_free)

G_END_DECLS
