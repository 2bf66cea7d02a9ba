/* parley-pii.c — detection and anonymisation of personal information
 *
 * How it works: the text is first "folded" into a copy where full-width
 * forms become ASCII and invalid bytes become U+001A, with a table from
 * each folded byte back to the original one.  Every detector runs a GRegex
 * over the folded copy to find candidates and then validates them in C
 * (Luhn, mod-97, SSA ranges, numbering plans, cue words nearby, name lists).
 * Candidates carry a priority; the strongest evidence claims its bytes first
 * and weaker overlapping candidates are dropped.
 *
 * Decisions worth knowing:
 * - Phone numbers without separators are ambiguous with order numbers; they
 *   are accepted without a cue word only where the numbering plan makes them
 *   distinctive (Chinese mobiles 1[3-9]…, 11 digits; national numbers with a
 *   trunk 0, 9–13 digits); others (NANP, Spanish 9 digits) need a cue word
 *   ("phone", "teléfono", "Handy", "电话" …) or the usual grouping.
 * - Dates (2024-05-06, 06/05/2024, 6.5.2024) and dotted quads are never
 *   phone numbers; a dotted quad after "version"/"版本" is not an IP address.
 * - 13-digit card numbers (old Visa) need a card cue word: EAN-13 product
 *   codes starting with 4 are far more common in chat than such cards.
 * - Names are only found where a customer introduces themselves.  Strong
 *   cues ("my name is", "me llamo", "je m'appelle", "ich heiße", "我叫")
 *   take any capitalised words (2–3 Han characters); weak ones ("I'm",
 *   "soy", "je suis", "ich bin", "我是") need a known first name, a
 *   first and last name, or (Chinese) a common surname followed by a break.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-pii"

#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "parley-error.h"
#include "parley-pii.h"

/* ---------------------------------------------------------------- types */

static const struct {
  ParleyPiiType type;
  const char   *name;
} type_names[] = {
  { PARLEY_PII_EMAIL, "EMAIL" },
  { PARLEY_PII_PHONE, "PHONE" },
  { PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER, "CREDIT_DEBIT_CARD_NUMBER" },
  { PARLEY_PII_US_SOCIAL_SECURITY_NUMBER, "US_SOCIAL_SECURITY_NUMBER" },
  { PARLEY_PII_US_BANK_ACCOUNT_NUMBER, "US_BANK_ACCOUNT_NUMBER" },
  { PARLEY_PII_US_BANK_ROUTING_NUMBER, "US_BANK_ROUTING_NUMBER" },
  { PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER, "INTERNATIONAL_BANK_ACCOUNT_NUMBER" },
  { PARLEY_PII_IP_ADDRESS, "IP_ADDRESS" },
  { PARLEY_PII_NAME, "NAME" },
  { PARLEY_PII_REGEX, "REGEX" },
};

const char *
parley_pii_type_to_string (ParleyPiiType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (type_names[i].type == type)
      return type_names[i].name;
  return NULL;
}

gboolean
parley_pii_type_from_string (const char    *name,
                             ParleyPiiType *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  if (g_str_equal (name, "IBAN"))
    {
      *type = PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (g_str_equal (type_names[i].name, name))
      {
        *type = type_names[i].type;
        return TRUE;
      }
  return FALSE;
}

void
parley_pii_match_free (ParleyPiiMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->name);
  g_free (match);
}

struct _ParleyPiiRegex {
  char   *name;
  GRegex *regex;
};

ParleyPiiRegex *
parley_pii_regex_new (const char  *name,
                      const char  *pattern,
                      GError     **error)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GError) local_error = NULL;
  ParleyPiiRegex *self;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = name != NULL ? strlen (name) : 0;
  if (len == 0 || len > 100)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "A custom PII regex needs a name of 1 to 100 characters");
      return NULL;
    }
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      {
        g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                     "The name of a custom PII regex may only hold letters, digits, '_' and '-'");
        return NULL;
      }
  if (pattern == NULL || *pattern == '\0' || strlen (pattern) > 500
      || !g_utf8_validate (pattern, -1, NULL))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The custom PII regex “%s” needs a UTF-8 pattern of 1 to 500 bytes", name);
      return NULL;
    }
  regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &local_error);
  if (regex == NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The custom PII regex “%s” does not compile: %s", name, local_error->message);
      return NULL;
    }

  self = g_new0 (ParleyPiiRegex, 1);
  self->name = g_strdup (name);
  self->regex = g_steal_pointer (&regex);
  return self;
}

const char *
parley_pii_regex_get_name (ParleyPiiRegex *regex)
{
  g_return_val_if_fail (regex != NULL, NULL);
  return regex->name;
}

void
parley_pii_regex_free (ParleyPiiRegex *regex)
{
  if (regex == NULL)
    return;
  g_free (regex->name);
  g_regex_unref (regex->regex);
  g_free (regex);
}

/* ------------------------------------------------------------- folding */

typedef struct {
  GString *s;       /* the folded text */
  gsize   *map;     /* folded byte → original byte; map[s->len] = original length */
  guint8  *claimed; /* folded bytes already in an accepted match */
  GArray  *cands;   /* Candidate */
} Ctx;

typedef struct {
  ParleyPiiType type;
  gsize         start;
  gsize         end;
  guint         prio;
  double        score;
  const char   *name;
} Candidate;

/* Priorities: lower claims its bytes first. */
enum {
  PRIO_EMAIL,
  PRIO_IBAN,
  PRIO_CARD,
  PRIO_SSN,
  PRIO_IP,
  PRIO_ROUTING,
  PRIO_ACCOUNT,
  PRIO_PHONE,
  PRIO_NAME,
  PRIO_REGEX,
};

