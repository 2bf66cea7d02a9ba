/* parley-aws-config.c — AWS settings, read from the environment and the
 * shared config and credentials files as the AWS SDKs read them
 *
 * The files' dialect is the one the SDKs share (the AWS SDKs and Tools
 * reference guide, and the profile file readers of the Java, Rust and Kotlin
 * SDKs), not GKeyFile's:
 *
 * - Sections: in the config file `[default]`, `[profile NAME]`,
 *   `[sso-session NAME]` and `[services NAME]`; anything else there (the
 *   common mistake `[NAME]`) is ignored with a warning. In the credentials
 *   file `[NAME]`, taken as it is (so `[profile NAME]` there is not NAME).
 *   Names are case-sensitive and made of letters, digits and - / . % @ _ : +
 *   (others are ignored with a warning, as the SDKs do). In the config file
 *   `[profile default]` wins over `[default]`. A section that appears twice
 *   is merged, a later setting winning.
 * - Comments: a line whose first non-blank character is '#' or ';' (also
 *   when indented, as Python's configparser and so the AWS CLI accept); in a
 *   `name = value` line a '#' or ';' preceded by a space or tab starts a
 *   comment ("key = a#b" keeps "a#b"); in a section header any '#' or ';'.
 *   Quotes are not special: `region = "us-east-1"` is the value with quotes.
 * - Settings: `name = value`, the first '=' separating, blanks around both
 *   trimmed. Setting names are compared in lower case: the AWS CLI
 *   (botocore, via configparser) lower-cases them, so a file that works with
 *   the CLI works here; the other SDKs match exact names, and the names the
 *   SDKs document are all lower case anyway.
 * - Lines indented deeper than the setting above them continue it: under an
 *   empty value they are nested `name = value` settings (`s3 =` then
 *   `  max_concurrent_requests = 10`), kept apart from the profile's own
 *   settings; under a non-empty value they are further lines of the value.
 *   An indented line with no setting above it starts a setting (as in the
 *   CLI).
 * - CRLF line ends and a UTF-8 byte order mark are accepted.
 *
 * A line that cannot be read (no '=', no closing ']', not UTF-8…) is an
 * error only when it is in the selected profile (or in the services section
 * that profile names): elsewhere it is a warning, as it cannot change what
 * Parley uses. A missing file is an empty one.
 *
 * An empty environment variable counts as unset; one that is not UTF-8 is
 * read with U+FFFD in place of the bad bytes (and so fails validation).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "parley-aws"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "parley-aws-config.h"
#include "parley-error.h"

#define MAX_FILE_SIZE (4 * 1024 * 1024)

typedef enum {
  FILE_CONFIG,
  FILE_CREDENTIALS,
} FileKind;

typedef struct {
  char       *value;
  GHashTable *sub;      /* (nullable) name → value: the nested settings */
} Prop;

typedef struct {
  guint  line;
  char  *section;       /* (nullable) "profile:NAME", "services:NAME"…; NULL: outside any */
  char  *message;
} Issue;

/* A section the parser left out, for hints and warnings. */
typedef struct {
  guint  line;
  char  *header;        /* what was between the brackets */
} Ignored;

typedef struct {
  FileKind    kind;
  char       *path;
  char       *display;
  gboolean    exists;
  GHashTable *profiles;  /* name → GHashTable (name → Prop) */
  GHashTable *services;  /* name → GHashTable (name → Prop) */
  GHashTable *others;    /* "sso-session:NAME" → GHashTable, read and unused */
  GPtrArray  *issues;    /* Issue */
  GPtrArray  *ignored;   /* Ignored */
  GPtrArray  *notes;     /* char*: other warnings, with their line */
} AwsFile;

struct _ParleyAwsConfig {
  gatomicrefcount     ref_count;

  GHashTable         *env;           /* AWS_* → value, non-empty ones only */
  GStringChunk       *strings;       /* source texts handed out */
  AwsFile            *config_file;
  AwsFile            *credentials_file;
  GPtrArray          *warnings;      /* char*, NULL-terminated */

  char               *profile;
  const char         *profile_source;
  char               *profile_hint;

  const char         *region;
  const char         *region_source;
  guint               max_attempts;
  const char         *max_attempts_source;
  ParleyRetryMode     retry_mode;
  const char         *retry_mode_source;
  gboolean            ignore_endpoints;
  gboolean            use_fips;
  gboolean            use_dualstack;
  gboolean            imds_disabled;
  char               *imds_endpoint;
  const char         *imds_endpoint_source;
  guint               metadata_timeout;
  guint               metadata_attempts;
};

G_DEFINE_BOXED_TYPE (ParleyAwsConfig, parley_aws_config, parley_aws_config_ref, parley_aws_config_unref)

/* ---- the files ---------------------------------------------------------- */

static void
prop_free (gpointer data)
{
  Prop *prop = data;

  g_free (prop->value);
  g_clear_pointer (&prop->sub, g_hash_table_unref);
  g_free (prop);
}

static void
issue_free (gpointer data)
{
  Issue *issue = data;

  g_free (issue->section);
  g_free (issue->message);
  g_free (issue);
}

static void
ignored_free (gpointer data)
{
  Ignored *ignored = data;

  g_free (ignored->header);
  g_free (ignored);
}

