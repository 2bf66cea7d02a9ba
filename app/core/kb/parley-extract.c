/* parley-extract.c — text and structure from Markdown, HTML, plain text and PDF
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-extract"

#include "config.h"

#include <cmark.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poppler.h>
#include <string.h>
#include <yaml.h>

#include "parley-error.h"
#include "parley-extract.h"

/* Titles longer than this (in characters) are cut: a plain-text file whose
 * first "line" is a whole chapter should not become a chapter-long title. */
#define TITLE_MAX_CHARS 256

/* Text with more control characters than one in this many is binary. */
#define BINARY_CONTROL_RATIO 10

/* libyaml's scanner takes time quadratic in the nesting depth of flow
 * collections ([[[[…), so deeper front matter is refused before parsing. */
#define FRONT_MATTER_MAX_DEPTH 64

/* cmark 0.30.2 takes time quadratic in the number of image openers ("![")
 * in one paragraph (CVE-2023-22486, fixed in 0.30.3): 10 000 of them take
 * a fraction of a second, 100 000 a minute and a half. */
#define MARKDOWN_MAX_IMAGES_PER_PARAGRAPH 10000

/* A PDF's "%PDF-" header must be within its first this many bytes. */
#define PDF_HEADER_WINDOW 1024

/* Not HTML_PARSE_NOBLANKS: libxml2 then drops the space between inline
 * elements it does not know (<mark>a</mark> <mark>b</mark> becomes "ab"),
 * and blank text costs nothing here since white space is collapsed anyway. */
#define HTML_PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
                            HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC)

#define XMP_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

#define DC_NAMESPACE "http://purl.org/dc/elements/1.1/"

/* ------------------------------------------------------------------------ */
/* Documents and blocks                                                      */
/* ------------------------------------------------------------------------ */

static void
block_free (gpointer data)
{
  ParleyBlock *block = data;

  g_free (block->text);
  g_free (block);
}

/**
 * parley_document_new:
 *
 * Returns: (transfer full): an empty document, for extractors and for
 *   callers that build one by hand
 */
ParleyDocument *
parley_document_new (void)
{
  ParleyDocument *doc = g_new0 (ParleyDocument, 1);

  doc->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  doc->blocks = g_ptr_array_new_with_free_func (block_free);
  return doc;
}

void
parley_document_free (ParleyDocument *doc)
{
  if (doc == NULL)
    return;

  g_free (doc->title);
  g_free (doc->lang);
  g_free (doc->category);
  g_clear_pointer (&doc->meta, g_hash_table_unref);
  g_clear_pointer (&doc->blocks, g_ptr_array_unref);
  g_free (doc);
}

/* Control characters other than white space, soft hyphens and stray byte
 * order marks: dropped from the text. */
static gboolean
is_dropped_char (gunichar c)
{
  return c < 0x20 ||
         c == 0x7f ||
         (c >= 0x80 && c < 0xa0) ||
         c == 0xad ||
         c == 0xfeff;
}

/* @len bytes of @text with runs of (Unicode) white space collapsed to one
 * space and trimmed, other control characters, soft hyphens and stray byte
 * order marks dropped; bytes that are not UTF-8 become U+FFFD.  NULL when
 * nothing is left. */
static char *
collapse_text (const char *text,
               gsize       len)
{
  g_autoptr(GString) out = g_string_sized_new (MIN (len, 4096));
  const char *p = text;
  const char *end = text + len;
  gboolean pending_space = FALSE;

  while (p < end)
    {
      gunichar c;
      gsize step;

      if (*p == '\0')
        {
          p++;
          continue;
        }

      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          c = 0xfffd;
          step = 1;
        }
      else
        {
          step = MAX (1, g_utf8_skip[*(const guchar *) p]);
        }
      p += step;

      if (g_unichar_isspace (c))
        {
          pending_space = out->len > 0;
          continue;
        }
      if (is_dropped_char (c))
        continue;

      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_unichar (out, c);
    }

  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
collapse_title (const char *text,
                gsize       len)
{
  char *title = collapse_text (text, len);

  if (title != NULL && g_utf8_strlen (title, -1) > TITLE_MAX_CHARS)
    {
      char *cut = g_utf8_substring (title, 0, TITLE_MAX_CHARS - 1);

      g_free (title);
      title = g_strconcat (g_strchomp (cut), "…", NULL);
      g_free (cut);
    }
  return title;
}

/* Sets *@field to the collapsed text unless it is already set. */
static void
document_set_field (char       **field,
                    const char  *text,
                    gsize        len)
{
  if (*field != NULL || text == NULL)
    return;
  *field = collapse_title (text, len);
}

typedef enum {
  META_REPLACE,   /* a later value replaces an earlier one (front matter keys) */
  META_APPEND,    /* values are joined with ", " as a list would be (repeated <meta>) */
} MetaMode;

#define MAX_META_VALUE (64 * 1024)

static void
document_add_meta (ParleyDocument *doc,
                   const char     *key,
                   gsize           key_len,
                   const char     *value,
                   gsize           value_len,
                   MetaMode        mode)
{
  g_autofree char *k = collapse_text (key, key_len);
  g_autofree char *v = collapse_text (value, value_len);
  g_autofree char *lower = NULL;
  const char *old;

  if (k == NULL || v == NULL)
    return;
  lower = g_ascii_strdown (k, -1);
  old = g_hash_table_lookup (doc->meta, lower);
  if (mode == META_APPEND && old != NULL)
    {
      if (strlen (old) + strlen (v) > MAX_META_VALUE)
        return;
      g_hash_table_replace (doc->meta, g_steal_pointer (&lower), g_strconcat (old, ", ", v, NULL));
      return;
    }
  g_hash_table_replace (doc->meta, g_steal_pointer (&lower), g_steal_pointer (&v));
}

