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
 * What is deliberately not here: parallel rollouts, recurrent policies,
 * continuous actions. */
#include "cdrl/agent.h"
#include "cdrl/checkpoint.h"
#include "cdrl/dropout.h"
#include "cdrl/env.h"
#include "cdrl/loss.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "cdrl/pg.h"
#include "cdrl/rng.h"
#include "cdrl/run.h"
#include "cdrl/shortest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Configuration ---------------------------------------------------------- */

typedef struct {
    int policy_layers, policy_hidden;
    char policy_dropout[CDRL_CFG_STR_MAX];
    int value_layers, value_hidden;
    char value_dropout[CDRL_CFG_STR_MAX];
    char activation[CDRL_CFG_STR_MAX];
    double concrete_init_p, length_scale, tau;
    int envs, min_steps;
    double gamma, gae_lambda;
    double lr, value_lr;
    int epochs, minibatch;
    double clip, entropy, max_grad_norm;
    int normalize_advantages;
    int probe_states, mc_samples;
} pg_config;

#define KEY(p, t, f) .path = p, .type = t, .offset = offsetof(pg_config, f)
#define INT_RANGE(lo, hi) .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = lo, .max = hi
#define UNIT_OPEN .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1

static const cdrl_cfg_key pg_keys[] = {
    {KEY("agent.policy.layers", CDRL_CFG_INT, policy_layers), INT_RANGE(1, CDRL_MLP_MAX_HIDDEN),
     .default_text = "2", .help = "hidden layers of the policy network"},
    {KEY("agent.policy.hidden", CDRL_CFG_INT, policy_hidden), INT_RANGE(1, 4096),
     .default_text = "64", .help = "units per hidden layer of the policy network"},
    {KEY("agent.policy.dropout", CDRL_CFG_STRING, policy_dropout), .default_text = "concrete",
     .validate = cdrl_cfg_validate_dropout,
     .help = "policy dropout on each hidden layer's output: none, fixed:P, concrete (learned p)"},
    {KEY("agent.value.layers", CDRL_CFG_INT, value_layers), INT_RANGE(1, CDRL_MLP_MAX_HIDDEN),
     .default_text = "2", .help = "hidden layers of the value network (the baseline)"},
    {KEY("agent.value.hidden", CDRL_CFG_INT, value_hidden), INT_RANGE(1, 4096),
     .default_text = "64", .help = "units per hidden layer of the value network"},
    {KEY("agent.value.dropout", CDRL_CFG_STRING, value_dropout), .default_text = "none",
     .validate = cdrl_cfg_validate_dropout,
     .help = "value-network dropout: none, fixed:P, concrete (--dropout sets it too)"},
    {KEY("agent.activation", CDRL_CFG_CHOICE, activation), .choices = "tanh|relu",
     .default_text = "tanh", .help = "activation of the hidden layers of both networks"},
    {KEY("agent.concrete.init_p", CDRL_CFG_FLOAT, concrete_init_p), UNIT_OPEN,
     .default_text = "0.1", .help = "initial drop rate of Concrete layers"},
    {KEY("agent.concrete.length_scale", CDRL_CFG_FLOAT, length_scale),
     .range = CDRL_CFG_MIN_EXCL, .min = 0, .default_text = "1e-4",
     .help = "prior length scale l: weight_reg = l^2 / (tau N)"},
    {KEY("agent.concrete.tau", CDRL_CFG_FLOAT, tau), .range = CDRL_CFG_MIN_EXCL, .min = 0,
     .default_text = "1", .help = "model precision tau: dropout_reg = 1 / (tau N) (policy), 2 / (tau N) (value)"},
    {KEY("agent.envs", CDRL_CFG_INT, envs), INT_RANGE(1, 4096), .default_text = "8",
     .help = "envs stepped together; each finishes at least one episode per update"},
    {KEY("agent.min_steps", CDRL_CFG_INT, min_steps), INT_RANGE(1, 1000000),
     .default_text = "64", .help = "at least this many steps per env per update"},
    {KEY("agent.gamma", CDRL_CFG_FLOAT, gamma), .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 0,
     .max = 1, .default_text = "0.99", .help = "discount factor"},
    {KEY("agent.gae_lambda", CDRL_CFG_FLOAT, gae_lambda), .range = CDRL_CFG_MIN | CDRL_CFG_MAX,
     .min = 0, .max = 1, .default_text = "0.95",
     .help = "GAE lambda (1 = discounted returns minus the baseline)"},
    {KEY("agent.lr", CDRL_CFG_FLOAT, lr), .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0,
     .max = 1, .default_text = "1e-3", .help = "Adam learning rate of the policy"},
    {KEY("agent.value_lr", CDRL_CFG_FLOAT, value_lr), .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX,
     .min = 0, .max = 1, .default_text = "1e-3", .help = "Adam learning rate of the value network"},
    {KEY("agent.epochs", CDRL_CFG_INT, epochs), INT_RANGE(1, 100), .default_text = "4",
     .help = "passes over each update's transitions"},
    {KEY("agent.minibatch", CDRL_CFG_INT, minibatch), INT_RANGE(1, 1000000),
     .default_text = "256", .help = "transitions per gradient step"},
    {KEY("agent.clip", CDRL_CFG_FLOAT, clip), .range = CDRL_CFG_MIN | CDRL_CFG_MAX_EXCL, .min = 0,
     .max = 1, .default_text = "0.2",
     .help = "PPO ratio clip; 0 = plain policy gradient (REINFORCE with baseline)"},
    {KEY("agent.entropy", CDRL_CFG_FLOAT, entropy), .range = CDRL_CFG_MIN, .min = 0,
     .default_text = "0.01", .help = "entropy bonus coefficient"},
    {KEY("agent.max_grad_norm", CDRL_CFG_FLOAT, max_grad_norm), .range = CDRL_CFG_MIN, .min = 0,
     .default_text = "0.5", .help = "global gradient-norm clip of each network; 0 = off"},
    {KEY("agent.normalize_advantages", CDRL_CFG_BOOL, normalize_advantages),
     .default_text = "true", .help = "scale each update's advantages to mean 0, std 1"},
    {KEY("agent.probe_states", CDRL_CFG_INT, probe_states), INT_RANGE(1, 4096),
     .default_text = "64", .help = "states (from the first update) the MC spread is measured on"},
    {KEY("agent.mc_samples", CDRL_CFG_INT, mc_samples), INT_RANGE(1, 1000),
     .default_text = "20", .help = "dropout samples T for the MC spread in metrics.csv"},
};