static GHashTable *
section_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, prop_free);
}

static AwsFile *
aws_file_new (FileKind    kind,
              const char *path)
{
  AwsFile *file = g_new0 (AwsFile, 1);

  file->kind = kind;
  file->path = g_strdup (path);
  file->display = parley_aws_display_path (path);
  file->profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  file->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  file->others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  file->issues = g_ptr_array_new_with_free_func (issue_free);
  file->ignored = g_ptr_array_new_with_free_func (ignored_free);
  file->notes = g_ptr_array_new_with_free_func (g_free);
  return file;
}

static void
aws_file_free (AwsFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file->display);
  g_hash_table_unref (file->profiles);
  g_hash_table_unref (file->services);
  g_hash_table_unref (file->others);
  g_ptr_array_unref (file->issues);
  g_ptr_array_unref (file->ignored);
  g_ptr_array_unref (file->notes);
  g_free (file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AwsFile, aws_file_free)

typedef struct {
  AwsFile    *file;
  guint       line;
  gboolean    in_section;      /* a header was seen, even one that is ignored */
  GHashTable *section;         /* (nullable) where settings go; NULL: skip them */
  char       *section_id;      /* (nullable) for issues */
  gboolean    have_prop;       /* a setting line was seen in this section */
  guint       prop_indent;     /* its indentation */
  Prop       *prop;            /* (nullable) it, NULL when it was skipped */
  char       *prop_name;
  gboolean    nested;          /* its value was empty: indented lines are nested settings */
  gboolean    seen_profile_default;
} Parser;

static void G_GNUC_PRINTF (2, 3)
add_issue (Parser     *p,
           const char *format,
           ...)
{
  Issue *issue = g_new0 (Issue, 1);
  va_list ap;

  va_start (ap, format);
  issue->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  issue->line = p->line;
  issue->section = g_strdup (p->section_id);
  g_ptr_array_add (p->file->issues, issue);
}

static void G_GNUC_PRINTF (2, 3)
add_note (Parser     *p,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (p->file->notes, g_strdup_printf ("%s, line %u: %s", p->file->display, p->line, text));
}

