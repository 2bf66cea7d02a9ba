/* parley-local-provider.c — the embedded default: grounded extractive answers
 *
 * No model: the answer is the passage text that best answers the question,
 * quoted with its source, in the customer's language, or an honest "I don't
 * know" with the offer of a person when no passage shares enough with the
 * question. Selection, per sentence of the best passages (ICU sentence
 * breaks, the retrieval analyser's terms):
 *
 *   score = Σ weight(term ∈ question ∩ sentence) / √(terms in sentence)
 *           × 1 / (1 + 0.35 × passage rank)
 *
 * where a question term found in fewer passages weighs more (log idf over
 * the passages at hand). The best sentence opens the excerpt; the sentences
 * that follow it in its passage are added while the excerpt stays short, as
 * help articles put a step and its details in consecutive sentences.
 *
 * The answer streams as events like any provider's, one delta per sentence,
 * from the main loop, so callers see one behaviour for every provider.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-provider"

#include "config.h"

#include <math.h>
#include <string.h>

#include "parley-analyzer.h"
#include "parley-langid.h"
#include "parley-local-provider.h"
#include "parley-types.h"

#define MAX_PASSAGES       3
#define EXCERPT_MAX_TOKENS 70
#define MIN_SCORE          0.30

struct _ParleyLocalProvider
{
  GObject         parent_instance;

  /* owned */
  ParleyAnalyzer *analyzer;
};

static void provider_iface_init (ParleyProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ParleyLocalProvider, parley_local_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PARLEY_TYPE_PROVIDER, provider_iface_init))

/* What the answer says around the excerpt, per language (ParleyLang order). */
static const struct {
  const char *intro;
  const char *source;
  const char *unknown;
} templates[PARLEY_N_LANGS] = {
  { "From our help centre:", "Source",
    "I'm sorry, I couldn't find that in our help centre. I can connect you with a member of our team." },
  { "Según nuestro centro de ayuda:", "Fuente",
    "Lo siento, no he encontrado esa información en nuestro centro de ayuda. Puedo ponerle en contacto con una persona de nuestro equipo." },
  { "根据我们的帮助中心：", "来源",
    "抱歉，我在帮助中心没有找到相关信息。我可以为您转接人工客服。" },
  { "D'après notre centre d'aide :", "Source",
    "Désolé, je n'ai pas trouvé cette information dans notre centre d'aide. Je peux vous mettre en relation avec un membre de notre équipe." },
  { "Laut unserem Hilfe-Center:", "Quelle",
    "Das habe ich in unserem Hilfe-Center leider nicht gefunden. Ich kann Sie mit einem Mitarbeiter unseres Teams verbinden." },
};

typedef struct {
  guint       passage;
  char       *text;
  guint       n_tokens;
  double      score;
} Sentence;

static void
sentence_free (gpointer data)
{
  Sentence *s = data;

  g_free (s->text);
  g_free (s);
}

typedef struct {
  GPtrArray *sentences;
  guint      passage;
} SplitData;

static void
collect_sentence_cb (const char *sentence,
                     gsize       len,
                     guint       n_tokens,
                     gpointer    user_data)
{
  SplitData *data = user_data;
  Sentence *s;
  g_autofree char *text = g_strstrip (g_strndup (sentence, len));

  if (*text == '\0' || n_tokens == 0)
    return;
  s = g_new0 (Sentence, 1);
  s->passage = data->passage;
  s->text = g_steal_pointer (&text);
  s->n_tokens = n_tokens;
  g_ptr_array_add (data->sentences, s);
}

static gboolean
ends_sentence (const char *text)
{
  const char *end = text + strlen (text);
  const char *last;

  while (end > text && g_ascii_isspace (end[-1]))
    end--;
  if (end == text)
    return FALSE;
  last = g_utf8_find_prev_char (text, end);
  switch (g_utf8_get_char (last))
    {
    case '.': case '!': case '?': case ':': case ')':
    case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF1A:   /* 。！？： */
    case 0xBB: case 0x201D: case 0x300B:                   /* »”》 */
      return TRUE;
    default:
      return FALSE;
    }
}

