/* The keys every run has, whatever the agent: which agent and env, the seed,
 * the step budget and how often to log and checkpoint. */
#include "cdrl/run_config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Agent and env names are registry names; the CLI checks they exist. */
static int validate_name(const char *value, cdrl_error *err)
{
    if (value[0] == '\0')
        return cdrl_errorf(err, CDRL_EINVAL, "expects a registry name, got an empty string");
    for (const char *c = value; *c; c++)
        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-' && *c != '_')
            return cdrl_errorf(err, CDRL_EINVAL,
                               "expects a registry name (lower-case letters, digits, '-', '_')");
    return 0;
}

/* env.options must split into key=value pairs; whether the env knows them
 * is for the env to say when the agent applies them. */
static int ignore_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    (void)user, (void)key, (void)value, (void)err;
    return 0;
}

static int validate_env_options(const char *value, cdrl_error *err)
{
    return cdrl_env_options_each(value, ignore_option, NULL, err);
}

const cdrl_cfg_key cdrl_run_keys[] = {
    {.path = "run.agent", .type = CDRL_CFG_STRING, .offset = offsetof(cdrl_run_config, agent),
     .default_text = "", .validate = validate_name,
     .help = "agent that learns (cdrl train --agent)"},
    {.path = "run.seed", .type = CDRL_CFG_INT64, .offset = offsetof(cdrl_run_config, seed),
     .default_text = "0", .range = CDRL_CFG_MIN, .min = 0,
     .help = "seed of every random draw of the run (--seed)"},
    {.path = "run.steps", .type = CDRL_CFG_INT64, .offset = offsetof(cdrl_run_config, steps),
     .default_text = "500000", .range = CDRL_CFG_MIN, .min = 1,
     .help = "budget of real env steps (--steps)"},
    {.path = "run.stop_when_solved", .type = CDRL_CFG_BOOL,
     .offset = offsetof(cdrl_run_config, stop_when_solved), .default_text = "true",
     .help = "stop as soon as the env's solved criterion is met"},
    {.path = "run.checkpoint_every", .type = CDRL_CFG_INT64,
     .offset = offsetof(cdrl_run_config, checkpoint_every), .default_text = "10",
     .range = CDRL_CFG_MIN, .min = 1,
     .help = "iterations (agent updates or episodes) between checkpoints"},
    {.path = "run.log_every", .type = CDRL_CFG_INT64, .offset = offsetof(cdrl_run_config, log_every),
     .default_text = "1", .range = CDRL_CFG_MIN, .min = 1,
     .help = "iterations between progress lines"},
    {.path = "env.name", .type = CDRL_CFG_STRING, .offset = offsetof(cdrl_run_config, env),
     .default_text = "", .validate = validate_name, .help = "environment (cdrl train --env)"},
    {.path = "env.options", .type = CDRL_CFG_STRING,
     .offset = offsetof(cdrl_run_config, env_options), .default_text = "",
     .validate = validate_env_options,
     .help = "env options as key=value,key=value (e.g. integrator=euler), \"\" for none"},
};
const int cdrl_run_n_keys = (int)(sizeof cdrl_run_keys / sizeof cdrl_run_keys[0]);

int cdrl_env_options_each(const char *options,
                          int (*apply)(void *user, const char *key, const char *value,
                                       cdrl_error *err),
                          void *user, cdrl_error *err)
{
    const char *p = options;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char pair[CDRL_CFG_STR_MAX];
        if (len >= sizeof pair)
            return cdrl_errorf(err, CDRL_EINVAL, "env option too long");
        memcpy(pair, p, len);
        pair[len] = '\0';
        char *eq = strchr(pair, '=');
        if (!eq || eq == pair || eq[1] == '\0')
            return cdrl_errorf(err, CDRL_EINVAL, "env option '%s': expected key=value", pair);
        *eq = '\0';
        int rc = apply(user, pair, eq + 1, err);
        if (rc)
            return rc;
        if (!end)
            break;
        p = end + 1;
        if (*p == '\0')
            return cdrl_errorf(err, CDRL_EINVAL, "env options end with ','; expected key=value after it");
    }
    return 0;
}
