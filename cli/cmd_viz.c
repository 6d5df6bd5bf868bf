/* cdrl viz: draws a run's curves and replays its saved policy, in a window or
 * headless to PNG files (one picture, or every frame of a replay).
 *
 * All drawing lives in the visualizer library (include/cdrl/viz.h) and the
 * replay is the agent's own evaluation; this file reads the command line,
 * loads the runs, hands the agent's frames to the visualizer and reports
 * errors. */
#include "cdrl/clock.h"
#include "cli.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/env.h"
#include "cdrl/run.h"
#include "cdrl/viz.h"
#include "flags.h"
#include "run_setup.h"

#define MAX_RUNS 8

typedef struct {
    const char *dirs[MAX_RUNS]; /* RUN_DIR first, then the --compare runs */
    int n_dirs;
    const char *primary;        /* RUN_DIR; dirs holds the --compare runs until the end */
    const char *png;
    const char *frames;
    const char *gif;            /* --gif FILE, --gif-size WxH */
    int gif_width, gif_height;
    int width, height;
    cdrl_viz_dashboard_options dashboard;
    const char *env_name;       /* --env: the env whose state --state gives */
    int has_state;
    double state[CDRL_ENV_MAX_DIM];
    int state_dim;
    double push;                /* --push: the force arrow (NaN = none) */
    long long episodes;         /* --episodes: 0 = the default of the mode */
    long long seed;             /* --seed: -1 = the run's */
    int no_replay;
    int solved_given;           /* --solved: else the run's env says where solved is */
    int bench_live;             /* --bench-live, with --steps */
    long long bench_steps;      /* 0: the default */
} viz_args;

/* ---- The flag table ------------------------------------------------------------ */

static int take_run_dir(const char *arg, void *args)
{
    viz_args *a = args;
    if (a->primary)
        return cli_fail("viz", "one RUN_DIR expected, got '%s' too; overlay runs with --compare", arg);
    a->primary = arg;
    return 0;
}

static int take_compare(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    viz_args *a = args;
    if (a->n_dirs == MAX_RUNS)
        return cli_fail("viz", "at most %d runs can be drawn together", MAX_RUNS);
    a->dirs[a->n_dirs++] = value;
    return 0;
}

/* --episodes, --seed, --mean, --steps: whole numbers in the row's range. */
static int take_whole_number(const cli_flag *row, const char *value, void *args)
{
    if (cli_parse_int(value, row->min, row->max, CLI_TARGET(long long, row, args)) == 0)
        return 0;
    if (row->max == LLONG_MAX)
        return cli_fail("viz", "%s takes an integer >= %lld, got '%s'", row->name, row->min, value);
    return cli_fail("viz", "%s takes a whole number in %lld..%lld, got '%s'", row->name, row->min, row->max,
                    value);
}

static int take_mean(const cli_flag *row, const char *value, void *args)
{
    long long n;
    if (cli_parse_int(value, row->min, row->max, &n))
        return cli_fail("viz", "--mean takes a whole number in %lld..%lld, got '%s'", row->min, row->max, value);
    ((viz_args *)args)->dashboard.running_mean = (int)n;
    return 0;
}

static int take_state(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    viz_args *a = args;
    const char *p = value;
    a->state_dim = 0;
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || a->state_dim == CDRL_ENV_MAX_DIM || (*end && *end != ','))
            return cli_fail("viz", "--state takes up to %d comma-separated finite numbers, got '%s'",
                            CDRL_ENV_MAX_DIM, value);
        a->state[a->state_dim++] = v;
        if (!*end)
            break;
        p = end + 1;
    }
    a->has_state = 1;
    return 0;
}

static int take_push(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    if (strcmp(value, "left") != 0 && strcmp(value, "right") != 0)
        return cli_fail("viz", "--push takes left or right, got '%s'", value);
    ((viz_args *)args)->push = strcmp(value, "right") == 0 ? 1 : 0;
    return 0;
}

