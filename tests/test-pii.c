/* test-pii.c — tests of the PII detectors and their anonymisation
 *
 * Per-type unit tests, the redaction format, custom regexes, UTF-8 safety,
 * and the labelled set tests/data/pii/cases.tsv (hand-written chat messages
 * in five languages, a third of them tricky negatives), which must reach a
 * recall of 0.98 and a precision of 0.95 overall.  A match counts as found
 * only if the type and the exact matched text agree with the label.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-pii"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "parley-error.h"
#include "parley-pii.h"
#include "test-utils.h"

/* "TYPE:text | TYPE:text" for the matches of @text, "-" for none. */
static char *
describe (const char *text,
          GPtrArray  *matches)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < matches->len; i++)
    {
      const ParleyPiiMatch *m = g_ptr_array_index (matches, i);

      if (i > 0)
        g_string_append (s, " | ");
      g_string_append_printf (s, "%s:%.*s",
                              m->type == PARLEY_PII_REGEX ? m->name : parley_pii_type_to_string (m->type),
                              (int) (m->end - m->start), text + m->start);
    }
  if (s->len == 0)
    g_string_append (s, "-");
  return g_string_free (s, FALSE);
}

/* Checks the invariants every result must keep. */
static void
check_matches (const char *text,
               GPtrArray  *matches)
{
  gsize len = strlen (text);
  gsize prev_end = 0;

  for (guint i = 0; i < matches->len; i++)
    {
      const ParleyPiiMatch *m = g_ptr_array_index (matches, i);

      g_assert_cmpuint (m->start, <, m->end);
      g_assert_cmpuint (m->end, <=, len);
      g_assert_cmpuint (m->start, >=, prev_end);
      g_assert_true (m->score > 0.0 && m->score <= 1.0);
      g_assert_nonnull (parley_pii_type_to_string (m->type));
      /* Never inside a UTF-8 character. */
      g_assert_false (((guchar) text[m->start] & 0xC0) == 0x80);
      g_assert_false (m->end < len && ((guchar) text[m->end] & 0xC0) == 0x80);
      prev_end = m->end;
    }
}

static void
assert_detects (ParleyPiiTypes  types,
                const char     *text,
                const char     *expected)
{
  g_autoptr(GPtrArray) matches = parley_pii_detect (text, types);
  g_autofree char *got = describe (text, matches);

  check_matches (text, matches);
  if (g_strcmp0 (got, expected) != 0)
    g_error ("“%s”: expected %s, got %s", text, expected, got);
}

static void
test_type_names (void)
{
  ParleyPiiType type = 0;

  for (guint bit = 0; bit <= 9; bit++)
    {
      const char *name = parley_pii_type_to_string (1u << bit);

      g_assert_nonnull (name);
      g_assert_true (parley_pii_type_from_string (name, &type));
      g_assert_cmpuint (type, ==, 1u << bit);
    }
  g_assert_cmpstr (parley_pii_type_to_string (PARLEY_PII_CREDIT_DEBIT_CARD_NUMBER), ==, "CREDIT_DEBIT_CARD_NUMBER");
  g_assert_true (parley_pii_type_from_string ("IBAN", &type));
  g_assert_cmpuint (type, ==, PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER);
  g_assert_false (parley_pii_type_from_string ("ADDRESS", &type));
  g_assert_false (parley_pii_type_from_string ("email", &type));
  g_assert_false (parley_pii_type_from_string (NULL, &type));
  g_assert_null (parley_pii_type_to_string (PARLEY_PII_EMAIL | PARLEY_PII_PHONE));
}

static void
test_email (void)
{
  assert_detects (PARLEY_PII_ALL, "mail me: a.b-c+tag@mail.example.co.uk.", "EMAIL:a.b-c+tag@mail.example.co.uk");
  assert_detects (PARLEY_PII_ALL, "邮箱是wang@163.com，谢谢", "EMAIL:wang@163.com");
  assert_detects (PARLEY_PII_ALL, "not an address: user@localhost, @handle, a@b", "-");
  assert_detects (PARLEY_PII_ALL, "x@y.z is too short a TLD", "-");
}

