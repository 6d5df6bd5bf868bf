/* cdrl sweep: a grid of training runs, run in parallel, resumable, summarised.
 *
 * Everything a user can get wrong is checked before any work starts: the
 * sweep file, and every point's config resolved against its agent's schema
 * exactly as `cdrl train` would resolve it, with the sweep file's line in
 * the message. A point whose directory already holds a run of a different
 * config is refused too, so a summary never mixes two configs. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cdrl/agent.h"
#include "cdrl/run.h"
#include "flags.h"
#include "run_setup.h"
#include "sweep.h"

#define MAX_ONLY 16
#define MAX_OVERRIDES (4 + 2 * SWEEP_MAX_SETS + SWEEP_MAX_PAIR_SETS + SWEEP_MAX_DROPOUT_KEYS + SWEEP_MAX_AXES + 64)

typedef struct {
    const char *config, *out, *summarize, *run_point;
    const char *only[MAX_ONLY];
    int n_only;
    char only_envs[SWEEP_MAX_ENVS][CDRL_CFG_STR_MAX]; /* --env A,B */
    const char *only_env[SWEEP_MAX_ENVS];
    int n_only_envs;
    const char *sets[SWEEP_MAX_SETS]; /* --set KEY=VALUE, for every point */
    int n_sets;
    long long jobs;
    int retry_failed, dry_run;
} sweep_args;

/* ---- The flag table ------------------------------------------------------------- */

static int take_agent(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    sweep_args *a = args;
    if (a->n_only >= MAX_ONLY)
        return cli_fail("sweep", "--agent: at most %d", MAX_ONLY);
    a->only[a->n_only++] = value;
    return 0;
}

/* --env A,B (repeatable): the envs of the file to run. */
static int take_env(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    sweep_args *a = args;
    for (const char *s = value;; s++) {
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= CDRL_CFG_STR_MAX)
            return cli_fail("sweep", "--env %s: expects env names separated by commas, e.g. pendulum,acrobot",
                            value);
        if (a->n_only_envs >= SWEEP_MAX_ENVS)
            return cli_fail("sweep", "--env: at most %d envs", SWEEP_MAX_ENVS);
        snprintf(a->only_envs[a->n_only_envs], CDRL_CFG_STR_MAX, "%.*s", (int)len, s);
        a->only_env[a->n_only_envs] = a->only_envs[a->n_only_envs];
        a->n_only_envs++;
        s += len;
        if (!*s)
            return 0;
    }
}

static int take_set(const cli_flag *row, const char *value, void *args)
{
    (void)row;
    sweep_args *a = args;
    if (a->n_sets >= SWEEP_MAX_SETS)
        return cli_fail("sweep", "--set: at most %d", SWEEP_MAX_SETS);
    a->sets[a->n_sets++] = value;
    return 0;
}

static void print_epilogue(FILE *out)
{
    fprintf(out,
            "Built with -DCDRL_MPI=ON, 'mpirun -n K cdrl sweep ...' hands the points to ranks\n"
            "1..K-1 (rank 0 coordinates and writes the summary; DIR must be on a file system\n"
            "every rank sees). %s\n\n"
            "Exit status: 0 all points done, 1 some failed, 130/143 stopped, 2 bad input.\n",
#ifdef CDRL_MPI
            "This build has MPI."
#else
            "This build has no MPI."
#endif
    );
}

#define ARG(field) offsetof(sweep_args, field)
static const cli_flag sweep_flags[] = {
    {"--config", "FILE", CLI_STRING, ARG(config), 0, 0, NULL, "the sweep file (e.g. configs/sweep_dropout.cfg)", 0, 0},
    {"--jobs", "N", CLI_INT, ARG(jobs), 1, 4096, NULL, "points run at a time (default: the number of cores)", 0, 0},
    {"--out", "DIR", CLI_STRING, ARG(out), 0, 0, NULL, "the sweep directory (default: the file's sweep.out)", 0, 0},
    {"--agent", "NAME", CLI_CALL, 0, 0, 0, take_agent, "only this agent of the file (repeatable)", 0, 0},
    {"--env", "A,B", CLI_CALL, 0, 0, 0, take_env, "only these envs of the file (sweep.envs; repeatable)", 0, 0},
    {"--set", "KEY=VALUE", CLI_CALL, 0, 0, 0, take_set,
     "override one config key in every point, after the sweep file's\n"
     "own sets (repeatable; not a key the sweep varies)", 0, 0},
    {"--retry-failed", NULL, CLI_SWITCH, ARG(retry_failed), 0, 0, NULL,
     "run failed points again (resuming from their checkpoints)", 0, 0},
    {"--dry-run", NULL, CLI_SWITCH, ARG(dry_run), 0, 0, NULL,
     "check everything, list the points and their state, run nothing", 0, 0},
    {"--summarize", "DIR", CLI_STRING, ARG(summarize), 0, 0, NULL,
     "recompute summary and plots from DIR's run directories", 0, 0},
    /* The child process of one point (sweep_point.c); not for users. */
    {"--run-point", "DIR", CLI_STRING, ARG(run_point), 0, 0, NULL, NULL, 0, 0},
};
#undef ARG

