/* The sweep's summary, computed from its run directories alone: each point's
 * result.cfg (how it ended) and the last row of its metrics.csv (the learned
 * p of every layer). Nothing is kept in memory between runs of the sweep, so
 * a sweep that was stopped, resumed, or run on several machines summarises
 * the same way, and `cdrl sweep --summarize DIR` recomputes it any time.
 *
 * One row per agent, env, grid combination and dropout setting (a table per
 * agent, env and combination): runs solved,
 * the cost of solving (env steps, or real episodes for an agent that counts
 * them) as median and interquartile range over the solved runs, the final
 * return as mean and standard deviation over the finished runs and as the
 * interquartile mean with a 95 % stratified bootstrap interval, the
 * probability that a run of the setting ends with a higher return than a run
 * of the baseline setting (Agarwal et al., NeurIPS 2021), the same two
 * statistics over the cost of solving of every finished run (a run that did
 * not solve counts what it spent: a lower bound on its cost, so a setting
 * that fails is not flattered by leaving its failures out), the final p of
 * each layer, the wall time. Below each table, the compute that the
 * hand-picked grid (every setting but concrete) took against one concrete
 * run: the grid search that learned dropout is meant to make unnecessary. */
#include "sweep.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdrl/shortest.h"
#include "cdrl/viz.h"

#define MAX_P_COLS 32

typedef struct {
    int runs, done, failed, unfinished, solved;
    double *cost;      /* solved runs' cost of solving */
    double *spent;     /* finished runs' cost: of solving, or all they ran */
    double *ret;       /* finished runs' final return */
    double *wall;      /* every run with a result's wall time */
    double steps_total, episodes_total, wall_total;
    int n_cost, n_spent, n_ret, n_wall;
    double p_sum[MAX_P_COLS], p_sq[MAX_P_COLS];
    int p_n[MAX_P_COLS];
} group_stats;

/* The p_* column names met in any run, in order of first appearance. */
typedef struct {
    char names[MAX_P_COLS][64];
    int n;
} p_columns;

static void mean_std(const double *x, int n, double *mean, double *std)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    *mean = n ? s / n : NAN;
    for (int i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *std = n > 1 ? sqrt(ss / (n - 1)) : (n == 1 ? 0.0 : NAN);
}

static int p_column_index(p_columns *cols, const char *name)
{
    for (int i = 0; i < cols->n; i++)
        if (strcmp(cols->names[i], name) == 0)
            return i;
    if (cols->n >= MAX_P_COLS)
        return -1;
    snprintf(cols->names[cols->n], sizeof cols->names[0], "%s", name);
    return cols->n++;
}

/* Adds the last metrics row's p_* values of a finished run. */
static void add_final_p(const char *dir, p_columns *cols, group_stats *g)
{
    char path[CDRL_PATH_MAX];
    struct stat st;
    if (cdrl_path_join(path, sizeof path, dir, CDRL_RUN_METRICS_FILE, NULL) || stat(path, &st) != 0)
        return;
    cdrl_viz_table t;
    if (cdrl_viz_table_load(path, &t, NULL))
        return;
    for (int c = 0; c < t.n_cols && t.n_rows > 0; c++) {
        if (!sweep_is_p_column(t.names[c]))
            continue;
        double v = cdrl_viz_table_get(&t, t.n_rows - 1, c);
        int k = p_column_index(cols, t.names[c]);
        if (k < 0 || !isfinite(v))
            continue;
        g->p_sum[k] += v;
        g->p_sq[k] += v * v;
        g->p_n[k]++;
    }
    cdrl_viz_table_free(&t);
}

