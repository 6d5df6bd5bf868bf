/* Tests of the LSTM layer: every gradient (W_ih, W_hh, b_ih, b_hh, both
 * p_logits, the input and the initial state) against central differences of
 * an independent double-precision reference written here, for each pair of
 * input/recurrent dropout kinds, over several sequence lengths, in train and
 * eval mode, with the noise held and a state reset inside a sequence; the
 * layer against PyTorch float64 (nn.LSTM itself, and the Concrete equations
 * in torch, pinned in lstm_reference_data.h by lstm_reference.py); windows
 * that carry the state and the gradient; locked masks; frozen particles;
 * the regulariser's reach; the layout; bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/lstm.h"
#include "lstm_reference_data.h"
#include "nn_check.h"

enum { MAXB = 3, MAXT = 7, MAXC = 4, MAXH = 6 };

/* The worst errors seen, printed at the end for the record. */
static double worst_fd_abs, worst_fd_rel, worst_torch_fwd, worst_torch_grad_abs,
    worst_torch_grad_rel;

static void note_errors(const float *got, const double *want, int n, double *abs_worst,
                        double *rel_worst)
{
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (d > *abs_worst)
            *abs_worst = d;
        if (rel_worst && d / (fabs(want[i]) + 1e-3) > *rel_worst)
            *rel_worst = d / (fabs(want[i]) + 1e-3);
    }
}

/* ==== The reference: lstm.h's equations in double, plain loops ==== */

typedef struct {
    int B, T, C, H;
    cdrl_dropout_spec dx, dh;  /* input and recurrent dropout */
    cdrl_mode mode;
    const float *keep;          /* (B,T) */
    const float *noise;         /* (B, width) */
    const float *r_out, *r_h, *r_c; /* weights of out, h_last, c_last in the loss */
    double wr, dr;
    int with_reg;
} problem;

