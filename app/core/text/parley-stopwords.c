/* parley-stopwords.c — stop words per language, in folded form (lower case, no accents)
 *
 * Function words that carry no retrieval signal in support questions. The
 * lists follow the Snowball project's stop lists, trimmed of words that do
 * matter for support ("not", "no", "before", "after" stay searchable).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include "parley-analyzer.h"

static const char * const stop_en[] = {
  "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but",
  "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have",
  "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is",
  "it", "its", "itself", "just", "me", "my", "myself", "of", "on", "or", "our", "ours",
  "please", "she", "should", "so", "some", "than", "that", "the", "their", "theirs", "them",
  "then", "there", "these", "they", "this", "those", "to", "too", "us", "very", "was", "we",
  "were", "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would",
  "you", "your", "yours", "yourself", "hi", "hello", "thanks", "thank", "im", "ive", "id",
  "dont", "doesnt", "didnt", "cant", "got", "get", "want", "need", "there", "s", "t",
};

static const char * const stop_es[] = {
  "a", "al", "algo", "algun", "alguna", "algunas", "alguno", "algunos", "ante", "como",
  "con", "cual", "cuales", "cuando", "de", "del", "desde", "donde", "el", "ella", "ellas",
  "ellos", "en", "entre", "era", "es", "esa", "esas", "ese", "eso", "esos", "esta", "estas",
  "este", "esto", "estos", "estoy", "fue", "ha", "han", "hay", "he", "la", "las", "le",
  "les", "lo", "los", "me", "mi", "mis", "mucho", "muy", "nos", "nosotros", "o", "os",
  "para", "pero", "por", "porque", "que", "qui", "quien", "se", "ser", "si", "su", "sus",
  "te", "ti", "tu", "tus", "un", "una", "unas", "uno", "unos", "usted", "ustedes", "vosotros",
  "y", "ya", "yo", "hola", "gracias", "favor", "puedo", "quiero", "tengo", "mas",
};

static const char * const stop_fr[] = {
  "a", "ai", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de",
  "des", "du", "elle", "en", "est", "et", "eu", "il", "ils", "j", "je", "l", "la", "le",
  "les", "leur", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "n", "ne", "nos",
  "notre", "nous", "on", "ou", "par", "pour", "qu", "que", "qui", "s", "sa", "se", "ses",
  "son", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
  "vous", "y", "bonjour", "merci", "est-ce", "comment", "quoi", "suis", "etre", "ca",
};

static const char * const stop_de[] = {
  "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "bitte", "da",
  "das", "dass", "dem", "den", "der", "des", "die", "dies", "diese", "dieser", "dieses",
  "doch", "du", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "fur",
  "hallo", "hat", "hatte", "ich", "ihr", "ihre", "im", "in", "ist", "ja", "mein", "meine",
  "meinem", "meinen", "meiner", "mich", "mir", "mit", "man", "noch", "nun", "oder", "sein",
  "seine", "sich", "sie", "sind", "so", "uber", "um", "und", "uns", "unser", "vom", "von",
  "vor", "war", "was", "wie", "wir", "wird", "wo", "zu", "zum", "zur", "danke", "habe",
  "kann", "konnen", "mochte", "wurde", "wann", "warum", "welche", "wer",
};

static const char * const stop_zh[] = {
  "的", "了", "是", "我", "你", "他", "她", "它", "们", "我们", "你们", "在", "和", "与",
  "吗", "呢", "吧", "啊", "呀", "嗯", "哦", "就", "都", "也", "还", "着", "过", "把", "被",
  "这", "那", "这个", "那个", "一个", "请问", "请", "您", "有", "没", "个", "么", "怎么",
  "什么", "如何", "为什么", "可以", "能", "要", "想", "得", "地", "之", "及", "或", "而",
  "a", "an", "the", "of", "to", "and",
};

static GHashTable *stop_sets[PARLEY_N_LANGS];

static GHashTable *
make_set (const char * const *words,
          gsize               n)
{
  GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n; i++)
    g_hash_table_add (set, (gpointer) words[i]);
  return set;
}

static gpointer
init_sets (gpointer data)
{
  stop_sets[PARLEY_LANG_EN] = make_set (stop_en, G_N_ELEMENTS (stop_en));
  stop_sets[PARLEY_LANG_ES] = make_set (stop_es, G_N_ELEMENTS (stop_es));
  stop_sets[PARLEY_LANG_ZH] = make_set (stop_zh, G_N_ELEMENTS (stop_zh));
  stop_sets[PARLEY_LANG_FR] = make_set (stop_fr, G_N_ELEMENTS (stop_fr));
  stop_sets[PARLEY_LANG_DE] = make_set (stop_de, G_N_ELEMENTS (stop_de));
  return NULL;
}

gboolean
parley_analyzer_is_stopword (ParleyLang  lang,
                             const char *folded)
{
  static GOnce once = G_ONCE_INIT;

  if ((guint) lang >= PARLEY_N_LANGS)
    return FALSE;
  g_once (&once, init_sets, NULL);
  return g_hash_table_contains (stop_sets[lang], folded);
}
