/* Tests of the CartPole drawer, by its pixels: known states are drawn
 * headless and the picture is measured: the pole's direction (fitted to its
 * pixels) against theta, the cart's center against x, the limit lines
 * against x_threshold, the force arrow against the last action. The
 * expected pixels come from the scale rules written in viz.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/viz.h"

#define W 600
#define H 400
#define X_THRESHOLD 2.4
#define THETA_THRESHOLD (12 * 2 * 3.14159265358979 / 360)
#define HALF_LENGTH 0.5

static const double scale = W / (2 * CDRL_VIZ_CARTPOLE_SPAN * X_THRESHOLD);
static const double track_y = CDRL_VIZ_CARTPOLE_TRACK_Y * H;

static cdrl_viz_canvas *draw(double x, double theta, double last_action)
{
    double state[4] = {x, 0.3, theta, -0.1};
    double params[4] = {X_THRESHOLD, THETA_THRESHOLD, HALF_LENGTH, 10.0};
    cdrl_env_view view = {"cartpole", 4, state, 4, params, last_action, 12, 12.0};
    cdrl_viz_canvas *canvas = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &canvas, &err), 0);
    assert_int_equal(cdrl_viz_draw_cartpole(canvas, (cdrl_viz_rect){0, 0, W, H}, &view, NULL, 0, &err), 0);
    return canvas;
}

/* The pole's pixels, measured from the pivot: their principal direction
 * (angle from vertical, positive to the right) and their farthest reach. */
static void measure_pole(cdrl_viz_canvas *canvas, double pivot_x, double pivot_y, double *angle, double *reach,
                         int *count)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, far = 0;
    int n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (cdrl_viz_canvas_pixel(canvas, x, y) == CDRL_VIZ_COLOR_POLE) {
                double dx = x + 0.5 - pivot_x, dy = pivot_y - (y + 0.5); /* dy up */
                sx += dx, sy += dy, sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
                far = fmax(far, hypot(dx, dy));
                n++;
            }
    assert_true(n > 50);
    double mx = sx / n, my = sy / n;
    double cxx = sxx / n - mx * mx, cyy = syy / n - my * my, cxy = sxy / n - mx * my;
    /* principal axis of the pixel cloud, oriented upwards */
    double phi = 0.5 * atan2(2 * cxy, cyy - cxx); /* angle from the vertical axis */
    *angle = phi;
    *reach = far;
    *count = n;
}

static double cart_center_x(cdrl_viz_canvas *canvas)
{
    /* a row through the lower half of the cart: clear of the pole, axle and wheels */
    int row = (int)(track_y - CDRL_VIZ_CART_HEIGHT * scale * 0.25);
    int left = -1, right = -1;
    for (int x = 0; x < W; x++)
        if (cdrl_viz_canvas_pixel(canvas, x, row) == CDRL_VIZ_COLOR_CART) {
            if (left < 0)
                left = x;
            right = x;
        }
    assert_true(left >= 0);
    assert_true(fabs((right - left + 1) - CDRL_VIZ_CART_WIDTH * scale) <= 2);
    return (left + right + 1) / 2.0;
}

static void check_pole(double x, double theta)
{
    cdrl_viz_canvas *canvas = draw(x, theta, 1);
    double pivot_x = W / 2.0 + x * scale, pivot_y = track_y - CDRL_VIZ_CART_HEIGHT / 2 * scale;
    assert_true(fabs(cart_center_x(canvas) - pivot_x) <= 1.0);
    double angle, reach;
    int n;
    measure_pole(canvas, pivot_x, pivot_y, &angle, &reach, &n);
    assert_true(fabs(angle - theta) < 0.015);
    /* the tip lies a pole's length away (plus half the width at its corner) */
    assert_true(fabs(reach - 2 * HALF_LENGTH * scale) < 6);
    cdrl_viz_canvas_free(canvas);
}

static void upright_pole_is_vertical(void **state)
{
    (void)state;
    check_pole(0.0, 0.0);
    /* and every pole pixel is within its half width of the pivot's column */
    cdrl_viz_canvas *canvas = draw(0.0, 0.0, 1);
    for (int y = 0; y < (int)track_y; y++)
        for (int x = 0; x < W; x++)
            if (cdrl_viz_canvas_pixel(canvas, x, y) == CDRL_VIZ_COLOR_POLE)
                assert_true(fabs(x + 0.5 - W / 2.0) <= 0.05 * scale + 1);
    cdrl_viz_canvas_free(canvas);
}

static void leaning_pole_follows_theta(void **state)
{
    (void)state;
    check_pole(0.0, 0.2);    /* leans right by 0.2 rad */
    check_pole(0.0, -0.15);  /* leans left */
    check_pole(1.3, 0.2);    /* away from the center */
    check_pole(-2.0, 0.6);   /* far out, past the angle limit */
}

