/* Tests of the dynamics posterior as K members (dynamics_ensemble.h): one
 * member is the single model bit for bit; K identical members have zero
 * spread; members trained from identical weights on their own bootstrapped
 * minibatches differ; each member's gradient (Gaussian NLL heads, as in
 * PETS) matches finite differences and moves only that member's loss;
 * particles go to their member's rows; Thompson holds one member; the same
 * seed gives the same bits; bad values are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/env.h"
#include "cdrl/loss.h"
#include "cdrl/rng.h"
#include "dynamics_ensemble.h"
#include "replay_data.h"

static cdrl_dynamics_spec small_spec(cdrl_dropout_kind dropout)
{
    cdrl_dynamics_spec s = {0};
    s.obs_dim = 4;
    s.action_count = 2;
    s.n_hidden = 2;
    s.hidden[0] = s.hidden[1] = 16;
    s.activation = CDRL_ACT_TANH;
    s.dropout.kind = dropout;
    s.dropout.p = 0.2f;
    s.lr = 3e-3;
    s.batch = 32;
    s.length_scale = 1e-2;
    s.tau = 1.0;
    s.seed = 11;
    return s;
}

static cdrl_dynamics_ensemble *make(const cdrl_dynamics_spec *spec, int K)
{
    cdrl_dynamics_ensemble *e = NULL;
    cdrl_error err;
    assert_int_equal(cdrl_ensemble_create(spec, K, &e, &err), 0);
    assert_non_null(e);
    return e;
}

/* Rows of states from the buffer with alternating actions, and far states. */
enum { N = 24 };
static void probe_rows(const cdrl_replay_buffer *buf, float *obs, float *far, float *act)
{
    for (int i = 0; i < N; i++) {
        act[i] = (float)(i % 2);
        for (int d = 0; d < 4; d++) {
            obs[i * 4 + d] = buf->obs[(size_t)(i * 7) * 4 + d];
            far[i * 4 + d] = (d % 2 ? -2.5f : 2.0f) * (1.0f + 0.01f * (float)i);
        }
    }
}

/* Member k takes member 0's weights (and normalisers). */
static void copy_member(cdrl_dynamics_ensemble *e, int k)
{
    cdrl_dynamics_model *a = e->member[0], *b = e->member[k];
    memcpy(b->net->params, a->net->params, sizeof(float) * a->net->n_params);
    memcpy(b->norm, a->norm, sizeof(float) * (2 * (size_t)a->n_inputs + 2 * (size_t)a->spec.obs_dim));
}

static void parses_dropout_and_ensemble_k(void **state)
{
    (void)state;
    int K = 0;
    cdrl_error err;
    assert_int_equal(cdrl_ensemble_parse("dropout", &K, &err), 0);
    assert_int_equal(K, 1);
    assert_int_equal(cdrl_ensemble_parse("ensemble:5", &K, &err), 0);
    assert_int_equal(K, 5);
    const char *bad[] = {"ensemble:1", "ensemble:9", "ensemble:", "ensemble:3x", "ensemble", "bagging", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cdrl_ensemble_parse(bad[i], &K, &err), CDRL_EINVAL);
        assert_non_null(strstr(err.msg, "ensemble:K"));
    }
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    cdrl_dynamics_ensemble *e = (cdrl_dynamics_ensemble *)&K;
    assert_int_equal(cdrl_ensemble_create(&spec, CDRL_ENSEMBLE_MAX + 1, &e, &err), CDRL_EINVAL);
    assert_null(e);
}

/* "dropout" (K = 1) is the single model: the same fit, validation, spread,
 * particles and deterministic prediction, bit for bit. */
