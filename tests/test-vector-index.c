/* test-vector-index.c — tests for the in-memory cosine top-k index
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "parley-error.h"
#include "parley-vector-index.h"
#include "test-utils.h"

static double
exact_cosine (const float *a,
              const float *b,
              guint        dim)
{
  double ab = 0, aa = 0, bb = 0;

  for (guint i = 0; i < dim; i++)
    {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }

  return ab / sqrt (aa * bb);
}

static double
gaussian (GRand *rand)
{
  double u1 = g_rand_double (rand);
  double u2 = g_rand_double (rand);

  return sqrt (-2.0 * log (1.0 - u1)) * cos (2.0 * G_PI * u2);
}

static void
random_vector (GRand *rand,
               float *out,
               guint  dim)
{
  for (guint i = 0; i < dim; i++)
    out[i] = (float) gaussian (rand);
}

static void
add_or_fail (ParleyVectorIndex *index,
             gint64             id,
             guint32            tag,
             const float       *vector)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (parley_vector_index_add (index, id, tag, vector, &error));
  g_assert_no_error (error);
}

static gboolean
hits_contain (const ParleyVectorHit *hits,
              guint                  n,
              gint64                 id)
{
  for (guint i = 0; i < n; i++)
    if (hits[i].id == id)
      return TRUE;
  return FALSE;
}

static void
assert_sorted (const ParleyVectorHit *hits,
               guint                  n)
{
  for (guint i = 1; i < n; i++)
    {
      g_assert_cmpfloat (hits[i - 1].score, >=, hits[i].score);
      if (hits[i - 1].score == hits[i].score)
        g_assert_cmpint (hits[i - 1].id, <, hits[i].id);
    }
}

static void
test_empty (void)
{
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (8);
  float query[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
  ParleyVectorHit hits[4];

  g_assert_nonnull (index);
  g_assert_cmpuint (parley_vector_index_get_dim (index), ==, 8);
  g_assert_cmpuint (parley_vector_index_get_size (index), ==, 0);
  g_assert_cmpuint (parley_vector_index_get_memory (index), >, 0);
  g_assert_cmpuint (parley_vector_index_search (index, query, 4, NULL, hits), ==, 0);
  g_assert_cmpuint (parley_vector_index_search_exhaustive (index, query, 4, NULL, hits), ==, 0);
  g_assert_false (parley_vector_index_remove (index, 1));
}

static void
test_exact_small (void)
{
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (4);
  const float v[][4] = {
    { 1, 0, 0, 0 },       /* id 10 */
    { 0, 1, 0, 0 },       /* id 11 */
    { 1, 1, 0, 0 },       /* id 12 */
    { -1, 0, 0, 0 },      /* id 13 */
    { 1, 0.1f, 0, 0 },    /* id 14 */
  };
  const float query[4] = { 1, 0, 0, 0 };
  ParleyVectorHit hits[8];
  guint n;

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    add_or_fail (index, 10 + i, 0, v[i]);
  g_assert_cmpuint (parley_vector_index_get_size (index), ==, 5);

  n = parley_vector_index_search (index, query, 5, NULL, hits);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpint (hits[0].id, ==, 10);
  g_assert_cmpint (hits[1].id, ==, 14);
  g_assert_cmpint (hits[2].id, ==, 12);
  g_assert_cmpint (hits[3].id, ==, 11);
  g_assert_cmpint (hits[4].id, ==, 13);
  g_assert_cmpfloat_with_epsilon (hits[0].score, 1.0, 2e-3);
  g_assert_cmpfloat_with_epsilon (hits[1].score, 1.0 / sqrt (1.01), 2e-3);
  g_assert_cmpfloat_with_epsilon (hits[2].score, G_SQRT2 / 2, 2e-3);
  g_assert_cmpfloat_with_epsilon (hits[3].score, 0.0, 2e-3);
  g_assert_cmpfloat_with_epsilon (hits[4].score, -1.0, 2e-3);
  g_assert_cmpfloat (hits[0].score, <=, 1.0f);
  g_assert_cmpfloat (hits[4].score, >=, -1.0f);

  /* the top 2 only */
  n = parley_vector_index_search (index, query, 2, NULL, hits);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (hits[0].id, ==, 10);
  g_assert_cmpint (hits[1].id, ==, 14);

  /* k larger than the index */
  n = parley_vector_index_search (index, query, 8, NULL, hits);
  g_assert_cmpuint (n, ==, 5);
  n = parley_vector_index_search_exhaustive (index, query, 8, NULL, hits);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpint (hits[4].id, ==, 13);

  /* k = 0 writes nothing */
  g_assert_cmpuint (parley_vector_index_search (index, query, 0, NULL, NULL), ==, 0);
}

