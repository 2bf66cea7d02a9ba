/* parley-kb-embed.c — vectors for the KB from an embedding provider
 *
 * The chunks that lack a vector are read first (ids and texts), then sent
 * in batches, one batch in flight at a time: the provider parallelises
 * inside a batch (Bedrock's Titan takes one text per call), and one batch at
 * a time keeps the store's writes in one transaction per batch on the main
 * thread. Each text's content hash (SHA-256 of the model key and the text)
 * is looked up in the store's embedding cache first, so an edited document
 * re-embeds only the chunks whose text changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-kb"

#include "config.h"

#include <string.h>

#include "parley-error.h"
#include "parley-kb-embed.h"
#include "parley-sigv4.h"

typedef struct {
  gint64  chunk_id;
  char   *text;
  char   *hash;
} Pending;

typedef struct {
  ParleyStore             *store;
  char                    *model_key;
  guint                    batch_size;
  GArray                  *pending;      /* Pending, to embed */
  guint                    next;         /* the next pending text to look at */
  GArray                  *batch;        /* guint: indices into @pending sent now */
  ParleyEmbedProgressFunc  progress;
  gpointer                 progress_data;
  ParleyEmbedReport        report;
} EmbedJob;

static void
pending_clear (gpointer data)
{
  Pending *p = data;

  g_free (p->text);
  g_free (p->hash);
}

static void
embed_job_free (gpointer data)
{
  EmbedJob *job = data;

  g_clear_object (&job->store);
  g_free (job->model_key);
  g_clear_pointer (&job->pending, g_array_unref);
  g_clear_pointer (&job->batch, g_array_unref);
  g_free (job);
}

char *
parley_kb_embed_text (const char *title,
                      const char *heading,
                      const char *text)
{
  GString *s = g_string_new (NULL);

  if (title != NULL && *title != '\0')
    g_string_append_printf (s, "%s\n", title);
  if (heading != NULL && *heading != '\0' && g_strcmp0 (heading, title) != 0)
    g_string_append_printf (s, "%s\n", heading);
  g_string_append (s, text != NULL ? text : "");
  return g_string_free (s, FALSE);
}

static char *
content_hash (const char *model_key,
              const char *text)
{
  g_autofree char *keyed = g_strconcat (model_key, "\n", text, NULL);

  return parley_sha256_hex (keyed, strlen (keyed));
}

typedef struct {
  EmbedJob *job;
  GError   *error;
} CollectCtx;

static void
collect_cb (gint64      chunk_id,
            const char *lang,
            const char *title,
            const char *about,
            const char *heading,
            const char *text,
            gpointer    user_data)
{
  CollectCtx *ctx = user_data;
  Pending p = { chunk_id, parley_kb_embed_text (title, heading, text), NULL };

  p.hash = content_hash (ctx->job->model_key, p.text);
  g_array_append_val (ctx->job->pending, p);
}

static void send_batch (GTask *task);