static void one_member_is_the_model(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 200);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_CONCRETE);
    cdrl_dynamics_ensemble *e = make(&spec, 1);
    cdrl_dynamics_model *m;
    assert_int_equal(cdrl_dynamics_create(&spec, &m, NULL), 0);
    double le, lm, se, sm;
    cdrl_dynamics_stats ve, vm;
    assert_int_equal(cdrl_ensemble_fit(e, &buf, 60, &le, NULL), 0);
    assert_int_equal(cdrl_dynamics_fit(m, &buf, 60, &lm, NULL), 0);
    assert_memory_equal(&le, &lm, sizeof le);
    assert_memory_equal(e->member[0]->net->params, m->net->params, sizeof(float) * m->net->n_params);
    assert_int_equal(cdrl_ensemble_validate(e, &buf, 7, &ve, NULL), 0);
    assert_int_equal(cdrl_dynamics_validate(m, &buf, 7, &vm, NULL), 0);
    assert_memory_equal(&ve, &vm, sizeof ve);
    float obs[N * 4], far[N * 4], act[N], ne[N * 4], nm[N * 4];
    probe_rows(&buf, obs, far, act);
    assert_int_equal(cdrl_ensemble_spread(e, far, act, N, 9, &se, NULL), 0);
    assert_int_equal(cdrl_dynamics_spread(m, far, act, N, 9, &sm, NULL), 0);
    assert_memory_equal(&se, &sm, sizeof se);
    assert_true(se > 0.0);
    assert_int_equal(cdrl_ensemble_freeze(e, 3, NULL), 0);
    assert_int_equal(cdrl_dynamics_freeze(m, 3, NULL), 0);
    assert_int_equal(cdrl_ensemble_step(e, obs, act, N, ne, NULL), 0);
    assert_int_equal(cdrl_dynamics_step_frozen(m, obs, act, N, nm, NULL), 0);
    assert_memory_equal(ne, nm, sizeof ne);
    assert_int_equal(cdrl_ensemble_predict(e, obs, act, N, ne, NULL), 0);
    assert_int_equal(cdrl_dynamics_predict(m, obs, act, N, nm, NULL), 0);
    assert_memory_equal(ne, nm, sizeof ne);
    for (int l = 0; l < cdrl_dynamics_layers(m); l++)
        assert_true(cdrl_ensemble_p(e, l) == cdrl_dynamics_p(m, l));
    cdrl_dynamics_free(m);
    cdrl_ensemble_free(e);
    cdrl_replay_buffer_free(&buf);
}

/* Three copies of one network without dropout: no disagreement anywhere,
 * and every member's block of particle rows predicts the same. */
static void identical_members_have_zero_spread(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 200);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    cdrl_dynamics_ensemble *e = make(&spec, 3);
    assert_int_equal(cdrl_dynamics_fit(e->member[0], &buf, 50, NULL, NULL), 0);
    copy_member(e, 1);
    copy_member(e, 2);
    float obs[N * 4], far[N * 4], act[N], next[N * 4];
    probe_rows(&buf, obs, far, act);
    double near_spread = -1.0, far_spread = -1.0;
    assert_int_equal(cdrl_ensemble_spread(e, obs, act, N, 4, &near_spread, NULL), 0);
    assert_int_equal(cdrl_ensemble_spread(e, far, act, N, 4, &far_spread, NULL), 0);
    assert_true(near_spread == 0.0);
    assert_true(far_spread == 0.0);
    cdrl_dynamics_stats st;
    assert_int_equal(cdrl_ensemble_validate(e, &buf, 4, &st, NULL), 0);
    assert_true(st.val_spread == 0.0);
    assert_true(st.val_mse > 0.0);
    /* P = 3 particles x 8 candidates: rows 0-7 member 0, 8-15 member 1, ... */
    float same_obs[N * 4], same_act[N];
    for (int r = 0; r < N; r++) {
        same_act[r] = act[r % 8];
        memcpy(same_obs + r * 4, obs + (r % 8) * 4, sizeof(float) * 4);
    }
    assert_int_equal(cdrl_ensemble_freeze(e, 3, NULL), 0);
    assert_int_equal(cdrl_ensemble_step(e, same_obs, same_act, N, next, NULL), 0);
    assert_memory_equal(next, next + 8 * 4, sizeof(float) * 8 * 4);
    assert_memory_equal(next, next + 16 * 4, sizeof(float) * 8 * 4);
    cdrl_ensemble_free(e);
    cdrl_replay_buffer_free(&buf);
}

