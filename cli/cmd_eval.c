/* cdrl eval: load a run's checkpoint and measure its returns in eval and
 * MC-dropout modes. The agent does the measuring; this file checks the input
 * and prints. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/run.h"
#include "run_setup.h"

static void print_help(void)
{
    printf("usage: cdrl eval RUN_DIR [--episodes N] [--mc-samples T] [--seed N]\n\n"
           "Loads RUN_DIR/checkpoint.bin and runs N episodes in eval mode (dropout off)\n"
           "and N in mc mode (T dropout samples per decision, acting on the mean),\n"
           "then prints mean +- std return and the mean MC spread.\n\n"
           "  --episodes N     episodes per mode, >= 1 (default 10)\n"
           "  --mc-samples T   dropout samples per decision, >= 1 (default 20)\n"
           "  --seed N         seed of the evaluation episodes (default: the run's seed)\n");
}

/* Parses a decimal integer in [min, max] into *out; 0 on success. */
static int parse_count(const char *text, long long min, long long max, long long *out)
{
    char *end;
    if (!*text)
        return -1;
    long long v = strtoll(text, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    const char *run_dir = NULL;
    long long episodes = 10, mc_samples = 20, seed = -1;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            print_help();
            return CLI_EXIT_OK;
        }
        long long *target = NULL;
        if (strcmp(arg, "--episodes") == 0)
            target = &episodes;
        else if (strcmp(arg, "--mc-samples") == 0)
            target = &mc_samples;
        else if (strcmp(arg, "--seed") == 0)
            target = &seed;
        if (target) {
            if (i + 1 >= argc)
                return cli_fail("eval", "%s needs a value; try 'cdrl eval --help'", arg);
            const char *v = argv[++i];
            if (target == &seed ? parse_count(v, 0, INT64_MAX, target)
                                : parse_count(v, 1, 1000000, target))
                return cli_fail("eval", "%s %s: expects an integer %s", arg, v,
                                target == &seed ? ">= 0" : "in [1, 1000000]");
        } else if (arg[0] == '-') {
            return cli_fail("eval", "unknown option '%s'; try 'cdrl eval --help'", arg);
        } else if (run_dir) {
            return cli_fail("eval", "unexpected argument '%s' (one RUN_DIR only)", arg);
        } else {
            run_dir = arg;
        }
    }
    if (!run_dir)
        return cli_fail("eval", "which run? usage: cdrl eval RUN_DIR [--episodes N] [--mc-samples T]");

    cdrl_error err;
    cdrl_error_clear(&err);
    run_setup setup;
    if (run_setup_from_run_dir(&setup, run_dir, &err)) {
        run_setup_free(&setup);
        return cli_report("eval", &err);
    }
    int status = CLI_EXIT_OK;
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
