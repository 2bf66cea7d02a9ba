/* test-extract.c — tests for the Markdown, HTML, text and PDF extractors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-extract"

#include "config.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <string.h>

#include "parley-error.h"
#include "parley-extract.h"
#include "test-utils.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static ParleyDocument *
extract_len (ParleyFormat  format,
             const char   *data,
             gsize         len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  ParleyDocument *doc = parley_extract (format, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  g_assert_nonnull (doc->meta);
  g_assert_nonnull (doc->blocks);
  g_assert_cmpuint (doc->blocks->len, >, 0);

  /* The invariants every caller relies on. */
  for (guint i = 0; i < doc->blocks->len; i++)
    {
      const ParleyBlock *block = g_ptr_array_index (doc->blocks, i);

      g_assert_nonnull (block->text);
      g_assert_cmpuint (strlen (block->text), >, 0);
      g_assert_true (g_utf8_validate (block->text, -1, NULL));
      g_assert_false (g_ascii_isspace (block->text[0]));
      g_assert_false (g_ascii_isspace (block->text[strlen (block->text) - 1]));
      g_assert_null (strstr (block->text, "  "));
      g_assert_null (strchr (block->text, '\n'));
      if (block->kind == PARLEY_BLOCK_HEADING)
        g_assert_true (block->level >= 1 && block->level <= 6);
      else
        g_assert_cmpuint (block->level, ==, 0);
    }
  if (doc->title != NULL)
    g_assert_true (g_utf8_validate (doc->title, -1, NULL));
  return doc;
}

static ParleyDocument *
extract (ParleyFormat  format,
         const char   *text)
{
  return extract_len (format, text, strlen (text));
}

/* Asserts that extraction fails with @code and a one-line message, which
 * is returned. */
static char *
extract_error_len (ParleyFormat  format,
                   const char   *data,
                   gsize         len,
                   ParleyError   code)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyDocument) doc = parley_extract (format, bytes, &error);

  g_assert_null (doc);
  g_assert_error (error, PARLEY_ERROR, (int) code);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  return g_strdup (error->message);
}

static char *
extract_error (ParleyFormat  format,
               const char   *text,
               ParleyError   code)
{
  return extract_error_len (format, text, strlen (text), code);
}

static void
assert_block (ParleyDocument  *doc,
              guint            index,
              ParleyBlockKind  kind,
              guint            level,
              const char      *text)
{
  const ParleyBlock *block;

  g_assert_cmpuint (index, <, doc->blocks->len);
  block = g_ptr_array_index (doc->blocks, index);
  g_assert_cmpstr (block->text, ==, text);
  g_assert_cmpint (block->kind, ==, kind);
  g_assert_cmpuint (block->level, ==, level);
}

static void
assert_heading (ParleyDocument *doc,
                guint           index,
                guint           level,
                const char     *text)
{
  assert_block (doc, index, PARLEY_BLOCK_HEADING, level, text);
}

static void
assert_text (ParleyDocument *doc,
             guint           index,
             const char     *text)
{
  assert_block (doc, index, PARLEY_BLOCK_TEXT, 0, text);
}

/* All block texts joined by "\n": for "contains" / "does not contain". */
static char *
all_text (ParleyDocument *doc)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < doc->blocks->len; i++)
    {
      const ParleyBlock *block = g_ptr_array_index (doc->blocks, i);

      g_string_append (all, block->text);
      g_string_append_c (all, '\n');
    }
  return g_string_free (all, FALSE);
}

static char *
read_fixture (const char *name,
              gsize      *len)
{
  g_autofree char *path = test_source_path ("tests", "data", "extract", name, NULL);

  return test_read_text (path, len);
}

/* ------------------------------------------------------------------------ */
/* Formats                                                                   */
/* ------------------------------------------------------------------------ */

static void
test_format_from_path (void)
{
  g_assert_cmpint (parley_format_from_path ("notes.md"), ==, PARLEY_FORMAT_MARKDOWN);
  g_assert_cmpint (parley_format_from_path ("/a/b/NOTES.MD"), ==, PARLEY_FORMAT_MARKDOWN);
  g_assert_cmpint (parley_format_from_path ("x.Markdown"), ==, PARLEY_FORMAT_MARKDOWN);
  g_assert_cmpint (parley_format_from_path ("index.html"), ==, PARLEY_FORMAT_HTML);
  g_assert_cmpint (parley_format_from_path ("index.HTM"), ==, PARLEY_FORMAT_HTML);
  g_assert_cmpint (parley_format_from_path ("page.xhtml"), ==, PARLEY_FORMAT_HTML);
  g_assert_cmpint (parley_format_from_path ("readme.txt"), ==, PARLEY_FORMAT_TEXT);
  g_assert_cmpint (parley_format_from_path ("readme.Text"), ==, PARLEY_FORMAT_TEXT);
  g_assert_cmpint (parley_format_from_path ("paper.PDF"), ==, PARLEY_FORMAT_PDF);
  g_assert_cmpint (parley_format_from_path ("archive.tar.pdf"), ==, PARLEY_FORMAT_PDF);
  g_assert_cmpint (parley_format_from_path ("notes.md.bak"), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path ("letter.doc"), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path ("README"), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path ("dir.md/README"), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path (".md"), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path ("trailing."), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path (""), ==, PARLEY_FORMAT_UNKNOWN);
  g_assert_cmpint (parley_format_from_path (NULL), ==, PARLEY_FORMAT_UNKNOWN);
}