static int collect(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int combo,
                   int setting, p_columns *cols, group_stats *g, cdrl_error *err)
{
    memset(g, 0, sizeof *g);
    g->cost = calloc((size_t)spec->n_seeds, sizeof *g->cost);
    g->ret = calloc((size_t)spec->n_seeds, sizeof *g->ret);
    g->wall = calloc((size_t)spec->n_seeds, sizeof *g->wall);
    g->spent = calloc((size_t)spec->n_seeds, sizeof *g->spent);
    if (!g->cost || !g->ret || !g->wall || !g->spent)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    int episodes = strcmp(spec->agents[agent].solve_in, "episodes") == 0;
    for (int i = 0; i < n_points; i++) {
        const sweep_point *p = &points[i];
        if (p->agent != agent || p->combo != combo || p->setting != setting)
            continue;
        sweep_result r;
        g->runs++;
        if (sweep_result_read(p->dir, &r, NULL) != 0)
            r.status = SWEEP_NOT_RUN;
        if (r.status == SWEEP_DONE || r.status == SWEEP_FAILED || r.status == SWEEP_STOPPED) {
            g->wall[g->n_wall++] = r.wall_seconds;
            g->wall_total += r.wall_seconds;
        }
        if (r.status == SWEEP_FAILED)
            g->failed++;
        if (r.status != SWEEP_DONE) {
            g->unfinished += r.status != SWEEP_FAILED;
            continue;
        }
        g->done++;
        g->steps_total += (double)r.env_steps;
        g->episodes_total += (double)r.episodes;
        g->ret[g->n_ret++] = r.final_return;
        /* A solved run stops when it solves (or reports its cost then); an
         * unsolved one spent its whole budget without solving. */
        double cost = episodes ? (double)r.episodes : (double)r.env_steps;
        g->spent[g->n_spent++] = cost;
        if (r.solved) {
            g->solved++;
            g->cost[g->n_cost++] = cost;
        }
        add_final_p(p->dir, cols, g);
    }
    return 0;
}

static void group_free(group_stats *g)
{
    free(g->cost);
    free(g->ret);
    free(g->wall);
    free(g->spent);
}

/* ---- Text ------------------------------------------------------------------ */

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text_buf;

static void put(text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s, b->cap = cap;
    }
}

/* ",value" for the CSV, empty where there is none (NaN). */
static void csv_number(text_buf *b, double v)
{
    if (isfinite(v))
        put(b, ",%s", cdrl_shortest_double(v).text);
    else
        put(b, ",");
}

/* A number for a table: integers plainly, others to 3 significant digits
 * (4 for large ones), NaN as "-". */
static void num(char *out, size_t size, double v)
{
    if (!isfinite(v))
        snprintf(out, size, "-");
    else if (fabs(v) >= 1000 || v == floor(v))
        snprintf(out, size, "%.0f", v);
    else
        snprintf(out, size, "%.3g", v);
}

/* The figures of one row, from a setting's stats. */
typedef struct {
    double med, q1, q3, rmean, rstd, wmed;
    cdrl_interval iqm;     /* final return */
    cdrl_interval improve; /* P(final return > the baseline's) */
    cdrl_interval spent;   /* cost, unsolved runs at what they spent */
    cdrl_interval cheaper; /* P(that cost < the baseline's) */
} row_numbers;

static void put_csv_row(text_buf *csv, const sweep_spec *spec, const sweep_agent *a, int env, const char *label,
                        int s, const group_stats *g, const p_columns *cols, const row_numbers *r)
{
    put(csv, "%s,%s,\"%s\",%s,%d,%d,%d,%d,%d,%s", a->name, spec->envs[env], label, spec->settings[s], g->runs,
        g->done, g->failed, g->unfinished, g->solved, a->solve_in);
    double values[] = {r->med,          r->q1,          r->q3,         r->rmean,          r->rstd,
                       g->steps_total,  g->episodes_total, g->wall_total, r->wmed,        r->iqm.point,
                       r->iqm.lo,       r->iqm.hi,      r->improve.point, r->improve.lo, r->improve.hi,
                       r->spent.point,  r->spent.lo,    r->spent.hi,   r->cheaper.point,  r->cheaper.lo,
                       r->cheaper.hi};
    for (size_t k = 0; k < sizeof values / sizeof *values; k++)
        csv_number(csv, values[k]);
    for (int k = 0; k < cols->n; k++) {
        double m = g->p_n[k] ? g->p_sum[k] / g->p_n[k] : NAN;
        double v = g->p_n[k] > 1 ? (g->p_sq[k] - g->p_n[k] * m * m) / (g->p_n[k] - 1) : 0;
        csv_number(csv, m);
        csv_number(csv, g->p_n[k] ? sqrt(v > 0 ? v : 0) : NAN);
    }
    put(csv, "\n");
}

