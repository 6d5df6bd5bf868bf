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
 * pg_schema.c, pg_networks.c, pg_rollout.c, pg_update.c, pg_loss.c,
 * pg_checkpoint.c, pg_eval.c (map in pg_internal.h).
 *
 * agent.policy.kind = "lstm" makes both networks recurrent (pg_recurrent.h).
 * On an env with continuous actions the policy is a diagonal Gaussian
 * (pg_continuous.h, pg_gaussian.h).
 *
 * What is deliberately not here: parallel rollouts. */
#include "pg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"
#include "cdrl/metric_names.h"
#include "cdrl/run_config.h"
#include "cdrl/shortest.h"

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
    int rc = pg_check_memory(ag, cap, err);
    if (rc)
        return rc;
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
    if (ag->policy_rnn) {
        /* whole chunks per minibatch: M sequences of L steps, at least one */
        size_t L = (size_t)ag->cfg->lstm_chunk, H = (size_t)ag->cfg->lstm_hidden;
        size_t chunks = ((size_t)T + L - 1) / L, M = pg_chunks_per_minibatch(ag->cfg, chunks * B);
        size_t Wp = (size_t)ag->policy_rnn->noise_width, Wv = (size_t)ag->value_rnn->noise_width;
        mbn = mbn > M * L ? mbn : M * L;
        ro->keep = alloc_rows(cap, 1, sizeof(float), &fail);
        ro->chunk_state = alloc_rows(chunks * B, 4 * H, sizeof(float), &fail);
        ro->seq_noise = alloc_rows((size_t)B, Wp, sizeof(float), &fail);
        batch->len = alloc_rows(M, 1, sizeof(int), &fail);
        batch->seq_obs = alloc_rows(M * L, D, sizeof(float), &fail);
        batch->keep = alloc_rows(M * L, 1, sizeof(float), &fail);
        batch->state = alloc_rows(4 * M, H, sizeof(float), &fail);
        batch->seq_noise = alloc_rows(M, Wp, sizeof(float), &fail);
        batch->value_noise = alloc_rows(M, Wv, sizeof(float), &fail);
        ag->rnn_state = alloc_rows(4 * (size_t)B, H, sizeof(float), &fail);
        ag->step_len = alloc_rows((size_t)B, 1, sizeof(int), &fail);
        for (int e = 0; !fail && e < B; e++)
            ag->step_len[e] = 1;
    }
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
    ag->actions_d = alloc_rows(B, ag->A, sizeof(double), &fail); /* A = 1 index, or the action's dims */
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
    free(ro->keep), free(ro->chunk_state), free(ro->seq_noise);
    free(batch->len), free(batch->seq_obs), free(batch->keep), free(batch->state);
    free(batch->seq_noise), free(batch->value_noise), free(ag->rnn_state), free(ag->step_len);
    cdrl_adam_free(&ag->policy_rnn_opt);
    cdrl_adam_free(&ag->value_rnn_opt);
    pg_lstm_net_free(ag->policy_rnn);
    pg_lstm_net_free(ag->value_rnn);
    for (int l = 0; l < CDRL_MLP_MAX_LAYERS; l++)
        free(ro->noise[l]), free(batch->noise[l]);
    free(ag->obs_d), free(ag->final_obs), free(ag->rewards_d), free(ag->actions_d);
    free(ag->terminated), free(ag->truncated), free(ag->step_obs);
    free(ag->window), free(ag->probe);
    cdrl_adam_free(&ag->policy_opt);
    cdrl_adam_free(&ag->value_opt);
    cdrl_mlp_free(ag->policy);
    cdrl_mlp_free(ag->value);
    pg_gauss_free(ag->gauss);
    pg_scaling_free(ag->scaling);
    pg_bonus_free(ag->bonus);
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
    int continuous = spec->action_dim > 0;
    ag->A = continuous ? spec->action_dim : spec->action_count;
    if (!continuous && (ag->A < 2 || ag->A > 64))
        return cdrl_errorf(err, CDRL_EINVAL, "pg: env %s has %d discrete actions; pg needs 2..64",
                           spec->name, ag->A);
    if (continuous && strcmp(cfg->policy_kind, "mlp") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: agent.policy.kind = %s needs discrete actions; env %s's "
                           "are continuous (use agent.policy.kind = \"mlp\")", cfg->policy_kind, spec->name);
    /* two normalisers of one observation would compound: the LSTM has its own */
    if (strcmp(cfg->policy_kind, "lstm") == 0 && strcmp(cfg->obs_norm, "on") == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: agent.obs_norm = on is for the feed-forward policy; the "
                           "recurrent one normalises with agent.lstm.normalize_obs = true");
    ag->solve_threshold = pg_solve_threshold(cfg, spec);
    int rc = pg_build_networks(cfg, run, ag->D, ag->A, &ag->policy, &ag->value, err);
    if (rc)
        return rc;
    if ((rc = cdrl_adam_init(&ag->policy_opt, ag->policy->n_params, (float)cfg->lr, err)) ||
        (rc = cdrl_adam_init(&ag->value_opt, ag->value->n_params, (float)cfg->value_lr, err)))
        return rc;
    ag->policy_opt.clip_norm = (float)cfg->max_grad_norm;
    ag->value_opt.clip_norm = (float)cfg->max_grad_norm;
    if ((rc = pg_build_recurrent(cfg, run, ag->D, &ag->policy_rnn, &ag->value_rnn, err)))
        return rc;
    if (ag->policy_rnn) {
        if ((rc = cdrl_adam_init(&ag->policy_rnn_opt, ag->policy_rnn->n_params, (float)cfg->lr, err)) ||
            (rc = cdrl_adam_init(&ag->value_rnn_opt, ag->value_rnn->n_params, (float)cfg->value_lr, err)))
            return rc;
        /* The norm is clipped over LSTM and head together (pg_recurrent_update.c). */
        ag->policy_opt.clip_norm = ag->value_opt.clip_norm = 0.0f;
    }
    cdrl_rng_seed(&ag->action_rng, (uint64_t)run->seed, STREAM_ACTIONS);
    cdrl_rng_seed(&ag->shuffle_rng, (uint64_t)run->seed, STREAM_SHUFFLE);
    if ((rc = pg_bonus_create(&cfg->bonus, ag->D, continuous ? 0 : ag->A, continuous ? ag->A : 0,
                              pg_stream_seed((uint64_t)run->seed, STREAM_BONUS_MODEL), &ag->bonus, err)) ||
        (rc = agent_alloc(ag, err)) ||
        (rc = pg_scaling_create(cfg->obs_norm, cfg->reward_scale, continuous, ag->D, cfg->envs, cfg->gamma,
                                &ag->scaling, err)))
        return rc;
    return continuous ? pg_gauss_create(ag, err) : 0;
}

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* The spec of the env as the rollout will see it: with env.options applied,
 * since a wrapper (obs_mask) changes obs_dim. */
