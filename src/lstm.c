/* The LSTM layer (equations, layout and dropout in lstm.h).
 *
 * The matrix work is three kinds of product: the input projection of all
 * B*T steps at once before the recurrence, one (B,H)x(H,4H) product per step
 * inside it, and the weight gradients of all steps at once after the
 * backward recurrence. Small products (a policy's 8 envs stepping a 64-unit
 * LSTM) go through cdrl_matmul_acc, large ones through cblas_sgemm, as in
 * the dense layer: OpenBLAS spends more time packing such operands than
 * multiplying them, and on a CPU it does not recognise it falls back to SSE3
 * kernels. Which way a product goes depends only on its sizes, so the same
 * shapes always give the same bits. Buffers are batch-major (B,T,...) like
 * the API, so a step's rows are T rows apart: the per-step products pass that
 * stride as their leading dimension instead of copying. Everything else is
 * elementwise loops over one step. */
#include "cdrl/lstm.h"

#include "cdrl/activation.h"
#include "matmul.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ==== Spec, layout, buffers ==== */

static int concrete(const cdrl_dropout_spec *d)
{
    return d->kind == CDRL_DROPOUT_CONCRETE;
}

size_t cdrl_lstm_param_count(const cdrl_lstm_spec *spec)
{
    size_t C = (size_t)spec->n_inputs, H = (size_t)spec->n_hidden;
    return 4 * H * (C + H + 2) + concrete(&spec->dropout) + concrete(&spec->recurrent);
}

int cdrl_lstm_noise_width(const cdrl_lstm_spec *spec)
{
    return (spec->dropout.kind != CDRL_DROPOUT_NONE ? spec->n_inputs : 0)
           + (spec->recurrent.kind != CDRL_DROPOUT_NONE ? spec->n_hidden : 0);
}

static int check_dropout(const char *which, const cdrl_dropout_spec *d, cdrl_error *err)
{
    switch (d->kind) {
    case CDRL_DROPOUT_NONE: return 0;
    case CDRL_DROPOUT_FIXED:
        if (!(d->p >= 0.0f && d->p < 1.0f))
            return cdrl_errorf(err, CDRL_EINVAL, "lstm: %s fixed dropout p %g outside [0, 1)",
                               which, d->p);
        return 0;
    case CDRL_DROPOUT_CONCRETE:
        if (!(d->p > 0.0f && d->p < 1.0f))
            return cdrl_errorf(err, CDRL_EINVAL,
                               "lstm: %s concrete dropout initial p %g outside (0, 1)", which, d->p);
        return 0;
    default:
        return cdrl_errorf(err, CDRL_EINVAL, "lstm: unknown %s dropout kind %d", which,
                           (int)d->kind);
    }
}

int cdrl_lstm_init(cdrl_lstm *L, const cdrl_lstm_spec *spec, float *params, float *grads,
                   cdrl_error *err)
{
    memset(L, 0, sizeof *L);
    if (spec->n_inputs < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "lstm: n_inputs %d must be >= 1", spec->n_inputs);
    if (spec->n_hidden < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "lstm: n_hidden %d must be >= 1", spec->n_hidden);
    int rc = check_dropout("input", &spec->dropout, err);
    if (!rc)
        rc = check_dropout("recurrent", &spec->recurrent, err);
    if (rc)
        return rc;
    L->spec = *spec;
    size_t C = (size_t)spec->n_inputs, H = (size_t)spec->n_hidden, at = 0;
    float **slots[][2] = {{&L->w_ih, &L->dw_ih}, {&L->w_hh, &L->dw_hh}, {&L->b_ih, &L->db_ih},
                          {&L->b_hh, &L->db_hh}};
    size_t sizes[] = {4 * H * C, 4 * H * H, 4 * H, 4 * H};
    for (int k = 0; k < 4; k++) {
        *slots[k][0] = params + at, *slots[k][1] = grads + at;
        at += sizes[k];
    }
    if (concrete(&spec->dropout))
        L->p_logit_x = params + at, L->dp_logit_x = grads + at, at += 1;
    if (concrete(&spec->recurrent))
        L->p_logit_h = params + at, L->dp_logit_h = grads + at, at += 1;
    L->last_mode = CDRL_MODE_EVAL;
    return 0;
}

