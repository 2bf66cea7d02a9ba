/* parley-sentiment.h — lexicon sentiment per message and over a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "parley-analyzer.h"

G_BEGIN_DECLS

typedef struct _ParleySentiment ParleySentiment;

typedef enum {
  PARLEY_SENTIMENT_NEGATIVE = -1,
  PARLEY_SENTIMENT_NEUTRAL  = 0,
  PARLEY_SENTIMENT_POSITIVE = 1,
} ParleySentimentLabel;

/* Label thresholds: negative < -0.25 ≤ neutral ≤ 0.25 < positive. */
#define PARLEY_SENTIMENT_THRESHOLD 0.25
/* Escalation: one message ≤ VERY_NEGATIVE, or the last two ≤ NEGATIVE_RUN. */
#define PARLEY_SENTIMENT_VERY_NEGATIVE -0.6
#define PARLEY_SENTIMENT_NEGATIVE_RUN  -0.4

/* Owns its analyser and lexicons (the built-in ones load on first use of a
 * language); not thread-safe: one per thread. score() is in [-1, 1]; an
 * unknown language is scored as English; NULL, empty or invalid UTF-8 text
 * scores 0. trend() is the least-squares slope in score per message. */
ParleySentiment     *parley_sentiment_new               (void);
void                 parley_sentiment_free              (ParleySentiment *self);
gboolean             parley_sentiment_load_lexicon      (ParleySentiment *self,
                                                         ParleyLang       lang,
                                                         const char      *text,
                                                         gssize           len,
                                                         GError         **error);
/* Entries with a non-zero valence (negators, intensifiers etc. not counted). */
guint                parley_sentiment_get_n_entries     (ParleySentiment *self,
                                                         ParleyLang       lang);
double               parley_sentiment_score             (ParleySentiment *self,
                                                         ParleyLang       lang,
                                                         const char      *text);
ParleySentimentLabel parley_sentiment_label             (double           score);
const char          *parley_sentiment_label_to_string   (ParleySentimentLabel label);
double               parley_sentiment_trend             (const double    *scores,
                                                         guint            n);
gboolean             parley_sentiment_is_very_negative  (const double    *scores,
                                                         guint            n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleySentiment, parley_sentiment_free)

G_END_DECLS
