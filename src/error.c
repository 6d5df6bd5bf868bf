/* Errors as values: formatting helpers for cdrl_error (see include/cdrl/error.h). */
#include "cdrl/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* An error is one line: a value quoted into it (a libconfig string may hold
 * a line break, a file name anything) cannot break it. Control characters
 * become '?'. */
static void one_line(char *msg)
{
    for (unsigned char *c = (unsigned char *)msg; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            *c = '?';
}

int cdrl_errorf(cdrl_error *err, int code, const char *fmt, ...)
{
    if (err) {
        /* A message longer than the line (a path of thousands of bytes) keeps
         * its beginning and its end, where the reason is, with "..." between. */
        char whole[8 * CDRL_ERROR_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(whole, sizeof whole, fmt, ap);
        va_end(ap);
        size_t len = n < 0 ? 0 : strnlen(whole, sizeof whole);
        if (len < sizeof err->msg) {
            memcpy(err->msg, whole, len + 1);
        } else {
            size_t head = sizeof err->msg / 3, tail = sizeof err->msg - head - 6;
            memcpy(err->msg, whole, head);
            memcpy(err->msg + head, " ... ", 5);
            memcpy(err->msg + head + 5, whole + len - tail, tail);
            err->msg[head + 5 + tail] = '\0';
        }
        one_line(err->msg);
        err->code = code;
    }
    return code;
}

int cdrl_error_prefix(cdrl_error *err, const char *fmt, ...)
{
    if (!err)
        return CDRL_EINVAL;
    char prefix[CDRL_ERROR_MAX];
    char joined[CDRL_ERROR_MAX];
    size_t used;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* The prefix gets at most half the line so that a very long path cannot
     * push the message itself out. */
    used = strnlen(prefix, sizeof prefix / 2);
    memcpy(joined, prefix, used);
    joined[used++] = ':';
    joined[used++] = ' ';
    size_t rest = strnlen(err->msg, sizeof err->msg);
    if (rest > sizeof joined - 1 - used)
        rest = sizeof joined - 1 - used;
    memcpy(joined + used, err->msg, rest);
    joined[used + rest] = '\0';
    memcpy(err->msg, joined, sizeof joined);
    one_line(err->msg);
    return err->code;
}

void cdrl_error_clear(cdrl_error *err)
{
    if (err) {
        err->code = CDRL_OK;
        err->msg[0] = '\0';
    }
}
