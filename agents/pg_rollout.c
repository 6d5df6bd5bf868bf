/* The policy-gradient agent's rollout: one update's episodes from a batch
 * of envs, the GAE(lambda) advantages, and the window of recent returns that
 * says when the env is solved.
 *
 * Why the envs are made afresh at every update: the batched env has no
 * save/restore of its episodes in flight, and a resumed run must continue
 * bit for bit. So every update starts all envs from a reset, seeded by
 * (run.seed, update), and runs until each env has finished at least one
 * episode (and at least agent.min_steps steps); episodes still running at the
 * end of the update are cut and bootstrapped from the value network. Between
 * updates there is then no env state to save. */
#include "pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/loss.h"
#include "cdrl/run_config.h"
#include "cdrl/run_stop.h"
#include "cdrl/shortest.h"

static int apply_vec_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    return cdrl_vec_env_set_option(user, key, value, err);
}

/* The envs of update `update`: a fresh batch seeded by (run seed, update). */
static int make_envs(const pg_agent *ag, int64_t update, cdrl_vec_env **out, cdrl_error *err)
{
    uint64_t seed = pg_stream_seed((uint64_t)ag->run->seed, STREAM_ENVS + (uint64_t)update);
    int rc = cdrl_vec_env_create(ag->run->env, ag->cfg->envs, seed, out, err);
    if (!rc)
        rc = cdrl_env_options_each(ag->run->env_options, apply_vec_option, *out, err);
    if (rc) {
        cdrl_vec_env_free(*out);
        *out = NULL;
        return cdrl_error_prefix(err, "env.options");
    }
    return 0;
}

static void window_push(pg_agent *ag, double episode_return)
{
    ag->window[ag->c.window_at] = episode_return;
    ag->c.window_at = (ag->c.window_at + 1) % ag->window_size;
    if (ag->c.window_count < ag->window_size)
        ag->c.window_count++;
}

void pg_window_stats(const pg_agent *ag, double *mean, double *lo, double *hi)
{
    double sum = 0.0;
    *lo = *hi = ag->c.window_count ? ag->window[0] : 0.0;
    for (int64_t i = 0; i < ag->c.window_count; i++) {
        sum += ag->window[i];
        *lo = fmin(*lo, ag->window[i]);
        *hi = fmax(*hi, ag->window[i]);
    }
    *mean = ag->c.window_count ? sum / (double)ag->c.window_count : 0.0;
}

int pg_is_solved(const pg_agent *ag)
{
    double mean, lo, hi;
    if (ag->c.window_count < ag->window_size)
        return 0;
    pg_window_stats(ag, &mean, &lo, &hi);
    return mean >= ag->solve_threshold;
}

/* Value-network predictions (EVAL mode: the deterministic baseline) for B rows. */
static int predict_values(cdrl_mlp *value, const float *obs, int B, float *out, cdrl_error *err)
{
    const float *v = cdrl_mlp_forward(value, obs, B, CDRL_MODE_EVAL, err);
    if (!v)
        return err ? err->code : CDRL_EINVAL;
    memcpy(out, v, sizeof(float) * B);
    return 0;
}

/* Records the episodes that ended on this step and the value each ended
 * row bootstraps from: 0 after termination, V(last obs) after truncation. */
