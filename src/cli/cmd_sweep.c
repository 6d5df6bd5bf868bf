/* cdrl sweep: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_sweep(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl sweep [options]\n\n'cdrl sweep' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("sweep", "this command is not built yet");
}
