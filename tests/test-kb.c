/* test-kb.c — ingestion and retrieval of the knowledge base, end to end in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "parley-error.h"
#include "parley-fts-tokenizer.h"
#include "parley-kb.h"
#include "test-utils.h"

typedef struct {
  char        *dir;
  char        *docs;
  ParleyStore *store;
  ParleyKb    *kb;
  GPtrArray   *failures;   /* "doc: message" */
} Fixture;

static void
write_file (Fixture    *f,
            const char *rel,
            const char *contents,
            gssize      len)
{
  g_autofree char *path = g_build_filename (f->docs, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;

  f->dir = test_make_tmpdir ();
  f->docs = g_build_filename (f->dir, "docs", NULL);
  db = g_build_filename (f->dir, "kb.db", NULL);
  f->store = parley_store_open (db, &error);
  g_assert_no_error (error);
  f->kb = parley_kb_new (f->store);
  f->failures = g_ptr_array_new_with_free_func (g_free);

  write_file (f, "en/returns.md",
              "---\ntitle: Return policy\nlang: en\ncategory: returns\n---\n\n"
              "## Return window\n\nYou can return most items within 30 days of delivery. "
              "Items must be unused and in their original packaging.\n\n"
              "## Return shipping\n\nReturn shipping is free with our prepaid label.\n", -1);
  write_file (f, "en/shipping.md",
              "---\ntitle: Shipping options\nlang: en\ncategory: shipping\n---\n\n"
              "Standard delivery takes 3 to 5 business days. Express delivery arrives the next day "
              "when you order before 2 pm.\n", -1);
  write_file (f, "de/ruecksendung.md",
              "---\ntitle: Rücksendung\nlang: de\ncategory: returns\n---\n\n"
              "Sie können Artikel innerhalb von 30 Tagen zurückschicken. Das Rücksendeetikett ist kostenlos.\n", -1);
  write_file (f, "zh/tuihuo.md",
              "---\ntitle: 退货政策\nlang: zh\ncategory: returns\n---\n\n"
              "我们支持七天无理由退货。退货运费由我们承担，请在订单页面申请退货。\n", -1);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->kb);
  g_clear_object (&f->store);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->docs);
  g_ptr_array_unref (f->failures);
}

static void
record_failure (const char               *path,
                ParleyIngestOutcome       outcome,
                const GError             *error,
                const ParleyIngestReport *so_far,
                guint                     total,
                gpointer                  user_data)
{
  Fixture *f = user_data;

  if (outcome == PARLEY_INGEST_FAILED)
    {
      g_autofree char *base = g_path_get_basename (path);

      g_assert_nonnull (error);
      g_ptr_array_add (f->failures, g_strdup_printf ("%s: %s", base, error->message));
    }
}

static ParleyIngestReport
ingest (Fixture             *f,
        ParleyIngestOptions *opts)
{
  const char *paths[] = { f->docs, NULL };
  ParleyIngestReport report;
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (f->failures, 0);
  g_assert_true (parley_kb_ingest (f->kb, paths, opts, record_failure, f, &report, &error));
  g_assert_no_error (error);
  return report;
}