static int take_size(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    viz_args *a = args;
    char tail;
    if (sscanf(value, "%dx%d%c", &a->width, &a->height, &tail) != 2 || a->width < 320 || a->height < 240 ||
        a->width > 8192 || a->height > 8192)
        return cli_fail("viz", "--size takes WxH with W in 320..8192 and H in 240..8192, got '%s'", value);
    return 0;
}

static int take_gif_size(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    viz_args *a = args;
    char tail;
    if (sscanf(value, "%dx%d%c", &a->gif_width, &a->gif_height, &tail) != 2 || a->gif_width < 64 ||
        a->gif_height < 64 || a->gif_width > 4096 || a->gif_height > 4096)
        return cli_fail("viz", "--gif-size takes WxH with W and H in 64..4096, got '%s'", value);
    return 0;
}

static int take_solved(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    viz_args *a = args;
    a->solved_given = 1;
    if (strcmp(value, "none") == 0) {
        a->dashboard.solved_return = NAN;
        return 0;
    }
    if (cli_parse_double(value, -HUGE_VAL, HUGE_VAL, &a->dashboard.solved_return))
        return cli_fail("viz", "--solved takes a number or 'none', got '%s'", value);
    return 0;
}

static void print_bench_live_help(FILE *out)
{
    fprintf(out,
            "Without --png it opens a window (space pauses, +/- change the speed, q or\n"
            "closing the window quits) and, when the run has a checkpoint, replays episodes\n"
            "of its saved policy in eval mode (dropout off) at real time beside the curves.\n\n"
            "cdrl viz --bench-live [--steps N] measures what the live window costs a loop:\n"
            "a synthetic CPU-bound loop (a 64x64 tanh layer per step, a metrics row every\n"
            "4000 steps) runs with and without a live window at full speed; it prints both\n"
            "rates. Needs a display (or SDL_VIDEODRIVER=offscreen, which it accepts).\n");
}

#define ARG(field) offsetof(viz_args, field)
static const cli_flag viz_flags[] = {
    {"--compare", "DIR", CLI_CALL, 0, 0, 0, take_compare, "overlay the curves of further runs (e.g. fixed vs learned p)",
     "at least one run directory", 1},
    {"--png", "FILE", CLI_STRING, ARG(png), 0, 0, NULL, "write the picture to FILE instead of opening a window",
     "a file name", 0},
    {"--frames", "DIR", CLI_STRING, ARG(frames), 0, 0, NULL,
     "replay headless, one PNG per step, into DIR (made if missing)", "a directory", 0},
    {"--gif", "FILE", CLI_STRING, ARG(gif), 0, 0, NULL,
     "replay headless into an animated GIF at the env's real frame rate", "a file name", 0},
    {"--gif-size", "WxH", CLI_CALL, 0, 0, 0, take_gif_size, "size of the --gif frames (default 600x400)", 0, 0},
    {"--episodes", "N", CLI_CALL, ARG(episodes), 1, 1000, take_whole_number,
     "episodes to replay, 1..1000 (default 3 in a window, 1 with\n--frames)", 0, 0},
    {"--seed", "N", CLI_CALL, ARG(seed), 0, LLONG_MAX, take_whole_number,
     "seed of the replayed episodes (default: the run's seed)", 0, 0},
    {"--no-replay", NULL, CLI_SWITCH, ARG(no_replay), 0, 0, NULL, "the window shows the curves only", 0, 0},
    {"--state", "X,V,A,W", CLI_CALL, 0, 0, 0, take_state,
     "draw the env in this state beside the curves (CartPole:\nx, x_dot, theta, theta_dot; other envs: docs/env.md); with --png and no "
     "RUN_DIR,\nthe env alone", "comma-separated numbers, e.g. 0.5,0,0.1,0", 0},
    {"--env", "NAME", CLI_STRING, ARG(env_name), 0, 0, NULL, "the env --state is for (default cartpole)",
     "an env name", 0},
    {"--push", "left|right", CLI_CALL, 0, 0, 0, take_push, "draw the force arrow of that action with --state", 0, 0},
    {"--size", "WxH", CLI_CALL, 0, 0, 0, take_size, "picture or window size in pixels (default 1280x800)", 0, 0},
    {"--solved", "R|none", CLI_CALL, 0, 0, 0, take_solved,
     "the solved line on the returns plot (default: the run's env's\nsolved threshold; none where it has none)",
     "a return or 'none'", 0},
    {"--mean", "N", CLI_CALL, 0, 1, 100000, take_mean, "window of the running mean of returns (default 100)", 0, 0},
    {"--bench-live", NULL, CLI_SWITCH, ARG(bench_live), 0, 0, NULL,
     "measure what a live window costs a training loop (below)", 0, 0},
    {"--steps", "N", CLI_CALL, ARG(bench_steps), 1000, 1000000000, take_whole_number,
     "steps of --bench-live (default 2000000)", 0, 0},
};
#undef ARG