/**
 * parley_document_add_block:
 * @len: length of @text in bytes, or -1 if it is NUL-terminated
 *
 * Appends a block with @text's white space collapsed; text that collapses
 * to nothing adds no block.
 */
void
parley_document_add_block (ParleyDocument  *doc,
                           ParleyBlockKind  kind,
                           guint            level,
                           const char      *text,
                           gssize           len)
{
  ParleyBlock *block;
  char *collapsed = collapse_text (text, len < 0 ? strlen (text) : (gsize) len);

  if (collapsed == NULL)
    return;

  block = g_new0 (ParleyBlock, 1);
  block->kind = kind;
  block->level = kind == PARLEY_BLOCK_HEADING ? CLAMP (level, 1, 6) : 0;
  block->text = collapsed;
  g_ptr_array_add (doc->blocks, block);
}

static void
document_title_from_h1 (ParleyDocument *doc)
{
  for (guint i = 0; doc->title == NULL && i < doc->blocks->len; i++)
    {
      const ParleyBlock *block = g_ptr_array_index (doc->blocks, i);

      if (block->kind == PARLEY_BLOCK_HEADING && block->level == 1)
        document_set_field (&doc->title, block->text, strlen (block->text));
    }
}

/* The last step of every extractor: a document without text is an error. */
static ParleyDocument *
document_finish (ParleyDocument  *doc,
                 const char      *empty_message,
                 GError         **error)
{
  if (doc->blocks->len == 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, empty_message);
      parley_document_free (doc);
      return NULL;
    }
  return doc;
}

/* ------------------------------------------------------------------------ */
/* Input validation for the text formats                                     */
/* ------------------------------------------------------------------------ */

/* Strips a UTF-8 byte order mark and checks that what is left is non-empty
 * UTF-8 text rather than binary data. */
static gboolean
check_text_input (const char **data,
                  gsize       *len,
                  GError     **error)
{
  const guchar *p;
  const char *invalid = NULL;
  gsize skipped = 0;
  gsize chars = 0;
  gsize controls = 0;

  if (*len >= 3 && memcmp (*data, "\xef\xbb\xbf", 3) == 0)
    {
      *data += 3;
      *len -= 3;
      skipped = 3;
    }

  if (*len == 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, "empty file");
      return FALSE;
    }

  if (skipped == 0 && *len >= 2 &&
      (memcmp (*data, "\xff\xfe", 2) == 0 || memcmp (*data, "\xfe\xff", 2) == 0))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING,
                           "not valid UTF-8 (UTF-16 text: convert it to UTF-8)");
      return FALSE;
    }

  if (memchr (*data, '\0', *len) != NULL)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "binary data, not text");
      return FALSE;
    }

  if (!g_utf8_validate_len (*data, *len, &invalid))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_ENCODING,
                   "not valid UTF-8 (byte offset %" G_GSIZE_FORMAT ")",
                   (gsize) (invalid - *data) + skipped);
      return FALSE;
    }

  p = (const guchar *) *data;
  for (gsize i = 0; i < *len; i++)
    {
      guchar b = p[i];

      if ((b & 0xc0) != 0x80)
        chars++;
      if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != '\v') ||
          b == 0x7f ||
          (b == 0xc2 && i + 1 < *len && p[i + 1] >= 0x80 && p[i + 1] < 0xa0))
        controls++;
    }

  if (controls > 0 && controls * BINARY_CONTROL_RATIO > chars)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "binary data, not text");
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* HTML                                                                      */
/* ------------------------------------------------------------------------ */

typedef enum {
  TAG_BLOCK   = 1 << 0,  /* its start and end separate text blocks */
  TAG_IGNORE  = 1 << 1,  /* its content is not part of the document's text */
  TAG_SKIP    = 1 << 2,  /* not even for the title or the first h1 */
  TAG_BREAK   = 1 << 3,  /* <br>: a line break inside a block */
  TAG_HEADING = 1 << 4,
} TagFlags;

typedef struct {
  const char *name;
  guint       flags;
  guint       level;
} TagInfo;

static const TagInfo html_tags[] = {
  { "address",    TAG_BLOCK, 0 },
  { "article",    TAG_BLOCK, 0 },
  { "aside",      TAG_BLOCK | TAG_IGNORE, 0 },
  { "audio",      TAG_IGNORE | TAG_SKIP, 0 },
  { "blockquote", TAG_BLOCK, 0 },
  { "body",       TAG_BLOCK, 0 },
  { "br",         TAG_BREAK, 0 },
  { "canvas",     TAG_IGNORE | TAG_SKIP, 0 },
  { "caption",    TAG_BLOCK, 0 },
  { "center",     TAG_BLOCK, 0 },
  { "dd",         TAG_BLOCK, 0 },
  { "details",    TAG_BLOCK, 0 },
  { "dialog",     TAG_BLOCK, 0 },
  { "dir",        TAG_BLOCK, 0 },
  { "div",        TAG_BLOCK, 0 },
  { "dl",         TAG_BLOCK, 0 },
  { "dt",         TAG_BLOCK, 0 },
  { "fieldset",   TAG_BLOCK, 0 },
  { "figcaption", TAG_BLOCK, 0 },
  { "figure",     TAG_BLOCK, 0 },
  { "footer",     TAG_BLOCK | TAG_IGNORE, 0 },
  { "form",       TAG_BLOCK | TAG_IGNORE, 0 },
  { "h1",         TAG_BLOCK | TAG_HEADING, 1 },
  { "h2",         TAG_BLOCK | TAG_HEADING, 2 },
  { "h3",         TAG_BLOCK | TAG_HEADING, 3 },
  { "h4",         TAG_BLOCK | TAG_HEADING, 4 },
  { "h5",         TAG_BLOCK | TAG_HEADING, 5 },
  { "h6",         TAG_BLOCK | TAG_HEADING, 6 },
  { "head",       TAG_BLOCK | TAG_IGNORE, 0 },
  { "header",     TAG_BLOCK | TAG_IGNORE, 0 },
  { "hgroup",     TAG_BLOCK, 0 },
  { "hr",         TAG_BLOCK, 0 },
  { "html",       TAG_BLOCK, 0 },
  { "iframe",     TAG_IGNORE | TAG_SKIP, 0 },
  { "legend",     TAG_BLOCK, 0 },
  { "li",         TAG_BLOCK, 0 },
  { "main",       TAG_BLOCK, 0 },
  { "menu",       TAG_BLOCK, 0 },
  { "nav",        TAG_BLOCK | TAG_IGNORE, 0 },
  { "noscript",   TAG_IGNORE | TAG_SKIP, 0 },
  { "ol",         TAG_BLOCK, 0 },
  { "p",          TAG_BLOCK, 0 },
  { "pre",        TAG_BLOCK, 0 },
  { "script",     TAG_IGNORE | TAG_SKIP, 0 },
  { "section",    TAG_BLOCK, 0 },
  { "style",      TAG_IGNORE | TAG_SKIP, 0 },
  { "summary",    TAG_BLOCK, 0 },
  { "svg",        TAG_IGNORE | TAG_SKIP, 0 },
  { "table",      TAG_BLOCK, 0 },
  { "tbody",      TAG_BLOCK, 0 },
  { "td",         TAG_BLOCK, 0 },
  { "template",   TAG_IGNORE | TAG_SKIP, 0 },
  { "tfoot",      TAG_BLOCK, 0 },
  { "th",         TAG_BLOCK, 0 },
  { "thead",      TAG_BLOCK, 0 },
  { "title",      TAG_BLOCK | TAG_IGNORE, 0 },
  { "tr",         TAG_BLOCK, 0 },
  { "ul",         TAG_BLOCK, 0 },
  { "video",      TAG_IGNORE | TAG_SKIP, 0 },
};

