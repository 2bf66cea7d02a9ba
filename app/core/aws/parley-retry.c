/* parley-retry.c — the AWS SDKs' "standard" retry mode
 *
 * The quota is a plain counter under a mutex: a retry takes its cost
 * before the caller sleeps, a success gives back the cost of the retry that
 * produced it (or one token for a first attempt), and nothing is given back
 * for a request that finally failed — so a service that keeps failing drains
 * the bucket and retries stop until successes refill it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <gio/gio.h>
#include <math.h>

#include "parley-aws-error.h"
#include "parley-error.h"
#include "parley-retry.h"

#define RETRY_AFTER_MAX_MS (60 * 60 * 1000)   /* longer hints are cut to an hour */

struct _ParleyRetryPolicy
{
  GObject          parent_instance;

  GMutex           lock;

  /* configuration */
  guint            max_attempts;
  guint            base_ms;
  guint            throttling_base_ms;
  guint            max_backoff_ms;
  guint            capacity;
  guint            retry_cost;
  guint            timeout_cost;
  guint            throttling_cost;

  /* state */
  guint            available;

  /* owned */
  GRand           *rand;
  ParleyRandomFunc random_func;
  gpointer         random_data;
  GDestroyNotify   random_destroy;
};

G_DEFINE_FINAL_TYPE (ParleyRetryPolicy, parley_retry_policy, G_TYPE_OBJECT)

static const char * const mode_names[] = {
  [PARLEY_RETRY_MODE_STANDARD] = "standard",
  [PARLEY_RETRY_MODE_ADAPTIVE] = "adaptive",
  [PARLEY_RETRY_MODE_LEGACY] = "legacy",
};

gboolean
parley_retry_mode_parse (const char       *text,
                         ParleyRetryMode  *mode,
                         GError          **error)
{
  g_return_val_if_fail (mode != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (mode_names); i++)
    if (g_ascii_strcasecmp (text, mode_names[i]) == 0)
      {
        *mode = (ParleyRetryMode) i;
        return TRUE;
      }

  g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
               "Invalid retry mode “%s”: expected standard, adaptive or legacy",
               text != NULL ? text : "");
  return FALSE;
}

const char *
parley_retry_mode_to_string (ParleyRetryMode mode)
{
  if ((guint) mode < G_N_ELEMENTS (mode_names))
    return mode_names[mode];
  return "standard";
}

static void
clear_random_func (ParleyRetryPolicy *self)
{
  if (self->random_destroy != NULL)
    self->random_destroy (self->random_data);
  self->random_func = NULL;
  self->random_data = NULL;
  self->random_destroy = NULL;
}

static void
parley_retry_policy_finalize (GObject *object)
{
  ParleyRetryPolicy *self = (ParleyRetryPolicy *) object;

  clear_random_func (self);
  g_clear_pointer (&self->rand, g_rand_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parley_retry_policy_parent_class)->finalize (object);
}

static void
parley_retry_policy_class_init (ParleyRetryPolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parley_retry_policy_finalize;
}

static void
parley_retry_policy_init (ParleyRetryPolicy *self)
{
  g_mutex_init (&self->lock);
  self->max_attempts = PARLEY_RETRY_DEFAULT_MAX_ATTEMPTS;
  self->base_ms = PARLEY_RETRY_DEFAULT_BASE_MS;
  self->throttling_base_ms = PARLEY_RETRY_DEFAULT_THROTTLING_BASE_MS;
  self->max_backoff_ms = PARLEY_RETRY_DEFAULT_MAX_BACKOFF_MS;
  self->capacity = PARLEY_RETRY_QUOTA_CAPACITY;
  self->available = PARLEY_RETRY_QUOTA_CAPACITY;
  self->retry_cost = PARLEY_RETRY_COST;
  self->timeout_cost = PARLEY_RETRY_TIMEOUT_COST;
  self->throttling_cost = PARLEY_RETRY_COST;
  self->rand = g_rand_new ();
}

