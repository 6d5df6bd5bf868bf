/* Tests of the statistics module: IQM, bootstrap intervals and probability
 * of improvement against hand-worked values and an independent numpy/scipy
 * computation (tests/stats_reference.py), and calibration on synthetic
 * predictives whose coverage is known in closed form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/rng.h"
#include "cdrl/stats.h"

/* cmocka's float assertion rounds to float; these checks need double. */
#define assert_double_equal(got, want, tol) assert_near((got), (want), (tol), #got)
static void assert_near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s = %.9g, expected %.9g within %g", what, got, want, tol);
}

/* ==== Aggregates ==== */

static void iqm_drops_a_quarter_each_side(void **state)
{
    (void)state;
    double eight[] = {8, 1, 7, 2, 6, 3, 5, 4}; /* keeps 3, 4, 5, 6 */
    assert_double_equal(cdrl_iqm(eight, 8), 4.5, 0);
    double five[] = {100, 1, 2, 3, -50}; /* drops one each side: 1, 2, 3 */
    assert_double_equal(cdrl_iqm(five, 5), 2.0, 0);
    double three[] = {1, 2, 30}; /* floor(3/4) = 0: the plain mean */
    assert_double_equal(cdrl_iqm(three, 3), 11.0, 0);
    assert_true(isnan(cdrl_iqm(three, 0)));
    assert_double_equal(eight[0], 8, 0); /* input untouched */
}

static void quantile_is_numpy_linear(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 4};
    assert_double_equal(cdrl_quantile_sorted(x, 4, 0.25), 1.75, 1e-15);
    assert_double_equal(cdrl_quantile_sorted(x, 4, 0.0), 1.0, 0);
    assert_double_equal(cdrl_quantile_sorted(x, 4, 1.0), 4.0, 0);
    assert_double_equal(cdrl_quantile_sorted(x, 4, 0.975), 3.925, 1e-15);
}

static const double task_a0[] = {12.0, 3.5, 7.25, 9.0, 15.5, 4.0, 8.0, 11.0, 6.5, 10.0};
static const double task_a1[] = {-2.0, 0.5, 1.5, -0.25, 3.0, 2.25, 0.0};
static const double task_b0[] = {10.0, 2.0, 6.0, 7.5, 9.5, 3.0, 5.0, 8.5, 4.5, 7.0};
static const double task_b1[] = {-1.0, -0.5, 1.0, -2.5, 0.25, 1.75, -1.5};
static const double *const a_tasks[] = {task_a0, task_a1};
static const double *const b_tasks[] = {task_b0, task_b1};
static const int runs[] = {10, 7};

/* Point and 95 % interval from tests/stats_reference.py (numpy's generator,
 * scipy's trim_mean, 400,000 resamples). The C bootstrap uses another
 * generator and fewer resamples, so its ends agree within Monte-Carlo error;
 * the IQM's resamples take values on a grid of 1/36, hence the tolerance. */
static void iqm_interval_matches_numpy(void **state)
{
    (void)state;
    cdrl_scores a = {a_tasks, runs, 2};
    cdrl_interval ci;
    assert_int_equal(cdrl_iqm_bootstrap(&a, 50000, 0.95, 7, &ci, NULL), 0);
    assert_double_equal(ci.point, 5.0, 1e-12);
    assert_double_equal(ci.lo, 3.555556, 0.06);
    assert_double_equal(ci.hi, 6.666667, 0.06);
}

static void prob_improvement_matches_numpy(void **state)
{
    (void)state;
    cdrl_scores a = {a_tasks, runs, 2}, b = {b_tasks, runs, 2};
    cdrl_interval ci;
    assert_int_equal(cdrl_prob_improvement_bootstrap(&a, &b, 50000, 0.95, 7, &ci, NULL), 0);
    assert_double_equal(ci.point, 0.694439, 1e-6);
    assert_double_equal(ci.lo, 0.496990, 0.01);
    assert_double_equal(ci.hi, 0.866684, 0.01);
    /* Against itself: exactly a coin flip. */
    assert_int_equal(cdrl_prob_improvement_bootstrap(&a, &a, 100, 0.95, 7, &ci, NULL), 0);
    assert_double_equal(ci.point, 0.5, 0);
}

