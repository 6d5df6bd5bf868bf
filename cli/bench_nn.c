/* cdrl bench nn: CPU microseconds per step of the network workloads that
 * training and planning spend their time in, the same workloads that
 * scripts/bench_vs_torch.sh runs in PyTorch and numpy:
 *
 *   cdmlp_*          one Concrete-Dropout MLP training step (tanh, Concrete
 *                    dropout on the inputs of the second and later layers,
 *                    MSE + the Concrete regulariser, backward, Adam);
 *   planner_mb       one planning step of the mb agent's default planner
 *                    (random shooting, 100 candidates x horizon 20 x 5
 *                    particles through a 2 x 32 tanh Concrete model);
 *   mc_forward_*     one MLP forward in Monte-Carlo mode (fresh dropout noise).
 *
 * Time is this thread's CPU time, so other work sharing the core does not
 * count; pin the process (taskset -c 0) so caches stay warm. Workloads take
 * turns round by round and the median round is reported. */
#include "bench.h"
#include "cli.h"
#include "flags.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdrl/env.h"
#include "cdrl/loss.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "cdrl/vecmath.h"
/* The mb agent's own parts, private to agents/: the benchmark times them as
 * the agent runs them. */
#include "dynamics_model.h"
#include "planner.h"

#define MAX_ROUNDS 101

/* ==== Workloads ==== */

typedef struct {
    const char *name;
    int kind; /* WORK_* */
    int width, batch;
} workload_def;

enum { WORK_CDMLP, WORK_PLANNER, WORK_MC };

static const workload_def workloads[] = {
    {"cdmlp_4-64-64-2_b1", WORK_CDMLP, 64, 1},
    {"cdmlp_4-64-64-2_b64", WORK_CDMLP, 64, 64},
    {"cdmlp_4-64-64-2_b1024", WORK_CDMLP, 64, 1024},
    {"cdmlp_4-512-512-2_b4096", WORK_CDMLP, 512, 4096},
    {"planner_mb_default", WORK_PLANNER, 32, 500},
    {"mc_forward_4-64-64-2_b1024", WORK_MC, 64, 1024},
};
#define N_WORKLOADS (int)(sizeof workloads / sizeof workloads[0])

typedef struct {
    const workload_def *def;
    cdrl_mlp *net;
    cdrl_adam adam;
    float *x, *y, *dout;
    cdrl_env *env;
    cdrl_dynamics_model *model;
    cdrl_planner *planner;
    cdrl_planner_model view;
    double obs[4];
    double us[MAX_ROUNDS];
} workload;

static int plan_sample(void *user, int P, cdrl_error *err)
{
    return cdrl_dynamics_freeze(user, P, err);
}

static int plan_step(void *user, const float *obs, const float *actions, int B, float *next,
                     cdrl_error *err)
{
    return cdrl_dynamics_step_frozen(user, obs, actions, B, next, err);
}

static int plan_step_rows(void *user, const float *obs, const float *actions, int P, const int *counts,
                          float *next, cdrl_error *err)
{
    (void)P;
    return cdrl_dynamics_step_frozen_rows(user, obs, actions, counts, next, err);
}

/* The 4-W-W-2 tanh network with Concrete dropout of the cdmlp and MC workloads. */
static cdrl_mlp *make_mlp(int width, uint64_t seed, cdrl_error *err)
{
    cdrl_mlp_spec s = cdrl_mlp_spec_default();
    s.n_inputs = 4;
    s.n_hidden = 2;
    s.hidden[0] = s.hidden[1] = width;
    s.head_size[0] = 2;
    s.activation = CDRL_ACT_TANH;
    s.dropout.kind = CDRL_DROPOUT_CONCRETE;
    s.dropout.p = CDRL_CONCRETE_DEFAULT_INIT_P;
    s.seed = seed;
    cdrl_mlp *net;
    return cdrl_mlp_create(&s, &net, err) ? NULL : net;
}

static float *random_floats(size_t n, cdrl_rng *rng)
{
    float *v = malloc(sizeof(float) * n);
    for (size_t i = 0; v && i < n; i++)
        v[i] = 2.0f * cdrl_rng_uniform_f(rng) - 1.0f;
    return v;
}

