/* Internal to the cdrl program: the benchmarks of `cdrl bench <what>`.
 *
 * Each benchmark is one function in its own file bench_<what>.c that takes
 * the arguments after its name and returns the process exit status (see
 * cli.h). To add one, write the file, declare the function here and add a
 * line to the table in cmd_bench.c. */
#ifndef CDRL_BENCH_H
#define CDRL_BENCH_H

#include "cdrl/error.h"

#include <stdio.h>

/* cdrl bench env: environment steps per second, single and batched. */
int bench_env(int argc, char **argv);

/* cdrl bench lstm: the LSTM layer's forward and forward+backward time
 * (bench_lstm.c). bench_lstm_run prints the table on out; 0 or an error. */
int bench_lstm(int argc, char **argv);
int bench_lstm_run(FILE *out, cdrl_error *err);

/* Seconds on a monotonic clock, for timing benchmarks. */
double bench_now(void);

/* A one-line description of this machine's processor ("AMD EPYC, 2 cores"),
 * written into buf. */
void bench_machine(char *buf, int size);

#endif
