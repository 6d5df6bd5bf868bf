/* The cdrl program: dispatches to one subcommand per file (see cli.h). */
#include "cli.h"

#include "completion.h"
#include "flags.h"

#include "cdrl/vecmath.h"
#include "cdrl/version.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"train", cmd_train, "train an agent on an environment (cdrl train --agent pg --env cartpole)"},
    {"eval", cmd_eval, "evaluate a trained run's checkpoint in eval and MC-dropout modes"},
    {"bench", cmd_bench, "measure speed (cdrl bench env; cdrl bench --help lists the benchmarks)"},
    {"regress", cmd_regress, "Concrete Dropout on the authors' synthetic regression, per data size N"},
    {"viz", cmd_viz, "replay a run and draw its curves, in a window or to PNG"},
    {"sweep", cmd_sweep, "compare fixed and learned dropout across settings and seeds"},
    {"completion", cmd_completion, "print a shell completion script (cdrl completion bash)"},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void print_commands(FILE *out)
{
    fprintf(out, "commands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'cdrl <command> --help' describes a command's options.\n");
}

typedef struct {
    int version;
} top_args;

static const cli_flag top_flags[] = {
    {"--version", NULL, CLI_SWITCH, offsetof(top_args, version), 0, 0, NULL,
     "print the version and how this build was made", 0, 0},
};

static const cli_command top_command = {
    "", "cdrl <command> [options]", NULL, top_flags, CLI_N(top_flags), NULL, print_commands,
};

/* "cdrl" or "cdrl <command>", as messages name the program. */
static void print_message(const char *command, const char *msg)
{
    fprintf(stderr, "cdrl%s%s: %s\n", command[0] ? " " : "", command, msg);
}

int cli_report(const char *command, const cdrl_error *err)
{
    print_message(command, err && err->msg[0] ? err->msg : "unknown error");
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *command, const char *fmt, ...)
{
    char msg[CDRL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_message(command, msg);
    return CLI_EXIT_USAGE;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* The program's version, the library's (they differ only when a program is
 * run against another libcdrl), and the build's options. */
static void print_version(void)
{
#ifdef CDRL_MPI
    const char *mpi = "yes (mpirun -n K cdrl sweep)";
#else
    const char *mpi = "no";
#endif
    printf("cdrl %s\nlibcdrl %s: %s\nSIMD: vector math %s (chosen at run time for this CPU)\nMPI sweep: %s\n",
           CDRL_VERSION, cdrl_version(), cdrl_build_info(), cdrl_vec_isa_name(cdrl_vec_current()), mpi);
}

int cmd_completion(int argc, char **argv)
{
    if (argc == 1 && cli_is_help(argv[0])) {
        printf("usage: cdrl completion bash\n\nPrints a bash completion script generated from the commands'\n"
               "flag tables. Use it with: source <(cdrl completion bash)\n");
        return CLI_EXIT_OK;
    }
    if (argc != 1 || strcmp(argv[0], "bash") != 0)
        return cli_fail("completion", "which shell? only 'cdrl completion bash' is supported");
    const char *words[N_SUBCOMMANDS + 3];
    int n = 0;
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        words[n++] = subcommands[i].name;
    words[n++] = "help";
    words[n++] = "--help";
    words[n++] = "--version";
    cli_completion_bash(stdout, words, n);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) must be an error message, EFBIG from
     * write(2), and not a silent death that leaves temporary files behind. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        fprintf(stderr, "cdrl: no command given; try 'cdrl --help'\n");
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0) {
        cli_print_help(&top_command, stdout);
        return CLI_EXIT_OK;
    }
    if (name[0] == '-') {
        top_args a = {0};
        int status = cli_parse(&top_command, argc - 1, argv + 1, &a);
        if (status == CLI_HELP_SHOWN)
            return CLI_EXIT_OK;
        if (status == 0 && a.version)
            print_version();
        return status;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 2, argv + 2);
    return cli_fail("", "unknown command '%s'; try 'cdrl --help'", name);
}
