/* test-index.c — posting list encoding, damage detection and BM25 top-k with MaxScore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "parley-error.h"
#include "parley-index.h"
#include "test-utils.h"

/* Searching over a damaged list may warn; only tests that feed damaged
 * lists set this, any other warning stays fatal. */
static gboolean allow_damaged_warning;

static GLogWriterOutput
log_writer_cb (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  if (allow_damaged_warning && (level & G_LOG_LEVEL_WARNING) != 0)
    for (gsize i = 0; i < n_fields; i++)
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
          strstr (fields[i].value, "damaged posting list") != NULL)
        return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static GArray *
random_postings (GRand  *rand,
                 guint   n,
                 gint64  first_id)
{
  GArray *postings = g_array_sized_new (FALSE, FALSE, sizeof (ParleyPosting), n);
  gint64 id = first_id;

  for (guint i = 0; i < n; i++)
    {
      ParleyPosting p;

      /* Mostly small gaps, now and then a huge one (multi-byte varints). */
      if (i > 0)
        id += g_rand_int_range (rand, 0, 20) == 0 ? g_rand_int_range (rand, 1, G_MAXINT32) * (gint64) 1000
                                                   : g_rand_int_range (rand, 1, 300);
      p.id = id;
      p.tf = g_rand_int_range (rand, 0, 10) == 0 ? (guint) g_rand_int_range (rand, 1, 100000) : 1 + i % 5;
      p.len = (guint) g_rand_int_range (rand, 1, 5000);
      g_array_append_val (postings, p);
    }
  return postings;
}