static double sigmoid_d(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* m for one unit from its uniform u (dropout.h's definitions). */
static double reference_mask(const cdrl_dropout_spec *d, double p_logit, double u, cdrl_mode mode)
{
    if (d->kind == CDRL_DROPOUT_NONE || mode == CDRL_MODE_EVAL)
        return 1.0;
    if (d->kind == CDRL_DROPOUT_FIXED)
        return u >= d->p ? 1.0 / (1.0 - d->p) : 0.0;
    const double eps = 1e-7, t = 0.1;
    double p = sigmoid_d(p_logit);
    double z = sigmoid_d((log(p + eps) - log(1 - p + eps) + log(u + eps) - log(1 - u + eps)) / t);
    return (1 - z) / (1 - p);
}

static double reference_regularizer(const double *w, int n, int K, double p_logit, double wr,
                                    double dr)
{
    double p = sigmoid_d(p_logit), sq = 0;
    for (int k = 0; k < n; k++)
        sq += w[k] * w[k];
    return wr * sq / (1 - p) + dr * K * (p * log(p) + (1 - p) * log(1 - p));
}

/* sum r_out.out + r_h.h_last + r_c.c_last (+ the regulariser), the parameters
 * read at the offsets lstm.h documents. out/h_last/c_last, if not NULL,
 * receive the forward values. */
static double reference_loss(const problem *pr, const double *params, const double *x,
                             const double *h0, const double *c0, double *out, double *h_last,
                             double *c_last)
{
    int B = pr->B, T = pr->T, C = pr->C, H = pr->H;
    const double *w_ih = params, *w_hh = w_ih + 4 * H * C, *b_ih = w_hh + 4 * H * H,
                 *b_hh = b_ih + 4 * H, *p_logits = b_hh + 4 * H;
    int x_concrete = pr->dx.kind == CDRL_DROPOUT_CONCRETE;
    double p_logit_x = x_concrete ? p_logits[0] : 0;
    double p_logit_h = pr->dh.kind == CDRL_DROPOUT_CONCRETE ? p_logits[x_concrete] : 0;
    int width = (pr->dx.kind ? C : 0) + (pr->dh.kind ? H : 0);
    double loss = 0;
    for (int b = 0; b < B; b++) {
        const float *u = pr->noise + b * width;
        double mx[MAXC], mh[MAXH], h[MAXH], c[MAXH];
        for (int k = 0; k < C; k++)
            mx[k] = reference_mask(&pr->dx, p_logit_x, pr->dx.kind ? u[k] : 0, pr->mode);
        for (int j = 0; j < H; j++) {
            mh[j] = reference_mask(&pr->dh, p_logit_h, pr->dh.kind ? u[(pr->dx.kind ? C : 0) + j] : 0,
                                   pr->mode);
            h[j] = h0[b * H + j], c[j] = c0[b * H + j];
        }
        for (int t = 0; t < T; t++) {
            double keep = pr->keep[b * T + t], a[4 * MAXH];
            const double *xt = x + (b * T + t) * C;
            for (int n = 0; n < 4 * H; n++) {
                a[n] = b_ih[n] + b_hh[n];
                for (int k = 0; k < C; k++)
                    a[n] += w_ih[n * C + k] * xt[k] * mx[k];
                for (int j = 0; j < H; j++)
                    a[n] += w_hh[n * H + j] * keep * h[j] * mh[j];
            }
            for (int j = 0; j < H; j++) {
                double i = sigmoid_d(a[j]), f = sigmoid_d(a[H + j]), g = tanh(a[2 * H + j]),
                       o = sigmoid_d(a[3 * H + j]);
                c[j] = f * keep * c[j] + i * g;
                h[j] = o * tanh(c[j]);
                loss += pr->r_out[(b * T + t) * H + j] * h[j];
                if (out)
                    out[(b * T + t) * H + j] = h[j];
            }
        }
        for (int j = 0; j < H; j++) {
            loss += pr->r_h[b * H + j] * h[j] + pr->r_c[b * H + j] * c[j];
            if (h_last)
                h_last[b * H + j] = h[j], c_last[b * H + j] = c[j];
        }
    }
    if (pr->with_reg && x_concrete)
        loss += reference_regularizer(w_ih, 4 * H * C, C, p_logit_x, pr->wr, pr->dr);
    if (pr->with_reg && pr->dh.kind == CDRL_DROPOUT_CONCRETE)
        loss += reference_regularizer(w_hh, 4 * H * H, H, p_logit_h, pr->wr, pr->dr);
    return loss;
}

/* Central differences of the reference w.r.t. every element of v (n). */
static void central_differences(const problem *pr, double *params, double *x, double *h0,
                                double *c0, double *v, int n, double *grad)
{
    const double step = 1e-6;
    for (int i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + step;
        double up = reference_loss(pr, params, x, h0, c0, NULL, NULL, NULL);
        v[i] = keep - step;
        double down = reference_loss(pr, params, x, h0, c0, NULL, NULL, NULL);
        v[i] = keep;
        grad[i] = (up - down) / (2 * step);
    }
}

static void to_double(double *dst, const float *src, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = src[i];
}

static cdrl_dropout_spec dropout_of(cdrl_dropout_kind kind, float p)
{
    return (cdrl_dropout_spec){.kind = kind, .p = kind == CDRL_DROPOUT_NONE ? 0.0f : p};
}

/* ==== Gradient checks against the reference ==== */

static void check_gradients(cdrl_dropout_kind kx, cdrl_dropout_kind kh, int T, cdrl_mode mode)
{
    enum { B = MAXB, C = 3, H = 4 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = dropout_of(kx, 0.2f),
                           .recurrent = dropout_of(kh, 0.3f)};
    int n_params = (int)cdrl_lstm_param_count(&spec);
    float *params = malloc(sizeof(float) * n_params), *grads = malloc(sizeof(float) * n_params);
    cdrl_lstm L;
    cdrl_error err;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 100 + 10 * kx + kh, (uint64_t)T);
    cdrl_lstm_init_params(&L, &rng);
    float x[B * MAXT * C], h0[B * H], c0[B * H], keep[B * MAXT], noise[B * (C + H)];
    float r_out[B * MAXT * H], r_h[B * H], r_c[B * H];
    fill_uniform(x, B * T * C, -2, 2, &rng);
    fill_uniform(h0, B * H, -0.5f, 0.5f, &rng);
    fill_uniform(c0, B * H, -0.5f, 0.5f, &rng);
    cdrl_lstm_draw_noise(&L, &rng, B, noise);
    fill_uniform(r_out, B * T * H, -1, 1, &rng);
    fill_uniform(r_h, B * H, -1, 1, &rng);
    fill_uniform(r_c, B * H, -1, 1, &rng);
    for (int k = 0; k < B * T; k++)
        keep[k] = 1.0f;
    keep[1 * T + T / 2] = 0.0f; /* sequence 1's state is reset at step T/2 */
    problem pr = {.B = B, .T = T, .C = C, .H = H, .dx = spec.dropout, .dh = spec.recurrent,
                  .mode = mode, .keep = keep, .noise = noise, .r_out = r_out, .r_h = r_h,
                  .r_c = r_c, .wr = 0.05, .dr = 0.2, .with_reg = mode == CDRL_MODE_TRAIN};

    /* Gradients start at 0.5: backward must add to them. */
    float dinp[B * MAXT * C], dh0[B * H], dc0[B * H], h_last[B * H], c_last[B * H];
    for (int k = 0; k < n_params; k++)
        grads[k] = 0.5f;
    for (int k = 0; k < B * T * C; k++)
        dinp[k] = 0.5f;
    for (int k = 0; k < B * H; k++)
        dh0[k] = dc0[k] = 0.5f;
    const float *out = cdrl_lstm_forward(&L, x, h0, c0, keep, noise, B, T, mode, h_last, c_last, &err);
    assert_non_null(out);
    assert_int_equal(cdrl_lstm_backward(&L, r_out, r_h, r_c, dinp, dh0, dc0, &err), 0);
    if (pr.with_reg)
        cdrl_lstm_regularizer(&L, (float)pr.wr, (float)pr.dr);

    double pd[4 * H * (C + H + 2) + 2], xd[B * MAXT * C], h0d[B * H], c0d[B * H];
    to_double(pd, params, n_params);
    to_double(xd, x, B * T * C);
    to_double(h0d, h0, B * H);
    to_double(c0d, c0, B * H);
    double out_want[B * MAXT * H], h_want[B * H], c_want[B * H];
    reference_loss(&pr, pd, xd, h0d, c0d, out_want, h_want, c_want);
    assert_true(all_close("out", out, out_want, B * T * H, 1e-5, 1e-5));
    assert_true(all_close("h_last", h_last, h_want, B * H, 1e-5, 1e-5));
    assert_true(all_close("c_last", c_last, c_want, B * H, 1e-5, 1e-5));

    double want[4 * H * (C + H + 2) + 2], want_x[B * MAXT * C], want_h0[B * H], want_c0[B * H];
    central_differences(&pr, pd, xd, h0d, c0d, pd, n_params, want);
    central_differences(&pr, pd, xd, h0d, c0d, xd, B * T * C, want_x);
    central_differences(&pr, pd, xd, h0d, c0d, h0d, B * H, want_h0);
    central_differences(&pr, pd, xd, h0d, c0d, c0d, B * H, want_c0);
    double *wants[] = {want, want_x, want_h0, want_c0};
    int sizes[] = {n_params, B * T * C, B * H, B * H};
    for (int w = 0; w < 4; w++)
        for (int k = 0; k < sizes[w]; k++)
            wants[w][k] += 0.5;
    assert_true(all_close("grads", grads, want, n_params, 1e-4, 1e-3));
    assert_true(all_close("dinp", dinp, want_x, B * T * C, 1e-4, 1e-3));
    assert_true(all_close("dh0", dh0, want_h0, B * H, 1e-4, 1e-3));
    assert_true(all_close("dc0", dc0, want_c0, B * H, 1e-4, 1e-3));
    note_errors(grads, want, n_params, &worst_fd_abs, &worst_fd_rel);
    note_errors(dinp, want_x, B * T * C, &worst_fd_abs, &worst_fd_rel);
    note_errors(dh0, want_h0, B * H, &worst_fd_abs, &worst_fd_rel);
    note_errors(dc0, want_c0, B * H, &worst_fd_abs, &worst_fd_rel);
    /* The reset really cuts sequence 1 off from its initial state... */
    if (T / 2 == 0)
        for (int j = 0; j < H; j++)
            assert_true(dh0[1 * H + j] == 0.5f && dc0[1 * H + j] == 0.5f);
    /* ...and the p_logits are really differentiated. */
    if (mode == CDRL_MODE_TRAIN && L.dp_logit_x)
        assert_true(fabsf(*L.dp_logit_x - 0.5f) > 1e-6f);
    if (mode == CDRL_MODE_TRAIN && L.dp_logit_h)
        assert_true(fabsf(*L.dp_logit_h - 0.5f) > 1e-6f);
    cdrl_lstm_free(&L);
    free(params);
    free(grads);
}

static void gradients_all_dropouts_and_lengths(void **state)
{
    (void)state;
    const cdrl_dropout_kind kinds[] = {CDRL_DROPOUT_NONE, CDRL_DROPOUT_FIXED, CDRL_DROPOUT_CONCRETE};
    const int lengths[] = {1, 2, 5, MAXT};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int l = 0; l < 4; l++) {
                check_gradients(kinds[a], kinds[b], lengths[l], CDRL_MODE_TRAIN);
                check_gradients(kinds[a], kinds[b], lengths[l], CDRL_MODE_EVAL);
            }
}

