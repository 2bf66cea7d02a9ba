/* test-response-cache.c — which questions the response cache may answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "parley-response-cache.h"
#include "test-utils.h"

static void
test_keys (void)
{
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();
  g_autofree char *a = parley_response_cache_key (analyzer, PARLEY_LANG_EN, "How do I return an item?", "local", 7);
  g_autofree char *b = parley_response_cache_key (analyzer, PARLEY_LANG_EN, "how to return items", "local", 7);
  g_autofree char *c = parley_response_cache_key (analyzer, PARLEY_LANG_EN, "How do I return an item?", "local", 8);
  g_autofree char *d = parley_response_cache_key (analyzer, PARLEY_LANG_EN, "How do I return an item?", "bedrock/x", 7);
  g_autofree char *e = parley_response_cache_key (analyzer, PARLEY_LANG_EN, "What is your warranty?", "local", 7);
  g_autofree char *f = parley_response_cache_key (analyzer, PARLEY_LANG_ES, "¿Cómo devuelvo un artículo?", "local", 7);

  g_assert_nonnull (a);
  g_assert_cmpstr (a, ==, b);                  /* the same question in other words */
  g_assert_cmpstr (a, !=, c);                  /* the KB changed */
  g_assert_cmpstr (a, !=, d);                  /* another model */
  g_assert_cmpstr (a, !=, e);
  g_assert_nonnull (f);
  g_assert_cmpstr (a, !=, f);
}

/* Anything of the customer's own never comes from, or goes into, the cache. */
static void
test_personal (void)
{
  static const struct { ParleyLang lang; const char *q; } personal[] = {
    { PARLEY_LANG_EN, "Where is my order?" },
    { PARLEY_LANG_EN, "Where is order KE-123456?" },
    { PARLEY_LANG_EN, "tracking 1Z999AA10123456784" },
    { PARLEY_LANG_EN, "send it to ana@example.com" },
    { PARLEY_LANG_EN, "MY REFUND IS LATE" },
    { PARLEY_LANG_ES, "¿Dónde está mi pedido?" },
    { PARLEY_LANG_ES, "quiero cambiar mi dirección" },
    { PARLEY_LANG_FR, "Où est ma commande ?" },
    { PARLEY_LANG_FR, "mon colis n'est pas arrivé" },
    { PARLEY_LANG_DE, "Wo ist meine Bestellung?" },
    { PARLEY_LANG_DE, "meine Rücksendung ist weg" },
    { PARLEY_LANG_ZH, "我的订单到哪了？" },
    { PARLEY_LANG_ZH, "我的包裹还没到" },
  };
  g_autoptr(ParleyAnalyzer) analyzer = parley_analyzer_new ();

  for (guint i = 0; i < G_N_ELEMENTS (personal); i++)
    {
      g_autofree char *key = parley_response_cache_key (analyzer, personal[i].lang, personal[i].q, "local", 1);

      if (key != NULL)
        g_error ("“%s” got a cache key", personal[i].q);
    }

  /* Nor empty or invalid text. */
  g_assert_null (parley_response_cache_key (analyzer, PARLEY_LANG_EN, "the a of", "local", 1));
  g_assert_null (parley_response_cache_key (analyzer, PARLEY_LANG_EN, "\xff\xfe", "local", 1));
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/response-cache/keys", test_keys);
  g_test_add_func ("/response-cache/personal", test_personal);

  return g_test_run ();
}
