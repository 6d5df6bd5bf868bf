/* Internal to the cdrl program: the benchmarks of `cdrl bench <what>`.
 *
 * Each benchmark is one function in its own file bench_<what>.c that takes
 * the arguments after its name and returns the process exit status (see
 * cli.h). To add one, write the file, declare the function here and add a
 * line to the table in cmd_bench.c. */
#ifndef CDRL_BENCH_H
#define CDRL_BENCH_H

/* cdrl bench env: environment steps per second, single and batched. */
int bench_env(int argc, char **argv);


/* A one-line description of this machine's processor ("AMD EPYC, 2 cores"),
 * written into buf. */
void bench_machine(char *buf, int size);

#endif
