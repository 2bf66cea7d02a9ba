/* test-retry.c — the standard retry mode: which errors are retried, jittered
 * and capped backoff, the retry quota, server retry hints. Randomness is
 * injected (a seeded GRand or a fixed value), so every run is the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-error.h"
#include "parley-retry.h"
#include "test-utils.h"

static GError *
aws_error (ParleyAwsError code,
           const char    *aws_code,
           guint          status)
{
  GError *error = NULL;

  parley_aws_set_error (&error, code, aws_code, "req-1", status, "test failure");
  return error;
}

static double
fixed_random (gpointer user_data)
{
  return *(const double *) user_data;
}

static double
grand_random (gpointer user_data)
{
  return g_rand_double (user_data);
}

/* A policy whose random numbers are always @value. */
static ParleyRetryPolicy *
fixed_policy (guint   max_attempts,
              guint   base_ms,
              guint   max_backoff_ms,
              double *value)
{
  ParleyRetryPolicy *policy = parley_retry_policy_new (max_attempts, base_ms, max_backoff_ms);

  parley_retry_policy_set_random_func (policy, fixed_random, value, NULL);
  return policy;
}

static void
test_defaults (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (0, 0, 0);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, "InternalServerException", 500);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);

  g_assert_cmpuint (parley_retry_policy_get_max_attempts (policy), ==, PARLEY_RETRY_DEFAULT_MAX_ATTEMPTS);
  g_assert_cmpuint (parley_retry_policy_get_capacity (policy), ==, 500);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
  g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, transient, 1), ==, PARLEY_RETRY_DEFAULT_BASE_MS);
  g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, throttled, 1), ==, PARLEY_RETRY_DEFAULT_THROTTLING_BASE_MS);
  g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, throttled, 30), ==, PARLEY_RETRY_DEFAULT_MAX_BACKOFF_MS);
}

/* With the random number pinned at 1 the delay is the bound itself:
 * base × 2^(attempt-1), capped; throttling has its own base. */
static void
test_backoff_exact (void)
{
  double one = 1.0;
  g_autoptr(ParleyRetryPolicy) policy = fixed_policy (100, 50, 1000, &one);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 503);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);
  const guint transient_expected[] = { 50, 100, 200, 400, 800, 1000, 1000, 1000 };
  const guint throttled_expected[] = { 300, 600, 1000, 1000 };
  ParleyRetryDecision d;

  parley_retry_policy_set_throttling_base (policy, 300);
  for (guint i = 0; i < G_N_ELEMENTS (transient_expected); i++)
    {
      g_assert_true (parley_retry_policy_should_retry (policy, transient, i + 1, -1, &d));
      g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_RETRY);
      g_assert_cmpuint (d.delay_ms, ==, transient_expected[i]);
      g_assert_cmpuint (d.cost, ==, PARLEY_RETRY_COST);
    }
  for (guint i = 0; i < G_N_ELEMENTS (throttled_expected); i++)
    {
      g_assert_true (parley_retry_policy_should_retry (policy, throttled, i + 1, -1, &d));
      g_assert_cmpuint (d.delay_ms, ==, throttled_expected[i]);
    }

  /* Huge attempt numbers saturate instead of overflowing. */
  g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, transient, 33), ==, 1000);
  g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, transient, G_MAXUINT), ==, 1000);
  g_assert_true (parley_retry_policy_should_retry (policy, transient, 99, -1, &d));
  g_assert_cmpuint (d.delay_ms, ==, 1000);

  /* At 0 there is no wait at all. */
  one = 0.0;
  g_assert_true (parley_retry_policy_should_retry (policy, throttled, 3, -1, &d));
  g_assert_cmpuint (d.delay_ms, ==, 0);
}

/* Full jitter from a seeded generator: every delay within [0, bound], and
 * spread over the whole range. */