static double param_distance(const cdrl_dynamics_model *a, const cdrl_dynamics_model *b)
{
    double s = 0.0;
    for (size_t i = 0; i < a->net->n_params; i++)
        s += fabs((double)a->net->params[i] - b->net->params[i]);
    return s;
}

/* Members start from the same weights; only their minibatch draws differ
 * (each its own generator), and after training they disagree, most where
 * there was no data. Fresh members differ from the start (own seeds). */
static void members_differ_after_bootstrapped_training(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 300);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    cdrl_dynamics_ensemble *e = make(&spec, 3);
    assert_true(param_distance(e->member[0], e->member[1]) > 0.0);
    assert_true(param_distance(e->member[1], e->member[2]) > 0.0);
    copy_member(e, 1);
    copy_member(e, 2);
    assert_true(param_distance(e->member[0], e->member[1]) == 0.0);
    double loss;
    assert_int_equal(cdrl_ensemble_fit(e, &buf, 300, &loss, NULL), 0);
    assert_true(isfinite(loss) && loss > 0.0);
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            assert_true(param_distance(e->member[a], e->member[b]) > 1e-3);
    float obs[N * 4], far[N * 4], act[N];
    probe_rows(&buf, obs, far, act);
    double near_spread, far_spread;
    assert_int_equal(cdrl_ensemble_spread(e, obs, act, N, 1, &near_spread, NULL), 0);
    assert_int_equal(cdrl_ensemble_spread(e, far, act, N, 1, &far_spread, NULL), 0);
    assert_true(near_spread > 0.0);
    assert_true(far_spread > near_spread);
    cdrl_ensemble_free(e);
    cdrl_replay_buffer_free(&buf);
}

/* The ensemble's fit objective with log-variance heads is the sum of each
 * member's Gaussian NLL on its own minibatch. Each member's backward
 * gradient equals the central finite difference of that sum, and moving a
 * member's weight changes no other member's loss. */
static double member_loss(cdrl_dynamics_model *m, const float *x, const float *y, int B, float *dout)
{
    const float *out = cdrl_mlp_forward(m->net, x, B, CDRL_MODE_TRAIN, NULL);
    assert_non_null(out);
    if (dout)
        memset(dout, 0, sizeof(float) * (size_t)B * m->net->n_outputs);
    return cdrl_gaussian_nll(dout, out, y, B, m->spec.obs_dim, 1.0f);
}

static void gradients_per_member(void **state)
{
    (void)state;
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    spec.logvar_head = 1;
    enum { K = 2, B = 6, IN = 6, D = 4 };
    cdrl_dynamics_ensemble *e = make(&spec, K);
    float x[K][B * IN], y[K][B * D], dout[B * 2 * D];
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < B * IN; i++)
            x[k][i] = (float)cdrl_rng_range(&rng, -1, 1);
        for (int i = 0; i < B * D; i++)
            y[k][i] = (float)cdrl_rng_range(&rng, -1, 1);
    }
    int checked = 0;
    for (int k = 0; k < K; k++) {
        cdrl_dynamics_model *m = e->member[k];
        member_loss(m, x[k], y[k], B, dout);
        cdrl_mlp_zero_grad(m->net);
        assert_int_equal(cdrl_mlp_backward(m->net, dout, NULL, NULL), 0);
        for (size_t i = 0; i < m->net->n_params; i += 13) {
            float keep = m->net->params[i];
            const float h = 1e-2f;
            double other[2], total[2];
            for (int s = 0; s < 2; s++) {
                m->net->params[i] = keep + (s ? -h : h);
                total[s] = 0.0;
                for (int j = 0; j < K; j++) {
                    double l = member_loss(e->member[j], x[j], y[j], B, NULL);
                    total[s] += l;
                    if (j != k)
                        other[s] = l;
                }
            }
            m->net->params[i] = keep;
            assert_true(other[0] == other[1]);
            double fd = (total[0] - total[1]) / (2.0 * h), g = m->net->grads[i];
            if (fabs(fd) < 1e-3)
                continue; /* where the loss does not move, a difference says nothing */
            assert_true(fabs(fd - g) <= 2e-2 * fabs(fd) + 2e-3);
            checked++;
        }
    }
    assert_true(checked > 20);
    cdrl_ensemble_free(e);
}