/* The per-batch buffers with their widths, per step row (B*T rows) or per
 * sequence (B rows), so one loop can grow or free them. The backward scratch
 * is separate: an MC evaluation should not pay for gradient buffers. */
#define ROW_BUFFERS(L, C, H, X)                                                                \
    X(L->inp, C) X(L->x_drop, C) X(L->keep, 1) X(L->h_prev, H) X(L->h_drop, H)                 \
    X(L->c_prev, H) X(L->gates, 4 * H) X(L->c, H) X(L->tanh_c, H) X(L->out, H)
#define SEQ_BUFFERS(L, C, H, X)                                                                \
    X(L->mask_x, C) X(L->z_x, C) X(L->mask_h, H) X(L->z_h, H) X(L->ones, (C > H ? C : H))      \
    X(L->h0, H) X(L->c0, H)
#define GRAD_ROW_BUFFERS(L, C, H, X) X(L->dgates, 4 * H) X(L->dx_drop, C)
#define GRAD_SEQ_BUFFERS(L, C, H, X) X(L->dh, H) X(L->dc, H) X(L->dh_drop, H) X(L->dmask_x, C) X(L->dmask_h, H)

void cdrl_lstm_free(cdrl_lstm *L)
{
    if (!L)
        return;
#define FREE_BUFFER(buf, width) free(buf), (buf) = NULL;
    ROW_BUFFERS(L, 0, 0, FREE_BUFFER)
    SEQ_BUFFERS(L, 0, 0, FREE_BUFFER)
    GRAD_ROW_BUFFERS(L, 0, 0, FREE_BUFFER)
    GRAD_SEQ_BUFFERS(L, 0, 0, FREE_BUFFER)
#undef FREE_BUFFER
    free(L->w_t), L->w_t = NULL;
    L->w_t_made = 0;
    cdrl_lstm_unfreeze_masks(L);
    L->capacity_rows = L->capacity_seqs = L->grad_rows = L->grad_seqs = 0;
    L->batch = L->steps = 0;
}

/* Contents are not kept: every buffer is rewritten by the pass that uses it. */
static int grow(float **buf, size_t n)
{
    float *p = realloc(*buf, sizeof(float) * (n ? n : 1));
    if (!p)
        return -1;
    *buf = p;
    return 0;
}

static int reserve_forward(cdrl_lstm *L, size_t rows, size_t seqs, cdrl_error *err)
{
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden;
    int fail = 0;
    if (rows > L->capacity_rows) {
#define GROW_ROWS(buf, width) fail |= grow(&(buf), rows * (width));
        ROW_BUFFERS(L, C, H, GROW_ROWS)
        if (!fail)
            L->capacity_rows = rows;
    }
    if (seqs > L->capacity_seqs) {
#define GROW_SEQS(buf, width) fail |= grow(&(buf), seqs * (width));
        SEQ_BUFFERS(L, C, H, GROW_SEQS)
        if (!fail) {
            L->capacity_seqs = seqs;
            for (size_t k = 0; k < seqs * (C > H ? C : H); k++)
                L->ones[k] = 1.0f;
        }
    }
    if (!L->w_t)
        fail |= grow(&L->w_t, 2 * (C + H) * 4 * H);
    if (fail) /* the capacities still describe buffers that all hold them */
        return cdrl_errorf(err, CDRL_ENOMEM, "lstm: cannot allocate buffers for %zu steps", rows);
    return 0;
}

/* w_t = W^T for W (N,K): the kernel wants its right operand's rows contiguous. */
static void transpose(float *w_t, const float *w, size_t N, size_t K)
{
    for (size_t n = 0; n < N; n++)
        for (size_t k = 0; k < K; k++)
            w_t[k * N + n] = w[n * K + k];
}

/* Transposes W_ih and W_hh (adjacent in the parameter block) into L->w_t
 * unless they are bit for bit the weights of the last transpose: a rollout
 * steps the same weights hundreds of times, and comparing is much cheaper
 * than transposing. */