static void
test_phone (void)
{
  /* US / NANP */
  assert_detects (PARLEY_PII_PHONE, "call (415) 555-2671 now", "PHONE:(415) 555-2671");
  assert_detects (PARLEY_PII_PHONE, "+1 415 555 2671", "PHONE:+1 415 555 2671");
  assert_detects (PARLEY_PII_PHONE, "1-800-555-0199", "PHONE:1-800-555-0199");
  assert_detects (PARLEY_PII_PHONE, "phone 4155552671", "PHONE:4155552671");
  assert_detects (PARLEY_PII_PHONE, "order 4155552671", "-");
  assert_detects (PARLEY_PII_PHONE, "(115) 555-2671", "-");       /* area code from 2 */
  /* Spain */
  assert_detects (PARLEY_PII_PHONE, "+34 612 345 678", "PHONE:+34 612 345 678");
  assert_detects (PARLEY_PII_PHONE, "0034 912 34 56 78", "PHONE:0034 912 34 56 78");
  assert_detects (PARLEY_PII_PHONE, "móvil 699123456", "PHONE:699123456");
  assert_detects (PARLEY_PII_PHONE, "pedido 699123456", "-");
  assert_detects (PARLEY_PII_PHONE, "+34 512 345 678", "-");      /* not from 6–9 */
  /* China */
  assert_detects (PARLEY_PII_PHONE, "手机13812345678谢谢", "PHONE:13812345678");
  assert_detects (PARLEY_PII_PHONE, "+86 138 1234 5678", "PHONE:+86 138 1234 5678");
  assert_detects (PARLEY_PII_PHONE, "电话0755-12345678", "PHONE:0755-12345678");
  assert_detects (PARLEY_PII_PHONE, "12812345678", "-");           /* no 12x mobiles */
  assert_detects (PARLEY_PII_PHONE, "order 13912345678, 订单号13912345678", "-");
  assert_detects (PARLEY_PII_PHONE, "order 139, call me: 13912345678", "PHONE:13912345678");
  /* France */
  assert_detects (PARLEY_PII_PHONE, "06 12 34 56 78", "PHONE:06 12 34 56 78");
  assert_detects (PARLEY_PII_PHONE, "+33 (0)1 42 68 53 00", "PHONE:+33 (0)1 42 68 53 00");
  assert_detects (PARLEY_PII_PHONE, "+33 6 12 34 56 7", "-");      /* 8 digits */
  /* Germany */
  assert_detects (PARLEY_PII_PHONE, "0151 23456789", "PHONE:0151 23456789");
  assert_detects (PARLEY_PII_PHONE, "+49 (0)30 1234567", "PHONE:+49 (0)30 1234567");
  assert_detects (PARLEY_PII_PHONE, "089/12345678", "PHONE:089/12345678");
  /* Two numbers in a row stay two numbers. */
  assert_detects (PARLEY_PII_PHONE, "612 345 678 699 111 222", "PHONE:612 345 678 | PHONE:699 111 222");
  /* Dates, times, prices, dotted quads */
  assert_detects (PARLEY_PII_PHONE, "06/05/2024 06.05.2024 2024-05-06 14:30 $1,299.99 192.168.100.200", "-");
}

static void
test_card (void)
{
  assert_detects (PARLEY_PII_ALL, "4111 1111 1111 1111", "CREDIT_DEBIT_CARD_NUMBER:4111 1111 1111 1111");
  assert_detects (PARLEY_PII_ALL, "3714-496353-98431", "CREDIT_DEBIT_CARD_NUMBER:3714-496353-98431");
  assert_detects (PARLEY_PII_ALL, "4111 1111 1111 1112", "-");             /* Luhn */
  assert_detects (PARLEY_PII_ALL, "1234567812345670", "-");                /* Luhn-valid, no issuer */
  assert_detects (PARLEY_PII_ALL, "4111 1111-1111 1111", "-");             /* mixed separators */
  assert_detects (PARLEY_PII_ALL, "4222222222222", "-");                   /* 13 digits, no cue */
  assert_detects (PARLEY_PII_ALL, "visa 4222222222222", "CREDIT_DEBIT_CARD_NUMBER:4222222222222");
  assert_detects (PARLEY_PII_ALL, "x4111111111111111", "-");
}