/* P particles over K members, contiguously: with P = 3, K = 2 member 0 owns
 * particle 0 and member 1 particles 1 and 2. Without dropout a member's
 * particle predicts what the member predicts. */
static void particles_go_to_their_member(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 100);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    cdrl_dynamics_ensemble *e = make(&spec, 2);
    assert_int_equal(cdrl_ensemble_fit(e, &buf, 20, NULL, NULL), 0);
    enum { P = 3, C = 8 };
    float obs[N * 4], far[N * 4], act[N], next[N * 4], want[N * 4];
    probe_rows(&buf, obs, far, act);
    assert_int_equal(cdrl_ensemble_freeze(e, P, NULL), 0);
    assert_int_equal(cdrl_ensemble_step(e, obs, act, P * C, next, NULL), 0);
    for (int r = 0; r < P * C; r++) {
        int member = r < C ? 0 : 1;
        assert_int_equal(cdrl_dynamics_predict(e->member[member], obs + r * 4, act + r, 1, want + r * 4, NULL), 0);
        for (int d = 0; d < 4; d++)
            assert_float_equal(next[r * 4 + d], want[r * 4 + d], 1e-5f * (1.0f + fabsf(want[r * 4 + d])));
    }
    /* The ensemble's deterministic prediction is the members' mean. */
    float mean[N * 4], a0[N * 4], a1[N * 4];
    assert_int_equal(cdrl_ensemble_predict(e, obs, act, N, mean, NULL), 0);
    assert_int_equal(cdrl_dynamics_predict(e->member[0], obs, act, N, a0, NULL), 0);
    assert_int_equal(cdrl_dynamics_predict(e->member[1], obs, act, N, a1, NULL), 0);
    for (int c = 0; c < N * 4; c++)
        assert_float_equal(mean[c], 0.5f * (a0[c] + a1[c]), 1e-6f * (1.0f + fabsf(mean[c])));
    cdrl_error err;
    assert_int_equal(cdrl_ensemble_freeze(e, 1, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "one per member"));
    cdrl_ensemble_free(e);
    cdrl_replay_buffer_free(&buf);
}

/* Thompson: each hold draws one member, whose network then answers every
 * row; over 24 episodes more than one member is drawn; the same seed draws
 * the same members. */
static void thompson_holds_one_member(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 100);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_NONE);
    cdrl_dynamics_ensemble *e = make(&spec, 4), *again = make(&spec, 4);
    assert_int_equal(cdrl_ensemble_fit(e, &buf, 10, NULL, NULL), 0);
    float obs[N * 4], far[N * 4], act[N], next[N * 4], want[N * 4];
    probe_rows(&buf, obs, far, act);
    int seen[4] = {0};
    for (int ep = 0; ep < 24; ep++) {
        assert_int_equal(cdrl_ensemble_hold(e, NULL), 0);
        assert_int_equal(cdrl_ensemble_hold(again, NULL), 0);
        assert_int_equal(e->held, again->held);
        seen[e->held] = 1;
        assert_int_equal(cdrl_ensemble_step(e, obs, act, N, next, NULL), 0);
        assert_int_equal(cdrl_dynamics_predict(e->member[e->held], obs, act, N, want, NULL), 0);
        for (int c = 0; c < N * 4; c++)
            assert_float_equal(next[c], want[c], 1e-5f * (1.0f + fabsf(want[c])));
    }
    assert_true(seen[0] + seen[1] + seen[2] + seen[3] >= 2);
    assert_int_equal(cdrl_ensemble_freeze(e, 4, NULL), 0);
    assert_int_equal(e->held, -1);
    cdrl_ensemble_free(e);
    cdrl_ensemble_free(again);
    cdrl_replay_buffer_free(&buf);
}

