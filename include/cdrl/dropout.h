/* Dropout on the input of a dense layer: none, fixed Bernoulli, or Concrete
 * (learned rate; Gal, Hron & Kendall, "Concrete Dropout", NeurIPS 2017).
 *
 * The elementwise pieces are forward/backward pairs over flat arrays, like
 * every layer in cdrl. The uniform noise u is an ARGUMENT, never drawn inside:
 * the caller (cdrl_mlp) draws it from the layer's generator stream, and a test
 * or a reference comparison can inject its own and hold it fixed.
 *
 * Concrete Dropout, one learned scalar per layer, p = sigmoid(p_logit):
 *   z   = sigmoid((log(p+eps) - log(1-p+eps) + log(u+eps) - log(1-u+eps)) / t)
 *   out = inp * (1 - z) / (1 - p)              eps = 1e-7, t = 0.1
 * z is the relaxed DROP mask (z near 1 drops the unit). The regulariser of the
 * layer it feeds, with K the layer's input width and W its kernel (N,K):
 *   R = weight_reg * sum(W^2) / (1 - p) + dropout_reg * K * (p log p + (1-p) log(1-p))
 * The bias is NOT in the weight term: this follows the authors' reference
 * implementations, and it is what the derivation supports — the 1/(1-p)
 * factor comes from the dropped rows of the kernel (the KL of the dropout
 * mixture), while the bias multiplies no dropped input. */
#ifndef CDRL_DROPOUT_H
#define CDRL_DROPOUT_H

#include "cdrl/error.h"

#define CDRL_CONCRETE_EPS 1e-7f
/* The relaxation's temperature t = 1/10, kept as its integer inverse so the
 * mask's exact 10th-power form can check it at compile time (dropout.c). */
#define CDRL_CONCRETE_INVERSE_TEMPERATURE 10
#define CDRL_CONCRETE_TEMPERATURE (1.0f / CDRL_CONCRETE_INVERSE_TEMPERATURE)
#define CDRL_CONCRETE_DEFAULT_INIT_P 0.1f

typedef enum {
    CDRL_DROPOUT_NONE = 0,  /* identity */
    CDRL_DROPOUT_FIXED,     /* inverted Bernoulli dropout at a fixed rate p */
    CDRL_DROPOUT_CONCRETE,  /* relaxed Bernoulli with a learned rate */
} cdrl_dropout_kind;

typedef struct {
    cdrl_dropout_kind kind;
    float p;       /* FIXED: the drop rate in [0,1). CONCRETE: the initial rate in (0,1). NONE: 0 */
} cdrl_dropout_spec;

/* The one grammar of dropout settings, used by configs, the command line,
 * sweep files and the agents: parses exactly "none", "fixed:P" (0 <= P < 1)
 * or "concrete" into *spec. "concrete" sets p = init_p (pass
 * CDRL_CONCRETE_DEFAULT_INIT_P unless the user chose another; must be in
 * (0,1)). Returns 0, or CDRL_EINVAL with a message that says what is wrong
 * ("P = 1.5 is out of range", "not a dropout setting") followed by
 * "; accepted none, fixed:P with P in [0, 1), concrete". err may be NULL. */
int cdrl_dropout_parse(const char *text, float init_p, cdrl_dropout_spec *spec, cdrl_error *err);

/* Writes the canonical text of spec ("none", "fixed:0.2", "concrete") into
 * buf (size cap, always NUL-terminated). */
void cdrl_dropout_format(const cdrl_dropout_spec *spec, char *buf, int cap);

/* sigmoid(x) and its inverse log(p / (1-p)); p_logit = cdrl_logit(init_p). */
float cdrl_sigmoid(float x);
float cdrl_logit(float p);

/* Concrete forward. inp (n), u (n) uniforms in [0,1), out (n), z (n) the
 * drop mask kept for backward. Writes z and out = inp (1-z)/(1-p).
 * out may not alias inp (backward needs inp). */
void cdrl_concrete_dropout_forward(float *out, float *z, const float *inp, const float *u,
                                   float p_logit, int n);

/* Concrete backward, with u (through z) held fixed. dout (n), inp (n) and
 * z (n) as in forward. Accumulates dinp (n) += dout (1-z)/(1-p) (or skips it
 * if NULL) and *dp_logit += sum dout * d out / d p_logit, through both the
 * mask z and the 1/(1-p) rescaling:
 *   d out/dp = inp * ((1-z)/(1-p)^2 - (dz/dp)/(1-p)),
 *   dz/dp    = z (1-z) (1/(p+eps) + 1/(1-p+eps)) / t,   dp/dp_logit = p (1-p). */
void cdrl_concrete_dropout_backward(float *dinp, float *dp_logit, const float *dout,
                                    const float *inp, const float *z, float p_logit, int n);

/* The same, with dinp (n) overwritten: dinp = 0 + dout (1-z)/(1-p), the bits
 * of zeroing dinp and calling cdrl_concrete_dropout_backward, one pass fewer
 * (for a caller's scratch buffer). *dp_logit still accumulates. */
void cdrl_concrete_dropout_backward_set(float *dinp, float *dp_logit, const float *dout,
                                        const float *inp, const float *z, float p_logit, int n);

/* The Concrete regulariser of one layer (formula above). weight (n_weight),
 * the kernel only; K the layer's input width. Returns R (computed in double);
 * accumulates dweight (n_weight) += dR/dW and *dp_logit += dR/dp_logit when
 * not NULL. */
float cdrl_concrete_regularizer(float *dweight, float *dp_logit, const float *weight,
                                int n_weight, int K, float p_logit, float weight_reg,
                                float dropout_reg);

/* The usual coefficients from the amount of training data N (which may grow
 * during training, e.g. with a replay buffer; call again and pass the new
 * values to the network): weight_reg = l^2 / (tau N), dropout_reg = 2 / (tau N),
 * or 1 / (tau N) when cross_entropy is nonzero (classification losses, where
 * the likelihood has no Gaussian factor 1/2). length_scale l > 0 (prior length
 * scale, e.g. 1e-4 in the authors' regression), tau > 0 (model precision;
 * 1 when the noise is learned by a log-variance head), n_data >= 1. */
void cdrl_concrete_coefficients(double length_scale, double tau, double n_data, int cross_entropy,
                                float *weight_reg, float *dropout_reg);

/* Fixed (inverted) Bernoulli dropout. inp (n), u (n) uniforms, out (n),
 * mask (n) kept for backward: mask = (u >= p) / (1-p), out = inp * mask, so
 * E[out] = inp. p in [0,1). */
void cdrl_fixed_dropout_forward(float *out, float *mask, const float *inp, const float *u, float p,
                                int n);

/* dout (n), mask (n) from forward. Accumulates dinp (n) += dout * mask. */
void cdrl_fixed_dropout_backward(float *dinp, const float *dout, const float *mask, int n);

#endif
