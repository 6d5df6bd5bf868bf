/* What the sweep's summary and its plots both read from the run
 * directories: quartiles over seeds, which metrics columns hold a layer's
 * learned p, and which setting is the learned one. The summary draws its
 * plots (sweep_summary.c -> sweep_plot.c); both use this file, and it uses
 * neither. */
#include "cdrl/metric_names.h"
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void sweep_quartiles(double *x, int n, double *q1, double *median, double *q3)
{
    if (n <= 0) {
        *q1 = *median = *q3 = NAN;
        return;
    }
    qsort(x, (size_t)n, sizeof *x, double_cmp);
    double qs[3] = {0.25, 0.5, 0.75}, out[3];
    for (int k = 0; k < 3; k++) {
        double pos = qs[k] * (n - 1);
        int lo = (int)floor(pos);
        int hi = lo + 1 < n ? lo + 1 : lo;
        out[k] = x[lo] + (pos - lo) * (x[hi] - x[lo]);
    }
    *q1 = out[0], *median = out[1], *q3 = out[2];
}

int sweep_is_p_column(const char *name)
{
    return cdrl_metric_is_p(name);
}

/* The bootstrap needs finite scores; a run's NaN means "no value", so it is
 * left out rather than refused. */
static int finite_only(const double *x, int n, double *out)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i]))
            out[k++] = x[i];
    return k;
}

void sweep_iqm_interval(const double *x, int n, int reps, cdrl_interval *out)
{
    double *kept = malloc((size_t)(n > 0 ? n : 1) * sizeof *kept);
    int k = kept ? finite_only(x, n, kept) : 0;
    const double *tasks[] = {kept};
    cdrl_scores s = {tasks, &k, 1};
    if (k == 0 || cdrl_iqm_bootstrap(&s, reps, SWEEP_BOOTSTRAP_LEVEL, SWEEP_BOOTSTRAP_SEED, out, NULL))
        out->point = out->lo = out->hi = NAN;
    free(kept);
}

void sweep_improvement_interval(const double *x, int nx, const double *y, int ny, cdrl_interval *out)
{
    double *kx = malloc((size_t)(nx > 0 ? nx : 1) * sizeof *kx);
    double *ky = malloc((size_t)(ny > 0 ? ny : 1) * sizeof *ky);
    int mx = kx ? finite_only(x, nx, kx) : 0, my = ky ? finite_only(y, ny, ky) : 0;
    const double *xt[] = {kx}, *yt[] = {ky};
    cdrl_scores sx = {xt, &mx, 1}, sy = {yt, &my, 1};
    if (mx == 0 || my == 0 ||
        cdrl_prob_improvement_bootstrap(&sx, &sy, SWEEP_BOOTSTRAP_REPS, SWEEP_BOOTSTRAP_LEVEL,
                                        SWEEP_BOOTSTRAP_SEED, out, NULL))
        out->point = out->lo = out->hi = NAN;
    free(kx);
    free(ky);
}

int sweep_setting_is_concrete(const char *setting)
{
    cdrl_dropout_spec d;
    return cdrl_dropout_parse(setting, CDRL_CONCRETE_DEFAULT_INIT_P, &d, NULL) == 0 &&
           d.kind == CDRL_DROPOUT_CONCRETE;
}

/* P(x < y) is P(-x > -y): the improvement of the negated costs. */
void sweep_reduction_interval(const double *x, int nx, const double *y, int ny, cdrl_interval *out)
{
    double *nxs = malloc((size_t)(nx > 0 ? nx : 1) * sizeof *nxs);
    double *nys = malloc((size_t)(ny > 0 ? ny : 1) * sizeof *nys);
    if (!nxs || !nys) {
        out->point = out->lo = out->hi = NAN;
    } else {
        for (int i = 0; i < nx; i++)
            nxs[i] = -x[i];
        for (int i = 0; i < ny; i++)
            nys[i] = -y[i];
        sweep_improvement_interval(nxs, nx, nys, ny, out);
    }
    free(nxs);
    free(nys);
}
