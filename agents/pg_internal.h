/* The policy-gradient agent's private parts, shared by its files:
 *   pg.c          the agent on the run harness (run_loop.h): buffers, metrics
 *   pg_schema.c   its config keys (agent.*)
 *   pg_networks.c its networks, their probabilities and MC-dropout spread (also for eval
 *                 and the library's policy loader)
 *   pg_rollout.c  collecting one update's episodes, GAE advantages, the solved window
 *   pg_update.c   the PPO-clip update of the policy and the value network
 *   pg_loss.c     the policy's surrogate loss and its gradient (pg_loss.h)
 *   pg_checkpoint.c  saving and loading the whole state
 *   pg_eval.c     cdrl eval of a pg run
 *   pg_bonus.c    the exploration bonus from a dynamics model's spread (pg_bonus.h)
 *   pg_recurrent.c         the LSTM network of agent.policy.kind = "lstm" and its loss
 *   pg_recurrent_update.c  its rollout steps and its update over chunks of sequences */
#ifndef CDRL_PG_INTERNAL_H
#define CDRL_PG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/agent.h"
#include "cdrl/checkpoint.h"
#include "cdrl/env.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "cdrl/rng.h"
#include "cdrl/run_csv.h"
#include "cdrl/run_loop.h"
#include "pg_continuous.h"
#include "pg_bonus.h"
#include "pg_loss.h"
#include "pg_recurrent.h"

/* The policy-gradient agent: `cdrl train --agent pg`.
 *
 * A categorical policy MLP and a value MLP (the baseline), each with its own
 * dropout setting (none, fixed:P or concrete). Each update collects several
 * whole episodes from a batch of envs, computes GAE(lambda) advantages,
 * normalises them, and takes a few epochs of minibatch steps on the PPO-clip
 * surrogate (agent.clip = 0 gives plain REINFORCE with a baseline) plus an
 * entropy bonus, with Adam and global gradient-norm clipping. The Concrete
 * regulariser is weighted by N = transitions seen so far, so its pull
 * weakens as data grows — which is what lets the learned p fall.
 *
 * Why the envs are made afresh at every update: the batched env has no
 * save/restore of its episodes in flight, and a resumed run must continue
 * bit for bit. So every update starts all envs from a reset, seeded by
 * (run.seed, update), and runs until each env has finished at least one
 * episode (and at least agent.min_steps steps); episodes still running at the
 * end of the update are cut and bootstrapped from the value network. Between
 * updates there is then no env state to save.
 *
 * With agent.policy.kind = "lstm" both networks are an LSTM with a linear
 * head (pg_recurrent.h). Because every update starts its envs from a reset,
 * every update also starts the recurrent state from zero: there is no
 * recurrent state between updates, and a checkpoint (taken between updates)
 * needs none; the state at each chunk start lives in the rollout only.
 *
 * On an env with continuous actions the policy is a diagonal Gaussian
 * (pg_continuous.h); the rest of the agent is the same.
 *
 * What is deliberately not here: parallel rollouts. */

typedef struct {
    int policy_layers, policy_hidden;
    char policy_dropout[CDRL_CFG_STR_MAX];
    int value_layers, value_hidden;
    char value_dropout[CDRL_CFG_STR_MAX];
    char activation[CDRL_CFG_STR_MAX];
    double concrete_init_p, length_scale, tau;
    int envs, min_steps;
    double gamma, gae_lambda, reward_factor;
    double lr, value_lr;
    int lr_anneal;
    int epochs, minibatch;
    double clip, entropy, max_grad_norm;
    int normalize_advantages;
    int probe_states, mc_samples;
    char policy_kind[CDRL_CFG_STR_MAX];
    int lstm_hidden, lstm_chunk;
    char lstm_recurrent_dropout[CDRL_CFG_STR_MAX];
    /* continuous actions and scaling (pg_continuous.h) */
    double log_std_init;
    char obs_norm[CDRL_CFG_STR_MAX];
    int reward_scale;
    char solve_return[CDRL_CFG_STR_MAX];
    pg_bonus_config bonus;      /* agent.bonus.*: the exploration bonus (pg_bonus.h) */
    int lstm_normalize_obs, lstm_head_layers;
} pg_config;

