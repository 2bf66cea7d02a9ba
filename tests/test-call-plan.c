/* test-call-plan.c — region failover and fallback models: scripted failures
 * (one letter per call) are played against a plan, and the calls it asked
 * for, with their delays, are compared with what the rules say. Random
 * numbers are pinned and the breakers run on a fake clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-call-plan.h"
#include "parley-error.h"
#include "test-utils.h"

#define MS G_GINT64_CONSTANT (1000)   /* µs */

static const char * const two_models[] = { "m.a", "m.b", NULL };
static const char * const two_regions[] = { "eu-central-1", "eu-west-1", NULL };

typedef struct {
  gint64                now;
  double                random;
  ParleyRetryPolicy    *policy;
  ParleyCircuitBreaker *cb;
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static double
fixed_random (gpointer user_data)
{
  return ((Fixture *) user_data)->random;
}

/* 3 attempts, base 100 ms, throttling base 400 ms, cap 1 s, random 1 (so
 * the delay is the bound); breakers open after 5 failures for 10 s. */
static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->now = 5000000 * MS;
  f->random = 1.0;
  f->policy = parley_retry_policy_new (3, 100, 1000);
  parley_retry_policy_set_throttling_base (f->policy, 400);
  parley_retry_policy_set_random_func (f->policy, fixed_random, f, NULL);
  f->cb = parley_circuit_breaker_new (5, 10000, 60000, 1);
  parley_circuit_breaker_set_clock (f->cb, fake_clock, f);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_assert_finalize_object (f->policy);
  g_assert_finalize_object (f->cb);
}

/* The error a call fails with, by letter; each has a distinct request id. */
static GError *
scripted_error (char  c,
                guint n)
{
  g_autofree char *request_id = g_strdup_printf ("req-%u", n);
  GError *error = NULL;

  switch (c)
    {
    case 'T':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_THROTTLING, "ThrottlingException", request_id, 429, "Too many requests");
      break;
    case '5':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_TRANSIENT, "InternalServerException", request_id, 500, "Internal error");
      break;
    case 'R':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_MODEL_NOT_READY, "ModelNotReadyException", request_id, 429, "Not ready");
      break;
    case 'V':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_VALIDATION, "ValidationException", request_id, 400, "Malformed input request");
      break;
    case 'A':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_ACCESS_DENIED, "AccessDeniedException", request_id, 403, "No access to the model");
      break;
    case 'N':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_NOT_FOUND, "ResourceNotFoundException", request_id, 404, "Model not found");
      break;
    case 'C':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_CREDENTIALS, "ExpiredTokenException", request_id, 403, "Token expired");
      break;
    case 'P':
      parley_aws_set_error (&error, PARLEY_AWS_ERROR_PROTOCOL, NULL, request_id, 200, "Not an event stream");
      break;
    case 'O':
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Nothing received for 60 s");
      break;
    case 'X':
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      break;
    case 'S':
      break;
    default:
      g_assert_not_reached ();
    }
  return error;
}

/* Plays @script against @plan, one letter per call, and returns the calls
 * made as "region/model+delay …". The plan must then have nothing more to
 * call: @final_error is what next() says at the end. */
static char *
play (ParleyCallPlan  *plan,
      const char      *script,
      GError         **final_error)
{
  g_autoptr(GString) trace = g_string_new (NULL);
  const char *region, *model;
  guint delay;

  for (guint i = 0; script[i] != '\0'; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) outcome = scripted_error (script[i], i + 1);

      if (!parley_call_plan_next (plan, &region, &model, &delay, &error))
        g_error ("the plan stopped after %u calls (%s): %s", i, trace->str,
                 error != NULL ? error->message : "answered");
      g_string_append_printf (trace, "%s%s/%s+%u", trace->len > 0 ? " " : "", region, model, delay);
      parley_call_plan_report (plan, outcome);
    }

  region = model = NULL;
  delay = 12345;
  g_assert_false (parley_call_plan_next (plan, &region, &model, &delay, final_error));
  g_assert_null (region);
  g_assert_null (model);
  g_assert_cmpuint (delay, ==, 12345);
  return g_string_free (g_steal_pointer (&trace), FALSE);
}

