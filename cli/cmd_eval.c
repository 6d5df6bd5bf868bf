/* cdrl eval: load a run's checkpoint and measure its returns in eval and
 * MC-dropout modes. The agent does the measuring; this file checks the input
 * and prints. */
#include "cli.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/run.h"
#include "flags.h"
#include "run_setup.h"

typedef struct {
    const char *run_dir;
    long long episodes, mc_samples, seed;
} eval_args;

static int take_run_dir(const char *arg, void *args)
{
    eval_args *a = args;
    if (a->run_dir)
        return cli_fail("eval", "unexpected argument '%s' (one RUN_DIR only)", arg);
    a->run_dir = arg;
    return 0;
}

#define ARG(field) offsetof(eval_args, field)
static const cli_flag eval_flags[] = {
    {"--episodes", "N", CLI_INT, ARG(episodes), 1, 1000000, NULL, "episodes per mode, >= 1 (default 10)", 0, 0},
    {"--mc-samples", "T", CLI_INT, ARG(mc_samples), 1, 1000000, NULL,
     "dropout samples per decision, >= 1 (default 20)", 0, 0},
    {"--seed", "N", CLI_INT, ARG(seed), 0, LLONG_MAX, NULL,
     "seed of the evaluation episodes (default: the run's seed)", 0, 0},
};
#undef ARG

const cli_command eval_command = {
    "eval",
    "cdrl eval RUN_DIR [--episodes N] [--mc-samples T] [--seed N]",
    "Loads RUN_DIR/checkpoint.bin and runs N episodes in eval mode (dropout off)\n"
    "and N in mc mode (T dropout samples per decision, acting on the mean),\n"
    "then prints mean +- std return and the mean MC spread.",
    eval_flags, CLI_N(eval_flags), take_run_dir, NULL,
};

int cmd_eval(int argc, char **argv)
{
    eval_args a = {NULL, 10, 20, -1};
    int status = cli_parse(&eval_command, argc, argv, &a);
    if (status)
        return status == CLI_HELP_SHOWN ? CLI_EXIT_OK : status;
    const char *run_dir = a.run_dir;
    long long episodes = a.episodes, mc_samples = a.mc_samples, seed = a.seed;
    if (!run_dir)
        return cli_fail("eval", "which run? usage: cdrl eval RUN_DIR [--episodes N] [--mc-samples T]");

    cdrl_error err;
    cdrl_error_clear(&err);
    run_setup setup;
    if (run_setup_from_run_dir(&setup, run_dir, &err)) {
        run_setup_free(&setup);
        return cli_report("eval", &err);
    }
    status = CLI_EXIT_OK;
    char ckpt[CDRL_PATH_MAX];
    if (cdrl_path_join(ckpt, sizeof ckpt, run_dir, CDRL_RUN_CHECKPOINT_FILE, &err)) {
        status = cli_report("eval", &err);
    } else if (access(ckpt, F_OK) != 0) {
        status = cli_fail("eval", "%s: no %s (the run stopped before its first checkpoint)", run_dir,
                          CDRL_RUN_CHECKPOINT_FILE);
    } else if (!setup.agent->eval) {
        status = cli_fail("eval", "agent %s cannot be evaluated yet", setup.agent->name);
    } else {
        cdrl_eval_args args = run_setup_eval_args(&setup, run_dir, seed, (int)episodes, (int)mc_samples);
        cdrl_eval_result r;
        memset(&r, 0, sizeof r);
        if (setup.agent->eval(&args, &r, &err)) {
            status = cli_report("eval", &err);
        } else {
            printf("run %s: agent %s, env %s\n", run_dir, setup.agent->name, setup.run.env);
            printf("eval mode:        return %.2f +- %.2f over %d episodes\n", r.eval_mean, r.eval_std,
                   r.episodes);
            printf("mc mode (T=%lld): return %.2f +- %.2f over %d episodes; mean MC spread %.6g (%s)\n",
                   mc_samples, r.mc_mean, r.mc_std, r.episodes, r.mc_spread,
                   r.spread_what[0] ? r.spread_what : "spread");
        }
    }
    run_setup_free(&setup);
    return status;
}
