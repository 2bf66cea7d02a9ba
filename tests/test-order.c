/* test-order.c — the order tool: references in five languages, what it says,
 * and the client against the sample Order API (only the owner sees an order)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "parley-error.h"
#include "parley-order.h"
#include "test-utils.h"

static void
test_references (void)
{
  static const struct { const char *text; const char *id; gboolean latest; } cases[] = {
    { "Where is order KE-100532?", "KE-100532", FALSE },
    { "where is ke100532", "KE-100532", FALSE },
    { "¿Dónde está mi pedido KE 200114?", "KE-200114", FALSE },
    { "Ma commande ke-400311 n'est pas arrivée", "KE-400311", FALSE },
    { "Bestellung KE-500412: wann kommt sie?", "KE-500412", FALSE },
    { "订单号KE-300458什么时候到", "KE-300458", FALSE },
    { "Where is my last order?", NULL, TRUE },
    { "donde esta mi ultimo pedido", NULL, TRUE },
    { "Où en est ma dernière commande ?", NULL, TRUE },
    { "Wo ist meine letzte Bestellung?", NULL, TRUE },
    { "我最近的订单到哪了", NULL, TRUE },
    /* Not order references. */
    { "Do you ship to Canada?", NULL, FALSE },
    { "My phone is a KE-10053 model", NULL, FALSE },
    { "invoice XKE-100532", NULL, FALSE },
    { "KE-1005321 is too long", NULL, FALSE },
    { "The bike costs 100532 yen", NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id = NULL;
      gboolean latest = FALSE;
      gboolean found = parley_order_find_reference (cases[i].text, &id, &latest);

      if (g_strcmp0 (id, cases[i].id) != 0 || latest != cases[i].latest
          || found != (cases[i].id != NULL || cases[i].latest))
        g_error ("“%s”: got %s latest=%d", cases[i].text, id ? id : "(none)", latest);
    }
}

static void
test_describe (void)
{
  ParleyOrder order = { (char *) "KE-100532", (char *) "cust-anna", (char *) "2026-11-20", PARLEY_ORDER_SHIPPED,
                        (char *) "UPS", (char *) "1Z999AA10198765432", (char *) "2026-11-27",
                        (char *) "1299.00", (char *) "USD" };
  static const char * const expected[PARLEY_N_LANGS] = {
    "Order KE-100532 has shipped. It travels with UPS, tracking number 1Z999AA10198765432. Expected delivery: 11/27/2026.",
    "El pedido KE-100532 ya se ha enviado. Viaja con UPS, número de seguimiento 1Z999AA10198765432. Entrega prevista: 27/11/2026.",
    "订单 KE-100532 已发货。承运商：UPS，运单号：1Z999AA10198765432。预计送达：2026年11月27日。",
    "La commande KE-100532 a été expédiée. Elle voyage avec UPS, numéro de suivi 1Z999AA10198765432. Livraison prévue : 27/11/2026.",
    "Die Bestellung KE-100532 wurde versandt. Sie ist mit UPS unterwegs, Sendungsnummer 1Z999AA10198765432. Voraussichtliche Zustellung: 27.11.2026.",
  };

  for (guint l = 0; l < PARLEY_N_LANGS; l++)
    {
      g_autofree char *text = parley_order_describe (&order, l);

      g_assert_cmpstr (text, ==, expected[l]);
    }

  /* A cancelled order has no tracking or date to give. */
  order.status = PARLEY_ORDER_CANCELLED;
  {
    g_autofree char *text = parley_order_describe (&order, PARLEY_LANG_DE);

    g_assert_cmpstr (text, ==, "Die Bestellung KE-100532 wurde storniert.");
  }
}

static void
test_from_json (void)
{
  static const char * const bad[] = {
    "", "[]", "{\"id\":\"KE-1\"}",
    "{\"id\":\"KE-1\",\"customer\":\"c\",\"status\":\"lost\"}",
    "{\"id\":\"KE-1\",\"customer\":\"c\",\"status\":\"shipped\",\"eta\":\"tomorrow\"}",
    "{\"id\":5,\"customer\":\"c\",\"status\":\"shipped\"}",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ParleyOrder) ok = parley_order_from_json ("{\"id\":\"KE-1\",\"customer\":\"c\",\"status\":\"delivered\","
                                                      "\"carrier\":null,\"eta\":\"2026-01-02\"}", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ok->status, ==, PARLEY_ORDER_DELIVERED);
  g_assert_null (ok->carrier);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ParleyOrder) order = parley_order_from_json (bad[i], -1, &error);

      g_assert_null (order);
      g_assert_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT);
      g_clear_error (&error);
    }
}

typedef struct {
  gboolean     done;
  ParleyOrder *order;
  GError      *error;
} Got;

static void
got_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Got *got = user_data;

  got->order = parley_order_client_get_finish (PARLEY_ORDER_CLIENT (object), result, &got->error);
  got->done = TRUE;
}

static void
get (ParleyOrderClient *client,
     const char        *customer,
     const char        *order_id,
     Got               *got)
{
  memset (got, 0, sizeof *got);
  parley_order_client_get_async (client, customer, order_id, NULL, got_cb, got);
  TEST_WAIT_UNTIL (got->done);
}

static void
test_client (void)
{
  g_autoptr(GSubprocess) service = NULL;
  g_autofree char *url = NULL;
  g_autoptr(ParleyOrderClient) client = NULL;
  g_autoptr(ParleyOrderClient) keyless = NULL;
  Got got;

  service = test_spawn_server (&url, g_getenv ("PARLEY_ORDER_SERVICE"), "--api-key", "k-123", NULL);
  client = parley_order_client_new (url, "k-123");

  /* The owner sees it. */
  get (client, "cust-anna", "KE-100532", &got);
  g_assert_no_error (got.error);
  g_assert_cmpstr (got.order->id, ==, "KE-100532");
  g_assert_cmpint (got.order->status, ==, PARLEY_ORDER_SHIPPED);
  g_assert_cmpstr (got.order->tracking, ==, "1Z999AA10198765432");
  parley_order_free (got.order);

  /* Someone else's order is as missing as a missing one. */
  get (client, "cust-lucia", "KE-100532", &got);
  g_assert_error (got.error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_assert_null (strstr (got.error->message, "cust-anna"));
  g_clear_error (&got.error);
  get (client, "cust-lucia", "KE-999999", &got);
  g_assert_error (got.error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_clear_error (&got.error);
  get (client, NULL, "KE-100532", &got);
  g_assert_error (got.error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_clear_error (&got.error);

  /* "My last order": the newest of the customer's. */
  get (client, "cust-lucia", NULL, &got);
  g_assert_no_error (got.error);
  g_assert_cmpstr (got.order->id, ==, "KE-200377");
  parley_order_free (got.order);
  get (client, "cust-nobody", NULL, &got);
  g_assert_error (got.error, PARLEY_ERROR, PARLEY_ERROR_NOT_FOUND);
  g_clear_error (&got.error);

  /* A wrong key is a clear failure, not "no order". */
  keyless = parley_order_client_new (url, NULL);
  get (keyless, "cust-anna", "KE-100532", &got);
  g_assert_error (got.error, PARLEY_ERROR, PARLEY_ERROR_FAILED);
  g_assert_nonnull (strstr (got.error->message, "401"));
  g_clear_error (&got.error);

  g_subprocess_send_signal (service, SIGTERM);
  g_subprocess_wait (service, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/order/references", test_references);
  g_test_add_func ("/order/describe", test_describe);
  g_test_add_func ("/order/from-json", test_from_json);
  g_test_add_func ("/order/client", test_client);

  return g_test_run ();
}
