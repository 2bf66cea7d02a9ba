/* parley-history.c — a conversation's history, cut to a token budget
 *
 * Tokens are counted by the retrieval analyser (words, numbers and one per
 * CJK character), in each message's own language: close enough to a
 * model's tokens for a budget, and the same count everywhere in Parley.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-turn"

#include "config.h"

#include "parley-history.h"

static guint
message_tokens (ParleyAnalyzer            *analyzer,
                const ParleyMessageRecord *m)
{
  ParleyLang lang = parley_lang_from_string (m->lang);

  return parley_analyzer_count_tokens (analyzer, lang != PARLEY_LANG_UNKNOWN ? lang : PARLEY_LANG_EN,
                                       m->text != NULL ? m->text : "", -1);
}

GPtrArray *
parley_history_truncate (GPtrArray      *messages,
                         guint           budget,
                         ParleyAnalyzer *analyzer)
{
  GPtrArray *kept = g_ptr_array_new ();
  g_autoptr(GPtrArray) latest = g_ptr_array_new ();
  guint used;

  g_return_val_if_fail (messages != NULL && analyzer != NULL, kept);

  if (messages->len == 0)
    return kept;

  used = message_tokens (analyzer, messages->pdata[0]);
  for (guint i = messages->len - 1; i >= 1; i--)
    {
      guint n = message_tokens (analyzer, messages->pdata[i]);

      /* The newest message always goes in: it is the turn. */
      if (latest->len > 0 && used + n > budget)
        break;
      used += n;
      g_ptr_array_add (latest, messages->pdata[i]);
    }

  g_ptr_array_add (kept, messages->pdata[0]);
  for (guint i = latest->len; i > 0; i--)
    g_ptr_array_add (kept, latest->pdata[i - 1]);
  return kept;
}