static void
fold (Ctx        *ctx,
      const char *text,
      gsize       len)
{
  GArray *map = g_array_sized_new (FALSE, FALSE, sizeof (gsize), len + 1);
  gsize i = 0;

  ctx->s = g_string_sized_new (len);
  while (i < len)
    {
      guchar b = (guchar) text[i];
      gunichar c;
      const char *next;

      if (b < 0x80)
        {
          g_string_append_c (ctx->s, (char) b);
          g_array_append_val (map, i);
          i++;
          continue;
        }
      c = g_utf8_get_char_validated (text + i, len - i);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_c (ctx->s, '\x1a');
          g_array_append_val (map, i);
          i++;
          continue;
        }
      next = g_utf8_next_char (text + i);
      if (c >= 0xFF01 && c <= 0xFF5E)
        {
          g_string_append_c (ctx->s, (char) (c - 0xFEE0));
          g_array_append_val (map, i);
        }
      else if (c == 0x3000)
        {
          g_string_append_c (ctx->s, ' ');
          g_array_append_val (map, i);
        }
      else
        {
          for (gsize k = i; k < (gsize) (next - text); k++)
            {
              g_string_append_c (ctx->s, text[k]);
              g_array_append_val (map, k);
            }
        }
      i = next - text;
    }
  g_array_append_val (map, len);
  ctx->map = (gsize *) (void *) g_array_free (map, FALSE);
  ctx->claimed = g_new0 (guint8, ctx->s->len + 1);
  ctx->cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
}

static void
add_candidate (Ctx           *ctx,
               ParleyPiiType  type,
               gsize          start,
               gsize          end,
               guint          prio,
               double         score)
{
  Candidate c = { type, start, end, prio, score, NULL };

  if (end > start)
    g_array_append_val (ctx->cands, c);
}

/* ------------------------------------------------------------ patterns */

enum {
  RE_EMAIL,
  RE_PHONE,
  RE_DIGITS,      /* card and bank account candidates */
  RE_SSN,
  RE_IBAN,
  RE_IPV4,
  RE_IPV6,
  RE_NAME_STRONG,
  RE_NAME_WEAK,
  RE_NAME_ZH,
  N_RE
};

#define NAME_WORD "\\p{Lu}\\p{Ll}+(?:[-'’]\\p{Lu}?\\p{Ll}+)*"
#define NAME_WORDS "(" NAME_WORD "(?:[ ]+(?:(?:de|del|la|le|van|von|der|du|da|di|dos|y)[ ]+)*" NAME_WORD "){0,2})"

static const char * const patterns[N_RE] = {
  [RE_EMAIL] = "(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
               "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])",
  [RE_PHONE] = "(?<![A-Za-z0-9_@.+/-])(?:\\+|00)?\\(?[0-9]{1,5}\\)?"
               "(?:(?:[ .\\-/]|\\) ?| ?\\(){0,2}[0-9]{1,6}\\)?){0,7}(?![A-Za-z0-9_@])",
  [RE_DIGITS] = "(?<![A-Za-z0-9_.,/+-])[0-9](?:[ -]?[0-9]){7,18}(?![A-Za-z0-9_]|[.,/-][0-9])",
  [RE_SSN] = "(?<![A-Za-z0-9_.,/-])([0-9]{3})([- ]?)([0-9]{2})\\2([0-9]{4})(?![A-Za-z0-9_]|[.,/-][0-9])",
  [RE_IBAN] = "(?<![A-Za-z0-9_])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){10,32}",
  [RE_IPV4] = "(?<![A-Za-z0-9_.])(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?![A-Za-z0-9_]|\\.[0-9])",
  [RE_IPV6] = "(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4})?(?![A-Za-z0-9_:])",
  [RE_NAME_STRONG] = "(?i:(?<![A-Za-z])(?:my (?:full |first )?name is|my name's|me llamo|mi nombre es"
                     "|je m['’]appelle|mon nom est|mon prénom est|ich heiße|ich heisse|mein name ist"
                     "|mein vorname ist))[ ]+" NAME_WORDS,
  [RE_NAME_WEAK] = "(?i:(?<![A-Za-z])(?:i['’]m|i am|this is|soy|je suis|moi c['’]est|ich bin|hier ist|hier spricht))"
                   "[ ]+" NAME_WORDS,
  [RE_NAME_ZH] = "(我叫|我的名字是|我的名字叫|我是)[ ]?([\\x{4E00}-\\x{9FFF}\\x{3400}-\\x{4DBF}]{1,4})",
};

static GRegex *
get_regex (guint which)
{
  static GRegex *regexes[N_RE];
  static gsize init = 0;

  if (g_once_init_enter (&init))
    {
      for (guint i = 0; i < N_RE; i++)
        {
          g_autoptr(GError) error = NULL;

          regexes[i] = g_regex_new (patterns[i], G_REGEX_OPTIMIZE, 0, &error);
          if (regexes[i] == NULL)
            g_error ("built-in PII pattern %u does not compile: %s", i, error->message);
        }
      g_once_init_leave (&init, 1);
    }
  return regexes[which];
}

/* ---------------------------------------------------------------- cues */

/* Whether one of @cues (lower case) occurs in the @window bytes before
 * @start, not glued to a preceding ASCII letter ("tel" is not in "hotel"). */
static gboolean
cue_before (Ctx                *ctx,
            gsize               start,
            gsize               window,
            const char * const *cues)
{
  gsize from = start > window ? start - window : 0;
  g_autofree char *lower = NULL;

  while (from < start && ((guchar) ctx->s->str[from] & 0xC0) == 0x80)
    from++;
  if (from >= start)
    return FALSE;
  lower = g_utf8_strdown (ctx->s->str + from, start - from);
  for (guint i = 0; cues[i] != NULL; i++)
    for (const char *p = strstr (lower, cues[i]); p != NULL; p = strstr (p + 1, cues[i]))
      if (p == lower || !g_ascii_isalpha (p[-1]) || !g_ascii_isalpha (cues[i][0]))
        return TRUE;
  return FALSE;
}

