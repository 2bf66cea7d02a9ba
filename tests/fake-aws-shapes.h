/* fake-aws-shapes.h — AWS JSON API models for the local fake: routes and input validation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _FakeAwsModel FakeAwsModel;

/* What arrived for one operation, split the way rest-json binds it. */
typedef struct {
  JsonNode   *body;       /* (nullable) the parsed JSON body; NULL: no body members sent */
  GHashTable *labels;     /* (nullable) URI label → percent-decoded value */
  GHashTable *headers;    /* (nullable) lower-case header name → value */
  GHashTable *query;      /* (nullable) query parameter → decoded value */
} FakeAwsInput;

FakeAwsModel *fake_aws_model_new               (GBytes              *json,
                                                GError             **error);
void          fake_aws_model_free              (FakeAwsModel        *model);
/* metadata.signingName ("bedrock"). */
const char   *fake_aws_model_get_signing_name  (FakeAwsModel        *model);
/* Whether @operation's input is a JSON document (not an opaque payload blob). */
gboolean      fake_aws_model_has_json_input    (FakeAwsModel        *model,
                                                const char          *operation);
/* The operation among @operations whose http method and requestUri match
 * @method and the raw (still percent-encoded) @raw_path, or NULL. @labels
 * gets a new table of the decoded label values. */
const char   *fake_aws_model_match             (FakeAwsModel        *model,
                                                const char * const  *operations,
                                                const char          *method,
                                                const char          *raw_path,
                                                GHashTable         **labels);
/* Checks @input against @operation's input shape. On failure the error
 * (PARLEY_ERROR_INVALID_INPUT) names each violation by its path:
 * "messages[0].content[1].text: expected a string". */
gboolean      fake_aws_model_validate_input    (FakeAwsModel        *model,
                                                const char          *operation,
                                                const FakeAwsInput  *input,
                                                GError             **error);
/* Checks @node against the shape called @shape (for tests of the validator). */
gboolean      fake_aws_model_validate_shape    (FakeAwsModel        *model,
                                                const char          *shape,
                                                JsonNode            *node,
                                                GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeAwsModel, fake_aws_model_free)

G_END_DECLS
