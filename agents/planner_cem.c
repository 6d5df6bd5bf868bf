/* The cross-entropy method over continuous action sequences (see planner.h):
 * a diagonal Gaussian per time step and action component, sampled, scored
 * through the model's frozen particles by the planner's one rollout
 * (cdrl_planner_score), refit to the elites, and shifted by one step between
 * real steps. */
#include "planner.h"

#include <math.h>
#include <string.h>

static float clamp(float x, double lo, double hi)
{
    return x < (float)lo ? (float)lo : x > (float)hi ? (float)hi : x;
}

/* The starting std of action component d. */
static float start_std(const cdrl_planner *pl, int d)
{
    return (float)(pl->spec.init_std * (pl->env->action_high[d] - pl->env->action_low[d]));
}

static float middle(const cdrl_planner *pl, int d)
{
    return (float)(0.5 * (pl->env->action_low[d] + pl->env->action_high[d]));
}

void cdrl_planner_cem_reset(cdrl_planner *pl)
{
    int S = pl->action_dim;
    for (int t = 0; t < pl->spec.horizon; t++)
        for (int d = 0; d < S; d++) {
            pl->cem_mean[t * S + d] = middle(pl, d);
            pl->cem_std[t * S + d] = start_std(pl, d);
        }
}

/* Candidate 0 is the mean itself; the others are Gaussian draws, clipped. */
static void sample(cdrl_planner *pl)
{
    int S = pl->action_dim, n = pl->spec.horizon * S;
    memcpy(pl->cseqs, pl->cem_mean, sizeof(float) * (size_t)n);
    for (int c = 1; c < pl->spec.candidates; c++) {
        float *seq = pl->cseqs + (size_t)c * n;
        for (int i = 0; i < n; i++) {
            int d = i % S;
            float x = pl->cem_mean[i] + pl->cem_std[i] * (float)cdrl_rng_normal(&pl->rng);
            seq[i] = clamp(x, pl->env->action_low[d], pl->env->action_high[d]);
        }
    }
}

/* Mean and std of the elites, blended with the old distribution. */
static void refit(cdrl_planner *pl)
{
    int n = pl->spec.horizon * pl->action_dim, E = pl->spec.elites;
    float keep = (float)pl->spec.smoothing;
    for (int i = 0; i < n; i++) {
        double sum = 0.0, sq = 0.0;
        for (int e = 0; e < E; e++) {
            double x = pl->cseqs[(size_t)pl->order[e] * n + i];
            sum += x;
            sq += x * x;
        }
        double mu = sum / E, var = fmax(sq / E - mu * mu, 0.0);
        pl->cem_mean[i] = keep * pl->cem_mean[i] + (1.0f - keep) * (float)mu;
        pl->cem_std[i] = keep * pl->cem_std[i] + (1.0f - keep) * (float)sqrt(var);
    }
}

/* Warm start: the rest of this plan centres the next step's prior. */
static void shift(cdrl_planner *pl)
{
    int S = pl->action_dim, H = pl->spec.horizon;
    memmove(pl->cem_mean, pl->cem_mean + S, sizeof(float) * (size_t)(H - 1) * S);
    for (int d = 0; d < S; d++)
        pl->cem_mean[(H - 1) * S + d] = middle(pl, d);
    for (int t = 0; t < H; t++)
        for (int d = 0; d < S; d++)
            pl->cem_std[t * S + d] = start_std(pl, d);
}

int cdrl_planner_act_continuous(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                                double *action, cdrl_plan_info *info, cdrl_error *err)
{
    if (!pl->action_dim)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: env %s has discrete actions; use cdrl_planner_act",
                           pl->env->name);
    int S = pl->action_dim, n = pl->spec.horizon * S;
    double best = -HUGE_VAL, best_mean = 0.0, best_spread = 0.0;
    pl->stepped = 0;
    for (int it = 0; it < pl->spec.iterations; it++) {
        sample(pl);
        int rc = cdrl_planner_score(pl, model, obs, err);
        if (rc)
            return rc;
        cdrl_planner_rank(pl);
        if (pl->scores[pl->order[0]] > best) {
            best = pl->scores[pl->order[0]];
            best_mean = pl->mean[pl->order[0]];
            best_spread = pl->spread[pl->order[0]];
            memcpy(pl->plan, pl->cseqs + (size_t)pl->order[0] * n, sizeof(float) * (size_t)n);
        }
        refit(pl);
    }
    if (pl->spec.select == CDRL_PLAN_SELECT_MEAN)
        memcpy(pl->plan, pl->cem_mean, sizeof(float) * (size_t)n);
    for (int d = 0; d < S; d++)
        action[d] = clamp(pl->plan[d], pl->env->action_low[d], pl->env->action_high[d]);
    shift(pl);
    if (info) {
        info->score = best;
        info->first_prob = 1.0;
        info->mean = best_mean;
        info->spread = best_spread;
    }
    return 0;
}

void cdrl_planner_last_plan_continuous(const cdrl_planner *pl, float *seq)
{
    memcpy(seq, pl->plan, sizeof(float) * (size_t)pl->spec.horizon * (size_t)pl->action_dim);
}
