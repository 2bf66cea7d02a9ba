/* fuzz-sentiment.c — libFuzzer harness for the sentiment scorer
 *
 * The first byte picks the language; the rest is the message. Any input
 * must give a finite score in [-1, 1], and the same score twice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-sentiment"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "parley-sentiment.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static ParleySentiment *sentiment;
  g_autofree char *text = NULL;
  ParleyLang lang;
  double a, b;

  if (sentiment == NULL)
    sentiment = parley_sentiment_new ();
  if (size == 0)
    return 0;

  lang = data[0] % (PARLEY_N_LANGS + 1);
  text = g_strndup ((const char *) data + 1, size - 1);
  a = parley_sentiment_score (sentiment, lang, text);
  b = parley_sentiment_score (sentiment, lang, text);
  if (!isfinite (a) || a < -1 || a > 1 || a != b)
    abort ();
  return 0;
}