static ParleyCallPlan *
new_plan (Fixture            *f,
          const char * const *models,
          const char * const *regions)
{
  g_autoptr(GError) error = NULL;
  ParleyCallPlan *plan = parley_call_plan_new (models, regions, FALSE, f->policy, f->cb, &error);

  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

static void
assert_answered (ParleyCallPlan *plan,
                 const char     *region,
                 const char     *model)
{
  const char *r = NULL, *m = NULL;

  g_assert_true (parley_call_plan_get_answered (plan, &r, &m));
  g_assert_cmpstr (r, ==, region);
  g_assert_cmpstr (m, ==, model);
}

static void
test_first_call_answers (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "S", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0");
  assert_answered (plan, "eu-central-1", "m.a");
  g_assert_cmpuint (parley_call_plan_get_n_attempts (plan), ==, 1);
  g_assert_cmpuint (parley_call_plan_get_n_targets (plan), ==, 4);
  /* Asking again changes nothing. */
  g_assert_false (parley_call_plan_next (plan, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Throttled three times: the retries wait 400 and 800 ms on the same
 * target, then the next region is tried at once. */
static void
test_throttled_next_region (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "TTTS", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/m.a+0 eu-central-1/m.a+400 eu-central-1/m.a+800 "
                   "eu-west-1/m.a+0");
  assert_answered (plan, "eu-west-1", "m.a");
  g_assert_cmpuint (parley_call_plan_get_n_attempts (plan), ==, 4);
  /* Two retries at 5 tokens each, not refunded (that request failed); the
   * first-attempt success in eu-west-1 gives 1 back. */
  g_assert_cmpuint (parley_retry_policy_get_available (f->policy), ==, 491);
}

/* A 5xx has the shorter base; a success after a retry refunds its cost. */
static void
test_transient_retry_refund (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  f->random = 0.5;
  trace = play (plan, "5OS", &error);
  g_assert_no_error (error);
  /* 0.5 × 100; then a timeout (cost 10) at attempt 2: 0.5 × 200 */
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-central-1/m.a+50 eu-central-1/m.a+100");
  assert_answered (plan, "eu-central-1", "m.a");
  g_assert_cmpuint (parley_retry_policy_get_available (f->policy), ==, 500 - 5 - 10 + 10);
}

static void
test_access_denied_next_model (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "AS", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-central-1/m.b+0");
  assert_answered (plan, "eu-central-1", "m.b");
  /* The refusal says nothing about the target's health. */
  g_assert_cmpint (parley_circuit_breaker_get_state (f->cb, "eu-central-1/m.a"), ==, PARLEY_CIRCUIT_CLOSED);
}

/* Not found in the failover region: on to the next model, in the primary
 * region again. */
static void
test_not_found_next_model (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "TTTNS", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/m.a+0 eu-central-1/m.a+400 eu-central-1/m.a+800 "
                   "eu-west-1/m.a+0 eu-central-1/m.b+0");
  assert_answered (plan, "eu-central-1", "m.b");
}

/* A validation error is the request's fault: no other target will take it.
 * The error comes back with its AWS details. */
static void
test_validation_stops (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "TV", &error);

  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-central-1/m.a+400");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);
  g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, "ValidationException");
  g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req-2");
  g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, 400);
  g_assert_nonnull (strstr (error->message, "Malformed input request"));
  g_assert_false (parley_call_plan_get_answered (plan, NULL, NULL));

  /* And again, for a caller that asks twice. */
  g_clear_error (&error);
  g_assert_false (parley_call_plan_next (plan, NULL, NULL, NULL, &error));
  g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req-2");
}

static void
test_credentials_stop (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "C", &error);

  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CREDENTIALS);
  g_assert_cmpstr (parley_aws_error_get_aws_code (error), ==, "ExpiredTokenException");
}

static void
test_cancelled_stops (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "5X", &error);

  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-central-1/m.a+100");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A response that breaks the protocol is not retried there, but another
 * region may do better. */
