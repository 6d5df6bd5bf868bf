/* Aggregates over seeds (IQM, stratified bootstrap, probability of
 * improvement) and calibration of a Gaussian predictive; see cdrl/stats.h.
 *
 * Why these and not mean ± std: with 10 seeds, a mean is pulled about by one
 * lucky or unlucky run and a std says nothing about how sure we are of the
 * mean. The IQM discards the outer quarters on each side and is still an
 * average of half the runs; the bootstrap interval states the uncertainty
 * of the estimate itself; the probability of improvement answers the
 * question a reader actually asks ("would a run of A beat a run of B?"). */
#include "cdrl/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/rng.h"

#define LOG_2PI 1.8378770664093453 /* log(2 pi); M_PI is not part of C11 */

/* ==== One sample ==== */

void cdrl_mean_std(const double *x, int n, double *mean, double *std)
{
    double m = 0.0, v = 0.0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *std = sqrt(v / n);
}

/* ==== Small helpers ==== */

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* IQM of x[0..n), sorting x in place. */
static double iqm_in_place(double *x, int n)
{
    if (n <= 0)
        return NAN;
    qsort(x, (size_t)n, sizeof *x, double_cmp);
    int cut = n / 4;
    double sum = 0;
    for (int i = cut; i < n - cut; i++)
        sum += x[i];
    return sum / (n - 2 * cut);
}

double cdrl_iqm(const double *x, int n)
{
    if (n <= 0)
        return NAN;
    double *copy = malloc((size_t)n * sizeof *copy);
    if (!copy)
        return NAN;
    memcpy(copy, x, (size_t)n * sizeof *copy);
    double v = iqm_in_place(copy, n);
    free(copy);
    return v;
}

double cdrl_quantile_sorted(const double *sorted, int n, double q)
{
    if (n <= 0)
        return NAN;
    double h = q * (n - 1);
    int lo = (int)floor(h);
    if (lo < 0)
        lo = 0;
    if (lo >= n - 1)
        return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Checks a score set and returns its total number of runs (0 on error). */
static int scores_total(const cdrl_scores *s, const char *what, cdrl_error *err)
{
    int total = 0;
    if (!s || s->n_tasks < 1 || !s->tasks || !s->runs) {
        cdrl_errorf(err, CDRL_EINVAL, "%s: no tasks", what);
        return 0;
    }
    for (int t = 0; t < s->n_tasks; t++) {
        if (s->runs[t] < 0) {
            cdrl_errorf(err, CDRL_EINVAL, "%s: task %d has %d runs", what, t, s->runs[t]);
            return 0;
        }
        for (int i = 0; i < s->runs[t]; i++)
            if (!isfinite(s->tasks[t][i])) {
                cdrl_errorf(err, CDRL_EINVAL, "%s: task %d run %d: score %g is not finite", what, t,
                            i, s->tasks[t][i]);
                return 0;
            }
        total += s->runs[t];
    }
    if (total == 0)
        cdrl_errorf(err, CDRL_EINVAL, "%s: no runs", what);
    return total;
}

static int check_bootstrap_args(int reps, double level, cdrl_error *err)
{
    if (reps < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "bootstrap: reps = %d, accepted >= 1", reps);
    if (!(level > 0 && level < 1))
        return cdrl_errorf(err, CDRL_EINVAL, "bootstrap: level = %g, accepted in (0, 1)", level);
    return 0;
}

/* Sorts the bootstrap estimates and writes the central `level` interval. */
static void percentile_interval(double *estimates, int reps, double level, cdrl_interval *out)
{
    qsort(estimates, (size_t)reps, sizeof *estimates, double_cmp);
    double tail = (1 - level) / 2;
    out->lo = cdrl_quantile_sorted(estimates, reps, tail);
    out->hi = cdrl_quantile_sorted(estimates, reps, 1 - tail);
}

/* ==== IQM with a stratified bootstrap ==== */

/* Writes every run of every task into pool; with rng, a resample of each
 * task's runs (with replacement, the task's own count) instead. */
static void pool_runs(const cdrl_scores *s, cdrl_rng *rng, double *pool)
{
    int k = 0;
    for (int t = 0; t < s->n_tasks; t++)
        for (int i = 0; i < s->runs[t]; i++) {
            int j = rng ? (int)cdrl_rng_below(rng, (uint64_t)s->runs[t]) : i;
            pool[k++] = s->tasks[t][j];
        }
}

int cdrl_iqm_bootstrap(const cdrl_scores *scores, int reps, double level, uint64_t seed,
                       cdrl_interval *out, cdrl_error *err)
{
    if (check_bootstrap_args(reps, level, err))
        return CDRL_EINVAL;
    int total = scores_total(scores, "iqm", err);
    if (total == 0)
        return CDRL_EINVAL;
    double *pool = malloc((size_t)total * sizeof *pool);
    double *estimates = malloc((size_t)reps * sizeof *estimates);
    if (!pool || !estimates) {
        free(pool);
        free(estimates);
        return cdrl_errorf(err, CDRL_ENOMEM, "iqm: out of memory for %d resamples", reps);
    }
    pool_runs(scores, NULL, pool);
    out->point = iqm_in_place(pool, total);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 0);
    for (int r = 0; r < reps; r++) {
        pool_runs(scores, &rng, pool);
        estimates[r] = iqm_in_place(pool, total);
    }
    percentile_interval(estimates, reps, level, out);
    free(pool);
    free(estimates);
    return 0;
}

