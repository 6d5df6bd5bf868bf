/* Tests of the optimizers: Adam's first two steps against values worked by
 * hand from the update rule, clipping, SGD, state handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/optim.h"

/* lr 0.1, b1 0.9, b2 0.999, eps 1e-8; params (1, -2).
 * Step 1, g = (0.5, -0.1): m = (0.05, -0.01), v = (2.5e-4, 1e-5);
 *   m_hat = g, v_hat = g^2, so each parameter moves by lr against sign(g):
 *   params = (0.9, -1.9).
 * Step 2, g = (-0.3, 0.2): m = 0.9 m + 0.1 g = (0.015, 0.011),
 *   v = 0.999 v + 0.001 g^2 = (3.3975e-4, 4.999e-5);
 *   m_hat = m / 0.19 = (0.0789474, 0.0578947), v_hat = v / 0.001999 = (0.169960, 0.0250075);
 *   step = 0.1 m_hat / sqrt(v_hat) = (0.0191498, 0.0366104);
 *   params = (0.8808502, -1.9366104). */
static void adam_two_steps_by_hand(void **state)
{
    (void)state;
    cdrl_adam opt;
    cdrl_error err;
    assert_int_equal(cdrl_adam_init(&opt, 2, 0.1f, &err), 0);
    float params[2] = {1.0f, -2.0f};
    float g1[2] = {0.5f, -0.1f}, g2[2] = {-0.3f, 0.2f};
    float norm = cdrl_adam_step(&opt, params, g1);
    assert_float_equal(norm, sqrtf(0.26f), 1e-6);
    assert_float_equal(params[0], 0.9f, 1e-6);
    assert_float_equal(params[1], -1.9f, 1e-6);
    assert_float_equal(opt.state[0], 0.05f, 1e-7);      /* m */
    assert_float_equal(opt.state[2 + 1], 1e-5f, 1e-9); /* v */
    cdrl_adam_step(&opt, params, g2);
    assert_int_equal(opt.t, 2);
    assert_float_equal(params[0], 0.8808502f, 2e-6);
    assert_float_equal(params[1], -1.9366104f, 2e-6);
    cdrl_adam_free(&opt);
}

/* Clipping scales the gradient used, returns the norm before clipping, and
 * leaves the caller's gradient untouched. */
static void adam_clips_gradient(void **state)
{
    (void)state;
    cdrl_adam opt;
    assert_int_equal(cdrl_adam_init(&opt, 2, 0.01f, NULL), 0);
    opt.clip_norm = 1.0f;
    float params[2] = {0, 0}, g[2] = {3.0f, 4.0f};
    assert_float_equal(cdrl_adam_step(&opt, params, g), 5.0f, 1e-6);
    assert_true(g[0] == 3.0f && g[1] == 4.0f);
    /* m = 0.1 * g * (1/5) */
    assert_float_equal(opt.state[0], 0.06f, 1e-7);
    assert_float_equal(opt.state[1], 0.08f, 1e-7);
    cdrl_adam_reset(&opt);
    assert_int_equal(opt.t, 0);
    assert_true(opt.state[0] == 0.0f && opt.state[3] == 0.0f);
    cdrl_adam_free(&opt);
    cdrl_adam_free(&opt); /* twice is harmless */
}

static void sgd_step_and_clip(void **state)
{
    (void)state;
    float params[2] = {1.0f, 1.0f}, g[2] = {3.0f, 4.0f};
    assert_float_equal(cdrl_sgd_step(params, g, 2, 0.5f, 0.0f), 5.0f, 1e-6);
    assert_float_equal(params[0], -0.5f, 1e-7);
    assert_float_equal(params[1], -1.0f, 1e-7);
    /* Clipped to norm 1: step lr * (0.6, 0.8). */
    assert_float_equal(cdrl_sgd_step(params, g, 2, 1.0f, 1.0f), 5.0f, 1e-6);
    assert_float_equal(params[0], -1.1f, 1e-6);
    assert_float_equal(params[1], -1.8f, 1e-6);
}

static void adam_rejects_bad_settings(void **state)
{
    (void)state;
    cdrl_adam opt;
    cdrl_error err;
    assert_int_equal(cdrl_adam_init(&opt, 0, 0.1f, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_adam_init(&opt, 3, 0.0f, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "learning rate"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adam_two_steps_by_hand),
        cmocka_unit_test(adam_clips_gradient),
        cmocka_unit_test(sgd_step_and_clip),
        cmocka_unit_test(adam_rejects_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
