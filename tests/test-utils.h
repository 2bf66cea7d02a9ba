/* test-utils.h — shared helpers for Parley's GTest suites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

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

G_END_DECLS