const cli_command sweep_command = {
    "sweep",
    "cdrl sweep --config FILE [--jobs N] [--out DIR] [options]\n"
    "       cdrl sweep --summarize DIR",
    "Trains every point of a grid over agents, dropout settings, seeds and any other\n"
    "config keys named in the sweep file (see docs/sweep.md), each point an ordinary\n"
    "run directory DIR/runs/<point>, in parallel worker processes. Then writes\n"
    "DIR/summary.csv, DIR/summary.md and DIR/plots/*.png.\n\n"
    "Running the same sweep again skips finished points and resumes interrupted ones\n"
    "from their checkpoints. A point that crashes or diverges is recorded as failed\n"
    "with its message; the others go on. Ctrl-C stops cleanly: running points write\n"
    "a checkpoint, and the next run of the same command continues them.",
    sweep_flags, CLI_N(sweep_flags), NULL, print_epilogue,
};

static int parse_args(int argc, char **argv, sweep_args *a)
{
    int rc = cli_parse(&sweep_command, argc, argv, a);
    if (rc || a->run_point)
        return rc;
    if (a->summarize && a->config)
        return cli_fail("sweep", "--summarize DIR reads DIR/%s; it takes no --config", SWEEP_FILE);
    if (a->summarize && a->n_sets)
        return cli_fail("sweep", "--summarize DIR reads the runs as they are; it takes no --set");
    if (!a->summarize && !a->config)
        return cli_fail("sweep", "--config FILE is required; try 'cdrl sweep --help'");
    return 0;
}

/* ---- Resolving points ------------------------------------------------------- */

/* The base config of an agent on env e: the `<agent>_<env>` group's
 * `config`, else the agent group's (as given, else next to the sweep file),
 * else configs/<agent>_<env>.cfg as cdrl train picks it when it exists,
 * else "" (out[0] = 0): the agent's own defaults, its schema's. */
static int base_config(const sweep_spec *spec, const sweep_agent *agent, int e, char *out, size_t size,
                       cdrl_error *err)
{
    const sweep_pair *pair = &agent->pairs[e];
    const char *given = pair->config[0] ? pair->config : agent->config;
    if (!given[0]) {
        if (run_setup_default_config(agent->name, spec->envs[e], out, size, NULL))
            out[0] = '\0';
        return 0;
    }
    snprintf(out, size, "%s", given);
    if (access(out, R_OK) == 0 || given[0] == '/')
        return 0;
    const char *slash = strrchr(spec->file, '/');
    if (slash) {
        int n = snprintf(out, size, "%.*s/%s", (int)(slash - spec->file), spec->file, given);
        if (n > 0 && (size_t)n < size && access(out, R_OK) == 0)
            return 0;
    }
    if (pair->config[0])
        return cdrl_errorf(err, CDRL_EIO, "%s:%d: %s_%s.config: cannot read %s", spec->file, pair->config_line,
                           agent->name, spec->envs[e], given);
    return cdrl_errorf(err, CDRL_EIO, "%s:%d: %s.config: cannot read %s", spec->file, agent->config_line,
                       agent->name, given);
}

/* The dropout keys a setting goes to: the agent group's dropout_keys, else
 * every key of the schema whose last part is "dropout" (as --dropout does). */
