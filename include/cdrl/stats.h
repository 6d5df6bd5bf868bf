/* Statistics for honest comparisons and for checking uncertainty.
 *
 * Two topics, both about whether a number deserves trust:
 *
 * - Aggregates over seeds, after Agarwal et al., "Deep Reinforcement Learning
 *   at the Edge of the Statistical Precipice" (NeurIPS 2021): the
 *   interquartile mean (IQM), its stratified bootstrap confidence interval,
 *   and the probability of improvement of one setting over another. Scores are
 *   given per task (a stratum: one env, say) as a list of per-run values; the
 *   bootstrap resamples runs within each task, never across tasks. Every
 *   resample draws from a cdrl_rng seeded with the caller's seed, so a summary
 *   is reproducible bit for bit.
 *
 * - Calibration of a Gaussian predictive (the Monte-Carlo dropout mean with
 *   variance = epistemic + aleatoric): negative log-likelihood, the observed
 *   coverage of central intervals, and the rank correlation between the
 *   predicted spread and the actual error.
 *
 * Nothing here allocates more than O(runs) or O(n) scratch; nothing prints. */
#ifndef CDRL_STATS_H
#define CDRL_STATS_H

#include <stdint.h>

#include "cdrl/error.h"

/* ==== One sample ==== */

/* Mean and population standard deviation (divided by n) of x[n], n >= 1
 * (the agents' eval returns). */
void cdrl_mean_std(const double *x, int n, double *mean, double *std);

/* ==== Aggregates over seeds ==== */

/* The interquartile mean of x[0..n): sort, drop floor(n/4) values from each
 * end, average the rest (as scipy.stats.trim_mean(x, 0.25)). x is not
 * modified. Returns NAN for n <= 0 and on allocation failure. */
double cdrl_iqm(const double *x, int n);

/* A point estimate with its confidence interval [lo, hi]. */
typedef struct {
    double point, lo, hi;
} cdrl_interval;

/* Scores of one setting: tasks[t] points at runs[t] per-run scores of task t.
 * Tasks with no runs are skipped; every value must be finite. */
typedef struct {
    const double *const *tasks;
    const int *runs;
    int n_tasks;
} cdrl_scores;

/* The IQM over all runs of all tasks (pooled, as rliable's aggregate) with a
 * `level` (e.g. 0.95) percentile confidence interval from `reps` stratified
 * bootstrap resamples drawn from cdrl_rng seeded with (seed, 0).
 * Returns 0, CDRL_EINVAL (no scores, a non-finite score, reps < 1, level
 * outside (0, 1)) or CDRL_ENOMEM. */
int cdrl_iqm_bootstrap(const cdrl_scores *scores, int reps, double level, uint64_t seed,
                       cdrl_interval *out, cdrl_error *err);

/* The probability of improvement of X over Y on one task: the chance that a
 * random run of X scores higher than a random run of Y, ties counting half
 * (the Mann-Whitney U statistic over nx * ny). Returns NAN if nx or ny is 0. */
double cdrl_prob_improvement_task(const double *x, int nx, const double *y, int ny);

/* P(X > Y) averaged over the tasks both have runs on, with a percentile
 * confidence interval from `reps` stratified bootstrap resamples of X's and
 * Y's runs (independently, within each task). x and y must describe the same
 * tasks in the same order (n_tasks equal). Returns 0, CDRL_EINVAL or
 * CDRL_ENOMEM. For a cost where lower is better, pass negated scores. */
int cdrl_prob_improvement_bootstrap(const cdrl_scores *x, const cdrl_scores *y, int reps,
                                    double level, uint64_t seed, cdrl_interval *out,
                                    cdrl_error *err);

/* The linear-interpolation quantile q in [0, 1] of sorted[0..n) (numpy's
 * default): sorted[floor(h)] + (h - floor(h)) * (next - that), h = q (n-1). */
double cdrl_quantile_sorted(const double *sorted, int n, double q);

/* ==== Calibration of a Gaussian predictive ==== */

typedef struct {
    int n;              /* values scored */
    double nll;         /* mean of 0.5 log(2 pi var) + (y - mean)^2 / (2 var) */
    double rmse;        /* root mean squared error of the mean */
    double coverage50;  /* fraction of targets inside the central 50 % interval */
    double coverage90;  /* ... and the central 90 % interval */
    double spread_error_rank; /* Spearman correlation of sqrt(var) with |y - mean| */
} cdrl_calibration;

/* Scores n predictions (mean[i], var[i]) against target[i]. var is the full
 * predictive variance (epistemic + aleatoric); a zero variance covers only an
 * exact hit and makes nll infinite when it misses. Spearman's correlation
 * uses average ranks for ties and is NAN when either side is constant.
 * Returns 0, CDRL_EINVAL (n < 1, a non-finite value, a negative variance) or
 * CDRL_ENOMEM. */
int cdrl_calibration_score(const float *mean, const float *var, const float *target, int n,
                           cdrl_calibration *out, cdrl_error *err);

/* The reliability diagram: for each expected coverage levels[k] in (0, 1),
 * the observed fraction of targets inside the central interval of that
 * probability, i.e. with |2 Phi((y - mean) / sd) - 1| <= levels[k]. A
 * calibrated predictive gives observed[k] ~= levels[k]. Returns 0 or
 * CDRL_EINVAL (n < 1, a level outside (0, 1), a non-finite or negative input). */
int cdrl_calibration_curve(const float *mean, const float *var, const float *target, int n,
                           const double *levels, int n_levels, double *observed,
                           cdrl_error *err);

#endif
