/* parley-order.h — the order tool: finding an order in a message, fetching
 * it from the shop's Order API for the customer who owns it, and saying
 * where it is in the customer's language
 *
 * The Order API (REST, JSON; `[orders] base-url` in parley.conf, a bearer
 * key in `api-key`):
 *   GET {base}/orders/{id}                 → an order object, or 404
 *   GET {base}/customers/{customer}/orders → {"orders": [...]}, newest first
 * An order object: {"id", "customer", "created" (YYYY-MM-DD), "status"
 * (processing | shipped | delivered | cancelled | returned), "carrier",
 * "tracking", "eta" (YYYY-MM-DD), "country", "total", "currency", "items"}.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "parley-types.h"

G_BEGIN_DECLS

typedef enum {
  PARLEY_ORDER_PROCESSING,
  PARLEY_ORDER_SHIPPED,
  PARLEY_ORDER_DELIVERED,
  PARLEY_ORDER_CANCELLED,
  PARLEY_ORDER_RETURNED,
} ParleyOrderStatus;

typedef struct {
  char              *id;
  char              *customer;
  char              *created;
  ParleyOrderStatus  status;
  char              *carrier;     /* (nullable) */
  char              *tracking;    /* (nullable) */
  char              *eta;         /* (nullable) YYYY-MM-DD */
  char              *total;
  char              *currency;
} ParleyOrder;

void         parley_order_free         (ParleyOrder  *order);
/* An order object from the API; every field checked. */
ParleyOrder *parley_order_from_json    (const char   *data,
                                        gssize        len,
                                        GError      **error);

/* What a message says about an order: an order number ("KE-123456",
 * "ke123456", "订单号KE-123456"), normalised to "KE-123456" in @order_id,
 * or a reference to the customer's latest order ("my last order", "mi
 * último pedido", "ma dernière commande", "meine letzte Bestellung",
 * "我最近的订单" …) in @latest. FALSE when there is neither. */
gboolean     parley_order_find_reference (const char  *text,
                                          char       **order_id,
                                          gboolean    *latest);

/* Status, carrier, tracking and ETA as one or two sentences in @lang. */
char        *parley_order_describe     (const ParleyOrder *order,
                                        ParleyLang         lang);

#define PARLEY_TYPE_ORDER_CLIENT (parley_order_client_get_type ())
G_DECLARE_FINAL_TYPE (ParleyOrderClient, parley_order_client, PARLEY, ORDER_CLIENT, GObject)

ParleyOrderClient *parley_order_client_new          (const char         *base_url,
                                                     const char         *api_key);
/* The order @order_id if it belongs to @customer_id; an order of someone
 * else is PARLEY_ERROR_NOT_FOUND exactly like a missing one, so that its
 * existence is never revealed. @order_id NULL: the customer's latest. */
void               parley_order_client_get_async    (ParleyOrderClient  *self,
                                                     const char         *customer_id,
                                                     const char         *order_id,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
ParleyOrder       *parley_order_client_get_finish   (ParleyOrderClient  *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParleyOrder, parley_order_free)

G_END_DECLS
