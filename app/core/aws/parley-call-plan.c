/* parley-call-plan.c — which region and model to call next, and when
 *
 * The targets are laid out model-major (model 0 in every region, then
 * model 1 …), so "next region" is the next index and "next model" is the
 * first index of the following row. The plan is a small state machine:
 * next() hands out the current target (or skips it while its breaker
 * refuses), report() decides where the next call goes.
 *
 * The retry quota is charged only for retries on the same target; moving to
 * another region or model is a first attempt there, as it would be for a
 * separate SDK client, and is bounded by the number of targets instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "parley-aws-error.h"
#include "parley-call-plan.h"
#include "parley-error.h"

#define MAX_REGION_LEN 32
#define MAX_MODEL_LEN  2048     /* ConversationalModelId's max */

typedef struct {
  guint  model;
  guint  region;
  char  *key;
} Target;

struct _ParleyCallPlan
{
  /* owned */
  GPtrArray            *models;
  GPtrArray            *regions;
  GArray               *targets;          /* Target */
  ParleyRetryPolicy    *policy;
  ParleyCircuitBreaker *breaker;
  GError               *last_error;       /* the latest failure reported */
  GError               *final_error;      /* once the plan has failed */
  GPtrArray            *skipped;          /* keys refused by their breaker */

  guint                 cur;              /* index into targets */
  guint                 attempts_here;    /* calls made to targets[cur] */
  gboolean              retry_pending;
  guint                 retry_delay_ms;
  guint                 held_cost;        /* quota cost of the retry in flight or pending */
  gboolean              in_flight;
  guint                 n_attempts;
  guint                 max_attempts;
  guint                 default_max_attempts;
  gint                  answered;         /* index into targets, or -1 */
};

/* The regions of AWS's commercial and European Sovereign Cloud partitions
 * that are in EU member states. eu-west-2 (London) and eu-central-2
 * (Zurich) are not; neither is any region Parley does not know. */
static const char * const eu_regions[] = {
  "eu-central-1",     /* Frankfurt */
  "eu-west-1",        /* Ireland */
  "eu-west-3",        /* Paris */
  "eu-north-1",       /* Stockholm */
  "eu-south-1",       /* Milan */
  "eu-south-2",       /* Spain (Aragón) */
  "eusc-de-east-1",   /* European Sovereign Cloud, Brandenburg */
};

static const struct {
  const char *region;
  const char *where;
} european_non_eu[] = {
  { "eu-west-2", "London, United Kingdom" },
  { "eu-central-2", "Zurich, Switzerland" },
};

gboolean
parley_region_is_eu (const char *region)
{
  if (region == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (eu_regions); i++)
    if (strcmp (region, eu_regions[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Whether a bare model or inference profile id stays in the region it is
 * called in or in the EU: a foundation model id is "provider.model"; one
 * more leading segment is a cross-region profile's geography ("eu.",
 * "us.", "global." …). */
static gboolean
model_name_is_eu_compatible (const char *name)
{
  const char *colon = strchr (name, ':');
  gsize len = colon != NULL ? (gsize) (colon - name) : strlen (name);
  guint dots = 0;

  for (gsize i = 0; i < len; i++)
    if (name[i] == '.')
      dots++;

  if (dots < 2)
    return TRUE;
  return g_str_has_prefix (name, "eu.");
}

gboolean
parley_model_id_is_eu_compatible (const char *model_id)
{
  g_auto(GStrv) fields = NULL;
  const char *slash;

  if (model_id == NULL || *model_id == '\0')
    return FALSE;

  if (!g_str_has_prefix (model_id, "arn:"))
    return model_name_is_eu_compatible (model_id);

  /* arn:partition:service:region:account:resource */
  fields = g_strsplit (model_id, ":", 6);
  if (g_strv_length (fields) < 6 || !parley_region_is_eu (fields[3]))
    return FALSE;
  slash = strchr (fields[5], '/');
  if (g_str_has_prefix (fields[5], "inference-profile/") && slash != NULL)
    return model_name_is_eu_compatible (slash + 1);
  return TRUE;
}

char *
parley_call_plan_target_key (const char *region,
                             const char *model)
{
  g_return_val_if_fail (region != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);

  return g_strconcat (region, "/", model, NULL);
}

/* A region goes into a host name: lower-case letters, digits and inner
 * hyphens only. */
static gboolean
region_is_valid (const char *region)
{
  gsize len = strlen (region);

  if (len == 0 || len > MAX_REGION_LEN || !g_ascii_islower (region[0]) || region[len - 1] == '-')
    return FALSE;
  for (const char *p = region; *p != '\0'; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || (*p == '-' && p[1] != '-')))
      return FALSE;
  return TRUE;
}

/* A model id goes into a URL path (escaped by the caller): the characters
 * of Bedrock's model id patterns only. */
static gboolean
model_is_valid (const char *model)
{
  gsize len = strlen (model);

  if (len == 0 || len > MAX_MODEL_LEN)
    return FALSE;
  for (const char *p = model; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || strchr ("-_.:/", *p) != NULL))
      return FALSE;
  return TRUE;
}

/* @list, checked and without duplicates, or NULL with @error set. */
static GPtrArray *
collect (const char * const  *list,
         const char          *what,
         gboolean           (*valid) (const char *),
         GError             **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    {
      gboolean seen = FALSE;

      if (!valid (list[i]))
        {
          g_autofree char *shown = g_strescape (list[i], NULL);

          if (strlen (shown) > 80)
            strcpy (shown + 77, "...");
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "Invalid %s “%s”", what, shown);
          return NULL;
        }
      for (guint j = 0; j < out->len && !seen; j++)
        seen = strcmp (g_ptr_array_index (out, j), list[i]) == 0;
      if (!seen)
        g_ptr_array_add (out, g_strdup (list[i]));
    }

  if (out->len == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "No %s configured for the call", what);
      return NULL;
    }
  return g_steal_pointer (&out);
}

