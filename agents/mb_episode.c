/* The model-based agent's episodes: one real episode (random actions, or
 * model-predictive control replanning every step) and the solve test, and
 * what a watching window is shown while they run. */
#include "mb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/clock.h"

static int mb_view_sample(void *user, int P, cdrl_error *err)
{
    model_view *v = user;
    /* Thompson sampling keeps the masks its episode drew (mb_play_episode). */
    return v->deterministic || v->thompson ? 0 : cdrl_ensemble_freeze(v->model, P, err);
}

static int mb_view_step(void *user, const float *obs, const float *actions, int B, float *next,
                     cdrl_error *err)
{
    model_view *v = user;
    return v->deterministic ? cdrl_ensemble_predict(v->model, obs, actions, B, next, err)
                            : cdrl_ensemble_step(v->model, obs, actions, B, next, err);
}

static int mb_view_step_rows(void *user, const float *obs, const float *actions, int P,
                             const int *counts, float *next, cdrl_error *err)
{
    const model_view *v = user;
    int B = 0;
    if (!v->deterministic)
        return cdrl_ensemble_step_rows(v->model, obs, actions, P, counts, next, err);
    for (int p = 0; p < P; p++)
        B += counts[p];
    return B ? cdrl_ensemble_predict(v->model, obs, actions, B, next, err) : 0;
}

/* Starts showing every real step to `frame` (NULL: nothing to do). */
int mb_watch(mb_agent *a, cdrl_frame_fn frame, void *user, cdrl_error *err)
{
    if (!frame)
        return 0;
    size_t H = (size_t)a->cfg->horizon;
    a->plan_seq = malloc(sizeof(int) * H);
    a->plan_cont = malloc(sizeof(float) * H * (size_t)a->action_stride);
    a->ghosts = malloc(sizeof(double) * H * (size_t)a->spec->obs_dim);
    if (!a->plan_seq || !a->plan_cont || !a->ghosts)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory for the window's ghosts");
    a->frame = frame;
    a->frame_user = user;
    return 0;
}

/* A predicted observation as the drawer's physical state: each angle pair
 * (cos, sin) becomes its angle, at the cos's place. For every env here whose
 * observation is its state with angles as cos and sin (pendulum, acrobot,
 * cartpole-swingup), that is the state; with no pairs it is the observation.
 * Writes the number of values. */
static int ghost_state(const cdrl_dynamics_model *m, const float *y, double *out)
{
    int n = 0;
    for (int d = 0; d < m->spec.obs_dim; d++) {
        int kind = 0; /* 0 plain, 1 a pair's cos (the angle goes here), 2 a pair's sin (dropped) */
        int pair = 0;
        for (int i = 0; i < m->spec.n_angles; i++) {
            if (m->spec.angle_cos[i] == d)
                kind = 1, pair = i;
            if (m->spec.angle_sin[i] == d)
                kind = 2;
        }
        if (kind == 1)
            out[n++] = atan2((double)y[m->spec.angle_sin[pair]], (double)y[d]);
        else if (kind == 0)
            out[n++] = y[d];
    }
    return n;
}

/* Shows the env after a real step. When the step was planned from obs, the
 * ghosts are the states the model predicts (dropout off) along the plan that
 * chose it, so the first one sits near the real pole and the rest show where
 * the agent expects it to go. Showing draws no random numbers: a watched run
 * is the same run. */
static int show_step(mb_agent *a, int planned, const double *obs, int action, cdrl_error *err)
{
    int n = 0, D = a->spec->obs_dim, S = a->action_stride, width = D;
    cdrl_env_view view = cdrl_env_view_of(a->env);
    if (planned) {
        float x[CDRL_ENV_MAX_DIM], y[CDRL_ENV_MAX_DIM];
        for (int d = 0; d < D; d++)
            x[d] = (float)obs[d];
        if (a->spec->action_dim)
            cdrl_planner_last_plan_continuous(a->planner, a->plan_cont);
        else
            cdrl_planner_last_plan(a->planner, action, a->plan_seq);
        for (; n < a->cfg->horizon; n++) {
            float act = (float)a->plan_seq[n];
            const float *acts = a->spec->action_dim ? a->plan_cont + (size_t)n * S : &act;
            int rc = cdrl_ensemble_predict(a->ens, x, acts, 1, y, err);
            if (rc)
                return rc;
            memcpy(x, y, sizeof(float) * (size_t)D);
            width = ghost_state(a->model, y, a->ghosts + (size_t)n * view.state_dim);
        }
        /* A drawer reads ghosts as states; shapes that do not match show none. */
        if (width != view.state_dim)
            n = 0;
    }
    if (a->frame(a->frame_user, &view, a->ghosts, n))
        a->frame = NULL;
    return 0;
}