static void
test_normalisation (void)
{
  const guint dim = 96;
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (dim);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *vectors = g_new (float, 50 * dim);
  g_autofree float *query = g_new (float, dim);
  g_autofree float *scaled = g_new (float, dim);
  ParleyVectorHit hits[50];
  guint n;

  /* magnitudes from 1e-30 to 1e30 must not matter */
  for (guint i = 0; i < 50; i++)
    {
      float scale = powf (10.0f, (float) (i % 7) * 10.0f - 30.0f);

      random_vector (rand, vectors + i * dim, dim);
      for (guint j = 0; j < dim; j++)
        scaled[j] = vectors[i * dim + j] * scale;
      add_or_fail (index, i, 0, scaled);
    }
  random_vector (rand, query, dim);

  n = parley_vector_index_search (index, query, 50, NULL, hits);
  g_assert_cmpuint (n, ==, 50);
  assert_sorted (hits, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (hits[i].score,
                                    exact_cosine (query, vectors + hits[i].id * dim, dim), 3e-3);

  /* a stored vector finds itself, a scaled query too */
  for (guint j = 0; j < dim; j++)
    scaled[j] = vectors[17 * dim + j] * 1e-3f;
  n = parley_vector_index_search (index, scaled, 1, NULL, hits);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (hits[0].id, ==, 17);
  g_assert_cmpfloat_with_epsilon (hits[0].score, 1.0, 1e-3);

  /* and its opposite is the worst match */
  for (guint j = 0; j < dim; j++)
    scaled[j] = -vectors[17 * dim + j];
  n = parley_vector_index_search_exhaustive (index, scaled, 50, NULL, hits);
  g_assert_cmpuint (n, ==, 50);
  g_assert_cmpint (hits[49].id, ==, 17);
  g_assert_cmpfloat_with_epsilon (hits[49].score, -1.0, 1e-3);
}

static void
test_invalid (void)
{
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (4);
  const float good[4] = { 1, 2, 3, 4 };
  const float zero[4] = { 0, 0, 0, 0 };
  const float with_nan[4] = { 1, NAN, 0, 0 };
  const float with_inf[4] = { 1, INFINITY, 0, 0 };
  const float *bad[] = { zero, with_nan, with_inf };
  ParleyVectorHit hits[2];

  add_or_fail (index, 1, 0, good);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (parley_vector_index_add (index, 2, 0, bad[i], &error));
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      /* nor may a bad vector replace a good one */
      g_clear_error (&error);
      g_assert_false (parley_vector_index_add (index, 1, 0, bad[i], &error));
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_assert_cmpuint (parley_vector_index_get_size (index), ==, 1);

      /* a bad query finds nothing */
      g_assert_cmpuint (parley_vector_index_search (index, bad[i], 2, NULL, hits), ==, 0);
      g_assert_cmpuint (parley_vector_index_search_exhaustive (index, bad[i], 2, NULL, hits), ==, 0);
    }

  g_assert_cmpuint (parley_vector_index_search (index, good, 2, NULL, hits), ==, 1);
  g_assert_cmpint (hits[0].id, ==, 1);
  g_assert_cmpfloat_with_epsilon (hits[0].score, 1.0, 1e-3);

  /* a NULL error is fine too */
  g_assert_false (parley_vector_index_add (index, 3, 0, zero, NULL));

  /* dimensions out of range are refused */
  if (g_test_undefined ())
    {
      g_test_expect_message ("parley-vector-index", G_LOG_LEVEL_CRITICAL, "*dim*");
      g_assert_null (parley_vector_index_new (0));
      g_test_assert_expected_messages ();
    }
}

static void
test_filter (void)
{
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (3);
  const float v[3] = { 1, 0.5f, 0 };
  ParleyVectorHit hits[16];
  ParleyVectorFilter filter;
  guint n;

  /* tag = id: bit 0 odd/even, bits 1-2 a "kind" */
  for (guint id = 0; id < 8; id++)
    add_or_fail (index, id, id, v);

  filter = (ParleyVectorFilter) { .mask = 1, .value = 1 };
  n = parley_vector_index_search (index, v, 16, &filter, hits);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (hits[i].id % 2, ==, 1);

  filter = (ParleyVectorFilter) { .mask = 6, .value = 4 };
  n = parley_vector_index_search_exhaustive (index, v, 16, &filter, hits);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (hits[0].id, ==, 4);
  g_assert_cmpint (hits[1].id, ==, 5);

  /* mask 0 matches everything, whatever the value */
  filter = (ParleyVectorFilter) { .mask = 0, .value = 5 };
  g_assert_cmpuint (parley_vector_index_search (index, v, 16, &filter, hits), ==, 8);
  g_assert_cmpuint (parley_vector_index_search (index, v, 16, NULL, hits), ==, 8);

  /* nothing matches */
  filter = (ParleyVectorFilter) { .mask = 8, .value = 8 };
  g_assert_cmpuint (parley_vector_index_search (index, v, 16, &filter, hits), ==, 0);

  /* k smaller than the matches: the best by id among equals */
  filter = (ParleyVectorFilter) { .mask = 1, .value = 0 };
  n = parley_vector_index_search (index, v, 2, &filter, hits);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (hits[0].id, ==, 0);
  g_assert_cmpint (hits[1].id, ==, 2);
}

