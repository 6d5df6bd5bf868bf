/* The pg agent's recurrent network: an LSTM over the observations with a
 * linear head on h_t, its forward and backward over a batch of (padded)
 * sequences, and the policy loss on it (see pg_recurrent.h). The head is a
 * cdrl_mlp without hidden layers; only the valid steps reach it, compacted,
 * so padding costs no loss and no gradient. */
#include "pg_recurrent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ==== The network ==================================================================== */

int pg_lstm_net_create(int C, int H, const cdrl_dropout_spec *in, const cdrl_dropout_spec *rec,
                       uint64_t seed, pg_lstm_net **out, cdrl_error *err)
{
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = *in, .recurrent = *rec};
    pg_lstm_net *net = calloc(1, sizeof *net);
    if (!net)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory for the LSTM");
    net->n_params = cdrl_lstm_param_count(&spec);
    net->params = calloc(net->n_params, sizeof(float));
    net->grads = calloc(net->n_params, sizeof(float));
    net->H = H;
    net->noise_width = cdrl_lstm_noise_width(&spec);
    net->obs_mean = calloc((size_t)C, sizeof(double));
    net->obs_m2 = calloc((size_t)C, sizeof(double));
    net->obs_shift = calloc((size_t)C, sizeof(float));
    net->obs_scale = calloc((size_t)C, sizeof(float));
    if (!net->params || !net->grads || !net->obs_mean || !net->obs_m2 || !net->obs_shift ||
        !net->obs_scale) {
        pg_lstm_net_free(net);
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory for the LSTM");
    }
    int rc = cdrl_lstm_init(&net->lstm, &spec, net->params, net->grads, err);
    if (rc) {
        free(net->params), free(net->grads), free(net->obs_mean), free(net->obs_m2);
        free(net->obs_shift), free(net->obs_scale), free(net);
        return rc;
    }
    pg_lstm_net_set_normalization(net);
    cdrl_rng init;
    cdrl_rng_seed(&init, seed, 0);
    cdrl_lstm_init_params(&net->lstm, &init);
    cdrl_rng_seed(&net->noise_rng, seed, 1);
    *out = net;
    return 0;
}

void pg_lstm_net_free(pg_lstm_net *net)
{
    if (!net)
        return;
    cdrl_lstm_free(&net->lstm);
    free(net->params), free(net->grads);
    free(net->compact), free(net->dcompact), free(net->dout), free(net->obs_norm);
    free(net->obs_mean), free(net->obs_m2), free(net->obs_shift), free(net->obs_scale);
    free(net);
}

void pg_lstm_net_set_normalization(pg_lstm_net *net)
{
    int C = net->lstm.spec.n_inputs;
    for (int k = 0; k < C; k++) {
        double var = net->obs_count > 1.0 ? net->obs_m2[k] / net->obs_count : 1.0;
        net->obs_shift[k] = net->obs_count > 0.0 ? (float)net->obs_mean[k] : 0.0f;
        net->obs_scale[k] = (float)(1.0 / sqrt(var + 1e-8));
    }
}

void pg_lstm_net_observe(pg_lstm_net *net, const float *obs, size_t rows)
{
    // obs (rows, C)
    int C = net->lstm.spec.n_inputs;
    if (!net->normalize || rows == 0)
        return;
    double n = (double)rows;
    for (int k = 0; k < C; k++) {
        double mean = 0.0, m2 = 0.0;
        for (size_t r = 0; r < rows; r++)
            mean += obs[r * C + k];
        mean /= n;
        for (size_t r = 0; r < rows; r++) {
            double d = obs[r * C + k] - mean;
            m2 += d * d;
        }
        double delta = mean - net->obs_mean[k], total = net->obs_count + n;
        net->obs_mean[k] += delta * n / total;
        net->obs_m2[k] += m2 + delta * delta * net->obs_count * n / total;
    }
    net->obs_count += n;
    pg_lstm_net_set_normalization(net);
}

void pg_recurrent_zero_grad(pg_lstm_net *net, cdrl_mlp *head)
{
    memset(net->grads, 0, sizeof(float) * net->n_params);
    cdrl_mlp_zero_grad(head);
}

static int reserve(pg_lstm_net *net, size_t floats, cdrl_error *err)
{
    if (floats <= net->capacity)
        return 0;
    free(net->compact), free(net->dcompact), free(net->dout), free(net->obs_norm);
    net->compact = malloc(sizeof(float) * floats);
    net->dcompact = malloc(sizeof(float) * floats);
    net->dout = malloc(sizeof(float) * floats);
    net->obs_norm = malloc(sizeof(float) * (floats / (size_t)net->H * net->lstm.spec.n_inputs));
    net->capacity = net->compact && net->dcompact && net->dout && net->obs_norm ? floats : 0;
    if (!net->capacity)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory for %zu LSTM outputs", floats);
    return 0;
}