/* The SDKs' identifier: letters, digits and - / . % @ _ : + */
static gboolean
is_identifier (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && strchr ("-/.%@_:+", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* Whether @s is @word followed by a blank; *rest: what follows, trimmed. */
static gboolean
word_prefix (const char  *s,
             const char  *word,
             char       **rest)
{
  gsize n = strlen (word);

  if (strncmp (s, word, n) != 0 || (s[n] != ' ' && s[n] != '\t'))
    return FALSE;
  *rest = g_strstrip (g_strdup (s + n));
  return TRUE;
}

typedef enum {
  SECTION_PROFILE,
  SECTION_SERVICES,
  SECTION_SSO_SESSION,
  SECTION_IGNORED,
} SectionKind;

static SectionKind
classify_section (FileKind    kind,
                  const char *header,
                  char      **name,
                  gboolean   *prefixed)
{
  *prefixed = FALSE;
  if (kind == FILE_CREDENTIALS)
    {
      *name = g_strdup (header);
      return SECTION_PROFILE;
    }
  if (word_prefix (header, "profile", name))
    {
      *prefixed = TRUE;
      return SECTION_PROFILE;
    }
  if (word_prefix (header, "services", name))
    return SECTION_SERVICES;
  if (word_prefix (header, "sso-session", name))
    return SECTION_SSO_SESSION;
  *name = g_strdup (header);
  return strcmp (header, "default") == 0 ? SECTION_PROFILE : SECTION_IGNORED;
}

static char *
section_id (SectionKind  kind,
            const char  *name)
{
  switch (kind)
    {
    case SECTION_PROFILE:
      return g_strconcat ("profile:", name, NULL);
    case SECTION_SERVICES:
      return g_strconcat ("services:", name, NULL);
    case SECTION_SSO_SESSION:
      return g_strconcat ("sso-session:", name, NULL);
    case SECTION_IGNORED:
    default:
      return NULL;
    }
}

static void
reset_prop (Parser *p)
{
  p->have_prop = FALSE;
  p->prop = NULL;
  p->nested = FALSE;
  g_clear_pointer (&p->prop_name, g_free);
}

static void
parse_header (Parser     *p,
              const char *line)
{
  g_autofree char *text = g_strstrip (g_strndup (line, strcspn (line, "#;")));
  g_autofree char *header = NULL;
  g_autofree char *name = NULL;
  gboolean prefixed = FALSE;
  SectionKind kind;
  GHashTable *table;

  reset_prop (p);
  p->in_section = TRUE;
  p->section = NULL;
  g_clear_pointer (&p->section_id, g_free);

  if (!g_str_has_suffix (text, "]"))
    {
      /* Its settings are skipped; the issue is charged to the section it
       * most likely meant, so that it is an error if that is the one in use. */
      header = g_strstrip (g_strdup (text + 1));
      kind = classify_section (p->file->kind, header, &name, &prefixed);
      p->section_id = section_id (kind, name);
      add_issue (p, "a section header must end with ']'");
      return;
    }

  header = g_strstrip (g_strndup (text + 1, strlen (text) - 2));
  kind = classify_section (p->file->kind, header, &name, &prefixed);

  if (kind == SECTION_IGNORED || !is_identifier (name))
    {
      Ignored *ignored = g_new0 (Ignored, 1);

      ignored->line = p->line;
      ignored->header = g_strdup (header);
      g_ptr_array_add (p->file->ignored, ignored);
      if (kind == SECTION_IGNORED)
        add_note (p, "ignoring section [%s]: in the config file a profile is [profile NAME]", header);
      else
        add_note (p, "ignoring section [%s]: a name has only letters, digits and - / . %% @ _ : +", header);
      return;
    }

  if (kind == SECTION_PROFILE && p->file->kind == FILE_CONFIG && strcmp (name, "default") == 0)
    {
      if (!prefixed && p->seen_profile_default)
        {
          add_note (p, "ignoring [default]: [profile default] takes precedence");
          return;
        }
      if (prefixed && !p->seen_profile_default
          && g_hash_table_remove (p->file->profiles, "default"))
        {
          add_note (p, "[profile default] takes precedence over the [default] above");
          for (guint i = p->file->issues->len; i > 0; i--)
            if (g_strcmp0 (((Issue *) p->file->issues->pdata[i - 1])->section, "profile:default") == 0)
              g_ptr_array_remove_index (p->file->issues, i - 1);
        }
      if (prefixed)
        p->seen_profile_default = TRUE;
    }

  {
    GHashTable *sections = kind == SECTION_PROFILE ? p->file->profiles
                           : kind == SECTION_SERVICES ? p->file->services
                           : p->file->others;
    const char *key = kind == SECTION_SSO_SESSION ? NULL : name;
    g_autofree char *id = section_id (kind, name);

    if (key == NULL)
      key = id;
    table = g_hash_table_lookup (sections, key);
    if (table == NULL)
      {
        table = section_table_new ();
        g_hash_table_insert (sections, g_strdup (key), table);
      }
    p->section = table;
    p->section_id = g_steal_pointer (&id);
  }
}

/* Where a comment starts in a setting line: a '#' or ';' after a blank. */
static gsize
comment_start (const char *line)
{
  for (gsize i = 1; line[i] != '\0'; i++)
    if ((line[i] == '#' || line[i] == ';') && (line[i - 1] == ' ' || line[i - 1] == '\t'))
      return i;
  return strlen (line);
}

static void
parse_setting (Parser     *p,
               const char *line,
               guint       indent)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  const char *eq;

  reset_prop (p);
  p->have_prop = TRUE;
  p->prop_indent = indent;

  if (!p->in_section)
    {
      add_issue (p, "a setting before any [section]");
      return;
    }
  if (p->section == NULL)
    return;

  text = g_strstrip (g_strndup (line, comment_start (line)));
  eq = strchr (text, '=');
  if (eq == NULL)
    {
      add_issue (p, "expected 'name = value'");
      return;
    }
  name = g_strstrip (g_strndup (text, eq - text));
  if (*name == '\0')
    {
      add_issue (p, "a setting without a name");
      return;
    }
  if (!is_identifier (name))
    {
      add_note (p, "ignoring setting '%s': a name has only letters, digits and - / . %% @ _ : +", name);
      return;
    }

  p->prop = g_new0 (Prop, 1);
  p->prop->value = g_strstrip (g_strdup (eq + 1));
  p->nested = p->prop->value[0] == '\0';
  p->prop_name = g_ascii_strdown (name, -1);
  g_hash_table_replace (p->section, g_strdup (p->prop_name), p->prop);
}

static void
parse_continuation (Parser     *p,
                    const char *line)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  const char *eq;

  if (p->prop == NULL)
    return;   /* the setting it continues was skipped (and said so) */

  text = g_strstrip (g_strdup (line));
  if (!p->nested)
    {
      char *joined = g_strconcat (p->prop->value, "\n", text, NULL);

      g_free (p->prop->value);
      p->prop->value = joined;
      return;
    }

  eq = strchr (text, '=');
  if (eq == NULL)
    {
      add_issue (p, "expected 'name = value' nested under '%s'", p->prop_name);
      return;
    }
  name = g_strstrip (g_strndup (text, eq - text));
  if (*name == '\0')
    {
      add_issue (p, "a nested setting without a name under '%s'", p->prop_name);
      return;
    }
  if (p->prop->sub == NULL)
    p->prop->sub = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (p->prop->sub, g_ascii_strdown (name, -1), g_strstrip (g_strdup (eq + 1)));
}

static void
parse_text (AwsFile    *file,
            const char *data,
            gsize       len)
{
  Parser p = { .file = file };
  const char *end = data + len;
  const char *line = data;

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    line += 3;

  while (line < end)
    {
      const char *nl = memchr (line, '\n', end - line);
      gsize n = (nl != NULL ? nl : end) - line;
      g_autofree char *copy = NULL;
      const char *rest;
      guint indent = 0;

      p.line++;
      if (n > 0 && line[n - 1] == '\r')
        n--;
      if (!g_utf8_validate (line, n, NULL))
        {
          add_issue (&p, "not UTF-8 text");
          line = nl != NULL ? nl + 1 : end;
          continue;
        }
      copy = g_strndup (line, n);
      line = nl != NULL ? nl + 1 : end;

      while (copy[indent] == ' ' || copy[indent] == '\t')
        indent++;
      rest = copy + indent;

      if (*rest == '\0' || *rest == '#' || *rest == ';')
        continue;
      if (p.have_prop && indent > p.prop_indent)
        parse_continuation (&p, rest);
      else if (*rest == '[')
        parse_header (&p, rest);
      else
        parse_setting (&p, rest, indent);
    }

  g_free (p.section_id);
  g_free (p.prop_name);
}

