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
 * minibatch generators and the planner's generator are checkpointed. */
#include "cdrl/agent.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdrl/checkpoint.h"
#include "cdrl/dynamics_model.h"
#include "cdrl/planner.h"
#include "cdrl/replay_buffer.h"
#include "cdrl/shortest.h"

#define RANDOM_ACTION_STREAM 1000000u
#define PLANNER_STREAM 77u
#define PROBE_STREAM 78u
#define MAX_P_COLUMNS CDRL_MLP_MAX_LAYERS

typedef struct {
    int random_episodes;
    int64_t max_episodes;
    int solve_episodes;
    double solve_return;
    int mc_samples;
    /* model */
    int layers, hidden;
    char activation[CDRL_CFG_STR_MAX];
    char dropout[CDRL_CFG_STR_MAX];
    double init_p;
    int logvar;
    double lr;
    int batch, fit_steps, val_every;
    double length_scale, tau;
    /* planner */
    char method[CDRL_CFG_STR_MAX];
    char select[CDRL_CFG_STR_MAX];
    int horizon, candidates, particles, iterations, elites;
    double smoothing;
    /* probes */
    int probe_states;
    double probe_near, probe_far;
} mb_config;

#define KEY(p, t, f, def, h) .path = p, .type = t, .offset = offsetof(mb_config, f), .default_text = def, .help = h
#define INT_AT_LEAST(lo) .range = CDRL_CFG_MIN, .min = lo

