/* One point of a sweep: the child process that trains it and the result.cfg
 * that says how it ended.
 *
 * Each point runs in a process of its own, the cdrl binary started again as
 * `cdrl sweep --run-point DIR`, so that a crash, an abort or a leak in one
 * point ends that process only; the sweep records it and goes on. The child
 * trains exactly as `cdrl train` would (the same agent call, the same files,
 * the same checkpoints and stop on SIGINT), and DIR stays an ordinary run
 * directory: `cdrl train --resume DIR` and `cdrl viz DIR` work on it. */
#include "cdrl/clock.h"
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/shortest.h"
#include "cli.h"
#include "run_setup.h"

static const char *const status_names[] = {"not_run", "stopped", "done", "failed"};

const char *sweep_status_name(sweep_status status)
{
    return status_names[status];
}

/* ---- result.cfg ------------------------------------------------------------ */

int sweep_result_read(const char *dir, sweep_result *out, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    memset(out, 0, sizeof *out);
    out->status = SWEEP_NOT_RUN;
    int rc = cdrl_path_join(path, sizeof path, dir, SWEEP_RESULT_FILE, err);
    if (rc || access(path, F_OK) != 0)
        return rc;
    config_t cfg;
    config_init(&cfg);
    if (!config_read_file(&cfg, path)) {
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s:%d: %s", path, config_error_line(&cfg),
                         config_error_text(&cfg) ? config_error_text(&cfg) : "cannot read");
        config_destroy(&cfg);
        return rc;
    }
    const char *status = "", *message = "";
    long long steps = 0, episodes = 0, iterations = 0;
    int solved = 0, ok = config_lookup_string(&cfg, "status", &status);
    ok = ok && config_lookup_bool(&cfg, "solved", &solved);
    ok = ok && config_lookup_int64(&cfg, "env_steps", &steps);
    ok = ok && config_lookup_int64(&cfg, "episodes", &episodes);
    ok = ok && config_lookup_int64(&cfg, "iterations", &iterations);
    ok = ok && config_lookup_float(&cfg, "final_return", &out->final_return);
    ok = ok && config_lookup_float(&cfg, "wall_seconds", &out->wall_seconds);
    ok = ok && config_lookup_string(&cfg, "message", &message);
    int known = 0;
    for (int s = SWEEP_STOPPED; ok && s <= SWEEP_FAILED; s++)
        if (strcmp(status, status_names[s]) == 0)
            out->status = (sweep_status)s, known = 1;
    if (!ok || !known)
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: lacks a key or has an unknown status (written by another version?)",
                         path);
    out->solved = solved;
    out->env_steps = steps;
    out->episodes = episodes;
    out->iterations = iterations;
    snprintf(out->message, sizeof out->message, "%s", message);
    config_destroy(&cfg);
    return rc;
}

/* A double as libconfig reads a float back: with a '.' or exponent, and
 * finite (a run with no episode yet has no return to speak of: 0). */
static void float_text(double v, char *out, size_t size)
{
    snprintf(out, size, "%s", cdrl_shortest_double(isfinite(v) ? v : 0.0).text);
    if (!strpbrk(out, ".e"))
        strncat(out, ".0", size - strlen(out) - 1);
}

int sweep_result_write(const char *dir, const sweep_result *r, cdrl_error *err)
{
    char path[CDRL_PATH_MAX], text[4 * CDRL_ERROR_MAX], message[2 * CDRL_ERROR_MAX];
    int rc = cdrl_path_join(path, sizeof path, dir, SWEEP_RESULT_FILE, err);
    if (rc)
        return rc;
    /* libconfig strings: escape quotes and backslashes, drop control characters. */
    size_t m = 0;
    for (const char *c = r->message; *c && m + 2 < sizeof message; c++) {
        if (*c == '"' || *c == '\\')
            message[m++] = '\\';
        message[m++] = (unsigned char)*c < 32 ? ' ' : *c;
    }
    message[m] = '\0';
    char final_return[64], wall[64];
    float_text(r->final_return, final_return, sizeof final_return);
    float_text(r->wall_seconds, wall, sizeof wall);
    int n = snprintf(text, sizeof text,
                     "# How this sweep point's last run ended (cdrl sweep; see docs/sweep.md).\n"
                     "status = \"%s\";  # done, failed or stopped (to be resumed)\n"
                     "solved = %s;\n"
                     "env_steps = %lldL;\n"
                     "episodes = %lldL;\n"
                     "iterations = %lldL;\n"
                     "final_return = %s;  # mean return over the env's solved window\n"
                     "wall_seconds = %s;  # every run of this point, resumes included\n"
                     "message = \"%s\";\n",
                     status_names[r->status], r->solved ? "true" : "false", (long long)r->env_steps,
                     (long long)r->episodes, (long long)r->iterations, final_return, wall, message);
    return cdrl_write_file_atomic(path, text, (size_t)n, err);
}