static const char * const phone_cues[] = {
  "phone", "tel", "mobile", "cell", "call me", "text me", "reach me", "whatsapp", "fax",
  "teléfono", "telefono", "móvil", "movil", "llámame", "llamadme", "celular",
  "téléphone", "telephone", "tél", "portable", "appelez", "rappeler", "joindre",
  "telefon", "handy", "mobil", "anrufen", "rückruf", "erreichbar",
  "电话", "手机", "致电", "联系方式", "打给我", NULL
};
static const char * const card_cues[] = {
  "card", "visa", "mastercard", "amex", "tarjeta", "carte", "karte", "卡", NULL
};
static const char * const ssn_cues[] = {
  "ssn", "social security", "seguro social", "sécurité sociale américain", "sozialversicherungsnummer",
  "社会安全", "社会保障号", NULL
};
static const char * const account_cues[] = {
  "account", "acct", "a/c", "checking", "savings", "cuenta", "compte", "konto",
  "账户", "账号", "帐户", "帐号", "户头", NULL
};
static const char * const routing_cues[] = {
  "routing", "aba", "rtn", "transit", NULL
};
/* Words before identifiers that are not phone numbers. */
static const char * const reference_cues[] = {
  "order", "sku", "ref", "invoice", "tracking", "ticket", "serial", "pedido", "factura",
  "referencia", "commande", "facture", "colis", "bestell", "rechnung", "sendung", "artikel",
  "订单", "单号", "编号", "发票", NULL
};
static const char * const version_cues[] = {
  "version", "versión", "ver.", "firmware", "build", "release", "版本", NULL
};

/* ---------------------------------------------------------------- email */

static void
detect_email (Ctx *ctx)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (RE_EMAIL), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      int s, e;

      g_match_info_fetch_pos (info, 0, &s, &e);
      add_candidate (ctx, PARLEY_PII_EMAIL, s, e, PRIO_EMAIL, 0.95);
    }
}

/* ---------------------------------------------------------------- cards */

static gboolean
luhn_valid (const char *digits,
            gsize       n)
{
  guint sum = 0;

  for (gsize i = 0; i < n; i++)
    {
      guint d = digits[n - 1 - i] - '0';

      if (i % 2 == 1)
        {
          d *= 2;
          if (d > 9)
            d -= 9;
        }
      sum += d;
    }
  return sum % 10 == 0;
}

static guint
prefix (const char *digits,
        guint       n)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    v = v * 10 + (digits[i] - '0');
  return v;
}

/* Issuer identification: whether a number of @n digits can be a card. */
static gboolean
card_iin_valid (const char *d,
                gsize       n)
{
  guint p2 = prefix (d, 2), p3 = prefix (d, 3), p4 = prefix (d, 4), p6 = prefix (d, 6);

  if (d[0] == '4')                                          /* Visa */
    return n == 13 || n == 16 || n == 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
    return n == 16;
  if (p2 == 34 || p2 == 37)                                 /* American Express */
    return n == 15;
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65
      || (p6 >= 622126 && p6 <= 622925))                    /* Discover */
    return n >= 16 && n <= 19;
  if (p4 >= 3528 && p4 <= 3589)                             /* JCB */
    return n >= 16 && n <= 19;
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) /* Diners */
    return n >= 14 && n <= 19;
  if (p2 == 62 || p2 == 81)                                 /* UnionPay */
    return n >= 16 && n <= 19;
  if (p4 >= 2200 && p4 <= 2204)                             /* Mir */
    return n >= 16 && n <= 19;
  if (p2 == 50 || (p2 >= 56 && p2 <= 69))                   /* Maestro */
    return n >= 12 && n <= 19;
  return FALSE;
}

/* Copies the ASCII digits of [start, end) to @out (at least end-start+1 bytes). */
static gsize
collect_digits (Ctx   *ctx,
                gsize  start,
                gsize  end,
                char  *out)
{
  gsize n = 0;

  for (gsize i = start; i < end; i++)
    if (g_ascii_isdigit (ctx->s->str[i]))
      out[n++] = ctx->s->str[i];
  out[n] = '\0';
  return n;
}

static gboolean
aba_valid (const char *d)
{
  guint sum = 3 * ((d[0] - '0') + (d[3] - '0') + (d[6] - '0'))
            + 7 * ((d[1] - '0') + (d[4] - '0') + (d[7] - '0'))
            + ((d[2] - '0') + (d[5] - '0') + (d[8] - '0'));

  return sum % 10 == 0 && prefix (d, 9) != 0;
}

