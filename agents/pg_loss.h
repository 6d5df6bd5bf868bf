/* The policy-gradient agent's loss, exposed so its gradient can be tested.
 *
 * The agent itself (agents/pg.c) is reached through the registry as
 * `cdrl_agent_pg` (agent.h); this header holds the one piece a test needs to
 * call directly: the surrogate loss of a categorical policy network, with its
 * gradient carried through every parameter of the network — weights, biases
 * and the Concrete dropout p_logits. A policy-gradient loss built on a
 * log-probability that was detached from the network (computed once and
 * stored) has zero gradient and learns nothing; the tests check that this
 * one reaches every parameter.
 *
 * Dropout noise is part of the policy's input: when the agent acts, the
 * policy network draws its dropout uniforms u and then the action a from
 * pi(a | s, u). The loss evaluates pi(a | s, u) with the SAME u (held), so the
 * ratio pi_new / pi_old is exactly 1 before the first step, and the Concrete
 * relaxation z(u, p) carries the gradient to p_logit (reparameterisation). */
#ifndef CDRL_PG_LOSS_H
#define CDRL_PG_LOSS_H

#include "cdrl/error.h"
#include "cdrl/mlp.h"

/* One minibatch of transitions for the policy loss. All arrays are owned by
 * the caller. */
typedef struct {
    int B;                  /* rows, >= 1 */
    const float *obs;       /* (B, n_inputs) */
    const int *actions;     /* (B) in [0, n_outputs) */
    const float *old_logp;  /* (B) log pi_old(a | s, u) when the action was taken */
    const float *adv;       /* (B) advantages (normalised or not) */
    /* (B, K_l) held dropout uniforms of each layer l of the policy with
     * dropout on its input (NULL entries for the others); noise == NULL: draw
     * fresh noise from the layers' generators. */
    const float *const *noise;
} cdrl_pg_batch;

/* Copies the held uniforms noise[l] (B rows) into the policy's dropout
 * layers, so that the forward that follows uses them instead of drawing
 * (shared by the categorical and the Gaussian loss). `who` names the caller
 * in the error when a dropout layer has no held noise. */
int cdrl_pg_hold_noise(cdrl_mlp *policy, const float *const *noise, int B, const char *who, cdrl_error *err);

/* What one evaluation of the loss measured. */
typedef struct {
    float loss;       /* surrogate + entropy term: the value whose gradient was taken */
    float surrogate;  /* mean_b of -min(r A, clip(r) A) (clip > 0) or -A log pi (clip == 0) */
    float entropy;    /* mean policy entropy over the rows, nats */
    float clip_frac;  /* fraction of rows whose ratio lay outside [1 - clip, 1 + clip] */
} cdrl_pg_loss_stats;

/* Runs the policy forward in TRAIN mode on the batch and ACCUMULATES into
 * policy->grads the gradient of
 *     loss = mean_b L_b - entropy_coef * mean_b H(pi(. | s_b, u_b))
 * where, with r_b = exp(log pi(a_b | s_b, u_b) - old_logp_b),
 *     clip > 0:   L_b = -min(r_b A_b, clamp(r_b, 1 - clip, 1 + clip) A_b)   (PPO-clip)
 *     clip == 0:  L_b = -A_b log pi(a_b | s_b, u_b)                         (REINFORCE)
 * The Concrete regulariser is NOT included (cdrl_mlp_regularizer adds it).
 * The policy's outputs are the action logits. Fills *stats (may be NULL).
 * Returns 0, or CDRL_EINVAL (bad B, clip < 0) / an error of the network. */
int cdrl_pg_policy_loss(cdrl_mlp *policy, const cdrl_pg_batch *batch, float clip,
                        float entropy_coef, cdrl_pg_loss_stats *stats, cdrl_error *err);

/* The loss above from the policy's logits (B,A) alone: writes (not
 * accumulates) its gradient w.r.t. the logits into dlogits (B,A) and fills
 * *stats (may be NULL). The MLP and the recurrent policy share it. Returns 0
 * or CDRL_ENOMEM. */
int cdrl_pg_surrogate_grad(float *dlogits, const float *logits, int B, int A,
                           const int *actions, const float *old_logp, const float *adv,
                           float clip, float entropy_coef, cdrl_pg_loss_stats *stats,
                           cdrl_error *err);

#endif
