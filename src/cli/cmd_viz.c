/* cdrl viz: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_viz(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl viz [options]\n\n'cdrl viz' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("viz", "this command is not built yet");
}
