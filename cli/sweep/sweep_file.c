/* Sweep files: which agents, dropout settings, seeds and other config keys a
 * sweep crosses, and the grid points that makes.
 *
 *     sweep: {
 *       env = "cartpole";                # or envs = ["pendulum", "acrobot"]
 *       agents = ["pg", "mb"];
 *       dropout = ["none", "fixed:0.1", "concrete"];
 *       seeds = [0, 1, 2];               # or n_seeds = 3 (seeds 0 .. 2)
 *       out = "sweeps/dropout";          # the sweep directory (--out overrides)
 *       set = ["run.stop_when_solved=true"];                 # every point
 *       grid = ( { key = "agent.lr"; values = [1e-3, 3e-4]; } );
 *     };
 *     pg: { config = "configs/pg_cartpole.cfg"; set = ["run.steps=300000"];
 *           solve_in = "env_steps"; dropout_keys = ["agent.policy.dropout"]; };
 *     mb: { envs = ["pendulum"]; };    # an agent on some of the sweep's envs only
 *     pg_acrobot: { set = ["run.steps=500000"]; };   # one agent on one env
 *
 * Only the form is judged here (types, names, ranges of the sweep's own
 * keys); whether an agent accepts a key and its value is judged when each
 * point's config is resolved against the agent's schema, with this file's
 * line in the message. */
#include "sweep.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/agent.h"
#include "cdrl/dropout.h"

static const char *const sweep_keys[] = {"env", "envs", "agents", "dropout", "seeds", "n_seeds",
                                         "out", "set", "grid", "baseline", "baseline_grid", NULL};
static const char *const pair_keys[] = {"config", "set", NULL};
static const char *const agent_keys[] = {"config", "set", "grid", "solve_in", "dropout_keys", "envs", NULL};
static const char *const axis_keys[] = {"key", "values", NULL};

/* " (did you mean 'x'?)" for the nearest of known[], or "": the config
 * loader's own suggestion, over a schema made of the known names. */
static void suggestion(const char *name, const char *const *known, char *out, size_t size)
{
    cdrl_cfg_key keys[SWEEP_MAX_AGENTS + 16];
    int n = 0;
    for (; known[n] && n < (int)(sizeof keys / sizeof keys[0]); n++)
        keys[n] = (cdrl_cfg_key){.path = known[n], .type = CDRL_CFG_INT, .default_text = "0"};
    cdrl_cfg_section section = {keys, n, NULL};
    char near[CDRL_CFG_STR_MAX];
    if (cdrl_config_suggest(&section, 1, name, near, sizeof near))
        snprintf(out, size, " (did you mean '%s'?)", near);
    else
        out[0] = '\0';
}

static void join_words(const char *const *words, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; words[i] && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", words[i]);
}

/* Every member of `group` must be one of known[]; `where` names the group. */
static int check_members(const config_setting_t *group, const char *where, const char *const *known,
                         const char *file, cdrl_error *err)
{
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        int ok = 0;
        for (int k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], name) == 0;
        if (ok)
            continue;
        char near[CDRL_CFG_STR_MAX + 32], all[512];
        suggestion(name, known, near, sizeof near);
        join_words(known, all, sizeof all);
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: unknown key '%s.%s'%s; accepted in %s: %s", file,
                           config_setting_source_line(s), where, name, near, where, all);
    }
    return 0;
}

/* The text of a scalar as a config file (or --set) would write it. Floats
 * take the fewest digits that read back the same value. */
static int scalar_text(const config_setting_t *s, char *out, size_t size)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
        snprintf(out, size, "%d", config_setting_get_int(s));
        return 0;
    case CONFIG_TYPE_INT64:
        snprintf(out, size, "%lld", config_setting_get_int64(s));
        return 0;
    case CONFIG_TYPE_FLOAT: {
        double v = config_setting_get_float(s);
        for (int digits = 6; digits <= 17; digits++) {
            snprintf(out, size, "%.*g", digits, v);
            if (strtod(out, NULL) == v)
                break;
        }
        /* "1" would read back as an integer: keep it a float. */
        if (!strpbrk(out, ".eEn"))
            strncat(out, ".0", size - strlen(out) - 1);
        return 0;
    }
    case CONFIG_TYPE_BOOL:
        snprintf(out, size, "%s", config_setting_get_bool(s) ? "true" : "false");
        return 0;
    case CONFIG_TYPE_STRING:
        if (strlen(config_setting_get_string(s)) >= size)
            return -1;
        snprintf(out, size, "%s", config_setting_get_string(s));
        return 0;
    default:
        return -1;
    }
}

/* A list or array of strings into out[max][CDRL_CFG_STR_MAX]. */
static int read_strings(const config_setting_t *s, const char *what, const char *file, char (*out)[CDRL_CFG_STR_MAX],
                        int max, int *n, cdrl_error *err)
{
    int line = config_setting_source_line(s);
    if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects a list of strings, e.g. [\"a\", \"b\"]", file,
                           line, what);
    int len = config_setting_length(s);
    if (len < 1 || len > max)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects 1 to %d strings, has %d", file, line, what,
                           max, len);
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *v = config_setting_get_string(e);
        if (!v || strlen(v) >= CDRL_CFG_STR_MAX || !*v)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s[%d]: expects a non-empty string of at most %d characters",
                               file, config_setting_source_line(e), what, i, CDRL_CFG_STR_MAX - 1);
        for (int j = 0; j < i; j++)
            if (strcmp(out[j], v) == 0)
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: \"%s\" is listed twice", file, line, what, v);
        snprintf(out[i], CDRL_CFG_STR_MAX, "%s", v);
    }
    *n = len;
    return 0;
}

