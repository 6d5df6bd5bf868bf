/* Tests of the Monte-Carlo predictor: zero variance without dropout noise,
 * moments equal to those of the passes computed by hand, the aleatoric and
 * epistemic split of a heteroscedastic network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/mc.h"
#include "nn_check.h"

enum { B = 5, T = 20 };

static cdrl_mlp *make_net(cdrl_dropout_kind kind, float p, int heads_of_one)
{
    cdrl_mlp_spec s = cdrl_mlp_spec_default();
    s.n_inputs = 2;
    s.n_hidden = 2;
    s.hidden[0] = 16;
    s.hidden[1] = 16;
    s.n_heads = heads_of_one ? 2 : 1;
    s.head_size[0] = heads_of_one ? 1 : 3;
    s.head_size[1] = 1;
    s.dropout.kind = kind;
    s.dropout.p = p;
    s.dropout_on_input = 1;
    s.seed = 4;
    return mlp_create_or_null(&s, NULL);
}

static void inputs(float *x)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 8, 0);
    fill_uniform(x, B * 2, -1, 1, &rng);
}

/* p = 0 makes every pass the eval pass: the variance is exactly 0. */
static void zero_variance_at_p_zero(void **state)
{
    (void)state;
    float x[B * 2], mean[B * 3], var[B * 3], eval[B * 3];
    inputs(x);
    cdrl_mlp *net = make_net(CDRL_DROPOUT_FIXED, 0.0f, 0);
    memcpy(eval, cdrl_mlp_forward(net, x, B, CDRL_MODE_EVAL, NULL), sizeof eval);
    assert_int_equal(cdrl_mc_predict(net, x, B, T, mean, var, NULL), 0);
    for (int i = 0; i < B * 3; i++) {
        assert_true(var[i] == 0.0f);
        assert_true(mean[i] == eval[i]);
    }
    cdrl_mlp_free(net);
    /* Concrete at p -> 0: the eps of the relaxation leaves a mask below float
     * resolution unless u is within ~5e-7 of 1, so the spread is below 1e-10. */
    net = make_net(CDRL_DROPOUT_CONCRETE, 0.1f, 0);
    for (int i = 0; i < net->n_layers; i++)
        *net->layers[i].p_logit = -100.0f;
    assert_int_equal(cdrl_mc_predict(net, x, B, T, mean, var, NULL), 0);
    for (int i = 0; i < B * 3; i++)
        assert_true(var[i] < 1e-10f);
    cdrl_mlp_free(net);
}

/* The predictor's moments are those of T MC passes of an identical network. */
static void moments_of_the_passes(void **state)
{
    (void)state;
    float x[B * 2], mean[B * 3], var[B * 3];
    inputs(x);
    cdrl_mlp *a = make_net(CDRL_DROPOUT_CONCRETE, 0.2f, 0), *b = make_net(CDRL_DROPOUT_CONCRETE, 0.2f, 0);
    assert_int_equal(cdrl_mc_predict(a, x, B, T, mean, var, NULL), 0);
    double s[B * 3] = {0}, s2[B * 3] = {0};
    for (int t = 0; t < T; t++) {
        const float *out = cdrl_mlp_forward(b, x, B, CDRL_MODE_MC, NULL);
        for (int i = 0; i < B * 3; i++)
            s[i] += out[i], s2[i] += (double)out[i] * out[i];
    }
    double want_mean[B * 3], want_var[B * 3];
    for (int i = 0; i < B * 3; i++) {
        want_mean[i] = s[i] / T;
        want_var[i] = s2[i] / T - want_mean[i] * want_mean[i];
        assert_true(var[i] > 0.0f);
    }
    assert_true(all_close("mean", mean, want_mean, B * 3, 1e-5, 1e-5));
    assert_true(all_close("var", var, want_var, B * 3, 1e-6, 1e-3));
    cdrl_mlp_free(a);
    cdrl_mlp_free(b);
}

static void heteroscedastic_split(void **state)
{
    (void)state;
    float x[B * 2], mean[B], epi[B], ale[B];
    inputs(x);
    cdrl_mlp *a = make_net(CDRL_DROPOUT_CONCRETE, 0.2f, 1), *b = make_net(CDRL_DROPOUT_CONCRETE, 0.2f, 1);
    assert_int_equal(cdrl_mc_predict_gaussian(a, x, B, T, 1, mean, epi, ale, NULL), 0);
    double s[B] = {0}, s2[B] = {0}, noise[B] = {0};
    for (int t = 0; t < T; t++) {
        const float *out = cdrl_mlp_forward(b, x, B, CDRL_MODE_MC, NULL);
        for (int i = 0; i < B; i++) {
            s[i] += out[2 * i];
            s2[i] += (double)out[2 * i] * out[2 * i];
            noise[i] += exp(out[2 * i + 1]);
        }
    }
    double want_mean[B], want_epi[B], want_ale[B];
    for (int i = 0; i < B; i++) {
        want_mean[i] = s[i] / T;
        want_epi[i] = s2[i] / T - want_mean[i] * want_mean[i];
        want_ale[i] = noise[i] / T;
    }
    assert_true(all_close("mean", mean, want_mean, B, 1e-5, 1e-5));
    assert_true(all_close("epistemic", epi, want_epi, B, 1e-6, 1e-3));
    assert_true(all_close("aleatoric", ale, want_ale, B, 1e-6, 1e-5));
    cdrl_error err;
    assert_int_equal(cdrl_mc_predict_gaussian(a, x, B, T, 2, mean, epi, ale, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_mc_predict(a, x, B, 0, mean, epi, &err), CDRL_EINVAL);
    cdrl_mlp_free(a);
    cdrl_mlp_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_variance_at_p_zero),
        cmocka_unit_test(moments_of_the_passes),
        cmocka_unit_test(heteroscedastic_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
