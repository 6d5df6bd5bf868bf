/* The cdrl program: dispatches to one subcommand per file (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"train", cmd_train, "train an agent on an environment (cdrl train --agent pg --env cartpole)"},
    {"eval", cmd_eval, "evaluate a trained run's checkpoint in eval and MC-dropout modes"},
    {"bench", cmd_bench, "measure speed (cdrl bench env, cdrl bench nn)"},
    {"regress", cmd_regress, "Concrete Dropout on the authors' synthetic regression, per data size N"},
    {"viz", cmd_viz, "replay a run and draw its curves, in a window or to PNG"},
    {"sweep", cmd_sweep, "compare fixed and learned dropout across settings and seeds"},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void print_usage(FILE *out)
{
    fprintf(out, "usage: cdrl <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'cdrl <command> --help' describes a command's options.\n"
                 "'cdrl --version' prints the version.\n");
}

int cli_report(const char *command, const cdrl_error *err)
{
    fprintf(stderr, "cdrl %s: %s\n", command, err && err->msg[0] ? err->msg : "unknown error");
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *command, const char *fmt, ...)
{
    char msg[CDRL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "cdrl %s: %s\n", command, msg);
    return CLI_EXIT_USAGE;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "cdrl: no command given; try 'cdrl --help'\n");
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (cli_is_help(name) || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("cdrl %s\n", CDRL_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 2, argv + 2);
    if (name[0] == '-')
        fprintf(stderr, "cdrl: unknown option '%s'; try 'cdrl --help'\n", name);
    else
        fprintf(stderr, "cdrl: unknown command '%s'; try 'cdrl --help'\n", name);
    return CLI_EXIT_USAGE;
}
