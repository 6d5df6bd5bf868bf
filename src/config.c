/* Schema-driven configuration: load, check, write back and fingerprint
 * libconfig files (see include/cdrl/config.h).
 *
 * libconfig parses; everything a user can get wrong is judged here, against
 * the schema, so that each mistake becomes one line naming where the value
 * came from. Values are parsed into the caller's structs as they are read
 * (the type must be right at once) but ranges, choices and validators are
 * checked only after the file and every override are applied, so a bad value
 * in a file that --set replaces is no error. */
#include "cdrl/config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdrl/file.h"

/* Config files are small text files; anything larger is a mistake. */
#define CONFIG_MAX_BYTES ((size_t)1 << 20)
#define PATH_TEXT_MAX 256
#define VALUE_TEXT_MAX (4 * CDRL_CFG_STR_MAX + 64) /* every byte escaped as \xNN */
#define WHY_MAX 512

/* A key of some section together with the struct it fills. */
typedef struct {
    const cdrl_cfg_key *key;
    void *dst;
} bound_key;

/* Where a key's current value came from, for error messages. */
typedef enum { FROM_DEFAULT, FROM_FILE, FROM_OVERRIDE } source_kind;

typedef struct {
    source_kind kind;
    int line;     /* FROM_FILE */
    int override; /* FROM_OVERRIDE: index into the overrides */
} source;

typedef struct {
    bound_key *keys;
    source *sources;
    int n;
    const char *name; /* the file, for messages */
    const char *const *overrides;
} loader;

static void *field(const bound_key *b)
{
    return (char *)b->dst + b->key->offset;
}

/* ---- The schema ---------------------------------------------------------- */

static int path_is_prefix_of(const char *group, const char *path)
{
    size_t n = strlen(group);
    return strncmp(path, group, n) == 0 && path[n] == '.';
}

/* Flattens the sections into one key list and rejects schemas that cannot
 * work: a path used twice, a path that is both a key and a group, a choice
 * key without choices. These are programming errors, reported like the rest. */
static int flatten(const cdrl_cfg_section *sections, int n_sections, bound_key **out, int *n_out,
                   cdrl_error *err)
{
    int n = 0;
    *out = NULL;
    *n_out = 0;
    for (int s = 0; s < n_sections; s++)
        n += sections[s].n_keys;
    bound_key *keys = calloc(n ? (size_t)n : 1, sizeof *keys);
    if (!keys)
        return cdrl_errorf(err, CDRL_ENOMEM, "config: out of memory");
    int k = 0;
    for (int s = 0; s < n_sections; s++)
        for (int i = 0; i < sections[s].n_keys; i++, k++) {
            keys[k].key = &sections[s].keys[i];
            keys[k].dst = sections[s].dst;
        }
    for (int i = 0; i < n; i++) {
        const cdrl_cfg_key *a = keys[i].key;
        const char *problem = NULL;
        if (!a->path || !a->path[0] || strlen(a->path) >= PATH_TEXT_MAX)
            problem = "has no path or too long a one";
        else if (a->type == CDRL_CFG_CHOICE && (!a->choices || !a->choices[0]))
            problem = "is a choice without choices";
        else if (!a->default_text)
            problem = "has no default";
        for (int j = 0; j < i && !problem; j++) {
            const char *b = keys[j].key->path;
            if (strcmp(a->path, b) == 0)
                problem = "appears twice";
            else if (path_is_prefix_of(a->path, b) || path_is_prefix_of(b, a->path))
                problem = "is both a key and a group";
        }
        if (problem) {
            free(keys);
            return cdrl_errorf(err, CDRL_EINVAL, "config schema: key '%s' %s",
                               a->path ? a->path : "(null)", problem);
        }
    }
    *out = keys;
    *n_out = n;
    return 0;
}

static int find_key(const loader *L, const char *path)
{
    for (int i = 0; i < L->n; i++)
        if (strcmp(L->keys[i].key->path, path) == 0)
            return i;
    return -1;
}

/* The first key inside group `path`, or NULL if `path` is no group. */
static const char *first_key_in_group(const bound_key *keys, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (path_is_prefix_of(path, keys[i].key->path))
            return keys[i].key->path;
    return NULL;
}

