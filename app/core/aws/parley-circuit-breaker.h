/* parley-circuit-breaker.h — per-target circuit breakers
 *
 * One ParleyCircuitBreaker per client holds one breaker per key (Parley uses
 * "region/model", see parley_call_plan_target_key()):
 *
 *   CLOSED ── failure_threshold consecutive failures ──▶ OPEN
 *   OPEN ── cooldown elapsed ──▶ HALF_OPEN (checked lazily, on the clock)
 *   HALF_OPEN: at most half_open_probes calls are admitted at once;
 *              a success closes the breaker, a counting failure reopens
 *              it with the cooldown doubled (capped at max_cooldown); the
 *              cooldown returns to its base when the breaker closes.
 *
 * Only failures that say something about the target count: those that the
 * retry policy would retry (throttling, 5xx, timeouts, model not ready,
 * dropped connections — parley_aws_error_is_retryable()). A validation,
 * access, credentials or not-found error, or a cancellation, is neutral: it
 * neither counts as a failure nor resets the count, and in HALF_OPEN it just
 * frees its probe slot. Results that arrive while OPEN (from calls admitted
 * before it opened) are counted in the statistics and otherwise ignored.
 * A probe that never reports is forgotten after the probe timeout, so a lost
 * caller cannot keep a breaker half-open forever.
 *
 * Time comes from an injectable monotonic clock (µs; g_get_monotonic_time by
 * default). All functions are thread-safe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PARLEY_CIRCUIT_DEFAULT_FAILURE_THRESHOLD 5
#define PARLEY_CIRCUIT_DEFAULT_COOLDOWN_MS       30000
#define PARLEY_CIRCUIT_DEFAULT_MAX_COOLDOWN_MS   300000
#define PARLEY_CIRCUIT_DEFAULT_PROBES            1
#define PARLEY_CIRCUIT_DEFAULT_PROBE_TIMEOUT_MS  120000

typedef enum {
  PARLEY_CIRCUIT_CLOSED,
  PARLEY_CIRCUIT_OPEN,
  PARLEY_CIRCUIT_HALF_OPEN,
} ParleyCircuitState;

/* Monotonic time in microseconds. */
typedef gint64 (*ParleyClockFunc) (gpointer user_data);

/* One key's state, for /metrics. */
typedef struct {
  char               *key;
  ParleyCircuitState  state;
  guint               consecutive_failures;
  guint               probes_in_flight;   /* HALF_OPEN */
  guint               cooldown_ms;        /* the current (possibly grown) cooldown */
  gint64              reopens_in_ms;      /* OPEN: until it half-opens; else 0 */
  guint64             successes;
  guint64             failures;           /* counting failures only */
  guint64             neutral;            /* errors that do not count */
  guint64             rejected;           /* calls refused by allow() */
  guint64             opened;             /* times it went to OPEN */
} ParleyCircuitInfo;

#define PARLEY_TYPE_CIRCUIT_BREAKER (parley_circuit_breaker_get_type ())
G_DECLARE_FINAL_TYPE (ParleyCircuitBreaker, parley_circuit_breaker, PARLEY, CIRCUIT_BREAKER, GObject)

const char           *parley_circuit_state_to_string           (ParleyCircuitState    state);
/* Whether @error counts against the target (see above); NULL does not. */
gboolean              parley_circuit_breaker_is_failure        (const GError         *error);

/* 0 for any argument means its default (PARLEY_CIRCUIT_DEFAULT_*); a
 * @max_cooldown_ms below @cooldown_ms means no growth. */
ParleyCircuitBreaker *parley_circuit_breaker_new               (guint                 failure_threshold,
                                                                guint                 cooldown_ms,
                                                                guint                 max_cooldown_ms,
                                                                guint                 half_open_probes);
/* NULL restores g_get_monotonic_time. */
void                  parley_circuit_breaker_set_clock         (ParleyCircuitBreaker *self,
                                                                ParleyClockFunc       func,
                                                                gpointer              user_data);
void                  parley_circuit_breaker_set_probe_timeout (ParleyCircuitBreaker *self,
                                                                guint                 ms);

/* Whether a call to @key may go ahead now; in HALF_OPEN a TRUE takes a
 * probe slot, which the call's record() gives back. */
gboolean              parley_circuit_breaker_allow             (ParleyCircuitBreaker *self,
                                                                const char           *key);
/* The outcome of a call to @key: NULL for a success. */
void                  parley_circuit_breaker_record            (ParleyCircuitBreaker *self,
                                                                const char           *key,
                                                                const GError         *error);
ParleyCircuitState    parley_circuit_breaker_get_state         (ParleyCircuitBreaker *self,
                                                                const char           *key);
/* Every key seen, sorted by key: an array of ParleyCircuitInfo that frees
 * its keys. */
GArray               *parley_circuit_breaker_snapshot          (ParleyCircuitBreaker *self);

G_END_DECLS