static AwsFile *
read_file (FileKind     kind,
           const char  *path,
           GError     **error)
{
  g_autoptr(AwsFile) file = aws_file_new (kind, path);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize len = 0;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT || saved == ENOTDIR)
        return g_steal_pointer (&file);
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_IO,
                   "Cannot read the AWS %s file %s: %s",
                   kind == FILE_CONFIG ? "config" : "credentials", path, g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_IO,
                   "Cannot read the AWS %s file %s: it is a directory",
                   kind == FILE_CONFIG ? "config" : "credentials", path);
      return NULL;
    }
  if (st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                   "The AWS %s file %s is larger than %d MiB",
                   kind == FILE_CONFIG ? "config" : "credentials", path, MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_IO,
                   "Cannot read the AWS %s file %s: %s",
                   kind == FILE_CONFIG ? "config" : "credentials", path, local_error->message);
      return NULL;
    }
  if (len > MAX_FILE_SIZE)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_TOO_LARGE,
                   "The AWS %s file %s is larger than %d MiB",
                   kind == FILE_CONFIG ? "config" : "credentials", path, MAX_FILE_SIZE / (1024 * 1024));
      return NULL;
    }

  file->exists = TRUE;
  parse_text (file, contents, len);
  return g_steal_pointer (&file);
}

/* ---- loading ------------------------------------------------------------- */

static const char *
home_dir (void)
{
  const char *home = g_getenv ("HOME");

  return home != NULL && *home != '\0' ? home : g_get_home_dir ();
}

char *
parley_aws_display_path (const char *path)
{
  const char *home = home_dir ();
  gsize n = strlen (home);

  g_return_val_if_fail (path != NULL, NULL);

  while (n > 1 && home[n - 1] == '/')
    n--;
  if (n > 1 && strncmp (path, home, n) == 0 && path[n] == '/')
    return g_strconcat ("~", path + n, NULL);
  return g_strdup (path);
}

/* AWS_CONFIG_FILE and friends may start with "~/", which the SDKs expand. */
static char *
file_path (const char *env_value,
           const char *default_name)
{
  if (env_value == NULL)
    return g_build_filename (home_dir (), ".aws", default_name, NULL);
  if (strcmp (env_value, "~") == 0)
    return g_strdup (home_dir ());
  if (g_str_has_prefix (env_value, "~/"))
    return g_build_filename (home_dir (), env_value + 2, NULL);
  return g_strdup (env_value);
}

const char *
parley_aws_config_get_env (ParleyAwsConfig *self,
                           const char      *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->env, name);
}

static GHashTable *
profile_table (AwsFile    *file,
               const char *profile)
{
  return file != NULL ? g_hash_table_lookup (file->profiles, profile) : NULL;
}

static Prop *
profile_prop (ParleyAwsConfig  *self,
              const char       *key,
              AwsFile         **file_out)
{
  AwsFile *files[] = { self->credentials_file, self->config_file };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      GHashTable *table = profile_table (files[i], self->profile);
      Prop *prop = table != NULL ? g_hash_table_lookup (table, key) : NULL;

      if (prop != NULL)
        {
          if (file_out != NULL)
            *file_out = files[i];
          return prop;
        }
    }
  return NULL;
}

const char *
parley_aws_config_get_profile_value (ParleyAwsConfig  *self,
                                     const char       *key,
                                     const char      **file_out)
{
  AwsFile *file = NULL;
  Prop *prop;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  prop = profile_prop (self, key, &file);
  if (file_out != NULL)
    *file_out = prop != NULL ? file->display : NULL;
  return prop != NULL ? prop->value : NULL;
}

static const char *
intern (ParleyAwsConfig *self,
        const char      *text)
{
  return g_string_chunk_insert_const (self->strings, text);
}

static const char *
profile_source (ParleyAwsConfig *self,
                AwsFile         *file)
{
  g_autofree char *text = g_strdup_printf ("profile %s (%s)", self->profile, file->display);

  return intern (self, text);
}

/* The environment variable @env, else the profile's @key. */
static const char *
lookup (ParleyAwsConfig  *self,
        const char       *env,
        const char       *key,
        const char      **source_out)
{
  const char *value = env != NULL ? parley_aws_config_get_env (self, env) : NULL;
  AwsFile *file = NULL;
  Prop *prop;

  if (value != NULL)
    {
      *source_out = env;
      return value;
    }
  prop = key != NULL ? profile_prop (self, key, &file) : NULL;
  if (prop != NULL)
    {
      *source_out = profile_source (self, file);
      return prop->value;
    }
  *source_out = NULL;
  return NULL;
}

/* How to name a setting in an error: the variable, or the key and profile. */
static char *
setting_label (const char *env,
               const char *key,
               const char *source)
{
  if (env != NULL && source == env)
    return g_strdup (env);
  return g_strdup_printf ("%s in %s", key, source);
}

