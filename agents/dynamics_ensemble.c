/* A posterior over dynamics as K dynamics models: one Concrete-Dropout
 * model, or an ensemble of independently initialised ones with bootstrapped
 * minibatches (see dynamics_ensemble.h). */
#include "dynamics_ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Far from the streams a model uses for its own seed (1 + layer, 1000). */
#define MEMBER_SEED_STREAM 4242u
#define PICK_STREAM 4243u

int cdrl_ensemble_parse(const char *text, int *K, cdrl_error *err)
{
    *K = 1;
    if (strcmp(text, "dropout") == 0)
        return 0;
    if (strncmp(text, "ensemble:", 9) == 0) {
        char *end;
        long k = strtol(text + 9, &end, 10);
        if (end != text + 9 && *end == '\0' && k >= 2 && k <= CDRL_ENSEMBLE_MAX) {
            *K = (int)k;
            return 0;
        }
    }
    return cdrl_errorf(err, CDRL_EINVAL, "uncertainty \"%s\": expected dropout or ensemble:K with K in "
                       "[2, %d]", text, CDRL_ENSEMBLE_MAX);
}

int cdrl_ensemble_create(const cdrl_dynamics_spec *spec, int K, cdrl_dynamics_ensemble **out,
                         cdrl_error *err)
{
    *out = NULL;
    if (K < 1 || K > CDRL_ENSEMBLE_MAX)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics ensemble: %d members out of range [1, %d]", K,
                           CDRL_ENSEMBLE_MAX);
    cdrl_dynamics_ensemble *e = calloc(1, sizeof *e);
    if (!e)
        return cdrl_errorf(err, CDRL_ENOMEM, "dynamics ensemble: out of memory");
    e->K = K;
    e->held = -1;
    cdrl_rng seeds;
    cdrl_rng_seed(&seeds, spec->seed, MEMBER_SEED_STREAM);
    cdrl_rng_seed(&e->pick, spec->seed, PICK_STREAM);
    int rc = 0;
    for (int k = 0; k < K && !rc; k++) {
        cdrl_dynamics_spec ms = *spec;
        if (k > 0)
            ms.seed = cdrl_rng_u64(&seeds);
        rc = cdrl_dynamics_create(&ms, &e->member[k], err);
    }
    if (rc) {
        cdrl_ensemble_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void cdrl_ensemble_free(cdrl_dynamics_ensemble *e)
{
    if (!e)
        return;
    for (int k = 0; k < e->K; k++)
        cdrl_dynamics_free(e->member[k]);
    free(e->scratch);
    free(e);
}

int cdrl_ensemble_fit(cdrl_dynamics_ensemble *e, const cdrl_replay_buffer *buf, int steps, double *loss,
                      cdrl_error *err)
{
    if (e->K == 1)
        return cdrl_dynamics_fit(e->member[0], buf, steps, loss, err);
    double sum = 0.0;
    for (int k = 0; k < e->K; k++) {
        double lk = 0.0;
        int rc = cdrl_dynamics_fit(e->member[k], buf, steps, &lk, err);
        if (rc)
            return cdrl_error_prefix(err, "ensemble member %d", k);
        sum += lk;
    }
    if (loss)
        *loss = sum / e->K;
    return 0;
}

int cdrl_ensemble_validate(cdrl_dynamics_ensemble *e, const cdrl_replay_buffer *buf, int T,
                           cdrl_dynamics_stats *stats, cdrl_error *err)
{
    return cdrl_dynamics_validate_members(e->member, e->K, buf, T, stats, err);
}

int cdrl_ensemble_spread(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int n, int T,
                         double *spread, cdrl_error *err)
{
    return cdrl_dynamics_spread_members(e->member, e->K, obs, actions, n, T, spread, err);
}

static int reserve_scratch(cdrl_dynamics_ensemble *e, int B, cdrl_error *err)
{
    if (B <= e->scratch_rows)
        return 0;
    float *p = realloc(e->scratch, sizeof(float) * (size_t)B * e->member[0]->spec.obs_dim);
    if (!p)
        return cdrl_errorf(err, CDRL_ENOMEM, "dynamics ensemble: cannot allocate %d rows", B);
    e->scratch = p;
    e->scratch_rows = B;
    return 0;
}

int cdrl_ensemble_predict(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int B,
                          float *next, cdrl_error *err)
{
    if (e->K == 1)
        return cdrl_dynamics_predict(e->member[0], obs, actions, B, next, err);
    const cdrl_dynamics_spec *s = &e->member[0]->spec;
    size_t cells = (size_t)B * s->obs_dim;
    int rc = reserve_scratch(e, B, err);
    for (size_t c = 0; c < cells && !rc; c++)
        next[c] = 0.0f;
    for (int k = 0; k < e->K && !rc; k++) {
        if ((rc = cdrl_dynamics_predict(e->member[k], obs, actions, B, e->scratch, err)))
            break;
        for (size_t c = 0; c < cells; c++)
            next[c] += e->scratch[c];
    }
    if (rc)
        return rc;
    for (int b = 0; b < B; b++) {
        float *row = next + (size_t)b * s->obs_dim;
        for (int d = 0; d < s->obs_dim; d++)
            row[d] /= (float)e->K;
        /* The mean of points on the unit circle lies inside it. */
        for (int i = 0; i < s->n_angles; i++) {
            float *c = row + s->angle_cos[i], *sn = row + s->angle_sin[i];
            float norm = sqrtf(*c * *c + *sn * *sn);
            if (norm > 0.0f)
                *c /= norm, *sn /= norm;
            else
                *c = 1.0f, *sn = 0.0f;
        }
    }
    return 0;
}

/* Member k's share of P particles: [first(k), first(k + 1)). */
static int first_particle(int k, int P, int K)
{
    return (int)((int64_t)k * P / K);
}

int cdrl_ensemble_freeze(cdrl_dynamics_ensemble *e, int P, cdrl_error *err)
{
    e->held = -1;
    e->particles = 0;
    if (e->K == 1) {
        int rc = cdrl_dynamics_freeze(e->member[0], P, err);
        e->particles = rc ? 0 : P;
        return rc;
    }
    if (P < e->K)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics ensemble: %d particles for %d members; need at "
                           "least one per member", P, e->K);
    for (int k = 0; k < e->K; k++) {
        int rc = cdrl_dynamics_freeze(e->member[k], first_particle(k + 1, P, e->K) - first_particle(k, P, e->K),
                                      err);
        if (rc)
            return rc;
    }
    e->particles = P;
    return 0;
}