static void
test_ties (void)
{
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (16);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  const gint64 ids[] = { 42, -7, 1000000000000, 3, 0, 99 };
  float v[16], other[16];
  ParleyVectorHit hits[8], again[8];
  guint n;

  random_vector (rand, v, 16);
  random_vector (rand, other, 16);
  add_or_fail (index, 5, 0, other);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    add_or_fail (index, ids[i], 0, v);

  n = parley_vector_index_search (index, v, 8, NULL, hits);
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpint (hits[0].id, ==, -7);
  g_assert_cmpint (hits[1].id, ==, 0);
  g_assert_cmpint (hits[2].id, ==, 3);
  g_assert_cmpint (hits[3].id, ==, 42);
  g_assert_cmpint (hits[4].id, ==, 99);
  g_assert_cmpint (hits[5].id, ==, 1000000000000);
  g_assert_cmpint (hits[6].id, ==, 5);
  for (guint i = 1; i < 6; i++)
    g_assert_cmpfloat (hits[i].score, ==, hits[0].score);

  /* the cut inside a tie keeps the smallest ids */
  n = parley_vector_index_search_exhaustive (index, v, 3, NULL, again);
  g_assert_cmpuint (n, ==, 3);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (again[i].id, ==, hits[i].id);
      g_assert_cmpfloat (again[i].score, ==, hits[i].score);
    }
}

static void
test_remove_readd (void)
{
  const guint dim = 32;
  const guint count = 3000;   /* a few chunks */
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (dim);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *vectors = g_new (float, count * dim);
  g_autofree gboolean *present = g_new0 (gboolean, count);
  g_autofree ParleyVectorHit *hits = g_new (ParleyVectorHit, count);
  guint size = 0, n;
  gsize full_memory;

  for (guint i = 0; i < count; i++)
    {
      random_vector (rand, vectors + i * dim, dim);
      add_or_fail (index, i, i % 3, vectors + i * dim);
      present[i] = TRUE;
    }
  size = count;
  full_memory = parley_vector_index_get_memory (index);

  /* remove two thirds at random, then check every survivor is where it should be */
  for (guint round = 0; round < 2 * count; round++)
    {
      guint id = g_rand_int_range (rand, 0, count);

      g_assert_cmpint (parley_vector_index_remove (index, id), ==, present[id]);
      size -= present[id];
      present[id] = FALSE;
    }
  g_assert_cmpuint (parley_vector_index_get_size (index), ==, size);
  g_assert_false (parley_vector_index_remove (index, count + 5));

  for (guint i = 0; i < count; i++)
    {
      if (!present[i])
        continue;
      n = parley_vector_index_search_exhaustive (index, vectors + i * dim, 1, NULL, hits);
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpint (hits[0].id, ==, i);
      g_assert_cmpfloat_with_epsilon (hits[0].score, 1.0, 1e-3);
    }

  n = parley_vector_index_search_exhaustive (index, vectors, count, NULL, hits);
  g_assert_cmpuint (n, ==, size);
  assert_sorted (hits, n);
  for (guint i = 0; i < count; i++)
    g_assert_cmpint (hits_contain (hits, n, i), ==, present[i]);

  /* the tags moved with their vectors */
  {
    ParleyVectorFilter filter = { .mask = 3, .value = 2 };

    n = parley_vector_index_search_exhaustive (index, vectors, count, &filter, hits);
    for (guint i = 0; i < n; i++)
      g_assert_cmpint (hits[i].id % 3, ==, 2);
  }

  /* re-add a removed id with a new vector and replace a present one */
  for (guint i = 0; i < count; i++)
    if (!present[i])
      {
        add_or_fail (index, i, 0, vectors + ((i + 1) % count) * dim);
        present[i] = TRUE;
        size++;
        n = parley_vector_index_search_exhaustive (index, vectors + ((i + 1) % count) * dim, 2, NULL, hits);
        g_assert_true (hits_contain (hits, n, i));
        break;
      }
  for (guint i = 0; i < count; i++)
    if (present[i])
      {
        add_or_fail (index, i, 0, vectors + (count - 1 - i) * dim);
        g_assert_cmpuint (parley_vector_index_get_size (index), ==, size);
        n = parley_vector_index_search_exhaustive (index, vectors + i * dim, 1, NULL, hits);
        g_assert_cmpuint (n, ==, 1);
        g_assert_true (hits[0].id != i || hits[0].score < 0.99f);
        break;
      }

  /* removing everything gives the memory back */
  for (guint i = 0; i < count; i++)
    parley_vector_index_remove (index, i);
  g_assert_cmpuint (parley_vector_index_get_size (index), ==, 0);
  g_assert_cmpuint (parley_vector_index_get_memory (index), <, full_memory);
  g_assert_cmpuint (parley_vector_index_search (index, vectors, 4, NULL, hits), ==, 0);

  add_or_fail (index, 7, 0, vectors + 7 * dim);
  n = parley_vector_index_search (index, vectors + 7 * dim, 4, NULL, hits);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (hits[0].id, ==, 7);
}

