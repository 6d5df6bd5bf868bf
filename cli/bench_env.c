/* cdrl bench env: how many environment steps per second, for the single env
 * and for batches, on one core and on all cores.
 *
 * "All cores" runs one independent copy of the same measurement per thread
 * and adds up their steps: that is the throughput a user gets from running
 * that many envs or batches side by side. A last row splits one large batch
 * over worker threads inside the vec env (cdrl_vec_env_set_threads), which
 * is what a single training run gets.
 *
 * Actions are random, drawn before timing into a table that each step reads
 * through a shifting window, so the timed loop is the env and nothing else:
 * random actions end an episode every twenty-odd steps, so resets are part
 * of what is measured.
 *
 * Time is the measuring thread's CPU time, so other jobs on a shared machine
 * slow a cell down only through the caches they share, not by taking the
 * core away; the pooled row, whose workers are other threads, is wall time. */
#include "cdrl/clock.h"
#include "bench.h"
#include "bench_env_tight.h"
#include "cli.h"
#include "flags.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/env.h"
#include "cdrl/rng.h"
#include "cdrl/run.h"

#define MAX_ROUNDS 101

typedef struct {
    const char *env_name;
    const char *integrator;
    const char *env_options; /* key=value,... for every env measured, or NULL */
    double seconds;   /* per cell, when steps == 0 */
    long long steps;  /* env steps per cell, if > 0 */
    int threads;      /* for the all-cores column */
    int rounds;       /* --tight: interleaved rounds of env and plain loop */
    uint64_t seed;
} bench_options;

/* One measurement: a single env (batch == 0) or a vec env of `batch`, with
 * `pool_threads` worker threads inside it. */
typedef struct {
    const bench_options *opt;
    int batch;
    int pool_threads;
    uint64_t seed;
    pthread_barrier_t *start; /* all copies start timing together, or NULL */
    long long steps_done;
    double elapsed;
    cdrl_error err;
    int failed;
} bench_cell;

/* Applies --integrator and --env-options to a single env or a batch. */
static int apply_single_option(void *env, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_env_set_option(env, key, value, err);
}

static int apply_vec_option(void *venv, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_vec_env_set_option(venv, key, value, err);
}

static int apply_options(const bench_options *opt, void *env,
                         int (*apply)(void *, const char *, const char *, cdrl_error *), cdrl_error *err)
{
    if (opt->integrator && apply(env, "integrator", opt->integrator, err))
        return -1;
    return opt->env_options ? cdrl_env_options_each(opt->env_options, apply, env, err) : 0;
}

/* n random actions of the env's space, each max(1, action_dim) wide:
 * uniform over the discrete actions, or over the continuous box. */
static double *random_actions(const cdrl_env_spec *spec, size_t n, uint64_t seed)
{
    const size_t width = spec->action_dim > 0 ? (size_t)spec->action_dim : 1;
    double *actions = malloc(n * width * sizeof *actions);
    if (!actions)
        return NULL;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 1000);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < width; d++)
            actions[i * width + d] = spec->action_count > 0
                                         ? (double)cdrl_rng_below(&rng, (uint64_t)spec->action_count)
                                         : cdrl_rng_range(&rng, spec->action_low[d], spec->action_high[d]);
    return actions;
}

/* The cell's clock: this thread's CPU time, or wall time when worker
 * threads step the batch. */
static double cell_clock(const bench_cell *cell)
{
    return cell->pool_threads > 1 ? cdrl_clock_seconds() : bench_thread_cpu_seconds();
}

/* Runs until the step budget or the time is spent, checking the clock once
 * per chunk of steps so the clock stays out of the measurement. */
static int budget_left(const bench_cell *cell, long long steps, double t0)
{
    if (cell->opt->steps > 0)
        return steps < cell->opt->steps;
    return cell_clock(cell) - t0 < cell->opt->seconds;
}

static void wait_for_start(bench_cell *cell)
{
    if (cell->start)
        pthread_barrier_wait(cell->start);
}