const cli_command viz_command = {
    "viz",
    "cdrl viz RUN_DIR [--compare RUN_DIR2 ...] [--png FILE] [--frames DIR] [options]\n"
    "       cdrl viz --state X,V,A,W [--env NAME] [--push left|right] --png FILE [--size WxH]\n"
    "       cdrl viz --bench-live [--steps N]",
    "Draws the curves of a run directory (metrics.csv, episodes.csv): episode returns\n"
    "with their running mean and the solved line, the learned dropout rate p of each\n"
    "layer, the epistemic spread. With --png FILE it draws them headless, no display\n"
    "needed; with --frames DIR it replays headless and writes every frame of the\n"
    "episodes as DIR/frame_NNNNNN.png.",
    viz_flags, CLI_N(viz_flags), take_run_dir, print_bench_live_help,
};

/* Parses the command line; puts RUN_DIR before the --compare runs. */
static int parse_args(int argc, char **argv, viz_args *a)
{
    memset(a, 0, sizeof *a);
    a->width = 1280;
    a->height = 800;
    a->dashboard = cdrl_viz_dashboard_defaults();
    a->env_name = "cartpole";
    a->push = NAN;
    a->seed = -1;
    a->gif_width = cdrl_viz_gif_defaults().width;
    a->gif_height = cdrl_viz_gif_defaults().height;
    int rc = cli_parse(&viz_command, argc, argv, a);
    if (rc || a->bench_live)
        return rc;
    if (a->bench_steps)
        return cli_fail("viz", "--steps goes with --bench-live; try 'cdrl viz --help'");
    if (!a->primary && a->has_state && a->png && a->n_dirs == 0)
        return 0; /* a picture of the env alone */
    if (!a->primary)
        return cli_fail("viz", "no RUN_DIR given; usage: cdrl viz RUN_DIR [--compare RUN_DIR2 ...] [--png FILE]");
    if (a->n_dirs == MAX_RUNS)
        return cli_fail("viz", "at most %d runs can be drawn together", MAX_RUNS);
    memmove(a->dirs + 1, a->dirs, sizeof a->dirs[0] * (size_t)a->n_dirs);
    a->dirs[0] = a->primary;
    a->n_dirs++;
    return 0;
}

/* The view of --state: the env itself takes the state, so the picture shows
 * the env's own sizes and limits. *env is NULL without --state; the caller
 * frees it after the last use of *view. */
static int state_view(const viz_args *a, cdrl_env **env, cdrl_env_view *view, cdrl_error *err)
{
    *env = NULL;
    if (!a->has_state)
        return 0;
    if (cdrl_env_create(a->env_name, env, err))
        return err->code;
    int want = cdrl_env_view_of(*env).state_dim;
    if (a->state_dim != want)
        return cdrl_errorf(err, CDRL_EINVAL, "--state: env %s has %d state values, got %d", a->env_name, want,
                           a->state_dim);
    if (cdrl_env_set_state(*env, a->state, err))
        return cdrl_error_prefix(err, "--state");
    *view = cdrl_env_view_of(*env);
    /* --push names CartPole's two actions; other envs' actions are not left and right. */
    if (!isnan(a->push) && strcmp(view->kind, "cartpole") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "--push draws CartPole's force arrow (left or right); env %s is not "
                           "CartPole", a->env_name);
    if (!isnan(a->push))
        view->last_action = a->push;
    return 0;
}

