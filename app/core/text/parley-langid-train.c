/* parley-langid-train.c — builds the language identification model at build time
 *
 *   parley-langid-train [OPTION…] --output parley-langid-model.h en.txt es.txt zh.txt fr.txt de.txt
 *
 * Each input is named after its language and holds one text per line (blank
 * lines and lines starting with '#' are skipped).  Every line is also learnt
 * without its accents (and, for German, with ä → ae, ß → ss), at a lower
 * weight, because chat is often typed that way.
 *
 * Multinomial naive Bayes with one distribution per feature type (1-, 2-,
 * 3-, 4-grams, words) and additive smoothing; a word feature weighs
 * --word-weight n-grams.  Features seen fewer than --min-count times are
 * dropped, and so are those that score every language the same.  The
 * log-probabilities are stored relative to the best language of each
 * feature (only differences matter), quantised to int16.  The softmax temperature that turns scores into honest
 * posteriors is fitted by 5-fold cross-validation on the training lines, on
 * whole lines and on their first one, two and three words, by minimising
 * the log loss.
 *
 * The output is a header of static tables, included by parley-langid.c only.
 * It depends on nothing but the inputs, so the build is deterministic.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define PARLEY_LANGID_TRAINER 1

/* The feature extraction is the one libparley uses. */
#include "parley-langid.c"

#include <stdio.h>
#include <stdlib.h>

#define TRAIN_N_FOLDS      5
#define TRAIN_SCALE        64.0   /* table units per nat */
#define TRAIN_MAX_TEXT     4096   /* bytes of a line that are kept */

static const char * const lang_codes[PARLEY_N_LANGS] = { "en", "es", "zh", "fr", "de" };

typedef struct {
  double   alpha;          /* additive smoothing */
  double   word_weight;    /* how much a word feature counts against one n-gram */
  double   variant_weight; /* weight of the accent-less variants of a line */
  guint    min_count;      /* features seen less often are dropped */
  gboolean verbose;
} TrainOptions;

typedef struct {
  ParleyLang lang;
  guint      fold;
  char      *text;
  char      *variants[2];  /* NULL when equal to the text or to the first variant */
} TrainDoc;

typedef struct {
  guint32 hash;
  guint8  type;
  double  seen;                     /* weighted occurrences, in all languages */
  double  counts[PARLEY_N_LANGS];   /* weighted occurrences */
  double  logp[PARLEY_N_LANGS];     /* weighted log-probabilities, once estimated */
} TrainFeature;

typedef struct {
  GHashTable *features;   /* hash → TrainFeature, owned */
  double      totals[LANGID_N_FEATURE_TYPES][PARLEY_N_LANGS];
  guint       vocab[LANGID_N_FEATURE_TYPES];
} TrainModel;

typedef struct {
  TrainModel *model;
  ParleyLang  lang;
  double      weight;
} CountContext;

typedef struct {
  const TrainModel *model;
  double            sums[PARLEY_N_LANGS];
} ScoreContext;

typedef struct {
  ParleyLang lang;
  guint      bucket;   /* 0: one word … 2: three words, 3: whole line */
  double     scores[PARLEY_N_LANGS];
} TrainSample;

static const gboolean latin_langs[PARLEY_N_LANGS] = {
  [PARLEY_LANG_EN] = TRUE, [PARLEY_LANG_ES] = TRUE, [PARLEY_LANG_FR] = TRUE, [PARLEY_LANG_DE] = TRUE,
};

static void
train_doc_clear (TrainDoc *doc)
{
  g_free (doc->text);
  g_free (doc->variants[0]);
  g_free (doc->variants[1]);
}

static void
train_model_free (TrainModel *model)
{
  g_hash_table_unref (model->features);
  g_free (model);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrainModel, train_model_free)

static TrainModel *
train_model_new (void)
{
  TrainModel *model = g_new0 (TrainModel, 1);

  model->features = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  return model;
}