/* `set = ["key=value", ...]`, appended to sets[*n]. The keys that are the
 * sweep's own axes are refused: the sweep sets them per point. */
static int read_sets(const config_setting_t *s, const char *what, const char *file, sweep_override *sets, int *n,
                     cdrl_error *err)
{
    char texts[SWEEP_MAX_SETS][CDRL_CFG_STR_MAX];
    int len, rc = read_strings(s, what, file, texts, SWEEP_MAX_SETS - *n, &len, err);
    if (rc)
        return rc;
    for (int i = 0; i < len; i++) {
        int line = config_setting_source_line(config_setting_get_elem(s, (unsigned)i));
        const char *eq = strchr(texts[i], '=');
        if (!eq || eq == texts[i])
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s[%d] = \"%s\": expected \"key=value\", e.g. \"run.steps=200000\"",
                               file, line, what, i, texts[i]);
        static const char *const owned[] = {"run.agent", "env.name", "run.seed"};
        for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
            if ((size_t)(eq - texts[i]) == strlen(owned[k]) && strncmp(texts[i], owned[k], strlen(owned[k])) == 0)
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s[%d] = \"%s\": %s is set by the sweep "
                                   "(sweep.agents, sweep.env or sweep.envs, sweep.seeds)", file, line, what, i, texts[i], owned[k]);
        snprintf(sets[*n].text, sizeof sets[*n].text, "%.*s", CDRL_CFG_STR_MAX - 1, texts[i]);
        sets[*n].line = line;
        ++*n;
    }
    return 0;
}

/* The value a text stands for: a number (however written: "0.001",
 * "0.0010", "1e-3") compares as a number, anything else as text. */
static int same_value(const char *a, const char *b)
{
    char *end_a, *end_b;
    double x = strtod(a, &end_a), y = strtod(b, &end_b);
    if (end_a != a && !*end_a && end_b != b && !*end_b)
        return x == y;
    return strcmp(a, b) == 0;
}

/* Two equal values on an axis would be one run trained twice into one
 * directory at once: refused when the file is read. */
static int check_distinct_values(const sweep_axis *axis, const char *where, const char *file, int line,
                                 cdrl_error *err)
{
    for (int i = 0; i < axis->n_values; i++)
        for (int j = 0; j < i; j++)
            if (same_value(axis->values[i], axis->values[j]))
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.values: %s and %s are the same value; list each "
                                   "value once", file, line, where, axis->values[j], axis->values[i]);
    return 0;
}

/* `grid = ( { key = "agent.lr"; values = [1e-3, 3e-4]; }, ... )`. */
static int read_axes(const config_setting_t *s, const char *what, const char *file, sweep_axis *axes, int *n,
                     cdrl_error *err)
{
    int line = config_setting_source_line(s);
    if (!config_setting_is_list(s))
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects a list of groups, "
                           "( { key = \"agent.lr\"; values = [1e-3, 3e-4]; } )", file, line, what);
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
        int gline = config_setting_source_line(g);
        char where[64];
        snprintf(where, sizeof where, "%s[%d]", what, i);
        if (!config_setting_is_group(g))
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects a group { key = ...; values = [...]; }", file,
                               gline, where);
        int rc = check_members(g, where, axis_keys, file, err);
        if (rc)
            return rc;
        if (*n >= SWEEP_MAX_AXES)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: at most %d grid keys per agent", file, gline, where,
                               SWEEP_MAX_AXES);
        sweep_axis *axis = &axes[*n];
        memset(axis, 0, sizeof *axis);
        axis->line = gline;
        const char *key;
        if (!config_setting_lookup_string(g, "key", &key) || !*key || strlen(key) >= sizeof axis->key ||
            strchr(key, '='))
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.key: expects a config key as a string, e.g. \"agent.lr\"",
                               file, gline, where);
        snprintf(axis->key, sizeof axis->key, "%s", key);
        const config_setting_t *values = config_setting_get_member(g, "values");
        if (!values || !config_setting_is_aggregate(values) || config_setting_is_group(values) ||
            config_setting_length(values) < 1 || config_setting_length(values) > SWEEP_MAX_VALUES)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.values: expects a list of 1 to %d values", file,
                               values ? (int)config_setting_source_line(values) : gline, where, SWEEP_MAX_VALUES);
        for (int v = 0; v < config_setting_length(values); v++) {
            const config_setting_t *e = config_setting_get_elem(values, (unsigned)v);
            if (scalar_text(e, axis->values[v], sizeof axis->values[v]))
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.values[%d]: expects a number, true/false or a string",
                                   file, config_setting_source_line(e), where, v);
        }
        axis->n_values = config_setting_length(values);
        int bad = check_distinct_values(axis, where, file, (int)config_setting_source_line(values), err);
        if (bad)
            return bad;
        ++*n;
    }
    return 0;
}