int cdrl_ensemble_hold(cdrl_dynamics_ensemble *e, cdrl_error *err)
{
    e->particles = 0;
    e->held = e->K == 1 ? 0 : (int)cdrl_rng_below(&e->pick, (uint64_t)e->K);
    return cdrl_dynamics_freeze(e->member[e->held], 1, err);
}

int cdrl_ensemble_step(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int B,
                       float *next, cdrl_error *err)
{
    if (e->held >= 0)
        return cdrl_dynamics_step_frozen(e->member[e->held], obs, actions, B, next, err);
    int P = e->particles;
    if (e->K == 1 || P < 1)
        return cdrl_dynamics_step_frozen(e->member[0], obs, actions, B, next, err);
    if (B % P)
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics ensemble: batch %d is not a multiple of %d particles",
                           B, P);
    int per = B / P, D = e->member[0]->spec.obs_dim, S = e->member[0]->action_stride;
    for (int k = 0; k < e->K; k++) {
        size_t row = (size_t)first_particle(k, P, e->K) * per;
        int rows = (first_particle(k + 1, P, e->K) - first_particle(k, P, e->K)) * per;
        int rc = cdrl_dynamics_step_frozen(e->member[k], obs + row * D, actions + row * S, rows,
                                           next + row * D, err);
        if (rc)
            return rc;
    }
    return 0;
}

int cdrl_ensemble_step_rows(cdrl_dynamics_ensemble *e, const float *obs, const float *actions, int P,
                            const int *counts, float *next, cdrl_error *err)
{
    if (e->held >= 0 || (e->K > 1 && P != e->particles)) {
        int B = 0;
        for (int p = 0; p < P; p++)
            B += counts[p];
        if (e->held >= 0)
            return cdrl_dynamics_step_frozen_rows(e->member[e->held], obs, actions, &B, next, err);
        return cdrl_errorf(err, CDRL_EINVAL, "dynamics ensemble: rows of %d particles; %d are frozen",
                           P, e->particles);
    }
    if (e->K == 1) {
        if (P != e->member[0]->particles)
            return cdrl_errorf(err, CDRL_EINVAL, "dynamics ensemble: rows of %d particles; %d are frozen",
                               P, e->member[0]->particles);
        return cdrl_dynamics_step_frozen_rows(e->member[0], obs, actions, counts, next, err);
    }
    int D = e->member[0]->spec.obs_dim, S = e->member[0]->action_stride;
    size_t row = 0;
    for (int k = 0; k < e->K; k++) {
        int from = first_particle(k, P, e->K), to = first_particle(k + 1, P, e->K), rows = 0;
        for (int p = from; p < to; p++)
            rows += counts[p];
        int rc = cdrl_dynamics_step_frozen_rows(e->member[k], obs + row * D, actions + row * S,
                                                counts + from, next + row * D, err);
        if (rc)
            return rc;
        row += (size_t)rows;
    }
    return 0;
}

float cdrl_ensemble_p(const cdrl_dynamics_ensemble *e, int layer)
{
    if (e->K == 1)
        return cdrl_dynamics_p(e->member[0], layer);
    double sum = 0.0;
    for (int k = 0; k < e->K; k++)
        sum += cdrl_dynamics_p(e->member[k], layer);
    return (float)(sum / e->K);
}

size_t cdrl_ensemble_member_params(const cdrl_dynamics_ensemble *e)
{
    return e->member[0]->net->n_params;
}

double cdrl_ensemble_row_macs(const cdrl_dynamics_ensemble *e)
{
    const cdrl_dynamics_model *m = e->member[0];
    double macs = 0.0;
    for (int l = 0; l <= m->spec.n_hidden; l++)
        macs += (double)m->net->layers[l].n_in * m->net->layers[l].n_out;
    return macs;
}