/* "v [lo – hi]" to `digits` decimals, "-" where there is no value. */
static void interval_text(char *out, size_t size, const cdrl_interval *v, int digits)
{
    if (isfinite(v->point))
        snprintf(out, size, "%.*f [%.*f – %.*f]", digits, v->point, digits, v->lo, digits, v->hi);
    else
        snprintf(out, size, "-");
}

static void put_md_row(text_buf *md, const sweep_spec *spec, int s, int is_baseline, int episodes,
                       const group_stats *g, const p_columns *cols, const row_numbers *r)
{
    char c_med[32], c_q1[32], c_q3[32], r_m[32], r_s[32], w[32], iqm[96], improve[96], spent[96], cheaper[96];
    char p_text[512] = "-";
    num(c_med, sizeof c_med, r->med), num(c_q1, sizeof c_q1, r->q1), num(c_q3, sizeof c_q3, r->q3);
    snprintf(r_m, sizeof r_m, "%.1f", r->rmean), snprintf(r_s, sizeof r_s, "%.1f", r->rstd);
    num(w, sizeof w, r->wmed);
    interval_text(iqm, sizeof iqm, &r->iqm, 1);
    interval_text(spent, sizeof spent, &r->spent, episodes ? 1 : 0);
    if (is_baseline) {
        snprintf(improve, sizeof improve, "(baseline)");
        snprintf(cheaper, sizeof cheaper, "(baseline)");
    } else {
        interval_text(improve, sizeof improve, &r->improve, 2);
        interval_text(cheaper, sizeof cheaper, &r->cheaper, 2);
    }
    if (sweep_setting_is_concrete(spec->settings[s])) {
        size_t used = 0;
        for (int k = 0; k < cols->n && used < sizeof p_text; k++)
            if (g->p_n[k] && g->p_sum[k] != 0)
                used += (size_t)snprintf(p_text + used, sizeof p_text - used, "%s%s %.3f", used ? ", " : "",
                                         cols->names[k] + (cols->names[k][1] == '_' ? 2 : 0), g->p_sum[k] / g->p_n[k]);
    }
    char runs[96];
    int n = snprintf(runs, sizeof runs, "%d", g->runs);
    if (g->failed)
        n += snprintf(runs + n, sizeof runs - (size_t)n, ", %d failed", g->failed);
    if (g->unfinished)
        snprintf(runs + n, sizeof runs - (size_t)n, ", %d unfinished", g->unfinished);
    put(md, "| %s | %d/%d | %s [%s – %s] | %s | %s | %s ± %s | %s | %s | %s | %s | %s |\n", spec->settings[s],
        g->solved, g->done, c_med, c_q1, c_q3, spent, cheaper, g->n_ret ? r_m : "-",
        g->n_ret ? (g->n_ret > 1 ? r_s : "-") : "-", iqm, improve, p_text, w, runs);
}