static GBytes *
encode_all (const GArray *postings)
{
  g_autoptr(GError) error = NULL;
  GBytes *list = parley_postings_append (NULL, &g_array_index (postings, ParleyPosting, 0), postings->len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static void
assert_postings_equal (const GArray *a,
                       const GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const ParleyPosting *x = &g_array_index (a, ParleyPosting, i);
      const ParleyPosting *y = &g_array_index (b, ParleyPosting, i);

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpuint (x->tf, ==, y->tf);
      g_assert_cmpuint (x->len, ==, y->len);
    }
}

static void
test_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GArray) postings = random_postings (rand, 1000, 7);
  g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GArray) decoded_once = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GBytes) list = NULL;
  g_autoptr(GBytes) once = NULL;
  g_autoptr(GError) error = NULL;
  /* Batch sizes that are not multiples of the block size. */
  const guint batches[] = { 300, 450, 250 };
  guint done = 0;

  for (guint b = 0; b < G_N_ELEMENTS (batches); b++)
    {
      GBytes *next = parley_postings_append (list, &g_array_index (postings, ParleyPosting, done),
                                             batches[b], &error);

      g_assert_no_error (error);
      g_assert_nonnull (next);
      g_clear_pointer (&list, g_bytes_unref);
      list = next;
      done += batches[b];
      g_assert_cmpuint (parley_postings_count (list), ==, done);

      g_array_set_size (decoded, 0);
      g_assert_true (parley_postings_decode (list, decoded, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (decoded->len, ==, done);
    }
  g_assert_cmpuint (done, ==, 1000);
  assert_postings_equal (decoded, postings);

  /* One batch gives the same postings (in other blocks). */
  once = encode_all (postings);
  g_assert_cmpuint (parley_postings_count (once), ==, 1000);
  g_assert_true (parley_postings_decode (once, decoded_once, &error));
  g_assert_no_error (error);
  assert_postings_equal (decoded_once, postings);

  /* decode appends to what the array already holds. */
  g_assert_true (parley_postings_decode (once, decoded_once, &error));
  g_assert_cmpuint (decoded_once->len, ==, 2000);
  g_assert_cmpint (g_array_index (decoded_once, ParleyPosting, 1000).id, ==,
                   g_array_index (postings, ParleyPosting, 0).id);
}

static void
test_empty (void)
{
  g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) none = NULL;
  g_autoptr(GBytes) one = NULL;
  g_autoptr(GError) error = NULL;
  ParleyPosting p = { 5, 2, 10 };

  g_assert_cmpuint (parley_postings_count (NULL), ==, 0);
  g_assert_cmpuint (parley_postings_count (empty), ==, 0);
  g_assert_true (parley_postings_decode (NULL, decoded, &error));
  g_assert_true (parley_postings_decode (empty, decoded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->len, ==, 0);

  /* Appending nothing gives a valid list with nothing in it. */
  none = parley_postings_append (NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_cmpuint (parley_postings_count (none), ==, 0);
  g_assert_true (parley_postings_decode (none, decoded, &error));
  g_assert_cmpuint (decoded->len, ==, 0);

  one = parley_postings_append (none, &p, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parley_postings_count (one), ==, 1);
  g_assert_true (parley_postings_decode (one, decoded, &error));
  g_assert_cmpuint (decoded->len, ==, 1);
  g_assert_cmpint (g_array_index (decoded, ParleyPosting, 0).id, ==, 5);
  g_assert_cmpuint (g_array_index (decoded, ParleyPosting, 0).tf, ==, 2);
  g_assert_cmpuint (g_array_index (decoded, ParleyPosting, 0).len, ==, 10);
}

static void
assert_append_fails (GBytes              *list,
                     const ParleyPosting *postings,
                     guint                n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = parley_postings_append (list, postings, n, &error);

  g_assert_null (out);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
}

static void
test_non_increasing (void)
{
  const ParleyPosting base[] = { { 10, 1, 5 }, { 100, 2, 5 } };
  const ParleyPosting dup[] = { { 5, 1, 5 }, { 5, 1, 5 } };
  const ParleyPosting down[] = { { 9, 1, 5 }, { 7, 1, 5 } };
  const ParleyPosting below_last[] = { { 50, 1, 5 } };
  const ParleyPosting equal_last[] = { { 100, 1, 5 } };
  const ParleyPosting zero_id[] = { { 0, 1, 5 } };
  const ParleyPosting negative_id[] = { { -3, 1, 5 } };
  const ParleyPosting zero_tf[] = { { 200, 0, 5 } };
  const ParleyPosting ok[] = { { 101, 1, 5 } };
  g_autoptr(GBytes) list = NULL;
  g_autoptr(GBytes) longer = NULL;
  g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GError) error = NULL;

  list = parley_postings_append (NULL, base, G_N_ELEMENTS (base), &error);
  g_assert_no_error (error);

  assert_append_fails (NULL, dup, G_N_ELEMENTS (dup));
  assert_append_fails (NULL, down, G_N_ELEMENTS (down));
  assert_append_fails (NULL, zero_id, 1);
  assert_append_fails (NULL, negative_id, 1);
  assert_append_fails (list, below_last, 1);
  assert_append_fails (list, equal_last, 1);
  assert_append_fails (list, zero_tf, 1);

  /* The list is still usable afterwards. */
  g_assert_cmpuint (parley_postings_count (list), ==, 2);
  longer = parley_postings_append (list, ok, 1, &error);
  g_assert_no_error (error);
  g_assert_true (parley_postings_decode (longer, decoded, &error));
  g_assert_cmpuint (decoded->len, ==, 3);
  g_assert_cmpint (g_array_index (decoded, ParleyPosting, 2).id, ==, 101);
}

/* Feeds a damaged list to both searches, next to a sound one: they must
 * not crash, and the hits they return must be well formed. */
static void
search_with_damaged (GBytes *damaged,
                     GBytes *sound)
{
  ParleyIndexTerm terms[] = {
    { sound, 2.0f, 1.0f },
    { damaged, 0.1f, 1.0f },
  };
  ParleyScoredId hits[5], ref[5];
  ParleyIndexStats stats = { 0 };
  guint n, m;

  allow_damaged_warning = TRUE;
  n = parley_index_search (terms, G_N_ELEMENTS (terms), 20.0f, G_N_ELEMENTS (hits), NULL, NULL, hits, &stats);
  m = parley_index_search_exhaustive (terms, G_N_ELEMENTS (terms), 20.0f, G_N_ELEMENTS (ref), NULL, NULL, ref);
  terms[0] = (ParleyIndexTerm) { damaged, 3.0f, 1.0f };
  parley_index_search (terms, 1, 20.0f, G_N_ELEMENTS (hits), NULL, NULL, hits, NULL);
  parley_index_search_exhaustive (terms, 1, 20.0f, G_N_ELEMENTS (ref), NULL, NULL, ref);
  allow_damaged_warning = FALSE;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (hits));
  g_assert_cmpuint (m, <=, G_N_ELEMENTS (ref));
  g_assert_cmpuint (stats.postings_scored, <=, stats.postings_total);
}