static GPtrArray *
search (Fixture    *f,
        const char *query,
        ParleyLang  lang)
{
  ParleySearchOptions opts = { lang, 5 };
  g_autoptr(GError) error = NULL;
  GPtrArray *hits = parley_kb_search (f->kb, query, &opts, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  return hits;
}

static const char *
top_doc (GPtrArray *hits)
{
  return hits->len > 0 ? ((ParleyHit *) hits->pdata[0])->rec.doc : "";
}

static void
test_ingest_and_search (Fixture       *f,
                        gconstpointer  data)
{
  ParleyIngestReport report = ingest (f, NULL);
  g_autoptr(GPtrArray) en = NULL;
  g_autoptr(GPtrArray) de = NULL;
  g_autoptr(GPtrArray) zh = NULL;
  const ParleyHit *hit;

  g_assert_cmpuint (report.added, ==, 4);
  g_assert_cmpuint (report.failed, ==, 0);

  en = search (f, "how do I send back an item, is the label free?", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (en), ==, "en/returns.md");
  hit = en->pdata[0];
  g_assert_cmpstr (hit->rec.title, ==, "Return policy");
  g_assert_cmpstr (hit->rec.lang, ==, "en");
  g_assert_cmpstr (hit->rec.category, ==, "returns");
  g_assert_nonnull (hit->rec.parent_text);
  g_assert_nonnull (strstr (hit->rec.parent_text, hit->rec.text));
  g_assert_cmpfloat (hit->score, >, 0.0);

  /* Stemming and folding: "Rücksendungen" without umlaut meets "Rücksendung". */
  de = search (f, "rucksendungen kostenlos", PARLEY_LANG_DE);
  g_assert_cmpstr (top_doc (de), ==, "de/ruecksendung.md");

  /* Chinese without spaces, segmented. */
  zh = search (f, "退货运费谁出", PARLEY_LANG_ZH);
  g_assert_cmpstr (top_doc (zh), ==, "zh/tuihuo.md");
}

/* The questions a document says it answers find it, in the customers' own
 * words that its text never uses; from front matter and from HTML <meta>. */
static void
test_about_fields (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) md = NULL;
  g_autoptr(GPtrArray) html = NULL;

  ingest (f, NULL);
  before = search (f, "parcel went to my old flat", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (before), !=, "en/shipping.md");

  write_file (f, "en/shipping.md",
              "---\ntitle: Shipping options\nlang: en\ncategory: shipping\n"
              "questions:\n  - \"parcel went to my old flat\"\n  - \"when will my stuff show up\"\n---\n\n"
              "Standard delivery takes 3 to 5 business days. Express delivery arrives the next day "
              "when you order before 2 pm.\n", -1);
  write_file (f, "en/gift.html",
              "<html lang=\"en\"><head><title>Gift cards</title>"
              "<meta name=\"questions\" content=\"present voucher balance\">"
              "<meta name=\"questions\" content=\"lost the code my aunt sent\"></head>"
              "<body><p>Check what is left on your card under Account.</p></body></html>", -1);
  ingest (f, NULL);

  md = search (f, "my parcel went to the old flat", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (md), ==, "en/shipping.md");
  html = search (f, "aunt code lost", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (html), ==, "en/gift.html");
}

/* FTS5 over Parley's analyser: the same terms as Parley's own index, so
 * Chinese is segmented and German stemmed; each language its own terms. */