/* The text without accents; with @german, ä ö ü become ae oe ue.  ß → ss. */
static char *
train_strip_accents (const char *text,
                     gboolean    german)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
      gsize n;

      if (c < 0x80 || c >= 0x250)
        {
          g_string_append_unichar (out, c);
          continue;
        }
      if (c == 0xDF)
        {
          g_string_append (out, "ss");
          continue;
        }

      n = g_unichar_fully_decompose (c, FALSE, decomposed, G_N_ELEMENTS (decomposed));
      if (n < 2 || decomposed[0] >= 0x80)
        {
          g_string_append_unichar (out, c);
          continue;
        }
      g_string_append_c (out, (char) decomposed[0]);
      if (german && decomposed[1] == 0x308 && strchr ("aouAOU", (int) decomposed[0]) != NULL)
        g_string_append_c (out, g_ascii_isupper ((int) decomposed[0]) ? 'E' : 'e');
    }

  return g_string_free (out, FALSE);
}

static gboolean
train_load (const char  *path,
            GArray      *docs,
            GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) lines = NULL;
  ParleyLang lang = PARLEY_LANG_UNKNOWN;
  guint index = 0;

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (g_str_has_prefix (base, lang_codes[l]) && base[2] == '.')
        lang = (ParleyLang) l;
    }
  if (lang == PARLEY_LANG_UNKNOWN)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not named after a language (en.txt, es.txt, zh.txt, fr.txt, de.txt)", path);
      return FALSE;
    }

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  if (!g_utf8_validate (contents, -1, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not valid UTF-8", path);
      return FALSE;
    }

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      TrainDoc doc = { lang, index % TRAIN_N_FOLDS, NULL, { NULL, NULL } };

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (strlen (line) > TRAIN_MAX_TEXT)
        *g_utf8_find_prev_char (line, line + TRAIN_MAX_TEXT) = '\0';

      doc.text = g_strdup (line);
      doc.variants[0] = train_strip_accents (line, FALSE);
      if (lang == PARLEY_LANG_DE)
        doc.variants[1] = train_strip_accents (line, TRUE);
      if (doc.variants[1] != NULL && g_str_equal (doc.variants[1], doc.variants[0]))
        g_clear_pointer (&doc.variants[1], g_free);
      if (g_str_equal (doc.variants[0], doc.text))
        {
          g_free (doc.variants[0]);
          doc.variants[0] = g_steal_pointer (&doc.variants[1]);
        }
      g_array_append_val (docs, doc);
      index++;
    }

  if (index == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no text", path);
      return FALSE;
    }
  return TRUE;
}

static void
train_count_features (LangidScan    *scan,
                      const guint32 *hashes,
                      const guint8  *types,
                      guint          n_features,
                      gboolean       han G_GNUC_UNUSED)
{
  CountContext *ctx = scan->user_data;

  for (guint i = 0; i < n_features; i++)
    {
      TrainFeature *feature = g_hash_table_lookup (ctx->model->features, GUINT_TO_POINTER (hashes[i]));

      if (feature == NULL)
        {
          feature = g_new0 (TrainFeature, 1);
          feature->hash = hashes[i];
          feature->type = types[i];
          g_hash_table_insert (ctx->model->features, GUINT_TO_POINTER (hashes[i]), feature);
        }

      /* a hash collision between types is counted with the first type seen */
      feature->counts[ctx->lang] += ctx->weight;
      feature->seen += ctx->weight;
      ctx->model->totals[feature->type][ctx->lang] += ctx->weight;
    }
}

static void
train_count_text (TrainModel *model,
                  ParleyLang  lang,
                  const char *text,
                  double      weight)
{
  CountContext ctx = { model, lang, weight };
  LangidScan scan = { .feature = train_count_features, .user_data = &ctx };

  langid_scan_text (&scan, text, -1);
}

/* Counts every document outside @fold (all of them when @fold is out of range). */
static TrainModel *
train_count (GArray             *docs,
             guint               fold,
             const TrainOptions *options)
{
  TrainModel *model = train_model_new ();

  for (guint i = 0; i < docs->len; i++)
    {
      const TrainDoc *doc = &g_array_index (docs, TrainDoc, i);

      if (doc->fold == fold)
        continue;
      train_count_text (model, doc->lang, doc->text, 1.0);
      for (guint v = 0; v < G_N_ELEMENTS (doc->variants); v++)
        {
          if (doc->variants[v] != NULL)
            train_count_text (model, doc->lang, doc->variants[v], options->variant_weight);
        }
    }

  return model;
}