static void
test_backoff_jitter (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (10, 100, 3000);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 502);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "TooManyRequestsException", 429);
  GRand *rand = g_rand_new_with_seed (20240611);

  parley_retry_policy_set_random_func (policy, grand_random, rand, (GDestroyNotify) g_rand_free);
  parley_retry_policy_set_throttling_base (policy, 400);

  for (guint attempt = 1; attempt < 10; attempt++)
    for (guint k = 0; k < 2; k++)
      {
        const GError *error = k == 0 ? transient : throttled;
        guint limit = MIN ((k == 0 ? 100u : 400u) << (attempt - 1), 3000u);
        guint lo = G_MAXUINT, hi = 0;
        double sum = 0;

        g_assert_cmpuint (parley_retry_policy_get_backoff_limit (policy, error, attempt), ==, limit);
        for (guint i = 0; i < 400; i++)
          {
            ParleyRetryDecision d;

            g_assert_true (parley_retry_policy_should_retry (policy, error, attempt, -1, &d));
            g_assert_cmpuint (d.delay_ms, <=, limit);
            lo = MIN (lo, d.delay_ms);
            hi = MAX (hi, d.delay_ms);
            sum += d.delay_ms;
            parley_retry_policy_record_success (policy, d.cost);
          }
        g_assert_cmpuint (lo, <=, limit / 20);
        g_assert_cmpuint (hi, >=, limit - limit / 20);
        g_assert_cmpfloat (fabs (sum / 400 - limit / 2.0), <, limit * 0.1);
      }
  /* Every retry was refunded by its success. */
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
}

/* A random function that misbehaves cannot produce a delay out of range. */
static void
test_random_clamped (void)
{
  double value = 0;
  g_autoptr(ParleyRetryPolicy) policy = fixed_policy (5, 100, 1000, &value);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);
  const double bad[] = { 7.5, -3.0, NAN, INFINITY, -INFINITY };
  ParleyRetryDecision d;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      value = bad[i];
      g_assert_true (parley_retry_policy_should_retry (policy, transient, 2, -1, &d));
      g_assert_cmpuint (d.delay_ms, <=, 200);
      g_assert_cmpuint (d.delay_ms, ==, bad[i] > 1 ? 200 : 0);
    }
}

static void
test_not_retryable (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (5, 0, 0);
  GError *errors[] = {
    aws_error (PARLEY_AWS_ERROR_VALIDATION, "ValidationException", 400),
    aws_error (PARLEY_AWS_ERROR_ACCESS_DENIED, "AccessDeniedException", 403),
    aws_error (PARLEY_AWS_ERROR_CREDENTIALS, "ExpiredTokenException", 403),
    aws_error (PARLEY_AWS_ERROR_NOT_FOUND, "ResourceNotFoundException", 404),
    aws_error (PARLEY_AWS_ERROR_PROTOCOL, NULL, 200),
    aws_error (PARLEY_AWS_ERROR_FAILED, "SomethingElse", 418),
    aws_error (PARLEY_AWS_ERROR_CIRCUIT_OPEN, NULL, 0),
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled"),
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL"),
    g_error_new_literal (PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "bad JSON"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      ParleyRetryDecision d = { .verdict = PARLEY_RETRY_VERDICT_RETRY, .delay_ms = 77, .cost = 77 };

      g_assert_false (parley_retry_policy_should_retry (policy, errors[i], 1, 1000, &d));
      g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_NOT_RETRYABLE);
      g_assert_cmpuint (d.delay_ms, ==, 0);
      g_assert_cmpuint (d.cost, ==, 0);
      g_error_free (errors[i]);
    }
  /* NULL (no error) is not retried either, and nothing was charged. */
  g_assert_false (parley_retry_policy_should_retry (policy, NULL, 1, -1, NULL));
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
}

static void
test_retryable_classes (void)
{
  double half = 0.5;
  g_autoptr(ParleyRetryPolicy) policy = fixed_policy (5, 100, 1000, &half);
  struct {
    GError *error;
    guint   cost;
  } cases[] = {
    { aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429), PARLEY_RETRY_COST },
    { aws_error (PARLEY_AWS_ERROR_TRANSIENT, "ServiceUnavailableException", 503), PARLEY_RETRY_COST },
    { aws_error (PARLEY_AWS_ERROR_MODEL_NOT_READY, "ModelNotReadyException", 429), PARLEY_RETRY_COST },
    { aws_error (PARLEY_AWS_ERROR_TIMEOUT, "ModelTimeoutException", 408), PARLEY_RETRY_TIMEOUT_COST },
    { g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "read timeout"), PARLEY_RETRY_TIMEOUT_COST },
    { g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "reset"), PARLEY_RETRY_COST },
    { g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused"), PARLEY_RETRY_COST },
  };
  guint expected = 500;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ParleyRetryDecision d;

      g_assert_true (parley_retry_policy_should_retry (policy, cases[i].error, 1, -1, &d));
      g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_RETRY);
      g_assert_cmpuint (d.cost, ==, cases[i].cost);
      expected -= cases[i].cost;
      g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, expected);
      g_error_free (cases[i].error);
    }
}

