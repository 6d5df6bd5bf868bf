/* Numeric tables from CSV files (metrics.csv, episodes.csv), read by column
 * name so that the agents may add, drop or reorder columns freely. A file
 * being appended to while we read it may end in a half-written line; that
 * line is left out rather than read as a short row. */
#include "viz_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 256

void cdrl_viz_table_free(cdrl_viz_table *t)
{
    for (int c = 0; c < t->n_cols; c++)
        free(t->names[c]);
    free(t->names);
    free(t->values);
    memset(t, 0, sizeof *t);
}

int cdrl_viz_table_column(const cdrl_viz_table *t, const char *name)
{
    for (int c = 0; c < t->n_cols; c++)
        if (strcmp(t->names[c], name) == 0)
            return c;
    return -1;
}

double cdrl_viz_table_get(const cdrl_viz_table *t, int row, int col)
{
    if (row < 0 || row >= t->n_rows || col < 0 || col >= t->n_cols)
        return NAN;
    return t->values[(size_t)row * (size_t)t->n_cols + (size_t)col];
}

/* Adds a column named name, NaN in every existing row. */
static int add_column(cdrl_viz_table *t, const char *name, cdrl_error *err)
{
    char **names = realloc(t->names, sizeof *names * (size_t)(t->n_cols + 1));
    if (!names)
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for a table column");
    t->names = names;
    names[t->n_cols] = strdup(name);
    if (!names[t->n_cols])
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for a table column");
    if (t->cap_rows > 0) {
        int nc = t->n_cols + 1;
        double *v = malloc(sizeof *v * (size_t)t->cap_rows * (size_t)nc);
        if (!v) {
            free(names[t->n_cols]);
            return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for a table column");
        }
        for (int r = 0; r < t->n_rows; r++) {
            memcpy(v + (size_t)r * (size_t)nc, t->values + (size_t)r * (size_t)t->n_cols,
                   sizeof *v * (size_t)t->n_cols);
            v[(size_t)r * (size_t)nc + (size_t)t->n_cols] = NAN;
        }
        free(t->values);
        t->values = v;
    }
    t->n_cols++;
    return 0;
}

/* Makes room for one more row, NaN-filled, and returns it. */
static double *new_row(cdrl_viz_table *t, cdrl_error *err)
{
    if (t->n_rows == t->cap_rows) {
        int cap = t->cap_rows ? t->cap_rows * 2 : 64;
        double *v = realloc(t->values, sizeof *v * (size_t)cap * (size_t)(t->n_cols ? t->n_cols : 1));
        if (!v) {
            cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for %d table rows", cap);
            return NULL;
        }
        t->values = v;
        t->cap_rows = cap;
    }
    double *row = t->values + (size_t)t->n_rows * (size_t)t->n_cols;
    for (int c = 0; c < t->n_cols; c++)
        row[c] = NAN;
    t->n_rows++;
    return row;
}

int cdrl_viz_table_append(cdrl_viz_table *t, int n, const char *const *names, const double *values,
                          cdrl_error *err)
{
    int cols[MAX_COLS];
    if (n < 0 || n > MAX_COLS)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: %d columns in a row, accepted 0..%d", n, MAX_COLS);
    for (int i = 0; i < n; i++) {
        cols[i] = cdrl_viz_table_column(t, names[i]);
        if (cols[i] < 0) {
            if (t->n_cols >= MAX_COLS)
                return cdrl_errorf(err, CDRL_EINVAL, "viz: more than %d columns", MAX_COLS);
            if (add_column(t, names[i], err))
                return err ? err->code : CDRL_ENOMEM;
            cols[i] = t->n_cols - 1;
        }
    }
    double *row = new_row(t, err);
    if (!row)
        return CDRL_ENOMEM;
    for (int i = 0; i < n; i++)
        row[cols[i]] = values[i];
    return 0;
}

/* Splits line in place at commas; strips blanks and one pair of quotes. */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strlen(p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' || p[len - 1] == '\n'))
            p[--len] = '\0';
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
            p[len - 1] = '\0';
            p++;
        }
        if (n == max)
            return -1;
        fields[n++] = p;
        if (!end)
            return n;
        p = end + 1;
    }
}

#define VIZ_TABLE_MAX_ABS 1e30

static double parse_number(const char *s)
{
    if (!*s)
        return NAN;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Text, NaN, inf or a magnitude no metric has (a damaged or hand-edited
     * file) is a missing value: never drawn, never an axis of 1e308. */
    return *end == '\0' && fabs(v) <= VIZ_TABLE_MAX_ABS ? v : NAN;
}

int cdrl_viz_table_load(const char *path, cdrl_viz_table *t, cdrl_error *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long line_no = 0;
    char *fields[MAX_COLS + 1];
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        line_no++;
        int complete = len > 0 && line[len - 1] == '\n';
        int blank = 1;
        for (ssize_t i = 0; i < len; i++)
            blank &= line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n';
        if (blank)
            continue;
        int n = split_fields(line, fields, MAX_COLS);
        if (n < 0) {
            rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s:%ld: more than %d columns", path, line_no, MAX_COLS);
            break;
        }
        if (t->names == NULL) { /* the header */
            for (int i = 0; i < n && !rc; i++)
                rc = add_column(t, fields[i][0] ? fields[i] : "?", err);
            if (rc)
                break;
            continue;
        }
        if (n > t->n_cols) {
            rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s:%ld: %d fields, the header has %d", path, line_no, n,
                             t->n_cols);
            break;
        }
        if (!complete && n < t->n_cols)
            break; /* a line still being written */
        double *row = new_row(t, err);
        if (!row) {
            rc = CDRL_ENOMEM;
            break;
        }
        for (int i = 0; i < n; i++)
            row[i] = parse_number(fields[i]);
    }
    free(line);
    fclose(f);
    if (!rc && t->names == NULL)
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: empty, expected a header row", path);
    if (rc)
        cdrl_viz_table_free(t);
    return rc;
}