/* Drops rare features and estimates the log-probabilities of the rest. */
static void
train_estimate (TrainModel         *model,
                const TrainOptions *options)
{
  GHashTableIter iter;
  TrainFeature *feature;

  g_hash_table_iter_init (&iter, model->features);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &feature))
    {
      if (feature->seen < options->min_count)
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      model->vocab[feature->type]++;
    }

  g_hash_table_iter_init (&iter, model->features);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &feature))
    {
      double weight = feature->type == LANGID_FEATURE_WORD ? options->word_weight : 1.0;

      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        {
          double denominator = model->totals[feature->type][l] +
                               options->alpha * model->vocab[feature->type];

          feature->logp[l] = weight * log ((feature->counts[l] + options->alpha) / denominator);
        }
    }
}

static void
train_score_features (LangidScan    *scan,
                      const guint32 *hashes,
                      const guint8  *types G_GNUC_UNUSED,
                      guint          n_features,
                      gboolean       han)
{
  ScoreContext *ctx = scan->user_data;

  if (han)
    return;

  for (guint i = 0; i < n_features; i++)
    {
      const TrainFeature *feature = g_hash_table_lookup (ctx->model->features,
                                                         GUINT_TO_POINTER (hashes[i]));

      if (feature == NULL)
        continue;
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        ctx->sums[l] += feature->logp[l];
    }
}

static void
train_add_sample (GArray           *samples,
                  const TrainModel *model,
                  ParleyLang        lang,
                  guint             bucket,
                  const char       *text)
{
  ScoreContext ctx = { model, { 0 } };
  LangidScan scan = { .feature = train_score_features, .user_data = &ctx };
  TrainSample sample = { lang, bucket, { 0 } };

  langid_scan_text (&scan, text, -1);
  if (scan.n_latin == 0)
    return;
  memcpy (sample.scores, ctx.sums, sizeof sample.scores);
  g_array_append_val (samples, sample);
}

/* Held-out samples of the Latin languages: whole lines, their accent-less
 * variant and their first one, two and three words. */
static void
train_cross_validate (GArray             *docs,
                      const TrainOptions *options,
                      GArray             *samples)
{
  for (guint fold = 0; fold < TRAIN_N_FOLDS; fold++)
    {
      g_autoptr(TrainModel) model = train_count (docs, fold, options);

      train_estimate (model, options);
      for (guint i = 0; i < docs->len; i++)
        {
          const TrainDoc *doc = &g_array_index (docs, TrainDoc, i);
          g_auto(GStrv) words = NULL;
          guint n_words;

          if (doc->fold != fold || !latin_langs[doc->lang])
            continue;

          train_add_sample (samples, model, doc->lang, 3, doc->text);
          if (doc->variants[0] != NULL)
            train_add_sample (samples, model, doc->lang, 3, doc->variants[0]);

          words = g_strsplit_set (doc->text, " \t", -1);
          n_words = g_strv_length (words);
          for (guint n = 1; n <= 3 && n < n_words; n++)
            {
              g_autofree char *prefix = NULL;
              char *saved = words[n];

              words[n] = NULL;
              prefix = g_strjoinv (" ", words);
              words[n] = saved;
              train_add_sample (samples, model, doc->lang, n - 1, prefix);
            }
        }
    }
}

static double
train_log_loss (GArray *samples,
                double  temperature)
{
  double loss = 0.0;

  for (guint i = 0; i < samples->len; i++)
    {
      const TrainSample *sample = &g_array_index (samples, TrainSample, i);
      double best = -G_MAXDOUBLE;
      double total = 0.0;

      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        {
          if (latin_langs[l])
            best = MAX (best, sample->scores[l] / temperature);
        }
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        {
          if (latin_langs[l])
            total += exp (sample->scores[l] / temperature - best);
        }
      loss -= sample->scores[sample->lang] / temperature - best - log (total);
    }

  return loss / MAX (samples->len, 1);
}