void sweep_result_line(const sweep_result *r, const char *solve_in, char *out, size_t size)
{
    int episodes = strcmp(solve_in, "episodes") == 0;
    long long cost = episodes ? (long long)r->episodes : (long long)r->env_steps;
    switch (r->status) {
    case SWEEP_DONE:
        snprintf(out, size, "%s %lld %s, return %.1f, %.1f s", r->solved ? "solved at" : "not solved in", cost,
                 episodes ? "episodes" : "env steps", r->final_return, r->wall_seconds);
        break;
    case SWEEP_FAILED:
        snprintf(out, size, "FAILED: %s", r->message);
        break;
    case SWEEP_STOPPED:
        snprintf(out, size, "stopped at a checkpoint; it resumes when the sweep runs again");
        break;
    default:
        snprintf(out, size, "not run");
    }
}

/* ---- The child: train one point ---------------------------------------------- */

/* The same test seam as cdrl train's CDRL_TEST_RAISE=SIG@N, for points:
 * SIG may also be SEGV, and CDRL_TEST_RAISE_POINT=TEXT limits it to the
 * points whose directory contains TEXT (a crash in one point of many). */
typedef struct {
    int signal;
    long after_lines, lines;
} point_progress;

static int parse_test_raise(const char *dir, point_progress *p)
{
    const char *spec = getenv("CDRL_TEST_RAISE"), *only = getenv("CDRL_TEST_RAISE_POINT");
    cdrl_error err;
    if (only && *only && !strstr(dir, only))
        return 0;
    if (cdrl_test_raise_parse(spec, "INT|TERM|KILL|SEGV", &p->signal, &p->after_lines, &err))
        return cli_fail("sweep", "%s", err.msg);
    return 0;
}

static void print_progress(void *user, const char *line)
{
    point_progress *p = user;
    printf("%s\n", line);
    fflush(stdout);
    if (p->signal && ++p->lines == p->after_lines) {
        if (p->signal == SIGSEGV)
            signal(SIGSEGV, SIG_DFL); /* a crash, not a sanitizer report */
        raise(p->signal);
    }
}

int sweep_run_point(const char *dir)
{
    run_setup setup;
    cdrl_error err;
    cdrl_error_clear(&err);
    point_progress progress = {0, 0, 0};
    sweep_result before, result;
    memset(&result, 0, sizeof result);
    int status = parse_test_raise(dir, &progress);
    if (status)
        return status;
    if (sweep_result_read(dir, &before, &err))
        return cli_report("sweep", &err);
    if (run_setup_from_run_dir(&setup, dir, &err) || run_setup_check_env(setup.run.env, &err)) {
        run_setup_free(&setup);
        return cli_report("sweep", &err);
    }
    char ckpt[CDRL_PATH_MAX];
    if (cdrl_path_join(ckpt, sizeof ckpt, dir, CDRL_RUN_CHECKPOINT_FILE, &err) || cdrl_stop_install(&err)) {
        run_setup_free(&setup);
        return cli_report("sweep", &err);
    }
    /* One writer per point (a second sweep on the same directory), and a
     * checkpoint that cannot be read is an error, not "start again". */
    int lock = -1, resume = 0;
    if (cdrl_run_dir_lock(dir, &lock, &err) || cdrl_run_dir_has_checkpoint(dir, &resume, &err)) {
        cdrl_run_dir_unlock(lock);
        run_setup_free(&setup);
        return cli_report("sweep", &err);
    }
    cdrl_train_args args = {
        .run_dir = dir,
        .resume = resume,
        .run = &setup.run,
        .config = setup.agent_config,
        .config_hash = setup.hash,
        .progress = print_progress,
        .user = &progress,
    };
    printf("%s %s on %s, seed %lld: run directory %s\n", resume ? "resuming" : "training", setup.agent->name,
           setup.run.env, (long long)setup.run.seed, dir);
    fflush(stdout);
    double t0 = cdrl_clock_seconds();
    cdrl_train_result trained;
    memset(&trained, 0, sizeof trained);
    int rc = setup.agent->train(&args, &trained, &err);
    /* Wall time adds up over the runs of a point: one that was stopped and
     * resumed cost what both runs cost. */
    result.wall_seconds = cdrl_clock_seconds() - t0 + (before.status == SWEEP_STOPPED ? before.wall_seconds : 0.0);
    if (rc == 0) {
        result.status = SWEEP_DONE;
        result.solved = trained.solved;
        result.env_steps = trained.env_steps;
        result.episodes = trained.episodes;
        result.iterations = trained.iterations;
        result.final_return = trained.last_mean_return;
        printf("%s after %lld env steps, %lld episodes; mean return %.2f\n",
               trained.solved ? "solved" : "step budget reached", (long long)trained.env_steps,
               (long long)trained.episodes, trained.last_mean_return);
    } else {
        result.status = rc == CDRL_EINTR ? SWEEP_STOPPED : SWEEP_FAILED;
        snprintf(result.message, sizeof result.message, "%s", err.msg[0] ? err.msg : "stopped");
        fprintf(stderr, "cdrl sweep: %s\n", result.message);
    }
    run_setup_free(&setup);
    cdrl_error werr;
    int wrc = sweep_result_write(dir, &result, &werr);
    cdrl_run_dir_unlock(lock);
    if (wrc)
        return cli_report("sweep", &werr);
    return CLI_EXIT_OK;
}

