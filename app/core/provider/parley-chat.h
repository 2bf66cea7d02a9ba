/* parley-chat.h — a chat request and its answer, independent of provider
 *
 * The shapes follow Bedrock's Converse API (messages of content blocks,
 * tool use and tool results, inference config, guardrail config, usage),
 * which maps onto OpenAI's chat completions as well. Providers translate
 * them to and from their wire formats (parley-bedrock-json.h,
 * parley-openai-json.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  PARLEY_CHAT_ROLE_USER,
  PARLEY_CHAT_ROLE_ASSISTANT,
} ParleyChatRole;

typedef enum {
  PARLEY_CHAT_BLOCK_TEXT,
  PARLEY_CHAT_BLOCK_TOOL_USE,
  PARLEY_CHAT_BLOCK_TOOL_RESULT,
} ParleyChatBlockKind;

typedef struct {
  ParleyChatBlockKind  kind;
  char                *text;          /* TEXT */
  char                *tool_use_id;   /* TOOL_USE, TOOL_RESULT */
  char                *tool_name;     /* TOOL_USE */
  JsonNode            *json;          /* TOOL_USE: the input object; TOOL_RESULT: the result */
  gboolean             is_error;      /* TOOL_RESULT: status "error" */
} ParleyChatBlock;

typedef struct {
  ParleyChatRole  role;
  GPtrArray      *blocks;   /* ParleyChatBlock */
} ParleyChatMessage;

typedef struct {
  char     *name;
  char     *description;
  JsonNode *input_schema;   /* a JSON Schema object */
} ParleyChatTool;

/* A knowledge-base passage the answer must rest on: LLM providers put
 * them into the prompt, the local provider answers from them. */
typedef struct {
  char   *title;
  char   *text;       /* the matching passage (a child chunk) */
  char   *context;    /* (nullable) the section around it (its parent chunk) */
  char   *source;     /* (nullable) the document's path or URL */
  char   *lang;       /* (nullable) "en", "es", "zh", "fr", "de" */
  double  score;
} ParleyChatPassage;

typedef struct {
  char       *model_id;
  char       *lang;               /* (nullable) the customer's language */
  GPtrArray  *passages;           /* (nullable) ParleyChatPassage, best first */
  char       *system;             /* (nullable) */
  GPtrArray  *messages;           /* ParleyChatMessage, user first, alternating */
  GPtrArray  *tools;              /* ParleyChatTool; empty: no toolConfig */
  gint        max_tokens;         /* 0: unset */
  double      temperature;        /* < 0: unset */
  double      top_p;              /* < 0: unset */
  GStrv       stop_sequences;     /* (nullable) */
  char       *guardrail_id;       /* (nullable): no guardrailConfig */
  char       *guardrail_version;
  gboolean    guardrail_trace;
  char       *guardrail_stream_mode;  /* (nullable) ConverseStream only: "sync" or "async" */
} ParleyChatRequest;

typedef struct {
  gint64 input_tokens;
  gint64 output_tokens;
  gint64 total_tokens;
} ParleyChatUsage;

typedef struct {
  ParleyChatMessage *message;        /* the assistant's */
  char              *stop_reason;    /* end_turn, tool_use, max_tokens, stop_sequence,
                                        guardrail_intervened, content_filtered */
  ParleyChatUsage    usage;
  gint64             latency_ms;     /* the service's own, when reported */
  char              *model_id;       /* the model that answered (after fallbacks) */
  char              *region;         /* (nullable) where it answered */
} ParleyChatResponse;

/* One event of a streamed answer, as ConverseStream has them; an OpenAI
 * SSE stream is translated into the same events. */
typedef enum {
  PARLEY_CHAT_EVENT_MESSAGE_START,
  PARLEY_CHAT_EVENT_BLOCK_START,     /* index; tool_use_id + tool_name for a tool use */
  PARLEY_CHAT_EVENT_TEXT_DELTA,      /* index, text */
  PARLEY_CHAT_EVENT_TOOL_DELTA,      /* index, text: a piece of the tool input's JSON */
  PARLEY_CHAT_EVENT_BLOCK_STOP,      /* index */
  PARLEY_CHAT_EVENT_MESSAGE_STOP,    /* stop_reason */
  PARLEY_CHAT_EVENT_METADATA,        /* usage, latency_ms */
} ParleyChatEventKind;

typedef struct {
  ParleyChatEventKind  kind;
  guint                index;
  const char          *text;
  const char          *tool_use_id;
  const char          *tool_name;
  const char          *stop_reason;
  ParleyChatUsage      usage;
  gint64               latency_ms;
} ParleyChatEvent;

/* Receives the events of a stream, synchronously: the strings in @event
 * are valid during the call only. */
typedef void (*ParleyChatEventFunc) (const ParleyChatEvent *event,
                                     gpointer               user_data);

/* Constructors and copies own what they are given as copies (JSON nodes
 * deeply: json_node_copy() would share their objects). */
ParleyChatBlock    *parley_chat_block_new_text        (const char              *text);
ParleyChatBlock    *parley_chat_block_new_tool_use    (const char              *tool_use_id,
                                                       const char              *name,
                                                       JsonNode                *input);