static int write_png(const viz_args *a)
{
    cdrl_viz_run runs[MAX_RUNS];
    int n = 0, status = CLI_EXIT_OK;
    cdrl_error err = {0};
    cdrl_viz_canvas *canvas = NULL;
    cdrl_env *env = NULL;
    cdrl_env_view view;
    if (state_view(a, &env, &view, &err)) {
        status = cli_report("viz", &err);
        goto done;
    }
    for (; n < a->n_dirs; n++)
        if (cdrl_viz_run_load(a->dirs[n], &runs[n], &err)) {
            status = cli_report("viz", &err);
            goto done;
        }
    int env_only = n == 0;
    if (cdrl_viz_canvas_create(a->width, a->height, &canvas, &err) ||
        (env_only ? cdrl_viz_draw_env(canvas, (cdrl_viz_rect){0, 0, a->width, a->height}, &view, NULL, 0, &err)
                  : cdrl_viz_draw_dashboard(canvas, runs, n, env ? &view : NULL, NULL, 0, &a->dashboard, NULL,
                                            &err)) ||
        cdrl_viz_canvas_write_png(canvas, a->png, &err)) {
        status = cli_report("viz", &err);
        goto done;
    }
    if (env_only)
        printf("wrote %s (%dx%d, %s)\n", a->png, a->width, a->height, a->env_name);
    else
        printf("wrote %s (%dx%d, %d run%s)\n", a->png, a->width, a->height, n, n == 1 ? "" : "s");
done:
    cdrl_env_free(env);
    cdrl_viz_canvas_free(canvas);
    for (int i = 0; i < n; i++)
        cdrl_viz_run_free(&runs[i]);
    return status;
}

/* ---- Replay of the saved policy ------------------------------------------- */

typedef struct {
    cdrl_viz_live *live;
    cdrl_viz_gif *gif; /* --gif: every step goes to the video instead */
    cdrl_error err; /* a frame that could not be written */
    int failed;
} replay_state;

static int replay_frame(void *user, const cdrl_env_view *view, const double *ghosts, int n_ghosts)
{
    replay_state *r = user;
    if (r->gif) {
        r->failed = cdrl_viz_gif_frame(r->gif, view, ghosts, n_ghosts, &r->err) != 0;
        return r->failed;
    }
    if (cdrl_viz_live_wants_frame(r->live) && cdrl_viz_live_frame(r->live, view, ghosts, n_ghosts, &r->err)) {
        r->failed = 1;
        return 1;
    }
    return cdrl_viz_live_should_stop(r->live);
}

/* 1 if run_dir holds a checkpoint to replay. */
static int has_checkpoint(const char *run_dir)
{
    char path[CDRL_PATH_MAX];
    cdrl_error err = {0};
    return cdrl_path_join(path, sizeof path, run_dir, CDRL_RUN_CHECKPOINT_FILE, &err) == 0 &&
           access(path, F_OK) == 0;
}

/* Plays `episodes` eval-mode episodes of the policy saved in run_dir through
 * the live view: the agent's own evaluation, with every step handed to the
 * window (or, headless, to the frames directory). Prints one line with the
 * returns. */
static int replay(const viz_args *a, const char *run_dir, long episodes, cdrl_viz_live *live, cdrl_viz_gif *gif)
{
    cdrl_error err = {0};
    run_setup setup;
    if (run_setup_from_run_dir(&setup, run_dir, &err)) {
        run_setup_free(&setup);
        return cli_report("viz", &err);
    }
    int status = CLI_EXIT_OK;
    if (!setup.agent->eval) {
        status = cli_fail("viz", "agent %s cannot replay a checkpoint", setup.agent->name);
    } else {
        replay_state state = {.live = live, .gif = gif};
        cdrl_eval_args args = run_setup_eval_args(&setup, run_dir, a->seed, (int)episodes, 1);
        args.replay = 1;
        args.frame = replay_frame;
        args.user = &state;
        cdrl_eval_result r;
        memset(&r, 0, sizeof r);
        if (setup.agent->eval(&args, &r, &err))
            status = cli_report("viz", &err);
        else if (state.failed)
            status = cli_report("viz", &state.err);
        else if (r.episodes > 0)
            printf("replayed %d episode%s of %s (eval mode): return %.2f +- %.2f\n", r.episodes,
                   r.episodes == 1 ? "" : "s", run_dir, r.eval_mean, r.eval_std);
    }
    run_setup_free(&setup);
    return status;
}