/* Uneven particle blocks (step_rows): each member steps its particles'
 * rows, each row bit for bit as in an even step; a held Thompson member
 * steps them all, whatever the planner's P; rows of another P than the
 * frozen one are refused. */
static void uneven_blocks_go_to_their_member(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 100);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_CONCRETE);
    cdrl_dynamics_ensemble *e = make(&spec, 2);
    assert_int_equal(cdrl_ensemble_fit(e, &buf, 20, NULL, NULL), 0);
    enum { P = 3, C = 8 };
    float obs[N * 4], far[N * 4], act[N], next[N * 4], some_obs[N * 4], some_act[N], some_next[N * 4];
    probe_rows(&buf, obs, far, act);
    assert_int_equal(cdrl_ensemble_freeze(e, P, NULL), 0);
    assert_int_equal(cdrl_ensemble_step(e, obs, act, P * C, next, NULL), 0);
    const int counts[P] = {3, 0, 6}; /* member 0: particle 0; member 1: particles 1 and 2 */
    const int rows[9] = {1, 4, 7, 2 * C + 0, 2 * C + 2, 2 * C + 3, 2 * C + 5, 2 * C + 6, 2 * C + 7};
    for (int i = 0; i < 9; i++) {
        some_act[i] = act[rows[i]];
        memcpy(some_obs + i * 4, obs + rows[i] * 4, sizeof(float) * 4);
    }
    assert_int_equal(cdrl_ensemble_step_rows(e, some_obs, some_act, P, counts, some_next, NULL), 0);
    for (int i = 0; i < 9; i++)
        assert_memory_equal(some_next + i * 4, next + rows[i] * 4, sizeof(float) * 4);
    cdrl_error err;
    assert_int_equal(cdrl_ensemble_step_rows(e, some_obs, some_act, 2, counts, some_next, &err), CDRL_EINVAL);
    /* Held: every row through the one member, as its own step. */
    assert_int_equal(cdrl_ensemble_hold(e, NULL), 0);
    assert_int_equal(cdrl_ensemble_step(e, some_obs, some_act, 9, next, NULL), 0);
    assert_int_equal(cdrl_ensemble_step_rows(e, some_obs, some_act, P, counts, some_next, NULL), 0);
    assert_memory_equal(some_next, next, sizeof(float) * 9 * 4);
    cdrl_ensemble_free(e);
    cdrl_replay_buffer_free(&buf);
}

static void same_seed_same_bits(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    random_data(&buf, 150);
    cdrl_dynamics_spec spec = small_spec(CDRL_DROPOUT_CONCRETE);
    spec.logvar_head = 1;
    cdrl_dynamics_ensemble *a = make(&spec, 3), *b = make(&spec, 3);
    cdrl_dynamics_stats sa, sb;
    assert_int_equal(cdrl_ensemble_fit(a, &buf, 40, NULL, NULL), 0);
    assert_int_equal(cdrl_ensemble_fit(b, &buf, 40, NULL, NULL), 0);
    assert_int_equal(cdrl_ensemble_validate(a, &buf, 5, &sa, NULL), 0);
    assert_int_equal(cdrl_ensemble_validate(b, &buf, 5, &sb, NULL), 0);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(a->member[k]->net->params, b->member[k]->net->params,
                            sizeof(float) * a->member[k]->net->n_params);
    assert_memory_equal(&sa, &sb, sizeof sa);
    assert_true(sa.aleatoric > 0.0);
    assert_true(sa.val_spread > 0.0);
    cdrl_ensemble_free(a);
    cdrl_ensemble_free(b);
    cdrl_replay_buffer_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_dropout_and_ensemble_k),
        cmocka_unit_test(one_member_is_the_model),
        cmocka_unit_test(identical_members_have_zero_spread),
        cmocka_unit_test(members_differ_after_bootstrapped_training),
        cmocka_unit_test(gradients_per_member),
        cmocka_unit_test(particles_go_to_their_member),
        cmocka_unit_test(thompson_holds_one_member),
        cmocka_unit_test(uneven_blocks_go_to_their_member),
        cmocka_unit_test(same_seed_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