static void
test_format_to_string (void)
{
  g_assert_cmpstr (parley_format_to_string (PARLEY_FORMAT_MARKDOWN), ==, "markdown");
  g_assert_cmpstr (parley_format_to_string (PARLEY_FORMAT_HTML), ==, "html");
  g_assert_cmpstr (parley_format_to_string (PARLEY_FORMAT_TEXT), ==, "text");
  g_assert_cmpstr (parley_format_to_string (PARLEY_FORMAT_PDF), ==, "pdf");
  g_assert_cmpstr (parley_format_to_string (PARLEY_FORMAT_UNKNOWN), ==, "unknown");
  g_assert_cmpstr (parley_format_to_string ((ParleyFormat) 99), ==, "unknown");
}

static void
test_format_unknown (void)
{
  g_autofree char *message = extract_error (PARLEY_FORMAT_UNKNOWN, "hello", PARLEY_ERROR_UNSUPPORTED);

  g_assert_cmpstr (message, ==, "unsupported file format");
}

/* ------------------------------------------------------------------------ */
/* Markdown                                                                  */
/* ------------------------------------------------------------------------ */

static void
test_markdown_structure (void)
{
  const char *md =
    "# Getting   started\n"
    "\n"
    "Intro with *emphasis*, **strong**, `inline code` and a\n"
    "[link](https://example.com/hidden-url) over two lines.\n"
    "\n"
    "## Install\n"
    "\n"
    "- first item\n"
    "- second item\n"
    "  - nested item\n"
    "\n"
    "1. ordered one\n"
    "2. ordered two\n"
    "\n"
    "> quoted text\n"
    "> more quote\n"
    "\n"
    "```sh\n"
    "make   install\n"
    "```\n"
    "\n"
    "Setext heading\n"
    "--------------\n"
    "\n"
    "![a cat on a mat](https://example.com/cat.png)\n"
    "\n"
    "###### Six\n"
    "\n"
    "---\n"
    "\n"
    "Line with hard  \n"
    "break and <b>inline</b> html.\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, md);
  g_autofree char *all = all_text (doc);

  assert_heading (doc, 0, 1, "Getting started");
  assert_text (doc, 1, "Intro with emphasis, strong, inline code and a link over two lines.");
  assert_heading (doc, 2, 2, "Install");
  assert_text (doc, 3, "first item");
  assert_text (doc, 4, "second item");
  assert_text (doc, 5, "nested item");
  assert_text (doc, 6, "ordered one");
  assert_text (doc, 7, "ordered two");
  assert_text (doc, 8, "quoted text more quote");
  assert_text (doc, 9, "make install");
  assert_heading (doc, 10, 2, "Setext heading");
  assert_text (doc, 11, "a cat on a mat");
  assert_heading (doc, 12, 6, "Six");
  assert_text (doc, 13, "Line with hard break and inline html.");
  g_assert_cmpuint (doc->blocks->len, ==, 14);

  g_assert_null (strstr (all, "https://"));
  g_assert_null (strstr (all, "cat.png"));
  g_assert_null (strstr (all, "<b>"));

  /* No front matter: the title is the first level-1 heading. */
  g_assert_cmpstr (doc->title, ==, "Getting started");
  g_assert_null (doc->lang);
  g_assert_null (doc->category);
  g_assert_cmpuint (g_hash_table_size (doc->meta), ==, 0);
}

static void
test_markdown_table (void)
{
  const char *md =
    "Before the table.\n"
    "\n"
    "| Name  | Value |\n"
    "|:------|------:|\n"
    "| alpha | 1     |\n"
    "| beta  | 2     |\n"
    "\n"
    "A | paragraph | with pipes\n"
    "but no delimiter row.\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, md);

  assert_text (doc, 0, "Before the table.");
  assert_text (doc, 1, "Name | Value");
  assert_text (doc, 2, "alpha | 1");
  assert_text (doc, 3, "beta | 2");
  assert_text (doc, 4, "A | paragraph | with pipes but no delimiter row.");
  g_assert_cmpuint (doc->blocks->len, ==, 5);
}

static void
test_markdown_html_block (void)
{
  const char *md =
    "Text before.\n"
    "\n"
    "<div class=\"note\">\n"
    "<p>Raw &amp; <em>HTML</em> paragraph</p>\n"
    "<script>alert('no')</script>\n"
    "</div>\n"
    "\n"
    "<!-- a comment -->\n"
    "\n"
    "Text after.\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, md);

  assert_text (doc, 0, "Text before.");
  assert_text (doc, 1, "Raw & HTML paragraph");
  assert_text (doc, 2, "Text after.");
  g_assert_cmpuint (doc->blocks->len, ==, 3);
}

static void
test_markdown_entities (void)
{
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_MARKDOWN, "Fish &amp; chips &eacute;t&eacute; &#x4E2D;&nbsp;&#25991; \\*star\\*\n");

  assert_text (doc, 0, "Fish & chips été 中 文 *star*");
}

static void
test_markdown_front_matter (void)
{
  const char *md =
    "---\n"
    "title: \"Setting up  the VPN\"\n"
    "lang: en\n"
    "category: IT / Network\n"
    "tags: [vpn, remote, \"how to\"]\n"
    "authors:\n"
    "  - Ada\n"
    "  - Grace\n"
    "Date: 2024-05-01\n"
    "draft: false\n"
    "empty:\n"
    "nested:\n"
    "  key: value\n"
    "description: >\n"
    "  A folded\n"
    "  description.\n"
    "---\n"
    "# The heading\n"
    "\n"
    "Body text.\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, md);

  g_assert_cmpstr (doc->title, ==, "Setting up the VPN");
  g_assert_cmpstr (doc->lang, ==, "en");
  g_assert_cmpstr (doc->category, ==, "IT / Network");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "tags"), ==, "vpn, remote, how to");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "authors"), ==, "Ada, Grace");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "date"), ==, "2024-05-01");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "draft"), ==, "false");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "description"), ==, "A folded description.");
  g_assert_false (g_hash_table_contains (doc->meta, "empty"));
  g_assert_false (g_hash_table_contains (doc->meta, "nested"));
  g_assert_false (g_hash_table_contains (doc->meta, "key"));
  g_assert_false (g_hash_table_contains (doc->meta, "title"));
  g_assert_false (g_hash_table_contains (doc->meta, "lang"));
  g_assert_false (g_hash_table_contains (doc->meta, "category"));
  g_assert_cmpuint (g_hash_table_size (doc->meta), ==, 5);

  /* The front matter is not body text. */
  assert_heading (doc, 0, 1, "The heading");
  assert_text (doc, 1, "Body text.");
  g_assert_cmpuint (doc->blocks->len, ==, 2);
}

