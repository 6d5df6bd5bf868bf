/* The model-based agent's dynamics learner: a Concrete-Dropout MLP from
 * (state, action) to the normalised change of state, its fit on the replay
 * buffer, its uncertainty, and the frozen-mask rollout step the planner uses
 * (see dynamics_model.h). */
#include "dynamics_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dense.h"
#include "cdrl/dropout.h"
#include "cdrl/loss.h"
#include "cdrl/mc.h"
#include "cdrl/run.h"
#include "cdrl/run_stop.h"
#include "matmul.h"
#include "simd.h"

#define LOSS_WINDOW 50 /* steps averaged into the reported fit loss */

static int widest(const cdrl_dynamics_model *m)
{
    int w = m->n_inputs > 2 * m->spec.obs_dim ? m->n_inputs : 2 * m->spec.obs_dim;
    for (int i = 0; i < m->spec.n_hidden; i++)
        if (m->spec.hidden[i] > w)
            w = m->spec.hidden[i];
    return w;
}

/* Grows the row scratch to B rows. */
static int reserve_rows(cdrl_dynamics_model *m, int B, cdrl_error *err)
{
    if (B <= m->rows)
        return 0;
    size_t w = (size_t)widest(m), n = (size_t)B;
    float **bufs[] = {&m->x, &m->y, &m->dout, &m->h[0], &m->h[1]};
    size_t widths[] = {(size_t)m->n_inputs, (size_t)m->spec.obs_dim, (size_t)m->net->n_outputs,
                       w, w};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        float *p = realloc(*bufs[i], sizeof(float) * n * widths[i]);
        if (!p)
            return cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: cannot allocate %d rows", B);
        *bufs[i] = p;
    }
    m->rows = B;
    return 0;
}

int cdrl_dynamics_create(const cdrl_dynamics_spec *spec, cdrl_dynamics_model **out, cdrl_error *err)
{
    *out = NULL;
    int rc;
    if (spec->obs_dim < 1 || spec->obs_dim > 64)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: obs_dim %d out of range [1, 64]", spec->obs_dim);
    int discrete = spec->action_dim == 0;
    if (discrete ? spec->action_count < 2 || spec->action_count > 64
                 : spec->action_count != 0 || spec->action_dim < 1 || spec->action_dim > 64)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: action_count %d, action_dim %d: need "
                           "action_count in [2, 64] (discrete) or action_dim in [1, 64] (continuous)",
                           spec->action_count, spec->action_dim);
    if (spec->n_angles < 0 || spec->n_angles > CDRL_DYNAMICS_MAX_ANGLES)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: %d angle pairs out of range [0, %d]",
                           spec->n_angles, CDRL_DYNAMICS_MAX_ANGLES);
    for (int i = 0; i < spec->n_angles; i++)
        if (spec->angle_cos[i] < 0 || spec->angle_cos[i] >= spec->obs_dim || spec->angle_sin[i] < 0 ||
            spec->angle_sin[i] >= spec->obs_dim || spec->angle_cos[i] == spec->angle_sin[i])
            return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: angle pair %d (%d:%d) is not two "
                               "different observation components of [0, %d)", i, spec->angle_cos[i],
                               spec->angle_sin[i], spec->obs_dim);
    if (spec->batch < 1 || spec->lr <= 0 || spec->length_scale <= 0 || spec->tau <= 0)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: batch >= 1, lr > 0, length_scale > 0 and "
                           "tau > 0 are required");
    cdrl_dynamics_model *m = calloc(1, sizeof *m);
    if (!m)
        return cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: out of memory");
    m->spec = *spec;
    m->n_inputs = spec->obs_dim + (discrete ? spec->action_count : spec->action_dim);
    m->action_stride = discrete ? 1 : spec->action_dim;
    cdrl_mlp_spec ms = cdrl_mlp_spec_default();
    ms.n_inputs = m->n_inputs;
    ms.n_hidden = spec->n_hidden;
    memcpy(ms.hidden, spec->hidden, sizeof ms.hidden);
    ms.n_heads = spec->logvar_head ? 2 : 1;
    ms.head_size[0] = spec->obs_dim;
    ms.head_size[1] = spec->obs_dim;
    ms.activation = spec->activation;
    ms.dropout = spec->dropout;
    ms.dropout_on_input = 0;
    ms.seed = spec->seed;
    if ((rc = cdrl_mlp_create(&ms, &m->net, err)) ||
        (rc = cdrl_adam_init(&m->adam, m->net->n_params, (float)spec->lr, err)))
        goto fail;
    size_t nn = 2 * (size_t)m->n_inputs + 2 * (size_t)spec->obs_dim;
    m->norm = malloc(sizeof(float) * nn);
    if (!m->norm) {
        rc = cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: out of memory");
        goto fail;
    }
    m->in_mean = m->norm;
    m->in_std = m->in_mean + m->n_inputs;
    m->out_mean = m->in_std + m->n_inputs;
    m->out_std = m->out_mean + spec->obs_dim;
    for (int i = 0; i < m->n_inputs; i++)
        m->in_mean[i] = 0.0f, m->in_std[i] = 1.0f;
    for (int i = 0; i < spec->obs_dim; i++)
        m->out_mean[i] = 0.0f, m->out_std[i] = 1.0f;
    /* Streams 1 + layer are the network's noise; the minibatch draws take one far above. */
    cdrl_rng_seed(&m->rng, spec->seed, 1000);
    *out = m;
    return 0;