static const char *
non_eu_reason (const char *region)
{
  for (guint i = 0; i < G_N_ELEMENTS (european_non_eu); i++)
    if (strcmp (region, european_non_eu[i].region) == 0)
      return european_non_eu[i].where;
  return "not an EU region";
}

static gboolean
filter_eu (GPtrArray  *regions,
           GPtrArray  *models,
           GError    **error)
{
  g_autoptr(GString) dropped = g_string_new (NULL);

  for (guint i = 0; i < regions->len;)
    {
      const char *region = g_ptr_array_index (regions, i);

      if (parley_region_is_eu (region))
        {
          i++;
          continue;
        }
      g_string_append_printf (dropped, "%s%s (%s)", dropped->len > 0 ? ", " : "",
                              region, non_eu_reason (region));
      g_debug ("EU residency: not calling region %s", region);
      g_ptr_array_remove_index (regions, i);
    }
  if (regions->len == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "EU data residency: none of the configured Bedrock regions is in the EU: %s. "
                   "Configure at least one of eu-central-1, eu-west-1, eu-west-3, eu-north-1, "
                   "eu-south-1 or eu-south-2", dropped->str);
      return FALSE;
    }

  g_string_truncate (dropped, 0);
  for (guint i = 0; i < models->len;)
    {
      const char *model = g_ptr_array_index (models, i);

      if (parley_model_id_is_eu_compatible (model))
        {
          i++;
          continue;
        }
      g_string_append_printf (dropped, "%s%s", dropped->len > 0 ? ", " : "", model);
      g_debug ("EU residency: not calling model %s", model);
      g_ptr_array_remove_index (models, i);
    }
  if (models->len == 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "EU data residency: every configured model may be served outside the EU: %s. "
                   "Use a model id without a geography prefix or an “eu.” inference profile",
                   dropped->str);
      return FALSE;
    }
  return TRUE;
}

static void
target_clear (gpointer data)
{
  g_free (((Target *) data)->key);
}

