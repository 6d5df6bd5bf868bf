/* cdrl viz: draws a run's curves (and, once the agents can replay their
 * saved policy, its episodes) in a window, or headless to PNG files.
 *
 * All drawing lives in the visualizer library (include/cdrl/viz.h); this
 * file parses the command line, loads the runs and reports errors. */
#include "cli.h"

#include <math.h>
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
#include "run_setup.h"

#define MAX_RUNS 8

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cdrl viz RUN_DIR [--compare RUN_DIR2 ...] [--png FILE] [--frames DIR]\n"
            "                [--episodes N] [--seed N] [--no-replay]\n"
            "                [--state X,V,A,W [--env NAME] [--push left|right]]\n"
            "                [--size WxH] [--solved RETURN|none] [--mean N]\n"
            "       cdrl viz RUN_DIR --gif FILE [--gif-size WxH] [--episodes N] [--seed N]\n"
            "       cdrl viz --state X,V,A,W [--env NAME] [--push left|right] --png FILE [--size WxH]\n"
            "\n"
            "Draws the curves of a run directory (metrics.csv, episodes.csv): episode returns\n"
            "with their running mean and the solved line, the learned dropout rate p of each\n"
            "layer, the epistemic spread. Without --png it opens a window (space pauses, +/-\n"
            "change the speed, q or closing the window quits) and, when the run has a\n"
            "checkpoint, replays episodes of its saved policy in eval mode (dropout off) at\n"
            "real time beside the curves; with --png FILE it draws the curves headless, no\n"
            "display needed; with --frames DIR it replays headless and writes every frame of\n"
            "the episodes as DIR/frame_NNNNNN.png.\n"
            "\n"
            "  --compare DIR ...  overlay the curves of further runs (e.g. fixed vs learned p)\n"
            "  --png FILE         write the picture to FILE instead of opening a window\n"
            "  --frames DIR       replay headless, one PNG per step, into DIR (made if missing)\n"
            "  --gif FILE         replay headless into an animated GIF at the env's real time\n"
            "  --gif-size WxH     the GIF's frame size (default 600x400)\n"
            "  --episodes N       episodes to replay, 1..1000 (default 3 in a window, 1 with\n"
            "                     --frames or --gif)\n"
            "  --seed N           seed of the replayed episodes (default: the run's seed)\n"
            "  --no-replay        the window shows the curves only\n"
            "  --state X,V,A,W    draw the env in this state beside the curves (CartPole:\n"
            "                     x, x_dot, theta, theta_dot); with --png and no RUN_DIR,\n"
            "                     the env alone\n"
            "  --env NAME         the env --state is for (default cartpole)\n"
            "  --push left|right  draw the force arrow of that action with --state\n"
            "  --size WxH         picture or window size in pixels (default 1280x800)\n"
            "  --solved R|none    the solved line on the returns plot (default 475, CartPole-v1)\n"
            "  --mean N           window of the running mean of returns (default 100)\n"
            "\n"
            "\n"
            "cdrl viz --bench-live [--steps N] measures what the live window costs a loop:\n"
            "a synthetic CPU-bound loop (a 64x64 tanh layer per step, a metrics row every\n"
            "4000 steps) runs with and without a live window at full speed; it prints both\n"
            "rates. Needs a display (or SDL_VIDEODRIVER=offscreen, which it accepts).\n");
}

