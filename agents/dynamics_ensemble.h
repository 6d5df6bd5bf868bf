/* The mb agent's posterior over dynamics: one Concrete-Dropout model
 * (`agent.model.uncertainty = "dropout"`, K = 1) or an ensemble of K
 * independently initialised ones ("ensemble:K", the baseline of PETS,
 * Chua et al. 2018).
 *
 * Members: the same spec (architecture, dropout, optional log-variance head:
 * PETS's Gaussian NLL heads are `agent.model.logvar`), their own seeds
 * (member 0 the run's seed, so K = 1 is today's model bit for bit; member
 * k > 0 the k-th draw of a generator seeded with the run's seed), hence
 * their own weights, dropout noise and minibatch draws: each member resamples
 * its minibatches with replacement from the training slice with its own
 * generator (bootstrapped minibatches). The normalisers are computed from the
 * same slice, so all members agree on them.
 *
 * Particles: a plan asks for P particles (`agent.planner.particles`, P >= K);
 * member k owns the contiguous particles [k P / K, (k + 1) P / K), so with P a
 * multiple of K each member is P / K particles (P = K: one each, PETS's
 * TS-inf; members with dropout draw their own frozen masks per particle,
 * members without repeat themselves). Rows stay particle-major, so a
 * member's rows are one contiguous block and an imagined step costs one
 * cdrl_dynamics_step_frozen per member: one matrix product per layer per
 * particle, i.e. per member when P = K. The planner sees no difference.
 *
 * Thompson sampling: cdrl_ensemble_hold draws one member per episode (from
 * the ensemble's own generator; K = 1 draws nothing) and one mask set of it,
 * and the episode's plans all use that network. */
#ifndef CDRL_DYNAMICS_ENSEMBLE_H
#define CDRL_DYNAMICS_ENSEMBLE_H

#include <stddef.h>

#include "dynamics_model.h"

#define CDRL_ENSEMBLE_MAX 8 /* the run harness watches 2 arrays per member, at most 16 */

typedef struct {
    int K;
    cdrl_dynamics_model *member[CDRL_ENSEMBLE_MAX];
    cdrl_rng pick;       /* Thompson: which member an episode follows */
    int held;            /* the member a Thompson episode holds, or -1 */
    int particles;       /* P while frozen, else 0 */
    float *scratch;      /* (rows, obs_dim) for the members' mean prediction */
    int scratch_rows;
} cdrl_dynamics_ensemble;

/* Reads agent.model.uncertainty: "dropout" (K = 1) or "ensemble:K" with K in
 * [2, CDRL_ENSEMBLE_MAX]. Returns 0, or CDRL_EINVAL quoting the text. */
int cdrl_ensemble_parse(const char *text, int *K, cdrl_error *err);

/* K members of `spec` (see above for their seeds) into *out; free with
 * cdrl_ensemble_free. Errors as cdrl_dynamics_create, or K out of range. */
int cdrl_ensemble_create(const cdrl_dynamics_spec *spec, int K, cdrl_dynamics_ensemble **out,
                         cdrl_error *err);

void cdrl_ensemble_free(cdrl_dynamics_ensemble *e);

/* Refits every member (cdrl_dynamics_fit); *loss the members' mean final loss. */
int cdrl_ensemble_fit(cdrl_dynamics_ensemble *e, const cdrl_replay_buffer *buf, int steps, double *loss,
                      cdrl_error *err);

/* cdrl_dynamics_validate / _spread of the whole posterior: the spread is over
 * members (and each member's T dropout draws). */
int cdrl_ensemble_validate(cdrl_dynamics_ensemble *e, const cdrl_replay_buffer *buf, int T,
                           cdrl_dynamics_stats *stats, cdrl_error *err);
int cdrl_ensemble_spread(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int n, int T,
                         double *spread, cdrl_error *err);

/* Deterministic prediction: the mean of the members' eval-mode next states,
 * angle pairs put back on the unit circle (K = 1: cdrl_dynamics_predict). */
int cdrl_ensemble_predict(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int B,
                          float *next, cdrl_error *err);

/* Draws P >= K particles for a plan, split across members as above; forgets
 * a held Thompson member. */
int cdrl_ensemble_freeze(cdrl_dynamics_ensemble *e, int P, cdrl_error *err);

/* Thompson: one member (drawn) and one mask set of it, held until the next
 * freeze or hold. */
int cdrl_ensemble_hold(cdrl_dynamics_ensemble *e, cdrl_error *err);

/* One imagined step of B rows, particle-major (B a multiple of the frozen P),
 * or of every row through the held member. next may not alias obs. */
int cdrl_ensemble_step(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int B,
                       float *next, cdrl_error *err);

/* The same with counts (P) rows of each particle, particle-major, blocks of
 * any length (cdrl_dynamics_step_frozen_rows): each member steps its share
 * of the particles' rows, the held member all of them. P must be the
 * frozen particles (any P while a member is held). */
int cdrl_ensemble_step_rows(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int P,
                            const int *counts, float *next, cdrl_error *err);

/* The members' mean drop rate of a layer (K = 1: the model's, exactly). */
float cdrl_ensemble_p(const cdrl_dynamics_ensemble *e, int layer);

/* Parameters of one member (weights, biases, p logits). */
size_t cdrl_ensemble_member_params(const cdrl_dynamics_ensemble *e);

/* Multiply-adds of one row through one member's trunk and mean head: the
 * products a planning row pays per imagined step. FLOPs per planning step =
 * 2 x this x rows x horizon x rounds, whichever members the rows use. */
double cdrl_ensemble_row_macs(const cdrl_dynamics_ensemble *e);

#endif
