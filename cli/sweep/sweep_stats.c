/* What the sweep's summary and its plots both read from the run
 * directories: quartiles over seeds, which metrics columns hold a layer's
 * learned p, and which setting is the learned one. The summary draws its
 * plots (sweep_summary.c -> sweep_plot.c); both use this file, and it uses
 * neither. */
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
    return name[0] == 'p' && (name[1] == '_' || (name[1] >= '0' && name[1] <= '9'));
}

int sweep_setting_is_concrete(const char *setting)
{
    cdrl_dropout_spec d;
    return cdrl_dropout_parse(setting, CDRL_CONCRETE_DEFAULT_INIT_P, &d, NULL) == 0 &&
           d.kind == CDRL_DROPOUT_CONCRETE;
}
