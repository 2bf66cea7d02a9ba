/* test-chunker.c — hierarchical chunking on headings and sentences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-test"

#include "config.h"

#include <string.h>

#include "parley-analyzer.h"
#include "parley-chunker.h"
#include "parley-extract.h"
#include "test-utils.h"

static void
add_heading (ParleyDocument *doc,
             guint           level,
             const char     *text)
{
  parley_document_add_block (doc, PARLEY_BLOCK_HEADING, level, text, -1);
}

static void
add_text (ParleyDocument *doc,
          const char     *text)
{
  parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, text, -1);
}

/* A sentence of exactly 10 tokens, recognisable by its first word. */
static char *
sentence10 (guint i)
{
  return g_strdup_printf ("Item%03u alpha beta gamma delta epsilon zeta eta theta iota.", i);
}

/* A sentence of @n tokens (n >= 2). */
static char *
sentence_n (guint i,
            guint n)
{
  static const char * const words[] = { "refund", "parcel", "order", "return", "label", "courier", "days" };
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_append_printf (s, "Item%03u", i);
  for (guint w = 1; w < n; w++)
    g_string_append_printf (s, " %s", words[(i + w) % G_N_ELEMENTS (words)]);
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* @n sentences from @first, as one paragraph. */
static char *
paragraph10 (guint first,
             guint n)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = first; i < first + n; i++)
    g_ptr_array_add (parts, sentence10 (i));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" ", (char **) parts->pdata);
}

static GPtrArray *
all_children (GPtrArray *parents)
{
  GPtrArray *children = g_ptr_array_new ();

  for (guint p = 0; p < parents->len; p++)
    {
      ParleyChunk *parent = parents->pdata[p];

      g_assert_nonnull (parent->children);
      g_assert_cmpuint (parent->children->len, >, 0);
      for (guint c = 0; c < parent->children->len; c++)
        {
          ParleyChunk *child = parent->children->pdata[c];

          g_assert_null (child->children);
          g_ptr_array_add (children, child);
        }
    }
  return children;
}

static gboolean
has_item (const ParleyChunk *chunk,
          guint              i)
{
  g_autofree char *marker = g_strdup_printf ("Item%03u ", i);

  return strstr (chunk->text, marker) != NULL;
}

/* The items of a chunk, in order of appearance. */
static GArray *
items_of (const ParleyChunk *chunk)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (guint));

  for (const char *p = strstr (chunk->text, "Item"); p != NULL; p = strstr (p + 4, "Item"))
    {
      guint i = (guint) g_ascii_strtoull (p + 4, NULL, 10);

      g_array_append_val (items, i);
    }
  return items;
}

static void
assert_counts_match (ParleyAnalyzer    *analyzer,
                     ParleyLang         lang,
                     const ParleyChunk *chunk)
{
  g_assert_cmpuint (chunk->n_tokens, ==, parley_analyzer_count_tokens (analyzer, lang, chunk->text, -1));
}

