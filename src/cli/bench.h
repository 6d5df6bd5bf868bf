/* Internal to the cdrl program: the benchmarks of `cdrl bench <what>`.
 *
 * Each benchmark is one function in its own file bench_<what>.c that takes
 * the arguments after its name and returns the process exit status (see
 * cli.h). To add one, write the file, declare the function here and add a
 * line to the table in cmd_bench.c. */
#ifndef CDRL_BENCH_H
#define CDRL_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "cdrl/error.h"

/* cdrl bench env: environment steps per second, single and batched. */
int bench_env(int argc, char **argv);

/* cdrl bench nn: CPU microseconds per step of the network workloads. */
typedef struct {
    int rounds;       /* 1..101; the median round is reported */
    double seconds;   /* CPU seconds per workload and round */
    const char *only; /* only workloads whose name contains this, or NULL for all */
    uint64_t seed;    /* weights and data */
} bench_nn_options;

/* Runs the workloads of o and prints their table on out. Returns 0, or an
 * error code with err filled (no workload matches o->only; out of memory). */
int bench_nn_run(FILE *out, const bench_nn_options *o, cdrl_error *err);

/* The command: parses argc/argv into options and runs bench_nn_run. */
int bench_nn(int argc, char **argv);

/* Seconds on a monotonic clock, for timing benchmarks. */
double bench_now(void);

/* A one-line description of this machine's processor ("AMD EPYC, 2 cores"),
 * written into buf. */
void bench_machine(char *buf, int size);

#endif
