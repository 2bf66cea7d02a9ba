/* parley-extract.h — text and structure from Markdown, HTML, plain text and PDF
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PARLEY_FORMAT_UNKNOWN,
  PARLEY_FORMAT_MARKDOWN,
  PARLEY_FORMAT_HTML,
  PARLEY_FORMAT_TEXT,
  PARLEY_FORMAT_PDF,
} ParleyFormat;

typedef enum {
  PARLEY_BLOCK_HEADING,
  PARLEY_BLOCK_TEXT,
} ParleyBlockKind;

typedef struct {
  ParleyBlockKind  kind;
  guint            level;  /* 1..6 for headings, 0 for text */
  char            *text;   /* valid UTF-8, whitespace collapsed, never empty */
} ParleyBlock;

typedef struct {
  char       *title;      /* (nullable) front matter, <title>, first h1, PDF title */
  char       *lang;       /* (nullable) front matter lang, <html lang>, PDF metadata */
  char       *category;   /* (nullable) front matter category, <meta name="category"> */
  GHashTable *meta;       /* other scalar metadata: char* → char* (tags joined by ", ") */
  GPtrArray  *blocks;     /* ParleyBlock*, reading order; paragraphs and list items
                           * are separate TEXT blocks */
} ParleyDocument;

ParleyFormat    parley_format_from_path    (const char    *path);
const char     *parley_format_to_string    (ParleyFormat   format);
ParleyDocument *parley_extract             (ParleyFormat   format,
                                            GBytes        *bytes,
                                            GError       **error);
ParleyDocument *parley_document_new        (void);
void            parley_document_add_block  (ParleyDocument *doc,
                                            ParleyBlockKind kind,
                                            guint           level,
                                            const char     *text,
                                            gssize          len);
void            parley_document_free       (ParleyDocument *doc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyDocument, parley_document_free)

G_END_DECLS