static void
test_markdown_front_matter_variants (void)
{
  /* CRLF line endings, a BOM, "..." as the closing line, empty front matter. */
  {
    g_autoptr(ParleyDocument) doc =
      extract (PARLEY_FORMAT_MARKDOWN, "\xef\xbb\xbf---\r\ntitle: CRLF\r\n...\r\nBody\r\n");

    g_assert_cmpstr (doc->title, ==, "CRLF");
    assert_text (doc, 0, "Body");
    g_assert_cmpuint (doc->blocks->len, ==, 1);
  }
  {
    g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, "---\n---\nJust body\n");

    g_assert_null (doc->title);
    assert_text (doc, 0, "Just body");
  }
  /* A thematic break at the start with no closing line is not front matter. */
  {
    g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_MARKDOWN, "---\n\nAfter a rule\n");

    assert_text (doc, 0, "After a rule");
    g_assert_cmpuint (doc->blocks->len, ==, 1);
  }
  /* A thematic break that is not at the very start is not front matter. */
  {
    g_autoptr(ParleyDocument) doc =
      extract (PARLEY_FORMAT_MARKDOWN, "Intro\n\n---\ntitle: no\n---\n");

    g_assert_null (doc->title);
    assert_text (doc, 0, "Intro");
    assert_heading (doc, 1, 2, "title: no");
  }
  /* Unicode in the front matter. */
  {
    g_autoptr(ParleyDocument) doc =
      extract (PARLEY_FORMAT_MARKDOWN, "---\ntitle: 网络设置\nlang: zh\n---\n正文内容。\n");

    g_assert_cmpstr (doc->title, ==, "网络设置");
    g_assert_cmpstr (doc->lang, ==, "zh");
    assert_text (doc, 0, "正文内容。");
  }
}

static void
test_markdown_front_matter_errors (void)
{
  g_autofree char *bad_indent = NULL;
  g_autofree char *tab = NULL;
  g_autofree char *unclosed = NULL;
  g_autofree char *not_mapping = NULL;
  g_autofree char *list = NULL;
  g_autofree char *only = NULL;
  g_autofree char *only_empty = NULL;

  bad_indent = extract_error (PARLEY_FORMAT_MARKDOWN,
                              "---\ntitle: ok\n  bad: indent\n---\nBody\n",
                              PARLEY_ERROR_INVALID_INPUT);
  g_assert_true (g_str_has_prefix (bad_indent, "front matter: "));
  g_assert_nonnull (strstr (bad_indent, "mapping values are not allowed"));
  g_assert_true (g_str_has_suffix (bad_indent, " at line 3"));

  tab = extract_error (PARLEY_FORMAT_MARKDOWN,
                       "---\ntitle: ok\nlist:\n\t- tabbed\n---\nBody\n",
                       PARLEY_ERROR_INVALID_INPUT);
  g_assert_true (g_str_has_prefix (tab, "front matter: "));
  g_assert_true (g_str_has_suffix (tab, " at line 4"));

  unclosed = extract_error (PARLEY_FORMAT_MARKDOWN, "---\ntitle: x\n\nBody\n",
                            PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (unclosed, ==, "front matter: no closing '---' line");

  not_mapping = extract_error (PARLEY_FORMAT_MARKDOWN, "---\njust a sentence\n---\nBody\n",
                               PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (not_mapping, ==, "front matter: expected 'key: value' lines at line 2");

  list = extract_error (PARLEY_FORMAT_MARKDOWN, "---\n- a\n- b\n---\nBody\n",
                        PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (list, ==, "front matter: expected 'key: value' lines at line 2");

  only = extract_error (PARLEY_FORMAT_MARKDOWN, "---\ntitle: Nothing else\n---\n\n  \n",
                        PARLEY_ERROR_EMPTY);
  g_assert_cmpstr (only, ==, "no text found");

  only_empty = extract_error (PARLEY_FORMAT_MARKDOWN, "---\n---\n", PARLEY_ERROR_EMPTY);
  g_assert_cmpstr (only_empty, ==, "no text found");
}

static void
test_markdown_deep (void)
{
  /* 100 000 nested block quotes, then 20 000 nested list items. */
  {
    GString *md = g_string_new (NULL);
    g_autoptr(ParleyDocument) doc = NULL;

    for (guint i = 0; i < 100000; i++)
      g_string_append_c (md, '>');
    g_string_append (md, " deep quote\n\nafter\n");
    doc = extract_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len);
    g_string_free (md, TRUE);
    assert_text (doc, 0, "deep quote");
    assert_text (doc, 1, "after");
    g_assert_cmpuint (doc->blocks->len, ==, 2);
  }
  {
    GString *md = g_string_new (NULL);
    g_autoptr(ParleyDocument) doc = NULL;
    g_autofree char *all = NULL;

    for (guint i = 0; i < 20000; i++)
      g_string_append (md, "* ");
    g_string_append (md, "deep item\n");
    doc = extract_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len);
    g_string_free (md, TRUE);
    all = all_text (doc);
    g_assert_nonnull (strstr (all, "deep item"));
  }
  {
    GString *md = g_string_new (NULL);
    g_autoptr(ParleyDocument) doc = NULL;

    for (guint i = 0; i < 50000; i++)
      g_string_append (md, "*a [");
    g_string_append (md, "end\n");
    doc = extract_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len);
    g_string_free (md, TRUE);
    g_assert_true (g_str_has_suffix (((ParleyBlock *) g_ptr_array_index (doc->blocks, 0))->text, "end"));
  }
}

