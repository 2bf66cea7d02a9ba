/* parley-circuit-breaker.c — per-target circuit breakers
 *
 * One entry per key in a hash table under one mutex; the OPEN → HALF_OPEN
 * transition is made lazily by whoever looks at an entry after its
 * deadline, so there are no timers and the clock can be faked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-circuit-breaker.h"

typedef struct {
  ParleyCircuitState state;
  guint              consecutive_failures;
  guint              probes_in_flight;
  guint              cooldown_ms;       /* the one in force (grows on failed probes) */
  gint64             open_until;        /* µs, OPEN */
  gint64             last_probe;        /* µs, HALF_OPEN */
  guint64            successes;
  guint64            failures;
  guint64            neutral;
  guint64            rejected;
  guint64            opened;
} Entry;

struct _ParleyCircuitBreaker
{
  GObject          parent_instance;

  GMutex           lock;

  /* configuration */
  guint            failure_threshold;
  guint            cooldown_ms;
  guint            max_cooldown_ms;
  guint            probes;
  guint            probe_timeout_ms;
  ParleyClockFunc  clock;
  gpointer         clock_data;

  /* owned */
  GHashTable      *entries;             /* char* key → Entry* */
};

G_DEFINE_FINAL_TYPE (ParleyCircuitBreaker, parley_circuit_breaker, G_TYPE_OBJECT)

const char *
parley_circuit_state_to_string (ParleyCircuitState state)
{
  switch (state)
    {
    case PARLEY_CIRCUIT_CLOSED:
      return "closed";
    case PARLEY_CIRCUIT_OPEN:
      return "open";
    case PARLEY_CIRCUIT_HALF_OPEN:
      return "half-open";
    default:
      return "unknown";
    }
}

gboolean
parley_circuit_breaker_is_failure (const GError *error)
{
  return error != NULL && parley_aws_error_is_retryable (error);
}

static void
parley_circuit_breaker_finalize (GObject *object)
{
  ParleyCircuitBreaker *self = (ParleyCircuitBreaker *) object;

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parley_circuit_breaker_parent_class)->finalize (object);
}

static void
parley_circuit_breaker_class_init (ParleyCircuitBreakerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parley_circuit_breaker_finalize;
}

static void
parley_circuit_breaker_init (ParleyCircuitBreaker *self)
{
  g_mutex_init (&self->lock);
  self->failure_threshold = PARLEY_CIRCUIT_DEFAULT_FAILURE_THRESHOLD;
  self->cooldown_ms = PARLEY_CIRCUIT_DEFAULT_COOLDOWN_MS;
  self->max_cooldown_ms = PARLEY_CIRCUIT_DEFAULT_MAX_COOLDOWN_MS;
  self->probes = PARLEY_CIRCUIT_DEFAULT_PROBES;
  self->probe_timeout_ms = PARLEY_CIRCUIT_DEFAULT_PROBE_TIMEOUT_MS;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ParleyCircuitBreaker *
parley_circuit_breaker_new (guint failure_threshold,
                            guint cooldown_ms,
                            guint max_cooldown_ms,
                            guint half_open_probes)
{
  ParleyCircuitBreaker *self = g_object_new (PARLEY_TYPE_CIRCUIT_BREAKER, NULL);

  if (failure_threshold != 0)
    self->failure_threshold = failure_threshold;
  if (cooldown_ms != 0)
    self->cooldown_ms = cooldown_ms;
  if (max_cooldown_ms != 0)
    self->max_cooldown_ms = max_cooldown_ms;
  self->max_cooldown_ms = MAX (self->max_cooldown_ms, self->cooldown_ms);
  if (half_open_probes != 0)
    self->probes = half_open_probes;
  return self;
}

void
parley_circuit_breaker_set_clock (ParleyCircuitBreaker *self,
                                  ParleyClockFunc       func,
                                  gpointer              user_data)
{
  g_return_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self));

  g_mutex_lock (&self->lock);
  self->clock = func;
  self->clock_data = func != NULL ? user_data : NULL;
  g_mutex_unlock (&self->lock);
}

void
parley_circuit_breaker_set_probe_timeout (ParleyCircuitBreaker *self,
                                          guint                 ms)
{
  g_return_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self));

  g_mutex_lock (&self->lock);
  self->probe_timeout_ms = ms != 0 ? ms : PARLEY_CIRCUIT_DEFAULT_PROBE_TIMEOUT_MS;
  g_mutex_unlock (&self->lock);
}

/* Locked. */
static gint64
now_us (ParleyCircuitBreaker *self)
{
  return self->clock != NULL ? self->clock (self->clock_data) : g_get_monotonic_time ();
}

/* Locked. The entry of @key, brought up to date with the clock; created
 * (CLOSED) if @create, else NULL when unknown. */
static Entry *
lookup (ParleyCircuitBreaker *self,
        const char           *key,
        gint64                now,
        gboolean              create)
{
  Entry *e = g_hash_table_lookup (self->entries, key);

  if (e == NULL)
    {
      if (!create)
        return NULL;
      e = g_new0 (Entry, 1);
      e->state = PARLEY_CIRCUIT_CLOSED;
      e->cooldown_ms = self->cooldown_ms;
      g_hash_table_insert (self->entries, g_strdup (key), e);
    }

  if (e->state == PARLEY_CIRCUIT_OPEN && now >= e->open_until)
    {
      e->state = PARLEY_CIRCUIT_HALF_OPEN;
      e->probes_in_flight = 0;
    }
  return e;
}