/* ==== Against PyTorch (float64), pinned ==== */

static float *floats_of(const double *src, int n)
{
    float *dst = malloc(sizeof(float) * n);
    for (int i = 0; i < n; i++)
        dst[i] = (float)src[i];
    return dst;
}

typedef struct {
    const double *out, *h_last, *c_last, *dw_ih, *dw_hh, *db_ih, *db_hh, *dx, *dh0, *dc0;
    const double *dp_logit_x, *dp_logit_h; /* NULL without Concrete */
} torch_results;

/* Runs the layer on a pinned case and compares everything PyTorch computed.
 * Forward to 1e-5 (float32 arithmetic on float32-exact inputs); gradients to
 * 1e-4 absolute + 1e-4 relative. */
static void compare_with_torch(const cdrl_lstm_spec *spec, int B, int T, const double *params,
                               const double *x, const double *h0, const double *c0,
                               const double *keep, const double *noise, const double *r_out,
                               const double *r_h, const double *r_c, double wr, double dr,
                               const torch_results *want)
{
    int C = spec->n_inputs, H = spec->n_hidden, n = (int)cdrl_lstm_param_count(spec);
    float *p = floats_of(params, n), *g = calloc((size_t)n, sizeof(float));
    float *xf = floats_of(x, B * T * C), *h0f = floats_of(h0, B * H), *c0f = floats_of(c0, B * H);
    float *keepf = keep ? floats_of(keep, B * T) : NULL;
    float *noisef = noise ? floats_of(noise, B * cdrl_lstm_noise_width(spec)) : NULL;
    float *ro = floats_of(r_out, B * T * H), *rh = floats_of(r_h, B * H), *rc = floats_of(r_c, B * H);
    float *dx = calloc((size_t)B * T * C, sizeof(float)), *dh0 = calloc((size_t)B * H, sizeof(float));
    float *dc0 = calloc((size_t)B * H, sizeof(float)), h_last[MAXB * MAXH], c_last[MAXB * MAXH];
    cdrl_lstm L;
    cdrl_error err;
    assert_int_equal(cdrl_lstm_init(&L, spec, p, g, &err), 0);
    const float *out = cdrl_lstm_forward(&L, xf, h0f, c0f, keepf, noisef, B, T, CDRL_MODE_TRAIN,
                                         h_last, c_last, &err);
    assert_non_null(out);
    assert_int_equal(cdrl_lstm_backward(&L, ro, rh, rc, dx, dh0, dc0, &err), 0);
    cdrl_lstm_regularizer(&L, (float)wr, (float)dr);

    assert_true(all_close("torch out", out, want->out, B * T * H, 1e-5, 1e-5));
    assert_true(all_close("torch h_last", h_last, want->h_last, B * H, 1e-5, 1e-5));
    assert_true(all_close("torch c_last", c_last, want->c_last, B * H, 1e-5, 1e-5));
    note_errors(out, want->out, B * T * H, &worst_torch_fwd, NULL);
    note_errors(h_last, want->h_last, B * H, &worst_torch_fwd, NULL);
    note_errors(c_last, want->c_last, B * H, &worst_torch_fwd, NULL);
    struct {
        const char *name;
        const float *got;
        const double *want;
        int n;
    } grads[] = {{"torch dW_ih", L.dw_ih, want->dw_ih, 4 * H * C},
                 {"torch dW_hh", L.dw_hh, want->dw_hh, 4 * H * H},
                 {"torch db_ih", L.db_ih, want->db_ih, 4 * H},
                 {"torch db_hh", L.db_hh, want->db_hh, 4 * H},
                 {"torch dx", dx, want->dx, B * T * C},
                 {"torch dh0", dh0, want->dh0, B * H},
                 {"torch dc0", dc0, want->dc0, B * H},
                 {"torch dp_logit_x", L.dp_logit_x, want->dp_logit_x, 1},
                 {"torch dp_logit_h", L.dp_logit_h, want->dp_logit_h, 1}};
    for (size_t k = 0; k < sizeof grads / sizeof grads[0]; k++) {
        assert_true((grads[k].got == NULL) == (grads[k].want == NULL));
        if (!grads[k].got)
            continue;
        assert_true(all_close(grads[k].name, grads[k].got, grads[k].want, grads[k].n, 1e-4, 1e-4));
        note_errors(grads[k].got, grads[k].want, grads[k].n, &worst_torch_grad_abs,
                    &worst_torch_grad_rel);
    }
    cdrl_lstm_free(&L);
    float *owned[] = {p, g, xf, h0f, c0f, keepf, noisef, ro, rh, rc, dx, dh0, dc0};
    for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
        free(owned[k]);
}