static int spec_of_env(const cdrl_run_config *run, cdrl_env_spec *spec, cdrl_error *err)
{
    cdrl_env *env;
    int rc = cdrl_env_create(run->env, &env, err);
    if (rc)
        return rc;
    if ((rc = cdrl_env_options_each(run->env_options, apply_env_option, env, err))) {
        cdrl_env_free(env);
        return cdrl_error_prefix(err, "env.options");
    }
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
    /* A recurrent net's head has no dropout: its layers get no column. */
    for (int k = 0; !ag->policy_rnn && k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < size; l++)
            used += (size_t)snprintf(out + used, size - used, ","),
            used += (size_t)cdrl_metric_p_name(out + used, used < size ? size - used : 0, names[k], l);
    /* Recurrent nets: layer 1 is the LSTM's input, layer 2 its recurrent input h. */
    for (int k = 0; ag->policy_rnn && k < 2; k++)
        for (int l = 1; l <= 2 && used < size; l++)
            used += (size_t)snprintf(out + used, size - used, ","),
            used += (size_t)cdrl_metric_p_name(out + used, used < size ? size - used : 0, names[k], l);
    if (used < size)
        used += (size_t)snprintf(out + used, size - used, ag->gauss ? ",mc_spread,action_std,sps" : ",mc_spread,sps");
    if (ag->bonus && used < size)
        pg_bonus_metrics_header(ag->bonus, out + used, size - used);
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
    for (int k = 0; !ag->policy_rnn && k < 2; k++)
        for (int l = 1; l < nets[k]->n_layers && used < size; l++)
            used += (size_t)snprintf(row + used, size - used, ",%s",
                                     cdrl_shortest_float(cdrl_mlp_dropout_p(nets[k], l)).text);
    const pg_lstm_net *rnns[2] = {ag->policy_rnn, ag->value_rnn};
    for (int k = 0; ag->policy_rnn && k < 2; k++)
        for (int l = 0; l < 2 && used < size; l++)
            used += (size_t)snprintf(row + used, size - used, ",%s",
                                     cdrl_shortest_float(cdrl_lstm_dropout_p(&rnns[k]->lstm, l)).text);
    if (used < size && ag->gauss)
        used += (size_t)snprintf(row + used, size - used, ",%s,%s", cdrl_shortest_double(st->mc_spread).text,
                                 cdrl_shortest_double(pg_gauss_mean_std(ag->gauss)).text);
    else if (used < size)
        used += (size_t)snprintf(row + used, size - used, ",%s", cdrl_shortest_double(st->mc_spread).text);
    if (used < size)
        used += (size_t)snprintf(row + used, size - used, ",%.1f", sps);
    if (ag->bonus && used < size)
        pg_bonus_metrics_row(ag->bonus, row + used, size - used);
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
    for (int l = 0; ag->policy_rnn && l < 2 && used < size; l++) {
        const cdrl_dropout_spec *d = l ? &ag->policy_rnn->lstm.spec.recurrent : &ag->policy_rnn->lstm.spec.dropout;
        if (d->kind != CDRL_DROPOUT_CONCRETE)
            continue;
        used += (size_t)snprintf(line + used, size - used, "%s %.4f", sep,
                                 cdrl_lstm_dropout_p(&ag->policy_rnn->lstm, l));
        sep = "";
    }
    sep = "  p(value)";
    for (int l = 1; l < ag->value->n_layers && used < size; l++) {
        if (ag->value->layers[l].dropout != CDRL_DROPOUT_CONCRETE)
            continue;
        used += (size_t)snprintf(line + used, size - used, "%s %.4f", sep, cdrl_mlp_dropout_p(ag->value, l));
        sep = "";
    }
    if (ag->bonus && used < size)
        used += (size_t)snprintf(line + used, size - used, "  bonus %.3g", pg_bonus_last(ag->bonus).bonus_mean);
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

/* agent.lr_anneal: the rates fall linearly with the steps taken, from the
 * configured ones to 0 at the budget (a function of the counters alone, so
 * a resumed run continues on the same rates). */
static void anneal_lr(pg_agent *ag)
{
    double f = 1.0 - (double)ag->c.env_steps / (double)ag->run->steps;
    f = f > 0.0 ? f : 0.0;
    ag->policy_opt.lr = (float)(ag->cfg->lr * f);
    ag->value_opt.lr = (float)(ag->cfg->value_lr * f);
    if (ag->policy_rnn) {
        ag->policy_rnn_opt.lr = ag->policy_opt.lr;
        ag->value_rnn_opt.lr = ag->value_opt.lr;
    }
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
    if (ag->cfg->lr_anneal)
        anneal_lr(ag);
    if ((rc = pg_update(ag, &ag->last, err)))
        return rc;
    if (ag->c.n_probe > 0 && ag->policy_rnn)
        rc = pg_recurrent_mc_spread(ag, &ag->last.mc_spread, err);
    else if (ag->c.n_probe > 0 && ag->gauss)
        rc = pg_gauss_mc_spread(ag->policy, ag->probe, (int)ag->c.n_probe, ag->cfg->mc_samples,
                                &ag->last.mc_spread, NULL, err);
    else if (ag->c.n_probe > 0)
        rc = pg_mc_spread(ag->policy, ag->probe, (int)ag->c.n_probe, ag->cfg->mc_samples,
                          &ag->last.mc_spread, NULL, err);
    if (rc)
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
    int n = 4;
    if (ag->gauss) {
        out[n++] = (cdrl_run_watch){"policy.log_std.params", ag->gauss->log_std, (size_t)ag->gauss->A};
        out[n++] = (cdrl_run_watch){"policy.log_std.adam.state", ag->gauss->opt.state, 2 * ag->gauss->opt.n};
    }
    n += ag->bonus ? pg_bonus_watch(ag->bonus, out + n) : 0;
    if (!ag->policy_rnn)
        return n;
    out += n - 4;
    out[4] = (cdrl_run_watch){"policy.lstm.params", ag->policy_rnn->params, ag->policy_rnn->n_params};
    out[5] = (cdrl_run_watch){"value.lstm.params", ag->value_rnn->params, ag->value_rnn->n_params};
    out[6] = (cdrl_run_watch){"policy.lstm.adam.state", ag->policy_rnn_opt.state, 2 * ag->policy_rnn_opt.n};
    out[7] = (cdrl_run_watch){"value.lstm.adam.state", ag->value_rnn_opt.state, 2 * ag->value_rnn_opt.n};
    return n + 4;
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