static void
trip (Entry  *e,
      gint64  now)
{
  e->state = PARLEY_CIRCUIT_OPEN;
  e->open_until = now + (gint64) e->cooldown_ms * 1000;
  e->probes_in_flight = 0;
  e->opened++;
}

gboolean
parley_circuit_breaker_allow (ParleyCircuitBreaker *self,
                              const char           *key)
{
  gboolean allowed = FALSE;
  gint64 now;
  Entry *e;

  g_return_val_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  g_mutex_lock (&self->lock);
  now = now_us (self);
  e = lookup (self, key, now, TRUE);

  switch (e->state)
    {
    case PARLEY_CIRCUIT_CLOSED:
      allowed = TRUE;
      break;

    case PARLEY_CIRCUIT_HALF_OPEN:
      /* Probes that never reported are given up after the timeout. */
      if (e->probes_in_flight >= self->probes
          && now - e->last_probe >= (gint64) self->probe_timeout_ms * 1000)
        e->probes_in_flight = 0;
      if (e->probes_in_flight < self->probes)
        {
          e->probes_in_flight++;
          e->last_probe = now;
          allowed = TRUE;
        }
      break;

    case PARLEY_CIRCUIT_OPEN:
    default:
      break;
    }

  if (!allowed)
    e->rejected++;
  g_mutex_unlock (&self->lock);
  return allowed;
}

void
parley_circuit_breaker_record (ParleyCircuitBreaker *self,
                               const char           *key,
                               const GError         *error)
{
  gint64 now;
  Entry *e;

  g_return_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->lock);
  now = now_us (self);
  e = lookup (self, key, now, TRUE);

  if (error == NULL)
    {
      e->successes++;
      if (e->state != PARLEY_CIRCUIT_OPEN)
        {
          e->state = PARLEY_CIRCUIT_CLOSED;
          e->consecutive_failures = 0;
          e->probes_in_flight = 0;
          e->cooldown_ms = self->cooldown_ms;
        }
    }
  else if (parley_circuit_breaker_is_failure (error))
    {
      e->failures++;
      switch (e->state)
        {
        case PARLEY_CIRCUIT_CLOSED:
          if (++e->consecutive_failures >= self->failure_threshold)
            trip (e, now);
          break;

        case PARLEY_CIRCUIT_HALF_OPEN:
          e->consecutive_failures++;
          e->cooldown_ms = (guint) MIN ((guint64) e->cooldown_ms * 2, (guint64) self->max_cooldown_ms);
          trip (e, now);
          break;

        case PARLEY_CIRCUIT_OPEN:
        default:
          break;
        }
    }
  else
    {
      e->neutral++;
      if (e->state == PARLEY_CIRCUIT_HALF_OPEN && e->probes_in_flight > 0)
        e->probes_in_flight--;
    }

  g_mutex_unlock (&self->lock);
}

ParleyCircuitState
parley_circuit_breaker_get_state (ParleyCircuitBreaker *self,
                                  const char           *key)
{
  ParleyCircuitState state;
  Entry *e;

  g_return_val_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self), PARLEY_CIRCUIT_CLOSED);
  g_return_val_if_fail (key != NULL, PARLEY_CIRCUIT_CLOSED);

  g_mutex_lock (&self->lock);
  e = lookup (self, key, now_us (self), FALSE);
  state = e != NULL ? e->state : PARLEY_CIRCUIT_CLOSED;
  g_mutex_unlock (&self->lock);
  return state;
}

static void
info_clear (gpointer data)
{
  ParleyCircuitInfo *info = data;

  g_clear_pointer (&info->key, g_free);
}

static gint
compare_info (gconstpointer a,
              gconstpointer b)
{
  return strcmp (((const ParleyCircuitInfo *) a)->key, ((const ParleyCircuitInfo *) b)->key);
}

GArray *
parley_circuit_breaker_snapshot (ParleyCircuitBreaker *self)
{
  GArray *infos;
  GHashTableIter iter;
  gpointer key, value;
  gint64 now;

  g_return_val_if_fail (PARLEY_IS_CIRCUIT_BREAKER (self), NULL);

  infos = g_array_new (FALSE, TRUE, sizeof (ParleyCircuitInfo));
  g_array_set_clear_func (infos, info_clear);

  g_mutex_lock (&self->lock);
  now = now_us (self);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Entry *e = lookup (self, key, now, FALSE);
      ParleyCircuitInfo info = {
        .key = g_strdup (key),
        .state = e->state,
        .consecutive_failures = e->consecutive_failures,
        .probes_in_flight = e->state == PARLEY_CIRCUIT_HALF_OPEN ? e->probes_in_flight : 0,
        .cooldown_ms = e->cooldown_ms,
        .reopens_in_ms = e->state == PARLEY_CIRCUIT_OPEN ? (e->open_until - now + 999) / 1000 : 0,
        .successes = e->successes,
        .failures = e->failures,
        .neutral = e->neutral,
        .rejected = e->rejected,
        .opened = e->opened,
      };

      g_array_append_val (infos, info);
    }
  g_mutex_unlock (&self->lock);

  g_array_sort (infos, compare_info);
  return infos;
}
