/* The policy-gradient agent's exploration bonus: the epistemic spread of a
 * learned dynamics model, added to the reward (pg_bonus.h has the design). */
#include "pg_bonus.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"
#include "cdrl/metric_names.h"
#include "cdrl/shortest.h"
#include "dynamics_model.h"
#include "replay_buffer.h"

/* What a checkpoint keeps besides the model and the transitions. */
typedef struct {
    int64_t fits;               /* refits so far; no bonus before the first */
    double count, mean, m2;     /* running statistics of every spread (Welford) */
} bonus_counters;

struct pg_bonus {
    pg_bonus_config cfg;
    int running;                /* normalize = "running" */
    cdrl_dynamics_model *model;
    cdrl_replay_buffer buf;
    bonus_counters c;
    pg_bonus_stats last;
    int stride;                 /* floats per action: 1 (an index) or action_dim */
    int rows;                   /* scratch rows held: (particles * transitions) */
    float *x_obs, *x_act, *next;
    double *spread;             /* (transitions) */
    int spread_rows;
    double *held;               /* (held_rows, obs_dim) the envs' observations before this step */
    int held_rows, held_n;
};

int pg_bonus_create(const pg_bonus_config *cfg, int obs_dim, int action_count, int action_dim,
                    uint64_t seed, pg_bonus **out, cdrl_error *err)
{
    *out = NULL;
    if (cfg->beta == 0.0)
        return 0;
    cdrl_dynamics_spec spec = {
        .obs_dim = obs_dim,
        .action_count = action_count,
        .action_dim = action_dim,
        .n_hidden = cfg->layers,
        .activation = CDRL_ACT_TANH,
        .lr = cfg->lr,
        .batch = cfg->batch,
        .length_scale = cfg->length_scale,
        .tau = cfg->tau,
        .seed = seed,
    };
    for (int i = 0; i < cfg->layers; i++)
        spec.hidden[i] = cfg->hidden;
    if (cdrl_dropout_parse(cfg->dropout, (float)cfg->init_p, &spec.dropout, err))
        return cdrl_error_prefix(err, "agent.bonus.dropout");
    pg_bonus *b = calloc(1, sizeof *b);
    if (!b)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent.bonus: out of memory");
    b->cfg = *cfg;
    b->running = strcmp(cfg->normalize, "running") == 0;
    b->stride = action_count > 0 ? 1 : action_dim;
    /* Nothing is held out: the model learns from every transition seen, and
     * its regulariser's N is exactly that count. */
    int rc = b->stride >= 1 ? cdrl_replay_buffer_init(&b->buf, obs_dim, b->stride, INT_MAX, err)
                            : cdrl_errorf(err, CDRL_EINVAL, "action_dim %d must be >= 1", action_dim);
    rc = rc ? rc : cdrl_dynamics_create(&spec, &b->model, err);
    if (rc) {
        pg_bonus_free(b);
        return cdrl_error_prefix(err, "agent.bonus");
    }
    *out = b;
    return 0;
}

void pg_bonus_free(pg_bonus *b)
{
    if (!b)
        return;
    cdrl_dynamics_free(b->model);
    cdrl_replay_buffer_free(&b->buf);
    free(b->x_obs), free(b->x_act), free(b->next), free(b->spread), free(b->held);
    free(b);
}

/* realloc that keeps the old block (and sets *fail) when it cannot grow. */
static void *grow(void *old, size_t bytes, int *fail)
{
    void *q = *fail ? NULL : realloc(old, bytes);
    *fail |= q == NULL;
    return q ? q : old;
}

int pg_bonus_observe(pg_bonus *b, const double *obs, int B, cdrl_error *err)
{
    size_t D = (size_t)b->buf.obs_dim;
    if (B > b->held_rows) {
        int fail = 0;
        b->held = grow(b->held, sizeof(double) * (size_t)B * D, &fail);
        if (fail)
            return cdrl_errorf(err, CDRL_ENOMEM, "agent.bonus: out of memory for %d observations", B);
        b->held_rows = B;
    }
    memcpy(b->held, obs, sizeof(double) * (size_t)B * D);
    b->held_n = B;
    return 0;
}

int pg_bonus_record(pg_bonus *b, const double *actions, const double *next_obs, const double *final_obs,
                    const uint8_t *terminated, const uint8_t *truncated, int B, cdrl_error *err)
{
    size_t D = (size_t)b->buf.obs_dim;
    if (B != b->held_n)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.bonus: %d steps recorded after %d observations", B,
                           b->held_n);
    for (int e = 0; e < B; e++) {
        const double *next = terminated[e] || truncated[e] ? final_obs : next_obs;
        int rc = cdrl_replay_buffer_push(&b->buf, b->held + e * D, actions + (size_t)e * b->stride,
                                         next + e * D, 0.0, terminated[e], err);
        if (rc)
            return rc;
    }
    b->held_n = 0;
    return 0;
}

