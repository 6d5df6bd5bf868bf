/* Model-predictive control: CEM or random shooting over discrete action
 * sequences, every candidate rolled out by P model draws in one batch per
 * time step (see planner.h); continuous CEM's own steps are planner_cem.c. */
#include "planner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/run_stop.h"

/* The shifted plan is a prior, not a commitment: at the next step it is
 * blended this much with uniform so CEM can still change its mind. */
#define WARM_START_KEEP 0.5f

/* The most discrete actions the planner takes: its per-action tallies live
 * on the stack. */
enum { MAX_ACTIONS = 64 };

static int check_spec(const cdrl_planner_spec *s, const cdrl_env_spec *env, cdrl_error *err)
{
    if (env->action_dim > 0) {
        if (env->action_dim > CDRL_ENV_MAX_DIM)
            return cdrl_errorf(err, CDRL_EUNAVAIL, "planner: env %s has %d action components; at most %d",
                               env->name, env->action_dim, CDRL_ENV_MAX_DIM);
        if (s->method != CDRL_PLAN_CEM)
            return cdrl_errorf(err, CDRL_EINVAL, "planner: env %s has continuous actions; plan them "
                               "with CEM (random shooting is for discrete actions)", env->name);
        if (!(s->init_std > 0.0 && s->init_std <= 10.0))
            return cdrl_errorf(err, CDRL_EINVAL, "planner: init_std %g out of range (0, 10]", s->init_std);
        for (int d = 0; d < env->action_dim; d++)
            if (!(env->action_high[d] > env->action_low[d]) || !isfinite(env->action_high[d] - env->action_low[d]))
                return cdrl_errorf(err, CDRL_EUNAVAIL, "planner: env %s's action %d has no finite "
                                   "bounds [%g, %g]", env->name, d, env->action_low[d], env->action_high[d]);
    } else if (env->action_count < 2 || env->action_count > MAX_ACTIONS) {
        return cdrl_errorf(err, CDRL_EUNAVAIL, "planner: env %s has %d discrete actions; the planner "
                           "plans 2 to %d", env->name, env->action_count, MAX_ACTIONS);
    }
    if (s->method != CDRL_PLAN_CEM && s->method != CDRL_PLAN_RANDOM)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: method %d is neither CEM nor random shooting",
                           (int)s->method);
    if (s->select != CDRL_PLAN_SELECT_MEAN && s->select != CDRL_PLAN_SELECT_BEST)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: select %d is neither mean nor best", (int)s->select);
    if (s->horizon < 1 || s->horizon > 1000)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: horizon %d out of range [1, 1000]", s->horizon);
    if (s->candidates < 1 || s->candidates > 100000)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: candidates %d out of range [1, 100000]",
                           s->candidates);
    if (s->particles < 1 || s->particles > 1000)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: particles %d out of range [1, 1000]", s->particles);
    if (s->iterations < 1 || s->iterations > 100)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: iterations %d out of range [1, 100]", s->iterations);
    if (s->elites < 1 || s->elites > s->candidates)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: elites %d out of range [1, candidates = %d]",
                           s->elites, s->candidates);
    if (!(s->smoothing >= 0.0 && s->smoothing < 1.0))
        return cdrl_errorf(err, CDRL_EINVAL, "planner: smoothing %g out of range [0, 1)", s->smoothing);
    if (!isfinite(s->beta))
        return cdrl_errorf(err, CDRL_EINVAL, "planner: beta %g is not a finite number", s->beta);
    return 0;
}

