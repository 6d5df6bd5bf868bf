/* The LSTM layer: a forward pass over a batch of sequences and the backward
 * pass through time, with dropout (none, fixed or Concrete) on its input and,
 * optionally, on the recurrent input h, each mask LOCKED per sequence.
 *
 * Equations and gate order are those of PyTorch's nn.LSTM, so its weights and
 * results carry over one to one. For step t of sequence b, with x~ the
 * dropped input and h~ the dropped recurrent input:
 *   x~_t  = x_t * m_x                       m_x (C) one mask per sequence
 *   h~    = keep_t * h_{t-1} * m_h          m_h (H) one mask per sequence
 *   c~    = keep_t * c_{t-1}
 *   [a_i a_f a_g a_o] = W_ih x~_t + b_ih + W_hh h~ + b_hh      (4H, gate blocks i, f, g, o)
 *   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
 *   c_t = f * c~ + i * g
 *   h_t = o * tanh(c_t)                      the output of step t (undropped)
 * (h_{-1}, c_{-1}) = (h0, c0), the initial state. keep_t (one float per
 * sequence and step, 1 if not given) is 0 where an episode starts at step t,
 * so a batch of rollouts can run through episode boundaries. keep resets the
 * state, not the masks: a sequence keeps its noise row for all T steps (cut
 * windows at episode starts where each episode must have its own masks).
 *
 * Dropout, Gal & Ghahramani 2016 ("variational" RNN dropout): each mask is
 * drawn once per sequence and held for every step, so the layer is ONE sample
 * of a network for the whole sequence. Dropping input unit c for a whole
 * sequence is the same as zeroing column c of the four input-to-gate blocks
 * of W_ih, so the Concrete regulariser of the input dropout (see dropout.h)
 * runs over W_ih only, with K = C; the biases multiply no dropped input.
 * Dropping h_{t-1} before W_hh is in the same way zeroing columns of W_hh, so
 * Concrete recurrent dropout has its OWN rate and its own regulariser term
 * over W_hh with K = H. It must enter the regulariser: the data loss alone
 * always prefers p -> 0 (noise only hurts the fit), and it is the entropy
 * term that keeps a learned rate away from 0. Without recurrent Concrete
 * dropout W_hh is not regularised, as dense layers with no or fixed dropout
 * are not. Masks m are built from uniforms u with the functions of dropout.h
 * (Concrete: m = (1-z)/(1-p); fixed: m = (u >= p)/(1-p)).
 *
 * Parameters live in a block the CALLER owns (a network's one allocation),
 * in PyTorch's order; cdrl_lstm_param_count says how many floats:
 *     W_ih (4H,C), W_hh (4H,H), b_ih (4H), b_hh (4H),
 *     p_logit_x (1, input dropout Concrete only), p_logit_h (1, recurrent Concrete only)
 * and gradients in a second block of the same layout. The layer owns only its
 * per-batch buffers (what the backward pass needs, kept by the forward) and
 * its frozen masks.
 *
 * Truncated backpropagation through time: a forward call is one window of T
 * steps. Carry the state by passing one window's (h_last, c_last) as the
 * next window's (h0, c0) (they may be the same arrays). The backward pass of
 * a window stops at its start: that is the truncation. dh0/dc0 are the
 * gradients at the cut; handing them to the previous window's backward as
 * dh_last/dc_last continues the gradient exactly (each window then needs its
 * own cdrl_lstm, bound to the same parameter and gradient blocks).
 *
 * Backward ACCUMULATES (+=) into every gradient; zero once per step. */
#ifndef CDRL_LSTM_H
#define CDRL_LSTM_H

#include "cdrl/dropout.h"
#include "cdrl/error.h"
#include "cdrl/mlp.h" /* cdrl_mode */
#include "cdrl/rng.h"

#include <stddef.h>

