/* test-history.c — history cut to a token budget, keeping the first message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "parley-history.h"
#include "test-utils.h"

static GPtrArray *
messages (const char * const *texts)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_message_record_free);

  for (guint i = 0; texts[i] != NULL; i++)
    {
      ParleyMessageRecord *m = g_new0 (ParleyMessageRecord, 1);

      m->id = i + 1;
      m->text = g_strdup (texts[i]);
      m->lang = g_strdup ("en");
      g_ptr_array_add (all, m);
    }
  return all;
}

static void
test_truncate (void)
{
  const char *texts[] = {
    "My order KE-123456 arrived with a cracked screen",   /* 8 tokens (ke 123456 counted) */
    "I am sorry to hear that, let me help",
    "Thanks",
    "Can I get a replacement instead of a refund please",
    "Yes",
    NULL,
  };
  g_autoptr(GPtrArray) all = messages (texts);
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autoptr(GPtrArray) big = parley_history_truncate (all, 1000, analyzer);
  g_autoptr(GPtrArray) small = parley_history_truncate (all, 22, analyzer);
  g_autoptr(GPtrArray) tiny = parley_history_truncate (all, 1, analyzer);
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_autoptr(GPtrArray) none = parley_history_truncate (empty, 10, analyzer);

  /* Everything fits. */
  g_assert_cmpuint (big->len, ==, 5);

  /* The first, then the latest that fit, in order. */
  g_assert_cmpuint (small->len, >=, 3);
  g_assert_true (small->pdata[0] == all->pdata[0]);
  g_assert_true (small->pdata[small->len - 1] == all->pdata[4]);
  for (guint i = 1; i + 1 < small->len; i++)
    g_assert_cmpint (((ParleyMessageRecord *) small->pdata[i])->id, <, ((ParleyMessageRecord *) small->pdata[i + 1])->id);
  g_assert_cmpuint (small->len, <, 5);

  /* Over budget: the first and the newest still. */
  g_assert_cmpuint (tiny->len, ==, 2);
  g_assert_true (tiny->pdata[0] == all->pdata[0]);
  g_assert_true (tiny->pdata[1] == all->pdata[4]);

  g_assert_cmpuint (none->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/history/truncate", test_truncate);

  return g_test_run ();
}
