/* The sweep's pictures, drawn with the visualizer's headless canvas: for
 * each agent (and grid combination) the learning curves of every dropout
 * setting and the p that Concrete Dropout learned, each as the interquartile
 * mean over the seeds with its 95 % bootstrap interval as thin lines (the
 * summary's statistic, sweep_iqm_interval, at every point of the x grid).
 *
 * Runs of different seeds end at different points (a run stops when it is
 * solved), so every run is sampled on one shared x grid: its value at x is
 * its latest value at or before x, and after its end it keeps its last one
 * (a solved run stays solved). */
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cdrl/env.h"
#include "cdrl/viz.h"

#define GRID_POINTS 240
#define MAX_LINES 64

/* Letters, digits, '.', '-', '=' kept; the rest '-'. */
static void file_name_part(char *s)
{
    for (char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
              *c == '-' || *c == '='))
            *c = '-';
}

void sweep_plot_path(const sweep_spec *spec, int agent, int env, int combo, const char *what, char *out,
                     size_t size)
{
    const sweep_agent *a = &spec->agents[agent];
    char label[SWEEP_MAX_AXES * SWEEP_TEXT_MAX] = "all", env_name[CDRL_CFG_STR_MAX] = "";
    if (combo >= 0)
        sweep_combo_label(a, combo, label, sizeof label);
    file_name_part(label);
    if (spec->env_in_names) {
        snprintf(env_name, sizeof env_name, "%s", spec->envs[env]);
        file_name_part(env_name);
    }
    snprintf(out, size, "plots/%s%s%s%s%s_%s.png", a->name, env_name[0] ? "_" : "", env_name, label[0] ? "_" : "",
             label, what);
}

/* One run's curve: x ascending, y. */
typedef struct {
    double *x, *y;
    int n;
} curve;

/* Value of a curve at x: its last point at or before x (NaN before its first). */
static double curve_at(const curve *c, double x)
{
    int lo = 0, hi = c->n - 1, best = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c->x[mid] <= x)
            best = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    return best < 0 ? NAN : c->y[best];
}

/* The IQM of the curves on the grid and its interval, into
 * mid/lo/hi[GRID_POINTS]. Fewer resamples than the summary's table: a
 * picture's line moves by less than a pixel. */
#define PLOT_BOOTSTRAP_REPS 500
static void band(const curve *curves, int n, const double *grid, double *lo, double *mid, double *hi)
{
    double vals[SWEEP_MAX_SEEDS];
    for (int g = 0; g < GRID_POINTS; g++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            vals[k++] = curve_at(&curves[i], grid[g]);
        cdrl_interval v;
        sweep_iqm_interval(vals, k, PLOT_BOOTSTRAP_REPS, &v);
        lo[g] = v.lo, mid[g] = v.point, hi[g] = v.hi;
    }
}

/* Reads columns x_name and y_name of dir/file as a curve, y replaced by its
 * trailing running mean over `window` rows when window > 1; rows where
 * either is not finite are dropped. A missing file or column gives an
 * empty curve. */
static int read_curve(const char *dir, const char *file, const char *x_name, const char *y_name, int window,
                      curve *out)
{
    char path[CDRL_PATH_MAX];
    struct stat st;
    memset(out, 0, sizeof *out);
    if (cdrl_path_join(path, sizeof path, dir, file, NULL) || stat(path, &st) != 0)
        return 0;
    cdrl_viz_table t;
    if (cdrl_viz_table_load(path, &t, NULL))
        return 0;
    int cx = cdrl_viz_table_column(&t, x_name), cy = cdrl_viz_table_column(&t, y_name), n = t.n_rows;
    if (cx < 0 || cy < 0 || n == 0) {
        cdrl_viz_table_free(&t);
        return 0;
    }
    double *x = malloc(sizeof *x * (size_t)n), *y = malloc(sizeof *y * (size_t)n);
    double *smooth = malloc(sizeof *smooth * (size_t)n);
    if (!x || !y || !smooth) {
        free(x), free(y), free(smooth);
        cdrl_viz_table_free(&t);
        return CDRL_ENOMEM;
    }
    for (int r = 0; r < n; r++)
        x[r] = cdrl_viz_table_get(&t, r, cx), y[r] = cdrl_viz_table_get(&t, r, cy);
    cdrl_viz_table_free(&t);
    if (window > 1) {
        cdrl_viz_running_mean(y, n, window, smooth);
        memcpy(y, smooth, sizeof *y * (size_t)n);
    }
    free(smooth);
    int kept = 0;
    for (int r = 0; r < n; r++)
        if (isfinite(x[r]) && isfinite(y[r]) && (kept == 0 || x[r] >= x[kept - 1]))
            x[kept] = x[r], y[kept] = y[r], kept++;
    out->x = x, out->y = y, out->n = kept;
    return 0;
}

