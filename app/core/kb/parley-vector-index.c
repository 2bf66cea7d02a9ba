/* parley-vector-index.c — in-memory cosine top-k over dense embeddings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-vector-index"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
# include <immintrin.h>
# define HAVE_X86_KERNELS 1
#else
# define HAVE_X86_KERNELS 0
#endif

#include "parley-error.h"
#include "parley-vector-index.h"

/*
 * Each vector is L2-normalised on add and kept twice (the float original is
 * not kept):
 *  - as int8 codes, the normalised vector times 127 / its largest component,
 *    with a per-vector scale of 1 / ‖codes‖: a dot product with the query
 *    gives the cosine within about 1e-3;
 *  - as 1-bit sign codes, dim / 8 bytes, for a Hamming first pass.
 *
 * search() computes the Hamming distance of every vector that passes the
 * filter into dist[] while counting a histogram of them, picks candidates
 * from the histogram without sorting, rescores the candidates with the int8
 * codes and returns the best k. It takes at least R = max (10 k, 100)
 * candidates, more when the sign codes cannot tell them apart: everything
 * within HAMMING_MARGIN standard deviations of the k-th smallest distance, up
 * to RERANK_MAX. On clustered data R alone finds only half of the true top 10
 * at 150,000 vectors (a cluster's members lie within the noise of the sign
 * codes); the margin brings recall up to that of the exhaustive int8 scan for
 * about 0.2 ms more. When few vectors pass the filter, search() scores them
 * all, as search_exhaustive() always does.
 *
 * The query is quantised to 16-bit fixed point (relative error below 1e-4 of
 * its largest component), so a score is an exact integer dot product times
 * two scales: the AVX2 and the generic kernels and every split across
 * threads give bit-identical scores, and ties are broken by id alone.
 *
 * Storage is a struct of arrays cut into chunks of CHUNK_LEN vectors that
 * never move once allocated: growing never copies codes and wastes at most
 * one chunk, where doubling one array would reach 2^18 × 1168 bytes (306 MB)
 * for 150,000 × 1024. Removal moves the last vector into the hole; an
 * id → slot GHashTable, keyed by pointers into the chunks' id arrays, finds
 * vectors.
 *
 * Large scans are split across an exclusive GThreadPool of at most
 * g_get_num_processors () - 1 workers, created once per index, while the
 * calling thread takes one share. After warm-up a search allocates nothing.
 *
 * Threading: an index is not thread-safe. One thread at a time may call any
 * function: add/remove must not run during a search, and two searches must
 * not run at the same time (they share scratch buffers).
 */

#define CHUNK_SHIFT         10
#define CHUNK_LEN           (1u << CHUNK_SHIFT)
#define CHUNK_MASK          (CHUNK_LEN - 1)
#define MAX_DIM             32768u
#define MAX_THREADS         64u
#define DEFAULT_EXHAUSTIVE  20000u
#define MIN_CANDIDATES      100u
#define CANDIDATE_FACTOR    10u
/* Below this many bytes scanned one thread is faster: waking a worker costs
 * about 50 µs (measured on 2 vCPUs, 1024 dimensions: the exhaustive scan
 * breaks even near 5k vectors, the Hamming pass near 56k). */
#define PARALLEL_MIN_BYTES  ((gsize) 8 << 20)
#define RERANK_MAX          4096u    /* candidates rescored at most, unless 10 k is more */
#define RERANK_PREFETCH     4u       /* candidates */
#define HAMMING_PREFETCH    2048     /* bytes */
#define HAMMING_MARGIN      4.0      /* in standard deviations of a distance */
#define Q16_MAX             16383    /* keeps int32 lanes safe in dot_i8_avx2 */
#define DOT_BLOCK           4096u    /* dims per int32 accumulation block */
#define DIST_EXCLUDED       G_MAXUINT16

typedef struct {
  guint64 *bits;     /* words per vector */
  gint8   *codes;    /* stride per vector */
  float   *scales;
  guint32 *tags;
  gint64  *ids;      /* also the keys of id_to_slot */
} Chunk;

typedef enum {
  JOB_HAMMING,     /* distances of the range into dist[], counts into hist */
  JOB_RERANK,      /* rescore the range's candidates into heap */
  JOB_EXHAUSTIVE,  /* rescore the whole range into heap */
} JobKind;

typedef struct {
  ParleyVectorIndex *self;
  guint              start;       /* slot range */
  guint              end;
  guint32           *hist;        /* dim + 1 counters of Hamming distances */
  guint              cand_offset; /* JOB_RERANK: where its candidates go */
  guint              tie_quota;   /* how many at the threshold distance it takes */
  ParleyVectorHit   *heap;        /* the best k of the range */
  guint              heap_len;
  guint              heap_alloc;
} Job;

typedef void    (*HammingFunc) (const guint64 *bits,
                                guint          words,
                                const guint64 *qbits,
                                const guint32 *tags,
                                guint32        mask,
                                guint32        value,
                                guint          n,
                                guint16       *dist,
                                guint32       *hist);
typedef gint64  (*DotFunc)     (const gint8   *codes,
                                const gint16  *query,
                                guint          stride);
typedef guint   (*CollectFunc) (const guint16 *dist,
                                guint          n,
                                guint          threshold,
                                guint          base,
                                guint32       *out);

struct _ParleyVectorIndex
{
  guint        dim;
  guint        stride;          /* int8 codes per vector, dim rounded up to 32 */
  guint        words;           /* 64-bit sign words per vector */
  gsize        chunk_bytes;
  guint        size;