static void transpose_weights(cdrl_lstm *L)
{
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden, n = 4 * H * (C + H);
    float *made_from = L->w_t + n;
    if (L->w_t_made && memcmp(made_from, L->w_ih, sizeof(float) * n) == 0)
        return;
    transpose(L->w_t, L->w_ih, 4 * H, C);
    transpose(L->w_t + C * 4 * H, L->w_hh, 4 * H, H);
    memcpy(made_from, L->w_ih, sizeof(float) * n);
    L->w_t_made = 1;
}

static int reserve_backward(cdrl_lstm *L, size_t rows, size_t seqs, cdrl_error *err)
{
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden;
    int fail = 0;
    if (rows > L->grad_rows) {
        GRAD_ROW_BUFFERS(L, C, H, GROW_ROWS)
        if (!fail)
            L->grad_rows = rows;
    }
    if (seqs > L->grad_seqs) {
        GRAD_SEQ_BUFFERS(L, C, H, GROW_SEQS)
        if (!fail)
            L->grad_seqs = seqs;
    }
#undef GROW_ROWS
#undef GROW_SEQS
    if (fail)
        return cdrl_errorf(err, CDRL_ENOMEM, "lstm: cannot allocate gradient buffers for %zu steps",
                           rows);
    return 0;
}

void cdrl_lstm_init_params(cdrl_lstm *L, cdrl_rng *rng)
{
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden;
    double a = 1.0 / sqrt((double)H);
    /* W_ih, W_hh, b_ih, b_hh are contiguous in the block. */
    for (size_t k = 0; k < 4 * H * (C + H + 2); k++)
        L->w_ih[k] = (float)cdrl_rng_range(rng, -a, a);
    if (L->p_logit_x)
        *L->p_logit_x = cdrl_logit(L->spec.dropout.p);
    if (L->p_logit_h)
        *L->p_logit_h = cdrl_logit(L->spec.recurrent.p);
}

void cdrl_lstm_draw_noise(const cdrl_lstm *L, cdrl_rng *rng, int B, float *noise)
{
    size_t n = (size_t)B * cdrl_lstm_noise_width(&L->spec);
    for (size_t k = 0; k < n; k++)
        noise[k] = cdrl_rng_uniform_f(rng);
}

/* ==== Masks ==== */

static int dropout_active(const cdrl_dropout_spec *d, cdrl_mode mode)
{
    return d->kind != CDRL_DROPOUT_NONE && mode != CDRL_MODE_EVAL;
}

/* One sequence's mask of n units from its uniforms u, through dropout.h's
 * functions applied to an input of ones: their output IS the mask. */
static void make_mask(float *mask, float *z, const float *ones, const float *u,
                      const cdrl_dropout_spec *d, const float *p_logit, int n)
{
    if (d->kind == CDRL_DROPOUT_CONCRETE)
        cdrl_concrete_dropout_forward(mask, z, ones, u, *p_logit, n);
    else
        cdrl_fixed_dropout_forward(mask, z, ones, u, d->p, n);
}

/* Masks of the B sequences from their noise rows: the frozen particle rows in
 * MC mode when frozen, else the caller's. */
static void make_masks(cdrl_lstm *L, const float *noise, int B, cdrl_mode mode)
{
    int C = L->spec.n_inputs, H = L->spec.n_hidden, width = cdrl_lstm_noise_width(&L->spec);
    int frozen = mode == CDRL_MODE_MC && L->frozen_particles > 0;
    int per_particle = frozen ? B / L->frozen_particles : 1;
    int x_on = dropout_active(&L->spec.dropout, mode), h_on = dropout_active(&L->spec.recurrent, mode);
    for (int b = 0; b < B; b++) {
        const float *u = frozen ? L->frozen_noise + (size_t)(b / per_particle) * width
                                : noise + (size_t)b * width;
        if (x_on) {
            make_mask(L->mask_x + (size_t)b * C, L->z_x + (size_t)b * C, L->ones, u,
                      &L->spec.dropout, L->p_logit_x, C);
            u += C;
        }
        if (h_on)
            make_mask(L->mask_h + (size_t)b * H, L->z_h + (size_t)b * H, L->ones, u,
                      &L->spec.recurrent, L->p_logit_h, H);
    }
}

/* ==== Forward ==== */