static int read_seeds(const config_setting_t *sweep, sweep_spec *spec, cdrl_error *err)
{
    const config_setting_t *list = config_setting_get_member(sweep, "seeds");
    const config_setting_t *count = config_setting_get_member(sweep, "n_seeds");
    const char *file = spec->file;
    if (list && count)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.n_seeds: give either sweep.seeds or sweep.n_seeds, not both",
                           file, config_setting_source_line(count));
    if (!list && !count)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep: no seeds; add seeds = [0, 1, 2] or n_seeds = 3", file,
                           config_setting_source_line(sweep));
    if (count) {
        int t = config_setting_type(count);
        long long n = t == CONFIG_TYPE_INT ? config_setting_get_int(count)
                    : t == CONFIG_TYPE_INT64 ? config_setting_get_int64(count) : -1;
        if (n < 1 || n > SWEEP_MAX_SEEDS)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.n_seeds: expects an integer in [1, %d]", file,
                               config_setting_source_line(count), SWEEP_MAX_SEEDS);
        for (int i = 0; i < n; i++)
            spec->seeds[i] = i;
        spec->n_seeds = (int)n;
        return 0;
    }
    int line = config_setting_source_line(list);
    if (!config_setting_is_aggregate(list) || config_setting_is_group(list) || config_setting_length(list) < 1 ||
        config_setting_length(list) > SWEEP_MAX_SEEDS)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.seeds: expects a list of 1 to %d integers >= 0, e.g. [0, 1, 2]",
                           file, line, SWEEP_MAX_SEEDS);
    for (int i = 0; i < config_setting_length(list); i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        int t = config_setting_type(e);
        long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(e)
                    : t == CONFIG_TYPE_INT64 ? config_setting_get_int64(e) : -1;
        if (v < 0)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.seeds[%d]: expects an integer >= 0", file,
                               config_setting_source_line(e), i);
        for (int j = 0; j < i; j++)
            if (spec->seeds[j] == v)
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.seeds: seed %lld is listed twice", file, line, v);
        spec->seeds[i] = v;
    }
    spec->n_seeds = config_setting_length(list);
    return 0;
}

/* The agent's own group, if the file has one. */
static int read_agent_group(const config_t *cfg, sweep_agent *a, const char *file, cdrl_error *err)
{
    const config_setting_t *g = config_lookup(cfg, a->name);
    if (!g)
        return 0;
    int line = config_setting_source_line(g);
    if (!config_setting_is_group(g))
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects a group { config = ...; set = [...]; ... }", file,
                           line, a->name);
    int rc = check_members(g, a->name, agent_keys, file, err);
    if (rc)
        return rc;
    char what[CDRL_CFG_STR_MAX + 32];
    const config_setting_t *s;
    if ((s = config_setting_get_member(g, "config"))) {
        const char *v = config_setting_get_string(s);
        if (!v || !*v || strlen(v) >= sizeof a->config)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.config: expects a config file name", file,
                               config_setting_source_line(s), a->name);
        snprintf(a->config, sizeof a->config, "%s", v);
        a->config_line = config_setting_source_line(s);
    }
    if ((s = config_setting_get_member(g, "solve_in"))) {
        const char *v = config_setting_get_string(s);
        if (!v || (strcmp(v, "env_steps") != 0 && strcmp(v, "episodes") != 0))
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.solve_in: accepted \"env_steps\" or \"episodes\"", file,
                               config_setting_source_line(s), a->name);
        snprintf(a->solve_in, sizeof a->solve_in, "%s", v);
    }
    if ((s = config_setting_get_member(g, "dropout_keys"))) {
        snprintf(what, sizeof what, "%s.dropout_keys", a->name);
        if ((rc = read_strings(s, what, file, a->dropout_keys, SWEEP_MAX_DROPOUT_KEYS, &a->n_dropout_keys, err)))
            return rc;
        a->dropout_keys_line = config_setting_source_line(s);
    }
    if ((s = config_setting_get_member(g, "set"))) {
        snprintf(what, sizeof what, "%s.set", a->name);
        if ((rc = read_sets(s, what, file, a->sets, &a->n_sets, err)))
            return rc;
    }
    if ((s = config_setting_get_member(g, "grid"))) {
        snprintf(what, sizeof what, "%s.grid", a->name);
        if ((rc = read_axes(s, what, file, a->axes, &a->n_axes, err)))
            return rc;
    }
    return 0;
}