/* --frames DIR: a headless replay that writes every frame. */
static int write_frames(const viz_args *a)
{
    const char *run_dir = a->dirs[0];
    if (!has_checkpoint(run_dir))
        return cli_fail("viz", "%s: no %s to replay (the run stopped before its first checkpoint?)", run_dir,
                        CDRL_RUN_CHECKPOINT_FILE);
    if (mkdir(a->frames, 0777) != 0 && errno != EEXIST)
        return cli_fail("viz", "--frames %s: cannot create the directory: %s", a->frames, strerror(errno));
    cdrl_viz_live_options opts = cdrl_viz_live_defaults();
    opts.width = a->width;
    opts.height = a->height;
    opts.dashboard = a->dashboard;
    opts.headless = 1;
    opts.frames_dir = a->frames;
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    if (cdrl_viz_live_create(&opts, NULL, &live, &err))
        return cli_report("viz", &err);
    int status = CLI_EXIT_OK;
    for (int i = 0; i < a->n_dirs && status == CLI_EXIT_OK; i++)
        if (cdrl_viz_live_add_run(live, a->dirs[i], &err))
            status = cli_report("viz", &err);
    if (status == CLI_EXIT_OK)
        status = replay(a, run_dir, a->episodes ? a->episodes : 1, live, NULL);
    long frames;
    double draw_seconds;
    cdrl_viz_live_stats(live, &frames, &draw_seconds);
    cdrl_viz_live_free(live);
    if (status == CLI_EXIT_OK)
        printf("wrote %ld frames to %s\n", frames, a->frames);
    return status;
}

/* --gif FILE: a headless replay into an animated GIF at the env's real time. */
static int write_gif(const viz_args *a)
{
    const char *run_dir = a->dirs[0];
    if (!has_checkpoint(run_dir))
        return cli_fail("viz", "%s: no %s to replay (the run stopped before its first checkpoint?)", run_dir,
                        CDRL_RUN_CHECKPOINT_FILE);
    cdrl_error err = {0};
    run_setup setup;
    cdrl_env *env = NULL;
    cdrl_viz_gif_options opts = {a->gif_width, a->gif_height, 0};
    int rc = run_setup_from_run_dir(&setup, run_dir, &err) || cdrl_env_create(setup.run.env, &env, &err);
    if (!rc)
        opts.steps_per_second = cdrl_env_spec_of(env)->steps_per_second;
    if (!(opts.steps_per_second > 0))
        opts.steps_per_second = cdrl_viz_gif_defaults().steps_per_second;
    cdrl_env_free(env);
    run_setup_free(&setup);
    cdrl_viz_gif *gif = NULL;
    if (rc || cdrl_viz_gif_open(a->gif, &opts, &gif, &err))
        return cli_report("viz", &err);
    int status = replay(a, run_dir, a->episodes ? a->episodes : 1, NULL, gif);
    if (status == CLI_EXIT_OK && cdrl_viz_gif_finish(gif, &err))
        status = cli_report("viz", &err);
    if (status == CLI_EXIT_OK)
        printf("wrote %s (%ld frames, %dx%d, %g frames/s)\n", a->gif, cdrl_viz_gif_frames(gif), opts.width,
               opts.height, opts.steps_per_second);
    cdrl_viz_gif_free(gif);
    return status;
}

