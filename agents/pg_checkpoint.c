/* The policy-gradient agent's checkpoint: counters, both networks with
 * their dropout generators and Adam state, the action and shuffle
 * generators, the solved window and the probe states — everything a resumed
 * run needs to continue bit for bit. */
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

/* An optimizer's state under `prefix`: "<prefix>.adam.state" (the 2n
 * moments) and "<prefix>.adam.t" (the step count, as an int64). */
static int pg_add_adam(cdrl_ckpt_writer *w, const char *prefix, const cdrl_adam *opt, cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    int64_t t = opt->t;
    snprintf(key, sizeof key, "%s.adam.state", prefix);
    int rc = cdrl_ckpt_add(w, key, opt->state, sizeof(float) * 2 * opt->n, err);
    snprintf(key, sizeof key, "%s.adam.t", prefix);
    return rc ? rc : cdrl_ckpt_add(w, key, &t, sizeof t, err);
}

/* Reads what pg_add_adam wrote; opt->t changes only when both reads succeed. */
static int pg_read_adam(const cdrl_ckpt *ck, const char *prefix, cdrl_adam *opt, cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    int64_t t = 0;
    snprintf(key, sizeof key, "%s.adam.state", prefix);
    int rc = cdrl_ckpt_read(ck, key, opt->state, sizeof(float) * 2 * opt->n, err);
    snprintf(key, sizeof key, "%s.adam.t", prefix);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, &t, sizeof t, err);
    if (!rc)
        opt->t = (long)t;
    return rc;
}

static int add_net(cdrl_ckpt_writer *w, const char *name, const cdrl_mlp *net,
                   const cdrl_adam *opt, cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    cdrl_rng rngs[CDRL_MLP_MAX_LAYERS];
    for (int l = 0; l < net->n_layers; l++)
        rngs[l] = net->layers[l].rng;
    int rc = 0;
    snprintf(key, sizeof key, "%s.params", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, net->params, sizeof(float) * net->n_params, err);
    snprintf(key, sizeof key, "%s.rng", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, rngs, sizeof(cdrl_rng) * net->n_layers, err);
    return rc ? rc : pg_add_adam(w, name, opt, err);
}

int pg_read_net(const cdrl_ckpt *ck, const char *name, cdrl_mlp *net, cdrl_adam *opt,
                    cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    cdrl_rng rngs[CDRL_MLP_MAX_LAYERS];
    int rc = 0;
    snprintf(key, sizeof key, "%s.params", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, net->params, sizeof(float) * net->n_params, err);
    if (!opt)
        return rc;
    snprintf(key, sizeof key, "%s.rng", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, rngs, sizeof(cdrl_rng) * net->n_layers, err);
    rc = rc ? rc : pg_read_adam(ck, name, opt, err);
    if (rc)
        return rc;
    for (int l = 0; l < net->n_layers; l++)
        net->layers[l].rng = rngs[l];
    return 0;
}

/* Writes (w) or reads (ck) "<name>.lstm.obs_moments": count, mean (C), M2 (C). */
static int obs_moments(cdrl_ckpt_writer *w, const cdrl_ckpt *ck, const char *name, pg_lstm_net *net,
                       cdrl_error *err)
{
    enum { MAX_C = 64 };
    char key[CDRL_CKPT_NAME_MAX];
    int C = net->lstm.spec.n_inputs;
    double m[1 + 2 * MAX_C];
    if (C > MAX_C)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: %d LSTM inputs, at most %d", C, MAX_C);
    size_t bytes = sizeof(double) * (1 + 2 * (size_t)C);
    snprintf(key, sizeof key, "%s.lstm.obs_moments", name);
    if (w) {
        m[0] = net->obs_count;
        memcpy(m + 1, net->obs_mean, sizeof(double) * C);
        memcpy(m + 1 + C, net->obs_m2, sizeof(double) * C);
        return cdrl_ckpt_add(w, key, m, bytes, err);
    }
    int rc = cdrl_ckpt_read(ck, key, m, bytes, err);
    if (rc)
        return rc;
    if (!(m[0] >= 0.0))
        return cdrl_errorf(err, CDRL_ECORRUPT, "%s: a negative count", key);
    net->obs_count = m[0];
    memcpy(net->obs_mean, m + 1, sizeof(double) * C);
    memcpy(net->obs_m2, m + 1 + C, sizeof(double) * C);
    pg_lstm_net_set_normalization(net);
    return 0;
}

/* A recurrent net's LSTM: "<name>.lstm.params", ".obs_moments" (count,
 * mean, M2 of the input normalisation), ".rng" (its noise generator),
 * ".adam.state", ".adam.t". There is no recurrent state to save: every
 * update starts from a reset (pg_internal.h). */