/* The parameter block in lstm.h's order, from the pinned tensors. */
static double *pinned_params(const double *w_ih, const double *w_hh, const double *b_ih,
                             const double *b_hh, const double *p_x, const double *p_h, int C, int H)
{
    int n = 4 * H * (C + H + 2);
    double *p = malloc(sizeof(double) * (n + 2)), *at = p;
    memcpy(at, w_ih, sizeof(double) * 4 * H * C), at += 4 * H * C;
    memcpy(at, w_hh, sizeof(double) * 4 * H * H), at += 4 * H * H;
    memcpy(at, b_ih, sizeof(double) * 4 * H), at += 4 * H;
    memcpy(at, b_hh, sizeof(double) * 4 * H), at += 4 * H;
    if (p_x)
        *at++ = *p_x;
    if (p_h)
        *at++ = *p_h;
    return p;
}

static void matches_torch_nn_lstm(void **state)
{
    (void)state;
    cdrl_lstm_spec spec = {.n_inputs = plain_C, .n_hidden = plain_H};
    double *params = pinned_params(plain_w_ih, plain_w_hh, plain_b_ih, plain_b_hh, NULL, NULL,
                                   plain_C, plain_H);
    torch_results want = {plain_out, plain_h_last, plain_c_last, plain_dw_ih, plain_dw_hh,
                          plain_db_ih, plain_db_hh, plain_dx, plain_dh0, plain_dc0, NULL, NULL};
    compare_with_torch(&spec, plain_B, plain_T, params, plain_x, plain_h0, plain_c0, NULL, NULL,
                       plain_r_out, plain_r_h, plain_r_c, 0.0, 0.0, &want);
    /* The pinned loss is the weighted sum of the pinned outputs: the data agree with themselves. */
    double loss = 0;
    for (int k = 0; k < plain_B * plain_T * plain_H; k++)
        loss += plain_r_out[k] * plain_out[k];
    for (int k = 0; k < plain_B * plain_H; k++)
        loss += plain_r_h[k] * plain_h_last[k] + plain_r_c[k] * plain_c_last[k];
    assert_true(fabs(loss - plain_loss[0]) < 1e-12);
    free(params);
}

