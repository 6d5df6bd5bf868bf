/* cdrl train: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_train(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl train [options]\n\n'cdrl train' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("train", "this command is not built yet");
}