/* What to build. */
typedef struct {
    int n_inputs;                  /* C >= 1 */
    int n_hidden;                  /* H >= 1 */
    cdrl_dropout_spec dropout;     /* on the input x, mask per sequence and input unit */
    cdrl_dropout_spec recurrent;   /* on h_{t-1} before W_hh, mask per sequence and unit */
} cdrl_lstm_spec;

typedef struct {
    cdrl_lstm_spec spec;
    /* parameters, in the caller's block */
    float *w_ih, *w_hh, *b_ih, *b_hh; /* (4H,C), (4H,H), (4H), (4H) */
    float *p_logit_x, *p_logit_h;     /* (1) each when that dropout is Concrete, else NULL */
    /* gradients, same layout in the caller's gradient block */
    float *dw_ih, *dw_hh, *db_ih, *db_hh;
    float *dp_logit_x, *dp_logit_h;
    /* frozen per-particle noise (P, noise width), NULL when not frozen */
    float *frozen_noise;
    int frozen_particles;
    /* the last forward: B sequences of T steps, in this mode */
    int batch, steps;
    cdrl_mode last_mode;
    size_t capacity_rows, capacity_seqs;  /* B*T and B the forward buffers hold */
    size_t grad_rows, grad_seqs;          /* the same for the backward scratch */
    float *inp;      /* (B,T,C) copy of the input */
    float *x_drop;   /* (B,T,C) x~, the input after its mask */
    float *mask_x;   /* (B,C) m_x */
    float *z_x;      /* (B,C) Concrete relaxed drop mask z of the input (fixed: m_x again) */
    float *mask_h;   /* (B,H) m_h */
    float *z_h;      /* (B,H) the same for h */
    float *ones;     /* (max(B*C, B*H)) all 1: the input the mask functions see */
    float *h0, *c0;  /* (B,H) copies of the initial state (zeros if none was given) */
    float *keep;     /* (B,T) copy of keep (all 1 if none was given) */
    float *h_prev;   /* (B,T,H) keep_t h_{t-1}, before the recurrent mask */
    float *h_drop;   /* (B,T,H) h~ */
    float *c_prev;   /* (B,T,H) c~ */
    float *gates;    /* (B,T,4H) i, f, g, o after their nonlinearities */
    float *c;        /* (B,T,H) c_t */
    float *tanh_c;   /* (B,T,H) tanh(c_t) */
    float *out;      /* (B,T,H) h_t, the layer's output */
    float *w_t;      /* (C+H, 4H) W_ih^T then W_hh^T for the small-product kernel
                        (src/matmul.h), then (4H(C+H)) the W_ih, W_hh they were made from */
    int w_t_made;    /* w_t holds a transpose (of the weights copied after it) */
    /* backward scratch */
    float *dgates;   /* (B,T,4H) gradient of the gate pre-activations */
    float *dx_drop;  /* (B,T,C) */
    float *dh, *dc;  /* (B,H) running gradients of h_t, c_t */
    float *dh_drop;  /* (B,H) */
    float *dmask_x;  /* (B,C) gradient of m_x */
    float *dmask_h;  /* (B,H) gradient of m_h */
} cdrl_lstm;

/* Floats of parameters (and of gradients) the layer needs:
 * 4H(C + H + 2) + one per Concrete dropout. */
size_t cdrl_lstm_param_count(const cdrl_lstm_spec *spec);

/* Uniforms per sequence the forward needs: C if the input has dropout, plus
 * H if the recurrent input has; 0 when neither has. A noise row is the input
 * part, then the recurrent part. */
int cdrl_lstm_noise_width(const cdrl_lstm_spec *spec);

/* Checks spec and binds the layer to params and grads, each
 * cdrl_lstm_param_count floats, owned by the caller and outliving the layer.
 * Writes no parameter (see cdrl_lstm_init_params). Returns 0, or CDRL_EINVAL
 * naming the bad field and its accepted range. Free with cdrl_lstm_free. */
int cdrl_lstm_init(cdrl_lstm *L, const cdrl_lstm_spec *spec, float *params, float *grads,
                   cdrl_error *err);

/* Frees the buffers the layer owns (not params or grads). The layer may be
 * initialised again. NULL-safe. */
