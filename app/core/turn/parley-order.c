/* parley-order.c — the order tool
 *
 * Order numbers are the shop's "KE-" followed by six digits; customers
 * write them in every case, with or without the dash, with a space, or
 * glued to Chinese text. References to "my last order" are matched on the
 * accent-folded, lower-cased message, so "mi ultimo pedido" typed without
 * accents counts too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-turn"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "parley-analyzer.h"
#include "parley-error.h"
#include "parley-http-client.h"
#include "parley-order.h"
#include "parley-sigv4.h"

static const char * const status_names[] = { "processing", "shipped", "delivered", "cancelled", "returned" };

void
parley_order_free (ParleyOrder *order)
{
  if (order == NULL)
    return;
  g_free (order->id);
  g_free (order->customer);
  g_free (order->created);
  g_free (order->carrier);
  g_free (order->tracking);
  g_free (order->eta);
  g_free (order->total);
  g_free (order->currency);
  g_free (order);
}

/* A string member, or NULL for null/absent; FALSE if it is something else. */
static gboolean
get_string (JsonObject  *o,
            const char  *name,
            gboolean     required,
            char       **out)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *out = g_strdup (json_node_get_string (node));
  return g_utf8_validate (*out, -1, NULL) && strlen (*out) <= 256 && (!required || **out != '\0');
}

static gboolean
is_date (const char *s)
{
  return s == NULL || (strlen (s) == 10 && g_ascii_isdigit (s[0]) && s[4] == '-' && s[7] == '-');
}

ParleyOrder *
parley_order_from_json (const char  *data,
                        gssize       len,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ParleyOrder) order = g_new0 (ParleyOrder, 1);
  g_autofree char *status = NULL;
  JsonObject *o;
  gboolean ok;

  if (!json_parser_load_from_data (parser, data, len, NULL) || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the Order API sent something that is not a JSON object");
      return NULL;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  ok = get_string (o, "id", TRUE, &order->id) && get_string (o, "customer", TRUE, &order->customer)
       && get_string (o, "created", FALSE, &order->created) && get_string (o, "status", TRUE, &status)
       && get_string (o, "carrier", FALSE, &order->carrier) && get_string (o, "tracking", FALSE, &order->tracking)
       && get_string (o, "eta", FALSE, &order->eta) && get_string (o, "total", FALSE, &order->total)
       && get_string (o, "currency", FALSE, &order->currency)
       && is_date (order->created) && is_date (order->eta);
  if (ok)
    {
      ok = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
        if (g_strcmp0 (status, status_names[i]) == 0)
          {
            order->status = i;
            ok = TRUE;
          }
    }
  if (!ok)
    {
      g_set_error_literal (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                           "the Order API sent an order with a missing or malformed field");
      return NULL;
    }
  return g_steal_pointer (&order);
}

/* ---- references in a message ---------------------------------------------- */

static const char * const latest_phrases[] = {
  "my last order", "my latest order", "my most recent order", "my recent order", "the order i just placed",
  "mi ultimo pedido", "mi pedido mas reciente", "el ultimo pedido", "mi ultima compra",
  "ma derniere commande", "ma commande la plus recente", "mon dernier achat",
  "meine letzte bestellung", "meiner letzten bestellung", "meine neueste bestellung", "meine aktuelle bestellung",
  "我最近的订单", "我的最新订单", "最近的订单", "最近一个订单", "上一个订单", "最新的订单",
};