/* Gaussian clusters: a unit centre plus isotropic noise of norm @noise. */
typedef struct {
  guint  dim;
  guint  count;
  float *vectors;
  float *queries;
  guint  n_queries;
} Dataset;

static void
dataset_free (Dataset *data)
{
  g_free (data->vectors);
  g_free (data->queries);
}

static void
clustered_point (GRand       *rand,
                 const float *centres,
                 guint        n_clusters,
                 guint        dim,
                 double       noise,
                 float       *out)
{
  guint c = g_rand_int_range (rand, 0, n_clusters);
  double norm = 0;

  random_vector (rand, out, dim);
  for (guint i = 0; i < dim; i++)
    norm += (double) out[i] * out[i];
  for (guint i = 0; i < dim; i++)
    out[i] = (float) (centres[c * dim + i] + out[i] * noise / sqrt (norm));
}

static void
dataset_init (Dataset *data,
              guint    dim,
              guint    count,
              guint    n_queries,
              double   noise)
{
  const guint n_clusters = 200;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240 + dim);
  g_autofree float *centres = g_new (float, n_clusters * dim);

  for (guint c = 0; c < n_clusters; c++)
    {
      double norm = 0;

      random_vector (rand, centres + c * dim, dim);
      for (guint i = 0; i < dim; i++)
        norm += (double) centres[c * dim + i] * centres[c * dim + i];
      for (guint i = 0; i < dim; i++)
        centres[c * dim + i] /= (float) sqrt (norm);
    }

  data->dim = dim;
  data->count = count;
  data->n_queries = n_queries;
  data->vectors = g_new (float, (gsize) count * dim);
  data->queries = g_new (float, (gsize) n_queries * dim);
  for (guint i = 0; i < count; i++)
    clustered_point (rand, centres, n_clusters, dim, noise, data->vectors + (gsize) i * dim);
  for (guint i = 0; i < n_queries; i++)
    clustered_point (rand, centres, n_clusters, dim, noise, data->queries + (gsize) i * dim);
}

/* The exact top 10 by float cosine. */
static void
brute_force_top10 (const Dataset *data,
                   const float   *query,
                   gint64        *best)
{
  double scores[10];
  guint len = 0;

  for (guint i = 0; i < data->count; i++)
    {
      double s = exact_cosine (query, data->vectors + (gsize) i * data->dim, data->dim);
      guint p;

      if (len == 10 && s <= scores[9])
        continue;
      p = len < 10 ? len++ : 9;
      while (p > 0 && scores[p - 1] < s)
        {
          scores[p] = scores[p - 1];
          best[p] = best[p - 1];
          p--;
        }
      scores[p] = s;
      best[p] = i;
    }
}

