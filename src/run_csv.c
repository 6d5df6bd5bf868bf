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
    /* Walk `rows` complete lines past the header; `keep` ends after them. */
    size_t keep = header_len + 1;
    for (int64_t r = 0; r < rows; r++) {
        const char *nl = memchr(text + keep, '\n', size - keep);
        if (!nl) {
            free(text);
            return cdrl_errorf(err, CDRL_ECORRUPT,
                               "%s: holds %lld complete rows, the checkpoint counts %lld", path,
                               (long long)r, (long long)rows);
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
