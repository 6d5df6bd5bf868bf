/* Internal to the cdrl program: the subcommands and the few helpers they share.
 *
 * The cli/ room, the top of the dependency order (it may use every room
 * below it; none may use it):
 *   main.c         the dispatcher and the one-line messages (cli_fail)
 *   flags.c        the one flag parser; each command's options are a table
 *   cmd_<name>.c   one subcommand each: train, eval, bench, regress, viz, sweep
 *   run_setup.c    resolving a run's config (train, eval, viz, sweep)
 *   bench_<what>.c one benchmark each, picked by cmd_bench.c's table
 *   sweep/         cdrl sweep's pieces (sweep/sweep.h)
 *
 * Each subcommand is one function that takes the arguments after its name
 * and returns the process exit status: 0 on success, 1 when the work ran but
 * did not succeed (e.g. not solved when that was asked for), 2 for bad input
 * or any error the user must act on. */
#ifndef CDRL_CLI_H
#define CDRL_CLI_H

#include "cdrl/error.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_viz(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/* Prints "cdrl <command>: <message>" on stderr ("cdrl: <message>" when
 * command is "") and returns CLI_EXIT_USAGE. */
int cli_report(const char *command, const cdrl_error *err);

/* Prints "cdrl <command>: <formatted message>" on stderr and returns CLI_EXIT_USAGE. */
int cli_fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if arg is "-h" or "--help". */
int cli_is_help(const char *arg);

#endif