static int setup_planner(workload *w, uint64_t seed, cdrl_error *err)
{
    if (cdrl_env_create("cartpole", &w->env, err))
        return err->code;
    const cdrl_env_spec *env = cdrl_env_spec_of(w->env);
    /* configs/mb_cartpole.cfg's model and planner */
    cdrl_dynamics_spec ms = {.obs_dim = env->obs_dim, .action_count = env->action_count,
                             .n_hidden = 2, .hidden = {32, 32}, .activation = CDRL_ACT_TANH,
                             .dropout = {CDRL_DROPOUT_CONCRETE, 0.1f}, .lr = 3e-3, .batch = 64,
                             .length_scale = 1e-2, .tau = 1.0, .seed = seed};
    if (cdrl_dynamics_create(&ms, &w->model, err))
        return err->code;
    /* The normalisers a fit on CartPole's random-action transitions gives
     * (rounded): the imagined states move as real ones do and the rollouts
     * survive the horizon, as under a trained model, instead of leaving the
     * track within a few steps (scripts/bench_vs_torch.py uses the same). */
    static const float in_std[6] = {0.09f, 0.53f, 0.09f, 0.77f, 0.5f, 0.5f};
    static const float out_std[4] = {0.011f, 0.2f, 0.015f, 0.29f};
    for (int k = 0; k < 6; k++)
        w->model->in_mean[k] = k < 4 ? 0.0f : 0.5f, w->model->in_std[k] = in_std[k];
    memcpy(w->model->out_std, out_std, sizeof out_std);
    cdrl_planner_spec ps = {.method = CDRL_PLAN_RANDOM, .select = CDRL_PLAN_SELECT_MEAN,
                            .horizon = 20, .candidates = 100, .particles = 5, .iterations = 3,
                            .elites = 10, .smoothing = 0.25};
    if (cdrl_planner_create(&ps, env, seed, 1, &w->planner, err))
        return err->code;
    w->view = (cdrl_planner_model){plan_sample, plan_step, w->model, plan_step_rows};
    double start[4] = {0.01, -0.02, 0.03, 0.04};
    memcpy(w->obs, start, sizeof start);
    return 0;
}

static int setup(workload *w, const workload_def *def, uint64_t seed, cdrl_error *err)
{
    memset(w, 0, sizeof *w);
    w->def = def;
    if (def->kind == WORK_PLANNER)
        return setup_planner(w, seed, err);
    if (!(w->net = make_mlp(def->width, seed, err)))
        return err->code;
    cdrl_mlp_set_data_size(w->net, 1e-4, 1.0, 1e4, 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 77);
    size_t B = (size_t)def->batch;
    w->x = random_floats(B * 4, &rng);
    w->y = random_floats(B * 2, &rng);
    w->dout = malloc(sizeof(float) * B * 2);
    if (!w->x || !w->y || !w->dout)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    return def->kind == WORK_CDMLP ? cdrl_adam_init(&w->adam, w->net->n_params, 1e-3f, err) : 0;
}

static void teardown(workload *w)
{
    cdrl_mlp_free(w->net);
    cdrl_adam_free(&w->adam);
    free(w->x);
    free(w->y);
    free(w->dout);
    cdrl_planner_free(w->planner);
    cdrl_dynamics_free(w->model);
    cdrl_env_free(w->env);
}

/* One step of the workload. */
static int step(workload *w, cdrl_error *err)
{
    int B = w->def->batch;
    switch (w->def->kind) {
    case WORK_CDMLP: {
        const float *out = cdrl_mlp_forward(w->net, w->x, B, CDRL_MODE_TRAIN, err);
        if (!out)
            return err->code;
        cdrl_mlp_zero_grad(w->net);
        memset(w->dout, 0, sizeof(float) * (size_t)B * 2);
        cdrl_mse(w->dout, out, w->y, B, 2, 1.0f);
        cdrl_mlp_regularizer(w->net);
        if (cdrl_mlp_backward(w->net, w->dout, NULL, err))
            return err->code;
        cdrl_adam_step(&w->adam, w->net->params, w->net->grads);
        return 0;
    }
    case WORK_PLANNER: {
        int action;
        return cdrl_planner_act(w->planner, &w->view, w->obs, &action, NULL, err);
    }
    default:
        return cdrl_mlp_forward(w->net, w->x, B, CDRL_MODE_MC, err) ? 0 : err->code;
    }
}

/* ==== Timing ==== */

