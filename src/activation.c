/* Elementwise activations. Backward takes both the pre- and post-activation
 * so each derivative is computed from whichever is exact and cheap. */
#include "cdrl/activation.h"

#include "cdrl/vecmath.h"
#include "simd.h"

#include <string.h>

static const char *const activation_names[] = {"identity", "relu", "tanh", "selu"};
#define N_ACTIVATIONS (int)(sizeof activation_names / sizeof activation_names[0])

int cdrl_activation_parse(const char *name, cdrl_activation *act, cdrl_error *err)
{
    for (int i = 0; i < N_ACTIVATIONS; i++)
        if (name && strcmp(name, activation_names[i]) == 0) {
            *act = (cdrl_activation)i;
            return 0;
        }
    return cdrl_errorf(err, CDRL_EINVAL,
                       "unknown activation '%s'; accepted: identity, relu, tanh, selu",
                       name ? name : "(null)");
}

const char *cdrl_activation_name(cdrl_activation act)
{
    return (int)act >= 0 && (int)act < N_ACTIVATIONS ? activation_names[act] : "unknown";
}

/* scale * (x > 0 ? x : alpha * (e^x - 1)), by blocks so expm1 runs as vectors
 * and out may be inp. */
static void selu_forward(float *out, const float *inp, int n)
{
    enum { BLOCK = 256 };
    float em1[BLOCK];
    for (int at = 0; at < n; at += BLOCK) {
        int m = n - at < BLOCK ? n - at : BLOCK;
        cdrl_vec_expm1(em1, inp + at, m);
        for (int k = 0; k < m; k++)
            out[at + k] = inp[at + k] > 0.0f ? CDRL_SELU_SCALE * inp[at + k]
                                             : CDRL_SELU_SCALE * CDRL_SELU_ALPHA * em1[k];
    }
}

void cdrl_activation_forward(float *out, const float *inp, int n, cdrl_activation act)
{
    switch (act) {
    case CDRL_ACT_IDENTITY:
        if (out != inp)
            memmove(out, inp, sizeof(float) * n);
        break;
    case CDRL_ACT_RELU:
        for (int i = 0; i < n; i++)
            out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
        break;
    case CDRL_ACT_TANH:
        cdrl_vec_tanh(out, inp, n);
        break;
    case CDRL_ACT_SELU:
        selu_forward(out, inp, n);
        break;
    }
}

/* The backward loops, vectorised; elementwise, so every variant gives the
 * same bits. Without accumulate each starts from +0 (0 + d, not d: the
 * bits of zeroing dinp and adding, a negative zero included). */
#define BACKWARD_LOOP(expr)                                                                    \
    do {                                                                                       \
        if (accumulate)                                                                        \
            for (int i = 0; i < n; i++)                                                        \
                dinp[i] += (expr);                                                             \
        else                                                                                   \
            for (int i = 0; i < n; i++)                                                        \
                dinp[i] = 0.0f + (expr);                                                       \
    } while (0)

CDRL_MULTIVERSION(static void, tanh_backward, (float *restrict dinp, const float *restrict dout,
                                               const float *restrict out, int n, int accumulate),
                  { BACKWARD_LOOP((1.0f - out[i] * out[i]) * dout[i]); })

CDRL_MULTIVERSION(static void, relu_backward, (float *restrict dinp, const float *restrict dout,
                                               const float *restrict inp, int n, int accumulate),
                  { BACKWARD_LOOP(inp[i] > 0.0f ? dout[i] : 0.0f); })

CDRL_MULTIVERSION(static void, identity_backward, (float *restrict dinp,
                                                   const float *restrict dout, int n,
                                                   int accumulate),
                  { BACKWARD_LOOP(dout[i]); })

static void activation_backward(float *restrict dinp, const float *restrict dout,
                                const float *restrict inp, const float *restrict out, int n,
                                cdrl_activation act, int accumulate)
{
    switch (act) {
    case CDRL_ACT_IDENTITY:
        CDRL_PICK(identity_backward)(dinp, dout, n, accumulate);
        break;
    case CDRL_ACT_RELU:
        CDRL_PICK(relu_backward)(dinp, dout, inp, n, accumulate);
        break;
    case CDRL_ACT_TANH:
        CDRL_PICK(tanh_backward)(dinp, dout, out, n, accumulate);
        break;
    case CDRL_ACT_SELU:
        /* For x <= 0, d/dx scale*alpha*(e^x - 1) = scale*alpha*e^x = out + scale*alpha. */
        BACKWARD_LOOP((inp[i] > 0.0f ? CDRL_SELU_SCALE
                                     : out[i] + CDRL_SELU_SCALE * CDRL_SELU_ALPHA)
                      * dout[i]);
        break;
    }
}

void cdrl_activation_backward(float *dinp, const float *dout, const float *inp, const float *out,
                              int n, cdrl_activation act)
{
    activation_backward(dinp, dout, inp, out, n, act, 1);
}

void cdrl_activation_backward_set(float *dinp, const float *dout, const float *inp,
                                  const float *out, int n, cdrl_activation act)
{
    activation_backward(dinp, dout, inp, out, n, act, 0);
}