/* Below a group's table: its failed points with their messages, its plots. */
static void put_failed_and_plots(text_buf *md, const sweep_spec *spec, const sweep_point *points, int n_points,
                                 int agent, int env, int combo, const char *dir)
{
    const sweep_agent *a = &spec->agents[agent];
    for (int i = 0; i < n_points; i++) {
        const sweep_point *p = &points[i];
        sweep_result r;
        if (p->agent != agent || p->combo != combo || sweep_result_read(p->dir, &r, NULL) || r.status != SWEEP_FAILED)
            continue;
        put(md, "\n- failed: `%s`: %s", p->name, r.message);
    }
    char returns[CDRL_PATH_MAX], p_plot[CDRL_PATH_MAX], path[2 * CDRL_PATH_MAX];
    sweep_plot_path(spec, agent, env, combo, "returns", returns, sizeof returns);
    sweep_plot_path(spec, agent, env, combo, "p", p_plot, sizeof p_plot);
    put(md, "\n");
    snprintf(path, sizeof path, "%s/%s", dir, returns);
    if (access(path, F_OK) == 0)
        put(md, "\n![%s on %s: returns](%s)\n", a->name, spec->envs[env], returns);
    snprintf(path, sizeof path, "%s/%s", dir, p_plot);
    if (access(path, F_OK) == 0)
        put(md, "\n![%s on %s: learned p](%s)\n", a->name, spec->envs[env], p_plot);
}

/* One agent, env and grid combination: its rows in both files. `points`
 * are those of the agent on the env. */
static int summarize_group(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int env,
                           int combo, const char *dir, p_columns *cols, text_buf *csv, text_buf *md, cdrl_error *err)
{
    const sweep_agent *a = &spec->agents[agent];
    int episodes = strcmp(a->solve_in, "episodes") == 0;
    char label[SWEEP_MAX_AXES * SWEEP_TEXT_MAX];
    sweep_combo_label(a, combo, label, sizeof label);
    /* With sweep.baseline_grid every combination is compared with one group;
     * without, each with the baseline setting of its own combination. */
    int base_combo = a->baseline_combo >= 0 ? a->baseline_combo : combo;
    put(md, "\n## %s on %s%s%s\n\n", a->name, spec->envs[env], label[0] ? ", " : "", label);
    if (a->baseline_combo >= 0) {
        char base_label[SWEEP_MAX_AXES * SWEEP_TEXT_MAX];
        sweep_combo_label(a, base_combo, base_label, sizeof base_label);
        put(md, "Baseline: %s at %s (sweep.baseline_grid).\n\n", spec->settings[spec->baseline], base_label);
    }
    const char *unit = episodes ? "real episodes" : "env steps";
    const char *base_name = a->baseline_combo >= 0 ? "baseline" : spec->settings[spec->baseline];
    put(md, "| dropout | solved | %s to solve: median [IQR] | %s spent, unsolved at all they ran: IQM [95%% CI] "
            "| P(fewer than %s's) [95%% CI] | final return: mean ± std | final return: IQM [95%% CI] "
            "| P(final return > %s's) [95%% CI] | final p (mean over seeds) | wall s per run: median | runs |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n",
        unit, unit, base_name, base_name);
    double grid_wall = 0, grid_steps = 0, grid_episodes = 0, conc_wall = 0, conc_steps = 0, conc_episodes = 0;
    int grid_runs = 0, conc_runs = 0, grid_settings = 0;
    /* Every setting is read before any row is written: each row compares
     * its final returns with the baseline's. */
    group_stats *all = calloc((size_t)spec->n_settings, sizeof *all);
    if (!all)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    int rc = 0;
    group_stats other_base = {0};
    for (int s = 0; !rc && s < spec->n_settings; s++)
        rc = collect(spec, points, n_points, agent, combo, s, cols, &all[s], err);
    if (!rc && base_combo != combo)
        rc = collect(spec, points, n_points, agent, base_combo, spec->baseline, cols, &other_base, err);
    const group_stats *base = base_combo != combo ? &other_base : &all[spec->baseline];
    for (int s = 0; !rc && s < spec->n_settings; s++) {
        group_stats *g = &all[s];
        row_numbers r;
        double wq1, wq3;
        mean_std(g->ret, g->n_ret, &r.rmean, &r.rstd);
        sweep_iqm_interval(g->ret, g->n_ret, SWEEP_BOOTSTRAP_REPS, &r.iqm);
        sweep_improvement_interval(g->ret, g->n_ret, base->ret, base->n_ret, &r.improve);
        sweep_iqm_interval(g->spent, g->n_spent, SWEEP_BOOTSTRAP_REPS, &r.spent);
        sweep_reduction_interval(g->spent, g->n_spent, base->spent, base->n_spent, &r.cheaper);
        sweep_quartiles(g->cost, g->n_cost, &r.q1, &r.med, &r.q3);
        sweep_quartiles(g->wall, g->n_wall, &wq1, &r.wmed, &wq3);
        put_csv_row(csv, spec, a, env, label, s, g, cols, &r);
        put_md_row(md, spec, s, s == spec->baseline && base_combo == combo, episodes, g, cols, &r);
        if (sweep_setting_is_concrete(spec->settings[s])) {
            conc_wall += g->wall_total, conc_steps += g->steps_total, conc_episodes += g->episodes_total;
            conc_runs += g->done;
        } else {
            grid_wall += g->wall_total, grid_steps += g->steps_total, grid_episodes += g->episodes_total;
            grid_runs += g->done;
            grid_settings++;
        }
    }
    for (int s = 0; s < spec->n_settings; s++)
        group_free(&all[s]);
    group_free(&other_base);
    free(all);
    if (rc)
        return rc;
    if (grid_runs && conc_runs) {
        double one_wall = conc_wall / conc_runs, one_steps = conc_steps / conc_runs;
        put(md, "\nCompute: the hand-picked grid (%d settings other than concrete, %d finished runs) took %.0f s "
                "and %.0f env steps (%.0f episodes); one concrete run takes %.1f s and %.0f env steps on average, "
                "so the grid costs %.1fx the wall time and %.1fx the env steps of one concrete run "
                "(%.1fx and %.1fx per seed).\n",
            grid_settings, grid_runs, grid_wall, grid_steps, grid_episodes, one_wall, one_steps,
            one_wall > 0 ? grid_wall / one_wall : NAN, one_steps > 0 ? grid_steps / one_steps : NAN,
            one_wall > 0 ? grid_wall / one_wall / spec->n_seeds : NAN,
            one_steps > 0 ? grid_steps / one_steps / spec->n_seeds : NAN);
        (void)conc_episodes;
    }
    put_failed_and_plots(md, spec, points, n_points, agent, env, combo, dir);
    return 0;
}

