/* The model-based agent: learn the dynamics with Concrete Dropout, plan with
 * the learned model's own uncertainty.
 *
 * One iteration is one real episode. The first `random_episodes` act
 * uniformly at random; the rest act by model-predictive control (planner.h)
 * over the dynamics model (dynamics_model.h), replanning every step. Every
 * real transition goes into the replay buffer; after each episode the model
 * is refit on all of it, warm-started, with the Concrete regulariser's N set
 * to the number of training transitions, and scored: drop rate per layer,
 * validation error, and epistemic spread on held-out transitions and on a
 * fixed probe set of states near the start states and far from them.
 * Solved means: after a refit, agent.solve_episodes planned test episodes
 * (from start states training never uses, learned from by nothing, not
 * counted in run.steps) each return agent.solve_return.
 *
 * Randomness: the env's start state of episode e is seeded with (run.seed, e)
 * and random actions with (run.seed, stream RANDOM_ACTION_STREAM + e), so an
 * episode needs no generator state carried over; the model's noise and
 * minibatch generators and the planner's generator are checkpointed.
 *
 * The agent runs on the run harness (run_loop.h), which owns stopping,
 * divergence, the CSV files and the cadence of logs and checkpoints; one
 * unit of work is one real episode. Its other ideas live next to this file
 * (map in mb_internal.h). */
#include "mb_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/activation.h"
#include "cdrl/dropout.h"
#include "cdrl/metric_names.h"
#include "cdrl/run_config.h"
#include "cdrl/run_guard.h"
#include "cdrl/shortest.h"

/* ---- Setup ---------------------------------------------------------------------- */

static int model_spec_of(const mb_config *cfg, const cdrl_env_spec *spec, uint64_t seed,
                         cdrl_dynamics_spec *out, cdrl_error *err)
{
    memset(out, 0, sizeof *out);
    out->obs_dim = spec->obs_dim;
    out->action_count = spec->action_count;
    out->action_dim = spec->action_dim;
    if (cdrl_dynamics_parse_angles(cfg->angles, out, err))
        return cdrl_error_prefix(err, "agent.model.angles");
    out->n_hidden = cfg->layers;
    for (int i = 0; i < cfg->layers; i++)
        out->hidden[i] = cfg->hidden;
    if (cdrl_activation_parse(cfg->activation, &out->activation, err))
        return err->code;
    if (cdrl_dropout_parse(cfg->dropout, (float)cfg->init_p, &out->dropout, err))
        return err->code;
    out->logvar_head = cfg->logvar;
    out->lr = cfg->lr;
    out->batch = cfg->batch;
    out->length_scale = cfg->length_scale;
    out->tau = cfg->tau;
    out->seed = seed;
    return 0;
}

int mb_planner_spec_of(const mb_config *cfg, int particles, cdrl_planner_spec *out)
{
    *out = (cdrl_planner_spec){
        .method = strcmp(cfg->method, "random") == 0 ? CDRL_PLAN_RANDOM : CDRL_PLAN_CEM,
        .select = strcmp(cfg->select, "best") == 0 ? CDRL_PLAN_SELECT_BEST : CDRL_PLAN_SELECT_MEAN,
        .horizon = cfg->horizon,
        .candidates = cfg->candidates,
        .particles = particles,
        .iterations = cfg->iterations,
        .elites = cfg->elites,
        .smoothing = cfg->smoothing,
        .beta = cfg->beta,
        .init_std = cfg->init_std,
    };
    return 0;
}

/* The fixed probe sets: near the start states, and far out (within the
 * observation bounds), where early episodes do not go. */
static void make_probes(mb_agent *a, uint64_t seed)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, PROBE_STREAM);
    int n = a->cfg->probe_states, D = a->spec->obs_dim, S = a->spec->action_dim;
    for (int i = 0; i < n; i++) {
        if (S == 0)
            a->probe_actions[i] = (float)(i % a->spec->action_count);
        for (int d = 0; d < S; d++)
            a->probe_actions[(size_t)i * S + d] =
                (float)cdrl_rng_range(&rng, a->spec->action_low[d], a->spec->action_high[d]);
        for (int d = 0; d < D; d++) {
            double bound = fmin(a->cfg->probe_far, a->spec->obs_high[d]);
            double sign = cdrl_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0;
            a->probe_near[(size_t)i * D + d] =
                (float)cdrl_rng_range(&rng, -a->cfg->probe_near, a->cfg->probe_near);
            a->probe_far[(size_t)i * D + d] = (float)(sign * bound * cdrl_rng_range(&rng, 0.5, 1.0));
        }
    }
}

