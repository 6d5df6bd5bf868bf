/* The wrappers every env takes as options, applied in one place for the
 * single env (env.c) and the batch (vec_env.c), so a wrapped batch of one is
 * still the wrapped single env bit for bit:
 *
 *   obs_mask=I:J:...  leaves observation components I, J, ... out (e.g.
 *                     cartpole's velocities, obs_mask=1:3: the partially
 *                     observed task); the observation shrinks accordingly;
 *   obs_noise=S       adds N(0, S^2) to every observed component, drawn from
 *                     the env's own noise generator (seeded with the env, a
 *                     stream apart from its start states);
 *   action_repeat=K   applies each action K times, summing the rewards, and
 *                     stops early when the episode ends;
 *   time_limit=N      truncates after N env steps (the reference's limit by
 *                     default); with action_repeat, after ceil(N / K) agent
 *                     steps at most, counting the env steps, as Gymnasium's
 *                     TimeLimit inside an action-repeat wrapper.
 *
 * The order is: repeat and time limit around the env's own step, then mask,
 * then noise on what remains. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_def.h"

#define WRAP_MAX_REPEAT 1000
#define WRAP_MAX_LIMIT 1000000000

void cdrl_env_wrap_init(cdrl_env_wrap *w, const cdrl_env_def *def)
{
    memset(w, 0, sizeof *w);
    w->action_repeat = 1;
    w->time_limit = def->spec.max_episode_steps;
}

static int parse_int(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* obs_mask: "none" or component indices separated by ':'. */
static int parse_mask(const cdrl_env_def *def, const char *value, uint32_t *out, cdrl_error *err)
{
    const char *name = def->spec.name;
    const int full = def->spec.obs_dim;
    uint32_t mask = 0;
    if (strcmp(value, "none") != 0) {
        char buf[128];
        if (strlen(value) >= sizeof buf)
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option obs_mask: '%s' is too long", name, value);
        strcpy(buf, value);
        for (char *save = NULL, *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
            long d;
            if (parse_int(tok, 0, full - 1, &d))
                return cdrl_errorf(err, CDRL_EINVAL,
                                   "%s: option obs_mask: '%s' is invalid; accepted: 'none' or observation "
                                   "indices in [0, %d] separated by ':' (e.g. 1:3)",
                                   name, value, full - 1);
            mask |= 1u << d;
        }
        if (mask == 0 || value[strlen(value) - 1] == ':')
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option obs_mask: '%s' is invalid; accepted: 'none' or "
                               "observation indices in [0, %d] separated by ':' (e.g. 1:3)", name, value, full - 1);
        if (mask == (full >= 32 ? 0xffffffffu : (1u << full) - 1u))
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option obs_mask: '%s' hides every observation component",
                               name, value);
    }
    *out = mask;
    return 0;
}

int cdrl_env_wrap_set(cdrl_env_wrap *w, const cdrl_env_def *def, const char *key, const char *value,
                      cdrl_error *err)
{
    const char *name = def->spec.name;
    long v;
    if (strcmp(key, "obs_mask") == 0)
        return parse_mask(def, value, &w->hidden, err);
    if (strcmp(key, "obs_noise") == 0) {
        double s;
        if (cdrl_env_parse_double(value, &s) || !(s >= 0.0))
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option obs_noise: '%s' is invalid; accepted: a standard "
                               "deviation >= 0", name, value);
        w->obs_noise = s;
        return 0;
    }
    if (strcmp(key, "action_repeat") == 0) {
        if (parse_int(value, 1, WRAP_MAX_REPEAT, &v))
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option action_repeat: '%s' is invalid; accepted: an "
                               "integer in [1, %d]", name, value, WRAP_MAX_REPEAT);
        w->action_repeat = (int)v;
        return 0;
    }
    if (strcmp(key, "time_limit") == 0) {
        if (parse_int(value, 1, WRAP_MAX_LIMIT, &v))
            return cdrl_errorf(err, CDRL_EINVAL, "%s: option time_limit: '%s' is invalid; accepted: an "
                               "integer in [1, %d] (env steps)", name, value, WRAP_MAX_LIMIT);
        w->time_limit = (int)v;
        return 0;
    }
    return -1;
}