  /* owned */
  Chunk       *chunks;
  guint        n_chunks;
  guint        chunks_alloc;
  GHashTable  *id_to_slot;      /* gint64* into a chunk → slot */

  /* tuning */
  guint        n_cpus;
  guint        max_threads;     /* 0: n_cpus */
  gsize        parallel_min;    /* bytes scanned before a search uses threads */
  guint        exhaustive_limit;

  /* search scratch, owned */
  float       *qnorm;           /* dim */
  gint16      *q16;             /* stride, 32-byte aligned */
  guint64     *qbits;           /* words */
  double       qscale;          /* q16 × qscale ≈ the normalised query */
  guint16     *dist;            /* one per slot */
  guint32     *hist;            /* dim + 1, the jobs' histograms summed */
  guint        threshold;       /* candidates have a distance below it, or equal */
  guint        dist_alloc;
  guint32     *candidates;
  guint        candidates_alloc;
  Job         *jobs;
  guint        n_jobs_alloc;
  guint32      filter_mask;
  guint32      filter_value;
  guint        k;
  JobKind      kind;

  /* worker pool, owned */
  GThreadPool *pool;
  guint        pool_threads;
  GMutex       lock;
  GCond        done;
  gint         pending;         /* jobs not done; atomic, see run_jobs() */
};

/* Kernels ----------------------------------------------------------------- */

static inline void
hamming_body (const guint64 *bits,
              guint          words,
              const guint64 *qbits,
              const guint32 *tags,
              guint32        mask,
              guint32        value,
              guint          n,
              guint16       *dist,
              guint32       *hist)
{
  for (guint i = 0; i < n; i++, bits += words)
    {
      guint d = 0;

      if ((tags[i] & mask) != value)
        {
          dist[i] = DIST_EXCLUDED;
          continue;
        }
      for (guint w = 0; w < words; w++)
        d += (guint) __builtin_popcountll (bits[w] ^ qbits[w]);
      dist[i] = (guint16) d;
      hist[d]++;
    }
}

static void
hamming_generic (const guint64 *bits,
                 guint          words,
                 const guint64 *qbits,
                 const guint32 *tags,
                 guint32        mask,
                 guint32        value,
                 guint          n,
                 guint16       *dist,
                 guint32       *hist)
{
  hamming_body (bits, words, qbits, tags, mask, value, n, dist, hist);
}

static gint64
dot_i8_generic (const gint8  *codes,
                const gint16 *query,
                guint         stride)
{
  gint64 sum = 0;

  for (guint i = 0; i < stride; i++)
    sum += (gint32) codes[i] * (gint32) query[i];

  return sum;
}

/* Appends base + i for every dist[i] <= threshold; out needs one spare entry. */
static guint
collect_generic (const guint16 *dist,
                 guint          n,
                 guint          threshold,
                 guint          base,
                 guint32       *out)
{
  guint count = 0;

  for (guint i = 0; i < n; i++)
    {
      out[count] = base + i;
      count += dist[i] <= threshold;
    }

  return count;
}

#if HAVE_X86_KERNELS
/* Byte-wise popcount of a ^ b by nibble lookup (Mula), 8 at most per byte. */
__attribute__((target ("avx2")))
static inline __m256i
popcount_xor_avx2 (__m256i a,
                   __m256i b)
{
  const __m256i lookup = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8 (0x0f);
  __m256i x = _mm256_xor_si256 (a, b);
  __m256i lo = _mm256_shuffle_epi8 (lookup, _mm256_and_si256 (x, low));
  __m256i hi = _mm256_shuffle_epi8 (lookup, _mm256_and_si256 (_mm256_srli_epi16 (x, 4), low));

  return _mm256_add_epi8 (lo, hi);
}

__attribute__((target ("avx2")))
static inline guint
hsum_bytes_avx2 (__m256i counts)
{
  __m256i s = _mm256_sad_epu8 (counts, _mm256_setzero_si256 ());
  __m128i t = _mm_add_epi64 (_mm256_castsi256_si128 (s), _mm256_extracti128_si256 (s, 1));

  return (guint) (_mm_cvtsi128_si64 (t) + _mm_extract_epi64 (t, 1));
}