static int show_window(const viz_args *a)
{
    cdrl_viz_live_options opts = cdrl_viz_live_defaults();
    opts.width = a->width;
    opts.height = a->height;
    opts.dashboard = a->dashboard;
    opts.title = "cdrl viz";
    opts.start_speed = 3; /* a replay plays at real time; + and - change it */
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    /* The runs are read first so that a wrong directory is reported as such
     * even on a machine without a display. */
    cdrl_viz_run probe;
    for (int i = 0; i < a->n_dirs; i++) {
        if (cdrl_viz_run_load(a->dirs[i], &probe, &err))
            return cli_report("viz", &err);
        cdrl_viz_run_free(&probe);
    }
    if (cdrl_viz_live_create(&opts, NULL, &live, &err)) {
        if (err.code == CDRL_EUNAVAIL)
            return cli_fail("viz", "no display (%s); use --png FILE", err.msg);
        return cli_report("viz", &err);
    }
    int status = CLI_EXIT_OK;
    cdrl_env *env = NULL;
    cdrl_env_view view;
    for (int i = 0; i < a->n_dirs && status == CLI_EXIT_OK; i++)
        if (cdrl_viz_live_add_run(live, a->dirs[i], &err))
            status = cli_report("viz", &err);
    if (status == CLI_EXIT_OK && state_view(a, &env, &view, &err))
        status = cli_report("viz", &err);
    if (status == CLI_EXIT_OK && env && cdrl_viz_live_frame(live, &view, NULL, 0, &err))
        status = cli_report("viz", &err);
    if (status == CLI_EXIT_OK && !env && !a->no_replay && has_checkpoint(a->dirs[0]))
        status = replay(a, a->dirs[0], a->episodes ? a->episodes : 3, live, NULL);
    if (status == CLI_EXIT_OK && cdrl_viz_live_wait_quit(live, &err))
        status = cli_report("viz", &err);
    cdrl_env_free(env);
    cdrl_viz_live_free(live);
    return status;
}

/* ---- cdrl viz --bench-live -------------------------------------------------
 * What a live window costs a training loop, measured on a stand-in loop whose
 * per-step work (one 64x64 tanh layer, about a policy forward pass) and
 * reporting (an episode every 200 steps, a metrics row every 4000) resemble
 * the pg agent's. A stand-in and not the agent itself: its cost per step is
 * fixed and known, so the difference with and without the window is the
 * window's alone, not the learning's. */

#define BENCH_N 64

/* Runs `steps` steps; with live != NULL, hands it views and rows the way the
 * trainer does. Returns the steps per second, or -1 on error. */
static double bench_loop(long steps, cdrl_viz_live *live, cdrl_error *err)
{
    static double w[BENCH_N * BENCH_N], h[BENCH_N], out[BENCH_N];
    for (int i = 0; i < BENCH_N * BENCH_N; i++)
        w[i] = ((i * 7919) % 201 - 100) / 1000.0;
    for (int i = 0; i < BENCH_N; i++)
        h[i] = 0.01 * i;
    double state[4] = {0}, params[4] = {2.4, 0.20943951023931953, 0.5, 10};
    cdrl_env_view view = {"cartpole", 4, state, 4, params, 1, 0, 0};
    const char *names[4] = {"env_steps", "p_0", "p_1", "mc_spread"};
    double start = cdrl_clock_seconds();
    for (long t = 0; t < steps; t++) {
        for (int i = 0; i < BENCH_N; i++) {
            double acc = 0;
            for (int j = 0; j < BENCH_N; j++)
                acc += w[i * BENCH_N + j] * h[j];
            out[i] = tanh(acc + 0.1);
        }
        memcpy(h, out, sizeof h);
        if (!live)
            continue;
        view.steps = (int)(t % 200);
        state[0] = h[0];
        state[2] = 0.1 * h[1];
        view.last_action = (double)(t & 1);
        view.episode_return = view.steps;
        if (t % 200 == 199 && cdrl_viz_live_episode(live, 200, 200, err))
            return -1;
        if (t % 4000 == 3999) {
            double values[4] = {(double)t + 1, 0.1 * exp(-t / 1e6), 0.08 * exp(-t / 1e6), 0.2 * exp(-t / 2e6)};
            if (cdrl_viz_live_metrics(live, 4, names, values, err))
                return -1;
        }
        if (cdrl_viz_live_wants_frame(live) && cdrl_viz_live_frame(live, &view, NULL, 0, err))
            return -1;
        if (cdrl_viz_live_should_stop(live))
            break;
    }
    return steps / (cdrl_clock_seconds() - start);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return v[n / 2];
}