/* ---- The agent's state -------------------------------------------------------- */

/* Generator streams of the run seed; the networks use (net seed, layer) inside. */
enum {
    STREAM_POLICY_INIT = 1,
    STREAM_VALUE_INIT = 2,
    STREAM_ACTIONS = 3,
    STREAM_SHUFFLE = 4,
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
} pg_rollout;

/* Gathered minibatch rows. */
typedef struct {
    float *obs, *logp, *adv, *ret;
    int *actions;
    float *noise[CDRL_MLP_MAX_LAYERS];
    int *order;                 /* (rollout capacity) shuffled row indices */
} pg_minibatch;

typedef struct {
    const pg_config *cfg;
    const cdrl_run_config *run;
    const cdrl_env_spec *spec;
    int D, A;
    cdrl_mlp *policy, *value;
    cdrl_adam policy_opt, value_opt;
    cdrl_rng action_rng, shuffle_rng;
    pg_counters c;
    double *window;             /* returns of the last spec->solved_window episodes (ring) */
    int window_size;
    float *probe;               /* (n_probe, D) */
    pg_rollout ro;
    pg_minibatch mb;
    double *obs_d, *final_obs, *rewards_d, *actions_d; /* per-step env arrays (B rows) */
    uint8_t *terminated, *truncated;
    float *step_obs;            /* (B, D) scratch */
    cdrl_csv *metrics, *episodes_csv;
    /* --viz: shown env 0 after each step until the window is closed */
    cdrl_frame_fn frame;
    void *frame_user;
} pg_agent;

/* Last update's measurements, for the metrics row and progress line. */
typedef struct {
    double policy_loss, value_loss, entropy, mc_spread;
} pg_update_stats;

/* ---- Networks ----------------------------------------------------------------- */

static int build_network(const pg_config *cfg, int n_inputs, int n_outputs, int layers,
                         int hidden, const char *dropout, uint64_t seed, cdrl_mlp **out,
                         cdrl_error *err)
{
    cdrl_mlp_spec spec = cdrl_mlp_spec_default();
    spec.n_inputs = n_inputs;
    spec.n_hidden = layers;
    for (int i = 0; i < layers; i++)
        spec.hidden[i] = hidden;
    spec.head_size[0] = n_outputs;
    spec.activation = strcmp(cfg->activation, "relu") == 0 ? CDRL_ACT_RELU : CDRL_ACT_TANH;
    spec.seed = seed;
    int rc = cdrl_dropout_parse(dropout, (float)cfg->concrete_init_p, &spec.dropout, err);
    if (rc)
        return rc;
    *out = cdrl_mlp_create(&spec, err);
    return *out ? 0 : (err ? err->code : CDRL_ENOMEM);
}

static uint64_t stream_seed(uint64_t seed, uint64_t stream)
{
    cdrl_rng r;
    cdrl_rng_seed(&r, seed, stream);
    return cdrl_rng_u64(&r);
}

static int build_networks(const pg_config *cfg, const cdrl_run_config *run, int D, int A,
                          cdrl_mlp **policy, cdrl_mlp **value, cdrl_error *err)
{
    uint64_t seed = (uint64_t)run->seed;
    int rc = build_network(cfg, D, A, cfg->policy_layers, cfg->policy_hidden, cfg->policy_dropout,
                           stream_seed(seed, STREAM_POLICY_INIT), policy, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.policy");
    rc = build_network(cfg, D, 1, cfg->value_layers, cfg->value_hidden, cfg->value_dropout,
                       stream_seed(seed, STREAM_VALUE_INIT), value, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.value");
    return 0;
}

/* Softmax of one row of logits, in double. */
static void softmax_row(double *probs, const float *logits, int A)
{
    double mx = logits[0], sum = 0.0;
    for (int a = 1; a < A; a++)
        mx = fmax(mx, logits[a]);
    for (int a = 0; a < A; a++)
        sum += probs[a] = exp((double)logits[a] - mx);
    for (int a = 0; a < A; a++)
        probs[a] /= sum;
}

/* The MC-dropout spread of the action probabilities on `rows` states: T
 * dropout draws of each state in one MC forward; the std over draws of each
 * action's probability, averaged over actions and states. With mean_probs not
 * NULL, also writes the (rows, A) mean probabilities. Zero without dropout. */
static int mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
                     double *mean_probs, cdrl_error *err)
{
    int D = policy->spec.n_inputs, A = policy->n_outputs;
    float *inp = calloc((size_t)rows * T * D, sizeof(float));
    double *probs = malloc(sizeof(double) * (size_t)T * A);
    if (!inp || !probs) {
        free(inp), free(probs);
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: cannot allocate the MC spread buffers");
    }
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < T; t++)
            memcpy(inp + ((size_t)r * T + t) * D, states + (size_t)r * D, sizeof(float) * D);
    const float *out = cdrl_mlp_forward(policy, inp, rows * T, CDRL_MODE_MC, err);
    if (!out) {
        free(inp), free(probs);
        return err ? err->code : CDRL_EINVAL;
    }
    double total = 0.0;
    for (int r = 0; r < rows; r++) {
        for (int t = 0; t < T; t++)
            softmax_row(probs + (size_t)t * A, out + ((size_t)r * T + t) * A, A);
        for (int a = 0; a < A; a++) {
            double m = 0.0, v = 0.0;
            for (int t = 0; t < T; t++)
                m += probs[(size_t)t * A + a];
            m /= T;
            for (int t = 0; t < T; t++) {
                double d = probs[(size_t)t * A + a] - m;
                v += d * d;
            }
            total += sqrt(v / T);
            if (mean_probs)
                mean_probs[(size_t)r * A + a] = m;
        }
    }
    *spread = total / ((double)rows * A);
    free(inp), free(probs);
    return 0;
}

/* ---- Allocation ----------------------------------------------------------------- */

static void *alloc_rows(size_t rows, size_t width, size_t elem, int *fail)
{
    size_t n = rows * width;
    void *p = calloc(n > 0 ? n : 1, elem);
    *fail |= p == NULL;
    return p;
}