/* The agent group's `envs`: the sweep's envs it runs on (all by default). */
static int read_agent_envs(const config_t *cfg, const sweep_spec *spec, sweep_agent *a, cdrl_error *err)
{
    const config_setting_t *g = config_lookup(cfg, a->name), *s = g ? config_setting_get_member(g, "envs") : NULL;
    for (int e = 0; e < spec->n_envs; e++)
        a->on_env[e] = !s;
    if (!s)
        return 0;
    char what[CDRL_CFG_STR_MAX + 16], names[SWEEP_MAX_ENVS][CDRL_CFG_STR_MAX];
    int n, rc;
    snprintf(what, sizeof what, "%s.envs", a->name);
    a->envs_line = config_setting_source_line(s);
    if ((rc = read_strings(s, what, spec->file, names, SWEEP_MAX_ENVS, &n, err)))
        return rc;
    for (int k = 0; k < n; k++) {
        int found = 0;
        for (int e = 0; e < spec->n_envs; e++)
            if (strcmp(spec->envs[e], names[k]) == 0)
                found = a->on_env[e] = 1;
        if (!found)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: '%s' is not one of the sweep's envs (sweep.env or "
                               "sweep.envs)", spec->file, a->envs_line, what, names[k]);
    }
    return 0;
}

/* One agent on one env: the `<agent>_<env>` group, if the file has one. */
static int read_pair_group(const config_t *cfg, const sweep_agent *a, const char *env, sweep_pair *pair,
                           const char *file, cdrl_error *err)
{
    char name[2 * CDRL_CFG_STR_MAX + 2], what[2 * CDRL_CFG_STR_MAX + 16];
    snprintf(name, sizeof name, "%s_%s", a->name, env);
    memset(pair, 0, sizeof *pair);
    const config_setting_t *g = config_setting_get_member(config_root_setting(cfg), name), *s;
    if (!g)
        return 0;
    if (!config_setting_is_group(g))
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: expects a group { config = ...; set = [...]; }", file,
                           config_setting_source_line(g), name);
    int rc = check_members(g, name, pair_keys, file, err);
    if (rc)
        return rc;
    if ((s = config_setting_get_member(g, "config"))) {
        const char *v = config_setting_get_string(s);
        if (!v || !*v || strlen(v) >= sizeof pair->config)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s.config: expects a config file name", file,
                               config_setting_source_line(s), name);
        snprintf(pair->config, sizeof pair->config, "%s", v);
        pair->config_line = config_setting_source_line(s);
    }
    if ((s = config_setting_get_member(g, "set"))) {
        snprintf(what, sizeof what, "%s.set", name);
        int n = 0;
        if (config_setting_length(s) > SWEEP_MAX_PAIR_SETS)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: at most %d", file, config_setting_source_line(s), what,
                               SWEEP_MAX_PAIR_SETS);
        if ((rc = read_sets(s, what, file, pair->sets, &n, err)))
            return rc;
        pair->n_sets = n;
    }
    return 0;
}

/* The agent whose `<agent>_<env>` group `name` is, or NULL. */
static const char *pair_agent(const char *name)
{
    for (int i = 0; i < cdrl_agent_count; i++) {
        size_t len = strlen(cdrl_agents[i].name);
        if (strncmp(name, cdrl_agents[i].name, len) == 0 && name[len] == '_' && name[len + 1])
            return cdrl_agents[i].name;
    }
    return NULL;
}

/* Top-level groups are `sweep`, agents' names and `<agent>_<env>` of the
 * sweep's agents and envs; anything else is a typo. */
static int check_top_level(const config_t *cfg, const sweep_spec *spec, const char *file, cdrl_error *err)
{
    const config_setting_t *root = config_root_setting(cfg);
    const char *known[SWEEP_MAX_AGENTS + 2];
    int n = 0;
    known[n++] = "sweep";
    for (int i = 0; i < cdrl_agent_count && n < SWEEP_MAX_AGENTS + 1; i++)
        known[n++] = cdrl_agents[i].name;
    known[n] = NULL;
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(g), *agent = pair_agent(name);
        if (!agent)
            continue;
        const char *env = name + strlen(agent) + 1;
        int listed = 0;
        for (int e = 0; e < spec->n_envs && !listed; e++)
            listed = strcmp(spec->envs[e], env) == 0;
        if (!listed)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s: the sweep has no env '%s' (sweep.env or sweep.envs)",
                               file, config_setting_source_line(g), name, env);
    }
    const char *const *k;
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(g);
        if (pair_agent(name))
            continue;
        int ok = 0;
        for (k = known; *k && !ok; k++)
            ok = strcmp(*k, name) == 0;
        if (!ok) {
            char near[CDRL_CFG_STR_MAX + 32], all[512];
            suggestion(name, known, near, sizeof near);
            join_words(known, all, sizeof all);
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: unknown key '%s'%s; accepted at the file's top level: "
                               "%s, or <agent>_<env>", file, config_setting_source_line(g), name, near, all);
        }
    }
    return 0;
}