static void
assert_corrupt (GBytes     *list,
                const char *what)
{
  g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GError) error = NULL;

  if (parley_postings_decode (list, decoded, &error))
    g_error ("%s: a damaged list (%zu bytes) decoded as %u postings",
             what, g_bytes_get_size (list), decoded->len);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
}

static void
test_damaged (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GArray) postings = random_postings (rand, 1000, 1);
  g_autoptr(GBytes) list = encode_all (postings);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (list, &len);

  /* Every truncation. */
  for (gsize cut = 1; cut < len; cut++)
    {
      g_autoptr(GBytes) truncated = g_bytes_new (data, cut);

      assert_corrupt (truncated, "truncated");
      if (cut % 97 == 1)
        search_with_damaged (truncated, list);
    }

  /* A wrong format version. */
  for (guint v = 0; v < 256; v++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) bad = NULL;

      if (v == 1)
        continue;
      copy[0] = (guint8) v;
      bad = g_bytes_new (copy, len);
      assert_corrupt (bad, "wrong version");
      g_assert_cmpuint (parley_postings_count (bad), ==, 0);
      if (v % 50 == 0)
        search_with_damaged (bad, list);
    }

  /* Random bytes, with and without a plausible format byte. */
  for (guint i = 0; i < 500; i++)
    {
      gsize n = (gsize) g_rand_int_range (rand, 1, 400);
      g_autofree guint8 *junk = g_malloc (n);
      g_autoptr(GBytes) bad = NULL;

      for (gsize j = 0; j < n; j++)
        junk[j] = (guint8) g_rand_int_range (rand, 0, 256);
      if (i % 2 == 0)
        junk[0] = 1;
      bad = g_bytes_new (junk, n);
      assert_corrupt (bad, "random bytes");
      search_with_damaged (bad, list);
    }

  /* Single flipped bytes in the header and directory. */
  for (gsize at = 1; at < MIN (len, 64); at++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(GArray) decoded = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
      g_autoptr(GError) error = NULL;

      copy[at] ^= 0x5a;
      bad = g_bytes_new (copy, len);
      /* Some flips (a max_tf, a min_len) cannot be told; none may crash. */
      if (!parley_postings_decode (bad, decoded, &error))
        g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_CORRUPT);
      g_clear_error (&error);
      search_with_damaged (bad, list);
    }
}

/* Lists whose directory lies about their payload. */
static void
test_damaged_crafted (void)
{
  /* Directory: one block ending at id 1000; payload: ids 100, 101, 102. */
  const guint8 lying_last_id[] = {
    1, 1, 3,
    0xe8, 0x07, 9, 3, 1, 1,
    100, 1, 1,  1, 1, 1,  1, 1, 1,
  };
  /* Two blocks whose payload sizes wrap around to the payload's length:
   * 2^64 - 1 and 10. */
  const guint8 wrapping_sizes[] = {
    1, 2, 2,
    1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 1, 1,
    1, 10, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1,
  };
  /* A payload posting with a tf above its block's max_tf. */
  const guint8 lying_max_tf[] = {
    1, 1, 1,
    5, 3, 1, 1, 1,
    5, 90, 1,
  };
  g_autoptr(GBytes) lying = g_bytes_new_static (lying_last_id, sizeof lying_last_id);
  g_autoptr(GBytes) wrapping = g_bytes_new_static (wrapping_sizes, sizeof wrapping_sizes);
  g_autoptr(GBytes) tf = g_bytes_new_static (lying_max_tf, sizeof lying_max_tf);
  g_autoptr(GArray) sound_postings = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GBytes) sound = NULL;

  assert_corrupt (lying, "last id of the directory differs from the payload's");
  assert_corrupt (wrapping, "payload sizes that wrap around");
  assert_corrupt (tf, "tf above the block's max_tf");

  /* A sound list whose hits get better with the id, so that the damaged
   * term (low bound, thus non-essential) is probed by skipping. */
  for (guint i = 1; i <= 300; i++)
    {
      ParleyPosting p = { i, i, 10 };

      g_array_append_val (sound_postings, p);
    }
  sound = encode_all (sound_postings);
  search_with_damaged (lying, sound);
  search_with_damaged (wrapping, sound);
  search_with_damaged (tf, sound);
}