/* Scratch for n transitions: their spreads, and P copies of each for the particles. */
static int reserve(pg_bonus *b, int n, cdrl_error *err)
{
    int P = b->cfg.particles, fail = 0;
    size_t D = (size_t)b->buf.obs_dim, rows = (size_t)n * P;
    if (rows > (size_t)INT_MAX)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.bonus: %d transitions x %d particles are too many", n, P);
    if ((int)rows > b->rows) {
        b->x_obs = grow(b->x_obs, sizeof(float) * rows * D, &fail);
        b->x_act = grow(b->x_act, sizeof(float) * rows * (size_t)b->stride, &fail);
        b->next = grow(b->next, sizeof(float) * rows * D, &fail);
        b->rows = fail ? 0 : (int)rows;
    }
    if (!fail && n > b->spread_rows) {
        b->spread = grow(b->spread, sizeof(double) * (size_t)n, &fail);
        b->spread_rows = fail ? 0 : n;
    }
    if (fail)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent.bonus: out of memory for %zu rows", rows);
    return 0;
}

int pg_bonus_spread(pg_bonus *b, const float *obs, const float *actions, int n, double *spread,
                    cdrl_error *err)
{
    int P = b->cfg.particles, D = b->buf.obs_dim;
    size_t A = (size_t)b->stride;
    if (b->c.fits == 0 || n <= 0) {
        for (int i = 0; i < n; i++)
            spread[i] = 0.0;
        return 0;
    }
    int rc = reserve(b, n, err);
    /* P particles, each a frozen mask set, over all n rows: particle-major. */
    rc = rc ? rc : cdrl_dynamics_freeze(b->model, P, err);
    if (rc)
        return rc;
    for (int p = 0; p < P; p++) {
        memcpy(b->x_obs + (size_t)p * n * D, obs, sizeof(float) * (size_t)n * D);
        memcpy(b->x_act + (size_t)p * n * A, actions, sizeof(float) * (size_t)n * A);
    }
    if ((rc = cdrl_dynamics_step_frozen(b->model, b->x_obs, b->x_act, n * P, b->next, err)))
        return rc;
    const float *out_std = b->model->out_std;
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int d = 0; d < D; d++) {
            double mean = 0.0, var = 0.0;
            for (int p = 0; p < P; p++)
                mean += b->next[((size_t)p * n + i) * D + d];
            mean /= P;
            for (int p = 0; p < P; p++) {
                double dev = b->next[((size_t)p * n + i) * D + d] - mean;
                var += dev * dev;
            }
            sum += sqrt(var / P) / out_std[d];
        }
        spread[i] = sum / D;
    }
    return 0;
}

/* Folds the spreads into the running statistics; returns the scale the
 * bonus divides by (0: no bonus). */
static double update_scale(pg_bonus *b, const double *spread, int n)
{
    if (!b->running)
        return 1.0;
    bonus_counters *c = &b->c;
    for (int i = 0; i < n; i++) {
        c->count += 1.0;
        double d = spread[i] - c->mean;
        c->mean += d / c->count;
        c->m2 += d * (spread[i] - c->mean);
    }
    return c->count > 1.0 ? sqrt(c->m2 / c->count) : 0.0;
}

int pg_bonus_apply(pg_bonus *b, const float *obs, const float *actions, int n, float *reward,
                   cdrl_error *err)
{
    int rc = reserve(b, n, err);
    rc = rc ? rc : pg_bonus_spread(b, obs, actions, n, b->spread, err);
    if (rc)
        return rc;
    double scale = b->c.fits ? update_scale(b, b->spread, n) : 0.0, total = 0.0, spread = 0.0;
    for (int i = 0; i < n; i++) {
        double bonus = scale > 0.0 ? b->cfg.beta * b->spread[i] / scale : 0.0;
        reward[i] += (float)bonus;
        total += bonus;
        spread += b->spread[i];
    }
    b->last.bonus_mean = n ? total / n : 0.0;
    b->last.spread = n ? spread / n : 0.0;
    if (b->buf.size < 2)
        return 0;
    if ((rc = cdrl_dynamics_fit(b->model, &b->buf, b->cfg.fit_steps, &b->last.model_loss, err)))
        return cdrl_error_prefix(err, "agent.bonus model");
    b->c.fits++;
    return 0;
}

