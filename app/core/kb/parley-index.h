/* parley-index.h — block-encoded posting lists and BM25 top-k with MaxScore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-types.h"

G_BEGIN_DECLS

#define PARLEY_BM25_K1 1.2f
#define PARLEY_BM25_B  0.75f

typedef struct {
  gint64 id;    /* child chunk id, strictly increasing within a list */
  guint  tf;    /* term frequency in the chunk */
  guint  len;   /* chunk length in terms */
} ParleyPosting;

typedef struct {
  gint64 id;
  float  score;
} ParleyScoredId;

typedef struct {
  GBytes *postings;   /* an encoded list */
  float   idf;
  float   weight;     /* how many times the query has the term, or a fuzzy match's discount */
} ParleyIndexTerm;

typedef struct {
  guint64 postings_total;   /* postings in the lists of the query */
  guint64 postings_scored;  /* postings whose score was computed */
  guint64 blocks_decoded;
} ParleyIndexStats;

/* Returns TRUE to keep @id. */
typedef gboolean (*ParleyIndexFilter) (gint64   id,
                                       gpointer user_data);

GBytes   *parley_postings_append   (GBytes                 *list,
                                    const ParleyPosting    *postings,
                                    guint                   n,
                                    GError                **error);
gboolean  parley_postings_decode   (GBytes                 *list,
                                    GArray                 *out,
                                    GError                **error);
guint     parley_postings_count    (GBytes                 *list);

float     parley_bm25_idf          (gint64                  n_docs,
                                    gint64                  df);
guint     parley_index_search      (const ParleyIndexTerm  *terms,
                                    guint                   n_terms,
                                    float                   avgdl,
                                    guint                   k,
                                    ParleyIndexFilter       filter,
                                    gpointer                filter_data,
                                    ParleyScoredId         *hits,
                                    ParleyIndexStats       *stats);
guint     parley_index_search_exhaustive
                                   (const ParleyIndexTerm  *terms,
                                    guint                   n_terms,
                                    float                   avgdl,
                                    guint                   k,
                                    ParleyIndexFilter       filter,
                                    gpointer                filter_data,
                                    ParleyScoredId         *hits);

G_END_DECLS