__attribute__((target ("avx2,popcnt")))
static void
hamming_avx2 (const guint64 *bits,
              guint          words,
              const guint64 *qbits,
              const guint32 *tags,
              guint32        mask,
              guint32        value,
              guint          n,
              guint16       *dist,
              guint32       *hist)
{
  if (words == 16)
    {
      /* 1024 dimensions: the query stays in four registers */
      const __m256i q0 = _mm256_loadu_si256 ((const void *) (qbits + 0));
      const __m256i q1 = _mm256_loadu_si256 ((const void *) (qbits + 4));
      const __m256i q2 = _mm256_loadu_si256 ((const void *) (qbits + 8));
      const __m256i q3 = _mm256_loadu_si256 ((const void *) (qbits + 12));

      for (guint i = 0; i < n; i++, bits += 16)
        {
          __m256i c;
          guint d;

          if ((tags[i] & mask) != value)
            {
              dist[i] = DIST_EXCLUDED;
              continue;
            }
          /* the hardware prefetcher stops at page ends: stay 2 KiB ahead */
          __builtin_prefetch ((const guint8 *) bits + HAMMING_PREFETCH);
          __builtin_prefetch ((const guint8 *) bits + HAMMING_PREFETCH + 64);
          c = popcount_xor_avx2 (_mm256_loadu_si256 ((const void *) (bits + 0)), q0);
          c = _mm256_add_epi8 (c, popcount_xor_avx2 (_mm256_loadu_si256 ((const void *) (bits + 4)), q1));
          c = _mm256_add_epi8 (c, popcount_xor_avx2 (_mm256_loadu_si256 ((const void *) (bits + 8)), q2));
          c = _mm256_add_epi8 (c, popcount_xor_avx2 (_mm256_loadu_si256 ((const void *) (bits + 12)), q3));
          d = hsum_bytes_avx2 (c);
          dist[i] = (guint16) d;
          hist[d]++;
        }
      return;
    }

  if (words % 4 == 0 && words / 4 <= 31)
    {
      /* whole 256-bit blocks; a byte counts at most 8 per block */
      for (guint i = 0; i < n; i++, bits += words)
        {
          __m256i c = _mm256_setzero_si256 ();
          guint d;

          if ((tags[i] & mask) != value)
            {
              dist[i] = DIST_EXCLUDED;
              continue;
            }
          for (guint b = 0; b < words * 8; b += 64)
            __builtin_prefetch ((const guint8 *) bits + HAMMING_PREFETCH + b);
          for (guint w = 0; w < words; w += 4)
            c = _mm256_add_epi8 (c, popcount_xor_avx2 (_mm256_loadu_si256 ((const void *) (bits + w)),
                                                       _mm256_loadu_si256 ((const void *) (qbits + w))));
          d = hsum_bytes_avx2 (c);
          dist[i] = (guint16) d;
          hist[d]++;
        }
      return;
    }

  /* any other size: popcnt word by word */
  hamming_body (bits, words, qbits, tags, mask, value, n, dist, hist);
}

__attribute__((target ("avx2")))
static gint64
dot_i8_avx2 (const gint8  *codes,
             const gint16 *query,
             guint         stride)
{
  gint64 sum = 0;

  /* stride is a multiple of 32; each int32 lane takes at most
   * 4 × DOT_BLOCK / 32 products of |16383 × 127| per block: < 2^31 */
  for (guint base = 0; base < stride; base += DOT_BLOCK)
    {
      guint end = MIN (stride, base + DOT_BLOCK);
      __m256i acc0 = _mm256_setzero_si256 ();
      __m256i acc1 = _mm256_setzero_si256 ();
      __m128i lo, hi;
      __m256i s;

      for (guint i = base; i < end; i += 32)
        {
          __m256i c = _mm256_loadu_si256 ((const void *) (codes + i));
          __m256i c0 = _mm256_cvtepi8_epi16 (_mm256_castsi256_si128 (c));
          __m256i c1 = _mm256_cvtepi8_epi16 (_mm256_extracti128_si256 (c, 1));
          __m256i q0 = _mm256_loadu_si256 ((const void *) (query + i));
          __m256i q1 = _mm256_loadu_si256 ((const void *) (query + i + 16));

          acc0 = _mm256_add_epi32 (acc0, _mm256_madd_epi16 (c0, q0));
          acc1 = _mm256_add_epi32 (acc1, _mm256_madd_epi16 (c1, q1));
        }

      /* widen to 64 bits before the horizontal sum */
      s = _mm256_add_epi64 (_mm256_cvtepi32_epi64 (_mm256_castsi256_si128 (acc0)),
                            _mm256_cvtepi32_epi64 (_mm256_extracti128_si256 (acc0, 1)));
      s = _mm256_add_epi64 (s, _mm256_cvtepi32_epi64 (_mm256_castsi256_si128 (acc1)));
      s = _mm256_add_epi64 (s, _mm256_cvtepi32_epi64 (_mm256_extracti128_si256 (acc1, 1)));
      lo = _mm256_castsi256_si128 (s);
      hi = _mm256_extracti128_si256 (s, 1);
      lo = _mm_add_epi64 (lo, hi);
      sum += _mm_cvtsi128_si64 (lo) + _mm_extract_epi64 (lo, 1);
    }

  return sum;
}

__attribute__((target ("avx2")))
static guint
collect_avx2 (const guint16 *dist,
              guint          n,
              guint          threshold,
              guint          base,
              guint32       *out)
{
  const __m256i t = _mm256_set1_epi16 ((gint16) MIN (threshold, G_MAXUINT16));
  guint count = 0;
  guint i = 0;

  /* candidates are sparse: test sixteen distances at a time */
  for (; i + 16 <= n; i += 16)
    {
      __m256i d = _mm256_loadu_si256 ((const void *) (dist + i));
      guint32 m = (guint32) _mm256_movemask_epi8 (_mm256_cmpeq_epi16 (_mm256_min_epu16 (d, t), d));

      while (m != 0)
        {
          out[count++] = base + i + (guint) __builtin_ctz (m) / 2;
          m &= m - 1;
          m &= m - 1;
        }
    }

  return count + collect_generic (dist + i, n - i, threshold, base + i, out + count);
}
#endif

static HammingFunc hamming_run = hamming_generic;
static DotFunc     dot_i8 = dot_i8_generic;
static CollectFunc collect = collect_generic;

static void
init_kernels (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
#if HAVE_X86_KERNELS
      const char *force = g_getenv ("PARLEY_VECTOR_KERNEL");

      __builtin_cpu_init ();
      if (g_strcmp0 (force, "generic") != 0 &&
          __builtin_cpu_supports ("avx2") &&
          __builtin_cpu_supports ("popcnt"))
        {
          hamming_run = hamming_avx2;
          dot_i8 = dot_i8_avx2;
          collect = collect_avx2;
        }
#endif
      g_debug ("vector kernels: %s", dot_i8 == dot_i8_generic ? "generic" : "avx2");
      g_once_init_leave (&initialized, 1);
    }
}