static void prob_improvement_counts_ties_half(void **state)
{
    (void)state;
    double x[] = {1, 2, 3}, y[] = {2, 2};
    /* 1 < 2 twice (0), 2 = 2 twice (0.5 each), 3 > 2 twice (1 each): 3 / 6. */
    assert_double_equal(cdrl_prob_improvement_task(x, 3, y, 2), 0.5, 0);
    double hi[] = {10, 11}, lo[] = {1, 2, 3};
    assert_double_equal(cdrl_prob_improvement_task(hi, 2, lo, 3), 1.0, 0);
    assert_double_equal(cdrl_prob_improvement_task(lo, 3, hi, 2), 0.0, 0);
    assert_true(isnan(cdrl_prob_improvement_task(x, 0, y, 2)));
}

static void bootstrap_of_a_constant_is_a_point(void **state)
{
    (void)state;
    double c[] = {3.25, 3.25, 3.25, 3.25, 3.25};
    const double *tasks[] = {c};
    int n[] = {5};
    cdrl_scores s = {tasks, n, 1};
    cdrl_interval ci;
    assert_int_equal(cdrl_iqm_bootstrap(&s, 1000, 0.95, 1, &ci, NULL), 0);
    assert_double_equal(ci.point, 3.25, 0);
    assert_double_equal(ci.lo, 3.25, 0);
    assert_double_equal(ci.hi, 3.25, 0);
}

static void bootstrap_is_reproducible_and_seeded(void **state)
{
    (void)state;
    cdrl_scores a = {a_tasks, runs, 2};
    cdrl_interval x, y, z;
    assert_int_equal(cdrl_iqm_bootstrap(&a, 999, 0.9, 3, &x, NULL), 0);
    assert_int_equal(cdrl_iqm_bootstrap(&a, 999, 0.9, 3, &y, NULL), 0);
    assert_int_equal(cdrl_iqm_bootstrap(&a, 999, 0.9, 4, &z, NULL), 0);
    assert_memory_equal(&x, &y, sizeof x);
    assert_true(x.lo != z.lo || x.hi != z.hi);
    assert_true(x.lo <= x.point && x.point <= x.hi);
}

