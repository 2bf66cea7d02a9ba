/* parley-index.c — block-encoded posting lists and BM25 top-k with MaxScore
 *
 * A posting list is one blob:
 *
 *   u8      format (1)
 *   varint  n_blocks, n_postings
 *   n_blocks × { varint last_id_delta, payload_bytes, count, max_tf, min_len }
 *   payloads: per posting { varint id_delta, tf, len }
 *
 * Ids are delta-coded from the previous posting (the first of a block from
 * the previous block's last id). The directory lets a cursor skip whole
 * blocks without decoding them, and its (max_tf, min_len) bounds every BM25
 * score inside a block, since BM25 rises with tf and falls with length.
 *
 * Search is MaxScore (Turtle & Flood 1995): terms sorted by their score
 * upper bound; once the k-th best score exceeds the sum of the smallest
 * bounds, those terms become non-essential: they never produce candidates,
 * and are only probed (by skipping) for documents that could still enter
 * the top k. Most postings of frequent terms are never scored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-kb"

#include "config.h"

#include <math.h>
#include <string.h>

#include "parley-error.h"
#include "parley-index.h"

#define FORMAT_VERSION 1
#define BLOCK_SIZE     128
#define ID_END         G_MAXINT64

typedef struct {
  gint64 last_id;
  gsize  offset;       /* of the payload, from the start of the payload area */
  gsize  bytes;
  guint  count;
  guint  max_tf;
  guint  min_len;
} BlockInfo;

typedef struct {
  const guint8 *payload;
  gsize         payload_len;
  GArray       *blocks;     /* BlockInfo */
  guint64       n_postings;
} ListView;

static gboolean
read_varint (const guint8 **p,
             const guint8  *end,
             guint64       *out)
{
  guint64 v = 0;

  for (guint shift = 0; shift < 64; shift += 7)
    {
      guint8 b;

      if (*p >= end)
        return FALSE;
      b = *(*p)++;
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *out = v;
          return TRUE;
        }
    }
  return FALSE;
}

static void
write_varint (GByteArray *out,
              guint64     v)
{
  guint8 buf[10];
  guint n = 0;

  do
    {
      buf[n] = v & 0x7f;
      v >>= 7;
      if (v != 0)
        buf[n] |= 0x80;
      n++;
    }
  while (v != 0);
  g_byte_array_append (out, buf, n);
}

static gboolean
corrupt (GError **error)
{
  g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT,
                       "posting list is damaged; run “parley kb reindex”");
  return FALSE;
}

static void
list_view_clear (ListView *view)
{
  g_clear_pointer (&view->blocks, g_array_unref);
}

static gboolean
list_view_init (ListView  *view,
                GBytes    *list,
                GError   **error)
{
  gsize len = 0;
  const guint8 *data = list != NULL ? g_bytes_get_data (list, &len) : NULL;
  const guint8 *p = data, *end = len > 0 ? data + len : data;   /* no arithmetic on NULL */
  guint64 n_blocks, n_postings, counted = 0;
  gint64 last = 0;
  gsize offset = 0;

  memset (view, 0, sizeof *view);
  view->blocks = g_array_new (FALSE, FALSE, sizeof (BlockInfo));

  if (len == 0)
    return TRUE;
  if (*p++ != FORMAT_VERSION ||
      !read_varint (&p, end, &n_blocks) ||
      !read_varint (&p, end, &n_postings) ||
      n_blocks > len)
    return corrupt (error);

  g_array_set_size (view->blocks, n_blocks);
  for (guint64 i = 0; i < n_blocks; i++)
    {
      BlockInfo *b = &g_array_index (view->blocks, BlockInfo, i);
      guint64 delta, bytes, count, max_tf, min_len;

      if (!read_varint (&p, end, &delta) || !read_varint (&p, end, &bytes) ||
          !read_varint (&p, end, &count) || !read_varint (&p, end, &max_tf) ||
          !read_varint (&p, end, &min_len) ||
          count == 0 || count > BLOCK_SIZE || delta == 0 || delta > (guint64) (G_MAXINT64 - last) ||
          bytes > len)
        return corrupt (error);
      last += delta;
      *b = (BlockInfo) { last, offset, bytes, count, MIN (max_tf, G_MAXUINT), MIN (min_len, G_MAXUINT) };
      offset += bytes;
      counted += count;
    }

  if (counted != n_postings || offset != (gsize) (end - p))
    return corrupt (error);

  view->payload = p;
  view->payload_len = offset;
  view->n_postings = n_postings;
  return TRUE;
}