static const TagInfo *
html_tag_info (const xmlNode *node)
{
  static GHashTable *table = NULL;

  if (g_once_init_enter (&table))
    {
      GHashTable *t = g_hash_table_new (g_str_hash, g_str_equal);

      for (gsize i = 0; i < G_N_ELEMENTS (html_tags); i++)
        g_hash_table_insert (t, (gpointer) html_tags[i].name, (gpointer) &html_tags[i]);
      g_once_init_leave (&table, t);
    }

  if (node->type != XML_ELEMENT_NODE || node->name == NULL)
    return NULL;
  return g_hash_table_lookup (table, node->name);
}

static guint
html_tag_flags (const xmlNode *node)
{
  const TagInfo *info = html_tag_info (node);
  guint flags = info != NULL ? info->flags : 0;

  /* Content hidden with the `hidden` attribute is not shown to readers. */
  if (node->type == XML_ELEMENT_NODE && xmlHasProp (node, (const xmlChar *) "hidden") != NULL)
    flags |= TAG_IGNORE;
  return flags;
}

/* The node after @node in document order below @top, without entering
 * @node's children unless @descend.  Iterative: trees can be deep. */
static xmlNode *
html_next (xmlNode  *node,
           xmlNode  *top,
           gboolean  descend)
{
  if (descend && node->children != NULL)
    return node->children;

  while (node != NULL && node != top)
    {
      if (node->next != NULL)
        return node->next;
      node = node->parent;
    }
  return NULL;
}

/* All the text below @top (scripts and the like left out) appended to @out. */
static void
html_collect_text (xmlNode *top,
                   GString *out)
{
  for (xmlNode *node = top; node != NULL; )
    {
      gboolean descend = TRUE;

      if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE)
        {
          if (node->content != NULL)
            g_string_append (out, (const char *) node->content);
        }
      else if (node->type == XML_ELEMENT_NODE)
        {
          guint flags = html_tag_flags (node);

          if (flags & TAG_SKIP)
            descend = FALSE;
          else if (flags & (TAG_BLOCK | TAG_BREAK))
            g_string_append_c (out, ' ');
        }
      node = html_next (node, top, descend);
    }
}

