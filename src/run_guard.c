/* The divergence guard: find the first NaN or infinity in an array.
 *
 * A diverged update poisons every parameter it touches and every checkpoint
 * written after it, so training checks losses and parameters after each
 * update and stops before saving anything non-finite. */
#include "cdrl/run_guard.h"

#include <math.h>

static const char *non_finite_name(double v)
{
    if (isnan(v))
        return "nan";
    return v > 0 ? "inf" : "-inf";
}

int cdrl_check_finite(const float *x, size_t n, const char *what, cdrl_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return cdrl_errorf(err, CDRL_EDIVERGED, "%s[%zu] is %s", what, i, non_finite_name(x[i]));
    return 0;
}

int cdrl_check_finite_d(const double *x, size_t n, const char *what, cdrl_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return cdrl_errorf(err, CDRL_EDIVERGED, "%s[%zu] is %s", what, i, non_finite_name(x[i]));
    return 0;
}