int cdrl_planner_create(const cdrl_planner_spec *spec, const cdrl_env_spec *env, uint64_t seed,
                        uint64_t stream, cdrl_planner **out, cdrl_error *err)
{
    *out = NULL;
    int rc = check_spec(spec, env, err);
    if (rc)
        return rc;
    cdrl_planner *pl = calloc(1, sizeof *pl);
    if (!pl)
        return cdrl_errorf(err, CDRL_ENOMEM, "planner: out of memory");
    pl->spec = *spec;
    pl->env = env;
    pl->obs_dim = env->obs_dim;
    pl->action_count = env->action_count;
    pl->action_dim = env->action_dim;
    pl->action_stride = env->action_dim > 0 ? env->action_dim : 1;
    pl->rows = spec->particles * spec->candidates;
    cdrl_rng_seed(&pl->rng, seed, stream);
    size_t H = (size_t)spec->horizon, C = (size_t)spec->candidates, R = (size_t)pl->rows;
    size_t D = (size_t)pl->obs_dim, A = (size_t)pl->action_count, S = (size_t)pl->action_stride;
    /* Discrete: probs (H, A) and seqs; continuous: mean, std, plan (H, S) and cseqs. */
    pl->probs = malloc(sizeof(float) * H * (A ? A : 1));
    pl->seqs = malloc(sizeof(int) * C * H);
    pl->uniforms = malloc(sizeof(float) * C * H);
    pl->cem_mean = malloc(sizeof(float) * H * S * 3);
    pl->cseqs = pl->action_dim ? malloc(sizeof(float) * C * H * S) : NULL;
    pl->scores = malloc(sizeof(double) * C);
    pl->mean = malloc(sizeof(double) * C);
    pl->spread = malloc(sizeof(double) * C);
    pl->order = malloc(sizeof(int) * C);
    pl->state = malloc(sizeof(float) * R * D);
    pl->next = malloc(sizeof(float) * R * D);
    pl->actions = malloc(sizeof(float) * R * S);
    pl->reward = malloc(sizeof(float) * R);
    pl->total = malloc(sizeof(double) * R);
    pl->alive = malloc(R);
    pl->term = malloc(R);
    pl->perm = malloc(sizeof(int) * C * 2);
    pl->group = malloc(sizeof(int) * C * 4);
    pl->first = malloc(sizeof(int) * (C + 1));
    pl->group_action = malloc(sizeof(float) * C);
    pl->node_group = malloc(sizeof(int) * R * 2);
    pl->node_sum = malloc(sizeof(double) * R * 2);
    pl->counts = malloc(sizeof(int) * (size_t)spec->particles);
    if (!pl->probs || !pl->seqs || !pl->uniforms || !pl->cem_mean || (pl->action_dim && !pl->cseqs) || !pl->scores || !pl->mean ||
        !pl->spread || !pl->order || !pl->state || !pl->next || !pl->actions || !pl->reward || !pl->total ||
        !pl->alive || !pl->term || !pl->perm || !pl->group || !pl->first || !pl->group_action || !pl->node_group ||
        !pl->node_sum || !pl->counts) {
        cdrl_planner_free(pl);
        return cdrl_errorf(err, CDRL_ENOMEM, "planner: cannot allocate %zu rollout rows", R);
    }
    pl->perm_tmp = pl->perm + C;
    pl->cem_std = pl->cem_mean + H * S;
    pl->plan = pl->cem_std + H * S;
    cdrl_planner_reset(pl);
    *out = pl;
    return 0;
}

void cdrl_planner_free(cdrl_planner *pl)
{
    if (!pl)
        return;
    free(pl->probs);
    free(pl->seqs);
    free(pl->uniforms);
    free(pl->cem_mean);
    free(pl->cseqs);
    free(pl->scores);
    free(pl->mean);
    free(pl->spread);
    free(pl->order);
    free(pl->state);
    free(pl->next);
    free(pl->actions);
    free(pl->reward);
    free(pl->total);
    free(pl->alive);
    free(pl->term);
    free(pl->perm);
    free(pl->group);
    free(pl->first);
    free(pl->group_action);
    free(pl->node_group);
    free(pl->node_sum);
    free(pl->counts);
    free(pl);
}

void cdrl_planner_reset(cdrl_planner *pl)
{
    if (pl->action_dim) {
        cdrl_planner_cem_reset(pl);
        return;
    }
    int n = pl->spec.horizon * pl->action_count;
    for (int i = 0; i < n; i++)
        pl->probs[i] = 1.0f / (float)pl->action_count;
}

