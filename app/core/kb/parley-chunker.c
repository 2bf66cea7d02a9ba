/* parley-chunker.c — hierarchical chunking on heading and sentence boundaries
 *
 * A document becomes sections (a heading path and its sentences). Parents
 * pack whole sections up to ~1,500 tokens; a section longer than that is cut
 * between sentences. Within a parent, each section is cut into children of
 * ~300 tokens that start on a sentence boundary and repeat the last ~60
 * tokens of the previous child, so that an answer that straddles a cut is
 * still found whole in one child. Children never cross a heading.
 *
 * Tokens are words and numbers, and one per CJK character (roughly what a
 * model's tokenizer counts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-kb"

#include "config.h"

#include <string.h>

#include "parley-chunker.h"

typedef struct {
  char     *text;
  guint     n_tokens;
  gboolean  para_start;   /* first sentence of a block */
} Sentence;

typedef struct {
  char   *heading;
  GArray *sentences;      /* Sentence */
  guint   n_tokens;
} Section;

static void
sentence_clear (gpointer data)
{
  g_free (((Sentence *) data)->text);
}

static void
section_free (Section *section)
{
  g_free (section->heading);
  g_array_unref (section->sentences);
  g_free (section);
}

static Section *
section_new (const char *heading)
{
  Section *section = g_new0 (Section, 1);

  section->heading = g_strdup (heading);
  section->sentences = g_array_new (FALSE, FALSE, sizeof (Sentence));
  g_array_set_clear_func (section->sentences, sentence_clear);
  return section;
}

void
parley_chunk_free (ParleyChunk *chunk)
{
  if (chunk == NULL)
    return;
  g_free (chunk->heading);
  g_free (chunk->text);
  g_clear_pointer (&chunk->children, g_ptr_array_unref);
  g_free (chunk);
}

typedef struct {
  Section  *section;
  gboolean  para_start;
  guint     max_tokens;
} SplitState;

static void
append_sentence (Section    *section,
                 char       *text,
                 guint       n_tokens,
                 gboolean    para_start)
{
  Sentence s = { text, n_tokens, para_start };

  g_array_append_val (section->sentences, s);
  section->n_tokens += n_tokens;
}

/* A "sentence" without punctuation longer than a child is cut into pieces
 * of about @max tokens, at white space where there is some. */
static void
add_sentence_cb (const char *sentence,
                 gsize       len,
                 guint       n_tokens,
                 gpointer    user_data)
{
  SplitState *st = user_data;
  glong n_chars;
  guint pieces;
  const char *p = sentence;

  if (n_tokens <= st->max_tokens + st->max_tokens / 2)
    {
      append_sentence (st->section, g_strndup (sentence, len), n_tokens, st->para_start);
      st->para_start = FALSE;
      return;
    }

  n_chars = g_utf8_strlen (sentence, len);
  pieces = (n_tokens + st->max_tokens - 1) / st->max_tokens;
  for (guint i = 0; i < pieces && p < sentence + len; i++)
    {
      const char *end;

      if (i == pieces - 1)
        end = sentence + len;
      else
        {
          const char *limit;

          end = g_utf8_offset_to_pointer (p, MAX (1, n_chars / pieces));
          if (end > sentence + len)
            end = sentence + len;
          /* Move to the next white space, if one is near. */
          limit = end + 64 < sentence + len ? end + 64 : sentence + len;
          for (const char *q = end; q < limit; q++)
            if (*q == ' ')
              {
                end = q;
                break;
              }
        }
      while (p < end && *p == ' ')
        p++;
      if (end > p)
        append_sentence (st->section, g_strndup (p, end - p),
                         MAX (1, n_tokens / pieces), st->para_start);
      st->para_start = FALSE;
      p = end;
    }
}

static char *
heading_path (GPtrArray *stack)
{
  g_autoptr(GString) path = g_string_new (NULL);

  for (guint i = 0; i < stack->len; i++)
    {
      if (stack->pdata[i] == NULL)
        continue;
      if (path->len > 0)
        g_string_append (path, " › ");
      g_string_append (path, stack->pdata[i]);
    }
  return path->len > 0 ? g_string_free (g_steal_pointer (&path), FALSE) : NULL;
}

static GPtrArray *
build_sections (ParleyAnalyzer       *analyzer,
                ParleyLang            lang,
                const ParleyDocument *doc,
                guint                 max_sentence_tokens)
{
  GPtrArray *sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();   /* borrowed heading texts, index = level - 1 */
  Section *current = NULL;

  for (guint i = 0; i < doc->blocks->len; i++)
    {
      const ParleyBlock *block = doc->blocks->pdata[i];
      SplitState st;

      if (block->kind == PARLEY_BLOCK_HEADING)
        {
          guint level = CLAMP (block->level, 1, 6);

          g_ptr_array_set_size (stack, level);
          stack->pdata[level - 1] = block->text;
          current = NULL;
          continue;
        }

      if (current == NULL)
        {
          g_autofree char *path = heading_path (stack);

          current = section_new (path);
          g_ptr_array_add (sections, current);
        }

      st = (SplitState) { current, TRUE, max_sentence_tokens };
      parley_analyzer_sentences (analyzer, lang, block->text, -1, add_sentence_cb, &st);
    }

  /* Headings with no text under them leave empty sections behind. */
  for (guint i = sections->len; i > 0; i--)
    if (((Section *) sections->pdata[i - 1])->n_tokens == 0)
      g_ptr_array_remove_index (sections, i - 1);

  return sections;
}

/* CJK text is written without spaces between sentences. */
static gboolean
is_cjk (gunichar c)
{
  return c >= 0x2E80 && (c < 0xA000 || (c >= 0xF900 && c < 0xFB00) || (c >= 0xFF00 && c < 0xFFF0));
}