static void
encode_blocks (GByteArray          *dir,
               GByteArray          *payload,
               gint64               prev_last,
               const ParleyPosting *postings,
               guint                n)
{
  for (guint start = 0; start < n; start += BLOCK_SIZE)
    {
      guint end = MIN (start + BLOCK_SIZE, n);
      guint max_tf = 0, min_len = G_MAXUINT;
      gsize before = payload->len;
      gint64 prev = prev_last;

      for (guint i = start; i < end; i++)
        {
          write_varint (payload, postings[i].id - prev);
          write_varint (payload, postings[i].tf);
          write_varint (payload, postings[i].len);
          prev = postings[i].id;
          max_tf = MAX (max_tf, postings[i].tf);
          min_len = MIN (min_len, postings[i].len);
        }

      write_varint (dir, postings[end - 1].id - prev_last);
      write_varint (dir, payload->len - before);
      write_varint (dir, end - start);
      write_varint (dir, max_tf);
      write_varint (dir, min_len);
      prev_last = postings[end - 1].id;
    }
}

/**
 * parley_postings_append:
 * @list: (nullable): an encoded list, or %NULL for a new one
 * @postings: new postings, ids increasing and above the list's last id
 *
 * Returns: (transfer full): the list with @postings appended
 */
GBytes *
parley_postings_append (GBytes               *list,
                        const ParleyPosting  *postings,
                        guint                 n,
                        GError              **error)
{
  ListView view;
  g_autoptr(GByteArray) dir = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gint64 last = 0;

  if (!list_view_init (&view, list, error))
    {
      list_view_clear (&view);
      return NULL;
    }

  if (view.blocks->len > 0)
    last = g_array_index (view.blocks, BlockInfo, view.blocks->len - 1).last_id;

  for (guint i = 0; i < n; i++)
    {
      if (postings[i].id <= (i == 0 ? last : postings[i - 1].id) || postings[i].tf == 0)
        {
          list_view_clear (&view);
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "posting ids must increase (id %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT ")",
                       postings[i].id, i == 0 ? last : postings[i - 1].id);
          return NULL;
        }
    }

  /* Re-emit the old directory, then the new blocks. */
  {
    gint64 prev = 0;

    for (guint i = 0; i < view.blocks->len; i++)
      {
        const BlockInfo *b = &g_array_index (view.blocks, BlockInfo, i);

        write_varint (dir, b->last_id - prev);
        write_varint (dir, b->bytes);
        write_varint (dir, b->count);
        write_varint (dir, b->max_tf);
        write_varint (dir, b->min_len);
        prev = b->last_id;
      }
  }
  g_byte_array_append (payload, view.payload, view.payload_len);
  encode_blocks (dir, payload, last, postings, n);

  g_byte_array_append (out, (const guint8 []) { FORMAT_VERSION }, 1);
  write_varint (out, view.blocks->len + (n + BLOCK_SIZE - 1) / BLOCK_SIZE);
  write_varint (out, view.n_postings + n);
  g_byte_array_append (out, dir->data, dir->len);
  g_byte_array_append (out, payload->data, payload->len);

  list_view_clear (&view);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

guint
parley_postings_count (GBytes *list)
{
  gsize len = 0;
  const guint8 *data = list != NULL ? g_bytes_get_data (list, &len) : NULL;
  const guint8 *p = data, *end = len > 0 ? data + len : data;   /* no arithmetic on NULL */
  guint64 n_blocks, n = 0;

  if (len == 0 || *p++ != FORMAT_VERSION)
    return 0;
  if (!read_varint (&p, end, &n_blocks) || !read_varint (&p, end, &n))
    return 0;
  return (guint) MIN (n, G_MAXUINT);
}