/* ---- Texts for messages -------------------------------------------------- */

/* Shortest "%.Ng" text that reads back as exactly `v`, always with a '.' or
 * an exponent so that libconfig reads it as a float and not an integer. */
static void format_double(double v, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEni"))
        strncat(buf, ".0", size - strlen(buf) - 1);
}

static void format_number(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.10g", v);
}

/* "[1, 4096]", "(0, 1]", ">= 0", or "" when unbounded. */
static void range_text(const cdrl_cfg_key *k, char *buf, size_t size)
{
    char lo[40], hi[40];
    format_number(k->min, lo, sizeof lo);
    format_number(k->max, hi, sizeof hi);
    int has_min = (k->range & (CDRL_CFG_MIN | CDRL_CFG_MIN_EXCL)) != 0;
    int has_max = (k->range & (CDRL_CFG_MAX | CDRL_CFG_MAX_EXCL)) != 0;
    const char *open = (k->range & CDRL_CFG_MIN_EXCL) ? "(" : "[";
    const char *close = (k->range & CDRL_CFG_MAX_EXCL) ? ")" : "]";
    if (has_min && has_max)
        snprintf(buf, size, "%s%s, %s%s", open, lo, hi, close);
    else if (has_min)
        snprintf(buf, size, "%s %s", (k->range & CDRL_CFG_MIN_EXCL) ? ">" : ">=", lo);
    else if (has_max)
        snprintf(buf, size, "%s %s", (k->range & CDRL_CFG_MAX_EXCL) ? "<" : "<=", hi);
    else
        buf[0] = '\0';
}

/* What a key accepts, as a phrase: "an integer in [1, 4096]", "true or false". */
static void expected_text(const cdrl_cfg_key *k, char *buf, size_t size)
{
    char range[100];
    range_text(k, range, sizeof range);
    const char *glue = range[0] == '[' || range[0] == '(' ? " in " : range[0] ? " " : "";
    switch (k->type) {
    case CDRL_CFG_INT:
    case CDRL_CFG_INT64:
        snprintf(buf, size, "an integer%s%s", glue, range);
        break;
    case CDRL_CFG_FLOAT:
        snprintf(buf, size, "a number%s%s", glue, range);
        break;
    case CDRL_CFG_BOOL:
        snprintf(buf, size, "true or false");
        break;
    case CDRL_CFG_STRING:
        snprintf(buf, size, "a string of at most %d bytes", CDRL_CFG_STR_MAX - 1);
        break;
    case CDRL_CFG_CHOICE:
        snprintf(buf, size, "one of %s", k->choices);
        break;
    }
}

/* A string as a libconfig literal: quoted, with \\ \" and control bytes escaped. */
static void quote_string(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    if (size < 3) {
        buf[0] = '\0';
        return;
    }
    buf[o++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c && o + 6 < size; c++) {
        if (*c == '"' || *c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*c;
        } else if (*c == '\n') {
            buf[o++] = '\\', buf[o++] = 'n';
        } else if (*c == '\t') {
            buf[o++] = '\\', buf[o++] = 't';
        } else if (*c < 0x20 || *c == 0x7f) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *c);
        } else {
            buf[o++] = (char)*c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

/* The canonical text of a key's current value, as it is written to files and
 * hashed: loading this text gives back exactly the same value. */
static void value_text(const bound_key *b, char *buf, size_t size)
{
    const void *f = field(b);
    switch (b->key->type) {
    case CDRL_CFG_INT:
        snprintf(buf, size, "%d", *(const int *)f);
        break;
    case CDRL_CFG_INT64: {
        long long v = (long long)*(const int64_t *)f;
        /* libconfig reads integers beyond 32 bits only with the L suffix. */
        snprintf(buf, size, "%lld%s", v, v > INT_MAX || v < INT_MIN ? "L" : "");
        break;
    }
    case CDRL_CFG_FLOAT:
        format_double(*(const double *)f, buf, size);
        break;
    case CDRL_CFG_BOOL:
        snprintf(buf, size, "%s", *(const int *)f ? "true" : "false");
        break;
    case CDRL_CFG_STRING:
    case CDRL_CFG_CHOICE:
        quote_string((const char *)f, buf, size);
        break;
    }
}

/* A setting's value as the file wrote it, roughly, for "got ..." messages. */
static void setting_text(const config_setting_t *s, char *buf, size_t size)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, size, "%lld", (long long)config_setting_get_int64(s));
        break;
    case CONFIG_TYPE_FLOAT:
        format_double(config_setting_get_float(s), buf, size);
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, size, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING:
        quote_string(config_setting_get_string(s), buf, size);
        break;
    case CONFIG_TYPE_GROUP:
        snprintf(buf, size, "{ ... }");
        break;
    case CONFIG_TYPE_ARRAY:
        snprintf(buf, size, "[ ... ]");
        break;
    default:
        snprintf(buf, size, "( ... )");
        break;
    }
}