static void
join_sentence (GString        *out,
               const Sentence *s)
{
  if (out->len > 0)
    {
      gunichar last = g_utf8_get_char (g_utf8_prev_char (out->str + out->len));

      if (s->para_start)
        g_string_append_c (out, '\n');
      else if (!is_cjk (last) || !is_cjk (g_utf8_get_char (s->text)))
        g_string_append_c (out, ' ');
    }
  g_string_append (out, s->text);
}

static ParleyChunk *
make_chunk (const char *heading,
            GArray     *sentences,
            guint       from,
            guint       to)
{
  ParleyChunk *chunk = g_new0 (ParleyChunk, 1);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = from; i < to; i++)
    {
      const Sentence *s = &g_array_index (sentences, Sentence, i);

      join_sentence (text, s);
      chunk->n_tokens += s->n_tokens;
    }
  chunk->heading = g_strdup (heading);
  chunk->text = g_string_free (g_steal_pointer (&text), FALSE);
  return chunk;
}

/* Children of sentences [from, to) of one section. */
static void
add_children (ParleyChunk                *parent,
              const Section              *section,
              guint                       from,
              guint                       to,
              const ParleyChunkerOptions *opts)
{
  guint start = from;

  while (start < to)
    {
      guint end = start, tokens = 0, next;

      /* Fill up to the target; always take at least one sentence. */
      while (end < to)
        {
          guint n = g_array_index (section->sentences, Sentence, end).n_tokens;

          if (end > start && tokens + n > opts->child_tokens)
            break;
          tokens += n;
          end++;
        }

      g_ptr_array_add (parent->children, make_chunk (section->heading, section->sentences, start, end));
      if (end >= to)
        break;

      /* The next child starts far enough back to repeat ~overlap tokens,
       * always moves forward, and leaves room for sentence @end: else it
       * would only repeat part of this child. */
      next = end;
      for (guint overlap = 0, n_end = g_array_index (section->sentences, Sentence, end).n_tokens;
           next > start + 1; next--)
        {
          guint n = g_array_index (section->sentences, Sentence, next - 1).n_tokens;

          if (overlap + n > opts->overlap_tokens || overlap + n + n_end > opts->child_tokens)
            break;
          overlap += n;
        }
      start = next;
    }
}

typedef struct {
  const Section *section;
  guint          from;
  guint          to;
} Span;

static void
close_parent (GPtrArray                  *parents,
              GArray                     *spans,
              const ParleyChunkerOptions *opts)
{
  ParleyChunk *parent;
  g_autoptr(GString) text = g_string_new (NULL);

  if (spans->len == 0)
    return;

  parent = g_new0 (ParleyChunk, 1);
  parent->children = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chunk_free);
  parent->heading = g_strdup (g_array_index (spans, Span, 0).section->heading);

  for (guint i = 0; i < spans->len; i++)
    {
      const Span *span = &g_array_index (spans, Span, i);

      if (text->len > 0)
        g_string_append (text, "\n\n");
      if (i > 0 && span->section->heading != NULL && span->from == 0)
        {
          g_string_append (text, span->section->heading);
          g_string_append_c (text, '\n');
        }
      for (guint s = span->from; s < span->to; s++)
        {
          const Sentence *sentence = &g_array_index (span->section->sentences, Sentence, s);

          join_sentence (text, sentence);
          parent->n_tokens += sentence->n_tokens;
        }
      add_children (parent, span->section, span->from, span->to, opts);
    }

  parent->text = g_string_free (g_steal_pointer (&text), FALSE);
  g_ptr_array_add (parents, parent);
  g_array_set_size (spans, 0);
}

/**
 * parley_chunk_document:
 *
 * Returns: (transfer full) (element-type ParleyChunk): parent chunks, each
 *   with its children; empty if the document has no text
 */
GPtrArray *
parley_chunk_document (ParleyAnalyzer             *analyzer,
                       ParleyLang                  lang,
                       const ParleyDocument       *doc,
                       const ParleyChunkerOptions *options)
{
  ParleyChunkerOptions opts = options != NULL ? *options : PARLEY_CHUNKER_DEFAULTS;
  g_autoptr(GPtrArray) sections = NULL;
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GPtrArray *parents = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_chunk_free);
  guint parent_tokens = 0;

  g_return_val_if_fail (analyzer != NULL && doc != NULL, parents);

  opts.child_tokens = MAX (opts.child_tokens, 16);
  opts.parent_tokens = MAX (opts.parent_tokens, opts.child_tokens);
  opts.overlap_tokens = MIN (opts.overlap_tokens, opts.child_tokens / 2);

  sections = build_sections (analyzer, lang, doc, opts.child_tokens);

  for (guint i = 0; i < sections->len; i++)
    {
      const Section *section = sections->pdata[i];
      guint from = 0;

      /* A whole section joins the current parent if it fits. */
      if (parent_tokens > 0 && parent_tokens + section->n_tokens > opts.parent_tokens)
        {
          close_parent (parents, spans, &opts);
          parent_tokens = 0;
        }

      while (from < section->sentences->len)
        {
          Span span = { section, from, from };

          while (span.to < section->sentences->len)
            {
              guint n = g_array_index (section->sentences, Sentence, span.to).n_tokens;

              if (span.to > span.from && parent_tokens + n > opts.parent_tokens)
                break;
              parent_tokens += n;
              span.to++;
            }
          g_array_append_val (spans, span);
          from = span.to;
          if (from < section->sentences->len)
            {
              close_parent (parents, spans, &opts);
              parent_tokens = 0;
            }
        }
    }
  close_parent (parents, spans, &opts);

  return parents;
}
