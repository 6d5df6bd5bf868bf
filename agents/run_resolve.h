/* Internal to agents/: a run's config resolved into its two sections (the
 * common run keys and the agent's schema), for the library's cdrl_train,
 * cdrl_eval_run and cdrl_policy_load, and for the cdrl program (cli/run_setup.h). */
#ifndef CDRL_AGENTS_RUN_RESOLVE_H
#define CDRL_AGENTS_RUN_RESOLVE_H

#include <stdint.h>

#include "cdrl/agent.h"
#include "cdrl/config.h"
#include "cdrl/run.h"

typedef struct {
    const cdrl_agent_def *agent;
    cdrl_run_config run;
    void *agent_config;            /* malloc'd, agent->config_size bytes */
    cdrl_cfg_section sections[2];  /* run keys, agent keys */
    uint64_t hash;
} run_resolved;

/* `file` (may be NULL) and `overrides` against the run keys and the agent's
 * schema. Free with run_resolved_free, also after an error. */
int run_resolve(run_resolved *out, const cdrl_agent_def *agent, const char *file,
                const char *const *overrides, int n_overrides, cdrl_error *err);

/* The config saved in run_dir/config.cfg (its run.agent picks the agent). */
int run_resolve_dir(run_resolved *out, const char *run_dir, cdrl_error *err);

void run_resolved_free(run_resolved *r);

#endif