static void bench_single(bench_cell *cell)
{
    const size_t table = BENCH_ENV_TABLE;
    cdrl_env *env = NULL;
    double *actions = NULL;
    double obs[CDRL_ENV_MAX_DIM];
    cdrl_step_result r;
    size_t width = 1;
    if (cdrl_env_create(cell->opt->env_name, &env, &cell->err) ||
        apply_options(cell->opt, env, apply_single_option, &cell->err) ||
        !(actions = random_actions(cdrl_env_spec_of(env), table, cell->seed)) ||
        cdrl_env_reset_seeded(env, cell->seed, obs, &cell->err)) {
        cell->failed = 1;
        wait_for_start(cell);
        goto done;
    }
    if (cdrl_env_spec_of(env)->action_dim > 0)
        width = (size_t)cdrl_env_spec_of(env)->action_dim;
    /* Warm the caches and the branch predictor before the clock starts. */
    for (size_t i = 0; i < 100000; i++) {
        cdrl_env_step(env, &actions[(i % table) * width], obs, &r, NULL);
        if (r.terminated || r.truncated)
            cdrl_env_reset(env, obs, NULL);
    }
    wait_for_start(cell);
    long long steps = 0;
    const long long chunk = cell->opt->steps > 0 && cell->opt->steps < 8192 ? cell->opt->steps : 8192;
    double t0 = cell_clock(cell);
    do {
        for (long long i = 0; i < chunk; i++) {
            cdrl_env_step(env, &actions[((size_t)(steps + i) % table) * width], obs, &r, NULL);
            if (r.terminated || r.truncated)
                cdrl_env_reset(env, obs, NULL);
        }
        steps += chunk;
    } while (budget_left(cell, steps, t0));
    cell->elapsed = cell_clock(cell) - t0;
    cell->steps_done = steps;
done:
    cdrl_env_free(env);
    free(actions);
}

static void bench_batched(bench_cell *cell)
{
    const int B = cell->batch;
    const size_t obs_dim = CDRL_ENV_MAX_DIM;
    cdrl_vec_env *venv = NULL;
    double *actions = NULL;
    size_t width = 1;
    double *obs = malloc((size_t)B * obs_dim * sizeof *obs);
    double *final_obs = malloc((size_t)B * obs_dim * sizeof *final_obs);
    double *reward = malloc((size_t)B * sizeof *reward);
    uint8_t *term = malloc((size_t)B), *trunc = malloc((size_t)B);
    if (!obs || !final_obs || !reward || !term || !trunc) {
        cdrl_errorf(&cell->err, CDRL_ENOMEM, "out of memory for a batch of %d", B);
        cell->failed = 1;
    } else if (cdrl_vec_env_create(cell->opt->env_name, B, cell->seed, &venv, &cell->err) ||
               apply_options(cell->opt, venv, apply_vec_option, &cell->err) ||
               cdrl_vec_env_set_threads(venv, cell->pool_threads, &cell->err) ||
               cdrl_vec_env_reset(venv, obs, &cell->err)) {
        cell->failed = 1;
    } else if (!(actions = random_actions(cdrl_vec_env_spec_of(venv), (size_t)B + BENCH_ENV_WINDOW_SLACK,
                                          cell->seed))) {
        cdrl_errorf(&cell->err, CDRL_ENOMEM, "out of memory for a batch of %d", B);
        cell->failed = 1;
    } else if (cdrl_vec_env_spec_of(venv)->action_dim > 0) {
        width = (size_t)cdrl_vec_env_spec_of(venv)->action_dim;
    }
    if (cell->failed) {
        wait_for_start(cell);
        goto done;
    }
    long long warmup = 100000 / B + 2;
    for (long long t = 0; t < warmup; t++)
        cdrl_vec_env_step(venv, actions + (size_t)(t % BENCH_ENV_WINDOW_SLACK) * width, obs, reward, term, trunc,
                          final_obs, NULL);
    wait_for_start(cell);
    long long iterations = 0, steps = 0;
    const long long chunk = 8192 / B + 1;
    double t0 = cell_clock(cell);
    do {
        for (long long i = 0; i < chunk; i++, iterations++)
            cdrl_vec_env_step(venv, actions + (size_t)(iterations % BENCH_ENV_WINDOW_SLACK) * width, obs, reward,
                              term, trunc, final_obs, NULL);
        steps = iterations * B;
    } while (budget_left(cell, steps, t0));
    cell->elapsed = cell_clock(cell) - t0;
    cell->steps_done = steps;
done:
    cdrl_vec_env_free(venv);
    free(actions);
    free(obs);
    free(final_obs);
    free(reward);
    free(term);
    free(trunc);
}