static void
test_headings (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  const ParleyChunkerOptions opts = { 1500, 40, 10 };
  /* Section i holds items 100 i, 100 i + 1, … */
  const char *expected[] = { NULL, "Returns", "Returns › Refunds", "Shipping › Abroad" };
  const guint n_items[] = { 2, 5, 5, 3 };
  g_autofree char *p0 = paragraph10 (0, 2);
  g_autofree char *p1 = paragraph10 (100, 5);
  g_autofree char *p2 = paragraph10 (200, 5);
  g_autofree char *p3 = paragraph10 (300, 3);

  /* Text before any heading, nested headings, a skipped level. */
  add_text (doc, p0);
  add_heading (doc, 1, "Returns");
  add_text (doc, p1);
  add_heading (doc, 2, "Refunds");
  add_text (doc, p2);
  add_heading (doc, 1, "Shipping");
  add_heading (doc, 3, "Abroad");
  add_text (doc, p3);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  g_assert_cmpuint (parents->len, ==, 1);
  g_assert_null (((ParleyChunk *) parents->pdata[0])->heading);
  /* A parent names the sections after its first. */
  g_assert_nonnull (strstr (((ParleyChunk *) parents->pdata[0])->text, "\nReturns › Refunds\n"));
  g_assert_nonnull (strstr (((ParleyChunk *) parents->pdata[0])->text, "\nShipping › Abroad\n"));
  g_assert_cmpuint (((ParleyChunk *) parents->pdata[0])->n_tokens, ==, 150);

  children = all_children (parents);
  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];
      g_autoptr(GArray) items = items_of (child);
      guint section;

      g_assert_cmpuint (items->len, >, 0);
      section = g_array_index (items, guint, 0) / 100;
      /* Never two sections in one child. */
      for (guint i = 0; i < items->len; i++)
        g_assert_cmpuint (g_array_index (items, guint, i) / 100, ==, section);
      g_assert_cmpuint (section, <, G_N_ELEMENTS (expected));
      g_assert_cmpstr (child->heading, ==, expected[section]);
      g_assert_null (strstr (child->text, "Returns"));
      g_assert_null (strstr (child->text, "Shipping"));
      assert_counts_match (analyzer, PARLEY_LANG_EN, child);
    }

  /* Every sentence is in some child. */
  for (guint s = 0; s < G_N_ELEMENTS (n_items); s++)
    for (guint i = 0; i < n_items[s]; i++)
      {
        guint item = s * 100 + i;
        gboolean found = FALSE;

        for (guint c = 0; c < children->len && !found; c++)
          found = has_item (children->pdata[c], item);
        g_assert_true (found);
      }
}

static const char *
last_child_heading (ParleyDocument *doc)
{
  static char buf[256];
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(GPtrArray) parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, NULL);
  g_autoptr(GPtrArray) children = all_children (parents);

  g_assert_cmpuint (children->len, >, 0);
  if (((ParleyChunk *) children->pdata[children->len - 1])->heading == NULL)
    return NULL;
  g_strlcpy (buf, ((ParleyChunk *) children->pdata[children->len - 1])->heading, sizeof buf);
  return buf;
}

static void
test_heading_paths (void)
{
  g_autoptr(ParleyDocument) doc = parley_document_new ();

  add_heading (doc, 1, "A");
  add_heading (doc, 2, "B");
  add_text (doc, "Text under B.");
  g_assert_cmpstr (last_child_heading (doc), ==, "A › B");

  add_heading (doc, 3, "C");
  add_text (doc, "Text under C.");
  g_assert_cmpstr (last_child_heading (doc), ==, "A › B › C");

  /* A sibling replaces B, and drops C. */
  add_heading (doc, 2, "D");
  add_text (doc, "Text under D.");
  g_assert_cmpstr (last_child_heading (doc), ==, "A › D");

  /* A new top level heading starts afresh; skipped levels leave no gap. */
  add_heading (doc, 1, "E");
  add_heading (doc, 4, "F");
  add_text (doc, "Text under F.");
  g_assert_cmpstr (last_child_heading (doc), ==, "E › F");

  /* Out of range levels are clamped to 1..6. */
  add_heading (doc, 0, "G");
  add_text (doc, "Text under G.");
  g_assert_cmpstr (last_child_heading (doc), ==, "G");
  add_heading (doc, 9, "H");
  add_text (doc, "Text under H.");
  g_assert_cmpstr (last_child_heading (doc), ==, "G › H");
}