ParleyChatBlock    *parley_chat_block_new_tool_result (const char              *tool_use_id,
                                                       JsonNode                *result,
                                                       gboolean                 is_error);
ParleyChatBlock    *parley_chat_block_copy            (const ParleyChatBlock   *block);
void                parley_chat_block_free            (ParleyChatBlock         *block);

ParleyChatMessage  *parley_chat_message_new           (ParleyChatRole           role);
/* A message of one text block. */
ParleyChatMessage  *parley_chat_message_new_text      (ParleyChatRole           role,
                                                       const char              *text);
void                parley_chat_message_add_block     (ParleyChatMessage       *message,
                                                       ParleyChatBlock         *block);  /* (transfer full) */
/* The text blocks joined, or "" */
char               *parley_chat_message_dup_text      (const ParleyChatMessage *message);
ParleyChatMessage  *parley_chat_message_copy          (const ParleyChatMessage *message);
void                parley_chat_message_free          (ParleyChatMessage       *message);

ParleyChatTool     *parley_chat_tool_new              (const char              *name,
                                                       const char              *description,
                                                       JsonNode                *input_schema);
void                parley_chat_tool_free             (ParleyChatTool          *tool);

ParleyChatPassage  *parley_chat_passage_new           (const char              *title,
                                                       const char              *text,
                                                       const char              *source,
                                                       const char              *lang,
                                                       double                   score);
void                parley_chat_passage_free          (ParleyChatPassage       *passage);

ParleyChatRequest  *parley_chat_request_new           (const char              *model_id);
ParleyChatRequest  *parley_chat_request_copy          (const ParleyChatRequest *request);
void                parley_chat_request_free          (ParleyChatRequest       *request);
/* Checks what every provider needs (PARLEY_AWS_ERROR_VALIDATION, as the
 * service would answer): a model id; at least one message, each with
 * blocks; valid UTF-8 text; tool uses (with id, name and an object input)
 * only from the assistant and tool results only from the user, each
 * answering a tool use of the assistant message just before, and every
 * tool use answered in the user message after it (if any); tools with
 * unique names and object schemas; finite sampling values; non-empty stop
 * sequences; a guardrail version with a guardrail id. Provider limits
 * (Bedrock's temperature <= 1, role order …) are checked by the codecs'
 * own validators. */
gboolean            parley_chat_request_validate      (const ParleyChatRequest *request,
                                                       GError                 **error);

ParleyChatResponse *parley_chat_response_new          (void);
void                parley_chat_response_free         (ParleyChatResponse      *response);

/* Builds a response from stream events: text deltas are appended to the
 * current text block, tool deltas collected and parsed as the tool input's
 * JSON at the block's stop. Errors (PARLEY_AWS_ERROR_PROTOCOL): an event out
 * of order, a tool input that is not a JSON object. Once an error was
 * returned the accumulator refuses every further event.
 *
 * The order it holds the stream to, which is ConverseStream's: MESSAGE_START
 * first and once; blocks; MESSAGE_STOP (with no block left open); then at
 * most one METADATA (which may also come before MESSAGE_STOP). A block is
 * started once and stopped once, and gets no delta after its stop; a
 * TOOL_DELTA needs the tool use's BLOCK_START and a TEXT_DELTA must not go
 * to a tool use. Two leniencies follow the real wire: Bedrock sends no
 * contentBlockStart for text, so a TEXT_DELTA for an index never seen
 * starts a text block; and it sends contentBlockStop for blocks whose
 * content Parley does not model (reasoning), so a BLOCK_STOP for an index
 * never seen closes an empty block that is left out of the message, as
 * are text blocks that stayed empty. Blocks end up in index order. */
typedef struct _ParleyChatAccumulator ParleyChatAccumulator;

ParleyChatAccumulator *parley_chat_accumulator_new    (void);
gboolean            parley_chat_accumulator_add       (ParleyChatAccumulator   *acc,
                                                       const ParleyChatEvent   *event,
                                                       GError                 **error);
/* Whether a MESSAGE_STOP arrived. */
gboolean            parley_chat_accumulator_is_complete (ParleyChatAccumulator *acc);
/* What a provider does with each event of its stream: once an error was
 * recorded in @error nothing more happens; otherwise @event is added and,
 * if in order, passed to @func (nullable). @delivered becomes TRUE when a
 * delta (text or tool input) reached @func: from then on the stream cannot
 * be retried without the caller seeing content twice. */
void                parley_chat_accumulator_relay     (ParleyChatAccumulator   *acc,
                                                       const ParleyChatEvent   *event,
                                                       ParleyChatEventFunc      func,
                                                       gpointer                 user_data,
                                                       gboolean                *delivered,
                                                       GError                 **error);
ParleyChatResponse *parley_chat_accumulator_finish    (ParleyChatAccumulator   *acc,
                                                       GError                 **error);
void                parley_chat_accumulator_free      (ParleyChatAccumulator   *acc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatBlock, parley_chat_block_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatMessage, parley_chat_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatTool, parley_chat_tool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatPassage, parley_chat_passage_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatRequest, parley_chat_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatResponse, parley_chat_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyChatAccumulator, parley_chat_accumulator_free)

G_END_DECLS