/* ---- Did you mean --------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na >= PATH_TEXT_MAX || nb >= PATH_TEXT_MAX)
        return (size_t)-1;
    size_t prev[PATH_TEXT_MAX + 1], cur[PATH_TEXT_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (nb + 1) * sizeof *prev);
    }
    return prev[nb];
}

static const char *last_part(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* The nearest key by edit distance of the whole path, or of the last part
 * plus one (so "lr" at the top level finds "agent.lr"); near enough means
 * within a third of the path's length, at least 2. */
static const char *nearest_key(const bound_key *keys, int n, const char *path)
{
    const char *best = NULL;
    size_t best_score = (size_t)-1;
    for (int i = 0; i < n; i++) {
        const char *cand = keys[i].key->path;
        size_t whole = edit_distance(path, cand);
        size_t part = edit_distance(last_part(path), last_part(cand));
        size_t score = whole < part + 1 ? whole : part + 1;
        if (score < best_score) {
            best_score = score;
            best = cand;
        }
    }
    size_t limit = strlen(path) / 3;
    if (limit < 2)
        limit = 2;
    return best_score <= limit ? best : NULL;
}

int cdrl_config_suggest(const cdrl_cfg_section *sections, int n_sections, const char *path,
                        char *out, size_t out_size)
{
    bound_key *keys;
    int n;
    if (out_size)
        out[0] = '\0';
    if (flatten(sections, n_sections, &keys, &n, NULL))
        return 0;
    const char *best = nearest_key(keys, n, path);
    if (best && out_size)
        snprintf(out, out_size, "%s", best);
    free(keys);
    return best != NULL;
}

/* "unknown key 'x' (did you mean 'y'?)" */
static void unknown_key_text(const loader *L, const char *path, char *buf, size_t size)
{
    const char *near = nearest_key(L->keys, L->n, path);
    if (near)
        snprintf(buf, size, "unknown key '%s' (did you mean '%s'?)", path, near);
    else
        snprintf(buf, size, "unknown key '%s'", path);
}

/* ---- Setting values ------------------------------------------------------- */

static int store_int64(const bound_key *b, long long v)
{
    if (b->key->type == CDRL_CFG_INT) {
        if (v < INT_MIN || v > INT_MAX)
            return -1;
        *(int *)field(b) = (int)v;
    } else {
        *(int64_t *)field(b) = (int64_t)v;
    }
    return 0;
}