static gboolean
read_bool (ParleyAwsConfig  *self,
           const char       *env,
           const char       *key,
           gboolean         *out,
           GError          **error)
{
  const char *source = NULL;
  const char *value = lookup (self, env, key, &source);

  *out = FALSE;
  if (value == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (value, "true") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "false") != 0)
    {
      g_autofree char *label = setting_label (env, key, source);

      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "%s must be true or false, not “%s”", label, value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_count (ParleyAwsConfig  *self,
            const char       *env,
            const char       *key,
            guint             fallback,
            guint             max,
            guint            *out,
            const char      **source_out,
            GError          **error)
{
  const char *source = NULL;
  const char *value = lookup (self, env, key, &source);
  guint64 n = 0;

  *out = fallback;
  if (source_out != NULL)
    *source_out = "default";
  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, 1, max, &n, NULL))
    {
      g_autofree char *label = setting_label (env, key, source);

      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "%s must be a whole number from 1 to %u, not “%s”", label, max, value);
      return FALSE;
    }
  *out = (guint) n;
  if (source_out != NULL)
    *source_out = source;
  return TRUE;
}

/* A region is one DNS label in lower case: "us-east-1", "eu-isoe-west-1". */
static gboolean
is_region (const char *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_islower (s[i]) && !g_ascii_isdigit (s[i]) && s[i] != '-')
      return FALSE;
  return TRUE;
}

static gboolean
check_region (const char  *region,
              const char  *source,
              GError     **error)
{
  if (is_region (region))
    return TRUE;
  g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
               "The AWS region “%s” (from %s) is not a region name: expected lower-case "
               "letters, digits and '-', like us-east-1", region, source);
  return FALSE;
}

/* Checks a configured endpoint; returns it without a trailing '/'. */
static char *
check_endpoint (const char  *url,
                const char  *source,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;
  gsize n;

  for (const char *c = url; *c != '\0'; c++)
    if (g_ascii_iscntrl (*c) || *c == ' ')
      {
        g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                     "The endpoint URL from %s contains a space or a control character", source);
        return NULL;
      }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The endpoint URL “%s” (from %s) is not a valid URL: %s", url, source, local_error->message);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The endpoint URL “%s” (from %s) must start with http:// or https://", url, source);
      return NULL;
    }
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The endpoint URL “%s” (from %s) has no host", url, source);
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "The endpoint URL “%s” (from %s) must not have a user, a query or a fragment", url, source);
      return NULL;
    }

  n = strlen (url);
  while (n > 0 && url[n - 1] == '/')
    n--;
  return g_strndup (url, n);
}

static gboolean
issue_is_fatal (ParleyAwsConfig *self,
                const Issue     *issue)
{
  g_autofree char *profile_id = g_strconcat ("profile:", self->profile, NULL);
  const char *services = NULL;

  if (issue->section == NULL)
    return FALSE;
  if (strcmp (issue->section, profile_id) == 0)
    return TRUE;

  /* The services section the profile names decides its endpoints. */
  if (self->config_file != NULL)
    {
      GHashTable *table = profile_table (self->config_file, self->profile);
      Prop *prop = table != NULL ? g_hash_table_lookup (table, "services") : NULL;

      services = prop != NULL ? prop->value : NULL;
    }
  if (services != NULL && g_str_has_prefix (issue->section, "services:")
      && strcmp (issue->section + strlen ("services:"), services) == 0)
    return TRUE;
  return FALSE;
}

static gboolean
check_issues (ParleyAwsConfig  *self,
              AwsFile          *file,
              GError          **error)
{
  for (guint i = 0; i < file->issues->len; i++)
    {
      const Issue *issue = file->issues->pdata[i];

      if (issue_is_fatal (self, issue))
        {
          g_set_error (error, PARLEY_ERROR,
                       strcmp (issue->message, "not UTF-8 text") == 0 ? PARLEY_ERROR_ENCODING : PARLEY_ERROR_INVALID_INPUT,
                       "%s, line %u: %s (in the section of profile “%s”, which is in use)",
                       file->path, issue->line, issue->message, self->profile);
          return FALSE;
        }
      g_ptr_array_add (self->warnings,
                       g_strdup_printf ("%s, line %u: %s; the line is ignored", file->display, issue->line, issue->message));
    }
  for (guint i = 0; i < file->notes->len; i++)
    g_ptr_array_add (self->warnings, g_strdup (file->notes->pdata[i]));
  return TRUE;
}

static char *
find_hint (ParleyAwsConfig *self)
{
  for (guint i = 0; self->config_file != NULL && i < self->config_file->ignored->len; i++)
    {
      const Ignored *ignored = self->config_file->ignored->pdata[i];

      if (strcmp (ignored->header, self->profile) == 0)
        return g_strdup_printf ("%s has [%s] on line %u, but in the config file a profile is written [profile %s]",
                                self->config_file->display, ignored->header, ignored->line, self->profile);
    }
  for (guint i = 0; self->credentials_file != NULL && i < self->credentials_file->ignored->len; i++)
    {
      const Ignored *ignored = self->credentials_file->ignored->pdata[i];
      g_autofree char *rest = NULL;

      if (word_prefix (ignored->header, "profile", &rest) && strcmp (rest, self->profile) == 0)
        return g_strdup_printf ("%s has [%s] on line %u, but in the credentials file a profile is written [%s]",
                                self->credentials_file->display, ignored->header, ignored->line, self->profile);
    }
  return NULL;
}