static int bench_live(long steps)
{
    cdrl_viz_live_options opts = cdrl_viz_live_defaults();
    opts.title = "cdrl viz --bench-live";
    opts.allow_hidden = 1;
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    if (cdrl_viz_live_create(&opts, "bench", &live, &err)) {
        if (err.code == CDRL_EUNAVAIL)
            return cli_fail("viz", "no display (%s); --bench-live needs one", err.msg);
        return cli_report("viz", &err);
    }
    /* Rounds alternate a stretch without and a stretch with the window, and
     * the medians are compared, so that other work on the machine, which
     * comes and goes, weighs on both sides alike. */
    enum { ROUNDS = 9 };
    double base[ROUNDS], with[ROUNDS];
    long chunk = steps / ROUNDS;
    for (int r = 0; r < ROUNDS; r++) {
        base[r] = bench_loop(chunk, NULL, &err);
        with[r] = bench_loop(chunk, live, &err);
        if (with[r] < 0)
            break;
    }
    long frames;
    double draw_seconds;
    cdrl_viz_live_stats(live, &frames, &draw_seconds);
    cdrl_viz_live_free(live);
    for (int r = 0; r < ROUNDS; r++)
        if (with[r] < 0)
            return cli_report("viz", &err);
    double b = median(base, ROUNDS), w = median(with, ROUNDS);
    double total_with = 0;
    for (int r = 0; r < ROUNDS; r++)
        total_with += chunk / with[r];
    printf("%ld steps in %d rounds: median %.0f steps/s without the window, %.0f with it: %.1f%% slower\n",
           chunk * ROUNDS, ROUNDS, b, w, 100 * (1 - w / b));
    printf("%ld frames drawn, %.2f ms each on average, %.1f%% of the time with the window\n", frames,
           frames ? 1e3 * draw_seconds / frames : 0.0, 100 * draw_seconds / total_with);
    return CLI_EXIT_OK;
}

/* The solved line of the returns plot where --solved does not set it: the
 * threshold of the first run's env (none for Pendulum and the swing-up);
 * CartPole-v1's 475 when the run cannot say. */
static void solved_of_run(viz_args *a)
{
    if (a->solved_given || !a->n_dirs)
        return;
    run_setup setup;
    cdrl_env *env = NULL;
    if (run_setup_from_run_dir(&setup, a->dirs[0], NULL) == 0 && cdrl_env_create(setup.run.env, &env, NULL) == 0)
        a->dashboard.solved_return = cdrl_env_spec_of(env)->solved_threshold;
    cdrl_env_free(env);
    run_setup_free(&setup);
}

int cmd_viz(int argc, char **argv)
{
    viz_args a;
    int status = parse_args(argc, argv, &a);
    if (status)
        return status == CLI_HELP_SHOWN ? CLI_EXIT_OK : status;
    solved_of_run(&a);
    if (a.bench_live) {
        if (a.primary || a.n_dirs || a.png || a.frames || a.has_state)
            return cli_fail("viz", "usage: cdrl viz --bench-live [--steps N]");
        return bench_live(a.bench_steps ? a.bench_steps : 2000000);
    }
    if (a.frames && (a.png || a.has_state))
        return cli_fail("viz", "--frames replays the run's policy; it does not combine with --png or --state");
    if (a.gif && (a.png || a.has_state || a.frames))
        return cli_fail("viz", "--gif replays the run's policy; it does not combine with --png, --state or --frames");
    if (a.gif)
        return write_gif(&a);
    if (a.frames)
        return write_frames(&a);
    if (a.png)
        return write_png(&a);
    return show_window(&a);
}