static void *bench_cell_run(void *arg)
{
    bench_cell *cell = arg;
    if (cell->batch == 0)
        bench_single(cell);
    else
        bench_batched(cell);
    return NULL;
}

/* Measures `copies` independent copies of a cell at once, one per thread.
 * Returns total steps per second (0 on error, with err filled). */
static double bench_measure(const bench_options *opt, int batch, int pool_threads, int copies,
                            cdrl_error *err)
{
    bench_cell *cells = calloc((size_t)copies, sizeof *cells);
    pthread_t *threads = calloc((size_t)copies, sizeof *threads);
    pthread_barrier_t start;
    double rate = 0.0;
    if (!cells || !threads) {
        cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
        goto done;
    }
    if (copies > 1)
        pthread_barrier_init(&start, NULL, (unsigned)copies);
    int started = 0;
    for (int c = 0; c < copies; c++) {
        cells[c] = (bench_cell){.opt = opt, .batch = batch, .pool_threads = pool_threads,
                                .seed = opt->seed + (uint64_t)c, .start = copies > 1 ? &start : NULL};
        if (c > 0 && pthread_create(&threads[c], NULL, bench_cell_run, &cells[c]) != 0) {
            cdrl_errorf(err, CDRL_EUNAVAIL, "could not start benchmark thread %d of %d", c, copies);
            break;
        }
        started = c + 1;
    }
    if (started == copies)
        bench_cell_run(&cells[0]);
    for (int c = 1; c < started; c++)
        pthread_join(threads[c], NULL);
    if (copies > 1)
        pthread_barrier_destroy(&start);
    if (started < copies)
        goto done;
    long long steps = 0;
    double slowest = 0.0;
    for (int c = 0; c < copies; c++) {
        if (cells[c].failed) {
            *err = cells[c].err;
            goto done;
        }
        steps += cells[c].steps_done;
        if (cells[c].elapsed > slowest)
            slowest = cells[c].elapsed;
    }
    rate = slowest > 0 ? (double)steps / slowest : 0.0;
done:
    free(cells);
    free(threads);
    return rate;
}

static int parse_batches(const char *text, int *batches, int max, int *n)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long b = strtol(p, &end, 10);
        if (end == p || b < 1 || b > (1 << 24) || *n == max || (*end != ',' && *end != '\0'))
            return -1;
        batches[(*n)++] = (int)b;
        p = *end == ',' ? end + 1 : end;
    }
    return *n > 0 ? 0 : -1;
}

/* ---- The flag table ------------------------------------------------------------ */

typedef struct {
    bench_options opt;
    int batches[16], n_batches;
    long long threads, seed, rounds;
    int tight;
} env_args;

static int take_batch(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    env_args *a = args;
    if (parse_batches(value, a->batches, 16, &a->n_batches))
        return cli_fail("bench env", "--batch '%s' is invalid; accepted: up to 16 sizes in [1, 16777216], "
                        "comma-separated", value);
    return 0;
}

static int take_seconds(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    env_args *a = args;
    double seconds;
    if (cli_parse_double(value, 0, 3600, &seconds) || !(seconds > 0))
        return cli_fail("bench env", "--seconds '%s' is invalid; accepted: (0, 3600]", value);
    a->opt.seconds = seconds;
    return 0;
}

/* --steps, --threads, --seed: integers in the row's range. */
static int take_count(const cli_flag *row, const char *value, void *args)
{
    if (cli_parse_int(value, row->min, row->max, CLI_TARGET(long long, row, args)) == 0)
        return 0;
    if (row->max == LLONG_MAX)
        return cli_fail("bench env", "%s '%s' is invalid; accepted: an integer >= %lld", row->name, value, row->min);
    return cli_fail("bench env", "%s '%s' is invalid; accepted: %lld to %lld", row->name, value, row->min, row->max);
}

