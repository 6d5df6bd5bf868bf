/* Tests of the dynamics learner on CartPole: after a small fixed amount of
 * random-action data the model beats predicting no change by a wide margin,
 * its epistemic spread is larger far from the data than near it, the drop
 * rates fall when N grows, the frozen-mask rollout step equals the network's
 * own MC forward with the same masks, and a fixed seed gives the same bits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics_model.h"
#include "cdrl/env.h"
#include "cdrl/rng.h"
#include "replay_data.h"

/* The constructor as an expression: the network, or NULL when it fails
 * (and then it must have left *out NULL). */
static cdrl_dynamics_model *dynamics_create_or_null(const cdrl_dynamics_spec *spec, cdrl_error *err)
{
    static char poison;
    cdrl_dynamics_model *out = (cdrl_dynamics_model *)(void *)&poison; /* create must overwrite it */
    if (cdrl_dynamics_create(spec, &out, err)) {
        assert_null(out);
        return NULL;
    }
    return out;
}

static cdrl_dynamics_spec small_spec(void)
{
    cdrl_dynamics_spec s = {0};
    s.obs_dim = 4;
    s.action_count = 2;
    s.n_hidden = 2;
    s.hidden[0] = s.hidden[1] = 64;
    s.activation = CDRL_ACT_RELU;
    s.dropout.kind = CDRL_DROPOUT_CONCRETE;
    s.dropout.p = 0.1f;
    s.lr = 3e-3;
    s.batch = 64;
    s.length_scale = 1e-2;
    s.tau = 1.0;
    s.seed = 5;
    return s;
}

static void learns_and_knows_where_it_has_not_been(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 400);
    cdrl_error err;
    cdrl_dynamics_spec spec = small_spec();
    cdrl_dynamics_model *m = dynamics_create_or_null(&spec, &err);
    assert_non_null(m);
    double loss;
    assert_int_equal(cdrl_dynamics_fit(m, &buf, 1500, &loss, &err), 0);
    cdrl_dynamics_stats st;
    assert_int_equal(cdrl_dynamics_validate(m, &buf, 20, &st, &err), 0);
    assert_true(st.zero_mse > 0.5);
    assert_true(st.val_mse < 0.05 * st.zero_mse);
    assert_true(st.val_spread > 0.0);

    /* Probe states: near the start states the data came from, and far out
     * (cart off-centre, fast), where random play rarely goes. */
    enum { N = 64 };
    float near[N * 4], far[N * 4], act[N];
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 9, 0);
    const float far_scale[4] = {2.0f, 2.5f, 0.2f, 3.0f};
    for (int i = 0; i < N; i++) {
        act[i] = (float)(i % 2);
        for (int d = 0; d < 4; d++) {
            near[i * 4 + d] = (float)cdrl_rng_range(&rng, -0.05, 0.05);
            float sign = cdrl_rng_uniform(&rng) < 0.5 ? -1.0f : 1.0f;
            far[i * 4 + d] = sign * far_scale[d] * (float)cdrl_rng_range(&rng, 0.8, 1.0);
        }
    }
    double s_near, s_far;
    assert_int_equal(cdrl_dynamics_spread(m, near, act, N, 20, &s_near, &err), 0);
    assert_int_equal(cdrl_dynamics_spread(m, far, act, N, 20, &s_far, &err), 0);
    assert_true(s_far > 2.0 * s_near);
    cdrl_dynamics_free(m);
    cdrl_replay_buffer_free(&buf);
}

/* A small model with p = 0.3 (masks that matter) fitted for 20 steps on
 * 100 random transitions, kept in *buf. */
static cdrl_dynamics_model *briefly_fitted(cdrl_replay_buffer *buf)
{
    random_data(buf, 100);
    cdrl_dynamics_spec spec = small_spec();
    spec.dropout.p = 0.3f;
    cdrl_dynamics_model *m = dynamics_create_or_null(&spec, NULL);
    assert_non_null(m);
    assert_int_equal(cdrl_dynamics_fit(m, buf, 20, NULL, NULL), 0);
    return m;
}

