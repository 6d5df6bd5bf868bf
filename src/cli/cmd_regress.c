/* cdrl regress: not built yet. */
#include "cli.h"

#include <stdio.h>

int cmd_regress(int argc, char **argv)
{
    if (argc > 0 && cli_is_help(argv[0])) {
        printf("usage: cdrl regress [options]\n\n'cdrl regress' is not built yet.\n");
        return CLI_EXIT_OK;
    }
    return cli_fail("regress", "this command is not built yet");
}
