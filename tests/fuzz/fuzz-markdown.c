/* fuzz-markdown.c — libFuzzer harness for the Markdown (and plain text) extractors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-markdown"

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "parley-error.h"
#include "parley-extract.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Every result is either an error in PARLEY_ERROR or a document that keeps
 * the promises of parley-extract.h. */
static void
check_result (ParleyDocument *doc,
              const GError   *error)
{
  if (doc == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == PARLEY_ERROR);
      g_assert_null (strchr (error->message, '\n'));
      return;
    }

  g_assert_null (error);
  g_assert_cmpuint (doc->blocks->len, >, 0);
  for (guint i = 0; i < doc->blocks->len; i++)
    {
      const ParleyBlock *block = g_ptr_array_index (doc->blocks, i);

      g_assert_true (block->text != NULL && block->text[0] != '\0');
      g_assert_true (g_utf8_validate (block->text, -1, NULL));
      g_assert_true (block->kind == PARLEY_BLOCK_TEXT ? block->level == 0
                                                      : block->level >= 1 && block->level <= 6);
    }
  g_assert_true (doc->title == NULL || g_utf8_validate (doc->title, -1, NULL));
  g_assert_true (doc->lang == NULL || g_utf8_validate (doc->lang, -1, NULL));
  g_assert_true (doc->category == NULL || g_utf8_validate (doc->category, -1, NULL));
}

static void
extract (ParleyFormat  format,
         GBytes       *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyDocument) doc = parley_extract (format, bytes, &error);

  check_result (doc, error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);

  extract (PARLEY_FORMAT_MARKDOWN, bytes);

  /* The input as the inside of a front matter block too, so that libyaml
   * and the front matter code see every input, not only those that happen
   * to start with "---". */
  if (size < 3 || memcmp (data, "---", 3) != 0)
    {
      static const char tail[] = "\n---\nBody.\n";
      g_autoptr(GByteArray) framed = g_byte_array_sized_new (size + 4 + sizeof tail);
      g_autoptr(GBytes) framed_bytes = NULL;

      g_byte_array_append (framed, (const guint8 *) "---\n", 4);
      g_byte_array_append (framed, data, size);
      g_byte_array_append (framed, (const guint8 *) tail, sizeof tail - 1);
      framed_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&framed));
      extract (PARLEY_FORMAT_MARKDOWN, framed_bytes);
    }

  extract (PARLEY_FORMAT_TEXT, bytes);
  return 0;
}
