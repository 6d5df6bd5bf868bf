/* Tests of the classic-control drawers (viz/<env>_draw.c) by their pixels:
 * each env is put in known states, drawn headless through cdrl_viz_draw_env,
 * and the picture is measured against the scale rules in viz.h: where the
 * rods, links, carts and the car are. Each picture is also written as a PNG
 * and read back for its size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdrl/env.h"
#include "cdrl/viz.h"

#define W 600
#define H 400

/* Draws env `name` set to `state` (last action `action`) into a new canvas. */
static cdrl_viz_canvas *draw_env(const char *name, const double *state, double action)
{
    cdrl_env *env = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_env_create(name, &env, &err), 0);
    assert_int_equal(cdrl_env_set_state(env, state, &err), 0);
    cdrl_env_view view = cdrl_env_view_of(env);
    view.last_action = action;
    cdrl_viz_canvas *canvas = NULL;
    assert_int_equal(cdrl_viz_canvas_create(W, H, &canvas, &err), 0);
    assert_int_equal(cdrl_viz_draw_env(canvas, (cdrl_viz_rect){0, 0, W, H}, &view, NULL, 0, &err), 0);
    cdrl_env_free(env);
    return canvas;
}

/* The pixel of `color` farthest from (px, py): its offset, y up. */
static int farthest(cdrl_viz_canvas *canvas, uint32_t color, double px, double py, double *dx, double *dy)
{
    double best = -1;
    int n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (cdrl_viz_canvas_pixel(canvas, x, y) == color) {
                double ex = x + 0.5 - px, ey = py - (y + 0.5), d = hypot(ex, ey);
                n++;
                if (d > best)
                    best = d, *dx = ex, *dy = ey;
            }
    return n;
}

/* Centroid of the pixels of `color`, or NaN if none. */
static void centroid(cdrl_viz_canvas *canvas, uint32_t color, double *cx, double *cy, int *n)
{
    double sx = 0, sy = 0;
    *n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (cdrl_viz_canvas_pixel(canvas, x, y) == color)
                sx += x + 0.5, sy += y + 0.5, (*n)++;
    *cx = *n ? sx / *n : NAN;
    *cy = *n ? sy / *n : NAN;
}

/* Writes the canvas as a PNG and checks a plausible file appeared. */
static void png_round_trip(cdrl_viz_canvas *canvas, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/cdrl_test_viz_%s_%d.png", name, (int)getpid());
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_write_png(canvas, path, &err), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char head[24];
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    assert_memory_equal(head + 1, "PNG", 3);
    /* IHDR width and height, big-endian */
    assert_int_equal((head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19], W);
    assert_int_equal((head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23], H);
    if (!getenv("CDRL_KEEP_PNG"))
        unlink(path);
}

static void pendulum_rod_points_along_theta(void **state)
{
    (void)state;
    const double scale = fmin(W, H) / (2 * CDRL_VIZ_PENDULUM_SPAN * 1.0);
    const double thetas[] = {0.0, 0.7, -1.9, 3.0};
    for (int k = 0; k < 4; k++) {
        cdrl_viz_canvas *canvas = draw_env("pendulum", (double[]){thetas[k], 0.0}, 1.0);
        double dx = 0, dy = 0;
        assert_true(farthest(canvas, CDRL_VIZ_COLOR_POLE, W / 2.0, H / 2.0, &dx, &dy) > 100);
        /* tip at (-sin theta, cos theta) * length, y up; the rod's round end
         * reaches a few pixels beyond it */
        assert_true(fabs(atan2(-dx, dy) - thetas[k]) < 0.06);
        assert_true(fabs(hypot(dx, dy) - scale) < 0.1 * scale);
        if (k == 1)
            png_round_trip(canvas, "pendulum");
        cdrl_viz_canvas_free(canvas);
    }
}