static int agent_alloc(pg_agent *ag, cdrl_error *err)
{
    int B = ag->cfg->envs, D = ag->D, fail = 0;
    int steps = ag->spec->max_episode_steps > 0 ? ag->spec->max_episode_steps : 1000;
    int T = ag->cfg->min_steps > steps ? ag->cfg->min_steps : steps;
    size_t cap = (size_t)T * B;
    if (cap > 100000000)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: agent.envs x steps per update = %zu rows is too many",
                           cap);
    pg_rollout *ro = &ag->ro;
    pg_minibatch *mb = &ag->mb;
    ro->capacity = (int)cap;
    ro->obs = alloc_rows(cap, D, sizeof(float), &fail);
    ro->actions = alloc_rows(cap, 1, sizeof(int), &fail);
    ro->logp = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->value = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->reward = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->next_value = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->adv = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->ret = alloc_rows(cap, 1, sizeof(float), &fail);
    ro->ended = alloc_rows(cap, 1, 1, &fail);
    size_t mbn = (size_t)ag->cfg->minibatch < cap ? (size_t)ag->cfg->minibatch : cap;
    mb->obs = alloc_rows(mbn, D, sizeof(float), &fail);
    mb->logp = alloc_rows(mbn, 1, sizeof(float), &fail);
    mb->adv = alloc_rows(mbn, 1, sizeof(float), &fail);
    mb->ret = alloc_rows(mbn, 1, sizeof(float), &fail);
    mb->actions = alloc_rows(mbn, 1, sizeof(int), &fail);
    mb->order = alloc_rows(cap, 1, sizeof(int), &fail);
    for (int l = 0; l < ag->policy->n_layers; l++) {
        const cdrl_mlp_layer *L = &ag->policy->layers[l];
        if (L->dropout == CDRL_DROPOUT_NONE)
            continue;
        ro->noise[l] = alloc_rows(cap, L->n_in, sizeof(float), &fail);
        mb->noise[l] = alloc_rows(mbn, L->n_in, sizeof(float), &fail);
    }
    ag->obs_d = alloc_rows(B, D, sizeof(double), &fail);
    ag->final_obs = alloc_rows(B, D, sizeof(double), &fail);
    ag->rewards_d = alloc_rows(B, 1, sizeof(double), &fail);
    ag->actions_d = alloc_rows(B, 1, sizeof(double), &fail);
    ag->terminated = alloc_rows(B, 1, 1, &fail);
    ag->truncated = alloc_rows(B, 1, 1, &fail);
    ag->step_obs = alloc_rows(B, D, sizeof(float), &fail);
    ag->window_size = ag->spec->solved_window > 0 ? ag->spec->solved_window : 100;
    ag->window = alloc_rows((size_t)ag->window_size, 1, sizeof(double), &fail);
    ag->probe = alloc_rows((size_t)ag->cfg->probe_states, D, sizeof(float), &fail);
    if (fail)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory for %zu rollout rows", cap);
    return 0;
}

static void agent_free(pg_agent *ag)
{
    pg_rollout *ro = &ag->ro;
    pg_minibatch *mb = &ag->mb;
    free(ro->obs), free(ro->actions), free(ro->logp), free(ro->value), free(ro->reward);
    free(ro->next_value), free(ro->adv), free(ro->ret), free(ro->ended);
    free(mb->obs), free(mb->logp), free(mb->adv), free(mb->ret), free(mb->actions), free(mb->order);
    for (int l = 0; l < CDRL_MLP_MAX_LAYERS; l++)
        free(ro->noise[l]), free(mb->noise[l]);
    free(ag->obs_d), free(ag->final_obs), free(ag->rewards_d), free(ag->actions_d);
    free(ag->terminated), free(ag->truncated), free(ag->step_obs);
    free(ag->window), free(ag->probe);
    cdrl_adam_free(&ag->policy_opt);
    cdrl_adam_free(&ag->value_opt);
    cdrl_mlp_free(ag->policy);
    cdrl_mlp_free(ag->value);
}

/* Creates the networks, optimizers, generators and buffers of a fresh run. */
static int agent_init(pg_agent *ag, const pg_config *cfg, const cdrl_run_config *run,
                      const cdrl_env_spec *spec, cdrl_error *err)
{
    memset(ag, 0, sizeof *ag);
    ag->cfg = cfg;
    ag->run = run;
    ag->spec = spec;
    ag->D = spec->obs_dim;
    ag->A = spec->action_count;
    if (ag->A < 2 || ag->A > 64)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: env %s has %d discrete actions; pg needs 2..64",
                           spec->name, ag->A);
    int rc = build_networks(cfg, run, ag->D, ag->A, &ag->policy, &ag->value, err);
    if (rc)
        return rc;
    if ((rc = cdrl_adam_init(&ag->policy_opt, ag->policy->n_params, (float)cfg->lr, err)) ||
        (rc = cdrl_adam_init(&ag->value_opt, ag->value->n_params, (float)cfg->value_lr, err)))
        return rc;
    ag->policy_opt.clip_norm = (float)cfg->max_grad_norm;
    ag->value_opt.clip_norm = (float)cfg->max_grad_norm;
    cdrl_rng_seed(&ag->action_rng, (uint64_t)run->seed, STREAM_ACTIONS);
    cdrl_rng_seed(&ag->shuffle_rng, (uint64_t)run->seed, STREAM_SHUFFLE);
    return agent_alloc(ag, err);
}

/* ---- Envs ------------------------------------------------------------------------ */

static int apply_vec_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_vec_env_set_option(user, key, value, err);
}

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* The envs of update `update`: a fresh batch seeded by (run seed, update). */
static int make_envs(const pg_agent *ag, int64_t update, cdrl_vec_env **out, cdrl_error *err)
{
    uint64_t seed = stream_seed((uint64_t)ag->run->seed, STREAM_ENVS + (uint64_t)update);
    int rc = cdrl_vec_env_create(ag->run->env, ag->cfg->envs, seed, out, err);
    if (!rc)
        rc = cdrl_env_options_each(ag->run->env_options, apply_vec_option, *out, err);
    if (rc) {
        cdrl_vec_env_free(*out);
        *out = NULL;
        return cdrl_error_prefix(err, "env.options");
    }
    return 0;
}

/* ---- Episodes and the solved window ------------------------------------------------ */

static void window_push(pg_agent *ag, double episode_return)
{
    ag->window[ag->c.window_at] = episode_return;
    ag->c.window_at = (ag->c.window_at + 1) % ag->window_size;
    if (ag->c.window_count < ag->window_size)
        ag->c.window_count++;
}