/* Draws every candidate's actions from the per-step distributions: action
 * a when the uniform u falls in [p_0 + ... + p_(a-1), p_0 + ... + p_a),
 * the last action past the others. The running sums never decrease, so a
 * is the number of them at or below u: no branch to mispredict. */
static void sample_candidates(cdrl_planner *pl)
{
    int H = pl->spec.horizon, A = pl->action_count, C = pl->spec.candidates;
    cdrl_rng_fill_uniform_f(&pl->rng, pl->uniforms, (size_t)C * H);
    for (int t = 0; t < H; t++) {
        const float *p = pl->probs + (size_t)t * A;
        float below[MAX_ACTIONS], acc = 0.0f;
        for (int k = 0; k < A - 1; k++)
            below[k] = acc += p[k];
        for (int c = 0; c < C; c++) {
            float u = pl->uniforms[(size_t)c * H + t];
            int a = 0;
            for (int k = 0; k < A - 1; k++)
                a += below[k] <= u;
            pl->seqs[(size_t)c * H + t] = a;
        }
    }
}

/* ==== Rolling out only the rows that matter (a model with step_rows) ==== */

/* Splits each of the G groups of candidates (runs of perm, perm[lo[g]] to
 * perm[hi[g] - 1], that share their actions before step t) by their action
 * at step t, keeping perm's order within an action (a counting sort): group
 * g's children are the groups [first[g], first[g + 1]) written to next_lo
 * and next_hi. Continuous actions are never shared: the first split leaves
 * every candidate a group of its own. Returns the number of new groups. */
static int split_groups(cdrl_planner *pl, int t, int G, const int *lo, const int *hi, int *next_lo,
                        int *next_hi)
{
    int H = pl->spec.horizon, A = pl->action_count, n = 0;
    for (int g = 0; g < G; g++) {
        pl->first[g] = n;
        if (hi[g] - lo[g] == 1 || pl->action_dim) {
            for (int i = lo[g]; i < hi[g]; i++) {
                if (!pl->action_dim)
                    pl->group_action[n] = (float)pl->seqs[(size_t)pl->perm[i] * H + t];
                next_lo[n] = i, next_hi[n++] = i + 1;
            }
            continue;
        }
        int count[MAX_ACTIONS] = {0}, at[MAX_ACTIONS];
        for (int i = lo[g]; i < hi[g]; i++)
            count[pl->seqs[(size_t)pl->perm[i] * H + t]]++;
        for (int k = 0, from = lo[g]; k < A; from += count[k++]) {
            at[k] = from;
            if (count[k])
                pl->group_action[n] = (float)k, next_lo[n] = from, next_hi[n++] = from + count[k];
        }
        for (int i = lo[g]; i < hi[g]; i++) {
            int c = pl->perm[i];
            pl->perm_tmp[at[pl->seqs[(size_t)c * H + t]]++] = c;
        }
        memcpy(pl->perm + lo[g], pl->perm_tmp + lo[g], sizeof(int) * (size_t)(hi[g] - lo[g]));
    }
    pl->first[G] = n;
    return n;
}

/* Row n's action at step t, that of group k (its candidates in lo). */
static void set_action(cdrl_planner *pl, int n, int t, int k, const int *lo)
{
    int S = pl->action_stride;
    if (pl->action_dim) /* continuous: each group one candidate, perm the identity */
        memcpy(pl->actions + (size_t)n * S, pl->cseqs + ((size_t)lo[k] * pl->spec.horizon + t) * S,
               sizeof(float) * (size_t)S);
    else
        pl->actions[n] = pl->group_action[k];
}

/* The rows for step t from a row of the step before (state from, return
 * so far sum, group g): one per group g splits into (their ranges in lo),
 * written to rows n on of state, actions, child_group and child_sum.
 * Returns the row after them. */