/* ==== Probability of improvement ==== */

double cdrl_prob_improvement_task(const double *x, int nx, const double *y, int ny)
{
    if (nx <= 0 || ny <= 0)
        return NAN;
    double wins = 0;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            wins += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
    return wins / ((double)nx * ny);
}

/* P(X > Y) averaged over the tasks both have runs on; with rng, each task's
 * runs are resampled into the scratch rows first. NAN if no task is shared. */
static double prob_improvement(const cdrl_scores *x, const cdrl_scores *y, cdrl_rng *rng,
                               double *xs, double *ys)
{
    double sum = 0;
    int shared = 0;
    for (int t = 0; t < x->n_tasks; t++) {
        int nx = x->runs[t], ny = y->runs[t];
        if (nx == 0 || ny == 0)
            continue;
        const double *a = x->tasks[t], *b = y->tasks[t];
        if (rng) {
            for (int i = 0; i < nx; i++)
                xs[i] = a[cdrl_rng_below(rng, (uint64_t)nx)];
            for (int j = 0; j < ny; j++)
                ys[j] = b[cdrl_rng_below(rng, (uint64_t)ny)];
            a = xs, b = ys;
        }
        sum += cdrl_prob_improvement_task(a, nx, b, ny);
        shared++;
    }
    return shared ? sum / shared : NAN;
}

int cdrl_prob_improvement_bootstrap(const cdrl_scores *x, const cdrl_scores *y, int reps,
                                    double level, uint64_t seed, cdrl_interval *out,
                                    cdrl_error *err)
{
    if (check_bootstrap_args(reps, level, err))
        return CDRL_EINVAL;
    if (!scores_total(x, "probability of improvement: X", err) ||
        !scores_total(y, "probability of improvement: Y", err))
        return CDRL_EINVAL;
    if (x->n_tasks != y->n_tasks)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "probability of improvement: X has %d tasks, Y has %d", x->n_tasks,
                           y->n_tasks);
    int most = 1;
    for (int t = 0; t < x->n_tasks; t++) {
        most = x->runs[t] > most ? x->runs[t] : most;
        most = y->runs[t] > most ? y->runs[t] : most;
    }
    out->point = prob_improvement(x, y, NULL, NULL, NULL);
    if (isnan(out->point))
        return cdrl_errorf(err, CDRL_EINVAL, "probability of improvement: no task has runs of both");
    double *xs = malloc((size_t)most * sizeof *xs), *ys = malloc((size_t)most * sizeof *ys);
    double *estimates = malloc((size_t)reps * sizeof *estimates);
    if (!xs || !ys || !estimates) {
        free(xs);
        free(ys);
        free(estimates);
        return cdrl_errorf(err, CDRL_ENOMEM, "probability of improvement: out of memory");
    }
    cdrl_rng rng;
    cdrl_rng_seed(&rng, seed, 1);
    for (int r = 0; r < reps; r++)
        estimates[r] = prob_improvement(x, y, &rng, xs, ys);
    percentile_interval(estimates, reps, level, out);
    free(xs);
    free(ys);
    free(estimates);
    return 0;
}

/* ==== Calibration ==== */

static int check_predictions(const float *mean, const float *var, const float *target, int n,
                             cdrl_error *err)
{
    if (n < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "calibration: n = %d, accepted >= 1", n);
    for (int i = 0; i < n; i++)
        if (!isfinite(mean[i]) || !isfinite(var[i]) || !isfinite(target[i]) || var[i] < 0)
            return cdrl_errorf(err, CDRL_EINVAL,
                               "calibration: value %d (mean %g, var %g, target %g) is not a "
                               "finite prediction with var >= 0",
                               i, mean[i], var[i], target[i]);
    return 0;
}