/* Top-k heap: the root is the worst hit kept --------------------------------- */

static inline gboolean
hit_worse (const ParleyVectorHit *a,
           const ParleyVectorHit *b)
{
  return a->score < b->score || (a->score == b->score && a->id > b->id);
}

static void
heap_offer (ParleyVectorHit *heap,
            guint           *len,
            guint            k,
            gint64           id,
            float            score)
{
  ParleyVectorHit hit = { id, score };
  guint i;

  if (*len < k)
    {
      i = (*len)++;
      while (i > 0)
        {
          guint parent = (i - 1) / 2;

          if (!hit_worse (&hit, &heap[parent]))
            break;
          heap[i] = heap[parent];
          i = parent;
        }
      heap[i] = hit;
      return;
    }

  if (k == 0 || !hit_worse (&heap[0], &hit))
    return;

  i = 0;
  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= *len)
        break;
      if (child + 1 < *len && hit_worse (&heap[child + 1], &heap[child]))
        child++;
      if (!hit_worse (&heap[child], &hit))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = hit;
}

static int
hit_compare (const void *a,
             const void *b)
{
  const ParleyVectorHit *ha = a;
  const ParleyVectorHit *hb = b;

  if (hit_worse (ha, hb))
    return 1;
  if (hit_worse (hb, ha))
    return -1;
  return 0;
}

/* Storage ------------------------------------------------------------------ */

static inline Chunk *
slot_chunk (ParleyVectorIndex *self,
            guint              slot)
{
  return &self->chunks[slot >> CHUNK_SHIFT];
}

static void
chunk_append (ParleyVectorIndex *self)
{
  Chunk *chunk;
  guint8 *mem;

  if (self->n_chunks == self->chunks_alloc)
    {
      self->chunks_alloc = MAX (4, self->chunks_alloc * 2);
      self->chunks = g_renew (Chunk, self->chunks, self->chunks_alloc);
    }

  /* one block; every array's size is a multiple of 64 bytes */
  mem = g_aligned_alloc0 (1, self->chunk_bytes, 64);
  chunk = &self->chunks[self->n_chunks++];
  chunk->bits = (gpointer) mem;
  mem += (gsize) self->words * 8 * CHUNK_LEN;
  chunk->codes = (gpointer) mem;
  mem += (gsize) self->stride * CHUNK_LEN;
  chunk->scales = (gpointer) mem;
  mem += sizeof (float) * CHUNK_LEN;
  chunk->tags = (gpointer) mem;
  mem += sizeof (guint32) * CHUNK_LEN;
  chunk->ids = (gpointer) mem;
}

static gboolean
lookup_slot (ParleyVectorIndex *self,
             gint64             id,
             guint             *slot)
{
  gpointer value;

  if (!g_hash_table_lookup_extended (self->id_to_slot, &id, NULL, &value))
    return FALSE;
  *slot = GPOINTER_TO_UINT (value);
  return TRUE;
}

/* Normalises @vector into @out; FALSE when it has no direction. */
static gboolean
normalise (const float *vector,
           guint        dim,
           float       *out)
{
  double sum = 0.0;
  double inv;

  for (guint i = 0; i < dim; i++)
    sum += (double) vector[i] * (double) vector[i];
  if (!isfinite (sum) || sum <= 0.0)
    return FALSE;

  inv = 1.0 / sqrt (sum);
  for (guint i = 0; i < dim; i++)
    out[i] = (float) (vector[i] * inv);

  return TRUE;
}

static float
max_abs (const float *v,
         guint        dim)
{
  float m = 0.0f;

  for (guint i = 0; i < dim; i++)
    m = MAX (m, fabsf (v[i]));

  return m;
}

static void
encode_into (ParleyVectorIndex *self,
             guint              slot,
             const float       *unit)
{
  Chunk *chunk = slot_chunk (self, slot);
  guint off = slot & CHUNK_MASK;
  gint8 *codes = chunk->codes + (gsize) off * self->stride;
  guint64 *bits = chunk->bits + (gsize) off * self->words;
  float scale = 127.0f / max_abs (unit, self->dim);
  gint64 norm2 = 0;

  memset (codes, 0, self->stride);
  memset (bits, 0, (gsize) self->words * 8);
  for (guint i = 0; i < self->dim; i++)
    {
      gint c = (gint) lrintf (unit[i] * scale);

      c = CLAMP (c, -127, 127);
      codes[i] = (gint8) c;
      norm2 += c * c;
      if (unit[i] > 0.0f)
        bits[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
    }

  /* norm2 > 0: the largest component codes to ±127 */
  chunk->scales[off] = (float) (1.0 / sqrt ((double) norm2));
}

/* Public API ----------------------------------------------------------------- */

/**
 * parley_vector_index_new:
 * @dim: the number of dimensions, 1 to 32768
 *
 * Returns: (transfer full) (nullable): an empty index, or %NULL if @dim is
 *   out of range
 */
ParleyVectorIndex *
parley_vector_index_new (guint dim)
{
  ParleyVectorIndex *self;
  const char *env;

  g_return_val_if_fail (dim > 0 && dim <= MAX_DIM, NULL);

  init_kernels ();

  self = g_new0 (ParleyVectorIndex, 1);
  self->dim = dim;
  self->stride = (dim + 31) & ~31u;
  self->words = (dim + 63) / 64;
  self->chunk_bytes = ((gsize) self->words * 8 + self->stride + sizeof (float) +
                       sizeof (guint32) + sizeof (gint64)) * CHUNK_LEN;
  self->id_to_slot = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->exhaustive_limit = DEFAULT_EXHAUSTIVE;
  self->n_cpus = MAX (1, g_get_num_processors ());
  self->parallel_min = PARALLEL_MIN_BYTES;
  /* for tests and measurements, like PARLEY_VECTOR_KERNEL=generic */
  env = g_getenv ("PARLEY_VECTOR_PARALLEL_MIN_BYTES");
  if (env != NULL)
    self->parallel_min = g_ascii_strtoull (env, NULL, 10);
  self->qnorm = g_new (float, dim);
  self->q16 = g_aligned_alloc0 (self->stride, sizeof (gint16), 32);
  self->qbits = g_new0 (guint64, self->words);
  g_mutex_init (&self->lock);
  g_cond_init (&self->done);

  return self;
}

void
parley_vector_index_free (ParleyVectorIndex *self)
{
  if (self == NULL)
    return;

  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  for (guint i = 0; i < self->n_jobs_alloc; i++)
    {
      g_free (self->jobs[i].hist);
      g_free (self->jobs[i].heap);
    }
  g_free (self->jobs);
  g_hash_table_unref (self->id_to_slot);
  for (guint i = 0; i < self->n_chunks; i++)
    g_aligned_free (self->chunks[i].bits);
  g_free (self->chunks);
  g_free (self->qnorm);
  g_aligned_free (self->q16);
  g_free (self->qbits);
  g_free (self->dist);
  g_free (self->hist);
  g_free (self->candidates);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done);
  g_free (self);
}