static void matches_torch_concrete_equations(void **state)
{
    (void)state;
    cdrl_lstm_spec spec = {.n_inputs = concrete_C, .n_hidden = concrete_H,
                           .dropout = {CDRL_DROPOUT_CONCRETE, 0.2f},
                           .recurrent = {CDRL_DROPOUT_CONCRETE, 0.3f}};
    double *params = pinned_params(concrete_w_ih, concrete_w_hh, concrete_b_ih, concrete_b_hh,
                                   concrete_p_logit_x, concrete_p_logit_h, concrete_C, concrete_H);
    torch_results want = {concrete_out, concrete_h_last, concrete_c_last, concrete_dw_ih,
                          concrete_dw_hh, concrete_db_ih, concrete_db_hh, concrete_dx,
                          concrete_dh0, concrete_dc0, concrete_dp_logit_x, concrete_dp_logit_h};
    compare_with_torch(&spec, concrete_B, concrete_T, params, concrete_x, concrete_h0, concrete_c0,
                       concrete_keep, concrete_noise, concrete_r_out, concrete_r_h, concrete_r_c,
                       concrete_wr, concrete_dr, &want);
    /* The regulariser's value too. */
    cdrl_lstm L;
    int n = (int)cdrl_lstm_param_count(&spec);
    float *p = floats_of(params, n), *g = calloc((size_t)n, sizeof(float));
    assert_int_equal(cdrl_lstm_init(&L, &spec, p, g, NULL), 0);
    float reg = cdrl_lstm_regularizer(&L, (float)concrete_wr, (float)concrete_dr);
    assert_true(fabs(reg - concrete_reg[0]) < 1e-5);
    /* And the loss PyTorch differentiated is the weighted outputs plus it. */
    double loss = concrete_reg[0];
    for (int k = 0; k < concrete_B * concrete_T * concrete_H; k++)
        loss += concrete_r_out[k] * concrete_out[k];
    for (int k = 0; k < concrete_B * concrete_H; k++)
        loss += concrete_r_h[k] * concrete_h_last[k] + concrete_r_c[k] * concrete_c_last[k];
    assert_true(fabs(loss - concrete_loss[0]) < 1e-12);
    cdrl_lstm_free(&L);
    free(p), free(g), free(params);
}

/* ==== Windows, masks, particles, layout, errors ==== */

/* Two windows of 3 steps, the state carried from one to the next and dh0/dc0
 * of the second handed to the first's backward, give the outputs and
 * gradients of one window of 6. */