/* The schema of pg_config (pg_schema.c), PG_N_KEYS keys. */
#define PG_N_KEYS 48
extern const cdrl_cfg_key pg_keys[PG_N_KEYS];

/* Generator streams of the run seed; the networks use (net seed, layer) inside. */
enum {
    STREAM_POLICY_INIT = 1,
    STREAM_VALUE_INIT = 2,
    STREAM_ACTIONS = 3,
    STREAM_SHUFFLE = 4,
    STREAM_POLICY_LSTM = 5,
    STREAM_VALUE_LSTM = 6,
    STREAM_BONUS_MODEL = 7,
    STREAM_ENVS = 1u << 20, /* + update: the seed of that update's envs */
};

/* Counters and sizes a checkpoint stores as one section. */
typedef struct {
    int64_t update, env_steps, episodes;
    int64_t metrics_rows, episodes_rows;
    int64_t solved, n_probe, window_count, window_at;
} pg_counters;

/* One update's transitions, row t * B + e for step t of env e. */
typedef struct {
    int capacity;               /* rows */
    int n;                      /* rows filled */
    float *obs;                 /* (capacity, D) */
    int *actions;
    float *logp, *value, *reward, *next_value, *adv, *ret;
    uint8_t *ended;             /* the episode ended at this row; next_value holds its bootstrap */
    float *noise[CDRL_MLP_MAX_LAYERS]; /* (capacity, K_l) policy dropout uniforms, or NULL */
    /* recurrent nets only: */
    float *keep;                /* (capacity) 0 where the row starts an episode after another */
    float *chunk_state;         /* (chunks * B, 4H) state before each chunk's first step:
                                   policy h, c, value h, c (chunk k of env e at row k * B + e) */
    float *seq_noise;           /* (B, policy noise width) the env's held dropout uniforms */
} pg_rollout;

/* One minibatch: rows gathered from the rollout. */
typedef struct {
    float *obs, *logp, *adv, *ret;
    int *actions;
    float *noise[CDRL_MLP_MAX_LAYERS];
    int *order;                 /* (rollout capacity) shuffled row indices */
    /* recurrent nets only: M sequences of agent.lstm.chunk steps */
    int *len;                   /* (M) */
    float *seq_obs, *keep;      /* (M, L, D), (M, L) */
    float *state;               /* (4, M, H): policy h0, c0, value h0, c0 */
    float *seq_noise, *value_noise; /* (M, noise width) of each net */
} pg_batch;

/* Last update's measurements, for the metrics row and progress line. */
typedef struct {
    double policy_loss, value_loss, entropy, mc_spread;
} pg_update_stats;

typedef struct {
    const pg_config *cfg;
    const cdrl_run_config *run;
    const cdrl_env_spec *spec;  /* = &env_spec */
    cdrl_env_spec env_spec;
    int D, A;
    cdrl_mlp *policy, *value;   /* with recurrent nets: their linear heads */
    cdrl_adam policy_opt, value_opt;
    pg_lstm_net *policy_rnn, *value_rnn; /* NULL for agent.policy.kind = "mlp" */
    cdrl_adam policy_rnn_opt, value_rnn_opt;
    float *rnn_state;           /* (4, B, H) policy h, c, value h, c of the envs in flight */
    int *step_len;              /* (B) all 1: the lengths of one rollout step's sequences */
    cdrl_rng action_rng, shuffle_rng;
    pg_counters c;
    double *window;             /* returns of the last spec->solved_window episodes (ring) */
    int window_size;
    float *probe;               /* (n_probe, D) */
    pg_rollout ro;
    pg_batch batch;             /* the minibatch being learned from */
    double *obs_d, *final_obs, *rewards_d, *actions_d; /* per-step env arrays (B rows) */
    uint8_t *terminated, *truncated;
    float *step_obs;            /* (B, D) scratch */
    cdrl_csv *episodes_csv;     /* the harness's, lent for one update */
    pg_update_stats last;       /* of the last update, for its metrics row */
    pg_gauss *gauss;            /* the Gaussian policy's state; NULL for discrete actions */
    pg_scaling *scaling;        /* observation / reward scaling; NULL when both are off */
    double solve_threshold;     /* agent.solve_return, or the env's solved threshold */
    pg_bonus *bonus;            /* NULL unless agent.bonus.beta != 0 */
    /* --viz: shown env 0 after each step until the window is closed */
    cdrl_frame_fn frame;
    void *frame_user;
} pg_agent;


