/* The policy-gradient agent's diagonal Gaussian policy for continuous
 * actions, exposed so its gradient can be tested.
 *
 * The policy MLP's outputs are the means mu (one per action dimension, in
 * the unit box: -1 and +1 are the env's action_low and action_high); the
 * standard deviations are exp(log_std), one learned parameter per dimension
 * that does not depend on the state (docs/pg.md says why). An action is
 * drawn as a = mu + exp(log_std) * eps, eps ~ N(0, I); the env receives a
 * clipped to [-1, 1] and mapped onto its bounds, while the log-probability,
 * and so the PPO ratio, is that of the unclipped a.
 *
 * As for the categorical policy (pg_loss.h), the dropout noise u drawn when
 * the agent acts is held for the loss, so the ratio is exactly 1 before the
 * first step and the gradient reaches every p_logit through the relaxed
 * masks; and log_std gets its gradient from the surrogate and the entropy. */
#ifndef CDRL_PG_GAUSSIAN_H
#define CDRL_PG_GAUSSIAN_H

#include "cdrl/error.h"
#include "cdrl/mlp.h"

/* One minibatch of continuous transitions. All arrays are owned by the caller. */
typedef struct {
    int B;                  /* rows, >= 1 */
    const float *obs;       /* (B, n_inputs) */
    const float *actions;   /* (B, A) the unclipped samples, unit-box units */
    const float *old_logp;  /* (B) log pi_old(a | s, u) when the action was taken */
    const float *adv;       /* (B) advantages */
    /* (B, K_l) held dropout uniforms of each policy layer with dropout on its
     * input (NULL entries for the others); noise == NULL: draw fresh noise. */
    const float *const *noise;
} cdrl_pg_gauss_batch;

/* What one evaluation of the loss measured. */
typedef struct {
    double loss;      /* surrogate - entropy_coef * entropy: the value whose gradient was taken */
    double surrogate; /* mean_b of -min(r A, clip(r) A) (clip > 0) or -A log pi (clip == 0) */
    double entropy;   /* differential entropy of the policy, nats (the same for every row) */
    double clip_frac; /* fraction of rows whose ratio lay outside [1 - clip, 1 + clip] */
} cdrl_pg_gauss_stats;

/* log N(a; mu, diag(exp(log_std))^2) of one row of A dimensions, in double. */
double cdrl_pg_gauss_logp(const float *mu, const float *log_std, const float *a, int A);

/* Differential entropy of the diagonal Gaussian, nats. */
double cdrl_pg_gauss_entropy(const float *log_std, int A);

/* Runs the policy forward in TRAIN mode on the batch (held noise) and
 * ACCUMULATES into policy->grads and dlog_std (A) the gradient of
 *     loss = mean_b L_b - entropy_coef * H(pi)
 * with L_b as in pg_loss.h (PPO-clip for clip > 0, REINFORCE for clip == 0)
 * and log pi the Gaussian log-density of the unclipped action. The Concrete
 * regulariser is NOT included. Fills *stats (may be NULL). Returns 0, or
 * CDRL_EINVAL (bad B or clip) / an error of the network. */
int cdrl_pg_gauss_loss(cdrl_mlp *policy, const float *log_std, float *dlog_std,
                       const cdrl_pg_gauss_batch *batch, float clip, float entropy_coef,
                       cdrl_pg_gauss_stats *stats, cdrl_error *err);

/* The env's action of a unit-box sample: each a_j clipped to [-1, 1] and
 * mapped affinely onto [low_j, high_j]. */
void cdrl_pg_gauss_env_action(double *env_action, const float *a, const double *low,
                              const double *high, int A);

#endif