/* ---- The parent: start a point's child and read how it ended ------------------ */

int sweep_child_start(const char *dir, pid_t *pid, cdrl_error *err)
{
    char log[CDRL_PATH_MAX];
    int rc = cdrl_path_join(log, sizeof log, dir, SWEEP_LOG_FILE, err);
    if (rc)
        return rc;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot open: %s", log, strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        close(fd);
        return cdrl_errorf(err, CDRL_EIO, "cannot start a process for %s: %s", dir, strerror(errno));
    }
    if (child == 0) {
        /* Its own process group: a Ctrl-C at the terminal goes to the sweep
         * alone, which passes it on exactly once (a second SIGINT would end
         * the point at once, without its checkpoint). If the sweep itself is
         * killed, SIGTERM stops the point cleanly at its next update. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(143);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        /* One process per point already fills the cores; BLAS threads on
         * top would only compete with the other points. */
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
        char *argv[] = {"cdrl", "sweep", "--run-point", (char *)dir, NULL};
        execv("/proc/self/exe", argv);
        fprintf(stderr, "cdrl sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    close(fd);
    *pid = child;
    return 0;
}

/* The last non-empty line of dir/log.txt: what a child said before it died. */
static void last_log_line(const char *dir, char *out, size_t size)
{
    char path[CDRL_PATH_MAX];
    out[0] = '\0';
    if (cdrl_path_join(path, sizeof path, dir, SWEEP_LOG_FILE, NULL))
        return;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char tail[2048];
    long size_now = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
    long from = size_now > (long)sizeof tail - 1 ? size_now - (long)sizeof tail + 1 : 0;
    fseek(f, from, SEEK_SET);
    size_t n = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[n] = '\0';
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
        tail[--n] = '\0';
    const char *line = strrchr(tail, '\n');
    line = line ? line + 1 : tail;
    size_t len = strlen(line);
    if (len >= size)
        len = size - 1;
    memcpy(out, line, len);
    out[len] = '\0';
}

int sweep_child_end(const char *dir, int wstatus, int stopping, sweep_result *out, cdrl_error *err)
{
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        return sweep_result_read(dir, out, err);
    if (WIFSIGNALED(wstatus) && stopping && (WTERMSIG(wstatus) == SIGINT || WTERMSIG(wstatus) == SIGTERM)) {
        /* Ended by the sweep's own stop: left as it is, to be resumed. */
        int rc = sweep_result_read(dir, out, err);
        if (!rc && out->status != SWEEP_STOPPED)
            out->status = SWEEP_NOT_RUN;
        return rc;
    }
    sweep_result before;
    cdrl_error ignored;
    if (sweep_result_read(dir, &before, &ignored))
        memset(&before, 0, sizeof before);
    memset(out, 0, sizeof *out);
    out->status = SWEEP_FAILED;
    out->wall_seconds = before.status == SWEEP_STOPPED ? before.wall_seconds : 0.0;
    char said[512];
    last_log_line(dir, said, sizeof said);
    if (WIFSIGNALED(wstatus))
        snprintf(out->message, sizeof out->message, "crashed: killed by signal %d (%s)%s%s", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)), said[0] ? "; its log ends: " : "", said);
    else
        snprintf(out->message, sizeof out->message, "exit status %d%s%s", WEXITSTATUS(wstatus),
                 said[0] ? ": " : "", said);
    return sweep_result_write(dir, out, err);
}

int sweep_point_finished(const sweep_point *p, int agent, int combo, int setting, sweep_result *r)
{
    return p->agent == agent && p->combo == combo && p->setting == setting && sweep_result_read(p->dir, r, NULL) == 0 &&
           r->status == SWEEP_DONE;
}
