/* Summary statistics of a sample. */
#ifndef CDRL_STATS_H
#define CDRL_STATS_H

/* Mean and population standard deviation (divided by n) of x[n], n >= 1. */
void cdrl_mean_std(const double *x, int n, double *mean, double *std);

#endif
