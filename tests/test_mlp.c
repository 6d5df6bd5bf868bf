/* Tests of the MLP end to end: every gradient (weights, biases, p_logits,
 * input) against central differences of an independent double-precision
 * reference of the whole network on the same held noise, for each activation
 * and each dropout kind; the parameter layout; modes; frozen per-particle
 * masks; determinism; a small learning task on a fixed seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/loss.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "nn_check.h"

enum { MAXW = 16, MAXB = 4 };

static cdrl_mlp_spec small_spec(cdrl_activation act, cdrl_dropout_kind kind)
{
    cdrl_mlp_spec s = cdrl_mlp_spec_default();
    s.n_inputs = 3;
    s.n_hidden = 2;
    s.hidden[0] = 5;
    s.hidden[1] = 4;
    s.n_heads = 2;
    s.head_size[0] = 2;
    s.head_size[1] = 1;
    s.activation = act;
    s.dropout.kind = kind;
    s.dropout.p = kind == CDRL_DROPOUT_NONE ? 0.0f : 0.3f;
    s.dropout_on_input = 1;
    s.seed = 17;
    return s;
}

/* The network in double, written from the definitions in mlp.h and
 * dropout.h, reading only shapes, the held noise and the parameter offsets
 * from `net`. Returns sum(out * r) + (the Concrete regulariser if with_reg). */
static double reference_loss(const cdrl_mlp *net, const double *params, const double *x, int B,
                             cdrl_mode mode, const float *r, int with_reg)
{
    static double acts[CDRL_MLP_MAX_LAYERS][MAXB * MAXW];
    const double eps = 1e-7, t = 0.1;
    double loss = 0.0;
    for (int i = 0; i < net->n_layers; i++) {
        const cdrl_mlp_layer *L = &net->layers[i];
        const double *w = params + (L->weight - net->params), *b = params + (L->bias - net->params);
        double p = 0.0;
        if (L->dropout == CDRL_DROPOUT_CONCRETE)
            p = 1.0 / (1.0 + exp(-params[L->p_logit - net->params]));
        if (L->dropout == CDRL_DROPOUT_FIXED)
            p = L->fixed_p;
        const double *in = L->source < 0 ? x : acts[L->source];
        double dropped[MAXB * MAXW];
        for (int k = 0; k < B * L->n_in; k++) {
            double u = L->noise[k], keep = 1.0;
            if (mode != CDRL_MODE_EVAL && L->dropout == CDRL_DROPOUT_CONCRETE) {
                double a = (log(p + eps) - log(1 - p + eps) + log(u + eps) - log(1 - u + eps)) / t;
                keep = (1.0 - 1.0 / (1.0 + exp(-a))) / (1 - p);
            } else if (mode != CDRL_MODE_EVAL && L->dropout == CDRL_DROPOUT_FIXED) {
                keep = u >= p ? 1.0 / (1 - p) : 0.0;
            }
            dropped[k] = in[k] * keep;
        }
        for (int row = 0; row < B; row++)
            for (int n = 0; n < L->n_out; n++) {
                double pre = b[n];
                for (int k = 0; k < L->n_in; k++)
                    pre += dropped[row * L->n_in + k] * w[n * L->n_in + k];
                acts[i][row * L->n_out + n] = activation_reference(pre, L->activation);
            }
        if (with_reg && L->dropout == CDRL_DROPOUT_CONCRETE) {
            double sq = 0;
            for (int k = 0; k < L->n_in * L->n_out; k++)
                sq += w[k] * w[k];
            loss += net->weight_reg * sq / (1 - p)
                    + net->dropout_reg * L->n_in * (p * log(p) + (1 - p) * log(1 - p));
        }
    }
    for (int h = 0; h < net->spec.n_heads; h++) {
        const cdrl_mlp_layer *L = &net->layers[net->spec.n_hidden + h];
        for (int row = 0; row < B; row++)
            for (int n = 0; n < L->n_out; n++)
                loss += acts[net->spec.n_hidden + h][row * L->n_out + n]
                        * r[row * net->n_outputs + net->head_offset[h] + n];
    }
    return loss;
}