ParleyCallPlan *
parley_call_plan_new (const char * const    *models,
                      const char * const    *regions,
                      gboolean               eu_only,
                      ParleyRetryPolicy     *policy,
                      ParleyCircuitBreaker  *breaker,
                      GError               **error)
{
  g_autoptr(GPtrArray) model_list = NULL;
  g_autoptr(GPtrArray) region_list = NULL;
  ParleyCallPlan *plan;
  guint per_target;

  g_return_val_if_fail (policy == NULL || PARLEY_IS_RETRY_POLICY (policy), NULL);
  g_return_val_if_fail (breaker == NULL || PARLEY_IS_CIRCUIT_BREAKER (breaker), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  model_list = collect (models, "model", model_is_valid, error);
  if (model_list == NULL)
    return NULL;
  region_list = collect (regions, "region", region_is_valid, error);
  if (region_list == NULL)
    return NULL;
  if (eu_only && !filter_eu (region_list, model_list, error))
    return NULL;

  plan = g_new0 (ParleyCallPlan, 1);
  plan->models = g_steal_pointer (&model_list);
  plan->regions = g_steal_pointer (&region_list);
  plan->policy = policy != NULL ? g_object_ref (policy) : NULL;
  plan->breaker = breaker != NULL ? g_object_ref (breaker) : NULL;
  plan->skipped = g_ptr_array_new ();
  plan->answered = -1;

  plan->targets = g_array_sized_new (FALSE, FALSE, sizeof (Target), plan->models->len * plan->regions->len);
  g_array_set_clear_func (plan->targets, target_clear);
  for (guint m = 0; m < plan->models->len; m++)
    for (guint r = 0; r < plan->regions->len; r++)
      {
        Target t = {
          .model = m,
          .region = r,
          .key = parley_call_plan_target_key (g_ptr_array_index (plan->regions, r),
                                              g_ptr_array_index (plan->models, m)),
        };

        g_array_append_val (plan->targets, t);
      }

  per_target = policy != NULL ? MAX (parley_retry_policy_get_max_attempts (policy), 1) : 1;
  plan->default_max_attempts = (guint) MIN ((guint64) per_target * plan->targets->len, (guint64) G_MAXUINT);
  plan->max_attempts = plan->default_max_attempts;
  return plan;
}

void
parley_call_plan_free (ParleyCallPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->models);
  g_ptr_array_unref (plan->regions);
  g_array_unref (plan->targets);
  g_ptr_array_unref (plan->skipped);
  g_clear_object (&plan->policy);
  g_clear_object (&plan->breaker);
  g_clear_error (&plan->last_error);
  g_clear_error (&plan->final_error);
  g_free (plan);
}

void
parley_call_plan_set_max_attempts (ParleyCallPlan *plan,
                                   guint           max_attempts)
{
  g_return_if_fail (plan != NULL);
  plan->max_attempts = max_attempts != 0 ? max_attempts : plan->default_max_attempts;
}

static Target *
current (ParleyCallPlan *plan)
{
  return &g_array_index (plan->targets, Target, plan->cur);
}

static void
go_to (ParleyCallPlan *plan,
       guint           index)
{
  plan->cur = MIN (index, plan->targets->len);
  plan->attempts_here = 0;
  plan->retry_pending = FALSE;
  plan->retry_delay_ms = 0;
  plan->held_cost = 0;
}

/* Nothing could be called: every target was refused by its breaker. */
static GError *
circuit_open_error (ParleyCallPlan *plan)
{
  g_autoptr(GString) keys = g_string_new (NULL);
  g_autofree char *message = NULL;
  GError *error = NULL;

  for (guint i = 0; i < plan->skipped->len; i++)
    g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "", (const char *) g_ptr_array_index (plan->skipped, i));
  if (keys->len > 0)
    message = g_strdup_printf ("No model can be called: the circuit breakers of %s are open", keys->str);
  else
    message = g_strdup ("No model could be called");
  parley_aws_set_error (&error, PARLEY_AWS_ERROR_CIRCUIT_OPEN, NULL, NULL, 0, message);
  return error;
}

/* The plan has failed: with the last error, if a call was made. */
static void
fail (ParleyCallPlan *plan)
{
  if (plan->final_error != NULL)
    return;
  if (plan->last_error != NULL)
    plan->final_error = g_error_copy (plan->last_error);
  else
    plan->final_error = circuit_open_error (plan);
}

