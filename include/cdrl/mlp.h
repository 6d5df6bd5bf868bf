/* The multilayer perceptron: dense layers with an activation, dropout on each
 * layer's input (none, fixed or Concrete), a shared trunk and one or more
 * linear output heads.
 *
 *   inp (B, n_inputs)
 *    -> [dropout -> dense -> act] x n_hidden          (the trunk)
 *    -> for each head h: dropout_h -> dense_h         (heads share the last hidden layer,
 *                                                      each with its own dropout)
 *   out (B, n_outputs): the heads side by side, head h in columns
 *                       [head_offset[h], head_offset[h] + head_size[h]).
 * A regression with a learned noise has heads {D, D}: columns 0..D-1 are the
 * mean, D..2D-1 the log-variance, the layout cdrl_gaussian_nll reads.
 *
 * The network is DATA (kann style): every parameter sits in one allocation
 * `params` and every gradient in another `grads`, both n_params floats, in the
 * order, layer by layer (trunk first, then the heads):
 *     weight (N,K), bias (N), p_logit (1, Concrete layers only).
 * The per-layer pointers in `layers[]` address into those arrays; the
 * per-layer generator states are in `layers[].rng`. A checkpoint is a write
 * of params and the generator states; a copy is a memcpy.
 *
 * Modes are explicit on every forward, never a hidden flag:
 *   CDRL_MODE_TRAIN  fresh dropout noise, keeps what backward needs;
 *   CDRL_MODE_EVAL   no dropout at all, deterministic;
 *   CDRL_MODE_MC     dropout noise at inference (Monte-Carlo dropout), or
 *                    the frozen per-particle masks if frozen.
 * Backward may follow a forward in any mode (it differentiates what that
 * forward computed; in EVAL that is the deterministic network).
 *
 * Threads: creating a network calls openblas_set_num_threads(1). The matrices
 * here are small, so OpenBLAS's threads cost more than they give, and a
 * single-threaded sgemm sums in a fixed order: same seed, same bits. (Most
 * products do not reach OpenBLAS at all: see dense.h.) */
#ifndef CDRL_MLP_H
#define CDRL_MLP_H

#include "cdrl/activation.h"
#include "cdrl/dropout.h"
#include "cdrl/error.h"
#include "cdrl/init.h"
#include "cdrl/rng.h"

#include <stddef.h>
#include <stdint.h>

#define CDRL_MLP_MAX_HIDDEN 8
#define CDRL_MLP_MAX_HEADS 4
#define CDRL_MLP_MAX_LAYERS (CDRL_MLP_MAX_HIDDEN + CDRL_MLP_MAX_HEADS)

typedef enum {
    CDRL_MODE_TRAIN = 0,
    CDRL_MODE_EVAL,
    CDRL_MODE_MC,
} cdrl_mode;

/* What to build. Start from cdrl_mlp_spec_default() and set the fields. */
typedef struct {
    int n_inputs;                       /* >= 1 */
    int n_hidden;                       /* 0..CDRL_MLP_MAX_HIDDEN trunk layers */
    int hidden[CDRL_MLP_MAX_HIDDEN];    /* their widths, each >= 1 */
    int n_heads;                        /* 1..CDRL_MLP_MAX_HEADS */
    int head_size[CDRL_MLP_MAX_HEADS];  /* outputs of each head, each >= 1 */
    cdrl_activation activation;         /* of the hidden layers; heads are linear */
    cdrl_dropout_spec dropout;          /* on the input of every layer (see below) */
    int dropout_on_input;               /* nonzero: the first layer's input (the raw
                                           network input) gets dropout too */
    uint64_t seed;                      /* initial weights: stream 0; layer i's noise:
                                           stream 1 + i */
    cdrl_init_scheme init;              /* kernel initialisation (default AUTO) */
} cdrl_mlp_spec;

/* One dense layer with the dropout on its input. Pointers into the network's
 * params/grads are stable for the network's life; the per-batch buffers are
 * owned by the network, sized for `capacity` rows (the backward scratch for
 * `grad_capacity`, allocated by the first backward pass), and hold the LAST
 * forward's values (row-major, B rows). */
typedef struct {
    int n_in, n_out;             /* K, N */
    int source;                  /* layer whose output is this layer's input; -1 = network input */
    cdrl_activation activation;  /* identity for heads */
    cdrl_dropout_kind dropout;   /* of this layer's input */
    float fixed_p;               /* drop rate when dropout == CDRL_DROPOUT_FIXED */
    float *weight, *bias;        /* (N,K), (N) in params */
    float *p_logit;              /* (1) in params when CONCRETE, else NULL */
    float *dweight, *dbias;      /* (N,K), (N) in grads */
    float *dp_logit;             /* (1) in grads when CONCRETE, else NULL */
    cdrl_rng rng;                /* this layer's noise stream */
    float *frozen_noise;         /* (P,K) per-particle uniforms, NULL when not frozen */
    /* forward buffers */
    float *noise;                /* (B,K) uniforms used by the last TRAIN/MC forward */
    float *mask;                 /* (B,K) Concrete z, or fixed (u >= p)/(1-p) */
    float *dropped;              /* (B,K) the input after dropout (unused where none ran) */
    float *pre;                  /* (B,N) dense output before the activation */
    float *act;                  /* (B,N) after the activation (== pre for heads) */
    /* backward scratch */
    float *dact;                 /* (B,N) gradient w.r.t. act, gathered from consumers */
    float *dpre;                 /* (B,N) */
    float *ddropped;             /* (B,K) */
} cdrl_mlp_layer;

