/* The model-based agent's checkpoint: counters, the model (parameters, Adam
 * state, input/output normalisation, generators), the planner's generator
 * and the whole replay buffer. */
#include "mb_internal.h"

#include <string.h>

#include "cdrl/checkpoint.h"

int mb_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err)
{
    mb_agent *a = self;
    a->c.metrics_rows = rows->metrics;
    a->c.episodes_rows = rows->episodes;
    cdrl_ckpt_writer *w;
    int rc = cdrl_ckpt_writer_create("mb", hash, &w, err);
    if (rc)
        return rc;
    cdrl_dynamics_model *m = a->model;
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    for (int l = 0; l < m->net->n_layers; l++)
        layer_rng[l] = m->net->layers[l].rng;
    size_t D = (size_t)a->buf.obs_dim, n = (size_t)a->buf.size;
    int shape[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    long adam_t = m->adam.t;
    size_t norm = 2 * (size_t)m->n_inputs + 2 * (size_t)m->spec.obs_dim;
    if ((rc = cdrl_ckpt_add(w, "counters", &a->c, sizeof a->c, err)) ||
        (rc = cdrl_ckpt_add(w, "model.shape", shape, sizeof shape, err)) ||
        (rc = cdrl_ckpt_add(w, "model.params", m->net->params, sizeof(float) * m->net->n_params, err)) ||
        (rc = cdrl_ckpt_add(w, "model.adam.state", m->adam.state, sizeof(float) * 2 * m->adam.n, err)) ||
        (rc = cdrl_ckpt_add(w, "model.adam.t", &adam_t, sizeof adam_t, err)) ||
        (rc = cdrl_ckpt_add(w, "model.norm", m->norm, sizeof(float) * norm, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.model.batches", &m->rng, sizeof m->rng, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.model.layers", layer_rng, sizeof(cdrl_rng) * m->net->n_layers, err)) ||
        (rc = cdrl_ckpt_add(w, "rng.planner", &a->planner->rng, sizeof a->planner->rng, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.obs", a->buf.obs, sizeof(float) * n * D, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.action", a->buf.action, sizeof(float) * n * (size_t)a->buf.action_dim, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.next_obs", a->buf.next_obs, sizeof(float) * n * D, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.reward", a->buf.reward, sizeof(float) * n, err)) ||
        (rc = cdrl_ckpt_add(w, "buffer.terminated", a->buf.terminated, n, err)))
        goto done;
    rc = cdrl_ckpt_commit(w, path, err);
done:
    cdrl_ckpt_writer_free(w);
    return rc;
}

int mb_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err)
{
    mb_agent *a = self;
    cdrl_ckpt *ck;
    int rc;
    if ((rc = cdrl_ckpt_open(path, &ck, err)))
        return rc;
    cdrl_dynamics_model *m = a->model;
    cdrl_rng layer_rng[CDRL_MLP_MAX_LAYERS];
    int shape[3], want[3] = {m->n_inputs, (int)m->net->n_params, m->net->n_layers};
    long adam_t;
    size_t norm = 2 * (size_t)m->n_inputs + 2 * (size_t)m->spec.obs_dim, D = (size_t)a->buf.obs_dim;
    if ((rc = cdrl_ckpt_check(ck, "mb", hash, err)) ||
        (rc = cdrl_ckpt_read(ck, "counters", &a->c, sizeof a->c, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.shape", shape, sizeof shape, err)))
        goto done;
    if (memcmp(shape, want, sizeof shape) != 0) {
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "%s: model shape (inputs %d, params %d, layers %d) differs "
                         "from the config's (%d, %d, %d)", path, shape[0], shape[1], shape[2], want[0],
                         want[1], want[2]);
        goto done;
    }
    int64_t n = a->c.env_steps;
    if (n < 0 || (rc = cdrl_replay_buffer_reserve(&a->buf, n, err)))
        goto done;
    if ((rc = cdrl_ckpt_read(ck, "model.params", m->net->params, sizeof(float) * m->net->n_params, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.adam.state", m->adam.state, sizeof(float) * 2 * m->adam.n, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.adam.t", &adam_t, sizeof adam_t, err)) ||
        (rc = cdrl_ckpt_read(ck, "model.norm", m->norm, sizeof(float) * norm, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.model.batches", &m->rng, sizeof m->rng, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.model.layers", layer_rng, sizeof(cdrl_rng) * m->net->n_layers, err)) ||
        (rc = cdrl_ckpt_read(ck, "rng.planner", &a->planner->rng, sizeof a->planner->rng, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.obs", a->buf.obs, sizeof(float) * (size_t)n * D, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.action", a->buf.action, sizeof(float) * (size_t)n * (size_t)a->buf.action_dim, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.next_obs", a->buf.next_obs, sizeof(float) * (size_t)n * D, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.reward", a->buf.reward, sizeof(float) * (size_t)n, err)) ||
        (rc = cdrl_ckpt_read(ck, "buffer.terminated", a->buf.terminated, (size_t)n, err)))
        goto done;
    a->buf.size = n;
    rows->metrics = a->c.metrics_rows;
    rows->episodes = a->c.episodes_rows;
    m->adam.t = adam_t;
    for (int l = 0; l < m->net->n_layers; l++)
        m->net->layers[l].rng = layer_rng[l];
done:
    cdrl_ckpt_free(ck);
    return rc;
}