static double
train_fit_temperature (GArray *samples)
{
  double best_temperature = 1.0;
  double best_loss = G_MAXDOUBLE;

  for (double t = 1.0; t <= 40.0; t *= 1.05)
    {
      double loss = train_log_loss (samples, t);

      if (loss < best_loss)
        {
          best_loss = loss;
          best_temperature = t;
        }
    }

  return best_temperature;
}

static void
train_report (GArray *samples,
              double  temperature)
{
  static const char * const bucket_names[] = { "1 word", "2 words", "3 words", "line" };
  guint right[PARLEY_N_LANGS][4] = { { 0 } };
  guint all[PARLEY_N_LANGS][4] = { { 0 } };

  for (guint i = 0; i < samples->len; i++)
    {
      const TrainSample *sample = &g_array_index (samples, TrainSample, i);
      guint best = PARLEY_LANG_EN;

      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        {
          if (latin_langs[l] && sample->scores[l] > sample->scores[best])
            best = l;
        }
      all[sample->lang][sample->bucket]++;
      if (best == sample->lang)
        right[sample->lang][sample->bucket]++;
    }

  fprintf (stderr, "cross-validation, temperature %.3f, log loss %.4f\n",
           temperature, train_log_loss (samples, temperature));
  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      if (!latin_langs[l])
        continue;
      fprintf (stderr, "  %s:", lang_codes[l]);
      for (guint b = 0; b < 4; b++)
        fprintf (stderr, "  %s %.3f (%u)", bucket_names[b],
                 (double) right[l][b] / MAX (all[l][b], 1), all[l][b]);
      fprintf (stderr, "\n");
    }
}

static int
train_feature_compare (gconstpointer a,
                       gconstpointer b)
{
  guint32 ha = (*(TrainFeature * const *) a)->hash;
  guint32 hb = (*(TrainFeature * const *) b)->hash;

  return ha < hb ? -1 : ha > hb;
}