static int check_forward(const cdrl_lstm *L, const float *noise, int B, int T, cdrl_mode mode,
                         cdrl_error *err)
{
    if (B < 1 || T < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "lstm forward: %d sequences of %d steps; both must be >= 1",
                           B, T);
    int frozen = mode == CDRL_MODE_MC && L->frozen_particles > 0;
    if (frozen && B % L->frozen_particles != 0)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "lstm forward: %d sequences is not a multiple of the %d frozen particles",
                           B, L->frozen_particles);
    int needs_noise = dropout_active(&L->spec.dropout, mode)
                      || dropout_active(&L->spec.recurrent, mode);
    if (needs_noise && !frozen && !noise)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "lstm forward: dropout in %s mode needs noise (B, %d), got none",
                           mode == CDRL_MODE_TRAIN ? "train" : "mc", cdrl_lstm_noise_width(&L->spec));
    return 0;
}

/* Keeps the inputs the backward pass reads: x, x~, keep, the initial state. */
static void store_inputs(cdrl_lstm *L, const float *inp, const float *h0, const float *c0,
                         const float *keep, int B, int T, int x_on)
{
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden, rows = (size_t)B * T;
    memcpy(L->inp, inp, sizeof(float) * rows * C);
    for (size_t r = 0; r < rows; r++) {
        const float *m = L->mask_x + (r / T) * C;
        for (size_t k = 0; k < C; k++)
            L->x_drop[r * C + k] = x_on ? inp[r * C + k] * m[k] : inp[r * C + k];
        L->keep[r] = keep ? keep[r] : 1.0f;
    }
    if (h0)
        memcpy(L->h0, h0, sizeof(float) * B * H);
    else
        memset(L->h0, 0, sizeof(float) * B * H);
    if (c0)
        memcpy(L->c0, c0, sizeof(float) * B * H);
    else
        memset(L->c0, 0, sizeof(float) * B * H);
}

/* x = a x + b over n elements. */
static void scale(float *x, int n, float a, float b)
{
    for (int k = 0; k < n; k++)
        x[k] = a * x[k] + b;
}

/* Step t of every sequence, once the gate pre-activations of step t hold
 * everything but the recurrent product: writes h~, c~ for step t, adds
 * h~ W_hh^T, and applies the cell. */
static void forward_step(cdrl_lstm *L, int B, int T, int t, int h_on)
{
    // gates (B,T,4H), h_prev/h_drop/c_prev/c/tanh_c/out (B,T,H), h0/c0/mask_h (B,H)
    int H = L->spec.n_hidden;
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * T + t;
        float keep = L->keep[row];
        const float *h_before = t ? L->out + (row - 1) * H : L->h0 + (size_t)b * H;
        const float *c_before = t ? L->c + (row - 1) * H : L->c0 + (size_t)b * H;
        float *hp = L->h_prev + row * H, *hd = L->h_drop + row * H, *cp = L->c_prev + row * H;
        const float *m = L->mask_h + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            hp[j] = keep * h_before[j];
            hd[j] = h_on ? hp[j] * m[j] : hp[j];
            cp[j] = keep * c_before[j];
        }
    }
    if (cdrl_matmul_is_small(B, H, 4 * H))
        cdrl_matmul_acc(L->gates + (size_t)t * 4 * H, T * 4 * H, L->h_drop + (size_t)t * H, T * H, 1,
                        L->w_t + (size_t)L->spec.n_inputs * 4 * H, 4 * H, B, H, 4 * H);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, 4 * H, H, 1.0f,
                    L->h_drop + (size_t)t * H, T * H, L->w_hh, H, 1.0f, L->gates + (size_t)t * 4 * H,
                    T * 4 * H);
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * T + t;
        float *a = L->gates + row * 4 * H;
        const float *cp = L->c_prev + row * H;
        float *c = L->c + row * H, *tc = L->tanh_c + row * H, *h = L->out + row * H;
        /* sigmoid(x) = (1 + tanh(x/2)) / 2, so the four gates are one tanh
         * call: the layer runs at the speed of activation.c's tanh. */
        scale(a, 2 * H, 0.5f, 0.0f), scale(a + 3 * H, H, 0.5f, 0.0f); /* i, f; o */
        cdrl_activation_forward(a, a, 4 * H, CDRL_ACT_TANH);
        scale(a, 2 * H, 0.5f, 0.5f), scale(a + 3 * H, H, 0.5f, 0.5f);
        const float *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
        for (int j = 0; j < H; j++)
            c[j] = f[j] * cp[j] + i[j] * g[j];
        cdrl_activation_forward(tc, c, H, CDRL_ACT_TANH);
        for (int j = 0; j < H; j++)
            h[j] = o[j] * tc[j];
    }
}