static void windows_carry_state_and_gradient(void **state)
{
    (void)state;
    enum { B = 2, T = 6, W = 3, C = 3, H = 5 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = {CDRL_DROPOUT_CONCRETE, 0.2f},
                           .recurrent = {CDRL_DROPOUT_CONCRETE, 0.3f}};
    int n = (int)cdrl_lstm_param_count(&spec);
    float *params = malloc(sizeof(float) * n), *g_full = calloc((size_t)n, sizeof(float));
    float *g_split = calloc((size_t)n, sizeof(float));
    cdrl_lstm full, first, second;
    assert_int_equal(cdrl_lstm_init(&full, &spec, params, g_full, NULL), 0);
    assert_int_equal(cdrl_lstm_init(&first, &spec, params, g_split, NULL), 0);
    assert_int_equal(cdrl_lstm_init(&second, &spec, params, g_split, NULL), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 7, 0);
    cdrl_lstm_init_params(&full, &rng);
    float x[B * T * C], dout[B * T * H], noise[B * (C + H)], h0[B * H], c0[B * H];
    fill_uniform(x, B * T * C, -1, 1, &rng);
    fill_uniform(dout, B * T * H, -1, 1, &rng);
    fill_uniform(h0, B * H, -0.5f, 0.5f, &rng);
    fill_uniform(c0, B * H, -0.5f, 0.5f, &rng);
    cdrl_lstm_draw_noise(&full, &rng, B, noise);
    float x1[B * W * C], x2[B * W * C], d1[B * W * H], d2[B * W * H];
    for (int b = 0; b < B; b++) {
        memcpy(x1 + b * W * C, x + b * T * C, sizeof(float) * W * C);
        memcpy(x2 + b * W * C, x + (b * T + W) * C, sizeof(float) * W * C);
        memcpy(d1 + b * W * H, dout + b * T * H, sizeof(float) * W * H);
        memcpy(d2 + b * W * H, dout + (b * T + W) * H, sizeof(float) * W * H);
    }
    float dx_full[B * T * C] = {0}, dh0_full[B * H] = {0}, dc0_full[B * H] = {0};
    const float *out = cdrl_lstm_forward(&full, x, h0, c0, NULL, noise, B, T, CDRL_MODE_TRAIN, NULL,
                                         NULL, NULL);
    assert_int_equal(cdrl_lstm_backward(&full, dout, NULL, NULL, dx_full, dh0_full, dc0_full, NULL), 0);

    float h[B * H], c[B * H];
    memcpy(h, h0, sizeof h), memcpy(c, c0, sizeof c);
    const float *out1 = cdrl_lstm_forward(&first, x1, h, c, NULL, noise, B, W, CDRL_MODE_TRAIN, h,
                                          c, NULL); /* state carried in place */
    const float *out2 = cdrl_lstm_forward(&second, x2, h, c, NULL, noise, B, W, CDRL_MODE_TRAIN,
                                          NULL, NULL, NULL);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < W * H; k++) {
            assert_float_equal(out1[b * W * H + k], out[b * T * H + k], 1e-6);
            assert_float_equal(out2[b * W * H + k], out[(b * T + W) * H + k], 1e-6);
        }
    float dh_cut[B * H] = {0}, dc_cut[B * H] = {0}, dx1[B * W * C] = {0}, dx2[B * W * C] = {0};
    float dh0_split[B * H] = {0}, dc0_split[B * H] = {0};
    assert_int_equal(cdrl_lstm_backward(&second, d2, NULL, NULL, dx2, dh_cut, dc_cut, NULL), 0);
    assert_int_equal(cdrl_lstm_backward(&first, d1, dh_cut, dc_cut, dx1, dh0_split, dc0_split, NULL), 0);
    for (int k = 0; k < n; k++)
        assert_float_equal(g_split[k], g_full[k], 1e-5);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < W * C; k++) {
            assert_float_equal(dx1[b * W * C + k], dx_full[b * T * C + k], 1e-5);
            assert_float_equal(dx2[b * W * C + k], dx_full[(b * T + W) * C + k], 1e-5);
        }
    for (int k = 0; k < B * H; k++) {
        assert_float_equal(dh0_split[k], dh0_full[k], 1e-5);
        assert_float_equal(dc0_split[k], dc0_full[k], 1e-5);
    }
    /* Truncation: without the handed-over gradient the first window's weights
     * see only its own steps, which is a different (smaller) gradient. */
    memset(g_split, 0, sizeof(float) * n);
    assert_int_equal(cdrl_lstm_backward(&first, d1, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    int differs = 0;
    for (int k = 0; k < 4 * H * C; k++)
        differs |= fabsf(g_split[k] - g_full[k]) > 1e-4f;
    assert_true(differs);
    cdrl_lstm_free(&full), cdrl_lstm_free(&first), cdrl_lstm_free(&second);
    free(params), free(g_full), free(g_split);
}

/* A unit the locked fixed mask drops is dropped at every step: nothing of it
 * reaches the output, so its input gradient is exactly 0 throughout the
 * sequence, while kept units' are not. Same for a dropped h unit and the
 * columns of W_hh: their gradient is exactly 0. */
static void masks_are_locked_per_sequence(void **state)
{
    (void)state;
    enum { B = 2, T = 5, C = 3, H = 4 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = {CDRL_DROPOUT_FIXED, 0.5f},
                           .recurrent = {CDRL_DROPOUT_FIXED, 0.5f}};
    int n = (int)cdrl_lstm_param_count(&spec);
    float *params = malloc(sizeof(float) * n), *grads = calloc((size_t)n, sizeof(float));
    cdrl_lstm L;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, NULL), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    cdrl_lstm_init_params(&L, &rng);
    /* Sequence 0 drops input unit 1 and h units 0, 2; sequence 1 keeps everything. */
    float noise[B * (C + H)] = {0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f,
                                0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f};
    float x[B * T * C], dout[B * T * H], dx[B * T * C] = {0};
    fill_uniform(x, B * T * C, -1, 1, &rng);
    fill_uniform(dout, B * T * H, -1, 1, &rng);
    assert_non_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, noise, 1, T, CDRL_MODE_TRAIN, NULL,
                                      NULL, NULL));
    assert_int_equal(cdrl_lstm_backward(&L, dout, NULL, NULL, dx, NULL, NULL, NULL), 0);
    for (int t = 0; t < T; t++) {
        assert_true(dx[t * C + 1] == 0.0f);
        assert_true(dx[t * C + 0] != 0.0f && dx[t * C + 2] != 0.0f);
    }
    for (int row = 0; row < 4 * H; row++) {
        assert_true(L.dw_hh[row * H + 0] == 0.0f && L.dw_hh[row * H + 2] == 0.0f);
        assert_true(L.dw_ih[row * C + 1] == 0.0f);
    }
    /* With both sequences, sequence 1's kept units put gradient in every column. */
    memset(grads, 0, sizeof(float) * n);
    assert_non_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, noise, B, T, CDRL_MODE_TRAIN, NULL,
                                      NULL, NULL));
    assert_int_equal(cdrl_lstm_backward(&L, dout, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    assert_true(L.dw_ih[1] != 0.0f && L.dw_hh[0] != 0.0f);
    cdrl_lstm_free(&L);
    free(params), free(grads);
}

/* P = 2 particles of R = 2 sequences, all with the same input: sequences of
 * one particle agree, the particles differ, and a second call repeats the
 * first. EVAL ignores the frozen masks; unfrozen, MC needs noise again. */
static void frozen_particles(void **state)
{
    (void)state;
    enum { P = 2, R = 2, B = P * R, T = 4, C = 3, H = 4 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = {CDRL_DROPOUT_CONCRETE, 0.3f},
                           .recurrent = {CDRL_DROPOUT_FIXED, 0.3f}};
    int n = (int)cdrl_lstm_param_count(&spec);
    float *params = malloc(sizeof(float) * n), *grads = calloc((size_t)n, sizeof(float));
    cdrl_lstm L;
    cdrl_error err;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 5, 0);
    cdrl_lstm_init_params(&L, &rng);
    float x[B * T * C], first[B * T * H];
    fill_uniform(x, T * C, -1, 1, &rng);
    for (int b = 1; b < B; b++)
        memcpy(x + b * T * C, x, sizeof(float) * T * C);
    assert_int_equal(cdrl_lstm_freeze_masks(&L, P, &rng, &err), 0);
    const float *out = cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, B, T, CDRL_MODE_MC, NULL,
                                         NULL, &err);
    assert_non_null(out);
    memcpy(first, out, sizeof first);
    assert_memory_equal(first, first + T * H, sizeof(float) * T * H);
    assert_memory_equal(first + 2 * T * H, first + 3 * T * H, sizeof(float) * T * H);
    assert_memory_not_equal(first, first + 2 * T * H, sizeof(float) * T * H);
    out = cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, B, T, CDRL_MODE_MC, NULL, NULL, &err);
    assert_memory_equal(out, first, sizeof first);
    assert_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, 3, T, CDRL_MODE_MC, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "multiple of the 2 frozen particles"));
    out = cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, B, T, CDRL_MODE_EVAL, NULL, NULL, &err);
    assert_memory_equal(out, out + 2 * T * H, sizeof(float) * T * H);
    assert_memory_not_equal(out, first, sizeof(float) * T * H);
    cdrl_lstm_unfreeze_masks(&L);
    assert_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, B, T, CDRL_MODE_MC, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "needs noise"));
    /* Unfrozen, MC reads the noise it is given, exactly as TRAIN does. */
    float noise[B * (C + H)], train[B * T * H];
    cdrl_lstm_draw_noise(&L, &rng, B, noise);
    out = cdrl_lstm_forward(&L, x, NULL, NULL, NULL, noise, B, T, CDRL_MODE_TRAIN, NULL, NULL, &err);
    memcpy(train, out, sizeof train);
    out = cdrl_lstm_forward(&L, x, NULL, NULL, NULL, noise, B, T, CDRL_MODE_MC, NULL, NULL, &err);
    assert_memory_equal(out, train, sizeof train);
    cdrl_lstm_free(&L);
    free(params), free(grads);
}

