/* Tests of pg's exploration bonus (agents/pg_bonus.c) on MountainCar data,
 * discrete (MountainCar-v0) and continuous (MountainCarContinuous, the force
 * as the model's input): off makes no model; a model without dropout has
 * zero spread and adds exactly nothing; the bonus added is beta x spread;
 * the spread at a state the agent has visited many times falls as the model
 * learns, and ends well below the spread at a state it has never been near;
 * a fixed seed gives the same bits; a save/load round trip restores the
 * model exactly; the rollout's path scores the rows it recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/env.h"
#include "cdrl/rng.h"
#include "pg_bonus.h"

static pg_bonus_config config(double beta, const char *dropout, const char *normalize)
{
    pg_bonus_config c = {0};
    c.beta = beta;
    snprintf(c.dropout, sizeof c.dropout, "%s", dropout);
    snprintf(c.normalize, sizeof c.normalize, "%s", normalize);
    c.layers = 2;
    c.hidden = 32;
    c.lr = 3e-3;
    c.batch = 64;
    c.fit_steps = 32;
    c.particles = 8;
    c.init_p = 0.1;
    c.length_scale = 1e-2;
    c.tau = 1.0;
    return c;
}

/* The two kinds of action the bonus takes: MountainCar-v0's three indices,
 * MountainCarContinuous's force in [-1, 1] (one float). */
enum { DISCRETE, CONTINUOUS };

static pg_bonus *make(const pg_bonus_config *c, int kind, uint64_t seed)
{
    pg_bonus *b;
    assert_int_equal(pg_bonus_create(c, 2, kind == DISCRETE ? 3 : 0, kind == DISCRETE ? 0 : 1, seed, &b, NULL), 0);
    assert_non_null(b);
    return b;
}

/* Records `steps` steps of random actions (seeded) into the bonus: uniform
 * indices on MountainCar, a uniform force on MountainCarContinuous. A random
 * policy stays in the valley: positions about -0.8..-0.2, small speeds. */
static void random_steps_of(pg_bonus *b, int kind, int steps, uint64_t seed)
{
    cdrl_env *env;
    cdrl_rng rng;
    assert_int_equal(cdrl_env_create(kind == DISCRETE ? "mountaincar" : "mountaincar-continuous", &env, NULL), 0);
    cdrl_rng_seed(&rng, seed, 0);
    double obs[2], next[2];
    assert_int_equal(cdrl_env_reset_seeded(env, seed, obs, NULL), 0);
    for (int t = 0; t < steps; t++) {
        double a = kind == DISCRETE ? (double)cdrl_rng_below(&rng, 3) : cdrl_rng_range(&rng, -1.0, 1.0);
        cdrl_step_result r;
        assert_int_equal(pg_bonus_observe(b, obs, 1, NULL), 0);
        assert_int_equal(cdrl_env_step(env, &a, next, &r, NULL), 0);
        uint8_t term = (uint8_t)r.terminated, trunc = (uint8_t)r.truncated;
        assert_int_equal(pg_bonus_record(b, &a, next, next, &term, &trunc, 1, NULL), 0);
        if (r.terminated || r.truncated)
            assert_int_equal(cdrl_env_reset(env, obs, NULL), 0);
        else
            memcpy(obs, next, sizeof obs);
    }
    cdrl_env_free(env);
}

static void random_steps(pg_bonus *b, int steps, uint64_t seed)
{
    random_steps_of(b, DISCRETE, steps, seed);
}

/* One "update": the bonus of a batch of n copies of one transition, then
 * the refit; returns the batch's spread. action: an index or the force. */
static double apply_one(pg_bonus *b, const float *obs, float action)
{
    enum { N = 4 };
    float o[2 * N], r[N] = {0}, a[N];
    for (int i = 0; i < N; i++)
        o[2 * i] = obs[0], o[2 * i + 1] = obs[1], a[i] = action;
    assert_int_equal(pg_bonus_apply(b, o, a, N, r, NULL), 0);
    return pg_bonus_last(b).spread;
}

static void off_makes_no_model(void **state)
{
    (void)state;
    pg_bonus_config c = config(0.0, "concrete", "running");
    pg_bonus *b = (pg_bonus *)(void *)&c; /* create must overwrite it */
    assert_int_equal(pg_bonus_create(&c, 2, 3, 0, 1, &b, NULL), 0);
    assert_null(b);
    pg_bonus_free(NULL);
}

/* Action i of three (push left, none, right): the index, or the force i - 1. */
static float action_of(int kind, int i)
{
    return kind == DISCRETE ? (float)i : (float)(i - 1);
}

/* Without dropout every particle is the same network: zero spread, and the
 * rewards come back bit for bit, with either normalisation (the running
 * std is 0 there, which must not divide), for either kind of action. */