gboolean
parley_order_find_reference (const char  *text,
                             char       **order_id,
                             gboolean    *latest)
{
  g_autofree char *folded = NULL;
  const char *p;

  *order_id = NULL;
  *latest = FALSE;
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  folded = parley_fold_for_matching (text);
  /* "ke" + optional "-" or space + exactly six digits, not inside a longer
   * word or number. */
  for (p = folded; (p = strstr (p, "ke")) != NULL; p += 2)
    {
      const char *d = p + 2;
      guint n = 0;

      if (p > folded && g_ascii_isalnum (p[-1]))
        continue;
      if (*d == '-' || *d == ' ')
        d++;
      while (g_ascii_isdigit (d[n]))
        n++;
      if (n == 6 && !g_ascii_isalnum (d[6]))
        {
          *order_id = g_strdup_printf ("KE-%.6s", d);
          return TRUE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (latest_phrases); i++)
    if (strstr (folded, latest_phrases[i]) != NULL)
      {
        *latest = TRUE;
        return TRUE;
      }
  return FALSE;
}

/* ---- saying it ------------------------------------------------------------------ */

/* Per language: the status sentences ("%s" the order number), then the
 * carrier+tracking and the ETA sentences. */
static const struct {
  const char *status[5];
  const char *tracking;   /* carrier, tracking number */
  const char *eta;        /* date */
  const char *arrived;    /* date, for a delivered order */
} phrases[PARLEY_N_LANGS] = {
  { { "Order %s is being prepared.", "Order %s has shipped.", "Order %s has been delivered.",
      "Order %s was cancelled.", "Order %s was returned." },
    "It travels with %s, tracking number %s.", "Expected delivery: %s.", "Delivered on %s." },
  { { "El pedido %s se está preparando.", "El pedido %s ya se ha enviado.", "El pedido %s se ha entregado.",
      "El pedido %s se canceló.", "El pedido %s se devolvió." },
    "Viaja con %s, número de seguimiento %s.", "Entrega prevista: %s.", "Entregado el %s." },
  { { "订单 %s 正在备货。", "订单 %s 已发货。", "订单 %s 已签收。", "订单 %s 已取消。", "订单 %s 已退货。" },
    "承运商：%s，运单号：%s。", "预计送达：%s。", "签收日期：%s。" },
  { { "La commande %s est en préparation.", "La commande %s a été expédiée.", "La commande %s a été livrée.",
      "La commande %s a été annulée.", "La commande %s a été retournée." },
    "Elle voyage avec %s, numéro de suivi %s.", "Livraison prévue : %s.", "Livrée le %s." },
  { { "Die Bestellung %s wird vorbereitet.", "Die Bestellung %s wurde versandt.", "Die Bestellung %s wurde zugestellt.",
      "Die Bestellung %s wurde storniert.", "Die Bestellung %s wurde zurückgeschickt." },
    "Sie ist mit %s unterwegs, Sendungsnummer %s.", "Voraussichtliche Zustellung: %s.", "Zugestellt am %s." },
};

/* The date as people write it in @lang: 2026-11-27 → 11/27/2026, 27/11/2026,
 * 27.11.2026, 2026年11月27日. */
static char *
format_date (const char *iso,
             ParleyLang  lang)
{
  int y, m, d;

  if (iso == NULL || sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup (iso);
  switch (lang)
    {
    case PARLEY_LANG_EN: return g_strdup_printf ("%02d/%02d/%04d", m, d, y);
    case PARLEY_LANG_DE: return g_strdup_printf ("%02d.%02d.%04d", d, m, y);
    case PARLEY_LANG_ZH: return g_strdup_printf ("%d年%d月%d日", y, m, d);
    case PARLEY_LANG_ES:
    case PARLEY_LANG_FR:
    default:             return g_strdup_printf ("%02d/%02d/%04d", d, m, y);
    }
}

char *
parley_order_describe (const ParleyOrder *order,
                       ParleyLang         lang)
{
  GString *s = g_string_new (NULL);
  const char *space;

  g_return_val_if_fail (order != NULL, NULL);

  if (lang >= PARLEY_N_LANGS)
    lang = PARLEY_LANG_EN;
  space = lang == PARLEY_LANG_ZH ? "" : " ";

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_string_append_printf (s, phrases[lang].status[order->status], order->id);
  if (order->carrier != NULL && order->tracking != NULL
      && (order->status == PARLEY_ORDER_SHIPPED || order->status == PARLEY_ORDER_DELIVERED))
    {
      g_string_append (s, space);
      g_string_append_printf (s, phrases[lang].tracking, order->carrier, order->tracking);
    }
  if (order->eta != NULL && (order->status == PARLEY_ORDER_PROCESSING || order->status == PARLEY_ORDER_SHIPPED
                             || order->status == PARLEY_ORDER_DELIVERED))
    {
      g_autofree char *date = format_date (order->eta, lang);

      g_string_append (s, space);
      g_string_append_printf (s, order->status == PARLEY_ORDER_DELIVERED ? phrases[lang].arrived : phrases[lang].eta,
                              date);
    }
#pragma GCC diagnostic pop
  return g_string_free (s, FALSE);
}

/* ---- the client ---------------------------------------------------------------- */

struct _ParleyOrderClient
{
  GObject           parent_instance;

  /* owned */
  ParleyHttpClient *http;
  char             *base_url;
  char             *api_key;
};

G_DEFINE_FINAL_TYPE (ParleyOrderClient, parley_order_client, G_TYPE_OBJECT)

static void
parley_order_client_finalize (GObject *object)
{
  ParleyOrderClient *self = (ParleyOrderClient *) object;

  g_clear_object (&self->http);
  g_free (self->base_url);
  g_free (self->api_key);

  G_OBJECT_CLASS (parley_order_client_parent_class)->finalize (object);
}

static void
parley_order_client_class_init (ParleyOrderClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = parley_order_client_finalize;
}

static void
parley_order_client_init (ParleyOrderClient *self)
{
}

ParleyOrderClient *
parley_order_client_new (const char *base_url,
                         const char *api_key)
{
  ParleyOrderClient *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (PARLEY_TYPE_ORDER_CLIENT, NULL);
  self->base_url = g_str_has_suffix (base_url, "/") ? g_strndup (base_url, strlen (base_url) - 1) : g_strdup (base_url);
  self->api_key = g_strdup (api_key);
  self->http = parley_http_client_new ();
  parley_http_client_set_idle_timeout (self->http, 5000);
  return self;
}

typedef struct {
  char *customer_id;
  char *order_id;     /* NULL: the latest */
} GetData;

static void
get_data_free (gpointer data)
{
  GetData *d = data;

  g_free (d->customer_id);
  g_free (d->order_id);
  g_free (d);
}

static void
not_found (GTask      *task,
           const char *order_id)
{
  if (order_id != NULL)
    g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "no order %s for this customer", order_id);
  else
    g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND, "this customer has no orders");
}