static char *
html_get_prop (xmlNode    *node,
               const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy = NULL;

  if (value != NULL)
    copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

static gboolean
is_presentation_meta (const char *name)
{
  static const char * const names[] = {
    "viewport", "theme-color", "color-scheme", "format-detection", "referrer", NULL,
  };

  return g_strv_contains (names, name);
}

static void
html_read_meta (ParleyDocument *doc,
                xmlNode        *node)
{
  g_autofree char *name = html_get_prop (node, "name");
  g_autofree char *content = html_get_prop (node, "content");
  g_autofree char *key = NULL;

  if (name == NULL || content == NULL)
    return;

  key = g_ascii_strdown (g_strstrip (name), -1);
  if (g_str_equal (key, "category"))
    document_set_field (&doc->category, content, strlen (content));
  else if (g_str_equal (key, "language"))
    document_set_field (&doc->lang, content, strlen (content));
  else if (!is_presentation_meta (key))
    document_add_meta (doc, key, strlen (key), content, strlen (content), META_APPEND);
}

/* Title, language and <meta> from anywhere in the document. */
static void
html_read_head (ParleyDocument *doc,
                xmlNode        *root)
{
  g_autoptr(GString) h1 = NULL;
  g_autofree char *lang = html_get_prop (root, "lang");

  if (lang == NULL)
    lang = html_get_prop (root, "xml:lang");
  if (lang != NULL)
    document_set_field (&doc->lang, lang, strlen (lang));

  for (xmlNode *node = root; node != NULL; )
    {
      gboolean descend = TRUE;

      if (node->type == XML_ELEMENT_NODE)
        {
          const char *name = (const char *) node->name;

          if (html_tag_flags (node) & TAG_SKIP)
            {
              descend = FALSE;
            }
          else if (g_str_equal (name, "title") && doc->title == NULL)
            {
              g_autoptr(GString) text = g_string_new (NULL);

              html_collect_text (node, text);
              document_set_field (&doc->title, text->str, text->len);
              descend = FALSE;
            }
          else if (g_str_equal (name, "meta"))
            {
              html_read_meta (doc, node);
            }
          else if (g_str_equal (name, "h1") && h1 == NULL)
            {
              h1 = g_string_new (NULL);
              html_collect_text (node, h1);
              descend = FALSE;
            }
        }
      node = html_next (node, root, descend);
    }

  if (h1 != NULL)
    document_set_field (&doc->title, h1->str, h1->len);
}

typedef struct {
  ParleyDocument *doc;
  GString        *pending;
  guint           heading;
} HtmlWalker;

static void
html_flush (HtmlWalker *walker)
{
  if (walker->pending->len == 0)
    return;
  parley_document_add_block (walker->doc,
                      walker->heading > 0 ? PARLEY_BLOCK_HEADING : PARLEY_BLOCK_TEXT,
                      walker->heading,
                      walker->pending->str, walker->pending->len);
  g_string_truncate (walker->pending, 0);
}

/* Returns whether to walk @node's children. */
static gboolean
html_enter (HtmlWalker *walker,
            xmlNode    *node)
{
  const TagInfo *info;
  guint flags;

  if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE)
    {
      if (node->content != NULL)
        g_string_append (walker->pending, (const char *) node->content);
      return FALSE;
    }
  if (node->type != XML_ELEMENT_NODE)
    return FALSE;

  info = html_tag_info (node);
  flags = html_tag_flags (node);
  if (flags & TAG_BLOCK)
    html_flush (walker);
  if (flags & TAG_IGNORE)
    return FALSE;
  if (flags & TAG_BREAK)
    g_string_append_c (walker->pending, '\n');
  if (flags & TAG_HEADING)
    walker->heading = info->level;
  return TRUE;
}

static void
html_leave (HtmlWalker *walker,
            xmlNode    *node)
{
  guint flags;

  if (node->type != XML_ELEMENT_NODE)
    return;

  flags = html_tag_flags (node);
  if (flags & TAG_BLOCK)
    html_flush (walker);
  if ((flags & TAG_HEADING) && !(flags & TAG_IGNORE))
    walker->heading = 0;
}

/* Headings and text blocks of the tree below @top, in document order. */
static void
html_walk (ParleyDocument *doc,
           xmlNode        *top)
{
  HtmlWalker walker = { doc, g_string_new (NULL), 0 };
  xmlNode *node = top;

  while (node != NULL)
    {
      if (html_enter (&walker, node) && node->children != NULL)
        {
          node = node->children;
          continue;
        }

      while (node != NULL)
        {
          html_leave (&walker, node);
          if (node == top)
            node = NULL;
          else if (node->next != NULL)
            {
              node = node->next;
              break;
            }
          else
            node = node->parent;
        }
    }

  walker.heading = 0;
  html_flush (&walker);
  g_string_free (walker.pending, TRUE);
}

static htmlDocPtr
html_parse (const char  *data,
            gsize        len,
            GError     **error)
{
  htmlDocPtr html;

  if (len > G_MAXINT)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                           "too large to parse as HTML");
      return NULL;
    }

  /* The input is validated UTF-8: say so, so that a <meta charset> in the
   * page cannot make libxml2 decode it as something else. */
  html = htmlReadMemory (data, (int) len, NULL, "UTF-8", HTML_PARSE_OPTIONS);
  if (html == NULL || xmlDocGetRootElement (html) == NULL)
    {
      if (html != NULL)
        xmlFreeDoc (html);
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, "no text found");
      return NULL;
    }
  return html;
}

static ParleyDocument *
extract_html (const char  *data,
              gsize        len,
              GError     **error)
{
  g_autoptr(ParleyDocument) doc = NULL;
  htmlDocPtr html;
  xmlNode *root;

  if (!check_text_input (&data, &len, error))
    return NULL;
  if ((html = html_parse (data, len, error)) == NULL)
    return NULL;

  doc = parley_document_new ();
  root = xmlDocGetRootElement (html);
  html_read_head (doc, root);
  html_walk (doc, root);
  xmlFreeDoc (html);

  return document_finish (g_steal_pointer (&doc), "no text found", error);
}

/* ------------------------------------------------------------------------ */
/* Markdown                                                                  */
/* ------------------------------------------------------------------------ */

/* The length of the line at @p (up to @end) without its line ending and
 * trailing blanks; *@next is set to the start of the following line. */
static gsize
line_extent (const char  *p,
             const char  *end,
             const char **next)
{
  const char *nl = memchr (p, '\n', end - p);
  const char *stop = nl != NULL ? nl : end;

  *next = nl != NULL ? nl + 1 : end;
  while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
    stop--;
  return stop - p;
}

/* Whether the line at @p starts with "key:" */
static gboolean
looks_like_yaml_key (const char *p,
                     const char *end)
{
  const char *start = p;

  while (p < end && (g_ascii_isalnum (*p) || *p == '_' || *p == '-'))
    p++;
  return p > start && p < end && *p == ':' && (p + 1 == end || g_ascii_isspace (p[1]));
}

/* Finds a `---` front matter block at the start of @data.  *@yaml is NULL
 * when there is none; *@body is what follows it. */