/* Card numbers, and (near their cue words) bank account and routing numbers. */
static void
detect_digit_runs (Ctx            *ctx,
                   ParleyPiiTypes  types)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (RE_DIGITS), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      int s, e;
      char d[64];
      gsize n;
      gboolean mixed_seps = FALSE;
      char sep = 0;

      g_match_info_fetch_pos (info, 0, &s, &e);
      n = collect_digits (ctx, s, e, d);
      for (int i = s; i < e; i++)
        if (!g_ascii_isdigit (ctx->s->str[i]))
          {
            if (sep != 0 && sep != ctx->s->str[i])
              mixed_seps = TRUE;
            sep = ctx->s->str[i];
          }
      if (mixed_seps)
        continue;

      if ((types & PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER) && n >= 13 && n <= 19
          && luhn_valid (d, n) && card_iin_valid (d, n)
          && (n != 13 || cue_before (ctx, s, 40, card_cues)))
        {
          add_candidate (ctx, PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER, s, e, PRIO_CARD, 1.0);
          continue;
        }
      if (sep != 0)
        continue;
      if ((types & PARLEY_PII_US_BANK_ROUTING_NUMBER) && n == 9 && aba_valid (d)
          && cue_before (ctx, s, 24, routing_cues))
        {
          add_candidate (ctx, PARLEY_PII_US_BANK_ROUTING_NUMBER, s, e, PRIO_ROUTING, 0.9);
          continue;
        }
      /* "my account phone is 0612…" is a phone number. */
      if ((types & PARLEY_PII_US_BANK_ACCOUNT_NUMBER) && n >= 8 && n <= 17
          && cue_before (ctx, s, 40, account_cues) && !cue_before (ctx, s, 20, phone_cues))
        add_candidate (ctx, PARLEY_PII_US_BANK_ACCOUNT_NUMBER, s, e, PRIO_ACCOUNT, 0.7);
    }
}

/* ------------------------------------------------------------------ SSN */

static void
detect_ssn (Ctx *ctx)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (RE_SSN), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      int s, e, ss, se;
      char d[16];
      guint area, group, serial;

      g_match_info_fetch_pos (info, 0, &s, &e);
      g_match_info_fetch_pos (info, 2, &ss, &se);
      collect_digits (ctx, s, e, d);
      area = prefix (d, 3);
      group = prefix (d + 3, 2);
      serial = prefix (d + 5, 4);
      if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
        continue;
      /* "123-45-6789" on its own; "123 45 6789" and "123456789" only after a cue. */
      if (se - ss == 1 && ctx->s->str[ss] == '-')
        add_candidate (ctx, PARLEY_PII_US_SOCIAL_SECURITY_NUMBER, s, e, PRIO_SSN, 0.85);
      else if (cue_before (ctx, s, 40, ssn_cues))
        add_candidate (ctx, PARLEY_PII_US_SOCIAL_SECURITY_NUMBER, s, e, PRIO_SSN, 0.9);
    }
}

/* ----------------------------------------------------------------- IBAN */

