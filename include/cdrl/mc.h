/* Monte-Carlo dropout prediction: T stochastic passes of an MLP in
 * CDRL_MODE_MC, summarised per output as a predictive mean and variance.
 *
 * Each pass draws fresh dropout noise (or uses the frozen per-particle masks
 * if the network has them). Moments are accumulated in double (Welford), so a
 * zero-variance case (p = 0, or no dropout) gives exactly 0. */
#ifndef CDRL_MC_H
#define CDRL_MC_H

#include "cdrl/error.h"
#include "cdrl/mlp.h"

/* inp (B, n_inputs); mean (B, n_outputs) and var (B, n_outputs), caller-owned:
 * mean = (1/T) sum_t out_t, var = (1/T) sum_t (out_t - mean)^2 (the spread of
 * the network draws: the epistemic variance of each output). T >= 1.
 * Returns 0, or an error from the forward / CDRL_EINVAL / CDRL_ENOMEM. */
int cdrl_mc_predict(cdrl_mlp *net, const float *inp, int B, int T, float *mean, float *var,
                    cdrl_error *err);

/* For a heteroscedastic network whose output row is D means then D
 * log-variances (two heads of D, see mlp.h). inp (B, n_inputs); each output
 * (B, D), caller-owned:
 *   mean      = (1/T) sum_t mu_t
 *   epistemic = (1/T) sum_t (mu_t - mean)^2      (model uncertainty)
 *   aleatoric = (1/T) sum_t exp(logvar_t)        (predicted noise)
 * The predictive variance is epistemic + aleatoric. Returns 0, or
 * CDRL_EINVAL when n_outputs != 2D, or a forward's error. */
int cdrl_mc_predict_gaussian(cdrl_mlp *net, const float *inp, int B, int T, int D, float *mean,
                             float *epistemic, float *aleatoric, cdrl_error *err);

#endif