static void zero_spread_adds_nothing(void **state)
{
    (void)state;
    const char *norms[2] = {"none", "running"};
    for (int kind = DISCRETE; kind <= CONTINUOUS; kind++)
        for (int k = 0; k < 2; k++) {
            pg_bonus_config c = config(5.0, "none", norms[k]);
            pg_bonus *b = make(&c, kind, 7);
            random_steps_of(b, kind, 600, 3);
            float obs[6] = {-0.5f, 0.0f, 0.3f, 0.05f, -1.1f, -0.06f};
            float actions[3] = {action_of(kind, 0), action_of(kind, 1), action_of(kind, 2)};
            float reward[3] = {-1.0f, -1.0f, -1.0f};
            for (int update = 0; update < 3; update++) {
                assert_int_equal(pg_bonus_apply(b, obs, actions, 3, reward, NULL), 0);
                for (int i = 0; i < 3; i++)
                    assert_true(reward[i] == -1.0f);
                assert_true(pg_bonus_last(b).spread == 0.0);
                assert_true(pg_bonus_last(b).bonus_mean == 0.0);
            }
            pg_bonus_free(b);
        }
}

/* normalize = none: the reward grows by exactly (float)(beta x spread), and a
 * model not yet fit gives nothing. */
static void bonus_is_beta_times_spread(void **state)
{
    (void)state;
    pg_bonus_config c = config(0.5, "fixed:0.2", "none");
    pg_bonus *b;
    assert_int_equal(pg_bonus_create(&c, 2, 3, 0, 7, &b, NULL), 0);
    float obs[4] = {-0.5f, 0.0f, 0.3f, 0.05f}, reward[2] = {-1.0f, -1.0f};
    float actions[2] = {2, 0};
    double spread[2];
    assert_int_equal(pg_bonus_spread(b, obs, actions, 2, spread, NULL), 0);
    assert_true(spread[0] == 0.0 && spread[1] == 0.0); /* nothing learned yet */
    random_steps(b, 600, 3);
    assert_int_equal(pg_bonus_apply(b, obs, actions, 2, reward, NULL), 0); /* unfit: no bonus; fits */
    assert_true(reward[0] == -1.0f && reward[1] == -1.0f);
    assert_int_equal(pg_bonus_spread(b, obs, actions, 2, spread, NULL), 0);
    assert_true(spread[0] > 0.0 && spread[1] > 0.0);
    assert_int_equal(pg_bonus_apply(b, obs, actions, 2, reward, NULL), 0);
    double s = pg_bonus_last(b).spread;
    assert_true(s > 0.0);
    double mean = pg_bonus_last(b).bonus_mean;
    assert_float_equal(mean, 0.5 * s, 1e-12);
    assert_float_equal((reward[0] + reward[1]) / 2.0 + 1.0, mean, 1e-6);
    pg_bonus_free(b);
}

/* The spread at a valley state the random policy visits all the time falls
 * as data accumulates, and ends far below the spread at a state near the
 * goal at full speed, which no random episode reaches. `first`: transitions
 * before the first fit (a uniform random force covers the valley faster
 * than three pushes do: after 400 its spread there is already 0.012). */
static void falls_where_visited(int kind, const char *what, int first)
{
    pg_bonus_config c = config(1.0, "concrete", "none");
    pg_bonus *b = make(&c, kind, 11);
    const float visited[2] = {-0.5f, 0.0f}, novel[2] = {0.45f, 0.06f};
    float none = action_of(kind, 1), right = action_of(kind, 2);
    random_steps_of(b, kind, first, 1);
    apply_one(b, visited, none);                    /* the first fit */
    double early = apply_one(b, visited, none);     /* the next update's bonus; fits again */
    for (int update = 0; update < 60; update++) {
        random_steps_of(b, kind, 400, 100 + (uint64_t)update);
        apply_one(b, visited, none);
    }
    double late_visited = apply_one(b, visited, none);
    double late_novel = apply_one(b, novel, right);
    print_message("%s: spread at the visited state: %.4g after %d transitions, %.4g after %d; "
                  "at the novel state %.4g\n", what, early, first, late_visited, first + 60 * 400,
                  late_novel);
    assert_true(late_visited < 0.5 * early);
    assert_true(late_novel > 3.0 * late_visited);
    pg_bonus_free(b);
}

static void bonus_falls_where_visited(void **state)
{
    (void)state;
    falls_where_visited(DISCRETE, "mountaincar", 400);
}

static void continuous_bonus_falls_where_visited(void **state)
{
    (void)state;
    falls_where_visited(CONTINUOUS, "mountaincar-continuous", 100);
}

/* Same seed, same bits; a save/load round trip (transitions, model, its
 * Adam state and generators) gives the same next bonus. */