static void
test_child_size (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GPtrArray) sentences = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree char *text = NULL;
  const ParleyChunkerOptions opts = { 10000, 60, 15 };
  guint lens[80];
  guint last_item = 0;

  /* 80 sentences of 4 to 25 tokens, and one of 80 (longer than a child,
   * shorter than 1.5 children: kept whole). */
  for (guint i = 0; i < G_N_ELEMENTS (lens); i++)
    {
      lens[i] = i == 40 ? 80 : (guint) g_rand_int_range (rand, 4, 26);
      g_ptr_array_add (sentences, sentence_n (i, lens[i]));
      g_assert_cmpuint (parley_analyzer_count_tokens (analyzer, PARLEY_LANG_EN, sentences->pdata[i], -1), ==,
                        lens[i]);
    }
  g_ptr_array_add (sentences, NULL);
  text = g_strjoinv (" ", (char **) sentences->pdata);
  add_heading (doc, 1, "Section");
  add_text (doc, text);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  g_assert_cmpuint (parents->len, ==, 1);
  children = all_children (parents);
  g_assert_cmpuint (children->len, >, 15);

  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];
      g_autoptr(GArray) items = items_of (child);
      guint sum = 0;

      assert_counts_match (analyzer, PARLEY_LANG_EN, child);
      for (guint i = 0; i < items->len; i++)
        {
          sum += lens[g_array_index (items, guint, i)];
          /* Consecutive sentences, in order. */
          if (i > 0)
            g_assert_cmpuint (g_array_index (items, guint, i), ==, g_array_index (items, guint, i - 1) + 1);
        }
      g_assert_cmpuint (child->n_tokens, ==, sum);

      /* At most a child's worth, unless one sentence alone is longer. */
      if (items->len > 1)
        g_assert_cmpuint (child->n_tokens, <=, opts.child_tokens);
      else
        g_assert_cmpuint (child->n_tokens, >, 0);
      if (g_array_index (items, guint, 0) <= 40 && 40 <= g_array_index (items, guint, items->len - 1))
        {
          g_assert_cmpuint (items->len, ==, 1);
          g_assert_cmpuint (child->n_tokens, ==, 80);
        }

      /* Filled as far as the next sentence allows. */
      if (c + 1 < children->len)
        {
          guint next = g_array_index (items, guint, items->len - 1) + 1;

          g_assert_cmpuint (child->n_tokens + lens[next], >, opts.child_tokens);
        }

      /* Always moving forward, to the very last sentence. */
      g_assert_cmpuint (g_array_index (items, guint, items->len - 1), >=, last_item);
      if (c > 0)
        g_assert_cmpuint (g_array_index (items, guint, items->len - 1), >, last_item);
      last_item = g_array_index (items, guint, items->len - 1);
    }
  g_assert_cmpuint (last_item, ==, G_N_ELEMENTS (lens) - 1);
}

static void
test_overlap (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autofree char *text = paragraph10 (0, 50);
  g_autofree char *probe = sentence10 (0);
  const ParleyChunkerOptions opts = { 10000, 100, 30 };

  g_assert_cmpuint (parley_analyzer_count_tokens (analyzer, PARLEY_LANG_EN, probe, -1), ==, 10);
  add_text (doc, text);
  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  children = all_children (parents);

  /* 50 sentences of 10 tokens: children of 10 sentences, each starting
   * 3 sentences (30 tokens) before the end of the previous one. */
  g_assert_cmpuint (children->len, ==, 7);
  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];
      g_autoptr(GArray) items = items_of (child);
      guint first = 7 * c;

      g_assert_cmpuint (items->len, ==, MIN (10, 50 - first));
      g_assert_cmpuint (g_array_index (items, guint, 0), ==, first);
      g_assert_cmpuint (child->n_tokens, ==, 10 * items->len);
      if (c > 0)
        {
          ParleyChunk *prev = children->pdata[c - 1];
          guint shared = 0;

          for (guint i = 0; i < items->len; i++)
            shared += has_item (prev, g_array_index (items, guint, i)) ? 10 : 0;
          g_assert_cmpuint (shared, ==, opts.overlap_tokens);
          /* The shared text is the same text. */
          {
            g_autofree char *s1 = sentence10 (first);
            g_autofree char *s3 = sentence10 (first + 2);
            const char *in_prev = strstr (prev->text, s1);

            g_assert_nonnull (in_prev);
            g_assert_true (g_str_has_suffix (prev->text, s3));
            g_assert_true (g_str_has_prefix (child->text, s1));
          }
        }
    }
}

