/* Dropout settings in configs: the validator of a dropout key, and which
 * keys of a schema are dropout keys. The grammar itself is
 * cdrl_dropout_parse's (dropout.c), the one for every room. */
#include "cdrl/config.h"

#include <string.h>

#include "cdrl/dropout.h"

int cdrl_cfg_validate_dropout(const char *value, cdrl_error *err)
{
    cdrl_dropout_spec parsed;
    return cdrl_dropout_parse(value, CDRL_CONCRETE_DEFAULT_INIT_P, &parsed, err);
}

int cdrl_cfg_is_dropout_key(const char *path)
{
    const char *dot = strrchr(path, '.');
    return strcmp(dot ? dot + 1 : path, "dropout") == 0;
}

int cdrl_cfg_dropout_keys(const cdrl_cfg_key *keys, int n_keys, const char **out, int cap)
{
    int n = 0;
    for (int i = 0; i < n_keys && n < cap; i++)
        if (cdrl_cfg_is_dropout_key(keys[i].path))
            out[n++] = keys[i].path;
    return n;
}