static void window_stats(const pg_agent *ag, double *mean, double *lo, double *hi)
{
    double sum = 0.0;
    *lo = *hi = ag->c.window_count ? ag->window[0] : 0.0;
    for (int64_t i = 0; i < ag->c.window_count; i++) {
        sum += ag->window[i];
        *lo = fmin(*lo, ag->window[i]);
        *hi = fmax(*hi, ag->window[i]);
    }
    *mean = ag->c.window_count ? sum / (double)ag->c.window_count : 0.0;
}

static int is_solved(const pg_agent *ag)
{
    double mean, lo, hi;
    if (ag->c.window_count < ag->window_size)
        return 0;
    window_stats(ag, &mean, &lo, &hi);
    return mean >= ag->spec->solved_threshold;
}

/* ---- Rollout ------------------------------------------------------------------------ */

/* Value-network predictions (EVAL mode: the deterministic baseline) for B rows. */
static int predict_values(cdrl_mlp *value, const float *obs, int B, float *out, cdrl_error *err)
{
    const float *v = cdrl_mlp_forward(value, obs, B, CDRL_MODE_EVAL, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    memcpy(out, v, sizeof(float) * B);
    return 0;
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* Records the episodes that ended on this step and the value each ended
 * row bootstraps from: 0 after termination, V(last obs) after truncation. */
static int finish_episodes(pg_agent *ag, cdrl_vec_env *venv, size_t row0, uint8_t *done_once,
                           cdrl_error *err)
{
    int B = ag->cfg->envs, D = ag->D, n_trunc = 0;
    float *trunc_obs = ag->step_obs;
    int trunc_env[4096];
    for (int e = 0; e < B; e++) {
        ag->ro.ended[row0 + e] = ag->terminated[e] || ag->truncated[e];
        ag->ro.next_value[row0 + e] = 0.0f;
        if (!ag->ro.ended[row0 + e])
            continue;
        double ret;
        int len;
        cdrl_vec_env_episode_stats(venv, e, &ret, &len);
        ag->c.episodes++;
        done_once[e] = 1;
        window_push(ag, ret);
        int rc = cdrl_csv_row(ag->episodes_csv, err, "%lld,%lld,%s,%d", (long long)ag->c.episodes,
                              (long long)(ag->c.env_steps + e + 1), cdrl_shortest_double(ret).text, len);
        if (rc)
            return rc;
        if (!ag->terminated[e] && ag->truncated[e]) {
            to_float(trunc_obs + (size_t)n_trunc * D, ag->final_obs + (size_t)e * D, (size_t)D);
            trunc_env[n_trunc++] = e;
        }
    }
    if (n_trunc) {
        const float *v = cdrl_mlp_forward(ag->value, trunc_obs, n_trunc, CDRL_MODE_EVAL, err);
        if (!v)
            return err ? err->code : CDRL_EINVAL;
        for (int i = 0; i < n_trunc; i++)
            ag->ro.next_value[row0 + trunc_env[i]] = v[i];
    }
    return 0;
}

/* Draws the actions of B envs from the policy's probabilities (dropout noise
 * drawn fresh, kept in the rollout for the loss) and records them. */
static int act(pg_agent *ag, size_t row0, cdrl_error *err)
{
    int B = ag->cfg->envs, A = ag->A;
    const float *logits = cdrl_mlp_forward(ag->policy, ag->ro.obs + row0 * ag->D, B,
                                           CDRL_MODE_TRAIN, err);
    if (!logits)
        return err ? err->code : CDRL_EINVAL;
    for (int l = 0; l < ag->policy->n_layers; l++)
        if (ag->ro.noise[l])
            memcpy(ag->ro.noise[l] + row0 * ag->policy->layers[l].n_in, ag->policy->layers[l].noise,
                   sizeof(float) * (size_t)B * ag->policy->layers[l].n_in);
    float logp[CDRL_ENV_MAX_DIM > 64 ? CDRL_ENV_MAX_DIM : 64];
    double probs[64];
    for (int e = 0; e < B; e++) {
        const float *row = logits + (size_t)e * A;
        softmax_row(probs, row, A);
        double u = cdrl_rng_uniform(&ag->action_rng), acc = 0.0;
        int a = A - 1;
        for (int j = 0; j < A - 1; j++) {
            acc += probs[j];
            if (u < acc) {
                a = j;
                break;
            }
        }
        cdrl_log_softmax(logp, row, 1, A);
        ag->ro.actions[row0 + e] = a;
        ag->ro.logp[row0 + e] = logp[a];
        ag->actions_d[e] = a;
    }
    return predict_values(ag->value, ag->ro.obs + row0 * ag->D, B, ag->ro.value + row0, err);
}

/* GAE(lambda) backwards over each env's rows; `last` (B) are the values of
 * the observations after the final step. */
static void compute_advantages(pg_agent *ag, int T, const float *last)
{
    int B = ag->cfg->envs;
    double gamma = ag->cfg->gamma, lambda = ag->cfg->gae_lambda;
    pg_rollout *ro = &ag->ro;
    for (int e = 0; e < B; e++) {
        double gae = 0.0;
        for (int t = T - 1; t >= 0; t--) {
            size_t i = (size_t)t * B + e;
            double next = ro->ended[i] ? ro->next_value[i]
                                       : (t == T - 1 ? last[e] : ro->value[i + (size_t)B]);
            double delta = ro->reward[i] + gamma * next - ro->value[i];
            gae = delta + gamma * lambda * (ro->ended[i] ? 0.0 : gae);
            ro->adv[i] = (float)gae;
            ro->ret[i] = (float)(gae + ro->value[i]);
        }
    }
}

/* One update's data: every env runs until it has finished an episode and
 * taken agent.min_steps steps (or the step budget is spent). */
static int collect(pg_agent *ag, cdrl_error *err)
{
    int B = ag->cfg->envs, D = ag->D;
    int T_max = ag->ro.capacity / B;
    cdrl_vec_env *venv;
    int rc = make_envs(ag, ag->c.update, &venv, err);
    if (rc)
        return rc;
    uint8_t done_once[4096] = {0};
    rc = cdrl_vec_env_reset(venv, ag->obs_d, err);
    int t = 0;
    while (!rc && t < T_max && ag->c.env_steps + B <= ag->run->steps) {
        int all_done = 1;
        for (int e = 0; e < B; e++)
            all_done &= done_once[e];
        if (all_done && t >= ag->cfg->min_steps)
            break;
        size_t row0 = (size_t)t * B;
        to_float(ag->ro.obs + row0 * D, ag->obs_d, (size_t)B * D);
        if ((rc = act(ag, row0, err)))
            break;
        rc = cdrl_vec_env_step(venv, ag->actions_d, ag->obs_d, ag->rewards_d, ag->terminated,
                               ag->truncated, ag->final_obs, err);
        if (rc)
            break;
        for (int e = 0; e < B; e++)
            ag->ro.reward[row0 + e] = (float)ag->rewards_d[e];
        if (ag->frame) {
            cdrl_env_view view = cdrl_vec_env_view_of(venv, 0);
            if (ag->frame(ag->frame_user, &view, NULL, 0))
                ag->frame = NULL;
        }
        rc = finish_episodes(ag, venv, row0, done_once, err);
        ag->c.env_steps += B;
        t++;
    }
    cdrl_vec_env_free(venv);
    if (rc)
        return rc;
    ag->ro.n = t * B;
    if (t > 0) {
        float last[4096];
        to_float(ag->step_obs, ag->obs_d, (size_t)B * D);
        if ((rc = predict_values(ag->value, ag->step_obs, B, last, err)))
            return rc;
        compute_advantages(ag, t, last);
    }
    return 0;
}

/* ---- Update ------------------------------------------------------------------------- */

static void normalize(float *x, int n)
{
    double mean = 0.0, var = 0.0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean);
    double inv = 1.0 / (sqrt(var / n) + 1e-8);
    for (int i = 0; i < n; i++)
        x[i] = (float)((x[i] - mean) * inv);
}

static void shuffle(int *order, int n, cdrl_rng *rng)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)cdrl_rng_below(rng, (uint64_t)i + 1);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