guint
parley_vector_index_get_dim (ParleyVectorIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->dim;
}

guint
parley_vector_index_get_size (ParleyVectorIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/**
 * parley_vector_index_get_memory:
 *
 * Returns: the bytes the index holds: vector storage (whole chunks), the
 *   id table (estimated from its size) and the search scratch buffers
 */
gsize
parley_vector_index_get_memory (ParleyVectorIndex *self)
{
  gsize bytes;
  gsize buckets = 8;

  g_return_val_if_fail (self != NULL, 0);

  /* GHashTable keeps between 1/4 and 15/16 of its buckets busy and grows to
   * about 4/3 of its size; a bucket holds a key, a value and a hash. */
  while (buckets < (gsize) self->size * 4 / 3)
    buckets *= 2;

  bytes = sizeof *self;
  bytes += (gsize) self->n_chunks * self->chunk_bytes + self->chunks_alloc * sizeof (Chunk);
  bytes += buckets * (sizeof (gpointer) + sizeof (gpointer) + sizeof (guint));
  bytes += (gsize) self->dim * sizeof (float) + self->stride * sizeof (gint16) +
           self->words * sizeof (guint64);
  bytes += (gsize) self->dist_alloc * sizeof (guint16);
  bytes += self->hist != NULL ? (self->dim + 1) * sizeof (guint32) : 0;
  bytes += (gsize) self->candidates_alloc * sizeof (guint32);
  for (guint i = 0; i < self->n_jobs_alloc; i++)
    bytes += sizeof (Job) + (self->jobs[i].hist != NULL ? (self->dim + 1) * sizeof (guint32) : 0) +
             self->jobs[i].heap_alloc * sizeof (ParleyVectorHit);

  return bytes;
}

/**
 * parley_vector_index_add:
 * @id: the caller's id; adding an id already present replaces its vector
 * @tag: bits matched by #ParleyVectorFilter
 * @vector: (array): exactly get_dim() floats
 *
 * Fails with %PARLEY_ERROR_INVALID_INPUT when @vector is zero or has a
 * component that is not finite; the index is then unchanged.
 */
gboolean
parley_vector_index_add (ParleyVectorIndex  *self,
                         gint64              id,
                         guint32             tag,
                         const float        *vector,
                         GError            **error)
{
  guint slot;
  Chunk *chunk;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (vector != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* qnorm is free outside search() */
  if (!normalise (vector, self->dim, self->qnorm))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "Vector %" G_GINT64_FORMAT " is zero or not finite", id);
      return FALSE;
    }

  if (lookup_slot (self, id, &slot))
    {
      encode_into (self, slot, self->qnorm);
      slot_chunk (self, slot)->tags[slot & CHUNK_MASK] = tag;
      return TRUE;
    }

  if (self->size == G_MAXUINT - CHUNK_LEN)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                   "The vector index is full");
      return FALSE;
    }

  slot = self->size;
  if ((slot >> CHUNK_SHIFT) >= self->n_chunks)
    chunk_append (self);

  chunk = slot_chunk (self, slot);
  chunk->ids[slot & CHUNK_MASK] = id;
  chunk->tags[slot & CHUNK_MASK] = tag;
  encode_into (self, slot, self->qnorm);
  g_hash_table_insert (self->id_to_slot, &chunk->ids[slot & CHUNK_MASK], GUINT_TO_POINTER (slot));
  self->size++;

  return TRUE;
}

/**
 * parley_vector_index_remove:
 *
 * Returns: %TRUE if @id was in the index
 */
