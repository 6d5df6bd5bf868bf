/* The names of metrics.csv columns that readers recognise: one definition
 * for the agents that write them and for the dashboard and the sweep summary
 * that find them.
 *
 *   p_<net>_l<i>   the dropout rate p of layer i of network <net> (the rate on
 *                  that layer's input; 0 without dropout): p_policy_l1,
 *                  p_value_l1, p_model_l0
 *   ...spread...   an MC-dropout spread (mc_spread, val_spread, probe_near_spread)
 *   return_...     episode returns (return_mean, return_min, return_max) */
#ifndef CDRL_METRIC_NAMES_H
#define CDRL_METRIC_NAMES_H

#include <stddef.h>

#define CDRL_METRIC_P_PREFIX "p_"

/* Writes "p_<net>_l<layer>" at out[size] (snprintf rules); returns the length
 * it wanted, as snprintf. */
int cdrl_metric_p_name(char *out, size_t size, const char *net, int layer);

/* 1 if `name` is a dropout-rate column: "p_" followed by at least one character. */
int cdrl_metric_is_p(const char *name);

/* 1 if `name` is an MC-dropout spread column (its name holds "spread"). */
int cdrl_metric_is_spread(const char *name);

#endif