static void
check_recall (guint  dim,
              double noise)
{
  Dataset data;
  g_autoptr(ParleyVectorIndex) index = NULL;
  g_autoptr(ParleyVectorIndex) serial = NULL;
  double recall = 0, recall_exhaustive = 0;
  ParleyVectorHit hits[10], exhaustive[10], single[10];

  dataset_init (&data, dim, 20000, 40, noise);

  /* split every scan across the threads there are, however small */
  g_setenv ("PARLEY_VECTOR_PARALLEL_MIN_BYTES", "0", TRUE);
  index = parley_vector_index_new (dim);
  g_unsetenv ("PARLEY_VECTOR_PARALLEL_MIN_BYTES");
  serial = parley_vector_index_new (dim);
  parley_vector_index_set_max_threads (serial, 1);
  /* always take the Hamming path at this size */
  parley_vector_index_set_exhaustive_limit (index, 0);
  parley_vector_index_set_exhaustive_limit (serial, 0);
  parley_vector_index_reserve (index, data.count);
  for (guint i = 0; i < data.count; i++)
    {
      add_or_fail (index, i, 0, data.vectors + (gsize) i * dim);
      add_or_fail (serial, i, 0, data.vectors + (gsize) i * dim);
    }

  for (guint q = 0; q < data.n_queries; q++)
    {
      const float *query = data.queries + (gsize) q * dim;
      gint64 best[10];
      guint n, found = 0, found_exhaustive = 0;

      brute_force_top10 (&data, query, best);

      n = parley_vector_index_search (index, query, 10, NULL, hits);
      g_assert_cmpuint (n, ==, 10);
      assert_sorted (hits, n);
      g_assert_cmpuint (parley_vector_index_search_exhaustive (index, query, 10, NULL, exhaustive), ==, 10);

      /* one thread or several: the same answer, bit for bit */
      g_assert_cmpuint (parley_vector_index_search (serial, query, 10, NULL, single), ==, 10);
      for (guint i = 0; i < 10; i++)
        {
          g_assert_cmpint (single[i].id, ==, hits[i].id);
          g_assert_cmpfloat (single[i].score, ==, hits[i].score);
        }
      g_assert_cmpuint (parley_vector_index_search_exhaustive (serial, query, 10, NULL, single), ==, 10);
      for (guint i = 0; i < 10; i++)
        {
          g_assert_cmpint (single[i].id, ==, exhaustive[i].id);
          g_assert_cmpfloat (single[i].score, ==, exhaustive[i].score);
        }

      for (guint i = 0; i < 10; i++)
        {
          found += hits_contain (hits, 10, best[i]);
          found_exhaustive += hits_contain (exhaustive, 10, best[i]);
          g_assert_cmpfloat_with_epsilon (hits[i].score,
                                          exact_cosine (query, data.vectors + hits[i].id * dim, dim),
                                          3e-3);
        }
      recall += found / 10.0;
      recall_exhaustive += found_exhaustive / 10.0;
    }

  recall /= data.n_queries;
  recall_exhaustive /= data.n_queries;
  g_test_message ("dim %u noise %.2f: recall@10 %.3f, exhaustive %.3f",
                  dim, noise, recall, recall_exhaustive);
  g_assert_cmpfloat (recall, >=, 0.95);
  g_assert_cmpfloat (recall_exhaustive, >=, 0.95);

  dataset_free (&data);
}

static void
test_recall_256 (void)
{
  check_recall (256, 0.75);
}

static void
test_recall_1024 (void)
{
  check_recall (1024, 0.75);
}

static void
test_default_exhaustive (void)
{
  /* below the exhaustive limit search() and search_exhaustive() agree */
  const guint dim = 64;
  g_autoptr(ParleyVectorIndex) index = parley_vector_index_new (dim);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  float v[64];
  ParleyVectorHit a[20], b[20];

  for (guint i = 0; i < 5000; i++)
    {
      random_vector (rand, v, dim);
      add_or_fail (index, i, i & 1, v);
    }
  for (guint q = 0; q < 10; q++)
    {
      ParleyVectorFilter filter = { .mask = 1, .value = q & 1 };
      guint n;

      random_vector (rand, v, dim);
      n = parley_vector_index_search (index, v, 20, &filter, a);
      g_assert_cmpuint (n, ==, 20);
      g_assert_cmpuint (parley_vector_index_search_exhaustive (index, v, 20, &filter, b), ==, 20);
      for (guint i = 0; i < n; i++)
        {
          g_assert_cmpint (a[i].id, ==, b[i].id);
          g_assert_cmpint (a[i].id & 1, ==, q & 1);
        }
    }
}

int
main (int argc, char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/vector-index/empty", test_empty);
  g_test_add_func ("/vector-index/exact-small", test_exact_small);
  g_test_add_func ("/vector-index/normalisation", test_normalisation);
  g_test_add_func ("/vector-index/invalid", test_invalid);
  g_test_add_func ("/vector-index/filter", test_filter);
  g_test_add_func ("/vector-index/ties", test_ties);
  g_test_add_func ("/vector-index/remove-readd", test_remove_readd);
  g_test_add_func ("/vector-index/default-exhaustive", test_default_exhaustive);
  g_test_add_func ("/vector-index/recall/256", test_recall_256);
  g_test_add_func ("/vector-index/recall/1024", test_recall_1024);

  return g_test_run ();
}
