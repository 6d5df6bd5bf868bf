/* Dropout settings as written in configs and on the command line:
 * "none", "fixed:P" with P in [0, 1), or "concrete" (the rate is learned). */
#include "cdrl/config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DROPOUT_ACCEPTED "accepted none, fixed:P with P in [0, 1), concrete"

int cdrl_cfg_dropout_parse(const char *text, cdrl_cfg_dropout *out, cdrl_error *err)
{
    out->kind = CDRL_CFG_DROPOUT_NONE;
    out->p = 0;
    if (strcmp(text, "none") == 0)
        return 0;
    if (strcmp(text, "concrete") == 0) {
        out->kind = CDRL_CFG_DROPOUT_CONCRETE;
        return 0;
    }
    if (strncmp(text, "fixed:", 6) == 0) {
        const char *num = text + 6;
        char *end;
        errno = 0;
        double p = strtod(num, &end);
        if (*num == '\0' || *end != '\0' || errno == ERANGE || !isfinite(p))
            return cdrl_errorf(err, CDRL_EINVAL, "P = '%s' is not a number; " DROPOUT_ACCEPTED, num);
        if (!(p >= 0 && p < 1))
            return cdrl_errorf(err, CDRL_EINVAL, "P = %s is out of range; " DROPOUT_ACCEPTED, num);
        out->kind = CDRL_CFG_DROPOUT_FIXED;
        out->p = p;
        return 0;
    }
    return cdrl_errorf(err, CDRL_EINVAL, "not a dropout setting; " DROPOUT_ACCEPTED);
}

int cdrl_cfg_validate_dropout(const char *value, cdrl_error *err)
{
    cdrl_cfg_dropout parsed;
    return cdrl_cfg_dropout_parse(value, &parsed, err);
}