fail:
    cdrl_dynamics_free(m);
    return rc;
}

void cdrl_dynamics_free(cdrl_dynamics_model *m)
{
    if (!m)
        return;
    cdrl_mlp_free(m->net);
    cdrl_adam_free(&m->adam);
    free(m->norm);
    for (int i = 0; i < CDRL_MLP_MAX_LAYERS; i++)
        free(m->wt[i]);
    free(m->x);
    free(m->y);
    free(m->dout);
    free(m->h[0]);
    free(m->h[1]);
    free(m);
}

/* The action columns of one row, unnormalised: one-hot or the values. */
static void action_features(const cdrl_dynamics_model *m, const float *action, float *out)
{
    if (m->spec.action_dim == 0) {
        int a = (int)action[0];
        for (int k = 0; k < m->spec.action_count; k++)
            out[k] = k == a ? 1.0f : 0.0f;
    } else {
        memcpy(out, action, sizeof(float) * (size_t)m->spec.action_dim);
    }
}

/* Normalised network input of one row: the state, then the action. */
static void encode_row(const cdrl_dynamics_model *m, const float *obs, const float *action, float *x)
{
    int D = m->spec.obs_dim;
    for (int d = 0; d < D; d++)
        x[d] = (obs[d] - m->in_mean[d]) / m->in_std[d];
    action_features(m, action, x + D);
    for (int k = D; k < m->n_inputs; k++)
        x[k] = (x[k] - m->in_mean[k]) / m->in_std[k];
}

/* encode_row for B rows: for discrete actions the one-hot part of each action
 * is worked out once. */
static void encode(const cdrl_dynamics_model *m, const float *obs, const float *actions, int B,
                   float *x)
{
    if (m->spec.action_dim) {
        for (int b = 0; b < B; b++)
            encode_row(m, obs + (size_t)b * m->spec.obs_dim, actions + (size_t)b * m->action_stride,
                       x + (size_t)b * m->n_inputs);
        return;
    }
    int D = m->spec.obs_dim, A = m->spec.action_count, W = m->n_inputs;
    float onehot[64 * 64]; /* (A, A): the encoded one-hot part of action a */
    for (int a = 0; a < A; a++)
        for (int k = 0; k < A; k++)
            onehot[a * A + k] = ((k == a ? 1.0f : 0.0f) - m->in_mean[D + k]) / m->in_std[D + k];
    for (int b = 0; b < B; b++) {
        float *row = x + (size_t)b * W;
        const float *o = obs + (size_t)b * D;
        for (int d = 0; d < D; d++)
            row[d] = (o[d] - m->in_mean[d]) / m->in_std[d];
        memcpy(row + D, onehot + (size_t)(int)actions[b] * A, sizeof(float) * A);
    }
}

/* out = (x - mean) / std over n values, vectorised (the same bits as the
 * scalar loop: one subtraction and one division each). */
CDRL_VECTORIZE static void normalise(float *restrict out, const float *restrict x, int n, float mean,
                                     float std)
{
    for (int i = 0; i < n; i++)
        out[i] = (x[i] - mean) / std;
}

/* encode for B rows, feature-major: xt (n_inputs, ld), element (k, b) the
 * same value as encode's (b, k), columns B to ld zero; obs_t (obs_dim, ld)
 * the observations unnormalised, for decode_features. */
CDRL_VECTORIZE static void encode_features(const cdrl_dynamics_model *m, const float *obs,
                                           const float *restrict actions, int B, int ld,
                                           float *restrict xt, float *restrict obs_t)
{
    int D = m->spec.obs_dim, W = m->n_inputs, S = m->action_stride;
    cdrl_transpose(obs_t, ld, obs, D, B, D);
    for (int k = 0; k < W; k++)
        memset(xt + (size_t)k * ld + B, 0, sizeof(float) * (size_t)(ld - B));
    for (int k = 0; k < D; k++)
        normalise(xt + (size_t)k * ld, obs_t + (size_t)k * ld, B, m->in_mean[k], m->in_std[k]);
    for (int k = D; k < W; k++) {
        float *restrict col = xt + (size_t)k * ld, mean = m->in_mean[k], std = m->in_std[k];
        if (m->spec.action_dim) {
            for (int b = 0; b < B; b++)
                col[b] = (actions[(size_t)b * S + k - D] - mean) / std;
        } else {
            float hot = (1.0f - mean) / std, cold = (0.0f - mean) / std;
            for (int b = 0; b < B; b++)
                col[b] = (int)actions[b] == k - D ? hot : cold;
        }
    }
}

