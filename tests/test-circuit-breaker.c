/* test-circuit-breaker.c — closed → open → half-open → closed/reopened, on a
 * fake clock; which errors count; probe limits; the /metrics snapshot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "parley-aws-error.h"
#include "parley-circuit-breaker.h"
#include "test-utils.h"

#define KEY "eu-central-1/anthropic.claude-3-haiku-20240307-v1:0"
#define MS  G_GINT64_CONSTANT (1000)   /* µs */

typedef struct {
  gint64                now;    /* µs */
  ParleyCircuitBreaker *cb;
  GError               *throttled;
  GError               *transient;
  GError               *validation;
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static GError *
aws_error (ParleyAwsError code,
           const char    *aws_code,
           guint          status)
{
  GError *error = NULL;

  parley_aws_set_error (&error, code, aws_code, "req", status, "test failure");
  return error;
}

/* threshold 3, cooldown 1 s growing to 3 s, 2 probes */
static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->now = 1000000 * MS;
  f->cb = parley_circuit_breaker_new (3, 1000, 3000, 2);
  parley_circuit_breaker_set_clock (f->cb, fake_clock, f);
  f->throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);
  f->transient = aws_error (PARLEY_AWS_ERROR_TRANSIENT, "InternalServerException", 500);
  f->validation = aws_error (PARLEY_AWS_ERROR_VALIDATION, "ValidationException", 400);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_assert_finalize_object (f->cb);
  g_error_free (f->throttled);
  g_error_free (f->transient);
  g_error_free (f->validation);
}

static void
assert_state (Fixture            *f,
              const char         *key,
              ParleyCircuitState  state)
{
  g_assert_cmpstr (parley_circuit_state_to_string (parley_circuit_breaker_get_state (f->cb, key)), ==,
                   parley_circuit_state_to_string (state));
}

/* Trips KEY with three counting failures. */
static void
trip (Fixture *f)
{
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
      parley_circuit_breaker_record (f->cb, KEY, f->throttled);
    }
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
}

static void
test_opens (Fixture       *f,
            gconstpointer  data)
{
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);

  /* Two failures, then a success: the count starts again. */
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  parley_circuit_breaker_record (f->cb, KEY, f->transient);
  parley_circuit_breaker_record (f->cb, KEY, NULL);
  parley_circuit_breaker_record (f->cb, KEY, f->transient);
  parley_circuit_breaker_record (f->cb, KEY, f->transient);
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));

  /* The third in a row opens it; calls are refused. */
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));

  /* Still open a millisecond before the cooldown ends. */
  f->now += 999 * MS;
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
  f->now += 1 * MS;
  assert_state (f, KEY, PARLEY_CIRCUIT_HALF_OPEN);
}

/* Only failures that say something about the target count. */
static void
test_neutral_errors (Fixture       *f,
                     gconstpointer  data)
{
  GError *neutral[] = {
    aws_error (PARLEY_AWS_ERROR_VALIDATION, "ValidationException", 400),
    aws_error (PARLEY_AWS_ERROR_ACCESS_DENIED, "AccessDeniedException", 403),
    aws_error (PARLEY_AWS_ERROR_CREDENTIALS, "ExpiredTokenException", 403),
    aws_error (PARLEY_AWS_ERROR_NOT_FOUND, "ResourceNotFoundException", 404),
    aws_error (PARLEY_AWS_ERROR_PROTOCOL, NULL, 200),
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled"),
  };
  GError *counting[] = {
    aws_error (PARLEY_AWS_ERROR_MODEL_NOT_READY, "ModelNotReadyException", 429),
    aws_error (PARLEY_AWS_ERROR_TIMEOUT, "ModelTimeoutException", 408),
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "idle"),
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "reset"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (neutral); i++)
    {
      g_assert_false (parley_circuit_breaker_is_failure (neutral[i]));
      for (guint k = 0; k < 10; k++)
        parley_circuit_breaker_record (f->cb, KEY, neutral[i]);
    }
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  g_assert_false (parley_circuit_breaker_is_failure (NULL));

  /* Neutral errors do not reset the count either: 2 failures, a validation
   * error, a third failure opens it. */
  parley_circuit_breaker_record (f->cb, KEY, counting[0]);
  parley_circuit_breaker_record (f->cb, KEY, counting[1]);
  parley_circuit_breaker_record (f->cb, KEY, neutral[0]);
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  parley_circuit_breaker_record (f->cb, KEY, counting[2]);
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);

  for (guint i = 0; i < G_N_ELEMENTS (counting); i++)
    {
      g_assert_true (parley_circuit_breaker_is_failure (counting[i]));
      g_error_free (counting[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (neutral); i++)
    g_error_free (neutral[i]);
}

/* Half-open admits at most K (2) calls at once. */
static void
test_probes_limited (Fixture       *f,
                     gconstpointer  data)
{
  trip (f);
  f->now += 1000 * MS;

  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  assert_state (f, KEY, PARLEY_CIRCUIT_HALF_OPEN);

  /* A neutral outcome frees its slot without deciding anything. */
  parley_circuit_breaker_record (f->cb, KEY, f->validation);
  assert_state (f, KEY, PARLEY_CIRCUIT_HALF_OPEN);
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
}

static void
test_probe_success_closes (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GArray) snap = NULL;

  trip (f);
  f->now += 1000 * MS;
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  parley_circuit_breaker_record (f->cb, KEY, NULL);
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  for (guint i = 0; i < 10; i++)
    g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));

  snap = parley_circuit_breaker_snapshot (f->cb);
  g_assert_cmpuint (snap->len, ==, 1);
  g_assert_cmpuint (g_array_index (snap, ParleyCircuitInfo, 0).consecutive_failures, ==, 0);
  g_assert_cmpuint (g_array_index (snap, ParleyCircuitInfo, 0).cooldown_ms, ==, 1000);

  /* It takes a full threshold of failures to open it again. */
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
}