/* ------------------------------------------------------------------------ */
/* Ranking                                                                   */
/* ------------------------------------------------------------------------ */

static double
bm25_ref (double idf,
          double tf,
          double len,
          double avgdl)
{
  double k1 = PARLEY_BM25_K1, b = PARLEY_BM25_B;

  return idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avgdl));
}

static GBytes *
list_of (const ParleyPosting *postings,
         guint                n)
{
  g_autoptr(GError) error = NULL;
  GBytes *list = parley_postings_append (NULL, postings, n, &error);

  g_assert_no_error (error);
  return list;
}

/* Runs both searches and checks that they agree; returns the hits. */
static guint
search_both (const ParleyIndexTerm *terms,
             guint                  n_terms,
             float                  avgdl,
             guint                  k,
             ParleyIndexFilter      filter,
             gpointer               filter_data,
             ParleyScoredId        *hits,
             ParleyIndexStats      *stats)
{
  g_autofree ParleyScoredId *ref = g_new0 (ParleyScoredId, MAX (k, 1));
  guint n = parley_index_search (terms, n_terms, avgdl, k, filter, filter_data, hits, stats);
  guint m = parley_index_search_exhaustive (terms, n_terms, avgdl, k, filter, filter_data, ref);

  g_assert_cmpuint (n, ==, m);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (hits[i].id, ==, ref[i].id);
      g_assert_cmpfloat_with_epsilon (hits[i].score, ref[i].score, 1e-5);
    }
  return n;
}

static void
test_idf (void)
{
  const gint64 n_docs = 1000;
  float prev = INFINITY;

  for (gint64 df = 1; df <= n_docs; df++)
    {
      float idf = parley_bm25_idf (n_docs, df);

      g_assert_cmpfloat (idf, >, 0.0f);
      g_assert_cmpfloat (idf, <, prev);
      g_assert_cmpfloat_with_epsilon (idf, log (1.0 + (n_docs - df + 0.5) / (df + 0.5)), 1e-5);
      prev = idf;
    }
  /* Rare terms weigh more than frequent ones by a wide margin. */
  g_assert_cmpfloat (parley_bm25_idf (n_docs, 1), >, 10.0f * parley_bm25_idf (n_docs, 900));
  /* Out of range: nothing, or clamped to the collection. */
  g_assert_cmpfloat (parley_bm25_idf (n_docs, 0), ==, 0.0f);
  g_assert_cmpfloat (parley_bm25_idf (n_docs, -4), ==, 0.0f);
  g_assert_cmpfloat (parley_bm25_idf (0, 3), ==, 0.0f);
  g_assert_cmpfloat (parley_bm25_idf (n_docs, 2 * n_docs), ==, parley_bm25_idf (n_docs, n_docs));
}

