/* fake-aws-shapes.c — AWS JSON API models for the local fake: routes and input validation
 *
 * The fake Bedrock checks what a client sends the way the service's front
 * end does, generically from the service's own model (tests/data/aws-models):
 * an operation is found from its http method and requestUri template, URI
 * labels are percent-decoded from the raw path, header-bound members come
 * from headers, and the JSON body is walked against the input shape:
 * structures (members, required, unknown members rejected), unions (exactly
 * one member set), lists and maps (with their size limits), strings (enum,
 * length in code points, pattern), numbers with their ranges, booleans,
 * base64 blobs, timestamps, and documents (any JSON). A JSON null counts as
 * an absent member, as the AWS SDKs treat it.
 *
 * Violations are reported by path ("messages[0].content[1].text: expected a
 * string"), up to ten, like AWS's "N validation errors detected".
 *
 * A pattern must match the whole value, as the services check it ("Member
 * must satisfy regular expression pattern"; Smithy itself does not anchor
 * patterns, AWS's front ends do). They are matched with GRegex (PCRE); a
 * pattern PCRE cannot compile is skipped rather than failing the request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-fake-aws"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fake-aws-shapes.h"
#include "parley-error.h"

#define MAX_ERRORS 10
#define MAX_DEPTH  64

struct _FakeAwsModel
{
  JsonNode   *root;
  JsonObject *operations;
  JsonObject *shapes;
  char       *signing_name;
  GHashTable *regexes;      /* pattern → GRegex, or NULL when PCRE cannot compile it */
};

typedef struct {
  FakeAwsModel *model;
  GPtrArray    *errors;
  GString      *path;
  guint         depth;
} Check;

void
fake_aws_model_free (FakeAwsModel *model)
{
  if (model == NULL)
    return;
  g_clear_pointer (&model->root, json_node_unref);
  g_clear_pointer (&model->regexes, g_hash_table_unref);
  g_free (model->signing_name);
  g_free (model);
}

static void
regex_free (gpointer data)
{
  if (data != NULL)
    g_regex_unref (data);
}

/**
 * fake_aws_model_new:
 * @json: a service model (the JSON of botocore's service-2.json)
 *
 * Returns: (transfer full): the model, or %NULL if @json is not one
 */
FakeAwsModel *
fake_aws_model_new (GBytes  *json,
                    GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(FakeAwsModel) model = g_new0 (FakeAwsModel, 1);
  gsize len = 0;
  const char *data = g_bytes_get_data (json, &len);
  JsonObject *root, *metadata;

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  model->root = json_parser_steal_root (parser);
  model->regexes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, regex_free);
  root = JSON_NODE_HOLDS_OBJECT (model->root) ? json_node_get_object (model->root) : NULL;
  if (root == NULL ||
      !json_object_has_member (root, "operations") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "operations")) ||
      !json_object_has_member (root, "shapes") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "shapes")) ||
      !json_object_has_member (root, "metadata") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "metadata")))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "not an AWS service model");
      return NULL;
    }
  model->operations = json_object_get_object_member (root, "operations");
  model->shapes = json_object_get_object_member (root, "shapes");
  metadata = json_object_get_object_member (root, "metadata");
  model->signing_name = g_strdup (json_object_get_string_member_with_default (
                                    metadata, "signingName",
                                    json_object_get_string_member_with_default (metadata, "endpointPrefix", "")));
  return g_steal_pointer (&model);
}

