/* The model-based agent's checkpoint: counters, the model (parameters, Adam
 * state, input/output normalisation, generators) of every ensemble member,
 * the planner's generator and the whole replay buffer. Member 0's sections
 * carry the names a single model always had ("model.params", ...), member k
 * "model<k>.params", ...; an ensemble adds its Thompson generator. */
#include "mb_internal.h"

#include <stdio.h>
#include <string.h>

#include "cdrl/checkpoint.h"

/* Member k's section prefixes: "model" and "rng.model" for member 0 (the
 * names a single model always had), "model<k>" and "rng.model<k>" after. */
static void member_prefixes(int k, char *model, char *rng, size_t size)
{
    if (k > 0) {
        snprintf(model, size, "model%d", k);
        snprintf(rng, size, "rng.model%d", k);
    } else {
        snprintf(model, size, "model");
        snprintf(rng, size, "rng.model");
    }
}

static int save_member(cdrl_ckpt_writer *w, const cdrl_dynamics_model *m, int k, cdrl_error *err)
{
    char model[32], rng[32];
    member_prefixes(k, model, rng, sizeof model);
    return cdrl_dynamics_save(m, w, model, rng, err);
}

/* Member 0 is saved in the order a single model always was: its shape
 * after the counters, the rest before the planner's generator. */
int mb_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err)
{
    mb_agent *a = self;
    a->c.metrics_rows = rows->metrics;
    a->c.episodes_rows = rows->episodes;
    cdrl_ckpt_writer *w;
    int rc = cdrl_ckpt_writer_create("mb", hash, &w, err);
    if (rc)
        return rc;
    size_t D = (size_t)a->buf.obs_dim, n = (size_t)a->buf.size;
    if ((rc = cdrl_ckpt_add(w, "counters", &a->c, sizeof a->c, err)))
        goto done;
    for (int k = 0; k < a->ens->K; k++)
        if ((rc = save_member(w, a->ens->member[k], k, err)))
            goto done;
    if ((a->ens->K > 1 &&
         (rc = cdrl_ckpt_add(w, "rng.ensemble.pick", &a->ens->pick, sizeof a->ens->pick, err))) ||
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

static int load_member(cdrl_ckpt *ck, const char *path, cdrl_dynamics_model *m, int k, cdrl_error *err)
{
    char model[32], rng[32];
    member_prefixes(k, model, rng, sizeof model);
    return cdrl_dynamics_load(m, ck, path, model, rng, err);
}

int mb_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err)
{
    mb_agent *a = self;
    cdrl_ckpt *ck;
    int rc;
    if ((rc = cdrl_ckpt_open(path, &ck, err)))
        return rc;
    size_t D = (size_t)a->buf.obs_dim;
    if ((rc = cdrl_ckpt_check(ck, "mb", hash, err)) ||
        (rc = cdrl_ckpt_read(ck, "counters", &a->c, sizeof a->c, err)))
        goto done;
    int64_t n = a->c.env_steps;
    if (n < 0 || (rc = cdrl_replay_buffer_reserve(&a->buf, n, err)))
        goto done;
    for (int k = 0; k < a->ens->K; k++)
        if ((rc = load_member(ck, path, a->ens->member[k], k, err)))
            goto done;
    if ((a->ens->K > 1 &&
         (rc = cdrl_ckpt_read(ck, "rng.ensemble.pick", &a->ens->pick, sizeof a->ens->pick, err))) ||
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
done:
    cdrl_ckpt_free(ck);
    return rc;
}