void mb_agent_free(mb_agent *a)
{
    cdrl_env_free(a->env);
    cdrl_replay_buffer_free(&a->buf);
    cdrl_ensemble_free(a->ens);
    cdrl_planner_free(a->planner);
    free(a->probe_near);
    free(a->probe_far);
    free(a->probe_actions);
    free(a->plan_seq);
    free(a->plan_cont);
    free(a->ghosts);
}

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* Env, buffer, model, planner and probes for a run; `planner_particles` is
 * the planner's P (the config's for training). */
int mb_agent_init(mb_agent *a, const mb_config *cfg, const cdrl_run_config *run,
                         int planner_particles, cdrl_error *err)
{
    memset(a, 0, sizeof *a);
    a->cfg = cfg;
    a->run = run;
    int rc = cdrl_env_create(run->env, &a->env, err);
    if (rc)
        return rc;
    if ((rc = cdrl_env_options_each(run->env_options, apply_env_option, a->env, err)))
        return rc;
    a->spec = cdrl_env_spec_of(a->env);
    a->action_stride = a->spec->action_dim > 0 ? a->spec->action_dim : 1;
    if (a->spec->action_dim > 0 && strcmp(cfg->method, "cem") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.planner.method = %s: env %s has continuous actions, "
                           "which mb plans with cem", cfg->method, run->env);
    if (cfg->elites > cfg->candidates)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.planner.elites = %d: must be <= "
                           "agent.planner.candidates = %d", cfg->elites, cfg->candidates);
    if (cfg->thompson && cfg->beta != 0.0)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.planner.beta = %g with agent.planner.thompson: "
                           "one held mask set has no spread to weigh; set beta = 0", cfg->beta);
    if ((rc = mb_check_memory(cfg, run, a->spec, planner_particles, err)))
        return rc;
    if ((rc = cdrl_replay_buffer_init(&a->buf, a->spec->obs_dim, a->action_stride, cfg->val_every, err)))
        return rc;
    cdrl_dynamics_spec ms;
    int K;
    if ((rc = model_spec_of(cfg, a->spec, (uint64_t)run->seed, &ms, err)))
        return rc;
    if ((rc = cdrl_ensemble_parse(cfg->uncertainty, &K, err)))
        return cdrl_error_prefix(err, "agent.model.uncertainty");
    if ((rc = cdrl_ensemble_create(&ms, K, &a->ens, err)))
        return rc;
    a->model = a->ens->member[0];
    cdrl_planner_spec ps;
    mb_planner_spec_of(cfg, planner_particles, &ps);
    if ((rc = cdrl_planner_create(&ps, a->spec, (uint64_t)run->seed, PLANNER_STREAM, &a->planner, err)))
        return rc;
    size_t n = (size_t)cfg->probe_states, D = (size_t)a->spec->obs_dim;
    a->probe_near = malloc(sizeof(float) * n * D);
    a->probe_far = malloc(sizeof(float) * n * D);
    a->probe_actions = malloc(sizeof(float) * n * (size_t)a->action_stride);
    if (!a->probe_near || !a->probe_far || !a->probe_actions)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory");
    make_probes(a, (uint64_t)run->seed);
    return 0;
}

/* ---- Refit and metrics ----------------------------------------------------------- */

static int refit(mb_agent *a, refit_stats *rs, cdrl_error *err)
{
    memset(rs, 0, sizeof *rs);
    if (cdrl_replay_buffer_train_count(&a->buf) < 2)
        return 0;
    int T = a->cfg->mc_samples, rc;
    if ((rc = cdrl_ensemble_fit(a->ens, &a->buf, a->cfg->fit_steps, &rs->fit_loss, err)) ||
        (rc = cdrl_ensemble_validate(a->ens, &a->buf, T, &rs->val, err)) ||
        (rc = cdrl_ensemble_spread(a->ens, a->probe_near, a->probe_actions, a->cfg->probe_states, T,
                                   &rs->near_spread, err)) ||
        (rc = cdrl_ensemble_spread(a->ens, a->probe_far, a->probe_actions, a->cfg->probe_states, T,
                                   &rs->far_spread, err)))
        return rc;
    double check[4] = {rs->val.val_mse, rs->val.val_spread, rs->near_spread, rs->far_spread};
    return cdrl_check_finite_d(check, 4, "dynamics model validation", err);
}

