/* Internal to the cdrl program: the subcommands and the few helpers they share.
 *
 * Each subcommand lives in its own file cmd_<name>.c and is one function that
 * takes the arguments after its name and returns the process exit status:
 * 0 on success, 1 when the work ran but did not succeed (e.g. not solved when
 * that was asked for), 2 for bad input or any error the user must act on. */
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

/* Prints "cdrl <command>: <message>" on stderr and returns CLI_EXIT_USAGE. */
int cli_report(const char *command, const cdrl_error *err);

/* Prints "cdrl <command>: <formatted message>" on stderr and returns CLI_EXIT_USAGE. */
int cli_fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if arg is "-h" or "--help". */
int cli_is_help(const char *arg);

#endif
