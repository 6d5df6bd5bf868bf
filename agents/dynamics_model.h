/* A learned dynamics model with Concrete Dropout: predicts the change of
 * state from (state, action), and knows how unsure it is.
 *
 *   input  = normalised state (obs_dim) then the action: one-hot (action_count)
 *            for discrete actions, the action_dim values for continuous ones;
 *            each column normalised by the training data's mean and std
 *   output = normalised change of state (obs_dim); with a log-variance head,
 *            also its log-variance (obs_dim), read as aleatoric noise
 *   next   = state + out_mean + out_std * output, then each angle pair
 *            (cos, sin) put back on the unit circle
 *
 * Angles: envs that observe an angle observe its cos and sin (pendulum,
 * cartpole-swingup, acrobot), which are already the smooth, bounded input
 * features a network wants (no wrap at +-pi). Predicted independently, the
 * two drift off the circle over an imagined rollout and the reward's atan2
 * then reads a wrong angle or a pendulum of the wrong length; so after every
 * predicted step each declared pair is divided by its norm. Which
 * observation components form pairs is the spec's `angle_cos`/`angle_sin`.
 *
 * Fitting follows the Concrete Dropout authors' objective: the data term is
 * twice the Gaussian NLL (MSE times tau without a log-variance head), plus
 * the regulariser with N = the number of training transitions, so the learned
 * drop rates fall as the buffer grows. Each fit is warm-started from the
 * current weights and Adam moments; the normalisers are recomputed from the
 * data first.
 *
 * The epistemic spread of a prediction is the standard deviation of the
 * predicted (normalised) change over T Monte-Carlo dropout draws, averaged
 * over rows and state dimensions: zero for a network without dropout.
 *
 * For planning, cdrl_dynamics_freeze draws P networks (one set of dropout
 * masks each) and cdrl_dynamics_step_frozen predicts a batch whose rows are
 * grouped particle-major (row r uses particle r / (B / P)), with the masks
 * precomputed, so a step of all particles and candidates costs one matrix
 * product per layer and no per-element transcendental;
 * cdrl_dynamics_step_frozen_rows does the same for particle blocks of any
 * length (a planner's rows that still matter). */
#ifndef CDRL_DYNAMICS_MODEL_H
#define CDRL_DYNAMICS_MODEL_H

#include <stdint.h>

#include "cdrl/checkpoint.h"
#include "cdrl/error.h"
#include "cdrl/metric_names.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "replay_buffer.h"
#include "cdrl/rng.h"
#include "cdrl/stats.h"

#define CDRL_DYNAMICS_MAX_ANGLES 8

typedef struct {
    int obs_dim;                     /* >= 1 */
    int action_count;                /* discrete actions, >= 2; or 0 with: */
    int action_dim;                  /* continuous action length >= 1 (0 when discrete) */
    int n_angles;                    /* angle pairs in the observation, 0..CDRL_DYNAMICS_MAX_ANGLES */
    int angle_cos[CDRL_DYNAMICS_MAX_ANGLES], angle_sin[CDRL_DYNAMICS_MAX_ANGLES];  /* observation index of each pair's cos and sin */
    int n_hidden;                    /* 1..CDRL_MLP_MAX_HIDDEN */
    int hidden[CDRL_MLP_MAX_HIDDEN]; /* widths */
    cdrl_activation activation;
    cdrl_dropout_spec dropout;       /* of each layer's input (not the network's input) */
    int logvar_head;                 /* nonzero: predict a log-variance too */
    double lr;                       /* Adam learning rate */
    int batch;                       /* minibatch rows per step, >= 1 */
    double length_scale;             /* prior length scale of the regulariser */
    double tau;                      /* model precision (1 with a log-variance head) */
    uint64_t seed;                   /* weights, noise streams, minibatch draws */
} cdrl_dynamics_spec;

/* What one evaluation on a set of transitions found. Errors are mean squared
 * errors per state dimension in normalised units. */
typedef struct {
    double val_mse;       /* of the MC-mean prediction on the validation slice */
    double zero_mse;      /* of predicting no change at all, same slice */
    double val_spread;    /* epistemic spread on the validation slice */
    double aleatoric;     /* mean predicted noise std (0 without a log-variance head) */
    /* Calibration on the validation slice of the Gaussian predictive per
     * state dimension (normalised units): mean = MC mean, variance =
     * epistemic + aleatoric, where aleatoric is the log-variance head's
     * exp(logvar) averaged over the draws, or, without that head, the mean
     * squared residual of the deterministic prediction on the training slice
     * per dimension (one noise level per dimension, learned from data the
     * score does not see). cover[k] / cover_epi[k]: observed coverage of the
     * central cdrl_metric_cal_levels[k] interval with the full / the
     * epistemic-only variance. All 0 with an empty validation slice. */
    cdrl_calibration cal;
    double cover[CDRL_METRIC_CAL_LEVELS], cover_epi[CDRL_METRIC_CAL_LEVELS];
} cdrl_dynamics_stats;

typedef struct {
    cdrl_dynamics_spec spec;
    int n_inputs;            /* obs_dim + action_count (discrete) or + action_dim */
    int action_stride;       /* floats per action in every array: 1 (an index) or action_dim */
    cdrl_mlp *net;
    cdrl_adam adam;
    /* normalisers, one allocation `norm`: in_mean, in_std (n_inputs each),
       out_mean, out_std (obs_dim each) */
    float *norm;
    float *in_mean, *in_std, *out_mean, *out_std;
    cdrl_rng rng;            /* minibatch draws */
    int particles;           /* P while frozen, else 0 */
    float *wt[CDRL_MLP_MAX_LAYERS]; /* (P, K, N) per particle: layer l's kernel transposed, its
                                       rows scaled by the frozen dropout multipliers (the weights
                                       as of the freeze); trunk and mean head, else NULL */
    int rows;                /* rows the scratch below holds */
    float *x, *y, *dout, *h[2]; /* scratch: inputs, targets, output grads, activations */
} cdrl_dynamics_model;

