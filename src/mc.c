/* Monte-Carlo dropout prediction: T passes in CDRL_MODE_MC, moments by
 * Welford's update in double, so identical passes give a variance of exactly 0. */
#include "cdrl/mc.h"

#include <math.h>
#include <stdlib.h>

#include "cdrl/run_stop.h"

/* T passes over many inputs can take minutes: a signal ends them at the next
 * pass (run_stop.h), and the run loop abandons the unit of work. */
static int stopped_by_signal(double *acc, cdrl_error *err)
{
    int rc = cdrl_stop_poll("MC sampling", err);
    if (rc)
        free(acc);
    return rc;
}

/* One Welford update of (mean, m2) with x after n - 1 earlier values. */
static void welford(double *mean, double *m2, double x, int n)
{
    double delta = x - *mean;
    *mean += delta / n;
    *m2 += delta * (x - *mean);
}

int cdrl_mc_predict(cdrl_mlp *net, const float *inp, int B, int T, float *mean, float *var,
                    cdrl_error *err)
{
    // inp (B, n_inputs); mean, var (B, n_outputs)
    if (T < 1 || B < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "mc predict: T %d and B %d must be >= 1", T, B);
    size_t n = (size_t)B * net->n_outputs;
    double *acc = calloc(2 * n, sizeof(double));
    if (!acc)
        return cdrl_errorf(err, CDRL_ENOMEM, "mc predict: cannot allocate %zu moments", n);
    double *m = acc, *m2 = acc + n;
    for (int t = 1; t <= T; t++) {
        if (stopped_by_signal(acc, err))
            return CDRL_EINTR;
        const float *out = cdrl_mlp_forward(net, inp, B, CDRL_MODE_MC, err);
        if (!out) {
            free(acc);
            return err ? err->code : CDRL_EINVAL;
        }
        for (size_t i = 0; i < n; i++)
            welford(&m[i], &m2[i], out[i], t);
    }
    for (size_t i = 0; i < n; i++) {
        mean[i] = (float)m[i];
        var[i] = (float)(m2[i] / T);
    }
    free(acc);
    return 0;
}

int cdrl_mc_predict_gaussian(cdrl_mlp *net, const float *inp, int B, int T, int D, float *mean,
                             float *epistemic, float *aleatoric, cdrl_error *err)
{
    // inp (B, n_inputs); mean, epistemic, aleatoric (B, D); network output (B, 2D)
    if (D < 1 || net->n_outputs != 2 * D)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "mc predict: network has %d outputs, a Gaussian of dimension %d needs %d",
                           net->n_outputs, D, 2 * D);
    if (T < 1 || B < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "mc predict: T %d and B %d must be >= 1", T, B);
    size_t n = (size_t)B * D;
    double *acc = calloc(3 * n, sizeof(double));
    if (!acc)
        return cdrl_errorf(err, CDRL_ENOMEM, "mc predict: cannot allocate %zu moments", n);
    double *m = acc, *m2 = acc + n, *noise = acc + 2 * n;
    for (int t = 1; t <= T; t++) {
        if (stopped_by_signal(acc, err))
            return CDRL_EINTR;
        const float *out = cdrl_mlp_forward(net, inp, B, CDRL_MODE_MC, err);
        if (!out) {
            free(acc);
            return err ? err->code : CDRL_EINVAL;
        }
        for (int b = 0; b < B; b++)
            for (int d = 0; d < D; d++) {
                size_t i = (size_t)b * D + d;
                welford(&m[i], &m2[i], out[(size_t)b * 2 * D + d], t);
                noise[i] += exp((double)out[(size_t)b * 2 * D + D + d]);
            }
    }
    for (size_t i = 0; i < n; i++) {
        mean[i] = (float)m[i];
        epistemic[i] = (float)(m2[i] / T);
        aleatoric[i] = (float)(noise[i] / T);
    }
    free(acc);
    return 0;
}
