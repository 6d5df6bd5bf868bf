/* Model-predictive control over a learned model: the cross-entropy method
 * (CEM) or random shooting over sequences of discrete actions, or CEM over
 * sequences of continuous actions (planner_cem.c), scored with
 * the env's model-side reward (cdrl_env_model_reward).
 *
 * One plan: `candidates` action sequences of length `horizon` are each rolled
 * out by `particles` model draws. The model is asked once per plan for P
 * draws (for a Concrete-Dropout network: P sets of masks that stay frozen
 * along the whole rollout, trajectory sampling "TS-inf" as in PETS) and then,
 * per time step, for the next states of all P x C rows in one call, rows
 * grouped particle-major (row p*C + c is particle p following candidate c);
 * or, for a model with step_rows, of only the rows that still matter: one
 * per particle and group of candidates that share their actions so far,
 * while that rollout has not terminated (the same scores, bit for bit).
 * A particle earns the reward of each imagined step until the reward function
 * says it terminated, and nothing after; a candidate's score is the mean over
 * its particles of those sums, i.e. its expected return over the horizon,
 * plus `beta` times their standard deviation: beta > 0 is optimism (prefer
 * what the model is unsure of, to explore it), beta < 0 caution (prefer
 * what every particle agrees on), beta = 0 the plain expectation
 * (docs/uncertainty.md).
 *
 * Discrete actions: CEM keeps a categorical distribution per time step (for
 * CartPole's two actions, one Bernoulli probability per step), samples the
 * candidates from it, and refits it to the elite candidates' action
 * frequencies, smoothed with the previous distribution. Random shooting draws
 * one round of uniform sequences. Between real steps the CEM distribution is
 * shifted by one step (warm start); cdrl_planner_reset starts afresh at an
 * episode's start.
 *
 * Continuous actions (env action_dim > 0; method must be CEM): a diagonal
 * Gaussian per time step and action component, mean at the middle of the
 * action box and std a `init_std` fraction of its width at an episode's start.
 * Each round samples C - 1 sequences from it, clipped to the bounds, plus the
 * mean itself (so a good warm start is never lost to sampling), scores them
 * all with the same particles, and refits mean and std to the `elites` best:
 * new = smoothing * old + (1 - smoothing) * elite statistic. After the last
 * round the executed action is the first step of the mean (MEAN) or of the
 * best sequence of all rounds (BEST). Between real steps the mean is shifted
 * by one step (the new last step at the box's middle) and the std starts
 * again from init_std: the previous plan is the prior's centre, not its
 * confidence.
 *
 * Which first action is executed (`select`):
 *   BEST  the first action of the best-scoring sequence of all rounds (for
 *         CEM: the most probable first action of the final distribution);
 *   MEAN  the first action whose candidates, over all rounds, score best on
 *         average: a Monte-Carlo estimate of each first action's value under
 *         the sampled continuations. With a survival reward (CartPole) and
 *         the max, every plan that survives the horizon ties, so the cart
 *         drifts until it leaves the track; the average still ranks a
 *         precarious state below a safe one, because fewer of its random
 *         continuations survive. */
#ifndef CDRL_PLANNER_H
#define CDRL_PLANNER_H

#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/error.h"
#include "cdrl/rng.h"

typedef enum {
    CDRL_PLAN_CEM = 0,
    CDRL_PLAN_RANDOM, /* random shooting: one round of uniform sequences */
} cdrl_plan_method;

typedef enum {
    CDRL_PLAN_SELECT_MEAN = 0, /* first action with the best mean candidate score */
    CDRL_PLAN_SELECT_BEST,     /* first action of the best candidate (CEM: most probable) */
} cdrl_plan_select;

typedef struct {
    cdrl_plan_method method;
    cdrl_plan_select select;
    int horizon;      /* H >= 1 */
    int candidates;   /* C >= 1 per round */
    int particles;    /* P >= 1 model draws per candidate */
    int iterations;   /* CEM rounds >= 1 (random shooting uses 1) */
    int elites;       /* CEM: 1..C best candidates the distribution is refit to */
    double smoothing; /* CEM: new = smoothing * old + (1 - smoothing) * elite frequency, [0, 1) */
    double beta;      /* score = mean + beta * std over particles; finite, 0 = the mean */
    double init_std;  /* continuous CEM: starting std as a fraction of each action's range, (0, 10] */
} cdrl_planner_spec;

/* The model a planner rolls out, as two calls on `user`. */
typedef struct {
    /* Draws P models for one plan (P = the spec's particles). */
    int (*sample)(void *user, int particles, cdrl_error *err);
    /* next (B, obs_dim) from obs (B, obs_dim) and actions (B, action_stride):
     * indices, or action_dim values for continuous actions; B = particles x
     * candidates, row r using draw r / (B / particles). */
    int (*step)(void *user, const float *obs, const float *actions, int B, float *next,
                cdrl_error *err);
    void *user;
    /* Optional, for a model whose next state of a row depends only on that
     * row's state, action and draw (not on its place in the batch): counts
     * (P, the particles) rows of each draw, particle-major, blocks of any
     * length. Given it, the planner steps only the rows that still matter: a
     * rollout that has terminated earns nothing more and is not stepped,
     * and candidates that share their first actions share one row per draw
     * until they part (the same states, bit for bit), so the scores are
     * exactly those of stepping every row. NULL: step every row. */
    int (*step_rows)(void *user, const float *obs, const float *actions, int P, const int *counts,
                     float *next, cdrl_error *err);
} cdrl_planner_model;