/* max_attempts counts every attempt: with 3, attempts 1 and 2 may be
 * retried, the 3rd may not — and that costs nothing. */
static void
test_attempts (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (3, 0, 0);
  g_autoptr(ParleyRetryPolicy) once = parley_retry_policy_new (1, 0, 0);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);
  ParleyRetryDecision d;

  g_assert_true (parley_retry_policy_should_retry (policy, transient, 1, -1, &d));
  g_assert_true (parley_retry_policy_should_retry (policy, transient, 2, -1, &d));
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 490);
  g_assert_false (parley_retry_policy_should_retry (policy, transient, 3, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT);
  g_assert_false (parley_retry_policy_should_retry (policy, transient, 4, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 490);

  g_assert_false (parley_retry_policy_should_retry (once, transient, 1, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT);
}

/* 500 tokens, 10 a timeout retry: 50 retries empty the bucket, the 51st is
 * refused; successes refill it (1 for a first attempt, the retry's cost
 * after a retry), never above the capacity. */
static void
test_quota (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (3, 0, 0);
  g_autoptr(GError) timeout = aws_error (PARLEY_AWS_ERROR_TIMEOUT, NULL, 0);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);
  ParleyRetryDecision d;

  for (guint i = 0; i < 50; i++)
    {
      g_assert_true (parley_retry_policy_should_retry (policy, timeout, 1, -1, &d));
      g_assert_cmpuint (d.cost, ==, 10);
    }
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 0);
  g_assert_false (parley_retry_policy_should_retry (policy, timeout, 1, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED);
  g_assert_false (parley_retry_policy_should_retry (policy, transient, 1, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 0);

  /* Five first-attempt successes: 5 tokens, enough for a 5xx retry but
   * not for a timeout retry. */
  for (guint i = 0; i < 5; i++)
    parley_retry_policy_record_success (policy, 0);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 5);
  g_assert_false (parley_retry_policy_should_retry (policy, timeout, 1, -1, &d));
  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED);
  g_assert_true (parley_retry_policy_should_retry (policy, transient, 1, -1, &d));
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 0);

  /* The success of that retry gives its 5 back. */
  parley_retry_policy_record_success (policy, d.cost);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 5);

  /* Refills stop at the capacity. */
  for (guint i = 0; i < 100; i++)
    parley_retry_policy_record_success (policy, 10);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
  parley_retry_policy_record_success (policy, 0);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
}

/* The retry-quota scenarios of aws-sdk-go-v2's 2026 standard mode tests
 * (set_quota (…, 14, 14, 5), base 50 ms, throttling base 1 s, cap 20 s,
 * random number 1), step by step: outcome, tokens left, delay. */
typedef struct {
  char   response;          /* '5': 500, 'T': throttling, 'S': success */
  gint64 retry_after_ms;    /* -1: none */
  char   outcome;           /* 'R' retry, 'M' max attempts, 'Q' quota, 'S' success */
  guint  quota;
  guint  delay_ms;
} Step;

typedef struct {
  const char *name;
  guint       max_attempts;
  guint       initial;
  guint       max_backoff_ms;
  Step        steps[6];
} Scenario;

static const Scenario sdk_scenarios[] = {
  { "eventually succeeds", 3, 500, 0,
    { { '5', -1, 'R', 486, 50 }, { '5', -1, 'R', 472, 100 }, { 'S', -1, 'S', 486, 0 } } },
  { "max attempts", 3, 500, 0,
    { { '5', -1, 'R', 486, 50 }, { '5', -1, 'R', 472, 100 }, { '5', -1, 'M', 472, 0 } } },
  { "quota after one retry", 3, 14, 0,
    { { '5', -1, 'R', 0, 50 }, { '5', -1, 'Q', 0, 0 } } },
  { "no quota at all", 3, 0, 0,
    { { '5', -1, 'Q', 0, 0 } } },
  { "exponential timing", 5, 500, 0,
    { { '5', -1, 'R', 486, 50 }, { '5', -1, 'R', 472, 100 }, { '5', -1, 'R', 458, 200 },
      { '5', -1, 'R', 444, 400 }, { '5', -1, 'M', 444, 0 } } },
  { "max backoff", 5, 500, 200,
    { { '5', -1, 'R', 486, 50 }, { '5', -1, 'R', 472, 100 }, { '5', -1, 'R', 458, 200 },
      { '5', -1, 'R', 444, 200 }, { '5', -1, 'M', 444, 0 } } },
  { "quota exhaustion", 5, 20, 0,
    { { '5', -1, 'R', 6, 50 }, { '5', -1, 'Q', 6, 0 } } },
  { "quota recovery", 5, 30, 0,
    { { '5', -1, 'R', 16, 50 }, { '5', -1, 'R', 2, 100 }, { 'S', -1, 'S', 16, 0 },
      { '5', -1, 'R', 2, 50 }, { 'S', -1, 'S', 16, 0 } } },
  { "throttling", 3, 500, 0,
    { { 'T', -1, 'R', 495, 1000 }, { 'S', -1, 'S', 500, 0 } } },
  { "retry-after minimum is the backoff", 3, 500, 0,
    { { '5', 0, 'R', 486, 50 }, { 'S', -1, 'S', 500, 0 } } },
  { "retry-after maximum is backoff + 5 s", 3, 500, 0,
    { { '5', 10000, 'R', 486, 5050 }, { 'S', -1, 'S', 500, 0 } } },
  { "retry-after within the range", 3, 500, 0,
    { { '5', 1500, 'R', 486, 1500 }, { 'S', -1, 'S', 500, 0 } } },
};