static void
get_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GetData *d = g_task_get_task_data (task);
  g_autoptr(ParleyHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyOrder) order = NULL;
  gsize len = 0;
  const char *data;

  response = parley_http_client_send_finish (PARLEY_HTTP_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (response->status == 404)
    {
      not_found (task, d->order_id);
      return;
    }
  if (response->status != 200)
    {
      g_task_return_new_error (task, PARLEY_ERROR, PARLEY_ERROR_FAILED, "the Order API answered HTTP %u", response->status);
      return;
    }

  data = response->body != NULL ? g_bytes_get_data (response->body, &len) : "";
  if (d->order_id != NULL)
    order = parley_order_from_json (data != NULL ? data : "", len, &error);
  else
    {
      /* {"orders": [newest, …]}: the first. */
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonArray *orders = NULL;

      if (json_parser_load_from_data (parser, data != NULL ? data : "", len, NULL)
          && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root)
          && json_object_has_member (json_node_get_object (root), "orders")
          && JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "orders")))
        orders = json_object_get_array_member (json_node_get_object (root), "orders");
      if (orders == NULL)
        g_set_error_literal (&error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT, "the Order API sent no order list");
      else if (json_array_get_length (orders) == 0)
        {
          not_found (task, NULL);
          return;
        }
      else
        {
          g_autofree char *first = json_to_string (json_array_get_element (orders, 0), FALSE);

          order = parley_order_from_json (first, -1, &error);
        }
    }
  if (order == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Only the owner may see it; for anyone else it does not exist. */
  if (g_strcmp0 (order->customer, d->customer_id) != 0)
    {
      not_found (task, d->order_id);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&order), (GDestroyNotify) parley_order_free);
}

void
parley_order_client_get_async (ParleyOrderClient   *self,
                               const char          *customer_id,
                               const char          *order_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GArray) headers = parley_http_headers_new ();
  g_autofree char *label = NULL;
  g_autofree char *url = NULL;
  GetData *d;
  ParleyHttpRequestSpec spec = { .method = "GET" };

  g_return_if_fail (PARLEY_IS_ORDER_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, parley_order_client_get_async);

  if (customer_id == NULL || *customer_id == '\0')
    {
      /* No verified customer: no order is anyone's to see. */
      not_found (task, order_id);
      return;
    }

  d = g_new0 (GetData, 1);
  d->customer_id = g_strdup (customer_id);
  d->order_id = g_strdup (order_id);
  g_task_set_task_data (task, d, get_data_free);

  label = parley_uri_encode (order_id != NULL ? order_id : customer_id, -1, FALSE);
  url = order_id != NULL ? g_strdup_printf ("%s/orders/%s", self->base_url, label)
                         : g_strdup_printf ("%s/customers/%s/orders", self->base_url, label);
  parley_http_headers_add (headers, "Accept", "application/json");
  if (self->api_key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->api_key, NULL);

      parley_http_headers_add (headers, "Authorization", auth);
    }
  spec.url = url;
  spec.headers = headers;
  parley_http_client_send_async (self->http, &spec, NULL, NULL, cancellable, get_done_cb, g_steal_pointer (&task));
}

ParleyOrder *
parley_order_client_get_finish (ParleyOrderClient  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