/* Normalised target of one transition. */
static void target_row(const cdrl_dynamics_model *m, const float *obs, const float *next, float *y)
{
    for (int d = 0; d < m->spec.obs_dim; d++)
        y[d] = (next[d] - obs[d] - m->out_mean[d]) / m->out_std[d];
}

/* Each angle pair of B rows of next back on the unit circle (see the header). */
static void unit_angles(const cdrl_dynamics_model *m, int B, float *next)
{
    for (int b = 0; b < B && m->spec.n_angles; b++) {
        float *row = next + (size_t)b * m->spec.obs_dim;
        for (int i = 0; i < m->spec.n_angles; i++) {
            float *c = row + m->spec.angle_cos[i], *s = row + m->spec.angle_sin[i];
            float norm = sqrtf(*c * *c + *s * *s);
            if (norm > 0.0f)
                *c /= norm, *s /= norm;
            else
                *c = 1.0f, *s = 0.0f;
        }
    }
}

/* next = obs + out_mean + out_std * pred, pred the first obs_dim of a row of
 * `stride`; then the angle pairs. */
static void decode(const cdrl_dynamics_model *m, const float *obs, const float *pred, int stride,
                   int B, float *next)
{
    int D = m->spec.obs_dim;
    for (int b = 0; b < B; b++) {
        float *row = next + (size_t)b * D;
        for (int d = 0; d < D; d++)
            row[d] = obs[(size_t)b * D + d] + m->out_mean[d] + m->out_std[d] * pred[(size_t)b * stride + d];
    }
    unit_angles(m, B, next);
}

/* decode, feature-major: obs_t and pred (obs_dim, ld), B columns used; pred
 * is overwritten. The same operations on the same values as decode. */
CDRL_VECTORIZE static void decode_features(const cdrl_dynamics_model *m, const float *restrict obs_t,
                                           float *restrict pred, int ld, int B, float *next)
{
    int D = m->spec.obs_dim;
    for (int d = 0; d < D; d++) {
        float mean = m->out_mean[d], std = m->out_std[d];
        const float *restrict o = obs_t + (size_t)d * ld;
        float *restrict p = pred + (size_t)d * ld;
        for (int b = 0; b < B; b++)
            p[b] = o[b] + mean + std * p[b];
    }
    cdrl_transpose(next, D, pred, ld, D, B);
    unit_angles(m, B, next);
}

/* Mean and std of each column, in double; a near-constant column keeps std 1
 * so it is centred but not blown up. */
static void column_stats(int64_t n, int width, float *mean, float *std, void *ctx,
                         void (*row)(void *ctx, int64_t j, double *out))
{
    double sum[128] = {0}, sq[128] = {0}, v[128];
    for (int64_t j = 0; j < n; j++) {
        row(ctx, j, v);
        for (int c = 0; c < width; c++)
            sum[c] += v[c], sq[c] += v[c] * v[c];
    }
    for (int c = 0; c < width; c++) {
        double mu = sum[c] / (double)n, var = sq[c] / (double)n - mu * mu;
        double s = var > 1e-12 ? sqrt(var) : 1.0;
        mean[c] = (float)mu;
        std[c] = (float)s;
    }
}

typedef struct {
    const cdrl_dynamics_model *m;
    const cdrl_replay_buffer *buf;
} stats_ctx;

static void input_of(void *ctx, int64_t j, double *out)
{
    stats_ctx *c = ctx;
    int D = c->m->spec.obs_dim;
    size_t i = (size_t)cdrl_replay_buffer_train_index(c->buf, j);
    for (int d = 0; d < D; d++)
        out[d] = c->buf->obs[i * D + d];
    float f[128];
    action_features(c->m, c->buf->action + i * (size_t)c->buf->action_dim, f);
    for (int k = D; k < c->m->n_inputs; k++)
        out[k] = f[k - D];
}

static void delta_of(void *ctx, int64_t j, double *out)
{
    stats_ctx *c = ctx;
    int D = c->m->spec.obs_dim;
    size_t i = (size_t)cdrl_replay_buffer_train_index(c->buf, j);
    for (int d = 0; d < D; d++)
        out[d] = (double)c->buf->next_obs[i * D + d] - c->buf->obs[i * D + d];
}

static int check_buffer(const cdrl_dynamics_model *m, const cdrl_replay_buffer *buf, cdrl_error *err)
{
    if (buf->obs_dim != m->spec.obs_dim || buf->action_dim != m->action_stride)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: buffer holds obs_dim %d, action_dim %d; "
                           "the model expects %d and %d", buf->obs_dim, buf->action_dim, m->spec.obs_dim,
                           m->action_stride);
    return 0;
}

