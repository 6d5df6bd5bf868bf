/* CSV files that survive resume: metrics.csv and episodes.csv of a run. */
#ifndef CDRL_RUN_CSV_H
#define CDRL_RUN_CSV_H

#include <stdint.h>
#include "cdrl/error.h"


typedef struct cdrl_csv cdrl_csv;

/* Creates (or empties) `path` and writes the header line `header` (column
 * names, comma-separated, no newline). */
int cdrl_csv_create(const char *path, const char *header, cdrl_csv **out, cdrl_error *err);

/* Reopens `path` for a resumed run: checks the header line equals `header`,
 * keeps the first `rows` data rows and cuts off everything after them (rows
 * written after the last checkpoint, or a half-written row). Fewer than `rows`
 * complete rows, or another header, is CDRL_ECORRUPT. */
int cdrl_csv_resume(const char *path, const char *header, int64_t rows, cdrl_csv **out,
                    cdrl_error *err);

/* Appends one row: printf-formatted, without the newline (added here). Use
 * "%.9g" for floats and "%.17g" for doubles so files compare exactly. */
int cdrl_csv_row(cdrl_csv *csv, cdrl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Number of data rows in the file (header not counted). */
int64_t cdrl_csv_rows(const cdrl_csv *csv);

/* Flushes and fsyncs, so that the rows counted by a checkpoint written next
 * are on disk. */
int cdrl_csv_sync(cdrl_csv *csv, cdrl_error *err);

/* Syncs and closes; NULL is a no-op. Returns the first error met. */
int cdrl_csv_close(cdrl_csv *csv, cdrl_error *err);

#endif