typedef struct {
    const char *dirs[MAX_RUNS]; /* RUN_DIR first, then the --compare runs */
    int n_dirs;
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
    long episodes;              /* --episodes: 0 = the default of the mode */
    long long seed;             /* --seed: -1 = the run's */
    int no_replay;
} viz_args;

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
    const char *primary = NULL; /* RUN_DIR; a->dirs holds the --compare runs until the end */
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(arg, "--compare") == 0) {
            int taken = 0;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                if (a->n_dirs == MAX_RUNS)
                    return cli_fail("viz", "at most %d runs can be drawn together", MAX_RUNS);
                a->dirs[a->n_dirs++] = argv[++i];
                taken++;
            }
            if (!taken)
                return cli_fail("viz", "--compare needs at least one run directory");
        } else if (strcmp(arg, "--png") == 0) {
            if (!has_value)
                return cli_fail("viz", "--png needs a file name");
            a->png = argv[++i];
        } else if (strcmp(arg, "--gif") == 0) {
            if (!has_value)
                return cli_fail("viz", "--gif needs a file name");
            a->gif = argv[++i];
        } else if (strcmp(arg, "--gif-size") == 0) {
            char tail;
            if (!has_value || sscanf(argv[i + 1], "%dx%d%c", &a->gif_width, &a->gif_height, &tail) != 2 ||
                a->gif_width < 64 || a->gif_height < 64 || a->gif_width > 4096 || a->gif_height > 4096)
                return cli_fail("viz", "--gif-size takes WxH with W and H in 64..4096, got '%s'",
                                has_value ? argv[i + 1] : "");
            i++;
        } else if (strcmp(arg, "--frames") == 0) {
            if (!has_value)
                return cli_fail("viz", "--frames needs a directory");
            a->frames = argv[++i];
        } else if (strcmp(arg, "--episodes") == 0 || strcmp(arg, "--seed") == 0) {
            int is_seed = arg[2] == 's';
            char *end = NULL;
            long long v = has_value ? strtoll(argv[i + 1], &end, 10) : -1;
            if (!has_value || !*argv[i + 1] || *end || (is_seed ? v < 0 : v < 1 || v > 1000))
                return cli_fail("viz", "%s takes %s, got '%s'", arg,
                                is_seed ? "an integer >= 0" : "a whole number in 1..1000",
                                has_value ? argv[i + 1] : "");
            if (is_seed)
                a->seed = v;
            else
                a->episodes = (long)v;
            i++;
        } else if (strcmp(arg, "--no-replay") == 0) {
            a->no_replay = 1;
        } else if (strcmp(arg, "--env") == 0) {
            if (!has_value)
                return cli_fail("viz", "--env needs an env name");
            a->env_name = argv[++i];
        } else if (strcmp(arg, "--state") == 0) {
            if (!has_value)
                return cli_fail("viz", "--state needs comma-separated numbers, e.g. 0.5,0,0.1,0");
            const char *p = argv[++i];
            a->state_dim = 0;
            for (;;) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || !isfinite(v) || a->state_dim == CDRL_ENV_MAX_DIM || (*end && *end != ','))
                    return cli_fail("viz", "--state takes up to %d comma-separated finite numbers, got '%s'",
                                    CDRL_ENV_MAX_DIM, argv[i]);
                a->state[a->state_dim++] = v;
                if (!*end)
                    break;
                p = end + 1;
            }
            a->has_state = 1;
        } else if (strcmp(arg, "--push") == 0) {
            if (!has_value || (strcmp(argv[i + 1], "left") != 0 && strcmp(argv[i + 1], "right") != 0))
                return cli_fail("viz", "--push takes left or right, got '%s'", has_value ? argv[i + 1] : "");
            a->push = strcmp(argv[++i], "right") == 0 ? 1 : 0;
        } else if (strcmp(arg, "--size") == 0) {
            char tail;
            if (!has_value || sscanf(argv[i + 1], "%dx%d%c", &a->width, &a->height, &tail) != 2 ||
                a->width < 320 || a->height < 240 || a->width > 8192 || a->height > 8192)
                return cli_fail("viz", "--size takes WxH with W in 320..8192 and H in 240..8192, got '%s'",
                                has_value ? argv[i + 1] : "");
            i++;
        } else if (strcmp(arg, "--solved") == 0) {
            char *end = NULL;
            if (!has_value)
                return cli_fail("viz", "--solved needs a return or 'none'");
            const char *v = argv[++i];
            if (strcmp(v, "none") == 0) {
                a->dashboard.solved_return = NAN;
            } else {
                a->dashboard.solved_return = strtod(v, &end);
                if (end == v || *end || !isfinite(a->dashboard.solved_return))
                    return cli_fail("viz", "--solved takes a number or 'none', got '%s'", v);
            }
        } else if (strcmp(arg, "--mean") == 0) {
            char *end = NULL;
            long n = has_value ? strtol(argv[i + 1], &end, 10) : 0;
            if (!has_value || *end || n < 1 || n > 100000)
                return cli_fail("viz", "--mean takes a whole number in 1..100000, got '%s'",
                                has_value ? argv[i + 1] : "");
            a->dashboard.running_mean = (int)n;
            i++;
        } else if (strncmp(arg, "--", 2) == 0) {
            return cli_fail("viz", "unknown option '%s'; try 'cdrl viz --help'", arg);
        } else {
            if (primary)
                return cli_fail("viz", "one RUN_DIR expected, got '%s' too; overlay runs with --compare",
                                arg);
            primary = arg;
        }
    }
    if (!primary && a->has_state && a->png && a->n_dirs == 0)
        return 0; /* a picture of the env alone */
    if (!primary)
        return cli_fail("viz", "no RUN_DIR given; usage: cdrl viz RUN_DIR [--compare RUN_DIR2 ...] [--png FILE]");
    if (a->n_dirs == MAX_RUNS)
        return cli_fail("viz", "at most %d runs can be drawn together", MAX_RUNS);
    memmove(a->dirs + 1, a->dirs, sizeof a->dirs[0] * (size_t)a->n_dirs);
    a->dirs[0] = primary;
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
        (env_only ? cdrl_viz_draw_cartpole(canvas, (cdrl_viz_rect){0, 0, a->width, a->height}, &view, NULL, 0, &err)
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
 * the pg agent's, so the figure does not wait for the agents. */

#define BENCH_N 64

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

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
    double start = wall_seconds();
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
    return steps / (wall_seconds() - start);
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

int cmd_viz(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    if (argc > 0 && strcmp(argv[0], "--bench-live") == 0) {
        long steps = 2000000;
        if (argc == 3 && strcmp(argv[1], "--steps") == 0) {
            char *end;
            steps = strtol(argv[2], &end, 10);
            if (*end || steps < 1000 || steps > 1000000000)
                return cli_fail("viz", "--steps takes a whole number in 1000..1000000000, got '%s'", argv[2]);
        } else if (argc != 1) {
            return cli_fail("viz", "usage: cdrl viz --bench-live [--steps N]");
        }
        return bench_live(steps);
    }
    viz_args a;
    if (parse_args(argc, argv, &a))
        return CLI_EXIT_USAGE;
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