/* sweep.env (one env) or sweep.envs (a list), and sweep.out. */
static int read_env_out(const config_setting_t *sweep, sweep_spec *spec, cdrl_error *err)
{
    const char *file = spec->file, *v;
    const config_setting_t *list = config_setting_get_member(sweep, "envs");
    if (list && config_setting_get_member(sweep, "env"))
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.envs: give either sweep.env or sweep.envs, not both",
                           file, config_setting_source_line(list));
    if (list) {
        int rc = read_strings(list, "sweep.envs", file, spec->envs, SWEEP_MAX_ENVS, &spec->n_envs, err);
        if (rc)
            return rc;
        spec->envs_line = config_setting_source_line(list);
        spec->env_in_names = 1;
    } else {
        if (!config_setting_lookup_string(sweep, "env", &v) || !*v || strlen(v) >= sizeof spec->envs[0])
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.env: expects an env name, e.g. \"cartpole\" (or "
                               "sweep.envs, a list)", file, config_setting_source_line(sweep));
        snprintf(spec->envs[0], sizeof spec->envs[0], "%s", v);
        spec->n_envs = 1;
        spec->envs_line = config_setting_source_line(config_setting_get_member(sweep, "env"));
    }
    if (config_setting_lookup_string(sweep, "out", &v)) {
        if (!*v || strlen(v) >= sizeof spec->out)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.out: expects a directory name", file,
                               config_setting_source_line(config_setting_get_member(sweep, "out")));
        snprintf(spec->out, sizeof spec->out, "%s", v);
    } else if (config_setting_get_member(sweep, "out")) {
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.out: expects a directory name", file,
                           config_setting_source_line(config_setting_get_member(sweep, "out")));
    }
    return 0;
}

/* sweep.baseline: the setting the others are compared with (probability of
 * improvement); by default "none" if the sweep has it, else the first. */
static int read_baseline(const config_setting_t *sweep, sweep_spec *spec, cdrl_error *err)
{
    const config_setting_t *s = config_setting_get_member(sweep, "baseline");
    const char *name = s ? config_setting_get_string(s) : NULL;
    spec->baseline = 0;
    if (!s) {
        for (int i = 0; i < spec->n_settings; i++)
            if (strcmp(spec->settings[i], "none") == 0)
                spec->baseline = i;
        return 0;
    }
    for (int i = 0; name && i < spec->n_settings; i++)
        if (strcmp(spec->settings[i], name) == 0) {
            spec->baseline = i;
            return 0;
        }
    char list[SWEEP_MAX_SETTINGS * (CDRL_CFG_STR_MAX + 4)] = "";
    size_t used = 0;
    for (int i = 0; i < spec->n_settings && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", spec->settings[i]);
    return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline: expects one of the dropout settings (%s)",
                       spec->file, config_setting_source_line(s), list);
}

/* sweep.baseline_grid = ["key=value", ...]: the grid combination of the
 * baseline, so that every combination's rows are compared with one group
 * (e.g. dropout at beta 0) rather than each with its own. Resolved per agent
 * by resolve_baseline_combo once the axes are known. */
static int read_baseline_grid(const config_setting_t *sweep, sweep_spec *spec, cdrl_error *err)
{
    const config_setting_t *s = config_setting_get_member(sweep, "baseline_grid");
    char texts[SWEEP_MAX_AXES][CDRL_CFG_STR_MAX];
    int n, rc = s ? read_strings(s, "sweep.baseline_grid", spec->file, texts, SWEEP_MAX_AXES, &n, err) : 0;
    for (int i = 0; s && !rc && i < n; i++) {
        int line = config_setting_source_line(config_setting_get_elem(s, (unsigned)i));
        const char *eq = strchr(texts[i], '=');
        if (!eq || eq == texts[i] || !eq[1])
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline_grid[%d] = \"%s\": expected \"key=value\", "
                               "one per grid key, e.g. \"agent.planner.beta=0\"", spec->file, line, i, texts[i]);
        snprintf(spec->baseline_grid[i].text, sizeof spec->baseline_grid[i].text, "%.*s", CDRL_CFG_STR_MAX - 1, texts[i]);
        spec->baseline_grid[i].line = line;
        spec->n_baseline_grid = i + 1;
    }
    return rc;
}

/* sweep.dropout: the settings, each in the one dropout grammar. */
static int read_settings(const config_setting_t *sweep, sweep_spec *spec, cdrl_error *err)
{
    const char *file = spec->file;
    const config_setting_t *s = config_setting_get_member(sweep, "dropout");
    if (!s)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.dropout: missing; e.g. dropout = [\"none\", \"fixed:0.1\", "
                           "\"concrete\"];", file, config_setting_source_line(sweep));
    int rc = read_strings(s, "sweep.dropout", file, spec->settings, SWEEP_MAX_SETTINGS, &spec->n_settings, err);
    if (rc)
        return rc;
    spec->settings_line = config_setting_source_line(s);
    cdrl_dropout_spec parsed[SWEEP_MAX_SETTINGS];
    for (int i = 0; i < spec->n_settings; i++) {
        cdrl_error why;
        int line = config_setting_source_line(config_setting_get_elem(s, (unsigned)i));
        if (cdrl_cfg_validate_dropout(spec->settings[i], &why) ||
            cdrl_dropout_parse(spec->settings[i], CDRL_CONCRETE_DEFAULT_INIT_P, &parsed[i], &why))
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.dropout[%d] = \"%s\": %s", file, line, i,
                               spec->settings[i], why.msg);
        /* "fixed:0.1" and "fixed:0.10" are one setting: one run, not two. */
        for (int j = 0; j < i; j++)
            if (parsed[j].kind == parsed[i].kind && parsed[j].p == parsed[i].p)
                return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.dropout[%d] = \"%s\" is the same setting as "
                                   "sweep.dropout[%d] = \"%s\"; list each setting once", file, line, i,
                                   spec->settings[i], j, spec->settings[j]);
    }
    rc = read_baseline(sweep, spec, err);
    return rc ? rc : read_baseline_grid(sweep, spec, err);
}