static void free_curves(curve *c, int n)
{
    for (int i = 0; i < n; i++)
        free(c[i].x), free(c[i].y);
}

/* The curves of the finished runs of one setting; returns how many. */
static int setting_curves(const sweep_point *points, int n_points, int agent, int combo, int setting,
                          const char *file, const char *const *x_names, const char *y_name, int window, curve *out)
{
    int n = 0;
    for (int i = 0; i < n_points; i++) {
        const sweep_point *p = &points[i];
        sweep_result r;
        if (!sweep_point_finished(p, agent, combo, setting, &r))
            continue;
        for (int k = 0; x_names[k]; k++) {
            if (read_curve(p->dir, file, x_names[k], y_name, window, &out[n]) == 0 && out[n].n > 0) {
                n++;
                break;
            }
            free_curves(&out[n], 1);
            memset(&out[n], 0, sizeof out[n]);
        }
    }
    return n;
}

/* The series of a plot and the arrays they point to. */
typedef struct {
    cdrl_viz_series series[3 * MAX_LINES];
    double *arrays[3 * MAX_LINES];
    char labels[MAX_LINES][96];
    int n_series, n_arrays, n_lines;
    double grid[GRID_POINTS];
} plot_lines;

static void plot_lines_free(plot_lines *pl)
{
    for (int i = 0; i < pl->n_arrays; i++)
        free(pl->arrays[i]);
}

/* Adds the IQM (labelled) and its interval (thin) of `curves` as one line. */
static int add_band(plot_lines *pl, const curve *curves, int n, const char *label, uint32_t color)
{
    if (pl->n_lines >= MAX_LINES)
        return 0;
    double *q[3];
    for (int k = 0; k < 3; k++) {
        q[k] = malloc(sizeof(double) * GRID_POINTS);
        if (!q[k]) {
            for (int j = 0; j < k; j++)
                free(q[j]);
            return CDRL_ENOMEM;
        }
        pl->arrays[pl->n_arrays++] = q[k];
    }
    band(curves, n, pl->grid, q[0], q[1], q[2]);
    snprintf(pl->labels[pl->n_lines], sizeof pl->labels[0], "%s (%d run%s)", label, n, n == 1 ? "" : "s");
    pl->series[pl->n_series++] = (cdrl_viz_series){pl->labels[pl->n_lines], pl->grid, q[1], GRID_POINTS, color,
                                                   CDRL_VIZ_SOLID};
    pl->series[pl->n_series++] = (cdrl_viz_series){NULL, pl->grid, q[0], GRID_POINTS, color, CDRL_VIZ_THIN};
    pl->series[pl->n_series++] = (cdrl_viz_series){NULL, pl->grid, q[2], GRID_POINTS, color, CDRL_VIZ_THIN};
    pl->n_lines++;
    return 0;
}

static void set_grid(plot_lines *pl, const curve *curves, int n)
{
    double xmax = 0;
    for (int i = 0; i < n; i++)
        if (curves[i].n)
            xmax = fmax(xmax, curves[i].x[curves[i].n - 1]);
    for (int g = 0; g < GRID_POINTS; g++)
        pl->grid[g] = xmax * g / (GRID_POINTS - 1);
}

static int draw(const char *dir, const char *name, const cdrl_viz_plot_spec *spec, cdrl_error *err)
{
    char path[CDRL_PATH_MAX];
    cdrl_viz_canvas *canvas;
    int rc = cdrl_path_join(path, sizeof path, dir, name, err);
    rc = rc ? rc : cdrl_viz_canvas_create(1100, 650, &canvas, err);
    if (rc)
        return rc;
    cdrl_viz_draw_plot(canvas, (cdrl_viz_rect){0, 0, 1100, 650}, spec, NULL);
    rc = cdrl_viz_canvas_write_png(canvas, path, err);
    cdrl_viz_canvas_free(canvas);
    return rc;
}