static GHashTable *
term_set (ParleyAnalyzer *analyzer,
          ParleyLang      lang,
          const char     *text)
{
  g_autoptr(GPtrArray) terms = parley_analyzer_terms (analyzer, lang, text, -1);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < terms->len; i++)
    g_hash_table_add (set, g_strdup (terms->pdata[i]));
  return set;
}

/* The section around the match when there is one: the answer to a question
 * often sits a sentence or two away from the words that matched. */
static const char *
passage_body (const ParleyChatPassage *passage)
{
  if (passage->context != NULL && *passage->context != '\0')
    return passage->context;
  return passage->text != NULL ? passage->text : "";
}

static ParleyLang
answer_lang (const ParleyChatRequest *request,
             const char              *question)
{
  ParleyLang lang = parley_lang_from_string (request->lang);

  if (lang == PARLEY_LANG_UNKNOWN)
    lang = parley_langid_detect (question, -1, NULL);
  return lang == PARLEY_LANG_UNKNOWN ? PARLEY_LANG_EN : lang;
}

/**
 * parley_local_provider_compose:
 * @self: a #ParleyLocalProvider
 * @request: the question (its last user text) and its passages
 * @grounded: (out) (optional): whether the answer quotes a passage
 *
 * Returns: the answer's text, in the request's language
 */
char *
parley_local_provider_compose (ParleyLocalProvider     *self,
                               const ParleyChatRequest *request,
                               gboolean                *grounded)
{
  g_autofree char *question = NULL;
  g_autoptr(GHashTable) question_terms = NULL;
  g_autoptr(GPtrArray) sentences = g_ptr_array_new_with_free_func (sentence_free);
  g_autoptr(GHashTable) df = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) answer = g_string_new (NULL);
  g_autoptr(GPtrArray) passage_terms = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  const ParleyChatPassage *passage;
  ParleyLang lang;
  guint n_passages;
  Sentence *best = NULL;
  guint best_index = 0;
  guint tokens;
  GHashTableIter iter;
  gpointer term;

  g_return_val_if_fail (PARLEY_IS_LOCAL_PROVIDER (self), NULL);

  for (guint i = request->messages->len; i > 0 && question == NULL; i--)
    {
      const ParleyChatMessage *message = request->messages->pdata[i - 1];

      if (message->role == PARLEY_CHAT_ROLE_USER)
        question = parley_chat_message_dup_text (message);
    }
  if (question == NULL)
    question = g_strdup ("");

  lang = answer_lang (request, question);
  question_terms = term_set (self->analyzer, lang, question);
  n_passages = request->passages != NULL ? MIN (request->passages->len, MAX_PASSAGES) : 0;

  /* Which question terms each passage has, for the weights. */
  for (guint p = 0; p < n_passages; p++)
    {
      ParleyLang plang;
      GHashTable *terms;

      passage = request->passages->pdata[p];
      plang = parley_lang_from_string (passage->lang);
      terms = term_set (self->analyzer, plang != PARLEY_LANG_UNKNOWN ? plang : lang, passage_body (passage));
      g_ptr_array_add (passage_terms, terms);
      g_hash_table_iter_init (&iter, question_terms);
      while (g_hash_table_iter_next (&iter, &term, NULL))
        if (g_hash_table_contains (terms, term))
          g_hash_table_insert (df, term, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (df, term)) + 1));
    }

  for (guint p = 0; p < n_passages; p++)
    {
      SplitData split = { sentences, p };
      ParleyLang plang;
      guint first = sentences->len;

      passage = request->passages->pdata[p];
      plang = parley_lang_from_string (passage->lang);
      if (plang == PARLEY_LANG_UNKNOWN)
        plang = lang;
      parley_analyzer_sentences (self->analyzer, plang, passage_body (passage), -1, collect_sentence_cb, &split);

      for (guint i = first; i < sentences->len; i++)
        {
          Sentence *s = sentences->pdata[i];
          g_autoptr(GHashTable) terms = term_set (self->analyzer, plang, s->text);
          double sum = 0;

          g_hash_table_iter_init (&iter, question_terms);
          while (g_hash_table_iter_next (&iter, &term, NULL))
            if (g_hash_table_contains (terms, term))
              {
                guint n = GPOINTER_TO_UINT (g_hash_table_lookup (df, term));

                sum += 1.0 + log ((1.0 + n_passages) / (double) MAX (n, 1));
              }
          s->score = sum / sqrt (MAX (g_hash_table_size (terms), 1)) / (1.0 + 0.35 * p);
          /* The words the search matched are the best evidence; the section
           * around them comes second. */
          if (passage->context != NULL && passage->text != NULL && strstr (passage->text, s->text) == NULL)
            s->score *= 0.6;
          /* A line without an end (a heading, a list of links) rarely answers. */
          if (!ends_sentence (s->text))
            s->score *= 0.4;
          if (best == NULL || s->score > best->score)
            {
              best = s;
              best_index = i;
            }
        }
    }

  if (best == NULL || best->score < MIN_SCORE)
    {
      if (grounded != NULL)
        *grounded = FALSE;
      return g_strdup (templates[lang].unknown);
    }

  passage = request->passages->pdata[best->passage];
  g_string_append (answer, templates[lang].intro);
  g_string_append (answer, "\n\n");
  tokens = 0;
  for (guint i = best_index; i < sentences->len; i++)
    {
      Sentence *s = sentences->pdata[i];

      if (s->passage != best->passage || (i > best_index && tokens + s->n_tokens > EXCERPT_MAX_TOKENS))
        break;
      if (i > best_index && lang != PARLEY_LANG_ZH)
        g_string_append_c (answer, ' ');
      g_string_append (answer, s->text);
      tokens += s->n_tokens;
    }
  if (passage->title != NULL && *passage->title != '\0')
    g_string_append_printf (answer, "\n\n%s: %s", templates[lang].source, passage->title);

  if (grounded != NULL)
    *grounded = TRUE;
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* ---- streaming the answer ------------------------------------------------ */