const float *cdrl_lstm_forward(cdrl_lstm *L, const float *inp, const float *h0, const float *c0,
                               const float *keep, const float *noise, int B, int T,
                               cdrl_mode mode, float *h_last, float *c_last, cdrl_error *err)
{
    // inp (B,T,C), h0/c0 (B,H), keep (B,T), noise (B, noise width), out (B,T,H), h_last/c_last (B,H)
    if (check_forward(L, noise, B, T, mode, err))
        return NULL;
    size_t C = (size_t)L->spec.n_inputs, H = (size_t)L->spec.n_hidden, rows = (size_t)B * T;
    if (reserve_forward(L, rows, (size_t)B, err))
        return NULL;
    int x_on = dropout_active(&L->spec.dropout, mode), h_on = dropout_active(&L->spec.recurrent, mode);
    make_masks(L, noise, B, mode);
    store_inputs(L, inp, h0, c0, keep, B, T, x_on);
    /* The input part of every step at once, on top of both biases. */
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < 4 * H; k++)
            L->gates[r * 4 * H + k] = L->b_ih[k] + L->b_hh[k];
    transpose_weights(L);
    if (cdrl_matmul_is_small((int)rows, (int)C, (int)(4 * H)))
        cdrl_matmul_acc(L->gates, (int)(4 * H), L->x_drop, (int)C, 1, L->w_t, (int)(4 * H), (int)rows,
                        (int)C, (int)(4 * H));
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)(4 * H), (int)C, 1.0f,
                    L->x_drop, (int)C, L->w_ih, (int)C, 1.0f, L->gates, (int)(4 * H));
    for (int t = 0; t < T; t++)
        forward_step(L, B, T, t, h_on);
    for (int b = 0; b < B; b++) {
        size_t last = ((size_t)b * T + T - 1) * H;
        if (h_last)
            memcpy(h_last + (size_t)b * H, L->out + last, sizeof(float) * H);
        if (c_last)
            memcpy(c_last + (size_t)b * H, L->c + last, sizeof(float) * H);
    }
    L->batch = B, L->steps = T, L->last_mode = mode;
    return L->out;
}

/* ==== Backward ==== */

/* Step t of every sequence, from dh = dL/dh_t (less dout) and dc = dL/dc_t
 * through the cell: writes the gate gradients of step t, and leaves in dh, dc
 * the gradients w.r.t. h_{t-1}, c_{t-1}. */
static void backward_step(cdrl_lstm *L, const float *dout, int B, int T, int t, int h_on,
                          int h_concrete)
{
    // dout (B,T,H), dgates (B,T,4H), dh/dc/dh_drop/dmask_h (B,H)
    int H = L->spec.n_hidden;
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * T + t;
        const float *a = L->gates + row * 4 * H, *cp = L->c_prev + row * H, *tc = L->tanh_c + row * H;
        float *da = L->dgates + row * 4 * H, *dh = L->dh + (size_t)b * H, *dc = L->dc + (size_t)b * H;
        float keep = L->keep[row];
        for (int j = 0; j < H; j++) {
            float i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
            float dht = dh[j] + (dout ? dout[row * H + j] : 0.0f);
            float dct = dc[j] + dht * o * (1.0f - tc[j] * tc[j]);
            da[j] = dct * g * i * (1.0f - i);
            da[H + j] = dct * cp[j] * f * (1.0f - f);
            da[2 * H + j] = dct * i * (1.0f - g * g);
            da[3 * H + j] = dht * tc[j] * o * (1.0f - o);
            dc[j] = dct * f * keep;
        }
    }
    if (cdrl_matmul_is_small(B, 4 * H, H)) {
        memset(L->dh_drop, 0, sizeof(float) * (size_t)B * H);
        cdrl_matmul_acc(L->dh_drop, H, L->dgates + (size_t)t * 4 * H, T * 4 * H, 1, L->w_hh, H, B, 4 * H, H);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, 4 * H, 1.0f,
                    L->dgates + (size_t)t * 4 * H, T * 4 * H, L->w_hh, H, 0.0f, L->dh_drop, H);
    }
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * T + t;
        const float *dhd = L->dh_drop + (size_t)b * H, *m = L->mask_h + (size_t)b * H;
        const float *hp = L->h_prev + row * H;
        float *dh = L->dh + (size_t)b * H, *dm = L->dmask_h + (size_t)b * H;
        float keep = L->keep[row];
        for (int j = 0; j < H; j++) {
            if (h_concrete)
                dm[j] += dhd[j] * hp[j];
            dh[j] = (h_on ? dhd[j] * m[j] : dhd[j]) * keep;
        }
    }
}