void cdrl_lstm_free(cdrl_lstm *L);

/* PyTorch's initialisation: every weight and bias U(-1/sqrt(H), 1/sqrt(H))
 * from rng; each p_logit = logit(its spec's p). */
void cdrl_lstm_init_params(cdrl_lstm *L, cdrl_rng *rng);

/* Fills noise (B, noise width) with uniforms from rng: one row per sequence,
 * to be held for the whole sequence (or episode). */
void cdrl_lstm_draw_noise(const cdrl_lstm *L, cdrl_rng *rng, int B, float *noise);

/* Forward over B sequences of T steps.
 *   inp (B,T,C): sequence b's step t at inp[(b*T + t)*C].
 *   h0, c0 (B,H): the initial state, or NULL for zeros.
 *   keep (B,T) or NULL: multiplies the state carried into step t (0 resets it).
 *   noise (B, noise width): uniforms per sequence; read in TRAIN and MC mode
 *     when there is dropout (then required), else may be NULL. In MC mode with
 *     frozen masks the frozen ones are used instead and noise may be NULL.
 *   mode: TRAIN and MC apply the masks, EVAL applies none.
 *   h_last, c_last (B,H) or NULL: receive the state after step T-1 (= h0, c0
 *     of the next window). They may alias h0, c0.
 * Returns the output (B,T,H), h_t of every step, owned by the layer and valid
 * until its next forward; or NULL with err filled (B or T < 1, missing noise,
 * B not a multiple of the frozen particles, CDRL_ENOMEM). */
const float *cdrl_lstm_forward(cdrl_lstm *L, const float *inp, const float *h0, const float *c0,
                               const float *keep, const float *noise, int B, int T,
                               cdrl_mode mode, float *h_last, float *c_last, cdrl_error *err);

/* Backward of the last forward, through all its T steps.
 *   dout (B,T,H) or NULL: gradient w.r.t. the output.
 *   dh_last, dc_last (B,H) or NULL: gradient w.r.t. the final state (from a
 *     later window, or a loss on the state).
 * Accumulates into the gradient block (W_ih, W_hh, b_ih, b_hh and the
 * p_logits of Concrete dropout that the forward applied) and, when not NULL,
 * into dinp (B,T,C), dh0 (B,H), dc0 (B,H). Returns 0, CDRL_ESTATE if there was
 * no forward, or CDRL_ENOMEM. */
int cdrl_lstm_backward(cdrl_lstm *L, const float *dout, const float *dh_last,
                       const float *dc_last, float *dinp, float *dh0, float *dc0,
                       cdrl_error *err);

/* The Concrete regulariser of the layer at its current rates (dropout.h's
 * formula): the input dropout's term over W_ih with K = C, plus the recurrent
 * dropout's term over W_hh with K = H, each only when that dropout is
 * Concrete. Accumulates its gradient into the gradient block; returns it. */
float cdrl_lstm_regularizer(cdrl_lstm *L, float weight_reg, float dropout_reg);

/* The current drop rate of the input (recurrent = 0) or of h (recurrent = 1):
 * sigmoid(p_logit) for Concrete, the fixed p, or 0. */
float cdrl_lstm_dropout_p(const cdrl_lstm *L, int recurrent);

/* Freezes per-particle masks: draws P noise rows from rng. Until unfrozen, an
 * MC forward of B = P*R sequences uses particle r / R's row for sequence r
 * (sequences grouped particle-major), so each particle is one network draw
 * across calls. Concrete masks are recomputed with the current p. TRAIN and
 * EVAL forwards ignore frozen masks. Returns 0, or CDRL_EINVAL (P < 1) /
 * CDRL_ENOMEM. */
int cdrl_lstm_freeze_masks(cdrl_lstm *L, int P, cdrl_rng *rng, cdrl_error *err);

/* Drops the frozen rows; MC forwards read the noise argument again. */
void cdrl_lstm_unfreeze_masks(cdrl_lstm *L);

#endif