int cdrl_dynamics_fit(cdrl_dynamics_model *m, const cdrl_replay_buffer *buf, int steps,
                      double *loss, cdrl_error *err)
{
    if (check_buffer(m, buf, err))
        return err ? err->code : CDRL_EINVAL;
    int64_t n = cdrl_replay_buffer_train_count(buf);
    if (n < 2)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: %lld training transitions, need >= 2",
                           (long long)n);
    stats_ctx ctx = {m, buf};
    column_stats(n, m->n_inputs, m->in_mean, m->in_std, &ctx, input_of);
    column_stats(n, m->spec.obs_dim, m->out_mean, m->out_std, &ctx, delta_of);
    cdrl_mlp_set_data_size(m->net, m->spec.length_scale, m->spec.tau, (double)n, 0);

    int B = m->spec.batch, D = m->spec.obs_dim;
    if (reserve_rows(m, B, err))
        return err ? err->code : CDRL_ENOMEM;
    double recent = 0.0;
    int counted = 0;
    for (int s = 0; s < steps; s++) {
        /* a fit of millions of steps can take minutes: stop between steps */
        int rc = cdrl_stop_poll("the dynamics model fit", err);
        if (rc)
            return rc;
        for (int b = 0; b < B; b++) {
            int64_t j = (int64_t)cdrl_rng_below(&m->rng, (uint64_t)n);
            size_t i = (size_t)cdrl_replay_buffer_train_index(buf, j);
            encode_row(m, buf->obs + i * D, buf->action + i * m->action_stride, m->x + (size_t)b * m->n_inputs);
            target_row(m, buf->obs + i * D, buf->next_obs + i * D, m->y + (size_t)b * D);
        }
        const float *out = cdrl_mlp_forward(m->net, m->x, B, CDRL_MODE_TRAIN, err);
        if (!out)
            return err ? err->code : CDRL_EINVAL;
        cdrl_mlp_zero_grad(m->net);
        memset(m->dout, 0, sizeof(float) * (size_t)B * m->net->n_outputs);
        /* Twice the NLL, the authors' objective, which their coefficients match. */
        float data = m->spec.logvar_head
                         ? cdrl_gaussian_nll(m->dout, out, m->y, B, D, 2.0f) * 2.0f
                         : cdrl_mse(m->dout, out, m->y, B, D, (float)m->spec.tau) * (float)m->spec.tau;
        float total = data + cdrl_mlp_regularizer(m->net);
        if (cdrl_check_finite(&total, 1, "dynamics model loss", err))
            return cdrl_error_prefix(err, "fit step %d", s + 1);
        if (cdrl_mlp_backward(m->net, m->dout, NULL, err))
            return err ? err->code : CDRL_ESTATE;
        cdrl_adam_step(&m->adam, m->net->params, m->net->grads);
        if (s >= steps - LOSS_WINDOW) {
            recent += total;
            counted++;
        }
    }
    if (cdrl_check_finite(m->net->params, m->net->n_params, "dynamics model params", err))
        return err->code;
    if (loss)
        *loss = counted ? recent / counted : 0.0;
    return 0;
}

/* MC mean and epistemic variance of the normalised change (n, D) at inputs x,
 * plus the aleatoric variance when there is a log-variance head. */
static int mc_moments(cdrl_dynamics_model *m, const float *x, int n, int T, float *mean,
                      float *epi, float *alea, cdrl_error *err)
{
    int D = m->spec.obs_dim;
    if (m->spec.logvar_head)
        return cdrl_mc_predict_gaussian(m->net, x, n, T, D, mean, epi, alea, err);
    memset(alea, 0, sizeof(float) * (size_t)n * D);
    return cdrl_mc_predict(m->net, x, n, T, mean, epi, err);
}

/* mc_moments of a posterior made of K members (an ensemble; K = 1: the one
 * model, exactly): the mixture of the members' MC predictives, mean = the
 * members' mean, epistemic = their mean epistemic variance + the variance of
 * their means, aleatoric = their mean. */
static int members_moments(cdrl_dynamics_model *const *members, int K, const float *x, int n, int T,
                           float *mean, float *epi, float *alea, cdrl_error *err)
{
    if (K == 1)
        return mc_moments(members[0], x, n, T, mean, epi, alea, err);
    size_t cells = (size_t)n * members[0]->spec.obs_dim;
    float *mk = malloc(sizeof(float) * cells * 3);
    double *acc = calloc(cells * 3, sizeof(double));
    int rc = 0;
    if (!mk || !acc)
        rc = cdrl_errorf(err, CDRL_ENOMEM, "dynamics ensemble: cannot score %d rows", n);
    for (int k = 0; k < K && !rc; k++) {
        if ((rc = mc_moments(members[k], x, n, T, mk, mk + cells, mk + 2 * cells, err)))
            break;
        for (size_t c = 0; c < cells; c++) {
            acc[c] += mk[c];
            acc[cells + c] += (double)mk[cells + c] + (double)mk[c] * mk[c];
            acc[2 * cells + c] += mk[2 * cells + c];
        }
    }
    for (size_t c = 0; c < cells && !rc; c++) {
        double mu = acc[c] / K, var = acc[cells + c] / K - mu * mu;
        mean[c] = (float)mu;
        epi[c] = (float)(var > 0.0 ? var : 0.0);
        alea[c] = (float)(acc[2 * cells + c] / K);
    }
    free(mk);
    free(acc);
    return rc;
}