static void
test_markdown_pathological (void)
{
  /* Input on which the libraries would spend minutes is refused at once. */
  GString *md = g_string_new (NULL);
  g_autofree char *images = NULL;
  g_autofree char *deep_yaml = NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 100000; i++)
    g_string_append (md, "![[]()");
  images = extract_error_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len,
                              PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (images, ==, "too complex to parse as Markdown (over 10000 images in one paragraph)");

  g_string_assign (md, "---\ntitle: ok\nk: ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (md, '[');
  g_string_append (md, "\n---\nBody\n");
  deep_yaml = extract_error_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len,
                                 PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (deep_yaml, ==, "front matter: nested too deeply at line 3");

  /* Below the limits all is well. */
  g_string_assign (md, "---\nk: ");
  for (guint i = 0; i < 20; i++)
    g_string_append_c (md, '[');
  g_string_append (md, "x");
  for (guint i = 0; i < 20; i++)
    g_string_append_c (md, ']');
  g_string_append (md, "\n---\n");
  for (guint i = 0; i < 1000; i++)
    g_string_append (md, "![[]()");
  g_string_append (md, "\n\nEnd.\n");
  {
    g_autoptr(ParleyDocument) doc = extract_len (PARLEY_FORMAT_MARKDOWN, md->str, md->len);

    g_assert_cmpstr (g_hash_table_lookup (doc->meta, "k"), ==, NULL);
    assert_text (doc, doc->blocks->len - 1, "End.");
  }

  g_string_free (md, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

/* ------------------------------------------------------------------------ */
/* HTML                                                                      */
/* ------------------------------------------------------------------------ */

static void
test_html_structure (void)
{
  const char *html =
    "<!DOCTYPE html>\n"
    "<html><head><title>Page</title></head><body>\n"
    "<h1>Main   title</h1>\n"
    "<p>First <b>bold</b> and <a href=\"https://example.com/x\">linked</a> text.</p>\n"
    "<h2>Lists</h2>\n"
    "<ul><li>one</li><li>two <em>items</em><ul><li>nested</li></ul></li></ul>\n"
    "<h3>Table</h3>\n"
    "<table><tr><th>Key</th><td>Value</td></tr></table>\n"
    "<dl><dt>Term</dt><dd>Definition</dd></dl>\n"
    "<blockquote>Quoted words</blockquote>\n"
    "<pre>code   line\n  second</pre>\n"
    "<div>Direct div text<p>inner paragraph</p>div tail</div>\n"
    "<section>Section text</section>\n"
    "<article>Article text<br>after break</article>\n"
    "<h4>Four</h4><h5>Five</h5><h6>Six</h6>\n"
    "</body></html>\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_HTML, html);

  g_assert_cmpstr (doc->title, ==, "Page");
  assert_heading (doc, 0, 1, "Main title");
  assert_text (doc, 1, "First bold and linked text.");
  assert_heading (doc, 2, 2, "Lists");
  assert_text (doc, 3, "one");
  assert_text (doc, 4, "two items");
  assert_text (doc, 5, "nested");
  assert_heading (doc, 6, 3, "Table");
  assert_text (doc, 7, "Key");
  assert_text (doc, 8, "Value");
  assert_text (doc, 9, "Term");
  assert_text (doc, 10, "Definition");
  assert_text (doc, 11, "Quoted words");
  assert_text (doc, 12, "code line second");
  assert_text (doc, 13, "Direct div text");
  assert_text (doc, 14, "inner paragraph");
  assert_text (doc, 15, "div tail");
  assert_text (doc, 16, "Section text");
  assert_text (doc, 17, "Article text after break");
  assert_heading (doc, 18, 4, "Four");
  assert_heading (doc, 19, 5, "Five");
  assert_heading (doc, 20, 6, "Six");
  g_assert_cmpuint (doc->blocks->len, ==, 21);
}

static void
test_html_head (void)
{
  const char *html =
    "<html lang=\"de-CH\"><head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n"
    "<title>  Die   Anleitung </title>\n"
    "<meta name=\"Description\" content=\"Eine kurze Beschreibung\">\n"
    "<meta name=\"keywords\" content=\"vpn, netz\">\n"
    "<meta name=\"questions\" content=\"Wie komme ich ins Netz?\">\n"
    "<meta name=\"Questions\" content=\"VPN geht nicht\">\n"
    "<meta name=\"category\" content=\"Netzwerk\">\n"
    "<meta name=\"author\" content=\"\">\n"
    "<meta property=\"og:title\" content=\"ignored\">\n"
    "</head><body><h1>Überschrift</h1><p>Text.</p></body></html>";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_HTML, html);

  g_assert_cmpstr (doc->title, ==, "Die Anleitung");
  g_assert_cmpstr (doc->lang, ==, "de-CH");
  g_assert_cmpstr (doc->category, ==, "Netzwerk");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "description"), ==, "Eine kurze Beschreibung");
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "keywords"), ==, "vpn, netz");
  /* A repeated <meta> is a list, as in front matter. */
  g_assert_cmpstr (g_hash_table_lookup (doc->meta, "questions"), ==, "Wie komme ich ins Netz?, VPN geht nicht");
  g_assert_cmpuint (g_hash_table_size (doc->meta), ==, 3);
  /* The <title> is metadata, not a block. */
  assert_heading (doc, 0, 1, "Überschrift");
  assert_text (doc, 1, "Text.");
  g_assert_cmpuint (doc->blocks->len, ==, 2);
}