/* Plays one real episode of at most `max_steps` steps, from the start state
 * of episode number `index`: random actions when `view` is NULL, else MPC.
 * Pushes every transition into `buf` when it is not NULL. */
int mb_play_episode(mb_agent *a, int64_t index, uint64_t seed, const model_view *view,
                        int64_t max_steps, cdrl_replay_buffer *buf, episode_stats *st, cdrl_error *err)
{
    memset(st, 0, sizeof *st);
    double obs[CDRL_ENV_MAX_DIM], next[CDRL_ENV_MAX_DIM];
    cdrl_rng actions;
    cdrl_rng_seed(&actions, seed, RANDOM_ACTION_STREAM + (uint64_t)index);
    int rc = cdrl_env_reset_seeded(a->env, seed + (uint64_t)index * 1000003u, obs, err);
    if (rc)
        return rc;
    cdrl_planner_reset(a->planner);
    /* Thompson sampling: one network drawn from the posterior for the whole
     * episode, so the agent acts consistently on one hypothesis. */
    if (view && view->thompson && !view->deterministic && (rc = cdrl_ensemble_hold(view->model, err)))
        return rc;
    if (a->frame) {
        cdrl_env_view start = cdrl_env_view_of(a->env);
        if (a->frame(a->frame_user, &start, NULL, 0))
            a->frame = NULL;
    }
    cdrl_planner_model pm = {mb_view_sample, mb_view_step, (void *)view, mb_view_step_rows};
    cdrl_step_result r = {0};
    const cdrl_env_spec *sp = a->spec;
    while (!r.terminated && !r.truncated && st->length < max_steps) {
        int act = 0;
        double action[CDRL_ENV_MAX_DIM];
        if (view) {
            double t0 = cdrl_clock_seconds();
            cdrl_plan_info info;
            rc = sp->action_dim ? cdrl_planner_act_continuous(a->planner, &pm, obs, action, &info, err)
                                : cdrl_planner_act(a->planner, &pm, obs, &act, &info, err);
            if (rc)
                return rc;
            st->plan_ms += 1e3 * (cdrl_clock_seconds() - t0);
            st->planned++;
            st->plan_score += info.score;
            st->plan_mean += info.mean;
            st->plan_spread += info.spread;
        } else if (sp->action_dim) {
            for (int d = 0; d < sp->action_dim; d++)
                action[d] = cdrl_rng_range(&actions, sp->action_low[d], sp->action_high[d]);
        } else {
            act = (int)cdrl_rng_below(&actions, (uint64_t)sp->action_count);
        }
        if (!sp->action_dim)
            action[0] = act;
        if ((rc = cdrl_env_step(a->env, action, next, &r, err)))
            return rc;
        if (a->frame && (rc = show_step(a, view != NULL, obs, act, err)))
            return rc;
        if (buf && (rc = cdrl_replay_buffer_push(buf, obs, action, next, r.reward, r.terminated, err)))
            return rc;
        st->ret += r.reward;
        st->length++;
        memcpy(obs, next, sizeof obs);
    }
    st->terminated = r.terminated;
    return 0;
}

int mb_solve_test(mb_agent *a, const model_view *view, solve_test *t, cdrl_error *err)
{
    memset(t, 0, sizeof *t);
    double sum = 0.0;
    /* By the mean, the test stops once even the best possible remaining
     * episodes (return 0: every env here has rewards <= 0 when it asks for
     * the mean) could not lift it to the threshold. */
    int by_mean = strcmp(a->cfg->solve_by, "mean") == 0;
    const double best_return = 0.0;
    t->min_return = HUGE_VAL;
    int64_t first = SOLVE_TEST_FIRST + a->c.episodes * 1000;
    for (int e = 0; e < a->cfg->solve_episodes; e++) {
        episode_stats es;
        int rc = mb_play_episode(a, first + e, (uint64_t)a->run->seed, view, INT64_MAX, NULL, &es, err);
        if (rc)
            return rc;
        t->episodes++;
        sum += es.ret;
        t->min_return = fmin(t->min_return, es.ret);
        if (by_mean ? sum + (a->cfg->solve_episodes - t->episodes) * best_return <
                          a->cfg->solve_return * a->cfg->solve_episodes
                    : es.ret < a->cfg->solve_return)
            break;
    }
    t->mean_return = t->episodes ? sum / t->episodes : 0.0;
    t->min_return = t->episodes ? t->min_return : 0.0;
    t->passed = t->episodes == a->cfg->solve_episodes && t->episodes > 0 &&
                (by_mean ? t->mean_return : t->min_return) >= a->cfg->solve_return;
    return 0;
}