#define ARG(field) offsetof(env_args, field)
static const cli_flag env_flags[] = {
    {"--env", "LIST", CLI_STRING, ARG(opt.env_name), 0, 0, NULL, "envs to measure, comma-separated, or 'all' (default all)",
     0, 0},
    {"--integrator", "NAME", CLI_STRING, ARG(opt.integrator), 0, 0, NULL, "cartpole's integrator: euler (default) or "
     "semi-implicit", 0, 0},
    {"--env-options", "OPTS", CLI_STRING, ARG(opt.env_options), 0, 0, NULL, "env options for every env measured, e.g. "
     "action_repeat=4", 0, 0},
    {"--batch", "LIST", CLI_CALL, 0, 0, 0, take_batch, "batch sizes, comma-separated (default 1,64,4096)", 0, 0},
    {"--seconds", "S", CLI_CALL, 0, 0, 0, take_seconds, "CPU time per measurement (default 1.0)", 0, 0},
    {"--steps", "N", CLI_CALL, ARG(opt.steps), 1, LLONG_MAX, take_count,
     "env steps per measurement instead of a time (e.g. 1000)", 0, 0},
    {"--threads", "N", CLI_CALL, ARG(threads), 1, 256, take_count,
     "threads for the all-cores column (default: cores online)", 0, 0},
    {"--seed", "N", CLI_CALL, ARG(seed), 0, LLONG_MAX, take_count, "seed of the envs and actions (default 1)", 0, 0},
    {"--tight", NULL, CLI_SWITCH, ARG(tight), 0, 0, NULL, "after cartpole's rows, the same equations in a plain C "
     "loop (the floor of the env's interface), interleaved with the env round by round", 0, 0},
    {"--rounds", "N", CLI_INT, ARG(rounds), 1, MAX_ROUNDS, NULL, "--tight's rounds; medians are reported (default 5)",
     0, 0},
};
#undef ARG

const cli_command env_command = {
    "bench env",
    "cdrl bench env [options]",
    "Environment steps per second: the single env and batches of B envs, on one core\n"
    "and on all cores (one independent copy per thread), then one batch split over\n"
    "worker threads.",
    env_flags, CLI_N(env_flags), NULL, NULL,
};

static void format_rate(double rate, char *buf, size_t size)
{
    snprintf(buf, size, "%.1f M", rate / 1e6);
}

/* The envs to measure (--env LIST or all) into names[] (pointing into list
 * or the registry); every name and option is checked up front, so a bad one
 * fails before any timing. Returns how many, or -1 with err filled. */
static int env_list(bench_options *opt, char *list, size_t size, const char **names, int max, cdrl_error *err)
{
    int n_envs = 0;
    if (strcmp(opt->env_name, "all") == 0) {
        for (const char *const *name = cdrl_env_names(); *name && n_envs < max; name++)
            names[n_envs++] = *name;
    } else {
        snprintf(list, size, "%s", opt->env_name);
        for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok && n_envs < max;
             tok = strtok_r(NULL, ",", &save))
            names[n_envs++] = tok;
    }
    for (int e = 0; e < n_envs; e++) {
        cdrl_env *probe = NULL;
        opt->env_name = names[e];
        int rc = cdrl_env_create(names[e], &probe, err) || apply_options(opt, probe, apply_single_option, err);
        cdrl_env_free(probe);
        if (rc)
            return -1;
    }
    return n_envs;
}

/* The env's states after `steps` steps on the bench's actions from the
 * bench's seed, as struct-of-arrays into state (4 x n): what the plain loop
 * must reproduce (bench_env_tight_state). 0 or an error. */