static int dropout_keys(const sweep_spec *spec, const sweep_agent *agent, const cdrl_agent_def *def,
                        const char *keys[], int *n, cdrl_error *err)
{
    *n = 0;
    if (agent->n_dropout_keys) {
        for (int k = 0; k < agent->n_dropout_keys; k++) {
            int found = 0;
            for (int i = 0; i < def->n_keys && !found; i++)
                found = strcmp(def->keys[i].path, agent->dropout_keys[k]) == 0 &&
                        cdrl_cfg_is_dropout_key(def->keys[i].path);
            if (!found)
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.dropout_keys: %s is not a dropout key of agent %s",
                                   spec->file, agent->dropout_keys_line, agent->name, agent->dropout_keys[k],
                                   agent->name);
            keys[(*n)++] = agent->dropout_keys[k];
        }
        return 0;
    }
    *n = cdrl_cfg_dropout_keys(def->keys, def->n_keys, keys, SWEEP_MAX_DROPOUT_KEYS);
    if (*n == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.agents: agent %s has no dropout setting", spec->file,
                           spec->agents_line, agent->name);
    return 0;
}

/* Checks one override on its own, so that a mistake is reported where it
 * was made: from the sweep file at its line, "FILE:LINE: agent.lr=0: out of
 * range, accepted (0, 1]"; from the command line (line 0) with the agent,
 * "--set agent.lr=0: out of range, accepted (0, 1] (agent pg)". */
static int check_override(const sweep_spec *spec, const cdrl_agent_def *def, int e, const char *base,
                          const char *text, int line, cdrl_error *err)
{
    char agent_kv[CDRL_CFG_STR_MAX + 16], env_kv[CDRL_CFG_STR_MAX + 16];
    snprintf(agent_kv, sizeof agent_kv, "run.agent=%s", def->name);
    snprintf(env_kv, sizeof env_kv, "env.name=%s", spec->envs[e]);
    const char *overrides[] = {agent_kv, env_kv, text};
    run_setup setup;
    cdrl_error why;
    int rc = run_setup_resolve(&setup, def, base[0] ? base : NULL, overrides, 3, &why);
    run_setup_free(&setup);
    if (!rc)
        return 0;
    const char *msg = strncmp(why.msg, "--set ", 6) == 0 ? why.msg + 6 : why.msg;
    if (strncmp(why.msg, "--set ", 6) != 0)
        return cdrl_errorf(err, rc, "%s", why.msg); /* the base config's own mistake */
    if (line <= 0)
        return spec->env_in_names ? cdrl_errorf(err, rc, "%s (agent %s, env %s)", why.msg, def->name, spec->envs[e])
                                  : cdrl_errorf(err, rc, "%s (agent %s)", why.msg, def->name);
    return cdrl_errorf(err, rc, "%s:%d: %s", spec->file, line, msg);
}

/* A --set of the command line may not touch what the sweep varies (the
 * seed, the dropout keys, the grid's keys): the grid would silently undo it. */
static int check_cli_set_key(const sweep_spec *spec, const sweep_agent *agent, const cdrl_agent_def *def,
                             const char *text, cdrl_error *err)
{
    size_t len = strcspn(text, "=");
    const char *varied[2 + SWEEP_MAX_DROPOUT_KEYS + SWEEP_MAX_AXES] = {"run.seed", "run.agent"};
    int n = 2, n_dkeys = 0;
    int rc = dropout_keys(spec, agent, def, varied + n, &n_dkeys, err);
    if (rc)
        return rc;
    n += n_dkeys;
    for (int k = 0; k < agent->n_axes; k++)
        varied[n++] = agent->axes[k].key;
    for (int i = 0; i < n; i++)
        if (strlen(varied[i]) == len && strncmp(varied[i], text, len) == 0)
            return cdrl_errorf(err, CDRL_EINVAL, "--set %s: %s is what the sweep varies for agent %s; change it "
                               "in %s", text, varied[i], agent->name, spec->file);
    if (len == strlen("env.name") && strncmp(text, "env.name", len) == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "--set %s: the envs of a sweep are its file's sweep.env or sweep.envs "
                           "(--env chooses among them)", text);
    return 0;
}

