/* The pg agent with recurrent networks (agent.policy.kind = "lstm"): the
 * rollout's steps through the LSTMs, and the update over chunks.
 *
 * Rollout: each env is one stream per update (its episodes one after the
 * other, keep = 0 where a new one starts), with the state starting at zero
 * and one row of policy dropout noise drawn for it at the start of the
 * update. Before step t = kL (L = agent.lstm.chunk) the state of both nets
 * is stored: chunk k of env e starts from it.
 *
 * Update: agent.epochs passes over the shuffled chunks, agent.minibatch / L
 * chunks (at least one) per step. Each chunk reruns the LSTMs from its stored
 * state with its env's noise, so the policy loss is taken on the network
 * that acted (ratio 1 before the first step); the backward pass through time
 * stops at the chunk's start (truncated BPTT). The value LSTM trains with
 * fresh noise per chunk, as the value MLP does per row. Gradient-norm
 * clipping is global over each network's LSTM and head together. */
#include "pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/loss.h"
#include "cdrl/run_stop.h"

/* The four state arrays (B,H) of the envs in flight. */
static void state_arrays(const pg_agent *ag, float **ph, float **pc, float **vh, float **vc)
{
    size_t BH = (size_t)ag->cfg->envs * ag->cfg->lstm_hidden;
    *ph = ag->rnn_state;
    *pc = *ph + BH;
    *vh = *pc + BH;
    *vc = *vh + BH;
}

void pg_recurrent_begin(pg_agent *ag)
{
    int B = ag->cfg->envs;
    memset(ag->rnn_state, 0, sizeof(float) * 4 * (size_t)B * ag->cfg->lstm_hidden);
    if (ag->policy_rnn->noise_width)
        cdrl_lstm_draw_noise(&ag->policy_rnn->lstm, &ag->action_rng, B, ag->ro.seq_noise);
}

/* One step of B single-step sequences. */
static pg_seq_batch one_step(const pg_agent *ag, const float *obs, const float *keep, const float *h,
                             const float *c, const float *noise)
{
    return (pg_seq_batch){.M = ag->cfg->envs, .L = 1, .len = ag->step_len, .obs = obs, .keep = keep,
                          .h0 = h, .c0 = c, .noise = noise};
}