static gboolean
split_front_matter (const char   *data,
                    gsize         len,
                    const char  **yaml,
                    gsize        *yaml_len,
                    const char  **body,
                    GError      **error)
{
  const char *end = data + len;
  const char *next;
  const char *p;

  *yaml = NULL;
  *yaml_len = 0;
  *body = data;

  if (line_extent (data, end, &next) != 3 || memcmp (data, "---", 3) != 0 || next == end)
    return TRUE;
  if (next[-1] != '\n')
    return TRUE;

  for (p = next; p < end; )
    {
      const char *line = p;
      gsize n = line_extent (line, end, &p);

      if (n == 3 && (memcmp (line, "---", 3) == 0 || memcmp (line, "...", 3) == 0))
        {
          *yaml = next;
          *yaml_len = line - next;
          *body = p;
          return TRUE;
        }
    }

  /* No closing line: a thematic break, unless the next line looks like the
   * start of front matter whose end was forgotten. */
  if (looks_like_yaml_key (next, end))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "front matter: no closing '---' line");
      return FALSE;
    }
  return TRUE;
}

static gboolean
yaml_scalar_is_null (const yaml_event_t *event)
{
  const char *value = (const char *) event->data.scalar.value;

  if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return FALSE;
  return event->data.scalar.length == 0 ||
         g_str_equal (value, "~") ||
         g_str_equal (value, "null") ||
         g_str_equal (value, "Null") ||
         g_str_equal (value, "NULL");
}

typedef struct {
  ParleyDocument *doc;
  int             depth;       /* open collections; 1 is the top mapping */
  gboolean        want_key;
  char           *key;         /* (nullable) the key of the current pair */
  GString        *value;       /* (nullable) its scalar or joined sequence */
} FrontMatter;

static void
front_matter_store (FrontMatter *fm)
{
  const char *key = fm->key;
  GString *value = fm->value;

  if (key != NULL && value != NULL && value->len > 0)
    {
      if (g_ascii_strcasecmp (key, "title") == 0)
        document_set_field (&fm->doc->title, value->str, value->len);
      else if (g_ascii_strcasecmp (key, "lang") == 0 || g_ascii_strcasecmp (key, "language") == 0)
        document_set_field (&fm->doc->lang, value->str, value->len);
      else if (g_ascii_strcasecmp (key, "category") == 0)
        document_set_field (&fm->doc->category, value->str, value->len);
      else
        document_add_meta (fm->doc, key, strlen (key), value->str, value->len, META_REPLACE);
    }

  g_clear_pointer (&fm->key, g_free);
  if (fm->value != NULL)
    g_string_free (g_steal_pointer (&fm->value), TRUE);
}

/* A node directly in the top mapping is complete: a key or a value. */
static void
front_matter_node_done (FrontMatter *fm,
                        const char  *scalar,
                        gsize        len)
{
  if (fm->want_key)
    {
      g_clear_pointer (&fm->key, g_free);
      fm->key = scalar != NULL ? collapse_text (scalar, len) : NULL;
      fm->want_key = FALSE;
      return;
    }

  if (scalar != NULL)
    {
      if (fm->value != NULL)
        g_string_free (fm->value, TRUE);
      fm->value = g_string_new_len (scalar, len);
    }
  front_matter_store (fm);
  fm->want_key = TRUE;
}

static gboolean
front_matter_event (FrontMatter         *fm,
                    const yaml_event_t  *event,
                    gboolean            *done,
                    GError             **error)
{
  switch (event->type)
    {
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
      *done = TRUE;
      break;

    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      if (fm->depth == 0 && event->type != YAML_MAPPING_START_EVENT)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "front matter: expected 'key: value' lines at line %lu",
                       (unsigned long) event->start_mark.line + 2);
          return FALSE;
        }
      /* A sequence as a value: its scalar items are joined. */
      if (fm->depth == 1 && !fm->want_key && event->type == YAML_SEQUENCE_START_EVENT)
        fm->value = g_string_new (NULL);
      fm->depth++;
      break;

    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      fm->depth--;
      if (fm->depth == 1)
        front_matter_node_done (fm, NULL, 0);
      break;

    case YAML_SCALAR_EVENT:
      if (fm->depth == 0)
        {
          if (yaml_scalar_is_null (event))
            break;
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "front matter: expected 'key: value' lines at line %lu",
                       (unsigned long) event->start_mark.line + 2);
          return FALSE;
        }
      if (fm->depth == 1)
        {
          if (yaml_scalar_is_null (event))
            front_matter_node_done (fm, NULL, 0);
          else
            front_matter_node_done (fm, (const char *) event->data.scalar.value,
                                    event->data.scalar.length);
        }
      else if (fm->depth == 2 && fm->value != NULL && !yaml_scalar_is_null (event))
        {
          g_autofree char *item = collapse_text ((const char *) event->data.scalar.value,
                                                 event->data.scalar.length);

          if (item != NULL)
            {
              if (fm->value->len > 0)
                g_string_append (fm->value, ", ");
              g_string_append (fm->value, item);
            }
        }
      break;

    case YAML_ALIAS_EVENT:
      if (fm->depth == 1)
        front_matter_node_done (fm, NULL, 0);
      break;

    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    default:
      break;
    }

  return TRUE;
}

/* Refuses flow collections nested deeper than FRONT_MATTER_MAX_DEPTH.
 * Brackets inside quoted strings count too: no real front matter comes near
 * the limit, so the rough count does no harm. */
static gboolean
check_front_matter_depth (const char  *yaml,
                          gsize        len,
                          GError     **error)
{
  gsize depth = 0;
  gsize line = 2;

  for (gsize i = 0; i < len; i++)
    {
      switch (yaml[i])
        {
        case '\n':
          line++;
          break;
        case '[':
        case '{':
          if (++depth > FRONT_MATTER_MAX_DEPTH)
            {
              g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "front matter: nested too deeply at line %" G_GSIZE_FORMAT, line);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          depth = depth > 0 ? depth - 1 : 0;
          break;
        default:
          break;
        }
    }
  return TRUE;
}

