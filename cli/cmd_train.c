/* cdrl train: resolve a config, create a run directory, hand over to the agent.
 *
 * Everything a user can get wrong — flags, names, the config file, values —
 * is checked before the run directory is created, so a mistake costs nothing
 * and leaves nothing behind. */
#include "cli.h"

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/config.h"
#include "cdrl/run.h"
#include "cdrl/viz.h"
#include "flags.h"
#include "run_setup.h"

#define MAX_OVERRIDES 256

/* The command line, as parsed. `overrides` holds "key=value" strings owned
 * by `owned` (flags turned into keys) or by argv. */
typedef struct {
    const char *agent, *env, *config, *out, *resume;
    int dry_run, viz;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides;
    char *owned[MAX_OVERRIDES];
    int n_owned;
    const char *dropout; /* expanded once the agent's keys are known */
    int dropout_slot;    /* its place among the overrides */
    const char *config_flag_seen; /* first flag that changes the config, for --resume */
    int from_scratch; /* --resume of a run with no checkpoint yet: start it again */
    int lock;         /* the run directory's lock (cdrl_run_dir_lock), -1 before */
} train_args;

static void train_args_free(train_args *a)
{
    for (int i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
}

static int add_override(train_args *a, const char *text, int owned)
{
    if (a->n_overrides >= MAX_OVERRIDES)
        return cli_fail("train", "too many overrides (at most %d)", MAX_OVERRIDES);
    a->overrides[a->n_overrides++] = text;
    if (owned)
        a->owned[a->n_owned++] = (char *)text;
    return 0;
}

static int add_key_value(train_args *a, const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    char *text = malloc(n);
    if (!text)
        return cli_fail("train", "out of memory");
    snprintf(text, n, "%s=%s", key, value);
    int rc = add_override(a, text, 1);
    if (rc)
        free(text);
    return rc;
}

/* ---- The flag table ----------------------------------------------------------
 * Every flag but --resume shapes the config, so it is noted: --resume
 * continues a run with its saved config and refuses them. */

static void note_config_flag(train_args *a, const cli_flag *row)
{
    if (!a->config_flag_seen && strcmp(row->name, "--resume") != 0)
        a->config_flag_seen = row->name;
}

static int take_string(const cli_flag *row, const char *value, void *args)
{
    note_config_flag(args, row);
    *CLI_TARGET(const char *, row, args) = value;
    return 0;
}

static int take_set(const cli_flag *row, const char *value, void *args)
{
    note_config_flag(args, row);
    return add_override(args, value, 0);
}

/* --seed and --steps: run.seed and run.steps, checked as integers here so
 * that the message names the flag. */
static int take_run_key(const cli_flag *row, const char *value, void *args)
{
    long long v;
    note_config_flag(args, row);
    if (cli_parse_int(value, row->min, row->max, &v))
        return cli_fail("train", "%s %s: expects an integer >= %lld", row->name, value, row->min);
    return add_key_value(args, strcmp(row->name, "--seed") == 0 ? "run.seed" : "run.steps", value);
}

static int take_dropout(const cli_flag *row, const char *value, void *args)
{
    train_args *a = args;
    cdrl_error err;
    note_config_flag(a, row);
    if (cdrl_cfg_validate_dropout(value, &err))
        return cli_fail("train", "--dropout %s: %s", value, err.msg);
    a->dropout = value;
    a->dropout_slot = a->n_overrides;
    return 0;
}

static void print_agents(FILE *out)
{
    fprintf(out, "agents:");
    for (int i = 0; i < cdrl_agent_count; i++)
        fprintf(out, " %s%s", cdrl_agents[i].name, cdrl_agents[i].def ? "" : " (not built yet)");
    fprintf(out, "\n\n"
                 "Ctrl-C (SIGINT) or SIGTERM writes a checkpoint and stops; exit status 130 or 143.\n"
                 "Exit status 2: bad input or an error (one line on stderr).\n");
}

#define ARG(field) offsetof(train_args, field)
static const cli_flag train_flags[] = {
    {"--agent", "NAME", CLI_CALL, ARG(agent), 0, 0, take_string, "the agent (listed below)", 0, 0},
    {"--env", "NAME", CLI_CALL, ARG(env), 0, 0, take_string, "the environment, e.g. cartpole", 0, 0},
    {"--config", "FILE", CLI_CALL, ARG(config), 0, 0, take_string,
     "a libconfig file; a run's saved config.cfg repeats that run", 0, 0},
    {"--set", "KEY=VALUE", CLI_CALL, 0, 0, 0, take_set,
     "override one key, e.g. --set agent.lr=3e-4 (repeatable)", 0, 0},
    {"--seed", "N", CLI_CALL, 0, 0, LLONG_MAX, take_run_key, "run.seed, an integer >= 0", 0, 0},
    {"--steps", "N", CLI_CALL, 0, 1, LLONG_MAX, take_run_key, "run.steps, the env-step budget, an integer >= 1",
     0, 0},
    {"--dropout", "SPEC", CLI_CALL, 0, 0, 0, take_dropout,
     "every network's dropout: none, fixed:P (P in [0,1)), concrete", 0, 0},
    {"--out", "DIR", CLI_CALL, ARG(out), 0, 0, take_string,
     "the run directory (default runs/<agent>-<env>-<seed>-<time>)", 0, 0},
    {"--dry-run", NULL, CLI_SWITCH, ARG(dry_run), 0, 0, NULL, "print the resolved config and exit", 0, 0},
    {"--resume", "RUN_DIR", CLI_STRING, ARG(resume), 0, 0, NULL,
     "continue a stopped run from its last checkpoint", 0, 0},
    {"--viz", NULL, CLI_SWITCH, ARG(viz), 0, 0, NULL,
     "watch training in a window (the env and the curves;\nspace pauses, +/- speed, q stops and saves)", 0, 0},
};
#undef ARG

const cli_command train_command = {
    "train",
    "cdrl train --agent NAME --env NAME [options]\n"
    "       cdrl train --config FILE [options]\n"
    "       cdrl train --resume RUN_DIR",
    "Trains an agent and writes a run directory (config.cfg, metrics.csv,\n"
    "episodes.csv, checkpoint.bin). The config is configs/<agent>_<env>.cfg\n"
    "unless --config is given; later options override earlier ones.",
    train_flags, CLI_N(train_flags), NULL, print_agents,
};

/* --dropout SPEC stands for --set K=SPEC for every dropout key of the agent,
 * at the place on the command line where it was given. */
static int expand_dropout(train_args *a, const cdrl_agent_def *agent)
{
    if (!a->dropout)
        return 0;
    const char *keys[64];
    int n = cdrl_cfg_dropout_keys(agent->keys, agent->n_keys, keys, 64);
    if (n == 0)
        return cli_fail("train", "--dropout: agent %s has no dropout setting", agent->name);
    if (a->n_overrides + n > MAX_OVERRIDES)
        return cli_fail("train", "too many overrides (at most %d)", MAX_OVERRIDES);
    int tail = a->n_overrides;
    for (int i = 0; i < n; i++)
        if (add_key_value(a, keys[i], a->dropout))
            return CLI_EXIT_USAGE;
    /* Rotate the new entries into place: they were appended at the end. */
    const char *moved[MAX_OVERRIDES];
    memcpy(moved, a->overrides + tail, (size_t)n * sizeof *moved);
    memmove(a->overrides + a->dropout_slot + n, a->overrides + a->dropout_slot,
            (size_t)(tail - a->dropout_slot) * sizeof *moved);
    memcpy(a->overrides + a->dropout_slot, moved, (size_t)n * sizeof *moved);
    return 0;
}

/* Test seams, so that tests need no timing and no machine-dependent float
 * behaviour: CDRL_TEST_RAISE=SIG@N (SIG one of INT, TERM, KILL) raises that
 * signal in this process right after the N-th progress line, as if the user
 * had sent it at that moment; CDRL_TEST_POISON=N makes the N-th unit of work
 * diverge (cdrl_run_args.test_poison_unit). */
typedef struct {
    int signal;       /* 0: no test signal */
    long after_lines;
    long lines;
    cdrl_viz_live *live; /* --viz: the window the trainer feeds, else NULL */
    long long poison_unit; /* 0: off */
} progress_state;

static int parse_test_raise(progress_state *p)
{
    cdrl_error err;
    if (cdrl_test_raise_parse(getenv("CDRL_TEST_RAISE"), "INT|TERM|KILL", &p->signal, &p->after_lines, &err))
        return cli_fail("train", "%s", err.msg);
    const char *poison = getenv("CDRL_TEST_POISON");
    if (poison && *poison && cli_parse_int(poison, 1, LLONG_MAX, &p->poison_unit))
        return cli_fail("train", "CDRL_TEST_POISON=%s: expects a unit number >= 1", poison);
    return 0;
}

static void ignore_progress(void *user, const char *line)
{
    (void)user;
    (void)line;
}

static void print_progress(void *user, const char *line)
{
    progress_state *p = user;
    printf("%s\n", line);
    fflush(stdout);
    if (p->signal && ++p->lines == p->after_lines)
        raise(p->signal);
}

/* --viz: hands the agent's env view to the window at most at the display
 * rate, and turns the window's quit into the same clean stop as Ctrl-C (a
 * checkpoint, then a resumable exit). */
static int show_frame(void *user, const cdrl_env_view *view, const double *ghosts, int n_ghosts)
{
    progress_state *p = user;
    cdrl_error err;
    cdrl_error_clear(&err);
    if (cdrl_viz_live_wants_frame(p->live) && cdrl_viz_live_frame(p->live, view, ghosts, n_ghosts, &err)) {
        fprintf(stderr, "cdrl train: --viz: %s\n", err.msg);
        return 1;
    }
    if (cdrl_viz_live_should_stop(p->live)) {
        cdrl_stop_request();
        return 1;
    }
    return 0;
}

/* Opens the --viz window before any work, so a missing display is a clear
 * error and not a run directory with nothing in it. */
static int open_live_window(const run_setup *setup, progress_state *p)
{
    cdrl_error err;
    cdrl_error_clear(&err);
    static char title[320];
    snprintf(title, sizeof title, "cdrl train: %s on %s, seed %lld", setup->agent->name, setup->run.env,
             (long long)setup->run.seed);
    cdrl_viz_live_options opts = cdrl_viz_live_defaults();
    opts.title = title;
    if (cdrl_viz_live_create(&opts, setup->agent->name, &p->live, &err))
        return cli_fail("train", "--viz: %s", err.msg);
    return 0;
}

/* Names the agent and env of a fresh run: flags first, else the config file's
 * run.agent / env.name; a flag that contradicts the file is an error. */
static int pick_names(train_args *a, char *agent, char *env, size_t size)
{
    char file_agent[CDRL_CFG_STR_MAX] = "", file_env[CDRL_CFG_STR_MAX] = "";
    cdrl_error err;
    if (a->config) {
        if (cdrl_config_peek_string(a->config, "run.agent", file_agent, sizeof file_agent, &err) ||
            cdrl_config_peek_string(a->config, "env.name", file_env, sizeof file_env, &err))
            return cli_report("train", &err);
    }
    if (a->agent && file_agent[0] && strcmp(a->agent, file_agent) != 0)
        return cli_fail("train", "--agent %s contradicts %s, a config for agent %s", a->agent,
                        a->config, file_agent);
    if (a->env && file_env[0] && strcmp(a->env, file_env) != 0)
        return cli_fail("train", "--env %s contradicts %s, a config for env %s", a->env, a->config,
                        file_env);
    snprintf(agent, size, "%s", a->agent ? a->agent : file_agent);
    snprintf(env, size, "%s", a->env ? a->env : file_env);
    if (!agent[0])
        return cli_fail("train", "--agent is required; try 'cdrl train --help'");
    if (!env[0])
        return cli_fail("train", "--env is required; try 'cdrl train --help'");
    return 0;
}

/* The agent and env are chosen by --agent/--env (or the config file) before
 * the config is read, because they decide its schema; a --set that names
 * another one afterwards would train one agent under another's name. */
static int check_names_kept(const train_args *a, const run_setup *setup, const char *agent,
                            const char *env)
{
    const char *keys[2] = {"run.agent", "env.name"};
    const char *chosen[2] = {agent, env};
    const char *got[2] = {setup->run.agent, setup->run.env};
    const char *flag[2] = {"--agent", "--env"};
    for (int k = 0; k < 2; k++) {
        if (strcmp(chosen[k], got[k]) == 0)
            continue;
        const char *by = NULL;
        for (int i = 0; i < a->n_overrides; i++)
            if (strncmp(a->overrides[i], keys[k], strlen(keys[k])) == 0)
                by = a->overrides[i];
        return cli_fail("train", "--set %s contradicts the %s %s (from %s or the config); choose "
                        "it with %s, not --set", by ? by : keys[k], k ? "env" : "agent", chosen[k],
                        flag[k], flag[k]);
    }
    return 0;
}

/* Makes the agent once without a run directory (cdrl_train_args.check_only):
 * env options the env does not know, an env the agent cannot run, sizes that
 * cannot be allocated fail here, before anything is written, and in --dry-run. */
static int check_agent_can_run(const run_setup *setup)
{
    cdrl_error err;
    cdrl_error_clear(&err);
    cdrl_train_args args = {
        .run = &setup->run,
        .config = setup->agent_config,
        .config_hash = setup->hash,
        .progress = ignore_progress,
        .check_only = 1,
    };
    cdrl_train_result result;
    if (run_setup_check_env_options(&setup->run, &err) || setup->agent->train(&args, &result, &err))
        return cli_report("train", &err);
    return 0;
}

/* Resolves the config of a fresh run (or a resumed one) into `setup`. */
static int resolve(train_args *a, run_setup *setup)
{
    cdrl_error err;
    if (a->resume) {
        if (a->config_flag_seen)
            return cli_fail("train", "--resume continues a run with its saved config; %s cannot be "
                            "combined with it", a->config_flag_seen);
        if (run_setup_from_run_dir(setup, a->resume, &err))
            return cli_report("train", &err);
        int has_checkpoint;
        if (cdrl_run_dir_has_checkpoint(a->resume, &has_checkpoint, &err))
            return cli_report("train", &err);
        a->from_scratch = !has_checkpoint;
        if (run_setup_check_env(setup->run.env, &err))
            return cli_report("train", &err);
        return 0;
    }
    char agent_name[CDRL_CFG_STR_MAX], env_name[CDRL_CFG_STR_MAX], file[CDRL_PATH_MAX];
    const cdrl_agent_def *agent;
    int rc = pick_names(a, agent_name, env_name, sizeof agent_name);
    if (rc)
        return rc;
    if (cdrl_agent_find(agent_name, &agent, &err))
        return cli_report("train", &err);
    if (run_setup_check_env(env_name, &err))
        return cli_report("train", &err);
    if (a->config)
        snprintf(file, sizeof file, "%s", a->config);
    else if (run_setup_default_config(agent_name, env_name, file, sizeof file, &err))
        return cli_report("train", &err);
    if (expand_dropout(a, agent))
        return CLI_EXIT_USAGE;
    /* The names go first so that every later override and the file agree
     * with them; the saved config then names its agent and env. */
    const char *overrides[MAX_OVERRIDES + 2];
    char agent_kv[CDRL_CFG_STR_MAX + 16], env_kv[CDRL_CFG_STR_MAX + 16];
    snprintf(agent_kv, sizeof agent_kv, "run.agent=%s", agent_name);
    snprintf(env_kv, sizeof env_kv, "env.name=%s", env_name);
    overrides[0] = agent_kv;
    overrides[1] = env_kv;
    memcpy(overrides + 2, a->overrides, (size_t)a->n_overrides * sizeof *overrides);
    if (run_setup_resolve(setup, agent, file, overrides, a->n_overrides + 2, &err))
        return cli_report("train", &err);
    int rc2 = check_names_kept(a, setup, agent_name, env_name);
    return rc2 ? rc2 : check_agent_can_run(setup);
}

static int print_dry_run(const run_setup *setup)
{
    char *text;
    cdrl_error err;
    if (cdrl_config_format(setup->sections, 2, "cdrl train --dry-run: the resolved config.\n"
                           "Save it and run 'cdrl train --config FILE' to use it.", &text, &err))
        return cli_report("train", &err);
    fputs(text, stdout);
    free(text);
    return CLI_EXIT_OK;
}

/* Creates (or, for --resume, reuses) the run directory and saves the config. */
static int prepare_run_dir(train_args *a, const run_setup *setup, char *dir, size_t size)
{
    cdrl_error err;
    if (a->resume) {
        /* Locked first, so that what was read of the directory is still true. */
        snprintf(dir, size, "%s", a->resume);
        if (cdrl_run_dir_lock(dir, &a->lock, &err))
            return cli_report("train", &err);
        if (!a->from_scratch)
            return 0;
        fprintf(stderr, "cdrl train: %s has no %s yet (the run stopped before its first checkpoint); "
                "starting it again from the beginning with its saved config\n", dir, CDRL_RUN_CHECKPOINT_FILE);
        return 0;
    }
    if (a->out) {
        /* Checked again once locked: another cdrl may have started there in between. */
        if (cdrl_run_dir_prepare(a->out, &err) || cdrl_run_dir_lock(a->out, &a->lock, &err) ||
            cdrl_run_dir_prepare(a->out, &err))
            return cli_report("train", &err);
        snprintf(dir, size, "%s", a->out);
    } else if (cdrl_run_dir_create("runs", setup->run.agent, setup->run.env,
                                   (uint64_t)setup->run.seed, dir, size, &err)) {
        return cli_report("train", &err);
    } else if (cdrl_run_dir_lock(dir, &a->lock, &err)) {
        return cli_report("train", &err);
    }
    char path[CDRL_PATH_MAX], header[3 * CDRL_PATH_MAX];
    if (cdrl_path_join(path, sizeof path, dir, CDRL_RUN_CONFIG_FILE, &err))
        return cli_report("train", &err);
    snprintf(header, sizeof header,
             "The resolved config of the run in %s (cdrl %s).\n"
             "Repeat the run: cdrl train --config %s", dir, CDRL_VERSION, path);
    if (cdrl_config_write(setup->sections, 2, header, path, &err))
        return cli_report("train", &err);
    return 0;
}

static int run_training(const train_args *a, const run_setup *setup, const char *dir,
                        progress_state *progress)
{
    cdrl_error err;
    cdrl_error_clear(&err);
    if (cdrl_stop_install(&err))
        return cli_report("train", &err);
    char note[2 * CDRL_PATH_MAX + 128];
    snprintf(note, sizeof note, "work since the last checkpoint in %s is abandoned (resume with: cdrl "
             "train --resume %s)", dir, dir);
    cdrl_stop_set_abandon_note("cdrl train", note);
    if (progress->live && cdrl_viz_live_follow(progress->live, dir, &err))
        return cli_fail("train", "--viz: %s", err.msg);
    cdrl_train_args args = {
        .run_dir = dir,
        .resume = a->resume != NULL && !a->from_scratch,
        .run = &setup->run,
        .config = setup->agent_config,
        .config_hash = setup->hash,
        .progress = print_progress,
        .frame = progress->live ? show_frame : NULL,
        .user = progress,
        .test_poison_unit = progress->poison_unit,
    };
    cdrl_train_result result;
    memset(&result, 0, sizeof result);
    int learned_nothing = 0;
    args.learned_nothing = &learned_nothing;
    printf("%s %s on %s, seed %lld: run directory %s\n", a->resume ? "resuming" : "training",
           setup->agent->name, setup->run.env, (long long)setup->run.seed, dir);
    fflush(stdout);
    int rc = setup->agent->train(&args, &result, &err);
    if (rc == CDRL_EINTR) {
        int sig = cdrl_stop_requested();
        fprintf(stderr, "cdrl train: %s\n", err.msg[0] ? err.msg : "stopped");
        return sig > 0 ? 128 + sig : CLI_EXIT_FAIL;
    }
    if (rc)
        return cli_report("train", &err);
    printf("%s after %lld env steps, %lld episodes; mean return %.2f; run directory %s\n",
           result.solved ? "solved" : "step budget reached", (long long)result.env_steps,
           (long long)result.episodes, result.last_mean_return, dir);
    if (learned_nothing) {
        /* Not success: the files are whole, but the networks are as they started. */
        fprintf(stderr, "cdrl train: the run learned nothing: no parameter changed in %lld units of "
                "work (check the learning rates and gradient clipping in %s/config.cfg)\n",
                (long long)result.iterations, dir);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    run_setup setup;
    memset(&setup, 0, sizeof setup);
    progress_state progress = {0, 0, 0, NULL, 0};
    a.dropout_slot = -1;
    a.lock = -1;
    int status = cli_parse(&train_command, argc, argv, &a);
    if (status == CLI_HELP_SHOWN) {
        status = CLI_EXIT_OK; /* --help */
        goto done;
    }
    if (status)
        goto done;
    status = resolve(&a, &setup);
    if (status)
        goto done;
    if (a.dry_run) {
        status = print_dry_run(&setup);
        goto done;
    }
    status = parse_test_raise(&progress);
    if (status)
        goto done;
    if (a.viz && (status = open_live_window(&setup, &progress)))
        goto done;
    char dir[CDRL_PATH_MAX];
    status = prepare_run_dir(&a, &setup, dir, sizeof dir);
    if (status)
        goto done;
    status = run_training(&a, &setup, dir, &progress);
done:
    if (progress.live)
        cdrl_viz_live_free(progress.live);
    run_setup_free(&setup);
    cdrl_run_dir_unlock(a.lock);
    train_args_free(&a);
    return status;
}