static void
test_bm25_order (void)
{
  /* Higher tf above lower at equal length; shorter above longer at equal tf. */
  const ParleyPosting a[] = {
    { 1, 1, 100 }, { 2, 3, 100 }, { 3, 2, 80 }, { 4, 2, 200 }, { 5, 2, 100 },
  };
  const ParleyPosting b[] = { { 4, 1, 200 } };
  g_autoptr(GBytes) la = list_of (a, G_N_ELEMENTS (a));
  g_autoptr(GBytes) lb = list_of (b, G_N_ELEMENTS (b));
  const float avgdl = 100.0f, idf_a = 1.5f, idf_b = 0.7f;
  ParleyIndexTerm one[] = { { la, idf_a, 1.0f } };
  ParleyIndexTerm two[] = { { la, idf_a, 1.0f }, { lb, idf_b, 1.0f } };
  ParleyIndexTerm heavy[] = { { la, idf_a, 2.0f } };
  ParleyScoredId hits[10], heavy_hits[10];
  guint n;

  n = search_both (one, 1, avgdl, 10, NULL, NULL, hits, NULL);
  g_assert_cmpuint (n, ==, 5);
  /* tf 3 > tf 2 (len 80) > tf 2 (len 100) > tf 2 (len 200) > tf 1. */
  g_assert_cmpint (hits[0].id, ==, 2);
  g_assert_cmpint (hits[1].id, ==, 3);
  g_assert_cmpint (hits[2].id, ==, 5);
  g_assert_cmpint (hits[3].id, ==, 4);
  g_assert_cmpint (hits[4].id, ==, 1);
  for (guint i = 0; i < n; i++)
    {
      const ParleyPosting *p = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (a); j++)
        if (a[j].id == hits[i].id)
          p = &a[j];
      g_assert_nonnull (p);
      g_assert_cmpfloat_with_epsilon (hits[i].score, bm25_ref (idf_a, p->tf, p->len, avgdl), 1e-5);
      if (i > 0)
        g_assert_cmpfloat (hits[i - 1].score, >, hits[i].score);
    }

  /* The query weight scales a term's score. */
  g_assert_cmpuint (search_both (heavy, 1, avgdl, 10, NULL, NULL, heavy_hits, NULL), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpint (heavy_hits[i].id, ==, hits[i].id);
      g_assert_cmpfloat_with_epsilon (heavy_hits[i].score, 2.0f * hits[i].score, 1e-5);
    }

  /* A second term adds up: doc 4 now has both and climbs above doc 5. */
  n = search_both (two, 2, avgdl, 10, NULL, NULL, hits, NULL);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpint (hits[2].id, ==, 4);
  g_assert_cmpfloat_with_epsilon (hits[2].score,
                                  bm25_ref (idf_a, 2, 200, avgdl) + bm25_ref (idf_b, 1, 200, avgdl), 1e-5);
  g_assert_cmpint (hits[3].id, ==, 5);
}

static void
test_ties (void)
{
  ParleyPosting same[20];
  const ParleyPosting other[] = { { 3, 2, 10 }, { 41, 2, 10 } };
  g_autoptr(GBytes) ls = NULL;
  g_autoptr(GBytes) lo = NULL;
  ParleyIndexTerm terms[2];
  ParleyScoredId hits[8];
  guint n;

  /* Twenty documents with the very same score: the lowest ids win, in order. */
  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    same[i] = (ParleyPosting) { 2 * (i + 1), 2, 10 };
  ls = list_of (same, G_N_ELEMENTS (same));
  terms[0] = (ParleyIndexTerm) { ls, 1.0f, 1.0f };

  for (guint k = 1; k <= G_N_ELEMENTS (hits); k++)
    {
      n = search_both (terms, 1, 10.0f, k, NULL, NULL, hits, NULL);
      g_assert_cmpuint (n, ==, k);
      for (guint i = 0; i < n; i++)
        {
          g_assert_cmpint (hits[i].id, ==, 2 * (i + 1));
          g_assert_cmpfloat (hits[i].score, ==, hits[0].score);
        }
    }

  /* Ties across terms: docs 3 and 41 score as much as the others from a
   * second list with the same statistics; 3 sorts between 2 and 4, 41 is out. */
  lo = list_of (other, G_N_ELEMENTS (other));
  terms[1] = (ParleyIndexTerm) { lo, 1.0f, 1.0f };
  n = search_both (terms, 2, 10.0f, 4, NULL, NULL, hits, NULL);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (hits[0].id, ==, 2);
  g_assert_cmpint (hits[1].id, ==, 3);
  g_assert_cmpint (hits[2].id, ==, 4);
  g_assert_cmpint (hits[3].id, ==, 6);
}

static gboolean
drop_odd_cb (gint64   id,
             gpointer user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return id % 2 == 0;
}