static void check_gradients(cdrl_activation act, cdrl_dropout_kind kind, cdrl_mode mode)
{
    cdrl_error err;
    cdrl_mlp_spec spec = small_spec(act, kind);
    cdrl_mlp *net = mlp_create_or_null(&spec, &err);
    assert_non_null(net);
    /* Large coefficients so the regulariser's gradient is not lost in the data term. */
    cdrl_mlp_set_regularizer(net, 0.05f, 0.2f);
    enum { B = 3 };
    float x[B * 3], r[B * 3], dinp[B * 3] = {0};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 99, 0);
    fill_uniform(x, B * 3, -1.5f, 1.5f, &rng);
    fill_uniform(r, B * net->n_outputs, -1, 1, &rng);
    /* Move biases off zero so ReLU units are not all at the same kink. */
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] += 0.05f * (float)cdrl_rng_range(&rng, -1, 1);
    cdrl_mlp_zero_grad(net);
    assert_non_null(cdrl_mlp_forward(net, x, B, mode, &err));
    assert_int_equal(cdrl_mlp_backward(net, r, dinp, &err), 0);
    if (mode == CDRL_MODE_TRAIN)
        cdrl_mlp_regularizer(net);
    int with_reg = mode == CDRL_MODE_TRAIN;

    double *pd = malloc(sizeof(double) * net->n_params), *want = malloc(sizeof(double) * net->n_params);
    double xd[B * 3], want_dinp[B * 3];
    for (size_t i = 0; i < net->n_params; i++)
        pd[i] = net->params[i];
    for (int i = 0; i < B * 3; i++)
        xd[i] = x[i];
    /* The forward pass of the library must agree with the reference too. */
    double fwd = 0;
    for (int i = 0; i < B * net->n_outputs; i++)
        fwd += net->out[i] * r[i];
    assert_true(fabs(fwd - reference_loss(net, pd, xd, B, mode, r, 0)) < 1e-4);

    const double h = 1e-6;
    for (size_t i = 0; i < net->n_params; i++) {
        double keep = pd[i];
        pd[i] = keep + h;
        double up = reference_loss(net, pd, xd, B, mode, r, with_reg);
        pd[i] = keep - h;
        double down = reference_loss(net, pd, xd, B, mode, r, with_reg);
        pd[i] = keep;
        want[i] = (up - down) / (2 * h);
    }
    for (int i = 0; i < B * 3; i++) {
        double keep = xd[i];
        xd[i] = keep + h;
        double up = reference_loss(net, pd, xd, B, mode, r, with_reg);
        xd[i] = keep - h;
        double down = reference_loss(net, pd, xd, B, mode, r, with_reg);
        xd[i] = keep;
        want_dinp[i] = (up - down) / (2 * h);
    }
    assert_true(all_close("grads", net->grads, want, (int)net->n_params, 1e-4, 1e-3));
    assert_true(all_close("dinp", dinp, want_dinp, B * 3, 1e-4, 1e-3));
    /* p_logits are really differentiated: their gradients are not all zero. */
    if (kind == CDRL_DROPOUT_CONCRETE && mode == CDRL_MODE_TRAIN)
        for (int i = 0; i < net->n_layers; i++)
            assert_true(*net->layers[i].dp_logit != 0.0f);
    free(pd);
    free(want);
    cdrl_mlp_free(net);
}

static void gradients_all_kinds(void **state)
{
    (void)state;
    const cdrl_activation acts[] = {CDRL_ACT_RELU, CDRL_ACT_TANH, CDRL_ACT_SELU};
    const cdrl_dropout_kind kinds[] = {CDRL_DROPOUT_NONE, CDRL_DROPOUT_FIXED, CDRL_DROPOUT_CONCRETE};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 3; k++) {
            check_gradients(acts[a], kinds[k], CDRL_MODE_TRAIN);
            check_gradients(acts[a], kinds[k], CDRL_MODE_EVAL);
        }
}