/* The combination sweep.baseline_grid names among agent a's: one value,
 * among the axis's own, for every grid key of the agent (keys of other
 * agents' grids are theirs). */
static int resolve_baseline_combo(const sweep_spec *spec, sweep_agent *a, cdrl_error *err)
{
    a->baseline_combo = -1;
    if (spec->n_baseline_grid == 0)
        return 0;
    int chosen[SWEEP_MAX_AXES], line = spec->baseline_grid[0].line;
    for (int k = 0; k < a->n_axes; k++)
        chosen[k] = -1;
    for (int i = 0; i < spec->n_baseline_grid; i++) {
        const sweep_override *b = &spec->baseline_grid[i];
        const char *eq = strchr(b->text, '=');
        int k = 0;
        while (k < a->n_axes && (strlen(a->axes[k].key) != (size_t)(eq - b->text) ||
                                 strncmp(a->axes[k].key, b->text, (size_t)(eq - b->text)) != 0))
            k++;
        if (k == a->n_axes)
            continue; /* another agent's key (check_baseline_grid_keys) */
        if (chosen[k] >= 0)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline_grid: %s is given twice", spec->file, b->line,
                               a->axes[k].key);
        for (int v = 0; v < a->axes[k].n_values && chosen[k] < 0; v++)
            if (same_value(a->axes[k].values[v], eq + 1))
                chosen[k] = v;
        if (chosen[k] < 0)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline_grid[%d] = \"%s\": %s is not one of the "
                               "grid's values of %s", spec->file, b->line, i, b->text, eq + 1, a->axes[k].key);
    }
    int combo = 0;
    for (int k = 0; k < a->n_axes; k++) {
        if (chosen[k] < 0)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline_grid: no value for the grid key %s of agent "
                               "%s; name one value of every grid key", spec->file, line, a->axes[k].key, a->name);
        combo = combo * a->axes[k].n_values + chosen[k]; /* mixed radix, the last axis fastest */
    }
    a->baseline_combo = combo;
    return 0;
}

/* One agent of sweep.agents: the sweep-wide sets and axes, then its own
 * group; its grid's size. */
static int read_agent(const config_t *cfg, sweep_spec *spec, sweep_agent *a, const char *name,
                      const sweep_override *common_sets, int n_common_sets, const sweep_axis *common_axes,
                      int n_common_axes, cdrl_error *err)
{
    const char *file = spec->file;
    const cdrl_agent_def *def;
    cdrl_error why;
    snprintf(a->name, sizeof a->name, "%.*s", CDRL_CFG_STR_MAX - 1, name);
    a->line = spec->agents_line;
    /* An agent that is planned but not built yet may stay in the file:
     * --agent leaves it out, and running it is refused later. */
    int found = cdrl_agent_find(a->name, &def, &why);
    if (found && found != CDRL_EUNAVAIL)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.agents: %s", file, spec->agents_line, why.msg);
    snprintf(a->solve_in, sizeof a->solve_in, "env_steps");
    memcpy(a->sets, common_sets, (size_t)n_common_sets * sizeof *common_sets);
    a->n_sets = n_common_sets;
    memcpy(a->axes, common_axes, (size_t)n_common_axes * sizeof *common_axes);
    a->n_axes = n_common_axes;
    int rc = read_agent_group(cfg, a, file, err);
    rc = rc ? rc : read_agent_envs(cfg, spec, a, err);
    for (int e = 0; !rc && e < spec->n_envs; e++)
        rc = read_pair_group(cfg, a, spec->envs[e], &a->pairs[e], file, err);
    a->n_combos = 1;
    for (int k = 0; !rc && k < a->n_axes; k++) {
        for (int j = 0; j < k; j++)
            if (strcmp(a->axes[j].key, a->axes[k].key) == 0)
                rc = cdrl_errorf(err, CDRL_EINVAL, "%s:%d: grid key %s appears twice for agent %s", file,
                                 a->axes[k].line, a->axes[k].key, a->name);
        a->n_combos *= a->axes[k].n_values;
    }
    rc = rc ? rc : resolve_baseline_combo(spec, a, err);
    if (!rc && (int64_t)a->n_combos * spec->n_settings * spec->n_seeds * spec->n_envs > 100000)
        rc = cdrl_errorf(err, CDRL_EINVAL, "%s: agent %s has %lld points; at most 100000", file, a->name,
                         (long long)a->n_combos * spec->n_settings * spec->n_seeds * spec->n_envs);
    return rc;
}

/* Every key of sweep.baseline_grid is a grid key of some agent. */
static int check_baseline_grid_keys(const sweep_spec *spec, cdrl_error *err)
{
    for (int i = 0; i < spec->n_baseline_grid; i++) {
        const sweep_override *b = &spec->baseline_grid[i];
        size_t len = (size_t)(strchr(b->text, '=') - b->text);
        int found = 0;
        for (int a = 0; a < spec->n_agents && !found; a++)
            for (int k = 0; k < spec->agents[a].n_axes && !found; k++)
                found = strlen(spec->agents[a].axes[k].key) == len && strncmp(spec->agents[a].axes[k].key, b->text, len) == 0;
        if (!found)
            return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.baseline_grid[%d] = \"%s\": %.*s is not a grid key "
                               "of any agent", spec->file, b->line, i, b->text, (int)len, b->text);
    }
    return 0;
}