static void frozen_step_matches_the_network(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    cdrl_dynamics_model *m = briefly_fitted(&buf);
    enum { P = 3, R = 4, B = P * R };
    float obs[B * 4], act[B], next[B * 4], again[B * 4];
    for (int r = 0; r < B; r++) {
        act[r] = (float)(r % 2);
        for (int d = 0; d < 4; d++)
            obs[r * 4 + d] = buf.obs[(r % R) * 4 + d];
    }
    /* Same masks through the network: copy the generators, freeze, MC forward. */
    cdrl_rng saved[CDRL_MLP_MAX_LAYERS];
    for (int l = 0; l < m->net->n_layers; l++)
        saved[l] = m->net->layers[l].rng;
    assert_int_equal(cdrl_dynamics_freeze(m, P, NULL), 0);
    assert_int_equal(cdrl_dynamics_step_frozen(m, obs, act, B, next, NULL), 0);
    for (int l = 0; l < m->net->n_layers; l++)
        m->net->layers[l].rng = saved[l];
    assert_int_equal(cdrl_mlp_freeze_masks(m->net, P, NULL), 0);
    float x[B * 6];
    for (int r = 0; r < B; r++)
        for (int k = 0; k < 6; k++) {
            float v = k < 4 ? obs[r * 4 + k] : (float)((k - 4) == (int)act[r]);
            x[r * 6 + k] = (v - m->in_mean[k]) / m->in_std[k];
        }
    const float *out = cdrl_mlp_forward(m->net, x, B, CDRL_MODE_MC, NULL);
    assert_non_null(out);
    int differs = 0;
    for (int r = 0; r < B; r++)
        for (int d = 0; d < 4; d++) {
            float want = obs[r * 4 + d] + m->out_mean[d] + m->out_std[d] * out[r * 4 + d];
            assert_float_equal(next[r * 4 + d], want, 1e-4f * (1.0f + fabsf(want)));
            again[r * 4 + d] = want;
        }
    /* Particles really differ (same state and action, other masks). */
    for (int d = 0; d < 4; d++)
        differs |= again[0 * R * 4 + d] != again[1 * R * 4 + d];
    assert_true(differs);
    /* The masks stay frozen along a rollout: the next step of the same rows
     * draws nothing new and repeats the first bit for bit. */
    float repeat[B * 4];
    assert_int_equal(cdrl_dynamics_step_frozen(m, obs, act, B, repeat, NULL), 0);
    assert_memory_equal(repeat, next, sizeof next);
    cdrl_mlp_unfreeze_masks(m->net);
    cdrl_dynamics_free(m);
    cdrl_replay_buffer_free(&buf);
}

/* Blocks of any length: each row of step_frozen_rows (particle blocks of
 * 37, 0, 5 and 21 rows) is bit for bit that row of a step over equal blocks
 * of 40 (every block padded to its own width differently). */
static void uneven_blocks_step_each_row_as_before(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    cdrl_dynamics_model *m = briefly_fitted(&buf);
    enum { P = 4, PER = 40, B = P * PER };
    const int counts[P] = {37, 0, 5, 21};
    static float obs[B * 4], act[B], next[B * 4], some_obs[B * 4], some_act[B], some_next[B * 4];
    for (int r = 0; r < B; r++) {
        act[r] = (float)(r % 3 == 0);
        for (int d = 0; d < 4; d++)
            obs[r * 4 + d] = buf.obs[(r * 7 % 100) * 4 + d];
    }
    assert_int_equal(cdrl_dynamics_freeze(m, P, NULL), 0);
    assert_int_equal(cdrl_dynamics_step_frozen(m, obs, act, B, next, NULL), 0);
    int n = 0;
    for (int p = 0; p < P; p++)
        for (int i = 0; i < counts[p]; i++, n++) {
            int r = p * PER + (i * 3 + p) % PER; /* any rows of particle p, in any order */
            some_act[n] = act[r];
            memcpy(some_obs + n * 4, obs + r * 4, sizeof(float) * 4);
        }
    assert_int_equal(cdrl_dynamics_step_frozen_rows(m, some_obs, some_act, counts, some_next, NULL), 0);
    n = 0;
    for (int p = 0; p < P; p++)
        for (int i = 0; i < counts[p]; i++, n++)
            assert_memory_equal(some_next + n * 4, next + (p * PER + (i * 3 + p) % PER) * 4, sizeof(float) * 4);
    /* No rows at all is a step of nothing; a negative count is refused. */
    const int none[P] = {0}, bad[P] = {1, -1, 0, 0};
    assert_int_equal(cdrl_dynamics_step_frozen_rows(m, some_obs, some_act, none, some_next, NULL), 0);
    cdrl_error err;
    assert_int_equal(cdrl_dynamics_step_frozen_rows(m, some_obs, some_act, bad, some_next, &err), CDRL_EINVAL);
    cdrl_dynamics_free(m);
    cdrl_replay_buffer_free(&buf);
}