/* What one plan found. */
typedef struct {
    double score;      /* BEST: expected return over the horizon of the best sequence;
                          MEAN: the executed first action's mean candidate score */
    double first_prob; /* CEM: probability of the executed action at step 0; 1 for random
                          and continuous */
    double mean;       /* as score, from the particles' mean alone (= score when beta = 0) */
    double spread;     /* as score, from the particles' std of return alone */
} cdrl_plan_info;

typedef struct {
    cdrl_planner_spec spec;
    const cdrl_env_spec *env;
    int obs_dim, action_count, rows; /* rows = particles * candidates */
    int action_dim;         /* continuous action length; 0 when discrete */
    int action_stride;      /* floats per action in `actions`: 1 or action_dim */
    cdrl_rng rng;           /* candidate sampling */
    float *probs;           /* (H, A) the CEM distribution (discrete) */
    int *seqs;              /* (C, H) candidate actions (discrete) */
    float *uniforms;        /* (C, H) the draws behind seqs */
    float *cem_mean, *cem_std; /* (H, action_dim) the CEM distribution (continuous) */
    float *cseqs;           /* (C, H, action_dim) candidate actions (continuous) */
    float *plan;            /* (H, action_dim) the sequence behind the last executed action */
    double *scores;         /* (C) mean + beta * spread */
    double *mean, *spread;  /* (C) over particles of the candidate's return */
    int *order;             /* (C) candidates sorted by score */
    float *state, *next;    /* (rows, obs_dim) */
    float *actions;         /* (rows, action_stride) */
    float *reward;          /* (rows) */
    double *total;          /* (rows) */
    uint8_t *alive, *term;  /* (rows) */
    /* Rolling out through step_rows: the candidates in perm, grouped by the
     * actions they share so far (group g: perm[lo[g]..hi[g])); one row per
     * group still alive in each draw, with its group and return so far. */
    int *perm, *perm_tmp;   /* (C) */
    int *group;             /* (4 C): lo, hi, and the next step's lo, hi */
    int *first;             /* (C + 1): group g's children at the next step */
    float *group_action;    /* (C): each next group's action (discrete) */
    int *node_group;        /* (2 rows): the stepped rows' groups, then the batch's */
    double *node_sum;       /* (2 rows): their returns so far, likewise */
    int *counts;            /* (P) rows of each draw in the batch */
    int64_t stepped;        /* rows the model stepped in the last plan (diagnostic) */
} cdrl_planner;

/* A planner for env `env` (discrete actions, or continuous with CEM, else
 * CDRL_EUNAVAIL) whose
 * candidate draws come from (seed, stream), into *out (free with
 * cdrl_planner_free). Returns 0, or an error code with *out = NULL and err
 * filled on a bad spec (naming the field and its range) or no memory. */
int cdrl_planner_create(const cdrl_planner_spec *spec, const cdrl_env_spec *env, uint64_t seed,
                        uint64_t stream, cdrl_planner **out, cdrl_error *err);

void cdrl_planner_free(cdrl_planner *pl);

/* Forgets the warm start (uniform distribution); call at an episode's start. */
void cdrl_planner_reset(cdrl_planner *pl);

/* Plans from the real observation obs (obs_dim doubles) and writes the action
 * to execute into *action; info may be NULL. Errors come from the model.
 * Discrete envs only (CDRL_EINVAL otherwise). */
int cdrl_planner_act(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                     int *action, cdrl_plan_info *info, cdrl_error *err);

/* Scores C candidates from total (P, C), the return of particle p following
 * candidate c at p * C + c: mean[c] and spread[c] (population std) over the
 * P particles, score[c] = mean[c] + beta * spread[c] (exactly mean[c] when
 * beta is 0). All outputs (C), caller-owned. */
void cdrl_planner_particle_scores(const double *total, int C, int P, double beta, double *score,
                                  double *mean, double *spread);

/* The plan behind the last cdrl_planner_act that executed `action`: the
 * best-ranked candidate of its last round that starts with that action (the
 * best overall if none does), written as `horizon` action indices to seq.
 * For showing what the agent expects (e.g. imagined poles in a window). */
void cdrl_planner_last_plan(const cdrl_planner *pl, int action, int *seq);

/* ---- Continuous actions: CEM (planner_cem.c) ---- */

/* Plans from obs as above for a continuous env and writes action_dim values,
 * within the action bounds, to action. CDRL_EINVAL for a discrete env. */
int cdrl_planner_act_continuous(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                                double *action, cdrl_plan_info *info, cdrl_error *err);

/* Continuous CEM's start of an episode: mean at the box's middle, std from init_std. */
void cdrl_planner_cem_reset(cdrl_planner *pl);

/* The sequence behind the last continuous action, (horizon, action_dim) into seq. */
void cdrl_planner_last_plan_continuous(const cdrl_planner *pl, float *seq);

/* Rolls every candidate out with every particle and fills scores (planner.c,
 * shared by both action kinds). */
int cdrl_planner_score(cdrl_planner *pl, const cdrl_planner_model *model, const double *obs,
                       cdrl_error *err);

/* Candidates by descending score into order (ties: lower index first). */
void cdrl_planner_rank(cdrl_planner *pl);

#endif