/* The p_* columns of the first finished concrete run that are not all zero. */
static int p_column_names(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int combo,
                          char names[][64], int max)
{
    for (int i = 0; i < n_points; i++) {
        const sweep_point *p = &points[i];
        sweep_result r;
        char path[CDRL_PATH_MAX];
        cdrl_viz_table t;
        if (p->agent != agent || p->combo != combo || !sweep_setting_is_concrete(spec->settings[p->setting]) ||
            sweep_result_read(p->dir, &r, NULL) || r.status != SWEEP_DONE ||
            cdrl_path_join(path, sizeof path, p->dir, CDRL_RUN_METRICS_FILE, NULL) ||
            cdrl_viz_table_load(path, &t, NULL))
            continue;
        int n = 0;
        for (int c = 0; c < t.n_cols && n < max; c++) {
            if (!sweep_is_p_column(t.names[c]))
                continue;
            int nonzero = 0;
            for (int row = 0; row < t.n_rows && !nonzero; row++)
                nonzero = cdrl_viz_table_get(&t, row, c) != 0;
            if (nonzero)
                snprintf(names[n++], 64, "%s", t.names[c]);
        }
        cdrl_viz_table_free(&t);
        return n;
    }
    return 0;
}

/* One agent and axes combination, and the buffers its two plots share. */
typedef struct {
    const sweep_spec *spec;
    const sweep_point *points;
    int n_points, agent, env, combo; /* points: the agent's on the env */
    const char *dir;
    int episodes;                  /* x is real episodes, not env steps */
    char label[SWEEP_MAX_AXES * SWEEP_TEXT_MAX];
    char title[4096];
    curve *curves;                 /* n_seeds * n_settings + 1 */
    plot_lines *pl;
} plot_group;

/* The env's solved line and window, when the env can be made here. */
static void env_solved(const char *env_name, double *solved, int *window)
{
    cdrl_env *env;
    *solved = NAN;
    *window = 100;
    if (cdrl_env_create(env_name, &env, NULL) != 0)
        return;
    *solved = cdrl_env_spec_of(env)->solved_threshold;
    if (cdrl_env_spec_of(env)->solved_window > 0)
        *window = cdrl_env_spec_of(env)->solved_window;
    cdrl_env_free(env);
}

/* Returns: the running mean over the solved window, one line per setting. */
static int plot_returns(plot_group *g, cdrl_error *err)
{
    const sweep_spec *spec = g->spec;
    double solved;
    int window, rc = 0;
    env_solved(spec->envs[g->env], &solved, &window);
    const char *ep_x[] = {g->episodes ? "episode" : "env_steps", NULL};
    int counts[SWEEP_MAX_SETTINGS], total = 0;
    for (int s = 0; s < spec->n_settings; s++) {
        counts[s] = setting_curves(g->points, g->n_points, g->agent, g->combo, s, CDRL_RUN_EPISODES_FILE, ep_x,
                                   "return", window, g->curves + total);
        total += counts[s];
    }
    set_grid(g->pl, g->curves, total);
    for (int s = 0, at = 0; !rc && s < spec->n_settings; at += counts[s], s++)
        if (counts[s])
            rc = add_band(g->pl, g->curves + at, counts[s], spec->settings[s], cdrl_viz_palette(s));
    free_curves(g->curves, total);
    snprintf(g->title, sizeof g->title, "%s on %s%s%s: return (mean of last %d episodes), IQM and 95%% CI over seeds",
             spec->agents[g->agent].name, spec->envs[g->env], g->label[0] ? ", " : "", g->label, window);
    cdrl_viz_plot_spec ps = {.title = g->title, .x_label = g->episodes ? "real episodes" : "env steps",
                             .y_label = "return", .series = g->pl->series, .n_series = g->pl->n_series,
                             .has_hline = isfinite(solved), .hline_y = solved, .hline_label = "solved"};
    char name[CDRL_PATH_MAX];
    sweep_plot_path(spec, g->agent, g->env, g->combo, "returns", name, sizeof name);
    if (!rc && total) /* nothing finished yet: no picture */
        rc = draw(g->dir, name, &ps, err);
    plot_lines_free(g->pl);
    return rc;
}