static void
test_ssn (void)
{
  assert_detects (PARLEY_PII_ALL, "ssn 536-22-1234", "US_SOCIAL_SECURITY_NUMBER:536-22-1234");
  assert_detects (PARLEY_PII_ALL, "536-22-1234", "US_SOCIAL_SECURITY_NUMBER:536-22-1234");
  assert_detects (PARLEY_PII_ALL, "my SSN: 536221234", "US_SOCIAL_SECURITY_NUMBER:536221234");
  assert_detects (PARLEY_PII_US_SOCIAL_SECURITY_NUMBER, "order 536221234", "-");
  assert_detects (PARLEY_PII_ALL, "000-22-1234 666-22-1234 900-22-1234 536-00-1234 536-22-0000", "-");
  assert_detects (PARLEY_PII_ALL, "536-22-12345", "-");
}

static void
test_bank (void)
{
  assert_detects (PARLEY_PII_ALL, "account number 12345678", "US_BANK_ACCOUNT_NUMBER:12345678");
  assert_detects (PARLEY_PII_ALL, "Konto: 1234567890", "US_BANK_ACCOUNT_NUMBER:1234567890");
  assert_detects (PARLEY_PII_ALL, "我的账号是62284801234567", "US_BANK_ACCOUNT_NUMBER:62284801234567");
  assert_detects (PARLEY_PII_ALL, "account 1234567", "-");                 /* 7 digits */
  assert_detects (PARLEY_PII_ALL, "ticket 12345678", "-");                 /* no cue */
  assert_detects (PARLEY_PII_ALL, "my account phone is 0612345678", "PHONE:0612345678");
  assert_detects (PARLEY_PII_ALL, "routing 021000021", "US_BANK_ROUTING_NUMBER:021000021");
  assert_detects (PARLEY_PII_US_BANK_ROUTING_NUMBER, "routing 021000022", "-"); /* checksum */
  assert_detects (PARLEY_PII_US_BANK_ROUTING_NUMBER, "021000021", "-");         /* no cue */
}

static void
test_iban (void)
{
  assert_detects (PARLEY_PII_ALL, "IBAN DE89 3704 0044 0532 0130 00.",
                  "INTERNATIONAL_BANK_ACCOUNT_NUMBER:DE89 3704 0044 0532 0130 00");
  assert_detects (PARLEY_PII_ALL, "gb29nwbk60161331926819", "INTERNATIONAL_BANK_ACCOUNT_NUMBER:gb29nwbk60161331926819");
  /* The country's length bounds the match: the following number is not part of it. */
  assert_detects (PARLEY_PII_INTERNATIONAL_BANK_ACCOUNT_NUMBER, "NL91ABNA0417164300 5000",
                  "INTERNATIONAL_BANK_ACCOUNT_NUMBER:NL91ABNA0417164300");
  assert_detects (PARLEY_PII_ALL, "DE89 3704 0044 0532 0130 01", "-");      /* mod 97 */
  assert_detects (PARLEY_PII_ALL, "DE89370400440532013000123", "-");       /* too long */
  assert_detects (PARLEY_PII_ALL, "XX89370400440532013000", "-");          /* no such country */
}