static int expand(cdrl_planner *pl, int t, int g, double sum, const float *from, const int *lo, int n)
{
    int D = pl->obs_dim, *child_group = pl->node_group + pl->rows;
    double *child_sum = pl->node_sum + pl->rows;
    for (int k = pl->first[g]; k < pl->first[g + 1]; k++, n++) {
        child_group[n] = k;
        child_sum[n] = sum;
        float *to = pl->state + (size_t)n * D;
        for (int d = 0; d < D; d++)
            to[d] = from[d];
        set_action(pl, n, t, k, lo);
    }
    return n;
}

/* score_candidates' rollout through step_rows: in each particle, one row
 * per group of candidates that share their actions so far and are still
 * alive in it (with its return so far); after a step, a row that
 * terminated (or ended the horizon) settles its candidates' return, and
 * every other is expanded into its group's children at the next step, the
 * next batch. The returns are summed in the same order as stepping every
 * row, so they are the same bits. */
static int rollout_shared(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                          cdrl_error *err)
{
    int H = pl->spec.horizon, C = pl->spec.candidates, P = pl->spec.particles, D = pl->obs_dim;
    int R = pl->rows, rc, n = 0;
    /* The groups of this step (after its action) and of the next. */
    int *lo = pl->group, *hi = lo + C, *next_lo = hi + C, *next_hi = next_lo + C;
    float root[CDRL_ENV_MAX_DIM];
    for (int d = 0; d < D; d++)
        root[d] = (float)obs[d];
    for (int c = 0; c < C; c++)
        pl->perm[c] = c;
    next_lo[0] = 0, next_hi[0] = C; /* every candidate, before any action */
    int G = split_groups(pl, 0, 1, next_lo, next_hi, lo, hi);
    for (int p = 0; p < P; p++) {
        pl->counts[p] = G;
        n = expand(pl, 0, 0, 0.0, root, lo, n);
    }
    for (int t = 0; t < H && n > 0; t++) { /* n = 0: every rollout has ended */
        /* a plan of many rounds x a long horizon can take minutes: stop between steps */
        if ((rc = cdrl_stop_poll("planning", err)) ||
            (rc = model->step_rows(model->user, pl->state, pl->actions, P, pl->counts, pl->next, err)))
            return rc;
        pl->stepped += n;
        cdrl_env_model_reward(pl->env, n, pl->state, pl->actions, pl->next, pl->reward, pl->term);
        /* This step's rows become the parents of the next batch. */
        memcpy(pl->node_group, pl->node_group + R, sizeof(int) * (size_t)n);
        memcpy(pl->node_sum, pl->node_sum + R, sizeof(double) * (size_t)n);
        int next_G = t + 1 < H ? split_groups(pl, t + 1, G, lo, hi, next_lo, next_hi) : 0;
        /* No group splits (from about the horizon's middle on): a row that
         * goes on stays in next, moved up over those that ended, and next
         * becomes the batch; group g stays group g. */
        int stay = next_G == G;
        const double *restrict sums = pl->node_sum;
        const float *restrict reward = pl->reward;
        const uint8_t *restrict term = pl->term;
        int *child_group = pl->node_group + R;
        double *child_sum = pl->node_sum + R;
        n = 0;
        for (int p = 0, i = 0; p < P; p++) {
            int rows = pl->counts[p], from = n;
            for (int k = 0; k < rows; k++, i++) {
                double sum = sums[i] + reward[i];
                int g = pl->node_group[i];
                if (term[i] || t == H - 1) {
                    for (int j = lo[g]; j < hi[g]; j++)
                        pl->total[(size_t)p * C + pl->perm[j]] = sum;
                } else if (stay) {
                    for (int d = 0; d < D && n != i; d++)
                        pl->next[(size_t)n * D + d] = pl->next[(size_t)i * D + d];
                    child_group[n] = g;
                    child_sum[n] = sum;
                    set_action(pl, n++, t + 1, g, next_lo);
                } else {
                    n = expand(pl, t + 1, g, sum, pl->next + (size_t)i * D, next_lo, n);
                }
            }
            pl->counts[p] = n - from;
        }
        if (stay) {
            float *batch = pl->next;
            pl->next = pl->state;
            pl->state = batch;
        }
        int *swap = lo;
        lo = next_lo, next_lo = swap;
        swap = hi, hi = next_hi, next_hi = swap;
        G = next_G;
    }
    return 0;
}