static void drop_rate_falls_with_more_data(void **state)
{
    (void)state;
    cdrl_replay_buffer small, large;
    random_data(&small, 60);
    random_data(&large, 1200);
    cdrl_dynamics_spec spec = small_spec();
    cdrl_dynamics_model *a = dynamics_create_or_null(&spec, NULL), *b = dynamics_create_or_null(&spec, NULL);
    assert_int_equal(cdrl_dynamics_fit(a, &small, 800, NULL, NULL), 0);
    assert_int_equal(cdrl_dynamics_fit(b, &large, 800, NULL, NULL), 0);
    for (int l = 1; l < cdrl_dynamics_layers(a); l++)
        assert_true(cdrl_dynamics_p(b, l) < cdrl_dynamics_p(a, l));
    cdrl_dynamics_free(a);
    cdrl_dynamics_free(b);
    cdrl_replay_buffer_free(&small);
    cdrl_replay_buffer_free(&large);
}

static void same_seed_same_bits(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 120);
    cdrl_dynamics_spec spec = small_spec();
    cdrl_dynamics_model *a = dynamics_create_or_null(&spec, NULL), *b = dynamics_create_or_null(&spec, NULL);
    cdrl_dynamics_stats sa, sb;
    assert_int_equal(cdrl_dynamics_fit(a, &buf, 50, NULL, NULL), 0);
    assert_int_equal(cdrl_dynamics_fit(b, &buf, 50, NULL, NULL), 0);
    assert_int_equal(cdrl_dynamics_validate(a, &buf, 5, &sa, NULL), 0);
    assert_int_equal(cdrl_dynamics_validate(b, &buf, 5, &sb, NULL), 0);
    assert_memory_equal(a->net->params, b->net->params, sizeof(float) * a->net->n_params);
    assert_memory_equal(&sa, &sb, sizeof sa);
    cdrl_dynamics_free(a);
    cdrl_dynamics_free(b);
    cdrl_replay_buffer_free(&buf);
}

static void bad_use_is_an_error(void **state)
{
    (void)state;
    cdrl_error err;
    cdrl_dynamics_spec spec = small_spec();
    spec.action_count = 1;
    assert_null(dynamics_create_or_null(&spec, &err));
    assert_non_null(strstr(err.msg, "action_count"));
    spec = small_spec();
    cdrl_dynamics_model *m = dynamics_create_or_null(&spec, &err);
    float obs[4] = {0}, act = 0, next[4];
    assert_int_equal(cdrl_dynamics_step_frozen(m, obs, &act, 1, next, &err), CDRL_ESTATE);
    cdrl_replay_buffer buf;
    assert_int_equal(cdrl_replay_buffer_init(&buf, 4, 1, 5, NULL), 0);
    assert_int_equal(cdrl_dynamics_fit(m, &buf, 10, NULL, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "training transitions"));
    cdrl_dynamics_free(m);
    cdrl_replay_buffer_free(&buf);
}

/* Pendulum with random torques: a continuous action as an input, and the
 * (cos, sin) pair kept on the unit circle along an imagined rollout. */