static gboolean
load_settings (ParleyAwsConfig  *self,
               GError          **error)
{
  const char *source = NULL;
  const char *value;

  /* Region */
  self->region = lookup (self, "AWS_REGION", NULL, &self->region_source);
  if (self->region == NULL)
    self->region = lookup (self, "AWS_DEFAULT_REGION", "region", &self->region_source);
  if (self->region != NULL && !check_region (self->region, self->region_source, error))
    return FALSE;

  /* Retries */
  if (!read_count (self, "AWS_MAX_ATTEMPTS", "max_attempts", PARLEY_RETRY_DEFAULT_MAX_ATTEMPTS, G_MAXINT,
                   &self->max_attempts, &self->max_attempts_source, error))
    return FALSE;
  self->retry_mode = PARLEY_RETRY_MODE_STANDARD;
  self->retry_mode_source = "default";
  value = lookup (self, "AWS_RETRY_MODE", "retry_mode", &source);
  if (value != NULL)
    {
      if (!parley_retry_mode_parse (value, &self->retry_mode, NULL))
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "The retry mode “%s” (from %s) is not one of standard, adaptive or legacy",
                       value, source);
          return FALSE;
        }
      self->retry_mode_source = source;
    }

  /* Endpoints */
  if (!read_bool (self, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls",
                  &self->ignore_endpoints, error)
      || !read_bool (self, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", &self->use_fips, error)
      || !read_bool (self, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", &self->use_dualstack, error))
    return FALSE;

  /* Instance metadata */
  if (!read_bool (self, "AWS_EC2_METADATA_DISABLED", NULL, &self->imds_disabled, error))
    return FALSE;
  value = lookup (self, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint", &source);
  if (value != NULL)
    {
      self->imds_endpoint = check_endpoint (value, source, error);
      if (self->imds_endpoint == NULL)
        return FALSE;
      self->imds_endpoint_source = source;
    }
  else
    {
      value = lookup (self, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode", &source);
      if (value == NULL || g_ascii_strcasecmp (value, "IPv4") == 0)
        self->imds_endpoint = g_strdup ("http://169.254.169.254");
      else if (g_ascii_strcasecmp (value, "IPv6") == 0)
        self->imds_endpoint = g_strdup ("http://[fd00:ec2::254]");
      else
        {
          g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                       "The metadata service endpoint mode “%s” (from %s) is not IPv4 or IPv6", value, source);
          return FALSE;
        }
      self->imds_endpoint_source = value != NULL ? source : "default";
    }
  if (!read_count (self, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 1, 3600,
                   &self->metadata_timeout, NULL, error)
      || !read_count (self, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", 1, 100,
                      &self->metadata_attempts, NULL, error))
    return FALSE;

  return TRUE;
}

ParleyAwsConfig *
parley_aws_config_load (GError **error)
{
  g_autoptr(ParleyAwsConfig) self = g_new0 (ParleyAwsConfig, 1);
  g_auto(GStrv) environ_ = g_get_environ ();
  g_autofree char *config_path = NULL;
  g_autofree char *credentials_path = NULL;
  const char *profile;

  g_atomic_ref_count_init (&self->ref_count);
  self->env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->strings = g_string_chunk_new (256);
  self->warnings = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; environ_[i] != NULL; i++)
    {
      const char *eq = strchr (environ_[i], '=');

      /* Bytes that are not UTF-8 become U+FFFD: such a value then fails
       * validation like any other bad one, and never reaches a message as
       * invalid text. */
      if (eq != NULL && g_str_has_prefix (environ_[i], "AWS_") && eq[1] != '\0')
        g_hash_table_replace (self->env, g_strndup (environ_[i], eq - environ_[i]), g_utf8_make_valid (eq + 1, -1));
    }

  if ((profile = parley_aws_config_get_env (self, "AWS_PROFILE")) != NULL)
    self->profile_source = "AWS_PROFILE";
  else if ((profile = parley_aws_config_get_env (self, "AWS_DEFAULT_PROFILE")) != NULL)
    self->profile_source = "AWS_DEFAULT_PROFILE";
  else
    {
      profile = "default";
      self->profile_source = "default";
    }
  self->profile = g_strdup (profile);

  config_path = file_path (parley_aws_config_get_env (self, "AWS_CONFIG_FILE"), "config");
  credentials_path = file_path (parley_aws_config_get_env (self, "AWS_SHARED_CREDENTIALS_FILE"), "credentials");
  self->config_file = read_file (FILE_CONFIG, config_path, error);
  if (self->config_file == NULL)
    return NULL;
  self->credentials_file = read_file (FILE_CREDENTIALS, credentials_path, error);
  if (self->credentials_file == NULL)
    return NULL;
  if (!check_issues (self, self->credentials_file, error) || !check_issues (self, self->config_file, error))
    return NULL;
  g_ptr_array_add (self->warnings, NULL);

  if (!parley_aws_config_has_profile (self))
    self->profile_hint = find_hint (self);

  if (!load_settings (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

ParleyAwsConfig *
parley_aws_config_ref (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
parley_aws_config_unref (ParleyAwsConfig *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->env, g_hash_table_unref);
  g_clear_pointer (&self->strings, g_string_chunk_free);
  g_clear_pointer (&self->config_file, aws_file_free);
  g_clear_pointer (&self->credentials_file, aws_file_free);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self->profile);
  g_free (self->profile_hint);
  g_free (self->imds_endpoint);
  g_free (self);
}

/* ---- accessors ----------------------------------------------------------- */

const char *
parley_aws_config_get_profile_name (ParleyAwsConfig  *self,
                                    const char      **source_out)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (source_out != NULL)
    *source_out = self->profile_source;
  return self->profile;
}

gboolean
parley_aws_config_has_profile (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return profile_table (self->config_file, self->profile) != NULL
         || profile_table (self->credentials_file, self->profile) != NULL;
}

const char *
parley_aws_config_get_profile_hint (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->profile_hint;
}

const char *
parley_aws_config_get_config_file (ParleyAwsConfig *self,
                                   gboolean        *exists)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (exists != NULL)
    *exists = self->config_file->exists;
  return self->config_file->path;
}

const char *
parley_aws_config_get_credentials_file (ParleyAwsConfig *self,
                                        gboolean        *exists)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (exists != NULL)
    *exists = self->credentials_file->exists;
  return self->credentials_file->path;
}

const char * const *
parley_aws_config_get_warnings (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char * const *) self->warnings->pdata;
}