static void
test_html_title_from_h1 (void)
{
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_HTML,
             "<body><header><h1>In the <i>header</i></h1></header>"
             "<h1>Second h1</h1><p>Body</p></body>");

  /* The header is left out of the text, but its h1 is the first one. */
  g_assert_cmpstr (doc->title, ==, "In the header");
  g_assert_null (doc->lang);
  assert_heading (doc, 0, 1, "Second h1");
  assert_text (doc, 1, "Body");
  g_assert_cmpuint (doc->blocks->len, ==, 2);
}

static void
test_html_ignored (void)
{
  const char *html =
    "<html><head><style>body { color: red }</style>"
    "<script>var inHead = 1;</script></head><body>"
    "<header>Site header</header>"
    "<nav><ul><li>Home</li><li>About</li></ul></nav>"
    "<aside>Related links</aside>"
    "<main><p>Visible <script>document.write('inline script')</script>text</p>"
    "<noscript>Enable JavaScript</noscript>"
    "<template><p>Template content</p></template>"
    "<form><label>Search</label><input name=q><button>Go</button></form>"
    "<p hidden>Hidden paragraph</p>"
    "<svg><title>Icon title</title><text>svg text</text></svg>"
    "<p>Second visible</p></main>"
    "<footer>Copyright</footer>"
    "<!-- comment text -->"
    "</body></html>";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_HTML, html);
  g_autofree char *all = all_text (doc);

  assert_text (doc, 0, "Visible text");
  assert_text (doc, 1, "Second visible");
  g_assert_cmpuint (doc->blocks->len, ==, 2);
  g_assert_null (doc->title);
  g_assert_null (strstr (all, "color"));
  g_assert_null (strstr (all, "comment"));
}

static void
test_html_entities (void)
{
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_HTML,
             "<p>Fish &amp; chips &lt;tag&gt; caf&eacute; &euro;5 &#8364;6 &#x4E2D;&#25991;"
             "&nbsp;&nbsp;end &quot;q&quot; &copy;</p>"
             "<p title=\"a&amp;b\">&unknown; &amp</p>");

  assert_text (doc, 0, "Fish & chips <tag> café €5 €6 中文 end \"q\" ©");
  /* libxml2 leaves unknown entities and a bare "&amp" as written. */
  assert_text (doc, 1, "&unknown; &amp");
}

static void
test_html_inline_spaces (void)
{
  /* Spaces between inline elements, known to libxml2 or not, are kept. */
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_HTML,
             "<p><mark>foo</mark> <mark>bar</mark> x<sup>1</sup> <sup>2</sup> "
             "<my-el>a</my-el>\n<my-el>b</my-el> <b>c</b> <code>d</code></p>");

  assert_text (doc, 0, "foo bar x1 2 a b c d");
  g_assert_cmpuint (doc->blocks->len, ==, 1);
}

static void
test_html_charset (void)
{
  /* The page claims Latin-1 but is UTF-8 (validated): it stays UTF-8. */
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_HTML,
             "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
             "<meta charset=\"windows-1252\"><title>Café</title></head>"
             "<body><p>Crème brûlée — 中文</p></body></html>");

  g_assert_cmpstr (doc->title, ==, "Café");
  assert_text (doc, 0, "Crème brûlée — 中文");
}

static void
test_html_broken (void)
{
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_HTML,
             "<p>Unclosed paragraph<p>Next <b>bold <i>both</b> italic?</i>"
             "<div>in div</span></div></td></tr>Stray text<li>loose item");
  g_autofree char *all = all_text (doc);

  assert_text (doc, 0, "Unclosed paragraph");
  g_assert_nonnull (strstr (all, "Next bold both italic?"));
  g_assert_nonnull (strstr (all, "in div"));
  g_assert_nonnull (strstr (all, "Stray text"));
  g_assert_nonnull (strstr (all, "loose item"));
}

static void
test_html_deep (void)
{
  GString *html = g_string_new ("<p>start</p>");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyDocument) doc = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (html, "<div>");
  g_string_append (html, "deep");
  for (guint i = 0; i < 100000; i++)
    g_string_append (html, "</div>");
  g_string_append (html, "<p>end</p>");

  /* libxml2 stops at its depth limit (256): what came before is kept. */
  doc = extract_len (PARLEY_FORMAT_HTML, html->str, html->len);
  assert_text (doc, 0, "start");
  g_string_free (html, TRUE);

  /* Inline elements nest too. */
  html = g_string_new ("<p>");
  for (guint i = 0; i < 100000; i++)
    g_string_append (html, "<span><b>");
  g_string_append (html, "inline</p>");
  bytes = g_string_free_to_bytes (html);
  g_clear_pointer (&doc, parley_document_free);
  doc = parley_extract (PARLEY_FORMAT_HTML, bytes, &error);
  if (doc != NULL)
    g_assert_cmpuint (doc->blocks->len, >, 0);
  else
    g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY);
}

