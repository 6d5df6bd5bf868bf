/* The divergence guard: the first NaN or infinity in an array. */
#ifndef CDRL_RUN_GUARD_H
#define CDRL_RUN_GUARD_H

#include <stddef.h>
#include "cdrl/error.h"

/* ---- Divergence guard -------------------------------------------------------- */

/* Scans x[n]; if an element is NaN or infinite returns CDRL_EDIVERGED with
 * "<what>[i] is nan" (or inf/-inf) for the first such element. `what` names
 * the array ("policy.params", "loss"). Returns 0 if all are finite. */
int cdrl_check_finite(const float *x, size_t n, const char *what, cdrl_error *err);
int cdrl_check_finite_d(const double *x, size_t n, const char *what, cdrl_error *err);

#endif