static gboolean
parse_front_matter (ParleyDocument  *doc,
                    const char      *yaml,
                    gsize            len,
                    GError         **error)
{
  FrontMatter fm = { doc, 0, TRUE, NULL, NULL };
  yaml_parser_t parser;
  gboolean done = FALSE;
  gboolean ok = TRUE;

  if (!check_front_matter_depth (yaml, len, error))
    return FALSE;

  if (!yaml_parser_initialize (&parser))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_FAILED,
                           "front matter: cannot create a YAML parser");
      return FALSE;
    }
  yaml_parser_set_input_string (&parser, (const unsigned char *) yaml, len);
  yaml_parser_set_encoding (&parser, YAML_UTF8_ENCODING);

  while (ok && !done)
    {
      yaml_event_t event;

      if (!yaml_parser_parse (&parser, &event))
        {
          /* Line numbers count from the file's first line, the opening ---. */
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "front matter: %s at line %lu",
                       parser.problem != NULL ? parser.problem : "invalid YAML",
                       (unsigned long) parser.problem_mark.line + 2);
          ok = FALSE;
          break;
        }
      ok = front_matter_event (&fm, &event, &done, error);
      yaml_event_delete (&event);
    }

  yaml_parser_delete (&parser);
  g_free (fm.key);
  if (fm.value != NULL)
    g_string_free (fm.value, TRUE);
  return ok;
}

static gboolean
is_table_delimiter_row (const char *line,
                        gsize       len)
{
  gboolean dash = FALSE;
  gboolean pipe = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      switch (line[i])
        {
        case '-':
          dash = TRUE;
          break;
        case '|':
          pipe = TRUE;
          break;
        case ':':
        case ' ':
        case '\t':
          break;
        default:
          return FALSE;
        }
    }
  return dash && pipe;
}

/* A paragraph's text with one line per source line.  A GFM-style pipe table
 * (which CommonMark parses as a paragraph) gives one block per row, cells
 * separated by " | ", the delimiter row dropped; anything else one block. */
static void
markdown_add_paragraph (ParleyDocument *doc,
                        GString        *text)
{
  g_auto(GStrv) lines = g_strsplit (text->str, "\n", -1);
  guint n_lines = g_strv_length (lines);

  if (n_lines < 2 ||
      strchr (lines[0], '|') == NULL ||
      !is_table_delimiter_row (lines[1], strlen (lines[1])))
    {
      parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, text->str, text->len);
      return;
    }

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(GString) row = g_string_new (NULL);
      g_auto(GStrv) cells = NULL;

      if (i == 1)
        continue;

      cells = g_strsplit (lines[i], "|", -1);
      for (guint j = 0; cells[j] != NULL; j++)
        {
          g_autofree char *cell = collapse_text (cells[j], strlen (cells[j]));

          if (cell == NULL)
            continue;
          if (row->len > 0)
            g_string_append (row, " | ");
          g_string_append (row, cell);
        }
      parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, row->str, row->len);
    }
}

/* Raw HTML in Markdown: its text, as HTML. */
static void
markdown_add_html (ParleyDocument *doc,
                   const char     *html,
                   gsize           len)
{
  htmlDocPtr parsed;

  if (html == NULL || len == 0)
    return;
  if ((parsed = html_parse (html, len, NULL)) == NULL)
    return;
  html_walk (doc, xmlDocGetRootElement (parsed));
  xmlFreeDoc (parsed);
}

static gboolean
is_br_tag (const char *html)
{
  return html != NULL &&
         g_ascii_strncasecmp (html, "<br", 3) == 0 &&
         !g_ascii_isalnum (html[3]);
}

static void
markdown_walk (ParleyDocument *doc,
               cmark_node     *root)
{
  cmark_iter *iter = cmark_iter_new (root);
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean in_text = FALSE;
  cmark_event_type event;

  while ((event = cmark_iter_next (iter)) != CMARK_EVENT_DONE)
    {
      cmark_node *node = cmark_iter_get_node (iter);
      const char *literal;

      switch (cmark_node_get_type (node))
        {
        case CMARK_NODE_PARAGRAPH:
        case CMARK_NODE_HEADING:
          if (event == CMARK_EVENT_ENTER)
            {
              g_string_truncate (text, 0);
              in_text = TRUE;
            }
          else
            {
              if (cmark_node_get_type (node) == CMARK_NODE_HEADING)
                parley_document_add_block (doc, PARLEY_BLOCK_HEADING,
                                    cmark_node_get_heading_level (node),
                                    text->str, text->len);
              else
                markdown_add_paragraph (doc, text);
              in_text = FALSE;
            }
          break;

        case CMARK_NODE_CODE_BLOCK:
          literal = cmark_node_get_literal (node);
          if (literal != NULL)
            parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, literal, strlen (literal));
          break;

        case CMARK_NODE_HTML_BLOCK:
          literal = cmark_node_get_literal (node);
          markdown_add_html (doc, literal, literal != NULL ? strlen (literal) : 0);
          break;

        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
          literal = cmark_node_get_literal (node);
          if (in_text && literal != NULL)
            g_string_append (text, literal);
          break;

        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
          if (in_text)
            g_string_append_c (text, '\n');
          break;

        case CMARK_NODE_HTML_INLINE:
          if (in_text && is_br_tag (cmark_node_get_literal (node)))
            g_string_append_c (text, ' ');
          break;

        /* Containers: their children carry the text.  Images keep their
         * alt text (the children) and lose their URL, as links do. */
        case CMARK_NODE_NONE:
        case CMARK_NODE_DOCUMENT:
        case CMARK_NODE_BLOCK_QUOTE:
        case CMARK_NODE_LIST:
        case CMARK_NODE_ITEM:
        case CMARK_NODE_CUSTOM_BLOCK:
        case CMARK_NODE_THEMATIC_BREAK:
        case CMARK_NODE_CUSTOM_INLINE:
        case CMARK_NODE_EMPH:
        case CMARK_NODE_STRONG:
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
        default:
          break;
        }
    }

  cmark_iter_free (iter);
}

/* Refuses input on which cmark would spend minutes: too many image openers
 * between two blank lines (a superset of one paragraph). */