static void
test_protocol_next_region (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = play (plan, "PS", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-west-1/m.a+0");
}

/* Everything fails: 3 attempts on each of the 4 targets, and the error is a
 * copy of the last one. */
static void
test_exhausted (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ParleyCircuitBreaker) lenient = parley_circuit_breaker_new (100, 0, 0, 0);
  g_autoptr(ParleyCallPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  plan = parley_call_plan_new (two_models, two_regions, FALSE, f->policy, lenient, &error);
  g_assert_no_error (error);
  trace = play (plan, "TTT555RRROOO", &error);
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/m.a+0 eu-central-1/m.a+400 eu-central-1/m.a+800 "
                   "eu-west-1/m.a+0 eu-west-1/m.a+100 eu-west-1/m.a+200 "
                   "eu-central-1/m.b+0 eu-central-1/m.b+100 eu-central-1/m.b+200 "
                   "eu-west-1/m.b+0 eu-west-1/m.b+100 eu-west-1/m.b+200");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpuint (parley_call_plan_get_n_attempts (plan), ==, 12);

  /* The same with an AWS error last keeps its details. */
  g_clear_error (&error);
  g_clear_pointer (&plan, parley_call_plan_free);
  g_clear_pointer (&trace, g_free);
  plan = parley_call_plan_new ((const char * const[]) { "m.a", NULL },
                               (const char * const[]) { "eu-west-3", NULL }, FALSE, f->policy, lenient, &error);
  g_assert_no_error (error);
  trace = play (plan, "OT5", &error);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
  g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req-3");
  g_assert_cmpuint (parley_aws_error_get_http_status (error), ==, 500);
}

/* An overall cap below what the targets would allow. */
static void
test_overall_cap (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  parley_call_plan_set_max_attempts (plan, 4);
  trace = play (plan, "TTTT", &error);
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/m.a+0 eu-central-1/m.a+400 eu-central-1/m.a+800 eu-west-1/m.a+0");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_THROTTLING);
  g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req-4");
  /* The fourth failure did not take a retry token it could not use. */
  g_assert_cmpuint (parley_retry_policy_get_available (f->policy), ==, 490);
}

/* An empty quota means no retries: straight to the next target. */
static void
test_quota_exhausted (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  parley_retry_policy_set_quota (f->policy, 5, 5, 10, 5);
  trace = play (plan, "TTTS", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/m.a+0 eu-central-1/m.a+400 eu-west-1/m.a+0 eu-central-1/m.b+0");
}

/* A server's retry hint sets the delay, within the policy's bounds. */
static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) throttled = scripted_error ('T', 1);
  const char *region, *model;
  guint delay = 0;

  f->random = 0.0;
  g_assert_true (parley_call_plan_next (plan, &region, &model, &delay, NULL));
  parley_call_plan_report_full (plan, throttled, 700);
  g_assert_true (parley_call_plan_next (plan, &region, &model, &delay, NULL));
  g_assert_cmpstr (region, ==, "eu-central-1");
  g_assert_cmpuint (delay, ==, 700);
  parley_call_plan_report_full (plan, throttled, 999999);
  g_assert_true (parley_call_plan_next (plan, &region, &model, &delay, NULL));
  g_assert_cmpuint (delay, ==, 1000);    /* 0 + min (5 s, max backoff 1 s) */
  parley_call_plan_report (plan, NULL);
}

/* A target whose breaker is open is skipped without a call. */
static void
test_open_target_skipped (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) fail = scripted_error ('5', 0);
  g_autofree char *trace = NULL;

  for (guint i = 0; i < 5; i++)
    parley_circuit_breaker_record (f->cb, "eu-central-1/m.a", fail);
  trace = play (plan, "S", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-west-1/m.a+0");
  g_assert_cmpuint (parley_call_plan_get_n_skipped (plan), ==, 1);
}

/* Failures during a request open the breaker: the plan leaves the target
 * then, even with attempts left. */
static void
test_breaker_opens_mid_request (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ParleyCircuitBreaker) touchy = parley_circuit_breaker_new (2, 10000, 0, 1);
  g_autoptr(ParleyRetryPolicy) patient = parley_retry_policy_new (5, 100, 1000);
  g_autoptr(ParleyCallPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  parley_retry_policy_set_random_func (patient, fixed_random, f, NULL);
  parley_circuit_breaker_set_clock (touchy, fake_clock, f);
  plan = parley_call_plan_new (two_models, two_regions, FALSE, patient, touchy, &error);
  g_assert_no_error (error);
  trace = play (plan, "55S", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-central-1/m.a+100 eu-west-1/m.a+0");
  g_assert_cmpint (parley_circuit_breaker_get_state (touchy, "eu-central-1/m.a"), ==, PARLEY_CIRCUIT_OPEN);
  g_assert_cmpint (parley_circuit_breaker_get_state (touchy, "eu-west-1/m.a"), ==, PARLEY_CIRCUIT_CLOSED);
  /* One retry token spent (none for a retry the open breaker would refuse),
   * one given back by the first-attempt success. */
  g_assert_cmpuint (parley_retry_policy_get_available (patient), ==, 500 - 5 + 1);
}

/* Every breaker open: nothing is called, and the error says why. */
static void
test_all_open (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) fail = scripted_error ('T', 0);
  const char *keys[] = { "eu-central-1/m.a", "eu-west-1/m.a", "eu-central-1/m.b", "eu-west-1/m.b" };
  g_autofree char *trace = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint i = 0; i < 5; i++)
      parley_circuit_breaker_record (f->cb, keys[k], fail);

  trace = play (plan, "", &error);
  g_assert_cmpstr (trace, ==, "");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_CIRCUIT_OPEN);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    g_assert_nonnull (strstr (error->message, keys[k]));
  g_assert_cmpuint (parley_call_plan_get_n_attempts (plan), ==, 0);
  g_assert_cmpuint (parley_call_plan_get_n_skipped (plan), ==, 4);
}