/* The central-interval probability at which y is just covered:
 * |2 Phi(z) - 1| = erf(|z| / sqrt 2), z = (y - mean) / sd. An exact hit is
 * covered at every level; a miss with zero spread at none. */
static double covering_level(double error, double var)
{
    if (error == 0)
        return 0;
    if (var == 0)
        return INFINITY;
    return erf(fabs(error) / sqrt(2 * var));
}

/* Average ranks (1-based, ties share their mean rank) of x[0..n) into rank. */
typedef struct {
    double value;
    int index;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}

static void average_ranks(ranked *scratch, const double *x, int n, double *rank)
{
    for (int i = 0; i < n; i++)
        scratch[i] = (ranked){x[i], i};
    qsort(scratch, (size_t)n, sizeof *scratch, ranked_cmp);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && scratch[j + 1].value == scratch[i].value)
            j++;
        double r = (i + j) / 2.0 + 1;
        for (int k = i; k <= j; k++)
            rank[scratch[k].index] = r;
        i = j + 1;
    }
}

static double pearson(const double *a, const double *b, int n)
{
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++)
        ma += a[i], mb += b[i];
    ma /= n, mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static double spearman(const double *a, const double *b, int n, cdrl_error *err, int *rc)
{
    ranked *scratch = malloc((size_t)n * sizeof *scratch);
    double *ra = malloc((size_t)n * sizeof *ra), *rb = malloc((size_t)n * sizeof *rb);
    double r = NAN;
    if (!scratch || !ra || !rb) {
        *rc = cdrl_errorf(err, CDRL_ENOMEM, "calibration: out of memory for %d ranks", n);
    } else {
        average_ranks(scratch, a, n, ra);
        average_ranks(scratch, b, n, rb);
        r = pearson(ra, rb, n);
    }
    free(scratch);
    free(ra);
    free(rb);
    return r;
}

int cdrl_calibration_score(const float *mean, const float *var, const float *target, int n,
                           cdrl_calibration *out, cdrl_error *err)
{
    if (check_predictions(mean, var, target, n, err))
        return CDRL_EINVAL;
    double *spread = malloc((size_t)n * sizeof *spread);
    double *miss = malloc((size_t)n * sizeof *miss);
    if (!spread || !miss) {
        free(spread);
        free(miss);
        return cdrl_errorf(err, CDRL_ENOMEM, "calibration: out of memory for %d values", n);
    }
    double nll = 0, sq = 0;
    int in50 = 0, in90 = 0;
    for (int i = 0; i < n; i++) {
        double e = (double)target[i] - mean[i], v = var[i];
        /* A zero variance has no density: the score is infinite, hit or miss. */
        nll += v > 0 ? 0.5 * (LOG_2PI + log(v)) + e * e / (2 * v) : INFINITY;
        sq += e * e;
        double level = covering_level(e, v);
        in50 += level <= 0.5;
        in90 += level <= 0.9;
        spread[i] = sqrt(v);
        miss[i] = fabs(e);
    }
    int rc = 0;
    out->n = n;
    out->nll = nll / n;
    out->rmse = sqrt(sq / n);
    out->coverage50 = (double)in50 / n;
    out->coverage90 = (double)in90 / n;
    out->spread_error_rank = spearman(spread, miss, n, err, &rc);
    free(spread);
    free(miss);
    return rc;
}

int cdrl_calibration_curve(const float *mean, const float *var, const float *target, int n,
                           const double *levels, int n_levels, double *observed,
                           cdrl_error *err)
{
    if (check_predictions(mean, var, target, n, err))
        return CDRL_EINVAL;
    for (int k = 0; k < n_levels; k++) {
        if (!(levels[k] > 0 && levels[k] < 1))
            return cdrl_errorf(err, CDRL_EINVAL, "calibration: level %g, accepted in (0, 1)",
                               levels[k]);
        observed[k] = 0;
    }
    for (int i = 0; i < n; i++) {
        double level = covering_level((double)target[i] - mean[i], var[i]);
        for (int k = 0; k < n_levels; k++)
            observed[k] += level <= levels[k];
    }
    for (int k = 0; k < n_levels; k++)
        observed[k] /= n;
    return 0;
}
