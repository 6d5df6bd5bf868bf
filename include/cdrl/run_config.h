/* The keys every run has, whatever the agent (run.* and env.*). */
#ifndef CDRL_RUN_CONFIG_H
#define CDRL_RUN_CONFIG_H

#include <stdint.h>
#include "cdrl/config.h"
#include "cdrl/error.h"

/* ---- The common run keys ---------------------------------------------------
 * Keys every run has, whatever the agent; the CLI loads them together with
 * the agent's own schema. */
typedef struct {
    char agent[CDRL_CFG_STR_MAX];    /* run.agent: registry name ("pg") */
    char env[CDRL_CFG_STR_MAX];      /* env.name: env registry name ("cartpole") */
    char env_options[CDRL_CFG_STR_MAX]; /* env.options: "key=value,key=value" for
                                          cdrl_env_set_option, "" for none */
    int64_t seed;                    /* run.seed: >= 0 */
    int64_t steps;                   /* run.steps: env-step budget, >= 1 */
    int stop_when_solved;            /* run.stop_when_solved: stop at the env's
                                        solved threshold */
    int64_t checkpoint_every;        /* run.checkpoint_every: iterations (the agent's
                                        updates or episodes) between checkpoints, >= 1 */
    int64_t log_every;               /* run.log_every: iterations between progress lines, >= 1 */
} cdrl_run_config;

/* The schema of cdrl_run_config (keys run.* and env.*). */
extern const cdrl_cfg_key cdrl_run_keys[];
extern const int cdrl_run_n_keys;

/* Splits env.options ("integrator=euler,foo=1") into pairs and calls
 * apply(user, key, value, err) for each, stopping at the first failure.
 * Malformed text ("integrator", "=x") is CDRL_EINVAL. */
int cdrl_env_options_each(const char *options,
                          int (*apply)(void *user, const char *key, const char *value,
                                       cdrl_error *err),
                          void *user, cdrl_error *err);

#endif