static int store_string(const bound_key *b, const char *s, size_t len)
{
    if (len >= CDRL_CFG_STR_MAX || memchr(s, '\0', len))
        return -1;
    char *dst = field(b);
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

/* Parses `text` as written on a command line or as a schema default. Returns
 * 0, or -1 if the text is not of the key's type. */
static int set_from_text(const bound_key *b, const char *text)
{
    char *end;
    size_t len = strlen(text);
    switch (b->key->type) {
    case CDRL_CFG_INT:
    case CDRL_CFG_INT64: {
        if (len == 0 || isspace((unsigned char)text[0]))
            return -1;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || *end)
            return -1;
        return store_int64(b, v);
    }
    case CDRL_CFG_FLOAT: {
        if (len == 0 || isspace((unsigned char)text[0]))
            return -1;
        errno = 0;
        double v = strtod(text, &end);
        if (errno == ERANGE && fabs(v) > 1)
            return -1;
        if (*end || !isfinite(v))
            return -1;
        *(double *)field(b) = v;
        return 0;
    }
    case CDRL_CFG_BOOL:
        if (strcasecmp(text, "true") == 0)
            *(int *)field(b) = 1;
        else if (strcasecmp(text, "false") == 0)
            *(int *)field(b) = 0;
        else
            return -1;
        return 0;
    case CDRL_CFG_STRING:
    case CDRL_CFG_CHOICE:
        /* Quotes are optional on the command line: --set a="x" and --set a=x. */
        if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
            return store_string(b, text + 1, len - 2);
        return store_string(b, text, len);
    }
    return -1;
}

/* Reads a parsed libconfig setting into the key's field. Returns 0, or -1 if
 * the setting's type does not fit the key. */
static int set_from_setting(const bound_key *b, const config_setting_t *s)
{
    int type = config_setting_type(s);
    switch (b->key->type) {
    case CDRL_CFG_INT:
    case CDRL_CFG_INT64:
        if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
            return -1;
        return store_int64(b, config_setting_get_int64(s));
    case CDRL_CFG_FLOAT:
        if (type == CONFIG_TYPE_FLOAT)
            *(double *)field(b) = config_setting_get_float(s);
        else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
            *(double *)field(b) = (double)config_setting_get_int64(s);
        else
            return -1;
        return isfinite(*(double *)field(b)) ? 0 : -1;
    case CDRL_CFG_BOOL:
        if (type != CONFIG_TYPE_BOOL)
            return -1;
        *(int *)field(b) = config_setting_get_bool(s) != 0;
        return 0;
    case CDRL_CFG_STRING:
    case CDRL_CFG_CHOICE: {
        if (type != CONFIG_TYPE_STRING)
            return -1;
        const char *v = config_setting_get_string(s);
        return store_string(b, v, strlen(v));
    }
    }
    return -1;
}

static int is_choice(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

/* Whether `v` lies within the ends of [min, max] that `k->range` names. */
static int in_range(const cdrl_cfg_key *k, double v)
{
    return !(((k->range & CDRL_CFG_MIN) && !(v >= k->min)) ||
             ((k->range & CDRL_CFG_MIN_EXCL) && !(v > k->min)) ||
             ((k->range & CDRL_CFG_MAX) && !(v <= k->max)) ||
             ((k->range & CDRL_CFG_MAX_EXCL) && !(v < k->max)));
}

/* Checks range, choice and validator. Returns 0, or -1 with `why` filled. */
static int check_value(const bound_key *b, char *why, size_t size)
{
    const cdrl_cfg_key *k = b->key;
    const void *f = field(b);
    double v;
    switch (k->type) {
    case CDRL_CFG_INT:
        v = *(const int *)f;
        break;
    case CDRL_CFG_INT64:
        v = (double)*(const int64_t *)f;
        break;
    case CDRL_CFG_FLOAT:
        v = *(const double *)f;
        break;
    case CDRL_CFG_CHOICE:
        if (is_choice(k->choices, f))
            return 0;
        snprintf(why, size, "accepted %s", k->choices);
        return -1;
    case CDRL_CFG_STRING:
        if (k->validate) {
            cdrl_error verr;
            cdrl_error_clear(&verr);
            if (k->validate(f, &verr)) {
                snprintf(why, size, "%.400s", verr.msg[0] ? verr.msg : "rejected");
                return -1;
            }
        }
        return 0;
    default:
        return 0;
    }
    char range[100];
    if (!in_range(k, v)) {
        range_text(k, range, sizeof range);
        snprintf(why, size, "out of range, accepted %s", range);
        return -1;
    }
    if (k->type != CDRL_CFG_FLOAT)
        return 0;
    /* Agents keep these values as float: 1e-50 passes (0, 1] as a double and
     * reaches Adam as 0, 1e39 becomes inf. Refuse them here, naming the key,
     * rather than later in a message that does not. */
    float stored = (float)v;
    if (isfinite(stored) && (v == 0 || fabsf(stored) >= FLT_MIN) && in_range(k, (double)stored))
        return 0;
    range_text(k, range, sizeof range);
    snprintf(why, size, "%s as a 32-bit float (normal floats are %g to %g in size), accepted %s",
             !isfinite(stored) ? "overflows" : fabsf(stored) < FLT_MIN ? "underflows" : "out of range",
             (double)FLT_MIN, (double)FLT_MAX, range[0] ? range : "any such number");
    return -1;
}

/* ---- Reading a file -------------------------------------------------------- */

/* libconfig's @include would read any file the text names; a config is one
 * file. Returns the 1-based line of an @include, or 0 if there is none. */
static int include_line(const char *text)
{
    int line = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
        } else if (*p == '@' && strncasecmp(p, "@include", 8) == 0) {
            return line;
        }
    }
    return 0;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '*' || c == '-';
}

