/* Errors as values.
 *
 * Library code never prints and never exits: a function that can fail takes a
 * `cdrl_error *` as its last argument, fills it with one line that says what
 * went wrong and where, and returns a nonzero status. The CLI prints the line
 * and exits with status 2. Passing NULL for `err` is allowed; the message is
 * then dropped but the status is still returned. */
#ifndef CDRL_ERROR_H
#define CDRL_ERROR_H

#include <stddef.h>

#define CDRL_ERROR_MAX 1024

typedef struct {
    int code;                 /* 0 = no error; otherwise one of CDRL_E* */
    char msg[CDRL_ERROR_MAX]; /* one line, no trailing newline */
} cdrl_error;

enum {
    CDRL_OK = 0,
    CDRL_EINVAL = 1,   /* bad argument, flag or config value */
    CDRL_EIO = 2,      /* file could not be read or written */
    CDRL_ECORRUPT = 3, /* file exists but its contents are damaged or mismatched */
    CDRL_ENOMEM = 4,   /* allocation failed */
    CDRL_ESTATE = 5,   /* call not allowed in this state (e.g. step after termination) */
    CDRL_EDIVERGED = 6,/* NaN or infinity found in training */
    CDRL_EUNAVAIL = 7, /* feature or resource not available (no display, not built) */
    CDRL_EINTR = 8,    /* stopped by a signal or by the user; work was saved */
};

/* Fills `err` (if not NULL) with `code` and a printf-formatted message.
 * Returns `code`, so a failing function can `return cdrl_errorf(err, ...)`. */
int cdrl_errorf(cdrl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message, for adding context (a file
 * name, a run directory) as the error travels up. Returns err->code. */
int cdrl_error_prefix(cdrl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears `err` to the no-error state. */
void cdrl_error_clear(cdrl_error *err);

#endif
