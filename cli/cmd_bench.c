/* cdrl bench: measures speed. One benchmark per file (bench_<what>.c), picked
 * by name from the table below; speed is measured here, never asserted in
 * tests. A new kind of benchmark is one function (declared in bench.h, its
 * options a cli_command of its own, see bench_env.c) and one row here. */
#include "cdrl/clock.h"
#include "bench.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct benchmark {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct benchmark benchmarks[] = {
    {"env", bench_env, "environment steps per second, single env and batched, one core and all cores"},
    {"lstm", bench_lstm, "LSTM layer forward and forward+backward time, one thread"},
    {"nn", bench_nn, "CPU microseconds per network training step, planning step and MC forward"},
};
#define N_BENCHMARKS (sizeof benchmarks / sizeof benchmarks[0])

void bench_machine(char *buf, int size)
{
    char model[256] = "unknown processor";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "model name", 10) == 0 && colon) {
                snprintf(model, sizeof model, "%s", colon + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        }
        fclose(f);
    }
    snprintf(buf, (size_t)size, "%s, %ld cores online", model, sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_usage(FILE *out)
{
    fprintf(out, "usage: cdrl bench <what> [options]\n\nbenchmarks:\n");
    for (size_t i = 0; i < N_BENCHMARKS; i++)
        fprintf(out, "  %-6s %s\n", benchmarks[i].name, benchmarks[i].summary);
    fprintf(out, "\n'cdrl bench <what> --help' describes a benchmark's options.\n");
}

int cmd_bench(int argc, char **argv)
{
    if (argc == 0)
        return cli_fail("bench", "which benchmark? try 'cdrl bench --help'");
    if (cli_is_help(argv[0])) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < N_BENCHMARKS; i++)
        if (strcmp(argv[0], benchmarks[i].name) == 0)
            return benchmarks[i].run(argc - 1, argv + 1);
    if (argv[0][0] == '-')
        return cli_fail("bench", "unknown option '%s'; try 'cdrl bench --help'", argv[0]);
    char known[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < N_BENCHMARKS && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 benchmarks[i].name);
    return cli_fail("bench", "unknown benchmark '%s'; known: %s", argv[0], known);
}