static int check_agent_overrides(const sweep_spec *spec, const sweep_agent *agent, const cdrl_agent_def *def,
                                 int e, const char *base, const sweep_args *a, cdrl_error *err)
{
    int rc = 0;
    for (int i = 0; !rc && i < agent->n_sets; i++)
        rc = check_override(spec, def, e, base, agent->sets[i].text, agent->sets[i].line, err);
    for (int i = 0; !rc && i < agent->pairs[e].n_sets; i++)
        rc = check_override(spec, def, e, base, agent->pairs[e].sets[i].text, agent->pairs[e].sets[i].line, err);
    for (int i = 0; !rc && i < a->n_sets; i++) {
        rc = check_override(spec, def, e, base, a->sets[i], 0, err);
        rc = rc ? rc : check_cli_set_key(spec, agent, def, a->sets[i], err);
    }
    for (int k = 0; !rc && k < agent->n_axes; k++)
        for (int v = 0; !rc && v < agent->axes[k].n_values; v++) {
            char text[SWEEP_TEXT_MAX];
            snprintf(text, sizeof text, "%s=%s", agent->axes[k].key, agent->axes[k].values[v]);
            rc = check_override(spec, def, e, base, text, agent->axes[k].line, err);
        }
    return rc;
}

/* Resolves the config of one point: the agent's base config on its env,
 * then the sweep file's sets (sweep-wide, the agent's, the agent's on the
 * env), the command line's --set, the point's dropout setting and
 * seed, its grid values. */
static int resolve_point(const sweep_spec *spec, const sweep_args *a, const sweep_point *p, run_setup *setup,
                         cdrl_error *err)
{
    const sweep_agent *agent = &spec->agents[p->agent];
    const cdrl_agent_def *def;
    char base[CDRL_PATH_MAX];
    int rc = cdrl_agent_find(agent->name, &def, err);
    rc = rc ? rc : base_config(spec, agent, p->env, base, sizeof base, err);
    const char *dkeys[SWEEP_MAX_DROPOUT_KEYS];
    int n_dkeys;
    rc = rc ? rc : dropout_keys(spec, agent, def, dkeys, &n_dkeys, err);
    if (rc)
        return rc;
    static char texts[MAX_OVERRIDES][SWEEP_TEXT_MAX];
    const char *overrides[MAX_OVERRIDES];
    int n = 0;
    snprintf(texts[n++], SWEEP_TEXT_MAX, "run.agent=%s", agent->name);
    snprintf(texts[n++], SWEEP_TEXT_MAX, "env.name=%s", spec->envs[p->env]);
    for (int i = 0; i < agent->n_sets; i++)
        snprintf(texts[n++], SWEEP_TEXT_MAX, "%s", agent->sets[i].text);
    for (int i = 0; i < agent->pairs[p->env].n_sets; i++)
        snprintf(texts[n++], SWEEP_TEXT_MAX, "%s", agent->pairs[p->env].sets[i].text);
    for (int i = 0; i < a->n_sets; i++)
        snprintf(texts[n++], SWEEP_TEXT_MAX, "%s", a->sets[i]);
    for (int i = 0; i < n_dkeys; i++)
        snprintf(texts[n++], SWEEP_TEXT_MAX, "%s=%s", dkeys[i], spec->settings[p->setting]);
    snprintf(texts[n++], SWEEP_TEXT_MAX, "run.seed=%lld", (long long)spec->seeds[p->seed]);
    sweep_combo_overrides(agent, p->combo, texts + n);
    n += agent->n_axes;
    for (int i = 0; i < n; i++)
        overrides[i] = texts[i];
    rc = run_setup_resolve(setup, def, base[0] ? base : NULL, overrides, n, err);
    if (rc)
        return cdrl_error_prefix(err, "%s: point %s", spec->file, p->name);
    return 0;
}

/* What to do with a point whose config is resolved. */
typedef enum { POINT_RUN, POINT_RESUME, POINT_SKIP_DONE, POINT_SKIP_FAILED } point_plan;

static int plan_point(const sweep_point *p, const run_setup *setup, int retry_failed, point_plan *plan,
                      cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    int rc = cdrl_path_join(path, sizeof path, p->dir, CDRL_RUN_CONFIG_FILE, err);
    if (rc)
        return rc;
    *plan = POINT_RUN;
    if (access(path, F_OK) != 0)
        return 0;
    run_setup saved;
    rc = run_setup_from_run_dir(&saved, p->dir, err);
    uint64_t hash = saved.hash;
    run_setup_free(&saved);
    if (rc)
        return rc;
    if (hash != setup->hash)
        return cdrl_errorf(err, CDRL_EINVAL, "%s holds a run of another config than the sweep file now gives "
                           "this point; move it away or choose another --out", p->dir);
    sweep_result r;
    if ((rc = sweep_result_read(p->dir, &r, err)))
        return rc;
    if (r.status == SWEEP_DONE)
        *plan = POINT_SKIP_DONE;
    else if (r.status == SWEEP_FAILED && !retry_failed)
        *plan = POINT_SKIP_FAILED;
    else if (cdrl_path_join(path, sizeof path, p->dir, CDRL_RUN_CHECKPOINT_FILE, err) == 0 && access(path, F_OK) == 0)
        *plan = POINT_RESUME;
    return 0;
}