static guint
cooldown_of (Fixture *f)
{
  g_autoptr(GArray) snap = parley_circuit_breaker_snapshot (f->cb);

  g_assert_cmpuint (snap->len, ==, 1);
  return g_array_index (snap, ParleyCircuitInfo, 0).cooldown_ms;
}

/* A failed probe reopens with the cooldown doubled, up to the cap (3 s);
 * closing brings it back to 1 s. */
static void
test_probe_failure_reopens (Fixture       *f,
                            gconstpointer  data)
{
  const guint expected[] = { 2000, 3000, 3000 };
  guint cooldown = 1000;

  trip (f);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      f->now += (gint64) cooldown * MS;
      g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
      parley_circuit_breaker_record (f->cb, KEY, f->transient);
      assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
      cooldown = expected[i];
      g_assert_cmpuint (cooldown_of (f), ==, cooldown);

      f->now += (gint64) (cooldown - 1) * MS;
      g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
      f->now -= (gint64) (cooldown - 1) * MS;
    }

  f->now += (gint64) cooldown * MS;
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  parley_circuit_breaker_record (f->cb, KEY, NULL);
  assert_state (f, KEY, PARLEY_CIRCUIT_CLOSED);
  g_assert_cmpuint (cooldown_of (f), ==, 1000);

  trip (f);
  f->now += 999 * MS;
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
  f->now += 1 * MS;
  assert_state (f, KEY, PARLEY_CIRCUIT_HALF_OPEN);
}

/* A probe whose caller never reports is given up after the probe timeout. */
static void
test_lost_probe (Fixture       *f,
                 gconstpointer  data)
{
  parley_circuit_breaker_set_probe_timeout (f->cb, 5000);
  trip (f);
  f->now += 1000 * MS;
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  f->now += 4999 * MS;
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  f->now += 1 * MS;
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_true (parley_circuit_breaker_allow (f->cb, KEY));
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
}

/* Late results of calls admitted before it opened change nothing. */
static void
test_results_while_open (Fixture       *f,
                         gconstpointer  data)
{
  trip (f);
  f->now += 500 * MS;
  parley_circuit_breaker_record (f->cb, KEY, NULL);
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
  parley_circuit_breaker_record (f->cb, KEY, f->throttled);
  /* The cooldown still ends 1 s after it opened, not after the late failure. */
  f->now += 500 * MS;
  assert_state (f, KEY, PARLEY_CIRCUIT_HALF_OPEN);
  g_assert_cmpuint (cooldown_of (f), ==, 1000);
}

static void
test_keys_independent (Fixture       *f,
                       gconstpointer  data)
{
  const char *other = "eu-west-1/anthropic.claude-3-haiku-20240307-v1:0";

  trip (f);
  assert_state (f, other, PARLEY_CIRCUIT_CLOSED);
  g_assert_true (parley_circuit_breaker_allow (f->cb, other));
  parley_circuit_breaker_record (f->cb, other, NULL);
  assert_state (f, KEY, PARLEY_CIRCUIT_OPEN);
}