static void pole_tip_lands_where_theta_says(void **state)
{
    (void)state;
    double theta = 0.2;
    cdrl_viz_canvas *canvas = draw(0.0, theta, 1);
    double pivot_x = W / 2.0, pivot_y = track_y - CDRL_VIZ_CART_HEIGHT / 2 * scale;
    double len = 2 * HALF_LENGTH * scale;
    int tip_x = (int)(pivot_x + sin(theta) * (len - 3)), tip_y = (int)(pivot_y - cos(theta) * (len - 3));
    assert_int_equal(cdrl_viz_canvas_pixel(canvas, tip_x, tip_y), CDRL_VIZ_COLOR_POLE);
    /* the mirror point, where theta = -0.2 would put it, is not pole */
    int mirror_x = (int)(pivot_x - sin(theta) * (len - 3));
    assert_int_not_equal(cdrl_viz_canvas_pixel(canvas, mirror_x, tip_y), CDRL_VIZ_COLOR_POLE);
    cdrl_viz_canvas_free(canvas);
}

static void limit_lines_at_x_threshold(void **state)
{
    (void)state;
    cdrl_viz_canvas *canvas = draw(0.5, 0.0, 1);
    for (int side = -1; side <= 1; side += 2) {
        int lx = (int)(W / 2.0 + side * X_THRESHOLD * scale);
        int hits = 0, hits_off = 0;
        for (int y = 30; y < (int)track_y - 5; y++) {
            int near = 0;
            for (int dx = -1; dx <= 1; dx++)
                near |= cdrl_viz_canvas_pixel(canvas, lx + dx, y) == CDRL_VIZ_COLOR_LIMIT;
            hits += near;
            hits_off += cdrl_viz_canvas_pixel(canvas, lx + 6, y) == CDRL_VIZ_COLOR_LIMIT;
        }
        assert_true(hits > ((int)track_y - 35) / 3); /* dashed: over half of it drawn */
        assert_int_equal(hits_off, 0);
    }
    cdrl_viz_canvas_free(canvas);
}

static double force_arrow_mean_x(double last_action, int *count)
{
    cdrl_viz_canvas *canvas = draw(0.0, 0.0, last_action);
    double sum = 0;
    int n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (cdrl_viz_canvas_pixel(canvas, x, y) == CDRL_VIZ_COLOR_FORCE) {
                sum += x;
                n++;
            }
    cdrl_viz_canvas_free(canvas);
    *count = n;
    return n ? sum / n : NAN;
}

static void force_arrow_follows_last_action(void **state)
{
    (void)state;
    int n_right, n_left, n_none;
    double right = force_arrow_mean_x(1, &n_right); /* push right: the arrow sits left of the cart */
    double left = force_arrow_mean_x(0, &n_left);
    force_arrow_mean_x(NAN, &n_none);
    assert_true(n_right > 20 && n_left > 20);
    assert_true(right < W / 2.0 - CDRL_VIZ_CART_WIDTH / 2 * scale);
    assert_true(left > W / 2.0 + CDRL_VIZ_CART_WIDTH / 2 * scale);
    assert_int_equal(n_none, 0);
}

static void wrong_view_is_an_error(void **state)
{
    (void)state;
    double s[4] = {0}, p[4] = {2.4, 0.2, 0.5, 10};
    cdrl_env_view view = {"pendulum", 4, s, 4, p, NAN, 0, 0};
    cdrl_viz_canvas *canvas = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(50, 50, &canvas, &err), 0);
    assert_int_equal(cdrl_viz_draw_cartpole(canvas, (cdrl_viz_rect){0, 0, 50, 50}, &view, NULL, 0, &err),
                     CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "pendulum"));
    view.kind = "cartpole";
    view.n_params = 2;
    assert_int_equal(cdrl_viz_draw_cartpole(canvas, (cdrl_viz_rect){0, 0, 50, 50}, &view, NULL, 0, &err),
                     CDRL_EINVAL);
    /* nothing was drawn */
    assert_int_equal(cdrl_viz_canvas_pixel(canvas, 25, 25), CDRL_VIZ_COLOR_BACKGROUND);
    cdrl_viz_canvas_free(canvas);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upright_pole_is_vertical),
        cmocka_unit_test(leaning_pole_follows_theta),
        cmocka_unit_test(pole_tip_lands_where_theta_says),
        cmocka_unit_test(limit_lines_at_x_threshold),
        cmocka_unit_test(force_arrow_follows_last_action),
        cmocka_unit_test(wrong_view_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
