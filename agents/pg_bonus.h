/* The policy-gradient agent's exploration bonus (agent.bonus.*): an
 * intrinsic reward from a learned dynamics model's epistemic uncertainty.
 *
 * A Concrete-Dropout dynamics model (dynamics_model.h, the mb agent's model)
 * learns the env from every transition the agent has taken: the env's own
 * observation, and the action as a one-hot (discrete) or as the force the env
 * executed, clipped to its bounds (continuous: every sample beyond a bound
 * does the same thing, so the unclipped one would look novel for nothing). Each update, the
 * reward of every transition (s, a) of the rollout gets
 *
 *     bonus = beta * spread(s, a) / scale
 *
 * where spread is the std, over P dropout-mask particles, of the model's
 * predicted next state (in the model's normalised units, averaged over state
 * dimensions), and scale is 1 (normalize = "none") or the running std of all
 * spreads seen so far (normalize = "running"). The spread is computed with
 * the model as it was before this update's data; then the model is refit on
 * everything seen (N = transitions seen, so Concrete Dropout's p, and with it
 * the bonus, falls where data accumulates). A model that has not been fit yet
 * gives no bonus, and a model without dropout gives zero spread, so no bonus:
 * the no-dropout setting trains the same policy as beta = 0, bit for bit.
 *
 * The bonus is episodic: added to the env's reward, it is cut with it at a
 * termination (the value network learns the sum). episodes.csv, the solved
 * window and the progress line keep the env's (extrinsic) return.
 *
 * beta = 0 (the default) makes no model: pg runs exactly as without it. */
#ifndef CDRL_PG_BONUS_H
#define CDRL_PG_BONUS_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/checkpoint.h"
#include "cdrl/config.h"
#include "cdrl/error.h"
#include "cdrl/run_loop.h"

typedef struct {
    double beta;                          /* 0: off */
    char dropout[CDRL_CFG_STR_MAX];       /* the model's: concrete, fixed:P, none */
    int layers, hidden;
    double lr;
    int batch, fit_steps, particles;
    double init_p, length_scale, tau;
    char normalize[CDRL_CFG_STR_MAX];     /* none | running */
} pg_bonus_config;

/* What the last update's bonus was, for its metrics row. */
typedef struct {
    double bonus_mean;  /* mean bonus added per transition */
    double spread;      /* mean spread over the update's transitions */
    double model_loss;  /* the fit's loss (of its last steps) */
} pg_bonus_stats;

typedef struct pg_bonus pg_bonus;

/* Makes the bonus for an env of obs_dim observations and either
 * action_count discrete actions (action_dim 0) or action_dim continuous ones
 * (action_count 0); *out = NULL when cfg->beta is 0. seed seeds the model's
 * weights, masks and minibatches. Returns 0 or an error naming the key. */
int pg_bonus_create(const pg_bonus_config *cfg, int obs_dim, int action_count, int action_dim,
                    uint64_t seed, pg_bonus **out, cdrl_error *err);

void pg_bonus_free(pg_bonus *b); /* NULL-safe */

/* An env step of B envs, in two calls around it. pg_bonus_observe copies the
 * observations obs (B, obs_dim) the step starts from: the env's own, not
 * the policy's normalised inputs, so that state and next state are in the
 * same units whatever agent.obs_norm does. pg_bonus_record then stores the B
 * transitions: actions (B, 1) the discrete indices or (B, action_dim) the
 * actions the env executed (clipped to its bounds), and the observation
 * after the step (next_obs, or final_obs for an env whose episode ended
 * there). Returns 0, CDRL_ENOMEM, or CDRL_EINVAL when B differs from the
 * observe call's. */
int pg_bonus_observe(pg_bonus *b, const double *obs, int B, cdrl_error *err);
int pg_bonus_record(pg_bonus *b, const double *actions, const double *next_obs, const double *final_obs,
                    const uint8_t *terminated, const uint8_t *truncated, int B, cdrl_error *err);

/* The spread of each of n transitions (obs (n, obs_dim), actions (n, 1) or
 * (n, action_dim) as recorded) under the model as it is: writes spread (n).
 * All 0 before the first fit. */
int pg_bonus_spread(pg_bonus *b, const float *obs, const float *actions, int n, double *spread,
                    cdrl_error *err);

/* One update: adds the bonus of each of the n transitions (obs, actions as
 * for pg_bonus_spread) to reward (n), then refits the model on every
 * transition recorded. */
int pg_bonus_apply(pg_bonus *b, const float *obs, const float *actions, int n, float *reward,
                   cdrl_error *err);

/* pg_bonus_apply on the last n transitions recorded (the update's rollout,
 * row for row in the order recorded). CDRL_EINVAL if fewer were recorded. */
int pg_bonus_apply_recorded(pg_bonus *b, int n, float *reward, cdrl_error *err);

/* The last update's numbers. */
pg_bonus_stats pg_bonus_last(const pg_bonus *b);

/* metrics.csv: ",bonus_mean,bonus_spread,bonus_model_loss,p_model_l1..." and
 * the matching row; snprintf rules, return the length written. */
size_t pg_bonus_metrics_header(const pg_bonus *b, char *out, size_t size);
size_t pg_bonus_metrics_row(const pg_bonus *b, char *out, size_t size);

/* Appends the model's parameters and Adam state to the harness's watch list;
 * returns how many it added (2). */
int pg_bonus_watch(const pg_bonus *b, cdrl_run_watch *out);

/* The model (weights, Adam, normalisers, generators), the transitions and
 * the running statistics, as checkpoint sections "bonus.*". */
int pg_bonus_save(const pg_bonus *b, cdrl_ckpt_writer *w, cdrl_error *err);
int pg_bonus_load(pg_bonus *b, const cdrl_ckpt *ck, cdrl_error *err);

#endif