static void
test_html_large (void)
{
  GString *html = g_string_new ("<html><head><title>Large</title></head><body>\n");
  g_autoptr(ParleyDocument) doc = NULL;
  guint n = 0;

  /* Long paragraphs: few nodes, so that the test stays quick under ASan. */
  while (html->len < 5 * 1024 * 1024)
    {
      g_string_append_printf (html,
                              "<h2>Section %u</h2>\n"
                              "<p>Paragraph %u with <a href=\"#x\">a link</a>, "
                              "<b>bold</b> text &amp; an entity, long enough to look like "
                              "prose in a real page of documentation.",
                              n, n);
      for (guint i = 0; i < 20; i++)
        g_string_append (html, " The quick brown fox jumps over the lazy dog again and again.");
      g_string_append_printf (html, "</p>\n<ul><li>item %u</li></ul>\n", n);
      n++;
    }
  g_string_append (html, "</body></html>\n");

  doc = extract_len (PARLEY_FORMAT_HTML, html->str, html->len);
  g_string_free (html, TRUE);

  g_assert_cmpstr (doc->title, ==, "Large");
  g_assert_cmpuint (doc->blocks->len, ==, n * 3);
  assert_heading (doc, 0, 2, "Section 0");
  g_assert_true (g_str_has_prefix (((ParleyBlock *) g_ptr_array_index (doc->blocks, 1))->text,
                                   "Paragraph 0 with a link, bold text & an entity, long enough "
                                   "to look like prose in a real page of documentation. The quick "));
  g_assert_true (g_str_has_suffix (((ParleyBlock *) g_ptr_array_index (doc->blocks, 1))->text,
                                   "lazy dog again and again."));
  {
    g_autofree char *last_heading = g_strdup_printf ("Section %u", n - 1);
    g_autofree char *last_item = g_strdup_printf ("item %u", n - 1);

    assert_heading (doc, n * 3 - 3, 2, last_heading);
    assert_text (doc, n * 3 - 1, last_item);
  }
}

/* ------------------------------------------------------------------------ */
/* Plain text                                                                */
/* ------------------------------------------------------------------------ */

static void
test_text_paragraphs (void)
{
  const char *text =
    "\n"
    "   \n"
    "  The   Title line  \n"
    "continues here.\n"
    "\n"
    "\t\n"
    "Second\tparagraph\r\n"
    "on two lines.\r\n"
    "\r\n"
    "\r\n"
    "Third\fwith a form feed\n";
  g_autoptr(ParleyDocument) doc = extract (PARLEY_FORMAT_TEXT, text);

  g_assert_cmpstr (doc->title, ==, "The Title line");
  g_assert_null (doc->lang);
  g_assert_null (doc->category);
  assert_text (doc, 0, "The Title line continues here.");
  assert_text (doc, 1, "Second paragraph on two lines.");
  assert_text (doc, 2, "Third with a form feed");
  g_assert_cmpuint (doc->blocks->len, ==, 3);
}

static void
test_text_unicode (void)
{
  g_autoptr(ParleyDocument) doc =
    extract (PARLEY_FORMAT_TEXT,
             "\xef\xbb\xbf知识库说明\n\n"
             "这是第一段。 包含中文标点，以及 English words.\n\n"
             "soft\xc2\xadhyphen and\xc2\xa0no-break\xe2\x80\x83space\n");

  /* The BOM is not part of the title. */
  g_assert_cmpstr (doc->title, ==, "知识库说明");
  assert_text (doc, 0, "知识库说明");
  assert_text (doc, 1, "这是第一段。 包含中文标点，以及 English words.");
  assert_text (doc, 2, "softhyphen and no-break space");
}

static void
test_text_long_title (void)
{
  GString *text = g_string_new (NULL);
  g_autoptr(ParleyDocument) doc = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "word ");
  doc = extract_len (PARLEY_FORMAT_TEXT, text->str, text->len);
  g_string_free (text, TRUE);

  g_assert_cmpint (g_utf8_strlen (doc->title, -1), <=, 256);
  g_assert_cmpint (g_utf8_strlen (doc->title, -1), >=, 250);
  g_assert_true (g_str_has_prefix (doc->title, "word word "));
  g_assert_true (g_str_has_suffix (doc->title, "…"));
  g_assert_cmpuint (strlen (((ParleyBlock *) g_ptr_array_index (doc->blocks, 0))->text), ==, 999);
}

/* ------------------------------------------------------------------------ */
/* Bad input, for every text format                                          */
/* ------------------------------------------------------------------------ */

static const ParleyFormat text_formats[] = {
  PARLEY_FORMAT_MARKDOWN, PARLEY_FORMAT_HTML, PARLEY_FORMAT_TEXT,
};

static void
test_bad_binary (void)
{
  /* A PNG header and some pixels; control bytes without NULs; an ELF. */
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xff" "a";
  static const char controls[] = "ab\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13 text";
  static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0";
  guint8 junk[4096];
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);

  for (gsize f = 0; f < G_N_ELEMENTS (text_formats); f++)
    {
      g_autofree char *m1 = extract_error_len (text_formats[f], png, sizeof png - 1,
                                               PARLEY_ERROR_INVALID_INPUT);
      g_autofree char *m2 = extract_error_len (text_formats[f], controls, sizeof controls - 1,
                                               PARLEY_ERROR_INVALID_INPUT);
      g_autofree char *m3 = extract_error_len (text_formats[f], elf, sizeof elf - 1,
                                               PARLEY_ERROR_INVALID_INPUT);
      g_autofree char *m4 = extract_error_len (text_formats[f], (const char *) junk, sizeof junk,
                                               PARLEY_ERROR_INVALID_INPUT);

      g_assert_cmpstr (m1, ==, "binary data, not text");
      g_assert_cmpstr (m2, ==, "binary data, not text");
      g_assert_cmpstr (m3, ==, "binary data, not text");
      g_assert_cmpstr (m4, ==, "binary data, not text");
    }

  /* A few control characters in real text are tolerated and dropped. */
  {
    g_autoptr(ParleyDocument) doc =
      extract (PARLEY_FORMAT_TEXT, "A line with an \x1b[1mANSI\x1b[0m escape and a bell\x07.\n");

    assert_text (doc, 0, "A line with an [1mANSI[0m escape and a bell.");
  }
}