typedef struct {
    cdrl_mlp_spec spec;                  /* as created */
    int n_layers;                        /* n_hidden + n_heads; trunk first */
    int n_outputs;                       /* sum of head sizes */
    int head_offset[CDRL_MLP_MAX_HEADS]; /* first output column of each head */
    cdrl_mlp_layer layers[CDRL_MLP_MAX_LAYERS];
    size_t n_params;
    float *params;                       /* (n_params), owned */
    float *grads;                        /* (n_params), owned */
    float weight_reg, dropout_reg;       /* Concrete regulariser coefficients (start at 0) */
    int hold_noise;                      /* nonzero: TRAIN/MC forwards reuse layers[].noise
                                            as it stands instead of drawing (test hook) */
    int frozen_particles;                /* P > 0 while masks are frozen, else 0 */
    int capacity;                        /* rows the forward buffers hold */
    int grad_capacity;                   /* rows the backward scratch holds (grown by backward) */
    int batch;                           /* rows of the last forward, 0 before any */
    cdrl_mode last_mode;                 /* mode of the last forward */
    float *input;                        /* (capacity, n_inputs) copy of the last forward's input */
    float *out;                          /* (capacity, n_outputs) output of the last forward */
} cdrl_mlp;

/* A spec with: 1 input, no hidden layer, one head of 1 output, relu,
 * dropout none, no input dropout, seed 0, init AUTO. */
cdrl_mlp_spec cdrl_mlp_spec_default(void);

/* Builds a network from spec and initialises it: kernels by spec.init (AUTO:
 * He-normal for relu, Glorot-uniform for tanh and heads, LeCun-normal for
 * selu; GLOROT: Glorot-uniform for all; HE: He-normal for all) from the spec's seed;
 * biases 0; p_logit = logit(spec.dropout.p) for Concrete layers; grads 0;
 * regulariser coefficients 0 (set them with cdrl_mlp_set_regularizer).
 * Returns 0 and *out, a network the caller frees with cdrl_mlp_free; or an
 * error code with *out = NULL and err filled (CDRL_EINVAL naming the bad field
 * and its accepted range, CDRL_ENOMEM). */
int cdrl_mlp_create(const cdrl_mlp_spec *spec, cdrl_mlp **out, cdrl_error *err);

/* Frees everything the network owns. NULL-safe. */
void cdrl_mlp_free(cdrl_mlp *net);

/* Makes the buffers hold at least B rows (forward does this itself; call it
 * to write layers[].noise before a held-noise forward). Returns 0 or CDRL_ENOMEM. */
int cdrl_mlp_reserve(cdrl_mlp *net, int B, cdrl_error *err);

/* Forward over B rows. inp (B, n_inputs). Returns net->out (B, n_outputs),
 * owned by the network and valid until the next forward, or NULL with err
 * filled (B < 1; B not a multiple of the particle count in MC mode with
 * frozen masks; CDRL_ENOMEM). */
const float *cdrl_mlp_forward(cdrl_mlp *net, const float *inp, int B, cdrl_mode mode,
                              cdrl_error *err);

/* Backward of the last forward. dout (B, n_outputs) with B that forward's.
 * Accumulates (+=) into net->grads (weights, biases, p_logits) and, if dinp is
 * not NULL, into dinp (B, n_inputs). Zero grads once per step yourself
 * (cdrl_mlp_zero_grad). Returns 0, CDRL_ESTATE if there was no forward, or
 * CDRL_ENOMEM if its scratch buffers could not be allocated. */
int cdrl_mlp_backward(cdrl_mlp *net, const float *dout, float *dinp, cdrl_error *err);

/* grads = 0. */
void cdrl_mlp_zero_grad(cdrl_mlp *net);

/* Sets the Concrete regulariser's coefficients; may be called at any time
 * (e.g. as N grows; see cdrl_concrete_coefficients). */
void cdrl_mlp_set_regularizer(cdrl_mlp *net, float weight_reg, float dropout_reg);

/* Shorthand: cdrl_concrete_coefficients(length_scale, tau, n_data,
 * cross_entropy) passed to cdrl_mlp_set_regularizer. */
void cdrl_mlp_set_data_size(cdrl_mlp *net, double length_scale, double tau, double n_data,
                            int cross_entropy);

/* Sum over the Concrete layers of their regulariser (see dropout.h), each at
 * its CURRENT p; accumulates its gradient into net->grads (kernels and
 * p_logits) and returns its value. Add it to the data loss once per step.
 * Layers with fixed or no dropout contribute nothing. */
float cdrl_mlp_regularizer(cdrl_mlp *net);

/* The current drop rate of layer i's input: sigmoid(p_logit) for Concrete,
 * the fixed p, or 0. */
float cdrl_mlp_dropout_p(const cdrl_mlp *net, int layer);

/* Freezes per-particle masks: draws P noise sets (one row of uniforms per
 * layer per particle) from the layers' generators. Until unfrozen, an MC
 * forward of B = P*R rows uses particle r / R's noise for row r (rows grouped
 * particle-major), so a multi-step rollout sees one network draw per particle
 * throughout. Concrete masks are recomputed from the frozen noise with the
 * current p. TRAIN and EVAL forwards ignore frozen masks. Freezing again
 * replaces the sets. Returns 0, or CDRL_EINVAL (P < 1) / CDRL_ENOMEM. */
int cdrl_mlp_freeze_masks(cdrl_mlp *net, int P, cdrl_error *err);

/* Drops the frozen sets; MC forwards draw fresh noise again. */
void cdrl_mlp_unfreeze_masks(cdrl_mlp *net);

/* Copies params from src to dst (same shapes; e.g. a target network).
 * Returns 0, or CDRL_EINVAL if the parameter counts differ. */
int cdrl_mlp_copy_params(cdrl_mlp *dst, const cdrl_mlp *src, cdrl_error *err);

#endif
