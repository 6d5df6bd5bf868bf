/* Tests of the dense layer: forward against a double reference, backward
 * against central differences of that reference, accumulation semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dense.h"
#include "nn_check.h"

enum { B = 4, K = 5, N = 3 };

/* The scalar the gradient check differentiates: L = sum(out * R), so dout = R. */
static double reference_loss(const double *inp, const double *w, const double *b, const double *r)
{
    double loss = 0.0;
    for (int i = 0; i < B; i++)
        for (int n = 0; n < N; n++) {
            double o = b[n];
            for (int k = 0; k < K; k++)
                o += inp[i * K + k] * w[n * K + k];
            loss += o * r[i * N + n];
        }
    return loss;
}

struct case_data {
    float inp[B * K], w[N * K], b[N], r[B * N];
    double dinp[B * K], dw[N * K], db[N], r_d[B * N];
};

static void make_case(struct case_data *c)
{
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 11, 0);
    fill_uniform(c->inp, B * K, -1, 1, &rng);
    fill_uniform(c->w, N * K, -1, 1, &rng);
    fill_uniform(c->b, N, -1, 1, &rng);
    fill_uniform(c->r, B * N, -1, 1, &rng);
    for (int i = 0; i < B * N; i++)
        c->r_d[i] = c->r[i];
}

/* Central differences of reference_loss in double, one array at a time. */
static void numeric_grad(const float *src, int n, double *grad, struct case_data *c, int which)
{
    double inp[B * K], w[N * K], b[N];
    for (int i = 0; i < B * K; i++) inp[i] = c->inp[i];
    for (int i = 0; i < N * K; i++) w[i] = c->w[i];
    for (int i = 0; i < N; i++) b[i] = c->b[i];
    double *target = which == 0 ? inp : which == 1 ? w : b;
    const double h = 1e-6;
    for (int i = 0; i < n; i++) {
        double keep = src[i];
        target[i] = keep + h;
        double up = reference_loss(inp, w, b, c->r_d);
        target[i] = keep - h;
        double down = reference_loss(inp, w, b, c->r_d);
        target[i] = keep;
        grad[i] = (up - down) / (2 * h);
    }
}

static void forward_matches_reference(void **state)
{
    (void)state;
    struct case_data c;
    make_case(&c);
    float out[B * N];
    cdrl_dense_forward(out, c.inp, c.w, c.b, B, K, N);
    double want[B * N];
    for (int i = 0; i < B; i++)
        for (int n = 0; n < N; n++) {
            double o = c.b[n];
            for (int k = 0; k < K; k++)
                o += (double)c.inp[i * K + k] * c.w[n * K + k];
            want[i * N + n] = o;
        }
    assert_true(all_close("out", out, want, B * N, 1e-6, 1e-5));
    /* Without a bias the output is the bare product. */
    cdrl_dense_forward(out, c.inp, c.w, NULL, B, K, N);
    for (int i = 0; i < B; i++)
        for (int n = 0; n < N; n++)
            want[i * N + n] -= c.b[n];
    assert_true(all_close("out (no bias)", out, want, B * N, 1e-6, 1e-5));
}

static void backward_matches_finite_differences(void **state)
{
    (void)state;
    struct case_data c;
    make_case(&c);
    float dinp[B * K] = {0}, dw[N * K] = {0}, db[N] = {0};
    cdrl_dense_backward(dinp, dw, db, c.r, c.inp, c.w, B, K, N);
    numeric_grad(c.inp, B * K, c.dinp, &c, 0);
    numeric_grad(c.w, N * K, c.dw, &c, 1);
    numeric_grad(c.b, N, c.db, &c, 2);
    assert_true(all_close("dinp", dinp, c.dinp, B * K, 1e-5, 1e-4));
    assert_true(all_close("dweight", dw, c.dw, N * K, 1e-5, 1e-4));
    assert_true(all_close("dbias", db, c.db, N, 1e-5, 1e-4));
}

/* Backward adds to what is there, so two calls give twice the gradient, and
 * NULL skips a gradient without touching the others. */
static void backward_accumulates(void **state)
{
    (void)state;
    struct case_data c;
    make_case(&c);
    float once[N * K] = {0}, twice[N * K] = {0}, db[N] = {0};
    cdrl_dense_backward(NULL, once, NULL, c.r, c.inp, c.w, B, K, N);
    cdrl_dense_backward(NULL, twice, db, c.r, c.inp, c.w, B, K, N);
    cdrl_dense_backward(NULL, twice, NULL, c.r, c.inp, c.w, B, K, N);
    double want[N * K];
    for (int i = 0; i < N * K; i++)
        want[i] = 2.0 * once[i];
    assert_true(all_close("twice", twice, want, N * K, 1e-6, 1e-6));
    double db_want[N];
    numeric_grad(c.b, N, db_want, &c, 2);
    assert_true(all_close("dbias", db, db_want, N, 1e-5, 1e-4));
}

/* The overwriting backward gives the bits of zeroing dinp and accumulating,
 * on the small-product path and on the BLAS one (a layer past 4M
 * multiply-adds), and still accumulates the parameter gradients. */
static void backward_set_is_zero_then_add(void **state)
{
    (void)state;
    static const int shapes[][3] = {{B, K, N}, {64, 64, 3}, {2048, 64, 64}};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 12, 0);
    for (int s = 0; s < 3; s++) {
        int rows = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        size_t nin = (size_t)rows * k, nout = (size_t)rows * n, nw = (size_t)n * k;
        float *inp = malloc(sizeof(float) * nin), *w = malloc(sizeof(float) * nw);
        float *dout = malloc(sizeof(float) * nout), *added = calloc(nin, sizeof(float));
        float *set = malloc(sizeof(float) * nin), *dw1 = calloc(nw, sizeof(float));
        float *dw2 = calloc(nw, sizeof(float));
        fill_uniform(inp, (int)nin, -1, 1, &rng);
        fill_uniform(w, (int)nw, -1, 1, &rng);
        fill_uniform(dout, (int)nout, -1, 1, &rng);
        fill_uniform(set, (int)nin, -1, 1, &rng); /* overwritten */
        cdrl_dense_backward(added, dw1, NULL, dout, inp, w, rows, k, n);
        cdrl_dense_backward_set(set, dw2, NULL, dout, inp, w, rows, k, n);
        assert_memory_equal(set, added, sizeof(float) * nin);
        assert_memory_equal(dw2, dw1, sizeof(float) * nw);
        /* again: dinp the same, the weight gradient added onto the first */
        cdrl_dense_backward(NULL, dw1, NULL, dout, inp, w, rows, k, n);
        cdrl_dense_backward_set(set, dw2, NULL, dout, inp, w, rows, k, n);
        assert_memory_equal(set, added, sizeof(float) * nin);
        assert_memory_equal(dw2, dw1, sizeof(float) * nw);
        free(inp), free(w), free(dout), free(added), free(set), free(dw1), free(dw2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_matches_reference),
        cmocka_unit_test(backward_matches_finite_differences),
        cmocka_unit_test(backward_accumulates),
        cmocka_unit_test(backward_set_is_zero_then_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