/* With Concrete dropout on the input only, the regulariser reaches W_ih and
 * p_logit_x and nothing else; its value is dropout.h's with K = C. */
static void regularizer_covers_input_weights_only(void **state)
{
    (void)state;
    enum { C = 3, H = 4 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = {CDRL_DROPOUT_CONCRETE, 0.2f},
                           .recurrent = {CDRL_DROPOUT_FIXED, 0.3f}};
    int n = (int)cdrl_lstm_param_count(&spec);
    assert_int_equal(n, 4 * H * (C + H + 2) + 1);
    float *params = malloc(sizeof(float) * n), *grads = calloc((size_t)n, sizeof(float));
    cdrl_lstm L;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, NULL), 0);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 9, 0);
    cdrl_lstm_init_params(&L, &rng);
    float reg = cdrl_lstm_regularizer(&L, 0.01f, 0.1f);
    float want = cdrl_concrete_regularizer(NULL, NULL, L.w_ih, 4 * H * C, C, *L.p_logit_x, 0.01f, 0.1f);
    assert_float_equal(reg, want, 1e-7);
    for (int k = 0; k < 4 * H * C; k++)
        assert_float_equal(L.dw_ih[k], 2 * 0.01f * L.w_ih[k] / 0.8f, 1e-7);
    for (int k = 4 * H * C; k < n - 1; k++)
        assert_true(grads[k] == 0.0f);
    assert_true(*L.dp_logit_x != 0.0f);
    assert_float_equal(cdrl_lstm_dropout_p(&L, 0), 0.2f, 1e-6);
    assert_float_equal(cdrl_lstm_dropout_p(&L, 1), 0.3f, 0);
    cdrl_lstm_free(&L);
    free(params), free(grads);
}

