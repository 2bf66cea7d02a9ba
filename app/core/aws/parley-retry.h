/* parley-retry.h — the AWS SDKs' "standard" retry mode
 *
 * One ParleyRetryPolicy serves every call to one service (as an SDK client
 * does): it decides whether a failed attempt is retried and after how long,
 * and it holds the client's retry quota, a token bucket that stops retries
 * while a service keeps failing. Pure logic: no clock, no I/O; the random
 * source can be injected, so tests are deterministic.
 *
 * The rules, from the AWS SDKs and Tools Reference Guide ("Retry behavior")
 * and aws-sdk-go-v2's retry package:
 *
 *  - An error is retried only if parley_aws_error_is_retryable() says so
 *    (throttling, 5xx, model not ready, timeouts, dropped connections);
 *    validation, access, credentials, not found, protocol errors and
 *    cancellation never are.
 *  - At most max_attempts attempts in all (AWS_MAX_ATTEMPTS or the profile's
 *    max_attempts, resolved by the caller; default 3).
 *  - Each retry takes tokens from the quota: retry_cost (5), timeout_cost (10)
 *    for a timeout, throttling_cost (5) for throttling. With too few tokens
 *    left, the error is returned instead. A success gives back the cost of
 *    the retry that led to it, or no_retry_increment (1) when it was a first
 *    attempt; the bucket never exceeds its capacity (500). The 2026 revision
 *    of the guide (AWS_NEW_RETRIES_2026) charges 14 and 5 for throttling:
 *    set_quota (500, 14, 14, 5) gives that.
 *  - Backoff with "full jitter", the cap applied before the jitter:
 *      delay = random[0,1) × min (base × 2^(attempt-1), max_backoff)
 *    with a larger base for throttling than for other errors. That is the
 *    guide's 2026 revision (base 50 ms, 1 s for throttling, cap 20 s); the
 *    earlier text used one base of 1 s and capped after the jitter.
 *  - A server's x-amz-retry-after (ms) or Retry-After (s) is honoured within
 *    [delay, delay + min (5 s, max_backoff)], as the SDKs clamp it.
 *
 * Parley's defaults are shorter than the SDKs' because a customer waits on a
 * chat turn and another region or model is usually a better bet than a long
 * sleep: base 50 ms, throttling base 500 ms, max backoff 2 s.
 *
 * Retry modes: "standard" is implemented. "adaptive" (standard plus a
 * client-side rate limiter that may delay first attempts) is accepted and
 * treated as standard: AWS recommends it only for clients that talk to a
 * single resource and can tolerate added latency, which a multi-tenant chat
 * server is not. "legacy" is SDK-specific and is treated as standard too.
 *
 * All functions are thread-safe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PARLEY_RETRY_DEFAULT_MAX_ATTEMPTS       3
#define PARLEY_RETRY_DEFAULT_BASE_MS            50
#define PARLEY_RETRY_DEFAULT_THROTTLING_BASE_MS 500
#define PARLEY_RETRY_DEFAULT_MAX_BACKOFF_MS     2000

/* The SDKs' own values, for callers who want exactly their behaviour. */
#define PARLEY_RETRY_SDK_BASE_MS                50
#define PARLEY_RETRY_SDK_THROTTLING_BASE_MS     1000
#define PARLEY_RETRY_SDK_MAX_BACKOFF_MS         20000

#define PARLEY_RETRY_QUOTA_CAPACITY             500
#define PARLEY_RETRY_COST                       5
#define PARLEY_RETRY_TIMEOUT_COST               10
#define PARLEY_RETRY_NO_RETRY_INCREMENT         1
#define PARLEY_RETRY_AFTER_MAX_EXTRA_MS         5000

typedef enum {
  PARLEY_RETRY_MODE_STANDARD,
  PARLEY_RETRY_MODE_ADAPTIVE,   /* accepted, behaves as standard */
  PARLEY_RETRY_MODE_LEGACY,     /* accepted, behaves as standard */
} ParleyRetryMode;