/* A cursor over one list: the current block is decoded on demand. */
typedef struct {
  ListView       view;
  guint          block;        /* index of the decoded block */
  guint          pos;          /* in the decoded block */
  guint          n;            /* postings in the decoded block */
  gint64         ids[BLOCK_SIZE];
  guint          tfs[BLOCK_SIZE];
  guint          lens[BLOCK_SIZE];
  gint64         id;           /* current id, ID_END when exhausted */
  float          idf_w;        /* idf × query weight */
  float          ub;           /* upper bound of its score */
  gboolean       ok;
} Cursor;

static gboolean
cursor_load_block (Cursor           *c,
                   guint             block,
                   ParleyIndexStats *stats)
{
  const BlockInfo *b;
  const guint8 *p, *end;
  gint64 prev;

  if (block >= c->view.blocks->len)
    {
      c->id = ID_END;
      return TRUE;
    }

  b = &g_array_index (c->view.blocks, BlockInfo, block);
  prev = block == 0 ? 0 : g_array_index (c->view.blocks, BlockInfo, block - 1).last_id;
  p = c->view.payload + b->offset;
  end = p + b->bytes;
  for (guint i = 0; i < b->count; i++)
    {
      guint64 delta, tf, len;

      if (!read_varint (&p, end, &delta) || !read_varint (&p, end, &tf) || !read_varint (&p, end, &len) ||
          delta == 0 || delta > (guint64) (G_MAXINT64 - prev) || tf > b->max_tf || len < b->min_len)
        goto damaged;
      prev += delta;
      c->ids[i] = prev;
      c->tfs[i] = (guint) MIN (tf, G_MAXUINT);
      c->lens[i] = (guint) MIN (len, G_MAXUINT);
    }
  /* The payload must agree with the directory: seeks and score bounds trust it. */
  if (prev != b->last_id || p != end)
    goto damaged;
  if (stats != NULL)
    stats->blocks_decoded++;
  c->block = block;
  c->n = b->count;
  c->pos = 0;
  c->id = c->ids[0];
  return TRUE;

damaged:
  c->ok = FALSE;
  c->id = ID_END;
  return FALSE;
}

static void
cursor_next (Cursor           *c,
             ParleyIndexStats *stats)
{
  if (c->id == ID_END)
    return;
  if (++c->pos < c->n)
    c->id = c->ids[c->pos];
  else
    cursor_load_block (c, c->block + 1, stats);
}

/* Moves to the first posting with id >= @target, skipping whole blocks. */
static void
cursor_seek (Cursor           *c,
             gint64            target,
             ParleyIndexStats *stats)
{
  guint block = c->block;

  if (c->id >= target)
    return;

  if (g_array_index (c->view.blocks, BlockInfo, block).last_id < target)
    {
      while (block < c->view.blocks->len &&
             g_array_index (c->view.blocks, BlockInfo, block).last_id < target)
        block++;
      if (!cursor_load_block (c, block, stats) || c->id == ID_END)
        return;
    }

  while (c->ids[c->pos] < target)
    c->pos++;
  c->id = c->ids[c->pos];
}

static inline float
bm25 (float idf_w,
      guint tf,
      guint len,
      float avgdl)
{
  float norm = PARLEY_BM25_K1 * (1.0f - PARLEY_BM25_B + PARLEY_BM25_B * (float) len / avgdl);

  return idf_w * (float) tf * (PARLEY_BM25_K1 + 1.0f) / ((float) tf + norm);
}

static inline float
cursor_score (const Cursor *c,
              float         avgdl)
{
  return bm25 (c->idf_w, c->tfs[c->pos], c->lens[c->pos], avgdl);
}

float
parley_bm25_idf (gint64 n_docs,
                 gint64 df)
{
  if (df <= 0 || n_docs <= 0)
    return 0.0f;
  df = MIN (df, n_docs);
  return logf (1.0f + ((float) (n_docs - df) + 0.5f) / ((float) df + 0.5f));
}

/* Min-heap of the best k: the root is the weakest kept hit. Ties: lower id wins. */
static inline gboolean
worse (const ParleyScoredId *a,
       const ParleyScoredId *b)
{
  return a->score < b->score || (a->score == b->score && a->id > b->id);
}

