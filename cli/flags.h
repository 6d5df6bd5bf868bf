/* Internal to the cdrl program: the one command-line parser.
 *
 * Each command describes its options as a table of cli_flag rows (name,
 * value kind, where the value goes, help text) in a cli_command; cli_parse
 * reads argv against it and cli_print_help writes `--help` from the same
 * table, so the two cannot drift apart. Every command therefore accepts
 * "--flag VALUE" and "--flag=VALUE", answers -h/--help, and reports
 *   cdrl CMD: unknown option '--x'; try 'cdrl CMD --help'
 *   cdrl CMD: --flag needs a value; see '--flag' in 'cdrl CMD --help'
 * on one line with exit status 2.
 *
 * Values land in the command's own struct of arguments, at the row's
 * offsetof(); a row of kind CLI_CALL hands the value to a function instead
 * (lists, repeatable flags, checks with a message of their own). */
#ifndef CDRL_CLI_FLAGS_H
#define CDRL_CLI_FLAGS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_SWITCH, /* no value; sets the int at `offset` to 1 */
    CLI_STRING, /* the const char * at `offset` points into argv */
    CLI_INT,    /* the long long at `offset`, an integer in [min, max] */
    CLI_CALL,   /* apply(row, value, args) does the work */
} cli_flag_kind;

typedef struct cli_flag cli_flag;

struct cli_flag {
    const char *name;       /* "--seed" */
    const char *metavar;    /* the value in the help ("N", "FILE"); NULL for a switch */
    cli_flag_kind kind;
    size_t offset;          /* of the target in the command's argument struct */
    long long min, max;     /* CLI_INT's range (or a CLI_CALL's, if it wants one) */
    /* CLI_CALL: stores `value` into args; returns 0, or prints one line
     * (cli_fail) and returns CLI_EXIT_USAGE. */
    int (*apply)(const cli_flag *row, const char *value, void *args);
    const char *help;       /* one or more lines ('\n'); NULL hides the flag */
    const char *needs;      /* what a missing value is called; NULL: "a value" */
    int many;               /* "--flag A B C": takes every argument up to the next "--" */
};

typedef struct {
    const char *name;       /* "train", "bench env"; "" for the top level */
    const char *usage;      /* the usage line(s), without "usage: " */
    const char *about;      /* what the command does, or NULL */
    const cli_flag *flags;
    int n_flags;
    /* Arguments that are not options (RUN_DIR): returns 0 or CLI_EXIT_USAGE
     * after cli_fail. NULL: any is "unexpected argument". */
    int (*positional)(const char *arg, void *args);
    /* Printed after the options (exit statuses, notes), or NULL. A function
     * when the text depends on the build or a registry. */
    void (*epilogue)(FILE *out);
} cli_command;

#define CLI_N(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* What cli_parse returns after printing --help: the caller exits with 0. */
#define CLI_HELP_SHOWN (-1)

/* Parses argv[0..argc) (the arguments after the command's name) into args.
 * Returns 0, CLI_HELP_SHOWN after printing the help on stdout, or
 * CLI_EXIT_USAGE after printing the one-line complaint on stderr. */
int cli_parse(const cli_command *cmd, int argc, char **argv, void *args);

/* Writes the command's help, generated from its table. */
void cli_print_help(const cli_command *cmd, FILE *out);

/* Parses a decimal integer in [min, max]; 0 on success, -1 if it is not one. */
int cli_parse_int(const char *text, long long min, long long max, long long *out);

/* Parses a finite number in [min, max]; 0 on success, -1 if it is not one. */
int cli_parse_double(const char *text, double min, double max, double *out);

/* The target of a row inside args, for CLI_CALL functions. */
#define CLI_TARGET(type, row, args) ((type *)((char *)(args) + (row)->offset))

#endif
