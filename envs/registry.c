/* The env registry: every environment cdrl knows, by name.
 *
 * Adding an environment is one file under envs/ that defines a cdrl_env_def
 * (declared in env_def.h) and one line here. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_def.h"

const cdrl_env_def *const cdrl_env_registry[] = {
    &cdrl_cartpole_v1_def,
    &cdrl_cartpole_v0_def,
    &cdrl_pendulum_def,
    &cdrl_mountaincar_def,
    &cdrl_mountaincar_continuous_def,
    &cdrl_acrobot_def,
    &cdrl_cartpole_swingup_def,
    NULL,
};

const cdrl_env_def *cdrl_env_def_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; cdrl_env_registry[i]; i++)
        if (strcmp(cdrl_env_registry[i]->spec.name, name) == 0)
            return cdrl_env_registry[i];
    return NULL;
}

/* The names are taken from the defs, once, so the registry line is the only
 * place a name is written down. */
static const char *env_names[sizeof cdrl_env_registry / sizeof cdrl_env_registry[0]];
static pthread_once_t env_names_once = PTHREAD_ONCE_INIT;

static void env_names_fill(void)
{
    for (int i = 0; cdrl_env_registry[i]; i++)
        env_names[i] = cdrl_env_registry[i]->spec.name;
}

const char *const *cdrl_env_names(void)
{
    pthread_once(&env_names_once, env_names_fill);
    return env_names;
}

int cdrl_env_unknown_name(const char *name, cdrl_error *err)
{
    char known[256] = "";
    size_t used = 0;
    for (int i = 0; cdrl_env_registry[i] && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 cdrl_env_registry[i]->spec.name);
    return cdrl_errorf(err, CDRL_EINVAL, "unknown env '%s'; known envs: %s", name ? name : "(null)",
                       known);
}

int cdrl_env_parse_double(const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
