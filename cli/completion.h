/* Internal to the cdrl program: shell completion generated from the flag
 * tables (`cdrl completion bash`).
 *
 * The commands' tables, defined in their own files, are listed here so the
 * generator reads the same rows cli_parse and --help read: a flag added to a
 * table is completed with no further work. */
#ifndef CDRL_CLI_COMPLETION_H
#define CDRL_CLI_COMPLETION_H

#include <stdio.h>

#include "flags.h"

extern const cli_command train_command, eval_command, regress_command, sweep_command, viz_command;
extern const cli_command env_command, lstm_command, nn_command; /* cdrl bench env, lstm, nn */

/* `cdrl completion SHELL`: prints the completion script for SHELL (bash). */
int cmd_completion(int argc, char **argv);

/* Writes the bash completion script for the top-level `words` (the
 * subcommands and top-level flags, n_words of them). */
void cli_completion_bash(FILE *out, const char *const *words, int n_words);

#endif
