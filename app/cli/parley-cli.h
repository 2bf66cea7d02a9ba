/* parley-cli.h — shared pieces of the parley command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "parley-config.h"
#include "parley-kb.h"
#include "parley-provider.h"

G_BEGIN_DECLS

#define CLI_EXIT_OK      0
#define CLI_EXIT_FAILED  1
#define CLI_EXIT_USAGE   2
#define CLI_EXIT_PARTIAL 3

typedef int (*CliCommandFunc) (int argc, char **argv);

typedef struct {
  const char     *name;
  CliCommandFunc  func;
  const char     *summary;
} CliCommand;

int          cli_dispatch        (const char        *prog,
                                  const CliCommand  *commands,
                                  int                argc,
                                  char             **argv);
gboolean     cli_parse           (GOptionContext    *context,
                                  int               *argc,
                                  char            ***argv);
int          cli_fail            (const GError      *error);
int          cli_usage           (GOptionContext    *context,
                                  const char        *message);
ParleyStore *cli_open_store      (const char        *db_path,
                                  GError           **error);
gboolean     cli_parse_lang      (const char        *code,
                                  ParleyLang        *lang,
                                  GError           **error);
char        *cli_data_path       (const char        *first,
                                  ...) G_GNUC_NULL_TERMINATED;
void         cli_print_json      (JsonNode          *node,
                                  gboolean           pretty);
JsonNode    *cli_hits_to_json    (GPtrArray         *hits,
                                  const ParleySearchInfo *info,
                                  const char        *query);
gsize        cli_peak_rss_kb     (void);
/* Prints "name p50 … p95 … p99 …" for the samples @ms (sorted in place) and
 * adds them to @b as an object under @name. */
void         cli_print_latency   (JsonBuilder       *b,
                                  const char        *name,
                                  GArray            *ms);
int          cli_kb_embed        (int                argc,
                                  char             **argv);
float       *cli_embed_query     (ParleyProvider    *provider,
                                  const char        *text,
                                  guint             *dim,
                                  GError           **error);
gboolean     cli_prepare_hybrid  (ParleyKb          *kb,
                                  const ParleyConfig *config,
                                  ParleyProvider    *provider,
                                  const char        *query,
                                  ParleySearchOptions *opts,
                                  float            **vector,
                                  GError           **error);
int          cli_bench_bedrock   (int                argc,
                                  char             **argv);

int cli_ask   (int argc, char **argv);
int cli_audit (int argc, char **argv);
int cli_aws   (int argc, char **argv);
int cli_gdpr  (int argc, char **argv);
int cli_kb    (int argc, char **argv);
int cli_eval  (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_lang  (int argc, char **argv);
int cli_retention (int argc, char **argv);
int cli_stats (int argc, char **argv);
int cli_eval_lang (int argc, char **argv);

G_END_DECLS
