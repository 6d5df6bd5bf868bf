/* CSV files that a resumed run continues exactly where its checkpoint left off.
 *
 * Rows are appended as training goes; a checkpoint records how many rows each
 * file had when it was written (after cdrl_csv_sync put them on disk). A run
 * killed later may have written more rows, or half a row; resuming cuts the
 * file back to the recorded count, so the rows that follow are written once,
 * by the resumed run, and the files end as an uninterrupted run's would. */
#include "cdrl/run_csv.h"
#include "cdrl/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A CSV file larger than this is not something cdrl wrote. */
#define CSV_MAX_BYTES ((size_t)1 << 31)

struct cdrl_csv {
    FILE *file;
    int64_t rows;
    char path[CDRL_PATH_MAX];
};

static int csv_open_append(const char *path, int64_t rows, cdrl_csv **out, cdrl_error *err)
{
    cdrl_csv *csv = calloc(1, sizeof *csv);
    if (!csv)
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory", path);
    snprintf(csv->path, sizeof csv->path, "%s", path);
    csv->file = fopen(path, "ab");
    if (!csv->file) {
        int e = errno;
        free(csv);
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot open for writing: %s", path, strerror(e));
    }
    csv->rows = rows;
    *out = csv;
    return 0;
}

int cdrl_csv_create(const char *path, const char *header, cdrl_csv **out, cdrl_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "wb");
    if (!f)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot create: %s", path, strerror(errno));
    int failed = fprintf(f, "%s\n", header) < 0;
    failed |= fclose(f) != 0;
    if (failed)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot write the header", path);
    return csv_open_append(path, 0, out, err);
}

/* Fields separated by commas in line[0, len). */
static int count_fields(const char *line, size_t len)
{
    int n = 1;
    for (size_t i = 0; i < len; i++)
        n += line[i] == ',';
    return n;
}

/* A field as cdrl writes it (cdrl_shortest_double): a decimal number
 * (strtod's form, no spaces), or nan, inf, -inf, which agents may write (nan
 * is a gap: a random episode has no plan score). Hex floats are not ours. */
static int is_number_field(const char *field, size_t len)
{
    char buf[64], *end;
    if (len == 0 || len >= sizeof buf || field[0] == ' ')
        return 0;
    memcpy(buf, field, len);
    buf[len] = '\0';
    if (strcmp(buf, "nan") == 0 || strcmp(buf, "inf") == 0 || strcmp(buf, "-inf") == 0)
        return 1;
    if (strpbrk(buf, "xXnNiI"))
        return 0; /* hex, and strtod's other spellings of nan and inf */
    strtod(buf, &end);
    return *end == '\0';
}

/* Checks a row the checkpoint counts, line `number` of the file: as many
 * fields as the header, each a number. Returns 0 or CDRL_ECORRUPT naming
 * the file, the line and the field. */
static int check_row(const char *path, int64_t number, const char *line, size_t len, int fields,
                     cdrl_error *err)
{
    int n = count_fields(line, len);
    if (n != fields)
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s:%lld: %d fields where the header has %d; the file was "
                           "changed since the run wrote it (restore it, or start the run again)", path,
                           (long long)number, n, fields);
    const char *field = line;
    for (int f = 1; f <= n; f++) {
        const char *comma = memchr(field, ',', (size_t)(line + len - field));
        size_t flen = comma ? (size_t)(comma - field) : (size_t)(line + len - field);
        if (!is_number_field(field, flen))
            return cdrl_errorf(err, CDRL_ECORRUPT, "%s:%lld: field %d '%.*s' is not a number; the "
                               "file was changed since the run wrote it (restore it, or start the run again)",
                               path, (long long)number, f, (int)(flen > 40 ? 40 : flen), field);
        field = comma ? comma + 1 : field;
    }
    return 0;
}

int cdrl_csv_resume(const char *path, const char *header, int64_t rows, cdrl_csv **out,
                    cdrl_error *err)
{
    *out = NULL;
    if (rows < 0)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: negative row count %lld", path, (long long)rows);
    char *text;
    size_t size;
    int rc = cdrl_read_file(path, CSV_MAX_BYTES, &text, &size, err);
    if (rc)
        return rc;
    size_t header_len = strlen(header);
    if (size < header_len + 1 || memcmp(text, header, header_len) != 0 || text[header_len] != '\n') {
        free(text);
        return cdrl_errorf(err, CDRL_ECORRUPT,
                           "%s: its header is not the one this agent writes (written by another version?)",
                           path);
    }
    /* Walk `rows` complete lines past the header, each checked (a row is
     * what the plots and the sweep summary read); `keep` ends after them. */
    int fields = count_fields(header, header_len);
    size_t keep = header_len + 1;
    for (int64_t r = 0; r < rows; r++) {
        const char *nl = memchr(text + keep, '\n', size - keep);
        if (!nl) {
            free(text);
            return cdrl_errorf(err, CDRL_ECORRUPT,
                               "%s: holds %lld complete rows, the checkpoint counts %lld", path,
                               (long long)r, (long long)rows);
        }
        if ((rc = check_row(path, r + 2, text + keep, (size_t)(nl - text) - keep, fields, err))) {
            free(text);
            return rc;
        }
        keep = (size_t)(nl - text) + 1;
    }
    free(text);
    if (keep != size && truncate(path, (off_t)keep) != 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot cut back to %lld rows: %s", path,
                           (long long)rows, strerror(errno));
    return csv_open_append(path, rows, out, err);
}

int cdrl_csv_row(cdrl_csv *csv, cdrl_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(csv->file, fmt, ap);
    va_end(ap);
    if (n < 0 || fputc('\n', csv->file) == EOF)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot append a row", csv->path);
    csv->rows++;
    return 0;
}

int64_t cdrl_csv_rows(const cdrl_csv *csv)
{
    return csv->rows;
}

int cdrl_csv_sync(cdrl_csv *csv, cdrl_error *err)
{
    if (fflush(csv->file) != 0 || fsync(fileno(csv->file)) != 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot flush: %s", csv->path, strerror(errno));
    return 0;
}

int cdrl_csv_close(cdrl_csv *csv, cdrl_error *err)
{
    if (!csv)
        return 0;
    int rc = cdrl_csv_sync(csv, err);
    if (fclose(csv->file) != 0 && rc == 0)
        rc = cdrl_errorf(err, CDRL_EIO, "%s: cannot close: %s", csv->path, strerror(errno));
    free(csv);
    return rc;
}
