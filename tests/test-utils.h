/* test-utils.h — shared helpers for Parley's GTest suites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* g_test_init() with isolated XDG dirs, memory GSettings and a fixed locale. */
void   test_init            (int          *argc,
                             char       ***argv);
/* An absolute path below the source tree: test_source_path ("data", "kb", NULL). */
char  *test_source_path     (const char   *first,
                             ...) G_GNUC_NULL_TERMINATED;
/* A fresh directory that is removed (recursively) at test_cleanup(). */
char  *test_make_tmpdir     (void);
void   test_rm_rf           (const char   *path);
/* The whole file (NUL-terminated; @len may be NULL); the test fails if it cannot be read. */
char  *test_read_text       (const char   *path,
                             gsize        *len);

/* Starts @program (then its arguments, NULL-terminated), a server that
 * prints its URL as its first line; *@url gets that line. The child is
 * killed when the test process dies, so a failing test leaves none behind. */
GSubprocess *test_spawn_server (char       **url,
                                const char  *program,
                                ...) G_GNUC_NULL_TERMINATED;

/* Spins the thread-default main context until @cond holds; fails after 10 s. */
#define TEST_WAIT_UNTIL(cond)                                                      \
  G_STMT_START {                                                                   \
    gint64 _deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;              \
    guint _tick = g_timeout_add (100, test_tick_cb, NULL);                         \
    while (!(cond))                                                                \
      {                                                                            \
        if (g_get_monotonic_time () > _deadline)                                   \
          g_error ("timed out waiting for %s", #cond);                             \
        g_main_context_iteration (NULL, TRUE);                                     \
      }                                                                            \
    g_source_remove (_tick);                                                       \
  } G_STMT_END
/* Keeps TEST_WAIT_UNTIL's loop waking up. */
gboolean test_tick_cb (gpointer user_data);

G_END_DECLS