static void
test_snapshot (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GArray) snap = NULL;
  const ParleyCircuitInfo *a, *b, *c;

  /* An unknown key is closed and not listed merely for being asked about. */
  assert_state (f, "nowhere/none", PARLEY_CIRCUIT_CLOSED);

  parley_circuit_breaker_record (f->cb, "z-region/m", NULL);
  parley_circuit_breaker_record (f->cb, "z-region/m", f->validation);
  parley_circuit_breaker_record (f->cb, "b-region/m", f->transient);
  trip (f);
  g_assert_false (parley_circuit_breaker_allow (f->cb, KEY));
  f->now += 400 * MS;

  snap = parley_circuit_breaker_snapshot (f->cb);
  g_assert_cmpuint (snap->len, ==, 3);
  a = &g_array_index (snap, ParleyCircuitInfo, 0);
  b = &g_array_index (snap, ParleyCircuitInfo, 1);
  c = &g_array_index (snap, ParleyCircuitInfo, 2);

  g_assert_cmpstr (a->key, ==, "b-region/m");
  g_assert_cmpint (a->state, ==, PARLEY_CIRCUIT_CLOSED);
  g_assert_cmpuint (a->consecutive_failures, ==, 1);
  g_assert_cmpuint (a->failures, ==, 1);
  g_assert_cmpint (a->reopens_in_ms, ==, 0);

  g_assert_cmpstr (b->key, ==, KEY);
  g_assert_cmpint (b->state, ==, PARLEY_CIRCUIT_OPEN);
  g_assert_cmpuint (b->failures, ==, 3);
  g_assert_cmpuint (b->rejected, ==, 1);
  g_assert_cmpuint (b->opened, ==, 1);
  g_assert_cmpint (b->reopens_in_ms, ==, 600);

  g_assert_cmpstr (c->key, ==, "z-region/m");
  g_assert_cmpuint (c->successes, ==, 1);
  g_assert_cmpuint (c->neutral, ==, 1);
  g_assert_cmpuint (c->failures, ==, 0);

  g_assert_cmpstr (parley_circuit_state_to_string (PARLEY_CIRCUIT_HALF_OPEN), ==, "half-open");
}

/* Defaults: threshold 5, the real monotonic clock. */
static void
test_defaults (void)
{
  g_autoptr(ParleyCircuitBreaker) cb = parley_circuit_breaker_new (0, 0, 0, 0);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);
  g_autoptr(GArray) snap = NULL;

  for (guint i = 0; i < PARLEY_CIRCUIT_DEFAULT_FAILURE_THRESHOLD - 1; i++)
    parley_circuit_breaker_record (cb, KEY, throttled);
  g_assert_cmpint (parley_circuit_breaker_get_state (cb, KEY), ==, PARLEY_CIRCUIT_CLOSED);
  parley_circuit_breaker_record (cb, KEY, throttled);
  g_assert_cmpint (parley_circuit_breaker_get_state (cb, KEY), ==, PARLEY_CIRCUIT_OPEN);
  g_assert_false (parley_circuit_breaker_allow (cb, KEY));

  snap = parley_circuit_breaker_snapshot (cb);
  g_assert_cmpuint (g_array_index (snap, ParleyCircuitInfo, 0).cooldown_ms, ==, PARLEY_CIRCUIT_DEFAULT_COOLDOWN_MS);
  g_assert_cmpint (g_array_index (snap, ParleyCircuitInfo, 0).reopens_in_ms, >, 0);
  g_assert_cmpint (g_array_index (snap, ParleyCircuitInfo, 0).reopens_in_ms, <=, PARLEY_CIRCUIT_DEFAULT_COOLDOWN_MS);
}

/* A maximum below the cooldown means no growth. */
static void
test_no_growth (void)
{
  Fixture f = { .now = 0 };
  g_autoptr(ParleyCircuitBreaker) cb = parley_circuit_breaker_new (1, 2000, 500, 1);
  g_autoptr(GError) throttled = aws_error (PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", 429);

  parley_circuit_breaker_set_clock (cb, fake_clock, &f);
  parley_circuit_breaker_record (cb, KEY, throttled);
  for (guint i = 0; i < 3; i++)
    {
      f.now += 2000 * MS;
      g_assert_true (parley_circuit_breaker_allow (cb, KEY));
      parley_circuit_breaker_record (cb, KEY, throttled);
      f.now += 1999 * MS;
      g_assert_false (parley_circuit_breaker_allow (cb, KEY));
      f.now -= 1999 * MS;
    }
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add ("/circuit-breaker/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("opens", test_opens);
  ADD ("neutral-errors", test_neutral_errors);
  ADD ("half-open/probes-limited", test_probes_limited);
  ADD ("half-open/success-closes", test_probe_success_closes);
  ADD ("half-open/failure-reopens", test_probe_failure_reopens);
  ADD ("half-open/lost-probe", test_lost_probe);
  ADD ("results-while-open", test_results_while_open);
  ADD ("keys-independent", test_keys_independent);
  ADD ("snapshot", test_snapshot);
#undef ADD
  g_test_add_func ("/circuit-breaker/defaults", test_defaults);
  g_test_add_func ("/circuit-breaker/no-growth", test_no_growth);
  return g_test_run ();
}