/* ---- pg.c ---- */

uint64_t pg_stream_seed(uint64_t seed, uint64_t stream);

/* The policy and value MLPs; for agent.policy.kind = "lstm" the linear
 * heads (H inputs, no hidden layer, no dropout) on the LSTMs. */
int pg_build_networks(const pg_config *cfg, const cdrl_run_config *run, int D, int A,
                          cdrl_mlp **policy, cdrl_mlp **value, cdrl_error *err);

/* The LSTMs of agent.policy.kind = "lstm" (both NULL for "mlp"). */
/* Refuses (CDRL_EINVAL, one line naming the keys) sizes whose estimated
 * memory passes cdrl_memory_limit(), for a rollout of `rows` rows, before
 * they are allocated (pg_memory.c). */
int pg_check_memory(const pg_agent *ag, size_t rows, cdrl_error *err);

/* The same for cdrl eval's MC mode: T = --mc-samples rows of the policy per
 * decision (pg_memory.c). */
int pg_check_eval_memory(const cdrl_mlp *policy, int T, cdrl_error *err);

int pg_build_recurrent(const pg_config *cfg, const cdrl_run_config *run, int D,
                       pg_lstm_net **policy, pg_lstm_net **value, cdrl_error *err);

/* The std over T draws of each action's probability, averaged over actions
 * and the rows; logits (rows*T, A), draw t of row r at r*T + t. With
 * mean_probs not NULL, also writes the (rows, A) mean probabilities.
 * Returns 0 or CDRL_ENOMEM. */
int pg_probs_spread(const float *logits, int rows, int T, int A, double *spread,
                    double *mean_probs, cdrl_error *err);

/* Softmax of one row of logits, in double. */
void pg_softmax_row(double *probs, const float *logits, int A);

/* The policy's MC-mode forward over T dropout draws of each of `rows`
 * states (rows, D): returns the network's (rows * T, n_outputs) output, the
 * T draws of one state adjacent, or NULL with *err set. */
const float *pg_mc_forward(cdrl_mlp *policy, const float *states, int rows, int T, cdrl_error *err);

/* The MC-dropout spread of the action probabilities on `rows` states: T
 * dropout draws of each state in one MC forward; the std over draws of each
 * action's probability, averaged over actions and states. With mean_probs not
 * NULL, also writes the (rows, A) mean probabilities. Zero without dropout. */
int pg_mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
                     double *mean_probs, cdrl_error *err);

static inline void pg_to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* ---- pg_rollout.c ---- */

/* One update's data: every env runs until it has finished an episode and
 * taken agent.min_steps steps (or the step budget is spent); episodes go to
 * ag->episodes_csv. */
int pg_collect(pg_agent *ag, cdrl_error *err);

/* Mean, min and max return of the solved window. */
void pg_window_stats(const pg_agent *ag, double *mean, double *lo, double *hi);

/* 1 once the window is full and its mean reaches the env's threshold. */
int pg_is_solved(const pg_agent *ag);

/* Sequences per minibatch of a recurrent net: agent.minibatch / agent.lstm.chunk,
 * at least 1, at most n_seqs. */
static inline size_t pg_chunks_per_minibatch(const pg_config *cfg, size_t n_seqs)
{
    size_t M = (size_t)(cfg->minibatch / cfg->lstm_chunk);
    M = M < 1 ? 1 : M;
    return M < n_seqs ? M : n_seqs;
}

/* ---- pg_update.c ---- */