static void
test_overlap_varied (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GPtrArray) sentences = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree char *text = NULL;
  const ParleyChunkerOptions opts = { 10000, 80, 20 };
  guint lens[120];

  for (guint i = 0; i < G_N_ELEMENTS (lens); i++)
    {
      lens[i] = (guint) g_rand_int_range (rand, 3, 19);
      g_ptr_array_add (sentences, sentence_n (i, lens[i]));
    }
  g_ptr_array_add (sentences, NULL);
  text = g_strjoinv (" ", (char **) sentences->pdata);
  add_text (doc, text);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  children = all_children (parents);
  g_assert_cmpuint (children->len, >, 5);
  for (guint c = 1; c < children->len; c++)
    {
      g_autoptr(GArray) prev = items_of (children->pdata[c - 1]);
      g_autoptr(GArray) cur = items_of (children->pdata[c]);
      guint prev_last = g_array_index (prev, guint, prev->len - 1);
      guint first = g_array_index (cur, guint, 0);
      guint shared = 0;

      /* Sentences are at most 18 tokens, so some fit in 20 tokens of
       * overlap: the next child starts inside the previous one... */
      g_assert_cmpuint (first, <=, prev_last);
      g_assert_cmpuint (first, >, g_array_index (prev, guint, 0));
      for (guint i = first; i <= prev_last; i++)
        shared += lens[i];
      /* ...repeating about overlap_tokens: no more, and not a sentence less
       * than could fit. */
      g_assert_cmpuint (shared, <=, opts.overlap_tokens);
      if (first > g_array_index (prev, guint, 0) + 1)
        g_assert_cmpuint (shared + lens[first - 1], >, opts.overlap_tokens);
    }
}

static void
test_parents (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  const ParleyChunkerOptions opts = { 120, 40, 10 };
  g_autofree char *long_text = paragraph10 (600, 30);
  guint next_item;

  /* Six sections of 50 tokens: two fit in a parent of 120, three do not. */
  for (guint s = 0; s < 6; s++)
    {
      g_autofree char *heading = g_strdup_printf ("Small %u", s);
      g_autofree char *text = paragraph10 (s * 100, 5);

      add_heading (doc, 2, heading);
      add_text (doc, text);
    }
  /* Then one section of 300 tokens, split across parents. */
  add_heading (doc, 2, "Long");
  add_text (doc, long_text);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  g_assert_cmpuint (parents->len, ==, 3 + 3);

  for (guint p = 0; p < 3; p++)
    {
      ParleyChunk *parent = parents->pdata[p];
      g_autofree char *heading = g_strdup_printf ("Small %u", 2 * p);
      g_autofree char *second = g_strdup_printf ("\n\nSmall %u\n", 2 * p + 1);
      g_autoptr(GArray) items = items_of (parent);

      g_assert_cmpstr (parent->heading, ==, heading);
      g_assert_cmpuint (parent->n_tokens, ==, 100);
      g_assert_nonnull (strstr (parent->text, second));
      g_assert_cmpuint (items->len, ==, 10);
      for (guint i = 0; i < parent->children->len; i++)
        {
          ParleyChunk *child = parent->children->pdata[i];
          g_autoptr(GArray) child_items = items_of (child);

          /* Children stay within their parent's sections. */
          for (guint j = 0; j < child_items->len; j++)
            g_assert_cmpuint (g_array_index (child_items, guint, j) / 200, ==, p);
          g_assert_cmpuint (child->n_tokens, <=, opts.child_tokens);
        }
    }

  /* The long section: 120 + 120 + 60 tokens, the sentences in order, none
   * repeated across parents, each parent with children of its own part. */
  next_item = 600;
  for (guint p = 3; p < parents->len; p++)
    {
      ParleyChunk *parent = parents->pdata[p];
      g_autoptr(GArray) items = items_of (parent);

      g_assert_cmpstr (parent->heading, ==, "Long");
      g_assert_cmpuint (parent->n_tokens, ==, p < 5 ? 120 : 60);
      g_assert_null (strstr (parent->text, "Long"));
      for (guint i = 0; i < items->len; i++)
        g_assert_cmpuint (g_array_index (items, guint, i), ==, next_item++);
      for (guint c = 0; c < parent->children->len; c++)
        {
          ParleyChunk *child = parent->children->pdata[c];
          g_autoptr(GArray) child_items = items_of (child);

          g_assert_cmpstr (child->heading, ==, "Long");
          g_assert_nonnull (strstr (parent->text, child->text));
          g_assert_cmpuint (g_array_index (child_items, guint, 0), >=, g_array_index (items, guint, 0));
          g_assert_cmpuint (g_array_index (child_items, guint, child_items->len - 1), <=,
                            g_array_index (items, guint, items->len - 1));
        }
    }
  g_assert_cmpuint (next_item, ==, 630);
}