static void learns_pendulum_with_continuous_torque(void **state)
{
    (void)state;
    cdrl_dynamics_spec spec = small_spec();
    spec.obs_dim = 3;
    spec.action_count = 0;
    spec.action_dim = 1;
    spec.activation = CDRL_ACT_TANH;
    assert_int_equal(cdrl_dynamics_parse_angles("0:1", &spec, NULL), 0);
    assert_int_equal(spec.n_angles, 1);
    cdrl_dynamics_model *m = dynamics_create_or_null(&spec, NULL);
    assert_non_null(m);
    assert_int_equal(m->n_inputs, 4);
    cdrl_env *env;
    cdrl_rng rng;
    cdrl_replay_buffer buf;
    assert_int_equal(cdrl_env_create("pendulum", &env, NULL), 0);
    assert_int_equal(cdrl_replay_buffer_init(&buf, 3, 1, 5, NULL), 0);
    cdrl_rng_seed(&rng, 2, 0);
    double obs[3], next[3];
    for (int e = 0; e < 3; e++) {
        assert_int_equal(cdrl_env_reset_seeded(env, (uint64_t)e, obs, NULL), 0);
        cdrl_step_result r = {0};
        while (!r.truncated) {
            double u = cdrl_rng_range(&rng, -2.0, 2.0);
            assert_int_equal(cdrl_env_step(env, &u, next, &r, NULL), 0);
            assert_int_equal(cdrl_replay_buffer_push(&buf, obs, &u, next, r.reward, 0, NULL), 0);
            memcpy(obs, next, sizeof obs);
        }
    }
    assert_int_equal(cdrl_dynamics_fit(m, &buf, 1500, NULL, NULL), 0);
    cdrl_dynamics_stats st;
    assert_int_equal(cdrl_dynamics_validate(m, &buf, 10, &st, NULL), 0);
    /* Seen: about 1 % of predicting no change. */
    assert_true(st.val_mse < 0.05 * st.zero_mse);
    /* 50 imagined steps under a constant torque: still on the circle. */
    float x[3] = {-1.0f, 0.0f, 0.5f}, y[3], u = 1.5f;
    for (int t = 0; t < 50; t++) {
        assert_int_equal(cdrl_dynamics_predict(m, x, &u, 1, y, NULL), 0);
        assert_float_equal(y[0] * y[0] + y[1] * y[1], 1.0f, 1e-5);
        memcpy(x, y, sizeof x);
    }
    /* The frozen step takes a continuous action row too. */
    float rows[6] = {1, 0, 0, 0, 1, 0}, acts[2] = {2.0f, -2.0f}, out[6];
    assert_int_equal(cdrl_dynamics_freeze(m, 2, NULL), 0);
    assert_int_equal(cdrl_dynamics_step_frozen(m, rows, acts, 2, out, NULL), 0);
    assert_float_equal(out[0] * out[0] + out[1] * out[1], 1.0f, 1e-5);
    cdrl_replay_buffer_free(&buf);
    cdrl_env_free(env);
    cdrl_dynamics_free(m);
}

static void angle_pairs_are_checked(void **state)
{
    (void)state;
    cdrl_dynamics_spec spec = small_spec();
    cdrl_error err;
    assert_int_equal(cdrl_dynamics_parse_angles("0:1,2:3", &spec, NULL), 0);
    assert_int_equal(spec.n_angles, 2);
    assert_int_equal(spec.angle_sin[1], 3);
    assert_int_equal(cdrl_dynamics_parse_angles("none", &spec, NULL), 0);
    assert_int_equal(spec.n_angles, 0);
    const char *bad[] = {"0", "0:", ":1", "0:1,", "0;1", "a:b", "0:64"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cdrl_dynamics_parse_angles(bad[i], &spec, &err), CDRL_EINVAL);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    assert_int_equal(cdrl_dynamics_parse_angles("0:4", &spec, NULL), 0); /* obs_dim is 4 */
    assert_null(dynamics_create_or_null(&spec, &err));
    assert_non_null(strstr(err.msg, "angle pair"));
    assert_int_equal(cdrl_dynamics_parse_angles("1:1", &spec, NULL), 0);
    assert_null(dynamics_create_or_null(&spec, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learns_and_knows_where_it_has_not_been),
        cmocka_unit_test(frozen_step_matches_the_network),
        cmocka_unit_test(uneven_blocks_step_each_row_as_before),
        cmocka_unit_test(drop_rate_falls_with_more_data),
        cmocka_unit_test(same_seed_same_bits),
        cmocka_unit_test(bad_use_is_an_error),
        cmocka_unit_test(learns_pendulum_with_continuous_torque),
        cmocka_unit_test(angle_pairs_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
