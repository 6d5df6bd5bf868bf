/* The one command-line parser of the cdrl program (see flags.h): every
 * subcommand's options are a table, read here and turned into --help here. */
#include "flags.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define HELP_COLUMN 20

int cli_parse_int(const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    /* strtoll skips leading blanks; a flag's value is the number alone. */
    if (!*text || isspace((unsigned char)*text))
        return -1;
    long long v = strtoll(text, &end, 10);
    if (*end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    if (!*text || isspace((unsigned char)*text))
        return -1;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v) || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

/* "cdrl train" or, at the top level, "cdrl". */
static const char *display_name(const cli_command *cmd, char *buf, size_t size)
{
    snprintf(buf, size, "cdrl%s%s", cmd->name[0] ? " " : "", cmd->name);
    return buf;
}

/* The row of `arg` ("--seed" or "--seed=3"), with *inline_value pointing
 * after the '=' in the second form; NULL if no row has that name. */
static const cli_flag *find_flag(const cli_command *cmd, const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    size_t len = strcspn(arg, "=");
    for (int f = 0; f < cmd->n_flags; f++) {
        const cli_flag *row = &cmd->flags[f];
        if (strlen(row->name) == len && strncmp(row->name, arg, len) == 0) {
            if (arg[len] == '=')
                *inline_value = arg + len + 1;
            return row;
        }
    }
    return NULL;
}

static int store(const cli_command *cmd, const cli_flag *row, const char *value, void *args)
{
    /* An empty value is never meant: a path "" or a number "" would only fail
     * later with a message that does not say which flag. */
    if (row->kind != CLI_SWITCH && value && !value[0])
        return cli_fail(cmd->name, "%s '': expects %s", row->name,
                        row->metavar ? row->metavar : "a value");
    switch (row->kind) {
    case CLI_SWITCH:
        *CLI_TARGET(int, row, args) = 1;
        return 0;
    case CLI_STRING:
        *CLI_TARGET(const char *, row, args) = value;
        return 0;
    case CLI_INT:
        if (cli_parse_int(value, row->min, row->max, CLI_TARGET(long long, row, args)) == 0)
            return 0;
        if (row->max == LLONG_MAX)
            return cli_fail(cmd->name, "%s %s: expects an integer >= %lld", row->name, value, row->min);
        return cli_fail(cmd->name, "%s %s: expects an integer in [%lld, %lld]", row->name, value, row->min,
                        row->max);
    case CLI_CALL:
        return row->apply(row, value, args);
    }
    return CLI_EXIT_USAGE;
}

/* "--compare A B C": every following argument up to the next option. */
static int store_many(const cli_command *cmd, const cli_flag *row, int argc, char **argv, int *i, void *args)
{
    int taken = 0;
    while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
        int rc = store(cmd, row, argv[++*i], args);
        if (rc)
            return rc;
        taken++;
    }
    return taken ? 0 : -1;
}

static int missing_value(const cli_command *cmd, const cli_flag *row)
{
    char who[64];
    return cli_fail(cmd->name, "%s needs %s; see '%s' in '%s --help'", row->name,
                    row->needs ? row->needs : "a value", row->name, display_name(cmd, who, sizeof who));
}

int cli_parse(const cli_command *cmd, int argc, char **argv, void *args)
{
    char who[64];
    display_name(cmd, who, sizeof who);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (cli_is_help(arg)) {
            cli_print_help(cmd, stdout);
            return CLI_HELP_SHOWN;
        }
        const cli_flag *row = arg[0] == '-' && arg[1] ? find_flag(cmd, arg, &value) : NULL;
        int rc;
        if (!row && arg[0] == '-' && arg[1])
            return cli_fail(cmd->name, "unknown option '%s'; try '%s --help'", arg, who);
        if (!row) {
            if (!cmd->positional)
                return cli_fail(cmd->name, "unexpected argument '%s'; try '%s --help'", arg, who);
            rc = cmd->positional(arg, args);
        } else if (row->kind == CLI_SWITCH && value) {
            return cli_fail(cmd->name, "%s takes no value; try '%s --help'", row->name, who);
        } else if (row->kind == CLI_SWITCH || value) {
            rc = store(cmd, row, value, args);
        } else if (row->many) {
            rc = store_many(cmd, row, argc, argv, &i, args);
            if (rc < 0)
                return missing_value(cmd, row);
        } else if (i + 1 < argc) {
            rc = store(cmd, row, argv[++i], args);
        } else {
            return missing_value(cmd, row);
        }
        if (rc)
            return CLI_EXIT_USAGE;
    }
    return 0;
}

/* One option's lines: "  --seed N            the seed", continuation
 * lines of the help under its first. */
static void print_flag(const cli_flag *row, FILE *out)
{
    char head[64];
    snprintf(head, sizeof head, "%s%s%s%s", row->name, row->metavar ? " " : "", row->metavar ? row->metavar : "",
             row->many ? " ..." : "");
    const char *line = row->help;
    int first = 1;
    do {
        size_t len = strcspn(line, "\n");
        if (first && (int)strlen(head) < HELP_COLUMN)
            fprintf(out, "  %-*s %.*s\n", HELP_COLUMN, head, (int)len, line);
        else if (first)
            fprintf(out, "  %s\n  %-*s %.*s\n", head, HELP_COLUMN, "", (int)len, line);
        else
            fprintf(out, "  %-*s %.*s\n", HELP_COLUMN, "", (int)len, line);
        first = 0;
        line += len + (line[len] == '\n');
    } while (*line);
}

void cli_print_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n", cmd->usage);
    if (cmd->about)
        fprintf(out, "\n%s\n", cmd->about);
    fprintf(out, "\noptions:\n");
    for (int f = 0; f < cmd->n_flags; f++)
        if (cmd->flags[f].help)
            print_flag(&cmd->flags[f], out);
    fprintf(out, "  %-*s %s\n", HELP_COLUMN, "-h, --help", "this help");
    if (cmd->epilogue) {
        fputc('\n', out);
        cmd->epilogue(out);
    }
}