typedef enum {
  PARLEY_RETRY_VERDICT_RETRY,
  PARLEY_RETRY_VERDICT_NOT_RETRYABLE,    /* the error is not one to retry */
  PARLEY_RETRY_VERDICT_ATTEMPTS_SPENT,   /* max_attempts reached */
  PARLEY_RETRY_VERDICT_QUOTA_EXHAUSTED,  /* the token bucket has too few tokens */
} ParleyRetryVerdict;

typedef struct {
  ParleyRetryVerdict verdict;
  guint              delay_ms;   /* RETRY: wait this long before the next attempt */
  guint              cost;       /* RETRY: tokens taken; pass it to record_success() */
} ParleyRetryDecision;

/* A uniform random number in [0, 1). Values outside are clamped to [0, 1]. */
typedef double (*ParleyRandomFunc) (gpointer user_data);

#define PARLEY_TYPE_RETRY_POLICY (parley_retry_policy_get_type ())
G_DECLARE_FINAL_TYPE (ParleyRetryPolicy, parley_retry_policy, PARLEY, RETRY_POLICY, GObject)

/* "standard", "adaptive" or "legacy" (AWS_RETRY_MODE, retry_mode), any case. */
gboolean            parley_retry_mode_parse                 (const char          *text,
                                                             ParleyRetryMode     *mode,
                                                             GError             **error);
const char         *parley_retry_mode_to_string             (ParleyRetryMode      mode);

/* 0 for any argument means its default (PARLEY_RETRY_DEFAULT_*). @base_ms is
 * the base for errors other than throttling; @max_backoff_ms caps every
 * computed backoff. */
ParleyRetryPolicy  *parley_retry_policy_new                 (guint                max_attempts,
                                                             guint                base_ms,
                                                             guint                max_backoff_ms);
void                parley_retry_policy_set_throttling_base (ParleyRetryPolicy   *self,
                                                             guint                base_ms);
/* Resets the bucket to @capacity tokens. */
void                parley_retry_policy_set_quota           (ParleyRetryPolicy   *self,
                                                             guint                capacity,
                                                             guint                retry_cost,
                                                             guint                timeout_cost,
                                                             guint                throttling_cost);
/* NULL restores the default (a GRand seeded at random). */
void                parley_retry_policy_set_random_func     (ParleyRetryPolicy   *self,
                                                             ParleyRandomFunc     func,
                                                             gpointer             user_data,
                                                             GDestroyNotify       destroy);

guint               parley_retry_policy_get_max_attempts    (ParleyRetryPolicy   *self);
guint               parley_retry_policy_get_available       (ParleyRetryPolicy   *self);
guint               parley_retry_policy_get_capacity        (ParleyRetryPolicy   *self);
/* The backoff bound before jitter, min (base × 2^(attempt-1), max_backoff),
 * for the class of @error (throttling or not). */
guint               parley_retry_policy_get_backoff_limit   (ParleyRetryPolicy   *self,
                                                             const GError        *error,
                                                             guint                attempt);

/* Whether to retry after attempt number @attempt (1-based, the one that
 * just failed with @error). On RETRY the cost has been taken from the
 * quota. @retry_after_ms is the server's hint (see parley_retry_after_parse),
 * or -1. @decision may be NULL. */
gboolean            parley_retry_policy_should_retry        (ParleyRetryPolicy   *self,
                                                             const GError        *error,
                                                             guint                attempt,
                                                             gint64               retry_after_ms,
                                                             ParleyRetryDecision *decision);
/* An attempt succeeded. @retry_cost is the cost of the retry that made it
 * (decision.cost), or 0 if it was the request's first attempt. */
void                parley_retry_policy_record_success      (ParleyRetryPolicy   *self,
                                                             guint                retry_cost);

/* A server's retry hint in milliseconds, or -1: @x_amz_retry_after is in
 * milliseconds and wins; @retry_after (RFC 9110) in whole seconds. A
 * malformed value, and a Retry-After given as an HTTP-date, is ignored
 * (AWS services send numbers); a value over an hour counts as an hour
 * (should_retry clamps it much lower anyway). Either may be NULL. */
gint64              parley_retry_after_parse                (const char          *x_amz_retry_after,
                                                             const char          *retry_after);

G_END_DECLS