const char *
fake_aws_model_get_signing_name (FakeAwsModel *model)
{
  return model->signing_name;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static gboolean
get_bool (JsonObject *object,
          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

/* A numeric limit ("min", "max") of a shape; FALSE if it has none. */
static gboolean
get_limit (JsonObject *shape,
           const char *name,
           double     *value)
{
  JsonNode *node = json_object_get_member (shape, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

static JsonObject *
lookup_shape (FakeAwsModel *model,
              const char   *name)
{
  return name != NULL ? get_object (model->shapes, name) : NULL;
}

/* The input shape of @operation, or NULL. */
static JsonObject *
input_shape (FakeAwsModel *model,
             const char   *operation)
{
  JsonObject *op = get_object (model->operations, operation);

  return lookup_shape (model, get_string (get_object (op, "input"), "shape"));
}

gboolean
fake_aws_model_has_json_input (FakeAwsModel *model,
                               const char   *operation)
{
  JsonObject *shape = input_shape (model, operation);
  const char *payload = get_string (shape, "payload");
  JsonObject *member, *target;
  const char *type;

  if (payload == NULL)
    return TRUE;
  member = get_object (get_object (shape, "members"), payload);
  target = lookup_shape (model, get_string (member, "shape"));
  type = get_string (target, "type");
  return g_strcmp0 (type, "structure") == 0 && !get_bool (target, "document");
}

/* ---------------------------------------------------------------- routes */

static gboolean
match_uri (const char *template,
           const char *raw_path,
           GHashTable *labels)
{
  g_autofree char *tpath = g_strndup (template, strcspn (template, "?"));
  g_auto(GStrv) tparts = g_strsplit (tpath, "/", -1);
  g_auto(GStrv) parts = g_strsplit (raw_path, "/", -1);
  guint nt = g_strv_length (tparts), np = g_strv_length (parts);

  for (guint i = 0; i < nt; i++)
    {
      const char *t = tparts[i];
      gsize tlen = strlen (t);

      if (tlen > 2 && t[0] == '{' && t[tlen - 1] == '}')
        {
          gboolean greedy = t[tlen - 2] == '+';
          g_autofree char *name = g_strndup (t + 1, tlen - 2 - (greedy ? 1 : 0));
          g_autofree char *raw = NULL;
          char *value;

          if (i >= np)
            return FALSE;
          raw = greedy ? g_strjoinv ("/", parts + i) : g_strdup (parts[i]);
          value = g_uri_unescape_string (raw, NULL);
          if (value == NULL || *value == '\0')
            {
              g_free (value);
              return FALSE;
            }
          g_hash_table_replace (labels, g_steal_pointer (&name), value);
          if (greedy)
            return i == nt - 1;
          continue;
        }
      if (i >= np || strcmp (t, parts[i]) != 0)
        return FALSE;
    }
  return nt == np;
}

const char *
fake_aws_model_match (FakeAwsModel       *model,
                      const char * const *operations,
                      const char         *method,
                      const char         *raw_path,
                      GHashTable        **labels)
{
  for (guint i = 0; operations[i] != NULL; i++)
    {
      JsonObject *http = get_object (get_object (model->operations, operations[i]), "http");
      const char *uri = get_string (http, "requestUri");
      g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

      if (uri == NULL || g_strcmp0 (get_string (http, "method"), method) != 0)
        continue;
      if (match_uri (uri, raw_path, found))
        {
          if (labels != NULL)
            *labels = g_steal_pointer (&found);
          return operations[i];
        }
    }
  return NULL;
}

/* ------------------------------------------------------------ validation */

static void check_node (Check      *c,
                        const char *shape_name,
                        JsonNode   *node);

static void check_add (Check      *c,
                       const char *format,
                       ...) G_GNUC_PRINTF (2, 3);

static void
check_add (Check      *c,
           const char *format,
           ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  if (c->errors->len >= MAX_ERRORS)
    return;
  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (c->errors, g_strdup_printf ("%s: %s", c->path->len > 0 ? c->path->str : "(body)", what));
}

static gsize
push_member (Check      *c,
             const char *name)
{
  gsize old = c->path->len;

  if (old > 0)
    g_string_append_c (c->path, '.');
  g_string_append (c->path, name);
  return old;
}

static gsize
push_index (Check *c,
            guint  index)
{
  gsize old = c->path->len;

  g_string_append_printf (c->path, "[%u]", index);
  return old;
}

static gboolean
pattern_matches (FakeAwsModel *model,
                 const char   *pattern,
                 const char   *value)
{
  GRegex *regex = NULL;
  g_autoptr(GError) error = NULL;
  gboolean matched;

  if (!g_hash_table_lookup_extended (model->regexes, pattern, NULL, (gpointer *) &regex))
    {
      g_autofree char *whole = g_strdup_printf ("\\A(?:%s)\\z", pattern);

      regex = g_regex_new (whole, 0, 0, NULL);
      g_hash_table_insert (model->regexes, g_strdup (pattern), regex);
    }
  if (regex == NULL)
    return TRUE;
  matched = g_regex_match_full (regex, value, -1, 0, 0, NULL, &error);
  /* A pattern too costly for PCRE's limits is not the client's fault. */
  return matched || error != NULL;
}

static void
check_string (Check      *c,
              JsonObject *shape,
              const char *value)
{
  JsonArray *values = json_object_has_member (shape, "enum") ? json_object_get_array_member (shape, "enum") : NULL;
  const char *pattern = get_string (shape, "pattern");
  double min, max;
  glong len;

  if (!g_utf8_validate (value, -1, NULL))
    {
      check_add (c, "not valid UTF-8");
      return;
    }
  if (values != NULL)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < json_array_get_length (values) && !found; i++)
        found = g_strcmp0 (json_array_get_string_element (values, i), value) == 0;
      if (!found)
        {
          g_autoptr(GString) list = g_string_new (NULL);

          for (guint i = 0; i < json_array_get_length (values); i++)
            g_string_append_printf (list, "%s%s", i > 0 ? ", " : "", json_array_get_string_element (values, i));
          check_add (c, "'%s' is not one of [%s]", value, list->str);
          return;
        }
    }
  len = g_utf8_strlen (value, -1);
  if (get_limit (shape, "min", &min) && len < min)
    check_add (c, "length %ld is less than the minimum %.0f", len, min);
  if (get_limit (shape, "max", &max) && len > max)
    check_add (c, "length %ld is greater than the maximum %.0f", len, max);
  if (pattern != NULL && !pattern_matches (c->model, pattern, value))
    check_add (c, "does not match the pattern %s", pattern);
}

static void
check_range (Check      *c,
             JsonObject *shape,
             double      value)
{
  double min, max;

  if (get_limit (shape, "min", &min) && value < min)
    check_add (c, "%g is less than the minimum %g", value, min);
  if (get_limit (shape, "max", &max) && value > max)
    check_add (c, "%g is greater than the maximum %g", value, max);
}

static gboolean
is_base64 (const char *s)
{
  gsize len = strlen (s), pad = 0;

  if (len % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char ch = s[i];

      if (ch == '=')
        {
          if (i < len - 2 || ++pad > 2)
            return FALSE;
          continue;
        }
      if (pad > 0 || !(g_ascii_isalnum (ch) || ch == '+' || ch == '/'))
        return FALSE;
    }
  return TRUE;
}

static void
check_members (Check      *c,
               JsonObject *shape,
               JsonObject *object,
               gboolean    top)
{
  JsonObject *members = get_object (shape, "members");
  JsonArray *required = json_object_has_member (shape, "required") ? json_object_get_array_member (shape, "required") : NULL;
  g_autoptr(GList) names = json_object_get_members (object);
  guint n_set = 0;

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonObject *member = get_object (members, name);
      JsonNode *value = json_object_get_member (object, name);
      gsize old = push_member (c, name);

      /* Members bound to the URI or to headers are not body members. */
      if (member == NULL)
        check_add (c, "unknown member");
      else if (top && json_object_has_member (member, "location"))
        check_add (c, "belongs in the %s, not in the body", get_string (member, "location"));
      else if (!JSON_NODE_HOLDS_NULL (value))
        {
          n_set++;
          check_node (c, get_string (member, "shape"), value);
        }
      g_string_truncate (c->path, old);
    }

  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    {
      const char *name = json_array_get_string_element (required, i);
      JsonNode *value = json_object_get_member (object, name);

      if (top && json_object_has_member (get_object (members, name), "location"))
        continue;
      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        {
          gsize old = push_member (c, name);

          check_add (c, "required member is missing");
          g_string_truncate (c->path, old);
        }
    }

  if (get_bool (shape, "union") && n_set != 1)
    check_add (c, "exactly one member of the union must be set, found %u", n_set);
}

static void
check_node (Check      *c,
            const char *shape_name,
            JsonNode   *node)
{
  JsonObject *shape = lookup_shape (c->model, shape_name);
  const char *type = get_string (shape, "type");
  GType vtype = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  double min, max;

  if (type == NULL)
    return;  /* a model without the shape: nothing to check against */
  if (c->depth >= MAX_DEPTH)
    {
      check_add (c, "nested too deeply");
      return;
    }
  c->depth++;

  if (strcmp (type, "structure") == 0)
    {
      if (get_bool (shape, "document"))
        ;  /* any JSON */
      else if (!JSON_NODE_HOLDS_OBJECT (node))
        check_add (c, "expected an object");
      else
        check_members (c, shape, json_node_get_object (node), FALSE);
    }
  else if (strcmp (type, "list") == 0)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        check_add (c, "expected a list");
      else
        {
          JsonArray *array = json_node_get_array (node);
          guint n = json_array_get_length (array);
          const char *member = get_string (get_object (shape, "member"), "shape");

          if (get_limit (shape, "min", &min) && n < min)
            check_add (c, "a list of %u items is shorter than the minimum %.0f", n, min);
          if (get_limit (shape, "max", &max) && n > max)
            check_add (c, "a list of %u items is longer than the maximum %.0f", n, max);
          for (guint i = 0; i < n && c->errors->len < MAX_ERRORS; i++)
            {
              gsize old = push_index (c, i);
              JsonNode *item = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_NULL (item))
                check_add (c, "null is not allowed in a list");
              else
                check_node (c, member, item);
              g_string_truncate (c->path, old);
            }
        }
    }
  else if (strcmp (type, "map") == 0)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        check_add (c, "expected a map (JSON object)");
      else
        {
          JsonObject *object = json_node_get_object (node);
          JsonObject *key_shape = lookup_shape (c->model, get_string (get_object (shape, "key"), "shape"));
          const char *value_shape = get_string (get_object (shape, "value"), "shape");
          g_autoptr(GList) keys = json_object_get_members (object);
          guint n = json_object_get_size (object);

          if (get_limit (shape, "min", &min) && n < min)
            check_add (c, "a map of %u entries is smaller than the minimum %.0f", n, min);
          if (get_limit (shape, "max", &max) && n > max)
            check_add (c, "a map of %u entries is larger than the maximum %.0f", n, max);
          for (GList *l = keys; l != NULL && c->errors->len < MAX_ERRORS; l = l->next)
            {
              gsize old = push_member (c, l->data);
              JsonNode *value = json_object_get_member (object, l->data);

              if (key_shape != NULL)
                check_string (c, key_shape, l->data);
              if (JSON_NODE_HOLDS_NULL (value))
                check_add (c, "null is not allowed as a map value");
              else
                check_node (c, value_shape, value);
              g_string_truncate (c->path, old);
            }
        }
    }
  else if (strcmp (type, "string") == 0)
    {
      if (vtype != G_TYPE_STRING)
        check_add (c, "expected a string");
      else
        check_string (c, shape, json_node_get_string (node));
    }
  else if (strcmp (type, "integer") == 0 || strcmp (type, "long") == 0 ||
           strcmp (type, "short") == 0 || strcmp (type, "byte") == 0)
    {
      guint bits = type[0] == 'l' ? 64 : type[0] == 'i' ? 32 : type[0] == 's' ? 16 : 8;
      gint64 lo = bits == 64 ? G_MININT64 : -((gint64) 1 << (bits - 1));
      gint64 hi = bits == 64 ? G_MAXINT64 : ((gint64) 1 << (bits - 1)) - 1;

      if (vtype != G_TYPE_INT64)
        check_add (c, "expected an integer");
      else if (json_node_get_int (node) < lo || json_node_get_int (node) > hi)
        check_add (c, "%" G_GINT64_FORMAT " is out of the range of a %u-bit integer", json_node_get_int (node), bits);
      else
        check_range (c, shape, (double) json_node_get_int (node));
    }
  else if (strcmp (type, "float") == 0 || strcmp (type, "double") == 0 ||
           strcmp (type, "bigDecimal") == 0 || strcmp (type, "bigInteger") == 0)
    {
      if (vtype == G_TYPE_INT64)
        check_range (c, shape, (double) json_node_get_int (node));
      else if (vtype == G_TYPE_DOUBLE)
        check_range (c, shape, json_node_get_double (node));
      else if (vtype == G_TYPE_STRING && type[0] != 'b' &&
               (g_str_equal (json_node_get_string (node), "NaN") ||
                g_str_equal (json_node_get_string (node), "Infinity") ||
                g_str_equal (json_node_get_string (node), "-Infinity")))
        ;  /* AWS JSON spells the IEEE specials as strings */
      else
        check_add (c, "expected a number");
    }
  else if (strcmp (type, "boolean") == 0)
    {
      if (vtype != G_TYPE_BOOLEAN)
        check_add (c, "expected a boolean");
    }
  else if (strcmp (type, "blob") == 0)
    {
      if (vtype != G_TYPE_STRING || !is_base64 (json_node_get_string (node)))
        check_add (c, "expected base64-encoded bytes");
      else
        {
          const char *s = json_node_get_string (node);
          gsize len = strlen (s);
          gsize n = len / 4 * 3;

          if (len > 0 && s[len - 1] == '=')
            n--;
          if (len > 1 && s[len - 2] == '=')
            n--;
          if (get_limit (shape, "min", &min) && n < min)
            check_add (c, "%" G_GSIZE_FORMAT " bytes are fewer than the minimum %.0f", n, min);
          if (get_limit (shape, "max", &max) && n > max)
            check_add (c, "%" G_GSIZE_FORMAT " bytes are more than the maximum %.0f", n, max);
        }
    }
  else if (strcmp (type, "timestamp") == 0)
    {
      if (vtype != G_TYPE_INT64 && vtype != G_TYPE_DOUBLE && vtype != G_TYPE_STRING)
        check_add (c, "expected a timestamp");
    }

  c->depth--;
}