/* Valid steps of the batch: the rows the head sees. */
static int valid_rows(const pg_seq_batch *b)
{
    int rows = 0;
    for (int m = 0; m < b->M; m++)
        rows += b->len[m];
    return rows;
}

const float *pg_recurrent_forward(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b,
                                  cdrl_mode mode, float *h_last, float *c_last, cdrl_error *err)
{
    // obs (M,L,D) -> h (M,L,H) -> valid steps' h (rows,H) -> head (rows,out)
    int M = b->M, L = b->L, H = net->H;
    for (int m = 0; m < M; m++)
        if (b->len[m] < 1 || b->len[m] > L) {
            cdrl_errorf(err, CDRL_EINVAL, "pg: sequence %d has %d valid steps, not 1..%d", m,
                        b->len[m], L);
            return NULL;
        }
    if (reserve(net, (size_t)M * L * H, err))
        return NULL;
    const float *obs = b->obs;
    if (net->normalize) {
        int C = net->lstm.spec.n_inputs;
        for (size_t r = 0; r < (size_t)M * L; r++)
            for (int k = 0; k < C; k++) {
                float x = (obs[r * C + k] - net->obs_shift[k]) * net->obs_scale[k];
                net->obs_norm[r * C + k] = x > PG_OBS_CLIP ? PG_OBS_CLIP : x < -PG_OBS_CLIP ? -PG_OBS_CLIP : x;
            }
        obs = net->obs_norm;
    }
    const float *h = cdrl_lstm_forward(&net->lstm, obs, b->h0, b->c0, b->keep, b->noise, M, L,
                                       mode, h_last, c_last, err);
    if (!h)
        return NULL;
    int rows = 0;
    for (int m = 0; m < M; m++) {
        memcpy(net->compact + (size_t)rows * H, h + (size_t)m * L * H,
               sizeof(float) * (size_t)b->len[m] * H);
        rows += b->len[m];
    }
    net->rows = rows;
    return cdrl_mlp_forward(head, net->compact, rows, mode, err);
}

/* dout (rows, head outputs) of the last forward over b. */
static int backward_over(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b,
                         const float *dout, cdrl_error *err)
{
    int M = b->M, L = b->L, H = net->H;
    memset(net->dcompact, 0, sizeof(float) * (size_t)net->rows * H);
    int rc = cdrl_mlp_backward(head, dout, net->dcompact, err);
    if (rc)
        return rc;
    memset(net->dout, 0, sizeof(float) * (size_t)M * L * H);
    int rows = 0;
    for (int m = 0; m < M; m++) {
        memcpy(net->dout + (size_t)m * L * H, net->dcompact + (size_t)rows * H,
               sizeof(float) * (size_t)b->len[m] * H);
        rows += b->len[m];
    }
    return cdrl_lstm_backward(&net->lstm, net->dout, NULL, NULL, NULL, NULL, NULL, err);
}

int pg_recurrent_backward(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b,
                          const float *dout, cdrl_error *err)
{
    return backward_over(net, head, b, dout, err);
}

/* ==== The policy loss ================================================================= */

int pg_recurrent_policy_loss(pg_lstm_net *net, cdrl_mlp *head, const pg_seq_batch *b, float clip,
                             float entropy_coef, cdrl_pg_loss_stats *stats, cdrl_error *err)
{
    if (b->M < 1 || b->L < 1 || !(clip >= 0.0f))
        return cdrl_errorf(err, CDRL_EINVAL, "pg loss: %d sequences of %d steps (both >= 1), clip %g >= 0",
                           b->M, b->L, clip);
    const float *logits = pg_recurrent_forward(net, head, b, CDRL_MODE_TRAIN, NULL, NULL, err);
    if (!logits)
        return err ? err->code : CDRL_EINVAL;
    int rows = valid_rows(b), A = head->n_outputs;
    float *dlogits = malloc(sizeof(float) * (size_t)rows * A);
    if (!dlogits)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg loss: cannot allocate %d rows", rows);
    int rc = cdrl_pg_surrogate_grad(dlogits, logits, rows, A, b->actions, b->old_logp, b->adv,
                                    clip, entropy_coef, stats, err);
    rc = rc ? rc : backward_over(net, head, b, dlogits, err);
    free(dlogits);
    return rc;
}