static void
test_ip (void)
{
  assert_detects (PARLEY_PII_ALL, "from 203.0.113.45, again", "IP_ADDRESS:203.0.113.45");
  assert_detects (PARLEY_PII_ALL, "256.1.1.1 1.2.3 1.2.3.4.5 01.2.3.4", "-");
  assert_detects (PARLEY_PII_ALL, "v1.2.3.4, version 1.2.3.4, 版本 1.2.3.4", "-");
  assert_detects (PARLEY_PII_ALL, "2001:db8::ff00:42:8329", "IP_ADDRESS:2001:db8::ff00:42:8329");
  assert_detects (PARLEY_PII_ALL, "::ffff:192.0.2.1", "IP_ADDRESS:::ffff:192.0.2.1");
  assert_detects (PARLEY_PII_ALL, "at 10:30:45 and 12:00", "-");
  assert_detects (PARLEY_PII_ALL, "1:2:3:4:5:6:7:8:9", "-");
}

static void
test_name (void)
{
  assert_detects (PARLEY_PII_NAME, "My name is John Smith.", "NAME:John Smith");
  assert_detects (PARLEY_PII_NAME, "I'm Sarah, hi", "NAME:Sarah");
  assert_detects (PARLEY_PII_NAME, "I’m Priya Patel", "NAME:Priya Patel");
  assert_detects (PARLEY_PII_NAME, "I'm angry. I'm Happy. I am Not amused", "-");
  assert_detects (PARLEY_PII_NAME, "I'm Zorblax", "-");                    /* weak cue, unknown single word */
  assert_detects (PARLEY_PII_NAME, "my name is Zorblax", "NAME:Zorblax");   /* strong cue */
  assert_detects (PARLEY_PII_NAME, "me llamo Ana de la Fuente", "NAME:Ana de la Fuente");
  assert_detects (PARLEY_PII_NAME, "soy estudiante", "-");
  assert_detects (PARLEY_PII_NAME, "je m'appelle Léa", "NAME:Léa");
  assert_detects (PARLEY_PII_NAME, "je suis déçu", "-");
  assert_detects (PARLEY_PII_NAME, "Ich heiße Jürgen Weiß", "NAME:Jürgen Weiß");
  assert_detects (PARLEY_PII_NAME, "ich bin Kunde", "-");
  assert_detects (PARLEY_PII_NAME, "Ich bin Markus Lehmann von der Firma Lehmann", "NAME:Markus Lehmann");
  assert_detects (PARLEY_PII_NAME, "Hi, I'm Tom Thanks", "NAME:Tom");
  assert_detects (PARLEY_PII_NAME, "This is Karen. This is New York calling", "NAME:Karen");
  assert_detects (PARLEY_PII_NAME, "我叫王小明，想问一下", "NAME:王小明");
  assert_detects (PARLEY_PII_NAME, "我叫李明想问一下", "NAME:李明");
  assert_detects (PARLEY_PII_NAME, "我是张伟。", "NAME:张伟");
  assert_detects (PARLEY_PII_NAME, "我是学生，我是高级会员，我是新用户", "-");
}

static void
test_types_filter (void)
{
  const char *text = "mail a@example.com, call 06 12 34 56 78";

  assert_detects (PARLEY_PII_EMAIL, text, "EMAIL:a@example.com");
  assert_detects (PARLEY_PII_PHONE, text, "PHONE:06 12 34 56 78");
  assert_detects (0, text, "-");
  assert_detects (PARLEY_PII_ALL, "", "-");
  assert_detects (PARLEY_PII_ALL, "no pii here", "-");
}

static void
test_redact (void)
{
  const char *text = "I'm Anna, card 4111 1111 1111 1111, mail anna@example.com, 手机13812345678。";
  g_autoptr(GPtrArray) matches = parley_pii_detect (text, PARLEY_PII_ALL);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autofree char *redacted = parley_pii_redact (text, matches);
  g_autofree char *copy = parley_pii_redact (text, none);
  g_autofree char *copy2 = parley_pii_redact (text, NULL);

  g_assert_cmpstr (redacted, ==,
                   "I'm {NAME}, card {CREDIT_DEBIT_CARD_NUMBER}, mail {EMAIL}, 手机{PHONE}。");
  g_assert_cmpstr (copy, ==, text);
  g_assert_cmpstr (copy2, ==, text);
}

