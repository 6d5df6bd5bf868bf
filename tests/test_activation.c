/* Tests of the activations: values against the defining formulas in double,
 * derivatives against central differences, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/activation.h"
#include "nn_check.h"

/* Points on both sides of 0 but never within 1e-2 of the ReLU/SELU kink. */
static const float points[] = {-3.0f, -1.3f, -0.4f, -0.05f, 0.02f, 0.3f, 0.9f, 2.5f};
#define N_POINTS (int)(sizeof points / sizeof points[0])

static void check_activation(cdrl_activation act)
{
    float out[N_POINTS], dinp[N_POINTS], dout[N_POINTS];
    double want[N_POINTS], grad[N_POINTS];
    cdrl_activation_forward(out, points, N_POINTS, act);
    for (int i = 0; i < N_POINTS; i++) {
        want[i] = activation_reference(points[i], act);
        dout[i] = 0.5f + 0.1f * i;
        dinp[i] = 1.0f; /* backward must add to this */
        const double h = 1e-6;
        grad[i] = 1.0 + dout[i] * (activation_reference(points[i] + h, act) - activation_reference(points[i] - h, act))
                            / (2 * h);
    }
    assert_true(all_close(cdrl_activation_name(act), out, want, N_POINTS, 1e-6, 1e-6));
    cdrl_activation_backward(dinp, dout, points, out, N_POINTS, act);
    assert_true(all_close(cdrl_activation_name(act), dinp, grad, N_POINTS, 1e-5, 1e-5));
}

static void identity(void **state) { (void)state; check_activation(CDRL_ACT_IDENTITY); }
static void relu(void **state) { (void)state; check_activation(CDRL_ACT_RELU); }
static void tanh_act(void **state) { (void)state; check_activation(CDRL_ACT_TANH); }
static void selu(void **state) { (void)state; check_activation(CDRL_ACT_SELU); }

/* The overwriting backward gives the bits of zeroing and accumulating, for
 * every activation, whatever dinp held (a negative zero derivative too). */
static void backward_set_is_zero_then_add(void **state)
{
    (void)state;
    float x[N_POINTS + 1], out[N_POINTS + 1], dout[N_POINTS + 1];
    memcpy(x, points, sizeof points);
    x[N_POINTS] = 1.0f;
    for (int act = CDRL_ACT_IDENTITY; act <= CDRL_ACT_SELU; act++) {
        cdrl_activation_forward(out, x, N_POINTS + 1, (cdrl_activation)act);
        for (int i = 0; i <= N_POINTS; i++)
            dout[i] = i == N_POINTS ? -0.0f : 0.7f - 0.3f * i;
        float added[N_POINTS + 1] = {0}, set[N_POINTS + 1];
        for (int i = 0; i <= N_POINTS; i++)
            set[i] = 99.0f;
        cdrl_activation_backward(added, dout, x, out, N_POINTS + 1, (cdrl_activation)act);
        cdrl_activation_backward_set(set, dout, x, out, N_POINTS + 1, (cdrl_activation)act);
        assert_memory_equal(set, added, sizeof set);
    }
}

static void in_place_forward(void **state)
{
    (void)state;
    float x[3] = {-1.0f, 0.5f, 2.0f};
    cdrl_activation_forward(x, x, 3, CDRL_ACT_RELU);
    assert_true(x[0] == 0.0f && x[1] == 0.5f && x[2] == 2.0f);
}

static void parse_names(void **state)
{
    (void)state;
    cdrl_activation act;
    cdrl_error err;
    const char *names[] = {"identity", "relu", "tanh", "selu"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cdrl_activation_parse(names[i], &act, &err), 0);
        assert_int_equal(act, i);
        assert_string_equal(cdrl_activation_name(act), names[i]);
    }
    assert_int_equal(cdrl_activation_parse("ReLU", &act, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "ReLU"));
    assert_non_null(strstr(err.msg, "selu"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity),   cmocka_unit_test(relu),
        cmocka_unit_test(tanh_act),   cmocka_unit_test(selu),
        cmocka_unit_test(in_place_forward),
        cmocka_unit_test(backward_set_is_zero_then_add), cmocka_unit_test(parse_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
