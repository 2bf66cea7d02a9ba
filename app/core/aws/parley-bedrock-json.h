/* parley-bedrock-json.h — the JSON of Bedrock's runtime APIs, both ways
 *
 * Pure functions, no I/O: request bodies from Parley's provider-neutral
 * shapes (parley-chat.h) and parsed answers from response bodies, for
 * bedrock-runtime's Converse, ConverseStream (event-stream messages),
 * InvokeModel with Titan Text Embeddings v2 and ApplyGuardrail, and
 * bedrock-agent-runtime's Retrieve; and the rest-json error protocol both
 * services answer failures in. The shapes are the services' API models
 * (bedrock-runtime-2023-09-30, bedrock-agent-runtime-2023-07-26); URI
 * labels (modelId, guardrailIdentifier, knowledgeBaseId) are not part of a
 * body and are left to the caller.
 *
 * Every parser treats its input as hostile: a body of the wrong shape is a
 * PARLEY_AWS_ERROR_PROTOCOL error naming what was wrong, never a crash.
 * Members Parley does not use are ignored, and so are union members and
 * stream events added to the APIs later (reasoning, citations …).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "parley-chat.h"
#include "parley-event-stream.h"

G_BEGIN_DECLS

/* --- Converse / ConverseStream ------------------------------------- */

/* Bedrock's own limits beyond parley_chat_request_validate() (which it
 * calls): the conversation starts with the user and alternates roles;
 * temperature and top_p within [0, 1]; tool names match [a-zA-Z0-9_-]{1,64}
 * and tool use ids [a-zA-Z0-9_.:-]{1,64}; a guardrail version is a number
 * or DRAFT. PARLEY_AWS_ERROR_VALIDATION. */
gboolean            parley_bedrock_validate_request  (const ParleyChatRequest *request,
                                                      GError                 **error);

/* The body of Converse: messages (text, toolUse, toolResult blocks),
 * system, inferenceConfig with the fields that are set, toolConfig when
 * there are tools, guardrailConfig when a guardrail is set. A tool
 * result's content is [{"json": …}] for an object, [{"text": …}] for a
 * string (and the JSON text of any other value); an empty tool result is
 * {"json": {}}. Expects a request that passed
 * parley_bedrock_validate_request(); unset or non-finite sampling values
 * are left out. */
char               *parley_bedrock_converse_body     (const ParleyChatRequest *request,
                                                      gsize                   *len);
/* The same for ConverseStream, whose guardrailConfig also takes
 * streamProcessingMode (request->guardrail_stream_mode). */
char               *parley_bedrock_converse_stream_body (const ParleyChatRequest *request,
                                                         gsize                   *len);

/* Converse's answer: output.message, stopReason, usage and
 * metrics.latencyMs (all required by the model). */
ParleyChatResponse *parley_bedrock_parse_converse    (const char              *data,
                                                      gsize                    len,
                                                      GError                 **error);

/* One decoded ConverseStream message to chat events, delivered to @func
 * before returning. Events by ":event-type": messageStart,
 * contentBlockStart (tool use), contentBlockDelta (text or toolUse.input),
 * contentBlockStop, messageStop, metadata; other event types and other
 * delta kinds are skipped. An ":message-type" of "exception" (a modelled
 * error such as throttlingException) or "error" becomes a PARLEY_AWS_ERROR
 * error, classified by its exception name; a message that is none of these
 * or an event payload of the wrong shape, PARLEY_AWS_ERROR_PROTOCOL. */
gboolean            parley_bedrock_stream_dispatch   (const ParleyEventMessage *message,
                                                      ParleyChatEventFunc      func,
                                                      gpointer                 user_data,
                                                      GError                 **error);

/* --- Errors (rest-json) -------------------------------------------- */

/* Sets @error for a failed call: the error code from the x-amzn-ErrorType
 * header (cut at ':'), else from the body's "__type" or "code" (cut after
 * '#'); the message from the body's "message" or "Message"; the request id
 * from the x-amzn-RequestId header. A body that is not JSON (a proxy's
 * HTML 502) still gives an error with its status. Classified by
 * parley_aws_error_classify(). */