static void resume_same_bits(int kind)
{
    pg_bonus_config c = config(1.0, "concrete", "running");
    pg_bonus *b[3];
    for (int k = 0; k < 3; k++)
        b[k] = make(&c, kind, 5);
    const float s0[2] = {-0.5f, 0.01f};
    for (int k = 0; k < 2; k++) {
        random_steps_of(b[k], kind, 500, 2);
        apply_one(b[k], s0, action_of(kind, 0));
        apply_one(b[k], s0, action_of(kind, 2));
    }
    cdrl_ckpt_writer *w;
    assert_int_equal(cdrl_ckpt_writer_create("pg", 1, &w, NULL), 0);
    assert_int_equal(pg_bonus_save(b[1], w, NULL), 0);
    void *data;
    size_t size;
    assert_int_equal(cdrl_ckpt_serialize(w, &data, &size, NULL), 0);
    cdrl_ckpt *ck;
    assert_int_equal(cdrl_ckpt_open_memory(data, size, "mem", &ck, NULL), 0);
    assert_int_equal(pg_bonus_load(b[2], ck, NULL), 0);
    cdrl_ckpt_free(ck);
    free(data);
    cdrl_ckpt_writer_free(w);
    for (int k = 0; k < 3; k++)
        random_steps_of(b[k], kind, 300, 9);
    double s[3], bonus[3];
    for (int k = 0; k < 3; k++) {
        apply_one(b[k], s0, action_of(kind, 1));
        s[k] = apply_one(b[k], s0, action_of(kind, 1));
        bonus[k] = pg_bonus_last(b[k]).bonus_mean;
    }
    assert_true(s[0] > 0.0 && bonus[0] > 0.0);
    assert_true(s[0] == s[1] && bonus[0] == bonus[1]);
    assert_true(s[1] == s[2] && bonus[1] == bonus[2]);
    for (int k = 0; k < 3; k++)
        pg_bonus_free(b[k]);
}

static void same_seed_and_resume_same_bits(void **state)
{
    (void)state;
    resume_same_bits(DISCRETE);
}

static void continuous_same_seed_and_resume_same_bits(void **state)
{
    (void)state;
    resume_same_bits(CONTINUOUS);
}

/* The rollout's path: the bonus of the last n transitions recorded is the
 * bonus of those same (state, action) rows passed in by hand, and the state
 * is the one observed before the step, not the one after. */
static void applies_to_the_recorded_rows(void **state)
{
    (void)state;
    pg_bonus_config c = config(1.0, "fixed:0.2", "none");
    pg_bonus *b[2] = {make(&c, CONTINUOUS, 3), make(&c, CONTINUOUS, 3)};
    double obs[4] = {-0.52, 0.001, -0.4, -0.01}, next[4] = {-0.51, 0.002, -0.41, -0.011};
    double actions[2] = {0.25, -1.0};
    const float valley[2] = {-0.5f, 0.0f};
    uint8_t no[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        random_steps_of(b[k], CONTINUOUS, 600, 4);
        apply_one(b[k], valley, 0.0f); /* the first fit */
        assert_int_equal(pg_bonus_observe(b[k], obs, 2, NULL), 0);
        assert_int_equal(pg_bonus_record(b[k], actions, next, next, no, no, 2, NULL), 0);
    }
    float r0[2] = {0}, r1[2] = {0};
    float of[4] = {(float)obs[0], (float)obs[1], (float)obs[2], (float)obs[3]};
    float af[2] = {(float)actions[0], (float)actions[1]};
    assert_int_equal(pg_bonus_apply_recorded(b[0], 2, r0, NULL), 0);
    assert_int_equal(pg_bonus_apply(b[1], of, af, 2, r1, NULL), 0);
    assert_true(r0[0] > 0.0f && r0[1] > 0.0f);
    assert_true(r0[0] == r1[0] && r0[1] == r1[1]);
    cdrl_error err;
    assert_int_not_equal(pg_bonus_apply_recorded(b[0], 1000000, r0, &err), 0);
    assert_int_equal(pg_bonus_observe(b[0], obs, 2, NULL), 0);
    assert_int_equal(pg_bonus_record(b[0], actions, next, next, no, no, 1, &err), CDRL_EINVAL);
    for (int k = 0; k < 2; k++)
        pg_bonus_free(b[k]);
}

static void bad_config_is_an_error(void **state)
{
    (void)state;
    pg_bonus_config c = config(1.0, "sometimes", "none");
    pg_bonus *b;
    cdrl_error err;
    assert_int_not_equal(pg_bonus_create(&c, 2, 3, 0, 1, &b, &err), 0);
    assert_null(b);
    assert_non_null(strstr(err.msg, "agent.bonus.dropout"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_makes_no_model),
        cmocka_unit_test(zero_spread_adds_nothing),
        cmocka_unit_test(bonus_is_beta_times_spread),
        cmocka_unit_test(bonus_falls_where_visited),
        cmocka_unit_test(same_seed_and_resume_same_bits),
        cmocka_unit_test(continuous_bonus_falls_where_visited),
        cmocka_unit_test(continuous_same_seed_and_resume_same_bits),
        cmocka_unit_test(applies_to_the_recorded_rows),
        cmocka_unit_test(bad_config_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