static void gather(pg_agent *ag, const int *rows, int n)
{
    const pg_rollout *ro = &ag->ro;
    pg_minibatch *mb = &ag->mb;
    int D = ag->D;
    for (int i = 0; i < n; i++) {
        int r = rows[i];
        memcpy(mb->obs + (size_t)i * D, ro->obs + (size_t)r * D, sizeof(float) * D);
        mb->actions[i] = ro->actions[r];
        mb->logp[i] = ro->logp[r];
        mb->adv[i] = ro->adv[r];
        mb->ret[i] = ro->ret[r];
        for (int l = 0; l < ag->policy->n_layers; l++) {
            if (!ro->noise[l])
                continue;
            int K = ag->policy->layers[l].n_in;
            memcpy(mb->noise[l] + (size_t)i * K, ro->noise[l] + (size_t)r * K, sizeof(float) * K);
        }
    }
}

/* One step of the value network on the gathered rows; returns its MSE. */
static int value_step(pg_agent *ag, int n, double *loss, cdrl_error *err)
{
    cdrl_mlp_zero_grad(ag->value);
    const float *v = cdrl_mlp_forward(ag->value, ag->mb.obs, n, CDRL_MODE_TRAIN, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    float dv[1024], *dvp = n <= 1024 ? dv : malloc(sizeof(float) * n);
    if (!dvp)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    memset(dvp, 0, sizeof(float) * n);
    float mse = cdrl_mse(dvp, v, ag->mb.ret, n, 1, 1.0f);
    int rc = cdrl_mlp_backward(ag->value, dvp, NULL, err);
    if (dvp != dv)
        free(dvp);
    if (rc)
        return rc;
    float reg = cdrl_mlp_regularizer(ag->value);
    if (!isfinite(mse) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "value loss is %s", isfinite(mse) ? "finite, its regulariser not" : "not finite");
    cdrl_adam_step(&ag->value_opt, ag->value->params, ag->value->grads);
    *loss += mse;
    return 0;
}

static int policy_step(pg_agent *ag, int n, pg_update_stats *st, cdrl_error *err)
{
    cdrl_mlp_zero_grad(ag->policy);
    cdrl_pg_batch batch = {.B = n, .obs = ag->mb.obs, .actions = ag->mb.actions,
                           .old_logp = ag->mb.logp, .adv = ag->mb.adv,
                           .noise = (const float *const *)ag->mb.noise};
    cdrl_pg_loss_stats ls;
    int rc = cdrl_pg_policy_loss(ag->policy, &batch, (float)ag->cfg->clip, (float)ag->cfg->entropy,
                                 &ls, err);
    if (rc)
        return rc;
    float reg = cdrl_mlp_regularizer(ag->policy);
    if (!isfinite(ls.loss) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "policy loss is not finite");
    cdrl_adam_step(&ag->policy_opt, ag->policy->params, ag->policy->grads);
    st->policy_loss += ls.surrogate;
    st->entropy += ls.entropy;
    return 0;
}

static int update(pg_agent *ag, pg_update_stats *st, cdrl_error *err)
{
    int n = ag->ro.n, mbn = ag->cfg->minibatch < n ? ag->cfg->minibatch : n;
    memset(st, 0, sizeof *st);
    if (ag->cfg->normalize_advantages && n > 1)
        normalize(ag->ro.adv, n);
    /* N = every transition seen so far: the regulariser's weight falls as data grows. */
    double n_data = (double)ag->c.env_steps;
    cdrl_mlp_set_data_size(ag->policy, ag->cfg->length_scale, ag->cfg->tau, n_data, 1);
    cdrl_mlp_set_data_size(ag->value, ag->cfg->length_scale, ag->cfg->tau, n_data, 0);
    int steps = 0;
    for (int epoch = 0; epoch < ag->cfg->epochs; epoch++) {
        shuffle(ag->mb.order, n, &ag->shuffle_rng);
        for (int start = 0; start < n; start += mbn) {
            int m = n - start < mbn ? n - start : mbn;
            gather(ag, ag->mb.order + start, m);
            int rc = policy_step(ag, m, st, err);
            if (!rc)
                rc = value_step(ag, m, &st->value_loss, err);
            if (rc)
                return rc;
            steps++;
        }
    }
    st->policy_loss /= steps;
    st->value_loss /= steps;
    st->entropy /= steps;
    return 0;
}

/* ---- Checkpoints ---------------------------------------------------------------------- */

static int add_net(cdrl_ckpt_writer *w, const char *name, const cdrl_mlp *net,
                   const cdrl_adam *opt, cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    cdrl_rng rngs[CDRL_MLP_MAX_LAYERS];
    int64_t t = opt->t;
    for (int l = 0; l < net->n_layers; l++)
        rngs[l] = net->layers[l].rng;
    int rc = 0;
    snprintf(key, sizeof key, "%s.params", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, net->params, sizeof(float) * net->n_params, err);
    snprintf(key, sizeof key, "%s.rng", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, rngs, sizeof(cdrl_rng) * net->n_layers, err);
    snprintf(key, sizeof key, "%s.adam.state", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, opt->state, sizeof(float) * 2 * opt->n, err);
    snprintf(key, sizeof key, "%s.adam.t", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, &t, sizeof t, err);
    return rc;
}

static int read_net(const cdrl_ckpt *ck, const char *name, cdrl_mlp *net, cdrl_adam *opt,
                    cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    cdrl_rng rngs[CDRL_MLP_MAX_LAYERS];
    int64_t t = 0;
    int rc = 0;
    snprintf(key, sizeof key, "%s.params", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, net->params, sizeof(float) * net->n_params, err);
    if (!opt)
        return rc;
    snprintf(key, sizeof key, "%s.rng", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, rngs, sizeof(cdrl_rng) * net->n_layers, err);
    snprintf(key, sizeof key, "%s.adam.state", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, opt->state, sizeof(float) * 2 * opt->n, err);
    snprintf(key, sizeof key, "%s.adam.t", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, &t, sizeof t, err);
    if (rc)
        return rc;
    for (int l = 0; l < net->n_layers; l++)
        net->layers[l].rng = rngs[l];
    opt->t = (long)t;
    return 0;
}

static int write_checkpoint(pg_agent *ag, const char *path, uint64_t hash, cdrl_error *err)
{
    int rc = cdrl_csv_sync(ag->metrics, err);
    if (!rc)
        rc = cdrl_csv_sync(ag->episodes_csv, err);
    if (rc)
        return rc;
    ag->c.metrics_rows = cdrl_csv_rows(ag->metrics);
    ag->c.episodes_rows = cdrl_csv_rows(ag->episodes_csv);
    cdrl_ckpt_writer *w;
    if ((rc = cdrl_ckpt_writer_create("pg", hash, &w, err)))
        return rc;
    rc = cdrl_ckpt_add(w, "pg.counters", &ag->c, sizeof ag->c, err);
    rc = rc ? rc : add_net(w, "policy", ag->policy, &ag->policy_opt, err);
    rc = rc ? rc : add_net(w, "value", ag->value, &ag->value_opt, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "rng.actions", &ag->action_rng, sizeof ag->action_rng, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "rng.shuffle", &ag->shuffle_rng, sizeof ag->shuffle_rng, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "window", ag->window, sizeof(double) * ag->window_size, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "probe", ag->probe, sizeof(float) * ag->c.n_probe * ag->D, err);
    rc = rc ? rc : cdrl_ckpt_commit(w, path, err);
    cdrl_ckpt_writer_free(w);
    return rc;
}

static int read_checkpoint(pg_agent *ag, const char *path, uint64_t hash, cdrl_error *err)
{
    cdrl_ckpt *ck;
    int rc = cdrl_ckpt_open(path, &ck, err);
    if (rc)
        return rc;
    rc = cdrl_ckpt_check(ck, "pg", hash, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "pg.counters", &ag->c, sizeof ag->c, err);
    if (!rc && (ag->c.n_probe < 0 || ag->c.n_probe > ag->cfg->probe_states ||
                ag->c.window_count < 0 || ag->c.window_count > ag->window_size ||
                ag->c.window_at < 0 || ag->c.window_at >= ag->window_size))
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: counters out of range", path);
    rc = rc ? rc : read_net(ck, "policy", ag->policy, &ag->policy_opt, err);
    rc = rc ? rc : read_net(ck, "value", ag->value, &ag->value_opt, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "rng.actions", &ag->action_rng, sizeof ag->action_rng, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "rng.shuffle", &ag->shuffle_rng, sizeof ag->shuffle_rng, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "window", ag->window, sizeof(double) * ag->window_size, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "probe", ag->probe, sizeof(float) * ag->c.n_probe * ag->D, err);
    cdrl_ckpt_free(ck);
    return rc;
}

/* ---- Training ---------------------------------------------------------------------- */

#define EPISODES_HEADER "episode,env_steps,return,length"

/* metrics.csv columns: the p of every policy and value layer with dropout on
 * its input (0 without dropout), named p_policy_l<i> / p_value_l<i>. */
static void metrics_header(const pg_agent *ag, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "update,env_steps,episodes,return_mean,return_min,"
                                              "return_max,policy_loss,value_loss,entropy");
    const cdrl_mlp *nets[2] = {ag->policy, ag->value};
    const char *names[2] = {"policy", "value"};
    for (int k = 0; k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < size; l++)
            used += (size_t)snprintf(out + used, size - used, ",p_%s_l%d", names[k], l);
    if (used < size)
        snprintf(out + used, size - used, ",mc_spread,sps");
}