/* The block is W_ih, W_hh, b_ih, b_hh, p_logit_x, p_logit_h, and gradients
 * mirror it; PyTorch's initialisation stays within 1/sqrt(H). */
static void parameter_layout(void **state)
{
    (void)state;
    enum { C = 3, H = 4 };
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = {CDRL_DROPOUT_CONCRETE, 0.1f},
                           .recurrent = {CDRL_DROPOUT_CONCRETE, 0.25f}};
    assert_int_equal(cdrl_lstm_param_count(&spec), 4 * H * (C + H + 2) + 2);
    assert_int_equal(cdrl_lstm_noise_width(&spec), C + H);
    float params[4 * H * (C + H + 2) + 2], grads[4 * H * (C + H + 2) + 2];
    cdrl_lstm L;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, NULL), 0);
    assert_ptr_equal(L.w_ih, params);
    assert_ptr_equal(L.w_hh, params + 4 * H * C);
    assert_ptr_equal(L.b_ih, params + 4 * H * (C + H));
    assert_ptr_equal(L.b_hh, params + 4 * H * (C + H + 1));
    assert_ptr_equal(L.p_logit_x, params + 4 * H * (C + H + 2));
    assert_ptr_equal(L.p_logit_h, params + 4 * H * (C + H + 2) + 1);
    assert_ptr_equal(L.dw_hh, grads + 4 * H * C);
    assert_ptr_equal(L.dp_logit_h, grads + 4 * H * (C + H + 2) + 1);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 1, 0);
    cdrl_lstm_init_params(&L, &rng);
    for (int k = 0; k < 4 * H * (C + H + 2); k++)
        assert_true(fabsf(params[k]) <= 0.5f);
    assert_float_equal(cdrl_lstm_dropout_p(&L, 0), 0.1f, 1e-6);
    assert_float_equal(cdrl_lstm_dropout_p(&L, 1), 0.25f, 1e-6);
    spec.dropout.kind = CDRL_DROPOUT_NONE;
    spec.recurrent.kind = CDRL_DROPOUT_FIXED;
    assert_int_equal(cdrl_lstm_param_count(&spec), 4 * H * (C + H + 2));
    assert_int_equal(cdrl_lstm_noise_width(&spec), H);
    cdrl_lstm_free(&L);
}

static void bad_input(void **state)
{
    (void)state;
    float params[200], grads[200], x[8] = {0};
    cdrl_lstm L;
    cdrl_error err;
    cdrl_lstm_spec spec = {.n_inputs = 0, .n_hidden = 2};
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "n_inputs 0"));
    spec = (cdrl_lstm_spec){.n_inputs = 2, .n_hidden = 2, .recurrent = {CDRL_DROPOUT_FIXED, 1.0f}};
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "recurrent fixed dropout p 1"));
    spec = (cdrl_lstm_spec){.n_inputs = 2, .n_hidden = 2, .dropout = {CDRL_DROPOUT_CONCRETE, 0.0f}};
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "input concrete dropout initial p 0"));
    spec.dropout.p = 0.1f;
    assert_int_equal(cdrl_lstm_init(&L, &spec, params, grads, &err), 0);
    assert_int_equal(cdrl_lstm_backward(&L, NULL, NULL, NULL, NULL, NULL, NULL, &err), CDRL_ESTATE);
    assert_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, 0, 1, CDRL_MODE_EVAL, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "0 sequences of 1 steps"));
    assert_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, 1, 1, CDRL_MODE_TRAIN, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "train mode needs noise (B, 2)"));
    /* EVAL needs no noise. */
    assert_non_null(cdrl_lstm_forward(&L, x, NULL, NULL, NULL, NULL, 2, 2, CDRL_MODE_EVAL, NULL, NULL, &err));
    assert_int_equal(cdrl_lstm_freeze_masks(&L, 0, NULL, &err), CDRL_EINVAL);
    cdrl_lstm_free(&L);
}

static int print_worst(void **state)
{
    (void)state;
    print_message("lstm: worst |error| vs central differences %.3g (relative %.3g); vs PyTorch "
                  "float64: forward %.3g, gradients %.3g (relative %.3g)\n",
                  worst_fd_abs, worst_fd_rel, worst_torch_fwd, worst_torch_grad_abs,
                  worst_torch_grad_rel);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_all_dropouts_and_lengths),
        cmocka_unit_test(matches_torch_nn_lstm),
        cmocka_unit_test(matches_torch_concrete_equations),
        cmocka_unit_test(windows_carry_state_and_gradient),
        cmocka_unit_test(masks_are_locked_per_sequence),
        cmocka_unit_test(frozen_particles),
        cmocka_unit_test(regularizer_covers_input_weights_only),
        cmocka_unit_test(parameter_layout),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, print_worst);
}
