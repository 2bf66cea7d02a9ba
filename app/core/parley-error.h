/* parley-error.h — the libparley error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PARLEY_ERROR (parley_error_quark ())

typedef enum {
  PARLEY_ERROR_FAILED,
  PARLEY_ERROR_INVALID_INPUT,   /* malformed or unparseable input */
  PARLEY_ERROR_ENCODING,        /* text that is not valid UTF-8 */
  PARLEY_ERROR_EMPTY,           /* input with no usable text */
  PARLEY_ERROR_TOO_LARGE,       /* input over a configured size limit */
  PARLEY_ERROR_UNSUPPORTED,     /* a format or language Parley does not handle */
  PARLEY_ERROR_NOT_FOUND,
  PARLEY_ERROR_CORRUPT,         /* a database that is damaged or not Parley's */
  PARLEY_ERROR_VERSION,         /* a database written by a newer Parley */
  PARLEY_ERROR_IO,
} ParleyError;

GQuark parley_error_quark (void);

G_END_DECLS
