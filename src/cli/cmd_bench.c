/* cdrl bench: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_bench(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl bench [options]\n\n'cdrl bench' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("bench", "this command is not built yet");
}