static void
test_bad_encoding (void)
{
  for (gsize f = 0; f < G_N_ELEMENTS (text_formats); f++)
    {
      g_autofree char *latin1 = extract_error (text_formats[f], "caf\xe9 au lait",
                                               PARLEY_ERROR_ENCODING);
      g_autofree char *bom = extract_error (text_formats[f], "\xef\xbb\xbf" "ab\xc3(",
                                            PARLEY_ERROR_ENCODING);
      g_autofree char *overlong = extract_error (text_formats[f], "x\xc0\xafy",
                                                 PARLEY_ERROR_ENCODING);
      g_autofree char *surrogate = extract_error (text_formats[f], "ok \xed\xa0\x80",
                                                  PARLEY_ERROR_ENCODING);
      g_autofree char *cut = extract_error (text_formats[f], "end \xe4\xb8", PARLEY_ERROR_ENCODING);
      g_autofree char *utf16 = extract_error_len (text_formats[f], "\xff\xfeh\0i\0", 6,
                                                  PARLEY_ERROR_ENCODING);

      g_assert_cmpstr (latin1, ==, "not valid UTF-8 (byte offset 3)");
      /* Offsets count from the start of the file, BOM included. */
      g_assert_cmpstr (bom, ==, "not valid UTF-8 (byte offset 5)");
      g_assert_cmpstr (overlong, ==, "not valid UTF-8 (byte offset 1)");
      g_assert_cmpstr (surrogate, ==, "not valid UTF-8 (byte offset 3)");
      g_assert_cmpstr (cut, ==, "not valid UTF-8 (byte offset 4)");
      g_assert_true (g_str_has_prefix (utf16, "not valid UTF-8 ("));
    }
}

static void
test_bad_empty (void)
{
  static const char * const whitespace[] = {
    "", "\xef\xbb\xbf", " ", "\n\n\n", " \t\r\n \f ", "\xc2\xa0\xe2\x80\x83\n",
  };

  for (gsize f = 0; f < G_N_ELEMENTS (text_formats); f++)
    for (gsize i = 0; i < G_N_ELEMENTS (whitespace); i++)
      {
        g_autofree char *message = extract_error (text_formats[f], whitespace[i],
                                                  PARLEY_ERROR_EMPTY);

        if (i < 2)
          g_assert_cmpstr (message, ==, "empty file");
        else
          g_assert_cmpstr (message, ==, "no text found");
      }

  /* Only markup. */
  {
    g_autofree char *html = extract_error (PARLEY_FORMAT_HTML,
                                           "<html><head><title>Only a title</title>"
                                           "<script>var x = 1;</script></head>"
                                           "<body><div> </div><img src=x.png><nav>Menu</nav>"
                                           "<!-- nothing --></body></html>",
                                           PARLEY_ERROR_EMPTY);
    g_autofree char *tags = extract_error (PARLEY_FORMAT_HTML, "<br><hr><p></p>",
                                           PARLEY_ERROR_EMPTY);
    g_autofree char *md = extract_error (PARLEY_FORMAT_MARKDOWN,
                                         "---\n\n***\n\n![](image.png)\n\n<!-- c -->\n\n#\n",
                                         PARLEY_ERROR_EMPTY);

    g_assert_cmpstr (html, ==, "no text found");
    g_assert_cmpstr (tags, ==, "no text found");
    g_assert_cmpstr (md, ==, "no text found");
  }
}

/* ------------------------------------------------------------------------ */
/* PDF                                                                       */
/* ------------------------------------------------------------------------ */

static cairo_status_t
write_to_array (void                *closure,
                const unsigned char *data,
                unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* A two-page PDF drawn with cairo; with @text FALSE, pages without text. */
static GBytes *
make_pdf (gboolean text)
{
  GByteArray *array = g_byte_array_new ();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (write_to_array, array, 595, 842);
  cairo_t *cr = cairo_create (surface);

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, "Cairo test document");
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);

  if (text)
    {
      cairo_move_to (cr, 60, 100);
      cairo_show_text (cr, "First paragraph, line one");
      cairo_move_to (cr, 60, 115);
      cairo_show_text (cr, "and line two.");
      cairo_move_to (cr, 60, 200);
      cairo_show_text (cr, "Second paragraph after a gap.");
    }
  else
    {
      cairo_rectangle (cr, 60, 60, 200, 100);
      cairo_fill (cr);
    }
  cairo_show_page (cr);

  if (text)
    {
      cairo_move_to (cr, 60, 100);
      cairo_show_text (cr, "Text on page two.");
    }
  cairo_show_page (cr);

  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (array);
}