/* Rolls every candidate out with every particle; fills scores[c]. */
static int score_candidates(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                            cdrl_error *err)
{
    int H = pl->spec.horizon, C = pl->spec.candidates, P = pl->spec.particles, D = pl->obs_dim;
    int R = pl->rows;
    int rc = model->sample(model->user, P, err);
    if (rc)
        return rc;
    if (model->step_rows) {
        if ((rc = rollout_shared(pl, model, obs, err)))
            return rc;
        cdrl_planner_particle_scores(pl->total, C, P, pl->spec.beta, pl->scores, pl->mean, pl->spread);
        return 0;
    }
    for (int r = 0; r < R; r++) {
        for (int d = 0; d < D; d++)
            pl->state[(size_t)r * D + d] = (float)obs[d];
        pl->total[r] = 0.0;
        pl->alive[r] = 1;
    }
    int S = pl->action_dim;
    for (int t = 0; t < H; t++) {
        if (S)
            for (int r = 0; r < R; r++)
                memcpy(pl->actions + (size_t)r * S, pl->cseqs + ((size_t)(r % C) * H + t) * S,
                       sizeof(float) * (size_t)S);
        else
            for (int r = 0; r < R; r++) /* each particle's block repeats the first (no division) */
                pl->actions[r] = r < C ? (float)pl->seqs[(size_t)r * H + t] : pl->actions[r - C];
        /* a plan of many rounds x a long horizon can take minutes: stop between steps */
        if ((rc = cdrl_stop_poll("planning", err)) ||
            (rc = model->step(model->user, pl->state, pl->actions, R, pl->next, err)))
            return rc;
        pl->stepped += R;
        cdrl_env_model_reward(pl->env, R, pl->state, pl->actions, pl->next, pl->reward, pl->term);
        for (int r = 0; r < R; r++) {
            if (pl->alive[r])
                pl->total[r] += pl->reward[r];
            pl->alive[r] &= !pl->term[r];
        }
        float *swap = pl->state;
        pl->state = pl->next;
        pl->next = swap;
    }
    cdrl_planner_particle_scores(pl->total, C, P, pl->spec.beta, pl->scores, pl->mean, pl->spread);
    return 0;
}

/* Candidates by descending score; ties keep the lower index first, so the
 * order (and the whole plan) depends on nothing but the draws. */
static void rank(cdrl_planner *pl)
{
    int C = pl->spec.candidates;
    for (int c = 0; c < C; c++) {
        int j = c;
        while (j > 0 && pl->scores[pl->order[j - 1]] < pl->scores[c]) {
            pl->order[j] = pl->order[j - 1];
            j--;
        }
        pl->order[j] = c;
    }
}

int cdrl_planner_score(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                       cdrl_error *err)
{
    return score_candidates(pl, model, obs, err);
}

void cdrl_planner_rank(cdrl_planner *pl)
{
    rank(pl);
}

static void refit(cdrl_planner *pl)
{
    int H = pl->spec.horizon, A = pl->action_count, E = pl->spec.elites;
    float keep = (float)pl->spec.smoothing;
    for (int t = 0; t < H; t++) {
        float freq[MAX_ACTIONS] = {0};
        for (int e = 0; e < E; e++)
            freq[pl->seqs[(size_t)pl->order[e] * H + t]] += 1.0f / (float)E;
        float *p = pl->probs + (size_t)t * A;
        for (int k = 0; k < A; k++)
            p[k] = keep * p[k] + (1.0f - keep) * freq[k];
    }
}