/* Creates the point's run directory with its resolved config, as cdrl train does. */
static int prepare_point(const sweep_spec *spec, const sweep_point *p, const run_setup *setup, cdrl_error *err)
{
    char path[CDRL_PATH_MAX], header[5 * CDRL_PATH_MAX];
    int rc = cdrl_path_join(path, sizeof path, p->dir, CDRL_RUN_CONFIG_FILE, err);
    if (rc || access(path, F_OK) == 0)
        return rc;
    if ((rc = cdrl_run_dir_prepare(p->dir, err)))
        return rc;
    snprintf(header, sizeof header,
             "The resolved config of the run in %s (cdrl %s),\n"
             "point %s of the sweep %s.\n"
             "Repeat the run: cdrl train --config %s", p->dir, CDRL_VERSION, p->name, spec->file, path);
    return cdrl_config_write(setup->sections, 2, header, path, err);
}

/* ---- The sweep directory ------------------------------------------------------- */

/* One cdrl sweep per directory at a time. The lock's descriptor is inherited
 * by the point processes, so it is held until the last of them has ended,
 * also when the sweep itself was killed and its points are still stopping. */
static int lock_sweep_dir(const char *dir, int *fd, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    int rc = cdrl_path_join(path, sizeof path, dir, "sweep.lock", err);
    if (rc)
        return rc;
    *fd = open(path, O_RDWR | O_CREAT, 0666);
    if (*fd < 0)
        return cdrl_errorf(err, CDRL_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return cdrl_errorf(err, CDRL_EINVAL, "%s is in use by another cdrl sweep (or its points are still "
                           "stopping); run again when it has ended", dir);
    }
    return 0;
}

/* Saves the sweep file as DIR/sweep.cfg, what --summarize reads. */
static int save_sweep_file(const sweep_spec *spec, const char *dir, cdrl_error *err)
{
    char path[CDRL_PATH_MAX], *text;
    size_t size;
    int rc = cdrl_path_join(path, sizeof path, dir, SWEEP_FILE, err);
    rc = rc ? rc : cdrl_read_file(spec->file, (size_t)1 << 20, &text, &size, err);
    if (rc)
        return rc;
    rc = cdrl_write_file_atomic(path, text, size, err);
    free(text);
    return rc;
}

static int make_dir(const char *dir, cdrl_error *err)
{
    return cdrl_run_dir_prepare(dir, err);
}

/* ---- The command ----------------------------------------------------------------- */

typedef struct {
    sweep_spec *spec;
    sweep_point *points;
    int n_points;
    sweep_job *jobs;
    char (*labels)[CDRL_PATH_MAX / 4 + 32];
    int n_jobs;
    int n_done, n_failed;
    char dir[CDRL_PATH_MAX];
    int lock_fd;
} sweep_state;

static void state_free(sweep_state *s)
{
    free(s->spec);
    free(s->points);
    free(s->jobs);
    free(s->labels);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
}

static int load_spec(sweep_state *s, const char *file, const sweep_args *a, cdrl_error *err)
{
    s->spec = calloc(1, sizeof *s->spec);
    if (!s->spec)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    int rc = sweep_spec_load(s->spec, file, err);
    rc = rc ? rc : sweep_spec_keep_agents(s->spec, a->only, a->n_only, err);
    rc = rc ? rc : sweep_spec_keep_envs(s->spec, a->only_env, a->n_only_envs, err);
    if (rc)
        return rc;
    const char *dir = a->summarize ? a->summarize : a->out ? a->out : s->spec->out;
    if (!dir[0])
        return cdrl_errorf(err, CDRL_EINVAL, "%s names no sweep directory (sweep.out); pass --out DIR", file);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    return sweep_points(s->spec, s->dir, &s->points, &s->n_points, err);
}