static void
test_sdk_scenarios (void)
{
  double one = 1.0;

  for (guint s = 0; s < G_N_ELEMENTS (sdk_scenarios); s++)
    {
      const Scenario *sc = &sdk_scenarios[s];
      g_autoptr(ParleyRetryPolicy) policy = fixed_policy (sc->max_attempts, PARLEY_RETRY_SDK_BASE_MS,
                                                          sc->max_backoff_ms != 0 ? sc->max_backoff_ms
                                                                                  : PARLEY_RETRY_SDK_MAX_BACKOFF_MS,
                                                          &one);
      guint attempt = 0, held = 0;

      g_test_message ("scenario: %s", sc->name);
      parley_retry_policy_set_throttling_base (policy, PARLEY_RETRY_SDK_THROTTLING_BASE_MS);
      parley_retry_policy_set_quota (policy, sc->initial, 14, 14, 5);

      for (guint i = 0; i < G_N_ELEMENTS (sc->steps) && sc->steps[i].response != '\0'; i++)
        {
          const Step *st = &sc->steps[i];
          ParleyRetryDecision d;

          attempt++;
          if (st->response == 'S')
            {
              parley_retry_policy_record_success (policy, held);
              g_assert_cmpint (st->outcome, ==, 'S');
              held = 0;
              attempt = 0;
            }
          else
            {
              g_autoptr(GError) error = st->response == 'T'
                ? aws_error (PARLEY_AWS_ERROR_THROTTLING, "Throttling", 400)
                : aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);
              gboolean retry = parley_retry_policy_should_retry (policy, error, attempt, st->retry_after_ms, &d);

              switch (st->outcome)
                {
                case 'R':
                  g_assert_true (retry);
                  g_assert_cmpuint (d.delay_ms, ==, st->delay_ms);
                  held = d.cost;
                  break;
                case 'M':
                  g_assert_false (retry);
                  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT);
                  break;
                case 'Q':
                  g_assert_false (retry);
                  g_assert_cmpint (d.verdict, ==, PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED);
                  break;
                default:
                  g_assert_not_reached ();
                }
            }
          g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, st->quota);
        }
    }
}

/* Our own (classic standard mode) quota numbers in the same form. */
static void
test_classic_costs (void)
{
  double one = 1.0;
  g_autoptr(ParleyRetryPolicy) policy = fixed_policy (3, 0, 0, &one);
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);
  g_autoptr(GError) timeout = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "idle");
  ParleyRetryDecision d;

  g_assert_true (parley_retry_policy_should_retry (policy, transient, 1, -1, &d));
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 495);
  g_assert_true (parley_retry_policy_should_retry (policy, timeout, 2, -1, &d));
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 485);
  parley_retry_policy_record_success (policy, d.cost);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 495);
}

/* The extra wait a server hint may add is min (5 s, max_backoff). */
static void
test_retry_after_clamp (void)
{
  double zero = 0.0;
  g_autoptr(ParleyRetryPolicy) policy = fixed_policy (3, 100, 800, &zero);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);
  ParleyRetryDecision d;

  g_assert_true (parley_retry_policy_should_retry (policy, throttled, 1, 300, &d));
  g_assert_cmpuint (d.delay_ms, ==, 300);
  g_assert_true (parley_retry_policy_should_retry (policy, throttled, 1, 60000, &d));
  g_assert_cmpuint (d.delay_ms, ==, 800);
  g_assert_true (parley_retry_policy_should_retry (policy, throttled, 1, -1, &d));
  g_assert_cmpuint (d.delay_ms, ==, 0);
}