/* A member bound to a label, header or query parameter: text, checked as its shape. */
static void
check_text (Check      *c,
            const char *shape_name,
            const char *value)
{
  JsonObject *shape = lookup_shape (c->model, shape_name);
  const char *type = get_string (shape, "type");
  g_autoptr(GError) error = NULL;
  gint64 n;

  if (type == NULL)
    return;
  if (strcmp (type, "string") == 0)
    check_string (c, shape, value);
  else if (strcmp (type, "integer") == 0 || strcmp (type, "long") == 0)
    {
      if (!g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &n, &error))
        check_add (c, "expected an integer");
      else
        check_range (c, shape, (double) n);
    }
  else if (strcmp (type, "boolean") == 0)
    {
      if (strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
        check_add (c, "expected true or false");
    }
}

static gboolean
check_finish (Check   *c,
              GError **error)
{
  g_autofree char *joined = NULL;

  if (c->errors->len == 0)
    return TRUE;
  g_ptr_array_add (c->errors, NULL);
  joined = g_strjoinv ("; ", (char **) c->errors->pdata);
  g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "%u validation error%s detected: %s",
               c->errors->len - 1, c->errors->len - 1 == 1 ? "" : "s", joined);
  return FALSE;
}

gboolean
fake_aws_model_validate_shape (FakeAwsModel  *model,
                               const char    *shape,
                               JsonNode      *node,
                               GError       **error)
{
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) path = g_string_new (NULL);
  Check c = { model, errors, path, 0 };

  check_node (&c, shape, node);
  return check_finish (&c, error);
}

