/* A trained run's policy, loaded from its run directory, acting from C.
 *
 * cdrl_policy_load reads RUN_DIR/config.cfg and RUN_DIR/checkpoint.bin and
 * rebuilds the policy network; cdrl_policy_act picks the action for one
 * observation exactly as `cdrl eval` does, so a loop of
 * cdrl_env_reset_seeded / cdrl_policy_act / cdrl_env_step over the run's env
 * (cdrl_policy_make_env) with cdrl_policy_seed(policy, S) gives the returns
 * of `cdrl eval RUN_DIR --seed S`, bit for bit (examples/load_policy.c
 * checks it). Supported: runs of the pg agent (discrete actions); other
 * agents' runs are CDRL_EUNAVAIL. */
#ifndef CDRL_POLICY_H
#define CDRL_POLICY_H

#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/error.h"

typedef struct cdrl_policy cdrl_policy;

/* How an action is chosen. Both are greedy on the action probabilities. */
typedef enum {
    CDRL_POLICY_EVAL = 0, /* dropout off (weights scaled): deterministic */
    CDRL_POLICY_MC = 1,   /* the mean probabilities over T dropout draws (MC dropout) */
} cdrl_policy_mode;

/* Loads run_dir's policy. Returns 0 and sets *out (free with
 * cdrl_policy_free), or CDRL_EINVAL (not a run directory), CDRL_EIO /
 * CDRL_ECORRUPT (checkpoint missing, damaged or of another config),
 * CDRL_EUNAVAIL (an agent without a loadable policy). The MC-mode dropout
 * draws start seeded with the run's seed (cdrl_policy_seed changes it). */
int cdrl_policy_load(const char *run_dir, cdrl_policy **out, cdrl_error *err);

/* Frees the policy; NULL is allowed. */
void cdrl_policy_free(cdrl_policy *policy);

/* The spec of the run's env, with the run's env options applied; valid while
 * the policy lives. The policy takes spec->obs_dim observations and returns
 * one of spec->action_count actions. */
const cdrl_env_spec *cdrl_policy_env_spec(const cdrl_policy *policy);

/* Creates the run's env with the run's options (env.options), ready to be
 * reset. The caller frees it with cdrl_env_free. */
int cdrl_policy_make_env(const cdrl_policy *policy, cdrl_env **out, cdrl_error *err);

/* Reseeds the MC-mode dropout draws, as `cdrl eval --seed` does. */
void cdrl_policy_seed(cdrl_policy *policy, uint64_t seed);

/* Chooses the action for one observation (obs_dim doubles): writes it into
 * action[0] (an index, as cdrl_env_step takes it) and, when probs is not
 * NULL, the action probabilities (action_count doubles; in MC mode their
 * mean over the draws) into probs. mc_samples is the number of draws T in
 * MC mode (>= 1; ignored in eval mode). Returns 0, or CDRL_EINVAL for a bad
 * mode, mc_samples or a non-finite observation. */
int cdrl_policy_act(cdrl_policy *policy, const double *obs, cdrl_policy_mode mode, int mc_samples,
                    double *action, double *probs, cdrl_error *err);

#endif
