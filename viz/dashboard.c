/* The whole picture of a run (or of several, overlaid): the CartPole panel
 * and the curves the toolkit is about, namely episode returns, the dropout
 * rate p each Concrete-Dropout layer learned, and the epistemic spread; and,
 * when a run logs them, the reliability diagram of its model's predictive
 * and what its planner expected (beta-weighted score, particle spread). The
 * same function draws the PNG, the replay window and the live window. */
#include "cdrl/metric_names.h"
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 48
#define BACKDROP 0xF2F2F2u

static const uint32_t palette[] = {0x1F77B4u, 0xFF7F0Eu, 0x2CA02Cu, 0xD62728u, 0x9467BDu,
                                   0x8C564Bu, 0xE377C2u, 0x7F7F7Fu, 0xBCBD22u, 0x17BECFu};
#define PALETTE_N ((int)(sizeof palette / sizeof palette[0]))

uint32_t cdrl_viz_palette(int k)
{
    return palette[(k < 0 ? -k : k) % PALETTE_N];
}

cdrl_viz_dashboard_options cdrl_viz_dashboard_defaults(void)
{
    return (cdrl_viz_dashboard_options){475.0, 100};
}

/* Everything a set of plots borrows while it is drawn: columns copied out
 * of the tables (they are row-major) and the legend labels. */
typedef struct {
    double *columns[MAX_SERIES * 2];
    int n_columns;
    char labels[MAX_SERIES][96];
    cdrl_viz_series series[MAX_SERIES];
    int n_series;
} plot_data;

static void plot_data_free(plot_data *d)
{
    for (int i = 0; i < d->n_columns; i++)
        free(d->columns[i]);
    d->n_columns = 0;
    d->n_series = 0;
}

static double *keep_column(plot_data *d, double *col)
{
    if (!col || d->n_columns == MAX_SERIES * 2) {
        free(col);
        return NULL;
    }
    d->columns[d->n_columns++] = col;
    return col;
}

static double *copy_column(plot_data *d, const cdrl_viz_table *t, int c)
{
    if (t->n_rows == 0)
        return NULL;
    double *v = malloc(sizeof *v * (size_t)t->n_rows);
    if (v)
        for (int r = 0; r < t->n_rows; r++)
            v[r] = c >= 0 ? cdrl_viz_table_get(t, r, c) : r + 1; /* c < 0: the row number */
    return keep_column(d, v);
}

void cdrl_viz_running_mean(const double *y, int n, int window, double *out)
{
    double sum = 0;
    int count = 0;
    if (window < 1)
        window = 1;
    for (int i = 0; i < n; i++) {
        if (isfinite(y[i]))
            sum += y[i], count++;
        if (i >= window && isfinite(y[i - window]))
            sum -= y[i - window], count--;
        out[i] = count ? sum / count : NAN;
    }
}

static double *running_mean(plot_data *d, const double *y, int n, int window)
{
    double *m = malloc(sizeof *m * (size_t)(n > 0 ? n : 1));
    if (m)
        cdrl_viz_running_mean(y, n, window, m);
    return keep_column(d, m);
}

static void add_series(plot_data *d, const char *label, const double *x, const double *y, int n, uint32_t color,
                       int style)
{
    if (d->n_series == MAX_SERIES || !y || n <= 0)
        return;
    cdrl_viz_series *s = &d->series[d->n_series];
    if (label) {
        snprintf(d->labels[d->n_series], sizeof d->labels[0], "%s", label);
        s->label = d->labels[d->n_series];
    } else {
        s->label = NULL;
    }
    s->x = x;
    s->y = y;
    s->n = n;
    s->color = color;
    s->style = style;
    d->n_series++;
}

static uint32_t lighten(uint32_t c, double amount)
{
    uint32_t out = 0;
    for (int s = 0; s <= 16; s += 8) {
        double v = (c >> s & 0xFF) * (1 - amount) + 255 * amount;
        out |= (uint32_t)lround(v) << s;
    }
    return out;
}

/* The column metric curves are plotted against: the first of these names a
 * run's metrics have; the row number otherwise. */
static int x_column(const cdrl_viz_table *t, const char **name)
{
    static const char *candidates[] = {"env_steps", "buffer_size", "episodes", "episode", "update"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        int c = cdrl_viz_table_column(t, candidates[i]);
        if (c >= 0) {
            *name = candidates[i];
            return c;
        }
    }
    *name = "update";
    return -1;
}

static void short_name(char *out, size_t n, const char *name)
{
    size_t len = strlen(name);
    if (len <= 22)
        snprintf(out, n, "%s", name);
    else /* the end of a run name (seed, time) tells runs apart best */
        snprintf(out, n, "..%s", name + len - 20);
}

/* Episode returns of each run: the raw returns faint, the running mean
 * strong. All the faint curves go first so that no run's raw returns cover
 * another run's mean. */