/* The plot of every combination, drawn and linked below the agent's tables. */
static int put_all_combos_plot(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int env,
                               const char *dir, text_buf *md, cdrl_error *err)
{
    char name[CDRL_PATH_MAX], path[2 * CDRL_PATH_MAX];
    int rc = sweep_plot_all_combos(spec, points, n_points, agent, env, dir, err);
    sweep_plot_path(spec, agent, env, -1, "solved", name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!rc && access(path, F_OK) == 0)
        put(md, "\n## %s on %s, every grid combination\n\n![%s on %s: fraction of runs solved](%s)\n",
            spec->agents[agent].name, spec->envs[env], spec->agents[agent].name, spec->envs[env], name);
    return rc;
}

static int write_text(const char *dir, const char *name, const text_buf *b, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    if (b->failed)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory writing %s", name);
    int rc = cdrl_path_join(path, sizeof path, dir, name, err);
    return rc ? rc : cdrl_write_file_atomic(path, b->s ? b->s : "", b->len, err);
}

/* The points of agent a on env e: a run of the list (sweep_points orders
 * them agent, env, ...); *n = 0 if there are none. */
static const sweep_point *pair_points(const sweep_point *points, int n_points, int a, int e, int *n)
{
    int first = 0;
    while (first < n_points && (points[first].agent != a || points[first].env != e))
        first++;
    *n = 0;
    while (first + *n < n_points && points[first + *n].agent == a && points[first + *n].env == e)
        ++*n;
    return points + first;
}

