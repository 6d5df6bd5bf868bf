/* cdrl eval: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_eval(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl eval [options]\n\n'cdrl eval' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("eval", "this command is not built yet");
}