/* libconfig 1.5 silently wraps decimal integers beyond 32 bits unless they end
 * in L (5000000000 reads as 705032704). Appends the L to every such literal,
 * outside strings and comments, so that the value reaches the range checks
 * intact; a literal beyond 64 bits is an error. Returns a malloc'd copy (line
 * numbers unchanged) or NULL with `err` filled. */
static char *widen_integers(const char *text, const char *name, cdrl_error *err)
{
    size_t n = strlen(text);
    char *out = malloc(2 * n + 1); /* at most one L per two bytes ("1 " -> "1L ") */
    if (!out) {
        cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    size_t o = 0;
    int line = 1;
    for (size_t i = 0; i < n;) {
        char c = text[i];
        if (c == '\n')
            line++;
        if (c == '"') { /* a string: copy to its closing quote */
            out[o++] = text[i++];
            while (i < n && text[i] != '"') {
                if (text[i] == '\n')
                    line++;
                if (text[i] == '\\' && i + 1 < n)
                    out[o++] = text[i++];
                out[o++] = text[i++];
            }
            if (i < n)
                out[o++] = text[i++];
            continue;
        }
        if (c == '#' || (c == '/' && i + 1 < n && text[i + 1] == '/')) {
            while (i < n && text[i] != '\n')
                out[o++] = text[i++];
            continue;
        }
        if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            out[o++] = text[i++];
            out[o++] = text[i++];
            while (i < n && !(text[i] == '*' && i + 1 < n && text[i + 1] == '/')) {
                if (text[i] == '\n')
                    line++;
                out[o++] = text[i++];
            }
            continue; /* the closing star-slash is copied as ordinary bytes */
        }
        if (is_name_char(c) && !isdigit((unsigned char)c) && c != '-') {
            while (i < n && is_name_char(text[i])) /* a setting name, digits and all */
                out[o++] = text[i++];
            continue;
        }
        if (isdigit((unsigned char)c) || (c == '.' && i + 1 < n && isdigit((unsigned char)text[i + 1]))) {
            /* A whole number token: digits, letters (hex, L, exponent), a
             * decimal point, and an exponent's sign. */
            size_t start = i;
            while (i < n && (isalnum((unsigned char)text[i]) || text[i] == '.' ||
                             ((text[i] == '+' || text[i] == '-') && (text[i - 1] == 'e' || text[i - 1] == 'E'))))
                i++;
            int plain = 1; /* only decimal digits: not a float, not hex, not already L */
            for (size_t j = start; j < i; j++)
                plain &= isdigit((unsigned char)text[j]) != 0;
            memcpy(out + o, text + start, i - start);
            o += i - start;
            if (plain) {
                errno = 0;
                unsigned long long v = strtoull(text + start, NULL, 10);
                if (errno == ERANGE || v > (unsigned long long)LLONG_MAX + 1ull) {
                    free(out);
                    cdrl_errorf(err, CDRL_EINVAL, "%s:%d: integer %.*s is too large (beyond 64 bits)",
                                name, line, (int)(i - start < 40 ? i - start : 40), text + start);
                    return NULL;
                }
                if (v > (unsigned long long)INT_MAX)
                    out[o++] = 'L';
            }
            continue;
        }
        out[o++] = text[i++];
    }
    out[o] = '\0';
    return out;
}