static void bootstrap_refuses_bad_input(void **state)
{
    (void)state;
    cdrl_interval ci;
    cdrl_error err = {0};
    cdrl_scores a = {a_tasks, runs, 2};
    assert_int_equal(cdrl_iqm_bootstrap(&a, 0, 0.95, 1, &ci, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_iqm_bootstrap(&a, 10, 1.0, 1, &ci, &err), CDRL_EINVAL);
    double bad[] = {1, NAN};
    const double *tasks[] = {bad};
    int n[] = {2}, none[] = {0};
    cdrl_scores s = {tasks, n, 1}, empty = {tasks, none, 1};
    assert_int_equal(cdrl_iqm_bootstrap(&s, 10, 0.95, 1, &ci, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "not finite"));
    assert_int_equal(cdrl_iqm_bootstrap(&empty, 10, 0.95, 1, &ci, &err), CDRL_EINVAL);
    cdrl_scores one_task = {a_tasks, runs, 1};
    assert_int_equal(cdrl_prob_improvement_bootstrap(&a, &one_task, 10, 0.95, 1, &ci, &err),
                     CDRL_EINVAL);
}

/* ==== Calibration ==== */

static void calibration_small_worked_example(void **state)
{
    (void)state;
    /* N(0, 1) predictions for targets 0, 1, 3: covered at the levels
     * erf(0) = 0, erf(1 / sqrt 2) = 0.683 and erf(3 / sqrt 2) = 0.997. */
    float mean[] = {0, 0, 0}, var[] = {1, 1, 1}, y[] = {0, 1, 3};
    cdrl_calibration c;
    assert_int_equal(cdrl_calibration_score(mean, var, y, 3, &c, NULL), 0);
    assert_int_equal(c.n, 3);
    assert_double_equal(c.coverage50, 1.0 / 3, 1e-15);
    assert_double_equal(c.coverage90, 2.0 / 3, 1e-15);
    assert_double_equal(c.nll, 0.5 * 1.8378770664093453 + 10.0 / 6, 1e-12);
    assert_double_equal(c.rmse, sqrt(10.0 / 3), 1e-12);
    assert_true(isnan(c.spread_error_rank)); /* constant spread: no ranking */
}

static void calibration_rank_correlation(void **state)
{
    (void)state;
    /* spreads 1, 2, 3, 4 against misses of rank 1, 3, 2, 4:
     * rho = 1 - 6 * (0 + 1 + 1 + 0) / (4 * 15) = 0.8. */
    float mean[] = {0, 0, 0, 0}, var[] = {1, 4, 9, 16}, y[] = {0.1f, 0.3f, 0.2f, 0.4f};
    cdrl_calibration c;
    assert_int_equal(cdrl_calibration_score(mean, var, y, 4, &c, NULL), 0);
    assert_double_equal(c.spread_error_rank, 0.8, 1e-12);
}

/* Targets drawn from the predictive itself are calibrated: coverage equals
 * the level. With the spread halved (variance quartered) the central 50 %
 * interval holds P(|z| <= 0.6745 / 2) = 0.2639 of the targets instead. */
static void calibration_known_coverage(void **state)
{
    (void)state;
    enum { N = 200000 };
    float *mean = malloc(N * sizeof *mean), *var = malloc(N * sizeof *var);
    float *narrow = malloc(N * sizeof *narrow), *y = malloc(N * sizeof *y);
    assert_non_null(mean && var && narrow && y);
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 2021, 0);
    double expected_nll = 0;
    for (int i = 0; i < N; i++) {
        double sd = 0.1 + 2.0 * cdrl_rng_uniform(&rng);
        mean[i] = (float)cdrl_rng_normal(&rng);
        var[i] = (float)(sd * sd);
        narrow[i] = var[i] / 4;
        y[i] = (float)(mean[i] + sd * cdrl_rng_normal(&rng));
        expected_nll += 0.5 * (1.8378770664093453 + log(var[i])) + 0.5;
    }
    cdrl_calibration c, over;
    assert_int_equal(cdrl_calibration_score(mean, var, y, N, &c, NULL), 0);
    assert_double_equal(c.coverage50, 0.5, 0.005);
    assert_double_equal(c.coverage90, 0.9, 0.003);
    assert_double_equal(c.nll, expected_nll / N, 0.01);
    assert_true(c.spread_error_rank > 0.3); /* wider spread, larger misses */
    assert_int_equal(cdrl_calibration_score(mean, narrow, y, N, &over, NULL), 0);
    assert_double_equal(over.coverage50, 0.2639, 0.005);
    assert_true(over.nll > c.nll + 0.5);

    double levels[] = {0.1, 0.3, 0.5, 0.7, 0.9, 0.99}, observed[6];
    assert_int_equal(cdrl_calibration_curve(mean, var, y, N, levels, 6, observed, NULL), 0);
    for (int k = 0; k < 6; k++)
        assert_double_equal(observed[k], levels[k], 0.005);
    free(mean), free(var), free(narrow), free(y);
}

static void calibration_refuses_bad_input(void **state)
{
    (void)state;
    cdrl_error err = {0};
    cdrl_calibration c;
    float mean[] = {0, 0}, var[] = {1, -1}, y[] = {0, 0}, nan_y[] = {0, NAN};
    assert_int_equal(cdrl_calibration_score(mean, var, y, 2, &c, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "value 1"));
    float ok_var[] = {1, 1};
    assert_int_equal(cdrl_calibration_score(mean, ok_var, nan_y, 2, &c, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_calibration_score(mean, ok_var, y, 0, &c, &err), CDRL_EINVAL);
    double bad_level[] = {1.0}, observed[1];
    assert_int_equal(cdrl_calibration_curve(mean, ok_var, y, 2, bad_level, 1, observed, &err),
                     CDRL_EINVAL);
    /* Zero spread: an exact hit is covered, the score has no density. */
    float zero[] = {0, 0}, hit[] = {0, 1};
    assert_int_equal(cdrl_calibration_score(mean, zero, hit, 2, &c, NULL), 0);
    assert_double_equal(c.coverage50, 0.5, 0);
    assert_true(isinf(c.nll) && c.nll > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iqm_drops_a_quarter_each_side),
        cmocka_unit_test(quantile_is_numpy_linear),
        cmocka_unit_test(iqm_interval_matches_numpy),
        cmocka_unit_test(prob_improvement_matches_numpy),
        cmocka_unit_test(prob_improvement_counts_ties_half),
        cmocka_unit_test(bootstrap_of_a_constant_is_a_point),
        cmocka_unit_test(bootstrap_is_reproducible_and_seeded),
        cmocka_unit_test(bootstrap_refuses_bad_input),
        cmocka_unit_test(calibration_small_worked_example),
        cmocka_unit_test(calibration_rank_correlation),
        cmocka_unit_test(calibration_known_coverage),
        cmocka_unit_test(calibration_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