int cdrl_env_set_any_option(const cdrl_env_def *def, cdrl_env_wrap *w, void *settings, const char *key,
                            const char *value, cdrl_error *err)
{
    if (!key || !value)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: option key and value must not be NULL", def->spec.name);
    int rc = cdrl_env_wrap_set(w, def, key, value, err);
    if (rc >= 0)
        return rc;
    rc = def->settings_set(settings, key, value, err);
    if (rc && err && strstr(err->msg, "unknown option")) {
        char own[sizeof err->msg];
        snprintf(own, sizeof own, "%s", err->msg);
        return cdrl_errorf(err, rc, "%s; wrapper options: obs_mask, obs_noise, action_repeat, time_limit", own);
    }
    return rc;
}

void cdrl_env_wrap_spec(const cdrl_env_wrap *w, const cdrl_env_def *def, cdrl_env_spec *spec)
{
    *spec = def->spec;
    int k = 0;
    for (int d = 0; d < def->spec.obs_dim; d++)
        if (!(w->hidden & (1u << d))) {
            spec->obs_low[k] = def->spec.obs_low[d];
            spec->obs_high[k] = def->spec.obs_high[d];
            k++;
        }
    for (int d = k; d < CDRL_ENV_MAX_DIM; d++)
        spec->obs_low[d] = spec->obs_high[d] = 0.0;
    spec->obs_dim = k;
    spec->obs_hidden = w->hidden;
    spec->max_episode_steps = (w->time_limit + w->action_repeat - 1) / w->action_repeat;
}

void cdrl_env_wrap_step_one(const cdrl_env_wrap *w, const cdrl_env_def *def, const void *settings,
                            double *state, size_t stride, const double *action, int *env_steps, double *reward,
                            uint8_t *terminated)
{
    double total = 0.0;
    uint8_t ended = 0;
    for (int r = 0; r < w->action_repeat; r++) {
        double one;
        def->step_batch(settings, 1, state, stride, action, &one, &ended);
        /* the first reward as it is, so a single -0.0 stays -0.0 */
        total = r == 0 ? one : total + one;
        ++*env_steps;
        if (ended || *env_steps >= w->time_limit)
            break;
    }
    *reward = total;
    *terminated = ended;
}

void cdrl_env_wrap_observe_one(const cdrl_env_wrap *w, const cdrl_env_def *def, const void *settings,
                               const double *state, size_t stride, cdrl_rng *noise, double *obs)
{
    double full[CDRL_ENV_MAX_DIM];
    def->observe_batch(settings, 1, state, stride, full);
    int k = 0;
    for (int d = 0; d < def->spec.obs_dim; d++)
        if (!(w->hidden & (1u << d)))
            obs[k++] = full[d];
    if (w->obs_noise > 0.0)
        for (int d = 0; d < k; d++)
            obs[d] += w->obs_noise * cdrl_rng_normal(noise);
}

uint64_t cdrl_env_noise_seed(uint64_t seed)
{
    /* A seed apart from the start states' (which use `seed` itself). */
    return seed ^ 0x6f62735f6e6f6973ull;
}

void cdrl_env_model_reward(const cdrl_env_spec *spec, int n, const float *obs, const float *actions,
                           const float *next_obs, float *reward, uint8_t *terminated)
{
    const cdrl_env_def *def = spec ? cdrl_env_def_find(spec->name) : NULL;
    if (def && spec->obs_hidden == 0) {
        def->model_reward(n, obs, actions, next_obs, reward, terminated);
        return;
    }
    if (def) {
        /* A masked observation is put back to full width with NaN where the
         * hidden components were: a scorer that needs none of them is exact,
         * one that needs them says so with NaN. */
        enum { CHUNK = 64 };
        const int full = def->spec.obs_dim, shown = spec->obs_dim;
        const int width = def->spec.action_dim > 0 ? def->spec.action_dim : 1;
        float o[CHUNK * CDRL_ENV_MAX_DIM], no[CHUNK * CDRL_ENV_MAX_DIM];
        for (int b = 0; b < n; b += CHUNK) {
            int m = n - b < CHUNK ? n - b : CHUNK;
            for (int i = 0; i < m; i++) {
                int k = 0;
                for (int d = 0; d < full; d++) {
                    int hidden = (spec->obs_hidden >> d) & 1u;
                    o[i * full + d] = hidden ? NAN : obs[(size_t)(b + i) * shown + k];
                    no[i * full + d] = hidden ? NAN : next_obs[(size_t)(b + i) * shown + k];
                    k += !hidden;
                }
            }
            def->model_reward(m, o, actions + (size_t)b * width, no, reward + b, terminated + b);
        }
        return;
    }
    /* A spec that did not come from the registry cannot be scored; make that
     * loud in the planner's numbers rather than plausible. */
    for (int i = 0; i < n; i++) {
        reward[i] = NAN;
        terminated[i] = 1;
    }
}
