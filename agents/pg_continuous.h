/* The policy-gradient agent on continuous actions, and the input and reward
 * scaling it uses by default there (private to agents/pg*.c):
 *   pg_gaussian_agent.c  the Gaussian policy's state in the agent: its log_std
 *                        and Adam, the rollout's unclipped actions, acting, the
 *                        update step, the MC spread of the mean action
 *   pg_scaling.c         running mean/std: observation normalisation and
 *                        reward scaling by the std of the discounted return
 * The math of the policy (log-density, loss, gradient) is pg_gaussian.c. */
#ifndef CDRL_PG_CONTINUOUS_H
#define CDRL_PG_CONTINUOUS_H

#include <stdint.h>

#include "cdrl/checkpoint.h"
#include "cdrl/env.h"
#include "cdrl/error.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"

/* ---- pg_scaling.c ---- */

/* Running mean and variance of n components (Welford, in double). */
typedef struct {
    int n;
    double count;
    double mean[CDRL_ENV_MAX_DIM], m2[CDRL_ENV_MAX_DIM];
} pg_running;

/* Observation normalisation and reward scaling of one run. */
typedef struct {
    int obs_norm, reward_scale;  /* what is on */
    int frozen;                  /* eval: apply, never update */
    pg_running obs;              /* the observations seen while acting */
    pg_running ret;              /* the discounted returns (1 component) */
    double gamma;
    double *env_return;          /* (B) each env's running discounted return */
    int B;
} pg_scaling;

/* Settings from the config: obs_norm is "auto" (on for continuous actions),
 * "on" or "off". Returns NULL in *out when both are off. */
int pg_scaling_create(const char *obs_norm, int reward_scale, int continuous, int D, int B,
                      double gamma, pg_scaling **out, cdrl_error *err);
void pg_scaling_free(pg_scaling *s);

/* obs (rows, D) doubles -> dst floats: normalised (and clipped to +-10) when
 * obs_norm is on, after adding the rows to the running statistics if
 * `learn` (and not frozen). s may be NULL: a plain conversion. */
void pg_scaling_observe(pg_scaling *s, float *dst, const double *obs, int rows, int D, int learn);

/* Start of an update: every env's running return from zero. */
void pg_scaling_begin(pg_scaling *s);

/* Scales the B rewards in place by the running std of the discounted return
 * (updated with these rewards first); `ended` (B) resets an env's return. */
void pg_scaling_rewards(pg_scaling *s, float *reward, const uint8_t *ended);

/* Checkpoint sections "scaling.obs", "scaling.ret" (only those that are on). */
int pg_scaling_save(const pg_scaling *s, cdrl_ckpt_writer *w, cdrl_error *err);
int pg_scaling_load(pg_scaling *s, const cdrl_ckpt *ck, cdrl_error *err);

/* ---- pg_gaussian_agent.c ---- */

typedef struct {
    int A;                       /* action dimensions */
    double low[CDRL_ENV_MAX_DIM], high[CDRL_ENV_MAX_DIM];
    float *log_std, *dlog_std;   /* (A) the state-independent log standard deviations */
    cdrl_adam opt;               /* of log_std */
    float *actions;              /* (rollout capacity, A) unclipped samples */
    float *batch_actions;        /* (minibatch, A) */
} pg_gauss;

#endif