static int write_metrics(pg_agent *ag, const pg_update_stats *st, double sps, cdrl_error *err)
{
    char row[2048];
    double mean, lo, hi;
    window_stats(ag, &mean, &lo, &hi);
    size_t used = (size_t)snprintf(row, sizeof row, "%lld,%lld,%lld,%s,%s,%s,%s,%s,%s", (long long)ag->c.update,
                                   (long long)ag->c.env_steps, (long long)ag->c.episodes,
                                   cdrl_shortest_double(mean).text, cdrl_shortest_double(lo).text,
                                   cdrl_shortest_double(hi).text, cdrl_shortest_double(st->policy_loss).text,
                                   cdrl_shortest_double(st->value_loss).text,
                                   cdrl_shortest_double(st->entropy).text);
    const cdrl_mlp *nets[2] = {ag->policy, ag->value};
    for (int k = 0; k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < sizeof row; l++)
            used += (size_t)snprintf(row + used, sizeof row - used, ",%s",
                                     cdrl_shortest_float(cdrl_mlp_dropout_p(nets[k], l)).text);
    if (used < sizeof row)
        snprintf(row + used, sizeof row - used, ",%s,%.1f", cdrl_shortest_double(st->mc_spread).text, sps);
    return cdrl_csv_row(ag->metrics, err, "%s", row);
}

