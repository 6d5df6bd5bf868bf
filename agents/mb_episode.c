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
    return v->deterministic || v->thompson ? 0 : cdrl_dynamics_freeze(v->model, P, err);
}

static int mb_view_step(void *user, const float *obs, const float *actions, int B, float *next,
                     cdrl_error *err)
{
    model_view *v = user;
    return v->deterministic ? cdrl_dynamics_predict(v->model, obs, actions, B, next, err)
                            : cdrl_dynamics_step_frozen(v->model, obs, actions, B, next, err);
}

/* Starts showing every real step to `frame` (NULL: nothing to do). */
int mb_watch(mb_agent *a, cdrl_frame_fn frame, void *user, cdrl_error *err)
{
    if (!frame)
        return 0;
    size_t H = (size_t)a->cfg->horizon;
    a->plan_seq = malloc(sizeof(int) * H);
    a->ghosts = malloc(sizeof(double) * H * (size_t)a->spec->obs_dim);
    if (!a->plan_seq || !a->ghosts)
        return cdrl_errorf(err, CDRL_ENOMEM, "agent mb: out of memory for the window's ghosts");
    a->frame = frame;
    a->frame_user = user;
    return 0;
}

/* Shows the env after a real step. When the step was planned from obs, the
 * ghosts are the states the model predicts (dropout off) along the plan that
 * chose it, so the first one sits near the real pole and the rest show where
 * the agent expects it to go. Showing draws no random numbers: a watched run
 * is the same run. */
static int show_step(mb_agent *a, int planned, const double *obs, int action, cdrl_error *err)
{
    int n = 0, D = a->spec->obs_dim;
    if (planned) {
        float x[CDRL_ENV_MAX_DIM], y[CDRL_ENV_MAX_DIM];
        for (int d = 0; d < D; d++)
            x[d] = (float)obs[d];
        cdrl_planner_last_plan(a->planner, action, a->plan_seq);
        for (; n < a->cfg->horizon; n++) {
            float act = (float)a->plan_seq[n];
            int rc = cdrl_dynamics_predict(a->model, x, &act, 1, y, err);
            if (rc)
                return rc;
            for (int d = 0; d < D; d++)
                a->ghosts[(size_t)n * D + d] = x[d] = y[d];
        }
    }
    cdrl_env_view view = cdrl_env_view_of(a->env);
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
    if (view && view->thompson && !view->deterministic && (rc = cdrl_dynamics_freeze(view->model, 1, err)))
        return rc;
    if (a->frame) {
        cdrl_env_view start = cdrl_env_view_of(a->env);
        if (a->frame(a->frame_user, &start, NULL, 0))
            a->frame = NULL;
    }
    cdrl_planner_model pm = {mb_view_sample, mb_view_step, (void *)view};
    cdrl_step_result r = {0};
    while (!r.terminated && !r.truncated && st->length < max_steps) {
        int act;
        if (view) {
            double t0 = cdrl_clock_seconds();
            cdrl_plan_info info;
            if ((rc = cdrl_planner_act(a->planner, &pm, obs, &act, &info, err)))
                return rc;
            st->plan_ms += 1e3 * (cdrl_clock_seconds() - t0);
            st->planned++;
            st->plan_score += info.score;
            st->plan_mean += info.mean;
            st->plan_spread += info.spread;
        } else {
            act = (int)cdrl_rng_below(&actions, (uint64_t)a->spec->action_count);
        }
        double action = act;
        if ((rc = cdrl_env_step(a->env, &action, next, &r, err)))
            return rc;
        if (a->frame && (rc = show_step(a, view != NULL, obs, act, err)))
            return rc;
        if (buf && (rc = cdrl_replay_buffer_push(buf, obs, &action, next, r.reward, r.terminated, err)))
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
        if (es.ret < a->cfg->solve_return)
            break;
    }
    t->mean_return = t->episodes ? sum / t->episodes : 0.0;
    t->min_return = t->episodes ? t->min_return : 0.0;
    t->passed = t->episodes == a->cfg->solve_episodes && t->episodes > 0 &&
                t->min_return >= a->cfg->solve_return;
    return 0;
}