static void metrics_header(const void *self, char *metrics, size_t size)
{
    const mb_agent *a = self;
    int n = snprintf(metrics, size, "episode,env_steps,buffer,planned,return,length,fit_loss,val_mse,"
                     "zero_mse,val_spread,probe_near_spread,probe_far_spread,aleatoric");
    for (int l = 0; l < cdrl_dynamics_layers(a->model) && n > 0 && (size_t)n < size; l++)
        n += snprintf(metrics + n, size - (size_t)n, ","),
        n += cdrl_metric_p_name(metrics + n, size - (size_t)n, "model", l);
    if (n > 0 && (size_t)n < size)
        n += snprintf(metrics + n, size - (size_t)n, ",test_episodes,test_min_return,test_mean_return,plan_time_ms");
    if (n > 0 && (size_t)n < size)
        n += snprintf(metrics + n, size - (size_t)n, ",%s,%s", CDRL_METRIC_CAL_NLL, CDRL_METRIC_CAL_RANK);
    for (int epi = 0; epi < 2; epi++)
        for (int k = 0; k < CDRL_METRIC_CAL_LEVELS && n > 0 && (size_t)n < size; k++)
            n += snprintf(metrics + n, size - (size_t)n, ","),
            n += cdrl_metric_cal_cover_name(metrics + n, size - (size_t)n, epi, cdrl_metric_cal_levels[k]);
    if (a->cfg->beta != 0.0 && n > 0 && (size_t)n < size)
        snprintf(metrics + n, size - (size_t)n, ",%s,%s,%s", CDRL_METRIC_PLAN_SCORE, CDRL_METRIC_PLAN_MEAN,
                 CDRL_METRIC_PLAN_PARTICLE_STD);
}

/* ---- On the run harness ------------------------------------------------------ */