/* Checks every point and makes the list of those to run. Writes nothing. */
static int plan(sweep_state *s, const sweep_args *a, point_plan *plans, cdrl_error *err)
{
    sweep_spec *spec = s->spec;
    for (int i = 0; i < spec->n_agents; i++) {
        const cdrl_agent_def *def;
        char base[CDRL_PATH_MAX];
        int rc = cdrl_agent_find(spec->agents[i].name, &def, err);
        if (rc == CDRL_EUNAVAIL)
            return cdrl_errorf(err, rc, "%s:%d: sweep.agents: agent '%s' is not built yet (--agent NAME runs "
                               "only the others)", spec->file, spec->agents_line, spec->agents[i].name);
        if (rc)
            return cdrl_error_prefix(err, "%s:%d: sweep.agents", spec->file, spec->agents_line);
        for (int e = 0; e < spec->n_envs; e++) {
            if (!spec->agents[i].on_env[e])
                continue;
            if ((rc = run_setup_check_env(spec->envs[e], err)))
                return cdrl_error_prefix(err, "%s:%d: sweep.env%s", spec->file, spec->envs_line,
                                         spec->env_in_names ? "s" : "");
            rc = base_config(spec, &spec->agents[i], e, base, sizeof base, err);
            rc = rc ? rc : check_agent_overrides(spec, &spec->agents[i], def, e, base, a, err);
            if (rc)
                return rc;
        }
    }
    for (int i = 0; i < s->n_points; i++) {
        run_setup setup;
        int rc = resolve_point(spec, a, &s->points[i], &setup, err);
        rc = rc ? rc : plan_point(&s->points[i], &setup, a->retry_failed, &plans[i], err);
        run_setup_free(&setup);
        if (rc)
            return rc;
    }
    return 0;
}

static int prepare_all(sweep_state *s, const sweep_args *a, const point_plan *plans, cdrl_error *err)
{
    char runs[CDRL_PATH_MAX];
    int rc = make_dir(s->dir, err);
    rc = rc ? rc : lock_sweep_dir(s->dir, &s->lock_fd, err);
    rc = rc ? rc : save_sweep_file(s->spec, s->dir, err);
    rc = rc ? rc : cdrl_path_join(runs, sizeof runs, s->dir, SWEEP_RUNS_DIR, err);
    rc = rc ? rc : make_dir(runs, err);
    s->jobs = calloc((size_t)s->n_points + 1, sizeof *s->jobs);
    s->labels = calloc((size_t)s->n_points + 1, sizeof *s->labels);
    if (!rc && (!s->jobs || !s->labels))
        rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < s->n_points; i++) {
        const sweep_point *p = &s->points[i];
        s->n_done += plans[i] == POINT_SKIP_DONE;
        s->n_failed += plans[i] == POINT_SKIP_FAILED;
        if (plans[i] != POINT_RUN && plans[i] != POINT_RESUME)
            continue;
        run_setup setup;
        rc = resolve_point(s->spec, a, p, &setup, err);
        rc = rc ? rc : prepare_point(s->spec, p, &setup, err);
        run_setup_free(&setup);
        int j = s->n_jobs++;
        snprintf(s->labels[j], sizeof s->labels[0], "%s%s", p->name, plans[i] == POINT_RESUME ? " (resumed)" : "");
        s->jobs[j] = (sweep_job){p->dir, s->labels[j], s->spec->agents[p->agent].solve_in};
    }
    return rc;
}

static int print_dry_run(const sweep_state *s, const point_plan *plans)
{
    static const char *const words[] = {"to run", "to resume", "done", "failed (skipped; --retry-failed runs it)"};
    printf("cdrl sweep --dry-run: %d points of %s in %s\n", s->n_points, s->spec->file, s->dir);
    for (int i = 0; i < s->spec->n_agents; i++)
        for (int e = 0; e < s->spec->n_envs; e++) {
            char base[CDRL_PATH_MAX];
            if (!s->spec->agents[i].on_env[e])
                continue;
            const char *name = s->spec->agents[i].name, *env = s->spec->envs[e];
            if (base_config(s->spec, &s->spec->agents[i], e, base, sizeof base, NULL) == 0 && base[0])
                printf("  %s on %s starts from %s\n", name, env, base);
            else
                printf("  %s on %s starts from the agent's defaults (there is no configs/%s_%s.cfg)\n", name, env,
                       name, env);
        }
    for (int i = 0; i < s->n_points; i++)
        printf("  %-48s %s\n", s->points[i].name, words[plans[i]]);
    return CLI_EXIT_OK;
}