static void
heap_sift_down (ParleyScoredId *heap,
                guint           n,
                guint           i)
{
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      ParleyScoredId tmp;

      if (l < n && worse (&heap[l], &heap[m]))
        m = l;
      if (r < n && worse (&heap[r], &heap[m]))
        m = r;
      if (m == i)
        return;
      tmp = heap[i];
      heap[i] = heap[m];
      heap[m] = tmp;
      i = m;
    }
}

static void
heap_push (ParleyScoredId *heap,
           guint          *n,
           guint           k,
           gint64          id,
           float           score)
{
  ParleyScoredId item = { id, score };

  if (*n < k)
    {
      guint i = (*n)++;

      heap[i] = item;
      while (i > 0 && worse (&heap[i], &heap[(i - 1) / 2]))
        {
          ParleyScoredId tmp = heap[i];

          heap[i] = heap[(i - 1) / 2];
          heap[(i - 1) / 2] = tmp;
          i = (i - 1) / 2;
        }
    }
  else if (worse (&heap[0], &item))
    {
      heap[0] = item;
      heap_sift_down (heap, *n, 0);
    }
}

static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const ParleyScoredId *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int
compare_cursor_ub (gconstpointer a,
                   gconstpointer b)
{
  const Cursor *x = *(Cursor * const *) a, *y = *(Cursor * const *) b;

  return x->ub < y->ub ? -1 : x->ub > y->ub;
}

static guint
open_cursors (const ParleyIndexTerm *terms,
              guint                  n_terms,
              float                  avgdl,
              Cursor               **cursors,
              ParleyIndexStats      *stats)
{
  guint n = 0;

  for (guint i = 0; i < n_terms; i++)
    {
      Cursor *c;
      float ub = 0.0f;

      if (terms[i].postings == NULL || terms[i].idf <= 0.0f || terms[i].weight <= 0.0f)
        continue;

      c = g_new0 (Cursor, 1);
      c->ok = TRUE;
      if (!list_view_init (&c->view, terms[i].postings, NULL) || c->view.blocks->len == 0)
        {
          if (c->view.blocks != NULL && c->view.blocks->len > 0)
            g_warning ("skipping a damaged posting list");
          list_view_clear (&c->view);
          g_free (c);
          continue;
        }

      c->idf_w = terms[i].idf * terms[i].weight;
      for (guint b = 0; b < c->view.blocks->len; b++)
        {
          const BlockInfo *info = &g_array_index (c->view.blocks, BlockInfo, b);

          ub = MAX (ub, bm25 (c->idf_w, info->max_tf, info->min_len, avgdl));
        }
      c->ub = ub;
      if (stats != NULL)
        stats->postings_total += c->view.n_postings;
      cursor_load_block (c, 0, stats);
      cursors[n++] = c;
    }

  return n;
}

static void
close_cursors (Cursor **cursors,
               guint    n)
{
  for (guint i = 0; i < n; i++)
    {
      list_view_clear (&cursors[i]->view);
      g_free (cursors[i]);
    }
}

static guint
finish_heap (ParleyScoredId *heap,
             guint           n)
{
  qsort (heap, n, sizeof *heap, compare_hits);
  return n;
}

/**
 * parley_index_search:
 * @terms: the query's terms with their posting lists
 * @avgdl: average chunk length of the collection
 * @filter: (nullable): drops candidates (deleted chunks, other categories)
 * @hits: (out caller-allocates) (array length=k): the best hits, best first
 * @stats: (nullable): how much work the search did
 *
 * BM25 top-k by MaxScore: exactly the hits of an exhaustive evaluation,
 * without scoring most postings of frequent terms.
 *
 * Returns: the number of hits
 */