static void
test_retry_after_parse (void)
{
  g_assert_cmpint (parley_retry_after_parse ("1500", NULL), ==, 1500);
  g_assert_cmpint (parley_retry_after_parse (" 7 ", NULL), ==, 7);
  g_assert_cmpint (parley_retry_after_parse ("0", NULL), ==, 0);
  g_assert_cmpint (parley_retry_after_parse (NULL, "2"), ==, 2000);
  g_assert_cmpint (parley_retry_after_parse ("250", "9"), ==, 250);
  /* A bad x-amz-retry-after gives way to a good Retry-After. */
  g_assert_cmpint (parley_retry_after_parse ("soon", "3"), ==, 3000);
  g_assert_cmpint (parley_retry_after_parse (NULL, NULL), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("", ""), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("-1", NULL), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("1.5", NULL), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("+5", NULL), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("12abc", NULL), ==, -1);
  g_assert_cmpint (parley_retry_after_parse (NULL, "Wed, 21 Oct 2015 07:28:00 GMT"), ==, -1);
  g_assert_cmpint (parley_retry_after_parse ("99999999999999999999999999", NULL), ==, 3600000);
  g_assert_cmpint (parley_retry_after_parse (NULL, "86400"), ==, 3600000);
}

static void
test_mode_parse (void)
{
  ParleyRetryMode mode = PARLEY_RETRY_MODE_LEGACY;
  g_autoptr(GError) error = NULL;

  g_assert_true (parley_retry_mode_parse ("standard", &mode, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mode, ==, PARLEY_RETRY_MODE_STANDARD);
  g_assert_true (parley_retry_mode_parse ("ADAPTIVE", &mode, &error));
  g_assert_cmpint (mode, ==, PARLEY_RETRY_MODE_ADAPTIVE);
  g_assert_true (parley_retry_mode_parse ("legacy", &mode, &error));
  g_assert_cmpint (mode, ==, PARLEY_RETRY_MODE_LEGACY);
  g_assert_cmpstr (parley_retry_mode_to_string (PARLEY_RETRY_MODE_ADAPTIVE), ==, "adaptive");

  g_assert_false (parley_retry_mode_parse ("fast", &mode, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "fast"));
  g_clear_error (&error);
  g_assert_false (parley_retry_mode_parse (NULL, &mode, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpint (mode, ==, PARLEY_RETRY_MODE_LEGACY);
}

/* One policy shared by threads: take and give back tokens concurrently;
 * the bucket ends where it started. */
static gpointer
hammer (gpointer data)
{
  ParleyRetryPolicy *policy = data;
  g_autoptr(GError) transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, NULL, 500);

  for (guint i = 0; i < 20000; i++)
    {
      ParleyRetryDecision d;

      if (parley_retry_policy_should_retry (policy, transient, 1, -1, &d))
        parley_retry_policy_record_success (policy, d.cost);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(ParleyRetryPolicy) policy = parley_retry_policy_new (3, 0, 0);
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("hammer", hammer, policy);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (parley_retry_policy_get_available (policy), ==, 500);
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

  g_test_add_func ("/retry/defaults", test_defaults);
  g_test_add_func ("/retry/backoff/exact", test_backoff_exact);
  g_test_add_func ("/retry/backoff/jitter", test_backoff_jitter);
  g_test_add_func ("/retry/backoff/random-clamped", test_random_clamped);
  g_test_add_func ("/retry/not-retryable", test_not_retryable);
  g_test_add_func ("/retry/retryable-classes", test_retryable_classes);
  g_test_add_func ("/retry/attempts", test_attempts);
  g_test_add_func ("/retry/quota", test_quota);
  g_test_add_func ("/retry/quota/classic-costs", test_classic_costs);
  g_test_add_func ("/retry/sdk-scenarios", test_sdk_scenarios);
  g_test_add_func ("/retry/retry-after/clamp", test_retry_after_clamp);
  g_test_add_func ("/retry/retry-after/parse", test_retry_after_parse);
  g_test_add_func ("/retry/mode", test_mode_parse);
  g_test_add_func ("/retry/threads", test_threads);
  return g_test_run ();
}