static int cartpole_state_after(int batch, const double *actions, long long steps, uint64_t seed, double *state,
                                cdrl_error *err)
{
    const int n = batch ? batch : 1;
    double *obs = malloc(4 * (size_t)n * sizeof *obs);
    double *reward = malloc((size_t)n * sizeof *reward);
    uint8_t *flags = malloc(2 * (size_t)n);
    cdrl_env *env = NULL;
    cdrl_vec_env *venv = NULL;
    int rc = !obs || !reward || !flags ? cdrl_errorf(err, CDRL_ENOMEM, "out of memory for a batch of %d", n) : 0;
    if (!rc && !batch && !(rc = cdrl_env_create("cartpole", &env, err)) &&
        !(rc = cdrl_env_reset_seeded(env, seed, obs, err))) {
        cdrl_step_result r;
        for (long long t = 0; t < steps && !rc; t++) {
            rc = cdrl_env_step(env, &actions[t % BENCH_ENV_TABLE], obs, &r, err);
            if (!rc && (r.terminated || r.truncated))
                rc = cdrl_env_reset(env, obs, err);
        }
    } else if (!rc && batch && !(rc = cdrl_vec_env_create("cartpole", batch, seed, &venv, err)) &&
               !(rc = cdrl_vec_env_reset(venv, obs, err))) {
        for (long long t = 0; t < steps && !rc; t++)
            rc = cdrl_vec_env_step(venv, actions + t % BENCH_ENV_WINDOW_SLACK, obs, reward, flags, flags + n, NULL,
                                   err);
    }
    for (int i = 0; i < n && !rc; i++) /* cartpole's observation is its state */
        for (int d = 0; d < 4; d++)
            state[(size_t)d * n + i] = obs[(size_t)i * 4 + d];
    cdrl_env_free(env);
    cdrl_vec_env_free(venv);
    free(obs);
    free(reward);
    free(flags);
    return rc;
}

/* The plain loop is a fair floor only if it does the env's arithmetic: both
 * take the same steps, and their states must agree to the last bit. */
static int check_tight_identical(int batch, const double *actions, uint64_t seed, cdrl_error *err)
{
    const int n = batch ? batch : 1;
    const long long steps = batch ? 20000 / batch + 100 : 20000;
    double *env = malloc(8 * (size_t)n * sizeof *env), *loop = env + 4 * (size_t)n;
    int rc = env ? 0 : cdrl_errorf(err, CDRL_ENOMEM, "out of memory for a plain loop of %d carts", n);
    if (!rc && bench_env_tight_state(batch, actions, steps, seed, loop))
        rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory for a plain loop of %d carts", n);
    if (!rc)
        rc = cartpole_state_after(batch, actions, steps, seed, env, err);
    if (!rc && memcmp(env, loop, 4 * (size_t)n * sizeof *env) != 0)
        rc = cdrl_errorf(err, CDRL_ESTATE, "the plain loop's cartpole (B = %d) differs from the env after %lld "
                         "steps: it is not the env's arithmetic", n, steps);
    free(env);
    return rc;
}

/* cartpole's equations in a plain C loop against the env itself, on the
 * actions bench_single and bench_batched take, once checked to follow the
 * env bit for bit: `rounds` rounds of the env then the loop, one cell each,
 * so both meet the same machine; one row with the loop's median time and
 * the median of the rounds' ratios. */
static int print_tight_row(const bench_options *opt, int batch, cdrl_error *err)
{
    int table = batch ? batch + BENCH_ENV_WINDOW_SLACK : BENCH_ENV_TABLE;
    double env_ns[MAX_ROUNDS], loop_ns[MAX_ROUNDS], ratio[MAX_ROUNDS];
    cdrl_env *probe = NULL;
    if (cdrl_env_create("cartpole", &probe, err))
        return -1;
    double *actions = random_actions(cdrl_env_spec_of(probe), (size_t)table, opt->seed);
    cdrl_env_free(probe);
    if (!actions)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory for a plain loop of %d carts", batch);
    int rc = check_tight_identical(batch, actions, opt->seed, err);
    for (int r = 0; r < opt->rounds && !rc; r++) {
        double env = bench_measure(opt, batch, 1, 1, err);
        double loop = env > 0 ? bench_env_tight_rate(batch, actions, opt->seconds, opt->steps, opt->seed) : 0.0;
        if (env <= 0)
            rc = -1;
        else if (loop <= 0)
            rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory for a plain loop of %d carts", batch);
        else {
            env_ns[r] = 1e9 / env;
            loop_ns[r] = 1e9 / loop;
            ratio[r] = env / loop;
        }
    }
    free(actions);
    if (rc)
        return rc;
    double loop = bench_median(loop_ns, opt->rounds);
    char rate_s[32];
    format_rate(1e9 / loop, rate_s, sizeof rate_s);
    printf("%-22s %-8s %7d %16s %9.2f   (the env runs at %.2fx its speed: %.2f ns/step; medians of %d "
           "interleaved rounds)\n",
           "cartpole", "plain-C", batch ? batch : 1, rate_s, loop, bench_median(ratio, opt->rounds),
           bench_median(env_ns, opt->rounds), opt->rounds);
    fflush(stdout);
    return 0;
}