/* The car sits on the hill at its position, for both mountain cars. */
static void mountaincar_car_is_on_the_hill(void **state)
{
    (void)state;
    const char *names[2] = {"mountaincar", "mountaincar-continuous"};
    const double scale = fmin(W / 1.8, CDRL_VIZ_MOUNTAINCAR_HEIGHT * H), floor_y = H - CDRL_VIZ_MOUNTAINCAR_FLOOR * H;
    const double left = (W - 1.8 * scale) / 2;
    const double positions[] = {-1.1, -0.52, 0.0, 0.4};
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 4; k++) {
            double p = positions[k];
            cdrl_viz_canvas *canvas = draw_env(names[e], (double[]){p, 0.01}, e ? 0.7 : 2.0);
            double cx, cy;
            int n;
            centroid(canvas, CDRL_VIZ_COLOR_CART, &cx, &cy, &n);
            assert_true(n > 200);
            assert_true(fabs(cx - left - (p + 1.2) * scale) < 0.05 * scale);
            double ground = floor_y - (0.45 * sin(3 * p) + 0.55) * scale;
            assert_true(cy < ground && cy > ground - 0.12 * scale);
            /* the push arrow is drawn */
            int arrow = 0;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    arrow += cdrl_viz_canvas_pixel(canvas, x, y) == CDRL_VIZ_COLOR_FORCE;
            if (k == 1)
                png_round_trip(canvas, names[e]);
            assert_true(arrow > 20);
            cdrl_viz_canvas_free(canvas);
        }
}

/* The tip of the second link is where the angles put it. */
static void acrobot_links_follow_the_angles(void **state)
{
    (void)state;
    const double scale = fmin(W, H) / (2 * CDRL_VIZ_ACROBOT_SPAN);
    const double cases[][2] = {{0.0, 0.0}, {1.2, -0.4}, {-2.5, 1.0}, {3.1, 0.2}};
    for (int k = 0; k < 4; k++) {
        double t1 = cases[k][0], t2 = cases[k][1];
        cdrl_viz_canvas *canvas = draw_env("acrobot", (double[]){t1, t2, 0.0, 0.0}, 2.0);
        double dx = 0, dy = 0;
        assert_true(farthest(canvas, CDRL_VIZ_COLOR_POLE, W / 2.0, H / 2.0, &dx, &dy) > 100);
        double tip_x = (sin(t1) + sin(t1 + t2)) * scale, tip_y = (-cos(t1) - cos(t1 + t2)) * scale;
        assert_true(hypot(dx - tip_x, dy - tip_y) < 0.1 * scale);
        if (k == 1)
            png_round_trip(canvas, "acrobot");
        cdrl_viz_canvas_free(canvas);
    }
}

/* The cart is at x on the track; the pole's tip at (x + l sin theta,
 * -l cos theta) from the pivot. */
static void swingup_cart_and_pole(void **state)
{
    (void)state;
    const double scale = W / (2 * CDRL_VIZ_SWINGUP_SPAN), track_y = CDRL_VIZ_CARTPOLE_TRACK_Y * H;
    const double pivot_y = track_y - 0.075 * scale;
    const double cases[][2] = {{0.0, 0.0}, {0.8, 2.0}, {-1.2, -0.6}, {0.3, 3.1}};
    for (int k = 0; k < 4; k++) {
        double x = cases[k][0], theta = cases[k][1];
        cdrl_viz_canvas *canvas = draw_env("cartpole-swingup", (double[]){x, 0.0, theta, 0.0}, 4.0);
        double cx, cy, dx = 0, dy = 0;
        int n;
        centroid(canvas, CDRL_VIZ_COLOR_CART, &cx, &cy, &n);
        assert_true(n > 100);
        assert_true(fabs(cx - (W / 2.0 + x * scale)) < 4);
        double px = W / 2.0 + x * scale;
        assert_true(farthest(canvas, CDRL_VIZ_COLOR_POLE, px, pivot_y, &dx, &dy) > 50);
        assert_true(hypot(dx - 0.5 * sin(theta) * scale, dy + 0.5 * cos(theta) * scale) < 0.06 * scale);
        if (k == 1)
            png_round_trip(canvas, "swingup");
        cdrl_viz_canvas_free(canvas);
    }
}

static void unknown_kind_is_an_error(void **state)
{
    (void)state;
    double s[2] = {0, 0};
    cdrl_env_view view = {"pong", 2, s, 0, NULL, NAN, 0, 0};
    cdrl_viz_canvas *canvas = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &canvas, &err), 0);
    assert_int_equal(cdrl_viz_draw_env(canvas, (cdrl_viz_rect){0, 0, W, H}, &view, NULL, 0, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "cannot draw env kind 'pong'"));
    cdrl_viz_canvas_free(canvas);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pendulum_rod_points_along_theta),
        cmocka_unit_test(mountaincar_car_is_on_the_hill),
        cmocka_unit_test(acrobot_links_follow_the_angles),
        cmocka_unit_test(swingup_cart_and_pole),
        cmocka_unit_test(unknown_kind_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