void cdrl_planner_last_plan(const cdrl_planner *pl, int action, int *seq)
{
    int H = pl->spec.horizon, pick = pl->order[0];
    for (int i = 0; i < pl->spec.candidates; i++)
        if (pl->seqs[(size_t)pl->order[i] * H] == action) {
            pick = pl->order[i];
            break;
        }
    memcpy(seq, pl->seqs + (size_t)pick * H, sizeof(int) * (size_t)H);
}

int cdrl_planner_act(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                     int *action, cdrl_plan_info *info, cdrl_error *err)
{
    if (pl->action_dim)
        return cdrl_errorf(err, CDRL_EINVAL, "planner: env %s has continuous actions; use "
                           "cdrl_planner_act_continuous", pl->env->name);
    int H = pl->spec.horizon, A = pl->action_count;
    int rounds = pl->spec.method == CDRL_PLAN_CEM ? pl->spec.iterations : 1;
    double best = -HUGE_VAL, best_mean = 0.0, best_spread = 0.0;
    int best_first = 0;
    double first_sum[MAX_ACTIONS] = {0}, first_count[MAX_ACTIONS] = {0};
    double first_mean[MAX_ACTIONS] = {0}, first_spread[MAX_ACTIONS] = {0};
    if (pl->spec.method == CDRL_PLAN_RANDOM)
        cdrl_planner_reset(pl);
    pl->stepped = 0;
    for (int it = 0; it < rounds; it++) {
        sample_candidates(pl);
        int rc = score_candidates(pl, model, obs, err);
        if (rc)
            return rc;
        rank(pl);
        for (int c = 0; c < pl->spec.candidates; c++) {
            int first = pl->seqs[(size_t)c * H];
            first_sum[first] += pl->scores[c];
            first_count[first] += 1.0;
            first_mean[first] += pl->mean[c];
            first_spread[first] += pl->spread[c];
        }
        if (pl->scores[pl->order[0]] > best) {
            best = pl->scores[pl->order[0]];
            best_first = pl->seqs[(size_t)pl->order[0] * H];
            best_mean = pl->mean[pl->order[0]];
            best_spread = pl->spread[pl->order[0]];
        }
        if (pl->spec.method == CDRL_PLAN_CEM)
            refit(pl);
    }
    int a = best_first;
    double prob = 1.0, score = best, mean = best_mean, spread = best_spread;
    if (pl->spec.method == CDRL_PLAN_CEM && pl->spec.select == CDRL_PLAN_SELECT_BEST) {
        a = 0;
        for (int k = 1; k < A; k++)
            if (pl->probs[k] > pl->probs[a])
                a = k;
    }
    if (pl->spec.select == CDRL_PLAN_SELECT_MEAN) {
        /* An action no candidate started with keeps the best sequence's. */
        score = -HUGE_VAL;
        for (int k = 0; k < A; k++)
            if (first_count[k] > 0 && first_sum[k] / first_count[k] > score) {
                score = first_sum[k] / first_count[k];
                a = k;
            }
        if (first_count[a] > 0) {
            mean = first_mean[a] / first_count[a];
            spread = first_spread[a] / first_count[a];
        }
    }
    if (pl->spec.method == CDRL_PLAN_CEM) {
        prob = pl->probs[a];
        /* Warm start: the rest of this plan is the next step's prior. */
        memmove(pl->probs, pl->probs + A, sizeof(float) * (size_t)(H - 1) * A);
        for (int i = 0; i < (H - 1) * A; i++)
            pl->probs[i] = WARM_START_KEEP * pl->probs[i] + (1.0f - WARM_START_KEEP) / (float)A;
        for (int k = 0; k < A; k++)
            pl->probs[(size_t)(H - 1) * A + k] = 1.0f / (float)A;
    }
    *action = a;
    if (info) {
        info->score = score;
        info->first_prob = prob;
        info->mean = mean;
        info->spread = spread;
    }
    return 0;
}