int bench_env(int argc, char **argv)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    env_args a = {.opt = {.env_name = "all", .integrator = NULL, .seconds = 1.0, .steps = 0},
                  .batches = {1, 64, 4096}, .n_batches = 3, .threads = online > 0 ? online : 1, .seed = 1, .rounds = 5};
    int status = cli_parse(&env_command, argc, argv, &a);
    if (status)
        return status == CLI_HELP_SHOWN ? CLI_EXIT_OK : status;
    bench_options opt = a.opt;
    opt.threads = (int)a.threads;
    opt.seed = (uint64_t)a.seed;
    opt.rounds = (int)a.rounds;
    int *batches = a.batches, n_batches = a.n_batches;

    char list[512];
    const char *names[64];
    cdrl_error err = {0};
    int n_envs = env_list(&opt, list, sizeof list, names, 64, &err);
    if (n_envs < 0)
        return cli_report("bench env", &err);

    char machine[400], budget[64];
    bench_machine(machine, sizeof machine);
    if (opt.steps > 0)
        snprintf(budget, sizeof budget, "%lld env steps", opt.steps);
    else
        snprintf(budget, sizeof budget, "%.2f s of CPU time", opt.seconds);
    printf("cdrl bench env: %d env%s%s%s%s%s, %s per measurement\n", n_envs, n_envs == 1 ? "" : "s",
           opt.integrator ? ", integrator " : "", opt.integrator ? opt.integrator : "",
           opt.env_options ? ", options " : "", opt.env_options ? opt.env_options : "", budget);
    printf("machine: %s\n\n", machine);
    char all_head[32];
    snprintf(all_head, sizeof all_head, "%d cores steps/s", opt.threads);
    printf("%-22s %-8s %7s %16s %9s   %16s %14s\n", "env", "mode", "B", "1 core steps/s", "ns/step", all_head,
           "ns/step/core");

    int largest = batches[0];
    for (int k = 1; k < n_batches; k++)
        if (batches[k] > largest)
            largest = batches[k];
    for (int e = 0; e < n_envs; e++) {
        opt.env_name = names[e];
        for (int k = -1; k < n_batches; k++) {
            int batch = k < 0 ? 0 : batches[k];
            double one = bench_measure(&opt, batch, 1, 1, &err);
            if (one <= 0)
                return cli_report("bench env", &err);
            double all = bench_measure(&opt, batch, 1, opt.threads, &err);
            if (all <= 0)
                return cli_report("bench env", &err);
            char one_s[32], all_s[32];
            format_rate(one, one_s, sizeof one_s);
            format_rate(all, all_s, sizeof all_s);
            printf("%-22s %-8s %7d %16s %9.2f   %16s %14.2f\n", names[e], batch ? "batched" : "single",
                   batch ? batch : 1, one_s, 1e9 / one, all_s, 1e9 * opt.threads / all);
            fflush(stdout);
            if (a.tight && strcmp(names[e], "cartpole") == 0 && !opt.integrator && !opt.env_options &&
                print_tight_row(&opt, batch, &err))
                return cli_report("bench env", &err);
        }
        if (opt.threads > 1) {
            double pooled = bench_measure(&opt, largest, opt.threads, 1, &err);
            if (pooled <= 0)
                return cli_report("bench env", &err);
            char pooled_s[32];
            format_rate(pooled, pooled_s, sizeof pooled_s);
            printf("%-22s %-8s %7d %16s %9s   %16s %14.2f   (one batch, %d worker threads)\n", names[e],
                   "pooled", largest, "", "", pooled_s, 1e9 * opt.threads / pooled, opt.threads);
        }
    }
    return CLI_EXIT_OK;
}
