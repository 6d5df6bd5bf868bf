/* The names of metrics.csv columns that readers recognise: one definition
 * for the agents that write them and for the dashboard and the sweep summary
 * that find them.
 *
 *   p_<net>_l<i>   the dropout rate p of layer i of network <net> (the rate on
 *                  that layer's input; 0 without dropout): p_policy_l1,
 *                  p_value_l1, p_model_l0
 *   ...spread...   an MC-dropout spread (mc_spread, val_spread, probe_near_spread)
 *   return_...     episode returns (return_mean, return_min, return_max)
 *   cal_...        calibration of a Gaussian predictive on held-out data
 *                  (stats.h): cal_nll, cal_rank (spread-error Spearman),
 *                  cal_cover_<NN> the observed coverage of the central NN %
 *                  interval of the full predictive, cal_epi_cover_<NN> the
 *                  same with the epistemic variance alone; together the
 *                  points of a reliability diagram
 *   plan_...       what the planner expected, averaged over an episode's
 *                  planned steps: plan_score (mean + beta std), plan_mean,
 *                  plan_particle_std (written when beta is not 0)
 *   bonus_mean     pg's exploration bonus: the mean intrinsic reward added
 *                  per transition of an update (written when it is on) */
#ifndef CDRL_METRIC_NAMES_H
#define CDRL_METRIC_NAMES_H

#include <stddef.h>

#define CDRL_METRIC_P_PREFIX "p_"
#define CDRL_METRIC_CAL_NLL "cal_nll"
#define CDRL_METRIC_CAL_RANK "cal_rank"
#define CDRL_METRIC_PLAN_SCORE "plan_score"
#define CDRL_METRIC_PLAN_MEAN "plan_mean"
#define CDRL_METRIC_PLAN_PARTICLE_STD "plan_particle_std"
#define CDRL_METRIC_BONUS_MEAN "bonus_mean"

/* The expected coverages of the cal_cover_<NN> columns: 0.1, 0.2, ..., 0.9. */
#define CDRL_METRIC_CAL_LEVELS 9
extern const double cdrl_metric_cal_levels[CDRL_METRIC_CAL_LEVELS];

/* Writes "p_<net>_l<layer>" at out[size] (snprintf rules); returns the length
 * it wanted, as snprintf. */
int cdrl_metric_p_name(char *out, size_t size, const char *net, int layer);

/* 1 if `name` is a dropout-rate column: "p_" followed by at least one character. */
int cdrl_metric_is_p(const char *name);

/* 1 if `name` is an MC-dropout spread column (its name holds "spread"). */
int cdrl_metric_is_spread(const char *name);

/* Writes "cal_cover_<NN>" (or "cal_epi_cover_<NN>" when epistemic_only),
 * NN = level in percent, rounded; snprintf rules and return. */
int cdrl_metric_cal_cover_name(char *out, size_t size, int epistemic_only, double level);

/* 1 if `name` is a coverage column; then *level is its expected coverage in
 * (0, 1) and *epistemic_only says which predictive. Else 0. */
int cdrl_metric_cal_cover_level(const char *name, int *epistemic_only, double *level);

/* 1 if `name` is one of the planner's plan_score, plan_mean, plan_particle_std. */
int cdrl_metric_is_plan_uncertainty(const char *name);

/* 1 if `name` is the exploration bonus column, bonus_mean. */
int cdrl_metric_is_bonus(const char *name);

#endif