static void
test_long_sentence (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) joined = g_string_new (NULL);
  const ParleyChunkerOptions opts = { 100000, 100, 20 };

  /* 1,000 words, no punctuation at all (a table dump, a PDF without stops). */
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (text, "%sw%04u", i > 0 ? " " : "", i);
  add_text (doc, text->str);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, &opts);
  children = all_children (parents);
  g_assert_cmpuint (children->len, >=, 8);
  g_assert_cmpuint (children->len, <=, 12);

  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];
      guint real = parley_analyzer_count_tokens (analyzer, PARLEY_LANG_EN, child->text, -1);
      g_auto(GStrv) words = g_strsplit (child->text, " ", -1);

      g_assert_cmpuint (real, >, 0);
      g_assert_cmpuint (real, <=, opts.child_tokens + opts.child_tokens / 10);
      /* Cut at white space: whole words only. */
      for (guint w = 0; words[w] != NULL; w++)
        {
          g_assert_cmpuint (strlen (words[w]), ==, 5);
          g_assert_cmpint (words[w][0], ==, 'w');
        }
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, child->text);
    }
  /* The pieces add up to the sentence (no overlap: no piece fits in it). */
  g_assert_cmpstr (joined->str, ==, text->str);
}

/* Han characters in @text. */
static guint
count_han (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN)
      n++;
  return n;
}

static void
test_chinese (void)
{
  static const char * const zh[] = {
    "我们支持七天无理由退货。",
    "退款会在三个工作日内到账。",
    "请保留好原始包装和发票。",
    "国际订单的运费由买家承担！",
    "如果商品有质量问题我们承担运费。",
    "您可以在订单页面申请退货吗？",
  };
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GString) para = g_string_new (NULL);
  const ParleyChunkerOptions opts = { 1000, 40, 16 };
  guint total = 0;

  for (guint i = 0; i < 18; i++)
    g_string_append (para, zh[i % G_N_ELEMENTS (zh)]);
  total = count_han (para->str);
  add_heading (doc, 1, "退货政策");
  add_text (doc, para->str);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_ZH, doc, &opts);
  g_assert_cmpuint (parents->len, ==, 1);
  /* One token per Han character; the sentences joined without spaces. */
  g_assert_cmpuint (((ParleyChunk *) parents->pdata[0])->n_tokens, ==, total);
  g_assert_cmpstr (((ParleyChunk *) parents->pdata[0])->text, ==, para->str);

  children = all_children (parents);
  g_assert_cmpuint (children->len, >=, total / opts.child_tokens);
  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];

      g_assert_cmpstr (child->heading, ==, "退货政策");
      g_assert_null (strchr (child->text, ' '));
      g_assert_nonnull (strstr (para->str, child->text));
      g_assert_cmpuint (child->n_tokens, ==, count_han (child->text));
      g_assert_cmpuint (child->n_tokens, <=, opts.child_tokens);
      if (c + 1 < children->len)
        g_assert_cmpuint (child->n_tokens, >, opts.child_tokens / 2);
      assert_counts_match (analyzer, PARLEY_LANG_ZH, child);
      /* Consecutive children overlap by a sentence or so. */
      if (c > 0)
        {
          ParleyChunk *prev = children->pdata[c - 1];
          const char *first_stop = NULL;
          g_autofree char *first_sentence = NULL;

          for (const char *p = child->text; *p != '\0' && first_stop == NULL; p = g_utf8_next_char (p))
            if (g_str_has_prefix (p, "。") || g_str_has_prefix (p, "！") || g_str_has_prefix (p, "？"))
              first_stop = p;
          g_assert_nonnull (first_stop);
          first_sentence = g_strndup (child->text, first_stop - child->text);
          g_assert_nonnull (strstr (prev->text, first_sentence));
        }
    }
}

