/* Observation normalisation and reward scaling for the policy-gradient agent.
 *
 * Why: a continuous-control env's observations differ in scale by orders of
 * magnitude (Pendulum's cos, sin in [-1, 1] and its velocity in [-8, 8];
 * the swing-up's cart position and velocities), and its rewards can be
 * large (the swing-up's) or tiny; a tanh network and one learning rate for
 * all of them learn slowly or not at all. Both statistics are running ones
 * (Welford's update, in double), learned while acting, saved in the
 * checkpoint and frozen in eval, so eval sees the inputs the policy was
 * trained on. Reward scaling divides by the running std of each env's
 * discounted return (not of the reward), which keeps the value targets near
 * unit scale without shifting the rewards (a shift would change which
 * episodes are better for envs that end early). */
#include "pg_continuous.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double OBS_CLIP = 10.0, EPS = 1e-8;

static void running_push(pg_running *r, const double *x)
{
    r->count += 1.0;
    for (int i = 0; i < r->n; i++) {
        double d = x[i] - r->mean[i];
        r->mean[i] += d / r->count;
        r->m2[i] += d * (x[i] - r->mean[i]);
    }
}

static double running_var(const pg_running *r, int i)
{
    return r->count > 1.0 ? r->m2[i] / r->count : 1.0;
}

int pg_scaling_create(const char *obs_norm, int reward_scale, int continuous, int D, int B,
                      double gamma, pg_scaling **out, cdrl_error *err)
{
    *out = NULL;
    int norm = strcmp(obs_norm, "on") == 0 || (strcmp(obs_norm, "auto") == 0 && continuous);
    if (!norm && !reward_scale)
        return 0;
    if (D > CDRL_ENV_MAX_DIM)
        return cdrl_errorf(err, CDRL_EINVAL, "pg: at most %d observation components", CDRL_ENV_MAX_DIM);
    pg_scaling *s = calloc(1, sizeof *s);
    double *ret = s ? calloc((size_t)(B > 0 ? B : 1), sizeof(double)) : NULL;
    if (!ret) {
        free(s);
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: out of memory");
    }
    s->obs_norm = norm;
    s->reward_scale = reward_scale;
    s->obs.n = D;
    s->ret.n = 1;
    s->gamma = gamma;
    s->env_return = ret;
    s->B = B;
    *out = s;
    return 0;
}

void pg_scaling_free(pg_scaling *s)
{
    if (s)
        free(s->env_return);
    free(s);
}

void pg_scaling_observe(pg_scaling *s, float *dst, const double *obs, int rows, int D, int learn)
{
    // obs (rows, D) -> dst (rows, D)
    if (!s || !s->obs_norm) {
        for (size_t i = 0; i < (size_t)rows * D; i++)
            dst[i] = (float)obs[i];
        return;
    }
    if (learn && !s->frozen)
        for (int r = 0; r < rows; r++)
            running_push(&s->obs, obs + (size_t)r * D);
    for (int d = 0; d < D; d++) {
        double inv = 1.0 / sqrt(running_var(&s->obs, d) + EPS), m = s->obs.mean[d];
        for (int r = 0; r < rows; r++) {
            double z = (obs[(size_t)r * D + d] - m) * inv;
            dst[(size_t)r * D + d] = (float)fmin(fmax(z, -OBS_CLIP), OBS_CLIP);
        }
    }
}

void pg_scaling_begin(pg_scaling *s)
{
    if (s)
        memset(s->env_return, 0, sizeof(double) * (size_t)s->B);
}

void pg_scaling_rewards(pg_scaling *s, float *reward, const uint8_t *ended)
{
    if (!s || !s->reward_scale)
        return;
    for (int e = 0; e < s->B; e++) {
        s->env_return[e] = s->gamma * s->env_return[e] + reward[e];
        running_push(&s->ret, &s->env_return[e]);
        if (ended[e])
            s->env_return[e] = 0.0;
    }
    double inv = 1.0 / sqrt(running_var(&s->ret, 0) + EPS);
    for (int e = 0; e < s->B; e++)
        reward[e] = (float)(reward[e] * inv);
}

int pg_scaling_save(const pg_scaling *s, cdrl_ckpt_writer *w, cdrl_error *err)
{
    int rc = 0;
    if (s && s->obs_norm)
        rc = cdrl_ckpt_add(w, "scaling.obs", &s->obs, sizeof s->obs, err);
    if (!rc && s && s->reward_scale)
        rc = cdrl_ckpt_add(w, "scaling.ret", &s->ret, sizeof s->ret, err);
    return rc;
}

static int read_running(const cdrl_ckpt *ck, const char *name, pg_running *r, cdrl_error *err)
{
    pg_running got;
    int rc = cdrl_ckpt_read(ck, name, &got, sizeof got, err);
    if (rc)
        return rc;
    if (got.n != r->n || !(got.count >= 0.0))
        return cdrl_errorf(err, CDRL_ECORRUPT, "checkpoint section %s: %d components, expected %d", name,
                           got.n, r->n);
    *r = got;
    return 0;
}

int pg_scaling_load(pg_scaling *s, const cdrl_ckpt *ck, cdrl_error *err)
{
    int rc = 0;
    if (s && s->obs_norm)
        rc = read_running(ck, "scaling.obs", &s->obs, err);
    if (!rc && s && s->reward_scale)
        rc = read_running(ck, "scaling.ret", &s->ret, err);
    return rc;
}