typedef struct {
  ParleyChatEventFunc  event_func;
  gpointer             event_data;
  ParleyChatResponse  *response;
  char                *text;
  const char          *next;       /* the rest still to send */
  gboolean             started;
} StreamState;

static void
stream_state_free (gpointer data)
{
  StreamState *state = data;

  g_clear_pointer (&state->response, parley_chat_response_free);
  g_free (state->text);
  g_free (state);
}

static void
emit (StreamState         *state,
      ParleyChatEventKind  kind,
      const char          *text)
{
  ParleyChatEvent event = { .kind = kind, .index = 0, .text = text };

  if (kind == PARLEY_CHAT_EVENT_MESSAGE_STOP)
    event.stop_reason = "end_turn";
  if (kind == PARLEY_CHAT_EVENT_METADATA)
    event.usage = state->response->usage;
  if (state->event_func != NULL)
    state->event_func (&event, state->event_data);
}

/* One sentence-sized piece per main-loop turn, like a stream's deltas. */
static gboolean
stream_step_cb (gpointer user_data)
{
  GTask *task = user_data;
  StreamState *state = g_task_get_task_data (task);
  const char *end;
  g_autofree char *piece = NULL;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  if (!state->started)
    {
      emit (state, PARLEY_CHAT_EVENT_MESSAGE_START, NULL);
      emit (state, PARLEY_CHAT_EVENT_BLOCK_START, NULL);
      state->started = TRUE;
    }

  if (*state->next != '\0')
    {
      /* Up to and including the next line break or sentence end. */
      end = state->next;
      while (*end != '\0' && *end != '\n' && !((*end == '.' || *end == '?' || *end == '!') && end[1] == ' ')
             && g_utf8_get_char (end) != 0x3002)
        end = g_utf8_next_char (end);
      if (*end != '\0')
        end = g_utf8_next_char (end);
      piece = g_strndup (state->next, end - state->next);
      state->next = end;
      emit (state, PARLEY_CHAT_EVENT_TEXT_DELTA, piece);
      return G_SOURCE_CONTINUE;
    }

  emit (state, PARLEY_CHAT_EVENT_BLOCK_STOP, NULL);
  emit (state, PARLEY_CHAT_EVENT_MESSAGE_STOP, NULL);
  emit (state, PARLEY_CHAT_EVENT_METADATA, NULL);
  g_task_return_pointer (task, g_steal_pointer (&state->response), (GDestroyNotify) parley_chat_response_free);
  return G_SOURCE_REMOVE;
}