static void progress_line(const pg_agent *ag, double sps, char *line, size_t size)
{
    double mean, lo, hi;
    window_stats(ag, &mean, &lo, &hi);
    size_t used = (size_t)snprintf(line, size, "update %5lld  steps %8lld  episodes %6lld  return %7.2f (last %lld)",
                                   (long long)ag->c.update, (long long)ag->c.env_steps,
                                   (long long)ag->c.episodes, mean, (long long)ag->c.window_count);
    const char *sep = "  p";
    for (int l = 1; l < ag->policy->n_layers && used < size; l++) {
        if (ag->policy->layers[l].dropout != CDRL_DROPOUT_CONCRETE)
            continue;
        used += (size_t)snprintf(line + used, size - used, "%s %.4f", sep, cdrl_mlp_dropout_p(ag->policy, l));
        sep = "";
    }
    sep = "  p(value)";
    for (int l = 1; l < ag->value->n_layers && used < size; l++) {
        if (ag->value->layers[l].dropout != CDRL_DROPOUT_CONCRETE)
            continue;
        used += (size_t)snprintf(line + used, size - used, "%s %.4f", sep, cdrl_mlp_dropout_p(ag->value, l));
        sep = "";
    }
    if (used < size)
        snprintf(line + used, size - used, "  %.0f steps/s", sps);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The probe states: agent.probe_states observations spread evenly over the
 * first update's transitions, fixed for the rest of the run. */
static void pick_probe(pg_agent *ag)
{
    int n = ag->ro.n, P = ag->cfg->probe_states < n ? ag->cfg->probe_states : n;
    for (int k = 0; k < P; k++) {
        size_t r = (size_t)k * n / P;
        memcpy(ag->probe + (size_t)k * ag->D, ag->ro.obs + r * ag->D, sizeof(float) * ag->D);
    }
    ag->c.n_probe = P;
}

static int check_params(const pg_agent *ag, cdrl_error *err)
{
    int rc = cdrl_check_finite(ag->policy->params, ag->policy->n_params, "policy.params", err);
    return rc ? rc : cdrl_check_finite(ag->value->params, ag->value->n_params, "value.params", err);
}

static int open_csv_files(pg_agent *ag, const cdrl_train_args *args, cdrl_error *err)
{
    char metrics[CDRL_PATH_MAX], episodes[CDRL_PATH_MAX], header[1024];
    int rc = cdrl_path_join(metrics, sizeof metrics, args->run_dir, CDRL_RUN_METRICS_FILE, err);
    rc = rc ? rc : cdrl_path_join(episodes, sizeof episodes, args->run_dir, CDRL_RUN_EPISODES_FILE, err);
    if (rc)
        return rc;
    metrics_header(ag, header, sizeof header);
    if (args->resume) {
        rc = cdrl_csv_resume(metrics, header, ag->c.metrics_rows, &ag->metrics, err);
        return rc ? rc : cdrl_csv_resume(episodes, EPISODES_HEADER, ag->c.episodes_rows, &ag->episodes_csv, err);
    }
    rc = cdrl_csv_create(metrics, header, &ag->metrics, err);
    return rc ? rc : cdrl_csv_create(episodes, EPISODES_HEADER, &ag->episodes_csv, err);
}

static int spec_of_env(const cdrl_run_config *run, cdrl_env_spec *spec, cdrl_error *err)
{
    cdrl_env *env;
    int rc = cdrl_env_create(run->env, &env, err);
    if (rc)
        return rc;
    *spec = *cdrl_env_spec_of(env);
    cdrl_env_free(env);
    return 0;
}

static int train_loop(pg_agent *ag, const cdrl_train_args *args, const char *ckpt, cdrl_error *err)
{
    const cdrl_run_config *run = args->run;
    int64_t last_ckpt = args->resume ? ag->c.update : -1;
    double t0 = now_seconds();
    int64_t steps0 = ag->c.env_steps;
    int rc = 0;
    while (!(ag->c.solved && run->stop_when_solved) && ag->c.env_steps + ag->cfg->envs <= run->steps) {
        int sig = cdrl_stop_requested();
        if (sig) {
            if ((rc = write_checkpoint(ag, ckpt, args->config_hash, err)))
                return rc;
            return cdrl_errorf(err, CDRL_EINTR, "stopped by %s at update %lld; resume with: cdrl train --resume %s",
                               sig == 2 ? "SIGINT" : sig == 15 ? "SIGTERM" : "request",
                               (long long)ag->c.update, args->run_dir);
        }
        pg_update_stats st;
        rc = collect(ag, err);
        if (!rc && ag->ro.n == 0)
            break;
        if (!rc && ag->c.n_probe == 0)
            pick_probe(ag);
        rc = rc ? rc : update(ag, &st, err);
        rc = rc ? rc : check_params(ag, err);
        if (rc == CDRL_EDIVERGED) {
            char kept[CDRL_PATH_MAX + 64];
            if (last_ckpt >= 0)
                snprintf(kept, sizeof kept, "the last good checkpoint %s (update %lld) is kept", ckpt,
                         (long long)last_ckpt);
            else
                snprintf(kept, sizeof kept, "no checkpoint was written before it");
            return cdrl_error_prefix(err, "diverged at update %lld (%s)", (long long)ag->c.update + 1, kept);
        }
        if (rc)
            return rc;
        if (ag->c.n_probe > 0 &&
            (rc = mc_spread(ag->policy, ag->probe, (int)ag->c.n_probe, ag->cfg->mc_samples, &st.mc_spread, NULL, err)))
            return rc;
        ag->c.update++;
        ag->c.solved = ag->c.solved || is_solved(ag);
        double elapsed = now_seconds() - t0;
        double sps = elapsed > 0 ? (double)(ag->c.env_steps - steps0) / elapsed : 0.0;
        if ((rc = write_metrics(ag, &st, sps, err)))
            return rc;
        int last = (ag->c.solved && run->stop_when_solved) || ag->c.env_steps + ag->cfg->envs > run->steps;
        if (ag->c.update % run->log_every == 0 || last) {
            char line[512];
            progress_line(ag, sps, line, sizeof line);
            args->progress(args->user, line);
        }
        if (ag->c.update % run->checkpoint_every == 0 || last) {
            if ((rc = write_checkpoint(ag, ckpt, args->config_hash, err)))
                return rc;
            last_ckpt = ag->c.update;
        }
    }
    return 0;
}

static int pg_train(const cdrl_train_args *args, cdrl_train_result *result, cdrl_error *err)
{
    const pg_config *cfg = args->config;
    cdrl_env_spec spec;
    pg_agent ag;
    char ckpt[CDRL_PATH_MAX];
    memset(&ag, 0, sizeof ag);
    int rc = spec_of_env(args->run, &spec, err);
    rc = rc ? rc : cdrl_path_join(ckpt, sizeof ckpt, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : agent_init(&ag, cfg, args->run, &spec, err);
    ag.frame = args->frame;
    ag.frame_user = args->user;
    if (!rc && args->resume)
        rc = read_checkpoint(&ag, ckpt, args->config_hash, err);
    rc = rc ? rc : open_csv_files(&ag, args, err);
    rc = rc ? rc : train_loop(&ag, args, ckpt, err);
    if (!rc) {
        /* A run that ended without a checkpoint at its last update (budget
         * spent inside it) still leaves one that covers every row. */
        rc = write_checkpoint(&ag, ckpt, args->config_hash, err);
    }
    cdrl_error spare;
    int close_rc = cdrl_csv_close(ag.metrics, &spare);
    close_rc |= cdrl_csv_close(ag.episodes_csv, &spare);
    if (!rc && close_rc)
        rc = cdrl_errorf(err, spare.code, "%s", spare.msg);
    if (!rc) {
        double mean, lo, hi;
        window_stats(&ag, &mean, &lo, &hi);
        result->solved = (int)ag.c.solved;
        result->env_steps = ag.c.env_steps;
        result->episodes = ag.c.episodes;
        result->iterations = ag.c.update;
        result->last_mean_return = mean;
    }
    agent_free(&ag);
    return rc;
}

/* ---- Evaluation ------------------------------------------------------------------------ */

/* Runs `episodes` episodes acting greedily on the policy's probabilities:
 * EVAL mode (no dropout), or MC mode (the mean over T dropout draws). */
static int run_episodes(cdrl_mlp *policy, cdrl_env *env, const cdrl_eval_args *args, int mc,
                        double *returns, int *finished, double *spread_sum, int64_t *decisions,
                        cdrl_error *err)
{
    int D = policy->spec.n_inputs, A = policy->n_outputs;
    double obs[CDRL_ENV_MAX_DIM], probs[64];
    float obs_f[CDRL_ENV_MAX_DIM];
    /* Only the eval-mode episodes are shown: they are the policy itself. */
    int show = !mc && args->frame;
    *finished = 0;
    int rc = cdrl_env_reset_seeded(env, args->seed, obs, err);
    for (int ep = 0; !rc && ep < args->episodes; ep++) {
        if (ep > 0 && (rc = cdrl_env_reset(env, obs, err)))
            break;
        cdrl_env_view view = cdrl_env_view_of(env);
        if (show && args->frame(args->user, &view, NULL, 0))
            return 0;
        double total = 0.0;
        for (;;) {
            to_float(obs_f, obs, (size_t)D);
            if (mc) {
                double spread;
                if ((rc = mc_spread(policy, obs_f, 1, args->mc_samples, &spread, probs, err)))
                    return rc;
                *spread_sum += spread;
                ++*decisions;
            } else {
                const float *logits = cdrl_mlp_forward(policy, obs_f, 1, CDRL_MODE_EVAL, err);
                if (!logits)
                    return err ? err->code : CDRL_EINVAL;
                softmax_row(probs, logits, A);
            }
            int best = 0;
            for (int a = 1; a < A; a++)
                if (probs[a] > probs[best])
                    best = a;
            double action = best;
            cdrl_step_result sr;
            if ((rc = cdrl_env_step(env, &action, obs, &sr, err)))
                return rc;
            total += sr.reward;
            view = cdrl_env_view_of(env);
            if (show && args->frame(args->user, &view, NULL, 0))
                return 0;
            if (sr.terminated || sr.truncated)
                break;
        }
        returns[ep] = total;
        ++*finished;
    }
    return rc;
}

static void mean_std(const double *x, int n, double *mean, double *std)
{
    double m = 0.0, v = 0.0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *std = sqrt(v / n);
}

static int pg_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err)
{
    const pg_config *cfg = args->config;
    cdrl_env *env = NULL;
    cdrl_mlp *policy = NULL, *value = NULL;
    cdrl_ckpt *ck = NULL;
    char path[CDRL_PATH_MAX];
    double *returns = calloc((size_t)args->episodes, sizeof(double));
    if (!returns)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg eval: out of memory");
    int rc = cdrl_env_create(args->run->env, &env, err);
    rc = rc ? rc : cdrl_env_options_each(args->run->env_options, apply_env_option, env, err);
    const cdrl_env_spec *spec = env ? cdrl_env_spec_of(env) : NULL;
    if (!rc && spec->action_count < 2)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: env %s has no discrete actions", spec->name);
    if (!rc && spec->action_count > 64)
        rc = cdrl_errorf(err, CDRL_EINVAL, "pg eval: at most 64 actions");
    rc = rc ? rc : build_networks(cfg, args->run, spec->obs_dim, spec->action_count, &policy, &value, err);
    rc = rc ? rc : cdrl_path_join(path, sizeof path, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : cdrl_ckpt_open(path, &ck, err);
    rc = rc ? rc : cdrl_ckpt_check(ck, "pg", args->config_hash, err);
    rc = rc ? rc : read_net(ck, "policy", policy, NULL, err);
    /* The eval episodes' dropout draws are seeded by the eval seed, not the run's. */
    for (int l = 0; !rc && l < policy->n_layers; l++)
        cdrl_rng_seed(&policy->layers[l].rng, args->seed, 100 + (uint64_t)l);
    double spread_sum = 0.0;
    int64_t decisions = 0;
    int finished = 0;
    if (!rc && !(rc = run_episodes(policy, env, args, 0, returns, &finished, &spread_sum, &decisions, err)) &&
        finished > 0)
        mean_std(returns, finished, &result->eval_mean, &result->eval_std);
    result->episodes = finished;
    if (!rc && !args->replay && finished == args->episodes &&
        !(rc = run_episodes(policy, env, args, 1, returns, &finished, &spread_sum, &decisions, err)))
        mean_std(returns, args->episodes, &result->mc_mean, &result->mc_std);
    if (!rc) {
        result->mc_spread = decisions ? spread_sum / (double)decisions : 0.0;
        snprintf(result->spread_what, sizeof result->spread_what, "std of action probabilities");
    }
    cdrl_ckpt_free(ck);
    cdrl_mlp_free(policy);
    cdrl_mlp_free(value);
    cdrl_env_free(env);
    free(returns);
    return rc;
}

const cdrl_agent_def cdrl_agent_pg = {
    .name = "pg",
    .summary = "policy gradient (PPO-clip, GAE) with Concrete Dropout in the policy",
    .keys = pg_keys,
    .n_keys = (int)(sizeof pg_keys / sizeof pg_keys[0]),
    .config_size = sizeof(pg_config),
    .train = pg_train,
    .eval = pg_eval,
};