/* p over training: every layer of every concrete setting. */
static int plot_p(plot_group *g, cdrl_error *err)
{
    const sweep_spec *spec = g->spec;
    const char *metrics_x[] = {g->episodes ? "episode" : "env_steps", "episodes", NULL};
    char cols[16][64];
    int rc = 0, total = 0;
    int n_cols = p_column_names(spec, g->points, g->n_points, g->agent, g->combo, cols, 16);
    memset(g->pl, 0, sizeof *g->pl);
    for (int s = 0; !rc && n_cols && s < spec->n_settings; s++) {
        if (!sweep_setting_is_concrete(spec->settings[s]))
            continue;
        for (int k = 0; k < n_cols; k++) {
            int n = setting_curves(g->points, g->n_points, g->agent, g->combo, s, CDRL_RUN_METRICS_FILE, metrics_x,
                                   cols[k], 1, g->curves + total);
            if (g->pl->n_lines == 0 && n)
                set_grid(g->pl, g->curves + total, n);
            char what[160];
            snprintf(what, sizeof what, "%s %s", spec->settings[s], cols[k]);
            if (n && !rc)
                rc = add_band(g->pl, g->curves + total, n, what, cdrl_viz_palette(k));
            free_curves(g->curves + total, n);
        }
    }
    if (!rc && g->pl->n_lines) {
        snprintf(g->title, sizeof g->title, "%s on %s%s%s: learned dropout rate p per layer, IQM and 95%% CI over seeds",
                 spec->agents[g->agent].name, spec->envs[g->env], g->label[0] ? ", " : "", g->label);
        cdrl_viz_plot_spec pp = {.title = g->title, .x_label = g->episodes ? "real episodes" : "env steps",
                                 .y_label = "p", .series = g->pl->series, .n_series = g->pl->n_series,
                                 .fix_y_min = 1, .y_min = 0};
        char name[CDRL_PATH_MAX];
        sweep_plot_path(spec, g->agent, g->env, g->combo, "p", name, sizeof name);
        rc = draw(g->dir, name, &pp, err);
    }
    plot_lines_free(g->pl);
    return rc;
}

int sweep_plot_group(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int env,
                     int combo, const char *dir, cdrl_error *err)
{
    char plots[CDRL_PATH_MAX];
    int rc = cdrl_path_join(plots, sizeof plots, dir, "plots", err);
    if (rc || ((rc = cdrl_run_dir_prepare(plots, err))))
        return rc;
    plot_group *g = calloc(1, sizeof *g);
    if (!g)
        return cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    *g = (plot_group){.spec = spec, .points = points, .n_points = n_points, .agent = agent, .env = env, .combo = combo,
                      .dir = dir, .episodes = strcmp(spec->agents[agent].solve_in, "episodes") == 0};
    sweep_combo_label(&spec->agents[agent], combo, g->label, sizeof g->label);
    g->curves = calloc((size_t)spec->n_seeds * spec->n_settings + 1, sizeof *g->curves);
    g->pl = calloc(1, sizeof *g->pl);
    if (!g->curves || !g->pl)
        rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    rc = rc ? rc : plot_returns(g, err);
    rc = rc ? rc : plot_p(g, err);
    free(g->pl);
    free(g->curves);
    free(g);
    return rc;
}

/* A line's label in the plot of every combination: the setting, then each
 * axis as the last part of its key and the value ("concrete beta=0.0"). */
static void short_combo_label(const sweep_spec *spec, const sweep_agent *a, int combo, int setting, char *out,
                              size_t size)
{
    char overrides[SWEEP_MAX_AXES][SWEEP_TEXT_MAX];
    sweep_combo_overrides(a, combo, overrides);
    size_t used = (size_t)snprintf(out, size, "%s", spec->settings[setting]);
    for (int k = 0; k < a->n_axes && used < size; k++) {
        const char *dot = strrchr(a->axes[k].key, '.');
        size_t skip = dot ? (size_t)(dot + 1 - a->axes[k].key) : 0;
        used += (size_t)snprintf(out + used, size - used, " %s", overrides[k] + skip);
    }
}