static int load(const config_t *cfg, sweep_spec *spec, cdrl_error *err)
{
    const char *file = spec->file;
    int rc;
    const config_setting_t *sweep = config_lookup(cfg, "sweep");
    if ((!sweep || !config_setting_is_group(sweep)) && (rc = check_top_level(cfg, spec, file, err)))
        return rc; /* a misspelt "sweep" is named as such */
    if (!sweep || !config_setting_is_group(sweep))
        return cdrl_errorf(err, CDRL_EINVAL, "%s: no sweep group; a sweep file starts with sweep: { env = ...; "
                           "agents = [...]; dropout = [...]; seeds = [...]; };", file);
    if ((rc = check_members(sweep, "sweep", sweep_keys, file, err)) || (rc = read_env_out(sweep, spec, err)) ||
        (rc = check_top_level(cfg, spec, file, err)))
        return rc;

    const config_setting_t *s = config_setting_get_member(sweep, "agents");
    char names[SWEEP_MAX_AGENTS][CDRL_CFG_STR_MAX];
    if (!s)
        return cdrl_errorf(err, CDRL_EINVAL, "%s:%d: sweep.agents: missing; e.g. agents = [\"pg\"];", file,
                           config_setting_source_line(sweep));
    if ((rc = read_strings(s, "sweep.agents", file, names, SWEEP_MAX_AGENTS, &spec->n_agents, err)))
        return rc;
    spec->agents_line = config_setting_source_line(s);
    if ((rc = read_settings(sweep, spec, err)) || (rc = read_seeds(sweep, spec, err)))
        return rc;

    sweep_override common_sets[SWEEP_MAX_SETS];
    sweep_axis *common_axes = calloc(SWEEP_MAX_AXES, sizeof *common_axes);
    int n_common_sets = 0, n_common_axes = 0;
    if (!common_axes)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    if ((s = config_setting_get_member(sweep, "set")))
        rc = read_sets(s, "sweep.set", file, common_sets, &n_common_sets, err);
    if (!rc && (s = config_setting_get_member(sweep, "grid")))
        rc = read_axes(s, "sweep.grid", file, common_axes, &n_common_axes, err);
    for (int i = 0; !rc && i < spec->n_agents; i++)
        rc = read_agent(cfg, spec, &spec->agents[i], names[i], common_sets, n_common_sets, common_axes,
                        n_common_axes, err);
    free(common_axes);
    return rc ? rc : check_baseline_grid_keys(spec, err);
}

int sweep_spec_load(sweep_spec *spec, const char *path, cdrl_error *err)
{
    memset(spec, 0, sizeof *spec);
    if (strlen(path) >= sizeof spec->file)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: path too long", path);
    snprintf(spec->file, sizeof spec->file, "%s", path);
    char *text;
    size_t size;
    int rc = cdrl_read_file(path, (size_t)1 << 20, &text, &size, err);
    if (rc)
        return rc;
    config_t cfg;
    config_init(&cfg);
    if (!config_read_string(&cfg, text)) {
        const char *what = config_error_text(&cfg);
        rc = cdrl_errorf(err, CDRL_EINVAL, "%s:%d: %s", path, config_error_line(&cfg), what ? what : "syntax error");
    } else {
        rc = load(&cfg, spec, err);
    }
    config_destroy(&cfg);
    free(text);
    return rc;
}

int sweep_spec_keep_agents(sweep_spec *spec, const char *const *only, int n_only, cdrl_error *err)
{
    if (n_only == 0)
        return 0;
    for (int k = 0; k < n_only; k++) {
        int found = 0;
        for (int i = 0; i < spec->n_agents; i++)
            found |= strcmp(spec->agents[i].name, only[k]) == 0;
        if (!found)
            return cdrl_errorf(err, CDRL_EINVAL, "--agent %s: %s sweeps no agent %s", only[k], spec->file, only[k]);
    }
    int kept = 0;
    for (int i = 0; i < spec->n_agents; i++) {
        int keep = 0;
        for (int k = 0; k < n_only; k++)
            keep |= strcmp(spec->agents[i].name, only[k]) == 0;
        if (keep && kept != i)
            spec->agents[kept] = spec->agents[i];
        kept += keep;
    }
    spec->n_agents = kept;
    return 0;
}