/* Applies every setting under `group` (path `prefix`, "" at the root). */
static int walk(loader *L, const config_setting_t *group, const char *prefix, cdrl_error *err)
{
    int count = config_setting_length(group);
    for (int i = 0; i < count; i++) {
        const config_setting_t *s = config_setting_get_elem(group, i);
        const char *name = config_setting_name(s);
        int line = config_setting_source_line(s);
        char path[PATH_TEXT_MAX], why[WHY_MAX], expected[WHY_MAX], got[VALUE_TEXT_MAX];
        int n = snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", name ? name : "");
        if (n < 0 || (size_t)n >= sizeof path)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: unknown key '%.60s...' (too long)", L->name,
                               line, path);
        int k = find_key(L, path);
        const char *inside = first_key_in_group(L->keys, L->n, path);
        if (k < 0 && config_setting_is_group(s) && inside) {
            int rc = walk(L, s, path, err);
            if (rc)
                return rc;
            continue;
        }
        if (k < 0 && inside)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: '%s' is a group of keys such as %s; write %s: { ... };",
                               L->name, line, path, inside, path);
        if (k < 0) {
            unknown_key_text(L, path, why, sizeof why);
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s", L->name, line, why);
        }
        if (set_from_setting(&L->keys[k], s)) {
            expected_text(L->keys[k].key, expected, sizeof expected);
            setting_text(s, got, sizeof got);
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s = %s: expects %s", L->name, line, path,
                               got, expected);
        }
        L->sources[k].kind = FROM_FILE;
        L->sources[k].line = line;
    }
    return 0;
}

static int apply_text(loader *L, const char *text, cdrl_error *err)
{
    int line = include_line(text);
    if (line)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: @include is not supported; put every key in one file",
                           L->name, line);
    char *wide = widen_integers(text, L->name, err);
    if (!wide)
        return err ? err->code : CDRL_EINVAL;
    config_t cfg;
    config_init(&cfg);
    int rc = 0;
    if (!config_read_string(&cfg, wide)) {
        const char *what = config_error_text(&cfg);
        rc = cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s", L->name, config_error_line(&cfg),
                         what ? what : "syntax error");
    } else {
        rc = walk(L, config_root_setting(&cfg), "", err);
    }
    config_destroy(&cfg);
    free(wide);
    return rc;
}

/* ---- Overrides -------------------------------------------------------------- */

static int apply_override(loader *L, int index, cdrl_error *err)
{
    const char *arg = L->overrides[index];
    const char *eq = strchr(arg, '=');
    char path[PATH_TEXT_MAX], why[WHY_MAX];
    if (!eq || eq == arg)
        return cdrl_errorf(err, CDRL_EINVAL, "--set %s: expected key=value, e.g. --set agent.lr=3e-4", arg);
    size_t len = (size_t)(eq - arg);
    if (len >= sizeof path)
        return cdrl_errorf(err, CDRL_EINVAL, "--set %.60s...: unknown key (too long)", arg);
    memcpy(path, arg, len);
    path[len] = '\0';
    int k = find_key(L, path);
    if (k < 0) {
        const char *inside = first_key_in_group(L->keys, L->n, path);
        if (inside)
            return cdrl_errorf(err, CDRL_EINVAL, "--set %s: '%s' is a group of keys; set one of them, e.g. %s",
                               arg, path, inside);
        unknown_key_text(L, path, why, sizeof why);
        return cdrl_errorf(err, CDRL_EINVAL, "--set %s: %s", arg, why);
    }
    if (set_from_text(&L->keys[k], eq + 1)) {
        expected_text(L->keys[k].key, why, sizeof why);
        return cdrl_errorf(err, CDRL_EINVAL, "--set %s: %s expects %s", arg, path, why);
    }
    L->sources[k].kind = FROM_OVERRIDE;
    L->sources[k].override = index;
    return 0;
}

/* ---- Loading ---------------------------------------------------------------- */