gboolean
parley_vector_index_remove (ParleyVectorIndex *self,
                            gint64             id)
{
  guint slot, last;
  Chunk *dst, *src;
  guint doff, soff;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!lookup_slot (self, id, &slot))
    return FALSE;

  g_hash_table_remove (self->id_to_slot, &id);
  last = --self->size;

  if (slot != last)
    {
      dst = slot_chunk (self, slot);
      src = slot_chunk (self, last);
      doff = slot & CHUNK_MASK;
      soff = last & CHUNK_MASK;
      memcpy (dst->bits + (gsize) doff * self->words,
              src->bits + (gsize) soff * self->words, (gsize) self->words * 8);
      memcpy (dst->codes + (gsize) doff * self->stride,
              src->codes + (gsize) soff * self->stride, self->stride);
      dst->scales[doff] = src->scales[soff];
      dst->tags[doff] = src->tags[soff];
      dst->ids[doff] = src->ids[soff];
      /* same id, so replace() re-points the key at its new home */
      g_hash_table_replace (self->id_to_slot, &dst->ids[doff], GUINT_TO_POINTER (slot));
    }

  /* keep one spare chunk at most so that add/remove at a boundary is cheap */
  while (self->n_chunks > 0 &&
         (gsize) (self->n_chunks - 1) * CHUNK_LEN >= (gsize) self->size + CHUNK_LEN)
    g_aligned_free (self->chunks[--self->n_chunks].bits);

  return TRUE;
}

/**
 * parley_vector_index_reserve:
 * @n_vectors: the size the index is expected to reach
 *
 * Allocates storage up front, e.g. before loading vectors from the store.
 */
void
parley_vector_index_reserve (ParleyVectorIndex *self,
                             guint              n_vectors)
{
  g_return_if_fail (self != NULL);

  n_vectors = MIN (n_vectors, G_MAXUINT - CHUNK_LEN);
  while ((gsize) self->n_chunks * CHUNK_LEN < n_vectors)
    chunk_append (self);
}

/**
 * parley_vector_index_set_max_threads:
 * @n_threads: threads a search may use, the caller's included; 0 (the
 *   default) means g_get_num_processors (); never more than that
 */
void
parley_vector_index_set_max_threads (ParleyVectorIndex *self,
                                     guint              n_threads)
{
  g_return_if_fail (self != NULL);

  self->max_threads = n_threads;
}

/**
 * parley_vector_index_set_exhaustive_limit:
 * @limit: search() scores every candidate exactly when at most @limit
 *   vectors pass the filter (default 20000; 0 always uses the Hamming pass)
 */
void
parley_vector_index_set_exhaustive_limit (ParleyVectorIndex *self,
                                          guint              limit)
{
  g_return_if_fail (self != NULL);

  self->exhaustive_limit = limit;
}

/* Search ---------------------------------------------------------------------- */

