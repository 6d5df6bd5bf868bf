/* Elementwise activations and their backward passes: identity, ReLU, tanh, SELU. */
#ifndef CDRL_ACTIVATION_H
#define CDRL_ACTIVATION_H

#include "cdrl/error.h"

typedef enum {
    CDRL_ACT_IDENTITY = 0,
    CDRL_ACT_RELU,
    CDRL_ACT_TANH,
    CDRL_ACT_SELU,
} cdrl_activation;

/* SELU's constants (Klambauer et al. 2017), to the precision of the paper. */
#define CDRL_SELU_ALPHA 1.6732632423543772f
#define CDRL_SELU_SCALE 1.0507009873554805f

/* Parses "identity" | "relu" | "tanh" | "selu" into *act. Returns 0, or
 * CDRL_EINVAL with a message naming the accepted values. */
int cdrl_activation_parse(const char *name, cdrl_activation *act, cdrl_error *err);

/* The name parse accepts for act ("relu", ...); a static string. */
const char *cdrl_activation_name(cdrl_activation act);

/* inp (n), out (n): out = act(inp). out may equal inp (in place). */
void cdrl_activation_forward(float *out, const float *inp, int n, cdrl_activation act);

/* dout (n); inp (n) the pre-activation and out (n) the post-activation that
 * forward saw and produced (each formula uses whichever is cheaper).
 * Accumulates dinp (n) += act'(inp) * dout; dinp may not alias the others. */
void cdrl_activation_backward(float *dinp, const float *dout, const float *inp, const float *out,
                              int n, cdrl_activation act);

/* The same, with dinp (n) overwritten: dinp = 0 + act'(inp) * dout, the bits
 * of zeroing dinp and calling cdrl_activation_backward, one pass fewer (for
 * a caller's scratch buffer). */
void cdrl_activation_backward_set(float *dinp, const float *dout, const float *inp,
                                  const float *out, int n, cdrl_activation act);

#endif
