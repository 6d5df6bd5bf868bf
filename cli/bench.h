/* Internal to the cdrl program: the benchmarks of `cdrl bench <what>`.
 *
 * Each benchmark is one function in its own file bench_<what>.c that takes
 * the arguments after its name and returns the process exit status (see
 * cli.h). To add one, write the file, declare the function here and add a
 * line to the table in cmd_bench.c. */
#ifndef CDRL_BENCH_H
#define CDRL_BENCH_H

#include "cdrl/error.h"

#include <stdint.h>
#include <stdio.h>

/* cdrl bench env: environment steps per second, single and batched. */
int bench_env(int argc, char **argv);

/* cdrl bench lstm: the LSTM layer's forward and forward+backward time
 * (bench_lstm.c). bench_lstm_run prints the table on out; 0 or an error. */
int bench_lstm(int argc, char **argv);
int bench_lstm_run(FILE *out, cdrl_error *err);

/* One LSTM measurement, for a caller that prints its own rows (cdrl bench
 * nn): B sequences of T steps, C inputs, H units, Concrete dropout on x and h
 * if concrete (else none), one thread; each time the mean seconds per call
 * over 0.25 s. Returns 0 or CDRL_ENOMEM. */
typedef struct {
    double forward, forward_backward; /* seconds per call */
    double dense;                     /* a dense layer with the same products, fwd+bwd */
    double flops;                     /* of one forward+backward (3 x 8H(C+H) per step) */
} bench_lstm_times;
int bench_lstm_measure(int B, int T, int C, int H, int concrete, bench_lstm_times *times,
                       cdrl_error *err);

/* cdrl bench nn: CPU microseconds per step of the network workloads
 * (bench_nn.c). */
typedef struct {
    int rounds;       /* 1..101; the median round is reported */
    double seconds;   /* CPU seconds per workload and round */
    const char *only; /* only the workload of that name, or those whose name contains it; NULL: all */
    uint64_t seed;    /* weights and data */
} bench_nn_options;

/* Runs the workloads of o and prints their table on out. Returns 0, or an
 * error code with err filled (no workload matches o->only; out of memory). */
int bench_nn_run(FILE *out, const bench_nn_options *o, cdrl_error *err);

/* The command: parses argc/argv into options and runs bench_nn_run. */
int bench_nn(int argc, char **argv);

/* CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID): the
 * benchmarks' clock, blind to time the thread spends descheduled. */
double bench_thread_cpu_seconds(void);

/* The median of v[0..n), n >= 1 (sorts v; the mean of the middle two when n
 * is even). */
double bench_median(double *v, int n);

/* A one-line description of this machine's processor ("AMD EPYC, 2 cores"),
 * written into buf. */
void bench_machine(char *buf, int size);

#endif