/* The cost of solving of every finished run of one group (NaN: not
 * solved) into cost[]; returns how many finished. */
static int group_costs(const sweep_point *points, int n_points, int agent, int combo, int setting, int episodes,
                       double *cost)
{
    int n = 0;
    for (int i = 0; i < n_points; i++) {
        const sweep_point *p = &points[i];
        sweep_result r;
        if (!sweep_point_finished(p, agent, combo, setting, &r))
            continue;
        cost[n++] = !r.solved ? NAN : episodes ? (double)r.episodes : (double)r.env_steps;
    }
    return n;
}

int sweep_plot_all_combos(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int env,
                          const char *dir, cdrl_error *err)
{
    const sweep_agent *a = &spec->agents[agent];
    int episodes = strcmp(a->solve_in, "episodes") == 0, rc = 0;
    int n_groups = a->n_combos * spec->n_settings;
    double *cost = malloc(sizeof *cost * (size_t)spec->n_seeds * (size_t)n_groups + 1);
    int *counts = calloc((size_t)n_groups, sizeof *counts);
    plot_lines *pl = calloc(1, sizeof *pl);
    char *title = malloc(1024);
    if (!cost || !counts || !pl || !title)
        rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
    double xmax = 0;
    for (int g = 0; !rc && g < n_groups; g++) {
        counts[g] = group_costs(points, n_points, agent, g / spec->n_settings, g % spec->n_settings, episodes,
                                cost + (size_t)g * spec->n_seeds);
        for (int k = 0; k < counts[g]; k++)
            if (isfinite(cost[(size_t)g * spec->n_seeds + k]))
                xmax = fmax(xmax, cost[(size_t)g * spec->n_seeds + k]);
    }
    for (int i = 0; !rc && i < GRID_POINTS; i++)
        pl->grid[i] = xmax * i / (GRID_POINTS - 1);
    /* A colour per combination; with several settings, the first dashed. */
    for (int g = 0; !rc && g < n_groups && pl->n_lines < MAX_LINES; g++) {
        if (!counts[g])
            continue;
        double *y = malloc(sizeof *y * GRID_POINTS);
        if (!y) {
            rc = cdrl_errorf(err, CDRL_ENOMEM, "out of memory");
            break;
        }
        pl->arrays[pl->n_arrays++] = y;
        const double *c = cost + (size_t)g * spec->n_seeds;
        for (int i = 0; i < GRID_POINTS; i++) {
            int solved = 0;
            for (int k = 0; k < counts[g]; k++)
                solved += isfinite(c[k]) && c[k] <= pl->grid[i] + 1e-9;
            y[i] = (double)solved / counts[g];
        }
        int combo = g / spec->n_settings, setting = g % spec->n_settings;
        char label[80];
        short_combo_label(spec, a, combo, setting, label, sizeof label);
        snprintf(pl->labels[pl->n_lines], sizeof pl->labels[0], "%s (%d run%s)", label, counts[g],
                 counts[g] == 1 ? "" : "s");
        pl->series[pl->n_series++] = (cdrl_viz_series){pl->labels[pl->n_lines], pl->grid, y, GRID_POINTS,
                                                       cdrl_viz_palette(combo),
                                                       spec->n_settings > 1 && setting == 0 ? CDRL_VIZ_DASHED
                                                                                           : CDRL_VIZ_SOLID};
        pl->n_lines++;
    }
    char name[CDRL_PATH_MAX];
    if (!rc && pl->n_lines) { /* nothing finished yet: no picture */
        snprintf(title, 1024, "%s on %s: fraction of runs solved within x %s", a->name, spec->envs[env],
                 episodes ? "real episodes" : "env steps");
        cdrl_viz_plot_spec ps = {.title = title, .x_label = episodes ? "real episodes" : "env steps",
                                 .y_label = "fraction solved", .series = pl->series, .n_series = pl->n_series,
                                 .fix_y_min = 1, .y_min = 0};
        sweep_plot_path(spec, agent, env, -1, "solved", name, sizeof name);
        rc = draw(dir, name, &ps, err);
    }
    if (pl)
        plot_lines_free(pl);
    free(pl), free(counts), free(cost), free(title);
    return rc;
}