static void returns_plot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_viz_run *runs, int n_runs,
                         const cdrl_viz_dashboard_options *opts)
{
    plot_data d = {0};
    const char *x_label = "episode";
    int window = opts->running_mean > 0 ? opts->running_mean : 100;
    const double *xs[MAX_SERIES], *ys[MAX_SERIES];
    int ns[MAX_SERIES], from_episodes[MAX_SERIES];
    int n_curves = n_runs < MAX_SERIES ? n_runs : MAX_SERIES;
    for (int k = 0; k < n_curves; k++) {
        const cdrl_viz_run *run = &runs[k];
        ns[k] = 0;
        xs[k] = ys[k] = NULL;
        from_episodes[k] = 0;
        int rc = cdrl_viz_table_column(&run->episodes, "return");
        if (rc < 0)
            rc = cdrl_viz_table_column(&run->episodes, "episode_return");
        int mc = cdrl_viz_table_column(&run->metrics, "return_mean");
        if (rc >= 0 && run->episodes.n_rows > 0) {
            xs[k] = copy_column(&d, &run->episodes, cdrl_viz_table_column(&run->episodes, "episode"));
            ys[k] = copy_column(&d, &run->episodes, rc);
            ns[k] = run->episodes.n_rows;
            from_episodes[k] = 1;
            add_series(&d, NULL, xs[k], ys[k], ns[k], lighten(palette[k % PALETTE_N], n_runs > 1 ? 0.75 : 0.6),
                       CDRL_VIZ_THIN);
        } else if (mc >= 0 && run->metrics.n_rows > 0) {
            /* no episodes.csv: the per-update mean return of the metrics */
            const char *xname;
            xs[k] = copy_column(&d, &run->metrics, x_column(&run->metrics, &xname));
            ys[k] = copy_column(&d, &run->metrics, mc);
            ns[k] = run->metrics.n_rows;
            from_episodes[k] = 0;
            x_label = xname;
        }
        if (!xs[k] || !ys[k])
            ns[k] = 0;
    }
    for (int k = 0; k < n_curves; k++) {
        if (ns[k] == 0)
            continue;
        char name[32], label[96];
        short_name(name, sizeof name, runs[k].name);
        if (n_runs > 1)
            snprintf(label, sizeof label, "%s", name);
        else if (from_episodes[k])
            snprintf(label, sizeof label, "mean of last %d", window);
        else
            snprintf(label, sizeof label, "return_mean");
        const double *y = from_episodes[k] ? running_mean(&d, ys[k], ns[k], window) : ys[k];
        add_series(&d, label, xs[k], y, ns[k], palette[k % PALETTE_N], CDRL_VIZ_SOLID);
    }
    char solved[48];
    snprintf(solved, sizeof solved, "solved (%g)", opts->solved_return);
    cdrl_viz_plot_spec spec = {"Episode return", x_label, "return", d.series, d.n_series,
                               isfinite(opts->solved_return), opts->solved_return, solved, 1, 0.0, NULL};
    cdrl_viz_draw_plot(canvas, r, &spec, NULL);
    plot_data_free(&d);
}


/* 1 when every value of column c is zero: the p of a layer without dropout. */
static int column_all_zero(const cdrl_viz_table *t, int c)
{
    for (int row = 0; row < t->n_rows; row++)
        if (cdrl_viz_table_get(t, row, c) != 0.0)
            return 0;
    return 1;
}

/* One plot of every metrics column `pick` accepts, across runs: in a single
 * run each column gets its own colour; overlaid, a run keeps one colour and
 * its columns differ by line style. */
static void metric_plot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_viz_run *runs, int n_runs,
                        int (*pick)(const char *), const char *title, const char *y_label, int from_zero,
                        const char *empty_text)
{
    static const int styles[] = {CDRL_VIZ_SOLID, CDRL_VIZ_DASHED, CDRL_VIZ_THIN, CDRL_VIZ_POINTS};
    plot_data d = {0};
    const char *x_label = "update";
    for (int k = 0; k < n_runs; k++) {
        const cdrl_viz_table *t = &runs[k].metrics;
        if (t->n_rows == 0)
            continue;
        const char *xname;
        double *x = copy_column(&d, t, x_column(t, &xname));
        x_label = xname;
        char name[32];
        short_name(name, sizeof name, runs[k].name);
        int j = 0;
        for (int c = 0; c < t->n_cols; c++) {
            /* Layers without dropout log p = 0; a flat line at zero says nothing. */
            if (!pick(t->names[c]) || (pick == cdrl_metric_is_p && column_all_zero(t, c)))
                continue;
            char label[96];
            uint32_t color;
            int style;
            if (n_runs == 1) {
                snprintf(label, sizeof label, "%s", t->names[c]);
                color = palette[j % PALETTE_N];
                style = CDRL_VIZ_SOLID;
            } else {
                snprintf(label, sizeof label, "%s %s", name, t->names[c]);
                color = palette[k % PALETTE_N];
                style = styles[j % 4];
            }
            add_series(&d, label, x, copy_column(&d, t, c), t->n_rows, color, style);
            j++;
        }
    }
    cdrl_viz_plot_spec spec = {title, x_label, y_label, d.series, d.n_series, 0, 0, NULL, from_zero, 0.0, empty_text};
    cdrl_viz_draw_plot(canvas, r, &spec, NULL);
    plot_data_free(&d);
}