int sweep_spec_keep_envs(sweep_spec *spec, const char *const *only, int n_only, cdrl_error *err)
{
    if (n_only == 0)
        return 0;
    int keep[SWEEP_MAX_ENVS] = {0};
    for (int k = 0; k < n_only; k++) {
        int found = 0;
        for (int e = 0; e < spec->n_envs; e++)
            if (strcmp(spec->envs[e], only[k]) == 0)
                found = keep[e] = 1;
        if (!found)
            return cdrl_errorf(err, CDRL_EINVAL, "--env %s: %s sweeps no env %s", only[k], spec->file, only[k]);
    }
    int kept = 0;
    for (int e = 0; e < spec->n_envs; e++) {
        if (!keep[e])
            continue;
        if (kept != e) {
            memcpy(spec->envs[kept], spec->envs[e], sizeof spec->envs[0]);
            for (int a = 0; a < spec->n_agents; a++) {
                spec->agents[a].pairs[kept] = spec->agents[a].pairs[e];
                spec->agents[a].on_env[kept] = spec->agents[a].on_env[e];
            }
        }
        kept++;
    }
    spec->n_envs = kept;
    return 0;
}

/* Which value of each axis a combination takes: mixed radix, the last axis fastest. */
static int axis_value(const sweep_agent *agent, int combo, int axis)
{
    for (int k = agent->n_axes - 1; k > axis; k--)
        combo /= agent->axes[k].n_values;
    return combo % agent->axes[axis].n_values;
}

void sweep_combo_overrides(const sweep_agent *agent, int combo, char out[][SWEEP_TEXT_MAX])
{
    for (int k = 0; k < agent->n_axes; k++)
        snprintf(out[k], SWEEP_TEXT_MAX, "%s=%s", agent->axes[k].key, agent->axes[k].values[axis_value(agent, combo, k)]);
}

void sweep_combo_label(const sweep_agent *agent, int combo, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < agent->n_axes && used < size; k++)
        used += (size_t)snprintf(out + used, size - used, "%s%s=%s", k ? " " : "", agent->axes[k].key,
                                 agent->axes[k].values[axis_value(agent, combo, k)]);
}

/* A directory name keeps letters, digits, '.', '-', '+' and '=' (so 1e+300
 * and 1e-300 stay apart); the rest become '-'. Names that still collide are
 * refused by sweep_points. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '-' || *s == '+' || *s == '='))
            *s = '-';
}

/* Two points in one directory would write one run from two processes. */
static int check_distinct_names(const sweep_spec *spec, const sweep_point *p, int n, cdrl_error *err)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(p[i].name, p[j].name) == 0)
                return cdrl_errorf(err, CDRL_EINVAL, "%s: two points would share the run directory %s; make the "
                                   "values differ in letters, digits, '.', '-', '+' or '='", spec->file, p[i].name);
    return 0;
}

/* A point's name and directory: "pg_fixed-0.05_seed3", with the env after
 * the agent when the file lists envs ("pg_acrobot_fixed-0.05_seed3"). */
static int name_point(const sweep_spec *spec, const char *dir, sweep_point *p, cdrl_error *err)
{
    const sweep_agent *agent = &spec->agents[p->agent];
    char setting[CDRL_CFG_STR_MAX], combo[SWEEP_MAX_AXES * SWEEP_TEXT_MAX], env[CDRL_CFG_STR_MAX + 1] = "";
    snprintf(setting, sizeof setting, "%s", spec->settings[p->setting]);
    sanitize(setting);
    sweep_combo_label(agent, p->combo, combo, sizeof combo);
    sanitize(combo);
    if (spec->env_in_names) {
        snprintf(env, sizeof env, "_%s", spec->envs[p->env]);
        sanitize(env + 1);
    }
    int len = snprintf(p->name, sizeof p->name, "%s%s_%s%s%s_seed%lld", agent->name, env, setting,
                       combo[0] ? "_" : "", combo, (long long)spec->seeds[p->seed]);
    int dlen = snprintf(p->dir, sizeof p->dir, "%s/%s/%s", dir, SWEEP_RUNS_DIR, p->name);
    if (len < 0 || (size_t)len >= sizeof p->name || dlen < 0 || (size_t)dlen >= sizeof p->dir)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: a point's directory name is too long (%s)", spec->file, p->name);
    return 0;
}

int sweep_points(const sweep_spec *spec, const char *dir, sweep_point **points, int *n_points, cdrl_error *err)
{
    int n = 0;
    for (int a = 0; a < spec->n_agents; a++)
        for (int e = 0; e < spec->n_envs; e++)
            n += spec->agents[a].on_env[e] * spec->agents[a].n_combos * spec->n_settings * spec->n_seeds;
    sweep_point *p = calloc(n ? (size_t)n : 1, sizeof *p);
    if (!p)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory for %d points", n);
    int i = 0;
    for (int a = 0; a < spec->n_agents; a++)
        for (int e = 0; e < spec->n_envs; e++)
            for (int c = 0; spec->agents[a].on_env[e] && c < spec->agents[a].n_combos; c++)
                for (int s = 0; s < spec->n_settings; s++)
                    for (int k = 0; k < spec->n_seeds; k++, i++) {
                        p[i] = (sweep_point){.agent = a, .env = e, .setting = s, .combo = c, .seed = k};
                        int rc = name_point(spec, dir, &p[i], err);
                        if (rc) {
                            free(p);
                            return rc;
                        }
                    }
    int rc = check_distinct_names(spec, p, n, err);
    if (rc) {
        free(p);
        return rc;
    }
    *points = p;
    *n_points = n;
    return 0;
}