static gboolean
prepare_query (ParleyVectorIndex *self,
               const float       *query)
{
  float m;

  if (!normalise (query, self->dim, self->qnorm))
    return FALSE;

  m = max_abs (self->qnorm, self->dim);
  self->qscale = (double) m / Q16_MAX;
  memset (self->qbits, 0, (gsize) self->words * 8);
  for (guint i = 0; i < self->dim; i++)
    {
      gint q = (gint) lrintf (self->qnorm[i] / m * Q16_MAX);

      self->q16[i] = (gint16) CLAMP (q, -Q16_MAX, Q16_MAX);
      if (self->qnorm[i] > 0.0f)
        self->qbits[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
    }

  return TRUE;
}

static inline float
slot_score (ParleyVectorIndex *self,
            const Chunk       *chunk,
            guint              off)
{
  gint64 dot = dot_i8 (chunk->codes + (gsize) off * self->stride, self->q16, self->stride);
  double score = (double) dot * self->qscale * chunk->scales[off];

  return (float) CLAMP (score, -1.0, 1.0);
}

static void
rerank_candidates (ParleyVectorIndex *self,
                   Job               *job)
{
  guint32 *cand = self->candidates + job->cand_offset;
  guint threshold = self->threshold;
  guint quota = job->tie_quota;
  guint found, n = 0;

  /* all at the threshold or closer, then only the first tie_quota at it */
  found = collect (self->dist + job->start, job->end - job->start, threshold, job->start, cand);
  for (guint i = 0; i < found; i++)
    {
      guint d = self->dist[cand[i]];

      if (d < threshold || (d == threshold && quota > 0))
        {
          quota -= d == threshold;
          cand[n++] = cand[i];
        }
    }

  for (guint i = 0; i < n; i++)
    {
      Chunk *chunk;
      guint off;

      /* the codes are 1 KiB apart at random: fetch a few candidates ahead */
      if (i + RERANK_PREFETCH < n)
        {
          guint ahead = cand[i + RERANK_PREFETCH];
          const gint8 *p = slot_chunk (self, ahead)->codes + (gsize) (ahead & CHUNK_MASK) * self->stride;

          for (guint b = 0; b < self->stride; b += 64)
            __builtin_prefetch (p + b);
        }

      chunk = slot_chunk (self, cand[i]);
      off = cand[i] & CHUNK_MASK;
      heap_offer (job->heap, &job->heap_len, self->k, chunk->ids[off], slot_score (self, chunk, off));
    }
}

static void
run_job (Job *job)
{
  ParleyVectorIndex *self = job->self;
  guint32 mask = self->filter_mask;
  guint32 value = self->filter_value;
  guint slot = job->start;

  if (self->kind == JOB_RERANK)
    {
      rerank_candidates (self, job);
      return;
    }

  while (slot < job->end)
    {
      Chunk *chunk = slot_chunk (self, slot);
      guint off = slot & CHUNK_MASK;
      guint n = MIN (job->end - slot, CHUNK_LEN - off);

      if (self->kind == JOB_HAMMING)
        {
          hamming_run (chunk->bits + (gsize) off * self->words, self->words, self->qbits,
                       chunk->tags + off, mask, value, n, self->dist + slot, job->hist);
        }
      else
        {
          for (guint i = off; i < off + n; i++)
            if ((chunk->tags[i] & mask) == value)
              heap_offer (job->heap, &job->heap_len, self->k, chunk->ids[i],
                          slot_score (self, chunk, i));
        }

      slot += n;
    }
}

static void
pool_func (gpointer data,
           gpointer user_data)
{
  ParleyVectorIndex *self = user_data;

  /* acquire: pairs with the store in run_jobs() that published the job */
  (void) g_atomic_int_get (&self->pending);

  run_job (data);

  g_mutex_lock (&self->lock);
  if (g_atomic_int_dec_and_test (&self->pending))
    g_cond_signal (&self->done);
  g_mutex_unlock (&self->lock);
}

static guint
thread_budget (ParleyVectorIndex *self)
{
  guint n = self->max_threads == 0 ? self->n_cpus : MIN (self->max_threads, self->n_cpus);

  return CLAMP (n, 1, MAX_THREADS);
}

/* Splits the slots into jobs with their scratch ready; returns how many. */
static guint
plan_jobs (ParleyVectorIndex *self,
           gboolean           hamming,
           guint              k)
{
  gsize scanned = (gsize) self->size * (hamming ? self->words * 8 : self->stride);
  guint n_jobs = scanned >= self->parallel_min ? thread_budget (self) : 1;

  self->k = k;

  if (n_jobs > 1 && (self->pool == NULL || self->pool_threads != n_jobs - 1))
    {
      g_autoptr(GError) error = NULL;

      if (self->pool != NULL)
        g_thread_pool_free (self->pool, FALSE, TRUE);
      /* exclusive: the threads start now and stay for the index's life */
      self->pool = g_thread_pool_new (pool_func, self, (gint) (n_jobs - 1), TRUE, &error);
      self->pool_threads = n_jobs - 1;
      if (self->pool == NULL)
        g_warning ("Cannot start search threads: %s", error->message);
    }
  if (self->pool == NULL)
    n_jobs = 1;

  if (n_jobs > self->n_jobs_alloc)
    {
      self->jobs = g_renew (Job, self->jobs, n_jobs);
      memset (self->jobs + self->n_jobs_alloc, 0, (n_jobs - self->n_jobs_alloc) * sizeof (Job));
      self->n_jobs_alloc = n_jobs;
    }

  for (guint i = 0; i < n_jobs; i++)
    {
      Job *job = &self->jobs[i];

      job->self = self;
      job->start = (guint) ((guint64) self->size * i / n_jobs);
      job->end = (guint) ((guint64) self->size * (i + 1) / n_jobs);
      job->heap_len = 0;
      if (hamming)
        {
          if (job->hist == NULL)
            job->hist = g_new (guint32, self->dim + 1);
          memset (job->hist, 0, (self->dim + 1) * sizeof (guint32));
        }
      if (job->heap_alloc < k)
        {
          g_free (job->heap);
          job->heap = g_new (ParleyVectorHit, k);
          job->heap_alloc = k;
        }
    }

  return n_jobs;
}

static void
run_jobs (ParleyVectorIndex *self,
          guint              n_jobs)
{
  if (n_jobs == 1)
    {
      run_job (&self->jobs[0]);
      return;
    }

  /* The atomics order the jobs' data between threads by themselves (the
   * pool's queue and the mutex do too, but ThreadSanitizer cannot see inside
   * an uninstrumented GLib). */
  g_atomic_int_set (&self->pending, (gint) n_jobs - 1);
  for (guint i = 1; i < n_jobs; i++)
    g_thread_pool_push (self->pool, &self->jobs[i], NULL);

  run_job (&self->jobs[0]);

  g_mutex_lock (&self->lock);
  while (g_atomic_int_get (&self->pending) > 0)
    g_cond_wait (&self->done, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* Value bits outside the mask are ignored, so mask 0 matches every vector. */
static void
set_filter (ParleyVectorIndex        *self,
            const ParleyVectorFilter *filter)
{
  self->filter_mask = filter != NULL ? filter->mask : 0;
  self->filter_value = filter != NULL ? filter->value & filter->mask : 0;
}

static guint
count_matches (ParleyVectorIndex *self)
{
  guint32 mask = self->filter_mask;
  guint32 value = self->filter_value;
  guint n = 0;

  if (mask == 0)
    return self->size;

  for (guint slot = 0; slot < self->size; slot += CHUNK_LEN)
    {
      const guint32 *tags = slot_chunk (self, slot)->tags;
      guint len = MIN (CHUNK_LEN, self->size - slot);

      for (guint i = 0; i < len; i++)
        n += (tags[i] & mask) == value;
    }

  return n;
}

static guint
merge_heaps (ParleyVectorIndex *self,
             guint              n_jobs,
             ParleyVectorHit   *hits)
{
  guint len = 0;

  for (guint j = 0; j < n_jobs; j++)
    for (guint i = 0; i < self->jobs[j].heap_len; i++)
      heap_offer (hits, &len, self->k, self->jobs[j].heap[i].id, self->jobs[j].heap[i].score);

  qsort (hits, len, sizeof *hits, hit_compare);

  return len;
}

static guint
search_all (ParleyVectorIndex *self,
            guint              k,
            ParleyVectorHit   *hits)
{
  guint n_jobs = plan_jobs (self, FALSE, k);

  self->kind = JOB_EXHAUSTIVE;
  run_jobs (self, n_jobs);

  return merge_heaps (self, n_jobs, hits);
}

/* How many Hamming candidates to rescore: those within the noise of the
 * sign codes of the k-th closest, and at least R = max (10 k, 100). */
static guint
count_candidates (ParleyVectorIndex *self,
                  guint              k)
{
  const guint32 *hist = self->hist;
  guint r_min = k > G_MAXUINT / CANDIDATE_FACTOR ? G_MAXUINT : k * CANDIDATE_FACTOR;
  guint r_max, d_k = 0, cut, n = 0;
  double p, margin;

  r_min = MAX (r_min, MIN_CANDIDATES);
  r_max = MAX (r_min, RERANK_MAX);

  for (d_k = 0; d_k <= self->dim; d_k++)
    {
      n += hist[d_k];
      if (n >= k)
        break;
    }

  /* a Hamming distance over D bits is roughly binomial around D θ / π */
  d_k = MIN (d_k, self->dim);
  p = (double) d_k / self->dim;
  margin = ceil (HAMMING_MARGIN * sqrt (self->dim * p * (1.0 - p)));
  cut = MIN (self->dim, d_k + (guint) margin);
  for (guint d = d_k + 1; d <= cut && n < r_max; d++)
    n += hist[d];

  return CLAMP (n, r_min, r_max);
}

static guint
search_hamming (ParleyVectorIndex *self,
                guint              k,
                guint              n_match,
                ParleyVectorHit   *hits)
{
  guint n_jobs, n_candidates, below = 0, ties, offset = 0;

  if (self->dist_alloc < self->size)
    {
      g_free (self->dist);
      self->dist_alloc = MAX (self->size, self->dist_alloc + self->dist_alloc / 2);
      self->dist = g_new (guint16, self->dist_alloc);
    }
  if (self->hist == NULL)
    self->hist = g_new (guint32, self->dim + 1);

  n_jobs = plan_jobs (self, TRUE, k);
  self->kind = JOB_HAMMING;
  run_jobs (self, n_jobs);

  memcpy (self->hist, self->jobs[0].hist, (self->dim + 1) * sizeof (guint32));
  for (guint j = 1; j < n_jobs; j++)
    for (guint d = 0; d <= self->dim; d++)
      self->hist[d] += self->jobs[j].hist[d];

  n_candidates = MIN (count_candidates (self, k), n_match);

  /* the threshold distance the last candidate lies at */
  for (self->threshold = 0; self->threshold < self->dim; self->threshold++)
    {
      if (below + self->hist[self->threshold] >= n_candidates)
        break;
      below += self->hist[self->threshold];
    }
  ties = n_candidates - below;

  /* the candidates at the threshold are taken in slot order, so the result
   * does not depend on the number of jobs */
  for (guint j = 0; j < n_jobs; j++)
    {
      Job *job = &self->jobs[j];
      guint closer = 0;

      for (guint d = 0; d < self->threshold; d++)
        closer += job->hist[d];
      job->tie_quota = MIN (ties, job->hist[self->threshold]);
      ties -= job->tie_quota;
      job->cand_offset = offset;
      /* collect() first writes every tie, and one spare entry */
      offset += closer + job->hist[self->threshold] + 1;
    }
  if (self->candidates_alloc < offset)
    {
      g_free (self->candidates);
      self->candidates_alloc = MAX (offset, 2 * RERANK_MAX);
      self->candidates = g_new (guint32, self->candidates_alloc);
    }

  self->kind = JOB_RERANK;
  run_jobs (self, n_jobs);

  return merge_heaps (self, n_jobs, hits);
}

/**
 * parley_vector_index_search:
 * @query: (array): get_dim() floats, need not be normalised
 * @k: the number of hits wanted
 * @filter: (nullable): which tags to consider; %NULL for all
 * @hits: (out caller-allocates) (array length=k): room for @k hits
 *
 * Approximate top-k by cosine: a Hamming pass over sign codes picks at
 * least max (10 k, 100) candidates that are rescored with the int8 codes.
 * When at most the exhaustive limit (default 20000) of vectors pass the
 * filter they are all scored, as by search_exhaustive().
 *
 * Returns: the number of hits written, best first (ties by id ascending);
 *   0 when the query is zero or not finite
 */
guint
parley_vector_index_search (ParleyVectorIndex        *self,
                            const float              *query,
                            guint                     k,
                            const ParleyVectorFilter *filter,
                            ParleyVectorHit          *hits)
{
  guint n_match;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (query != NULL, 0);
  g_return_val_if_fail (hits != NULL || k == 0, 0);

  if (k == 0 || self->size == 0)
    return 0;

  set_filter (self, filter);
  n_match = count_matches (self);
  if (n_match == 0 || !prepare_query (self, query))
    return 0;

  k = MIN (k, n_match);
  if (n_match <= self->exhaustive_limit ||
      k >= n_match / CANDIDATE_FACTOR ||
      MIN_CANDIDATES >= n_match)
    return search_all (self, k, hits);

  return search_hamming (self, k, n_match, hits);
}

/**
 * parley_vector_index_search_exhaustive:
 *
 * Like parley_vector_index_search() but scores every vector that passes the
 * filter with its int8 codes: scores are within about 1e-3 of the exact
 * cosine.
 */
guint
parley_vector_index_search_exhaustive (ParleyVectorIndex        *self,
                                       const float              *query,
                                       guint                     k,
                                       const ParleyVectorFilter *filter,
                                       ParleyVectorHit          *hits)
{
  guint n_match;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (query != NULL, 0);
  g_return_val_if_fail (hits != NULL || k == 0, 0);

  if (k == 0 || self->size == 0)
    return 0;

  set_filter (self, filter);
  n_match = count_matches (self);
  if (n_match == 0 || !prepare_query (self, query))
    return 0;

  return search_all (self, MIN (k, n_match), hits);
}