/* 1 when some run's metrics have a column `pick` accepts. */
static int any_column(const cdrl_viz_run *runs, int n_runs, int (*pick)(const char *))
{
    for (int k = 0; k < n_runs; k++)
        for (int c = 0; c < runs[k].metrics.n_cols; c++)
            if (runs[k].metrics.n_rows > 0 && pick(runs[k].metrics.names[c]))
                return 1;
    return 0;
}

static int is_cal_cover(const char *name)
{
    int epi;
    double level;
    return cdrl_metric_cal_cover_level(name, &epi, &level);
}

/* The reliability diagram: observed against expected coverage of the
 * central intervals, from each run's last metrics row (its latest refit),
 * the full predictive solid and the epistemic part alone dashed, beside the
 * diagonal a calibrated model would follow. */
static void reliability_plot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_viz_run *runs, int n_runs)
{
    static const double ideal[2] = {0.0, 1.0};
    plot_data d = {0};
    add_series(&d, "ideal", ideal, ideal, 2, 0x999999u, CDRL_VIZ_DASHED);
    for (int k = 0; k < n_runs; k++) {
        const cdrl_viz_table *t = &runs[k].metrics;
        if (t->n_rows == 0)
            continue;
        char name[32];
        short_name(name, sizeof name, runs[k].name);
        for (int epi = 0; epi < 2; epi++) {
            double *x = keep_column(&d, malloc(sizeof(double) * (t->n_cols + 2)));
            double *y = keep_column(&d, malloc(sizeof(double) * (t->n_cols + 2)));
            if (!x || !y)
                break;
            int n = 0;
            x[n] = y[n] = 0.0, n++;
            for (int c = 0; c < t->n_cols; c++) {
                int is_epi;
                double level;
                if (cdrl_metric_cal_cover_level(t->names[c], &is_epi, &level) && is_epi == epi)
                    x[n] = level, y[n] = cdrl_viz_table_get(t, t->n_rows - 1, c), n++;
            }
            x[n] = y[n] = 1.0, n++;
            if (n == 2)
                continue;
            const char *what = epi ? "epistemic only" : "epistemic + aleatoric";
            char label[96];
            if (n_runs > 1)
                snprintf(label, sizeof label, "%s %s", name, epi ? "epi" : "full");
            else
                snprintf(label, sizeof label, "%s", what);
            uint32_t color = palette[(n_runs > 1 ? k : epi) % PALETTE_N];
            add_series(&d, label, x, y, n, color, epi ? CDRL_VIZ_DASHED : CDRL_VIZ_SOLID);
        }
    }
    cdrl_viz_plot_spec spec = {"Reliability (last refit)", "expected coverage", "observed", d.series,
                               d.n_series, 0, 0, NULL, 1, 0.0, NULL};
    cdrl_viz_draw_plot(canvas, r, &spec, NULL);
    plot_data_free(&d);
}

/* What one run's spread is over: "ensemble:K" (its members, no dropout),
 * "ensemble:K + MC dropout", or "MC dropout" (pg, mb's default). */
static void spread_source(const cdrl_viz_run *run, char *buf, size_t size)
{
    if (strncmp(run->uncertainty, "ensemble:", 9) == 0)
        snprintf(buf, size, "%s%s", run->uncertainty, run->no_dropout ? "" : " + MC dropout");
    else
        snprintf(buf, size, "MC dropout");
}

void viz_spread_title(const cdrl_viz_run *runs, int n_runs, char *buf, size_t size)
{
    char first[64], other[64];
    spread_source(&runs[0], first, sizeof first);
    for (int k = 1; k < n_runs; k++) {
        spread_source(&runs[k], other, sizeof other);
        if (strcmp(first, other) != 0) {
            snprintf(buf, size, "Epistemic spread (MC dropout or ensembles)");
            return;
        }
    }
    snprintf(buf, size, "Epistemic spread (%s)", first);
}

const char *viz_p_empty_text(const cdrl_viz_run *runs, int n_runs)
{
    for (int k = 0; k < n_runs; k++)
        if (!runs[k].no_dropout)
            return NULL;
    return n_runs > 0 ? "no dropout" : NULL;
}