static void
test_pdf_text (void)
{
  g_autoptr(GBytes) pdf = make_pdf (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyDocument) doc = parley_extract (PARLEY_FORMAT_PDF, pdf, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  g_assert_cmpstr (doc->title, ==, "Cairo test document");
  assert_text (doc, 0, "First paragraph, line one and line two.");
  assert_text (doc, 1, "Second paragraph after a gap.");
  assert_text (doc, 2, "Text on page two.");
  g_assert_cmpuint (doc->blocks->len, ==, 3);
}

static void
test_pdf_metadata (void)
{
  gsize len = 0;
  g_autofree char *data = read_fixture ("lang.pdf", &len);
  g_autoptr(ParleyDocument) doc = extract_len (PARLEY_FORMAT_PDF, data, len);

  /* The Info dictionary's title wins over XMP's dc:title. */
  g_assert_cmpstr (doc->title, ==, "Titre du document");
  g_assert_cmpstr (doc->lang, ==, "fr");
  assert_text (doc, 0, "Bonjour le monde");
  assert_text (doc, 1, "Un second paragraphe");
  g_assert_cmpuint (doc->blocks->len, ==, 2);
}

static void
test_pdf_bad (void)
{
  g_autoptr(GBytes) pdf = make_pdf (TRUE);
  g_autoptr(GBytes) blank = make_pdf (FALSE);
  gsize len = 0;
  const char *data = g_bytes_get_data (pdf, &len);
  const char *eof = NULL;

  /* Cut in half, and cut just before the final %%EOF. */
  for (gsize i = len - 5; i-- > 0; )
    if (memcmp (data + i, "%%EOF", 5) == 0)
      {
        eof = data + i;
        break;
      }
  g_assert_nonnull (eof);

  {
    g_autofree char *half = extract_error_len (PARLEY_FORMAT_PDF, data, len / 2,
                                               PARLEY_ERROR_INVALID_INPUT);
    g_autofree char *tail = extract_error_len (PARLEY_FORMAT_PDF, data, eof - data,
                                               PARLEY_ERROR_INVALID_INPUT);
    g_autofree char *head = extract_error_len (PARLEY_FORMAT_PDF, data, 8,
                                               PARLEY_ERROR_INVALID_INPUT);

    g_assert_cmpstr (half, ==, "truncated PDF (no %%EOF marker)");
    g_assert_cmpstr (tail, ==, "truncated PDF (no %%EOF marker)");
    g_assert_cmpstr (head, ==, "truncated PDF (no %%EOF marker)");
  }

  /* Not a PDF at all, given as one. */
  {
    g_autofree char *html = extract_error (PARLEY_FORMAT_PDF, "<html><body>hi</body></html>",
                                           PARLEY_ERROR_INVALID_INPUT);
    g_autofree char *empty = extract_error (PARLEY_FORMAT_PDF, "", PARLEY_ERROR_EMPTY);
    g_autofree char *garbage = extract_error (PARLEY_FORMAT_PDF,
                                              "%PDF-1.7\nthis is not really a PDF\n%%EOF\n",
                                              PARLEY_ERROR_INVALID_INPUT);

    g_assert_cmpstr (html, ==, "not a PDF file");
    g_assert_cmpstr (empty, ==, "empty file");
    g_assert_true (g_str_has_prefix (garbage, "damaged PDF ("));
  }

  /* A PDF with pages but no text. */
  {
    gsize blank_len = 0;
    const char *blank_data = g_bytes_get_data (blank, &blank_len);
    g_autofree char *message = extract_error_len (PARLEY_FORMAT_PDF, blank_data, blank_len,
                                                  PARLEY_ERROR_EMPTY);

    g_assert_true (g_str_has_prefix (message, "no text found"));
  }

  /* A PDF given as text or HTML is binary. */
  {
    g_autofree char *message = extract_error_len (PARLEY_FORMAT_TEXT, data, len,
                                                  PARLEY_ERROR_INVALID_INPUT);

    g_assert_cmpstr (message, ==, "binary data, not text");
  }
}

static void
test_pdf_encrypted (void)
{
  gsize len = 0;
  g_autofree char *data = read_fixture ("encrypted.pdf", &len);
  g_autofree char *message = extract_error_len (PARLEY_FORMAT_PDF, data, len,
                                                PARLEY_ERROR_UNSUPPORTED);

  g_assert_cmpstr (message, ==, "encrypted PDF (needs a password)");
}

/* ------------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/extract/format/from-path", test_format_from_path);
  g_test_add_func ("/extract/format/to-string", test_format_to_string);
  g_test_add_func ("/extract/format/unknown", test_format_unknown);
  g_test_add_func ("/extract/markdown/structure", test_markdown_structure);
  g_test_add_func ("/extract/markdown/table", test_markdown_table);
  g_test_add_func ("/extract/markdown/html-block", test_markdown_html_block);
  g_test_add_func ("/extract/markdown/entities", test_markdown_entities);
  g_test_add_func ("/extract/markdown/front-matter", test_markdown_front_matter);
  g_test_add_func ("/extract/markdown/front-matter-variants", test_markdown_front_matter_variants);
  g_test_add_func ("/extract/markdown/front-matter-errors", test_markdown_front_matter_errors);
  g_test_add_func ("/extract/markdown/deep", test_markdown_deep);
  g_test_add_func ("/extract/markdown/pathological", test_markdown_pathological);
  g_test_add_func ("/extract/html/structure", test_html_structure);
  g_test_add_func ("/extract/html/head", test_html_head);
  g_test_add_func ("/extract/html/title-from-h1", test_html_title_from_h1);
  g_test_add_func ("/extract/html/ignored", test_html_ignored);
  g_test_add_func ("/extract/html/entities", test_html_entities);
  g_test_add_func ("/extract/html/inline-spaces", test_html_inline_spaces);
  g_test_add_func ("/extract/html/charset", test_html_charset);
  g_test_add_func ("/extract/html/broken", test_html_broken);
  g_test_add_func ("/extract/html/deep", test_html_deep);
  g_test_add_func ("/extract/html/large", test_html_large);
  g_test_add_func ("/extract/text/paragraphs", test_text_paragraphs);
  g_test_add_func ("/extract/text/unicode", test_text_unicode);
  g_test_add_func ("/extract/text/long-title", test_text_long_title);
  g_test_add_func ("/extract/bad/binary", test_bad_binary);
  g_test_add_func ("/extract/bad/encoding", test_bad_encoding);
  g_test_add_func ("/extract/bad/empty", test_bad_empty);
  g_test_add_func ("/extract/pdf/text", test_pdf_text);
  g_test_add_func ("/extract/pdf/metadata", test_pdf_metadata);
  g_test_add_func ("/extract/pdf/bad", test_pdf_bad);
  g_test_add_func ("/extract/pdf/encrypted", test_pdf_encrypted);

  return g_test_run ();
}