static int mb_create(const void *agent_args, void **out, cdrl_error *err)
{
    const cdrl_train_args *args = agent_args;
    const mb_config *cfg = args->config;
    mb_agent *a = malloc(sizeof *a);
    if (!a)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory");
    /* Thompson sampling plans with its episode's one network: P = 1. */
    int rc = mb_agent_init(a, cfg, args->run, cfg->thompson ? 1 : cfg->particles, err);
    if (!rc && !cfg->thompson && cfg->particles < a->ens->K)
        rc = cdrl_errorf(err, CDRL_EINVAL, "agent.planner.particles = %d with agent.model.uncertainty = %s: "
                         "need at least one particle per member", cfg->particles, cfg->uncertainty);
    rc = rc ? rc : mb_watch(a, args->frame, args->user, err);
    if (rc) {
        mb_agent_free(a);
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

static void free_agent(void *self)
{
    if (!self)
        return;
    mb_agent_free(self);
    free(self);
}

static int64_t units(const void *self)
{
    return ((const mb_agent *)self)->c.episodes;
}

static int64_t env_steps(const void *self)
{
    return ((const mb_agent *)self)->c.env_steps;
}

static int finished(const void *self)
{
    const mb_agent *a = self;
    const mb_config *cfg = a->cfg;
    return a->c.env_steps >= a->run->steps || (cfg->max_episodes && a->c.episodes >= cfg->max_episodes) ||
           (a->run->stop_when_solved && a->c.solved);
}

/* One real episode, the refit on everything seen, and the solve test. */
static int iterate(void *self, const cdrl_run_io *io, cdrl_error *err)
{
    mb_agent *a = self;
    const mb_config *cfg = a->cfg;
    const cdrl_run_config *run = a->run;
    model_view view = {a->ens, 0, cfg->thompson};
    episode_stats *es = &a->last_episode;
    int planned = a->last_planned = a->c.episodes >= cfg->random_episodes;
    int rc = mb_play_episode(a, a->c.episodes, (uint64_t)run->seed, planned ? &view : NULL,
                             run->steps - a->c.env_steps, &a->buf, es, err);
    if (rc)
        return rc;
    a->c.episodes++;
    a->c.env_steps += es->length;
    a->c.last_return = es->ret;
    if ((rc = refit(a, &a->last_refit, err)))
        return rc;
    /* The test only decides when to stop, so it runs only when it may. */
    memset(&a->last_test, 0, sizeof a->last_test);
    if (run->stop_when_solved && !a->c.solved && a->c.episodes >= cfg->random_episodes &&
        cdrl_replay_buffer_train_count(&a->buf) >= 2) {
        if ((rc = mb_solve_test(a, &view, &a->last_test, err)))
            return rc;
        a->c.solved = a->last_test.passed;
        a->c.test_mean = a->last_test.mean_return;
    }
    return cdrl_csv_row(io->episodes, err, "%lld,%lld,%d,%s,%lld,%d", (long long)a->c.episodes,
                        (long long)a->c.env_steps, planned, cdrl_shortest_double(es->ret).text,
                        (long long)es->length, es->terminated);
}

static double plan_ms_per_step(const episode_stats *es)
{
    return es->planned ? es->plan_ms / (double)es->planned : 0.0;
}

static int metrics_row(void *self, const cdrl_run_io *io, char *row, size_t size, cdrl_error *err)
{
    (void)io, (void)err;
    const mb_agent *a = self;
    const episode_stats *es = &a->last_episode;
    const refit_stats *rs = &a->last_refit;
    const solve_test *test = &a->last_test;
    int n = snprintf(row, size, "%lld,%lld,%lld,%d,%s,%lld", (long long)a->c.episodes,
                     (long long)a->c.env_steps, (long long)a->buf.size, a->last_planned,
                     cdrl_shortest_double(es->ret).text, (long long)es->length);
    const double fit[7] = {rs->fit_loss,   rs->val.val_mse, rs->val.zero_mse,   rs->val.val_spread,
                           rs->near_spread, rs->far_spread,  rs->val.aleatoric};
    for (int k = 0; k < 7; k++)
        n += snprintf(row + n, size - (size_t)n, ",%s", cdrl_shortest_double(fit[k]).text);
    for (int l = 0; l < cdrl_dynamics_layers(a->model); l++)
        n += snprintf(row + n, size - (size_t)n, ",%s", cdrl_shortest_float(cdrl_ensemble_p(a->ens, l)).text);
    n += snprintf(row + n, size - (size_t)n, ",%d,%s,%s,%.4f", test->episodes,
                  cdrl_shortest_double(test->min_return).text, cdrl_shortest_double(test->mean_return).text,
                  plan_ms_per_step(es));
    n += snprintf(row + n, size - (size_t)n, ",%s,%s", cdrl_shortest_double(rs->val.cal.nll).text,
                  cdrl_shortest_double(rs->val.cal.spread_error_rank).text);
    for (int k = 0; k < CDRL_METRIC_CAL_LEVELS; k++)
        n += snprintf(row + n, size - (size_t)n, ",%s", cdrl_shortest_double(rs->val.cover[k]).text);
    for (int k = 0; k < CDRL_METRIC_CAL_LEVELS; k++)
        n += snprintf(row + n, size - (size_t)n, ",%s", cdrl_shortest_double(rs->val.cover_epi[k]).text);
    if (a->cfg->beta != 0.0) {
        /* a random episode planned nothing: NaN, a gap in the curves */
        double per = es->planned ? 1.0 / (double)es->planned : NAN;
        snprintf(row + n, size - (size_t)n, ",%s,%s,%s", cdrl_shortest_double(es->plan_score * per).text,
                 cdrl_shortest_double(es->plan_mean * per).text, cdrl_shortest_double(es->plan_spread * per).text);
    }
    return 0;
}

/* The compute a run pays (docs/uncertainty.md, "Compute"): parameters of
 * the posterior (all members), FLOPs of the matrix products of one planning
 * step (per real step: rows x horizon x rounds imagined rows, each through
 * one member's trunk and mean head) and of one refit (forward and backward,
 * about 3 x the forward's products, for every member's fit_steps x batch
 * rows through the whole network). Masks, activations and the reward are
 * left out: the products dominate. */
typedef struct {
    double params;     /* of the whole posterior (K members) */
    double plan_flops; /* matrix-product FLOPs of one planning step (one real step) */
    double fit_flops;  /* of one refit, every member */
} mb_compute_cost;

static void mb_compute(const mb_agent *a, mb_compute_cost *out)
{
    const mb_config *cfg = a->cfg;
    const cdrl_dynamics_ensemble *e = a->ens;
    double rows = (double)(cfg->thompson ? 1 : cfg->particles) * cfg->candidates;
    double rounds = strcmp(cfg->method, "cem") == 0 ? cfg->iterations : 1;
    double full = 0.0; /* every layer, heads included */
    for (int l = 0; l < a->model->net->n_layers; l++)
        full += (double)a->model->net->layers[l].n_in * a->model->net->layers[l].n_out;
    out->params = (double)cdrl_ensemble_member_params(e) * e->K;
    out->plan_flops = 2.0 * cdrl_ensemble_row_macs(e) * rows * cfg->horizon * rounds;
    out->fit_flops = 3.0 * 2.0 * full * cfg->batch * (double)cfg->fit_steps * e->K;
}

static void progress_line(const void *self, const cdrl_run_io *io, char *line, size_t size)
{
    (void)io;
    const mb_agent *a = self;
    const episode_stats *es = &a->last_episode;
    const refit_stats *rs = &a->last_refit;
    const solve_test *test = &a->last_test;
    char ps[256] = "", tested[96] = "";
    int pn = 0;
    for (int l = 0; l < cdrl_dynamics_layers(a->model); l++)
        if (a->model->net->layers[l].dropout != CDRL_DROPOUT_NONE)
            pn += snprintf(ps + pn, sizeof ps - (size_t)pn, "%s%.3f", pn ? " " : "", cdrl_ensemble_p(a->ens, l));
    if (test->episodes)
        snprintf(tested, sizeof tested, " | test %d ep min %.0f", test->episodes, test->min_return);
    mb_compute_cost cost;
    mb_compute(a, &cost);
    snprintf(line, size,
             "episode %lld (%s) return %.0f | buffer %lld | val mse %.4g (zero change %.3g) | "
             "p %s | spread val %.3g near %.3g far %.3g | cal nll %.3g cover50/90 %.2f/%.2f | "
             "plan %.1f ms/step%s | %s: %.0f params, plan %.3g MFLOP/step, fit %.3g MFLOP",
             (long long)a->c.episodes, a->last_planned ? "mpc" : "random", es->ret, (long long)a->buf.size,
             rs->val.val_mse, rs->val.zero_mse, ps[0] ? ps : "-", rs->val.val_spread,
             rs->near_spread, rs->far_spread, rs->val.cal.nll, rs->val.cal.coverage50, rs->val.cal.coverage90,
             plan_ms_per_step(es), tested, a->cfg->uncertainty, cost.params, cost.plan_flops * 1e-6,
             cost.fit_flops * 1e-6);
}

static int watch_arrays(const void *self, cdrl_run_watch *out)
{
    static const char *params[CDRL_ENSEMBLE_MAX] = {"model.params", "model1.params", "model2.params",
        "model3.params", "model4.params", "model5.params", "model6.params", "model7.params"};
    static const char *adam[CDRL_ENSEMBLE_MAX] = {"model.adam.state", "model1.adam.state",
        "model2.adam.state", "model3.adam.state", "model4.adam.state", "model5.adam.state",
        "model6.adam.state", "model7.adam.state"};
    const cdrl_dynamics_ensemble *e = ((const mb_agent *)self)->ens;
    for (int k = 0; k < e->K; k++) {
        const cdrl_dynamics_model *m = e->member[k];
        out[2 * k] = (cdrl_run_watch){params[k], m->net->params, m->net->n_params};
        out[2 * k + 1] = (cdrl_run_watch){adam[k], m->adam.state, 2 * m->adam.n};
    }
    return 2 * e->K;
}

static void result(const void *self, void *result)
{
    cdrl_train_result *out = result;
    const mb_agent *a = self;
    out->solved = (int)a->c.solved;
    out->env_steps = a->c.env_steps;
    out->episodes = a->c.episodes;
    out->iterations = a->c.episodes;
    out->last_mean_return = a->c.solved ? a->c.test_mean : a->c.last_return;
}

static const cdrl_run_ops mb_ops = {
    .unit = "episode",
    .episodes_header = "episode,env_steps,planned,return,length,terminated",
    .create = mb_create,
    .free = free_agent,
    .metrics_header = metrics_header,
    .units = units,
    .env_steps = env_steps,
    .finished = finished,
    .iterate = iterate,
    .metrics_row = metrics_row,
    .progress_line = progress_line,
    .watch = watch_arrays,
    .save = mb_save,
    .load = mb_load,
    .result = result,
};

static int mb_train(const cdrl_train_args *args, cdrl_train_result *result, cdrl_error *err)
{
    cdrl_run_args run = cdrl_train_run_args(args);
    memset(result, 0, sizeof *result);
    return cdrl_run_train(&mb_ops, &run, args, result, err);
}

const cdrl_agent_def cdrl_agent_mb = {
    .name = "mb",
    .summary = "model-based: a Concrete-Dropout dynamics model and MPC (CEM) over its particles",
    .keys = mb_keys,
    .n_keys = MB_N_KEYS,
    .config_size = sizeof(mb_config),
    .train = mb_train,
    .eval = mb_eval,
};