/* order = a permutation of 0..n-1 drawn from rng. */
void pg_shuffle(int *order, int n, cdrl_rng *rng);

/* agent.epochs passes of minibatch steps over the rollout, both networks. */
int pg_update(pg_agent *ag, pg_update_stats *st, cdrl_error *err);

/* ---- pg_recurrent_update.c ---- */

/* The recurrent rollout's step for B envs at time t: stores keep and, at a
 * chunk start, the state; writes the logits (B,A) and the values (B) and
 * advances the state. */
int pg_recurrent_act(pg_agent *ag, int t, const float **logits, cdrl_error *err);

/* Values of obs (B,D) one step after the current state, which stays. */
int pg_recurrent_values(pg_agent *ag, const float *obs, float *out, cdrl_error *err);

/* Zero state and fresh held noise per env: the start of an update. */
void pg_recurrent_begin(pg_agent *ag);

/* pg_update for recurrent nets, over the normalised advantages. */
int pg_update_recurrent(pg_agent *ag, pg_update_stats *st, cdrl_error *err);

/* The MC spread on the probe states, each a one-step sequence from zero. */
int pg_recurrent_mc_spread(pg_agent *ag, double *spread, cdrl_error *err);

/* ---- pg_checkpoint.c ---- */

int pg_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err);
int pg_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err);

/* Reads network `name`'s parameters, and with opt not NULL its generators
 * and Adam state, from a checkpoint. */
int pg_read_net(const cdrl_ckpt *ck, const char *name, cdrl_mlp *net, cdrl_adam *opt, cdrl_error *err);

/* The same for a recurrent net's LSTM (section "<name>.lstm.*"). */
int pg_read_lstm(const cdrl_ckpt *ck, const char *name, pg_lstm_net *net, cdrl_adam *opt,
                 cdrl_error *err);

/* ---- pg_gaussian_agent.c ---- */

/* The Gaussian policy's state for ag's env (ag->gauss; after the rollout
 * buffers exist). Returns 0, CDRL_EINVAL (unbounded actions) or CDRL_ENOMEM. */
int pg_gauss_create(pg_agent *ag, cdrl_error *err);
void pg_gauss_free(pg_gauss *g);

/* Draws the B envs' actions around the means mu (B, A) with ag->action_rng;
 * stores the unclipped samples and their log-probabilities at row0 and the
 * env's (clipped, mapped) actions in ag->actions_d. */
void pg_gauss_sample(pg_agent *ag, size_t row0, const float *mu);

/* One Adam step of the policy MLP and log_std on the gathered minibatch
 * (ag->batch) of rollout rows `rows` (n). */
int pg_gauss_policy_step(pg_agent *ag, const int *rows, int n, pg_update_stats *st, cdrl_error *err);

/* The MC-dropout spread of the mean action: the std over T draws of each
 * mean component, averaged over components and the rows; with mean_mu not
 * NULL, also the (rows, A) means over the draws. Zero without dropout. */
int pg_gauss_mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
                       double *mean_mu, cdrl_error *err);

/* The mean of exp(log_std) over the action dimensions. */
double pg_gauss_mean_std(const pg_gauss *g);

/* Checkpoint sections "policy.log_std" and its Adam state. */
int pg_gauss_save(const pg_gauss *g, cdrl_ckpt_writer *w, cdrl_error *err);
int pg_gauss_load(pg_gauss *g, const cdrl_ckpt *ck, int with_optimizer, cdrl_error *err);

/* The solve threshold of a run: agent.solve_return as a number, or for
 * "env" the env's own (NaN when it has none). */
double pg_solve_threshold(const pg_config *cfg, const cdrl_env_spec *spec);

/* ---- pg_eval.c ---- */

int pg_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err);

/* Scales two gradient blocks (a network's and another's, e.g. the Gaussian
 * policy's log-std or an LSTM's head) together to a global L2 norm of at most
 * max_norm; max_norm <= 0: nothing (pg_update.c). */
void pg_clip_global(float *g1, size_t n1, float *g2, size_t n2, double max_norm);

#endif