static void
test_redact_bad_matches (void)
{
  if (g_test_subprocess ())
    {
      const char *text = "abc";
      g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) parley_pii_match_free);
      ParleyPiiMatch *m = g_new0 (ParleyPiiMatch, 1);
      g_autofree char *out = NULL;

      m->type = PARLEY_PII_EMAIL;
      m->start = 1;
      m->end = 10;
      g_ptr_array_add (matches, m);
      out = parley_pii_redact (text, matches);
      g_assert_null (out);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*matches must be sorted*");
}

static void
test_fullwidth (void)
{
  const char *text = "电话：１３８１２３４５６７８，邮箱ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ";
  g_autoptr(GPtrArray) matches = parley_pii_detect (text, PARLEY_PII_ALL);
  g_autofree char *redacted = parley_pii_redact (text, matches);

  check_matches (text, matches);
  g_assert_cmpuint (matches->len, ==, 2);
  g_assert_cmpstr (redacted, ==, "电话：{PHONE}，邮箱{EMAIL}");
}

static void
test_invalid_utf8 (void)
{
  const char *text = "\xff\xfe mail bob@example.com \xc3 or call 06 12 34 56 78\x80";
  g_autoptr(GPtrArray) matches = parley_pii_detect (text, PARLEY_PII_ALL);
  g_autofree char *got = describe (text, matches);
  g_autofree char *redacted = parley_pii_redact (text, matches);

  g_assert_cmpstr (got, ==, "EMAIL:bob@example.com | PHONE:06 12 34 56 78");
  g_assert_cmpstr (redacted, ==, "\xff\xfe mail {EMAIL} \xc3 or call {PHONE}\x80");
}