void viz_dashboard_layout(int w, int h, int has_status, int has_view, viz_dashboard_cells *cells)
{
    int status_h = has_status ? 30 : 0;
    int gap = 8;
    int pw = (w - 3 * gap) / 2, ph = (h - status_h - 3 * gap) / 2;
    cells->cartpole = (cdrl_viz_rect){gap, gap, pw, ph};
    cells->returns = (cdrl_viz_rect){2 * gap + pw, gap, pw, ph};
    if (!has_view) /* no env to show: the returns get the whole top row */
        cells->returns = (cdrl_viz_rect){gap, gap, w - 2 * gap, ph};
    cells->rates = (cdrl_viz_rect){gap, 2 * gap + ph, pw, ph};
    cells->spread = (cdrl_viz_rect){2 * gap + pw, 2 * gap + ph, pw, ph};
    cells->status = (cdrl_viz_rect){0, h - status_h, w, status_h};
}

static cdrl_viz_rect inset(cdrl_viz_rect r, int by)
{
    return (cdrl_viz_rect){r.x + by, r.y + by, r.w - 2 * by, r.h - 2 * by};
}

void viz_dashboard_status(cdrl_viz_canvas *canvas, cdrl_viz_rect cell, const char *status)
{
    cdrl_viz_fill_rect(canvas, cell, BACKDROP);
    cdrl_viz_text(canvas, cell.x + 8, cell.y + 8, 2, VIZ_INK, status);
}

int cdrl_viz_draw_dashboard(cdrl_viz_canvas *canvas, const cdrl_viz_run *runs, int n_runs,
                            const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                            const cdrl_viz_dashboard_options *opts, const char *status, cdrl_error *err)
{
    cdrl_viz_dashboard_options defaults = cdrl_viz_dashboard_defaults();
    if (!opts)
        opts = &defaults;
    viz_dashboard_cells cells;
    viz_dashboard_layout(cdrl_viz_canvas_width(canvas), cdrl_viz_canvas_height(canvas), status != NULL,
                         view != NULL, &cells);
    cdrl_viz_fill(canvas, BACKDROP);
    if (view && cdrl_viz_draw_env(canvas, cells.cartpole, view, ghosts, n_ghosts, err))
        return err ? err->code : CDRL_EINVAL;
    cdrl_viz_fill_rect(canvas, cells.returns, 0xFFFFFFu);
    returns_plot(canvas, inset(cells.returns, 6), runs, n_runs, opts);
    /* Runs that log calibration, the planner's expectations or pg's
     * exploration bonus share the bottom row with them: rates, spread,
     * reliability, planner, bonus. */
    int has_cal = any_column(runs, n_runs, is_cal_cover);
    int has_plan = any_column(runs, n_runs, cdrl_metric_is_plan_uncertainty);
    int has_bonus = any_column(runs, n_runs, cdrl_metric_is_bonus);
    int panels = 2 + has_cal + has_plan + has_bonus;
    cdrl_viz_rect row = {cells.rates.x, cells.rates.y, cells.spread.x + cells.spread.w - cells.rates.x,
                         cells.rates.h};
    cdrl_viz_rect bottom[5];
    int gap = cells.spread.x - (cells.rates.x + cells.rates.w), pw = (row.w - (panels - 1) * gap) / panels;
    for (int i = 0; i < panels; i++)
        bottom[i] = panels == 2 ? (i ? cells.spread : cells.rates)
                                : (cdrl_viz_rect){row.x + i * (pw + gap), row.y, pw, row.h};
    for (int i = 0; i < panels; i++)
        cdrl_viz_fill_rect(canvas, bottom[i], 0xFFFFFFu);
    char spread_title[96] = "Epistemic spread (MC dropout)";
    if (n_runs > 0)
        viz_spread_title(runs, n_runs, spread_title, sizeof spread_title);
    metric_plot(canvas, inset(bottom[0], 6), runs, n_runs, cdrl_metric_is_p, "Dropout rate p per layer",
                "p", 1, viz_p_empty_text(runs, n_runs));
    metric_plot(canvas, inset(bottom[1], 6), runs, n_runs, cdrl_metric_is_spread, spread_title, "spread", 1, NULL);
    if (has_cal)
        reliability_plot(canvas, inset(bottom[2], 6), runs, n_runs);
    if (has_plan)
        metric_plot(canvas, inset(bottom[2 + has_cal], 6), runs, n_runs, cdrl_metric_is_plan_uncertainty,
                    "Planner: mean + beta std", "return (horizon)", 0, NULL);
    if (has_bonus)
        metric_plot(canvas, inset(bottom[2 + has_cal + has_plan], 6), runs, n_runs, cdrl_metric_is_bonus,
                    "Exploration bonus (per step)", "bonus", 1, NULL);
    if (status)
        viz_dashboard_status(canvas, cells.status, status);
    return 0;
}