/* Without a log-variance head: each dimension's mean squared residual of
 * the deterministic (eval-mode, noise-free) prediction over the training
 * slice, as the homoscedastic noise variance var (obs_dim). With K members
 * the prediction is their mean. */
static int train_residual_var(cdrl_dynamics_model *const *members, int K, const cdrl_replay_buffer *buf,
                              double *var, cdrl_error *err)
{
    enum { CHUNK = 512 };
    cdrl_dynamics_model *m = members[0];
    int D = m->spec.obs_dim;
    int64_t n = cdrl_replay_buffer_train_count(buf);
    for (int d = 0; d < D; d++)
        var[d] = 0.0;
    if (n == 0)
        return 0;
    double *pred = malloc(sizeof(double) * CHUNK * (size_t)D);
    if (!pred || reserve_rows(m, CHUNK, err)) {
        free(pred);
        return cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: cannot allocate %d rows", CHUNK);
    }
    int rc = 0;
    for (int64_t start = 0; start < n && !rc; start += CHUNK) {
        int B = (int)(n - start < CHUNK ? n - start : CHUNK);
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)cdrl_replay_buffer_train_index(buf, start + b);
            encode_row(m, buf->obs + i * D, buf->action + i * m->action_stride, m->x + (size_t)b * m->n_inputs);
            target_row(m, buf->obs + i * D, buf->next_obs + i * D, m->y + (size_t)b * D);
        }
        for (size_t c = 0; c < (size_t)B * D; c++)
            pred[c] = 0.0;
        for (int k = 0; k < K; k++) {
            const float *out = cdrl_mlp_forward(members[k]->net, m->x, B, CDRL_MODE_EVAL, err);
            if (!out) {
                rc = err ? err->code : CDRL_EINVAL;
                break;
            }
            for (int b = 0; b < B; b++)
                for (int d = 0; d < D; d++)
                    pred[(size_t)b * D + d] += out[(size_t)b * members[k]->net->n_outputs + d];
        }
        for (int b = 0; b < B; b++)
            for (int d = 0; d < D; d++) {
                double e = pred[(size_t)b * D + d] / K - m->y[(size_t)b * D + d];
                var[d] += e * e;
            }
    }
    free(pred);
    for (int d = 0; d < D; d++)
        var[d] /= (double)n;
    return rc;
}

/* Calibration of the validation predictions (see cdrl_dynamics_stats):
 * mean, epi, alea and y are (cells); alea is replaced by the full variance. */
static int calibrate(cdrl_dynamics_model *const *members, int K, const cdrl_replay_buffer *buf,
                     const float *mean, const float *epi, float *alea, const float *y, size_t cells,
                     cdrl_dynamics_stats *stats, cdrl_error *err)
{
    const cdrl_dynamics_model *m = members[0];
    int D = m->spec.obs_dim, rc;
    if (!m->spec.logvar_head) {
        double noise[64];
        if ((rc = train_residual_var(members, K, buf, noise, err)))
            return rc;
        for (size_t c = 0; c < cells; c++)
            alea[c] = (float)noise[c % D];
    }
    for (size_t c = 0; c < cells; c++)
        alea[c] += epi[c];
    if ((rc = cdrl_calibration_score(mean, alea, y, (int)cells, &stats->cal, err)) ||
        (rc = cdrl_calibration_curve(mean, alea, y, (int)cells, cdrl_metric_cal_levels,
                                     CDRL_METRIC_CAL_LEVELS, stats->cover, err)) ||
        (rc = cdrl_calibration_curve(mean, epi, y, (int)cells, cdrl_metric_cal_levels,
                                     CDRL_METRIC_CAL_LEVELS, stats->cover_epi, err)))
        return cdrl_error_prefix(err, "dynamics model calibration");
    return 0;
}

int cdrl_dynamics_validate(cdrl_dynamics_model *m, const cdrl_replay_buffer *buf, int T,
                           cdrl_dynamics_stats *stats, cdrl_error *err)
{
    return cdrl_dynamics_validate_members(&m, 1, buf, T, stats, err);
}