/* Parameters are one array in the documented order, and so are gradients. */
static void parameter_layout(void **state)
{
    (void)state;
    cdrl_mlp_spec spec = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_CONCRETE);
    spec.dropout_on_input = 0;
    cdrl_mlp *net = mlp_create_or_null(&spec, NULL);
    assert_non_null(net);
    /* 3->5 (no p: raw input undropped), 5->4 (+p), heads 4->2 (+p), 4->1 (+p). */
    size_t want = (15 + 5) + (20 + 4 + 1) + (8 + 2 + 1) + (4 + 1 + 1);
    assert_int_equal(net->n_params, want);
    assert_int_equal(net->n_outputs, 3);
    assert_int_equal(net->head_offset[1], 2);
    assert_null(net->layers[0].p_logit);
    float *expect = net->params;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        assert_ptr_equal(L->weight, expect);
        expect += L->n_in * L->n_out;
        assert_ptr_equal(L->bias, expect);
        expect += L->n_out;
        if (L->p_logit) {
            assert_ptr_equal(L->p_logit, expect);
            assert_ptr_equal(L->dp_logit, net->grads + (expect - net->params));
            assert_float_equal(cdrl_mlp_dropout_p(net, i), 0.3f, 1e-6);
            expect += 1;
        }
    }
    assert_ptr_equal(expect, net->params + net->n_params);
    assert_float_equal(cdrl_mlp_dropout_p(net, 0), 0.0f, 0);
    cdrl_mlp_free(net);
}

static void modes_and_determinism(void **state)
{
    (void)state;
    cdrl_mlp_spec spec = small_spec(CDRL_ACT_TANH, CDRL_DROPOUT_CONCRETE);
    cdrl_mlp *a = mlp_create_or_null(&spec, NULL), *b = mlp_create_or_null(&spec, NULL);
    float x[2 * 3] = {0.1f, -0.4f, 0.8f, 1.0f, 0.2f, -0.3f}, first[6], second[6];
    /* Same seed, same spec: same parameters and same stochastic outputs. */
    assert_memory_equal(a->params, b->params, sizeof(float) * a->n_params);
    memcpy(first, cdrl_mlp_forward(a, x, 2, CDRL_MODE_TRAIN, NULL), sizeof first);
    memcpy(second, cdrl_mlp_forward(b, x, 2, CDRL_MODE_TRAIN, NULL), sizeof second);
    assert_memory_equal(first, second, sizeof first);
    /* Eval is deterministic and differs from a train pass. */
    memcpy(first, cdrl_mlp_forward(a, x, 2, CDRL_MODE_EVAL, NULL), sizeof first);
    memcpy(second, cdrl_mlp_forward(a, x, 2, CDRL_MODE_EVAL, NULL), sizeof second);
    assert_memory_equal(first, second, sizeof first);
    memcpy(second, cdrl_mlp_forward(a, x, 2, CDRL_MODE_MC, NULL), sizeof second);
    assert_memory_not_equal(first, second, sizeof first);
    /* Two MC passes draw different masks. */
    memcpy(first, cdrl_mlp_forward(a, x, 2, CDRL_MODE_MC, NULL), sizeof first);
    assert_memory_not_equal(first, second, sizeof first);
    cdrl_mlp_free(a);
    cdrl_mlp_free(b);
}

/* P = 3 particles, R = 2 rows each, all rows the same input: rows of one
 * particle agree, particles differ, and a second call repeats the first. */
