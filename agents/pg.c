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
 * The agent runs on the run harness (run_loop.h), which owns stopping,
 * divergence, the CSV files and the cadence of logs and checkpoints; one
 * unit of work is one update. Its other ideas live next to this file:
 * pg_schema.c, pg_rollout.c, pg_update.c, pg_loss.c, pg_checkpoint.c,
 * pg_eval.c (map in pg_internal.h).
 *
 * What is deliberately not here: parallel rollouts, recurrent policies,
 * continuous actions. */
#include "pg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"
#include "cdrl/metric_names.h"
#include "cdrl/run_config.h"
#include "cdrl/shortest.h"

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
    return cdrl_mlp_create(&spec, out, err);
}

uint64_t pg_stream_seed(uint64_t seed, uint64_t stream)
{
    cdrl_rng r;
    cdrl_rng_seed(&r, seed, stream);
    return cdrl_rng_u64(&r);
}

int pg_build_networks(const pg_config *cfg, const cdrl_run_config *run, int D, int A,
                          cdrl_mlp **policy, cdrl_mlp **value, cdrl_error *err)
{
    uint64_t seed = (uint64_t)run->seed;
    int rc = build_network(cfg, D, A, cfg->policy_layers, cfg->policy_hidden, cfg->policy_dropout,
                           pg_stream_seed(seed, STREAM_POLICY_INIT), policy, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.policy");
    rc = build_network(cfg, D, 1, cfg->value_layers, cfg->value_hidden, cfg->value_dropout,
                       pg_stream_seed(seed, STREAM_VALUE_INIT), value, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.value");
    return 0;
}

/* Softmax of one row of logits, in double. */
void pg_softmax_row(double *probs, const float *logits, int A)
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
int pg_mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
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
            pg_softmax_row(probs + (size_t)t * A, out + ((size_t)r * T + t) * A, A);
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
    pg_batch *batch = &ag->batch;
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
    batch->obs = alloc_rows(mbn, D, sizeof(float), &fail);
    batch->logp = alloc_rows(mbn, 1, sizeof(float), &fail);
    batch->adv = alloc_rows(mbn, 1, sizeof(float), &fail);
    batch->ret = alloc_rows(mbn, 1, sizeof(float), &fail);
    batch->actions = alloc_rows(mbn, 1, sizeof(int), &fail);
    batch->order = alloc_rows(cap, 1, sizeof(int), &fail);
    for (int l = 0; l < ag->policy->n_layers; l++) {
        const cdrl_mlp_layer *L = &ag->policy->layers[l];
        if (L->dropout == CDRL_DROPOUT_NONE)
            continue;
        ro->noise[l] = alloc_rows(cap, L->n_in, sizeof(float), &fail);
        batch->noise[l] = alloc_rows(mbn, L->n_in, sizeof(float), &fail);
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
    pg_batch *batch = &ag->batch;
    free(ro->obs), free(ro->actions), free(ro->logp), free(ro->value), free(ro->reward);
    free(ro->next_value), free(ro->adv), free(ro->ret), free(ro->ended);
    free(batch->obs), free(batch->logp), free(batch->adv), free(batch->ret), free(batch->actions), free(batch->order);
    for (int l = 0; l < CDRL_MLP_MAX_LAYERS; l++)
        free(ro->noise[l]), free(batch->noise[l]);
    free(ag->obs_d), free(ag->final_obs), free(ag->rewards_d), free(ag->actions_d);
    free(ag->terminated), free(ag->truncated), free(ag->step_obs);
    free(ag->window), free(ag->probe);
    cdrl_adam_free(&ag->policy_opt);
    cdrl_adam_free(&ag->value_opt);
    cdrl_mlp_free(ag->policy);
    cdrl_mlp_free(ag->value);
    free(ag);
}

/* Creates the networks, optimizers, generators and buffers of a fresh run. */
static int agent_init(pg_agent *ag, const pg_config *cfg, const cdrl_run_config *run,
                      cdrl_error *err)
{
    ag->cfg = cfg;
    ag->run = run;
    const cdrl_env_spec *spec = ag->spec;
    ag->D = spec->obs_dim;
    ag->A = spec->action_count;
    if (ag->A < 2 || ag->A > 64)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: env %s has %d discrete actions; pg needs 2..64",
                           spec->name, ag->A);
    int rc = pg_build_networks(cfg, run, ag->D, ag->A, &ag->policy, &ag->value, err);
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

/* ---- Metrics ---------------------------------------------------------------------- */

/* metrics.csv columns: the p of every policy and value layer with dropout on
 * its input (0 without dropout), named p_policy_l<i> / p_value_l<i>. */
static void metrics_header(const void *self, char *out, size_t size)
{
    const pg_agent *ag = self;
    size_t used = (size_t)snprintf(out, size, "update,env_steps,episodes,return_mean,return_min,"
                                              "return_max,policy_loss,value_loss,entropy");
    const cdrl_mlp *nets[2] = {ag->policy, ag->value};
    const char *names[2] = {"policy", "value"};
    for (int k = 0; k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < size; l++)
            used += (size_t)snprintf(out + used, size - used, ","),
            used += (size_t)cdrl_metric_p_name(out + used, used < size ? size - used : 0, names[k], l);
    if (used < size)
        snprintf(out + used, size - used, ",mc_spread,sps");
}

/* Env steps per second since this process started training. */
static double steps_per_second(const pg_agent *ag, const cdrl_run_io *io)
{
    return io->seconds > 0 ? (double)(ag->c.env_steps - io->env_steps_at_start) / io->seconds : 0.0;
}

static int metrics_row(void *self, const cdrl_run_io *io, char *row, size_t size, cdrl_error *err)
{
    (void)err;
    pg_agent *ag = self;
    const pg_update_stats *st = &ag->last;
    double sps = steps_per_second(ag, io);
    double mean, lo, hi;
    pg_window_stats(ag, &mean, &lo, &hi);
    size_t used = (size_t)snprintf(row, size, "%lld,%lld,%lld,%s,%s,%s,%s,%s,%s", (long long)ag->c.update,
                                   (long long)ag->c.env_steps, (long long)ag->c.episodes,
                                   cdrl_shortest_double(mean).text, cdrl_shortest_double(lo).text,
                                   cdrl_shortest_double(hi).text, cdrl_shortest_double(st->policy_loss).text,
                                   cdrl_shortest_double(st->value_loss).text,
                                   cdrl_shortest_double(st->entropy).text);
    const cdrl_mlp *nets[2] = {ag->policy, ag->value};
    for (int k = 0; k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < size; l++)
            used += (size_t)snprintf(row + used, size - used, ",%s",
                                     cdrl_shortest_float(cdrl_mlp_dropout_p(nets[k], l)).text);
    if (used < size)
        snprintf(row + used, size - used, ",%s,%.1f", cdrl_shortest_double(st->mc_spread).text, sps);
    return 0;
}

static void progress_line(const void *self, const cdrl_run_io *io, char *line, size_t size)
{
    const pg_agent *ag = self;
    double sps = steps_per_second(ag, io);
    double mean, lo, hi;
    pg_window_stats(ag, &mean, &lo, &hi);
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

/* ---- On the run harness ---------------------------------------------------------- */

static int pg_create(const void *agent_args, void **out, cdrl_error *err)
{
    const cdrl_train_args *args = agent_args;
    pg_agent *ag = calloc(1, sizeof *ag);
    if (!ag)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    ag->spec = &ag->env_spec;
    int rc = spec_of_env(args->run, &ag->env_spec, err);
    rc = rc ? rc : agent_init(ag, args->config, args->run, err);
    if (rc) {
        agent_free(ag);
        return rc;
    }
    ag->frame = args->frame;
    ag->frame_user = args->user;
    *out = ag;
    return 0;
}

static int64_t units(const void *self)
{
    return ((const pg_agent *)self)->c.update;
}

static int64_t env_steps(const void *self)
{
    return ((const pg_agent *)self)->c.env_steps;
}

static int finished(const void *self)
{
    const pg_agent *ag = self;
    return (ag->c.solved && ag->run->stop_when_solved) || ag->c.env_steps + ag->cfg->envs > ag->run->steps;
}

/* One update: collect, learn, measure the MC spread on the probe states. */
static int iterate(void *self, const cdrl_run_io *io, cdrl_error *err)
{
    pg_agent *ag = self;
    ag->episodes_csv = io->episodes;
    int rc = pg_collect(ag, err);
    if (rc || ag->ro.n == 0)
        return rc;
    if (ag->c.n_probe == 0)
        pick_probe(ag);
    if ((rc = pg_update(ag, &ag->last, err)))
        return rc;
    if (ag->c.n_probe > 0 &&
        (rc = pg_mc_spread(ag->policy, ag->probe, (int)ag->c.n_probe, ag->cfg->mc_samples,
                           &ag->last.mc_spread, NULL, err)))
        return rc;
    ag->c.update++;
    ag->c.solved = ag->c.solved || pg_is_solved(ag);
    return 0;
}

static int watch(const void *self, cdrl_run_watch *out)
{
    const pg_agent *ag = self;
    out[0] = (cdrl_run_watch){"policy.params", ag->policy->params, ag->policy->n_params};
    out[1] = (cdrl_run_watch){"value.params", ag->value->params, ag->value->n_params};
    out[2] = (cdrl_run_watch){"policy.adam.state", ag->policy_opt.state, 2 * ag->policy_opt.n};
    out[3] = (cdrl_run_watch){"value.adam.state", ag->value_opt.state, 2 * ag->value_opt.n};
    return 4;
}

static void result(const void *self, void *result)
{
    cdrl_train_result *out = result;
    const pg_agent *ag = self;
    double mean, lo, hi;
    pg_window_stats(ag, &mean, &lo, &hi);
    out->solved = (int)ag->c.solved;
    out->env_steps = ag->c.env_steps;
    out->episodes = ag->c.episodes;
    out->iterations = ag->c.update;
    out->last_mean_return = mean;
}

static void free_agent(void *self)
{
    if (self)
        agent_free(self);
}

static const cdrl_run_ops pg_ops = {
    .unit = "update",
    .episodes_header = "episode,env_steps,return,length",
    .create = pg_create,
    .free = free_agent,
    .metrics_header = metrics_header,
    .units = units,
    .env_steps = env_steps,
    .finished = finished,
    .iterate = iterate,
    .metrics_row = metrics_row,
    .progress_line = progress_line,
    .watch = watch,
    .save = pg_save,
    .load = pg_load,
    .result = result,
};

static int pg_train(const cdrl_train_args *args, cdrl_train_result *result, cdrl_error *err)
{
    cdrl_run_args run = cdrl_train_run_args(args);
    memset(result, 0, sizeof *result);
    return cdrl_run_train(&pg_ops, &run, args, result, err);
}

const cdrl_agent_def cdrl_agent_pg = {
    .name = "pg",
    .summary = "policy gradient (PPO-clip, GAE) with Concrete Dropout in the policy",
    .keys = pg_keys,
    .n_keys = PG_N_KEYS,
    .config_size = sizeof(pg_config),
    .train = pg_train,
    .eval = pg_eval,
};