int pg_recurrent_act(pg_agent *ag, int t, const float **logits, cdrl_error *err)
{
    int B = ag->cfg->envs, H = ag->cfg->lstm_hidden, L = ag->cfg->lstm_chunk;
    size_t row0 = (size_t)t * B;
    pg_rollout *ro = &ag->ro;
    float *ph, *pc, *vh, *vc;
    state_arrays(ag, &ph, &pc, &vh, &vc);
    for (int e = 0; e < B; e++)
        ro->keep[row0 + e] = t > 0 && ro->ended[row0 - B + e] ? 0.0f : 1.0f;
    if (t % L == 0) {
        float *at = ro->chunk_state + (size_t)(t / L) * B * 4 * H;
        for (int e = 0; e < B; e++) {
            float *s = at + (size_t)e * 4 * H;
            memcpy(s, ph + (size_t)e * H, sizeof(float) * H);
            memcpy(s + H, pc + (size_t)e * H, sizeof(float) * H);
            memcpy(s + 2 * H, vh + (size_t)e * H, sizeof(float) * H);
            memcpy(s + 3 * H, vc + (size_t)e * H, sizeof(float) * H);
        }
    }
    const float *obs = ro->obs + row0 * ag->D, *keep = ro->keep + row0;
    pg_seq_batch sb = one_step(ag, obs, keep, ph, pc, ro->seq_noise);
    *logits = pg_recurrent_forward(ag->policy_rnn, ag->policy, &sb, CDRL_MODE_TRAIN, ph, pc, err);
    if (!*logits)
        return err ? err->code : CDRL_EINVAL;
    /* The baseline is deterministic: the value net acts in EVAL mode. */
    sb = one_step(ag, obs, keep, vh, vc, NULL);
    const float *v = pg_recurrent_forward(ag->value_rnn, ag->value, &sb, CDRL_MODE_EVAL, vh, vc, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    memcpy(ro->value + row0, v, sizeof(float) * B);
    return 0;
}

int pg_recurrent_values(pg_agent *ag, const float *obs, float *out, cdrl_error *err)
{
    float *ph, *pc, *vh, *vc;
    state_arrays(ag, &ph, &pc, &vh, &vc);
    pg_seq_batch sb = one_step(ag, obs, NULL, vh, vc, NULL);
    const float *v = pg_recurrent_forward(ag->value_rnn, ag->value, &sb, CDRL_MODE_EVAL, NULL, NULL, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    memcpy(out, v, sizeof(float) * ag->cfg->envs);
    return 0;
}

/* ==== The update ====================================================================== */

/* Gathers chunks seqs[0..m) into the batch; returns the valid steps. */
static int gather_chunks(pg_agent *ag, const int *seqs, int m, int T)
{
    int B = ag->cfg->envs, H = ag->cfg->lstm_hidden, L = ag->cfg->lstm_chunk, D = ag->D;
    int Wp = ag->policy_rnn->noise_width;
    const pg_rollout *ro = &ag->ro;
    pg_batch *b = &ag->batch;
    int rows = 0;
    for (int i = 0; i < m; i++) {
        int k = seqs[i] / B, e = seqs[i] % B, t0 = k * L;
        b->len[i] = T - t0 < L ? T - t0 : L;
        for (int j = 0; j < L; j++) {
            float *o = b->seq_obs + ((size_t)i * L + j) * D;
            if (j >= b->len[i]) { /* padding: no loss reaches it */
                memset(o, 0, sizeof(float) * D);
                b->keep[(size_t)i * L + j] = 1.0f;
                continue;
            }
            size_t row = (size_t)(t0 + j) * B + e;
            memcpy(o, ro->obs + row * D, sizeof(float) * D);
            b->keep[(size_t)i * L + j] = ro->keep[row];
            b->actions[rows] = ro->actions[row];
            b->logp[rows] = ro->logp[row];
            b->adv[rows] = ro->adv[row];
            b->ret[rows] = ro->ret[row];
            rows++;
        }
        const float *s = ro->chunk_state + (size_t)seqs[i] * 4 * H;
        for (int q = 0; q < 4; q++)
            memcpy(b->state + ((size_t)q * m + i) * H, s + (size_t)q * H, sizeof(float) * H);
        if (Wp)
            memcpy(b->seq_noise + (size_t)i * Wp, ro->seq_noise + (size_t)e * Wp, sizeof(float) * Wp);
    }
    return rows;
}

static void adam_both(pg_agent *ag, pg_lstm_net *rnn, cdrl_mlp *head, cdrl_adam *rnn_opt,
                      cdrl_adam *head_opt)
{
    pg_clip_global(rnn->grads, rnn->n_params, head->grads, head->n_params, ag->cfg->max_grad_norm);
    cdrl_adam_step(rnn_opt, rnn->params, rnn->grads);
    cdrl_adam_step(head_opt, head->params, head->grads);
}

static int policy_step(pg_agent *ag, const pg_seq_batch *sb, float wr, float dr,
                       pg_update_stats *st, cdrl_error *err)
{
    pg_recurrent_zero_grad(ag->policy_rnn, ag->policy);
    cdrl_pg_loss_stats ls;
    int rc = pg_recurrent_policy_loss(ag->policy_rnn, ag->policy, sb, (float)ag->cfg->clip,
                                      (float)ag->cfg->entropy, &ls, err);
    if (rc)
        return rc;
    float reg = cdrl_lstm_regularizer(&ag->policy_rnn->lstm, wr, dr);
    if (!isfinite(ls.loss) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "policy loss is not finite");
    adam_both(ag, ag->policy_rnn, ag->policy, &ag->policy_rnn_opt, &ag->policy_opt);
    st->policy_loss += ls.surrogate;
    st->entropy += ls.entropy;
    return 0;
}

static int value_step(pg_agent *ag, pg_seq_batch sb, int rows, float wr, float dr, double *loss,
                      cdrl_error *err)
{
    pg_lstm_net *rnn = ag->value_rnn;
    pg_recurrent_zero_grad(rnn, ag->value);
    sb.noise = NULL;
    if (rnn->noise_width) {
        cdrl_lstm_draw_noise(&rnn->lstm, &rnn->noise_rng, sb.M, ag->batch.value_noise);
        sb.noise = ag->batch.value_noise;
    }
    const float *v = pg_recurrent_forward(rnn, ag->value, &sb, CDRL_MODE_TRAIN, NULL, NULL, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    float *dv = calloc((size_t)rows, sizeof(float));
    if (!dv)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    float mse = cdrl_mse(dv, v, ag->batch.ret, rows, 1, 1.0f);
    int rc = pg_recurrent_backward(rnn, ag->value, &sb, dv, err);
    free(dv);
    if (rc)
        return rc;
    float reg = cdrl_lstm_regularizer(&rnn->lstm, wr, dr);
    if (!isfinite(mse) || !isfinite(reg))
        return cdrl_errorf(err, CDRL_EDIVERGED, "value loss is %s", isfinite(mse) ? "finite, its regulariser not" : "not finite");
    adam_both(ag, rnn, ag->value, &ag->value_rnn_opt, &ag->value_opt);
    *loss += mse;
    return 0;
}

int pg_update_recurrent(pg_agent *ag, pg_update_stats *st, cdrl_error *err)
{
    int B = ag->cfg->envs, L = ag->cfg->lstm_chunk, H = ag->cfg->lstm_hidden;
    int T = ag->ro.n / B, n_seq = (T + L - 1) / L * B;
    int M = (int)pg_chunks_per_minibatch(ag->cfg, (size_t)n_seq);
    /* N = every transition seen so far, as for the MLP. */
    float wr, dr_policy, dr_value;
    double n_data = (double)ag->c.env_steps;
    cdrl_concrete_coefficients(ag->cfg->length_scale, ag->cfg->tau, n_data, 1, &wr, &dr_policy);
    cdrl_concrete_coefficients(ag->cfg->length_scale, ag->cfg->tau, n_data, 0, &wr, &dr_value);
    pg_batch *b = &ag->batch;
    int steps = 0;
    for (int epoch = 0; epoch < ag->cfg->epochs; epoch++) {
        pg_shuffle(b->order, n_seq, &ag->shuffle_rng);
        for (int start = 0; start < n_seq; start += M) {
            /* as in pg_update: stop between minibatches */
            int rc = cdrl_stop_poll("the update", err);
            if (rc)
                return rc;
            int m = n_seq - start < M ? n_seq - start : M;
            int rows = gather_chunks(ag, b->order + start, m, T);
            size_t mH = (size_t)m * H;
            pg_seq_batch sb = {.M = m, .L = L, .len = b->len, .obs = b->seq_obs, .keep = b->keep,
                               .h0 = b->state, .c0 = b->state + mH,
                               .noise = ag->policy_rnn->noise_width ? b->seq_noise : NULL,
                               .actions = b->actions, .old_logp = b->logp, .adv = b->adv};
            rc = policy_step(ag, &sb, wr, dr_policy, st, err);
            sb.h0 = b->state + 2 * mH;
            sb.c0 = b->state + 3 * mH;
            if (!rc)
                rc = value_step(ag, sb, rows, wr, dr_value, &st->value_loss, err);
            if (rc)
                return rc;
            steps++;
        }
    }
    st->policy_loss /= steps;
    st->value_loss /= steps;
    st->entropy /= steps;
    /* Only now, so the loss saw the inputs the rollout acted on. */
    pg_lstm_net_observe(ag->policy_rnn, ag->ro.obs, (size_t)ag->ro.n);
    pg_lstm_net_observe(ag->value_rnn, ag->ro.obs, (size_t)ag->ro.n);
    return 0;
}

/* ==== Measurements ===================================================================== */

int pg_recurrent_mc_spread(pg_agent *ag, double *spread, cdrl_error *err)
{
    int rows = (int)ag->c.n_probe, T = ag->cfg->mc_samples, D = ag->D, M = rows * T;
    pg_lstm_net *rnn = ag->policy_rnn;
    int W = rnn->noise_width;
    float *obs = malloc(sizeof(float) * (size_t)M * D);
    float *noise = W ? malloc(sizeof(float) * (size_t)M * W) : NULL;
    int *len = malloc(sizeof(int) * (size_t)M);
    if (!obs || !len || (W && !noise)) {
        free(obs), free(noise), free(len);
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: cannot allocate the MC spread buffers");
    }
    for (int i = 0; i < M; i++) {
        memcpy(obs + (size_t)i * D, ag->probe + (size_t)(i / T) * D, sizeof(float) * D);
        len[i] = 1;
    }
    if (W)
        cdrl_lstm_draw_noise(&rnn->lstm, &rnn->noise_rng, M, noise);
    pg_seq_batch sb = {.M = M, .L = 1, .len = len, .obs = obs, .noise = noise};
    const float *logits = pg_recurrent_forward(rnn, ag->policy, &sb, CDRL_MODE_MC, NULL, NULL, err);
    int rc = logits ? pg_probs_spread(logits, rows, T, ag->A, spread, NULL, err)
                    : (err ? err->code : CDRL_EINVAL);
    free(obs), free(noise), free(len);
    return rc;
}