const char *
parley_aws_config_get_region (ParleyAwsConfig  *self,
                              const char      **source_out)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (source_out != NULL)
    *source_out = self->region_source;
  return self->region;
}

guint
parley_aws_config_get_max_attempts (ParleyAwsConfig  *self,
                                    const char      **source_out)
{
  g_return_val_if_fail (self != NULL, PARLEY_RETRY_DEFAULT_MAX_ATTEMPTS);

  if (source_out != NULL)
    *source_out = self->max_attempts_source;
  return self->max_attempts;
}

ParleyRetryMode
parley_aws_config_get_retry_mode (ParleyAwsConfig  *self,
                                  const char      **source_out)
{
  g_return_val_if_fail (self != NULL, PARLEY_RETRY_MODE_STANDARD);

  if (source_out != NULL)
    *source_out = self->retry_mode_source;
  return self->retry_mode;
}

gboolean
parley_aws_config_get_imds_disabled (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->imds_disabled;
}

const char *
parley_aws_config_get_imds_endpoint (ParleyAwsConfig  *self,
                                     const char      **source_out)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (source_out != NULL)
    *source_out = self->imds_endpoint_source;
  return self->imds_endpoint;
}

guint
parley_aws_config_get_metadata_timeout (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->metadata_timeout;
}

guint
parley_aws_config_get_metadata_attempts (ParleyAwsConfig *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->metadata_attempts;
}

/* ---- endpoints ----------------------------------------------------------- */

/* The DNS suffixes of the partition a region is in (the SDKs' partitions.json). */
static void
partition_suffixes (const char  *region,
                    const char **dns_suffix,
                    const char **dualstack_suffix)
{
  static const struct {
    const char *prefix;
    const char *dns;
    const char *dualstack;
  } partitions[] = {
    { "cn-",      "amazonaws.com.cn", "api.amazonwebservices.com.cn" },
    { "us-gov-",  "amazonaws.com",    "api.aws" },
    { "us-iso-",  "c2s.ic.gov",       NULL },
    { "us-isob-", "sc2s.sgov.gov",    NULL },
    { "eu-isoe-", "cloud.adc-e.uk",   NULL },
    { "us-isof-", "csp.hci.ic.gov",   NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (partitions); i++)
    if (g_str_has_prefix (region, partitions[i].prefix))
      {
        *dns_suffix = partitions[i].dns;
        *dualstack_suffix = partitions[i].dualstack;
        return;
      }
  *dns_suffix = "amazonaws.com";
  *dualstack_suffix = "api.aws";
}

/* The profile's services section's setting for one service:
 * `services = NAME` and `[services NAME]` / `bedrock_runtime =` /
 * `  endpoint_url = …`. */
static const char *
services_endpoint (ParleyAwsConfig  *self,
                   const char       *service_env_id,
                   const char      **source_out)
{
  GHashTable *profile = profile_table (self->config_file, self->profile);
  Prop *services = profile != NULL ? g_hash_table_lookup (profile, "services") : NULL;
  g_autofree char *key = g_ascii_strdown (service_env_id, -1);
  g_autofree char *source = NULL;
  GHashTable *section;
  Prop *service;
  const char *url;

  if (services == NULL)
    return NULL;
  section = g_hash_table_lookup (self->config_file->services, services->value);
  service = section != NULL ? g_hash_table_lookup (section, key) : NULL;
  url = service != NULL && service->sub != NULL ? g_hash_table_lookup (service->sub, "endpoint_url") : NULL;
  if (url == NULL)
    return NULL;
  source = g_strdup_printf ("profile %s, [services %s] %s (%s)", self->profile, services->value, key,
                            self->config_file->display);
  *source_out = intern (self, source);
  return url;
}

char *
parley_aws_config_get_endpoint (ParleyAwsConfig  *self,
                                const char       *service_env_id,
                                const char       *endpoint_prefix,
                                const char       *region,
                                const char      **source_out,
                                GError          **error)
{
  const char *region_source = "the caller";
  const char *source = NULL;
  const char *url = NULL;
  const char *dns = NULL;
  const char *dualstack = NULL;
  char *result;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (service_env_id != NULL && *service_env_id != '\0', NULL);
  g_return_val_if_fail (endpoint_prefix != NULL && *endpoint_prefix != '\0', NULL);

  if (!self->ignore_endpoints)
    {
      g_autofree char *var = g_strconcat ("AWS_ENDPOINT_URL_", service_env_id, NULL);

      if ((url = parley_aws_config_get_env (self, var)) != NULL)
        source = intern (self, var);
      else if ((url = parley_aws_config_get_env (self, "AWS_ENDPOINT_URL")) != NULL)
        source = "AWS_ENDPOINT_URL";
      else if ((url = services_endpoint (self, service_env_id, &source)) == NULL)
        url = lookup (self, NULL, "endpoint_url", &source);
    }
  if (url != NULL)
    {
      result = check_endpoint (url, source, error);
      if (result != NULL && source_out != NULL)
        *source_out = source;
      return result;
    }

  if (region == NULL)
    {
      region = self->region;
      region_source = self->region_source;
    }
  if (region == NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_INVALID_INPUT,
                   "No AWS region is configured: set AWS_REGION, or region in profile %s", self->profile);
      return NULL;
    }
  if (!check_region (region, region_source, error))
    return NULL;

  partition_suffixes (region, &dns, &dualstack);
  if (self->use_dualstack && dualstack == NULL)
    {
      g_set_error (error, PARLEY_ERROR, PARLEY_ERROR_UNSUPPORTED,
                   "Dual-stack endpoints are not available in the partition of region %s", region);
      return NULL;
    }
  result = g_strdup_printf ("https://%s%s.%s.%s", endpoint_prefix, self->use_fips ? "-fips" : "", region,
                            self->use_dualstack ? dualstack : dns);
  if (source_out != NULL)
    *source_out = "default";
  return result;
}