static int finish_episodes(pg_agent *ag, cdrl_vec_env *venv, size_t row0, uint8_t *done_once,
                           cdrl_error *err)
{
    int B = ag->cfg->envs, D = ag->D, n_trunc = 0;
    float *trunc_obs = ag->step_obs;
    int trunc_env[4096];
    for (int e = 0; e < B; e++) {
        ag->ro.ended[row0 + e] = ag->terminated[e] || ag->truncated[e];
        ag->ro.next_value[row0 + e] = 0.0f;
        if (!ag->ro.ended[row0 + e])
            continue;
        double ret;
        int len;
        cdrl_vec_env_episode_stats(venv, e, &ret, &len);
        ag->c.episodes++;
        done_once[e] = 1;
        window_push(ag, ret);
        int rc = cdrl_csv_row(ag->episodes_csv, err, "%lld,%lld,%s,%d", (long long)ag->c.episodes,
                              (long long)(ag->c.env_steps + e + 1), cdrl_shortest_double(ret).text, len);
        if (rc)
            return rc;
        if (!ag->terminated[e] && ag->truncated[e]) {
            pg_scaling_observe(ag->scaling, trunc_obs + (size_t)n_trunc * D, ag->final_obs + (size_t)e * D, 1, D, 0);
            trunc_env[n_trunc++] = e;
        }
    }
    if (n_trunc && ag->policy_rnn) {
        /* V(final obs) one step on from each env's value state */
        float v[4096];
        pg_scaling_observe(ag->scaling, trunc_obs, ag->final_obs, B, D, 0);
        int rc = pg_recurrent_values(ag, trunc_obs, v, err);
        if (rc)
            return rc;
        for (int i = 0; i < n_trunc; i++)
            ag->ro.next_value[row0 + trunc_env[i]] = v[trunc_env[i]];
    } else if (n_trunc) {
        const float *v = cdrl_mlp_forward(ag->value, trunc_obs, n_trunc, CDRL_MODE_EVAL, err);
        if (!v)
            return err ? err->code : CDRL_EINVAL;
        for (int i = 0; i < n_trunc; i++)
            ag->ro.next_value[row0 + trunc_env[i]] = v[i];
    }
    return 0;
}

/* Draws the actions of B envs from the policy's probabilities (dropout noise
 * drawn fresh, kept in the rollout for the loss) and records them. */
static int act(pg_agent *ag, int t, cdrl_error *err)
{
    int B = ag->cfg->envs, A = ag->A;
    size_t row0 = (size_t)t * B;
    const float *logits;
    if (ag->policy_rnn) {
        int rc = pg_recurrent_act(ag, t, &logits, err);
        if (rc)
            return rc;
    } else if (!(logits = cdrl_mlp_forward(ag->policy, ag->ro.obs + row0 * ag->D, B,
                                           CDRL_MODE_TRAIN, err)))
        return err ? err->code : CDRL_EINVAL;
    for (int l = 0; !ag->policy_rnn && l < ag->policy->n_layers; l++)
        if (ag->ro.noise[l])
            memcpy(ag->ro.noise[l] + row0 * ag->policy->layers[l].n_in, ag->policy->layers[l].noise,
                   sizeof(float) * (size_t)B * ag->policy->layers[l].n_in);
    float logp[CDRL_ENV_MAX_DIM > 64 ? CDRL_ENV_MAX_DIM : 64];
    double probs[64];
    if (ag->gauss) /* the means of a Gaussian policy */
        pg_gauss_sample(ag, row0, logits);
    for (int e = 0; !ag->gauss && e < B; e++) {
        const float *row = logits + (size_t)e * A;
        pg_softmax_row(probs, row, A);
        double u = cdrl_rng_uniform(&ag->action_rng), acc = 0.0;
        int a = A - 1;
        for (int j = 0; j < A - 1; j++) {
            acc += probs[j];
            if (u < acc) {
                a = j;
                break;
            }
        }
        cdrl_log_softmax(logp, row, 1, A);
        ag->ro.actions[row0 + e] = a;
        ag->ro.logp[row0 + e] = logp[a];
        ag->actions_d[e] = a;
    }
    if (ag->policy_rnn) /* pg_recurrent_act wrote the values */
        return 0;
    return predict_values(ag->value, ag->ro.obs + row0 * ag->D, B, ag->ro.value + row0, err);
}

/* GAE(lambda) backwards over each env's rows; `last` (B) are the values of
 * the observations after the final step. */