static int check_all(const loader *L, cdrl_error *err)
{
    for (int k = 0; k < L->n; k++) {
        char why[WHY_MAX], value[VALUE_TEXT_MAX];
        const bound_key *b = &L->keys[k];
        if (check_value(b, why, sizeof why) == 0)
            continue;
        value_text(b, value, sizeof value);
        switch (L->sources[k].kind) {
        case FROM_FILE:
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s = %s: %s", L->name, L->sources[k].line,
                               b->key->path, value, why);
        case FROM_OVERRIDE:
            return cdrl_errorf(err, CDRL_EINVAL, "--set %s: %s", L->overrides[L->sources[k].override], why);
        case FROM_DEFAULT:
            return cdrl_errorf(err, CDRL_EINVAL, "%s = %s (its default; set it in the config or with --set): %s",
                               b->key->path, value, why);
        }
    }
    return 0;
}

int cdrl_config_load_string(const cdrl_cfg_section *sections, int n_sections, const char *text,
                            const char *name, const char *const *overrides, int n_overrides,
                            cdrl_error *err)
{
    loader L = {.name = name ? name : "config", .overrides = overrides};
    int rc = flatten(sections, n_sections, &L.keys, &L.n, err);
    if (rc)
        return rc;
    L.sources = calloc(L.n ? (size_t)L.n : 1, sizeof *L.sources);
    if (!L.sources) {
        free(L.keys);
        return cdrl_errorf(err, CDRL_ENOMEM, "config: out of memory");
    }
    for (int k = 0; k < L.n && rc == 0; k++) {
        L.sources[k].kind = FROM_DEFAULT;
        if (set_from_text(&L.keys[k], L.keys[k].key->default_text)) {
            char expected[WHY_MAX];
            expected_text(L.keys[k].key, expected, sizeof expected);
            rc = cdrl_errorf(err, CDRL_EINVAL, "config schema: default of %s \"%s\" is not %s",
                             L.keys[k].key->path, L.keys[k].key->default_text, expected);
        }
    }
    if (rc == 0 && text)
        rc = apply_text(&L, text, err);
    for (int i = 0; i < n_overrides && rc == 0; i++)
        rc = apply_override(&L, i, err);
    if (rc == 0)
        rc = check_all(&L, err);
    free(L.sources);
    free(L.keys);
    return rc;
}

/* Reads a config file whole. libconfig reads a C string, so a NUL byte would
 * silently end the file early (and hide every key after it): refused, with
 * its line. */
static int read_config_text(const char *file, char **text, cdrl_error *err)
{
    size_t size;
    int rc = cdrl_read_file(file, CONFIG_MAX_BYTES, text, &size, err);
    if (rc)
        return rc;
    const char *nul = memchr(*text, '\0', size);
    if (!nul)
        return 0;
    int line = 1;
    for (const char *c = *text; c < nul; c++)
        line += *c == '\n';
    free(*text);
    *text = NULL;
    return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: contains a NUL byte; a config is text", file, line);
}

int cdrl_config_load(const cdrl_cfg_section *sections, int n_sections, const char *file,
                     const char *const *overrides, int n_overrides, cdrl_error *err)
{
    char *text = NULL;
    if (file) {
        int rc = read_config_text(file, &text, err);
        if (rc)
            return rc;
    }
    int rc = cdrl_config_load_string(sections, n_sections, text, file, overrides, n_overrides, err);
    free(text);
    return rc;
}

int cdrl_config_peek_string(const char *file, const char *path, char *out, size_t out_size,
                            cdrl_error *err)
{
    char *text, *wide;
    if (out_size)
        out[0] = '\0';
    int rc = read_config_text(file, &text, err);
    if (rc)
        return rc;
    int line = include_line(text);
    if (line) {
        free(text);
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: @include is not supported; put every key in one file",
                           file, line);
    }
    wide = widen_integers(text, file, err);
    free(text);
    if (!wide)
        return err ? err->code : CDRL_EINVAL;
    config_t cfg;
    config_init(&cfg);
    const char *value;
    if (!config_read_string(&cfg, wide)) {
        const char *what = config_error_text(&cfg);
        rc = cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s", file, config_error_line(&cfg),
                         what ? what : "syntax error");
    } else if (config_lookup_string(&cfg, path, &value) == CONFIG_TRUE && out_size) {
        snprintf(out, out_size, "%s", value);
    }
    config_destroy(&cfg);
    free(wide);
    return rc;
}

