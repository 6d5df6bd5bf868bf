/* The local worker pool: at most `jobs` point processes at a time.
 *
 * The loop polls instead of blocking in waitpid, so that a stop request
 * (SIGINT/SIGTERM, whose handler only sets a flag) is seen within a few
 * milliseconds whatever the children are doing. On a stop no new point
 * starts; the running ones get the signal once, write their checkpoints and
 * result, and the pool returns when the last has ended. */
#include "sweep.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

typedef struct {
    pid_t pid;
    int index;
} running_point;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Prints "[k/n] label: what happened". */
static void report_end(const sweep_job *job, int wstatus, int stopping, int done, int n)
{
    sweep_result r;
    cdrl_error err;
    char line[CDRL_ERROR_MAX + 128];
    if (sweep_child_end(job->dir, wstatus, stopping, &r, &err))
        snprintf(line, sizeof line, "cannot record its result: %s", err.msg);
    else
        sweep_result_line(&r, job->solve_in, line, sizeof line);
    printf("[%d/%d] %s: %s\n", done, n, job->label, line);
    fflush(stdout);
}

int sweep_pool_run(const sweep_job *jobs, int n, int workers)
{
    running_point *run = calloc(workers > 0 ? (size_t)workers : 1, sizeof *run);
    if (!run) {
        fprintf(stderr, "cdrl sweep: out of memory\n");
        return CDRL_ENOMEM;
    }
    int next = 0, active = 0, done = 0, forwarded = 0, rc = 0;
    for (;;) {
        int stopping = cdrl_stop_requested() != 0;
        if (active == 0 && (stopping || next >= n))
            break;
        if (stopping && !forwarded) {
            for (int j = 0; j < active; j++)
                kill(run[j].pid, SIGINT);
            forwarded = 1;
            if (active)
                printf("cdrl sweep: stopping: waiting for %d running point%s to write %s checkpoint%s\n", active,
                       active == 1 ? "" : "s", active == 1 ? "its" : "their", active == 1 ? "" : "s");
            fflush(stdout);
        }
        while (!stopping && next < n && active < workers) {
            cdrl_error err;
            pid_t pid;
            if (sweep_child_start(jobs[next].dir, &pid, &err)) {
                fprintf(stderr, "cdrl sweep: %s\n", err.msg);
                rc = CDRL_EIO;
                stopping = 1;
                cdrl_stop_request();
                break;
            }
            printf("start %s\n", jobs[next].label);
            fflush(stdout);
            run[active++] = (running_point){pid, next++};
        }
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, WNOHANG);
        if (pid < 0 && errno != EINTR && errno != ECHILD)
            break;
        if (pid <= 0) {
            sleep_ms(20);
            continue;
        }
        for (int j = 0; j < active; j++) {
            if (run[j].pid != pid)
                continue;
            int i = run[j].index;
            run[j] = run[--active];
            report_end(&jobs[i], wstatus, stopping, ++done, n);
            break;
        }
    }
    free(run);
    if (rc)
        return rc;
    return cdrl_stop_requested() ? CDRL_EINTR : 0;
}