static const cdrl_cfg_key mb_keys[] = {
    {KEY("agent.random_episodes", CDRL_CFG_INT, random_episodes, "2",
         "episodes of uniformly random actions before planning starts"), INT_AT_LEAST(1)},
    {KEY("agent.max_episodes", CDRL_CFG_INT64, max_episodes, "0",
         "stop after this many real episodes (0: only run.steps limits the run)"), INT_AT_LEAST(0)},
    {KEY("agent.solve_episodes", CDRL_CFG_INT, solve_episodes, "5",
         "after each refit, this many planned test episodes (not learned from, not counted in "
         "run.steps); solved when each returns >= agent.solve_return (0: never test)"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 0, .max = 1000},
    {KEY("agent.solve_return", CDRL_CFG_FLOAT, solve_return, "500",
         "return every test episode must reach (CartPole-v1's maximum is 500)")},
    {KEY("agent.mc_samples", CDRL_CFG_INT, mc_samples, "20",
         "T: dropout samples for the logged validation error and epistemic spread"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 10000},
    {KEY("agent.model.layers", CDRL_CFG_INT, layers, "2", "hidden layers of the dynamics model"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = CDRL_MLP_MAX_HIDDEN},
    {KEY("agent.model.hidden", CDRL_CFG_INT, hidden, "32", "units per hidden layer"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 4096},
    {KEY("agent.model.activation", CDRL_CFG_CHOICE, activation, "tanh", "hidden activation"),
     .choices = "relu|tanh|selu"},
    {KEY("agent.model.dropout", CDRL_CFG_STRING, dropout, "concrete",
         "dropout of each hidden and output layer's input: none, fixed:P, concrete"),
     .validate = cdrl_cfg_validate_dropout},
    {KEY("agent.model.init_p", CDRL_CFG_FLOAT, init_p, "0.1", "initial drop rate of Concrete layers"),
     .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1},
    {KEY("agent.model.logvar", CDRL_CFG_BOOL, logvar, "false",
         "also predict a log-variance (aleatoric noise); the fit then minimises the Gaussian NLL")},
    {KEY("agent.model.lr", CDRL_CFG_FLOAT, lr, "3e-3", "Adam learning rate of the model"),
     .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1},
    {KEY("agent.model.batch", CDRL_CFG_INT, batch, "64", "minibatch rows per fit step"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 65536},
    {KEY("agent.model.fit_steps", CDRL_CFG_INT, fit_steps, "1000",
         "Adam steps of each refit (warm-started), after every real episode"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 10000000},
    {KEY("agent.model.val_every", CDRL_CFG_INT, val_every, "5",
         "every val_every-th transition is held out for validation"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 2, .max = 1000},
    {KEY("agent.model.length_scale", CDRL_CFG_FLOAT, length_scale, "1e-2",
         "prior length scale l of the Concrete regulariser (weight_reg = l^2 / (tau N))"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.model.tau", CDRL_CFG_FLOAT, tau, "1",
         "model precision tau of the regulariser (and of the MSE without a log-variance head)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.planner.method", CDRL_CFG_CHOICE, method, "random",
         "cem (cross-entropy method) or random (random shooting)"), .choices = "cem|random"},
    {KEY("agent.planner.select", CDRL_CFG_CHOICE, select, "mean",
         "first action executed: mean (best mean score of the candidates starting with it) or "
         "best (of the best candidate)"), .choices = "mean|best"},
    {KEY("agent.planner.horizon", CDRL_CFG_INT, horizon, "20", "H: imagined steps per candidate"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 1000},
    {KEY("agent.planner.candidates", CDRL_CFG_INT, candidates, "100", "C: action sequences per round"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100000},
    {KEY("agent.planner.particles", CDRL_CFG_INT, particles, "5",
         "P: network draws (frozen dropout masks) each candidate is rolled out with"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 1000},
    {KEY("agent.planner.iterations", CDRL_CFG_INT, iterations, "3", "CEM rounds per real step"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100},
    {KEY("agent.planner.elites", CDRL_CFG_INT, elites, "10", "CEM: best candidates refit to (<= candidates)"),
     .range = CDRL_CFG_MIN, .min = 1},
    {KEY("agent.planner.smoothing", CDRL_CFG_FLOAT, smoothing, "0.25",
         "CEM: weight of the old distribution in each refit"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1},
    {KEY("agent.probe.states", CDRL_CFG_INT, probe_states, "64", "probe states in each of the near and far sets"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100000},
    {KEY("agent.probe.near", CDRL_CFG_FLOAT, probe_near, "0.05",
         "near probes: uniform in +-near per dimension (CartPole's start states)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.probe.far", CDRL_CFG_FLOAT, probe_far, "2",
         "far probes: each dimension +-(0.5..1) x min(far, the observation bound)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
};

/* ---- The agent's state ----------------------------------------------------- */

/* Counters a checkpoint carries; plain data, written as one section. */
typedef struct {
    int64_t episodes, env_steps, metrics_rows, episodes_rows;
    int64_t solved;         /* 1 once a solve test passed */
    double last_return;     /* of the last real episode */
    double test_mean;       /* mean return of the last solve test */
} mb_counters;

typedef struct {
    const mb_config *cfg;
    const cdrl_run_config *run;
    cdrl_env *env;
    const cdrl_env_spec *spec;
    cdrl_replay_buffer buf;
    cdrl_dynamics_model *model;
    cdrl_planner *planner;
    float *probe_near, *probe_far, *probe_actions; /* (n, obs_dim), (n) */
    mb_counters c;
    /* A watching window (--viz, cdrl viz replay): shown every real step, with
     * the model's predicted states along the chosen plan as ghosts. */
    cdrl_frame_fn frame;
    void *frame_user;
    int *plan_seq;   /* (horizon) */
    double *ghosts;  /* (horizon, obs_dim) */
} mb_agent;

/* The planner's view of the model: MC particles with frozen masks, or the
 * deterministic network when `deterministic`. */
typedef struct {
    cdrl_dynamics_model *model;
    int deterministic;
} model_view;

static int view_sample(void *user, int P, cdrl_error *err)
{
    model_view *v = user;
    return v->deterministic ? 0 : cdrl_dynamics_freeze(v->model, P, err);
}

static int view_step(void *user, const float *obs, const float *actions, int B, float *next,
                     cdrl_error *err)
{
    model_view *v = user;
    return v->deterministic ? cdrl_dynamics_predict(v->model, obs, actions, B, next, err)
                            : cdrl_dynamics_step_frozen(v->model, obs, actions, B, next, err);
}

static int model_spec_of(const mb_config *cfg, const cdrl_env_spec *spec, uint64_t seed,
                         cdrl_dynamics_spec *out, cdrl_error *err)
{
    memset(out, 0, sizeof *out);
    out->obs_dim = spec->obs_dim;
    out->action_count = spec->action_count;
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

static int planner_spec_of(const mb_config *cfg, int particles, cdrl_planner_spec *out)
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
    };
    return 0;
}

/* The fixed probe sets: near the start states, and far out (within the
 * observation bounds), where early episodes do not go. */
static void make_probes(mb_agent *a, uint64_t seed)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, PROBE_STREAM);
    int n = a->cfg->probe_states, D = a->spec->obs_dim;
    for (int i = 0; i < n; i++) {
        a->probe_actions[i] = (float)(i % a->spec->action_count);
        for (int d = 0; d < D; d++) {
            double bound = fmin(a->cfg->probe_far, a->spec->obs_high[d]);
            double sign = cdrl_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0;
            a->probe_near[(size_t)i * D + d] =
                (float)cdrl_rng_range(&rng, -a->cfg->probe_near, a->cfg->probe_near);
            a->probe_far[(size_t)i * D + d] = (float)(sign * bound * cdrl_rng_range(&rng, 0.5, 1.0));
        }
    }
}

static void mb_agent_free(mb_agent *a)
{
    cdrl_env_free(a->env);
    cdrl_replay_buffer_free(&a->buf);
    cdrl_dynamics_free(a->model);
    cdrl_planner_free(a->planner);
    free(a->probe_near);
    free(a->probe_far);
    free(a->probe_actions);
    free(a->plan_seq);
    free(a->ghosts);
}

/* Starts showing every real step to `frame` (NULL: nothing to do). */
static int watch(mb_agent *a, cdrl_frame_fn frame, void *user, cdrl_error *err)
{
    if (!frame)
        return 0;
    size_t H = (size_t)a->cfg->horizon;
    a->plan_seq = malloc(sizeof(int) * H);
    a->ghosts = malloc(sizeof(double) * H * (size_t)a->spec->obs_dim);
    if (!a->plan_seq || !a->ghosts)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory for the window's ghosts");
    a->frame = frame;
    a->frame_user = user;
    return 0;
}

/* Shows the env after a real step. When the step was planned from obs, the
 * ghosts are the states the model predicts (dropout off) along the plan that
 * chose it, so the first one sits near the real pole and the rest show where
 * the agent expects it to go. Showing draws no random numbers: a watched run
 * is the same run. */
static int show_step(mb_agent *a, int planned, const double *obs, int action, cdrl_error *err)
{
    int n = 0, D = a->spec->obs_dim;
    if (planned) {
        float x[CDRL_ENV_MAX_DIM], y[CDRL_ENV_MAX_DIM];
        for (int d = 0; d < D; d++)
            x[d] = (float)obs[d];
        cdrl_planner_last_plan(a->planner, action, a->plan_seq);
        for (; n < a->cfg->horizon; n++) {
            float act = (float)a->plan_seq[n];
            int rc = cdrl_dynamics_predict(a->model, x, &act, 1, y, err);
            if (rc)
                return rc;
            for (int d = 0; d < D; d++)
                a->ghosts[(size_t)n * D + d] = x[d] = y[d];
        }
    }
    cdrl_env_view view = cdrl_env_view_of(a->env);
    if (a->frame(a->frame_user, &view, a->ghosts, n))
        a->frame = NULL;
    return 0;
}

static int apply_env_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(user, key, value, err);
}

/* Env, buffer, model, planner and probes for a run; `planner_particles` is
 * the planner's P (the config's for training). */
static int mb_agent_init(mb_agent *a, const mb_config *cfg, const cdrl_run_config *run,
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
    if (a->spec->action_count < 2)
        return cdrl_errorf(err, CDRL_EUNAVAIL, "agent mb: env %s has continuous actions; mb plans "
                           "discrete actions only", run->env);
    if (cfg->elites > cfg->candidates)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.planner.elites = %d: must be <= "
                           "agent.planner.candidates = %d", cfg->elites, cfg->candidates);
    if ((rc = cdrl_replay_buffer_init(&a->buf, a->spec->obs_dim, 1, cfg->val_every, err)))
        return rc;
    cdrl_dynamics_spec ms;
    if ((rc = model_spec_of(cfg, a->spec, (uint64_t)run->seed, &ms, err)))
        return rc;
    if (!(a->model = cdrl_dynamics_create(&ms, err)))
        return err->code;
    cdrl_planner_spec ps;
    planner_spec_of(cfg, planner_particles, &ps);
    if (!(a->planner = cdrl_planner_create(&ps, a->spec, (uint64_t)run->seed, PLANNER_STREAM, err)))
        return err->code;
    size_t n = (size_t)cfg->probe_states, D = (size_t)a->spec->obs_dim;
    a->probe_near = malloc(sizeof(float) * n * D);
    a->probe_far = malloc(sizeof(float) * n * D);
    a->probe_actions = malloc(sizeof(float) * n);
    if (!a->probe_near || !a->probe_far || !a->probe_actions)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory");
    make_probes(a, (uint64_t)run->seed);
    return 0;
}

/* ---- Checkpoints ------------------------------------------------------------ */

static int save_checkpoint(mb_agent *a, const char *dir, uint64_t hash, cdrl_error *err)
{
    cdrl_ckpt_writer *w;
    int rc = cdrl_ckpt_writer_create("mb", hash, &w, err);
    if (rc)
        return rc;
    cdrl_dynamics_model *m = a->model;
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    for (int l = 0; l < m->net->n_layers; l++)
        layer_rng[l] = m->net->layers[l].rng;
    size_t D = (size_t)a->buf.obs_dim, n = (size_t)a->buf.size;
    int shape[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    long adam_t = m->adam.t;
    size_t norm = 2 * (size_t)m->n_inputs + 2 * (size_t)m->spec.obs_dim;
    if ((rc = cdrl_ckpt_add(w, "counters", &a->c, sizeof a->c, err)) ||
        (rc = cdrl_ckpt_add(w, "model.shape", shape, sizeof shape, err)) ||
        (rc = cdrl_ckpt_add(w, "model.params", m->net->params, sizeof(float) * m->net->n_params, err)) ||
        (rc = cdrl_ckpt_add(w, "model.adam.state", m->adam.state, sizeof(float) * 2 * m->adam.n, err)) ||
        (rc = cdrl_ckpt_add(w, "model.adam.t", &adam_t, sizeof adam_t, err)) ||
        (rc = cdrl_ckpt_add(w, "model.norm", m->norm, sizeof(float) * norm, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.model.batches", &m->rng, sizeof m->rng, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.model.layers", layer_rng, sizeof(cdrl_rng) * m->net->n_layers, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.planner", &a->planner->rng, sizeof a->planner->rng, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.obs", a->buf.obs, sizeof(float) * n * D, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.action", a->buf.action, sizeof(float) * n, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.next_obs", a->buf.next_obs, sizeof(float) * n * D, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.reward", a->buf.reward, sizeof(float) * n, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.terminated", a->buf.terminated, n, err)))
        goto done;
    char path[CDRL_PATH_MAX];
    if ((rc = cdrl_path_join(path, sizeof path, dir, CDRL_RUN_CHECKPOINT_FILE, err)))
        goto done;
    rc = cdrl_ckpt_commit(w, path, err);
done:
    cdrl_ckpt_writer_free(w);
    return rc;
}

static int load_checkpoint(mb_agent *a, const char *dir, uint64_t hash, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    int rc = cdrl_path_join(path, sizeof path, dir, CDRL_RUN_CHECKPOINT_FILE, err);
    if (rc)
        return rc;
    cdrl_ckpt *ck;
    if ((rc = cdrl_ckpt_open(path, &ck, err)))
        return rc;
    cdrl_dynamics_model *m = a->model;
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    int shape[3], want[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    long adam_t;
    size_t norm = 2 * (size_t)m->n_inputs + 2 * (size_t)m->spec.obs_dim, D = (size_t)a->buf.obs_dim;
    if ((rc = cdrl_ckpt_check(ck, "mb", hash, err)) ||
        (rc = cdrl_ckpt_read(ck, "counters", &a->c, sizeof a->c, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.shape", shape, sizeof shape, err)))
        goto done;
    if (memcmp(shape, want, sizeof shape) != 0) {
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: model shape (inputs %d, params %d, layers %d) differs "
                         "from the config's (%d, %d, %d)", path, shape[0], shape[1], shape[2], want[0],
                         want[1], want[2]);
        goto done;
    }
    int64_t n = a->c.env_steps;
    if (n < 0 || (rc = cdrl_replay_buffer_reserve(&a->buf, n, err)))
        goto done;
    if ((rc = cdrl_ckpt_read(ck, "model.params", m->net->params, sizeof(float) * m->net->n_params, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.adam.state", m->adam.state, sizeof(float) * 2 * m->adam.n, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.adam.t", &adam_t, sizeof adam_t, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.norm", m->norm, sizeof(float) * norm, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.model.batches", &m->rng, sizeof m->rng, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.model.layers", layer_rng, sizeof(cdrl_rng) * m->net->n_layers, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.planner", &a->planner->rng, sizeof a->planner->rng, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.obs", a->buf.obs, sizeof(float) * (size_t)n * D, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.action", a->buf.action, sizeof(float) * (size_t)n, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.next_obs", a->buf.next_obs, sizeof(float) * (size_t)n * D, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.reward", a->buf.reward, sizeof(float) * (size_t)n, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.terminated", a->buf.terminated, (size_t)n, err)))
        goto done;
    a->buf.size = n;
    m->adam.t = adam_t;
    for (int l = 0; l < m->net->n_layers; l++)
        m->net->layers[l].rng = layer_rng[l];
done:
    cdrl_ckpt_free(ck);
    return rc;
}

/* ---- Episodes ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
    double ret;
    int64_t length;
    int terminated;
    double plan_ms; /* total planning time */
    int64_t planned;/* steps planned */
} episode_stats;

/* Plays one real episode of at most `max_steps` steps, from the start state
 * of episode number `index`: random actions when `view` is NULL, else MPC.
 * Pushes every transition into `buf` when it is not NULL. */
static int play_episode(mb_agent *a, int64_t index, uint64_t seed, const model_view *view,
                        int64_t max_steps, cdrl_replay_buffer *buf, episode_stats *st, cdrl_error *err)
{
    memset(st, 0, sizeof *st);
    double obs[CDRL_ENV_MAX_DIM], next[CDRL_ENV_MAX_DIM];
    cdrl_rng actions;
    cdrl_rng_seed(&actions, seed, RANDOM_ACTION_STREAM + (uint64_t)index);
    int rc = cdrl_env_reset_seeded(a->env, seed + (uint64_t)index * 1000003u, obs, err);
    if (rc)
        return rc;
    cdrl_planner_reset(a->planner);
    if (a->frame) {
        cdrl_env_view start = cdrl_env_view_of(a->env);
        if (a->frame(a->frame_user, &start, NULL, 0))
            a->frame = NULL;
    }
    cdrl_planner_model pm = {view_sample, view_step, (void *)view};
    cdrl_step_result r = {0};
    while (!r.terminated && !r.truncated && st->length < max_steps) {
        int act;
        if (view) {
            double t0 = now_ms();
            if ((rc = cdrl_planner_act(a->planner, &pm, obs, &act, NULL, err)))
                return rc;
            st->plan_ms += now_ms() - t0;
            st->planned++;
        } else {
            act = (int)cdrl_rng_below(&actions, (uint64_t)a->spec->action_count);
        }
        double action = act;
        if ((rc = cdrl_env_step(a->env, &action, next, &r, err)))
            return rc;
        if (a->frame && (rc = show_step(a, view != NULL, obs, act, err)))
            return rc;
        if (buf && (rc = cdrl_replay_buffer_push(buf, obs, &action, next, r.reward, r.terminated, err)))
            return rc;
        st->ret += r.reward;
        st->length++;
        memcpy(obs, next, sizeof obs);
    }
    st->terminated = r.terminated;
    return 0;
}

/* ---- Training ------------------------------------------------------------------ */

/* What the model looks like after a refit. */
typedef struct {
    double fit_loss;
    cdrl_dynamics_stats val;
    double near_spread, far_spread;
} refit_stats;

static int refit(mb_agent *a, refit_stats *rs, cdrl_error *err)
{
    memset(rs, 0, sizeof *rs);
    if (cdrl_replay_buffer_train_count(&a->buf) < 2)
        return 0;
    int T = a->cfg->mc_samples, rc;
    if ((rc = cdrl_dynamics_fit(a->model, &a->buf, a->cfg->fit_steps, &rs->fit_loss, err)) ||
        (rc = cdrl_dynamics_validate(a->model, &a->buf, T, &rs->val, err)) ||
        (rc = cdrl_dynamics_spread(a->model, a->probe_near, a->probe_actions, a->cfg->probe_states, T,
                                   &rs->near_spread, err)) ||
        (rc = cdrl_dynamics_spread(a->model, a->probe_far, a->probe_actions, a->cfg->probe_states, T,
                                   &rs->far_spread, err)))
        return rc;
    double check[4] = {rs->val.val_mse, rs->val.val_spread, rs->near_spread, rs->far_spread};
    return cdrl_check_finite_d(check, 4, "dynamics model validation", err);
}

/* Start states of the solve tests and of cdrl eval lie far past any
 * training episode's number, so they are states training never started from. */
#define SOLVE_TEST_FIRST (INT64_C(1) << 41)
#define EVAL_FIRST (INT64_C(1) << 40)

/* The solve test after a refit: up to solve_episodes planned episodes, learned
 * from by nothing, stopping at the first that falls short. */
typedef struct {
    int episodes;       /* run (0: no test) */
    double min_return, mean_return;
    int passed;
} solve_test;

static int run_solve_test(mb_agent *a, const model_view *view, solve_test *t, cdrl_error *err)
{
    memset(t, 0, sizeof *t);
    double sum = 0.0;
    t->min_return = HUGE_VAL;
    int64_t first = SOLVE_TEST_FIRST + a->c.episodes * 1000;
    for (int e = 0; e < a->cfg->solve_episodes; e++) {
        episode_stats es;
        int rc = play_episode(a, first + e, (uint64_t)a->run->seed, view, INT64_MAX, NULL, &es, err);
        if (rc)
            return rc;
        t->episodes++;
        sum += es.ret;
        t->min_return = fmin(t->min_return, es.ret);
        if (es.ret < a->cfg->solve_return)
            break;
    }
    t->mean_return = t->episodes ? sum / t->episodes : 0.0;
    t->min_return = t->episodes ? t->min_return : 0.0;
    t->passed = t->episodes == a->cfg->solve_episodes && t->episodes > 0 &&
                t->min_return >= a->cfg->solve_return;
    return 0;
}

static void csv_headers(const mb_agent *a, char *metrics, size_t size)
{
    int n = snprintf(metrics, size, "episode,env_steps,buffer,planned,return,length,fit_loss,val_mse,"
                     "zero_mse,val_spread,probe_near_spread,probe_far_spread,aleatoric");
    for (int l = 0; l < cdrl_dynamics_layers(a->model) && n > 0 && (size_t)n < size; l++)
        n += snprintf(metrics + n, size - (size_t)n, ",p_model_l%d", l);
    if (n > 0 && (size_t)n < size)
        snprintf(metrics + n, size - (size_t)n, ",test_episodes,test_min_return,test_mean_return,plan_time_ms");
}

#define EPISODES_HEADER "episode,env_steps,planned,return,length,terminated"

static int open_csvs(mb_agent *a, const cdrl_train_args *args, cdrl_csv **metrics,
                     cdrl_csv **episodes, cdrl_error *err)
{
    char header[1024], mpath[CDRL_PATH_MAX], epath[CDRL_PATH_MAX];
    csv_headers(a, header, sizeof header);
    int rc;
    if ((rc = cdrl_path_join(mpath, sizeof mpath, args->run_dir, CDRL_RUN_METRICS_FILE, err)) ||
        (rc = cdrl_path_join(epath, sizeof epath, args->run_dir, CDRL_RUN_EPISODES_FILE, err)))
        return rc;
    if (args->resume)
        return (rc = cdrl_csv_resume(mpath, header, a->c.metrics_rows, metrics, err))
                   ? rc
                   : cdrl_csv_resume(epath, EPISODES_HEADER, a->c.episodes_rows, episodes, err);
    return (rc = cdrl_csv_create(mpath, header, metrics, err))
               ? rc
               : cdrl_csv_create(epath, EPISODES_HEADER, episodes, err);
}

static int checkpoint(mb_agent *a, const cdrl_train_args *args, cdrl_csv *metrics,
                      cdrl_csv *episodes, cdrl_error *err)
{
    int rc;
    if ((rc = cdrl_csv_sync(metrics, err)) || (rc = cdrl_csv_sync(episodes, err)))
        return rc;
    a->c.metrics_rows = cdrl_csv_rows(metrics);
    a->c.episodes_rows = cdrl_csv_rows(episodes);
    return save_checkpoint(a, args->run_dir, args->config_hash, err);
}

static int log_episode(mb_agent *a, const cdrl_train_args *args, cdrl_csv *metrics,
                       cdrl_csv *episodes, int planned, const episode_stats *es,
                       const refit_stats *rs, const solve_test *test, cdrl_error *err)
{
    int rc = cdrl_csv_row(episodes, err, "%lld,%lld,%d,%s,%lld,%d", (long long)a->c.episodes,
                          (long long)a->c.env_steps, planned, cdrl_shortest_double(es->ret).text,
                          (long long)es->length, es->terminated);
    if (rc)
        return rc;
    char row[1024], ps[256] = "";
    double plan_ms = es->planned ? es->plan_ms / (double)es->planned : 0.0;
    int n = snprintf(row, sizeof row, "%lld,%lld,%lld,%d,%s,%lld", (long long)a->c.episodes,
                     (long long)a->c.env_steps, (long long)a->buf.size, planned,
                     cdrl_shortest_double(es->ret).text, (long long)es->length);
    const double fit[7] = {rs->fit_loss,   rs->val.val_mse, rs->val.zero_mse,   rs->val.val_spread,
                           rs->near_spread, rs->far_spread,  rs->val.aleatoric};
    for (int k = 0; k < 7; k++)
        n += snprintf(row + n, sizeof row - (size_t)n, ",%s", cdrl_shortest_double(fit[k]).text);
    int pn = 0;
    for (int l = 0; l < cdrl_dynamics_layers(a->model); l++) {
        float p = cdrl_dynamics_p(a->model, l);
        n += snprintf(row + n, sizeof row - (size_t)n, ",%s", cdrl_shortest_float(p).text);
        if (a->model->net->layers[l].dropout != CDRL_DROPOUT_NONE)
            pn += snprintf(ps + pn, sizeof ps - (size_t)pn, "%s%.3f", pn ? " " : "", p);
    }
    snprintf(row + n, sizeof row - (size_t)n, ",%d,%s,%s,%.4f", test->episodes,
             cdrl_shortest_double(test->min_return).text, cdrl_shortest_double(test->mean_return).text, plan_ms);
    if ((rc = cdrl_csv_row(metrics, err, "%s", row)))
        return rc;
    if (a->c.episodes % a->run->log_every == 0) {
        char line[768], tested[96] = "";
        if (test->episodes)
            snprintf(tested, sizeof tested, " | test %d ep min %.0f", test->episodes, test->min_return);
        snprintf(line, sizeof line,
                 "episode %lld (%s) return %.0f | buffer %lld | val mse %.4g (zero change %.3g) | "
                 "p %s | spread val %.3g near %.3g far %.3g | plan %.1f ms/step%s",
                 (long long)a->c.episodes, planned ? "mpc" : "random", es->ret, (long long)a->buf.size,
                 rs->val.val_mse, rs->val.zero_mse, ps[0] ? ps : "-", rs->val.val_spread,
                 rs->near_spread, rs->far_spread, plan_ms, tested);
        args->progress(args->user, line);
    }
    return 0;
}

static int mb_train(const cdrl_train_args *args, cdrl_train_result *result, cdrl_error *err)
{
    const mb_config *cfg = args->config;
    const cdrl_run_config *run = args->run;
    mb_agent a;
    cdrl_csv *metrics = NULL, *episodes = NULL;
    memset(result, 0, sizeof *result);
    int rc = mb_agent_init(&a, cfg, run, cfg->particles, err);
    rc = rc ? rc : watch(&a, args->frame, args->user, err);
    if (!rc && args->resume)
        rc = load_checkpoint(&a, args->run_dir, args->config_hash, err);
    if (!rc)
        rc = open_csvs(&a, args, &metrics, &episodes, err);
    model_view view = {a.model, 0};
    uint64_t seed = (uint64_t)run->seed;
    while (!rc) {
        int sig = cdrl_stop_requested();
        if (sig) {
            if ((rc = checkpoint(&a, args, metrics, episodes, err)))
                break;
            rc = cdrl_errorf(err, CDRL_EINTR, "stopped by %s at episode %lld; resume with: cdrl train "
                             "--resume %s", sig == 2 ? "SIGINT" : sig == 15 ? "SIGTERM" : "request",
                             (long long)a.c.episodes, args->run_dir);
            break;
        }
        if (a.c.env_steps >= run->steps || (cfg->max_episodes && a.c.episodes >= cfg->max_episodes) ||
            (run->stop_when_solved && a.c.solved))
            break;
        int planned = a.c.episodes >= cfg->random_episodes;
        episode_stats es;
        if ((rc = play_episode(&a, a.c.episodes, seed, planned ? &view : NULL,
                               run->steps - a.c.env_steps, &a.buf, &es, err)))
            break;
        a.c.episodes++;
        a.c.env_steps += es.length;
        a.c.last_return = es.ret;
        refit_stats rs;
        if ((rc = refit(&a, &rs, err))) {
            if (rc == CDRL_EDIVERGED)
                cdrl_error_prefix(err, "episode %lld (last good checkpoint kept)", (long long)a.c.episodes);
            break;
        }
        /* The test only decides when to stop, so it runs only when it may. */
        solve_test test = {0};
        if (run->stop_when_solved && !a.c.solved && a.c.episodes >= cfg->random_episodes &&
            cdrl_replay_buffer_train_count(&a.buf) >= 2) {
            if ((rc = run_solve_test(&a, &view, &test, err)))
                break;
            a.c.solved = test.passed;
            a.c.test_mean = test.mean_return;
        }
        if ((rc = log_episode(&a, args, metrics, episodes, planned, &es, &rs, &test, err)))
            break;
        if (a.c.episodes % run->checkpoint_every == 0)
            rc = checkpoint(&a, args, metrics, episodes, err);
    }
    if (!rc)
        rc = checkpoint(&a, args, metrics, episodes, err);
    if (!rc) {
        result->solved = (int)a.c.solved;
        result->env_steps = a.c.env_steps;
        result->episodes = a.c.episodes;
        result->iterations = a.c.episodes;
        result->last_mean_return = a.c.solved ? a.c.test_mean : a.c.last_return;
    }
    cdrl_error closing;
    cdrl_csv_close(metrics, &closing);
    cdrl_csv_close(episodes, &closing);
    mb_agent_free(&a);
    return rc;
}

/* ---- Evaluation ----------------------------------------------------------------- */

static void mean_std(const double *x, int n, double *mean, double *std)
{
    double s = 0, q = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        q += (x[i] - *mean) * (x[i] - *mean);
    *std = sqrt(q / n);
}

static int mb_eval(const cdrl_eval_args *args, cdrl_eval_result *result, cdrl_error *err)
{
    const mb_config *cfg = args->config;
    memset(result, 0, sizeof *result);
    mb_agent a;
    double *returns = malloc(sizeof(double) * 2 * (size_t)args->episodes);
    /* Eval mode plans with the one deterministic network (P = 1); mc mode
     * with T particles, each one dropout draw with frozen masks. */
    memset(&a, 0, sizeof a);
    int rc = returns ? mb_agent_init(&a, cfg, args->run, 1, err)
                     : cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory");
    if (!rc)
        rc = load_checkpoint(&a, args->run_dir, args->config_hash, err);
    /* Episodes numbered far past training's so their start states are new. */
    const int64_t first = EVAL_FIRST;
    int finished = 0;
    rc = rc ? rc : watch(&a, args->frame, args->user, err);
    /* A replay runs eval mode only and stops when its window is closed. */
    for (int mode = 0; mode < (args->replay ? 1 : 2) && !rc; mode++) {
        model_view view = {a.model, mode == 0};
        cdrl_planner_spec ps;
        planner_spec_of(cfg, mode ? args->mc_samples : 1, &ps);
        cdrl_planner_free(a.planner);
        if (!(a.planner = cdrl_planner_create(&ps, a.spec, args->seed, PLANNER_STREAM, err)))
            rc = err->code;
        for (int e = 0; e < args->episodes && !rc; e++) {
            if (mode == 0 && args->frame && !a.frame)
                break; /* the window was closed */
            episode_stats es = {0};
            rc = play_episode(&a, first + e, args->seed, &view, INT64_MAX, NULL, &es, err);
            returns[(size_t)mode * args->episodes + e] = es.ret;
            finished += !rc && mode == 0;
        }
        a.frame = NULL; /* only the eval-mode episodes are shown */
    }
    if (!rc && args->replay) {
        result->episodes = finished;
        if (finished)
            mean_std(returns, finished, &result->eval_mean, &result->eval_std);
    } else if (!rc) {
        result->episodes = args->episodes;
        mean_std(returns, args->episodes, &result->eval_mean, &result->eval_std);
        mean_std(returns + args->episodes, args->episodes, &result->mc_mean, &result->mc_std);
        rc = cdrl_dynamics_spread(a.model, a.probe_near, a.probe_actions, cfg->probe_states,
                                  args->mc_samples, &result->mc_spread, err);
        snprintf(result->spread_what, sizeof result->spread_what,
                 "model epistemic std, near probe states");
    }
    free(returns);
    mb_agent_free(&a);
    return rc;
}

const cdrl_agent_def cdrl_agent_mb = {
    .name = "mb",
    .summary = "model-based: a Concrete-Dropout dynamics model and MPC (CEM) over its particles",
    .keys = mb_keys,
    .n_keys = (int)(sizeof mb_keys / sizeof mb_keys[0]),
    .config_size = sizeof(mb_config),
    .train = mb_train,
    .eval = mb_eval,
};