void                parley_aws_set_error_from_response (GError               **error,
                                                        guint                  status,
                                                        const char            *request_id_header,
                                                        const char            *error_type_header,
                                                        const guint8          *body,
                                                        gsize                  len);

/* --- Titan Text Embeddings v2 (InvokeModel) ------------------------ */

/* Whether @dimensions is one Titan v2 offers (256, 512, 1024);
 * PARLEY_AWS_ERROR_VALIDATION otherwise. */
gboolean            parley_titan_check_dimensions    (guint                    dimensions,
                                                      GError                 **error);
/* {"inputText", "dimensions", "normalize"}; NULL (and a critical) for
 * dimensions parley_titan_check_dimensions() refuses. */
char               *parley_titan_embed_body          (const char              *text,
                                                      guint                    dimensions,
                                                      gboolean                 normalize,
                                                      gsize                   *len);
/* The embedding (g_free) of exactly @expected_dims finite numbers;
 * @token_count (optional) gets inputTextTokenCount. */
float              *parley_titan_parse_embedding     (const char              *data,
                                                      gsize                    len,
                                                      guint                    expected_dims,
                                                      guint                   *token_count,
                                                      GError                 **error);

/* --- ApplyGuardrail ------------------------------------------------ */

typedef enum {
  PARLEY_GUARDRAIL_SOURCE_INPUT,
  PARLEY_GUARDRAIL_SOURCE_OUTPUT,
} ParleyGuardrailSource;

typedef struct {
  char *policy;   /* "sensitiveInformation", "topic", "word", "content" */
  char *type;     /* the PII entity type (EMAIL), the regex's name, DENY,
                     CUSTOM or the managed list (PROFANITY), the filter (INSULTS) */
  char *match;    /* (nullable) the text matched, the topic's name; NULL for content filters */
  char *action;   /* BLOCKED, ANONYMIZED, NONE */
} ParleyGuardrailFinding;

typedef struct {
  gboolean   intervened;     /* action GUARDRAIL_INTERVENED */
  char      *output_text;    /* (nullable) the outputs' texts joined: the text to use instead */
  char      *action_reason;  /* (nullable) */
  GPtrArray *findings;       /* ParleyGuardrailFinding, those detected */
} ParleyGuardrailResult;

/* {"source": "INPUT"|"OUTPUT", "content": [{"text": {"text": …}}]} */
char                  *parley_guardrail_apply_body   (ParleyGuardrailSource    source,
                                                      const char              *text,
                                                      gsize                   *len);
ParleyGuardrailResult *parley_guardrail_parse_apply  (const char              *data,
                                                      gsize                    len,
                                                      GError                 **error);
void                   parley_guardrail_result_free  (ParleyGuardrailResult   *result);
void                   parley_guardrail_finding_free (ParleyGuardrailFinding  *finding);

/* --- Retrieve (bedrock-agent-runtime) ------------------------------ */

typedef struct {
  char   *text;    /* the passage (a row's columns as "name: value" lines) */
  double  score;   /* 0 when the service gave none */
  char   *uri;     /* (nullable) from the location: s3Location.uri, webLocation.url …,
                      else the metadata's x-amz-bedrock-kb-source-uri */
  char   *title;   /* (nullable) the metadata's "title", when a string */
} ParleyRetrieveHit;

/* {"retrievalQuery": {"text": …}, "retrievalConfiguration":
 * {"vectorSearchConfiguration": {"numberOfResults": n}}}; @number_of_results
 * 0 leaves the configuration out, otherwise it must be 1…100. */
char               *parley_retrieve_body             (const char              *query,
                                                      guint                    number_of_results,
                                                      gsize                   *len);
/* The hits (ParleyRetrieveHit) in the service's order. The text is
 * content.text, else a row's columns, an audio segment's transcription or
 * a video segment's summary; results with none of these (images) are
 * skipped. */
GPtrArray          *parley_retrieve_parse            (const char              *data,
                                                      gsize                    len,
                                                      GError                 **error);
void                parley_retrieve_hit_free         (ParleyRetrieveHit       *hit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyGuardrailResult, parley_guardrail_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyRetrieveHit, parley_retrieve_hit_free)

G_END_DECLS