static int summarize(const sweep_state *s, int quiet)
{
    char *md = NULL;
    cdrl_error err;
    cdrl_error_clear(&err);
    if (sweep_summarize(s->spec, s->dir, &md, &err))
        return cli_report("sweep", &err);
    if (!quiet)
        fputs(md, stdout);
    printf("summary: %s/summary.md, %s/summary.csv, plots in %s/plots\n", s->dir, s->dir, s->dir);
    free(md);
    return CLI_EXIT_OK;
}

/* The outcome of the whole sweep as an exit status, from the result files. */
static int final_status(const sweep_state *s, int stopped_by)
{
    int failed = 0;
    for (int i = 0; i < s->n_points; i++) {
        sweep_result r;
        if (sweep_result_read(s->points[i].dir, &r, NULL) == 0 && r.status == SWEEP_FAILED)
            failed++;
    }
    if (stopped_by) {
        fprintf(stderr, "cdrl sweep: stopped; run the same command again to continue (finished points are kept)\n");
        return stopped_by > 0 ? 128 + stopped_by : CLI_EXIT_FAIL;
    }
    if (failed) {
        fprintf(stderr, "cdrl sweep: %d point%s failed (see summary.md and each point's log.txt); "
                "--retry-failed runs them again\n", failed, failed == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int run_sweep(const sweep_args *a, sweep_state *s, int mpi, int *released)
{
    cdrl_error err;
    cdrl_error_clear(&err);
    int rc = load_spec(s, a->config, a, &err);
    point_plan *plans = NULL;
    if (!rc) {
        plans = calloc((size_t)s->n_points + 1, sizeof *plans);
        rc = plans ? plan(s, a, plans, &err) : cdrl_errorf(&err, CDRL_ENOMEM, "out of memory");
    }
    if (!rc && a->dry_run) {
        int status = print_dry_run(s, plans);
        free(plans);
        return status;
    }
    rc = rc ? rc : cdrl_stop_install(&err);
    rc = rc ? rc : prepare_all(s, a, plans, &err);
    free(plans);
    if (rc)
        return cli_report("sweep", &err);
    int jobs = (int)a->jobs;
    if (jobs <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores > 0 ? (int)cores : 1;
    }
    printf("sweep %s: %d points (%d done, %d failed, %d to run) on %s%d %s; directory %s\n", s->spec->file,
           s->n_points, s->n_done, s->n_failed, s->n_jobs, mpi ? "" : "", mpi ? mpi : jobs,
           mpi ? "MPI worker ranks" : "workers", s->dir);
    fflush(stdout);
    *released = 1;
    rc = mpi ? sweep_mpi_coordinate(s->jobs, s->n_jobs) : sweep_pool_run(s->jobs, s->n_jobs, jobs);
    int stopped_by = rc == CDRL_EINTR ? cdrl_stop_requested() : 0;
    if (rc && rc != CDRL_EINTR)
        return CLI_EXIT_USAGE;
    int status = summarize(s, 0);
    return status ? status : final_status(s, stopped_by);
}

int cmd_sweep(int argc, char **argv)
{
    int rank = 0, size = 1;
    int mpi = sweep_mpi_start(&argc, &argv, &rank, &size);
    sweep_args a;
    memset(&a, 0, sizeof a);
    sweep_state s;
    memset(&s, 0, sizeof s);
    s.lock_fd = -1;
    int status = parse_args(argc, argv, &a), released = 0;
    if (mpi && rank > 0) {
        /* Workers take their points from rank 0, whatever it made of the
         * arguments. */
        status = sweep_mpi_work();
        sweep_mpi_finish();
        return status;
    }
    if (status == CLI_HELP_SHOWN) {
        status = CLI_EXIT_OK;
    } else if (status == 0 && a.run_point) {
        status = sweep_run_point(a.run_point);
    } else if (status == 0 && a.summarize) {
        char file[CDRL_PATH_MAX];
        cdrl_error err;
        snprintf(file, sizeof file, "%s/%s", a.summarize, SWEEP_FILE);
        if (access(file, F_OK) != 0)
            status = cli_fail("sweep", "%s: not a sweep directory (it has no %s)", a.summarize, SWEEP_FILE);
        else if (load_spec(&s, file, &a, &err))
            status = cli_report("sweep", &err);
        else
            status = summarize(&s, 0);
    } else if (status == 0) {
        status = run_sweep(&a, &s, mpi ? size - 1 : 0, &released);
    }
    if (mpi && !released)
        sweep_mpi_coordinate(NULL, 0);
    state_free(&s);
    if (mpi)
        sweep_mpi_finish();
    return status;
}