static void compute_advantages(pg_agent *ag, int T, const float *last)
{
    int B = ag->cfg->envs;
    double gamma = ag->cfg->gamma, lambda = ag->cfg->gae_lambda;
    pg_rollout *ro = &ag->ro;
    for (int e = 0; e < B; e++) {
        double gae = 0.0;
        for (int t = T - 1; t >= 0; t--) {
            size_t i = (size_t)t * B + e;
            double next = ro->ended[i] ? ro->next_value[i]
                                       : (t == T - 1 ? last[e] : ro->value[i + (size_t)B]);
            double delta = ro->reward[i] + gamma * next - ro->value[i];
            gae = delta + gamma * lambda * (ro->ended[i] ? 0.0 : gae);
            ro->adv[i] = (float)gae;
            ro->ret[i] = (float)(gae + ro->value[i]);
        }
    }
}

int pg_collect(pg_agent *ag, cdrl_error *err)
{
    int B = ag->cfg->envs, D = ag->D;
    int T_max = ag->ro.capacity / B;
    cdrl_vec_env *venv;
    int rc = make_envs(ag, ag->c.update, &venv, err);
    if (rc)
        return rc;
    uint8_t done_once[4096] = {0};
    rc = cdrl_vec_env_reset(venv, ag->obs_d, err);
    pg_scaling_begin(ag->scaling);
    if (ag->policy_rnn)
        pg_recurrent_begin(ag);
    int t = 0;
    while (!rc && t < T_max && ag->c.env_steps + B <= ag->run->steps) {
        int all_done = 1;
        for (int e = 0; e < B; e++)
            all_done &= done_once[e];
        if (all_done && t >= ag->cfg->min_steps)
            break;
        /* agent.min_steps can make one rollout minutes long: stop between env steps */
        if ((rc = cdrl_stop_poll("the rollout", err)))
            break;
        size_t row0 = (size_t)t * B;
        pg_scaling_observe(ag->scaling, ag->ro.obs + row0 * D, ag->obs_d, B, D, 1);
        if ((rc = act(ag, t, err)))
            break;
        if (ag->bonus && (rc = pg_bonus_observe(ag->bonus, ag->obs_d, B, err)))
            break;
        rc = cdrl_vec_env_step(venv, ag->actions_d, ag->obs_d, ag->rewards_d, ag->terminated,
                               ag->truncated, ag->final_obs, err);
        if (rc)
            break;
        for (int e = 0; e < B; e++)
            ag->ro.reward[row0 + e] = (float)(ag->rewards_d[e] * ag->cfg->reward_factor);
        /* the actions the env executed: an index, or clipped to the bounds */
        if (ag->bonus && (rc = pg_bonus_record(ag->bonus, ag->actions_d, ag->obs_d, ag->final_obs,
                                               ag->terminated, ag->truncated, B, err)))
            break;
        if (ag->frame) {
            cdrl_env_view view = cdrl_vec_env_view_of(venv, 0);
            if (ag->frame(ag->frame_user, &view, NULL, 0))
                ag->frame = NULL;
        }
        rc = finish_episodes(ag, venv, row0, done_once, err);
        pg_scaling_rewards(ag->scaling, ag->ro.reward + row0, ag->ro.ended + row0);
        ag->c.env_steps += B;
        t++;
    }
    cdrl_vec_env_free(venv);
    if (rc)
        return rc;
    ag->ro.n = t * B;
    if (t > 0) {
        float last[4096];
        pg_scaling_observe(ag->scaling, ag->step_obs, ag->obs_d, B, D, 0);
        rc = ag->policy_rnn ? pg_recurrent_values(ag, ag->step_obs, last, err)
                            : predict_values(ag->value, ag->step_obs, B, last, err);
        if (rc)
            return rc;
        if (ag->bonus && (rc = pg_bonus_apply_recorded(ag->bonus, ag->ro.n, ag->ro.reward, err)))
            return rc;
        compute_advantages(ag, t, last);
    }
    return 0;
}