/* Some tried, the rest open: the error is the last real failure. */
static void
test_partly_open (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) fail = scripted_error ('T', 0);
  g_autofree char *trace = NULL;

  for (guint i = 0; i < 5; i++)
    {
      parley_circuit_breaker_record (f->cb, "eu-west-1/m.a", fail);
      parley_circuit_breaker_record (f->cb, "eu-central-1/m.b", fail);
      parley_circuit_breaker_record (f->cb, "eu-west-1/m.b", fail);
    }
  trace = play (plan, "V", &error);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_VALIDATION);

  g_clear_error (&error);
  g_clear_pointer (&plan, parley_call_plan_free);
  g_clear_pointer (&trace, g_free);
  plan = new_plan (f, two_models, two_regions);
  trace = play (plan, "555", &error);
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
  g_assert_cmpstr (parley_aws_error_get_request_id (error), ==, "req-3");
  g_assert_cmpuint (parley_call_plan_get_n_skipped (plan), ==, 3);
}

/* After the cooldown a half-open target takes one probe: the plan that
 * gets it calls the target, a concurrent plan goes elsewhere; the probe's
 * success closes the breaker for everyone. */
static void
test_half_open_probe (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) first = new_plan (f, two_models, two_regions);
  g_autoptr(ParleyCallPlan) second = new_plan (f, two_models, two_regions);
  g_autoptr(ParleyCallPlan) third = NULL;
  g_autoptr(GError) fail = scripted_error ('5', 0);
  const char *region = NULL;

  for (guint i = 0; i < 5; i++)
    parley_circuit_breaker_record (f->cb, "eu-central-1/m.a", fail);
  f->now += 10000 * MS;

  g_assert_true (parley_call_plan_next (first, &region, NULL, NULL, NULL));
  g_assert_cmpstr (region, ==, "eu-central-1");
  g_assert_true (parley_call_plan_next (second, &region, NULL, NULL, NULL));
  g_assert_cmpstr (region, ==, "eu-west-1");
  parley_call_plan_report (second, NULL);
  parley_call_plan_report (first, NULL);
  g_assert_cmpint (parley_circuit_breaker_get_state (f->cb, "eu-central-1/m.a"), ==, PARLEY_CIRCUIT_CLOSED);

  third = new_plan (f, two_models, two_regions);
  g_assert_true (parley_call_plan_next (third, &region, NULL, NULL, NULL));
  g_assert_cmpstr (region, ==, "eu-central-1");
  parley_call_plan_report (third, NULL);
}

/* A failed probe reopens the breaker: the plan moves on instead of
 * retrying the target. */
static void
test_half_open_probe_fails (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) fail = scripted_error ('5', 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;

  for (guint i = 0; i < 5; i++)
    parley_circuit_breaker_record (f->cb, "eu-central-1/m.a", fail);
  f->now += 10000 * MS;
  trace = play (plan, "TS", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-west-1/m.a+0");
  g_assert_cmpint (parley_circuit_breaker_get_state (f->cb, "eu-central-1/m.a"), ==, PARLEY_CIRCUIT_OPEN);
}

/* Without a policy or a breaker: one attempt per target. */
static void
test_no_policy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyCallPlan) plan = parley_call_plan_new (two_models, two_regions, FALSE, NULL, NULL, &error);
  g_autofree char *trace = NULL;

  g_assert_no_error (error);
  trace = play (plan, "TTT5", &error);
  g_assert_cmpstr (trace, ==, "eu-central-1/m.a+0 eu-west-1/m.a+0 eu-central-1/m.b+0 eu-west-1/m.b+0");
  g_assert_error (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TRANSIENT);
}