static guint
count_tokens (ParleyAnalyzer *analyzer,
              const char     *lang,
              const char     *text)
{
  ParleyLang l = parley_lang_from_string (lang);

  /* Detect only what does not say its language. */
  if (l == PARLEY_LANG_UNKNOWN)
    l = parley_langid_detect (text, -1, NULL);
  return parley_analyzer_count_tokens (analyzer, l, text, -1);
}

static void
local_chat_async (ParleyProvider          *provider,
                  const ParleyChatRequest *request,
                  ParleyChatEventFunc      event_func,
                  gpointer                 event_data,
                  GCancellable            *cancellable,
                  GAsyncReadyCallback      callback,
                  gpointer                 user_data)
{
  ParleyLocalProvider *self = PARLEY_LOCAL_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  StreamState *state = g_new0 (StreamState, 1);
  gint64 input_tokens = 0;
  GSource *source;

  g_task_set_source_tag (task, local_chat_async);
  g_task_set_task_data (task, state, stream_state_free);

  state->event_func = event_func;
  state->event_data = event_data;
  state->text = parley_local_provider_compose (self, request, NULL);
  state->next = state->text;

  for (guint i = 0; i < request->messages->len; i++)
    {
      g_autofree char *text = parley_chat_message_dup_text (request->messages->pdata[i]);

      input_tokens += count_tokens (self->analyzer, request->lang, text);
    }
  for (guint i = 0; request->passages != NULL && i < request->passages->len; i++)
    {
      const ParleyChatPassage *passage = request->passages->pdata[i];

      input_tokens += count_tokens (self->analyzer, passage->lang, passage_body (passage));
    }

  state->response = parley_chat_response_new ();
  parley_chat_message_add_block (state->response->message, parley_chat_block_new_text (state->text));
  state->response->stop_reason = g_strdup ("end_turn");
  state->response->model_id = g_strdup ("local");
  state->response->usage.input_tokens = input_tokens;
  state->response->usage.output_tokens = count_tokens (self->analyzer, request->lang, state->text);
  state->response->usage.total_tokens = input_tokens + state->response->usage.output_tokens;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_task_attach_source (task, source, stream_step_cb);
  g_source_unref (source);
}

static ParleyChatResponse *
local_chat_finish (ParleyProvider  *provider,
                   GAsyncResult    *result,
                   GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
local_get_name (ParleyProvider *provider)
{
  return "local";
}

static void
provider_iface_init (ParleyProviderInterface *iface)
{
  iface->get_name = local_get_name;
  iface->chat_async = local_chat_async;
  iface->chat_finish = local_chat_finish;
}

static void
parley_local_provider_finalize (GObject *object)
{
  ParleyLocalProvider *self = (ParleyLocalProvider *) object;

  g_clear_pointer (&self->analyzer, parley_analyzer_free);

  G_OBJECT_CLASS (parley_local_provider_parent_class)->finalize (object);
}

static void
parley_local_provider_class_init (ParleyLocalProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = parley_local_provider_finalize;
}

static void
parley_local_provider_init (ParleyLocalProvider *self)
{
  self->analyzer = parley_analyzer_new ();
}

ParleyLocalProvider *
parley_local_provider_new (void)
{
  return g_object_new (PARLEY_TYPE_LOCAL_PROVIDER, NULL);
}