static const struct {
  char  cc[3];
  guint len;
} iban_lengths[] = {
  { "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
  { "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 },
  { "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "DO", 28 },
  { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FO", 18 }, { "FR", 27 },
  { "GB", 22 }, { "GE", 22 }, { "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 },
  { "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
  { "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 },
  { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 }, { "MC", 27 }, { "MD", 24 },
  { "ME", 22 }, { "MK", 19 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NL", 18 },
  { "NO", 15 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 }, { "QA", 29 },
  { "RO", 24 }, { "RS", 22 }, { "SA", 24 }, { "SC", 31 }, { "SE", 24 }, { "SI", 19 },
  { "SK", 24 }, { "SM", 27 }, { "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 },
  { "TR", 26 }, { "UA", 29 }, { "VA", 22 }, { "VG", 24 }, { "XK", 20 },
};

static guint
iban_length (const char *cc)
{
  for (guint i = 0; i < G_N_ELEMENTS (iban_lengths); i++)
    if (iban_lengths[i].cc[0] == cc[0] && iban_lengths[i].cc[1] == cc[1])
      return iban_lengths[i].len;
  return 0;
}

static gboolean
iban_mod97_valid (const char *iban,
                  guint       len)
{
  guint rem = 0;

  for (guint k = 0; k < len; k++)
    {
      char c = iban[(k + 4) % len];

      if (g_ascii_isdigit (c))
        rem = (rem * 10 + (c - '0')) % 97;
      else if (g_ascii_isupper (c))
        rem = (rem * 100 + (c - 'A' + 10)) % 97;
      else
        return FALSE;
    }
  return rem == 1;
}

static void
detect_iban (Ctx *ctx)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (RE_IBAN), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      int s, e;
      char iban[40];
      guint n = 0, want;
      gsize end = 0;
      gboolean lower = FALSE, upper = FALSE;

      g_match_info_fetch_pos (info, 0, &s, &e);
      iban[0] = g_ascii_toupper (ctx->s->str[s]);
      iban[1] = g_ascii_toupper (ctx->s->str[s + 1]);
      want = iban_length (iban);
      if (want == 0)
        continue;
      /* The regex is greedy: take exactly the country's length. */
      for (int i = s; i < e && n < want; i++)
        {
          char c = ctx->s->str[i];

          if (c == ' ')
            continue;
          lower |= g_ascii_islower (c);
          upper |= g_ascii_isupper (c) && i >= s + 4;
          iban[n++] = g_ascii_toupper (c);
          end = i + 1;
        }
      if (n != want || (lower && upper))
        continue;
      if (end < ctx->s->len && g_ascii_isalnum (ctx->s->str[end]))
        continue;
      /* An IBAN with a bad checksum is still no phone or account number:
       * it claims its bytes without being reported. */
      add_candidate (ctx, iban_mod97_valid (iban, n) ? PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER : (ParleyPiiType) 0,
                     s, end, PRIO_IBAN, 1.0);
    }
}

/* ------------------------------------------------------------------- IP */

static void
detect_ip (Ctx *ctx)
{
  g_autoptr(GMatchInfo) info4 = NULL;
  g_autoptr(GMatchInfo) info6 = NULL;

  g_regex_match (get_regex (RE_IPV4), ctx->s->str, 0, &info4);
  for (; g_match_info_matches (info4); g_match_info_next (info4, NULL))
    {
      int s, e;
      g_autofree char *cand = NULL;
      g_auto(GStrv) octets = NULL;
      gboolean ok = TRUE;

      g_match_info_fetch_pos (info4, 0, &s, &e);
      cand = g_strndup (ctx->s->str + s, e - s);
      octets = g_strsplit (cand, ".", -1);
      for (guint i = 0; octets[i] != NULL; i++)
        if (atoi (octets[i]) > 255 || (octets[i][0] == '0' && octets[i][1] != '\0'))
          ok = FALSE;
      if (!ok || !g_hostname_is_ip_address (cand) || cue_before (ctx, s, 12, version_cues))
        continue;
      add_candidate (ctx, PARLEY_PII_IP_ADDRESS, s, e, PRIO_IP, 0.9);
    }

  g_regex_match (get_regex (RE_IPV6), ctx->s->str, 0, &info6);
  for (; g_match_info_matches (info6); g_match_info_next (info6, NULL))
    {
      int s, e;
      g_autofree char *cand = NULL;
      g_autoptr(GInetAddress) address = NULL;
      guint colons = 0;

      g_match_info_fetch_pos (info6, 0, &s, &e);
      cand = g_strndup (ctx->s->str + s, e - s);
      for (const char *p = cand; *p != '\0'; p++)
        colons += *p == ':';
      /* "10:30:00" is a time; an address has "::" or seven colons. */
      if (strstr (cand, "::") == NULL && colons < 7)
        continue;
      address = g_inet_address_new_from_string (cand);
      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        continue;
      add_candidate (ctx, PARLEY_PII_IP_ADDRESS, s, e, PRIO_IP, 0.9);
    }
}

/* ---------------------------------------------------------------- phone */

typedef struct {
  gsize start;   /* folded offset of the first digit */
  gsize end;     /* just past the last digit (and a closing parenthesis) */
  guint len;     /* digits */
  char  sep;     /* the separator before this group: ' ', '.', '-', '/', '(' or 0 */
} Group;

static gboolean
date_shaped (const Group *g,
             guint        n)
{
  char sep;

  if (n != 3)
    return FALSE;
  sep = g[1].sep;
  if (sep != g[2].sep || (sep != '.' && sep != '/' && sep != '-'))
    return FALSE;
  return (g[0].len <= 2 && g[1].len <= 2 && (g[2].len == 4 || g[2].len == 2))
         || (g[0].len == 4 && g[1].len <= 2 && g[2].len <= 2);
}

/* Whether the digits (with their grouping) are a phone number. */
static gboolean
phone_valid (Ctx         *ctx,
             gsize        cand_start,
             gboolean     intl,
             const Group *g,
             guint        n_groups,
             const char  *d,
             gsize        n)
{
  gboolean separated = n_groups > 1;
  gboolean dotted_quad = n_groups == 4;

  for (guint i = 1; i < n_groups; i++)
    dotted_quad &= g[i].sep == '.' && g[i].len <= 3;
  dotted_quad &= g[0].len <= 3;
  if (dotted_quad || date_shaped (g, n_groups))
    return FALSE;

  if (intl)
    {
      if (d[0] == '1')
        return n == 11 && d[1] >= '2' && d[4] >= '2';
      if (d[0] == '3' && d[1] == '4')
        return n == 11 && d[2] >= '6';
      if (d[0] == '8' && d[1] == '6')
        return (n == 13 && d[2] == '1' && d[3] >= '3')
               || ((n == 12 || n == 13) && d[2] != '0' && d[2] != '1')
               || ((n == 12 || n == 13) && d[2] == '1' && d[3] == '0');
      if (d[0] == '3' && d[1] == '3')
        return n == 11 && d[2] != '0';
      if (d[0] == '4' && d[1] == '9')
        return n >= 8 && n <= 15 && d[2] != '0';
      if (d[0] == '0')
        return FALSE;
      return n >= 8 && n <= 15 && separated;
    }

  /* Chinese mobiles: 1[3-9] and 11 digits, grouped 3-4-4 or not at all. */
  if (n == 11 && d[0] == '1' && d[1] >= '3'
      && (n_groups == 1 || (n_groups == 3 && g[0].len == 3 && g[1].len == 4)
          || (n_groups == 2 && g[0].len == 3)))
    return TRUE;
  /* NANP: (415) 555-2671, 415-555-2671, 1-800-555-0199, 415.555.2671 */
  if ((n == 10 || (n == 11 && d[0] == '1')))
    {
      const char *nanp = n == 11 ? d + 1 : d;
      gboolean shape = (n_groups == 3 && g[0].len == 3 && g[1].len == 3 && g[2].len == 4)
                       || (n_groups == 4 && g[0].len == 1 && g[1].len == 3 && g[2].len == 3 && g[3].len == 4)
                       || (n_groups == 2 && g[0].len == 3 && g[1].len == 7 && g[1].sep != '/');

      if (nanp[0] >= '2' && nanp[3] >= '2' && nanp[1] != '9'
          && (shape || (n_groups == 1 && cue_before (ctx, cand_start, 40, phone_cues))))
        return TRUE;
    }
  /* Spain: 9 digits from 6, 7, 8 or 9: 612 345 678, 91 123 45 67. */
  if (n == 9 && d[0] >= '6')
    {
      gboolean shape = n_groups >= 3 && n_groups <= 4;

      for (guint i = 0; i < n_groups; i++)
        shape &= g[i].len >= 2 && g[i].len <= 3;
      if (shape || (n_groups == 1 && cue_before (ctx, cand_start, 40, phone_cues)))
        return TRUE;
    }
  /* A trunk 0: France (10 digits), Germany (7–13), Chinese landlines. */
  if (d[0] == '0' && d[1] != '0' && n >= 9 && n <= 13)
    {
      if (n_groups == 1 && n != 10 && n != 11 && !cue_before (ctx, cand_start, 40, phone_cues))
        return FALSE;
      return TRUE;
    }
  if (d[0] == '0' && d[1] != '0' && n >= 7 && n <= 8 && separated
      && cue_before (ctx, cand_start, 40, phone_cues))
    return TRUE;
  return FALSE;
}

static void
detect_phone (Ctx *ctx)
{
  GRegex *re = get_regex (RE_PHONE);
  const char *str = ctx->s->str;
  gsize pos = 0;

  while (pos < ctx->s->len)
    {
      g_autoptr(GMatchInfo) info = NULL;
      Group g[16];
      guint n_groups = 0;
      int s, e;
      gsize i;
      gboolean intl = FALSE;
      char sep = 0;
      gsize next;
      gboolean found = FALSE;

      if (!g_regex_match_full (re, str, ctx->s->len, pos, 0, &info, NULL))
        break;
      g_match_info_fetch_pos (info, 0, &s, &e);
      i = s;
      if (str[i] == '+')
        intl = TRUE, i++;
      else if (str[i] == '0' && str[i + 1] == '0' && i + 2 < (gsize) e && g_ascii_isdigit (str[i + 2]))
        intl = TRUE, i += 2;
      /* "order 13912345678", "sku 0612345678": a national number right
       * after a reference word is that reference, unless a phone cue is
       * there too. */
      if (!intl && cue_before (ctx, s, 16, reference_cues) && !cue_before (ctx, s, 40, phone_cues))
        {
          pos = e;
          continue;
        }
      /* Split into digit groups; "(0)" after a country code is dropped. */
      while (i < (gsize) e && n_groups < G_N_ELEMENTS (g))
        {
          if (g_ascii_isdigit (str[i]))
            {
              gsize gs = i;

              while (i < (gsize) e && g_ascii_isdigit (str[i]))
                i++;
              if (i < (gsize) e && str[i] == ')')
                i++;
              if (intl && n_groups == 1 && i - gs == 2 && str[gs] == '0' && str[gs + 1] == ')')
                {
                  sep = 0;
                  continue;
                }
              g[n_groups].start = gs;
              g[n_groups].end = i;
              g[n_groups].len = 0;
              for (gsize k = gs; k < i; k++)
                g[n_groups].len += g_ascii_isdigit (str[k]) != 0;
              g[n_groups].sep = sep;
              n_groups++;
              sep = 0;
            }
          else
            {
              if (str[i] != ' ' || sep == 0)
                sep = str[i];
              i++;
            }
        }

      /* The longest prefix of whole groups that is a phone number; a
       * prefix may only end where a space follows. */
      for (guint k = n_groups; k > 0 && !found; k--)
        {
          char d[160];
          gsize n;

          if (k < n_groups && g[k].sep != ' ')
            continue;
          n = 0;
          for (guint j = 0; j < k && n + 8 < sizeof d; j++)
            for (gsize b = g[j].start; b < g[j].end; b++)
              if (g_ascii_isdigit (str[b]))
                d[n++] = str[b];
          d[n] = '\0';
          if (n >= 7 && n <= 15 && phone_valid (ctx, s, intl, g, k, d, n))
            {
              gsize end = g[k - 1].end;

              /* "(030)" keeps its parenthesis; a lone ")" is not ours. */
              if (str[end - 1] == ')' && memchr (str + s, '(', end - s) == NULL)
                end--;
              add_candidate (ctx, PARLEY_PII_PHONE, s, end, PRIO_PHONE, 0.8);
              next = end;
              found = TRUE;
            }
        }
      if (!found)
        next = n_groups > 0 ? g[0].end : (gsize) e;
      pos = MAX (next, (gsize) s + 1);
    }
}

/* ----------------------------------------------------------------- names */

static const char * const first_names[] = {
  "John", "James", "Michael", "David", "Robert", "William", "Richard", "Joseph", "Thomas", "Charles",
  "Daniel", "Matthew", "Mark", "Steven", "Paul", "Andrew", "Kevin", "Brian", "Tom", "Mike", "Chris",
  "Alex", "Sam", "Ben", "Jack", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Susan",
  "Jessica", "Sarah", "Karen", "Emily", "Emma", "Olivia", "Lisa", "Nancy", "Anna", "Amy", "Kate",
  "Rachel", "Megan", "Hannah", "Ana", "María", "Maria", "José", "Jose", "Juan", "Carlos", "Javier",
  "Lucía", "Lucia", "Carmen", "Pablo", "Sofía", "Sofia", "Laura", "Marta", "Elena", "Pedro", "Miguel",
  "Luis", "Antonio", "Manuel", "Francisco", "Jorge", "Alejandro", "Diego", "Isabel", "Pilar",
  "Cristina", "Raquel", "Jean", "Pierre", "Marie", "Sophie", "Camille", "Julien", "Nicolas",
  "Claire", "Luc", "Isabelle", "Léa", "Lea", "Chloé", "Manon", "Hugo", "Louis", "Antoine",
  "François", "Nathalie", "Céline", "Philippe", "Hans", "Klaus", "Peter", "Stefan", "Jürgen",
  "Juergen", "Anke", "Katrin", "Lukas", "Jonas", "Sabine", "Julia", "Lena", "Max", "Felix",
  "Wolfgang", "Andreas", "Markus", "Birgit", "Ursula", "Monika", "Petra", "Sebastian", "Tobias",
  "Wei", "Li", "Ming", NULL
};

/* Capitalised words that follow "I'm", "soy", "ich bin" … and are no name. */
static const char * const not_names[] = {
  "Not", "So", "Sorry", "Very", "Really", "Just", "Still", "Also", "Here", "There", "In", "On",
  "At", "From", "With", "Back", "Done", "Happy", "Fine", "Ok", "Okay", "Good", "Interested",
  "Looking", "Trying", "Going", "Calling", "Writing", "Unable", "Having", "Glad", "The", "My",
  "Your", "This", "That", "Afraid", "Sure", "Confused", "Angry", "Annoyed", "Frustrated", "Tired",
  "English", "Spanish", "French", "German", "Chinese", "American", "Canadian", "British",
  "Customer", "Client", "Cliente", "Clienta", "Kunde", "Kundin", "Student", "Studentin",
  "Estudiante", "Étudiant", "Étudiante", "Premium", "Gold", "Vip", "Neukunde", "Stammkunde",
  "Mitglied", "Rentner", "Rentnerin", "Lehrer", "Lehrerin", "Arzt", "Ärztin", "Español",
  "Española", "Français", "Française", "Deutscher", "Deutsche", "Hier", "Nicht", "Sehr",
  "Leider", "Gerade", "Seit", "Der", "Die", "Das", "Ein", "Eine", "Muy", "Nuevo", "Nueva",
  "Très", "Vraiment", "Désolé", "Désolée", "Le", "La", "Les", "Un", "Une", "El", "Una", "Hola",
  "Hello", "Hi", "Thanks", "Gracias", "Merci", "Danke", "Please", "Bonjour", "Hallo", "Buenos",
  "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Amazon",
  "Parley", "Support", "Firma", "Company", "Empresa", "Société", "Abteilung", "Team",
  "Kundenservice", "Service", "Sales", "Ventas", "Accounting", "Billing", NULL
};

static gboolean
in_list (const char * const *list,
         const char         *word,
         gsize               len)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (strlen (list[i]) == len && strncmp (list[i], word, len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_particle (const char *word,
             gsize       len)
{
  static const char * const particles[] = {
    "de", "del", "la", "le", "van", "von", "der", "du", "da", "di", "dos", "y", NULL
  };

  return in_list (particles, word, len);
}

static void
detect_latin_names (Ctx      *ctx,
                    gboolean  strong)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (strong ? RE_NAME_STRONG : RE_NAME_WEAK), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      const char *str = ctx->s->str;
      int s, e;
      gsize ws[16], we[16];
      guint n = 0, names = 0;

      /* Split into words; the name ends before the first word that is no
       * name ("John Thanks", "Markus Lehmann von der Firma"), and particles
       * left dangling at its end are dropped. */
      g_match_info_fetch_pos (info, 1, &s, &e);
      for (gsize i = s; i < (gsize) e && n < G_N_ELEMENTS (ws);)
        {
          ws[n] = i;
          while (i < (gsize) e && str[i] != ' ')
            i++;
          we[n++] = i;
          while (i < (gsize) e && str[i] == ' ')
            i++;
        }
      for (guint k = 0; k < n; k++)
        if (in_list (not_names, str + ws[k], we[k] - ws[k]))
          {
            n = k;
            break;
          }
      while (n > 0 && is_particle (str + ws[n - 1], we[n - 1] - ws[n - 1]))
        n--;
      if (n == 0)
        continue;
      for (guint k = 0; k < n; k++)
        names += !is_particle (str + ws[k], we[k] - ws[k]);
      if (!strong && !in_list (first_names, str + ws[0], we[0] - ws[0]))
        {
          int cs, ce;

          /* "This is New York calling": after "this is" only a known first name. */
          g_match_info_fetch_pos (info, 0, &cs, &ce);
          if (names < 2 || g_ascii_strncasecmp (str + cs, "this is", 7) == 0)
            continue;
        }
      add_candidate (ctx, PARLEY_PII_NAME, s, we[n - 1], PRIO_NAME, strong ? 0.8 : 0.6);
    }
}

/* Common surnames (single characters) and compound ones. */
static const char zh_surnames[] =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
  "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
  "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
  "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
  "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
  "明佘池乐匡钮";
static const char * const zh_compound[] = { "欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫", "尉迟", "公孙", NULL };
/* Characters that end a name: particles, verbs and pronouns that follow one. */
static const char zh_stops[] =
  "的了是我你他她想要问在有和今昨来从请需订买刚已就也都很对因所但可能会不没吗呢啊吧先女姐这那"
  "用户客会员学生老师";

static gboolean
zh_char_in (const char *set,
            gunichar    c)
{
  for (const char *p = set; *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) == c)
      return TRUE;
  return FALSE;
}

static void
detect_chinese_names (Ctx *ctx)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match (get_regex (RE_NAME_ZH), ctx->s->str, 0, &info);
  for (; g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      int cs, ce, s, e;
      const char *str = ctx->s->str;
      gboolean weak;
      gunichar chars[4];
      gsize offs[5];
      guint n = 0, surname = 0, take;
      const char *p;

      g_match_info_fetch_pos (info, 1, &cs, &ce);
      g_match_info_fetch_pos (info, 2, &s, &e);
      weak = strncmp (str + cs, "我是", ce - cs) == 0 && ce - cs == strlen ("我是");
      for (p = str + s; p < str + e && n < 4; p = g_utf8_next_char (p))
        {
          offs[n] = p - str;
          chars[n++] = g_utf8_get_char (p);
        }
      offs[n] = p - str;

      for (guint i = 0; zh_compound[i] != NULL; i++)
        if (strncmp (str + s, zh_compound[i], strlen (zh_compound[i])) == 0)
          surname = 2;
      if (surname == 0 && zh_char_in (zh_surnames, chars[0]))
        surname = 1;
      if (weak && surname == 0)
        continue;
      if (surname == 0 && zh_char_in (zh_stops, chars[0]))
        continue;
      /* The given name: one or two characters up to a stop character. */
      take = MAX (surname, 1);
      while (take < n && take < MAX (surname, 1) + 2 && !zh_char_in (zh_stops, chars[take]))
        take++;
      if (take < 2)
        continue;
      if (weak)
        {
          /* "我是高级会员": after the name must come punctuation, a space or the end. */
          const char *after = str + offs[take];
          gunichar next = *after != '\0' ? g_utf8_get_char (after) : 0;

          if (next != 0 && g_unichar_get_script (next) == G_UNICODE_SCRIPT_HAN)
            continue;
        }
      add_candidate (ctx, PARLEY_PII_NAME, s, offs[take], PRIO_NAME, weak ? 0.6 : 0.8);
    }
}

/* ---------------------------------------------------------------- custom */

static void
detect_custom (Ctx            *ctx,
               ParleyPiiRegex *regex)
{
  g_autoptr(GMatchInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_regex_match_full (regex->regex, ctx->s->str, ctx->s->len, 0, G_REGEX_MATCH_NOTEMPTY, &info, &error);
  for (; error == NULL && g_match_info_matches (info); g_match_info_next (info, &error))
    {
      int s, e;
      Candidate c;

      g_match_info_fetch_pos (info, 0, &s, &e);
      if (e <= s)
        continue;
      c = (Candidate) { PARLEY_PII_REGEX, s, e, PRIO_REGEX, 1.0, regex->name };
      g_array_append_val (ctx->cands, c);
    }
  /* A pattern that fails at match time (backtracking limit) matches nothing. */
  if (error != NULL)
    g_debug ("custom PII regex “%s” failed: %s", regex->name, error->message);
}

/* ---------------------------------------------------------------- detect */

static int
candidate_cmp (gconstpointer a,
               gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->prio != y->prio)
    return x->prio < y->prio ? -1 : 1;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end > y->end ? -1 : x->end < y->end;
}

static int
match_cmp (gconstpointer a,
           gconstpointer b)
{
  const ParleyPiiMatch *x = *(ParleyPiiMatch * const *) a;
  const ParleyPiiMatch *y = *(ParleyPiiMatch * const *) b;

  return x->start < y->start ? -1 : x->start > y->start;
}

GPtrArray *
parley_pii_detect_full (const char             *text,
                        ParleyPiiTypes          types,
                        ParleyPiiRegex * const *regexes,
                        guint                   n_regexes)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_pii_match_free);
  Ctx ctx = { 0 };

  g_return_val_if_fail (n_regexes == 0 || regexes != NULL, matches);

  if (text == NULL || *text == '\0')
    return matches;

  fold (&ctx, text, strlen (text));

  if (types & PARLEY_PII_EMAIL)
    detect_email (&ctx);
  if (types & PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER)
    detect_iban (&ctx);
  if (types & (PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER | PARLEY_PII_US_BANK_ACCOUNT_NUMBER
               | PARLEY_PII_US_BANK_ROUTING_NUMBER))
    detect_digit_runs (&ctx, types);
  if (types & PARLEY_PII_US_SOCIAL_SECURITY_NUMBER)
    detect_ssn (&ctx);
  if (types & PARLEY_PII_IP_ADDRESS)
    detect_ip (&ctx);
  if (types & PARLEY_PII_PHONE)
    detect_phone (&ctx);
  if (types & PARLEY_PII_NAME)
    {
      detect_latin_names (&ctx, TRUE);
      detect_latin_names (&ctx, FALSE);
      detect_chinese_names (&ctx);
    }
  for (guint i = 0; i < n_regexes; i++)
    if (regexes[i] != NULL)
      detect_custom (&ctx, regexes[i]);

  g_array_sort (ctx.cands, candidate_cmp);
  for (guint i = 0; i < ctx.cands->len; i++)
    {
      const Candidate *c = &g_array_index (ctx.cands, Candidate, i);
      ParleyPiiMatch *m;
      gboolean unclaimed = TRUE;

      for (gsize k = c->start; k < c->end && unclaimed; k++)
        unclaimed = !ctx.claimed[k];
      if (!unclaimed)
        continue;
      memset (ctx.claimed + c->start, 1, c->end - c->start);
      if (c->type == 0)
        continue;
      m = g_new0 (ParleyPiiMatch, 1);
      m->type = c->type;
      m->start = ctx.map[c->start];
      m->end = ctx.map[c->end];
      m->score = c->score;
      m->name = g_strdup (c->name);
      g_ptr_array_add (matches, m);
    }
  g_ptr_array_sort (matches, match_cmp);

  g_string_free (ctx.s, TRUE);
  g_free (ctx.map);
  g_free (ctx.claimed);
  g_array_unref (ctx.cands);
  return matches;
}

GPtrArray *
parley_pii_detect (const char     *text,
                   ParleyPiiTypes  types)
{
  return parley_pii_detect_full (text, types, NULL, 0);
}

char *
parley_pii_redact (const char *text,
                   GPtrArray  *matches)
{
  GString *out;
  gsize pos = 0, len;

  g_return_val_if_fail (text != NULL, NULL);

  len = strlen (text);
  out = g_string_sized_new (len);
  for (guint i = 0; matches != NULL && i < matches->len; i++)
    {
      const ParleyPiiMatch *m = g_ptr_array_index (matches, i);
      const char *label = m->type == PARLEY_PII_REGEX && m->name != NULL
                          ? m->name : parley_pii_type_to_string (m->type);

      if (m->start < pos || m->end < m->start || m->end > len || label == NULL)
        {
          g_critical ("parley_pii_redact: matches must be sorted, disjoint and inside the text");
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_len (out, text + pos, m->start - pos);
      g_string_append_printf (out, "{%s}", label);
      pos = m->end;
    }
  g_string_append_len (out, text + pos, len - pos);
  return g_string_free (out, FALSE);
}