/* Misuse is reported, not guessed at. */
static void
test_next_without_report (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ParleyCallPlan) plan = new_plan (f, two_models, two_regions);
  g_autoptr(GError) error = NULL;

  g_assert_true (parley_call_plan_next (plan, NULL, NULL, NULL, &error));
  g_assert_false (parley_call_plan_next (plan, NULL, NULL, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_FAILED);
  g_clear_error (&error);
  parley_call_plan_report (plan, NULL);
  g_assert_false (parley_call_plan_next (plan, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_eu_regions (void)
{
  const char *eu[] = { "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1",
                       "eu-south-2", "eusc-de-east-1" };
  const char *not_eu[] = { "eu-west-2", "eu-central-2", "us-east-1", "us-west-2", "ap-northeast-1",
                           "il-central-1", "me-central-1", "eu-west-9", "EU-WEST-1", "eu-west-1 ", "", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (eu); i++)
    g_assert_true (parley_region_is_eu (eu[i]));
  for (guint i = 0; i < G_N_ELEMENTS (not_eu); i++)
    g_assert_false (parley_region_is_eu (not_eu[i]));
}

static void
test_eu_models (void)
{
  const char *ok[] = {
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-embed-text-v2:0",
    "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:eu-west-3:123456789012:provisioned-model/abcdefghijkl",
  };
  const char *not_ok[] = {
    "us.anthropic.claude-3-haiku-20240307-v1:0",
    "apac.anthropic.claude-3-haiku-20240307-v1:0",
    "global.anthropic.claude-sonnet-4-20250514-v1:0",
    "xx.anthropic.claude-3-haiku-20240307-v1:0",     /* a geography Parley does not know */
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:eu-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:eu-central-1",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    g_assert_true (parley_model_id_is_eu_compatible (ok[i]));
  for (guint i = 0; i < G_N_ELEMENTS (not_ok); i++)
    g_assert_false (parley_model_id_is_eu_compatible (not_ok[i]));
}

/* EU-only keeps EU regions and models, in their order. */
static void
test_eu_filter (Fixture       *f,
                gconstpointer  data)
{
  const char * const regions[] = { "us-east-1", "eu-west-2", "eu-central-1", "eu-central-2", "eu-west-1", NULL };
  const char * const models[] = { "us.anthropic.claude-3-haiku-20240307-v1:0",
                                  "eu.anthropic.claude-3-haiku-20240307-v1:0",
                                  "global.anthropic.claude-sonnet-4-20250514-v1:0",
                                  "mistral.mistral-large-2402-v1:0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyCallPlan) plan = parley_call_plan_new (models, regions, TRUE, f->policy, f->cb, &error);
  g_autofree char *trace = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (parley_call_plan_get_n_targets (plan), ==, 4);
  trace = play (plan, "APS", &error);
  g_assert_no_error (error);
  /* The eu. profile (access denied → next model), then the in-region model
   * in both EU regions (a protocol error → next region). */
  g_assert_cmpstr (trace, ==,
                   "eu-central-1/eu.anthropic.claude-3-haiku-20240307-v1:0+0 "
                   "eu-central-1/mistral.mistral-large-2402-v1:0+0 "
                   "eu-west-1/mistral.mistral-large-2402-v1:0+0");

  /* Without the flag, all of them. */
  g_clear_pointer (&plan, parley_call_plan_free);
  plan = parley_call_plan_new (models, regions, FALSE, f->policy, f->cb, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parley_call_plan_get_n_targets (plan), ==, 20);
}

static void
test_eu_nothing_left (void)
{
  const char * const models[] = { "anthropic.claude-3-haiku-20240307-v1:0", NULL };
  const char * const us_models[] = { "us.anthropic.claude-3-haiku-20240307-v1:0",
                                     "global.anthropic.claude-sonnet-4-20250514-v1:0", NULL };
  const char * const regions[] = { "us-east-1", "eu-west-2", "eu-central-2", NULL };
  const char * const eu_regions[] = { "eu-west-1", NULL };
  g_autoptr(GError) error = NULL;
  ParleyCallPlan *plan;

  plan = parley_call_plan_new (models, regions, TRUE, NULL, NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "EU data residency"));
  g_assert_nonnull (strstr (error->message, "us-east-1"));
  g_assert_nonnull (strstr (error->message, "eu-west-2 (London, United Kingdom)"));
  g_assert_nonnull (strstr (error->message, "eu-central-2 (Zurich, Switzerland)"));
  g_assert_nonnull (strstr (error->message, "eu-central-1"));
  g_clear_error (&error);

  plan = parley_call_plan_new (us_models, eu_regions, TRUE, NULL, NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "EU data residency"));
  g_assert_nonnull (strstr (error->message, "us.anthropic"));
  g_assert_nonnull (strstr (error->message, "global.anthropic"));
}

static void
test_invalid_input (void)
{
  const char * const empty[] = { NULL };
  const char * const model[] = { "m.a", NULL };
  const char * const region[] = { "eu-west-1", NULL };
  const char * const bad_regions[][2] = {
    { "eu-west-1.evil.example", NULL }, { "EU-WEST-1", NULL }, { "", NULL }, { "eu--west-1", NULL },
    { "-eu-west-1", NULL }, { "eu-west-1-", NULL }, { "eu-west-1/x", NULL }, { "1eu", NULL },
    { "eu-west-1-with-a-name-much-too-long", NULL },
  };
  const char * const bad_models[][2] = {
    { "m a", NULL }, { "", NULL }, { "m\n", NULL }, { "m?x=1", NULL }, { "m#", NULL }, { "m%2F", NULL },
  };
  g_autofree char *huge = g_strnfill (2049, 'm');
  const char * const huge_model[] = { huge, NULL };
  const char * const dup_models[] = { "m.a", "m.b", "m.a", NULL };
  const char * const dup_regions[] = { "eu-west-1", "eu-west-1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyCallPlan) plan = NULL;

  g_assert_null (parley_call_plan_new (empty, region, FALSE, NULL, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_call_plan_new (model, empty, FALSE, NULL, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_call_plan_new (NULL, region, FALSE, NULL, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (parley_call_plan_new (huge_model, region, FALSE, NULL, NULL, &error));
  g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
  g_assert_cmpuint (strlen (error->message), <, 200);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad_regions); i++)
    {
      g_assert_null (parley_call_plan_new (model, bad_regions[i], FALSE, NULL, NULL, &error));
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_models); i++)
    {
      g_assert_null (parley_call_plan_new (bad_models[i], region, FALSE, NULL, NULL, &error));
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }

  /* Duplicates collapse. */
  plan = parley_call_plan_new (dup_models, dup_regions, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parley_call_plan_get_n_targets (plan), ==, 2);
}

static void
test_target_key (void)
{
  g_autofree char *key = parley_call_plan_target_key ("eu-west-1", "eu.anthropic.claude-3-haiku-20240307-v1:0");

  g_assert_cmpstr (key, ==, "eu-west-1/eu.anthropic.claude-3-haiku-20240307-v1:0");
}

int
main (int    argc,
      char **argv)
{
  test_init (&argc, &argv);

#define ADD(path, fn) g_test_add ("/call-plan/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("first-call-answers", test_first_call_answers);
  ADD ("throttled/next-region", test_throttled_next_region);
  ADD ("transient/retry-refund", test_transient_retry_refund);
  ADD ("access-denied/next-model", test_access_denied_next_model);
  ADD ("not-found/next-model", test_not_found_next_model);
  ADD ("validation/stops", test_validation_stops);
  ADD ("credentials/stop", test_credentials_stop);
  ADD ("cancelled/stops", test_cancelled_stops);
  ADD ("protocol/next-region", test_protocol_next_region);
  ADD ("exhausted", test_exhausted);
  ADD ("overall-cap", test_overall_cap);
  ADD ("quota-exhausted", test_quota_exhausted);
  ADD ("retry-after", test_retry_after);
  ADD ("breaker/open-target-skipped", test_open_target_skipped);
  ADD ("breaker/opens-mid-request", test_breaker_opens_mid_request);
  ADD ("breaker/all-open", test_all_open);
  ADD ("breaker/partly-open", test_partly_open);
  ADD ("breaker/half-open-probe", test_half_open_probe);
  ADD ("breaker/half-open-probe-fails", test_half_open_probe_fails);
  ADD ("next-without-report", test_next_without_report);
  ADD ("eu/filter", test_eu_filter);
#undef ADD
  g_test_add_func ("/call-plan/no-policy", test_no_policy);
  g_test_add_func ("/call-plan/eu/regions", test_eu_regions);
  g_test_add_func ("/call-plan/eu/models", test_eu_models);
  g_test_add_func ("/call-plan/eu/nothing-left", test_eu_nothing_left);
  g_test_add_func ("/call-plan/invalid-input", test_invalid_input);
  g_test_add_func ("/call-plan/target-key", test_target_key);
  return g_test_run ();
}