static gboolean
train_write (TrainModel  *model,
             double       temperature,
             const char  *output,
             gboolean     verbose,
             GError     **error)
{
  g_autoptr(GPtrArray) features = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree gint16 *values = NULL;
  GHashTableIter iter;
  TrainFeature *feature;
  guint bucket_bits = 8;
  guint n_buckets;
  guint n = 0;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_hash_table_iter_init (&iter, model->features);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &feature))
    g_ptr_array_add (features, feature);
  g_ptr_array_sort (features, train_feature_compare);

  /* quantise relative to the best language; drop features that score all the same */
  values = g_new (gint16, (gsize) features->len * PARLEY_N_LANGS);
  for (guint i = 0; i < features->len; i++)
    {
      double best = -G_MAXDOUBLE;
      gboolean useful = FALSE;
      gint16 *row = values + (gsize) n * PARLEY_N_LANGS;

      feature = g_ptr_array_index (features, i);
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        best = MAX (best, feature->logp[l]);
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        {
          double q = round (TRAIN_SCALE * (feature->logp[l] - best));

          row[l] = (gint16) CLAMP (q, -32767.0, 0.0);
          useful |= row[l] != row[0];
        }
      if (useful)
        g_ptr_array_index (features, n++) = feature;
    }
  g_ptr_array_set_size (features, n);

  g_string_append (out,
                   "/* parley-langid-model.h — generated by parley-langid-train from data/langid/, do not edit\n"
                   " *\n"
                   " * SPDX-License-Identifier: GPL-3.0-or-later\n"
                   " */\n"
                   "#pragma once\n\n");
  g_string_append_printf (out, "#define LANGID_MODEL_N_FEATURES %u\n", n);
  /* about one feature per bucket */
  while (bucket_bits < 24 && (1u << bucket_bits) < n)
    bucket_bits++;
  n_buckets = 1u << bucket_bits;
  g_string_append_printf (out, "#define LANGID_MODEL_BUCKET_BITS %u\n", bucket_bits);
  g_string_append_printf (out, "#define LANGID_MODEL_SCALE %s   /* table units per nat */\n",
                          g_ascii_formatd (number, sizeof number, "%.1f", TRAIN_SCALE));
  g_string_append_printf (out, "#define LANGID_MODEL_TEMPERATURE %s\n\n",
                          g_ascii_formatd (number, sizeof number, "%.4f", temperature));

  g_string_append_printf (out, "static const LangidModelEntry langid_model_entries[%u] = {\n", MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const gint16 *row = values + (gsize) i * PARLEY_N_LANGS;

      feature = g_ptr_array_index (features, i);
      g_string_append_printf (out, "%s{0x%08x,{", i % 3 == 0 ? "  " : "", feature->hash);
      for (guint l = 0; l < PARLEY_N_LANGS; l++)
        g_string_append_printf (out, "%d%s", row[l], l + 1 < PARLEY_N_LANGS ? "," : "}},");
      g_string_append (out, i % 3 == 2 || i + 1 == n ? "\n" : "");
    }
  g_string_append (out, "};\n\n");

  g_string_append_printf (out, "static const guint32 langid_model_buckets[%u] = {\n", n_buckets + 1);
  for (guint b = 0, i = 0; b <= n_buckets; b++)
    {
      while (i < n && (((TrainFeature *) g_ptr_array_index (features, i))->hash >> (32 - bucket_bits)) < b)
        i++;
      g_string_append_printf (out, "%s%u,%s", b % 12 == 0 ? "  " : "", i,
                              b % 12 == 11 || b == n_buckets ? "\n" : "");
    }
  g_string_append (out, "};\n");

  if (verbose)
    fprintf (stderr, "%u features (%u dropped as uninformative), %zu bytes of source\n",
             n, g_hash_table_size (model->features) - n, out->len);

  return g_file_set_contents (output, out->str, out->len, error);
}

static void
train_docs_free (GArray *docs)
{
  for (guint i = 0; i < docs->len; i++)
    train_doc_clear (&g_array_index (docs, TrainDoc, i));
  g_array_unref (docs);
}

int
main (int   argc,
      char *argv[])
{
  TrainOptions options = { 0.1, 3.0, 0.5, 2, FALSE };
  g_autofree char *output = NULL;
  g_auto(GStrv) inputs = NULL;
  int min_count = (int) options.min_count;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Header to write", "FILE" },
    { "alpha", 0, 0, G_OPTION_ARG_DOUBLE, &options.alpha, "Additive smoothing", "A" },
    { "word-weight", 0, 0, G_OPTION_ARG_DOUBLE, &options.word_weight, "Weight of word features", "W" },
    { "variant-weight", 0, 0, G_OPTION_ARG_DOUBLE, &options.variant_weight,
      "Weight of accent-less variants", "W" },
    { "min-count", 0, 0, G_OPTION_ARG_INT, &min_count, "Drop rarer features", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options.verbose, "Report cross-validation", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "FILE…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— train Parley's language identifier");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrainModel) model = NULL;
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (TrainSample));
  GArray *docs = g_array_new (FALSE, FALSE, sizeof (TrainDoc));
  double temperature;
  int status = EXIT_SUCCESS;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  options.min_count = (guint) MAX (min_count, 1);
  if (output == NULL || inputs == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "need --output and input files");
      goto fail;
    }

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      if (!train_load (inputs[i], docs, &error))
        goto fail;
    }

  train_cross_validate (docs, &options, samples);
  temperature = train_fit_temperature (samples);
  if (options.verbose)
    train_report (samples, temperature);

  model = train_count (docs, G_MAXUINT, &options);
  train_estimate (model, &options);
  if (!train_write (model, temperature, output, options.verbose, &error))
    goto fail;

  train_docs_free (docs);
  return status;

fail:
  fprintf (stderr, "parley-langid-train: %s\n", error->message);
  train_docs_free (docs);
  return EXIT_FAILURE;
}