static void
test_small_k (void)
{
  const ParleyPosting a[] = { { 1, 1, 10 }, { 4, 2, 10 }, { 9, 1, 30 }, { 12, 5, 10 } };
  const ParleyPosting b[] = { { 4, 1, 10 }, { 7, 1, 10 }, { 12, 1, 10 }, { 13, 3, 5 } };
  g_autoptr(GBytes) la = list_of (a, G_N_ELEMENTS (a));
  g_autoptr(GBytes) lb = list_of (b, G_N_ELEMENTS (b));
  ParleyIndexTerm terms[] = { { la, 1.0f, 1.0f }, { lb, 2.0f, 1.0f } };
  ParleyIndexTerm useless[] = { { NULL, 1.0f, 1.0f }, { la, 0.0f, 1.0f }, { lb, 1.0f, 0.0f } };
  ParleyScoredId hits[50];
  guint calls = 0;
  guint n;

  /* k larger than the matches: every match, best first. */
  n = search_both (terms, 2, 10.0f, G_N_ELEMENTS (hits), NULL, NULL, hits, NULL);
  g_assert_cmpuint (n, ==, 6);
  for (guint i = 1; i < n; i++)
    g_assert_cmpfloat (hits[i - 1].score, >=, hits[i].score);
  g_assert_cmpint (hits[0].id, ==, 12);

  n = search_both (terms, 2, 10.0f, G_N_ELEMENTS (hits), drop_odd_cb, &calls, hits, NULL);
  g_assert_cmpuint (calls, >, 0);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (hits[0].id, ==, 12);
  g_assert_cmpint (hits[1].id, ==, 4);

  /* k = 0, no terms, and terms that cannot score. */
  g_assert_cmpuint (parley_index_search (terms, 2, 10.0f, 0, NULL, NULL, hits, NULL), ==, 0);
  g_assert_cmpuint (parley_index_search_exhaustive (terms, 2, 10.0f, 0, NULL, NULL, hits), ==, 0);
  g_assert_cmpuint (search_both (NULL, 0, 10.0f, 5, NULL, NULL, hits, NULL), ==, 0);
  g_assert_cmpuint (search_both (useless, G_N_ELEMENTS (useless), 10.0f, 5, NULL, NULL, hits, NULL), ==, 0);
  /* A zero average length does not divide by zero. */
  n = search_both (terms, 2, 0.0f, 3, NULL, NULL, hits, NULL);
  g_assert_cmpuint (n, ==, 3);
  for (guint i = 0; i < n; i++)
    g_assert_true (isfinite (hits[i].score));
}

/* ------------------------------------------------------------------------ */
/* MaxScore against the exhaustive evaluation                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  guint modulus;
  guint calls;
} Filter;

static gboolean
filter_cb (gint64   id,
           gpointer user_data)
{
  Filter *f = user_data;

  f->calls++;
  return ((guint64) id * 2654435761u >> 7) % f->modulus != 0;
}

typedef struct {
  guint            n_docs;
  gint64          *ids;
  guint           *lens;
  float            avgdl;
  guint            n_terms;
  ParleyIndexTerm  terms[6];
  GArray          *postings[6];   /* ParleyPosting */
} Collection;

static void
collection_clear (Collection *c)
{
  g_free (c->ids);
  g_free (c->lens);
  for (guint t = 0; t < c->n_terms; t++)
    {
      g_clear_pointer (&c->terms[t].postings, g_bytes_unref);
      g_clear_pointer (&c->postings[t], g_array_unref);
    }
}

/* 5,000 documents; 3 to 6 terms, the first frequent, the second rare, the
 * others anything between; tf mostly 1, lengths mostly short. */