static gboolean
check_markdown_complexity (const char  *body,
                           gsize        len,
                           GError     **error)
{
  const char *end = body + len;
  gsize images = 0;

  for (const char *p = body; p < end; )
    {
      const char *line = p;
      gsize n = line_extent (line, end, &p);
      gboolean blank = TRUE;

      for (gsize i = 0; i < n; i++)
        {
          if (!g_ascii_isspace (line[i]))
            blank = FALSE;
          if (line[i] == '!' && i + 1 < n && line[i + 1] == '[')
            images++;
        }
      if (blank)
        images = 0;

      if (images > MARKDOWN_MAX_IMAGES_PER_PARAGRAPH)
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "too complex to parse as Markdown (over %d images in one paragraph)",
                       MARKDOWN_MAX_IMAGES_PER_PARAGRAPH);
          return FALSE;
        }
    }
  return TRUE;
}

static ParleyDocument *
extract_markdown (const char  *data,
                  gsize        len,
                  GError     **error)
{
  g_autoptr(ParleyDocument) doc = NULL;
  const char *yaml = NULL;
  const char *body = NULL;
  gsize yaml_len = 0;
  cmark_node *root;

  if (!check_text_input (&data, &len, error))
    return NULL;
  if (!split_front_matter (data, len, &yaml, &yaml_len, &body, error))
    return NULL;

  doc = parley_document_new ();
  if (yaml != NULL && !parse_front_matter (doc, yaml, yaml_len, error))
    return NULL;

  if (!check_markdown_complexity (body, (data + len) - body, error))
    return NULL;

  root = cmark_parse_document (body, (data + len) - body, CMARK_OPT_DEFAULT);
  if (root == NULL)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_FAILED,
                           "could not parse Markdown");
      return NULL;
    }
  markdown_walk (doc, root);
  cmark_node_free (root);

  document_title_from_h1 (doc);
  return document_finish (g_steal_pointer (&doc), "no text found", error);
}

/* ------------------------------------------------------------------------ */
/* Plain text                                                                */
/* ------------------------------------------------------------------------ */

static gboolean
is_blank_line (const char *line,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/* Paragraphs of @len bytes of @text, split on blank lines.  Sets the title to
 * the first non-empty line when @doc has none. */
static void
text_add_paragraphs (ParleyDocument *doc,
                     const char     *text,
                     gsize           len,
                     gboolean        title_from_first_line)
{
  const char *end = text + len;
  const char *para = NULL;
  const char *para_end = NULL;

  for (const char *p = text; p < end; )
    {
      const char *line = p;
      gsize n = line_extent (line, end, &p);

      if (is_blank_line (line, n))
        {
          if (para != NULL)
            parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, para, para_end - para);
          para = NULL;
          continue;
        }

      if (title_from_first_line && doc->title == NULL)
        document_set_field (&doc->title, line, n);
      if (para == NULL)
        para = line;
      para_end = line + n;
    }

  if (para != NULL)
    parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, para, para_end - para);
}

static ParleyDocument *
extract_text (const char  *data,
              gsize        len,
              GError     **error)
{
  g_autoptr(ParleyDocument) doc = NULL;

  if (!check_text_input (&data, &len, error))
    return NULL;

  doc = parley_document_new ();
  text_add_paragraphs (doc, data, len, TRUE);
  return document_finish (g_steal_pointer (&doc), "no text found", error);
}

/* ------------------------------------------------------------------------ */
/* PDF                                                                       */
/* ------------------------------------------------------------------------ */

static gboolean
bytes_contain (const char *data,
               gsize       len,
               const char *needle)
{
  gsize n = strlen (needle);

  if (len < n)
    return FALSE;
  for (gsize i = len - n + 1; i-- > 0; )
    if (data[i] == needle[0] && memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* The text of the first rdf:li below @node, or of @node itself. */
static char *
xmp_node_text (xmlNode *node)
{
  g_autoptr(GString) text = g_string_new (NULL);
  xmlNode *li = NULL;

  for (xmlNode *n = node; n != NULL && li == NULL; n = html_next (n, node, TRUE))
    if (n->type == XML_ELEMENT_NODE && g_strcmp0 ((const char *) n->name, "li") == 0)
      li = n;

  html_collect_text (li != NULL ? li : node, text);
  return collapse_title (text->str, text->len);
}

/* dc:language (and dc:title, as a fallback) from the XMP metadata packet. */
static void
pdf_read_xmp (ParleyDocument *doc,
              const char     *xmp)
{
  xmlDocPtr xml;
  xmlNode *root;

  if (xmp == NULL || *xmp == '\0' || strlen (xmp) > G_MAXINT)
    return;
  xml = xmlReadMemory (xmp, (int) strlen (xmp), NULL, NULL, XMP_PARSE_OPTIONS);
  if (xml == NULL)
    return;

  root = xmlDocGetRootElement (xml);
  for (xmlNode *node = root; node != NULL; node = html_next (node, root, TRUE))
    {
      char **field = NULL;

      if (node->type != XML_ELEMENT_NODE || node->ns == NULL ||
          g_strcmp0 ((const char *) node->ns->href, DC_NAMESPACE) != 0)
        continue;

      if (g_strcmp0 ((const char *) node->name, "language") == 0)
        field = &doc->lang;
      else if (g_strcmp0 ((const char *) node->name, "title") == 0)
        field = &doc->title;

      if (field != NULL && *field == NULL)
        *field = xmp_node_text (node);
    }

  xmlFreeDoc (xml);
}

/* Splits a page's text into paragraphs: on blank lines, and where the layout
 * shows a vertical gap of more than half a line, or a jump back up (a new
 * column).  poppler_page_get_text() separates lines but not paragraphs. */
static void
pdf_add_page (ParleyDocument *doc,
              PopplerPage    *page)
{
  g_autofree char *text = poppler_page_get_text (page);
  g_autofree PopplerRectangle *rects = NULL;
  guint n_rects = 0;
  glong n_chars;
  const char *end;
  const char *para = NULL;
  const char *para_end = NULL;
  double prev_top = 0;
  double prev_bottom = 0;
  glong offset = 0;

  if (text == NULL || *text == '\0')
    return;

  n_chars = g_utf8_validate (text, -1, NULL) ? g_utf8_strlen (text, -1) : -1;
  if (!poppler_page_get_text_layout (page, &rects, &n_rects) || (glong) n_rects != n_chars)
    g_clear_pointer (&rects, g_free);

  end = text + strlen (text);
  for (const char *p = text; p < end; )
    {
      const char *line = p;
      gsize n = line_extent (line, end, &p);
      glong line_offset = offset;
      gboolean gap = FALSE;

      if (rects != NULL)
        offset += g_utf8_strlen (line, p - line);

      if (is_blank_line (line, n))
        {
          if (para != NULL)
            parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, para, para_end - para);
          para = NULL;
          continue;
        }

      if (rects != NULL)
        {
          const PopplerRectangle *r = &rects[line_offset];
          double top = MIN (r->y1, r->y2);
          double bottom = MAX (r->y1, r->y2);
          double height = MAX (bottom - top, prev_bottom - prev_top);

          if (para != NULL && (top - prev_bottom > height * 0.5 || top < prev_top - 1))
            gap = TRUE;
          prev_top = top;
          prev_bottom = bottom;
        }

      if (gap && para != NULL)
        {
          parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, para, para_end - para);
          para = NULL;
        }
      if (para == NULL)
        para = line;
      para_end = line + n;
    }

  if (para != NULL)
    parley_document_add_block (doc, PARLEY_BLOCK_TEXT, 0, para, para_end - para);
}

