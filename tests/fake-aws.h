/* fake-aws.h — a local fake of Bedrock (and of an OpenAI-compatible server)
 *
 * One SoupServer on 127.0.0.1 (a random port unless asked) speaking, from
 * the services' own API models, bedrock-runtime's Converse, ConverseStream,
 * InvokeModel (Titan Text Embeddings v2) and ApplyGuardrail,
 * bedrock-agent-runtime's Retrieve, and an OpenAI-compatible
 * /v1/chat/completions and /v1/embeddings. Every Bedrock request must be
 * SigV4-signed with the test credentials below (a session token, if sent,
 * is covered by the signature but its value is not checked; read it with
 * fake_aws_dup_last_header()) and is validated against its input shape;
 * replies are deterministic. Faults can be queued per operation.
 *
 * It runs on the thread-default GMainContext of fake_aws_new(), is
 * single-threaded and never blocks: delays are GSource timeouts, streams are
 * chunked responses written frame by frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The credentials the fake accepts (test values, not secrets). */
#define FAKE_AWS_ACCESS_KEY_ID     "AKIDPARLEYTEST"
#define FAKE_AWS_SECRET_ACCESS_KEY "parley/test/secret/key/EXAMPLEKEY"
#define FAKE_AWS_OPENAI_KEY        "sk-parley-test"

/* The model InvokeModel serves. */
#define FAKE_AWS_TITAN_EMBED_V2    "amazon.titan-embed-text-v2:0"

/* Operation names for fake_aws_push_fault() and the counters: the models'
 * ("Converse", "ConverseStream", "InvokeModel", "ApplyGuardrail",
 * "Retrieve") and, for the OpenAI side, these two. */
#define FAKE_AWS_OP_CHAT_COMPLETIONS "chat.completions"
#define FAKE_AWS_OP_EMBEDDINGS       "embeddings"

typedef struct _FakeAws FakeAws;

typedef enum {
  FAKE_AWS_FAULT_NONE,
  FAKE_AWS_FAULT_THROTTLING,            /* 429 ThrottlingException */
  FAKE_AWS_FAULT_INTERNAL,              /* 500 InternalServerException */
  FAKE_AWS_FAULT_MODEL_NOT_READY,       /* 429 ModelNotReadyException */
  FAKE_AWS_FAULT_ACCESS_DENIED,         /* 403 AccessDeniedException */
  FAKE_AWS_FAULT_VALIDATION,            /* 400 ValidationException */
  FAKE_AWS_FAULT_EXCEPTION_MID_STREAM,  /* some deltas, then a throttlingException frame */
  FAKE_AWS_FAULT_MODEL_STREAM_ERROR,    /* some deltas, then a modelStreamErrorException frame */
  FAKE_AWS_FAULT_CORRUPT_CRC,           /* some deltas, then a frame with a wrong message CRC */
  FAKE_AWS_FAULT_TRUNCATED_STREAM,      /* some deltas, then half a frame, then the body ends */
  FAKE_AWS_FAULT_SLOW_FIRST_BYTE,       /* the reply, after fake_aws_set_fault_delay() ms */
  FAKE_AWS_FAULT_RESET,                 /* the connection is reset (RST), no response */
  FAKE_AWS_FAULT_GARBAGE_200,           /* 200 with a body of the wrong shape */
  FAKE_AWS_FAULT_NON_JSON_ERROR,        /* 502 with an HTML body, no error type */
} FakeAwsFault;

FakeAws    *fake_aws_new               (GError      **error);
/* @port 0: any free port. */
FakeAws    *fake_aws_new_on_port       (guint16       port,
                                        GError      **error);
void        fake_aws_free              (FakeAws      *self);
/* "http://127.0.0.1:PORT", no trailing slash. */
const char *fake_aws_get_url           (FakeAws      *self);

/* The next request to @operation (NULL: to any operation) gets @fault. Each
 * operation has a FIFO; a request takes from its operation's queue first,
 * then from the any-operation queue. A Bedrock request takes a fault only
 * once its signature has been verified (before its body is validated), an
 * OpenAI one once its key and JSON were accepted. On a reply that is not a
 * stream, the stream faults (mid-stream exceptions, CORRUPT_CRC,
 * TRUNCATED_STREAM) send a 200 whose JSON body ends half-way. On the OpenAI
 * side a mid-stream exception is a `data: {"error":…}` event, CORRUPT_CRC an
 * event whose data is not JSON, TRUNCATED_STREAM half an event and no
 * [DONE]. HTTP clients (curl, libsoup) silently retry a request once when a
 * kept-alive connection dies before any byte of the response, so RESET is
 * seen as an error only on a fresh connection (or when pushed twice). */
void        fake_aws_push_fault        (FakeAws      *self,
                                        const char   *operation,
                                        FakeAwsFault  fault);
/* Latency of every reply: the first byte after @first_byte_ms, and
 * @per_token_ms between the deltas of a stream (both 0 by default). */
void        fake_aws_set_delays        (FakeAws      *self,
                                        guint         first_byte_ms,
                                        guint         per_token_ms);
/* How long FAKE_AWS_FAULT_SLOW_FIRST_BYTE holds the reply (10,000 ms by default). */
/* Benchmarks: each ConverseStream reply is @n_tokens text deltas whose text
 * is the CLOCK_MONOTONIC microsecond the frame was written (0: off). */
void        fake_aws_set_stamp         (FakeAws      *self,
                                        guint         n_tokens);
void        fake_aws_set_fault_delay   (FakeAws      *self,
                                        guint         ms);

/* Requests that reached @operation (NULL: any), whatever their outcome. */
guint       fake_aws_get_n_requests    (FakeAws      *self,
                                        const char   *operation);
/* The body of the last request to @operation (NULL: any), or NULL. */
char       *fake_aws_dup_last_body     (FakeAws      *self,
                                        const char   *operation);
/* A header of the last request to @operation (NULL: any), or NULL. */
char       *fake_aws_dup_last_header   (FakeAws      *self,
                                        const char   *operation,
                                        const char   *name);
/* The region of the credential scope of the last correctly signed request. */
const char *fake_aws_get_last_region   (FakeAws      *self);
/* The most responses that were in progress at once (for concurrency tests). */
guint       fake_aws_get_peak_in_flight (FakeAws     *self);

/* A passage of knowledge base @kb_id for Retrieve, which ranks passages by
 * word overlap with the query. A knowledge base without passages does not
 * exist (ResourceNotFoundException). Ids follow the model: 10 letters or digits. */
void        fake_aws_add_kb_passage    (FakeAws      *self,
                                        const char   *kb_id,
                                        const char   *text,
                                        const char   *uri);

G_END_DECLS