ParleyRetryPolicy *
parley_retry_policy_new (guint max_attempts,
                         guint base_ms,
                         guint max_backoff_ms)
{
  ParleyRetryPolicy *self = g_object_new (PARLEY_TYPE_RETRY_POLICY, NULL);

  if (max_attempts != 0)
    self->max_attempts = max_attempts;
  if (base_ms != 0)
    self->base_ms = base_ms;
  if (max_backoff_ms != 0)
    self->max_backoff_ms = max_backoff_ms;
  return self;
}

void
parley_retry_policy_set_throttling_base (ParleyRetryPolicy *self,
                                         guint              base_ms)
{
  g_return_if_fail (PARLEY_IS_RETRY_POLICY (self));

  g_mutex_lock (&self->lock);
  self->throttling_base_ms = base_ms != 0 ? base_ms : PARLEY_RETRY_DEFAULT_THROTTLING_BASE_MS;
  g_mutex_unlock (&self->lock);
}

void
parley_retry_policy_set_quota (ParleyRetryPolicy *self,
                               guint              capacity,
                               guint              retry_cost,
                               guint              timeout_cost,
                               guint              throttling_cost)
{
  g_return_if_fail (PARLEY_IS_RETRY_POLICY (self));

  g_mutex_lock (&self->lock);
  self->capacity = capacity;
  self->available = capacity;
  self->retry_cost = retry_cost;
  self->timeout_cost = timeout_cost;
  self->throttling_cost = throttling_cost;
  g_mutex_unlock (&self->lock);
}

void
parley_retry_policy_set_random_func (ParleyRetryPolicy *self,
                                     ParleyRandomFunc   func,
                                     gpointer           user_data,
                                     GDestroyNotify     destroy)
{
  g_return_if_fail (PARLEY_IS_RETRY_POLICY (self));

  g_mutex_lock (&self->lock);
  clear_random_func (self);
  self->random_func = func;
  self->random_data = func != NULL ? user_data : NULL;
  self->random_destroy = func != NULL ? destroy : NULL;
  g_mutex_unlock (&self->lock);
}

guint
parley_retry_policy_get_max_attempts (ParleyRetryPolicy *self)
{
  g_return_val_if_fail (PARLEY_IS_RETRY_POLICY (self), 1);
  return self->max_attempts;
}

guint
parley_retry_policy_get_available (ParleyRetryPolicy *self)
{
  guint available;

  g_return_val_if_fail (PARLEY_IS_RETRY_POLICY (self), 0);

  g_mutex_lock (&self->lock);
  available = self->available;
  g_mutex_unlock (&self->lock);
  return available;
}

guint
parley_retry_policy_get_capacity (ParleyRetryPolicy *self)
{
  guint capacity;

  g_return_val_if_fail (PARLEY_IS_RETRY_POLICY (self), 0);

  g_mutex_lock (&self->lock);
  capacity = self->capacity;
  g_mutex_unlock (&self->lock);
  return capacity;
}

