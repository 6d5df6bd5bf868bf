/* Tests of the replay buffer: pushes keep every value (through growth), the
 * held-out slice follows its rule and the index maps cover each slice once,
 * bad arguments are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "replay_buffer.h"

static void push_keeps_values_through_growth(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    cdrl_error err;
    assert_int_equal(cdrl_replay_buffer_init(&buf, 3, 1, 5, &err), 0);
    const int n = 2500; /* beyond the first two capacities */
    for (int i = 0; i < n; i++) {
        double obs[3] = {i, -i, 0.5 * i}, next[3] = {i + 1, -i - 1, 0.25}, act = i % 2;
        assert_int_equal(cdrl_replay_buffer_push(&buf, obs, &act, next, 1.0 + i, i % 7 == 0, &err), 0);
    }
    assert_int_equal(buf.size, n);
    assert_true(buf.capacity >= n);
    for (int i = 0; i < n; i += 499) {
        assert_float_equal(buf.obs[i * 3 + 0], (float)i, 0);
        assert_float_equal(buf.obs[i * 3 + 1], (float)-i, 0);
        assert_float_equal(buf.obs[i * 3 + 2], (float)(0.5 * i), 0);
        assert_float_equal(buf.next_obs[i * 3 + 1], (float)(-i - 1), 0);
        assert_float_equal(buf.action[i], (float)(i % 2), 0);
        assert_float_equal(buf.reward[i], (float)(1.0 + i), 0);
        assert_int_equal(buf.terminated[i], i % 7 == 0);
    }
    cdrl_replay_buffer_free(&buf);
    cdrl_replay_buffer_free(&buf); /* twice is fine */
}

static void slices_partition_the_buffer(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    assert_int_equal(cdrl_replay_buffer_init(&buf, 1, 1, 4, NULL), 0);
    double x = 0, a = 0;
    for (int i = 0; i < 23; i++)
        assert_int_equal(cdrl_replay_buffer_push(&buf, &x, &a, &x, 0, 0, NULL), 0);
    assert_int_equal(cdrl_replay_buffer_val_count(&buf), 5);  /* 3, 7, 11, 15, 19 */
    assert_int_equal(cdrl_replay_buffer_train_count(&buf), 18);
    int seen[23] = {0};
    for (int64_t j = 0; j < cdrl_replay_buffer_train_count(&buf); j++) {
        int64_t i = cdrl_replay_buffer_train_index(&buf, j);
        assert_true(i >= 0 && i < 23);
        assert_false(cdrl_replay_buffer_is_val(&buf, i));
        seen[i]++;
    }
    for (int64_t j = 0; j < cdrl_replay_buffer_val_count(&buf); j++) {
        int64_t i = cdrl_replay_buffer_val_index(&buf, j);
        assert_true(i >= 0 && i < 23);
        assert_true(cdrl_replay_buffer_is_val(&buf, i));
        seen[i]++;
    }
    for (int i = 0; i < 23; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(cdrl_replay_buffer_val_index(&buf, 0), 3);
    assert_int_equal(cdrl_replay_buffer_train_index(&buf, 3), 4);
    cdrl_replay_buffer_free(&buf);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    cdrl_replay_buffer buf;
    cdrl_error err;
    assert_int_equal(cdrl_replay_buffer_init(&buf, 0, 1, 5, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "obs_dim"));
    assert_int_equal(cdrl_replay_buffer_init(&buf, 4, 0, 5, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "action_dim"));
    assert_int_equal(cdrl_replay_buffer_init(&buf, 4, 1, 1, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "val_every"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_keeps_values_through_growth),
        cmocka_unit_test(slices_partition_the_buffer),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