int cdrl_dynamics_validate_members(cdrl_dynamics_model *const *members, int K, const cdrl_replay_buffer *buf,
                                   int T, cdrl_dynamics_stats *stats, cdrl_error *err)
{
    cdrl_dynamics_model *m = members[0];
    memset(stats, 0, sizeof *stats);
    if (check_buffer(m, buf, err))
        return err ? err->code : CDRL_EINVAL;
    if (T < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: T = %d MC samples, need >= 1", T);
    int64_t n64 = cdrl_replay_buffer_val_count(buf);
    if (n64 == 0)
        return 0;
    int n = (int)n64, D = m->spec.obs_dim;
    size_t cells = (size_t)n * D;
    float *x = malloc(sizeof(float) * (size_t)n * m->n_inputs), *y = malloc(sizeof(float) * cells);
    float *mean = malloc(sizeof(float) * cells * 3);
    int rc = 0;
    if (!x || !y || !mean) {
        rc = cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: cannot score %d transitions", n);
        goto done;
    }
    float *epi = mean + cells, *alea = epi + cells;
    for (int j = 0; j < n; j++) {
        size_t i = (size_t)cdrl_replay_buffer_val_index(buf, j);
        encode_row(m, buf->obs + i * D, buf->action + i * m->action_stride, x + (size_t)j * m->n_inputs);
        target_row(m, buf->obs + i * D, buf->next_obs + i * D, y + (size_t)j * D);
    }
    if ((rc = members_moments(members, K, x, n, T, mean, epi, alea, err)))
        goto done;
    double se = 0, zero = 0, spread = 0, noise = 0;
    for (size_t c = 0; c < cells; c++) {
        int d = (int)(c % D);
        double e = (double)mean[c] - y[c], z = (double)y[c] + m->out_mean[d] / m->out_std[d];
        se += e * e;
        zero += z * z;
        spread += sqrt(epi[c]);
        noise += sqrt(alea[c]);
    }
    stats->val_mse = se / (double)cells;
    stats->zero_mse = zero / (double)cells;
    stats->val_spread = spread / (double)cells;
    stats->aleatoric = noise / (double)cells;
    rc = calibrate(members, K, buf, mean, epi, alea, y, cells, stats, err);
done:
    free(x);
    free(y);
    free(mean);
    return rc;
}

int cdrl_dynamics_spread(cdrl_dynamics_model *m, const float *obs, const float *actions, int n,
                         int T, double *spread, cdrl_error *err)
{
    return cdrl_dynamics_spread_members(&m, 1, obs, actions, n, T, spread, err);
}

int cdrl_dynamics_spread_members(cdrl_dynamics_model *const *members, int K, const float *obs,
                                 const float *actions, int n, int T, double *spread, cdrl_error *err)
{
    cdrl_dynamics_model *m = members[0];
    *spread = 0.0;
    if (n < 1 || T < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: spread needs n >= 1 and T >= 1");
    int D = m->spec.obs_dim;
    size_t cells = (size_t)n * D;
    float *x = malloc(sizeof(float) * (size_t)n * m->n_inputs), *mean = malloc(sizeof(float) * cells * 3);
    int rc = 0;
    if (!x || !mean) {
        rc = cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: cannot score %d states", n);
        goto done;
    }
    encode(m, obs, actions, n, x);
    if ((rc = members_moments(members, K, x, n, T, mean, mean + cells, mean + 2 * cells, err)))
        goto done;
    double s = 0;
    for (size_t c = 0; c < cells; c++)
        s += sqrt(mean[cells + c]);
    *spread = s / (double)cells;
done:
    free(x);
    free(mean);
    return rc;
}

int cdrl_dynamics_predict(cdrl_dynamics_model *m, const float *obs, const float *actions, int B,
                          float *next, cdrl_error *err)
{
    if (reserve_rows(m, B, err))
        return err ? err->code : CDRL_ENOMEM;
    encode(m, obs, actions, B, m->x);
    const float *out = cdrl_mlp_forward(m->net, m->x, B, CDRL_MODE_EVAL, err);
    if (!out)
        return err ? err->code : CDRL_EINVAL;
    decode(m, obs, out, m->net->n_outputs, B, next);
    return 0;
}

/* The dropout multiplier a unit input gets in each particle: the mask itself,
 * computed once per particle so no rollout step pays for logs and exps. */
static int frozen_multipliers(const cdrl_mlp_layer *L, int P, float *mult)
{
    size_t n = (size_t)P * L->n_in;
    float *ones = malloc(sizeof(float) * n), *scratch = malloc(sizeof(float) * n);
    if (ones && scratch) {
        for (size_t k = 0; k < n; k++)
            ones[k] = 1.0f;
        if (L->dropout == CDRL_DROPOUT_CONCRETE)
            cdrl_concrete_dropout_forward(mult, scratch, ones, L->frozen_noise, *L->p_logit, (int)n);
        else
            cdrl_fixed_dropout_forward(mult, scratch, ones, L->frozen_noise, L->fixed_p, (int)n);
    }
    int ok = ones && scratch;
    free(ones);
    free(scratch);
    return ok ? 0 : -1;
}

int cdrl_dynamics_freeze(cdrl_dynamics_model *m, int P, cdrl_error *err)
{
    if (cdrl_mlp_freeze_masks(m->net, P, err))
        return err ? err->code : CDRL_EINVAL;
    int rc = 0;
    for (int l = 0; l < m->net->n_layers; l++) {
        free(m->wt[l]);
        m->wt[l] = NULL;
    }
    /* (x * mask) W^T = x (W diag(mask))^T: masking the kernel once per particle
     * spares every rollout step a pass over the activations. */
    for (int l = 0; l <= m->spec.n_hidden && !rc; l++) {
        const cdrl_mlp_layer *L = &m->net->layers[l];
        int K = L->n_in, N = L->n_out;
        float *mult = L->frozen_noise ? malloc(sizeof(float) * (size_t)P * K) : NULL;
        m->wt[l] = malloc(sizeof(float) * (size_t)P * K * N);
        if (!m->wt[l] || (L->frozen_noise && (!mult || frozen_multipliers(L, P, mult)))) {
            rc = cdrl_errorf(err, CDRL_ENOMEM, "dynamics model: cannot freeze %d particles", P);
        } else {
            for (int p = 0; p < P; p++)
                for (int k = 0; k < K; k++)
                    for (int n = 0; n < N; n++)
                        m->wt[l][((size_t)p * K + k) * N + n] =
                            L->weight[(size_t)n * K + k] * (mult ? mult[(size_t)p * K + k] : 1.0f);
        }
        free(mult);
    }
    cdrl_mlp_unfreeze_masks(m->net);
    m->particles = rc ? 0 : P;
    return rc;
}

/* Rows of particle p in a step: counts[p], or `per` each without counts. */
#define BLOCK_ROWS(p) (counts ? counts[p] : per)

/* The imagined step of B rows, particle p's block BLOCK_ROWS(p) long. */
static int step_blocks(cdrl_dynamics_model *m, const float *obs, const float *actions,
                       const int *counts, int per, int B, float *next, cdrl_error *err)
{
    int P = m->particles;
    /* Feature-major (h^T = W x^T), so the few outputs of a narrow layer are
     * the kernel's rows and the many rows of the batch fill its vectors.
     * Rows are particle-major, so each particle's block of columns goes
     * through its own masked kernel, `span` columns wide: its rows rounded
     * up to whole vectors, the extra columns (the next particles', or the
     * zero padding after the last, up to the row length ld) overwritten by
     * those particles in turn. The trunk, then only the mean head:
     * planning needs no noise prediction. The output goes to whichever
     * scratch buffer does not hold the input. */
    int all = (B + 15) / 16 * 16, ld = all;
    for (int p = 0, at = 0; p < P; at += BLOCK_ROWS(p), p++)
        if (BLOCK_ROWS(p) && at + (BLOCK_ROWS(p) + 15) / 16 * 16 > ld)
            ld = at + (BLOCK_ROWS(p) + 15) / 16 * 16;
    if (reserve_rows(m, ld, err))
        return err ? err->code : CDRL_ENOMEM;
    encode_features(m, obs, actions, B, ld, m->x, m->y); /* y: the fit's scratch, free here */
    float *in = m->x;
    for (int l = 0; l <= m->spec.n_hidden; l++) {
        const cdrl_mlp_layer *L = &m->net->layers[l];
        int K = L->n_in, N = L->n_out;
        float *dst = in == m->h[0] ? m->h[1] : m->h[0];
        int tanh = L->activation == CDRL_ACT_TANH;
        /* A layer without dropout has the same kernel in every particle: one
         * product over all the columns (the same sums, fewer padded ones). */
        int shared = L->dropout == CDRL_DROPOUT_NONE;
        for (int p = 0, at = 0; p < (shared ? 1 : P); at += BLOCK_ROWS(p), p++)
            if (shared || BLOCK_ROWS(p))
                (tanh ? cdrl_matmul_row_bias_tanh : cdrl_matmul_row_bias)(
                    dst + at, ld, m->wt[l] + (size_t)p * K * N, 1, N, in + at, ld, L->bias, N, K,
                    shared ? all : (BLOCK_ROWS(p) + 15) / 16 * 16);
        if (!tanh)
            cdrl_activation_forward(dst, dst, ld * N, L->activation);
        in = dst;
    }
    decode_features(m, m->y, in, ld, B, next);
    return 0;
}

int cdrl_dynamics_step_frozen(cdrl_dynamics_model *m, const float *obs, const float *actions,
                              int B, float *next, cdrl_error *err)
{
    int P = m->particles;
    if (P < 1)
        return cdrl_errorf(err, CDRL_ESTATE, "dynamics model: freeze particles before a rollout step");
    if (B < P || B % P)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: batch %d is not a multiple of %d particles",
                           B, P);
    return step_blocks(m, obs, actions, NULL, B / P, B, next, err);
}

int cdrl_dynamics_step_frozen_rows(cdrl_dynamics_model *m, const float *obs, const float *actions,
                                   const int *counts, float *next, cdrl_error *err)
{
    int P = m->particles, B = 0;
    if (P < 1)
        return cdrl_errorf(err, CDRL_ESTATE, "dynamics model: freeze particles before a rollout step");
    for (int p = 0; p < P; p++) {
        if (counts[p] < 0 || counts[p] > INT32_MAX / 2 - B)
            return cdrl_errorf(err, CDRL_EINVAL, "dynamics model: particle %d has %d rows", p, counts[p]);
        B += counts[p];
    }
    return B ? step_blocks(m, obs, actions, counts, 0, B, next, err) : 0;
}

float cdrl_dynamics_p(const cdrl_dynamics_model *m, int layer)
{
    return cdrl_mlp_dropout_p(m->net, layer);
}

int cdrl_dynamics_layers(const cdrl_dynamics_model *m)
{
    return m->net->n_layers;
}

int cdrl_dynamics_parse_angles(const char *text, cdrl_dynamics_spec *spec, cdrl_error *err)
{
    spec->n_angles = 0;
    if (text[0] == '\0' || strcmp(text, "none") == 0)
        return 0;
    const char *s = text;
    for (;;) {
        char *end;
        long c = strtol(s, &end, 10), sn;
        if (end == s || *end != ':' || c < 0 || c > 63)
            break;
        s = end + 1;
        sn = strtol(s, &end, 10);
        if (end == s || (*end != ',' && *end != '\0') || sn < 0 || sn > 63 ||
            spec->n_angles == CDRL_DYNAMICS_MAX_ANGLES)
            break;
        spec->angle_cos[spec->n_angles] = (int)c;
        spec->angle_sin[spec->n_angles++] = (int)sn;
        if (*end == '\0')
            return 0;
        s = end + 1;
    }
    spec->n_angles = 0;
    return cdrl_errorf(err, CDRL_EINVAL, "angle pairs \"%s\": expected COS:SIN[,COS:SIN...] with "
                       "observation indices 0..63, at most %d pairs, or none", text, CDRL_DYNAMICS_MAX_ANGLES);
}

/* ---- Checkpoint ----------------------------------------------------------------- */

/* The model's sections, one table for save and load; their names are
 * written into names. */
static int model_sections(const cdrl_dynamics_model *m, const char *prefix, const char *rng_prefix,
                          int *shape, int64_t *adam_t, cdrl_rng *layer_rng, char names[][96],
                          cdrl_ckpt_section *out)
{
    size_t norm = 2 * (size_t)m->n_inputs + 2 * (size_t)m->spec.obs_dim;
    cdrl_ckpt_section s[] = {
        {"shape", shape, sizeof(int) * 3},
        {"params", m->net->params, sizeof(float) * m->net->n_params},
        {"adam.state", m->adam.state, sizeof(float) * 2 * m->adam.n},
        {"adam.t", adam_t, sizeof *adam_t},
        {"norm", m->norm, sizeof(float) * norm},
        {"batches", (void *)&m->rng, sizeof m->rng},
        {"layers", layer_rng, sizeof(cdrl_rng) * (size_t)m->net->n_layers},
    };
    int n = (int)(sizeof s / sizeof s[0]);
    for (int i = 0; i < n; i++) {
        snprintf(names[i], 96, "%s.%s", i < 5 ? prefix : rng_prefix, s[i].name);
        out[i] = s[i];
        out[i].name = names[i];
    }
    return n;
}

int cdrl_dynamics_save(const cdrl_dynamics_model *m, cdrl_ckpt_writer *w, const char *prefix,
                       const char *rng_prefix, cdrl_error *err)
{
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    for (int l = 0; l < m->net->n_layers; l++)
        layer_rng[l] = m->net->layers[l].rng;
    int shape[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    int64_t adam_t = m->adam.t;
    char names[7][96];
    cdrl_ckpt_section s[7];
    int n = model_sections(m, prefix, rng_prefix, shape, &adam_t, layer_rng, names, s);
    return cdrl_ckpt_add_sections(w, s, n, err);
}

int cdrl_dynamics_load(cdrl_dynamics_model *m, const cdrl_ckpt *ck, const char *where, const char *prefix,
                       const char *rng_prefix, cdrl_error *err)
{
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    int shape[3], want[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    int64_t adam_t = 0;
    char names[7][96];
    cdrl_ckpt_section s[7];
    int n = model_sections(m, prefix, rng_prefix, shape, &adam_t, layer_rng, names, s);
    /* the shape first: the other sizes are the config's, and would only
     * report a size mismatch */
    int rc = cdrl_ckpt_read_sections(ck, s, 1, err);
    if (!rc && memcmp(shape, want, sizeof shape) != 0)
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: %s shape (inputs %d, params %d, layers %d) differs "
                         "from the config's (%d, %d, %d)", where, prefix, shape[0], shape[1], shape[2],
                         want[0], want[1], want[2]);
    rc = rc ? rc : cdrl_ckpt_read_sections(ck, s + 1, n - 1, err);
    if (rc)
        return rc;
    m->adam.t = (long)adam_t;
    for (int l = 0; l < m->net->n_layers; l++)
        m->net->layers[l].rng = layer_rng[l];
    return 0;
}
