/* The env registry: every environment cdrl knows, by name.
 *
 * Adding a built-in environment is one file under envs/ that defines a
 * cdrl_env_def (include/cdrl/env_register.h) and one line here; code outside
 * cdrl adds its own with cdrl_env_register. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_def.h"

#define CDRL_ENV_MAX_DIM_TEXT "16"
_Static_assert(CDRL_ENV_MAX_DIM == 16, "update CDRL_ENV_MAX_DIM_TEXT");

const cdrl_env_def *const cdrl_env_registry[] = {
    &cdrl_cartpole_v1_def,
    &cdrl_cartpole_v0_def,
    &cdrl_pendulum_def,
    &cdrl_mountaincar_def,
    &cdrl_mountaincar_continuous_def,
    &cdrl_acrobot_def,
    &cdrl_cartpole_swingup_def,
    NULL,
};

/* ==== Envs registered at run time (cdrl_env_register) ==== */

#define N_BUILTIN (sizeof cdrl_env_registry / sizeof cdrl_env_registry[0] - 1)

/* Copies of the registered defs, with defaults in place of the optional
 * functions, so env.c and vec_env.c call every pointer unconditionally. */
static cdrl_env_def registered[CDRL_ENV_MAX_REGISTERED];
static int n_registered;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* The names: built-ins filled once, registered ones appended, NULL-terminated. */
static const char *env_names[N_BUILTIN + CDRL_ENV_MAX_REGISTERED + 1];
static pthread_once_t env_names_once = PTHREAD_ONCE_INIT;

static void env_names_fill(void)
{
    for (size_t i = 0; i < N_BUILTIN; i++)
        env_names[i] = cdrl_env_registry[i]->spec.name;
}

/* Call with registry_lock held. */
static const cdrl_env_def *find_locked(const char *name)
{
    for (int i = 0; cdrl_env_registry[i]; i++)
        if (strcmp(cdrl_env_registry[i]->spec.name, name) == 0)
            return cdrl_env_registry[i];
    for (int i = 0; i < n_registered; i++)
        if (strcmp(registered[i].spec.name, name) == 0)
            return &registered[i];
    return NULL;
}

const cdrl_env_def *cdrl_env_def_find(const char *name)
{
    if (!name)
        return NULL;
    pthread_mutex_lock(&registry_lock);
    const cdrl_env_def *found = find_locked(name);
    pthread_mutex_unlock(&registry_lock);
    return found;
}

const char *const *cdrl_env_names(void)
{
    pthread_once(&env_names_once, env_names_fill);
    return env_names;
}

int cdrl_env_unknown_name(const char *name, cdrl_error *err)
{
    char known[512] = "";
    size_t used = 0;
    const char *const *names = cdrl_env_names();
    for (int i = 0; names[i] && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", names[i]);
    return cdrl_errorf(err, CDRL_EINVAL, "unknown env '%s'; known envs: %s", name ? name : "(null)",
                       known);
}

static void default_settings_init(void *settings)
{
    (void)settings; /* calloc'd: already zero */
}

static int default_settings_set(void *settings, const char *key, const char *value, cdrl_error *err)
{
    (void)settings, (void)value;
    return cdrl_errorf(err, CDRL_EINVAL, "unknown option '%s'; this env has no options of its own", key);
}

static void default_view_params(const void *settings, double *params)
{
    (void)settings, (void)params;
}

static void default_model_reward(int n, const float *obs, const float *actions, const float *next_obs,
                                 float *reward, uint8_t *terminated)
{
    (void)obs, (void)actions, (void)next_obs;
    for (int i = 0; i < n; i++) {
        reward[i] = NAN;
        terminated[i] = 1;
    }
}

/* The first reason `def` cannot be registered, or NULL. */
static const char *def_problem(const cdrl_env_def *def)
{
    const cdrl_env_spec *s = &def->spec;
    if (!s->name || !s->name[0])
        return "spec.name is empty";
    if (!def->reset_state || !def->step_batch || !def->observe_batch)
        return "reset_state, step_batch and observe_batch are required";
    if (s->obs_dim < 1 || s->obs_dim > CDRL_ENV_MAX_DIM)
        return "spec.obs_dim must be 1 .. " CDRL_ENV_MAX_DIM_TEXT;
    if (def->state_dim < 1 || def->state_dim > CDRL_ENV_MAX_DIM)
        return "state_dim must be 1 .. " CDRL_ENV_MAX_DIM_TEXT;
    if (def->n_params < 0 || def->n_params > CDRL_ENV_MAX_DIM)
        return "n_params must be 0 .. " CDRL_ENV_MAX_DIM_TEXT;
    if (def->n_params > 0 && !def->view_params)
        return "n_params > 0 needs view_params";
    if ((s->action_count >= 1) == (s->action_dim >= 1) || s->action_count < 0 || s->action_dim < 0 ||
        s->action_dim > CDRL_ENV_MAX_DIM)
        return "exactly one of spec.action_count (discrete) and spec.action_dim (continuous, <= "
               CDRL_ENV_MAX_DIM_TEXT ") must be >= 1";
    for (int d = 0; d < s->obs_dim; d++)
        if (!(s->obs_low[d] <= s->obs_high[d]))
            return "spec.obs_low must be <= spec.obs_high";
    for (int d = 0; d < s->action_dim; d++)
        if (!(s->action_low[d] <= s->action_high[d]) || !isfinite(s->action_low[d]) ||
            !isfinite(s->action_high[d]))
            return "spec.action_low must be <= spec.action_high, both finite";
    if (s->max_episode_steps < 1)
        return "spec.max_episode_steps (the time limit) must be >= 1";
    if (s->solved_window < 1)
        return "spec.solved_window must be >= 1";
    if (s->obs_hidden)
        return "spec.obs_hidden must be 0 (mask observations with the obs_mask option)";
    return NULL;
}

int cdrl_env_register(const cdrl_env_def *def, cdrl_error *err)
{
    if (!def)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_env_register: def is NULL");
    const char *problem = def_problem(def);
    if (problem)
        return cdrl_errorf(err, CDRL_EINVAL, "cdrl_env_register: env '%s': %s",
                           def->spec.name ? def->spec.name : "(null)", problem);
    pthread_once(&env_names_once, env_names_fill);
    pthread_mutex_lock(&registry_lock);
    int rc = 0;
    if (find_locked(def->spec.name)) {
        rc = cdrl_errorf(err, CDRL_EINVAL, "cdrl_env_register: an env named '%s' is already registered",
                         def->spec.name);
    } else if (n_registered == CDRL_ENV_MAX_REGISTERED) {
        rc = cdrl_errorf(err, CDRL_ENOMEM, "cdrl_env_register: env '%s': already %d envs registered",
                         def->spec.name, CDRL_ENV_MAX_REGISTERED);
    } else {
        cdrl_env_def copy = *def;
        copy.kind = copy.kind ? copy.kind : copy.spec.name;
        copy.settings_size = copy.settings_size ? copy.settings_size : 1; /* calloc(0) may be NULL */
        copy.settings_init = copy.settings_init ? copy.settings_init : default_settings_init;
        copy.settings_set = copy.settings_set ? copy.settings_set : default_settings_set;
        copy.view_params = copy.view_params ? copy.view_params : default_view_params;
        copy.model_reward = copy.model_reward ? copy.model_reward : default_model_reward;
        registered[n_registered] = copy;
        env_names[N_BUILTIN + (size_t)n_registered] = copy.spec.name;
        n_registered++;
    }
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

int cdrl_env_parse_double(const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