/* ---- doctor -------------------------------------------------------------- */

static void
describe_endpoint (ParleyAwsConfig *self,
                   GString         *out,
                   const char      *env_id,
                   const char      *prefix)
{
  g_autoptr(GError) error = NULL;
  const char *source = NULL;
  g_autofree char *url = parley_aws_config_get_endpoint (self, env_id, prefix, NULL, &source, &error);

  if (url != NULL)
    g_string_append_printf (out, "endpoint %s: %s (%s)\n", prefix, url, source);
  else
    g_string_append_printf (out, "endpoint %s: none (%s)\n", prefix, error->message);
}

char *
parley_aws_config_describe (ParleyAwsConfig *self)
{
  GString *out = g_string_new (NULL);
  g_autofree char *config_display = NULL;
  g_autofree char *credentials_display = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  config_display = parley_aws_display_path (self->config_file->path);
  credentials_display = parley_aws_display_path (self->credentials_file->path);

  g_string_append_printf (out, "profile: %s%s%s%s\n", self->profile,
                          strcmp (self->profile_source, "default") != 0 ? " (" : "",
                          strcmp (self->profile_source, "default") != 0 ? self->profile_source : "",
                          strcmp (self->profile_source, "default") != 0 ? ")" : "");
  if (!parley_aws_config_has_profile (self))
    g_string_append (out, "  not found in either file\n");
  if (self->profile_hint != NULL)
    g_string_append_printf (out, "  hint: %s\n", self->profile_hint);
  g_string_append_printf (out, "config file: %s%s\n", config_display,
                          self->config_file->exists ? "" : " (not found)");
  g_string_append_printf (out, "credentials file: %s%s\n", credentials_display,
                          self->credentials_file->exists ? "" : " (not found)");
  if (self->region != NULL)
    g_string_append_printf (out, "region: %s (%s)\n", self->region, self->region_source);
  else
    g_string_append (out, "region: none (set AWS_REGION or region in the profile)\n");
  describe_endpoint (self, out, "BEDROCK_RUNTIME", "bedrock-runtime");
  describe_endpoint (self, out, "BEDROCK_AGENT_RUNTIME", "bedrock-agent-runtime");
  if (self->ignore_endpoints)
    g_string_append (out, "configured endpoint URLs: ignored (ignore_configured_endpoint_urls)\n");
  g_string_append_printf (out, "retry mode: %s (%s)\n", parley_retry_mode_to_string (self->retry_mode),
                          self->retry_mode_source);
  g_string_append_printf (out, "max attempts: %u (%s)\n", self->max_attempts, self->max_attempts_source);
  if (self->imds_disabled)
    g_string_append (out, "instance metadata: disabled (AWS_EC2_METADATA_DISABLED)\n");
  else
    g_string_append_printf (out, "instance metadata: %s (%s), timeout %u s, %u attempt%s\n",
                            self->imds_endpoint, self->imds_endpoint_source, self->metadata_timeout,
                            self->metadata_attempts, self->metadata_attempts == 1 ? "" : "s");
  for (guint i = 0; i + 1 < self->warnings->len; i++)
    g_string_append_printf (out, "warning: %s\n", (const char *) self->warnings->pdata[i]);

  return g_string_free (out, FALSE);
}
