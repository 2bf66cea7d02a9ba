/* parley-call-plan.h — which region and model to call next, and when
 *
 * A ParleyCallPlan walks the targets of one request — every model (primary
 * first, then fallbacks) in every region (primary first, then failover
 * regions), model by model — and tells the caller what to call next:
 *
 *   while (parley_call_plan_next (plan, &region, &model, &delay_ms, &error))
 *     {
 *       (wait delay_ms, call region/model)
 *       parley_call_plan_report (plan, call_error);   (NULL on success)
 *     }
 *   if (error != NULL) … the request failed; else get_answered() says who answered
 *
 * Rules, in order, for the outcome of each attempt:
 *  - success: the plan ends; next() returns FALSE without an error.
 *  - cancelled (G_IO_ERROR_CANCELLED), validation, credentials: stop — the
 *    request is wrong, or cannot be signed, everywhere.
 *  - access denied, not found: skip the model's other regions and go on with
 *    the next model (it may not be enabled in this account).
 *  - retryable (throttling, 5xx, timeouts, model not ready, dropped
 *    connections): retry the same target as the retry policy allows, after
 *    its delay; when the policy says no (attempts spent, quota empty) or the
 *    target's breaker is no longer closed, go on with the next target (the
 *    next region for the same model, then the next model).
 *  - anything else (protocol errors, unknown failures): the next target.
 *  - a target whose breaker refuses the call is skipped without a call.
 * Every outcome is recorded in the breaker under "region/model".
 *
 * When nothing is left, next() returns FALSE with a copy of the last error
 * (its AWS code, request id and HTTP status intact), or with
 * PARLEY_AWS_ERROR_CIRCUIT_OPEN if no call could be made at all. Attempts
 * are capped overall (default: max_attempts × number of targets). To stop
 * early (say, part of a streamed answer was already shown), report the
 * outcome and stop calling next().
 *
 * EU residency: with @eu_only, only regions in EU member states are kept —
 * an allow-list (parley_region_is_eu), not the "eu-" prefix, because
 * eu-west-2 (London) and eu-central-2 (Zurich) are in Europe but not in the
 * EU — and only models whose inference stays in the region or in the "eu."
 * cross-region profile (parley_model_id_is_eu_compatible). If that leaves
 * nothing, new() fails with a message naming what was dropped and why.
 *
 * A plan is used by one caller at a time; the policy and breaker it shares
 * with other plans are thread-safe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "parley-circuit-breaker.h"
#include "parley-retry.h"

G_BEGIN_DECLS

typedef struct _ParleyCallPlan ParleyCallPlan;

/* Whether @region is in an EU member state. */
gboolean        parley_region_is_eu               (const char             *region);
/* Whether a call with @model_id made in an EU region stays in the EU: an
 * in-region model id ("anthropic.claude-…"), an "eu." inference profile, or
 * an ARN whose region is in the EU (and, for an inference profile ARN, whose
 * profile is an "eu." one). Any other geography prefix ("us.", "apac.",
 * "global." …, or one unknown to Parley) may route elsewhere. */
gboolean        parley_model_id_is_eu_compatible  (const char             *model_id);
/* The circuit-breaker key of a target: "region/model". */
char           *parley_call_plan_target_key       (const char             *region,
                                                   const char             *model);

/* @models and @regions: NULL-terminated, at least one each; duplicates are
 * dropped. @policy and @breaker may be NULL (no retries, no breaker). Fails
 * with PARLEY_ERROR_INVALID_INPUT for a malformed or empty list and when
 * @eu_only leaves no region or no model. */
ParleyCallPlan *parley_call_plan_new              (const char * const     *models,
                                                   const char * const     *regions,
                                                   gboolean                eu_only,
                                                   ParleyRetryPolicy      *policy,
                                                   ParleyCircuitBreaker   *breaker,
                                                   GError                **error);
void            parley_call_plan_free             (ParleyCallPlan         *plan);

/* The overall cap on calls; 0 restores the default. */
void            parley_call_plan_set_max_attempts (ParleyCallPlan         *plan,
                                                   guint                   max_attempts);

/* The next call to make: @region and @model (owned by the plan) after
 * waiting @delay_ms. FALSE when there is none: with @error set when the
 * request failed, without when a call succeeded. Each TRUE must be followed
 * by one report(). Any out argument may be NULL. */
gboolean        parley_call_plan_next             (ParleyCallPlan         *plan,
                                                   const char            **region,
                                                   const char            **model,
                                                   guint                  *delay_ms,
                                                   GError                **error);
/* The outcome of the call next() returned: NULL for success. */
void            parley_call_plan_report           (ParleyCallPlan         *plan,
                                                   const GError           *error);
/* The same with the server's retry hint in ms (parley_retry_after_parse) or -1. */
void            parley_call_plan_report_full      (ParleyCallPlan         *plan,
                                                   const GError           *error,
                                                   gint64                  retry_after_ms);

/* The target that answered, if one did. */
gboolean        parley_call_plan_get_answered     (ParleyCallPlan         *plan,
                                                   const char            **region,
                                                   const char            **model);
/* Calls made so far, and targets passed over because their breaker was open. */
guint           parley_call_plan_get_n_attempts   (ParleyCallPlan         *plan);
guint           parley_call_plan_get_n_skipped    (ParleyCallPlan         *plan);
/* The targets, in the order they are tried: n_models × n_regions after the
 * EU filter. */
guint           parley_call_plan_get_n_targets    (ParleyCallPlan         *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyCallPlan, parley_call_plan_free)

G_END_DECLS
