/* The pg agent's recurrent network (agent.policy.kind = "lstm") and its
 * losses, exposed so the gradient can be tested.
 *
 * A recurrent net is an LSTM over the observations (cdrl/lstm.h) with a
 * linear head on h_t: the head is a cdrl_mlp with no hidden layer (the
 * agent's `policy` / `value`), the LSTM's parameters sit in the block of a
 * pg_lstm_net. Dropout (none, fixed, Concrete) is on the LSTM's input and,
 * optionally, on its recurrent input h, each mask held for a whole sequence.
 *
 * What a sequence is. The agent steps B envs together; each env's steps of
 * one update are one stream, episodes following each other inside it (keep
 * = 0 where an episode starts resets the state, not the masks). The policy's
 * dropout noise is drawn once per env per update and held for the stream, so
 * an env acts with one network sample for the whole update. Training cuts
 * every stream into chunks of agent.lstm.chunk steps (the truncated-BPTT
 * window); a chunk starts from the recurrent state the rollout had there
 * (stored at every chunk start) and uses its env's noise row, so the loss
 * sees exactly the network that acted. The last chunk of a stream may be
 * shorter: it is padded, and padded steps carry no loss. */
#ifndef CDRL_PG_RECURRENT_H
#define CDRL_PG_RECURRENT_H

#include <stddef.h>

#include "cdrl/error.h"
#include "cdrl/lstm.h"
#include "cdrl/mlp.h"
#include "cdrl/rng.h"
#include "pg_loss.h"

typedef struct {
    cdrl_lstm lstm;
    size_t n_params;
    float *params, *grads;  /* (n_params) each, owned: the LSTM's block */
    int H, noise_width;
    cdrl_rng noise_rng;     /* draws of the value net's training noise and of the MC spread */
    /* agent.lstm.normalize_obs: the LSTM reads (obs - mean) / std, clipped to
     * +-PG_OBS_CLIP, with the running mean and variance of every observation
     * the rollouts saw before this update (pg_lstm_net_observe). */
    int normalize;
    double obs_count, *obs_mean, *obs_m2; /* (C) each, owned: the running moments */
    float *obs_shift, *obs_scale;         /* (C) each: mean and 1 / std as applied */
    float *obs_norm;                      /* (capacity / H * C) the normalised input */
    /* scratch of the last forward: the valid steps' h, compacted */
    int rows;               /* valid steps of the last forward */
    size_t capacity;        /* floats the scratch holds */
    float *compact, *dcompact, *dout;
} pg_lstm_net;

/* One batch of M sequences of L steps (padded). Arrays are the caller's. */
typedef struct {
    int M, L;
    const int *len;         /* (M) valid steps of each sequence, 1..L; the rest is padding */
    const float *obs;       /* (M,L,D) */
    const float *keep;      /* (M,L) 0 where an episode starts, else 1; NULL: all 1 */
    const float *h0, *c0;   /* (M,H) the state before step 0; NULL: zeros */
    const float *noise;     /* (M, noise width) held uniforms; NULL without dropout */
    /* per valid step, sequence by sequence (sequence 0's len[0] steps, then 1's, ...): */
    const int *actions;
    const float *old_logp, *adv;
} pg_seq_batch;

/* Builds an LSTM of C inputs and H units with input dropout `in` and
 * recurrent dropout `rec`, initialised from seed (PyTorch's uniform init).
 * Returns 0 and *out (free with pg_lstm_net_free), or an error. */
int pg_lstm_net_create(int C, int H, const cdrl_dropout_spec *in, const cdrl_dropout_spec *rec,
                       uint64_t seed, pg_lstm_net **out, cdrl_error *err);
void pg_lstm_net_free(pg_lstm_net *net);

/* Normalised inputs are clipped to +-PG_OBS_CLIP (as common running
 * normalisers do) so that one state far outside what was seen cannot
 * saturate every gate at once. */
#define PG_OBS_CLIP 10.0f

/* Adds `rows` observations (rows, C) to the running moments and sets the
 * normalisation the next forward applies (Chan et al.'s parallel update,
 * in double). Does nothing unless net->normalize. */
void pg_lstm_net_observe(pg_lstm_net *net, const float *obs, size_t rows);
/* Sets the applied normalisation from the running moments (after they are
 * loaded from a checkpoint). */
void pg_lstm_net_set_normalization(pg_lstm_net *net);

/* Zeroes the LSTM's and the head's gradients. */
void pg_recurrent_zero_grad(pg_lstm_net *net, cdrl_mlp *head);

/* Runs the LSTM over the batch and the head on the valid steps. Returns the
 * head's output (valid steps, head outputs), owned by the head; or NULL with
 * err filled. h_last, c_last (M,H) or NULL receive the final state. */
const float *pg_recurrent_forward(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b,
                                  cdrl_mode mode, float *h_last, float *c_last, cdrl_error *err);

/* Backward of the last forward (over the same batch b) from dout, the
 * gradient of the head's output on the valid steps; accumulates into the
 * head's and the LSTM's gradients. */
int pg_recurrent_backward(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b,
                          const float *dout, cdrl_error *err);

/* The PPO-clip / REINFORCE loss of pg_loss.h on the valid steps of the
 * batch (mean over them), with the held noise; accumulates its gradient into
 * every parameter of the LSTM (p_logits included) and the head. The Concrete
 * regulariser is not included. */
int pg_recurrent_policy_loss(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b, float clip,
                             float entropy_coef, cdrl_pg_loss_stats *stats, cdrl_error *err);

#endif
