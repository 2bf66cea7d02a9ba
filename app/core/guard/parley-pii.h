/* parley-pii.h — detection and anonymisation of personal information
 *
 * The sensitive-information part of Parley's guardrails: finds PII in a
 * customer's (or the model's) text and replaces it with "{TYPE}"
 * placeholders, as Bedrock Guardrails' ANONYMIZE action does; a BLOCK
 * policy simply asks whether anything was found.  Entity types are named
 * as Bedrock's GuardrailPiiEntityType names them (EMAIL, PHONE,
 * CREDIT_DEBIT_CARD_NUMBER, INTERNATIONAL_BANK_ACCOUNT_NUMBER …), and
 * custom regexes (Bedrock's regexesConfig: a name and a pattern) are
 * supported with GRegex; their placeholder is "{name}".
 *
 * Pure functions: no I/O, no global state besides the compiled built-in
 * patterns, thread-safe.  Offsets are byte offsets into the text given;
 * a match never starts or ends inside a UTF-8 character.  Text that is not
 * valid UTF-8 is scanned anyway (the invalid bytes act as separators), so
 * a stray byte cannot hide the PII around it.  Full-width forms (U+FF01 …
 * U+FF5E, e.g. "１３８１２３４５６７８" or "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ",
 * common in Chinese text) and the ideographic space are folded to ASCII
 * before matching; the match offsets still refer to the original bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each type is one bit, so a set of types is their OR (ParleyPiiTypes). */
typedef enum {
  PARLEY_PII_EMAIL                             = 1 << 0,
  PARLEY_PII_PHONE                             = 1 << 1,
  PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER          = 1 << 2,
  PARLEY_PII_US_SOCIAL_SECURITY_NUMBER         = 1 << 3,
  PARLEY_PII_US_BANK_ACCOUNT_NUMBER            = 1 << 4,
  PARLEY_PII_US_BANK_ROUTING_NUMBER            = 1 << 5,
  PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER = 1 << 6,
  PARLEY_PII_IP_ADDRESS                        = 1 << 7,
  PARLEY_PII_NAME                              = 1 << 8,
  /* A match of a custom regex (ParleyPiiMatch.name is the regex's name). */
  PARLEY_PII_REGEX                             = 1 << 9,
} ParleyPiiType;

typedef guint ParleyPiiTypes;

/* Every built-in detector. */
#define PARLEY_PII_ALL ((ParleyPiiTypes) ((1 << 9) - 1))

typedef struct {
  ParleyPiiType  type;
  gsize          start;   /* byte offset of the first byte */
  gsize          end;     /* byte offset just past the last byte */
  double         score;   /* 0..1: 1.0 checksum-validated, lower for heuristics */
  char          *name;    /* the custom regex's name for PARLEY_PII_REGEX, else NULL */
} ParleyPiiMatch;

void            parley_pii_match_free      (ParleyPiiMatch  *match);

/* "EMAIL", "PHONE" …, or NULL for a value that is not a single type. */
const char     *parley_pii_type_to_string  (ParleyPiiType    type);
/* Bedrock's name of a type (exact, upper case); "IBAN" is accepted as an
 * alias of INTERNATIONAL_BANK_ACCOUNT_NUMBER.  FALSE for an unknown name. */
gboolean        parley_pii_type_from_string (const char     *name,
                                             ParleyPiiType  *type);

/* A custom regex.  @name: 1..100 characters of [A-Za-z0-9_-] (it becomes
 * the placeholder "{name}"); @pattern: 1..500 bytes of a Perl-compatible
 * regex.  A bad name or pattern is a PARLEY_ERROR_INVALID_INPUT error. */
typedef struct _ParleyPiiRegex ParleyPiiRegex;

ParleyPiiRegex *parley_pii_regex_new       (const char      *name,
                                            const char      *pattern,
                                            GError         **error);
const char     *parley_pii_regex_get_name  (ParleyPiiRegex  *regex);
void            parley_pii_regex_free      (ParleyPiiRegex  *regex);

/* The PII of the @types in @text: a GPtrArray of ParleyPiiMatch (it frees
 * them), sorted by start, never overlapping (where two detectors claim the
 * same bytes, the stronger evidence wins: checksums before patterns before
 * cue words).  Empty (never NULL) when there is none. */
GPtrArray      *parley_pii_detect          (const char      *text,
                                            ParleyPiiTypes   types);
/* The same with custom regexes (@n_regexes of them, may be 0); their
 * matches come after the built-in ones where they overlap. */
GPtrArray      *parley_pii_detect_full     (const char      *text,
                                            ParleyPiiTypes   types,
                                            ParleyPiiRegex * const *regexes,
                                            guint            n_regexes);

/* @text with each match replaced by "{TYPE}" ("{name}" for a custom regex).
 * @matches must be sorted, non-overlapping and inside @text, as
 * parley_pii_detect() returns them (else a g_critical() and NULL); NULL
 * or empty returns a copy.  Bytes outside the matches are copied as they are. */
char           *parley_pii_redact          (const char      *text,
                                            GPtrArray       *matches);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyPiiMatch, parley_pii_match_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyPiiRegex, parley_pii_regex_free)

G_END_DECLS
