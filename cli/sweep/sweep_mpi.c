/* cdrl sweep across machines: the points handed out to the ranks of an MPI
 * job (built with -DCDRL_MPI=ON).
 *
 * Rank 0 reads the sweep, checks it and prepares the run directories exactly
 * as a local sweep does, then serves points: a worker rank asks for one,
 * runs it as a child process (sweep_child_start, the same as the local
 * pool), records how it ended in the point's result.cfg and asks for the
 * next. Rank 0 prints each result as it comes and writes the summary from
 * the run directories at the end, so the sweep directory must be on a file
 * system every rank sees (one machine, or NFS and the like). Points go out
 * one at a time, so fast and slow points balance themselves.
 *
 * Without CDRL_MPI this file only says that MPI is not there. */
#include "sweep.h"

#ifndef CDRL_MPI

int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc, (void)argv;
    *rank = 0;
    *size = 1;
    return 0;
}

void sweep_mpi_finish(void)
{
}

int sweep_mpi_coordinate(const sweep_job *jobs, int n)
{
    (void)jobs, (void)n;
    return CDRL_EUNAVAIL;
}

int sweep_mpi_work(void)
{
    return CDRL_EUNAVAIL;
}

#else

#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

enum { TAG_ASK = 1, TAG_POINT = 2 };

/* Worker to rank 0: the result of the last point (none at first) and a
 * request for the next. */
typedef struct {
    int has_result;
    int index;
    char line[CDRL_ERROR_MAX + 128];
} ask_msg;

/* Rank 0 to a worker: a point to run, or stop (index < 0). */
typedef struct {
    int index;
    char dir[CDRL_PATH_MAX];
    char solve_in[16];
} point_msg;

static int started;

/* mpirun (Open MPI, or any launcher that speaks PMI/PMIx) says so in the
 * environment; a plain `cdrl sweep` and the point processes it starts
 * (`cdrl sweep --run-point`, which inherit that environment) never touch MPI. */
static int under_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    for (int i = 0; i < *argc; i++)
        if (strcmp((*argv)[i], "--run-point") == 0)
            return 0;
    if (!under_launcher())
        return 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return 0;
    started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return *size > 1;
}

void sweep_mpi_finish(void)
{
    if (started)
        MPI_Finalize();
    started = 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int sweep_mpi_coordinate(const sweep_job *jobs, int n)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = 0, active = size - 1, done = 0;
    while (active > 0) {
        int ready = 0;
        MPI_Status st;
        /* Poll, so that a stop request is seen while every worker is busy. */
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &ready, &st);
        if (!ready) {
            sleep_ms(20);
            continue;
        }
        ask_msg ask;
        MPI_Recv(&ask, (int)sizeof ask, MPI_BYTE, st.MPI_SOURCE, TAG_ASK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (ask.has_result) {
            printf("[%d/%d] %s (rank %d): %s\n", ++done, n, jobs[ask.index].label, st.MPI_SOURCE, ask.line);
            fflush(stdout);
        }
        point_msg msg;
        memset(&msg, 0, sizeof msg);
        msg.index = -1;
        if (next < n && !cdrl_stop_requested()) {
            msg.index = next;
            snprintf(msg.dir, sizeof msg.dir, "%s", jobs[next].dir);
            snprintf(msg.solve_in, sizeof msg.solve_in, "%s", jobs[next].solve_in);
            printf("start %s on rank %d\n", jobs[next].label, st.MPI_SOURCE);
            fflush(stdout);
            next++;
        } else {
            active--;
        }
        MPI_Send(&msg, (int)sizeof msg, MPI_BYTE, st.MPI_SOURCE, TAG_POINT, MPI_COMM_WORLD);
    }
    return cdrl_stop_requested() ? CDRL_EINTR : 0;
}

/* Runs one point as a child process and waits for it, passing a stop on. */
static void run_one(const point_msg *msg, ask_msg *ask)
{
    cdrl_error err;
    pid_t pid;
    sweep_result r;
    ask->has_result = 1;
    ask->index = msg->index;
    if (sweep_child_start(msg->dir, &pid, &err)) {
        snprintf(ask->line, sizeof ask->line, "FAILED: %s", err.msg);
        return;
    }
    int wstatus, forwarded = 0;
    for (;;) {
        pid_t got = waitpid(pid, &wstatus, WNOHANG);
        if (got == pid)
            break;
        if (cdrl_stop_requested() && !forwarded) {
            kill(pid, SIGINT);
            forwarded = 1;
        }
        sleep_ms(20);
    }
    if (sweep_child_end(msg->dir, wstatus, forwarded, &r, &err))
        snprintf(ask->line, sizeof ask->line, "cannot record its result: %s", err.msg);
    else
        sweep_result_line(&r, msg->solve_in, ask->line, sizeof ask->line);
}

int sweep_mpi_work(void)
{
    cdrl_error err;
    if (cdrl_stop_install(&err)) {
        fprintf(stderr, "cdrl sweep: %s\n", err.msg);
        return 2;
    }
    ask_msg ask;
    memset(&ask, 0, sizeof ask);
    for (;;) {
        MPI_Send(&ask, (int)sizeof ask, MPI_BYTE, 0, TAG_ASK, MPI_COMM_WORLD);
        point_msg msg;
        MPI_Recv(&msg, (int)sizeof msg, MPI_BYTE, 0, TAG_POINT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (msg.index < 0)
            return 0;
        memset(&ask, 0, sizeof ask);
        run_one(&msg, &ask);
    }
}

#endif
