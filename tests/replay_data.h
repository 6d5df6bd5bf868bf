/* Transitions of random actions in CartPole for the tests of the dynamics
 * model and its ensemble (one fixture, so both test the same data).
 * Include after cmocka.h. */
#ifndef CDRL_TESTS_REPLAY_DATA_H
#define CDRL_TESTS_REPLAY_DATA_H

#include <string.h>

#include "cdrl/env.h"
#include "cdrl/rng.h"
#include "replay_buffer.h"

/* `steps` transitions of random actions in CartPole, seed 1. */
static void random_data(cdrl_replay_buffer *buf, int steps)
{
    cdrl_env *env;
    cdrl_rng rng;
    assert_int_equal(cdrl_env_create("cartpole", &env, NULL), 0);
    cdrl_rng_seed(&rng, 1, 0);
    double obs[4], next[4];
    assert_int_equal(cdrl_env_reset_seeded(env, 1, obs, NULL), 0);
    assert_int_equal(cdrl_replay_buffer_init(buf, 4, 1, 5, NULL), 0);
    for (int t = 0; t < steps; t++) {
        double a = (double)cdrl_rng_below(&rng, 2);
        cdrl_step_result r;
        assert_int_equal(cdrl_env_step(env, &a, next, &r, NULL), 0);
        assert_int_equal(cdrl_replay_buffer_push(buf, obs, &a, next, r.reward, r.terminated, NULL), 0);
        if (r.terminated || r.truncated)
            assert_int_equal(cdrl_env_reset(env, obs, NULL), 0);
        else
            memcpy(obs, next, sizeof obs);
    }
    cdrl_env_free(env);
}

#endif
