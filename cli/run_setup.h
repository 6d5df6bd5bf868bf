/* Internal to the cdrl program: resolving a run's config for train and eval.
 *
 * A run's config is two sections, the common run keys (run.h) and the agent's
 * own schema; both commands build them the same way, from a file plus
 * overrides, or from the config.cfg saved in a run directory. */
#ifndef CDRL_CLI_RUN_SETUP_H
#define CDRL_CLI_RUN_SETUP_H

#include <stdint.h>

#include "cdrl/agent.h"
#include "cdrl/config.h"
#include "cdrl/error.h"
#include "cdrl/run.h"
#include "run_resolve.h"

/* The library's resolver (agents/run_resolve.h) is the one definition of a
 * resolved config; the CLI adds its flags and messages around it. */
typedef run_resolved run_setup;

/* Resolves `file` (may be NULL) and `overrides` against the run keys and
 * agent's schema into `out`. Free with run_setup_free, also after an error. */
int run_setup_resolve(run_setup *out, const cdrl_agent_def *agent, const char *file,
                      const char *const *overrides, int n_overrides, cdrl_error *err);

/* Resolves the config saved in `run_dir` (its run.agent picks the agent),
 * checking first that the directory holds a run. */
int run_setup_from_run_dir(run_setup *out, const char *run_dir, cdrl_error *err);

void run_setup_free(run_setup *setup);

/* The eval arguments of a run resolved by run_setup_from_run_dir: its
 * directory, config and hash, seeded by `seed` (< 0: the run's own seed),
 * with `episodes` episodes and `mc_samples` samples. The rest is zero. */
cdrl_eval_args run_setup_eval_args(const run_setup *setup, const char *run_dir, long long seed, int episodes,
                                   int mc_samples);

/* Checks `name` against the env registry (envs/registry.c). */
int run_setup_check_env(const char *name, cdrl_error *err);

/* Makes run->env once and applies every env.options pair to it, so that an
 * option the env does not know, or a value it refuses, is an error before
 * anything is written: "env.options: cartpole: integrator 'rk9' ...". */
int run_setup_check_env_options(const cdrl_run_config *run, cdrl_error *err);

/* Finds configs/<agent>_<env>.cfg in the current directory, then in the
 * source tree. Returns 0 with the path in out[out_size], or an error naming
 * both places. */
int run_setup_default_config(const char *agent, const char *env, char *out, size_t out_size,
                             cdrl_error *err);

#endif