static void frozen_particle_masks(void **state)
{
    (void)state;
    enum { P = 3, R = 2, B = P * R };
    cdrl_error err;
    cdrl_mlp_spec spec = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_CONCRETE);
    cdrl_mlp *net = mlp_create_or_null(&spec, NULL);
    float x[B * 3], first[B * 3], again[B * 3];
    for (int r = 0; r < B; r++)
        x[r * 3] = 0.5f, x[r * 3 + 1] = -0.7f, x[r * 3 + 2] = 1.1f;
    assert_int_equal(cdrl_mlp_freeze_masks(net, P, &err), 0);
    memcpy(first, cdrl_mlp_forward(net, x, B, CDRL_MODE_MC, &err), sizeof first);
    const int D = net->n_outputs;
    for (int p = 0; p < P; p++) {
        assert_memory_equal(first + (p * R) * D, first + (p * R + 1) * D, sizeof(float) * D);
        if (p > 0)
            assert_memory_not_equal(first, first + p * R * D, sizeof(float) * D);
    }
    /* A training pass in between neither uses nor disturbs the frozen masks. */
    cdrl_mlp_forward(net, x, B, CDRL_MODE_TRAIN, &err);
    memcpy(again, cdrl_mlp_forward(net, x, B, CDRL_MODE_MC, &err), sizeof again);
    assert_memory_equal(first, again, sizeof first);
    /* A batch that is not a multiple of P is refused. */
    assert_null(cdrl_mlp_forward(net, x, 4, CDRL_MODE_MC, &err));
    assert_int_equal(err.code, CDRL_EINVAL);
    /* One row per particle also works: row p gets particle p. */
    float one_each[P * 3];
    memcpy(one_each, cdrl_mlp_forward(net, x, P, CDRL_MODE_MC, &err), sizeof(float) * P * D);
    for (int p = 0; p < P; p++)
        assert_memory_equal(one_each + p * D, first + p * R * D, sizeof(float) * D);
    cdrl_mlp_unfreeze_masks(net);
    memcpy(again, cdrl_mlp_forward(net, x, B, CDRL_MODE_MC, &err), sizeof again);
    assert_memory_not_equal(first, again, sizeof first);
    assert_int_equal(cdrl_mlp_freeze_masks(net, 0, &err), CDRL_EINVAL);
    cdrl_mlp_free(net);
}

/* Buffers grow when a larger batch comes: an eval batch of three copies of
 * two rows gives three times the two-row gradient. */
static void batches_of_growing_size(void **state)
{
    (void)state;
    cdrl_mlp_spec spec = small_spec(CDRL_ACT_TANH, CDRL_DROPOUT_CONCRETE);
    cdrl_mlp *net = mlp_create_or_null(&spec, NULL);
    float x[6 * 3], dout[6 * 3];
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 12, 0);
    fill_uniform(x, 2 * 3, -1, 1, &rng);
    fill_uniform(dout, 2 * 3, -1, 1, &rng);
    for (int copy = 1; copy < 3; copy++) {
        memcpy(x + copy * 6, x, sizeof(float) * 6);
        memcpy(dout + copy * 6, dout, sizeof(float) * 6);
    }
    assert_non_null(cdrl_mlp_forward(net, x, 2, CDRL_MODE_EVAL, NULL));
    assert_int_equal(cdrl_mlp_backward(net, dout, NULL, NULL), 0);
    double *want = malloc(sizeof(double) * net->n_params);
    for (size_t i = 0; i < net->n_params; i++)
        want[i] = 3.0 * net->grads[i];
    cdrl_mlp_zero_grad(net);
    assert_non_null(cdrl_mlp_forward(net, x, 6, CDRL_MODE_EVAL, NULL));
    assert_int_equal(net->capacity, 6);
    assert_int_equal(cdrl_mlp_backward(net, dout, NULL, NULL), 0);
    assert_int_equal(net->grad_capacity, 6);
    assert_true(all_close("grads", net->grads, want, (int)net->n_params, 1e-6, 1e-5));
    free(want);
    cdrl_mlp_free(net);
}