static void
test_chinese_long_sentence (void)
{
  static const char han[] = "退款运费订单包装发票质量问题工作日";
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) joined = g_string_new (NULL);
  const ParleyChunkerOptions opts = { 100000, 50, 10 };

  /* 600 Han characters, no punctuation, no spaces. */
  while (g_utf8_strlen (text->str, -1) < 600)
    g_string_append (text, han);
  add_text (doc, text->str);

  parents = parley_chunk_document (analyzer, PARLEY_LANG_ZH, doc, &opts);
  children = all_children (parents);
  g_assert_cmpuint (children->len, >=, 8);
  for (guint c = 0; c < children->len; c++)
    {
      ParleyChunk *child = children->pdata[c];

      g_assert_true (g_utf8_validate (child->text, -1, NULL));
      g_assert_null (strchr (child->text, ' '));
      g_assert_cmpuint (count_han (child->text), <=, opts.child_tokens + opts.child_tokens / 10);
      g_string_append (joined, child->text);
    }
  g_assert_cmpstr (joined->str, ==, text->str);
}

static void
test_paragraphs (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) doc = parley_document_new ();
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) children = NULL;

  add_heading (doc, 1, "Notes");
  add_text (doc, "First paragraph. It has two sentences.");
  add_text (doc, "Second paragraph.");
  add_text (doc, "多语言文本。");

  parents = parley_chunk_document (analyzer, PARLEY_LANG_EN, doc, NULL);
  children = all_children (parents);
  g_assert_cmpuint (children->len, ==, 1);
  /* Paragraphs stay apart by a line break, sentences by a space. */
  g_assert_cmpstr (((ParleyChunk *) children->pdata[0])->text, ==,
                   "First paragraph. It has two sentences.\nSecond paragraph.\n多语言文本。");
}

static void
test_no_text (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(ParleyDocument) empty = parley_document_new ();
  g_autoptr(ParleyDocument) headings = parley_document_new ();
  g_autoptr(ParleyDocument) marks = parley_document_new ();
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) only_headings = NULL;
  g_autoptr(GPtrArray) only_marks = NULL;

  none = parley_chunk_document (analyzer, PARLEY_LANG_EN, empty, NULL);
  g_assert_nonnull (none);
  g_assert_cmpuint (none->len, ==, 0);

  add_heading (headings, 1, "Title");
  add_heading (headings, 2, "Chapter");
  add_heading (headings, 3, "Section");
  add_heading (headings, 2, "Another chapter");
  only_headings = parley_chunk_document (analyzer, PARLEY_LANG_EN, headings, NULL);
  g_assert_cmpuint (only_headings->len, ==, 0);

  /* Text without a single word (a divider) makes no chunk either. */
  add_heading (marks, 1, "Title");
  add_text (marks, "* * *");
  add_text (marks, "—");
  only_marks = parley_chunk_document (analyzer, PARLEY_LANG_EN, marks, NULL);
  g_assert_cmpuint (only_marks->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/chunker/headings", test_headings);
  g_test_add_func ("/chunker/heading-paths", test_heading_paths);
  g_test_add_func ("/chunker/child-size", test_child_size);
  g_test_add_func ("/chunker/overlap", test_overlap);
  g_test_add_func ("/chunker/overlap-varied", test_overlap_varied);
  g_test_add_func ("/chunker/parents", test_parents);
  g_test_add_func ("/chunker/long-sentence", test_long_sentence);
  g_test_add_func ("/chunker/chinese", test_chinese);
  g_test_add_func ("/chunker/chinese-long-sentence", test_chinese_long_sentence);
  g_test_add_func ("/chunker/paragraphs", test_paragraphs);
  g_test_add_func ("/chunker/no-text", test_no_text);

  return g_test_run ();
}