guint
parley_index_search (const ParleyIndexTerm *terms,
                     guint                  n_terms,
                     float                  avgdl,
                     guint                  k,
                     ParleyIndexFilter      filter,
                     gpointer               filter_data,
                     ParleyScoredId        *hits,
                     ParleyIndexStats      *stats)
{
  g_autofree Cursor **cursors = g_new0 (Cursor *, MAX (n_terms, 1));
  g_autofree float *prefix = g_new0 (float, MAX (n_terms, 1));
  guint n, n_hits = 0, first_essential = 0;
  float theta = 0.0f;

  if (k == 0)
    return 0;
  avgdl = avgdl > 0.0f ? avgdl : 1.0f;

  n = open_cursors (terms, n_terms, avgdl, cursors, stats);
  qsort (cursors, n, sizeof *cursors, compare_cursor_ub);
  for (guint i = 0; i < n; i++)
    prefix[i] = cursors[i]->ub + (i > 0 ? prefix[i - 1] : 0.0f);

  for (;;)
    {
      gint64 doc = ID_END;
      float score = 0.0f;

      /* Terms whose bounds together cannot beat the k-th hit only confirm. */
      if (n_hits == k)
        while (first_essential < n && prefix[first_essential] <= theta)
          first_essential++;
      if (first_essential >= n)
        break;

      for (guint i = first_essential; i < n; i++)
        doc = MIN (doc, cursors[i]->id);
      if (doc == ID_END)
        break;

      if (filter != NULL && !filter (doc, filter_data))
        {
          for (guint i = first_essential; i < n; i++)
            if (cursors[i]->id == doc)
              cursor_next (cursors[i], stats);
          continue;
        }

      for (guint i = first_essential; i < n; i++)
        if (cursors[i]->id == doc)
          {
            score += cursor_score (cursors[i], avgdl);
            if (stats != NULL)
              stats->postings_scored++;
            cursor_next (cursors[i], stats);
          }

      for (guint i = first_essential; i-- > 0;)
        {
          if (n_hits == k && score + prefix[i] <= theta)
            break;
          cursor_seek (cursors[i], doc, stats);
          if (cursors[i]->id == doc)
            {
              score += cursor_score (cursors[i], avgdl);
              if (stats != NULL)
                stats->postings_scored++;
            }
        }

      heap_push (hits, &n_hits, k, doc, score);
      if (n_hits == k)
        theta = hits[0].score;
    }

  close_cursors (cursors, n);
  return finish_heap (hits, n_hits);
}

/**
 * parley_index_search_exhaustive:
 *
 * Scores every posting (document-at-a-time). The reference that
 * parley_index_search() must agree with; also a baseline for benchmarks.
 */
guint
parley_index_search_exhaustive (const ParleyIndexTerm *terms,
                                guint                  n_terms,
                                float                  avgdl,
                                guint                  k,
                                ParleyIndexFilter      filter,
                                gpointer               filter_data,
                                ParleyScoredId        *hits)
{
  g_autofree Cursor **cursors = g_new0 (Cursor *, MAX (n_terms, 1));
  guint n, n_hits = 0;

  if (k == 0)
    return 0;
  avgdl = avgdl > 0.0f ? avgdl : 1.0f;
  n = open_cursors (terms, n_terms, avgdl, cursors, NULL);

  for (;;)
    {
      gint64 doc = ID_END;
      float score = 0.0f;

      for (guint i = 0; i < n; i++)
        doc = MIN (doc, cursors[i]->id);
      if (doc == ID_END)
        break;
      for (guint i = 0; i < n; i++)
        if (cursors[i]->id == doc)
          {
            score += cursor_score (cursors[i], avgdl);
            cursor_next (cursors[i], NULL);
          }
      if (filter == NULL || filter (doc, filter_data))
        heap_push (hits, &n_hits, k, doc, score);
    }

  close_cursors (cursors, n);
  return finish_heap (hits, n_hits);
}

/**
 * parley_postings_decode:
 * @out: a #GArray of #ParleyPosting to append to
 *
 * Returns: %FALSE with @error set if the list is damaged
 */
gboolean
parley_postings_decode (GBytes  *list,
                        GArray  *out,
                        GError **error)
{
  Cursor c = { 0 };

  c.ok = TRUE;
  if (!list_view_init (&c.view, list, error))
    {
      list_view_clear (&c.view);
      return FALSE;
    }
  if (c.view.blocks->len > 0)
    for (cursor_load_block (&c, 0, NULL); c.id != ID_END; cursor_next (&c, NULL))
      {
        ParleyPosting p = { c.id, c.tfs[c.pos], c.lens[c.pos] };

        g_array_append_val (out, p);
      }
  list_view_clear (&c.view);
  if (!c.ok)
    return corrupt (error);
  return TRUE;
}