static void bad_specs_and_calls(void **state)
{
    (void)state;
    cdrl_error err;
    cdrl_mlp_spec s = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_FIXED);
    s.hidden[1] = 0;
    assert_null(mlp_create_or_null(&s, &err));
    assert_non_null(strstr(err.msg, "hidden[1]"));
    s = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_FIXED);
    s.dropout.p = 1.0f;
    assert_null(mlp_create_or_null(&s, &err));
    s = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_NONE);
    s.n_heads = 0;
    assert_null(mlp_create_or_null(&s, &err));
    s = small_spec(CDRL_ACT_RELU, CDRL_DROPOUT_NONE);
    cdrl_mlp *net = mlp_create_or_null(&s, &err);
    float dout[3] = {0};
    assert_int_equal(cdrl_mlp_backward(net, dout, NULL, &err), CDRL_ESTATE);
    assert_null(cdrl_mlp_forward(net, dout, 0, CDRL_MODE_EVAL, &err));
    s.hidden[0] = 6;
    cdrl_mlp *other = mlp_create_or_null(&s, &err);
    assert_int_equal(cdrl_mlp_copy_params(other, net, &err), CDRL_EINVAL);
    s.hidden[0] = 5;
    s.seed = 3;
    cdrl_mlp *twin = mlp_create_or_null(&s, &err);
    assert_memory_not_equal(twin->params, net->params, sizeof(float) * net->n_params);
    assert_int_equal(cdrl_mlp_copy_params(twin, net, &err), 0);
    assert_memory_equal(twin->params, net->params, sizeof(float) * net->n_params);
    cdrl_mlp_free(net);
    cdrl_mlp_free(other);
    cdrl_mlp_free(twin);
    cdrl_mlp_free(NULL);
}

/* y = sin(3x) on [-1, 1] with a 1-32-32-1 tanh network, Adam lr 0.01,
 * 1500 steps of 32 random points, seed 1: the eval-mode mean squared error on
 * a 101-point grid must fall below 0.003 (the function's variance is 0.5). */
static void learns_a_sine(void **state)
{
    (void)state;
    cdrl_mlp_spec s = cdrl_mlp_spec_default();
    s.n_hidden = 2;
    s.hidden[0] = s.hidden[1] = 32;
    s.activation = CDRL_ACT_TANH;
    s.seed = 1;
    cdrl_mlp *net = mlp_create_or_null(&s, NULL);
    cdrl_adam opt;
    assert_int_equal(cdrl_adam_init(&opt, net->n_params, 0.01f, NULL), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 1, 100);
    enum { B = 32 };
    float x[B], y[B], dout[B];
    for (int step = 0; step < 1500; step++) {
        for (int i = 0; i < B; i++) {
            x[i] = (float)cdrl_rng_range(&rng, -1, 1);
            y[i] = sinf(3 * x[i]);
            dout[i] = 0.0f;
        }
        cdrl_mlp_zero_grad(net);
        const float *out = cdrl_mlp_forward(net, x, B, CDRL_MODE_TRAIN, NULL);
        cdrl_mse(dout, out, y, B, 1, 1.0f);
        cdrl_mlp_backward(net, dout, NULL, NULL);
        cdrl_adam_step(&opt, net->params, net->grads);
    }
    float gx[101], gy[101];
    for (int i = 0; i < 101; i++)
        gx[i] = -1.0f + 0.02f * i, gy[i] = sinf(3 * gx[i]);
    float mse = cdrl_mse(NULL, cdrl_mlp_forward(net, gx, 101, CDRL_MODE_EVAL, NULL), gy, 101, 1, 1);
    print_message("sine fit: grid MSE %.5f\n", mse);
    assert_true(mse < 0.003f);
    cdrl_adam_free(&opt);
    cdrl_mlp_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_all_kinds),
        cmocka_unit_test(parameter_layout),
        cmocka_unit_test(modes_and_determinism),
        cmocka_unit_test(frozen_particle_masks),
        cmocka_unit_test(batches_of_growing_size),
        cmocka_unit_test(bad_specs_and_calls),
        cmocka_unit_test(learns_a_sine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
