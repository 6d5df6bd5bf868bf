/* Optimizers over one flat parameter array: Adam (with optional global
 * gradient-norm clipping) and plain SGD.
 *
 * An optimizer's state is plain data: Adam keeps its first and second moments
 * in ONE allocation `state` of 2 n floats (m = state, v = state + n) plus a
 * step counter, so a checkpoint is a write of `state` and `t`. Gradients are
 * read, never modified (clipping scales inside the step). */
#ifndef CDRL_OPTIM_H
#define CDRL_OPTIM_H

#include "cdrl/error.h"

#include <stddef.h>

typedef struct {
    size_t n;         /* number of parameters */
    float lr;         /* learning rate (default 1e-3) */
    float beta1;      /* first-moment decay (default 0.9) */
    float beta2;      /* second-moment decay (default 0.999) */
    float eps;        /* denominator guard (default 1e-8) */
    float clip_norm;  /* > 0: rescale the gradient to this global L2 norm if larger; 0 = off */
    long t;           /* steps taken; bias correction uses t after the increment */
    float *state;     /* (2n): m then v; owned, freed by cdrl_adam_free */
} cdrl_adam;

/* Sets up Adam for n parameters with the defaults above and the given lr;
 * moments start at zero, t = 0. Returns 0, or CDRL_ENOMEM / CDRL_EINVAL
 * (n == 0, lr <= 0) with err filled. */
int cdrl_adam_init(cdrl_adam *opt, size_t n, float lr, cdrl_error *err);

/* One Adam step (Kingma & Ba, with bias correction):
 *   g' = g * min(1, clip_norm / ||g||)  (if clip_norm > 0)
 *   m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2;  t += 1
 *   params -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * params (n), grads (n). Returns the global L2 norm of grads BEFORE clipping
 * (useful to log). */
float cdrl_adam_step(cdrl_adam *opt, float *params, const float *grads);

/* Zeroes the moments and the step counter (same n, same hyperparameters). */
void cdrl_adam_reset(cdrl_adam *opt);

/* Frees opt->state; opt may then be initialised again. NULL-safe. */
void cdrl_adam_free(cdrl_adam *opt);

/* Plain SGD: params -= lr * g', with g' clipped as in Adam when clip_norm > 0.
 * params (n), grads (n). Returns the pre-clip global L2 norm of grads. */
float cdrl_sgd_step(float *params, const float *grads, size_t n, float lr, float clip_norm);

/* Global L2 norm of g (n), accumulated in double. */
float cdrl_grad_norm(const float *g, size_t n);

#endif