double bench_thread_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Steps until `seconds` of CPU time are spent; returns microseconds per step. */
static int time_round(workload *w, double seconds, double *us, cdrl_error *err)
{
    long steps = 0;
    double t0 = bench_thread_cpu_seconds(), t;
    do {
        int rc = step(w, err);
        if (rc)
            return rc;
        steps++;
    } while ((t = bench_thread_cpu_seconds()) - t0 < seconds);
    *us = 1e6 * (t - t0) / (double)steps;
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int bench_nn_run(FILE *out, const bench_nn_options *o, cdrl_error *err)
{
    workload *ws = calloc(N_WORKLOADS, sizeof *ws);
    int chosen[N_WORKLOADS], n = 0, rc = 0;
    if (!ws)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    /* A whole name picks that workload alone; otherwise every name containing it. */
    for (int i = 0; i < N_WORKLOADS && o->only; i++)
        if (strcmp(workloads[i].name, o->only) == 0)
            chosen[n++] = i;
    if (n == 0)
        for (int i = 0; i < N_WORKLOADS; i++)
            if (!o->only || strstr(workloads[i].name, o->only))
                chosen[n++] = i;
    if (n == 0) {
        free(ws);
        return cdrl_errorf(err, CDRL_EINVAL, "no workload name contains '%s'", o->only);
    }
    for (int k = 0; k < n && !rc; k++)
        if (!(rc = setup(&ws[k], &workloads[chosen[k]], o->seed, err)))
            rc = step(&ws[k], err); /* warm: buffers grown, pages touched */
    /* Workloads take turns, so a slow spell of the machine hits them alike. */
    for (int r = 0; r < o->rounds && !rc; r++)
        for (int k = 0; k < n && !rc; k++)
            rc = time_round(&ws[k], o->seconds, &ws[k].us[r], err);
    if (!rc) {
        char machine[400];
        bench_machine(machine, sizeof machine);
        fprintf(out, "cdrl bench nn: CPU microseconds per step, median of %d rounds of %.2f s; "
                "vector math: %s\n", o->rounds, o->seconds, cdrl_vec_isa_name(cdrl_vec_current()));
        fprintf(out, "machine: %s\n\n%-28s %12s\n", machine, "workload", "us/step");
        for (int k = 0; k < n; k++)
            fprintf(out, "%-28s %12.2f\n", ws[k].def->name, bench_median(ws[k].us, o->rounds));
    }
    for (int k = 0; k < n; k++)
        teardown(&ws[k]);
    free(ws);
    return rc;
}

/* ==== Command line ==== */

typedef struct {
    long long rounds, seed;
    double seconds;
    const char *only;
} nn_args;

static int take_seconds(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    nn_args *a = args;
    double seconds;
    if (cli_parse_double(value, 0, 600, &seconds) || !(seconds > 0))
        return cli_fail("bench nn", "--seconds '%s' is invalid; accepted: (0, 600]", value);
    a->seconds = seconds;
    return 0;
}

#define ARG(field) offsetof(nn_args, field)
static const cli_flag nn_flags[] = {
    {"--rounds", "N", CLI_INT, ARG(rounds), 1, MAX_ROUNDS, NULL,
     "rounds; the median round is reported (default 5)", 0, 0},
    {"--seconds", "S", CLI_CALL, 0, 0, 0, take_seconds, "CPU seconds per workload and round (default 0.2)",
     0, 0},
    {"--only", "NAME", CLI_STRING, ARG(only), 0, 0, NULL,
     "only the workload named NAME, or those whose name contains it", 0, 0},
    {"--seed", "N", CLI_INT, ARG(seed), 0, LLONG_MAX, NULL, "weights and data (default 1)", 0, 0},
};
#undef ARG

static void print_workloads(FILE *out)
{
    fprintf(out, "workloads:\n");
    for (int i = 0; i < N_WORKLOADS; i++)
        fprintf(out, "  %s\n", workloads[i].name);
}

const cli_command nn_command = {
    "bench nn",
    "cdrl bench nn [options]",
    "CPU microseconds per step of the network workloads (this thread's CPU time; pin\n"
    "it: taskset -c 0 cdrl bench nn). scripts/bench_vs_torch.sh runs the same in\n"
    "PyTorch and numpy.",
    nn_flags, CLI_N(nn_flags), NULL, print_workloads,
};

int bench_nn(int argc, char **argv)
{
    nn_args a = {.rounds = 5, .seed = 1, .seconds = 0.2, .only = NULL};
    int status = cli_parse(&nn_command, argc, argv, &a);
    if (status)
        return status == CLI_HELP_SHOWN ? CLI_EXIT_OK : status;
    bench_nn_options o = {.rounds = (int)a.rounds, .seconds = a.seconds, .only = a.only,
                          .seed = (uint64_t)a.seed};
    cdrl_error err = {0};
    if (bench_nn_run(stdout, &o, &err))
        return cli_report("bench nn", &err);
    return CLI_EXIT_OK;
}