int pg_bonus_apply_recorded(pg_bonus *b, int n, float *reward, cdrl_error *err)
{
    if (n < 0 || n > b->buf.size)
        return cdrl_errorf(err, CDRL_EINVAL, "agent.bonus: %d transitions asked for, %lld recorded", n,
                           (long long)b->buf.size);
    /* The rows stay put through the refit: it reads the buffer, and only the
     * bonus's own scratch grows. */
    size_t first = (size_t)(b->buf.size - n);
    return pg_bonus_apply(b, b->buf.obs + first * b->buf.obs_dim, b->buf.action + first * b->stride, n,
                          reward, err);
}

pg_bonus_stats pg_bonus_last(const pg_bonus *b)
{
    return b->last;
}

/* The layers whose input can be dropped: 1 .. hidden layers (0 is the network's input). */
static int dropped_layers(const pg_bonus *b)
{
    return cdrl_dynamics_layers(b->model) - 1;
}

size_t pg_bonus_metrics_header(const pg_bonus *b, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "," CDRL_METRIC_BONUS_MEAN ",bonus_spread,bonus_model_loss");
    for (int l = 1; l <= dropped_layers(b) && used < size; l++) {
        used += (size_t)snprintf(out + used, size - used, ",");
        used += (size_t)cdrl_metric_p_name(out + used, used < size ? size - used : 0, "model", l);
    }
    return used < size ? used : size;
}

size_t pg_bonus_metrics_row(const pg_bonus *b, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, ",%s,%s,%s", cdrl_shortest_double(b->last.bonus_mean).text,
                                   cdrl_shortest_double(b->last.spread).text,
                                   cdrl_shortest_double(b->last.model_loss).text);
    for (int l = 1; l <= dropped_layers(b) && used < size; l++)
        used += (size_t)snprintf(out + used, size - used, ",%s",
                                 cdrl_shortest_float(cdrl_dynamics_p(b->model, l)).text);
    return used < size ? used : size;
}

int pg_bonus_watch(const pg_bonus *b, cdrl_run_watch *out)
{
    const cdrl_dynamics_model *m = b->model;
    out[0] = (cdrl_run_watch){"bonus.model.params", m->net->params, m->net->n_params};
    out[1] = (cdrl_run_watch){"bonus.model.adam.state", m->adam.state, 2 * m->adam.n};
    return 2;
}

/* ---- Checkpoint ----------------------------------------------------------------- */

/* The replay buffer's sections, after the model's: one table for save and load. */
static int buffer_sections(const pg_bonus *b, int64_t rows, cdrl_ckpt_section *out)
{
    size_t D = (size_t)b->buf.obs_dim, n = (size_t)rows;
    cdrl_ckpt_section s[] = {
        {"bonus.buffer.obs", b->buf.obs, sizeof(float) * n * D},
        {"bonus.buffer.action", b->buf.action, sizeof(float) * n * (size_t)b->stride},
        {"bonus.buffer.next_obs", b->buf.next_obs, sizeof(float) * n * D},
        {"bonus.buffer.terminated", b->buf.terminated, n},
    };
    memcpy(out, s, sizeof s);
    return (int)(sizeof s / sizeof s[0]);
}

int pg_bonus_save(const pg_bonus *b, cdrl_ckpt_writer *w, cdrl_error *err)
{
    int64_t size = b->buf.size;
    cdrl_ckpt_section s[4];
    int n = buffer_sections(b, size, s);
    int rc = cdrl_ckpt_add(w, "bonus.counters", &b->c, sizeof b->c, err);
    rc = rc ? rc : cdrl_ckpt_add(w, "bonus.buffer.size", &size, sizeof size, err);
    rc = rc ? rc : cdrl_dynamics_save(b->model, w, "bonus.model", "bonus.model.rng", err);
    return rc ? rc : cdrl_ckpt_add_sections(w, s, n, err);
}

int pg_bonus_load(pg_bonus *b, const cdrl_ckpt *ck, cdrl_error *err)
{
    int64_t size = 0;
    int rc = cdrl_ckpt_read(ck, "bonus.counters", &b->c, sizeof b->c, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "bonus.buffer.size", &size, sizeof size, err);
    if (!rc && (size < 0 || b->c.fits < 0))
        rc = cdrl_errorf(err, CDRL_ECORRUPT, "checkpoint: bonus counters out of range");
    rc = rc ? rc : cdrl_replay_buffer_reserve(&b->buf, size, err);
    rc = rc ? rc : cdrl_dynamics_load(b->model, ck, "checkpoint", "bonus.model", "bonus.model.rng", err);
    cdrl_ckpt_section s[4];
    int n = buffer_sections(b, size, s);
    rc = rc ? rc : cdrl_ckpt_read_sections(ck, s, n, err);
    if (rc)
        return rc;
    b->buf.size = size;
    return 0;
}