static ParleyDocument *
extract_pdf (GBytes  *bytes,
             GError **error)
{
  g_autoptr(ParleyDocument) doc = NULL;
  PopplerDocument *pdf;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *xmp = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  int n_pages;

  if (len == 0)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_EMPTY, "empty file");
      return NULL;
    }
  if (!bytes_contain (data, MIN (len, PDF_HEADER_WINDOW), "%PDF-"))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "not a PDF file");
      return NULL;
    }
  /* poppler rebuilds a missing cross-reference table and would quietly
   * return whatever pages survive in a cut-off file. */
  if (!bytes_contain (data, len, "%%EOF"))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "truncated PDF (no %%EOF marker)");
      return NULL;
    }

  pdf = poppler_document_new_from_bytes (bytes, NULL, &local_error);
  if (pdf == NULL)
    {
      if (g_error_matches (local_error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
        g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                             "encrypted PDF (needs a password)");
      else
        g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                     "damaged PDF (%s)",
                     local_error != NULL ? local_error->message : "unreadable");
      return NULL;
    }

  doc = parley_document_new ();
  title = poppler_document_get_title (pdf);
  if (title != NULL)
    document_set_field (&doc->title, title, strlen (title));
  xmp = poppler_document_get_metadata (pdf);
  pdf_read_xmp (doc, xmp);

  n_pages = poppler_document_get_n_pages (pdf);
  for (int i = 0; i < n_pages; i++)
    {
      PopplerPage *page = poppler_document_get_page (pdf, i);

      if (page != NULL)
        {
          pdf_add_page (doc, page);
          g_object_unref (page);
        }
    }
  g_object_unref (pdf);

  return document_finish (g_steal_pointer (&doc),
                          "no text found (the PDF may hold only images)", error);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */
/* ------------------------------------------------------------------------ */

ParleyFormat
parley_format_from_path (const char *path)
{
  static const struct {
    const char   *ext;
    ParleyFormat  format;
  } extensions[] = {
    { "md",       PARLEY_FORMAT_MARKDOWN },
    { "markdown", PARLEY_FORMAT_MARKDOWN },
    { "html",     PARLEY_FORMAT_HTML },
    { "htm",      PARLEY_FORMAT_HTML },
    { "xhtml",    PARLEY_FORMAT_HTML },
    { "txt",      PARLEY_FORMAT_TEXT },
    { "text",     PARLEY_FORMAT_TEXT },
    { "pdf",      PARLEY_FORMAT_PDF },
  };
  const char *base;
  const char *dot;

  if (path == NULL)
    return PARLEY_FORMAT_UNKNOWN;

  base = strrchr (path, G_DIR_SEPARATOR);
  base = base != NULL ? base + 1 : path;
  dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return PARLEY_FORMAT_UNKNOWN;

  for (gsize i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (dot + 1, extensions[i].ext) == 0)
      return extensions[i].format;
  return PARLEY_FORMAT_UNKNOWN;
}

const char *
parley_format_to_string (ParleyFormat format)
{
  switch (format)
    {
    case PARLEY_FORMAT_MARKDOWN: return "markdown";
    case PARLEY_FORMAT_HTML:     return "html";
    case PARLEY_FORMAT_TEXT:     return "text";
    case PARLEY_FORMAT_PDF:      return "pdf";
    case PARLEY_FORMAT_UNKNOWN:
    default:                     return "unknown";
    }
}

ParleyDocument *
parley_extract (ParleyFormat   format,
                GBytes        *bytes,
                GError       **error)
{
  const char *data;
  gsize len = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = "";

  switch (format)
    {
    case PARLEY_FORMAT_MARKDOWN:
      return extract_markdown (data, len, error);
    case PARLEY_FORMAT_HTML:
      return extract_html (data, len, error);
    case PARLEY_FORMAT_TEXT:
      return extract_text (data, len, error);
    case PARLEY_FORMAT_PDF:
      return extract_pdf (bytes, error);
    case PARLEY_FORMAT_UNKNOWN:
    default:
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                           "unsupported file format");
      return NULL;
    }
}
