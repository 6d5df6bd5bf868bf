/* Summary statistics (stats.h): the eval returns of every agent. */
#include "cdrl/stats.h"

#include <math.h>

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