static void
test_custom_regex (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyPiiRegex) order = parley_pii_regex_new ("order_id", "KE-[0-9]{6}", &error);
  g_autoptr(ParleyPiiRegex) empty = NULL;
  ParleyPiiRegex *regexes[1];
  const char *text = "Order KE-123456 for a@example.com";
  g_autoptr(GPtrArray) matches = NULL;
  g_autofree char *redacted = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (parley_pii_regex_get_name (order), ==, "order_id");
  regexes[0] = order;
  matches = parley_pii_detect_full (text, PARLEY_PII_EMAIL, regexes, 1);
  check_matches (text, matches);
  redacted = parley_pii_redact (text, matches);
  g_assert_cmpstr (redacted, ==, "Order {order_id} for {EMAIL}");

  /* An empty-matching pattern matches nothing rather than looping. */
  empty = parley_pii_regex_new ("empty", "x*", &error);
  g_assert_no_error (error);
  {
    ParleyPiiRegex *r[] = { empty };
    g_autoptr(GPtrArray) m = parley_pii_detect_full ("abc xx d", 0, r, 1);
    g_autofree char *got = describe ("abc xx d", m);

    g_assert_cmpstr (got, ==, "empty:xx");
  }

  g_assert_null (parley_pii_regex_new ("bad name", "x", &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_pii_regex_new ("", "x", &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_pii_regex_new ("ok", "(unclosed", &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_pii_regex_new ("ok", "", &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
}

/* --------------------------------------------------------- labelled set */

typedef struct {
  guint tp, fp, fn;
} Counts;

static void
count_item (GHashTable *per_type,
            const char *item,
            gsize       which)
{
  g_autofree char *type = g_strndup (item, strcspn (item, ":"));
  Counts *c = g_hash_table_lookup (per_type, type);

  if (c == NULL)
    {
      c = g_new0 (Counts, 1);
      g_hash_table_insert (per_type, g_steal_pointer (&type), c);
    }
  if (which == 0)
    c->tp++;
  else if (which == 1)
    c->fp++;
  else
    c->fn++;
}

static void
test_labelled_set (void)
{
  g_autofree char *path = test_source_path ("tests", "data", "pii", "cases.tsv", NULL);
  g_autofree char *data = test_read_text (path, NULL);
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  g_autoptr(GHashTable) per_type = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Counts total = { 0 };
  guint cases = 0, negatives = 0;
  GHashTableIter iter;
  gpointer key, value;
  double recall, precision;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');
      const char *text;
      g_autofree char *expected_s = NULL;
      g_auto(GStrv) expected = NULL;
      g_autoptr(GPtrArray) matches = NULL;
      g_autofree char *got_s = NULL;
      g_auto(GStrv) got = NULL;
      g_autofree char *redacted = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_assert_nonnull (tab);
      text = tab + 1;
      expected_s = g_strndup (lines[i], tab - lines[i]);
      cases++;
      negatives += g_str_equal (expected_s, "-");
      expected = g_str_equal (expected_s, "-") ? g_new0 (char *, 1) : g_strsplit (expected_s, " | ", -1);

      matches = parley_pii_detect (text, PARLEY_PII_ALL);
      check_matches (text, matches);
      redacted = parley_pii_redact (text, matches);
      g_assert_true (g_utf8_validate (redacted, -1, NULL));
      got_s = describe (text, matches);
      got = g_str_equal (got_s, "-") ? g_new0 (char *, 1) : g_strsplit (got_s, " | ", -1);

      for (guint k = 0; got[k] != NULL; k++)
        {
          gboolean hit = g_strv_contains ((const char * const *) expected, got[k]);

          count_item (per_type, got[k], hit ? 0 : 1);
          if (hit)
            total.tp++;
          else
            total.fp++;
          if (!hit)
            g_test_message ("false positive %s in “%s”", got[k], text);
        }
      for (guint k = 0; expected[k] != NULL; k++)
        if (!g_strv_contains ((const char * const *) got, expected[k]))
          {
            count_item (per_type, expected[k], 2);
            total.fn++;
            g_test_message ("missed %s in “%s”", expected[k], text);
          }
    }

  g_assert_cmpuint (cases, >=, 300);
  g_assert_cmpuint (negatives * 3, >=, cases);

  g_hash_table_iter_init (&iter, per_type);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const Counts *c = value;

      g_test_message ("%-34s recall %.3f  precision %.3f  (tp %u, fp %u, fn %u)", (const char *) key,
                      c->tp + c->fn ? (double) c->tp / (c->tp + c->fn) : 1.0,
                      c->tp + c->fp ? (double) c->tp / (c->tp + c->fp) : 1.0,
                      c->tp, c->fp, c->fn);
    }
  recall = (double) total.tp / (total.tp + total.fn);
  precision = (double) total.tp / MAX (1, total.tp + total.fp);
  g_test_message ("overall: %u cases (%u without PII), recall %.3f, precision %.3f (tp %u, fp %u, fn %u)",
                  cases, negatives, recall, precision, total.tp, total.fp, total.fn);
  g_assert_cmpfloat (recall, >=, 0.98);
  g_assert_cmpfloat (precision, >=, 0.95);
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/pii/type-names", test_type_names);
  g_test_add_func ("/pii/email", test_email);
  g_test_add_func ("/pii/phone", test_phone);
  g_test_add_func ("/pii/card", test_card);
  g_test_add_func ("/pii/ssn", test_ssn);
  g_test_add_func ("/pii/bank", test_bank);
  g_test_add_func ("/pii/iban", test_iban);
  g_test_add_func ("/pii/ip", test_ip);
  g_test_add_func ("/pii/name", test_name);
  g_test_add_func ("/pii/types-filter", test_types_filter);
  g_test_add_func ("/pii/redact", test_redact);
  g_test_add_func ("/pii/redact-bad-matches", test_redact_bad_matches);
  g_test_add_func ("/pii/fullwidth", test_fullwidth);
  g_test_add_func ("/pii/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/pii/custom-regex", test_custom_regex);
  g_test_add_func ("/pii/labelled-set", test_labelled_set);

  return g_test_run ();
}
