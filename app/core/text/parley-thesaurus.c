/* parley-thesaurus.c — query expansion from customer words to help-centre words
 *
 * A thesaurus is lines of " | "-separated entries (words or short phrases)
 * that a help centre treats as one need: "return | send back | ship back".
 * Entries are analysed like queries, so matching is on stems; an entry
 * matches where its whole term sequence appears in the query. Every other
 * entry of a matched group is then offered as expansion terms. The files
 * (data/synonyms/) are compiled in as resources.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-text"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "parley-resources.h"
#include "parley-thesaurus.h"

typedef struct {
  GStrv terms;   /* analysed terms of the entry, in order */
  guint group;
} Entry;

struct _ParleyThesaurus
{
  GArray     *entries;   /* Entry */
  GHashTable *by_first;  /* first term → GArray of entry indexes */
  GPtrArray  *groups;    /* GArray of entry indexes, per group */
};

static void
entry_clear (gpointer data)
{
  g_strfreev (((Entry *) data)->terms);
}

void
parley_thesaurus_free (ParleyThesaurus *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->entries);
  g_hash_table_unref (self->by_first);
  g_ptr_array_unref (self->groups);
  g_free (self);
}

ParleyThesaurus *
parley_thesaurus_new_from_text (ParleyAnalyzer *analyzer,
                                ParleyLang      lang,
                                const char     *text,
                                gssize          len)
{
  ParleyThesaurus *self = g_new0 (ParleyThesaurus, 1);
  g_autofree char *copy = g_strndup (text, len < 0 ? strlen (text) : (gsize) len);
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->by_first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      GArray *group;

      g_strstrip (lines[i]);
      if (*lines[i] == '\0' || *lines[i] == '#' || !g_utf8_validate (lines[i], -1, NULL))
        continue;

      parts = g_strsplit (lines[i], "|", -1);
      group = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint p = 0; parts[p] != NULL; p++)
        {
          g_autoptr(GPtrArray) terms = parley_analyzer_terms (analyzer, lang, parts[p], -1);
          Entry e;
          guint index = self->entries->len;
          GArray *same_first;

          if (terms->len == 0 || terms->len > 8)
            continue;
          g_ptr_array_add (terms, NULL);
          e.terms = (GStrv) g_ptr_array_steal (terms, NULL);
          e.group = self->groups->len;
          g_array_append_val (self->entries, e);
          g_array_append_val (group, index);

          same_first = g_hash_table_lookup (self->by_first, e.terms[0]);
          if (same_first == NULL)
            {
              same_first = g_array_new (FALSE, FALSE, sizeof (guint));
              g_hash_table_insert (self->by_first, g_strdup (e.terms[0]), same_first);
            }
          g_array_append_val (same_first, index);
        }

      if (group->len >= 2)
        g_ptr_array_add (self->groups, group);
      else
        {
          /* A group of one expands nothing; forget its entry. */
          for (guint g = 0; g < group->len; g++)
            {
              Entry *e = &g_array_index (self->entries, Entry, g_array_index (group, guint, g));
              GArray *same_first = g_hash_table_lookup (self->by_first, e->terms[0]);

              if (same_first != NULL && same_first->len > 0)
                g_array_set_size (same_first, same_first->len - 1);
              e->group = G_MAXUINT;
            }
          g_array_unref (group);
        }
    }

  return self;
}

guint
parley_thesaurus_get_n_groups (ParleyThesaurus *self)
{
  return self->groups->len;
}

static ParleyThesaurus *defaults[PARLEY_N_LANGS];
G_LOCK_DEFINE_STATIC (defaults);

/**
 * parley_thesaurus_get_default:
 *
 * Returns: (transfer none): the thesaurus compiled in for @lang (built on
 *   first use, then shared; it is immutable)
 */
ParleyThesaurus *
parley_thesaurus_get_default (ParleyAnalyzer *analyzer,
                              ParleyLang      lang)
{
  ParleyThesaurus *self;

  if ((guint) lang >= PARLEY_N_LANGS)
    return NULL;

  G_LOCK (defaults);
  if (defaults[lang] == NULL)
    {
      g_autofree char *path = g_strdup_printf ("/org/parley/synonyms/%s.txt", parley_lang_to_string (lang));
      g_autoptr(GBytes) bytes = g_resource_lookup_data (parley_get_resource (), path,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      gsize len = 0;
      const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : "";

      defaults[lang] = parley_thesaurus_new_from_text (analyzer, lang, data, len);
    }
  self = defaults[lang];
  G_UNLOCK (defaults);
  return self;
}

/**
 * parley_thesaurus_expand:
 * @terms: the analysed query
 *
 * Calls @func with each term of the groups whose entries occur in @terms,
 * except terms the query already has.
 *
 * Returns: the number of expansion terms
 */
guint
parley_thesaurus_expand (ParleyThesaurus    *self,
                         const char * const *terms,
                         guint               n_terms,
                         ParleyExpandFunc    func,
                         gpointer            user_data)
{
  g_autoptr(GHashTable) emitted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) groups_done = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint n = 0;

  if (self == NULL)
    return 0;

  for (guint i = 0; i < n_terms; i++)
    g_hash_table_add (emitted, (gpointer) terms[i]);

  for (guint i = 0; i < n_terms; i++)
    {
      GArray *candidates = g_hash_table_lookup (self->by_first, terms[i]);

      for (guint c = 0; candidates != NULL && c < candidates->len; c++)
        {
          const Entry *e = &g_array_index (self->entries, Entry, g_array_index (candidates, guint, c));
          guint len = g_strv_length (e->terms);
          gboolean match = e->group != G_MAXUINT && i + len <= n_terms;
          GArray *group;

          for (guint k = 1; match && k < len; k++)
            match = g_str_equal (terms[i + k], e->terms[k]);
          if (!match || g_hash_table_contains (groups_done, GUINT_TO_POINTER (e->group + 1)))
            continue;
          g_hash_table_add (groups_done, GUINT_TO_POINTER (e->group + 1));

          group = self->groups->pdata[e->group];
          for (guint g = 0; g < group->len; g++)
            {
              const Entry *other = &g_array_index (self->entries, Entry, g_array_index (group, guint, g));

              for (guint k = 0; other->terms[k] != NULL; k++)
                if (!g_hash_table_contains (emitted, other->terms[k]))
                  {
                    g_hash_table_add (emitted, other->terms[k]);
                    func (other->terms[k], user_data);
                    n++;
                  }
            }
        }
    }
  return n;
}