static int add_lstm(cdrl_ckpt_writer *w, const char *name, const pg_lstm_net *net,
                    const cdrl_adam *opt, cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    int rc = 0;
    snprintf(key, sizeof key, "%s.lstm.params", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, net->params, sizeof(float) * net->n_params, err);
    rc = rc ? rc : obs_moments(w, NULL, name, (pg_lstm_net *)net, err);
    snprintf(key, sizeof key, "%s.lstm.rng", name);
    rc = rc ? rc : cdrl_ckpt_add(w, key, &net->noise_rng, sizeof net->noise_rng, err);
    snprintf(key, sizeof key, "%s.lstm", name);
    return rc ? rc : pg_add_adam(w, key, opt, err);
}

int pg_read_lstm(const cdrl_ckpt *ck, const char *name, pg_lstm_net *net, cdrl_adam *opt,
                 cdrl_error *err)
{
    char key[CDRL_CKPT_NAME_MAX];
    int rc = 0;
    snprintf(key, sizeof key, "%s.lstm.params", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, net->params, sizeof(float) * net->n_params, err);
    rc = rc ? rc : obs_moments(NULL, ck, name, net, err);
    if (!opt)
        return rc;
    snprintf(key, sizeof key, "%s.lstm.rng", name);
    rc = rc ? rc : cdrl_ckpt_read(ck, key, &net->noise_rng, sizeof net->noise_rng, err);
    snprintf(key, sizeof key, "%s.lstm", name);
    return rc ? rc : pg_read_adam(ck, key, opt, err);
}

int pg_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err)
{
    pg_agent *ag = self;
    int rc;
    ag->c.metrics_rows = rows->metrics;
    ag->c.episodes_rows = rows->episodes;
    cdrl_ckpt_writer *w;
    if ((rc = cdrl_ckpt_writer_create("pg", hash, &w, err)))
        return rc;
    rc = cdrl_ckpt_add(w, "pg.counters", &ag->c, sizeof ag->c, err);
    rc = rc ? rc : add_net(w, "policy", ag->policy, &ag->policy_opt, err);
    rc = rc ? rc : add_net(w, "value", ag->value, &ag->value_opt, err);
    if (ag->policy_rnn) {
        rc = rc ? rc : add_lstm(w, "policy", ag->policy_rnn, &ag->policy_rnn_opt, err);
        rc = rc ? rc : add_lstm(w, "value", ag->value_rnn, &ag->value_rnn_opt, err);
    }
    rc = rc ? rc : cdrl_ckpt_add(w, "rng.actions", &ag->action_rng, sizeof ag->action_rng, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "rng.shuffle", &ag->shuffle_rng, sizeof ag->shuffle_rng, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "window", ag->window, sizeof(double) * ag->window_size, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "probe", ag->probe, sizeof(float) * ag->c.n_probe * ag->D, err);
    rc = rc || !ag->gauss ? rc : pg_gauss_save(ag->gauss, w, err);
    rc = rc ? rc : pg_scaling_save(ag->scaling, w, err);
    if (ag->bonus)
        rc = rc ? rc : pg_bonus_save(ag->bonus, w, err);
    rc = rc ? rc : cdrl_ckpt_commit(w, path, err);
    cdrl_ckpt_writer_free(w);
    return rc;
}

int pg_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err)
{
    pg_agent *ag = self;
    cdrl_ckpt *ck;
    int rc = cdrl_ckpt_open(path, &ck, err);
    if (rc)
        return rc;
    rc = cdrl_ckpt_check(ck, "pg", hash, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "pg.counters", &ag->c, sizeof ag->c, err);
    if (!rc && (ag->c.n_probe < 0 || ag->c.n_probe > ag->cfg->probe_states ||
                ag->c.window_count < 0 || ag->c.window_count > ag->window_size ||
                ag->c.window_at < 0 || ag->c.window_at >= ag->window_size))
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: counters out of range", path);
    rc = rc ? rc : pg_read_net(ck, "policy", ag->policy, &ag->policy_opt, err);
    rc = rc ? rc : pg_read_net(ck, "value", ag->value, &ag->value_opt, err);
    if (ag->policy_rnn) {
        rc = rc ? rc : pg_read_lstm(ck, "policy", ag->policy_rnn, &ag->policy_rnn_opt, err);
        rc = rc ? rc : pg_read_lstm(ck, "value", ag->value_rnn, &ag->value_rnn_opt, err);
    }
    rc = rc ? rc : cdrl_ckpt_read(ck, "rng.actions", &ag->action_rng, sizeof ag->action_rng, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "rng.shuffle", &ag->shuffle_rng, sizeof ag->shuffle_rng, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "window", ag->window, sizeof(double) * ag->window_size, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "probe", ag->probe, sizeof(float) * ag->c.n_probe * ag->D, err);
    rc = rc || !ag->gauss ? rc : pg_gauss_load(ag->gauss, ck, 1, err);
    rc = rc ? rc : pg_scaling_load(ag->scaling, ck, err);
    if (ag->bonus)
        rc = rc ? rc : pg_bonus_load(ag->bonus, ck, err);
    cdrl_ckpt_free(ck);
    rows->metrics = ag->c.metrics_rows;
    rows->episodes = ag->c.episodes_rows;
    return rc;
}