gboolean
fake_aws_model_validate_input (FakeAwsModel        *model,
                               const char          *operation,
                               const FakeAwsInput  *input,
                               GError             **error)
{
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) path = g_string_new (NULL);
  Check c = { model, errors, path, 0 };
  JsonObject *shape = input_shape (model, operation);
  JsonObject *members = get_object (shape, "members");
  JsonArray *required = shape != NULL && json_object_has_member (shape, "required")
                        ? json_object_get_array_member (shape, "required") : NULL;
  const char *payload = get_string (shape, "payload");
  g_autoptr(GList) names = members != NULL ? json_object_get_members (members) : NULL;

  if (shape == NULL)
    {
      if (input->body != NULL && !(JSON_NODE_HOLDS_OBJECT (input->body) &&
                                   json_object_get_size (json_node_get_object (input->body)) == 0))
        check_add (&c, "the operation takes no input");
      return check_finish (&c, error);
    }

  /* Members bound to the URI, headers and query string. */
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *member = get_object (members, l->data);
      const char *location = get_string (member, "location");
      const char *location_name = get_string (member, "locationName");
      g_autofree char *lower = NULL;
      const char *value = NULL;
      gboolean is_required = FALSE;
      gsize old;

      if (location == NULL)
        continue;
      if (location_name == NULL)
        location_name = l->data;
      if (strcmp (location, "uri") == 0 && input->labels != NULL)
        value = g_hash_table_lookup (input->labels, location_name);
      else if (strcmp (location, "header") == 0 && input->headers != NULL)
        {
          lower = g_ascii_strdown (location_name, -1);
          value = g_hash_table_lookup (input->headers, lower);
        }
      else if (strcmp (location, "querystring") == 0 && input->query != NULL)
        value = g_hash_table_lookup (input->query, location_name);

      for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
        is_required |= g_strcmp0 (json_array_get_string_element (required, i), l->data) == 0;

      old = push_member (&c, l->data);
      if (value != NULL)
        check_text (&c, get_string (member, "shape"), value);
      else if (is_required)
        check_add (&c, "required member is missing");
      g_string_truncate (c.path, old);
    }

  if (payload != NULL)
    {
      /* The body is this one member: opaque bytes, or a structure. */
      JsonObject *member = get_object (members, payload);

      if (fake_aws_model_has_json_input (model, operation) && input->body != NULL)
        check_node (&c, get_string (member, "shape"), input->body);
    }
  else if (input->body != NULL && !JSON_NODE_HOLDS_OBJECT (input->body))
    check_add (&c, "expected a JSON object");
  else
    {
      g_autoptr(JsonObject) empty = json_object_new ();

      check_members (&c, shape, input->body != NULL ? json_node_get_object (input->body) : empty, TRUE);
    }

  return check_finish (&c, error);
}