static void
collection_init (Collection *c,
                 GRand      *rand)
{
  static const double classes[][2] = {
    { 0.30, 0.90 }, { 0.0005, 0.004 }, { 0.05, 0.25 }, { 0.005, 0.03 },
  };
  double total = 0;
  gint64 id = 0;

  memset (c, 0, sizeof *c);
  c->n_docs = 5000;
  c->ids = g_new (gint64, c->n_docs);
  c->lens = g_new (guint, c->n_docs);
  for (guint d = 0; d < c->n_docs; d++)
    {
      id += g_rand_int_range (rand, 1, 5);
      c->ids[d] = id;
      c->lens[d] = g_rand_int_range (rand, 0, 8) == 0 ? (guint) g_rand_int_range (rand, 100, 1200)
                                                      : (guint) g_rand_int_range (rand, 5, 80);
      total += c->lens[d];
    }
  c->avgdl = (float) (total / c->n_docs);

  c->n_terms = (guint) g_rand_int_range (rand, 3, 7);
  for (guint t = 0; t < c->n_terms; t++)
    {
      const double *range = classes[t < 2 ? t : (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (classes))];
      double p = g_rand_double_range (rand, range[0], range[1]);
      g_autoptr(GError) error = NULL;
      double w = g_rand_double (rand);

      c->postings[t] = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
      for (guint d = 0; d < c->n_docs; d++)
        {
          ParleyPosting posting = { c->ids[d], 1, c->lens[d] };

          if (g_rand_double (rand) >= p)
            continue;
          while (posting.tf < 40 && g_rand_double (rand) < 0.35)
            posting.tf++;
          posting.tf = MIN (posting.tf, c->lens[d]);
          g_array_append_val (c->postings[t], posting);
        }
      /* A term in no document of this collection still has a (NULL) list. */
      if (c->postings[t]->len > 0)
        c->terms[t].postings = parley_postings_append (NULL, &g_array_index (c->postings[t], ParleyPosting, 0),
                                                       c->postings[t]->len, &error);
      g_assert_no_error (error);
      c->terms[t].idf = parley_bm25_idf (c->n_docs, c->postings[t]->len);
      c->terms[t].weight = w < 0.7 ? 1.0f : w < 0.85 ? 2.0f : 0.6f;
    }
}

/* Scores every document of the collection in double precision. */
static guint
count_matches (const Collection *c,
               Filter           *filter)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint t = 0; t < c->n_terms; t++)
    for (guint i = 0; i < c->postings[t]->len; i++)
      {
        ParleyPosting *p = &g_array_index (c->postings[t], ParleyPosting, i);

        if (filter == NULL || filter_cb (p->id, filter))
          g_hash_table_add (seen, &p->id);
      }
  return g_hash_table_size (seen);
}

static double
score_ref (const Collection *c,
           gint64            id)
{
  double score = 0;

  for (guint t = 0; t < c->n_terms; t++)
    for (guint i = 0; i < c->postings[t]->len; i++)
      {
        const ParleyPosting *p = &g_array_index (c->postings[t], ParleyPosting, i);

        if (p->id == id)
          score += c->terms[t].weight * bm25_ref (c->terms[t].idf, p->tf, p->len, c->avgdl);
      }
  return score;
}

static void
test_maxscore_property (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  const guint ks[] = { 1, 5, 10 };
  guint64 sum_total = 0, sum_scored = 0;
  guint n_searches = 0;

  for (guint q = 0; q < 200; q++)
    {
      Collection c;

      collection_init (&c, rand);
      for (guint f = 0; f < 2; f++)
        for (guint ki = 0; ki < G_N_ELEMENTS (ks); ki++)
          {
            guint k = ks[ki];
            ParleyScoredId hits[10], ref[10];
            ParleyIndexStats stats = { 0 };
            Filter filter = { q % 2 == 0 ? 2 : 7, 0 };
            Filter *fp = f == 1 ? &filter : NULL;
            guint n, m, matches;

            n = parley_index_search (c.terms, c.n_terms, c.avgdl, k, fp ? filter_cb : NULL, fp, hits, &stats);
            m = parley_index_search_exhaustive (c.terms, c.n_terms, c.avgdl, k, fp ? filter_cb : NULL, fp, ref);
            matches = count_matches (&c, NULL);
            if (fp != NULL)
              {
                Filter again = filter;

                matches = count_matches (&c, &again);
                g_assert_cmpuint (filter.calls, >, 0);
              }

            if (n != m)
              g_error ("query %u, k %u, filter %d: %u hits, exhaustive %u", q, k, f, n, m);
            g_assert_cmpuint (m, ==, MIN (k, matches));
            for (guint i = 0; i < n; i++)
              {
                if (hits[i].id != ref[i].id || fabsf (hits[i].score - ref[i].score) > 1e-5f)
                  g_error ("query %u, k %u, filter %d, hit %u: %" G_GINT64_FORMAT " (%.9g), "
                           "exhaustive %" G_GINT64_FORMAT " (%.9g)",
                           q, k, f, i, hits[i].id, hits[i].score, ref[i].id, ref[i].score);
                /* The exhaustive reference is itself right. */
                g_assert_cmpfloat (fabs (ref[i].score - score_ref (&c, ref[i].id)), <=,
                                   1e-5 * MAX (1.0, ref[i].score));
                if (i > 0)
                  g_assert_cmpfloat (hits[i - 1].score, >=, hits[i].score);
              }

            g_assert_cmpuint (stats.postings_scored, <=, stats.postings_total);
            sum_total += stats.postings_total;
            sum_scored += stats.postings_scored;
            n_searches++;
          }
      collection_clear (&c);
    }

  g_test_message ("%u searches: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " postings scored",
                  n_searches, sum_scored, sum_total);
  g_assert_cmpuint (n_searches, ==, 200 * 6);
  /* MaxScore skips most postings of the frequent terms. */
  g_assert_cmpuint (sum_scored, <, sum_total / 2);
}