static gboolean
is_timeout (const GError *error)
{
  return g_error_matches (error, PARLEY_AWS_ERROR, PARLEY_AWS_ERROR_TIMEOUT)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

/* min (base × 2^(attempt-1), max_backoff), without overflow. Locked. */
static guint
backoff_limit (ParleyRetryPolicy *self,
               const GError      *error,
               guint              attempt)
{
  guint64 base = parley_aws_error_is_throttling (error) ? self->throttling_base_ms : self->base_ms;
  guint shift = attempt > 0 ? attempt - 1 : 0;

  if (shift >= 32 || base > (self->max_backoff_ms >> shift))
    return self->max_backoff_ms;
  return (guint) MIN (base << shift, (guint64) self->max_backoff_ms);
}

guint
parley_retry_policy_get_backoff_limit (ParleyRetryPolicy *self,
                                       const GError      *error,
                                       guint              attempt)
{
  guint limit;

  g_return_val_if_fail (PARLEY_IS_RETRY_POLICY (self), 0);

  g_mutex_lock (&self->lock);
  limit = backoff_limit (self, error, attempt);
  g_mutex_unlock (&self->lock);
  return limit;
}

/* Locked. */
static double
next_random (ParleyRetryPolicy *self)
{
  double r;

  if (self->random_func != NULL)
    r = self->random_func (self->random_data);
  else
    r = g_rand_double (self->rand);

  if (!(r >= 0.0))        /* also NaN */
    return 0.0;
  return MIN (r, 1.0);
}

static void
set_decision (ParleyRetryDecision *decision,
              ParleyRetryVerdict   verdict,
              guint                delay_ms,
              guint                cost)
{
  if (decision == NULL)
    return;
  decision->verdict = verdict;
  decision->delay_ms = delay_ms;
  decision->cost = cost;
}

gboolean
parley_retry_policy_should_retry (ParleyRetryPolicy   *self,
                                  const GError        *error,
                                  guint                attempt,
                                  gint64               retry_after_ms,
                                  ParleyRetryDecision *decision)
{
  guint cost;
  guint64 delay;

  set_decision (decision, PARLEY_RETRY_VERDICT_NOT_RETRYABLE, 0, 0);
  g_return_val_if_fail (PARLEY_IS_RETRY_POLICY (self), FALSE);
  g_return_val_if_fail (attempt >= 1, FALSE);

  if (!parley_aws_error_is_retryable (error))
    return FALSE;

  g_mutex_lock (&self->lock);

  if (attempt >= self->max_attempts)
    {
      g_mutex_unlock (&self->lock);
      set_decision (decision, PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT, 0, 0);
      return FALSE;
    }

  if (is_timeout (error))
    cost = self->timeout_cost;
  else if (parley_aws_error_is_throttling (error))
    cost = self->throttling_cost;
  else
    cost = self->retry_cost;

  if (self->available < cost)
    {
      g_mutex_unlock (&self->lock);
      set_decision (decision, PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED, 0, 0);
      return FALSE;
    }
  self->available -= cost;

  delay = (guint64) floor (next_random (self) * backoff_limit (self, error, attempt));
  if (retry_after_ms >= 0)
    {
      guint64 extra = MIN (PARLEY_RETRY_AFTER_MAX_EXTRA_MS, self->max_backoff_ms);

      delay = CLAMP ((guint64) retry_after_ms, delay, delay + extra);
    }

  g_mutex_unlock (&self->lock);

  set_decision (decision, PARLEY_RETRY_VERDICT_RETRY, (guint) MIN (delay, (guint64) G_MAXUINT), cost);
  return TRUE;
}

void
parley_retry_policy_record_success (ParleyRetryPolicy *self,
                                    guint              retry_cost)
{
  guint64 refill;

  g_return_if_fail (PARLEY_IS_RETRY_POLICY (self));

  g_mutex_lock (&self->lock);
  refill = retry_cost > 0 ? retry_cost : PARLEY_RETRY_NO_RETRY_INCREMENT;
  self->available = (guint) MIN ((guint64) self->available + refill, (guint64) self->capacity);
  g_mutex_unlock (&self->lock);
}

/* A whole non-negative decimal number, saturated at @max; surrounding
 * blanks are allowed, nothing else. */
static gboolean
parse_uint (const char *text,
            guint64     max,
            guint64    *out)
{
  guint64 value = 0;
  const char *p = text;

  if (p == NULL)
    return FALSE;
  while (g_ascii_isspace (*p))
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    value = MIN (value * 10 + (guint64) (*p - '0'), max);
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    return FALSE;
  *out = value;
  return TRUE;
}

gint64
parley_retry_after_parse (const char *x_amz_retry_after,
                          const char *retry_after)
{
  guint64 value;

  if (parse_uint (x_amz_retry_after, RETRY_AFTER_MAX_MS, &value))
    return (gint64) value;
  if (parse_uint (retry_after, RETRY_AFTER_MAX_MS / 1000, &value))
    return (gint64) value * 1000;
  return -1;
}