/* ---- Writing ---------------------------------------------------------------- */

/* A growing text buffer; `failed` records an allocation failure. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text_buf;

static void tb_printf(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tb_printf(text_buf *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = 1;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Writes the keys under group `prefix` ("" for the root), in schema order,
 * each subgroup where its first key appears. */
static void emit_group(text_buf *t, const bound_key *keys, int n, const char *prefix, int depth)
{
    size_t plen = strlen(prefix);
    int indent = 2 * depth;
    for (int i = 0; i < n; i++) {
        const cdrl_cfg_key *k = keys[i].key;
        if (strncmp(k->path, prefix, plen) != 0)
            continue;
        const char *rest = k->path + plen;
        const char *dot = strchr(rest, '.');
        if (!dot) {
            char value[VALUE_TEXT_MAX], accepted[WHY_MAX];
            value_text(&keys[i], value, sizeof value);
            /* A free string's limits say nothing useful; its help says what it holds. */
            if (k->type == CDRL_CFG_STRING) {
                tb_printf(t, "%*s# %s\n", indent, "", k->help ? k->help : k->path);
            } else {
                expected_text(k, accepted, sizeof accepted);
                tb_printf(t, "%*s# %s (%s)\n", indent, "", k->help ? k->help : k->path, accepted);
            }
            tb_printf(t, "%*s%s = %s;\n", indent, "", rest, value);
            continue;
        }
        size_t part = (size_t)(dot - rest) + 1; /* "policy." */
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strncmp(keys[j].key->path, prefix, plen) == 0 &&
                   strncmp(keys[j].key->path + plen, rest, part) == 0;
        if (seen)
            continue;
        char sub[PATH_TEXT_MAX];
        snprintf(sub, sizeof sub, "%s%.*s", prefix, (int)part, rest);
        if (depth == 0 && t->len > 0)
            tb_printf(t, "\n");
        tb_printf(t, "%*s%.*s: {\n", indent, "", (int)part - 1, rest);
        emit_group(t, keys, n, sub, depth + 1);
        tb_printf(t, "%*s};\n", indent, "");
    }
}

int cdrl_config_format(const cdrl_cfg_section *sections, int n_sections, const char *header,
                       char **text, cdrl_error *err)
{
    bound_key *keys;
    int n;
    *text = NULL;
    int rc = flatten(sections, n_sections, &keys, &n, err);
    if (rc)
        return rc;
    text_buf t = {0};
    for (const char *line = header; line && *line;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        tb_printf(&t, "# %.*s\n", len, line);
        line = nl ? nl + 1 : line + len;
    }
    emit_group(&t, keys, n, "", 0);
    free(keys);
    if (t.failed || !t.s) {
        free(t.s);
        return cdrl_errorf(err, CDRL_ENOMEM, "config: out of memory formatting");
    }
    *text = t.s;
    return 0;
}

int cdrl_config_write(const cdrl_cfg_section *sections, int n_sections, const char *header,
                      const char *path, cdrl_error *err)
{
    char *text;
    int rc = cdrl_config_format(sections, n_sections, header, &text, err);
    if (rc)
        return rc;
    rc = cdrl_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

uint64_t cdrl_config_hash(const cdrl_cfg_section *sections, int n_sections)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
    for (int s = 0; s < n_sections; s++)
        for (int i = 0; i < sections[s].n_keys; i++) {
            bound_key b = {&sections[s].keys[i], sections[s].dst};
            char value[VALUE_TEXT_MAX];
            value_text(&b, value, sizeof value);
            const char *parts[] = {b.key->path, "=", value, "\n"};
            for (int p = 0; p < 4; p++)
                for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) {
                    h ^= *c;
                    h *= 0x100000001b3ull; /* FNV-1a 64 prime */
                }
        }
    return h;
}