int sweep_summarize(const sweep_spec *spec, const char *dir, char **md_text, cdrl_error *err)
{
    sweep_point *points;
    int n_points, rc = sweep_points(spec, dir, &points, &n_points, err);
    if (rc)
        return rc;
    /* The p columns are known only once every run is read: a first pass
     * collects them, the second writes (the CSV header names them all). */
    p_columns cols = {.n = 0};
    text_buf csv = {0}, md = {0}, scratch_csv = {0}, scratch_md = {0};
    for (int a = 0; !rc && a < spec->n_agents; a++)
        for (int e = 0; e < spec->n_envs; e++) {
            int n;
            const sweep_point *pts = pair_points(points, n_points, a, e, &n);
            for (int c = 0; !rc && n && c < spec->agents[a].n_combos; c++)
                rc = summarize_group(spec, pts, n, a, e, c, dir, &cols, &scratch_csv, &scratch_md, err);
        }
    free(scratch_csv.s);
    free(scratch_md.s);
    put(&csv, "agent,env,grid,dropout,runs,done,failed,unfinished,solved,solve_in,solve_median,solve_q1,solve_q3,"
              "final_return_mean,final_return_std,env_steps_total,episodes_total,wall_seconds_total,"
              "wall_seconds_median,final_return_iqm,final_return_iqm_lo,final_return_iqm_hi,"
              "improvement_vs_baseline,improvement_lo,improvement_hi,spent_iqm,spent_iqm_lo,spent_iqm_hi,"
              "fewer_vs_baseline,fewer_lo,fewer_hi");
    for (int k = 0; k < cols.n; k++)
        put(&csv, ",%s_mean,%s_std", cols.names[k], cols.names[k]);
    put(&csv, "\n");
    put(&md, "# Sweep %s\n\nFrom the run directories under %s/runs (recompute: cdrl sweep --summarize %s).\n"
             "Solved: runs that met the env's solved criterion / runs finished. To solve: over the solved runs. "
             "Final return: the mean return over the env's solved window at the end of each finished run. "
             "Spent: what each finished run cost, solved runs up to their solve, unsolved ones everything they "
             "ran (a lower bound on what solving would cost, so failures count against a setting instead of "
             "dropping out of it); P(fewer): a run of the setting spending less than a run of the baseline. "
             "IQM: the mean of the middle half of the runs; its interval and the probabilities of improvement "
             "(a run of the setting doing better than a run of the baseline, ties counting half) come from "
             "%d bootstrap resamples of the seeds (Agarwal et al., NeurIPS 2021), seed %d, so they are the same "
             "every time.\n",
        spec->file, dir, dir, SWEEP_BOOTSTRAP_REPS, SWEEP_BOOTSTRAP_SEED);
    for (int a = 0; !rc && a < spec->n_agents; a++)
        for (int e = 0; e < spec->n_envs; e++) {
            int n;
            const sweep_point *pts = pair_points(points, n_points, a, e, &n);
            for (int c = 0; !rc && n && c < spec->agents[a].n_combos; c++) {
                rc = sweep_plot_group(spec, pts, n, a, e, c, dir, err);
                if (!rc)
                    rc = summarize_group(spec, pts, n, a, e, c, dir, &cols, &csv, &md, err);
            }
            if (!rc && n && spec->agents[a].baseline_combo >= 0)
                rc = put_all_combos_plot(spec, pts, n, a, e, dir, &md, err);
        }
    rc = rc ? rc : write_text(dir, "summary.csv", &csv, err);
    rc = rc ? rc : write_text(dir, "summary.md", &md, err);
    if (!rc && md_text) {
        *md_text = md.s;
        md.s = NULL;
    }
    free(csv.s);
    free(md.s);
    free(points);
    return rc;
}