static void
test_fts_tokenizer (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  struct { ParleyLang lang; const char *query; const char *doc; } cases[] = {
    { PARLEY_LANG_ZH, "退货运费谁出", "zh/tuihuo.md" },
    { PARLEY_LANG_DE, "Rücksendungen kostenlos?", "de/ruecksendung.md" },
    { PARLEY_LANG_EN, "Express deliveries", "en/shipping.md" },
  };

  ingest (f, NULL);
  g_assert_true (parley_fts_tokenizer_register (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (parley_store_build_fts (f->store, PARLEY_FTS_TAGGED, PARLEY_FTS_TOKENIZER, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) terms = parley_fts_query_terms (analyzer, cases[i].lang, cases[i].query);
      g_autoptr(GArray) ids = parley_store_search_fts_terms (f->store, (const char * const *) terms, 5, &error);
      ParleyChunkRecord rec = { 0 };

      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (terms), >, 0);
      g_assert_true (g_str_has_prefix (terms[0], parley_lang_to_string (cases[i].lang)));
      g_assert_cmpuint (ids->len, >, 0);
      g_assert_true (parley_store_get_chunk (f->store, g_array_index (ids, gint64, 0), &rec, &error));
      g_assert_cmpstr (rec.doc, ==, cases[i].doc);
      parley_chunk_record_clear (&rec);
    }

  /* A term of one language does not find another's: "de:" terms only. */
  {
    const char *terms[] = { "en:kostenlos", NULL };
    g_autoptr(GArray) ids = parley_store_search_fts_terms (f->store, terms, 5, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 0);
  }
}

static void
test_typo_and_language_filter (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) typo = NULL;
  g_autoptr(GPtrArray) de = NULL;
  ParleySearchInfo info;
  ParleySearchOptions opts = { PARLEY_LANG_EN, 5 };
  g_autoptr(GError) error = NULL;

  ingest (f, NULL);
  typo = parley_kb_search (f->kb, "expres delivary", &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (top_doc (typo), ==, "en/shipping.md");
  g_assert_cmpuint (info.corrected_terms, >=, 1);

  /* A German search only sees German documents. */
  opts.lang = PARLEY_LANG_DE;
  opts.no_fallback = TRUE;
  de = parley_kb_search (f->kb, "Return shipping", &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (de->len, ==, 0);
}

static void
test_english_fallback (Fixture       *f,
                       gconstpointer  data)
{
  ParleySearchOptions opts = { PARLEY_LANG_FR, 5 };
  ParleySearchInfo info;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;

  ingest (f, NULL);
  /* No French documents at all: English hits, marked. */
  hits = parley_kb_search (f->kb, "express delivery", &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_true (info.fallback);
  g_assert_cmpuint (hits->len, >=, 1);
  g_assert_true (((ParleyHit *) hits->pdata[0])->fallback);
  g_assert_cmpstr (((ParleyHit *) hits->pdata[0])->rec.lang, ==, "en");

  opts.no_fallback = TRUE;
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = parley_kb_search (f->kb, "express delivery", &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 0);
}

static void
test_category_filter (Fixture       *f,
                      gconstpointer  data)
{
  ParleySearchOptions opts = { PARLEY_LANG_EN, 5, "shipping" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;

  ingest (f, NULL);
  hits = parley_kb_search (f->kb, "return shipping label delivery", &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (top_doc (hits), ==, "en/shipping.md");
}

static void
test_reingest_idempotent (Fixture       *f,
                          gconstpointer  data)
{
  ParleyIngestReport report;
  ParleyStoreStats before, after;
  g_autoptr(GPtrArray) hits = NULL;

  ingest (f, NULL);
  g_assert_true (parley_store_get_stats (f->store, &before, NULL));

  /* Unchanged: nothing written. */
  report = ingest (f, NULL);
  g_assert_cmpuint (report.unchanged, ==, 4);
  g_assert_cmpuint (report.added + report.updated, ==, 0);
  g_assert_true (parley_store_get_stats (f->store, &after, NULL));
  g_assert_cmpint (after.n_children, ==, before.n_children);
  g_assert_cmpint (after.n_tombstones, ==, 0);

  /* Changed: replaced, the old text is no longer found. */
  write_file (f, "en/shipping.md",
              "---\ntitle: Shipping options\nlang: en\n---\n\nCourier delivery by drone on Sundays.\n", -1);
  report = ingest (f, NULL);
  g_assert_cmpuint (report.updated, ==, 1);
  g_assert_cmpuint (report.unchanged, ==, 3);
  hits = search (f, "express next day", PARLEY_LANG_EN);
  for (guint i = 0; i < hits->len; i++)
    g_assert_null (strstr (((ParleyHit *) hits->pdata[i])->rec.text, "Express"));
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (f, "drone", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (hits), ==, "en/shipping.md");
}

static void
test_sync_deletes (Fixture       *f,
                   gconstpointer  data)
{
  ParleyIngestOptions opts = { PARLEY_LANG_UNKNOWN };
  ParleyIngestReport report;
  g_autofree char *gone = g_build_filename (f->docs, "en", "shipping.md", NULL);
  g_autoptr(GPtrArray) hits = NULL;

  ingest (f, NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);

  /* Without --sync a missing file is left alone. */
  report = ingest (f, NULL);
  g_assert_cmpuint (report.deleted, ==, 0);
  hits = search (f, "express delivery", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (hits), ==, "en/shipping.md");
  g_clear_pointer (&hits, g_ptr_array_unref);

  opts.sync = TRUE;
  report = ingest (f, &opts);
  g_assert_cmpuint (report.deleted, ==, 1);
  hits = search (f, "express delivery", PARLEY_LANG_EN);
  for (guint i = 0; i < hits->len; i++)
    g_assert_cmpstr (((ParleyHit *) hits->pdata[i])->rec.doc, !=, "en/shipping.md");
}

static gboolean
has_failure (Fixture    *f,
             const char *prefix)
{
  for (guint i = 0; i < f->failures->len; i++)
    if (g_str_has_prefix (f->failures->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

static void
test_bad_files (Fixture       *f,
                gconstpointer  data)
{
  static const char junk[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\xff\xfe\x00\x01binary";
  g_autofree char *big = g_build_filename (f->docs, "big.txt", NULL);
  ParleyIngestOptions opts = { PARLEY_LANG_EN };
  ParleyIngestReport report;
  ParleyStoreStats before, after;
  g_autoptr(GPtrArray) hits = NULL;
  int fd;

  ingest (f, NULL);
  g_assert_true (parley_store_get_stats (f->store, &before, NULL));

  write_file (f, "junk.md", junk, sizeof junk);
  write_file (f, "empty.md", "", 0);
  write_file (f, "blank.txt", "  \n\n \t\n", -1);
  write_file (f, "latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9" "e", -1);
  write_file (f, "truncated.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj <<", -1);
  /* 100 MB, sparse: the size limit refuses it before reading. */
  fd = g_open (big, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 100 * 1024 * 1024), ==, 0);
  close (fd);
  /* A changed document whose new version is broken keeps the old one. */
  write_file (f, "en/returns.md", "\xff\xfe\xfd broken", -1);

  opts.max_file_size = 32 * 1024 * 1024;
  report = ingest (f, &opts);
  g_assert_cmpuint (report.failed, ==, 7);
  g_assert_true (has_failure (f, "junk.md: "));
  g_assert_true (has_failure (f, "empty.md: "));
  g_assert_true (has_failure (f, "blank.txt: "));
  g_assert_true (has_failure (f, "latin1.txt: "));
  g_assert_true (has_failure (f, "truncated.pdf: "));
  g_assert_true (has_failure (f, "big.txt: too large"));
  g_assert_true (has_failure (f, "returns.md: "));

  /* Nothing stored was lost. */
  g_assert_true (parley_store_get_stats (f->store, &after, NULL));
  g_assert_cmpint (after.n_docs, ==, before.n_docs);
  g_assert_cmpint (after.n_children, ==, before.n_children);
  hits = search (f, "return window 30 days", PARLEY_LANG_EN);
  g_assert_cmpstr (top_doc (hits), ==, "en/returns.md");
}

static void
test_reindex_same_results (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  ParleyStoreStats stats;

  ingest (f, NULL);
  write_file (f, "en/shipping.md", "---\ntitle: Shipping\nlang: en\n---\n\nExpress delivery tomorrow.\n", -1);
  ingest (f, NULL);
  g_assert_true (parley_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpint (stats.n_tombstones, >, 0);

  g_assert_true (parley_kb_reindex (f->kb, &error));
  g_assert_no_error (error);
  g_assert_true (parley_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpint (stats.n_tombstones, ==, 0);
  after = search (f, "express delivery return", PARLEY_LANG_EN);

  /* The rebuilt index scores exactly as one built from scratch. */
  {
    g_autofree char *db = g_build_filename (f->dir, "fresh.db", NULL);
    const char *paths[] = { f->docs, NULL };
    g_autoptr(ParleyStore) store = parley_store_open (db, &error);
    g_autoptr(ParleyKb) kb = parley_kb_new (store);
    ParleySearchOptions opts = { PARLEY_LANG_EN, 5 };

    g_assert_true (parley_kb_ingest (kb, paths, NULL, NULL, NULL, NULL, &error));
    before = parley_kb_search (kb, "express delivery return", &opts, NULL, &error);
    g_assert_no_error (error);
  }

  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    {
      g_assert_cmpstr (((ParleyHit *) before->pdata[i])->rec.doc, ==, ((ParleyHit *) after->pdata[i])->rec.doc);
      g_assert_cmpfloat_with_epsilon (((ParleyHit *) before->pdata[i])->score,
                                      ((ParleyHit *) after->pdata[i])->score, 1e-4);
    }
}

static void
test_vectors_and_fusion (Fixture       *f,
                         gconstpointer  data)
{
  ParleyVectorIndex *index;
  g_autoptr(GPtrArray) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  ParleySearchOptions opts = { PARLEY_LANG_EN, 5, NULL, PARLEY_SEARCH_VECTOR };
  float shipping_vec[4] = { 0, 1, 0, 0 };
  float returns_vec[4] = { 1, 0, 0, 0 };
  gint64 shipping_id = 0, returns_id = 0;

  ingest (f, NULL);
  probe = search (f, "express delivery", PARLEY_LANG_EN);
  shipping_id = ((ParleyHit *) probe->pdata[0])->chunk_id;
  g_clear_pointer (&probe, g_ptr_array_unref);
  probe = search (f, "return window", PARLEY_LANG_EN);
  returns_id = ((ParleyHit *) probe->pdata[0])->chunk_id;

  /* Stored vectors load into the index, keyed by chunk and tagged by language. */
  g_assert_true (parley_kb_put_vector (f->kb, shipping_id, "test-model", shipping_vec, 4, &error));
  g_assert_true (parley_kb_put_vector (f->kb, returns_id, "test-model", returns_vec, 4, &error));
  g_assert_no_error (error);
  g_assert_true (parley_kb_load_vectors (f->kb, "test-model", &error));
  g_assert_no_error (error);
  index = parley_kb_get_vector_index (f->kb);
  g_assert_nonnull (index);
  g_assert_cmpuint (parley_vector_index_get_size (index), ==, 2);

  /* Vector search ranks by cosine. */
  opts.vector = (float[4]) { 0.1f, 0.9f, 0, 0 };
  opts.dim = 4;
  hits = parley_kb_search (f->kb, "anything", &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (top_doc (hits), ==, "en/shipping.md");
  g_assert_cmpuint (((ParleyHit *) hits->pdata[0])->vector_rank, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Hybrid: a document first in both lists wins; both ranks are reported. */
  opts.mode = PARLEY_SEARCH_HYBRID;
  hits = parley_kb_search (f->kb, "express delivery", &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (top_doc (hits), ==, "en/shipping.md");
  g_assert_cmpuint (((ParleyHit *) hits->pdata[0])->bm25_rank, ==, 1);
  g_assert_cmpuint (((ParleyHit *) hits->pdata[0])->vector_rank, ==, 1);
  g_assert_cmpfloat_with_epsilon (((ParleyHit *) hits->pdata[0])->score, 2.0 / 61.0, 1e-9);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* A query vector of the wrong size is refused. */
  opts.dim = 3;
  hits = parley_kb_search (f->kb, "express", &opts, NULL, &error);
  g_assert_null (hits);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Non-finite vectors are refused before they reach the store. */
  g_assert_false (parley_kb_put_vector (f->kb, shipping_id, "test-model", (float[4]) { NAN, 0, 0, 0 }, 4, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
}

static void
test_sample_kb (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "sample.db", NULL);
  g_autofree char *kb_dir = test_source_path ("data", "kb", NULL);
  const char *paths[] = { kb_dir, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyStore) store = parley_store_open (db, &error);
  g_autoptr(ParleyKb) kb = parley_kb_new (store);
  ParleyIngestReport report;
  ParleyStoreStats stats;

  g_assert_true (parley_kb_ingest (kb, paths, NULL, NULL, NULL, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.failed, ==, 0);
  g_assert_true (parley_store_get_stats (store, &stats, NULL));
  /* At least 30 articles in each language. */
  for (guint i = 0; i < PARLEY_N_LANGS; i++)
    g_assert_cmpint (stats.docs_per_lang[i], >=, 30);

  g_clear_object (&kb);
  g_clear_object (&store);
  test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/kb/ingest-and-search", test_ingest_and_search);
  ADD ("/kb/about-fields", test_about_fields);
  ADD ("/kb/fts-tokenizer", test_fts_tokenizer);
  ADD ("/kb/typo-and-language-filter", test_typo_and_language_filter);
  ADD ("/kb/english-fallback", test_english_fallback);
  ADD ("/kb/category-filter", test_category_filter);
  ADD ("/kb/reingest-idempotent", test_reingest_idempotent);
  ADD ("/kb/sync-deletes", test_sync_deletes);
  ADD ("/kb/bad-files", test_bad_files);
  ADD ("/kb/reindex-same-results", test_reindex_same_results);
  ADD ("/kb/vectors-and-fusion", test_vectors_and_fusion);
#undef ADD
  g_test_add_func ("/kb/sample-kb", test_sample_kb);

  return g_test_run ();
}