static void
test_stats_skewed (void)
{
  g_autoptr(GArray) frequent = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GArray) rare = g_array_new (FALSE, FALSE, sizeof (ParleyPosting));
  g_autoptr(GBytes) lf = NULL;
  g_autoptr(GBytes) lr = NULL;
  ParleyIndexTerm terms[2];
  ParleyScoredId hits[5];
  ParleyIndexStats stats = { 0 };
  guint n_blocks;

  for (guint d = 1; d <= 10000; d++)
    {
      ParleyPosting p = { d, 1 + d % 3, 20 + d % 17 };

      if (d % 10 != 0)
        g_array_append_val (frequent, p);
      if (d % 200 == 0)
        g_array_append_val (rare, p);
    }
  lf = list_of (&g_array_index (frequent, ParleyPosting, 0), frequent->len);
  lr = list_of (&g_array_index (rare, ParleyPosting, 0), rare->len);
  terms[0] = (ParleyIndexTerm) { lf, parley_bm25_idf (10000, frequent->len), 1.0f };
  terms[1] = (ParleyIndexTerm) { lr, parley_bm25_idf (10000, rare->len), 1.0f };

  g_assert_cmpuint (search_both (terms, 2, 28.0f, G_N_ELEMENTS (hits), NULL, NULL, hits, &stats), ==, 5);
  g_assert_cmpuint (stats.postings_total, ==, frequent->len + rare->len);
  g_test_message ("scored %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " postings, %" G_GUINT64_FORMAT " blocks",
                  stats.postings_scored, stats.postings_total, stats.blocks_decoded);
  /* The hits all have the rare term; most frequent postings are skipped. */
  for (guint i = 0; i < G_N_ELEMENTS (hits); i++)
    g_assert_cmpint (hits[i].id % 200, ==, 0);
  g_assert_cmpuint (stats.postings_scored, <, stats.postings_total / 4);
  n_blocks = (frequent->len + 127) / 128 + (rare->len + 127) / 128;
  g_assert_cmpuint (stats.blocks_decoded, <=, n_blocks);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (log_writer_cb, NULL, NULL);
  test_init (&argc, &argv);

  g_test_add_func ("/index/postings/round-trip", test_round_trip);
  g_test_add_func ("/index/postings/empty", test_empty);
  g_test_add_func ("/index/postings/non-increasing", test_non_increasing);
  g_test_add_func ("/index/postings/damaged", test_damaged);
  g_test_add_func ("/index/postings/damaged-crafted", test_damaged_crafted);
  g_test_add_func ("/index/bm25/idf", test_idf);
  g_test_add_func ("/index/bm25/order", test_bm25_order);
  g_test_add_func ("/index/search/ties", test_ties);
  g_test_add_func ("/index/search/small-k", test_small_k);
  g_test_add_func ("/index/search/maxscore-property", test_maxscore_property);
  g_test_add_func ("/index/search/stats-skewed", test_stats_skewed);

  return g_test_run ();
}
