/* Adam and SGD over one flat parameter array. Clipping never writes the
 * caller's gradients: the clip factor is applied as each gradient is read. */
#include "cdrl/optim.h"

#include "matmul.h"
#include "simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float cdrl_grad_norm(const float *g, size_t n)
{
    return (float)sqrt(cdrl_sum_squares(g, n));
}

/* The factor that brings a gradient of this norm down to clip_norm (1 if off or under). */
static float clip_factor(float norm, float clip_norm)
{
    return clip_norm > 0.0f && norm > clip_norm ? clip_norm / norm : 1.0f;
}

int cdrl_adam_init(cdrl_adam *opt, size_t n, float lr, cdrl_error *err)
{
    memset(opt, 0, sizeof *opt);
    if (n == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "adam: number of parameters must be >= 1");
    if (!(lr > 0.0f))
        return cdrl_errorf(err, CDRL_EINVAL, "adam: learning rate %g must be > 0", lr);
    opt->state = calloc(2 * n, sizeof(float));
    if (!opt->state)
        return cdrl_errorf(err, CDRL_ENOMEM, "adam: cannot allocate state for %zu parameters", n);
    opt->n = n;
    opt->lr = lr;
    opt->beta1 = 0.9f;
    opt->beta2 = 0.999f;
    opt->eps = 1e-8f;
    return 0;
}

/* The update of every parameter: elementwise IEEE arithmetic only, so the
 * vector variants give the scalar loop's bits. */
CDRL_MULTIVERSION(static void, adam_update, (float *restrict params, float *restrict m,
                                             float *restrict v, const float *restrict grads,
                                             size_t n, float clip, float beta1, float beta2,
                                             float step, float eps, float root_inv_correction2), {
    for (size_t i = 0; i < n; i++) {
        float g = grads[i] * clip;
        m[i] = beta1 * m[i] + (1.0f - beta1) * g;
        v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
        params[i] -= step * m[i] / (sqrtf(v[i]) * root_inv_correction2 + eps);
    }
})

float cdrl_adam_step(cdrl_adam *opt, float *params, const float *grads)
{
    float norm = cdrl_grad_norm(grads, opt->n);
    float clip = clip_factor(norm, opt->clip_norm);
    opt->t++;
    double correction1 = 1.0 - pow(opt->beta1, (double)opt->t);
    double correction2 = 1.0 - pow(opt->beta2, (double)opt->t);
    /* lr m_hat / (sqrt(v_hat) + eps) with the bias corrections as factors, in
     * float like the parameters (as PyTorch does): one division and one square
     * root per parameter, sixteen at a time. The square root comes before the
     * correction so a huge v cannot overflow to infinity on the way. */
    CDRL_PICK(adam_update)(params, opt->state, opt->state + opt->n, grads, opt->n, clip,
                           opt->beta1, opt->beta2, (float)(opt->lr / correction1), opt->eps,
                           (float)(1.0 / sqrt(correction2)));
    return norm;
}

void cdrl_adam_reset(cdrl_adam *opt)
{
    memset(opt->state, 0, sizeof(float) * 2 * opt->n);
    opt->t = 0;
}

void cdrl_adam_free(cdrl_adam *opt)
{
    if (!opt)
        return;
    free(opt->state);
    opt->state = NULL;
    opt->n = 0;
}

float cdrl_sgd_step(float *params, const float *grads, size_t n, float lr, float clip_norm)
{
    float norm = cdrl_grad_norm(grads, n);
    float step = lr * clip_factor(norm, clip_norm);
    for (size_t i = 0; i < n; i++)
        params[i] -= step * grads[i];
    return norm;
}