gboolean
parley_call_plan_next (ParleyCallPlan  *plan,
                       const char     **region,
                       const char     **model,
                       guint           *delay_ms,
                       GError         **error)
{
  g_return_val_if_fail (plan != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (plan->in_flight)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_FAILED,
                           "The outcome of the previous call was not reported");
      return FALSE;
    }
  if (plan->answered >= 0)
    return FALSE;

  while (plan->final_error == NULL)
    {
      Target *t;

      if (plan->cur >= plan->targets->len || plan->n_attempts >= plan->max_attempts)
        {
          fail (plan);
          break;
        }

      t = current (plan);
      if (plan->breaker != NULL && !parley_circuit_breaker_allow (plan->breaker, t->key))
        {
          if (plan->attempts_here == 0)
            g_ptr_array_add (plan->skipped, t->key);
          go_to (plan, plan->cur + 1);
          continue;
        }

      if (region != NULL)
        *region = g_ptr_array_index (plan->regions, t->region);
      if (model != NULL)
        *model = g_ptr_array_index (plan->models, t->model);
      if (delay_ms != NULL)
        *delay_ms = plan->retry_pending ? plan->retry_delay_ms : 0;
      plan->retry_pending = FALSE;
      plan->retry_delay_ms = 0;
      plan->attempts_here++;
      plan->n_attempts++;
      plan->in_flight = TRUE;
      return TRUE;
    }

  if (error != NULL)
    *error = g_error_copy (plan->final_error);
  return FALSE;
}

typedef enum {
  ACTION_STOP,
  ACTION_NEXT_MODEL,
  ACTION_RETRY,
  ACTION_NEXT_TARGET,
} Action;

static Action
classify (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return ACTION_STOP;
  if (parley_aws_error_is_retryable (error))
    return ACTION_RETRY;
  if (error->domain == PARLEY_AWS_ERROR)
    switch ((ParleyAwsError) error->code)
      {
      case PARLEY_AWS_ERROR_VALIDATION:
      case PARLEY_AWS_ERROR_CREDENTIALS:
        return ACTION_STOP;
      case PARLEY_AWS_ERROR_ACCESS_DENIED:
      case PARLEY_AWS_ERROR_NOT_FOUND:
        return ACTION_NEXT_MODEL;
      default:
        break;
      }
  return ACTION_NEXT_TARGET;
}

void
parley_call_plan_report_full (ParleyCallPlan *plan,
                              const GError   *error,
                              gint64          retry_after_ms)
{
  ParleyRetryDecision decision;
  guint cost;
  Target *t;

  g_return_if_fail (plan != NULL);
  g_return_if_fail (plan->in_flight);

  plan->in_flight = FALSE;
  t = current (plan);
  cost = plan->held_cost;
  plan->held_cost = 0;

  if (plan->breaker != NULL)
    parley_circuit_breaker_record (plan->breaker, t->key, error);

  if (error == NULL)
    {
      plan->answered = (gint) plan->cur;
      if (plan->policy != NULL)
        parley_retry_policy_record_success (plan->policy, cost);
      return;
    }

  g_clear_error (&plan->last_error);
  plan->last_error = g_error_copy (error);

  switch (classify (error))
    {
    case ACTION_STOP:
      fail (plan);
      break;

    case ACTION_NEXT_MODEL:
      go_to (plan, (t->model + 1) * plan->regions->len);
      break;

    case ACTION_RETRY:
      if (plan->policy != NULL
          && plan->n_attempts < plan->max_attempts
          && (plan->breaker == NULL
              || parley_circuit_breaker_get_state (plan->breaker, t->key) == PARLEY_CIRCUIT_CLOSED)
          && parley_retry_policy_should_retry (plan->policy, error, plan->attempts_here,
                                               retry_after_ms, &decision))
        {
          plan->retry_pending = TRUE;
          plan->retry_delay_ms = decision.delay_ms;
          plan->held_cost = decision.cost;
        }
      else
        go_to (plan, plan->cur + 1);
      break;

    case ACTION_NEXT_TARGET:
    default:
      go_to (plan, plan->cur + 1);
      break;
    }
}

void
parley_call_plan_report (ParleyCallPlan *plan,
                         const GError   *error)
{
  parley_call_plan_report_full (plan, error, -1);
}

gboolean
parley_call_plan_get_answered (ParleyCallPlan  *plan,
                               const char     **region,
                               const char     **model)
{
  Target *t;

  g_return_val_if_fail (plan != NULL, FALSE);

  if (plan->answered < 0)
    return FALSE;
  t = &g_array_index (plan->targets, Target, plan->answered);
  if (region != NULL)
    *region = g_ptr_array_index (plan->regions, t->region);
  if (model != NULL)
    *model = g_ptr_array_index (plan->models, t->model);
  return TRUE;
}

guint
parley_call_plan_get_n_attempts (ParleyCallPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->n_attempts;
}

guint
parley_call_plan_get_n_skipped (ParleyCallPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->skipped->len;
}

guint
parley_call_plan_get_n_targets (ParleyCallPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->targets->len;
}