/* Builds a model (fresh weights from spec.seed, identity normalisers) into
 * *out; free with cdrl_dynamics_free. Returns 0, or an error code with
 * *out = NULL and err filled on a bad spec (naming the field) or no memory. */
int cdrl_dynamics_create(const cdrl_dynamics_spec *spec, cdrl_dynamics_model **out, cdrl_error *err);

void cdrl_dynamics_free(cdrl_dynamics_model *m);

/* The model's state for a checkpoint: its shape, parameters, Adam state and
 * normalisers as sections "<prefix>.shape", "<prefix>.params",
 * "<prefix>.adam.state", "<prefix>.adam.t", "<prefix>.norm", and its
 * generators as "<rng_prefix>.batches" and "<rng_prefix>.layers" (the mb
 * agent and pg's exploration bonus name them differently). */
int cdrl_dynamics_save(const cdrl_dynamics_model *m, cdrl_ckpt_writer *w, const char *prefix,
                       const char *rng_prefix, cdrl_error *err);

/* Reads what cdrl_dynamics_save wrote into m, which must have the same
 * shape: another shape is CDRL_ECORRUPT, one line naming `where` (the file)
 * and both shapes. */
int cdrl_dynamics_load(cdrl_dynamics_model *m, const cdrl_ckpt *ck, const char *where, const char *prefix,
                       const char *rng_prefix, cdrl_error *err);

/* Refits on the buffer's training slice: recomputes the normalisers from it,
 * sets the regulariser for N = training transitions, then takes `steps` Adam
 * steps on minibatches drawn with replacement. Writes the mean loss of the
 * last steps into *loss (may be NULL). Needs at least 2 training transitions
 * (else CDRL_EINVAL). A NaN or Inf loss or parameter is CDRL_EDIVERGED. */
int cdrl_dynamics_fit(cdrl_dynamics_model *m, const cdrl_replay_buffer *buf, int steps,
                      double *loss, cdrl_error *err);

/* Scores the buffer's validation slice with T Monte-Carlo draws (T >= 1),
 * calibration included (the same draws; the training-residual noise of a
 * model without a log-variance head comes from eval-mode passes, which
 * draw no random numbers). With an empty slice every field is 0. */
int cdrl_dynamics_validate(cdrl_dynamics_model *m, const cdrl_replay_buffer *buf, int T,
                           cdrl_dynamics_stats *stats, cdrl_error *err);

/* Epistemic spread (see above) at n states obs (n, obs_dim) with actions
 * (n, action_stride), over T draws. */
int cdrl_dynamics_spread(cdrl_dynamics_model *m, const float *obs, const float *actions, int n,
                         int T, double *spread, cdrl_error *err);

/* cdrl_dynamics_validate and cdrl_dynamics_spread of a posterior made of K
 * members with the same spec and normalisers (an ensemble,
 * dynamics_ensemble.h), each contributing T draws: the mixture's mean, its
 * epistemic variance (the members' mean MC variance plus the variance of
 * their means) and its aleatoric part (their mean); the training-residual
 * noise is that of the members' mean prediction. K = 1 is exactly the
 * single-model call. */
int cdrl_dynamics_validate_members(cdrl_dynamics_model *const *members, int K, const cdrl_replay_buffer *buf,
                                   int T, cdrl_dynamics_stats *stats, cdrl_error *err);
int cdrl_dynamics_spread_members(cdrl_dynamics_model *const *members, int K, const float *obs,
                                 const float *actions, int n, int T, double *spread, cdrl_error *err);

/* Deterministic prediction (dropout off, eval mode): next (B, obs_dim) from
 * obs (B, obs_dim) and actions (B, action_stride). */
int cdrl_dynamics_predict(cdrl_dynamics_model *m, const float *obs, const float *actions, int B,
                          float *next, cdrl_error *err);

/* Draws P networks for a rollout (the masks stay until the next freeze). */
int cdrl_dynamics_freeze(cdrl_dynamics_model *m, int P, cdrl_error *err);

/* One step of every particle: B rows, a multiple of P, grouped
 * particle-major. next may not alias obs. */
int cdrl_dynamics_step_frozen(cdrl_dynamics_model *m, const float *obs, const float *actions,
                              int B, float *next, cdrl_error *err);

/* The same over blocks of any length: counts (P, the frozen particles) rows
 * of each particle, in order, particle-major; a block may be empty. A row's
 * next state depends only on its own state, action and particle (the same
 * bits wherever it sits in the batch), so a planner may pass only the rows
 * it still needs. */
int cdrl_dynamics_step_frozen_rows(cdrl_dynamics_model *m, const float *obs, const float *actions,
                                   const int *counts, float *next, cdrl_error *err);

/* Reads angle pairs "C:S,C:S,..." (observation indices of each angle's cos
 * and sin; "" or "none": no pairs) into spec's n_angles, angle_cos,
 * angle_sin. Indices are checked against obs_dim by cdrl_dynamics_create.
 * Returns 0, or CDRL_EINVAL with a message quoting the text. */
int cdrl_dynamics_parse_angles(const char *text, cdrl_dynamics_spec *spec, cdrl_error *err);

/* The learned (or fixed) drop rate of each layer's input, as cdrl_mlp_dropout_p. */
float cdrl_dynamics_p(const cdrl_dynamics_model *m, int layer);

/* Layers of the network (trunk, then heads). */
int cdrl_dynamics_layers(const cdrl_dynamics_model *m);

#endif