static void
embed_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  EmbedJob *job = g_task_get_task_data (task);
  ParleyKb *kb = g_task_get_source_object (task);
  g_autoptr(ParleyEmbeddings) embeddings = NULL;
  g_autoptr(GError) error = NULL;

  embeddings = parley_provider_embed_finish (PARLEY_PROVIDER (object), result, &error);
  if (embeddings != NULL && embeddings->n != job->batch->len)
    g_set_error (&error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                 "the provider returned %u vectors for %u texts", embeddings->n, job->batch->len);
  if (embeddings != NULL && job->report.dim != 0 && embeddings->dim != job->report.dim)
    g_set_error (&error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                 "the provider changed dimensions (%u, then %u)", job->report.dim, embeddings->dim);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  job->report.dim = embeddings->dim;
  job->report.calls++;
  job->report.input_tokens += embeddings->input_tokens;

  if (!parley_store_begin (job->store, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < embeddings->n; i++)
    {
      const Pending *p = &g_array_index (job->pending, Pending, g_array_index (job->batch, guint, i));
      const float *v = embeddings->data + (gsize) i * embeddings->dim;

      if (!parley_kb_put_vector (kb, p->chunk_id, job->model_key, v, embeddings->dim, &error)
          || !parley_store_put_cached_embedding (job->store, p->hash, job->model_key, v, embeddings->dim, &error))
        {
          parley_store_rollback (job->store);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  if (!parley_store_commit (job->store, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  job->report.embedded += embeddings->n;
  if (job->progress != NULL)
    job->progress (&job->report, job->progress_data);
  send_batch (g_steal_pointer (&task));
}

/* Takes cache hits off the front, then sends the next batch of misses. */
static void
send_batch (GTask *task)
{
  g_autoptr(GTask) owned = task;
  EmbedJob *job = g_task_get_task_data (task);
  ParleyKb *kb = g_task_get_source_object (task);
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_array_set_size (job->batch, 0);
  while (job->next < job->pending->len && texts->len < job->batch_size)
    {
      guint index = job->next++;
      const Pending *p = &g_array_index (job->pending, Pending, index);
      g_autofree float *cached = NULL;

      if (job->report.dim != 0)
        {
          cached = parley_store_get_cached_embedding (job->store, p->hash, job->report.dim, &error);
          if (error != NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
        }
      if (cached != NULL)
        {
          if (!parley_kb_put_vector (kb, p->chunk_id, job->model_key, cached, job->report.dim, &error))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          job->report.cached++;
          continue;
        }
      g_array_append_val (job->batch, index);
      g_ptr_array_add (texts, p->text);
    }

  if (texts->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (texts, NULL);
  parley_provider_embed_async (PARLEY_PROVIDER (g_object_get_data (G_OBJECT (task), "provider")),
                               (const char * const *) texts->pdata, g_task_get_cancellable (task),
                               embed_done_cb, g_steal_pointer (&owned));
}

void
parley_kb_embed_async (ParleyKb                *kb,
                       ParleyProvider          *provider,
                       const char              *model_key,
                       guint                    dim,
                       guint                    batch_size,
                       GCancellable            *cancellable,
                       ParleyEmbedProgressFunc  progress,
                       gpointer                 progress_data,
                       GAsyncReadyCallback      callback,
                       gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  EmbedJob *job;
  CollectCtx ctx = { 0 };

  g_return_if_fail (PARLEY_IS_KB (kb));
  g_return_if_fail (PARLEY_IS_PROVIDER (provider));
  g_return_if_fail (model_key != NULL);

  task = g_task_new (kb, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_kb_embed_async);
  g_object_set_data_full (G_OBJECT (task), "provider", g_object_ref (provider), g_object_unref);

  job = g_new0 (EmbedJob, 1);
  job->store = g_object_ref (parley_kb_get_store (kb));
  job->model_key = g_strdup (model_key);
  job->batch_size = CLAMP (batch_size, 1, 256);
  job->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  job->batch = g_array_new (FALSE, FALSE, sizeof (guint));
  job->report.dim = dim;
  g_array_set_clear_func (job->pending, pending_clear);
  job->progress = progress;
  job->progress_data = progress_data;
  g_task_set_task_data (task, job, embed_job_free);

  ctx.job = job;
  if (!parley_store_foreach_unembedded (job->store, model_key, collect_cb, &ctx, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->report.chunks = job->pending->len;
  send_batch (g_steal_pointer (&task));
}

gboolean
parley_kb_embed_finish (ParleyKb           *kb,
                        GAsyncResult       *result,
                        ParleyEmbedReport  *report,
                        GError            **error)
{
  EmbedJob *job;

  g_return_val_if_fail (g_task_is_valid (result, kb), FALSE);

  job = g_task_get_task_data (G_TASK (result));
  if (report != NULL)
    *report = job->report;
  return g_task_propagate_boolean (G_TASK (result), error);
}
