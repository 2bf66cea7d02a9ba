/* fuzz-pii.c — libFuzzer harness for the PII detectors and the redaction
 *
 * The first two bytes choose the detectors (a ParleyPiiTypes bit set); the
 * rest, up to a NUL, is the text, which need not be UTF-8.  A custom regex
 * runs too.  Every result must be sorted, disjoint, inside the text and on
 * UTF-8 character boundaries, and the redaction must keep the bytes outside
 * the matches and put one placeholder per match.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-pii"

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "parley-pii.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ParleyPiiRegex *order_regex;

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autofree char *redacted = NULL;
  ParleyPiiTypes types;
  gsize len, prev_end = 0, kept = 0, placeholders = 0;

  if (order_regex == NULL)
    {
      order_regex = parley_pii_regex_new ("order", "(?i)\\b(?:KE|A)-[0-9]{5,6}\\b", NULL);
      g_assert_nonnull (order_regex);
    }
  if (size < 2)
    return 0;
  types = ((data[0] | (data[1] << 8)) & PARLEY_PII_ALL);
  text = g_strndup ((const char *) data + 2, size - 2);
  len = strlen (text);

  matches = parley_pii_detect_full (text, types, &order_regex, data[1] & 0x80 ? 1 : 0);
  g_assert_nonnull (matches);
  for (guint i = 0; i < matches->len; i++)
    {
      const ParleyPiiMatch *m = g_ptr_array_index (matches, i);

      g_assert_cmpuint (m->start, <, m->end);
      g_assert_cmpuint (m->end, <=, len);
      g_assert_cmpuint (m->start, >=, prev_end);
      g_assert_true (m->type == PARLEY_PII_REGEX ? m->name != NULL : (m->type & types) != 0);
      g_assert_false (((guchar) text[m->start] & 0xC0) == 0x80 && g_utf8_validate (text, -1, NULL));
      g_assert_false (m->end < len && ((guchar) text[m->end] & 0xC0) == 0x80
                      && g_utf8_validate (text, -1, NULL));
      kept += m->start - prev_end;
      placeholders += strlen (m->type == PARLEY_PII_REGEX ? m->name : parley_pii_type_to_string (m->type)) + 2;
      prev_end = m->end;
    }
  kept += len - prev_end;

  redacted = parley_pii_redact (text, matches);
  g_assert_nonnull (redacted);
  g_assert_cmpuint (strlen (redacted), ==, kept + placeholders);
  if (g_utf8_validate (text, -1, NULL))
    g_assert_true (g_utf8_validate (redacted, -1, NULL));
  return 0;
}
