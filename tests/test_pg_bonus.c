/* Tests of pg's exploration bonus (agents/pg_bonus.c) on MountainCar data:
 * off makes no model; a model without dropout has zero spread and adds
 * exactly nothing; the bonus added is beta x spread; the spread at a state
 * the agent has visited many times falls as the model learns, and ends well
 * below the spread at a state it has never been near; a fixed seed gives the
 * same bits; and a save/load round trip restores the model exactly. */
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

/* Records `steps` MountainCar steps of random actions (seeded) into the
 * bonus. A random policy stays in the valley: positions about -0.8..-0.2,
 * small speeds. */
static void random_steps(pg_bonus *b, int steps, uint64_t seed)
{
    cdrl_env *env;
    cdrl_rng rng;
    assert_int_equal(cdrl_env_create("mountaincar", &env, NULL), 0);
    cdrl_rng_seed(&rng, seed, 0);
    double obs[2], next[2];
    assert_int_equal(cdrl_env_reset_seeded(env, seed, obs, NULL), 0);
    for (int t = 0; t < steps; t++) {
        double a = (double)cdrl_rng_below(&rng, 3);
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

/* One "update": the bonus of a batch of n copies of one transition, then
 * the refit; returns the batch's spread. */
static double apply_one(pg_bonus *b, const float *obs, int action)
{
    enum { N = 4 };
    float o[2 * N], r[N] = {0}, a[N];
    for (int i = 0; i < N; i++)
        o[2 * i] = obs[0], o[2 * i + 1] = obs[1], a[i] = (float)action;
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

/* Without dropout every particle is the same network: zero spread, and the
 * rewards come back bit for bit, with either normalisation (the running
 * std is 0 there, which must not divide). */
static void zero_spread_adds_nothing(void **state)
{
    (void)state;
    const char *norms[2] = {"none", "running"};
    for (int k = 0; k < 2; k++) {
        pg_bonus_config c = config(5.0, "none", norms[k]);
        pg_bonus *b;
        assert_int_equal(pg_bonus_create(&c, 2, 3, 0, 7, &b, NULL), 0);
        assert_non_null(b);
        random_steps(b, 600, 3);
        float obs[6] = {-0.5f, 0.0f, 0.3f, 0.05f, -1.1f, -0.06f};
        float actions[3] = {0, 1, 2};
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
 * goal at full speed, which no random episode reaches. */
static void bonus_falls_where_visited(void **state)
{
    (void)state;
    pg_bonus_config c = config(1.0, "concrete", "none");
    pg_bonus *b;
    assert_int_equal(pg_bonus_create(&c, 2, 3, 0, 11, &b, NULL), 0);
    const float visited[2] = {-0.5f, 0.0f}, novel[2] = {0.45f, 0.06f};
    random_steps(b, 400, 1);
    apply_one(b, visited, 1);                    /* the first fit */
    double early = apply_one(b, visited, 1);     /* the next update's bonus; fits again */
    for (int update = 0; update < 60; update++) {
        random_steps(b, 400, 100 + (uint64_t)update);
        apply_one(b, visited, 1);
    }
    double late_visited = apply_one(b, visited, 1);
    double late_novel = apply_one(b, novel, 1);
    print_message("spread at the visited state: %.4g after 400 transitions, %.4g after 24,800; "
                  "at the novel state %.4g\n", early, late_visited, late_novel);
    assert_true(late_visited < 0.5 * early);
    assert_true(late_novel > 3.0 * late_visited);
    pg_bonus_free(b);
}

/* Same seed, same bits; a save/load round trip gives the same next bonus. */
static void same_seed_and_resume_same_bits(void **state)
{
    (void)state;
    pg_bonus_config c = config(1.0, "concrete", "running");
    pg_bonus *b[3];
    for (int k = 0; k < 3; k++)
        assert_int_equal(pg_bonus_create(&c, 2, 3, 0, 5, &b[k], NULL), 0);
    const float s0[2] = {-0.5f, 0.01f};
    for (int k = 0; k < 2; k++) {
        random_steps(b[k], 500, 2);
        apply_one(b[k], s0, 0);
        apply_one(b[k], s0, 2);
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
        random_steps(b[k], 300, 9);
    double s[3], bonus[3];
    for (int k = 0; k < 3; k++) {
        apply_one(b[k], s0, 1);
        s[k] = apply_one(b[k], s0, 1);
        bonus[k] = pg_bonus_last(b[k]).bonus_mean;
    }
    assert_true(s[0] > 0.0 && bonus[0] > 0.0);
    assert_true(s[0] == s[1] && bonus[0] == bonus[1]);
    assert_true(s[1] == s[2] && bonus[1] == bonus[2]);
    for (int k = 0; k < 3; k++)
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
        cmocka_unit_test(bad_config_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