static void add_column_sums(float *sums, const float *m, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < cols; k++)
            sums[k] += m[r * cols + k];
}

/* From the gate gradients to dinp and the input mask's p_logit. */
/* d (rows,C) = beta d + dgates (rows,4H) W_ih (4H,C); beta is 0 or 1. */
static void input_grad(cdrl_lstm *L, float *d, int rows, float beta)
{
    int C = L->spec.n_inputs, H = L->spec.n_hidden;
    if (!cdrl_matmul_is_small(rows, 4 * H, C)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, C, 4 * H, 1.0f, L->dgates,
                    4 * H, L->w_ih, C, beta, d, C);
        return;
    }
    if (beta == 0.0f)
        memset(d, 0, sizeof(float) * (size_t)rows * C);
    cdrl_matmul_acc(d, C, L->dgates, 4 * H, 1, L->w_ih, C, rows, 4 * H, C);
}

/* dw (G,K) += dgates^T (G,rows) x (rows,K), G = 4H: a weight's gradient over every step. */
static void weight_grad(float *dw, const float *dgates, const float *x, int rows, int G, int K)
{
    if (cdrl_matmul_is_small(G, rows, K))
        cdrl_matmul_acc(dw, K, dgates, 1, G, x, K, G, rows, K);
    else
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, K, rows, 1.0f, dgates, G, x, K, 1.0f,
                    dw, K);
}

static void backward_input(cdrl_lstm *L, float *dinp, int B, int T, int x_on)
{
    // dgates (B,T,4H), dx_drop/inp/dinp (B,T,C), mask_x/z_x/dmask_x (B,C)
    int C = L->spec.n_inputs;
    size_t rows = (size_t)B * T;
    int x_concrete = x_on && L->spec.dropout.kind == CDRL_DROPOUT_CONCRETE;
    if (!dinp && !x_concrete)
        return;
    if (!x_on) { /* x~ = x: the product lands in dinp directly */
        input_grad(L, dinp, (int)rows, 1.0f);
        return;
    }
    input_grad(L, L->dx_drop, (int)rows, 0.0f);
    memset(L->dmask_x, 0, sizeof(float) * B * C);
    for (size_t r = 0; r < rows; r++) {
        const float *m = L->mask_x + (r / T) * C;
        float *dm = L->dmask_x + (r / T) * C;
        for (int k = 0; k < C; k++) {
            float d = L->dx_drop[r * C + k];
            if (dinp)
                dinp[r * C + k] += d * m[k];
            dm[k] += d * L->inp[r * C + k];
        }
    }
    if (x_concrete)
        cdrl_concrete_dropout_backward(NULL, L->dp_logit_x, L->dmask_x, L->ones, L->z_x,
                                       *L->p_logit_x, B * C);
}

