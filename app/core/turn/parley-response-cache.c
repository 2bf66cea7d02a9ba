/* parley-response-cache.c — which questions may be answered from the cache
 *
 * Only questions about the shop in general are cached. A question that
 * carries something of the customer's own (an order or tracking number,
 * any run of 4+ digits, an e-mail address, a possessive reference to their
 * order, account, parcel, refund or address in one of our 5 languages)
 * gets no key: its answer is personal, and would be wrong or a leak for
 * the next customer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-turn"

#include "config.h"

#include <string.h>

#include "parley-response-cache.h"

/* Lower-cased, accent-folded forms, as they appear inside the question. */
static const char * const personal_phrases[] = {
  /* en */ "my order", "my parcel", "my package", "my account", "my refund", "my delivery", "my address",
           "my return", "my payment", "my card", "my invoice", "my tracking",
  /* es */ "mi pedido", "mi paquete", "mi cuenta", "mi reembolso", "mi devolucion", "mi envio", "mi direccion",
           "mi factura", "mi tarjeta", "mis pedidos",
  /* fr */ "ma commande", "mon colis", "mon compte", "mon remboursement", "mon retour", "ma livraison",
           "mon adresse", "ma facture", "ma carte", "mes commandes",
  /* de */ "meine bestellung", "mein paket", "mein konto", "meine erstattung", "meine rucksendung",
           "meine lieferung", "meine adresse", "meine rechnung", "meine karte", "meiner bestellung",
           "mein kundenkonto",
  /* zh */ "我的订单", "我的包裹", "我的账户", "我的账号", "我的退款", "我的快递", "我的地址", "我的发票",
           "我的退货", "我买的",
};

static gboolean
is_personal (const char *question)
{
  g_autofree char *folded = parley_fold_for_matching (question);
  guint digits = 0;

  if (strchr (folded, '@') != NULL)
    return TRUE;
  for (const char *p = folded; *p != '\0'; p++)
    {
      digits = g_ascii_isdigit (*p) ? digits + 1 : 0;
      if (digits >= 4)
        return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (personal_phrases); i++)
    if (strstr (folded, personal_phrases[i]) != NULL)
      return TRUE;
  return FALSE;
}

char *
parley_response_cache_key (ParleyAnalyzer *analyzer,
                           ParleyLang      lang,
                           const char     *question,
                           const char     *model,
                           gint64          kb_generation)
{
  g_autoptr(GPtrArray) terms = NULL;
  g_autoptr(GChecksum) sum = NULL;
  g_autofree char *head = NULL;
  const char *previous = NULL;

  g_return_val_if_fail (analyzer != NULL, NULL);

  if (question == NULL || !g_utf8_validate (question, -1, NULL) || lang >= PARLEY_N_LANGS || is_personal (question))
    return NULL;

  terms = parley_analyzer_terms (analyzer, lang, question, -1);
  if (terms->len == 0)
    return NULL;

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  head = g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT "\x1f%s\x1f", parley_lang_to_string (lang), kb_generation,
                          model != NULL ? model : "");
  g_checksum_update (sum, (const guchar *) head, -1);
  for (guint i = 0; i < terms->len; i++)
    {
      /* Repeated words do not make another question. */
      if (g_strcmp0 (previous, terms->pdata[i]) == 0)
        continue;
      g_checksum_update (sum, (const guchar *) terms->pdata[i], -1);
      g_checksum_update (sum, (const guchar *) " ", 1);
      previous = terms->pdata[i];
    }
  return g_strdup (g_checksum_get_string (sum));
}
