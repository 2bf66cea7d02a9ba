/* parley-order-service.c — a sample Order API, for the demo and the tests
 *
 * Serves the orders of a JSON file (data/orders/sample.json) the way a
 * shop's order system would answer Parley's order tool:
 *   GET /v1/orders/{id}                 → the order, or 404
 *   GET /v1/customers/{customer}/orders → {"orders": [...]}, newest first
 * With --api-key, every request needs "Authorization: Bearer KEY" (401).
 * Errors are {"error":{"code","message"}}. Prints its base URL, then serves
 * until SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-order-service"

#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  JsonArray *orders;    /* order objects, as in the file */
  char      *api_key;
} Service;

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonNode          *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  reply_json (msg, status, root);
}

static gint
newest_first (gconstpointer a,
              gconstpointer b)
{
  JsonObject *x = json_node_get_object (*(JsonNode **) a);
  JsonObject *y = json_node_get_object (*(JsonNode **) b);

  return -g_strcmp0 (json_object_get_string_member_with_default (x, "created", ""),
                     json_object_get_string_member_with_default (y, "created", ""));
}

static void
handle_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Service *service = user_data;
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0)
    {
      reply_error (msg, 405, "method_not_allowed", "only GET");
      return;
    }
  if (service->api_key != NULL)
    {
      const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
      g_autofree char *expected = g_strconcat ("Bearer ", service->api_key, NULL);

      if (g_strcmp0 (auth, expected) != 0)
        {
          reply_error (msg, 401, "unauthorized", "a valid API key is required");
          return;
        }
    }

  /* "", "v1", "orders", ID */
  if (n == 4 && g_str_equal (parts[1], "v1") && g_str_equal (parts[2], "orders"))
    {
      for (guint i = 0; i < json_array_get_length (service->orders); i++)
        {
          JsonNode *order = json_array_get_element (service->orders, i);

          if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (order), "id", NULL),
                         parts[3]) == 0)
            {
              reply_json (msg, 200, order);
              return;
            }
        }
      reply_error (msg, 404, "not_found", "no such order");
      return;
    }

  /* "", "v1", "customers", ID, "orders" */
  if (n == 5 && g_str_equal (parts[1], "v1") && g_str_equal (parts[2], "customers") && g_str_equal (parts[4], "orders"))
    {
      g_autoptr(GPtrArray) mine = g_ptr_array_new ();
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      for (guint i = 0; i < json_array_get_length (service->orders); i++)
        {
          JsonNode *order = json_array_get_element (service->orders, i);

          if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (order), "customer", NULL),
                         parts[3]) == 0)
            g_ptr_array_add (mine, order);
        }
      g_ptr_array_sort (mine, newest_first);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "orders");
      json_builder_begin_array (b);
      for (guint i = 0; i < mine->len; i++)
        json_builder_add_value (b, json_node_copy (mine->pdata[i]));
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      reply_json (msg, 200, root);
      return;
    }

  reply_error (msg, 404, "not_found", "no such resource");
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— a sample Order API");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *orders_path = NULL;
  g_autofree char *api_key = NULL;
  JsonNode *root;
  Service service = { 0 };
  GSList *uris;
  int port = 0;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port on 127.0.0.1 (default: any free port)", "N" },
    { "orders", 0, 0, G_OPTION_ARG_FILENAME, &orders_path, "The orders (default: the sample)", "FILE" },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, &api_key, "Require this bearer key", "KEY" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || port < 0 || port > 65535)
    {
      g_printerr ("parley-order-service: %s\n", error != NULL ? error->message : "--port must be 0–65535");
      return EXIT_FAILURE;
    }
  if (orders_path == NULL)
    orders_path = g_build_filename (PARLEY_SOURCE_DIR, "data", "orders", "sample.json", NULL);
  if (!g_file_test (orders_path, G_FILE_TEST_EXISTS))
    {
      g_free (orders_path);
      orders_path = g_build_filename (PKGDATADIR, "orders", "sample.json", NULL);
    }
  if (!json_parser_load_from_mapped_file (parser, orders_path, &error)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "orders")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "orders")))
    {
      g_printerr ("parley-order-service: %s: %s\n", orders_path,
                  error != NULL ? error->message : "not an {\"orders\": [...]} file");
      return EXIT_FAILURE;
    }
  service.orders = json_object_get_array_member (json_node_get_object (root), "orders");
  service.api_key = api_key;

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handle_cb, &service, NULL);
  if (!soup_server_listen_local (server, (guint) port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("parley-order-service: cannot listen: %s\n", error->message);
      return EXIT_FAILURE;
    }
  uris = soup_server_get_uris (server);
  g_print ("http://127.0.0.1:%d/v1\n", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