int cdrl_lstm_backward(cdrl_lstm *L, const float *dout, const float *dh_last,
                       const float *dc_last, float *dinp, float *dh0, float *dc0,
                       cdrl_error *err)
{
    // dout (B,T,H), dh_last/dc_last/dh0/dc0 (B,H), dinp (B,T,C)
    int B = L->batch, T = L->steps, C = L->spec.n_inputs, H = L->spec.n_hidden;
    if (B == 0)
        return cdrl_errorf(err, CDRL_ESTATE, "lstm backward: no forward pass to differentiate");
    size_t rows = (size_t)B * T, state = (size_t)B * H;
    int rc = reserve_backward(L, rows, (size_t)B, err);
    if (rc)
        return rc;
    int x_on = dropout_active(&L->spec.dropout, L->last_mode);
    int h_on = dropout_active(&L->spec.recurrent, L->last_mode);
    int h_concrete = h_on && L->spec.recurrent.kind == CDRL_DROPOUT_CONCRETE;
    if (dh_last)
        memcpy(L->dh, dh_last, sizeof(float) * state);
    else
        memset(L->dh, 0, sizeof(float) * state);
    if (dc_last)
        memcpy(L->dc, dc_last, sizeof(float) * state);
    else
        memset(L->dc, 0, sizeof(float) * state);
    memset(L->dmask_h, 0, sizeof(float) * state);
    for (int t = T - 1; t >= 0; t--)
        backward_step(L, dout, B, T, t, h_on, h_concrete);
    for (size_t k = 0; k < state; k++) {
        if (dh0)
            dh0[k] += L->dh[k];
        if (dc0)
            dc0[k] += L->dc[k];
    }
    if (h_concrete)
        cdrl_concrete_dropout_backward(NULL, L->dp_logit_h, L->dmask_h, L->ones, L->z_h,
                                       *L->p_logit_h, (int)state);
    /* The weights' gradients of every step at once. */
    weight_grad(L->dw_hh, L->dgates, L->h_drop, (int)rows, 4 * H, H);
    weight_grad(L->dw_ih, L->dgates, L->x_drop, (int)rows, 4 * H, C);
    add_column_sums(L->db_ih, L->dgates, rows, 4 * (size_t)H);
    add_column_sums(L->db_hh, L->dgates, rows, 4 * (size_t)H);
    backward_input(L, dinp, B, T, x_on);
    return 0;
}

/* ==== Regulariser, rates, frozen masks ==== */

float cdrl_lstm_regularizer(cdrl_lstm *L, float weight_reg, float dropout_reg)
{
    int C = L->spec.n_inputs, H = L->spec.n_hidden;
    double total = 0.0;
    if (L->p_logit_x)
        total += cdrl_concrete_regularizer(L->dw_ih, L->dp_logit_x, L->w_ih, 4 * H * C, C,
                                           *L->p_logit_x, weight_reg, dropout_reg);
    if (L->p_logit_h)
        total += cdrl_concrete_regularizer(L->dw_hh, L->dp_logit_h, L->w_hh, 4 * H * H, H,
                                           *L->p_logit_h, weight_reg, dropout_reg);
    return (float)total;
}

float cdrl_lstm_dropout_p(const cdrl_lstm *L, int recurrent)
{
    const cdrl_dropout_spec *d = recurrent ? &L->spec.recurrent : &L->spec.dropout;
    const float *p_logit = recurrent ? L->p_logit_h : L->p_logit_x;
    switch (d->kind) {
    case CDRL_DROPOUT_CONCRETE: return cdrl_sigmoid(*p_logit);
    case CDRL_DROPOUT_FIXED: return d->p;
    default: return 0.0f;
    }
}

int cdrl_lstm_freeze_masks(cdrl_lstm *L, int P, cdrl_rng *rng, cdrl_error *err)
{
    if (P < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "lstm: particle count %d must be >= 1", P);
    cdrl_lstm_unfreeze_masks(L);
    size_t n = (size_t)P * cdrl_lstm_noise_width(&L->spec);
    L->frozen_noise = malloc(sizeof(float) * (n ? n : 1));
    if (!L->frozen_noise)
        return cdrl_errorf(err, CDRL_ENOMEM, "lstm: cannot allocate masks for %d particles", P);
    cdrl_lstm_draw_noise(L, rng, P, L->frozen_noise);
    L->frozen_particles = P;
    return 0;
}

void cdrl_lstm_unfreeze_masks(cdrl_lstm *L)
{
    free(L->frozen_noise);
    L->frozen_noise = NULL;
    L->frozen_particles = 0;
}
